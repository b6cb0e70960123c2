//===- Passes.td - MoE dialect transformation passes -------*- tablegen -*-===//

#ifndef MOE_DIALECT_MOE_TRANSFORMS_PASSES_TD
#define MOE_DIALECT_MOE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MoECapacityPlan : Pass<"moe-capacity-plan", "::mlir::ModuleOp"> {
  let summary = "Choose the layout and capacity of every moe.dispatch";
  let description = [{
    For every `moe.dispatch`, evaluates three candidate plans and records the
    chosen one on the op (`layout`, `drop_policy`, `capacity`, `block`, and a
    `moe.plan` dictionary with its figures); `docs/CapacityPlanning.md` has
    the full model and a worked example.

    - `ragged`: dropless, groups packed; `N = T·k` rows.
    - `padded`: every expert gets exactly `C = ceil(capacity-factor·T·k/E)`
      rows (clamped to `T·k`), static shapes; assignments over `C` are
      dropped in `position` order (or `score`, when the op already drops by
      score).
    - `blocked`: dropless, every group rounded up to a multiple of `block`
      rows; `N = T·k + E·(block-1)`.

    `T` is the static token count, or the `tokens` option when `T` is
    dynamic (a dynamic `T` without it is an error). The expected load of
    each expert comes from the routing `profile` (a JSON histogram of
    assignments per expert, or a list of them), scaled to `T·k` integer
    assignments; without a profile the load is uniform. Per candidate:

    - drop rate = `Σ_e max(0, n_e - C) / (T·k)` (0 when dropless);
    - computed rows `R`: `T·k` (ragged), `E·C` (padded),
      `Σ_e ceil(n_e/block)·block` (blocked); useful rows `U` = kept
      assignments; padding waste = `(R - U) / U`;
    - buffer bytes = `N·(D·bytes(x) + 8) + 4·(E+1)`: the four results;
    - cost = `R·f / eff + flops-per-byte · bytes` (FLOP-equivalents), with
      `f = 2·D·F·(3 gated | 2)` FLOPs per row from the `moe.experts` that
      reads the rows, and the kernel efficiency `eff` = 1.0 (padded:
      batched GEMM, static shapes), 0.85 (blocked: grouped GEMM on aligned
      tiles), 0.7 (ragged: groups start anywhere, sizes known at run time).

    `mode=auto` picks the cheapest candidate whose drop rate is at most
    `max-drop-rate` (ties: ragged, blocked, padded) and whose new row count
    the users of the results accept; the dropless ones pass the drop limit. `mode=dropless|padded|blocked` forces a candidate. Each op gets
    a remark with every candidate's figures; `report=FILE.json` writes them.
    With `preserve-drops`, the plan changes only the layout: a dropless op
    chooses between ragged and blocked, an op that drops becomes padded at
    its own capacity (or is left unchanged when that capacity depends on a
    dynamic `T`); `moe-optimize` plans this way unless told otherwise.
    `moe.layer` ops are left alone (a remark says so): run `moe-decompose`
    first, the layout belongs to `moe.dispatch`.

    Before (`T = 64`, `k = 2`, `E = 8`, `D = 1024`, gated experts with
    `F = 2048`, no profile, the default options):
    ```mlir
    %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 8
        : tensor<64x1024xbf16>, tensor<64x2xi32>, tensor<64x2xf32>
        -> tensor<128x1024xbf16>, tensor<9xi32>, tensor<128xi32>,
           tensor<128xf32>
    %y = moe.experts %rows offsets(%off : tensor<9xi32>) ...
        : tensor<128x1024xbf16> -> tensor<128x1024xbf16>
    ```
    After (padded, `C = ceil(1.25·128/8) = 20`, 25% padding, cheaper than
    ragged at efficiency 0.7 and than blocked at `block = 64`):
    ```mlir
    %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 8
        drop position capacity 20 layout padded
        {moe.plan = {buffer_bytes = 328996 : i64,
                     drop_rate = 0.000000e+00 : f64,
                     padding_waste = 2.500000e-01 : f64, tokens = 64 : i64}}
        : tensor<64x1024xbf16>, tensor<64x2xi32>, tensor<64x2xf32>
        -> tensor<160x1024xbf16>, tensor<9xi32>, tensor<160xi32>,
           tensor<160xf32>
    %y = moe.experts %rows offsets(%off : tensor<9xi32>) ...
        : tensor<160x1024xbf16> -> tensor<160x1024xbf16>
    ```
  }];
  let options = [
    Option<"capacityFactor", "capacity-factor", "double", "1.25",
           "C = ceil(capacity-factor · T · k / E) of the padded candidate; "
           "finite and > 0">,
    Option<"tokenCount", "tokens", "int64_t", "0",
           "The token count (an upper bound) to plan a dynamic T for; "
           "0: only static T">,
    Option<"blockRows", "block", "int64_t", "64",
           "Rows per tile of the grouped GEMM: the blocked candidate's "
           "alignment; >= 1">,
    Option<"profilePath", "profile", "std::string", "",
           "Routing profile: JSON {\"experts\": E, \"histogram\": [n_0, ..]} "
           "(or a list of histograms); empty: uniform load">,
    Option<"modeName", "mode", "std::string", "\"auto\"",
           "auto (cost model), or force dropless, padded or blocked">,
    Option<"reportPath", "report", "std::string", "",
           "Write every candidate's figures and the choice to this JSON file">,
    Option<"maxDropRate", "max-drop-rate", "double", "0.01",
           "The highest expected drop rate mode=auto accepts, in [0, 1]">,
    Option<"flopsPerByte", "flops-per-byte", "double", "100.0",
           "Machine balance: FLOPs that cost as much time as one byte of "
           "memory traffic; >= 0">,
    Option<"preserveDrops", "preserve-drops", "bool", "false",
           "Change only the layout, never which assignments are dropped: a "
           "dropless op stays dropless (ragged or blocked), an op that drops "
           "keeps its capacity (padded); no other candidate is applicable">,
    Option<"skipDynamic", "skip-dynamic", "bool", "false",
           "Leave a dispatch whose T is dynamic unchanged (a remark says so) "
           "when tokens is not given, instead of failing">
  ];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numPlanned", "dispatches", "Number of moe.dispatch ops planned">,
    Statistic<"numRagged", "ragged", "Plans that chose the ragged layout">,
    Statistic<"numPadded", "padded", "Plans that chose the padded layout">,
    Statistic<"numBlocked", "blocked", "Plans that chose the blocked layout">,
    Statistic<"numLayersSkipped", "layers-skipped",
              "moe.layer ops left for moe-decompose">
  ];
}

def MoEDecompose : Pass<"moe-decompose"> {
  let summary = "Split moe.layer into route, dispatch, experts and combine";
  let description = [{
    Rewrites every `moe.layer` into the step ops that state its semantics:
    the router matmul (`linalg.matmul`, f32), `moe.route` (token choice) or
    `moe.route_expert_choice` (expert choice), `moe.dispatch` carrying the
    layer's capacity and drop policy, `moe.experts`, and `moe.combine`
    accumulating into the shared expert's output (or zeros). With
    `weights_on_input = true` in the routing, a `linalg.generic` scales the
    dispatched rows by their weights before `moe.experts`, and `moe.combine`
    adds the expert outputs with unit weights; `moe.route` gets the routing
    without `weights_on_input`. Stacked shared experts (a rank-3
    `shared_w1`) take the router's last S logit columns: `linalg.generic`s
    renormalize their sigmoids together with the k selected ones, and a
    second `moe.dispatch` / `moe.experts` / `moe.combine` over the S shared
    experts gives the accumulator. With `identity_experts = Z`, `moe.route`
    selects among all the router's rows, `moe.dispatch` takes the routed
    experts only (dropping the identity experts' indices), and a
    `linalg.generic` adds each token times the summed weights of the
    identity experts it selected to the accumulator of `moe.combine`.

    Before:
    ```mlir
    %y = moe.layer %x router(%wg : tensor<8x64xf32>)
           w1(%w1 : tensor<8x128x64xf32>) w2(%w2 : tensor<8x64x128xf32>)
           routing #moe.routing<k = 2, scoring = softmax> activation relu
           : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
    After (abridged):
    ```mlir
    %logits = linalg.matmul ... ins(%x, %wg) ...
    %w, %i = moe.route %logits <k = 2, scoring = softmax> ...
    %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 8 ...
    %e = moe.experts %rows offsets(%off ...) w1(...) w2(...) activation relu ...
    %y = moe.combine %e tokens(%tok ...) weights(%rw ...) into %zeros ...
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
  let statistics = [
    Statistic<"numLayers", "layers", "Number of moe.layer ops decomposed">
  ];
}

def MoEExpertFusion : Pass<"moe-expert-fusion"> {
  let summary = "Fuse the expert FFNs and the combine into two grouped GEMMs "
                "with epilogues";
  let description = [{
    Runs on decomposed IR (`moe-decompose`). Every `moe.experts` becomes
    `moe.grouped_matmul_act`: one grouped GEMM over `w1‖w3` (`[E, 2F, D]`,
    or `w1` for non-gated experts) whose epilogue applies the activation and
    the gating product, giving `[N, F]` in f32; no separate activation and
    up-projection tensors exist. When the experts' only user is a
    `moe.combine` and their row groups are known not to overlap (offsets of
    `moe.dispatch`, constant non-decreasing offsets of expert choice), the
    down projection and the combine become one
    `moe.grouped_matmul_combine`, which multiplies each group's rows by
    `w2[e]ᵀ`, scales them by their routing weight and adds them straight
    into the tokens' rows of the accumulator: no `[N, D]` expert output.
    Otherwise the down projection stays a `moe.grouped_matmul` and the
    `[N, D]` rows are kept for their other users.

    With `fold-shared-expert`, the shared expert of `moe-decompose` (a
    one-group `moe.experts` over all tokens, optionally scaled by
    `sigmoid(x · gateᵀ)`, that is the combine's accumulator) joins the routed
    experts when its activation and gating match and its inner size `S` is a
    multiple `m·F` of theirs: it becomes `m` always-selected experts placed
    first, with per-token weight 1 (or the sigmoid gate), and the
    accumulator becomes zeros.

    Weights are packed (`w1‖w3`, shared chunks before the routed experts)
    at compile time when they are `arith.constant`s; weights that are
    function arguments are packed with `tensor.concat` (or
    `tensor.insert_slice`) on every call, a copy of the expert weights per
    call until weights are packed when they are loaded
    (`docs/ExpertFusion.md` has measurements). With
    `pack-argument-weights=false` the pass does only what needs no such
    copy (non-gated experts, and folding only constant shared experts).

    The rewrite computes what the unfused IR computes (`docs/Spec.md`),
    with two differences of rounding only: the `[N, D]` expert rows are not
    rounded to the rows' element type before the combine (16-bit rows), and
    a shared expert split into `m > 1` chunks sums its chunks separately.
    What the pass cannot fuse it leaves untouched.

    Before (gated, top-2 of 8 experts, no shared expert):
    ```mlir
    %rows, %off, %tok, %rw = moe.dispatch %x, %i, %w experts 8 ...
    %y = moe.experts %rows offsets(%off : tensor<9xi32>)
           w1(%w1 : tensor<8x128x64xf32>) w3(%w3 : tensor<8x128x64xf32>)
           w2(%w2 : tensor<8x64x128xf32>) activation silu
           : tensor<?x64xf32> -> tensor<?x64xf32>
    %out = moe.combine %y tokens(%tok : tensor<?xi32>)
             weights(%rw : tensor<?xf32>) into %zeros
             : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
    After:
    ```mlir
    %w13 = tensor.concat dim(1) %w1, %w3
             : (tensor<8x128x64xf32>, tensor<8x128x64xf32>) -> tensor<8x256x64xf32>
    %h = moe.grouped_matmul_act %rows, %w13 offsets(%off : tensor<9xi32>)
           activation silu gated
           : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
    %out = moe.grouped_matmul_combine %h, %w2 offsets(%off : tensor<9xi32>)
             tokens(%tok : tensor<?xi32>) weights(%rw : tensor<?xf32>)
             into %zeros : tensor<?x128xf32>, tensor<8x64x128xf32>
             -> tensor<?x64xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"foldSharedExpert", "fold-shared-expert", "bool",
           /*default=*/"true",
           "Fold a compatible shared expert into the routed experts as "
           "always-selected experts">,
    Option<"fuseCombine", "fuse-combine", "bool", /*default=*/"true",
           "Fuse the down projection with moe.combine; when false only the "
           "up projection is fused">,
    Option<"packArgumentWeights", "pack-argument-weights", "bool",
           /*default=*/"true",
           "Pack weights that are not constants (w1‖w3, shared expert "
           "folding) on every call; when false, rewrites that would need "
           "that copy are not done">,
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark for every fusion done, and for every moe.experts "
           "left unfused with the reason">
  ];
  let statistics = [
    Statistic<"numExpertsFused", "experts-fused",
              "moe.experts ops rewritten into fused grouped GEMMs">,
    Statistic<"numCombinesFused", "combines-fused",
              "moe.combine ops fused into moe.grouped_matmul_combine">,
    Statistic<"numSharedFolded", "shared-experts-folded",
              "Shared experts folded into the routed experts">,
    Statistic<"numWeightsPackedAtCompileTime", "weights-packed-at-compile-time",
              "Packed weight tensors computed from constants">,
    Statistic<"numWeightsPackedPerCall", "weights-packed-per-call",
              "Packed weight tensors built from non-constant weights on every "
              "call">,
    Statistic<"numUnfused", "experts-unfused",
              "moe.experts ops left untouched (w1 and w3 of different "
              "element types, or argument weights that "
              "pack-argument-weights=false does not pack)">
  ];
}

def MoERaise : Pass<"moe-raise"> {
  let summary = "Raise Mixture-of-Experts layers written densely in linalg to "
                "moe.layer";
  let description = [{
    Recognizes MoE layers written without `moe` ops, in linalg, tensor, arith
    and math as torch-mlir, StableHLO-to-linalg or hand-written code produce
    them, and replaces each by one `moe.layer` with the same operands
    (`x`, the router weight, `w1`, `w3`, `w2`; transposed or stacked where the
    dense code holds them otherwise) and result, so that the rest of the
    compiler applies. Three forms are raised (f32; `T` static or dynamic):

    - batched: logits `x · wgᵀ`, softmax or sigmoid scores, a dense `[T, E]`
      weight matrix that is zero off the top-k (renormalized and scaled or
      not), every expert's FFN on all tokens as batch matmuls over `E`, and
      `out = Σ_e W[t, e] · y[e, t, :]`;
    - unrolled: the same routing, and `E` separate w1/w3/act/w2 chains over
      all tokens, each scaled by its column `W[:, e]` and summed (the Hugging
      Face loop over experts, unrolled);
    - one-hot (Switch k = 1, GShard k = 2): argmax picks, positions in each
      expert's queue counted over earlier tokens with second choices after
      all first choices, a `[T, E, C]` dispatch mask, `td,tec->ecd`, the
      experts over `[E, C, D]`, and `tec,ecd->td` with the top-k weights:
      `drop position capacity C`.

    The match is exact: every operand, map, iterator, constant (softmax's max
    subtraction, the 1e-20 epsilon under sigmoid, activation constants) and
    reduction dimension is checked, and no intermediate may be used outside
    the layer. Anything else is left untouched; with `remarks=true` the pass
    emits a remark on each rejected candidate saying why. The accepted
    encodings of each part (router, scores, top-k, activations, positions)
    are listed at the top of `lib/Dialect/MoE/Transforms/Raise*.cpp`.

    Before (abridged, unrolled form, expert 0 of 8):
    ```mlir
    %logits = linalg.matmul ins(%x, %wg ...) ...
    %scores = linalg.generic ... // softmax: max, exp(l - max), sum, divide
    %w = linalg.generic ...      // scores masked to the top-2, renormalized
    %h1 = linalg.matmul ins(%x, %w1_0 ...) ...
    %h3 = linalg.matmul ins(%x, %w3_0 ...) ...
    %a = linalg.generic ...      // silu(h1) * h3
    %y0 = linalg.matmul ins(%a, %w2_0 ...) ...
    %col0 = tensor.extract_slice %w[0, 0] [%T, 1] [1, 1] ...
    %acc1 = linalg.generic ...   // acc0 + col0 * y0
    ```
    After:
    ```mlir
    %y = moe.layer %x router(%wg : tensor<8x64xf32>)
           w1(%w1 : tensor<8x128x64xf32>) w3(%w3 : tensor<8x128x64xf32>)
           w2(%w2 : tensor<8x64x128xf32>)
           routing #moe.routing<k = 2, scoring = softmax, normalize = true>
           activation silu : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
  }];
  let dependentDialects = ["::mlir::moe::MoEDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark on every raised layer and on every rejected "
           "candidate, with the reason">
  ];
  let statistics = [
    Statistic<"numBatched", "raised-batched",
              "Layers raised from the batched all-experts form">,
    Statistic<"numUnrolled", "raised-unrolled",
              "Layers raised from the unrolled per-expert form">,
    Statistic<"numOneHot", "raised-one-hot",
              "Layers raised from the one-hot dispatch form">,
    Statistic<"numRejected", "candidates-rejected",
              "Candidates left untouched because they do not match exactly">
  ];
}

def MoEShard : Pass<"moe-shard", "::mlir::ModuleOp"> {
  let summary = "Shard an MoE layer over ranks: expert and tensor parallelism";
  let description = [{
    Turns every function holding one MoE layer (a `moe.layer`, or its
    decomposed ops with a dynamic token count) into one SPMD program for
    `ranks = ep · tp` ranks (`docs/Sharding.md`). Rank `r` is the pair
    `(g, j) = (r / tp, r % tp)`; it is given

    - `x`: its own tokens (data parallel over all `R` ranks): `T/R` rows when
      `R` divides a static `T`, else a dynamic count (the first `T mod R`
      ranks hold one row more; ranks past `T` hold none),
    - `w1`, `w3`: `[E/ep, F/tp, D]`, `w2`: `[E/ep, D, F/tp]`: experts
      `g·E/ep ..` of the layer, inner columns `j·F/tp ..` (tensor parallel),
    - the router, its bias and the shared expert, replicated.

    It routes and dispatches its tokens over all `E` experts, sends every
    kept row with `moe.all_to_all` to the `tp` ranks of the group owning the
    expert, runs its experts on what it receives (a partial FFN over its
    `F/tp` columns), sends the rows back with a second `moe.all_to_all`, and
    `moe.combine` adds the `tp` partial rows of each assignment: the sum over
    the `F` split happens in the combine. A third, small `moe.all_to_all`
    sends the per-expert row counts. The program does not depend on the
    rank: the rank is implied by the data it is given. Each sharded argument
    carries `moe.shard`, one string per dimension (`"ranks"`, `"ep"`, `"tp"`
    or `""`), and the function `moe.shard_plan = {ep, tp, ranks}`.

    Capacity is per rank: a rank's dispatch keeps at most
    `C = ceil(capacity_factor · T_r · k / E)` assignments per expert of its
    own `T_r` tokens (GShard's per-group capacity), exactly as the unsharded
    layer on that slice.

    `ep = tp = 0` lets a cost model pick the split (`docs/Sharding.md`):
    from `T` (or the `tokens` option), `D`, `F`, `E`, `k`, the link's
    `bandwidth` and `latency` and the rank's `gflops`, it predicts per-rank
    compute, all-to-all bytes and memory of every `(ep, tp)` with
    `ep · tp = ranks` (the divisors of `ranks`, at most 65536), and takes
    the fastest; `report=FILE.json` writes the table.

    Before:
    ```mlir
    func.func @forward(%x: tensor<64x64xf32>, %wg: tensor<8x64xf32>,
        %w1: tensor<8x128x64xf32>, %w2: tensor<8x64x128xf32>)
        -> tensor<64x64xf32> {
      %y = moe.layer %x router(%wg : tensor<8x64xf32>) ...
    ```
    After `moe-shard{ep=2 tp=2 ranks=4}` (abridged):
    ```mlir
    func.func @forward(%x: tensor<16x64xf32> {moe.shard = ["ranks", ""]},
        %wg: tensor<8x64xf32>,
        %w1: tensor<4x64x64xf32> {moe.shard = ["ep", "tp", ""]},
        %w2: tensor<4x64x64xf32> {moe.shard = ["ep", "", "tp"]})
        -> tensor<16x64xf32> attributes {moe.shard_plan = {...}} {
      ... moe.route, moe.dispatch over 8 experts ...
      %c, %n = moe.all_to_all %counts, %ones ranks 4 ...
      %recv, %rc = moe.all_to_all %send, %send_counts ranks 4 ...
      scf.for ... { moe.experts ... w1(%w1 : tensor<4x64x64xf32>) ... }
      %back, %bc = moe.all_to_all %y, %rc ranks 4 ...
      %out = moe.combine %back ...
    ```
  }];
  let dependentDialects = ["::mlir::moe::MoEDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"ep", "ep", "int64_t", /*default=*/"0",
           "Expert-parallel groups (E is split over them); 0 with tp=0: "
           "chosen by the cost model">,
    Option<"tp", "tp", "int64_t", /*default=*/"0",
           "Tensor-parallel ranks per group (F is split over them); 0 with "
           "ep given: ranks/ep">,
    Option<"ranks", "ranks", "int64_t", /*default=*/"0",
           "Ranks R of the job, 1 to 65536; must equal ep·tp (required)">,
    Option<"tokens", "tokens", "int64_t", /*default=*/"0",
           "Global token count the cost model assumes for a dynamic T; "
           "0: 1024 tokens per rank">,
    Option<"bandwidth", "bandwidth", "double", /*default=*/"25.0",
           "Per-rank link bandwidth of the cost model, GB/s (> 0)">,
    Option<"latency", "latency", "double", /*default=*/"5.0",
           "Per-message latency of the cost model, microseconds (>= 0)">,
    Option<"gflops", "gflops", "double", /*default=*/"1000.0",
           "Per-rank compute rate of the cost model, GFLOP/s (> 0)">,
    Option<"reportPath", "report", "std::string", /*default=*/"",
           "Write the cost model's table for every layer to this JSON file">
  ];
  let statistics = [
    Statistic<"numSharded", "layers-sharded", "Layers sharded">
  ];
}

#endif // MOE_DIALECT_MOE_TRANSFORMS_PASSES_TD
