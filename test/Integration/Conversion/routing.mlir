// Executes the moe-to-linalg lowering of moe.route and moe.route_expert_choice
// and compares with the numpy reference in Inputs/lowering_ref.py, which
// generates the inputs and emits the @main that calls each function below.
//
// REQUIRES: numpy
//
// RUN: %python %S/Inputs/lowering_ref.py emit route_softmax_top2 > %t.route_softmax_top2.mlir
// RUN: cat %s %t.route_softmax_top2.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.route_softmax_top2.out
// RUN: %python %S/Inputs/lowering_ref.py check route_softmax_top2 %t.route_softmax_top2.out | FileCheck %s --check-prefix=ROUTE_SOFTMAX_TOP2
// ROUTE_SOFTMAX_TOP2: PASS route_softmax_top2
//
// RUN: %python %S/Inputs/lowering_ref.py emit route_ties > %t.route_ties.mlir
// RUN: cat %s %t.route_ties.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.route_ties.out
// RUN: %python %S/Inputs/lowering_ref.py check route_ties %t.route_ties.out | FileCheck %s --check-prefix=ROUTE_TIES
// ROUTE_TIES: PASS route_ties
//
// RUN: %python %S/Inputs/lowering_ref.py emit route_sigmoid_groups > %t.route_sigmoid_groups.mlir
// RUN: cat %s %t.route_sigmoid_groups.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.route_sigmoid_groups.out
// RUN: %python %S/Inputs/lowering_ref.py check route_sigmoid_groups %t.route_sigmoid_groups.out | FileCheck %s --check-prefix=ROUTE_SIGMOID_GROUPS
// ROUTE_SIGMOID_GROUPS: PASS route_sigmoid_groups
//
// RUN: %python %S/Inputs/lowering_ref.py emit route_groups_max > %t.route_groups_max.mlir
// RUN: cat %s %t.route_groups_max.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.route_groups_max.out
// RUN: %python %S/Inputs/lowering_ref.py check route_groups_max %t.route_groups_max.out | FileCheck %s --check-prefix=ROUTE_GROUPS_MAX
// ROUTE_GROUPS_MAX: PASS route_groups_max
//
// RUN: %python %S/Inputs/lowering_ref.py emit route_expert_choice > %t.route_expert_choice.mlir
// RUN: cat %s %t.route_expert_choice.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.route_expert_choice.out
// RUN: %python %S/Inputs/lowering_ref.py check route_expert_choice %t.route_expert_choice.out | FileCheck %s --check-prefix=ROUTE_EXPERT_CHOICE
// ROUTE_EXPERT_CHOICE: PASS route_expert_choice

// Softmax top-2, renormalized, dynamic T.
func.func @route_softmax_top2(%l: tensor<?x8xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = moe.route %l <k = 2, scoring = softmax, normalize = true>
      : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// Logits in {0, 1, 2}: exact ties between experts and between groups.
func.func @route_ties(%l: tensor<24x8xf32>) -> (tensor<24x3xf32>, tensor<24x3xi32>) {
  %w, %i = moe.route %l <k = 3, scoring = softmax, num_groups = 4, topk_groups = 2,
                         group_score = top2sum>
      : tensor<24x8xf32> -> tensor<24x3xf32>, tensor<24x3xi32>
  return %w, %i : tensor<24x3xf32>, tensor<24x3xi32>
}

// DeepSeek-V3: sigmoid, selection bias, top2sum groups, 1e-20, scaling.
func.func @route_sigmoid_groups(%l: tensor<?x16xf32>, %b: tensor<16xf32>)
    -> (tensor<?x4xf32>, tensor<?x4xi32>) {
  %w, %i = moe.route %l bias(%b : tensor<16xf32>)
      <k = 4, scoring = sigmoid, normalize = true, scaling = 2.5, num_groups = 4,
       topk_groups = 2, group_score = top2sum>
      : tensor<?x16xf32> -> tensor<?x4xf32>, tensor<?x4xi32>
  return %w, %i : tensor<?x4xf32>, tensor<?x4xi32>
}

// DeepSeek-V2 group-limited greedy on bf16 logits: max group score, scaling.
func.func @route_groups_max(%l: tensor<20x16xbf16>) -> (tensor<20x3xf32>, tensor<20x3xi32>) {
  %w, %i = moe.route %l <k = 3, scoring = softmax, scaling = 1.5, num_groups = 8,
                         topk_groups = 2, group_score = max>
      : tensor<20x16xbf16> -> tensor<20x3xf32>, tensor<20x3xi32>
  return %w, %i : tensor<20x3xf32>, tensor<20x3xi32>
}

// Expert choice with exact ties between tokens, dynamic T.
func.func @route_expert_choice(%l: tensor<?x6xf32>) -> (tensor<6x5xi32>, tensor<6x5xf32>) {
  %ids, %w = moe.route_expert_choice %l capacity 5
      : tensor<?x6xf32> -> tensor<6x5xi32>, tensor<6x5xf32>
  return %ids, %w : tensor<6x5xi32>, tensor<6x5xf32>
}
