// Negative tests of the fused expert ops: one or more per constraint label
// of docs/Spec.md (#moegrouped_matmul_act, #moegrouped_matmul_combine). Each
// function is named after the label its diagnostic carries.
//
// RUN: moe-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// moe.grouped_matmul_act
//===----------------------------------------------------------------------===//

func.func @grouped_matmul_act_c1(%r: tensor<64xf32>, %w: tensor<8x256x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'lhs' must be [N, D] (rank 2), got [64] (grouped_matmul_act_c1)}}
  %h = moe.grouped_matmul_act %r, %w offsets(%o : tensor<9xi32>) activation silu gated : tensor<64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_act_c2_rank(%r: tensor<?x64xf32>, %w: tensor<256x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'rhs' must be [E, 2F, D] (rank 3), got [256, 64] (grouped_matmul_act_c2)}}
  %h = moe.grouped_matmul_act %r, %w offsets(%o : tensor<9xi32>) activation silu gated : tensor<?x64xf32>, tensor<256x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_act_c2_dynamic_groups(%r: tensor<?x64xf32>, %w: tensor<?x128x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'rhs' must have a static number of groups E (dimension 0), got [?, 128, 64] (grouped_matmul_act_c2)}}
  %h = moe.grouped_matmul_act %r, %w offsets(%o : tensor<9xi32>) activation relu : tensor<?x64xf32>, tensor<?x128x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_act_c2_too_many_groups(%r: tensor<?x64xf32>, %w: tensor<9223372036854775807x128x64xf32>, %o: tensor<?xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op the number of groups E = 9223372036854775807 exceeds 2147483647: offsets are i32 (grouped_matmul_act_c2)}}
  %h = moe.grouped_matmul_act %r, %w offsets(%o : tensor<?xi32>) activation relu : tensor<?x64xf32>, tensor<9223372036854775807x128x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_act_c2_hidden(%r: tensor<?x64xf32>, %w: tensor<8x128x32xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'rhs' must be [E, F, D] = [8, 128, 64], got [8, 128, 32] (grouped_matmul_act_c2)}}
  %h = moe.grouped_matmul_act %r, %w offsets(%o : tensor<9xi32>) activation relu : tensor<?x64xf32>, tensor<8x128x32xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_act_c3(%r: tensor<?x64xf32>, %w: tensor<8x255x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'rhs' of a gated op stacks w1 and w3, so its dimension 1 (2F) must be even, got 255 (grouped_matmul_act_c3)}}
  %h = moe.grouped_matmul_act %r, %w offsets(%o : tensor<9xi32>) activation silu gated : tensor<?x64xf32>, tensor<8x255x64xf32> -> tensor<?x127xf32>
  return
}

// -----

func.func @grouped_matmul_act_c4(%r: tensor<?x64xf32>, %w: tensor<8x256x64xf32>, %o: tensor<8xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'offsets' must be [E+1] = [9], got [8] (grouped_matmul_act_c4)}}
  %h = moe.grouped_matmul_act %r, %w offsets(%o : tensor<8xi32>) activation silu gated : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  return
}

// -----

// A gated op's result has F = 2F / 2 columns, not 2F.
func.func @grouped_matmul_act_c5_gated_columns(%r: tensor<?x64xf32>, %w: tensor<8x256x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'result' must be [N, F] = [?, 128], got [?, 256] (grouped_matmul_act_c5)}}
  %h = moe.grouped_matmul_act %r, %w offsets(%o : tensor<9xi32>) activation silu gated : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x256xf32>
  return
}

// -----

// Without `gated`, F is all of rhs's rows.
func.func @grouped_matmul_act_c5_plain_columns(%r: tensor<?x64xf32>, %w: tensor<8x256x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'result' must be [N, F] = [?, 256], got [?, 128] (grouped_matmul_act_c5)}}
  %h = moe.grouped_matmul_act %r, %w offsets(%o : tensor<9xi32>) activation silu : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_act_c5_rows(%r: tensor<32x64xf32>, %w: tensor<8x256x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'result' must be [N, F] = [32, 128], got [16, 128] (grouped_matmul_act_c5)}}
  %h = moe.grouped_matmul_act %r, %w offsets(%o : tensor<9xi32>) activation silu gated : tensor<32x64xf32>, tensor<8x256x64xf32> -> tensor<16x128xf32>
  return
}

//===----------------------------------------------------------------------===//
// moe.grouped_matmul_combine
//===----------------------------------------------------------------------===//

// -----

func.func @grouped_matmul_combine_c1(%h: tensor<2x?x128xf32>, %w: tensor<8x64x128xf32>, %o: tensor<9xi32>, %t: tensor<?xi32>, %rw: tensor<?xf32>, %acc: tensor<?x64xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul_combine' op 'lhs' must be [N, F] (rank 2), got [2, ?, 128] (grouped_matmul_combine_c1)}}
  %out = moe.grouped_matmul_combine %h, %w offsets(%o : tensor<9xi32>) tokens(%t : tensor<?xi32>) weights(%rw : tensor<?xf32>) into %acc : tensor<2x?x128xf32>, tensor<8x64x128xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @grouped_matmul_combine_c2_rank(%h: tensor<?x128xf32>, %w: tensor<64x128xf32>, %o: tensor<9xi32>, %t: tensor<?xi32>, %rw: tensor<?xf32>, %acc: tensor<?x64xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul_combine' op 'rhs' must be [E, D, F] (rank 3), got [64, 128] (grouped_matmul_combine_c2)}}
  %out = moe.grouped_matmul_combine %h, %w offsets(%o : tensor<9xi32>) tokens(%t : tensor<?xi32>) weights(%rw : tensor<?xf32>) into %acc : tensor<?x128xf32>, tensor<64x128xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @grouped_matmul_combine_c2_dynamic_groups(%h: tensor<?x128xf32>, %w: tensor<?x64x128xf32>, %o: tensor<9xi32>, %t: tensor<?xi32>, %rw: tensor<?xf32>, %acc: tensor<?x64xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul_combine' op 'rhs' must have a static number of groups E (dimension 0), got [?, 64, 128] (grouped_matmul_combine_c2)}}
  %out = moe.grouped_matmul_combine %h, %w offsets(%o : tensor<9xi32>) tokens(%t : tensor<?xi32>) weights(%rw : tensor<?xf32>) into %acc : tensor<?x128xf32>, tensor<?x64x128xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @grouped_matmul_combine_c2_too_many_groups(%h: tensor<?x128xf32>, %w: tensor<9223372036854775807x64x128xf32>, %o: tensor<?xi32>, %t: tensor<?xi32>, %rw: tensor<?xf32>, %acc: tensor<?x64xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul_combine' op the number of groups E = 9223372036854775807 exceeds 2147483647: offsets are i32 (grouped_matmul_combine_c2)}}
  %out = moe.grouped_matmul_combine %h, %w offsets(%o : tensor<?xi32>) tokens(%t : tensor<?xi32>) weights(%rw : tensor<?xf32>) into %acc : tensor<?x128xf32>, tensor<9223372036854775807x64x128xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @grouped_matmul_combine_c2_inner(%h: tensor<?x128xf32>, %w: tensor<8x64x64xf32>, %o: tensor<9xi32>, %t: tensor<?xi32>, %rw: tensor<?xf32>, %acc: tensor<?x64xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul_combine' op 'rhs' must be [E, D, F] = [8, 64, 128], got [8, 64, 64] (grouped_matmul_combine_c2)}}
  %out = moe.grouped_matmul_combine %h, %w offsets(%o : tensor<9xi32>) tokens(%t : tensor<?xi32>) weights(%rw : tensor<?xf32>) into %acc : tensor<?x128xf32>, tensor<8x64x64xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @grouped_matmul_combine_c3(%h: tensor<?x128xf32>, %w: tensor<8x64x128xf32>, %o: tensor<10xi32>, %t: tensor<?xi32>, %rw: tensor<?xf32>, %acc: tensor<?x64xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul_combine' op 'offsets' must be [E+1] = [9], got [10] (grouped_matmul_combine_c3)}}
  %out = moe.grouped_matmul_combine %h, %w offsets(%o : tensor<10xi32>) tokens(%t : tensor<?xi32>) weights(%rw : tensor<?xf32>) into %acc : tensor<?x128xf32>, tensor<8x64x128xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @grouped_matmul_combine_c4_tokens(%h: tensor<32x128xf32>, %w: tensor<8x64x128xf32>, %o: tensor<9xi32>, %t: tensor<16xi32>, %rw: tensor<32xf32>, %acc: tensor<?x64xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul_combine' op 'row_tokens' must be [N] = [32], got [16] (grouped_matmul_combine_c4)}}
  %out = moe.grouped_matmul_combine %h, %w offsets(%o : tensor<9xi32>) tokens(%t : tensor<16xi32>) weights(%rw : tensor<32xf32>) into %acc : tensor<32x128xf32>, tensor<8x64x128xf32> -> tensor<?x64xf32>
  return
}

// -----

// N is dynamic in lhs; row_tokens fixes it to 32, so row_weights must agree.
func.func @grouped_matmul_combine_c4_weights_bound_by_tokens(%h: tensor<?x128xf32>, %w: tensor<8x64x128xf32>, %o: tensor<9xi32>, %t: tensor<32xi32>, %rw: tensor<16xf32>, %acc: tensor<?x64xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul_combine' op 'row_weights' must be [N] = [32], got [16] (grouped_matmul_combine_c4)}}
  %out = moe.grouped_matmul_combine %h, %w offsets(%o : tensor<9xi32>) tokens(%t : tensor<32xi32>) weights(%rw : tensor<16xf32>) into %acc : tensor<?x128xf32>, tensor<8x64x128xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @grouped_matmul_combine_c5_rank(%h: tensor<?x128xf32>, %w: tensor<8x64x128xf32>, %o: tensor<9xi32>, %t: tensor<?xi32>, %rw: tensor<?xf32>, %acc: tensor<64xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul_combine' op 'acc' must be [T, D] (rank 2), got [64] (grouped_matmul_combine_c5)}}
  %out = moe.grouped_matmul_combine %h, %w offsets(%o : tensor<9xi32>) tokens(%t : tensor<?xi32>) weights(%rw : tensor<?xf32>) into %acc : tensor<?x128xf32>, tensor<8x64x128xf32> -> tensor<64xf32>
  return
}

// -----

func.func @grouped_matmul_combine_c5_hidden(%h: tensor<?x128xf32>, %w: tensor<8x64x128xf32>, %o: tensor<9xi32>, %t: tensor<?xi32>, %rw: tensor<?xf32>, %acc: tensor<?x32xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul_combine' op 'acc' must be [T, D] = [?, 64], got [?, 32] (grouped_matmul_combine_c5)}}
  %out = moe.grouped_matmul_combine %h, %w offsets(%o : tensor<9xi32>) tokens(%t : tensor<?xi32>) weights(%rw : tensor<?xf32>) into %acc : tensor<?x128xf32>, tensor<8x64x128xf32> -> tensor<?x32xf32>
  return
}

// -----

// The custom form names one type for acc and result; the generic form can
// name two.
func.func @grouped_matmul_combine_c6(%h: tensor<?x128xf32>, %w: tensor<8x64x128xf32>, %o: tensor<9xi32>, %t: tensor<?xi32>, %rw: tensor<?xf32>, %acc: tensor<16x64xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul_combine' op failed to verify that all of {acc, result} have same type}}
  %out = "moe.grouped_matmul_combine"(%h, %w, %o, %t, %rw, %acc) : (tensor<?x128xf32>, tensor<8x64x128xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>, tensor<16x64xf32>) -> tensor<16x64xbf16>
  return
}

// -----

func.func @grouped_matmul_act_c6_swiglu_oai_ungated(%x: tensor<?x64xf32>, %w: tensor<8x128x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op activation swiglu_oai is a gated (GLU) activation: it needs 'gated' (grouped_matmul_act_c6)}}
  %h = moe.grouped_matmul_act %x, %w offsets(%o : tensor<9xi32>) activation swiglu_oai : tensor<?x64xf32>, tensor<8x128x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_act_c6_alpha(%x: tensor<?x64xf32>, %w: tensor<8x256x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'alpha' is a parameter of activation swiglu_oai, not of silu (grouped_matmul_act_c6)}}
  %h = moe.grouped_matmul_act %x, %w offsets(%o : tensor<9xi32>) activation silu gated alpha 2.0 : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_act_c6_limit_ungated(%x: tensor<?x64xf32>, %w: tensor<8x128x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'limit' clamps the gate and up projections of gated experts: it needs 'gated' (grouped_matmul_act_c6)}}
  %h = moe.grouped_matmul_act %x, %w offsets(%o : tensor<9xi32>) activation silu limit 7.0 : tensor<?x64xf32>, tensor<8x128x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_act_c6_limit_nan(%x: tensor<?x64xf32>, %w: tensor<8x256x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'limit' = nan must be finite and positive (grouped_matmul_act_c6)}}
  %h = moe.grouped_matmul_act %x, %w offsets(%o : tensor<9xi32>) activation silu gated limit 0x7FF8000000000000 : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_act_c6_limit_after_act(%x: tensor<?x64xf32>, %w: tensor<8x256x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'limit_after_act' does not apply to activation swiglu_oai, which clamps the gate before it (grouped_matmul_act_c6)}}
  %h = moe.grouped_matmul_act %x, %w offsets(%o : tensor<9xi32>) activation swiglu_oai gated limit 7.0 limit_after_act : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_act_c7_bias(%x: tensor<?x64xf32>, %w: tensor<8x256x64xf32>, %o: tensor<9xi32>, %b: tensor<8x128xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'bias' must be [E, G] = [8, 256], got [8, 128] (grouped_matmul_act_c7)}}
  %h = moe.grouped_matmul_act %x, %w offsets(%o : tensor<9xi32>) bias(%b : tensor<8x128xf32>) activation silu gated : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_combine_c7_bias(%h: tensor<?x128xf32>, %w: tensor<8x64x128xf32>, %o: tensor<9xi32>, %b: tensor<4x64xf32>, %t: tensor<?xi32>, %rw: tensor<?xf32>, %acc: tensor<?x64xf32>) {
  // expected-error @+1 {{'moe.grouped_matmul_combine' op 'bias' must be [E, D] = [8, 64], got [4, 64] (grouped_matmul_combine_c7)}}
  %out = moe.grouped_matmul_combine %h, %w offsets(%o : tensor<9xi32>) bias(%b : tensor<4x64xf32>) tokens(%t : tensor<?xi32>) weights(%rw : tensor<?xf32>) into %acc : tensor<?x128xf32>, tensor<8x64x128xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @grouped_matmul_act_c6_swiglu_softcap_ungated(%x: tensor<?x64xf32>, %w: tensor<8x128x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op activation swiglu_softcap is a gated (GLU) activation: it needs 'gated' (grouped_matmul_act_c6)}}
  %h = moe.grouped_matmul_act %x, %w offsets(%o : tensor<9xi32>) activation swiglu_softcap : tensor<?x64xf32>, tensor<8x128x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_act_c6_gate_softcap(%x: tensor<?x64xf32>, %w: tensor<8x256x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'gate_softcap' is a parameter of activation swiglu_softcap, not of silu (grouped_matmul_act_c6)}}
  %h = moe.grouped_matmul_act %x, %w offsets(%o : tensor<9xi32>) activation silu gated gate_softcap 4.0 : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  return
}

// -----

func.func @grouped_matmul_act_c6_up_softcap_negative(%x: tensor<?x64xf32>, %w: tensor<8x256x64xf32>, %o: tensor<9xi32>) {
  // expected-error @+1 {{'moe.grouped_matmul_act' op 'up_softcap' = -2.500000e+01 must be finite and positive (grouped_matmul_act_c6)}}
  %h = moe.grouped_matmul_act %x, %w offsets(%o : tensor<9xi32>) activation swiglu_softcap gated up_softcap -25.0 : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  return
}
