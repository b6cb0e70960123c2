//===- CudaTarget.h - Running the entry function on a CUDA GPU --*- C++ -*-===//
//
// moe-run --target=cuda: lowers a module with moe-gpu-pipeline (kernels as
// cubins for the device found at run time), JIT-compiles the host code and
// calls it with the arguments copied into managed memory. The GPU runtime
// calls resolve to libMoECudaRuntime (lib/Runtime/CUDA), which moe-run
// loads at run time: moe-run itself links neither it nor the CUDA driver,
// and without them it reports one error (docs/GPU.md).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_EXECUTION_CUDATARGET_H
#define MOE_EXECUTION_CUDATARGET_H

#include "moe/Execution/ArgumentBinding.h"
#include "moe/Execution/HostTensor.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <vector>

namespace mlir {
class ExecutionEngine;
namespace func {
class FuncOp;
} // namespace func
namespace moe {
namespace execution {

/// A JIT-compiled entry function whose kernels run on the default CUDA
/// device.
class CudaExecutor {
public:
  ~CudaExecutor();

  /// Loads the CUDA runtime library, checks that a device is usable, lowers
  /// `module` with moe-gpu-pipeline for that device's architecture and
  /// JIT-compiles the host code; `tensorCores` puts the f32 matmuls on
  /// tensor cores.
  static llvm::Expected<std::unique_ptr<CudaExecutor>>
  compile(ModuleOp module, func::FuncOp entry,
          llvm::ArrayRef<ResultInfo> results, bool tensorCores,
          llvm::StringRef modulePath);

  /// Calls the entry function on `args` (copied to managed memory on the
  /// first call). With `keepResults`, returns the results; either way the
  /// result buffers are freed.
  llvm::Expected<std::vector<HostTensor>> call(std::vector<HostTensor> &args,
                                               bool keepResults);

  /// The loaded runtime library (CudaTarget.cpp).
  struct Runtime;

private:
  CudaExecutor() = default;

  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<ExecutionEngine> engine;
  void (*function)(void **) = nullptr;
  llvm::SmallVector<ResultInfo> results;
  /// The arguments in managed memory, one buffer per argument.
  llvm::SmallVector<void *> deviceArgs;
};

} // namespace execution
} // namespace moe
} // namespace mlir

#endif // MOE_EXECUTION_CUDATARGET_H
