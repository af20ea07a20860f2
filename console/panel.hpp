// [SECTION] Panel: one window of the console (one file, one small class each; see panels.cpp
// for the list). A panel keeps only its own UI state (filters, the form being typed); data
// comes from the Reader as snapshots, writes go out as Commands.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "console/session.hpp"

namespace honbu::console {

class Panel {
 public:
  virtual ~Panel() = default;
  virtual std::string_view id() const = 0;         // stable: settings, --panel, shortcuts
  virtual std::string_view title_key() const = 0;  // string table key of the window title
  // Panels HQ staff use only are hidden (not just disabled) for a branch.
  virtual bool for_role(const Session&) const { return true; }
  // Called once when the session starts and whenever the data changed (kinds in `c`).
  virtual void on_changes(Session&, const ChangeSet&) {}
  // Draws the window's content (the App has called ImGui::Begin).
  virtual void draw(Session&) = 0;
  // Keyboard shortcut hook (Ctrl+N on incidents, Ctrl+L on the chronology...): the App calls
  // it on the panel that owns the action.
  virtual void start_new(Session&) {}
  virtual void focus_search() {}

  bool open = true;
};

// Every panel, in menu order. The only list: adding a panel means adding it here.
std::vector<std::unique_ptr<Panel>> make_panels();

}  // namespace honbu::console
