// クロノロ Chronology: fast entry (time defaults to now; Enter records it and clears the line
// for the next one), running numbers per recording node, corrections as new entries
// 「訂正(No.x)」, filter by category and state, page through thousands of entries.
#include <imgui.h>
#include <imgui_stdlib.h>

#include "console/form.hpp"
#include "console/panel.hpp"
#include "console/panels/factories.hpp"
#include "console/strings.hpp"
#include "console/widgets.hpp"
#include "model/queries.hpp"

namespace honbu::console {

namespace {

constexpr int kPageSize = 200;

class Chronology : public Panel {
 public:
  std::string_view id() const override { return "chronology"; }
  std::string_view title_key() const override { return "panel.chronology"; }

  void on_changes(Session& s, const ChangeSet& c) override {
    session_ = &s;
    if (c.has(EntityKind::Chronology)) load(s);
    if (!entry_.active()) start_entry(s);
  }

  void start_new(Session& s) override {
    start_entry(s);
    focus_entry_ = true;
  }
  void focus_search() override { focus_search_ = true; }

  void draw(Session& s) override {
    if (!read_only()) {
      entry_line(s);
      ImGui::Separator();
    }
    toolbar(s);
    list(s);
  }

 private:
  void start_entry(Session& s, const ChronologyEntry* corrects = nullptr) {
    // number and node_label are placeholders here: the store's thread sets them on save.
    Fields d{{"at", format_iso_jst(s.now)}, {"state", std::string("pending")}, {"medium", std::string("phone")},
             {"number", std::int64_t{1}}, {"node_label", s.node_id}};
    if (corrects) {
      d["corrects"] = corrects->id;
      d["content"] = std::string(T("chrono.correction_prefix")) + "(" + corrects->node_label + "-" +
                     std::to_string(corrects->number) + ") " + corrects->content;
      d["category"] = corrects->category;
    }
    entry_.start_new("", d);
    entry_.set_single_line(true);
    auto_time_.clear();  // a fresh entry follows the clock again
    correcting_ = corrects ? corrects->node_label + "-" + std::to_string(corrects->number) : "";
  }

  void entry_line(Session& s) {
    if (!entry_.active()) start_entry(s);
    // The time is "now" until someone types another one: it follows the clock.
    const std::string iso = format_iso_jst(s.now);
    const std::string now_text = iso.substr(0, 10) + " " + iso.substr(11, 5);
    std::string& at = entry_.text("at");
    if (at == auto_time_ || auto_time_.empty()) at = auto_time_ = now_text;
    ImGui::TextUnformatted(correcting_.empty() ? T("chrono.new_entry") : (std::string(T("chrono.correcting")) + " " + correcting_).c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s", T("chrono.entry_hint"));
    entry_.begin_frame();
    if (focus_entry_) {
      entry_.focus("content");
      focus_entry_ = false;
    }
    bool enter = entry_.fields_inline(s, {{"at", 9}, {"from_org", 8}, {"to_org", 8}, {"medium", 6}, {"category", 7}});
    enter = entry_.fields_inline(s, {{"content", -1}}) || enter;
    enter = entry_.fields_inline(s, {{"action", 20}, {"team", 7}, {"state", 6}}) || enter;
    ImGui::SameLine();
    if (entry_.actions(enter)) save_entry(s);
  }

  // Recorded with this node's next running number (taken on the store's thread, so two
  // entries typed at once never get the same number).
  void save_entry(Session& s) {
    std::vector<Problem> problems;
    Fields f = entry_.normalized(&problems);
    const std::string who = s.operator_name;
    s.commands->submit(T("panel.chronology"),
                       [f, who](Store& st) mutable {
                         f["number"] = st.next_chronology_number();
                         f["node_label"] = st.node_id();
                         return st.put(EntityKind::Chronology, st.new_id(), f, who);
                       },
                       [this, &s](const LocalResult& r) {
                         if (r.ok) {
                           start_entry(s);
                           focus_entry_ = true;
                         } else {
                           entry_.set_problems(r.problems);
                         }
                       });
  }

  void toolbar(Session& s) {
    bool changed = false;
    if (focus_search_) {
      ImGui::SetKeyboardFocusHere();
      focus_search_ = false;
    }
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    if (ImGui::InputTextWithHint("##q", T("chrono.search_hint"), &filter_.text)) changed = true;
    // Each filter says what it filters: two dropdowns both reading 「すべて」 did not.
    ImGui::SameLine();
    ImGui::TextUnformatted(T("chrono.f_category"));
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    if (enum_filter("##cat", enums::chronology_category, filter_.categories)) changed = true;
    ImGui::SameLine();
    ImGui::TextUnformatted(T("chrono.f_state"));
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    if (enum_filter("##st", enums::chronology_state, filter_.states)) changed = true;
    ImGui::SameLine();
    const long long pages = data_ ? (data_->total + kPageSize - 1) / kPageSize : 0;
    if (ImGui::ArrowButton("##prev", ImGuiDir_Left) && page_ > 0) --page_, changed = true;
    ImGui::SameLine();
    ImGui::Text("%d / %lld", page_ + 1, std::max(1LL, pages));
    ImGui::SameLine();
    if (ImGui::ArrowButton("##next", ImGuiDir_Right) && page_ + 1 < pages) ++page_, changed = true;
    ImGui::SameLine();
    ImGui::TextDisabled("%s %lld", T("chrono.total"), data_ ? static_cast<long long>(data_->total) : 0LL);
    if (changed) load(s);
  }

  void list(Session& s) {
    if (!data_) return;
    if (data_->rows.empty()) ImGui::TextDisabled("%s", T("chrono.empty"));
    if (!begin_list_table("chrono", 8,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY |
                              ImGuiTableFlags_Resizable,
                          34))
      return;
    ImGui::TableSetupScrollFreeze(1, 1);  // the number stays in view when it scrolls sideways
    // The words of the entry get the room (内容 most, then 対応・指示); number, time, state and
    // the button take what they need. Equal columns left 内容 an eighth of a 1600 px window.
    const float em = ImGui::GetFontSize();
    const ImGuiStyle& style = ImGui::GetStyle();
    ImGui::TableSetupColumn(T("chrono.c_no"), ImGuiTableColumnFlags_WidthFixed, em * 5.5f);
    ImGui::TableSetupColumn(T("chrono.c_time"), ImGuiTableColumnFlags_WidthFixed, em * 3.5f);
    ImGui::TableSetupColumn(T("chrono.c_from_to"), ImGuiTableColumnFlags_WidthStretch, 1.2f);
    ImGui::TableSetupColumn(T("chrono.c_content"), ImGuiTableColumnFlags_WidthStretch, 3.0f);
    ImGui::TableSetupColumn(T("chrono.c_action"), ImGuiTableColumnFlags_WidthStretch, 1.6f);
    ImGui::TableSetupColumn(T("chrono.c_team"), ImGuiTableColumnFlags_WidthStretch, 0.8f);
    const float state_w = enum_combo_width(enums::chronology_state);  // "In progress" is twice 対応中
    ImGui::TableSetupColumn(T("chrono.c_state"), ImGuiTableColumnFlags_WidthFixed, state_w + style.CellPadding.x);
    const float correct_w = ImGui::CalcTextSize(T("chrono.correct")).x + style.FramePadding.x * 2;
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, correct_w + style.CellPadding.x);
    ImGui::TableHeadersRow();
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(data_->rows.size()));
    while (clipper.Step())
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        const ChronologyEntry& e = data_->rows[static_cast<size_t>(i)];
        ImGui::TableNextRow();
        ImGui::PushID(e.id.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%s-%lld", e.node_label.c_str(), static_cast<long long>(e.number));
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(hhmm(e.at ? std::optional(e.at->ms) : std::nullopt, s.now).c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%s → %s", e.from_org.c_str(), e.to_org.c_str());
        ImGui::TableNextColumn();
        if (!e.corrects.empty()) ImGui::TextColored(to_vec4(colors::kOrange), "%s", T("chrono.is_correction"));
        if (!e.corrects.empty()) ImGui::SameLine();
        ImGui::TextWrapped("%s", e.content.c_str());
        ImGui::TableNextColumn();
        ImGui::TextWrapped("%s", e.action.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(e.team.c_str());
        ImGui::TableNextColumn();
        // State moves on (未処理 → 対応中 → 済): the one thing that changes in an entry.
        std::string state = e.state;
        ImGui::SetNextItemWidth(state_w);
        if (enum_combo("##state", enums::chronology_state, state, false) && state != e.state) {
          const std::string id = e.id, who = s.operator_name;
          s.commands->submit(T("chrono.c_state"),
                             [id, state, who](Store& st) { return st.put(EntityKind::Chronology, id, {{"state", state}}, who); },
                             {});
        }
        ImGui::TableNextColumn();
        if (!read_only() && ImGui::SmallButton(T("chrono.correct"))) {
          start_entry(s, &e);
          focus_entry_ = true;
        }
        ImGui::PopID();
      }
    ImGui::EndTable();
  }

  void load(Session& s) {
    const ChronologyFilter f = filter_;
    const int page = page_;
    s.reader->request<std::shared_ptr<const ChronologyPage>>(
        "chronology", [f, page](Db& db) { return std::make_shared<const ChronologyPage>(chronology_page(db, f, page, kPageSize)); },
        [this](std::shared_ptr<const ChronologyPage> p) { data_ = std::move(p); });
  }

  std::string auto_time_;  // the entry's time while it follows the clock
  EntityForm entry_{EntityKind::Chronology};
  ChronologyFilter filter_;
  std::shared_ptr<const ChronologyPage> data_;
  Session* session_ = nullptr;
  std::string correcting_;
  int page_ = 0;
  bool focus_entry_ = false, focus_search_ = false;
};

}  // namespace

std::unique_ptr<Panel> make_chronology_panel() { return std::make_unique<Chronology>(); }

}  // namespace honbu::console
