// A gated top-2 layer (SwiGLU experts, softmax renormalized) with a gated
// shared expert, as in Qwen2-MoE. T is dynamic.
func.func @forward(
    %x: tensor<?x16xf32>,
    %gate: tensor<4x16xf32> {moe.weight = "gate"},
    %w1: tensor<4x24x16xf32> {moe.weight = "experts.{e}.w1"},
    %w3: tensor<4x24x16xf32> {moe.weight = "experts.{e}.w3"},
    %w2: tensor<4x16x24xf32> {moe.weight = "experts.{e}.w2"},
    %sw1: tensor<20x16xf32> {moe.weight = "shared.w1"},
    %sw3: tensor<20x16xf32> {moe.weight = "shared.w3"},
    %sw2: tensor<16x20xf32> {moe.weight = "shared.w2"},
    %sg: tensor<1x16xf32> {moe.weight = "shared.gate"}) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%gate : tensor<4x16xf32>)
         w1(%w1 : tensor<4x24x16xf32>) w3(%w3 : tensor<4x24x16xf32>)
         w2(%w2 : tensor<4x16x24xf32>)
         shared_w1(%sw1 : tensor<20x16xf32>) shared_w3(%sw3 : tensor<20x16xf32>)
         shared_w2(%sw2 : tensor<16x20xf32>) shared_gate(%sg : tensor<1x16xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
