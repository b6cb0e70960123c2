//===- ElementwiseKernels.cpp - Vectorized row-wise elementwise ops -------===//
//
// The moe-cpu-elementwise-kernels pass (Passes.td has the full
// description): an f32 linalg.generic with identity maps over [rows, cols]
// becomes a loop over rows (split over threads) and a vector loop over each
// row, the body cloned on vectors; math functions are then expanded into
// the polynomial approximations of the math dialect so that they stay
// vectorized.
//
//===----------------------------------------------------------------------===//

#include "moe/Codegen/Passes.h"

#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace moe {
#define GEN_PASS_DEF_MOECPUELEMENTWISEKERNELS
#include "moe/Codegen/Passes.h.inc"
} // namespace moe
} // namespace mlir

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::cpu;

namespace {

/// Whether `map` reads a row [cols] at the column of a [rows, cols]
/// iteration: (d0, d1) -> (d1), a bias row broadcast over the rows.
bool isRowBroadcast(AffineMap map) {
  return map.getNumDims() == 2 && map.getNumSymbols() == 0 &&
         map.getNumResults() == 1 && map.getResult(0).isFunctionOfDim(1) &&
         map.getResult(0) == getAffineDimExpr(1, map.getContext());
}

/// Whether `op` is an f32 row-wise elementwise op this pass vectorizes:
/// identity maps, except that inputs may be rows broadcast over the rows
/// (isRowBroadcast).
bool isRowwiseElementwise(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op->getNumResults() != 1 ||
      op.getNumLoops() != 2 || op.getNumParallelLoops() != 2)
    return false;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (!map.isIdentity() &&
        !(op.isDpsInput(&operand) && isRowBroadcast(map)))
      return false;
  }
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType.isDynamicDim(0))
    return false;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type || !type.getElementType().isF32())
      return false;
  }
  Block &body = op.getRegion().front();
  for (Operation &inner : body.without_terminator()) {
    Dialect *dialect = inner.getDialect();
    if (!dialect || !isa<arith::ArithDialect, math::MathDialect>(dialect))
      return false;
    if (inner.getNumRegions() != 0 || inner.getNumResults() != 1)
      return false;
    bool constant = inner.hasTrait<OpTrait::ConstantLike>();
    if (!constant && !inner.hasTrait<OpTrait::Elementwise>())
      return false;
    Type type = inner.getResult(0).getType();
    if (!type.isF32() && !type.isInteger(1))
      return false;
  }
  return true;
}

/// Clones the body of `op` on vectors of `width` lanes, with `args` the
/// vectors of the block arguments, and returns the yielded vector. Values
/// from outside the body and constants are broadcast. The math ops created
/// are appended to `mathOps`.
Value cloneBodyOnVectors(OpBuilder &b, Location loc, linalg::GenericOp op,
                         ArrayRef<Value> args, int64_t width,
                         SmallVectorImpl<Operation *> &mathOps) {
  Block &body = op.getRegion().front();
  IRMapping vectors;
  for (auto [arg, value] : llvm::zip(body.getArguments(), args))
    vectors.map(arg, value);
  auto vectorOf = [&](Value scalar) -> Value {
    if (Value v = vectors.lookupOrNull(scalar))
      return v;
    Value splat = vector::BroadcastOp::create(
        b, loc, VectorType::get({width}, scalar.getType()), scalar);
    vectors.map(scalar, splat);
    return splat;
  };
  for (Operation &inner : body.without_terminator()) {
    if (inner.hasTrait<OpTrait::ConstantLike>()) {
      Operation *scalar = b.clone(inner);
      vectors.map(inner.getResult(0), vectorOf(scalar->getResult(0)));
      continue;
    }
    SmallVector<Value> operands;
    for (Value operand : inner.getOperands())
      operands.push_back(vectorOf(operand));
    OperationState state(
        loc, inner.getName().getStringRef(), operands,
        {VectorType::get({width}, inner.getResult(0).getType())},
        inner.getAttrs());
    Operation *cloned = b.create(state);
    if (isa<math::MathDialect>(cloned->getDialect()))
      mathOps.push_back(cloned);
    vectors.map(inner.getResult(0), cloned->getResult(0));
  }
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  return vectorOf(yield.getOperand(0));
}

void rewriteElementwise(linalg::GenericOp op, ModuleOp module, int64_t width,
                        unsigned numThreads,
                        SmallVectorImpl<Operation *> &mathOps) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  Block &body = op.getRegion().front();

  // Every operand whose block argument the body reads becomes a buffer.
  SmallVector<Value> buffers;
  for (OpOperand &operand : op->getOpOperands()) {
    bool used = !body.getArgument(operand.getOperandNumber()).use_empty();
    buffers.push_back(used ? readOnlyBuffer(b, loc, operand.get()) : Value());
  }
  Value shapeSource = op.getDpsInits()[0];
  Value rows = tensor::DimOp::create(b, loc, shapeSource, 0);
  Value cols = resultType.isDynamicDim(1)
                   ? Value(tensor::DimOp::create(b, loc, shapeSource, 1))
                   : indexConst(b, loc, resultType.getDimSize(1));
  SmallVector<Value> dynamicSizes = {rows};
  if (resultType.isDynamicDim(1))
    dynamicSizes.push_back(cols);
  Value out = allocBuffer(b, loc, resultType, dynamicSizes);

  auto vecType = VectorType::get({width}, b.getF32Type());
  auto step = [&](OpBuilder &sb, Location sl, Value r, Value j, Value mask) {
    SmallVector<Value> args;
    for (Value buffer : buffers)
      args.push_back(buffer ? loadF32(sb, sl, buffer,
                                      cast<MemRefType>(buffer.getType())
                                                  .getRank() == 1
                                          ? SmallVector<Value>{j}
                                          : SmallVector<Value>{r, j},
                                      width, mask)
                            : Value(arith::ConstantOp::create(
                                  sb, sl,
                                  DenseElementsAttr::get(
                                      vecType, sb.getF32FloatAttr(0.0f)))));
    Value v = cloneBodyOnVectors(sb, sl, op, args, width, mathOps);
    if (mask)
      vector::MaskedStoreOp::create(sb, sl, out, ValueRange{r, j}, mask, v);
    else
      vector::StoreOp::create(sb, sl, v, out, ValueRange{r, j});
  };

  std::optional<int64_t> staticCols;
  if (!resultType.isDynamicDim(1))
    staticCols = resultType.getDimSize(1);
  // No rows (an expert no token chose): nothing to fork threads for.
  Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rows,
                                    indexConst(b, loc, 0));
  scf::IfOp::create(b, loc, any, [&](OpBuilder &gb, Location gl) {
    emitParallelRanges(
        gb, gl, module, rows, numThreads,
        [&](OpBuilder &pb, Location pl, Value begin, Value end) {
          emitFor(pb, pl, begin, end, indexConst(pb, pl, 1),
                  [&](OpBuilder &rb, Location rl, Value r) {
                    Value full = roundDown(rb, rl, cols, width);
                    Value zero = indexConst(rb, rl, 0);
                    Value vecStep = indexConst(rb, rl, width);
                    emitFor(rb, rl, zero, full, vecStep,
                            [&](OpBuilder &vb, Location vl, Value j) {
                              step(vb, vl, r, j, nullptr);
                            });
                    if (staticCols && *staticCols % width == 0)
                      return;
                    Value remaining = arith::SubIOp::create(rb, rl, cols, full);
                    Value hasTail = arith::CmpIOp::create(
                        rb, rl, arith::CmpIPredicate::ult, full, cols);
                    scf::IfOp::create(
                        rb, rl, hasTail, [&](OpBuilder &tb, Location tl) {
                          step(tb, tl, r, full,
                               laneMask(tb, tl, remaining, width));
                          scf::YieldOp::create(tb, tl);
                        });
                  });
        });
    scf::YieldOp::create(gb, gl);
  });
  Value result = bufferToTensor(b, loc, out, resultType);
  op->getResult(0).replaceAllUsesWith(result);
  op->erase();
}

struct MoECPUElementwiseKernelsPass
    : public moe::impl::MoECPUElementwiseKernelsBase<
          MoECPUElementwiseKernelsPass> {
  using MoECPUElementwiseKernelsBase::MoECPUElementwiseKernelsBase;

  void runOnOperation() override {
    // Up to the 16 f32 lanes of AVX-512 (a huge width takes minutes to
    // compile).
    if (vectorWidth < 1 || vectorWidth > 16) {
      mlir::emitError(getOperation().getLoc())
          << "moe-cpu-elementwise-kernels: vector-width = "
          << unsigned(vectorWidth) << " must be from 1 to 16";
      return signalPassFailure();
    }
    unsigned threads = numThreads;
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isRowwiseElementwise(op))
        generics.push_back(op);
    });
    SmallVector<Operation *> mathOps;
    for (linalg::GenericOp op : generics)
      rewriteElementwise(op, getOperation(), vectorWidth, threads, mathOps);
    numRewritten += generics.size();

    // exp and tanh (silu, sigmoid, gelu_tanh) as polynomials: libm has no
    // vector entry points that the JIT could call, so they would become
    // one call per lane. Other functions (erf) keep their libm calls.
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
      name.consume_front("math.");
      return name == "exp" || name == "tanh";
    });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(mathOps, std::move(patterns), config)))
      return signalPassFailure();
  }
};

} // namespace
