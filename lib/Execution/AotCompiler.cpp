//===- AotCompiler.cpp - A moe layer compiled ahead of time ---------------===//

#include "moe/Execution/AotCompiler.h"

#include "AotSource.h"

#include "moe/Codegen/Passes.h"
#include "moe/Execution/Engine.h"
#include "moe/Support/ToolMessages.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

namespace {

const char *kernelsName(MoECPUKernels kernels) {
  switch (kernels) {
  case MoECPUKernels::Fast:
    return "fast";
  case MoECPUKernels::FastInt8:
    return "fast-int8";
  case MoECPUKernels::FastBf16:
    return "fast-bf16";
  case MoECPUKernels::Reference:
    return "reference";
  }
  return "fast";
}

Error fail(const Twine &where, const Twine &what) {
  return makeRunError(where, what);
}

/// Writes `text` to `path` ("-": standard output).
Error writeFile(StringRef path, StringRef text) {
  if (Error err = writeOutputFile(path, [&](raw_ostream &os) { os << text; }))
    return fail(path, "cannot write: " + toString(std::move(err)));
  return Error::success();
}

/// Writes `module` as an object or assembly file to `path`.
Error emitMachineCode(llvm::Module &module, TargetMachine &machine,
                      StringRef path, CodeGenFileType type) {
  SmallVector<char, 0> buffer;
  raw_svector_ostream os(buffer);
  legacy::PassManager pm;
  if (machine.addPassesToEmitFile(pm, os, nullptr, type))
    return fail(path, "the target cannot emit this file type");
  pm.run(module);
  return writeFile(path, StringRef(buffer.data(), buffer.size()));
}

/// Runs `program` with `args`; an error with the first line it printed.
Error runProgram(StringRef program, ArrayRef<std::string> args,
                 StringRef scratch, const Twine &what) {
  SmallVector<StringRef> argv = {program};
  for (const std::string &arg : args)
    argv.push_back(arg);
  SmallString<128> log(scratch);
  sys::path::append(log, "cc.log");
  std::optional<StringRef> redirects[] = {std::nullopt, log.str(),
                                          log.str()};
  std::string message;
  int rc = sys::ExecuteAndWait(program, argv, std::nullopt, redirects, 0, 0,
                               &message);
  if (rc == 0)
    return Error::success();
  std::string first;
  if (ErrorOr<std::unique_ptr<MemoryBuffer>> text =
          MemoryBuffer::getFile(log)) {
    SmallVector<StringRef> lines;
    (*text)->getBuffer().split(lines, '\n', -1, false);
    for (StringRef line : lines)
      if (line.contains("error") || line.contains("undefined reference")) {
        first = line.trim().str();
        break;
      }
    if (first.empty() && !lines.empty())
      first = lines.front().trim().str();
  }
  return fail(program, formatv("{0} failed: {1}", what,
                               first.empty() ? message : first));
}

/// A directory for intermediate files, removed with the object.
class ScratchDirectory {
public:
  Error create() {
    if (std::error_code ec =
            sys::fs::createUniqueDirectory("moe-compile", path))
      return fail("moe-compile", "cannot create a temporary directory: " +
                                     ec.message());
    return Error::success();
  }
  ~ScratchDirectory() {
    if (!path.empty())
      (void)sys::fs::remove_directories(path);
  }
  std::string file(StringRef name) const {
    SmallString<128> result(path);
    sys::path::append(result, name);
    return result.str().str();
  }
  StringRef get() const { return path; }

private:
  SmallString<128> path;
};

/// Checks that `engine`'s layer has what the library's calling convention
/// needs: an entry named like a C identifier and static weight shapes.
Error checkLayer(const Engine &engine) {
  StringRef entry = engine.getEntryName();
  bool identifier = !entry.empty() && !isDigit(entry.front()) &&
                    llvm::all_of(entry, [](char c) {
                      return isAlnum(c) || c == '_';
                    });
  if (!identifier)
    return fail(engine.getModulePath(),
                formatv("expected an entry function whose name is a C "
                        "identifier (it names moe_<entry>_run), found @{0}",
                        entry));
  for (const ArgumentInfo &arg : engine.getArguments())
    if (arg.isWeight() && !arg.type.hasStaticShape())
      return fail(engine.getModulePath(),
                  formatv("expected static shapes for the weights of a "
                          "compiled layer, found {0}",
                          describeArgument(arg, entry)));
  return Error::success();
}

/// The arguments of the C compiler for the wrapper and the final link.
Error buildLibrary(StringRef compiler, const ScratchDirectory &scratch,
                   const AotOptions &options, StringRef entry) {
  std::string wrapperObject = scratch.file("wrapper.o");
  if (Error err = runProgram(compiler,
                             {"-std=c99", "-O2", "-fPIC", "-c",
                              scratch.file("wrapper.c"), "-o", wrapperObject},
                             scratch.get(), "compiling the C wrapper"))
    return err;
  std::vector<std::string> args;
  if (options.emit == AotEmit::Object) {
    args = {"-r", "-nostdlib", "-o", options.output, scratch.file("layer.o"),
            wrapperObject};
    return runProgram(compiler, args, scratch.get(), "linking the object");
  }
  std::string versionScript = scratch.file("exports.map");
  if (Error err = writeFile(versionScript,
                            formatv("{{ global: moe_{0}_run; moe_{0}_info; "
                                    "moe_aot_layer_info; local: *; };\n",
                                    entry)
                                .str()))
    return err;
  args = {"-shared", "-o", options.output, scratch.file("layer.o"),
          wrapperObject, "-Wl,--version-script=" + versionScript,
          "-Wl,-z,defs", "-Wl,--as-needed"};
#ifdef MOE_LIBOMP_PATH
  // The OpenMP runtime the kernels call, found where it lies at run time
  // too (a RUNPATH to its directory).
  StringRef ompDir = sys::path::parent_path(MOE_LIBOMP_PATH);
  args.push_back(("-L" + ompDir).str());
  args.push_back(("-Wl,-rpath," + ompDir).str());
  args.push_back("-lomp");
#endif
  args.push_back("-lm");
  return runProgram(compiler, args, scratch.get(), "linking the library");
}

} // namespace

Expected<std::string> execution::findCCompiler() {
  if (const char *cc = std::getenv("MOE_CC"); cc && *cc) {
    if (ErrorOr<std::string> path = sys::findProgramByName(cc))
      return *path;
    return fail("MOE_CC", formatv("expected a C compiler, found '{0}', "
                                  "which is not on the PATH",
                                  cc));
  }
  for (StringRef name : {"clang-22", "cc", "gcc", "clang"})
    if (ErrorOr<std::string> path = sys::findProgramByName(name))
      return *path;
  return fail("moe-compile", "expected a C compiler (clang-22, cc, gcc or "
                             "clang on the PATH, or $MOE_CC) to link the "
                             "library, found none");
}

Error execution::compileAheadOfTime(Engine &engine,
                                    const AotOptions &options) {
  if (Error err = checkLayer(engine))
    return err;
  Expected<std::unique_ptr<TargetMachine>> machine =
      createCPUTargetMachine(options.target, /*forJIT=*/false);
  if (!machine)
    return machine.takeError();
  bool needsCompiler =
      options.emit == AotEmit::Shared || options.emit == AotEmit::Object;
  std::string compiler;
  if (needsCompiler) {
    Expected<std::string> found = findCCompiler();
    if (!found)
      return found.takeError();
    compiler = *found;
  }

  StringRef path = engine.getModulePath();
  func::FuncOp entry = engine.getEntry();
  if (Error err = lowerForCPU(engine.getModule(), entry, options.threads,
                              options.kernels, getVectorWidth(**machine),
                              hasVNNI(**machine) ? MoECPUFeature::On
                                                 : MoECPUFeature::Off,
                              hasInt8Madd(**machine) ? MoECPUFeature::On
                                                     : MoECPUFeature::Off,
                              hasBf16Dot(**machine) ? MoECPUFeature::On
                                                    : MoECPUFeature::Off,
                              path, /*passManagerOptions=*/false))
    return err;
  LLVMContext context;
  Expected<std::unique_ptr<llvm::Module>> module =
      translateForCPU(engine.getModule(), context, **machine, path);
  if (!module)
    return module.takeError();

  // What the wrapper and the header state.
  AotLayerDescription layer;
  layer.entry = engine.getEntryName().str();
  layer.source = sys::path::filename(path).str();
  layer.args = engine.getArguments();
  SmallVector<std::string> names;
  for (unsigned i = 0, e = layer.args.size(); i < e; ++i)
    names.push_back(engine.getArgumentName(i).str());
  layer.names = names;
  layer.activation = engine.getActivation().index;
  layer.resultKind = engine.getResult().kind;
  layer.hidden = engine.getHiddenSize();
  layer.threads = options.threads;
  layer.kernels = kernelsName(options.kernels);
  layer.cpu = (*machine)->getTargetCPU().str();
  layer.features = options.target.features;
  layer.setsThreads = options.threads == 0 &&
                      options.kernels != MoECPUKernels::Reference &&
                      hasOpenMPRuntime();

  switch (options.emit) {
  case AotEmit::LLVMIR: {
    std::string text;
    raw_string_ostream os(text);
    (*module)->print(os, nullptr);
    if (Error err = writeFile(options.output, text))
      return err;
    break;
  }
  case AotEmit::Assembly:
    if (Error err = emitMachineCode(**module, **machine, options.output,
                                    CodeGenFileType::AssemblyFile))
      return err;
    break;
  case AotEmit::Shared:
  case AotEmit::Object: {
    ScratchDirectory scratch;
    if (Error err = scratch.create())
      return err;
    if (Error err = emitMachineCode(**module, **machine,
                                    scratch.file("layer.o"),
                                    CodeGenFileType::ObjectFile))
      return err;
    if (Error err = writeFile(scratch.file("wrapper.c"),
                              generateWrapperSource(layer)))
      return err;
    if (Error err = buildLibrary(compiler, scratch, options, layer.entry))
      return err;
    break;
  }
  }
  if (options.header.empty())
    return Error::success();
  return writeFile(options.header,
                   generateHeader(layer, sys::path::filename(options.header)));
}
