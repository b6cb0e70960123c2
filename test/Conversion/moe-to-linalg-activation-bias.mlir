// RUN: moe-opt %s --moe-to-linalg --split-input-file | FileCheck %s

// GPT-OSS experts: swiglu_oai with alpha and limit, biases b1 (f32), b3
// (bf16) and b2. Each group's bias rows are rank-reducing slices read with a
// (d0, d1) -> (d1) map; the gate and up biases are added before the clamps,
// the down bias after the w2 product.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @experts_swiglu_oai_bias
// CHECK-SAME: %[[B1:[a-z0-9]+]]: tensor<4x8xf32>, %[[B3:[a-z0-9]+]]: tensor<4x8xbf16>, %[[B2:[a-z0-9]+]]: tensor<4x16xf32>)
// CHECK: scf.for %[[E:[a-z0-9]+]] =
// CHECK: %[[G:.*]] = linalg.matmul
// CHECK: %[[U:.*]] = linalg.matmul
// CHECK: %[[B1E:.*]] = tensor.extract_slice %[[B1]][%[[E]], 0] [1, 8] [1, 1] : tensor<4x8xf32> to tensor<8xf32>
// CHECK: %[[B3E:.*]] = tensor.extract_slice %[[B3]][%[[E]], 0] [1, 8] [1, 1] : tensor<4x8xbf16> to tensor<8xbf16>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[G]], %[[U]], %[[B1E]], %[[B3E]] :
// CHECK-NEXT: ^bb0(%[[GV:.*]]: f32, %[[UV:.*]]: f32, %[[B1V:.*]]: f32, %[[B3V:.*]]: bf16, %{{.*}}: f32):
// CHECK-NEXT: %[[GB:.*]] = arith.addf %[[GV]], %[[B1V]] : f32
// CHECK-NEXT: %[[B3F:.*]] = arith.extf %[[B3V]] : bf16 to f32
// CHECK-NEXT: %[[UB:.*]] = arith.addf %[[UV]], %[[B3F]] : f32
// CHECK-NEXT: %[[L:.*]] = arith.constant 7.000000e+00 : f32
// CHECK-NEXT: %[[NL:.*]] = arith.constant -7.000000e+00 : f32
// CHECK-NEXT: %[[UMAX:.*]] = arith.maximumf %[[UB]], %[[NL]] : f32
// CHECK-NEXT: %[[UC:.*]] = arith.minimumf %[[UMAX]], %[[L]] : f32
// CHECK-NEXT: %[[GC:.*]] = arith.minimumf %[[GB]], %[[L]] : f32
// CHECK-NEXT: %[[ALPHA:.*]] = arith.constant 1.500000e+00 : f32
// CHECK-NEXT: %[[AG:.*]] = arith.mulf %[[GC]], %[[ALPHA]] : f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[NEG:.*]] = arith.negf %[[AG]] : f32
// CHECK-NEXT: %[[EXP:.*]] = math.exp %[[NEG]] : f32
// CHECK-NEXT: %[[DEN:.*]] = arith.addf %[[ONE]], %[[EXP]] : f32
// CHECK-NEXT: %[[SIG:.*]] = arith.divf %[[ONE]], %[[DEN]] : f32
// CHECK-NEXT: %[[GLU:.*]] = arith.mulf %[[GC]], %[[SIG]] : f32
// CHECK-NEXT: %[[ONE2:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[UP1:.*]] = arith.addf %[[UC]], %[[ONE2]] : f32
// CHECK-NEXT: %[[H:.*]] = arith.mulf %[[UP1]], %[[GLU]] : f32
// CHECK-NEXT: linalg.yield %[[H]] : f32
// CHECK: %[[Y:.*]] = linalg.matmul
// CHECK: %[[B2E:.*]] = tensor.extract_slice %[[B2]][%[[E]], 0] [1, 16] [1, 1] : tensor<4x16xf32> to tensor<16xf32>
// CHECK: %[[YB:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[Y]], %[[B2E]] :
// CHECK: arith.addf
// CHECK: tensor.insert_slice %[[YB]]
func.func @experts_swiglu_oai_bias(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %b1: tensor<4x8xf32>, %b3: tensor<4x8xbf16>, %b2: tensor<4x16xf32>) -> tensor<?x16xf32> {
  %a = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) b1(%b1 : tensor<4x8xf32>) b3(%b3 : tensor<4x8xbf16>) b2(%b2 : tensor<4x16xf32>) activation swiglu_oai alpha 1.5 limit 7.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %a : tensor<?x16xf32>
}

// -----

// HY-V4: silu(min(g, l)) · clamp(u, -l, l).

// CHECK-LABEL: func.func @experts_silu_limit
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[G:.*]]: f32, %[[U:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[L:.*]] = arith.constant 2.500000e+00 : f32
// CHECK-NEXT: %[[NL:.*]] = arith.constant -2.500000e+00 : f32
// CHECK-NEXT: %[[UMAX:.*]] = arith.maximumf %[[U]], %[[NL]] : f32
// CHECK-NEXT: %[[UC:.*]] = arith.minimumf %[[UMAX]], %[[L]] : f32
// CHECK-NEXT: %[[GC:.*]] = arith.minimumf %[[G]], %[[L]] : f32
// CHECK-NEXT: arith.constant 1.000000e+00 : f32
// CHECK-NEXT: arith.negf %[[GC]] : f32
// CHECK-NEXT: math.exp
// CHECK-NEXT: arith.addf
// CHECK-NEXT: %[[SIG:.*]] = arith.divf
// CHECK-NEXT: %[[ACT:.*]] = arith.mulf %[[GC]], %[[SIG]] : f32
// CHECK-NEXT: %[[H:.*]] = arith.mulf %[[ACT]], %[[UC]] : f32
// CHECK-NEXT: linalg.yield %[[H]] : f32
func.func @experts_silu_limit(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  %a = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation silu limit 2.5 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %a : tensor<?x16xf32>
}

// -----

// Bailing hybrid: min(silu(g), l) · clamp(u, -l, l).

// CHECK-LABEL: func.func @experts_silu_limit_after_act
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[G:.*]]: f32, %[[U:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[L:.*]] = arith.constant 2.500000e+00 : f32
// CHECK-NEXT: %[[NL:.*]] = arith.constant -2.500000e+00 : f32
// CHECK-NEXT: %[[UMAX:.*]] = arith.maximumf %[[U]], %[[NL]] : f32
// CHECK-NEXT: %[[UC:.*]] = arith.minimumf %[[UMAX]], %[[L]] : f32
// CHECK-NEXT: arith.constant 1.000000e+00 : f32
// CHECK-NEXT: arith.negf %[[G]] : f32
// CHECK-NEXT: math.exp
// CHECK-NEXT: arith.addf
// CHECK-NEXT: %[[SIG:.*]] = arith.divf
// CHECK-NEXT: %[[ACT:.*]] = arith.mulf %[[G]], %[[SIG]] : f32
// CHECK-NEXT: %[[AC:.*]] = arith.minimumf %[[ACT]], %[[L]] : f32
// CHECK-NEXT: %[[H:.*]] = arith.mulf %[[AC]], %[[UC]] : f32
// CHECK-NEXT: linalg.yield %[[H]] : f32
func.func @experts_silu_limit_after_act(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  %a = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation silu limit 2.5 limit_after_act : tensor<?x16xf32> -> tensor<?x16xf32>
  return %a : tensor<?x16xf32>
}

// -----

// Nemotron-H: ungated relu2, max(g, 0)².

// CHECK-LABEL: func.func @experts_relu2
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[G:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[R:.*]] = arith.maximumf %[[G]], %[[Z]] : f32
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[R]], %[[R]] : f32
// CHECK-NEXT: linalg.yield %[[SQ]] : f32
func.func @experts_relu2(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  %a = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation relu2 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %a : tensor<?x16xf32>
}

// -----

// The fused up projection applies the same gated unit to the two column
// halves of the product.

// CHECK-LABEL: func.func @fused_swiglu_oai
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[G:.*]]: f32, %[[U:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[L:.*]] = arith.constant 7.000000e+00 : f32
// CHECK-NEXT: %[[NL:.*]] = arith.constant -7.000000e+00 : f32
// CHECK-NEXT: %[[UMAX:.*]] = arith.maximumf %[[U]], %[[NL]] : f32
// CHECK-NEXT: %[[UC:.*]] = arith.minimumf %[[UMAX]], %[[L]] : f32
// CHECK-NEXT: %[[GC:.*]] = arith.minimumf %[[G]], %[[L]] : f32
// CHECK-NEXT: %[[ALPHA:.*]] = arith.constant 1.702000e+00 : f32
// CHECK-NEXT: arith.mulf %[[GC]], %[[ALPHA]] : f32
// CHECK: %[[UP1:.*]] = arith.addf %[[UC]], %{{.*}} : f32
// CHECK-NEXT: %[[H:.*]] = arith.mulf %[[UP1]], %{{.*}} : f32
// CHECK-NEXT: linalg.yield %[[H]] : f32
func.func @fused_swiglu_oai(%x: tensor<?x64xf32>, %w: tensor<8x256x64xf32>, %o: tensor<9xi32>) -> tensor<?x128xf32> {
  %h = moe.grouped_matmul_act %x, %w offsets(%o : tensor<9xi32>) activation swiglu_oai gated limit 7.0 : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  return %h : tensor<?x128xf32>
}

// -----

// The fused ops' biases: each group's product gets its bias row (converted
// to f32) in a linalg.generic with a (d0, d1) -> (d1) map before the
// epilogue (the activation, or the weighted scatter-add).

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @fused_bias
// CHECK-SAME: %[[B13:[a-z0-9]+]]: tensor<8x256xbf16>, %{{.*}}: tensor<8x64x128xf32>, %[[B2:[a-z0-9]+]]: tensor<8x64xf32>
// CHECK: scf.for %[[E:[a-z0-9]+]] =
// CHECK: %[[U:.*]] = linalg.matmul
// CHECK: %[[B13E:.*]] = tensor.extract_slice %[[B13]][%[[E]], 0] [1, 256] [1, 1] : tensor<8x256xbf16> to tensor<256xbf16>
// CHECK: %[[UB:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[U]], %[[B13E]] : tensor<?x256xf32>, tensor<256xbf16>)
// CHECK-NEXT: ^bb0(%[[UV:.*]]: f32, %[[BV:.*]]: bf16, %{{.*}}: f32):
// CHECK-NEXT: %[[BF:.*]] = arith.extf %[[BV]] : bf16 to f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[UV]], %[[BF]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: tensor.extract_slice %[[UB]][0, 0]
// CHECK: tensor.extract_slice %[[UB]][0, 128]
// CHECK: scf.for %[[E2:[a-z0-9]+]] =
// CHECK: %[[Y:.*]] = linalg.matmul
// CHECK: %[[B2E:.*]] = tensor.extract_slice %[[B2]][%[[E2]], 0] [1, 64] [1, 1] : tensor<8x64xf32> to tensor<64xf32>
// CHECK: %[[YB:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[Y]], %[[B2E]] : tensor<?x64xf32>, tensor<64xf32>)
// CHECK: scf.for
// CHECK: tensor.extract_slice %[[YB]]
func.func @fused_bias(%x: tensor<?x64xf32>, %w13: tensor<8x256x64xf32>, %o: tensor<9xi32>, %b13: tensor<8x256xbf16>, %w2: tensor<8x64x128xf32>, %b2: tensor<8x64xf32>, %t: tensor<?xi32>, %rw: tensor<?xf32>, %acc: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %h = moe.grouped_matmul_act %x, %w13 offsets(%o : tensor<9xi32>) bias(%b13 : tensor<8x256xbf16>) activation swiglu_oai gated limit 7.0 : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  %out = moe.grouped_matmul_combine %h, %w2 offsets(%o : tensor<9xi32>) bias(%b2 : tensor<8x64xf32>) tokens(%t : tensor<?xi32>) weights(%rw : tensor<?xf32>) into %acc : tensor<?x128xf32>, tensor<8x64x128xf32> -> tensor<?x64xf32>
  return %out : tensor<?x64xf32>
}

// -----

// swiglu_softcap (Inkling2): c_g tanh(g / c_g) · sigmoid(g) · c_u tanh(u / c_u)
// in the fused up projection's epilogue; the sigmoid reads the raw gate.

// CHECK-LABEL: func.func @fused_swiglu_softcap
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[G:.*]]: f32, %[[U:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[CG:.*]] = arith.constant 1.500000e+00 : f32
// CHECK-NEXT: %[[GQ:.*]] = arith.divf %[[G]], %[[CG]] : f32
// CHECK-NEXT: %[[GT:.*]] = math.tanh %[[GQ]] : f32
// CHECK-NEXT: %[[GS:.*]] = arith.mulf %[[GT]], %[[CG]] : f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[NEG:.*]] = arith.negf %[[G]] : f32
// CHECK-NEXT: %[[EXP:.*]] = math.exp %[[NEG]] : f32
// CHECK-NEXT: %[[DEN:.*]] = arith.addf %[[ONE]], %[[EXP]] : f32
// CHECK-NEXT: %[[SIG:.*]] = arith.divf %[[ONE]], %[[DEN]] : f32
// CHECK-NEXT: %[[GLU:.*]] = arith.mulf %[[GS]], %[[SIG]] : f32
// CHECK-NEXT: %[[CU:.*]] = arith.constant 2.500000e+01 : f32
// CHECK-NEXT: %[[UQ:.*]] = arith.divf %[[U]], %[[CU]] : f32
// CHECK-NEXT: %[[UT:.*]] = math.tanh %[[UQ]] : f32
// CHECK-NEXT: %[[US:.*]] = arith.mulf %[[UT]], %[[CU]] : f32
// CHECK-NEXT: %[[H:.*]] = arith.mulf %[[GLU]], %[[US]] : f32
// CHECK-NEXT: linalg.yield %[[H]] : f32
func.func @fused_swiglu_softcap(%x: tensor<?x64xf32>, %w: tensor<8x256x64xf32>, %o: tensor<9xi32>) -> tensor<?x128xf32> {
  %h = moe.grouped_matmul_act %x, %w offsets(%o : tensor<9xi32>) activation swiglu_softcap gated gate_softcap 1.5 : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
  return %h : tensor<?x128xf32>
}

// -----

// moe.experts with swiglu_softcap and a limit: both projections are
// clamped first, then soft-capped.

// CHECK-LABEL: func.func @experts_swiglu_softcap_limit
// CHECK: ^bb0(%[[G:.*]]: f32, %[[U:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[L:.*]] = arith.constant 7.000000e+00 : f32
// CHECK-NEXT: %[[NL:.*]] = arith.constant -7.000000e+00 : f32
// CHECK-NEXT: %[[UMAX:.*]] = arith.maximumf %[[U]], %[[NL]] : f32
// CHECK-NEXT: %[[UC:.*]] = arith.minimumf %[[UMAX]], %[[L]] : f32
// CHECK-NEXT: %[[GC:.*]] = arith.minimumf %[[G]], %[[L]] : f32
// CHECK-NEXT: %[[CG:.*]] = arith.constant 4.000000e+00 : f32
// CHECK-NEXT: arith.divf %[[GC]], %[[CG]] : f32
// CHECK: arith.negf %[[GC]] : f32
// CHECK: %[[CU:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-NEXT: arith.divf %[[UC]], %[[CU]] : f32
func.func @experts_swiglu_softcap_limit(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w3: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>) -> tensor<?x16xf32> {
  %a = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w3(%w3 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) activation swiglu_softcap limit 7.0 up_softcap 2.0 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %a : tensor<?x16xf32>
}
