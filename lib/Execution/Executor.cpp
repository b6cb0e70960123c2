//===- Executor.cpp - Compiling and calling the entry function ------------===//

#include "moe/Execution/Executor.h"

#include "moe/Execution/CPUCodegen.h"
#include "moe/Pipelines/Pipelines.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/Location.h"

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/ExecutionEngine/Orc/Shared/ExecutorSymbolDef.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Target/TargetMachine.h"

#include <cstdlib>
#include <cstring>

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <dlfcn.h>

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

static_assert(sizeof(void *) == sizeof(int64_t),
              "memref descriptors are read as 64-bit words");

//===----------------------------------------------------------------------===//
// DiagnosticCapture
//===----------------------------------------------------------------------===//

namespace {
std::string formatLocation(Location loc) {
  if (auto fileLoc = loc->findInstanceOf<FileLineColLoc>())
    return formatv("{0}:{1}:{2}", fileLoc.getFilename().getValue(),
                   fileLoc.getLine(), fileLoc.getColumn())
        .str();
  return "";
}

std::string oneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}
} // namespace

DiagnosticCapture::DiagnosticCapture(MLIRContext *context,
                                     std::string fallbackWhere)
    : fallbackWhere(std::move(fallbackWhere)),
      handler(context, [this](Diagnostic &diag) {
        if (diag.getSeverity() != DiagnosticSeverity::Error)
          return success();
        if (!message) {
          std::string loc = formatLocation(diag.getLocation());
          where = loc.empty() ? this->fallbackWhere : loc;
          message = oneLine(diag.str());
        }
        return success();
      }) {}

Error DiagnosticCapture::takeError(const Twine &what) {
  if (!message)
    return makeRunError(fallbackWhere, what);
  Error err = makeRunError(*where, what + ": " + *message);
  where.reset();
  message.reset();
  return err;
}

//===----------------------------------------------------------------------===//
// Executor
//===----------------------------------------------------------------------===//

namespace {

/// A strided memref descriptor as 64-bit words for the row-major buffer
/// `data` of `shape`: allocated pointer, aligned pointer, offset,
/// sizes[rank], strides[rank].
SmallVector<int64_t> makeDescriptor(void *data, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> words;
  int64_t pointer = reinterpret_cast<intptr_t>(data);
  words.append({pointer, pointer, 0});
  words.append(shape.begin(), shape.end());
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  words.append(strides.begin(), strides.end());
  return words;
}

/// The sizes of the result described by `words` (rank `rank`).
ArrayRef<int64_t> resultSizes(const int64_t *words, int64_t rank) {
  return ArrayRef<int64_t>(words + 3, rank);
}

/// Copies the result described by `words` (rank `rank`) into `result`, a
/// dense array of its sizes and element type.
void copyResult(const int64_t *words, int64_t rank, HostTensor &result) {
  const char *aligned = reinterpret_cast<const char *>(words[1]);
  int64_t offset = words[2];
  ArrayRef<int64_t> sizes = resultSizes(words, rank);
  ArrayRef<int64_t> strides(words + 3 + rank, rank);
  size_t elementSize = getElementSize(result.getKind());
  int64_t n = result.getNumElements();
  SmallVector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t linear = offset;
    for (int64_t d = 0; d < rank; ++d)
      linear += index[d] * strides[d];
    std::memcpy(result.getData() + i * elementSize,
                aligned + linear * elementSize, elementSize);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < sizes[d])
        break;
      index[d] = 0;
    }
  }
}

/// Keeps the memory that the compiled code frees in the process, so that
/// the buffers of one call are reused by the next: by default glibc returns
/// freed blocks of more than 128 KiB to the system (munmap, heap trimming),
/// and every call then pays page faults for fresh zero pages on the calling
/// thread while the other threads wait (about 10% of a prefill call on two
/// threads). Allocations of more than 32 MiB are still mapped each time.
void keepFreedMemory() {
#ifdef __GLIBC__
  static bool done = [] {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
    return true;
  }();
  (void)done;
#endif
}

} // namespace

void execution::prepareEntry(func::FuncOp entry) {
  // The C interface gives one stable calling convention for any signature;
  // read-only arguments keep bufferization from writing into the caller's
  // arrays (it copies instead), so the same inputs serve every repetition.
  MLIRContext *context = entry.getContext();
  entry->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                 UnitAttr::get(context));
  for (unsigned i = 0, e = entry.getNumArguments(); i < e; ++i)
    if (isa<TensorType>(entry.getArgument(i).getType()))
      entry.setArgAttr(i, "bufferization.writable",
                       BoolAttr::get(context, false));
}

LayerCode::~LayerCode() = default;

Executor::~Executor() = default;

Expected<std::unique_ptr<Executor>>
Executor::compile(ModuleOp module, func::FuncOp entry,
                  ArrayRef<ResultInfo> results, unsigned numThreads,
                  MoECPUKernels kernels, StringRef modulePath,
                  bool passManagerOptions) {
  std::string entryName = entry.getSymName().str();
  if (Error err = lowerForCPU(module, entry, numThreads, kernels,
                              /*vectorWidth=*/0, MoECPUFeature::Host,
                              MoECPUFeature::Host, MoECPUFeature::Host,
                              modulePath,
                              passManagerOptions))
    return std::move(err);
  Expected<std::unique_ptr<TargetMachine>> engineMachine =
      createCPUTargetMachine({}, /*forJIT=*/true);
  Expected<std::unique_ptr<TargetMachine>> optimizerMachine =
      createCPUTargetMachine({}, /*forJIT=*/true);
  if (!engineMachine)
    return wrapError(engineMachine.takeError(), modulePath);
  if (!optimizerMachine)
    return wrapError(optimizerMachine.takeError(), modulePath);

  keepFreedMemory();
  std::unique_ptr<Executor> executor(new Executor());
  executor->targetMachine = std::move(*optimizerMachine);
  executor->results.assign(results.begin(), results.end());
  TargetMachine *machine = executor->targetMachine.get();
  auto transformer = [machine](llvm::Module *m) {
    return optimizeForCPU(*m, *machine);
  };
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = CodeGenOptLevel::Aggressive;
  engineOptions.enableGDBNotificationListener = false;
  // MOE_RUN_PERF=1: jitdump files for `perf inject --jit` (the generated
  // code by name in perf reports; docs/performance.md).
  engineOptions.enablePerfNotificationListener =
      std::getenv("MOE_RUN_PERF") != nullptr;
  DiagnosticCapture capture(module.getContext(), modulePath.str());
  Expected<std::unique_ptr<ExecutionEngine>> engine =
      ExecutionEngine::create(module, engineOptions, std::move(*engineMachine));
  if (!engine)
    return capture.takeError("JIT compilation failed: " +
                             toString(engine.takeError()));
  executor->engine = std::move(*engine);
  Expected<void (*)(void **)> function =
      startEngine(*executor->engine, {}, entryName, modulePath);
  if (!function)
    return function.takeError();
  executor->function = *function;
  return executor;
}

/// The OpenMP API functions compiled code calls by their plain names
/// (omp_get_thread_num, ...), taken from the LLVM OpenMP runtime that runs
/// its parallel regions (the library defining `__kmpc_fork_call`). The JIT
/// would otherwise resolve them in the process's global scope, where a
/// program may have loaded GNU's libgomp first (PyTorch does): libgomp's
/// omp_get_thread_num answers 0 in every thread of an LLVM OpenMP team, and
/// each thread would compute every thread's share.
static SmallVector<std::pair<const char *, void *>> openMPSymbols() {
  SmallVector<std::pair<const char *, void *>> symbols;
  void *fork = dlsym(RTLD_DEFAULT, "__kmpc_fork_call");
  Dl_info info;
  if (!fork || !dladdr(fork, &info) || !info.dli_fname)
    return symbols;
  void *runtime = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD);
  if (!runtime)
    return symbols;
  for (const char *name :
       {"omp_get_thread_num", "omp_get_num_threads", "omp_get_max_threads",
        "omp_set_num_threads", "omp_in_parallel", "omp_get_wtime"})
    if (void *address = dlsym(runtime, name))
      symbols.push_back({name, address});
  // The runtime stays loaded: the handle only added a reference.
  dlclose(runtime);
  return symbols;
}

Expected<void (*)(void **)>
execution::startEngine(ExecutionEngine &engine,
                 ArrayRef<std::pair<const char *, void *>> symbols,
                 StringRef entryName, StringRef modulePath) {
  // Runtime functions the lowering may call: memrefCopy from the MLIR C
  // runner utilities linked into moe-run, the OpenMP API functions, and
  // `symbols`.
  SmallVector<std::pair<const char *, void *>> runtime = openMPSymbols();
  engine.registerSymbols([&](orc::MangleAndInterner interner) {
    orc::SymbolMap map;
    map[interner("memrefCopy")] = {orc::ExecutorAddr::fromPtr(&memrefCopy),
                                   JITSymbolFlags::Exported};
    for (ArrayRef<std::pair<const char *, void *>> list :
         {ArrayRef(runtime), symbols})
      for (auto [name, address] : list)
        map[interner(name)] = {orc::ExecutorAddr::fromPtr(address),
                               JITSymbolFlags::Exported};
    return map;
  });
  engine.initialize();
  Expected<void (*)(void **)> function =
      engine.lookupPacked(("_mlir_ciface_" + entryName).str());
  if (!function)
    return makeRunError(modulePath,
                        formatv("expected the compiled @{0} to have a C "
                                "interface, found none: {1}",
                                entryName, toString(function.takeError())));
  return *function;
}

Expected<std::vector<HostTensor>>
execution::callPacked(function_ref<void(void **)> invoke,
                      ArrayRef<void *> argData, ArrayRef<HostTensor> args,
                      ArrayRef<ResultInfo> results, bool keepResults,
                      function_ref<void(void *)> release,
                      MutableArrayRef<HostTensor> into) {
  // Argument descriptors, and one block of words for the struct of result
  // descriptors (all fields are 64-bit, so the struct has no padding).
  SmallVector<SmallVector<int64_t>> descriptors;
  for (auto [data, arg] : llvm::zip_equal(argData, args))
    descriptors.push_back(makeDescriptor(data, arg.getShape()));
  SmallVector<size_t> resultOffsets;
  size_t resultWords = 0;
  for (const ResultInfo &result : results) {
    resultOffsets.push_back(resultWords);
    resultWords += 3 + 2 * result.type.getRank();
  }
  SmallVector<int64_t> resultBlock(resultWords, 0);

  // The C interface takes a pointer to the results, then a pointer to each
  // argument descriptor; the packed wrapper takes a pointer to each of those
  // pointers.
  SmallVector<void *> pointers;
  pointers.push_back(resultBlock.data());
  for (SmallVector<int64_t> &descriptor : descriptors)
    pointers.push_back(descriptor.data());
  SmallVector<void *> packed;
  for (void *&pointer : pointers)
    packed.push_back(&pointer);
  invoke(packed.data());

  std::vector<HostTensor> values;
  Error error = Error::success();
  SmallPtrSet<void *, 8> argBuffers(argData.begin(), argData.end()), freed;
  for (auto [i, result, offset] : llvm::enumerate(results, resultOffsets)) {
    const int64_t *words = resultBlock.data() + offset;
    int64_t rank = result.type.getRank();
    if (i < into.size()) {
      ArrayRef<int64_t> sizes = resultSizes(words, rank);
      if (into[i].getShape() == sizes && into[i].getKind() == result.kind)
        copyResult(words, rank, into[i]);
      else if (!error)
        error = makeRunError(
            formatv("result #{0}", i),
            formatv("expected {1} {2} for the output buffer, found the "
                    "compiled code returning {3} {4}",
                    i, formatShape(into[i].getShape()),
                    getElementKindName(into[i].getKind()), formatShape(sizes),
                    getElementKindName(result.kind)));
    } else if (keepResults) {
      HostTensor value(result.kind, resultSizes(words, rank));
      copyResult(words, rank, value);
      values.push_back(std::move(value));
    }
    // The pipeline returns buffers the caller owns; never free one twice or
    // free one of our own inputs.
    void *allocated = reinterpret_cast<void *>(words[0]);
    if (allocated && !argBuffers.contains(allocated) &&
        freed.insert(allocated).second)
      release(allocated);
  }
  if (error)
    return error;
  return values;
}

Expected<std::vector<HostTensor>> Executor::call(std::vector<HostTensor> &args,
                                                 bool keepResults) {
  SmallVector<void *> data;
  for (HostTensor &arg : args)
    data.push_back(arg.getData());
  return callPacked(function, data, args, results, keepResults,
                    [](void *buffer) { std::free(buffer); });
}

Error Executor::callInto(std::vector<HostTensor> &args,
                         MutableArrayRef<HostTensor> outputs) {
  SmallVector<void *> data;
  for (HostTensor &arg : args)
    data.push_back(arg.getData());
  Expected<std::vector<HostTensor>> none =
      callPacked(function, data, args, results, /*keepResults=*/false,
                 [](void *buffer) { std::free(buffer); }, outputs);
  return none.takeError();
}
