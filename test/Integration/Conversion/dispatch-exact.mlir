// Executes the moe-to-linalg lowering of moe.dispatch on a small routing
// whose results follow by hand from the op description: dropped out-of-range
// experts, position and score capacity drops with ties, and the capacity
// computed from a capacity factor and the runtime token count.
//
// RUN: moe-opt %s --moe-to-linalg %lower_to_llvm | %mlir_runner | FileCheck %s
//
// The routing, T = 5 tokens, k = 2, E = 3 experts (x[t] = [t, 10 + t]):
//   t0: experts [0, 1]  weights [0.5,  0.25]
//   t1: experts [0, 2]  weights [0.25, 0.75]
//   t2: experts [1, 0]  weights [0.75, 0.5]
//   t3: experts [0, -1] weights [0.5,  1.0]   (-1 is dropped)
//   t4: experts [3, 0]  weights [1.0,  0.75]  (3 is out of range: dropped)
// Expert 0 has t0, t1, t3 as first choices and t2, t4 as second choices;
// expert 1 has t2 (first) and t0 (second); expert 2 has t1 (second).

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefI32(tensor<*xi32>)

func.func @dispatch(%policy: index) {
  %x = arith.constant dense<[[0.0, 10.0], [1.0, 11.0], [2.0, 12.0], [3.0, 13.0], [4.0, 14.0]]>
      : tensor<5x2xf32>
  %i = arith.constant dense<[[0, 1], [0, 2], [1, 0], [0, -1], [3, 0]]> : tensor<5x2xi32>
  %w = arith.constant dense<[[0.5, 0.25], [0.25, 0.75], [0.75, 0.5], [0.5, 1.0], [1.0, 0.75]]>
      : tensor<5x2xf32>
  %xd = tensor.cast %x : tensor<5x2xf32> to tensor<?x2xf32>
  %id = tensor.cast %i : tensor<5x2xi32> to tensor<?x2xi32>
  %wd = tensor.cast %w : tensor<5x2xf32> to tensor<?x2xf32>
  %r:4 = scf.index_switch %policy
      -> tensor<?x2xf32>, tensor<4xi32>, tensor<?xi32>, tensor<?xf32>
  case 0 {
    %a:4 = moe.dispatch %xd, %id, %wd experts 3
        : tensor<?x2xf32>, tensor<?x2xi32>, tensor<?x2xf32>
        -> tensor<?x2xf32>, tensor<4xi32>, tensor<?xi32>, tensor<?xf32>
    scf.yield %a#0, %a#1, %a#2, %a#3 : tensor<?x2xf32>, tensor<4xi32>, tensor<?xi32>, tensor<?xf32>
  }
  case 1 {
    %a:4 = moe.dispatch %xd, %id, %wd experts 3 drop position capacity 2
        : tensor<?x2xf32>, tensor<?x2xi32>, tensor<?x2xf32>
        -> tensor<?x2xf32>, tensor<4xi32>, tensor<?xi32>, tensor<?xf32>
    scf.yield %a#0, %a#1, %a#2, %a#3 : tensor<?x2xf32>, tensor<4xi32>, tensor<?xi32>, tensor<?xf32>
  }
  case 2 {
    %a:4 = moe.dispatch %xd, %id, %wd experts 3 drop score capacity 2
        : tensor<?x2xf32>, tensor<?x2xi32>, tensor<?x2xf32>
        -> tensor<?x2xf32>, tensor<4xi32>, tensor<?xi32>, tensor<?xf32>
    scf.yield %a#0, %a#1, %a#2, %a#3 : tensor<?x2xf32>, tensor<4xi32>, tensor<?xi32>, tensor<?xf32>
  }
  case 3 {
    %a:4 = moe.dispatch %xd, %id, %wd experts 3 drop position capacity_factor 0.25
        : tensor<?x2xf32>, tensor<?x2xi32>, tensor<?x2xf32>
        -> tensor<?x2xf32>, tensor<4xi32>, tensor<?xi32>, tensor<?xf32>
    scf.yield %a#0, %a#1, %a#2, %a#3 : tensor<?x2xf32>, tensor<4xi32>, tensor<?xi32>, tensor<?xf32>
  }
  default {
    %a:4 = moe.dispatch %xd, %id, %wd experts 3 drop score capacity_factor 0.25
        : tensor<?x2xf32>, tensor<?x2xi32>, tensor<?x2xf32>
        -> tensor<?x2xf32>, tensor<4xi32>, tensor<?xi32>, tensor<?xf32>
    scf.yield %a#0, %a#1, %a#2, %a#3 : tensor<?x2xf32>, tensor<4xi32>, tensor<?xi32>, tensor<?xf32>
  }
  %rows = tensor.cast %r#0 : tensor<?x2xf32> to tensor<*xf32>
  %off = tensor.cast %r#1 : tensor<4xi32> to tensor<*xi32>
  %tok = tensor.cast %r#2 : tensor<?xi32> to tensor<*xi32>
  %rw = tensor.cast %r#3 : tensor<?xf32> to tensor<*xf32>
  call @printMemrefI32(%off) : (tensor<*xi32>) -> ()
  call @printMemrefI32(%tok) : (tensor<*xi32>) -> ()
  call @printMemrefF32(%rw) : (tensor<*xf32>) -> ()
  call @printMemrefF32(%rows) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index

  // Dropless: every valid assignment, experts ascending, tokens ascending;
  // the last 2 of the N = 10 rows are padding.
  // CHECK-LABEL: dropless
  // CHECK: data =
  // CHECK-NEXT: [0, 5, 7, 8]
  // CHECK: data =
  // CHECK-NEXT: [0, 1, 2, 3, 4, 0, 2, 1, -1, -1]
  // CHECK: data =
  // CHECK-NEXT: [0.5, 0.25, 0.5, 0.5, 0.75, 0.25, 0.75, 0.75, 0, 0]
  // CHECK: data =
  // CHECK-NEXT: [0, 10],
  // CHECK-NEXT: [1, 11],
  // CHECK-NEXT: [2, 12],
  // CHECK-NEXT: [3, 13],
  // CHECK-NEXT: [4, 14],
  // CHECK-NEXT: [0, 10],
  // CHECK-NEXT: [2, 12],
  // CHECK-NEXT: [1, 11],
  // CHECK-NEXT: [0, 0],
  // CHECK-NEXT: [0, 0]]
  vector.print str "dropless\n"
  call @dispatch(%c0) : (index) -> ()

  // Position, C = 2: expert 0 keeps its first two first choices (t0, t1) and
  // drops t3 (first choice) and t2, t4 (second choices); experts 1 and 2
  // keep everything.
  // CHECK-LABEL: position
  // CHECK: data =
  // CHECK-NEXT: [0, 2, 4, 5]
  // CHECK: data =
  // CHECK-NEXT: [0, 1, 0, 2, 1, -1, -1, -1, -1, -1]
  // CHECK: data =
  // CHECK-NEXT: [0.5, 0.25, 0.25, 0.75, 0.75, 0, 0, 0, 0, 0]
  // CHECK: data =
  // CHECK-NEXT: [0, 10],
  // CHECK-NEXT: [1, 11],
  // CHECK-NEXT: [0, 10],
  // CHECK-NEXT: [2, 12],
  // CHECK-NEXT: [1, 11],
  // CHECK-NEXT: [0, 0],
  vector.print str "position\n"
  call @dispatch(%c1) : (index) -> ()

  // Score, C = 2: expert 0 keeps t4 (0.75), then of the three tied at 0.5
  // the first in position order: t0 (first choice) before t3 (first choice,
  // later token) before t2 (second choice). Rows are in token order: t0, t4.
  // CHECK-LABEL: score
  // CHECK: data =
  // CHECK-NEXT: [0, 2, 4, 5]
  // CHECK: data =
  // CHECK-NEXT: [0, 4, 0, 2, 1, -1, -1, -1, -1, -1]
  // CHECK: data =
  // CHECK-NEXT: [0.5, 0.75, 0.25, 0.75, 0.75, 0, 0, 0, 0, 0]
  vector.print str "score\n"
  call @dispatch(%c2) : (index) -> ()

  // capacity_factor 0.25: C = ceil(0.25 * 5 * 2 / 3) = ceil(0.83) = 1.
  // Position keeps each expert's first first choice: t0, t2, t1.
  // CHECK-LABEL: position_factor
  // CHECK: data =
  // CHECK-NEXT: [0, 1, 2, 3]
  // CHECK: data =
  // CHECK-NEXT: [0, 2, 1, -1, -1, -1, -1, -1, -1, -1]
  // CHECK: data =
  // CHECK-NEXT: [0.5, 0.75, 0.75, 0, 0, 0, 0, 0, 0, 0]
  vector.print str "position_factor\n"
  call @dispatch(%c3) : (index) -> ()

  // Score keeps each expert's heaviest: t4 (0.75), t2 (0.75), t1 (0.75).
  // CHECK-LABEL: score_factor
  // CHECK: data =
  // CHECK-NEXT: [0, 1, 2, 3]
  // CHECK: data =
  // CHECK-NEXT: [4, 2, 1, -1, -1, -1, -1, -1, -1, -1]
  // CHECK: data =
  // CHECK-NEXT: [0.75, 0.75, 0.75, 0, 0, 0, 0, 0, 0, 0]
  // CHECK: data =
  // CHECK-NEXT: [4, 14],
  // CHECK-NEXT: [2, 12],
  // CHECK-NEXT: [1, 11],
  // CHECK-NEXT: [0, 0],
  vector.print str "score_factor\n"
  call @dispatch(%c4) : (index) -> ()
  return
}
