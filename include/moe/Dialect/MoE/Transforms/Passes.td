//===- Passes.td - MoE dialect transformation passes -------*- tablegen -*-===//

#ifndef MOE_DIALECT_MOE_TRANSFORMS_PASSES_TD
#define MOE_DIALECT_MOE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MoEDecompose : Pass<"moe-decompose"> {
  let summary = "Split moe.layer into route, dispatch, experts and combine";
  let description = [{
    Rewrites every `moe.layer` into the step ops that state its semantics:
    the router matmul (`linalg.matmul`, f32), `moe.route` (token choice) or
    `moe.route_expert_choice` (expert choice), `moe.dispatch` carrying the
    layer's capacity and drop policy, `moe.experts`, and `moe.combine`
    accumulating into the shared expert's output (or zeros).

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

#endif // MOE_DIALECT_MOE_TRANSFORMS_PASSES_TD
