// The layer of the first function below: T = 64 tokens of D = 1024 (bf16),
// k = 2, E = 8 gated experts of F = 2048, so T·k = 128 assignments and
// f = 2·1024·2048·3 FLOPs per row. With capacity-factor=1.0, C =
// ceil(1.0·128/8) = 16. Figures by hand (docs/CapacityPlanning.md):
//
// - bytes = N·(1024·2 + 8) + 4·9: ragged and padded N = 128 -> 263204;
//   blocked N = 128 + 8·(block-1): block 16 -> 248 rows, 509924 bytes;
//   block 4 -> 152 rows, 312548 bytes.
// - uniform profile: every expert gets 16; nothing drops, no waste. Costs
//   (in units of f·128 = 1610612736 FLOPs, plus 100 FLOPs per byte):
//   ragged 128f/0.7 + 100·263204, padded 128f + 100·263204, blocked
//   128f/0.85 + 100·509924: padded is cheapest; relative times ragged
//   1.422, blocked 1.189.
// - skewed profile [40, 20, 10, 10, 5, 5, 5, 5] scaled to 128 by largest
//   remainders: [51, 26, 13, 13, 7, 6, 6, 6]. Padded drops (51-16) +
//   (26-16) = 45 of 128 = 0.3516, over max-drop-rate 0.01; its useful rows
//   are 83, waste 45/83 = 0.5422. Blocked rounds the loads up to the block:
//   block 16 -> 192 rows (waste 0.5), dearer than ragged: ragged wins;
//   block 4 -> 52+28+16+16+8+8+8+8 = 144 rows (waste 0.125), cheaper than
//   ragged (144/0.85 < 128/0.7): blocked wins.
//
// MLIR 22's moe-opt checks expected-* lines even without -verify-diagnostics
// (and then reports those it did not see), so the runs with other options
// drop them first.
//
// RUN: moe-opt %s -split-input-file -verify-diagnostics --moe-capacity-plan='profile=%S/Inputs/capacity-uniform.json capacity-factor=1.0 block=16 tokens=64' | FileCheck %s
//
// The same layers with the skewed profile: dropless plans instead.
// RUN: sed -e /expected-/d %s | moe-opt -split-input-file --moe-capacity-plan='profile=%S/Inputs/capacity-skewed.json capacity-factor=1.0 block=16 tokens=64' 2>%t.skewed16.err | FileCheck %s --check-prefix=SKEWED16
// RUN: FileCheck %s --check-prefix=SKEWED16-REMARK < %t.skewed16.err
// RUN: sed -e /expected-/d %s | moe-opt -split-input-file --moe-capacity-plan='profile=%S/Inputs/capacity-skewed.json capacity-factor=1.0 block=4 tokens=64' 2>%t.skewed4.err | FileCheck %s --check-prefix=SKEWED4
// RUN: FileCheck %s --check-prefix=SKEWED4-REMARK < %t.skewed4.err
//
// The report and forced modes. (The pass counts its choices in statistics,
// but LLVM 22 as packaged is built without statistics: -mlir-pass-statistics
// prints no counters to test.)
// RUN: sed -e /expected-/d %s | moe-opt --moe-capacity-plan='profile=%S/Inputs/capacity-skewed.json capacity-factor=1.0 block=4 tokens=64 report=%t.report.json' -o /dev/null 2>/dev/null
// RUN: FileCheck %s --check-prefix=REPORT < %t.report.json
// RUN: sed -e /expected-/d %s | moe-opt --moe-capacity-plan='profile=%S/Inputs/capacity-skewed.json capacity-factor=1.0 tokens=64 mode=padded' 2>/dev/null | FileCheck %s --check-prefix=FORCED
// RUN: sed -e /expected-/d %s | moe-opt --moe-capacity-plan='tokens=64 mode=dropless' 2>/dev/null | FileCheck %s --check-prefix=DROPLESS
// RUN: sed -e /expected-/d %s | moe-opt --moe-capacity-plan='tokens=64 preserve-drops=true' 2>%t.preserve.err | FileCheck %s --check-prefix=PRESERVE
// RUN: FileCheck %s --check-prefix=PRESERVE-REMARK < %t.preserve.err
// RUN: sed -e /expected-/d %s | moe-opt --moe-capacity-plan='skip-dynamic=true report=%t.skip.json' 2>%t.skip.err | FileCheck %s --check-prefix=SKIP
// RUN: FileCheck %s --check-prefix=SKIP-REMARK < %t.skip.err
// RUN: FileCheck %s --check-prefix=SKIP-REPORT < %t.skip.json
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='tokens=64 preserve-drops=true mode=padded' 2>&1 | FileCheck %s --check-prefix=ERR-PRESERVE
//
// Bad options and profiles: one error, exit code 1.
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='block=0' 2>&1 | FileCheck %s --check-prefix=ERR-BLOCK
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='capacity-factor=-1' 2>&1 | FileCheck %s --check-prefix=ERR-FACTOR
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='tokens=-5' 2>&1 | FileCheck %s --check-prefix=ERR-TOKENS-NEG
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='tokens=4611686018427387904' 2>&1 | FileCheck %s --check-prefix=ERR-TOKENS-HUGE
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='max-drop-rate=2' 2>&1 | FileCheck %s --check-prefix=ERR-RATE
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='mode=fastest' 2>&1 | FileCheck %s --check-prefix=ERR-MODE
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='profile=%t.missing.json tokens=64' 2>&1 | FileCheck %s --check-prefix=ERR-MISSING
// RUN: echo '{"experts": 8, "histogram": [1, 2,' > %t.malformed.json
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='profile=%t.malformed.json tokens=64' 2>&1 | FileCheck %s --check-prefix=ERR-JSON
// RUN: echo '{"experts": 8, "histogram": [1, 2, 3]}' > %t.short.json
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='profile=%t.short.json tokens=64' 2>&1 | FileCheck %s --check-prefix=ERR-LENGTH
// RUN: echo '{"experts": 8, "histogram": [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, -4, 1, 1, 1, 1]]}' > %t.negative.json
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='profile=%t.negative.json tokens=64' 2>&1 | FileCheck %s --check-prefix=ERR-NEGATIVE
// RUN: echo '{"experts": 8, "histogram": [0, 0, 0, 0, 0, 0, 0, 0]}' > %t.empty.json
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='profile=%t.empty.json tokens=64' 2>&1 | FileCheck %s --check-prefix=ERR-EMPTY
// RUN: echo '{"experts": 4, "histogram": [1, 1, 1, 1]}' > %t.four.json
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='profile=%t.four.json tokens=64' 2>&1 | FileCheck %s --check-prefix=ERR-EXPERTS
// RUN: %python -c "import sys; open(sys.argv[1], 'w').write('{\"experts\": 8, \"histogram\": ' + '[' * 50000 + ']' * 50000 + '}')" %t.deep.json
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='profile=%t.deep.json tokens=64' 2>&1 | FileCheck %s --check-prefix=ERR-DEEP
// RUN: echo '{"experts": 8, "experts": 4, "histogram": [1, 1, 1, 1]}' > %t.twice.json
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='profile=%t.twice.json tokens=64' 2>&1 | FileCheck %s --check-prefix=ERR-TWICE
// RUN: echo '{"experts": 8, "histogram": [1, 1, 1, 1, 1, 1, 1, 100000000000000000000]}' > %t.big.json
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='profile=%t.big.json tokens=64' 2>&1 | FileCheck %s --check-prefix=ERR-BIG
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='profile=/dev/zero tokens=64' 2>&1 | FileCheck %s --check-prefix=ERR-DEVICE
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='profile=%S tokens=64' 2>&1 | FileCheck %s --check-prefix=ERR-DIR
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan 2>&1 | FileCheck %s --check-prefix=ERR-DYNAMIC
// RUN: sed -e /expected-/d %s | not moe-opt --moe-capacity-plan='tokens=64 report=%t.missing-dir/report.json' 2>&1 | FileCheck %s --check-prefix=ERR-REPORT

// CHECK-LABEL: func.func @static_tokens
// CHECK: %[[R:.*]], %[[O:.*]], %[[T:.*]], %[[W:.*]] = moe.dispatch %{{.*}} experts 8 drop position capacity 16 layout padded {moe.plan = {buffer_bytes = 263204 : i64, drop_rate = 0.000000e+00 : f64, padding_waste = 0.000000e+00 : f64, tokens = 64 : i64}} : tensor<64x1024xbf16>, tensor<64x2xi32>, tensor<64x2xf32> -> tensor<128x1024xbf16>, tensor<9xi32>, tensor<128xi32>, tensor<128xf32>
// CHECK: moe.experts %[[R]] offsets(%[[O]] : tensor<9xi32>)
// CHECK: moe.combine %{{.*}} tokens(%[[T]] : tensor<128xi32>) weights(%[[W]] : tensor<128xf32>)

// SKEWED16-LABEL: func.func @static_tokens
// SKEWED16: moe.dispatch %{{.*}} experts 8 {moe.plan = {buffer_bytes = 263204 : i64, drop_rate = 0.000000e+00 : f64, padding_waste = 0.000000e+00 : f64, tokens = 64 : i64}} : tensor<64x1024xbf16>, tensor<64x2xi32>, tensor<64x2xf32> -> tensor<128x1024xbf16>

// SKEWED16-REMARK: remark: capacity plan for T = 64, k = 2, E = 8: ragged, lowest cost with drop rate at most 0.01; ragged: drop rate 0, padding waste 0, 263204 bytes, time 1; padded (capacity 16, drop position): drop rate 0.3516, padding waste 0.5422, 263204 bytes, time 0.7034 (drop rate over max-drop-rate 0.01); blocked (block 16): drop rate 0, padding waste 0.5, 509924 bytes, time 1.243

// SKEWED4-LABEL: func.func @static_tokens
// SKEWED4: moe.dispatch %{{.*}} experts 8 layout blocked block 4 {moe.plan = {buffer_bytes = 312548 : i64, drop_rate = 0.000000e+00 : f64, padding_waste = 1.250000e-01 : f64, tokens = 64 : i64}} : tensor<64x1024xbf16>, tensor<64x2xi32>, tensor<64x2xf32> -> tensor<152x1024xbf16>, tensor<9xi32>, tensor<152xi32>, tensor<152xf32>
// SKEWED4-NEXT: moe.experts {{.*}} : tensor<152x1024xbf16> -> tensor<152x1024xbf16>

// SKEWED4-REMARK: remark: capacity plan for T = 64, k = 2, E = 8: blocked (block 4), lowest cost with drop rate at most 0.01; ragged: drop rate 0, padding waste 0, 263204 bytes, time 1.076; padded (capacity 16, drop position): drop rate 0.3516, padding waste 0.5422, 263204 bytes, time 0.7568 (drop rate over max-drop-rate 0.01); blocked (block 4): drop rate 0, padding waste 0.125, 312548 bytes, time 1

// The report of the first op (its candidates in the order ragged, padded,
// blocked), after the options.
// REPORT: "options": {
// REPORT: "capacity_factor": 1,
// REPORT: "block": 4,
// REPORT: "histograms": 1,
// REPORT: "mode": "auto",
// REPORT: "dispatches": [
// REPORT: "function": "static_tokens",
// REPORT-NEXT: "tokens": 64,
// REPORT-NEXT: "tokens_from": "type",
// REPORT-NEXT: "k": 2,
// REPORT-NEXT: "experts": 8,
// REPORT-NEXT: "hidden": 1024,
// REPORT-NEXT: "element_bytes": 2,
// REPORT-NEXT: "flops_per_row": 12582912,
// REPORT-NEXT: "flops_from": "moe.experts (gated)",
// REPORT-NEXT: "loads": [
// REPORT-NEXT: [
// REPORT-NEXT: 51,
// REPORT-NEXT: 26,
// REPORT-NEXT: 13,
// REPORT-NEXT: 13,
// REPORT-NEXT: 7,
// REPORT-NEXT: 6,
// REPORT-NEXT: 6,
// REPORT-NEXT: 6
// REPORT: "layout": "ragged",
// REPORT: "rows": 128,
// REPORT: "layout": "padded",
// REPORT-NEXT: "drop_policy": "position",
// REPORT-NEXT: "capacity": 16,
// REPORT-NEXT: "block": null,
// REPORT-NEXT: "rows": 128,
// REPORT-NEXT: "computed_rows": 128,
// REPORT-NEXT: "useful_rows": 83,
// REPORT-NEXT: "drop_rate": 0.3515625,
// REPORT: "buffer_bytes": 263204,
// REPORT: "eligible": false,
// REPORT-NEXT: "excluded": "drop rate over max-drop-rate 0.01"
// REPORT: "layout": "blocked",
// REPORT-NEXT: "drop_policy": "none",
// REPORT-NEXT: "capacity": null,
// REPORT-NEXT: "block": 4,
// REPORT-NEXT: "rows": 152,
// REPORT-NEXT: "computed_rows": 144,
// REPORT-NEXT: "useful_rows": 128,
// REPORT-NEXT: "drop_rate": 0,
// REPORT-NEXT: "padding_waste": 0.125,
// REPORT-NEXT: "buffer_bytes": 312548,
// REPORT: "eligible": true,
// REPORT: "choice": "blocked",
// REPORT-NEXT: "reason": "lowest cost with drop rate at most 0.01"

// Forced padded: drops are accepted.
// FORCED-LABEL: func.func @static_tokens
// FORCED: moe.dispatch %{{.*}} experts 8 drop position capacity 16 layout padded {moe.plan = {buffer_bytes = 263204 : i64, drop_rate = 0.3515625 : f64, padding_waste = 0.54216867469879515 : f64, tokens = 64 : i64}}

// DROPLESS-LABEL: func.func @static_tokens
// DROPLESS: moe.dispatch %{{.*}} experts 8 {moe.plan

// With preserve-drops, the dropless op may not become padded (C = 20 at the
// default capacity-factor 1.25), though padded is the cheapest (time 0.8792
// of ragged): ragged beats blocked at block 64 (N = 128 + 8·63 = 632 rows).
// PRESERVE-LABEL: func.func @static_tokens
// PRESERVE: moe.dispatch %{{.*}} experts 8 {moe.plan = {{.*}} -> tensor<128x1024xbf16>,
// PRESERVE-REMARK: remark: capacity plan for T = 64, k = 2, E = 8: ragged, lowest cost with drop rate at most 0.01;
// PRESERVE-REMARK-SAME: padded (capacity 20, drop position): {{.*}}, time 0.8792 (not applicable: preserve-drops: the op drops no assignment)
// ERR-PRESERVE: error: moe-capacity-plan: mode=padded cannot apply layout padded: preserve-drops: the op drops no assignment

// With skip-dynamic and no tokens option, the static T is planned and the
// dynamic one is left as it is.
// SKIP-LABEL: func.func @static_tokens
// SKIP: moe.dispatch %{{.*}} experts 8 drop position capacity 20 layout padded
// SKIP-LABEL: func.func @dynamic_tokens
// SKIP: moe.dispatch %{{.*}} experts 8 : tensor<?x1024xbf16>
// SKIP-REMARK: remark: capacity plan for T = 64, k = 2, E = 8: padded
// SKIP-REMARK: remark: capacity plan: left unchanged: T is dynamic and the option tokens is not given
// SKIP-REPORT: "skip_dynamic": true
// SKIP-REPORT: "function": "static_tokens"
// SKIP-REPORT: "choice": "padded"
// SKIP-REPORT: "function": "dynamic_tokens",
// SKIP-REPORT-NEXT: "reason": "left unchanged: T is dynamic and the option tokens is not given",
// SKIP-REPORT-NEXT: "choice": null

func.func @static_tokens(%x: tensor<64x1024xbf16>, %i: tensor<64x2xi32>,
    %w: tensor<64x2xf32>, %w1: tensor<8x2048x1024xbf16>,
    %w3: tensor<8x2048x1024xbf16>, %w2: tensor<8x1024x2048xbf16>,
    %acc: tensor<64x1024xbf16>) -> tensor<64x1024xbf16> {
  // expected-remark @+1 {{capacity plan for T = 64, k = 2, E = 8: padded (capacity 16, drop position), lowest cost with drop rate at most 0.01; ragged: drop rate 0, padding waste 0, 263204 bytes, time 1.422; padded (capacity 16, drop position): drop rate 0, padding waste 0, 263204 bytes, time 1; blocked (block 16): drop rate 0, padding waste 0, 509924 bytes, time 1.189}}
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 8
      : tensor<64x1024xbf16>, tensor<64x2xi32>, tensor<64x2xf32>
      -> tensor<128x1024xbf16>, tensor<9xi32>, tensor<128xi32>, tensor<128xf32>
  %y = moe.experts %rows offsets(%off : tensor<9xi32>)
         w1(%w1 : tensor<8x2048x1024xbf16>) w3(%w3 : tensor<8x2048x1024xbf16>)
         w2(%w2 : tensor<8x1024x2048xbf16>) activation silu
         : tensor<128x1024xbf16> -> tensor<128x1024xbf16>
  %out = moe.combine %y tokens(%tok : tensor<128xi32>)
           weights(%rw : tensor<128xf32>) into %acc
           : tensor<128x1024xbf16> -> tensor<64x1024xbf16>
  return %out : tensor<64x1024xbf16>
}

// -----

// A dynamic T planned for the option tokens=64: the same figures; padded
// rows become static, and moe.experts follows.
// CHECK-LABEL: func.func @dynamic_tokens
// CHECK: moe.dispatch %{{.*}} experts 8 drop position capacity 16 layout padded {{.*}} : tensor<?x1024xbf16>, tensor<?x2xi32>, tensor<?x2xf32> -> tensor<128x1024xbf16>, tensor<9xi32>, tensor<128xi32>, tensor<128xf32>
// CHECK: moe.experts {{.*}} : tensor<128x1024xbf16> -> tensor<128x1024xbf16>
// CHECK: moe.combine {{.*}} : tensor<128x1024xbf16> -> tensor<?x1024xbf16>

// With the skewed profile and block 16, ragged: the types stay dynamic.
// SKEWED16-LABEL: func.func @dynamic_tokens
// SKEWED16: moe.dispatch %{{.*}} experts 8 {{.*}} -> tensor<?x1024xbf16>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
// SKEWED16-REMARK: remark: capacity plan for T = 64 (option tokens), k = 2, E = 8: ragged,

// SKEWED4-LABEL: func.func @dynamic_tokens
// SKEWED4: moe.dispatch %{{.*}} experts 8 layout blocked block 4 {{.*}} -> tensor<?x1024xbf16>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
func.func @dynamic_tokens(%x: tensor<?x1024xbf16>, %i: tensor<?x2xi32>,
    %w: tensor<?x2xf32>, %w1: tensor<8x2048x1024xbf16>,
    %w3: tensor<8x2048x1024xbf16>, %w2: tensor<8x1024x2048xbf16>,
    %acc: tensor<?x1024xbf16>) -> tensor<?x1024xbf16> {
  // expected-remark @+1 {{capacity plan for T = 64 (option tokens), k = 2, E = 8: padded (capacity 16, drop position), lowest cost with drop rate at most 0.01; ragged: drop rate 0, padding waste 0, 263204 bytes, time 1.422}}
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 8
      : tensor<?x1024xbf16>, tensor<?x2xi32>, tensor<?x2xf32>
      -> tensor<?x1024xbf16>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
  %y = moe.experts %rows offsets(%off : tensor<9xi32>)
         w1(%w1 : tensor<8x2048x1024xbf16>) w3(%w3 : tensor<8x2048x1024xbf16>)
         w2(%w2 : tensor<8x1024x2048xbf16>) activation silu
         : tensor<?x1024xbf16> -> tensor<?x1024xbf16>
  %out = moe.combine %y tokens(%tok : tensor<?xi32>)
           weights(%rw : tensor<?xf32>) into %acc
           : tensor<?x1024xbf16> -> tensor<?x1024xbf16>
  return %out : tensor<?x1024xbf16>
}

// -----

// Results returned as they are: a layout that changes their static row
// count cannot apply (blocked has 128 + 8·15 = 248 rows), one that keeps it
// can (padded, 8·16 = 128). Without moe.experts the FLOPs per row assume a
// non-gated FFN of inner size 4·D.
// CHECK-LABEL: func.func @returned
// CHECK: moe.dispatch %{{.*}} experts 8 drop position capacity 16 layout padded {{.*}} -> tensor<128x1024xbf16>, tensor<9xi32>, tensor<128xi32>, tensor<128xf32>
// CHECK-NEXT: return

// Under the skewed profile neither padded (drops) nor blocked (row count)
// qualifies: ragged.
// SKEWED4-LABEL: func.func @returned
// SKEWED4: moe.dispatch %{{.*}} experts 8 {moe.plan
// SKEWED4-REMARK: remark: capacity plan for T = 64, k = 2, E = 8: ragged, {{.*}}; blocked (block 4): {{.*}} (not applicable: its results feed 'func.return', which needs tensor<128x1024xbf16>)
func.func @returned(%x: tensor<64x1024xbf16>, %i: tensor<64x2xi32>,
    %w: tensor<64x2xf32>)
    -> (tensor<128x1024xbf16>, tensor<9xi32>, tensor<128xi32>, tensor<128xf32>) {
  // expected-remark @+1 {{blocked (block 16): drop rate 0, padding waste 0, 509924 bytes, time}}
  %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 8
      : tensor<64x1024xbf16>, tensor<64x2xi32>, tensor<64x2xf32>
      -> tensor<128x1024xbf16>, tensor<9xi32>, tensor<128xi32>, tensor<128xf32>
  return %rows, %off, %tok, %rw
      : tensor<128x1024xbf16>, tensor<9xi32>, tensor<128xi32>, tensor<128xf32>
}

// -----

// moe.layer is not planned: its layout is its dispatch's.
// CHECK-LABEL: func.func @layer
// CHECK: moe.layer
func.func @layer(%x: tensor<64x1024xbf16>, %wg: tensor<8x1024xbf16>,
    %w1: tensor<8x2048x1024xbf16>, %w2: tensor<8x1024x2048xbf16>)
    -> tensor<64x1024xbf16> {
  // expected-remark @+1 {{moe-capacity-plan plans moe.dispatch: run moe-decompose first to plan this layer}}
  %y = moe.layer %x router(%wg : tensor<8x1024xbf16>)
         w1(%w1 : tensor<8x2048x1024xbf16>) w2(%w2 : tensor<8x1024x2048xbf16>)
         routing #moe.routing<k = 2, scoring = softmax> activation relu
         : tensor<64x1024xbf16> -> tensor<64x1024xbf16>
  return %y : tensor<64x1024xbf16>
}

// ERR-BLOCK: error: moe-capacity-plan: block = 0 must be at least 1
// ERR-BLOCK-NOT: error:
// ERR-FACTOR: error: moe-capacity-plan: capacity-factor = -1 must be finite and positive
// ERR-FACTOR-NOT: error:
// ERR-TOKENS-NEG: error: moe-capacity-plan: tokens = -5 must be positive (or 0: only static T)
// T·k past 64 bits (2^62·2 wrapped to a negative count and was planned).
// ERR-TOKENS-HUGE: error: moe-capacity-plan: T·k = 4611686018427387904·2 exceeds 2147483647: row offsets are i32
// ERR-RATE: error: moe-capacity-plan: max-drop-rate = 2 must be in [0, 1]
// ERR-MODE: error: moe-capacity-plan: mode = 'fastest' must be auto, dropless, padded or blocked
// ERR-MISSING: error: moe-capacity-plan: cannot read routing profile '{{.*}}.missing.json': No such file or directory
// ERR-MISSING-NOT: error:
// ERR-JSON: error: moe-capacity-plan: routing profile '{{.*}}.malformed.json' is not valid JSON: {{.+}}
// ERR-LENGTH: error: moe-capacity-plan: routing profile '{{.*}}.short.json' "histogram" has 3 counts, but "experts" is 8
// ERR-NEGATIVE: error: moe-capacity-plan: routing profile '{{.*}}.negative.json' "histogram"[1][3] = -4 must be a non-negative whole number of assignments
// ERR-EMPTY: error: moe-capacity-plan: routing profile '{{.*}}.empty.json' "histogram" counts no assignment
// ERR-EXPERTS: error: moe-capacity-plan: routing profile '{{.*}}.four.json' is for 4 experts, but the op has 8
// ERR-EXPERTS-NOT: error:
// ERR-DEEP: error: moe-capacity-plan: routing profile '{{.*}}.deep.json' is not valid JSON: nesting deeper than 128 levels at line 1, column 156
// ERR-DEEP-NOT: error:
// ERR-TWICE: error: moe-capacity-plan: routing profile '{{.*}}.twice.json' is not valid JSON: duplicate key 'experts' in an object at line 1, column 16
// ERR-TWICE-NOT: error:
// ERR-BIG: error: moe-capacity-plan: routing profile '{{.*}}.big.json' is not valid JSON: integer 100000000000000000000 in 'histogram' is too large (more than 64 bits) at line 1, column 51
// ERR-BIG-NOT: error:
// ERR-DEVICE: error: moe-capacity-plan: cannot read routing profile '/dev/zero': not a regular file (a character device)
// ERR-DEVICE-NOT: error:
// ERR-DIR: error: moe-capacity-plan: cannot read routing profile '{{.*}}Transforms': not a regular file (a directory)
// ERR-DIR-NOT: error:
// ERR-DYNAMIC: error: moe-capacity-plan: the number of tokens T is dynamic; give the pass option tokens=N (the largest T to plan for)
// ERR-DYNAMIC-NOT: error:
// ERR-REPORT: error: moe-capacity-plan: cannot write report '{{.*}}.missing-dir/report.json': No such file or directory
