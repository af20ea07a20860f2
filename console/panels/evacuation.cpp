// 避難情報 Evacuation orders: what is in force per area (警戒レベル 3/4/5 since 2021-05-20),
// the history of 発令/解除, and for HQ the form to issue or lift one (a record: never edited;
// publishing it, e.g. as CAP, is a separate act).
#include <imgui.h>

#include <algorithm>
#include <map>

#include "console/form.hpp"
#include "console/panel.hpp"
#include "console/panels/factories.hpp"
#include "console/strings.hpp"
#include "console/widgets.hpp"
#include "model/queries.hpp"

namespace honbu::console {

namespace {

class Evacuation : public Panel {
 public:
  std::string_view id() const override { return "evacuation"; }
  std::string_view title_key() const override { return "panel.evacuation"; }

  void on_changes(Session& s, const ChangeSet& c) override {
    if (!c.has(EntityKind::EvacuationOrder)) return;
    s.reader->request<std::shared_ptr<const std::vector<EvacuationOrder>>>(
        "evacuation",
        [](Db& db) {
          auto v = list_all<EvacuationOrder>(db);
          std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
            return (a.at ? a.at->ms : 0) > (b.at ? b.at->ms : 0);  // newest first
          });
          return std::make_shared<const std::vector<EvacuationOrder>>(std::move(v));
        },
        [this](std::shared_ptr<const std::vector<EvacuationOrder>> v) { data_ = std::move(v); });
  }

  void start_new(Session& s) override {
    if (!s.hq()) return;
    form_.start_new("", {{"action", std::string("issue")}, {"level", std::string("4")}, {"at", format_iso_jst(s.now)}});
  }

  void draw(Session& s) override {
    if (s.hq()) {
      if (!form_.active() && action_button("evacuation.issue", T("evac.new_button"))) start_new(s);
      if (form_.active()) {
        auto refs = [&](std::string_view field) {
          std::vector<std::pair<std::string, std::string>> out;
          if (field == "area_id")
            for (const Area& a : s.master->areas) out.emplace_back(a.id, a.name);
          return out;
        };
        ImGui::BeginChild("form", ImVec2(0, ImGui::GetFontSize() * 17), true);
        if (form_.draw(s, {}, refs)) form_.save(s);
        ImGui::EndChild();
      }
    }
    if (!data_) {
      ImGui::TextDisabled("%s", T("common.loading"));
      return;
    }
    // In force: per area, the newest record (an issue not followed by a lift).
    std::map<std::string, const EvacuationOrder*> latest;
    for (const EvacuationOrder& o : *data_)
      if (!latest.count(o.area_id)) latest[o.area_id] = &o;
    ImGui::TextUnformatted(T("evac.in_force"));
    int shown = 0;
    for (const auto& [area, o] : latest) {
      if (o->action != "issue" || !s.in_my_areas(area)) continue;
      ++shown;
      const ImU32 c = o->level == "5" ? colors::kRed : o->level == "4" ? colors::kOrange : colors::kYellow;
      ImGui::TextColored(to_vec4(c), "  %s  %s", s.master->area_name(area).c_str(), level_text(o->level).c_str());
      ImGui::SameLine();
      // The time it was issued (「15時03分発令」), not 「現在」: it is not the time of a status.
      ImGui::TextDisabled("%s", issued_stamp(o->at ? std::optional(o->at->ms) : std::nullopt).c_str());
    }
    if (!shown) ImGui::TextDisabled("  %s", T("evac.none"));
    ImGui::Separator();
    ImGui::TextUnformatted(T("evac.history"));
    if (!ImGui::BeginTable("hist", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY)) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn(T("chrono.c_time"));
    ImGui::TableSetupColumn(T("dash.area"));
    ImGui::TableSetupColumn(T("evac.level"));
    ImGui::TableSetupColumn(T("evac.action"));
    ImGui::TableSetupColumn(T("evac.target"), ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    for (const EvacuationOrder& o : *data_) {
      if (!s.in_my_areas(o.area_id)) continue;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(hhmm(o.at ? std::optional(o.at->ms) : std::nullopt, s.now).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.master->area_name(o.area_id).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(level_text(o.level).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(label(enums::evacuation_action, o.action));
      ImGui::TableNextColumn();
      // 「1800世帯 / 4140人」: the number with its unit; 未確認 alone.
      const bool ja = ui_lang() == Lang::Ja;
      auto with_unit = [&](const TriCount& n, const char* unit_ja, const char* unit_en) {
        return n.known() ? n.display(ui_lang()) + (ja ? unit_ja : unit_en) : n.display(ui_lang());
      };
      ImGui::Text("%s / %s", with_unit(o.households, "世帯", " households").c_str(),
                  with_unit(o.persons, "人", " persons").c_str());
    }
    ImGui::EndTable();
  }

 private:
  // 「警戒レベル4 避難指示」; in English the label names its level ("Level 4: Evacuation
  // instruction"), so it is not said twice.
  static std::string level_text(const std::string& level) {
    const char* name = label(enums::evacuation_level, level);
    if (ui_lang() == Lang::En) return name;
    return std::string(T("evac.level")) + level + " " + name;
  }

  std::shared_ptr<const std::vector<EvacuationOrder>> data_;
  EntityForm form_{EntityKind::EvacuationOrder};
};

}  // namespace

std::unique_ptr<Panel> make_evacuation_panel() { return std::make_unique<Evacuation>(); }

}  // namespace honbu::console
