// 状況付与票 Incoming drill cards: what the trainer hands this node's players — a phone call,
// a FAX, a radio message — with its text. The player answers it here (what was done, by
// whom); the answer is an op like any other, and the drill scores it. Only in EXERCISE data.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

#include "console/panel.hpp"
#include "console/panels/factories.hpp"
#include "console/strings.hpp"
#include "console/widgets.hpp"
#include "model/queries.hpp"

namespace honbu::console {

namespace {

constexpr std::int64_t kAnswerWithinMin = 10;

class Messages : public Panel {
 public:
  std::string_view id() const override { return "messages"; }
  std::string_view title_key() const override { return "panel.messages"; }
  bool for_role(const Session& s) const override { return s.exercise; }

  void on_changes(Session& s, const ChangeSet& c) override {
    if (!c.has(EntityKind::DrillMessage)) return;
    s.reader->request<std::shared_ptr<const std::vector<DrillMessage>>>(
        "messages",
        [node = s.node_id](Db& db) {
          std::vector<DrillMessage> v;
          for (DrillMessage& m : list_all<DrillMessage>(db))
            if (m.to_node == node) v.push_back(std::move(m));
          // Unanswered first, then newest first.
          std::stable_sort(v.begin(), v.end(), [](const DrillMessage& a, const DrillMessage& b) {
            if (a.answered_at.has_value() != b.answered_at.has_value()) return !a.answered_at.has_value();
            return (a.delivered_at ? a.delivered_at->ms : 0) > (b.delivered_at ? b.delivered_at->ms : 0);
          });
          return std::make_shared<const std::vector<DrillMessage>>(std::move(v));
        },
        [this](std::shared_ptr<const std::vector<DrillMessage>> v) { cards_ = std::move(v); });
  }

  void draw(Session& s) override {
    if (!cards_) {
      ImGui::TextDisabled("%s", T("common.loading"));
      return;
    }
    int unanswered = 0;
    for (const DrillMessage& m : *cards_) unanswered += !m.answered_at;
    ImGui::Text("%s %d / %zu", T("msg.unanswered"), unanswered, cards_->size());
    if (cards_->empty()) ImGui::TextDisabled("%s", T("msg.none"));
    for (const DrillMessage& m : *cards_) card(s, m);
  }

 private:
  void card(Session& s, const DrillMessage& m) {
    ImGui::PushID(m.id.c_str());
    const bool answered = m.answered_at.has_value();
    ImGui::PushStyleColor(ImGuiCol_ChildBg, answered ? IM_COL32(40, 40, 45, 255) : IM_COL32(70, 30, 90, 255));
    const float h = ImGui::GetFontSize() * (answered ? 4.2f : (answering_ == m.id ? 10.5f : 5.6f));
    ImGui::BeginChild("card", ImVec2(0, h), true);
    ImGui::Text("%s %s  %s  %s", T("msg.card"), m.card.c_str(), hhmm(m.delivered_at ? std::optional(m.delivered_at->ms) : std::nullopt, s.now).c_str(),
                label(enums::medium, m.medium));
    if (!m.from_role.empty()) {
      ImGui::SameLine();
      ImGui::Text("%s %s", T("msg.from"), m.from_role.c_str());
    }
    // How long it has waited (drill time), red past kAnswerWithinMin: the player sees which
    // card to take first, the trainer how the room keeps up.
    if (!answered && m.delivered_at) {
      ImGui::SameLine();
      ImGui::TextDisabled("%s", T("msg.waiting"));
      ImGui::SameLine();
      age_text(m.delivered_at->ms, s.now, kAnswerWithinMin);
    }
    ImGui::TextWrapped("%s", m.content.c_str());
    if (answered) {
      std::string took;
      if (m.delivered_at && m.answered_at->ms >= m.delivered_at->ms)
        took = " (" + std::to_string((m.answered_at->ms - m.delivered_at->ms) / 60'000) + T("msg.min_later") + ")";
      ImGui::TextColored(to_vec4(colors::kGreen), "%s %s%s  %s: %s", T("msg.answered"),
                         hhmm(std::optional(m.answered_at->ms), s.now).c_str(), took.c_str(), m.answered_by.c_str(),
                         m.response.c_str());
    } else if (answering_ != m.id) {
      if (action_button(("msg.answer." + m.id).c_str(), T("msg.answer"))) {
        answering_ = m.id;
        response_.clear();
      }
    } else {
      ImGui::SetNextItemWidth(-FLT_MIN);
      ImGui::InputTextMultiline("##response", &response_, ImVec2(-FLT_MIN, ImGui::GetFontSize() * 3));
      if (action_button(("msg.done." + m.id).c_str(), T("msg.mark_done"))) answer(s, m);
      ImGui::SameLine();
      if (ImGui::Button(T("common.cancel"))) answering_.clear();
      problems_box(problems_);
    }
    ImGui::EndChild();
    ImGui::PopStyleColor();
    ImGui::PopID();
  }

  void answer(Session& s, const DrillMessage& m) {
    Fields f{{"answered_at", format_iso_jst(s.now)}, {"answered_by", s.operator_name}};
    if (!response_.empty()) f["response"] = response_;
    const std::string id = m.id, who = s.operator_name;
    s.commands->submit(
        "answer " + m.card, [id, f, who](Store& st) { return st.put(EntityKind::DrillMessage, id, f, who); },
        [this](const LocalResult& r) {
          problems_ = r.problems;
          if (r.ok) answering_.clear();
        });
  }

  std::shared_ptr<const std::vector<DrillMessage>> cards_;
  std::string answering_, response_;
  std::vector<Problem> problems_;
};

}  // namespace

std::unique_ptr<Panel> make_messages_panel() { return std::make_unique<Messages>(); }

}  // namespace honbu::console
