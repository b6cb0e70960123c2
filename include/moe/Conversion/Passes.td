//===- Passes.td - Conversions out of the moe dialect ------*- tablegen -*-===//

#ifndef MOE_CONVERSION_PASSES_TD
#define MOE_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMoEToLinalg : Pass<"moe-to-linalg"> {
  let summary = "Reference lowering of every moe op to linalg, tensor, scf, arith and math";
  let description = [{
    Lowers `moe.route`, `moe.route_expert_choice`, `moe.dispatch`,
    `moe.grouped_matmul`, `moe.experts` and `moe.combine` to upstream ops on
    tensors, exactly as `docs/Spec.md` defines them. `moe.layer` must be
    decomposed first (`moe-decompose`). This lowering is the oracle the fast
    paths are checked against: it is written to be obviously correct.
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
