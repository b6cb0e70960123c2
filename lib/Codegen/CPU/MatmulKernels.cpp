//===- MatmulKernels.cpp - Register-tiled vector matmuls for the CPU ------===//
//
// The moe-cpu-matmul-kernels pass (Passes.td has the full description).
//
// C[m, n] = init[m, n] + sum_k A[m, k] * B[n, k] with B in nn.Linear layout
// [out, in]: both operands are contiguous along K, so a register tile of
// R x S outputs keeps R * S vector accumulators of W lanes along K, loads R
// rows of A and S rows of B per step with unit-stride vector loads, and
// reduces each accumulator across its lanes once, after the K loop. The
// weights are read in their checkpoint layout: there is no repacking pass
// over them, and a decode-sized call (a handful of rows per expert) streams
// each weight row exactly once per cache block.
//
// Loop nest (N = weight rows, M = rows of A):
//
//   parallel over threads: rows [n_begin, n_end) of B
//     for n_block in [n_begin, n_end) step block-rows       (L2 block of B)
//       for m in [0, M - M % R) step R
//         full R x S tiles, then R x 1 tiles for the block's column tail
//       for m in [M - M % R, M)
//         1 x S tiles, then 1 x 1 tiles
//
// Each tile: K loop over [0, K - K % W) with unmasked loads, then (when K
// is dynamic or not a multiple of W) one masked step for the tail.
//
//===----------------------------------------------------------------------===//

#include "moe/Codegen/Passes.h"

#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

namespace mlir {
namespace moe {
#define GEN_PASS_DEF_MOECPUMATMULKERNELS
#include "moe/Codegen/Passes.h.inc"
} // namespace moe
} // namespace mlir

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::cpu;

namespace {

/// Shape of the generated kernel.
struct TileConfig {
  int64_t width;     // f32 lanes per vector
  int64_t tileRows;  // R: rows of A per register tile
  int64_t tileCols;  // S: rows of B per register tile
  int64_t blockRows; // rows of B per cache block
  unsigned numThreads;
};

/// Whether `op` is `C[m, n] += A[m, k] * B[n, k]` on ranked float tensors
/// with an f32 result: the form moe-to-linalg emits.
bool isTransposedBMatmul(linalg::MatmulOp op) {
  if (!op.hasPureTensorSemantics() || op->getNumResults() != 1)
    return false;
  MLIRContext *ctx = op.getContext();
  AffineExpr d0, d1, d2;
  bindDims(ctx, d0, d1, d2);
  SmallVector<AffineMap> expected = {AffineMap::get(3, 0, {d0, d2}, ctx),
                                     AffineMap::get(3, 0, {d1, d2}, ctx),
                                     AffineMap::get(3, 0, {d0, d1}, ctx)};
  if (op.getIndexingMapsArray() != ArrayRef<AffineMap>(expected))
    return false;
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType || !resultType.getElementType().isF32())
    return false;
  for (Value input : op.getDpsInputs()) {
    auto type = dyn_cast<RankedTensorType>(input.getType());
    if (!type || type.getRank() != 2)
      return false;
    Type element = type.getElementType();
    if (!element.isF32() && !element.isBF16() && !element.isF16())
      return false;
  }
  return true;
}

/// Whether `init` is known to be all zeros (a linalg.fill of 0.0).
bool isZeroFill(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!fill)
    return false;
  return matchPattern(fill.value(), m_AnyZeroFloat());
}

/// The operands of one matmul, as buffers, and its sizes.
struct MatmulBuffers {
  Value a, b, init, c; // init is null when it is all zeros
  Value m, n, k;
  std::optional<int64_t> staticK;
};

/// Emits one R x S register tile at rows m0 of A and n0 of B.
void emitTile(OpBuilder &b, Location loc, const MatmulBuffers &mm,
              const TileConfig &cfg, int64_t rows, int64_t cols, Value m0,
              Value n0, Value kFull) {
  int64_t width = cfg.width;
  auto vecType = VectorType::get({width}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vecType, b.getF32FloatAttr(0.0f)));
  SmallVector<Value> rowsA, rowsB;
  for (int64_t i = 0; i < rows; ++i)
    rowsA.push_back(
        i == 0 ? m0 : arith::AddIOp::create(b, loc, m0, indexConst(b, loc, i)));
  for (int64_t j = 0; j < cols; ++j)
    rowsB.push_back(
        j == 0 ? n0 : arith::AddIOp::create(b, loc, n0, indexConst(b, loc, j)));

  // acc[i * cols + j] += A[m0 + i, k : k + W] * B[n0 + j, k : k + W]
  auto step = [&](OpBuilder &sb, Location sl, Value k, ValueRange accs,
                  Value mask) {
    SmallVector<Value> va, vb, next;
    for (Value r : rowsA)
      va.push_back(loadF32(sb, sl, mm.a, {r, k}, width, mask));
    for (Value r : rowsB)
      vb.push_back(loadF32(sb, sl, mm.b, {r, k}, width, mask));
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        next.push_back(
            vector::FMAOp::create(sb, sl, va[i], vb[j], accs[i * cols + j]));
    return next;
  };

  SmallVector<Value> init(rows * cols, zero);
  auto loop = scf::ForOp::create(
      b, loc, indexConst(b, loc, 0), kFull, indexConst(b, loc, width), init,
      [&](OpBuilder &lb, Location ll, Value k, ValueRange accs) {
        scf::YieldOp::create(lb, ll, step(lb, ll, k, accs, nullptr));
      });
  SmallVector<Value> accs(loop.getResults());

  // The K tail: one masked step.
  if (!mm.staticK || *mm.staticK % width != 0) {
    Value remaining = arith::SubIOp::create(b, loc, mm.k, kFull);
    if (mm.staticK) {
      accs = step(b, loc, kFull, accs, laneMask(b, loc, remaining, width));
    } else {
      Value hasTail =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, kFull, mm.k);
      auto ifOp = scf::IfOp::create(
          b, loc, hasTail,
          [&](OpBuilder &tb, Location tl) {
            scf::YieldOp::create(
                tb, tl,
                step(tb, tl, kFull, accs, laneMask(tb, tl, remaining, width)));
          },
          [&](OpBuilder &eb, Location el) {
            scf::YieldOp::create(eb, el, accs);
          });
      accs.assign(ifOp.getResults().begin(), ifOp.getResults().end());
    }
  }

  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      Value start;
      if (mm.init)
        start = memref::LoadOp::create(b, loc, mm.init,
                                       ValueRange{rowsA[i], rowsB[j]});
      Value sum = vector::ReductionOp::create(
          b, loc, b.getF32Type(), vector::CombiningKind::ADD,
          accs[i * cols + j], start, arith::FastMathFlags::reassoc);
      memref::StoreOp::create(b, loc, sum, mm.c,
                              ValueRange{rowsA[i], rowsB[j]});
    }
  }
}

/// Rows [nBegin, nEnd) of B against every row of A.
void emitRowRange(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                  const TileConfig &cfg, Value nBegin, Value nEnd,
                  Value kFull) {
  Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
  Value mFull = roundDown(b, loc, mm.m, cfg.tileRows);
  emitFor(
      b, loc, nBegin, nEnd, indexConst(b, loc, cfg.blockRows),
      [&](OpBuilder &bb, Location bl, Value nb) {
        Value blockEnd = arith::MinUIOp::create(
            bb, bl,
            arith::AddIOp::create(bb, bl, nb,
                                  indexConst(bb, bl, cfg.blockRows)),
            nEnd);
        Value len = arith::SubIOp::create(bb, bl, blockEnd, nb);
        Value fullEnd = arith::AddIOp::create(
            bb, bl, nb, roundDown(bb, bl, len, cfg.tileCols));
        auto columns = [&](OpBuilder &cb, Location cl, int64_t rows, Value m) {
          emitFor(cb, cl, nb, fullEnd, indexConst(cb, cl, cfg.tileCols),
                  [&](OpBuilder &tb, Location tl, Value n0) {
                    emitTile(tb, tl, mm, cfg, rows, cfg.tileCols, m, n0, kFull);
                  });
          emitFor(cb, cl, fullEnd, blockEnd, c1,
                  [&](OpBuilder &tb, Location tl, Value n) {
                    emitTile(tb, tl, mm, cfg, rows, 1, m, n, kFull);
                  });
        };
        emitFor(bb, bl, c0, mFull, indexConst(bb, bl, cfg.tileRows),
                [&](OpBuilder &mb, Location ml, Value m) {
                  columns(mb, ml, cfg.tileRows, m);
                });
        if (cfg.tileRows > 1)
          emitFor(bb, bl, mFull, mm.m, c1,
                  [&](OpBuilder &mb, Location ml, Value m) {
                    columns(mb, ml, 1, m);
                  });
      });
}

void rewriteMatmul(linalg::MatmulOp op, ModuleOp module,
                   const TileConfig &cfg) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
  Value init = op.getDpsInits()[0];
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());

  MatmulBuffers mm;
  mm.a = readOnlyBuffer(b, loc, lhs);
  mm.b = readOnlyBuffer(b, loc, rhs);
  if (!isZeroFill(init))
    mm.init = readOnlyBuffer(b, loc, init);
  mm.m = memrefDim(b, loc, mm.a, 0);
  mm.k = memrefDim(b, loc, mm.a, 1);
  mm.n = memrefDim(b, loc, mm.b, 0);
  int64_t staticK = cast<RankedTensorType>(lhs.getType()).getDimSize(1);
  if (!ShapedType::isDynamic(staticK))
    mm.staticK = staticK;
  SmallVector<Value> dynamicSizes;
  if (resultType.isDynamicDim(0))
    dynamicSizes.push_back(mm.m);
  if (resultType.isDynamicDim(1))
    dynamicSizes.push_back(mm.n);
  mm.c = allocBuffer(b, loc, resultType, dynamicSizes);

  Value kFull = roundDown(b, loc, mm.k, cfg.width);
  emitParallelRanges(b, loc, module, mm.n, cfg.numThreads,
                     [&](OpBuilder &pb, Location pl, Value begin, Value end) {
                       emitRowRange(pb, pl, mm, cfg, begin, end, kFull);
                     });
  Value result = bufferToTensor(b, loc, mm.c, resultType);
  op->getResult(0).replaceAllUsesWith(result);
  op->erase();
}

struct MoECPUMatmulKernelsPass
    : public moe::impl::MoECPUMatmulKernelsBase<MoECPUMatmulKernelsPass> {
  using MoECPUMatmulKernelsBase::MoECPUMatmulKernelsBase;

  void runOnOperation() override {
    if (vectorWidth < 1 || tileRows < 1 || tileCols < 1 || blockRows < 1) {
      getOperation().emitError()
          << "moe-cpu-matmul-kernels: vector-width, tile-rows, tile-cols and "
             "block-rows must be at least 1";
      return signalPassFailure();
    }
    TileConfig cfg;
    cfg.width = vectorWidth;
    cfg.tileRows = tileRows;
    cfg.tileCols = tileCols;
    // A cache block holds whole register tiles.
    cfg.blockRows = std::max<int64_t>(
        tileCols, (int64_t(blockRows) + tileCols - 1) / tileCols * tileCols);
    cfg.numThreads = hasOpenMPRuntime() ? unsigned(numThreads) : 1u;

    SmallVector<linalg::MatmulOp> matmuls;
    getOperation().walk([&](linalg::MatmulOp op) {
      if (isTransposedBMatmul(op))
        matmuls.push_back(op);
    });
    for (linalg::MatmulOp op : matmuls)
      rewriteMatmul(op, getOperation(), cfg);
    numRewritten += matmuls.size();
  }
};

} // namespace
