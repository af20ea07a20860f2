// honbu-demo: the demo behind `tools/honbu run`.
// Starts three real `honbu-node` processes on 127.0.0.1 — HQ and two branch offices of a
// fictional city (みなと市) three hours after an earthquake — with their own keys and
// databases (dataset EXERCISE:demo). It watches them sync, cuts one branch off (link
// control), lets both sides keep writing, heals the link, reports how long convergence
// took, and prints HQ's situation summary in Japanese or English.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "model/db.hpp"
#include "model/demo.hpp"
#include "model/paths.hpp"
#include "model/summary.hpp"
#include "sync/node_process.hpp"
#include "tools/cli.hpp"

using namespace honbu;
using json = nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct DemoProcess {
  std::string node, branch, role, dir;
  sync::NodeProcess process;
};

json status(const DemoProcess& p) {
  const auto s = p.process.ctl({"status"}, 3000);
  try {
    return s ? json::parse(*s) : json();
  } catch (const json::exception&) {
    return json();
  }
}

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return pred();
}

bool converged(const std::vector<DemoProcess>& nodes) {
  std::string hash;
  for (const auto& p : nodes) {
    json s = status(p);
    if (s.is_null()) return false;
    const std::string h = s.value("state_hash", "");
    if (hash.empty()) hash = h;
    if (h.empty() || h != hash) return false;
  }
  return true;
}

void print_peers(const DemoProcess& p, bool ja) {
  json s = status(p);
  if (s.is_null()) return;
  std::string line = "  " + p.node + ": ";
  for (const auto& peer : s["peers"]) {
    line += peer.value("node", "") + " " + peer.value("state", "");
    if (peer.value("partitioned", false)) line += ja ? "(切断中)" : " (cut)";
    const auto lag = peer.value("they_lack", 0ULL);
    if (lag) line += ja ? " 未送信" + std::to_string(lag) + "件" : " lag " + std::to_string(lag);
    line += "  ";
  }
  line += ja ? "操作数 " : "ops ";
  line += std::to_string(s.value("data_version", 0LL));
  std::printf("%s\n", line.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  honbu::keep_files_private();
  CLI::App app{"Honbu demo: HQ and two branch offices as real nodes, a partition and a heal"};
  std::string data_dir = default_data_dir();
  std::string lang_name;
  int cut_seconds = 6;
  app.add_option("--data-dir", data_dir, "where node data lives (default: $HONBU_DATA_DIR or ~/.local/share/honbu)");
  app.add_option("--lang", lang_name, "ja or en (default: from $LANG)")->check(CLI::IsMember({"ja", "en"}));
  app.add_option("--cut-seconds", cut_seconds, "how long the branch is cut off")->check(CLI::Range(2, 120));
  if (auto exit_status = parse_command_line(app, argc, argv)) return *exit_status;
  const Lang lang = lang_name.empty() ? lang_from_environment() : (lang_name == "ja" ? Lang::Ja : Lang::En);
  const bool ja = lang == Lang::Ja;

  std::vector<DemoProcess> nodes;
  auto stop_all = [&] {
    for (auto& p : nodes) p.process.stop();
  };
  try {
    const fs::path root = fs::path(data_dir) / "demo";
    // The demo folder holds only demo data (dataset EXERCISE:demo): start it afresh.
    fs::remove_all(root);
    fs::create_directories(root / "keys");
    const sync::Site site = sync::make_site(root.string(), sync::demo_site_nodes());
    for (const char* id : {"hq", "kita", "minami"})
      nodes.push_back({id, id, std::string(id) == "hq" ? "hq" : "branch", (root / id).string(), {}});
    auto spawn = [&](DemoProcess& p, const std::vector<std::string>& extra) {
      std::vector<std::string> args = {"--role", p.role, "--keys", site.key_paths.at(p.node), "--allowlist",
                                       site.allowlist, "--dataset", kDemoDataset, "--demo-branch", p.branch,
                                       "--lost-after-ms", "2000"};
      args.insert(args.end(), extra.begin(), extra.end());
      p.process = sync::NodeProcess(p.dir, args, p.dir + "/node.log");
    };

    std::printf(ja ? "デモ: 本部と2支所を別々のプロセス(honbu-node)として起動します (%s)\n"
                   : "Demo: starting HQ and two branch offices as separate honbu-node processes (%s)\n",
                root.c_str());
    spawn(nodes[0], {"--listen", "tcp://127.0.0.1:*"});
    const std::string hq_endpoint = nodes[0].process.wait_listen_endpoint(15s);
    if (hq_endpoint.empty()) throw Error("HQ node did not start (see " + nodes[0].dir + "/node.log)");
    spawn(nodes[1], {"--peer", "hq@" + hq_endpoint});
    spawn(nodes[2], {"--peer", "hq@" + hq_endpoint});
    std::printf(ja ? "  本部 %s で待受、北部支所・南部支所が接続 (CURVE 暗号化)\n"
                   : "  HQ listens on %s; the north and south branches connect (CURVE encrypted)\n",
                hq_endpoint.c_str());

    if (!wait_for([&] { return converged(nodes); }, 20s)) throw Error("the nodes did not converge (see node.log files)");
    std::printf(ja ? "同期完了: 3ノードの状態ハッシュが一致\n" : "Synced: all three nodes hold the same state\n");
    for (const auto& p : nodes) print_peers(p, ja);

    std::printf(ja ? "\n北部支所を本部から %d 秒間切り離します (リンク制御)。その間も両側で入力を続けます…\n"
                   : "\nCutting the north branch off HQ for %d s (link control); both sides keep writing...\n",
                cut_seconds);
    nodes[1].process.ctl({"partition", "hq", std::to_string(cut_seconds)});
    const auto cut_at = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) {
      nodes[1].process.ctl({"write-demo"});
      nodes[0].process.ctl({"write-demo"});
      std::this_thread::sleep_for(std::chrono::milliseconds(cut_seconds * 250));
    }
    for (const auto& p : nodes) print_peers(p, ja);
    std::this_thread::sleep_until(cut_at + std::chrono::seconds(cut_seconds));
    const auto healed_at = std::chrono::steady_clock::now();
    if (!wait_for([&] { return converged(nodes); }, 30s)) throw Error("the nodes did not converge after the heal");
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - healed_at).count();
    std::printf(ja ? "接続回復から %lld ms で3ノードが再び一致しました\n" : "All three nodes agree again %lld ms after the link returned\n",
                static_cast<long long>(ms));
    for (const auto& p : nodes) print_peers(p, ja);

    {
      Db db(database_path(nodes[0].dir, kDemoDataset), OpenMode::ReadOnly);
      std::printf("\n%s", situation_summary(db, lang, wall_now_ms()).c_str());
    }
    stop_all();
    std::printf(ja ? "\nノードを停止しました。ログ: %s/*/node.log\n" : "\nNodes stopped. Logs: %s/*/node.log\n", root.c_str());
    return 0;
  } catch (const std::exception& e) {
    stop_all();
    std::fprintf(stderr, "honbu-demo: %s\n", e.what());
    return 1;
  }
}
