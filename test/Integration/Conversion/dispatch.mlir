// Executes the moe-to-linalg lowering of moe.dispatch (dropless, position and
// score drops, out-of-range experts) and compares with the numpy reference in
// Inputs/lowering_ref.py. The weights are multiples of 1/4, so the score
// policy meets exact ties.
//
// REQUIRES: numpy
//
// RUN: %python %S/Inputs/lowering_ref.py emit dispatch_dropless > %t.dispatch_dropless.mlir
// RUN: cat %s %t.dispatch_dropless.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.dispatch_dropless.out
// RUN: %python %S/Inputs/lowering_ref.py check dispatch_dropless %t.dispatch_dropless.out | FileCheck %s --check-prefix=DISPATCH_DROPLESS
// DISPATCH_DROPLESS: PASS dispatch_dropless
//
// RUN: %python %S/Inputs/lowering_ref.py emit dispatch_position > %t.dispatch_position.mlir
// RUN: cat %s %t.dispatch_position.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.dispatch_position.out
// RUN: %python %S/Inputs/lowering_ref.py check dispatch_position %t.dispatch_position.out | FileCheck %s --check-prefix=DISPATCH_POSITION
// DISPATCH_POSITION: PASS dispatch_position
//
// RUN: %python %S/Inputs/lowering_ref.py emit dispatch_score > %t.dispatch_score.mlir
// RUN: cat %s %t.dispatch_score.mlir | moe-opt --moe-to-linalg %lower_to_llvm \
// RUN:   | %mlir_runner > %t.dispatch_score.out
// RUN: %python %S/Inputs/lowering_ref.py check dispatch_score %t.dispatch_score.out | FileCheck %s --check-prefix=DISPATCH_SCORE
// DISPATCH_SCORE: PASS dispatch_score

func.func @dispatch_dropless(%x: tensor<?x5xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>)
    -> (tensor<?x5xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>) {
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 4
      : tensor<?x5xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x5xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  return %rows, %off, %tok, %rw : tensor<?x5xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
}

// C = ceil(1.0 * 13 * 2 / 4) = 7 from the runtime T.
func.func @dispatch_position(%x: tensor<?x5xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>)
    -> (tensor<?x5xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>) {
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 4 drop position capacity_factor 1.0
      : tensor<?x5xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x5xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  return %rows, %off, %tok, %rw : tensor<?x5xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
}

func.func @dispatch_score(%x: tensor<13x5xf32>, %i: tensor<13x2xi32>, %w: tensor<13x2xf32>)
    -> (tensor<26x5xf32>, tensor<5xi32>, tensor<26xi32>, tensor<26xf32>) {
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 4 drop score capacity 4
      : tensor<13x5xf32>, tensor<13x2xi32>, tensor<13x2xf32>
      -> tensor<26x5xf32>, tensor<5xi32>, tensor<26xi32>, tensor<26xf32>
  return %rows, %off, %tok, %rw : tensor<26x5xf32>, tensor<5xi32>, tensor<26xi32>, tensor<26xf32>
}
