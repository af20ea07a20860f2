// ライフライン Lifelines: area × type, coloured by status, each figure with its as-of time and
// source; edit a cell (status, 支障数, peak, restoration estimate and whether it may be
// published).
#include <imgui.h>

#include "console/form.hpp"
#include "console/panel.hpp"
#include "console/panels/factories.hpp"
#include "console/strings.hpp"
#include "console/widgets.hpp"
#include "model/queries.hpp"

namespace honbu::console {

namespace {


class Lifelines : public Panel {
 public:
  std::string_view id() const override { return "lifelines"; }
  std::string_view title_key() const override { return "panel.lifelines"; }

  void on_changes(Session& s, const ChangeSet& c) override {
    if (c.has(EntityKind::Lifeline) || c.has(EntityKind::Area))
      s.reader->request<std::shared_ptr<const LifelineMatrix>>(
          "lifelines",
          [](Db& db) { return std::make_shared<const LifelineMatrix>(lifeline_matrix(db)); },
          [this, &s](std::shared_ptr<const LifelineMatrix> m) {
            data_ = std::move(m);
            form_.refresh(s);
          });
  }

  void draw(Session& s) override {
    if (!data_) {
      ImGui::TextDisabled("%s", T("common.loading"));
      return;
    }
    const float form_w = form_.active() ? ImGui::GetContentRegionAvail().x * 0.4f : 0.0f;
    ImGui::BeginChild("matrix", ImVec2(ImGui::GetContentRegionAvail().x - form_w, 0));
    matrix(s);
    ImGui::EndChild();
    if (form_.active()) {
      ImGui::SameLine();
      ImGui::BeginChild("form", ImVec2(0, 0), true);
      ImGui::Text("%s / %s", s.master->area_name(area_).c_str(),
                  label(enums::lifeline_type, type_));
      if (form_.draw(s, {"status", "affected", "as_of", "source", "peak_affected", "peak_at",
                         "restoration_estimate", "estimate_publishable", "note"}))
        form_.save(s);
      ImGui::EndChild();
    }
  }

 private:
  void matrix(Session& s) {
    const LifelineMatrix& m = *data_;
    if (!read_only()) ImGui::TextDisabled("%s", T("lifeline.click_to_edit"));  // a replay only shows
    lifeline_table(
        "m", s, m,
        ImGuiTableFlags_Borders | ImGuiTableFlags_ScrollY | ImGuiTableFlags_ScrollX |
            ImGuiTableFlags_SizingFixedFit,
        ImVec2(0, 0), [&](const Area& a, const std::string& t, const LifelineStatus* c) {
          ImGui::PushID((a.id + "/" + t).c_str());
          std::string text;
          // A figure hours old is flagged (⚠, orange): the status may have moved on since.
          const bool stale = c && lifeline_is_stale(*c, s.now);
          if (c) {
            text = label_s(enums::lifeline_status, c->status);
            if (c->affected.known()) text += " " + lifeline_affected_text(t, c->affected.value(), ui_lang());
            text += "\n" + std::string(stale ? "⚠ " : "") +
                    hhmm(c->as_of ? std::optional(c->as_of->ms) : std::nullopt, s.now) + " " + c->source;
          } else {
            text = std::string(T("common.unknown")) + "\n ";
          }
          if (stale) ImGui::PushStyleColor(ImGuiCol_Text, colors::kOrange);
          if (ImGui::Selectable(text.c_str(), form_.active() && form_.id() == lifeline_id(a.id, t),
                                0, ImVec2(ImGui::GetFontSize() * 9, 0)))
            edit(s, a.id, t, c);
          if (stale) ImGui::PopStyleColor();
          if (c && ImGui::IsItemHovered()) lifeline_tooltip(a, t, *c);
          ImGui::PopID();
        });
  }

  void edit(Session& s, const std::string& area, const std::string& type,
            const LifelineStatus* current) {
    area_ = area;
    type_ = type;
    const std::string id = lifeline_id(area, type);
    if (!current) {
      form_.start_new(id, {{"area_id", area},
                           {"lifeline_type", type},
                           {"as_of", format_iso_jst(s.now)},
                           {"status", std::string("collecting")}});
      return;
    }
    form_.open(s, id);
  }

  std::shared_ptr<const LifelineMatrix> data_;
  EntityForm form_{EntityKind::Lifeline};
  std::string area_, type_;
};

}  // namespace

std::unique_ptr<Panel> make_lifelines_panel() {
  return std::make_unique<Lifelines>();
}

}  // namespace honbu::console
