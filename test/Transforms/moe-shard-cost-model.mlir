// The cost model of moe-shard (ranks without ep and tp): one candidate per
// divisor of R, the fastest valid one chosen, its table in the report.
//
// 8 ranks: candidates ep = 1, 2, 4, 8; E = 8 allows all of them and expert
// parallelism moves the fewest rows. T = 13 does not divide by 8: the
// ranks hold 2 or 1 tokens, which the model allows.
// RUN: moe-opt %s --moe-shard="ranks=8 report=%t.8.json" | FileCheck %s --check-prefix=PLAN8
// RUN: FileCheck %s --check-prefix=REPORT8 < %t.8.json
// PLAN8: moe.shard_plan = {ep = 8 : i64, ranks = 8 : i64, tp = 1 : i64}
// REPORT8: "candidates":
// REPORT8-COUNT-4: "ep":
// REPORT8-NOT: "invalid"
// REPORT8: "chosen": {
// REPORT8-NEXT: "ep": 8,
// REPORT8-NEXT: "tp": 1

// The largest rank count answers at once: 65536 = 2^16 has 17 divisors, and
// the model looks at those only (not at every integer up to R). E = 256 and
// F = 256 make ep = tp = 256 the one valid split; ep = 512 and up leave
// fewer experts than groups.
// RUN: timeout 30 moe-opt %s --moe-shard="ranks=65536 report=%t.max.json" | FileCheck %s --check-prefix=PLANMAX
// RUN: FileCheck %s --check-prefix=REPORTMAX < %t.max.json
// PLANMAX: moe.shard_plan = {ep = 256 : i64, ranks = 65536 : i64, tp = 256 : i64}
// REPORTMAX-COUNT-17: "ep":
// REPORTMAX-NOT: "ep":
// REPORTMAX: "chosen": {
// REPORTMAX-NEXT: "ep": 256,
// REPORTMAX-NEXT: "tp": 256
func.func @forward(%x: tensor<13x32xf32>, %wg: tensor<256x32xf32>,
                   %w1: tensor<256x256x32xf32>, %w2: tensor<256x32x256xf32>)
    -> tensor<13x32xf32> {
  %y = moe.layer %x router(%wg : tensor<256x32xf32>)
         w1(%w1 : tensor<256x256x32xf32>) w2(%w2 : tensor<256x32x256xf32>)
         routing #moe.routing<k = 2, scoring = softmax> activation silu
         : tensor<13x32xf32> -> tensor<13x32xf32>
  return %y : tensor<13x32xf32>
}
