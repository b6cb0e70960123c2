//===- ManagedBuffers.cpp - Host buffers the GPU can access ---------------===//
//
// The moe-gpu-managed-buffers pass (Passes.td has the full description):
// the host program's allocations become managed allocations
// (gpu.alloc host_shared), so that kernels and the host loops between them
// use the same addresses.
//
//===----------------------------------------------------------------------===//

#include "moe/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace moe {
#define GEN_PASS_DEF_MOEGPUMANAGEDBUFFERS
#include "moe/Codegen/Passes.h.inc"
} // namespace moe
} // namespace mlir

using namespace mlir;

namespace {

/// `gpu.alloc host_shared` with the sizes of `type`'s dynamic dimensions.
Value createManagedAlloc(OpBuilder &b, Location loc, MemRefType type,
                         ValueRange dynamicSizes) {
  auto alloc = gpu::AllocOp::create(
      b, loc, type, /*asyncToken=*/Type(), /*asyncDependencies=*/ValueRange(),
      dynamicSizes, /*symbolOperands=*/ValueRange(), /*hostShared=*/true);
  return alloc.getMemref();
}

struct ManagedBuffersPass
    : public moe::impl::MoEGPUManagedBuffersBase<ManagedBuffersPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<Operation *> worklist;
    getOperation().walk([&](Operation *op) {
      if (!isa<memref::AllocOp, memref::DeallocOp, memref::GetGlobalOp>(op))
        return;
      if (op->getParentOfType<gpu::LaunchOp>())
        return;
      worklist.push_back(op);
    });

    IRRewriter rewriter(&getContext());
    for (Operation *op : worklist) {
      rewriter.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        // gpu.alloc takes no symbol operands (layouts with symbols).
        if (!alloc.getSymbolOperands().empty() ||
            !alloc.getType().getLayout().isIdentity())
          continue;
        Value managed = createManagedAlloc(rewriter, loc, alloc.getType(),
                                           alloc.getDynamicSizes());
        rewriter.replaceOp(alloc, managed);
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        auto type = dyn_cast<MemRefType>(dealloc.getMemref().getType());
        if (!type)
          continue;
        // gpu-to-llvm lowers only the asynchronous form: free on a stream
        // of its own and wait for it.
        Type tokenType = gpu::AsyncTokenType::get(&getContext());
        auto stream =
            gpu::WaitOp::create(rewriter, loc, tokenType, ValueRange());
        auto free =
            gpu::DeallocOp::create(rewriter, loc, tokenType,
                                   stream.getAsyncToken(), dealloc.getMemref());
        gpu::WaitOp::create(rewriter, loc, Type(), free.getAsyncToken());
        rewriter.eraseOp(dealloc);
      } else {
        // A constant in host memory: copy it into managed memory once per
        // use. The copy is never freed (globals are small: constant tables
        // and weights folded into the module).
        auto global = cast<memref::GetGlobalOp>(op);
        MemRefType type = global.getType();
        if (!type.hasStaticShape() || !type.getLayout().isIdentity())
          continue;
        Value managed = createManagedAlloc(rewriter, loc, type, ValueRange());
        rewriter.setInsertionPointAfter(global);
        auto copy =
            memref::CopyOp::create(rewriter, loc, global.getResult(), managed);
        rewriter.replaceAllUsesExcept(global.getResult(), managed, copy);
      }
      ++numRewritten;
    }
  }
};

} // namespace
