//===- MoEFusedOps.td - MoE fused expert operations --------*- tablegen -*-===//
//
// The grouped expert computation with its elementwise and scatter steps
// fused in: what `moe-expert-fusion` rewrites `moe.experts` and
// `moe.combine` into. Each op is one grouped GEMM with an epilogue.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_IR_MOEFUSEDOPS_TD
#define MOE_DIALECT_MOE_IR_MOEFUSEDOPS_TD

include "moe/Dialect/MoE/IR/MoEOps.td"

//===----------------------------------------------------------------------===//
// GroupedMatmulActOp
//===----------------------------------------------------------------------===//

def MoE_GroupedMatmulActOp : MoE_Op<"grouped_matmul_act", [Pure]> {
  let summary = "grouped matmul with the activation (and GLU product) fused in";
  let description = [{
    The up projection of the experts as one grouped GEMM whose epilogue
    applies the activation and, for gated experts, the gating product
    (`docs/Spec.md#moegrouped_matmul_act`).

    `lhs: [N, D]` rows are split into `E` groups by `offsets: [E+1]`, as
    for `moe.grouped_matmul`. For a row `x` of group `e`,
    `u = rhs[e] · x` (f32 accumulation). Without `gated`, `rhs: [E, F, D]`
    and the result row is `act(u)`. With `gated`, `rhs: [E, 2F, D]` holds
    `w1[e]` in rows `0 .. F-1` and `w3[e]` in rows `F .. 2F-1` (w1‖w3), and
    the result row is `act(u[0 .. F)) ⊙ u[F .. 2F)`. An optional
    `bias: [E, G]` (b1‖b3 when gated) is added to `u` first. The result is `[N, F]`,
    computed in f32 and rounded once to its element type; rows outside every
    group are zero. `alpha`, `limit`, `limit_after_act`, `gate_softcap` and
    `up_softcap` parameterize the activation as for `moe.experts`
    (`docs/Spec.md#activation-parameters`).

    ```mlir
    %h = moe.grouped_matmul_act %rows, %w13 offsets(%offsets : tensor<9xi32>)
           activation silu gated
           : tensor<?x64xf32>, tensor<8x256x64xf32> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins
    MoE_FloatTensor:$lhs,
    MoE_FloatTensor:$rhs,
    MoE_I32Tensor:$offsets,
    Optional<MoE_FloatTensor>:$bias,
    MoE_ActivationAttr:$activation,
    UnitAttr:$gated,
    OptionalAttr<F64Attr>:$alpha,
    OptionalAttr<F64Attr>:$limit,
    UnitAttr:$limit_after_act,
    OptionalAttr<F64Attr>:$gate_softcap,
    OptionalAttr<F64Attr>:$up_softcap
  );
  let results = (outs MoE_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `offsets` `(` $offsets `:` type($offsets) `)`
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    `activation` `` $activation (`gated` $gated^)?
    (`alpha` $alpha^)? (`limit` $limit^)?
    (`limit_after_act` $limit_after_act^)?
    (`gate_softcap` $gate_softcap^)? (`up_softcap` $up_softcap^)? attr-dict
    `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// GroupedMatmulCombineOp
//===----------------------------------------------------------------------===//

def MoE_GroupedMatmulCombineOp : MoE_Op<"grouped_matmul_combine",
    [Pure, AllTypesMatch<["acc", "result"]>]> {
  let summary = "grouped matmul whose rows are weighted and scatter-added "
                "to their tokens";
  let description = [{
    The down projection of the experts fused with the combine
    (`docs/Spec.md#moegrouped_matmul_combine`): no `[N, D]` expert output
    is formed. `lhs: [N, F]` rows are split into `E` groups by
    `offsets: [E+1]`, as for `moe.grouped_matmul`. Starting from
    `result = acc: [T, D]`, for every row `r` of group `e` (groups in order,
    rows ascending) whose token `t = row_tokens[r]` is in `[0, T)`:
    `result[t] += row_weights[r] · (rhs[e] · lhs[r] + bias[e])`, with
    `rhs: [E, D, F]` in nn.Linear layout and the optional `bias: [E, D]`
    (zero when absent), all in f32, rounded once to the element type of
    `acc`. Rows outside every group contribute nothing.

    ```mlir
    %out = moe.grouped_matmul_combine %h, %w2 offsets(%offsets : tensor<9xi32>)
             tokens(%tok : tensor<?xi32>) weights(%rw : tensor<?xf32>)
             into %acc : tensor<?x128xf32>, tensor<8x64x128xf32>
             -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins
    MoE_FloatTensor:$lhs,
    MoE_FloatTensor:$rhs,
    MoE_I32Tensor:$offsets,
    Optional<MoE_FloatTensor>:$bias,
    MoE_I32Tensor:$row_tokens,
    RankedTensorOf<[F32]>:$row_weights,
    MoE_FloatTensor:$acc
  );
  let results = (outs MoE_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `offsets` `(` $offsets `:` type($offsets) `)`
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    `tokens` `(` $row_tokens `:` type($row_tokens) `)`
    `weights` `(` $row_weights `:` type($row_weights) `)`
    `into` $acc attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // MOE_DIALECT_MOE_IR_MOEFUSEDOPS_TD
