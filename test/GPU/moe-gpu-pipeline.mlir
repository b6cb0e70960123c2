// moe-gpu-pipeline up to the NVVM dialect (format=none: no CUDA toolkit
// needed). Host code is in the LLVM dialect and launches kernels; each
// kernel is an llvm.func in a gpu.module for the NVVM target, indexed by
// block and thread ids; math functions are libdevice calls; buffers are
// managed allocations freed through the runtime, never malloc/free; no op
// of a higher dialect is left.
//
// RUN: moe-opt %S/Inputs/layers.mlir --moe-gpu-pipeline=format=none \
// RUN:   | FileCheck %s \
// RUN:   --implicit-check-not=moe. --implicit-check-not=linalg. \
// RUN:   --implicit-check-not=tensor. --implicit-check-not=memref. \
// RUN:   --implicit-check-not=scf. --implicit-check-not=cf. \
// RUN:   --implicit-check-not=arith. --implicit-check-not=math. \
// RUN:   --implicit-check-not=bufferization. --implicit-check-not=func. \
// RUN:   --implicit-check-not=gpu.alloc --implicit-check-not=gpu.dealloc \
// RUN:   --implicit-check-not=gpu.wait --implicit-check-not=gpu.terminator \
// RUN:   --implicit-check-not=@malloc --implicit-check-not=@free \
// RUN:   --implicit-check-not=unrealized_conversion_cast
// RUN: moe-opt %S/Inputs/layers.mlir \
// RUN:   --pass-pipeline='builtin.module(moe-gpu-pipeline{format=none chip=sm_80 features=+ptx70})' \
// RUN:   | FileCheck %s --check-prefix=SM80

// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: llvm.func @forward(
// CHECK: llvm.call @mgpuMemAlloc(
// CHECK: gpu.launch_func <%{{.*}} : !llvm.ptr> @forward_kernel::@forward_kernel blocks in ({{.*}}) threads in ({{.*}}) : i64 args(
// CHECK: llvm.call @mgpuStreamSynchronize(
// CHECK: llvm.call @mgpuMemFree(
// CHECK: llvm.return
// CHECK: gpu.module @forward_kernel [#nvvm.target<chip = "sm_90", features = "+ptx80">]
// CHECK: llvm.func @forward_kernel({{.*}}) attributes {gpu.kernel, nvvm.kernel}
// CHECK-DAG: nvvm.read.ptx.sreg.ctaid.x
// CHECK-DAG: nvvm.read.ptx.sreg.tid.x
// The softmax of the router and the SiLU of the experts: expf.
// CHECK: llvm.func @__nv_expf(f32) -> f32

// CHECK-LABEL: llvm.func @expert_choice(
// CHECK: gpu.launch_func
// Exact GELU: erff.
// CHECK: llvm.func @__nv_erff(f32) -> f32

// CHECK-LABEL: llvm.func @grouped(
// CHECK: gpu.launch_func

// CHECK-LABEL: llvm.func @bf16(
// CHECK: gpu.launch_func
// CHECK: llvm.fpext %{{.*}} : bf16 to f32

// CHECK-LABEL: llvm.func @steps(
// CHECK: gpu.launch_func
// Tanh GELU: tanhf.
// CHECK: llvm.func @__nv_tanhf(f32) -> f32

// SM80: gpu.module @forward_kernel [#nvvm.target<chip = "sm_80", features = "+ptx70">]
// SM80-NOT: sm_90
