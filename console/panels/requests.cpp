// 要請・タスク Requests and tasks: create, assign, track; linked to an incident or a shelter.
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

class Requests : public Panel {
 public:
  std::string_view id() const override { return "requests"; }
  std::string_view title_key() const override { return "panel.requests"; }

  void on_changes(Session& s, const ChangeSet& c) override {
    if (!c.has(EntityKind::Request)) return;
    s.reader->request<std::shared_ptr<const std::vector<ResourceRequest>>>(
        "requests",
        [](Db& db) {
          auto v = list_all<ResourceRequest>(db);
          // Open first (by priority), then the rest, newest first.
          auto rank = [](const ResourceRequest& r) {
            const bool closed = r.status == "done" || r.status == "cancelled";
            const int p = r.priority == "life" ? 0 : r.priority == "high" ? 1 : r.priority == "medium" ? 2 : 3;
            return std::pair(closed ? 1 : 0, p);
          };
          std::stable_sort(v.begin(), v.end(), [&](const auto& a, const auto& b) {
            if (rank(a) != rank(b)) return rank(a) < rank(b);
            return a.id > b.id;
          });
          return std::make_shared<const std::vector<ResourceRequest>>(std::move(v));
        },
        [this, &s](std::shared_ptr<const std::vector<ResourceRequest>> v) {
          data_ = std::move(v);
          form_.refresh(s);
        });
  }

  void start_new(Session& s) override {
    form_.start_new("", {{"kind", std::string("supplies")}, {"status", std::string("open")},
                         {"priority", std::string("medium")}, {"requested_by", s.master->branch_name(s.branch_id)}});
  }

  void draw(Session& s) override {
    if (!data_) {
      ImGui::TextDisabled("%s", T("common.loading"));
      return;
    }
    if (action_button("request.new", T("request.new_button"))) start_new(s);
    ImGui::SameLine();
    ImGui::Checkbox(T("request.open_only"), &open_only_);
    const float form_w = form_.active() ? ImGui::GetContentRegionAvail().x * 0.42f : 0.0f;
    ImGui::BeginChild("list", ImVec2(ImGui::GetContentRegionAvail().x - form_w, 0));
    const bool any_open = std::any_of(data_->begin(), data_->end(), [](const ResourceRequest& r) {
      return r.status != "done" && r.status != "cancelled";
    });
    if (data_->empty()) ImGui::TextDisabled("%s", T("request.empty"));
    else if (open_only_ && !any_open) ImGui::TextDisabled("%s", T("request.empty_open"));
    // What is asked, how much and by when are the columns people scan; the link (a shelter,
    // an incident) is the least. 数量 and 期限 were only in the form.
    if (begin_list_table("rq", 9,
                         ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY |
                             ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingStretchProp,
                         44)) {
      ImGui::TableSetupScrollFreeze(0, 1);
      ImGui::TableSetupColumn(T("incident.c_priority"), ImGuiTableColumnFlags_WidthStretch, 0.6f);
      ImGui::TableSetupColumn(T("request.c_kind"), ImGuiTableColumnFlags_WidthStretch, 0.6f);
      ImGui::TableSetupColumn(T("request.c_title"), ImGuiTableColumnFlags_WidthStretch, 2.6f);
      ImGui::TableSetupColumn(T("request.c_quantity"), ImGuiTableColumnFlags_WidthStretch, 0.7f);
      ImGui::TableSetupColumn(T("request.c_from_to"), ImGuiTableColumnFlags_WidthStretch, 1.6f);
      ImGui::TableSetupColumn(T("request.c_assignee"), ImGuiTableColumnFlags_WidthStretch, 0.7f);
      ImGui::TableSetupColumn(T("request.c_status"), ImGuiTableColumnFlags_WidthStretch, 0.6f);
      ImGui::TableSetupColumn(T("request.c_due"), ImGuiTableColumnFlags_WidthStretch, 0.8f);
      ImGui::TableSetupColumn(T("request.c_link"), ImGuiTableColumnFlags_WidthStretch, 0.8f);
      ImGui::TableHeadersRow();
      for (const ResourceRequest& r : *data_) {
        const bool closed = r.status == "done" || r.status == "cancelled";
        if (open_only_ && closed) continue;
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::PushID(r.id.c_str());
        ImGui::PushStyleColor(ImGuiCol_Text, priority_color(r.priority));
        if (ImGui::Selectable(label(enums::priority, r.priority), form_.active() && form_.id() == r.id,
                              ImGuiSelectableFlags_SpanAllColumns))
          form_.open(s, r.id);
        ImGui::PopStyleColor();
        ImGui::PopID();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(label(enums::request_kind, r.kind));
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.title.c_str());
        ImGui::TableNextColumn();
        if (r.quantity.known())
          ImGui::Text("%lld%s", static_cast<long long>(r.quantity.value()), r.unit.c_str());
        else
          ImGui::TextDisabled("—");  // none asked for (staff, a task): not a count nobody reported
        ImGui::TableNextColumn();
        ImGui::Text("%s → %s", r.requested_by.c_str(), r.addressed_to.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.assignee.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(label(enums::request_status, r.status));
        ImGui::TableNextColumn();
        if (!r.due_at)
          ImGui::TextDisabled("—");
        else if (!closed && r.due_at->ms < s.now)
          ImGui::TextColored(to_vec4(colors::kRed), "%s %s", hhmm(r.due_at->ms, s.now).c_str(), T("request.overdue"));
        else
          ImGui::TextUnformatted(hhmm(r.due_at->ms, s.now).c_str());
        ImGui::TableNextColumn();
        if (!r.shelter_id.empty()) ImGui::TextUnformatted(s.master->shelter_name(r.shelter_id).c_str());
        else if (!r.incident_id.empty()) ImGui::TextDisabled("%s", T("request.incident_linked"));
      }
      ImGui::EndTable();
    }
    ImGui::EndChild();
    if (form_.active()) {
      ImGui::SameLine();
      ImGui::BeginChild("form", ImVec2(0, 0), true);
      ImGui::TextUnformatted(form_.creating() ? T("request.new") : T("request.edit"));
      auto refs = [&](std::string_view field) {
        std::vector<std::pair<std::string, std::string>> out;
        if (field == "shelter_id")
          for (const Shelter& sh : s.master->shelters) out.emplace_back(sh.id, sh.name);
        if (field == "incident_id") {
          const auto rows = s.incidents;
          for (size_t i = 0; i < rows->size() && i < 200; ++i)
            out.emplace_back((*rows)[i]->id, "[" + label_s(enums::priority, (*rows)[i]->priority) + "] " + (*rows)[i]->title);
        }
        return out;
      };
      if (form_.draw(s, {}, refs)) form_.save(s);
      ImGui::EndChild();
    }
  }

 private:
  std::shared_ptr<const std::vector<ResourceRequest>> data_;
  EntityForm form_{EntityKind::Request};
  bool open_only_ = true;
};

}  // namespace

std::unique_ptr<Panel> make_requests_panel() { return std::make_unique<Requests>(); }

}  // namespace honbu::console
