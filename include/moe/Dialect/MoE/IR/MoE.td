//===- MoE.td - MoE dialect umbrella -----------------------*- tablegen -*-===//
//
// The `moe` dialect: Mixture-of-Experts layers with exact semantics.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_MOE_IR_MOE_TD
#define MOE_DIALECT_MOE_IR_MOE_TD

include "moe/Dialect/MoE/IR/MoEDialect.td"
include "moe/Dialect/MoE/IR/MoEAttrs.td"
include "moe/Dialect/MoE/IR/MoEOps.td"
include "moe/Dialect/MoE/IR/MoEFusedOps.td"

#endif // MOE_DIALECT_MOE_IR_MOE_TD
