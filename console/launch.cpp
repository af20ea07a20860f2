#include "console/launch.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "console/app.hpp"
#include "console/platform.hpp"
#include "console/strings.hpp"
#include "model/demo.hpp"
#include "model/paths.hpp"
#include "sync/node_process.hpp"

namespace honbu::console {

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

// The demo city: this console is HQ; the two branch offices run as honbu-node processes
// that keep sending realistic updates. Dataset EXERCISE:demo, in <data-dir>/demo, fresh
// every time (it only ever holds demo data).
struct DemoCity {
  sync::Site site;
  std::vector<sync::NodeProcess> branches;
};

std::unique_ptr<DemoCity> start_demo(LaunchOptions& o) {
  namespace fs = std::filesystem;
  const std::string root = (fs::path(o.node.data_dir) / "demo").string();
  fs::remove_all(root);
  auto city = std::make_unique<DemoCity>();
  city->site = sync::make_site(root, sync::demo_site_nodes());
  o.node.data_dir = root + "/hq";
  o.node.dataset = kDemoDataset;
  o.node.keys_path = city->site.key_paths.at("hq");
  o.node.allowlist_path = city->site.allowlist;
  o.node.role = "hq";
  o.node.listen = "tcp://127.0.0.1:*";
  o.node.lost_after_ms = 2000;
  return city;
}

void start_demo_branches(DemoCity& city, const std::string& hq_endpoint, int every_ms) {
  for (const char* id : {"kita", "minami"}) {
    const std::string dir = city.site.root + "/" + id;
    city.branches.emplace_back(dir,
                               std::vector<std::string>{"--role", "branch", "--keys", city.site.key_paths.at(id),
                                                        "--allowlist", city.site.allowlist, "--dataset", kDemoDataset,
                                                        "--demo-branch", id, "--demo-every-ms", std::to_string(every_ms),
                                                        "--lost-after-ms", "2000", "--peer", "hq@" + hq_endpoint},
                               dir + "/node.log");
  }
}

AppOptions app_options(const LaunchOptions& o, const sync::NodeHandle& node) {
  AppOptions a;
  a.db_path = node.db_path;
  a.data_dir = o.node.data_dir;
  a.assets_dir = o.assets_dir;
  a.keys_path = o.node.keys_path;
  a.allowlist_path = o.node.allowlist_path;
  sync::role_from_name(o.node.role, a.role);
  const sync::AllowList allow = sync::AllowList::load(o.node.allowlist_path);
  if (const sync::AllowEntry* me = allow.by_node(node.node_id)) {
    a.branch_id = me->branch_id;
    a.areas = me->areas;
  }
  if (a.branch_id.empty()) a.branch_id = node.node_id;
  a.operator_name = o.operator_name;
  if (!o.lang.empty()) a.lang = o.lang == "en" ? Lang::En : Lang::Ja;
  a.only_panel = o.panel;
  a.persist = o.screenshot.empty();  // screenshots: a clean layout, nothing saved
  return a;
}

int run_headless(sync::NodeHandle& node) {
  std::printf("honbu --headless: node %s running (db %s%s). Ctrl+C stops it.\n", node.node_id.c_str(),
              node.db_path.c_str(),
              node.agent->listen_endpoint().empty() ? "" : (", listening on " + node.agent->listen_endpoint()).c_str());
  std::fflush(stdout);
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (const auto& e : node.agent->take_events())
      if (e.kind != sync::Event::Kind::OpsApplied)
        std::printf("[%s] %s\n", std::string(sync::event_kind_name(e.kind)).c_str(), e.message.c_str());
    std::fflush(stdout);
  }
  node.agent->stop();
  std::printf("stopped cleanly\n");
  return 0;
}

}  // namespace

std::string find_assets_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("HONBU_ASSETS_DIR"); env && *env) return env;
#ifdef HONBU_SOURCE_ASSETS
  if (fs::exists(HONBU_SOURCE_ASSETS "/i18n/ja.json")) return HONBU_SOURCE_ASSETS;
#endif
  const fs::path beside = fs::path(sync::program_dir()) / ".." / "share" / "honbu";
  return beside.string();
}

void add_launch_options(CLI::App& app, LaunchOptions& o) {
  o.node.data_dir = default_data_dir();
  app.set_config("--config", "", "read options from a file (TOML/INI: key = value), as honbu-node does");
  app.add_option("--data-dir", o.node.data_dir, "node data directory")->capture_default_str();
  app.add_option("--role", o.node.role, "hq or branch")->check(CLI::IsMember({"hq", "branch", "relay"}));
  app.add_option("--keys", o.node.keys_path, "this node's secret key file (honbu-keys gen)");
  app.add_option("--allowlist", o.node.allowlist_path, "allow-list file");
  app.add_option("--dataset", o.node.dataset, "ACTUAL or EXERCISE:<name>")->capture_default_str();
  app.add_option("--listen", o.node.listen, "endpoint to listen on, e.g. tcp://*:5701");
  app.add_option("--peer", o.node.peers, "peer to connect to, NODE@tcp://host:port (repeatable)");
  app.add_option("--lost-after-ms", o.node.lost_after_ms, "peer silent this long is lost")->capture_default_str();
  app.add_option("--lang", o.lang, "ja or en (default: your last choice, then $LANG)")->check(CLI::IsMember({"ja", "en"}));
  app.add_option("--operator", o.operator_name, "your name, recorded with every change (default: $USER)");
  app.add_flag("--demo", o.demo, "HQ of the demo city, with two branch nodes sending updates (dataset EXERCISE:demo)");
  app.add_option("--demo-every-ms", o.demo_every_ms, "demo: one update per branch every N ms")->capture_default_str();
  app.add_flag("--headless", o.headless, "run the node without a window");
  app.add_option("--screenshot", o.screenshot, "render --frames frames offscreen, write this PNG, exit");
  app.add_option("--panel", o.panel, "with --screenshot: show only this panel (dashboard, incidents, map, ...)");
  app.add_option("--frames", o.frames, "frames to render for --screenshot")->capture_default_str();
  app.add_option("--size", o.width, "window width for --screenshot")->capture_default_str();
}

int launch(LaunchOptions& o) {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  try {
    o.assets_dir = o.assets_dir.empty() ? find_assets_dir() : o.assets_dir;
    strings().load(o.assets_dir);
    if (o.operator_name.empty()) {
      const char* user = std::getenv("USER");
      o.operator_name = user && *user ? user : "operator";
    }
    // No screen: say so before starting anything (no node, no demo processes).
    if (!o.headless && !std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY")) {
      std::fprintf(stderr, "honbu: %s\n", no_display_help().c_str());
      return 3;
    }
    std::unique_ptr<DemoCity> city;
    if (o.demo) city = start_demo(o);
    if (o.node.role.empty() || o.node.keys_path.empty() || o.node.allowlist_path.empty())
      throw Error("give --role, --keys and --allowlist (see honbu-keys), or try the demo: honbu --demo");
    std::filesystem::create_directories(o.node.data_dir);
    sync::NodeHandle node = sync::start_node(o.node);
    if (city) {
      node.agent->run([&](Store& s) {
        fill_demo_master_data(s, s.now());
        fill_demo_node(s, DemoNode{"hq", "hq"}, s.now(), 20261122);
        return 0;
      }).get();
      start_demo_branches(*city, node.agent->listen_endpoint(), o.demo_every_ms);
    }
    if (o.headless) return run_headless(node);

    WindowOptions wo;
    wo.visible = o.screenshot.empty();
    if (!o.screenshot.empty()) {
      wo.width = o.width;
      wo.height = o.width * 9 / 16;
    }
    std::unique_ptr<Platform> platform;
    try {
      platform = std::make_unique<Platform>(wo);
    } catch (const Error& e) {
      std::fprintf(stderr, "honbu: %s\n", e.what());
      return 3;
    }
    std::fprintf(stderr, "honbu: %s\n", platform->font_message().c_str());
    App app(*node.agent, app_options(o, node), &Platform::wake);
    if (!o.screenshot.empty()) {
      platform->request_screenshot(o.screenshot);
      if (city) {
        // The demo branches connect and send their first updates (at most 15 s).
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        while (std::chrono::steady_clock::now() < deadline) {
          int live = 0;
          for (const auto& p : node.agent->status().peers) live += p.state == sync::PeerState::Live;
          if (live >= 2) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      }
      platform->run([&] { app.frame(); }, [&] { return true; }, o.frames);
      std::printf("wrote %s\n", o.screenshot.c_str());
      return 0;
    }
    platform->run(
        [&] {
          app.frame();
          if (g_stop || app.quit_requested()) platform->close();
        },
        [&] { return app.busy() || g_stop; });
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "honbu: %s\n", e.what());
    return 2;
  }
}

}  // namespace honbu::console
