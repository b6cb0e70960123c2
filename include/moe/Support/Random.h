//===- Random.h - Deterministic inputs for moe-run --------------*- C++ -*-===//
//
// The generator behind `moe-run --random-inputs SEED` (docs/Tools.md):
// splitmix64, one independent stream per function argument, mapped to
// uniform floats in [-1, 1). It is specified bit for bit so that a test can
// rebuild the same tensors in NumPy.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_SUPPORT_RANDOM_H
#define MOE_SUPPORT_RANDOM_H

#include <cstdint>

namespace mlir {
namespace moe {

/// The splitmix64 generator (Steele, Lea, Flood 2014).
class SplitMix64 {
public:
  static constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ULL;

  explicit SplitMix64(uint64_t state) : state(state) {}

  /// The splitmix64 output function applied to `z`.
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  uint64_t next() {
    state += kGamma;
    return mix(state);
  }

  /// A uniform double in [-1, 1): the top 53 bits as a fraction of 2^53,
  /// times 2, minus 1.
  double nextSigned() {
    double unit = static_cast<double>(next() >> 11) * 0x1.0p-53;
    return 2.0 * unit - 1.0;
  }

  /// The generator for argument `index` of a run seeded with `seed`: its
  /// state starts at mix(seed + (index + 1) * kGamma).
  static SplitMix64 forArgument(uint64_t seed, uint64_t index) {
    return SplitMix64(mix(seed + (index + 1) * kGamma));
  }

private:
  uint64_t state;
};

} // namespace moe
} // namespace mlir

#endif // MOE_SUPPORT_RANDOM_H
