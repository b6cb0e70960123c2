// RUN: moe-opt %s --moe-to-linalg --split-input-file | FileCheck %s

// Softmax top-2, renormalized: softmax with max subtraction, a scalar top-k
// scan with strict `>` (ties to the lower expert) that starts after the
// previous pick, the weights gathered from the scores and divided by their
// sum, with no epsilon and no scaling.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @route_softmax
// CHECK-SAME: (%[[L:.*]]: tensor<6x8xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[L]] : tensor<6x8xf32>)
// CHECK: arith.maximumf
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%[[L]], %[[MAX]] : tensor<6x8xf32>, tensor<6xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[EXP]] : tensor<6x8xf32>)
// CHECK: arith.addf
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]] :
// CHECK: arith.divf
// CHECK: %[[NONE:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%{{.*}} : tensor<6x2xi32>)
// CHECK: %[[IDX:.*]] = scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[NONE]]) -> (tensor<6x2xi32>)
// CHECK: scf.for %[[J:.*]] = {{.*}} iter_args(%[[OUT:.*]] = %{{.*}}, %[[PREV:.*]] = %{{.*}}, %[[PREVI:.*]] = %{{.*}}) -> (tensor<6x2xi32>, f32, i32)
// CHECK: scf.for %[[E:.*]] = {{.*}} iter_args(%[[BEST:.*]] = %{{.*}}, %[[BESTI:.*]] = %{{.*}}) -> (f32, i32)
// CHECK: %[[V:.*]] = tensor.extract %[[S]][%[[T]], %[[E]]] : tensor<6x8xf32>
// CHECK: arith.cmpf olt, %[[V]], %[[PREV]]
// CHECK: arith.cmpf oeq, %[[V]], %[[PREV]]
// CHECK: arith.cmpi sgt, %{{.*}}, %[[PREVI]]
// CHECK: arith.cmpf ogt, %[[V]], %[[BEST]]
// CHECK: tensor.insert %{{.*}} into %[[OUT]][%[[T]], %[[J]]]
// CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%[[IDX]] : tensor<6x2xi32>)
// CHECK: tensor.extract %[[S]]
// CHECK: %[[WSUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[W]] : tensor<6x2xf32>)
// CHECK: %[[NORM:.*]] = linalg.generic {{.*}} ins(%[[W]], %[[WSUM]] :
// CHECK-NOT: arith.addf
// CHECK: arith.divf
// CHECK-NOT: arith.mulf
// CHECK: return %[[NORM]], %[[IDX]] : tensor<6x2xf32>, tensor<6x2xi32>
func.func @route_softmax(%l: tensor<6x8xf32>) -> (tensor<6x2xf32>, tensor<6x2xi32>) {
  %w, %i = moe.route %l <k = 2, scoring = softmax, normalize = true>
      : tensor<6x8xf32> -> tensor<6x2xf32>, tensor<6x2xi32>
  return %w, %i : tensor<6x2xf32>, tensor<6x2xi32>
}

// -----

// DeepSeek-V3 routing on bf16 logits with a dynamic T: f32 conversion,
// sigmoid, the bias added for selection only, top2sum group scores of the
// [T, G, E/G] view, the best groups as a mask, experts of unselected groups
// excluded, weights from the UNBIASED scores, 1e-20 in the renormalization,
// then the scaling.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @route_deepseek
// CHECK-SAME: (%[[L:.*]]: tensor<?x8xbf16>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[LF:.*]] = linalg.generic {{.*}} ins(%[[L]] : tensor<?x8xbf16>) outs(%{{.*}} : tensor<?x8xf32>)
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[LF]] : tensor<?x8xf32>)
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: %[[SEL:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]], {{.*}}} ins(%[[S]], %[[B]] : tensor<?x8xf32>, tensor<8xf32>)
// CHECK: arith.addf
// CHECK: %[[G3:.*]] = tensor.expand_shape %[[SEL]] {{\[}}[0], [1, 2]] output_shape [%{{.*}}, 4, 2] : tensor<?x8xf32> into tensor<?x4x2xf32>
// CHECK: %[[TOP2:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[G3]] : tensor<?x4x2xf32>) outs(%{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<?x4xf32>)
// CHECK: %[[GS:.*]] = linalg.generic {{.*}} ins(%[[TOP2]]#0, %[[TOP2]]#1 :
// CHECK: arith.addf
// CHECK: %[[GROUPS:.*]] = scf.for
// CHECK: tensor.extract %[[GS]]
// CHECK: %[[MASK:.*]] = linalg.generic {{.*}} ins(%[[GROUPS]] : tensor<?x2xi32>) outs(%{{.*}} : tensor<?x4xi1>)
// CHECK: linalg.index 1
// CHECK: arith.cmpi eq
// CHECK: arith.ori
// CHECK: %[[IDX:.*]] = scf.for %[[T:[^ ]*]] =
// CHECK: scf.for %{{[^ ]*}} = %{{.*}} -> (tensor<?x2xi32>, f32, i32)
// CHECK: scf.for %[[E:[^ ]*]] =
// CHECK: tensor.extract %[[SEL]][%[[T]], %[[E]]]
// CHECK: %[[GROUP:.*]] = arith.divui %[[E]], %{{.*}} : index
// CHECK: %[[OK:.*]] = tensor.extract %[[MASK]][%[[T]], %[[GROUP]]] : tensor<?x4xi1>
// CHECK: arith.andi %{{.*}}, %[[OK]] : i1
// CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%[[IDX]] : tensor<?x2xi32>)
// CHECK: tensor.extract %[[S]][
// CHECK: %[[WSUM:.*]] = linalg.generic {{.*}} ins(%[[W]] : tensor<?x2xf32>)
// CHECK: %[[NORM:.*]] = linalg.generic {{.*}} ins(%[[W]], %[[WSUM]] :
// CHECK: %[[EPS:.*]] = arith.constant 9.99999968E-21 : f32
// CHECK: %[[DEN:.*]] = arith.addf %{{.*}}, %[[EPS]] : f32
// CHECK: arith.divf %{{.*}}, %[[DEN]] : f32
// CHECK: %[[SCALED:.*]] = linalg.generic {{.*}} ins(%[[NORM]] : tensor<?x2xf32>)
// CHECK: %[[SCALE:.*]] = arith.constant 2.500000e+00 : f32
// CHECK: arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK: return %[[SCALED]], %[[IDX]] : tensor<?x2xf32>, tensor<?x2xi32>
func.func @route_deepseek(%l: tensor<?x8xbf16>, %b: tensor<8xf32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %l bias(%b : tensor<8xf32>)
      <k = 2, scoring = sigmoid, normalize = true, scaling = 2.5, num_groups = 4,
       topk_groups = 2, group_score = top2sum>
      : tensor<?x8xbf16> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// -----

// Group score `max`: the group top-k reads the best member directly; no
// renormalization, so no sum; scaling applies.

// CHECK-LABEL: func.func @route_group_max
// CHECK: %[[TOP2:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-NOT: linalg.generic
// CHECK: scf.for
// CHECK: tensor.extract %[[TOP2]]#0
// CHECK-NOT: iterator_types = ["parallel", "reduction"]
// CHECK: arith.constant 1.500000e+00 : f32
// CHECK: arith.mulf
// CHECK-NOT: 9.99999968E-21
// CHECK: return
func.func @route_group_max(%l: tensor<5x8xf32>) -> (tensor<5x3xf32>, tensor<5x3xi32>) {
  %w, %i = moe.route %l <k = 3, scoring = softmax, scaling = 1.5, num_groups = 4,
                         topk_groups = 2, group_score = max>
      : tensor<5x8xf32> -> tensor<5x3xf32>, tensor<5x3xi32>
  return %w, %i : tensor<5x3xf32>, tensor<5x3xi32>
}

// -----

// Expert choice: softmax over experts, then for each expert (rows) a top-C
// scan over the tokens (candidates) of s[token, expert]; slots without a
// token stay -1 and gather weight 0.

// CHECK-LABEL: func.func @route_expert_choice
// CHECK-SAME: (%[[L:.*]]: tensor<?x4xf32>)
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<?xf32>) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.divf
// CHECK: %[[T:.*]] = tensor.dim %[[L]]
// CHECK: %[[NONE:.*]] = arith.constant -1 : i32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NONE]] : i32) outs(%{{.*}} : tensor<4x3xi32>)
// CHECK: %[[IDS:.*]] = scf.for %[[E:[^ ]*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[INIT]]) -> (tensor<4x3xi32>)
// CHECK: scf.for %[[TOK:[^ ]*]] = %{{.*}} to %[[T]] step
// CHECK: tensor.extract %[[S]][%[[TOK]], %[[E]]] : tensor<?x4xf32>
// CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%[[IDS]] : tensor<4x3xi32>) outs(%{{.*}} : tensor<4x3xf32>)
// CHECK: %[[VALID:.*]] = arith.cmpi sge
// CHECK: %[[ROW:.*]] = linalg.index 0
// CHECK: tensor.extract %[[S]][%{{.*}}, %[[ROW]]]
// CHECK: arith.select %[[VALID]]
// CHECK: return %[[IDS]], %[[W]] : tensor<4x3xi32>, tensor<4x3xf32>
func.func @route_expert_choice(%l: tensor<?x4xf32>) -> (tensor<4x3xi32>, tensor<4x3xf32>) {
  %ids, %w = moe.route_expert_choice %l capacity 3
      : tensor<?x4xf32> -> tensor<4x3xi32>, tensor<4x3xf32>
  return %ids, %w : tensor<4x3xi32>, tensor<4x3xf32>
}
