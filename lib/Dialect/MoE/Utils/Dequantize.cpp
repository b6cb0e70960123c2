//===- Dequantize.cpp - moe.dequantize as a linalg.generic ----------------===//
//
// value = f32(v - z) * f32(scale), rounded to the result type
// (docs/Spec.md#moedequantize). The small float formats convert to f32 with
// integer operations, since LLVM has no fp8 or fp4 type: the magnitude bits
// shifted to f32's exponent and mantissa positions (e4m3fn: `(b & 0x7F) <<
// 20`; e2m1: `(u & 7) << 22`) plus the difference of the exponent biases
// (`(127 - bias) << 23`) are the f32 bits of a normal value; a subnormal
// one (exponent 0) is its integer mantissa times 2^(1 - bias - mantissa
// bits). Both are exact, and no f32 subnormal is computed with (x86 runs
// such arithmetic in microcode, a hundred times slower). The sign bit moves
// to bit 31; e4m3fn's codes 0x7F / 0xFF are NaN. An e8m0 scale byte e is
// the f32 2^(e - 127): `e << 23`, except e = 0 (the subnormal 2^-127) and
// e = 255 (NaN).
//
// Packed 4-bit values: in the reference generic each element reads its
// byte and takes the nibble of its index's parity; the CPU kernels load
// vectors of bytes and interleave their low and high nibbles.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/Utils/Dequantize.h"

#include "moe/Dialect/MoE/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::moe;

namespace {

/// A constant of `type`'s element type, splat when `type` is a vector.
Value constantLike(OpBuilder &b, Location loc, Type type, TypedAttr scalar) {
  if (auto vec = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::get(vec, scalar));
  return arith::ConstantOp::create(b, loc, scalar);
}

/// `type` with its element type replaced by `element`.
Type withElement(Type type, Type element) {
  if (auto vec = dyn_cast<VectorType>(type))
    return vec.clone(element);
  return element;
}

Value intConst(OpBuilder &b, Location loc, Type type, int64_t v) {
  Type element = getElementTypeOrSelf(type);
  return constantLike(b, loc, type, b.getIntegerAttr(element, v));
}

Value quietNaN(OpBuilder &b, Location loc, Type f32) {
  return constantLike(
      b, loc, f32, b.getF32FloatAttr(std::numeric_limits<float>::quiet_NaN()));
}

/// The bits of an 8-bit value (i8 or a float of 8 bits) as i32, zero
/// extended.
Value bitsOf(OpBuilder &b, Location loc, Value v) {
  Type i8 = withElement(v.getType(), b.getI8Type());
  Type i32 = withElement(v.getType(), b.getI32Type());
  if (!getElementTypeOrSelf(v.getType()).isInteger(8))
    v = arith::BitcastOp::create(b, loc, i8, v);
  return arith::ExtUIOp::create(b, loc, i32, v);
}

/// The value of a small float's magnitude bits `magnitude` (i32: an
/// exponent of bias `bias` above `mantissaBits` mantissa bits), exact, with
/// no f32 subnormal on the way (their arithmetic is slow on x86): normal
/// values by moving the bits to f32's exponent and mantissa and adding the
/// bias difference to the exponent; subnormal ones (exponent 0) as the
/// integer mantissa times 2^(1 - bias - mantissaBits).
Value smallFloat(OpBuilder &b, Location loc, Value magnitude,
                 int64_t mantissaBits, int64_t bias) {
  Type i32 = magnitude.getType();
  Type f32 = withElement(i32, b.getF32Type());
  // Operands are built one statement at a time: the order of the IR must
  // not depend on the compiler's order of evaluating arguments.
  Value shift = intConst(b, loc, i32, 23 - mantissaBits);
  Value shifted = arith::ShLIOp::create(b, loc, magnitude, shift);
  Value biasDifference = intConst(b, loc, i32, (127 - bias) << 23);
  Value normalBits = arith::AddIOp::create(b, loc, shifted, biasDifference);
  Value normal = arith::BitcastOp::create(b, loc, f32, normalBits);
  Value mantissaMask = intConst(b, loc, i32, (int64_t(1) << mantissaBits) - 1);
  Value mantissa = arith::AndIOp::create(b, loc, magnitude, mantissaMask);
  Value mantissaF32 = arith::SIToFPOp::create(b, loc, f32, mantissa);
  Value ulp = constantLike(
      b, loc, f32,
      b.getF32FloatAttr(std::ldexp(1.0f, int(1 - bias - mantissaBits))));
  Value subnormal = arith::MulFOp::create(b, loc, mantissaF32, ulp);
  Value isSubnormal = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ule, magnitude, mantissaMask);
  return arith::SelectOp::create(b, loc, isSubnormal, subnormal, normal);
}

/// `value` (f32) with the bit `signBit` of `bits` (i32) as its sign.
Value withSign(OpBuilder &b, Location loc, Value value, Value bits,
               int64_t signBit) {
  Type i32 = bits.getType();
  Value signMask = intConst(b, loc, i32, int64_t(1) << signBit);
  Value signBitValue = arith::AndIOp::create(b, loc, bits, signMask);
  Value toBit31 = intConst(b, loc, i32, 31 - signBit);
  Value sign = arith::ShLIOp::create(b, loc, signBitValue, toBit31);
  Value valueBits = arith::BitcastOp::create(b, loc, i32, value);
  Value merged = arith::OrIOp::create(b, loc, valueBits, sign);
  return arith::BitcastOp::create(b, loc, value.getType(), merged);
}

/// fp8 e4m3fn to f32, exact.
Value fp8ToF32(OpBuilder &b, Location loc, Value q) {
  Value bits = bitsOf(b, loc, q);
  Type i32 = bits.getType();
  Value mask = intConst(b, loc, i32, 0x7F);
  Value magnitude = arith::AndIOp::create(b, loc, bits, mask);
  Value value = smallFloat(b, loc, magnitude, /*mantissaBits=*/3, /*bias=*/7);
  Value isNan = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                      magnitude, mask);
  Value nan = quietNaN(b, loc, value.getType());
  value = arith::SelectOp::create(b, loc, isNan, nan, value);
  return withSign(b, loc, value, bits, 7);
}

/// fp8 e4m3fn to f32 through f16, times 2^-8, exact: (b & 0x7F) << 7 as
/// f16 bits is the magnitude times 2^-8 (a subnormal e4m3 value becomes a
/// subnormal or small normal f16 alike), the sign moves to bit 15, the NaN
/// codes become all ones (an f16 NaN: the compare's mask is or-ed in);
/// then one f16 to f32 conversion (VCVTPH2PS with F16C). Fewer operations
/// than fp8ToF32, on 16-bit lanes; the caller multiplies by 2^8.
Value fp8ToF32ViaF16TimesInv256(OpBuilder &b, Location loc, Value q) {
  Type i8 = withElement(q.getType(), b.getI8Type());
  Type i16 = withElement(q.getType(), b.getI16Type());
  if (!getElementTypeOrSelf(q.getType()).isInteger(8))
    q = arith::BitcastOp::create(b, loc, i8, q);
  Value bits = arith::ExtUIOp::create(b, loc, i16, q);
  Value seven = intConst(b, loc, i16, 7);
  Value shifted = arith::ShLIOp::create(b, loc, bits, seven);
  Value magnitudeMask = intConst(b, loc, i16, 0x3F80);
  Value magnitude = arith::AndIOp::create(b, loc, shifted, magnitudeMask);
  Value isNan = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                      magnitude, magnitudeMask);
  Value nanBits = arith::ExtSIOp::create(b, loc, i16, isNan);
  Value eight = intConst(b, loc, i16, 8);
  Value signShifted = arith::ShLIOp::create(b, loc, bits, eight);
  Value signMask = intConst(b, loc, i16, int16_t(-32768)); // 0x8000
  Value sign = arith::AndIOp::create(b, loc, signShifted, signMask);
  Value halfBits = arith::OrIOp::create(
      b, loc, arith::OrIOp::create(b, loc, magnitude, nanBits), sign);
  Value half = arith::BitcastOp::create(
      b, loc, withElement(q.getType(), b.getF16Type()), halfBits);
  return arith::ExtFOp::create(b, loc, withElement(q.getType(), b.getF32Type()),
                               half);
}

/// fp4 e2m1 (the nibble `u`, i8) to f32, exact.
Value fp4ToF32(OpBuilder &b, Location loc, Value u) {
  Value bits = bitsOf(b, loc, u);
  Value mask = intConst(b, loc, bits.getType(), 0x7);
  Value magnitude = arith::AndIOp::create(b, loc, bits, mask);
  Value value = smallFloat(b, loc, magnitude, /*mantissaBits=*/1, /*bias=*/1);
  return withSign(b, loc, value, bits, 3);
}

/// An e8m0 scale to f32: 2^(e - 127).
Value e8m0ToF32(OpBuilder &b, Location loc, Value e) {
  Value bits = bitsOf(b, loc, e);
  Type i32 = bits.getType();
  Type f32 = withElement(i32, b.getF32Type());
  Value c23 = intConst(b, loc, i32, 23);
  Value normal = arith::ShLIOp::create(b, loc, bits, c23);
  // e = 0: 2^-127, the f32 subnormal 0x00400000.
  Value zero = intConst(b, loc, i32, 0);
  Value isZero =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, bits, zero);
  Value smallest = intConst(b, loc, i32, 0x00400000);
  normal = arith::SelectOp::create(b, loc, isZero, smallest, normal);
  Value value = arith::BitcastOp::create(b, loc, f32, normal);
  Value all = intConst(b, loc, i32, 0xFF);
  Value isNan =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, bits, all);
  Value nan = quietNaN(b, loc, f32);
  return arith::SelectOp::create(b, loc, isNan, nan, value);
}

} // namespace

Value moe::unpackNibbles(OpBuilder &b, Location loc, Value bytes, Value k) {
  Type type = bytes.getType();
  Value lowMask = intConst(b, loc, type, 0xF);
  Value low = arith::AndIOp::create(b, loc, bytes, lowMask);
  Value four = intConst(b, loc, type, 4);
  Value high = arith::ShRUIOp::create(b, loc, bytes, four);
  if (isa<VectorType>(type))
    return vector::InterleaveOp::create(b, loc, low, high);
  Value one = intConst(b, loc, k.getType(), 1);
  Value parity = arith::AndIOp::create(b, loc, k, one);
  Value zero = intConst(b, loc, k.getType(), 0);
  Value odd =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, parity, zero);
  return arith::SelectOp::create(b, loc, odd, high, low);
}

Value moe::fp8HighBytesToF32TimesInv256(OpBuilder &b, Location loc,
                                        Value words) {
  // (c << 8) >> 1, arithmetic: the sign in bits 15 and 14, the magnitude
  // in bits 13..7, the f16 position of fp8ToF32ViaF16TimesInv256; bit 14
  // and the low byte's bits (now in 6..0) cleared.
  Type i16 = words.getType();
  Value one = intConst(b, loc, i16, 1);
  Value shifted = arith::ShRSIOp::create(b, loc, words, one);
  Value keep = intConst(b, loc, i16, int16_t(0xBF80));
  Value halfBits = arith::AndIOp::create(b, loc, shifted, keep);
  Value half =
      arith::BitcastOp::create(b, loc, withElement(i16, b.getF16Type()),
                               halfBits);
  return arith::ExtFOp::create(b, loc, withElement(i16, b.getF32Type()), half);
}

Value moe::fp8NaNCodeKey(OpBuilder &b, Location loc, Value codes) {
  Type i8 = withElement(codes.getType(), b.getI8Type());
  if (!getElementTypeOrSelf(codes.getType()).isInteger(8))
    codes = arith::BitcastOp::create(b, loc, i8, codes);
  // (c + c) mod 256 = the magnitude times 2: 0xFE for 0x7F and 0xFF only.
  return arith::AddIOp::create(b, loc, codes, codes);
}

float moe::unscaledFactor(Type q, bool fp8ViaF16) {
  bool fp8 = isa<FloatType>(getElementTypeOrSelf(q));
  // The factor 2^8 of the f16 decode joins the scale: the product is the
  // same (a power of two scales exactly), and one multiply of the
  // (broadcast) scale replaces one per value vector. A scale of 2^120 or
  // more would overflow to infinity here (weights of 2^111 and more: no
  // checkpoint's).
  return fp8 && fp8ViaF16 ? 256.0f : 1.0f;
}

Value moe::dequantizeUnscaled(OpBuilder &b, Location loc, Value v,
                              std::optional<PackedFormat> packed,
                              Value zeroPoint, bool fp8ViaF16) {
  Type f32 = withElement(v.getType(), b.getF32Type());
  Type i32 = withElement(v.getType(), b.getI32Type());
  if (packed == PackedFormat::e2m1)
    return fp4ToF32(b, loc, v);
  if (getElementTypeOrSelf(v.getType()).isInteger()) {
    // int8 as stored; an int4 nibble u is u - 8.
    Value wide;
    if (packed == PackedFormat::int4) {
      Value nibble = bitsOf(b, loc, v);
      Value eight = intConst(b, loc, i32, 8);
      wide = arith::SubIOp::create(b, loc, nibble, eight);
    } else {
      wide = arith::ExtSIOp::create(b, loc, i32, v);
    }
    if (zeroPoint)
      wide = arith::SubIOp::create(
          b, loc, wide, arith::ExtSIOp::create(b, loc, i32, zeroPoint));
    return arith::SIToFPOp::create(b, loc, f32, wide);
  }
  if (fp8ViaF16)
    return fp8ToF32ViaF16TimesInv256(b, loc, v);
  return fp8ToF32(b, loc, v);
}

Value moe::dequantizeValue(OpBuilder &b, Location loc, Value v,
                           std::optional<PackedFormat> packed, Value scale,
                           Value zeroPoint, bool fp8ViaF16) {
  Value value = dequantizeUnscaled(b, loc, v, packed, zeroPoint, fp8ViaF16);
  float factor = unscaledFactor(v.getType(), fp8ViaF16);
  if (factor != 1.0f)
    scale = arith::MulFOp::create(
        b, loc, scale,
        constantLike(b, loc, scale.getType(), b.getF32FloatAttr(factor)));
  return arith::MulFOp::create(b, loc, value, scale);
}

// bf16 and f16 scales extend to f32 exactly.
Value moe::decodeScale(OpBuilder &b, Location loc, Value scale) {
  Type scaleType = getElementTypeOrSelf(scale.getType());
  if (scaleType.getIntOrFloatBitWidth() == 8)
    return e8m0ToF32(b, loc, scale);
  if (!scaleType.isF32())
    return arith::ExtFOp::create(
        b, loc, withElement(scale.getType(), b.getF32Type()), scale);
  return scale;
}

Value moe::buildDequantize(OpBuilder &b, Location loc, Value q, Value scales,
                           Value zeroPoints,
                           std::optional<PackedFormat> packed,
                           ArrayRef<int64_t> block, Type resultElement) {
  auto qType = cast<RankedTensorType>(q.getType());
  int64_t rank = qType.getRank();
  MLIRContext *ctx = b.getContext();
  // Element [..., n, k] reads its block's scale [..., n / bn, k / bk], and
  // when packed, its byte [..., n, k / 2].
  SmallVector<AffineExpr> blockExprs, byteExprs;
  for (int64_t i = 0; i < rank; ++i) {
    AffineExpr d = getAffineDimExpr(i, ctx);
    blockExprs.push_back(i >= rank - 2 ? d.floorDiv(block[i - (rank - 2)])
                                       : d);
    byteExprs.push_back(packed && i == rank - 1 ? d.floorDiv(2) : d);
  }
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap blockMap = AffineMap::get(rank, 0, blockExprs, ctx);
  SmallVector<Value> inputs = {q, scales};
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, byteExprs, ctx),
                                 blockMap};
  if (zeroPoints) {
    inputs.push_back(zeroPoints);
    maps.push_back(blockMap);
  }
  maps.push_back(identity);
  SmallVector<int64_t> shape(qType.getShape());
  SmallVector<Value> sizes = dynamicSizes(b, loc, q);
  if (packed) {
    if (ShapedType::isDynamic(shape.back()))
    {
      Value two = arith::ConstantIndexOp::create(b, loc, 2);
      sizes.back() = arith::MulIOp::create(b, loc, sizes.back(), two);
    }
    else
      shape.back() *= 2;
  }
  Value init = tensor::EmptyOp::create(b, loc, shape, resultElement, sizes);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value v = args[0];
        if (packed)
          v = unpackNibbles(nb, nl, v,
                            linalg::IndexOp::create(nb, nl, rank - 1));
        v = dequantizeValue(nb, nl, v, packed, decodeScale(nb, nl, args[1]),
                            zeroPoints ? args[2] : Value());
        if (!resultElement.isF32())
          v = arith::TruncFOp::create(nb, nl, resultElement, v);
        linalg::YieldOp::create(nb, nl, v);
      });
  generic->setAttr(kDequantizeBlockAttr, b.getDenseI64ArrayAttr(block));
  if (packed)
    generic->setAttr(kDequantizePackedAttr,
                     PackedFormatAttr::get(ctx, *packed));
  return generic.getResult(0);
}

std::optional<DequantizeGeneric> moe::matchDequantize(Value v) {
  // moe.dequantize itself, not yet lowered (inside moe-to-linalg, the
  // operands of ops that are not moe ops still refer to it).
  if (auto dequantize = v.getDefiningOp<DequantizeOp>()) {
    DequantizeGeneric parts;
    parts.q = dequantize.getQ();
    parts.scales = dequantize.getScales();
    parts.zeroPoints = dequantize.getZeroPoints();
    parts.packed = dequantize.getPacked();
    parts.blockN = dequantize.getBlock()[0];
    parts.blockK = dequantize.getBlock()[1];
    parts.resultElement = dequantize.getType().getElementType();
    return parts;
  }
  auto op = v.getDefiningOp<linalg::GenericOp>();
  if (!op)
    return std::nullopt;
  auto block = op->getAttrOfType<DenseI64ArrayAttr>(kDequantizeBlockAttr);
  if (!block || block.size() != 2 || op.getNumDpsInputs() < 2 ||
      op.getNumDpsInputs() > 3)
    return std::nullopt;
  DequantizeGeneric parts;
  parts.op = op;
  parts.q = op.getDpsInputs()[0];
  parts.scales = op.getDpsInputs()[1];
  if (op.getNumDpsInputs() == 3)
    parts.zeroPoints = op.getDpsInputs()[2];
  parts.blockN = block[0];
  parts.blockK = block[1];
  if (auto packed = op->getAttrOfType<PackedFormatAttr>(kDequantizePackedAttr))
    parts.packed = packed.getValue();
  parts.resultElement =
      cast<RankedTensorType>(op->getResult(0).getType()).getElementType();
  return parts;
}

Value moe::sliceLeading(OpBuilder &b, Location loc, Value tensor,
                        Value index) {
  auto slice = [&](Value t) -> Value {
    auto type = cast<RankedTensorType>(t.getType());
    auto sliceType = RankedTensorType::get(type.getShape().drop_front(),
                                           type.getElementType());
    SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
    offsets[0] = index;
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1)};
    for (int64_t i = 1; i < type.getRank(); ++i)
      sizes.push_back(tensor::getMixedSize(b, loc, t, i));
    SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, sliceType, t, offsets, sizes,
                                          strides);
  };
  // A dequantized matrix given a leading unit dimension (the shared expert
  // as one group, moe-decompose): its only slice is the matrix itself.
  if (auto expand = tensor.getDefiningOp<tensor::ExpandShapeOp>()) {
    auto type = cast<RankedTensorType>(tensor.getType());
    std::optional<DequantizeGeneric> matrix = matchDequantize(expand.getSrc());
    if (type.getRank() == 3 && type.getDimSize(0) == 1 &&
        expand.getSrcType().getRank() == 2 && matrix)
      return buildDequantize(b, loc, matrix->q, matrix->scales,
                             matrix->zeroPoints, matrix->packed,
                             {matrix->blockN, matrix->blockK},
                             matrix->resultElement);
  }
  std::optional<DequantizeGeneric> dq = matchDequantize(tensor);
  // A matrix ([N, K]) has no leading dimension left to slice off in q.
  if (!dq || cast<RankedTensorType>(tensor.getType()).getRank() < 3)
    return slice(tensor);
  Value q = slice(dq->q);
  Value scales = slice(dq->scales);
  Value zeroPoints = dq->zeroPoints ? slice(dq->zeroPoints) : Value();
  return buildDequantize(b, loc, q, scales, zeroPoints, dq->packed,
                         {dq->blockN, dq->blockK}, dq->resultElement);
}
