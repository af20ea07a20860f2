// honbu-report: what HQ sends out, from a node's database, and what comes in from other
// systems. Building a file never publishes it: --issue / --publish is the explicit act,
// recorded in the store (a Publication: what, when, by whom, to whom, a digest of the bytes).
//   honbu-report 4goyoshiki   --db F [--part 1|2] [--as-of T] [--reporter NAME] [--out DIR]
//                             [--csv-lang ja|en] [--bom] [--issue --to 県 --operator NAME]
//   honbu-report cap          --db F --out DIR [--only evacuation|shelters|hq]
//                             [--selection latest|in-effect|history] [--map FILE] [--sender S]
//                             [--publish --to WHO --operator NAME]
//   honbu-report geojson      --db F --out FILE [--no-incidents] [--no-shelters]
//                             [--no-lifelines] [--map FILE] [--lang ja|en] [--publish ...]
//   honbu-report csv          --db F --out DIR [--table NAME|all] [--lang ja|en]
//                             [--field-names] [--labels] [--bom] [--publish ...]
//   honbu-report import-cap   --db F FILE... [--operator NAME] [--schema XSD]
//   honbu-report import-csv   --db F [--table branches|areas|shelters] FILE [--operator NAME]
//   honbu-report publications --db F
// Exports only read the database. Imports are all-or-nothing and need the database to
// themselves (one writer per file): with a node running, stop it or import from the console.
// Messages follow LANG or honbu-report --lang; a file's own language is geojson/csv --lang
// and 4goyoshiki --csv-lang. Exit status: 0 done, 1 refused or failed, 2 wrong usage.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "model/drill/apply.hpp"
#include "model/export/cap.hpp"
#include "model/export/csv.hpp"
#include "model/export/dataset.hpp"
#include "model/export/form4_report.hpp"
#include "model/export/geojson_export.hpp"
#include "model/export/publication.hpp"
#include "model/geojson.hpp"
#include "model/labels.hpp"
#include "model/paths.hpp"
#include "model/text.hpp"
#include "model/time.hpp"
#include "sync/auth.hpp"
#include "sync/node_process.hpp"
#include "tools/cli.hpp"
#include "tools/import/cap_import.hpp"
#include "tools/import/csv_import.hpp"

using namespace honbu;
namespace fs = std::filesystem;

namespace {

constexpr int kFailed = 1;  // refused or failed: for imports, nothing was written
constexpr int kUsage = 2;   // the command line needs fixing

Lang g_lang = Lang::En;
std::string T(const char* ja, const char* en) {
  return g_lang == Lang::Ja ? ja : en;
}

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
}
void fail(const std::string& line) {
  std::fprintf(stderr, "honbu-report: %s\n", line.c_str());
}
std::string num(std::int64_t n) {
  return std::to_string(n);
}
// "3 incidents" / "1 incident" in English; Japanese counts say 件 where they are used.
std::string en_count(std::int64_t n, const char* one, const char* many) {
  return num(n) + " " + (n == 1 ? one : many);
}

// [SECTION] The database a command reads or writes

struct Source {
  std::string db, data_dir, dataset = "ACTUAL";
  std::string path() const { return db.empty() ? database_path(data_dir, dataset) : db; }
  // The node's data directory: where its control socket is when it runs.
  std::string node_dir() const {
    return db.empty() ? data_dir : fs::path(db).parent_path().string();
  }
};

void add_source(CLI::App* cmd, Source& s) {
  cmd->add_option("--db", s.db, "the node's database file (overrides --data-dir/--dataset)");
  cmd->add_option("--data-dir", s.data_dir, "the node's data directory")
      ->default_str(default_data_dir());
  cmd->add_option("--dataset", s.dataset, "ACTUAL or EXERCISE:<name>");
}

// Read-only: exports never write. A node may be running on the file meanwhile.
std::unique_ptr<Db> open_reader(const Source& src) {
  const std::string path = src.path();
  if (!fs::exists(path))
    throw Error(path + ": " +
                T("データベースがありません(--db を確認してください。作るときは honbu-db init)",
                  "no database there (check --db; honbu-db init creates one)"));
  return std::make_unique<Db>(path, OpenMode::ReadOnly);
}

bool is_locked(const StoreError& e) {
  return std::string_view(e.what()).find("already open for writing") != std::string_view::npos;
}

// The one writer of the file, for imports. nullptr (after saying why) when another program
// holds it: a second writer would reuse the node's op numbers.
std::unique_ptr<Store> open_writer(const Source& src) {
  const std::string path = src.path();
  if (!fs::exists(path)) {
    fail(path + ": " +
         T("データベースがありません(--db を確認してください)。何も書き込んでいません",
           "no database there (check --db); nothing was written"));
    return nullptr;
  }
  StoreOptions so;
  so.path = path;
  so.create_if_missing = false;
  try {
    std::unique_ptr<Store> store = Store::open(so);
    // What the node's peers would refuse is refused here; before the node has run once on the
    // file, its role is not known here, and that is said.
    if (!sync::keep_recorded_role_rules(*store))
      std::fprintf(stderr, "%s\n",
                   T("注意: このデータベースではまだノードが動いていないため、拠点の権限(支所の担当地区など)を"
                     "ここでは確かめられません。本部が受け付けない記録は、同期のときに本部で拒否されます",
                     "note: no node has run on this database yet, so its role rules (a branch's areas...) "
                     "cannot be checked here; what HQ does not accept will be refused by HQ when it syncs")
                       .c_str());
    return store;
  } catch (const StoreError& e) {
    if (!is_locked(e)) throw;
    fail(path + ": " +
         T("実行中のノードかコンソールが使用中です(書き込めるのは1つのプログラムだけです)。"
           "取り込むにはそのノードを止めてからやり直すか、コンソールの取込から行ってください。"
           "何も書き込んでいません",
           "in use by a running node or console (only one program may write a database). "
           "Stop that node and run this again, or import from the console. Nothing was "
           "written"));
    return nullptr;
  }
}

std::optional<TimeMs> parse_when(const std::string& text) {
  if (text.empty() || text == "now") return wall_now_ms();
  return parse_iso(text);
}

void write_file(const std::string& path, const std::string& bytes) {
  const fs::path dir = fs::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty()) fs::create_directories(dir, ec);
  if (ec)
    throw Error(dir.string() + ": " + T("フォルダを作れません: ", "cannot create the folder: ") +
                ec.message());
  std::ofstream f(path, std::ios::binary);
  f << bytes;
  f.close();
  if (!f) throw Error(path + ": " + T("書き込めません: ", "cannot write: ") + std::strerror(errno));
}

// A file shipped in assets/: $HONBU_ASSETS_DIR, ./assets, beside the installed program
// (../share/honbu), or the source tree this program was built in (a parent of the build
// directory). "" when none has it.
std::string find_asset(const std::string& relative) {
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("HONBU_ASSETS_DIR"); env && *env) roots.emplace_back(env);
  roots.emplace_back("assets");
  const fs::path exe = sync::program_dir();
  roots.push_back(exe / ".." / "share" / "honbu");
  for (fs::path p = exe; p.has_relative_path(); p = p.parent_path()) roots.push_back(p / "assets");
  for (const fs::path& r : roots) {
    std::error_code ec;
    if (fs::is_regular_file(r / relative, ec)) return (r / relative).lexically_normal().string();
  }
  return {};
}

// The area map (shapes for CAP polygons and GeoJSON areas): --map FILE, else $HONBU_MAP,
// else the demo town's map in assets/. A map that was asked for and cannot be read is an
// error; finding none by default only loses the shapes (said so).
struct MapChoice {
  std::optional<AreaMap> map;
  std::string path;
};
bool choose_map(const std::string& option, MapChoice& out) {
  std::string path = option;
  std::string asked_by = "--map";
  if (path.empty())
    if (const char* env = std::getenv("HONBU_MAP"); env && *env) path = env, asked_by = "HONBU_MAP";
  if (path.empty()) path = find_asset("map/minato-demo.geojson"), asked_by.clear();
  if (path.empty()) {
    say(T("  注: 地区の地図が見つかりません(--map で指定)。地区の形は出力しません",
          "  note: no area map found (give --map FILE): area shapes are left out"));
    return true;
  }
  if (!asked_by.empty() && !fs::is_regular_file(path)) {
    fail(path + " (" + asked_by + "): " + T("地図ファイルがありません", "no such map file"));
    return false;
  }
  try {
    out.map = load_area_map(path);
    out.path = path;
    return true;
  } catch (const std::exception& e) {
    fail(std::string(e.what()).find(path) == std::string::npos ? path + ": " + e.what() : e.what());
    return false;
  }
}

std::string dataset_note(const ExportContext& c) {
  return c.exercise ? "  訓練 / EXERCISE (" + c.dataset + ")" : "  " + c.dataset;
}

// [SECTION] Recording a publication

// Whether the node answering in `dir` runs on this very database (not another dataset of the
// same data directory).
bool node_holds(const std::string& dir, const std::string& db_path) {
  const auto reply = sync::node_ctl(dir, {"status"}, 5000);
  if (!reply) return false;
  try {
    const auto j = nlohmann::json::parse(*reply);
    // Its database is in the folder of its socket, so the same name is the same file (the
    // path it reports may be relative to its own working directory).
    return fs::path(j.value("db", std::string())).filename() == fs::path(db_path).filename();
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// Records a publication at the node: through the running node when it runs on this database
// (one writer per store), else in the database file directly.
bool record(const Source& src, const PublicationWrite& w, const std::string& who) {
  const std::string dir = src.node_dir();
  if (fs::exists(dir + "/control.sock") && node_holds(dir, src.path())) {
    drill::InjectWrite iw{EntityKind::Publication, w.id, to_fields(w.record), false};
    if (auto reply = sync::node_ctl(dir, {"publish", drill::inject_write_json(iw, who)}, 10000)) {
      if (reply->rfind("ok", 0) == 0) return true;
      fail(src.path() + ": " + T("記録できません: ", "not recorded: ") + *reply);
      return false;
    }
  }
  StoreOptions so;
  so.path = src.path();
  so.create_if_missing = false;
  std::unique_ptr<Store> store;
  try {
    store = Store::open(so);
    sync::keep_recorded_role_rules(*store);
  } catch (const StoreError& e) {
    if (!is_locked(e)) throw;
    fail(src.path() + ": " +
         T("使用中です(制御ソケットで応答するノードではありません。コンソール?)。"
           "発信記録はしていません。コンソールから記録するか、閉じてからやり直してください",
           "in use by a program that does not answer on a node control socket (a console?): "
           "not recorded. Record it from the console, or close it and run this again"));
    return false;
  }
  const LocalResult r = record_publication(*store, w, who);
  for (const Problem& p : r.problems) fail(src.path() + ": " + p.message(g_lang));
  return r.ok;
}

// --publish --to WHO --operator NAME for the exports.
struct Publish {
  bool on = false;
  std::string to, who;
};

void add_publish(CLI::App* cmd, Publish& p) {
  auto* flag = cmd->add_flag(
      "--publish", p.on, "record it as published (who, to whom, a digest); without it: a draft");
  cmd->add_option("--to", p.to, "who receives it (with --publish)")->needs(flag);
  cmd->add_option("--operator", p.who, "who hands it out (with --publish)")->needs(flag);
}

bool publish_usage_ok(const Publish& p) {
  if (!p.on || (!p.who.empty() && !p.to.empty())) return true;
  fail(T("--publish には --operator(発信者)と --to(宛先)が必要です",
         "--publish needs --operator (who hands it out) and --to (who receives it)"));
  return false;
}

// After the files are written: a draft says so; --publish records one Publication.
int finish_export(const Source& src, const Publish& p, std::string_view format, std::int64_t items,
                  const std::string& file_name, const std::string& bytes) {
  if (!p.on) {
    say("  " + T("下書きです(発信記録なし)。渡すときは --publish --to 宛先 --operator 氏名 を"
                 "付けてください",
                 "a draft: nothing was recorded as published. Add --publish --to WHO "
                 "--operator NAME when you hand it out"));
    return 0;
  }
  const TimeMs now = wall_now_ms();
  const PublicationWrite w =
      export_publication(format, items, file_name, bytes, p.who, p.to, now, now);
  if (!record(src, w, p.who)) {
    fail(T("出力は書きましたが、発信記録はしていません",
           "the output is written, but nothing was recorded as published"));
    return kFailed;
  }
  say("  " + T("発信記録: ", "recorded as published: ") + w.id + "  " + p.who + " → " + p.to);
  return 0;
}

// [SECTION] 第4号様式 and the publication log

int cmd_form4(const Source& src, int part, const std::string& as_of_text,
              const std::string& reporter, const std::string& out_dir, const std::string& csv_lang,
              bool bom, bool issue, const std::string& to, const std::string& who) {
  const auto as_of = parse_when(as_of_text);
  if (!as_of) {
    fail("--as-of: \"" + as_of_text + "\" " +
         T("は日時ではありません(例 2026-12-01T10:00:00+09:00、now)",
           "is not a date-time (e.g. 2026-12-01T10:00:00+09:00, now)"));
    return kUsage;
  }
  if (issue && who.empty()) {
    fail("--issue " + T("には --operator(発信者名)が必要です", "needs --operator (who sends it)"));
    return kUsage;
  }
  Form4Options o;
  o.part = part == 1 ? Form4Part::Sono1 : Form4Part::Sono2;
  o.as_of = *as_of;
  o.reported_at = wall_now_ms();
  o.reporter = reporter;
  Form4Report r;
  std::optional<sync::AuthDecision> refused;
  const std::string stem_of_part = "form4-" + num(part) + "-no";
  std::string html, html_path;
  std::optional<PublicationWrite> w;
  TimeMs published_at = wall_now_ms();
  {
    auto db = open_reader(src);
    // A drill's report "now" is the drill's time (as the console dates it), not today's: its
    // 第1報 said 12月4日13時16分現在 beside branch reports of 9月20日.
    if (as_of_text.empty() || as_of_text == "now")
      if (const auto drill_time = export_context(*db).drill_time) {
        o.as_of = o.reported_at = published_at = *drill_time;
        say(T("訓練データ: 時点は訓練の最新の記録時刻 ", "drill data: as of the drill's newest record, ") +
            format_iso_jst(*drill_time).substr(0, 16) + T(" (--as-of で変えられます)", " (--as-of to choose)"));
      }
    r = build_form4(*db, o);
    html = form4_html(r);
    html_path = (fs::path(out_dir) / (std::string(r.context.exercise ? "EXERCISE-" : "") + stem_of_part +
                                      num(r.number) + ".html")).string();
    if (issue) {
      w = form4_publication(r, who, to, fs::path(html_path).filename().string(), html, published_at);
      Op op;
      op.kind = EntityKind::Publication;
      op.entity_id = w->id;
      op.fields = to_fields(w->record);
      refused = sync::refused_by_recorded_rules(*db, std::move(op));
    }
  }
  // Issuing is HQ's: a branch is told so before any file is written (it printed an official-
  // looking 第1報 and refused only the record, on stderr).
  if (refused) {
    fail(src.path() + ": " + T("発信できません: ", "cannot issue: ") +
         (g_lang == Lang::Ja && !refused->reason_ja.empty() ? refused->reason_ja : refused->reason) +
         T("。ファイルは作っていません(下書きは --issue なしで作れます)",
           "; no file was written (a draft needs no --issue)"));
    return kFailed;
  }
  const std::string stem = std::string(r.context.exercise ? "EXERCISE-" : "") + stem_of_part + num(r.number);
  const std::string csv = form4_csv(r, csv_lang == "en" ? Lang::En : Lang::Ja, bom);
  const std::string csv_path = (fs::path(out_dir) / (stem + ".csv")).string();
  write_file(html_path, html);
  write_file(csv_path, csv);
  say(T("第4号様式 ", "Form 4 ") + (part == 1 ? T("その1", "part 1") : T("その2", "part 2")) + " " +
      T("第", "No. ") + num(r.number) + T("報", "") + " (" +
      (g_lang == Lang::Ja ? format_as_of_ja(r.as_of) : format_as_of_en(r.as_of)) + ")" +
      (r.context.exercise ? "  訓練 / EXERCISE" : ""));
  say("  " + html_path);
  say("  " + csv_path);
  int unreported = 0;
  for (const Form4Source& s : r.sources) unreported += !s.report;
  if (unreported)
    say("  " +
        T("未報告の所(全項目 未確認として計上): ",
          "offices without a report (all their items counted as unknown): ") +
        num(unreported));
  if (!r.changed.empty())
    say("  " + T("前回発信から変わった項目: ", "items changed since the last issued report: ") +
        num(static_cast<std::int64_t>(r.changed.size())));
  if (!issue) {
    say("  " + T("下書きです(発信記録なし)。送るときに --issue を付けてください",
                 "a draft: not recorded as issued. Add --issue when you send it"));
    return 0;
  }
  if (!record(src, *w, who)) return kFailed;
  say("  " + T("発信記録: 第", "recorded as issued: No. ") + num(r.number) + T("報 ", " ") + who +
      " → " + to);
  return 0;
}

int cmd_publications(const Source& src) {
  auto db = open_reader(src);
  const auto v = publications(*db);
  if (v.empty()) say(T("発信記録はありません", "nothing has been published"));
  for (const Publication& p : v) {
    std::string what = std::string(enums::publication_format.text(p.format, g_lang));
    if (p.report_no) what += " " + T("第", "No. ") + num(*p.report_no) + T("報", "");
    if (p.items && !p.report_no) what += " (" + num(*p.items) + T("件", " items") + ")";
    std::printf("%s  %s %s  %s → %s  %s\n",
                p.published_at ? format_iso_jst(p.published_at->ms).substr(0, 16).c_str() : "",
                pad_columns(what, 34).c_str(), p.file_name.c_str(), p.published_by.c_str(), p.addressed_to.c_str(),
                p.digest.c_str());
  }
  return 0;
}

// [SECTION] Exports: CAP 1.2, GeoJSON, CSV

struct CapArgs {
  std::string only, selection = "latest", map, sender, out;
  Publish publish;
};

int cmd_cap(const Source& src, const CapArgs& a) {
  if (!publish_usage_ok(a.publish)) return kUsage;
  MapChoice m;
  if (!choose_map(a.map, m)) return kUsage;
  CapOptions o;
  o.selection = a.selection == "history"     ? CapSelection::History
                : a.selection == "in-effect" ? CapSelection::InEffect
                                             : CapSelection::Latest;
  if (!a.only.empty()) {
    o.evacuation = a.only == "evacuation";
    o.shelters = a.only == "shelters";
    o.hq_state = a.only == "hq";
  }
  o.sender = a.sender;
  o.area_map = m.map ? &*m.map : nullptr;
  std::vector<CapAlert> alerts;
  ExportContext ctx;
  {
    auto db = open_reader(src);
    ctx = export_context(*db);
    try {
      alerts = export_cap(*db, o);
    } catch (const CapError& e) {
      fail(src.path() + ": " + e.what());
      return kFailed;
    }
  }
  say("CAP 1.2: " +
      (g_lang == Lang::Ja ? num(alerts.size()) + "件"
                          : en_count(alerts.size(), "alert", "alerts")) +
      " → " + a.out + dataset_note(ctx));
  if (alerts.empty()) {
    say("  " + T("書き出す電文はありません(避難情報・避難所の開設・本部体制がありません)",
                 "no alerts to write (no evacuation orders, shelter openings or HQ state)"));
    if (a.publish.on) say("  " + T("発信記録はしていません", "nothing was recorded"));
    return 0;
  }
  std::string bytes, list;
  std::set<std::string> written;
  for (const CapAlert& alert : alerts) {
    const std::string name = cap_file_name(alert);
    write_file((fs::path(a.out) / name).string(), alert.xml);
    written.insert(name);
    bytes += alert.xml;
    list += (list.empty() ? "" : " ") + name;
    std::printf("  %-7s %-9s %s\n", alert.msg_type.c_str(), alert.status.c_str(),
                alert.identifier.c_str());
  }
  int others = 0;
  for (const auto& e : fs::directory_iterator(a.out))
    others += e.path().extension() == ".xml" && !written.contains(e.path().filename().string());
  if (others)
    say("  " + T("注: このフォルダには今回以外の .xml が ", "note: the folder also holds ") +
        num(others) +
        T(" 個あります(今回の出力ではありません)", " other .xml files (not part of this export)"));
  // The record names the files when they fit in its field, else the folder.
  const std::string file_name = utf8_length(list) <= 200 ? list : a.out;
  return finish_export(src, a.publish, "cap", static_cast<std::int64_t>(alerts.size()), file_name,
                       bytes);
}

struct GeoJsonArgs {
  bool no_incidents = false, no_shelters = false, no_lifelines = false;
  std::string map, out, lang;
  Publish publish;
};

int cmd_geojson(const Source& src, const GeoJsonArgs& a) {
  if (!publish_usage_ok(a.publish)) return kUsage;
  if (a.no_incidents && a.no_shelters && a.no_lifelines) {
    fail(T("出力する層がありません(--no-* をすべて付けています)",
           "nothing to export: every layer is left out (--no-*)"));
    return kUsage;
  }
  MapChoice m;
  if (!a.no_lifelines && !choose_map(a.map, m)) return kUsage;
  GeoJsonExportOptions o;
  o.incidents = !a.no_incidents;
  o.shelters = !a.no_shelters;
  o.lifelines = !a.no_lifelines;
  o.area_map = m.map ? &*m.map : nullptr;
  o.lang = a.lang.empty() ? g_lang : a.lang == "ja" ? Lang::Ja : Lang::En;
  GeoJsonExport g;
  ExportContext ctx;
  {
    auto db = open_reader(src);
    ctx = export_context(*db);
    g = export_geojson(*db, o);
  }
  write_file(a.out, g.text);
  say("GeoJSON: " + a.out + dataset_note(ctx));
  std::string counts;
  auto add = [&](bool on, int n, const char* ja, const char* one, const char* many) {
    if (!on) return;
    if (!counts.empty()) counts += g_lang == Lang::Ja ? "、" : ", ";
    counts += g_lang == Lang::Ja ? std::string(ja) + num(n) + "件" : en_count(n, one, many);
  };
  add(o.incidents, g.incidents, "事案", "incident", "incidents");
  add(o.shelters, g.shelters, "避難所", "shelter", "shelters");
  add(o.lifelines, g.areas, "ライフライン(地区)", "lifeline area", "lifeline areas");
  say("  " + counts);
  auto left_out = [](int n, const char* ja, const char* one, const char* many) {
    if (n == 0) return;
    say("  " + (g_lang == Lang::Ja
                    ? std::string(ja) + num(n) + "件は出力していません"
                    : en_count(n, one, many) + (n == 1 ? " was" : " were") + " not exported"));
  };
  left_out(g.incidents_without_location, "位置のない事案", "incident without a location",
           "incidents without a location");
  left_out(g.shelters_without_location, "位置のない避難所", "shelter without a location",
           "shelters without a location");
  left_out(g.areas_without_shape, "地図に形のない地区", "area without a shape in the map",
           "areas without a shape in the map");
  return finish_export(src, a.publish, "geojson", g.incidents + g.shelters + g.areas,
                       fs::path(a.out).filename().string(), g.text);
}

struct CsvArgs {
  std::string table = "all", lang, out;
  bool field_names = false, labels = false, bom = false;
  Publish publish;
};

int cmd_csv(const Source& src, const CsvArgs& a) {
  if (!publish_usage_ok(a.publish)) return kUsage;
  std::vector<EntityKind> kinds;
  if (a.table == "all") {
    kinds.assign(csv_export_kinds().begin(), csv_export_kinds().end());
  } else if (auto k = csv_kind_from_name(a.table)) {
    kinds.push_back(*k);
  } else {
    std::string names;
    for (EntityKind t : csv_export_kinds()) names += std::string(spec(t).table) + ", ";
    fail("--table " + a.table + ": " +
         T("そのような表はありません。表: ", "no such table; tables: ") + names + "all");
    return kUsage;
  }
  CsvOptions o;
  o.lang = a.lang.empty() ? g_lang : a.lang == "ja" ? Lang::Ja : Lang::En;
  o.field_names = a.field_names;
  o.labels = a.labels;
  o.bom = a.bom;
  std::vector<std::pair<std::string, std::string>> files;  // name, text
  ExportContext ctx;
  {
    auto db = open_reader(src);
    ctx = export_context(*db);
    for (EntityKind k : kinds) files.emplace_back(csv_file_name(k), export_csv(*db, k, o));
  }
  say("CSV: " + a.out + dataset_note(ctx));
  std::string bytes;
  std::int64_t rows = 0;
  for (const auto& [name, text] : files) {
    const std::string path = (fs::path(a.out) / name).string();
    write_file(path, text);
    const auto n = static_cast<std::int64_t>(parse_csv(text).records.size()) - 1;
    std::printf("  %-24s %6lld %s\n", name.c_str(), static_cast<long long>(n),
                T("行", n == 1 ? "row" : "rows").c_str());
    rows += n;
    bytes += text;
  }
  if (files.size() > 1)
    say("  " + (g_lang == Lang::Ja
                    ? num(files.size()) + "ファイル、計" + num(rows) + "行"
                    : num(files.size()) + " files, " + en_count(rows, "row", "rows")));
  const std::string file_name = files.size() == 1 ? files.front().first : a.out;
  return finish_export(src, a.publish, "csv", rows, file_name, bytes);
}

// [SECTION] Imports: CAP alerts, CSV master data

void print_problems(const std::string& file, const std::vector<ImportProblem>& problems) {
  for (const ImportProblem& p : problems) fail(file + ": " + p.message(g_lang));
}

// Files that cannot be read are named with the reason before anything is opened for writing.
bool readable(const std::vector<std::string>& files) {
  bool ok = true;
  for (const std::string& f : files) {
    std::error_code ec;
    if (fs::is_directory(f, ec)) {
      fail(f + ": " + T("フォルダです(ファイルを指定してください)", "a folder, not a file"));
      ok = false;
    } else if (!std::ifstream(f, std::ios::binary)) {
      fail(f + ": " + T("開けません: ", "cannot open: ") + std::strerror(errno));
      ok = false;
    }
  }
  if (!ok) fail(T("取り込みませんでした(何も書き込んでいません)", "refused, nothing was written"));
  return ok;
}

int cmd_import_cap(const Source& src, const std::vector<std::string>& files, const std::string& who,
                   const std::string& schema) {
  CapImportOptions o;
  if (!who.empty()) o.operator_name = who;
  o.xsd_path = schema.empty() ? find_asset("schemas/CAP-v1.2.xsd") : schema;
  if (!schema.empty() && !fs::is_regular_file(schema)) {
    fail(schema + " (--schema): " + T("ファイルがありません", "no such file"));
    return kUsage;
  }
  if (!readable(files)) return kFailed;
  auto store = open_writer(src);
  if (!store) return kFailed;
  // Every file in one transaction: one refused alert and none is written.
  struct Refused {};
  std::vector<CapImportResult> results;
  int refused = 0;
  try {
    store->batch([&] {
      for (const std::string& f : files) {
        o.source_name = f;
        results.push_back(import_cap_file(*store, f, o));
        refused += !results.back().ok;
      }
      if (refused) throw Refused{};
    });
  } catch (const Refused&) {
  }
  if (refused) {
    for (size_t i = 0; i < files.size(); ++i) print_problems(files[i], results[i].problems);
    fail(T("取り込みませんでした(何も書き込んでいません): ", "refused, nothing was written: ") +
         num(refused) +
         T(" ファイルに問題があります",
           refused == 1 ? " file has problems" : " files have problems"));
    return kFailed;
  }
  say("CAP → " + src.path() + " (" + store->dataset() + ")");
  int created = 0, moved = 0, duplicates = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const CapImportResult& r = results[i];
    const std::string name = fs::path(files[i]).filename().string();
    std::string line = "  " + name + ": " + r.msg_type + " " + r.status;
    if (name != r.identifier + ".xml") line += " " + r.identifier;
    if (r.duplicate) {
      line += T("  取込済み(書き込みなし)", "  already imported (nothing written)");
      ++duplicates;
    } else {
      line += T(" → クロノロ ", " → chronology ") + r.chronology_id;
      if (!r.incident_id.empty())
        line += (r.incident_created ? T("、事案を登録 ", ", incident created ")
                                    : T("、事案を更新 ", ", incident updated ")) +
                r.incident_id;
      created += !r.incident_id.empty() && r.incident_created;
      moved += !r.incident_id.empty() && !r.incident_created;
    }
    say(line);
  }
  const int n = static_cast<int>(files.size()) - duplicates;
  std::string summary;
  if (g_lang == Lang::Ja) {
    summary = n ? num(n) + "件を取り込みました(クロノロ" + num(n) + "件、事案の登録" +
                      num(created) + "件・更新" + num(moved) + "件)"
                : std::string("新たに取り込んだ電文はありません");
    if (duplicates) summary += "。" + num(duplicates) + "件は取込済みです";
  } else {
    summary = n ? "imported " + en_count(n, "alert", "alerts") + " (" +
                      en_count(n, "chronology entry", "chronology entries") + ", " +
                      en_count(created, "incident", "incidents") + " created, " + num(moved) +
                      " updated)"
                : std::string("nothing new imported");
    if (duplicates) summary += "; " + num(duplicates) + " already imported";
  }
  say("  " + summary);
  return 0;
}

int cmd_import_csv(const Source& src, const std::string& table, const std::string& file,
                   const std::string& who) {
  const auto kind = csv_kind_from_name(table.empty() ? file : table);
  if (!kind || !csv_importable(*kind)) {
    fail((table.empty()
              ? file + ": " +
                    T("ファイル名から表が分かりません", "the file name does not say which table")
              : "--table " + table) +
         ": " +
         T("取り込めるのは branches(支所)、areas(地区)、shelters(避難所)です。--table で指定してください",
           "only branches, areas and shelters can be imported; say which with --table"));
    return kUsage;
  }
  CsvImportOptions o;
  if (!who.empty()) o.operator_name = who;
  if (!readable({file})) return kFailed;
  auto store = open_writer(src);
  if (!store) return kFailed;
  const CsvImportResult r = import_csv_file(*store, *kind, file, o);
  if (!r.ok) {
    print_problems(file, r.problems);
    fail(file + ": " +
         T("取り込みませんでした(何も書き込んでいません)", "refused, nothing was written") + " (" +
         (g_lang == Lang::Ja ? "問題" + num(r.problems.size()) + "件"
                             : en_count(r.problems.size(), "problem", "problems")) +
         ")");
    return kFailed;
  }
  say(file + " → " + std::string(spec(*kind).table) + " (" + src.path() + ", " + store->dataset() +
      ")");
  say("  " + (g_lang == Lang::Ja ? "登録" + num(r.created) + "件、更新" + num(r.updated) +
                                       "件、変更なし" + num(r.unchanged) + "件"
                                 : num(r.created) + " created, " + num(r.updated) + " updated, " +
                                       num(r.unchanged) + " unchanged"));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  honbu::keep_files_private();
  g_lang = lang_from_environment();
  CLI::App app{
      "honbu-report: 第4号様式, CAP 1.2, GeoJSON and CSV from a node's database, and imports "
      "of CAP alerts and CSV master data"};
  app.require_subcommand(1);
  app.fallthrough();  // --lang works after the command too (unless the command has its own)
  std::string lang;
  app.add_option("--lang", lang, "language of the messages: ja or en (default: from LANG)")
      ->check(CLI::IsMember({"ja", "en"}));

  Source src;
  auto* f4 = app.add_subcommand(
      "4goyoshiki", "消防庁 第4号様式 その1/その2: HTML (A4) and CSV; --issue records it as sent");
  add_source(f4, src);
  int part = 2;
  std::string as_of = "now", reporter, out_dir = ".", csv_lang = "ja", to, who;
  bool bom = false, issue = false;
  f4->add_option("--part", part, "1: その1 災害概況即報, 2: その2 被害状況即報")
      ->check(CLI::IsMember({1, 2}));
  f4->add_option("--as-of", as_of, "「○時現在」: ISO 8601 (2026-12-01T10:00:00+09:00) or now");
  f4->add_option("--reporter", reporter, "報告者名");
  f4->add_option("--out", out_dir, "directory for the files");
  f4->add_option("--csv-lang", csv_lang, "CSV header language")->check(CLI::IsMember({"ja", "en"}));
  f4->add_flag("--bom", bom, "CSV with a BOM (Excel)");
  f4->add_flag("--issue", issue, "record it as issued (第N報 is taken)");
  f4->add_option("--to", to, "宛先 (e.g. 神奈川県災害対策本部)");
  f4->add_option("--operator", who, "who issues it");
  f4->footer("example: honbu-report 4goyoshiki --db hq/exercise-demo.db --out reports/");

  CapArgs cap;
  auto* capc = app.add_subcommand(
      "cap", "CAP 1.2 alerts (evacuation orders, shelters, HQ state): one XML file per alert");
  add_source(capc, src);
  capc->add_option("--out", cap.out, "directory for the files")->required();
  capc->add_option("--only", cap.only, "one kind: evacuation, shelters or hq")
      ->check(CLI::IsMember({"evacuation", "shelters", "hq"}));
  capc->add_option("--selection", cap.selection,
                   "latest: newest message per item; in-effect: not cancelled; history: all")
      ->check(CLI::IsMember({"latest", "in-effect", "history"}))
      ->capture_default_str();
  capc->add_option(
      "--map", cap.map,
      "area map for polygons (default: $HONBU_MAP, else assets/map/minato-demo.geojson)");
  capc->add_option("--sender", cap.sender, "<sender> (default: honbu-<municipality code>)");
  add_publish(capc, cap.publish);
  capc->footer("example: honbu-report cap --db hq/exercise-demo.db --out cap/");

  GeoJsonArgs geo;
  auto* geoc = app.add_subcommand(
      "geojson", "GeoJSON (RFC 7946) of incidents, shelters and lifeline status by area");
  add_source(geoc, src);
  geoc->add_option("--out", geo.out, "the .geojson file to write")->required();
  geoc->add_flag("--no-incidents", geo.no_incidents, "leave out the incidents");
  geoc->add_flag("--no-shelters", geo.no_shelters, "leave out the shelters");
  geoc->add_flag("--no-lifelines", geo.no_lifelines, "leave out the lifeline areas");
  geoc->add_option("--map", geo.map,
                   "area map for the lifeline areas (default: $HONBU_MAP, else the demo map)");
  geoc->add_option("--lang", geo.lang,
                   "language of the *_label properties (default: the messages' language)")
      ->check(CLI::IsMember({"ja", "en"}));
  add_publish(geoc, geo.publish);
  geoc->footer("example: honbu-report geojson --db hq/actual.db --out situation.geojson");

  CsvArgs csv;
  auto* csvc = app.add_subcommand("csv", "CSV (RFC 4180) of every table, one file per table");
  add_source(csvc, src);
  csvc->add_option("--out", csv.out, "directory for the files")->required();
  csvc->add_option("--table", csv.table, "one table (incidents, shelters, ...) or all")
      ->capture_default_str();
  csvc->add_option("--lang", csv.lang,
                   "header (and label) language (default: the messages' language)")
      ->check(CLI::IsMember({"ja", "en"}));
  csvc->add_flag("--field-names", csv.field_names, "header of field names instead of labels");
  csvc->add_flag("--labels", csv.labels, "coded values as labels (避難指示, はい, 未確認)");
  csvc->add_flag("--bom", csv.bom, "start each file with a UTF-8 BOM (Excel)");
  add_publish(csvc, csv.publish);
  csvc->footer("example: honbu-report csv --db hq/actual.db --bom --out csv/");

  std::vector<std::string> cap_files;
  std::string import_who, schema;
  auto* icap = app.add_subcommand(
      "import-cap", "CAP 1.2 alerts into the クロノロ (and incidents); all files or none");
  add_source(icap, src);
  icap->add_option("files", cap_files, "CAP alert files (.xml)")->required();
  icap->add_option("--operator", import_who, "who imports them (recorded; default CAP取込)");
  icap->add_option("--schema", schema, "the CAP 1.2 XSD (default: assets/schemas/CAP-v1.2.xsd)");
  icap->footer(
      "The node must not be running on the database (stop it, or import from the console).\n"
      "example: honbu-report import-cap --db hq/actual.db pref-0001.xml");

  std::string csv_table, csv_file;
  auto* icsv =
      app.add_subcommand("import-csv", "CSV master data (branches, areas, shelters); all rows or none");
  add_source(icsv, src);
  icsv->add_option("--table", csv_table, "branches, areas or shelters (default: from the file name)")
      ->check(CLI::IsMember({"branches", "areas", "shelters", "branch", "area", "shelter"}));
  icsv->add_option("file", csv_file, "the CSV file")->required();
  icsv->add_option("--operator", import_who, "who imports it (recorded; default CSV取込)");
  icsv->footer(
      "The node must not be running on the database (stop it, or import from the console).\n"
      "example: honbu-report import-csv --db hq/actual.db --table shelters shelters.csv");

  auto* pubs =
      app.add_subcommand("publications", "what was published: when, which, by whom, to whom");
  add_source(pubs, src);

  if (auto exit_status = parse_command_line(app, argc, argv)) return *exit_status;
  if (!lang.empty()) g_lang = lang == "ja" ? Lang::Ja : Lang::En;
  try {
    if (*f4) return cmd_form4(src, part, as_of, reporter, out_dir, csv_lang, bom, issue, to, who);
    if (*capc) return cmd_cap(src, cap);
    if (*geoc) return cmd_geojson(src, geo);
    if (*csvc) return cmd_csv(src, csv);
    if (*icap) return cmd_import_cap(src, cap_files, import_who, schema);
    if (*icsv) return cmd_import_csv(src, csv_table, csv_file, import_who);
    if (*pubs) return cmd_publications(src);
  } catch (const std::exception& e) {
    fail(e.what());
    return kFailed;
  }
  return 0;
}
