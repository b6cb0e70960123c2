// The PTX of moe-gpu-pipeline (format=isa) for sm_80 and sm_90: one entry
// per kernel, indexed by %ctaid/%tid; libdevice is linked, so the math
// functions are inlined (no call to an __nv_ function is left).
//
// REQUIRES: cuda-toolkit
// RUN: moe-opt %S/Inputs/layers.mlir \
// RUN:   --moe-gpu-pipeline='format=isa chip=sm_90 toolkit=%cuda_toolkit' -o %t.sm90.mlir
// RUN: %python %S/Inputs/ptx.py extract %t.sm90.mlir \
// RUN:   | FileCheck %s --check-prefixes=CHECK,SM90 --implicit-check-not=__nv_ \
// RUN:     --implicit-check-not=call.uni
// RUN: moe-opt %S/Inputs/layers.mlir \
// RUN:   --moe-gpu-pipeline='format=isa chip=sm_80 features=+ptx70 toolkit=%cuda_toolkit' -o %t.sm80.mlir
// RUN: %python %S/Inputs/ptx.py extract %t.sm80.mlir \
// RUN:   | FileCheck %s --check-prefixes=CHECK,SM80 --implicit-check-not=__nv_ \
// RUN:     --implicit-check-not=call.uni
// tensor-cores=true: the f32 matmuls are mma.sync m16n8k8 TF32 kernels.
// RUN: moe-opt %S/Inputs/layers.mlir \
// RUN:   --moe-gpu-pipeline='format=isa chip=sm_80 features=+ptx70 tensor-cores=true toolkit=%cuda_toolkit' -o %t.tc.mlir
// RUN: %python %S/Inputs/ptx.py extract %t.tc.mlir | FileCheck %s --check-prefix=TC
// TC: // gpu.binary @forward_kernel
// TC: .target sm_80
// TC: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// Without the option there is no tensor-core instruction.
// RUN: %python %S/Inputs/ptx.py extract %t.sm80.mlir | FileCheck %s --check-prefix=NOTC
// NOTC-NOT: mma.sync
// The IR keeps the PTX in the gpu.binary op, which the host code launches.
// RUN: FileCheck %s --check-prefix=IR < %t.sm90.mlir

// CHECK: // gpu.binary @forward_kernel
// SM90: .version 8.0
// SM90: .target sm_90
// SM80: .version 7.0
// SM80: .target sm_80
// CHECK: .address_size 64
// CHECK: .visible .entry forward_kernel(
// CHECK-DAG: %ctaid.x
// CHECK-DAG: %tid.x
// CHECK: ret;
// The router softmax: expf from libdevice, inlined.
// CHECK: ex2.approx
// CHECK: // gpu.binary @steps_kernel

// IR-LABEL: llvm.func @forward(
// IR: gpu.launch_func <%{{.*}} : !llvm.ptr> @forward_kernel::@forward_kernel
// IR: gpu.binary @forward_kernel [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">, {{.*}}assembly = "
