// 再生 Replay of a finished drill (honbu --replay DIR), view only: a slider over the
// drill's scenario time, play at ×N, step by minutes; every other panel shows what HQ held
// at that moment. Below, what happened up to then: the injects and network events.
#include <imgui.h>

#include "console/panel.hpp"
#include "console/panels/factories.hpp"
#include "console/replay_host.hpp"
#include "console/strings.hpp"
#include "console/widgets.hpp"

namespace honbu::console {

namespace {

class Replay : public Panel {
 public:
  std::string_view id() const override { return "replay"; }
  std::string_view title_key() const override { return "panel.replay"; }
  bool for_role(const Session& s) const override { return s.replay != nullptr; }

  void draw(Session& s) override {
    ReplayHost& r = *s.replay;
    const drill::Scenario& sc = r.scenario();
    ImGui::TextUnformatted((sc.title.empty() ? sc.name : sc.title).c_str());
    ImGui::TextColored(to_vec4(colors::kExercise), "%s %s (%s) / %s", T("replay.banner"), format_hhmm_jst(s.now).c_str(),
                       drill::format_offset(r.at()).c_str(), drill::format_offset(r.end()).c_str());
    float at = static_cast<float>(r.at());
    ImGui::SetNextItemWidth(-FLT_MIN);
    const std::string shown = drill::format_offset(r.at());
    if (ImGui::SliderFloat("##at", &at, 0.f, static_cast<float>(r.end()), shown.c_str())) r.seek(at);
    const bool keys = ImGui::IsWindowFocused(ImGuiFocusedFlags_RootAndChildWindows) && !ImGui::GetIO().WantTextInput;
    if (ImGui::Button(r.playing ? T("replay.pause") : T("replay.play")) ||
        (keys && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false)))
      r.playing = !r.playing;
    for (int step : {-10, -1, 1, 10}) {
      ImGui::SameLine();
      const std::string l = (step > 0 ? "+" : "") + std::to_string(step) + T("replay.min");
      if (ImGui::Button(l.c_str())) r.seek(r.at() + step);
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5);
    int speed = static_cast<int>(r.speed);
    if (ImGui::SliderInt("##speed", &speed, 1, 60, "×%d")) r.speed = speed;
    ImGui::TextDisabled("%s %zu / %zu", T("replay.held"), r.held(), r.total_ops());
    ImGui::Separator();
    // What had happened by then.
    if (!ImGui::BeginTable("events", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerH))
      return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn(T("drill.c_at"), ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 4);
    ImGui::TableSetupColumn(T("drill.c_kind"), ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 6);
    ImGui::TableSetupColumn(T("drill.c_content"), ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    for (const drill::LogEvent& e : r.log().events) {
      if (e.sim > r.at() + 1e-9) break;
      if (e.type != "inject" && e.type != "net") continue;
      const drill::Inject* i = sc.inject(e.card);
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(drill::format_offset(e.sim).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(i ? std::string(drill::inject_kind_label(i->kind, ui_lang())).c_str() : e.kind.c_str());
      ImGui::TableNextColumn();
      ImGui::TextWrapped("%s %s", e.card.c_str(), i ? drill::inject_summary(sc, *i, ui_lang()).c_str() : e.detail.c_str());
    }
    ImGui::EndTable();
  }
};

}  // namespace

std::unique_ptr<Panel> make_replay_panel() { return std::make_unique<Replay>(); }

}  // namespace honbu::console
