// A Mixtral-style layer small enough for a moe-bench smoke run: D=64,
// F=96, 4 experts, top-2, softmax renormalized over the selected experts.
func.func @forward(
    %x: tensor<?x64xf32>,
    %gate: tensor<4x64xf32> {moe.weight = "gate.weight"},
    %w1: tensor<4x96x64xf32> {moe.weight = "experts.{e}.w1.weight"},
    %w3: tensor<4x96x64xf32> {moe.weight = "experts.{e}.w3.weight"},
    %w2: tensor<4x64x96xf32> {moe.weight = "experts.{e}.w2.weight"})
    -> tensor<?x64xf32> {
  %y = moe.layer %x router(%gate : tensor<4x64xf32>)
         w1(%w1 : tensor<4x96x64xf32>) w3(%w3 : tensor<4x96x64xf32>)
         w2(%w2 : tensor<4x64x96xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu : tensor<?x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
