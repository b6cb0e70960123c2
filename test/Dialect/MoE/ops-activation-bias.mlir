// Round trip of the activation parameters (alpha, limit, shared_limit,
// limit_after_act, gate_softcap, up_softcap), the relu2, swiglu_oai and
// swiglu_softcap activations and the biases
// (router_bias, b1, b3, b2, output_bias; the fused ops' bias), in custom and
// generic form.
//
// RUN: moe-opt %s | moe-opt | FileCheck %s
// RUN: moe-opt %s --mlir-print-op-generic | moe-opt | FileCheck %s
//
// Each CHECK line spells the whole op up to its result types.

// GPT-OSS: router bias, gate/up/down biases, swiglu_oai with alpha and limit.
// CHECK-LABEL: func.func @gpt_oss
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<8x64xf32>) w1(%{{.*}} : tensor<8x32x64xf32>) w3(%{{.*}} : tensor<8x32x64xf32>) w2(%{{.*}} : tensor<8x64x32xf32>) router_bias(%{{.*}} : tensor<8xf32>) b1(%{{.*}} : tensor<8x32xf32>) b3(%{{.*}} : tensor<8x32xf32>) b2(%{{.*}} : tensor<8x64xf32>) routing #moe.routing<k = 4, scoring = softmax> activation swiglu_oai alpha 1.702000e+00 limit 7.000000e+00 : tensor<?x64xf32> -> tensor<?x64xf32>
func.func @gpt_oss(%x: tensor<?x64xf32>, %wg: tensor<8x64xf32>, %w1: tensor<8x32x64xf32>, %w3: tensor<8x32x64xf32>, %w2: tensor<8x64x32xf32>, %rb: tensor<8xf32>, %b1: tensor<8x32xf32>, %b3: tensor<8x32xf32>, %b2: tensor<8x64xf32>) -> tensor<?x64xf32> {
  %y = moe.layer %x router(%wg : tensor<8x64xf32>) w1(%w1 : tensor<8x32x64xf32>) w3(%w3 : tensor<8x32x64xf32>) w2(%w2 : tensor<8x64x32xf32>) router_bias(%rb : tensor<8xf32>) b1(%b1 : tensor<8x32xf32>) b3(%b3 : tensor<8x32xf32>) b2(%b2 : tensor<8x64xf32>) routing #moe.routing<k = 4, scoring = softmax> activation swiglu_oai alpha 1.702 limit 7.0 : tensor<?x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// Bailing hybrid: clamp after the activation, a shared expert with its own
// limit.
// CHECK-LABEL: func.func @bailing
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<8x64xbf16>) w1(%{{.*}} : tensor<8x32x64xbf16>) w3(%{{.*}} : tensor<8x32x64xbf16>) w2(%{{.*}} : tensor<8x64x32xbf16>) shared_w1(%{{.*}} : tensor<32x64xbf16>) shared_w3(%{{.*}} : tensor<32x64xbf16>) shared_w2(%{{.*}} : tensor<64x32xbf16>) routing #moe.routing<k = 2, scoring = sigmoid, normalize = true> activation silu limit 2.500000e+00 shared_limit 5.000000e+00 limit_after_act drop position capacity_factor 1.250000e+00 : tensor<?x64xbf16> -> tensor<?x64xbf16>
func.func @bailing(%x: tensor<?x64xbf16>, %wg: tensor<8x64xbf16>, %w1: tensor<8x32x64xbf16>, %w3: tensor<8x32x64xbf16>, %w2: tensor<8x64x32xbf16>, %s1: tensor<32x64xbf16>, %s3: tensor<32x64xbf16>, %s2: tensor<64x32xbf16>) -> tensor<?x64xbf16> {
  %y = moe.layer %x router(%wg : tensor<8x64xbf16>) w1(%w1 : tensor<8x32x64xbf16>) w3(%w3 : tensor<8x32x64xbf16>) w2(%w2 : tensor<8x64x32xbf16>) shared_w1(%s1 : tensor<32x64xbf16>) shared_w3(%s3 : tensor<32x64xbf16>) shared_w2(%s2 : tensor<64x32xbf16>) routing #moe.routing<k = 2, scoring = sigmoid, normalize = true> activation silu limit 2.5 shared_limit 5.0 limit_after_act drop position capacity_factor 1.25 : tensor<?x64xbf16> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// Nemotron-H / Ergo: ungated relu2 experts; JetMoE-style output bias.
// CHECK-LABEL: func.func @relu2_output_bias
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<4x16xf32>) bias(%{{.*}} : tensor<4xf32>) w1(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>) output_bias(%{{.*}} : tensor<16xf32>) routing #moe.routing<k = 2, scoring = sigmoid> activation relu2 : tensor<?x16xf32> -> tensor<?x16xf32>
func.func @relu2_output_bias(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %sb: tensor<4xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %ob: tensor<16xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) bias(%sb : tensor<4xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) output_bias(%ob : tensor<16xf32>) routing #moe.routing<k = 2, scoring = sigmoid> activation relu2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// CHECK-LABEL: func.func @experts
// CHECK:         moe.experts %{{.*}} offsets(%{{.*}} : tensor<5xi32>) w1(%{{.*}} : tensor<4x8x16xf32>) w3(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>) b1(%{{.*}} : tensor<4x8xf32>) b3(%{{.*}} : tensor<4x8xf32>) b2(%{{.*}} : tensor<4x16xf32>) activation swiglu_oai limit 7.000000e+00 : tensor<?x16xf32> -> tensor<?x16xf32>
// CHECK-NEXT:    moe.experts %{{.*}} offsets(%{{.*}} : tensor<5xi32>) w1(%{{.*}} : tensor<4x8x16xf32>) w3(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>) b2(%{{.*}} : tensor<4x16xf32>) activation gelu_tanh limit 3.000000e+00 limit_after_act : tensor<?x16xf32> -> tensor<?x16xf32>
// CHECK-NEXT:    moe.experts %{{.*}} offsets(%{{.*}} : tensor<5xi32>) w1(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>) b1(%{{.*}} : tensor<4x8xf32>) activation relu2 : tensor<?x16xf32> -> tensor<?x16xf32>
func.func @experts(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %b1: tensor<4x8xf32>, %b3: tensor<4x8xf32>, %b2: tensor<4x16xf32>) {
  %a = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b1(%b1 : tensor<4x8xf32>) b3(%b3 : tensor<4x8xf32>) b2(%b2 : tensor<4x16xf32>) activation swiglu_oai limit 7.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  %b = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b2(%b2 : tensor<4x16xf32>) activation gelu_tanh limit 3.0 limit_after_act : tensor<?x16xf32> -> tensor<?x16xf32>
  %c = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b1(%b1 : tensor<4x8xf32>) activation relu2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// CHECK-LABEL: func.func @grouped_matmul_act
// CHECK:         moe.grouped_matmul_act %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<9xi32>) activation swiglu_oai gated alpha 1.500000e+00 limit 7.000000e+00 : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
// CHECK-NEXT:    moe.grouped_matmul_act %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<9xi32>) activation silu gated limit 7.000000e+00 limit_after_act : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
// CHECK-NEXT:    moe.grouped_matmul_act %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<9xi32>) activation relu2 : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x256xf32>
func.func @grouped_matmul_act(%x: tensor<?x64xf32>, %w: tensor<8x256x64xf32>, %o: tensor<9xi32>) {
  %a = moe.grouped_matmul_act %x, %w offsets(%o : tensor<9xi32>) activation swiglu_oai gated alpha 1.5 limit 7.0 : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  %b = moe.grouped_matmul_act %x, %w offsets(%o : tensor<9xi32>) activation silu gated limit 7.0 limit_after_act : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  %c = moe.grouped_matmul_act %x, %w offsets(%o : tensor<9xi32>) activation relu2 : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x256xf32>
  return
}

// CHECK-LABEL: func.func @fused_bias
// CHECK:         moe.grouped_matmul_act %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<9xi32>) bias(%{{.*}} : tensor<8x256xbf16>) activation swiglu_oai gated limit 7.000000e+00 : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
// CHECK-NEXT:    moe.grouped_matmul_combine %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<9xi32>) bias(%{{.*}} : tensor<8x64xf32>) tokens(%{{.*}} : tensor<?xi32>) weights(%{{.*}} : tensor<?xf32>) into %{{.*}} : tensor<?x128xf32>, tensor<8x64x128xf32> -> tensor<?x64xf32>
func.func @fused_bias(%x: tensor<?x64xf32>, %w13: tensor<8x256x64xf32>, %o: tensor<9xi32>, %b13: tensor<8x256xbf16>, %w2: tensor<8x64x128xf32>, %b2: tensor<8x64xf32>, %t: tensor<?xi32>, %rw: tensor<?xf32>, %acc: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %h = moe.grouped_matmul_act %x, %w13 offsets(%o : tensor<9xi32>) bias(%b13 : tensor<8x256xbf16>) activation swiglu_oai gated limit 7.0 : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  %out = moe.grouped_matmul_combine %h, %w2 offsets(%o : tensor<9xi32>) bias(%b2 : tensor<8x64xf32>) tokens(%t : tensor<?xi32>) weights(%rw : tensor<?xf32>) into %acc : tensor<?x128xf32>, tensor<8x64x128xf32> -> tensor<?x64xf32>
  return %out : tensor<?x64xf32>
}

// ERNIE 4.5 with use_bias, Nemotron-H with a latent space, Cohere2-MoE's
// 'average': the shared expert's biases, latent_in / latent_out, output_scale.
// CHECK-LABEL: func.func @shared_bias_latent_scale
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<8x64xf32>) w1(%{{.*}} : tensor<8x32x16xf32>) w2(%{{.*}} : tensor<8x16x32xf32>) shared_w1(%{{.*}} : tensor<24x64xf32>) shared_w3(%{{.*}} : tensor<24x64xf32>) shared_w2(%{{.*}} : tensor<64x24xf32>) shared_b1(%{{.*}} : tensor<24xf32>) shared_b3(%{{.*}} : tensor<24xf32>) shared_b2(%{{.*}} : tensor<64xf32>) latent_in(%{{.*}} : tensor<16x64xf32>) latent_out(%{{.*}} : tensor<64x16xf32>) latent_in_bias(%{{.*}} : tensor<16xf32>) latent_out_bias(%{{.*}} : tensor<64xf32>) routing #moe.routing<k = 2, scoring = sigmoid> activation relu2 output_scale 5.000000e-01 : tensor<?x64xf32> -> tensor<?x64xf32>
func.func @shared_bias_latent_scale(%x: tensor<?x64xf32>, %wg: tensor<8x64xf32>, %w1: tensor<8x32x16xf32>, %w2: tensor<8x16x32xf32>, %s1: tensor<24x64xf32>, %s3: tensor<24x64xf32>, %s2: tensor<64x24xf32>, %sb1: tensor<24xf32>, %sb3: tensor<24xf32>, %sb2: tensor<64xf32>, %li: tensor<16x64xf32>, %lo: tensor<64x16xf32>, %lib: tensor<16xf32>, %lob: tensor<64xf32>) -> tensor<?x64xf32> {
  %y = moe.layer %x router(%wg : tensor<8x64xf32>) w1(%w1 : tensor<8x32x16xf32>) w2(%w2 : tensor<8x16x32xf32>) shared_w1(%s1 : tensor<24x64xf32>) shared_w3(%s3 : tensor<24x64xf32>) shared_w2(%s2 : tensor<64x24xf32>) shared_b1(%sb1 : tensor<24xf32>) shared_b3(%sb3 : tensor<24xf32>) shared_b2(%sb2 : tensor<64xf32>) latent_in(%li : tensor<16x64xf32>) latent_out(%lo : tensor<64x16xf32>) latent_in_bias(%lib : tensor<16xf32>) latent_out_bias(%lob : tensor<64xf32>) routing #moe.routing<k = 2, scoring = sigmoid> activation relu2 output_scale 0.5 : tensor<?x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// Inkling2: the soft-capped SwiGLU with its caps, on moe.layer (after the
// capacity), moe.experts and moe.grouped_matmul_act; without caps it takes
// the defaults.
// CHECK-LABEL: func.func @swiglu_softcap
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<4x16xf32>) bias(%{{.*}} : tensor<4xf32>) w1(%{{.*}} : tensor<4x8x16xf32>) w3(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>) routing #moe.routing<k = 2, scoring = sigmoid, normalize = true, scaling = 8.000000e+00 : f64> activation swiglu_softcap drop position capacity_factor 1.250000e+00 gate_softcap 4.000000e+00 up_softcap 2.500000e+01 : tensor<?x16xf32> -> tensor<?x16xf32>
// CHECK-NEXT:    moe.experts %{{.*}} offsets(%{{.*}} : tensor<5xi32>) w1(%{{.*}} : tensor<4x8x16xf32>) w3(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>) activation swiglu_softcap limit 7.000000e+00 gate_softcap 1.000000e+00 up_softcap 2.000000e+00 : tensor<?x16xf32> -> tensor<?x16xf32>
// CHECK-NEXT:    moe.experts %{{.*}} offsets(%{{.*}} : tensor<5xi32>) w1(%{{.*}} : tensor<4x8x16xf32>) w3(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>) activation swiglu_softcap : tensor<?x16xf32> -> tensor<?x16xf32>
// CHECK-NEXT:    moe.grouped_matmul_act %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<5xi32>) activation swiglu_softcap gated up_softcap 3.000000e+00 : tensor<?x16xf32>, tensor<4x16x16xf32> -> tensor<?x8xf32>
func.func @swiglu_softcap(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %sb: tensor<4xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %o: tensor<5xi32>, %w13: tensor<4x16x16xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) bias(%sb : tensor<4xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 2, scoring = sigmoid, normalize = true, scaling = 8.0> activation swiglu_softcap drop position capacity_factor 1.25 gate_softcap 4.0 up_softcap 25.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  %a = moe.experts %x offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation swiglu_softcap limit 7.0 gate_softcap 1.0 up_softcap 2.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  %b = moe.experts %x offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation swiglu_softcap : tensor<?x16xf32> -> tensor<?x16xf32>
  %h = moe.grouped_matmul_act %x, %w13 offsets(%o : tensor<5xi32>) activation swiglu_softcap gated up_softcap 3.0 : tensor<?x16xf32>, tensor<4x16x16xf32> -> tensor<?x8xf32>
  return %y : tensor<?x16xf32>
}

// Inkling: S = 2 stacked shared experts [S, G, D] / [S, D, G] weighted by
// the router's last 2 of its E + S = 6 rows.
// CHECK-LABEL: func.func @stacked_shared
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<6x16xf32>) bias(%{{.*}} : tensor<4xf32>) w1(%{{.*}} : tensor<4x8x16xf32>) w3(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>) shared_w1(%{{.*}} : tensor<2x12x16xf32>) shared_w3(%{{.*}} : tensor<2x12x16xf32>) shared_w2(%{{.*}} : tensor<2x16x12xf32>) routing #moe.routing<k = 2, scoring = sigmoid, normalize = true, norm_eps = 0.000000e+00 : f64> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
func.func @stacked_shared(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %sb: tensor<4xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<2x12x16xf32>, %s3: tensor<2x12x16xf32>, %s2: tensor<2x16x12xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) bias(%sb : tensor<4xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<2x12x16xf32>) shared_w3(%s3 : tensor<2x12x16xf32>) shared_w2(%s2 : tensor<2x16x12xf32>) routing #moe.routing<k = 2, scoring = sigmoid, normalize = true, norm_eps = 0.0> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
