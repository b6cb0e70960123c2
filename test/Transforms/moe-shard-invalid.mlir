// Each bad plan or layer gives one error line and a non-zero exit.
// RUN: not moe-opt %s --moe-shard="ep=3 tp=1 ranks=3" 2>&1 | FileCheck %s --check-prefix=UNEVEN-E
// RUN: not moe-opt %s --moe-shard="ep=2 tp=2 ranks=8" 2>&1 | FileCheck %s --check-prefix=PRODUCT
// RUN: not moe-opt %s --moe-shard="ep=1 tp=5 ranks=5" 2>&1 | FileCheck %s --check-prefix=UNEVEN-F
// RUN: not moe-opt %s --moe-shard="ep=2 tp=1 ranks=0" 2>&1 | FileCheck %s --check-prefix=RANKS
// RUN: not moe-opt %s --moe-shard="ep=3 ranks=4" 2>&1 | FileCheck %s --check-prefix=DIVIDE
// At most 65536 ranks: the cost model and the exchanges are sized by R.
// RUN: not moe-opt %s --moe-shard="ranks=65537" 2>&1 | FileCheck %s --check-prefix=MAXRANKS
// RUN: not moe-opt %s --moe-shard="ranks=1099511627776" 2>&1 | FileCheck %s --check-prefix=MAXRANKS-2E40
// RUN: not moe-opt %s --moe-shard="ep=1 tp=1 ranks=9223372036854775807" 2>&1 | FileCheck %s --check-prefix=MAXRANKS-INT64
// ep and tp past ranks fail the divisibility check before their product is formed.
// RUN: not moe-opt %s --moe-shard="ep=9223372036854775807 tp=9223372036854775807 ranks=4" 2>&1 | FileCheck %s --check-prefix=HUGE-EP
// RUN: not moe-opt %s --moe-shard="ep=65536 tp=65536 ranks=65536" 2>&1 | FileCheck %s --check-prefix=SQUARE
// RUN: not moe-opt %s --moe-shard="ep=zwei ranks=2" 2>&1 | FileCheck %s --check-prefix=OPTION
// RUN: not moe-opt %s --moe-shard="ep=2 tp=1 ranks=2 report=/nonexistent/dir/r.json" 2>&1 | FileCheck %s --check-prefix=REPORT
// The cost model's rates, checked even when ep and tp are given.
// RUN: not moe-opt %s --moe-shard="ep=2 tp=1 ranks=2 bandwidth=0" 2>&1 | FileCheck %s --check-prefix=BANDWIDTH
// RUN: not moe-opt %s --moe-shard="ranks=2 latency=-1" 2>&1 | FileCheck %s --check-prefix=LATENCY
// RUN: not moe-opt %s --moe-shard="ranks=2 gflops=nan" 2>&1 | FileCheck %s --check-prefix=GFLOPS
// RUN: not moe-opt %s --moe-shard="ranks=2 bandwidth=inf" 2>&1 | FileCheck %s --check-prefix=INF
// RUN: not moe-opt %s --moe-shard="ranks=2 tokens=-5" 2>&1 | FileCheck %s --check-prefix=NEGTOKENS
// RUN: moe-opt %s --moe-shard="ranks=2 latency=0" -o /dev/null

// UNEVEN-E: error: moe-shard: E = 8 experts do not split evenly over ep = 3
// UNEVEN-E-NOT: error:
// PRODUCT: error: moe-shard: ep = 2 times tp = 2 must equal ranks = 8
// PRODUCT-NOT: error:
// UNEVEN-F: error: moe-shard: F = 48 does not split evenly over tp = 5
// UNEVEN-F-NOT: error:
// RANKS: error: moe-shard: expected ranks >= 1 and ep, tp >= 0, found ranks = 0
// DIVIDE: error: moe-shard: ep = 3 and tp = 0 must divide ranks = 4
// MAXRANKS: error: moe-shard: ranks = 65537 is more than the 65536 ranks a job may have
// MAXRANKS-NOT: error:
// MAXRANKS-2E40: error: moe-shard: ranks = 1099511627776 is more than the 65536 ranks a job may have
// MAXRANKS-INT64: error: moe-shard: ranks = 9223372036854775807 is more than the 65536 ranks a job may have
// HUGE-EP: error: moe-shard: ep = 9223372036854775807 and tp = 9223372036854775807 must divide ranks = 4
// SQUARE: error: moe-shard: ep = 65536 times tp = 65536 must equal ranks = 65536
// OPTION: zwei
// REPORT: error: moe-shard: cannot write report '/nonexistent/dir/r.json'
// BANDWIDTH: error: moe-shard: bandwidth = 0 must be finite and positive
// BANDWIDTH-NOT: error:
// LATENCY: error: moe-shard: latency = -1 must be finite and non-negative
// GFLOPS: error: moe-shard: gflops = nan must be finite and positive
// INF: error: moe-shard: bandwidth = inf must be finite and positive
// NEGTOKENS: error: moe-shard: tokens = -5 must be at least 0 (0: 1024 per rank)
func.func @forward(%x: tensor<12x32xf32>, %wg: tensor<8x32xf32>,
                   %w1: tensor<8x48x32xf32>, %w2: tensor<8x32x48xf32>)
    -> tensor<12x32xf32> {
  %y = moe.layer %x router(%wg : tensor<8x32xf32>)
         w1(%w1 : tensor<8x48x32xf32>) w2(%w2 : tensor<8x32x48xf32>)
         routing #moe.routing<k = 2, scoring = softmax> activation silu
         : tensor<12x32xf32> -> tensor<12x32xf32>
  return %y : tensor<12x32xf32>
}
