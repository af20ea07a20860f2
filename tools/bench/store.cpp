// honbu-bench store: op-log apply against raw SQLite, local commits, the console's queries.
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>

#include "model/queries.hpp"
#include "tools/bench/common.hpp"

namespace honbu::bench {

namespace {

const char* kStatuses[] = {"received", "in_progress", "done", "cancelled"};
const char* kPriorities[] = {"life", "high", "medium", "low"};
const char* kCategories[] = {"building", "fire", "landslide", "road", "lifeline", "rescue"};

// An incident as HQ logs it; `i` is its order of arrival (one a second from t on).
Fields incident_fields(std::mt19937_64& rng, TimeMs t, int i) {
  return {{"title", "倒壊家屋 閉じ込め通報 " + std::to_string(i)},
          {"description", "木造2階建て倒壊。住民2名が閉じ込められているとの通報。消防に転送済み。"},
          {"category", kCategories[rng() % 6]},
          {"place", "中央町" + std::to_string(rng() % 9 + 1) + "-" + std::to_string(rng() % 30 + 1)},
          {"area_id", "area-" + std::to_string(rng() % 40)},
          {"lat", 35.3 + static_cast<double>(rng() % 1000) / 10000.0},
          {"lon", 139.6 + static_cast<double>(rng() % 1000) / 10000.0},
          // Received about when created (a call is logged as it comes in), give or take 10 min.
          {"received_at", format_iso_jst(t + i * 1000 - static_cast<TimeMs>(rng() % 600'000))},
          {"channel", "phone"},
          {"verification", "unverified"},
          {"priority", kPriorities[rng() % 4]},
          {"status", kStatuses[rng() % 4]},
          {"team", "救助班"}};
}

// Raw SQLite: rows shaped like op-log rows, one transaction, one prepared statement.
double raw_insert_rate(const std::string& path, const std::vector<Op>& ops) {
  remove_db(path);
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", nullptr, nullptr, nullptr);
  sqlite3_exec(db,
               "CREATE TABLE raw(n INTEGER PRIMARY KEY, origin TEXT, seq INTEGER, hlc INTEGER, "
               "kind TEXT, entity_id TEXT, fields TEXT, operator TEXT)",
               nullptr, nullptr, nullptr);
  std::vector<std::string> encoded;
  for (const Op& op : ops) encoded.push_back(encode_fields(op.fields));
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO raw(origin, seq, hlc, kind, entity_id, fields, operator) VALUES(?,?,?,?,?,?,?)", -1, &st, nullptr);
  const auto t0 = Clock::now();
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    sqlite3_bind_text(st, 1, op.origin.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(op.seq));
    sqlite3_bind_int64(st, 3, static_cast<sqlite3_int64>(op.hlc.packed));
    sqlite3_bind_text(st, 4, "incident", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, op.entity_id.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, encoded[i].c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, op.operator_name.c_str(), -1, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  const double ms = ms_since(t0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  remove_db(path);
  return static_cast<double>(ops.size()) / (ms / 1000.0);
}

}  // namespace

int bench_store(const std::string& dir, double scale, const std::string& only, bool keep) {
  auto want = [&](const char* part) { return only.empty() || only == part; };
  std::filesystem::create_directories(dir);
  std::mt19937_64 rng(42);
  const TimeMs now = wall_now_ms();
  auto n_of = [&](int n) { return std::max(10, static_cast<int>(n * scale)); };
  std::printf("honbu-bench store (scale %.2f, dir %s)\n", scale, dir.c_str());

  // Source ops, a mix like a busy HQ's sync stream: 40% new incidents, 20% edits of
  // incidents picked uniformly from all so far (worst-case locality), 20% chronology
  // entries, 20% lifeline updates over 40 areas x 5 types.
  const int n_ops = n_of(50'000);
  std::vector<Op> ops;
  {
    auto src = fresh_store(dir + "/bench-src.db", "src");
    std::vector<std::string> ids;
    static const char* kLifeTypes[] = {"power", "water", "city_gas", "mobile_telecom", "road"};
    src->batch([&] {
      for (int i = 0; i < n_ops; ++i) {
        const int r = static_cast<int>(rng() % 10);
        if (r < 4 || ids.empty()) {
          ids.push_back(src->new_id());
          src->put(EntityKind::Incident, ids.back(), incident_fields(rng, now, i), "bench");
        } else if (r < 6) {
          src->put(EntityKind::Incident, ids[rng() % ids.size()],
                   {{"status", kStatuses[rng() % 4]}, {"team", "土木班"}}, "bench");
        } else if (r < 8) {
          src->put(EntityKind::Chronology, src->new_id(),
                   {{"number", static_cast<std::int64_t>(i + 1)}, {"node_label", "src"},
                    {"at", format_iso_jst(now)}, {"content", "消防本部より倒壊家屋の救助完了の連絡"},
                    {"state", "pending"}},
                   "bench");
        } else {
          const std::string area = "area-" + std::to_string(rng() % 40);
          const char* type = kLifeTypes[rng() % 5];
          const auto affected = static_cast<std::int64_t>(rng() % 3000);
          src->put(EntityKind::Lifeline, lifeline_id(area, type),
                   {{"area_id", area}, {"lifeline_type", type}, {"status", "disrupted"},
                    {"affected", affected}, {"peak_affected", affected},
                    {"as_of", format_iso_jst(now - static_cast<TimeMs>(rng() % 3'600'000))},
                    {"source", "電力会社"}},
                   "bench");
        }
      }
    });
    ops = src->ops_missing_for({}, static_cast<size_t>(n_ops) + 10);
  }
  std::size_t op_bytes = 0;
  for (const Op& op : ops) op_bytes += encode_fields(op.fields).size();

  if (!want("apply") && !want("local") && !want("query") && !want("reports")) return 0;
  // [1] raw SQLite baseline, median of 3
  std::vector<double> raw;
  for (int i = 0; i < 5; ++i) raw.push_back(raw_insert_rate(dir + "/bench-raw.db", ops));
  const double raw_rate = percentile(raw, 50);

  // [2] remote ops applied in batches of 1,000, median of 3
  std::vector<double> apply;
  for (int rep = 0; rep < 5; ++rep) {
    auto dst = fresh_store(dir + "/bench-dst.db", "dst");
    const auto t0 = Clock::now();
    for (size_t i = 0; i < ops.size(); i += 1000) {
      const size_t n = std::min<size_t>(1000, ops.size() - i);
      dst->apply_remote(std::span<const Op>(ops.data() + i, n));
    }
    apply.push_back(static_cast<double>(ops.size()) / (ms_since(t0) / 1000.0));
  }
  const double apply_rate = percentile(apply, 50);
  std::printf("  raw SQLite insert (WAL, FULL, 1 tx, prepared), %zu rows of ~%zu B: %.0f rows/s\n",
              ops.size(), op_bytes / std::max<size_t>(1, ops.size()), raw_rate);
  std::printf("  remote apply, batches of 1,000:  %.0f ops/s   ratio %.2f  (target >= 0.25)\n",
              apply_rate, apply_rate / raw_rate);

  if (!want("local") && !want("query") && !want("reports")) return 0;
  // [3] local commands, one durable transaction each
  if (want("local")) {
    auto s = fresh_store(dir + "/bench-local.db", "local");
    std::vector<double> lat;
    std::vector<std::string> ids;
    const int n = n_of(2000);
    for (int i = 0; i < n; ++i) {
      const auto t0 = Clock::now();
      if (i % 2 == 0 || ids.empty()) {
        ids.push_back(s->new_id());
        s->put(EntityKind::Incident, ids.back(), incident_fields(rng, now, i), "bench");
      } else {
        s->put(EntityKind::Incident, ids[rng() % ids.size()], {{"status", "in_progress"}}, "bench");
      }
      lat.push_back(ms_since(t0));
    }
    // Baseline: one raw durable commit of one row.
    sqlite3* db = nullptr;
    const std::string raw_path = dir + "/bench-raw1.db";
    remove_db(raw_path);
    sqlite3_open(raw_path.c_str(), &db);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", nullptr, nullptr, nullptr);
    std::vector<double> raw_lat;
    for (int i = 0; i < n; ++i) {
      const auto t0 = Clock::now();
      sqlite3_exec(db, "INSERT INTO t(v) VALUES('倒壊家屋 閉じ込め通報 木造2階建て倒壊。住民2名が閉じ込められているとの通報。')", nullptr, nullptr, nullptr);
      raw_lat.push_back(ms_since(t0));
    }
    sqlite3_close(db);
    remove_db(raw_path);
    std::printf("  local command, 1 per transaction: p50 %.3f ms  p99 %.3f ms   (raw 1-row commit p50 %.3f ms, ratio %.2f)\n",
                percentile(lat, 50), percentile(lat, 99), percentile(raw_lat, 50),
                percentile(lat, 50) / percentile(raw_lat, 50));
  }

  // [4] incident list query over 100k incidents
  if (want("query")) {
    auto s = fresh_store(dir + "/bench-query.db", "q");
    const int n = n_of(100'000);
    for (int i = 0; i < n; i += 1000)
      s->batch([&] {
        for (int k = i; k < std::min(n, i + 1000); ++k)
          s->put(EntityKind::Incident, s->new_id(), incident_fields(rng, now, k), "bench");
      });
    IncidentFilter f;
    f.statuses = {"received", "in_progress"};
    f.sort = IncidentFilter::Sort::Priority;
    f.limit = 500;
    std::vector<double> lat, lat_text, lat_all;
    for (int i = 0; i < 30; ++i) {
      auto t0 = Clock::now();
      auto page = query_incidents(s->db(), f);
      lat.push_back(ms_since(t0));
      IncidentFilter ft = f;
      ft.text = "中央町3";
      t0 = Clock::now();
      query_incidents(s->db(), ft);
      lat_text.push_back(ms_since(t0));
      IncidentFilter fa;
      fa.sort = IncidentFilter::Sort::ReceivedAt;
      fa.descending = true;
      fa.limit = 500;
      t0 = Clock::now();
      query_incidents(s->db(), fa);
      lat_all.push_back(ms_since(t0));
    }
    std::printf("  incident list, %d incidents, filter status + sort priority, first 500: p50 %.2f ms (target <= 20)\n",
                n, percentile(lat, 50));
    std::printf("    same + text search \"中央町3\": p50 %.2f ms;  no filter, newest first: p50 %.2f ms\n",
                percentile(lat_text, 50), percentile(lat_all, 50));
  }

  // [5] latest-report totals over 50 branches x 20 reports
  if (want("reports")) {
    auto s = fresh_store(dir + "/bench-reports.db", "r");
    fill_branch_reports(*s, 50, 20, now, rng);
    std::vector<double> lat;
    for (int i = 0; i < 50; ++i) {
      const auto t0 = Clock::now();
      auto totals = form4_totals(s->db());
      lat.push_back(ms_since(t0));
      if (totals.branches.size() != 50) std::printf("unexpected branch count\n");
    }
    std::printf("  第4号様式 totals of latest reports, 50 branches x 20 reports: p50 %.2f ms (target <= 5)\n",
                percentile(lat, 50));
  }
  if (!keep)
    for (const char* f : {"bench-src.db", "bench-dst.db", "bench-local.db", "bench-query.db", "bench-reports.db"})
      remove_db(dir + "/" + f);
  return 0;
}

}  // namespace honbu::bench
