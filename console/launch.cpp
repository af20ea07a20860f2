#include "console/launch.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "console/app.hpp"
#include "console/replay_host.hpp"
#include "console/platform.hpp"
#include "console/strings.hpp"
#include "model/demo.hpp"
#include "model/paths.hpp"
#include "sync/drill/engine.hpp"
#include "sync/drill/scenario_file.hpp"
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

// A drill: the engine prepares its nodes; this console runs HQ's (o.node is set to it).
std::unique_ptr<drill::DrillEngine> prepare_drill(LaunchOptions& o) {
  drill::Scenario s = drill::load_scenario(o.drill);
  drill::EngineOptions eo;
  eo.speed = s.speed;
  if (o.speed == "max") eo.speed = 0;
  else if (!o.speed.empty()) {
    eo.speed = std::atof(o.speed.c_str());
    if (eo.speed < 1 || eo.speed > 60) throw Error("--speed must be 1..60 or max, not " + o.speed);
  }
  eo.seed = o.seed ? o.seed : s.seed;
  if (!o.players.empty()) eo.players = drill::load_players(o.players);
  eo.stop_nodes_at_end = false;  // the trainer reviews the drill after its end
  eo.drill_dir = o.drill_dir;
  if (eo.drill_dir.empty()) eo.drill_dir = drill::default_drill_dir(o.node.data_dir, s, wall_now_ms());
  const std::string hq = s.hq();
  auto engine = std::make_unique<drill::DrillEngine>(std::move(s), eo);
  o.node = engine->node_config(hq);
  std::fprintf(stderr, "honbu: drill %s in %s\n", engine->scenario().name.c_str(), eo.drill_dir.c_str());
  return engine;
}

WindowOptions window_options(const LaunchOptions& o) {
  WindowOptions wo;
  wo.visible = o.screenshot.empty();
  if (!o.screenshot.empty()) {
    wo.width = o.width;
    wo.height = o.width * 9 / 16;
  }
  return wo;
}

// A replay: view only, on a scratch store the ReplayHost fills; going back in time makes a
// fresh store, and a fresh App around it, between two frames.
int run_replay(LaunchOptions& o) {
  ReplayHost host(o.replay);
  if (!o.replay_at.empty()) {
    auto at = drill::parse_offset(o.replay_at);
    if (!at) throw Error("--replay-at \"" + o.replay_at + "\" is not a time like +1:30");
    if (*at > host.scenario().duration)
      throw Error("--replay-at " + drill::format_offset(*at) + " is after the drill's end (" +
                  drill::format_offset(host.scenario().duration) + ")");
    host.seek(*at);
  }
  std::filesystem::create_directories(o.node.data_dir);
  auto platform = std::make_unique<Platform>(window_options(o));
  auto make_app = [&] {
    AppOptions a;
    a.db_path = host.db_path();
    a.data_dir = o.node.data_dir;
    a.assets_dir = o.assets_dir;
    a.role = sync::Role::Hq;
    a.branch_id = host.log().hq;
    a.operator_name = o.operator_name;
    if (!o.lang.empty()) a.lang = o.lang == "en" ? Lang::En : Lang::Ja;
    a.only_panel = o.panel;
    a.persist = o.screenshot.empty();
    a.read_only = true;
    a.replay = &host;
    a.clock = [&host] { return host.sim_time(); };
    return std::make_unique<App>(host.agent(), a, &Platform::wake);
  };
  auto app = make_app();
  auto frame = [&] {
    host.tick(wall_now_ms());
    if (host.needs_rebuild()) {
      app.reset();
      host.rebuild();
      app = make_app();
    }
    app->frame();
    if (g_stop || app->quit_requested()) platform->close();
  };
  if (!o.screenshot.empty()) {
    // Let the replay catch up with its start position before the picture.
    for (int i = 0; i < 200 && host.held() == 0 && host.total_ops() > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10)), host.tick(wall_now_ms());
    platform->request_screenshot(o.screenshot);
    platform->run(frame, [] { return true; }, o.frames);
    std::printf("wrote %s\n", o.screenshot.c_str());
  } else {
    platform->run(frame, [&] { return app->busy() || host.playing || g_stop; });
  }
  app.reset();
  return 0;
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

// Mistakes in the command line, named before anything starts (and before "no display").
void check_arguments(const LaunchOptions& o) {
  if (!o.panel.empty()) {
    std::string names;
    bool known = false;
    for (const auto& p : make_panels()) {
      names += (names.empty() ? "" : ", ") + std::string(p->id());
      known = known || p->id() == o.panel;
    }
    if (!known) throw Error("--panel " + o.panel + ": there is no such panel; the panels are " + names);
  }
  if (o.demo && !o.node.role.empty() && o.node.role != "hq")
    throw Error("--demo opens the demo city as its HQ, so --role " + o.node.role +
                " does not apply; a branch office runs honbu --role branch --keys ... --allowlist ...");
  for (const auto& [flag, path] : {std::pair{"--drill", o.drill}, std::pair{"--replay", o.replay}})
    if (!path.empty() && !std::filesystem::exists(path))
      throw Error(std::string(flag) + " " + path + ": no such file or directory");
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
  app.add_option("--drill", o.drill, "run this drill scenario (YAML): this console is HQ and the trainer's desk");
  app.add_option("--drill-dir", o.drill_dir, "drill: where its nodes, log and report go (default: <data dir>/drills/...)");
  app.add_option("--speed", o.speed, "drill: clock speed 1..60 or max (default: the scenario's)");
  app.add_option("--seed", o.seed, "drill: random seed (default: the scenario's)");
  app.add_option("--players", o.players, "drill: scripted player actions (YAML), for demos and tests");
  app.add_option("--replay", o.replay, "replay a finished drill (its directory), view only");
  app.add_option("--replay-at", o.replay_at, "replay: start at this scenario time (+h:mm)");
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
    check_arguments(o);
    // No screen: say so before starting anything (no node, no demo processes).
    if (!o.headless && !std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY")) {
      std::fprintf(stderr, "honbu: %s\n", no_display_help().c_str());
      return 3;
    }
    if (!o.replay.empty()) return run_replay(o);
    std::unique_ptr<drill::DrillEngine> engine;
    if (!o.drill.empty()) {
      if (o.demo) throw Error("--drill and --demo do not go together (a drill brings its own nodes)");
      engine = prepare_drill(o);
    }
    // The drill's node processes stop with the console, whichever way it ends.
    struct StopDrill {
      drill::DrillEngine* e;
      ~StopDrill() {
        if (e) e->stop();
      }
    };
    std::unique_ptr<DemoCity> city;
    if (o.demo) city = start_demo(o);
    if (o.node.role.empty() || o.node.keys_path.empty() || o.node.allowlist_path.empty())
      throw Error("give --role, --keys and --allowlist (see honbu-keys), or try the demo: honbu --demo");
    std::filesystem::create_directories(o.node.data_dir);
    sync::NodeHandle node = sync::start_node(o.node);
    StopDrill stop_drill{engine.get()};  // before the node goes (the engine writes through it)
    if (engine) engine->start(node.agent.get());
    if (city) {
      node.agent->run([&](Store& s) {
        fill_demo_master_data(s, s.now());
        fill_demo_node(s, DemoNode{"hq", "hq"}, s.now(), 20261122);
        return 0;
      }).get();
      start_demo_branches(*city, node.agent->listen_endpoint(), o.demo_every_ms);
    }
    if (o.headless) return run_headless(node);

    std::unique_ptr<Platform> platform;
    try {
      platform = std::make_unique<Platform>(window_options(o));
    } catch (const Error& e) {
      std::fprintf(stderr, "honbu: %s\n", e.what());
      return 3;
    }
    std::fprintf(stderr, "honbu: %s\n", platform->font_message().c_str());
    AppOptions ao = app_options(o, node);
    if (engine) {
      ao.drill = engine.get();
      ao.clock = [e = engine.get()] { return e->sim_time(); };
    }
    App app(*node.agent, ao, &Platform::wake);
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
  } catch (const drill::ScenarioError& e) {
    // The window has not opened: the trainer reads this in the terminal, in their language.
    const Lang lang = o.lang.empty() ? lang_from_environment() : (o.lang == "en" ? Lang::En : Lang::Ja);
    std::fprintf(stderr, "honbu: %s\n", e.text(lang).c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "honbu: %s\n", e.what());
    return 2;
  }
}

}  // namespace honbu::console
