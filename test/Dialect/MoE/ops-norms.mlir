// Round trip of moe.layer's per-expert weight scale (expert_scale) and
// RMSNorms, in custom and generic form.
//
// RUN: moe-opt %s | moe-opt | FileCheck %s
// RUN: moe-opt %s --mlir-print-op-generic | moe-opt | FileCheck %s
//
// Each CHECK line spells the whole op up to its result types.

// Gemma 4: a scale per expert.
// CHECK-LABEL: func.func @expert_scale
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<4x16xf32>) w1(%{{.*}} : tensor<4x8x16xf32>) w3(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>) expert_scale(%{{.*}} : tensor<4xf32>) routing #moe.routing<k = 2, scoring = softmax, normalize = true> activation gelu_tanh : tensor<?x16xf32> -> tensor<?x16xf32>
func.func @expert_scale(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s: tensor<4xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) expert_scale(%s : tensor<4xf32>) routing #moe.routing<k = 2, scoring = softmax, normalize = true> activation gelu_tanh : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// One scale for every expert, after the output bias.
// CHECK-LABEL: func.func @expert_scale_single
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<4x16xbf16>) w1(%{{.*}} : tensor<4x8x16xbf16>) w2(%{{.*}} : tensor<4x16x8xbf16>) output_bias(%{{.*}} : tensor<16xf32>) expert_scale(%{{.*}} : tensor<1xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation relu2 : tensor<8x16xf32> -> tensor<8x16xf32>
func.func @expert_scale_single(%x: tensor<8x16xf32>, %wg: tensor<4x16xbf16>, %w1: tensor<4x8x16xbf16>, %w2: tensor<4x16x8xbf16>, %ob: tensor<16xf32>, %s: tensor<1xf32>) -> tensor<8x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xbf16>) w1(%w1 : tensor<4x8x16xbf16>) w2(%w2 : tensor<4x16x8xbf16>) output_bias(%ob : tensor<16xf32>) expert_scale(%s : tensor<1xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation relu2 : tensor<8x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}
