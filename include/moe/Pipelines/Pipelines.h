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
  /// The fast kernels, and matmuls on int8/int4 weights quantize their
  /// activations to int8 and multiply with VPDPBUSD where the target has it
  /// (moe-cpu-matmul-kernels' quantize-activations): faster, and different
  /// from `fast` by the activations' rounding.
  FastInt8,
  /// The fast kernels, and the packed panels of expert matmuls on bf16
  /// weights round their activations to bf16 and multiply pairs with
  /// VDPBF16PS where the target has it (moe-cpu-matmul-kernels'
  /// bf16-activations): faster prefill, and different from `fast` by the
  /// activations' rounding.
  FastBf16,
};

/// Whether the target has an instruction set extension: the host's, or
/// as stated.
enum class MoECPUFeature { Host, On, Off };

/// The default of the `kernels` option: the value of the command-line flag
/// `--moe-cpu-kernels=fast|reference` where the tool parsed one (so that
/// drivers that build the pipeline themselves, such as moe-run, can select
/// the reference kernels), else `fast`.
MoECPUKernels getDefaultMoECPUKernels();

/// Options of `moe-cpu-pipeline`.
/// The values of a MoECPUFeature option: host, on, off.
inline llvm::cl::ValuesClass moeCPUFeatureValues() {
  return llvm::cl::values(
      clEnumValN(MoECPUFeature::Host, "host", "as the host CPU"),
      clEnumValN(MoECPUFeature::On, "on", "yes"),
      clEnumValN(MoECPUFeature::Off, "off", "no"));
}

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
                     "threaded), 'fast-int8' (fast, with int8 activations "
                     "for integer weights on VNNI or AVX2 targets), "
                     "'fast-bf16' (fast, with bf16 activations for bf16 "
                     "expert weights on AVX512_BF16 targets) or 'reference' "
                     "(none: scalar loops)"),
      llvm::cl::init(getDefaultMoECPUKernels()),
      llvm::cl::values(
          clEnumValN(MoECPUKernels::Fast, "fast",
                     "tiled, vectorized, multi-threaded kernels"),
          clEnumValN(MoECPUKernels::FastInt8, "fast-int8",
                     "fast, with int8 activations x integer weights "
                     "(VPDPBUSD)"),
          clEnumValN(MoECPUKernels::FastBf16, "fast-bf16",
                     "fast, with bf16 activations x bf16 expert weights "
                     "(VDPBF16PS)"),
          clEnumValN(MoECPUKernels::Reference, "reference",
                     "the reference lowering's scalar loops"))};
  PassOptions::Option<unsigned> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("f32 lanes per vector of the fast kernels (8 for AVX2, "
                     "16 for AVX-512); 0: the host CPU's"),
      llvm::cl::init(0)};
  PassOptions::Option<MoECPUFeature> vnni{
      *this, "vnni",
      llvm::cl::desc("Whether the target has VPDPBUSD for vector-width "
                     "lanes (AVX512_VNNI for 16, AVX_VNNI for 8), used by "
                     "kernels=fast-int8: 'host' (the host CPU's), 'on', "
                     "'off'"),
      llvm::cl::init(MoECPUFeature::Host), moeCPUFeatureValues()};
  PassOptions::Option<MoECPUFeature> madd{
      *this, "madd",
      llvm::cl::desc("Whether the target has VPMADDUBSW for vector-width "
                     "lanes (AVX512BW for 16, AVX2 for 8), used by "
                     "kernels=fast-int8 where VPDPBUSD is missing, and "
                     "F16C with it, used by the fast kernels' fp8 decode: "
                     "'host', 'on', 'off'"),
      llvm::cl::init(MoECPUFeature::Host), moeCPUFeatureValues()};
  PassOptions::Option<MoECPUFeature> bf16Dot{
      *this, "bf16-dot",
      llvm::cl::desc("Whether the target has VDPBF16PS for vector-width "
                     "lanes (AVX512_BF16 for 16, with AVX512VL for 8), used "
                     "by kernels=fast-bf16: 'host', 'on', 'off'"),
      llvm::cl::init(MoECPUFeature::Host), moeCPUFeatureValues()};
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
/// Math functions and 16-bit float arithmetic of host code: math computed
/// in f32 where the type is narrower, LLVM intrinsics where they exist and
/// libm for the rest, bf16/f16 conversions expanded into integer operations
/// (no soft-float runtime call).
void addMoEHostMathStage(OpPassManager &pm);

void addMoECPULoweringStage(OpPassManager &pm);

/// Registers every moe pipeline with the global pass registry.
/// Options of moe-optimize: which stages run and the options of the passes
/// they run (docs/Passes/Transforms.md has each pass's own description).
struct MoEOptimizePipelineOptions
    : public PassPipelineOptions<MoEOptimizePipelineOptions> {
  PassOptions::Option<bool> raise{
      *this, "raise",
      llvm::cl::desc("Raise dense MoE layers in linalg to moe.layer first"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> remarks{
      *this, "remarks",
      llvm::cl::desc("Remarks of moe-raise (why each candidate was or was "
                     "not raised) and moe-expert-fusion (what was fused, "
                     "why not); the capacity plan always reports"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> plan{
      *this, "plan",
      llvm::cl::desc("Plan the layout of every moe.dispatch "
                     "(moe-capacity-plan)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> allowDrops{
      *this, "allow-drops",
      llvm::cl::desc("Let the plan change which assignments are dropped "
                     "(padded at capacity-factor, or dropless instead of a "
                     "capacity); off: only the layout changes and the results "
                     "stay those of the input"),
      llvm::cl::init(false)};
  PassOptions::Option<double> capacityFactor{
      *this, "capacity-factor",
      llvm::cl::desc("moe-capacity-plan capacity-factor (with allow-drops)"),
      llvm::cl::init(1.25)};
  PassOptions::Option<int64_t> tokens{
      *this, "tokens",
      llvm::cl::desc("The token count to plan a dynamic T for; 0: dispatches "
                     "with a dynamic T are left unplanned"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> block{
      *this, "block",
      llvm::cl::desc("moe-capacity-plan block: rows per grouped-GEMM tile"),
      llvm::cl::init(64)};
  PassOptions::Option<std::string> profile{
      *this, "profile",
      llvm::cl::desc("moe-capacity-plan routing profile (JSON histogram)"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> mode{
      *this, "mode",
      llvm::cl::desc("moe-capacity-plan mode: auto, dropless, padded or "
                     "blocked"),
      llvm::cl::init("auto")};
  PassOptions::Option<double> maxDropRate{
      *this, "max-drop-rate",
      llvm::cl::desc("moe-capacity-plan max-drop-rate (with allow-drops)"),
      llvm::cl::init(0.01)};
  PassOptions::Option<double> flopsPerByte{
      *this, "flops-per-byte",
      llvm::cl::desc("moe-capacity-plan flops-per-byte: machine balance"),
      llvm::cl::init(100.0)};
  PassOptions::Option<std::string> report{
      *this, "report",
      llvm::cl::desc("Write the capacity plan's figures to this JSON file"),
      llvm::cl::init("")};
  PassOptions::Option<bool> fuse{
      *this, "fuse",
      llvm::cl::desc("Fuse the expert FFNs and the combine "
                     "(moe-expert-fusion)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> foldSharedExpert{
      *this, "fold-shared-expert",
      llvm::cl::desc("moe-expert-fusion fold-shared-expert"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> fuseCombine{
      *this, "fuse-combine", llvm::cl::desc("moe-expert-fusion fuse-combine"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> packArgumentWeights{
      *this, "pack-argument-weights",
      llvm::cl::desc("moe-expert-fusion pack-argument-weights: pack weights "
                     "that are function arguments on every call (a copy of "
                     "the expert weights per call)"),
      llvm::cl::init(false)};
};

/// moe-optimize: moe-raise, moe-decompose, moe-capacity-plan,
/// moe-expert-fusion, canonicalize and CSE, each stage as its options say.
void buildMoEOptimizePipeline(OpPassManager &pm,
                              const MoEOptimizePipelineOptions &options);

void registerMoEPipelines();

} // namespace moe
} // namespace mlir

#endif // MOE_PIPELINES_PIPELINES_H
