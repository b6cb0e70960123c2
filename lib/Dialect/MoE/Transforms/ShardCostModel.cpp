//===- ShardCostModel.cpp - Cost model of moe-shard -----------------------===//
//
// The formulas of docs/Sharding.md ("Cost model"). All figures are
// expectations under uniform routing; a rank r = (g, j) holds experts
// g·E/ep .. and inner columns j·F/tp .. of each.
//
//===----------------------------------------------------------------------===//

#include "ShardCostModel.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;

/// The divisors of `n >= 1`, in increasing order.
static SmallVector<int64_t> divisorsOf(int64_t n) {
  SmallVector<int64_t> low, high;
  for (int64_t i = 1; i <= n / i; ++i) {
    if (n % i)
      continue;
    low.push_back(i);
    if (i != n / i)
      high.push_back(n / i);
  }
  low.append(high.rbegin(), high.rend());
  return low;
}

SmallVector<ShardCandidate> moe::evaluateShardSplits(const ShardProblem &p) {
  SmallVector<ShardCandidate> result;
  if (p.ranks < 1 || p.ranks > kMaxShardRanks)
    return result;
  double r = static_cast<double>(p.ranks);
  double tr = static_cast<double>(p.tokens) / r;
  // The busiest rank holds ceil(T/R) tokens: it sets the pace of the router
  // and the shared expert, and the size of the buffers.
  double trMax =
      static_cast<double>(p.tokens / p.ranks + (p.tokens % p.ranks != 0));
  double d = static_cast<double>(p.hidden);
  double b = static_cast<double>(p.elementBytes);
  double m = p.gated ? 3.0 : 2.0;
  double assignments = tr * static_cast<double>(p.topK);
  for (int64_t ep : divisorsOf(p.ranks)) {
    ShardCandidate c;
    c.ep = ep;
    c.tp = p.ranks / ep;
    if (p.experts % ep)
      c.invalidReason = llvm::formatv("E = {0} experts do not split evenly "
                                      "over ep = {1}",
                                      p.experts, ep);
    else if (p.inner % c.tp)
      c.invalidReason = llvm::formatv("F = {0} does not split evenly over "
                                      "tp = {1}",
                                      p.inner, c.tp);
    double epD = static_cast<double>(ep), tpD = static_cast<double>(c.tp);
    double localExperts = static_cast<double>(p.experts) / epD;
    double ft = static_cast<double>(p.inner) / tpD;

    // Traffic: every kept row goes to the tp ranks of its group; on average
    // 1/ep of a rank's rows belong to its own group, of which one copy stays
    // local. The rows come back the same way. Each of the three exchanges
    // first sends R counts; the third sends E/ep counts per rank.
    double remoteRows = assignments * (tpD - 1.0 / epD);
    double countBytes = (r - 1) * (3 * 4.0 + 4.0 * localExperts);
    c.a2aBytesPerRank = 2 * remoteRows * d * b + countBytes;
    c.bytesPerToken = tr > 0 ? c.a2aBytesPerRank / tr : 0;

    // Compute: a group receives T·k/ep rows on average; the busiest of ep
    // groups (normal approximation of the maximum of ep binomial loads)
    // sets the pace. Each of its tp ranks applies F/tp columns.
    double mean = static_cast<double>(p.tokens) * p.topK / epD;
    double maxLoad = mean;
    if (ep > 1 && mean > 0)
      maxLoad += std::sqrt(2.0 * std::log(epD) * mean * (1.0 - 1.0 / epD));
    c.imbalance = mean > 0 ? maxLoad / mean : 1;
    double expertFlops = maxLoad * 2 * d * ft * m;
    double routerFlops = 2 * trMax * d * static_cast<double>(p.experts);
    double sharedFlops = 2 * trMax * d * static_cast<double>(p.sharedInner) * m;
    c.flopsPerRank = expertFlops + routerFlops + sharedFlops;
    // Narrow GEMMs run below peak: half speed at 64 columns.
    c.gemmEfficiency = ft / (ft + 64.0);
    double flopsPerMs = p.gflops * 1e6;
    c.computeMs = expertFlops / (flopsPerMs * c.gemmEfficiency) +
                  (routerFlops + sharedFlops) / flopsPerMs;
    c.commMs = c.a2aBytesPerRank / (p.bandwidthGBs * 1e6) +
               6 * (r - 1) * p.latencyUs * 1e-3;
    c.totalMs = c.computeMs + c.commMs;

    // Memory: local experts, the replicated router and shared expert, and
    // the buffers of the exchange (send, receive, expert output, return).
    c.weightBytesPerRank =
        (localExperts * m * ft * d + static_cast<double>(p.experts) * d +
         m * static_cast<double>(p.sharedInner) * d) *
        b;
    double maxAssignments = trMax * static_cast<double>(p.topK);
    double sent = tpD * maxAssignments * d * b;
    double received = tpD * assignments * c.imbalance * d * b;
    c.activationBytesPerRank = 2 * sent + 2 * received + 2 * trMax * d * b;
    result.push_back(std::move(c));
  }
  return result;
}

int moe::pickShardSplit(ArrayRef<ShardCandidate> candidates) {
  int best = -1;
  for (auto [i, c] : llvm::enumerate(candidates)) {
    if (!c.invalidReason.empty())
      continue;
    if (best < 0 || c.totalMs <= candidates[best].totalMs * (1 + 1e-9))
      best = static_cast<int>(i);
  }
  return best;
}

llvm::json::Value moe::shardReportToJSON(const ShardProblem &p,
                                         ArrayRef<ShardCandidate> candidates,
                                         int chosen) {
  llvm::json::Array rows;
  for (const ShardCandidate &c : candidates) {
    llvm::json::Object row{{"ep", c.ep}, {"tp", c.tp}};
    if (!c.invalidReason.empty()) {
      row["invalid"] = c.invalidReason;
    } else {
      row["flops_per_rank"] = c.flopsPerRank;
      row["a2a_bytes_per_rank"] = c.a2aBytesPerRank;
      row["a2a_bytes_per_token"] = c.bytesPerToken;
      row["weight_bytes_per_rank"] = c.weightBytesPerRank;
      row["activation_bytes_per_rank"] = c.activationBytesPerRank;
      row["imbalance"] = c.imbalance;
      row["gemm_efficiency"] = c.gemmEfficiency;
      row["compute_ms"] = c.computeMs;
      row["comm_ms"] = c.commMs;
      row["total_ms"] = c.totalMs;
    }
    rows.push_back(std::move(row));
  }
  llvm::json::Object layer{{"tokens", p.tokens},
                           {"D", p.hidden},
                           {"F", p.inner},
                           {"E", p.experts},
                           {"k", p.topK},
                           {"shared_inner", p.sharedInner},
                           {"gated", p.gated},
                           {"element_bytes", p.elementBytes},
                           {"ranks", p.ranks},
                           {"bandwidth_GBs", p.bandwidthGBs},
                           {"latency_us", p.latencyUs},
                           {"gflops", p.gflops},
                           {"candidates", std::move(rows)}};
  if (chosen >= 0)
    layer["chosen"] = llvm::json::Object{{"ep", candidates[chosen].ep},
                                         {"tp", candidates[chosen].tp}};
  else
    layer["chosen"] = nullptr;
  return layer;
}
