//===- RaiseMatch.h - Expression view of dense linalg for moe-raise -*- C++
//-*-===//
//
// moe-raise reads dense tensor code as scalar expressions of loop indices:
// the value of a tensor element, at a point of an iteration space, written
// in terms of the values it is computed from. Elementwise linalg ops (any
// all-parallel structured op whose result map is a permutation: generic,
// named elementwise ops, broadcast, transpose, fill) and layout-only tensor
// ops (cast, unit-stride static extract_slice, unit-dimension expand and
// collapse) are looked through, so fused and unfused writings of the same
// computation give the same expression. Everything else is a leaf: a tensor
// read through an affine map. Reductions (linalg ops with reduction loops)
// are analyzed on demand in a canonical loop order: their parallel loops in
// the order of the result's dimensions, then their reduction loops.
//
// Expressions are interned, so structurally equal expressions are the same
// pointer. A builder is used for one match attempt; it records every
// operation the attempt looked through, which is what the attempt would
// replace.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_DIALECT_MOE_TRANSFORMS_RAISEMATCH_H
#define LIB_DIALECT_MOE_TRANSFORMS_RAISEMATCH_H

#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallVector.h"

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tuple>

namespace mlir {
namespace moe {
namespace raise {

/// A scalar expression over the loops of an iteration space.
struct Expr {
  enum class Kind { Leaf, Const, Index, Acc, Op };
  Kind kind;
  /// The scalar type of the expression.
  Type type;
  /// Leaf: the value read, and the map from loops to its dimensions (no
  /// results for a scalar).
  Value value;
  AffineMap map;
  /// Const: the scalar attribute.
  TypedAttr constant;
  /// Index: the loop index expression (linalg.index).
  AffineExpr index;
  /// Acc: the output (of the reduction being analyzed) it reads.
  unsigned acc = 0;
  /// Op: the operation name, its predicate (cmpf/cmpi) or -1, operands.
  StringRef name;
  int64_t predicate = -1;
  SmallVector<const Expr *, 3> operands;
  /// The first (value, map) read that produced this expression, when it was
  /// read from an elementwise op's result.
  mutable Value origin;
  mutable AffineMap originMap;

  bool isOp(StringRef opName) const {
    return kind == Kind::Op && name == opName;
  }
  const Expr *operand(unsigned i) const { return operands[i]; }
};

/// The canonical view of a reduction's result.
struct Reduction {
  linalg::LinalgOp op;
  /// Loops: `numParallel` parallel loops (in the order of the result's
  /// non-unit dimensions), then the reduction loops.
  unsigned numParallel = 0;
  unsigned numLoops = 0;
  /// The result's map in canonical loops (dimension i of a non-unit result
  /// dimension is loop i; unit dimensions read 0).
  AffineMap resultMap;
  /// The yielded value of each output, with Acc(i) for output i's
  /// accumulator, and each output's initial value.
  SmallVector<const Expr *> bodies;
  SmallVector<const Expr *> inits;
};

class ExprBuilder {
public:
  explicit ExprBuilder(MLIRContext *ctx) : ctx(ctx) {}

  MLIRContext *getContext() const { return ctx; }

  /// The element of `v` at `map` (loops -> dimensions of v), looking through
  /// elementwise and layout ops.
  const Expr *read(Value v, AffineMap map);
  /// `v` read at the identity map of its rank.
  const Expr *readIdentity(Value v);
  /// The canonical view of the reduction producing `v`, or failure with the
  /// reason in `why`.
  FailureOr<const Reduction *> reduction(Value v, std::string &why);

  /// Interned nodes.
  const Expr *leaf(Value v, AffineMap map);
  const Expr *constant(TypedAttr attr);
  const Expr *index(AffineExpr e, Type indexType);
  const Expr *acc(unsigned i, Type type);
  const Expr *op(StringRef name, Type type, int64_t predicate,
                 ArrayRef<const Expr *> operands);

  /// `e` with every loop i replaced by `subst`'s result i (a map from the old
  /// loops to expressions of the new loops).
  const Expr *remap(const Expr *e, AffineMap subst);
  /// The loops that `e` reads, as a bit mask.
  uint64_t loopsUsed(const Expr *e);

  /// Operations looked through or analyzed so far.
  const llvm::SetVector<Operation *> &walked() const { return walkedOps; }
  void markWalked(Operation *op) { walkedOps.insert(op); }

private:
  struct Env;
  const Expr *intern(Expr proto);
  const Expr *scalar(Value v, unsigned numLoops);
  const Expr *bodyValue(Value v, Env &env);
  const Expr *expandElementwise(linalg::LinalgOp op, OpResult result,
                                AffineMap map);
  const Expr *readThroughLayout(Operation *def, Value v, AffineMap map);

  using Key = std::tuple<int, const void *, const void *, const void *,
                         const void *, const void *, unsigned, const char *,
                         int64_t, SmallVector<const Expr *, 3>>;
  MLIRContext *ctx;
  std::deque<Expr> storage;
  std::map<Key, const Expr *> interned;
  llvm::DenseMap<std::pair<Value, AffineMap>, const Expr *> reads;
  llvm::DenseMap<Value, std::unique_ptr<Reduction>> reductions;
  std::map<std::pair<const Expr *, const void *>, const Expr *> remaps;
  llvm::DenseMap<const Expr *, uint64_t> used;
  llvm::SetVector<Operation *> walkedOps;
};

//===----------------------------------------------------------------------===//
// Small queries
//===----------------------------------------------------------------------===//

/// The value of a constant float expression (constants, and negf, addf,
/// subf, mulf, divf, math.sqrt of constants), as f32 then widened.
std::optional<double> constFloat(const Expr *e);
/// The value of an integer constant expression.
std::optional<int64_t> constInt(const Expr *e);
/// The operands of the tree of `name` ops rooted at `e` (e itself when it is
/// not such an op), left to right.
void flatten(const Expr *e, StringRef name, SmallVectorImpl<const Expr *> &out);
/// The loop index expression `e` stands for, looking through integer casts
/// (index_cast, extsi, extui, trunci) and exact integer-to-float
/// conversions, or null.
AffineExpr indexOf(const Expr *e);
/// `e` without integer width casts (extsi, extui, trunci, index_cast).
const Expr *stripIntCasts(const Expr *e);
/// Whether `e` is `a op b` for a commutative `op`, with `pred(a, b)` or
/// `pred(b, a)`.
bool commutes(const Expr *e, StringRef op,
              llvm::function_ref<bool(const Expr *, const Expr *)> pred);

/// The tensor and map `e` reads: a leaf's, or for an expression expanded
/// from an elementwise op's result, that result and the map it was read at
/// (so that a value computed by elementwise ops still names the tensor).
std::pair<Value, AffineMap> asLeaf(const Expr *e);
/// Whether `e` is `1 + exp(-h)` (either order; -h as negf or 0 - h).
bool isSigmoidDenominator(const Expr *e, const Expr *h);

/// Node tests.
bool isAcc(const Expr *e, unsigned i);
bool isZero(const Expr *e);
bool isOne(const Expr *e);
bool isCmpF(const Expr *e, arith::CmpFPredicate p);
bool isCmpI(const Expr *e, arith::CmpIPredicate p);
/// The contribution X of a single-output reduction body `op(Acc0, X)`, or
/// null.
const Expr *reduced(const Reduction *red, StringRef op);
/// A predicate with 0/1 round trips removed: `extui(p) != 0` and
/// `uitofp(p) != 0.0` are p.
const Expr *normalizeAtom(const Expr *p);
/// The i1 predicate that `e` converts to 0/1 (uitofp, extui,
/// select(p, 1, 0)), or null.
const Expr *zeroOneOf(const Expr *e);

/// The loop dimension `d` of `ctx`.
AffineExpr dim(MLIRContext *ctx, unsigned d);
/// The map with `numLoops` loops and results `dims` (dimension positions).
AffineMap dimsMap(MLIRContext *ctx, unsigned numLoops, ArrayRef<unsigned> dims);

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

/// Why the current match attempt failed (the first reason given).
class Matcher {
public:
  explicit Matcher(ExprBuilder &b) : b(b) {}
  ExprBuilder &b;
  std::string why;

  LogicalResult fail(const Twine &reason) {
    if (why.empty())
      why = reason.str();
    return failure();
  }
};

/// A reference to one expert's (or every expert's) weight matrix: an [N, K]
/// matrix (nn.Linear layout) of `value`, possibly a slice of it at the
/// constant leading indices `fixed`, transposed when the value holds it as
/// [K, N]. With `stacked`, `value` is [E, N, K] (or [E, K, N]) for all
/// experts.
struct MatrixRef {
  Value value;
  SmallVector<int64_t> fixed;
  bool transposed = false;
  bool stacked = false;
  bool operator==(const MatrixRef &o) const {
    return value == o.value && fixed == o.fixed && transposed == o.transposed &&
           stacked == o.stacked;
  }
};

/// The router and routing found by matchRouting.
struct Routing {
  Value x;
  MatrixRef router;
  Scoring scoring = Scoring::softmax;
  int64_t k = 0;
  bool normalize = false;
  double scaling = 1.0;
  /// Argmax encoding: the argmax result (index of pick j), in pick order.
  SmallVector<Value> picks;
};

/// Matches dense top-k routing weights `w` ([T, E] in loops (t, e)).
LogicalResult matchRouting(Matcher &m, const Expr *w, Routing &r);
/// Matches router scores `s` ([T, E] in loops (t, e)).
LogicalResult matchScores(Matcher &m, const Expr *s, Routing &r);
/// Whether `atom` is the one-hot predicate `expert loop == pick[token loop]`
/// of an argmax result; returns the argmax value.
Value oneHotPick(const Expr *atom, unsigned expertLoop, unsigned tokenLoop);
/// The conjunction of i1 atoms that a 0/1-valued expression stands for
/// (uitofp/extui/select(p, 1, 0) of predicates, andi, products of such), or
/// failure.
LogicalResult indicatorAtoms(const Expr *e,
                             SmallVectorImpl<const Expr *> &atoms);

/// One expert FFN (gated or not) found by matchExperts.
struct ExpertFFN {
  Activation activation = Activation::silu;
  bool gated = false;
  /// Per expert (one entry when batched over E).
  SmallVector<MatrixRef> w1, w3, w2;
};

/// How the expert FFN reads its rows.
enum class FFNKind {
  /// y: [R, D] = FFN of one expert over the rows `rows` [R, D].
  Single,
  /// y: [E, R, D] = every expert over the same rows [R, D] (x broadcast).
  BroadcastRows,
  /// y: [E, R, D] = expert e over rows[e] of `rows` [E, R, D].
  BatchedRows,
};

/// Matches `y` as an expert FFN of `rows` in the given kind, appending the
/// weights to `ffn` (whose activation/gating it sets on the first call and
/// checks on later ones). A null `rows` takes the rows the FFN reads.
LogicalResult matchExpertFFN(Matcher &m, Value y, Value &rows, FFNKind kind,
                             ExpertFFN &ffn, bool first);

/// Matches `v` as a contraction (sum of products, f32, zero init) with
/// `numParallel` parallel and `numReduction` reduction loops; returns the
/// product's factors in the canonical loops. The product is flattened
/// through multiplications written in the contraction itself, not into the
/// operands it reads (see asLeaf).
LogicalResult matchContraction(Matcher &m, Value v, unsigned numParallel,
                               unsigned numReduction,
                               SmallVectorImpl<const Expr *> &factors);
/// Matches `root` as the combine of a dense MoE layer: a contraction (see
/// matchContraction) over loops (t, d | reductions) whose factors are one
/// leaf `y` read through `yMap` and weights that do not use loop d. Sets
/// `candidate` once that shape is seen, so that later mismatches are
/// reported.
LogicalResult matchWeightedSum(Matcher &m, Value root, unsigned numReduction,
                               AffineMap yMap, const Expr *&y,
                               SmallVectorImpl<const Expr *> &weights,
                               bool &candidate);
/// The factors of the product `e`: multiplications are flattened, except
/// inside expressions read from another tensor (those with an origin) below
/// the top.
void flattenProduct(const Expr *e, SmallVectorImpl<const Expr *> &factors);
/// The product of `factors` as one expression (the factor itself when
/// there is one).
const Expr *product(ExprBuilder &b, ArrayRef<const Expr *> factors);

//===----------------------------------------------------------------------===//
// Whole layers
//===----------------------------------------------------------------------===//

/// The dense forms moe-raise recognizes.
enum class Form {
  /// Every expert on every token batched over E, te,etd->td with W.
  Batched,
  /// E separate expert chains, each scaled by W[:, e], summed.
  Unrolled,
  /// GShard/Switch one-hot dispatch and combine under a capacity.
  OneHot,
};

/// A recognized layer.
struct LayerMatch {
  Form form = Form::Batched;
  Routing routing;
  ExpertFFN ffn;
  int64_t numExperts = 0;
  /// OneHot: the slots per expert (moe.layer's capacity, drop position).
  int64_t capacity = 0;
};

/// Matches the one-hot form rooted at `root`. `candidate` is set once the
/// root has the shape of that form's combine (from then on a failure is a
/// near miss whose reason is in `m.why`).
LogicalResult matchOneHot(Matcher &m, Value root, LayerMatch &match,
                          bool &candidate);

} // namespace raise
} // namespace moe
} // namespace mlir

#endif // LIB_DIALECT_MOE_TRANSFORMS_RAISEMATCH_H
