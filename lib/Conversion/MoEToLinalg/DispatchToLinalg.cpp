//===- DispatchToLinalg.cpp - moe dispatch ops to linalg ------------------===//
//
// Lowers moe.dispatch to scalar scf.for loops over tensors plus one
// linalg.generic gather. Exact semantics implemented here
// (docs/Spec.md#moedispatch), for x: [T, D], indices/weights: [T, k], E
// experts, N = T·k:
//
//   Assignment a = (t, j) is token t's j-th choice, expert e = indices[t, j].
//   1. An assignment whose expert is outside [0, E) is dropped.
//   2. drop none: every other assignment is kept. Otherwise each expert
//      keeps at most C of its assignments, where
//        C = capacity, or C = ceil(capacity_factor · T · k / E)
//      evaluated left to right in f64 with T the runtime token count (and
//      then clamped to N, which changes nothing but keeps the conversion to
//      an integer in range). Which ones are kept follows a priority order:
//        position: (j, t) lexicographic -- all first choices before all
//                  second choices, earlier tokens first: an expert keeps
//                  its first C assignments in that order;
//        score:    weights[t, j] descending, ties in position order: an
//                  assignment is kept when fewer than C assignments of the
//                  same expert come before it in that order (a NaN weight
//                  is unordered and makes the choice unspecified).
//   3. Kept assignments become rows, grouped by expert ascending and, within
//      an expert, in token order (ascending a = t·k + j), by a counting sort:
//      count per expert, size each group by the layout, prefix sum of the
//      sizes into offsets[E+1] (offsets[0] = 0), then place expert e's n_e
//      kept assignments at offsets[e], offsets[e] + 1, ... Group sizes:
//        ragged:  n_e                       (N = T·k)
//        padded:  C, the static capacity    (N = E·C)
//        blocked: ceil(n_e / block) · block (N = T·k + E·(block - 1))
//      rows[r] = x[t], row_tokens[r] = t, row_weights[r] = weights[t, j]
//      (f32) for a placed row r; every other row (a group's padding, and
//      everything past offsets[E]) is zero, with row_tokens -1 and
//      row_weights 0.
//
// Costs: position and none are O(T·k); score compares every pair of
// assignments, O((T·k)²) scalar steps (16M at T = 512, k = 8), which is fine
// for a reference.
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

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::lowering;

namespace {

/// The loop nest order over assignments (t, j).
enum class Order {
  /// t outer, j inner: ascending a = t·k + j (token order).
  TokenMajor,
  /// j outer, t inner: the `position` priority order.
  ChoiceMajor,
};

/// Builds the body of a loop over assignments: receives (t, j) and the
/// carried values, returns the new carried values.
using AssignmentBody = function_ref<SmallVector<Value>(
    OpBuilder &, Location, Value, Value, ValueRange)>;

/// A loop nest over every assignment (t, j), t < numTokens, j < k, in
/// `order`, threading `inits` through `body`.
SmallVector<Value> forEachAssignment(OpBuilder &b, Location loc,
                                     Value numTokens, int64_t k, Order order,
                                     ValueRange inits, AssignmentBody body) {
  Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
  Value numChoices = indexConst(b, loc, k);
  bool tokenMajor = order == Order::TokenMajor;
  auto outer = scf::ForOp::create(
      b, loc, c0, tokenMajor ? numTokens : numChoices, c1, inits,
      [&](OpBuilder &b1, Location l1, Value i, ValueRange outerArgs) {
        auto inner = scf::ForOp::create(
            b1, l1, c0, tokenMajor ? numChoices : numTokens, c1, outerArgs,
            [&](OpBuilder &b2, Location l2, Value i2, ValueRange innerArgs) {
              Value t = tokenMajor ? i : i2, j = tokenMajor ? i2 : i;
              scf::YieldOp::create(b2, l2, body(b2, l2, t, j, innerArgs));
            });
        scf::YieldOp::create(b1, l1, inner.getResults());
      });
  return SmallVector<Value>(outer.getResults());
}

/// The moe.dispatch being lowered, with its operands prepared: the f32
/// weights, the token count and the shared constants.
struct DispatchLowering {
  IntegerAttr capacity;
  FloatAttr capacityFactor;
  DispatchLayout layout;
  /// The static capacity (padded layout) and the block (blocked layout);
  /// unused by the other layouts.
  int64_t groupCapacity = 0, block = 1;
  Value x, indices, weights;
  int64_t k, numExperts;
  /// Static token count (or dynamic) and its runtime value.
  int64_t staticTokens;
  Value numTokens;

  /// indices[t, j] (i32).
  Value expertOf(OpBuilder &b, Location loc, Value t, Value j) const {
    return tensor::ExtractOp::create(b, loc, indices, ValueRange{t, j});
  }

  /// Whether the i32 expert id `e` is in [0, E).
  Value isValidExpert(OpBuilder &b, Location loc, Value e) const {
    Value lo = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, e,
                                     i32Const(b, loc, 0));
    Value hi = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, e,
                                     i32Const(b, loc, numExperts));
    return arith::AndIOp::create(b, loc, lo, hi);
  }

  Value toIndex(OpBuilder &b, Location loc, Value i32) const {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), i32);
  }

  /// A [T, k] tensor filled with `value`.
  Value assignmentTensor(OpBuilder &b, Location loc, TypedAttr value) const {
    SmallVector<Value> dyn;
    if (ShapedType::isDynamic(staticTokens))
      dyn.push_back(numTokens);
    return filled(b, loc, {staticTokens, k}, value, dyn);
  }

  /// The number of assignments T·k.
  Value numAssignments(OpBuilder &b, Location loc) const {
    return arith::MulIOp::create(b, loc, numTokens, indexConst(b, loc, k));
  }

  /// N, the rows of the layout; static when T is or the layout is padded.
  int64_t staticRows() const {
    return DispatchOp::numRowsOf(layout, staticTokens, k, numExperts,
                                 groupCapacity, block);
  }
  Value numRows(OpBuilder &b, Location loc) const {
    if (!ShapedType::isDynamic(staticRows()))
      return indexConst(b, loc, staticRows());
    Value n = numAssignments(b, loc);
    if (layout != DispatchLayout::blocked)
      return n;
    return arith::AddIOp::create(b, loc, n,
                                 indexConst(b, loc, numExperts * (block - 1)));
  }

  /// The capacity C as i32, clamped to [0, T·k] (see the file comment).
  Value buildCapacity(OpBuilder &b, Location loc) const {
    Type i64 = b.getI64Type();
    Value n = arith::IndexCastOp::create(b, loc, i64, numAssignments(b, loc));
    Value c;
    if (capacity) {
      c = arith::ConstantOp::create(b, loc,
                                    b.getI64IntegerAttr(capacity.getInt()));
    } else {
      Type f64 = b.getF64Type();
      auto f64Const = [&](double v) -> Value {
        return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(v));
      };
      Value tokens = arith::SIToFPOp::create(
          b, loc, f64, arith::IndexCastOp::create(b, loc, i64, numTokens));
      // ((capacity_factor · T) · k) / E, then ceil.
      Value v = arith::MulFOp::create(
          b, loc, f64Const(capacityFactor.getValueAsDouble()), tokens);
      v = arith::MulFOp::create(b, loc, v, f64Const(static_cast<double>(k)));
      v = arith::DivFOp::create(b, loc, v,
                                f64Const(static_cast<double>(numExperts)));
      v = math::CeilOp::create(b, loc, v);
      v = arith::MinimumFOp::create(b, loc, v,
                                    arith::SIToFPOp::create(b, loc, f64, n));
      c = arith::FPToSIOp::create(b, loc, i64, v);
    }
    c = arith::MinSIOp::create(b, loc, c, n);
    return arith::TruncIOp::create(b, loc, b.getI32Type(), c);
  }

  /// The capacity that decides drops: the static group size under the
  /// padded layout (the same C, so a group always holds its kept
  /// assignments), else built from the attributes.
  Value capacityValue(OpBuilder &b, Location loc) const {
    if (layout == DispatchLayout::padded)
      return i32Const(b, loc, groupCapacity);
    return buildCapacity(b, loc);
  }

  /// keep[t, j] (i1) under drop policy `none`: the expert is valid.
  Value keepAllValid(OpBuilder &b, Location loc) const {
    return elementwise(
        b, loc, indices, b.getMultiDimIdentityMap(2),
        assignmentTensor(b, loc, b.getBoolAttr(false)),
        [&](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
          return {isValidExpert(nb, nl, args[0])};
        });
  }

  /// keep[t, j] under `position`: in (j, t) order, an expert keeps an
  /// assignment while it has kept fewer than C.
  Value keepByPosition(OpBuilder &b, Location loc, Value capacity) const {
    Value keep0 = assignmentTensor(b, loc, b.getBoolAttr(false));
    Value seen0 = zeros(b, loc, {numExperts}, b.getI32Type(), {});
    return forEachAssignment(
               b, loc, numTokens, k, Order::ChoiceMajor, {keep0, seen0},
               [&](OpBuilder &nb, Location nl, Value t, Value j,
                   ValueRange args) {
                 Value e = expertOf(nb, nl, t, j);
                 return ifThen(
                     nb, nl, isValidExpert(nb, nl, e), args,
                     [&](OpBuilder &tb, Location tl) -> SmallVector<Value> {
                       Value ei = toIndex(tb, tl, e);
                       Value seen = tensor::ExtractOp::create(tb, tl, args[1],
                                                              ValueRange{ei});
                       Value fits = arith::CmpIOp::create(
                           tb, tl, arith::CmpIPredicate::slt, seen, capacity);
                       Value keep = tensor::InsertOp::create(
                           tb, tl, fits, args[0], ValueRange{t, j});
                       Value next = arith::AddIOp::create(tb, tl, seen,
                                                          i32Const(tb, tl, 1));
                       Value counts = tensor::InsertOp::create(
                           tb, tl, next, args[1], ValueRange{ei});
                       return {keep, counts};
                     });
               })
        .front();
  }

  /// keep[t, j] under `score`: kept when fewer than C assignments of the
  /// same expert precede it (higher weight, or equal weight and earlier in
  /// (j, t) order).
  Value keepByScore(OpBuilder &b, Location loc, Value capacity) const {
    Value keep0 = assignmentTensor(b, loc, b.getBoolAttr(false));
    return forEachAssignment(
               b, loc, numTokens, k, Order::TokenMajor, {keep0},
               [&](OpBuilder &nb, Location nl, Value t, Value j,
                   ValueRange args) {
                 Value e = expertOf(nb, nl, t, j);
                 return ifThen(
                     nb, nl, isValidExpert(nb, nl, e), args,
                     [&](OpBuilder &tb, Location tl) -> SmallVector<Value> {
                       Value rank = countPreceding(
                           tb, tl, e, t, j,
                           tensor::ExtractOp::create(tb, tl, weights,
                                                     ValueRange{t, j}));
                       Value fits = arith::CmpIOp::create(
                           tb, tl, arith::CmpIPredicate::slt, rank, capacity);
                       return {tensor::InsertOp::create(tb, tl, fits, args[0],
                                                        ValueRange{t, j})};
                     });
               })
        .front();
  }

  /// The number of assignments of expert `e` that precede (t, j), of weight
  /// `w`, in the `score` priority order (an i32).
  Value countPreceding(OpBuilder &b, Location loc, Value e, Value t, Value j,
                       Value w) const {
    return forEachAssignment(
               b, loc, numTokens, k, Order::TokenMajor, {i32Const(b, loc, 0)},
               [&](OpBuilder &nb, Location nl, Value t2, Value j2,
                   ValueRange args) -> SmallVector<Value> {
                 auto cmpI = [&](arith::CmpIPredicate p, Value l, Value r) {
                   return arith::CmpIOp::create(nb, nl, p, l, r).getResult();
                 };
                 auto cmpF = [&](arith::CmpFPredicate p, Value l, Value r) {
                   return arith::CmpFOp::create(nb, nl, p, l, r).getResult();
                 };
                 auto andI = [&](Value l, Value r) {
                   return arith::AndIOp::create(nb, nl, l, r).getResult();
                 };
                 auto orI = [&](Value l, Value r) {
                   return arith::OrIOp::create(nb, nl, l, r).getResult();
                 };
                 Value w2 = tensor::ExtractOp::create(nb, nl, weights,
                                                      ValueRange{t2, j2});
                 Value sameExpert = cmpI(arith::CmpIPredicate::eq,
                                         expertOf(nb, nl, t2, j2), e);
                 // (j2, t2) < (j, t) lexicographically.
                 Value choiceBefore = cmpI(arith::CmpIPredicate::ult, j2, j);
                 Value sameChoice = cmpI(arith::CmpIPredicate::eq, j2, j);
                 Value tokenBefore = cmpI(arith::CmpIPredicate::ult, t2, t);
                 Value earlier =
                     orI(choiceBefore, andI(sameChoice, tokenBefore));
                 Value heavier = cmpF(arith::CmpFPredicate::OGT, w2, w);
                 Value asHeavy = cmpF(arith::CmpFPredicate::OEQ, w2, w);
                 Value precedes = orI(heavier, andI(asHeavy, earlier));
                 Value counts = andI(sameExpert, precedes);
                 Value one =
                     arith::ExtUIOp::create(nb, nl, nb.getI32Type(), counts);
                 return {arith::AddIOp::create(nb, nl, args[0], one)};
               })
        .front();
  }

  /// The rows of a group of `count` kept assignments (i32): the count
  /// itself (ragged), or rounded up to a multiple of the block (blocked).
  Value groupSize(OpBuilder &b, Location loc, Value count) const {
    if (layout != DispatchLayout::blocked)
      return count;
    // ceil(count / block) · block; count + block - 1 <= N fits in i32.
    Value blockSize = i32Const(b, loc, block);
    Value up =
        arith::AddIOp::create(b, loc, count, i32Const(b, loc, block - 1));
    Value tiles = arith::DivUIOp::create(b, loc, up, blockSize);
    return arith::MulIOp::create(b, loc, tiles, blockSize);
  }

  /// offsets [E+1] (i32) of the kept assignments `keep`.
  Value buildOffsets(OpBuilder &b, Location loc, Value keep) const {
    if (layout == DispatchLayout::padded) {
      // Groups of C rows whatever they hold: [0, C, 2C, .., E·C].
      SmallVector<int32_t> bounds;
      for (int64_t e = 0; e <= numExperts; ++e)
        bounds.push_back(static_cast<int32_t>(e * groupCapacity));
      auto type = RankedTensorType::get({numExperts + 1}, b.getI32Type());
      return arith::ConstantOp::create(
          b, loc, DenseIntElementsAttr::get(type, ArrayRef(bounds)));
    }
    Value counts0 = zeros(b, loc, {numExperts}, b.getI32Type(), {});
    Value counts =
        forEachAssignment(
            b, loc, numTokens, k, Order::TokenMajor, {counts0},
            [&](OpBuilder &nb, Location nl, Value t, Value j, ValueRange args) {
              Value kept =
                  tensor::ExtractOp::create(nb, nl, keep, ValueRange{t, j});
              return ifThen(
                  nb, nl, kept, args,
                  [&](OpBuilder &tb, Location tl) -> SmallVector<Value> {
                    Value ei = toIndex(tb, tl, expertOf(tb, tl, t, j));
                    Value c = tensor::ExtractOp::create(tb, tl, args[0],
                                                        ValueRange{ei});
                    Value next =
                        arith::AddIOp::create(tb, tl, c, i32Const(tb, tl, 1));
                    return {tensor::InsertOp::create(tb, tl, next, args[0],
                                                     ValueRange{ei})};
                  });
            })
            .front();
    // offsets[0] = 0; offsets[e + 1] = offsets[e] + size(counts[e]).
    Value offsets0 = zeros(b, loc, {numExperts + 1}, b.getI32Type(), {});
    Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
    Value groups = indexConst(b, loc, numExperts);
    Value zero = i32Const(b, loc, 0);
    auto scan = scf::ForOp::create(
        b, loc, c0, groups, c1, ValueRange{offsets0, zero},
        [&](OpBuilder &nb, Location nl, Value e, ValueRange args) {
          Value c = groupSize(
              nb, nl, tensor::ExtractOp::create(nb, nl, counts, ValueRange{e}));
          Value end = arith::AddIOp::create(nb, nl, args[1], c);
          Value next = arith::AddIOp::create(nb, nl, e, c1);
          Value offsets =
              tensor::InsertOp::create(nb, nl, end, args[0], ValueRange{next});
          scf::YieldOp::create(nb, nl, ValueRange{offsets, end});
        });
    return scan.getResult(0);
  }

  /// Places the kept assignments: returns (row_tokens, row_weights), both
  /// [N], in expert order then token order.
  std::pair<Value, Value> placeRows(OpBuilder &b, Location loc, Value keep,
                                    Value offsets) const {
    SmallVector<Value> dynN;
    if (ShapedType::isDynamic(staticRows()))
      dynN.push_back(numRows(b, loc));
    Value tokens0 =
        filled(b, loc, {staticRows()}, b.getI32IntegerAttr(-1), dynN);
    Value weights0 = zeros(b, loc, {staticRows()}, b.getF32Type(), dynN);
    Value placed0 = zeros(b, loc, {numExperts}, b.getI32Type(), {});
    SmallVector<Value> results = forEachAssignment(
        b, loc, numTokens, k, Order::TokenMajor, {tokens0, weights0, placed0},
        [&](OpBuilder &nb, Location nl, Value t, Value j, ValueRange args) {
          Value kept =
              tensor::ExtractOp::create(nb, nl, keep, ValueRange{t, j});
          return ifThen(
              nb, nl, kept, args,
              [&](OpBuilder &tb, Location tl) -> SmallVector<Value> {
                Value ei = toIndex(tb, tl, expertOf(tb, tl, t, j));
                Value start =
                    tensor::ExtractOp::create(tb, tl, offsets, ValueRange{ei});
                Value done =
                    tensor::ExtractOp::create(tb, tl, args[2], ValueRange{ei});
                Value slot =
                    toIndex(tb, tl, arith::AddIOp::create(tb, tl, start, done));
                Value token =
                    arith::IndexCastOp::create(tb, tl, tb.getI32Type(), t);
                Value w = tensor::ExtractOp::create(tb, tl, weights,
                                                    ValueRange{t, j});
                Value next =
                    arith::AddIOp::create(tb, tl, done, i32Const(tb, tl, 1));
                return {tensor::InsertOp::create(tb, tl, token, args[0], slot),
                        tensor::InsertOp::create(tb, tl, w, args[1], slot),
                        tensor::InsertOp::create(tb, tl, next, args[2], ei)};
              });
        });
    return {results[0], results[1]};
  }

  /// rows[r, :] = x[row_tokens[r], :], zero where the token is -1.
  Value gatherRows(OpBuilder &b, Location loc, Value rowTokens) const {
    auto xType = cast<RankedTensorType>(x.getType());
    SmallVector<Value> dyn;
    if (ShapedType::isDynamic(staticRows()))
      dyn.push_back(numRows(b, loc));
    if (xType.isDynamicDim(1))
      dyn.push_back(tensor::DimOp::create(b, loc, x, 1));
    Value init = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{staticRows(), xType.getDimSize(1)},
        xType.getElementType(), dyn);
    MLIRContext *ctx = b.getContext();
    AffineMap byRow = AffineMap::get(2, 0, {b.getAffineDimExpr(0)}, ctx);
    return elementwise(
        b, loc, rowTokens, byRow, init,
        [&](OpBuilder &nb, Location nl, ValueRange args) -> SmallVector<Value> {
          Value zeroI32 = i32Const(nb, nl, 0);
          Value valid = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge,
                                              args[0], zeroI32);
          Value row = toIndex(
              nb, nl, arith::SelectOp::create(nb, nl, valid, args[0], zeroI32));
          Value col = linalg::IndexOp::create(nb, nl, 1);
          Value v = tensor::ExtractOp::create(nb, nl, x, ValueRange{row, col});
          Value zero = arith::ConstantOp::create(
              nb, nl, nb.getZeroAttr(xType.getElementType()));
          return {arith::SelectOp::create(nb, nl, valid, v, zero)};
        });
  }
};

struct DispatchOpLowering : public OpConversionPattern<DispatchOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DispatchOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto indicesType = cast<RankedTensorType>(adaptor.getIndices().getType());
    DispatchLowering l;
    l.capacity = op.getCapacityAttr();
    l.capacityFactor = op.getCapacityFactorAttr();
    l.layout = op.getLayout();
    if (l.layout == DispatchLayout::padded)
      l.groupCapacity = *op.getStaticCapacity();
    if (std::optional<int64_t> block = op.getBlock())
      l.block = *block;
    l.x = adaptor.getX();
    l.indices = adaptor.getIndices();
    l.weights = convertTensor(b, loc, adaptor.getWeights(), b.getF32Type());
    l.k = indicesType.getDimSize(1);
    l.numExperts = op.getNumExperts();
    l.staticTokens = indicesType.getDimSize(0);
    l.numTokens = dimSize(b, loc, l.indices, 0);

    Value keep;
    switch (op.getDropPolicy()) {
    case DropPolicy::none:
      keep = l.keepAllValid(b, loc);
      break;
    case DropPolicy::position:
      keep = l.keepByPosition(b, loc, l.capacityValue(b, loc));
      break;
    case DropPolicy::score:
      keep = l.keepByScore(b, loc, l.capacityValue(b, loc));
      break;
    }
    Value offsets = l.buildOffsets(b, loc, keep);
    auto [rowTokens, rowWeights] = l.placeRows(b, loc, keep, offsets);
    Value rows = l.gatherRows(b, loc, rowTokens);
    rewriter.replaceOp(
        op, {castTo(b, loc, rows, op.getRows().getType()),
             castTo(b, loc, offsets, op.getOffsets().getType()),
             castTo(b, loc, rowTokens, op.getRowTokens().getType()),
             castTo(b, loc, rowWeights, op.getRowWeights().getType())});
    return success();
  }
};

} // namespace

void mlir::moe::populateMoEDispatchToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<DispatchOpLowering>(patterns.getContext());
}
