// RUN: moe-opt %s --moe-decompose --moe-expert-fusion='pack-argument-weights=true' | FileCheck %s
// RUN: moe-opt %s --moe-decompose --moe-expert-fusion='remarks=true pack-argument-weights=true' -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK

// Dequantized gated weights are not packed into w1 || w3, even with
// pack-argument-weights: the packed tensor would be the float weights, which
// the CPU kernels otherwise never hold (they dequantize each expert's q
// inside their tiles).

// CHECK-LABEL: func.func @gated_int8
// CHECK-NOT: tensor.concat
// CHECK-NOT: moe.grouped_matmul
// CHECK: moe.experts
// CHECK-NOT: moe.grouped_matmul
// REMARK: remark: moe-expert-fusion: left moe.experts unfused: w1 and w3 are dequantized (moe.dequantize), and packing them would hold the float weights
func.func @gated_int8(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %q1: tensor<4x8x16xi8>, %s1: tensor<4x8x1xf32>, %q3: tensor<4x8x16xi8>, %s3: tensor<4x8x1xf32>, %q2: tensor<4x16x8xi8>, %s2: tensor<4x16x1xf32>) -> tensor<?x16xf32> {
  %w1 = moe.dequantize %q1 scales(%s1 : tensor<4x8x1xf32>) block [1, 16] : tensor<4x8x16xi8> -> tensor<4x8x16xf32>
  %w3 = moe.dequantize %q3 scales(%s3 : tensor<4x8x1xf32>) block [1, 16] : tensor<4x8x16xi8> -> tensor<4x8x16xf32>
  %w2 = moe.dequantize %q2 scales(%s2 : tensor<4x16x1xf32>) block [1, 8] : tensor<4x16x8xi8> -> tensor<4x16x8xf32>
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 2, scoring = softmax, normalize = true> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
