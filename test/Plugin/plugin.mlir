// The plugin loads into the stock mlir-opt of the same LLVM version, which
// then parses moe IR and runs our passes.
//
// RUN: mlir-opt %s --load-dialect-plugin=%moe_plugin --load-pass-plugin=%moe_plugin \
// RUN:   --pass-pipeline='builtin.module(func.func(moe-decompose))' | FileCheck %s
// RUN: mlir-opt %s --load-dialect-plugin=%moe_plugin | FileCheck %s --check-prefix=PARSE
// Without the dialect plugin the stock mlir-opt does not know moe ops.
// RUN: not mlir-opt %s --load-pass-plugin=%moe_plugin 2>&1 | FileCheck %s --check-prefix=NODIALECT
// NODIALECT: error: Dialect `moe' not found for custom op 'moe.layer'

// PARSE-LABEL: func.func @layer
// PARSE: moe.layer

// CHECK-LABEL: func.func @layer
// CHECK-NOT: moe.layer
// CHECK: %[[L:.*]] = linalg.matmul
// CHECK: %[[W:.*]], %[[I:.*]] = moe.route %[[L]] <k = 2, scoring = softmax>
// CHECK: moe.dispatch %{{.*}}, %[[I]], %[[W]] experts 4
// CHECK: moe.experts
// CHECK: moe.combine
func.func @layer(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>,
                 %w1: tensor<4x32x16xf32>, %w2: tensor<4x16x32xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 2, scoring = softmax> activation relu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
