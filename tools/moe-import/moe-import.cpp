//===- moe-import.cpp - Hugging Face config.json to a moe.layer module ----===//
//
//   moe-import MODEL_DIR|CONFIG.json --layer N [--tokens T]
//              [--capacity-factor F [--drop-policy position|score]]
//              [--dtype f32|bf16|f16|int8|fp8 [--group-size G]]
//              [-o LAYER.mlir]
//
// Reads a Hugging Face config.json (given, or in a model directory) and
// prints a module holding
// `func.func @forward(%x: tensor<TxDxf32>, weights...) -> tensor<TxDxf32>`
// with one moe.layer for layer N (weights in --dtype; int8 and fp8 quantize
// the experts' matrices at load). Bad input gives one
// `error:` line and exit code 1.
//
//===----------------------------------------------------------------------===//

#include "HFConfig.h"
#include "LayerBuilder.h"

#include "moe/Support/ModelDirectory.h"
#include "moe/Support/Printable.h"
#include "moe/Support/ReadFile.h"
#include "moe/Support/ToolMessages.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::moe;
using llvm::StringRef;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory importCategory("moe-import options");

cl::opt<std::string> configPath(cl::Positional,
                                cl::desc("<model directory or config.json>"),
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
             "f16; the tokens, the result and a selection bias stay f32. "
             "int8 or fp8: the experts' matrices are quantized at load"),
    cl::value_desc("f32|bf16|f16|int8|fp8"), cl::cat(importCategory));
cl::opt<std::string> groupSizeOpt(
    "group-size",
    cl::desc("With --dtype int8|fp8: one scale per G consecutive inputs of "
             "an output (default: int8 per output, fp8 128x128 blocks)"),
    cl::value_desc("G"), cl::cat(importCategory));
cl::opt<std::string> outputPath("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(importCategory));

/// Prints `moe-import: error: <message>` and returns the exit code 1.
int error(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "moe-import") << message << "\n";
  return 1;
}

/// Parses an integer option from `minValue` to `maxValue`.
std::optional<int64_t>
parseInt(StringRef flag, StringRef text, int64_t minValue, std::string &message,
         int64_t maxValue = std::numeric_limits<int64_t>::max()) {
  int64_t value;
  if (std::optional<std::string> why =
          checkInteger(text, minValue, maxValue, value)) {
    message = ("--" + flag + ": " + *why).str();
    return std::nullopt;
  }
  return value;
}

/// Reads the options besides the config into `options` and `layer`.
LogicalResult parseOptions(import::BuildOptions &options, int64_t &layer,
                           std::string &message) {
  if (configPath.empty()) {
    message = "no config.json given (usage: moe-import MODEL_DIR|CONFIG.json "
              "--layer N)";
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
    // T·k row offsets are i32 (docs/Spec.md); k is checked once known.
    options.tokens = parseInt("tokens", tokensOpt, 1, message, INT32_MAX);
    if (!options.tokens)
      return failure();
  }
  if (capacityFactorOpt.getNumOccurrences()) {
    double factor;
    if (StringRef(capacityFactorOpt).trim().getAsDouble(factor)) {
      message = "--capacity-factor must be a number, got '" +
                printable(capacityFactorOpt) + "'";
      return failure();
    }
    if (!(std::isfinite(factor) && factor > 0)) {
      message = "--capacity-factor must be finite and positive, got '" +
                printable(capacityFactorOpt) + "'";
      return failure();
    }
    options.capacityFactor = factor;
    options.dropPolicy = DropPolicy::position;
  }
  if (dtypeOpt.getNumOccurrences()) {
    if (dtypeOpt == "int8" || dtypeOpt == "fp8") {
      options.quantizeAtLoad = dtypeOpt;
    } else if (dtypeOpt == "f32" || dtypeOpt == "bf16" || dtypeOpt == "f16") {
      options.weightDType = dtypeOpt;
    } else {
      message = "--dtype must be 'f32', 'bf16', 'f16', 'int8' or 'fp8', got '" +
                printable(dtypeOpt) + "'";
      return failure();
    }
  }
  if (groupSizeOpt.getNumOccurrences()) {
    if (options.quantizeAtLoad.empty()) {
      message = "--group-size needs --dtype int8 or fp8";
      return failure();
    }
    options.groupSize = parseInt("group-size", groupSizeOpt, 1, message);
    if (!options.groupSize)
      return failure();
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
                printable(dropPolicyOpt) + "'";
      return failure();
    }
  }
  return success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(importCategory);
  if (std::optional<std::string> message = parseCommandLine(
          argc, argv,
          "moe-import: Hugging Face config.json to a moe.layer module\n"))
    return error(*message);

  import::BuildOptions options;
  int64_t layer = 0;
  std::string message;
  if (failed(parseOptions(options, layer, message)))
    return error(message);

  llvm::Expected<std::string> found = findConfigFile(configPath);
  if (!found)
    return error(configPath + ": " + llvm::toString(found.takeError()));
  std::string config = std::move(*found);
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> file =
      readRegularFile(config, kMaxTextInputBytes);
  if (!file)
    return error(config + ": cannot read: " + llvm::toString(file.takeError()));
  llvm::Expected<import::LayerSpec> spec =
      import::readLayerSpec((*file)->getBuffer(), layer);
  if (!spec)
    return error(config + ": " + llvm::toString(spec.takeError()));
  if (spec->quantization.enabled() && options.weightDType == "f16")
    return error(config + ": --dtype f16: the weights of a quantized "
                          "checkpoint dequantize to f32 or bf16");
  if (spec->quantization.enabled() && !options.quantizeAtLoad.empty())
    return error(config + ": --dtype " + options.quantizeAtLoad +
                 ": the checkpoint is quantized already "
                 "(quantization_config)");
  if (options.groupSize)
    if (std::optional<std::string> why =
            import::checkGroupSize(*spec, *options.groupSize))
      return error(config + ": " + *why);
  if (options.tokens && *options.tokens * spec->topK > INT32_MAX)
    return error(llvm::formatv("--tokens: expected at most {0} tokens for k = "
                               "{1} (T·k row offsets are i32), found {2}",
                               INT32_MAX / spec->topK, spec->topK,
                               *options.tokens));

  MLIRContext context;
  context.loadDialect<func::FuncDialect, MoEDialect>();
  // A failed verification is reported as one line; only the first counts.
  std::string verifyError;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && verifyError.empty())
      verifyError = diag.str();
    return success();
  });
  Location loc = FileLineColLoc::get(&context, config, 1, 1);
  OwningOpRef<ModuleOp> module =
      import::buildLayerModule(context, *spec, options, loc);
  if (!module)
    return error(config + ": the layer does not verify: " + verifyError);

  if (llvm::Error err = writeOutputFile(outputPath, [&](llvm::raw_ostream &os) {
        os << "// Layer " << layer << " of a '" << spec->modelType
           << "' model, imported by moe-import.\n";
        module->print(os, OpPrintingFlags().printNameLocAsPrefix());
        os << "\n";
      }))
    return error(outputPath +
                 ": cannot write: " + llvm::toString(std::move(err)));
  return 0;
}
