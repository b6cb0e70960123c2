//===- TensorBuilders.cpp - Tensor IR building blocks ---------------------===//

#include "moe/Dialect/MoE/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

SmallVector<Value> moe::dynamicSizes(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<Value> sizes;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i)
    if (type.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, v, i));
  return sizes;
}

Value moe::filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  TypedAttr value, ValueRange dynSizes) {
  Value empty =
      tensor::EmptyOp::create(b, loc, shape, value.getType(), dynSizes);
  Value scalar = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

Value moe::zeros(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                 Type elementType, ValueRange dynSizes) {
  return filled(b, loc, shape, cast<TypedAttr>(b.getZeroAttr(elementType)),
                dynSizes);
}

SmallVector<AffineMap> moe::transposedBMatmulMaps(MLIRContext *ctx) {
  AffineExpr d0, d1, d2;
  bindDims(ctx, d0, d1, d2);
  return {AffineMap::get(3, 0, {d0, d2}, ctx),
          AffineMap::get(3, 0, {d1, d2}, ctx),
          AffineMap::get(3, 0, {d0, d1}, ctx)};
}

Value moe::matmulTransposeB(OpBuilder &b, Location loc, Value lhs, Value w,
                            Type accType) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  SmallVector<Value> dyn;
  if (lhsType.isDynamicDim(0))
    dyn.push_back(tensor::DimOp::create(b, loc, lhs, 0));
  if (wType.isDynamicDim(0))
    dyn.push_back(tensor::DimOp::create(b, loc, w, 0));
  Value init = zeros(b, loc, {lhsType.getDimSize(0), wType.getDimSize(0)},
                     accType ? accType : b.getF32Type(), dyn);
  auto matmul = linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                         ValueRange{lhs, w}, ValueRange{init});
  matmul.setIndexingMapsAttr(
      b.getAffineMapArrayAttr(transposedBMatmulMaps(b.getContext())));
  return matmul.getResult(0);
}

Value moe::expertMatmulTransposeB(OpBuilder &b, Location loc, Value lhs,
                                  Value w) {
  Value product = matmulTransposeB(b, loc, lhs, w);
  product.getDefiningOp()->setAttr(kExpertMatmulAttr, b.getUnitAttr());
  return product;
}
