//===- Passes.td - Conversions out of the moe dialect ------*- tablegen -*-===//

#ifndef MOE_CONVERSION_PASSES_TD
#define MOE_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMoEToLinalg : Pass<"moe-to-linalg"> {
  let summary = "Reference lowering of every moe op to linalg, tensor, scf, arith and math";
  let description = [{
    Lowers `moe.route`, `moe.route_expert_choice`, `moe.dispatch`,
    `moe.grouped_matmul`, `moe.experts`, `moe.combine` and the fused
    `moe.grouped_matmul_act` and `moe.grouped_matmul_combine` to upstream ops on
    tensors, exactly as `docs/Spec.md` defines them. This lowering is the
    oracle the fast paths are checked against: it is written to be obviously
    correct, not fast (routing and dispatch are scalar `scf.for` loops; the
    expert FFNs are one `linalg.matmul` per expert on a row slice).

    `moe.layer` must be decomposed first: the pass fails on it with an error
    that says to run `--moe-decompose`. `moe.all_to_all` is left in place for
    the distributed lowering.

    Before:
    ```mlir
    %out = moe.combine %y tokens(%tok : tensor<?xi32>)
             weights(%rw : tensor<?xf32>) into %acc
             : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
    After (abridged): an `scf.for` over the rows whose body extracts the
    row's token and weight, skips tokens outside `[0, T)`, and adds
    `weight * row` in f32 to the token's accumulator row.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // MOE_CONVERSION_PASSES_TD
