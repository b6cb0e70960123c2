//===- FormatNumber.h - A double as messages print it -----------*- C++ -*-===//
//
// One spelling of a floating-point value for diagnostics, remarks and
// reports: printf's %g with a chosen number of significant digits, so that
// 1.25 prints as "1.25", 0 as "0", NaN as "nan".
//
//===----------------------------------------------------------------------===//

#ifndef MOE_SUPPORT_FORMATNUMBER_H
#define MOE_SUPPORT_FORMATNUMBER_H

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir {
namespace moe {

/// `v` with at most `significant` significant digits (%g).
inline std::string formatNumber(double v, int significant = 6) {
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format("%.*g", significant, v);
  return s;
}

} // namespace moe
} // namespace mlir

#endif // MOE_SUPPORT_FORMATNUMBER_H
