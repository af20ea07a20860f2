// [SECTION] The user's choices that persist between runs (language, open panels, filters,
// 和暦), in <data-dir>/console.json. The window layout is ImGui's own .ini beside it.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "model/labels.hpp"

namespace honbu::console {

struct Settings {
  std::optional<Lang> lang;
  std::map<std::string, bool> open_panels;
  std::map<std::string, std::string> values;  // per-panel choices, "incidents.filter" -> JSON text
  bool wareki = false;
  float font_size = 18.0f;
  // One panel at a time, under a row of tabs (small screens); unset: chosen by the window's
  // size (App::one_panel_mode: below 1700 x 860).
  std::optional<bool> one_panel;

  static Settings load(const std::string& path);  // defaults when missing or unreadable
  void save(const std::string& path) const;       // atomic (temp file + rename)
};

}  // namespace honbu::console
