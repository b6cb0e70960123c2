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

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

#include <optional>

namespace mlir {
namespace moe {
namespace cpu {

/// Weights that the kernels dequantize as they load them: B is then q of a
/// moe.dequantize generic (moe/Dialect/MoE/Utils/Dequantize.h), whose body
/// is cloned on each loaded vector with its block's scale (and zero point)
/// broadcast. Every vector of W lanes along K lies in one block: the block
/// is a multiple of W along K, or all of K.
struct DequantizedWeights {
  linalg::GenericOp body;
  Value scales, zeroPoints; // buffers; zeroPoints may be null
  int64_t blockN, blockK;
};

/// The operands of one matmul `C[m, n] = init[m, n] + sum_k A[m, k] *
/// B[n, k]` as buffers, and its sizes.
struct MatmulBuffers {
  Value a, b, init, c; // init is null when it is all zeros
  Value m, n, k;
  std::optional<int64_t> staticK;
  std::optional<DequantizedWeights> dequant;
};

/// The f32 vector B[n, k : k + width] (masked with zero padding when `mask`
/// is given): loaded and widened, or dequantized.
Value loadWeights(OpBuilder &b, Location loc, const MatmulBuffers &mm, Value n,
                  Value k, int64_t width, Value mask = nullptr);

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

/// Emits the packed-panel kernel for the panels [pBegin, pEnd) of B (panel
/// p = weight rows [2 * width * p, 2 * width * (p + 1))) against every row
/// of A, packing into `scratch` (from createPanelScratch). N must be a
/// multiple of 2 * width.
void emitPackedPanels(OpBuilder &b, Location loc, const MatmulBuffers &mm,
                      const PackedConfig &cfg, Value scratch, Value pBegin,
                      Value pEnd);

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
