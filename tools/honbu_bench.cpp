
// honbu-bench: measured figures, each as a ratio to a baseline taken in the same run
// (the machine is shared and absolute times drift).
//   honbu-bench store [--scale F] [--dir D]
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "model/queries.hpp"
#include "sync/agent.hpp"
#include "sync/node.hpp"
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <zmq.hpp>
#include "model/store.hpp"

using namespace honbu;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void remove_db(const std::string& path) {
  std::error_code ec;
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s, ec);
}

std::unique_ptr<Store> fresh_store(const std::string& path, const std::string& node) {
  remove_db(path);
  StoreOptions o;
  o.path = path;
  o.node_id = node;
  o.dataset = "ACTUAL";
  return Store::open(o);
}

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
    s->batch([&] {
      for (int b = 0; b < 50; ++b) {
        const std::string branch = "b" + std::to_string(b);
        s->put(EntityKind::Branch, branch, {{"name", "支所" + std::to_string(b)}, {"branch_kind", "branch"}}, "bench");
        for (int r = 1; r <= 20; ++r) {
          Fields f{{"branch_id", branch}, {"report_no", std::int64_t{r}}, {"as_of", format_iso_jst(now - (20 - r) * 600'000)},
                   {"report_type", "preliminary"}, {"reporter", "bench"}};
          for (const Form4Field& ff : form4_fields())
            if (rng() % 4) f[std::string(ff.key)] = ff.hectares ? Value{1.5} : Value{static_cast<std::int64_t>(rng() % 50)};
          s->put(EntityKind::BranchReport, branch_report_id(branch, r), f, "bench");
        }
      }
    });
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

// [SECTION] honbu-bench sync

struct CurvePair {
  std::string pub, sec;  // binary, 32 bytes each
};
CurvePair curve_pair() {
  char pub[41], sec[41];
  zmq_curve_keypair(pub, sec);
  CurvePair p{std::string(32, '\0'), std::string(32, '\0')};
  zmq_z85_decode(reinterpret_cast<std::uint8_t*>(p.pub.data()), pub);
  zmq_z85_decode(reinterpret_cast<std::uint8_t*>(p.sec.data()), sec);
  return p;
}

// Raw ZeroMQ over CURVE on loopback: a DEALER talking to a ROUTER, no Honbu code.
struct RawPair {
  zmq::context_t ctx;
  zmq::socket_t router{ctx, zmq::socket_type::router}, dealer{ctx, zmq::socket_type::dealer};
  RawPair() {
    const CurvePair server = curve_pair(), client = curve_pair();
    router.set(zmq::sockopt::curve_server, 1);
    router.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(server.sec.data(), 32));
    router.set(zmq::sockopt::linger, 0);
    router.bind("tcp://127.0.0.1:*");
    dealer.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server.pub.data(), 32));
    dealer.set(zmq::sockopt::curve_publickey, zmq::const_buffer(client.pub.data(), 32));
    dealer.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(client.sec.data(), 32));
    dealer.set(zmq::sockopt::linger, 0);
    dealer.connect(router.get(zmq::sockopt::last_endpoint));
  }
};

double raw_rtt_p50_us(int n) {
  RawPair p;
  std::vector<double> lat;
  const std::string payload(100, 'x');
  for (int i = 0; i < n + 50; ++i) {
    const auto t0 = Clock::now();
    p.dealer.send(zmq::buffer(payload));
    zmq::message_t id, msg;
    (void)p.router.recv(id);
    (void)p.router.recv(msg);
    p.router.send(id, zmq::send_flags::sndmore);
    p.router.send(msg, zmq::send_flags::none);
    zmq::message_t back;
    (void)p.dealer.recv(back);
    if (i >= 50) lat.push_back(ms_since(t0) * 1000.0);  // the first ones include the handshake
  }
  return percentile(lat, 50);
}

double raw_throughput(int n) {
  RawPair p;
  const std::string payload(200, 'x');
  // Warm up the connection (CURVE handshake) first.
  p.dealer.send(zmq::buffer(payload));
  zmq::message_t id0, m0;
  (void)p.router.recv(id0);
  (void)p.router.recv(m0);
  std::thread sender([&] {
    for (int i = 0; i < n; ++i) p.dealer.send(zmq::buffer(payload));
  });
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    zmq::message_t id, m;
    (void)p.router.recv(id);
    (void)p.router.recv(m);
  }
  const double secs = ms_since(t0) / 1000.0;
  sender.join();
  return n / secs;
}

// Honbu nodes in this process, on 127.0.0.1, all on one allow-list.
class BenchCluster {
 public:
  explicit BenchCluster(std::string dir) : dir_(std::move(dir)) { std::filesystem::create_directories(dir_); }
  void add(const std::string& id, sync::Role role) {
    keys_[id] = sync::generate_keys(id);
    sync::AllowEntry e;
    e.node_id = id;
    e.role = role;
    e.branch_id = role == sync::Role::Branch ? id : "";
    e.keys = keys_[id].public_keys();
    allow_.upsert(e);
    roles_[id] = role;
  }
  sync::Agent& start(const std::string& id, bool listen, const std::vector<std::string>& peers) {
    const std::string path = dir_ + "/" + id + ".db";
    remove_db(path);
    StoreOptions so;
    so.path = path;
    so.node_id = id;
    so.dataset = "ACTUAL";
    const sync::NodeKeys k = keys_[id];
    sync::sign_ops_with(so, k);
    sync::AgentConfig ac;
    ac.keys = k;
    ac.allow = allow_;
    ac.role = roles_[id];
    ac.listen = listen ? "tcp://127.0.0.1:*" : "";
    for (const auto& p : peers) ac.peers.push_back({p, endpoints_.at(p)});
    agents_[id] = sync::Agent::start(Store::open(so), std::move(ac));
    if (listen) endpoints_[id] = agents_[id]->listen_endpoint();
    return *agents_[id];
  }
  sync::Agent& agent(const std::string& id) { return *agents_.at(id); }
  void stop_all() {
    agents_.clear();
    for (const auto& [id, k] : keys_) remove_db(dir_ + "/" + id + ".db");
  }
  ~BenchCluster() { stop_all(); }

 private:
  std::string dir_;
  std::map<std::string, sync::NodeKeys> keys_;
  std::map<std::string, sync::Role> roles_;
  std::map<std::string, std::string> endpoints_;
  std::map<std::string, std::unique_ptr<sync::Agent>> agents_;
  sync::AllowList allow_;
};

Fields chronology_fields(Store& s, int i) {
  return {{"number", static_cast<std::int64_t>(i + 1)}, {"node_label", s.node_id()}, {"at", format_iso_jst(s.now())},
          {"content", "消防本部より倒壊家屋の救助完了の連絡 " + std::to_string(i)}, {"state", "pending"}};
}

bool wait_until(const std::function<bool()>& pred, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

int bench_sync(const std::string& dir, double scale, const std::string& only) {
  auto want = [&](const char* part) { return only.empty() || only == part; };
  auto n_of = [&](int n) { return std::max(1, static_cast<int>(n * scale)); };
  std::printf("honbu-bench sync (scale %.2f, dir %s)\n", scale, dir.c_str());

  // [1] baselines measured now
  const double rtt = raw_rtt_p50_us(n_of(2000));
  const double tput = raw_throughput(n_of(200000));
  std::printf("  raw ZeroMQ DEALER/ROUTER + CURVE, loopback: round trip p50 %.0f us; throughput %.0f msgs/s (200 B)\n",
              rtt, tput);
  double apply_rate = 0;
  {
    std::filesystem::create_directories(dir);
    auto src = fresh_store(dir + "/sync-src.db", "src");
    src->batch([&] {
      for (int i = 0; i < n_of(20000); ++i) src->put(EntityKind::Chronology, src->new_id(), chronology_fields(*src, i), "b");
    });
    auto ops = src->ops_missing_for({}, static_cast<size_t>(n_of(20000)));
    auto dst = fresh_store(dir + "/sync-dst.db", "dst");
    const auto t0 = Clock::now();
    for (size_t i = 0; i < ops.size(); i += 1000)
      dst->apply_remote(std::span<const Op>(ops.data() + i, std::min<size_t>(1000, ops.size() - i)));
    apply_rate = static_cast<double>(ops.size()) / (ms_since(t0) / 1000.0);
    remove_db(dir + "/sync-src.db");
    remove_db(dir + "/sync-dst.db");
    std::printf("  store batched remote apply (baseline for catch-up): %.0f ops/s\n", apply_rate);
  }

  // [2] end-to-end: committed at a branch -> committed at HQ
  if (want("latency")) {
    BenchCluster c(dir + "/latency");
    c.add("hq", sync::Role::Hq);
    c.add("kita", sync::Role::Branch);
    sync::Agent& hq = c.start("hq", true, {});
    sync::Agent& kita = c.start("kita", false, {"hq"});
    std::mutex mu;
    std::condition_variable cv;
    std::int64_t hq_version = 0;
    hq.set_wake([&] {
      std::lock_guard lock(mu);
      cv.notify_all();
    });
    wait_until([&] { return !hq.status().peers.empty() && hq.status().peers[0].state == sync::PeerState::Live; },
               std::chrono::seconds(10));
    std::vector<double> lat;
    for (int i = 0; i < n_of(500); ++i) {
      hq.take_events();
      const auto t0 = Clock::now();
      kita.run([&](Store& s) { return s.put(EntityKind::Chronology, s.new_id(), chronology_fields(s, i), "b").ok; }).get();
      std::unique_lock lock(mu);
      bool got = false;
      while (!got && Clock::now() - t0 < std::chrono::seconds(5)) {
        lock.unlock();
        for (const auto& e : hq.take_events()) got = got || e.kind == sync::Event::Kind::OpsApplied;
        lock.lock();
        if (!got) cv.wait_for(lock, std::chrono::milliseconds(2));
      }
      if (got) lat.push_back(ms_since(t0));
      (void)hq_version;
    }
    std::printf("  end-to-end, branch commit -> HQ commit (CURVE, loopback): p50 %.2f ms, p99 %.2f ms (targets 5 / 50); "
                "%.1fx the raw round trip\n",
                percentile(lat, 50), percentile(lat, 99), percentile(lat, 50) * 1000.0 / rtt);
  }

  // [3] catch-up after a partition: 20 branches x 5,000 ops
  if (want("catchup")) {
    BenchCluster c(dir + "/catchup");
    const int branches = n_of(20), per = n_of(5000);
    c.add("hq", sync::Role::Hq);
    for (int b = 0; b < branches; ++b) c.add("b" + std::to_string(b), sync::Role::Branch);
    sync::Agent& hq = c.start("hq", true, {});
    for (int b = 0; b < branches; ++b) {
      sync::Agent& a = c.start("b" + std::to_string(b), false, {"hq"});
      a.partition("hq", std::nullopt);
    }
    for (int b = 0; b < branches; ++b)
      c.agent("b" + std::to_string(b)).run([&](Store& s) {
        s.batch([&] {
          for (int i = 0; i < per; ++i) s.put(EntityKind::Chronology, s.new_id(), chronology_fields(s, i), "b");
        });
        return 0;
      }).get();
    const std::uint64_t total = static_cast<std::uint64_t>(branches) * per;
    const auto t0 = Clock::now();
    for (int b = 0; b < branches; ++b) c.agent("b" + std::to_string(b)).heal("hq");
    auto held = [](sync::Agent& a) {
      std::uint64_t n = 0;
      for (const auto& [o, seq] : a.status().vector) n += seq;
      return n;
    };
    const bool hq_done = wait_until([&] { return held(hq) >= total; }, std::chrono::seconds(120));
    const double hq_secs = ms_since(t0) / 1000.0;
    const bool all_done = wait_until([&] {
      for (int b = 0; b < branches; ++b)
        if (held(c.agent("b" + std::to_string(b))) < total) return false;
      return true;
    }, std::chrono::seconds(300));
    const double all_secs = ms_since(t0) / 1000.0;
    std::printf("  catch-up, %d branches x %d ops cut off, then healed:\n", branches, per);
    std::printf("    HQ holds all %llu ops after %.2f s%s: %.0f ops/s, ratio %.2f to the store's apply rate (target 0.5)\n",
                static_cast<unsigned long long>(total), hq_secs, hq_done ? "" : " (NOT REACHED)", total / hq_secs,
                total / hq_secs / apply_rate);
    std::printf("    every node holds all ops after %.2f s%s (%llu ops applied across all nodes; target 5 s)\n", all_secs,
                all_done ? "" : " (NOT REACHED)",
                static_cast<unsigned long long>(total) * static_cast<unsigned long long>(branches));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"honbu-bench: performance figures as ratios to same-run baselines"};
  app.require_subcommand(1);
  auto* store = app.add_subcommand("store", "op log apply, local commits, console queries");
  double scale = 1.0;
  std::string dir = (std::filesystem::temp_directory_path() / "honbu-bench").string();
  store->add_option("--scale", scale, "fraction of the full sizes (for a quick smoke run)");
  std::string only;
  bool keep = false;
  store->add_flag("--keep", keep, "keep the scratch databases (to inspect them with sqlite3)");
  store->add_option("--only", only, "run one part: apply, local, query or reports")
      ->check(CLI::IsMember({"apply", "local", "query", "reports"}));
  store->add_option("--dir", dir, "scratch directory (default: $TMPDIR/honbu-bench)");
  auto* sync_cmd = app.add_subcommand("sync", "ZeroMQ baselines, end-to-end latency, catch-up");
  double sync_scale = 1.0;
  std::string sync_only;
  sync_cmd->add_option("--scale", sync_scale, "fraction of the full sizes");
  sync_cmd->add_option("--only", sync_only, "latency or catchup")->check(CLI::IsMember({"latency", "catchup"}));
  sync_cmd->add_option("--dir", dir, "scratch directory");
  CLI11_PARSE(app, argc, argv);
  try {
    if (*store) return bench_store(dir, scale, only, keep);
    if (*sync_cmd) return bench_sync(dir, sync_scale, sync_only);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "honbu-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
