/* Runs a stunetc AOT bundle from C: maps weights.bin, allocates the scratch arena, reads one
 * float32 .npy tile, runs the model on N pthreads through the parallel-for hook, and writes every
 * output as a float32 .npy. Build (see Docs/aot.md):
 *
 *   clang -O2 -I DIR examples/aot/run_model.c DIR/model.o -lpthread -lm -o run_model
 *   ./run_model DIR/weights.bin input.npy output.npy [threads]
 *
 * Only model.h is needed at compile time; it declares the ABI and the model's sizes. */
#include "model.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a tiny thread pool for the hook: each call spawns workers that take chunks in turn ---- */

struct job {
  stunet_task_fn task;
  void *task_context;
  int64_t tiles, chunk, next;
  pthread_mutex_t lock;
};

static void *worker(void *argument) {
  struct job *job = argument;
  for (;;) {
    pthread_mutex_lock(&job->lock);
    int64_t begin = job->next;
    job->next += job->chunk;
    pthread_mutex_unlock(&job->lock);
    if (begin >= job->tiles) return NULL;
    int64_t end = begin + job->chunk < job->tiles ? begin + job->chunk : job->tiles;
    job->task(job->task_context, begin, end);
  }
}

/* stunet_parallel_for_fn: pool points at the thread count. */
static void parallel_for(void *pool, stunet_task_fn task, void *task_context, int64_t tiles) {
  int threads = *(int *)pool;
  struct job job = {task, task_context, tiles, (tiles + threads - 1) / threads, 0, PTHREAD_MUTEX_INITIALIZER};
  pthread_t helpers[64];
  int started = 0;
  for (int i = 1; i < threads && i < 64; i++)
    if (pthread_create(&helpers[started], NULL, worker, &job) == 0) started++;
  worker(&job); /* the calling thread takes part */
  for (int i = 0; i < started; i++) pthread_join(helpers[i], NULL);
}

/* ---- .npy float32 reading and writing (C order, little-endian) ---- */

static float *read_npy(const char *path, int64_t expected_elements) {
  FILE *file = fopen(path, "rb");
  if (!file) { perror(path); return NULL; }
  unsigned char start[10];
  if (fread(start, 1, 10, file) != 10 || memcmp(start, "\x93NUMPY", 6) != 0) {
    fprintf(stderr, "%s is not a .npy file\n", path);
    fclose(file);
    return NULL;
  }
  size_t header_length = start[8] | (start[9] << 8);
  if (start[6] >= 2) { /* version 2 and 3: 4-byte header length */
    unsigned char more[2];
    if (fread(more, 1, 2, file) != 2) { fclose(file); return NULL; }
    header_length |= ((size_t)more[0] << 16) | ((size_t)more[1] << 24);
  }
  char *header = malloc(header_length + 1);
  if (!header || fread(header, 1, header_length, file) != header_length) { fclose(file); free(header); return NULL; }
  header[header_length] = 0;
  if (!strstr(header, "'<f4'") || strstr(header, "'fortran_order': True")) {
    fprintf(stderr, "%s: only little-endian float32 C-order arrays are supported (%s)\n", path, header);
    fclose(file);
    free(header);
    return NULL;
  }
  free(header);
  float *data = malloc((size_t)expected_elements * sizeof(float));
  if (!data || fread(data, sizeof(float), (size_t)expected_elements, file) != (size_t)expected_elements) {
    fprintf(stderr, "%s does not hold %lld float32 values\n", path, (long long)expected_elements);
    free(data);
    data = NULL;
  }
  fclose(file);
  return data;
}

static int write_npy(const char *path, const float *data, const int64_t *shape, int64_t rank) {
  char header[256];
  int length = snprintf(header, sizeof header, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
  int64_t elements = 1;
  for (int64_t i = 0; i < rank; i++) {
    length += snprintf(header + length, sizeof header - length, "%lld,%s", (long long)shape[i], i + 1 < rank ? " " : "");
    elements *= shape[i];
  }
  length += snprintf(header + length, sizeof header - length, "), }");
  int total = ((10 + length + 1 + 63) / 64) * 64; /* header padded so the data starts on 64 bytes */
  while (10 + length + 1 < total) header[length++] = ' ';
  header[length++] = '\n';
  unsigned char start[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(length & 0xff), (unsigned char)(length >> 8)};
  FILE *file = fopen(path, "wb");
  if (!file) { perror(path); return 1; }
  int ok = fwrite(start, 1, 10, file) == 10 && fwrite(header, 1, (size_t)length, file) == (size_t)length &&
           fwrite(data, sizeof(float), (size_t)elements, file) == (size_t)elements;
  return fclose(file) == 0 && ok ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s weights.bin input.npy output.npy [threads]\n", argv[0]);
    return 2;
  }
  int threads = argc > 4 ? atoi(argv[4]) : 1;
  if (threads < 1) threads = 1;

  /* The weights: map the file; the blob starts STUNET_MODEL_WEIGHTS_FILE_OFFSET bytes in. */
  int descriptor = open(argv[1], O_RDONLY);
  struct stat status;
  if (descriptor < 0 || fstat(descriptor, &status) != 0) { perror(argv[1]); return 1; }
  if (status.st_size != STUNET_MODEL_WEIGHTS_FILE_OFFSET + STUNET_MODEL_WEIGHTS_BYTES) {
    fprintf(stderr, "%s has %lld bytes, this model needs %lld\n", argv[1], (long long)status.st_size,
            (long long)(STUNET_MODEL_WEIGHTS_FILE_OFFSET + STUNET_MODEL_WEIGHTS_BYTES));
    return 1;
  }
  unsigned char *file = mmap(NULL, (size_t)status.st_size, PROT_READ, MAP_PRIVATE, descriptor, 0);
  close(descriptor);
  if (file == MAP_FAILED) { perror("mmap"); return 1; }
  if (memcmp(file + 40, STUNET_MODEL_FINGERPRINT, 16) != 0) {
    fprintf(stderr, "%s belongs to another model\n", argv[1]);
    return 1;
  }
  const void *weights = file + STUNET_MODEL_WEIGHTS_FILE_OFFSET;

  /* The scratch arena, aligned, zero-filled. */
  void *scratch = aligned_alloc(STUNET_MODEL_ALIGNMENT,
                                (STUNET_MODEL_SCRATCH_BYTES + STUNET_MODEL_ALIGNMENT - 1) / STUNET_MODEL_ALIGNMENT * STUNET_MODEL_ALIGNMENT);
  if (!scratch) { fprintf(stderr, "cannot allocate %lld bytes of scratch\n", (long long)STUNET_MODEL_SCRATCH_BYTES); return 1; }
  memset(scratch, 0, STUNET_MODEL_SCRATCH_BYTES);

  /* One input tile in, every output out (outputs beyond the first go to OUTPUT.<i>.npy). */
  const struct stunet_model_description *model = stunet_model_describe();
  if (model->input_count != 1 || model->inputs[0].element_type != STUNET_ELEMENT_F32) {
    fprintf(stderr, "this example feeds one float32 input; the model has %lld\n", (long long)model->input_count);
    return 1;
  }
  float *input = read_npy(argv[2], model->inputs[0].byte_count / 4);
  if (!input) return 1;
  float **outputs = calloc((size_t)model->output_count, sizeof(float *));
  for (int64_t i = 0; i < model->output_count; i++) outputs[i] = malloc((size_t)model->outputs[i].byte_count);

  const void *inputs[1] = {input};
  int32_t result = stunet_model_run(weights, inputs, (void *const *)outputs, scratch, threads > 1 ? parallel_for : NULL, &threads);
  if (result != STUNET_OK) {
    fprintf(stderr, "stunet_model_run failed with %d\n", result);
    return 1;
  }
  for (int64_t i = 0; i < model->output_count; i++) {
    char path[4096];
    if (i == 0) snprintf(path, sizeof path, "%s", argv[3]);
    else snprintf(path, sizeof path, "%.*s.%lld.npy", (int)(strlen(argv[3]) - 4), argv[3], (long long)i);
    if (model->outputs[i].element_type != STUNET_ELEMENT_F32 || write_npy(path, outputs[i], model->outputs[i].shape, model->outputs[i].rank)) {
      fprintf(stderr, "cannot write output %lld to %s\n", (long long)i, path);
      return 1;
    }
  }
  printf("ran %s on %d thread(s); wrote %s\n", STUNET_MODEL_NAME, threads, argv[3]);
  return 0;
}
