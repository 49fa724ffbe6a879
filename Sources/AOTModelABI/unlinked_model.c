/* Weak stand-ins for the model entry points, so that the runner template (the stunet-runner
 * product) links on its own. `stunetc compile -o DIR` links the runner's objects again together
 * with DIR/model.o, whose strong definitions replace these. The runner recognises an unlinked
 * build by the NULL description and says how to make a real one. */
#include "stunet_model_abi.h"
#include <stddef.h>

__attribute__((weak)) const struct stunet_model_description *stunet_model_describe(void) { return NULL; }

__attribute__((weak)) int32_t stunet_model_run(const void *weights, const void *const *inputs, void *const *outputs,
                                               void *scratch, stunet_parallel_for_fn parallel_for, void *pool) {
  (void)weights;
  (void)inputs;
  (void)outputs;
  (void)scratch;
  (void)parallel_for;
  (void)pool;
  return -1;
}
