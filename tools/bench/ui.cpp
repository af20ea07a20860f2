// honbu-bench ui: the console's frame build time (CPU, headless, 1920x1080) over 100,000
// incidents and a dashboard of 50 offices; remote op -> panel; start-up to the first frame
// over a database of 100,000 incidents and 1,000,000 ops; resident memory with it.
#include <imgui.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "console/app.hpp"
#include "console/fonts.hpp"
#include "console/headless.hpp"
#include "console/strings.hpp"
#include "model/demo.hpp"
#include "model/queries.hpp"
#include "sync/node.hpp"
#include "tools/bench/common.hpp"

namespace honbu::bench {

namespace {

double rss_mib_self() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

const char* kPriorities[] = {"life", "high", "medium", "low"};
const char* kStatuses[] = {"received", "in_progress", "done", "cancelled"};
const char* kAreas[] = {"chuo", "honcho", "minatomachi", "kitayama", "uenodai", "sakuragaoka", "minamihama", "oono", "kawabe"};

// 100,000 incidents, then edits until the op log holds `ops` ops (status, team, verification
// moving on, as a long disaster does). Kept between runs: it takes a while to build.
std::string big_database(const std::string& dir, int incidents, int ops) {
  const std::string path = dir + "/ui-" + std::to_string(incidents) + "-" + std::to_string(ops) + ".db";
  if (std::filesystem::exists(path + ".done")) return path;
  remove_db(path);
  StoreOptions so;
  so.path = path;
  so.node_id = "hq";
  so.dataset = "EXERCISE:bench";
  auto s = Store::open(so);
  const TimeMs now = wall_now_ms();
  fill_demo_master_data(*s, now);
  std::mt19937_64 rng(7);
  std::vector<std::string> ids;
  ids.reserve(static_cast<size_t>(incidents));
  const int step = 20000;
  for (int base = 0; base < incidents; base += step)
    s->batch([&] {
      for (int i = base; i < std::min(incidents, base + step); ++i) {
        ids.push_back(s->new_id());
        const char* area = kAreas[rng() % 9];
        s->put(EntityKind::Incident, ids.back(),
               {{"title", std::string("通報 ") + std::to_string(i) + " 倒壊家屋・道路被害"},
                {"category", "building"}, {"area_id", area}, {"place", std::string(area) + " " + std::to_string(i % 300)},
                {"received_at", format_iso_jst(now - (incidents - i) * 2000LL)}, {"verification", "unverified"},
                {"priority", kPriorities[rng() % 4]}, {"status", "received"}, {"lat", 35.30 + (rng() % 600) / 10000.0},
                {"lon", 139.60 + (rng() % 600) / 10000.0}},
               "bench");
      }
    });
  for (std::int64_t done = s->data_version(); done < ops;) {
    s->batch([&] {
      for (int i = 0; i < step && done < ops; ++i, ++done)
        s->put(EntityKind::Incident, ids[rng() % ids.size()],
               {{"status", kStatuses[rng() % 4]}, {"team", i % 2 ? "救助班" : "土木班"}}, "bench");
    });
  }
  std::ofstream(path + ".done") << "ok";
  return path;
}

std::string dashboard_database(const std::string& dir) {
  const std::string path = dir + "/ui-dashboard.db";
  remove_db(path);
  StoreOptions so;
  so.path = path;
  so.node_id = "hq";
  so.dataset = "EXERCISE:bench";
  auto s = Store::open(so);
  const TimeMs now = wall_now_ms();
  std::mt19937_64 rng(3);
  s->batch([&] {
    for (int b = 0; b < 50; ++b) {
      const std::string branch = "b" + std::to_string(b);
      s->put(EntityKind::Branch, branch, {{"name", "支所" + std::to_string(b)}, {"branch_kind", "branch"}}, "bench");
      for (int a = 0; a < 2; ++a) {
        const std::string area = branch + "-a" + std::to_string(a);
        s->put(EntityKind::Area, area, {{"name", "地区" + std::to_string(b) + "-" + std::to_string(a)}, {"branch_id", branch}}, "bench");
        for (const char* t : {"power", "water", "city_gas", "mobile_telecom", "road"})
          s->put(EntityKind::Lifeline, lifeline_id(area, t),
                 {{"area_id", area}, {"lifeline_type", t}, {"status", "disrupted"},
                  {"affected", static_cast<std::int64_t>(rng() % 900)}, {"as_of", format_iso_jst(now)}, {"source", "事業者"}},
                 "bench");
      }
      for (int r = 1; r <= 20; ++r) {
        Fields f{{"branch_id", branch}, {"report_no", std::int64_t{r}}, {"as_of", format_iso_jst(now - (20 - r) * 600'000)},
                 {"report_type", "preliminary"}, {"reporter", "bench"}};
        for (const Form4Field& ff : form4_fields())
          if (rng() % 4) f[std::string(ff.key)] = ff.hectares ? Value{1.5} : Value{static_cast<std::int64_t>(rng() % 50)};
        s->put(EntityKind::BranchReport, branch_report_id(branch, r), f, "bench");
      }
    }
  });
  return path;
}

struct Node {
  std::unique_ptr<sync::Agent> agent;
  Node(const std::string& path) {
    StoreOptions so;
    so.path = path;
    so.node_id = "hq";
    so.dataset = "EXERCISE:bench";
    so.create_if_missing = false;
    sync::AgentConfig ac;
    ac.keys = sync::generate_keys("hq");
    sync::AllowEntry e;
    e.node_id = "hq";
    e.role = sync::Role::Hq;
    e.keys = ac.keys.public_keys();
    ac.allow.upsert(e);
    ac.role = sync::Role::Hq;
    agent = sync::Agent::start(Store::open(so), std::move(ac));
  }
};

console::AppOptions options(const std::string& db, const std::string& dir, const std::string& assets, const std::string& panel) {
  console::AppOptions o;
  o.db_path = db;
  o.data_dir = dir;
  o.assets_dir = assets;
  o.only_panel = panel;
  o.persist = false;
  o.operator_name = "bench";
  o.lang = Lang::Ja;
  return o;
}

void print_frames(const char* what, std::vector<double> ms) {
  std::printf("  %s: frame build p50 %.2f ms, p99 %.2f ms, max %.2f ms over %zu frames (target p99 <= 8)\n", what,
              percentile(ms, 50), percentile(ms, 99), *std::max_element(ms.begin(), ms.end()), ms.size());
}

}  // namespace

// Start-up and memory in a fresh process (this one built the database: its heap is not a
// console's): `honbu-bench ui --startup DB` prints "startup_ms rss_mib".
int bench_ui_startup(const std::string& db, const std::string& dir, const std::string& assets, int expect) {
  console::strings().load(assets);
  const auto t0 = Clock::now();
  console::Headless h;
  console::load_fonts(18.0f, console::find_cjk_font());  // the real CJK atlas is part of starting
  unsigned char* px = nullptr;
  int w = 0, hh = 0;
  ImGui::GetIO().Fonts->GetTexDataAsRGBA32(&px, &w, &hh);
  auto mem = [](const char* what) {
    if (!std::getenv("HONBU_BENCH_MEM")) return;
    std::ifstream f("/proc/self/status");
    for (std::string line; std::getline(f, line);)
      if (line.rfind("RssFile", 0) == 0 || line.rfind("RssAnon", 0) == 0) std::printf("%s %s\n", what, line.c_str());
  };
  mem("font");
  Node node(db);
  mem("node");
  console::App app(*node.agent, options(db, dir, assets, "incidents"), nullptr);
  mem("app");
  h.frames_until([&] { app.frame(); }, [&] { return app.session().incidents->size() >= static_cast<size_t>(expect); },
                 60000);
  mem("list");
  const double startup = ms_since(t0);
  for (int i = 0; i < 100; ++i) h.frame([&] { app.frame(); });  // and a little scrolling use
  std::printf("%.1f %.1f\n", startup, rss_mib_self());
  if (std::getenv("HONBU_BENCH_MEM")) {
    std::ifstream f("/proc/self/status");
    for (std::string line; std::getline(f, line);)
      if (line.rfind("Rss", 0) == 0) std::printf("%s\n", line.c_str());
  }
  return 0;
}

int bench_ui(const std::string& dir, double scale, const std::string& assets) {
  std::filesystem::create_directories(dir);
  console::strings().load(assets);
  const int incidents = std::max(1000, static_cast<int>(100'000 * scale));
  const int ops = std::max(incidents + 10, static_cast<int>(1'000'000 * scale));
  std::printf("honbu-bench ui (scale %.2f, dir %s)\n", scale, dir.c_str());
  const auto tb = Clock::now();
  const std::string big = big_database(dir, incidents, ops);
  std::printf("  database: %d incidents, %d ops (%s; built or reused in %.1f s)\n", incidents, ops, big.c_str(),
              ms_since(tb) / 1000.0);

  // [1] start-up to the first frame that shows the incident list, and memory: a fresh process,
  // three times (the first one may find the file cold).
  for (int run = 0; run < 3; ++run) {
    const std::string cmd = std::filesystem::read_symlink("/proc/self/exe").string() + " ui --startup " + big + " --dir " +
                            dir + " --assets " + assets + " --expect " + std::to_string(incidents);
    FILE* p = ::popen(cmd.c_str(), "r");
    double startup = 0, rss = 0;
    if (!p || std::fscanf(p, "%lf %lf", &startup, &rss) != 2) std::printf("  start-up run failed: %s\n", cmd.c_str());
    if (p) ::pclose(p);
    std::printf("  start-up to first frame with the list (store, sync agent, reader, CJK font), fresh process: %.0f ms "
                "(target <= 1500); resident memory %.0f MiB (target <= 300)\n",
                startup, rss);
  }
  {
    console::Headless h;
    Node node(big);
    console::App app(*node.agent, options(big, dir, assets, "incidents"), nullptr);
    h.frames_until([&] { app.frame(); }, [&] { return app.session().incidents->size() >= static_cast<size_t>(incidents); },
                   60000);

    // [2] frames of the incidents panel, scrolling through 100,000 rows.
    std::vector<double> ms;
    for (int i = 0; i < 600; ++i) {
      h.mouse(700, 500, false);
      ImGui::GetIO().MouseWheel = (i / 100) % 2 ? 8.0f : -8.0f;
      ms.push_back(h.frame([&] { app.frame(); }));
    }
    print_frames("incidents panel, 100,000 incidents, scrolling", ms);

    // [3] a remote op committed -> the panel shows it.
    std::vector<double> lat;
    for (int i = 0; i < 50; ++i) {
      const auto c0 = Clock::now();
      const std::string id = node.agent->run([i](Store& s) {
        const std::string iid = s.new_id();
        s.put(EntityKind::Incident, iid,
              {{"title", "新着 " + std::to_string(i)}, {"category", "fire"}, {"received_at", format_iso_jst(s.now())},
               {"verification", "unverified"}, {"priority", "life"}, {"status", "received"}},
              "peer");
        return iid;
      }).get();
      h.frames_until([&] { app.frame(); },
                     [&] {
                       const auto& rows = *app.session().incidents;
                       for (size_t k = 0; k < rows.size() && k < 200; ++k)
                         if (rows[k]->id == id) return true;
                       return false;
                     },
                     5000);
      lat.push_back(ms_since(c0));
    }
    std::printf("  remote op committed -> incidents panel shows it: p50 %.1f ms, p99 %.1f ms (target p50 <= 100)\n",
                percentile(lat, 50), percentile(lat, 99));
  }
  // [4] the dashboard over 50 offices x 20 reports (and their lifelines).
  {
    const std::string dash = dashboard_database(dir);
    console::Headless h;
    Node node(dash);
    console::App app(*node.agent, options(dash, dir, assets, "dashboard"), nullptr);
    h.frames_until([&] { app.frame(); }, [&] { return !app.busy(); }, 30000);
    std::vector<double> ms;
    for (int i = 0; i < 600; ++i) {
      h.mouse(400, 600, false);
      ImGui::GetIO().MouseWheel = (i / 100) % 2 ? 4.0f : -4.0f;
      ms.push_back(h.frame([&] { app.frame(); }));
    }
    print_frames("dashboard, 50 offices x 20 reports", ms);
    remove_db(dash);
  }
  return 0;
}

}  // namespace honbu::bench
