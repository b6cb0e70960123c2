// Parse-time errors: unknown keywords, missing or malformed parameters and
// operands. Each gives a located diagnostic (the generated parsers add a
// second one naming the parameter they were parsing; moe-opt outside
// -verify-diagnostics prints the first only), never a crash.
//
// RUN: moe-opt %s -split-input-file -verify-diagnostics

func.func @unknown_activation(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+2 {{custom op 'moe.experts' expected the activation to be one of: silu, gelu_tanh, gelu_erf, relu, relu2, swiglu_oai, swiglu_softcap, found 'swish'}}
  // expected-error @+1 {{custom op 'moe.experts' failed to parse MoE_ActivationAttr parameter 'value' which is to be a `::mlir::moe::Activation`}}
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation swish : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @unknown_scoring(%l: tensor<?x8xf32>) {
  // expected-error @+2 {{custom op 'moe.route' expected scoring to be one of: softmax, sigmoid, sqrt_softplus, sparsemixer, found 'softplus'}}
  // expected-error @+1 {{custom op 'moe.route' failed to parse MoE_RoutingAttr parameter 'scoring' which is to be a `::mlir::moe::Scoring`}}
  %w, %i = moe.route %l <k = 2, scoring = softplus> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @unknown_group_score(%l: tensor<?x8xf32>) {
  // expected-error @+2 {{custom op 'moe.route' expected group_score to be one of: top2sum, max, found 'top3sum'}}
  // expected-error @+1 {{custom op 'moe.route' failed to parse MoE_RoutingAttr parameter 'group_score' which is to be a `::mlir::moe::GroupScore`}}
  %w, %i = moe.route %l <k = 2, scoring = sigmoid, num_groups = 4, topk_groups = 2, group_score = top3sum> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @unknown_order(%l: tensor<?x8xf32>) {
  // expected-error @+2 {{custom op 'moe.route' expected order to be one of: score_first, topk_first, found 'logit_first'}}
  // expected-error @+1 {{custom op 'moe.route' failed to parse MoE_RoutingAttr parameter 'order' which is to be a `::mlir::moe::RoutingOrder`}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, order = logit_first> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @unknown_drop_policy(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+2 {{custom op 'moe.dispatch' expected the drop policy to be one of: none, position, score, found 'random'}}
  // expected-error @+1 {{custom op 'moe.dispatch' failed to parse MoE_DropPolicyAttr parameter 'value' which is to be a `::mlir::moe::DropPolicy`}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 drop random capacity 4 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @routing_missing_k(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' struct is missing required parameter: k}}
  %w, %i = moe.route %l <scoring = softmax> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_missing_k_attribute(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{struct is missing required parameter: k}}
  %w, %i = "moe.route"(%l) {routing = #moe.routing<scoring = softmax>} : (tensor<?x8xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @routing_missing_scoring(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' struct is missing required parameter: scoring}}
  %w, %i = moe.route %l <k = 2> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_unknown_parameter(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' duplicate or unknown struct parameter name: topk}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, topk = 2> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_duplicate_parameter(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{custom op 'moe.route' duplicate or unknown struct parameter name: k}}
  %w, %i = moe.route %l <k = 2, k = 3, scoring = softmax> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_float_k(%l: tensor<?x8xf32>) {
  // expected-error @+2 {{custom op 'moe.route' expected integer value}}
  // expected-error @+1 {{custom op 'moe.route' failed to parse MoE_RoutingAttr parameter 'k' which is to be a `int64_t`}}
  %w, %i = moe.route %l <k = 2.5, scoring = softmax> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_k_overflow(%l: tensor<?x8xf32>) {
  // expected-error @+2 {{custom op 'moe.route' integer value too large}}
  // expected-error @+1 {{custom op 'moe.route' failed to parse MoE_RoutingAttr parameter 'k' which is to be a `int64_t`}}
  %w, %i = moe.route %l <k = 99999999999999999999, scoring = softmax> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @routing_normalize_not_bool(%l: tensor<?x8xf32>) {
  // expected-error @+2 {{custom op 'moe.route' invalid kind of attribute specified}}
  // expected-error @+1 {{custom op 'moe.route' failed to parse MoE_RoutingAttr parameter 'normalize' which is to be a `::mlir::BoolAttr`}}
  %w, %i = moe.route %l <k = 2, scoring = softmax, normalize = 1 : i32> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @expert_choice_missing_capacity(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+2 {{expected valid keyword}}
  // expected-error @+1 {{expected a parameter name in struct}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.expert_choice<> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @unknown_attribute(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{unknown attribute `hash_routing` in dialect `moe`}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.hash_routing<k = 1> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_routing_not_a_routing(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op attribute 'routing' failed to satisfy constraint: token-choice routing: scoring, top-k, groups, normalization or expert-choice routing: each expert takes its top-C tokens}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing 2 : i64 activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_missing_routing(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{custom op 'moe.layer' expected 'routing'}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_missing_activation(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{custom op 'moe.layer' expected 'activation'}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_operands_out_of_order(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{custom op 'moe.layer' expected 'w1'}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w2(%w2 : tensor<4x16x8xf32>) w1(%w1 : tensor<4x8x16xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @dispatch_missing_experts(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{custom op 'moe.dispatch' expected 'experts'}}
  %r:4 = moe.dispatch %x, %i, %w drop position capacity 4 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_generic_missing_experts(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op requires attribute 'num_experts'}}
  %r:4 = "moe.dispatch"(%x, %i, %w) : (tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32>) -> (tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>)
  return
}

// -----

func.func @route_generic_expert_choice(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{'moe.route' op attribute 'routing' failed to satisfy constraint: token-choice routing: scoring, top-k, groups, normalization}}
  %w, %i = "moe.route"(%l) {routing = #moe.expert_choice<capacity = 2>} : (tensor<?x8xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return
}

// -----

func.func @route_expert_choice_float_capacity(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{floating point value not valid for specified type}}
  %ids, %w = moe.route_expert_choice %l capacity 1.5 : tensor<16x8xf32> -> tensor<8x4xi32>, tensor<8x4xf32>
  return
}

// -----

func.func @all_to_all_missing_ranks(%r: tensor<?x64xf32>, %s: tensor<4xi32>) {
  // expected-error @+1 {{custom op 'moe.all_to_all' expected 'ranks'}}
  %recv, %counts = moe.all_to_all %r, %s : tensor<?x64xf32>, tensor<4xi32> -> tensor<?x64xf32>, tensor<4xi32>
  return
}

// -----

func.func @combine_missing_into(%y: tensor<32x64xf32>, %t: tensor<32xi32>, %w: tensor<32xf32>, %acc: tensor<16x64xf32>) {
  // expected-error @+1 {{custom op 'moe.combine' expected 'into'}}
  %out = moe.combine %y tokens(%t : tensor<32xi32>) weights(%w : tensor<32xf32>) %acc : tensor<32x64xf32> -> tensor<16x64xf32>
  return
}
