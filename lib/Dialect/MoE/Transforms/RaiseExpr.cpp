//===- RaiseExpr.cpp - Expression view of dense linalg for moe-raise ------===//
//
// The expression builder of RaiseMatch.h: reads through elementwise and
// layout ops, canonical reductions, interning, loop remapping, and the small
// queries the matchers share.
//
//===----------------------------------------------------------------------===//

#include "RaiseMatch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::raise;

//===----------------------------------------------------------------------===//
// Interning
//===----------------------------------------------------------------------===//

const Expr *ExprBuilder::intern(Expr proto) {
  Key key{static_cast<int>(proto.kind),
          proto.type.getAsOpaquePointer(),
          proto.value.getAsOpaquePointer(),
          proto.map.getAsOpaquePointer(),
          proto.constant.getAsOpaquePointer(),
          proto.index.getAsOpaquePointer(),
          proto.acc,
          proto.name.data(),
          proto.predicate,
          proto.operands};
  auto it = interned.find(key);
  if (it != interned.end())
    return it->second;
  storage.push_back(std::move(proto));
  const Expr *e = &storage.back();
  interned.emplace(std::move(key), e);
  return e;
}

const Expr *ExprBuilder::leaf(Value v, AffineMap map) {
  Expr e;
  e.kind = Expr::Kind::Leaf;
  Type t = v.getType();
  if (auto shaped = dyn_cast<ShapedType>(t))
    t = shaped.getElementType();
  e.type = t;
  e.value = v;
  e.map = map;
  return intern(std::move(e));
}

const Expr *ExprBuilder::constant(TypedAttr attr) {
  Expr e;
  e.kind = Expr::Kind::Const;
  e.type = attr.getType();
  e.constant = attr;
  return intern(std::move(e));
}

const Expr *ExprBuilder::index(AffineExpr ix, Type indexType) {
  Expr e;
  e.kind = Expr::Kind::Index;
  e.type = indexType;
  e.index = ix;
  return intern(std::move(e));
}

const Expr *ExprBuilder::acc(unsigned i, Type type) {
  Expr e;
  e.kind = Expr::Kind::Acc;
  e.type = type;
  e.acc = i;
  return intern(std::move(e));
}

const Expr *ExprBuilder::op(StringRef name, Type type, int64_t predicate,
                            ArrayRef<const Expr *> operands) {
  Expr e;
  e.kind = Expr::Kind::Op;
  e.type = type;
  // Operation names are uniqued in the context, so the data pointer
  // identifies the name.
  e.name = OperationName(name, ctx).getStringRef();
  e.predicate = predicate;
  e.operands.assign(operands.begin(), operands.end());
  return intern(std::move(e));
}

//===----------------------------------------------------------------------===//
// Reading tensors
//===----------------------------------------------------------------------===//

/// The scalar operand environment of a linalg body being expanded: the map
/// from the op's loops to expressions of the target loops, and whether the
/// outputs are accumulators (reductions) or plain reads.
struct ExprBuilder::Env {
  linalg::LinalgOp op;
  AffineMap loops;
  bool reduction;
  llvm::DenseMap<Value, const Expr *> memo;
};

const Expr *ExprBuilder::scalar(Value v, unsigned numLoops) {
  if (auto cst = v.getDefiningOp<arith::ConstantOp>())
    if (auto typed = dyn_cast<TypedAttr>(cst.getValue());
        typed && !isa<ShapedType>(typed.getType()))
      return constant(typed);
  return leaf(v, AffineMap::get(numLoops, 0, {}, ctx));
}

const Expr *ExprBuilder::bodyValue(Value v, Env &env) {
  auto it = env.memo.find(v);
  if (it != env.memo.end())
    return it->second;
  unsigned numLoops = env.loops.getNumDims();
  Block *body = env.op.getBlock();
  const Expr *result = nullptr;
  if (auto arg = dyn_cast<BlockArgument>(v); arg && arg.getOwner() == body) {
    OpOperand *operand = env.op.getMatchingOpOperand(arg);
    if (env.op.isDpsInit(operand) && env.reduction) {
      unsigned pos = operand->getOperandNumber() - env.op.getNumDpsInputs();
      result = acc(pos, arg.getType());
    } else if (!isa<ShapedType>(operand->get().getType())) {
      result = scalar(operand->get(), numLoops);
    } else {
      AffineMap map = env.op.getMatchingIndexingMap(operand).compose(env.loops);
      result = read(operand->get(), map);
    }
  } else if (auto indexOp = v.getDefiningOp<linalg::IndexOp>();
             indexOp && indexOp->getBlock() == body) {
    result = index(env.loops.getResult(indexOp.getDim()), v.getType());
  } else if (Operation *def = v.getDefiningOp();
             def && env.op->isProperAncestor(def)) {
    if (auto cst = dyn_cast<arith::ConstantOp>(def)) {
      result = scalar(v, numLoops);
    } else if (def->getNumResults() == 1 && def->getNumRegions() == 0 &&
               def->getBlock() == body) {
      int64_t predicate = -1;
      if (auto cmp = dyn_cast<arith::CmpFOp>(def))
        predicate = static_cast<int64_t>(cmp.getPredicate());
      else if (auto cmp = dyn_cast<arith::CmpIOp>(def))
        predicate = static_cast<int64_t>(cmp.getPredicate());
      SmallVector<const Expr *, 3> operands;
      for (Value operand : def->getOperands())
        operands.push_back(bodyValue(operand, env));
      result =
          op(def->getName().getStringRef(), v.getType(), predicate, operands);
    } else {
      // Something the matchers never accept (multi-result or region ops in
      // a body): an opaque scalar.
      result = leaf(v, AffineMap::get(numLoops, 0, {}, ctx));
    }
  } else {
    // Defined outside the op: a scalar captured by the body.
    result = scalar(v, numLoops);
  }
  env.memo[v] = result;
  return result;
}

const Expr *ExprBuilder::expandElementwise(linalg::LinalgOp op, OpResult result,
                                           AffineMap map) {
  if (op->getNumRegions() != 1 || op->getRegion(0).empty() ||
      !op.isAllParallelLoops())
    return nullptr;
  AffineMap out = op.getIndexingMapMatchingResult(result);
  if (!out.isPermutation())
    return nullptr;
  // Op loops in terms of the consumer's loops.
  AffineMap loops = inversePermutation(out).compose(map);
  Env env{op, loops, /*reduction=*/false,
          llvm::DenseMap<Value, const Expr *>()};
  Value yielded =
      op.getBlock()->getTerminator()->getOperand(result.getResultNumber());
  walkedOps.insert(op);
  return bodyValue(yielded, env);
}

const Expr *ExprBuilder::readThroughLayout(Operation *def, Value v,
                                           AffineMap map) {
  unsigned numLoops = map.getNumDims();
  if (auto cast = dyn_cast<tensor::CastOp>(def)) {
    walkedOps.insert(def);
    return read(cast.getSource(), map);
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(def)) {
    ArrayRef<int64_t> offsets = slice.getStaticOffsets();
    ArrayRef<int64_t> strides = slice.getStaticStrides();
    if (llvm::any_of(offsets, ShapedType::isDynamic) ||
        llvm::any_of(strides, [](int64_t s) { return s != 1; }))
      return nullptr;
    llvm::SmallBitVector dropped = slice.getDroppedDims();
    SmallVector<AffineExpr> exprs;
    unsigned next = 0;
    for (unsigned j = 0, e = offsets.size(); j < e; ++j) {
      AffineExpr off = getAffineConstantExpr(offsets[j], ctx);
      if (dropped.test(j))
        exprs.push_back(off);
      else
        exprs.push_back(map.getResult(next++) + off);
    }
    walkedOps.insert(def);
    return read(slice.getSource(), AffineMap::get(numLoops, 0, exprs, ctx));
  }
  // Unit-dimension reshapes: every reassociation group has at most one
  // dimension that is not statically 1.
  auto groupSource = [&](ArrayRef<int64_t> shape,
                         ReassociationIndices group) -> std::optional<int64_t> {
    std::optional<int64_t> nonUnit;
    for (int64_t d : group) {
      if (shape[d] == 1)
        continue;
      if (nonUnit)
        return std::nullopt;
      nonUnit = d;
    }
    return nonUnit.value_or(-1);
  };
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def)) {
    ArrayRef<int64_t> shape = expand.getResultType().getShape();
    SmallVector<AffineExpr> exprs;
    for (const ReassociationIndices &group : expand.getReassociationIndices()) {
      std::optional<int64_t> d = groupSource(shape, group);
      if (!d)
        return nullptr;
      exprs.push_back(*d < 0 ? getAffineConstantExpr(0, ctx)
                             : map.getResult(*d));
    }
    walkedOps.insert(def);
    return read(expand.getSrc(), AffineMap::get(numLoops, 0, exprs, ctx));
  }
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(def)) {
    ArrayRef<int64_t> shape = collapse.getSrcType().getShape();
    SmallVector<AffineExpr> exprs(shape.size(), getAffineConstantExpr(0, ctx));
    for (auto [g, group] :
         llvm::enumerate(collapse.getReassociationIndices())) {
      std::optional<int64_t> d = groupSource(shape, group);
      if (!d)
        return nullptr;
      if (*d >= 0)
        exprs[*d] = map.getResult(g);
    }
    walkedOps.insert(def);
    return read(collapse.getSrc(), AffineMap::get(numLoops, 0, exprs, ctx));
  }
  return nullptr;
}

const Expr *ExprBuilder::read(Value v, AffineMap map) {
  auto key = std::make_pair(v, map);
  auto it = reads.find(key);
  if (it != reads.end())
    return it->second;
  const Expr *result = nullptr;
  if (!isa<RankedTensorType>(v.getType())) {
    result = scalar(v, map.getNumDims());
  } else if (Operation *def = v.getDefiningOp()) {
    if (auto cst = dyn_cast<arith::ConstantOp>(def)) {
      if (auto splat = dyn_cast<SplatElementsAttr>(cst.getValue()))
        result = constant(cast<TypedAttr>(splat.getSplatValue<Attribute>()));
    } else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(def)) {
      result = expandElementwise(linalgOp, cast<OpResult>(v), map);
      if (result && !result->origin) {
        result->origin = v;
        result->originMap = map;
      }
    } else {
      result = readThroughLayout(def, v, map);
    }
  }
  if (!result)
    result = leaf(v, map);
  reads[key] = result;
  return result;
}

const Expr *ExprBuilder::readIdentity(Value v) {
  unsigned rank = cast<RankedTensorType>(v.getType()).getRank();
  return read(v, AffineMap::getMultiDimIdentityMap(rank, ctx));
}

FailureOr<const Reduction *> ExprBuilder::reduction(Value v, std::string &why) {
  auto it = reductions.find(v);
  if (it != reductions.end())
    return it->second.get();
  auto result = dyn_cast<OpResult>(v);
  auto op = result ? dyn_cast<linalg::LinalgOp>(result.getOwner())
                   : linalg::LinalgOp();
  if (!op || op->getNumRegions() != 1 || op->getRegion(0).empty() ||
      op.getNumReductionLoops() == 0) {
    why = "is not computed by a reduction";
    return failure();
  }
  AffineMap out = op.getIndexingMapMatchingResult(result);
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned numLoops = op.getNumLoops();
  // Canonical order: the result's dimensions, then the reduction loops.
  SmallVector<unsigned> order;
  SmallVector<AffineExpr> resultExprs;
  for (AffineExpr e : out.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(e)) {
      if (llvm::is_contained(order, d.getPosition()) ||
          iterators[d.getPosition()] != utils::IteratorType::parallel) {
        why = "has an unsupported result map";
        return failure();
      }
      resultExprs.push_back(getAffineDimExpr(order.size(), ctx));
      order.push_back(d.getPosition());
    } else if (auto c = dyn_cast<AffineConstantExpr>(e); c && !c.getValue()) {
      resultExprs.push_back(e);
    } else {
      why = "has an unsupported result map";
      return failure();
    }
  }
  unsigned numParallel = order.size();
  for (unsigned d = 0; d < numLoops; ++d) {
    if (llvm::is_contained(order, d))
      continue;
    if (iterators[d] != utils::IteratorType::reduction) {
      why = "has a parallel loop missing from its result";
      return failure();
    }
    order.push_back(d);
  }
  for (OpResult other : op->getResults())
    if (op.getIndexingMapMatchingResult(other) != out) {
      why = "has results with different maps";
      return failure();
    }
  // loops: original loop j -> canonical position of j.
  SmallVector<AffineExpr> loopExprs(numLoops);
  for (auto [pos, orig] : llvm::enumerate(order))
    loopExprs[orig] = getAffineDimExpr(pos, ctx);
  AffineMap loops = AffineMap::get(numLoops, 0, loopExprs, ctx);

  auto red = std::make_unique<Reduction>();
  red->op = op;
  red->numParallel = numParallel;
  red->numLoops = numLoops;
  red->resultMap = AffineMap::get(numLoops, 0, resultExprs, ctx);
  Env env{op, loops, /*reduction=*/true, llvm::DenseMap<Value, const Expr *>()};
  for (Value yielded : op.getBlock()->getTerminator()->getOperands())
    red->bodies.push_back(bodyValue(yielded, env));
  for (OpOperand &init : op.getDpsInitsMutable())
    red->inits.push_back(
        read(init.get(), op.getMatchingIndexingMap(&init).compose(loops)));
  walkedOps.insert(op);
  const Reduction *ptr = red.get();
  reductions[v] = std::move(red);
  return ptr;
}

//===----------------------------------------------------------------------===//
// Remapping and loop use
//===----------------------------------------------------------------------===//

const Expr *ExprBuilder::remap(const Expr *e, AffineMap subst) {
  auto key = std::make_pair(e, subst.getAsOpaquePointer());
  auto it = remaps.find(key);
  if (it != remaps.end())
    return it->second;
  const Expr *result = e;
  switch (e->kind) {
  case Expr::Kind::Leaf:
    if (e->map.getNumResults() == 0)
      result = leaf(e->value, AffineMap::get(subst.getNumDims(), 0, {}, ctx));
    else
      result = leaf(e->value, e->map.compose(subst));
    break;
  case Expr::Kind::Index:
    result = index(e->index.replaceDims(subst.getResults()), e->type);
    break;
  case Expr::Kind::Op: {
    SmallVector<const Expr *, 3> operands;
    for (const Expr *o : e->operands)
      operands.push_back(remap(o, subst));
    result = op(e->name, e->type, e->predicate, operands);
    break;
  }
  case Expr::Kind::Const:
  case Expr::Kind::Acc:
    break;
  }
  remaps[key] = result;
  return result;
}

uint64_t ExprBuilder::loopsUsed(const Expr *e) {
  auto it = used.find(e);
  if (it != used.end())
    return it->second;
  uint64_t mask = 0;
  auto addExpr = [&](AffineExpr ax) {
    ax.walk([&](AffineExpr sub) {
      if (auto d = dyn_cast<AffineDimExpr>(sub))
        mask |= uint64_t(1) << d.getPosition();
    });
  };
  switch (e->kind) {
  case Expr::Kind::Leaf:
    for (AffineExpr r : e->map.getResults())
      addExpr(r);
    break;
  case Expr::Kind::Index:
    addExpr(e->index);
    break;
  case Expr::Kind::Op:
    for (const Expr *o : e->operands)
      mask |= loopsUsed(o);
    break;
  default:
    break;
  }
  used[e] = mask;
  return mask;
}

//===----------------------------------------------------------------------===//
// Small queries
//===----------------------------------------------------------------------===//

std::optional<double> raise::constFloat(const Expr *e) {
  if (e->kind == Expr::Kind::Const) {
    if (auto f = dyn_cast<FloatAttr>(e->constant))
      return f.getValueAsDouble();
    return std::nullopt;
  }
  if (e->kind != Expr::Kind::Op || !isa<FloatType>(e->type))
    return std::nullopt;
  SmallVector<double, 2> args;
  for (const Expr *o : e->operands) {
    std::optional<double> v = constFloat(o);
    if (!v)
      return std::nullopt;
    args.push_back(*v);
  }
  // Evaluated in f32, as the code would be.
  auto f32 = [](double v) {
    return static_cast<double>(static_cast<float>(v));
  };
  if (e->isOp("arith.negf"))
    return -args[0];
  if (e->isOp("arith.addf"))
    return f32(static_cast<float>(args[0]) + static_cast<float>(args[1]));
  if (e->isOp("arith.subf"))
    return f32(static_cast<float>(args[0]) - static_cast<float>(args[1]));
  if (e->isOp("arith.mulf"))
    return f32(static_cast<float>(args[0]) * static_cast<float>(args[1]));
  if (e->isOp("arith.divf"))
    return f32(static_cast<float>(args[0]) / static_cast<float>(args[1]));
  if (e->isOp("math.sqrt"))
    return f32(std::sqrt(static_cast<float>(args[0])));
  return std::nullopt;
}

std::optional<int64_t> raise::constInt(const Expr *e) {
  if (e->kind == Expr::Kind::Const)
    if (auto i = dyn_cast<IntegerAttr>(e->constant))
      return i.getValue().getSExtValue();
  return std::nullopt;
}

void raise::flatten(const Expr *e, StringRef name,
                    SmallVectorImpl<const Expr *> &out) {
  if (!e->isOp(name)) {
    out.push_back(e);
    return;
  }
  for (const Expr *o : e->operands)
    flatten(o, name, out);
}

const Expr *raise::stripIntCasts(const Expr *e) {
  while (e->isOp("arith.index_cast") || e->isOp("arith.index_castui") ||
         e->isOp("arith.extsi") || e->isOp("arith.extui") ||
         e->isOp("arith.trunci"))
    e = e->operand(0);
  return e;
}

AffineExpr raise::indexOf(const Expr *e) {
  if (e->isOp("arith.uitofp") || e->isOp("arith.sitofp"))
    e = e->operand(0);
  e = stripIntCasts(e);
  if (e->kind == Expr::Kind::Index)
    return e->index;
  return AffineExpr();
}

bool raise::commutes(
    const Expr *e, StringRef op,
    llvm::function_ref<bool(const Expr *, const Expr *)> pred) {
  if (!e->isOp(op) || e->operands.size() != 2)
    return false;
  return pred(e->operand(0), e->operand(1)) ||
         pred(e->operand(1), e->operand(0));
}

AffineExpr raise::dim(MLIRContext *ctx, unsigned d) {
  return getAffineDimExpr(d, ctx);
}

AffineMap raise::dimsMap(MLIRContext *ctx, unsigned numLoops,
                         ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(numLoops, 0, exprs, ctx);
}

bool raise::isAcc(const Expr *e, unsigned i) {
  return e->kind == Expr::Kind::Acc && e->acc == i;
}

bool raise::isZero(const Expr *e) {
  if (std::optional<double> f = constFloat(e))
    return *f == 0.0;
  if (std::optional<int64_t> i = constInt(e))
    return *i == 0;
  return false;
}

bool raise::isOne(const Expr *e) {
  if (std::optional<double> f = constFloat(e))
    return *f == 1.0;
  if (std::optional<int64_t> i = constInt(e))
    return *i == 1;
  return false;
}

bool raise::isCmpF(const Expr *e, arith::CmpFPredicate p) {
  return e->isOp("arith.cmpf") && e->predicate == static_cast<int64_t>(p);
}

bool raise::isCmpI(const Expr *e, arith::CmpIPredicate p) {
  return e->isOp("arith.cmpi") && e->predicate == static_cast<int64_t>(p);
}

/// The contribution X of a single-output reduction body `op(Acc0, X)`.
const Expr *raise::reduced(const Reduction *red, StringRef op) {
  if (red->bodies.size() != 1)
    return nullptr;
  const Expr *x = nullptr;
  commutes(red->bodies[0], op, [&](const Expr *a, const Expr *b) {
    if (!isAcc(a, 0) || b->kind == Expr::Kind::Acc)
      return false;
    x = b;
    return true;
  });
  return x;
}

/// A predicate with 0/1 round trips removed: `extui(p) != 0`,
/// `uitofp(p) != 0.0` are p.
const Expr *raise::normalizeAtom(const Expr *p) {
  while (true) {
    const Expr *inner = nullptr;
    if (isCmpI(p, arith::CmpIPredicate::ne) ||
        isCmpF(p, arith::CmpFPredicate::UNE) ||
        isCmpF(p, arith::CmpFPredicate::ONE)) {
      commutes(p, p->name, [&](const Expr *a, const Expr *b) {
        if (!isZero(b))
          return false;
        if (a->isOp("arith.extui") || a->isOp("arith.uitofp"))
          a = a->operand(0);
        if (!a->type.isInteger(1))
          return false;
        inner = a;
        return true;
      });
    }
    if (!inner)
      return p;
    p = inner;
  }
}

/// The i1 predicate `e` converts to 0/1 (see the header).
const Expr *raise::zeroOneOf(const Expr *e) {
  if (e->isOp("arith.uitofp") || e->isOp("arith.extui")) {
    const Expr *in = e->operand(0);
    if (in->isOp("arith.extui"))
      in = in->operand(0);
    return in->type.isInteger(1) ? in : nullptr;
  }
  if (e->isOp("arith.sitofp") && e->operand(0)->isOp("arith.extui") &&
      e->operand(0)->operand(0)->type.isInteger(1))
    return e->operand(0)->operand(0);
  if (e->isOp("arith.select") && isOne(e->operand(1)) && isZero(e->operand(2)))
    return e->operand(0);
  return nullptr;
}

std::pair<Value, AffineMap> raise::asLeaf(const Expr *e) {
  if (e->kind == Expr::Kind::Leaf && e->map.getNumResults() > 0)
    return {e->value, e->map};
  if (e->origin)
    return {e->origin, e->originMap};
  return {Value(), AffineMap()};
}

static void flattenProductImpl(const Expr *e, bool top,
                               SmallVectorImpl<const Expr *> &factors) {
  if (e->isOp("arith.mulf") && (top || !e->origin)) {
    for (const Expr *o : e->operands)
      flattenProductImpl(o, false, factors);
    return;
  }
  factors.push_back(e);
}

void raise::flattenProduct(const Expr *e,
                           SmallVectorImpl<const Expr *> &factors) {
  flattenProductImpl(e, /*top=*/true, factors);
}

const Expr *raise::product(ExprBuilder &b, ArrayRef<const Expr *> factors) {
  const Expr *p = factors.front();
  for (const Expr *f : factors.drop_front())
    p = b.op("arith.mulf", p->type, -1, {p, f});
  return p;
}
