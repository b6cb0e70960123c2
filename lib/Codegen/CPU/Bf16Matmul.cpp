//===- Bf16Matmul.cpp - Packed panels on bf16 pairs (VDPBF16PS) -----------===//
//
// The packed-panel kernel (PackedMatmul.cpp) for bf16 weights and bf16
// activations, on targets with VDPBF16PS (AVX512_BF16): one instruction
// multiplies W pairs of bf16 values by W pairs and adds each pair's two
// products to an f32 lane, twice the multiply-adds of an f32 FMA.
//
// The panel holds the weights as pairs along K: Bp[k / 2][j] is the 32-bit
// word (B[n0 + j, k0 + k], B[n0 + j, k0 + k + 1]) for even k. Packing loads
// 2W bf16 values of a weight row as W words and transposes W x W words
// (transposeSquare), so one transpose moves twice the values of the f32
// panel's. A register tile then runs, per pair of K values, two vector loads
// of Bp and, per row of A, one 32-bit broadcast of the pair (A[m, k],
// A[m, k + 1]) (which LLVM folds into the instruction's memory operand) and
// two VDPBF16PS.
//
// The activations are bf16: an f32 A (the expert rows and the intermediate
// activations of a layer with bf16 weights) is first rounded to bf16
// (round to nearest even), row by row across the threads, into a fresh
// buffer: that rounding is what the kernels=fast-bf16 choice accepts. Each
// product of two bf16 values is exact in f32; VDPBF16PS adds the pair's two
// products to the sum one after the other (an odd then an even one), and
// treats denormal inputs and results as zero.
//
//===----------------------------------------------------------------------===//

#include "MatmulKernel.h"

#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::cpu;

namespace {

struct Bf16PanelKernel : PanelKernel {
  const MatmulBuffers &mm; // mm.a and mm.b are bf16
  const PackedConfig &cfg;
  Value bp; // the f32 panel scratch: its first k-block / 2 rows hold pairs
  func::FuncOp dot;
  VectorType words, pairs; // W x f32 (one word per lane), 2W x bf16

  Bf16PanelKernel(const MatmulBuffers &mm, const PackedConfig &cfg, Value bp)
      : mm(mm), cfg(cfg), bp(bp) {
    OpBuilder b(mm.c.getContext());
    words = VectorType::get({cfg.width}, b.getF32Type());
    pairs = VectorType::get({2 * cfg.width}, b.getBF16Type());
    dot = declareIntrinsic(mm,
                           cfg.width == 16 ? "llvm.x86.avx512bf16.dpbf16ps.512"
                                           : "llvm.x86.avx512bf16.dpbf16ps.256",
                           {words, pairs, pairs}, words);
  }

  /// Packs the weight rows [n0, n0 + 2W) over K [k0, k0 + len), len a
  /// multiple of 2W: per 2W values of K and W rows, W loads of W words, one
  /// W x W transpose, W stores of W pairs.
  void pack(OpBuilder &b, Location loc, Value n0, Value k0,
            Value len) override {
    int64_t w = cfg.width;
    // (One op per statement: the order of evaluation of a call's arguments
    // is the compiler's, and the IR must not depend on it.)
    Value zero = indexConst(b, loc, 0);
    Value step = indexConst(b, loc, 2 * w);
    emitFor(b, loc, zero, len, step,
            [&](OpBuilder &fb, Location fl, Value kk) {
              Value k = arith::AddIOp::create(fb, fl, k0, kk);
              Value pairRow = arith::DivUIOp::create(fb, fl, kk,
                                                     indexConst(fb, fl, 2));
              for (int64_t half = 0; half < 2; ++half) {
                SmallVector<Value> rows;
                for (int64_t r = 0; r < w; ++r) {
                  Value n = arith::AddIOp::create(
                      fb, fl, n0, indexConst(fb, fl, half * w + r));
                  Value values = vector::LoadOp::create(fb, fl, pairs, mm.b,
                                                        ValueRange{n, k});
                  rows.push_back(
                      vector::BitCastOp::create(fb, fl, words, values));
                }
                SmallVector<Value> cols = transposeSquare(fb, fl, rows);
                for (int64_t c = 0; c < w; ++c) {
                  Value row = arith::AddIOp::create(fb, fl, pairRow,
                                                    indexConst(fb, fl, c));
                  vector::StoreOp::create(fb, fl, cols[c], bp,
                                          {row, indexConst(fb, fl, half * w)});
                }
              }
            });
  }

  /// Per pair of K values: two vector loads of Bp, one broadcast pair of
  /// A[m, k : k + 2] per row and two VDPBF16PS per row.
  SmallVector<Value> accumulate(OpBuilder &b, Location loc,
                                ArrayRef<Value> rowIdx, Value k0, Value len,
                                ValueRange start) override {
    auto onePair = VectorType::get({2}, b.getBF16Type());
    auto oneWord = VectorType::get({1}, b.getF32Type());
    Value half = arith::DivUIOp::create(b, loc, len, indexConst(b, loc, 2));
    return emitPanelRowLoop(
        b, loc, bp, cfg.width, half, start,
        [&](OpBuilder &lb, Location ll, Value kp, ArrayRef<Value> loaded,
            ValueRange accs) {
          SmallVector<Value> panel;
          for (Value v : loaded)
            panel.push_back(vector::BitCastOp::create(lb, ll, pairs, v));
          Value kk = arith::MulIOp::create(lb, ll, kp, indexConst(lb, ll, 2));
          Value k = arith::AddIOp::create(lb, ll, k0, kk);
          SmallVector<Value> next;
          for (auto [i, row] : llvm::enumerate(rowIdx)) {
            Value pair = vector::LoadOp::create(lb, ll, onePair, mm.a,
                                                ValueRange{row, k});
            Value word = vector::BitCastOp::create(lb, ll, oneWord, pair);
            Value scalar = vector::ExtractOp::create(lb, ll, word, 0);
            Value splat = vector::BroadcastOp::create(lb, ll, words, scalar);
            Value a = vector::BitCastOp::create(lb, ll, pairs, splat);
            for (int64_t v = 0; v < 2; ++v)
              next.push_back(func::CallOp::create(
                                 lb, ll, dot,
                                 ValueRange{accs[i * 2 + v], panel[v], a})
                                 .getResult(0));
          }
          return next;
        });
  }
};

} // namespace

bool cpu::bf16DotApplies(const MatmulBuffers &mm, int64_t width,
                         Type weightElement) {
  return (width == 8 || width == 16) && !mm.dequant &&
         weightElement.isBF16() && mm.staticK &&
         *mm.staticK % (2 * width) == 0;
}

Value cpu::roundActivationsToBf16(OpBuilder &b, Location loc, ModuleOp module,
                                  const MatmulBuffers &mm, int64_t width,
                                  unsigned numThreads) {
  auto aType = cast<MemRefType>(mm.a.getType());
  if (aType.getElementType().isBF16())
    return mm.a;
  auto bf16Vec = VectorType::get({width}, b.getBF16Type());
  return fillActivationRows(
      b, loc, module, mm, b.getBF16Type(), *mm.staticK, width, numThreads,
      [&](OpBuilder &kb, Location kl, Value m, Value k, Value rounded) {
        Value a = loadF32(kb, kl, mm.a, {m, k}, width);
        Value r = arith::TruncFOp::create(kb, kl, bf16Vec, a);
        vector::StoreOp::create(kb, kl, r, rounded, ValueRange{m, k});
      });
}

std::unique_ptr<PanelKernel> cpu::makeBf16PanelKernel(const MatmulBuffers &mm,
                                                      const PackedConfig &cfg,
                                                      Value scratch) {
  return std::make_unique<Bf16PanelKernel>(mm, cfg, scratch);
}
