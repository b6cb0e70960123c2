//===- LayerCode.h - Machine code that runs an entry function ---*- C++ -*-===//
//
// The engine runs a layer through one of two kinds of machine code: the
// JIT-compiled entry function (Executor) or a shared library that
// moe-compile built ahead of time (AotLibrary). Both take the arguments as
// dense row-major HostTensors and write the result into the caller's.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_EXECUTION_LAYERCODE_H
#define MOE_EXECUTION_LAYERCODE_H

#include "moe/Execution/HostTensor.h"

#include "llvm/Support/Error.h"

#include <vector>

namespace mlir {
namespace moe {
namespace execution {

/// Compiled code of an entry function.
class LayerCode {
public:
  virtual ~LayerCode();

  /// Calls the entry function on `args` and copies its first results into
  /// `outputs` (tensors of the results' element types); an error when a
  /// result's shape differs from its tensor's.
  virtual llvm::Error callInto(std::vector<HostTensor> &args,
                               MutableArrayRef<HostTensor> outputs) = 0;

  /// Whether the thread count is an argument of each call (code compiled
  /// ahead of time), which then uses `threads` (0: the OpenMP runtime's
  /// count); false when it was fixed at compile time.
  virtual bool setCallThreads(unsigned threads) {
    (void)threads;
    return false;
  }
};

} // namespace execution
} // namespace moe
} // namespace mlir

#endif // MOE_EXECUTION_LAYERCODE_H
