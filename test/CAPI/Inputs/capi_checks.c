/* capi_checks.c - What test/CAPI checks of the C API (include/moe-c/MoE.h).
 *
 *   capi_checks errors LAYER.mlir WEIGHTS.safetensors MISSING.mlir
 *       each misuse and bad input (MISSING.mlir: a layer with a weight
 *       that WEIGHTS lacks), one line per case:
 *       "<case>: <status name>: <message>"
 *   capi_checks pointers LAYER.mlir BIN_DIR TOKENS OUT.bin
 *       binds every weight from BIN_DIR/<name>.bin of the shape in
 *       BIN_DIR/<name>.shape (case_bins.py), runs on BIN_DIR/x.bin and
 *       writes the result to OUT.bin; then checks that an f32 weight of the
 *       argument's shape is read in place (changing it changes the result)
 *       and that a copied one (bf16) is not.
 *   capi_checks bf16 LAYER.mlir WEIGHTS.safetensors BIN_DIR TOKENS
 *       a layer whose activation is bf16, run on f32 buffers and on bf16
 *       buffers (BIN_DIR/x.bin rounded to bf16): the same result.
 *   capi_checks library LIB.so LIB1.so WEIGHTS.safetensors NOT_A_LAYER.so
 *       layer libraries of moe-compile (LIB.so with --threads=0, LIB1.so
 *       with --threads=1) through moe_layer_load_library: what works and
 *       what fails on them, one line per case as for errors.
 */

#include "moe-c/MoE.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void show(const char *what, moe_status status) {
  printf("%s: %s: %s\n", what, moe_status_name(status),
         status == MOE_OK ? "" : moe_last_error());
}

static moe_layer *load(const char *path) {
  moe_layer *layer = NULL;
  moe_status status = moe_layer_load_file(path, NULL, &layer);
  if (status != MOE_OK) {
    show("load", status);
    exit(1);
  }
  return layer;
}

static int errors(const char *path, const char *weights,
                  const char *missing_layer) {
  static const char not_a_layer[] =
      "func.func @forward(%a: tensor<4xf32>, %b: tensor<4xf32>) -> "
      "tensor<4xf32> {\n  return %a : tensor<4xf32>\n}\n";
  const char *files[1];
  const char *missing[1] = {"/nonexistent/weights.safetensors"};
  moe_layer *layer = NULL;
  float x[2 * 32], y[2 * 32], router[8 * 31];
  int64_t shape[2] = {8, 31};
  files[0] = weights;
  memset(x, 0, sizeof(x));
  memset(router, 0, sizeof(router));

  show("bad IR", moe_layer_load_string("module {", 8, "bad.mlir", NULL,
                                       &layer));
  show("no layer pointer", moe_layer_load_string("", 0, NULL, NULL, NULL));
  show("missing file",
       moe_layer_load_file("/nonexistent/layer.mlir", NULL, &layer));
  show("not a layer", moe_layer_load_string(not_a_layer, strlen(not_a_layer),
                                            "two.mlir", NULL, &layer));
  show("unknown entry", moe_layer_load_file(path, "main", &layer));

  layer = load(path);
  show("run unbound", moe_layer_run(layer, x, MOE_DTYPE_F32, 2, 32, y));
  show("bind router by name",
       moe_layer_bind_weights(layer, "moe.router.weight", files, 1, -1));
  {
    moe_arg_info router_info, w1_info;
    moe_layer_arg_info(layer, 1, &router_info);
    moe_layer_arg_info(layer, 2, &w1_info);
    printf("bound: %s=%d %s=%d\n", router_info.name, router_info.is_bound,
           w1_info.name, w1_info.is_bound);
  }
  show("run w1 unbound", moe_layer_run(layer, x, MOE_DTYPE_F32, 2, 32, y));
  show("bind unknown by name",
       moe_layer_bind_weights(layer, "nope", files, 1, -1));
  show("wrong shape pointer",
       moe_layer_bind_weight(layer, "router", router, MOE_DTYPE_F32, shape,
                             2));
  show("unknown weight",
       moe_layer_bind_weight(layer, "routr", router, MOE_DTYPE_F32, shape,
                             2));
  show("activation as weight",
       moe_layer_bind_weight(layer, "x", router, MOE_DTYPE_F32, shape, 2));
  show("bad dtype", moe_layer_bind_weight(layer, "router", router,
                                          (moe_dtype)9, shape, 2));
  show("missing weights file",
       moe_layer_bind_weights(layer, NULL, missing, 1, -1));
  show("threads", moe_layer_set_threads(layer, 2000));
  show("bind", moe_layer_bind_weights(layer, NULL, files, 1, -1));
  show("wrong hidden size", moe_layer_run(layer, x, MOE_DTYPE_F32, 2, 31, y));
  show("bf16 for an f32 layer",
       moe_layer_run(layer, x, MOE_DTYPE_BF16, 2, 32, y));
  show("no tokens", moe_layer_run(layer, x, MOE_DTYPE_F32, 0, 32, y));
  show("null output", moe_layer_run(layer, x, MOE_DTYPE_F32, 2, 32, NULL));
  show("run", moe_layer_run(layer, x, MOE_DTYPE_F32, 2, 32, y));
  show("threads after compiling", moe_layer_set_threads(layer, 1));
  moe_layer_destroy(layer);

  layer = load(missing_layer);
  show("missing weight", moe_layer_bind_weights(layer, NULL, files, 1, -1));
  show("bad kernels", moe_layer_set_kernels(layer, (moe_kernels)7));
  show("int8 kernels", moe_layer_set_kernels(layer, MOE_KERNELS_FAST_INT8));
  show("bf16 kernels", moe_layer_set_kernels(layer, MOE_KERNELS_FAST_BF16));
  show("kernels", moe_layer_set_kernels(layer, MOE_KERNELS_REFERENCE));
  show("run missing", moe_layer_run(layer, x, MOE_DTYPE_F32, 2, 32, y));
  moe_layer_destroy(layer);
  return 0;
}

/* The contents of BIN_DIR/NAME.bin, of the shape in BIN_DIR/NAME.shape. */
static float *read_bin(const char *dir, const char *name, int64_t *shape,
                       int32_t *rank, size_t *count) {
  char path[4096];
  FILE *f;
  float *data;
  long long d;
  *rank = 0;
  *count = 1;
  snprintf(path, sizeof(path), "%s/%s.shape", dir, name);
  if ((f = fopen(path, "r"))) {
    while (*rank < 8 && fscanf(f, "%lld", &d) == 1) {
      shape[(*rank)++] = d;
      *count *= (size_t)d;
    }
    fclose(f);
  }
  snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
  f = fopen(path, "rb");
  if (!f)
    return NULL;
  data = malloc(*count * sizeof(float));
  if (data && fread(data, sizeof(float), *count, f) != *count) {
    free(data);
    data = NULL;
  }
  fclose(f);
  return data;
}

static int pointers(const char *path, const char *dir, int64_t tokens,
                    const char *out) {
  moe_layer *layer = load(path);
  float *buffers[64] = {0}, *x, *y, *y2, *router = NULL;
  size_t count, a, n, router_count = 0;
  int64_t hidden, shape[8], router_shape[8], i;
  int32_t rank, router_rank = 0;
  uint16_t *router_bf16;
  double change = 0, bf16_change = 0;
  FILE *f;
  moe_layer_num_args(layer, &count);
  moe_layer_hidden_size(layer, &hidden, NULL);
  for (a = 0; a < count && a < 64; ++a) {
    moe_arg_info info;
    moe_status status;
    moe_layer_arg_info(layer, a, &info);
    if (!info.is_weight)
      continue;
    buffers[a] = read_bin(dir, info.name, shape, &rank, &n);
    if (!buffers[a]) {
      printf("error: no %s/%s.bin\n", dir, info.name);
      return 1;
    }
    status = moe_layer_bind_weight(layer, info.name, buffers[a],
                                   MOE_DTYPE_F32, shape, rank);
    if (status != MOE_OK) {
      show(info.name, status);
      return 1;
    }
    if (strcmp(info.name, "router") == 0) {
      router = buffers[a];
      router_count = n;
      router_rank = rank;
      memcpy(router_shape, shape, sizeof(shape));
    }
  }
  x = read_bin(dir, "x", shape, &rank, &n);
  y = malloc((size_t)(tokens * hidden) * sizeof(float));
  y2 = malloc((size_t)(tokens * hidden) * sizeof(float));
  if (!x || !y || !y2 || !router || n != (size_t)(tokens * hidden)) {
    printf("error: bad x.bin or no router\n");
    return 1;
  }
  show("run", moe_layer_run(layer, x, MOE_DTYPE_F32, tokens, hidden, y));
  f = fopen(out, "wb");
  if (!f || fwrite(y, sizeof(float), n, f) != n || fclose(f) != 0)
    return 1;

  /* In place: a changed router changes the result. */
  for (a = 0; a < router_count; ++a)
    router[a] = -router[a];
  show("run", moe_layer_run(layer, x, MOE_DTYPE_F32, tokens, hidden, y2));
  for (i = 0; i < tokens * hidden; ++i)
    change += fabs(y[i] - y2[i]);
  for (a = 0; a < router_count; ++a)
    router[a] = -router[a];

  /* Copied: the router as bf16 (the top 16 bits of each f32). */
  router_bf16 = malloc(router_count * sizeof(uint16_t));
  for (a = 0; a < router_count; ++a) {
    uint32_t bits;
    memcpy(&bits, &router[a], 4);
    router_bf16[a] = (uint16_t)(bits >> 16);
  }
  show("bind bf16", moe_layer_bind_weight(layer, "router", router_bf16,
                                          MOE_DTYPE_BF16, router_shape,
                                          router_rank));
  memset(router_bf16, 0, router_count * sizeof(uint16_t));
  show("run", moe_layer_run(layer, x, MOE_DTYPE_F32, tokens, hidden, y2));
  for (i = 0; i < tokens * hidden; ++i)
    bf16_change += fabs(y[i] - y2[i]);
  printf("in place: %s\n", change > 0 ? "yes" : "no");
  printf("bf16 copy close to f32: %s\n",
         bf16_change < 0.05 * (double)(tokens * hidden) ? "yes" : "no");
  for (a = 0; a < 64; ++a)
    free(buffers[a]);
  free(router_bf16);
  free(x);
  free(y);
  free(y2);
  moe_layer_destroy(layer);
  return 0;
}

/* `value` rounded to the nearest bf16, ties to even (finite values). */
static uint16_t to_bf16(float value) {
  uint32_t bits;
  memcpy(&bits, &value, 4);
  bits += 0x7fff + ((bits >> 16) & 1);
  return (uint16_t)(bits >> 16);
}

static float from_bf16(uint16_t value) {
  uint32_t bits = (uint32_t)value << 16;
  float result;
  memcpy(&result, &bits, 4);
  return result;
}

static int bf16(const char *path, const char *weights, const char *dir,
                int64_t tokens) {
  moe_layer *layer = load(path);
  const char *files[1];
  int64_t shape[8], hidden, i;
  int32_t rank;
  size_t n;
  moe_dtype dtype;
  float *x = read_bin(dir, "x", shape, &rank, &n), *y;
  uint16_t *x16, *y16;
  int same = 1;
  files[0] = weights;
  moe_layer_hidden_size(layer, &hidden, &dtype);
  printf("activation dtype: %s\n", dtype == MOE_DTYPE_BF16 ? "bf16" : "other");
  if (!x || n != (size_t)(tokens * hidden))
    return 1;
  y = malloc(n * sizeof(float));
  x16 = malloc(n * sizeof(uint16_t));
  y16 = malloc(n * sizeof(uint16_t));
  for (i = 0; i < (int64_t)n; ++i)
    x16[i] = to_bf16(x[i]);
  show("bind", moe_layer_bind_weights(layer, NULL, files, 1, -1));
  show("run f32", moe_layer_run(layer, x, MOE_DTYPE_F32, tokens, hidden, y));
  show("run bf16",
       moe_layer_run(layer, x16, MOE_DTYPE_BF16, tokens, hidden, y16));
  show("run f16", moe_layer_run(layer, x16, MOE_DTYPE_F16, tokens, hidden,
                                y16));
  for (i = 0; i < (int64_t)n; ++i)
    if (from_bf16(y16[i]) != y[i])
      same = 0;
  printf("bf16 buffers give the f32 buffers' result: %s\n",
         same ? "yes" : "no");
  free(x);
  free(y);
  free(x16);
  free(y16);
  moe_layer_destroy(layer);
  return 0;
}

static int library(const char *path, const char *fixed_threads,
                   const char *weights, const char *not_a_layer) {
  moe_layer *layer = NULL, *fixed = NULL;
  const char *files[1];
  float x[3 * 32], y[3 * 32];
  moe_arg_info info;
  int64_t hidden = 0;
  files[0] = weights;
  memset(x, 0, sizeof(x));
  x[5] = 1.0f;

  show("null path", moe_layer_load_library(NULL, &layer));
  show("missing library",
       moe_layer_load_library("/nonexistent/liblayer.so", &layer));
  show("not a layer library", moe_layer_load_library(not_a_layer, &layer));
  show("load", moe_layer_load_library(path, &layer));
  show("hidden size", moe_layer_hidden_size(layer, &hidden, NULL));
  show("arg info", moe_layer_arg_info(layer, 2, &info));
  printf("hidden=%lld arg2=%s %s rank=%d\n", (long long)hidden, info.name,
         info.weight_name, (int)info.rank);
  show("kernels", moe_layer_set_kernels(layer, MOE_KERNELS_REFERENCE));
  show("compile", moe_layer_compile(layer));
  show("threads", moe_layer_set_threads(layer, 2));
  show("run unbound", moe_layer_run(layer, x, MOE_DTYPE_F32, 3, 32, y));
  show("bind", moe_layer_bind_weights(layer, NULL, files, 1, -1));
  show("run", moe_layer_run(layer, x, MOE_DTYPE_F32, 3, 32, y));
  show("threads after a run", moe_layer_set_threads(layer, 1));
  show("run again", moe_layer_run(layer, x, MOE_DTYPE_F32, 3, 32, y));
  show("wrong hidden", moe_layer_run(layer, x, MOE_DTYPE_F32, 3, 31, y));
  show("load fixed threads", moe_layer_load_library(fixed_threads, &fixed));
  show("fixed threads", moe_layer_set_threads(fixed, 2));
  show("same threads", moe_layer_set_threads(fixed, 1));
  moe_layer_destroy(fixed);
  moe_layer_destroy(layer);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "errors") == 0)
    return errors(argv[2], argv[3], argv[4]);
  if (argc == 6 && strcmp(argv[1], "pointers") == 0)
    return pointers(argv[2], argv[3], atoll(argv[4]), argv[5]);
  if (argc == 6 && strcmp(argv[1], "bf16") == 0)
    return bf16(argv[2], argv[3], argv[4], atoll(argv[5]));
  if (argc == 6 && strcmp(argv[1], "library") == 0)
    return library(argv[2], argv[3], argv[4], argv[5]);
  fprintf(stderr, "usage: capi_checks errors|pointers|bf16|library ...\n");
  return 1;
}
