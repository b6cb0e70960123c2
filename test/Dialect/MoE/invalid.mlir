// Negative tests: one or more per constraint label of docs/Spec.md. Each
// function is named after the label its diagnostic carries.
//
// RUN: moe-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// #moe.routing
//===----------------------------------------------------------------------===//

func.func @routing_c1(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' k = 0 must be at least 1 (routing_c1)}}
  %w, %i = moe.route %l <k = 0, scoring = softmax> : tensor<?x8xf32> -> tensor<?x1xf32>, tensor<?x1xi32>
  return
}

// -----

func.func @routing_c1_negative_generic(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{k = -3 must be at least 1 (routing_c1)}}
  %w, %i = "moe.route"(%l) {routing = #moe.routing<k = -3, scoring = softmax>} : (tensor<?x8xf32>) -> (tensor<?x1xf32>, tensor<?x1xi32>)
  return
}

// -----

func.func @routing_c2_missing_topk_groups(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' num_groups = 4 and topk_groups = 0 must both be positive, or both 0 for no group limit (routing_c2)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, num_groups = 4> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c2_missing_num_groups(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' num_groups = 0 and topk_groups = 2 must both be positive, or both 0 for no group limit (routing_c2)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, topk_groups = 2> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c2_negative(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' num_groups = -4 and topk_groups = -2 must both be positive, or both 0 for no group limit (routing_c2)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, num_groups = -4, topk_groups = -2> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c3(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' topk_groups = 5 exceeds num_groups = 4 (routing_c3)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, num_groups = 4, topk_groups = 5> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c4_zero(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' scaling = 0.000000e+00 must be finite and positive (routing_c4)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, scaling = 0.0> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c4_negative(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' scaling = -2.500000e+00 must be finite and positive (routing_c4)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, scaling = -2.5 : f32> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c4_infinite(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' scaling = INF must be finite and positive (routing_c4)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, scaling = 0x7FF0000000000000 : f64> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c4_nan(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' scaling = nan must be finite and positive (routing_c4)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, scaling = 0x7FC00000 : f32> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c5_zero(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' softcap = 0.000000e+00 must be finite and positive (routing_c5)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, softcap = 0.0> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c5_infinite(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' softcap = INF must be finite and positive (routing_c5)}}
  %w, %i = moe.route %l <k = 2, scoring = sigmoid, softcap = 0x7FF0000000000000 : f64> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c5_logit_scale_negative(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' logit_scale = -1.000000e-01 must be finite and positive (routing_c5)}}
  %w, %i = moe.route %l <k = 2, scoring = sigmoid, logit_scale = -0.1> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c6_eps_without_normalize(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' norm_eps, norm_min and norm_p need normalize = true (routing_c6)}}
  %w, %i = moe.route %l <k = 2, scoring = sigmoid, norm_eps = 1.0e-06> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c6_p_normalize_false(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' norm_eps, norm_min and norm_p need normalize = true (routing_c6)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, normalize = false, norm_p = 2.0> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c6_eps_and_min(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' norm_eps (added to the denominator) and norm_min (a lower bound of it) exclude each other (routing_c6)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, normalize = true, norm_eps = 1.0e-06, norm_min = 1.0e-12> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c7_eps_negative(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' norm_eps = -1.000000e+00 must be finite and at least 0 (routing_c7)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, normalize = true, norm_eps = -1.0> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c7_min_zero(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' norm_min = 0.000000e+00 must be finite and positive (routing_c7)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, normalize = true, norm_min = 0.0> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c7_p_nan(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' norm_p = nan must be finite and positive (routing_c7)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, normalize = true, norm_p = 0x7FC00000 : f32> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c8_groups(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' order = topk_first selects by logit and takes no group limit (routing_c8)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, num_groups = 4, topk_groups = 2, order = topk_first> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c8_sqrt_softplus(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' order = topk_first scores the selected logits by softmax or sigmoid, not sqrt_softplus (routing_c8)}}
  %w, %i = moe.route %l <k = 2, scoring = sqrt_softplus, order = topk_first> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c9_no_groups(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' group_fill needs a group limit (num_groups > 0) (routing_c9)}}
  %w, %i = moe.route %l <k = 2, scoring = sigmoid, group_fill = 0.0> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c9_infinite(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' group_fill = -INF must be finite (routing_c9)}}
  %w, %i = moe.route %l <k = 2, scoring = sigmoid, num_groups = 4, topk_groups = 2, group_fill = 0xFFF0000000000000 : f64> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c10_jitter_without_sparsemixer(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' jitter is the threshold of scoring = sparsemixer (routing_c10)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, jitter = 0.01> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c10_missing_jitter(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' scoring = sparsemixer needs jitter (routing_c10)}}
  %w, %i = moe.route %l <k = 2, scoring = sparsemixer> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c10_negative_jitter(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' jitter = -5.000000e-01 must be finite and at least 0 (routing_c10)}}
  %w, %i = moe.route %l <k = 2, scoring = sparsemixer, jitter = -0.5> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c11_k(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' scoring = sparsemixer selects exactly 2 experts, got k = 3 (routing_c11)}}
  %w, %i = moe.route %l <k = 3, scoring = sparsemixer, jitter = 0.01> : tensor<?x8xf32> -> tensor<?x3xf32>, tensor<?x3xi32>
  return
}

// -----

func.func @routing_c11_normalize(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' scoring = sparsemixer excludes normalize = true: its two weights are softmaxes of masked logits (routing_c11)}}
  %w, %i = moe.route %l <k = 2, scoring = sparsemixer, normalize = true, jitter = 0.01> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c11_groups(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' scoring = sparsemixer excludes a group limit}}
  %w, %i = moe.route %l <k = 2, scoring = sparsemixer, num_groups = 2, topk_groups = 1, jitter = 0.01> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c11_topk_first(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' scoring = sparsemixer excludes order = topk_first: its two weights are softmaxes of masked logits (routing_c11)}}
  %w, %i = moe.route %l <k = 2, scoring = sparsemixer, order = topk_first, jitter = 0.01> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_c11_softcap(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' scoring = sparsemixer excludes softcap: its two weights are softmaxes of masked logits (routing_c11)}}
  %w, %i = moe.route %l <k = 2, scoring = sparsemixer, softcap = 30.0, jitter = 0.01> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

//===----------------------------------------------------------------------===//
// #moe.expert_choice
//===----------------------------------------------------------------------===//

// -----

func.func @expert_choice_c1(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{capacity = 0 must be at least 1 (expert_choice_c1)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.expert_choice<capacity = 0> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @expert_choice_c1_negative(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{capacity = -9223372036854775808 must be at least 1 (expert_choice_c1)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.expert_choice<capacity = -9223372036854775808> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

//===----------------------------------------------------------------------===//
// moe.layer
//===----------------------------------------------------------------------===//

// -----

func.func @layer_c1_rank(%x: tensor<2x?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<2x?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'x' must be [T, D] (rank 2), got [2, ?, 16] (layer_c1)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<2x?x16xf32> -> tensor<2x?x16xf32>
  return %y : tensor<2x?x16xf32>
}

// -----

func.func @layer_c1_result(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'moe.layer' op result type 'tensor<8x16xf32>' must equal the type of 'x' 'tensor<?x16xf32>' (layer_c1)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

func.func @layer_c1_result_element_type(%x: tensor<?x16xbf16>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op result type 'tensor<?x16xf32>' must equal the type of 'x' 'tensor<?x16xbf16>' (layer_c1)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xbf16> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c2_rank(%x: tensor<?x16xf32>, %wg: tensor<4x16x1xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'router' must be [E, D] (rank 2), got [4, 16, 1] (layer_c2)}}
  %y = moe.layer %x router(%wg : tensor<4x16x1xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c2_dynamic_experts(%x: tensor<?x16xf32>, %wg: tensor<?x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'router' must have a static number of experts E (dimension 0), got [?, 16] (layer_c2)}}
  %y = moe.layer %x router(%wg : tensor<?x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c2_hidden(%x: tensor<?x16xf32>, %wg: tensor<4x32xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'router' must be [E, D] = [4, 16], got [4, 32] (layer_c2)}}
  %y = moe.layer %x router(%wg : tensor<4x32xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// A size that the type of `x` leaves dynamic is fixed by the first operand
// that has it static; later operands must agree with that.
func.func @layer_c4_hidden_bound_by_router(%x: tensor<?x?xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x32xf32>, %w2: tensor<4x32x8xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'moe.layer' op 'w1' must be [E, F, D] = [4, 8, 16], got [4, 8, 32] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x32xf32>) w2(%w2 : tensor<4x32x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x?xf32> -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// -----

func.func @layer_c2_too_many_experts(%x: tensor<?x16xf32>, %wg: tensor<2147483648x16xf32>, %w1: tensor<2147483648x8x16xf32>, %w2: tensor<2147483648x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op the number of experts E = 2147483648 exceeds 2147483647: expert indices are i32 (layer_c2)}}
  %y = moe.layer %x router(%wg : tensor<2147483648x16xf32>) w1(%w1 : tensor<2147483648x8x16xf32>) w2(%w2 : tensor<2147483648x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c3_bias_expert_choice(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %b: tensor<4xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'bias' is only allowed with token-choice routing (layer_c3)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) bias(%b : tensor<4xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.expert_choice<capacity = 2> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c3_capacity_exceeds_tokens(%x: tensor<8x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'moe.layer' op expert-choice capacity = 9 exceeds the number of tokens T = 8 (layer_c3)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.expert_choice<capacity = 9> activation relu : tensor<8x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

func.func @layer_c3_expert_choice_rows(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op E·C = 4·536870912 exceeds 2147483647: row offsets are i32 (layer_c3)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.expert_choice<capacity = 536870912> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c3_token_choice_rows(%x: tensor<1073741824x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<1073741824x16xf32> {
  // expected-error @+1 {{'moe.layer' op T·k = 1073741824·2 exceeds 2147483647: row offsets are i32 (layer_c3)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 2, scoring = softmax> activation relu : tensor<1073741824x16xf32> -> tensor<1073741824x16xf32>
  return %y : tensor<1073741824x16xf32>
}

// -----

// The routing constraints of moe.route hold for moe.layer, with E the
// router's row count; their diagnostics carry the moe.route labels.
func.func @route_c2_layer(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op k = 5 exceeds the number of experts E = 4 (route_c2)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 5, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @route_c3_layer(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op num_groups = 3 does not divide the number of experts E = 4 (route_c3)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = sigmoid, num_groups = 3, topk_groups = 1> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @route_c6_layer(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %b: tensor<8xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'bias' must be [E] = [4], got [8] (route_c6)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) bias(%b : tensor<8xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_w1_rank(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'w1' must be [E, F, D] (rank 3), got [8, 16] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_w1_experts(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<5x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'w1' must be [E, F, D] = [4, 8, 16], got [5, 8, 16] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<5x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_w1_hidden(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x32xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'w1' must be [E, F, D] = [4, 8, 16], got [4, 8, 32] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x32xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_w3(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x4x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'w3' must be [E, F, D] = [4, 8, 16], got [4, 4, 16] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x4x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_w2_transposed(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x8x16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'w2' must be [E, D, F] = [4, 16, 8], got [4, 8, 16] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x8x16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_inner_bound_by_w3(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x?x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x4xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'w2' must be [E, D, F] = [4, 16, 8], got [4, 16, 4] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x?x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x4xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_missing_shared_w2(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op a shared expert needs both 'shared_w1' and 'shared_w2'; 'shared_w3', 'shared_gate' and the shared biases need them (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_gate_without_shared(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %g: tensor<1x16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op a shared expert needs both 'shared_w1' and 'shared_w2'; 'shared_w3', 'shared_gate' and the shared biases need them (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_gate(%g : tensor<1x16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_shared_w3_without_shared(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s3: tensor<8x16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op a shared expert needs both 'shared_w1' and 'shared_w2'; 'shared_w3', 'shared_gate' and the shared biases need them (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w3(%s3 : tensor<8x16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_shared_w1_hidden(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x32xf32>, %s2: tensor<16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'shared_w1' must be [S, D] = [8, 16], got [8, 32] (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x32xf32>) shared_w2(%s2 : tensor<16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_shared_w3(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s3: tensor<4x16xf32>, %s2: tensor<16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'shared_w3' must be [S, D] = [8, 16], got [4, 16] (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w3(%s3 : tensor<4x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_shared_w2(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s2: tensor<8x16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'shared_w2' must be [D, S] = [16, 8], got [8, 16] (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<8x16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_shared_gate(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s2: tensor<16x8xf32>, %g: tensor<2x16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'shared_gate' must be [1, D] = [1, 16], got [2, 16] (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) shared_gate(%g : tensor<2x16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_shared_inner_bound_by_w3(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<?x16xf32>, %s3: tensor<8x16xf32>, %s2: tensor<16x6xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'shared_w2' must be [D, S] = [16, 8], got [16, 6] (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<?x16xf32>) shared_w3(%s3 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x6xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c6_drop(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op expert-choice routing takes no drop policy, capacity or capacity_factor: its capacity is part of the routing (layer_c6)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.expert_choice<capacity = 2> activation relu drop position capacity 2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c6_capacity(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op expert-choice routing takes no drop policy, capacity or capacity_factor: its capacity is part of the routing (layer_c6)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.expert_choice<capacity = 2> activation relu capacity_factor 1.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// The capacity constraints of moe.dispatch hold for moe.layer; their
// diagnostics carry the moe.dispatch labels.
func.func @dispatch_c4_layer(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op capacity and capacity_factor need a drop policy (position or score); drop policy 'none' is dropless (dispatch_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu capacity_factor 1.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @dispatch_c5_layer(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op capacity = 0 must be at least 1 (dispatch_c5)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu drop score capacity 0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

//===----------------------------------------------------------------------===//
// moe.route
//===----------------------------------------------------------------------===//

// -----

func.func @route_c1_rank(%l: tensor<8xf32>) {
  // expected-error @+1 {{'moe.route' op 'logits' must be [T, E] (rank 2), got [8] (route_c1)}}
  %w, %i = moe.route %l <k = 1, scoring = softmax> : tensor<8xf32> -> tensor<?x1xf32>, tensor<?x1xi32>
  return
}

// -----

func.func @route_c1_dynamic_experts(%l: tensor<16x?xf32>) {
  // expected-error @+1 {{'moe.route' op 'logits' must have a static number of experts E (dimension 1), got [16, ?] (route_c1)}}
  %w, %i = moe.route %l <k = 1, scoring = softmax> : tensor<16x?xf32> -> tensor<16x1xf32>, tensor<16x1xi32>
  return
}

// -----

func.func @route_c1_too_many_experts(%l: tensor<?x2147483648xf32>) {
  // expected-error @+1 {{'moe.route' op the number of experts E = 2147483648 exceeds 2147483647: expert indices are i32 (route_c1)}}
  %w, %i = moe.route %l <k = 1, scoring = softmax> : tensor<?x2147483648xf32> -> tensor<?x1xf32>, tensor<?x1xi32>
  return
}

// -----

func.func @route_c2(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{'moe.route' op k = 9 exceeds the number of experts E = 8 (route_c2)}}
  %w, %i = moe.route %l <k = 9, scoring = softmax> : tensor<?x8xf32> -> tensor<?x9xf32>, tensor<?x9xi32>
  return
}

// -----

func.func @route_c3(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{'moe.route' op num_groups = 3 does not divide the number of experts E = 8 (route_c3)}}
  %w, %i = moe.route %l <k = 2, scoring = sigmoid, num_groups = 3, topk_groups = 2> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @route_c4(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{'moe.route' op k = 5 exceeds the 4 experts eligible in topk_groups = 2 groups of 2 (route_c4)}}
  %w, %i = moe.route %l <k = 5, scoring = sigmoid, num_groups = 4, topk_groups = 2> : tensor<?x8xf32> -> tensor<?x5xf32>, tensor<?x5xi32>
  return
}

// -----

func.func @route_c5(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{'moe.route' op group_score = top2sum needs at least 2 experts per group, got 1 (route_c5)}}
  %w, %i = moe.route %l <k = 2, scoring = sigmoid, num_groups = 8, topk_groups = 4> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @route_c5_explicit_top2sum(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{'moe.route' op group_score = top2sum needs at least 2 experts per group, got 1 (route_c5)}}
  %w, %i = moe.route %l <k = 2, scoring = sigmoid, num_groups = 8, topk_groups = 4, group_score = top2sum> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @route_c6_length(%l: tensor<?x8xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'moe.route' op 'bias' must be [E] = [8], got [4] (route_c6)}}
  %w, %i = moe.route %l bias(%b : tensor<4xf32>) <k = 2, scoring = sigmoid> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @route_c6_rank(%l: tensor<?x8xf32>, %b: tensor<1x8xf32>) {
  // expected-error @+1 {{'moe.route' op 'bias' must be [E] = [8], got [1, 8] (route_c6)}}
  %w, %i = moe.route %l bias(%b : tensor<1x8xf32>) <k = 2, scoring = sigmoid> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @route_c7_weights_k(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{'moe.route' op 'weights' must be [T, k] = [?, 2], got [?, 3] (route_c7)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax> : tensor<?x8xf32> -> tensor<?x3xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @route_c7_indices_tokens(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{'moe.route' op 'indices' must be [T, k] = [16, 2], got [8, 2] (route_c7)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax> : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<8x2xi32>
  return
}

// -----

func.func @route_c7_tokens_bound_by_weights(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{'moe.route' op 'indices' must be [T, k] = [16, 2], got [8, 2] (route_c7)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax> : tensor<?x8xf32> -> tensor<16x2xf32>, tensor<8x2xi32>
  return
}

// -----

func.func @route_c7_dynamic_k(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{'moe.route' op 'weights' must be [T, k] = [?, 2], got [?, ?] (route_c7)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax> : tensor<?x8xf32> -> tensor<?x?xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @route_c7_rank(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{'moe.route' op 'indices' must be [T, k] = [?, 2], got [?, 2, 1] (route_c7)}}
  %w, %i = moe.route %l <k = 2, scoring = softmax> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2x1xi32>
  return
}

// -----

func.func @route_c8(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{'moe.route' op weights_on_input is a parameter of moe.layer; moe.route computes the weights only (route_c8)}}
  %w, %i = moe.route %l <k = 2, scoring = sigmoid, order = topk_first, weights_on_input = true> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @route_c9(%l: tensor<?x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'moe.route' op scoring = sparsemixer selects by logit and takes no selection bias (route_c9)}}
  %w, %i = moe.route %l bias(%b : tensor<8xf32>) <k = 2, scoring = sparsemixer, jitter = 0.01> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

//===----------------------------------------------------------------------===//
// moe.route_expert_choice
//===----------------------------------------------------------------------===//

// -----

func.func @route_expert_choice_c1_rank(%l: tensor<16x8x1xf32>) {
  // expected-error @+1 {{'moe.route_expert_choice' op 'logits' must be [T, E] (rank 2), got [16, 8, 1] (route_expert_choice_c1)}}
  %ids, %w = moe.route_expert_choice %l capacity 4 : tensor<16x8x1xf32> -> tensor<8x4xi32>, tensor<8x4xf32>
  return
}

// -----

func.func @route_expert_choice_c1_dynamic_experts(%l: tensor<16x?xf32>) {
  // expected-error @+1 {{'moe.route_expert_choice' op 'logits' must have a static number of experts E (dimension 1), got [16, ?] (route_expert_choice_c1)}}
  %ids, %w = moe.route_expert_choice %l capacity 4 : tensor<16x?xf32> -> tensor<8x4xi32>, tensor<8x4xf32>
  return
}

// -----

func.func @route_expert_choice_c1_too_many_experts(%l: tensor<?x4294967296xf32>) {
  // expected-error @+1 {{'moe.route_expert_choice' op the number of experts E = 4294967296 exceeds 2147483647: expert indices are i32 (route_expert_choice_c1)}}
  %ids, %w = moe.route_expert_choice %l capacity 1 : tensor<?x4294967296xf32> -> tensor<4294967296x1xi32>, tensor<4294967296x1xf32>
  return
}

// -----

func.func @route_expert_choice_c2_zero(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{'moe.route_expert_choice' op capacity = 0 must be at least 1 (route_expert_choice_c2)}}
  %ids, %w = moe.route_expert_choice %l capacity 0 : tensor<?x8xf32> -> tensor<8x0xi32>, tensor<8x0xf32>
  return
}

// -----

func.func @route_expert_choice_c2_exceeds_tokens(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{'moe.route_expert_choice' op capacity = 17 exceeds the number of tokens T = 16 (route_expert_choice_c2)}}
  %ids, %w = moe.route_expert_choice %l capacity 17 : tensor<16x8xf32> -> tensor<8x17xi32>, tensor<8x17xf32>
  return
}

// -----

func.func @route_expert_choice_c3_token_ids(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{'moe.route_expert_choice' op 'token_ids' must be [E, C] = [8, 4], got [8, 3] (route_expert_choice_c3)}}
  %ids, %w = moe.route_expert_choice %l capacity 4 : tensor<16x8xf32> -> tensor<8x3xi32>, tensor<8x4xf32>
  return
}

// -----

func.func @route_expert_choice_c3_weights(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{'moe.route_expert_choice' op 'weights' must be [E, C] = [8, 4], got [4, 4] (route_expert_choice_c3)}}
  %ids, %w = moe.route_expert_choice %l capacity 4 : tensor<16x8xf32> -> tensor<8x4xi32>, tensor<4x4xf32>
  return
}

// -----

func.func @route_expert_choice_c3_dynamic(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{'moe.route_expert_choice' op 'token_ids' must be [E, C] = [8, 4], got [?, 4] (route_expert_choice_c3)}}
  %ids, %w = moe.route_expert_choice %l capacity 4 : tensor<16x8xf32> -> tensor<?x4xi32>, tensor<8x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// moe.dispatch
//===----------------------------------------------------------------------===//

// -----

func.func @dispatch_c1(%x: tensor<64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'x' must be [T, D] (rank 2), got [64] (dispatch_c1)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c2_rank(%x: tensor<?x64xf32>, %i: tensor<?xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'indices' must be [T, k] (rank 2), got [?] (dispatch_c2)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xf32>, tensor<?xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c2_dynamic_k(%x: tensor<?x64xf32>, %i: tensor<?x?xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'indices' must have a static k (dimension 1), got [?, ?] (dispatch_c2)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xf32>, tensor<?x?xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c2_tokens(%x: tensor<16x64xf32>, %i: tensor<8x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'indices' must be [T, k] = [16, 2], got [8, 2] (dispatch_c2)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<16x64xf32>, tensor<8x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c2_weights(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x1xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'weights' must be [T, k] = [?, 2], got [?, 1] (dispatch_c2)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x1xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c2_tokens_bound_by_indices(%x: tensor<?x64xf32>, %i: tensor<16x2xi32>, %w: tensor<8x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'weights' must be [T, k] = [16, 2], got [8, 2] (dispatch_c2)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xf32>, tensor<16x2xi32>, tensor<8x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c3(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op experts = 0 must be at least 1 (dispatch_c3)}}
  %r:4 = moe.dispatch %x, %i, %w experts 0 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<1xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c3_too_many_experts(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op the number of experts E = 9223372036854775807 exceeds 2147483647: expert indices are i32 (dispatch_c3)}}
  %r:4 = moe.dispatch %x, %i, %w experts 9223372036854775807 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<?xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c4_dropless_capacity(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op capacity and capacity_factor need a drop policy (position or score); drop policy 'none' is dropless (dispatch_c4)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 capacity 4 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c4_neither(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op drop policy 'position' needs exactly one of capacity and capacity_factor (dispatch_c4)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 drop position : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c4_both(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op drop policy 'score' needs exactly one of capacity and capacity_factor (dispatch_c4)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 drop score capacity_factor 1.0 capacity 4 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c5_capacity(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op capacity = -1 must be at least 1 (dispatch_c5)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 drop position capacity -1 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c5_factor_zero(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op capacity_factor = 0.000000e+00 must be finite and positive (dispatch_c5)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 drop position capacity_factor 0.0 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c5_factor_infinite(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op capacity_factor = INF must be finite and positive (dispatch_c5)}}
  %r:4 = "moe.dispatch"(%x, %i, %w) <{num_experts = 8 : i64, drop_policy = #moe<drop_policy score>, capacity_factor = 0x7FF0000000000000 : f64}> : (tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32>) -> (tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>)
  return
}

// -----

func.func @dispatch_c6_rows(%x: tensor<16x64xf32>, %i: tensor<16x2xi32>, %w: tensor<16x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'rows' must be [T*k, D] = [32, 64], got [16, 64] (dispatch_c6)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32> -> tensor<16x64xf32>, tensor<9xi32>, tensor<32xi32>, tensor<32xf32>
  return
}

// -----

func.func @dispatch_c6_rows_hidden(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'rows' must be [T*k, D] = [?, 64], got [?, 32] (dispatch_c6)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x32xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c6_row_tokens(%x: tensor<16x64xf32>, %i: tensor<16x2xi32>, %w: tensor<16x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'row_tokens' must be [T*k] = [32], got [16] (dispatch_c6)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32> -> tensor<32x64xf32>, tensor<9xi32>, tensor<16xi32>, tensor<32xf32>
  return
}

// -----

func.func @dispatch_c6_row_weights(%x: tensor<16x64xf32>, %i: tensor<16x2xi32>, %w: tensor<16x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'row_weights' must be [T*k] = [32], got [32, 1] (dispatch_c6)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32> -> tensor<32x64xf32>, tensor<9xi32>, tensor<32xi32>, tensor<32x1xf32>
  return
}

// -----

func.func @dispatch_c6_rows_bound_by_indices(%x: tensor<?x64xf32>, %i: tensor<16x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'rows' must be [T*k, D] = [32, 64], got [16, 64] (dispatch_c6)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xf32>, tensor<16x2xi32>, tensor<?x2xf32> -> tensor<16x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c6_row_weights_bound_by_row_tokens(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'row_weights' must be [T*k] = [32], got [16] (dispatch_c6)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<32xi32>, tensor<16xf32>
  return
}

// -----

func.func @dispatch_c6_element_type(%x: tensor<?x64xbf16>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'rows' element type 'f32' must equal that of 'x' 'bf16' (dispatch_c6)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xbf16>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c6_row_count(%x: tensor<1073741824x64xf32>, %i: tensor<1073741824x2xi32>, %w: tensor<1073741824x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op T·k = 1073741824·2 exceeds 2147483647: row offsets are i32 (dispatch_c6)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<1073741824x64xf32>, tensor<1073741824x2xi32>, tensor<1073741824x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c6_row_count_tokens_from_indices(%x: tensor<?x64xf32>, %i: tensor<1073741824x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op T·k = 1073741824·2 exceeds 2147483647: row offsets are i32 (dispatch_c6)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xf32>, tensor<1073741824x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c6_row_count_overflow(%x: tensor<4611686018427387904x64xf32>, %i: tensor<4611686018427387904x4xi32>, %w: tensor<4611686018427387904x4xf32>) {
  // expected-error @+1 {{'moe.dispatch' op T·k = 4611686018427387904·4 exceeds 2147483647: row offsets are i32 (dispatch_c6)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<4611686018427387904x64xf32>, tensor<4611686018427387904x4xi32>, tensor<4611686018427387904x4xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c7(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'offsets' must be [E+1] = [9], got [8] (dispatch_c7)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<8xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c7_dynamic(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'offsets' must be [E+1] = [9], got [?] (dispatch_c7)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<?xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c6_padded_rows(%x: tensor<16x64xf32>, %i: tensor<16x2xi32>, %w: tensor<16x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'rows' must be [E*C, D] = [40, 64], got [32, 64] (dispatch_c6)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 drop position capacity 5 layout padded : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32> -> tensor<32x64xf32>, tensor<9xi32>, tensor<40xi32>, tensor<40xf32>
  return
}

// -----

// Padded rows are static even when T is dynamic: N = E·C is exact.
func.func @dispatch_c6_padded_dynamic_rows(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'row_tokens' must be [E*C] = [40], got [?] (dispatch_c6)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 drop position capacity 5 layout padded : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<40x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<40xf32>
  return
}

// -----

func.func @dispatch_c6_blocked_rows(%x: tensor<16x64xf32>, %i: tensor<16x2xi32>, %w: tensor<16x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'row_weights' must be [T*k+E*(block-1)] = [56], got [32] (dispatch_c6)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 layout blocked block 4 : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32> -> tensor<56x64xf32>, tensor<9xi32>, tensor<56xi32>, tensor<32xf32>
  return
}

// -----

func.func @dispatch_c8_dropless(%x: tensor<16x64xf32>, %i: tensor<16x2xi32>, %w: tensor<16x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op layout padded needs a capacity: drop policy 'none' is dropless (dispatch_c8)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 layout padded : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32> -> tensor<32x64xf32>, tensor<9xi32>, tensor<32xi32>, tensor<32xf32>
  return
}

// -----

func.func @dispatch_c8_dynamic_capacity(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op layout padded needs a static capacity: 'capacity', or 'capacity_factor' with a static number of tokens T, got T = ? (dispatch_c8)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 drop score capacity_factor 1.25 layout padded : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<40x64xf32>, tensor<9xi32>, tensor<40xi32>, tensor<40xf32>
  return
}

// -----

func.func @dispatch_c8_row_count(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op E*C = 8*1073741824 exceeds 2147483647: row offsets are i32 (dispatch_c8)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 drop position capacity 1073741824 layout padded : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c9_missing_block(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'block' is required by layout blocked and allowed only with it, got layout blocked without 'block' (dispatch_c9)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 layout blocked : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c9_block_without_layout(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op 'block' is required by layout blocked and allowed only with it, got layout ragged with 'block' (dispatch_c9)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 block 16 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c9_zero(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op block = 0 must be at least 1 (dispatch_c9)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 layout blocked block 0 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_c9_row_count(%x: tensor<1024x64xf32>, %i: tensor<1024x2xi32>, %w: tensor<1024x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op T*k + E*(block-1) = 2048 + 8*(268435456-1) exceeds 2147483647: row offsets are i32 (dispatch_c9)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 layout blocked block 268435456 : tensor<1024x64xf32>, tensor<1024x2xi32>, tensor<1024x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

// The padding bound alone must fit when T is dynamic.
func.func @dispatch_c9_row_count_dynamic(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op T*k + E*(block-1) = ? + 8*(9223372036854775807-1) exceeds 2147483647: row offsets are i32 (dispatch_c9)}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 layout blocked block 9223372036854775807 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

//===----------------------------------------------------------------------===//
// moe.grouped_matmul
//===----------------------------------------------------------------------===//

// -----

func.func @grouped_matmul_c1_lhs_rank(%a: tensor<64xf32>, %b: tensor<8x128x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul' op 'lhs' must be [N, K] (rank 2), got [64] (grouped_matmul_c1)}}
  %h = moe.grouped_matmul %a, %b offsets(%o : tensor<9xi32>) : tensor<64xf32>, tensor<8x128x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_c1_rhs_rank(%a: tensor<?x64xf32>, %b: tensor<128x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul' op 'rhs' must be [E, M, K] (rank 3), got [128, 64] (grouped_matmul_c1)}}
  %h = moe.grouped_matmul %a, %b offsets(%o : tensor<9xi32>) : tensor<?x64xf32>, tensor<128x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_c1_dynamic_groups(%a: tensor<?x64xf32>, %b: tensor<?x128x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul' op 'rhs' must have a static number of groups E (dimension 0), got [?, 128, 64] (grouped_matmul_c1)}}
  %h = moe.grouped_matmul %a, %b offsets(%o : tensor<9xi32>) : tensor<?x64xf32>, tensor<?x128x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_c1_contraction(%a: tensor<?x64xf32>, %b: tensor<8x128x32xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul' op 'rhs' must be [E, M, K] = [8, 128, 64], got [8, 128, 32] (grouped_matmul_c1)}}
  %h = moe.grouped_matmul %a, %b offsets(%o : tensor<9xi32>) : tensor<?x64xf32>, tensor<8x128x32xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_c1_too_many_groups(%a: tensor<?x64xf32>, %b: tensor<9223372036854775807x128x64xf32>, %o: tensor<?xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul' op the number of groups E = 9223372036854775807 exceeds 2147483647: offsets are i32 (grouped_matmul_c1)}}
  %h = moe.grouped_matmul %a, %b offsets(%o : tensor<?xi32>) : tensor<?x64xf32>, tensor<9223372036854775807x128x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_c2(%a: tensor<?x64xf32>, %b: tensor<8x128x64xf32>, %o: tensor<8xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul' op 'offsets' must be [E+1] = [9], got [8] (grouped_matmul_c2)}}
  %h = moe.grouped_matmul %a, %b offsets(%o : tensor<8xi32>) : tensor<?x64xf32>, tensor<8x128x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_c3_columns(%a: tensor<?x64xf32>, %b: tensor<8x128x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul' op 'result' must be [N, M] = [?, 128], got [?, 64] (grouped_matmul_c3)}}
  %h = moe.grouped_matmul %a, %b offsets(%o : tensor<9xi32>) : tensor<?x64xf32>, tensor<8x128x64xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @grouped_matmul_c3_rows(%a: tensor<32x64xf32>, %b: tensor<8x128x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul' op 'result' must be [N, M] = [32, 128], got [16, 128] (grouped_matmul_c3)}}
  %h = moe.grouped_matmul %a, %b offsets(%o : tensor<9xi32>) : tensor<32x64xf32>, tensor<8x128x64xf32> -> tensor<16x128xf32>
  return
}

//===----------------------------------------------------------------------===//
// moe.experts
//===----------------------------------------------------------------------===//

// -----

func.func @experts_c1(%r: tensor<2x?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'rows' must be [N, D] (rank 2), got [2, ?, 16] (experts_c1)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation relu : tensor<2x?x16xf32> -> tensor<2x?x16xf32>
  return
}

// -----

func.func @experts_c2_w1_rank(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'w1' must be [E, F, D] (rank 3), got [8, 16] (experts_c2)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c2_dynamic_experts(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<?x8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'w1' must have a static number of experts E (dimension 0), got [?, 8, 16] (experts_c2)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<?x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c2_w1_hidden(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x32xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'w1' must be [E, F, D] = [4, 8, 16], got [4, 8, 32] (experts_c2)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x32xf32>) w2(%w2 : tensor<4x16x8xf32>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c2_w3(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x8xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'w3' must be [E, F, D] = [4, 8, 16], got [4, 8, 8] (experts_c2)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x8xf32>) w2(%w2 : tensor<4x16x8xf32>) activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c2_w2(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<2x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'w2' must be [E, D, F] = [4, 16, 8], got [2, 16, 8] (experts_c2)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<2x16x8xf32>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c2_hidden_bound_by_w1(%r: tensor<?x?xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x32x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'w2' must be [E, D, F] = [4, 16, 8], got [4, 32, 8] (experts_c2)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x32x8xf32>) activation relu : tensor<?x?xf32> -> tensor<?x?xf32>
  return
}

// -----

func.func @experts_c2_inner_bound_by_w3(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x?x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x4xf32>) {
  // expected-error @+1 {{'moe.experts' op 'w2' must be [E, D, F] = [4, 16, 8], got [4, 16, 4] (experts_c2)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x?x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x4xf32>) activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c2_too_many_experts(%r: tensor<?x16xf32>, %o: tensor<?xi32>, %w1: tensor<3000000000x8x16xf32>, %w2: tensor<3000000000x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op the number of experts E = 3000000000 exceeds 2147483647: expert indices are i32 (experts_c2)}}
  %y = moe.experts %r offsets(%o : tensor<?xi32>) w1(%w1 : tensor<3000000000x8x16xf32>) w2(%w2 : tensor<3000000000x16x8xf32>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c3(%r: tensor<?x16xf32>, %o: tensor<4xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'offsets' must be [E+1] = [5], got [4] (experts_c3)}}
  %y = moe.experts %r offsets(%o : tensor<4xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c4_shape(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op result type 'tensor<32x16xf32>' must equal the type of 'rows' 'tensor<?x16xf32>' (experts_c4)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation relu : tensor<?x16xf32> -> tensor<32x16xf32>
  return
}

// -----

func.func @experts_c4_element_type(%r: tensor<?x16xbf16>, %o: tensor<5xi32>, %w1: tensor<4x8x16xbf16>, %w2: tensor<4x16x8xbf16>) {
  // expected-error @+1 {{'moe.experts' op result type 'tensor<?x16xf32>' must equal the type of 'rows' 'tensor<?x16xbf16>' (experts_c4)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xbf16>) w2(%w2 : tensor<4x16x8xbf16>) activation relu : tensor<?x16xbf16> -> tensor<?x16xf32>
  return
}

//===----------------------------------------------------------------------===//
// moe.combine
//===----------------------------------------------------------------------===//

// -----

func.func @combine_c1(%y: tensor<32xf32>, %t: tensor<32xi32>, %w: tensor<32xf32>, %acc: tensor<16x64xf32>) {
  // expected-error @+1 {{'moe.combine' op 'rows' must be [N, D] (rank 2), got [32] (combine_c1)}}
  %out = moe.combine %y tokens(%t : tensor<32xi32>) weights(%w : tensor<32xf32>) into %acc : tensor<32xf32> -> tensor<16x64xf32>
  return
}

// -----

func.func @combine_c2_tokens(%y: tensor<32x64xf32>, %t: tensor<16xi32>, %w: tensor<32xf32>, %acc: tensor<16x64xf32>) {
  // expected-error @+1 {{'moe.combine' op 'row_tokens' must be [N] = [32], got [16] (combine_c2)}}
  %out = moe.combine %y tokens(%t : tensor<16xi32>) weights(%w : tensor<32xf32>) into %acc : tensor<32x64xf32> -> tensor<16x64xf32>
  return
}

// -----

func.func @combine_c2_weights(%y: tensor<32x64xf32>, %t: tensor<?xi32>, %w: tensor<32x1xf32>, %acc: tensor<16x64xf32>) {
  // expected-error @+1 {{'moe.combine' op 'row_weights' must be [N] = [32], got [32, 1] (combine_c2)}}
  %out = moe.combine %y tokens(%t : tensor<?xi32>) weights(%w : tensor<32x1xf32>) into %acc : tensor<32x64xf32> -> tensor<16x64xf32>
  return
}

// -----

func.func @combine_c2_rows_bound_by_tokens(%y: tensor<?x64xf32>, %t: tensor<32xi32>, %w: tensor<16xf32>, %acc: tensor<16x64xf32>) {
  // expected-error @+1 {{'moe.combine' op 'row_weights' must be [N] = [32], got [16] (combine_c2)}}
  %out = moe.combine %y tokens(%t : tensor<32xi32>) weights(%w : tensor<16xf32>) into %acc : tensor<?x64xf32> -> tensor<16x64xf32>
  return
}

// -----

func.func @combine_c3_rank(%y: tensor<32x64xf32>, %t: tensor<32xi32>, %w: tensor<32xf32>, %acc: tensor<64xf32>) {
  // expected-error @+1 {{'moe.combine' op 'acc' must be [T, D] (rank 2), got [64] (combine_c3)}}
  %out = moe.combine %y tokens(%t : tensor<32xi32>) weights(%w : tensor<32xf32>) into %acc : tensor<32x64xf32> -> tensor<64xf32>
  return
}

// -----

func.func @combine_c3_hidden(%y: tensor<32x64xf32>, %t: tensor<32xi32>, %w: tensor<32xf32>, %acc: tensor<16x32xf32>) {
  // expected-error @+1 {{'moe.combine' op 'acc' must be [T, D] = [16, 64], got [16, 32] (combine_c3)}}
  %out = moe.combine %y tokens(%t : tensor<32xi32>) weights(%w : tensor<32xf32>) into %acc : tensor<32x64xf32> -> tensor<16x32xf32>
  return
}

// -----

// The custom form names one type for acc and result; the generic form can
// name two.
func.func @combine_c4(%y: tensor<32x64xf32>, %t: tensor<32xi32>, %w: tensor<32xf32>, %acc: tensor<16x64xf32>) {
  // expected-error @+1 {{'moe.combine' op failed to verify that all of {acc, result} have same type}}
  %out = "moe.combine"(%y, %t, %w, %acc) : (tensor<32x64xf32>, tensor<32xi32>, tensor<32xf32>, tensor<16x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @combine_c4_element_type(%y: tensor<32x64xf32>, %t: tensor<32xi32>, %w: tensor<32xf32>, %acc: tensor<16x64xf32>) {
  // expected-error @+1 {{'moe.combine' op failed to verify that all of {acc, result} have same type}}
  %out = "moe.combine"(%y, %t, %w, %acc) : (tensor<32x64xf32>, tensor<32xi32>, tensor<32xf32>, tensor<16x64xf32>) -> tensor<16x64xbf16>
  return
}

//===----------------------------------------------------------------------===//
// moe.all_to_all
//===----------------------------------------------------------------------===//

// -----

func.func @all_to_all_c1(%r: tensor<?x64xf32>, %s: tensor<0xi32>) {
  // expected-error @+1 {{'moe.all_to_all' op ranks = 0 must be at least 1 (all_to_all_c1)}}
  %recv, %counts = moe.all_to_all %r, %s ranks 0 : tensor<?x64xf32>, tensor<0xi32> -> tensor<?x64xf32>, tensor<0xi32>
  return
}

// -----

func.func @all_to_all_c2_rows_rank(%r: tensor<64xf32>, %s: tensor<4xi32>) {
  // expected-error @+1 {{'moe.all_to_all' op 'rows' must be [N, D] (rank 2), got [64] (all_to_all_c2)}}
  %recv, %counts = moe.all_to_all %r, %s ranks 4 : tensor<64xf32>, tensor<4xi32> -> tensor<?x64xf32>, tensor<4xi32>
  return
}

// -----

func.func @all_to_all_c2_send_counts(%r: tensor<?x64xf32>, %s: tensor<3xi32>) {
  // expected-error @+1 {{'moe.all_to_all' op 'send_counts' must be [R] = [4], got [3] (all_to_all_c2)}}
  %recv, %counts = moe.all_to_all %r, %s ranks 4 : tensor<?x64xf32>, tensor<3xi32> -> tensor<?x64xf32>, tensor<4xi32>
  return
}

// -----

func.func @all_to_all_c2_recv_counts(%r: tensor<?x64xf32>, %s: tensor<4xi32>) {
  // expected-error @+1 {{'moe.all_to_all' op 'recv_counts' must be [R] = [4], got [?] (all_to_all_c2)}}
  %recv, %counts = moe.all_to_all %r, %s ranks 4 : tensor<?x64xf32>, tensor<4xi32> -> tensor<?x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @all_to_all_c3_rank(%r: tensor<?x64xf32>, %s: tensor<4xi32>) {
  // expected-error @+1 {{'moe.all_to_all' op 'result' must be [M, D] (rank 2), got [?, 64, 1] (all_to_all_c3)}}
  %recv, %counts = moe.all_to_all %r, %s ranks 4 : tensor<?x64xf32>, tensor<4xi32> -> tensor<?x64x1xf32>, tensor<4xi32>
  return
}

// -----

func.func @all_to_all_c3_hidden(%r: tensor<?x64xf32>, %s: tensor<4xi32>) {
  // expected-error @+1 {{'moe.all_to_all' op 'result' must be [M, D] = [?, 64], got [?, 32] (all_to_all_c3)}}
  %recv, %counts = moe.all_to_all %r, %s ranks 4 : tensor<?x64xf32>, tensor<4xi32> -> tensor<?x32xf32>, tensor<4xi32>
  return
}

// -----

func.func @all_to_all_c3_element_type(%r: tensor<?x64xf32>, %s: tensor<4xi32>) {
  // expected-error @+1 {{'moe.all_to_all' op 'result' element type 'bf16' must equal that of 'rows' 'f32' (all_to_all_c3)}}
  %recv, %counts = moe.all_to_all %r, %s ranks 4 : tensor<?x64xf32>, tensor<4xi32> -> tensor<?x64xbf16>, tensor<4xi32>
  return
}

// -----

func.func @layer_c7_b3_without_w3(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %b3: tensor<4x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'b3' is the bias of the up projection 'w3': it needs 'w3' (layer_c7)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b3(%b3 : tensor<4x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c7_router_bias(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %rb: tensor<5xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'router_bias' must be [E] = [4], got [5] (layer_c7)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) router_bias(%rb : tensor<5xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c7_b1(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %b1: tensor<4x16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'b1' must be [E, F] = [4, 8], got [4, 16] (layer_c7)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b1(%b1 : tensor<4x16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c7_b3(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %b3: tensor<4x8x1xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'b3' must be [E, F] = [4, 8], got [4, 8, 1] (layer_c7)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b3(%b3 : tensor<4x8x1xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c7_b2(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %b2: tensor<4x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'b2' must be [E, D] = [4, 16], got [4, 8] (layer_c7)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b2(%b2 : tensor<4x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c7_output_bias(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %ob: tensor<8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'output_bias' must be [D] = [16], got [8] (layer_c7)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) output_bias(%ob : tensor<8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_latent_in_alone(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %li: tensor<6x16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op a latent space needs both 'latent_in' and 'latent_out'; their biases need them (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) latent_in(%li : tensor<6x16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_latent_in_rank(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %li: tensor<6xf32>, %lo: tensor<16x6xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'latent_in' must be [L, D] (rank 2), got [6] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) latent_in(%li : tensor<6xf32>) latent_out(%lo : tensor<16x6xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_latent_in_hidden(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x6xf32>, %w2: tensor<4x6x8xf32>, %li: tensor<6x8xf32>, %lo: tensor<16x6xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'latent_in' must be [L, D] = [6, 16], got [6, 8] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x6xf32>) w2(%w2 : tensor<4x6x8xf32>) latent_in(%li : tensor<6x8xf32>) latent_out(%lo : tensor<16x6xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_latent_out(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x6xf32>, %w2: tensor<4x6x8xf32>, %li: tensor<6x16xf32>, %lo: tensor<16x4xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'latent_out' must be [D, L] = [16, 6], got [16, 4] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x6xf32>) w2(%w2 : tensor<4x6x8xf32>) latent_in(%li : tensor<6x16xf32>) latent_out(%lo : tensor<16x4xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_latent_w1(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %li: tensor<6x16xf32>, %lo: tensor<16x6xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'w1' must be [E, F, L] = [4, 8, 6], got [4, 8, 16] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) latent_in(%li : tensor<6x16xf32>) latent_out(%lo : tensor<16x6xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_latent_w2(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x6xf32>, %w2: tensor<4x16x8xf32>, %li: tensor<6x16xf32>, %lo: tensor<16x6xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'w2' must be [E, L, F] = [4, 6, 8], got [4, 16, 8] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x6xf32>) w2(%w2 : tensor<4x16x8xf32>) latent_in(%li : tensor<6x16xf32>) latent_out(%lo : tensor<16x6xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_shared_bias_alone(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %sb1: tensor<8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op a shared expert needs both 'shared_w1' and 'shared_w2'; 'shared_w3', 'shared_gate' and the shared biases need them (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_b1(%sb1 : tensor<8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_shared_b3_ungated(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s2: tensor<16x8xf32>, %sb3: tensor<8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'shared_b3' is the bias of the shared up projection 'shared_w3': it needs 'shared_w3' (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) shared_b3(%sb3 : tensor<8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_shared_b1(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s2: tensor<16x8xf32>, %sb1: tensor<16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'shared_b1' must be [S] = [8], got [16] (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) shared_b1(%sb1 : tensor<16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_shared_b2(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s2: tensor<16x8xf32>, %sb2: tensor<8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'shared_b2' must be [D] = [16], got [8] (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) shared_b2(%sb2 : tensor<8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c7_b2_latent(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x6xf32>, %w2: tensor<4x6x8xf32>, %li: tensor<6x16xf32>, %lo: tensor<16x6xf32>, %b2: tensor<4x16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'b2' must be [E, L] = [4, 6], got [4, 16] (layer_c7)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x6xf32>) w2(%w2 : tensor<4x6x8xf32>) b2(%b2 : tensor<4x16xf32>) latent_in(%li : tensor<6x16xf32>) latent_out(%lo : tensor<16x6xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c7_output_scale(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'output_scale' = 0.000000e+00 must be finite and positive (layer_c7)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu output_scale 0.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_swiglu_oai_ungated(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op activation swiglu_oai is a gated (GLU) activation: it needs 'w3' (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation swiglu_oai : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_swiglu_oai_ungated_shared(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s2: tensor<16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op activation swiglu_oai is a gated (GLU) activation: the shared expert needs 'shared_w3' (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation swiglu_oai : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_alpha_without_swiglu_oai(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'alpha' is a parameter of activation swiglu_oai, not of silu (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu alpha 1.5 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_limit_ungated(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'limit' clamps the gate and up projections of gated experts: it needs 'w3' (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu2 limit 7.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_limit_zero(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'limit' = 0.000000e+00 must be finite and positive (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu limit 0.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_alpha_negative(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'alpha' = -1.702000e+00 must be finite and positive (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation swiglu_oai alpha -1.702 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_limit_after_act_alone(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'limit_after_act' needs a 'limit' (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu limit_after_act : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_limit_after_act_swiglu_oai(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'limit_after_act' does not apply to activation swiglu_oai, which clamps the gate before it (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation swiglu_oai limit 7.0 limit_after_act : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_shared_limit_ungated(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s2: tensor<16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'shared_limit' clamps the gate and up projections of a gated shared expert: it needs 'shared_w3' (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu shared_limit 5.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_shared_limit_infinite(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s3: tensor<8x16xf32>, %s2: tensor<16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'shared_limit' = INF must be finite and positive (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w3(%s3 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu shared_limit 0x7FF0000000000000 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c9_negative(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op identity_experts = -1 must be at least 0 (layer_c9)}}
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu identity_experts -1 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c9_expert_choice(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op identity_experts need token-choice routing (layer_c9)}}
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.expert_choice<capacity = 1> activation relu identity_experts 2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c9_no_routed_expert(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op identity_experts = 4 leaves no routed expert among the router's 4 rows (layer_c9)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu identity_experts 4 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_identity_experts(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'w1' must be [E, F, D] = [5, 8, 16], got [4, 8, 16] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu identity_experts 1 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_dynamic_experts(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<?x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'w1' must be [E, F, D] = [4, 8, 16], got [?, 8, 16] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<?x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu identity_experts 2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c7_router_bias_identity(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %rb: tensor<4xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'router_bias' must be [E + identity_experts] = [6], got [4] (layer_c7)}}
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) router_bias(%rb : tensor<4xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu identity_experts 2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @experts_c5_b3_without_w3(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %b3: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'b3' is the bias of the up projection 'w3': it needs 'w3' (experts_c5)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b3(%b3 : tensor<4x8xf32>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c5_b1(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %b1: tensor<3x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'b1' must be [E, F] = [4, 8], got [3, 8] (experts_c5)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b1(%b1 : tensor<3x8xf32>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c5_b2(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %b2: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'b2' must be [E, D] = [4, 16], got [4, 8] (experts_c5)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b2(%b2 : tensor<4x8xf32>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c6_swiglu_oai_ungated(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op activation swiglu_oai is a gated (GLU) activation: it needs 'w3' (experts_c6)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation swiglu_oai : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c6_alpha_without_swiglu_oai(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'alpha' is a parameter of activation swiglu_oai, not of gelu_tanh (experts_c6)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation gelu_tanh alpha 1.702 : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c6_limit_ungated(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'limit' clamps the gate and up projections of gated experts: it needs 'w3' (experts_c6)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation silu limit 7.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c6_limit_negative(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'limit' = -7.000000e+00 must be finite and positive (experts_c6)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation swiglu_oai limit -7.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c6_limit_after_act_alone(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'limit_after_act' needs a 'limit' (experts_c6)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation silu limit_after_act : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @layer_c10_expert_scale_expert_choice(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s: tensor<4xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'expert_scale' scales the weights of a token-choice routing: it needs #moe.routing (layer_c10)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) expert_scale(%s : tensor<4xf32>) routing #moe.expert_choice<capacity = 2> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c10_expert_scale_bf16(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s: tensor<4xbf16>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'expert_scale' must have element type f32 like the routing weights, got 'bf16' (layer_c10)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) expert_scale(%s : tensor<4xbf16>) routing #moe.routing<k = 1, scoring = softmax> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c10_expert_scale_shape(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s: tensor<3xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'expert_scale' must have the static shape [1] or [E] = [4], got 'tensor<3xf32>' (layer_c10)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) expert_scale(%s : tensor<3xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c10_expert_scale_rank(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s: tensor<1x4xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'expert_scale' must have the static shape [1] or [E] = [4], got 'tensor<1x4xf32>' (layer_c10)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) expert_scale(%s : tensor<1x4xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c10_expert_scale_dynamic(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s: tensor<?xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'expert_scale' must have the static shape [1] or [E] = [4], got 'tensor<?xf32>' (layer_c10)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) expert_scale(%s : tensor<?xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c11_pre_norm_shape(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %n: tensor<8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'pre_norm' must be [D] = [16], got [8] (layer_c11)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) pre_norm(%n : tensor<8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu rms_norm_eps 1.0e-06 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c11_expert_norm_shape(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %n: tensor<16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'expert_norm' must be [E, D] = [4, 16], got [16] (layer_c11)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) expert_norm(%n : tensor<16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu rms_norm_eps 1.0e-06 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c11_shared_norm_without_shared(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %n: tensor<16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'shared_norm' normalizes the shared expert's output: it needs a shared expert (layer_c11)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_norm(%n : tensor<16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu rms_norm_eps 1.0e-06 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c11_eps_missing(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %n: tensor<16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'rms_norm_eps' is the epsilon of the RMSNorms pre_norm, router_norm, post_norm, expert_norm and shared_norm: it is required with them and only with them (layer_c11)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) post_norm(%n : tensor<16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c11_eps_without_norm(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'rms_norm_eps' is the epsilon of the RMSNorms pre_norm, router_norm, post_norm, expert_norm and shared_norm: it is required with them and only with them (layer_c11)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu rms_norm_eps 1.0e-06 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c11_eps_negative(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %n: tensor<16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'rms_norm_eps' = -1.000000e-06 must be finite and at least 0 (layer_c11)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) router_norm(%n : tensor<16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation silu rms_norm_eps -1.0e-06 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @experts_c7_out_norm_shape(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %n: tensor<4x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'out_norm' must be [E, D] = [4, 16], got [4, 8] (experts_c7)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) out_norm(%n : tensor<4x8xf32>) activation relu rms_norm_eps 1.0e-06 : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c7_eps_missing(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %n: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.experts' op 'rms_norm_eps' is the epsilon of the RMSNorms out_norm: it is required with them and only with them (experts_c7)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) out_norm(%n : tensor<4x16xf32>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c7_eps_infinite(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %n: tensor<4x16xf32>) {
  // expected-error @+1 {{'moe.experts' op 'rms_norm_eps' = INF must be finite and at least 0 (experts_c7)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) out_norm(%n : tensor<4x16xf32>) activation relu rms_norm_eps 0x7FF0000000000000 : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @rms_norm_c1_rank(%x: tensor<16xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op 'x' must be [T, D] (rank 2), got [16] (rms_norm_c1)}}
  %y = moe.rms_norm %x weight(%w : tensor<16xf32>) eps 1.0e-06 : tensor<16xf32> -> tensor<16xf32>
  return
}

// -----

func.func @rms_norm_c1_result(%x: tensor<?x16xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op result type 'tensor<?x16xbf16>' must equal the type of 'x' 'tensor<?x16xf32>' (rms_norm_c1)}}
  %y = moe.rms_norm %x weight(%w : tensor<16xf32>) eps 1.0e-06 : tensor<?x16xf32> -> tensor<?x16xbf16>
  return
}

// -----

func.func @rms_norm_c2_weight(%x: tensor<?x16xf32>, %w: tensor<15xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op 'weight' must be [D] = [16], got [15] (rms_norm_c2)}}
  %y = moe.rms_norm %x weight(%w : tensor<15xf32>) eps 1.0e-06 : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @rms_norm_c3_eps(%x: tensor<?x16xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{'moe.rms_norm' op eps = -1.000000e+00 must be finite and at least 0 (rms_norm_c3)}}
  %y = moe.rms_norm %x weight(%w : tensor<16xf32>) eps -1.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @layer_c9_identity_latent(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<4x8x6xf32>, %w2: tensor<4x6x8xf32>, %li: tensor<6x16xf32>, %lo: tensor<16x6xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op identity_experts add the layer's input 'x': they exclude 'latent_in' and 'pre_norm', which change what the routed experts read (layer_c9)}}
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x6xf32>) w2(%w2 : tensor<4x6x8xf32>) latent_in(%li : tensor<6x16xf32>) latent_out(%lo : tensor<16x6xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu identity_experts 2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c10_expert_scale_identity(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s: tensor<4xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'expert_scale' must have the static shape [1] or [E + identity_experts] = [6], got 'tensor<4xf32>' (layer_c10)}}
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) expert_scale(%s : tensor<4xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu identity_experts 2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_shared_w1_rank(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<1x1x8x16xf32>, %s2: tensor<16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'shared_w1' must be [S, D] (rank 2), got [1, 1, 8, 16] (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<1x1x8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_swiglu_softcap_ungated(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op activation swiglu_softcap is a gated (GLU) activation: it needs 'w3' (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation swiglu_softcap : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_swiglu_softcap_ungated_shared(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s2: tensor<16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op activation swiglu_softcap is a gated (GLU) activation: the shared expert needs 'shared_w3' (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation swiglu_softcap : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_gate_softcap_without_swiglu_softcap(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'gate_softcap' is a parameter of activation swiglu_softcap, not of silu (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation silu gate_softcap 4.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_up_softcap_zero(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'up_softcap' = 0.000000e+00 must be finite and positive (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation swiglu_softcap gate_softcap 4.0 up_softcap 0.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c8_limit_after_act_swiglu_softcap(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'limit_after_act' does not apply to activation swiglu_softcap, whose gate is clamped before it (layer_c8)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation swiglu_softcap limit 7.0 limit_after_act : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @experts_c6_swiglu_softcap_ungated(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op activation swiglu_softcap is a gated (GLU) activation: it needs 'w3' (experts_c6)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation swiglu_softcap : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c6_up_softcap_without_swiglu_softcap(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'up_softcap' is a parameter of activation swiglu_softcap, not of swiglu_oai (experts_c6)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation swiglu_oai up_softcap 25.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @experts_c6_gate_softcap_inf(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op 'gate_softcap' = INF must be finite and positive (experts_c6)}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation swiglu_softcap gate_softcap 0x7FF0000000000000 : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @layer_c5_stacked_dynamic_count(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<?x8x16xf32>, %s2: tensor<2x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'shared_w1' must have a static number of stacked shared experts S (dimension 0), got [?, 8, 16] (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<?x8x16xf32>) shared_w2(%s2 : tensor<2x16x8xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_stacked_router_rows(%x: tensor<?x16xf32>, %wg: tensor<2x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<2x8x16xf32>, %s2: tensor<2x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'router' has 2 rows: with S = 2 stacked shared experts it needs more than S (E + S rows) (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<2x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<2x8x16xf32>) shared_w2(%s2 : tensor<2x16x8xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_stacked_w2(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<2x8x16xf32>, %s2: tensor<2x8x16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'shared_w2' must be [S, D, G] = [2, 16, 8], got [2, 8, 16] (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<2x8x16xf32>) shared_w2(%s2 : tensor<2x8x16xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_stacked_shared_gate(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<2x8x16xf32>, %s2: tensor<2x16x8xf32>, %sg: tensor<1x16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op stacked shared experts are weighted by the router: they take no 'shared_gate' and no 'router_bias' (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<2x8x16xf32>) shared_w2(%s2 : tensor<2x16x8xf32>) shared_gate(%sg : tensor<1x16xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_stacked_softmax(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<2x8x16xf32>, %s2: tensor<2x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op stacked shared experts need token-choice routing with scoring = sigmoid and without softcap, logit_scale, norm_min, norm_p and weights_on_input (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<2x8x16xf32>) shared_w2(%s2 : tensor<2x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_stacked_expert_choice(%x: tensor<8x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<2x8x16xf32>, %s2: tensor<2x16x8xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'moe.layer' op stacked shared experts need token-choice routing with scoring = sigmoid and without softcap, logit_scale, norm_min, norm_p and weights_on_input (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<2x8x16xf32>) shared_w2(%s2 : tensor<2x16x8xf32>) routing #moe.expert_choice<capacity = 2> activation relu : tensor<8x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

func.func @layer_c5_stacked_shared_norm(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<2x8x16xf32>, %s2: tensor<2x16x8xf32>, %sn: tensor<16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op stacked shared experts take no 'shared_norm' and no shared biases (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<2x8x16xf32>) shared_w2(%s2 : tensor<2x16x8xf32>) shared_norm(%sn : tensor<16xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation relu rms_norm_eps 1.0e-06 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c5_stacked_expert_scale(%x: tensor<?x16xf32>, %wg: tensor<6x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<2x8x16xf32>, %s2: tensor<2x16x8xf32>, %es: tensor<4xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op with stacked shared experts 'expert_scale' must be [1], one factor of every routed and shared weight, got [4] (layer_c5)}}
  %y = moe.layer %x router(%wg : tensor<6x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<2x8x16xf32>) shared_w2(%s2 : tensor<2x16x8xf32>) expert_scale(%es : tensor<4xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_latent_bias_alone(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %lb: tensor<16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op a latent space needs both 'latent_in' and 'latent_out'; their biases need them (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) latent_out_bias(%lb : tensor<16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_latent_in_bias(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x6xf32>, %w2: tensor<4x6x8xf32>, %li: tensor<6x16xf32>, %lo: tensor<16x6xf32>, %lb: tensor<16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'latent_in_bias' must be [L] = [6], got [16] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x6xf32>) w2(%w2 : tensor<4x6x8xf32>) latent_in(%li : tensor<6x16xf32>) latent_out(%lo : tensor<16x6xf32>) latent_in_bias(%lb : tensor<16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_c4_latent_out_bias(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x6xf32>, %w2: tensor<4x6x8xf32>, %li: tensor<6x16xf32>, %lo: tensor<16x6xf32>, %lb: tensor<6xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op 'latent_out_bias' must be [D] = [16], got [6] (layer_c4)}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x6xf32>) w2(%w2 : tensor<4x6x8xf32>) latent_in(%li : tensor<6x16xf32>) latent_out(%lo : tensor<16x6xf32>) latent_out_bias(%lb : tensor<6xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @dequantize_c1_rank(%q: tensor<64xi8>, %s: tensor<1xf32>) {
  // expected-error @+1 {{'moe.dequantize' op 'q' must have rank 2 or more ([..., N, K]), got [64] (dequantize_c1)}}
  %w = moe.dequantize %q scales(%s : tensor<1xf32>) block [1, 64] : tensor<64xi8> -> tensor<64xf32>
  return
}

// -----

func.func @dequantize_c1_result(%q: tensor<8x64xi8>, %s: tensor<8x1xf32>) {
  // expected-error @+1 {{'moe.dequantize' op result shape [8, 32] must equal the shape of 'q' [8, 64] (dequantize_c1)}}
  %w = moe.dequantize %q scales(%s : tensor<8x1xf32>) block [1, 64] : tensor<8x64xi8> -> tensor<8x32xf32>
  return
}

// -----

func.func @dequantize_c2_block(%q: tensor<8x64xi8>, %s: tensor<8x1xf32>) {
  // expected-error @+1 {{'moe.dequantize' op block must be two positive sizes [bn, bk] (dequantize_c2)}}
  %w = moe.dequantize %q scales(%s : tensor<8x1xf32>) block [0, 64] : tensor<8x64xi8> -> tensor<8x64xf32>
  return
}

// -----

func.func @dequantize_c2_block_size(%q: tensor<8x64xi8>, %s: tensor<8x1xf32>) {
  // expected-error @+1 {{'moe.dequantize' op block must be two positive sizes [bn, bk] (dequantize_c2)}}
  %w = moe.dequantize %q scales(%s : tensor<8x1xf32>) block [64] : tensor<8x64xi8> -> tensor<8x64xf32>
  return
}

// -----

func.func @dequantize_c3_scales(%q: tensor<4x300x200xf8E4M3FN>, %s: tensor<4x2x2xf32>) {
  // expected-error @+1 {{'moe.dequantize' op 'scales' must be [..., ceil(N / bn), ceil(K / bk)] = [4, 3, 2], got [4, 2, 2] (dequantize_c3)}}
  %w = moe.dequantize %q scales(%s : tensor<4x2x2xf32>) block [128, 128] : tensor<4x300x200xf8E4M3FN> -> tensor<4x300x200xf32>
  return
}

// -----

func.func @dequantize_c3_scales_rank(%q: tensor<4x8x64xi8>, %s: tensor<8x1xf32>) {
  // expected-error @+1 {{'moe.dequantize' op 'scales' must be [..., ceil(N / bn), ceil(K / bk)] = [4, 8, 1], got [8, 1] (dequantize_c3)}}
  %w = moe.dequantize %q scales(%s : tensor<8x1xf32>) block [1, 64] : tensor<4x8x64xi8> -> tensor<4x8x64xf32>
  return
}

// -----

func.func @dequantize_c4_float(%q: tensor<8x64xf8E4M3FN>, %s: tensor<8x1xf32>, %z: tensor<8x1xf8E4M3FN>) {
  // expected-error @+1 {{'moe.dequantize' op 'zero_points' need integer values in 'q', got 'f8E4M3FN' (dequantize_c4)}}
  %w = moe.dequantize %q scales(%s : tensor<8x1xf32>) zero_points(%z : tensor<8x1xf8E4M3FN>) block [1, 64] : tensor<8x64xf8E4M3FN> -> tensor<8x64xf32>
  return
}

// -----

func.func @dequantize_c4_shape(%q: tensor<8x64xi8>, %s: tensor<8x2xf32>, %z: tensor<8x1xi8>) {
  // expected-error @+1 {{'moe.dequantize' op 'zero_points' must be [..., ceil(N / bn), ceil(K / bk)] = [8, 2], got [8, 1] (dequantize_c4)}}
  %w = moe.dequantize %q scales(%s : tensor<8x2xf32>) zero_points(%z : tensor<8x1xi8>) block [1, 32] : tensor<8x64xi8> -> tensor<8x64xf32>
  return
}

// -----

func.func @dequantize_c4_e2m1(%q: tensor<8x32xi8>, %s: tensor<8x2xf8E8M0FNU>, %z: tensor<8x2xi8>) {
  // expected-error @+1 {{'moe.dequantize' op 'zero_points' need integer values in 'q', got packed e2m1 (dequantize_c4)}}
  %w = moe.dequantize %q packed e2m1 scales(%s : tensor<8x2xf8E8M0FNU>) zero_points(%z : tensor<8x2xi8>) block [1, 32] : tensor<8x32xi8> -> tensor<8x64xf32>
  return
}

// -----

func.func @dequantize_c4_type(%q: tensor<8x64xi8>, %s: tensor<8x2xf32>, %z: tensor<8x2xf8E4M3FN>) {
  // expected-error @+1 {{'moe.dequantize' op 'zero_points' must be i8, got 'f8E4M3FN' (dequantize_c4)}}
  %w = moe.dequantize %q scales(%s : tensor<8x2xf32>) zero_points(%z : tensor<8x2xf8E4M3FN>) block [1, 32] : tensor<8x64xi8> -> tensor<8x64xf32>
  return
}

// -----

func.func @dequantize_c5_packed(%q: tensor<8x32xf8E4M3FN>, %s: tensor<8x2xf32>) {
  // expected-error @+1 {{'moe.dequantize' op 'q' of packed int4 values must be i8 bytes, got 'f8E4M3FN' (dequantize_c5)}}
  %w = moe.dequantize %q packed int4 scales(%s : tensor<8x2xf32>) block [1, 32] : tensor<8x32xf8E4M3FN> -> tensor<8x64xf32>
  return
}

// -----

func.func @dequantize_c1_packed(%q: tensor<8x32xi8>, %s: tensor<8x1xf32>) {
  // expected-error @+1 {{'moe.dequantize' op result shape [8, 32] must equal the shape of 'q' with K = 2 x its last dimension [8, 64] (dequantize_c1)}}
  %w = moe.dequantize %q packed int4 scales(%s : tensor<8x1xf32>) block [1, 32] : tensor<8x32xi8> -> tensor<8x32xf32>
  return
}
