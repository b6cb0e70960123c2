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

// Every norm of moe.layer, and the epsilon they share.
// CHECK-LABEL: func.func @norms
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<4x16xf32>) w1(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>) shared_w1(%{{.*}} : tensor<8x16xf32>) shared_w2(%{{.*}} : tensor<16x8xf32>) pre_norm(%{{.*}} : tensor<16xf32>) router_norm(%{{.*}} : tensor<16xf32>) post_norm(%{{.*}} : tensor<16xf32>) expert_norm(%{{.*}} : tensor<4x16xbf16>) shared_norm(%{{.*}} : tensor<16xf32>) routing #moe.routing<k = 2, scoring = sigmoid> activation relu2 rms_norm_eps 9.9999999999999995E-7 : tensor<?x16xf32> -> tensor<?x16xf32>
func.func @norms(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s2: tensor<16x8xf32>, %pre: tensor<16xf32>, %rn: tensor<16xf32>, %post: tensor<16xf32>, %en: tensor<4x16xbf16>, %sn: tensor<16xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) pre_norm(%pre : tensor<16xf32>) router_norm(%rn : tensor<16xf32>) post_norm(%post : tensor<16xf32>) expert_norm(%en : tensor<4x16xbf16>) shared_norm(%sn : tensor<16xf32>) routing #moe.routing<k = 2, scoring = sigmoid> activation relu2 rms_norm_eps 1.0e-06 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// moe.experts with a per-expert output norm.
// CHECK-LABEL: func.func @experts_out_norm
// CHECK:         moe.experts %{{.*}} offsets(%{{.*}} : tensor<5xi32>) w1(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>) out_norm(%{{.*}} : tensor<4x16xf32>) activation relu2 rms_norm_eps 1.000000e-05 : tensor<?x16xf32> -> tensor<?x16xf32>
func.func @experts_out_norm(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %n: tensor<4x16xf32>) -> tensor<?x16xf32> {
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) out_norm(%n : tensor<4x16xf32>) activation relu2 rms_norm_eps 1.0e-05 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// moe.rms_norm.
// CHECK-LABEL: func.func @rms_norm
// CHECK:         moe.rms_norm %{{.*}} weight(%{{.*}} : tensor<16xbf16>) eps 0.000000e+00 : tensor<?x16xf32> -> tensor<?x16xf32>
func.func @rms_norm(%x: tensor<?x16xf32>, %w: tensor<16xbf16>) -> tensor<?x16xf32> {
  %y = moe.rms_norm %x weight(%w : tensor<16xbf16>) eps 0.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
