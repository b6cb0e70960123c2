//===- InitAll.cpp - Register everything moe provides ---------------------===//

#include "moe/InitAll.h"

#include "moe/Codegen/Passes.h"
#include "moe/Conversion/Passes.h"
#include "moe/Dialect/MoE/IR/MoEOps.h"
#include "moe/Dialect/MoE/Transforms/Passes.h"
#include "moe/Pipelines/GPUPipeline.h"
#include "moe/Pipelines/Pipelines.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"

void mlir::moe::registerAllDialects(DialectRegistry &registry) {
  registry.insert<moe::MoEDialect, linalg::LinalgDialect, tensor::TensorDialect,
                  arith::ArithDialect>();
  // The multi-threaded CPU kernels (moe-cpu-pipeline) leave omp.parallel
  // regions in the LLVM dialect; translating them to LLVM IR needs this.
  registerOpenMPDialectTranslation(registry);
  registerMoEGPUDialects(registry);
}

void mlir::moe::registerAllPasses() {
  moe::registerMoEPasses();
  moe::registerMoEConversionPasses();
  moe::registerMoECodegenPasses();
  moe::registerMoEPipelines();
  moe::registerMoEGPUPipeline();
}
