//===- ModelDirectory.cpp - Hugging Face model directories ----------------===//

#include "moe/Support/ModelDirectory.h"

#include "moe/Support/Json.h"
#include "moe/Support/Printable.h"
#include "moe/Support/ReadFile.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

using namespace llvm;
using namespace mlir::moe;

namespace {

Error makeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

std::string joinPath(StringRef dir, StringRef file) {
  SmallString<256> path(dir);
  sys::path::append(path, file);
  return std::string(path);
}

/// Whether something (of any type) is at `path`, following links.
bool exists(StringRef path) {
  sys::fs::file_status status;
  return !sys::fs::status(path, status, /*Follow=*/true);
}

/// Why `file`, a shard name from an index, does not name a file inside the
/// directory, or nothing when it does.
std::optional<std::string> checkShardName(StringRef file) {
  if (file.empty())
    return std::string("is empty");
  if (file.contains('\0'))
    return std::string("contains a NUL byte");
  if (sys::path::is_absolute(file, sys::path::Style::posix))
    return std::string("is an absolute path; shards must lie in the model "
                       "directory");
  for (StringRef part :
       make_range(sys::path::begin(file), sys::path::end(file)))
    if (part == "..")
      return std::string("contains '..'; shards must lie in the model "
                         "directory");
  return std::nullopt;
}

} // namespace

bool mlir::moe::isDirectory(StringRef path) {
  return sys::fs::is_directory(path);
}

Expected<std::string> mlir::moe::findConfigFile(StringRef path) {
  if (!isDirectory(path))
    return path.str();
  std::string config = joinPath(path, kConfigFileName);
  if (!exists(config))
    return makeError(formatv("a model directory must hold {0}; there is none",
                             kConfigFileName));
  return config;
}

Expected<SafetensorsIndex> mlir::moe::parseSafetensorsIndex(StringRef text,
                                                            StringRef dir) {
  Expected<json::Value> parsed = parseJson(text);
  if (!parsed)
    return makeError("malformed JSON: " + toString(parsed.takeError()));
  const json::Object *object = parsed->getAsObject();
  if (!object)
    return makeError("expected a JSON object with a 'weight_map'");
  const json::Value *map = object->get("weight_map");
  if (!map)
    return makeError("missing 'weight_map' (the shard of each tensor)");
  const json::Object *entries = map->getAsObject();
  if (!entries)
    return makeError("'weight_map' must be an object of tensor names to "
                     "shard file names");
  if (entries->empty())
    return makeError("'weight_map' names no tensors");

  SafetensorsIndex index;
  StringSet<> seen;
  // json::Object iterates in hash order; sort by name for a stable order of
  // shards and of the first error.
  SmallVector<const json::Object::value_type *> sorted;
  for (const auto &entry : *entries)
    sorted.push_back(&entry);
  llvm::sort(sorted, [](const auto *a, const auto *b) {
    return StringRef(a->first) < StringRef(b->first);
  });
  for (const json::Object::value_type *entry : sorted) {
    StringRef tensor = entry->first;
    std::optional<StringRef> file = entry->second.getAsString();
    if (!file)
      return makeError(formatv("'weight_map': the shard of tensor '{0}' must "
                               "be a file name (a string)",
                               printable(tensor)));
    if (std::optional<std::string> why = checkShardName(*file))
      return makeError(formatv("'weight_map': the shard '{0}' of tensor '{1}' "
                               "{2}",
                               printable(*file), printable(tensor), *why));
    std::string path = joinPath(dir, *file);
    if (seen.insert(path).second)
      index.shards.push_back(path);
    index.shardOf[tensor] = path;
  }
  return index;
}

Expected<SafetensorsIndex> mlir::moe::readCheckpointDirectory(StringRef dir) {
  std::string indexPath = joinPath(dir, kSafetensorsIndexFileName);
  if (!exists(indexPath)) {
    std::string single = joinPath(dir, kSafetensorsFileName);
    if (!exists(single))
      return makeError(formatv("a model directory must hold {0} or {1}; "
                               "there is neither",
                               kSafetensorsIndexFileName,
                               kSafetensorsFileName));
    SafetensorsIndex index;
    index.indexPath = single;
    index.shards.push_back(single);
    return index;
  }
  Expected<std::unique_ptr<MemoryBuffer>> text =
      readRegularFile(indexPath, kMaxTextInputBytes);
  if (!text)
    return makeError(kSafetensorsIndexFileName +
                     ": cannot read: " + toString(text.takeError()));
  Expected<SafetensorsIndex> index =
      parseSafetensorsIndex((*text)->getBuffer(), dir);
  if (!index)
    return makeError(kSafetensorsIndexFileName + ": " +
                     toString(index.takeError()));
  index->indexPath = indexPath;
  for (const std::string &shard : index->shards)
    if (Error err = checkRegularFile(shard))
      return makeError(
          formatv("{0}: shard '{1}': {2}", kSafetensorsIndexFileName,
                  printable(StringRef(shard).drop_front(dir.size()).ltrim('/')),
                  toString(std::move(err))));
  return std::move(*index);
}
