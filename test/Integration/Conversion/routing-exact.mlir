// Executes the moe-to-linalg lowering of moe.route and
// moe.route_expert_choice on small inputs whose results follow by hand from
// the op descriptions: exact ties, group selection, the 1e-20 of sigmoid
// renormalization, scaling, and expert choice with fewer tokens than slots.
//
// RUN: moe-opt %s --moe-to-linalg %lower_to_llvm | %mlir_runner | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefI32(tensor<*xi32>)

func.func @print(%w: tensor<?x?xf32>, %i: tensor<?x?xi32>) {
  %wu = tensor.cast %w : tensor<?x?xf32> to tensor<*xf32>
  %iu = tensor.cast %i : tensor<?x?xi32> to tensor<*xi32>
  call @printMemrefI32(%iu) : (tensor<*xi32>) -> ()
  call @printMemrefF32(%wu) : (tensor<*xf32>) -> ()
  return
}

// Ties go to the lower expert. Row 0: experts 1 and 3 tie at the top; row 1:
// 0, 2 and 3 tie; row 2: all tie. Renormalized, tied weights are 1/2.
// CHECK-LABEL: ties
// CHECK: data =
// CHECK-NEXT: [1, 3],
// CHECK-NEXT: [0, 2],
// CHECK-NEXT: [0, 1]]
// CHECK: data =
// CHECK-NEXT: [0.5, 0.5],
// CHECK-NEXT: [0.5, 0.5],
// CHECK-NEXT: [0.5, 0.5]]
func.func @ties() {
  %l = arith.constant dense<[[0.0, 2.0, 0.0, 2.0], [2.0, 0.0, 2.0, 2.0], [7.0, 7.0, 7.0, 7.0]]>
      : tensor<3x4xf32>
  %w, %i = moe.route %l <k = 2, scoring = softmax, normalize = true>
      : tensor<3x4xf32> -> tensor<3x2xf32>, tensor<3x2xi32>
  %wd = tensor.cast %w : tensor<3x2xf32> to tensor<?x?xf32>
  %id = tensor.cast %i : tensor<3x2xi32> to tensor<?x?xi32>
  call @print(%wd, %id) : (tensor<?x?xf32>, tensor<?x?xi32>) -> ()
  return
}

// Sigmoid of -100 underflows to 0 in f32 (exp(100) overflows): the
// renormalized weights are 0 / (0 + 1e-20) = 0, not 0 / 0. Sigmoid of 0 is
// 1/2: renormalized 0.5 / (1 + 1e-20) = 0.5, then scaled by 2.5.
// CHECK-LABEL: sigmoid_eps
// CHECK: data =
// CHECK-NEXT: [0, 1],
// CHECK-NEXT: [0, 1]]
// CHECK: data =
// CHECK-NEXT: [0, 0],
// CHECK-NEXT: [1.25, 1.25]]
func.func @sigmoid_eps() {
  %l = arith.constant dense<[[-100.0, -100.0, -100.0, -100.0], [0.0, 0.0, 0.0, 0.0]]>
      : tensor<2x4xf32>
  %ld = tensor.cast %l : tensor<2x4xf32> to tensor<?x4xf32>
  %w, %i = moe.route %ld <k = 2, scoring = sigmoid, normalize = true, scaling = 2.5>
      : tensor<?x4xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %wd = tensor.cast %w : tensor<?x2xf32> to tensor<?x?xf32>
  %id = tensor.cast %i : tensor<?x2xi32> to tensor<?x?xi32>
  call @print(%wd, %id) : (tensor<?x?xf32>, tensor<?x?xi32>) -> ()
  return
}

// Sigmoid scores are all 1/2, so selection is decided by the bias.
// Row 0, bias [0.5, 0, 0.375, 0.375]: selection scores [1, 0.5, 0.875,
// 0.875]; groups {0, 1} and {2, 3} score top2sum 1.5 and 1.75 (group 1
// wins), max 1 and 0.875 (group 0 wins); without groups the top 2 are 0, 2.
// Row 1, bias [0.25, 0, 0.125, 0.125]: top2sum 1.25 and 1.25 tie, so group
// 0 wins. The weights are the unbiased 1/2, not the selection scores.
// CHECK-LABEL: groups
// CHECK: data =
// CHECK-NEXT: [2, 3]]
// CHECK: data =
// CHECK-NEXT: [0.5, 0.5]]
// CHECK: data =
// CHECK-NEXT: [0, 1]]
// CHECK: data =
// CHECK: data =
// CHECK-NEXT: [0, 2]]
// CHECK: data =
// CHECK: data =
// CHECK-NEXT: [0, 1]]
func.func @groups() {
  %l = arith.constant dense<0.0> : tensor<1x4xf32>
  %b0 = arith.constant dense<[0.5, 0.0, 0.375, 0.375]> : tensor<4xf32>
  %b1 = arith.constant dense<[0.25, 0.0, 0.125, 0.125]> : tensor<4xf32>
  %w0, %i0 = moe.route %l bias(%b0 : tensor<4xf32>)
      <k = 2, scoring = sigmoid, num_groups = 2, topk_groups = 1, group_score = top2sum>
      : tensor<1x4xf32> -> tensor<1x2xf32>, tensor<1x2xi32>
  %w1, %i1 = moe.route %l bias(%b0 : tensor<4xf32>)
      <k = 2, scoring = sigmoid, num_groups = 2, topk_groups = 1, group_score = max>
      : tensor<1x4xf32> -> tensor<1x2xf32>, tensor<1x2xi32>
  %w2, %i2 = moe.route %l bias(%b0 : tensor<4xf32>) <k = 2, scoring = sigmoid>
      : tensor<1x4xf32> -> tensor<1x2xf32>, tensor<1x2xi32>
  %w3, %i3 = moe.route %l bias(%b1 : tensor<4xf32>)
      <k = 2, scoring = sigmoid, num_groups = 2, topk_groups = 1, group_score = top2sum>
      : tensor<1x4xf32> -> tensor<1x2xf32>, tensor<1x2xi32>
  %w0d = tensor.cast %w0 : tensor<1x2xf32> to tensor<?x?xf32>
  %i0d = tensor.cast %i0 : tensor<1x2xi32> to tensor<?x?xi32>
  %w1d = tensor.cast %w1 : tensor<1x2xf32> to tensor<?x?xf32>
  %i1d = tensor.cast %i1 : tensor<1x2xi32> to tensor<?x?xi32>
  %w2d = tensor.cast %w2 : tensor<1x2xf32> to tensor<?x?xf32>
  %i2d = tensor.cast %i2 : tensor<1x2xi32> to tensor<?x?xi32>
  %w3d = tensor.cast %w3 : tensor<1x2xf32> to tensor<?x?xf32>
  %i3d = tensor.cast %i3 : tensor<1x2xi32> to tensor<?x?xi32>
  call @print(%w0d, %i0d) : (tensor<?x?xf32>, tensor<?x?xi32>) -> ()
  call @print(%w1d, %i1d) : (tensor<?x?xf32>, tensor<?x?xi32>) -> ()
  call @print(%w2d, %i2d) : (tensor<?x?xf32>, tensor<?x?xi32>) -> ()
  call @print(%w3d, %i3d) : (tensor<?x?xf32>, tensor<?x?xi32>) -> ()
  return
}

// Expert choice over 4 tokens with 5 slots (T < C, dynamic T). Softmax
// scores per token: t0 [0.5, 0.5], t1 [0.75, 0.25] (logit ln 3), t2 [0.25,
// 0.75], t3 [0.5, 0.5]. Expert 0 ranks t1, then t0 and t3 tied (t0 first),
// then t2; expert 1 ranks t2, then t0, t3, then t1. The fifth slot is -1
// with weight 0.
// CHECK-LABEL: expert_choice
// CHECK: data =
// CHECK-NEXT: [1, 0, 3, 2, -1],
// CHECK-NEXT: [2, 0, 3, 1, -1]]
// CHECK: data =
// CHECK-NEXT: [0.75, 0.5, 0.5, 0.25, 0],
// CHECK-NEXT: [0.75, 0.5, 0.5, 0.25, 0]]
func.func @expert_choice() {
  %l = arith.constant dense<[[0.0, 0.0], [1.0986123, 0.0], [0.0, 1.0986123], [0.0, 0.0]]>
      : tensor<4x2xf32>
  %ld = tensor.cast %l : tensor<4x2xf32> to tensor<?x2xf32>
  %ids, %w = moe.route_expert_choice %ld capacity 5
      : tensor<?x2xf32> -> tensor<2x5xi32>, tensor<2x5xf32>
  %wd = tensor.cast %w : tensor<2x5xf32> to tensor<?x?xf32>
  %idd = tensor.cast %ids : tensor<2x5xi32> to tensor<?x?xi32>
  call @print(%wd, %idd) : (tensor<?x?xf32>, tensor<?x?xi32>) -> ()
  return
}

func.func @main() {
  vector.print str "ties\n"
  call @ties() : () -> ()
  vector.print str "sigmoid_eps\n"
  call @sigmoid_eps() : () -> ()
  vector.print str "groups\n"
  call @groups() : () -> ()
  vector.print str "expert_choice\n"
  call @expert_choice() : () -> ()
  return
}
