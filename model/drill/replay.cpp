#include "model/drill/replay.hpp"

#include <filesystem>

#include "model/errors.hpp"

namespace honbu::drill {

Replay::Replay(std::string hq_db, std::string scratch, DrillLog log)
    : hq_db_(std::move(hq_db)), scratch_(std::move(scratch)), log_(std::move(log)) {
  Db db(hq_db_, OpenMode::ReadOnly);
  auto q = db.query("SELECT count(*) FROM ops");
  if (q->step()) total_ = static_cast<std::size_t>(q->column_int(0));
  reset();
}

SimMinutes Replay::end() const {
  SimMinutes m = 0;
  for (const LogEvent& e : log_.events) m = std::max(m, e.sim);
  return m;
}

void Replay::reset() {
  store_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(scratch_ + suffix);
  StoreOptions o;
  o.path = scratch_;
  o.node_id = "replay";
  o.dataset = log_.dataset;
  o.max_clock_drift_ms = INT64_MAX / 4;  // a replay is of the past: nothing is "ahead"
  store_ = Store::open(o);
  applied_n_ = 0;
  held_ = 0;
}

std::size_t Replay::seek(SimMinutes at) {
  if (at < at_) reset();
  at_ = at;
  // The last wall instant the drill clock showed `at` or less.
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
    store_->apply_remote(ops);
    held_ += ops.size();
  }
  return held_;
}

}  // namespace honbu::drill
