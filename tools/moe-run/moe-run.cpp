//===- moe-run.cpp - Compile and run an MoE module on the host CPU --------===//
//
//   moe-run LAYER.mlir [--entry forward]
//           [--input X.npy | --random-inputs SEED [--tokens T[,T...]]]
//           [--weights MODEL_DIR|A.safetensors[,B.safetensors...] [--layer N]]
//           [--output OUT.npy] [--repeat R[,R...]] [--threads N]
//           [--kernels fast|fast-int8|fast-bf16|reference]
//
// Lowers the module with moe-cpu-pipeline, JIT-compiles it, binds the entry
// function's arguments (weights from checkpoints, inputs from .npy files or
// a seeded generator), calls it, and writes or summarizes the result; with
// several token counts, compiles once and does so for each in turn. Any
// bad input ends with one line `error: <where>: <what>` and exit code 1.
// docs/Tools.md is the reference.
//
//===----------------------------------------------------------------------===//

#include "moe/Execution/ArgumentBinding.h"
#include "moe/Execution/CPUCodegen.h"
#include "moe/Execution/CudaTarget.h"
#include "moe/Execution/Executor.h"
#include "Flops.h"
#include "moe/Execution/HostTensor.h"
#include "moe/Execution/Module.h"
#include "Shard.h"

#include "moe/InitAll.h"
#include "moe/Pipelines/Pipelines.h"
#include "moe/Support/Npy.h"
#include "moe/Support/Printable.h"
#include "moe/Support/ToolMessages.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

namespace {

/// The command line. Built in main, after the option that libLLVM
/// registers under the name "threads" is removed (see there).
struct Options {
  cl::OptionCategory category{"moe-run options"};

  cl::opt<std::string> modulePath{cl::Positional, cl::Required,
                                  cl::desc("<module.mlir>"), cl::cat(category)};

  cl::opt<std::string> entryName{
      "entry", cl::desc("Function to run (default: forward)"),
      cl::init("forward"), cl::value_desc("name"), cl::cat(category)};

  cl::list<std::string> inputFiles{
      "input", cl::CommaSeparated,
      cl::desc("Input .npy files (C order; f32, or the argument's own "
               "integer type: |i1 for i8, |u1 codes for f8E4M3FN), one per "
               "argument without a moe.weight attribute, in order"),
      cl::value_desc("X.npy[,Y.npy...]"), cl::cat(category)};

  cl::opt<std::string> randomSeed{
      "random-inputs",
      cl::desc("Fill the arguments from the deterministic generator seeded "
               "with SEED: every argument, or only the inputs when --weights "
               "is given (docs/Tools.md)"),
      cl::value_desc("SEED"), cl::cat(category)};

  cl::opt<std::string> tokens{
      "tokens",
      cl::desc("Token count for a dynamic first input dimension under "
               "--random-inputs (default 16); several, comma-separated, run "
               "the compiled module once per count, in order, with the same "
               "weights"),
      cl::value_desc("T[,T...]"), cl::cat(category)};

  cl::list<std::string> weightFiles{
      "weights", cl::CommaSeparated,
      cl::desc("Checkpoints that moe.weight arguments are read from: "
               ".safetensors files and model directories (their "
               "model.safetensors.index.json or model.safetensors); a name is "
               "looked up in each entry in order"),
      cl::value_desc("MODEL_DIR|A.safetensors[,B...]"), cl::cat(category)};

  cl::opt<std::string> layer{"layer",
                             cl::desc("Replaces {layer} in moe.weight names"),
                             cl::value_desc("N"), cl::cat(category)};

  cl::list<std::string> outputFiles{
      "output", cl::CommaSeparated,
      cl::desc("Write the results as .npy (f32 for float results), "
               "one file per result; without it a summary is "
               "printed. With --tokens, '{tokens}' in a path is replaced "
               "by the token count (required with several)"),
      cl::value_desc("OUT.npy[,...]"), cl::cat(category)};

  cl::opt<std::string> repeat{
      "repeat",
      cl::desc("After one warm-up call, time R calls; the last line "
               "printed is 'median_ms=<float> gflops=<float>' (with several "
               "--tokens, one line 'tokens=<T> median_ms=... gflops=...' per "
               "count; R may then be one count per token count)"),
      cl::value_desc("R[,R...]"), cl::cat(category)};

  cl::opt<std::string> target{
      "target",
      cl::desc("Where to run: cpu (moe-cpu-pipeline, the default) or cuda "
               "(moe-gpu-pipeline on the default CUDA device; docs/GPU.md)"),
      cl::value_desc("cpu|cuda"), cl::init("cpu"), cl::cat(category)};

  cl::opt<bool> tensorCores{
      "tensor-cores",
      cl::desc("With --target=cuda: the f32 matmuls on tensor cores (TF32 "
               "mma.sync, f32 accumulation; moe-gpu-pipeline tensor-cores)"),
      cl::init(false), cl::cat(category)};

  cl::opt<std::string> threads{
      "threads",
      cl::desc("Threads of the fast CPU kernels (OpenMP), at most 1024; 0, "
               "the default: all cores (one per rank with --shard). The "
               "reference kernels are single-threaded"),
      cl::value_desc("N"), cl::cat(category)};

  cl::opt<std::string> kernels{
      "kernels",
      cl::desc("Kernels of moe-cpu-pipeline: fast (tiled, vectorized, "
               "multi-threaded; the default), fast-int8 (fast, with int8 "
               "activations for int8/int4/mxfp4 weights on VNNI and AVX2 "
               "CPUs), fast-bf16 (fast, with bf16 activations for bf16 "
               "expert weights on AVX512_BF16 CPUs) or "
               "reference (scalar loops)"),
      cl::value_desc("fast|fast-int8|fast-bf16|reference"), cl::cat(category)};

  cl::opt<std::string> shard{
      "shard",
      cl::desc("Run sharded over the ranks of an MPI job (mpiexec -n A*B): "
               "A expert-parallel groups of B tensor-parallel ranks (ep=A "
               "or tp=B alone: the other is 1); any token count, split "
               "unevenly when the ranks do not divide it; rank 0 writes the "
               "outputs (docs/Sharding.md)"),
      cl::value_desc("ep=A,tp=B"), cl::cat(category)};
};

/// The integer value of `option`, which must lie in [minimum, maximum], or
/// `fallback` when the option is absent.
Expected<int64_t>
parseInteger(const cl::opt<std::string> &option, int64_t minimum,
             int64_t fallback,
             int64_t maximum = std::numeric_limits<int64_t>::max()) {
  if (!option.getNumOccurrences())
    return fallback;
  int64_t value;
  if (std::optional<std::string> why =
          checkInteger(option.getValue(), minimum, maximum, value))
    return makeRunError("--" + option.ArgStr, *why);
  return value;
}

/// The most threads --threads asks for.
constexpr int64_t kMaxThreads = kMaxCPUThreads;

/// The comma-separated integers of `option`, each from `minimum` to
/// `maximum`.
Expected<SmallVector<int64_t>>
parseIntegerList(const cl::opt<std::string> &option, int64_t minimum,
                 int64_t maximum = std::numeric_limits<int64_t>::max()) {
  SmallVector<int64_t> values;
  if (!option.getNumOccurrences())
    return values;
  SmallVector<StringRef> parts;
  StringRef(option.getValue()).split(parts, ',');
  for (auto [i, part] : llvm::enumerate(parts)) {
    int64_t value;
    if (std::optional<std::string> why =
            checkInteger(part, minimum, maximum, value))
      return makeRunError("--" + option.ArgStr,
                          parts.size() == 1
                              ? *why
                              : formatv("entry {0} of '{1}': {2}", i + 1,
                                        printable(option.getValue()), *why)
                                    .str());
    values.push_back(value);
  }
  return values;
}

/// The most tokens --tokens gives: T·k row offsets are i32 (docs/Spec.md).
constexpr int64_t kMaxTokens = std::numeric_limits<int32_t>::max();

/// Every entry of the comma-separated list `option` names a file.
Error checkFileList(const cl::list<std::string> &option) {
  if (option.getNumOccurrences() &&
      (option.empty() || (option.size() == 1 && option.front().empty())))
    return makeRunError("--" + option.ArgStr, "expected a file name, found "
                                              "an empty value");
  for (auto [i, path] : llvm::enumerate(option))
    if (path.empty())
      return makeRunError("--" + option.ArgStr,
                          formatv("entry {0} of {1} is empty: expected a file "
                                  "name",
                                  i + 1, option.size()));
  return Error::success();
}

/// The command line, checked and converted.
struct Settings {
  /// Timed calls per token count (one entry per token count).
  SmallVector<int64_t> repeats;
  int64_t threads = 0;
  MoECPUKernels kernels = getDefaultMoECPUKernels();
  /// --tokens, in order; empty without the option.
  SmallVector<int64_t> tokens;
  std::optional<int64_t> layer;
  std::optional<uint64_t> randomSeed;
};

Expected<Settings> validateOptions(const Options &opts) {
  Settings settings;
  Expected<int64_t> threads = parseInteger(opts.threads, 0, 0, kMaxThreads);
  if (!threads)
    return threads.takeError();
  settings.threads = *threads;
  if (opts.kernels.getNumOccurrences()) {
    Expected<MoECPUKernels> kernels =
        parseCPUKernels(opts.kernels, "--kernels");
    if (!kernels)
      return kernels.takeError();
    settings.kernels = *kernels;
  }
  for (const cl::list<std::string> *files :
       {std::addressof(opts.inputFiles), std::addressof(opts.weightFiles),
        std::addressof(opts.outputFiles)})
    if (Error err = checkFileList(*files))
      return std::move(err);
  Expected<SmallVector<int64_t>> tokens =
      parseIntegerList(opts.tokens, 1, kMaxTokens);
  if (!tokens)
    return tokens.takeError();
  settings.tokens = *tokens;
  Expected<SmallVector<int64_t>> repeats = parseIntegerList(opts.repeat, 1);
  if (!repeats)
    return repeats.takeError();
  size_t runs = std::max<size_t>(settings.tokens.size(), 1);
  if (repeats->empty())
    repeats->push_back(0);
  if (repeats->size() != 1 && repeats->size() != runs)
    return makeRunError("--repeat",
                        formatv("expected one count or one per token count "
                                "({0}), found {1}",
                                runs, repeats->size()));
  settings.repeats.assign(runs, repeats->front());
  if (repeats->size() == runs)
    settings.repeats.assign(repeats->begin(), repeats->end());
  Expected<int64_t> layer = parseInteger(opts.layer, 0, 0);
  if (!layer)
    return layer.takeError();
  if (opts.layer.getNumOccurrences())
    settings.layer = *layer;
  if (opts.randomSeed.getNumOccurrences()) {
    uint64_t seed;
    if (StringRef(opts.randomSeed.getValue()).getAsInteger(0, seed))
      return makeRunError("--random-inputs",
                          formatv("expected an unsigned 64-bit seed, found "
                                  "'{0}'",
                                  printable(opts.randomSeed.getValue())));
    settings.randomSeed = seed;
  }
  if (!opts.inputFiles.empty() && settings.randomSeed)
    return makeRunError("--input", "expected either --input or "
                                   "--random-inputs, found both");
  if (!settings.tokens.empty() && !settings.randomSeed)
    return makeRunError("--tokens",
                        "expected --random-inputs with --tokens (with --input "
                        "the token count comes from the .npy file)");
  if (settings.tokens.size() > 1) {
    if (opts.shard.getNumOccurrences())
      return makeRunError("--tokens", "expected one token count with --shard");
    for (const std::string &path : opts.outputFiles)
      if (!StringRef(path).contains("{tokens}"))
        return makeRunError("--output",
                            formatv("expected '{{tokens}' in '{0}': several "
                                    "--tokens write one file per token count",
                                    path));
  }
  return settings;
}

/// A result as .npy: float results (fp8 too, decoded exactly) are written
/// as f32, integer results as themselves.
NpyArray toNpy(const HostTensor &tensor) {
  NpyArray array;
  array.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  int64_t n = tensor.getNumElements();
  switch (tensor.getKind()) {
  case ElementKind::I32:
  case ElementKind::I64:
  case ElementKind::I8:
    array.dtype = tensor.getKind() == ElementKind::I32   ? NpyDType::I32
                  : tensor.getKind() == ElementKind::I64 ? NpyDType::I64
                                                         : NpyDType::I8;
    array.data.assign(tensor.getData(),
                      tensor.getData() + tensor.getSizeInBytes());
    return array;
  case ElementKind::F32:
  case ElementKind::BF16:
  case ElementKind::F16:
  case ElementKind::F8E4M3FN:
  case ElementKind::F8E8M0FNU:
    break;
  }
  array.dtype = NpyDType::F32;
  array.data.resize(n * sizeof(float));
  for (int64_t i = 0; i < n; ++i) {
    float value = static_cast<float>(tensor.getAsDouble(i));
    std::memcpy(array.data.data() + i * sizeof(float), &value, sizeof(value));
  }
  return array;
}

void printSummary(ArrayRef<HostTensor> results, StringRef prefix) {
  for (auto [i, result] : llvm::enumerate(results)) {
    double sum = 0, absSum = 0;
    for (int64_t j = 0, e = result.getNumElements(); j < e; ++j) {
      double v = result.getAsDouble(j);
      sum += v;
      absSum += std::fabs(v);
    }
    outs() << formatv(
        "{5}result #{0}: shape {1} {2} sum={3} abs_sum={4}\n", i,
        formatShape(result.getShape()), getElementKindName(result.getKind()),
        formatv("{0:e6}", sum), formatv("{0:e6}", absSum), prefix);
  }
}

Error runModule(MLIRContext &context, const Options &opts) {
  Expected<Settings> settings = validateOptions(opts);
  if (!settings)
    return settings.takeError();

  SourceMgr sourceMgr;
  Expected<OwningOpRef<ModuleOp>> parsed =
      readModuleFile(context, sourceMgr, opts.modulePath);
  if (!parsed)
    return parsed.takeError();
  OwningOpRef<ModuleOp> module = std::move(*parsed);
  Expected<func::FuncOp> entry =
      findEntry(*module, opts.entryName, opts.modulePath, " (--entry)");
  if (!entry)
    return entry.takeError();
  SmallVector<ArgumentInfo> args;
  SmallVector<ResultInfo> results;
  if (Error err = describeSignature(*entry, opts.modulePath, args, results))
    return err;
  if (!opts.outputFiles.empty() && opts.outputFiles.size() != results.size())
    return makeRunError("--output",
                        formatv("expected {0} .npy file(s), one per result of "
                                "@{1}, found {2}",
                                results.size(), opts.entryName.getValue(),
                                opts.outputFiles.size()));

  BindingOptions binding;
  binding.modulePath = opts.modulePath;
  binding.entryName = opts.entryName;
  binding.inputFiles.assign(opts.inputFiles.begin(), opts.inputFiles.end());
  binding.randomSeed = settings->randomSeed;
  if (!settings->tokens.empty())
    binding.tokens = settings->tokens.front();
  binding.weightFiles.assign(opts.weightFiles.begin(), opts.weightFiles.end());
  binding.layer = settings->layer;
  if (opts.shard.getNumOccurrences()) {
    ShardRunOptions shard{
        opts.shard,
        binding,
        {opts.outputFiles.begin(), opts.outputFiles.end()},
        [&](ModuleOp m, func::FuncOp f, ArrayRef<ResultInfo> r) {
          // The ranks share the cores: one thread each
          // unless --threads says otherwise.
          unsigned threads = opts.threads.getNumOccurrences()
                                 ? static_cast<unsigned>(settings->threads)
                                 : 1;
          return Executor::compile(m, f, r, threads, settings->kernels,
                                   opts.modulePath);
        }};
    if (runSharded(*module, *entry, shard))
      return makeRunError("--shard", "moe-run was built without MPI");
    return Error::success();
  }
  Expected<std::vector<HostTensor>> values = bindArguments(args, binding);
  if (!values)
    return values.takeError();

  // One run per token count (one run without --tokens); with several, the
  // inputs are drawn again for each count and every line names its count.
  bool several = settings->tokens.size() > 1;
  auto drawInputs = [&](size_t run) -> Error {
    if (!several)
      return Error::success();
    binding.tokens = settings->tokens[run];
    return redrawInputs(args, binding, *values);
  };
  // FLOPs are counted on the moe IR, before lowering.
  SmallVector<double> flops;
  for (size_t run = 0; run < settings->repeats.size(); ++run) {
    if (run > 0)
      if (Error err = drawInputs(run))
        return err;
    flops.push_back(countUsefulFlops(*module, *entry, *values));
  }
  if (several)
    if (Error err = drawInputs(0))
      return err;

  if (opts.target != "cpu" && opts.target != "cuda")
    return makeRunError("--target", formatv("expected 'cpu' or 'cuda', found "
                                            "'{0}'",
                                            printable(opts.target.getValue())));
  if (opts.tensorCores && opts.target != "cuda")
    return makeRunError("--tensor-cores", "needs --target=cuda");
  std::unique_ptr<Executor> cpu;
  std::unique_ptr<CudaExecutor> cuda;
  if (opts.target == "cuda") {
    Expected<std::unique_ptr<CudaExecutor>> compiled = CudaExecutor::compile(
        *module, *entry, results, opts.tensorCores, opts.modulePath);
    if (!compiled)
      return compiled.takeError();
    cuda = std::move(*compiled);
  } else {
    Expected<std::unique_ptr<Executor>> compiled = Executor::compile(
        *module, *entry, results, static_cast<unsigned>(settings->threads),
        settings->kernels, opts.modulePath);
    if (!compiled)
      return compiled.takeError();
    cpu = std::move(*compiled);
  }
  auto call = [&](bool keepResults) {
    return cuda ? cuda->call(*values, keepResults)
                : cpu->call(*values, keepResults);
  };

  for (size_t run = 0; run < settings->repeats.size(); ++run) {
    std::string prefix;
    if (several) {
      prefix = formatv("tokens={0} ", settings->tokens[run]).str();
      if (run > 0)
        if (Error err = drawInputs(run))
          return err;
    }

    Expected<std::vector<HostTensor>> outputs = call(/*keepResults=*/true);
    if (!outputs)
      return outputs.takeError();
    if (opts.outputFiles.empty())
      printSummary(*outputs, prefix);
    for (auto [path, output] : llvm::zip(opts.outputFiles, *outputs)) {
      std::string file = path;
      std::string count = binding.tokens ? std::to_string(*binding.tokens) : "";
      for (size_t at = file.find("{tokens}"); binding.tokens && at != file.npos;
           at = file.find("{tokens}", at + count.size()))
        file.replace(at, strlen("{tokens}"), count);
      if (Error err = writeNpy(file, toNpy(output)))
        return wrapError(std::move(err), file);
    }

    int64_t repeat = settings->repeats[run];
    if (!repeat)
      continue;
    std::vector<double> times;
    for (int64_t i = 0; i < repeat; ++i) {
      auto start = std::chrono::steady_clock::now();
      Expected<std::vector<HostTensor>> ignored = call(/*keepResults=*/false);
      auto stop = std::chrono::steady_clock::now();
      if (!ignored)
        return ignored.takeError();
      times.push_back(
          std::chrono::duration<double, std::milli>(stop - start).count());
    }
    std::sort(times.begin(), times.end());
    size_t mid = times.size() / 2;
    double medianMs =
        times.size() % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
    double gflops = medianMs > 0 ? flops[run] / (medianMs * 1e-3) / 1e9 : 0;
    outs() << formatv("{0}useful_flops={1:f0}\n", prefix, flops[run]);
    outs() << formatv("{0}median_ms={1:f6} gflops={2:f4}\n", prefix, medianMs,
                      gflops);
  }
  return Error::success();
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM initLLVM(argc, argv);
  initializeNativeTarget();

  // Pass manager options (--mlir-print-ir-after-all, --mlir-timing, ...)
  // stay available for debugging the lowering; --help lists ours only.
  // libLLVM registers an unrelated option named "threads" at load time;
  // moe-run's --threads replaces it.
  removeLLVMThreadsOption();
  Options opts;
  // Passes are registered before parsing so that options such as
  // --mlir-print-ir-after=<pass> can name them.
  mlir::registerAllPasses();
  moe::registerAllPasses();
  registerPassManagerCLOptions();
  cl::HideUnrelatedOptions(opts.category);
  if (std::optional<std::string> message = parseCommandLine(
          argc, argv,
          "moe-run: compile an MoE module for the host CPU and run it\n\n"
          "  moe-run LAYER.mlir [--entry forward]\n"
          "          [--input X.npy | --random-inputs SEED [--tokens T]]\n"
          "          [--weights MODEL_DIR|A.safetensors[,B...] [--layer N]]\n"
          "          [--output OUT.npy] [--repeat R] [--threads N]\n"
          "          [--kernels fast|reference]\n"
          "          [--target cpu|cuda [--tensor-cores]]\n\n"
          "Arguments with a string attribute moe.weight are weights, read "
          "from --weights ({layer} and {e} in the name are replaced; {e} "
          "stacks the experts); the others are inputs. See docs/Tools.md.\n")) {
    errs() << "error: command line: " << *message << "\n";
    return 1;
  }

  DialectRegistry registry;
  registerExecutionDialects(registry);
  MLIRContext context(registry);
  // One-line diagnostics; keep the IR out of error messages.
  context.printOpOnDiagnostic(false);
  context.printStackTraceOnDiagnostic(false);

  if (Error err = runModule(context, opts))
    return reportToolError(std::move(err));
  return 0;
}
