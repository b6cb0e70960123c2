// Layers that the GPU tests compile: every moe op and routing form the
// reference lowering handles, f32 and bf16. Not a test by itself.

// A Mixtral-style layer with a gated shared expert (Qwen2-MoE).
func.func @forward(
    %x: tensor<?x16xf32>, %gate: tensor<4x16xf32>,
    %w1: tensor<4x24x16xf32>, %w3: tensor<4x24x16xf32>,
    %w2: tensor<4x16x24xf32>, %sw1: tensor<20x16xf32>,
    %sw3: tensor<20x16xf32>, %sw2: tensor<16x20xf32>,
    %sg: tensor<1x16xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%gate : tensor<4x16xf32>)
         w1(%w1 : tensor<4x24x16xf32>) w3(%w3 : tensor<4x24x16xf32>)
         w2(%w2 : tensor<4x16x24xf32>)
         shared_w1(%sw1 : tensor<20x16xf32>) shared_w3(%sw3 : tensor<20x16xf32>)
         shared_w2(%sw2 : tensor<16x20xf32>) shared_gate(%sg : tensor<1x16xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// Expert choice with exact GELU (erf from libdevice).
func.func @expert_choice(%x: tensor<8x16xf32>, %gate: tensor<4x16xf32>,
                         %w1: tensor<4x24x16xf32>, %w2: tensor<4x16x24xf32>)
    -> tensor<8x16xf32> {
  %y = moe.layer %x router(%gate : tensor<4x16xf32>)
         w1(%w1 : tensor<4x24x16xf32>) w2(%w2 : tensor<4x16x24xf32>)
         routing #moe.expert_choice<capacity = 3>
         activation gelu_erf : tensor<8x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// DeepSeek-V3 routing: sigmoid, selection bias, group limit, scaling.
func.func @grouped(%x: tensor<?x16xf32>, %gate: tensor<8x16xf32>,
                   %bias: tensor<8xf32>, %w1: tensor<8x24x16xf32>,
                   %w3: tensor<8x24x16xf32>, %w2: tensor<8x16x24xf32>)
    -> tensor<?x16xf32> {
  %y = moe.layer %x router(%gate : tensor<8x16xf32>) bias(%bias : tensor<8xf32>)
         w1(%w1 : tensor<8x24x16xf32>) w3(%w3 : tensor<8x24x16xf32>)
         w2(%w2 : tensor<8x16x24xf32>)
         routing #moe.routing<k = 2, scoring = sigmoid, normalize = true,
                              scaling = 2.5, num_groups = 4, topk_groups = 2,
                              group_score = top2sum>
         activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// bf16 weights and activations, f32 accumulation.
func.func @bf16(%x: tensor<?x16xbf16>, %gate: tensor<4x16xbf16>,
                %w1: tensor<4x24x16xbf16>, %w3: tensor<4x24x16xbf16>,
                %w2: tensor<4x16x24xbf16>) -> tensor<?x16xbf16> {
  %y = moe.layer %x router(%gate : tensor<4x16xbf16>)
         w1(%w1 : tensor<4x24x16xbf16>) w3(%w3 : tensor<4x24x16xbf16>)
         w2(%w2 : tensor<4x16x24xbf16>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu : tensor<?x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// The step ops: sigmoid routing, a capacity with position drops, tanh GELU.
func.func @steps(%x: tensor<?x16xf32>, %logits: tensor<?x4xf32>,
                 %w1: tensor<4x24x16xf32>, %w2: tensor<4x16x24xf32>)
    -> tensor<?x16xf32> {
  %w, %i = moe.route %logits <k = 2, scoring = sigmoid, normalize = true>
      : tensor<?x4xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %rows, %offsets, %tok, %rw = moe.dispatch %x, %i, %w
      experts 4 drop position capacity_factor 1.0
      : tensor<?x16xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  %e = moe.experts %rows offsets(%offsets : tensor<5xi32>)
         w1(%w1 : tensor<4x24x16xf32>) w2(%w2 : tensor<4x16x24xf32>)
         activation gelu_tanh : tensor<?x16xf32> -> tensor<?x16xf32>
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x16xf32>
  %empty = tensor.empty(%t) : tensor<?x16xf32>
  %zero = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x16xf32>)
      -> tensor<?x16xf32>
  %out = moe.combine %e tokens(%tok : tensor<?xi32>)
           weights(%rw : tensor<?xf32>) into %acc
           : tensor<?x16xf32> -> tensor<?x16xf32>
  return %out : tensor<?x16xf32>
}
