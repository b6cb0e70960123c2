//===- moe-import.cpp - Hugging Face config.json to a moe.layer module ----===//
//
//   moe-import CONFIG.json --layer N [--tokens T]
//              [--capacity-factor F [--drop-policy position|score]]
//              [--dtype f32|bf16|f16] [-o LAYER.mlir]
//
// Reads a Hugging Face config.json and prints a module holding
// `func.func @forward(%x: tensor<TxDxf32>, weights...) -> tensor<TxDxf32>`
// with one moe.layer for layer N (weights in --dtype). Bad input gives one
// `error:` line and exit code 1.
//
//===----------------------------------------------------------------------===//

#include "HFConfig.h"
#include "LayerBuilder.h"

#include "moe/Support/ReadFile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe;
using llvm::StringRef;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory importCategory("moe-import options");

cl::opt<std::string> configPath(cl::Positional, cl::desc("<config.json>"),
                                cl::cat(importCategory));
cl::opt<std::string> layerOpt("layer", cl::desc("Layer index (required)"),
                              cl::value_desc("N"), cl::cat(importCategory));
cl::opt<std::string>
    tokensOpt("tokens", cl::desc("Static token count (default: dynamic `?`)"),
              cl::value_desc("T"), cl::cat(importCategory));
cl::opt<std::string> capacityFactorOpt(
    "capacity-factor",
    cl::desc("Limit each expert to ceil(F * T * k / E) assignments"),
    cl::value_desc("F"), cl::cat(importCategory));
cl::opt<std::string> dropPolicyOpt(
    "drop-policy",
    cl::desc("Which assignments go over capacity: position (GShard, the "
             "default with --capacity-factor) or score"),
    cl::value_desc("position|score"), cl::cat(importCategory));
cl::opt<std::string> dtypeOpt(
    "dtype",
    cl::desc("Element type of the weight arguments: f32 (default), bf16 or "
             "f16; the tokens, the result and a selection bias stay f32"),
    cl::value_desc("f32|bf16|f16"), cl::cat(importCategory));
cl::opt<std::string> outputPath("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(importCategory));

/// Prints `moe-import: error: <message>` and returns the exit code 1.
int error(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "moe-import") << message << "\n";
  return 1;
}

/// Parses an integer option of at least `minValue`.
std::optional<int64_t> parseInt(StringRef flag, StringRef text,
                                int64_t minValue, std::string &message) {
  int64_t value;
  if (text.trim().getAsInteger(10, value)) {
    message = ("--" + flag + " must be an integer, got '" + text + "'").str();
    return std::nullopt;
  }
  if (value < minValue) {
    message = ("--" + flag + " must be at least " + llvm::Twine(minValue) +
               ", got " + llvm::Twine(value))
                  .str();
    return std::nullopt;
  }
  return value;
}

/// Reads the options besides the config into `options` and `layer`.
LogicalResult parseOptions(import::BuildOptions &options, int64_t &layer,
                           std::string &message) {
  if (configPath.empty()) {
    message = "no config.json given (usage: moe-import CONFIG.json --layer N)";
    return failure();
  }
  if (layerOpt.getNumOccurrences() == 0) {
    message = "--layer N is required";
    return failure();
  }
  std::optional<int64_t> l = parseInt("layer", layerOpt, 0, message);
  if (!l)
    return failure();
  layer = *l;
  if (tokensOpt.getNumOccurrences()) {
    options.tokens = parseInt("tokens", tokensOpt, 1, message);
    if (!options.tokens)
      return failure();
  }
  if (capacityFactorOpt.getNumOccurrences()) {
    double factor;
    if (StringRef(capacityFactorOpt).trim().getAsDouble(factor)) {
      message =
          "--capacity-factor must be a number, got '" + capacityFactorOpt + "'";
      return failure();
    }
    if (!(std::isfinite(factor) && factor > 0)) {
      message = "--capacity-factor must be finite and positive, got '" +
                capacityFactorOpt + "'";
      return failure();
    }
    options.capacityFactor = factor;
    options.dropPolicy = DropPolicy::position;
  }
  if (dtypeOpt.getNumOccurrences()) {
    if (dtypeOpt != "f32" && dtypeOpt != "bf16" && dtypeOpt != "f16") {
      message =
          "--dtype must be 'f32', 'bf16' or 'f16', got '" + dtypeOpt + "'";
      return failure();
    }
    options.weightDType = dtypeOpt;
  }
  if (dropPolicyOpt.getNumOccurrences()) {
    if (!options.capacityFactor) {
      message = "--drop-policy needs --capacity-factor (without it the layer "
                "is dropless)";
      return failure();
    }
    if (dropPolicyOpt == "position") {
      options.dropPolicy = DropPolicy::position;
    } else if (dropPolicyOpt == "score") {
      options.dropPolicy = DropPolicy::score;
    } else {
      message = "--drop-policy must be 'position' or 'score', got '" +
                dropPolicyOpt + "'";
      return failure();
    }
  }
  return success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(importCategory);
  std::string parseErrors;
  llvm::raw_string_ostream parseStream(parseErrors);
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "moe-import: Hugging Face config.json to a moe.layer module\n",
          &parseStream)) {
    // cl writes "<argv0>: <message>" lines; keep the first, as one error.
    StringRef first = StringRef(parseErrors).split('\n').first;
    StringRef prog = llvm::sys::path::filename(argv[0]);
    first.consume_front(argv[0]);
    first.consume_front(prog);
    first = first.ltrim(": ");
    return error(first);
  }

  import::BuildOptions options;
  int64_t layer = 0;
  std::string message;
  if (failed(parseOptions(options, layer, message)))
    return error(message);

  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> file =
      readRegularFile(configPath, kMaxTextInputBytes);
  if (!file)
    return error(configPath +
                 ": cannot read: " + llvm::toString(file.takeError()));
  llvm::Expected<import::LayerSpec> spec =
      import::readLayerSpec((*file)->getBuffer(), layer);
  if (!spec)
    return error(configPath + ": " + llvm::toString(spec.takeError()));

  MLIRContext context;
  context.loadDialect<func::FuncDialect, MoEDialect>();
  // A failed verification is reported as one line; only the first counts.
  std::string verifyError;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && verifyError.empty())
      verifyError = diag.str();
    return success();
  });
  Location loc = FileLineColLoc::get(&context, configPath, 1, 1);
  OwningOpRef<ModuleOp> module =
      import::buildLayerModule(context, *spec, options, loc);
  if (!module)
    return error(configPath + ": the layer does not verify: " + verifyError);

  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &message);
  if (!output)
    return error(outputPath + ": " + message);
  llvm::raw_ostream &os = output->os();
  os << "// Layer " << layer << " of a '" << spec->modelType
     << "' model, imported by moe-import.\n";
  module->print(os, OpPrintingFlags().printNameLocAsPrefix());
  os << "\n";
  output->keep();
  return 0;
}
