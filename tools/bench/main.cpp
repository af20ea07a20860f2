// honbu-bench: measured figures, each as a ratio to a baseline taken in the same run
// (the machine is shared and absolute times drift). See docs/benchmarks.md.
//   honbu-bench store [--scale F] [--only PART] [--dir D]
//   honbu-bench sync  [--scale F] [--only PART] [--dir D]
//   honbu-bench ui    [--scale F] [--dir D]
//   honbu-bench drill [--scenario FILE] [--runs N] [--dir D]
//   honbu-bench export [--scale F] [--dir D]
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "model/paths.hpp"
#include "tools/bench/common.hpp"
#include "tools/cli.hpp"

using namespace honbu::bench;

int main(int argc, char** argv) {
  honbu::keep_files_private();
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
  sync_cmd->add_option("--only", sync_only, "latency, catchup or scale")->check(CLI::IsMember({"latency", "catchup", "scale"}));
  sync_cmd->add_option("--dir", dir, "scratch directory");
  auto* ui_cmd = app.add_subcommand("ui", "console frame times, remote op -> screen, start-up, memory");
  double ui_scale = 1.0;
  std::string assets = std::string(HONBU_SOURCE_DIR) + "/assets";
  ui_cmd->add_option("--scale", ui_scale, "fraction of the full sizes");
  ui_cmd->add_option("--dir", dir, "scratch directory (the big database is kept there for the next run)");
  ui_cmd->add_option("--assets", assets, "assets directory (string tables)");
  std::string startup_db;
  int expect = 0;
  ui_cmd->add_option("--startup", startup_db, "(internal) measure start-up over this database in this process");
  ui_cmd->add_option("--expect", expect, "(internal) incidents the list must show");
  auto* drill_cmd = app.add_subcommand("drill", "a drill scenario at maximum speed: wall time, injects/s, arrival delay");
  std::string scenario = std::string(HONBU_SOURCE_DIR) + "/scenarios/shutochoka.yaml";
  int runs = 3;
  drill_cmd->add_option("--scenario", scenario, "scenario file (default: the 首都直下 earthquake)");
  drill_cmd->add_option("--runs", runs, "how many times to play it")->check(CLI::Range(1, 20));
  drill_cmd->add_option("--dir", dir, "scratch directory");
  auto* export_cmd = app.add_subcommand("export", "第4号様式, CSV, GeoJSON, CAP: the time behind each button of 発信・出力");
  double export_scale = 1.0;
  export_cmd->add_option("--scale", export_scale, "fraction of the 100,000 incidents");
  export_cmd->add_option("--dir", dir, "scratch directory");
  if (auto exit_status = honbu::parse_command_line(app, argc, argv)) return *exit_status;
  try {
    if (*store) return bench_store(dir, scale, only, keep);
    if (*sync_cmd) return bench_sync(dir, sync_scale, sync_only);
    if (*drill_cmd) return bench_drill(dir, scenario, runs);
    if (*export_cmd) return bench_export(dir, export_scale, std::string(HONBU_SOURCE_DIR) + "/assets");
    if (*ui_cmd) return startup_db.empty() ? bench_ui(dir, ui_scale, assets) : bench_ui_startup(startup_db, dir, assets, expect);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "honbu-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
