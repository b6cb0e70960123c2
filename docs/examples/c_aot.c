/* c_aot.c - Run a layer library that moe-compile built, without MLIR
 * (docs/AOT.md).
 *
 *   moe-compile layer.mlir -o liblayer.so          (writes layer.h too)
 *   cc c_aot.c -I. -L. -llayer -o c_aot
 *   c_aot DIR [THREADS]
 *
 * Reads each argument from DIR/NAME.bin (raw f32, row-major; NAME is the
 * argument's name in the table of layer.h, x for the activation, whose T
 * follows from the file's size), runs the layer, and writes the result to
 * DIR/y.bin. Prints the table and a summary; on any error one line and
 * exit code 1. It uses only the generated header and the library: f32
 * layers only, for brevity.
 */

#include "layer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The f32 file DIR/NAME.bin, of `*count` elements. */
static float *read_bin(const char *dir, const char *name, int64_t *count) {
  char path[4096];
  FILE *f;
  long size;
  float *data = NULL;
  snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
  f = fopen(path, "rb");
  if (!f)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 &&
      size % 4 == 0 && fseek(f, 0, SEEK_SET) == 0) {
    data = malloc((size_t)size);
    if (data && fread(data, 1, (size_t)size, f) != (size_t)size) {
      free(data);
      data = NULL;
    }
    *count = size / 4;
  }
  fclose(f);
  return data;
}

int main(int argc, char **argv) {
  const moe_aot_layer *layer = moe_aot_layer_info();
  const void **weights;
  float *x = NULL, *y = NULL;
  int64_t count, x_count = 0, tokens, i;
  double sum = 0, abs_sum = 0;
  int32_t a, d, rc, status = 1, threads = argc > 2 ? atoi(argv[2]) : 0;
  char path[4096];
  FILE *out;
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s DIR [THREADS]\n", argv[0]);
    return 1;
  }
  weights = calloc((size_t)layer->num_weights + 1, sizeof(void *));
  if (!weights)
    return 1;
  printf("@%s from %s: %d arguments, hidden %lld\n", layer->entry,
         layer->source, (int)layer->num_args, (long long)layer->hidden);
  for (a = 0; a < layer->num_args; ++a) {
    const moe_aot_arg *arg = &layer->args[a];
    const char *name = arg->weight_index < 0 ? "x" : arg->name;
    int64_t expected = 1;
    float *data;
    printf("arg %s [", arg->name);
    for (d = 0; d < arg->rank; ++d) {
      printf(d ? ", %lld" : "%lld", (long long)arg->shape[d]);
      expected *= arg->shape[d] < 0 ? 1 : arg->shape[d];
    }
    printf("] %s\n", arg->weight_name ? arg->weight_name : "(activation)");
    if (arg->dtype != MOE_AOT_DTYPE_F32) {
      fprintf(stderr, "error: %s: this example reads f32 arguments only\n",
              arg->name);
      goto out;
    }
    count = 0;
    data = read_bin(argv[1], name, &count);
    if (!data || (arg->weight_index >= 0 && count != expected) ||
        (arg->weight_index < 0 && count % layer->hidden != 0)) {
      fprintf(stderr, "error: %s/%s.bin: missing or of the wrong size\n",
              argv[1], name);
      free(data);
      goto out;
    }
    if (arg->weight_index < 0) {
      x = data;
      x_count = count;
    } else {
      weights[arg->weight_index] = data;
    }
  }

  tokens = x_count / layer->hidden;
  y = malloc((size_t)x_count * sizeof(float));
  if (!y)
    goto out;
  rc = layer->run(weights, x, tokens, y, threads);
  if (rc != MOE_AOT_OK) {
    fprintf(stderr, "error: run: status %d\n", (int)rc);
    goto out;
  }
  for (i = 0; i < x_count; ++i) {
    sum += y[i];
    abs_sum += fabs(y[i]);
  }
  printf("tokens=%lld: sum=%.6e abs_sum=%.6e\n", (long long)tokens, sum,
         abs_sum);
  snprintf(path, sizeof(path), "%s/y.bin", argv[1]);
  out = fopen(path, "wb");
  if (!out || fwrite(y, sizeof(float), (size_t)x_count, out) !=
                  (size_t)x_count) {
    fprintf(stderr, "error: %s: cannot write\n", path);
    if (out)
      fclose(out);
    goto out;
  }
  status = fclose(out) != 0;
out:
  for (a = 0; a < layer->num_weights; ++a)
    free((void *)weights[a]);
  free(weights);
  free(x);
  free(y);
  return status;
}
