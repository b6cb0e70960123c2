//===- MoECudaRuntime.h - GPU runtime calls of moe-gpu-pipeline -*- C++ -*-===//
//
// The functions of libMoECudaRuntime that moe-run calls by name (dlsym)
// besides the `mgpu*` entry points of compiled code. The library is loaded
// at run time, so moe-run links neither it nor the CUDA driver.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_RUNTIME_CUDA_MOECUDARUNTIME_H
#define MOE_RUNTIME_CUDA_MOECUDARUNTIME_H

#include <cstddef>
#include <cstdint>

extern "C" {
/// 0 and the device's architecture ("sm_90") in `message` when the default
/// device can run kernels; else 1 and why not (driver call and error).
using MoeCudaProbeFn = int (*)(char *message, size_t size);
/// Managed memory (host and device), nullptr for 0 bytes.
using MoeCudaAllocManagedFn = void *(*)(uint64_t sizeBytes);
/// Frees memory from moeCudaAllocManaged or mgpuMemAlloc.
using MoeCudaFreeFn = void (*)(void *pointer);
/// Waits for all work on the default device.
using MoeCudaSynchronizeFn = void (*)();
}

#endif // MOE_RUNTIME_CUDA_MOECUDARUNTIME_H
