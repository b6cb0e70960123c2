//===- ShardCostModel.h - Cost model of moe-shard --------------*- C++ -*-===//
//
// Predicts, for one MoE layer and every split of R ranks into ep
// expert-parallel groups of tp tensor-parallel ranks, the per-rank compute,
// all-to-all traffic and memory of the program moe-shard produces, and picks
// the fastest split. docs/Sharding.md derives every formula.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_DIALECT_MOE_TRANSFORMS_SHARDCOSTMODEL_H
#define MOE_LIB_DIALECT_MOE_TRANSFORMS_SHARDCOSTMODEL_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <string>

namespace mlir {
namespace moe {

/// The most ranks moe-shard takes (the `ranks` option). The candidates are
/// the divisors of the rank count, found in O(sqrt(R)) steps.
constexpr int64_t kMaxShardRanks = 65536;

/// The layer and machine the model is evaluated for.
struct ShardProblem {
  int64_t tokens = 0;  // T, over all ranks
  int64_t hidden = 0;  // D
  int64_t inner = 0;   // F
  int64_t experts = 0; // E
  int64_t topK = 0;    // k assignments per token (C·E/T under expert choice)
  int64_t sharedInner = 0;  // S, 0 without a shared expert
  bool gated = true;        // 3 weight matrices per FFN (else 2)
  int64_t elementBytes = 4; // bytes of an activation / weight element
  int64_t ranks = 0;        // R
  double bandwidthGBs = 25; // per-rank link bandwidth
  double latencyUs = 5;     // per message
  double gflops = 1000;     // per-rank compute rate
};

/// The prediction for one (ep, tp).
struct ShardCandidate {
  int64_t ep = 0, tp = 0;
  /// Empty when the split is valid, else why not.
  std::string invalidReason;
  double flopsPerRank = 0;    // router + experts (max group) + shared
  double a2aBytesPerRank = 0; // sent to other ranks, both exchanges
  double bytesPerToken = 0;   // a2aBytesPerRank / (T/R)
  double weightBytesPerRank = 0;
  double activationBytesPerRank = 0;
  double imbalance = 1;      // expected max group load / mean load
  double gemmEfficiency = 1; // of a [rows, D] x [F/tp, D] GEMM
  double computeMs = 0, commMs = 0, totalMs = 0;
};

/// Every (ep, tp) with ep · tp = R, valid or not, in increasing ep;
/// 1 <= R <= kMaxShardRanks.
llvm::SmallVector<ShardCandidate> evaluateShardSplits(const ShardProblem &p);

/// The index of the fastest valid candidate (ties: the larger ep), or -1.
int pickShardSplit(llvm::ArrayRef<ShardCandidate> candidates);

/// The problem and its candidates as a JSON object.
llvm::json::Value shardReportToJSON(const ShardProblem &p,
                                    llvm::ArrayRef<ShardCandidate> candidates,
                                    int chosen);

} // namespace moe
} // namespace mlir

#endif // MOE_LIB_DIALECT_MOE_TRANSFORMS_SHARDCOSTMODEL_H
