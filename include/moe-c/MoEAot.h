/*===- MoEAot.h - The metadata of a layer library from moe-compile -*- C -*-===*\
|*                                                                            *|
|* A shared library that moe-compile builds from a moe layer exports, for    *|
|* an entry function @E (a C identifier):                                     *|
|*                                                                            *|
|*   const moe_aot_layer *moe_E_info(void);                                   *|
|*   int moe_E_run(const void *const *weights, const void *x,                 *|
|*                 int64_t tokens, void *y, int32_t threads);                 *|
|*   const moe_aot_layer *moe_aot_layer_info(void);  (the same table)         *|
|*                                                                            *|
|* The table below describes the entry's arguments; the generated header of  *|
|* each library repeats these types, so a program needs no other header.     *|
|* docs/AOT.md is the reference.                                              *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MOE_C_MOEAOT_H
#define MOE_C_MOEAOT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the layout of these structs; a loader checks it. */
#define MOE_AOT_ABI_VERSION 2

/* Element types: the values of moe_dtype (include/moe-c/MoE.h). */
#define MOE_AOT_DTYPE_F32 0
#define MOE_AOT_DTYPE_BF16 1
#define MOE_AOT_DTYPE_F16 2
#define MOE_AOT_DTYPE_I32 3
#define MOE_AOT_DTYPE_I64 4
/* Quantized weights, one byte per element: int8 (or two packed 4-bit
   values), fp8 e4m3fn, e8m0 scales. */
#define MOE_AOT_DTYPE_I8 5
#define MOE_AOT_DTYPE_F8E4M3FN 6
#define MOE_AOT_DTYPE_F8E8M0FNU 7

/* What moe_E_run returns. */
#define MOE_AOT_OK 0
/* A null pointer (x, y, weights or one of the weights). */
#define MOE_AOT_ERROR_NULL 1
/* A token count below 1, above 2^31 - 1, or not the static T. */
#define MOE_AOT_ERROR_TOKENS 2
/* The compiled code returned a result of an unexpected shape. */
#define MOE_AOT_ERROR_RESULT 3

/* One argument of the entry function. */
typedef struct moe_aot_arg {
  /* The argument's name in the IR ("router" for %router), or "arg<i>". */
  const char *name;
  /* The moe.weight name, or NULL for the activation. */
  const char *weight_name;
  /* MOE_AOT_DTYPE_*. */
  int32_t dtype;
  int32_t rank;
  /* rank sizes; -1 for the activation's dynamic T. */
  const int64_t *shape;
  /* The weight's position in the weights array of moe_E_run; -1 for the
     activation. */
  int32_t weight_index;
  /* The moe.weight_view (docs/Tools.md), when view_rank > 0: the stored
     tensor (view_stored, of view_stored_rank sizes) read as view_shape,
     its last two dimensions swapped when view_transpose, then rows
     view_rows_offset, + view_rows_stride, ... taken when view_rows_stride
     > 0; when view_int4_rows, view_stored is int32 words of eight rows'
     4-bit values each, unpacked to the i8 view_shape (docs/Tools.md). */
  int32_t view_rank;
  const int64_t *view_shape;
  int32_t view_stored_rank;
  const int64_t *view_stored;
  int32_t view_transpose;
  int64_t view_rows_offset;
  int64_t view_rows_stride;
  int32_t view_int4_rows;
} moe_aot_arg;

/* The layer: its entry, arguments and how it was compiled. */
typedef struct moe_aot_layer {
  /* MOE_AOT_ABI_VERSION of the library. */
  int32_t abi_version;
  /* The entry function's name and the module it was compiled from. */
  const char *entry;
  const char *source;
  int32_t num_args;
  const moe_aot_arg *args;
  /* The activation's index in args; the number of weights. */
  int32_t activation;
  int32_t num_weights;
  /* D, and the element types of x and y (MOE_AOT_DTYPE_*). */
  int64_t hidden;
  int32_t x_dtype;
  int32_t y_dtype;
  /* The compile-time options: the thread count (0: chosen at run time),
     the kernels ("fast", "fast-int8", "fast-bf16" or "reference"), the CPU
     and its features. */
  int32_t threads;
  const char *kernels;
  const char *target_cpu;
  const char *target_features;
  /* moe_E_run. */
  int (*run)(const void *const *weights, const void *x, int64_t tokens,
             void *y, int32_t threads);
} moe_aot_layer;

#ifdef __cplusplus
}
#endif

#endif /* MOE_C_MOEAOT_H */
