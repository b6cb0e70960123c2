//===- MoEToLinalg.cpp - the moe-to-linalg pass ---------------------------===//
//
// The driver of the reference lowering: every moe op but moe.layer and
// moe.all_to_all is rewritten by the patterns of RoutingToLinalg.cpp,
// DispatchToLinalg.cpp, ExpertsToLinalg.cpp, CombineToLinalg.cpp and
// NormToLinalg.cpp, each of
// which states the exact semantics it implements. moe.layer is an error
// (moe-decompose splits it first); moe.all_to_all is left in place for the
// distributed runtime.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"

#include "moe/Dialect/MoE/IR/MoEOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir {
namespace moe {
#define GEN_PASS_DEF_CONVERTMOETOLINALG
#include "moe/Conversion/Passes.h.inc"
} // namespace moe
} // namespace mlir

using namespace mlir;
using namespace mlir::moe;

void mlir::moe::populateMoEToLinalgPatterns(RewritePatternSet &patterns) {
  populateMoERoutingToLinalgPatterns(patterns);
  populateMoEDispatchToLinalgPatterns(patterns);
  populateMoEExpertsToLinalgPatterns(patterns);
  populateMoECombineToLinalgPatterns(patterns);
  populateMoEFusedToLinalgPatterns(patterns);
  populateMoENormToLinalgPatterns(patterns);
  populateMoEDequantizeToLinalgPatterns(patterns);
}

namespace {
struct ConvertMoEToLinalgPass
    : public moe::impl::ConvertMoEToLinalgBase<ConvertMoEToLinalgPass> {
  void runOnOperation() override {
    // moe.layer has no lowering of its own: it is split by moe-decompose.
    // Leaving it in place would only fail later, far from the cause.
    WalkResult layers = getOperation()->walk([](LayerOp layer) {
      layer.emitOpError() << "must be decomposed before moe-to-linalg: run "
                             "--moe-decompose first";
      return WalkResult::interrupt();
    });
    if (layers.wasInterrupted())
      return signalPassFailure();

    ConversionTarget target(getContext());
    target.addIllegalDialect<MoEDialect>();
    // moe.all_to_all is a collective; it is lowered with the distributed
    // runtime, not here.
    target.addLegalOp<AllToAllOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    populateMoEToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
