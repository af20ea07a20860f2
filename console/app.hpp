// [SECTION] App: the console without its window — the node it runs, the reader, the panels,
// the menus and the status bar. platform.cpp gives it a window; tests drive it headless
// (an ImGui context with no backend), frame by frame.
// Thread-safety: UI thread only (the agent and the reader have their own threads).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "console/panel.hpp"
#include "console/reader.hpp"
#include "console/session.hpp"
#include "console/settings.hpp"
#include "sync/agent.hpp"

namespace honbu::console {

struct AppOptions {
  std::string db_path, data_dir, assets_dir, keys_path, allowlist_path;
  sync::Role role = sync::Role::Hq;
  std::string branch_id;           // this node's office (a branch's own reports)
  std::vector<std::string> areas;  // a branch's areas
  std::string operator_name;       // who is typing (recorded with every change)
  std::optional<Lang> lang;        // default: settings, then $LANG
  std::string only_panel;          // show just this panel (screenshots)
  bool persist = true;             // read and write settings / window layout in data_dir
  std::function<TimeMs()> clock;   // the situation's time (a drill's simulated clock); default: wall
  bool read_only = false;          // a replay: nothing can be written
  drill::DrillEngine* drill = nullptr;
  ReplayHost* replay = nullptr;
};

class App {
 public:
  // `agent` runs the node (it owns the store); `wake` is called from other threads when the
  // UI should draw a frame (new data, results): e.g. glfwPostEmptyEvent.
  App(sync::Agent& agent, AppOptions options, std::function<void()> wake);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Builds one frame (call between ImGui::NewFrame() and ImGui::Render()).
  void frame();
  // True while results are pending or the data is loading: keep drawing.
  bool busy() const;
  bool quit_requested() const { return quit_; }

  Session& session() { return session_; }
  std::vector<std::unique_ptr<Panel>>& panels() { return panels_; }
  Panel* panel(std::string_view id);
  void set_lang(Lang lang);
  void save_settings();

 private:
  void load_master();
  std::string clock_line() const;
  void menu_bar();
  void status_bar();
  void shortcuts();
  void help_window();
  // The panels as laid out this frame: a grid of windows, or (one_panel_mode) one of them
  // filling the screen under a row of tabs.
  bool one_panel_mode() const;
  Panel* panel_tabs(const std::vector<Panel*>& open);  // the tab row; returns the tab shown
  void panel_window(Panel& p, int index, int count, bool full);
  void cycle_panel(int step);  // Ctrl+PageDown / Ctrl+PageUp
  std::vector<Panel*> open_panels(bool open_only);  // this role's (open) panels, in tab order

  sync::Agent& agent_;
  AppOptions options_;
  std::function<void()> wake_;
  Settings settings_;
  std::vector<std::unique_ptr<Panel>> panels_;  // destroyed after commands_ (results call into panels)
  std::unique_ptr<Reader> reader_;
  std::unique_ptr<Commands> commands_;
  Session session_;
  std::string ini_path_;
  bool quit_ = false, show_help_ = false, first_changes_ = true;
  bool tabs_last_frame_ = false, regrid_ = false;  // leaving the tabs puts the grid back
  std::string active_panel_;                      // the tab shown, or the window last focused
  float menu_bottom_ = 0, tabs_bottom_ = 0;        // where the menu bar and the tab row end
  std::string selecting_tab_;                     // a shortcut's tab, until the tab bar shows it
  int selecting_frames_ = 0;
  std::vector<std::string> tab_order_;
  TimeMs last_settings_save_ = 0;
};

}  // namespace honbu::console
