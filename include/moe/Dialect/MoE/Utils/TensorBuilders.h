//===- TensorBuilders.h - Tensor IR building blocks -------------*- C++ -*-===//
//
// Small builders of tensor / linalg IR that the moe passes and the reference
// lowering share: filled tensors, dynamic sizes, the nn.Linear matmul.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_UTILS_TENSORBUILDERS_H
#define MOE_DIALECT_MOE_UTILS_TENSORBUILDERS_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Value.h"

namespace mlir {
namespace moe {

/// The dynamic sizes of `v`, in order: what tensor.empty of the same shape
/// takes.
SmallVector<Value> dynamicSizes(OpBuilder &b, Location loc, Value v);

/// A tensor of `shape` filled with the attribute `value` (whose type is the
/// element type); dynamic dimensions take their sizes from `dynSizes`, in
/// order.
Value filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
             TypedAttr value, ValueRange dynSizes);

/// A zero-filled tensor of `shape` and `elementType`.
Value zeros(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
            Type elementType, ValueRange dynSizes);

/// The indexing maps of `C[m, n] += A[m, k] · B[n, k]` over loops (m, n, k):
/// a matmul with B in nn.Linear layout.
SmallVector<AffineMap> transposedBMatmulMaps(MLIRContext *ctx);

/// `lhs · wᵀ` for lhs: [R, K] and w: [M, K] (nn.Linear layout), as a fresh
/// [R, M] tensor of `accType` (f32 when null): a linalg.matmul with
/// transposed-B indexing maps.
Value matmulTransposeB(OpBuilder &b, Location loc, Value lhs, Value w,
                       Type accType = {});

/// The unit attribute that marks the linalg.matmul of expert rows by an
/// expert's weights (expertMatmulTransposeB): the CPU kernels may round its
/// activations (moe-cpu-matmul-kernels bf16-activations), never those of a
/// router or gate, whose scores choose the experts.
constexpr llvm::StringLiteral kExpertMatmulAttr = "moe.expert_matmul";

/// matmulTransposeB (f32 result) marked with kExpertMatmulAttr.
Value expertMatmulTransposeB(OpBuilder &b, Location loc, Value lhs, Value w);

} // namespace moe
} // namespace mlir

#endif // MOE_DIALECT_MOE_UTILS_TENSORBUILDERS_H
