// Round trip of every moe op and attribute, in custom and generic form.
//
// RUN: moe-opt %s | moe-opt | FileCheck %s
// RUN: moe-opt %s --mlir-print-op-generic | moe-opt | FileCheck %s
//
// Each CHECK line spells the whole op up to its result types, so a parameter
// or attribute dropped (or one added) by the printer fails the match.

//===----------------------------------------------------------------------===//
// moe.route
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @route_softmax_static(
// CHECK-SAME:    %[[L:arg[0-9]+]]: tensor<16x8xf32>
// CHECK:         %[[W:.*]], %[[I:.*]] = moe.route %[[L]] <k = 2, scoring = softmax> : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
// CHECK:         return %[[W]], %[[I]]
func.func @route_softmax_static(%logits: tensor<16x8xf32>)
    -> (tensor<16x2xf32>, tensor<16x2xi32>) {
  %w, %i = moe.route %logits <k = 2, scoring = softmax>
             : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return %w, %i : tensor<16x2xf32>, tensor<16x2xi32>
}

// CHECK-LABEL: func.func @route_softmax_dynamic_normalize(
// CHECK-SAME:    %[[L:arg[0-9]+]]: tensor<?x8xf32>
// CHECK:         %[[W:.*]], %[[I:.*]] = moe.route %[[L]] <k = 2, scoring = softmax, normalize = true> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
// CHECK:         return %[[W]], %[[I]]
func.func @route_softmax_dynamic_normalize(%logits: tensor<?x8xf32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %logits <k = 2, scoring = softmax, normalize = true>
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// An explicit `normalize = false` and an f32 scaling are kept as written.
// CHECK-LABEL: func.func @route_softmax_normalize_false_scaling(
// CHECK-SAME:    %[[L:arg[0-9]+]]: tensor<?x8xf32>
// CHECK:         moe.route %[[L]] <k = 1, scoring = softmax, normalize = false, scaling = 5.000000e-01 : f32> : tensor<?x8xf32> -> tensor<?x1xf32>, tensor<?x1xi32>
func.func @route_softmax_normalize_false_scaling(%logits: tensor<?x8xf32>)
    -> (tensor<?x1xf32>, tensor<?x1xi32>) {
  %w, %i = moe.route %logits
             <k = 1, scoring = softmax, normalize = false, scaling = 0.5 : f32>
             : tensor<?x8xf32> -> tensor<?x1xf32>, tensor<?x1xi32>
  return %w, %i : tensor<?x1xf32>, tensor<?x1xi32>
}

// k = E is allowed.
// CHECK-LABEL: func.func @route_sigmoid_k_equals_e(
// CHECK:         moe.route %{{.*}} <k = 4, scoring = sigmoid> : tensor<?x4xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
func.func @route_sigmoid_k_equals_e(%logits: tensor<?x4xf32>)
    -> (tensor<?x4xf32>, tensor<?x4xi32>) {
  %w, %i = moe.route %logits <k = 4, scoring = sigmoid>
             : tensor<?x4xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
  return %w, %i : tensor<?x4xf32>, tensor<?x4xi32>
}

// DeepSeek-V3: sigmoid scores, selection bias, 8 groups of 8 with the 4 best
// eligible (top2sum, the default, is elided when printed), renormalized and
// scaled by 2.5.
// CHECK-LABEL: func.func @route_sigmoid_bias_groups_top2sum(
// CHECK-SAME:    %[[L:arg[0-9]+]]: tensor<?x64xf32>, %[[B:arg[0-9]+]]: tensor<64xf32>
// CHECK:         %[[W:.*]], %[[I:.*]] = moe.route %[[L]] bias(%[[B]] : tensor<64xf32>) <k = 8, scoring = sigmoid, normalize = true, scaling = 2.500000e+00 : f64, num_groups = 8, topk_groups = 4> : tensor<?x64xf32> -> tensor<?x8xf32>, tensor<?x8xi32>
// CHECK:         return %[[W]], %[[I]]
func.func @route_sigmoid_bias_groups_top2sum(%logits: tensor<?x64xf32>,
                                             %bias: tensor<64xf32>)
    -> (tensor<?x8xf32>, tensor<?x8xi32>) {
  %w, %i = moe.route %logits bias(%bias : tensor<64xf32>)
             <k = 8, scoring = sigmoid, normalize = true, scaling = 2.5,
              num_groups = 8, topk_groups = 4, group_score = top2sum>
             : tensor<?x64xf32> -> tensor<?x8xf32>, tensor<?x8xi32>
  return %w, %i : tensor<?x8xf32>, tensor<?x8xi32>
}

// CHECK-LABEL: func.func @route_softmax_groups_max(
// CHECK:         moe.route %{{.*}} <k = 2, scoring = softmax, num_groups = 4, topk_groups = 2, group_score = max> : tensor<16x16xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
func.func @route_softmax_groups_max(%logits: tensor<16x16xf32>)
    -> (tensor<16x2xf32>, tensor<16x2xi32>) {
  %w, %i = moe.route %logits
             <k = 2, scoring = softmax, num_groups = 4, topk_groups = 2,
              group_score = max>
             : tensor<16x16xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return %w, %i : tensor<16x2xf32>, tensor<16x2xi32>
}

// Groups of one expert are allowed when a group is scored by its max.
// CHECK-LABEL: func.func @route_sigmoid_groups_max_singletons(
// CHECK:         moe.route %{{.*}} <k = 3, scoring = sigmoid, num_groups = 8, topk_groups = 3, group_score = max> : tensor<?x8xf32> -> tensor<?x3xf32>, tensor<?x3xi32>
func.func @route_sigmoid_groups_max_singletons(%logits: tensor<?x8xf32>)
    -> (tensor<?x3xf32>, tensor<?x3xi32>) {
  %w, %i = moe.route %logits
             <k = 3, scoring = sigmoid, num_groups = 8, topk_groups = 3,
              group_score = max>
             : tensor<?x8xf32> -> tensor<?x3xf32>, tensor<?x3xi32>
  return %w, %i : tensor<?x3xf32>, tensor<?x3xi32>
}

// The parameters that generalize the routing (docs/Spec.md#moerouting):
// printed in declaration order whatever the order written; `order =
// score_first` is the default and is elided.
// DeepSeek-V4: sqrt-softplus scores, selection bias, sum + 1e-20.
// CHECK-LABEL: func.func @route_sqrt_softplus(
// CHECK:         moe.route %{{.*}} bias(%{{.*}} : tensor<8xf32>) <k = 2, scoring = sqrt_softplus, normalize = true, scaling = 1.500000e+00 : f64> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
func.func @route_sqrt_softplus(%logits: tensor<?x8xf32>, %b: tensor<8xf32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %logits bias(%b : tensor<8xf32>)
             <k = 2, scoring = sqrt_softplus, normalize = true,
              scaling = 1.5, order = score_first>
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// gpt-oss / Mixtral-style top-k of the logits, softmax over the k.
// CHECK-LABEL: func.func @route_topk_first_softmax(
// CHECK:         moe.route %{{.*}} <k = 2, scoring = softmax, order = topk_first> : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
func.func @route_topk_first_softmax(%logits: tensor<16x8xf32>)
    -> (tensor<16x2xf32>, tensor<16x2xi32>) {
  %w, %i = moe.route %logits <order = topk_first, k = 2, scoring = softmax>
             : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return %w, %i : tensor<16x2xf32>, tensor<16x2xi32>
}

// Laguna: a soft-capped sigmoid router, sum without ε.
// CHECK-LABEL: func.func @route_softcap_norm_eps(
// CHECK:         moe.route %{{.*}} <k = 2, scoring = sigmoid, normalize = true, softcap = 3.000000e+01 : f64, norm_eps = 0.000000e+00 : f64> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
func.func @route_softcap_norm_eps(%logits: tensor<?x8xf32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %logits
             <k = 2, scoring = sigmoid, normalize = true, norm_eps = 0.0,
              softcap = 30.0>
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// MuseSpark: logits scaled by output_multiplier, sigmoid, sum + 1e-15.
// CHECK-LABEL: func.func @route_logit_scale(
// CHECK:         moe.route %{{.*}} <k = 2, scoring = sigmoid, normalize = true, norm_eps = 1.000000e-15 : f64, logit_scale = 1.250000e-01 : f64> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
func.func @route_logit_scale(%logits: tensor<?x8xf32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %logits
             <logit_scale = 0.125, k = 2, scoring = sigmoid, normalize = true,
              norm_eps = 1.0e-15>
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// ERNIE 4.5: softmax, selection bias, the sum clamped to 1e-12.
// CHECK-LABEL: func.func @route_norm_min(
// CHECK:         moe.route %{{.*}} bias(%{{.*}} : tensor<8xf32>) <k = 2, scoring = softmax, normalize = true, norm_min = 9.9999999999999998E-13 : f64> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
func.func @route_norm_min(%logits: tensor<?x8xf32>, %b: tensor<8xf32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %logits bias(%b : tensor<8xf32>)
             <k = 2, scoring = softmax, normalize = true, norm_min = 1.0e-12>
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// AXK2: the experts of the other groups compete with selection score 0.
// CHECK-LABEL: func.func @route_group_fill(
// CHECK:         moe.route %{{.*}} bias(%{{.*}} : tensor<16xf32>) <k = 3, scoring = sigmoid, normalize = true, scaling = 2.500000e+00 : f64, num_groups = 4, topk_groups = 2, group_fill = 0.000000e+00 : f64> : tensor<?x16xf32> -> tensor<?x3xf32>, tensor<?x3xi32>
func.func @route_group_fill(%logits: tensor<?x16xf32>, %b: tensor<16xf32>)
    -> (tensor<?x3xf32>, tensor<?x3xi32>) {
  %w, %i = moe.route %logits bias(%b : tensor<16xf32>)
             <k = 3, scoring = sigmoid, normalize = true, scaling = 2.5,
              num_groups = 4, topk_groups = 2, group_fill = 0.0>
             : tensor<?x16xf32> -> tensor<?x3xf32>, tensor<?x3xi32>
  return %w, %i : tensor<?x3xf32>, tensor<?x3xi32>
}

// PhiMoE: sparsemixer's two picks with the threshold jitter.
// CHECK-LABEL: func.func @route_sparsemixer(
// CHECK:         moe.route %{{.*}} <k = 2, scoring = sparsemixer, scaling = 2.000000e+00 : f64, jitter = 1.000000e-02 : f64> : tensor<?x16xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
func.func @route_sparsemixer(%logits: tensor<?x16xf32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %logits
             <k = 2, scoring = sparsemixer, scaling = 2.0, jitter = 0.01>
             : tensor<?x16xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// DBRX: softmax, top-k, divided by the 2-norm of the k weights.
// CHECK-LABEL: func.func @route_norm_p(
// CHECK:         moe.route %{{.*}} <k = 4, scoring = softmax, normalize = true, norm_p = 2.000000e+00 : f64> : tensor<?x16xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
func.func @route_norm_p(%logits: tensor<?x16xf32>)
    -> (tensor<?x4xf32>, tensor<?x4xi32>) {
  %w, %i = moe.route %logits <k = 4, scoring = softmax, normalize = true, norm_p = 2.0>
             : tensor<?x16xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
  return %w, %i : tensor<?x4xf32>, tensor<?x4xi32>
}

// Logits and bias may be any float type; the weights are f32.
// CHECK-LABEL: func.func @route_bf16_logits(
// CHECK:         moe.route %{{.*}} bias(%{{.*}} : tensor<8xbf16>) <k = 2, scoring = sigmoid> : tensor<?x8xbf16> -> tensor<?x2xf32>, tensor<?x2xi32>
func.func @route_bf16_logits(%logits: tensor<?x8xbf16>, %bias: tensor<8xbf16>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %logits bias(%bias : tensor<8xbf16>)
             <k = 2, scoring = sigmoid>
             : tensor<?x8xbf16> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// Discardable attributes survive next to the routing attribute.
// CHECK-LABEL: func.func @route_discardable_attr(
// CHECK:         moe.route %{{.*}} <k = 1, scoring = softmax> {moe.note = "kept"} : tensor<4x2xf32> -> tensor<4x1xf32>, tensor<4x1xi32>
func.func @route_discardable_attr(%logits: tensor<4x2xf32>)
    -> (tensor<4x1xf32>, tensor<4x1xi32>) {
  %w, %i = moe.route %logits <k = 1, scoring = softmax> {moe.note = "kept"}
             : tensor<4x2xf32> -> tensor<4x1xf32>, tensor<4x1xi32>
  return %w, %i : tensor<4x1xf32>, tensor<4x1xi32>
}

//===----------------------------------------------------------------------===//
// moe.route_expert_choice
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @route_expert_choice_static(
// CHECK-SAME:    %[[L:arg[0-9]+]]: tensor<16x8xf32>
// CHECK:         %[[T:.*]], %[[W:.*]] = moe.route_expert_choice %[[L]] capacity 4 : tensor<16x8xf32> -> tensor<8x4xi32>, tensor<8x4xf32>
// CHECK:         return %[[T]], %[[W]]
func.func @route_expert_choice_static(%logits: tensor<16x8xf32>)
    -> (tensor<8x4xi32>, tensor<8x4xf32>) {
  %ids, %w = moe.route_expert_choice %logits capacity 4
               : tensor<16x8xf32> -> tensor<8x4xi32>, tensor<8x4xf32>
  return %ids, %w : tensor<8x4xi32>, tensor<8x4xf32>
}

// C = T is allowed; with dynamic T any capacity is (slots past T are empty).
// CHECK-LABEL: func.func @route_expert_choice_dynamic(
// CHECK:         moe.route_expert_choice %{{.*}} capacity 16 : tensor<16x8xbf16> -> tensor<8x16xi32>, tensor<8x16xf32>
// CHECK:         moe.route_expert_choice %{{.*}} capacity 64 : tensor<?x8xf32> -> tensor<8x64xi32>, tensor<8x64xf32>
func.func @route_expert_choice_dynamic(%a: tensor<16x8xbf16>,
                                       %b: tensor<?x8xf32>)
    -> (tensor<8x16xi32>, tensor<8x64xf32>) {
  %ids, %w = moe.route_expert_choice %a capacity 16
               : tensor<16x8xbf16> -> tensor<8x16xi32>, tensor<8x16xf32>
  %ids2, %w2 = moe.route_expert_choice %b capacity 64
                 : tensor<?x8xf32> -> tensor<8x64xi32>, tensor<8x64xf32>
  return %ids, %w2 : tensor<8x16xi32>, tensor<8x64xf32>
}

//===----------------------------------------------------------------------===//
// moe.dispatch
//===----------------------------------------------------------------------===//

// `drop none` is the default and is elided when printed.
// CHECK-LABEL: func.func @dispatch_dropless_dynamic(
// CHECK-SAME:    %[[X:arg[0-9]+]]: tensor<?x64xf32>, %[[I:arg[0-9]+]]: tensor<?x2xi32>, %[[W:arg[0-9]+]]: tensor<?x2xf32>
// CHECK:         %[[R:.*]], %[[O:.*]], %[[T:.*]], %[[RW:.*]] = moe.dispatch %[[X]], %[[I]], %[[W]] experts 8 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
// CHECK-NEXT:    moe.dispatch %[[X]], %[[I]], %[[W]] experts 8 : tensor<?x64xf32>
// CHECK-NEXT:    return %[[R]], %[[O]], %[[T]], %[[RW]]
func.func @dispatch_dropless_dynamic(%x: tensor<?x64xf32>,
                                     %indices: tensor<?x2xi32>,
                                     %weights: tensor<?x2xf32>)
    -> (tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>) {
  %rows, %offsets, %tok, %rw = moe.dispatch %x, %indices, %weights experts 8
      : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  %r2:4 = moe.dispatch %x, %indices, %weights experts 8 drop none
      : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return %rows, %offsets, %tok, %rw
      : tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
}

// CHECK-LABEL: func.func @dispatch_position_capacity_factor(
// CHECK:         moe.dispatch %{{.*}}, %{{.*}}, %{{.*}} experts 8 drop position capacity_factor 1.250000e+00 : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32> -> tensor<32x64xf32>, tensor<9xi32>, tensor<32xi32>, tensor<32xf32>
func.func @dispatch_position_capacity_factor(%x: tensor<16x64xf32>,
                                             %indices: tensor<16x2xi32>,
                                             %weights: tensor<16x2xf32>)
    -> tensor<32x64xf32> {
  %rows, %offsets, %tok, %rw = moe.dispatch %x, %indices, %weights
      experts 8 drop position capacity_factor 1.25
      : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32>
      -> tensor<32x64xf32>, tensor<9xi32>, tensor<32xi32>, tensor<32xf32>
  return %rows : tensor<32x64xf32>
}

// CHECK-LABEL: func.func @dispatch_score_capacity(
// CHECK:         moe.dispatch %{{.*}}, %{{.*}}, %{{.*}} experts 4 drop score capacity 3 : tensor<?x32xf32>, tensor<?x1xi32>, tensor<?x1xf32> -> tensor<?x32xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
func.func @dispatch_score_capacity(%x: tensor<?x32xf32>,
                                   %indices: tensor<?x1xi32>,
                                   %weights: tensor<?x1xf32>)
    -> tensor<?x32xf32> {
  %rows, %offsets, %tok, %rw = moe.dispatch %x, %indices, %weights
      experts 4 drop score capacity 3
      : tensor<?x32xf32>, tensor<?x1xi32>, tensor<?x1xf32>
      -> tensor<?x32xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  return %rows : tensor<?x32xf32>
}

// The other pairings: position with a capacity, score with a factor.
// CHECK-LABEL: func.func @dispatch_position_capacity_score_factor(
// CHECK:         moe.dispatch %{{.*}} experts 4 drop position capacity 2 : tensor<8x16xf32>
// CHECK:         moe.dispatch %{{.*}} experts 4 drop score capacity_factor 2.000000e+00 : tensor<8x16xf32>
func.func @dispatch_position_capacity_score_factor(%x: tensor<8x16xf32>,
    %indices: tensor<8x2xi32>, %weights: tensor<8x2xf32>) {
  %a:4 = moe.dispatch %x, %indices, %weights experts 4 drop position capacity 2
      : tensor<8x16xf32>, tensor<8x2xi32>, tensor<8x2xf32>
      -> tensor<16x16xf32>, tensor<5xi32>, tensor<16xi32>, tensor<16xf32>
  %b:4 = moe.dispatch %x, %indices, %weights experts 4 drop score
      capacity_factor 2.0
      : tensor<8x16xf32>, tensor<8x2xi32>, tensor<8x2xf32>
      -> tensor<16x16xf32>, tensor<5xi32>, tensor<16xi32>, tensor<16xf32>
  return
}

// bf16 tokens give bf16 rows; input weights may be bf16, row weights are f32.
// CHECK-LABEL: func.func @dispatch_bf16(
// CHECK:         moe.dispatch %{{.*}}, %{{.*}}, %{{.*}} experts 8 : tensor<?x64xbf16>, tensor<?x2xi32>, tensor<?x2xbf16> -> tensor<?x64xbf16>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
func.func @dispatch_bf16(%x: tensor<?x64xbf16>, %indices: tensor<?x2xi32>,
                         %weights: tensor<?x2xbf16>) -> tensor<?x64xbf16> {
  %rows, %offsets, %tok, %rw = moe.dispatch %x, %indices, %weights experts 8
      : tensor<?x64xbf16>, tensor<?x2xi32>, tensor<?x2xbf16>
      -> tensor<?x64xbf16>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return %rows : tensor<?x64xbf16>
}

// Layouts: `layout ragged` is the default and is elided; padded groups of C
// rows (N = E·C = 8·5 static, from a capacity, or from a capacity factor
// with a static T: ceil(1.25·16·2/8) = 5); blocked groups (N = T·k +
// E·(block-1) = 32 + 8·3 = 56 when T is static).
// CHECK-LABEL: func.func @dispatch_layouts(
// CHECK:         moe.dispatch %{{.*}}, %{{.*}}, %{{.*}} experts 8 : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32> -> tensor<32x64xf32>, tensor<9xi32>, tensor<32xi32>, tensor<32xf32>
// CHECK-NEXT:    moe.dispatch %{{.*}}, %{{.*}}, %{{.*}} experts 8 drop position capacity 5 layout padded : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32> -> tensor<40x64xf32>, tensor<9xi32>, tensor<40xi32>, tensor<40xf32>
// CHECK-NEXT:    moe.dispatch %{{.*}}, %{{.*}}, %{{.*}} experts 8 drop score capacity_factor 1.250000e+00 layout padded : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32> -> tensor<40x64xf32>, tensor<9xi32>, tensor<40xi32>, tensor<40xf32>
// CHECK-NEXT:    moe.dispatch %{{.*}}, %{{.*}}, %{{.*}} experts 8 layout blocked block 4 : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32> -> tensor<56x64xf32>, tensor<9xi32>, tensor<56xi32>, tensor<56xf32>
// CHECK-NEXT:    moe.dispatch %{{.*}}, %{{.*}}, %{{.*}} experts 8 drop position capacity 3 layout blocked block 4 : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32> -> tensor<56x64xf32>, tensor<9xi32>, tensor<56xi32>, tensor<56xf32>
func.func @dispatch_layouts(%x: tensor<16x64xf32>, %indices: tensor<16x2xi32>,
                            %weights: tensor<16x2xf32>) {
  %r:4 = moe.dispatch %x, %indices, %weights experts 8 layout ragged
      : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32>
      -> tensor<32x64xf32>, tensor<9xi32>, tensor<32xi32>, tensor<32xf32>
  %p:4 = moe.dispatch %x, %indices, %weights experts 8 drop position
      capacity 5 layout padded
      : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32>
      -> tensor<40x64xf32>, tensor<9xi32>, tensor<40xi32>, tensor<40xf32>
  %pf:4 = moe.dispatch %x, %indices, %weights experts 8 drop score
      capacity_factor 1.25 layout padded
      : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32>
      -> tensor<40x64xf32>, tensor<9xi32>, tensor<40xi32>, tensor<40xf32>
  %b:4 = moe.dispatch %x, %indices, %weights experts 8 layout blocked block 4
      : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32>
      -> tensor<56x64xf32>, tensor<9xi32>, tensor<56xi32>, tensor<56xf32>
  %bc:4 = moe.dispatch %x, %indices, %weights experts 8 drop position
      capacity 3 layout blocked block 4
      : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32>
      -> tensor<56x64xf32>, tensor<9xi32>, tensor<56xi32>, tensor<56xf32>
  return
}

// With a dynamic T: padded rows stay static (capacity 4, N = 4·4 = 16);
// blocked rows are dynamic.
// CHECK-LABEL: func.func @dispatch_layouts_dynamic(
// CHECK:         moe.dispatch %{{.*}}, %{{.*}}, %{{.*}} experts 4 drop position capacity 4 layout padded : tensor<?x32xbf16>, tensor<?x1xi32>, tensor<?x1xf32> -> tensor<16x32xbf16>, tensor<5xi32>, tensor<16xi32>, tensor<16xf32>
// CHECK-NEXT:    moe.dispatch %{{.*}}, %{{.*}}, %{{.*}} experts 4 layout blocked block 16 : tensor<?x32xbf16>, tensor<?x1xi32>, tensor<?x1xf32> -> tensor<?x32xbf16>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
func.func @dispatch_layouts_dynamic(%x: tensor<?x32xbf16>,
                                    %indices: tensor<?x1xi32>,
                                    %weights: tensor<?x1xf32>) {
  %p:4 = moe.dispatch %x, %indices, %weights experts 4 drop position
      capacity 4 layout padded
      : tensor<?x32xbf16>, tensor<?x1xi32>, tensor<?x1xf32>
      -> tensor<16x32xbf16>, tensor<5xi32>, tensor<16xi32>, tensor<16xf32>
  %b:4 = moe.dispatch %x, %indices, %weights experts 4 layout blocked
      block 16
      : tensor<?x32xbf16>, tensor<?x1xi32>, tensor<?x1xf32>
      -> tensor<?x32xbf16>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

//===----------------------------------------------------------------------===//
// moe.grouped_matmul
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @grouped_matmul_static(
// CHECK-SAME:    %[[R:arg[0-9]+]]: tensor<32x64xf32>, %[[W:arg[0-9]+]]: tensor<8x128x64xf32>, %[[O:arg[0-9]+]]: tensor<9xi32>
// CHECK:         %[[H:.*]] = moe.grouped_matmul %[[R]], %[[W]] offsets(%[[O]] : tensor<9xi32>) : tensor<32x64xf32>, tensor<8x128x64xf32> -> tensor<32x128xf32>
// CHECK:         return %[[H]]
func.func @grouped_matmul_static(%rows: tensor<32x64xf32>,
                                 %w: tensor<8x128x64xf32>,
                                 %offsets: tensor<9xi32>)
    -> tensor<32x128xf32> {
  %h = moe.grouped_matmul %rows, %w offsets(%offsets : tensor<9xi32>)
         : tensor<32x64xf32>, tensor<8x128x64xf32> -> tensor<32x128xf32>
  return %h : tensor<32x128xf32>
}

// CHECK-LABEL: func.func @grouped_matmul_dynamic_bf16(
// CHECK:         moe.grouped_matmul %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<9xi32>) : tensor<?x64xbf16>, tensor<8x128x64xbf16> -> tensor<?x128xf32>
func.func @grouped_matmul_dynamic_bf16(%rows: tensor<?x64xbf16>,
                                       %w: tensor<8x128x64xbf16>,
                                       %offsets: tensor<9xi32>)
    -> tensor<?x128xf32> {
  %h = moe.grouped_matmul %rows, %w offsets(%offsets : tensor<9xi32>)
         : tensor<?x64xbf16>, tensor<8x128x64xbf16> -> tensor<?x128xf32>
  return %h : tensor<?x128xf32>
}

//===----------------------------------------------------------------------===//
// moe.experts
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @experts_gated_silu(
// CHECK-SAME:    %[[R:arg[0-9]+]]: tensor<?x64xf32>, %[[O:arg[0-9]+]]: tensor<9xi32>, %[[W1:arg[0-9]+]]: tensor<8x128x64xf32>, %[[W3:arg[0-9]+]]: tensor<8x128x64xf32>, %[[W2:arg[0-9]+]]: tensor<8x64x128xf32>
// CHECK:         %[[Y:.*]] = moe.experts %[[R]] offsets(%[[O]] : tensor<9xi32>) w1(%[[W1]] : tensor<8x128x64xf32>) w3(%[[W3]] : tensor<8x128x64xf32>) w2(%[[W2]] : tensor<8x64x128xf32>) activation silu : tensor<?x64xf32> -> tensor<?x64xf32>
// CHECK:         return %[[Y]]
func.func @experts_gated_silu(%rows: tensor<?x64xf32>, %offsets: tensor<9xi32>,
                              %w1: tensor<8x128x64xf32>,
                              %w3: tensor<8x128x64xf32>,
                              %w2: tensor<8x64x128xf32>) -> tensor<?x64xf32> {
  %y = moe.experts %rows offsets(%offsets : tensor<9xi32>)
         w1(%w1 : tensor<8x128x64xf32>) w3(%w3 : tensor<8x128x64xf32>)
         w2(%w2 : tensor<8x64x128xf32>) activation silu
         : tensor<?x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// CHECK-LABEL: func.func @experts_gated_gelu_tanh(
// CHECK:         moe.experts %{{.*}} offsets(%{{.*}} : tensor<5xi32>) w1(%{{.*}} : tensor<4x32x16xf32>) w3(%{{.*}} : tensor<4x32x16xf32>) w2(%{{.*}} : tensor<4x16x32xf32>) activation gelu_tanh : tensor<24x16xf32> -> tensor<24x16xf32>
func.func @experts_gated_gelu_tanh(%rows: tensor<24x16xf32>,
                                   %offsets: tensor<5xi32>,
                                   %w1: tensor<4x32x16xf32>,
                                   %w3: tensor<4x32x16xf32>,
                                   %w2: tensor<4x16x32xf32>)
    -> tensor<24x16xf32> {
  %y = moe.experts %rows offsets(%offsets : tensor<5xi32>)
         w1(%w1 : tensor<4x32x16xf32>) w3(%w3 : tensor<4x32x16xf32>)
         w2(%w2 : tensor<4x16x32xf32>) activation gelu_tanh
         : tensor<24x16xf32> -> tensor<24x16xf32>
  return %y : tensor<24x16xf32>
}

// Non-gated experts: no w3.
// CHECK-LABEL: func.func @experts_nongated_gelu_erf(
// CHECK:         moe.experts %{{.*}} offsets(%{{.*}} : tensor<5xi32>) w1(%{{.*}} : tensor<4x32x16xf32>) w2(%{{.*}} : tensor<4x16x32xf32>) activation gelu_erf : tensor<?x16xf32> -> tensor<?x16xf32>
func.func @experts_nongated_gelu_erf(%rows: tensor<?x16xf32>,
                                     %offsets: tensor<5xi32>,
                                     %w1: tensor<4x32x16xf32>,
                                     %w2: tensor<4x16x32xf32>)
    -> tensor<?x16xf32> {
  %y = moe.experts %rows offsets(%offsets : tensor<5xi32>)
         w1(%w1 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         activation gelu_erf : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// CHECK-LABEL: func.func @experts_nongated_relu(
// CHECK:         moe.experts %{{.*}} offsets(%{{.*}} : tensor<5xi32>) w1(%{{.*}} : tensor<4x32x16xf32>) w2(%{{.*}} : tensor<4x16x32xf32>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
func.func @experts_nongated_relu(%rows: tensor<?x16xf32>,
                                 %offsets: tensor<5xi32>,
                                 %w1: tensor<4x32x16xf32>,
                                 %w2: tensor<4x16x32xf32>)
    -> tensor<?x16xf32> {
  %y = moe.experts %rows offsets(%offsets : tensor<5xi32>)
         w1(%w1 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// bf16 rows and weights.
// CHECK-LABEL: func.func @experts_gated_bf16(
// CHECK:         moe.experts %{{.*}} offsets(%{{.*}} : tensor<9xi32>) w1(%{{.*}} : tensor<8x128x64xbf16>) w3(%{{.*}} : tensor<8x128x64xbf16>) w2(%{{.*}} : tensor<8x64x128xbf16>) activation silu : tensor<?x64xbf16> -> tensor<?x64xbf16>
func.func @experts_gated_bf16(%rows: tensor<?x64xbf16>,
                              %offsets: tensor<9xi32>,
                              %w1: tensor<8x128x64xbf16>,
                              %w3: tensor<8x128x64xbf16>,
                              %w2: tensor<8x64x128xbf16>)
    -> tensor<?x64xbf16> {
  %y = moe.experts %rows offsets(%offsets : tensor<9xi32>)
         w1(%w1 : tensor<8x128x64xbf16>) w3(%w3 : tensor<8x128x64xbf16>)
         w2(%w2 : tensor<8x64x128xbf16>) activation silu
         : tensor<?x64xbf16> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

//===----------------------------------------------------------------------===//
// moe.combine
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @combine_static(
// CHECK-SAME:    %[[Y:arg[0-9]+]]: tensor<32x64xf32>, %[[T:arg[0-9]+]]: tensor<32xi32>, %[[W:arg[0-9]+]]: tensor<32xf32>, %[[A:arg[0-9]+]]: tensor<16x64xf32>
// CHECK:         %[[OUT:.*]] = moe.combine %[[Y]] tokens(%[[T]] : tensor<32xi32>) weights(%[[W]] : tensor<32xf32>) into %[[A]] : tensor<32x64xf32> -> tensor<16x64xf32>
// CHECK:         return %[[OUT]]
func.func @combine_static(%y: tensor<32x64xf32>, %tok: tensor<32xi32>,
                          %rw: tensor<32xf32>, %acc: tensor<16x64xf32>)
    -> tensor<16x64xf32> {
  %out = moe.combine %y tokens(%tok : tensor<32xi32>)
           weights(%rw : tensor<32xf32>) into %acc
           : tensor<32x64xf32> -> tensor<16x64xf32>
  return %out : tensor<16x64xf32>
}

// CHECK-LABEL: func.func @combine_dynamic_bf16(
// CHECK:         moe.combine %{{.*}} tokens(%{{.*}} : tensor<?xi32>) weights(%{{.*}} : tensor<?xf32>) into %{{.*}} : tensor<?x64xbf16> -> tensor<?x64xbf16>
func.func @combine_dynamic_bf16(%y: tensor<?x64xbf16>, %tok: tensor<?xi32>,
                                %rw: tensor<?xf32>, %acc: tensor<?x64xbf16>)
    -> tensor<?x64xbf16> {
  %out = moe.combine %y tokens(%tok : tensor<?xi32>)
           weights(%rw : tensor<?xf32>) into %acc
           : tensor<?x64xbf16> -> tensor<?x64xbf16>
  return %out : tensor<?x64xbf16>
}

//===----------------------------------------------------------------------===//
// moe.all_to_all
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @all_to_all_dynamic(
// CHECK-SAME:    %[[R:arg[0-9]+]]: tensor<?x64xf32>, %[[C:arg[0-9]+]]: tensor<4xi32>
// CHECK:         %[[RECV:.*]], %[[COUNTS:.*]] = moe.all_to_all %[[R]], %[[C]] ranks 4 : tensor<?x64xf32>, tensor<4xi32> -> tensor<?x64xf32>, tensor<4xi32>
// CHECK:         return %[[RECV]], %[[COUNTS]]
func.func @all_to_all_dynamic(%rows: tensor<?x64xf32>,
                              %send: tensor<4xi32>)
    -> (tensor<?x64xf32>, tensor<4xi32>) {
  %recv, %counts = moe.all_to_all %rows, %send ranks 4
      : tensor<?x64xf32>, tensor<4xi32> -> tensor<?x64xf32>, tensor<4xi32>
  return %recv, %counts : tensor<?x64xf32>, tensor<4xi32>
}

// Static sizes on both sides; M need not equal N.
// CHECK-LABEL: func.func @all_to_all_static(
// CHECK:         moe.all_to_all %{{.*}}, %{{.*}} ranks 2 : tensor<16x8xbf16>, tensor<2xi32> -> tensor<24x8xbf16>, tensor<2xi32>
func.func @all_to_all_static(%rows: tensor<16x8xbf16>, %send: tensor<2xi32>)
    -> tensor<24x8xbf16> {
  %recv, %counts = moe.all_to_all %rows, %send ranks 2
      : tensor<16x8xbf16>, tensor<2xi32> -> tensor<24x8xbf16>, tensor<2xi32>
  return %recv : tensor<24x8xbf16>
}

//===----------------------------------------------------------------------===//
// moe.layer
//===----------------------------------------------------------------------===//

// Mixtral: softmax top-2, renormalized, SwiGLU experts, dynamic T, dropless.
// CHECK-LABEL: func.func @layer_mixtral(
// CHECK-SAME:    %[[X:arg[0-9]+]]: tensor<?x64xf32>, %[[G:arg[0-9]+]]: tensor<8x64xf32>, %[[W1:arg[0-9]+]]: tensor<8x128x64xf32>, %[[W3:arg[0-9]+]]: tensor<8x128x64xf32>, %[[W2:arg[0-9]+]]: tensor<8x64x128xf32>
// CHECK:         %[[Y:.*]] = moe.layer %[[X]] router(%[[G]] : tensor<8x64xf32>) w1(%[[W1]] : tensor<8x128x64xf32>) w3(%[[W3]] : tensor<8x128x64xf32>) w2(%[[W2]] : tensor<8x64x128xf32>) routing #moe.routing<k = 2, scoring = softmax, normalize = true> activation silu : tensor<?x64xf32> -> tensor<?x64xf32>
// CHECK:         return %[[Y]]
func.func @layer_mixtral(%x: tensor<?x64xf32>, %wg: tensor<8x64xf32>,
                         %w1: tensor<8x128x64xf32>, %w3: tensor<8x128x64xf32>,
                         %w2: tensor<8x64x128xf32>) -> tensor<?x64xf32> {
  %y = moe.layer %x router(%wg : tensor<8x64xf32>)
         w1(%w1 : tensor<8x128x64xf32>) w3(%w3 : tensor<8x128x64xf32>)
         w2(%w2 : tensor<8x64x128xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu : tensor<?x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// LongCat-Flash: 8 routed and 4 identity experts; the router and the
// selection bias have 12 rows.
// CHECK-LABEL: func.func @layer_identity_experts(
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<12x64xf32>) bias(%{{.*}} : tensor<12xf32>) w1(%{{.*}} : tensor<8x128x64xf32>) w3(%{{.*}} : tensor<8x128x64xf32>) w2(%{{.*}} : tensor<8x64x128xf32>) routing #moe.routing<k = 3, scoring = softmax, scaling = 6.000000e+00 : f64> activation silu identity_experts 4 : tensor<?x64xf32> -> tensor<?x64xf32>
func.func @layer_identity_experts(%x: tensor<?x64xf32>, %wg: tensor<12x64xf32>,
                                  %b: tensor<12xf32>,
                                  %w1: tensor<8x128x64xf32>,
                                  %w3: tensor<8x128x64xf32>,
                                  %w2: tensor<8x64x128xf32>)
    -> tensor<?x64xf32> {
  %y = moe.layer %x router(%wg : tensor<12x64xf32>) bias(%b : tensor<12xf32>)
         w1(%w1 : tensor<8x128x64xf32>) w3(%w3 : tensor<8x128x64xf32>)
         w2(%w2 : tensor<8x64x128xf32>)
         routing #moe.routing<k = 3, scoring = softmax, scaling = 6.0>
         activation silu identity_experts 4 : tensor<?x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// Llama 4: top-1 of the logits, sigmoid weight, applied to the token before
// the expert.
// CHECK-LABEL: func.func @layer_weights_on_input(
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<8x64xf32>) w1(%{{.*}} : tensor<8x128x64xf32>) w3(%{{.*}} : tensor<8x128x64xf32>) w2(%{{.*}} : tensor<8x64x128xf32>) routing #moe.routing<k = 1, scoring = sigmoid, order = topk_first, weights_on_input = true> activation silu : tensor<?x64xf32> -> tensor<?x64xf32>
func.func @layer_weights_on_input(%x: tensor<?x64xf32>, %wg: tensor<8x64xf32>,
                                  %w1: tensor<8x128x64xf32>,
                                  %w3: tensor<8x128x64xf32>,
                                  %w2: tensor<8x64x128xf32>)
    -> tensor<?x64xf32> {
  %y = moe.layer %x router(%wg : tensor<8x64xf32>)
         w1(%w1 : tensor<8x128x64xf32>) w3(%w3 : tensor<8x128x64xf32>)
         w2(%w2 : tensor<8x64x128xf32>)
         routing #moe.routing<k = 1, scoring = sigmoid, order = topk_first,
                              weights_on_input = true>
         activation silu : tensor<?x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// Static T, non-gated relu experts, `drop none` written out (and elided).
// CHECK-LABEL: func.func @layer_static_nongated_relu(
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<4x16xf32>) w1(%{{.*}} : tensor<4x32x16xf32>) w2(%{{.*}} : tensor<4x16x32xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<8x16xf32> -> tensor<8x16xf32>
func.func @layer_static_nongated_relu(%x: tensor<8x16xf32>,
                                      %wg: tensor<4x16xf32>,
                                      %w1: tensor<4x32x16xf32>,
                                      %w2: tensor<4x16x32xf32>)
    -> tensor<8x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 1, scoring = softmax>
         activation relu drop none : tensor<8x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// DeepSeek-V3: sigmoid, selection bias, 8 groups with 4 eligible (top2sum),
// renormalized, scaled by 2.5, a gated shared expert without a gate.
// CHECK-LABEL: func.func @layer_deepseek_v3(
// CHECK-SAME:    %[[X:arg[0-9]+]]: tensor<?x32xf32>, %[[G:arg[0-9]+]]: tensor<64x32xf32>, %[[B:arg[0-9]+]]: tensor<64xf32>, %[[W1:arg[0-9]+]]: tensor<64x16x32xf32>, %[[W3:arg[0-9]+]]: tensor<64x16x32xf32>, %[[W2:arg[0-9]+]]: tensor<64x32x16xf32>, %[[S1:arg[0-9]+]]: tensor<16x32xf32>, %[[S3:arg[0-9]+]]: tensor<16x32xf32>, %[[S2:arg[0-9]+]]: tensor<32x16xf32>
// CHECK:         moe.layer %[[X]] router(%[[G]] : tensor<64x32xf32>) bias(%[[B]] : tensor<64xf32>) w1(%[[W1]] : tensor<64x16x32xf32>) w3(%[[W3]] : tensor<64x16x32xf32>) w2(%[[W2]] : tensor<64x32x16xf32>) shared_w1(%[[S1]] : tensor<16x32xf32>) shared_w3(%[[S3]] : tensor<16x32xf32>) shared_w2(%[[S2]] : tensor<32x16xf32>) routing #moe.routing<k = 8, scoring = sigmoid, normalize = true, scaling = 2.500000e+00 : f64, num_groups = 8, topk_groups = 4> activation silu : tensor<?x32xf32> -> tensor<?x32xf32>
func.func @layer_deepseek_v3(%x: tensor<?x32xf32>, %wg: tensor<64x32xf32>,
                             %bias: tensor<64xf32>,
                             %w1: tensor<64x16x32xf32>,
                             %w3: tensor<64x16x32xf32>,
                             %w2: tensor<64x32x16xf32>,
                             %s1: tensor<16x32xf32>, %s3: tensor<16x32xf32>,
                             %s2: tensor<32x16xf32>) -> tensor<?x32xf32> {
  %y = moe.layer %x router(%wg : tensor<64x32xf32>)
         bias(%bias : tensor<64xf32>)
         w1(%w1 : tensor<64x16x32xf32>) w3(%w3 : tensor<64x16x32xf32>)
         w2(%w2 : tensor<64x32x16xf32>)
         shared_w1(%s1 : tensor<16x32xf32>) shared_w3(%s3 : tensor<16x32xf32>)
         shared_w2(%s2 : tensor<32x16xf32>)
         routing #moe.routing<k = 8, scoring = sigmoid, normalize = true,
                              scaling = 2.5, num_groups = 8, topk_groups = 4,
                              group_score = top2sum>
         activation silu : tensor<?x32xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// Qwen2-MoE: softmax top-4 without renormalization, a gated shared expert
// scaled by sigmoid(x · shared_gateᵀ).
// CHECK-LABEL: func.func @layer_qwen2_shared_gate(
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<8x32xf32>) w1(%{{.*}} : tensor<8x16x32xf32>) w3(%{{.*}} : tensor<8x16x32xf32>) w2(%{{.*}} : tensor<8x32x16xf32>) shared_w1(%{{.*}} : tensor<48x32xf32>) shared_w3(%{{.*}} : tensor<48x32xf32>) shared_w2(%{{.*}} : tensor<32x48xf32>) shared_gate(%{{.*}} : tensor<1x32xf32>) routing #moe.routing<k = 4, scoring = softmax> activation silu : tensor<?x32xf32> -> tensor<?x32xf32>
func.func @layer_qwen2_shared_gate(%x: tensor<?x32xf32>,
                                   %wg: tensor<8x32xf32>,
                                   %w1: tensor<8x16x32xf32>,
                                   %w3: tensor<8x16x32xf32>,
                                   %w2: tensor<8x32x16xf32>,
                                   %s1: tensor<48x32xf32>,
                                   %s3: tensor<48x32xf32>,
                                   %s2: tensor<32x48xf32>,
                                   %sg: tensor<1x32xf32>) -> tensor<?x32xf32> {
  %y = moe.layer %x router(%wg : tensor<8x32xf32>)
         w1(%w1 : tensor<8x16x32xf32>) w3(%w3 : tensor<8x16x32xf32>)
         w2(%w2 : tensor<8x32x16xf32>)
         shared_w1(%s1 : tensor<48x32xf32>) shared_w3(%s3 : tensor<48x32xf32>)
         shared_w2(%s2 : tensor<32x48xf32>) shared_gate(%sg : tensor<1x32xf32>)
         routing #moe.routing<k = 4, scoring = softmax>
         activation silu : tensor<?x32xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// A non-gated shared expert with a gate, group-limited routing scored by max.
// CHECK-LABEL: func.func @layer_shared_nongated_gate_groups_max(
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<8x16xf32>) w1(%{{.*}} : tensor<8x8x16xf32>) w2(%{{.*}} : tensor<8x16x8xf32>) shared_w1(%{{.*}} : tensor<24x16xf32>) shared_w2(%{{.*}} : tensor<16x24xf32>) shared_gate(%{{.*}} : tensor<1x16xf32>) routing #moe.routing<k = 2, scoring = sigmoid, normalize = true, num_groups = 4, topk_groups = 2, group_score = max> activation gelu_tanh : tensor<?x16xf32> -> tensor<?x16xf32>
func.func @layer_shared_nongated_gate_groups_max(%x: tensor<?x16xf32>,
    %wg: tensor<8x16xf32>, %w1: tensor<8x8x16xf32>, %w2: tensor<8x16x8xf32>,
    %s1: tensor<24x16xf32>, %s2: tensor<16x24xf32>, %sg: tensor<1x16xf32>)
    -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<8x16xf32>)
         w1(%w1 : tensor<8x8x16xf32>) w2(%w2 : tensor<8x16x8xf32>)
         shared_w1(%s1 : tensor<24x16xf32>) shared_w2(%s2 : tensor<16x24xf32>)
         shared_gate(%sg : tensor<1x16xf32>)
         routing #moe.routing<k = 2, scoring = sigmoid, normalize = true,
                              num_groups = 4, topk_groups = 2, group_score = max>
         activation gelu_tanh : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// A non-gated shared expert without a gate.
// CHECK-LABEL: func.func @layer_shared_nongated(
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<4x16xf32>) w1(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>) shared_w1(%{{.*}} : tensor<8x16xf32>) shared_w2(%{{.*}} : tensor<16x8xf32>) routing #moe.routing<k = 2, scoring = softmax> activation relu : tensor<6x16xf32> -> tensor<6x16xf32>
func.func @layer_shared_nongated(%x: tensor<6x16xf32>, %wg: tensor<4x16xf32>,
                                 %w1: tensor<4x8x16xf32>,
                                 %w2: tensor<4x16x8xf32>,
                                 %s1: tensor<8x16xf32>, %s2: tensor<16x8xf32>)
    -> tensor<6x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>)
         shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>)
         routing #moe.routing<k = 2, scoring = softmax>
         activation relu : tensor<6x16xf32> -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// Expert choice: each expert takes its top 4 of the 16 tokens.
// CHECK-LABEL: func.func @layer_expert_choice(
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<8x32xf32>) w1(%{{.*}} : tensor<8x16x32xf32>) w3(%{{.*}} : tensor<8x16x32xf32>) w2(%{{.*}} : tensor<8x32x16xf32>) routing #moe.expert_choice<capacity = 4> activation silu : tensor<16x32xf32> -> tensor<16x32xf32>
func.func @layer_expert_choice(%x: tensor<16x32xf32>, %wg: tensor<8x32xf32>,
                               %w1: tensor<8x16x32xf32>,
                               %w3: tensor<8x16x32xf32>,
                               %w2: tensor<8x32x16xf32>) -> tensor<16x32xf32> {
  %y = moe.layer %x router(%wg : tensor<8x32xf32>)
         w1(%w1 : tensor<8x16x32xf32>) w3(%w3 : tensor<8x16x32xf32>)
         w2(%w2 : tensor<8x32x16xf32>)
         routing #moe.expert_choice<capacity = 4>
         activation silu : tensor<16x32xf32> -> tensor<16x32xf32>
  return %y : tensor<16x32xf32>
}

// Expert choice with dynamic T and a shared expert.
// CHECK-LABEL: func.func @layer_expert_choice_dynamic_shared(
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<4x16xf32>) w1(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>) shared_w1(%{{.*}} : tensor<8x16xf32>) shared_w2(%{{.*}} : tensor<16x8xf32>) routing #moe.expert_choice<capacity = 2> activation gelu_erf : tensor<?x16xf32> -> tensor<?x16xf32>
func.func @layer_expert_choice_dynamic_shared(%x: tensor<?x16xf32>,
    %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>,
    %s1: tensor<8x16xf32>, %s2: tensor<16x8xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>)
         shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>)
         routing #moe.expert_choice<capacity = 2>
         activation gelu_erf : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// Switch/GShard capacity: drop in position order, C from a factor.
// CHECK-LABEL: func.func @layer_drop_position_capacity_factor(
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<8x32xf32>) w1(%{{.*}} : tensor<8x16x32xf32>) w2(%{{.*}} : tensor<8x32x16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation gelu_erf drop position capacity_factor 1.250000e+00 : tensor<?x32xf32> -> tensor<?x32xf32>
func.func @layer_drop_position_capacity_factor(%x: tensor<?x32xf32>,
    %wg: tensor<8x32xf32>, %w1: tensor<8x16x32xf32>, %w2: tensor<8x32x16xf32>)
    -> tensor<?x32xf32> {
  %y = moe.layer %x router(%wg : tensor<8x32xf32>)
         w1(%w1 : tensor<8x16x32xf32>) w2(%w2 : tensor<8x32x16xf32>)
         routing #moe.routing<k = 1, scoring = softmax>
         activation gelu_erf drop position capacity_factor 1.25
         : tensor<?x32xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// Batch-priority routing: drop by score, with an explicit capacity.
// CHECK-LABEL: func.func @layer_drop_score_capacity(
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<8x32xf32>) w1(%{{.*}} : tensor<8x16x32xf32>) w3(%{{.*}} : tensor<8x16x32xf32>) w2(%{{.*}} : tensor<8x32x16xf32>) routing #moe.routing<k = 2, scoring = softmax, normalize = true> activation gelu_tanh drop score capacity 6 : tensor<16x32xf32> -> tensor<16x32xf32>
func.func @layer_drop_score_capacity(%x: tensor<16x32xf32>,
    %wg: tensor<8x32xf32>, %w1: tensor<8x16x32xf32>, %w3: tensor<8x16x32xf32>,
    %w2: tensor<8x32x16xf32>) -> tensor<16x32xf32> {
  %y = moe.layer %x router(%wg : tensor<8x32xf32>)
         w1(%w1 : tensor<8x16x32xf32>) w3(%w3 : tensor<8x16x32xf32>)
         w2(%w2 : tensor<8x32x16xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation gelu_tanh drop score capacity 6
         : tensor<16x32xf32> -> tensor<16x32xf32>
  return %y : tensor<16x32xf32>
}

// bf16 activations and weights throughout, including the shared expert.
// CHECK-LABEL: func.func @layer_bf16(
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<8x64xbf16>) w1(%{{.*}} : tensor<8x128x64xbf16>) w3(%{{.*}} : tensor<8x128x64xbf16>) w2(%{{.*}} : tensor<8x64x128xbf16>) shared_w1(%{{.*}} : tensor<32x64xbf16>) shared_w3(%{{.*}} : tensor<32x64xbf16>) shared_w2(%{{.*}} : tensor<64x32xbf16>) shared_gate(%{{.*}} : tensor<1x64xbf16>) routing #moe.routing<k = 2, scoring = softmax, normalize = true> activation silu : tensor<?x64xbf16> -> tensor<?x64xbf16>
func.func @layer_bf16(%x: tensor<?x64xbf16>, %wg: tensor<8x64xbf16>,
                      %w1: tensor<8x128x64xbf16>, %w3: tensor<8x128x64xbf16>,
                      %w2: tensor<8x64x128xbf16>, %s1: tensor<32x64xbf16>,
                      %s3: tensor<32x64xbf16>, %s2: tensor<64x32xbf16>,
                      %sg: tensor<1x64xbf16>) -> tensor<?x64xbf16> {
  %y = moe.layer %x router(%wg : tensor<8x64xbf16>)
         w1(%w1 : tensor<8x128x64xbf16>) w3(%w3 : tensor<8x128x64xbf16>)
         w2(%w2 : tensor<8x64x128xbf16>)
         shared_w1(%s1 : tensor<32x64xbf16>) shared_w3(%s3 : tensor<32x64xbf16>)
         shared_w2(%s2 : tensor<64x32xbf16>) shared_gate(%sg : tensor<1x64xbf16>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu : tensor<?x64xbf16> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// bf16 weights with f32 activations.
// CHECK-LABEL: func.func @layer_bf16_weights_f32_tokens(
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<8x64xf32>) w1(%{{.*}} : tensor<8x128x64xbf16>) w3(%{{.*}} : tensor<8x128x64xbf16>) w2(%{{.*}} : tensor<8x64x128xbf16>) routing #moe.routing<k = 2, scoring = softmax> activation silu : tensor<?x64xf32> -> tensor<?x64xf32>
func.func @layer_bf16_weights_f32_tokens(%x: tensor<?x64xf32>,
    %wg: tensor<8x64xf32>, %w1: tensor<8x128x64xbf16>,
    %w3: tensor<8x128x64xbf16>, %w2: tensor<8x64x128xbf16>)
    -> tensor<?x64xf32> {
  %y = moe.layer %x router(%wg : tensor<8x64xf32>)
         w1(%w1 : tensor<8x128x64xbf16>) w3(%w3 : tensor<8x128x64xbf16>)
         w2(%w2 : tensor<8x64x128xbf16>)
         routing #moe.routing<k = 2, scoring = softmax>
         activation silu : tensor<?x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// Dynamic D and F, fixed by no operand; f64 throughout with a shared gate.
// CHECK-LABEL: func.func @layer_f64_dynamic_hidden(
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<4x?xf64>) w1(%{{.*}} : tensor<4x?x?xf64>) w2(%{{.*}} : tensor<4x?x?xf64>) shared_w1(%{{.*}} : tensor<8x?xf64>) shared_w2(%{{.*}} : tensor<?x8xf64>) shared_gate(%{{.*}} : tensor<1x?xf64>) routing #moe.routing<k = 2, scoring = sigmoid, normalize = true> activation gelu_erf : tensor<?x?xf64> -> tensor<?x?xf64>
func.func @layer_f64_dynamic_hidden(%x: tensor<?x?xf64>, %wg: tensor<4x?xf64>,
    %w1: tensor<4x?x?xf64>, %w2: tensor<4x?x?xf64>, %s1: tensor<8x?xf64>,
    %s2: tensor<?x8xf64>, %sg: tensor<1x?xf64>) -> tensor<?x?xf64> {
  %y = moe.layer %x router(%wg : tensor<4x?xf64>)
         w1(%w1 : tensor<4x?x?xf64>) w2(%w2 : tensor<4x?x?xf64>)
         shared_w1(%s1 : tensor<8x?xf64>) shared_w2(%s2 : tensor<?x8xf64>)
         shared_gate(%sg : tensor<1x?xf64>)
         routing #moe.routing<k = 2, scoring = sigmoid, normalize = true>
         activation gelu_erf : tensor<?x?xf64> -> tensor<?x?xf64>
  return %y : tensor<?x?xf64>
}

// #moe.routing parameters may be written in any order; they print in
// declaration order.
// CHECK-LABEL: func.func @route_parameters_any_order(
// CHECK:         moe.route %{{.*}} <k = 2, scoring = sigmoid, normalize = true, num_groups = 2, topk_groups = 1, group_score = max> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
func.func @route_parameters_any_order(%logits: tensor<?x8xf32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %logits
             <group_score = max, topk_groups = 1, num_groups = 2,
              normalize = true, scoring = sigmoid, k = 2>
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}
