//===- PackedMatmul.cpp - Packed-panel matmul kernel for many rows --------===//
//
// C[m, n] = init[m, n] + sum_k A[m, k] * B[n, k] when A has many rows (a
// prefill-sized call: every weight element meets many activation rows).
//
// The dot-product kernel (MatmulKernels.cpp) keeps its accumulators along K
// and must reduce each one across its lanes; its weight tiles come from L2
// at every register tile. This kernel is the outer-product form of the
// classic BLAS micro-kernel instead: the weights are packed, one K chunk of
// one panel at a time, into a small scratch buffer `Bp[k][j] = B[n0 + j, k0
// + k]` (panel = 2 vectors of columns, chunk = k-block rows: L1-sized),
// widening 16-bit weights to f32 on the way; then every R-row tile of A
// runs over the chunk with R x 2 vector accumulators: per k, two vector
// loads of Bp, R broadcasts of A[m, k] and 2R FMAs, and the accumulators
// are rows of C (stored with vector stores, no lane reduction).
//
//   for each block of m-block rows of A:          (A's K chunk stays in L2)
//     for each panel p of the thread:             (2W weight rows)
//       for k0 in [0, K) step k-block:
//         pack B[n0 : n0 + 2W, k0 : k0 + kc] into Bp (W x W transposes)
//         for m in R-row tiles of the block (then one tile of the rest):
//           acc = k0 == 0 ? init (or 0) : C[m : m + R, n0 : n0 + 2W]
//           for k in [0, kc): acc[i][v] += A[m + i, k0 + k] * Bp[k][vW : ..]
//           C[m : m + R, n0 : n0 + 2W] = acc
//
// Without the row blocks, every panel would stream all M rows of the chunk
// of A (M x kc x 4 bytes: 512 KiB at M = 512, the whole L2 of a Zen 3
// core) from L3; with blocks of at most 384 rows a 1024-row matmul ran 1.4x
// faster on one thread, at the price of packing the panels once per block.
//
// The packing reads each weight once per call and costs about one shuffle
// per weight, against M / W FMAs per weight for the tiles: on f32 weights
// the kernel matches the dot-product one from about 100 rows on, on 16-bit
// weights (widened once here instead of in every tile) it wins from about
// 30 (moe-cpu-matmul-kernels' packed-min-rows, packed-min-rows-16bit;
// docs/performance.md has the measurements).
//
//===----------------------------------------------------------------------===//

#include "MatmulKernel.h"

#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::cpu;

namespace {

/// The f32 panel kernel: Bp[k][j] = B[n0 + j, k0 + k] as f32 (k-block x 2W).
struct F32PanelKernel : PanelKernel {
  const MatmulBuffers &mm;
  const PackedConfig &cfg;
  Value bp; // memref<k-block x 2W x f32>

  F32PanelKernel(const MatmulBuffers &mm, const PackedConfig &cfg, Value bp)
      : mm(mm), cfg(cfg), bp(bp) {}

  /// Packs the weight rows [n0, n0 + 2W) over K columns [k0, k0 + len)
  /// into Bp: W x W blocks, loaded along K, transposed, stored along N.
  /// A K tail is loaded masked (zero padded); Bp has room for it since
  /// k-block is a multiple of W.
  void pack(OpBuilder &b, Location loc, Value n0, Value k0,
            Value len) override {
    int64_t w = cfg.width;
    auto block = [&](OpBuilder &bb, Location bl, Value kk, Value mask) {
      Value k = arith::AddIOp::create(bb, bl, k0, kk);
      for (int64_t half = 0; half < 2; ++half) {
        SmallVector<Value> rows;
        for (int64_t r = 0; r < w; ++r) {
          Value n = arith::AddIOp::create(bb, bl, n0,
                                          indexConst(bb, bl, half * w + r));
          rows.push_back(loadWeights(bb, bl, mm, n, k, w, mask));
        }
        SmallVector<Value> cols = transposeSquare(bb, bl, rows);
        for (int64_t c = 0; c < w; ++c) {
          Value row = arith::AddIOp::create(bb, bl, kk, indexConst(bb, bl, c));
          vector::StoreOp::create(bb, bl, cols[c], bp,
                                  {row, indexConst(bb, bl, half * w)});
        }
      }
    };
    Value fullEnd = roundDown(b, loc, len, w);
    Value zero = indexConst(b, loc, 0);
    Value vecStep = indexConst(b, loc, w);
    emitFor(b, loc, zero, fullEnd, vecStep,
            [&](OpBuilder &fb, Location fl, Value kk) {
              block(fb, fl, kk, nullptr);
            });
    if (mm.staticK && *mm.staticK % w == 0)
      return; // every chunk is whole vectors
    Value hasTail =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, fullEnd, len);
    scf::IfOp::create(b, loc, hasTail, [&](OpBuilder &tb, Location tl) {
      Value remaining = arith::SubIOp::create(tb, tl, len, fullEnd);
      block(tb, tl, fullEnd, laneMask(tb, tl, remaining, w));
      scf::YieldOp::create(tb, tl);
    });
  }

  /// Per k: two vector loads of Bp, one broadcast of A[m, k] per row and
  /// two FMAs per row.
  SmallVector<Value> accumulate(OpBuilder &b, Location loc,
                                ArrayRef<Value> rowIdx, Value k0, Value len,
                                ValueRange start) override {
    auto vecType = VectorType::get({cfg.width}, b.getF32Type());
    return emitPanelRowLoop(
        b, loc, bp, cfg.width, len, start,
        [&](OpBuilder &lb, Location ll, Value kk, ArrayRef<Value> panel,
            ValueRange accs) {
          Value k = arith::AddIOp::create(lb, ll, k0, kk);
          SmallVector<Value> next;
          for (auto [i, row] : llvm::enumerate(rowIdx)) {
            Value a = memref::LoadOp::create(lb, ll, mm.a, ValueRange{row, k});
            if (!a.getType().isF32())
              a = arith::ExtFOp::create(lb, ll, lb.getF32Type(), a);
            Value splat = vector::BroadcastOp::create(lb, ll, vecType, a);
            for (int64_t v = 0; v < 2; ++v)
              next.push_back(vector::FMAOp::create(lb, ll, splat, panel[v],
                                                   accs[i * 2 + v]));
          }
          return next;
        });
  }
};

/// One `rows` x 2W register tile of C at rows m0 and columns n0 over the
/// packed chunk [k0, k0 + len): the accumulators start from init (or zero)
/// on the first chunk and from C on the others, and are stored to C.
/// `first` is null when the chunk is all of K.
void emitPanelTile(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                   int64_t width, PanelKernel &kernel, int64_t rows, Value m0,
                   Value n0, Value k0, Value len, Value first) {
  auto vecType = VectorType::get({width}, b.getF32Type());
  SmallVector<Value> rowIdx, colIdx;
  for (int64_t i = 0; i < rows; ++i)
    rowIdx.push_back(
        i == 0 ? m0
               : arith::AddIOp::create(b, loc, m0, indexConst(b, loc, i)));
  for (int64_t v = 0; v < 2; ++v)
    colIdx.push_back(
        v == 0 ? n0
               : arith::AddIOp::create(b, loc, n0, indexConst(b, loc, width)));
  auto loadTile = [&](OpBuilder &lb, Location ll, Value from) {
    SmallVector<Value> accs;
    for (Value r : rowIdx)
      for (Value c : colIdx)
        accs.push_back(
            vector::LoadOp::create(lb, ll, vecType, from, ValueRange{r, c}));
    return accs;
  };
  auto initial = [&](OpBuilder &ib, Location il) -> SmallVector<Value> {
    if (mm.init)
      return loadTile(ib, il, mm.init);
    Value zero = arith::ConstantOp::create(
        ib, il, DenseElementsAttr::get(vecType, ib.getF32FloatAttr(0.0f)));
    return SmallVector<Value>(rows * 2, zero);
  };
  SmallVector<Value> start =
      first ? emitIfElse(b, loc, first, initial,
                         [&](OpBuilder &eb, Location el) {
                           return loadTile(eb, el, mm.c);
                         })
            : initial(b, loc);
  SmallVector<Value> accs = kernel.accumulate(b, loc, rowIdx, k0, len, start);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t v = 0; v < 2; ++v)
      vector::StoreOp::create(b, loc, accs[i * 2 + v], mm.c,
                              ValueRange{rowIdx[i], colIdx[v]});
}

} // namespace

/// Transposes the `rows.size()` x `rows.size()` block held in `rows` (row r
/// = element (r, c) in lane c) with log2(W) stages of two-input shuffles:
/// the stage of distance d swaps the bit d of the row and column index, so
/// that after all stages element (r, c) has moved to (c, r).
SmallVector<Value> cpu::transposeSquare(OpBuilder &b, Location loc,
                                        SmallVector<Value> rows) {
  int64_t w = rows.size();
  for (int64_t d = 1; d < w; d *= 2) {
    SmallVector<int64_t> lowMask(w), highMask(w);
    for (int64_t j = 0; j < w; ++j) {
      bool upper = (j & d) != 0;
      // Row i (bit d clear) keeps its columns without bit d and takes the
      // partner's columns with bit d from the partner's columns without it;
      // the partner i + d the converse.
      lowMask[j] = upper ? w + (j - d) : j;
      highMask[j] = upper ? w + j : j + d;
    }
    SmallVector<Value> next(w);
    for (int64_t i = 0; i < w; ++i) {
      if (i & d)
        continue;
      next[i] =
          vector::ShuffleOp::create(b, loc, rows[i], rows[i + d], lowMask);
      next[i + d] =
          vector::ShuffleOp::create(b, loc, rows[i], rows[i + d], highMask);
    }
    rows = std::move(next);
  }
  return rows;
}

SmallVector<Value> cpu::emitPanelRowLoop(
    OpBuilder &b, Location loc, Value bp, int64_t width, Value count,
    ValueRange start,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value,
                                    ArrayRef<Value>, ValueRange)>
        body) {
  auto vecType = VectorType::get({width}, b.getF32Type());
  Value zero = indexConst(b, loc, 0);
  Value one = indexConst(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, zero, count, one, start,
      [&](OpBuilder &lb, Location ll, Value row, ValueRange accs) {
        SmallVector<Value> panel;
        for (int64_t v = 0; v < 2; ++v)
          panel.push_back(vector::LoadOp::create(
              lb, ll, vecType, bp,
              ValueRange{row, indexConst(lb, ll, v * width)}));
        scf::YieldOp::create(lb, ll, body(lb, ll, row, panel, accs));
      });
  return SmallVector<Value>(loop.getResults());
}

void cpu::emitRowTiles(
    OpBuilder &b, Location loc, Value m, int64_t tileRows,
    function_ref<void(OpBuilder &, Location, int64_t, Value)> tile) {
  Value c0 = indexConst(b, loc, 0);
  Value mFull = roundDown(b, loc, m, tileRows);
  emitFor(b, loc, c0, mFull, indexConst(b, loc, tileRows),
          [&](OpBuilder &mb, Location ml, Value m0) {
            tile(mb, ml, tileRows, m0);
          });
  // The rem = M % R remaining rows: one tile of exactly rem rows (never
  // more accumulators than a full tile), so that the weights meet the
  // remainder once rather than once per power of two in it.
  Value rem = arith::SubIOp::create(b, loc, m, mFull);
  for (int64_t r = tileRows - 1; r >= 1; --r) {
    Value is = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rem,
                                     indexConst(b, loc, r));
    scf::IfOp::create(b, loc, is, [&](OpBuilder &tb, Location tl) {
      tile(tb, tl, r, mFull);
      scf::YieldOp::create(tb, tl);
    });
  }
}

Value cpu::createPanelScratch(OpBuilder &b, Location loc,
                              const PackedConfig &cfg) {
  auto type = MemRefType::get({cfg.kBlock, 2 * cfg.width}, b.getF32Type());
  return memref::AllocaOp::create(b, loc, type, ValueRange{},
                                  b.getI64IntegerAttr(64));
}

PanelKernel::~PanelKernel() = default;

std::unique_ptr<PanelKernel> cpu::makeF32PanelKernel(const MatmulBuffers &mm,
                                                     const PackedConfig &cfg,
                                                     Value scratch) {
  return std::make_unique<F32PanelKernel>(mm, cfg, scratch);
}

void cpu::emitPackedPanels(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                           const PackedConfig &cfg, PanelKernel &kernel,
                           Value pBegin, Value pEnd) {
  int64_t w = cfg.width;
  bool chunked = !mm.staticK || *mm.staticK > cfg.kBlock;
  // One pass over the panels per block of mBlock rows of A [mBegin, mEnd).
  auto passOverPanels = [&](OpBuilder &b, Location loc, Value mBegin,
                            Value mEnd) {
    Value rowCount = arith::SubIOp::create(b, loc, mEnd, mBegin);
    emitFor(
        b, loc, pBegin, pEnd, indexConst(b, loc, 1),
        [&](OpBuilder &pb, Location pl, Value p) {
          Value n0 =
              arith::MulIOp::create(pb, pl, p, indexConst(pb, pl, 2 * w));
          Value zero = indexConst(pb, pl, 0);
          Value kStep = indexConst(pb, pl, cfg.kBlock);
          emitFor(
              pb, pl, zero, mm.k, kStep,
              [&](OpBuilder &kb, Location kl, Value k0) {
                Value end = arith::MinUIOp::create(
                    kb, kl,
                    arith::AddIOp::create(kb, kl, k0,
                                          indexConst(kb, kl, cfg.kBlock)),
                    mm.k);
                Value len = arith::SubIOp::create(kb, kl, end, k0);
                kernel.pack(kb, kl, n0, k0, len);
                Value first;
                if (chunked)
                  first =
                      arith::CmpIOp::create(kb, kl, arith::CmpIPredicate::eq,
                                            k0, indexConst(kb, kl, 0));
                emitRowTiles(
                    kb, kl, rowCount, cfg.tileRows,
                    [&](OpBuilder &tb, Location tl, int64_t rows, Value m0) {
                      Value m = arith::AddIOp::create(tb, tl, mBegin, m0);
                      emitPanelTile(tb, tl, mm, w, kernel, rows, m, n0, k0, len,
                                    first);
                    });
              });
        });
  };
  if (cfg.mBlock <= 0)
    return passOverPanels(b, loc, indexConst(b, loc, 0), mm.m);
  // ceil(M / m-block) blocks of equal size, in whole register tiles (512
  // rows: two blocks of 258 and 254 rather than 384 and 128, whose packing
  // would cost as much as a full block's).
  Value tile = indexConst(b, loc, cfg.tileRows);
  Value mBlock = indexConst(b, loc, cfg.mBlock);
  Value wholeBlocks = arith::CeilDivUIOp::create(b, loc, mm.m, mBlock);
  Value one = indexConst(b, loc, 1);
  Value blocks = arith::MaxUIOp::create(b, loc, wholeBlocks, one);
  Value rows = arith::CeilDivUIOp::create(b, loc, mm.m, blocks);
  Value step = arith::MaxUIOp::create(
      b, loc,
      arith::MulIOp::create(
          b, loc, arith::CeilDivUIOp::create(b, loc, rows, tile), tile),
      tile);
  emitFor(b, loc, indexConst(b, loc, 0), mm.m, step,
          [&](OpBuilder &mb, Location ml, Value m0) {
            Value end = arith::MinUIOp::create(
                mb, ml, arith::AddIOp::create(mb, ml, m0, step), mm.m);
            passOverPanels(mb, ml, m0, end);
          });
}
