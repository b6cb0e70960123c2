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

#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

#include <optional>

namespace mlir {
namespace moe {

/// The attributes of a dequantizing linalg.generic: `array<i64: bn, bk>`,
/// and the packed format (a #moe.packed_format) when q holds 4-bit values.
constexpr StringLiteral kDequantizeBlockAttr = "moe.dequantize_block";
constexpr StringLiteral kDequantizePackedAttr = "moe.dequantize_packed";

/// The pieces of a dequantizing linalg.generic (buildDequantize), or of a
/// moe.dequantize op (`op` is then null).
struct DequantizeGeneric {
  linalg::GenericOp op;
  Value q, scales, zeroPoints; // zeroPoints may be null
  std::optional<PackedFormat> packed;
  int64_t blockN, blockK;
  Type resultElement;
};

/// `moe.dequantize` semantics on tensors: a fresh tensor of `resultElement`
/// (f32 or bf16) and q's shape (with twice its last dimension when
/// `packed`). `zeroPoints` may be null.
Value buildDequantize(OpBuilder &b, Location loc, Value q, Value scales,
                      Value zeroPoints, std::optional<PackedFormat> packed,
                      ArrayRef<int64_t> block, Type resultElement);

/// The generic that buildDequantize made for `v`, or the moe.dequantize,
/// if `v` is its result.
std::optional<DequantizeGeneric> matchDequantize(Value v);

/// The quantized values of `bytes` (i8, or a vector of them) packed two per
/// byte, as i8 nibbles 0..15 in element order: for a vector of W bytes, a
/// vector of 2W nibbles (the low nibble of each byte first); for one byte,
/// the nibble of the element whose index along K is `k` (its low nibble
/// when `k` is even).
Value unpackNibbles(OpBuilder &b, Location loc, Value bytes, Value k = {});

/// A scale (f32, bf16, f16 or f8E8M0FNU; one or a vector) as f32.
Value decodeScale(OpBuilder &b, Location loc, Value scale);

/// The dequantization of one element or of vectors of them (same lanes):
/// `v` is the i8 or f8E4M3FN value of q, or, for packed q, the i8 nibble
/// (unpackNibbles); `scale` is f32 (decodeScale) and `zeroPoint` i8 or
/// null. The result is f32 (the product before the result's rounding).
/// With `fp8ViaF16`, fp8 values convert through f16 (the same values, in
/// fewer operations where the target converts f16 vectors: F16C).
Value dequantizeValue(OpBuilder &b, Location loc, Value v,
                      std::optional<PackedFormat> packed, Value scale,
                      Value zeroPoint, bool fp8ViaF16 = false);

/// dequantizeValue before its scale: the f32 value that, times the scale
/// and unscaledFactor, is the dequantized one (exactly: the factor is a
/// power of two). Integers less their zero point, e2m1 and fp8 values
/// (through f16: 2^-8 times the value).
Value dequantizeUnscaled(OpBuilder &b, Location loc, Value v,
                         std::optional<PackedFormat> packed, Value zeroPoint,
                         bool fp8ViaF16 = false);

/// The power of two by which dequantizeUnscaled's values of type `q` (or
/// of vectors of it) are to be multiplied besides the scale: 256 for fp8
/// through f16, else 1.
float unscaledFactor(Type q, bool fp8ViaF16);

/// fp8 e4m3fn codes held in the high byte of i16 lanes, whatever the low
/// byte holds (a vector), to f32 times 2^-8, as dequantizeUnscaled through
/// f16 gives them, in three operations, except for the NaN codes 0x7F and
/// 0xFF: they come out as +-480 * 2^-8. The caller detects them
/// (fp8NaNCodeKey).
Value fp8HighBytesToF32TimesInv256(OpBuilder &b, Location loc, Value words);

/// For fp8 e4m3fn codes (a vector of i8 or f8E4M3FN): their bytes doubled,
/// i8, whose unsigned maximum is 0xFE exactly when a NaN code (0x7F,
/// 0xFF) is among them; the key of every other code is smaller.
Value fp8NaNCodeKey(OpBuilder &b, Location loc, Value codes);

/// `tensor`'s leading dimension at `index`, as a tensor of one rank less
/// (a rank-reducing tensor.extract_slice). For a dequantized `tensor`
/// (matchDequantize), the slice is taken of q, the scales and the zero
/// points and dequantized: the other matrices are never dequantized.
Value sliceLeading(OpBuilder &b, Location loc, Value tensor, Value index);

} // namespace moe
} // namespace mlir

#endif // MOE_DIALECT_MOE_UTILS_DEQUANTIZE_H
