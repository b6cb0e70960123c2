// RUN: moe-opt %s --moe-to-linalg --split-input-file | FileCheck %s

// order = topk_first, softmax (gpt-oss): the top-k scan reads the LOGITS,
// the selected logits are gathered (-inf for a slot without an expert),
// softmax over the k slots, and a slot without an expert weighs 0.

// CHECK-LABEL: func.func @route_topk_first_softmax
// CHECK-SAME: (%[[L:.*]]: tensor<6x8xf32>)
// CHECK-NOT: math.exp
// CHECK: %[[IDX:.*]] = scf.for %[[T:arg[0-9]+]] = {{.*}} -> (tensor<6x2xi32>)
// CHECK: scf.for %[[E:arg[0-9]+]] = {{.*}} -> (f32, i32)
// CHECK: tensor.extract %[[L]][%[[T]], %[[E]]] : tensor<6x8xf32>
// CHECK: %[[SEL:.*]] = linalg.generic {{.*}} ins(%[[IDX]] : tensor<6x2xi32>)
// CHECK: tensor.extract %[[L]]
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: arith.select %{{.*}}, %{{.*}}, %[[NEGINF]] : f32
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[SEL]] : tensor<6x2xf32>)
// CHECK: arith.maximumf
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%[[SEL]], %[[MAX]] : tensor<6x2xf32>, tensor<6xf32>)
// CHECK: math.exp
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[EXP]] : tensor<6x2xf32>)
// CHECK: %[[SM:.*]] = linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]] :
// CHECK: arith.divf
// CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%[[SM]], %[[IDX]] : tensor<6x2xf32>, tensor<6x2xi32>)
// CHECK: arith.cmpi sge
// CHECK: arith.select
// CHECK-NOT: linalg.generic
// CHECK: return %[[W]], %[[IDX]] : tensor<6x2xf32>, tensor<6x2xi32>
func.func @route_topk_first_softmax(%l: tensor<6x8xf32>) -> (tensor<6x2xf32>, tensor<6x2xi32>) {
  %w, %i = moe.route %l <k = 2, scoring = softmax, order = topk_first>
      : tensor<6x8xf32> -> tensor<6x2xf32>, tensor<6x2xi32>
  return %w, %i : tensor<6x2xf32>, tensor<6x2xi32>
}

// -----

// order = topk_first, sigmoid (Llama 4, Cohere2-MoE) with a soft cap first:
// c · tanh(l / c), top-k of the capped logits, sigmoid of each selected
// logit (0 gathered for a slot without an expert, then weight 0), sum
// without ε (norm_eps = 0).

// CHECK-LABEL: func.func @route_topk_first_sigmoid_softcap
// CHECK-SAME: (%[[L:.*]]: tensor<?x8xf32>)
// CHECK: %[[CAP:.*]] = linalg.generic {{.*}} ins(%[[L]] : tensor<?x8xf32>)
// CHECK: %[[C:.*]] = arith.constant 3.000000e+01 : f32
// CHECK: %[[Q:.*]] = arith.divf %{{.*}}, %[[C]] : f32
// CHECK: %[[TH:.*]] = math.tanh %[[Q]] : f32
// CHECK: arith.mulf %[[TH]], %[[C]] : f32
// CHECK: %[[IDX:.*]] = scf.for %[[T:arg[0-9]+]] = {{.*}} -> (tensor<?x2xi32>)
// CHECK: tensor.extract %[[CAP]][%[[T]], %{{.*}}] : tensor<?x8xf32>
// CHECK: %[[SEL:.*]] = linalg.generic {{.*}} ins(%[[IDX]] : tensor<?x2xi32>)
// CHECK: tensor.extract %[[CAP]]
// CHECK: %[[SIG:.*]] = linalg.generic {{.*}} ins(%[[SEL]] : tensor<?x2xf32>)
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%[[SIG]], %[[IDX]] : tensor<?x2xf32>, tensor<?x2xi32>)
// CHECK: %[[WSUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[W]] : tensor<?x2xf32>)
// CHECK: %[[NORM:.*]] = linalg.generic {{.*}} ins(%[[W]], %[[WSUM]] :
// CHECK-NOT: arith.addf
// CHECK: arith.divf
// CHECK: return %[[NORM]], %[[IDX]]
func.func @route_topk_first_sigmoid_softcap(%l: tensor<?x8xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %l <k = 2, scoring = sigmoid, order = topk_first, normalize = true, norm_eps = 0.0, softcap = 30.0>
      : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// -----

// sqrt_softplus (DeepSeek-V4): sqrt(max(l, 0) + log1p(exp(-|l|))) with
// log1p(u) = log(1 + u) · u / ((1 + u) - 1), or u where 1 + u rounds to 1;
// the bias for selection only; the default ε 1e-20 and the scaling.

// CHECK-LABEL: func.func @route_sqrt_softplus
// CHECK-SAME: (%[[L:.*]]: tensor<?x8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[L]] : tensor<?x8xf32>)
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[ABS:.*]] = math.absf %[[X]] : f32
// CHECK: %[[NEG:.*]] = arith.negf %[[ABS]] : f32
// CHECK: %[[U:.*]] = math.exp %[[NEG]] : f32
// CHECK: %[[OPU:.*]] = arith.addf %[[ONE]], %[[U]] : f32
// CHECK: %[[LOG:.*]] = math.log %[[OPU]] : f32
// CHECK: %[[DEN:.*]] = arith.subf %[[OPU]], %[[ONE]] : f32
// CHECK: %[[RATIO:.*]] = arith.divf %[[U]], %[[DEN]] : f32
// CHECK: %[[SCALED:.*]] = arith.mulf %[[LOG]], %[[RATIO]] : f32
// CHECK: %[[EXACT:.*]] = arith.cmpf oeq, %[[OPU]], %[[ONE]] : f32
// CHECK: %[[LOG1P:.*]] = arith.select %[[EXACT]], %[[U]], %[[SCALED]] : f32
// CHECK: %[[POS:.*]] = arith.maximumf %[[X]], %[[ZERO]] : f32
// CHECK: %[[SP:.*]] = arith.addf %[[POS]], %[[LOG1P]] : f32
// CHECK: %[[SQ:.*]] = math.sqrt %[[SP]] : f32
// CHECK: linalg.yield %[[SQ]]
// CHECK: %[[SEL:.*]] = linalg.generic {{.*}} ins(%[[S]], %[[B]] : tensor<?x8xf32>, tensor<8xf32>)
// CHECK: %[[IDX:.*]] = scf.for
// CHECK: tensor.extract %[[SEL]]
// CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%[[IDX]] : tensor<?x2xi32>)
// CHECK: tensor.extract %[[S]]
// CHECK: %[[NORM:.*]] = linalg.generic {{.*}} ins(%[[W]], %{{.*}} :
// CHECK: arith.constant 9.99999968E-21 : f32
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: %[[SCALE:.*]] = linalg.generic {{.*}} ins(%[[NORM]] : tensor<?x2xf32>)
// CHECK: arith.constant 1.500000e+00 : f32
// CHECK: return %[[SCALE]], %[[IDX]]
func.func @route_sqrt_softplus(%l: tensor<?x8xf32>, %b: tensor<8xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %l bias(%b : tensor<8xf32>) <k = 2, scoring = sqrt_softplus, normalize = true, scaling = 1.5>
      : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// -----

// norm_min (ERNIE 4.5): the sum clamped from below, no ε, under softmax
// with a selection bias.

// CHECK-LABEL: func.func @route_norm_min
// CHECK: %[[WSUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[W:.*]] : tensor<?x2xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[W]], %[[WSUM]] :
// CHECK: ^bb0(%[[V:.*]]: f32, %[[N:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[MIN:.*]] = arith.constant 9.99999996E-13 : f32
// CHECK: %[[DEN:.*]] = arith.maximumf %[[N]], %[[MIN]] : f32
// CHECK-NOT: arith.addf
// CHECK: arith.divf %[[V]], %[[DEN]] : f32
func.func @route_norm_min(%l: tensor<?x8xf32>, %b: tensor<8xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %l bias(%b : tensor<8xf32>) <k = 2, scoring = softmax, normalize = true, norm_min = 1.0e-12>
      : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// -----

// norm_p (DBRX) with norm_eps: the denominator (Σ |w|^p)^(1/p) + ε; the
// ε given replaces the default 0 of softmax.

// CHECK-LABEL: func.func @route_norm_p
// CHECK: %[[WSUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[W:.*]] : tensor<?x4xf32>)
// CHECK: ^bb0(%[[V:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[A:.*]] = math.absf %[[V]] : f32
// CHECK: %[[P:.*]] = arith.constant 3.000000e+00 : f32
// CHECK: %[[POW:.*]] = math.powf %[[A]], %[[P]] : f32
// CHECK: arith.addf %[[ACC]], %[[POW]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[W]], %[[WSUM]] :
// CHECK: ^bb0(%[[X:.*]]: f32, %[[N:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[INV:.*]] = arith.constant 0.333333343 : f32
// CHECK: %[[NORM:.*]] = math.powf %[[N]], %[[INV]] : f32
// CHECK: %[[EPS:.*]] = arith.constant 9.99999997E-7 : f32
// CHECK: %[[DEN:.*]] = arith.addf %[[NORM]], %[[EPS]] : f32
// CHECK: arith.divf %[[X]], %[[DEN]] : f32
func.func @route_norm_p(%l: tensor<?x16xf32>) -> (tensor<?x4xf32>, tensor<?x4xi32>) {
  %w, %i = moe.route %l <k = 4, scoring = softmax, normalize = true, norm_p = 3.0, norm_eps = 1.0e-6>
      : tensor<?x16xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
  return %w, %i : tensor<?x4xf32>, tensor<?x4xi32>
}

// -----

// norm_p = 1 is the sum (the weights are nonnegative): no powf.

// CHECK-LABEL: func.func @route_norm_p_one
// CHECK-NOT: math.powf
// CHECK-NOT: math.absf
// CHECK: return
func.func @route_norm_p_one(%l: tensor<?x16xf32>) -> (tensor<?x4xf32>, tensor<?x4xi32>) {
  %w, %i = moe.route %l <k = 4, scoring = sigmoid, normalize = true, norm_p = 1.0>
      : tensor<?x16xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
  return %w, %i : tensor<?x4xf32>, tensor<?x4xi32>
}

// -----

// group_fill (AXK2): the experts of the unselected groups are not excluded
// from the top-k scan; they compete with the selection score 0.

// CHECK-LABEL: func.func @route_group_fill
// CHECK: %[[MASK:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x4xi1>)
// CHECK: %[[IDX:.*]] = scf.for %[[T:arg[0-9]+]] = {{.*}} -> (tensor<?x3xi32>)
// CHECK: scf.for %[[E:arg[0-9]+]] = {{.*}} -> (f32, i32)
// CHECK: %[[V:.*]] = tensor.extract %[[SEL:.*]][%[[T]], %[[E]]] : tensor<?x16xf32>
// CHECK: %[[G:.*]] = arith.divui %[[E]], %{{.*}} : index
// CHECK: %[[IN:.*]] = tensor.extract %[[MASK]][%[[T]], %[[G]]] : tensor<?x4xi1>
// CHECK: %[[FILL:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[SCORE:.*]] = arith.select %[[IN]], %[[V]], %[[FILL]] : f32
// CHECK: arith.cmpf olt, %[[SCORE]]
// CHECK-NOT: tensor.extract %[[MASK]]
// CHECK: arith.cmpf ogt, %[[SCORE]]
// CHECK: return
func.func @route_group_fill(%l: tensor<?x16xf32>, %b: tensor<16xf32>) -> (tensor<?x3xf32>, tensor<?x3xi32>) {
  %w, %i = moe.route %l bias(%b : tensor<16xf32>) <k = 3, scoring = sigmoid, normalize = true, num_groups = 4, topk_groups = 2, group_score = max, group_fill = 0.0>
      : tensor<?x16xf32> -> tensor<?x3xf32>, tensor<?x3xi32>
  return %w, %i : tensor<?x3xf32>, tensor<?x3xi32>
}

// -----

// logit_scale (MuseSpark) then softcap: l · a first, then c · tanh(l / c),
// both before the scores.

// CHECK-LABEL: func.func @route_logit_scale_softcap
// CHECK-SAME: (%[[L:.*]]: tensor<?x8xf32>)
// CHECK: %[[SCALED:.*]] = linalg.generic {{.*}} ins(%[[L]] : tensor<?x8xf32>)
// CHECK: arith.constant 2.500000e-01 : f32
// CHECK: arith.mulf
// CHECK: %[[CAP:.*]] = linalg.generic {{.*}} ins(%[[SCALED]] : tensor<?x8xf32>)
// CHECK: math.tanh
// CHECK: linalg.generic {{.*}} ins(%[[CAP]] : tensor<?x8xf32>)
// CHECK: arith.negf
// CHECK: math.exp
func.func @route_logit_scale_softcap(%l: tensor<?x8xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %l <k = 2, scoring = sigmoid, softcap = 4.0, logit_scale = 0.25>
      : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// -----

// topk_first with a selection bias (Kolibri): the bias is added to the
// logits for the selection only; the weights score the unbiased logits.
// CHECK-LABEL: func.func @topk_first_bias
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: scf.for
// CHECK: arith.negf
// CHECK: math.exp
func.func @topk_first_bias(%l: tensor<?x8xf32>, %b: tensor<8xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %l bias(%b : tensor<8xf32>) <k = 2, scoring = sigmoid, order = topk_first> : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}
