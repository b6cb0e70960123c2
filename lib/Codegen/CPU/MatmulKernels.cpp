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
//       for k_chunk in [0, K) step k-block                  (only if K is
//         for m in [0, M - M % R) step R                     longer)
//           full R x S tiles, then R x 1 tiles for the block's column tail
//         rows [M - M % R, M): tiles of 2^j rows for the bits j of M % R
//           (3 rows: a 2-row tile, then a 1-row one)
//
// Each tile: K loop over the chunk's whole vectors with unmasked loads,
// then (when K is dynamic or not a multiple of W) one masked step for the
// tail. The first chunk stores init + sum, the next ones add their sums to
// what C holds. With the default 4 x 3 tile the 12 accumulators, 3 weight
// vectors and one activation vector fill the 16 AVX2 registers exactly, and
// the A rows of a tile (4 x k-block floats) stay in L1 while the block's
// weight rows stream through L2. The tiles also prefetch the weight rows
// two tiles ahead into L2: without it bf16 weights stream at the element
// rate of f32 weights, half the bytes, and f32 weights below the memory's
// bandwidth.
//
//===----------------------------------------------------------------------===//

#include "moe/Codegen/Passes.h"
#include "moe/Dialect/MoE/Utils/Dequantize.h"
#include "moe/Dialect/MoE/Utils/TensorBuilders.h"

#include "KernelBuilder.h"
#include "MatmulKernel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

#include "llvm/Support/MathExtras.h"

#include <array>
#include <limits>
#include <numeric>

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
  int64_t kBlock;    // K chunk (a multiple of width), 0: all of K at once
  unsigned numThreads;
  PackedConfig packed;     // the packed-panel kernel for many rows
  int64_t packedMinRows;   // rows from which it runs on f32 weights; 0: never
  int64_t packedMinRows16; // the same for bf16/f16 weights
  int64_t packedMinRowsShortGroups; // for int8 dot tiles in groups of 4W
  Int8Dot int8Dot;         // quantize-activations: vnni, else madd
  bool f16c;               // fp8 weights decode through f16
  bool bf16Pairs; // bf16-activations and bf16-dot: expert matmuls on bf16
                  // weights run the bf16 panel kernel
  int64_t activationGroup; // the most K values per activation scale
};

/// Whether `op` is `C[m, n] += A[m, k] * B[n, k]` on ranked float tensors
/// with an f32 result: the form moe-to-linalg emits.
bool isTransposedBMatmul(linalg::MatmulOp op) {
  if (!op.hasPureTensorSemantics() || op->getNumResults() != 1)
    return false;
  if (op.getIndexingMapsArray() !=
      ArrayRef<AffineMap>(transposedBMatmulMaps(op.getContext())))
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

/// The K range one tile covers: [begin, fullEnd) in whole vectors, then a
/// masked tail up to `end` when `tail` says there may be one. `first` is
/// null when the range is all of K; otherwise it tells whether the range is
/// the first of several chunks (the others add to the partial sums already
/// stored in C).
struct KRange {
  enum class Tail { None, Static, Dynamic };
  Value begin, fullEnd, end;
  Tail tail = Tail::None;
  Value first;
};

/// The longest K chunk of the packed-panel kernel: its scratch, k-block x
/// 2 * vector-width floats, is a stack allocation per thread (256 KiB with
/// 16 lanes).
constexpr unsigned kMaxPackedKBlock = 2048;

/// The widest vector: the 16 f32 lanes of AVX-512.
constexpr unsigned kMaxVectorWidth = 16;

/// The most vector accumulators of one register tile (tile-rows x
/// tile-cols, or 2 x packed-tile-rows): twice the 32 registers of AVX-512.
constexpr unsigned kMaxTileAccumulators = 64;

/// How many register tiles ahead a tile prefetches its weight rows.
constexpr int64_t kPrefetchTiles = 2;

} // namespace

WeightBlock cpu::loadWeightBlock(OpBuilder &b, Location loc,
                                 const MatmulBuffers &mm, Value n, Value k,
                                 Value kBlockIndex) {
  const DequantizedWeights &dq = *mm.dequant;
  SmallVector<Value, 2> at = {
      arith::DivUIOp::create(b, loc, n, indexConst(b, loc, dq.blockN)),
      kBlockIndex ? kBlockIndex
                  : arith::DivUIOp::create(b, loc, k,
                                           indexConst(b, loc, dq.blockK))
                        .getResult()};
  WeightBlock block;
  block.scale =
      decodeScale(b, loc, memref::LoadOp::create(b, loc, dq.scales, at));
  if (dq.zeroPoints)
    block.zeroPoint = memref::LoadOp::create(b, loc, dq.zeroPoints, at);
  return block;
}

Value cpu::loadWeights(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                       Value n, Value k, int64_t width, Value mask,
                       const WeightBlock *block) {
  if (!mm.dequant)
    return loadF32(b, loc, mm.b, {n, k}, width, mask);
  const DequantizedWeights &dq = *mm.dequant;
  Value v;
  if (dq.packed) {
    // W / 2 bytes hold the W values from k on (k is a multiple of W).
    Value byte = arith::DivUIOp::create(b, loc, k, indexConst(b, loc, 2));
    v = unpackNibbles(b, loc, loadVector(b, loc, mm.b, {n, byte}, width / 2));
  } else {
    v = loadVector(b, loc, mm.b, {n, k}, width, mask);
  }
  // The block of the vector's first element: every lane shares it. Its
  // scale is decoded to f32 once, then broadcast.
  WeightBlock own;
  if (!block) {
    own = loadWeightBlock(b, loc, mm, n, k);
    block = &own;
  }
  auto broadcast = [&](Value scalar) -> Value {
    if (!scalar)
      return {};
    return vector::BroadcastOp::create(
        b, loc, VectorType::get({width}, scalar.getType()), scalar);
  };
  Value zeroPoint = broadcast(block->zeroPoint);
  if (block->unscaled) {
    assert(dq.resultElement.isF32() && "no rounding of unscaled weights");
    return dequantizeUnscaled(b, loc, v, dq.packed, zeroPoint, dq.fp8ViaF16);
  }
  Value scale = broadcast(block->scale);
  Value w =
      dequantizeValue(b, loc, v, dq.packed, scale, zeroPoint, dq.fp8ViaF16);
  if (!dq.resultElement.isF32())
    w = widenToF32(b, loc,
                   arith::TruncFOp::create(
                       b, loc, VectorType::get({width}, dq.resultElement), w));
  return w;
}

void cpu::storeDotTile(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                       ArrayRef<Value> rowsA, ArrayRef<Value> rowsB,
                       ArrayRef<Value> accs, Value first) {
  int64_t rows = rowsA.size(), cols = rowsB.size();
  // C[m, n] = start + sum of the lanes, where start is the accumulator
  // input (or nothing when it is zero) for the first K chunk and the
  // partial sum stored by the previous chunk otherwise.
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      SmallVector<Value, 2> at = {rowsA[i], rowsB[j]};
      auto initial = [&](OpBuilder &ib, Location il) -> Value {
        if (mm.init)
          return memref::LoadOp::create(ib, il, mm.init, at);
        return arith::ConstantOp::create(ib, il, ib.getF32FloatAttr(0.0f));
      };
      Value start;
      if (first) {
        start = emitIfElse(
            b, loc, first,
            [&](OpBuilder &tb, Location tl) -> SmallVector<Value> {
              return {initial(tb, tl)};
            },
            [&](OpBuilder &eb, Location el) -> SmallVector<Value> {
              return {memref::LoadOp::create(eb, el, mm.c, at)};
            })[0];
      } else if (mm.init) {
        start = initial(b, loc);
      }
      Value sum = vector::ReductionOp::create(
          b, loc, b.getF32Type(), vector::CombiningKind::ADD,
          accs[i * cols + j], start, arith::FastMathFlags::reassoc);
      memref::StoreOp::create(b, loc, sum, mm.c, at);
    }
  }
}

Value cpu::fillActivationRows(
    OpBuilder &b, Location loc, ModuleOp module, const MatmulBuffers &mm,
    Type element, int64_t columns, int64_t step, unsigned numThreads,
    function_ref<void(OpBuilder &, Location, Value m, Value k, Value buffer)>
        fill) {
  auto type = MemRefType::get({ShapedType::kDynamic, columns}, element);
  Value buffer = memref::AllocOp::create(b, loc, type, ValueRange{mm.m},
                                         b.getI64IntegerAttr(64));
  emitParallelRanges(
      b, loc, module, mm.m, numThreads,
      [&](OpBuilder &pb, Location pl, Value begin, Value end) {
        emitFor(pb, pl, begin, end, indexConst(pb, pl, 1),
                [&](OpBuilder &rb, Location rl, Value m) {
                  // One operand built per statement: the IR's order must
                  // not depend on the compiler's order of evaluating
                  // arguments.
                  Value zero = indexConst(rb, rl, 0);
                  Value end = indexConst(rb, rl, columns);
                  Value by = indexConst(rb, rl, step);
                  emitFor(rb, rl, zero, end, by,
                          [&](OpBuilder &kb, Location kl, Value k) {
                            fill(kb, kl, m, k, buffer);
                          });
                });
      });
  return buffer;
}

namespace {

/// Vectors along K per step of a dot-product tile, for fp8 weights decoded
/// through f16, where every span of values from a step's start shares a
/// scale (K chunks and the weights' K blocks of whole steps):
///   - 4 with an f32 result: a step loads 4W codes as two registers of W
///     16-bit lanes and decodes each lane's two codes where they lie
///     (decodeFp8Pairs), the NaN codes detected once per tile (emitTile);
///     the activations are read in the same order (evenOddActivations);
///   - 2 otherwise: the exact decode of 2W codes on 2W 16-bit lanes, whole
///     registers (half the instructions per value of one vector of W).
/// 1 for other weights.
int64_t stepVectors(const MatmulBuffers &mm, const TileConfig &cfg) {
  if (!mm.dequant || mm.dequant->packed || !mm.dequant->fp8ViaF16 ||
      !mm.staticK)
    return 1;
  Type q = cast<MemRefType>(mm.b.getType()).getElementType();
  if (!isa<FloatType>(q) || q.getIntOrFloatBitWidth() != 8)
    return 1;
  int64_t k = *mm.staticK, bk = mm.dequant->blockK;
  bool chunked = cfg.kBlock > 0 && k > cfg.kBlock;
  for (int64_t vectors : {4, 2}) {
    int64_t span = vectors * cfg.width;
    if (vectors == 4 && !mm.dequant->resultElement.isF32())
      continue;
    if (chunked && cfg.kBlock % span != 0)
      continue;
    if (bk % span == 0 || bk >= k)
      return vectors;
  }
  return 1;
}

/// The f32 vectors of 2W fp8 codes (`bytes`, i8) times 2^-8, NaN codes not
/// decoded (fp8HighBytesToF32TimesInv256): first the W even-indexed codes,
/// then the W odd ones. Lane l of the W 16-bit lanes (one 256-bit register
/// for W = 16) holds codes 2l (low byte) and 2l + 1 (high byte): the odd
/// codes decode where they lie, the even ones after a shift left by 8. No
/// byte shuffle, and each 16-bit vector converts straight to f32: the fp8
/// GEMVs 14336 x 4096 and 4096 x 14336 ran 1.08x and 1.12x faster on Zen 4
/// than with 4W codes unpacked to two registers of 2W lanes in K order.
std::array<Value, 2> decodeFp8Pairs(OpBuilder &b, Location loc, Value bytes,
                                    int64_t width) {
  auto wordType = VectorType::get({width}, b.getI16Type());
  Value words = vector::BitCastOp::create(b, loc, wordType, bytes);
  Value eight = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(wordType, b.getI16IntegerAttr(8)));
  Value evenHigh = arith::ShLIOp::create(b, loc, words, eight);
  Value even = fp8HighBytesToF32TimesInv256(b, loc, evenHigh);
  Value odd = fp8HighBytesToF32TimesInv256(b, loc, words);
  return {even, odd};
}

/// A in the order of decodeFp8Pairs' values, for the fp8 tile's steps of 4
/// vectors (stepVectors): a fresh f32 buffer [M, 4W * floor(K / 4W)], the
/// K range of those steps (every step starts at a multiple of 4W: chunks
/// and blocks are whole steps), where each block of 2W values of a row
/// holds its W even-indexed values, then its W odd ones. The rest of K,
/// which one-vector steps read, stays in A.
Value evenOddActivations(OpBuilder &b, Location loc, ModuleOp module,
                         const MatmulBuffers &mm, int64_t width,
                         unsigned numThreads) {
  int64_t columns = *mm.staticK / (4 * width) * (4 * width);
  SmallVector<int64_t> evens, odds;
  for (int64_t l = 0; l < width; ++l) {
    evens.push_back(2 * l);
    odds.push_back(2 * l + 1);
  }
  return fillActivationRows(
      b, loc, module, mm, b.getF32Type(), columns, 2 * width, numThreads,
      [&](OpBuilder &kb, Location kl, Value m, Value k, Value buffer) {
        Value k1 = arith::AddIOp::create(kb, kl, k, indexConst(kb, kl, width));
        Value low = loadF32(kb, kl, mm.a, {m, k}, width);
        Value high = loadF32(kb, kl, mm.a, {m, k1}, width);
        Value even = vector::ShuffleOp::create(kb, kl, low, high, evens);
        Value odd = vector::ShuffleOp::create(kb, kl, low, high, odds);
        vector::StoreOp::create(kb, kl, even, buffer, ValueRange{m, k});
        vector::StoreOp::create(kb, kl, odd, buffer, ValueRange{m, k1});
      });
}

/// The weights' K block when a dot-product tile loops over whole blocks:
/// dequantized weights whose K blocks hold whole steps of `span` values
/// (or all of K), and every K range of a tile starting at a block boundary
/// (K not chunked, or chunked in whole blocks). 0 otherwise.
int64_t tileKBlock(const MatmulBuffers &mm, const TileConfig &cfg,
                   int64_t span) {
  if (!mm.dequant || !mm.staticK)
    return 0;
  int64_t k = *mm.staticK, bk = mm.dequant->blockK;
  if (bk >= k)
    return bk;
  bool chunked = cfg.kBlock > 0 && k > cfg.kBlock;
  if (bk % span != 0 || (chunked && cfg.kBlock % bk != 0))
    return 0;
  return bk;
}

/// The tile's accumulators `accsAndKey` without the NaN key that follows
/// them (emitTile): where the key shows a NaN code, the accumulators of
/// each weight row holding one in [kr.begin, kr.fullEnd) become NaN, what
/// the row's products sum to. Only then are the rows searched, a byte at a
/// time (checkpoints hold no NaN weights).
SmallVector<Value> withNaNRows(OpBuilder &b, Location loc,
                               const MatmulBuffers &mm, ArrayRef<Value> rowsB,
                               const KRange &kr, ArrayRef<Value> accsAndKey) {
  ArrayRef<Value> accs = accsAndKey.drop_back();
  int64_t cols = rowsB.size(), rows = accs.size() / cols;
  auto nanKeyConst = [](OpBuilder &cb, Location cl) -> Value {
    return arith::ConstantOp::create(cb, cl, cb.getI8IntegerAttr(-2)); // 0xFE
  };
  Value largest = vector::ReductionOp::create(
      b, loc, vector::CombiningKind::MAXUI, accsAndKey.back());
  Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, largest,
                                    nanKeyConst(b, loc));
  auto ifOp = scf::IfOp::create(
      b, loc, any,
      [&](OpBuilder &tb, Location tl) {
        Value nan = arith::ConstantOp::create(
            tb, tl,
            DenseElementsAttr::get(
                cast<VectorType>(accs.front().getType()),
                tb.getF32FloatAttr(std::numeric_limits<float>::quiet_NaN())));
        Value none = arith::ConstantOp::create(tb, tl, tb.getBoolAttr(false));
        SmallVector<Value> out(accs.begin(), accs.end());
        for (int64_t j = 0; j < cols; ++j) {
          auto search = scf::ForOp::create(
              tb, tl, kr.begin, kr.fullEnd, indexConst(tb, tl, 1),
              ValueRange{none},
              [&](OpBuilder &sb, Location sl, Value k, ValueRange found) {
                Value code = memref::LoadOp::create(sb, sl, mm.b,
                                                    ValueRange{rowsB[j], k});
                // One operand built per statement: the IR's order must not
                // depend on the compiler's order of evaluating arguments.
                Value key = fp8NaNCodeKey(sb, sl, code);
                Value isNaN = arith::CmpIOp::create(
                    sb, sl, arith::CmpIPredicate::eq, key, nanKeyConst(sb, sl));
                scf::YieldOp::create(
                    sb, sl,
                    ValueRange{arith::OrIOp::create(sb, sl, found[0], isNaN)});
              });
          for (int64_t i = 0; i < rows; ++i)
            out[i * cols + j] = arith::SelectOp::create(
                tb, tl, search.getResult(0), nan, out[i * cols + j]);
        }
        scf::YieldOp::create(tb, tl, out);
      },
      [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, accs); });
  return SmallVector<Value>(ifOp.getResults());
}

/// Emits one R x S register tile at rows m0 of A and n0 of B over `kr`.
void emitTile(OpBuilder &b, Location loc, const MatmulBuffers &mm,
              const TileConfig &cfg, int64_t rows, int64_t cols, Value m0,
              Value n0, const KRange &kr) {
  if (mm.int8A)
    return emitInt8DotTile(b, loc, mm, cfg.width, rows, cols, m0, n0, kr.begin,
                           kr.end, kr.first, kPrefetchTiles * cfg.tileCols);
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
  // Tiles of any height, on weights of any type: the weight rows of the
  // tile two tiles ahead are prefetched into L2 at the same K offset
  // (docs/performance.md). The hardware prefetchers alone leave a tile on
  // 16-bit weights at about the element rate of f32 weights, i.e. half
  // their bytes per second (with 3 or 4 rows of A too), and f32 weights at
  // 0.8x of what they reach with it. The address may lie past the matrix:
  // a prefetch never faults.
  SmallVector<Value> prefetchRows;
  Type bElement = cast<MemRefType>(mm.b.getType()).getElementType();
  for (Value r : rowsB)
    prefetchRows.push_back(arith::AddIOp::create(
        b, loc, r, indexConst(b, loc, kPrefetchTiles * cfg.tileCols)));

  // Steps of 4 vectors of fp8 weights (stepVectors) leave their NaN codes
  // undecoded: the unsigned maximum of their keys (fp8NaNCodeKey) rides
  // after the accumulators, and the tile's end turns the outputs of a
  // weight row with a NaN code into NaN (as the NaN weight would).
  int64_t vectors = stepVectors(mm, cfg);
  assert((vectors != 4 || mm.aEvenOdd) &&
         "fp8 steps of 4 vectors read A's even/odd copy (rewriteMatmul)");
  bool nanKey = vectors == 4;
  auto keyType = VectorType::get({2 * width}, b.getI8Type());
  auto loadFp8Step = [&](OpBuilder &sb, Location sl, Value r, Value k,
                         const WeightBlock *block, Value &key) {
    SmallVector<Value, 4> runs;
    for (int64_t h = 0; h < 2; ++h) {
      Value at = h == 0 ? k
                        : arith::AddIOp::create(
                              sb, sl, k, indexConst(sb, sl, 2 * width));
      Value codes = loadVector(sb, sl, mm.b, {r, at}, 2 * width);
      Value bytes = arith::BitcastOp::create(sb, sl, keyType, codes);
      key = arith::MaxUIOp::create(sb, sl, key, fp8NaNCodeKey(sb, sl, bytes));
      llvm::append_range(runs, decodeFp8Pairs(sb, sl, bytes, width));
    }
    if (block && block->unscaled)
      return runs;
    Value scale = block ? block->scale : loadWeightBlock(sb, sl, mm, r, k).scale;
    scale = arith::MulFOp::create(
        sb, sl, scale,
        arith::ConstantOp::create(
            sb, sl,
            sb.getF32FloatAttr(unscaledFactor(bElement, /*fp8ViaF16=*/true))));
    Value scales = vector::BroadcastOp::create(sb, sl, vecType, scale);
    for (Value &run : runs)
      run = arith::MulFOp::create(sb, sl, run, scales);
    return runs;
  };

  // acc[i * cols + j] += A[m0 + i, k : k + W] * B[n0 + j, k : k + W], for
  // `vectors` consecutive vectors along K (one when masked); `blocks`, the
  // weight rows' blocks when the caller loaded them (else empty). `accs`
  // ends with the NaN key when nanKey.
  auto step = [&](OpBuilder &sb, Location sl, Value k, ValueRange accs,
                  Value mask, int64_t vectors = 1,
                  ArrayRef<WeightBlock> blocks = {}) {
    // va[i * vectors + v], vb[j * vectors + v]; fp8 steps of 4 vectors
    // read A in the order of their decoded weights.
    SmallVector<Value> va, vb, next(accs.begin(), accs.end());
    Value a = vectors == 4 ? mm.aEvenOdd : mm.a;
    for (Value r : rowsA)
      for (int64_t v = 0; v < vectors; ++v) {
        Value at = v == 0 ? k
                          : arith::AddIOp::create(
                                sb, sl, k, indexConst(sb, sl, v * width));
        va.push_back(loadF32(sb, sl, a, {r, at}, width, mask));
      }
    for (auto [j, r] : llvm::enumerate(rowsB)) {
      const WeightBlock *block = blocks.empty() ? nullptr : &blocks[j];
      if (vectors == 4) {
        vb.append(loadFp8Step(sb, sl, r, k, block, next.back()));
        continue;
      }
      Value wide = loadWeights(sb, sl, mm, r, k, vectors * width, mask, block);
      for (int64_t v = 0; v < vectors; ++v) {
        if (vectors == 1) {
          vb.push_back(wide);
          continue;
        }
        SmallVector<int64_t> lanes(width);
        std::iota(lanes.begin(), lanes.end(), v * width);
        vb.push_back(vector::ShuffleOp::create(sb, sl, wide, wide, lanes));
      }
    }
    if (!mask) {
      // Packed 4-bit weights hold element k in byte k / 2.
      Value kb = !mm.dequant || !mm.dequant->packed
                     ? k
                     : arith::DivUIOp::create(sb, sl, k, indexConst(sb, sl, 2))
                           .getResult();
      for (Value ahead : prefetchRows)
        prefetchToL2(sb, sl, mm.b, ValueRange{ahead, kb});
    }
    for (int64_t v = 0; v < vectors; ++v)
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) {
          Value &acc = next[i * cols + j];
          acc = vector::FMAOp::create(sb, sl, va[i * vectors + v],
                                      vb[j * vectors + v], acc);
        }
    return next;
  };

  // Full steps of `vectors` vectors over [begin, end), then of one vector.
  auto steps = [&](OpBuilder &lb, Location ll, Value begin, Value end,
                   ValueRange in,
                   ArrayRef<WeightBlock> blocks) -> SmallVector<Value> {
    SmallVector<Value> cur(in.begin(), in.end());
    Value singlesBegin = begin;
    if (vectors > 1) {
      Value len = arith::SubIOp::create(lb, ll, end, begin);
      singlesBegin = arith::AddIOp::create(
          lb, ll, begin, roundDown(lb, ll, len, vectors * width));
      auto wideLoop = scf::ForOp::create(
          lb, ll, begin, singlesBegin, indexConst(lb, ll, vectors * width),
          cur, [&](OpBuilder &sb, Location sl, Value k, ValueRange acc) {
            scf::YieldOp::create(
                sb, sl, step(sb, sl, k, acc, nullptr, vectors, blocks));
          });
      cur.assign(wideLoop.getResults().begin(), wideLoop.getResults().end());
    }
    auto loop = scf::ForOp::create(
        lb, ll, singlesBegin, end, indexConst(lb, ll, width), cur,
        [&](OpBuilder &sb, Location sl, Value k, ValueRange acc) {
          scf::YieldOp::create(
              sb, sl, step(sb, sl, k, acc, nullptr, 1, blocks));
        });
    return SmallVector<Value>(loop.getResults());
  };
  // From kr.begin to kr.fullEnd; with dequantized weights, block by block
  // where the blocks allow (tileKBlock), so that each block's scales (and
  // zero points) are loaded and decoded once per block, out of its steps'
  // loop, rather than at every step. With an f32 result (no rounding of
  // each dequantized weight), a block's products are summed unscaled, from
  // zero, and added to the tile's sums times the block's scale at its end:
  // one FMA per output and block instead of a multiply per weight vector.
  SmallVector<Value> accs(rows * cols, zero);
  if (nanKey)
    accs.push_back(arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(keyType, b.getI8IntegerAttr(0))));
  if (int64_t bk = tileKBlock(mm, cfg, vectors * width)) {
    Value bkValue = indexConst(b, loc, bk);
    bool unscaled = mm.dequant->resultElement.isF32();
    Type q = cast<MemRefType>(mm.b.getType()).getElementType();
    float factor = unscaledFactor(q, mm.dequant->fp8ViaF16);
    auto blocks = scf::ForOp::create(
        b, loc, kr.begin, kr.fullEnd, bkValue, accs,
        [&](OpBuilder &lb, Location ll, Value k0, ValueRange in) {
          Value blockEnd = arith::MinUIOp::create(
              lb, ll, arith::AddIOp::create(lb, ll, k0, bkValue), kr.fullEnd);
          Value index = arith::DivUIOp::create(lb, ll, k0, bkValue);
          SmallVector<WeightBlock> blocks;
          for (Value r : rowsB) {
            blocks.push_back(loadWeightBlock(lb, ll, mm, r, k0, index));
            blocks.back().unscaled = unscaled;
          }
          if (!unscaled) {
            scf::YieldOp::create(lb, ll,
                                 steps(lb, ll, k0, blockEnd, in, blocks));
            return;
          }
          SmallVector<Value> start(rows * cols, zero);
          if (nanKey)
            start.push_back(in.back());
          SmallVector<Value> sums = steps(lb, ll, k0, blockEnd, start, blocks);
          SmallVector<Value> scales, next;
          for (const WeightBlock &block : blocks) {
            Value scale = block.scale;
            if (factor != 1.0f)
              scale = arith::MulFOp::create(
                  lb, ll, scale,
                  arith::ConstantOp::create(lb, ll,
                                            lb.getF32FloatAttr(factor)));
            scales.push_back(
                vector::BroadcastOp::create(lb, ll, vecType, scale));
          }
          for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j)
              next.push_back(vector::FMAOp::create(lb, ll, sums[i * cols + j],
                                                   scales[j],
                                                   in[i * cols + j]));
          if (nanKey)
            next.push_back(sums.back());
          scf::YieldOp::create(lb, ll, next);
        });
    accs.assign(blocks.getResults().begin(), blocks.getResults().end());
  } else {
    accs = steps(b, loc, kr.begin, kr.fullEnd, accs, {});
  }

  // The K tail: one masked step.
  if (kr.tail != KRange::Tail::None) {
    Value remaining = arith::SubIOp::create(b, loc, kr.end, kr.fullEnd);
    if (kr.tail == KRange::Tail::Static) {
      accs = step(b, loc, kr.fullEnd, accs, laneMask(b, loc, remaining, width));
    } else {
      Value hasTail = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                            kr.fullEnd, kr.end);
      auto ifOp = scf::IfOp::create(
          b, loc, hasTail,
          [&](OpBuilder &tb, Location tl) {
            scf::YieldOp::create(tb, tl,
                                 step(tb, tl, kr.fullEnd, accs,
                                      laneMask(tb, tl, remaining, width)));
          },
          [&](OpBuilder &eb, Location el) {
            scf::YieldOp::create(eb, el, accs);
          });
      accs.assign(ifOp.getResults().begin(), ifOp.getResults().end());
    }
  }

  if (nanKey)
    accs = withNaNRows(b, loc, mm, rowsB, kr, accs);
  storeDotTile(b, loc, mm, rowsA, rowsB, accs, kr.first);
}

/// Rows [nBegin, nEnd) of B against every row of A over the K range `kr`.
void emitRowRange(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                  const TileConfig &cfg, Value nBegin, Value nEnd,
                  const KRange &kr) {
  Value c1 = indexConst(b, loc, 1);
  Value blockEnd = arith::MinUIOp::create(
      b, loc,
      arith::AddIOp::create(b, loc, nBegin, indexConst(b, loc, cfg.blockRows)),
      nEnd);
  Value len = arith::SubIOp::create(b, loc, blockEnd, nBegin);
  Value fullEnd = arith::AddIOp::create(b, loc, nBegin,
                                        roundDown(b, loc, len, cfg.tileCols));
  // Row tiles of tileRows rows, then one tile of the remainder's rows: a
  // GEMV-like call with 2 or 3 rows per expert reads (and widens) each
  // weight row once for all its rows.
  emitRowTiles(b, loc, mm.m, cfg.tileRows,
               [&](OpBuilder &cb, Location cl, int64_t rows, Value m) {
                 emitFor(
                     cb, cl, nBegin, fullEnd, indexConst(cb, cl, cfg.tileCols),
                     [&](OpBuilder &tb, Location tl, Value n0) {
                       emitTile(tb, tl, mm, cfg, rows, cfg.tileCols, m, n0, kr);
                     });
                 emitFor(cb, cl, fullEnd, blockEnd, c1,
                         [&](OpBuilder &tb, Location tl, Value n) {
                           emitTile(tb, tl, mm, cfg, rows, 1, m, n, kr);
                         });
               });
}

/// The thread's weight rows [nBegin, nEnd): blocks of `blockRows` rows,
/// each over all of K or, when K is longer than `kBlock`, over chunks of K.
void emitThreadRows(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                    const TileConfig &cfg, Value nBegin, Value nEnd) {
  int64_t width = cfg.width;
  bool chunked = cfg.kBlock > 0 && (!mm.staticK || *mm.staticK > cfg.kBlock);
  emitFor(b, loc, nBegin, nEnd, indexConst(b, loc, cfg.blockRows),
          [&](OpBuilder &bb, Location bl, Value nb) {
            Value blockEnd = arith::MinUIOp::create(
                bb, bl,
                arith::AddIOp::create(bb, bl, nb,
                                      indexConst(bb, bl, cfg.blockRows)),
                nEnd);
            KRange kr;
            if (!chunked) {
              kr.begin = indexConst(bb, bl, 0);
              kr.end = mm.k;
              kr.fullEnd = roundDown(bb, bl, mm.k, width);
              if (!mm.staticK)
                kr.tail = KRange::Tail::Dynamic;
              else if (*mm.staticK % width != 0)
                kr.tail = KRange::Tail::Static;
              emitRowRange(bb, bl, mm, cfg, nb, blockEnd, kr);
              return;
            }
            Value zero = indexConst(bb, bl, 0);
            Value kStep = indexConst(bb, bl, cfg.kBlock);
            emitFor(bb, bl, zero, mm.k, kStep,
                    [&](OpBuilder &kb, Location kl, Value k0) {
                      KRange chunk;
                      chunk.begin = k0;
                      chunk.end = arith::MinUIOp::create(
                          kb, kl,
                          arith::AddIOp::create(kb, kl, k0,
                                                indexConst(kb, kl, cfg.kBlock)),
                          mm.k);
                      Value len = arith::SubIOp::create(kb, kl, chunk.end, k0);
                      chunk.fullEnd = arith::AddIOp::create(
                          kb, kl, k0, roundDown(kb, kl, len, width));
                      if (!mm.staticK || *mm.staticK % width != 0)
                        chunk.tail = KRange::Tail::Dynamic;
                      chunk.first = arith::CmpIOp::create(
                          kb, kl, arith::CmpIPredicate::eq, k0,
                          indexConst(kb, kl, 0));
                      emitRowRange(kb, kl, mm, cfg, nb, blockEnd, chunk);
                    });
          });
}

/// A kernel's scratch is allocated once per thread and call: on one thread
/// at the start of `func` (the matmul itself sits in the loop over
/// experts), built here by `create`; else (or without a function) none
/// here, and each omp.parallel body builds its own at its start.
template <typename Scratch, typename Create>
std::optional<Scratch> serialScratch(OpBuilder &b, FunctionOpInterface func,
                                     unsigned numThreads, Create create) {
  if (numThreads != 1 || !func)
    return std::nullopt;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getFunctionBody().front());
  return create(b);
}

/// Whether the kernels can read the dequantized B from q and its scales:
/// a matrix whose K blocks hold whole vectors (or span all of K), so that
/// every vector load meets one scale.
bool canFuseDequantize(const DequantizeGeneric &dq, int64_t staticK,
                       int64_t width) {
  if (cast<RankedTensorType>(dq.q.getType()).getRank() != 2)
    return false;
  // Packed: whole vectors of bytes, K never masked.
  if (dq.packed &&
      (ShapedType::isDynamic(staticK) || staticK % width != 0 || width < 2))
    return false;
  if (dq.blockK % width == 0)
    return true;
  return !ShapedType::isDynamic(staticK) && dq.blockK >= staticK;
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
  int64_t staticK = cast<RankedTensorType>(lhs.getType()).getDimSize(1);
  std::optional<DequantizeGeneric> dq = matchDequantize(rhs);
  if (dq && dq->op && canFuseDequantize(*dq, staticK, cfg.width)) {
    mm.b = readOnlyBuffer(b, loc, dq->q);
    mm.dequant = DequantizedWeights{
        readOnlyBuffer(b, loc, dq->scales),
        dq->zeroPoints ? readOnlyBuffer(b, loc, dq->zeroPoints) : Value(),
        dq->packed,
        dq->blockN,
        dq->blockK,
        dq->resultElement};
    mm.dequant->fp8ViaF16 = cfg.f16c;
  } else {
    dq.reset();
    mm.b = readOnlyBuffer(b, loc, rhs);
  }
  if (!isZeroFill(init))
    mm.init = readOnlyBuffer(b, loc, init);
  mm.m = memrefDim(b, loc, mm.a, 0);
  mm.k = memrefDim(b, loc, mm.a, 1);
  mm.n = memrefDim(b, loc, mm.b, 0);
  if (!ShapedType::isDynamic(staticK))
    mm.staticK = staticK;
  SmallVector<Value> dynamicSizes;
  if (resultType.isDynamicDim(0))
    dynamicSizes.push_back(mm.m);
  if (resultType.isDynamicDim(1))
    dynamicSizes.push_back(mm.n);
  mm.c = allocBuffer(b, loc, resultType, dynamicSizes);

  // The dot-product kernel on int8 activations: every vector of 4W values
  // along K lies in one activation group (K chunks are rounded up to whole
  // groups below).
  auto dotGroupFor = [&](int64_t width) -> std::optional<int64_t> {
    std::optional<int64_t> g =
        int8DotGroup(mm, width, cfg.activationGroup, cfg.int8Dot);
    if (g && *g % (4 * width) != 0)
      return std::nullopt;
    return g;
  };
  TileConfig dotCfg = cfg;
  std::optional<int64_t> dotGroup = dotGroupFor(cfg.width);
  // Groups narrower than a vector of 4 x 16 bytes (mxfp4's 32 values) take
  // the 256-bit form of the same instruction, which every CPU with the
  // 512-bit one has (VPDPBUSD: AVX512_VNNI CPUs have AVX512VL; VPMADDUBSW:
  // AVX512BW CPUs have AVX2), rather than the f32 kernel on 16 lanes
  // (mxfp4 decode of the Mixtral-8x7B layer on Zen 4: 29.3 to 15.5 ms at
  // T = 1, 138 to 66 ms at T = 8).
  if (!dotGroup && cfg.width == 16) {
    dotGroup = dotGroupFor(8);
    if (dotGroup)
      dotCfg.width = 8;
  }
  // K chunks of 16x the values (in whole groups, and whole blocks of 8W
  // values: see Int8Activations::evenOdd). Rows of int8 activations are a
  // quarter of f32 rows, and each chunk of this tile pays for the fill of
  // its scales and the stores of its sums: chunks of 16384 instead of 4096
  // ran the Mixtral-8x7B layer's mxfp4 decode on Zen 4 in 5.2-5.3 instead
  // of 5.6-6.0 ms at T = 1 and 29.0-29.6 instead of 30.9-31.2 ms at T = 8.
  if (dotGroup)
    dotCfg.kBlock = llvm::alignTo(16 * cfg.kBlock,
                                  std::lcm(*dotGroup, 8 * dotCfg.width));
  // fp8 weights in steps of 4 vectors (stepVectors), which still apply: K
  // chunks 4x as long (whole steps). Their tile's work per chunk (the
  // check of its weight rows for NaN codes, the loop over the weights' K
  // blocks, the stores of its sums) made 1024-value chunks cost the
  // Mixtral-8x7B layer 1.25-1.3x its time at T = 1 and 8 on Zen 4 (all of
  // K at once ran as fast as chunks of 4096); f32 and bf16 tiles gain
  // nothing from longer chunks.
  bool fp8Steps = !dotGroup && stepVectors(mm, cfg) == 4;
  if (fp8Steps)
    dotCfg.kBlock = 4 * cfg.kBlock;
  auto func = op->getParentOfType<FunctionOpInterface>();
  // The int8 tile's scales of one K range (a chunk, or all of K).
  auto tileScales = [&](OpBuilder &sb) {
    int64_t span = dotCfg.kBlock > 0 && *mm.staticK > dotCfg.kBlock
                       ? dotCfg.kBlock
                       : *mm.staticK;
    return createDotTileScales(sb, loc, dotCfg.tileRows * dotCfg.tileCols,
                               span / *dotGroup, dotCfg.width);
  };
  std::optional<Value> sharedTileScales;
  if (dotGroup)
    sharedTileScales =
        serialScratch<Value>(b, func, cfg.numThreads, tileScales);
  auto dotKernel = [&](OpBuilder &cb, Location cl) {
    MatmulBuffers dotMM = mm;
    if (dotGroup)
      dotMM.int8A = quantizeActivations(cb, cl, module, mm, dotCfg.width,
                                        *dotGroup, cfg.int8Dot,
                                        /*forDotTile=*/true, cfg.numThreads);
    else if (fp8Steps)
      dotMM.aEvenOdd = evenOddActivations(cb, cl, module, mm, dotCfg.width,
                                          cfg.numThreads);
    emitParallelRanges(cb, cl, module, mm.n, cfg.numThreads,
                       [&](OpBuilder &pb, Location pl, Value begin, Value end) {
                         MatmulBuffers threadMM = dotMM;
                         if (dotGroup)
                           threadMM.int8A->tileScales =
                               sharedTileScales ? *sharedTileScales
                                                : tileScales(pb);
                         emitThreadRows(pb, pl, threadMM, dotCfg, begin, end);
                       });
  };
  // Many rows: the packed-panel kernel, over panels of 2 * width weight
  // rows split between the threads (N must be whole panels).
  int64_t panel = 2 * cfg.packed.width;
  int64_t staticN = cast<RankedTensorType>(rhs.getType()).getDimSize(0);
  int64_t staticM = cast<RankedTensorType>(lhs.getType()).getDimSize(0);
  // 16-bit weights gain from fewer rows: the packing widens them once.
  bool wide = !mm.dequant &&
              cast<RankedTensorType>(rhs.getType()).getElementType().isF32();
  int64_t minRows = wide ? cfg.packedMinRows : cfg.packedMinRows16;
  // A dot-product tile whose groups are one vector of 4W values scales
  // every vector's sums of every row of A (a conversion and an FMA beside
  // each VPDPBUSD), where the panels scale a vector of 2W outputs at once:
  // one mxfp4 matmul of Mixtral-8x7B (N = 28672, K = 4096) on Zen 4 took
  // the same time either way at 4 rows, 1.1x as long in the tile at 6,
  // 1.2-1.3x at 8, 1.6-1.7x at 16 and 2x at 24 (int4 in groups of 128, at
  // 16 lanes, ran as fast in the tile as in the panels at 16 rows).
  if (!wide && dotGroup && *dotGroup == 4 * dotCfg.width && minRows > 0 &&
      int8DotGroup(mm, cfg.width, cfg.activationGroup, cfg.int8Dot))
    minRows = cfg.packedMinRowsShortGroups
                  ? std::min(minRows, cfg.packedMinRowsShortGroups)
                  : 0;
  // K must be known and non-zero: with K = 0 the packed kernel has no
  // chunk to run and would leave C unwritten.
  bool packable = minRows > 0 && !ShapedType::isDynamic(staticN) &&
                  staticN % panel == 0 && mm.staticK && *mm.staticK > 0 &&
                  (ShapedType::isDynamic(staticM) || staticM >= minRows);
  // The packing scratch: see serialScratch.
  packable = packable && func;
  std::optional<Value> sharedScratch;
  // Integer weights with int8 activations (Int8Matmul.cpp): chunks of K in
  // whole activation groups and 4W-value blocks.
  std::optional<int64_t> int8Group;
  if (packable)
    int8Group =
        int8DotGroup(mm, cfg.width, cfg.activationGroup, cfg.int8Dot);
  PackedConfig int8Cfg = cfg.packed;
  std::optional<Int8PanelScratch> sharedInt8Scratch;
  bool zeroPoints = mm.dequant && mm.dequant->zeroPoints;
  if (int8Group) {
    int8Cfg.kBlock = llvm::alignTo(cfg.packed.kBlock,
                                   std::lcm(*int8Group, 4 * cfg.packed.width));
    sharedInt8Scratch = serialScratch<Int8PanelScratch>(
        b, func, cfg.numThreads, [&](OpBuilder &sb) {
          return createInt8PanelScratch(sb, loc, int8Cfg, *int8Group,
                                        zeroPoints);
        });
  } else if (packable) {
    sharedScratch = serialScratch<Value>(
        b, func, cfg.numThreads,
        [&](OpBuilder &sb) { return createPanelScratch(sb, loc, cfg.packed); });
  }
  // bf16 weights times the activations rounded to bf16 (Bf16Matmul.cpp):
  // the panels of expert matmuls only, in K chunks of twice the f32 chunk
  // (whole 2W pairs), whose pairs fill the same scratch (3-5% faster than
  // chunks of the f32 length at T = 512 and 2048 on the Mixtral-style
  // layer).
  bool bf16Pairs =
      packable && !int8Group && cfg.bf16Pairs &&
      op->hasAttr(kExpertMatmulAttr) &&
      bf16DotApplies(mm, cfg.packed.width,
                     cast<RankedTensorType>(rhs.getType()).getElementType());
  PackedConfig bf16Cfg = cfg.packed;
  bf16Cfg.kBlock = 2 * llvm::alignTo(cfg.packed.kBlock, cfg.packed.width);
  auto packedKernel = [&](OpBuilder &cb, Location cl) {
    MatmulBuffers packedMM = mm;
    if (int8Group)
      packedMM.int8A =
          quantizeActivations(cb, cl, module, mm, cfg.width, *int8Group,
                              cfg.int8Dot, /*forDotTile=*/false,
                              cfg.numThreads);
    if (bf16Pairs)
      packedMM.a = roundActivationsToBf16(cb, cl, module, mm, cfg.width,
                                          cfg.numThreads);
    emitParallelRanges(
        cb, cl, module, indexConst(cb, cl, staticN / panel), cfg.numThreads,
        [&](OpBuilder &pb, Location pl, Value begin, Value end) {
          std::unique_ptr<PanelKernel> kernel;
          const PackedConfig &packedCfg = packedMM.int8A ? int8Cfg
                                          : bf16Pairs    ? bf16Cfg
                                                         : cfg.packed;
          if (packedMM.int8A) {
            Int8PanelScratch scratch =
                sharedInt8Scratch
                    ? *sharedInt8Scratch
                    : createInt8PanelScratch(pb, pl, int8Cfg, *int8Group,
                                             zeroPoints);
            kernel = makeInt8PanelKernel(packedMM, int8Cfg, scratch);
          } else {
            Value scratch = sharedScratch
                                ? *sharedScratch
                                : createPanelScratch(pb, pl, cfg.packed);
            kernel = bf16Pairs
                         ? makeBf16PanelKernel(packedMM, bf16Cfg, scratch)
                         : makeF32PanelKernel(mm, cfg.packed, scratch);
          }
          emitPackedPanels(pb, pl, packedMM, packedCfg, *kernel, begin, end);
        });
  };
  auto compute = [&](OpBuilder &cb, Location cl) {
    if (!packable)
      return dotKernel(cb, cl);
    if (!ShapedType::isDynamic(staticM))
      return packedKernel(cb, cl);
    Value many = arith::CmpIOp::create(cb, cl, arith::CmpIPredicate::uge, mm.m,
                                       indexConst(cb, cl, minRows));
    scf::IfOp::create(
        cb, cl, many,
        [&](OpBuilder &tb, Location tl) {
          packedKernel(tb, tl);
          scf::YieldOp::create(tb, tl);
        },
        [&](OpBuilder &eb, Location el) {
          dotKernel(eb, el);
          scf::YieldOp::create(eb, el);
        });
  };
  // An expert that no token chose has no rows: skip it before forking
  // threads (decode touches k of E experts).
  if (cast<RankedTensorType>(lhs.getType()).isDynamicDim(0)) {
    Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, mm.m,
                                      indexConst(b, loc, 0));
    scf::IfOp::create(b, loc, any, [&](OpBuilder &tb, Location tl) {
      compute(tb, tl);
      scf::YieldOp::create(tb, tl);
    });
  } else {
    compute(b, loc);
  }
  Value result = bufferToTensor(b, loc, mm.c, resultType);
  op->getResult(0).replaceAllUsesWith(result);
  op->erase();
  // The dequantized weights are no longer needed as a tensor.
  if (dq && dq->op->use_empty())
    dq->op->erase();
}

struct MoECPUMatmulKernelsPass
    : public moe::impl::MoECPUMatmulKernelsBase<MoECPUMatmulKernelsPass> {
  using MoECPUMatmulKernelsBase::MoECPUMatmulKernelsBase;

  /// One error line for the first option out of its range: register tiles
  /// past kMaxTileAccumulators vectors would only spill (and a huge one
  /// takes minutes to compile), and vector-width is a power of two up to
  /// the 16 f32 lanes of AVX-512.
  LogicalResult verifyOptions() {
    auto error = [&]() {
      return mlir::emitError(getOperation().getLoc())
             << "moe-cpu-matmul-kernels: ";
    };
    constexpr unsigned kNoMax = std::numeric_limits<unsigned>::max();
    struct Range {
      StringRef name;
      unsigned value, min, max;
      StringRef why = "";
    } ranges[] = {
        {"vector-width", vectorWidth, 1, kMaxVectorWidth},
        {"tile-rows", tileRows, 1, kMaxTileAccumulators},
        {"tile-cols", tileCols, 1, kMaxTileAccumulators},
        {"block-rows", blockRows, 1, kNoMax},
        {"packed-tile-rows", packedTileRows, 1, kMaxTileAccumulators / 2},
        {"packed-k-block", packedKBlock, 1, kMaxPackedKBlock,
         " (the packing scratch lives on the stack)"},
        {"activation-group", activationGroup, vectorWidth, kMaxPackedKBlock},
    };
    for (const Range &r : ranges) {
      if (r.value >= r.min && r.value <= r.max)
        continue;
      InFlightDiagnostic diag = error() << r.name << " = " << r.value;
      if (r.max == kNoMax)
        return diag << " must be at least " << r.min;
      return diag << " must be from " << r.min << " to " << r.max << r.why;
    }
    if (!llvm::isPowerOf2_32(vectorWidth))
      return error() << "vector-width = " << unsigned(vectorWidth)
                     << " must be a power of two";
    if (!llvm::isPowerOf2_32(activationGroup))
      return error() << "activation-group = " << unsigned(activationGroup)
                     << " must be a power of two";
    if (vnni && vectorWidth != 8 && vectorWidth != 16)
      return error() << "vnni needs vector-width 8 or 16 (VPDPBUSD on 256 "
                        "or 512 bits), found "
                     << unsigned(vectorWidth);
    if (bf16Dot && vectorWidth != 8 && vectorWidth != 16)
      return error() << "bf16-dot needs vector-width 8 or 16 (VDPBF16PS on "
                        "256 or 512 bits), found "
                     << unsigned(vectorWidth);
    if (madd && vectorWidth != 8 && vectorWidth != 16)
      return error() << "madd needs vector-width 8 or 16 (VPMADDUBSW on 256 "
                        "or 512 bits), found "
                     << unsigned(vectorWidth);
    if (uint64_t(tileRows) * tileCols > kMaxTileAccumulators)
      return error() << "tile-rows x tile-cols = " << unsigned(tileRows)
                     << " x " << unsigned(tileCols) << " must be at most "
                     << kMaxTileAccumulators << " accumulators";
    return success();
  }

  void runOnOperation() override {
    if (failed(verifyOptions()))
      return signalPassFailure();
    TileConfig cfg;
    cfg.width = vectorWidth;
    cfg.tileRows = tileRows;
    cfg.tileCols = tileCols;
    // A cache block holds whole register tiles.
    cfg.blockRows = std::max<int64_t>(
        tileCols, (int64_t(blockRows) + tileCols - 1) / tileCols * tileCols);
    cfg.numThreads = numThreads;
    cfg.kBlock = (int64_t(kBlock) + cfg.width - 1) / cfg.width * cfg.width;
    cfg.packed.width = vectorWidth;
    cfg.packed.tileRows = packedTileRows;
    cfg.packed.kBlock = llvm::alignTo(int64_t(packedKBlock), cfg.width);
    cfg.packed.mBlock = packedMBlock;
    cfg.packedMinRows = packedMinRows;
    cfg.packedMinRows16 = packedMinRows16;
    cfg.packedMinRowsShortGroups = packedMinRowsShortGroups;
    cfg.int8Dot = !quantizeActivations ? Int8Dot::None
                  : vnni                 ? Int8Dot::VNNI
                  : madd                 ? Int8Dot::Madd
                                         : Int8Dot::None;
    cfg.activationGroup = activationGroup;
    cfg.f16c = f16c;
    cfg.bf16Pairs = bf16Activations && bf16Dot;

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
