// honbu-bench sync: ZeroMQ baselines, end-to-end latency, catch-up after a partition, scale.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <sstream>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <zmq.hpp>

#include "sync/agent.hpp"
#include "sync/keys.hpp"
#include "sync/node.hpp"
#include "sync/node_process.hpp"
#include "sync/wire.hpp"
#include "tools/bench/common.hpp"

namespace honbu::bench {

namespace {

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

}  // namespace

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

namespace {

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

// [SECTION] Scale: one HQ process, many branches

// utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15).
double process_cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; in >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) {
      stime = std::stod(field);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Resident memory of a process in MiB (/proc/PID/status VmRSS).
double rss_mib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

// One HQ process and `branches - 1` branch processes (real honbu-node), each branch writing one
// クロノロ entry every period_ms; one more branch runs here and watches the ops arrive: the
// lag from an op's commit at its branch (its HLC time) to its commit here, through HQ.
void bench_scale(const std::string& dir, int branches, int seconds, int period_ms) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  sync::AllowList allow;
  std::map<std::string, sync::NodeKeys> keys;
  auto add = [&](const std::string& id, sync::Role role) {
    keys[id] = sync::generate_keys(id);
    sync::AllowEntry e;
    e.node_id = id;
    e.role = role;
    e.branch_id = role == sync::Role::Branch ? id : "";
    e.keys = keys[id].public_keys();
    allow.upsert(e);
  };
  add("hq", sync::Role::Hq);
  for (int b = 0; b < branches; ++b) add("b" + std::to_string(b), sync::Role::Branch);
  const std::string allowlist = dir + "/allowlist.yaml";
  allow.save(allowlist);
  auto node_args = [&](const std::string& id, const std::string& role) {
    std::filesystem::create_directories(dir + "/" + id);
    sync::save_secret_keys(keys[id], dir + "/" + id + ".key");
    return std::vector<std::string>{"--role", role, "--keys", dir + "/" + id + ".key", "--allowlist", allowlist};
  };
  auto hq_args = node_args("hq", "hq");
  hq_args.insert(hq_args.end(), {"--listen", "tcp://127.0.0.1:*"});
  sync::NodeProcess hq(dir + "/hq", hq_args, dir + "/hq/node.log");
  const std::string endpoint = hq.wait_listen_endpoint(std::chrono::seconds(10));
  if (endpoint.empty()) {
    std::printf("  scale: HQ did not start (see %s/hq/node.log)\n", dir.c_str());
    return;
  }
  std::vector<std::unique_ptr<sync::NodeProcess>> procs;
  for (int b = 0; b + 1 < branches; ++b) {
    const std::string id = "b" + std::to_string(b);
    auto args = node_args(id, "branch");
    args.insert(args.end(), {"--peer", "hq@" + endpoint, "--trickle-ms", std::to_string(period_ms), "--test-writes"});
    procs.push_back(std::make_unique<sync::NodeProcess>(dir + "/" + id, args, dir + "/" + id + "/node.log"));
  }

  // The observer, in this process.
  const std::string observer_id = "b" + std::to_string(branches - 1);
  StoreOptions so;
  so.path = dir + "/" + observer_id + ".db";
  so.node_id = observer_id;
  so.dataset = "ACTUAL";
  sync::sign_ops_with(so, keys[observer_id]);
  sync::AgentConfig ac;
  ac.keys = keys[observer_id];
  ac.allow = allow;
  ac.role = sync::Role::Branch;
  ac.peers.push_back({"hq", endpoint});
  auto observer = sync::Agent::start(Store::open(so), std::move(ac));
  wait_until([&] { return observer->status().vector.size() >= static_cast<size_t>(branches); }, std::chrono::seconds(60));

  std::mutex mu;
  std::vector<double> lag_ms;
  bool measuring = false;
  observer->run([&](Store& s) {
    auto last = std::make_shared<std::int64_t>(s.data_version());
    s.set_commit_listener([&, last, &store = s](std::int64_t version) {
      const TimeMs now = wall_now_ms();
      std::int64_t scanned = *last;
      const std::vector<Op> ops = store.ops_after(*last, 100000, &scanned, true);
      *last = std::max(scanned, version);
      std::lock_guard lock(mu);
      if (!measuring) return;
      for (const Op& op : ops)
        if (op.origin != observer_id) lag_ms.push_back(static_cast<double>(now - static_cast<TimeMs>(op.hlc.ms())));
    });
    return 0;
  }).get();

  std::vector<pid_t> pids;
  for (auto& p : procs) pids.push_back(p->pid());
  auto cpu_of = [&](const std::vector<pid_t>& v) {
    double t = 0;
    for (pid_t p : v) t += process_cpu_seconds(p);
    return t;
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(period_ms));  // every branch has written once
  const double hq_cpu0 = process_cpu_seconds(hq.pid()), branches_cpu0 = cpu_of(pids);
  {
    std::lock_guard lock(mu);
    measuring = true;
  }
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  std::vector<double> lags;
  {
    std::lock_guard lock(mu);
    measuring = false;
    lags = lag_ms;
  }
  const double wall = ms_since(t0) / 1000.0;
  const double hq_cpu = process_cpu_seconds(hq.pid()) - hq_cpu0, branches_cpu = cpu_of(pids) - branches_cpu0;
  double rss_sum = 0;
  for (pid_t p : pids) rss_sum += rss_mib(p);
  const double hq_rss = rss_mib(hq.pid());
  observer->run([](Store& s) {
    s.set_commit_listener(nullptr);
    return 0;
  }).get();
  observer.reset();
  procs.clear();
  const double rate = static_cast<double>(branches - 1) * 1000.0 / period_ms;
  std::printf("  scale: 1 HQ + %d branch processes (honbu-node) + 1 observing branch, each branch writing every %d ms "
              "(%.0f ops/s into HQ, %.0f/s relayed out), %.0f s:\n",
              branches - 1, period_ms, rate, rate * (branches - 1), wall);
  std::printf("    convergence lag, commit at a branch -> commit at another branch via HQ: p50 %.1f ms, p99 %.1f ms "
              "(%zu ops)\n",
              percentile(lags, 50), percentile(lags, 99), lags.size());
  std::printf("    HQ: CPU %.1f%% of one core, resident memory %.1f MiB; branch nodes: %.1f MiB each, CPU %.2f%% of "
              "one core each\n",
              100.0 * hq_cpu / wall, hq_rss, rss_sum / static_cast<double>(pids.size()),
              100.0 * branches_cpu / wall / static_cast<double>(pids.size()));
  if (!std::getenv("HONBU_BENCH_KEEP")) std::filesystem::remove_all(dir);
}

// The store's batched remote apply of n クロノロ ops (the catch-up baseline), in ops/s.
// With `explain`, also prints what else a received op costs: decoding its OPS chunk and the
// chain check (the digest of its signed bytes; one Ed25519 check per chunk on top).
double measure_apply_rate(const std::string& dir, int n_ops, bool explain) {
  auto src = fresh_store(dir + "/sync-src.db", "src");
  src->batch([&] {
    for (int i = 0; i < n_ops; ++i) src->put(EntityKind::Chronology, src->new_id(), chronology_fields(*src, i), "b");
  });
  auto ops = src->ops_missing_for({}, static_cast<size_t>(n_ops));
  auto dst = fresh_store(dir + "/sync-dst.db", "dst");
  const auto t0 = Clock::now();
  for (size_t i = 0; i < ops.size(); i += 1000)
    dst->apply_remote(std::span<const Op>(ops.data() + i, std::min<size_t>(1000, ops.size() - i)));
  const double apply_ms = ms_since(t0);
  const double n = static_cast<double>(ops.size());
  const double rate = n / (apply_ms / 1000.0);
  dst.reset();
  src.reset();
  remove_db(dir + "/sync-src.db");
  remove_db(dir + "/sync-dst.db");
  if (!explain) return rate;
  std::vector<sync::Frames> chunks;
  for (size_t i = 0; i < ops.size(); i += 500) {
    sync::OpsMsg m{i / 500 + 1, "ACTUAL", {}};
    m.ops.assign(ops.begin() + static_cast<std::ptrdiff_t>(i),
                 ops.begin() + static_cast<std::ptrdiff_t>(std::min(ops.size(), i + 500)));
    chunks.push_back(sync::encode(sync::Message{m}));
  }
  auto t1 = Clock::now();
  std::size_t decoded = 0;
  for (const sync::Frames& f : chunks) decoded += std::get<sync::OpsMsg>(sync::decode(f.header, f.body)).ops.size();
  const double decode_ms = ms_since(t1);
  t1 = Clock::now();
  std::size_t digest_bytes = 0;
  for (const Op& op : ops) digest_bytes += sync::op_digest(signing_bytes(op)).size();
  const double chain_ms = ms_since(t1);
  std::printf("    a received op, per op: decode %.1f us, chain check %.1f us, apply %.1f us (%zu ops, %zu digest bytes)\n",
              1000.0 * decode_ms / n, 1000.0 * chain_ms / n, 1000.0 * apply_ms / n, decoded, digest_bytes);
  return rate;
}

}  // namespace

int bench_sync(const std::string& dir, double scale, const std::string& only) {
  auto want = [&](const char* part) { return only.empty() || only == part; };
  auto n_of = [&](int n) { return std::max(1, static_cast<int>(n * scale)); };
  std::printf("honbu-bench sync (scale %.2f, dir %s)\n", scale, dir.c_str());

  // [1] baselines measured now
  const double rtt = raw_rtt_p50_us(n_of(2000));
  const double tput = raw_throughput(n_of(200000));
  std::printf("  raw ZeroMQ DEALER/ROUTER + CURVE, loopback: round trip p50 %.0f us; throughput %.0f msgs/s (200 B)\n",
              rtt, tput);
  std::filesystem::create_directories(dir);
  // The store's apply rate moves by a third from one run to the next on this shared machine:
  // three runs now and three after the catch-up, and the ratio uses the median of the six.
  std::vector<double> apply_runs;
  for (int i = 0; i < 3; ++i) apply_runs.push_back(measure_apply_rate(dir, n_of(20000), i == 0));
  std::printf("  store batched remote apply (baseline for catch-up): median %.0f ops/s (runs %.0f, %.0f, %.0f)\n",
              percentile(apply_runs, 50), apply_runs[0], apply_runs[1], apply_runs[2]);

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
    auto cluster = std::make_unique<BenchCluster>(dir + "/catchup");
    BenchCluster& c = *cluster;
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
    const double hq_cpu0 = thread_cpu_secs("sync:hq"), hq_apply_cpu0 = thread_cpu_secs("apply:hq");
    const auto t0 = Clock::now();
    for (int b = 0; b < branches; ++b) c.agent("b" + std::to_string(b)).heal("hq");
    auto held = [](sync::Agent& a) {
      std::uint64_t n = 0;
      for (const auto& [o, seq] : a.status().vector) n += seq;
      return n;
    };
    const bool hq_done = wait_until([&] { return held(hq) >= total; }, std::chrono::seconds(120));
    const double hq_secs = ms_since(t0) / 1000.0;
    const double hq_cpu = thread_cpu_secs("sync:hq") - hq_cpu0;
    const double hq_apply_cpu = thread_cpu_secs("apply:hq") - hq_apply_cpu0;
    const bool all_done = wait_until([&] {
      for (int b = 0; b < branches; ++b)
        if (held(c.agent("b" + std::to_string(b))) < total) return false;
      return true;
    }, std::chrono::seconds(300));
    const double all_secs = ms_since(t0) / 1000.0;
    // The machine's speed drifts (it is shared): the baseline is measured again now, with the
    // nodes stopped, and the ratio uses the median of all six runs.
    cluster.reset();
    std::filesystem::remove_all(dir + "/catchup");
    std::vector<double> after;
    for (int i = 0; i < 3; ++i) after.push_back(measure_apply_rate(dir, n_of(20000), false));
    std::printf("  store batched remote apply again, nodes stopped: runs %.0f, %.0f, %.0f ops/s\n", after[0], after[1],
                after[2]);
    apply_runs.insert(apply_runs.end(), after.begin(), after.end());
    const double baseline = percentile(apply_runs, 50);
    std::printf("  catch-up, %d branches x %d ops cut off, then healed (baseline: median of the six apply runs, %.0f ops/s):\n",
                branches, per, baseline);
    std::printf("    HQ holds all %llu ops after %.2f s%s: %.0f ops/s, ratio %.2f to the store's apply rate (target 0.5)\n",
                static_cast<unsigned long long>(total), hq_secs, hq_done ? "" : " (NOT REACHED)", total / hq_secs,
                total / hq_secs / baseline);
    std::printf("      (in that time HQ's sync thread had %.2f s of CPU, %.0f%% of one core, and its apply thread "
                "%.2f s, %.0f%%; the %d branch nodes share the machine's 2 cores with them)\n",
                hq_cpu, 100.0 * hq_cpu / hq_secs, hq_apply_cpu, 100.0 * hq_apply_cpu / hq_secs, branches);
    const double applies = static_cast<double>(total) * branches;  // HQ's 100% + each branch's 95%
    std::printf("    every node holds all ops after %.2f s%s (%.0f ops applied across all nodes; target 5 s): "
                "%.0f applies/s in all, ratio %.2f to one store's apply rate\n",
                all_secs, all_done ? "" : " (NOT REACHED)", applies, applies / all_secs, applies / all_secs / baseline);
  }

  // [4] scale: 100 branch nodes syncing with one HQ, each writing a steady trickle
  if (want("scale")) {
    bench_scale(dir + "/scale", n_of(100), std::max(5, n_of(20)), 5000);  // a busy office: every 5 s
    bench_scale(dir + "/scale", n_of(100), std::max(5, n_of(20)), 1000);  // saturation: every second
  }
  return 0;
}

}  // namespace honbu::bench
