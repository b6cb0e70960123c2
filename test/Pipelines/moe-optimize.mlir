// moe-optimize: raise, decompose, plan, fuse, canonicalize. By default the
// plan changes layouts only (preserve-drops): a dropless dispatch stays
// dropless, one that drops becomes padded at its own capacity, and a dynamic
// T without tokens= is left unplanned. Gated experts whose weights are
// function arguments stay unfused unless pack-argument-weights=true (it would
// concatenate w1 and w3 on every call).
//
// RUN: moe-opt %s --moe-optimize -mlir-print-op-on-diagnostic=false 2>%t.remarks \
// RUN:   | FileCheck %s --implicit-check-not=moe.layer
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: moe-opt %s --pass-pipeline='builtin.module(moe-optimize{allow-drops=true capacity-factor=2.0 pack-argument-weights=true tokens=64 block=8})' \
// RUN:   -mlir-print-op-on-diagnostic=false 2>/dev/null | FileCheck %s --check-prefix=OPTS
// RUN: moe-opt %s --pass-pipeline='builtin.module(moe-optimize{plan=false fuse=false})' \
// RUN:   | FileCheck %s --check-prefix=DECOMPOSE-ONLY
// RUN: moe-opt %s --moe-optimize='report=%t.json' -o /dev/null 2>/dev/null
// RUN: FileCheck %s --check-prefix=REPORT < %t.json
// RUN: not moe-opt %s --moe-optimize='capacity-factor=-1' -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-FACTOR
// RUN: not moe-opt %s --moe-optimize='mode=fastest' -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-MODE
// RUN: not moe-opt %s --moe-optimize='profile=%t.missing.json' -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-PROFILE
// RUN: not moe-opt %s --moe-optimize='mode=padded' -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=FORCED

// REMARK: :63:8: remark: capacity plan for T = 32, k = 2, E = 4: ragged
// REMARK-SAME: (not applicable: preserve-drops: the op drops no assignment)
// REMARK: remark: capacity plan for T = 32, k = 2, E = 4: ragged
// REMARK: remark: capacity plan for T = 32, k = 2, E = 4: padded (capacity 16, drop position)
// REMARK-SAME: ragged: {{.*}}(not applicable: preserve-drops: the op drops assignments over capacity 16)
// REMARK: remark: capacity plan: left unchanged: T is dynamic and the option tokens is not given

// REPORT: "preserve_drops": true
// REPORT: "choice": "ragged"
// REPORT: "choice": "ragged"
// REPORT: "choice": "padded"
// REPORT: "reason": "left unchanged: T is dynamic and the option tokens is not given"
// REPORT-NEXT: "choice": null

// BAD-FACTOR: error: moe-capacity-plan: capacity-factor = -1 must be finite and positive
// BAD-MODE: error: moe-capacity-plan: mode = 'fastest' must be auto, dropless, padded or blocked
// BAD-PROFILE: error: moe-capacity-plan: cannot read routing profile '{{.*}}missing.json'
// FORCED: error: moe-capacity-plan: mode=padded cannot apply layout padded: preserve-drops: the op drops no assignment

// CHECK-LABEL: func.func @gated(
// CHECK: moe.dispatch {{.*}} experts 4 {moe.plan = {{.*}} -> tensor<64x16xf32>
// CHECK: moe.experts
// CHECK-SAME: activation silu
// CHECK: moe.combine
// OPTS-LABEL: func.func @gated(
// OPTS: tensor.concat
// OPTS: moe.grouped_matmul_act {{.*}} activation silu gated
// OPTS: moe.grouped_matmul_combine
// DECOMPOSE-ONLY-LABEL: func.func @gated(
// DECOMPOSE-ONLY: moe.route
// DECOMPOSE-ONLY: moe.dispatch
// DECOMPOSE-ONLY-NOT: moe.plan
// DECOMPOSE-ONLY: moe.experts
// DECOMPOSE-ONLY: moe.combine
func.func @gated(%x: tensor<32x16xf32>, %wg: tensor<4x16xf32>,
    %w1: tensor<4x32x16xf32>, %w3: tensor<4x32x16xf32>,
    %w2: tensor<4x16x32xf32>) -> tensor<32x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w3(%w3 : tensor<4x32x16xf32>)
         w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu : tensor<32x16xf32> -> tensor<32x16xf32>
  return %y : tensor<32x16xf32>
}

// CHECK-LABEL: func.func @relu(
// CHECK: %[[ROWS:.*]], %[[OFF:.*]], %[[TOK:.*]], %[[RW:.*]] = moe.dispatch
// CHECK: %[[H:.*]] = moe.grouped_matmul_act %[[ROWS]], %arg2 offsets(%[[OFF]] : tensor<5xi32>) activation relu
// CHECK: moe.grouped_matmul_combine %[[H]], %arg3 offsets(%[[OFF]] : tensor<5xi32>) tokens(%[[TOK]] : tensor<64xi32>) weights(%[[RW]] : tensor<64xf32>)
func.func @relu(%x: tensor<32x16xf32>, %wg: tensor<4x16xf32>,
    %w1: tensor<4x32x16xf32>, %w2: tensor<4x16x32xf32>) -> tensor<32x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 2, scoring = softmax> activation relu
         : tensor<32x16xf32> -> tensor<32x16xf32>
  return %y : tensor<32x16xf32>
}

// The capacity stays C = ceil(1.0 · 32 · 2 / 4) = 16; with allow-drops and
// capacity-factor=2.0 the cheapest plan is dropless.
// CHECK-LABEL: func.func @position(
// CHECK: moe.dispatch {{.*}} experts 4 drop position capacity 16 layout padded
// CHECK: moe.grouped_matmul_act
// CHECK: moe.grouped_matmul_combine
// OPTS-LABEL: func.func @position(
// OPTS: moe.dispatch {{.*}} experts 4 {moe.plan
// OPTS: moe.grouped_matmul_act
func.func @position(%x: tensor<32x16xf32>, %wg: tensor<4x16xf32>,
    %w1: tensor<4x32x16xf32>, %w2: tensor<4x16x32xf32>) -> tensor<32x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 2, scoring = softmax> activation relu
         drop position capacity_factor 1.0
         : tensor<32x16xf32> -> tensor<32x16xf32>
  return %y : tensor<32x16xf32>
}

// CHECK-LABEL: func.func @dynamic(
// CHECK: moe.dispatch {{.*}} experts 4 : tensor<?x16xf32>
// CHECK: moe.grouped_matmul_act
// OPTS-LABEL: func.func @dynamic(
// OPTS: moe.dispatch {{.*}} {moe.plan = {{.*}}tokens = 64 : i64}}
func.func @dynamic(%x: tensor<?x16xf32>, %wg: tensor<4x16xf32>,
    %w1: tensor<4x32x16xf32>, %w2: tensor<4x16x32xf32>) -> tensor<?x16xf32> {
  %y = moe.layer %x router(%wg : tensor<4x16xf32>)
         w1(%w1 : tensor<4x32x16xf32>) w2(%w2 : tensor<4x16x32xf32>)
         routing #moe.routing<k = 2, scoring = softmax> activation relu
         : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
