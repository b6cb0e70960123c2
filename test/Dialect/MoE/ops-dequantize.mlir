// Round trip of moe.dequantize (int8 per channel and in groups with zero
// points, fp8 with 128 x 128 block scales) and of a layer on its results, in
// custom and generic form.
//
// RUN: moe-opt %s | moe-opt | FileCheck %s
// RUN: moe-opt %s --mlir-print-op-generic | moe-opt | FileCheck %s

// CHECK-LABEL: func.func @int8_per_channel
// CHECK:         moe.dequantize %{{.*}} scales(%{{.*}} : tensor<8x128x1xf32>) block [1, 64] : tensor<8x128x64xi8> -> tensor<8x128x64xf32>
func.func @int8_per_channel(%q: tensor<8x128x64xi8>, %s: tensor<8x128x1xf32>) -> tensor<8x128x64xf32> {
  %w = moe.dequantize %q scales(%s : tensor<8x128x1xf32>) block [1, 64] : tensor<8x128x64xi8> -> tensor<8x128x64xf32>
  return %w : tensor<8x128x64xf32>
}

// CHECK-LABEL: func.func @int8_groups_zero_points
// CHECK:         moe.dequantize %{{.*}} scales(%{{.*}} : tensor<8x128x2xbf16>) zero_points(%{{.*}} : tensor<8x128x2xi8>) block [1, 32] : tensor<8x128x64xi8> -> tensor<8x128x64xbf16>
func.func @int8_groups_zero_points(%q: tensor<8x128x64xi8>, %s: tensor<8x128x2xbf16>, %z: tensor<8x128x2xi8>) -> tensor<8x128x64xbf16> {
  %w = moe.dequantize %q scales(%s : tensor<8x128x2xbf16>) zero_points(%z : tensor<8x128x2xi8>) block [1, 32] : tensor<8x128x64xi8> -> tensor<8x128x64xbf16>
  return %w : tensor<8x128x64xbf16>
}

// Blocks that do not divide the matrix: the last ones are partial.
// CHECK-LABEL: func.func @fp8_blocks
// CHECK:         moe.dequantize %{{.*}} scales(%{{.*}} : tensor<4x3x2xf32>) block [128, 128] : tensor<4x300x200xf8E4M3FN> -> tensor<4x300x200xf32>
// CHECK:         moe.dequantize %{{.*}} scales(%{{.*}} : tensor<3x2xf32>) block [128, 128] : tensor<300x200xf8E4M3FN> -> tensor<300x200xf32>
func.func @fp8_blocks(%q: tensor<4x300x200xf8E4M3FN>, %s: tensor<4x3x2xf32>, %q2: tensor<300x200xf8E4M3FN>, %s2: tensor<3x2xf32>) -> (tensor<4x300x200xf32>, tensor<300x200xf32>) {
  %w = moe.dequantize %q scales(%s : tensor<4x3x2xf32>) block [128, 128] : tensor<4x300x200xf8E4M3FN> -> tensor<4x300x200xf32>
  %m = moe.dequantize %q2 scales(%s2 : tensor<3x2xf32>) block [128, 128] : tensor<300x200xf8E4M3FN> -> tensor<300x200xf32>
  return %w, %m : tensor<4x300x200xf32>, tensor<300x200xf32>
}

// f16 scales (compressed-tensors checkpoints of f16 models).
// CHECK-LABEL: func.func @f16_scales
// CHECK:         moe.dequantize %{{.*}} packed int4 scales(%{{.*}} : tensor<8x128x2xf16>) block [1, 32] : tensor<8x128x32xi8> -> tensor<8x128x64xf32>
func.func @f16_scales(%q: tensor<8x128x32xi8>, %s: tensor<8x128x2xf16>) -> tensor<8x128x64xf32> {
  %w = moe.dequantize %q packed int4 scales(%s : tensor<8x128x2xf16>) block [1, 32] : tensor<8x128x32xi8> -> tensor<8x128x64xf32>
  return %w : tensor<8x128x64xf32>
}

// CHECK-LABEL: func.func @dynamic
// CHECK:         moe.dequantize %{{.*}} scales(%{{.*}} : tensor<?x?x?xf32>) block [1, 32] : tensor<?x?x?xi8> -> tensor<?x?x?xf32>
func.func @dynamic(%q: tensor<?x?x?xi8>, %s: tensor<?x?x?xf32>) -> tensor<?x?x?xf32> {
  %w = moe.dequantize %q scales(%s : tensor<?x?x?xf32>) block [1, 32] : tensor<?x?x?xi8> -> tensor<?x?x?xf32>
  return %w : tensor<?x?x?xf32>
}

// A layer whose routed experts are int8.
// CHECK-LABEL: func.func @layer
// CHECK-COUNT-3: moe.dequantize
// CHECK:         moe.layer %{{.*}} router(%{{.*}} : tensor<4x16xf32>) w1(%{{.*}} : tensor<4x8x16xf32>) w3(%{{.*}} : tensor<4x8x16xf32>) w2(%{{.*}} : tensor<4x16x8xf32>)
func.func @layer(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>, %q1: tensor<4x8x16xi8>, %s1: tensor<4x8x1xf32>, %q3: tensor<4x8x16xi8>, %s3: tensor<4x8x1xf32>, %q2: tensor<4x16x8xi8>, %s2: tensor<4x16x1xf32>) -> tensor<?x16xf32> {
  %w1 = moe.dequantize %q1 scales(%s1 : tensor<4x8x1xf32>) block [1, 16] : tensor<4x8x16xi8> -> tensor<4x8x16xf32>
  %w3 = moe.dequantize %q3 scales(%s3 : tensor<4x8x1xf32>) block [1, 16] : tensor<4x8x16xi8> -> tensor<4x8x16xf32>
  %w2 = moe.dequantize %q2 scales(%s2 : tensor<4x16x1xf32>) block [1, 8] : tensor<4x16x8xi8> -> tensor<4x16x8xf32>
  %y = moe.layer %x router(%wg : tensor<4x16xf32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) routing #moe.routing<k = 2, scoring = softmax, normalize = true> activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// 4-bit values two per byte: int4 in groups of 32 with zero points, and
// mxfp4 (e2m1 with one e8m0 scale per 32).
// CHECK-LABEL: func.func @packed
// CHECK:         moe.dequantize %{{.*}} packed int4 scales(%{{.*}} : tensor<8x128x2xbf16>) zero_points(%{{.*}} : tensor<8x128x2xi8>) block [1, 32] : tensor<8x128x32xi8> -> tensor<8x128x64xf32>
// CHECK:         moe.dequantize %{{.*}} packed e2m1 scales(%{{.*}} : tensor<8x128x2xf8E8M0FNU>) block [1, 32] : tensor<8x128x32xi8> -> tensor<8x128x64xbf16>
func.func @packed(%q: tensor<8x128x32xi8>, %s: tensor<8x128x2xbf16>, %z: tensor<8x128x2xi8>, %e: tensor<8x128x2xf8E8M0FNU>) -> (tensor<8x128x64xf32>, tensor<8x128x64xbf16>) {
  %a = moe.dequantize %q packed int4 scales(%s : tensor<8x128x2xbf16>) zero_points(%z : tensor<8x128x2xi8>) block [1, 32] : tensor<8x128x32xi8> -> tensor<8x128x64xf32>
  %b = moe.dequantize %q packed e2m1 scales(%e : tensor<8x128x2xf8E8M0FNU>) block [1, 32] : tensor<8x128x32xi8> -> tensor<8x128x64xbf16>
  return %a, %b : tensor<8x128x64xf32>, tensor<8x128x64xbf16>
}
