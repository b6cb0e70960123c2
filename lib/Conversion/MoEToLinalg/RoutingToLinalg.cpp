//===- RoutingToLinalg.cpp - moe routing ops to linalg --------------------===//
//
// Lowers moe.route and moe.route_expert_choice to linalg/tensor/scf/arith/
// math on tensors. Exact semantics implemented here (docs/Spec.md#moeroute,
// #moeroute_expert_choice):
//
// moe.route, logits l: [T, E] of any float type, computed in f32:
//   0. logit_scale a: l = a * l; then softcap c: l = c * tanh(l / c).
//   1. Scores s[t, e]: softmax over E with max subtraction,
//        s = exp(l - max_e l) / sum_e exp(l - max_e l),
//      sigmoid, s = 1 / (1 + exp(-l)), or sqrt_softplus,
//        s = sqrt(max(l, 0) + log1p(exp(-|l|))).
//   2. Selection scores: sel = s + bias[e] when a bias is given, else s.
//   3. Group limit (num_groups = G > 0): experts split into G contiguous
//      groups of E/G. A group's score is the sum of its 2 largest selection
//      scores (top2sum) or its largest (max). The topk_groups best groups
//      (ties to the lower group index) are eligible; the experts of the
//      other groups are never selected, or, with group_fill, compete with
//      that selection score.
//   4. Top-k over the eligible experts by selection score, best first, ties
//      to the lower expert index. indices[t, j] is the j-th pick (i32).
//   5. weights[t, j] = s[t, indices[t, j]] (the UNBIASED score).
//   With order = topk_first, steps 1-5 are instead: indices = top-k of
//   l + bias[e] (l without a bias); weights = softmax over the k selected
//   logits (unbiased), or sigmoid of each.
//   6. normalize: weights[t, j] /= max(n, norm_min) or (n + eps), where n is
//      the sum of the k weights (the norm_p-norm with norm_p) and eps is
//      norm_eps, else 1e-20 unless scoring is softmax (then 0).
//   7. weights *= scaling (emitted only when scaling != 1).
//   With scoring = sparsemixer (k = 2), steps 1-5 are instead: indices = the
//   top-2 of l; for pick j with logit m_j, expert e is masked to -inf when
//   (m_j - l[e]) / max(|l[e]|, m_j) > 2 * jitter (for j = 1 the first pick is
//   masked too), and weights[t, j] = softmax(masked l)[pick j].
//
// moe.route_expert_choice, logits [T, E]: s = softmax(l) over E as above;
// expert e takes the C tokens with the highest s[:, e], best first, ties to
// the lower token index: token_ids[e, c] (i32) and weights[e, c] = s[t, e].
// When T < C (possible with a dynamic T) the slots past the T tokens hold
// token id -1 and weight 0.
//
// Both top-k selections share buildTopK: a scalar scf.for nest over rows,
// slots and candidates. The j-th pick of a row is the best candidate strictly
// after the (j-1)-th pick in the total order "higher score first, then lower
// index first"; that is exactly the top-k with ties to the lower index, and
// needs no "already taken" mask. A NaN score is never preferred to a number;
// if NaNs make fewer than k candidates comparable, the remaining slots are -1
// (and get weight 0), never an out-of-bounds index.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/MoEToLinalg/MoEToLinalg.h"

#include "Utils.h"
#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::lowering;

namespace {

/// A value computed for a (row, candidate) pair of index values: an f32
/// score, or an i1 eligibility predicate.
using PairFn = function_ref<Value(OpBuilder &, Location, Value, Value)>;

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// Affine maps (d0, d1) -> (d0, d1) and (d0, d1) -> (d0).
AffineMap identity2(OpBuilder &b) { return b.getMultiDimIdentityMap(2); }
AffineMap firstOf2(OpBuilder &b) {
  return AffineMap::get(2, 0, {b.getAffineDimExpr(0)}, b.getContext());
}
AffineMap secondOf2(OpBuilder &b) {
  return AffineMap::get(2, 0, {b.getAffineDimExpr(1)}, b.getContext());
}

/// Reduces `src: [A, B]` f32 along B into a fresh [A] tensor starting from
/// `start`; `combine(acc, element)` is the reduction.
Value reduceRows(
    OpBuilder &b, Location loc, Value src, double start,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto type = cast<RankedTensorType>(src.getType());
  SmallVector<Value> dyn;
  if (type.isDynamicDim(0))
    dyn.push_back(tensor::DimOp::create(b, loc, src, 0));
  Value init =
      filled(b, loc, {type.getDimSize(0)}, b.getF32FloatAttr(start), dyn);
  return generic(
             b, loc, src, init, {identity2(b), firstOf2(b)},
             {utils::IteratorType::parallel, utils::IteratorType::reduction},
             [&](OpBuilder &nb, Location nl,
                 ValueRange args) -> SmallVector<Value> {
               return {combine(nb, nl, args[1], args[0])};
             })
      .front();
}

/// A fresh tensor shaped like `like` with element type `elementType`.
Value emptyLike(OpBuilder &b, Location loc, Value like, Type elementType) {
  auto type = cast<RankedTensorType>(like.getType());
  return tensor::EmptyOp::create(b, loc, type.getShape(), elementType,
                                 dynamicSizes(b, loc, like));
}

/// softmax over the last dimension of the f32 tensor `l: [T, E]`, with max
/// subtraction.
Value buildSoftmax(OpBuilder &b, Location loc, Value l) {
  Value rowMax = reduceRows(
      b, loc, l, kNegInf, [](OpBuilder &nb, Location nl, Value acc, Value v) {
        return arith::MaximumFOp::create(nb, nl, acc, v).getResult();
      });
  Value shifted = elementwise(
      b, loc, {l, rowMax}, {identity2(b), firstOf2(b)},
      emptyLike(b, loc, l, b.getF32Type()),
      [](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
        Value diff = arith::SubFOp::create(nb, nl, args[0], args[1]);
        return {math::ExpOp::create(nb, nl, diff)};
      });
  Value rowSum = reduceRows(
      b, loc, shifted, 0.0, [](OpBuilder &nb, Location nl, Value acc, Value v) {
        return arith::AddFOp::create(nb, nl, acc, v).getResult();
      });
  return elementwise(
      b, loc, {shifted, rowSum}, {identity2(b), firstOf2(b)},
      emptyLike(b, loc, l, b.getF32Type()),
      [](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
        return {arith::DivFOp::create(nb, nl, args[0], args[1])};
      });
}

/// sqrt(softplus(x)) of the f32 scalar `x`, with softplus(x) = max(x, 0) +
/// log1p(exp(-|x|)). log1p(u) is log(1 + u) · u / ((1 + u) - 1), or u where
/// 1 + u rounds to 1, which keeps it accurate for a small u.
Value sqrtSoftplus(OpBuilder &b, Location loc, Value x) {
  Value zero = f32Const(b, loc, 0.0), one = f32Const(b, loc, 1.0);
  Value absX = math::AbsFOp::create(b, loc, x);
  Value negAbs = arith::NegFOp::create(b, loc, absX);
  Value u = math::ExpOp::create(b, loc, negAbs);
  Value onePlusU = arith::AddFOp::create(b, loc, one, u);
  Value logOnePlusU = math::LogOp::create(b, loc, onePlusU);
  Value denom = arith::SubFOp::create(b, loc, onePlusU, one);
  Value ratio = arith::DivFOp::create(b, loc, u, denom);
  Value scaled = arith::MulFOp::create(b, loc, logOnePlusU, ratio);
  Value exact =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, onePlusU, one);
  Value log1p = arith::SelectOp::create(b, loc, exact, u, scaled);
  Value pos = arith::MaximumFOp::create(b, loc, x, zero);
  Value softplus = arith::AddFOp::create(b, loc, pos, log1p);
  return math::SqrtOp::create(b, loc, softplus);
}

/// The routing scores s = softmax(l), sigmoid(l) or sqrt_softplus(l) of f32
/// logits `l`.
Value buildScores(OpBuilder &b, Location loc, Value l, Scoring scoring) {
  if (scoring == Scoring::softmax)
    return buildSoftmax(b, loc, l);
  return elementwise(
      b, loc, l, identity2(b), emptyLike(b, loc, l, b.getF32Type()),
      [&](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
        if (scoring == Scoring::sqrt_softplus)
          return {sqrtSoftplus(nb, nl, args[0])};
        return {sigmoid(nb, nl, args[0])};
      });
}

/// v · factor of the f32 tensor `v: [A, B]`, the factor rounded to f32.
Value buildScale(OpBuilder &b, Location loc, Value v, double factor) {
  return elementwise(
      b, loc, v, identity2(b), emptyLike(b, loc, v, b.getF32Type()),
      [&](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
        return {
            arith::MulFOp::create(nb, nl, args[0], f32Const(nb, nl, factor))};
      });
}

/// softcap · tanh(l / softcap) of the f32 logits `l`.
Value buildSoftcap(OpBuilder &b, Location loc, Value l, double softcap) {
  return elementwise(
      b, loc, l, identity2(b), emptyLike(b, loc, l, b.getF32Type()),
      [&](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
        Value cap = f32Const(nb, nl, softcap);
        Value q = arith::DivFOp::create(nb, nl, args[0], cap);
        Value t = math::TanhOp::create(nb, nl, q);
        return {arith::MulFOp::create(nb, nl, t, cap)};
      });
}

/// v where the id `ids[t, j]` is a valid (non-negative) index, else 0.
Value zeroWhereInvalid(OpBuilder &b, Location loc, Value v, Value ids) {
  return elementwise(
      b, loc, {v, ids}, {identity2(b), identity2(b)},
      emptyLike(b, loc, v, b.getF32Type()),
      [](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
        Value valid = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge,
                                            args[1], i32Const(nb, nl, 0));
        return {arith::SelectOp::create(nb, nl, valid, args[0],
                                        f32Const(nb, nl, 0.0))};
      });
}

/// For each of `numRows` rows (static size `staticRows`, or dynamic), the
/// indices of the `k` best of `numCandidates` candidates by `score`, best
/// first, ties to the lower candidate index, considering only candidates for
/// which `eligible` holds (all when null). Returns an i32 tensor
/// [rows, k]; a slot without a candidate holds -1.
Value buildTopK(OpBuilder &b, Location loc, int64_t staticRows, Value numRows,
                Value numCandidates, int64_t k, PairFn score, PairFn eligible) {
  SmallVector<Value> dyn;
  if (ShapedType::isDynamic(staticRows))
    dyn.push_back(numRows);
  Value init = filled(b, loc, {staticRows, k}, b.getI32IntegerAttr(-1), dyn);
  Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
  Value numSlots = indexConst(b, loc, k);
  Value negInf = f32Const(b, loc, kNegInf);
  Value none = i32Const(b, loc, -1);
  Value zeroI32 = i32Const(b, loc, 0);

  auto rowLoop = scf::ForOp::create(
      b, loc, c0, numRows, c1, ValueRange{init},
      [&](OpBuilder &b1, Location l1, Value row, ValueRange rowArgs) {
        // Carried across slots: the result so far and the previous pick.
        auto slotLoop = scf::ForOp::create(
            b1, l1, c0, numSlots, c1, ValueRange{rowArgs[0], negInf, none},
            [&](OpBuilder &b2, Location l2, Value slot, ValueRange slotArgs) {
              Value prevScore = slotArgs[1], prevIdx = slotArgs[2];
              Value isFirst = arith::CmpIOp::create(
                  b2, l2, arith::CmpIPredicate::eq, slot, c0);
              Value hadPrev = arith::CmpIOp::create(
                  b2, l2, arith::CmpIPredicate::sge, prevIdx, zeroI32);
              // Scan the candidates in ascending order for the best one
              // after the previous pick; a strict `>` keeps the lower index
              // on ties.
              auto candLoop = scf::ForOp::create(
                  b2, l2, c0, numCandidates, c1, ValueRange{negInf, none},
                  [&](OpBuilder &b3, Location l3, Value cand,
                      ValueRange candArgs) {
                    Value best = candArgs[0], bestIdx = candArgs[1];
                    Value v = score(b3, l3, row, cand);
                    Value candI32 = arith::IndexCastOp::create(
                        b3, l3, b3.getI32Type(), cand);
                    Value lower = arith::CmpFOp::create(
                        b3, l3, arith::CmpFPredicate::OLT, v, prevScore);
                    Value equal = arith::CmpFOp::create(
                        b3, l3, arith::CmpFPredicate::OEQ, v, prevScore);
                    Value laterIdx = arith::CmpIOp::create(
                        b3, l3, arith::CmpIPredicate::sgt, candI32, prevIdx);
                    Value afterPrev = arith::OrIOp::create(
                        b3, l3, lower,
                        arith::AndIOp::create(b3, l3, equal, laterIdx));
                    Value available = arith::OrIOp::create(
                        b3, l3, isFirst,
                        arith::AndIOp::create(b3, l3, hadPrev, afterPrev));
                    if (eligible)
                      available = arith::AndIOp::create(
                          b3, l3, available, eligible(b3, l3, row, cand));
                    Value noBest = arith::CmpIOp::create(
                        b3, l3, arith::CmpIPredicate::slt, bestIdx, zeroI32);
                    Value greater = arith::CmpFOp::create(
                        b3, l3, arith::CmpFPredicate::OGT, v, best);
                    Value take = arith::AndIOp::create(
                        b3, l3, available,
                        arith::OrIOp::create(b3, l3, noBest, greater));
                    scf::YieldOp::create(
                        b3, l3,
                        ValueRange{
                            arith::SelectOp::create(b3, l3, take, v, best),
                            arith::SelectOp::create(b3, l3, take, candI32,
                                                    bestIdx)});
                  });
              Value pickScore = candLoop.getResult(0);
              Value pick = candLoop.getResult(1);
              Value out = tensor::InsertOp::create(b2, l2, pick, slotArgs[0],
                                                   ValueRange{row, slot});
              scf::YieldOp::create(b2, l2, ValueRange{out, pickScore, pick});
            });
        scf::YieldOp::create(b1, l1, slotLoop.getResult(0));
      });
  return rowLoop.getResult(0);
}

/// weights[r, j] = s[token, expert] for the ids of `ids: [R, J]` (i32),
/// where (token, expert) is (r, id) when `rowsAreTokens` and (id, r)
/// otherwise; `fill` where the id is negative.
Value gatherScores(OpBuilder &b, Location loc, Value s, Value ids,
                   bool rowsAreTokens, double fill = 0.0) {
  return elementwise(
      b, loc, ids, identity2(b), emptyLike(b, loc, ids, b.getF32Type()),
      [&](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
        Value zeroI32 = i32Const(nb, nl, 0);
        Value valid = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge,
                                            args[0], zeroI32);
        Value safeId = arith::IndexCastOp::create(
            nb, nl, nb.getIndexType(),
            arith::SelectOp::create(nb, nl, valid, args[0], zeroI32));
        Value row = linalg::IndexOp::create(nb, nl, 0);
        SmallVector<Value> at = rowsAreTokens ? SmallVector<Value>{row, safeId}
                                              : SmallVector<Value>{safeId, row};
        Value v = tensor::ExtractOp::create(nb, nl, s, at);
        return {
            arith::SelectOp::create(nb, nl, valid, v, f32Const(nb, nl, fill))};
      });
}

/// Group scores [T, G] of the selection scores `sel: [T, E]`: the sum of each
/// group's two largest scores (top2sum) or its largest (max).
Value buildGroupScores(OpBuilder &b, Location loc, Value sel, int64_t numGroups,
                       GroupScore groupScore) {
  auto type = cast<RankedTensorType>(sel.getType());
  int64_t t = type.getDimSize(0), e = type.getDimSize(1);
  int64_t groupSize = e / numGroups;
  auto groupedType =
      RankedTensorType::get({t, numGroups, groupSize}, b.getF32Type());
  SmallVector<ReassociationIndices> reassoc = {{0}, {1, 2}};
  Value grouped =
      tensor::ExpandShapeOp::create(b, loc, groupedType, sel, reassoc);

  // (best, second best) of each group, by a reduction over its members.
  SmallVector<Value> dyn;
  if (ShapedType::isDynamic(t))
    dyn.push_back(tensor::DimOp::create(b, loc, sel, 0));
  Value init = filled(b, loc, {t, numGroups}, b.getF32FloatAttr(kNegInf), dyn);
  MLIRContext *ctx = b.getContext();
  AffineMap outMap =
      AffineMap::get(3, 0, {b.getAffineDimExpr(0), b.getAffineDimExpr(1)}, ctx);
  SmallVector<Value> top2 = generic(
      b, loc, grouped, {init, init},
      {b.getMultiDimIdentityMap(3), outMap, outMap},
      {utils::IteratorType::parallel, utils::IteratorType::parallel,
       utils::IteratorType::reduction},
      [](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
        Value v = args[0], first = args[1], second = args[2];
        Value beatsFirst =
            arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT, v, first);
        Value beatsSecond =
            arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT, v, second);
        Value newFirst = arith::SelectOp::create(nb, nl, beatsFirst, v, first);
        Value newSecond = arith::SelectOp::create(
            nb, nl, beatsFirst, first,
            arith::SelectOp::create(nb, nl, beatsSecond, v, second));
        return {newFirst, newSecond};
      });
  if (groupScore == GroupScore::max)
    return top2[0];
  return elementwise(
      b, loc, {top2[0], top2[1]}, {identity2(b), identity2(b)},
      emptyLike(b, loc, top2[0], b.getF32Type()),
      [](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
        return {arith::AddFOp::create(nb, nl, args[0], args[1])};
      });
}

/// mask[t, g] = whether group g is among the selected groups
/// `topGroups[t, :]` (i32 [T, M]); an i1 tensor [T, G].
Value buildGroupMask(OpBuilder &b, Location loc, Value topGroups,
                     int64_t numGroups) {
  auto type = cast<RankedTensorType>(topGroups.getType());
  SmallVector<Value> dyn;
  if (type.isDynamicDim(0))
    dyn.push_back(tensor::DimOp::create(b, loc, topGroups, 0));
  Value init = filled(b, loc, {type.getDimSize(0), numGroups},
                      b.getBoolAttr(false), dyn);
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1, d2;
  bindDims(ctx, d0, d1, d2);
  return generic(b, loc, topGroups, init,
                 {AffineMap::get(3, 0, {d0, d2}, ctx),
                  AffineMap::get(3, 0, {d0, d1}, ctx)},
                 {utils::IteratorType::parallel, utils::IteratorType::parallel,
                  utils::IteratorType::reduction},
                 [](OpBuilder &nb, Location nl,
                    ValueRange args) -> SmallVector<Value> {
                   Value group = arith::IndexCastOp::create(
                       nb, nl, nb.getI32Type(),
                       linalg::IndexOp::create(nb, nl, 1));
                   Value hit = arith::CmpIOp::create(
                       nb, nl, arith::CmpIPredicate::eq, args[0], group);
                   return {arith::OrIOp::create(nb, nl, args[1], hit)};
                 })
      .front();
}

/// Score callback reading `values[row, cand]` (or `values[cand, row]` when
/// `transposed`).
auto extractAt(Value values, bool transposed) {
  return [values, transposed](OpBuilder &b, Location loc, Value row,
                              Value cand) -> Value {
    SmallVector<Value> at = transposed ? SmallVector<Value>{cand, row}
                                       : SmallVector<Value>{row, cand};
    return tensor::ExtractOp::create(b, loc, values, at);
  };
}

/// `values` [T, E] plus `bias` [E] on every row (f32).
Value addBias(OpBuilder &b, Location loc, Value values, Value bias) {
  Type f32 = b.getF32Type();
  Value biasF32 = convertTensor(b, loc, bias, f32);
  Value init = emptyLike(b, loc, values, f32);
  return elementwise(
      b, loc, {values, biasF32}, {identity2(b), secondOf2(b)}, init,
      [](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
        return {arith::AddFOp::create(nb, nl, args[0], args[1])};
      });
}

/// Steps 1-5 under order = score_first: the indices [T, k] (i32) and the
/// unbiased scores of the selected experts [T, k] (f32).
std::pair<Value, Value> buildScoreFirst(OpBuilder &b, Location loc,
                                        RoutingAttr routing, Value logits,
                                        Value bias, int64_t staticTokens,
                                        Value numTokens) {
  int64_t numExperts = cast<RankedTensorType>(logits.getType()).getDimSize(1);
  // 1-2. Scores and selection scores.
  Value s = buildScores(b, loc, logits, routing.getScoring());
  Value sel = bias ? addBias(b, loc, s, bias) : s;

  // 3. Group limit: an expert is eligible when its group is selected.
  Value groupMask;
  int64_t groupSize = 0;
  if (routing.hasGroups()) {
    int64_t numGroups = routing.getNumGroups();
    groupSize = numExperts / numGroups;
    Value groupScores =
        buildGroupScores(b, loc, sel, numGroups, routing.getGroupScore());
    Value topGroups = buildTopK(
        b, loc, staticTokens, numTokens, indexConst(b, loc, numGroups),
        routing.getTopkGroups(), extractAt(groupScores, false), nullptr);
    groupMask = buildGroupMask(b, loc, topGroups, numGroups);
  }
  auto inSelectedGroup = [&](OpBuilder &nb, Location nl, Value row,
                             Value expert) -> Value {
    Value group =
        arith::DivUIOp::create(nb, nl, expert, indexConst(nb, nl, groupSize));
    return tensor::ExtractOp::create(nb, nl, groupMask, ValueRange{row, group});
  };

  // With group_fill, the experts of the other groups compete with that
  // selection score instead of being excluded.
  FloatAttr groupFill = routing.getGroupFill();
  auto filledScore = [&](OpBuilder &nb, Location nl, Value row,
                         Value expert) -> Value {
    Value v = tensor::ExtractOp::create(nb, nl, sel, ValueRange{row, expert});
    Value in = inSelectedGroup(nb, nl, row, expert);
    Value fill = f32Const(nb, nl, groupFill.getValueAsDouble());
    return arith::SelectOp::create(nb, nl, in, v, fill);
  };

  // 4. Top-k experts by selection score.
  Value indices;
  if (groupMask && groupFill)
    indices = buildTopK(b, loc, staticTokens, numTokens,
                        indexConst(b, loc, numExperts), routing.getK(),
                        filledScore, PairFn());
  else
    indices = buildTopK(b, loc, staticTokens, numTokens,
                        indexConst(b, loc, numExperts), routing.getK(),
                        extractAt(sel, false),
                        groupMask ? PairFn(inSelectedGroup) : PairFn());
  // 5. Unbiased weights.
  Value weights = gatherScores(b, loc, s, indices, /*rowsAreTokens=*/true);
  return {indices, weights};
}

/// Step 6: weights[t, j] / denominator, where the denominator is the sum of
/// the row's weights (the p-norm with norm_p), clamped to at least norm_min
/// or plus the routing's ε.
Value buildNormalize(OpBuilder &b, Location loc, RoutingAttr routing,
                     Value weights) {
  Type f32 = b.getF32Type();
  double p = routing.getNormP() ? routing.getNormP().getValueAsDouble() : 1.0;
  // The weights are nonnegative, so the 1-norm is their sum.
  bool pNorm = p != 1.0;
  Value sum =
      reduceRows(b, loc, weights, 0.0,
                 [&](OpBuilder &nb, Location nl, Value acc, Value v) {
                   if (pNorm) {
                     Value a = math::AbsFOp::create(nb, nl, v);
                     v = math::PowFOp::create(nb, nl, a, f32Const(nb, nl, p));
                   }
                   return arith::AddFOp::create(nb, nl, acc, v).getResult();
                 });
  FloatAttr normMin = routing.getNormMin();
  double eps = routing.getNormEpsValue();
  return elementwise(
      b, loc, {weights, sum}, {identity2(b), firstOf2(b)},
      emptyLike(b, loc, weights, f32),
      [&](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
        Value denom = args[1];
        if (pNorm)
          denom =
              math::PowFOp::create(nb, nl, denom, f32Const(nb, nl, 1.0 / p));
        if (normMin)
          denom = arith::MaximumFOp::create(
              nb, nl, denom, f32Const(nb, nl, normMin.getValueAsDouble()));
        else if (eps != 0.0)
          denom = arith::AddFOp::create(nb, nl, denom, f32Const(nb, nl, eps));
        return {arith::DivFOp::create(nb, nl, args[0], denom)};
      });
}

/// scoring = sparsemixer (k = 2): indices = the top-2 of the f32 logits
/// `l: [T, E]` (ties to the lower index), and the weights [T, 2] of the
/// picks, weights[t, j] = 1 / sum_e kept_j(e) · exp(l[e] - m_j) with m_j =
/// l[indices[t, j]]: the softmax of the masked logits at the pick, whose own
/// logit is the masked maximum. Expert e is kept for pick j unless
/// (m_j - l[e]) / max(|l[e]|, m_j) > 2 · jitter; for the second pick, the
/// first is never kept.
std::pair<Value, Value> buildSparseMixer(OpBuilder &b, Location loc,
                                         RoutingAttr routing, Value l,
                                         int64_t staticTokens,
                                         Value numTokens) {
  int64_t numExperts = cast<RankedTensorType>(l.getType()).getDimSize(1);
  Value indices = buildTopK(b, loc, staticTokens, numTokens,
                            indexConst(b, loc, numExperts), /*k=*/2,
                            extractAt(l, false), PairFn());
  SmallVector<Value> dyn;
  if (ShapedType::isDynamic(staticTokens))
    dyn.push_back(numTokens);
  Value init = filled(b, loc, {staticTokens, 2}, b.getF32FloatAttr(0.0), dyn);
  double threshold = 2.0 * routing.getJitter().getValueAsDouble();
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1, d2;
  bindDims(ctx, d0, d1, d2);
  Value sums =
      generic(
          b, loc, l, init,
          {AffineMap::get(3, 0, {d0, d2}, ctx),
           AffineMap::get(3, 0, {d0, d1}, ctx)},
          {utils::IteratorType::parallel, utils::IteratorType::parallel,
           utils::IteratorType::reduction},
          [&](OpBuilder &nb, Location nl,
              ValueRange args) -> SmallVector<Value> {
            Value v = args[0], acc = args[1];
            Value row = linalg::IndexOp::create(nb, nl, 0);
            Value slot = linalg::IndexOp::create(nb, nl, 1);
            Value expert = linalg::IndexOp::create(nb, nl, 2);
            Value zeroI32 = i32Const(nb, nl, 0);
            // The pick of this slot (a -1 pick reads expert 0: its weight
            // is zeroed afterwards).
            Value pick = tensor::ExtractOp::create(nb, nl, indices,
                                                   ValueRange{row, slot});
            Value validPick = arith::CmpIOp::create(
                nb, nl, arith::CmpIPredicate::sge, pick, zeroI32);
            Value safePick =
                arith::SelectOp::create(nb, nl, validPick, pick, zeroI32);
            Value pickIdx = arith::IndexCastOp::create(
                nb, nl, nb.getIndexType(), safePick);
            Value m = tensor::ExtractOp::create(nb, nl, l,
                                                ValueRange{row, pickIdx});
            Value absV = math::AbsFOp::create(nb, nl, v);
            Value factor = arith::MaximumFOp::create(nb, nl, absV, m);
            Value gap = arith::SubFOp::create(nb, nl, m, v);
            Value ratio = arith::DivFOp::create(nb, nl, gap, factor);
            Value masked =
                arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT, ratio,
                                      f32Const(nb, nl, threshold));
            // The second pick never keeps the first.
            Value c0 = indexConst(nb, nl, 0);
            Value first = tensor::ExtractOp::create(nb, nl, indices,
                                                    ValueRange{row, c0});
            Value expertI32 =
                arith::IndexCastOp::create(nb, nl, nb.getI32Type(), expert);
            Value isFirst = arith::CmpIOp::create(
                nb, nl, arith::CmpIPredicate::eq, expertI32, first);
            Value secondSlot = arith::CmpIOp::create(
                nb, nl, arith::CmpIPredicate::ne, slot, c0);
            Value taken = arith::AndIOp::create(nb, nl, secondSlot, isFirst);
            Value dropped = arith::OrIOp::create(nb, nl, masked, taken);
            Value shifted = arith::SubFOp::create(nb, nl, v, m);
            Value e = math::ExpOp::create(nb, nl, shifted);
            Value term = arith::SelectOp::create(nb, nl, dropped,
                                                 f32Const(nb, nl, 0.0), e);
            return {arith::AddFOp::create(nb, nl, acc, term)};
          })
          .front();
  Value weights = elementwise(
      b, loc, sums, identity2(b), emptyLike(b, loc, sums, b.getF32Type()),
      [](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
        return {arith::DivFOp::create(nb, nl, f32Const(nb, nl, 1.0), args[0])};
      });
  // A slot without an expert (-1) weighs 0.
  weights = zeroWhereInvalid(b, loc, weights, indices);
  return {indices, weights};
}

struct RouteOpLowering : public OpConversionPattern<RouteOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RouteOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    RoutingAttr routing = op.getRouting();
    Type f32 = b.getF32Type();

    Value logits = convertTensor(b, loc, adaptor.getLogits(), f32);
    auto logitsType = cast<RankedTensorType>(logits.getType());
    int64_t staticTokens = logitsType.getDimSize(0);
    int64_t numExperts = logitsType.getDimSize(1);
    Value numTokens = dimSize(b, loc, logits, 0);

    // 0. Scale and soft cap of the logits.
    if (FloatAttr scale = routing.getLogitScale())
      logits = buildScale(b, loc, logits, scale.getValueAsDouble());
    if (FloatAttr softcap = routing.getSoftcap())
      logits = buildSoftcap(b, loc, logits, softcap.getValueAsDouble());

    Value indices, weights;
    if (routing.getScoring() == Scoring::sparsemixer) {
      std::tie(indices, weights) =
          buildSparseMixer(b, loc, routing, logits, staticTokens, numTokens);
    } else if (routing.isTopkFirst()) {
      // Top-k of the logits (plus the selection bias); the k selected
      // logits are scored alone.
      Value sel = adaptor.getBias() ? addBias(b, loc, logits, adaptor.getBias())
                                    : logits;
      indices = buildTopK(b, loc, staticTokens, numTokens,
                          indexConst(b, loc, numExperts), routing.getK(),
                          extractAt(sel, false), PairFn());
      if (routing.getScoring() == Scoring::softmax) {
        Value selected = gatherScores(b, loc, logits, indices,
                                      /*rowsAreTokens=*/true, kNegInf);
        weights = buildSoftmax(b, loc, selected);
      } else {
        Value selected =
            gatherScores(b, loc, logits, indices, /*rowsAreTokens=*/true);
        weights = buildScores(b, loc, selected, routing.getScoring());
      }
      // A slot without an expert (-1) weighs 0.
      weights = zeroWhereInvalid(b, loc, weights, indices);
    } else {
      std::tie(indices, weights) = buildScoreFirst(
          b, loc, routing, logits, adaptor.getBias(), staticTokens, numTokens);
    }

    // 6. Normalization.
    if (routing.isNormalized())
      weights = buildNormalize(b, loc, routing, weights);
    double scaling = routing.getScalingValue();
    if (scaling != 1.0)
      weights = buildScale(b, loc, weights, scaling);

    rewriter.replaceOp(op,
                       {castTo(b, loc, weights, op.getWeights().getType()),
                        castTo(b, loc, indices, op.getIndices().getType())});
    return success();
  }
};

struct RouteExpertChoiceOpLowering
    : public OpConversionPattern<RouteExpertChoiceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RouteExpertChoiceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value logits = convertTensor(b, loc, adaptor.getLogits(), b.getF32Type());
    int64_t numExperts = cast<RankedTensorType>(logits.getType()).getDimSize(1);
    Value s = buildSoftmax(b, loc, logits);

    // Rows are experts, candidates are tokens: score(e, t) = s[t, e].
    Value numRows = indexConst(b, loc, numExperts);
    Value numCandidates = dimSize(b, loc, logits, 0);
    Value tokenIds =
        buildTopK(b, loc, numExperts, numRows, numCandidates, op.getCapacity(),
                  extractAt(s, /*transposed=*/true), nullptr);
    Value weights = gatherScores(b, loc, s, tokenIds, /*rowsAreTokens=*/false);
    rewriter.replaceOp(op,
                       {castTo(b, loc, tokenIds, op.getTokenIds().getType()),
                        castTo(b, loc, weights, op.getWeights().getType())});
    return success();
  }
};

} // namespace

void mlir::moe::populateMoERoutingToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<RouteOpLowering, RouteExpertChoiceOpLowering>(
      patterns.getContext());
}
