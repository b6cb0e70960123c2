//===- RoutingProfile.h - Routing profiles for the capacity plan -*- C++
//-*-===//
//
// A routing profile is a JSON object `{"experts": E, "histogram": [n_0, ..]}`
// (or `"histogram": [[n_0, ..], ..]` for several), each histogram counting
// the assignments that real traffic sent to each expert
// (docs/CapacityPlanning.md).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_SUPPORT_ROUTINGPROFILE_H
#define MOE_SUPPORT_ROUTINGPROFILE_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace mlir {
namespace moe {

/// Histograms of assignments per expert, from real traffic.
struct RoutingProfile {
  int64_t experts = 0;
  llvm::SmallVector<llvm::SmallVector<double>> histograms;
};

/// Parses the text of a routing profile. Errors read as the rest of a
/// sentence that starts with "routing profile 'PATH' ".
llvm::Expected<RoutingProfile> parseRoutingProfile(llvm::StringRef text);

} // namespace moe
} // namespace mlir

#endif // MOE_SUPPORT_ROUTINGPROFILE_H
