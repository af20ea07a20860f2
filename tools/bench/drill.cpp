// honbu-bench drill: a scenario (default: the 首都直下 earthquake) played at maximum speed over
// real honbu-node processes — wall time, injects per second, and each inject's delay from
// its scheduled moment to its arrival at the target node (p50/p99, real time). Baselines in
// the same run: the same data injects written into one local store (raw SQLite path, no
// network) and a raw ZeroMQ round trip on loopback.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "model/drill/apply.hpp"
#include "sync/drill/engine.hpp"
#include "sync/drill/scenario_file.hpp"
#include "tools/bench/common.hpp"

namespace honbu::bench {

namespace {

// The scenario's data injects written one after another into a fresh local store.
double local_injects_per_s(const drill::Scenario& s, const std::string& dir) {
  const std::string path = dir + "/drill-local.db";
  remove_db(path);
  auto store = fresh_store(path, "hq");
  std::vector<drill::InjectWrite> writes;
  for (const drill::Inject& i : s.injects)
    if (auto w = drill::inject_write(s, i, s.start + static_cast<TimeMs>(i.at * 60000))) writes.push_back(*w);
  const auto t0 = Clock::now();
  int n = 0;
  for (int round = 0; round < 20; ++round)  // 20 rounds: long enough to time
    for (drill::InjectWrite w : writes) {
      w.id += "-" + std::to_string(round);
      if (drill::write_inject(*store, w, "bench").ok) ++n;
    }
  const double s_taken = ms_since(t0) / 1000.0;
  store.reset();
  remove_db(path);
  return n / s_taken;
}

}  // namespace

int bench_drill(const std::string& dir, const std::string& scenario_path, int runs) {
  std::filesystem::create_directories(dir);
  const drill::Scenario s = drill::load_scenario(scenario_path);
  std::printf("honbu-bench drill: %s (%zu injects, %s, %zu nodes), %d run(s) at maximum speed\n", s.name.c_str(),
              s.injects.size(), drill::format_offset(s.duration).c_str(), s.nodes.size(), runs);
  const double rtt_us = raw_rtt_p50_us(2000);
  const double local = local_injects_per_s(s, dir);
  std::printf("  baselines: raw ZeroMQ round trip p50 %.0f us; the same injects into one local store %.0f injects/s\n", rtt_us,
              local);
  std::vector<double> all_arrivals;
  for (int r = 0; r < runs; ++r) {
    drill::EngineOptions o;
    o.drill_dir = dir + "/drill-run";
    std::filesystem::remove_all(o.drill_dir);
    o.speed = 0;
    o.seed = s.seed;
    drill::DrillEngine engine(s, o);
    const auto t0 = Clock::now();
    engine.start();
    const double startup_ms = ms_since(t0);
    const auto t1 = Clock::now();
    if (!engine.wait_finished(std::chrono::minutes(10))) {
      std::fprintf(stderr, "honbu-bench: the drill did not finish in 10 minutes\n");
      return 1;
    }
    const double play_s = ms_since(t1) / 1000.0;
    const drill::EngineStatus st = engine.status();
    engine.stop();
    int delivered = 0;
    for (const drill::InjectState& i : st.injects) delivered += i.delivered;
    std::vector<double> a = engine.arrival_ms();
    all_arrivals.insert(all_arrivals.end(), a.begin(), a.end());
    const double rate = delivered / play_s;
    std::printf("  run %d: nodes up in %.0f ms; %d/%zu injects played in %.1f s wall (%.1f simulated hours) = %.1f injects/s"
                " (%.4f of the local store); arrival p50 %.1f ms p99 %.1f ms (%zu measured; p50 = %.0f raw round trips)\n",
                r + 1, startup_ms, delivered, st.injects.size(), play_s, s.duration / 60.0, rate, rate / local,
                percentile(a, 50), percentile(a, 99), a.size(), percentile(a, 50) * 1000.0 / rtt_us);
    if (!st.last_error.empty()) std::printf("  problem: %s\n", st.last_error.c_str());
  }
  if (runs > 1)
    std::printf("  all runs: arrival p50 %.1f ms p99 %.1f ms (%zu)\n", percentile(all_arrivals, 50),
                percentile(all_arrivals, 99), all_arrivals.size());
  return 0;
}

}  // namespace honbu::bench
