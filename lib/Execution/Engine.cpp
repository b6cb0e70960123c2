//===- Engine.cpp - A compiled MoE layer for other programs ---------------===//

#include "moe/Execution/Engine.h"

#include "moe/Execution/CPUCodegen.h"
#include "moe/Execution/Checkpoints.h"
#include "moe/Execution/Executor.h"
#include "moe/Execution/Module.h"
#include "moe/Support/ReadFile.h"

#include "mlir/AsmParser/AsmParserState.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstring>
#include <limits>

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

char EngineError::ID = 0;

void EngineError::log(raw_ostream &os) const { os << message; }

namespace {

/// `err` (a RunError or any other error) as an EngineError of `kind`; an
/// EngineError keeps its own kind.
Error tag(EngineErrorKind kind, Error err) {
  if (!err)
    return err;
  return handleErrors(
      std::move(err),
      [](std::unique_ptr<EngineError> e) -> Error { return Error(std::move(e)); },
      [&](const ErrorInfoBase &e) -> Error {
        std::string message = e.message();
        std::replace(message.begin(), message.end(), '\n', ' ');
        return make_error<EngineError>(kind, message);
      });
}

Error fail(EngineErrorKind kind, const Twine &message) {
  return make_error<EngineError>(kind, message.str());
}


/// The most tokens of a run: T·k row offsets are i32 (docs/Spec.md).
constexpr int64_t kMaxTokens = std::numeric_limits<int32_t>::max();

/// A float HostTensor of `kind` with the elements of `src`, a dense array
/// of `srcKind` and `shape`.
Expected<HostTensor> convertTensor(ElementKind kind, ArrayRef<int64_t> shape,
                                   ElementKind srcKind, const void *src) {
  Expected<HostTensor> result = HostTensor::allocate(kind, shape);
  if (!result)
    return result.takeError();
  HostTensor source =
      HostTensor::borrow(srcKind, shape, const_cast<void *>(src));
  for (int64_t i = 0, e = source.getNumElements(); i < e; ++i)
    result->setFloat(i, source.getFloat(i));
  return result;
}

/// Whether `data` is aligned to the size of a `kind` element.
bool isAligned(const void *data, ElementKind kind) {
  return reinterpret_cast<uintptr_t>(data) % getElementSize(kind) == 0;
}

} // namespace

Engine::Engine() : context(std::make_unique<MLIRContext>()) {}

Engine::~Engine() = default;

Expected<std::unique_ptr<Engine>> Engine::loadFile(StringRef path,
                                                   StringRef entryName) {
  Expected<std::unique_ptr<MemoryBuffer>> file = readRegularFile(path);
  if (!file)
    return fail(EngineErrorKind::Io,
                path + ": cannot open: " + toString(file.takeError()));
  return load(std::unique_ptr<Engine>(new Engine()), std::move(*file), path,
              entryName);
}

Expected<std::unique_ptr<Engine>> Engine::loadString(StringRef text,
                                                     StringRef name,
                                                     StringRef entryName) {
  return load(std::unique_ptr<Engine>(new Engine()),
              MemoryBuffer::getMemBufferCopy(text, name), name, entryName);
}

Expected<std::unique_ptr<Engine>>
Engine::load(std::unique_ptr<Engine> engine,
             std::unique_ptr<MemoryBuffer> buffer, StringRef path,
             StringRef entryName) {
  initializeNativeTarget();
  DialectRegistry registry;
  registerExecutionDialects(registry);
  MLIRContext &context = *engine->context;
  context.appendDialectRegistry(registry);
  context.printOpOnDiagnostic(false);
  context.printStackTraceOnDiagnostic(false);
  // Diagnostics are captured where they matter (DiagnosticCapture) and
  // never printed: a library does not write to stderr.
  context.getDiagEngine().registerHandler(
      [](Diagnostic &) { return success(); });

  engine->modulePath = path.str();
  engine->entryName = entryName.str();
  engine->sourceMgr = std::make_unique<SourceMgr>();
  AsmParserState state;
  Expected<OwningOpRef<ModuleOp>> module = parseModule(
      context, *engine->sourceMgr, std::move(buffer), path, &state);
  if (!module)
    return tag(EngineErrorKind::InvalidModule, module.takeError());
  engine->module = std::move(*module);
  Expected<func::FuncOp> entry =
      findEntry(*engine->module, entryName, path, "");
  if (!entry)
    return tag(EngineErrorKind::InvalidModule, entry.takeError());
  if (Error err = describeSignature(*entry, path, engine->args,
                                    engine->results))
    return tag(EngineErrorKind::InvalidModule, std::move(err));

  // The names of the arguments in the text.
  const AsmParserState::BlockDefinition *definition =
      state.getBlockDef(&entry->getBody().front());
  for (unsigned i = 0, e = engine->args.size(); i < e; ++i) {
    std::string name = "arg" + std::to_string(i);
    if (definition && i < definition->arguments.size()) {
      SMRange range = definition->arguments[i].loc;
      StringRef text(range.Start.getPointer(),
                     range.End.getPointer() - range.Start.getPointer());
      if (text.consume_front("%") && !text.empty())
        name = text.str();
    }
    engine->names.push_back(name);
  }

  if (Error err = engine->checkLayer())
    return std::move(err);
  return engine;
}

Error Engine::checkLayer() {
  // One activation [T, D] and one result.
  SmallVector<unsigned> inputs;
  for (const ArgumentInfo &arg : args)
    if (!arg.isWeight())
      inputs.push_back(arg.index);
  auto notALayer = [&](const Twine &why) {
    return fail(EngineErrorKind::InvalidModule,
                formatv("{0}: expected @{1} to take one activation [T, D] "
                        "and weights (arguments with moe.weight) and return "
                        "one [T, D] tensor, found {2}",
                        modulePath, entryName, why));
  };
  if (inputs.size() != 1)
    return notALayer(formatv("{0} arguments without moe.weight",
                             inputs.size()));
  activation = inputs.front();
  const ArgumentInfo &x = args[activation];
  if (x.type.getRank() != 2 || x.type.isDynamicDim(1) ||
      !isFloatKind(x.kind))
    return notALayer(describeArgument(x, entryName) + " as the activation");
  if (results.size() != 1 || results.front().type.getRank() != 2 ||
      !isFloatKind(results.front().kind))
    return notALayer(formatv("{0} results", results.size()));
  values.resize(args.size());
  bound.assign(args.size(), false);
  return Error::success();
}

Error Engine::setThreads(int64_t count) {
  if (count < 0 || count > kMaxCPUThreads)
    return fail(EngineErrorKind::InvalidArgument,
                formatv("threads: expected an integer from 0 to {0}, found "
                        "{1}",
                        kMaxCPUThreads, count));
  if (code && !code->setCallThreads(static_cast<unsigned>(count)))
    return fail(EngineErrorKind::State,
                modulePath + (library
                                  ? ": expected a layer library compiled "
                                    "with --threads=0 to set the thread "
                                    "count, found one with a fixed count"
                                  : ": expected the thread count before "
                                    "compiling, found the layer compiled"));
  threads = static_cast<unsigned>(count);
  return Error::success();
}

Error Engine::setKernels(MoECPUKernels choice) {
  if (code)
    return fail(EngineErrorKind::State,
                modulePath + (library ? ": expected a module to choose the "
                                        "kernels of, found a layer library "
                                        "compiled ahead of time"
                                      : ": expected the kernels before "
                                        "compiling, found the layer "
                                        "compiled"));
  kernels = choice;
  return Error::success();
}

int64_t Engine::getHiddenSize() const {
  return args[activation].type.getDimSize(1);
}

Expected<unsigned> Engine::findWeight(StringRef name) const {
  SmallVector<std::string> weights;
  for (const ArgumentInfo &arg : args) {
    if (names[arg.index] == name ||
        (arg.weightName && *arg.weightName == name)) {
      if (!arg.isWeight())
        return fail(EngineErrorKind::InvalidArgument,
                    formatv("{0}: '{1}' is the activation ({2}), which run "
                            "takes, not a weight",
                            modulePath, name,
                            describeArgument(arg, entryName)));
      return arg.index;
    }
    if (arg.isWeight())
      weights.push_back(names[arg.index]);
  }
  return fail(EngineErrorKind::InvalidArgument,
              formatv("{0}: expected the name of a weight argument of @{1} "
                      "({2}) or its moe.weight name, found '{3}'",
                      modulePath, entryName, join(weights, ", "), name));
}

Error Engine::bindWeightsFromFiles(ArrayRef<std::string> paths,
                                   std::optional<int64_t> layer,
                                   std::optional<StringRef> name) {
  if (paths.empty())
    return fail(EngineErrorKind::InvalidArgument,
                "weights: expected at least one safetensors file or model "
                "directory");
  std::optional<unsigned> only;
  if (name) {
    Expected<unsigned> index = findWeight(*name);
    if (!index)
      return index.takeError();
    only = *index;
  }
  Expected<Checkpoints> checkpoints = Checkpoints::open(paths);
  if (!checkpoints)
    return tag(EngineErrorKind::Io, checkpoints.takeError());
  BindingOptions options;
  options.modulePath = modulePath;
  options.entryName = entryName;
  options.weightFiles.assign(paths.begin(), paths.end());
  options.layer = layer;
  options.weightsOption = "weight";
  options.layerOption = "a layer index";
  for (const ArgumentInfo &arg : args) {
    if (!arg.isWeight() || (only ? *only != arg.index : bound[arg.index]))
      continue;
    Expected<HostTensor> value = loadWeight(arg, *checkpoints, options);
    if (!value)
      return tag(EngineErrorKind::Binding, value.takeError());
    values[arg.index] = std::move(*value);
    bound[arg.index] = true;
  }
  return Error::success();
}

Error Engine::bindWeight(StringRef name, ElementKind kind,
                         ArrayRef<int64_t> shape, const void *data) {
  Expected<unsigned> index = findWeight(name);
  if (!index)
    return index.takeError();
  const ArgumentInfo &arg = args[*index];
  std::string what = formatv("weight '{0}' ({1})", names[arg.index],
                             describeArgument(arg, entryName))
                         .str();
  // Quantized weights are bound as stored, in their own dtype (or, for an
  // int4_rows view, as its int32 words).
  bool int4Words = arg.view && arg.view->int4Rows && kind == ElementKind::I32;
  if (isQuantizedKind(arg.kind) && kind != arg.kind && !int4Words)
    return fail(EngineErrorKind::Binding,
                formatv("{0}: expected an {1} buffer (quantized weights are "
                        "bound as stored), found {2}",
                        what, getElementKindName(arg.kind),
                        getElementKindName(kind)));
  if (!isQuantizedKind(arg.kind) &&
      (!isFloatKind(kind) || !isFloatKind(arg.kind)))
    return fail(EngineErrorKind::Binding,
                formatv("{0}: expected a float buffer (f32, bf16 or f16) for "
                        "a float argument, found {1}",
                        what, getElementKindName(kind)));
  if (!data)
    return fail(EngineErrorKind::InvalidArgument,
                what + ": expected a buffer, found a null pointer");
  if (llvm::any_of(shape, [](int64_t d) { return d < 0; }))
    return fail(EngineErrorKind::InvalidArgument,
                formatv("{0}: expected nonnegative sizes, found {1}", what,
                        formatShape(shape)));

  ArrayRef<int64_t> argShape = arg.type.getShape();
  // The stored layout of a weight with a view: [E, stored...] for {e}.
  SmallVector<int64_t> stored;
  if (arg.view) {
    if (StringRef(*arg.weightName).contains("{e}"))
      stored.push_back(argShape.front());
    stored.append(arg.view->stored.begin(), arg.view->stored.end());
  }
  // An int4_rows view's stored shape is that of its int32 words only.
  bool asArgument = shape == argShape && !int4Words;
  bool asStored = arg.view && shape == ArrayRef<int64_t>(stored) &&
                  (!arg.view->int4Rows || int4Words);
  if (!asArgument && !asStored)
    return fail(EngineErrorKind::Binding,
                formatv("{0}: expected shape {1}{2}, found {3}", what,
                        formatShape(argShape),
                        arg.view ? formatv(" (or the stored {0} of its "
                                           "moe.weight_view{1})",
                                           formatShape(stored),
                                           arg.view->int4Rows
                                               ? ", in i32 words"
                                               : "")
                                       .str()
                                 : std::string(),
                        formatShape(shape)));

  // A view that only reshapes keeps the stored order: the buffer is the
  // argument's as it is.
  bool reshapeOnly = arg.view && !arg.view->transpose && !arg.view->rows &&
                     !arg.view->int4Rows;
  HostTensor value;
  if (int4Words) {
    // The words' little-endian bytes, four per word along the last
    // dimension, as applyView reads them.
    SmallVector<int64_t> bytes(shape);
    bytes.back() *= 4;
    value = HostTensor::borrow(ElementKind::I8, bytes, const_cast<void *>(data));
  } else if (kind == arg.kind && isAligned(data, kind)) {
    value = HostTensor::borrow(kind, reshapeOnly ? argShape : shape,
                               const_cast<void *>(data));
  } else {
    Expected<HostTensor> converted = convertTensor(
        arg.kind, reshapeOnly ? argShape : shape, kind, data);
    if (!converted)
      return tag(EngineErrorKind::Binding, converted.takeError());
    value = std::move(*converted);
  }
  if (!asArgument && !reshapeOnly) {
    Expected<HostTensor> viewed = applyView(value, *arg.view, argShape);
    if (!viewed)
      return tag(EngineErrorKind::Binding, viewed.takeError());
    value = std::move(*viewed);
  }
  values[arg.index] = std::move(value);
  bound[arg.index] = true;
  return Error::success();
}

func::FuncOp Engine::getEntry() {
  ModuleOp op = getModule();
  return op ? op.lookupSymbol<func::FuncOp>(entryName) : func::FuncOp();
}

Error Engine::compile() {
  if (code)
    return Error::success();
  Expected<std::unique_ptr<Executor>> compiled = Executor::compile(
      *module, getEntry(), results, threads, kernels, modulePath,
      /*passManagerOptions=*/false);
  if (!compiled)
    return tag(EngineErrorKind::Compile, compiled.takeError());
  code = std::move(*compiled);
  return Error::success();
}

Error Engine::run(const void *x, ElementKind kind, int64_t tokens,
                  int64_t hidden, void *y) {
  const ArgumentInfo &input = args[activation];
  const ResultInfo &result = results.front();
  if (!x || !y)
    return fail(EngineErrorKind::InvalidArgument,
                formatv("run: expected activation and output buffers, found "
                        "a null {0} pointer",
                        x ? "output" : "activation"));
  if (kind != ElementKind::F32 && kind != input.kind)
    return fail(EngineErrorKind::InvalidArgument,
                formatv("run: expected {0} buffers (the activation's element "
                        "type is {1}), found {2}",
                        input.kind == ElementKind::F32
                            ? std::string("f32")
                            : "f32 or " + getElementKindName(input.kind).str(),
                        getElementKindName(input.kind),
                        getElementKindName(kind)));
  if (hidden != getHiddenSize())
    return fail(EngineErrorKind::InvalidArgument,
                formatv("run: expected hidden size {0} (the last dimension of "
                        "{1}), found {2}",
                        getHiddenSize(), describeArgument(input, entryName),
                        hidden));
  if (tokens < 1 || tokens > kMaxTokens)
    return fail(EngineErrorKind::InvalidArgument,
                formatv("run: expected a token count from 1 to {0}, found {1}",
                        kMaxTokens, tokens));
  if (!input.type.isDynamicDim(0) && input.type.getDimSize(0) != tokens)
    return fail(EngineErrorKind::InvalidArgument,
                formatv("run: expected {0} tokens (the static first dimension "
                        "of {1}), found {2}",
                        input.type.getDimSize(0),
                        describeArgument(input, entryName), tokens));
  for (const ArgumentInfo &arg : args)
    if (arg.isWeight() && !bound[arg.index])
      return fail(EngineErrorKind::State,
                  formatv("run: weight '{0}' ({1}, moe.weight '{2}') is not "
                          "bound: bind it from a file or a buffer first",
                          names[arg.index], describeArgument(arg, entryName),
                          *arg.weightName));
  if (Error err = compile())
    return err;

  SmallVector<int64_t> shape = {tokens, hidden};
  // The activation: the caller's buffer when it has the argument's element
  // type, else converted.
  if (kind == input.kind && isAligned(x, kind)) {
    values[activation] =
        HostTensor::borrow(kind, shape, const_cast<void *>(x));
  } else {
    Expected<HostTensor> converted = convertTensor(input.kind, shape, kind, x);
    if (!converted)
      return tag(EngineErrorKind::InvalidArgument, converted.takeError());
    values[activation] = std::move(*converted);
  }
  // The result: written into the caller's buffer when it has the result's
  // element type, else converted from a buffer of that type.
  HostTensor output;
  bool direct = kind == result.kind && isAligned(y, kind);
  if (direct) {
    output = HostTensor::borrow(kind, shape, y);
  } else {
    Expected<HostTensor> buffer = HostTensor::allocate(result.kind, shape);
    if (!buffer)
      return tag(EngineErrorKind::InvalidArgument, buffer.takeError());
    output = std::move(*buffer);
  }
  Error err = code->callInto(values, MutableArrayRef<HostTensor>(output));
  values[activation] = HostTensor();
  if (err)
    return tag(EngineErrorKind::InvalidModule, std::move(err));
  if (!direct) {
    HostTensor dst = HostTensor::borrow(kind, shape, y);
    for (int64_t i = 0, e = output.getNumElements(); i < e; ++i)
      dst.setFloat(i, output.getFloat(i));
  }
  return Error::success();
}
