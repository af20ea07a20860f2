// [SECTION] Replay of a finished drill: what HQ's database held at a moment of the drill —
// the ops it had received by then (ops.received_at), applied in the order it received them
// to a fresh store. View only: the replay store is a scratch file, never synced.
#pragma once

#include <memory>
#include <string>

#include "model/drill/log.hpp"
#include "model/store.hpp"

namespace honbu::drill {

class Replay {
 public:
  // `hq_db`: HQ's database of the drill (read only); `scratch`: where the replayed state goes
  // (overwritten).
  Replay(std::string hq_db, std::string scratch, DrillLog log);

  // Rebuilds the scratch store as HQ held it at scenario time `at` (forward moves add ops,
  // backward ones start again). Returns the number of ops it holds.
  std::size_t seek(SimMinutes at);
  SimMinutes at() const { return at_; }
  SimMinutes end() const;  // scenario time the drill reached
  std::size_t total_ops() const { return total_; }
  const DrillLog& log() const { return log_; }
  Store& store() { return *store_; }
  const std::string& scratch_path() const { return scratch_; }

 private:
  void reset();

  std::string hq_db_, scratch_;
  DrillLog log_;
  std::unique_ptr<Store> store_;
  SimMinutes at_ = -1;
  std::int64_t applied_n_ = 0;
  std::size_t held_ = 0, total_ = 0;
};

}  // namespace honbu::drill
