//===- ExpertFusion.cpp - experts and combine into fused grouped GEMMs ----===//
//
// Rewrites the expert computation of decomposed MoE IR into the fused ops
// of MoEFusedOps.td:
//
//   moe.experts (w1, w3, w2)  ->  moe.grouped_matmul_act (w1‖w3, epilogue:
//                                 activation and gating product)
//                               + moe.grouped_matmul (w2)            or
//   moe.experts + moe.combine ->  moe.grouped_matmul_act
//                               + moe.grouped_matmul_combine (w2, epilogue:
//                                 routing weight and scatter-add)
//
// and folds the shared expert of moe-decompose (a one-group moe.experts
// over every token whose output, optionally times sigmoid(x · gateᵀ), is the
// combine's accumulator) into the routed experts as m = S / F always-selected
// experts placed first.
//
// Every rewrite computes what the unfused IR computes (docs/Spec.md): the
// f32 products, their summation order and the roundings are the same, except
// that the [N, D] expert output is no longer rounded to the rows' element
// type before the combine (a difference only for 16-bit rows), and that a
// shared expert of m > 1 experts' width sums its m chunks separately.
// Whatever the pass cannot prove equivalent it leaves untouched. Biases go
// to the fused ops: b1‖b3 (a missing half zero) to moe.grouped_matmul_act,
// b2 to moe.grouped_matmul_combine; moe.experts with b2 whose combine
// cannot be fused stay unfused, and a shared expert is not folded into
// experts with biases. The fused ops have no output norm: moe.experts with
// out_norm stay unfused, and a shared expert with one is not folded.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/Transforms/Passes.h"
#include "moe/Dialect/MoE/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/SetVector.h"

#include <cstring>

namespace mlir {
namespace moe {
#define GEN_PASS_DEF_MOEEXPERTFUSION
#include "moe/Dialect/MoE/Transforms/Passes.h.inc"
} // namespace moe
} // namespace mlir

using namespace mlir;
using namespace mlir::moe;

namespace {

//===----------------------------------------------------------------------===//
// Constant weight data
//===----------------------------------------------------------------------===//

/// The dense elements of `v` when it is a constant, possibly reshaped (as
/// moe-decompose reshapes the shared expert's weights), whose elements are
/// whole bytes wide (f32, bf16, ...); null otherwise.
DenseElementsAttr constantData(Value v) {
  Operation *reshape = v.getDefiningOp();
  if (isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
          reshape)) {
    DenseElementsAttr source = constantData(reshape->getOperand(0));
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!source || !type || !type.hasStaticShape())
      return {};
    return source.reshape(type);
  }
  DenseIntOrFPElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) ||
      attr.getElementType().getIntOrFloatBitWidth() % 8 != 0)
    return {};
  return attr;
}

/// Bytes per element of `attr`.
size_t elementBytes(DenseElementsAttr attr) {
  return attr.getElementType().getIntOrFloatBitWidth() / 8;
}

/// The row-major bytes of `attr`, a splat expanded to every element.
std::vector<char> rowMajorBytes(DenseElementsAttr attr) {
  ArrayRef<char> raw = attr.getRawData();
  if (!attr.isSplat())
    return std::vector<char>(raw.begin(), raw.end());
  size_t bytes = elementBytes(attr);
  std::vector<char> out(bytes * attr.getNumElements());
  for (size_t i = 0, e = attr.getNumElements(); i < e; ++i)
    std::memcpy(out.data() + i * bytes, raw.data(), bytes);
  return out;
}

/// Row-major strides (in elements) of `shape`.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// `attr` with its dimensions permuted: result dimension i is dimension
/// perm[i] of `attr`.
DenseElementsAttr transposeData(DenseElementsAttr attr,
                                ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(attr.getType());
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> outShape;
  for (int64_t p : perm)
    outShape.push_back(shape[p]);
  SmallVector<int64_t> inStrides = stridesOf(shape);
  size_t bytes = elementBytes(attr);
  std::vector<char> in = rowMajorBytes(attr);
  std::vector<char> out(in.size());
  SmallVector<int64_t> index(outShape.size(), 0);
  for (int64_t linear = 0, e = attr.getNumElements(); linear < e; ++linear) {
    int64_t source = 0;
    for (size_t i = 0; i < index.size(); ++i)
      source += index[i] * inStrides[perm[i]];
    std::memcpy(out.data() + linear * bytes, in.data() + source * bytes, bytes);
    for (int64_t i = static_cast<int64_t>(index.size()) - 1; i >= 0; --i) {
      if (++index[i] < outShape[i])
        break;
      index[i] = 0;
    }
  }
  return DenseElementsAttr::getFromRawBuffer(
      RankedTensorType::get(outShape, type.getElementType()), out);
}

//===----------------------------------------------------------------------===//
// Packing weights
//===----------------------------------------------------------------------===//

/// A tensor placed at static `offsets` inside a packed tensor.
struct WeightBlock {
  Value value;
  SmallVector<int64_t> offsets;
};

/// Builds packed weight tensors from weight blocks: folded into a new
/// constant when every block is a constant, otherwise built when the
/// function runs (tensor.concat, or tensor.insert_slice into one
/// tensor.empty when blocks are placed along two dimensions), a copy per
/// call. Counts which of the two it did.
class WeightPacker {
public:
  WeightPacker(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  /// `parts` concatenated along `dim`.
  Value concat(ArrayRef<Value> parts, int64_t dim) {
    if (parts.size() == 1)
      return parts.front();
    RankedTensorType type =
        tensor::ConcatOp::inferResultType(dim, ValueRange(parts).getTypes());
    if (type.hasStaticShape()) {
      SmallVector<WeightBlock> blocks;
      int64_t at = 0;
      for (Value part : parts) {
        SmallVector<int64_t> offsets(type.getRank(), 0);
        offsets[dim] = at;
        blocks.push_back({part, offsets});
        at += cast<RankedTensorType>(part.getType()).getDimSize(dim);
      }
      if (Value folded = fold(type, blocks))
        return folded;
    }
    ++numAtRuntime;
    return tensor::ConcatOp::create(b, loc, dim, parts);
  }

  /// A tensor of the static type `type` made of `blocks`, which must cover
  /// it without overlap.
  Value assemble(RankedTensorType type, ArrayRef<WeightBlock> blocks) {
    if (Value folded = fold(type, blocks))
      return folded;
    ++numAtRuntime;
    Value packed =
        tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
    for (const WeightBlock &block : blocks) {
      auto blockType = cast<RankedTensorType>(block.value.getType());
      SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
      packed = tensor::InsertSliceOp::create(
          b, loc, block.value, packed,
          getAsIndexOpFoldResult(b.getContext(), block.offsets),
          getAsIndexOpFoldResult(b.getContext(), blockType.getShape()),
          strides);
    }
    return packed;
  }

  /// `v: [1, m·F, K]` as `[m, F, K]`: m experts whose rows are consecutive
  /// chunks of F rows.
  Value splitRows(Value v, int64_t m) {
    auto type = cast<RankedTensorType>(v.getType());
    int64_t s = type.getDimSize(1), k = type.getDimSize(2);
    auto outType = RankedTensorType::get({m, s / m, k}, type.getElementType());
    if (m == 1)
      return v;
    if (DenseElementsAttr data = constantData(v))
      return arith::ConstantOp::create(b, loc, data.reshape(outType));
    Value flat = tensor::CollapseShapeOp::create(
        b, loc, v, SmallVector<ReassociationIndices>{{0, 1}, {2}});
    return tensor::ExpandShapeOp::create(
        b, loc, outType, flat, SmallVector<ReassociationIndices>{{0, 1}, {2}});
  }

  /// `v: [1, K, m·F]` as `[m, K, F]`: m experts whose columns are
  /// consecutive chunks of F columns.
  Value splitColumns(Value v, int64_t m) {
    if (m == 1)
      return v;
    auto type = cast<RankedTensorType>(v.getType());
    int64_t k = type.getDimSize(1), s = type.getDimSize(2);
    auto chunked = RankedTensorType::get({k, m, s / m}, type.getElementType());
    SmallVector<int64_t> perm = {1, 0, 2};
    if (DenseElementsAttr data = constantData(v))
      return arith::ConstantOp::create(
          b, loc, transposeData(data.reshape(chunked), perm));
    Value flat = tensor::CollapseShapeOp::create(
        b, loc, v, SmallVector<ReassociationIndices>{{0, 1}, {2}});
    Value split = tensor::ExpandShapeOp::create(
        b, loc, chunked, flat, SmallVector<ReassociationIndices>{{0}, {1, 2}});
    Value init = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{m, k, s / m},
                                         type.getElementType());
    return linalg::TransposeOp::create(b, loc, split, init, perm)
        .getResult()[0];
  }

  int64_t numFolded = 0;
  int64_t numAtRuntime = 0;

private:
  /// The blocks as one constant of `type`, or null unless every block is a
  /// constant.
  Value fold(RankedTensorType type, ArrayRef<WeightBlock> blocks) {
    SmallVector<DenseElementsAttr> data;
    for (const WeightBlock &block : blocks) {
      data.push_back(constantData(block.value));
      if (!data.back())
        return {};
    }
    size_t bytes = elementBytes(data.front());
    SmallVector<int64_t> strides = stridesOf(type.getShape());
    std::vector<char> out(type.getNumElements() * bytes);
    for (auto [block, attr] : llvm::zip(blocks, data)) {
      ArrayRef<int64_t> shape =
          cast<RankedTensorType>(attr.getType()).getShape();
      std::vector<char> in = rowMajorBytes(attr);
      // Copy the block's innermost rows, one memcpy each.
      int64_t rank = shape.size(), inner = shape.back();
      SmallVector<int64_t> index(rank, 0);
      for (int64_t row = 0,
                   e = attr.getNumElements() / std::max<int64_t>(inner, 1);
           row < e; ++row) {
        int64_t target = 0;
        for (int64_t i = 0; i < rank; ++i)
          target += (block.offsets[i] + index[i]) * strides[i];
        std::memcpy(out.data() + target * bytes,
                    in.data() + row * inner * bytes, inner * bytes);
        for (int64_t i = rank - 2; i >= 0; --i) {
          if (++index[i] < shape[i])
            break;
          index[i] = 0;
        }
      }
    }
    ++numFolded;
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::getFromRawBuffer(type, out));
  }

  OpBuilder &b;
  Location loc;
};

//===----------------------------------------------------------------------===//
// What the rewrites may assume
//===----------------------------------------------------------------------===//

/// Whether `v` is `index_cast(tensor.dim(rows, 0))`.
bool isRowCountOf(Value v, Value rows) {
  auto cast = v.getDefiningOp<arith::IndexCastOp>();
  if (!cast)
    return false;
  auto dim = cast.getIn().getDefiningOp<tensor::DimOp>();
  std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
  return dim && dim.getSource() == rows && index == 0;
}

/// The values of the constant i32 `offsets`, if it is one.
std::optional<SmallVector<int64_t>> constantOffsets(Value offsets) {
  DenseIntElementsAttr attr;
  if (!matchPattern(offsets, m_Constant(&attr)))
    return std::nullopt;
  SmallVector<int64_t> values;
  for (const APInt &v : attr.getValues<APInt>())
    values.push_back(v.getSExtValue());
  return values;
}

/// How the groups of an expert op's `offsets` are known to split its rows.
struct Partition {
  /// The groups are disjoint, so every row belongs to at most one group.
  bool disjoint = false;
  /// Every row outside all groups has a token outside [0, T) in the
  /// combine's `row_tokens`, so it contributes nothing there.
  bool unassignedRowsIgnored = false;
  /// offsets[0] is 0: group 0 starts at the first row.
  bool startsAtZero = false;
};

/// What is known of `offsets` (grouping `rows`) for a combine that reads
/// `rowTokens`. Known: the offsets of moe.dispatch (non-decreasing from 0;
/// its rows outside every group carry token -1 in its row_tokens), constant
/// non-decreasing offsets (expert choice), and the single group [0, N) of
/// moe-decompose's shared expert.
Partition analyzeOffsets(Value offsets, Value rows, Value rowTokens) {
  Partition p;
  auto dispatch = offsets.getDefiningOp<DispatchOp>();
  if (dispatch && offsets == dispatch.getOffsets()) {
    p.disjoint = p.startsAtZero = true;
    p.unassignedRowsIgnored = rowTokens == dispatch.getRowTokens();
    return p;
  }
  if (std::optional<SmallVector<int64_t>> values = constantOffsets(offsets)) {
    p.disjoint = llvm::is_sorted(*values);
    p.startsAtZero = values->front() == 0;
    int64_t n = cast<RankedTensorType>(rows.getType()).getDimSize(0);
    p.unassignedRowsIgnored = p.disjoint && values->front() <= 0 &&
                              !ShapedType::isDynamic(n) && values->back() >= n;
    return p;
  }
  auto elements = offsets.getDefiningOp<tensor::FromElementsOp>();
  if (elements && elements.getElements().size() == 2 &&
      matchPattern(elements.getElements()[0], m_Zero()) &&
      isRowCountOf(elements.getElements()[1], rows))
    p.disjoint = p.startsAtZero = p.unassignedRowsIgnored = true;
  return p;
}

/// Whether `experts` is one expert applied to all of its rows, row t being
/// token t: a single group [0, N).
bool isSingleGroupOverAllRows(ExpertsOp experts) {
  if (experts.getW1().getType().getDimSize(0) != 1)
    return false;
  Partition p =
      analyzeOffsets(experts.getOffsets(), experts.getRows(), Value());
  return p.disjoint && p.startsAtZero && p.unassignedRowsIgnored;
}

/// `v` without the float extensions and truncations around it.
Value skipFloatCasts(Value v) {
  while (Operation *op = v.getDefiningOp()) {
    if (!isa<arith::ExtFOp, arith::TruncFOp>(op))
      break;
    v = op->getOperand(0);
  }
  return v;
}

/// Whether `v` computes 1 / (1 + exp(-arg)).
bool isSigmoidOf(Value v, Value arg) {
  auto div = skipFloatCasts(v).getDefiningOp<arith::DivFOp>();
  if (!div || !matchPattern(div.getLhs(), m_OneFloat()))
    return false;
  auto add = div.getRhs().getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value other = add.getRhs();
  if (!matchPattern(add.getLhs(), m_OneFloat())) {
    if (!matchPattern(add.getRhs(), m_OneFloat()))
      return false;
    other = add.getLhs();
  }
  auto exp = other.getDefiningOp<math::ExpOp>();
  auto neg = exp ? exp.getOperand().getDefiningOp<arith::NegFOp>() : nullptr;
  return neg && neg.getOperand() == arg;
}

/// The shared expert's sigmoid gate as moe-decompose writes it:
/// out[t, d] = v[t, d] · sigmoid(g[t, 0]) with g: [T, 1] f32. Returns g, or
/// null when `op` is not that.
Value matchSigmoidGate(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumLoops() != 2 || op.getNumParallelLoops() != 2)
    return {};
  MLIRContext *ctx = op.getContext();
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  auto identity = AffineMap::get(2, 0, {d0, d1}, ctx);
  auto column = AffineMap::get(2, 0, {d0, getAffineConstantExpr(0, ctx)}, ctx);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[0] != identity || maps[1] != column || maps[2] != identity)
    return {};
  Value g = op.getDpsInputs()[1];
  if (!cast<RankedTensorType>(g.getType()).getElementType().isF32())
    return {};
  mlir::Block &body = op.getRegion().front();
  if (!body.getArgument(2).use_empty())
    return {};
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto mul =
      skipFloatCasts(yield.getValues()[0]).getDefiningOp<arith::MulFOp>();
  if (!mul)
    return {};
  Value v = body.getArgument(0), gate = body.getArgument(1);
  Value lhs = mul.getLhs(), rhs = mul.getRhs();
  bool ok = (skipFloatCasts(lhs) == v && isSigmoidOf(rhs, gate)) ||
            (skipFloatCasts(rhs) == v && isSigmoidOf(lhs, gate));
  return ok ? g : Value();
}

/// The shared expert behind a combine's accumulator.
struct SharedExpert {
  ExpertsOp experts;
  /// The gate's [T, 1] f32 logits, or null for an ungated shared expert.
  Value gateLogits;
  /// The linalg.generic applying the gate, or null.
  linalg::GenericOp gateOp;
};

/// The shared expert that `acc` is the output of, when it is moe-decompose's
/// form of one and nothing else reads it.
std::optional<SharedExpert> matchSharedExpert(Value acc) {
  SharedExpert shared;
  Value out = acc;
  if (auto gate = acc.getDefiningOp<linalg::GenericOp>()) {
    shared.gateLogits = matchSigmoidGate(gate);
    if (!shared.gateLogits || !gate->hasOneUse())
      return std::nullopt;
    shared.gateOp = gate;
    out = gate.getDpsInputs()[0];
  }
  // The gate reads the expert output as its input and (unread) as its init.
  Operation *reader = shared.gateOp ? shared.gateOp.getOperation() : nullptr;
  shared.experts = out.getDefiningOp<ExpertsOp>();
  if (!shared.experts || shared.experts.getOutNorm() ||
      !isSingleGroupOverAllRows(shared.experts) ||
      !llvm::all_of(out.getUsers(), [&](Operation *user) {
        return reader ? user == reader : out.hasOneUse();
      }))
    return std::nullopt;
  return shared;
}

//===----------------------------------------------------------------------===//
// The rewrites
//===----------------------------------------------------------------------===//

int64_t dimOf(Value v, int64_t i) {
  return cast<RankedTensorType>(v.getType()).getDimSize(i);
}

Type elementTypeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

/// A rank-1 linalg.generic over `init` reading `inputs` through `maps`.
Value generic1D(OpBuilder &b, Location loc, ValueRange inputs,
                ArrayRef<AffineMap> maps, Value init,
                function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(b.getMultiDimIdentityMap(1));
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, allMaps,
      SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, body(nb, nl, args));
      });
  return op.getResult(0);
}

/// The operands of the fused ops: those of the routed experts and the
/// combine, or the same with the shared expert folded in as the first m
/// experts.
struct FusedOperands {
  Value rows, offsets, w13, w2, rowTokens, rowWeights, acc;
};

/// The rewrites, with their options and counts.
class ExpertFusion {
public:
  ExpertFusion(RewriterBase &rewriter, bool foldShared, bool packArguments)
      : rewriter(rewriter), foldShared(foldShared),
        packArguments(packArguments) {}

  /// Fuses `combine` with the moe.experts producing its rows (and the shared
  /// expert producing its accumulator, if any). Returns whether it did.
  bool fuseCombineOp(CombineOp combine);

  /// Rewrites `experts` into moe.grouped_matmul_act + moe.grouped_matmul.
  /// Returns whether it did.
  bool fuseUpProjection(ExpertsOp experts);

  int64_t numExperts = 0, numCombines = 0, numShared = 0;
  int64_t numFolded = 0, numAtRuntime = 0;

private:
  /// w1‖w3 (or w1) of `experts` prepended with the blocks of `shared`
  /// split into `m` experts; null when element types differ.
  Value packUp(WeightPacker &packer, ExpertsOp experts, ExpertsOp shared,
               int64_t m);
  /// w2 of `experts` prepended with the w2 of `shared` split into `m`
  /// experts.
  Value packDown(WeightPacker &packer, ExpertsOp experts, ExpertsOp shared,
                 int64_t m);
  /// How many experts of width F the shared expert `shared` splits into to
  /// join `experts`, or 0 when it cannot.
  int64_t sharedChunks(ExpertsOp experts, SharedExpert shared,
                       CombineOp combine);
  /// The fused operands with the shared expert folded in as m
  /// always-selected experts placed first: its rows (x, m times), tokens
  /// (0 .. T-1, m times) and row weights (1, or the sigmoid gate) before the
  /// routed ones, its weights split into m experts before the routed ones,
  /// and an accumulator of zeros.
  FusedOperands foldSharedExpert(ExpertsOp experts, CombineOp combine,
                                 SharedExpert shared, int64_t m,
                                 WeightPacker &packer);
  /// The moe.grouped_matmul_act of `rows` by `w13` (plus `b13`, when
  /// there is one) with `experts`'s activation: [N, F] in f32.
  Value buildUp(ExpertsOp experts, Value rows, Value offsets, Value w13,
                Value b13);
  /// The bias of the fused up projection: b1‖b3 ([E, 2F], a missing half
  /// zero) for gated experts, b1 otherwise; null without b1 and b3. Fails
  /// when the halves cannot be packed (element types differ, F is dynamic,
  /// or argument biases without pack-argument-weights).
  FailureOr<Value> packUpBias(WeightPacker &packer, ExpertsOp experts);

  /// Erases `ops` (in an order where each has no user left when erased),
  /// then every producer of their operands left without a use and without
  /// side effects: the shared expert's offsets and weight reshapes, and
  /// constants now packed into new ones.
  void eraseWithDeadProducers(ArrayRef<Operation *> ops) {
    llvm::SetVector<Operation *> worklist;
    auto addProducers = [&](Operation *op) {
      for (Value operand : op->getOperands())
        if (Operation *producer = operand.getDefiningOp())
          worklist.insert(producer);
    };
    for (Operation *op : ops)
      addProducers(op);
    for (Operation *op : ops) {
      worklist.remove(op);
      rewriter.eraseOp(op);
    }
    while (!worklist.empty()) {
      Operation *producer = worklist.pop_back_val();
      if (!isOpTriviallyDead(producer))
        continue;
      addProducers(producer);
      rewriter.eraseOp(producer);
    }
  }

  /// Whether `weights` may be packed: always with pack-argument-weights,
  /// else only when they are all constants (packed at compile time).
  /// Dequantized weights (moe.dequantize) never are: the packed copy would
  /// be the float weights, which the kernels never hold in memory for them.
  bool mayPack(ArrayRef<Value> weights) {
    if (llvm::any_of(weights,
                     [](Value w) { return w && w.getDefiningOp<DequantizeOp>(); }))
      return false;
    return packArguments || llvm::all_of(weights, [](Value w) {
             return static_cast<bool>(constantData(w));
           });
  }

  void count(WeightPacker &packer) {
    numFolded += packer.numFolded;
    numAtRuntime += packer.numAtRuntime;
  }

  RewriterBase &rewriter;
  bool foldShared, packArguments;
};

Value ExpertFusion::packUp(WeightPacker &packer, ExpertsOp experts,
                           ExpertsOp shared, int64_t m) {
  Value w1 = experts.getW1(), w3 = experts.getW3();
  if (w3 && elementTypeOf(w1) != elementTypeOf(w3))
    return {};
  if (!shared) {
    if (!w3)
      return w1;
    return packer.concat({w1, w3}, /*dim=*/1);
  }
  // [m + E, G, D] with G = 2F (gated) or F: shared chunks first; gated
  // weights hold w1 in rows [0, F) and w3 in rows [F, 2F).
  Value sharedW1 = packer.splitRows(shared.getW1(), m);
  if (!w3)
    return packer.concat({sharedW1, w1}, /*dim=*/0);
  int64_t e = dimOf(w1, 0), f = dimOf(w1, 1), d = dimOf(w1, 2);
  auto type = RankedTensorType::get({m + e, 2 * f, d}, elementTypeOf(w1));
  return packer.assemble(type,
                         {{sharedW1, {0, 0, 0}},
                          {w1, {m, 0, 0}},
                          {packer.splitRows(shared.getW3(), m), {0, f, 0}},
                          {w3, {m, f, 0}}});
}

Value ExpertFusion::packDown(WeightPacker &packer, ExpertsOp experts,
                             ExpertsOp shared, int64_t m) {
  Value w2 = experts.getW2();
  if (!shared)
    return w2;
  return packer.concat({packer.splitColumns(shared.getW2(), m), w2}, 0);
}

int64_t ExpertFusion::sharedChunks(ExpertsOp experts, SharedExpert shared,
                                   CombineOp combine) {
  ExpertsOp s = shared.experts;
  if (s.getActivation() != experts.getActivation() ||
      s.isGated() != experts.isGated() ||
      s.getAlphaAttr() != experts.getAlphaAttr() ||
      s.getLimitAttr() != experts.getLimitAttr() ||
      s.getLimitAfterAct() != experts.getLimitAfterAct() ||
      s.getGateSoftcapAttr() != experts.getGateSoftcapAttr() ||
      s.getUpSoftcapAttr() != experts.getUpSoftcapAttr() || s.hasBias())
    return 0;
  // Every weight is static, of the routed experts' element type; the
  // shared inner size S is a multiple of the routed one F.
  SmallVector<std::pair<Value, Value>> pairs = {{s.getW1(), experts.getW1()},
                                                {s.getW2(), experts.getW2()}};
  if (experts.isGated())
    pairs.push_back({s.getW3(), experts.getW3()});
  for (auto [sw, w] : pairs)
    if (!cast<RankedTensorType>(sw.getType()).hasStaticShape() ||
        !cast<RankedTensorType>(w.getType()).hasStaticShape() ||
        elementTypeOf(sw) != elementTypeOf(w))
      return 0;
  int64_t f = dimOf(experts.getW1(), 1), sf = dimOf(s.getW1(), 1);
  if (dimOf(s.getW1(), 2) != dimOf(experts.getW1(), 2) || sf % f != 0)
    return 0;
  // The rows are joined into one tensor; the combine stays in f32 or less,
  // where folding the gate into the row weights changes no rounding.
  if (elementTypeOf(s.getRows()) != elementTypeOf(experts.getRows()) ||
      elementTypeOf(combine.getAcc()).getIntOrFloatBitWidth() > 32)
    return 0;
  return sf / f;
}

FailureOr<Value> ExpertFusion::packUpBias(WeightPacker &packer,
                                          ExpertsOp experts) {
  Value b1 = experts.getB1(), b3 = experts.getB3();
  if (!b1 && !b3)
    return Value();
  if (!experts.isGated())
    return b1;
  Value present = b1 ? b1 : b3;
  auto type = cast<RankedTensorType>(present.getType());
  if (b1 && b3 && elementTypeOf(b1) != elementTypeOf(b3))
    return failure();
  SmallVector<Value> given;
  for (Value part : {b1, b3})
    if (part)
      given.push_back(part);
  if (!mayPack(given) || (given.size() == 1 && !type.hasStaticShape()))
    return failure();
  // The missing half: zeros of the other's static type.
  SmallVector<Value> parts = {b1, b3};
  for (Value &part : parts)
    if (!part)
      part = arith::ConstantOp::create(
          rewriter, experts.getLoc(),
          DenseElementsAttr::get(type,
                                 rewriter.getZeroAttr(type.getElementType())));
  return packer.concat(parts, /*dim=*/1);
}

Value ExpertFusion::buildUp(ExpertsOp experts, Value rows, Value offsets,
                            Value w13, Value b13) {
  int64_t n = dimOf(rows, 0), f = dimOf(experts.getW1(), 1);
  auto type = RankedTensorType::get({n, f}, rewriter.getF32Type());
  UnitAttr gated = experts.isGated() ? rewriter.getUnitAttr() : UnitAttr();
  return GroupedMatmulActOp::create(
      rewriter, experts.getLoc(), type, rows, w13, offsets, b13,
      experts.getActivationAttr(), gated, experts.getAlphaAttr(),
      experts.getLimitAttr(), experts.getLimitAfterActAttr(),
      experts.getGateSoftcapAttr(), experts.getUpSoftcapAttr());
}

FusedOperands ExpertFusion::foldSharedExpert(ExpertsOp experts,
                                             CombineOp combine,
                                             SharedExpert shared, int64_t m,
                                             WeightPacker &packer) {
  OpBuilder &b = rewriter;
  Location loc = combine.getLoc();
  Value x = shared.experts.getRows();
  Value t = tensor::DimOp::create(b, loc, x, 0);
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  int64_t staticT = dimOf(x, 0);

  // Token ids 0 .. T-1 of the shared rows.
  Value emptyTokens = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{staticT}, i32,
      ShapedType::isDynamic(staticT) ? ValueRange{t} : ValueRange{});
  Value iota = generic1D(b, loc, {}, {}, emptyTokens,
                         [&](OpBuilder &nb, Location nl, ValueRange) {
                           Value i = linalg::IndexOp::create(nb, nl, 0);
                           return arith::IndexCastOp::create(nb, nl, i32, i);
                         });
  // Their weights: sigmoid(g[t, 0]) with the gate, else 1.
  Value emptyWeights = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{staticT}, f32,
      ShapedType::isDynamic(staticT) ? ValueRange{t} : ValueRange{});
  Value weights;
  if (shared.gateLogits) {
    MLIRContext *ctx = b.getContext();
    AffineExpr d0 = getAffineDimExpr(0, ctx);
    auto column =
        AffineMap::get(1, 0, {d0, getAffineConstantExpr(0, ctx)}, ctx);
    weights = generic1D(
        b, loc, shared.gateLogits, column, emptyWeights,
        [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          Value one =
              arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(1.0));
          Value neg = arith::NegFOp::create(nb, nl, args[0]);
          Value denom = arith::AddFOp::create(nb, nl, one,
                                              math::ExpOp::create(nb, nl, neg));
          return arith::DivFOp::create(nb, nl, one, denom);
        });
  } else {
    Value one = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0));
    weights = linalg::FillOp::create(b, loc, one, emptyWeights).getResult(0);
  }

  // Offsets [0, T, .., (m-1)·T] followed by the routed offsets + m·T; the
  // routed offsets start at 0, so group m-1 ends at m·T.
  Value tI32 = arith::IndexCastOp::create(b, loc, i32, t);
  SmallVector<Value> starts;
  Value start = arith::ConstantIntOp::create(b, loc, 0, 32);
  for (int64_t i = 0; i < m; ++i) {
    starts.push_back(start);
    start = arith::AddIOp::create(b, loc, start, tI32);
  }
  Value prefix = tensor::FromElementsOp::create(b, loc, starts);
  Value routed = experts.getOffsets();
  Value shiftedInit =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{dimOf(routed, 0)}, i32);
  Value shifted =
      generic1D(b, loc, routed, b.getMultiDimIdentityMap(1), shiftedInit,
                [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
                  return arith::AddIOp::create(nb, nl, args[0], start);
                });

  FusedOperands ops;
  SmallVector<Value> rows(m, x), tokens(m, iota), rowWeights(m, weights);
  rows.push_back(experts.getRows());
  tokens.push_back(combine.getRowTokens());
  rowWeights.push_back(combine.getRowWeights());
  ops.rows = tensor::ConcatOp::create(b, loc, 0, rows);
  ops.rowTokens = tensor::ConcatOp::create(b, loc, 0, tokens);
  ops.rowWeights = tensor::ConcatOp::create(b, loc, 0, rowWeights);
  ops.offsets =
      tensor::ConcatOp::create(b, loc, 0, ValueRange{prefix, shifted});
  ops.w13 = packUp(packer, experts, shared.experts, m);
  ops.w2 = packDown(packer, experts, shared.experts, m);
  // The accumulator (the shared expert's output, about to be erased) has
  // the type of the shared expert's rows.
  auto accType = cast<RankedTensorType>(combine.getAcc().getType());
  ops.acc = filled(b, loc, accType.getShape(),
                   cast<TypedAttr>(b.getZeroAttr(accType.getElementType())),
                   dynamicSizes(b, loc, x));
  return ops;
}

bool ExpertFusion::fuseCombineOp(CombineOp combine) {
  auto experts = combine.getRows().getDefiningOp<ExpertsOp>();
  if (!experts || !experts->hasOneUse() || experts.getOutNorm())
    return false;
  Partition p = analyzeOffsets(experts.getOffsets(), experts.getRows(),
                               combine.getRowTokens());
  if (!p.disjoint || !p.unassignedRowsIgnored)
    return false;
  Value w1 = experts.getW1(), w3 = experts.getW3(), w2 = experts.getW2();
  if (w3 && (elementTypeOf(w1) != elementTypeOf(w3) || !mayPack({w1, w3})))
    return false;

  std::optional<SharedExpert> shared;
  int64_t m = 0;
  // The shared expert has no biases: it joins experts without any.
  if (foldShared && p.startsAtZero && !experts.hasBias())
    shared = matchSharedExpert(combine.getAcc());
  if (shared) {
    ExpertsOp s = shared->experts;
    SmallVector<Value> all = {w1, w2, s.getW1(), s.getW2()};
    if (w3)
      all.append({w3, s.getW3()});
    if (mayPack(all))
      m = sharedChunks(experts, *shared, combine);
  }

  rewriter.setInsertionPoint(combine);
  WeightPacker packer(rewriter, combine.getLoc());
  FailureOr<Value> b13 = packUpBias(packer, experts);
  if (failed(b13))
    return false;
  FusedOperands ops;
  if (m > 0) {
    ops = foldSharedExpert(experts, combine, *shared, m, packer);
  } else {
    ops = {experts.getRows(),
           experts.getOffsets(),
           packUp(packer, experts, nullptr, 0),
           packDown(packer, experts, nullptr, 0),
           combine.getRowTokens(),
           combine.getRowWeights(),
           combine.getAcc()};
  }
  Value h = buildUp(experts, ops.rows, ops.offsets, ops.w13, *b13);
  Value out = GroupedMatmulCombineOp::create(
      rewriter, combine.getLoc(), combine.getType(), h, ops.w2, ops.offsets,
      experts.getB2(), ops.rowTokens, ops.rowWeights, ops.acc);
  SmallVector<Operation *> replaced = {combine, experts};
  if (m > 0) {
    if (shared->gateOp)
      replaced.push_back(shared->gateOp);
    replaced.push_back(shared->experts);
    ++numShared;
  }
  rewriter.replaceAllUsesWith(combine.getResult(), out);
  eraseWithDeadProducers(replaced);
  count(packer);
  ++numExperts;
  ++numCombines;
  return true;
}

bool ExpertFusion::fuseUpProjection(ExpertsOp experts) {
  // moe.grouped_matmul has no bias and no norm: experts with b2 or
  // out_norm stay unfused.
  if (experts.getB2() || experts.getOutNorm())
    return false;
  Value w1 = experts.getW1(), w3 = experts.getW3();
  if (w3 && (elementTypeOf(w1) != elementTypeOf(w3) || !mayPack({w1, w3})))
    return false;
  rewriter.setInsertionPoint(experts);
  WeightPacker packer(rewriter, experts.getLoc());
  FailureOr<Value> b13 = packUpBias(packer, experts);
  if (failed(b13))
    return false;
  Value w13 = packUp(packer, experts, nullptr, 0);
  Value h =
      buildUp(experts, experts.getRows(), experts.getOffsets(), w13, *b13);
  Value y =
      GroupedMatmulOp::create(rewriter, experts.getLoc(), experts.getType(), h,
                              experts.getW2(), experts.getOffsets());
  rewriter.replaceOp(experts, y);
  count(packer);
  ++numExperts;
  return true;
}

struct MoEExpertFusionPass
    : public moe::impl::MoEExpertFusionBase<MoEExpertFusionPass> {
  using MoEExpertFusionBase::MoEExpertFusionBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    ExpertFusion fusion(rewriter, foldSharedExpert, packArgumentWeights);
    if (fuseCombine) {
      SmallVector<CombineOp> combines;
      getOperation()->walk([&](CombineOp op) { combines.push_back(op); });
      for (CombineOp combine : combines) {
        Location loc = combine.getLoc();
        int64_t shared = fusion.numShared;
        if (fusion.fuseCombineOp(combine) && remarks)
          emitRemark(loc) << "moe-expert-fusion: fused the experts and the "
                             "combine into moe.grouped_matmul_act and "
                             "moe.grouped_matmul_combine"
                          << (fusion.numShared > shared
                                  ? ", the shared expert folded in"
                                  : "");
      }
    }
    SmallVector<ExpertsOp> experts;
    getOperation()->walk([&](ExpertsOp op) { experts.push_back(op); });
    for (ExpertsOp op : experts) {
      Location loc = op.getLoc();
      Value w1 = op.getW1(), w3 = op.getW3();
      bool sameTypes = !w3 || getElementTypeOrSelf(w1.getType()) ==
                                  getElementTypeOrSelf(w3.getType());
      if (fusion.fuseUpProjection(op)) {
        if (remarks)
          emitRemark(loc) << "moe-expert-fusion: fused the up projection "
                             "into moe.grouped_matmul_act";
        continue;
      }
      ++numUnfused;
      if (!remarks)
        continue;
      if (op.getOutNorm())
        emitRemark(loc) << "moe-expert-fusion: left moe.experts unfused: the "
                           "fused ops have no output norm (out_norm)";
      else if (op.getB2())
        emitRemark(loc) << "moe-expert-fusion: left moe.experts unfused: its "
                           "down-projection bias b2 needs the combine fused "
                           "in (moe.grouped_matmul takes no bias)";
      else if (op.hasBias())
        emitRemark(loc) << "moe-expert-fusion: left moe.experts unfused: b1 "
                           "and b3 have different element types, or are not "
                           "constants and would be packed on every call";
      else if (!sameTypes)
        emitRemark(loc) << "moe-expert-fusion: left moe.experts unfused: w1 "
                           "and w3 have different element types";
      else if (w1.getDefiningOp<DequantizeOp>())
        emitRemark(loc) << "moe-expert-fusion: left moe.experts unfused: w1 "
                           "and w3 are dequantized (moe.dequantize), and "
                           "packing them would hold the float weights";
      else
        emitRemark(loc) << "moe-expert-fusion: left moe.experts unfused: w1 "
                           "and w3 are not constants, and packing them "
                           "(pack-argument-weights=true) would concatenate "
                           "them on every call";
    }
    numExpertsFused += fusion.numExperts;
    numCombinesFused += fusion.numCombines;
    numSharedFolded += fusion.numShared;
    numWeightsPackedAtCompileTime += fusion.numFolded;
    numWeightsPackedPerCall += fusion.numAtRuntime;
  }
};

} // namespace
