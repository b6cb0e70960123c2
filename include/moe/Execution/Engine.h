//===- Engine.h - A compiled MoE layer for other programs -------*- C++ -*-===//
//
// One moe layer module, JIT-compiled for the host CPU (or a layer library
// that moe-compile built ahead of time, docs/AOT.md), as a program that
// embeds it sees it: the entry function takes one activation [T, D] (the
// argument without `moe.weight`) and the weights (arguments with
// `moe.weight`), and returns one [T, D] tensor. Weights are bound once,
// from safetensors checkpoints (by their `moe.weight` names and
// `moe.weight_view`s, as moe-run binds them) or from the caller's memory
// (borrowed, not copied, when its element type and shape are the
// argument's); then the layer runs on the caller's activation buffers of any
// T, writing into the caller's output buffers. Compilation happens on the
// first run (or `compile`), after the thread count and kernels are set.
// Nothing here prints or exits: every failure is an EngineError. The C API
// (include/moe-c/MoE.h) is a thin layer over this class; docs/CAPI.md.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_EXECUTION_ENGINE_H
#define MOE_EXECUTION_ENGINE_H

#include "moe/Execution/ArgumentBinding.h"
#include "moe/Execution/HostTensor.h"
#include "moe/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir {
class MLIRContext;
namespace moe {
namespace execution {

class LayerCode;

/// What kind of failure an EngineError reports (the C API's status codes).
enum class EngineErrorKind {
  /// A bad value from the caller (null pointer, size, dtype, name).
  InvalidArgument,
  /// A file that cannot be read.
  Io,
  /// A module that does not parse, or is not a layer the engine runs.
  InvalidModule,
  /// The lowering or JIT compilation failed.
  Compile,
  /// A weight that cannot be bound (missing, wrong shape or dtype).
  Binding,
  /// A call out of order (setting options after compiling, running with
  /// weights unbound).
  State,
};

/// A failure of the engine: its kind and one line saying what was wrong.
class EngineError : public llvm::ErrorInfo<EngineError> {
public:
  static char ID;

  EngineError(EngineErrorKind kind, std::string message)
      : kind(kind), message(std::move(message)) {}

  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

  EngineErrorKind kind;
  std::string message;
};

/// A MoE layer with its bound weights: its arguments and their values, run
/// by one of two kinds of code (LayerCode): the module JIT-compiled on the
/// first run, or a layer library compiled ahead of time.
class Engine {
public:
  ~Engine();

  /// Reads and parses the module at `path` and checks its function
  /// `entryName` (see the file comment).
  static llvm::Expected<std::unique_ptr<Engine>>
  loadFile(llvm::StringRef path, llvm::StringRef entryName = "forward");

  /// The same for the module text `text`, called `name` in messages.
  static llvm::Expected<std::unique_ptr<Engine>>
  loadString(llvm::StringRef text, llvm::StringRef name,
             llvm::StringRef entryName = "forward");

  /// Loads the layer library at `path` that moe-compile built (dlopen); its
  /// argument table takes the place of the module, and it is compiled.
  static llvm::Expected<std::unique_ptr<Engine>>
  loadLibrary(llvm::StringRef path);

  /// Threads of the fast kernels, 0 (the default) for all cores, at most
  /// 1024; before compiling (at any time for a layer library compiled with
  /// a thread count chosen at run time).
  llvm::Error setThreads(int64_t threads);

  /// The kernels of moe-cpu-pipeline; before compiling (never for a layer
  /// library).
  llvm::Error setKernels(MoECPUKernels kernels);

  /// The entry function's arguments, in order.
  llvm::ArrayRef<ArgumentInfo> getArguments() const { return args; }

  /// Argument `i`'s name in the module text (`%router` as "router"), or
  /// "arg<i>" when the text does not name it.
  llvm::StringRef getArgumentName(unsigned i) const { return names[i]; }

  /// Whether argument `i` is a weight with a bound value.
  bool isBound(unsigned i) const { return bound[i]; }

  /// The activation argument.
  const ArgumentInfo &getActivation() const { return args[activation]; }

  /// D, the activation's last dimension.
  int64_t getHiddenSize() const;

  /// The result [T, D].
  const ResultInfo &getResult() const { return results.front(); }

  /// The module (null for a layer library), its entry and its path.
  ModuleOp getModule() { return module ? module.get() : ModuleOp(); }
  func::FuncOp getEntry();
  llvm::StringRef getEntryName() const { return entryName; }
  llvm::StringRef getModulePath() const { return modulePath; }

  /// Binds weights from the safetensors files or model directories `paths`
  /// (looked up in order), `{layer}` in their names replaced by `layer`:
  /// the weight argument called `name` (its name in the text or its
  /// `moe.weight` name), or, without a name, every weight not bound yet.
  llvm::Error bindWeightsFromFiles(llvm::ArrayRef<std::string> paths,
                                   std::optional<int64_t> layer,
                                   std::optional<llvm::StringRef> name = {});

  /// Binds the weight argument called `name` to `data`, a dense row-major
  /// array of element type `kind` and shape `shape`: the argument's shape,
  /// or for an argument with a `moe.weight_view` the stored shape (with the
  /// experts first for `{e}` names), which is rearranged. Borrowed when the
  /// element type and shape are the argument's and `data` is aligned to its
  /// element size (the caller keeps it alive and unchanged while the engine
  /// uses it); copied otherwise.
  llvm::Error bindWeight(llvm::StringRef name, ElementKind kind,
                         llvm::ArrayRef<int64_t> shape, const void *data);

  /// Lowers and JIT-compiles the module (once; nothing for a library).
  llvm::Error compile();

  bool isCompiled() const { return code != nullptr; }

  /// Runs the layer on `x`, `tokens` rows of `hidden` elements of type
  /// `kind` (f32, or the activation's element type), writing the result
  /// (the same shape and element type) to `y`. Compiles first if needed;
  /// every weight must be bound.
  llvm::Error run(const void *x, ElementKind kind, int64_t tokens,
                  int64_t hidden, void *y);

private:
  Engine();

  static llvm::Expected<std::unique_ptr<Engine>>
  load(std::unique_ptr<Engine> engine,
       std::unique_ptr<llvm::MemoryBuffer> buffer, llvm::StringRef path,
       llvm::StringRef entryName);

  /// Finds the activation and checks that the entry is a layer.
  llvm::Error checkLayer();

  /// The index of the weight argument called `name`.
  llvm::Expected<unsigned> findWeight(llvm::StringRef name) const;

  std::unique_ptr<MLIRContext> context;
  std::unique_ptr<llvm::SourceMgr> sourceMgr;
  OwningOpRef<ModuleOp> module;
  std::string modulePath;
  std::string entryName;
  llvm::SmallVector<ArgumentInfo> args;
  llvm::SmallVector<ResultInfo> results;
  llvm::SmallVector<std::string> names;
  unsigned activation = 0;
  /// One value per argument (the activation's is set for each run).
  std::vector<HostTensor> values;
  std::vector<bool> bound;
  unsigned threads = 0;
  MoECPUKernels kernels = getDefaultMoECPUKernels();
  std::unique_ptr<LayerCode> code;
  /// Whether `code` is a layer library (compiled ahead of time).
  bool library = false;
};

} // namespace execution
} // namespace moe
} // namespace mlir

#endif // MOE_EXECUTION_ENGINE_H
