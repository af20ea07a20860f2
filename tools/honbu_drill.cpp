// honbu-drill: runs a drill scenario headless (branches and HQ as honbu-node processes), and
// steers, scores and replays it from a terminal. The trainer's console does the same with
// `honbu --drill`. The scenario format: scenarios/README.md.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "model/drill/evaluation.hpp"
#include "model/drill/replay.hpp"
#include "model/drill/report.hpp"
#include "model/paths.hpp"
#include "model/summary.hpp"
#include "model/schema.hpp"
#include "model/text.hpp"
#include "sync/drill/engine.hpp"
#include "sync/drill/scenario_file.hpp"
#include "sync/node_process.hpp"
#include "tools/cli.hpp"

using namespace honbu;
using namespace honbu::drill;

namespace {

volatile std::sig_atomic_t g_interrupted = 0;
void on_signal(int) { g_interrupted = 1; }

Lang g_lang = Lang::En;
std::string T(const char* ja, const char* en) { return g_lang == Lang::Ja ? ja : en; }

std::string sim_clock(const Scenario& s, SimMinutes m) {
  // "+1:05 (10:05)": the scenario offset and the simulated time of day.
  return format_offset(m) + " (" + format_hhmm_jst(s.start + static_cast<TimeMs>(m * 60000)) + ")";
}

std::string g_data_dir;  // --data-dir, else the usual one (model/paths.hpp)

std::string default_drill_dir(const Scenario& s) {
  return drill::default_drill_dir(g_data_dir.empty() ? default_data_dir() : g_data_dir, s, wall_now_ms());
}

// An inject kind as the trainer reads it (事案通報 / New incident), its code when unknown.
std::string kind_label(const std::string& code) {
  const std::optional<InjectKind> k = inject_kind_from_name(code);
  return k ? std::string(inject_kind_label(*k, g_lang)) : code;
}

void print_event(const Scenario& s, const LogEvent& e) {
  const std::string when = sim_clock(s, e.sim);
  if (e.type == "inject") {
    const Inject* i = s.inject(e.card);
    // The card's text, else what its data says (a lifeline figure, a 第N報...).
    const std::string text = i ? utf8_ellipsis(inject_summary(s, *i, g_lang), 70) : std::string();
    std::printf("%s  %s %-6s %s → %-8s %s%s\n", when.c_str(), T("付与", "inject").c_str(), e.card.c_str(),
                pad_columns(kind_label(e.kind), 16).c_str(), e.node.c_str(), text.c_str(),
                e.detail.empty() ? "" : ("  [" + e.detail + "]").c_str());
  } else if (e.type == "arrived") {
    // Shown only when it took a while (a partition held it back).
  } else if (e.type == "net") {
    std::string nodes;
    for (const std::string& n : e.nodes) nodes += (nodes.empty() ? "" : ",") + n;
    std::printf("%s  %s %-6s %s %s %s\n", when.c_str(), T("通信", "net").c_str(), e.card.c_str(),
                pad_columns(kind_label(e.kind), 16).c_str(), nodes.c_str(), e.detail.c_str());
  } else if (e.type == "converged") {
    std::printf("%s  %s %s: %.0f ms\n", when.c_str(), T("収束", "converged after").c_str(), e.card.c_str(), e.ms);
  } else if (e.type == "player") {
    const std::optional<EntityKind> k = kind_from_name(e.kind);  // what the player wrote: クロノロ, 事案...
    std::printf("%s  %s %-8s %s %s\n", when.c_str(), T("対応", "player").c_str(), e.node.c_str(),
                k ? std::string(spec(*k).label(g_lang)).c_str() : e.kind.c_str(), e.detail.c_str());
  }
}

void print_score(const Evaluation& ev) {
  std::printf("%s: %d %s, %d %s, %d %s (%.0f / %.0f %s)\n", T("評価", "Score").c_str(), ev.met(),
              std::string(result_label(Result::Met, g_lang)).c_str(), ev.late(),
              std::string(result_label(Result::Late, g_lang)).c_str(), ev.missed(),
              std::string(result_label(Result::Missed, g_lang)).c_str(), ev.points, ev.possible, T("点", "points").c_str());
  for (const Outcome& o : ev.outcomes) {
    std::printf("  %s %-12s %s %s\n", pad_columns(result_label(o.result, g_lang), 9).c_str(), o.expectation->id.c_str(),
                pad_columns(action_kind_label(o.expectation->action, g_lang), 22).c_str(),
                o.done ? (format_offset(*o.done) + (o.from ? " (" + format_offset(*o.done - *o.from) + ")" : "")).c_str()
                       : "");
  }
}

// The scenario of a drill directory (copied there when it started).
Scenario drill_scenario(const std::string& dir) { return load_scenario(dir + "/scenario.yaml"); }

std::string hq_db_of(const std::string& dir, const DrillLog& log) {
  return database_path(dir + "/nodes/" + log.hq, log.dataset);
}

int cmd_validate(const std::vector<std::string>& files) {
  int bad = 0;
  for (const std::string& f : files) {
    try {
      const Scenario s = load_scenario(f);
      int expect = static_cast<int>(s.expected.size());
      for (const Inject& i : s.injects) expect += static_cast<int>(i.expect.size());
      std::printf("%s: ok — %s, %zu %s, %zu %s, %d %s, %s %s\n", f.c_str(), s.name.c_str(), s.nodes.size(),
                  T("ノード", "nodes").c_str(), s.injects.size(), T("件の付与", "injects").c_str(), expect,
                  T("件の期待行動", "expected actions").c_str(), T("所要", "duration").c_str(),
                  format_offset(s.duration).c_str());
    } catch (const ScenarioError& e) {
      std::fprintf(stderr, "%s\n", e.text(g_lang).c_str());
      ++bad;
    }
  }
  return bad ? 1 : 0;
}

int cmd_schedule(const std::string& file, std::uint64_t seed, bool seed_given) {
  const Scenario s = load_scenario(file);
  for (const auto& [at, inj] : schedule(s, seed_given ? seed : s.seed))
    std::printf("%s  %-6s %s %s\n", sim_clock(s, at).c_str(), inj->card.c_str(),
                pad_columns(inject_kind_label(inj->kind, g_lang), 16).c_str(), inj->target.c_str());
  return 0;
}

int cmd_run(const std::string& file, EngineOptions o, const std::string& players, bool seed_given, bool quiet) {
  const Scenario s = load_scenario(file);
  if (!seed_given) o.seed = s.seed;
  if (o.speed < 0) o.speed = s.speed;  // not given: the scenario's
  if (o.drill_dir.empty()) o.drill_dir = default_drill_dir(s);
  if (!players.empty()) o.players = load_players(players);
  std::printf("%s: %s — %s %s, %s %s\n", T("訓練", "Drill").c_str(), s.title.empty() ? s.name.c_str() : s.title.c_str(),
              T("速度", "speed").c_str(), o.speed == 0 ? "max" : ("×" + std::to_string(static_cast<int>(o.speed))).c_str(),
              T("記録先", "directory").c_str(), o.drill_dir.c_str());
  std::printf("%s honbu-drill ctl %s pause | resume | speed N | next | inject CARD | status\n",
              T("操作:", "Steer it:").c_str(), o.drill_dir.c_str());
  DrillEngine engine(s, o);
  std::printf("%s\n", T("ノードを起動しています…", "starting the nodes…").c_str());
  engine.start();
  std::printf("%s\n", T("開始 (訓練 / EXERCISE)", "started (EXERCISE)").c_str());
  size_t shown = 0;
  bool ended = false;
  while (!engine.wait_finished(std::chrono::milliseconds(200))) {
    if (g_interrupted && !ended) {
      std::printf("%s\n", T("中断: ここまでの記録で報告書を作ります", "interrupted: writing the report of what happened so far").c_str());
      engine.end_now();
      ended = true;
    }
    if (quiet) continue;
    const DrillLog log = engine.log();
    for (; shown < log.events.size(); ++shown) print_event(s, log.events[shown]);
    std::fflush(stdout);
  }
  const DrillLog log = engine.log();
  if (!quiet)
    for (; shown < log.events.size(); ++shown) print_event(s, log.events[shown]);
  const EngineStatus st = engine.status();
  engine.stop();
  Db db(engine.hq_db_path(), OpenMode::ReadOnly);
  print_score(evaluate(s, log, db, st.now, !ended));
  std::vector<double> a = engine.arrival_ms();
  std::sort(a.begin(), a.end());
  if (!a.empty())
    std::printf("%s: p50 %.1f ms, p99 %.1f ms (%zu)\n", T("付与から到着まで", "inject to arrival").c_str(), a[a.size() / 2],
                a[std::min(a.size() - 1, a.size() * 99 / 100)], a.size());
  // Both languages are written; the reader's first.
  std::printf("%s %s/report-%s.html (%s: report-%s.html), report.csv\n", T("報告書:", "Report:").c_str(),
              o.drill_dir.c_str(), g_lang == Lang::Ja ? "ja" : "en", T("英語版", "Japanese").c_str(),
              g_lang == Lang::Ja ? "en" : "ja");
  if (!st.last_error.empty()) {
    std::fprintf(stderr, "%s %s\n", T("問題:", "problem:").c_str(), st.last_error.c_str());
    return 1;
  }
  return 0;
}

int cmd_ctl(const std::string& dir, const std::vector<std::string>& words) {
  const std::string sock = dir + "/drill.sock";
  if (!std::filesystem::exists(sock)) {
    std::fprintf(stderr, "honbu-drill: no drill is running in %s\n", dir.c_str());
    return 2;
  }
  // The engine's control socket speaks the same request shape as a node's.
  const auto reply = sync::node_ctl_socket(sock, words, 10000);
  if (!reply) {
    std::fprintf(stderr, "honbu-drill: the drill in %s does not answer\n", dir.c_str());
    return 2;
  }
  std::cout << *reply << "\n";
  return reply->rfind("error", 0) == 0 ? 2 : 0;
}

int cmd_report(const std::string& dir, const std::string& lang, const std::string& strengths, const std::string& improve) {
  const DrillLog log = DrillLog::load(dir + "/drill-log.jsonl");
  const Scenario s = drill_scenario(dir);
  Db db(hq_db_of(dir, log), OpenMode::ReadOnly);
  const bool done = log.finished();
  const SimMinutes now = log.clock.empty() ? 0 : log.sim_at(wall_now_ms());
  const Evaluation ev = evaluate(s, log, db, done ? s.duration : now, done);
  ReportInput in{&s, &log, &ev, strengths, improve};
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + name, std::ios::binary) << text;
    std::printf("%s/%s\n", dir.c_str(), name.c_str());
  };
  if (lang == "ja" || lang == "both") write("report-ja.html", report_html(in, Lang::Ja));
  if (lang == "en" || lang == "both") write("report-en.html", report_html(in, Lang::En));
  write("report.csv", report_csv(in, lang == "en" ? Lang::En : Lang::Ja));
  print_score(ev);
  return 0;
}

int cmd_replay(const std::string& dir, const std::string& at_text) {
  const DrillLog log = DrillLog::load(dir + "/drill-log.jsonl");
  const Scenario s = drill_scenario(dir);
  auto at = parse_offset(at_text);
  if (!at) throw Error("--at \"" + at_text + "\" is not a time like +1:30");
  if (*at > s.duration)
    throw Error(g_lang == Lang::Ja
                    ? "--at " + format_offset(*at) + " は訓練の終了 (" + format_offset(s.duration) + ") より後です"
                    : "--at " + format_offset(*at) + " is after the drill's end (" + format_offset(s.duration) + ")");
  Replay r(hq_db_of(dir, log), log);
  const ScratchDir scratch;
  auto store = Replay::open_scratch(scratch.file("replay.db"), log.dataset);
  const std::size_t held = r.advance(*store, *at);
  std::printf("%s %s — %s %zu / %zu ops (訓練 / EXERCISE)\n", T("再生", "Replay at").c_str(), sim_clock(s, *at).c_str(),
              T("本部が保持していた操作", "HQ held").c_str(), held, r.total_ops());
  int delivered = 0;
  for (const LogEvent& e : log.events) delivered += e.type == "inject" && e.sim <= *at + 1e-9;
  std::printf("%s: %d / %zu\n", T("付与済み", "injects delivered").c_str(), delivered, s.injects.size());
  std::printf("%s", situation_summary(store->db(), g_lang, s.start + static_cast<TimeMs>(*at * 60000)).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  honbu::keep_files_private();
  g_lang = lang_from_environment();
  CLI::App app{"honbu-drill: run, steer, score and replay drill scenarios (scenarios/README.md)"};
  app.require_subcommand(1);
  std::string lang_name;
  app.add_option("--lang", lang_name, "ja or en (default: Japanese unless the locale says English)")
      ->check(CLI::IsMember({"ja", "en"}));
  app.add_option("--data-dir", g_data_dir, "data directory; drills go to <data dir>/drills (default: " +
                                              default_data_dir() + ")");
  // --lang and --data-dir may come after the subcommand too, as `tools/honbu run --lang en`
  // passes them (a subcommand's own option of the same name, like report --lang, wins).
  app.fallthrough();
  app.parse_complete_callback([&] {
    if (!lang_name.empty()) g_lang = lang_name == "ja" ? Lang::Ja : Lang::En;
  });

  std::vector<std::string> files;
  auto* validate = app.add_subcommand("validate", "check scenario files (line-numbered problems)");
  validate->add_option("files", files, "scenario YAML files")->required()->check(CLI::ExistingFile);

  std::string file;
  std::uint64_t seed = 1;
  auto* sched = app.add_subcommand("schedule", "print when each inject is played (after jitter, for a seed)");
  sched->add_option("file", file, "scenario YAML")->required()->check(CLI::ExistingFile);
  auto* seed_opt_s = sched->add_option("--seed", seed, "random seed (default: the scenario's)");

  EngineOptions eo;
  std::string speed, players;
  bool quiet = false;
  auto* run = app.add_subcommand("run", "run a drill headless on a fresh EXERCISE dataset");
  run->add_option("file", file, "scenario YAML")->required()->check(CLI::ExistingFile);
  run->add_option("--speed", speed, "scenario minutes per real minute: 1..60, or max (default: the scenario's)");
  auto* seed_opt_r = run->add_option("--seed", seed, "random seed (default: the scenario's)");
  run->add_option("--dir", eo.drill_dir, "drill directory (default: <data dir>/drills/<name>-<time>)");
  run->add_option("--players", players, "scripted player actions (YAML), for tests and demos");
  run->add_flag("--quiet", quiet, "no line per event");

  std::string dir;
  std::vector<std::string> words;
  auto* ctl = app.add_subcommand("ctl", "steer a running drill");
  ctl->add_option("dir", dir, "drill directory")->required();
  ctl->add_option("command", words, "pause | resume | speed N|max | next | inject CARD | end | status")->required();
  auto* status = app.add_subcommand("status", "where a running drill is");
  status->add_option("dir", dir, "drill directory")->required();

  std::string lang = "both", strengths, improve;
  auto* report = app.add_subcommand("report", "write the after-action report (HTML ja/en, CSV) of a drill");
  report->add_option("dir", dir, "drill directory")->required()->check(CLI::ExistingDirectory);
  report->add_option("--lang", lang, "ja, en or both")->check(CLI::IsMember({"ja", "en", "both"}))->capture_default_str();
  report->add_option("--strengths", strengths, "notes: what went well");
  report->add_option("--improvements", improve, "notes: what to improve");

  std::string at = "+0:00";
  auto* replay = app.add_subcommand("replay", "what HQ saw at a moment of a finished drill (view only)");
  replay->add_option("dir", dir, "drill directory")->required()->check(CLI::ExistingDirectory);
  replay->add_option("--at", at, "scenario time, e.g. +1:30")->capture_default_str();

  if (auto exit_status = parse_command_line(app, argc, argv)) return *exit_status;
  try {
    if (*validate) return cmd_validate(files);
    if (*sched) return cmd_schedule(file, seed, seed_opt_s->count() > 0);
    if (*run) {
      struct sigaction sa {};
      sa.sa_handler = on_signal;
      sigaction(SIGINT, &sa, nullptr);
      sigaction(SIGTERM, &sa, nullptr);
      if (speed.empty()) eo.speed = -1;
      else if (speed == "max") eo.speed = 0;
      else {
        eo.speed = std::atof(speed.c_str());
        if (eo.speed < 1 || eo.speed > 60) throw Error("--speed must be 1..60 or max, not " + speed);
      }
      eo.seed = seed;
      return cmd_run(file, eo, players, seed_opt_r->count() > 0, quiet);
    }
    if (*ctl) return cmd_ctl(dir, words);
    if (*status) return cmd_ctl(dir, {"status"});
    if (*report) return cmd_report(dir, lang, strengths, improve);
    if (*replay) return cmd_replay(dir, at);
  } catch (const ScenarioError& e) {
    std::fprintf(stderr, "honbu-drill: %s\n", e.text(g_lang).c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "honbu-drill: %s\n", e.what());
    return 1;
  }
  return 0;
}
