//===- ModelDirectory.h - Hugging Face model directories --------*- C++ -*-===//
//
// A Hugging Face model directory (what `save_pretrained` writes) holds
// config.json and the checkpoint: either one model.safetensors, or shards
// listed by model.safetensors.index.json, whose `weight_map` names the shard
// file of every tensor:
//
//   {"metadata": {...},
//    "weight_map": {"model.embed_tokens.weight":
//                       "model-00001-of-00002.safetensors", ...}}
//
// The readers here find those files and check the index strictly: a shard
// must be a relative path inside the directory and a regular file.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_SUPPORT_MODELDIRECTORY_H
#define MOE_SUPPORT_MODELDIRECTORY_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir {
namespace moe {

constexpr llvm::StringLiteral kConfigFileName = "config.json";
constexpr llvm::StringLiteral kSafetensorsFileName = "model.safetensors";
constexpr llvm::StringLiteral kSafetensorsIndexFileName =
    "model.safetensors.index.json";

/// Whether `path` names a directory (after following symbolic links).
bool isDirectory(llvm::StringRef path);

/// The config.json to read for `path`: `path` itself, or `path`/config.json
/// when `path` is a directory. The error (a directory without config.json)
/// does not repeat `path`.
llvm::Expected<std::string> findConfigFile(llvm::StringRef path);

/// The sharded checkpoint of a model directory.
struct SafetensorsIndex {
  /// The index file, for messages.
  std::string indexPath;
  /// Each tensor's shard, as a path under the directory (`dir`/`file`).
  llvm::StringMap<std::string> shardOf;
  /// The shard paths, each once, in the order the index first names them.
  llvm::SmallVector<std::string> shards;
};

/// Parses the text of `dir`'s model.safetensors.index.json: an object whose
/// `weight_map` is a non-empty object of tensor names to shard file names,
/// each a relative path without `..`. Other keys (`metadata`) are ignored.
/// Does not touch the shards. The error does not name the index file.
llvm::Expected<SafetensorsIndex> parseSafetensorsIndex(llvm::StringRef text,
                                                       llvm::StringRef dir);

/// The checkpoint of model directory `dir`: its index, parsed and with every
/// shard checked to be a regular file; or, without an index, a one-shard
/// checkpoint of `dir`/model.safetensors with no `shardOf` map (every tensor
/// of the file belongs to it). Errors name the file they are about by its
/// name in the directory, not repeating `dir`.
llvm::Expected<SafetensorsIndex> readCheckpointDirectory(llvm::StringRef dir);

} // namespace moe
} // namespace mlir

#endif // MOE_SUPPORT_MODELDIRECTORY_H
