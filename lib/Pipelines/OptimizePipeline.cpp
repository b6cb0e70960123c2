//===- OptimizePipeline.cpp - the moe-optimize pipeline -------------------===//
//
// moe-optimize: the default optimization of moe IR. Dense MoE layers are
// raised to moe.layer, layers are decomposed into the step ops, every
// moe.dispatch gets a planned layout, and the expert FFNs and the combine are
// fused into grouped GEMMs with epilogues. By default the result computes
// exactly what the input computes (up to the rounding docs/ExpertFusion.md
// describes): the plan changes layouts but not drops, and weights that are
// function arguments are not repacked on every call.
//
//===----------------------------------------------------------------------===//

#include "moe/Pipelines/Pipelines.h"

#include "moe/Dialect/MoE/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::moe;

void mlir::moe::buildMoEOptimizePipeline(
    OpPassManager &pm, const MoEOptimizePipelineOptions &options) {
  if (options.raise) {
    MoERaiseOptions raise;
    raise.remarks = options.remarks;
    pm.addPass(createMoERaise(raise));
  }
  pm.addPass(createMoEDecompose());
  if (options.plan) {
    MoECapacityPlanOptions plan;
    plan.capacityFactor = options.capacityFactor;
    plan.tokenCount = options.tokens;
    plan.blockRows = options.block;
    plan.profilePath = options.profile;
    plan.modeName = options.mode;
    plan.reportPath = options.report;
    plan.maxDropRate = options.maxDropRate;
    plan.flopsPerByte = options.flopsPerByte;
    plan.preserveDrops = !options.allowDrops;
    plan.skipDynamic = true;
    pm.addPass(createMoECapacityPlan(plan));
  }
  if (options.fuse) {
    MoEExpertFusionOptions fusion;
    fusion.foldSharedExpert = options.foldSharedExpert;
    fusion.fuseCombine = options.fuseCombine;
    fusion.packArgumentWeights = options.packArgumentWeights;
    fusion.remarks = options.remarks;
    pm.addPass(createMoEExpertFusion(fusion));
  }
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
