// 状況 Dashboard: HQ state, 第4号様式 totals per block (未確認 as such), branch freshness,
// the lifeline matrix, open shelters and evacuees, open requests. A branch sees its own.
#include <imgui.h>

#include <algorithm>
#include <vector>

#include "console/form.hpp"
#include "console/panel.hpp"
#include "console/panels/factories.hpp"
#include "console/strings.hpp"
#include "console/widgets.hpp"
#include "model/queries.hpp"
#include "model/summary.hpp"

namespace honbu::console {

namespace {

struct DashboardData {
  std::optional<HqState> hq;
  Form4Totals totals;
  std::vector<BranchFreshness> freshness;
  LifelineMatrix lifelines;
  ShelterTotals shelters;
  std::vector<ResourceRequest> requests;
  std::size_t open_conflicts = 0;
  TimeMs loaded_at = 0;
};

class Dashboard : public Panel {
 public:
  std::string_view id() const override { return "dashboard"; }
  std::string_view title_key() const override { return "panel.dashboard"; }

  void on_changes(Session& s, const ChangeSet&) override {
    // Everything here is a summary of everything: any change, one query (coalesced).
    s.reader->request<std::shared_ptr<const DashboardData>>(
        "dashboard",
        [now = s.now](Db& db) {
          auto d = std::make_shared<DashboardData>();
          d->hq = get<HqState>(db, kHqStateId);
          d->totals = form4_totals(db);
          d->freshness = branch_freshness(db, now);
          d->lifelines = lifeline_matrix(db);
          d->shelters = shelter_totals(db);
          d->requests = open_requests(db);
          d->open_conflicts = list_conflicts(db, true).size();
          d->loaded_at = wall_now_ms();
          return std::shared_ptr<const DashboardData>(std::move(d));
        },
        [this](std::shared_ptr<const DashboardData> d) { data_ = std::move(d); });
  }

  void draw(Session& s) override {
    if (!data_) {
      ImGui::TextDisabled("%s", T("common.loading"));
      return;
    }
    const DashboardData& d = *data_;
    hq_state(s, d);
    if (s.hq()) hq_state_editor(s, d);
    ImGui::Separator();
    // Side by side when the window is wide; one under the other in a third of a 1920 px
    // screen, where two columns cut the offices' table to "報告か…" and "(ノード".
    if (ImGui::GetContentRegionAvail().x < ImGui::GetFontSize() * 56) {
      form4_blocks_table(d);
      ImGui::Separator();
      freshness_table(s, d);
      ImGui::Spacing();
      shelters_and_requests(s, d);
    } else if (ImGui::BeginTable("dash", 2, ImGuiTableFlags_SizingStretchSame)) {
      ImGui::TableNextColumn();
      form4_blocks_table(d);
      ImGui::TableNextColumn();
      freshness_table(s, d);
      ImGui::Spacing();
      shelters_and_requests(s, d);
      ImGui::EndTable();
    }
    ImGui::Separator();
    lifeline_matrix_table(s, d);
  }

 private:
  void hq_state(const Session& s, const DashboardData& d) {
    if (!d.hq) {
      ImGui::TextColored(to_vec4(colors::kGrey), "%s: %s", T("dash.hq_state"), T("common.unknown"));
      return;
    }
    const HqState& h = *d.hq;
    const ImU32 c = h.state == "countermeasures" ? colors::kRed
                    : h.state == "alert"         ? colors::kOrange
                                                 : colors::kBlue;
    ImGui::TextColored(
        to_vec4(c), "%s %s", label(enums::hq_state, h.state),
        h.activation_level.empty() ? "" : label(enums::activation_level, h.activation_level));
    ImGui::SameLine();
    ImGui::Text("  %s  %s", h.disaster_name.c_str(), h.municipality.c_str());
    if (h.occurred_at) {
      ImGui::SameLine();
      ImGui::TextDisabled("(%s %s)", T("dash.occurred"), hhmm(h.occurred_at->ms, s.now).c_str());
    }
    if (d.open_conflicts) {
      ImGui::SameLine();
      ImGui::TextColored(to_vec4(colors::kOrange), "  %s %zu", T("dash.conflicts"),
                         d.open_conflicts);
    }
  }

  // HQ staff record the HQ's own state (未設置 … 対策本部 … 廃止) and 配備体制. HQ only.
  void hq_state_editor(Session& s, const DashboardData&) {
    ImGui::SameLine();
    if (!hq_form_.active()) {
      if (action_button("hq_state.edit", T("dash.change_hq_state"), true)) {
        s.reader->request<std::optional<EntityState>>(
            "dashboard.hq",
            [](Db& db) { return load_state(db, EntityKind::HqState, std::string(kHqStateId)); },
            [this](std::optional<EntityState> st) {
              if (st)
                hq_form_.start_edit(std::string(kHqStateId), *st);
              else
                hq_form_.start_new(std::string(kHqStateId), {{"state", std::string("liaison")}});
            });
      }
      return;
    }
    ImGui::NewLine();
    ImGui::BeginChild("hqform", ImVec2(0, ImGui::GetFontSize() * 12), true);
    if (hq_form_.draw(s, {"state", "activation_level", "established_at", "dissolved_at",
                          "disaster_name", "occurred_at", "note"}))
      hq_form_.save(s);
    ImGui::EndChild();
  }

  void form4_blocks_table(const DashboardData& d) {
    ImGui::TextUnformatted(T("dash.form4_title"));
    help_marker(T("dash.form4_help"));
    const std::vector<Form4BlockText> blocks = form4_block_texts(d.totals, ui_lang());
    // As wide as the longest block name ("Non-residential buildings" is three times 人的被害),
    // but at most a third of the table: a longer name wraps rather than being cut off.
    float label_w = ImGui::GetFontSize() * 4;
    for (const Form4BlockText& b : blocks) label_w = std::max(label_w, ImGui::CalcTextSize(b.label.c_str()).x);
    label_w = std::min(label_w + ImGui::GetStyle().CellPadding.x * 2, ImGui::GetContentRegionAvail().x / 3);
    if (!ImGui::BeginTable("form4", 2,
                           ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp))
      return;
    ImGui::TableSetupColumn(T("dash.block"), ImGuiTableColumnFlags_WidthFixed, label_w);
    ImGui::TableSetupColumn(T("dash.figures"), ImGuiTableColumnFlags_WidthStretch);
    for (const Form4BlockText& b : blocks) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextWrapped("%s", b.label.c_str());
      ImGui::TableNextColumn();
      const std::string_view sep = ui_lang() == Lang::Ja ? "、" : ", ";  // as form4_block_texts joins
      item_flow(b.known, sep);
      if (!b.unknown.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, colors::kGrey);
        item_flow(std::string(T("common.unknown")) + ": " + b.unknown, sep);
        ImGui::PopStyleColor();
      }
    }
    ImGui::EndTable();
  }

  void freshness_table(Session& s, const DashboardData& d) {
    ImGui::TextUnformatted(T("dash.freshness_title"));
    // The office's name (with the ⚠ of a stale one) at full width, at most half the table:
    // in the drill's narrow layout equal columns cut it to "North bra".
    float name_w = ImGui::CalcTextSize(T("dash.branch")).x;
    for (const BranchFreshness& f : d.freshness)
      name_w = std::max(name_w, ImGui::CalcTextSize(("⚠ " + branch_display_name(f.branch)).c_str()).x);
    name_w = std::min(name_w + ImGui::GetStyle().CellPadding.x * 2, ImGui::GetContentRegionAvail().x / 2);
    if (!ImGui::BeginTable("fresh", 4, ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_RowBg))
      return;
    ImGui::TableSetupColumn(T("dash.branch"), ImGuiTableColumnFlags_WidthFixed, name_w);
    ImGui::TableSetupColumn(T("dash.latest_report"));
    ImGui::TableSetupColumn(T("dash.report_age"));
    ImGui::TableSetupColumn(T("dash.last_heard"));
    ImGui::TableHeadersRow();
    for (const BranchFreshness& f : d.freshness) {
      if (!s.hq() && f.branch.id != s.branch_id) continue;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      const std::string name = branch_display_name(f.branch);
      // Stale now, not when loaded: ages keep growing while nothing arrives.
      const bool stale = !f.latest_as_of || s.now - *f.latest_as_of > f.stale_after_min * 60'000;
      if (stale)
        ImGui::TextColored(to_vec4(colors::kRed), "⚠ %s", name.c_str());
      else
        ImGui::TextUnformatted(name.c_str());
      ImGui::TableNextColumn();
      if (f.latest_report_no > 0) {
        ImGui::Text(ui_lang() == Lang::Ja ? "第%lld報" : "No. %lld",
                    static_cast<long long>(f.latest_report_no));
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", stamp(f.latest_as_of).c_str());
      } else {
        ImGui::TextColored(to_vec4(colors::kRed), "%s", T("common.never_reported"));
      }
      ImGui::TableNextColumn();
      age_text(f.latest_as_of, s.now, f.stale_after_min);
      ImGui::TableNextColumn();
      // Last heard over the network: the node of that branch, if it has one.
      std::optional<TimeMs> heard;
      for (const auto& p : s.status.peers)
        if (p.node_id == f.branch.node_id) heard = p.last_heard;
      if (f.branch.node_id.empty())
        ImGui::TextDisabled("%s", T("dash.no_node"));
      else if (f.branch.node_id == s.node_id)
        ImGui::TextDisabled("%s", T("dash.this_node"));
      else  // in the drill's minutes, as the report ages beside it
        age_text(heard ? std::optional(s.situation_at(*heard)) : std::nullopt, s.now, 5);
    }
    ImGui::EndTable();
  }

  void shelters_and_requests(Session& s, const DashboardData& d) {
    int open_count = 0;
    TriTotal evacuees, households;
    std::optional<TimeMs> oldest_check;  // the counts are as old as the oldest 状況確認
    bool unchecked = false;
    for (const Shelter& sh : d.shelters.shelters) {
      if (!s.in_my_areas(sh.area_id)) continue;
      if (sh.open_state != "open" && sh.open_state != "permanent") continue;
      ++open_count;
      evacuees.add(detail::to_value(sh.evacuees));
      households.add(detail::to_value(sh.households));
      if (!sh.checked_at) unchecked = true;
      else if (!oldest_check || sh.checked_at->ms < *oldest_check) oldest_check = sh.checked_at->ms;
    }
    ImGui::Text("%s: %d", T("dash.open_shelters"), open_count);
    ImGui::SameLine();
    ImGui::Text("  %s", T("dash.evacuees"));
    ImGui::SameLine();
    tri_total_text(evacuees, "人", "persons");
    ImGui::SameLine();
    tri_total_text(households, "世帯", "households");
    if (open_count > 0) {
      ImGui::SameLine();
      ImGui::TextDisabled("  %s", T("dash.oldest_check"));
      ImGui::SameLine();
      if (unchecked) ImGui::TextColored(to_vec4(colors::kRed), "%s", T("common.never_reported"));
      else age_text(oldest_check, s.now, 60);
    }
    ImGui::Text("%s: %zu", T("dash.open_requests"), d.requests.size());
    int n = 0;
    for (const ResourceRequest& r : d.requests) {
      if (n++ >= 5) break;
      const std::string priority = r.priority.empty() ? "" : "[" + label_s(enums::priority, r.priority) + "] ";
      // Who asked, and how much: two offices asking for the same milk are two requests.
      std::string more;
      const std::string amount = r.quantity.known() ? r.quantity.display(ui_lang()) + r.unit : "";
      if (!amount.empty() && r.title.find(amount) == std::string::npos) more += "  " + amount;  // not twice
      if (!r.requested_by.empty()) more += "  (" + s.master->branch_name(r.requested_by) + ")";
      ImGui::BulletText("%s  %s%s%s", label(enums::request_status, r.status), priority.c_str(), r.title.c_str(),
                        more.c_str());
    }
  }

  void lifeline_matrix_table(Session& s, const DashboardData& d) {
    const LifelineMatrix& m = d.lifelines;
    ImGui::TextUnformatted(T("dash.lifelines_title"));
    help_marker(T("dash.lifelines_help"));
    if (m.types.empty() || m.areas.empty()) {
      ImGui::TextDisabled("%s", T("common.no_data"));
      return;
    }
    lifeline_table(
        "lifelines", s, m,
        ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchSame | ImGuiTableFlags_ScrollY,
        ImVec2(0, std::max(ImGui::GetContentRegionAvail().y, ImGui::GetFontSize() * 14)),
        [&s](const Area& a, const std::string& t, const LifelineStatus* c) {
          if (!c) {
            ImGui::TextDisabled("%s", T("common.unknown"));
            return;
          }
          const bool stale = lifeline_is_stale(*c, s.now);
          if (stale) ImGui::PushStyleColor(ImGuiCol_Text, colors::kOrange);
          ImGui::Text("%s%s", stale ? "⚠ " : "", label(enums::lifeline_status, c->status));
          bool hovered = ImGui::IsItemHovered();
          if (c->affected.known()) {
            // On the next line when the cell is too narrow ("Disrupted 1200 hous" was cut).
            const std::string n = lifeline_affected_text(t, c->affected.value(), ui_lang());
            same_line_if_fits(ImGui::CalcTextSize(n.c_str()).x);
            ImGui::TextUnformatted(n.c_str());
            hovered |= ImGui::IsItemHovered();
          }
          if (stale) ImGui::PopStyleColor();
          if (hovered) lifeline_tooltip(a, t, *c);
        });
  }

  std::shared_ptr<const DashboardData> data_;
  EntityForm hq_form_{EntityKind::HqState};
};

}  // namespace

std::unique_ptr<Panel> make_dashboard_panel() {
  return std::make_unique<Dashboard>();
}

}  // namespace honbu::console
