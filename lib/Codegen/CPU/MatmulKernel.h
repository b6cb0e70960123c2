//===- MatmulKernel.h - Pieces shared by the CPU matmul kernels -*- C++ -*-===//
//
// moe-cpu-matmul-kernels emits one of two loop nests per matmul (or both,
// chosen at run time from the row count): the dot-product kernel of
// MatmulKernels.cpp, which reads the weights in their nn.Linear layout and
// suits decode-sized calls, and the packed-panel kernel of
// PackedMatmul.cpp for calls with many rows.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_CODEGEN_CPU_MATMULKERNEL_H
#define MOE_LIB_CODEGEN_CPU_MATMULKERNEL_H

#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <optional>

namespace mlir {
namespace moe {
namespace cpu {

/// Weights that the kernels dequantize as they load them: B is then q of a
/// moe.dequantize generic (moe/Dialect/MoE/Utils/Dequantize.h); each loaded
/// vector is dequantized with its block's scale (and zero point)
/// broadcast, and rounded to `resultElement` as the generic does. Every
/// vector of W lanes along K lies in one block: the block is a multiple of
/// W along K, or all of K. Packed 4-bit values need K to be a multiple of
/// W (a vector is W / 2 whole bytes, never masked).
struct DequantizedWeights {
  Value scales, zeroPoints; // buffers; zeroPoints may be null
  std::optional<PackedFormat> packed;
  int64_t blockN, blockK;
  Type resultElement;
  bool fp8ViaF16 = false; // the target has F16C (dequantizeValue)
};

/// The instruction that multiplies unsigned bytes (the biased int8
/// activations) by signed bytes (the weights), 4 products into each i32
/// lane.
enum class Int8Dot {
  None,
  /// VPDPBUSD (AVX512_VNNI on 16 lanes, AVX_VNNI on 8).
  VNNI,
  /// VPMADDUBSW (pairs of products into i16, saturating) then VPMADDWD
  /// (pairs of i16 into i32) and an add (AVX512BW on 16 lanes, AVX2 on 8).
  /// The weights are the unsigned bytes (w + 8 for int4, twice e2m1 + 12;
  /// |w| for int8, whose sign goes to the activation by VPSIGNB) and the
  /// activations signed, unbiased, so a pair is at most 2 * 128 * 127 =
  /// 32512 and never saturates.
  Madd,
};

/// A's rows quantized per group of `group` values along K: `values` holds
/// the bytes four to an i32 word, [M, K / 4] (q, or biased, q + 128, for
/// VNNI's packed panels), `scales` the f32 factor of each group, [M, K /
/// group], and for offset weights (`unsignedWeights`) and for weights with
/// zero points `sums` the i32 sum of q over each group, [M, K / group]
/// (else null), or with `sumsCorrect` that sum times minus the weight
/// offset, the value that the group's integer sums start at (the
/// dot-product tile on weights without zero points, whose offset is one
/// constant); `dot` multiplies them. With `unsignedWeights` (Madd, and
/// the dot-product tile) the weights are the unsigned operand of the byte
/// product and the activations the signed one, unbiased; else (VPDPBUSD in
/// the packed panels) the activations are biased and unsigned. With
/// `evenOdd` (the dot-product tile on packed weights, groups of whole
/// blocks of 8W values), each block of 8W values of a row is stored as its
/// 4W even-indexed values, then its 4W odd ones: the order of the low and
/// high nibbles of 4W packed bytes.
struct Int8Activations {
  Value values, scales, sums;
  int64_t group;
  Int8Dot dot;
  bool unsignedWeights = false;
  bool evenOdd = false;
  bool sumsCorrect = false;
  /// The dot-product tile's scratch of scales, one per thread
  /// (createDotTileScales).
  Value tileScales;
};

/// The operands of one matmul `C[m, n] = init[m, n] + sum_k A[m, k] *
/// B[n, k]` as buffers, and its sizes.
struct MatmulBuffers {
  Value a, b, init, c; // init is null when it is all zeros
  Value m, n, k;
  std::optional<int64_t> staticK;
  std::optional<DequantizedWeights> dequant;
  /// A quantized to int8 (quantizeActivations) where the kernels multiply
  /// on integers.
  std::optional<Int8Activations> int8A;
  /// A in the order of the fp8 tile's decoded weights, which its steps of
  /// 4 vectors read (evenOddActivations in MatmulKernels.cpp); else null.
  Value aEvenOdd;
};

/// A fresh [M, `columns`] buffer of `element`, 64-byte aligned, which
/// `fill(m, k, buffer)` fills at every k in [0, columns) by `step`, for
/// every row m of A (`mm.a`), the rows split between `numThreads` threads.
Value fillActivationRows(
    OpBuilder &b, Location loc, ModuleOp module, const MatmulBuffers &mm,
    Type element, int64_t columns, int64_t step, unsigned numThreads,
    function_ref<void(OpBuilder &, Location, Value m, Value k, Value buffer)>
        fill);

/// The scale (decoded to f32) and zero point (i8, or null) of the block of
/// dequantized weights that holds B[n, k]; `kBlockIndex`, when given, is k
/// / the weights' K block. With `unscaled` (set by the caller, for an f32
/// result type only), loadWeights leaves the scale to the caller: it
/// returns dequantizeUnscaled's values, which the caller multiplies by the
/// scale times unscaledFactor.
struct WeightBlock {
  Value scale, zeroPoint;
  bool unscaled = false;
};
WeightBlock loadWeightBlock(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                            Value n, Value k, Value kBlockIndex = nullptr);

/// The f32 vector B[n, k : k + width] (masked with zero padding when `mask`
/// is given): loaded and widened, or dequantized, with the values of
/// `block` (loadWeightBlock: a loop over one block loads them once) or of
/// B[n, k]'s block.
Value loadWeights(OpBuilder &b, Location loc, const MatmulBuffers &mm, Value n,
                  Value k, int64_t width, Value mask = nullptr,
                  const WeightBlock *block = nullptr);

/// Stores the R x S outputs of a dot-product register tile: C[rowsA[i],
/// rowsB[j]] = start + the sum of the lanes of accs[i * S + j], where start
/// is init (or nothing when it is zero) when `first` is null or true, and
/// what C holds (the previous K chunk's sums) otherwise.
void storeDotTile(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                  ArrayRef<Value> rowsA, ArrayRef<Value> rowsB,
                  ArrayRef<Value> accs, Value first);

/// Shape of the packed-panel kernel.
struct PackedConfig {
  int64_t width;    // f32 lanes per vector; a panel is 2 * width columns
  int64_t tileRows; // rows of A per register tile
  int64_t kBlock;   // K chunk packed at once (a multiple of width)
  int64_t mBlock;   // rows of A per pass over the panels; 0: all
};

/// The packed-panel kernel's scratch buffer (`memref.alloca`, 64-byte
/// aligned, k-block x 2 * width f32), created at the builder's insertion
/// point: it must be a point that runs once per thread and call, not the
/// body of a loop (every iteration would grow the stack).
Value createPanelScratch(OpBuilder &b, Location loc, const PackedConfig &cfg);

/// What the packed-panel kernel does with one K chunk of one panel: packs
/// it into scratch, then runs register tiles of rows of A over it.
class PanelKernel {
public:
  virtual ~PanelKernel();
  /// Packs the weight rows [n0, n0 + 2W) over K [k0, k0 + len).
  virtual void pack(OpBuilder &b, Location loc, Value n0, Value k0,
                    Value len) = 0;
  /// `start` plus the products of the rows `rows` of A with the packed
  /// chunk [k0, k0 + len): rows.size() x 2 vectors of W f32 (row i, vector
  /// v at 2i + v).
  virtual SmallVector<Value> accumulate(OpBuilder &b, Location loc,
                                        ArrayRef<Value> rows, Value k0,
                                        Value len, ValueRange start) = 0;
};

/// The loop of a register tile over the rows [0, count) of the panel
/// scratch `bp` (createPanelScratch), carrying the accumulators from
/// `start`: per row, `body(row, panel, accs)` gets the row's two vectors of
/// W f32 (columns [0, W) and [W, 2W)) and returns the next accumulators.
SmallVector<Value> emitPanelRowLoop(
    OpBuilder &b, Location loc, Value bp, int64_t width, Value count,
    ValueRange start,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value row,
                                    ArrayRef<Value> panel, ValueRange accs)>
        body);

/// The f32 panel kernel: weights packed (widened or dequantized) to f32,
/// one FMA per weight and row; `scratch` from createPanelScratch.
std::unique_ptr<PanelKernel> makeF32PanelKernel(const MatmulBuffers &mm,
                                                const PackedConfig &cfg,
                                                Value scratch);

/// A function named as the LLVM intrinsic `name`, declared once in the
/// module of `mm.c`. LLVM takes a function so named for the intrinsic itself
/// (without side effects), and a func.call is something one-shot
/// bufferization and the buffer deallocation accept, where an
/// llvm.call_intrinsic has unknown memory effects and is refused.
func::FuncOp declareIntrinsic(const MatmulBuffers &mm, StringRef name,
                              TypeRange args, Type result);

//===----------------------------------------------------------------------===//
// bf16 pairs (Bf16Matmul.cpp)
//===----------------------------------------------------------------------===//

/// Whether the bf16 panel kernel can run `mm` on vectors of `width` f32
/// lanes (8 or 16): bf16 weights, not dequantized, and a static K that is a
/// multiple of 2 * width. Its PackedConfig's k-block must be a multiple of
/// 2 * width too.
bool bf16DotApplies(const MatmulBuffers &mm, int64_t width, Type weightElement);

/// A as bf16: `mm.a` itself when it is bf16, else a fresh [M, K] buffer of
/// A rounded to bf16 (rows split between `numThreads` threads).
Value roundActivationsToBf16(OpBuilder &b, Location loc, ModuleOp module,
                             const MatmulBuffers &mm, int64_t width,
                             unsigned numThreads);

/// The panel kernel on bf16 pairs (VDPBF16PS, which the target must have):
/// `mm.a` must be bf16 (roundActivationsToBf16); `scratch` from
/// createPanelScratch (the kernel uses its first k-block / 2 rows). Declares
/// the instruction in the module of `mm.c`.
std::unique_ptr<PanelKernel> makeBf16PanelKernel(const MatmulBuffers &mm,
                                                 const PackedConfig &cfg,
                                                 Value scratch);

/// Emits the packed-panel kernel for the panels [pBegin, pEnd) of B (panel
/// p = weight rows [2 * width * p, 2 * width * (p + 1))) against every row
/// of A: for each block of rows, panel and K chunk, `kernel` packs the
/// chunk and runs its register tiles. N must be a multiple of 2 * width.
void emitPackedPanels(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                      const PackedConfig &cfg, PanelKernel &kernel,
                      Value pBegin, Value pEnd);

/// Transposes the `rows.size()` x `rows.size()` block held in `rows` (row
/// r = element (r, c) in lane c) with log2(W) stages of two-input shuffles.
SmallVector<Value> transposeSquare(OpBuilder &b, Location loc,
                                   SmallVector<Value> rows);

//===----------------------------------------------------------------------===//
// Int8 activations x integer weights (Int8Matmul.cpp)
//===----------------------------------------------------------------------===//

/// The int8 panel kernel's per-thread scratch (`memref.alloca`, created
/// where createPanelScratch's is): the packed words [k-block / 4, 2W] i32,
/// and per group of the chunk the bias compensation [k-block / G, 2W] i32
/// and the weight scales [k-block / G, 2W] f32; with zero points, also the
/// weight rows' offsets [k-block / G, 2W] i32 (what each group's integer
/// sums lose per unit of the sum of qa; else null).
struct Int8PanelScratch {
  Value panel, comp, weightScales, offsets;
};

/// The activation group G (<= maxGroup) for which the int8 kernel can run
/// `mm` with `dot`: integer weights (int8 or packed int4 or e2m1; packed
/// only for Int8Dot::Madd), with or without zero points, a static K that is a
/// multiple of 4W and of G, and a G that divides the weights' K block. None
/// when the kernel does not apply.
std::optional<int64_t> int8DotGroup(const MatmulBuffers &mm, int64_t width,
                                    int64_t maxGroup, Int8Dot dot);

/// Emits the quantization of A (rows split between `numThreads` threads)
/// into fresh buffers, for kernels that multiply with `dot`: the
/// dot-product tile (`forDotTile`) or the packed panels.
Int8Activations quantizeActivations(OpBuilder &b, Location loc, ModuleOp module,
                                    const MatmulBuffers &mm, int64_t width,
                                    int64_t group, Int8Dot dot,
                                    bool forDotTile, unsigned numThreads);

/// One R x S register tile of the dot-product kernel on int8 activations
/// (`mm.int8A`): C[m0 + i, n0 + j] = start + A[m0 + i, k] . B[n0 + j, k]
/// over K [kBegin, kEnd) (whole groups of mm.int8A->group, a multiple of 4
/// lanes x 4); start is init (or 0) when `first` is null or true, else C.
/// Dot products of 4 bytes (mm.int8A->dot) along K, each group's sums
/// scaled into f32 lanes (by the scales that the tile first writes to
/// mm.int8A->tileScales), one lane reduction per output at the end.
/// The weight rows `prefetchAhead` rows below the tile's are prefetched.
void emitInt8DotTile(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                     int64_t width, int64_t rows, int64_t cols, Value m0,
                     Value n0, Value kBegin, Value kEnd, Value first,
                     int64_t prefetchAhead);

/// The dot-product tile's per-thread scratch (`memref.alloca`, created where
/// createPanelScratch's is): for each of the `tileOutputs` outputs of a tile
/// and each group of a K range of at most `maxGroups` groups, the weight
/// scale times the activation scale, [tileOutputs, maxGroups rounded up to
/// `width`] f32.
Value createDotTileScales(OpBuilder &b, Location loc, int64_t tileOutputs,
                          int64_t maxGroups, int64_t width);

/// `cfg.kBlock` must be a multiple of 4W and of `group`; `zeroPoints`: the
/// weights have zero points.
Int8PanelScratch createInt8PanelScratch(OpBuilder &b, Location loc,
                                        const PackedConfig &cfg, int64_t group,
                                        bool zeroPoints);

/// The panel kernel on the int8 activations `mm.int8A`, multiplied with
/// their Int8Dot instruction (which the target must have); declares it in
/// the module of `mm.c`.
std::unique_ptr<PanelKernel> makeInt8PanelKernel(const MatmulBuffers &mm,
                                                 const PackedConfig &cfg,
                                                 Int8PanelScratch scratch);

/// Calls `tile(rows, m0)` on register tiles of `tileRows` rows over
/// [0, m - m % tileRows), then on one tile of the remainder's m % tileRows
/// rows (chosen at run time among tileRows - 1 tile shapes).
void emitRowTiles(
    OpBuilder &b, Location loc, Value m, int64_t tileRows,
    function_ref<void(OpBuilder &, Location, int64_t rows, Value m0)> tile);

} // namespace cpu
} // namespace moe
} // namespace mlir

#endif // MOE_LIB_CODEGEN_CPU_MATMULKERNEL_H
