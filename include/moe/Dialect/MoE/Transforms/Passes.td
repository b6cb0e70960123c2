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

#endif // MOE_DIALECT_MOE_TRANSFORMS_PASSES_TD
