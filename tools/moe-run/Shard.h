//===- Shard.h - moe-run --shard: a sharded run under MPI -------*- C++ -*-===//
//
// With --shard ep=A,tp=B, every rank of an MPI job (mpiexec -n A·B moe-run
// ...) shards the module with moe-shard, lowers moe.all_to_all with
// moe-to-mpi, binds only its own slice of the arguments (its tokens, its
// experts' weights; a checkpoint is read only for those), runs, and rank 0
// gathers the results and writes them. docs/Sharding.md is the reference.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_RUN_SHARD_H
#define MOE_TOOLS_MOE_RUN_SHARD_H

#include "moe/Execution/ArgumentBinding.h"
#include "moe/Execution/Executor.h"

#include "mlir/IR/BuiltinOps.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mlir {
namespace moe {
namespace execution {

struct ShardRunOptions {
  /// The --shard value: "ep=A,tp=B", "ep=A", "tp=B" or "auto".
  std::string spec;
  BindingOptions binding;
  std::vector<std::string> outputFiles;
  /// Lowers and JIT-compiles the sharded module as moe-run does.
  std::function<llvm::Expected<std::unique_ptr<Executor>>(
      ModuleOp, func::FuncOp, llvm::ArrayRef<ResultInfo>)>
      compile;
};

/// Runs `entry` of `module` sharded. Never returns on a failure: the error
/// is printed as one line naming the rank and the job is aborted, so that
/// no other rank waits forever. Returns 0, or 1 when moe-run was built
/// without MPI.
int runSharded(ModuleOp module, func::FuncOp entry,
               const ShardRunOptions &options);

} // namespace execution
} // namespace moe
} // namespace mlir

#endif // MOE_TOOLS_MOE_RUN_SHARD_H
