// honbu-demo: the headless demo behind `tools/honbu run` (until the console exists).
// Creates three node databases (HQ and two branch offices) of a fictional city's
// earthquake, lets each record its own data, syncs them through the op log, checks that
// they converged, and prints HQ's situation summary in Japanese or English.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "model/demo.hpp"
#include "model/errors.hpp"
#include "model/paths.hpp"
#include "model/queries.hpp"
#include "model/store.hpp"
#include "model/summary.hpp"

using namespace honbu;

namespace {

// Pull-based anti-entropy between two stores, as the sync agent will do over ZeroMQ.
std::size_t sync_pair(Store& from, Store& to) {
  std::size_t moved = 0;
  for (;;) {
    auto ops = from.ops_missing_for(to.version_vector(), 1000);
    const std::size_t applied = ops.empty() ? 0 : to.apply_remote(ops).applied;
    if (applied == 0) return moved;  // nothing new (also when `from` has a gap of its own)
    moved += applied;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Honbu demo: a small earthquake in a fictional city, on three nodes"};
  std::string data_dir = default_data_dir();
  std::string lang_name;
  std::uint64_t seed = 20261122;
  app.add_option("--data-dir", data_dir, "where node databases live (default: $HONBU_DATA_DIR or ~/.local/share/honbu)");
  app.add_option("--lang", lang_name, "ja or en (default: from $LANG)")->check(CLI::IsMember({"ja", "en"}));
  app.add_option("--seed", seed, "random seed for the demo data");
  CLI11_PARSE(app, argc, argv);
  const Lang lang = lang_name.empty() ? lang_from_locale(std::getenv("LANG"))
                                      : (lang_name == "ja" ? Lang::Ja : Lang::En);
  const bool ja = lang == Lang::Ja;

  try {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(data_dir) / "demo";
    fs::create_directories(dir);
    // The demo folder holds only demo data (dataset EXERCISE:demo): start it afresh.
    for (const DemoNode& n : demo_nodes())
      for (const char* suffix : {".db", ".db-wal", ".db-shm"}) fs::remove(dir / (n.node_id + suffix));

    const TimeMs now = wall_now_ms();
    std::vector<std::unique_ptr<Store>> stores;
    for (const DemoNode& n : demo_nodes()) {
      StoreOptions o;
      o.path = (dir / (n.node_id + ".db")).string();
      o.node_id = n.node_id;
      o.dataset = kDemoDataset;
      stores.push_back(Store::open(o));
    }
    std::printf(ja ? "デモ: %zu ノードのデータベースを作成 (%s)\n" : "Demo: created %zu node databases in %s\n",
                stores.size(), dir.c_str());
    fill_demo_master_data(*stores[0], now);
    for (size_t i = 0; i < stores.size(); ++i) fill_demo_node(*stores[i], demo_nodes()[i], now, seed);

    // Everyone exchanges with everyone until nothing moves (two rounds suffice for a mesh).
    std::size_t moved = 0;
    for (int round = 0; round < 2; ++round)
      for (auto& a : stores)
        for (auto& b : stores)
          if (a != b) moved += sync_pair(*a, *b);
    std::printf(ja ? "同期: %zu 件の操作(op)を交換\n" : "Sync: exchanged %zu ops\n", moved);
    bool converged = true;
    const std::string hash = state_hash(stores[0]->db());
    for (auto& s : stores) {
      const std::string h = state_hash(s->db());
      std::printf("  %-8s %s %s\n", s->node_id().c_str(), h.c_str(),
                  h == hash ? (ja ? "一致" : "match") : (ja ? "不一致!" : "DIFFERS!"));
      converged = converged && h == hash;
    }
    std::printf("\n%s", situation_summary(stores[0]->db(), lang, now).c_str());
    if (!converged) {
      std::fprintf(stderr, ja ? "エラー: ノードの状態が一致しません\n" : "error: nodes did not converge\n");
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "honbu-demo: %s\n", e.what());
    return 1;
  }
}
