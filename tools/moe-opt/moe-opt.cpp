//===- moe-opt.cpp - mlir-opt with the moe dialect and passes -------------===//

#include "moe/InitAll.h"
#include "moe/Support/ReadFile.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

#include "llvm/Support/WithColor.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::moe::registerAllPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::moe::registerAllDialects(registry);

  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "moe-opt: optimizer driver for Mixture-of-Experts layers\n",
      registry);
  // The input is read whole: a FIFO, a directory or a device such as
  // /dev/zero would block or never end. "-" is stdin.
  if (inputFilename != "-") {
    if (llvm::Error err = mlir::moe::checkRegularFile(inputFilename)) {
      llvm::WithColor::error(llvm::errs(), "moe-opt")
          << inputFilename
          << ": cannot read: " << llvm::toString(std::move(err)) << "\n";
      return EXIT_FAILURE;
    }
  }
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, inputFilename, outputFilename, registry));
}
