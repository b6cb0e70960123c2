//===- MoEOps.td - MoE dialect operations ------------------*- tablegen -*-===//

#ifndef MOE_DIALECT_MOE_IR_MOEOPS_TD
#define MOE_DIALECT_MOE_IR_MOEOPS_TD

include "moe/Dialect/MoE/IR/MoEDialect.td"
include "moe/Dialect/MoE/IR/MoEAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpBase.td"

def MoE_FloatTensor : RankedTensorOf<[AnyFloat]>;
def MoE_I32Tensor : RankedTensorOf<[I32]>;

//===----------------------------------------------------------------------===//
// LayerOp
//===----------------------------------------------------------------------===//

def MoE_LayerOp : MoE_Op<"layer", [Pure, AttrSizedOperandSegments]> {
  let summary = "a whole Mixture-of-Experts layer";
  let description = [{
    A complete MoE layer: router, routing, dispatch under a capacity, the
    routed experts, the weighted combine and an optional shared expert
    (`docs/Spec.md#moelayer`). This is what front ends and `moe-import`
    produce; `moe-decompose` rewrites it into `moe.route` (or
    `moe.route_expert_choice`), `moe.dispatch`, `moe.experts` and
    `moe.combine`.

    Operands, with `T` tokens, hidden size `D`, `E` experts of inner size `F`
    and a shared expert of inner size `S`:
    `x: [T, D]`, `router: [E, D]`, optional `bias: [E]`, `w1: [E, F, D]`,
    optional `w3: [E, F, D]` (present: gated experts), `w2: [E, D, F]`,
    optional `shared_w1: [S, D]`, `shared_w3: [S, D]`, `shared_w2: [D, S]`,
    `shared_gate: [1, D]`, and the optional biases `router_bias: [E]` (added
    to the router logits), `b1: [E, F]`, `b3: [E, F]`, `b2: [E, D]` (of the
    routed experts' projections), `output_bias: [D]` (added to every
    token's result), `expert_scale: [1]` or `[R]` (f32, multiplies each
    routing weight by the scale of its expert, `R` the router's rows), the
    shared expert's biases `shared_b1: [S]`, `shared_b3: [S]`,
    `shared_b2: [D]`, and a latent space of the routed experts
    `latent_in: [L, D]`, `latent_out: [D, L]` with the optional biases
    `latent_in_bias: [L]`, `latent_out_bias: [D]` (the experts then take
    `w1: [E, F, L]`, `w2: [E, L, F]`). The optional RMSNorm weights
    (`docs/Spec.md#moerms_norm`, all with the epsilon `rms_norm_eps`):
    `pre_norm: [D]` (of the routed experts' input), `router_norm: [D]` (of
    the router's input), `post_norm: [D]` (of the result),
    `expert_norm: [E, D]` (of each routed expert's output, before its
    routing weight) and `shared_norm: [D]` (of the shared expert's output).
    The result is `[T, D]`; `output_scale` multiplies the sum of the routed
    and shared experts. `alpha`, `limit`, `shared_limit`,
    `limit_after_act`, `gate_softcap` and `up_softcap` parameterize the
    activation (`docs/Spec.md#activation-parameters`). With
    `identity_experts = Z`, the router (and `bias`, `router_bias`) has
    `E + Z` rows; the last `Z` are identity experts, which add the token
    times their weight (LongCat's zero-computation experts). A rank-3
    `shared_w1: [S, G, D]` (with `shared_w3: [S, G, D]`,
    `shared_w2: [S, D, G]`) holds S stacked shared experts that the
    router's last S rows weight (the router is then `[E + S, D]`).

    ```mlir
    %y = moe.layer %x router(%wg : tensor<8x64xf32>)
           w1(%w1 : tensor<8x128x64xf32>) w3(%w3 : tensor<8x128x64xf32>)
           w2(%w2 : tensor<8x64x128xf32>)
           routing #moe.routing<k = 2, scoring = softmax, normalize = true>
           activation silu : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins
    MoE_FloatTensor:$x,
    MoE_FloatTensor:$router,
    Optional<MoE_FloatTensor>:$bias,
    MoE_FloatTensor:$w1,
    Optional<MoE_FloatTensor>:$w3,
    MoE_FloatTensor:$w2,
    Optional<MoE_FloatTensor>:$shared_w1,
    Optional<MoE_FloatTensor>:$shared_w3,
    Optional<MoE_FloatTensor>:$shared_w2,
    Optional<MoE_FloatTensor>:$shared_gate,
    Optional<MoE_FloatTensor>:$router_bias,
    Optional<MoE_FloatTensor>:$b1,
    Optional<MoE_FloatTensor>:$b3,
    Optional<MoE_FloatTensor>:$b2,
    Optional<MoE_FloatTensor>:$output_bias,
    Optional<MoE_FloatTensor>:$shared_b1,
    Optional<MoE_FloatTensor>:$shared_b3,
    Optional<MoE_FloatTensor>:$shared_b2,
    Optional<MoE_FloatTensor>:$latent_in,
    Optional<MoE_FloatTensor>:$latent_out,
    Optional<MoE_FloatTensor>:$expert_scale,
    Optional<MoE_FloatTensor>:$pre_norm,
    Optional<MoE_FloatTensor>:$router_norm,
    Optional<MoE_FloatTensor>:$post_norm,
    Optional<MoE_FloatTensor>:$expert_norm,
    Optional<MoE_FloatTensor>:$shared_norm,
    Optional<MoE_FloatTensor>:$latent_in_bias,
    Optional<MoE_FloatTensor>:$latent_out_bias,
    AnyAttrOf<[MoE_RoutingAttr, MoE_ExpertChoiceAttr]>:$routing,
    MoE_ActivationAttr:$activation,
    DefaultValuedAttr<MoE_DropPolicyAttr, "::mlir::moe::DropPolicy::none">:$drop_policy,
    OptionalAttr<F64Attr>:$capacity_factor,
    OptionalAttr<I64Attr>:$capacity,
    OptionalAttr<F64Attr>:$alpha,
    OptionalAttr<F64Attr>:$limit,
    OptionalAttr<F64Attr>:$shared_limit,
    UnitAttr:$limit_after_act,
    OptionalAttr<F64Attr>:$output_scale,
    DefaultValuedAttr<I64Attr, "0">:$identity_experts,
    OptionalAttr<F64Attr>:$rms_norm_eps,
    OptionalAttr<F64Attr>:$gate_softcap,
    OptionalAttr<F64Attr>:$up_softcap
  );
  let results = (outs MoE_FloatTensor:$result);
  let assemblyFormat = [{
    $x `router` `(` $router `:` type($router) `)`
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    `w1` `(` $w1 `:` type($w1) `)`
    (`w3` `(` $w3^ `:` type($w3) `)`)?
    `w2` `(` $w2 `:` type($w2) `)`
    (`shared_w1` `(` $shared_w1^ `:` type($shared_w1) `)`)?
    (`shared_w3` `(` $shared_w3^ `:` type($shared_w3) `)`)?
    (`shared_w2` `(` $shared_w2^ `:` type($shared_w2) `)`)?
    (`shared_gate` `(` $shared_gate^ `:` type($shared_gate) `)`)?
    (`router_bias` `(` $router_bias^ `:` type($router_bias) `)`)?
    (`b1` `(` $b1^ `:` type($b1) `)`)?
    (`b3` `(` $b3^ `:` type($b3) `)`)?
    (`b2` `(` $b2^ `:` type($b2) `)`)?
    (`output_bias` `(` $output_bias^ `:` type($output_bias) `)`)?
    (`shared_b1` `(` $shared_b1^ `:` type($shared_b1) `)`)?
    (`shared_b3` `(` $shared_b3^ `:` type($shared_b3) `)`)?
    (`shared_b2` `(` $shared_b2^ `:` type($shared_b2) `)`)?
    (`latent_in` `(` $latent_in^ `:` type($latent_in) `)`)?
    (`latent_out` `(` $latent_out^ `:` type($latent_out) `)`)?
    (`expert_scale` `(` $expert_scale^ `:` type($expert_scale) `)`)?
    (`pre_norm` `(` $pre_norm^ `:` type($pre_norm) `)`)?
    (`router_norm` `(` $router_norm^ `:` type($router_norm) `)`)?
    (`post_norm` `(` $post_norm^ `:` type($post_norm) `)`)?
    (`expert_norm` `(` $expert_norm^ `:` type($expert_norm) `)`)?
    (`shared_norm` `(` $shared_norm^ `:` type($shared_norm) `)`)?
    (`latent_in_bias` `(` $latent_in_bias^ `:` type($latent_in_bias) `)`)?
    (`latent_out_bias` `(` $latent_out_bias^ `:` type($latent_out_bias) `)`)?
    `routing` $routing
    `activation` `` $activation
    (`alpha` $alpha^)?
    (`limit` $limit^)?
    (`shared_limit` $shared_limit^)?
    (`limit_after_act` $limit_after_act^)?
    (`output_scale` $output_scale^)?
    (`drop` `` $drop_policy^)?
    (`capacity_factor` $capacity_factor^)?
    (`capacity` $capacity^)?
    (`identity_experts` $identity_experts^)?
    (`rms_norm_eps` $rms_norm_eps^)?
    (`gate_softcap` $gate_softcap^)?
    (`up_softcap` $up_softcap^)?
    attr-dict `:` type($x) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of routed experts E (the router has E + identity_experts
    /// rows).
    int64_t getNumRoutedExperts() {
      return ::llvm::cast<::mlir::RankedTensorType>(getRouter().getType())
                 .getDimSize(0) -
             static_cast<int64_t>(getIdentityExperts()) -
             getNumStackedShared();
    }
    /// Token-choice routing parameters, or null under expert choice.
    ::mlir::moe::RoutingAttr getTokenChoice() {
      return ::llvm::dyn_cast<::mlir::moe::RoutingAttr>(getRouting());
    }
    /// Expert-choice parameters, or null under token choice.
    ::mlir::moe::ExpertChoiceAttr getExpertChoice() {
      return ::llvm::dyn_cast<::mlir::moe::ExpertChoiceAttr>(getRouting());
    }
    bool isGated() { return static_cast<bool>(getW3()); }
    bool hasSharedExpert() { return static_cast<bool>(getSharedW1()); }
    /// Whether the routed experts have a bias (b1, b3 or b2).
    bool hasExpertBias() { return getB1() || getB3() || getB2(); }
    /// The number S of stacked shared experts (a rank-3 `shared_w1`
    /// [S, G, D]) that the router's last S rows weight; 0 when there are
    /// none.
    int64_t getNumStackedShared() {
      auto type = ::llvm::dyn_cast_if_present<::mlir::RankedTensorType>(
          getSharedW1() ? getSharedW1().getType() : ::mlir::Type());
      return type && type.getRank() == 3 && !type.isDynamicDim(0)
                 ? type.getDimSize(0)
                 : 0;
    }
  }];
}

//===----------------------------------------------------------------------===//
// RouteOp
//===----------------------------------------------------------------------===//

def MoE_RouteOp : MoE_Op<"route", [Pure]> {
  let summary = "token-choice routing: logits to top-k weights and experts";
  let description = [{
    From router logits `[T, E]` computes, for every token, the `k` selected
    experts (`indices: [T, k]`, i32, in selection order: best first) and
    their routing weights (`weights: [T, k]`, f32), as described by the
    `#moe.routing` attribute (`docs/Spec.md#moeroute`): an optional soft
    cap of the logits, softmax, sigmoid or sqrt-softplus scores, an optional
    selection `bias: [E]` that only affects selection, optional
    group-limited selection, top-k with ties to the lower expert index (or
    top-k of the logits with only the selected logits scored, or PhiMoE's
    sparsemixer: the top-2 logits weighted by masked softmaxes), optional
    renormalization (sum plus ε, clamped sum, or p-norm) and scaling.

    ```mlir
    %w, %i = moe.route %logits bias(%b : tensor<64xf32>)
               <k = 8, scoring = sigmoid, normalize = true, scaling = 2.5,
                num_groups = 8, topk_groups = 4>
               : tensor<?x64xf32> -> tensor<?x8xf32>, tensor<?x8xi32>
    ```
  }];
  let arguments = (ins
    MoE_FloatTensor:$logits,
    Optional<MoE_FloatTensor>:$bias,
    MoE_RoutingAttr:$routing
  );
  let results = (outs RankedTensorOf<[F32]>:$weights, MoE_I32Tensor:$indices);
  let assemblyFormat = [{
    $logits (`bias` `(` $bias^ `:` type($bias) `)`)? $routing attr-dict
    `:` type($logits) `->` type($weights) `,` type($indices)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// RouteExpertChoiceOp
//===----------------------------------------------------------------------===//

def MoE_RouteExpertChoiceOp : MoE_Op<"route_expert_choice", [Pure]> {
  let summary = "expert-choice routing: each expert takes its top-C tokens";
  let description = [{
    From router logits `[T, E]`, with `s = softmax(logits)` over experts,
    expert `e` takes the `C = capacity` tokens with the highest `s[:, e]`
    (ties to the lower token index). Results are `token_ids: [E, C]` (i32)
    and `weights: [E, C]` (f32, `s[t, e]`); when `T < C` the slots past the
    `T` chosen tokens hold token id -1 and weight 0
    (`docs/Spec.md#moeroute_expert_choice`).

    ```mlir
    %ids, %w = moe.route_expert_choice %logits capacity 4
                 : tensor<16x8xf32> -> tensor<8x4xi32>, tensor<8x4xf32>
    ```
  }];
  let arguments = (ins MoE_FloatTensor:$logits, I64Attr:$capacity);
  let results = (outs MoE_I32Tensor:$token_ids, RankedTensorOf<[F32]>:$weights);
  let assemblyFormat = [{
    $logits `capacity` $capacity attr-dict
    `:` type($logits) `->` type($token_ids) `,` type($weights)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// DispatchOp
//===----------------------------------------------------------------------===//

def MoE_DispatchLayout : I32EnumAttr<"DispatchLayout",
    "where moe.dispatch places each expert's group of rows", [
    I32EnumAttrCase<"ragged", 0>,
    I32EnumAttrCase<"padded", 1>,
    I32EnumAttrCase<"blocked", 2>]> {
  let cppNamespace = "::mlir::moe";
  let genSpecializedAttr = 0;
}

def MoE_DispatchLayoutAttr
    : EnumAttr<MoE_Dialect, MoE_DispatchLayout, "layout">;

def MoE_DispatchOp : MoE_Op<"dispatch", [Pure]> {
  let summary = "group token rows by expert, under a capacity";
  let description = [{
    Turns the `T·k` assignments of a token-choice routing (`indices: [T, k]`,
    `weights: [T, k]`) into rows grouped by expert (`docs/Spec.md#moedispatch`).
    Results, with `N` rows:

    - `rows: [N, D]`: the kept assignments' token rows, expert 0's group
      first; expert `e` owns `rows[offsets[e] .. offsets[e+1])`, its kept
      assignments first, in token order, then its padding rows (zero).
      Rows from `offsets[E]` on are zero.
    - `offsets: [E+1]` (i32): group boundaries, `offsets[0] = 0`.
    - `row_tokens: [N]` (i32): the token of each row, -1 for padding rows
      and past `offsets[E]`.
    - `row_weights: [N]` (f32): the routing weight of each row, 0 for
      padding rows and past `offsets[E]`.

    With `drop_policy = none` (dropless) every assignment is kept. Otherwise
    each expert keeps at most `C` assignments, `C = capacity` or
    `ceil(capacity_factor · T · k / E)`, chosen in order `position`
    (all first choices before second choices, earlier tokens first) or
    `score` (higher weight first, ties in position order). Assignments whose
    expert index is outside `[0, E)` are dropped.

    The `layout` places the groups; it never changes which assignments are
    kept:

    - `ragged` (the default): groups are packed, a group has exactly its
      kept assignments; `N = T·k`.
    - `padded`: every group has exactly `C` rows, `offsets[e] = e·C`;
      `N = E·C`, static. Needs a drop policy and a static `C` (`capacity`,
      or `capacity_factor` with a static `T`).
    - `blocked`: every group is rounded up to a multiple of `block` rows, so
      every group starts at a multiple of `block`; `N = T·k + E·(block-1)`.

    ```mlir
    %rows, %offsets, %tok, %rw = moe.dispatch %x, %indices, %weights
        experts 8 drop position capacity_factor 1.25
        : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32>
        -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
    %p:4 = moe.dispatch %x16, %i16, %w16 experts 8 drop position capacity 5
        layout padded
        : tensor<16x64xf32>, tensor<16x2xi32>, tensor<16x2xf32>
        -> tensor<40x64xf32>, tensor<9xi32>, tensor<40xi32>, tensor<40xf32>
    %b:4 = moe.dispatch %x, %indices, %weights experts 8 layout blocked
        block 16
        : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32>
        -> tensor<?x64xf32>, tensor<9xi32>, tensor<?xi32>, tensor<?xf32>
    ```
  }];
  let arguments = (ins
    MoE_FloatTensor:$x,
    MoE_I32Tensor:$indices,
    MoE_FloatTensor:$weights,
    I64Attr:$num_experts,
    DefaultValuedAttr<MoE_DropPolicyAttr, "::mlir::moe::DropPolicy::none">:$drop_policy,
    OptionalAttr<F64Attr>:$capacity_factor,
    OptionalAttr<I64Attr>:$capacity,
    DefaultValuedAttr<MoE_DispatchLayoutAttr,
                      "::mlir::moe::DispatchLayout::ragged">:$layout,
    OptionalAttr<I64Attr>:$block
  );
  let results = (outs
    MoE_FloatTensor:$rows,
    MoE_I32Tensor:$offsets,
    MoE_I32Tensor:$row_tokens,
    RankedTensorOf<[F32]>:$row_weights
  );
  let assemblyFormat = [{
    $x `,` $indices `,` $weights `experts` $num_experts
    (`drop` `` $drop_policy^)?
    (`capacity_factor` $capacity_factor^)?
    (`capacity` $capacity^)?
    (`layout` `` $layout^)?
    (`block` $block^)?
    attr-dict `:` type($x) `,` type($indices) `,` type($weights)
    `->` type($rows) `,` type($offsets) `,` type($row_tokens) `,` type($row_weights)
  }];
  let builders = [
    // The ragged layout, from the attributes that moe.layer also carries.
    OpBuilder<(ins "::mlir::Type":$rows, "::mlir::Type":$offsets,
      "::mlir::Type":$rowTokens, "::mlir::Type":$rowWeights,
      "::mlir::Value":$x, "::mlir::Value":$indices, "::mlir::Value":$weights,
      "::mlir::IntegerAttr":$numExperts,
      "::mlir::moe::DropPolicyAttr":$dropPolicy,
      "::mlir::FloatAttr":$capacityFactor, "::mlir::IntegerAttr":$capacity), [{
      build($_builder, $_state, rows, offsets, rowTokens, rowWeights, x,
            indices, weights, numExperts, dropPolicy, capacityFactor,
            capacity,
            ::mlir::moe::DispatchLayoutAttr::get(
                $_builder.getContext(), ::mlir::moe::DispatchLayout::ragged),
            ::mlir::IntegerAttr());
    }]>
  ];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// `ceil(capacity_factor · tokens · k / numExperts)`, evaluated left to
    /// right in double precision, clamped to `tokens · k` (docs/Spec.md).
    static int64_t capacityFromFactor(double capacityFactor, int64_t tokens,
                                      int64_t k, int64_t numExperts);
    /// The rows `N` of `layout` for `tokens` tokens (dynamic when `tokens`
    /// is and `N` depends on it): `T·k` (ragged), `E·C` (padded, with the
    /// static capacity `capacity`), `T·k + E·(block-1)` (blocked). Sizes
    /// are not checked for overflow: the verifier does that.
    static int64_t numRowsOf(DispatchLayout layout, int64_t tokens, int64_t k,
                             int64_t numExperts, int64_t capacity,
                             int64_t block);
    /// The capacity C when it is known statically: `capacity`, or
    /// `capacity_factor` with a static number of tokens; none otherwise
    /// (dropless, or a capacity factor with a dynamic T).
    std::optional<int64_t> getStaticCapacity();
  }];
}

//===----------------------------------------------------------------------===//
// GroupedMatmulOp
//===----------------------------------------------------------------------===//

def MoE_GroupedMatmulOp : MoE_Op<"grouped_matmul", [Pure]> {
  let summary = "row groups times per-group weight matrices";
  let description = [{
    `lhs: [N, K]` rows are split into `E` groups by `offsets: [E+1]`; group
    `e` (rows `offsets[e] .. offsets[e+1]`) is multiplied by `rhs[e]ᵀ` where
    `rhs: [E, M, K]` is in nn.Linear layout. The result is `[N, M]`; rows
    outside every group are zero. Products accumulate in f32
    (`docs/Spec.md#moegrouped_matmul`).

    ```mlir
    %h = moe.grouped_matmul %rows, %w1 offsets(%offsets : tensor<9xi32>)
           : tensor<?x64xf32>, tensor<8x128x64xf32> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins MoE_FloatTensor:$lhs, MoE_FloatTensor:$rhs,
                       MoE_I32Tensor:$offsets);
  let results = (outs MoE_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `offsets` `(` $offsets `:` type($offsets) `)` attr-dict
    `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// ExpertsOp
//===----------------------------------------------------------------------===//

def MoE_ExpertsOp : MoE_Op<"experts", [Pure, AttrSizedOperandSegments]> {
  let summary = "the expert feed-forward networks over rows grouped by expert";
  let description = [{
    Applies expert `e`'s FFN to the rows of group `e` (`rows: [N, D]`,
    grouped by `offsets: [E+1]`). Gated (when `w3` is present):
    `y = w2[e] · (act(w1[e] · x) ⊙ (w3[e] · x))`; non-gated:
    `y = w2[e] · act(w1[e] · x)`. Weights are in checkpoint layout:
    `w1, w3: [E, F, D]`, `w2: [E, D, F]`. Optional biases `b1, b3: [E, F]`
    and `b2: [E, D]` are added to the projections of group `e`
    (`w1[e] · x + b1[e]`, ...). `alpha`, `limit`, `limit_after_act`,
    `gate_softcap` and `up_softcap` parameterize the activation
    (`docs/Spec.md#activation-parameters`).
    With `out_norm: [E, D]`, each output row of group `e` is then
    RMS-normalized with the weight `out_norm[e]` and the epsilon
    `rms_norm_eps` (`docs/Spec.md#moerms_norm`).
    Rows outside every group give zero (`docs/Spec.md#moeexperts`).

    ```mlir
    %y = moe.experts %rows offsets(%offsets : tensor<9xi32>)
           w1(%w1 : tensor<8x128x64xf32>) w3(%w3 : tensor<8x128x64xf32>)
           w2(%w2 : tensor<8x64x128xf32>) activation silu
           : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins
    MoE_FloatTensor:$rows,
    MoE_I32Tensor:$offsets,
    MoE_FloatTensor:$w1,
    Optional<MoE_FloatTensor>:$w3,
    MoE_FloatTensor:$w2,
    Optional<MoE_FloatTensor>:$b1,
    Optional<MoE_FloatTensor>:$b3,
    Optional<MoE_FloatTensor>:$b2,
    MoE_ActivationAttr:$activation,
    OptionalAttr<F64Attr>:$alpha,
    OptionalAttr<F64Attr>:$limit,
    UnitAttr:$limit_after_act,
    Optional<MoE_FloatTensor>:$out_norm,
    OptionalAttr<F64Attr>:$rms_norm_eps,
    OptionalAttr<F64Attr>:$gate_softcap,
    OptionalAttr<F64Attr>:$up_softcap
  );
  let results = (outs MoE_FloatTensor:$result);
  let assemblyFormat = [{
    $rows `offsets` `(` $offsets `:` type($offsets) `)`
    `w1` `(` $w1 `:` type($w1) `)`
    (`w3` `(` $w3^ `:` type($w3) `)`)?
    `w2` `(` $w2 `:` type($w2) `)`
    (`b1` `(` $b1^ `:` type($b1) `)`)?
    (`b3` `(` $b3^ `:` type($b3) `)`)?
    (`b2` `(` $b2^ `:` type($b2) `)`)?
    (`out_norm` `(` $out_norm^ `:` type($out_norm) `)`)?
    `activation` `` $activation
    (`alpha` $alpha^)?
    (`limit` $limit^)?
    (`limit_after_act` $limit_after_act^)?
    (`rms_norm_eps` $rms_norm_eps^)?
    (`gate_softcap` $gate_softcap^)?
    (`up_softcap` $up_softcap^)?
    attr-dict `:` type($rows) `->` type($result)
  }];
  let builders = [
    // Without biases and with the activation's default parameters.
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$rows,
      "::mlir::Value":$offsets, "::mlir::Value":$w1, "::mlir::Value":$w3,
      "::mlir::Value":$w2, "::mlir::moe::ActivationAttr":$activation), [{
      build($_builder, $_state, result, rows, offsets, w1, w3, w2,
            ::mlir::Value(), ::mlir::Value(), ::mlir::Value(), activation,
            ::mlir::FloatAttr(), ::mlir::FloatAttr(), ::mlir::UnitAttr(),
            ::mlir::Value(), ::mlir::FloatAttr(), ::mlir::FloatAttr(),
            ::mlir::FloatAttr());
    }]>
  ];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    bool isGated() { return static_cast<bool>(getW3()); }
    /// Whether the experts have a bias (b1, b3 or b2).
    bool hasBias() { return getB1() || getB3() || getB2(); }
  }];
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

def MoE_QuantizedTensor : RankedTensorOf<[I8, F8E4M3FN]>;
def MoE_ScaleTensor : RankedTensorOf<[F32, BF16, F16, F8E8M0FNU]>;
def MoE_DequantizedTensor : RankedTensorOf<[F32, BF16]>;

def MoE_DequantizeOp : MoE_Op<"dequantize", [Pure]> {
  let summary = "quantized weights with block scales, as floats";
  let description = [{
    `result[..., n, k] = (q[..., n, k] - zero_points[..., n / bn, k / bk]) ·
    scales[..., n / bn, k / bk]`, computed in f32 and rounded once to the
    result element type (`docs/Spec.md#moedequantize`). `q: [..., N, K]`
    holds int8 (`i8`) or fp8 e4m3 (`f8E4M3FN`) values, or, with `packed`,
    4-bit values two per byte (`q: [..., N, K/2]` of `i8`, element `2j` in
    the low nibble of byte `j`): `int4` (the nibble minus 8) or `e2m1` (fp4,
    the values of mxfp4). `block = [bn, bk]` is the block of the last two
    dimensions that one scale covers, so `scales: [..., ceil(N / bn),
    ceil(K / bk)]` (f32, bf16, f16, or e8m0 exponents `f8E8M0FNU`). Optional
    integer `zero_points` have the shape of `scales` and the element type
    `i8`. Per-output-channel int8 is `block [1, K]`; DeepSeek-style fp8 is
    `block [128, 128]`; mxfp4 is `packed e2m1` with `block [1, 32]` and
    `f8E8M0FNU` scales. The weights of `moe.experts` and `moe.layer` may be
    such results: the CPU kernels then read `q` and the scales and never
    hold the float weights in memory.

    ```mlir
    %w1 = moe.dequantize %q1 scales(%s1 : tensor<8x128x1xf32>) block [1, 64]
            : tensor<8x128x64xi8> -> tensor<8x128x64xf32>
    ```
  }];
  let arguments = (ins
    MoE_QuantizedTensor:$q,
    MoE_ScaleTensor:$scales,
    Optional<MoE_QuantizedTensor>:$zero_points,
    OptionalAttr<MoE_PackedFormatAttr>:$packed,
    DenseI64ArrayAttr:$block
  );
  let results = (outs MoE_DequantizedTensor:$result);
  let assemblyFormat = [{
    $q (`packed` `` $packed^)? `scales` `(` $scales `:` type($scales) `)`
    (`zero_points` `(` $zero_points^ `:` type($zero_points) `)`)?
    `block` $block attr-dict `:` type($q) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// RmsNormOp
//===----------------------------------------------------------------------===//

def MoE_RmsNormOp : MoE_Op<"rms_norm", [Pure]> {
  let summary = "RMS normalization of every row, times a weight";
  let description = [{
    `result[t, d] = x[t, d] · (mean_d'(x[t, d']²) + eps)^-1/2 · weight[d]`,
    computed in f32 (in `x`'s type when wider) and rounded once to `x`'s
    element type (`docs/Spec.md#moerms_norm`). `x: [T, D]`, `weight: [D]`.
    moe-decompose emits it for the token-level norms of moe.layer.

    ```mlir
    %y = moe.rms_norm %x weight(%w : tensor<64xf32>) eps 1.0e-06
           : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins MoE_FloatTensor:$x, MoE_FloatTensor:$weight,
                       F64Attr:$eps);
  let results = (outs MoE_FloatTensor:$result);
  let assemblyFormat = [{
    $x `weight` `(` $weight `:` type($weight) `)` `eps` $eps attr-dict
    `:` type($x) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// CombineOp
//===----------------------------------------------------------------------===//

def MoE_CombineOp : MoE_Op<"combine",
    [Pure, AllTypesMatch<["acc", "result"]>]> {
  let summary = "weighted scatter-add of expert rows back to tokens";
  let description = [{
    `result = acc`, then for every row `r` whose token `t = row_tokens[r]` is
    in `[0, T)`: `result[t] += row_weights[r] · rows[r]`, accumulated in f32
    (`docs/Spec.md#moecombine`). `acc: [T, D]` is the starting value: zeros,
    or the shared expert's output.

    ```mlir
    %out = moe.combine %y tokens(%tok : tensor<?xi32>)
             weights(%rw : tensor<?xf32>) into %acc
             : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins
    MoE_FloatTensor:$rows,
    MoE_I32Tensor:$row_tokens,
    RankedTensorOf<[F32]>:$row_weights,
    MoE_FloatTensor:$acc
  );
  let results = (outs MoE_FloatTensor:$result);
  let assemblyFormat = [{
    $rows `tokens` `(` $row_tokens `:` type($row_tokens) `)`
    `weights` `(` $row_weights `:` type($row_weights) `)`
    `into` $acc attr-dict `:` type($rows) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// AllToAllOp
//===----------------------------------------------------------------------===//

def MoE_AllToAllOp : MoE_Op<"all_to_all", []> {
  let summary = "exchange rows between ranks (expert parallelism)";
  let description = [{
    A collective over `num_ranks` ranks (`docs/Spec.md#moeall_to_all`).
    `rows: [N, D]` are grouped by destination rank: the first
    `send_counts[0]` rows go to rank 0, the next `send_counts[1]` to rank 1,
    and so on. Each rank receives `recv_counts[r]` rows from rank `r`, in rank
    order, in `result: [M, D]`; rows past the sum of `recv_counts` are zero.

    ```mlir
    %recv, %counts = moe.all_to_all %rows, %send_counts ranks 4
        : tensor<?x64xf32>, tensor<4xi32> -> tensor<?x64xf32>, tensor<4xi32>
    ```
  }];
  let arguments = (ins MoE_FloatTensor:$rows, MoE_I32Tensor:$send_counts,
                       I64Attr:$num_ranks);
  let results = (outs MoE_FloatTensor:$result, MoE_I32Tensor:$recv_counts);
  let assemblyFormat = [{
    $rows `,` $send_counts `ranks` $num_ranks attr-dict
    `:` type($rows) `,` type($send_counts) `->` type($result) `,` type($recv_counts)
  }];
  let hasVerifier = 1;
}

#endif // MOE_DIALECT_MOE_IR_MOEOPS_TD
