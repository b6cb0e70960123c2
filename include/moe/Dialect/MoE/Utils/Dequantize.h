//===- Dequantize.h - moe.dequantize as a linalg.generic --------*- C++ -*-===//
//
// The reference lowering of moe.dequantize (docs/Spec.md#moedequantize) is
// one elementwise linalg.generic over q, reading the scales (and zero
// points) of an element's block with floordiv indexing maps. The generic
// carries the block in the attribute `moe.dequantize_block`, so that the
// lowering of the expert ops can dequantize one expert's matrix instead of
// all of them, and the CPU matmul kernels can read q and the scales
// themselves (dequantizing inside their register tiles) instead of a
// dequantized copy.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_UTILS_DEQUANTIZE_H
#define MOE_DIALECT_MOE_UTILS_DEQUANTIZE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

#include <optional>

namespace mlir {
namespace moe {

/// The attribute of a dequantizing linalg.generic: `array<i64: bn, bk>`.
constexpr StringLiteral kDequantizeBlockAttr = "moe.dequantize_block";

/// The pieces of a dequantizing linalg.generic (buildDequantize).
struct DequantizeGeneric {
  linalg::GenericOp op;
  Value q, scales, zeroPoints; // zeroPoints may be null
  int64_t blockN, blockK;
};

/// `moe.dequantize` semantics on tensors: a fresh tensor of q's shape and
/// `resultElement` (f32 or bf16). `zeroPoints` may be null.
Value buildDequantize(OpBuilder &b, Location loc, Value q, Value scales,
                      Value zeroPoints, ArrayRef<int64_t> block,
                      Type resultElement);

/// The generic that buildDequantize made for `v`, if `v` is its result.
std::optional<DequantizeGeneric> matchDequantize(Value v);

/// The dequantization of one element or of vectors of them (same lanes):
/// `q` is i8 or f8E4M3FN, `scale` f32 or bf16, `zeroPoint` of q's type or
/// null; the result is f32 (the product before the result's rounding).
Value dequantizeValue(OpBuilder &b, Location loc, Value q, Value scale,
                      Value zeroPoint);

/// `tensor`'s leading dimension at `index`, as a tensor of one rank less
/// (a rank-reducing tensor.extract_slice). For a dequantized `tensor`
/// (matchDequantize), the slice is taken of q, the scales and the zero
/// points and dequantized: the other matrices are never dequantized.
Value sliceLeading(OpBuilder &b, Location loc, Value tensor, Value index);

} // namespace moe
} // namespace mlir

#endif // MOE_DIALECT_MOE_UTILS_DEQUANTIZE_H
