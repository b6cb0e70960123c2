//===- Utils.cpp - Builders shared by the moe-to-linalg patterns ----------===//

#include "Utils.h"

#include "moe/Dialect/MoE/Utils/Dequantize.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::lowering;

namespace {

/// Row `row` of the matrix `m` as a rank-1 [D] tensor slice.
Value rowOf(OpBuilder &b, Location loc, Value m, Value row) {
  auto type = cast<RankedTensorType>(m.getType());
  auto rowType =
      RankedTensorType::get({type.getDimSize(1)}, type.getElementType());
  SmallVector<OpFoldResult> offsets = {row, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                     tensor::getMixedSize(b, loc, m, 1)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, rowType, m, offsets, sizes,
                                        strides);
}

/// `v` ([D]) written into row `row` of the matrix `dest`.
Value insertRow(OpBuilder &b, Location loc, Value v, Value dest, Value row) {
  SmallVector<OpFoldResult> offsets = {row, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                     tensor::getMixedSize(b, loc, dest, 1)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, loc, v, dest, offsets, sizes,
                                       strides);
}

} // namespace

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

Value lowering::softcap(OpBuilder &b, Location loc, Value x, double cap) {
  Value c = f32Const(b, loc, cap);
  Value q = arith::DivFOp::create(b, loc, x, c);
  Value t = math::TanhOp::create(b, loc, q);
  return arith::MulFOp::create(b, loc, t, c);
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

Value lowering::forEachGroup(OpBuilder &b, Location loc, Value offsets,
                             int64_t numGroups, Value numRows, Value init,
                             GroupBody body) {
  Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, c0, indexConst(b, loc, numGroups), c1, ValueRange{init},
      [&](OpBuilder &nb, Location nl, Value group, ValueRange args) {
        auto offsetAt = [&](Value i) -> Value {
          Value v = tensor::ExtractOp::create(nb, nl, offsets, i);
          return arith::IndexCastOp::create(nb, nl, nb.getIndexType(), v);
        };
        Value next = arith::AddIOp::create(nb, nl, group, c1);
        Value lo = clampIndex(nb, nl, offsetAt(group), c0, numRows);
        Value hi = clampIndex(nb, nl, offsetAt(next), lo, numRows);
        Value size = arith::SubIOp::create(nb, nl, hi, lo);
        scf::YieldOp::create(nb, nl, body(nb, nl, group, lo, size, args[0]));
      });
  return loop.getResult(0);
}

Value lowering::forEachGroupProduct(
    OpBuilder &b, Location loc, Value offsets, Value lhs, Value rhs, Value init,
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)> body,
    Value bias) {
  int64_t numGroups = cast<RankedTensorType>(rhs.getType()).getDimSize(0);
  return forEachGroup(b, loc, offsets, numGroups, dimSize(b, loc, lhs, 0), init,
                      [&](OpBuilder &nb, Location nl, Value group, Value lo,
                          Value size, Value acc) {
                        Value rows = sliceRows(nb, nl, lhs, lo, size);
                        Value matrix = groupMatrix(nb, nl, rhs, group);
                        Value product =
                            expertMatmulTransposeB(nb, nl, rows, matrix);
                        if (bias) {
                          Value row = groupRow(nb, nl, bias, group);
                          product = addRow(nb, nl, product, row);
                        }
                        return body(nb, nl, product, lo, acc);
                      });
}

Value lowering::addRow(OpBuilder &b, Location loc, Value m, Value row) {
  auto type = cast<RankedTensorType>(m.getType());
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), b.getF32Type(),
                                       dynamicSizes(b, loc, m));
  SmallVector<AffineMap> maps = {
      b.getMultiDimIdentityMap(2),
      AffineMap::get(2, 0, {b.getAffineDimExpr(1)}, b.getContext())};
  return elementwise(
      b, loc, ValueRange{m, row}, maps, init,
      [&](OpBuilder &eb, Location el, ValueRange args) -> SmallVector<Value> {
        Value bias = convertFloat(eb, el, args[1], eb.getF32Type());
        return {arith::AddFOp::create(eb, el, args[0], bias)};
      });
}

Value lowering::sliceRows(OpBuilder &b, Location loc, Value src, Value lo,
                          Value size) {
  SmallVector<OpFoldResult> offsets = {lo, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {size,
                                     tensor::getMixedSize(b, loc, src, 1)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, src, offsets, sizes, strides);
}

Value lowering::insertRows(OpBuilder &b, Location loc, Value rows, Value dest,
                           Value lo) {
  SmallVector<OpFoldResult> offsets = {lo, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, rows);
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, loc, rows, dest, offsets, sizes,
                                       strides);
}

Value lowering::groupMatrix(OpBuilder &b, Location loc, Value weights,
                            Value group) {
  return sliceLeading(b, loc, weights, group);
}

Value lowering::activation(OpBuilder &b, Location loc, Activation act,
                           Value x) {
  switch (act) {
  case Activation::silu:
    return arith::MulFOp::create(b, loc, x, sigmoid(b, loc, x));
  case Activation::gelu_tanh: {
    Value x3 =
        arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value inner = arith::AddFOp::create(
        b, loc, x,
        arith::MulFOp::create(b, loc, f32Const(b, loc, 0.044715), x3));
    Value t = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(
            b, loc, f32Const(b, loc, std::sqrt(2.0 / llvm::numbers::pi)),
            inner));
    Value onePlus = arith::AddFOp::create(b, loc, f32Const(b, loc, 1.0), t);
    Value half = arith::MulFOp::create(b, loc, f32Const(b, loc, 0.5), x);
    return arith::MulFOp::create(b, loc, half, onePlus);
  }
  case Activation::gelu_erf: {
    Value e = math::ErfOp::create(
        b, loc,
        arith::DivFOp::create(b, loc, x, f32Const(b, loc, std::sqrt(2.0))));
    Value onePlus = arith::AddFOp::create(b, loc, f32Const(b, loc, 1.0), e);
    Value half = arith::MulFOp::create(b, loc, f32Const(b, loc, 0.5), x);
    return arith::MulFOp::create(b, loc, half, onePlus);
  }
  case Activation::relu:
    return arith::MaximumFOp::create(b, loc, x, f32Const(b, loc, 0.0));
  case Activation::relu2: {
    Value r = arith::MaximumFOp::create(b, loc, x, f32Const(b, loc, 0.0));
    return arith::MulFOp::create(b, loc, r, r);
  }
  case Activation::swiglu_oai:
  case Activation::swiglu_softcap:
    break;
  }
  llvm_unreachable("not an ungated activation");
}

Value lowering::gatedActivation(OpBuilder &b, Location loc,
                                const ActivationParams &params, Value g,
                                Value u) {
  Value limit, negLimit;
  if (params.limit) {
    limit = f32Const(b, loc, *params.limit);
    negLimit = f32Const(b, loc, -*params.limit);
    // up = clamp(u, -limit, limit)
    Value atLeast = arith::MaximumFOp::create(b, loc, u, negLimit);
    u = arith::MinimumFOp::create(b, loc, atLeast, limit);
    // gate = min(g, limit), unless the activated gate is clamped.
    if (!params.limitAfterAct)
      g = arith::MinimumFOp::create(b, loc, g, limit);
  }
  if (params.act == Activation::swiglu_oai) {
    // (u + 1) · g · sigmoid(alpha · g)
    Value scaled =
        arith::MulFOp::create(b, loc, g, f32Const(b, loc, params.alpha));
    Value glu = arith::MulFOp::create(b, loc, g, sigmoid(b, loc, scaled));
    Value upPlusOne = arith::AddFOp::create(b, loc, u, f32Const(b, loc, 1.0));
    return arith::MulFOp::create(b, loc, upPlusOne, glu);
  }
  if (params.act == Activation::swiglu_softcap) {
    // c_g tanh(g / c_g) · sigmoid(g) · c_u tanh(u / c_u): the sigmoid sees
    // the raw gate.
    Value cappedGate = softcap(b, loc, g, params.gateSoftcap);
    Value glu = arith::MulFOp::create(b, loc, cappedGate, sigmoid(b, loc, g));
    Value cappedUp = softcap(b, loc, u, params.upSoftcap);
    return arith::MulFOp::create(b, loc, glu, cappedUp);
  }
  Value h = activation(b, loc, params.act, g);
  if (params.limit && params.limitAfterAct)
    h = arith::MinimumFOp::create(b, loc, h, limit);
  return arith::MulFOp::create(b, loc, h, u);
}

Value lowering::groupRow(OpBuilder &b, Location loc, Value bias, Value group) {
  auto type = cast<RankedTensorType>(bias.getType());
  auto rowType =
      RankedTensorType::get(type.getShape().drop_front(), type.getElementType());
  SmallVector<OpFoldResult> offsets = {group, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                     tensor::getMixedSize(b, loc, bias, 1)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, rowType, bias, offsets, sizes,
                                        strides);
}

Value lowering::zeroAccumulator(OpBuilder &b, Location loc, Value rows,
                                Value cols, int64_t colDim) {
  auto rowsType = cast<RankedTensorType>(rows.getType());
  auto colsType = cast<RankedTensorType>(cols.getType());
  SmallVector<Value> dyn;
  if (rowsType.isDynamicDim(0))
    dyn.push_back(tensor::DimOp::create(b, loc, rows, 0));
  if (colsType.isDynamicDim(colDim))
    dyn.push_back(tensor::DimOp::create(b, loc, cols, colDim));
  return zeros(b, loc, {rowsType.getDimSize(0), colsType.getDimSize(colDim)},
               b.getF32Type(), dyn);
}

Value lowering::finish(OpBuilder &b, Location loc, Value acc, Type resultType) {
  auto type = cast<RankedTensorType>(resultType);
  return castTo(b, loc, convertTensor(b, loc, acc, type.getElementType()),
                resultType);
}

Value lowering::scatterAddRows(OpBuilder &b, Location loc, Value rows,
                               Value rowTokens, Value rowWeights, Value first,
                               Value acc) {
  Value numTokens = dimSize(b, loc, acc, 0);
  Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, c0, dimSize(b, loc, rows, 0), c1, ValueRange{acc},
      [&](OpBuilder &nb, Location nl, Value i, ValueRange args) {
        // Row i of `rows` is row first + i of the tokens and weights.
        Value r =
            first ? arith::AddIOp::create(nb, nl, first, i).getResult() : i;
        Value token = arith::IndexCastOp::create(
            nb, nl, nb.getIndexType(),
            tensor::ExtractOp::create(nb, nl, rowTokens, r));
        Value nonNegative =
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge, token, c0);
        Value belowEnd = arith::CmpIOp::create(
            nb, nl, arith::CmpIPredicate::slt, token, numTokens);
        Value inRange = arith::AndIOp::create(nb, nl, nonNegative, belowEnd);
        SmallVector<Value> updated = ifThen(
            nb, nl, inRange, args,
            [&](OpBuilder &tb, Location tl) -> SmallVector<Value> {
              Value w = tensor::ExtractOp::create(tb, tl, rowWeights, r);
              Value current = rowOf(tb, tl, args[0], token);
              auto rowMap = tb.getMultiDimIdentityMap(1);
              Value sum = elementwise(
                  tb, tl, rowOf(tb, tl, rows, i), rowMap, current,
                  [&](OpBuilder &eb, Location el,
                      ValueRange vals) -> SmallVector<Value> {
                    Value v = convertFloat(eb, el, vals[0], eb.getF32Type());
                    Value scaled = arith::MulFOp::create(eb, el, w, v);
                    return {arith::AddFOp::create(eb, el, vals[1], scaled)};
                  });
              return {insertRow(tb, tl, sum, args[0], token)};
            });
        scf::YieldOp::create(nb, nl, updated);
      });
  return loop.getResult(0);
}

Value lowering::rmsNormRows(OpBuilder &b, Location loc, Value x, Value weight,
                            double eps) {
  auto type = cast<RankedTensorType>(x.getType());
  Type element = type.getElementType();
  Type compute = cast<FloatType>(element).getWidth() > 32
                     ? element
                     : Type(b.getF32Type());
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  AffineMap all = AffineMap::get(2, 0, {d0, d1}, ctx);
  AffineMap row = AffineMap::get(2, 0, {d0}, ctx);
  AffineMap col = AffineMap::get(2, 0, {d1}, ctx);
  // The sum of squares of every row, in the compute type.
  SmallVector<Value> rowDyn;
  if (type.isDynamicDim(0))
    rowDyn.push_back(tensor::DimOp::create(b, loc, x, 0));
  Value zero =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(compute, 0.0));
  Value sumInit =
      tensor::EmptyOp::create(b, loc, {type.getDimSize(0)}, compute, rowDyn);
  Value sumZero =
      linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{sumInit})
          .getResult(0);
  Value sums =
      generic(b, loc, x, sumZero, {all, row},
              {utils::IteratorType::parallel, utils::IteratorType::reduction},
              [&](OpBuilder &nb, Location nl,
                  ValueRange args) -> SmallVector<Value> {
                Value v = convertFloat(nb, nl, args[0], compute);
                Value sq = arith::MulFOp::create(nb, nl, v, v);
                return {arith::AddFOp::create(nb, nl, args[1], sq)};
              })
          .front();
  // D as a float of the compute type.
  Value cols = dimSize(b, loc, x, 1);
  Value colsI64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), cols);
  Value colsF = arith::SIToFPOp::create(b, loc, compute, colsI64);
  Value epsV = arith::ConstantOp::create(b, loc, b.getFloatAttr(compute, eps));
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), compute,
                                       dynamicSizes(b, loc, x));
  return elementwise(
      b, loc, ValueRange{x, sums, weight}, {all, row, col}, init,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
        Value v = convertFloat(nb, nl, args[0], compute);
        Value mean = arith::DivFOp::create(nb, nl, args[1], colsF);
        Value shifted = arith::AddFOp::create(nb, nl, mean, epsV);
        Value inv = math::RsqrtOp::create(nb, nl, shifted);
        Value w = convertFloat(nb, nl, args[2], compute);
        Value normed = arith::MulFOp::create(nb, nl, v, inv);
        return {arith::MulFOp::create(nb, nl, normed, w)};
      });
}
