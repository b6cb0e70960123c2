// RUN: moe-opt %s --moe-decompose --split-input-file | FileCheck %s

// The router bias is added to the f32 logits before moe.route; the expert
// biases and the activation parameters go to the routed moe.experts; the
// shared expert takes the layer's activation with `shared_limit` as its
// limit; the output bias is added to the combine's accumulator.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @biases
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x16xf32>, %{{.*}}, %[[RB:[a-z0-9]+]]: tensor<4xbf16>, %[[B1:[a-z0-9]+]]: tensor<4x8xf32>, %[[B3:[a-z0-9]+]]: tensor<4x8xf32>, %[[B2:[a-z0-9]+]]: tensor<4x16xf32>, %[[OB:[a-z0-9]+]]: tensor<16xf32>)
// CHECK: %[[L:.*]] = linalg.matmul
// CHECK: %[[LB:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[L]], %[[RB]] : tensor<?x4xf32>, tensor<4xbf16>) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK-NEXT: ^bb0(%[[LV:.*]]: f32, %[[BV:.*]]: bf16, %{{.*}}: f32):
// CHECK-NEXT: %[[BF:.*]] = arith.extf %[[BV]] : bf16 to f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[LV]], %[[BF]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: moe.route %[[LB]] <k = 2, scoring = softmax>
// CHECK: %[[Y:.*]] = moe.experts %{{.*}} b1(%[[B1]] : tensor<4x8xf32>) b3(%[[B3]] : tensor<4x8xf32>) b2(%[[B2]] : tensor<4x16xf32>) activation silu limit 7.000000e+00 limit_after_act : tensor<?x16xf32> -> tensor<?x16xf32>
// CHECK: %[[SH:.*]] = moe.experts %[[X]] offsets(%{{.*}} : tensor<2xi32>) w1(%{{.*}} : tensor<1x8x16xf32>) w3(%{{.*}} : tensor<1x8x16xf32>) w2(%{{.*}} : tensor<1x16x8xf32>) activation silu limit 5.000000e+00 limit_after_act : tensor<?x16xf32> -> tensor<?x16xf32>
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[SH]], %[[OB]] : tensor<?x16xf32>, tensor<16xf32>)
// CHECK: moe.combine %[[Y]] tokens(%{{.*}}) weights(%{{.*}}) into %[[ACC]]
func.func @biases(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s3: tensor<8x16xf32>, %s2: tensor<16x8xf32>, %rb: tensor<4xbf16>, %b1: tensor<4x8xf32>, %b3: tensor<4x8xf32>, %b2: tensor<4x16xf32>, %ob: tensor<16xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w3(%s3 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) router_bias(%rb : tensor<4xbf16>) b1(%b1 : tensor<4x8xf32>) b3(%b3 : tensor<4x8xf32>) b2(%b2 : tensor<4x16xf32>) output_bias(%ob : tensor<16xf32>) routing #moe.routing<k = 2, scoring = softmax> activation silu limit 7.0 shared_limit 5.0 limit_after_act : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// swiglu_oai: alpha and limit go to the routed experts; a shared expert
// without `shared_limit` gets alpha but no limit (and no limit_after_act).

// CHECK-LABEL: func.func @swiglu_oai_shared
// CHECK: moe.experts %{{.*}} w2(%{{.*}} : tensor<4x16x8xf32>) activation swiglu_oai alpha 1.500000e+00 limit 7.000000e+00 : tensor<?x16xf32>
// CHECK: %[[SH:.*]] = moe.experts %{{.*}} w2(%{{.*}} : tensor<1x16x8xf32>) activation swiglu_oai alpha 1.500000e+00 : tensor<?x16xf32>
// CHECK-NEXT: moe.combine %{{.*}} into %[[SH]]
func.func @swiglu_oai_shared(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s3: tensor<8x16xf32>, %s2: tensor<16x8xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w3(%s3 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) routing #moe.routing<k = 2, scoring = softmax> activation swiglu_oai alpha 1.5 limit 7.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// The shared expert's biases go, with a leading unit dimension, to its
// one-expert moe.experts (ernie4_5_moe's use_bias).

// CHECK-LABEL: func.func @shared_biases
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x16xf32>, %{{.*}}, %[[SB1:[a-z0-9]+]]: tensor<8xf32>, %[[SB3:[a-z0-9]+]]: tensor<8xf32>, %[[SB2:[a-z0-9]+]]: tensor<16xf32>)
// CHECK-DAG: %[[E1:.*]] = tensor.expand_shape %[[SB1]] {{\[}}[0, 1]] output_shape [1, 8] : tensor<8xf32> into tensor<1x8xf32>
// CHECK-DAG: %[[E3:.*]] = tensor.expand_shape %[[SB3]] {{\[}}[0, 1]] output_shape [1, 8] : tensor<8xf32> into tensor<1x8xf32>
// CHECK-DAG: %[[E2:.*]] = tensor.expand_shape %[[SB2]] {{\[}}[0, 1]] output_shape [1, 16] : tensor<16xf32> into tensor<1x16xf32>
// CHECK: %[[SH:.*]] = moe.experts %[[X]] offsets(%{{.*}} : tensor<2xi32>) w1(%{{.*}} : tensor<1x8x16xf32>) w3(%{{.*}} : tensor<1x8x16xf32>) w2(%{{.*}} : tensor<1x16x8xf32>) b1(%[[E1]] : tensor<1x8xf32>) b3(%[[E3]] : tensor<1x8xf32>) b2(%[[E2]] : tensor<1x16xf32>) activation silu
// CHECK-NEXT: moe.combine %{{.*}} into %[[SH]]
func.func @shared_biases(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s3: tensor<8x16xf32>, %s2: tensor<16x8xf32>, %sb1: tensor<8xf32>, %sb3: tensor<8xf32>, %sb2: tensor<16xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w3(%s3 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) shared_b1(%sb1 : tensor<8xf32>) shared_b3(%sb3 : tensor<8xf32>) shared_b2(%sb2 : tensor<16xf32>) routing #moe.routing<k = 2, scoring = softmax> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// A latent space (nemotron_h's moe_latent_size): the routed experts read
// x · latent_inᵀ ([T, 6]), their outputs are combined in the latent space,
// projected back with latent_outᵀ and added to the shared expert; routing
// still reads x.

// CHECK-LABEL: func.func @latent
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x16xf32>, %[[WG:[a-z0-9]+]]: tensor<4x16xf32>, %{{.*}}, %[[LI:[a-z0-9]+]]: tensor<6x16xf32>, %[[LO:[a-z0-9]+]]: tensor<16x6xf32>)
// CHECK: %[[LOG:.*]] = linalg.matmul {{.*}} ins(%[[X]], %[[WG]] : tensor<?x16xf32>, tensor<4x16xf32>)
// CHECK: %[[XL:.*]] = linalg.matmul {{.*}} ins(%[[X]], %[[LI]] : tensor<?x16xf32>, tensor<6x16xf32>) {{.*}} -> tensor<?x6xf32>
// CHECK: moe.route %[[LOG]]
// CHECK: %[[ROWS:.*]], %[[OFF:.*]], %[[TOK:.*]], %[[RW:.*]] = moe.dispatch %[[XL]], {{.*}} -> tensor<?x6xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
// CHECK: %[[Y:.*]] = moe.experts %[[ROWS]] offsets(%[[OFF]] : tensor<5xi32>) w1(%{{.*}} : tensor<4x8x6xf32>) w2(%{{.*}} : tensor<4x6x8xf32>) activation relu2 : tensor<?x6xf32> -> tensor<?x6xf32>
// CHECK: %[[SH:.*]] = moe.experts %[[X]]
// CHECK: %[[Z:.*]] = linalg.fill {{.*}} -> tensor<?x6xf32>
// CHECK: %[[C:.*]] = moe.combine %[[Y]] tokens(%[[TOK]] : tensor<?xi32>) weights(%[[RW]] : tensor<?xf32>) into %[[Z]] : tensor<?x6xf32> -> tensor<?x6xf32>
// CHECK: %[[R:.*]] = linalg.matmul {{.*}} ins(%[[C]], %[[LO]] : tensor<?x6xf32>, tensor<16x6xf32>) {{.*}} -> tensor<?x16xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[SH]], %[[R]] : tensor<?x16xf32>, tensor<?x16xf32>)
// CHECK: arith.addf
// CHECK: return %[[SUM]]
func.func @latent(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x6xf32>, %w2: tensor<4x6x8xf32>, %s1: tensor<8x16xf32>, %s2: tensor<16x8xf32>, %li: tensor<6x16xf32>, %lo: tensor<16x6xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x6xf32>) w2(%w2 : tensor<4x6x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) latent_in(%li : tensor<6x16xf32>) latent_out(%lo : tensor<16x6xf32>) routing #moe.routing<k = 2, scoring = sigmoid> activation relu2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// In bf16 the latent rows are accumulated in f32 and rounded to bf16.

// CHECK-LABEL: func.func @latent_bf16
// CHECK: %[[XL:.*]] = linalg.matmul {{.*}} -> tensor<?x6xf32>
// CHECK: linalg.generic {{.*}} ins(%[[XL]] : tensor<?x6xf32>) outs(%{{.*}} : tensor<?x6xbf16>)
// CHECK: arith.truncf %{{.*}} : f32 to bf16
func.func @latent_bf16(%x: tensor<?x16xbf16>, %wg: tensor<4x16xbf16>, %w1: tensor<4x8x6xbf16>, %w2: tensor<4x6x8xbf16>, %li: tensor<6x16xbf16>, %lo: tensor<16x6xbf16>) -> tensor<?x16xbf16> {
  %y = moe.layer %x router(%wg : tensor<4x16xbf16>) w1(%w1 : tensor<4x8x6xbf16>) w2(%w2 : tensor<4x6x8xbf16>) latent_in(%li : tensor<6x16xbf16>) latent_out(%lo : tensor<16x6xbf16>) routing #moe.routing<k = 2, scoring = sigmoid> activation relu2 : tensor<?x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

// output_scale (cohere2_moe's 'average'): the combined routed and shared
// output is scaled, and the output bias added after it.

// CHECK-LABEL: func.func @output_scale
// CHECK-SAME: %[[OB:[a-z0-9]+]]: tensor<16xf32>)
// CHECK: %[[SH:.*]] = moe.experts %{{.*}} w2(%{{.*}} : tensor<1x16x8xf32>)
// CHECK-NEXT: %[[C:.*]] = moe.combine %{{.*}} into %[[SH]]
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[C]] : tensor<?x16xf32>)
// CHECK-NEXT: ^bb0(%[[V:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-NEXT: arith.mulf %[[V]], %[[HALF]] : f32
// CHECK: %[[B:.*]] = linalg.generic {{.*}} ins(%[[S]], %[[OB]] : tensor<?x16xf32>, tensor<16xf32>)
// CHECK: return %[[B]]
func.func @output_scale(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s3: tensor<8x16xf32>, %s2: tensor<16x8xf32>, %ob: tensor<16xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w3(%s3 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) output_bias(%ob : tensor<16xf32>) routing #moe.routing<k = 2, scoring = softmax, order = topk_first> activation silu output_scale 0.5 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// The latent projections' biases (nemotron_h's mlp_bias) are added to the
// projected rows: latent_in_bias to x · latent_inᵀ, latent_out_bias to the
// combined rows projected back.

// CHECK-LABEL: func.func @latent_bias
// CHECK-SAME: %[[LIB:[a-z0-9]+]]: tensor<6xf32>, %[[LOB:[a-z0-9]+]]: tensor<16xf32>)
// CHECK: %[[XL:.*]] = linalg.matmul {{.*}} -> tensor<?x6xf32>
// CHECK: %[[XLB:.*]] = linalg.generic {{.*}} ins(%[[XL]], %[[LIB]] : tensor<?x6xf32>, tensor<6xf32>)
// CHECK: moe.dispatch %[[XLB]],
// CHECK: %[[C:.*]] = moe.combine {{.*}} -> tensor<?x6xf32>
// CHECK: %[[R:.*]] = linalg.matmul {{.*}} ins(%[[C]], %{{.*}} : tensor<?x6xf32>, tensor<16x6xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[R]], %[[LOB]] : tensor<?x16xf32>, tensor<16xf32>)
func.func @latent_bias(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x6xf32>, %w2: tensor<4x6x8xf32>, %li: tensor<6x16xf32>, %lo: tensor<16x6xf32>, %lib: tensor<6xf32>, %lob: tensor<16xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x6xf32>) w2(%w2 : tensor<4x6x8xf32>) latent_in(%li : tensor<6x16xf32>) latent_out(%lo : tensor<16x6xf32>) latent_in_bias(%lib : tensor<6xf32>) latent_out_bias(%lob : tensor<16xf32>) routing #moe.routing<k = 2, scoring = sigmoid> activation relu2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
