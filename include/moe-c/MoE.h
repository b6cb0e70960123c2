/*===- MoE.h - The C API of moe-opt's execution engine -------------*- C -*-===*\
|*                                                                            *|
|* A Mixture-of-Experts layer (a moe module whose entry function takes one   *|
|* activation [T, D] and weights, and returns [T, D]) JIT-compiled for the   *|
|* host CPU, for programs written in C or anything that calls C:             *|
|*                                                                            *|
|*   moe_layer *layer;                                                        *|
|*   moe_layer_load_file("layer.mlir", NULL, &layer);                         *|
|*   moe_layer_set_threads(layer, 4);                                         *|
|*   moe_layer_bind_weights(layer, NULL, files, 1, -1);                       *|
|*   moe_layer_run(layer, x, MOE_DTYPE_F32, tokens, hidden, y);               *|
|*   moe_layer_destroy(layer);                                                *|
|*                                                                            *|
|* Every function returns MOE_OK or an error code; the message of the last   *|
|* error of the calling thread is moe_last_error(). The library never exits, *|
|* aborts or prints on a bad input. One handle is used by one thread at a    *|
|* time; handles are independent. docs/CAPI.md is the reference.             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MOE_C_MOE_H
#define MOE_C_MOE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A loaded layer: its module, options, bound weights and, once compiled,
   its machine code. */
typedef struct moe_layer moe_layer;

typedef enum moe_status {
  MOE_OK = 0,
  /* A bad value from the caller: a null pointer, a size, a dtype, a name. */
  MOE_ERROR_INVALID_ARGUMENT = 1,
  /* A file that cannot be read (missing, not a regular file, not a valid
     safetensors file). */
  MOE_ERROR_IO = 2,
  /* IR that does not parse, or whose entry is not a layer this API runs. */
  MOE_ERROR_INVALID_MODULE = 3,
  /* The lowering or the JIT compilation failed. */
  MOE_ERROR_COMPILE = 4,
  /* A weight that cannot be bound: not in the files, wrong shape or dtype. */
  MOE_ERROR_BINDING = 5,
  /* A call out of order: an option set after compiling, a run with weights
     unbound. */
  MOE_ERROR_STATE = 6
} moe_status;

typedef enum moe_dtype {
  MOE_DTYPE_F32 = 0,
  MOE_DTYPE_BF16 = 1,
  MOE_DTYPE_F16 = 2,
  MOE_DTYPE_I32 = 3,
  MOE_DTYPE_I64 = 4,
  /* Quantized weights (the operands of moe.dequantize), bound as stored:
     int8 (also two packed 4-bit values per byte), fp8 e4m3fn and the e8m0
     scales of mxfp4 (one byte per element, its bit pattern). */
  MOE_DTYPE_I8 = 5,
  MOE_DTYPE_F8E4M3FN = 6,
  MOE_DTYPE_F8E8M0FNU = 7
} moe_dtype;

typedef enum moe_kernels {
  /* Tiled, vectorized, multi-threaded kernels (the default). */
  MOE_KERNELS_FAST = 0,
  /* The reference lowering: scalar loops, one thread. */
  MOE_KERNELS_REFERENCE = 1,
  /* The fast kernels; matmuls on int8/int4/mxfp4 weights quantize their
     activations to int8 and multiply with VPDPBUSD where the CPU has it
     (AVX512_VNNI, AVX_VNNI), else with VPMADDUBSW on AVX2 or AVX512BW
     CPUs. Differs from MOE_KERNELS_FAST by the activations'
     rounding (docs/Quantization.md). */
  MOE_KERNELS_FAST_INT8 = 2,
  /* The fast kernels; prefill-sized expert matmuls on bf16 weights round
     their activations to bf16 and multiply with VDPBF16PS where the CPU
     has it (AVX512_BF16), else as MOE_KERNELS_FAST. Differs from
     MOE_KERNELS_FAST by the activations' rounding (docs/Quantization.md). */
  MOE_KERNELS_FAST_BF16 = 3
} moe_kernels;

/* One argument of the entry function. The pointers stay valid as long as
   the layer. */
typedef struct moe_arg_info {
  /* The argument's name in the IR ("router" for %router), or "arg<i>". */
  const char *name;
  /* The moe.weight name (a checkpoint tensor name, with {layer} and {e}
     placeholders), or NULL for the activation. */
  const char *weight_name;
  moe_dtype dtype;
  int32_t rank;
  /* rank sizes; -1 for a dynamic size (the activation's T). */
  const int64_t *shape;
  /* 1 for a weight, 0 for the activation. */
  int32_t is_weight;
  /* 1 for a weight whose value is bound. */
  int32_t is_bound;
} moe_arg_info;

/* The message of the last error on the calling thread ("" if none): one
   line, "<where>: <what>". Valid until the thread's next failing call. */
const char *moe_last_error(void);

/* A short name of a status code ("MOE_ERROR_BINDING"). */
const char *moe_status_name(moe_status status);

/* Loads the module at `path` (MLIR text) whose entry function is `entry`
   (NULL: "forward"). On success *layer is a new handle. */
moe_status moe_layer_load_file(const char *path, const char *entry,
                               moe_layer **layer);

/* The same for `length` bytes of MLIR text at `text`; `name` (NULL:
   "<string>") stands for it in messages. */
moe_status moe_layer_load_string(const char *text, size_t length,
                                 const char *name, const char *entry,
                                 moe_layer **layer);

/* Loads the layer library at `path` that moe-compile built (docs/AOT.md):
   its argument table takes the place of the module. Weights bind and the
   layer runs as for a module; the library is compiled already, so
   moe_layer_compile does nothing and moe_layer_set_kernels fails with
   MOE_ERROR_STATE; moe_layer_set_threads works at any time when the
   library was compiled with --threads=0. */
moe_status moe_layer_load_library(const char *path, moe_layer **layer);

/* Frees the layer (NULL is allowed). */
void moe_layer_destroy(moe_layer *layer);

/* Threads of the fast kernels, 0 (the default) for all cores, at most
   1024. Before compiling. */
moe_status moe_layer_set_threads(moe_layer *layer, int32_t threads);

/* The kernels; before compiling. */
moe_status moe_layer_set_kernels(moe_layer *layer, moe_kernels kernels);

/* The number of arguments of the entry function. */
moe_status moe_layer_num_args(const moe_layer *layer, size_t *count);

/* Argument `index` (from 0). */
moe_status moe_layer_arg_info(const moe_layer *layer, size_t index,
                              moe_arg_info *info);

/* D, the activation's last dimension, and the activation's dtype (either
   pointer may be NULL). */
moe_status moe_layer_hidden_size(const moe_layer *layer, int64_t *hidden,
                                 moe_dtype *dtype);

/* Binds weights from the safetensors files or Hugging Face model
   directories `paths[0..count)` (a name is looked up in each in order), by
   their moe.weight names ({layer} replaced by `layer_index` when it is >= 0,
   {e} stacking the experts) and moe.weight_view layouts, converted to the
   argument's dtype: the weight argument called `name` (its IR name or its
   moe.weight name), or, with name NULL, every weight not bound yet. The
   values are copied; the files may go once this returns. */
moe_status moe_layer_bind_weights(moe_layer *layer, const char *name,
                                  const char *const *paths, size_t count,
                                  int64_t layer_index);

/* Binds the weight argument called `name` to the dense row-major array
   `data` of `dtype` (f32, bf16 or f16) and shape `shape[0..rank)`: the
   argument's shape, or for an argument with a moe.weight_view the stored
   shape (experts first for {e} names), which is rearranged. When the dtype
   and shape are the argument's, the layer reads `data` in place: the caller
   keeps it alive and unchanged until the layer is destroyed or the weight
   is bound again. Otherwise the values are copied. */
moe_status moe_layer_bind_weight(moe_layer *layer, const char *name,
                                 const void *data, moe_dtype dtype,
                                 const int64_t *shape, int32_t rank);

/* Lowers and JIT-compiles the layer; the first run does so if needed. */
moe_status moe_layer_compile(moe_layer *layer);

/* Runs the layer on `x`, `tokens` rows of `hidden` elements of `dtype`
   (f32, or the activation's dtype), and writes the [tokens, hidden] result
   in the same dtype to `y`. Every weight must be bound. */
moe_status moe_layer_run(moe_layer *layer, const void *x, moe_dtype dtype,
                         int64_t tokens, int64_t hidden, void *y);

#ifdef __cplusplus
}
#endif

#endif /* MOE_C_MOE_H */
