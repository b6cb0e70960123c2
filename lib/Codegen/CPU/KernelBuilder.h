//===- KernelBuilder.h - Shared pieces of the CPU kernels -------*- C++ -*-===//
//
// The CPU kernels replace one tensor op each by a "buffer island": the
// operands enter through `bufferization.to_buffer {read_only}` with a
// row-major strided view (unit innermost stride, any offset and outer
// strides), the kernel writes a fresh 64-byte-aligned buffer with vector
// loads and stores, and `bufferization.to_tensor {restrict, writable}`
// returns it to the tensor program. One-shot bufferization then folds the
// casts into the surrounding buffers; the pipeline's deallocation frees the
// result like any other allocation.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_CODEGEN_CPU_KERNELBUILDER_H
#define MOE_LIB_CODEGEN_CPU_KERNELBUILDER_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir {
namespace moe {
namespace cpu {

/// `tensor` as a read-only buffer with a row-major strided layout:
/// `strided<[?, ..., ?, 1], offset: ?>`.
Value readOnlyBuffer(OpBuilder &b, Location loc, Value tensor);

/// A fresh 64-byte-aligned identity-layout buffer of `type`'s shape and
/// element type; `dynamicSizes` gives its dynamic dimensions in order.
Value allocBuffer(OpBuilder &b, Location loc, RankedTensorType type,
                  ValueRange dynamicSizes);

/// The tensor of `type` that owns `buffer` from here on.
Value bufferToTensor(OpBuilder &b, Location loc, Value buffer,
                     RankedTensorType type);

/// Dimension `dim` of a memref, as an index value (a constant when static).
Value memrefDim(OpBuilder &b, Location loc, Value memref, int64_t dim);

/// An index constant.
Value indexConst(OpBuilder &b, Location loc, int64_t value);

/// Rounds `value` down to a multiple of `multiple` (> 0).
Value roundDown(OpBuilder &b, Location loc, Value value, int64_t multiple);

/// The i1 mask of the first `count` lanes (0 <= count <= width) of a vector
/// of `width` lanes: iota < count.
Value laneMask(OpBuilder &b, Location loc, Value count, int64_t width);

/// Loads `width` consecutive elements of the row-major `memref` at
/// `indices` as a vector of its element type (unmasked, or masked with
/// `mask` and zero padding).
Value loadVector(OpBuilder &b, Location loc, Value memref, ValueRange indices,
                 int64_t width, Value mask = nullptr);

/// `v` (a float vector) widened to f32; `v` itself when it is f32.
Value widenToF32(OpBuilder &b, Location loc, Value v);

/// loadVector, widened to f32.
Value loadF32(OpBuilder &b, Location loc, Value memref, ValueRange indices,
              int64_t width, Value mask = nullptr);

/// Prefetches the element of `memref` at `indices` into L2 (locality 1:
/// `prefetcht2` on x86). Weight rows that a tile will stream soon: on a
/// Zen 4 host, 1.2-1.4x faster decode than into L1 (locality 3).
void prefetchToL2(OpBuilder &b, Location loc, Value memref,
                  ValueRange indices);

/// Calls `body(begin, end)` on a partition of [0, total) into `numThreads`
/// contiguous ranges, one per thread of an `omp.parallel` region (the
/// OpenMP runtime decides the team size when `numThreads` is 0), or once on
/// the whole range when `numThreads` is 1. Declares the OpenMP runtime
/// queries in `module` when it needs them.
void emitParallelRanges(
    OpBuilder &b, Location loc, ModuleOp module, Value total,
    unsigned numThreads,
    function_ref<void(OpBuilder &, Location, Value begin, Value end)> body);

/// The values of `then` where `cond` holds, else those of `otherwise`
/// (an scf.if that yields them).
SmallVector<Value>
emitIfElse(OpBuilder &b, Location loc, Value cond,
           function_ref<SmallVector<Value>(OpBuilder &, Location)> then,
           function_ref<SmallVector<Value>(OpBuilder &, Location)> otherwise);

/// Builds `scf.for lb to ub step step` whose body is `body(iv)`.
void emitFor(OpBuilder &b, Location loc, Value lb, Value ub, Value step,
             function_ref<void(OpBuilder &, Location, Value)> body);

} // namespace cpu
} // namespace moe
} // namespace mlir

#endif // MOE_LIB_CODEGEN_CPU_KERNELBUILDER_H
