//===- Decompose.cpp - moe.layer to route/dispatch/experts/combine --------===//
//
// Rewrites moe.layer into the step ops. The router matmul and the shared
// expert's sigmoid gate become linalg; the shared expert itself is a
// single-expert moe.experts over all tokens, so its FFN has one definition.
// With weights_on_input, a linalg.generic scales the dispatched rows by
// their weights and moe.combine sums the expert outputs with unit weights.
// Identity experts are routed but not dispatched (moe.dispatch drops their
// indices); a linalg.generic adds each token times their weights to the
// accumulator.
// Stacked shared experts, weighted by the router's last rows, are a second
// moe.dispatch / moe.experts / moe.combine whose result the routed
// moe.combine accumulates into.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/Transforms/Passes.h"
#include "moe/Dialect/MoE/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace moe {
#define GEN_PASS_DEF_MOEDECOMPOSE
#include "moe/Dialect/MoE/Transforms/Passes.h.inc"
} // namespace moe
} // namespace mlir

using namespace mlir;
using namespace mlir::moe;

namespace {

/// Converts the float `v` to the float type `to` (extf, truncf or nothing).
Value castFloat(OpBuilder &b, Location loc, Value v, Type to) {
  auto from = cast<FloatType>(v.getType());
  auto target = cast<FloatType>(to);
  if (from == target)
    return v;
  if (from.getWidth() < target.getWidth())
    return arith::ExtFOp::create(b, loc, target, v);
  return arith::TruncFOp::create(b, loc, target, v);
}

/// Inserts a leading unit dimension: [A, ...] -> [1, A, ...]; a null value
/// stays null.
Value expandLeading(OpBuilder &b, Location loc, Value v) {
  if (!v)
    return v;
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape = {1};
  llvm::append_range(shape, type.getShape());
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  SmallVector<ReassociationIndices> reassoc = {{0, 1}};
  for (int64_t i = 2, e = static_cast<int64_t>(shape.size()); i < e; ++i)
    reassoc.push_back({i});
  return tensor::ExpandShapeOp::create(b, loc, resultType, v, reassoc);
}

/// `fn(a[i], c[i])` elementwise over tensors of `a`'s shape (`c` may be
/// null: `fn` then gets `a[i]` twice), computed in f32 (in `a`'s element
/// type when that is wider) and rounded to `a`'s element type.
Value mapElements(OpBuilder &b, Location loc, Value a, Value c,
                  function_ref<Value(OpBuilder &, Location, Value, Value)> fn) {
  auto type = cast<RankedTensorType>(a.getType());
  MLIRContext *ctx = b.getContext();
  SmallVector<Value> ins = {a};
  if (c)
    ins.push_back(c);
  SmallVector<AffineMap> maps(
      ins.size() + 1, AffineMap::getMultiDimIdentityMap(type.getRank(), ctx));
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType(),
                                       dynamicSizes(b, loc, a));
  auto map = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ins, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Type outType = args.back().getType();
        Type computeType = cast<FloatType>(outType).getWidth() > 32
                               ? outType
                               : Type(nb.getF32Type());
        Value lhs = castFloat(nb, nl, args[0], computeType);
        Value rhs = c ? castFloat(nb, nl, args[1], computeType) : lhs;
        Value r = fn(nb, nl, lhs, rhs);
        linalg::YieldOp::create(nb, nl, castFloat(nb, nl, r, outType));
      });
  return map.getResult(0);
}

/// `lhs · wᵀ` accumulated in f32 and rounded to `lhs`'s element type.
Value projectRows(OpBuilder &b, Location loc, Value lhs, Value w) {
  Type elementType = cast<RankedTensorType>(lhs.getType()).getElementType();
  Value product = matmulTransposeB(b, loc, lhs, w, b.getF32Type());
  if (elementType == b.getF32Type())
    return product;
  auto type = cast<RankedTensorType>(product.getType());
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), elementType,
                                       dynamicSizes(b, loc, product));
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps(2, AffineMap::getMultiDimIdentityMap(2, ctx));
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  auto rounded = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{product}, ValueRange{init},
      maps, iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl,
                                castFloat(nb, nl, args[0], elementType));
      });
  return rounded.getResult(0);
}

/// The i32 tensor [0, T] grouping all T tokens into one group.
Value singleGroupOffsets(OpBuilder &b, Location loc, Value x) {
  Value t = tensor::DimOp::create(b, loc, x, 0);
  Value tI32 = arith::IndexCastOp::create(b, loc, b.getI32Type(), t);
  Value zero = arith::ConstantIntOp::create(b, loc, 0, 32);
  return tensor::FromElementsOp::create(b, loc, ValueRange{zero, tI32});
}

/// `m + v` with `m: [R, C]` and the row `v: [C]` added to every row of `m`,
/// in f32 (or in `m`'s element type when that is wider), rounded to `m`'s
/// element type.
Value addRowBias(OpBuilder &b, Location loc, Value m, Value v) {
  auto type = cast<RankedTensorType>(m.getType());
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  SmallVector<AffineMap> maps = {AffineMap::get(2, 0, {d0, d1}, ctx),
                                 AffineMap::get(2, 0, {d1}, ctx),
                                 AffineMap::get(2, 0, {d0, d1}, ctx)};
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType(),
                                       dynamicSizes(b, loc, m));
  auto add = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{m, v}, ValueRange{init}, maps,
      iterators, [](OpBuilder &nb, Location nl, ValueRange args) {
        Type outType = args[2].getType();
        Type computeType = cast<FloatType>(outType).getWidth() > 32
                               ? outType
                               : Type(nb.getF32Type());
        Value lhs = castFloat(nb, nl, args[0], computeType);
        Value rhs = castFloat(nb, nl, args[1], computeType);
        Value sum = arith::AddFOp::create(nb, nl, lhs, rhs);
        linalg::YieldOp::create(nb, nl, castFloat(nb, nl, sum, outType));
      });
  return add.getResult(0);
}

/// 1 / (1 + exp(-l)) of the f32 scalar `l`.
Value scalarSigmoid(OpBuilder &b, Location loc, Value l) {
  Value one = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1));
  Value neg = arith::NegFOp::create(b, loc, l);
  Value e = math::ExpOp::create(b, loc, neg);
  Value denom = arith::AddFOp::create(b, loc, one, e);
  return arith::DivFOp::create(b, loc, one, denom);
}

/// `x` RMS-normalized with `weight` and the layer's rms_norm_eps, or `x`
/// itself when the layer has no such norm (`weight` null).
Value rmsNormOf(OpBuilder &b, LayerOp layer, Value x, Value weight) {
  if (!weight)
    return x;
  return RmsNormOp::create(b, layer.getLoc(), x.getType(), x, weight,
                           layer.getRmsNormEpsAttr());
}

/// The shared expert: a one-expert moe.experts over every token, scaled by
/// sigmoid(x · shared_gateᵀ) when the layer has that gate; with
/// shared_norm, its output rows are RMS-normalized (before the gate).
Value buildSharedExpert(OpBuilder &b, LayerOp layer) {
  Location loc = layer.getLoc();
  Value x = layer.getX();
  // One statement per value: the IR order does not depend on the order in
  // which a compiler evaluates call arguments.
  Value offsets = singleGroupOffsets(b, loc, x);
  Value w1 = expandLeading(b, loc, layer.getSharedW1());
  Value w3 = layer.getSharedW3() ? expandLeading(b, loc, layer.getSharedW3())
                                 : Value();
  Value w2 = expandLeading(b, loc, layer.getSharedW2());
  Value norm = layer.getSharedNorm()
                   ? expandLeading(b, loc, layer.getSharedNorm())
                   : Value();
  FloatAttr eps = norm ? layer.getRmsNormEpsAttr() : FloatAttr();
  // The shared expert has the layer's activation, alpha and soft caps, and
  // its own limit.
  FloatAttr limit = layer.getSharedLimitAttr();
  UnitAttr limitAfterAct = limit ? layer.getLimitAfterActAttr() : UnitAttr();
  Value b1 = expandLeading(b, loc, layer.getSharedB1());
  Value b3 = expandLeading(b, loc, layer.getSharedB3());
  Value b2 = expandLeading(b, loc, layer.getSharedB2());
  Value out = ExpertsOp::create(b, loc, x.getType(), x, offsets, w1, w3, w2,
                                b1, b3, b2, layer.getActivationAttr(),
                                layer.getAlphaAttr(), limit, limitAfterAct,
                                norm, eps, layer.getGateSoftcapAttr(),
                                layer.getUpSoftcapAttr());
  if (!layer.getSharedGate())
    return out;

  // out[t, d] *= sigmoid(g[t, 0]) with g = x · shared_gateᵀ in f32.
  Value g = matmulTransposeB(b, loc, x, layer.getSharedGate(), b.getF32Type());
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  SmallVector<AffineMap> maps = {
      AffineMap::get(2, 0, {d0, d1}, ctx),
      AffineMap::get(2, 0, {d0, b.getAffineConstantExpr(0)}, ctx),
      AffineMap::get(2, 0, {d0, d1}, ctx)};
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  auto gated = linalg::GenericOp::create(
      b, loc, TypeRange{out.getType()}, ValueRange{out, g}, ValueRange{out},
      maps, iterators, [](OpBuilder &nb, Location nl, ValueRange args) {
        // The product is formed in f32, or in the output type when that is
        // wider (f64).
        Type outType = args[0].getType();
        Type f32 = nb.getF32Type();
        Type computeType =
            cast<FloatType>(outType).getWidth() > 32 ? outType : f32;
        Value gate =
            castFloat(nb, nl, scalarSigmoid(nb, nl, args[1]), computeType);
        Value v = castFloat(nb, nl, args[0], computeType);
        Value r = arith::MulFOp::create(nb, nl, v, gate);
        linalg::YieldOp::create(nb, nl, castFloat(nb, nl, r, outType));
      });
  return gated.getResult(0);
}

/// rows[r] · weights[r] for `rows: [N, D]` and f32 `weights: [N]`: the
/// product is formed in f32 (in the rows' type when that is wider) and
/// rounded to the rows' type. Scales each dispatched row by its routing
/// weight before the experts (weights_on_input).
Value scaleRows(OpBuilder &b, Location loc, Value rows, Value weights) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  SmallVector<AffineMap> maps = {AffineMap::get(2, 0, {d0, d1}, ctx),
                                 AffineMap::get(2, 0, {d0}, ctx),
                                 AffineMap::get(2, 0, {d0, d1}, ctx)};
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  auto scaled = linalg::GenericOp::create(
      b, loc, TypeRange{rows.getType()}, ValueRange{rows, weights},
      ValueRange{rows}, maps, iterators,
      [](OpBuilder &nb, Location nl, ValueRange args) {
        Type outType = args[0].getType();
        Type f32 = nb.getF32Type();
        Type computeType =
            cast<FloatType>(outType).getWidth() > 32 ? outType : f32;
        Value v = castFloat(nb, nl, args[0], computeType);
        Value w = castFloat(nb, nl, args[1], computeType);
        Value r = arith::MulFOp::create(nb, nl, v, w);
        linalg::YieldOp::create(nb, nl, castFloat(nb, nl, r, outType));
      });
  return scaled.getResult(0);
}

/// weights[t, j] · scale[idx[t, j]] (or · scale[0] when `scale` is [1]) for
/// the f32 routing `weights` and i32 `indices` `[T, k]`: the layer's
/// expert_scale, in f32.
Value scaleByExpert(OpBuilder &b, Location loc, Value weights, Value indices,
                    Value scale) {
  auto scaleType = cast<RankedTensorType>(scale.getType());
  bool single = scaleType.getDimSize(0) == 1;
  SmallVector<AffineMap> maps(3, b.getMultiDimIdentityMap(2));
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  auto scaled = linalg::GenericOp::create(
      b, loc, TypeRange{weights.getType()}, ValueRange{weights, indices},
      ValueRange{weights}, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value at =
            single
                ? Value(arith::ConstantIndexOp::create(nb, nl, 0))
                : Value(arith::IndexCastOp::create(nb, nl, nb.getIndexType(),
                                                   args[1]));
        Value s = tensor::ExtractOp::create(nb, nl, scale, ValueRange{at});
        Value r = arith::MulFOp::create(nb, nl, args[0], s);
        linalg::YieldOp::create(nb, nl, r);
      });
  return scaled.getResult(0);
}

/// Expert-choice dispatch: rows[e·C + c] = x[token_ids[e, c]] (zero for
/// token id -1), offsets [0, C, .., E·C]; returns rows, offsets, and the
/// flattened token ids and weights.
std::tuple<Value, Value, Value, Value>
buildExpertChoiceDispatch(OpBuilder &b, Location loc, Value x, Value tokenIds,
                          Value weights) {
  auto idsType = cast<RankedTensorType>(tokenIds.getType());
  int64_t e = idsType.getDimSize(0), c = idsType.getDimSize(1);
  SmallVector<ReassociationIndices> flat = {{0, 1}};
  Value rowTokens = tensor::CollapseShapeOp::create(b, loc, tokenIds, flat);
  Value rowWeights = tensor::CollapseShapeOp::create(b, loc, weights, flat);

  auto xType = cast<RankedTensorType>(x.getType());
  Type elementType = xType.getElementType();
  auto rowsType =
      RankedTensorType::get({e * c, xType.getDimSize(1)}, elementType);
  SmallVector<Value> dynD;
  if (xType.isDynamicDim(1))
    dynD.push_back(tensor::DimOp::create(b, loc, x, 1));
  Value init =
      tensor::EmptyOp::create(b, loc, rowsType.getShape(), elementType, dynD);
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  SmallVector<AffineMap> maps = {AffineMap::get(2, 0, {d0}, ctx),
                                 AffineMap::get(2, 0, {d0, d1}, ctx)};
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  auto gather = linalg::GenericOp::create(
      b, loc, TypeRange{rowsType}, ValueRange{rowTokens}, ValueRange{init},
      maps, iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value token = args[0];
        Value zeroI32 = arith::ConstantIntOp::create(nb, nl, 0, 32);
        Value valid = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge,
                                            token, zeroI32);
        Value safe = arith::SelectOp::create(nb, nl, valid, token, zeroI32);
        Value row = arith::IndexCastOp::create(nb, nl, nb.getIndexType(), safe);
        Value col = linalg::IndexOp::create(nb, nl, 1);
        Value v = tensor::ExtractOp::create(nb, nl, x, ValueRange{row, col});
        Value zero =
            arith::ConstantOp::create(nb, nl, nb.getZeroAttr(elementType));
        linalg::YieldOp::create(
            nb, nl, {arith::SelectOp::create(nb, nl, valid, v, zero)});
      });

  SmallVector<int32_t> bounds;
  for (int64_t i = 0; i <= e; ++i)
    bounds.push_back(static_cast<int32_t>(i * c));
  auto offsetsType = RankedTensorType::get({e + 1}, b.getI32Type());
  Value offsets = arith::ConstantOp::create(
      b, loc, DenseIntElementsAttr::get(offsetsType, ArrayRef(bounds)));
  return {gather.getResult(0), offsets, rowTokens, rowWeights};
}

/// acc[t] + x[t] · Σ_j {weights[t, j] : indices[t, j] >= e}: the identity
/// experts' share (the indices past the `e` routed experts). The sum and the
/// product are formed in f32 (in acc's type when that is wider) and rounded
/// to acc's type.
Value addIdentityExperts(OpBuilder &b, Location loc, Value acc, Value x,
                         Value weights, Value indices, int64_t e) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  auto idType = cast<RankedTensorType>(indices.getType());
  Value sumInit = zeros(b, loc, {idType.getDimSize(0)}, b.getF32Type(),
                        dynamicSizes(b, loc, indices));
  SmallVector<AffineMap> sumMaps = {AffineMap::get(2, 0, {d0, d1}, ctx),
                                    AffineMap::get(2, 0, {d0, d1}, ctx),
                                    AffineMap::get(2, 0, {d0}, ctx)};
  SmallVector<utils::IteratorType> sumIterators = {
      utils::IteratorType::parallel, utils::IteratorType::reduction};
  auto sum = linalg::GenericOp::create(
      b, loc, TypeRange{sumInit.getType()}, ValueRange{weights, indices},
      ValueRange{sumInit}, sumMaps, sumIterators,
      [e](OpBuilder &nb, Location nl, ValueRange args) {
        Value routed = arith::ConstantIntOp::create(nb, nl, e, 32);
        Value isIdentity = arith::CmpIOp::create(
            nb, nl, arith::CmpIPredicate::sge, args[1], routed);
        Value zero = arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(0));
        Value w = arith::SelectOp::create(nb, nl, isIdentity, args[0], zero);
        linalg::YieldOp::create(nb, nl,
                                {arith::AddFOp::create(nb, nl, args[2], w)});
      });
  auto accType = cast<RankedTensorType>(acc.getType());
  SmallVector<AffineMap> maps = {AffineMap::get(2, 0, {d0, d1}, ctx),
                                 AffineMap::get(2, 0, {d0}, ctx),
                                 AffineMap::get(2, 0, {d0, d1}, ctx)};
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  auto added = linalg::GenericOp::create(
      b, loc, TypeRange{accType}, ValueRange{x, sum.getResult(0)},
      ValueRange{acc}, maps, iterators,
      [](OpBuilder &nb, Location nl, ValueRange args) {
        Type outType = args[2].getType();
        Type computeType = cast<FloatType>(outType).getWidth() > 32
                               ? outType
                               : Type(nb.getF32Type());
        Value v = castFloat(nb, nl, args[0], computeType);
        Value w = castFloat(nb, nl, args[1], computeType);
        Value a = castFloat(nb, nl, args[2], computeType);
        Value product = arith::MulFOp::create(nb, nl, v, w);
        Value total = arith::AddFOp::create(nb, nl, a, product);
        linalg::YieldOp::create(nb, nl, castFloat(nb, nl, total, outType));
      });
  return added.getResult(0);
}

/// moe.dispatch of the tokens `x` [T, D] to `numExperts` experts by
/// `indices` [T, j] with their `weights` [T, j], under the capacity plan
/// `policy`, `factor`, `capacity`.
DispatchOp buildDispatch(OpBuilder &b, Location loc, Value x, Value indices,
                         Value weights, int64_t numExperts,
                         DropPolicyAttr policy, FloatAttr factor,
                         IntegerAttr capacity) {
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t t = xType.getDimSize(0);
  int64_t j = cast<RankedTensorType>(indices.getType()).getDimSize(1);
  int64_t n = ShapedType::isDynamic(t) ? ShapedType::kDynamic : t * j;
  Type i32 = b.getI32Type();
  auto rowsType =
      RankedTensorType::get({n, xType.getDimSize(1)}, xType.getElementType());
  auto offsetsType = RankedTensorType::get({numExperts + 1}, i32);
  auto tokensType = RankedTensorType::get({n}, i32);
  auto weightsType = RankedTensorType::get({n}, b.getF32Type());
  return DispatchOp::create(b, loc, rowsType, offsetsType, tokensType,
                            weightsType, x, indices, weights,
                            b.getI64IntegerAttr(numExperts), policy, factor,
                            capacity);
}

/// Columns [offset, offset + size) of the matrix `m` [T, C].
Value sliceColumns(OpBuilder &b, Location loc, Value m, int64_t offset,
                   int64_t size) {
  auto type = cast<RankedTensorType>(m.getType());
  auto resultType =
      RankedTensorType::get({type.getDimSize(0), size}, type.getElementType());
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0),
                                       b.getIndexAttr(offset)};
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, m, 0),
                                     b.getIndexAttr(size)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, resultType, m, offsets, sizes,
                                        strides);
}

/// A linalg.generic over the [T, C] iteration space of `init` with the
/// given inputs and maps (the init's map, the identity, comes last).
Value generic2d(OpBuilder &b, Location loc, ValueRange inputs,
                ArrayRef<AffineMap> inputMaps, Value init, bool reduceColumns,
                function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(reduceColumns ? AffineMap::get(2, 0, {d0}, ctx)
                               : AffineMap::get(2, 0, {d0, d1}, ctx));
  SmallVector<utils::IteratorType> iterators = {
      utils::IteratorType::parallel, reduceColumns
                                         ? utils::IteratorType::reduction
                                         : utils::IteratorType::parallel};
  auto op = linalg::GenericOp::create(b, loc, TypeRange{init.getType()},
                                      inputs, ValueRange{init}, maps,
                                      iterators, body);
  return op.getResult(0);
}

/// The f32 weights of the k routed and the S stacked shared experts of a
/// layer (docs/Spec.md#moelayer): the sigmoid of the selected routed logits
/// `routedLogits[t, indices[t, j]]` and of `sharedLogits` [T, S], divided by
/// their joint sum (plus norm_eps) when the routing normalizes, times its
/// scaling. Returns ([T, k], [T, S]).
std::pair<Value, Value> buildStackedWeights(OpBuilder &b, Location loc,
                                            RoutingAttr routing,
                                            Value routedLogits, Value indices,
                                            Value sharedLogits) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  AffineMap id = AffineMap::get(2, 0, {d0, d1}, ctx);
  AffineMap row = AffineMap::get(2, 0, {d0}, ctx);
  auto emptyF32 = [&](Value like) -> Value {
    auto type = cast<RankedTensorType>(like.getType());
    return tensor::EmptyOp::create(b, loc, type.getShape(), f32,
                                   dynamicSizes(b, loc, like));
  };
  Value selectedInit = emptyF32(indices);
  Value selected = generic2d(
      b, loc, ValueRange{indices}, {id}, selectedInit, /*reduceColumns=*/false,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value t = linalg::IndexOp::create(nb, nl, 0);
        Value e = arith::IndexCastOp::create(nb, nl, nb.getIndexType(),
                                             args[0]);
        Value l =
            tensor::ExtractOp::create(nb, nl, routedLogits, ValueRange{t, e});
        linalg::YieldOp::create(nb, nl, scalarSigmoid(nb, nl, l));
      });
  Value sharedInit = emptyF32(sharedLogits);
  Value shared = generic2d(
      b, loc, ValueRange{sharedLogits}, {id}, sharedInit,
      /*reduceColumns=*/false, [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, scalarSigmoid(nb, nl, args[0]));
      });
  bool normalize = routing.isNormalized();
  double scaling = routing.getScalingValue();
  if (!normalize && scaling == 1.0)
    return {selected, shared};

  // sum[t] = Σ_j selected[t, j] + Σ_s shared[t, s]
  Value sum;
  if (normalize) {
    auto indicesType = cast<RankedTensorType>(indices.getType());
    SmallVector<Value> dynT;
    if (indicesType.isDynamicDim(0))
      dynT.push_back(tensor::DimOp::create(b, loc, indices, 0));
    sum = zeros(b, loc, {indicesType.getDimSize(0)}, f32, dynT);
    for (Value part : {selected, shared})
      sum = generic2d(b, loc, ValueRange{part}, {id}, sum,
                      /*reduceColumns=*/true,
                      [](OpBuilder &nb, Location nl, ValueRange args) {
                        Value r = arith::AddFOp::create(nb, nl, args[0],
                                                        args[1]);
                        linalg::YieldOp::create(nb, nl, r);
                      });
  }
  double eps = routing.getNormEpsValue();
  auto finish = [&](Value part) {
    SmallVector<Value> inputs = {part};
    SmallVector<AffineMap> maps = {id};
    if (normalize) {
      inputs.push_back(sum);
      maps.push_back(row);
    }
    Value init = emptyF32(part);
    return generic2d(
        b, loc, inputs, maps, init, /*reduceColumns=*/false,
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value w = args[0];
          if (normalize) {
            Value epsV =
                arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(eps));
            Value denom = arith::AddFOp::create(nb, nl, args[1], epsV);
            w = arith::DivFOp::create(nb, nl, w, denom);
          }
          if (scaling != 1.0) {
            Value factor =
                arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(scaling));
            w = arith::MulFOp::create(nb, nl, w, factor);
          }
          linalg::YieldOp::create(nb, nl, w);
        });
  };
  Value selectedWeights = finish(selected);
  Value sharedWeights = finish(shared);
  return {selectedWeights, sharedWeights};
}

/// The stacked shared experts of `layer` added to `acc`: every token is
/// dispatched to each of the S experts with its weight `sharedWeights`
/// [T, S] (times the layer's expert_scale), which moe.experts (shared_w1,
/// shared_w3, shared_w2) and moe.combine compute like the routed experts.
Value buildStackedShared(OpBuilder &b, LayerOp layer, Value sharedWeights,
                         Value acc) {
  Location loc = layer.getLoc();
  Value x = layer.getX();
  int64_t s = layer.getNumStackedShared();
  // indices[t, j] = j: each token goes to every shared expert.
  auto weightsType = cast<RankedTensorType>(sharedWeights.getType());
  Value indicesInit = tensor::EmptyOp::create(
      b, loc, weightsType.getShape(), b.getI32Type(),
      dynamicSizes(b, loc, sharedWeights));
  Value indices = generic2d(
      b, loc, ValueRange{}, {}, indicesInit, /*reduceColumns=*/false,
      [](OpBuilder &nb, Location nl, ValueRange) {
        Value j = linalg::IndexOp::create(nb, nl, 1);
        Value jI32 =
            arith::IndexCastOp::create(nb, nl, nb.getI32Type(), j);
        linalg::YieldOp::create(nb, nl, jI32);
      });
  // A single expert_scale (layer_c5) scales the shared weights too.
  if (Value scale = layer.getExpertScale())
    sharedWeights = scaleByExpert(b, loc, sharedWeights, indices, scale);
  auto dropless = DropPolicyAttr::get(b.getContext(), DropPolicy::none);
  DispatchOp dispatch = buildDispatch(b, loc, x, indices, sharedWeights, s,
                                      dropless, FloatAttr(), IntegerAttr());
  // The shared experts have the layer's activation, alpha and soft caps,
  // and their own limit.
  FloatAttr limit = layer.getSharedLimitAttr();
  UnitAttr limitAfterAct = limit ? layer.getLimitAfterActAttr() : UnitAttr();
  Value rows = dispatch.getRows();
  Value out = ExpertsOp::create(
      b, loc, rows.getType(), rows, dispatch.getOffsets(),
      layer.getSharedW1(), layer.getSharedW3(), layer.getSharedW2(), Value(),
      Value(), Value(), layer.getActivationAttr(), layer.getAlphaAttr(), limit,
      limitAfterAct, /*out_norm=*/Value(), /*rms_norm_eps=*/FloatAttr(),
      layer.getGateSoftcapAttr(), layer.getUpSoftcapAttr());
  return CombineOp::create(b, loc, acc.getType(), out, dispatch.getRowTokens(),
                           dispatch.getRowWeights(), acc);
}

void decompose(IRRewriter &rewriter, LayerOp layer) {
  OpBuilder &b = rewriter;
  b.setInsertionPoint(layer);
  Location loc = layer.getLoc();
  Value x = layer.getX();
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t t = xType.getDimSize(0);
  // The routed experts; the router's last identity_experts rows are the
  // identity experts, whose indices moe.dispatch drops, and its last
  // `stacked` rows weight the stacked shared experts.
  int64_t stacked = layer.getNumStackedShared();
  int64_t e = layer.getNumRoutedExperts();
  Value routeWeights, routeIndices;

  Value routerInput = rmsNormOf(b, layer, x, layer.getRouterNorm());
  Value logits =
      matmulTransposeB(b, loc, routerInput, layer.getRouter(), b.getF32Type());
  // The routed experts read the tokens through pre_norm.
  Value expertInput = rmsNormOf(b, layer, x, layer.getPreNorm());
  if (Value routerBias = layer.getRouterBias())
    logits = addRowBias(b, loc, logits, routerBias);
  // The rows the routed experts read: the tokens through pre_norm, then in
  // the latent space when there is one.
  Value xe = expertInput;
  if (layer.getLatentIn()) {
    xe = projectRows(b, loc, expertInput, layer.getLatentIn());
    if (Value bias = layer.getLatentInBias())
      xe = addRowBias(b, loc, xe, bias);
  }
  auto xeType = cast<RankedTensorType>(xe.getType());
  Value sharedLogits, sharedWeights;
  if (stacked) {
    sharedLogits = sliceColumns(b, loc, logits, e, stacked);
    logits = sliceColumns(b, loc, logits, 0, e);
  }

  Value rows, offsets, rowTokens, rowWeights;
  bool weightsOnInput = false;
  if (RoutingAttr routing = layer.getTokenChoice()) {
    int64_t k = routing.getK();
    auto f32 = b.getF32Type();
    weightsOnInput = routing.isWeightsOnInput();
    // moe.route computes the weights; where they apply is the layer's.
    RoutingAttr routeAttr =
        routing.getWeightsOnInput() ? routing.withoutWeightsOnInput() : routing;
    auto route = RouteOp::create(b, loc, RankedTensorType::get({t, k}, f32),
                                 RankedTensorType::get({t, k}, b.getI32Type()),
                                 logits, layer.getBias(), routeAttr);
    // moe.route selects the routed experts; with stacked shared experts
    // their weights are renormalized together with the shared ones.
    Value weights = route.getWeights();
    if (stacked)
      std::tie(weights, sharedWeights) = buildStackedWeights(
          b, loc, routing, logits, route.getIndices(), sharedLogits);
    if (Value scale = layer.getExpertScale())
      weights = scaleByExpert(b, loc, weights, route.getIndices(), scale);
    DispatchOp dispatch = buildDispatch(
        b, loc, xe, route.getIndices(), weights, e, layer.getDropPolicyAttr(),
        layer.getCapacityFactorAttr(), layer.getCapacityAttr());
    routeWeights = weights;
    routeIndices = route.getIndices();
    rows = dispatch.getRows();
    offsets = dispatch.getOffsets();
    rowTokens = dispatch.getRowTokens();
    rowWeights = dispatch.getRowWeights();
  } else {
    int64_t c = layer.getExpertChoice().getCapacity();
    auto route = RouteExpertChoiceOp::create(
        b, loc, RankedTensorType::get({e, c}, b.getI32Type()),
        RankedTensorType::get({e, c}, b.getF32Type()), logits,
        b.getI64IntegerAttr(c));
    std::tie(rows, offsets, rowTokens, rowWeights) = buildExpertChoiceDispatch(
        b, loc, xe, route.getTokenIds(), route.getWeights());
  }

  if (weightsOnInput) {
    // Each row enters its expert scaled by its weight; the expert outputs
    // are then summed unweighted (rows without a token are skipped by
    // moe.combine whatever their weight).
    rows = scaleRows(b, loc, rows, rowWeights);
    auto weightsType = cast<RankedTensorType>(rowWeights.getType());
    rowWeights = filled(b, loc, weightsType.getShape(), b.getF32FloatAttr(1.0),
                        dynamicSizes(b, loc, rowWeights));
  }

  UnitAttr limitAfterAct =
      layer.getLimitAttr() ? layer.getLimitAfterActAttr() : UnitAttr();
  Value expertOut = ExpertsOp::create(
      b, loc, rows.getType(), rows, offsets, layer.getW1(), layer.getW3(),
      layer.getW2(), layer.getB1(), layer.getB3(), layer.getB2(),
      layer.getActivationAttr(), layer.getAlphaAttr(), layer.getLimitAttr(),
      limitAfterAct, layer.getExpertNorm(),
      layer.getExpertNorm() ? layer.getRmsNormEpsAttr() : FloatAttr(),
      layer.getGateSoftcapAttr(), layer.getUpSoftcapAttr());

  Value acc = layer.hasSharedExpert() && !stacked
                  ? buildSharedExpert(b, layer)
                  : zeros(b, loc, xType.getShape(), xType.getElementType(),
                          dynamicSizes(b, loc, x));
  Value outputBias = layer.getOutputBias();
  FloatAttr outputScale = layer.getOutputScaleAttr();
  // Without a scale, the output bias is the combine's starting value too.
  if (outputBias && !outputScale)
    acc = addRowBias(b, loc, acc, outputBias);
  if (layer.getIdentityExperts() > 0)
    acc = addIdentityExperts(b, loc, acc, x, routeWeights, routeIndices, e);
  if (stacked)
    acc = buildStackedShared(b, layer, sharedWeights, acc);
  Value out;
  if (layer.getLatentIn()) {
    // The experts' outputs are combined in the latent space, then projected
    // back to D and added to the shared expert.
    Value latentAcc = zeros(b, loc, xeType.getShape(), xeType.getElementType(),
                            dynamicSizes(b, loc, xe));
    Value latent = CombineOp::create(b, loc, xeType, expertOut, rowTokens,
                                     rowWeights, latentAcc);
    Value routed = projectRows(b, loc, latent, layer.getLatentOut());
    if (Value bias = layer.getLatentOutBias())
      routed = addRowBias(b, loc, routed, bias);
    out = mapElements(b, loc, acc, routed,
                      [](OpBuilder &nb, Location nl, Value l, Value r) {
                        return arith::AddFOp::create(nb, nl, l, r);
                      });
  } else {
    out =
        CombineOp::create(b, loc, xType, expertOut, rowTokens, rowWeights, acc);
  }
  if (outputScale) {
    double scale = outputScale.getValueAsDouble();
    out = mapElements(b, loc, out, Value(),
                      [scale](OpBuilder &nb, Location nl, Value v, Value) {
                        Value c = arith::ConstantOp::create(
                            nb, nl, nb.getFloatAttr(v.getType(), scale));
                        return arith::MulFOp::create(nb, nl, v, c);
                      });
    if (outputBias)
      out = addRowBias(b, loc, out, outputBias);
  }
  out = rmsNormOf(b, layer, out, layer.getPostNorm());
  rewriter.replaceOp(layer, out);
}

struct MoEDecomposePass : public moe::impl::MoEDecomposeBase<MoEDecomposePass> {
  void runOnOperation() override {
    SmallVector<LayerOp> layers;
    getOperation()->walk([&](LayerOp layer) { layers.push_back(layer); });
    IRRewriter rewriter(&getContext());
    for (LayerOp layer : layers) {
      decompose(rewriter, layer);
      ++numLayers;
    }
  }
};

} // namespace
