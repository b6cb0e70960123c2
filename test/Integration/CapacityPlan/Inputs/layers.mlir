// Layers for the moe-capacity-plan integration tests: T = 32 tokens (or
// dynamic), D = 16, E = 4 SwiGLU experts of F = 32, top-2 softmax routing,
// renormalized. Every entry has the same signature, so moe-run's
// --random-inputs SEED gives every entry the same arguments.

// Dropless.
func.func @dropless(%x: tensor<32x16xf32>,
    %wg: tensor<4x16xf32> {moe.weight = "router"},
    %w1: tensor<4x32x16xf32> {moe.weight = "w1"},
    %w3: tensor<4x32x16xf32> {moe.weight = "w3"},
    %w2: tensor<4x16x32xf32> {moe.weight = "w2"}) -> tensor<32x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w3(%w3 : tensor<4x32x16xf32>)
         w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu : tensor<32x16xf32> -> tensor<32x16xf32>
  return %y : tensor<32x16xf32>
}

// Position drops at C = ceil(1.0 · 32 · 2 / 4) = 16.
func.func @position(%x: tensor<32x16xf32>,
    %wg: tensor<4x16xf32> {moe.weight = "router"},
    %w1: tensor<4x32x16xf32> {moe.weight = "w1"},
    %w3: tensor<4x32x16xf32> {moe.weight = "w3"},
    %w2: tensor<4x16x32xf32> {moe.weight = "w2"}) -> tensor<32x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w3(%w3 : tensor<4x32x16xf32>)
         w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu drop position capacity_factor 1.0
         : tensor<32x16xf32> -> tensor<32x16xf32>
  return %y : tensor<32x16xf32>
}

// Score drops at C = 16.
func.func @score(%x: tensor<32x16xf32>,
    %wg: tensor<4x16xf32> {moe.weight = "router"},
    %w1: tensor<4x32x16xf32> {moe.weight = "w1"},
    %w3: tensor<4x32x16xf32> {moe.weight = "w3"},
    %w2: tensor<4x16x32xf32> {moe.weight = "w2"}) -> tensor<32x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w3(%w3 : tensor<4x32x16xf32>)
         w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu drop score capacity_factor 1.0
         : tensor<32x16xf32> -> tensor<32x16xf32>
  return %y : tensor<32x16xf32>
}

// Dropless with a dynamic T (run with --tokens 32).
func.func @dynamic(%x: tensor<?x16xf32>,
    %wg: tensor<4x16xf32> {moe.weight = "router"},
    %w1: tensor<4x32x16xf32> {moe.weight = "w1"},
    %w3: tensor<4x32x16xf32> {moe.weight = "w3"},
    %w2: tensor<4x16x32xf32> {moe.weight = "w2"}) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w3(%w3 : tensor<4x32x16xf32>)
         w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
