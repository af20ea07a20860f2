// 支所報告 Branch reports: per branch, the 第N報 history; the latest report with what changed
// since the previous one marked (as national sitreps underline it); HQ totals of every
// branch's latest report; and for branch staff, the report form (第4号様式 fields, each a
// number, zero or 未確認), prefilled from their previous report.
#include <imgui.h>

#include <algorithm>

#include "console/form.hpp"
#include "console/panel.hpp"
#include "console/panels/factories.hpp"
#include "console/strings.hpp"
#include "console/widgets.hpp"
#include "model/queries.hpp"

namespace honbu::console {

namespace {

struct ReportsData {
  Form4Totals totals;
  std::map<std::string, std::vector<BranchReport>> history;  // branch -> newest first
};

class Reports : public Panel {
 public:
  std::string_view id() const override { return "reports"; }
  std::string_view title_key() const override { return "panel.reports"; }

  void on_changes(Session& s, const ChangeSet& c) override {
    if (!c.has(EntityKind::BranchReport) && !c.has(EntityKind::Branch)) return;
    s.reader->request<std::shared_ptr<const ReportsData>>(
        "reports",
        [](Db& db) {
          auto d = std::make_shared<ReportsData>();
          d->totals = form4_totals(db);
          for (const BranchLatest& b : d->totals.branches) d->history[b.branch.id] = report_history(db, b.branch.id);
          return std::shared_ptr<const ReportsData>(std::move(d));
        },
        [this, &s](std::shared_ptr<const ReportsData> d) {
          data_ = std::move(d);
          if (selected_.empty()) {
            // HQ: the office that reported last (a branch: its own).
            selected_ = s.branch_id;
            TimeMs newest = -1;
            if (s.hq())
              for (const BranchLatest& b : data_->totals.branches)
                if (b.latest && b.latest->as_of && b.latest->as_of->ms > newest) {
                  newest = b.latest->as_of->ms;
                  selected_ = b.branch.id;
                }
          }
        });
  }

  void draw(Session& s) override {
    if (!data_) {
      ImGui::TextDisabled("%s", T("common.loading"));
      return;
    }
    if (form_.active()) {
      report_form(s);
      return;
    }
    if (ImGui::BeginTabBar("tabs")) {
      if (ImGui::BeginTabItem(T("report.tab_branches"))) {
        branches(s);
        ImGui::EndTabItem();
      }
      if (s.hq() && ImGui::BeginTabItem(T("report.tab_totals"))) {
        totals_table();
        ImGui::EndTabItem();
      }
      ImGui::EndTabBar();
    }
  }

  void start_new(Session& s) override { new_report(s); }

 private:
  void branches(Session& s) {
    ImGui::BeginChild("list", ImVec2(ImGui::GetFontSize() * 14, 0), true);
    for (const BranchLatest& b : data_->totals.branches) {
      if (!s.hq() && b.branch.id != s.branch_id) continue;
      const std::string name = s.master->branch_name(b.branch.id);
      const std::string text = name + (b.latest ? "  " + no_text(b.latest->report_no) : "  " + std::string(T("common.never_reported")));
      if (ImGui::Selectable((text + "##" + b.branch.id).c_str(), selected_ == b.branch.id)) {
        selected_ = b.branch.id;
        shown_no_ = 0;
      }
    }
    ImGui::Separator();
    if (action_button("report.new", T("report.new_button"))) new_report(s);
    help_marker(T("report.new_help"));
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("detail");
    auto it = data_->history.find(selected_);
    if (it == data_->history.end() || it->second.empty()) {
      ImGui::TextColored(to_vec4(colors::kRed), "%s", T("report.none_yet"));
      ImGui::EndChild();
      return;
    }
    const auto& hist = it->second;
    // History: pick a report (default: the latest).
    ImGui::TextUnformatted(T("report.history"));
    ImGui::SameLine();
    for (const BranchReport& r : hist) {
      ImGui::SameLine();
      const bool on = (shown_no_ == 0 && &r == &hist.front()) || shown_no_ == r.report_no;
      if (ImGui::RadioButton((no_text(r.report_no) + "##h").c_str(), on)) shown_no_ = r.report_no;
    }
    const BranchReport* cur = &hist.front();
    const BranchReport* prev = hist.size() > 1 ? &hist[1] : nullptr;
    for (size_t i = 0; i < hist.size(); ++i)
      if (hist[i].report_no == shown_no_) {
        cur = &hist[i];
        prev = i + 1 < hist.size() ? &hist[i + 1] : nullptr;
      }
    ImGui::Text("%s  %s  %s  %s: %s", no_text(cur->report_no).c_str(), label(enums::report_type, cur->report_type),
                stamp(cur->as_of ? std::optional(cur->as_of->ms) : std::nullopt).c_str(), T("report.reporter"),
                cur->reporter.c_str());
    ImGui::TextDisabled("%s", prev ? T("report.changes_marked") : T("report.first_report"));
    report_figures(*cur, prev);
    ImGui::EndChild();
  }

  static std::string no_text(std::int64_t n) {
    return ui_lang() == Lang::Ja ? "第" + std::to_string(n) + "報" : "No. " + std::to_string(n);
  }

  void report_figures(const BranchReport& r, const BranchReport* prev) {
    if (!ImGui::BeginTable("fig", 4, ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg)) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn(T("dash.block"));
    ImGui::TableSetupColumn(T("report.item"));
    ImGui::TableSetupColumn(T("report.value"));
    ImGui::TableSetupColumn(T("report.previous"));
    ImGui::TableHeadersRow();
    for (const Form4Field& f : form4_fields()) {
      auto get = [&](const BranchReport& x) {
        auto it = x.figures.find(f.key);
        return it == x.figures.end() ? Value{} : it->second;
      };
      const Value v = get(r);
      const Value pv = prev ? get(*prev) : Value{};
      const bool changed = prev && v != pv;
      ImGui::TableNextRow();
      if (changed) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, IM_COL32(120, 90, 0, 110));
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", std::string(ui_lang() == Lang::Ja ? form4_block(f.block).ja : form4_block(f.block).en).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(std::string(ui_lang() == Lang::Ja ? f.ja : f.en).c_str());
      ImGui::TableNextColumn();
      value_text(v, f.hectares);
      if (changed) {
        // The underline of the national sitreps: 「下線部は前回からの変更箇所」
        const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
        ImGui::GetWindowDrawList()->AddLine(ImVec2(a.x, b.y), b, colors::kYellow, 1.5f);
      }
      ImGui::TableNextColumn();
      if (prev) value_text(pv, f.hectares);
    }
    ImGui::EndTable();
  }

  void totals_table() {
    ImGui::TextWrapped("%s", T("report.totals_help"));
    if (!ImGui::BeginTable("tot", 3, ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg)) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn(T("dash.block"));
    ImGui::TableSetupColumn(T("report.item"));
    ImGui::TableSetupColumn(T("report.total"));
    ImGui::TableHeadersRow();
    for (const Form4BlockInfo& b : form4_blocks()) {
      for (const Form4Field& f : form4_fields()) {
        if (f.block != b.block) continue;
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", std::string(ui_lang() == Lang::Ja ? b.ja : b.en).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(std::string(ui_lang() == Lang::Ja ? f.ja : f.en).c_str());
        ImGui::TableNextColumn();
        tri_total_text(data_->totals.get(f.key), f.hectares);
      }
      for (const Form4Computed& c : form4_computed()) {
        if (c.block != b.block) continue;
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", std::string(ui_lang() == Lang::Ja ? b.ja : b.en).c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%s %s", std::string(ui_lang() == Lang::Ja ? c.ja : c.en).c_str(), T("report.computed"));
        ImGui::TableNextColumn();
        tri_total_text(data_->totals.get(c.key));
      }
    }
    ImGui::EndTable();
  }

  void new_report(Session& s) {
    const std::string branch = s.hq() ? (selected_.empty() ? s.branch_id : selected_) : s.branch_id;
    std::int64_t last = 0;
    const BranchReport* prev = nullptr;
    if (data_)
      if (auto it = data_->history.find(branch); it != data_->history.end() && !it->second.empty()) {
        prev = &it->second.front();
        last = prev->report_no;
      }
    Fields defaults{{"branch_id", branch}, {"report_no", last + 1}, {"as_of", format_iso_jst(s.now)},
                    {"report_type", std::string("preliminary")}, {"reporter", s.operator_name}};
    if (prev) {
      // The next report starts from the last one: staff change what changed.
      for (const auto& [k, v] : prev->figures) defaults[k] = v;
      for (const auto& [k, v] : prev->texts) defaults[k] = v;
    }
    form_.start_new(branch_report_id(branch, last + 1), defaults);
    form_branch_ = branch;
  }

  void report_form(Session& s) {
    ImGui::Text("%s  %s  %s", s.master->branch_name(form_branch_).c_str(), T("report.new_title"),
                form_.text("report_no").c_str());
    ImGui::TextDisabled("%s", T("report.unknown_help"));
    form_.begin_frame();
    ImGui::BeginChild("fields", ImVec2(0, -ImGui::GetFrameHeightWithSpacing() * 2.5f));
    bool enter = form_.fields(s, {"as_of", "report_type", "reporter", "occurred_at"});
    for (const Form4BlockInfo& b : form4_blocks()) {
      std::vector<std::string_view> keys;
      for (const Form4Field& f : form4_fields())
        if (f.block == b.block) keys.push_back(f.key);
      if (keys.empty()) continue;
      if (ImGui::CollapsingHeader(std::string(ui_lang() == Lang::Ja ? b.ja : b.en).c_str(), ImGuiTreeNodeFlags_DefaultOpen))
        enter = form_.fields(s, keys) || enter;
    }
    if (ImGui::CollapsingHeader(T("report.texts"))) {
      std::vector<std::string_view> keys;
      for (const Form4Text& t : form4_texts()) keys.push_back(t.key);
      enter = form_.fields(s, keys) || enter;
    }
    ImGui::EndChild();
    if (form_.actions(enter)) form_.save(s);
  }

  std::shared_ptr<const ReportsData> data_;
  std::string selected_, form_branch_;
  std::int64_t shown_no_ = 0;
  EntityForm form_{EntityKind::BranchReport};
};

}  // namespace

std::unique_ptr<Panel> make_reports_panel() { return std::make_unique<Reports>(); }

}  // namespace honbu::console
