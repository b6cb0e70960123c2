// Whole layers through moe-decompose and moe-to-linalg, executed and compared
// with the numpy reference in Inputs/lowering_ref.py, which composes the
// reference ops as DESIGN §1 describes.
//
// REQUIRES: numpy
//
// RUN: %python %S/Inputs/lowering_ref.py emit layer_deepseek > %t.layer_deepseek.mlir
// RUN: cat %s %t.layer_deepseek.mlir | moe-opt --moe-decompose --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.layer_deepseek.out
// RUN: %python %S/Inputs/lowering_ref.py check layer_deepseek %t.layer_deepseek.out | FileCheck %s --check-prefix=LAYER_DEEPSEEK
// LAYER_DEEPSEEK: PASS layer_deepseek
//
// RUN: %python %S/Inputs/lowering_ref.py emit layer_expert_choice > %t.layer_expert_choice.mlir
// RUN: cat %s %t.layer_expert_choice.mlir | moe-opt --moe-decompose --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.layer_expert_choice.out
// RUN: %python %S/Inputs/lowering_ref.py check layer_expert_choice %t.layer_expert_choice.out | FileCheck %s --check-prefix=LAYER_EXPERT_CHOICE
// LAYER_EXPERT_CHOICE: PASS layer_expert_choice
//
// RUN: %python %S/Inputs/lowering_ref.py emit layer_position_bf16 > %t.layer_position_bf16.mlir
// RUN: cat %s %t.layer_position_bf16.mlir | moe-opt --moe-decompose --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.layer_position_bf16.out
// RUN: %python %S/Inputs/lowering_ref.py check layer_position_bf16 %t.layer_position_bf16.out | FileCheck %s --check-prefix=LAYER_POSITION_BF16
// LAYER_POSITION_BF16: PASS layer_position_bf16

// Sigmoid routing with bias and top2sum groups, score drops, gated shared
// expert.
func.func @layer_deepseek(%x: tensor<?x32xf32>, %wg: tensor<16x32xf32>, %b: tensor<16xf32>,
                          %w1: tensor<16x24x32xf32>, %w3: tensor<16x24x32xf32>,
                          %w2: tensor<16x32x24xf32>, %s1: tensor<20x32xf32>,
                          %s3: tensor<20x32xf32>, %s2: tensor<32x20xf32>,
                          %gate: tensor<1x32xf32>) -> tensor<?x32xf32> {
  %y = moe.layer %x router(%wg : tensor<16x32xf32>) bias(%b : tensor<16xf32>)
         w1(%w1 : tensor<16x24x32xf32>) w3(%w3 : tensor<16x24x32xf32>)
         w2(%w2 : tensor<16x32x24xf32>) shared_w1(%s1 : tensor<20x32xf32>)
         shared_w3(%s3 : tensor<20x32xf32>) shared_w2(%s2 : tensor<32x20xf32>)
         shared_gate(%gate : tensor<1x32xf32>)
         routing #moe.routing<k = 4, scoring = sigmoid, normalize = true, scaling = 2.5,
                              num_groups = 4, topk_groups = 2, group_score = top2sum>
         activation silu drop score capacity_factor 1.25
         : tensor<?x32xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

func.func @layer_expert_choice(%x: tensor<24x16xf32>, %wg: tensor<4x16xf32>,
                               %w1: tensor<4x32x16xf32>, %w2: tensor<4x16x32xf32>)
    -> tensor<24x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x32x16xf32>)
         w2(%w2 : tensor<4x16x32xf32>) routing #moe.expert_choice<capacity = 8>
         activation gelu_tanh : tensor<24x16xf32> -> tensor<24x16xf32>
  return %y : tensor<24x16xf32>
}

// Mixtral-like, everything in bf16, position drops.
func.func @layer_position_bf16(%x: tensor<?x16xbf16>, %wg: tensor<8x16xbf16>,
                               %w1: tensor<8x24x16xbf16>, %w3: tensor<8x24x16xbf16>,
                               %w2: tensor<8x16x24xbf16>) -> tensor<?x16xbf16> {
  %y = moe.layer %x router(%wg : tensor<8x16xbf16>) w1(%w1 : tensor<8x24x16xbf16>)
         w3(%w3 : tensor<8x24x16xbf16>) w2(%w2 : tensor<8x16x24xbf16>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu drop position capacity_factor 1.0
         : tensor<?x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}
