// Round trip of the fused expert ops (MoEFusedOps.td), in custom and generic
// form.
//
// RUN: moe-opt %s | moe-opt | FileCheck %s
// RUN: moe-opt %s --mlir-print-op-generic | moe-opt | FileCheck %s
//
// Each CHECK line spells the whole op up to its result types, so a parameter
// or attribute dropped (or one added) by the printer fails the match.

//===----------------------------------------------------------------------===//
// moe.grouped_matmul_act
//===----------------------------------------------------------------------===//

// Gated: w1‖w3 [8, 2·128, 64] -> [N, 128].
// CHECK-LABEL: func.func @act_gated_silu(
// CHECK-SAME:    %[[R:arg[0-9]+]]: tensor<?x64xf32>, %[[W:arg[0-9]+]]: tensor<8x256x64xf32>, %[[O:arg[0-9]+]]: tensor<9xi32>
// CHECK:         %[[H:.*]] = moe.grouped_matmul_act %[[R]], %[[W]] offsets(%[[O]] : tensor<9xi32>) activation silu gated : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
// CHECK:         return %[[H]]
func.func @act_gated_silu(%rows: tensor<?x64xf32>, %w13: tensor<8x256x64xf32>,
                          %offsets: tensor<9xi32>) -> tensor<?x128xf32> {
  %h = moe.grouped_matmul_act %rows, %w13 offsets(%offsets : tensor<9xi32>)
         activation silu gated
         : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  return %h : tensor<?x128xf32>
}

// Non-gated: w1 [4, 32, 16] -> [N, 32]; no `gated` is printed.
// CHECK-LABEL: func.func @act_plain_gelu_tanh(
// CHECK:         moe.grouped_matmul_act %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<5xi32>) activation gelu_tanh : tensor<24x16xf32>, tensor<4x32x16xf32> -> tensor<24x32xf32>
func.func @act_plain_gelu_tanh(%rows: tensor<24x16xf32>, %w1: tensor<4x32x16xf32>,
                               %offsets: tensor<5xi32>) -> tensor<24x32xf32> {
  %h = moe.grouped_matmul_act %rows, %w1 offsets(%offsets : tensor<5xi32>)
         activation gelu_tanh
         : tensor<24x16xf32>, tensor<4x32x16xf32> -> tensor<24x32xf32>
  return %h : tensor<24x32xf32>
}

// bf16 rows and weights, an f32 result, erf-GELU.
// CHECK-LABEL: func.func @act_bf16_gelu_erf(
// CHECK:         moe.grouped_matmul_act %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<9xi32>) activation gelu_erf gated : tensor<?x64xbf16>, tensor<8x256x64xbf16> -> tensor<?x128xf32>
func.func @act_bf16_gelu_erf(%rows: tensor<?x64xbf16>, %w13: tensor<8x256x64xbf16>,
                             %offsets: tensor<9xi32>) -> tensor<?x128xf32> {
  %h = moe.grouped_matmul_act %rows, %w13 offsets(%offsets : tensor<9xi32>)
         activation gelu_erf gated
         : tensor<?x64xbf16>, tensor<8x256x64xbf16> -> tensor<?x128xf32>
  return %h : tensor<?x128xf32>
}

// A dynamic 2F gives a dynamic F; dynamic offsets agree with [E+1].
// CHECK-LABEL: func.func @act_dynamic_inner_relu(
// CHECK:         moe.grouped_matmul_act %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<?xi32>) activation relu gated : tensor<?x?xf32>, tensor<2x?x?xf32> -> tensor<?x?xf32>
func.func @act_dynamic_inner_relu(%rows: tensor<?x?xf32>, %w13: tensor<2x?x?xf32>,
                                  %offsets: tensor<?xi32>) -> tensor<?x?xf32> {
  %h = moe.grouped_matmul_act %rows, %w13 offsets(%offsets : tensor<?xi32>)
         activation relu gated
         : tensor<?x?xf32>, tensor<2x?x?xf32> -> tensor<?x?xf32>
  return %h : tensor<?x?xf32>
}

//===----------------------------------------------------------------------===//
// moe.grouped_matmul_combine
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @combine_dynamic_tokens(
// CHECK-SAME:    %[[H:arg[0-9]+]]: tensor<?x128xf32>, %[[W2:arg[0-9]+]]: tensor<8x64x128xf32>, %[[O:arg[0-9]+]]: tensor<9xi32>, %[[TOK:arg[0-9]+]]: tensor<?xi32>, %[[RW:arg[0-9]+]]: tensor<?xf32>, %[[ACC:arg[0-9]+]]: tensor<?x64xf32>
// CHECK:         %[[OUT:.*]] = moe.grouped_matmul_combine %[[H]], %[[W2]] offsets(%[[O]] : tensor<9xi32>) tokens(%[[TOK]] : tensor<?xi32>) weights(%[[RW]] : tensor<?xf32>) into %[[ACC]] : tensor<?x128xf32>, tensor<8x64x128xf32> -> tensor<?x64xf32>
// CHECK:         return %[[OUT]]
func.func @combine_dynamic_tokens(%h: tensor<?x128xf32>, %w2: tensor<8x64x128xf32>,
                                  %offsets: tensor<9xi32>, %tok: tensor<?xi32>,
                                  %rw: tensor<?xf32>, %acc: tensor<?x64xf32>)
    -> tensor<?x64xf32> {
  %out = moe.grouped_matmul_combine %h, %w2 offsets(%offsets : tensor<9xi32>)
           tokens(%tok : tensor<?xi32>) weights(%rw : tensor<?xf32>)
           into %acc : tensor<?x128xf32>, tensor<8x64x128xf32> -> tensor<?x64xf32>
  return %out : tensor<?x64xf32>
}

// Static shapes, bf16 weights and accumulator; T (6) differs from N (12).
// CHECK-LABEL: func.func @combine_static_bf16(
// CHECK:         moe.grouped_matmul_combine %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<5xi32>) tokens(%{{.*}} : tensor<12xi32>) weights(%{{.*}} : tensor<12xf32>) into %{{.*}} : tensor<12x32xf32>, tensor<4x16x32xbf16> -> tensor<6x16xbf16>
func.func @combine_static_bf16(%h: tensor<12x32xf32>, %w2: tensor<4x16x32xbf16>,
                               %offsets: tensor<5xi32>, %tok: tensor<12xi32>,
                               %rw: tensor<12xf32>, %acc: tensor<6x16xbf16>)
    -> tensor<6x16xbf16> {
  %out = moe.grouped_matmul_combine %h, %w2 offsets(%offsets : tensor<5xi32>)
           tokens(%tok : tensor<12xi32>) weights(%rw : tensor<12xf32>)
           into %acc : tensor<12x32xf32>, tensor<4x16x32xbf16> -> tensor<6x16xbf16>
  return %out : tensor<6x16xbf16>
}
