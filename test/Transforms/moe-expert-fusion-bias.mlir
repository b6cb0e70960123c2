// RUN: moe-opt %s --split-input-file --moe-expert-fusion | FileCheck %s
// RUN: moe-opt %s --split-input-file --moe-expert-fusion='pack-argument-weights=false remarks=true' -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
//
// Expert biases in moe-expert-fusion: b1‖b3 becomes the bias of
// moe.grouped_matmul_act (a missing half is zeros), b2 the bias of
// moe.grouped_matmul_combine; the activation parameters move with them.
// With b2 and no combine to fuse, or argument biases that may not be
// packed, the experts stay unfused.

// CHECK-LABEL: func.func @gate_bias_only
// CHECK-SAME: %[[B1:[a-z0-9]+]]: tensor<4x8xf32>, %[[B2:[a-z0-9]+]]: tensor<4x16xf32>
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<4x8xf32>
// CHECK: %[[B13:.*]] = tensor.concat dim(1) %[[B1]], %[[ZERO]] : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x16xf32>
// CHECK: %[[H:.*]] = moe.grouped_matmul_act %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<5xi32>) bias(%[[B13]] : tensor<4x16xf32>) activation swiglu_oai gated alpha 1.500000e+00 limit 7.000000e+00 : tensor<?x16xf32>, tensor<4x16x16xf32> -> tensor<?x8xf32>
// CHECK: moe.grouped_matmul_combine %[[H]], %{{.*}} offsets(%{{.*}} : tensor<5xi32>) bias(%[[B2]] : tensor<4x16xf32>) tokens
// REMARK: remark: moe-expert-fusion: left moe.experts unfused: its down-projection bias b2 needs the combine fused in (moe.grouped_matmul takes no bias)
func.func @gate_bias_only(%x: tensor<?x16xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %b1: tensor<4x8xf32>, %b2: tensor<4x16xf32>, %acc: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %rows, %offsets, %tok, %rw = moe.dispatch %x, %i, %w experts 4 : tensor<?x16xf32>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  %y = moe.experts %rows offsets(%offsets : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b1(%b1 : tensor<4x8xf32>) b2(%b2 : tensor<4x16xf32>) activation swiglu_oai alpha 1.5 limit 7.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  %out = moe.combine %y tokens(%tok : tensor<?xi32>) weights(%rw : tensor<?xf32>) into %acc : tensor<?x16xf32> -> tensor<?x16xf32>
  return %out : tensor<?x16xf32>
}

// -----

// Ungated experts: b1 is the bias as it is (nothing to pack), so they fuse
// even without pack-argument-weights.

// CHECK-LABEL: func.func @ungated_bias
// CHECK-SAME: %[[B1:[a-z0-9]+]]: tensor<4x8xf32>
// CHECK: moe.grouped_matmul_act %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<5xi32>) bias(%[[B1]] : tensor<4x8xf32>) activation relu2 : tensor<?x16xf32>, tensor<4x8x16xf32> -> tensor<?x8xf32>
// CHECK: moe.grouped_matmul %{{.*}}
// REMARK: remark: moe-expert-fusion: fused the up projection into moe.grouped_matmul_act
func.func @ungated_bias(%rows: tensor<?x16xf32>, %offsets: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %b1: tensor<4x8xf32>) -> tensor<?x16xf32> {
  %y = moe.experts %rows offsets(%offsets : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b1(%b1 : tensor<4x8xf32>) activation relu2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// b2 without a combine to fuse: moe.grouped_matmul takes no bias.

// CHECK-LABEL: func.func @down_bias_unfused
// CHECK: moe.experts %{{.*}} b2(%{{.*}} : tensor<4x16xf32>) activation relu2
// REMARK: remark: moe-expert-fusion: left moe.experts unfused: its down-projection bias b2 needs the combine fused in (moe.grouped_matmul takes no bias)
func.func @down_bias_unfused(%rows: tensor<?x16xf32>, %offsets: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %b2: tensor<4x16xf32>) -> tensor<?x16xf32> {
  %y = moe.experts %rows offsets(%offsets : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b2(%b2 : tensor<4x16xf32>) activation relu2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Constant weights but argument biases: b1‖b3 would be packed on every
// call, so without pack-argument-weights the experts stay unfused.

// CHECK-LABEL: func.func @argument_biases
// CHECK: %[[B13:.*]] = tensor.concat dim(1)
// CHECK: moe.grouped_matmul_act %{{.*}} bias(%[[B13]] : tensor<4x16xf32>) activation silu gated limit 2.000000e+00 limit_after_act
// REMARK: remark: moe-expert-fusion: left moe.experts unfused: b1 and b3 have different element types, or are not constants and would be packed on every call
func.func @argument_biases(%rows: tensor<?x16xf32>, %offsets: tensor<5xi32>, %b1: tensor<4x8xf32>, %b3: tensor<4x8xf32>) -> tensor<?x16xf32> {
  %w1 = arith.constant dense<0.5> : tensor<4x8x16xf32>
  %w3 = arith.constant dense<0.25> : tensor<4x8x16xf32>
  %w2 = arith.constant dense<0.125> : tensor<4x16x8xf32>
  %y = moe.experts %rows offsets(%offsets : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b1(%b1 : tensor<4x8xf32>) b3(%b3 : tensor<4x8xf32>) activation silu limit 2.0 limit_after_act : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
