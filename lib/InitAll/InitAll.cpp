//===- InitAll.cpp - Register everything moe provides ---------------------===//

#include "moe/InitAll.h"

#include "moe/Dialect/MoE/IR/MoEOps.h"
#include "moe/Conversion/Passes.h"
#include "moe/Dialect/MoE/Transforms/Passes.h"
#include "moe/Pipelines/Pipelines.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/DialectRegistry.h"

void mlir::moe::registerAllDialects(DialectRegistry &registry) {
  registry.insert<moe::MoEDialect, linalg::LinalgDialect,
                  tensor::TensorDialect, arith::ArithDialect>();
}

void mlir::moe::registerAllPasses() {
  moe::registerMoEPasses();
  moe::registerMoEConversionPasses();
  moe::registerMoEPipelines();
}
