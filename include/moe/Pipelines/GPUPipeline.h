//===- GPUPipeline.h - moe-gpu-pipeline -------------------------*- C++ -*-===//
//
// moe IR to the LLVM dialect for the host plus GPU binaries for NVIDIA GPUs
// (docs/GPU.md). Like moe-cpu-pipeline, the pipeline is a function over an
// OpPassManager with an Options struct, and each stage is its own function.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_PIPELINES_GPUPIPELINE_H
#define MOE_PIPELINES_GPUPIPELINE_H

#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir {
class DialectRegistry;
class OpPassManager;
namespace moe {

/// The CUDA toolkit the pipeline uses by default (libdevice, ptxas,
/// fatbinary): $CUDA_HOME, else $CUDA_PATH, else the toolkit found when moe
/// was configured, else /usr/local/cuda.
std::string getDefaultCUDAToolkitPath();

/// Options of `moe-gpu-pipeline`.
struct MoEGPUPipelineOptions
    : public PassPipelineOptions<MoEGPUPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("GPU architecture to compile for (sm_80, sm_90, ...)"),
      llvm::cl::init("sm_90")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features of the NVVM target (the PTX ISA "
                     "version)"),
      llvm::cl::init("+ptx80")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What gpu.binary holds: 'isa' (PTX text, compiled by "
                     "the driver at load time), 'bin' (cubin, by ptxas) or "
                     "'fatbin' (by ptxas and fatbinary); 'none' stops before "
                     "serialization and keeps the gpu.module in the NVVM "
                     "and LLVM dialects"),
      llvm::cl::init("fatbin")};
  PassOptions::Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit directory (libdevice for the math "
                     "functions, ptxas and fatbinary); default: $CUDA_HOME, "
                     "$CUDA_PATH, the configured toolkit, /usr/local/cuda"),
      llvm::cl::init("")};
  PassOptions::Option<bool> tensorCores{
      *this, "tensor-cores",
      llvm::cl::desc("Compute the f32 matmuls (router, expert GEMMs) on "
                     "tensor cores: nvgpu.mma.sync m16n8k8 with TF32 inputs "
                     "and f32 accumulation (moe-gpu-mma-matmul; sm_80 or "
                     "newer; about 1e-3 relative error)"),
      llvm::cl::init(false)};
  PassOptions::Option<unsigned> blockSize{
      *this, "block-size",
      llvm::cl::desc("Threads per block of the generated kernels"),
      llvm::cl::init(256)};
  PassOptions::Option<unsigned> optLevel{
      *this, "opt-level",
      llvm::cl::desc("Optimization level of the NVPTX back end and ptxas"),
      llvm::cl::init(2)};
};

/// moe IR (moe.layer or the step ops) on tensors to host code in the LLVM
/// dialect that launches kernels from embedded GPU binaries, in five stages:
///   1. addMoEToTensorStage (shared with moe-cpu-pipeline).
///   2. addMoEBufferizationStage (shared with moe-cpu-pipeline).
///   3. addMoEGPUMappingStage: each linalg op becomes a kernel launch (the
///      f32 matmuls tensor-core kernels with `tensor-cores`).
///   4. addMoEGPUDeviceStage: kernels to the NVVM and LLVM dialects.
///   5. addMoEGPUHostStage: launches chained asynchronously, the host's
///      buffers in managed memory, host code to the LLVM dialect with GPU
///      runtime calls (`mgpu*`, lib/Runtime/CUDA), kernels serialized to
///      `format`.
/// Public functions take and return buffers in memory the GPU can access
/// (managed memory); returned buffers are freed with `mgpuMemFree`.
void buildMoEGPUPipeline(OpPassManager &pm,
                         const MoEGPUPipelineOptions &options);

/// Stage 3: linalg ops on buffers to gpu.launch, kernels outlined into a
/// gpu.module.
void addMoEGPUMappingStage(OpPassManager &pm,
                           const MoEGPUPipelineOptions &options);

/// Stage 4: the gpu.module to the NVVM and LLVM dialects for `chip`.
void addMoEGPUDeviceStage(OpPassManager &pm,
                          const MoEGPUPipelineOptions &options);

/// Stage 5: gpu-async-region, moe-gpu-managed-buffers, the host program to
/// the LLVM dialect and the gpu.module to a gpu.binary of `format` (nothing
/// is serialized with format=none).
void addMoEGPUHostStage(OpPassManager &pm,
                        const MoEGPUPipelineOptions &options);

/// Registers `moe-gpu-pipeline` with the global pass registry.
void registerMoEGPUPipeline();

/// Adds what serializing a gpu.module for an NVVM target needs: the NVVM
/// target attribute implementation and the translations of the GPU, NVVM
/// and LLVM dialects to LLVM IR.
void registerMoEGPUDialects(DialectRegistry &registry);

} // namespace moe
} // namespace mlir

#endif // MOE_PIPELINES_GPUPIPELINE_H
