// format=bin embeds a cubin (ELF) and format=fatbin a fat binary (magic
// 0xBA55ED50, little endian), both made by the toolkit's ptxas/fatbinary.
//
// REQUIRES: ptxas
// RUN: moe-opt %S/Inputs/layers.mlir \
// RUN:   --moe-gpu-pipeline='format=bin toolkit=%cuda_toolkit' | FileCheck %s --check-prefix=BIN
// RUN: moe-opt %S/Inputs/layers.mlir \
// RUN:   --moe-gpu-pipeline='format=fatbin toolkit=%cuda_toolkit' | FileCheck %s --check-prefix=FATBIN

// BIN-LABEL: llvm.func @forward(
// BIN: gpu.launch_func
// BIN: gpu.binary @forward_kernel [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">, {{.*}}bin = "\7FELF
// FATBIN: gpu.binary @forward_kernel [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">, {{.*}}"P\EDU\BA
