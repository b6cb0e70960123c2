//===- MmaMatmul.cpp - f32 matmuls on tensor cores (mma.sync, TF32) -------===//
//
// The moe-gpu-mma-matmul pass (Passes.td has the full description).
//
// One block of 4 warps computes a 16 x 32 tile of C; warp w takes columns
// [8w, 8w + 8) of the tile and walks K in steps of 8 with one
// `nvgpu.mma.sync` m16n8k8 (TF32 inputs, f32 accumulation) per step. Each
// lane loads its fragments straight from global memory, with the PTX
// fragment layout of m16n8k8.tf32 (g = lane / 4, t = lane % 4):
//   A (16 x 8, row major): a0 = A[g][t], a1 = A[g+8][t], a2 = A[g][t+4],
//                          a3 = A[g+8][t+4]
//   B (8 x 8, column major): b0 = B[k=t][n=g], b1 = B[k=t+4][n=g]
//   C (16 x 8): c[i][j] = C[g + 8i][2t + j]
// Loads outside the matrices read index 0 and are replaced by 0; stores
// outside are skipped, so every size may be dynamic and need not be a
// multiple of the tile.
//
//===----------------------------------------------------------------------===//

#include "moe/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AffineMap.h"

namespace mlir {
namespace moe {
#define GEN_PASS_DEF_MOEGPUMMAMATMUL
#include "moe/Codegen/Passes.h.inc"
} // namespace moe
} // namespace mlir

using namespace mlir;

namespace {

constexpr int64_t kTileM = 16;
constexpr int64_t kTileN = 8;
constexpr int64_t kTileK = 8;
constexpr int64_t kWarps = 4;
constexpr int64_t kWarpSize = 32;

/// Whether `matmul` is C[m, n] += A[m, k] * B[n, k] (`transposedB`) or
/// C[m, n] += A[m, k] * B[k, n], on f32 memrefs.
std::optional<bool> matchMatmul(linalg::MatmulOp matmul) {
  if (!matmul.hasPureBufferSemantics() || matmul.getInputs().size() != 2 ||
      matmul.getOutputs().size() != 1)
    return std::nullopt;
  for (Value operand : matmul->getOperands()) {
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || type.getRank() != 2 || !type.getElementType().isF32())
      return std::nullopt;
  }
  MLIRContext *ctx = matmul.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  auto map = [&](AffineExpr a, AffineExpr b) {
    return AffineMap::get(3, 0, {a, b}, ctx);
  };
  SmallVector<AffineMap> maps = matmul.getIndexingMapsArray();
  if (maps[0] != map(m, k) || maps[2] != map(m, n))
    return std::nullopt;
  if (maps[1] == map(n, k))
    return true;
  if (maps[1] == map(k, n))
    return false;
  return std::nullopt;
}

/// Emits the kernel for `matmul` in place of it.
void rewriteMatmul(linalg::MatmulOp matmul, bool transposedB) {
  OpBuilder b(matmul);
  Location loc = matmul.getLoc();
  Value a = matmul.getInputs()[0], w = matmul.getInputs()[1];
  Value c = matmul.getOutputs()[0];
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value c0 = cst(0), c1 = cst(1);
  Value sizeM = memref::DimOp::create(b, loc, c, 0);
  Value sizeN = memref::DimOp::create(b, loc, c, 1);
  Value sizeK = memref::DimOp::create(b, loc, a, 1);

  // No launch for an empty C (an expert without rows).
  Value hasRows =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, sizeM, c0);
  Value hasCols =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, sizeN, c0);
  Value nonEmpty = arith::AndIOp::create(b, loc, hasRows, hasCols);
  auto guard = scf::IfOp::create(b, loc, nonEmpty, /*withElseRegion=*/false);
  b.setInsertionPoint(guard.thenBlock()->getTerminator());
  auto ceilDiv = [&](Value x, int64_t d) -> Value {
    return arith::CeilDivUIOp::create(b, loc, x, cst(d));
  };
  Value gridX = ceilDiv(sizeN, kTileN * kWarps);
  Value gridY = ceilDiv(sizeM, kTileM);
  auto launch = gpu::LaunchOp::create(b, loc, gridX, gridY, c1,
                                      cst(kWarpSize * kWarps), c1, c1);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value tid = launch.getThreadIds().x;
  Value lane = arith::RemUIOp::create(b, loc, tid, cst(kWarpSize));
  Value warp = arith::DivUIOp::create(b, loc, tid, cst(kWarpSize));
  Value g = arith::DivUIOp::create(b, loc, lane, cst(4));
  Value t = arith::RemUIOp::create(b, loc, lane, cst(4));
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddIOp::create(b, loc, x, y);
  };
  auto mul = [&](Value x, int64_t y) -> Value {
    return arith::MulIOp::create(b, loc, x, cst(y));
  };
  Value row0 = add(mul(launch.getBlockIds().y, kTileM), g);
  Value row1 = add(row0, cst(8));
  Value blockCol = mul(launch.getBlockIds().x, kTileN * kWarps);
  Value warpCol = mul(warp, kTileN);
  Value colBase = add(blockCol, warpCol);
  Value colB = add(colBase, g);
  Value colC0 = add(colBase, mul(t, 2));
  Value colC1 = add(colC0, c1);

  Type f32 = b.getF32Type();
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  auto inBounds = [&](Value i, Value size) -> Value {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, i, size);
  };
  // memref[i, j], or 0 outside [0, sizeI) x [0, sizeJ).
  auto load = [&](Value memref, Value i, Value sizeI, Value j,
                  Value sizeJ) -> Value {
    Value okI = inBounds(i, sizeI);
    Value okJ = inBounds(j, sizeJ);
    Value ok = arith::AndIOp::create(b, loc, okI, okJ);
    Value ii = arith::SelectOp::create(b, loc, ok, i, c0);
    Value jj = arith::SelectOp::create(b, loc, ok, j, c0);
    Value v = memref::LoadOp::create(b, loc, memref, ValueRange{ii, jj});
    return arith::SelectOp::create(b, loc, ok, v, zero);
  };

  Value rows[2] = {row0, row1};
  Value cols[2] = {colC0, colC1};
  SmallVector<Value> init;
  for (Value row : rows)
    for (Value col : cols)
      init.push_back(load(c, row, sizeM, col, sizeN));
  auto accType = VectorType::get({2, 2}, f32);
  Value acc = vector::FromElementsOp::create(b, loc, accType, init);

  auto loop = scf::ForOp::create(b, loc, c0, sizeK, cst(kTileK), acc);
  b.setInsertionPointToStart(loop.getBody());
  Value k0 = loop.getInductionVar();
  Value ka = add(k0, t), kb = add(k0, add(t, cst(4)));
  SmallVector<Value> aFrag = {
      load(a, row0, sizeM, ka, sizeK), load(a, row1, sizeM, ka, sizeK),
      load(a, row0, sizeM, kb, sizeK), load(a, row1, sizeM, kb, sizeK)};
  SmallVector<Value> bFrag;
  for (Value k : {ka, kb})
    bFrag.push_back(transposedB ? load(w, colB, sizeN, k, sizeK)
                                : load(w, k, sizeK, colB, sizeN));
  Value aVec = vector::FromElementsOp::create(
      b, loc, VectorType::get({4, 1}, f32), aFrag);
  Value bVec = vector::FromElementsOp::create(
      b, loc, VectorType::get({2, 1}, f32), bFrag);
  auto mma = nvgpu::MmaSyncOp::create(
      b, loc, aVec, bVec, loop.getRegionIterArgs()[0],
      ArrayRef<int64_t>{kTileM, kTileN, kTileK}, /*tf32Enabled=*/true);
  scf::YieldOp::create(b, loc, mma.getResult());

  b.setInsertionPointAfter(loop);
  for (auto [i, row] : llvm::enumerate(rows))
    for (auto [j, col] : llvm::enumerate(cols)) {
      Value okRow = inBounds(row, sizeM);
      Value okCol = inBounds(col, sizeN);
      Value ok = arith::AndIOp::create(b, loc, okRow, okCol);
      auto store = scf::IfOp::create(b, loc, ok, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard ig(b);
      b.setInsertionPoint(store.thenBlock()->getTerminator());
      Value v = vector::ExtractOp::create(
          b, loc, loop.getResult(0), ArrayRef<int64_t>{int64_t(i), int64_t(j)});
      memref::StoreOp::create(b, loc, v, c, ValueRange{row, col});
    }
  gpu::TerminatorOp::create(b, loc);
  matmul.erase();
}

struct MmaMatmulPass : public moe::impl::MoEGPUMmaMatmulBase<MmaMatmulPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::MatmulOp, bool>> matmuls;
    getOperation().walk([&](linalg::MatmulOp matmul) {
      if (matmul->getParentOfType<gpu::LaunchOp>())
        return;
      if (std::optional<bool> transposedB = matchMatmul(matmul))
        matmuls.push_back({matmul, *transposedB});
    });
    for (auto [matmul, transposedB] : matmuls) {
      rewriteMatmul(matmul, transposedB);
      ++numRewritten;
    }
  }
};

} // namespace
