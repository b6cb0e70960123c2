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

/// Options of `moe-cpu-pipeline`.
struct MoECPUPipelineOptions
    : public PassPipelineOptions<MoECPUPipelineOptions> {
  PassOptions::Option<unsigned> numThreads{
      *this, "num-threads",
      llvm::cl::desc("Threads the generated code may use. Recorded for the "
                     "kernel stage; the reference lowering is "
                     "single-threaded and ignores it"),
      llvm::cl::init(1)};
};

/// moe IR (moe.layer or the step ops) on tensors to the LLVM dialect for the
/// host CPU, in four stages:
///   1. addMoEToTensorStage: moe-decompose, moe-to-linalg, cleanup.
///   2. addMoECPUKernelStage: tensor-level kernel optimization (the slot of
///      the fast path: packing, tiling and vectorization of the grouped
///      GEMMs, threading). Empty in the reference pipeline.
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

/// Stage 2: CPU kernel optimization on tensors, between moe-to-linalg and
/// bufferization. The reference pipeline adds nothing here.
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
