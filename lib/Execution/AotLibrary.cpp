//===- AotLibrary.cpp - Running a layer library built by moe-compile ------===//
//
// Engine::loadLibrary: the library is opened with dlopen, its argument table
// (moe_aot_layer_info, include/moe-c/MoEAot.h) checked and turned into the
// engine's ArgumentInfos, so that weights bind exactly as for a module, and
// each run calls its moe_<entry>_run on the bound buffers.
//
//===----------------------------------------------------------------------===//

#include "moe/Execution/Engine.h"
#include "moe/Execution/LayerCode.h"

#include "moe-c/MoEAot.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/Support/FormatVariadic.h"

#include <dlfcn.h>

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

namespace {

/// The most arguments and the highest rank a table may state.
constexpr int32_t kMaxArgs = 1 << 16;
constexpr int32_t kMaxRank = 16;

Error invalid(StringRef path, const Twine &what) {
  return make_error<EngineError>(
      EngineErrorKind::InvalidModule,
      (path + ": expected a layer library built by moe-compile, found " + what)
          .str());
}

/// A dlopen handle, closed with the object.
class LibraryHandle {
public:
  explicit LibraryHandle(void *handle) : handle(handle) {}
  ~LibraryHandle() {
    if (handle)
      dlclose(handle);
  }
  void *get() const { return handle; }

private:
  void *handle;
};

/// The code of a layer library.
class AotLibrary : public LayerCode {
public:
  AotLibrary(std::unique_ptr<LibraryHandle> handle, const moe_aot_layer &info)
      : handle(std::move(handle)), info(info) {}

  Error callInto(std::vector<HostTensor> &args,
                 MutableArrayRef<HostTensor> outputs) override {
    std::vector<const void *> weights(info.num_weights, nullptr);
    for (int32_t i = 0; i < info.num_args; ++i)
      if (info.args[i].weight_index >= 0)
        weights[info.args[i].weight_index] = args[i].getData();
    HostTensor &x = args[info.activation];
    int status = info.run(weights.data(), x.getData(), x.getShape().front(),
                          outputs.front().getData(),
                          static_cast<int32_t>(threads));
    if (status == MOE_AOT_OK)
      return Error::success();
    return makeRunError(info.entry ? info.entry : "run",
                        formatv("moe_{0}_run returned {1} ({2})", info.entry,
                                status,
                                status == MOE_AOT_ERROR_NULL ? "a null buffer"
                                : status == MOE_AOT_ERROR_TOKENS
                                    ? "a bad token count"
                                    : "a result of an unexpected shape"));
  }

  bool setCallThreads(unsigned count) override {
    if (info.threads != 0 && count != static_cast<unsigned>(info.threads))
      return false;
    threads = count;
    return true;
  }

private:
  std::unique_ptr<LibraryHandle> handle;
  const moe_aot_layer &info;
  unsigned threads = 0;
};

std::optional<ElementKind> toKind(int32_t dtype) {
  switch (dtype) {
  case MOE_AOT_DTYPE_F32:
    return ElementKind::F32;
  case MOE_AOT_DTYPE_BF16:
    return ElementKind::BF16;
  case MOE_AOT_DTYPE_F16:
    return ElementKind::F16;
  case MOE_AOT_DTYPE_I32:
    return ElementKind::I32;
  case MOE_AOT_DTYPE_I64:
    return ElementKind::I64;
  case MOE_AOT_DTYPE_I8:
    return ElementKind::I8;
  case MOE_AOT_DTYPE_F8E4M3FN:
    return ElementKind::F8E4M3FN;
  case MOE_AOT_DTYPE_F8E8M0FNU:
    return ElementKind::F8E8M0FNU;
  default:
    return std::nullopt;
  }
}

Type toType(MLIRContext &context, ElementKind kind) {
  switch (kind) {
  case ElementKind::BF16:
    return BFloat16Type::get(&context);
  case ElementKind::F16:
    return Float16Type::get(&context);
  case ElementKind::I32:
    return IntegerType::get(&context, 32);
  case ElementKind::I64:
    return IntegerType::get(&context, 64);
  case ElementKind::I8:
    return IntegerType::get(&context, 8);
  case ElementKind::F8E4M3FN:
    return Float8E4M3FNType::get(&context);
  case ElementKind::F8E8M0FNU:
    return Float8E8M0FNUType::get(&context);
  default:
    return Float32Type::get(&context);
  }
}

/// The sizes at `sizes` (-1: dynamic), if the pointer and rank are valid.
std::optional<SmallVector<int64_t>> readSizes(const int64_t *sizes,
                                              int32_t rank) {
  if (rank < 0 || rank > kMaxRank || (rank > 0 && !sizes))
    return std::nullopt;
  SmallVector<int64_t> shape;
  for (int32_t d = 0; d < rank; ++d) {
    if (sizes[d] < -1)
      return std::nullopt;
    shape.push_back(sizes[d] < 0 ? ShapedType::kDynamic : sizes[d]);
  }
  return shape;
}

/// The ArgumentInfo of table entry `arg` (argument `index`).
Expected<ArgumentInfo> readArgument(MLIRContext &context, StringRef path,
                                    const moe_aot_arg &arg, unsigned index) {
  auto bad = [&](const Twine &what) {
    return invalid(path, formatv("argument #{0} with {1}", index, what));
  };
  std::optional<ElementKind> kind = toKind(arg.dtype);
  if (!kind)
    return bad(formatv("dtype {0}", arg.dtype));
  std::optional<SmallVector<int64_t>> shape = readSizes(arg.shape, arg.rank);
  if (!shape || !arg.name)
    return bad("a bad shape or name");
  ArgumentInfo info;
  info.index = index;
  info.kind = *kind;
  info.type = RankedTensorType::get(*shape, toType(context, *kind));
  if (arg.weight_name)
    info.weightName = std::string(arg.weight_name);
  if (arg.view_rank > 0) {
    std::optional<SmallVector<int64_t>> viewShape =
        readSizes(arg.view_shape, arg.view_rank);
    std::optional<SmallVector<int64_t>> stored =
        readSizes(arg.view_stored, arg.view_stored_rank);
    if (!viewShape || !stored)
      return bad("a bad moe.weight_view");
    WeightView view;
    view.shape = *viewShape;
    view.stored = *stored;
    view.transpose = arg.view_transpose != 0;
    view.int4Rows = arg.view_int4_rows != 0;
    if (arg.view_rows_stride > 0)
      view.rows = {arg.view_rows_offset, arg.view_rows_stride};
    info.view = std::move(view);
  }
  return info;
}

} // namespace

Expected<std::unique_ptr<Engine>> Engine::loadLibrary(StringRef path) {
  std::string file = path.str();
  // A path, never a name that dlopen looks up in the library path.
  std::string opened = path.contains('/') ? file : "./" + file;
  dlerror();
  auto handle = std::make_unique<LibraryHandle>(
      dlopen(opened.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!handle->get()) {
    StringRef why = dlerror();
    why.consume_front(opened + ": ");
    return make_error<EngineError>(
        EngineErrorKind::Io,
        (path + ": cannot load: " + (why.empty() ? "dlopen failed" : why))
            .str());
  }
  using InfoFunction = const moe_aot_layer *(*)();
  auto getInfo = reinterpret_cast<InfoFunction>(
      dlsym(handle->get(), "moe_aot_layer_info"));
  if (!getInfo)
    return invalid(path, "no function moe_aot_layer_info");
  const moe_aot_layer *info = getInfo();
  if (!info || info->abi_version != MOE_AOT_ABI_VERSION)
    return invalid(path, formatv("table version {0} (this engine reads {1})",
                                 info ? info->abi_version : -1,
                                 MOE_AOT_ABI_VERSION));
  if (!info->entry || !info->run || !info->args || info->num_args < 1 ||
      info->num_args > kMaxArgs || info->activation < 0 ||
      info->activation >= info->num_args ||
      info->num_weights != info->num_args - 1 || info->threads < 0)
    return invalid(path, "an inconsistent argument table");

  std::unique_ptr<Engine> engine(new Engine());
  engine->modulePath = file;
  engine->entryName = info->entry;
  int32_t nextWeight = 0;
  for (int32_t i = 0; i < info->num_args; ++i) {
    const moe_aot_arg &arg = info->args[i];
    int32_t expected = i == info->activation ? -1 : nextWeight++;
    if (arg.weight_index != expected || (expected >= 0) != !!arg.weight_name)
      return invalid(path, "an inconsistent argument table");
    Expected<ArgumentInfo> argument =
        readArgument(*engine->context, path, arg, i);
    if (!argument)
      return argument.takeError();
    engine->args.push_back(std::move(*argument));
    engine->names.push_back(arg.name);
  }
  std::optional<ElementKind> yKind = toKind(info->y_dtype);
  if (!yKind || info->hidden < 1)
    return invalid(path, "an inconsistent argument table");
  ResultInfo result;
  result.kind = *yKind;
  result.type = RankedTensorType::get({ShapedType::kDynamic, info->hidden},
                                      toType(*engine->context, *yKind));
  engine->results.push_back(result);
  if (Error err = engine->checkLayer())
    return std::move(err);
  if (engine->getHiddenSize() != info->hidden)
    return invalid(path, "an inconsistent argument table");
  engine->code = std::make_unique<AotLibrary>(std::move(handle), *info);
  engine->library = true;
  engine->threads = 0;
  return engine;
}
