//===- Raise.cpp - Raise dense MoE code to moe.layer ----------------------===//
//
// moe-raise finds Mixture-of-Experts layers written densely in linalg,
// tensor, arith and math (as torch-mlir, StableHLO-to-linalg or hand-written
// code produce them) and replaces each by one moe.layer. A candidate is a
// value shaped like the last step of one of the forms (RaiseMatch.h, Form);
// it is raised only when the whole computation matches exactly and none of
// its intermediates is used outside it. Otherwise it is left untouched and,
// with `remarks`, a remark on it says why.
//
// The matchers live in RaiseExpr.cpp (expression view), RaiseRouting.cpp,
// RaiseExperts.cpp and RaiseOneHot.cpp; this file has the batched and
// unrolled forms, the checks shared by all forms, and the rewrite.
//
//===----------------------------------------------------------------------===//

#include "RaiseMatch.h"
#include "moe/Dialect/MoE/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace moe {
#define GEN_PASS_DEF_MOERAISE
#include "moe/Dialect/MoE/Transforms/Passes.h.inc"
} // namespace moe
} // namespace mlir

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

namespace {

//===----------------------------------------------------------------------===//
// Forms
//===----------------------------------------------------------------------===//

/// out[t, d] = sum_e W[t, e] · y[e, t, d] with y every expert's FFN over all
/// tokens; loops (t, d | e).
LogicalResult matchBatched(Matcher &m, Value root, LayerMatch &match,
                           bool &candidate) {
  MLIRContext *ctx = m.b.getContext();
  const Expr *y;
  SmallVector<const Expr *> weightFactors;
  if (failed(matchWeightedSum(m, root, 1, dimsMap(ctx, 3, {2, 0, 1}), y,
                              weightFactors, candidate)))
    return failure();
  // The weights in loops (t, e).
  AffineMap toTE =
      AffineMap::get(2, 0, {dim(ctx, 0), dim(ctx, 0), dim(ctx, 1)}, ctx);
  const Expr *w = m.b.remap(product(m.b, weightFactors), toTE);
  if (failed(matchRouting(m, w, match.routing)))
    return failure();
  Value rows = match.routing.x;
  if (failed(matchExpertFFN(m, y->value, rows, FFNKind::BroadcastRows,
                            match.ffn, /*first=*/true)))
    return failure();
  match.form = Form::Batched;
  match.numExperts = cast<RankedTensorType>(y->value.getType()).getDimSize(0);
  return success();
}

/// out = sum_e W[:, e] ⊙ y_e with y_e expert e's FFN over all tokens, in
/// elementwise ops (loops t, d).
LogicalResult matchUnrolled(Matcher &m, Value root, LayerMatch &match,
                            bool &candidate) {
  MLIRContext *ctx = m.b.getContext();
  auto op = root.getDefiningOp<linalg::LinalgOp>();
  if (!op || !op.isAllParallelLoops() ||
      cast<RankedTensorType>(root.getType()).getRank() != 2)
    return failure();
  SmallVector<const Expr *> all, terms;
  flatten(m.b.readIdentity(root), "arith.addf", all);
  for (const Expr *t : all)
    if (!isZero(t))
      terms.push_back(t);
  if (terms.size() < 2)
    return failure();
  struct Term {
    int64_t expert;
    Value y;
  };
  SmallVector<Term> parts;
  Value weights;
  bool sameWeights = true;
  for (const Expr *term : terms) {
    SmallVector<const Expr *> factors, column;
    flattenProduct(term, factors);
    const Expr *y = nullptr;
    for (const Expr *f : factors) {
      if (m.b.loopsUsed(f) & 2) {
        if (y || f->kind != Expr::Kind::Leaf ||
            f->map != dimsMap(ctx, 2, {0, 1}))
          return failure();
        y = f;
      } else {
        column.push_back(f);
      }
    }
    if (!y || column.empty())
      return failure();
    auto [w, map] = asLeaf(product(m.b, column));
    if (!w || map.getNumResults() != 2 || map.getResult(0) != dim(ctx, 0))
      return failure();
    auto c = dyn_cast<AffineConstantExpr>(map.getResult(1));
    if (!c)
      return failure();
    if (weights && w != weights)
      sameWeights = false;
    weights = w;
    parts.push_back({c.getValue(), y->value});
  }
  candidate = true;
  if (!sameWeights)
    return m.fail("the expert terms are scaled by columns of different "
                  "tensors");
  int64_t numExperts = cast<RankedTensorType>(weights.getType()).getDimSize(1);
  SmallVector<int> count(ShapedType::isDynamic(numExperts) ? 0 : numExperts, 0);
  for (const Term &p : parts) {
    if (p.expert < 0 || p.expert >= static_cast<int64_t>(count.size()))
      return m.fail("an expert term reads a column outside the routing "
                    "weights");
    if (count[p.expert]++)
      return m.fail("expert " + Twine(p.expert) +
                    "'s column scales more "
                    "than one term");
  }
  for (auto [e, n] : llvm::enumerate(count))
    if (!n)
      return m.fail("expert " + Twine(e) + " of " + Twine(numExperts) +
                    " has no term in the sum");
  if (failed(matchRouting(m, m.b.readIdentity(weights), match.routing)))
    return failure();
  llvm::sort(parts,
             [](const Term &a, const Term &b) { return a.expert < b.expert; });
  Value rows = match.routing.x;
  for (auto [i, p] : llvm::enumerate(parts))
    if (failed(matchExpertFFN(m, p.y, rows, FFNKind::Single, match.ffn,
                              /*first=*/i == 0)))
      return failure();
  match.form = Form::Unrolled;
  match.numExperts = numExperts;
  return success();
}

//===----------------------------------------------------------------------===//
// Checks shared by the forms
//===----------------------------------------------------------------------===//

bool isF32Tensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getElementType().isF32();
}

/// The [N, K] shape of one expert's matrix of `ref` (nn.Linear layout).
std::pair<int64_t, int64_t> matrixShape(const MatrixRef &ref) {
  ArrayRef<int64_t> s = cast<RankedTensorType>(ref.value.getType()).getShape();
  int64_t a = s[s.size() - 2], b = s.back();
  return ref.transposed ? std::make_pair(b, a) : std::make_pair(a, b);
}

/// Every expert's matrices of `refs` are [n, k] (dimensions may be dynamic
/// only where a stacked tensor is used as it is).
LogicalResult checkWeights(Matcher &m, ArrayRef<MatrixRef> refs,
                           int64_t numExperts, int64_t n, int64_t k,
                           const char *name) {
  for (const MatrixRef &ref : refs) {
    if (!isF32Tensor(ref.value))
      return m.fail(Twine("the expert weight ") + name + " is not f32");
    auto type = cast<RankedTensorType>(ref.value.getType());
    if (ref.stacked && type.getDimSize(0) != numExperts)
      return m.fail(Twine("the expert weight ") + name + " does not have " +
                    Twine(numExperts) + " experts");
    auto [rn, rk] = matrixShape(ref);
    bool stacking = !ref.stacked;
    if ((stacking &&
         (ShapedType::isDynamic(rn) || ShapedType::isDynamic(rk))) ||
        (!ShapedType::isDynamic(rn) && !ShapedType::isDynamic(n) && rn != n) ||
        (!ShapedType::isDynamic(rk) && !ShapedType::isDynamic(k) && rk != k))
      return m.fail(Twine("the expert weights ") + name +
                    " differ in shape or are dynamic");
    for (auto [i, c] : llvm::enumerate(ref.fixed))
      if (c < 0 || (!type.isDynamicDim(i) && c >= type.getDimSize(i)))
        return m.fail(Twine("an expert weight ") + name +
                      " slice is out of bounds");
  }
  if (!refs.front().stacked && static_cast<int64_t>(refs.size()) != numExperts)
    return m.fail("the number of expert chains differs from the experts");
  return success();
}

LogicalResult checkLayer(Matcher &m, Value root, LayerMatch &match) {
  Routing &r = match.routing;
  if (!isF32Tensor(r.x) || !isF32Tensor(r.router.value) || !isF32Tensor(root))
    return m.fail("only f32 layers are raised");
  if (root.getType() != r.x.getType())
    return m.fail("the result type differs from the type of x");
  auto [e, d] = matrixShape(r.router);
  int64_t numExperts = match.numExperts;
  if (ShapedType::isDynamic(e) || e != numExperts)
    return m.fail("the router and the experts disagree on the number of "
                  "experts");
  int64_t dim = cast<RankedTensorType>(r.x.getType()).getDimSize(1);
  if (!ShapedType::isDynamic(d) && !ShapedType::isDynamic(dim) && d != dim)
    return m.fail("the router and x disagree on the hidden size");
  ExpertFFN &ffn = match.ffn;
  int64_t f = matrixShape(ffn.w1.front()).first;
  if (failed(checkWeights(m, ffn.w1, numExperts, f, dim, "w1")) ||
      (ffn.gated &&
       failed(checkWeights(m, ffn.w3, numExperts, f, dim, "w3"))) ||
      failed(checkWeights(m, ffn.w2, numExperts, dim, f, "w2")))
    return failure();
  return success();
}

/// Operations that only make constants or shapes: shared freely.
bool isFree(Operation *op) {
  return isa<arith::ConstantOp, tensor::EmptyOp, tensor::DimOp, linalg::FillOp>(
      op);
}

/// The operations `root` is computed from, stopping at `boundary` (the
/// layer's operands). Fails when an intermediate is used outside them or
/// the computation reads another non-constant value.
LogicalResult collectPattern(Matcher &m, Operation *root,
                             const llvm::SmallPtrSetImpl<Value> &boundary,
                             llvm::SetVector<Operation *> &ops) {
  SmallVector<Operation *> work = {root};
  ops.insert(root);
  auto visit = [&](Operation *user, Value v) -> LogicalResult {
    if (boundary.contains(v))
      return success();
    Operation *def = v.getDefiningOp();
    if (!def) {
      // A block argument: only shapes may come from other arguments, and
      // values defined inside a body are the body's own.
      if (isa<tensor::DimOp>(user) ||
          root->isAncestor(v.getParentRegion()->getParentOp()) ||
          llvm::any_of(ops, [&](Operation *op) {
            return op->isAncestor(v.getParentRegion()->getParentOp());
          }))
        return success();
      return m.fail("the computation reads a value other than x and the "
                    "weights");
    }
    if (llvm::any_of(ops, [&](Operation *op) { return op->isAncestor(def); }))
      return success();
    if (ops.insert(def))
      work.push_back(def);
    return success();
  };
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    WalkResult walk = op->walk([&](Operation *inner) {
      for (Value v : inner->getOperands())
        if (failed(visit(inner, v)))
          return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
  }
  for (Operation *op : ops) {
    if (op == root || isFree(op))
      continue;
    for (Operation *user : op->getUsers())
      if (!llvm::any_of(ops, [&](Operation *o) { return o->isAncestor(user); }))
        return m.fail("an intermediate " + op->getName().getStringRef() +
                      " is also used outside the MoE pattern");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Rewrite
//===----------------------------------------------------------------------===//

Value transpose(OpBuilder &b, Location loc, Value v,
                ArrayRef<int64_t> permutation) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  SmallVector<Value> dynSizes;
  for (int64_t p : permutation) {
    shape.push_back(type.getDimSize(p));
    if (type.isDynamicDim(p))
      dynSizes.push_back(tensor::DimOp::create(b, loc, v, p));
  }
  Value init =
      tensor::EmptyOp::create(b, loc, shape, type.getElementType(), dynSizes);
  return linalg::TransposeOp::create(b, loc, v, init, permutation)
      ->getResult(0);
}

/// The [N, K] matrix of one expert.
Value expertMatrix(OpBuilder &b, Location loc, const MatrixRef &ref) {
  Value v = ref.value;
  auto type = cast<RankedTensorType>(v.getType());
  if (!ref.fixed.empty()) {
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> offsets, sizes, strides(rank, b.getIndexAttr(1));
    for (int64_t c : ref.fixed) {
      offsets.push_back(b.getIndexAttr(c));
      sizes.push_back(b.getIndexAttr(1));
    }
    for (int64_t i = rank - 2; i < rank; ++i) {
      offsets.push_back(b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(type.getDimSize(i)));
    }
    auto sliceType = RankedTensorType::get(type.getShape().take_back(2),
                                           type.getElementType());
    v = tensor::ExtractSliceOp::create(b, loc, sliceType, v, offsets, sizes,
                                       strides);
  }
  return ref.transposed ? transpose(b, loc, v, {1, 0}) : v;
}

/// The stacked [E, N, K] weight of `refs`.
Value stackWeights(OpBuilder &b, Location loc, ArrayRef<MatrixRef> refs,
                   int64_t numExperts) {
  const MatrixRef &first = refs.front();
  if (first.stacked)
    return first.transposed ? transpose(b, loc, first.value, {0, 2, 1})
                            : first.value;
  // Slices e = 0 .. E-1 of one [E, ., .] tensor: that tensor.
  bool slicesOfOne = llvm::all_of(llvm::enumerate(refs), [&](auto it) {
    const MatrixRef &r = it.value();
    auto type = cast<RankedTensorType>(r.value.getType());
    return r.value == first.value && r.transposed == first.transposed &&
           r.fixed.size() == 1 &&
           r.fixed[0] == static_cast<int64_t>(it.index()) &&
           type.getDimSize(0) == numExperts;
  });
  if (slicesOfOne)
    return first.transposed ? transpose(b, loc, first.value, {0, 2, 1})
                            : first.value;
  auto [n, k] = matrixShape(first);
  auto elementType =
      cast<RankedTensorType>(first.value.getType()).getElementType();
  Value stacked =
      tensor::EmptyOp::create(b, loc, {numExperts, n, k}, elementType);
  for (auto [e, ref] : llvm::enumerate(refs)) {
    Value matrix = expertMatrix(b, loc, ref);
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(e), b.getIndexAttr(0),
                                         b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(n),
                                       b.getIndexAttr(k)};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    stacked = tensor::InsertSliceOp::create(b, loc, matrix, stacked, offsets,
                                            sizes, strides);
  }
  return stacked;
}

LayerOp buildLayer(OpBuilder &b, Operation *root, const LayerMatch &match) {
  MLIRContext *ctx = b.getContext();
  Location loc = root->getLoc();
  const Routing &r = match.routing;
  const ExpertFFN &ffn = match.ffn;
  int64_t numExperts = match.numExperts;
  Value router = r.router.transposed ? transpose(b, loc, r.router.value, {1, 0})
                                     : r.router.value;
  Value w1 = stackWeights(b, loc, ffn.w1, numExperts);
  Value w3 = ffn.gated ? stackWeights(b, loc, ffn.w3, numExperts) : Value();
  Value w2 = stackWeights(b, loc, ffn.w2, numExperts);
  auto routing = RoutingAttr::get(
      ctx, r.k, r.scoring, r.normalize ? BoolAttr::get(ctx, true) : BoolAttr(),
      r.scaling != 1.0 ? FloatAttr::get(Float64Type::get(ctx), r.scaling)
                       : FloatAttr(),
      /*num_groups=*/0, /*topk_groups=*/0, GroupScore::top2sum);
  bool capped = match.form == Form::OneHot;
  return LayerOp::create(
      b, loc, r.x.getType(), r.x, router, /*bias=*/Value(), w1, w3, w2,
      /*shared_w1=*/Value(), /*shared_w3=*/Value(), /*shared_w2=*/Value(),
      /*shared_gate=*/Value(), /*router_bias=*/Value(), /*b1=*/Value(),
      /*b3=*/Value(), /*b2=*/Value(), /*output_bias=*/Value(),
      /*shared_b1=*/Value(), /*shared_b3=*/Value(), /*shared_b2=*/Value(),
      /*latent_in=*/Value(), /*latent_out=*/Value(),
      /*expert_scale=*/Value(), /*pre_norm=*/Value(), /*router_norm=*/Value(),
      /*post_norm=*/Value(), /*expert_norm=*/Value(), /*shared_norm=*/Value(),
      /*latent_in_bias=*/Value(), /*latent_out_bias=*/Value(), routing,
      ffn.activation,
      capped ? DropPolicy::position : DropPolicy::none,
      /*capacity_factor=*/FloatAttr(),
      capped ? b.getI64IntegerAttr(match.capacity) : IntegerAttr(),
      /*alpha=*/FloatAttr(), /*limit=*/FloatAttr(),
      /*shared_limit=*/FloatAttr(), /*limit_after_act=*/false,
      /*output_scale=*/FloatAttr(), /*identity_experts=*/0,
      /*rms_norm_eps=*/FloatAttr(), /*gate_softcap=*/FloatAttr(),
      /*up_softcap=*/FloatAttr());
}

StringRef formName(Form form) {
  switch (form) {
  case Form::Batched:
    return "batched";
  case Form::Unrolled:
    return "unrolled";
  case Form::OneHot:
    return "one-hot";
  }
  llvm_unreachable("unknown form");
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

struct MoERaisePass : public moe::impl::MoERaiseBase<MoERaisePass> {
  using MoERaiseBase::MoERaiseBase;

  /// Tries every form on `root`; on success fills `ops` with what the layer
  /// replaces. `candidate` tells whether any form recognized the root's
  /// shape; `walked` collects what the attempts looked at.
  LogicalResult tryRoot(Value root, LayerMatch &match,
                        llvm::SetVector<Operation *> &ops, bool &candidate,
                        std::string &why, llvm::DenseSet<Operation *> &walked) {
    using FormFn = LogicalResult (*)(Matcher &, Value, LayerMatch &, bool &);
    for (FormFn fn :
         {FormFn(matchOneHot), FormFn(matchBatched), FormFn(matchUnrolled)}) {
      ExprBuilder builder(&getContext());
      Matcher m(builder);
      LayerMatch attempt;
      bool isCandidate = false;
      LogicalResult result = fn(m, root, attempt, isCandidate);
      if (!isCandidate)
        continue;
      candidate = true;
      walked.insert(builder.walked().begin(), builder.walked().end());
      if (succeeded(result) && succeeded(checkLayer(m, root, attempt))) {
        llvm::SmallPtrSet<Value, 8> boundary;
        const Routing &r = attempt.routing;
        boundary.insert(r.x);
        boundary.insert(r.router.value);
        for (const auto *refs :
             {&attempt.ffn.w1, &attempt.ffn.w3, &attempt.ffn.w2})
          for (const MatrixRef &ref : *refs)
            boundary.insert(ref.value);
        if (succeeded(collectPattern(m, root.getDefiningOp(), boundary, ops))) {
          match = std::move(attempt);
          return success();
        }
        ops.clear();
      }
      why = m.why.empty() ? "the computation does not match exactly" : m.why;
      return failure();
    }
    return failure();
  }

  void runOnOperation() override {
    SmallVector<Operation *> roots;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op->getNumResults() == 1 &&
          isa<RankedTensorType>(op->getResult(0).getType()) &&
          cast<RankedTensorType>(op->getResult(0).getType()).getRank() == 2)
        roots.push_back(op);
    });
    llvm::DenseSet<Operation *> erased, covered;
    IRRewriter rewriter(&getContext());
    // Last ops first: the end of a layer is tried before its inner steps.
    for (Operation *root : llvm::reverse(roots)) {
      if (erased.contains(root))
        continue;
      LayerMatch match;
      llvm::SetVector<Operation *> ops;
      bool candidate = false;
      std::string why;
      llvm::DenseSet<Operation *> walked;
      if (failed(tryRoot(root->getResult(0), match, ops, candidate, why,
                         walked))) {
        // An inner step of a rejected candidate is not reported again.
        if (candidate && !covered.contains(root)) {
          ++numRejected;
          if (remarks)
            root->emitRemark() << "moe-raise: not raised: " << why;
        }
        if (candidate)
          covered.insert(walked.begin(), walked.end());
        continue;
      }
      rewriter.setInsertionPoint(root);
      LayerOp layer = buildLayer(rewriter, root, match);
      if (remarks)
        layer->emitRemark()
            << "moe-raise: raised the " << formName(match.form) << " form";
      rewriter.replaceOp(root, layer.getResult());
      erased.insert(root);
      // Erase what the layer replaced, uses first.
      bool changed = true;
      while (changed) {
        changed = false;
        for (Operation *op : ops) {
          if (erased.contains(op) || !op->use_empty())
            continue;
          rewriter.eraseOp(op);
          erased.insert(op);
          changed = true;
        }
      }
      switch (match.form) {
      case Form::Batched:
        ++numBatched;
        break;
      case Form::Unrolled:
        ++numUnrolled;
        break;
      case Form::OneHot:
        ++numOneHot;
        break;
      }
    }
  }
};

} // namespace
