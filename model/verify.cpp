#include "model/verify.hpp"

#include <unistd.h>

#include <filesystem>
#include <random>

#include "model/errors.hpp"
#include "model/migrations.hpp"
#include "model/queries.hpp"
#include "model/store.hpp"

namespace honbu {

namespace {

void remove_db_files(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
}

// incident_counts (the list's totals, kept by the store as it writes incidents) against a count of them.
void check_incident_counts(Db& db, VerifyReport& r) {
  constexpr const char* kCounted =
      "SELECT ifnull(status, X''), ifnull(priority, X''), count(*) FROM incidents WHERE _deleted = 0 GROUP BY 1, 2";
  const std::string kept = "SELECT status, priority, n FROM incident_counts WHERE n <> 0";
  auto q = db.query("SELECT count(*), (SELECT count(*) FROM (" + kept + " EXCEPT " + kCounted + ")) FROM (" +
                    std::string(kCounted) + " EXCEPT " + kept + ")");
  q->step();
  // Rows of each side that the other lacks: a wrong count shows on both sides.
  const std::int64_t differ = q->column_int(0) + q->column_int(1);
  if (differ > 0)
    r.problems.push_back("the incident list's totals (table incident_counts) disagree with the incidents table (" +
                         std::to_string(differ) +
                         " rows differ); it is derived, so the incidents themselves are not affected");
}

// SQLite's integrity check, the version vector against the op log, and the tables' state hash.
void check_live(Db& db, VerifyReport& r) {
  {
    auto q = db.query("PRAGMA integrity_check");
    r.integrity.clear();
    while (q->step()) r.integrity += (r.integrity.empty() ? "" : "; ") + q->column_text(0);
    if (r.integrity != "ok") r.problems.push_back("SQLite integrity check failed: " + r.integrity);
  }

  // The version vector must describe the op log exactly.
  {
    auto q = db.query(
        "SELECT o.origin, o.contiguous, o.max_seq, (SELECT count(*) FROM ops WHERE ops.origin = "
        "o.origin AND ops.seq <= o.contiguous), (SELECT max(seq) FROM ops WHERE ops.origin = "
        "o.origin) FROM origins o ORDER BY o.origin");
    while (q->step()) {
      const std::string origin = q->column_text(0);
      const std::int64_t contiguous = q->column_int(1), max_seq = q->column_int(2),
                         have = q->column_int(3), real_max = q->column_int(4);
      if (have != contiguous)
        r.problems.push_back("origin " + origin + ": vector says 1.." + std::to_string(contiguous) +
                             " but the log holds " + std::to_string(have) + " of those ops");
      if (real_max != max_seq)
        r.problems.push_back("origin " + origin + ": highest seq recorded as " +
                             std::to_string(max_seq) + " but the log's is " + std::to_string(real_max));
    }
    auto orphan = db.query("SELECT DISTINCT origin FROM ops WHERE origin NOT IN (SELECT origin FROM origins)");
    while (orphan->step())
      r.problems.push_back("origin " + orphan->column_text(0) + " has ops but no vector entry");
  }

  check_incident_counts(db, r);
  r.live_hash = state_hash(db);
}

}  // namespace

namespace {
VerifyReport verify_db(Db& db, const std::string& dataset,
                       const std::function<void(std::int64_t, std::int64_t)>& progress);
}  // namespace

VerifyReport verify_store(const std::string& path,
                          const std::function<void(std::int64_t, std::int64_t)>& progress) {
  // A file we may not write (a CD, a backup) is checked read-only. One a running node holds
  // is not: its commits between the checks would read as differences.
  if (!std::filesystem::exists(path) || ::access(path.c_str(), W_OK) == 0) {
    StoreOptions o;
    o.path = path;
    o.create_if_missing = false;
    auto live = Store::open(o);
    return verify_store(*live, progress);
  }
  Db db(path, OpenMode::ReadOnly);
  if (stored_schema_version(db) != kSchemaVersion)
    throw StoreError(path + " is at schema " + std::to_string(stored_schema_version(db)) + ", not " +
                     std::to_string(kSchemaVersion) + ": verify it where this build may upgrade it");
  auto q = db.query("SELECT value FROM meta WHERE key = 'dataset'");
  const std::string dataset = q->step() ? q->column_text(0) : std::string();
  return verify_db(db, dataset, progress);
}

VerifyReport verify_store(Store& store, const std::function<void(std::int64_t, std::int64_t)>& progress) {
  return verify_db(store.db(), store.dataset(), progress);
}

namespace {
VerifyReport verify_db(Db& db, const std::string& dataset,
                       const std::function<void(std::int64_t, std::int64_t)>& progress) {
  VerifyReport r;

  // A damaged page can make any read fail: that is a finding, and the replay still runs.
  try {
    check_live(db, r);
  } catch (const Error& e) {
    r.problems.push_back(std::string("the database could not be read (a damaged page?): ") + e.what());
  }

  // Replay every applied op, in arrival order, into a scratch database.
  const auto scratch = (std::filesystem::temp_directory_path() /
                        ("honbu-verify-" + std::to_string(::getpid()) + "-" +
                         std::to_string(std::random_device{}()) + ".db"))
                           .string();
  remove_db_files(scratch);
  try {
    StoreOptions so;
    so.path = scratch;
    so.node_id = "verify-replay";
    so.dataset = dataset;
    so.max_clock_drift_ms = std::int64_t{1} << 50;  // believe what the live node believed
    auto replay = Store::open(so);
    std::int64_t total = 0;
    {
      auto q = db.query("SELECT count(*) FROM ops WHERE state = 0");
      q->step();
      total = q->column_int(0);
    }
    // Only ops the live node applied: quarantined/invalid ones never reached its tables.
    for (std::int64_t after = 0;;) {
      std::int64_t last_n = after;
      std::vector<Op> chunk = read_ops_after(db, after, 5000, &last_n, true);
      if (last_n == after) break;
      ApplyReport ar = replay->apply_remote(chunk);
      r.ops_replayed += static_cast<std::int64_t>(ar.applied);
      if (ar.applied != chunk.size())
        for (const auto& m : ar.messages) r.problems.push_back("replay: " + m);
      after = last_n;
      if (progress) progress(r.ops_replayed, total);
    }
    r.replay_hash = state_hash(replay->db());
  } catch (const Error& e) {
    r.problems.push_back(std::string("replay failed: ") + e.what());
  }
  remove_db_files(scratch);
  if (!r.replay_hash.empty() && !r.live_hash.empty() && r.replay_hash != r.live_hash)
    r.problems.push_back("replaying the op log gives state " + r.replay_hash +
                         " but the tables hold " + r.live_hash);
  r.ok = r.problems.empty();
  return r;
}
}  // namespace

}  // namespace honbu
