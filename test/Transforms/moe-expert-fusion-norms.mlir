// RUN: moe-opt %s --moe-decompose --moe-expert-fusion | FileCheck %s
// RUN: moe-opt %s --moe-decompose --moe-expert-fusion='remarks=true' -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK

// The fused ops have no output norm: the routed experts with out_norm stay
// moe.experts, and the shared expert with one is not folded into them (it
// stays a moe.experts too, both with their norms).

// CHECK-LABEL: func.func @ergo
// CHECK-NOT: moe.grouped_matmul
// CHECK: moe.experts {{.*}} out_norm(%{{.*}} : tensor<4x16xf32>)
// CHECK: moe.experts {{.*}} out_norm(%{{.*}} : tensor<1x16xf32>)
// CHECK: moe.combine
// CHECK-NOT: moe.grouped_matmul
// REMARK-COUNT-2: remark: moe-expert-fusion: left moe.experts unfused: the fused ops have no output norm (out_norm)
func.func @ergo(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %w2: tensor<4x16x8xf32>, %s1: tensor<8x16xf32>, %s2: tensor<16x8xf32>, %en: tensor<4x16xf32>, %sn: tensor<16xf32>) -> tensor<?x16xf32> {
  %w1 = arith.constant dense<1.0> : tensor<4x8x16xf32>
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) shared_w1(%s1 : tensor<8x16xf32>) shared_w2(%s2 : tensor<16x8xf32>) expert_norm(%en : tensor<4x16xf32>) shared_norm(%sn : tensor<16xf32>) routing #moe.routing<k = 1, scoring = sigmoid> activation relu2 rms_norm_eps 1.0e-05 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
