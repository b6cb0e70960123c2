//===- RaiseOneHot.cpp - GShard/Switch one-hot form for moe-raise ---------===//
//
// The one-hot dispatch/combine form (Switch for k = 1, GShard for k = 2):
//
//   pick_j        argmax chain over the router scores (RaiseRouting.cpp)
//   pos_j[t, e]   the position of choice j of token t in expert e's queue:
//                 #{t' < t : pick_j[t'] = e} + sum_{i < j} #{t' : pick_i[t'] =
//                 e} (a triangular count over tokens plus the totals of the
//                 earlier choices; inclusive counts minus one also accepted)
//   D[t, e, c]    sum_j [pick_j[t] = e] · [pos_j[t, e] = c]  (optionally also
//                 · [pos_j < C'] with C' >= C, which the slot range implies)
//   rows[e, c, :] sum_t D[t, e, c] · x[t, :]              (td,tec->ecd)
//   y             the expert FFN batched over [E, C, D]
//   out[t, :]     sum_{e, c} W[t, e] · D[t, e, c] · y[e, c, :] (tec,ecd->td)
//
// with W the dense top-k routing weights (renormalized before any drop, or
// not). This is moe.layer with drop position and capacity C: expert e keeps
// its assignments in the order (choice, token), first choices of all tokens
// before second choices, earlier tokens first, up to C of them; a dropped
// assignment contributes nothing. GShard's own top-2 renormalizes the kept
// choices after the capacity drop; that differs whenever a second choice is
// dropped and is not raised.
//
// Counts in f32 are exact only below 2^24 tokens: they are accepted for a
// static T up to that bound, integer counts always.
//
//===----------------------------------------------------------------------===//

#include "RaiseMatch.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

namespace {

using IP = arith::CmpIPredicate;
using FP = arith::CmpFPredicate;

/// One term of the dispatch mask: the choice's argmax pick, its position
/// expression, and the optional capacity bound.
struct Slot {
  Value pick;
  const Expr *pos = nullptr;
  std::optional<int64_t> bound;
};

/// Whether `a` compares `lhs < rhs` (strict) or `lhs <= rhs`, in either
/// operand order, for integers or floats.
bool isLess(const Expr *a, const Expr *&lhs, const Expr *&rhs, bool &strict) {
  if (!a->isOp("arith.cmpi") && !a->isOp("arith.cmpf"))
    return false;
  bool isInt = a->isOp("arith.cmpi");
  auto is = [&](IP ip, FP fp) { return isInt ? isCmpI(a, ip) : isCmpF(a, fp); };
  lhs = a->operand(0), rhs = a->operand(1);
  if (is(IP::slt, FP::OLT) || (isInt && is(IP::ult, FP::OLT)))
    return strict = true, true;
  if (is(IP::sle, FP::OLE) || (isInt && is(IP::ule, FP::OLE)))
    return strict = false, true;
  std::swap(lhs, rhs);
  if (is(IP::sgt, FP::OGT) || (isInt && is(IP::ugt, FP::OGT)))
    return strict = true, true;
  if (is(IP::sge, FP::OGE) || (isInt && is(IP::uge, FP::OGE)))
    return strict = false, true;
  return false;
}

/// Whether `a` is `pos == c` with c the slot loop 2 (any operand order).
const Expr *slotPosition(const Expr *a, MLIRContext *ctx) {
  if (!isCmpI(a, IP::eq) && !isCmpF(a, FP::OEQ))
    return nullptr;
  for (int i = 0; i < 2; ++i)
    if (indexOf(a->operand(i)) == dim(ctx, 2))
      return a->operand(1 - i);
  return nullptr;
}

/// The terms of the dispatch mask D (loops t, e, c).
LogicalResult dispatchSlots(Matcher &m, const Expr *d, int64_t capacity,
                            SmallVectorImpl<Slot> &slots) {
  MLIRContext *ctx = m.b.getContext();
  const char *bad = "the dispatch mask is not a sum of [pick_j = e] · "
                    "[position_j = slot] terms";
  SmallVector<const Expr *> terms;
  flatten(d, "arith.addf", terms);
  if (terms.size() == 1)
    if (const Expr *p = zeroOneOf(d); p && p->isOp("arith.ori")) {
      terms.clear();
      flatten(p, "arith.ori", terms);
    }
  for (const Expr *term : terms) {
    SmallVector<const Expr *> atoms;
    if (failed(indicatorAtoms(term, atoms)))
      return m.fail(bad);
    Slot slot;
    SmallVector<std::pair<const Expr *, int64_t>> bounds;
    for (const Expr *a : atoms) {
      const Expr *lhs, *rhs;
      bool strict;
      if (Value pick = oneHotPick(a, 1, 0)) {
        if (slot.pick)
          return m.fail(bad);
        slot.pick = pick;
      } else if (const Expr *pos = slotPosition(a, ctx)) {
        if (slot.pos)
          return m.fail(bad);
        slot.pos = pos;
      } else if (isLess(a, lhs, rhs, strict)) {
        std::optional<int64_t> c = constInt(rhs);
        if (!c)
          if (std::optional<double> f = constFloat(rhs))
            c = static_cast<int64_t>(*f);
        if (!c)
          return m.fail(bad);
        bounds.push_back({lhs, strict ? *c : *c + 1});
      } else {
        return m.fail("the dispatch mask has a condition other than the "
                      "pick, the slot and the capacity");
      }
    }
    if (!slot.pick || !slot.pos)
      return m.fail(bad);
    for (auto [lhs, bound] : bounds) {
      if (lhs != slot.pos)
        return m.fail(bad);
      if (bound < capacity)
        return m.fail("the capacity test keeps positions below " +
                      Twine(bound) + ", fewer than the " + Twine(capacity) +
                      " slots per expert");
    }
    slots.push_back(slot);
  }
  return success();
}

/// The i1 atoms of a count reduction's contribution.
LogicalResult countAtoms(Matcher &m, const Expr *leaf, unsigned numParallel,
                         SmallVectorImpl<const Expr *> &atoms, bool &isFloat) {
  std::string why;
  FailureOr<const Reduction *> red = m.b.reduction(leaf->value, why);
  if (failed(red) || (*red)->numParallel != numParallel ||
      (*red)->numLoops != numParallel + 1 ||
      (*red)->resultMap.getNumResults() != numParallel ||
      !isZero((*red)->inits[0]))
    return failure();
  const Expr *term = reduced(*red, "arith.addi");
  isFloat = !term;
  if (!term)
    term = reduced(*red, "arith.addf");
  if (!term)
    return failure();
  return indicatorAtoms(term, atoms);
}

/// pos[t, e] of choice `j` (loops t, e).
LogicalResult matchPosition(Matcher &m, const Expr *pos, unsigned j,
                            ArrayRef<Value> picks, int64_t numTokens) {
  MLIRContext *ctx = m.b.getContext();
  const char *bad = "a dispatch position is not the count of earlier "
                    "assignments to the expert";
  // An inclusive count minus one.
  bool inclusive = false;
  const Expr *e = pos;
  if ((e->isOp("arith.subi") || e->isOp("arith.subf")) &&
      isOne(e->operand(1))) {
    inclusive = true;
    e = e->operand(0);
  } else if (e->isOp("arith.addi") || e->isOp("arith.addf")) {
    for (int i = 0; i < 2; ++i) {
      std::optional<int64_t> c = constInt(e->operand(i));
      std::optional<double> f = constFloat(e->operand(i));
      if ((c && *c == -1) || (f && *f == -1.0)) {
        inclusive = true;
        e = e->operand(1 - i);
        break;
      }
    }
  }
  SmallVector<const Expr *> terms;
  flatten(e, isa<FloatType>(e->type) ? "arith.addf" : "arith.addi", terms);
  bool sawCount = false, anyFloat = false;
  SmallVector<bool> sawTotal(j, false);
  for (const Expr *term : terms) {
    const Expr *t = stripIntCasts(term);
    if (t->kind != Expr::Kind::Leaf)
      return m.fail(bad);
    SmallVector<const Expr *> atoms;
    bool isFloat = false;
    if (t->map == dimsMap(ctx, 2, {0, 1})) {
      // #{t' < t : pick_j[t'] = e}, loops (t, e | t').
      if (sawCount || failed(countAtoms(m, t, 2, atoms, isFloat)) ||
          atoms.size() != 2)
        return m.fail(bad);
      bool ok = false;
      for (int i = 0; i < 2 && !ok; ++i) {
        const Expr *lhs, *rhs;
        bool strict;
        ok = oneHotPick(atoms[i], 1, 2) == picks[j] &&
             isLess(atoms[1 - i], lhs, rhs, strict) &&
             indexOf(lhs) == dim(ctx, 2) && indexOf(rhs) == dim(ctx, 0) &&
             strict != inclusive;
      }
      if (!ok)
        return m.fail(bad);
      sawCount = true;
    } else if (t->map == dimsMap(ctx, 2, {1})) {
      // #{t' : pick_i[t'] = e}, loops (e | t').
      if (failed(countAtoms(m, t, 1, atoms, isFloat)) || atoms.size() != 1)
        return m.fail(bad);
      auto it = llvm::find(picks, oneHotPick(atoms[0], 0, 1));
      unsigned i = it - picks.begin();
      if (it == picks.end() || i >= j || sawTotal[i])
        return m.fail(bad);
      sawTotal[i] = true;
    } else {
      return m.fail(bad);
    }
    anyFloat |= isFloat;
  }
  if (!sawCount)
    return m.fail(bad);
  if (llvm::is_contained(sawTotal, false))
    return m.fail("second-choice positions do not start after all first "
                  "choices (moe.dispatch's position order)");
  if (anyFloat && (ShapedType::isDynamic(numTokens) || numTokens > (1 << 24)))
    return m.fail("dispatch positions counted in f32 are exact only below "
                  "2^24 tokens, and T is not known to be");
  return success();
}

bool readsAny(const Expr *e, const llvm::SmallPtrSetImpl<Value> &values) {
  if (e->kind == Expr::Kind::Leaf && values.contains(e->value))
    return true;
  return llvm::any_of(e->operands,
                      [&](const Expr *o) { return readsAny(o, values); });
}

void leafValues(const Expr *e, llvm::SmallPtrSetImpl<Value> &values) {
  if (e->kind == Expr::Kind::Leaf)
    values.insert(e->value);
  for (const Expr *o : e->operands)
    leafValues(o, values);
}

bool sameFactors(SmallVector<const Expr *> a, SmallVector<const Expr *> b) {
  llvm::sort(a);
  llvm::sort(b);
  return a == b;
}

} // namespace

LogicalResult raise::matchOneHot(Matcher &m, Value root, LayerMatch &match,
                                 bool &candidate) {
  MLIRContext *ctx = m.b.getContext();
  // out[t, d] = sum_{e, c} cw[t, e, c] · y[e, c, d]; loops (t, d | e, c).
  const Expr *y;
  SmallVector<const Expr *> cwFactors;
  if (failed(matchWeightedSum(m, root, 2, dimsMap(ctx, 4, {2, 3, 1}), y,
                              cwFactors, candidate)))
    return failure();
  auto yType = cast<RankedTensorType>(y->value.getType());
  int64_t capacity = yType.getDimSize(1);
  if (ShapedType::isDynamic(capacity))
    return m.fail("the slots per expert (capacity) are not static");

  // Combine weights in loops (t, e, c): W[t, e] times the dispatch mask.
  AffineExpr d0 = dim(ctx, 0), d1 = dim(ctx, 1), d2 = dim(ctx, 2);
  AffineMap toTEC = AffineMap::get(3, 0, {d0, d0, d1, d2}, ctx);
  SmallVector<const Expr *> cw, wPart, dPart;
  for (const Expr *f : cwFactors)
    flatten(m.b.remap(f, toTEC), "arith.mulf", cw);
  for (const Expr *f : cw)
    (m.b.loopsUsed(f) & 4 ? dPart : wPart).push_back(f);
  if (dPart.empty() || wPart.empty())
    return m.fail("the combine weights are not routing weights times a "
                  "dispatch mask");

  // Experts over the dispatched rows, and the dispatch einsum
  // rows[e, c, d] = sum_t D[t, e, c] · x[t, d]; loops (e, c, d | t).
  Value rows;
  if (failed(matchExpertFFN(m, y->value, rows, FFNKind::BatchedRows, match.ffn,
                            /*first=*/true)))
    return failure();
  Matcher sub(m.b);
  SmallVector<const Expr *> dispatchFactors, maskFactors;
  if (failed(matchContraction(sub, rows, 3, 1, dispatchFactors)))
    return m.fail("the expert rows are not a dispatch einsum: " + sub.why);
  Value x;
  AffineMap toTEC2 = AffineMap::get(3, 0, {d1, d2, d1, d0}, ctx);
  for (const Expr *f : dispatchFactors) {
    auto [v, map] = asLeaf(f);
    if (!x && v && map == dimsMap(ctx, 4, {3, 2})) {
      x = v;
      continue;
    }
    if (m.b.loopsUsed(f) & 4)
      return m.fail("the dispatch einsum is not td,tec->ecd");
    flatten(m.b.remap(f, toTEC2), "arith.mulf", maskFactors);
  }
  if (!x)
    return m.fail("the dispatch einsum does not read the tokens x[t, d]");
  if (!sameFactors(maskFactors, dPart))
    return m.fail("the combine does not use the dispatch mask");

  SmallVector<Slot> slots;
  if (failed(dispatchSlots(m, product(m.b, dPart), capacity, slots)))
    return failure();
  llvm::SmallPtrSet<Value, 8> positionValues;
  for (const Slot &s : slots)
    leafValues(s.pos, positionValues);

  Routing &r = match.routing;
  // W in loops (t, e).
  const Expr *w =
      m.b.remap(product(m.b, wPart), AffineMap::get(2, 0, {d0, d1, d0}, ctx));
  if (failed(matchRouting(m, w, r))) {
    if (readsAny(w, positionValues)) {
      m.why.clear();
      return m.fail("the combine weights are renormalized over the choices "
                    "kept under capacity (GShard's rule); moe.layer "
                    "renormalizes before dropping");
    }
    return failure();
  }
  if (r.picks.empty())
    return m.fail("the one-hot form needs the top-k as argmax picks (their "
                  "order is the choice order)");
  if (static_cast<int64_t>(slots.size()) != r.k)
    return m.fail("the dispatch mask has " + Twine(slots.size()) +
                  " choices for a top-" + Twine(r.k) + " routing");
  if (x != r.x)
    return m.fail("the dispatch reads other tokens than the router");
  int64_t numTokens = cast<RankedTensorType>(x.getType()).getDimSize(0);
  SmallVector<bool> seen(r.k, false);
  for (const Slot &s : slots) {
    auto it = llvm::find(r.picks, s.pick);
    if (it == r.picks.end() || seen[it - r.picks.begin()])
      return m.fail("the dispatch mask's choices are not the router's picks");
    unsigned j = it - r.picks.begin();
    seen[j] = true;
    if (m.b.loopsUsed(s.pos) & 4)
      return m.fail("a dispatch position depends on the slot");
    const Expr *pos = m.b.remap(s.pos, AffineMap::get(2, 0, {d0, d1, d0}, ctx));
    if (failed(matchPosition(m, pos, j, r.picks, numTokens)))
      return failure();
  }
  match.form = Form::OneHot;
  match.capacity = capacity;
  match.numExperts = yType.getDimSize(0);
  return success();
}
