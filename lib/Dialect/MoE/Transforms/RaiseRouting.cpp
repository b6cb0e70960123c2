//===- RaiseRouting.cpp - Dense router and top-k matchers for moe-raise ---===//
//
// Recognizes dense token-choice routing: logits = x · routerᵀ, softmax or
// sigmoid scores, a dense [T, E] top-k mask, optional renormalization and
// scaling. Accepted encodings (loops t, e of the [T, E] weight tensor):
//
//   logits   a contraction sum_d x[t, d] · router[e, d] (or router[d, e]),
//            f32, zero init: linalg.matmul (any maps), linalg.generic, or a
//            matmul of a transposed router.
//   softmax  exp(l - max_e l) / sum_e exp(l - max_e l), the max a maximumf
//            or maxnumf reduction from -inf (or the lowest float), the sum an
//            addf reduction from 0; or linalg.softmax over dimension 1.
//   sigmoid  1 / (1 + exp(-l)).
//   top-k    the scores times (or selected by) a 0/1 mask of the k selected
//            experts, written as either
//            - argmax picks: k argmax reductions (strict ogt update, so the
//              lower index wins ties), pick j over the scores with picks
//              0..j-1 replaced by a negative constant (-inf); the mask is the
//              sum (or `or`) of the one-hot predicates e == pick_j[t]; or
//            - a rank: rank[t, e] = #{e' : s[e'] > s[e] or (s[e'] == s[e] and
//              e' < e)} and mask = rank < k.
//   weights  raw = s ⊙ mask; optionally raw / (sum_e raw [+ eps]), then
//            optionally times a constant scaling.
//
// Exactness notes. Both top-k encodings equal moe.route's selection (ties to
// the lower index) for scores that are not NaN. Masking earlier picks with a
// non-negative value is rejected: a score can equal it (0 for an underflowed
// softmax), and the pick would repeat an expert. Renormalization must use
// eps = 1e-20 under sigmoid (moe.route's); under softmax eps is absent or
// 1e-20, which cannot change an f32 sum of scores that is at least 1/E.
//
//===----------------------------------------------------------------------===//

#include "RaiseMatch.h"
#include "moe/Support/FormatNumber.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

namespace {

/// Whether `leaf` reads the result of `red` with the result's parallel
/// dimensions on the same loops (dimension i of the result on loop i).
bool alignedRead(const Expr *leaf, const Reduction *red) {
  if (leaf->kind != Expr::Kind::Leaf ||
      leaf->map.getNumResults() != red->resultMap.getNumResults())
    return false;
  for (auto [mine, theirs] :
       llvm::zip(leaf->map.getResults(), red->resultMap.getResults())) {
    if (auto d = dyn_cast<AffineDimExpr>(theirs)) {
      auto md = dyn_cast<AffineDimExpr>(mine);
      if (!md || md.getPosition() != d.getPosition())
        return false;
    } else if (auto c = dyn_cast<AffineConstantExpr>(mine);
               !c || c.getValue() != 0) {
      return false;
    }
  }
  return true;
}

/// The reduction read by `leaf`, when it reduces a [T, E] value over its
/// second loop into a per-token value read on loop 0.
const Reduction *rowReduction(Matcher &m, const Expr *leaf) {
  if (leaf->kind != Expr::Kind::Leaf)
    return nullptr;
  std::string why;
  FailureOr<const Reduction *> red = m.b.reduction(leaf->value, why);
  if (failed(red) || (*red)->numParallel != 1 || (*red)->numLoops != 2 ||
      !alignedRead(leaf, *red))
    return nullptr;
  return *red;
}

/// The disjunction of predicates that a 0/1 mask stands for: a 0/1
/// conversion of `or`-ed predicates, or a sum of such masks.
LogicalResult maskDisjunction(const Expr *e,
                              SmallVectorImpl<const Expr *> &preds) {
  SmallVector<const Expr *> terms;
  flatten(e, isa<FloatType>(e->type) ? "arith.addf" : "arith.addi", terms);
  for (const Expr *t : terms) {
    const Expr *p = zeroOneOf(t);
    if (!p)
      return failure();
    SmallVector<const Expr *> atoms;
    flatten(p, "arith.ori", atoms);
    for (const Expr *a : atoms)
      preds.push_back(normalizeAtom(a));
  }
  return success();
}

} // namespace

Value raise::oneHotPick(const Expr *atom, unsigned expertLoop,
                        unsigned tokenLoop) {
  atom = normalizeAtom(atom);
  if (!isCmpI(atom, arith::CmpIPredicate::eq))
    return Value();
  for (int i = 0; i < 2; ++i) {
    AffineExpr ix = indexOf(atom->operand(i));
    if (!ix || ix != getAffineDimExpr(expertLoop, ix.getContext()))
      continue;
    const Expr *p = stripIntCasts(atom->operand(1 - i));
    if (p->kind == Expr::Kind::Leaf && p->map.getNumResults() == 1 &&
        p->map.getResult(0) == getAffineDimExpr(tokenLoop, ix.getContext()))
      return p->value;
  }
  return Value();
}

LogicalResult raise::indicatorAtoms(const Expr *e,
                                    SmallVectorImpl<const Expr *> &atoms) {
  if (e->type.isInteger(1)) {
    SmallVector<const Expr *> parts;
    flatten(e, "arith.andi", parts);
    for (const Expr *p : parts)
      atoms.push_back(normalizeAtom(p));
    return success();
  }
  if (const Expr *p = zeroOneOf(e))
    return indicatorAtoms(p, atoms);
  if (e->isOp("arith.mulf") || e->isOp("arith.muli")) {
    SmallVector<const Expr *> factors;
    flatten(e, e->name, factors);
    for (const Expr *f : factors)
      if (failed(indicatorAtoms(f, atoms)))
        return failure();
    return success();
  }
  if (e->isOp("arith.select") && isZero(e->operand(2)))
    return success(succeeded(indicatorAtoms(e->operand(0), atoms)) &&
                   succeeded(indicatorAtoms(e->operand(1), atoms)));
  return failure();
}

//===----------------------------------------------------------------------===//
// Logits and scores
//===----------------------------------------------------------------------===//

LogicalResult raise::matchContraction(Matcher &m, Value v, unsigned numParallel,
                                      unsigned numReduction,
                                      SmallVectorImpl<const Expr *> &factors) {
  std::string why;
  FailureOr<const Reduction *> red = m.b.reduction(v, why);
  if (failed(red))
    return m.fail("it " + why);
  if ((*red)->numParallel != numParallel ||
      (*red)->numLoops != numParallel + numReduction ||
      (*red)->resultMap.getNumResults() != numParallel)
    return m.fail("it has " + Twine((*red)->numParallel) + " parallel and " +
                  Twine((*red)->numLoops - (*red)->numParallel) +
                  " reduction loops where " + Twine(numParallel) + " and " +
                  Twine(numReduction) + " are expected");
  const Expr *prod = reduced(*red, "arith.addf");
  if (!prod || !(*red)->bodies[0]->type.isF32())
    return m.fail("it is not an f32 sum of products");
  std::optional<double> init = constFloat((*red)->inits[0]);
  if (!init || *init != 0.0)
    return m.fail("its sum does not start from zero");
  flattenProduct(prod, factors);
  if (factors.size() < 2)
    return m.fail("it is not an f32 sum of products");
  return success();
}

LogicalResult raise::matchWeightedSum(Matcher &m, Value root,
                                      unsigned numReduction, AffineMap yMap,
                                      const Expr *&y,
                                      SmallVectorImpl<const Expr *> &weights,
                                      bool &candidate) {
  Matcher probe(m.b);
  SmallVector<const Expr *> factors;
  if (failed(matchContraction(probe, root, 2, numReduction, factors)))
    return failure();
  y = nullptr;
  for (const Expr *f : factors) {
    if (f->kind == Expr::Kind::Leaf && f->map == yMap) {
      if (y)
        return failure();
      y = f;
    } else if (m.b.loopsUsed(f) & 2) {
      return failure();
    } else {
      weights.push_back(f);
    }
  }
  if (!y || weights.empty())
    return failure();
  candidate = true;
  return success();
}

namespace {

LogicalResult matchLogits(Matcher &m, const Expr *l, Routing &r) {
  MLIRContext *ctx = m.b.getContext();
  if (l->kind != Expr::Kind::Leaf || l->map != dimsMap(ctx, 2, {0, 1}))
    return m.fail("the router scores are not computed from [T, E] logits");
  SmallVector<const Expr *> f;
  if (failed(matchContraction(m, l->value, 2, 1, f)) || f.size() != 2) {
    m.why.clear();
    return m.fail("the router logits are not x · routerᵀ");
  }
  // Loops (t, e | d).
  for (int i = 0; i < 2; ++i) {
    auto [x, xMap] = asLeaf(f[i]);
    auto [w, wMap] = asLeaf(f[1 - i]);
    if (!x || !w || xMap != dimsMap(ctx, 3, {0, 2}))
      continue;
    if (wMap == dimsMap(ctx, 3, {1, 2}))
      r.router = MatrixRef{w, {}, false, false};
    else if (wMap == dimsMap(ctx, 3, {2, 1}))
      r.router = MatrixRef{w, {}, true, false};
    else
      continue;
    r.x = x;
    return success();
  }
  return m.fail("the router logits are not x · routerᵀ");
}

} // namespace

LogicalResult raise::matchScores(Matcher &m, const Expr *s, Routing &r) {
  MLIRContext *ctx = m.b.getContext();
  AffineMap id2 = dimsMap(ctx, 2, {0, 1});
  const char *neither =
      "the router scores are neither softmax nor sigmoid of the logits";

  if (s->kind == Expr::Kind::Leaf && s->map == id2) {
    if (auto sm = s->value.getDefiningOp<linalg::SoftmaxOp>()) {
      if (sm.getDimension() != 1)
        return m.fail("linalg.softmax is not over the experts dimension");
      m.b.markWalked(sm);
      r.scoring = Scoring::softmax;
      return matchLogits(m, m.b.read(sm.getInput(), id2), r);
    }
  }
  if (!s->isOp("arith.divf"))
    return m.fail(neither);

  // sigmoid: 1 / (1 + exp(-l)).
  if (isOne(s->operand(0))) {
    const Expr *l = nullptr;
    commutes(s->operand(1), "arith.addf", [&](const Expr *a, const Expr *b) {
      if (!isOne(a) || !b->isOp("math.exp"))
        return false;
      const Expr *n = b->operand(0);
      l = n->isOp("arith.negf")   ? n->operand(0)
          : n->isOp("arith.subf") ? n->operand(1)
                                  : nullptr;
      return l && isSigmoidDenominator(s->operand(1), l);
    });
    if (!l)
      return m.fail(neither);
    r.scoring = Scoring::sigmoid;
    return matchLogits(m, l, r);
  }

  // softmax: exp(l - max_e l) / sum_e exp(l - max_e l).
  const Expr *num = s->operand(0), *den = s->operand(1);
  if (!num->isOp("math.exp"))
    return m.fail(neither);
  const Expr *shifted = num->operand(0);
  if (!shifted->isOp("arith.subf"))
    return m.fail("softmax without the max subtraction: exp(l) / sum exp(l) "
                  "overflows where moe.route's softmax does not");
  const Expr *l = shifted->operand(0), *mx = shifted->operand(1);
  const Reduction *maxRed = rowReduction(m, mx);
  if (!maxRed)
    return m.fail("softmax: the subtracted value is not a per-token maximum "
                  "over the experts");
  const Expr *maxOf = reduced(maxRed, "arith.maximumf");
  if (!maxOf)
    maxOf = reduced(maxRed, "arith.maxnumf");
  std::optional<double> maxInit = constFloat(maxRed->inits[0]);
  if (maxOf != l || !maxInit ||
      (*maxInit != -std::numeric_limits<double>::infinity() &&
       *maxInit != static_cast<double>(std::numeric_limits<float>::lowest())))
    return m.fail("softmax: the subtracted value is not the maximum of the "
                  "logits over the experts");
  const Reduction *sumRed = rowReduction(m, den);
  if (!sumRed)
    return m.fail("softmax: the normalizing sum is not over the experts "
                  "dimension");
  std::optional<double> sumInit = constFloat(sumRed->inits[0]);
  if (reduced(sumRed, "arith.addf") != num || !sumInit || *sumInit != 0.0)
    return m.fail("softmax: the divisor is not the sum of the exponentials");
  r.scoring = Scoring::softmax;
  return matchLogits(m, l, r);
}

//===----------------------------------------------------------------------===//
// Top-k
//===----------------------------------------------------------------------===//

namespace {

/// The argmax input of pick `pick` (result 1 of a value/index argmax
/// reduction over loop 1), or null with a reason.
const Expr *argmaxInput(Matcher &m, Value pick) {
  std::string why;
  FailureOr<const Reduction *> red = m.b.reduction(pick, why);
  auto result = dyn_cast<OpResult>(pick);
  if (failed(red) || (*red)->bodies.size() != 2 ||
      result.getResultNumber() != 1 || (*red)->numParallel != 1 ||
      (*red)->numLoops != 2 || (*red)->resultMap.getNumResults() != 1) {
    (void)m.fail("a top-k pick is not the index result of an argmax over the "
                 "experts");
    return nullptr;
  }
  const Reduction *r = *red;
  // Index update: select(in > best, e, bestIndex).
  const Expr *upd = r->bodies[1];
  if (!upd->isOp("arith.select") || !isAcc(upd->operand(2), 1) ||
      indexOf(upd->operand(1)) != dim(m.b.getContext(), 1)) {
    (void)m.fail("a top-k pick is not the index result of an argmax over the "
                 "experts");
    return nullptr;
  }
  const Expr *cond = upd->operand(0), *in = nullptr;
  if (isCmpF(cond, arith::CmpFPredicate::OGT) && isAcc(cond->operand(1), 0))
    in = cond->operand(0);
  else if (isCmpF(cond, arith::CmpFPredicate::OLT) &&
           isAcc(cond->operand(0), 0))
    in = cond->operand(1);
  if (!in || in->kind == Expr::Kind::Acc) {
    (void)m.fail("an argmax does not update on a strictly greater score (ties "
                 "must go to the lower expert index)");
    return nullptr;
  }
  // Value update: select(cond, in, best) or max(in, best).
  const Expr *val = r->bodies[0];
  bool valueOk =
      (val->isOp("arith.select") && val->operand(0) == cond &&
       val->operand(1) == in && isAcc(val->operand(2), 0)) ||
      commutes(val, "arith.maximumf",
               [&](const Expr *a, const Expr *b) {
                 return a == in && isAcc(b, 0);
               }) ||
      commutes(val, "arith.maxnumf", [&](const Expr *a, const Expr *b) {
        return a == in && isAcc(b, 0);
      });
  std::optional<double> init = constFloat(r->inits[0]);
  if (!valueOk || !init || !(*init < 0.0)) {
    (void)m.fail(
        "an argmax does not track the best score from a negative start");
    return nullptr;
  }
  return in;
}

/// Whether `in` is `prev` with the experts of one-hot `pick` replaced by a
/// negative constant.
LogicalResult maskedInput(Matcher &m, const Expr *in, const Expr *prev,
                          Value pick) {
  if (!in->isOp("arith.select"))
    return failure();
  const Expr *p = normalizeAtom(in->operand(0));
  const Expr *masked = in->operand(1), *kept = in->operand(2);
  if (isCmpI(p, arith::CmpIPredicate::ne)) {
    // select(e != pick, prev, c).
    Expr eq = *p;
    eq.predicate = static_cast<int64_t>(arith::CmpIPredicate::eq);
    p = m.b.op(eq.name, eq.type, eq.predicate, eq.operands);
    std::swap(masked, kept);
  }
  if (kept != prev || oneHotPick(p, 1, 0) != pick)
    return failure();
  std::optional<double> c = constFloat(masked);
  if (!c)
    return failure();
  if (!(*c < 0.0))
    return m.fail("the argmax chain masks earlier picks with " +
                  formatNumber(*c) +
                  ", which a score can equal: a token could pick the same "
                  "expert again (moe.route never does)");
  return success();
}

LogicalResult matchArgmaxChain(Matcher &m, ArrayRef<const Expr *> preds,
                               const Expr *scores, Routing &r) {
  SmallVector<Value> picks;
  for (const Expr *p : preds) {
    Value pick = oneHotPick(p, 1, 0);
    if (!pick)
      return m.fail("the top-k mask is neither one-hot argmax picks nor a "
                    "rank comparison");
    if (llvm::is_contained(picks, pick))
      return m.fail("an argmax pick appears twice in the top-k mask");
    picks.push_back(pick);
  }
  llvm::DenseMap<Value, const Expr *> inputs;
  for (Value pick : picks) {
    const Expr *in = argmaxInput(m, pick);
    if (!in)
      return failure();
    inputs[pick] = in;
  }
  const Expr *prev = scores;
  Value prevPick;
  SmallVector<Value> order;
  while (order.size() < picks.size()) {
    Value next;
    for (Value pick : picks) {
      if (llvm::is_contained(order, pick))
        continue;
      bool ok = order.empty()
                    ? inputs[pick] == scores
                    : succeeded(maskedInput(m, inputs[pick], prev, prevPick));
      if (!m.why.empty())
        return failure();
      if (ok) {
        next = pick;
        break;
      }
    }
    if (!next)
      return m.fail(order.empty()
                        ? Twine("no argmax pick is taken over the router "
                                "scores the weights use")
                        : Twine("argmax pick ") + Twine(order.size()) +
                              " is not taken over the scores with the "
                              "earlier picks masked out");
    order.push_back(next);
    prev = inputs[next];
    prevPick = next;
  }
  r.k = order.size();
  r.picks = order;
  return success();
}

/// rank[t, e] < k with rank the count of experts that beat e.
LogicalResult matchRank(Matcher &m, const Expr *pred, const Expr *scores,
                        Routing &r) {
  MLIRContext *ctx = m.b.getContext();
  const char *notRank =
      "the top-k mask is neither one-hot argmax picks nor a rank comparison";
  const Expr *count = nullptr;
  std::optional<int64_t> k;
  auto bound = [&](const Expr *c, int64_t adjust) -> std::optional<int64_t> {
    if (std::optional<int64_t> i = constInt(c))
      return *i + adjust;
    if (std::optional<double> f = constFloat(c))
      if (*f == std::floor(*f))
        return static_cast<int64_t>(*f) + adjust;
    return std::nullopt;
  };
  using IP = arith::CmpIPredicate;
  using FP = arith::CmpFPredicate;
  if (isCmpI(pred, IP::slt) || isCmpI(pred, IP::ult) || isCmpF(pred, FP::OLT)) {
    count = pred->operand(0), k = bound(pred->operand(1), 0);
  } else if (isCmpI(pred, IP::sle) || isCmpI(pred, IP::ule) ||
             isCmpF(pred, FP::OLE)) {
    count = pred->operand(0), k = bound(pred->operand(1), 1);
  } else if (isCmpI(pred, IP::sgt) || isCmpI(pred, IP::ugt) ||
             isCmpF(pred, FP::OGT)) {
    count = pred->operand(1), k = bound(pred->operand(0), 0);
  } else if (isCmpI(pred, IP::sge) || isCmpI(pred, IP::uge) ||
             isCmpF(pred, FP::OGE)) {
    count = pred->operand(1), k = bound(pred->operand(0), 1);
  }
  if (!count || !k)
    return m.fail(notRank);
  count = stripIntCasts(count);
  if (count->kind != Expr::Kind::Leaf || count->map != dimsMap(ctx, 2, {0, 1}))
    return m.fail(notRank);
  std::string why;
  FailureOr<const Reduction *> red = m.b.reduction(count->value, why);
  if (failed(red) || (*red)->numParallel != 2 || (*red)->numLoops != 3)
    return m.fail(notRank);
  const Expr *term = reduced(*red, "arith.addi");
  if (!term)
    term = reduced(*red, "arith.addf");
  const Expr *beats = term ? zeroOneOf(term) : nullptr;
  if (!beats || !isZero((*red)->inits[0]))
    return m.fail(notRank);
  // Loops (t, e | e'): self = s[t, e], other = s[t, e'].
  const Expr *self = m.b.remap(scores, dimsMap(ctx, 3, {0, 1}));
  const Expr *other = m.b.remap(scores, dimsMap(ctx, 3, {0, 2}));
  auto isGreater = [&](const Expr *p) {
    return (isCmpF(p, FP::OGT) && p->operand(0) == other &&
            p->operand(1) == self) ||
           (isCmpF(p, FP::OLT) && p->operand(0) == self &&
            p->operand(1) == other);
  };
  auto isEqual = [&](const Expr *p) {
    return isCmpF(p, FP::OEQ) &&
           ((p->operand(0) == other && p->operand(1) == self) ||
            (p->operand(0) == self && p->operand(1) == other));
  };
  auto isLowerIndex = [&](const Expr *p) {
    if (!p->isOp("arith.cmpi"))
      return false;
    AffineExpr a = indexOf(p->operand(0)), b = indexOf(p->operand(1));
    AffineExpr e = dim(ctx, 1), e2 = dim(ctx, 2);
    auto pr = static_cast<IP>(p->predicate);
    return ((pr == IP::slt || pr == IP::ult) && a == e2 && b == e) ||
           ((pr == IP::sgt || pr == IP::ugt) && a == e && b == e2);
  };
  if (isGreater(beats))
    return m.fail("top-k by counting strictly greater scores has no "
                  "tie-break by expert index (moe.route breaks ties to the "
                  "lower index)");
  bool ok = commutes(beats, "arith.ori", [&](const Expr *a, const Expr *b) {
    return isGreater(a) &&
           commutes(b, "arith.andi", [&](const Expr *c, const Expr *d) {
             return isEqual(c) && isLowerIndex(d);
           });
  });
  if (!ok)
    return m.fail(notRank);
  r.k = *k;
  return success();
}

/// raw = scores ⊙ mask, with the mask's predicates.
LogicalResult matchTopK(Matcher &m, const Expr *raw, Routing &r,
                        const Expr *&scores) {
  const char *notMasked =
      "the routing weights are not the scores masked by a top-k selection";
  SmallVector<const Expr *> terms, preds;
  flatten(raw, "arith.addf", terms);
  scores = nullptr;
  for (const Expr *term : terms) {
    const Expr *score = nullptr;
    if (term->isOp("arith.select")) {
      if (!isZero(term->operand(2)))
        return m.fail(notMasked);
      score = term->operand(1);
      SmallVector<const Expr *> atoms;
      flatten(term->operand(0), "arith.ori", atoms);
      for (const Expr *a : atoms)
        preds.push_back(normalizeAtom(a));
    } else if (term->isOp("arith.mulf")) {
      SmallVector<const Expr *> factors;
      flatten(term, "arith.mulf", factors);
      unsigned masks = 0;
      for (const Expr *f : factors) {
        if (succeeded(maskDisjunction(f, preds))) {
          ++masks;
        } else if (!score) {
          score = f;
        } else {
          return m.fail(notMasked);
        }
      }
      if (masks != 1 || !score)
        return m.fail(notMasked);
    } else {
      return m.fail(notMasked);
    }
    if (scores && scores != score)
      return m.fail("the top-k terms mask different score tensors");
    scores = score;
  }
  if (failed(matchScores(m, scores, r)))
    return failure();
  bool allPicks = llvm::all_of(preds, [](const Expr *p) {
    return static_cast<bool>(oneHotPick(p, 1, 0));
  });
  if (allPicks)
    return matchArgmaxChain(m, preds, scores, r);
  for (const Expr *p : preds)
    if (isCmpI(p, arith::CmpIPredicate::eq) &&
        (indexOf(p->operand(0)) == dim(m.b.getContext(), 1) ||
         indexOf(p->operand(1)) == dim(m.b.getContext(), 1)))
      return m.fail("a one-hot predicate compares the expert index with a "
                    "value that is not a per-token argmax");
  if (preds.size() == 1)
    return matchRank(m, preds.front(), scores, r);
  return m.fail("the top-k mask is neither one-hot argmax picks nor a rank "
                "comparison");
}

} // namespace

LogicalResult raise::matchRouting(Matcher &m, const Expr *w, Routing &r) {
  const Expr *cur = w;
  // Scaling, last.
  if (cur->isOp("arith.mulf")) {
    for (int i = 0; i < 2; ++i) {
      std::optional<double> c = constFloat(cur->operand(i));
      if (!c)
        continue;
      if (!std::isfinite(*c) || *c <= 0.0)
        return m.fail("the routing weights are scaled by " + formatNumber(*c) +
                      ", not a finite positive factor");
      r.scaling = *c;
      cur = cur->operand(1 - i);
      break;
    }
  }
  // Renormalization over the selected weights.
  std::optional<double> eps;
  if (cur->isOp("arith.divf")) {
    const Expr *raw = cur->operand(0), *den = cur->operand(1);
    const Expr *sum = den;
    if (den->isOp("arith.addf")) {
      for (int i = 0; i < 2; ++i)
        if ((eps = constFloat(den->operand(i)))) {
          sum = den->operand(1 - i);
          break;
        }
    }
    const Reduction *red = rowReduction(m, sum);
    if (!red)
      return m.fail("the routing weights are divided by something other "
                    "than a per-token sum");
    std::optional<double> init = constFloat(red->inits[0]);
    if (reduced(red, "arith.addf") != raw || !init || *init != 0.0)
      return m.fail("the routing weights are divided by a sum that is not "
                    "the sum of the selected weights");
    r.normalize = true;
    cur = raw;
  }
  const Expr *scores = nullptr;
  if (failed(matchTopK(m, cur, r, scores)))
    return failure();
  int64_t numExperts = cast<RankedTensorType>(r.router.value.getType())
                           .getDimSize(r.router.transposed ? 1 : 0);
  if (r.k < 1 || r.k > numExperts)
    return m.fail("top-" + Twine(r.k) + " of " + Twine(numExperts) +
                  " experts");
  if (!r.normalize)
    return success();
  float want = 1e-20f;
  bool epsIsMoE = eps && static_cast<float>(*eps) == want;
  if (r.scoring == Scoring::sigmoid && !eps)
    return m.fail("sigmoid routing weights renormalized without the 1e-20 "
                  "epsilon of moe.route (they differ when the selected "
                  "scores sum below about 2e-13)");
  if (eps && !epsIsMoE)
    return m.fail("the routing weights are renormalized with epsilon " +
                  formatNumber(*eps) + "; moe.route adds " +
                  (r.scoring == Scoring::sigmoid ? "1e-20" : "none"));
  return success();
}
