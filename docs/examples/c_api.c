/* c_api.c - Run a compiled MoE layer from C (docs/CAPI.md).
 *
 *   c_api LAYER.mlir|LIBLAYER.so WEIGHTS.safetensors X.npy Y.npy [THREADS]
 *
 * Loads the layer (a module, JIT-compiled on the first run, or a layer
 * library that moe-compile built ahead of time: a path ending in .so), binds every weight from the checkpoint by its moe.weight
 * name, runs it on the T rows of X.npy (f32 [T, D]) and writes the result
 * to Y.npy, then runs it again on the first T/2 rows and checks that they
 * give the same rows. Prints the arguments, a summary of each run, and on
 * any error the status and the message, exiting with 1.
 *
 * Build: cc c_api.c -I<moe-opt>/include -L<build>/lib -lMoECAPI \
 *          -Wl,-rpath,<build>/lib -lm
 */

#include "moe-c/MoE.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check(moe_status status, const char *what) {
  if (status == MOE_OK)
    return 0;
  fprintf(stderr, "error: %s: %s: %s\n", what, moe_status_name(status),
          moe_last_error());
  return 1;
}

/* Reads a C-order little-endian f32 .npy file of rank 2 (format 1.0). */
static float *read_npy(const char *path, int64_t *rows, int64_t *cols) {
  FILE *f = fopen(path, "rb");
  unsigned char head[10];
  char header[4096];
  float *data = NULL;
  unsigned len;
  const char *shape;
  long long r, c;
  if (!f)
    return NULL;
  if (fread(head, 1, 10, f) != 10 || memcmp(head, "\x93NUMPY\x01", 7) != 0)
    goto done;
  len = head[8] | (unsigned)head[9] << 8;
  if (len >= sizeof(header) || fread(header, 1, len, f) != len)
    goto done;
  header[len] = '\0';
  shape = strstr(header, "'shape': (");
  if (!strstr(header, "'<f4'") || strstr(header, "'fortran_order': True") ||
      !shape || sscanf(shape, "'shape': (%lld, %lld)", &r, &c) != 2)
    goto done;
  data = malloc((size_t)(r * c) * sizeof(float));
  if (data && fread(data, sizeof(float), (size_t)(r * c), f) != (size_t)(r * c)) {
    free(data);
    data = NULL;
  }
  *rows = r;
  *cols = c;
done:
  fclose(f);
  return data;
}

/* Writes `data` as a C-order f32 .npy file of shape [rows, cols]. */
static int write_npy(const char *path, const float *data, int64_t rows,
                     int64_t cols) {
  char header[128];
  int n = snprintf(header, sizeof(header),
                   "{'descr': '<f4', 'fortran_order': False, 'shape': "
                   "(%lld, %lld), }",
                   (long long)rows, (long long)cols);
  int total = 10 + n + 1, pad = (64 - total % 64) % 64, ok;
  unsigned char head[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
  FILE *f = fopen(path, "wb");
  if (!f)
    return 1;
  head[8] = (unsigned char)((n + pad + 1) & 0xff);
  head[9] = (unsigned char)((n + pad + 1) >> 8);
  fwrite(head, 1, 10, f);
  fwrite(header, 1, (size_t)n, f);
  for (; pad > 0; --pad)
    fputc(' ', f);
  fputc('\n', f);
  ok = fwrite(data, sizeof(float), (size_t)(rows * cols), f) ==
       (size_t)(rows * cols);
  return fclose(f) != 0 || !ok;
}

static void summarize(const float *y, int64_t tokens, int64_t hidden) {
  double sum = 0, abs_sum = 0;
  int64_t i;
  for (i = 0; i < tokens * hidden; ++i) {
    sum += y[i];
    abs_sum += fabs(y[i]);
  }
  printf("tokens=%lld: sum=%.6e abs_sum=%.6e\n", (long long)tokens, sum,
         abs_sum);
}

int main(int argc, char **argv) {
  moe_layer *layer = NULL;
  const char *files[1];
  int64_t tokens = 0, cols = 0, hidden = 0, half, i;
  size_t count = 0, a, n;
  float *x = NULL, *y = NULL, *y_half = NULL;
  double max_diff = 0;
  int status = 1;
  if (argc < 5 || argc > 6) {
    fprintf(stderr, "usage: %s LAYER.mlir|LIBLAYER.so WEIGHTS.safetensors "
                    "X.npy Y.npy [THREADS]\n",
            argv[0]);
    return 1;
  }
  files[0] = argv[2];

  n = strlen(argv[1]);
  if (check(n > 3 && strcmp(argv[1] + n - 3, ".so") == 0
                ? moe_layer_load_library(argv[1], &layer)
                : moe_layer_load_file(argv[1], NULL, &layer),
            "load"))
    return 1;
  if (argc == 6 &&
      check(moe_layer_set_threads(layer, atoi(argv[5])), "threads"))
    goto out;
  if (check(moe_layer_hidden_size(layer, &hidden, NULL), "hidden size") ||
      check(moe_layer_num_args(layer, &count), "arguments"))
    goto out;
  for (a = 0; a < count; ++a) {
    moe_arg_info info;
    int32_t d;
    if (check(moe_layer_arg_info(layer, a, &info), "argument"))
      goto out;
    printf("arg %s [", info.name);
    for (d = 0; d < info.rank; ++d)
      printf(d ? ", %lld" : "%lld", (long long)info.shape[d]);
    printf("] dtype=%d %s\n", (int)info.dtype,
           info.is_weight ? info.weight_name : "(activation)");
  }
  printf("hidden=%lld\n", (long long)hidden);

  if (check(moe_layer_bind_weights(layer, NULL, files, 1, -1), "weights"))
    goto out;

  x = read_npy(argv[3], &tokens, &cols);
  if (!x) {
    fprintf(stderr, "error: %s: expected an f32 .npy file of rank 2\n",
            argv[3]);
    goto out;
  }
  y = malloc((size_t)(tokens * cols) * sizeof(float));
  y_half = malloc((size_t)(tokens * cols) * sizeof(float));
  if (!y || !y_half)
    goto out;

  /* All the tokens, then the first half: the same rows. */
  if (check(moe_layer_run(layer, x, MOE_DTYPE_F32, tokens, cols, y), "run"))
    goto out;
  summarize(y, tokens, cols);
  half = tokens / 2 > 0 ? tokens / 2 : 1;
  if (check(moe_layer_run(layer, x, MOE_DTYPE_F32, half, cols, y_half),
            "run"))
    goto out;
  summarize(y_half, half, cols);
  for (i = 0; i < half * cols; ++i)
    if (fabs(y[i] - y_half[i]) > max_diff)
      max_diff = fabs(y[i] - y_half[i]);
  printf("first %lld rows agree: %s\n", (long long)half,
         max_diff <= 1e-5 ? "yes" : "no");

  if (write_npy(argv[4], y, tokens, cols)) {
    fprintf(stderr, "error: %s: cannot write\n", argv[4]);
    goto out;
  }
  status = max_diff <= 1e-5 ? 0 : 1;
out:
  free(x);
  free(y);
  free(y_half);
  moe_layer_destroy(layer);
  return status;
}
