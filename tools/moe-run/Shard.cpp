//===- Shard.cpp - moe-run --shard: a sharded run under MPI ---------------===//

#include "Shard.h"

#include "moe/Execution/Checkpoints.h"
#include "moe/Execution/HostTensor.h"

#ifdef MOE_HAVE_MPI
#include "MPIRuntime.h"
#include "moe/Conversion/Passes.h"
#include "moe/Dialect/MoE/Transforms/Passes.h"
#include "moe/Support/Npy.h"
#include "moe/Support/Safetensors.h"

#include "moe/Support/ToolMessages.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#endif // MOE_HAVE_MPI

#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::execution;

#ifdef MOE_HAVE_MPI

namespace {

int worldRank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

/// Prints `err` as one line for this rank and ends the whole job.
[[noreturn]] void abortJob(Error err) {
  std::string message = oneLineMessage(std::move(err));
  outs().flush();
  // One write for the whole line: stderr is unbuffered, and the ranks
  // write at the same time (pieces of two lines interleaved).
  std::string line = formatv("error: rank {0}: {1}\n", worldRank(), message);
  errs() << line;
  errs().flush();
  // A job of one process has no other rank to stop: end it without
  // MPI_Abort, whose own message would follow the error line.
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size == 1) {
    MPI_Finalize();
    std::exit(1);
  }
  // mpiexec forwards a rank's output through pipes and stops forwarding
  // when the job is aborted: give it a moment to pass the line on.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::exit(1);
}

template <typename T> T orAbort(Expected<T> value) {
  if (!value)
    abortJob(value.takeError());
  return std::move(*value);
}

struct Spec {
  int64_t ep = 0, tp = 0;
};

/// "ep=A,tp=B", "ep=A" or "tp=B" (the other factor 1), or "auto": the split
/// moe-shard's cost model picks for the job's ranks (ep = tp = 0 here).
Expected<Spec> parseSpec(StringRef text) {
  Spec spec;
  if (text.trim() == "auto")
    return spec;
  auto bad = [&] {
    return makeRunError("--shard",
                        formatv("expected ep=A,tp=B, ep=A or tp=B with "
                                "integers >= 1, or auto, found '{0}'",
                                text));
  };
  SmallVector<StringRef> parts;
  text.split(parts, ',', -1, /*KeepEmpty=*/true);
  for (StringRef part : parts) {
    auto [key, value] = part.split('=');
    key = key.trim();
    int64_t v;
    if (value.trim().getAsInteger(10, v) || v < 1 ||
        (key != "ep" && key != "tp"))
      return bad();
    int64_t &slot = key == "ep" ? spec.ep : spec.tp;
    if (slot)
      return bad();
    slot = v;
  }
  if (!spec.ep)
    spec.ep = 1;
  if (!spec.tp)
    spec.tp = 1;
  return spec;
}

/// The mesh axis of each dimension of argument `i` (empty when replicated).
SmallVector<std::string> axesOf(func::FuncOp func, unsigned i) {
  SmallVector<std::string> axes;
  if (auto attr = func.getArgAttrOfType<ArrayAttr>(i, "moe.shard"))
    for (Attribute a : attr)
      axes.push_back(cast<StringAttr>(a).str());
  return axes;
}

/// This rank's block along a dimension split over `axis`: (index, parts).
std::pair<int64_t, int64_t> blockOf(StringRef axis, int64_t rank,
                                    const Spec &spec) {
  if (axis == "ranks")
    return {rank, spec.ep * spec.tp};
  if (axis == "ep")
    return {rank / spec.tp, spec.ep};
  if (axis == "tp")
    return {rank % spec.tp, spec.tp};
  return {0, 1};
}

/// The offsets and sizes of this rank's slice of a `shape` argument. Tokens
/// (the "ranks" axis) split unevenly: of T rows over R ranks, the first
/// T mod R ranks hold one row more than the others (numpy's array_split);
/// when T < R, the last R - T hold none. Experts and inner columns split
/// evenly (moe-shard checks that they do).
Expected<std::pair<SmallVector<int64_t>, SmallVector<int64_t>>>
sliceOf(ArrayRef<int64_t> shape, ArrayRef<std::string> axes, int64_t rank,
        const Spec &spec, const Twine &what) {
  SmallVector<int64_t> offsets(shape.size(), 0), sizes(shape);
  for (auto [d, axis] : llvm::enumerate(axes)) {
    auto [index, parts] = blockOf(axis, rank, spec);
    int64_t base = shape[d] / parts, extra = shape[d] % parts;
    if (axis == "ranks") {
      sizes[d] = base + (index < extra ? 1 : 0);
      offsets[d] = index * base + std::min(index, extra);
      continue;
    }
    if (extra)
      return makeRunError(what, formatv("dimension {0} of size {1} does not "
                                        "split evenly over {2} parts ({3})",
                                        d, shape[d], parts, axis));
    sizes[d] = base;
    offsets[d] = index * base;
  }
  return std::make_pair(offsets, sizes);
}

/// Calls `fn(flatSourceOffset, flatDestOffset, runLength)` for each
/// contiguous innermost run of the slice (row-major).
void forEachRun(ArrayRef<int64_t> shape, ArrayRef<int64_t> offsets,
                ArrayRef<int64_t> sizes,
                llvm::function_ref<void(int64_t, int64_t, int64_t)> fn) {
  int64_t rank = shape.size();
  if (rank == 0) {
    fn(0, 0, 1);
    return;
  }
  int64_t runs = 1;
  for (int64_t d = 0; d + 1 < rank; ++d)
    runs *= sizes[d];
  SmallVector<int64_t> index(rank, 0);
  for (int64_t run = 0, dst = 0; run < runs; ++run, dst += sizes.back()) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src = src * shape[d] + offsets[d] + index[d];
    fn(src, dst, sizes.back());
    for (int64_t d = rank - 2; d >= 0; --d) {
      if (++index[d] < sizes[d])
        break;
      index[d] = 0;
    }
  }
}

HostTensor sliceTensor(const HostTensor &full, ArrayRef<int64_t> offsets,
                       ArrayRef<int64_t> sizes) {
  HostTensor part(full.getKind(), sizes);
  size_t bytes = getElementSize(full.getKind());
  forEachRun(full.getShape(), offsets, sizes,
             [&](int64_t src, int64_t dst, int64_t n) {
               std::memcpy(part.getData() + dst * bytes,
                           full.getData() + src * bytes, n * bytes);
             });
  return part;
}

/// Replaces {layer} in a weight name; {e} is kept.
Expected<std::string> expandName(StringRef name, const BindingOptions &opts) {
  std::string result = name.str();
  size_t pos;
  while ((pos = result.find("{layer}")) != std::string::npos) {
    if (!opts.layer)
      return makeRunError(opts.modulePath,
                          formatv("weight name '{0}' needs --layer N", name));
    result.replace(pos, 7, std::to_string(*opts.layer));
  }
  return result;
}

/// Reads this rank's slice of an expert weight from the checkpoints: only
/// the bytes of its experts and columns are converted.
Expected<HostTensor> loadExpertSlice(const ArgumentInfo &arg,
                                     ArrayRef<int64_t> offsets,
                                     ArrayRef<int64_t> sizes,
                                     const BindingOptions &opts) {
  if (!isFloatKind(arg.kind))
    return makeRunError(
        opts.modulePath,
        formatv("{0}: --shard reads float expert weights only (f32, bf16 or "
                "f16), found {1}",
                describeArgument(arg, opts.entryName),
                getElementKindName(arg.kind)));
  Expected<std::string> name = expandName(*arg.weightName, opts);
  if (!name)
    return name.takeError();
  Expected<Checkpoints> checkpoints = Checkpoints::open(opts.weightFiles);
  if (!checkpoints)
    return checkpoints.takeError();
  std::string where = checkpoints->describe();
  bool stacked = StringRef(*name).contains("{e}");
  ArrayRef<int64_t> full = arg.type.getShape();
  HostTensor result(arg.kind, sizes);
  std::vector<float> run;
  // One checkpoint tensor per expert ({e}), or one for all of them.
  int64_t parts = stacked ? sizes[0] : 1;
  int64_t perPart = result.getNumElements() / parts;
  for (int64_t p = 0; p < parts; ++p) {
    std::string partName = *name;
    SmallVector<int64_t> partShape(full), partOffsets(offsets),
        partSizes(sizes);
    if (stacked) {
      size_t pos;
      std::string e = std::to_string(offsets[0] + p);
      while ((pos = partName.find("{e}")) != std::string::npos)
        partName.replace(pos, 3, e);
      partShape.erase(partShape.begin());
      partOffsets.erase(partOffsets.begin());
      partSizes.erase(partSizes.begin());
    }
    Expected<Checkpoints::Found> found = checkpoints->lookup(partName);
    if (!found)
      return found.takeError();
    const SafetensorsTensor *tensor = found->tensor;
    if (!tensor)
      return makeRunError(
          where, formatv("weight '{0}' ({1}) not found in "
                         "the --weights file(s)",
                         partName, describeArgument(arg, opts.entryName)));
    size_t elementSize = getSafetensorsElementSize(tensor->dtype);
    if (!isFloatSafetensorsDType(tensor->dtype) ||
        !shapeMatches(partShape, tensor->shape))
      return makeRunError(
          where, formatv("tensor '{0}': expected a float tensor of shape {1} "
                         "for {2}, found {3} {4}",
                         partName, formatShape(partShape),
                         describeArgument(arg, opts.entryName), tensor->dtype,
                         formatShape(tensor->shape)));
    Error err = Error::success();
    forEachRun(partShape, partOffsets, partSizes,
               [&](int64_t src, int64_t dst, int64_t n) {
                 if (err)
                   return;
                 SafetensorsTensor piece = *tensor;
                 piece.shape = {n};
                 piece.bytes =
                     tensor->bytes.slice(src * elementSize, n * elementSize);
                 run.resize(n);
                 if (Error e = convertToF32(piece, run)) {
                   err = std::move(e);
                   return;
                 }
                 for (int64_t i = 0; i < n; ++i)
                   result.setFloat(p * perPart + dst + i, run[i]);
               });
    if (err)
      return wrapError(std::move(err), where);
  }
  return result;
}

/// The module sharded for the job and lowered to MPI calls.
Expected<OwningOpRef<ModuleOp>> shardModule(ModuleOp module, const Spec &spec,
                                            int64_t ranks,
                                            const BindingOptions &opts) {
  OwningOpRef<ModuleOp> sharded(module.clone());
  DiagnosticCapture capture(module.getContext(), opts.modulePath);
  PassManager pm(module.getContext());
  MoEShardOptions shard;
  shard.ep = spec.ep;
  shard.tp = spec.tp;
  shard.ranks = ranks;
  pm.addPass(createMoEShard(shard));
  pm.addPass(createConvertMoEToMPI());
  if (failed(pm.run(*sharded)))
    return capture.takeError("sharding with moe-shard failed");
  return std::move(sharded);
}

/// Gathers every rank's f32 rows of `local` on rank 0, in rank order.
HostTensor gatherRows(const HostTensor &local, int64_t ranks) {
  int64_t n = local.getNumElements();
  std::vector<float> values(n);
  for (int64_t i = 0; i < n; ++i)
    values[i] = local.getFloat(i);
  std::vector<int> counts(ranks), displs(ranks, 0);
  int count = static_cast<int>(n);
  MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  int64_t total = 0;
  for (int64_t r = 0; r < ranks; ++r) {
    displs[r] = static_cast<int>(total);
    total += counts[r];
  }
  std::vector<float> all(worldRank() == 0 ? total : 0);
  MPI_Gatherv(values.data(), count, MPI_FLOAT, all.data(), counts.data(),
              displs.data(), MPI_FLOAT, 0, MPI_COMM_WORLD);
  SmallVector<int64_t> shape(local.getShape());
  int64_t rowElems = 1;
  for (int64_t d = 1, e = shape.size(); d < e; ++d)
    rowElems *= shape[d];
  if (!shape.empty())
    shape[0] = rowElems ? total / rowElems : 0;
  HostTensor result(ElementKind::F32,
                    worldRank() == 0 ? shape : SmallVector<int64_t>{0});
  if (worldRank() == 0)
    std::memcpy(result.getData(), all.data(), all.size() * sizeof(float));
  return result;
}

void printStats(const Spec &spec, int64_t ranks, int64_t tokens) {
  MoEMPIStats local;
  moe_mpi_get_stats(&local, /*reset=*/0);
  int64_t mine[4] = {local.exchanges, local.rowBytesRemote, local.rowBytesSelf,
                     local.countBytesRemote};
  int64_t sum[4] = {0, 0, 0, 0};
  MPI_Reduce(mine, sum, 4, MPI_INT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
  if (worldRank() != 0)
    return;
  double perToken =
      tokens ? static_cast<double>(sum[1] + sum[3]) / tokens : 0.0;
  outs() << formatv("shard_stats ranks={0} ep={1} tp={2} tokens={3} "
                    "exchanges_per_rank={4} row_bytes_remote={5} "
                    "row_bytes_self={6} count_bytes_remote={7} "
                    "remote_bytes_per_token={8:f2}\n",
                    ranks, spec.ep, spec.tp, tokens, sum[0] / ranks, sum[1],
                    sum[2], sum[3], perToken);
}

} // namespace

int execution::runSharded(ModuleOp module, func::FuncOp entry,
                    const ShardRunOptions &options) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized)
    MPI_Init(nullptr, nullptr);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const BindingOptions &opts = options.binding;

  // Everything up to the call is checked on every rank before any
  // collective: a bad plan or a bad file ends the job here.
  Spec spec = orAbort(parseSpec(options.spec));
  int64_t needed = 0;
  if (spec.ep && MulOverflow(spec.ep, spec.tp, needed))
    abortJob(makeRunError(
        "--shard", formatv("ep={0},tp={1} needs more ranks than there are "
                           "64-bit integers, the job has {2}",
                           spec.ep, spec.tp, size)));
  if (spec.ep && needed != size)
    abortJob(makeRunError(
        "--shard", formatv("ep={0},tp={1} needs {2} ranks, the job has {3} "
                           "(mpiexec -n {2})",
                           spec.ep, spec.tp, needed, size)));
  SmallVector<ArgumentInfo> args;
  SmallVector<ResultInfo> results;
  if (Error err = describeSignature(entry, opts.modulePath, args, results))
    abortJob(std::move(err));
  OwningOpRef<ModuleOp> sharded =
      orAbort(shardModule(module, spec, size, opts));
  auto shardedEntry = sharded->lookupSymbol<func::FuncOp>(opts.entryName);
  auto plan = shardedEntry->getAttrOfType<DictionaryAttr>("moe.shard_plan");
  if (!plan)
    abortJob(makeRunError(opts.modulePath,
                          formatv("expected @{0} to hold an MoE layer to "
                                  "shard, found none",
                                  opts.entryName)));
  spec.ep = cast<IntegerAttr>(plan.get("ep")).getInt();
  spec.tp = cast<IntegerAttr>(plan.get("tp")).getInt();
  SmallVector<ArgumentInfo> localArgs;
  SmallVector<ResultInfo> localResults;
  if (Error err = describeSignature(shardedEntry, opts.modulePath, localArgs,
                                    localResults, /*readViews=*/false))
    abortJob(std::move(err));

  // Arguments: expert weights from checkpoints are read slice by slice;
  // the rest is bound as without sharding, then cut to this rank's slice.
  SmallVector<ArgumentInfo> bound;
  for (const ArgumentInfo &arg : args) {
    SmallVector<std::string> axes = axesOf(shardedEntry, arg.index);
    bool expert = llvm::is_contained(axes, "ep");
    // A weight stored in another layout is read whole, then cut.
    if (!(expert && arg.isWeight() && !opts.weightFiles.empty()) || arg.view)
      bound.push_back(arg);
  }
  std::vector<HostTensor> boundValues = orAbort(bindArguments(bound, opts));
  std::vector<HostTensor> values;
  int64_t tokens = 0;
  for (size_t i = 0, b = 0; i < args.size(); ++i) {
    const ArgumentInfo &arg = args[i];
    SmallVector<std::string> axes = axesOf(shardedEntry, arg.index);
    std::string what = describeArgument(arg, opts.entryName);
    if (b < bound.size() && bound[b].index == arg.index) {
      HostTensor &full = boundValues[b++];
      if (llvm::is_contained(axes, "ranks"))
        tokens = full.getShape()[0];
      if (axes.empty()) {
        values.push_back(std::move(full));
        continue;
      }
      auto [offsets, sizes] =
          orAbort(sliceOf(full.getShape(), axes, rank, spec, what));
      values.push_back(sliceTensor(full, offsets, sizes));
      continue;
    }
    auto [offsets, sizes] =
        orAbort(sliceOf(arg.type.getShape(), axes, rank, spec, what));
    values.push_back(orAbort(loadExpertSlice(arg, offsets, sizes, opts)));
  }

  std::unique_ptr<Executor> executor =
      orAbort(options.compile(*sharded, shardedEntry, localResults));
  std::vector<HostTensor> outputs =
      orAbort(executor->call(values, /*keepResults=*/true));

  std::vector<HostTensor> gathered;
  for (const HostTensor &output : outputs)
    gathered.push_back(gatherRows(output, size));
  if (std::getenv("MOE_SHARD_STATS"))
    printStats(spec, size, tokens);
  if (rank == 0) {
    for (auto [path, output] : llvm::zip(options.outputFiles, gathered)) {
      NpyArray array;
      array.dtype = NpyDType::F32;
      array.shape.assign(output.getShape().begin(), output.getShape().end());
      array.data.assign(output.getData(),
                        output.getData() + output.getSizeInBytes());
      if (Error err = writeNpy(path, array))
        abortJob(wrapError(std::move(err), path));
    }
    if (options.outputFiles.empty())
      for (auto [i, output] : llvm::enumerate(gathered)) {
        double sum = 0;
        for (int64_t j = 0, e = output.getNumElements(); j < e; ++j)
          sum += output.getAsDouble(j);
        outs() << formatv("result #{0}: shape {1} sum={2:e6}\n", i,
                          formatShape(output.getShape()), sum);
      }
    outs().flush();
  }
  MPI_Finalize();
  return 0;
}

#else // !MOE_HAVE_MPI

int execution::runSharded(ModuleOp, func::FuncOp, const ShardRunOptions &) {
  // The caller reports that MPI is missing.
  return 1;
}

#endif // MOE_HAVE_MPI
