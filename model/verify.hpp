// Integrity check of a node database: SQLite's own check, the op log's bookkeeping, and a
// full replay of the op log into a scratch database whose state hash must match.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace honbu {

class Store;

struct VerifyReport {
  bool ok = false;
  std::string integrity;  // "ok" or SQLite's findings
  std::string live_hash, replay_hash;
  std::int64_t ops_replayed = 0;
  std::vector<std::string> problems;  // each a sentence naming what is wrong
};

// progress(done, total) is called every few thousand ops during the replay. Opens the file as
// its store (refused while a node has it open: verify a stopped node, or pass its Store).
VerifyReport verify_store(const std::string& path,
                          const std::function<void(std::int64_t, std::int64_t)>& progress = {});
VerifyReport verify_store(Store& live, const std::function<void(std::int64_t, std::int64_t)>& progress = {});

}  // namespace honbu
