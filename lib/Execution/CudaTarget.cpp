//===- CudaTarget.cpp - Running the entry function on a CUDA GPU ----------===//

#include "moe/Execution/CudaTarget.h"
#include "moe/Execution/Executor.h"

#include "moe/Pipelines/GPUPipeline.h"

#include "../Runtime/CUDA/MoECudaRuntime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/ExecutionEngine/Orc/Shared/ExecutorSymbolDef.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Target/TargetMachine.h"

#include <cstring>

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

/// The entry points of libMoECudaRuntime that moe-run calls itself.
struct CudaExecutor::Runtime {
  MoeCudaAllocManagedFn allocManaged = nullptr;
  MoeCudaFreeFn free = nullptr;
  MoeCudaSynchronizeFn synchronize = nullptr;
  /// The `mgpu*` functions compiled code calls, by name.
  SmallVector<std::pair<const char *, void *>> symbols;
  /// The device's architecture, "sm_90".
  std::string chip;
};

namespace {

/// Functions that host code lowered by gpu-to-llvm, or the translation of
/// gpu.binary and gpu.launch_func, may call.
constexpr const char *kRuntimeSymbols[] = {"mgpuModuleLoad",
                                           "mgpuModuleLoadJIT",
                                           "mgpuModuleUnload",
                                           "mgpuModuleGetFunction",
                                           "mgpuLaunchKernel",
                                           "mgpuLaunchClusterKernel",
                                           "mgpuStreamCreate",
                                           "mgpuStreamDestroy",
                                           "mgpuStreamSynchronize",
                                           "mgpuStreamWaitEvent",
                                           "mgpuEventCreate",
                                           "mgpuEventDestroy",
                                           "mgpuEventSynchronize",
                                           "mgpuEventRecord",
                                           "mgpuMemAlloc",
                                           "mgpuMemFree",
                                           "mgpuMemcpy",
                                           "mgpuMemset16",
                                           "mgpuMemset32",
                                           "mgpuMemHostRegister",
                                           "mgpuMemHostUnregister",
                                           "mgpuMemHostRegisterMemRef",
                                           "mgpuMemHostUnregisterMemRef",
                                           "mgpuSetDefaultDevice"};

/// libMoECudaRuntime: $MOE_CUDA_RUNTIME, else next to the libraries of the
/// build moe-run belongs to (<bin>/../lib).
std::string findRuntimeLibrary() {
  if (std::optional<std::string> path =
          sys::Process::GetEnv("MOE_CUDA_RUNTIME"))
    return *path;
  std::string exe = sys::fs::getMainExecutable(nullptr, nullptr);
  SmallString<256> path(sys::path::parent_path(sys::path::parent_path(exe)));
  sys::path::append(path, "lib", "libMoECudaRuntime.so");
  return std::string(path);
}

/// Loads the runtime library and checks that the default device is usable.
Expected<std::unique_ptr<CudaExecutor::Runtime>> loadRuntime() {
  const char *where = "--target=cuda";
  std::string path = findRuntimeLibrary();
  if (!sys::fs::exists(path))
    return makeRunError(where,
                        formatv("no CUDA runtime library at '{0}': moe-run "
                                "was built without the CUDA toolkit (or set "
                                "MOE_CUDA_RUNTIME)",
                                path));
  std::string message;
  sys::DynamicLibrary library =
      sys::DynamicLibrary::getPermanentLibrary(path.c_str(), &message);
  if (!library.isValid())
    return makeRunError(where,
                        formatv("cannot load the CUDA runtime library: {0} "
                                "(is the NVIDIA driver installed?)",
                                message));
  auto lookup = [&](const char *name) {
    return library.getAddressOfSymbol(name);
  };
  auto probe = reinterpret_cast<MoeCudaProbeFn>(lookup("moeCudaProbe"));
  auto runtime = std::make_unique<CudaExecutor::Runtime>();
  runtime->allocManaged =
      reinterpret_cast<MoeCudaAllocManagedFn>(lookup("moeCudaAllocManaged"));
  runtime->free = reinterpret_cast<MoeCudaFreeFn>(lookup("moeCudaFree"));
  runtime->synchronize =
      reinterpret_cast<MoeCudaSynchronizeFn>(lookup("moeCudaSynchronize"));
  if (!probe || !runtime->allocManaged || !runtime->free ||
      !runtime->synchronize)
    return makeRunError(where, formatv("'{0}' is not the moe CUDA runtime "
                                       "library (moeCudaProbe missing)",
                                       path));
  for (const char *name : kRuntimeSymbols)
    if (void *address = lookup(name))
      runtime->symbols.push_back({name, address});

  char buffer[512] = {0};
  if (probe(buffer, sizeof(buffer)) != 0)
    return makeRunError(where, formatv("no usable CUDA device: {0}", buffer));
  runtime->chip = buffer;
  return runtime;
}

/// The PTX ISA version that the NVPTX back end needs for `chip`.
std::string getPtxFeatures(StringRef chip) {
  unsigned arch = 0;
  chip.drop_front(3).take_while(isDigit).getAsInteger(10, arch);
  if (arch >= 120)
    return "+ptx87";
  if (arch >= 100)
    return "+ptx86";
  return "+ptx80";
}

} // namespace

CudaExecutor::~CudaExecutor() {
  if (runtime)
    for (void *buffer : deviceArgs)
      runtime->free(buffer);
}

Expected<std::unique_ptr<CudaExecutor>>
CudaExecutor::compile(ModuleOp module, func::FuncOp entry,
                      ArrayRef<ResultInfo> results, bool tensorCores,
                      StringRef modulePath) {
  Expected<std::unique_ptr<Runtime>> runtime = loadRuntime();
  if (!runtime)
    return runtime.takeError();

  MLIRContext *context = module.getContext();
  std::string entryName = entry.getSymName().str();
  prepareEntry(entry);

  // The first error diagnostic of the lowering, as one line.
  std::optional<std::string> firstError;
  ScopedDiagnosticHandler handler(context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && !firstError) {
      firstError = diag.str();
      std::replace(firstError->begin(), firstError->end(), '\n', ' ');
    }
    return success();
  });
  PassManager pm(context);
  if (failed(applyPassManagerCLOptions(pm)))
    return makeRunError(modulePath, "invalid pass manager options");
  MoEGPUPipelineOptions options;
  options.chip = (*runtime)->chip;
  options.features = getPtxFeatures((*runtime)->chip);
  options.format = "bin";
  options.tensorCores = tensorCores;
  buildMoEGPUPipeline(pm, options);
  if (failed(pm.run(module)) || firstError)
    return makeRunError(modulePath, "lowering with moe-gpu-pipeline failed: " +
                                        firstError.value_or("unknown error"));

  Expected<orc::JITTargetMachineBuilder> builder =
      orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return wrapError(builder.takeError(), modulePath);
  Expected<std::unique_ptr<TargetMachine>> machine =
      builder->createTargetMachine();
  if (!machine)
    return wrapError(machine.takeError(), modulePath);

  std::unique_ptr<CudaExecutor> executor(new CudaExecutor());
  executor->results.assign(results.begin(), results.end());
  auto transformer = makeOptimizingTransformer(
      /*optLevel=*/2, /*sizeLevel=*/0, /*targetMachine=*/nullptr);
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.enableGDBNotificationListener = false;
  engineOptions.enablePerfNotificationListener = false;
  Expected<std::unique_ptr<ExecutionEngine>> engine =
      ExecutionEngine::create(module, engineOptions, std::move(*machine));
  if (!engine)
    return makeRunError(modulePath, "JIT compilation failed: " +
                                        toString(engine.takeError()));
  executor->engine = std::move(*engine);
  executor->runtime = std::move(*runtime);
  Expected<void (*)(void **)> function = startEngine(
      *executor->engine, executor->runtime->symbols, entryName, modulePath);
  if (!function)
    return function.takeError();
  executor->function = *function;
  return executor;
}

Expected<std::vector<HostTensor>>
CudaExecutor::call(std::vector<HostTensor> &args, bool keepResults) {
  // Arguments: copied into managed memory once, reused by later calls (the
  // compiled code does not write into its arguments).
  if (deviceArgs.empty())
    for (HostTensor &arg : args) {
      void *buffer = runtime->allocManaged(arg.getSizeInBytes());
      if (arg.getSizeInBytes())
        std::memcpy(buffer, arg.getData(), arg.getSizeInBytes());
      deviceArgs.push_back(buffer);
    }
  // Results are managed allocations of the compiled code, owned here; they
  // are read once the device is done.
  return callPacked(
      [&](void **packed) {
        function(packed);
        runtime->synchronize();
      },
      deviceArgs, args, results, keepResults,
      [&](void *buffer) { runtime->free(buffer); });
}
