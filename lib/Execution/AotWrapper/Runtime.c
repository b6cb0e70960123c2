/*===- Runtime.c - The fixed part of a layer library's C wrapper ----------===*\
|*                                                                            *|
|* moe-compile writes this text, after the types of include/moe-c/MoEAot.h   *|
|* and before the layer's own table and run function, into the C source it   *|
|* compiles into each layer library: turning the caller's dense row-major    *|
|* arrays into the strided memref descriptors of the compiled entry's C      *|
|* interface, copying its result out, and memrefCopy, the one runtime        *|
|* function the lowering may call besides libc, libm and OpenMP.             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A strided memref descriptor is 64-bit words: allocated pointer, aligned
   pointer, offset, sizes[rank], strides[rank]. */
typedef char moe_aot_words_are_pointers[sizeof(void *) == 8 ? 1 : -1];

/* The descriptor of argument `arg` for the row-major array `data`; the
   dynamic size (the activation's T) is `tokens`. */
static void moe_aot_describe(int64_t *words, const void *data,
                             const moe_aot_arg *arg, int64_t tokens) {
  int64_t stride = 1;
  int32_t d;
  words[0] = words[1] = (int64_t)(intptr_t)data;
  words[2] = 0;
  for (d = 0; d < arg->rank; ++d)
    words[3 + d] = arg->shape[d] < 0 ? tokens : arg->shape[d];
  for (d = arg->rank - 1; d >= 0; --d) {
    words[3 + arg->rank + d] = stride;
    stride *= words[3 + d];
  }
}

/* Copies the [tokens, hidden] result described by `result` (rank 2) into
   `y`, then frees its buffer unless it is one of the `count` inputs. */
static int moe_aot_take_result(const int64_t *result,
                               const void *const *inputs, int32_t count,
                               int64_t tokens, int64_t hidden,
                               size_t element_size, void *y) {
  void *allocated = (void *)(intptr_t)result[0];
  const char *aligned = (const char *)(intptr_t)result[1];
  int64_t offset = result[2], row_stride = result[5], col_stride = result[6];
  int64_t r, c;
  int32_t i, status = MOE_AOT_OK;
  if (result[3] != tokens || result[4] != hidden) {
    status = MOE_AOT_ERROR_RESULT;
  } else {
    for (r = 0; r < tokens; ++r) {
      char *dst = (char *)y + (size_t)(r * hidden) * element_size;
      const char *src = aligned + (size_t)(offset + r * row_stride) *
                                      element_size;
      if (col_stride == 1) {
        memcpy(dst, src, (size_t)hidden * element_size);
        continue;
      }
      for (c = 0; c < hidden; ++c)
        memcpy(dst + (size_t)c * element_size,
               src + (size_t)(c * col_stride) * element_size, element_size);
    }
  }
  for (i = 0; i < count; ++i)
    if (allocated == inputs[i])
      return status;
  free(allocated);
  return status;
}

/* An unranked memref: its rank and a pointer to its descriptor. */
typedef struct moe_aot_unranked {
  int64_t rank;
  int64_t *descriptor;
} moe_aot_unranked;

/* Copies the strided memref `src` into `dst` (the same sizes), element by
   element of `element_size` bytes: MLIR's memrefCopy. */
__attribute__((visibility("hidden"))) void
memrefCopy(int64_t element_size, moe_aot_unranked *src, moe_aot_unranked *dst);

void memrefCopy(int64_t element_size, moe_aot_unranked *src,
                moe_aot_unranked *dst) {
  int64_t rank = src->rank, total = 1, n, d, at_src, at_dst;
  const int64_t *s = src->descriptor, *t = dst->descriptor;
  const char *from = (const char *)(intptr_t)s[1];
  char *to = (char *)(intptr_t)t[1];
  int64_t index[16] = {0};
  if (rank > 16)
    abort();
  for (d = 0; d < rank; ++d)
    total *= s[3 + d];
  for (n = 0; n < total; ++n) {
    at_src = s[2];
    at_dst = t[2];
    for (d = 0; d < rank; ++d) {
      at_src += index[d] * s[3 + rank + d];
      at_dst += index[d] * t[3 + rank + d];
    }
    memcpy(to + at_dst * element_size, from + at_src * element_size,
           (size_t)element_size);
    for (d = rank - 1; d >= 0; --d) {
      if (++index[d] < s[3 + d])
        break;
      index[d] = 0;
    }
  }
}
