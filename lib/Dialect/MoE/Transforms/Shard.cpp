//===- Shard.cpp - Expert and tensor parallel sharding of an MoE layer ----===//
//
// moe-shard: turns a function holding one MoE layer into the SPMD program
// every rank of an ep x tp job runs (docs/Sharding.md). The layer is
// decomposed first (with the tokens already cut to T/R), then the routed
// moe.experts between moe.dispatch and moe.combine is replaced by
//
//   counts of rows per (destination rank, local expert)  -> all_to_all
//   rows, replicated to the tp ranks of the owning group -> all_to_all
//   for each source rank: moe.experts on its block with the local weights
//   expert outputs back to where they came from          -> all_to_all
//   moe.combine of the returned rows (adds the tp partial sums)
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/Transforms/Passes.h"
#include "moe/Dialect/MoE/Utils/TensorBuilders.h"
#include "moe/Support/FormatNumber.h"
#include "moe/Support/ToolMessages.h"

#include "ShardCostModel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace mlir {
namespace moe {
#define GEN_PASS_DEF_MOESHARD
#include "moe/Dialect/MoE/Transforms/Passes.h.inc"
} // namespace moe
} // namespace mlir

using namespace mlir;
using namespace mlir::moe;

namespace {

constexpr llvm::StringLiteral kShardAttr("moe.shard");
constexpr llvm::StringLiteral kPlanAttr("moe.shard_plan");

/// The split of the job: rank r = (r / tp, r % tp).
struct Split {
  int64_t ep = 1, tp = 1, ranks = 1;
};

/// The routed experts of a decomposed layer and the ops around them.
struct RoutedExperts {
  ExpertsOp experts;
  CombineOp combine;
};

Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Element `i` (an index value) of the 1-D i32 tensor `t`, as an index.
Value extractIndex(OpBuilder &b, Location loc, Value t, ValueRange i) {
  Value v = tensor::ExtractOp::create(b, loc, t, i);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

/// Marks argument `i` of `func` with one mesh axis name per dimension.
void markArgument(func::FuncOp func, unsigned i, ArrayRef<StringRef> axes) {
  Builder b(func.getContext());
  SmallVector<Attribute> names;
  for (StringRef axis : axes)
    names.push_back(b.getStringAttr(axis));
  func.setArgAttr(i, kShardAttr, b.getArrayAttr(names));
}

/// `v / divisor`, elementwise in f32 (or in `v`'s type when wider), rounded
/// to `v`'s element type, as a tensor of type `resultType` (`v`'s shape, or
/// the shape `v` will have once its argument is retyped).
Value divideBy(OpBuilder &b, Location loc, Value v, int64_t divisor,
               RankedTensorType resultType) {
  MLIRContext *ctx = b.getContext();
  unsigned rank = resultType.getRank();
  SmallVector<AffineMap> maps(2, AffineMap::getMultiDimIdentityMap(rank, ctx));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                       resultType.getElementType());
  auto div = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{v}, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        auto type = cast<FloatType>(args[0].getType());
        FloatType compute = type.getWidth() > 32 ? type : nb.getF32Type();
        Value x = args[0];
        if (compute != type)
          x = arith::ExtFOp::create(nb, nl, compute, x);
        Value d = arith::ConstantOp::create(
            nb, nl, nb.getFloatAttr(compute, static_cast<double>(divisor)));
        Value q = arith::DivFOp::create(nb, nl, x, d);
        if (compute != type)
          q = arith::TruncFOp::create(nb, nl, type, q);
        linalg::YieldOp::create(nb, nl, q);
      });
  return div.getResult(0);
}

/// Gives block argument `arg` of `func` the type `type`.
void retypeArgument(func::FuncOp func, BlockArgument arg, Type type) {
  arg.setType(type);
  SmallVector<Type> inputs(func.getArgumentTypes());
  inputs[arg.getArgNumber()] = type;
  func.setFunctionType(
      FunctionType::get(func.getContext(), inputs, func.getResultTypes()));
}

/// The routed moe.experts of `func`: the one whose w1 is a function
/// argument and whose result moe.combine consumes. Stacked shared experts
/// (moe-decompose's second combine, which the routed combine accumulates
/// into) stay whole on every rank, for the rank's own tokens.
FailureOr<RoutedExperts> findRoutedExperts(func::FuncOp func) {
  SmallVector<RoutedExperts> found;
  func.walk([&](CombineOp combine) {
    auto experts = combine.getRows().getDefiningOp<ExpertsOp>();
    if (experts && isa<BlockArgument>(experts.getW1()))
      found.push_back({experts, combine});
  });
  SmallVector<Value> accumulators = llvm::map_to_vector(
      found, [](RoutedExperts r) -> Value { return r.combine.getAcc(); });
  llvm::erase_if(found, [&](RoutedExperts candidate) {
    return llvm::is_contained(accumulators, candidate.combine.getResult());
  });
  if (found.size() != 1)
    return emitError(func.getLoc())
               << "moe-shard: expected one MoE layer in @" << func.getSymName()
               << " (a moe.layer, or moe.experts with weight arguments feeding "
                  "moe.combine), found "
               << found.size(),
           failure();
  // The experts' rows are replaced by the exchanged ones: no other user may
  // see them.
  if (!found.front().experts->hasOneUse())
    return emitError(func.getLoc())
               << "moe-shard: the routed experts' output in @"
               << func.getSymName()
               << " has users other than moe.combine; only the combined "
                  "output can be sharded",
           failure();
  return found.front();
}

/// Checks that weight `w` is an argument of `func` used only by the routed
/// experts, so that its type can become the rank's slice.
LogicalResult checkWeightArgument(func::FuncOp func, Value w, StringRef name) {
  auto arg = dyn_cast<BlockArgument>(w);
  if (!arg || arg.getOwner() != &func.getBody().front())
    return emitError(func.getLoc())
           << "moe-shard: expected " << name << " to be an argument of @"
           << func.getSymName() << " (each rank is given its own experts)";
  if (!arg.hasOneUse())
    return emitError(func.getLoc())
           << "moe-shard: expected " << name << " (argument #"
           << arg.getArgNumber() << ") to be used by the layer only";
  return success();
}

/// Gives the token argument `x` and the layer's result this rank's rows:
/// `T/R` of them when `R` divides a static `T`, else a dynamic count (the
/// ranks hold `floor(T/R)` or `ceil(T/R)` rows, some none when `T < R`; the
/// program is the same on every rank). Expert choice also needs a dynamic
/// count when `T/R` is below its capacity (layer_c3 bounds `C` by a static
/// `T`; with a dynamic one, slots past the rank's tokens are empty).
LogicalResult shardTokens(func::FuncOp func, LayerOp layer, int64_t ranks) {
  auto x = dyn_cast<BlockArgument>(layer.getX());
  if (!x || x.getOwner() != &func.getBody().front() || !x.hasOneUse())
    return emitError(func.getLoc())
           << "moe-shard: expected the layer's tokens to be "
              "an argument of @"
           << func.getSymName() << " used by the layer only";
  auto ret = dyn_cast<func::ReturnOp>(func.getBody().front().getTerminator());
  if (!layer->hasOneUse() || *layer->user_begin() != ret.getOperation())
    return emitError(func.getLoc())
           << "moe-shard: expected @" << func.getSymName()
           << " to return the layer's result directly";
  auto type = cast<RankedTensorType>(x.getType());
  int64_t t = type.getDimSize(0);
  markArgument(func, x.getArgNumber(), {"ranks", ""});
  if (ShapedType::isDynamic(t))
    return success();
  int64_t local = t % ranks ? ShapedType::kDynamic : t / ranks;
  if (ExpertChoiceAttr choice = layer.getExpertChoice())
    if (!ShapedType::isDynamic(local) && choice.getCapacity() > local)
      local = ShapedType::kDynamic;
  retypeArgument(func, x,
                 RankedTensorType::get({local, type.getDimSize(1)},
                                       type.getElementType()));
  layer.getResult().setType(
      RankedTensorType::get({local, layer.getType().getDimSize(1)},
                            layer.getType().getElementType()));
  func.setFunctionType(FunctionType::get(
      func.getContext(), func.getArgumentTypes(), ret.getOperandTypes()));
  return success();
}

/// Replaces the routed experts by the exchange described at the top.
void shardExperts(OpBuilder &b, func::FuncOp func, RoutedExperts routed,
                  const Split &split) {
  ExpertsOp experts = routed.experts;
  CombineOp combine = routed.combine;
  Location loc = experts.getLoc();
  b.setInsertionPoint(combine);

  auto w1Type = cast<RankedTensorType>(experts.getW1().getType());
  int64_t e = w1Type.getDimSize(0), f = w1Type.getDimSize(1);
  int64_t el = e / split.ep;
  int64_t r = split.ranks;
  Value rows = experts.getRows();
  Value offsets = experts.getOffsets();
  auto rowsType = cast<RankedTensorType>(rows.getType());
  Type elementType = rowsType.getElementType();
  Type i32 = b.getI32Type(), f32 = b.getF32Type(), index = b.getIndexType();
  Value zero = indexConst(b, loc, 0), one = indexConst(b, loc, 1);
  Value tpV = indexConst(b, loc, split.tp), elV = indexConst(b, loc, el);
  Value rV = indexConst(b, loc, r);
  OpFoldResult dSize = tensor::getMixedSize(b, loc, rows, 1);
  SmallVector<Value> dDyn;
  if (rowsType.isDynamicDim(1)) {
    Value d = tensor::DimOp::create(b, loc, rows, 1);
    dDyn.push_back(d);
  }

  // First row of group g: offsets[g · E/ep].
  auto groupStart = [&](OpBuilder &nb, Location nl, Value g) {
    Value first = arith::MulIOp::create(nb, nl, g, elV);
    return extractIndex(nb, nl, offsets, first);
  };

  // send_counts[r]: the rows of group r / tp.
  auto countsType = RankedTensorType::get({r}, i32);
  Value sendCounts = tensor::GenerateOp::create(
      b, loc, countsType, ValueRange{},
      [&](OpBuilder &nb, Location nl, ValueRange ivs) {
        Value g = arith::DivUIOp::create(nb, nl, ivs[0], tpV);
        Value lo = arith::MulIOp::create(nb, nl, g, elV);
        Value hi = arith::AddIOp::create(nb, nl, lo, elV);
        Value a = tensor::ExtractOp::create(nb, nl, offsets, ValueRange{lo});
        Value c = tensor::ExtractOp::create(nb, nl, offsets, ValueRange{hi});
        Value count = arith::SubIOp::create(nb, nl, c, a);
        tensor::YieldOp::create(nb, nl, count);
      });

  // Per destination rank, the row count of each of its experts (as f32
  // rows: moe.all_to_all moves float rows), exchanged first so that a rank
  // can find the expert groups inside every block it receives.
  auto expertCountsType = RankedTensorType::get({r, el}, f32);
  Value expertCounts = tensor::GenerateOp::create(
      b, loc, expertCountsType, ValueRange{},
      [&](OpBuilder &nb, Location nl, ValueRange ivs) {
        Value g = arith::DivUIOp::create(nb, nl, ivs[0], tpV);
        Value first = arith::MulIOp::create(nb, nl, g, elV);
        Value ex = arith::AddIOp::create(nb, nl, first, ivs[1]);
        Value next = arith::AddIOp::create(nb, nl, ex, one);
        Value a = tensor::ExtractOp::create(nb, nl, offsets, ValueRange{ex});
        Value c = tensor::ExtractOp::create(nb, nl, offsets, ValueRange{next});
        Value n = arith::SubIOp::create(nb, nl, c, a);
        Value nf = arith::SIToFPOp::create(nb, nl, f32, n);
        tensor::YieldOp::create(nb, nl, nf);
      });
  Value ones = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(countsType, b.getI32IntegerAttr(1)));
  auto countsExchange =
      AllToAllOp::create(b, loc, expertCountsType, countsType, expertCounts,
                         ones, b.getI64IntegerAttr(r));
  Value recvExpertCounts = countsExchange.getResult();

  // The send buffers: for every destination rank, the rows of its group
  // (each group's rows go to its tp ranks), with their tokens and weights.
  // Slots past what is sent hold token -1 and weight 0.
  int64_t n = rowsType.getDimSize(0);
  int64_t sendRows =
      ShapedType::isDynamic(n) ? ShapedType::kDynamic : n * split.tp;
  SmallVector<Value> nDyn;
  if (ShapedType::isDynamic(n)) {
    Value rowCount = tensor::DimOp::create(b, loc, rows, 0);
    Value sendCount = arith::MulIOp::create(b, loc, rowCount, tpV);
    nDyn.push_back(sendCount);
  }
  SmallVector<Value> rowsDyn(nDyn);
  rowsDyn.append(dDyn);
  Value sendInit =
      zeros(b, loc, {sendRows, rowsType.getDimSize(1)}, elementType, rowsDyn);
  Value tokInit = filled(b, loc, {sendRows}, b.getI32IntegerAttr(-1), nDyn);
  Value wInit = zeros(b, loc, {sendRows}, f32, nDyn);
  Value tokens = combine.getRowTokens(), weights = combine.getRowWeights();
  auto pack = scf::ForOp::create(
      b, loc, zero, rV, one, ValueRange{sendInit, tokInit, wInit, zero},
      [&](OpBuilder &nb, Location nl, Value rank, ValueRange iter) {
        Value g = arith::DivUIOp::create(nb, nl, rank, tpV);
        Value src = groupStart(nb, nl, g);
        Value count = extractIndex(nb, nl, sendCounts, rank);
        Value pos = iter[3];
        SmallVector<OpFoldResult> unit2 = {nb.getIndexAttr(1),
                                           nb.getIndexAttr(1)};
        Value block = tensor::ExtractSliceOp::create(
            nb, nl, rows, SmallVector<OpFoldResult>{src, nb.getIndexAttr(0)},
            SmallVector<OpFoldResult>{count, dSize}, unit2);
        Value s = tensor::InsertSliceOp::create(
            nb, nl, block, iter[0],
            SmallVector<OpFoldResult>{pos, nb.getIndexAttr(0)},
            SmallVector<OpFoldResult>{count, dSize}, unit2);
        SmallVector<Value> next = {s};
        SmallVector<Value> perRow = {tokens, weights};
        for (auto [src1, dst1] : llvm::zip(perRow, iter.slice(1, 2))) {
          Value part = tensor::ExtractSliceOp::create(
              nb, nl, src1, SmallVector<OpFoldResult>{src},
              SmallVector<OpFoldResult>{count},
              SmallVector<OpFoldResult>{nb.getIndexAttr(1)});
          Value packed = tensor::InsertSliceOp::create(
              nb, nl, part, dst1, SmallVector<OpFoldResult>{pos},
              SmallVector<OpFoldResult>{count},
              SmallVector<OpFoldResult>{nb.getIndexAttr(1)});
          next.push_back(packed);
        }
        Value nextPos = arith::AddIOp::create(nb, nl, pos, count);
        next.push_back(nextPos);
        scf::YieldOp::create(nb, nl, next);
      });
  Value sendBuffer = pack.getResult(0);
  Value sentTotal = pack.getResult(3);

  auto dynRowsType = RankedTensorType::get(
      {ShapedType::kDynamic, rowsType.getDimSize(1)}, elementType);
  auto forward = AllToAllOp::create(b, loc, dynRowsType, countsType, sendBuffer,
                                    sendCounts, b.getI64IntegerAttr(r));
  Value received = forward.getResult();
  Value recvCounts = forward.getRecvCounts();

  // The local experts on each source rank's block, whose groups are given
  // by that rank's expert counts.
  Value m = tensor::DimOp::create(b, loc, received, 0);
  SmallVector<Value> mDyn = {m};
  mDyn.append(dDyn);
  Value yInit = zeros(b, loc, dynRowsType.getShape(), elementType, mDyn);
  // The expert biases: b1 and b3 are sliced as the rows of w1 and w3; b2
  // is added by each of the tp ranks of a group, so each adds b2 / tp and
  // the partial sums that moe.combine adds carry it once.
  Value b2Share = experts.getB2();
  if (b2Share && split.tp > 1) {
    auto b2Type = cast<RankedTensorType>(b2Share.getType());
    b2Share = divideBy(b, loc, b2Share, split.tp,
                       RankedTensorType::get({el, b2Type.getDimSize(1)},
                                             b2Type.getElementType()));
  }
  auto offsetsType = RankedTensorType::get({el + 1}, i32);
  auto compute = scf::ForOp::create(
      b, loc, zero, rV, one, ValueRange{yInit, zero},
      [&](OpBuilder &nb, Location nl, Value source, ValueRange iter) {
        Value count = extractIndex(nb, nl, recvCounts, source);
        Value pos = iter[1];
        Value localOffsets = tensor::GenerateOp::create(
            nb, nl, offsetsType, ValueRange{},
            [&](OpBuilder &gb, Location gl, ValueRange ivs) {
              Value zeroI = arith::ConstantIntOp::create(gb, gl, 0, 32);
              Value zeroX = arith::ConstantIndexOp::create(gb, gl, 0);
              Value oneX = arith::ConstantIndexOp::create(gb, gl, 1);
              auto sum = scf::ForOp::create(
                  gb, gl, zeroX, ivs[0], oneX, ValueRange{zeroI},
                  [&](OpBuilder &sb, Location sl, Value l, ValueRange acc) {
                    Value c = tensor::ExtractOp::create(
                        sb, sl, recvExpertCounts, ValueRange{source, l});
                    Value ci = arith::FPToSIOp::create(sb, sl, i32, c);
                    Value total = arith::AddIOp::create(sb, sl, acc[0], ci);
                    scf::YieldOp::create(sb, sl, total);
                  });
              tensor::YieldOp::create(gb, gl, sum.getResult(0));
            });
        SmallVector<OpFoldResult> unit2 = {nb.getIndexAttr(1),
                                           nb.getIndexAttr(1)};
        SmallVector<OpFoldResult> at = {pos, nb.getIndexAttr(0)};
        SmallVector<OpFoldResult> size = {count, dSize};
        Value block = tensor::ExtractSliceOp::create(nb, nl, dynRowsType,
                                                     received, at, size, unit2);
        Value y = ExpertsOp::create(
            nb, nl, dynRowsType, block, localOffsets, experts.getW1(),
            experts.getW3(), experts.getW2(), experts.getB1(),
            experts.getB3(), b2Share,
            experts.getActivationAttr(), experts.getAlphaAttr(),
            experts.getLimitAttr(), experts.getLimitAfterActAttr(),
            experts.getOutNorm(), experts.getRmsNormEpsAttr(),
            experts.getGateSoftcapAttr(), experts.getUpSoftcapAttr());
        Value out =
            tensor::InsertSliceOp::create(nb, nl, y, iter[0], at, size, unit2);
        Value nextPos = arith::AddIOp::create(nb, nl, pos, count);
        scf::YieldOp::create(nb, nl, ValueRange{out, nextPos});
      });

  // Back to the ranks the rows came from: they arrive in the order they
  // were sent, so the packed tokens and weights describe them.
  auto backward =
      AllToAllOp::create(b, loc, dynRowsType, countsType, compute.getResult(0),
                         recvCounts, b.getI64IntegerAttr(r));
  auto sliceTo = [&](Value v) -> Value {
    return tensor::ExtractSliceOp::create(
        b, loc, v, SmallVector<OpFoldResult>{b.getIndexAttr(0)},
        SmallVector<OpFoldResult>{sentTotal},
        SmallVector<OpFoldResult>{b.getIndexAttr(1)});
  };
  Value sentTokens = sliceTo(pack.getResult(1));
  Value sentWeights = sliceTo(pack.getResult(2));
  auto out = CombineOp::create(b, loc, combine.getType(), backward.getResult(),
                               sentTokens, sentWeights, combine.getAcc());
  combine.getResult().replaceAllUsesWith(out.getResult());
  combine.erase();

  // The weights become the rank's slice: experts g·E/ep.., columns j·F/tp..
  int64_t ft = f / split.tp;
  // The biases b1, b3: [E, F] (experts and inner rows) and b2: [E, D]
  // (experts only).
  enum class Inner { rows, columns, none };
  struct WeightSlice {
    Value value;
    Inner inner;
  };
  // The per-expert output norm [E, D] is sliced by expert only (tp = 1).
  SmallVector<WeightSlice> slices = {{experts.getW1(), Inner::rows},
                                     {experts.getW2(), Inner::columns},
                                     {experts.getW3(), Inner::rows},
                                     {experts.getB1(), Inner::rows},
                                     {experts.getB3(), Inner::rows},
                                     {experts.getB2(), Inner::none},
                                     {experts.getOutNorm(), Inner::none}};
  experts.erase();
  for (auto [w, inner] : slices) {
    if (!w)
      continue;
    auto arg = cast<BlockArgument>(w);
    auto type = cast<RankedTensorType>(w.getType());
    SmallVector<int64_t> shape(type.getShape());
    SmallVector<StringRef> axes(shape.size(), "");
    shape[0] = el;
    axes[0] = "ep";
    if (inner != Inner::none) {
      unsigned dim = inner == Inner::columns ? 2 : 1;
      shape[dim] = ft;
      axes[dim] = "tp";
    }
    retypeArgument(func, arg,
                   RankedTensorType::get(shape, type.getElementType()));
    markArgument(func, arg.getArgNumber(), axes);
  }
  (void)index;
}

struct MoEShardPass : public moe::impl::MoEShardBase<MoEShardPass> {
  using MoEShardBase::MoEShardBase;

  void runOnOperation() override;

private:
  /// The split to use for a layer with `problem`, from the options or the
  /// cost model; records the model's table in `report`.
  FailureOr<Split> chooseSplit(func::FuncOp func, ShardProblem problem,
                               llvm::json::Array &report);
  LogicalResult shardFunction(func::FuncOp func, llvm::json::Array &report);
};

FailureOr<Split> MoEShardPass::chooseSplit(func::FuncOp func,
                                           ShardProblem problem,
                                           llvm::json::Array &report) {
  SmallVector<ShardCandidate> candidates = evaluateShardSplits(problem);
  int chosen = pickShardSplit(candidates);
  llvm::json::Object entry{{"function", func.getSymName().str()}};
  llvm::json::Value table = shardReportToJSON(problem, candidates, chosen);
  for (auto &kv : *table.getAsObject())
    entry[kv.first] = kv.second;
  report.push_back(std::move(entry));

  Split split;
  split.ranks = ranks;
  if (ep == 0 && tp == 0) {
    if (chosen < 0)
      return emitError(func.getLoc())
                 << "moe-shard: no split of " << int64_t(ranks)
                 << " ranks fits E = " << problem.experts
                 << " and F = " << problem.inner
                 << " (ep must divide E, tp must divide F)",
             failure();
    split.ep = candidates[chosen].ep;
    split.tp = candidates[chosen].tp;
  } else {
    split.ep = ep ? int64_t(ep) : ranks / tp;
    split.tp = tp ? int64_t(tp) : ranks / ep;
  }
  if (split.ep * split.tp != ranks)
    return emitError(func.getLoc())
               << "moe-shard: ep = " << split.ep << " times tp = " << split.tp
               << " must equal ranks = " << int64_t(ranks),
           failure();
  if (problem.experts % split.ep)
    return emitError(func.getLoc())
               << "moe-shard: E = " << problem.experts
               << " experts do not split evenly over ep = " << split.ep,
           failure();
  if (problem.inner % split.tp)
    return emitError(func.getLoc())
               << "moe-shard: F = " << problem.inner
               << " does not split evenly over tp = " << split.tp,
           failure();
  return split;
}

LogicalResult MoEShardPass::shardFunction(func::FuncOp func,
                                          llvm::json::Array &report) {
  SmallVector<LayerOp> layers;
  func.walk([&](LayerOp l) { layers.push_back(l); });
  if (layers.size() > 1)
    return emitError(func.getLoc())
           << "moe-shard: expected one moe.layer in @" << func.getSymName()
           << ", found " << layers.size();

  // The layer's sizes, for the checks and the cost model.
  ShardProblem problem;
  Value xValue;
  if (!layers.empty()) {
    LayerOp layer = layers.front();
    xValue = layer.getX();
    problem.gated = layer.isGated();
    if (RoutingAttr routing = layer.getTokenChoice())
      problem.topK = routing.getK();
    if (int64_t stacked = layer.getNumStackedShared())
      problem.sharedInner =
          stacked *
          cast<RankedTensorType>(layer.getSharedW1().getType()).getDimSize(1);
    else if (layer.hasSharedExpert())
      problem.sharedInner =
          cast<RankedTensorType>(layer.getSharedW1().getType()).getDimSize(0);
    for (auto [w, name] : {std::pair<Value, StringRef>{layer.getW1(), "w1"},
                           {layer.getW3(), "w3"},
                           {layer.getW2(), "w2"},
                           {layer.getB1(), "b1"},
                           {layer.getB3(), "b3"},
                           {layer.getB2(), "b2"},
                           {layer.getExpertNorm(), "expert_norm"}})
      if (w && failed(checkWeightArgument(func, w, name)))
        return failure();
  }
  FailureOr<RoutedExperts> routed;
  if (layers.empty()) {
    routed = findRoutedExperts(func);
    if (failed(routed))
      return failure();
    ExpertsOp experts = routed->experts;
    problem.gated = experts.isGated();
    for (auto [w, name] : {std::pair<Value, StringRef>{experts.getW1(), "w1"},
                           {experts.getW3(), "w3"},
                           {experts.getW2(), "w2"},
                           {experts.getB1(), "b1"},
                           {experts.getB3(), "b3"},
                           {experts.getB2(), "b2"},
                           {experts.getOutNorm(), "out_norm"}})
      if (w && failed(checkWeightArgument(func, w, name)))
        return failure();
    auto dispatch = experts.getRows().getDefiningOp<DispatchOp>();
    if (!dispatch)
      return emitError(func.getLoc())
             << "moe-shard: expected the routed moe.experts to read the rows "
                "of a moe.dispatch (shard expert-choice layers from moe.layer)";
    xValue = dispatch.getX();
    problem.topK =
        cast<RankedTensorType>(dispatch.getIndices().getType()).getDimSize(1);
    if (!ShapedType::isDynamic(
            cast<RankedTensorType>(xValue.getType()).getDimSize(0)))
      return emitError(func.getLoc())
             << "moe-shard: a decomposed layer must have a dynamic token "
                "count (its ops are typed for all T tokens); shard the "
                "moe.layer instead";
  }
  Value w1 = layers.empty() ? routed->experts.getW1() : layers[0].getW1();
  auto w1Type = cast<RankedTensorType>(w1.getType());
  auto xType = cast<RankedTensorType>(xValue.getType());
  problem.experts = w1Type.getDimSize(0);
  problem.inner = w1Type.getDimSize(1);
  problem.hidden = w1Type.getDimSize(2);
  problem.elementBytes =
      std::max<int64_t>(1, w1Type.getElementType().getIntOrFloatBitWidth() / 8);
  if (!layers.empty() && !problem.topK) {
    // Expert choice: C tokens per expert, i.e. E·C/T assignments a token.
    int64_t c = layers[0].getExpertChoice().getCapacity();
    int64_t t = xType.getDimSize(0);
    problem.topK = ShapedType::isDynamic(t)
                       ? 1
                       : std::max<int64_t>(1, problem.experts * c / t);
  }
  if (ShapedType::isDynamic(problem.inner) ||
      ShapedType::isDynamic(problem.hidden))
    return emitError(func.getLoc())
           << "moe-shard: expected static expert weights";
  problem.ranks = ranks;
  int64_t t = xType.getDimSize(0);
  problem.tokens = !ShapedType::isDynamic(t) ? t
                   : tokens > 0              ? int64_t(tokens)
                                             : 1024 * int64_t(ranks);
  problem.bandwidthGBs = bandwidth;
  problem.latencyUs = latency;
  problem.gflops = gflops;

  FailureOr<Split> split = chooseSplit(func, problem, report);
  if (failed(split))
    return failure();
  bool expertNorm = layers.empty() ? static_cast<bool>(routed->experts.getOutNorm())
                                   : static_cast<bool>(layers[0].getExpertNorm());
  if (expertNorm && split->tp > 1)
    return emitError(func.getLoc())
           << "moe-shard: the per-expert output norm (expert_norm) needs each "
              "expert's whole down projection, which tensor parallelism "
              "splits over tp = "
           << split->tp << " ranks; use expert parallelism (tp = 1)";

  if (!layers.empty()) {
    if (failed(shardTokens(func, layers.front(), ranks)))
      return failure();
    OpPassManager pm(func::FuncOp::getOperationName());
    pm.addPass(createMoEDecompose());
    if (failed(runPipeline(pm, func)))
      return failure();
    routed = findRoutedExperts(func);
    if (failed(routed))
      return failure();
  } else {
    auto x = dyn_cast<BlockArgument>(xValue);
    if (!x || x.getOwner() != &func.getBody().front())
      return emitError(func.getLoc())
             << "moe-shard: expected the dispatched tokens "
                "to be an argument of @"
             << func.getSymName();
    // Every argument with a dynamic first dimension holds one row per token
    // (the router's logits, the combine's accumulator): each rank gets its
    // own tokens' rows of it, as of x. Left whole, a rank would route or
    // combine all T rows against its slice of x.
    for (BlockArgument arg : func.getArguments()) {
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      if (!type || type.getRank() == 0 || !type.isDynamicDim(0))
        continue;
      SmallVector<StringRef> axes(type.getRank(), "");
      axes.front() = "ranks";
      markArgument(func, arg.getArgNumber(), axes);
    }
  }

  OpBuilder b(func.getContext());
  shardExperts(b, func, *routed, *split);
  func->setAttr(kPlanAttr,
                b.getDictionaryAttr(
                    {b.getNamedAttr("ep", b.getI64IntegerAttr(split->ep)),
                     b.getNamedAttr("tp", b.getI64IntegerAttr(split->tp)),
                     b.getNamedAttr("ranks", b.getI64IntegerAttr(ranks))}));
  ++numSharded;
  return success();
}

void MoEShardPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (ranks < 1 || ep < 0 || tp < 0) {
    emitError(module.getLoc())
        << "moe-shard: expected ranks >= 1 and ep, tp >= 0, "
           "found ranks = "
        << int64_t(ranks) << ", ep = " << int64_t(ep)
        << ", tp = " << int64_t(tp);
    return signalPassFailure();
  }
  if (ranks > kMaxShardRanks) {
    emitError(module.getLoc())
        << "moe-shard: ranks = " << int64_t(ranks) << " is more than the "
        << kMaxShardRanks << " ranks a job may have";
    return signalPassFailure();
  }
  // The cost model's machine: rates must be positive, the latency may be 0.
  struct Rate {
    StringRef name;
    double value;
    bool zeroOk;
  } rates[] = {{"bandwidth", bandwidth, false},
               {"latency", latency, true},
               {"gflops", gflops, false}};
  for (const Rate &r : rates) {
    if (std::isfinite(r.value) && (r.value > 0 || (r.zeroOk && r.value == 0)))
      continue;
    emitError(module.getLoc())
        << "moe-shard: " << r.name << " = " << formatNumber(r.value)
        << " must be finite and " << (r.zeroOk ? "non-negative" : "positive");
    return signalPassFailure();
  }
  if (tokens < 0) {
    emitError(module.getLoc()) << "moe-shard: tokens = " << int64_t(tokens)
                               << " must be at least 0 (0: 1024 per rank)";
    return signalPassFailure();
  }
  if ((ep && ranks % ep) || (tp && ranks % tp)) {
    emitError(module.getLoc())
        << "moe-shard: ep = " << int64_t(ep) << " and tp = " << int64_t(tp)
        << " must divide ranks = " << int64_t(ranks);
    return signalPassFailure();
  }
  if (ep && tp && ep * tp != ranks) {
    emitError(module.getLoc())
        << "moe-shard: ep = " << int64_t(ep) << " times tp = " << int64_t(tp)
        << " must equal ranks = " << int64_t(ranks);
    return signalPassFailure();
  }

  SmallVector<func::FuncOp> funcs;
  module.walk([&](func::FuncOp func) {
    bool hasLayer = false;
    func.walk([&](Operation *op) {
      if (isa<LayerOp, ExpertsOp>(op))
        hasLayer = true;
    });
    if (hasLayer && !func.isExternal())
      funcs.push_back(func);
  });
  llvm::json::Array report;
  for (func::FuncOp func : funcs)
    if (failed(shardFunction(func, report)))
      return signalPassFailure();

  if (reportPath.empty())
    return;
  llvm::json::Value reportValue(std::move(report));
  if (llvm::Error err = writeOutputFile(reportPath, [&](raw_ostream &os) {
        os << llvm::formatv("{0:2}", reportValue) << "\n";
      })) {
    emitError(module.getLoc())
        << "moe-shard: cannot write report '" << reportPath.getValue()
        << "': " << llvm::toString(std::move(err));
    return signalPassFailure();
  }
}

} // namespace
