// Element types and rankedness that the op definitions (ODS) enforce before
// the verifiers of docs/Spec.md run: weights are f32, indices, offsets,
// token ids and counts are i32, everything else is a ranked float tensor.
//
// RUN: moe-opt %s -split-input-file -verify-diagnostics

func.func @route_weights_f32(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{'moe.route' op result #0 must be ranked tensor of 32-bit float values, but got 'tensor<?x2xbf16>'}}
  %w, %i = moe.route %l <k = 2, scoring = softmax> : tensor<?x8xf32> -> tensor<?x2xbf16>, tensor<?x2xi32>
  return
}

// -----

func.func @route_indices_i32(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{'moe.route' op result #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<?x2xi64>'}}
  %w, %i = moe.route %l <k = 2, scoring = softmax> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi64>
  return
}

// -----

func.func @route_logits_float(%l: tensor<?x8xi32>) {
  // expected-error @+1 {{'moe.route' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<?x8xi32>'}}
  %w, %i = moe.route %l <k = 2, scoring = softmax> : tensor<?x8xi32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @route_logits_ranked(%l: tensor<*xf32>) {
  // expected-error @+1 {{custom op 'moe.route' invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %w, %i = moe.route %l <k = 2, scoring = softmax> : tensor<*xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @route_expert_choice_token_ids_i32(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{'moe.route_expert_choice' op result #0 must be ranked tensor of 32-bit signless integer values, but got 'tensor<8x4xindex>'}}
  %ids, %w = moe.route_expert_choice %l capacity 4 : tensor<16x8xf32> -> tensor<8x4xindex>, tensor<8x4xf32>
  return
}

// -----

func.func @route_expert_choice_weights_f32(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{'moe.route_expert_choice' op result #1 must be ranked tensor of 32-bit float values, but got 'tensor<8x4xf16>'}}
  %ids, %w = moe.route_expert_choice %l capacity 4 : tensor<16x8xf32> -> tensor<8x4xi32>, tensor<8x4xf16>
  return
}

// -----

func.func @dispatch_indices_i32(%x: tensor<?x64xf32>, %i: tensor<?x2xi64>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op operand #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<?x2xi64>'}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xf32>, tensor<?x2xi64>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_offsets_i32(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op result #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<9xi64>'}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi64>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_row_tokens_i32(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op result #2 must be ranked tensor of 32-bit signless integer values, but got 'tensor<?xi16>'}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi16>, tensor<?xf32>
  return
}

// -----

func.func @dispatch_row_weights_f32(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op result #3 must be ranked tensor of 32-bit float values, but got 'tensor<?xf64>'}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf64>
  return
}

// -----

func.func @dispatch_tokens_float(%x: tensor<?x64xi8>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{'moe.dispatch' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<?x64xi8>'}}
  %r:4 = moe.dispatch %x, %i, %w experts 8 : tensor<?x64xi8>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x64xi8>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  return
}

// -----

func.func @grouped_matmul_offsets_i32(%a: tensor<?x64xf32>, %b: tensor<8x128x64xf32>, %o: tensor<9xindex>) {
  // expected-error @+1 {{'moe.grouped_matmul' op operand #2 must be ranked tensor of 32-bit signless integer values, but got 'tensor<9xindex>'}}
  %h = moe.grouped_matmul %a, %b offsets(%o : tensor<9xindex>) : tensor<?x64xf32>, tensor<8x128x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @experts_offsets_i32(%r: tensor<?x16xf32>, %o: tensor<5xi64>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'moe.experts' op operand #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<5xi64>'}}
  %y = moe.experts %r offsets(%o : tensor<5xi64>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @combine_row_weights_f32(%y: tensor<32x64xf32>, %t: tensor<32xi32>, %w: tensor<32xbf16>, %acc: tensor<16x64xf32>) {
  // expected-error @+1 {{'moe.combine' op operand #2 must be ranked tensor of 32-bit float values, but got 'tensor<32xbf16>'}}
  %out = moe.combine %y tokens(%t : tensor<32xi32>) weights(%w : tensor<32xbf16>) into %acc : tensor<32x64xf32> -> tensor<16x64xf32>
  return
}

// -----

func.func @all_to_all_counts_i32(%r: tensor<?x64xf32>, %s: tensor<4xi64>) {
  // expected-error @+1 {{'moe.all_to_all' op operand #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<4xi64>'}}
  %recv, %counts = moe.all_to_all %r, %s ranks 4 : tensor<?x64xf32>, tensor<4xi64> -> tensor<?x64xf32>, tensor<4xi32>
  return
}

// -----

func.func @layer_router_float(%x: tensor<?x16xf32>, %wg: tensor<4x16xi8>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'moe.layer' op operand #1 must be ranked tensor of floating-point values, but got 'tensor<4x16xi8>'}}
  %y = moe.layer %x router(%wg : tensor<4x16xi8>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @layer_tokens_ranked(%x: tensor<*xf32>, %wg: tensor<4x16xf32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{custom op 'moe.layer' invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 1, scoring = softmax> activation relu : tensor<*xf32> -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @dequantize_q_type(%q: tensor<8x64xi16>, %s: tensor<8x1xf32>) {
  // expected-error @+1 {{'moe.dequantize' op operand #0 must be ranked tensor of 8-bit signless integer or f8E4M3FN type values, but got 'tensor<8x64xi16>'}}
  %w = moe.dequantize %q scales(%s : tensor<8x1xf32>) block [1, 64] : tensor<8x64xi16> -> tensor<8x64xf32>
  return
}

// -----

func.func @dequantize_scale_type(%q: tensor<8x64xi8>, %s: tensor<8x1xf64>) {
  // expected-error @+1 {{'moe.dequantize' op operand #1 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float or f8E8M0FNU type values, but got 'tensor<8x1xf64>'}}
  %w = moe.dequantize %q scales(%s : tensor<8x1xf64>) block [1, 64] : tensor<8x64xi8> -> tensor<8x64xf32>
  return
}

// -----

func.func @dequantize_scale_int(%q: tensor<8x64xi8>, %s: tensor<8x1xi8>) {
  // expected-error @+1 {{'moe.dequantize' op operand #1 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float or f8E8M0FNU type values, but got 'tensor<8x1xi8>'}}
  %w = moe.dequantize %q scales(%s : tensor<8x1xi8>) block [1, 64] : tensor<8x64xi8> -> tensor<8x64xf32>
  return
}

// -----

func.func @dequantize_result_type(%q: tensor<8x64xi8>, %s: tensor<8x1xf32>) {
  // expected-error @+1 {{'moe.dequantize' op result #0 must be ranked tensor of 32-bit float or bfloat16 type values, but got 'tensor<8x64xf16>'}}
  %w = moe.dequantize %q scales(%s : tensor<8x1xf32>) block [1, 64] : tensor<8x64xi8> -> tensor<8x64xf16>
  return
}
