//===- GPUPipeline.cpp - moe-gpu-pipeline ---------------------------------===//
//
// moe IR to host code that launches kernels on NVIDIA GPUs (docs/GPU.md).
// Stages 1 and 2 are those of moe-cpu-pipeline; stages 3 to 5 use the
// upstream GPU passes (parallel loops to gpu.launch, kernel outlining,
// NVVM lowering, gpu-to-llvm, gpu-module-to-binary) with two moe passes of
// lib/Codegen/GPU in between.
//
//===----------------------------------------------------------------------===//

#include "moe/Pipelines/GPUPipeline.h"

#include "moe/Codegen/Passes.h"
#include "moe/Pipelines/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

using namespace mlir;
using namespace mlir::moe;

std::string mlir::moe::getDefaultCUDAToolkitPath() {
  for (const char *var : {"CUDA_HOME", "CUDA_PATH"})
    if (std::optional<std::string> dir = llvm::sys::Process::GetEnv(var))
      if (!dir->empty())
        return *dir;
#ifdef MOE_CUDA_TOOLKIT_DIR
  return MOE_CUDA_TOOLKIT_DIR;
#else
  return "/usr/local/cuda";
#endif
}

/// The toolkit directory `options` name, or the default one.
static std::string getToolkitPath(const MoEGPUPipelineOptions &options) {
  return StringRef(options.toolkit).empty() ? getDefaultCUDAToolkitPath()
                                            : std::string(options.toolkit);
}

/// The options' error, if any, as one sentence.
static std::optional<std::string>
checkOptions(const MoEGPUPipelineOptions &options) {
  StringRef format = options.format;
  if (!llvm::is_contained({"isa", "bin", "fatbin", "none"}, format))
    return llvm::formatv("format must be isa, bin, fatbin or none, got '{0}'",
                         format)
        .str();
  StringRef chip = options.chip;
  if (!chip.starts_with("sm_") || chip.size() < 5 ||
      !llvm::all_of(chip.drop_front(3).drop_back(chip.ends_with("a") ? 1 : 0),
                    llvm::isDigit))
    return llvm::formatv("chip must name an NVIDIA architecture such as "
                         "sm_80 or sm_90, got '{0}'",
                         chip)
        .str();
  unsigned arch = 0;
  chip.drop_front(3).take_while(llvm::isDigit).getAsInteger(10, arch);
  if (options.tensorCores && arch < 80)
    return llvm::formatv("tensor-cores needs sm_80 or newer (mma.sync with "
                         "TF32), got '{0}'",
                         chip)
        .str();
  unsigned blockSize = options.blockSize;
  if (blockSize == 0 || blockSize > 1024 || !llvm::isPowerOf2_32(blockSize))
    return llvm::formatv("block-size must be a power of two between 1 and "
                         "1024, got {0}",
                         blockSize)
        .str();
  // Without libdevice the serializer leaves the math functions (__nv_expf)
  // undefined and reports it without failing: refuse up front.
  if (format != "none") {
    std::string toolkit = getToolkitPath(options);
    SmallVector<std::pair<StringRef, StringRef>> needed = {
        {"nvvm/libdevice/libdevice.10.bc", "libdevice"}};
    if (format != "isa")
      needed.push_back({"bin/ptxas", "ptxas"});
    if (format == "fatbin")
      needed.push_back({"bin/fatbinary", "fatbinary"});
    for (auto [file, what] : needed) {
      SmallString<128> path(toolkit);
      llvm::sys::path::append(path, file);
      if (!llvm::sys::fs::exists(path))
        return llvm::formatv("format={0} needs {1} of the CUDA toolkit, not "
                             "found at '{2}' (set the toolkit option or "
                             "CUDA_HOME)",
                             format, what, path)
            .str();
    }
  }
  if (options.optLevel > 3)
    return llvm::formatv("opt-level must be between 0 and 3, got {0}",
                         unsigned(options.optLevel))
        .str();
  return std::nullopt;
}

void mlir::moe::addMoEGPUMappingStage(OpPassManager &pm,
                                      const MoEGPUPipelineOptions &options) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  if (options.tensorCores)
    func.addPass(createMoEGPUMmaMatmul());
  // One scf.parallel per linalg op: its parallel dimensions; reductions
  // stay scf.for loops inside (one thread reduces).
  func.addPass(createConvertLinalgToParallelLoopsPass());
  func.addPass(createCanonicalizerPass());
  MoEGPUMapParallelLoopsOptions map;
  map.blockSize = options.blockSize;
  func.addPass(createMoEGPUMapParallelLoops(map));
  func.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::moe::addMoEGPUDeviceStage(OpPassManager &pm,
                                     const MoEGPUPipelineOptions &options) {
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());

  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));

  OpPassManager &gpu = pm.nest<gpu::GPUModuleOp>();
  gpu.addPass(createStripDebugInfoPass());
  // Math functions exist in libdevice for f32 and f64 only: compute the
  // 16-bit ones in f32.
  gpu.addPass(math::createMathExtendToSupportedTypes());
  gpu.addPass(createConvertNVGPUToNVVMPass());
  gpu.addPass(createConvertGpuOpsToNVVMOps());
  gpu.addPass(createCanonicalizerPass());
  gpu.addPass(createCSEPass());
  gpu.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::moe::addMoEGPUHostStage(OpPassManager &pm,
                                   const MoEGPUPipelineOptions &options) {
  // The host's scalar code (routing loops) as in moe-cpu-pipeline: 16-bit
  // floats and math functions computed in f32, libm for what LLVM lacks.
  addMoEHostMathStage(pm);

  // Launches become asynchronous, chained by tokens, with a host wait
  // before the host touches memory again. Then the host's buffers move to
  // managed memory: their gpu.alloc/gpu.dealloc stay synchronous calls
  // (gpu-to-llvm cannot make a host-shared allocation asynchronous).
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  pm.addNestedPass<func::FuncOp>(createMoEGPUManagedBuffers());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  if (StringRef(options.format) == "none")
    return;
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = getToolkitPath(options);
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void mlir::moe::buildMoEGPUPipeline(OpPassManager &pm,
                                    const MoEGPUPipelineOptions &options) {
  addMoEToTensorStage(pm);
  addMoEBufferizationStage(pm);
  addMoEGPUMappingStage(pm, options);
  addMoEGPUDeviceStage(pm, options);
  addMoEGPUHostStage(pm, options);
}

void mlir::moe::registerMoEGPUPipeline() {
  registerPassPipeline(
      "moe-gpu-pipeline",
      "Lower moe IR (moe.layer or the step ops) on tensors to host code in "
      "the LLVM dialect that launches kernels on NVIDIA GPUs: decompose, "
      "moe-to-linalg, bufferize, one kernel per linalg op, NVVM, PTX/cubin",
      [](OpPassManager &pm, StringRef optionsStr,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        MoEGPUPipelineOptions options;
        if (failed(options.parseFromString(optionsStr)))
          return failure();
        if (std::optional<std::string> error = checkOptions(options))
          return errorHandler("moe-gpu-pipeline: " + *error);
        buildMoEGPUPipeline(pm, options);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(MoEGPUPipelineOptions());
      });
}

void mlir::moe::registerMoEGPUDialects(DialectRegistry &registry) {
  registry.insert<gpu::GPUDialect>();
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerGPUDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
}
