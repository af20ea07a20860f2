// 事案 Incidents: the list (sort, filter, search; clipped, smooth at 100,000 rows) and the
// form to create and edit (inline validation; an update from elsewhere never overwrites what
// is being typed: it shows as a conflict).
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "console/form.hpp"
#include "console/panel.hpp"
#include "console/panels/factories.hpp"
#include "console/strings.hpp"
#include "console/widgets.hpp"
#include "model/queries.hpp"

namespace honbu::console {

namespace {

class Incidents : public Panel {
 public:
  std::string_view id() const override { return "incidents"; }
  std::string_view title_key() const override { return "panel.incidents"; }

  void on_changes(Session& s, const ChangeSet& c) override {
    if (first_) {
      first_ = false;
      load_filter(s);
      if (!s.hq() && filter_.areas.empty()) filter_.areas = s.areas;  // a branch opens on its own areas
      s.reader->set_incident_view(filter_);
    }
    // The incident being edited changed elsewhere: bring the form the news.
    if (c.everything || std::find(c.incident_ids.begin(), c.incident_ids.end(), form_.id()) != c.incident_ids.end())
      form_.refresh(s);
  }

  void start_new(Session& s) override {
    Fields defaults{{"received_at", format_iso_jst(s.now)}, {"verification", std::string("unverified")},
                    {"status", std::string("received")}, {"priority", std::string("medium")},
                    {"channel", std::string("phone")}};
    if (!s.hq() && s.areas.size() == 1) defaults["area_id"] = s.areas.front();
    form_.start_new("", defaults);
    form_.focus("title");
  }
  void focus_search() override { focus_search_ = true; }

  void draw(Session& s) override {
    if (s.selection.incident_id != opened_from_selection_ && !s.selection.incident_id.empty()) {
      opened_from_selection_ = s.selection.incident_id;
      form_.open(s, s.selection.incident_id);
    }
    toolbar(s);
    const float form_w = form_.active() ? ImGui::GetContentRegionAvail().x * 0.42f : 0.0f;
    ImGui::BeginChild("list", ImVec2(ImGui::GetContentRegionAvail().x - form_w, 0));
    table(s);
    ImGui::EndChild();
    if (form_.active()) {
      ImGui::SameLine();
      ImGui::BeginChild("form", ImVec2(0, 0), true);
      ImGui::TextUnformatted(form_.creating() ? T("incident.new") : T("incident.edit"));
      auto refs = [&](std::string_view field) {
        std::vector<std::pair<std::string, std::string>> out;
        if (field == "area_id")
          for (const Area& a : s.master->areas)
            if (s.in_my_areas(a.id)) out.emplace_back(a.id, a.name.empty() ? a.id : a.name);
        return out;
      };
      if (form_.draw(s, {}, refs)) form_.save(s);
      ImGui::EndChild();
    }
  }

 private:
  void toolbar(Session& s) {
    bool changed = false;
    if (action_button("incident.new", T("incident.new_button"))) start_new(s);
    const float em = ImGui::GetFontSize(), gap = ImGui::GetStyle().ItemSpacing.x;
    same_line_if_fits(em * 12);
    ImGui::SetNextItemWidth(em * 12);
    if (focus_search_) {
      ImGui::SetKeyboardFocusHere();
      focus_search_ = false;
    }
    if (ImGui::InputTextWithHint("##search", T("incident.search_hint"), &filter_.text)) changed = true;
    // Each filter is its name and its dropdown, kept together when the toolbar wraps.
    auto filt = [&](const char* id, const char* key, const Enumeration& e, std::vector<std::string>& v) {
      same_line_if_fits(ImGui::CalcTextSize(T(key)).x + gap + em * 7);
      ImGui::TextUnformatted(T(key));
      ImGui::SameLine();
      ImGui::SetNextItemWidth(em * 7);
      if (enum_filter(id, e, v)) changed = true;
    };
    filt("##status", "incident.f_status", enums::incident_status, filter_.statuses);
    filt("##prio", "incident.f_priority", enums::priority, filter_.priorities);
    filt("##cat", "incident.f_category", enums::incident_category, filter_.categories);
    filt("##verif", "incident.f_verification", enums::verification, filter_.verifications);
    same_line_if_fits(ImGui::CalcTextSize(T("incident.f_area")).x + gap + em * 10);
    ImGui::TextUnformatted(T("incident.f_area"));
    ImGui::SameLine();
    ImGui::SetNextItemWidth(em * 10);
    // Every area the filter holds (a branch opens on all of its own): "北山・上野台・桜ケ丘".
    std::string preview = filter_.areas.empty() ? T("common.all") : std::string();
    for (const std::string& a : filter_.areas) preview += (preview.empty() ? "" : "・") + s.master->area_name(a);
    if (ImGui::BeginCombo("##area", preview.c_str())) {
      if (ImGui::Selectable(T("common.all"), filter_.areas.empty())) {
        filter_.areas.clear();
        changed = true;
      }
      for (const Area& a : s.master->areas)
        if (ImGui::Selectable((a.name + "##" + a.id).c_str(), filter_.areas.size() == 1 && filter_.areas[0] == a.id)) {
          filter_.areas = {a.id};
          changed = true;
        }
      ImGui::EndCombo();
    }
    const std::string count = std::to_string(s.incidents->size()) + " / " + std::to_string(s.incidents_total);
    same_line_if_fits(ImGui::CalcTextSize(count.c_str()).x);
    ImGui::TextDisabled("%s", count.c_str());
    if (changed) {
      s.reader->set_incident_view(filter_);
      save_filter(s);
    }
  }

  // The filter and sort survive a restart (settings "incidents.filter").
  void save_filter(Session& s) {
    if (!s.prefs) return;
    nlohmann::json j{{"statuses", filter_.statuses}, {"priorities", filter_.priorities},
                     {"categories", filter_.categories}, {"areas", filter_.areas},
                     {"verifications", filter_.verifications}, {"text", filter_.text},
                     {"sort", static_cast<int>(filter_.sort)}, {"descending", filter_.descending}};
    (*s.prefs)["incidents.filter"] = j.dump();
  }
  void load_filter(Session& s) {
    if (!s.prefs) return;
    auto it = s.prefs->find("incidents.filter");
    if (it == s.prefs->end()) return;
    try {
      const auto j = nlohmann::json::parse(it->second);
      filter_.statuses = j.value("statuses", std::vector<std::string>{});
      filter_.priorities = j.value("priorities", std::vector<std::string>{});
      filter_.categories = j.value("categories", std::vector<std::string>{});
      filter_.areas = j.value("areas", std::vector<std::string>{});
      filter_.verifications = j.value("verifications", std::vector<std::string>{});
      filter_.text = j.value("text", std::string());
      const int sort = j.value("sort", 0);
      if (sort >= 0 && sort <= static_cast<int>(IncidentFilter::Sort::Title)) filter_.sort = static_cast<IncidentFilter::Sort>(sort);
      filter_.descending = j.value("descending", false);
    } catch (const nlohmann::json::exception&) {
      // a damaged setting: start unfiltered
    }
  }

  void table(Session& s) {
    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter |
                                  ImGuiTableFlags_BordersV | ImGuiTableFlags_Resizable | ImGuiTableFlags_Sortable |
                                  ImGuiTableFlags_Reorderable | ImGuiTableFlags_Hideable;
    // An empty list says why: nothing yet, or the filter hides it all.
    if (s.incidents && s.incidents->empty())
      ImGui::TextDisabled("%s", T(s.incidents_total == 0 && filter_.statuses.empty() && filter_.priorities.empty() &&
                                          filter_.categories.empty() && filter_.areas.empty() &&
                                          filter_.verifications.empty() && filter_.text.empty()
                                      ? "incident.empty"
                                      : "incident.empty_filtered"));
    if (!begin_list_table("incidents", 8, flags, 32)) return;
    ImGui::TableSetupScrollFreeze(1, 1);
    using Sort = IncidentFilter::Sort;
    // Stretch weights: the title gets the room (equal columns cut it to "市道をふさ" at 1280).
    constexpr auto kStretch = ImGuiTableColumnFlags_WidthStretch;
    ImGui::TableSetupColumn(T("incident.c_priority"), kStretch | ImGuiTableColumnFlags_DefaultSort, 0.7f,
                            static_cast<ImGuiID>(Sort::Priority));
    ImGui::TableSetupColumn(T("incident.c_received"), kStretch, 0.8f, static_cast<ImGuiID>(Sort::ReceivedAt));
    ImGui::TableSetupColumn(T("incident.c_title"), kStretch, 3.2f, static_cast<ImGuiID>(Sort::Title));
    ImGui::TableSetupColumn(T("incident.c_area"), kStretch, 0.9f, static_cast<ImGuiID>(Sort::Area));
    ImGui::TableSetupColumn(T("incident.c_category"), kStretch, 0.9f, static_cast<ImGuiID>(Sort::Category));
    ImGui::TableSetupColumn(T("incident.c_status"), kStretch, 0.8f, static_cast<ImGuiID>(Sort::Status));
    ImGui::TableSetupColumn(T("incident.c_verification"), kStretch | ImGuiTableColumnFlags_NoSort, 0.8f);
    ImGui::TableSetupColumn(T("incident.c_team"), kStretch | ImGuiTableColumnFlags_NoSort, 0.9f);
    ImGui::TableHeadersRow();
    if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs(); specs && specs->SpecsDirty) {
      if (specs->SpecsCount > 0) {
        filter_.sort = static_cast<Sort>(specs->Specs[0].ColumnUserID);
        filter_.descending = specs->Specs[0].SortDirection == ImGuiSortDirection_Descending;
        // Received: newest first is what people mean by "descending" there; flip the arrow.
        if (filter_.sort == Sort::ReceivedAt) filter_.descending = !filter_.descending;
        s.reader->set_incident_view(filter_);
        save_filter(s);
      }
      specs->SpecsDirty = false;
    }
    const auto rows = s.incidents;  // a snapshot: stays valid while we draw it
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(rows->size()));
    while (clipper.Step()) {
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        const IncidentRow& r = *(*rows)[static_cast<size_t>(i)];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::PushID(r.id.c_str());
        const bool selected = form_.active() && form_.id() == r.id;
        ImGui::PushStyleColor(ImGuiCol_Text, priority_color(r.priority));
        if (ImGui::Selectable(fitting_label(label(enums::priority, r.priority)).c_str(), selected,
                              ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap))
          form_.open(s, r.id);
        ImGui::PopStyleColor();
        ImGui::PopID();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(hhmm(r.received_at, s.now).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.title.c_str());
        if (!r.place.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", r.place.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(s.master->area_name(r.area_id).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(label(enums::incident_category, r.category));
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(label(enums::incident_status, r.status));
        ImGui::TableNextColumn();
        if (r.verification == "unverified")
          ImGui::TextColored(to_vec4(colors::kOrange), "%s", label(enums::verification, r.verification));
        else
          ImGui::TextUnformatted(label(enums::verification, r.verification));
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.team.c_str());
      }
    }
    ImGui::EndTable();
  }

  IncidentFilter filter_;
  EntityForm form_{EntityKind::Incident};
  bool first_ = true, focus_search_ = false;
  std::string opened_from_selection_;
};

}  // namespace

std::unique_ptr<Panel> make_incidents_panel() { return std::make_unique<Incidents>(); }

}  // namespace honbu::console
