// RUN: moe-opt %s --split-input-file --moe-shard="ep=2 tp=2 ranks=4" | FileCheck %s

// A gated top-2 layer of 8 experts over 4 ranks (2 groups x 2): every rank
// gets 16 of the 64 tokens, experts 4·g.. of w1/w3 ([4, F/2, D]) and w2
// ([4, D, F/2]); the router stays whole. Three exchanges: the per-expert
// counts, the rows (to the tp ranks of the owning group) and the outputs back;
// combine adds the returned partial rows.

// CHECK-LABEL: func.func @gated
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<16x32xf32> {moe.shard = ["ranks", ""]}, %[[WG:[a-z0-9]+]]: tensor<8x32xf32>,
// CHECK-SAME: %[[W1:[a-z0-9]+]]: tensor<4x24x32xf32> {moe.shard = ["ep", "tp", ""]},
// CHECK-SAME: %[[W3:[a-z0-9]+]]: tensor<4x24x32xf32> {moe.shard = ["ep", "tp", ""]},
// CHECK-SAME: %[[W2:[a-z0-9]+]]: tensor<4x32x24xf32> {moe.shard = ["ep", "", "tp"]})
// CHECK-SAME: -> tensor<16x32xf32>
// CHECK-SAME: moe.shard_plan = {ep = 2 : i64, ranks = 4 : i64, tp = 2 : i64}
// CHECK: moe.route
// CHECK: %[[ROWS:.*]], %[[OFF:.*]], %{{.*}}, %{{.*}} = moe.dispatch %[[X]], {{.*}} experts 8
// CHECK-SAME: -> tensor<32x32xf32>, tensor<9xi32>
// CHECK: %[[SC:.*]] = tensor.generate
// CHECK: %[[EC:.*]] = tensor.generate
// CHECK: moe.all_to_all %[[EC]], %{{.*}} ranks 4 : tensor<4x4xf32>, tensor<4xi32> -> tensor<4x4xf32>, tensor<4xi32>
// CHECK: %[[PACK:.*]]:4 = scf.for
// CHECK: %[[RECV:.*]], %[[RC:.*]] = moe.all_to_all %[[PACK]]#0, %[[SC]] ranks 4 : tensor<64x32xf32>, tensor<4xi32> -> tensor<?x32xf32>, tensor<4xi32>
// CHECK: %[[Y:.*]]:2 = scf.for
// CHECK: moe.experts %{{.*}} offsets(%{{.*}} : tensor<5xi32>) w1(%[[W1]] : tensor<4x24x32xf32>) w3(%[[W3]] : tensor<4x24x32xf32>) w2(%[[W2]] : tensor<4x32x24xf32>)
// CHECK: %[[BACK:.*]], %{{.*}} = moe.all_to_all %[[Y]]#0, %[[RC]] ranks 4 : tensor<?x32xf32>, tensor<4xi32> -> tensor<?x32xf32>, tensor<4xi32>
// CHECK: %[[OUT:.*]] = moe.combine %[[BACK]]
// CHECK: return %[[OUT]] : tensor<16x32xf32>
// CHECK-NOT: moe.all_to_all
func.func @gated(%x: tensor<64x32xf32>, %wg: tensor<8x32xf32>,
                 %w1: tensor<8x48x32xf32>, %w3: tensor<8x48x32xf32>,
                 %w2: tensor<8x32x48xf32>) -> tensor<64x32xf32> {
  %y = moe.layer %x router(%wg : tensor<8x32xf32>)
         w1(%w1 : tensor<8x48x32xf32>) w3(%w3 : tensor<8x48x32xf32>)
         w2(%w2 : tensor<8x32x48xf32>)
         routing #moe.routing<k = 2, scoring = softmax, normalize = true>
         activation silu : tensor<64x32xf32> -> tensor<64x32xf32>
  return %y : tensor<64x32xf32>
}

// -----

// Dynamic T, non-gated, a shared expert and capacity: x stays [?, D]; the
// shared expert (replicated) runs on the rank's own tokens; the rank's
// dispatch keeps its capacity factor (capacity per rank).

// CHECK-LABEL: func.func @shared_capacity
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x32xf32> {moe.shard = ["ranks", ""]}, %{{.*}}: tensor<8x32xf32>,
// CHECK-SAME: %{{.*}}: tensor<4x24x32xf32> {moe.shard = ["ep", "tp", ""]},
// CHECK-SAME: %{{.*}}: tensor<4x32x24xf32> {moe.shard = ["ep", "", "tp"]},
// CHECK-SAME: %{{.*}}: tensor<40x32xf32>, %{{.*}}: tensor<32x40xf32>)
// CHECK: moe.dispatch {{.*}} experts 8 drop position capacity_factor 1.250000e+00
// CHECK: moe.experts %[[X]] offsets
// CHECK-COUNT-3: moe.all_to_all
// CHECK: moe.combine
func.func @shared_capacity(%x: tensor<?x32xf32>, %wg: tensor<8x32xf32>,
                           %w1: tensor<8x48x32xf32>, %w2: tensor<8x32x48xf32>,
                           %s1: tensor<40x32xf32>, %s2: tensor<32x40xf32>)
    -> tensor<?x32xf32> {
  %y = moe.layer %x router(%wg : tensor<8x32xf32>)
         w1(%w1 : tensor<8x48x32xf32>) w2(%w2 : tensor<8x32x48xf32>)
         shared_w1(%s1 : tensor<40x32xf32>) shared_w2(%s2 : tensor<32x40xf32>)
         routing #moe.routing<k = 2, scoring = sigmoid, normalize = true>
         activation gelu_tanh drop position capacity_factor 1.25
         : tensor<?x32xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

// An already decomposed layer (dynamic T) is sharded in place.

// CHECK-LABEL: func.func @decomposed
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x32xf32> {moe.shard = ["ranks", ""]}, %{{.*}}: tensor<?x8xf32> {moe.shard = ["ranks", ""]},
// CHECK-SAME: %{{.*}}: tensor<4x24x32xf32> {moe.shard = ["ep", "tp", ""]},
// CHECK-SAME: %{{.*}}: tensor<4x32x24xf32> {moe.shard = ["ep", "", "tp"]},
// CHECK-SAME: %{{.*}}: tensor<?x32xf32> {moe.shard = ["ranks", ""]})
// CHECK-COUNT-3: moe.all_to_all
func.func @decomposed(%x: tensor<?x32xf32>, %logits: tensor<?x8xf32>,
                      %w1: tensor<8x48x32xf32>, %w2: tensor<8x32x48xf32>,
                      %acc: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %w, %i = moe.route %logits <k = 2, scoring = softmax>
             : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 8
      : tensor<?x32xf32>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x32xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  %y = moe.experts %rows offsets(%off : tensor<9xi32>)
         w1(%w1 : tensor<8x48x32xf32>) w2(%w2 : tensor<8x32x48xf32>)
         activation relu : tensor<?x32xf32> -> tensor<?x32xf32>
  %out = moe.combine %y tokens(%tok : tensor<?xi32>) weights(%rw : tensor<?xf32>)
           into %acc : tensor<?x32xf32> -> tensor<?x32xf32>
  return %out : tensor<?x32xf32>
}

// -----

// T = 13 tokens do not split evenly over 4 ranks: every rank is given a
// dynamic count (4, 3, 3, 3 rows from moe-run --shard), and the program is
// the same on every rank.

// CHECK-LABEL: func.func @uneven
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x32xf32> {moe.shard = ["ranks", ""]}, %{{.*}}: tensor<8x32xf32>,
// CHECK-SAME: %{{.*}}: tensor<4x24x32xf32> {moe.shard = ["ep", "tp", ""]},
// CHECK-SAME: %{{.*}}: tensor<4x32x24xf32> {moe.shard = ["ep", "", "tp"]})
// CHECK-SAME: -> tensor<?x32xf32>
// CHECK: moe.dispatch %[[X]], {{.*}} experts 8 drop score capacity 3
// CHECK-SAME: -> tensor<?x32xf32>, tensor<9xi32>
// CHECK-COUNT-3: moe.all_to_all
// CHECK: %[[OUT:.*]] = moe.combine
// CHECK: return %[[OUT]] : tensor<?x32xf32>
func.func @uneven(%x: tensor<13x32xf32>, %wg: tensor<8x32xf32>,
                  %w1: tensor<8x48x32xf32>, %w2: tensor<8x32x48xf32>)
    -> tensor<13x32xf32> {
  %y = moe.layer %x router(%wg : tensor<8x32xf32>)
         w1(%w1 : tensor<8x48x32xf32>) w2(%w2 : tensor<8x32x48xf32>)
         routing #moe.routing<k = 2, scoring = softmax>
         activation relu drop score capacity 3
         : tensor<13x32xf32> -> tensor<13x32xf32>
  return %y : tensor<13x32xf32>
}

// -----

// Expert choice with C = 3 above T/R = 2 tokens a rank: a static count of 2
// would break layer_c3 (C <= T), so the count is dynamic and the slots past a
// rank's tokens stay empty (token -1).

// CHECK-LABEL: func.func @choice_above_slice
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x32xf32> {moe.shard = ["ranks", ""]}
// CHECK-SAME: -> tensor<?x32xf32>
// CHECK: moe.route_expert_choice %{{.*}} capacity 3 : tensor<?x8xf32> -> tensor<8x3xi32>, tensor<8x3xf32>
// CHECK-COUNT-3: moe.all_to_all
func.func @choice_above_slice(%x: tensor<8x32xf32>, %wg: tensor<8x32xf32>,
                              %w1: tensor<8x48x32xf32>, %w2: tensor<8x32x48xf32>)
    -> tensor<8x32xf32> {
  %y = moe.layer %x router(%wg : tensor<8x32xf32>)
         w1(%w1 : tensor<8x48x32xf32>) w2(%w2 : tensor<8x32x48xf32>)
         routing #moe.expert_choice<capacity = 3> activation silu
         : tensor<8x32xf32> -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}
