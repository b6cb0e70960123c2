//===- Executor.h - Compiling and calling the entry function ----*- C++ -*-===//
//
// Lowers a module with moe-cpu-pipeline, JIT-compiles it, and calls the
// entry function through its C interface (`_mlir_ciface_<name>`): every
// argument is passed as a pointer to a strided memref descriptor
// {allocated, aligned, offset, sizes[rank], strides[rank]}; the results come
// back in a struct of such descriptors whose first argument pointer the
// caller provides. Result buffers are allocated by the compiled code (malloc)
// and freed here after each call.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_EXECUTION_EXECUTOR_H
#define MOE_EXECUTION_EXECUTOR_H

#include "moe/Execution/ArgumentBinding.h"
#include "moe/Execution/HostTensor.h"
#include "moe/Execution/LayerCode.h"

#include "moe/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class TargetMachine;
} // namespace llvm

namespace mlir {
class ExecutionEngine;
namespace moe {
namespace execution {

/// Keeps the first error diagnostic emitted in a context, as one line.
class DiagnosticCapture {
public:
  DiagnosticCapture(MLIRContext *context, std::string fallbackWhere);

  /// A RunError from the first captured diagnostic, or `what` about the
  /// fallback file when nothing was captured.
  llvm::Error takeError(const llvm::Twine &what);

private:
  std::string fallbackWhere;
  std::optional<std::string> where;
  std::optional<std::string> message;
  ScopedDiagnosticHandler handler;
};

/// Calls `invoke` with the packed arguments of a C-interface wrapper (see
/// ExecutionEngine::invokePacked) of an entry function on
/// the row-major buffers `argData` (one per argument, of the shapes of
/// `args`). With `keepResults`, returns the results as dense arrays; the
/// first results are instead copied into `into` (one tensor per result, of
/// the result's element type), an error when a result's shape differs from
/// its tensor's. Every distinct result buffer that is not an argument is
/// passed to `release` once.
llvm::Expected<std::vector<HostTensor>>
callPacked(function_ref<void(void **)> invoke, ArrayRef<void *> argData,
           ArrayRef<HostTensor> args, ArrayRef<ResultInfo> results,
           bool keepResults, function_ref<void(void *)> release,
           MutableArrayRef<HostTensor> into = {});

/// Marks `entry` for the C interface (`_mlir_ciface_<name>`) with read-only
/// tensor arguments, so that the same inputs serve every call.
void prepareEntry(func::FuncOp entry);

/// Registers memrefCopy and `symbols` with `engine`, runs its initializers
/// and returns the packed C-interface wrapper of `entryName`.
llvm::Expected<void (*)(void **)>
startEngine(ExecutionEngine &engine,
            llvm::ArrayRef<std::pair<const char *, void *>> symbols,
            llvm::StringRef entryName, llvm::StringRef modulePath);

/// A JIT-compiled entry function.
class Executor : public LayerCode {
public:
  ~Executor() override;

  /// Lowers `module` with moe-cpu-pipeline (`numThreads`, 0 for all cores,
  /// and `kernels` are passed to it) and JIT-compiles it at -O3 for the host
  /// CPU. With `passManagerOptions`, the pass manager takes the MLIR
  /// command-line options a tool registered (--mlir-print-ir-after-all, ...).
  static llvm::Expected<std::unique_ptr<Executor>>
  compile(ModuleOp module, func::FuncOp entry,
          llvm::ArrayRef<ResultInfo> results, unsigned numThreads,
          MoECPUKernels kernels, llvm::StringRef modulePath,
          bool passManagerOptions = true);

  /// Calls the entry function on `args`. With `keepResults`, returns the
  /// results as dense arrays; otherwise returns nothing. Either way the
  /// result buffers are freed.
  llvm::Expected<std::vector<HostTensor>> call(std::vector<HostTensor> &args,
                                               bool keepResults);

  /// Calls the entry function on `args` and copies its first results into
  /// `outputs` (tensors of the results' element types, e.g. borrowed caller
  /// buffers); an error when a result's shape differs from its tensor's.
  llvm::Error callInto(std::vector<HostTensor> &args,
                       MutableArrayRef<HostTensor> outputs) override;

private:
  Executor() = default;

  std::unique_ptr<llvm::TargetMachine> targetMachine;
  std::unique_ptr<ExecutionEngine> engine;
  void (*function)(void **) = nullptr;
  llvm::SmallVector<ResultInfo> results;
};

} // namespace execution
} // namespace moe
} // namespace mlir

#endif // MOE_EXECUTION_EXECUTOR_H
