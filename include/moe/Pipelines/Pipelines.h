//===- Pipelines.h - moe pass pipelines -------------------------*- C++ -*-===//
//
// Pipelines are plain functions over an OpPassManager, each with an Options
// struct, registered by name so that `moe-opt --moe-cpu-pipeline` and
// `--pass-pipeline='builtin.module(moe-cpu-pipeline)'` run exactly what
// `moe-run` runs.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_PIPELINES_PIPELINES_H
#define MOE_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace moe {

//===----------------------------------------------------------------------===//
// moe-cpu-pipeline
//===----------------------------------------------------------------------===//

/// Which code the kernel stage generates.
enum class MoECPUKernels {
  /// Tiled, vectorized, multi-threaded kernels (moe-cpu-matmul-kernels,
  /// moe-cpu-elementwise-kernels).
  Fast,
  /// Nothing: every linalg op of the reference lowering becomes one scalar
  /// loop nest on one thread. The oracle the fast kernels are checked
  /// against.
  Reference,
};

/// The default of the `kernels` option: the value of the command-line flag
/// `--moe-cpu-kernels=fast|reference` where the tool parsed one (so that
/// drivers that build the pipeline themselves, such as moe-run, can select
/// the reference kernels), else `fast`.
MoECPUKernels getDefaultMoECPUKernels();

/// Options of `moe-cpu-pipeline`.
struct MoECPUPipelineOptions
    : public PassPipelineOptions<MoECPUPipelineOptions> {
  PassOptions::Option<unsigned> numThreads{
      *this, "num-threads",
      llvm::cl::desc("Threads the generated kernels use (OpenMP); 0: all "
                     "cores. The reference kernels are single-threaded and "
                     "ignore it"),
      llvm::cl::init(1)};
  PassOptions::Option<MoECPUKernels> kernels{
      *this, "kernels",
      llvm::cl::desc("Kernels of stage 2: 'fast' (tiled, vectorized, "
                     "threaded) or 'reference' (none: scalar loops)"),
      llvm::cl::init(getDefaultMoECPUKernels()),
      llvm::cl::values(clEnumValN(MoECPUKernels::Fast, "fast",
                                  "tiled, vectorized, multi-threaded kernels"),
                       clEnumValN(MoECPUKernels::Reference, "reference",
                                  "the reference lowering's scalar loops"))};
};

/// moe IR (moe.layer or the step ops) on tensors to the LLVM dialect for the
/// host CPU, in four stages:
///   1. addMoEToTensorStage: moe-decompose, moe-to-linalg, cleanup.
///   2. addMoECPUKernelStage: the CPU kernels (tiled, vectorized and
///      multi-threaded matmuls and elementwise ops). Empty with
///      `kernels=reference`.
///   3. addMoEBufferizationStage: one-shot bufferization across function
///      boundaries (identity layouts) and ownership-based deallocation.
///   4. addMoECPULoweringStage: linalg to loops, scf/cf, math, memref,
///      everything to LLVM.
/// Public functions return freshly allocated (malloc) buffers that the
/// caller owns.
void buildMoECPUPipeline(OpPassManager &pm,
                         const MoECPUPipelineOptions &options);

/// Stage 1: moe ops to linalg/tensor/scf/arith/math on tensors.
void addMoEToTensorStage(OpPassManager &pm);

/// Stage 2: CPU kernels, between moe-to-linalg and bufferization. Each
/// rewritten op becomes a buffer island inside the tensor program (see
/// include/moe/Codegen/Passes.td), so stage 3 bufferizes the rest as
/// before. Adds nothing with `kernels=reference`.
void addMoECPUKernelStage(OpPassManager &pm,
                          const MoECPUPipelineOptions &options);

/// Stage 3: tensors to buffers, with deallocation.
void addMoEBufferizationStage(OpPassManager &pm);

/// Stage 4: buffers and loops to the LLVM dialect.
void addMoECPULoweringStage(OpPassManager &pm);

/// Registers every moe pipeline with the global pass registry.
void registerMoEPipelines();

} // namespace moe
} // namespace mlir

#endif // MOE_PIPELINES_PIPELINES_H
