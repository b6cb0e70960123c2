// moe-gpu-pipeline up to the NVVM dialect on a layer with every new expert
// feature: swiglu_oai with alpha and limit, the router bias and the expert
// biases b1, b3, b2 (gpt_oss), and a relu2 layer with an output bias
// (nemotron_h, jetmoe). Nothing of a higher dialect is left; the clamps and
// the bias rows end in kernels.
//
// RUN: moe-opt %s --moe-gpu-pipeline=format=none | FileCheck %s \
// RUN:   --implicit-check-not=moe. --implicit-check-not=linalg. \
// RUN:   --implicit-check-not=tensor. --implicit-check-not=memref. \
// RUN:   --implicit-check-not=scf. --implicit-check-not=arith. \
// RUN:   --implicit-check-not=math. --implicit-check-not=unrealized_conversion_cast

// CHECK-LABEL: llvm.func @gpt_oss(
// CHECK: gpu.launch_func
// CHECK: gpu.module @gpt_oss_kernel
// CHECK: llvm.intr.maximum
// CHECK: llvm.intr.minimum
// CHECK-LABEL: llvm.func @relu2_output_bias(
// CHECK: gpu.launch_func
// CHECK: gpu.module @relu2_output_bias_kernel
func.func @gpt_oss(%x: tensor<?x64xf32>, %wg: tensor<8x64xf32>, %w1: tensor<8x32x64xf32>, %w3: tensor<8x32x64xf32>, %w2: tensor<8x64x32xf32>, %rb: tensor<8xf32>, %b1: tensor<8x32xf32>, %b3: tensor<8x32xf32>, %b2: tensor<8x64xf32>) -> tensor<?x64xf32> {
  %y = moe.layer %x router(%wg : tensor<8x64xf32>) w1(%w1 : tensor<8x32x64xf32>) w3(%w3 : tensor<8x32x64xf32>) w2(%w2 : tensor<8x64x32xf32>) router_bias(%rb : tensor<8xf32>) b1(%b1 : tensor<8x32xf32>) b3(%b3 : tensor<8x32xf32>) b2(%b2 : tensor<8x64xf32>) routing #moe.routing<k = 4, scoring = softmax> activation swiglu_oai alpha 1.702 limit 7.0 : tensor<?x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

func.func @relu2_output_bias(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %ob: tensor<16xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) output_bias(%ob : tensor<16xf32>) routing #moe.routing<k = 2, scoring = sigmoid> activation relu2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
