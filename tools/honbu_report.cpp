// honbu-report: what HQ sends out, from a node's database — 第4号様式 (その1/その2) as
// printable HTML and CSV, CAP 1.2 alerts, GeoJSON, CSV of every table — and what comes in
// (CAP alerts, CSV master data). Building a file never publishes it: --issue / --publish is
// the explicit act, recorded in the store (a Publication: what, when, by whom, to whom).
//   honbu-report 4goyoshiki --db F [--part 1|2] [--as-of T] [--reporter NAME] [--out DIR]
//                           [--csv-lang ja|en] [--bom] [--issue --to 県 --operator NAME]
//   honbu-report publications --db F
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/drill/apply.hpp"
#include "model/export/form4_report.hpp"
#include "model/export/publication.hpp"
#include "model/labels.hpp"
#include "model/paths.hpp"
#include "model/time.hpp"
#include "sync/node_process.hpp"

using namespace honbu;

namespace {

Lang g_lang = Lang::En;
std::string T(const char* ja, const char* en) { return g_lang == Lang::Ja ? ja : en; }

struct Source {
  std::string db, data_dir, dataset = "ACTUAL";
  std::string path() const { return db.empty() ? database_path(data_dir, dataset) : db; }
  // The node's data directory: where its control socket is when it runs.
  std::string node_dir() const {
    return db.empty() ? data_dir : std::filesystem::path(db).parent_path().string();
  }
};

void add_source(CLI::App* cmd, Source& s) {
  cmd->add_option("--db", s.db, "the node's database file (overrides --data-dir/--dataset)");
  cmd->add_option("--data-dir", s.data_dir, "the node's data directory")->default_str(default_data_dir());
  cmd->add_option("--dataset", s.dataset, "ACTUAL or EXERCISE:<name>");
}

std::optional<TimeMs> parse_when(const std::string& text) {
  if (text.empty() || text == "now") return wall_now_ms();
  return parse_iso(text);
}

void write_file(const std::string& path, const std::string& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path().empty() ? "." : std::filesystem::path(path).parent_path());
  std::ofstream f(path, std::ios::binary);
  f << bytes;
  f.close();
  if (!f) throw Error("cannot write " + path);
}

// Records a publication at the node: through the running node when it runs (one writer per
// store), else in the database file directly.
bool record(const Source& src, const PublicationWrite& w, const std::string& who) {
  const std::string dir = src.node_dir();
  if (std::filesystem::exists(dir + "/control.sock") || std::filesystem::exists(dir + "/node.sock")) {
    drill::InjectWrite iw{EntityKind::Publication, w.id, to_fields(w.record), false};
    if (auto reply = sync::node_ctl(dir, {"publish", drill::inject_write_json(iw, who)}, 10000)) {
      if (reply->rfind("ok", 0) == 0) return true;
      std::fprintf(stderr, "honbu-report: %s %s\n", T("記録できません:", "not recorded:").c_str(), reply->c_str());
      return false;
    }
  }
  StoreOptions so;
  so.path = src.path();
  so.create_if_missing = false;
  auto store = Store::open(so);
  const LocalResult r = record_publication(*store, w, who);
  for (const Problem& p : r.problems) std::fprintf(stderr, "honbu-report: %s\n", p.message(g_lang).c_str());
  return r.ok;
}

int cmd_form4(const Source& src, int part, const std::string& as_of_text, const std::string& reporter, const std::string& out_dir,
              const std::string& csv_lang, bool bom, bool issue, const std::string& to, const std::string& who) {
  const auto as_of = parse_when(as_of_text);
  if (!as_of) {
    std::fprintf(stderr, "honbu-report: --as-of: \"%s\" %s\n", as_of_text.c_str(),
                 T("は日時ではありません(例 2026-12-01T10:00:00+09:00、now)", "is not a date-time (e.g. 2026-12-01T10:00:00+09:00, now)").c_str());
    return 2;
  }
  Form4Options o;
  o.part = part == 1 ? Form4Part::Sono1 : Form4Part::Sono2;
  o.as_of = *as_of;
  o.reported_at = wall_now_ms();
  o.reporter = reporter;
  Form4Report r;
  {
    Db db(src.path(), OpenMode::ReadOnly);
    r = build_form4(db, o);
  }
  const std::string stem = std::string(r.context.exercise ? "EXERCISE-" : "") + "form4-" + std::to_string(part) + "-no" +
                           std::to_string(r.number);
  const std::string html = form4_html(r);
  const std::string csv = form4_csv(r, csv_lang == "en" ? Lang::En : Lang::Ja, bom);
  const std::string html_path = (std::filesystem::path(out_dir) / (stem + ".html")).string();
  const std::string csv_path = (std::filesystem::path(out_dir) / (stem + ".csv")).string();
  write_file(html_path, html);
  write_file(csv_path, csv);
  std::printf("%s %s %s (%s)%s\n", T("第4号様式", "Form 4").c_str(), part == 1 ? T("その1", "part 1").c_str() : T("その2", "part 2").c_str(),
              (T("第", "No. ") + std::to_string(r.number) + T("報", "")).c_str(),
              (g_lang == Lang::Ja ? format_as_of_ja(r.as_of) : format_as_of_en(r.as_of)).c_str(),
              r.context.exercise ? "  訓練 / EXERCISE" : "");
  std::printf("  %s\n  %s\n", html_path.c_str(), csv_path.c_str());
  int unreported = 0;
  for (const Form4Source& s : r.sources) unreported += !s.report;
  if (unreported)
    std::printf("  %s %d\n", T("未報告の所(全項目 未確認として計上):", "offices without a report (all their items counted as unknown):").c_str(),
                unreported);
  if (!r.changed.empty())
    std::printf("  %s %zu\n", T("前回発信から変わった項目:", "items changed since the last issued report:").c_str(), r.changed.size());
  if (!issue) {
    std::printf("  %s\n", T("下書きです(発信記録なし)。送るときに --issue を付けてください",
                             "a draft: not recorded as issued. Add --issue when you send it").c_str());
    return 0;
  }
  if (who.empty()) {
    std::fprintf(stderr, "honbu-report: --issue %s\n", T("には --operator(発信者名)が必要です", "needs --operator (who sends it)").c_str());
    return 2;
  }
  const PublicationWrite w = form4_publication(r, who, to, std::filesystem::path(html_path).filename().string(), html, wall_now_ms());
  if (!record(src, w, who)) return 1;
  std::printf("  %s\n", (T("発信記録: 第", "recorded as issued: No. ") + std::to_string(r.number) + T("報 ", " ") + who + " → " + to).c_str());
  return 0;
}

int cmd_publications(const Source& src) {
  Db db(src.path(), OpenMode::ReadOnly);
  const auto v = publications(db);
  if (v.empty()) std::printf("%s\n", T("発信記録はありません", "nothing has been published").c_str());
  for (const Publication& p : v)
    std::printf("%s  %-34s %s  %s → %s  %s\n", p.published_at ? format_iso_jst(p.published_at->ms).substr(0, 16).c_str() : "",
                (std::string(enums::publication_format.text(p.format, g_lang)) +
                 (p.report_no ? " " + T("第", "No. ") + std::to_string(*p.report_no) + T("報", "") : ""))
                    .c_str(),
                p.file_name.c_str(), p.published_by.c_str(), p.addressed_to.c_str(), p.digest.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  g_lang = lang_from_locale(std::getenv("LANG"));
  CLI::App app{"honbu-report: 第4号様式, CAP 1.2, GeoJSON and CSV from a node's database (and imports)"};
  app.require_subcommand(1);
  std::string lang;
  app.add_option("--lang", lang, "ja or en (default: from LANG)")->check(CLI::IsMember({"ja", "en"}));

  Source src;
  auto* f4 = app.add_subcommand("4goyoshiki", "消防庁 第4号様式 その1/その2: HTML (A4) and CSV; --issue records it as sent");
  add_source(f4, src);
  int part = 2;
  std::string as_of = "now", reporter, out_dir = ".", csv_lang = "ja", to, who;
  bool bom = false, issue = false;
  f4->add_option("--part", part, "1: その1 災害概況即報, 2: その2 被害状況即報")->check(CLI::IsMember({1, 2}));
  f4->add_option("--as-of", as_of, "「○時現在」: ISO 8601 (2026-12-01T10:00:00+09:00) or now");
  f4->add_option("--reporter", reporter, "報告者名");
  f4->add_option("--out", out_dir, "directory for the files");
  f4->add_option("--csv-lang", csv_lang, "CSV header language")->check(CLI::IsMember({"ja", "en"}));
  f4->add_flag("--bom", bom, "CSV with a BOM (Excel)");
  f4->add_flag("--issue", issue, "record it as issued (第N報 is taken)");
  f4->add_option("--to", to, "宛先 (e.g. 神奈川県災害対策本部)");
  f4->add_option("--operator", who, "who issues it");

  auto* pubs = app.add_subcommand("publications", "what was published: when, which, by whom, to whom");
  add_source(pubs, src);

  CLI11_PARSE(app, argc, argv);
  if (!lang.empty()) g_lang = lang == "ja" ? Lang::Ja : Lang::En;
  try {
    if (*f4) return cmd_form4(src, part, as_of, reporter, out_dir, csv_lang, bom, issue, to, who);
    if (*pubs) return cmd_publications(src);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "honbu-report: %s\n", e.what());
    return 1;
  }
  return 0;
}
