// RUN: moe-opt %s --moe-to-linalg | FileCheck %s

// scoring = sparsemixer (PhiMoE): the top-2 scan reads the logits; one
// reduction over (token, pick, expert) sums exp(l - m) over the experts that
// neither the mask (m - l) / max(|l|, m) > 2 · jitter nor (for the second
// pick) being the first pick removes, m the pick's logit; the weight is
// 1 / that sum (the masked softmax at the pick), 0 for a slot without an
// expert; no normalization, then the scaling.

// CHECK-DAG: #[[LE:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @route_sparsemixer
// CHECK-SAME: (%[[L:.*]]: tensor<?x8xf32>)
// CHECK: %[[IDX:.*]] = scf.for %[[T:arg[0-9]+]] = {{.*}} -> (tensor<?x2xi32>)
// CHECK: scf.for %[[E:arg[0-9]+]] = {{.*}} -> (f32, i32)
// CHECK: tensor.extract %[[L]][%[[T]], %[[E]]] : tensor<?x8xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[LE]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[L]] : tensor<?x8xf32>) outs(%{{.*}} : tensor<?x2xf32>)
// CHECK-NEXT: ^bb0(%[[V:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[ROW:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[SLOT:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[EXP:.*]] = linalg.index 2 : index
// CHECK: %[[PICK:.*]] = tensor.extract %[[IDX]][%[[ROW]], %[[SLOT]]] : tensor<?x2xi32>
// CHECK: %[[M:.*]] = tensor.extract %[[L]][%[[ROW]], %{{.*}}] : tensor<?x8xf32>
// CHECK-NEXT: %[[ABS:.*]] = math.absf %[[V]] : f32
// CHECK-NEXT: %[[FAC:.*]] = arith.maximumf %[[ABS]], %[[M]] : f32
// CHECK-NEXT: %[[GAP:.*]] = arith.subf %[[M]], %[[V]] : f32
// CHECK-NEXT: %[[RATIO:.*]] = arith.divf %[[GAP]], %[[FAC]] : f32
// CHECK-NEXT: %[[THR:.*]] = arith.constant 2.000000e-02 : f32
// CHECK-NEXT: %[[MASKED:.*]] = arith.cmpf ogt, %[[RATIO]], %[[THR]] : f32
// CHECK: %[[FIRST:.*]] = tensor.extract %[[IDX]][%[[ROW]], %{{.*}}] : tensor<?x2xi32>
// CHECK-NEXT: %[[EI:.*]] = arith.index_cast %[[EXP]] : index to i32
// CHECK-NEXT: %[[ISFIRST:.*]] = arith.cmpi eq, %[[EI]], %[[FIRST]] : i32
// CHECK-NEXT: %[[SECOND:.*]] = arith.cmpi ne, %[[SLOT]], %{{.*}} : index
// CHECK-NEXT: %[[TAKEN:.*]] = arith.andi %[[SECOND]], %[[ISFIRST]] : i1
// CHECK-NEXT: %[[DROP:.*]] = arith.ori %[[MASKED]], %[[TAKEN]] : i1
// CHECK-NEXT: %[[SH:.*]] = arith.subf %[[V]], %[[M]] : f32
// CHECK-NEXT: %[[X:.*]] = math.exp %[[SH]] : f32
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[TERM:.*]] = arith.select %[[DROP]], %[[Z]], %[[X]] : f32
// CHECK-NEXT: %[[NEW:.*]] = arith.addf %[[ACC]], %[[TERM]] : f32
// CHECK-NEXT: linalg.yield %[[NEW]] : f32
// CHECK: %[[INV:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<?x2xf32>)
// CHECK: arith.divf
// CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%[[INV]], %[[IDX]] : tensor<?x2xf32>, tensor<?x2xi32>)
// CHECK: arith.cmpi sge
// CHECK: %[[SC:.*]] = linalg.generic {{.*}} ins(%[[W]] : tensor<?x2xf32>)
// CHECK: arith.constant 1.500000e+00 : f32
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: return %[[SC]], %[[IDX]] : tensor<?x2xf32>, tensor<?x2xi32>
func.func @route_sparsemixer(%l: tensor<?x8xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %l <k = 2, scoring = sparsemixer, scaling = 1.5, jitter = 0.01>
      : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}
