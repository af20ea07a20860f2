// 訓練進行 Drill control, for the trainer (honbu --drill): the scenario's clock (pause,
// resume, ×1–×60 or as fast as possible, jump to the next inject, end), the timeline of
// injects — pending, delivered, arrived, answered — with a button to hand out a card now,
// the live score of the expected actions, and at the end the after-action report with the
// trainer's notes. Players at this console see their cards in the messages panel.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <map>

#include "console/panel.hpp"
#include "console/panels/factories.hpp"
#include "console/strings.hpp"
#include "console/widgets.hpp"
#include "model/drill/evaluation.hpp"
#include "model/drill/report.hpp"
#include "sync/drill/engine.hpp"

namespace honbu::console {

namespace {

using drill::Result;

constexpr double kSpeeds[] = {1, 2, 5, 10, 20, 30, 60, 0};

const char* result_label(Result r) {
  switch (r) {
    case Result::Met: return T("drill.met");
    case Result::Late: return T("drill.late");
    case Result::Missed: return T("drill.missed");
    case Result::Pending: return T("drill.pending");
    case Result::Overdue: return T("drill.overdue");
  }
  return "";
}

ImU32 result_color(Result r) {
  switch (r) {
    case Result::Met: return colors::kGreen;
    case Result::Late: return colors::kOrange;
    case Result::Missed: return colors::kRed;
    case Result::Pending: return colors::kGrey;
    case Result::Overdue: return colors::kOrange;
  }
  return colors::kGrey;
}

class Drill : public Panel {
 public:
  std::string_view id() const override { return "drill"; }
  std::string_view title_key() const override { return "panel.drill"; }
  bool for_role(const Session& s) const override { return s.drill != nullptr; }

  void on_changes(Session& s, const ChangeSet&) override { evaluate(s); }

  void draw(Session& s) override {
    drill::DrillEngine& e = *s.drill;
    const drill::EngineStatus st = e.status();
    const drill::Scenario& sc = e.scenario();
    // Re-score every few seconds too (deadlines pass without any data changing).
    if (s.wall - last_eval_ > 3000) evaluate(s);

    ImGui::TextUnformatted((sc.title.empty() ? sc.name : sc.title).c_str());
    ImGui::TextColored(to_vec4(colors::kExercise), "%s  %s (%s) / %s", T("drill.sim_time"),
                       format_hhmm_jst(s.now).c_str(), drill::format_offset(st.now).c_str(),
                       drill::format_offset(sc.duration).c_str());
    ImGui::ProgressBar(sc.duration > 0 ? static_cast<float>(std::min(1.0, st.now / sc.duration)) : 0.f, ImVec2(-FLT_MIN, 0),
                       "");
    controls(s, e, st);
    if (!st.last_error.empty()) ImGui::TextColored(to_vec4(colors::kRed), "⚠ %s", st.last_error.c_str());
    score_line();
    ImGui::Separator();
    if (ImGui::BeginTabBar("drilltabs")) {
      if (ImGui::BeginTabItem(T("drill.tab_injects"))) {
        injects(s, e, st);
        ImGui::EndTabItem();
      }
      if (ImGui::BeginTabItem(T("drill.tab_expected"))) {
        expected(e.scenario());
        ImGui::EndTabItem();
      }
      // When the drill ends, the trainer's next step is the report: its tab comes forward once.
      const bool just_ended = st.finished && !shown_report_;
      shown_report_ = shown_report_ || st.finished;
      if (ImGui::BeginTabItem(T("drill.tab_report"), nullptr, just_ended ? ImGuiTabItemFlags_SetSelected : 0)) {
        report(s, e, st);
        ImGui::EndTabItem();
      }
      ImGui::EndTabBar();
    }
  }

 private:
  void controls(Session& s, drill::DrillEngine& e, const drill::EngineStatus& st) {
    if (st.finished) {
      ImGui::TextColored(to_vec4(colors::kGreen), "%s", T("drill.finished_note"));
      return;
    }
    // Space: pause / resume; N: next inject (when the panel has focus and nobody is typing).
    const bool keys = ImGui::IsWindowFocused(ImGuiFocusedFlags_RootAndChildWindows) && !ImGui::GetIO().WantTextInput;
    const bool space = keys && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false);
    if (st.paused) {
      if (action_button("drill.resume", T("drill.resume")) || space) e.resume();
    } else {
      if (action_button("drill.pause", T("drill.pause")) || space) e.pause();
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    const std::string cur = st.speed == 0 ? std::string(T("drill.speed_max")) : "×" + std::to_string(static_cast<int>(st.speed));
    if (ImGui::BeginCombo("##speed", cur.c_str())) {
      for (double v : kSpeeds) {
        const std::string l = v == 0 ? std::string(T("drill.speed_max")) : "×" + std::to_string(static_cast<int>(v));
        if (ImGui::Selectable(l.c_str(), v == st.speed)) e.set_speed(v);
      }
      ImGui::EndCombo();
    }
    ImGui::SameLine();
    if (action_button("drill.next", T("drill.next")) || (keys && ImGui::IsKeyPressed('N', false))) e.next();
    ImGui::SameLine();
    if (action_button("drill.end", T("drill.end"))) ImGui::OpenPopup("confirm_end");
    if (ImGui::BeginPopup("confirm_end")) {
      ImGui::TextUnformatted(T("drill.end_confirm"));
      if (ImGui::Button(T("drill.end"))) {
        e.end_now();
        ImGui::CloseCurrentPopup();
      }
      ImGui::SameLine();
      if (ImGui::Button(T("common.cancel"))) ImGui::CloseCurrentPopup();
      ImGui::EndPopup();
    }
    (void)s;
  }

  void score_line() {
    if (!eval_) {
      ImGui::TextDisabled("%s", T("common.loading"));
      return;
    }
    const drill::Evaluation& ev = *eval_;
    int pending = 0, overdue = 0;
    for (const auto& o : ev.outcomes) {
      pending += o.result == Result::Pending;
      overdue += o.result == Result::Overdue;
    }
    ImGui::Text("%s:", T("drill.score"));
    for (auto [r, n] : {std::pair{Result::Met, ev.met()}, std::pair{Result::Late, ev.late()},
                        std::pair{Result::Overdue, overdue}, std::pair{Result::Missed, ev.missed()},
                        std::pair{Result::Pending, pending}}) {
      if (n == 0 && (r == Result::Overdue || r == Result::Missed)) continue;  // one while running, the other after
      ImGui::SameLine();
      ImGui::TextColored(to_vec4(result_color(r)), "%s %d", result_label(r), n);
    }
    ImGui::SameLine();
    ImGui::Text("  (%.0f / %.0f)", ev.points, ev.possible);
  }

  // Where a card stands: the schedule's state, then what the players did about it.
  std::pair<std::string, ImU32> inject_state(const drill::InjectState& is) const {
    if (!is.error.empty()) return {T("drill.failed"), colors::kRed};
    if (!is.delivered) return {T("drill.scheduled"), colors::kGrey};
    if (eval_) {
      int waiting = 0, done = 0, missed = 0, overdue = 0;
      for (const auto& o : eval_->outcomes) {
        if (o.inject != is.inject) continue;
        if (o.result == Result::Met || o.result == Result::Late) ++done;
        else if (o.result == Result::Missed) ++missed;
        else if (o.result == Result::Overdue) ++overdue, ++waiting;
        else ++waiting;
      }
      if (missed) return {T("drill.missed"), colors::kRed};
      if (overdue) return {T("drill.overdue"), colors::kOrange};
      if (done && !waiting) return {T("drill.answered"), colors::kGreen};
    }
    if (is.arrived) return {T("drill.arrived"), colors::kBlue};
    return {T("drill.delivered"), colors::kYellow};
  }

  static std::string target_ids(const drill::Inject& i) {
    if (i.kind == drill::InjectKind::Bundle) return i.from_node + " → " + i.to_node;
    std::string ids;
    for (const std::string& n : i.nodes) ids += (ids.empty() ? "" : ", ") + n;
    return ids.empty() ? i.target : ids;
  }

  void injects(Session& s, drill::DrillEngine& e, const drill::EngineStatus& st) {
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY |
                                  ImGuiTableFlags_Resizable;
    const float em = ImGui::GetFontSize();
    // In a window of a third of the screen the fixed columns left the card's words one
    // character wide: there, kind and addressee go on a line above the words instead.
    const bool narrow = ImGui::GetContentRegionAvail().x < em * 48;
    if (!ImGui::BeginTable(narrow ? "injects_narrow" : "injects", narrow ? 5 : 7, flags)) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn(T("drill.c_card"), ImGuiTableColumnFlags_WidthFixed, em * 3.5f);
    ImGui::TableSetupColumn(T("drill.c_at"), ImGuiTableColumnFlags_WidthFixed, em * 3.5f);
    if (!narrow) {
      ImGui::TableSetupColumn(T("drill.c_kind"), ImGuiTableColumnFlags_WidthFixed, em * 6);
      ImGui::TableSetupColumn(T("drill.c_target"), ImGuiTableColumnFlags_WidthFixed, em * 7);
    }
    ImGui::TableSetupColumn(T("drill.c_content"), ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn(T("drill.c_state"), ImGuiTableColumnFlags_WidthFixed, em * 4.5f);
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, em * 3.5f);
    ImGui::TableHeadersRow();
    bool next_marked = false;
    for (const drill::InjectState& is : st.injects) {
      const drill::Inject& i = *is.inject;
      ImGui::TableNextRow();
      // The next card due stands out.
      if (!is.delivered && !next_marked) {
        ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, IM_COL32(120, 40, 160, 70));
        next_marked = true;
      }
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(i.card.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(drill::format_offset(is.at).c_str());
      const std::string kind(drill::inject_kind_label(i.kind, ui_lang()));
      // Offices by name, as the players know them; the node ids the scenario uses on hover.
      const std::string to = drill::inject_target_label(e.scenario(), i, ui_lang());
      ImGui::TableNextColumn();
      if (narrow) {
        ImGui::TextDisabled("%s → %s", kind.c_str(), to.c_str());
      } else {
        ImGui::TextUnformatted(kind.c_str());
        ImGui::TableNextColumn();
        ImGui::TextWrapped("%s", to.c_str());
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", target_ids(i).c_str());
      if (!narrow) ImGui::TableNextColumn();
      const std::string summary = drill::inject_summary(e.scenario(), i, ui_lang());
      ImGui::TextWrapped("%s%s%s", i.from_role.empty() ? "" : (i.from_role + ": ").c_str(), summary.c_str(),
                         i.medium.empty() ? "" : ("  [" + label_s(enums::medium, i.medium) + "]").c_str());
      ImGui::TableNextColumn();
      const auto [text, color] = inject_state(is);
      ImGui::TextColored(to_vec4(color), "%s", text.c_str());
      if (!is.error.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", is.error.c_str());
      ImGui::TableNextColumn();
      if (!is.delivered && !st.finished) {
        ImGui::PushID(i.card.c_str());
        if (action_button(("drill.inject." + i.card).c_str(), T("drill.inject_now"), true)) e.inject_now(i.card);
        ImGui::PopID();
      }
    }
    ImGui::EndTable();
    (void)s;
  }

  void expected(const drill::Scenario& scenario) {
    if (!eval_) return;
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY;
    if (!ImGui::BeginTable("expected", 6, flags)) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn(T("drill.c_id"));
    ImGui::TableSetupColumn(T("drill.c_action"), ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn(T("drill.c_by"));
    ImGui::TableSetupColumn(T("drill.c_due"));
    ImGui::TableSetupColumn(T("drill.c_done"));
    ImGui::TableSetupColumn(T("drill.c_result"));
    ImGui::TableHeadersRow();
    for (const drill::Outcome& o : eval_->outcomes) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(o.expectation->id.c_str());
      ImGui::TableNextColumn();
      ImGui::TextWrapped("%s", drill::expectation_text(scenario, *o.expectation, ui_lang()).c_str());
      if (!o.evidence.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", o.evidence_in(ui_lang()).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(drill::node_label(scenario, o.expectation->by, ui_lang()).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(o.from || o.expectation->deadline ? drill::format_offset(o.due).c_str() : "—");
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(o.done ? drill::format_offset(*o.done).c_str() : "");
      ImGui::TableNextColumn();
      ImGui::TextColored(to_vec4(result_color(o.result)), "%s", result_label(o.result));
    }
    ImGui::EndTable();
  }

  void report(Session& s, drill::DrillEngine& e, const drill::EngineStatus& st) {
    ImGui::TextWrapped("%s", T("drill.report_help"));
    ImGui::TextUnformatted(T("drill.strengths"));
    ImGui::InputTextMultiline("##strengths", &strengths_, ImVec2(-FLT_MIN, ImGui::GetFontSize() * 4));
    ImGui::TextUnformatted(T("drill.improvements"));
    ImGui::InputTextMultiline("##improve", &improvements_, ImVec2(-FLT_MIN, ImGui::GetFontSize() * 4));
    if (writing_.valid() && writing_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      report_note_ = writing_.get();
      writing_ = {};
    }
    if (!writing_.valid() && action_button("drill.write_report", T("drill.write_report"))) {
      // On a worker: the report reads HQ's database on its own connection.
      writing_ = std::async(std::launch::async, [&e, strengths = strengths_, improve = improvements_,
                                                 now = st.now, finished = st.finished]() -> std::string {
        try {
          Db db(e.hq_db_path(), OpenMode::ReadOnly);
          const drill::DrillLog log = e.log();
          const drill::Evaluation ev = drill::evaluate(e.scenario(), log, db, now, finished);
          const drill::ReportInput in{&e.scenario(), &log, &ev, strengths, improve};
          std::ofstream(e.dir() + "/report-ja.html", std::ios::binary) << drill::report_html(in, Lang::Ja);
          std::ofstream(e.dir() + "/report-en.html", std::ios::binary) << drill::report_html(in, Lang::En);
          std::ofstream(e.dir() + "/report.csv", std::ios::binary) << drill::report_csv(in, Lang::Ja);
          return e.dir() + "/report-ja.html, report-en.html, report.csv";
        } catch (const std::exception& ex) {
          return std::string("error: ") + ex.what();
        }
      });
    }
    if (writing_.valid()) ImGui::TextDisabled("%s", T("drill.writing"));
    if (!report_note_.empty()) ImGui::TextWrapped("%s %s", T("drill.report_written"), report_note_.c_str());
    ImGui::TextDisabled("%s %s", T("drill.directory"), e.dir().c_str());
    (void)s;
  }

  void evaluate(Session& s) {
    last_eval_ = s.wall;
    drill::DrillEngine* e = s.drill;
    s.reader->request<std::shared_ptr<const drill::Evaluation>>(
        "drill.evaluate",
        [e](Db& db) {
          const drill::EngineStatus c = e->clock();
          auto log = std::make_shared<drill::DrillLog>(e->log());
          auto ev = std::make_shared<drill::Evaluation>(drill::evaluate(e->scenario(), *log, db, c.now, c.finished));
          // The evaluation points into the scenario (lives as long as the engine), not the log.
          return std::shared_ptr<const drill::Evaluation>(std::move(ev));
        },
        [this](std::shared_ptr<const drill::Evaluation> ev) { eval_ = std::move(ev); });
  }

  std::shared_ptr<const drill::Evaluation> eval_;
  TimeMs last_eval_ = 0;
  std::string strengths_, improvements_, report_note_;
  std::future<std::string> writing_;
  bool shown_report_ = false;
};

}  // namespace

std::unique_ptr<Panel> make_drill_panel() { return std::make_unique<Drill>(); }

}  // namespace honbu::console
