/* dlopen_local.c - The C API loaded with dlopen(RTLD_LOCAL), as Python's
 * ctypes loads a library: the JIT still finds the functions compiled code
 * calls (the OpenMP runtime, libm).
 *
 *   dlopen_local LIBMOECAPI.so LAYER.mlir WEIGHTS.safetensors
 */

#include "moe-c/MoE.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

typedef moe_status (*load_fn)(const char *, const char *, moe_layer **);
typedef moe_status (*bind_fn)(moe_layer *, const char *, const char *const *,
                              size_t, int64_t);
typedef moe_status (*run_fn)(moe_layer *, const void *, moe_dtype, int64_t,
                             int64_t, void *);
typedef void (*destroy_fn)(moe_layer *);
typedef const char *(*error_fn)(void);

int main(int argc, char **argv) {
  void *lib;
  load_fn load;
  bind_fn bind;
  run_fn run;
  destroy_fn destroy;
  error_fn error;
  moe_layer *layer = NULL;
  const char *files[1];
  float x[3 * 32], y[3 * 32];
  moe_status status;
  if (argc != 4)
    return 1;
  lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  /* Function pointers from dlsym, through memcpy (ISO C forbids the cast). */
  {
    void *p;
    p = dlsym(lib, "moe_layer_load_file");
    memcpy(&load, &p, sizeof(p));
    p = dlsym(lib, "moe_layer_bind_weights");
    memcpy(&bind, &p, sizeof(p));
    p = dlsym(lib, "moe_layer_run");
    memcpy(&run, &p, sizeof(p));
    p = dlsym(lib, "moe_layer_destroy");
    memcpy(&destroy, &p, sizeof(p));
    p = dlsym(lib, "moe_last_error");
    memcpy(&error, &p, sizeof(p));
  }
  if (!load || !bind || !run || !destroy || !error)
    return 1;
  files[0] = argv[3];
  memset(x, 0, sizeof(x));
  x[0] = 1.0f;
  status = load(argv[2], NULL, &layer);
  printf("load: %d %s\n", (int)status, error());
  status = bind(layer, NULL, files, 1, -1);
  printf("bind: %d %s\n", (int)status, error());
  status = run(layer, x, MOE_DTYPE_F32, 3, 32, y);
  printf("run: %d %s\n", (int)status, error());
  destroy(layer);
  return status != MOE_OK;
}
