//===- MoEAttrs.td - MoE enums and attributes --------------*- tablegen -*-===//

#ifndef MOE_DIALECT_MOE_IR_MOEATTRS_TD
#define MOE_DIALECT_MOE_IR_MOEATTRS_TD

include "moe/Dialect/MoE/IR/MoEDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

// An enum of the dialect. A keyword that is not one of its cases is one
// error naming the enum as the IR spells it (`keyword`), the cases and the
// keyword found (upstream's parser names the C++ type).
class MoE_I32Enum<string name, string keyword, string summary,
                  list<I32EnumAttrCase> cases>
    : I32EnumAttr<name, summary, cases> {
  let cppNamespace = "::mlir::moe";
  let genSpecializedAttr = 0;
  let parameterParser = [{[&]() -> ::mlir::FailureOr<}] # cppType # [{> {
    auto loc = $_parser.getCurrentLocation();
    std::string enumKeyword;
    if (::mlir::failed($_parser.parseKeywordOrString(&enumKeyword)))
      return ::mlir::failure();
    if (auto maybeEnum = }] # cppNamespace # "::" # stringToSymbolFnName #
        [{(enumKeyword))
      return *maybeEnum;
    return {(::llvm::LogicalResult)($_parser.emitError(loc)
        << "expected }] # keyword # [{ to be one of: }] #
        !interleave(!foreach(enum, cases, enum.str), ", ") #
        [{, found '" << ::mlir::moe::printable(enumKeyword) << "'")};
  }()}];
}

def MoE_Scoring : MoE_I32Enum<"Scoring", "scoring", "router scoring function", [
    I32EnumAttrCase<"softmax", 0>,
    I32EnumAttrCase<"sigmoid", 1>,
    I32EnumAttrCase<"sqrt_softplus", 2>,
    I32EnumAttrCase<"sparsemixer", 3>]>;

def MoE_RoutingOrder : MoE_I32Enum<"RoutingOrder", "order",
    "whether experts are selected by score or by logit", [
    I32EnumAttrCase<"score_first", 0>,
    I32EnumAttrCase<"topk_first", 1>]>;

def MoE_GroupScore : MoE_I32Enum<"GroupScore", "group_score",
    "how a group of experts is scored for group-limited routing", [
    I32EnumAttrCase<"top2sum", 0>,
    I32EnumAttrCase<"max", 1>]>;

def MoE_DropPolicy : MoE_I32Enum<"DropPolicy", "the drop policy",
    "which assignments are dropped when an expert is over capacity", [
    I32EnumAttrCase<"none", 0>,
    I32EnumAttrCase<"position", 1>,
    I32EnumAttrCase<"score", 2>]>;

def MoE_Activation : MoE_I32Enum<"Activation", "the activation",
    "expert activation function", [
    I32EnumAttrCase<"silu", 0>,
    I32EnumAttrCase<"gelu_tanh", 1>,
    I32EnumAttrCase<"gelu_erf", 2>,
    I32EnumAttrCase<"relu", 3>,
    I32EnumAttrCase<"relu2", 4>,
    I32EnumAttrCase<"swiglu_oai", 5>,
    I32EnumAttrCase<"swiglu_softcap", 6>]>;

class MoE_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<MoE_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def MoE_ScoringAttr : EnumAttr<MoE_Dialect, MoE_Scoring, "scoring">;
def MoE_GroupScoreAttr : EnumAttr<MoE_Dialect, MoE_GroupScore, "group_score">;
def MoE_PackedFormat : MoE_I32Enum<"PackedFormat", "the packed format",
    "4-bit quantized values packed two per byte", [
    I32EnumAttrCase<"int4", 0>,
    I32EnumAttrCase<"e2m1", 1>]>;

def MoE_DropPolicyAttr : EnumAttr<MoE_Dialect, MoE_DropPolicy, "drop_policy">;
def MoE_PackedFormatAttr
    : EnumAttr<MoE_Dialect, MoE_PackedFormat, "packed_format">;
def MoE_ActivationAttr : EnumAttr<MoE_Dialect, MoE_Activation, "activation">;

def MoE_GroupScoreParam : EnumParameter<MoE_GroupScore> {
  let defaultValue = "::mlir::moe::GroupScore::top2sum";
}

def MoE_RoutingOrderParam : EnumParameter<MoE_RoutingOrder> {
  let defaultValue = "::mlir::moe::RoutingOrder::score_first";
}

//===----------------------------------------------------------------------===//
// RoutingAttr
//===----------------------------------------------------------------------===//

def MoE_RoutingAttr : MoE_Attr<"Routing", "routing"> {
  let summary = "token-choice routing: scoring, top-k, groups, normalization";
  let description = [{
    The parameters of token-choice routing (`docs/Spec.md#routing`):

    - `k`: experts per token.
    - `scoring`: `softmax`, `sigmoid` or `sqrt_softplus` of the router
      logits, or `sparsemixer` (PhiMoE's masked top-2, `k = 2` only).
    - `normalize`: divide the k selected weights by their sum (plus 1e-20
      unless scoring is softmax). Default `false`.
    - `scaling`: factor applied to the weights last. Default 1.0.
    - `num_groups`, `topk_groups`: group-limited selection; experts are split
      into `num_groups` contiguous groups and only the `topk_groups` best
      groups are eligible. Both 0 (the default) means no group limit.
    - `group_score`: `top2sum` (sum of the group's two best selection scores,
      the default) or `max`.
    - `order`: `score_first` (select by score, the default) or `topk_first`
      (select by logit, then score the k selected logits only).
    - `softcap`: logits become `softcap · tanh(l / softcap)` first.
    - `norm_eps`: the ε added to the normalization denominator (overrides
      the default of the scoring).
    - `norm_min`: the denominator is clamped to at least this value instead.
    - `norm_p`: the denominator is the p-norm of the k weights.
    - `weights_on_input`: (moe.layer only) each dispatched row is scaled by
      its weight before the experts, whose outputs are summed unweighted.
    - `group_fill`: the selection score of the experts outside the selected
      groups (absent: they are never selected).
    - `logit_scale`: the logits are multiplied by this factor first.
    - `jitter`: (scoring = sparsemixer only, and required there) the
      threshold ε of sparsemixer's masks (PhiMoE's router_jitter_noise).

    ```mlir
    #moe.routing<k = 8, scoring = sigmoid, normalize = true, scaling = 2.5,
                 num_groups = 8, topk_groups = 4, group_score = top2sum>
    ```
  }];
  let parameters = (ins
    "int64_t":$k,
    EnumParameter<MoE_Scoring>:$scoring,
    OptionalParameter<"::mlir::BoolAttr">:$normalize,
    OptionalParameter<"::mlir::FloatAttr">:$scaling,
    DefaultValuedParameter<"int64_t", "0">:$num_groups,
    DefaultValuedParameter<"int64_t", "0">:$topk_groups,
    MoE_GroupScoreParam:$group_score,
    MoE_RoutingOrderParam:$order,
    OptionalParameter<"::mlir::FloatAttr">:$softcap,
    OptionalParameter<"::mlir::FloatAttr">:$norm_eps,
    OptionalParameter<"::mlir::FloatAttr">:$norm_min,
    OptionalParameter<"::mlir::FloatAttr">:$norm_p,
    OptionalParameter<"::mlir::BoolAttr">:$weights_on_input,
    OptionalParameter<"::mlir::FloatAttr">:$group_fill,
    OptionalParameter<"::mlir::FloatAttr">:$logit_scale,
    OptionalParameter<"::mlir::FloatAttr">:$jitter
  );
  let builders = [
    // The parameters that every routing has; the others take their
    // defaults.
    AttrBuilder<(ins "int64_t":$k, "::mlir::moe::Scoring":$scoring,
                     "::mlir::BoolAttr":$normalize,
                     "::mlir::FloatAttr":$scaling, "int64_t":$num_groups,
                     "int64_t":$topk_groups,
                     "::mlir::moe::GroupScore":$group_score), [{
      return $_get($_ctxt, k, scoring, normalize, scaling, num_groups,
                   topk_groups, group_score,
                   ::mlir::moe::RoutingOrder::score_first,
                   ::mlir::FloatAttr(), ::mlir::FloatAttr(),
                   ::mlir::FloatAttr(), ::mlir::FloatAttr(),
                   ::mlir::BoolAttr(), ::mlir::FloatAttr(),
                   ::mlir::FloatAttr(), ::mlir::FloatAttr());
    }]>
  ];
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Whether experts are selected by logit and only the selected logits
    /// are scored.
    bool isTopkFirst() const {
      return getOrder() == ::mlir::moe::RoutingOrder::topk_first;
    }
    /// Whether moe.layer scales the dispatched rows by their weights before
    /// the experts.
    bool isWeightsOnInput() const {
      return getWeightsOnInput() && getWeightsOnInput().getValue();
    }
    /// The ε added to the normalization denominator: norm_eps when present,
    /// else 0 under softmax and 1e-20 otherwise.
    double getNormEpsValue() const {
      if (getNormEps())
        return getNormEps().getValueAsDouble();
      return getScoring() == ::mlir::moe::Scoring::softmax ? 0.0 : 1e-20;
    }
    /// This routing with weights_on_input dropped: what moe.route computes.
    RoutingAttr withoutWeightsOnInput() const {
      return get(getContext(), getK(), getScoring(), getNormalize(),
                 getScaling(), getNumGroups(), getTopkGroups(),
                 getGroupScore(), getOrder(), getSoftcap(), getNormEps(),
                 getNormMin(), getNormP(), ::mlir::BoolAttr(),
                 getGroupFill(), getLogitScale(), getJitter());
    }
    /// Whether the selected weights are renormalized to sum to one.
    bool isNormalized() const { return getNormalize() && getNormalize().getValue(); }
    /// The scaling factor (1.0 when absent).
    double getScalingValue() const {
      return getScaling() ? getScaling().getValueAsDouble() : 1.0;
    }
    /// Whether selection is group-limited.
    bool hasGroups() const { return getNumGroups() != 0; }
  }];
}

//===----------------------------------------------------------------------===//
// ExpertChoiceAttr
//===----------------------------------------------------------------------===//

def MoE_ExpertChoiceAttr : MoE_Attr<"ExpertChoice", "expert_choice"> {
  let summary = "expert-choice routing: each expert takes its top-C tokens";
  let description = [{
    Expert-choice routing (`docs/Spec.md#expert-choice`): scores are the
    softmax of the router logits over experts, and each expert takes the
    `capacity` tokens with the highest score for it.

    ```mlir
    #moe.expert_choice<capacity = 16>
    ```
  }];
  let parameters = (ins "int64_t":$capacity);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // MOE_DIALECT_MOE_IR_MOEATTRS_TD
