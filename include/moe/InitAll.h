//===- InitAll.h - Register everything moe provides -------------*- C++ -*-===//

#ifndef MOE_INITALL_H
#define MOE_INITALL_H

namespace mlir {
class DialectRegistry;
namespace moe {

/// Adds the `moe` dialect and the upstream dialects its passes produce.
void registerAllDialects(DialectRegistry &registry);

/// Registers every moe pass and pipeline with the global pass registry.
void registerAllPasses();

} // namespace moe
} // namespace mlir

#endif // MOE_INITALL_H
