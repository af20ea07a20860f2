// Shared by the honbu-bench parts: timing, percentiles, scratch databases.
#pragma once

#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/store.hpp"

namespace honbu::bench {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0);
double percentile(std::vector<double> v, double p);  // p in 0..100
// CPU seconds (user + system) used so far by this process's threads named `name`
// (e.g. "sync:hq"), from /proc/self/task; 0 if there is none.
double thread_cpu_secs(const std::string& name);
void remove_db(const std::string& path);              // the file and its -wal / -shm
std::unique_ptr<Store> fresh_store(const std::string& path, const std::string& node);
// `branches` offices ("b0"...) with `reports` 第N報 each, ten minutes apart up to `now`,
// three quarters of the 第4号様式 items filled in (the rest 未確認).
void fill_branch_reports(Store& s, int branches, int reports, TimeMs now, std::mt19937_64& rng);

// Baseline: raw ZeroMQ DEALER/ROUTER over CURVE on loopback, round trip p50 (µs).
double raw_rtt_p50_us(int n);

// Each part of `honbu-bench`: prints its figures, returns the exit status.
int bench_store(const std::string& dir, double scale, const std::string& only, bool keep);
int bench_sync(const std::string& dir, double scale, const std::string& only);
int bench_ui(const std::string& dir, double scale, const std::string& assets_dir);
int bench_export(const std::string& dir, double scale, const std::string& assets_dir);
int bench_drill(const std::string& dir, const std::string& scenario, int runs);
int bench_ui_startup(const std::string& db, const std::string& dir, const std::string& assets_dir, int expect);

}  // namespace honbu::bench
