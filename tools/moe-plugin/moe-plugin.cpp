//===- moe-plugin.cpp - moe dialect and passes as an mlir-opt plugin ------===//

#include "moe/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

/// Both entry points register the passes (either flag alone then suffices);
/// the library is loaded once, so this guard keeps it to one registration.
static void registerPassesOnce() {
  static bool registered = false;
  if (!registered)
    mlir::moe::registerAllPasses();
  registered = true;
}

extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MoE", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            mlir::moe::registerAllDialects(*registry);
            registerPassesOnce();
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MoEPasses", LLVM_VERSION_STRING,
          []() { registerPassesOnce(); }};
}
