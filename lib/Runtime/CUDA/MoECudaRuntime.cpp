//===- MoECudaRuntime.cpp - GPU runtime calls of moe-gpu-pipeline ---------===//
//
// The `mgpu*` functions that host code lowered by gpu-to-llvm (and the
// module loading that the gpu.binary translation emits) calls, on the CUDA
// driver API, plus the entry points moe-run uses to allocate its arguments.
// Every function runs in the primary context of the default device (device
// 0 unless mgpuSetDefaultDevice chose another).
//
// Errors: a failing driver call prints one line
//   error: CUDA call cuXxx failed: CUDA_ERROR_...: <description>
// to stderr and exits with status 1 (compiled code has no way to handle a
// failure of these calls, and a half-run layer has no useful result).
//
//===----------------------------------------------------------------------===//

#include "MoECudaRuntime.h"

#include <cuda.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#define MOE_CUDA_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/// Prints the one-line diagnostic for `result` of the driver call `call` and
/// exits with status 1.
[[noreturn]] void fail(const char *call, CUresult result) {
  const char *name = nullptr;
  const char *description = nullptr;
  if (cuGetErrorName(result, &name) != CUDA_SUCCESS)
    name = "unknown error";
  if (cuGetErrorString(result, &description) != CUDA_SUCCESS)
    description = "no description";
  std::fflush(stdout);
  std::fprintf(stderr, "error: CUDA call %s failed: %s: %s\n", call, name,
               description);
  std::fflush(stderr);
  std::exit(1);
}

#define MOE_CUDA_CHECK(expr)                                                   \
  do {                                                                         \
    CUresult moeResult = (expr);                                               \
    if (moeResult != CUDA_SUCCESS)                                             \
      fail(#expr, moeResult);                                                  \
  } while (false)

int defaultDevice = 0;

/// The primary context of the default device, created on first use and
/// made current on the calling thread.
CUcontext getContext() {
  static std::mutex mutex;
  static CUcontext context = nullptr;
  static int contextDevice = -1;
  std::lock_guard<std::mutex> lock(mutex);
  if (!context || contextDevice != defaultDevice) {
    static bool initialized = false;
    if (!initialized) {
      MOE_CUDA_CHECK(cuInit(0));
      initialized = true;
    }
    CUdevice device;
    MOE_CUDA_CHECK(cuDeviceGet(&device, defaultDevice));
    MOE_CUDA_CHECK(cuDevicePrimaryCtxRetain(&context, device));
    contextDevice = defaultDevice;
  }
  return context;
}

/// Makes the default device's context current for the rest of the call.
void enterContext() { MOE_CUDA_CHECK(cuCtxSetCurrent(getContext())); }

} // namespace

//===----------------------------------------------------------------------===//
// Modules and launches
//===----------------------------------------------------------------------===//

MOE_CUDA_EXPORT CUmodule mgpuModuleLoad(void *data, size_t /*size*/) {
  enterContext();
  CUmodule module = nullptr;
  MOE_CUDA_CHECK(cuModuleLoadData(&module, data));
  return module;
}

MOE_CUDA_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  enterContext();
  CUmodule module = nullptr;
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  MOE_CUDA_CHECK(cuModuleLoadDataEx(&module, data, 1, options, values));
  return module;
}

MOE_CUDA_EXPORT void mgpuModuleUnload(CUmodule module) {
  enterContext();
  MOE_CUDA_CHECK(cuModuleUnload(module));
}

MOE_CUDA_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module,
                                                 const char *name) {
  enterContext();
  CUfunction function = nullptr;
  MOE_CUDA_CHECK(cuModuleGetFunction(&function, module, name));
  return function;
}

MOE_CUDA_EXPORT void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                      intptr_t gridY, intptr_t gridZ,
                                      intptr_t blockX, intptr_t blockY,
                                      intptr_t blockZ, int32_t sharedBytes,
                                      CUstream stream, void **params,
                                      void **extra, size_t /*paramsCount*/) {
  enterContext();
  if (sharedBytes > 48 * 1024) {
    MOE_CUDA_CHECK(cuFuncSetAttribute(
        function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
        sharedBytes));
  }
  MOE_CUDA_CHECK(cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                                blockZ, sharedBytes, stream, params, extra));
}

MOE_CUDA_EXPORT void mgpuLaunchClusterKernel(
    CUfunction function, intptr_t clusterX, intptr_t clusterY,
    intptr_t clusterZ, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
    intptr_t blockX, intptr_t blockY, intptr_t blockZ, int32_t sharedBytes,
    CUstream stream, void **params, void **extra, size_t /*paramsCount*/) {
  enterContext();
  if (sharedBytes > 48 * 1024) {
    MOE_CUDA_CHECK(cuFuncSetAttribute(
        function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
        sharedBytes));
  }
  CUlaunchAttribute attribute;
  attribute.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attribute.value.clusterDim.x = clusterX;
  attribute.value.clusterDim.y = clusterY;
  attribute.value.clusterDim.z = clusterZ;
  CUlaunchConfig config = {};
  config.gridDimX = gridX;
  config.gridDimY = gridY;
  config.gridDimZ = gridZ;
  config.blockDimX = blockX;
  config.blockDimY = blockY;
  config.blockDimZ = blockZ;
  config.sharedMemBytes = sharedBytes;
  config.hStream = stream;
  config.attrs = &attribute;
  config.numAttrs = 1;
  MOE_CUDA_CHECK(cuLaunchKernelEx(&config, function, params, extra));
}

//===----------------------------------------------------------------------===//
// Streams and events
//===----------------------------------------------------------------------===//

MOE_CUDA_EXPORT CUstream mgpuStreamCreate() {
  enterContext();
  CUstream stream = nullptr;
  MOE_CUDA_CHECK(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  return stream;
}

MOE_CUDA_EXPORT void mgpuStreamDestroy(CUstream stream) {
  enterContext();
  MOE_CUDA_CHECK(cuStreamDestroy(stream));
}

MOE_CUDA_EXPORT void mgpuStreamSynchronize(CUstream stream) {
  enterContext();
  MOE_CUDA_CHECK(cuStreamSynchronize(stream));
}

MOE_CUDA_EXPORT void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  enterContext();
  MOE_CUDA_CHECK(cuStreamWaitEvent(stream, event, /*flags=*/0));
}

MOE_CUDA_EXPORT CUevent mgpuEventCreate() {
  enterContext();
  CUevent event = nullptr;
  MOE_CUDA_CHECK(cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  return event;
}

MOE_CUDA_EXPORT void mgpuEventDestroy(CUevent event) {
  enterContext();
  MOE_CUDA_CHECK(cuEventDestroy(event));
}

MOE_CUDA_EXPORT void mgpuEventSynchronize(CUevent event) {
  enterContext();
  MOE_CUDA_CHECK(cuEventSynchronize(event));
}

MOE_CUDA_EXPORT void mgpuEventRecord(CUevent event, CUstream stream) {
  enterContext();
  MOE_CUDA_CHECK(cuEventRecord(event, stream));
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

MOE_CUDA_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, CUstream /*stream*/,
                                   bool isHostShared) {
  enterContext();
  // The driver refuses empty allocations; an empty buffer is never read.
  if (sizeBytes == 0)
    return nullptr;
  CUdeviceptr pointer = 0;
  if (isHostShared)
    MOE_CUDA_CHECK(
        cuMemAllocManaged(&pointer, sizeBytes, CU_MEM_ATTACH_GLOBAL));
  else
    MOE_CUDA_CHECK(cuMemAlloc(&pointer, sizeBytes));
  return reinterpret_cast<void *>(pointer);
}

MOE_CUDA_EXPORT void mgpuMemFree(void *pointer, CUstream /*stream*/) {
  if (!pointer)
    return;
  enterContext();
  MOE_CUDA_CHECK(cuMemFree(reinterpret_cast<CUdeviceptr>(pointer)));
}

MOE_CUDA_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                                CUstream stream) {
  if (sizeBytes == 0)
    return;
  enterContext();
  MOE_CUDA_CHECK(cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                               reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                               stream));
}

MOE_CUDA_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                                  CUstream stream) {
  if (count == 0)
    return;
  enterContext();
  MOE_CUDA_CHECK(cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                  count, stream));
}

MOE_CUDA_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                                  CUstream stream) {
  if (count == 0)
    return;
  enterContext();
  MOE_CUDA_CHECK(cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                  count, stream));
}

MOE_CUDA_EXPORT void mgpuMemHostRegister(void *pointer, uint64_t sizeBytes) {
  if (sizeBytes == 0)
    return;
  enterContext();
  MOE_CUDA_CHECK(cuMemHostRegister(pointer, sizeBytes, /*Flags=*/0));
}

MOE_CUDA_EXPORT void mgpuMemHostUnregister(void *pointer) {
  enterContext();
  MOE_CUDA_CHECK(cuMemHostUnregister(pointer));
}

namespace {
/// A memref descriptor of any rank: allocated and aligned pointers, offset,
/// then `rank` sizes and `rank` strides.
struct MemRefHeader {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizesAndStrides[1];
};

/// The address and byte size of the elements a dense memref covers.
std::pair<void *, uint64_t> getDenseExtent(int64_t rank, void *descriptor,
                                           int64_t elementSizeBytes) {
  auto *header = static_cast<MemRefHeader *>(descriptor);
  uint64_t elements = 1;
  for (int64_t i = 0; i < rank; ++i)
    elements *= static_cast<uint64_t>(header->sizesAndStrides[i]);
  return {header->aligned + header->offset * elementSizeBytes,
          elements * static_cast<uint64_t>(elementSizeBytes)};
}
} // namespace

MOE_CUDA_EXPORT void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                                               int64_t elementSizeBytes) {
  auto [pointer, sizeBytes] =
      getDenseExtent(rank, descriptor, elementSizeBytes);
  mgpuMemHostRegister(pointer, sizeBytes);
}

MOE_CUDA_EXPORT void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                                 int64_t elementSizeBytes) {
  auto [pointer, sizeBytes] =
      getDenseExtent(rank, descriptor, elementSizeBytes);
  if (sizeBytes != 0)
    mgpuMemHostUnregister(pointer);
}

MOE_CUDA_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  defaultDevice = device;
  enterContext();
}

//===----------------------------------------------------------------------===//
// moe-run
//===----------------------------------------------------------------------===//

MOE_CUDA_EXPORT int moeCudaProbe(char *message, size_t size) {
  auto report = [&](const char *call, CUresult result) {
    const char *name = nullptr;
    const char *description = nullptr;
    if (cuGetErrorName(result, &name) != CUDA_SUCCESS)
      name = "unknown error";
    if (cuGetErrorString(result, &description) != CUDA_SUCCESS)
      description = "no description";
    std::snprintf(message, size, "%s failed: %s: %s", call, name, description);
    return 1;
  };
  if (CUresult result = cuInit(0); result != CUDA_SUCCESS)
    return report("cuInit", result);
  int count = 0;
  if (CUresult result = cuDeviceGetCount(&count); result != CUDA_SUCCESS)
    return report("cuDeviceGetCount", result);
  if (count <= defaultDevice) {
    std::snprintf(message, size, "no CUDA device %d (%d found)", defaultDevice,
                  count);
    return 1;
  }
  CUdevice device;
  if (CUresult result = cuDeviceGet(&device, defaultDevice);
      result != CUDA_SUCCESS)
    return report("cuDeviceGet", result);
  int major = 0, minor = 0;
  cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                       device);
  cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                       device);
  std::snprintf(message, size, "sm_%d%d", major, minor);
  return 0;
}

MOE_CUDA_EXPORT void *moeCudaAllocManaged(uint64_t sizeBytes) {
  return mgpuMemAlloc(sizeBytes, nullptr, /*isHostShared=*/true);
}

MOE_CUDA_EXPORT void moeCudaFree(void *pointer) {
  mgpuMemFree(pointer, nullptr);
}

MOE_CUDA_EXPORT void moeCudaSynchronize() {
  enterContext();
  MOE_CUDA_CHECK(cuCtxSynchronize());
}
