// 避難所 Shelters: open state, crowding, head counts and households, 要配慮者, facility state,
// and needs (the national 基本8品目 and free items; deliveries add up from every node).
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

#include "console/form.hpp"
#include "console/panel.hpp"
#include "console/panels/factories.hpp"
#include "console/strings.hpp"
#include "console/widgets.hpp"
#include "model/queries.hpp"

namespace honbu::console {

namespace {

struct SheltersData {
  ShelterTotals totals;
  std::map<std::string, std::vector<ShelterSupply>> supplies;  // by shelter id
};

class Shelters : public Panel {
 public:
  std::string_view id() const override { return "shelters"; }
  std::string_view title_key() const override { return "panel.shelters"; }

  void on_changes(Session& s, const ChangeSet& c) override {
    if (!c.has(EntityKind::Shelter) && !c.has(EntityKind::ShelterSupply)) return;
    s.reader->request<std::shared_ptr<const SheltersData>>(
        "shelters",
        [](Db& db) {
          auto d = std::make_shared<SheltersData>();
          d->totals = shelter_totals(db);
          for (const Shelter& sh : d->totals.shelters) d->supplies[sh.id] = shelter_supplies(db, sh.id);
          return std::shared_ptr<const SheltersData>(std::move(d));
        },
        [this, &s](std::shared_ptr<const SheltersData> d) {
          data_ = std::move(d);
          form_.refresh(s);
        });
  }

  void start_new(Session& s) override {
    Fields d{{"open_state", std::string("not_opened")}, {"shelter_type", std::string("designated")}};
    if (!s.hq() && s.areas.size() == 1) d["area_id"] = s.areas.front();
    form_.start_new("", d);
  }

  void draw(Session& s) override {
    if (!data_) {
      ImGui::TextDisabled("%s", T("common.loading"));
      return;
    }
    if (action_button("shelter.new", T("shelter.new_button"))) start_new(s);
    ImGui::SameLine();
    ImGui::Checkbox(T("shelter.open_only"), &open_only_);
    ImGui::SameLine();
    ImGui::Text("%s %d  %s", T("dash.open_shelters"), data_->totals.open, T("dash.evacuees"));
    ImGui::SameLine();
    tri_total_text(data_->totals.evacuees, "人", "persons");
    const float form_w = form_.active() ? ImGui::GetContentRegionAvail().x * 0.45f : 0.0f;
    ImGui::BeginChild("list", ImVec2(ImGui::GetContentRegionAvail().x - form_w, 0));
    list(s);
    ImGui::EndChild();
    if (form_.active()) {
      ImGui::SameLine();
      ImGui::BeginChild("form", ImVec2(0, 0), true);
      form(s);
      ImGui::EndChild();
    }
  }

 private:
  void list(Session& s) {
    if (data_->totals.shelters.empty()) ImGui::TextDisabled("%s", T("shelter.empty"));
    if (!begin_list_table("sh", 7,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY |
                              ImGuiTableFlags_Resizable,
                          36))
      return;
    ImGui::TableSetupScrollFreeze(1, 1);
    ImGui::TableSetupColumn(T("shelter.c_name"), ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn(T("shelter.c_area"));
    ImGui::TableSetupColumn(T("shelter.c_state"));
    ImGui::TableSetupColumn(T("shelter.c_crowding"));
    ImGui::TableSetupColumn(T("shelter.c_evacuees"));
    ImGui::TableSetupColumn(T("shelter.c_vulnerable"));
    ImGui::TableSetupColumn(T("shelter.c_checked"));
    ImGui::TableHeadersRow();
    for (const Shelter& sh : data_->totals.shelters) {
      if (!sh.area_id.empty() && !s.in_my_areas(sh.area_id)) continue;  // one with no area yet is everyone's
      if (open_only_ && sh.open_state != "open" && sh.open_state != "permanent") continue;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::PushID(sh.id.c_str());
      if (ImGui::Selectable(sh.name.c_str(), form_.active() && form_.id() == sh.id, ImGuiSelectableFlags_SpanAllColumns))
        form_.open(s, sh.id);
      ImGui::PopID();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.master->area_name(sh.area_id).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(label(enums::shelter_open_state, sh.open_state));
      ImGui::TableNextColumn();
      const ImU32 cc = sh.crowding == "full" ? colors::kRed : sh.crowding == "crowded" ? colors::kOrange : colors::kGreen;
      if (sh.crowding.empty())
        ImGui::TextDisabled("%s", T("common.unknown"));
      else
        ImGui::TextColored(to_vec4(cc), "%s", label(enums::crowding, sh.crowding));
      ImGui::TableNextColumn();
      // Evacuees against capacity, as a bar: 未確認 stays text.
      if (sh.evacuees.known() && sh.capacity.known() && sh.capacity.value() > 0) {
        const float frac = static_cast<float>(sh.evacuees.value()) / static_cast<float>(sh.capacity.value());
        const std::string txt = std::to_string(sh.evacuees.value()) + " / " + std::to_string(sh.capacity.value());
        ImGui::ProgressBar(std::min(frac, 1.0f), ImVec2(ImGui::GetFontSize() * 8, 0), txt.c_str());
      } else {
        ImGui::Text("%s / %s", sh.evacuees.display(ui_lang()).c_str(), sh.capacity.display(ui_lang()).c_str());
      }
      ImGui::TableNextColumn();
      TriTotal v;
      for (const auto& [g, c] : sh.vulnerable) v.add(detail::to_value(c));
      tri_total_text(v);
      ImGui::TableNextColumn();
      age_text(sh.checked_at ? std::optional(sh.checked_at->ms) : std::nullopt, s.now, 120);
    }
    ImGui::EndTable();
  }

  void form(Session& s) {
    ImGui::TextUnformatted(form_.creating() ? T("shelter.new") : T("shelter.edit"));
    form_.begin_frame();
    auto refs = [&](std::string_view field) {
      std::vector<std::pair<std::string, std::string>> out;
      if (field == "area_id")
        for (const Area& a : s.master->areas)
          if (s.in_my_areas(a.id)) out.emplace_back(a.id, a.name);
      return out;
    };
    ImGui::BeginChild("fields", ImVec2(0, -ImGui::GetFrameHeightWithSpacing() * 2.5f));
    bool enter = form_.fields(s, {"name", "kana", "shelter_type", "area_id", "address", "open_state", "opened_at",
                                  "closed_at", "crowding", "capacity", "evacuees", "evacuees_voluntary", "households",
                                  "households_voluntary", "checked_at"},
                              refs);
    if (ImGui::CollapsingHeader(T("shelter.vulnerable"))) {
      std::vector<std::string_view> v;
      for (const FieldSpec& f : spec(EntityKind::Shelter).fields)
        if (f.name.starts_with("v_")) v.push_back(f.name);
      enter = form_.fields(s, v) || enter;
    }
    if (ImGui::CollapsingHeader(T("shelter.facility")))
      enter = form_.fields(s, {"f_building", "f_power", "f_comms", "f_water", "f_toilet", "can_open", "contact", "note"}) ||
              enter;
    if (!form_.creating() && ImGui::CollapsingHeader(T("shelter.needs"), ImGuiTreeNodeFlags_DefaultOpen)) needs(s);
    ImGui::EndChild();
    if (form_.actions(enter)) form_.save(s);
  }

  void needs(Session& s) {
    const std::string shelter = form_.id();
    auto it = data_->supplies.find(shelter);
    static const std::vector<ShelterSupply> kNone;
    const auto& items = it == data_->supplies.end() ? kNone : it->second;
    if (ImGui::BeginTable("needs", 4, ImGuiTableFlags_BordersInnerH)) {
      ImGui::TableSetupColumn(T("shelter.item"));
      ImGui::TableSetupColumn(T("shelter.needed"));
      ImGui::TableSetupColumn(T("shelter.delivered"));
      ImGui::TableSetupColumn("");
      ImGui::TableHeadersRow();
      for (const ShelterSupply& sup : items) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        const Label* l = enums::supply_item.find(sup.item);
        ImGui::TextUnformatted(l ? std::string(l->text(ui_lang())).c_str() : sup.item.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(sup.needed.display(ui_lang()).c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%lld %s", static_cast<long long>(sup.delivered), sup.unit.c_str());
        ImGui::TableNextColumn();
        ImGui::PushID(sup.id.c_str());
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 4);
        int& n = delivery_[sup.id];
        ImGui::InputInt("##n", &n, 0);
        ImGui::SameLine();
        if (!read_only() && ImGui::SmallButton(T("shelter.record_delivery")) && n != 0) {
          const std::string id = sup.id, who = s.operator_name;
          const std::int64_t delta = n;
          n = 0;
          // Several nodes record deliveries: signed deltas add up, never a total that one overwrites.
          s.commands->submit(T("shelter.delivery"),
                             [id, delta, who](Store& st) { return st.add(EntityKind::ShelterSupply, id, {{"delivered", delta}}, who); },
                             {});
        }
        ImGui::PopID();
      }
      ImGui::EndTable();
    }
    // A new need: 基本8品目 or free text.
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    enum_combo("##item", enums::supply_item, new_item_, true);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::InputTextWithHint("##free", T("shelter.free_item"), &free_item_);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 4);
    ImGui::InputInt("##needed", &new_needed_, 0);
    ImGui::SameLine();
    const std::string item = !free_item_.empty() ? free_item_ : new_item_;
    ImGui::BeginDisabled(item.empty());
    if (!read_only() && ImGui::SmallButton(T("shelter.add_need"))) {
      const std::string sid = shelter_supply_id(shelter, item), who = s.operator_name;
      const std::int64_t needed = new_needed_;
      s.commands->submit(T("shelter.needs"),
                         [sid, shelter, item, needed, who](Store& st) {
                           return st.put(EntityKind::ShelterSupply, sid,
                                         {{"shelter_id", shelter}, {"item", item}, {"needed", needed}}, who);
                         },
                         {});
      free_item_.clear();
      new_needed_ = 0;
    }
    ImGui::EndDisabled();
  }

  std::shared_ptr<const SheltersData> data_;
  EntityForm form_{EntityKind::Shelter};
  bool open_only_ = false;
  std::map<std::string, int> delivery_;
  std::string new_item_, free_item_;
  int new_needed_ = 0;
};

}  // namespace

std::unique_ptr<Panel> make_shelters_panel() { return std::make_unique<Shelters>(); }

}  // namespace honbu::console
