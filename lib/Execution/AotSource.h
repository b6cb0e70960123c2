//===- AotSource.h - The C wrapper and header of a layer library -*- C++ -*-===//
//
// moe-compile's generated C: the source of the wrapper compiled into a
// layer library (the argument table and moe_<entry>_run around the entry's
// C interface) and the header a program includes to call it.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_EXECUTION_AOTSOURCE_H
#define MOE_LIB_EXECUTION_AOTSOURCE_H

#include "moe/Execution/ArgumentBinding.h"

#include <string>

namespace mlir {
namespace moe {
namespace execution {

/// What the generated C states about a layer.
struct AotLayerDescription {
  std::string entry;
  std::string source;
  llvm::ArrayRef<ArgumentInfo> args;
  llvm::ArrayRef<std::string> names;
  unsigned activation = 0;
  ElementKind resultKind = ElementKind::F32;
  int64_t hidden = 0;
  unsigned threads = 0;
  std::string kernels;
  std::string cpu;
  std::string features;
  /// Whether moe_<entry>_run sets the OpenMP team size (a library whose
  /// thread count is chosen at run time).
  bool setsThreads = false;
};

/// The C source of the wrapper.
std::string generateWrapperSource(const AotLayerDescription &layer);

/// The C header of the library, included as `fileName`.
std::string generateHeader(const AotLayerDescription &layer,
                           llvm::StringRef fileName);

} // namespace execution
} // namespace moe
} // namespace mlir

#endif // MOE_LIB_EXECUTION_AOTSOURCE_H
