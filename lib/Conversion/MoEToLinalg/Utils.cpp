//===- Utils.cpp - Builders shared by the moe-to-linalg patterns ----------===//

#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::lowering;

Value lowering::indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value lowering::i32Const(OpBuilder &b, Location loc, int32_t v) {
  return arith::ConstantIntOp::create(b, loc, v, 32);
}

Value lowering::f32Const(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

Value lowering::dimSize(OpBuilder &b, Location loc, Value v, int64_t dim) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!type.isDynamicDim(dim))
    return indexConst(b, loc, type.getDimSize(dim));
  return tensor::DimOp::create(b, loc, v, dim);
}

SmallVector<Value> lowering::dynamicSizes(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<Value> sizes;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i)
    if (type.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, v, i));
  return sizes;
}

Value lowering::filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                       TypedAttr value, ValueRange dynSizes) {
  Value empty =
      tensor::EmptyOp::create(b, loc, shape, value.getType(), dynSizes);
  Value scalar = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

Value lowering::zeros(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                      Type elementType, ValueRange dynSizes) {
  return filled(b, loc, shape, cast<TypedAttr>(b.getZeroAttr(elementType)),
                dynSizes);
}

Value lowering::convertFloat(OpBuilder &b, Location loc, Value v, Type type) {
  Type from = v.getType();
  if (from == type)
    return v;
  if (cast<FloatType>(from).getWidth() < cast<FloatType>(type).getWidth())
    return arith::ExtFOp::create(b, loc, type, v);
  return arith::TruncFOp::create(b, loc, type, v);
}

SmallVector<Value> lowering::generic(OpBuilder &b, Location loc,
                                     ValueRange inputs, ValueRange inits,
                                     ArrayRef<AffineMap> maps,
                                     ArrayRef<utils::IteratorType> iterators,
                                     GenericBody body) {
  auto op = linalg::GenericOp::create(
      b, loc, inits.getTypes(), inputs, inits, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, body(nb, nl, args));
      });
  return SmallVector<Value>(op.getResults());
}

Value lowering::elementwise(OpBuilder &b, Location loc, ValueRange inputs,
                            ArrayRef<AffineMap> inputMaps, Value init,
                            GenericBody body) {
  int64_t rank = cast<RankedTensorType>(init.getType()).getRank();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return generic(b, loc, inputs, init, maps, iterators, body).front();
}

Value lowering::convertTensor(OpBuilder &b, Location loc, Value v,
                              Type elementType) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getElementType() == elementType)
    return v;
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), elementType,
                                       dynamicSizes(b, loc, v));
  return elementwise(
      b, loc, v, b.getMultiDimIdentityMap(type.getRank()), init,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
        return {convertFloat(nb, nl, args[0], elementType)};
      });
}

Value lowering::castTo(OpBuilder &b, Location loc, Value v, Type type) {
  if (v.getType() == type)
    return v;
  return tensor::CastOp::create(b, loc, type, v);
}

Value lowering::sigmoid(OpBuilder &b, Location loc, Value x) {
  Value one = f32Const(b, loc, 1.0);
  Value negExp = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, negExp));
}

Value lowering::clampIndex(OpBuilder &b, Location loc, Value v, Value lo,
                           Value hi) {
  return arith::MaxSIOp::create(b, loc, lo,
                                arith::MinSIOp::create(b, loc, v, hi));
}

SmallVector<Value>
lowering::ifThen(OpBuilder &b, Location loc, Value cond, ValueRange current,
                 function_ref<SmallVector<Value>(OpBuilder &, Location)> then) {
  // The result types are inferred from the yields.
  auto ifOp = scf::IfOp::create(
      b, loc, cond,
      [&](OpBuilder &tb, Location tl) {
        scf::YieldOp::create(tb, tl, then(tb, tl));
      },
      [&](OpBuilder &eb, Location el) {
        scf::YieldOp::create(eb, el, current);
      });
  return SmallVector<Value>(ifOp.getResults());
}
