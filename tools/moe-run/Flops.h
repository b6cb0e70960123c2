//===- Flops.h - Useful floating-point operations of a module ---*- C++ -*-===//
//
// The FLOP count behind moe-run's `gflops=`: the arithmetic a moe.layer
// needs by definition, independent of how it is lowered (docs/Tools.md).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_RUN_FLOPS_H
#define MOE_TOOLS_MOE_RUN_FLOPS_H

#include "moe/Execution/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir {
namespace moe {
namespace execution {

/// Useful FLOPs of every moe.layer in `module`, with sizes that the IR
/// leaves dynamic taken from `args`, the values bound to `entry`'s
/// arguments. 0 when the module has no moe.layer.
double countUsefulFlops(ModuleOp module, func::FuncOp entry,
                        llvm::ArrayRef<HostTensor> args);

} // namespace execution
} // namespace moe
} // namespace mlir

#endif // MOE_TOOLS_MOE_RUN_FLOPS_H
