#include "model/drill/replay.hpp"

#include <unistd.h>

#include <filesystem>
#include <random>

#include "model/errors.hpp"

namespace honbu::drill {

ScratchDir::ScratchDir() {
  namespace fs = std::filesystem;
  const fs::path base = fs::temp_directory_path();
  std::random_device rd;
  for (int attempt = 0; attempt < 10; ++attempt) {
    const fs::path p = base / ("honbu-replay-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::error_code ec;
    if (fs::create_directory(p, ec)) {  // false when it exists: another name
      path_ = p.string();
      return;
    }
    if (ec) throw Error("cannot make a scratch directory for the replay under " + base.string() + ": " + ec.message());
  }
  throw Error("cannot make a scratch directory for the replay under " + base.string());
}

ScratchDir::~ScratchDir() {
  std::error_code ec;  // a destructor does not throw; a leftover in $TMPDIR is harmless
  std::filesystem::remove_all(path_, ec);
}

Replay::Replay(std::string hq_db, DrillLog log) : hq_db_(std::move(hq_db)), log_(std::move(log)) {
  if (!std::filesystem::exists(hq_db_)) throw Error("no HQ database at " + hq_db_ + " (is this a drill directory?)");
  Db db(hq_db_, OpenMode::ReadOnly);
  auto q = db.query("SELECT count(*) FROM ops");
  if (q->step()) total_ = static_cast<std::size_t>(q->column_int(0));
}

std::unique_ptr<Store> Replay::open_scratch(const std::string& path, const std::string& dataset) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  StoreOptions o;
  o.path = path;
  o.node_id = "replay";
  o.dataset = dataset;
  o.max_clock_drift_ms = INT64_MAX / 4;  // a replay is of the past: nothing is "ahead"
  return Store::open(o);
}

SimMinutes Replay::end() const {
  SimMinutes m = 0;
  for (const LogEvent& e : log_.events) m = std::max(m, e.sim);
  for (const ClockSegment& c : log_.clock) m = std::max(m, c.sim);
  return m;
}

std::size_t Replay::advance(Store& s, SimMinutes at) {
  // Up to the last wall instant the drill clock showed `at`.
  TimeMs until = 0;
  if (at >= end()) until = INT64_MAX;
  else if (auto w = log_.wall_at(at)) until = *w;
  Db db(hq_db_, OpenMode::ReadOnly);
  auto q = db.query(
      "SELECT n, origin, seq, hlc, dataset, kind, entity_id, op_type, fields, base, operator, schema_version, "
      "state, sig, prev FROM ops WHERE n > ? AND received_at <= ? ORDER BY n LIMIT 5000");
  for (;;) {
    std::vector<Op> ops;
    q->reset();
    q->bind(1, applied_n_).bind(2, until);
    while (q->step()) {
      applied_n_ = q->column_int(0);
      ops.push_back(op_from_row(*q, hq_db_));
    }
    if (ops.empty()) break;
    s.apply_remote(ops);
    held_ += ops.size();
  }
  return held_;
}

}  // namespace honbu::drill
