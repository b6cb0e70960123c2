// RUN: moe-opt %s --moe-to-linalg --split-input-file | FileCheck %s

// moe.rms_norm: the sum of squares of every row (a reduction over D in f32),
// then x · rsqrt(sum / D + eps) · weight in f32, rounded once to bf16.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @rms_norm
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x16xbf16>, %[[W:[a-z0-9]+]]: tensor<16xf32>)
// CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<?xf32>
// CHECK: %[[SS:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<?x16xbf16>) outs(%[[ZERO]] : tensor<?xf32>)
// CHECK-NEXT: ^bb0(%[[V:.*]]: bf16, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[VF:.*]] = arith.extf %[[V]] : bf16 to f32
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[VF]], %[[VF]] : f32
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[ACC]], %[[SQ]] : f32
// CHECK-NEXT: linalg.yield %[[SUM]] : f32
// CHECK: %[[D:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: %[[EPS:.*]] = arith.constant 9.99999997E-7 : f32
// CHECK: %[[N:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[COL]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[SS]], %[[W]] : tensor<?x16xbf16>, tensor<?xf32>, tensor<16xf32>) outs(%{{.*}} : tensor<?x16xf32>)
// CHECK-NEXT: ^bb0(%[[XV:.*]]: bf16, %[[SV:.*]]: f32, %[[WV:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[XF:.*]] = arith.extf %[[XV]] : bf16 to f32
// CHECK-NEXT: %[[MEAN:.*]] = arith.divf %[[SV]], %[[D]] : f32
// CHECK-NEXT: %[[SH:.*]] = arith.addf %[[MEAN]], %[[EPS]] : f32
// CHECK-NEXT: %[[INV:.*]] = math.rsqrt %[[SH]] : f32
// CHECK-NEXT: %[[XN:.*]] = arith.mulf %[[XF]], %[[INV]] : f32
// CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[XN]], %[[WV]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[N]] : tensor<?x16xf32>) outs(%{{.*}} : tensor<?x16xbf16>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.truncf %{{.*}} : f32 to bf16
func.func @rms_norm(%x: tensor<?x16xbf16>, %w: tensor<16xf32>) -> tensor<?x16xbf16> {
  %y = moe.rms_norm %x weight(%w : tensor<16xf32>) eps 1.0e-06 : tensor<?x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

// moe.experts with out_norm: each group's output rows (after w2) are
// normalized with the group's weight row before they are written back.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @experts_out_norm
// CHECK-SAME: %[[NW:[a-z0-9]+]]: tensor<4x16xf32>)
// CHECK: scf.for %[[E:[a-z0-9]+]] =
// CHECK: %[[Y:.*]] = linalg.matmul {{.*}} -> tensor<?x16xf32>
// CHECK: %[[NE:.*]] = tensor.extract_slice %[[NW]][%[[E]], 0] [1, 16] [1, 1] : tensor<4x16xf32> to tensor<16xf32>
// CHECK: %[[SS:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[Y]] : tensor<?x16xf32>)
// CHECK: %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK: %[[N:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[COL]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[Y]], %[[SS]], %[[NE]] :
// CHECK: math.rsqrt
// CHECK: tensor.insert_slice %[[N]] into
func.func @experts_out_norm(%r: tensor<?x16xf32>, %o: tensor<5xi32>, %w1: tensor<4x8x16xf32>, %w2: tensor<4x16x8xf32>, %n: tensor<4x16xf32>) -> tensor<?x16xf32> {
  %y = moe.experts %r offsets(%o : tensor<5xi32>) w1(%w1 : tensor<4x8x16xf32>) w2(%w2 : tensor<4x16x8xf32>) out_norm(%n : tensor<4x16xf32>) activation relu2 rms_norm_eps 1.0e-05 : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
