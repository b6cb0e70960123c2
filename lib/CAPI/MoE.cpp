//===- MoE.cpp - The C API of the execution engine ------------------------===//
//
// include/moe-c/MoE.h over execution::Engine: checks the caller's pointers
// and enums, turns EngineErrors into status codes and keeps the message of
// the last error per thread.
//
//===----------------------------------------------------------------------===//

#include "moe-c/MoE.h"

#include "moe/Execution/Engine.h"

#include "mlir/IR/BuiltinTypes.h"

#include "llvm/Support/FormatVariadic.h"

#include <dlfcn.h>
#include <mutex>
#include <string>
#include <vector>

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

/// The handle: the engine and what moe_layer_arg_info hands out.
struct moe_layer {
  std::unique_ptr<Engine> engine;
  /// Per argument: its sizes with -1 for dynamic ones.
  std::vector<std::vector<int64_t>> shapes;
};

namespace {

thread_local std::string lastError;

moe_status fail(moe_status status, const Twine &message) {
  lastError = message.str();
  return status;
}

moe_status toStatus(EngineErrorKind kind) {
  switch (kind) {
  case EngineErrorKind::InvalidArgument:
    return MOE_ERROR_INVALID_ARGUMENT;
  case EngineErrorKind::Io:
    return MOE_ERROR_IO;
  case EngineErrorKind::InvalidModule:
    return MOE_ERROR_INVALID_MODULE;
  case EngineErrorKind::Compile:
    return MOE_ERROR_COMPILE;
  case EngineErrorKind::Binding:
    return MOE_ERROR_BINDING;
  case EngineErrorKind::State:
    return MOE_ERROR_STATE;
  }
  return MOE_ERROR_INVALID_ARGUMENT;
}

/// MOE_OK for success, else the error's status with its message kept.
moe_status report(Error err) {
  if (!err)
    return MOE_OK;
  moe_status status = MOE_ERROR_INVALID_ARGUMENT;
  std::string message;
  handleAllErrors(
      std::move(err),
      [&](const EngineError &e) {
        status = toStatus(e.kind);
        message = e.message;
      },
      [&](const ErrorInfoBase &e) { message = e.message(); });
  return fail(status, message);
}

std::optional<ElementKind> toKind(moe_dtype dtype) {
  switch (dtype) {
  case MOE_DTYPE_F32:
    return ElementKind::F32;
  case MOE_DTYPE_BF16:
    return ElementKind::BF16;
  case MOE_DTYPE_F16:
    return ElementKind::F16;
  case MOE_DTYPE_I32:
    return ElementKind::I32;
  case MOE_DTYPE_I64:
    return ElementKind::I64;
  case MOE_DTYPE_I8:
    return ElementKind::I8;
  case MOE_DTYPE_F8E4M3FN:
    return ElementKind::F8E4M3FN;
  case MOE_DTYPE_F8E8M0FNU:
    return ElementKind::F8E8M0FNU;
  }
  return std::nullopt;
}

moe_dtype toDType(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return MOE_DTYPE_F32;
  case ElementKind::BF16:
    return MOE_DTYPE_BF16;
  case ElementKind::F16:
    return MOE_DTYPE_F16;
  case ElementKind::I32:
    return MOE_DTYPE_I32;
  case ElementKind::I64:
    return MOE_DTYPE_I64;
  case ElementKind::I8:
    return MOE_DTYPE_I8;
  case ElementKind::F8E4M3FN:
    return MOE_DTYPE_F8E4M3FN;
  case ElementKind::F8E8M0FNU:
    return MOE_DTYPE_F8E8M0FNU;
  }
  return MOE_DTYPE_F32;
}

moe_status badDType(const char *function, int dtype) {
  return fail(MOE_ERROR_INVALID_ARGUMENT,
              formatv("{0}: expected a moe_dtype (0 to 7), found {1}",
                      function, dtype));
}

moe_status nullPointer(const char *function, const char *what) {
  return fail(MOE_ERROR_INVALID_ARGUMENT,
              formatv("{0}: expected {1}, found a null pointer", function,
                      what));
}

/// Puts this library's dependencies (the OpenMP runtime, libm, the MLIR C
/// runner utilities) in the process's global symbol scope, where the JIT
/// looks up the functions compiled code calls. A program that links the
/// library has them there already; one that loads it with dlopen and
/// RTLD_LOCAL (Python's ctypes, for one) does not. Reopening the library
/// with RTLD_GLOBAL | RTLD_NOLOAD promotes it and its dependencies; the
/// reference is kept, so the library stays loaded.
void makeDependenciesGlobal() {
  static std::once_flag once;
  std::call_once(once, [] {
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&moe_last_error), &info) &&
        info.dli_fname)
      (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  });
}

moe_status finishLoad(Expected<std::unique_ptr<Engine>> engine,
                      moe_layer **layer) {
  if (!engine)
    return report(engine.takeError());
  auto handle = std::make_unique<moe_layer>();
  handle->engine = std::move(*engine);
  for (const ArgumentInfo &arg : handle->engine->getArguments()) {
    std::vector<int64_t> shape;
    for (int64_t d : arg.type.getShape())
      shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
    handle->shapes.push_back(std::move(shape));
  }
  *layer = handle.release();
  return MOE_OK;
}

} // namespace

extern "C" {

const char *moe_last_error(void) { return lastError.c_str(); }

const char *moe_status_name(moe_status status) {
  switch (status) {
  case MOE_OK:
    return "MOE_OK";
  case MOE_ERROR_INVALID_ARGUMENT:
    return "MOE_ERROR_INVALID_ARGUMENT";
  case MOE_ERROR_IO:
    return "MOE_ERROR_IO";
  case MOE_ERROR_INVALID_MODULE:
    return "MOE_ERROR_INVALID_MODULE";
  case MOE_ERROR_COMPILE:
    return "MOE_ERROR_COMPILE";
  case MOE_ERROR_BINDING:
    return "MOE_ERROR_BINDING";
  case MOE_ERROR_STATE:
    return "MOE_ERROR_STATE";
  }
  return "unknown moe_status";
}

moe_status moe_layer_load_file(const char *path, const char *entry,
                               moe_layer **layer) {
  if (!layer)
    return nullPointer("moe_layer_load_file", "a moe_layer ** result");
  *layer = nullptr;
  if (!path)
    return nullPointer("moe_layer_load_file", "a path");
  makeDependenciesGlobal();
  return finishLoad(Engine::loadFile(path, entry ? entry : "forward"), layer);
}

moe_status moe_layer_load_string(const char *text, size_t length,
                                 const char *name, const char *entry,
                                 moe_layer **layer) {
  if (!layer)
    return nullPointer("moe_layer_load_string", "a moe_layer ** result");
  *layer = nullptr;
  if (!text && length)
    return nullPointer("moe_layer_load_string", "the module text");
  makeDependenciesGlobal();
  return finishLoad(Engine::loadString(StringRef(text, length),
                                       name ? name : "<string>",
                                       entry ? entry : "forward"),
                    layer);
}

moe_status moe_layer_load_library(const char *path, moe_layer **layer) {
  if (!layer)
    return nullPointer("moe_layer_load_library", "a moe_layer ** result");
  *layer = nullptr;
  if (!path)
    return nullPointer("moe_layer_load_library", "a path");
  return finishLoad(Engine::loadLibrary(path), layer);
}

void moe_layer_destroy(moe_layer *layer) { delete layer; }

moe_status moe_layer_set_threads(moe_layer *layer, int32_t threads) {
  if (!layer)
    return nullPointer("moe_layer_set_threads", "a layer");
  return report(layer->engine->setThreads(threads));
}

moe_status moe_layer_set_kernels(moe_layer *layer, moe_kernels kernels) {
  if (!layer)
    return nullPointer("moe_layer_set_kernels", "a layer");
  MoECPUKernels choice;
  // Any int may arrive through the C interface.
  switch (static_cast<int>(kernels)) {
  case MOE_KERNELS_FAST:
    choice = MoECPUKernels::Fast;
    break;
  case MOE_KERNELS_REFERENCE:
    choice = MoECPUKernels::Reference;
    break;
  case MOE_KERNELS_FAST_INT8:
    choice = MoECPUKernels::FastInt8;
    break;
  case MOE_KERNELS_FAST_BF16:
    choice = MoECPUKernels::FastBf16;
    break;
  default:
    return fail(MOE_ERROR_INVALID_ARGUMENT,
                formatv("moe_layer_set_kernels: expected MOE_KERNELS_FAST, "
                        "MOE_KERNELS_FAST_INT8, MOE_KERNELS_FAST_BF16 or "
                        "MOE_KERNELS_REFERENCE, found {0}",
                        static_cast<int>(kernels)));
  }
  return report(layer->engine->setKernels(choice));
}

moe_status moe_layer_num_args(const moe_layer *layer, size_t *count) {
  if (!layer || !count)
    return nullPointer("moe_layer_num_args", layer ? "a count" : "a layer");
  *count = layer->engine->getArguments().size();
  return MOE_OK;
}

moe_status moe_layer_arg_info(const moe_layer *layer, size_t index,
                              moe_arg_info *info) {
  if (!layer || !info)
    return nullPointer("moe_layer_arg_info", layer ? "an info" : "a layer");
  const Engine &engine = *layer->engine;
  if (index >= engine.getArguments().size())
    return fail(MOE_ERROR_INVALID_ARGUMENT,
                formatv("moe_layer_arg_info: expected an argument index below "
                        "{0}, found {1}",
                        engine.getArguments().size(), index));
  const ArgumentInfo &arg = engine.getArguments()[index];
  info->name = engine.getArgumentName(index).data();
  info->weight_name = arg.weightName ? arg.weightName->c_str() : nullptr;
  info->dtype = toDType(arg.kind);
  info->rank = static_cast<int32_t>(layer->shapes[index].size());
  info->shape = layer->shapes[index].data();
  info->is_weight = arg.isWeight();
  info->is_bound = engine.isBound(index);
  return MOE_OK;
}

moe_status moe_layer_hidden_size(const moe_layer *layer, int64_t *hidden,
                                 moe_dtype *dtype) {
  if (!layer)
    return nullPointer("moe_layer_hidden_size", "a layer");
  if (hidden)
    *hidden = layer->engine->getHiddenSize();
  if (dtype)
    *dtype = toDType(layer->engine->getActivation().kind);
  return MOE_OK;
}

moe_status moe_layer_bind_weights(moe_layer *layer, const char *name,
                                  const char *const *paths, size_t count,
                                  int64_t layer_index) {
  if (!layer)
    return nullPointer("moe_layer_bind_weights", "a layer");
  if (!paths && count)
    return nullPointer("moe_layer_bind_weights", "the paths");
  std::vector<std::string> files;
  for (size_t i = 0; i < count; ++i) {
    if (!paths[i])
      return nullPointer("moe_layer_bind_weights", "a path");
    files.push_back(paths[i]);
  }
  std::optional<int64_t> index;
  if (layer_index >= 0)
    index = layer_index;
  std::optional<StringRef> only;
  if (name)
    only = StringRef(name);
  return report(layer->engine->bindWeightsFromFiles(files, index, only));
}

moe_status moe_layer_bind_weight(moe_layer *layer, const char *name,
                                 const void *data, moe_dtype dtype,
                                 const int64_t *shape, int32_t rank) {
  if (!layer)
    return nullPointer("moe_layer_bind_weight", "a layer");
  if (!name)
    return nullPointer("moe_layer_bind_weight", "a weight name");
  std::optional<ElementKind> kind = toKind(dtype);
  if (!kind)
    return badDType("moe_layer_bind_weight", dtype);
  if (rank < 0 || (rank > 0 && !shape))
    return fail(MOE_ERROR_INVALID_ARGUMENT,
                formatv("moe_layer_bind_weight: expected a rank >= 0 and its "
                        "sizes, found rank {0}{1}",
                        rank, shape ? "" : " and no sizes"));
  ArrayRef<int64_t> sizes(shape, static_cast<size_t>(rank));
  return report(layer->engine->bindWeight(name, *kind, sizes, data));
}

moe_status moe_layer_compile(moe_layer *layer) {
  if (!layer)
    return nullPointer("moe_layer_compile", "a layer");
  return report(layer->engine->compile());
}

moe_status moe_layer_run(moe_layer *layer, const void *x, moe_dtype dtype,
                         int64_t tokens, int64_t hidden, void *y) {
  if (!layer)
    return nullPointer("moe_layer_run", "a layer");
  std::optional<ElementKind> kind = toKind(dtype);
  if (!kind)
    return badDType("moe_layer_run", dtype);
  return report(layer->engine->run(x, *kind, tokens, hidden, y));
}

} // extern "C"
