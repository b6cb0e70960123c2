// A Mixtral-style MoE layer (8 experts, top-2, softmax routing renormalized
// over the selected experts, SwiGLU experts), at D=1024, F=2816 so that a
// laptop runs it. `tools/moe-dev.sh demo` compiles it.
//
// RUN: moe-opt %s | moe-opt | FileCheck %s
// RUN: moe-opt %s --moe-decompose | FileCheck %s --check-prefix=DECOMP

// CHECK-LABEL: func.func @forward
// CHECK: moe.layer {{.*}} routing #moe.routing<k = 2, scoring = softmax, normalize = true> activation silu
// DECOMP-LABEL: func.func @forward
// DECOMP: moe.route
// DECOMP: moe.dispatch
// DECOMP: moe.experts
// DECOMP: moe.combine
func.func @forward(
    %x: tensor<?x1024xf32>,
    %gate: tensor<8x1024xf32> {moe.weight = "model.layers.0.block_sparse_moe.gate.weight"},
    %w1: tensor<8x2816x1024xf32> {moe.weight = "model.layers.0.block_sparse_moe.experts.{e}.w1.weight"},
    %w3: tensor<8x2816x1024xf32> {moe.weight = "model.layers.0.block_sparse_moe.experts.{e}.w3.weight"},
    %w2: tensor<8x1024x2816xf32> {moe.weight = "model.layers.0.block_sparse_moe.experts.{e}.w2.weight"})
    -> tensor<?x1024xf32> {
  %y = moe.layer %x router(%gate : tensor<8x1024xf32>)
         w1(%w1 : tensor<8x2816x1024xf32>) w3(%w3 : tensor<8x2816x1024xf32>)
         w2(%w2 : tensor<8x1024x2816xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu : tensor<?x1024xf32> -> tensor<?x1024xf32>
  return %y : tensor<?x1024xf32>
}
