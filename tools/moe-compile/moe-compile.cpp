//===- moe-compile.cpp - Compile a moe layer ahead of time ----------------===//
//
//   moe-compile LAYER.mlir -o libNAME.so [--entry=forward]
//               [--emit=shared|obj|asm|llvm] [--header=NAME.h]
//               [--threads=N] [--kernels=fast|reference]
//               [--target-cpu=CPU] [--target-features=+f,-g]
//
// Lowers the layer with the engine's moe-cpu-pipeline and LLVM optimizer
// and writes a shared library (or a relocatable object, assembly, LLVM IR)
// whose C entry points run it without MLIR, and a C header stating them.
// Any bad input ends with one line `error: <where>: <what>` and exit code
// 1. docs/AOT.md is the reference.
//
//===----------------------------------------------------------------------===//

#include "moe/Execution/AotCompiler.h"
#include "moe/Execution/Engine.h"
#include "moe/Execution/Module.h"
#include "moe/Support/Printable.h"
#include "moe/Support/ToolMessages.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

namespace {

struct Options {
  cl::OptionCategory category{"moe-compile options"};

  cl::opt<std::string> modulePath{cl::Positional, cl::desc("<LAYER.mlir>"),
                                  cl::Required, cl::cat(category)};

  cl::opt<std::string> output{
      "o", cl::desc("The file to write ('-' for standard output with "
                    "--emit=asm or llvm)"),
      cl::value_desc("libNAME.so"), cl::Required, cl::cat(category)};

  cl::opt<std::string> entry{"entry",
                             cl::desc("The entry function (default: forward)"),
                             cl::value_desc("NAME"), cl::init("forward"),
                             cl::cat(category)};

  cl::opt<std::string> emit{
      "emit",
      cl::desc("What to write: shared (a shared library, the default), obj "
               "(one relocatable object with the C wrapper), asm or llvm "
               "(the layer's code alone)"),
      cl::value_desc("shared|obj|asm|llvm"), cl::init("shared"),
      cl::cat(category)};

  cl::opt<std::string> header{
      "header",
      cl::desc("The generated C header (default for shared and obj: NAME.h "
               "next to the output, from libNAME.so)"),
      cl::value_desc("FILE.h"), cl::cat(category)};

  cl::opt<std::string> threads{
      "threads",
      cl::desc("Threads of the fast kernels, 0 to 1024; 0, the default, "
               "lets each run choose (its threads argument, else the OpenMP "
               "runtime's count)"),
      cl::value_desc("N"), cl::init("0"), cl::cat(category)};

  cl::opt<std::string> kernels{
      "kernels",
      cl::desc("Kernels of moe-cpu-pipeline: fast (the default), "
               "fast-int8 (int8 activations for int8/int4/mxfp4 weights on "
               "VNNI and AVX2 targets), fast-bf16 (bf16 activations for "
               "bf16 expert weights on AVX512_BF16 targets) or reference"),
      cl::value_desc("fast|fast-int8|fast-bf16|reference"), cl::init("fast"),
      cl::cat(category)};

  cl::opt<std::string> targetCpu{
      "target-cpu",
      cl::desc("The CPU to compile for (an LLVM name: x86-64-v3, "
               "skylake-avx512, ...); default: the host's"),
      cl::value_desc("CPU"), cl::cat(category)};

  cl::opt<std::string> targetFeatures{
      "target-features",
      cl::desc("Features added to the CPU's, comma-separated"),
      cl::value_desc("+avx2,-avx512f"), cl::cat(category)};
};

/// NAME.h next to `output` (libNAME.so, NAME.o): the default header.
std::string defaultHeader(StringRef output) {
  StringRef name = sys::path::stem(output);
  name.consume_front("lib");
  SmallString<128> path(sys::path::parent_path(output));
  sys::path::append(path, (name.empty() ? "layer" : name) + ".h");
  return path.str().str();
}

Expected<AotOptions> readOptions(const Options &opts) {
  AotOptions options;
  options.output = opts.output;
  if (options.output.empty())
    return makeRunError("-o", "expected an output file, found an empty "
                              "value");
  if (opts.emit == "shared")
    options.emit = AotEmit::Shared;
  else if (opts.emit == "obj")
    options.emit = AotEmit::Object;
  else if (opts.emit == "asm")
    options.emit = AotEmit::Assembly;
  else if (opts.emit == "llvm")
    options.emit = AotEmit::LLVMIR;
  else
    return makeRunError("--emit",
                        formatv("expected shared, obj, asm or llvm, found "
                                "'{0}'",
                                printable(opts.emit.getValue())));
  bool linked =
      options.emit == AotEmit::Shared || options.emit == AotEmit::Object;
  if (linked && options.output == "-")
    return makeRunError("-o", formatv("expected a file for --emit={0}, "
                                      "found '-'",
                                      opts.emit.getValue()));
  if (opts.header.getNumOccurrences())
    options.header = opts.header;
  else if (linked)
    options.header = defaultHeader(options.output);
  if (opts.header.getNumOccurrences() && options.header.empty())
    return makeRunError("--header", "expected a file name, found an empty "
                                    "value");
  int64_t threads;
  if (std::optional<std::string> why =
          checkInteger(opts.threads, 0, kMaxCPUThreads, threads))
    return makeRunError("--threads", *why);
  options.threads = static_cast<unsigned>(threads);
  Expected<MoECPUKernels> kernels = parseCPUKernels(opts.kernels, "--kernels");
  if (!kernels)
    return kernels.takeError();
  options.kernels = *kernels;
  options.target.cpu = opts.targetCpu;
  options.target.features = opts.targetFeatures;
  return options;
}

Error compile(const Options &opts) {
  Expected<AotOptions> options = readOptions(opts);
  if (!options)
    return options.takeError();
  Expected<std::unique_ptr<Engine>> engine =
      Engine::loadFile(opts.modulePath, opts.entry);
  if (!engine)
    return engine.takeError();
  return compileAheadOfTime(**engine, *options);
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM initLLVM(argc, argv);
  initializeNativeTarget();
  // libLLVM registers an unrelated option named "threads" at load time;
  // moe-compile's --threads replaces it.
  removeLLVMThreadsOption();
  Options opts;
  cl::HideUnrelatedOptions(opts.category);
  if (std::optional<std::string> message = parseCommandLine(
          argc, argv,
          "moe-compile: compile an MoE layer ahead of time into a shared "
          "library\n\n"
          "  moe-compile LAYER.mlir -o libNAME.so [--entry=forward]\n"
          "              [--emit=shared|obj|asm|llvm] [--header=NAME.h]\n"
          "              [--threads=N] [--kernels=fast|reference]\n"
          "              [--target-cpu=CPU] [--target-features=+f,-g]\n\n"
          "The library exports moe_<entry>_run and moe_<entry>_info (an "
          "argument table) and needs only libc, libm and the OpenMP "
          "runtime. See docs/AOT.md.\n")) {
    errs() << "error: command line: " << *message << "\n";
    return 1;
  }
  if (Error err = compile(opts))
    return reportToolError(std::move(err));
  return 0;
}
