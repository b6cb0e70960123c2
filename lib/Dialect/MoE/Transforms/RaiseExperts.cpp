//===- RaiseExperts.cpp - Dense expert FFN matchers for moe-raise ---------===//
//
// Recognizes an expert FFN written densely: up projections h1 = rows · w1ᵀ
// (and h3 = rows · w3ᵀ when gated), the activation (times h3 when gated),
// and the down projection y = a · w2ᵀ, each projection an f32 contraction
// with a zero init (linalg.matmul / batch_matmul with any maps, a transposed
// weight, or linalg.generic). Weights may be 2-D per-expert tensors, slices
// of a stacked [E, N, K] tensor at a constant expert index, or, batched over
// experts, the stacked tensor itself; each in nn.Linear layout [N, K] or
// transposed [K, N].
//
// Activations, as products of factors in any order and association
// (constants compared after rounding to f32):
//   silu       h · (1 / (1 + exp(-h)))   or   h / (1 + exp(-h))
//   relu       max(h, 0) (maximumf/maxnumf)   or   select(h > 0, h, 0)
//   gelu_erf   0.5 · h · (1 + erf(h · 0.70710678))   (or erf(h / sqrt(2)))
//   gelu_tanh  0.5 · h · (1 + tanh(0.7978845608 · (h + 0.044715 · h³)))
//              with h³ as h · h · h or powf(h, 3)
//
//===----------------------------------------------------------------------===//

#include "RaiseMatch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

namespace {

bool sameF32(double a, double b) {
  return static_cast<float>(a) == static_cast<float>(b);
}

bool isConst(const Expr *e, double v) {
  std::optional<double> c = constFloat(e);
  return c && sameF32(*c, v);
}

/// Splits `factors` into the f32 product of the constant ones and the rest.
double splitConstants(ArrayRef<const Expr *> factors,
                      SmallVectorImpl<const Expr *> &rest) {
  float k = 1.0f;
  for (const Expr *f : factors) {
    if (std::optional<double> c = constFloat(f))
      k *= static_cast<float>(*c);
    else
      rest.push_back(f);
  }
  return k;
}

} // namespace

bool raise::isSigmoidDenominator(const Expr *e, const Expr *h) {
  return commutes(e, "arith.addf", [&](const Expr *a, const Expr *b) {
    if (!isConst(a, 1.0) || !b->isOp("math.exp"))
      return false;
    const Expr *n = b->operand(0);
    return (n->isOp("arith.negf") && n->operand(0) == h) ||
           (n->isOp("arith.subf") && isConst(n->operand(0), 0.0) &&
            n->operand(1) == h);
  });
}

namespace {

/// 1 / (1 + exp(-h)).
bool isSigmoidOf(const Expr *e, const Expr *h) {
  return e->isOp("arith.divf") && isConst(e->operand(0), 1.0) &&
         isSigmoidDenominator(e->operand(1), h);
}

bool isRelu(const Expr *e, const Expr *h) {
  auto maxOf = [&](const Expr *a, const Expr *b) {
    return a == h && isConst(b, 0.0);
  };
  if (commutes(e, "arith.maximumf", maxOf) ||
      commutes(e, "arith.maxnumf", maxOf))
    return true;
  if (!e->isOp("arith.select") || e->operand(1) != h ||
      !isConst(e->operand(2), 0.0))
    return false;
  const Expr *c = e->operand(0);
  if (!c->isOp("arith.cmpf"))
    return false;
  auto p = static_cast<arith::CmpFPredicate>(c->predicate);
  return ((p == arith::CmpFPredicate::OGT || p == arith::CmpFPredicate::OGE) &&
          c->operand(0) == h && isConst(c->operand(1), 0.0)) ||
         ((p == arith::CmpFPredicate::OLT || p == arith::CmpFPredicate::OLE) &&
          isConst(c->operand(0), 0.0) && c->operand(1) == h);
}

/// erf's argument h / sqrt(2), as h · (1/sqrt 2) or h / sqrt(2).
bool isErfArgument(const Expr *e, const Expr *h) {
  if (e->isOp("arith.divf"))
    return e->operand(0) == h && isConst(e->operand(1), std::sqrt(2.0));
  SmallVector<const Expr *> factors, rest;
  flatten(e, "arith.mulf", factors);
  double k = splitConstants(factors, rest);
  return rest.size() == 1 && rest[0] == h && sameF32(k, 1.0 / std::sqrt(2.0));
}

/// tanh's argument sqrt(2/π) · (h + 0.044715 · h³).
bool isTanhArgument(const Expr *e, const Expr *h) {
  SmallVector<const Expr *> factors, rest;
  flatten(e, "arith.mulf", factors);
  double k = splitConstants(factors, rest);
  if (rest.size() != 1 || !sameF32(k, std::sqrt(2.0 / M_PI)))
    return false;
  return commutes(rest[0], "arith.addf", [&](const Expr *a, const Expr *b) {
    if (a != h)
      return false;
    SmallVector<const Expr *> cube, cubeRest;
    flatten(b, "arith.mulf", cube);
    double c = splitConstants(cube, cubeRest);
    if (!sameF32(c, 0.044715))
      return false;
    if (cubeRest.size() == 3)
      return llvm::all_of(cubeRest, [&](const Expr *f) { return f == h; });
    return cubeRest.size() == 1 && cubeRest[0]->isOp("math.powf") &&
           cubeRest[0]->operand(0) == h &&
           isConst(cubeRest[0]->operand(1), 3.0);
  });
}

/// act(h) as the product of `factors`.
std::optional<Activation> classify(ArrayRef<const Expr *> factors,
                                   const Expr *h) {
  if (factors.size() == 2) {
    for (int i = 0; i < 2; ++i)
      if (factors[i] == h && isSigmoidOf(factors[1 - i], h))
        return Activation::silu;
  }
  if (factors.size() == 1) {
    const Expr *f = factors[0];
    if (f->isOp("arith.divf") && f->operand(0) == h &&
        isSigmoidDenominator(f->operand(1), h))
      return Activation::silu;
    if (isRelu(f, h))
      return Activation::relu;
  }
  // GELU: 0.5 · h · (1 + erf(...)) or (1 + tanh(...)).
  SmallVector<const Expr *> rest;
  double k = splitConstants(factors, rest);
  if (!sameF32(k, 0.5) || rest.size() != 2)
    return std::nullopt;
  for (int i = 0; i < 2; ++i) {
    if (rest[i] != h)
      continue;
    std::optional<Activation> act;
    commutes(rest[1 - i], "arith.addf", [&](const Expr *a, const Expr *b) {
      if (!isConst(a, 1.0))
        return false;
      if (b->isOp("math.erf") && isErfArgument(b->operand(0), h))
        act = Activation::gelu_erf;
      else if (b->isOp("math.tanh") && isTanhArgument(b->operand(0), h))
        act = Activation::gelu_tanh;
      return act.has_value();
    });
    if (act)
      return act;
  }
  return std::nullopt;
}

void collectLeaves(const Expr *e, SmallVectorImpl<const Expr *> &leaves) {
  if (e->kind == Expr::Kind::Leaf) {
    if (!llvm::is_contained(leaves, e))
      leaves.push_back(e);
    return;
  }
  for (const Expr *o : e->operands)
    collectLeaves(o, leaves);
}

/// The activation (and gating) of the product `factors`, whose leaves are
/// the up projections read at `pos`.
LogicalResult matchActivation(Matcher &m, ArrayRef<const Expr *> factors,
                              AffineMap pos, Value &h1, Value &h3,
                              Activation &act) {
  SmallVector<const Expr *> leaves;
  for (const Expr *f : factors)
    collectLeaves(f, leaves);
  for (const Expr *l : leaves)
    if (l->map != pos)
      return m.fail("the expert activation reads something other than its "
                    "up projections");
  if (leaves.empty() || leaves.size() > 2)
    return m.fail("the expert activation does not read one or two up "
                  "projections");
  const Expr *gate = nullptr, *up = leaves[0];
  SmallVector<const Expr *> actFactors(factors.begin(), factors.end());
  if (leaves.size() == 2) {
    // The gate multiplier is a bare factor read nowhere else.
    for (const Expr *cand : leaves) {
      unsigned bare = llvm::count(factors, cand);
      SmallVector<const Expr *> elsewhere;
      for (const Expr *f : factors)
        if (f != cand)
          collectLeaves(f, elsewhere);
      if (bare == 1 && !llvm::is_contained(elsewhere, cand)) {
        if (gate)
          return m.fail("the expert activation is missing");
        gate = cand;
      }
    }
    if (!gate)
      return m.fail("the gated expert product is not act(h1) · h3");
    up = leaves[0] == gate ? leaves[1] : leaves[0];
    actFactors.erase(llvm::find(actFactors, gate));
  }
  std::optional<Activation> a = classify(actFactors, up);
  if (!a)
    return m.fail("the expert activation is not silu, gelu_tanh, gelu_erf "
                  "or relu (with these exact constants)");
  act = *a;
  h1 = up->value;
  h3 = gate ? gate->value : Value();
  return success();
}

/// The weight matrix read by `leaf` with output loop `n` and reduced loop
/// `k` (and expert loop 0 when batched).
std::optional<MatrixRef> matrixRef(const Expr *leaf, bool batched, unsigned n,
                                   unsigned k) {
  if (leaf->kind != Expr::Kind::Leaf)
    return std::nullopt;
  MLIRContext *ctx = leaf->map.getContext();
  ArrayRef<AffineExpr> r = leaf->map.getResults();
  if (r.size() < 2)
    return std::nullopt;
  MatrixRef ref;
  ref.value = leaf->value;
  ref.stacked = batched;
  AffineExpr a = r[r.size() - 2], b = r.back();
  if (a == dim(ctx, n) && b == dim(ctx, k))
    ref.transposed = false;
  else if (a == dim(ctx, k) && b == dim(ctx, n))
    ref.transposed = true;
  else
    return std::nullopt;
  ArrayRef<AffineExpr> lead = r.drop_back(2);
  if (batched) {
    if (lead.size() != 1 || lead[0] != dim(ctx, 0))
      return std::nullopt;
    return ref;
  }
  for (AffineExpr e : lead) {
    auto c = dyn_cast<AffineConstantExpr>(e);
    if (!c)
      return std::nullopt;
    ref.fixed.push_back(c.getValue());
  }
  return ref;
}

/// An up or down projection: `v` = sum_k in[.., k] · w[n, k], returning the
/// weight and the input factor(s).
LogicalResult matchProjection(Matcher &m, Value v, bool batched,
                              unsigned rowLoop, const char *what,
                              MatrixRef &weight,
                              SmallVectorImpl<const Expr *> &inputs) {
  unsigned np = batched ? 3 : 2;
  Matcher sub(m.b);
  SmallVector<const Expr *> factors;
  if (failed(matchContraction(sub, v, np, 1, factors)))
    return m.fail(Twine("the expert ") + what + " is not a matmul: " + sub.why);
  unsigned n = np - 1, k = np;
  const Expr *w = nullptr;
  for (const Expr *f : factors) {
    if ((m.b.loopsUsed(f) & (uint64_t(1) << rowLoop)) || constFloat(f)) {
      inputs.push_back(f);
    } else if (!w) {
      w = f;
    } else {
      return m.fail(Twine("the expert ") + what +
                    " multiplies by more than one weight");
    }
  }
  std::optional<MatrixRef> ref = w ? matrixRef(w, batched, n, k) : std::nullopt;
  if (!ref)
    return m.fail(Twine("the expert ") + what +
                  " does not read a weight matrix");
  weight = *ref;
  return success();
}

} // namespace

LogicalResult raise::matchExpertFFN(Matcher &m, Value y, Value &rows,
                                    FFNKind kind, ExpertFFN &ffn, bool first) {
  MLIRContext *ctx = m.b.getContext();
  bool batched = kind != FFNKind::Single;
  unsigned rowLoop = batched ? 1 : 0;
  // Down projection, loops ([e,] r, n | k).
  MatrixRef w2;
  SmallVector<const Expr *> inputs, actFactors;
  if (failed(matchProjection(m, y, batched, rowLoop, "down projection", w2,
                             inputs)))
    return failure();
  for (const Expr *in : inputs)
    flatten(in, "arith.mulf", actFactors);
  AffineMap pos =
      batched ? dimsMap(ctx, 4, {0, 1, 3}) : dimsMap(ctx, 3, {0, 2});
  Value h1, h3;
  Activation act;
  if (failed(matchActivation(m, actFactors, pos, h1, h3, act)))
    return failure();
  // Up projections, loops ([e,] r, f | d).
  AffineMap rowsMap;
  switch (kind) {
  case FFNKind::Single:
    rowsMap = dimsMap(ctx, 3, {0, 2});
    break;
  case FFNKind::BroadcastRows:
    rowsMap = dimsMap(ctx, 4, {1, 3});
    break;
  case FFNKind::BatchedRows:
    rowsMap = dimsMap(ctx, 4, {0, 1, 3});
    break;
  }
  SmallVector<MatrixRef, 2> ups;
  for (Value h : {h1, h3}) {
    if (!h)
      continue;
    MatrixRef w;
    SmallVector<const Expr *> in;
    if (failed(matchProjection(m, h, batched, rowLoop, "up projection", w, in)))
      return failure();
    auto [read, readMap] =
        in.size() == 1 ? asLeaf(in[0]) : std::pair<Value, AffineMap>();
    if (!read || readMap != rowsMap || (rows && read != rows))
      return m.fail("an expert up projection does not read the token rows");
    rows = read;
    ups.push_back(w);
  }
  bool gated = static_cast<bool>(h3);
  if (first) {
    ffn.activation = act;
    ffn.gated = gated;
  } else if (ffn.activation != act || ffn.gated != gated) {
    return m.fail("the experts differ in activation or gating");
  }
  ffn.w1.push_back(ups[0]);
  if (gated)
    ffn.w3.push_back(ups[1]);
  ffn.w2.push_back(w2);
  return success();
}
