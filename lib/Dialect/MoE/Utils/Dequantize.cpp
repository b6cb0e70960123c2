//===- Dequantize.cpp - moe.dequantize as a linalg.generic ----------------===//
//
// value = f32(q - z) * f32(scale), rounded to the result type
// (docs/Spec.md#moedequantize). fp8 e4m3fn converts to f32 with integer
// operations, since LLVM has no fp8 type: the 7 magnitude bits shifted to
// f32's exponent and mantissa positions (`(b & 0x7F) << 20`) read as an f32
// of exponent e - 127 instead of e - 7, so one exact multiplication by
// 2^120 gives the value, subnormals included (they become f32 subnormals,
// whose product with 2^120 is exact). The sign bit moves to bit 31; the
// codes 0x7F / 0xFF are NaN.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/Utils/Dequantize.h"

#include "moe/Dialect/MoE/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

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

/// fp8 e4m3fn to f32, exact.
Value fp8ToF32(OpBuilder &b, Location loc, Value q) {
  Type i8 = withElement(q.getType(), b.getI8Type());
  Type i32 = withElement(q.getType(), b.getI32Type());
  Type f32 = withElement(q.getType(), b.getF32Type());
  Value bits = arith::ExtUIOp::create(
      b, loc, i32, arith::BitcastOp::create(b, loc, i8, q));
  Value magnitude =
      arith::AndIOp::create(b, loc, bits, intConst(b, loc, i32, 0x7F));
  Value shifted =
      arith::ShLIOp::create(b, loc, magnitude, intConst(b, loc, i32, 20));
  Value value = arith::MulFOp::create(
      b, loc, arith::BitcastOp::create(b, loc, f32, shifted),
      constantLike(b, loc, f32, b.getF32FloatAttr(0x1p120f)));
  Value nan = constantLike(b, loc, f32,
                           b.getF32FloatAttr(std::numeric_limits<float>::quiet_NaN()));
  Value isNan = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                      magnitude, intConst(b, loc, i32, 0x7F));
  value = arith::SelectOp::create(b, loc, isNan, nan, value);
  Value sign = arith::ShLIOp::create(
      b, loc, arith::AndIOp::create(b, loc, bits, intConst(b, loc, i32, 0x80)),
      intConst(b, loc, i32, 24));
  Value signed_ = arith::OrIOp::create(
      b, loc, arith::BitcastOp::create(b, loc, i32, value), sign);
  return arith::BitcastOp::create(b, loc, f32, signed_);
}

} // namespace

Value moe::dequantizeValue(OpBuilder &b, Location loc, Value q, Value scale,
                           Value zeroPoint) {
  Type f32 = withElement(q.getType(), b.getF32Type());
  Value value;
  if (getElementTypeOrSelf(q.getType()).isInteger()) {
    Type i32 = withElement(q.getType(), b.getI32Type());
    Value wide = arith::ExtSIOp::create(b, loc, i32, q);
    if (zeroPoint)
      wide = arith::SubIOp::create(
          b, loc, wide, arith::ExtSIOp::create(b, loc, i32, zeroPoint));
    value = arith::SIToFPOp::create(b, loc, f32, wide);
  } else {
    value = fp8ToF32(b, loc, q);
  }
  if (!getElementTypeOrSelf(scale.getType()).isF32())
    scale = arith::ExtFOp::create(b, loc, f32, scale);
  return arith::MulFOp::create(b, loc, value, scale);
}

Value moe::buildDequantize(OpBuilder &b, Location loc, Value q, Value scales,
                           Value zeroPoints, ArrayRef<int64_t> block,
                           Type resultElement) {
  auto qType = cast<RankedTensorType>(q.getType());
  int64_t rank = qType.getRank();
  MLIRContext *ctx = b.getContext();
  // Element [..., n, k] reads its block's scale [..., n / bn, k / bk].
  SmallVector<AffineExpr> blockExprs;
  for (int64_t i = 0; i < rank; ++i) {
    AffineExpr d = getAffineDimExpr(i, ctx);
    if (i >= rank - 2)
      d = d.floorDiv(block[i - (rank - 2)]);
    blockExprs.push_back(d);
  }
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap blockMap = AffineMap::get(rank, 0, blockExprs, ctx);
  SmallVector<Value> inputs = {q, scales};
  SmallVector<AffineMap> maps = {identity, blockMap};
  if (zeroPoints) {
    inputs.push_back(zeroPoints);
    maps.push_back(blockMap);
  }
  maps.push_back(identity);
  Value init = tensor::EmptyOp::create(b, loc, qType.getShape(), resultElement,
                                       dynamicSizes(b, loc, q));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value v = dequantizeValue(nb, nl, args[0], args[1],
                                  zeroPoints ? args[2] : Value());
        if (!resultElement.isF32())
          v = arith::TruncFOp::create(nb, nl, resultElement, v);
        linalg::YieldOp::create(nb, nl, v);
      });
  generic->setAttr(kDequantizeBlockAttr, b.getDenseI64ArrayAttr(block));
  return generic.getResult(0);
}

std::optional<DequantizeGeneric> moe::matchDequantize(Value v) {
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
  std::optional<DequantizeGeneric> dq = matchDequantize(tensor);
  // A matrix ([N, K]) has no leading dimension left to slice off in q.
  if (!dq || cast<RankedTensorType>(tensor.getType()).getRank() < 3)
    return slice(tensor);
  Type element = cast<RankedTensorType>(tensor.getType()).getElementType();
  return buildDequantize(b, loc, slice(dq->q), slice(dq->scales),
                         dq->zeroPoints ? slice(dq->zeroPoints) : Value(),
                         {dq->blockN, dq->blockK}, element);
}
