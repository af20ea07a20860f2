#include "console/widgets.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "console/strings.hpp"
#include "model/time.hpp"

namespace honbu::console {

ImVec4 to_vec4(ImU32 c) {
  return ImGui::ColorConvertU32ToFloat4(c);
}

const char* label(const Enumeration& e, std::string_view code) {
  const Label* l = e.find(code);
  if (!l) return code.empty() ? "" : "?";
  return (ui_lang() == Lang::Ja ? l->ja : l->en).data();  // string_views into static tables
}

std::string label_s(const Enumeration& e, std::string_view code) {
  return std::string(e.text(code, ui_lang()));
}

bool enum_combo(const char* id, const Enumeration& e, std::string& code, bool allow_empty) {
  bool changed = false;
  const std::string preview = code.empty() ? std::string(T("common.unset")) : label_s(e, code);
  if (ImGui::BeginCombo(id, preview.c_str())) {
    if (allow_empty && ImGui::Selectable(T("common.unset"), code.empty())) {
      code.clear();
      changed = true;
    }
    for (const Label& l : e.values) {
      const bool selected = code == l.code;
      if (ImGui::Selectable(std::string(l.text(ui_lang())).c_str(), selected)) {
        code = std::string(l.code);
        changed = true;
      }
      if (selected) ImGui::SetItemDefaultFocus();
    }
    ImGui::EndCombo();
  }
  return changed;
}

float enum_combo_width(const Enumeration& e) {
  float widest = 0;
  for (const Label& l : e.values) {
    const std::string text(l.text(ui_lang()));
    widest = std::max(widest, ImGui::CalcTextSize(text.c_str()).x);
  }
  return widest + ImGui::GetStyle().FramePadding.x * 2 + ImGui::GetFrameHeight();  // the arrow is a square
}

bool enum_filter(const char* id, const Enumeration& e, std::vector<std::string>& picked) {
  bool changed = false;
  std::string preview;
  if (picked.empty()) {
    preview = T("common.all");
  } else {
    for (const auto& c : picked) preview += (preview.empty() ? "" : ", ") + label_s(e, c);
  }
  if (ImGui::BeginCombo(id, preview.c_str())) {
    if (ImGui::Selectable(T("common.all"), picked.empty(), ImGuiSelectableFlags_DontClosePopups)) {
      picked.clear();
      changed = true;
    }
    for (const Label& l : e.values) {
      auto it = std::find(picked.begin(), picked.end(), l.code);
      bool on = it != picked.end();
      if (ImGui::Checkbox(std::string(l.text(ui_lang())).c_str(), &on)) {
        if (on)
          picked.emplace_back(l.code);
        else
          picked.erase(std::find(picked.begin(), picked.end(), l.code));
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  return changed;
}

std::string value_string(const Value& v) {
  if (is_null(v)) return T("common.unknown");
  if (auto i = as_int(v)) return std::to_string(*i);
  if (auto d = std::get_if<double>(&v)) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", *d);
    return b;
  }
  return *as_text(v);
}

void value_text(const Value& v, bool hectares) {
  if (is_null(v)) {
    ImGui::TextColored(to_vec4(colors::kGrey), "%s", T("common.unknown"));
    return;
  }
  if (hectares) {
    if (auto d = as_real(v)) {
      ImGui::Text("%.1f", *d);
      return;
    }
  }
  ImGui::TextUnformatted(value_string(v).c_str());
}

namespace {
void tri_total_colored(const TriTotal& t, const std::string& s) {
  if (t.all_unknown())
    ImGui::TextColored(to_vec4(colors::kGrey), "%s", s.c_str());
  else if (t.unknown_inputs > 0)
    ImGui::TextColored(to_vec4(colors::kOrange), "%s", s.c_str());
  else
    ImGui::TextUnformatted(s.c_str());
}
}  // namespace

void tri_total_text(const TriTotal& t, bool hectares) { tri_total_colored(t, t.display(ui_lang(), hectares)); }

void tri_total_text(const TriTotal& t, std::string_view unit_ja, std::string_view unit_en) {
  tri_total_colored(t, t.display(ui_lang(), unit_ja, unit_en));
}

namespace {
bool g_wareki = false;
}
void set_wareki(bool on) {
  g_wareki = on;
}

std::string stamp(std::optional<TimeMs> t) {
  if (!t) return T("common.time_unknown");
  if (ui_lang() == Lang::Ja && g_wareki) {
    // 「令和8年12月2日 3時21分現在」: the era date, then the time of the usual stamp.
    const std::string s = format_as_of_ja(*t);
    const size_t day = s.find("日");
    return format_wareki(*t) + " " +
           (day == std::string::npos ? s : s.substr(day + std::string("日").size()));
  }
  return ui_lang() == Lang::Ja ? format_as_of_ja(*t) : format_as_of_en(*t);
}

std::string issued_stamp(std::optional<TimeMs> t) {
  std::string s = stamp(t);
  if (!t) return s;
  static const std::string kAsOfJa = "現在", kAsOfEn = "as of ";
  if (s.ends_with(kAsOfJa)) return s.substr(0, s.size() - kAsOfJa.size()) + T("evac.issued_at");
  if (s.starts_with(kAsOfEn)) return std::string(T("evac.issued_at")) + " " + s.substr(kAsOfEn.size());
  return s;
}

std::string hhmm(std::optional<TimeMs> t, TimeMs now) {
  if (!t) return "--:--";
  const std::string day = format_iso_jst(*t).substr(0, 10);  // YYYY-MM-DD
  if (day == format_iso_jst(now).substr(0, 10)) return format_hhmm_jst(*t);
  return std::to_string(std::stoi(day.substr(5, 2))) + "/" + std::to_string(std::stoi(day.substr(8, 2))) + " " +
         format_hhmm_jst(*t);
}

void age_text(std::optional<TimeMs> at, TimeMs now, std::int64_t stale_after_min) {
  if (!at) {
    ImGui::TextColored(to_vec4(colors::kRed), "%s", T("common.never_reported"));
    return;
  }
  const TimeMs age = now - *at;
  const std::string s = format_age(age, ui_lang() == Lang::Ja);
  if (is_future_age(age))
    ImGui::TextColored(to_vec4(colors::kOrange), "%s", s.c_str());
  else if (age > stale_after_min * 60'000)
    ImGui::TextColored(to_vec4(colors::kRed), "%s %s", s.c_str(), T("common.stale_mark"));
  else
    ImGui::TextUnformatted(s.c_str());
}

ImU32 lifeline_color(std::string_view status) {
  if (status == "no_damage" || status == "restored") return colors::kGreen;
  if (status == "partial") return colors::kYellow;
  if (status == "disrupted") return colors::kRed;
  if (status == "restoring") return colors::kOrange;
  if (status == "collecting") return colors::kBlue;
  return colors::kGrey;  // unknown / not reported
}

void lifeline_table(
    const char* id, const Session& s, const LifelineMatrix& m, ImGuiTableFlags flags, ImVec2 size,
    const std::function<void(const Area&, const std::string& type, const LifelineStatus*)>& cell) {
  if (!ImGui::BeginTable(id, static_cast<int>(m.types.size()) + 1, flags, size)) return;
  ImGui::TableSetupScrollFreeze(1, 1);
  ImGui::TableSetupColumn(T("dash.area"));
  for (const std::string& t : m.types) ImGui::TableSetupColumn(label(enums::lifeline_type, t));
  ImGui::TableHeadersRow();
  for (const Area& a : m.areas) {
    if (!s.in_my_areas(a.id)) continue;
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(a.name.empty() ? a.id.c_str() : a.name.c_str());
    for (const std::string& t : m.types) {
      ImGui::TableNextColumn();
      const LifelineStatus* c = m.cell(a.id, t);
      if (c)
        ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg,
                               (lifeline_color(c->status) & 0x00FFFFFF) | 0x60000000);
      cell(a, t, c);
    }
  }
  ImGui::EndTable();
}

std::string fitting_label(std::string_view label) {
  const std::string full(label);
  if (ImGui::CalcTextSize(full.c_str()).x <= ImGui::GetContentRegionAvail().x) return full;
  for (std::string_view open : {" (", "(", "（"})
    if (const size_t at = label.find(open); at != std::string_view::npos && at > 0)
      return std::string(label.substr(0, at));
  return full;
}

bool lifeline_is_stale(const LifelineStatus& c, TimeMs now) { return !c.as_of || now - c.as_of->ms > 180 * 60'000; }

void lifeline_tooltip(const Area& a, const std::string& type, const LifelineStatus& c) {
  ImGui::BeginTooltip();
  ImGui::Text("%s / %s", a.name.c_str(), label(enums::lifeline_type, type));
  auto count = [&](const auto& n) {  // with its unit, or 未確認
    return n.known() ? lifeline_affected_text(type, n.value(), ui_lang()) : n.display(ui_lang());
  };
  ImGui::Text("%s: %s   %s: %s", T("lifeline.affected"), count(c.affected).c_str(), T("lifeline.peak"),
              count(c.peak_affected).c_str());
  ImGui::Text("%s (%s)", stamp(c.as_of ? std::optional(c.as_of->ms) : std::nullopt).c_str(),
              c.source.c_str());
  if (!c.restoration_estimate.empty())
    ImGui::Text("%s: %s%s", T("lifeline.estimate"), c.restoration_estimate.c_str(),
                c.estimate_publishable ? "" : T("lifeline.not_publishable"));
  ImGui::EndTooltip();
}

ImU32 priority_color(std::string_view p) {
  if (p == "life") return colors::kRed;
  if (p == "high") return colors::kOrange;
  if (p == "medium") return colors::kYellow;
  if (p == "low") return colors::kGreen;
  return colors::kGrey;
}

void banner(ImU32 color, const std::string& text) {
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float w = ImGui::GetContentRegionAvail().x;
  // Wrapped, never cut: the names at the end of an outage banner are what HQ needs to read.
  const float wrap = std::max(1.0f, w - 16);
  const float h = ImGui::CalcTextSize(text.c_str(), nullptr, false, wrap).y + ImGui::GetStyle().ItemSpacing.y + 4;
  ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + w, p.y + h), color, 3.0f);
  ImGui::SetCursorScreenPos(ImVec2(p.x + 8, p.y + 2));
  ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32_WHITE);
  ImGui::PushTextWrapPos(p.x + 8 + wrap - ImGui::GetWindowPos().x + ImGui::GetScrollX());  // window-local
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + h + 2));
  ImGui::Dummy(ImVec2(0, 0));
}

void session_banners(const Session& s) {
  // In a drill the banner carries its clock: everyone works on the scenario's time.
  if (s.exercise && !s.clock_line.empty())
    banner(colors::kExercise, std::string(T("banner.exercise_short")) + "  " + s.clock_line +
                                  "  / " + T("banner.exercise_note"));
  else if (s.exercise)
    banner(colors::kExercise, std::string(T("banner.exercise")) + "  (" + s.dataset + ")");
  std::string lost;
  for (const auto& p : s.status.peers)
    if (p.state == sync::PeerState::Lost || p.partitioned)
      lost += (lost.empty() ? "" : ", ") + s.master->node_name(p.node_id);  // "北部支所 (kita)"
  // The names first, where the eye lands; what to do after them.
  if (!lost.empty())
    banner(colors::kRed, std::string(T("banner.partition")) + ": " + lost + "  (" + T("banner.partition_note") + ")");
}

namespace {
std::vector<std::string>& offered() {
  static std::vector<std::string> v;
  return v;
}
}  // namespace

namespace {
bool g_read_only = false;
}  // namespace
void set_read_only(bool on) {
  g_read_only = on;
}
bool read_only() {
  return g_read_only;
}

bool action_button(const char* id, const char* text, bool small) {
  if (g_read_only) return false;  // a replay: no actions at all (hidden, not disabled)
  offered().emplace_back(id);
  const std::string lbl = std::string(text) + "##" + id;
  return small ? ImGui::SmallButton(lbl.c_str()) : ImGui::Button(lbl.c_str());
}
const std::vector<std::string>& actions_offered() {
  return offered();
}
void begin_actions_frame() {
  offered().clear();
}

void problems_box(const std::vector<Problem>& problems) {
  for (const Problem& p : problems)
    ImGui::TextColored(to_vec4(colors::kRed), "⚠ %s", p.message(ui_lang()).c_str());
}

void help_marker(const char* text) {
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30.0f);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
}

bool ctrl_pressed(int key) {
  return ImGui::GetIO().KeyCtrl && ImGui::IsKeyPressed(key, false);
}

void same_line_if_fits(float width) {
  const float right = ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + width;
  // GetContentRegionMax() is the table cell's inside a table, the window's otherwise.
  if (right <= ImGui::GetWindowPos().x + ImGui::GetContentRegionMax().x) ImGui::SameLine();
}

bool begin_list_table(const char* id, int columns, ImGuiTableFlags flags, float min_width_em) {
  const float min_width = ImGui::GetFontSize() * min_width_em;
  if (ImGui::GetContentRegionAvail().x >= min_width) return ImGui::BeginTable(id, columns, flags);
  return ImGui::BeginTable(id, columns, flags | ImGuiTableFlags_ScrollX, ImVec2(0, 0), min_width);
}

bool enter_pressed() {
  return ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter), false) ||
         ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_KeyPadEnter), false);
}

}  // namespace honbu::console

namespace honbu::console {

std::vector<std::vector<std::string>> flow_lines(std::string_view list, std::string_view sep, float width,
                                                 float gap, const std::function<float(const std::string&)>& measure) {
  std::vector<std::vector<std::string>> lines;
  float x = 0;
  // The separator stays with the item before it, without its trailing space ("、" / ",").
  const std::string_view kept = sep.substr(0, sep.find_last_not_of(' ') + 1);
  for (std::size_t pos = 0; pos <= list.size();) {
    const std::size_t end = list.find(sep, pos);
    std::string item(list.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (end != std::string_view::npos) item += kept;
    const float w = measure(item);
    if (!lines.empty() && x + gap + w <= width) {
      lines.back().push_back(std::move(item));
      x += gap + w;
    } else {
      lines.push_back({std::move(item)});
      x = w;
    }
    if (end == std::string_view::npos) break;
    pos = end + sep.size();
  }
  return lines;
}

void item_flow(std::string_view list, std::string_view sep) {
  if (list.empty()) return;
  const float width = ImGui::GetContentRegionAvail().x;
  const float gap = sep.ends_with(' ') ? ImGui::CalcTextSize(" ").x : 0.0f;
  const auto lines =
      flow_lines(list, sep, width, gap, [](const std::string& t) { return ImGui::CalcTextSize(t.c_str()).x; });
  for (const auto& line : lines) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (i > 0) ImGui::SameLine(0, gap);
      // An item wider than the cell on its own still wraps rather than being cut off.
      if (line.size() == 1) ImGui::TextWrapped("%s", line[i].c_str());
      else ImGui::TextUnformatted(line[i].c_str());
    }
  }
}

}  // namespace honbu::console
