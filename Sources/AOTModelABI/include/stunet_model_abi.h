/* The C interface of a stunetc ahead-of-time model (model.o of a `stunetc compile -o DIR` bundle).
 * Every generated DIR/model.h repeats these declarations (between the ABI markers) together with
 * the model's own constants; this copy is what the prebuilt runner (stunet-model) is compiled
 * against. ABI version 1; Docs/aot.md describes it in full. */
#ifndef STUNET_MODEL_ABI_H
#define STUNET_MODEL_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- stunet model ABI 1 begin --- */
#define STUNET_MODEL_ABI_VERSION 1

/* stunet_model_run results. */
#define STUNET_OK 0
#define STUNET_ERROR_MISALIGNED_WEIGHTS 1 /* weights is NULL or not aligned to STUNET_MODEL_ALIGNMENT */
#define STUNET_ERROR_MISALIGNED_SCRATCH 2 /* scratch is NULL or not aligned to STUNET_MODEL_ALIGNMENT */
#define STUNET_ERROR_MISSING_OUTPUT 3     /* an output written in place (scratch_offset -1) got no pointer */

/* Element types of inputs and outputs. */
#define STUNET_ELEMENT_F32 0
#define STUNET_ELEMENT_I64 1

/* Tiles [tile_begin, tile_end) of the kernel that is running. */
typedef void (*stunet_task_fn)(void *task_context, int64_t tile_begin, int64_t tile_end);

/* Thread-pool hook provided by the host: calls task(task_context, b, e) on disjoint ranges that
 * cover [0, tiles) (from any threads, in any order) and returns when all calls have returned. Any
 * split gives bit-identical results. The task sets flush-to-zero / denormals-are-zero itself. */
typedef void (*stunet_parallel_for_fn)(void *pool, stunet_task_fn task, void *task_context, int64_t tiles);

/* One graph input or output, row-major: where the schedule keeps it in the scratch arena, or -1 for an
 * output that the kernels write straight into the caller's outputs[i] (which must then be given). */
struct stunet_tensor_description {
  const char *name;
  int64_t element_type; /* STUNET_ELEMENT_* */
  int64_t rank;
  int64_t shape[8];
  int64_t scratch_offset;
  int64_t byte_count;
};

struct stunet_model_description {
  int64_t abi_version;   /* STUNET_MODEL_ABI_VERSION */
  int64_t alignment;     /* of the weights and scratch pointers, bytes */
  int64_t weights_bytes; /* size of the packed weights blob (weights.bin after its header) */
  int64_t scratch_bytes; /* size of the scratch arena */
  int64_t input_count;
  int64_t output_count;
  const struct stunet_tensor_description *inputs;
  const struct stunet_tensor_description *outputs;
  const char *name;        /* the graph's name, e.g. "stunet_S" */
  const char *fingerprint; /* 16 hex digits; weights.bin carries the same */
  const char *metadata;    /* "key=value" lines: compiler, target, classes, patch, spacing, ... */
};

/* The model's sizes and tensors (a pointer to constant data inside the object). */
const struct stunet_model_description *stunet_model_describe(void);

/* Runs the network once. weights: the blob of weights.bin (after its header), scratch:
 * scratch_bytes of writable memory; both aligned to the model's alignment. inputs[i] (outputs[i])
 * is copied into (out of) the scratch arena at the tensor's scratch_offset; a NULL array or NULL
 * entry skips that copy (the caller reads or writes the arena directly); outputs with scratch_offset -1
 * are written in place and need their pointer. parallel_for may be NULL
 * (everything runs on the calling thread). Returns STUNET_OK or a STUNET_ERROR_* code. */
int32_t stunet_model_run(const void *weights, const void *const *inputs, void *const *outputs, void *scratch,
                         stunet_parallel_for_fn parallel_for, void *pool);
/* --- stunet model ABI 1 end --- */

#ifdef __cplusplus
}
#endif

#endif
