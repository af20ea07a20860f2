// [SECTION] Small widgets every panel uses: labels from the model's enumerations, 未確認 as
// such, as-of stamps and ages, status colours, banners. Immediate mode: no state here.
#pragma once

#include <imgui.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "console/session.hpp"
#include "model/form4.hpp"
#include "model/labels.hpp"
#include "model/queries.hpp"
#include "model/validation.hpp"
#include "model/value.hpp"

namespace honbu::console {

namespace colors {
inline constexpr ImU32 kRed = IM_COL32(220, 60, 50, 255);
inline constexpr ImU32 kOrange = IM_COL32(235, 140, 30, 255);
inline constexpr ImU32 kYellow = IM_COL32(225, 200, 40, 255);
inline constexpr ImU32 kGreen = IM_COL32(60, 170, 90, 255);
inline constexpr ImU32 kBlue = IM_COL32(70, 130, 210, 255);
inline constexpr ImU32 kGrey = IM_COL32(140, 140, 140, 255);
inline constexpr ImU32 kExercise = IM_COL32(120, 40, 160, 255);
}  // namespace colors
ImVec4 to_vec4(ImU32 c);

// The label of a code in the UI language ("" stays "").
const char* label(const Enumeration& e, std::string_view code);
// Same, kept alive for the frame (for tables: returns a stable pointer).
std::string label_s(const Enumeration& e, std::string_view code);

// A combo over an enumeration. Returns true when the choice changed.
bool enum_combo(const char* id, const Enumeration& e, std::string& code, bool allow_empty = true);
// The width an enum_combo needs to show its longest label in the UI language, arrow included.
float enum_combo_width(const Enumeration& e);
// A multi-select filter over an enumeration ("all" when nothing is picked).
bool enum_filter(const char* id, const Enumeration& e, std::vector<std::string>& picked);

// 未確認 (grey) for null, else the number.
void value_text(const Value& v, bool hectares = false);
void tri_total_text(const TriTotal& t, bool hectares = false);
void tri_total_text(const TriTotal& t, std::string_view unit_ja, std::string_view unit_en);  // "1797人"
std::string value_string(const Value& v);

// 「13時45分現在」 / "as of 13:45", or 時刻不明 / "time unknown".
std::string stamp(std::optional<TimeMs> t);
// The same moment as an act's time, not a status's: 「9月18日15時03分発令」 / "issued 18 Sep 15:03 JST".
std::string issued_stamp(std::optional<TimeMs> t);
void set_wareki(bool on);  // stamps with the era date (令和…) in Japanese
// "3分前" / "3 min ago"; red when older than stale_after_min; 未報告 when never.
void age_text(std::optional<TimeMs> at, TimeMs now, std::int64_t stale_after_min);
// A clock time, JST: "09:50" on the day of `now`, "12/3 09:50" on another (a response runs
// for days: yesterday's 09:50 read as this morning's), "--:--" when unknown.
std::string hhmm(std::optional<TimeMs> t, TimeMs now);

ImU32 lifeline_color(std::string_view status);
// The lifeline matrix (dashboard, lifelines panel): a row per area of this office, a column
// per type, each reported cell tinted by its status; `cell` draws a cell's content (nullptr:
// never reported). lifeline_tooltip() is the hover text of a reported cell.
void lifeline_table(const char* id, const Session& s, const LifelineMatrix& m, ImGuiTableFlags flags, ImVec2 size,
                    const std::function<void(const Area&, const std::string& type, const LifelineStatus*)>& cell);
void lifeline_tooltip(const Area& a, const std::string& type, const LifelineStatus& c);
ImU32 priority_color(std::string_view priority);

// Coloured banners across the window's width.
void banner(ImU32 color, const std::string& text);
// The 訓練 / EXERCISE banner and the partition banner (peers lost), when they apply.
void session_banners(const Session& s);

void problems_box(const std::vector<Problem>& problems);

// A list "死者 1人、行方不明者 0人、…" laid out in lines of whole items: wrapping at a space
// put a label at the end of one line and its number at the start of the next (「死者 /
// 1人、行方不明者」 read as one missing person). flow_lines() is the layout, for tests.
std::vector<std::vector<std::string>> flow_lines(std::string_view list, std::string_view sep, float width,
                                                 float gap, const std::function<float(const std::string&)>& measure);
void item_flow(std::string_view list, std::string_view sep);

// A button for an action some roles may not take (HQ only...). The App lists which actions
// were offered in each frame (tests check that a branch is never offered HQ actions).
bool action_button(const char* id, const char* label, bool small = false);
const std::vector<std::string>& actions_offered();  // this frame's, by id
// A view-only session (a replay): action buttons are not drawn and forms have no save.
void set_read_only(bool on);
bool read_only();
void begin_actions_frame();
void help_marker(const char* text);

// Keyboard: Ctrl+<key> pressed this frame (letters and digits by their character).
bool ctrl_pressed(int key);
bool enter_pressed();

// A lifeline figure more than 3 hours old (or of no time) is flagged ⚠: it may have moved on.
bool lifeline_is_stale(const LifelineStatus& c, TimeMs now);

// A label as it fits the cell: "緊急(人命)" as "緊急" (the part before its bracket) when the
// column is too narrow for all of it ("緊急(人" read as a word cut off).
std::string fitting_label(std::string_view label);

// A toolbar that wraps: the next item (`width` px) goes on this line when it fits, else on
// the next (an English toolbar at 1024 px ran its last filter off the window).
void same_line_if_fits(float width);

// A list table that scrolls sideways instead of crushing its columns when the window is
// narrower than `min_width_em` font heights (a 1024 px screen left 内容 one character per
// line); as wide as the window otherwise, stretch columns sharing the width.
bool begin_list_table(const char* id, int columns, ImGuiTableFlags flags, float min_width_em);

}  // namespace honbu::console
