//===- Pipelines.cpp - moe pass pipelines ---------------------------------===//
//
// moe-cpu-pipeline: moe IR to the LLVM dialect for the host CPU. Each stage
// is a function so that the optimized paths replace one stage and keep the
// others (see Pipelines.h).
//
//===----------------------------------------------------------------------===//

#include "moe/Pipelines/Pipelines.h"

#include "moe/Codegen/Passes.h"
#include "moe/Conversion/Passes.h"
#include "moe/Dialect/MoE/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Support/CommandLine.h"

using namespace mlir;
using namespace mlir::moe;

void mlir::moe::addMoEToTensorStage(OpPassManager &pm) {
  pm.addPass(createMoEDecompose());
  pm.addPass(createConvertMoEToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

static llvm::cl::opt<MoECPUKernels> clDefaultKernels(
    "moe-cpu-kernels",
    llvm::cl::desc("Default kernels of moe-cpu-pipeline (its 'kernels' "
                   "option): fast or reference"),
    llvm::cl::init(MoECPUKernels::Fast),
    llvm::cl::values(clEnumValN(MoECPUKernels::Fast, "fast",
                                "tiled, vectorized, multi-threaded kernels"),
                     clEnumValN(MoECPUKernels::FastInt8, "fast-int8",
                                "fast, with int8 activations x integer "
                                "weights (VPDPBUSD)"),
                     clEnumValN(MoECPUKernels::FastBf16, "fast-bf16",
                                "fast, with bf16 activations x bf16 expert "
                                "weights (VDPBF16PS)"),
                     clEnumValN(MoECPUKernels::Reference, "reference",
                                "the reference lowering's scalar loops")));

MoECPUKernels mlir::moe::getDefaultMoECPUKernels() { return clDefaultKernels; }

void mlir::moe::addMoECPUKernelStage(OpPassManager &pm,
                                     const MoECPUPipelineOptions &options) {
  // With the reference kernels, the linalg ops of stage 1 run as they are:
  // one scalar loop nest each, on one thread.
  if (options.kernels == MoECPUKernels::Reference)
    return;
  // Matmuls first (router and experts), then the elementwise ops between
  // them (activation and gating product). num-threads 0 is passed on: the
  // OpenMP runtime then uses every core. Without that runtime the kernels
  // stay on one thread.
  unsigned numThreads = hasOpenMPRuntime() ? unsigned(options.numThreads) : 1;
  unsigned vectorWidth = options.vectorWidth ? unsigned(options.vectorWidth)
                                             : getHostVectorWidth();
  MoECPUMatmulKernelsOptions matmul;
  matmul.numThreads = numThreads;
  matmul.vectorWidth = vectorWidth;
  matmul.quantizeActivations = options.kernels == MoECPUKernels::FastInt8;
  matmul.vnni = options.vnni == MoECPUFeature::Host
                    ? hostHasVNNI(vectorWidth)
                    : options.vnni == MoECPUFeature::On;
  matmul.madd = options.madd == MoECPUFeature::Host
                    ? hostHasInt8Madd(vectorWidth)
                    : options.madd == MoECPUFeature::On;
  // Every CPU with AVX2 or AVX512BW converts f16 vectors (F16C): the
  // x86-64-v3 level and up. (Without it, LLVM would convert lane by lane.)
  matmul.f16c = matmul.madd;
  matmul.bf16Activations = options.kernels == MoECPUKernels::FastBf16;
  matmul.bf16Dot = options.bf16Dot == MoECPUFeature::Host
                       ? hostHasBf16Dot(vectorWidth)
                       : options.bf16Dot == MoECPUFeature::On;
  pm.addPass(createMoECPUMatmulKernels(matmul));
  MoECPUElementwiseKernelsOptions elementwise;
  elementwise.numThreads = numThreads;
  elementwise.vectorWidth = vectorWidth;
  pm.addPass(createMoECPUElementwiseKernels(elementwise));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::moe::addMoEBufferizationStage(OpPassManager &pm) {
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createCanonicalizerPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
}

void mlir::moe::addMoEHostMathStage(OpPassManager &pm) {
  pm.addPass(math::createMathExtendToSupportedTypes());
  arith::ArithEmulateUnsupportedFloatsOptions emulate;
  emulate.sourceTypeStrs = {"bf16", "f16"};
  pm.addPass(arith::createArithEmulateUnsupportedFloats(emulate));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
}

void mlir::moe::addMoECPULoweringStage(OpPassManager &pm) {
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());

  // Math and 16-bit floats: compute math functions and bf16/f16 arithmetic
  // in f32, use LLVM intrinsics where they exist and libm (erff, tanhf, ...)
  // for the rest, and expand bf16 conversions into integer operations so
  // that no soft-float runtime call is needed.
  addMoEHostMathStage(pm);

  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::moe::buildMoECPUPipeline(OpPassManager &pm,
                                    const MoECPUPipelineOptions &options) {
  addMoEToTensorStage(pm);
  addMoECPUKernelStage(pm, options);
  addMoEBufferizationStage(pm);
  addMoECPULoweringStage(pm);
}

void mlir::moe::registerMoEPipelines() {
  PassPipelineRegistration<MoECPUPipelineOptions>(
      "moe-cpu-pipeline",
      "Lower moe IR (moe.layer or the step ops) on tensors to the LLVM "
      "dialect for the host CPU: decompose, moe-to-linalg, bufferize, loops, "
      "LLVM",
      buildMoECPUPipeline);
  PassPipelineRegistration<MoEOptimizePipelineOptions>(
      "moe-optimize",
      "The default optimization of moe IR: raise dense MoE layers, "
      "decompose, plan every dispatch's layout, fuse the experts and the "
      "combine, canonicalize",
      buildMoEOptimizePipeline);
}
