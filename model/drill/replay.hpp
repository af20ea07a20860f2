// [SECTION] Replay of a finished drill: what HQ's database held at a moment of the drill —
// the ops it had received by then (ops.received_at), applied in the order it received them
// to a scratch store. View only: the scratch store is never synced, and the drill's own
// files are only read.
// Thread-safety: one thread at a time (the console calls it on its replay store's thread).
#pragma once

#include <memory>
#include <string>

#include "model/drill/log.hpp"
#include "model/store.hpp"

namespace honbu::drill {

// Where a replay keeps its scratch stores: a fresh directory under $TMPDIR, removed with
// everything in it when this goes away. A replay writes nothing into the drill directory,
// which may be read-only (an archived drill on a USB stick) and is the drill's record.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class Replay {
 public:
  // `hq_db`: HQ's database of the drill (opened read-only for every step).
  Replay(std::string hq_db, DrillLog log);

  // A fresh, empty scratch store at `path` (an older one there is removed).
  static std::unique_ptr<Store> open_scratch(const std::string& path, const std::string& dataset);

  // Applies to `s` the ops HQ had received by scenario time `at` that it does not hold yet.
  // Forward only: to go back, give a fresh scratch store and call restart() first.
  // Returns the number of ops `s` now holds from the drill.
  std::size_t advance(Store& s, SimMinutes at);
  void restart() { applied_n_ = 0, held_ = 0; }

  SimMinutes end() const;  // scenario time the drill reached
  std::size_t total_ops() const { return total_; }
  std::size_t held() const { return held_; }
  const DrillLog& log() const { return log_; }

 private:
  std::string hq_db_;
  DrillLog log_;
  std::int64_t applied_n_ = 0;
  std::size_t held_ = 0, total_ = 0;
};

}  // namespace honbu::drill
