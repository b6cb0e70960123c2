//===- Checkpoints.h - The checkpoints of --weights -------------*- C++ -*-===//
//
// The entries of --weights are .safetensors files and Hugging Face model
// directories (their model.safetensors.index.json, or their single
// model.safetensors; include/moe/Support/ModelDirectory.h). A tensor is
// looked up in the entries in the order given, and the first entry that
// holds it wins. Files given by name are mapped at once; the shards of an
// index only when a tensor the index assigns to them is looked up, so a run
// maps only the shards that hold its layer's weights.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_EXECUTION_CHECKPOINTS_H
#define MOE_EXECUTION_CHECKPOINTS_H

#include "moe/Support/ModelDirectory.h"
#include "moe/Support/Safetensors.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
namespace moe {
namespace execution {

class Checkpoints {
public:
  /// Maps the files and reads the directories' indexes (checking that each
  /// shard is a regular file). Errors are RunErrors naming the file.
  static llvm::Expected<Checkpoints> open(llvm::ArrayRef<std::string> paths);

  /// A tensor and the file that holds it.
  struct Found {
    const SafetensorsTensor *tensor = nullptr;
    const SafetensorsFile *file = nullptr;
  };

  /// The first tensor called `name`, or an empty Found when no entry holds
  /// it. An error when a shard cannot be opened, or does not hold a tensor
  /// that its index assigns to it.
  llvm::Expected<Found> lookup(llvm::StringRef name);

  /// The entries, joined by commas, for messages.
  std::string describe() const;

  size_t size() const { return entries.size(); }

private:
  /// One --weights entry: a file, or a directory with an index.
  struct Entry {
    std::string path;
    const SafetensorsFile *file = nullptr;
    std::optional<SafetensorsIndex> index;
  };

  /// The mapped file at `path`, mapped on first use.
  llvm::Expected<const SafetensorsFile *> getFile(llvm::StringRef path);

  std::vector<Entry> entries;
  llvm::StringMap<std::unique_ptr<SafetensorsFile>> files;
};

} // namespace execution
} // namespace moe
} // namespace mlir

#endif // MOE_EXECUTION_CHECKPOINTS_H
