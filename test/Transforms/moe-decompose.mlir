// RUN: moe-opt %s --moe-decompose --split-input-file | FileCheck %s

// Softmax top-2, renormalized, gated experts, dynamic T, no shared expert:
// the router matmul is f32 x·wgᵀ, routing/dispatch/experts/combine follow, and
// combine accumulates into zeros.

// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @softmax_top2
// CHECK-SAME: (%[[X:.*]]: tensor<?x16xf32>, %[[WG:.*]]: tensor<4x16xf32>, %[[W1:.*]]: tensor<4x32x16xf32>, %[[W3:.*]]: tensor<4x32x16xf32>, %[[W2:.*]]: tensor<4x16x32xf32>)
// CHECK: %[[T:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[E0:.*]] = tensor.empty(%[[T]]) : tensor<?x4xf32>
// CHECK: %[[Z0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E0]] : tensor<?x4xf32>)
// CHECK: %[[L:.*]] = linalg.matmul indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]] ins(%[[X]], %[[WG]] : tensor<?x16xf32>, tensor<4x16xf32>) outs(%[[Z0]] : tensor<?x4xf32>)
// CHECK: %[[W:.*]], %[[I:.*]] = moe.route %[[L]] <k = 2, scoring = softmax, normalize = true> : tensor<?x4xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
// CHECK: %[[ROWS:.*]], %[[OFF:.*]], %[[TOK:.*]], %[[RW:.*]] = moe.dispatch %[[X]], %[[I]], %[[W]] experts 4 : tensor<?x16xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
// CHECK: %[[Y:.*]] = moe.experts %[[ROWS]] offsets(%[[OFF]] : tensor<5xi32>) w1(%[[W1]] : {{.*}}) w3(%[[W3]] : {{.*}}) w2(%[[W2]] : {{.*}}) activation silu
// CHECK: %[[ACC:.*]] = linalg.fill {{.*}} -> tensor<?x16xf32>
// CHECK: %[[OUTV:.*]] = moe.combine %[[Y]] tokens(%[[TOK]] : tensor<?xi32>) weights(%[[RW]] : tensor<?xf32>) into %[[ACC]]
// CHECK: return %[[OUTV]]
// CHECK-NOT: moe.layer
func.func @softmax_top2(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x32x16xf32>,
                        %w3: tensor<4x32x16xf32>, %w2: tensor<4x16x32xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w3(%w3 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true> activation silu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// DeepSeek-V3 style: sigmoid scores, selection bias, group-limited top2sum,
// scaling; the bias and every routing parameter reach moe.route, static T.

// CHECK-LABEL: func.func @sigmoid_bias_groups
// CHECK-SAME: %[[B:[a-z0-9]+]]: tensor<8xf32>
// CHECK: %[[L:.*]] = linalg.matmul
// CHECK-SAME: -> tensor<6x8xf32>
// CHECK: moe.route %[[L]] bias(%[[B]] : tensor<8xf32>) <k = 2, scoring = sigmoid, normalize = true, scaling = 2.500000e+00 : f64, num_groups = 4, topk_groups = 2> : tensor<6x8xf32> -> tensor<6x2xf32>, tensor<6x2xi32>
// CHECK: moe.dispatch {{.*}} experts 8 : {{.*}} -> tensor<12x16xf32>, tensor<9xi32>, tensor<12xi32>, tensor<12xf32>
func.func @sigmoid_bias_groups(%x: tensor<6x16xf32>, %wg: tensor<8x16xf32>, %b: tensor<8xf32>,
                               %w1: tensor<8x32x16xf32>, %w3: tensor<8x32x16xf32>,
                               %w2: tensor<8x16x32xf32>) -> tensor<6x16xf32> {
  %y = moe.layer %x router(%wg : tensor<8x16xf32>) bias(%b : tensor<8xf32>)
         w1(%w1 : tensor<8x32x16xf32>) w3(%w3 : tensor<8x32x16xf32>) w2(%w2 : tensor<8x16x32xf32>)
         routing #moe.routing<k = 2, scoring = sigmoid, normalize = true, scaling = 2.5,
                              num_groups = 4, topk_groups = 2, group_score = top2sum>
         activation silu : tensor<6x16xf32> -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

// DeepSeek-V2 style group-limited greedy: the max group score is kept.

// CHECK-LABEL: func.func @group_max
// CHECK: moe.route %{{.*}} <k = 2, scoring = softmax, num_groups = 2, topk_groups = 1, group_score = max>
func.func @group_max(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x32x16xf32>,
                     %w2: tensor<4x16x32xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 2, scoring = softmax, num_groups = 2, topk_groups = 1, group_score = max>
         activation gelu_erf : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Capacity: the drop policy and capacity factor move to moe.dispatch; the
// non-gated experts keep their activation and have no w3.

// CHECK-LABEL: func.func @capacity_position
// CHECK: moe.dispatch {{.*}} experts 4 drop position capacity_factor 1.250000e+00
// CHECK: moe.experts
// CHECK-NOT: w3(
// CHECK-SAME: activation relu
func.func @capacity_position(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x32x16xf32>,
                             %w2: tensor<4x16x32xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 1, scoring = softmax> activation relu
         drop position capacity_factor 1.25 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// CHECK-LABEL: func.func @capacity_score
// CHECK: moe.dispatch {{.*}} experts 4 drop score capacity 3
func.func @capacity_score(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x32x16xf32>,
                          %w2: tensor<4x16x32xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 2, scoring = softmax> activation gelu_tanh
         drop score capacity 3 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Qwen2-MoE style shared expert with a sigmoid gate: the shared FFN is a
// single-expert moe.experts over all T rows (offsets [0, T]), scaled by
// sigmoid(x · gateᵀ), and is the accumulator of moe.combine.

// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL0:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @shared_gated
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x16xf32>
// CHECK-SAME: %[[S1:[a-z0-9]+]]: tensor<24x16xf32>, %[[S3:[a-z0-9]+]]: tensor<24x16xf32>, %[[S2:[a-z0-9]+]]: tensor<16x24xf32>, %[[G:[a-z0-9]+]]: tensor<1x16xf32>
// CHECK: %[[Y:.*]] = moe.experts %{{.*}} offsets(%{{.*}} : tensor<5xi32>)
// CHECK: %[[T:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[TI:.*]] = arith.index_cast %[[T]] : index to i32
// CHECK: %[[OFF:.*]] = tensor.from_elements %c0_i32, %[[TI]] : tensor<2xi32>
// CHECK: %[[E1:.*]] = tensor.expand_shape %[[S1]] {{\[\[}}0, 1], [2]] output_shape [1, 24, 16]
// CHECK: %[[E3:.*]] = tensor.expand_shape %[[S3]]
// CHECK: %[[E2:.*]] = tensor.expand_shape %[[S2]] {{\[\[}}0, 1], [2]] output_shape [1, 16, 24]
// CHECK: %[[SH:.*]] = moe.experts %[[X]] offsets(%[[OFF]] : tensor<2xi32>) w1(%[[E1]] : tensor<1x24x16xf32>) w3(%[[E3]] : tensor<1x24x16xf32>) w2(%[[E2]] : tensor<1x16x24xf32>) activation silu
// CHECK: %[[GL:.*]] = linalg.matmul {{.*}} ins(%[[X]], %[[G]] : tensor<?x16xf32>, tensor<1x16xf32>) {{.*}} -> tensor<?x1xf32>
// CHECK: %[[GATED:.*]] = linalg.generic {indexing_maps = [#[[ROW]], #[[COL0]], #[[ROW]]], {{.*}}} ins(%[[SH]], %[[GL]] : {{.*}}) outs(%[[SH]]
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: arith.mulf
// CHECK: moe.combine %[[Y]] {{.*}} into %[[GATED]]
func.func @shared_gated(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x32x16xf32>,
                        %w3: tensor<4x32x16xf32>, %w2: tensor<4x16x32xf32>,
                        %s1: tensor<24x16xf32>, %s3: tensor<24x16xf32>, %s2: tensor<16x24xf32>,
                        %g: tensor<1x16xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w3(%w3 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         shared_w1(%s1 : tensor<24x16xf32>) shared_w3(%s3 : tensor<24x16xf32>)
         shared_w2(%s2 : tensor<16x24xf32>) shared_gate(%g : tensor<1x16xf32>)
         routing #moe.routing<k = 2, scoring = softmax> activation silu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// DeepSeek style shared experts without a gate: combine accumulates straight
// into the shared FFN's output.

// CHECK-LABEL: func.func @shared_ungated
// CHECK: %[[SH:.*]] = moe.experts %arg0 offsets
// CHECK-NOT: linalg.generic
// CHECK: moe.combine %{{.*}} into %[[SH]]
func.func @shared_ungated(%x: tensor<5x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x32x16xf32>,
                          %w3: tensor<4x32x16xf32>, %w2: tensor<4x16x32xf32>,
                          %s1: tensor<24x16xf32>, %s3: tensor<24x16xf32>, %s2: tensor<16x24xf32>)
                          -> tensor<5x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w3(%w3 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         shared_w1(%s1 : tensor<24x16xf32>) shared_w3(%s3 : tensor<24x16xf32>)
         shared_w2(%s2 : tensor<16x24xf32>)
         routing #moe.routing<k = 2, scoring = softmax> activation silu
         : tensor<5x16xf32> -> tensor<5x16xf32>
  return %y : tensor<5x16xf32>
}

// -----

// Expert choice: each expert's C token ids and weights are flattened into
// row_tokens/row_weights, rows are gathered (id -1 -> zero row), and the
// offsets are the constant multiples of C.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @expert_choice
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x16xf32>
// CHECK: %[[IDS:.*]], %[[EW:.*]] = moe.route_expert_choice %{{.*}} capacity 3 : tensor<?x4xf32> -> tensor<4x3xi32>, tensor<4x3xf32>
// CHECK: %[[TOK:.*]] = tensor.collapse_shape %[[IDS]] {{\[\[}}0, 1]] : tensor<4x3xi32> into tensor<12xi32>
// CHECK: %[[RW:.*]] = tensor.collapse_shape %[[EW]] {{\[\[}}0, 1]] : tensor<4x3xf32> into tensor<12xf32>
// CHECK: %[[ROWS:.*]] = linalg.generic {indexing_maps = [#[[ID]], {{.*}}]} ins(%[[TOK]] : tensor<12xi32>)
// CHECK: arith.cmpi sge
// CHECK: tensor.extract %[[X]]
// CHECK: arith.select
// CHECK: %[[OFF:.*]] = arith.constant dense<[0, 3, 6, 9, 12]> : tensor<5xi32>
// CHECK: %[[Y:.*]] = moe.experts %[[ROWS]] offsets(%[[OFF]] : tensor<5xi32>)
// CHECK: moe.combine %[[Y]] tokens(%[[TOK]] : tensor<12xi32>) weights(%[[RW]] : tensor<12xf32>)
func.func @expert_choice(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x32x16xf32>,
                         %w3: tensor<4x32x16xf32>, %w2: tensor<4x16x32xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w3(%w3 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.expert_choice<capacity = 3> activation silu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// bf16 activations and weights: the router logits are still f32 (linalg.matmul
// extends), the rest stays bf16.

// CHECK-LABEL: func.func @bf16
// CHECK: linalg.matmul {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x16xbf16>, tensor<4x16xbf16>) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK: moe.dispatch {{.*}} -> tensor<?x16xbf16>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
// CHECK: moe.combine {{.*}} : tensor<?x16xbf16> -> tensor<?x16xbf16>
func.func @bf16(%x: tensor<?x16xbf16>, %wg: tensor<4x16xbf16>, %w1: tensor<4x32x16xbf16>,
                %w2: tensor<4x16x32xbf16>) -> tensor<?x16xbf16> {
  %y = moe.layer %x router(%wg : tensor<4x16xbf16>)
         w1(%w1 : tensor<4x32x16xbf16>) w2(%w2 : tensor<4x16x32xbf16>)
         routing #moe.routing<k = 1, scoring = sigmoid> activation relu
         : tensor<?x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

// weights_on_input (Llama 4), bf16: moe.route gets the routing without
// weights_on_input; each dispatched row is scaled by its weight (product in
// f32, rounded to bf16) before moe.experts, and moe.combine adds the expert
// outputs with unit weights.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @weights_on_input
// CHECK: %[[W:.*]], %[[I:.*]] = moe.route %{{.*}} <k = 1, scoring = sigmoid, order = topk_first> : tensor<?x4xf32> -> tensor<?x1xf32>, tensor<?x1xi32>
// CHECK: %[[ROWS:.*]], %[[OFF:.*]], %[[TOK:.*]], %[[RW:.*]] = moe.dispatch %{{.*}}, %[[I]], %[[W]] experts 4
// CHECK: %[[SCALED:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[ROWS]], %[[RW]] : tensor<?x16xbf16>, tensor<?xf32>) outs(%[[ROWS]] : tensor<?x16xbf16>)
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.mulf
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: %[[N:.*]] = tensor.dim %[[RW]]
// CHECK: %[[ONES0:.*]] = tensor.empty(%[[N]]) : tensor<?xf32>
// CHECK: %[[ONES:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[ONES0]] : tensor<?xf32>)
// CHECK: %[[Y:.*]] = moe.experts %[[SCALED]] offsets(%[[OFF]] : tensor<5xi32>)
// CHECK: moe.combine %[[Y]] tokens(%[[TOK]] : tensor<?xi32>) weights(%[[ONES]] : tensor<?xf32>) into
// CHECK-NOT: weights_on_input
func.func @weights_on_input(%x: tensor<?x16xbf16>, %wg: tensor<4x16xbf16>, %w1: tensor<4x32x16xbf16>,
                            %w3: tensor<4x32x16xbf16>, %w2: tensor<4x16x32xbf16>) -> tensor<?x16xbf16> {
  %y = moe.layer %x router(%wg : tensor<4x16xbf16>)
         w1(%w1 : tensor<4x32x16xbf16>) w3(%w3 : tensor<4x32x16xbf16>) w2(%w2 : tensor<4x16x32xbf16>)
         routing #moe.routing<k = 1, scoring = sigmoid, order = topk_first, weights_on_input = true> activation silu
         : tensor<?x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

// The routing parameters other than weights_on_input reach moe.route as
// they are; weights_on_input = false is dropped (moe.route has no use for it).

// CHECK-LABEL: func.func @routing_parameters
// CHECK: moe.route %{{.*}} <k = 2, scoring = sqrt_softplus, normalize = true, softcap = 2.000000e+01 : f64, norm_p = 2.000000e+00 : f64> : tensor<?x4xf32>
// CHECK-NOT: linalg.generic
// CHECK: moe.experts %[[ROWS:.*]] offsets
// CHECK: moe.combine
func.func @routing_parameters(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x32x16xf32>,
                              %w2: tensor<4x16x32xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 2, scoring = sqrt_softplus, normalize = true, softcap = 20.0,
                              norm_p = 2.0, weights_on_input = false> activation relu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Layers nested anywhere are decomposed; other ops are left alone.

// CHECK-LABEL: func.func @untouched
// CHECK-NEXT: arith.addf
// CHECK-NEXT: return
func.func @untouched(%a: f32) -> f32 {
  %r = arith.addf %a, %a : f32
  return %r : f32
}
