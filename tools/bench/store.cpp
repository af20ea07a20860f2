// honbu-bench store: op-log apply against raw SQLite, local commits, the console's queries.
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <stdexcept>

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

// The SQL the store runs to apply `ops` — its schema, pragmas and statements, in batches of
// 1,000 — with none of Honbu's code in the timed loop: every value to bind is prepared
// before the clock starts (no validation, merging, clocks or JSON). What apply could reach
// with this schema if our own code cost nothing: the floor under the ratio.
// *commit_share receives the part of its time spent in COMMIT (WAL frames and fsync).
double statements_only_rate(const std::string& path, const std::vector<Op>& ops, double* commit_share) {
  auto store = fresh_store(path, "dst");
  sqlite3* db = store->db().raw();
  struct Planned {
    sqlite3_stmt* typed = nullptr;   // INSERT of a new row, or UPDATE of the op's columns
    sqlite3_stmt* select = nullptr;  // read before an UPDATE (as the store merges)
    std::vector<Value> values;       // for `typed`, in order, then the row's id
    std::string fields_json, base_json, clocks;
  };
  std::map<std::string, sqlite3_stmt*> prepared;
  auto prepare = [&](const std::string& sql) {
    auto [it, fresh] = prepared.try_emplace(sql, nullptr);
    if (fresh && sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &it->second, nullptr) != SQLITE_OK)
      throw std::runtime_error(sqlite3_errmsg(db));
    return it->second;
  };
  sqlite3_stmt* ins_op = prepare(
      "INSERT OR IGNORE INTO ops(origin, seq, hlc, dataset, kind, entity_id, op_type, fields, base, operator, "
      "schema_version, state, note, received_at, sig, prev) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  sqlite3_stmt* origins = prepare(
      "INSERT INTO origins(origin, contiguous, max_seq) VALUES(?, ?, ?) ON CONFLICT(origin) DO UPDATE SET "
      "contiguous = excluded.contiguous, max_seq = excluded.max_seq");
  sqlite3_stmt* meta = prepare("INSERT OR REPLACE INTO meta(key, value) VALUES('hlc', ?)");
  std::vector<Planned> plan(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    const EntitySpec& sp = spec(op.kind);
    Planned& p = plan[i];
    p.fields_json = encode_fields(op.fields);
    if (!op.base.empty()) p.base_json = encode_base(op.base);
    // A clock per group of fields, the size the store writes.
    p.clocks = std::to_string(op.hlc.packed) + "@" + op.origin + ":";
    for (const auto& [name, v] : op.fields) p.clocks += name + ",";
    std::string cols, params, sets;
    for (const FieldSpec& f : sp.fields) {
      auto it = op.fields.find(f.name);
      if (op.base.empty()) {
        cols += std::string(f.name) + ", ";
        params += "?, ";
        p.values.push_back(it == op.fields.end() ? Value{} : it->second);
      } else if (it != op.fields.end()) {
        sets += std::string(f.name) + " = ?, ";
        p.values.push_back(it->second);
      }
    }
    const std::string table(sp.table);
    if (op.base.empty()) {
      p.typed = prepare("INSERT OR IGNORE INTO " + table + "(" + cols + "_clk, _deleted, _hlc, id) VALUES(" + params +
                        "?, ?, ?, ?)");
    } else {
      p.select = prepare("SELECT rowid, _clk, _deleted, _hlc FROM " + table + " WHERE id = ?");
      p.typed = prepare("UPDATE OR IGNORE " + table + " SET " + sets + "_clk = ?, _deleted = ?, _hlc = ? WHERE id = ?");
    }
  }
  auto bind_value = [](sqlite3_stmt* st, int k, const Value& v) {
    if (const auto* t = std::get_if<std::string>(&v))
      sqlite3_bind_text(st, k, t->data(), static_cast<int>(t->size()), SQLITE_STATIC);
    else if (const auto* n = std::get_if<std::int64_t>(&v))
      sqlite3_bind_int64(st, k, *n);
    else if (const auto* d = std::get_if<double>(&v))
      sqlite3_bind_double(st, k, *d);
    else
      sqlite3_bind_null(st, k);
  };
  auto text = [](sqlite3_stmt* st, int k, std::string_view t) {
    sqlite3_bind_text(st, k, t.data(), static_cast<int>(t.size()), SQLITE_STATIC);
  };
  auto step = [](sqlite3_stmt* st) {
    while (sqlite3_step(st) == SQLITE_ROW) {
    }
    sqlite3_reset(st);
  };
  double commit_ms = 0;
  const auto t0 = Clock::now();
  for (size_t b = 0; b < ops.size(); b += 1000) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (size_t i = b; i < std::min(ops.size(), b + 1000); ++i) {
      const Op& op = ops[i];
      const Planned& p = plan[i];
      text(ins_op, 1, op.origin);
      sqlite3_bind_int64(ins_op, 2, static_cast<sqlite3_int64>(op.seq));
      sqlite3_bind_int64(ins_op, 3, static_cast<sqlite3_int64>(op.hlc.packed));
      text(ins_op, 4, op.dataset);
      text(ins_op, 5, spec(op.kind).name);
      text(ins_op, 6, op.entity_id);
      text(ins_op, 7, op_type_name(op.type));
      text(ins_op, 8, p.fields_json);
      if (p.base_json.empty()) sqlite3_bind_null(ins_op, 9); else text(ins_op, 9, p.base_json);
      text(ins_op, 10, op.operator_name);
      sqlite3_bind_int64(ins_op, 11, op.schema_version);
      sqlite3_bind_int64(ins_op, 12, 0);
      sqlite3_bind_null(ins_op, 13);
      sqlite3_bind_int64(ins_op, 14, static_cast<sqlite3_int64>(op.hlc.packed >> 16));
      sqlite3_bind_null(ins_op, 15);
      sqlite3_bind_null(ins_op, 16);
      step(ins_op);
      if (p.select) {
        text(p.select, 1, op.entity_id);
        step(p.select);
      }
      int k = 1;
      for (const Value& v : p.values) bind_value(p.typed, k++, v);
      text(p.typed, k++, p.clocks);
      sqlite3_bind_int64(p.typed, k++, 0);
      sqlite3_bind_int64(p.typed, k++, static_cast<sqlite3_int64>(op.hlc.packed));
      text(p.typed, k, op.entity_id);
      step(p.typed);
    }
    text(origins, 1, ops[b].origin);
    sqlite3_bind_int64(origins, 2, static_cast<sqlite3_int64>(b + 1000));
    sqlite3_bind_int64(origins, 3, static_cast<sqlite3_int64>(b + 1000));
    step(origins);
    const std::string clock = std::to_string(ops[std::min(ops.size(), b + 1000) - 1].hlc.packed);
    text(meta, 1, clock);
    step(meta);
    const auto c0 = Clock::now();
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    commit_ms += ms_since(c0);
  }
  const double total_ms = ms_since(t0);
  const double rate = static_cast<double>(ops.size()) / (total_ms / 1000.0);
  *commit_share = commit_ms / total_ms;
  for (auto& [sql, st] : prepared) sqlite3_finalize(st);
  store.reset();
  remove_db(path);
  return rate;
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
  std::vector<double> floor, commit_share;
  for (int rep = 0; rep < 3; ++rep) {
    double share = 0;
    floor.push_back(statements_only_rate(dir + "/bench-floor.db", ops, &share));
    commit_share.push_back(share);
  }
  const double floor_rate = percentile(floor, 50);
  std::printf("  raw SQLite insert (WAL, FULL, 1 tx, prepared), %zu rows of ~%zu B: %.0f rows/s\n",
              ops.size(), op_bytes / std::max<size_t>(1, ops.size()), raw_rate);
  std::printf("  remote apply, batches of 1,000:  %.0f ops/s   ratio %.2f  (target >= 0.25)\n",
              apply_rate, apply_rate / raw_rate);
  std::printf("    the same SQL with Honbu's code taken out (store schema and statements, values bound ready-made): "
              "%.0f ops/s, ratio %.2f, %.0f%% of it in COMMIT: the floor under the ratio with this schema\n",
              floor_rate, floor_rate / raw_rate, 100.0 * percentile(commit_share, 50));

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
