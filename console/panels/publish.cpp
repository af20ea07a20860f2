// 発信・出力 Publish: the 第4号様式 report (その1/その2) previewed as of a time — each office's
// latest 第N報 summed, 未確認 shown as such, what changed since the last issued report marked —
// saved as HTML (A4) and CSV, and issued (HQ only) as an explicit act that is recorded; CAP
// 1.2, GeoJSON and CSV exports; the record of everything published; imports from other
// systems (a prefecture's CAP alert, shelter and area lists as CSV), all-or-nothing. Editing data never
// publishes anything: only the buttons here do, and each press is in the record.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "console/panel.hpp"
#include "console/panels/factories.hpp"
#include "console/strings.hpp"
#include "console/widgets.hpp"
#include "model/export/cap.hpp"
#include "model/export/csv.hpp"
#include "model/export/form4_report.hpp"
#include "model/export/geojson_export.hpp"
#include "model/export/publication.hpp"
#include "model/geojson.hpp"
#include "tools/import/cap_import.hpp"
#include "tools/import/csv_import.hpp"

namespace honbu::console {

namespace {

// Writes files; "" when all went well, else why not.
std::string write_files(const std::vector<std::pair<std::string, std::string>>& files) {
  try {
    for (const auto& [path, bytes] : files) {
      std::filesystem::create_directories(std::filesystem::path(path).parent_path());
      std::ofstream f(path, std::ios::binary);
      f << bytes;
      f.close();
      if (!f) return "cannot write " + path;
    }
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// 第N報 / No. N (a number inside a phrase: no string-table pair fits both word orders).
std::string report_no_text(std::int64_t n) {
  return ui_lang() == Lang::Ja ? "第" + std::to_string(n) + "報" : "No. " + std::to_string(n);
}

struct Exported {
  std::vector<std::pair<std::string, std::string>> files;  // path, bytes
  std::string format, summary, error;
  std::int64_t items = 0;
};

class Publish : public Panel {
 public:
  std::string_view id() const override { return "publish"; }
  std::string_view title_key() const override { return "panel.publish"; }

  void on_changes(Session& s, const ChangeSet& c) override {
    if (out_dir_.empty()) out_dir_ = s.data_dir + "/reports";
    if (c.has(EntityKind::Publication) || c.has(EntityKind::BranchReport) || c.has(EntityKind::HqState) || history_ == nullptr) {
      s.reader->request<std::shared_ptr<const std::vector<Publication>>>(
          "publications", [](Db& db) { return std::make_shared<const std::vector<Publication>>(publications(db)); },
          [this](std::shared_ptr<const std::vector<Publication>> v) { history_ = std::move(v); });
      if (report_) build(s);  // the preview follows the data (and the numbering)
    }
  }

  void draw(Session& s) override {
    if (s.exercise) ImGui::TextColored(to_vec4(colors::kExercise), "%s", T("pub.exercise_note"));
    if (ImGui::BeginTabBar("publish")) {
      if (ImGui::BeginTabItem(T("pub.tab_form4"))) {
        form4(s);
        ImGui::EndTabItem();
      }
      if (ImGui::BeginTabItem(T("pub.tab_exports"))) {
        exports(s);
        ImGui::EndTabItem();
      }
      if (ImGui::BeginTabItem(T("pub.tab_history"))) {
        history();
        ImGui::EndTabItem();
      }
      if (ImGui::BeginTabItem(T("pub.tab_import"))) {
        imports(s);
        ImGui::EndTabItem();
      }
      ImGui::EndTabBar();
    }
  }

 private:
  // [SECTION] 第4号様式
  void build(Session& s) {
    Form4Options o;
    o.part = part_ == 1 ? Form4Part::Sono1 : Form4Part::Sono2;
    o.as_of = as_of_now_ ? s.now : as_of_;
    o.reported_at = s.now;
    o.reporter = reporter_.empty() ? s.operator_name : reporter_;
    if (as_of_now_) as_of_ = o.as_of;
    in_flight_ = true;
    s.reader->request<std::shared_ptr<const Form4Report>>(
        "form4", [o](Db& db) { return std::make_shared<const Form4Report>(build_form4(db, o)); },
        [this](std::shared_ptr<const Form4Report> r) {
          report_ = std::move(r);
          in_flight_ = false;
        });
  }

  void form4(Session& s) {
    bool rebuild = false;
    rebuild |= ImGui::RadioButton(T("pub.sono1"), &part_, 1);
    ImGui::SameLine();
    rebuild |= ImGui::RadioButton(T("pub.sono2"), &part_, 2);
    ImGui::SameLine();
    rebuild |= ImGui::Checkbox(T("pub.as_of_now"), &as_of_now_);
    if (!as_of_now_) {
      ImGui::SameLine();
      ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
      if (as_of_text_.empty()) as_of_text_ = format_iso_jst(as_of_).substr(0, 16);
      if (ImGui::InputText(T("pub.as_of"), &as_of_text_, ImGuiInputTextFlags_EnterReturnsTrue)) {
        if (auto t = parse_iso(as_of_text_.size() == 16 ? as_of_text_ + ":00+09:00" : as_of_text_)) {
          as_of_ = *t;
          rebuild = true;
          as_of_error_ = false;
        } else {
          as_of_error_ = true;
        }
      }
      if (as_of_error_) ImGui::TextColored(to_vec4(colors::kRed), "%s", T("pub.as_of_bad"));
    }
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    ImGui::InputTextWithHint("##reporter", T("pub.reporter"), &reporter_);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
    ImGui::InputTextWithHint("##to", T("pub.addressed_to"), &addressed_to_);
    // 「現在の時点で」 follows the clock (a drill's runs fast): rebuilt when the minute turns,
    // so what is issued is as of the minute of the click, not of when the panel opened.
    if (as_of_now_ && report_ && !in_flight_ && s.now / 60'000 != report_->as_of / 60'000) rebuild = true;
    if (rebuild || (!report_ && !building_)) {
      building_ = true;
      build(s);
    }
    if (!report_) {
      ImGui::TextDisabled("%s", T("common.loading"));
      return;
    }
    const Form4Report& r = *report_;
    ImGui::Separator();
    ImGui::Text("%s %s  %s", report_no_text(r.number).c_str(),
                ui_lang() == Lang::Ja ? format_as_of_ja(r.as_of).c_str() : format_as_of_en(r.as_of).c_str(),
                r.previous ? (std::string(T("pub.changes")) + " " + std::to_string(r.changed.size())).c_str() : T("pub.first"));
    int unreported = 0;
    for (const Form4Source& src : r.sources) unreported += !src.report;
    if (unreported) ImGui::TextColored(to_vec4(colors::kOrange), "%s %d", T("pub.unreported"), unreported);
    const std::string stale = stale_sources(r);
    if (!stale.empty()) ImGui::TextColored(to_vec4(colors::kOrange), "%s %s", T("pub.stale"), stale.c_str());
    preview(r);
    ImGui::Separator();
    // Saving a draft writes files only; issuing (HQ) also takes the number and records it.
    if (ImGui::Button(T("pub.save_draft"))) save_form4(s, false);
    if (s.hq()) {
      ImGui::SameLine();
      if (action_button("publish.form4_issue", T("pub.issue"))) ImGui::OpenPopup("confirm_issue");
      if (ImGui::BeginPopup("confirm_issue")) {
        ImGui::TextUnformatted(T("pub.issue_confirm"));
        if (ImGui::Button(T("pub.issue"))) {
          save_form4(s, true);
          ImGui::CloseCurrentPopup();
        }
        ImGui::SameLine();
        if (ImGui::Button(T("common.cancel"))) ImGui::CloseCurrentPopup();
        ImGui::EndPopup();
      }
    }
    if (!note_.empty()) ImGui::TextWrapped("%s", note_.c_str());
    problems_box(problems_);
  }

  // Offices whose latest report was already older than their limit at the form's as-of time
  // ("南部支所 第1報 (1時間35分前)"): their figures go to the prefecture as they were then.
  static std::string stale_sources(const Form4Report& r) {
    std::string out;
    for (const Form4Source& src : r.sources) {
      if (!src.stale_at(r.as_of)) continue;
      const TimeMs age = r.as_of - src.report->as_of->ms;
      out += (out.empty() ? "" : ui_lang() == Lang::Ja ? "、" : ", ") + src.name + " " +
             report_no_text(src.report->report_no) + " (" + format_age(age, ui_lang() == Lang::Ja) + ")";
    }
    return out;
  }

  void preview(const Form4Report& r) {
    // Room below for the buttons and the line saying what was saved.
    const float h = ImGui::GetContentRegionAvail().y - ImGui::GetFrameHeightWithSpacing() * 2;
    if (!ImGui::BeginTable("form4", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY,
                           ImVec2(0, std::max(h, ImGui::GetFontSize() * 8))))
      return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn(T("pub.c_block"));
    ImGui::TableSetupColumn(T("pub.c_item"), ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn(T("pub.c_value"));
    ImGui::TableSetupColumn(T("pub.c_changed"));
    ImGui::TableHeadersRow();
    const bool ja = ui_lang() == Lang::Ja;
    auto row = [&](std::string_view block, std::string_view key, std::string_view label, std::string_view unit_ja,
                   std::string_view unit_en, bool hectares) {
      const TriTotal& t = r.total(key);
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%.*s", static_cast<int>(block.size()), block.data());
      ImGui::TableNextColumn();
      ImGui::Text("%.*s", static_cast<int>(label.size()), label.data());
      ImGui::TableNextColumn();
      // As the dashboard writes it (1人(+未確認)); no unit on 未確認: 「未確認 人」 reads as a figure.
      const std::string v = t.display(ui_lang(), unit_ja, unit_en, hectares);
      if (t.all_unknown() || t.unknown_inputs) ImGui::TextColored(to_vec4(t.all_unknown() ? colors::kRed : colors::kOrange), "%s", v.c_str());
      else ImGui::TextUnformatted(v.c_str());
      ImGui::TableNextColumn();
      if (r.is_changed(key)) ImGui::TextColored(to_vec4(colors::kYellow), "%s", T("pub.changed"));
    };
    for (const Form4BlockInfo& b : form4_blocks()) {
      const std::string_view block = ja ? b.ja : b.en;
      for (const Form4Field& f : form4_fields())
        if (f.block == b.block) row(block, f.key, ja ? f.ja : f.en, f.unit_ja, f.unit_en, f.hectares);
      for (const Form4Computed& c : form4_computed())
        if (c.block == b.block) row(block, c.key, (std::string(ja ? c.ja : c.en) + T("pub.computed")), c.unit_ja, c.unit_en, false);
    }
    ImGui::EndTable();
  }

  void save_form4(Session& s, bool issue) {
    if (!report_) return;
    const Form4Report& r = *report_;
    const std::string stem = std::string(r.context.exercise ? "EXERCISE-" : "") + "form4-" + (r.part == Form4Part::Sono1 ? "1" : "2") +
                             "-no" + std::to_string(r.number);
    const std::string html = form4_html(r), csv = form4_csv(r, ui_lang(), true);
    const std::string html_path = out_dir_ + "/" + stem + ".html";
    problems_.clear();
    if (std::string e = write_files({{html_path, html}, {out_dir_ + "/" + stem + ".csv", csv}}); !e.empty()) {
      note_ = std::string(T("pub.write_failed")) + " " + e;
      return;
    }
    note_ = std::string(T("pub.saved")) + " " + html_path + (issue ? "" : std::string("  ") + T("pub.draft_note"));
    if (!issue) return;
    const PublicationWrite w = form4_publication(r, s.operator_name, addressed_to_, stem + ".html", html, s.now);
    const std::string who = s.operator_name;
    s.commands->submit(
        "issue form4 " + w.id, [w, who](Store& st) { return record_publication(st, w, who); },
        [this, html_path](const LocalResult& res) {
          problems_ = res.problems;
          if (res.ok) note_ = std::string(T("pub.issued")) + " " + html_path;
        });
  }

  // [SECTION] CAP, GeoJSON, CSV
  void exports(Session& s) {
    ImGui::TextWrapped("%s", T("pub.exports_help"));
    ImGui::SetNextItemWidth(-FLT_MIN);
    ImGui::InputText("##dir", &out_dir_);
    ImGui::Checkbox(T("pub.record_it"), &record_export_);
    ImGui::SameLine();
    help_marker(T("pub.record_help"));
    const bool busy = running_.valid();
    ImGui::BeginDisabled(busy);
    if (s.hq() && action_button("publish.cap", T("pub.cap"))) run_export(s, "cap");
    if (s.hq()) ImGui::SameLine();
    if (ImGui::Button(T("pub.geojson"))) run_export(s, "geojson");
    ImGui::SameLine();
    if (ImGui::Button(T("pub.csv"))) run_export(s, "csv");
    ImGui::EndDisabled();
    if (busy && running_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) finish_export(s, running_.get());
    if (busy) ImGui::TextDisabled("%s", T("common.loading"));
    if (!export_note_.empty()) ImGui::TextWrapped("%s", export_note_.c_str());
  }

  // Built on a worker with its own read-only connection (the UI thread never runs SQL).
  void run_export(Session& s, std::string format) {
    export_note_.clear();
    std::string map_path = s.assets_dir + "/map/minato-demo.geojson";
    if (const char* env = std::getenv("HONBU_MAP"); env && *env) map_path = env;
    running_ = std::async(std::launch::async, [format, db_path = s.db_path, dir = out_dir_, map_path, lang = ui_lang(), now = s.now] {
      Exported x;
      x.format = format;
      try {
        Db db(db_path, OpenMode::ReadOnly);
        const ExportContext ctx = export_context(db);
        const std::string prefix = ctx.exercise ? "EXERCISE-" : "";
        AreaMap map;
        try {
          map = load_area_map(map_path);
        } catch (const std::exception&) {
          // Without a map, areas have no polygons: CAP falls back to the geocode, GeoJSON counts them.
        }
        if (format == "cap") {
          CapOptions o;
          o.area_map = &map;
          for (const CapAlert& a : export_cap(db, o)) x.files.emplace_back(dir + "/" + prefix + "cap/" + cap_file_name(a), a.xml);
          x.items = static_cast<std::int64_t>(x.files.size());
          x.summary = std::to_string(x.items) + " CAP";
        } else if (format == "geojson") {
          GeoJsonExportOptions o;
          o.area_map = &map;
          o.lang = lang;
          o.now = now;
          const GeoJsonExport g = export_geojson(db, o);
          x.files.emplace_back(dir + "/" + prefix + "honbu.geojson", g.text);
          x.items = g.incidents + g.shelters + g.areas;
          x.summary = std::to_string(x.items) + " features (" + std::to_string(g.incidents_without_location) + " / " +
                      std::to_string(g.shelters_without_location) + " without location)";
        } else {
          CsvOptions o;
          o.lang = lang;
          o.bom = true;
          for (EntityKind k : csv_export_kinds()) x.files.emplace_back(dir + "/" + prefix + "csv/" + csv_file_name(k), export_csv(db, k, o));
          x.items = static_cast<std::int64_t>(x.files.size());
          x.summary = std::to_string(x.items) + " CSV";
        }
      } catch (const std::exception& e) {
        x.error = e.what();
      }
      return x;
    });
  }

  void finish_export(Session& s, const Exported& x) {
    if (!x.error.empty()) {
      export_note_ = std::string(T("pub.export_failed")) + " " + x.error;
      return;
    }
    if (std::string e = write_files(x.files); !e.empty()) {
      export_note_ = std::string(T("pub.write_failed")) + " " + e;
      return;
    }
    export_note_ = std::string(T("pub.saved")) + " " + out_dir_ + ": " + x.summary;
    if (!record_export_) {
      export_note_ += std::string("  ") + T("pub.draft_note");
      return;
    }
    std::string all;
    for (const auto& [path, bytes] : x.files) all += bytes;
    const std::string file = x.files.size() == 1 ? std::filesystem::path(x.files[0].first).filename().string() : out_dir_;
    const PublicationWrite w = export_publication(x.format, x.items, file, all, s.operator_name, "", s.now, s.now);
    const std::string who = s.operator_name;
    s.commands->submit(
        "publish " + x.format, [w, who](Store& st) { return record_publication(st, w, who); },
        [this](const LocalResult& r) {
          if (r.ok) export_note_ += std::string("  ") + T("pub.recorded");
          else if (!r.problems.empty()) export_note_ += "  " + r.problems[0].message(ui_lang());
        });
  }

  // [SECTION] Imports: run on the store's thread (they write), every problem listed, and
  // nothing written unless all of the file is good.
  void imports(Session& s) {
    ImGui::TextWrapped("%s", T("pub.import_help"));
    ImGui::SetNextItemWidth(-FLT_MIN);
    ImGui::InputTextWithHint("##file", T("pub.import_file"), &import_path_);
    const bool busy = importing_;
    ImGui::BeginDisabled(busy || import_path_.empty());
    if (s.hq() && action_button("publish.import_cap", T("pub.import_cap"))) run_import(s, "cap");
    if (s.hq()) ImGui::SameLine();
    if (action_button("publish.import_shelters", T("pub.import_shelters"))) run_import(s, "shelters");
    if (s.hq()) {
      ImGui::SameLine();
      if (action_button("publish.import_areas", T("pub.import_areas"))) run_import(s, "areas");
    }
    ImGui::EndDisabled();
    if (busy) ImGui::TextDisabled("%s", T("common.loading"));
    if (!import_note_.empty()) {
      ImGui::BeginChild("import_result", ImVec2(0, 0), true);
      ImGui::TextWrapped("%s", import_note_.c_str());
      ImGui::EndChild();
    }
  }

  void run_import(Session& s, std::string what) {
    importing_ = true;
    import_note_.clear();
    const Lang lang = ui_lang();
    s.commands->run(
        "import " + what,
        [what, path = import_path_, who = s.operator_name, assets = s.assets_dir, lang](Store& st) -> std::string {
          if (what == "cap") {
            CapImportOptions o;
            o.operator_name = who;
            o.xsd_path = assets + "/schemas/CAP-v1.2.xsd";
            o.source_name = std::filesystem::path(path).filename().string();
            const CapImportResult r = import_cap_file(st, path, o);
            if (!r.ok) return std::string(T("pub.import_refused")) + "\n" + describe(r.problems, lang);
            if (r.duplicate) return std::string(T("pub.import_duplicate")) + " " + r.identifier;
            return std::string(T("pub.import_done")) + " " + r.identifier + " (" + r.msg_type + ", " + r.status + ")" +
                   (r.incident_id.empty() ? "" : "\n" + std::string(T("pub.import_incident")) + " " + r.incident_id);
          }
          CsvImportOptions o;
          o.operator_name = who;
          const CsvImportResult r = import_csv_file(st, what == "areas" ? EntityKind::Area : EntityKind::Shelter, path, o);
          if (!r.ok) return std::string(T("pub.import_refused")) + "\n" + describe(r.problems, lang);
          return std::string(T("pub.import_done")) + " " + std::to_string(r.created) + " / " + std::to_string(r.updated) + " / " +
                 std::to_string(r.unchanged) + " (" + T("pub.import_counts") + ")";
        },
        [this](const std::string& note) {
          importing_ = false;
          import_note_ = note;
        });
  }

  // [SECTION] What was published
  void history() {
    if (!history_) {
      ImGui::TextDisabled("%s", T("common.loading"));
      return;
    }
    if (history_->empty()) ImGui::TextDisabled("%s", T("pub.none"));
    if (!ImGui::BeginTable("pubs", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY)) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn(T("pub.c_when"));
    ImGui::TableSetupColumn(T("pub.c_what"), ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn(T("pub.c_who"));
    ImGui::TableSetupColumn(T("pub.c_to"));
    ImGui::TableSetupColumn(T("pub.c_file"));
    ImGui::TableHeadersRow();
    for (const Publication& p : *history_) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(stamp(p.published_at ? std::optional(p.published_at->ms) : std::nullopt).c_str());
      ImGui::TableNextColumn();
      std::string what = label(enums::publication_format, p.format);
      if (p.report_no) what += " " + report_no_text(*p.report_no);
      ImGui::TextUnformatted(what.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(p.published_by.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(p.addressed_to.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(p.file_name.c_str());
    }
    ImGui::EndTable();
  }

  int part_ = 2;
  bool as_of_now_ = true, as_of_error_ = false, building_ = false, record_export_ = true, importing_ = false;
  bool in_flight_ = false;  // a preview is being built
  std::string import_path_, import_note_;
  TimeMs as_of_ = 0;
  std::string as_of_text_, reporter_, addressed_to_, out_dir_, note_, export_note_;
  std::vector<Problem> problems_;
  std::shared_ptr<const Form4Report> report_;
  std::shared_ptr<const std::vector<Publication>> history_;
  std::future<Exported> running_;
};

}  // namespace

std::unique_ptr<Panel> make_publish_panel() { return std::make_unique<Publish>(); }

}  // namespace honbu::console
