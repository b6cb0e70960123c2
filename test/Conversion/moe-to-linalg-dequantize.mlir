// moe-to-linalg of moe.dequantize (DequantizeToLinalg.cpp): one
// elementwise linalg.generic that reads each element's block scale (and
// zero point) through floordiv indexing maps and carries the block in
// `moe.dequantize_block`; the fp8 e4m3fn decode uses integer operations.
// As the weights of moe.experts, each expert's matrix is dequantized from
// its own slices of q and the scales inside the loop over experts: no
// generic dequantizes all experts.
//
// RUN: moe-opt %s --moe-to-linalg --canonicalize --cse | FileCheck %s

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[GROUPS:.*]] = affine_map<(d0, d1) -> (d0, d1 floordiv 32)>
// CHECK-DAG: #[[BLOCKS:.*]] = affine_map<(d0, d1) -> (d0 floordiv 128, d1 floordiv 128)>
// CHECK-DAG: #[[BYTE:.*]] = affine_map<(d0, d1) -> (d0, d1 floordiv 2)>

// CHECK-LABEL: func.func @int8_zero_points
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[GROUPS]], #[[GROUPS]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME:      ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<8x64xi8>, tensor<8x2xbf16>, tensor<8x2xi8>)
// CHECK-SAME:      moe.dequantize_block = array<i64: 1, 32>
// CHECK:         ^bb0(%[[Q:.*]]: i8, %[[S:.*]]: bf16, %[[Z:.*]]: i8, %{{.*}}: f32):
// CHECK:           %[[SF:.*]] = arith.extf %[[S]] : bf16 to f32
// CHECK-DAG:       %[[QW:.*]] = arith.extsi %[[Q]] : i8 to i32
// CHECK-DAG:       %[[ZW:.*]] = arith.extsi %[[Z]] : i8 to i32
// CHECK:           %[[D:.*]] = arith.subi %[[QW]], %[[ZW]] : i32
// CHECK:           %[[F:.*]] = arith.sitofp %[[D]] : i32 to f32
// CHECK:           %[[V:.*]] = arith.mulf %[[F]], %[[SF]] : f32
// CHECK:           linalg.yield %[[V]] : f32
func.func @int8_zero_points(%q: tensor<8x64xi8>, %s: tensor<8x2xbf16>, %z: tensor<8x2xi8>) -> tensor<8x64xf32> {
  %w = moe.dequantize %q scales(%s : tensor<8x2xbf16>) zero_points(%z : tensor<8x2xi8>) block [1, 32] : tensor<8x64xi8> -> tensor<8x64xf32>
  return %w : tensor<8x64xf32>
}

// fp8: the magnitude bits moved to f32's exponent and mantissa (<< 20)
// plus the exponent bias difference 120 << 23 (1006632960) for normal
// values; the mantissa times 2^-9 for subnormal ones (magnitude <= 7); NaN
// for 0x7F; the sign bit moved to bit 31; times the block's scale, rounded
// to bf16.
// CHECK-LABEL: func.func @fp8_bf16
// CHECK-DAG:     %[[C127:.*]] = arith.constant 127 : i32
// CHECK-DAG:     %[[C20:.*]] = arith.constant 20 : i32
// CHECK-DAG:     %[[BIAS:.*]] = arith.constant 1006632960 : i32
// CHECK-DAG:     %[[C7:.*]] = arith.constant 7 : i32
// CHECK-DAG:     %[[SUB:.*]] = arith.constant 0.001953125 : f32
// CHECK-DAG:     %[[C128:.*]] = arith.constant 128 : i32
// CHECK-DAG:     %[[C24:.*]] = arith.constant 24 : i32
// CHECK-DAG:     %[[NAN:.*]] = arith.constant 0x7FC00000 : f32
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[BLOCKS]], #[[ID]]]
// CHECK-SAME:      moe.dequantize_block = array<i64: 128, 128>
// CHECK:         ^bb0(%[[Q:.*]]: f8E4M3FN, %[[S:.*]]: f32, %{{.*}}: bf16):
// CHECK:           %[[B:.*]] = arith.bitcast %[[Q]] : f8E4M3FN to i8
// CHECK:           %[[W:.*]] = arith.extui %[[B]] : i8 to i32
// CHECK:           %[[M:.*]] = arith.andi %[[W]], %[[C127]] : i32
// CHECK:           %[[SH:.*]] = arith.shli %[[M]], %[[C20]] : i32
// CHECK:           %[[NB:.*]] = arith.addi %[[SH]], %[[BIAS]] : i32
// CHECK:           %[[NORMAL:.*]] = arith.bitcast %[[NB]] : i32 to f32
// CHECK:           %[[MANT:.*]] = arith.andi %[[M]], %[[C7]] : i32
// CHECK:           %[[MF:.*]] = arith.sitofp %[[MANT]] : i32 to f32
// CHECK:           %[[SUBN:.*]] = arith.mulf %[[MF]], %[[SUB]] : f32
// CHECK:           %[[ISSUB:.*]] = arith.cmpi ule, %[[M]], %[[C7]] : i32
// CHECK:           %[[A:.*]] = arith.select %[[ISSUB]], %[[SUBN]], %[[NORMAL]] : f32
// CHECK:           %[[ISNAN:.*]] = arith.cmpi eq, %[[M]], %[[C127]] : i32
// CHECK:           %[[SEL:.*]] = arith.select %[[ISNAN]], %[[NAN]], %[[A]] : f32
// CHECK:           %[[SB:.*]] = arith.andi %[[W]], %[[C128]] : i32
// CHECK:           %[[SIGN:.*]] = arith.shli %[[SB]], %[[C24]] : i32
// CHECK:           %[[SI:.*]] = arith.bitcast %[[SEL]] : f32 to i32
// CHECK:           %[[OR:.*]] = arith.ori %[[SI]], %[[SIGN]] : i32
// CHECK:           %[[VAL:.*]] = arith.bitcast %[[OR]] : i32 to f32
// CHECK:           %[[PROD:.*]] = arith.mulf %[[VAL]], %[[S]] : f32
// CHECK:           %[[R:.*]] = arith.truncf %[[PROD]] : f32 to bf16
// CHECK:           linalg.yield %[[R]] : bf16
func.func @fp8_bf16(%q: tensor<300x200xf8E4M3FN>, %s: tensor<3x2xf32>) -> tensor<300x200xbf16> {
  %w = moe.dequantize %q scales(%s : tensor<3x2xf32>) block [128, 128] : tensor<300x200xf8E4M3FN> -> tensor<300x200xbf16>
  return %w : tensor<300x200xbf16>
}

// CHECK-LABEL: func.func @experts
// CHECK-NOT:     linalg.generic
// CHECK:         scf.for %[[E:.*]] = %{{.*}} to %{{.*}} step
// CHECK:           %[[Q1:.*]] = tensor.extract_slice %{{.*}}[%[[E]], 0, 0] [1, 8, 16] [1, 1, 1] : tensor<4x8x16xi8> to tensor<8x16xi8>
// CHECK:           %[[S1:.*]] = tensor.extract_slice %{{.*}}[%[[E]], 0, 0] [1, 8, 1] [1, 1, 1] : tensor<4x8x1xf32> to tensor<8x1xf32>
// CHECK:           %[[W1:.*]] = linalg.generic {{.*}} ins(%[[Q1]], %[[S1]] : tensor<8x16xi8>, tensor<8x1xf32>) {{.*}}moe.dequantize_block = array<i64: 1, 16>
// CHECK:           linalg.matmul {{.*}} ins(%{{.*}}, %[[W1]] : tensor<?x16xf32>, tensor<8x16xf32>)
// CHECK:           %[[Q2:.*]] = tensor.extract_slice %{{.*}}[%[[E]], 0, 0] [1, 16, 8] [1, 1, 1] : tensor<4x16x8xf8E4M3FN> to tensor<16x8xf8E4M3FN>
// CHECK:           %[[W2:.*]] = linalg.generic {{.*}} ins(%[[Q2]], %{{.*}} : tensor<16x8xf8E4M3FN>, tensor<1x1xf32>) {{.*}}moe.dequantize_block = array<i64: 128, 128>
// CHECK:           linalg.matmul {{.*}} ins(%{{.*}}, %[[W2]] : tensor<?x8xf32>, tensor<16x8xbf16>)
func.func @experts(%rows: tensor<?x16xf32>, %off: tensor<5xi32>, %q1: tensor<4x8x16xi8>, %s1: tensor<4x8x1xf32>, %q2: tensor<4x16x8xf8E4M3FN>, %s2: tensor<4x1x1xf32>) -> tensor<?x16xf32> {
  %w1 = moe.dequantize %q1 scales(%s1 : tensor<4x8x1xf32>) block [1, 16] : tensor<4x8x16xi8> -> tensor<4x8x16xf32>
  %w2 = moe.dequantize %q2 scales(%s2 : tensor<4x1x1xf32>) block [128, 128] : tensor<4x16x8xf8E4M3FN> -> tensor<4x16x8xbf16>
  %y = moe.experts %rows offsets(%off : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xbf16>) activation relu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// Packed 4-bit values: the generic runs over the result [N, K] and reads
// byte k / 2, taking its high nibble for odd k (linalg.index).

// int4: the nibble minus 8.
// CHECK-LABEL: func.func @int4
// CHECK:         linalg.generic {indexing_maps = [#[[BYTE]], #[[GROUPS]], #[[ID]]]
// CHECK-SAME:      ins(%{{.*}}, %{{.*}} : tensor<8x16xi8>, tensor<8x1xf32>) outs(%{{.*}} : tensor<8x32xf32>)
// CHECK-SAME:      moe.dequantize_packed = #moe<packed_format int4>
// CHECK:         ^bb0(%[[B:.*]]: i8, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK:           %[[K:.*]] = linalg.index 1 : index
// CHECK:           %[[LO:.*]] = arith.andi %[[B]], %c15_i8 : i8
// CHECK:           %[[HI:.*]] = arith.shrui %[[B]], %c4_i8 : i8
// CHECK:           %[[PAR:.*]] = arith.andi %[[K]], %c1 : index
// CHECK:           %[[ODD:.*]] = arith.cmpi ne, %[[PAR]], %c0 : index
// CHECK:           %[[U:.*]] = arith.select %[[ODD]], %[[HI]], %[[LO]] : i8
// CHECK:           %[[UW:.*]] = arith.extui %[[U]] : i8 to i32
// CHECK:           %[[V:.*]] = arith.subi %[[UW]], %c8_i32 : i32
// CHECK:           %[[F:.*]] = arith.sitofp %[[V]] : i32 to f32
// CHECK:           arith.mulf %[[F]], %[[S]] : f32
func.func @int4(%q: tensor<8x16xi8>, %s: tensor<8x1xf32>) -> tensor<8x32xf32> {
  %w = moe.dequantize %q packed int4 scales(%s : tensor<8x1xf32>) block [1, 32] : tensor<8x16xi8> -> tensor<8x32xf32>
  return %w : tensor<8x32xf32>
}

// int4 with f16 scales (a compressed-tensors checkpoint of an f16 model):
// the scale extends to f32 exactly.
// CHECK-LABEL: func.func @int4_f16_scales
// CHECK:         ^bb0(%{{.*}}: i8, %[[S:.*]]: f16, %{{.*}}: f32):
// CHECK:           %[[SF:.*]] = arith.extf %[[S]] : f16 to f32
// CHECK:           arith.mulf %{{.*}}, %[[SF]] : f32
func.func @int4_f16_scales(%q: tensor<8x16xi8>, %s: tensor<8x1xf16>) -> tensor<8x32xf32> {
  %w = moe.dequantize %q packed int4 scales(%s : tensor<8x1xf16>) block [1, 32] : tensor<8x16xi8> -> tensor<8x32xf32>
  return %w : tensor<8x32xf32>
}

// mxfp4: the e8m0 scale e << 23, 2^-127 (0x400000) for e = 0, NaN for
// e = 255; the e2m1 magnitude bits << 22 plus the bias difference 126 << 23
// (1056964608) for normal values, the mantissa times 0.5 for subnormal ones
// (magnitude <= 1), the sign from bit 3.
// CHECK-LABEL: func.func @mxfp4
// CHECK:         linalg.generic {indexing_maps = [#[[BYTE]], #[[GROUPS]], #[[ID]]]
// CHECK-SAME:      moe.dequantize_packed = #moe<packed_format e2m1>
// CHECK:         ^bb0(%{{.*}}: i8, %[[E:.*]]: f8E8M0FNU, %{{.*}}: bf16):
// CHECK:           %[[U:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : i8
// CHECK:           %[[EB:.*]] = arith.bitcast %[[E]] : f8E8M0FNU to i8
// CHECK:           %[[EW:.*]] = arith.extui %[[EB]] : i8 to i32
// CHECK:           %[[EN:.*]] = arith.shli %[[EW]], %c23_i32 : i32
// CHECK:           %[[EZ:.*]] = arith.cmpi eq, %[[EW]], %c0_i32 : i32
// CHECK:           %[[ES:.*]] = arith.select %[[EZ]], %c4194304_i32, %[[EN]] : i32
// CHECK:           %[[EF:.*]] = arith.bitcast %[[ES]] : i32 to f32
// CHECK:           %[[ENAN:.*]] = arith.cmpi eq, %[[EW]], %c255_i32 : i32
// CHECK:           %[[SC:.*]] = arith.select %[[ENAN]], %{{.*}}, %[[EF]] : f32
// CHECK:           %[[UW:.*]] = arith.extui %[[U]] : i8 to i32
// CHECK:           %[[M:.*]] = arith.andi %[[UW]], %c7_i32 : i32
// CHECK:           %[[SH:.*]] = arith.shli %[[M]], %c22_i32 : i32
// CHECK:           %[[NB:.*]] = arith.addi %[[SH]], %c1056964608_i32 : i32
// CHECK:           %[[NORMAL:.*]] = arith.bitcast %[[NB]] : i32 to f32
// CHECK:           %[[MANT:.*]] = arith.andi %[[M]], %c1_i32 : i32
// CHECK:           %[[MF:.*]] = arith.sitofp %[[MANT]] : i32 to f32
// CHECK:           %[[SUBN:.*]] = arith.mulf %[[MF]], %{{.*}} : f32
// CHECK:           %[[ISSUB:.*]] = arith.cmpi ule, %[[M]], %c1_i32 : i32
// CHECK:           %[[A:.*]] = arith.select %[[ISSUB]], %[[SUBN]], %[[NORMAL]] : f32
// CHECK:           %[[SB:.*]] = arith.andi %[[UW]], %c8_i32 : i32
// CHECK:           arith.shli %[[SB]], %c28_i32 : i32
// CHECK:           %[[V:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK:           %[[P:.*]] = arith.mulf %[[V]], %[[SC]] : f32
// CHECK:           arith.truncf %[[P]] : f32 to bf16
func.func @mxfp4(%q: tensor<8x16xi8>, %e: tensor<8x1xf8E8M0FNU>) -> tensor<8x32xbf16> {
  %w = moe.dequantize %q packed e2m1 scales(%e : tensor<8x1xf8E8M0FNU>) block [1, 32] : tensor<8x16xi8> -> tensor<8x32xbf16>
  return %w : tensor<8x32xbf16>
}
