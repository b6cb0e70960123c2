//===- MoEDialect.td - MoE dialect definition --------------*- tablegen -*-===//

#ifndef MOE_DIALECT_MOE_IR_MOEDIALECT_TD
#define MOE_DIALECT_MOE_IR_MOEDIALECT_TD

include "mlir/IR/OpBase.td"

def MoE_Dialect : Dialect {
  let name = "moe";
  let cppNamespace = "::mlir::moe";
  let summary = "Mixture-of-Experts layers: routing, dispatch, experts, combine";
  let description = [{
    The `moe` dialect states the semantics of Mixture-of-Experts layers exactly:
    token-choice routing (softmax, sigmoid or sqrt-softplus scores, logit
    soft cap, selection bias, group-limited top-k or top-k of the logits,
    renormalization, scaling), expert-choice routing,
    dispatch of tokens to experts under a capacity, the expert feed-forward
    networks, and the weighted combine of expert outputs. `moe.layer` holds a
    whole layer; `moe-decompose` splits it into the step ops. The normative
    semantics and numbered constraints are in `docs/Spec.md`.
  }];
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

class MoE_Op<string mnemonic, list<Trait> traits = []>
    : Op<MoE_Dialect, mnemonic, traits>;

#endif // MOE_DIALECT_MOE_IR_MOEDIALECT_TD
