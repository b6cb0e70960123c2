//===- MapParallelLoops.cpp - Map scf.parallel loops to the GPU grid ------===//
//
// The moe-gpu-map-parallel-loops pass (Passes.td has the full description):
// tiles every outermost scf.parallel into blocks of threads with constant
// block sizes and attaches the mapping attributes that
// convert-parallel-loops-to-gpu reads.
//
//===----------------------------------------------------------------------===//

#include "moe/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include "llvm/Support/MathExtras.h"

namespace mlir {
namespace moe {
#define GEN_PASS_DEF_MOEGPUMAPPARALLELLOOPS
#include "moe/Codegen/Passes.h.inc"
} // namespace moe
} // namespace mlir

using namespace mlir;

namespace {

/// Constant trip count of dimension `dim` of `loop`, if it has one.
std::optional<int64_t> getConstantTripCount(scf::ParallelOp loop,
                                            unsigned dim) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()[dim]);
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound()[dim]);
  std::optional<int64_t> step = getConstantIntValue(loop.getStep()[dim]);
  if (!lb || !ub || !step || *step <= 0)
    return std::nullopt;
  return llvm::divideCeil(std::max<int64_t>(*ub - *lb, 0), *step);
}

/// Threads of a block along each dimension of `loop`: the innermost
/// dimension takes as many as it has iterations (a power of two, at most
/// `blockSize`), the one before it what remains, the others one.
SmallVector<int64_t> chooseTileSizes(scf::ParallelOp loop, unsigned blockSize) {
  unsigned rank = loop.getNumLoops();
  SmallVector<int64_t> sizes(rank, 1);
  int64_t budget = blockSize;
  for (unsigned i = 0; i < std::min(rank, 2u) && budget > 1; ++i) {
    unsigned dim = rank - 1 - i;
    int64_t size = budget;
    if (std::optional<int64_t> trip = getConstantTripCount(loop, dim))
      size = std::min<int64_t>(budget,
                               llvm::PowerOf2Ceil(std::max<int64_t>(*trip, 1)));
    sizes[dim] = size;
    budget /= size;
  }
  return sizes;
}

/// Maps the dimensions of `loop`, innermost first, to the processors
/// `first`, `first + 1`, `first + 2` (x, y, z); the others run sequentially.
LogicalResult mapInnermostFirst(scf::ParallelOp loop, gpu::Processor first) {
  Builder b(loop.getContext());
  unsigned rank = loop.getNumLoops();
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping;
  for (unsigned dim = 0; dim < rank; ++dim) {
    unsigned fromInnermost = rank - 1 - dim;
    gpu::Processor processor =
        fromInnermost < 3 ? static_cast<gpu::Processor>(
                                static_cast<uint64_t>(first) + fromInnermost)
                          : gpu::Processor::Sequential;
    mapping.push_back(gpu::ParallelLoopDimMappingAttr::get(
        b.getContext(), processor, b.getDimIdentityMap(),
        b.getDimIdentityMap()));
  }
  return gpu::setMappingAttr(loop, mapping);
}

/// Wraps `loop` in `scf.if` when some dimension may have no iteration: a
/// launch with an empty grid is an error for the driver (an expert without
/// rows gives one).
void guardEmptyLoop(scf::ParallelOp loop) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Value nonEmpty;
  for (unsigned dim = 0, e = loop.getNumLoops(); dim < e; ++dim) {
    if (std::optional<int64_t> trip = getConstantTripCount(loop, dim))
      if (*trip > 0)
        continue;
    Value has = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                      loop.getLowerBound()[dim],
                                      loop.getUpperBound()[dim]);
    nonEmpty = nonEmpty ? arith::AndIOp::create(b, loc, nonEmpty, has) : has;
  }
  if (!nonEmpty)
    return;
  auto guard = scf::IfOp::create(b, loc, nonEmpty, /*withElseRegion=*/false);
  loop->moveBefore(guard.thenBlock()->getTerminator());
}

struct MapParallelLoopsPass
    : public moe::impl::MoEGPUMapParallelLoopsBase<MapParallelLoopsPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *context) override {
    if (blockSize == 0 || blockSize > 1024 || !llvm::isPowerOf2_32(blockSize))
      return emitError(UnknownLoc::get(context))
             << "moe-gpu-map-parallel-loops: block-size must be a power of "
                "two between 1 and 1024, got "
             << unsigned(blockSize);
    return success();
  }

  void runOnOperation() override {
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (loop->getParentOfType<scf::ParallelOp>() ||
          loop->getParentOfType<gpu::LaunchOp>())
        return;
      // Loops with reductions stay on the host (scf-to-cf lowers them).
      if (loop.getNumResults() != 0)
        return;
      outermost.push_back(loop);
    });
    for (scf::ParallelOp loop : outermost) {
      guardEmptyLoop(loop);
      SmallVector<int64_t> sizes = chooseTileSizes(loop, blockSize);
      auto [outer, inner] =
          scf::tileParallelLoop(loop, sizes, /*noMinMaxBounds=*/true);
      if (failed(mapInnermostFirst(outer, gpu::Processor::BlockX)) ||
          failed(mapInnermostFirst(inner, gpu::Processor::ThreadX)))
        return signalPassFailure();
      ++numMapped;
    }
  }
};

} // namespace
