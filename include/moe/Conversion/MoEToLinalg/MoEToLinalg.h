//===- MoEToLinalg.h - moe to linalg/tensor/scf patterns --------*- C++ -*-===//

#ifndef MOE_CONVERSION_MOETOLINALG_MOETOLINALG_H
#define MOE_CONVERSION_MOETOLINALG_MOETOLINALG_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace moe {

/// moe.route and moe.route_expert_choice.
void populateMoERoutingToLinalgPatterns(RewritePatternSet &patterns);
/// moe.dispatch.
void populateMoEDispatchToLinalgPatterns(RewritePatternSet &patterns);
/// moe.grouped_matmul and moe.experts.
void populateMoEExpertsToLinalgPatterns(RewritePatternSet &patterns);
/// moe.combine.
void populateMoECombineToLinalgPatterns(RewritePatternSet &patterns);
/// moe.grouped_matmul_act and moe.grouped_matmul_combine.
void populateMoEFusedToLinalgPatterns(RewritePatternSet &patterns);
/// moe.rms_norm.
void populateMoENormToLinalgPatterns(RewritePatternSet &patterns);
/// moe.dequantize.
void populateMoEDequantizeToLinalgPatterns(RewritePatternSet &patterns);

/// All of the above.
void populateMoEToLinalgPatterns(RewritePatternSet &patterns);

} // namespace moe
} // namespace mlir

#endif // MOE_CONVERSION_MOETOLINALG_MOETOLINALG_H
