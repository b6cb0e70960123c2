//===- CPUCodegen.cpp - A moe module to machine code for a CPU ------------===//

#include "moe/Execution/CPUCodegen.h"

#include "moe/Execution/Executor.h"
#include "moe/Execution/HostTensor.h"
#include "moe/Support/Printable.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Target/TargetMachine.h"

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

Expected<MoECPUKernels> execution::parseCPUKernels(StringRef text,
                                                   StringRef option) {
  if (text == "fast")
    return MoECPUKernels::Fast;
  if (text == "reference")
    return MoECPUKernels::Reference;
  if (text == "fast-int8")
    return MoECPUKernels::FastInt8;
  if (text == "fast-bf16")
    return MoECPUKernels::FastBf16;
  return makeRunError(option, formatv("expected 'fast', 'fast-int8', "
                                      "'fast-bf16' or 'reference', found "
                                      "'{0}'",
                                      printable(text)));
}

Error execution::lowerForCPU(ModuleOp module, func::FuncOp entry,
                             unsigned numThreads, MoECPUKernels kernels,
                             unsigned vectorWidth, MoECPUFeature vnni,
                             MoECPUFeature madd, MoECPUFeature bf16Dot,
                             StringRef modulePath,
                             bool passManagerOptions) {
  MLIRContext *context = module.getContext();
  prepareEntry(entry);
  DiagnosticCapture capture(context, modulePath.str());
  PassManager pm(context);
  if (passManagerOptions && failed(applyPassManagerCLOptions(pm)))
    return capture.takeError("invalid pass manager options");
  MoECPUPipelineOptions options;
  options.numThreads = numThreads;
  options.kernels = kernels;
  options.vectorWidth = vectorWidth;
  options.vnni = vnni;
  options.madd = madd;
  options.bf16Dot = bf16Dot;
  buildMoECPUPipeline(pm, options);
  if (failed(pm.run(module)))
    return capture.takeError("lowering with moe-cpu-pipeline failed");
  return Error::success();
}

namespace {

/// Checks `target`'s CPU name and features against what LLVM knows of the
/// host's architecture, before a TargetMachine would warn on stderr.
Error checkTarget(const CPUTarget &target, const Triple &triple) {
  std::string message;
  const Target *llvmTarget = TargetRegistry::lookupTarget(triple, message);
  if (!llvmTarget)
    return makeRunError(triple.str(), message);
  std::unique_ptr<MCSubtargetInfo> info(
      llvmTarget->createMCSubtargetInfo(triple, "", ""));
  if (!target.cpu.empty() && !info->isCPUStringValid(target.cpu))
    return makeRunError(
        "--target-cpu",
        formatv("expected the name of a {0} CPU that LLVM knows "
                "(x86-64-v2, x86-64-v3, x86-64-v4, skylake-avx512, znver4, "
                "...), found '{1}'",
                triple.getArchName(), printable(target.cpu)));
  SmallVector<StringRef> features;
  StringRef(target.features).split(features, ',', -1, /*KeepEmpty=*/false);
  for (StringRef feature : features) {
    StringRef name = feature.drop_front();
    bool known = llvm::any_of(info->getAllProcessorFeatures(),
                              [&](const SubtargetFeatureKV &kv) {
                                return name == kv.Key;
                              });
    if ((!feature.starts_with("+") && !feature.starts_with("-")) || !known)
      return makeRunError(
          "--target-features",
          formatv("expected a comma-separated list of +feature or -feature "
                  "of {0} (+avx2, -avx512f, ...), found '{1}'",
                  triple.getArchName(), printable(feature)));
  }
  return Error::success();
}

} // namespace

Expected<std::unique_ptr<TargetMachine>>
execution::createCPUTargetMachine(const CPUTarget &target, bool forJIT) {
  Expected<orc::JITTargetMachineBuilder> builder =
      orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return builder.takeError();
  if (Error err = checkTarget(target, builder->getTargetTriple()))
    return std::move(err);
  if (!target.cpu.empty()) {
    builder->setCPU(target.cpu);
    builder->setFeatures("");
  }
  if (!target.features.empty()) {
    SmallVector<StringRef> features;
    StringRef(target.features).split(features, ',', -1, false);
    std::vector<std::string> list;
    for (StringRef feature : features)
      list.push_back(feature.str());
    builder->addFeatures(list);
  }
  builder->setCodeGenOptLevel(CodeGenOptLevel::Aggressive);
  if (!forJIT)
    builder->setRelocationModel(Reloc::PIC_);
  return builder->createTargetMachine();
}

unsigned execution::getVectorWidth(const TargetMachine &machine) {
  const MCSubtargetInfo *info = machine.getMCSubtargetInfo();
  return info && info->checkFeatures("+avx512f") ? 16 : 8;
}

namespace {
/// An instruction that the kernels emit as an intrinsic only for targets
/// that have it (moe-cpu-matmul-kernels vnni, madd), and the CPU features
/// it needs.
struct Required {
  StringRef intrinsic, instruction;
  unsigned bits;
  StringRef features[2]; // any one of them (an empty one is none)
  StringRef named;
};

const Required kRequired[] = {
    {"llvm.x86.avx512.vpdpbusd.512", "VPDPBUSD", 512, {"+avx512vnni"},
     "AVX512_VNNI"},
    {"llvm.x86.avx512.vpdpbusd.256",
     "VPDPBUSD",
     256,
     {"+avxvnni", "+avx512vnni,+avx512vl"},
     "AVX_VNNI or AVX512_VNNI with AVX512VL"},
    {"llvm.x86.avx512.pmaddubs.w.512", "VPMADDUBSW", 512, {"+avx512bw"},
     "AVX512BW"},
    // VPSIGNB (int8 weights) comes with VPMADDUBSW: named first.
    {"llvm.x86.avx2.psign.b", "VPSIGNB", 256, {"+avx2"}, "AVX2"},
    {"llvm.x86.avx2.pmadd.ub.sw", "VPMADDUBSW", 256, {"+avx2"}, "AVX2"},
    {"llvm.x86.avx512bf16.dpbf16ps.512", "VDPBF16PS", 512, {"+avx512bf16"},
     "AVX512_BF16"},
    {"llvm.x86.avx512bf16.dpbf16ps.256",
     "VDPBF16PS",
     256,
     {"+avx512bf16,+avx512vl"},
     "AVX512_BF16 with AVX512VL"},
};

bool machineHas(const TargetMachine &machine, const Required &r) {
  const MCSubtargetInfo *info = machine.getMCSubtargetInfo();
  return info && llvm::any_of(r.features, [&](StringRef features) {
           return !features.empty() && info->checkFeatures(features);
         });
}

/// Whether the machine has the instruction `instruction` on its vector
/// width (the entry of kRequired).
bool machineHas(const TargetMachine &machine, StringRef instruction) {
  unsigned bits = 32 * getVectorWidth(machine);
  for (const Required &r : kRequired)
    if (r.instruction == instruction && r.bits == bits)
      return machineHas(machine, r);
  llvm_unreachable("an instruction of kRequired");
}
} // namespace

bool execution::hasVNNI(const TargetMachine &machine) {
  return machineHas(machine, "VPDPBUSD");
}

bool execution::hasInt8Madd(const TargetMachine &machine) {
  return machineHas(machine, "VPMADDUBSW");
}

bool execution::hasBf16Dot(const TargetMachine &machine) {
  return machineHas(machine, "VDPBF16PS");
}

Error execution::optimizeForCPU(llvm::Module &module, TargetMachine &machine) {
  // A module lowered for another CPU than the machine's would stop LLVM's
  // instruction selection on these intrinsics.
  for (const Required &r : kRequired) {
    if (!module.getFunction(r.intrinsic) || machineHas(machine, r))
      continue;
    return makeRunError(
        module.getModuleIdentifier(),
        formatv("the kernels use {0} on {1} bits ({2}), which the target "
                "CPU '{3}' lacks ({4})",
                r.instruction, r.bits, r.intrinsic, machine.getTargetCPU(),
                r.named));
  }
  return makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0,
                                   &machine)(&module);
}

Expected<std::unique_ptr<llvm::Module>>
execution::translateForCPU(ModuleOp module, LLVMContext &context,
                           TargetMachine &machine, StringRef modulePath) {
  DiagnosticCapture capture(module.getContext(), modulePath.str());
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context, modulePath);
  if (!llvmModule)
    return capture.takeError("translation to LLVM IR failed");
  llvmModule->setDataLayout(machine.createDataLayout());
  llvmModule->setTargetTriple(machine.getTargetTriple());
  if (Error err = optimizeForCPU(*llvmModule, machine))
    return wrapError(std::move(err), modulePath);
  return llvmModule;
}
