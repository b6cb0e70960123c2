// A layer whose routing can be checked by hand: D = F = 2, two experts,
// top-1. The checkpoint names use {layer} and stack the experts with {e}.
func.func @forward(
    %x: tensor<?x2xf32>,
    %gate: tensor<2x2xf32> {moe.weight = "layers.{layer}.gate.weight"},
    %w1: tensor<2x2x2xf32> {moe.weight = "layers.{layer}.experts.{e}.w1.weight"},
    %w2: tensor<2x2x2xf32> {moe.weight = "layers.{layer}.experts.{e}.w2.weight"})
    -> tensor<?x2xf32> {
  %y = moe.layer %x router(%gate : tensor<2x2xf32>)
         w1(%w1 : tensor<2x2x2xf32>) w2(%w2 : tensor<2x2x2xf32>)
         routing #moe.routing<k = 1, scoring = softmax, normalize = true>
         activation relu : tensor<?x2xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
