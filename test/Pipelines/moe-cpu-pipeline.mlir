// moe-cpu-pipeline takes moe IR (moe.layer or the step ops) to the LLVM
// dialect only: no moe, linalg, tensor, memref, scf, cf, arith, math,
// bufferization or func op is left. math.erf becomes a libm call (erff);
// functions marked llvm.emit_c_interface get their C wrapper.
//
// RUN: moe-opt %s --moe-cpu-pipeline | FileCheck %s \
// RUN:   --implicit-check-not=moe. --implicit-check-not=linalg. \
// RUN:   --implicit-check-not=tensor. --implicit-check-not=memref. \
// RUN:   --implicit-check-not=scf. --implicit-check-not=cf. \
// RUN:   --implicit-check-not=arith. --implicit-check-not=math. \
// RUN:   --implicit-check-not=bufferization. --implicit-check-not=func. \
// RUN:   --implicit-check-not=unrealized_conversion_cast
// RUN: moe-opt %s --pass-pipeline='builtin.module(moe-cpu-pipeline{num-threads=4})' \
// RUN:   | FileCheck %s --check-prefix=OPTION

// CHECK-DAG: llvm.func @malloc(
// CHECK-DAG: llvm.func @erff(f32) -> f32

// A Mixtral-style layer with a gated shared expert (Qwen2-MoE).
// CHECK-LABEL: llvm.func @forward(
// CHECK-LABEL: llvm.func @_mlir_ciface_forward(
// OPTION-LABEL: llvm.func @forward(
func.func @forward(
    %x: tensor<?x16xf32>, %gate: tensor<4x16xf32>,
    %w1: tensor<4x24x16xf32>, %w3: tensor<4x24x16xf32>,
    %w2: tensor<4x16x24xf32>, %sw1: tensor<20x16xf32>,
    %sw3: tensor<20x16xf32>, %sw2: tensor<16x20xf32>,
    %sg: tensor<1x16xf32>) -> tensor<?x16xf32>
    attributes {llvm.emit_c_interface} {
  %y = moe.layer %x router(%gate : tensor<4x16xf32>)
         w1(%w1 : tensor<4x24x16xf32>) w3(%w3 : tensor<4x24x16xf32>)
         w2(%w2 : tensor<4x16x24xf32>)
         shared_w1(%sw1 : tensor<20x16xf32>) shared_w3(%sw3 : tensor<20x16xf32>)
         shared_w2(%sw2 : tensor<16x20xf32>) shared_gate(%sg : tensor<1x16xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// Expert choice with exact GELU: erf is called from libm.
// CHECK-LABEL: llvm.func @expert_choice(
// CHECK: llvm.call @erff(
func.func @expert_choice(%x: tensor<8x16xf32>, %gate: tensor<4x16xf32>,
                         %w1: tensor<4x24x16xf32>, %w2: tensor<4x16x24xf32>)
    -> tensor<8x16xf32> {
  %y = moe.layer %x router(%gate : tensor<4x16xf32>)
         w1(%w1 : tensor<4x24x16xf32>) w2(%w2 : tensor<4x16x24xf32>)
         routing #moe.expert_choice<capacity = 3>
         activation gelu_erf : tensor<8x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// The step ops, sigmoid routing with a capacity, tanh GELU.
// CHECK-LABEL: llvm.func @steps(
func.func @steps(%x: tensor<?x16xf32>, %logits: tensor<?x4xf32>,
                 %w1: tensor<4x24x16xf32>, %w2: tensor<4x16x24xf32>)
    -> tensor<?x16xf32> {
  %w, %i = moe.route %logits <k = 2, scoring = sigmoid, normalize = true>
      : tensor<?x4xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %rows, %offsets, %tok, %rw = moe.dispatch %x, %i, %w
      experts 4 drop position capacity_factor 1.0
      : tensor<?x16xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x16xf32>, tensor<5xi32>, tensor<?xi32>, tensor<?xf32>
  %e = moe.experts %rows offsets(%offsets : tensor<5xi32>)
         w1(%w1 : tensor<4x24x16xf32>) w2(%w2 : tensor<4x16x24xf32>)
         activation gelu_tanh : tensor<?x16xf32> -> tensor<?x16xf32>
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x16xf32>
  %empty = tensor.empty(%t) : tensor<?x16xf32>
  %zero = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x16xf32>)
      -> tensor<?x16xf32>
  %out = moe.combine %e tokens(%tok : tensor<?xi32>)
           weights(%rw : tensor<?xf32>) into %acc
           : tensor<?x16xf32> -> tensor<?x16xf32>
  return %out : tensor<?x16xf32>
}
