//===- Checkpoints.cpp - The checkpoints of --weights ---------------------===//

#include "moe/Execution/Checkpoints.h"

#include "moe/Execution/HostTensor.h"

#include "moe/Support/Printable.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace llvm;
using namespace mlir::moe;
using namespace mlir::moe::execution;

Expected<Checkpoints> Checkpoints::open(ArrayRef<std::string> paths) {
  Checkpoints result;
  for (const std::string &path : paths) {
    Entry entry;
    entry.path = path;
    std::string filePath = path;
    if (isDirectory(path)) {
      Expected<SafetensorsIndex> index = readCheckpointDirectory(path);
      if (!index)
        return makeRunError(path, toString(index.takeError()));
      // Without an index the directory is its model.safetensors.
      if (index->shardOf.empty())
        filePath = index->shards.front();
      else
        entry.index = std::move(*index);
    }
    if (!entry.index) {
      Expected<const SafetensorsFile *> file = result.getFile(filePath);
      if (!file)
        return file.takeError();
      entry.file = *file;
    }
    result.entries.push_back(std::move(entry));
  }
  return std::move(result);
}

Expected<const SafetensorsFile *> Checkpoints::getFile(StringRef path) {
  std::unique_ptr<SafetensorsFile> &slot = files[path];
  if (!slot) {
    Expected<std::unique_ptr<SafetensorsFile>> file =
        SafetensorsFile::open(path);
    if (!file)
      return wrapError(file.takeError(), path);
    slot = std::move(*file);
  }
  return slot.get();
}

Expected<Checkpoints::Found> Checkpoints::lookup(StringRef name) {
  for (const Entry &entry : entries) {
    const SafetensorsFile *file = entry.file;
    if (entry.index) {
      auto it = entry.index->shardOf.find(name);
      if (it == entry.index->shardOf.end())
        continue;
      Expected<const SafetensorsFile *> shard = getFile(it->second);
      if (!shard)
        return shard.takeError();
      file = *shard;
      if (!file->lookup(name))
        return makeRunError(
            entry.index->indexPath,
            formatv("'weight_map' puts tensor '{0}' in '{1}', which does not "
                    "hold it",
                    printable(name), printable(it->second, 256)));
    }
    if (const SafetensorsTensor *tensor = file->lookup(name))
      return Found{tensor, file};
  }
  return Found{};
}

std::string Checkpoints::describe() const {
  return join(map_range(entries, [](const Entry &e) { return e.path; }), ",");
}
