#include "console/app.hpp"

#include <imgui.h>

#include <algorithm>
#include <filesystem>

#include "console/replay_host.hpp"
#include "console/strings.hpp"
#include "console/widgets.hpp"
#include "model/queries.hpp"
#include "model/time.hpp"
#include "sync/drill/engine.hpp"

namespace honbu::console {

namespace {
// Ctrl+1..9: the n-th visible panel.
constexpr int kDigitKeys[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
}  // namespace

App::App(sync::Agent& agent, AppOptions options, std::function<void()> wake)
    : agent_(agent), options_(std::move(options)), wake_(std::move(wake)) {
  const std::string settings_path = options_.data_dir + "/console.json";
  if (options_.persist) settings_ = Settings::load(settings_path);
  Lang lang = lang_from_environment();  // Japanese unless the locale says English
  if (settings_.lang) lang = *settings_.lang;
  if (options_.lang) lang = *options_.lang;
  strings().set_lang(lang);

  panels_ = make_panels();
  // First start: the panels each role works in all day (the rest are one Ctrl+digit away).
  std::vector<std::string_view> hq_default = {"dashboard", "incidents", "map", "reports", "chronology", "sync"};
  if (options_.drill) hq_default = {"drill", "messages", "dashboard", "incidents", "map", "chronology"};
  if (options_.replay) hq_default = {"replay", "dashboard", "incidents", "map", "lifelines", "chronology"};
  const std::vector<std::string_view> branch_default = {"dashboard", "reports", "incidents", "shelters", "lifelines",
                                                        "chronology"};
  const auto& defaults = options_.role == sync::Role::Hq ? hq_default : branch_default;
  // Drill and replay sessions have their own layout file (their panels differ).
  const std::string layout = options_.drill ? "console-layout-drill.ini" : options_.replay ? "console-layout-replay.ini"
                                                                                          : "console-layout.ini";
  // Tabs: the role's panels first, in that order, then the rest as the View menu lists them.
  for (std::string_view id : defaults) tab_order_.emplace_back(id);
  for (auto& p : panels_)
    if (std::find(defaults.begin(), defaults.end(), p->id()) == defaults.end()) tab_order_.emplace_back(p->id());
  for (auto& p : panels_) {
    p->open = std::find(defaults.begin(), defaults.end(), p->id()) != defaults.end();
    auto it = settings_.open_panels.find(std::string(p->id()));
    if (it != settings_.open_panels.end() && !options_.drill && !options_.replay) p->open = it->second;
    if (!options_.only_panel.empty()) p->open = p->id() == options_.only_panel;
  }

  reader_ = std::make_unique<Reader>(options_.db_path, wake_);
  commands_ = std::make_unique<Commands>(&agent_, options_.read_only);
  session_.agent = &agent_;
  session_.reader = reader_.get();
  session_.commands = commands_.get();
  session_.role = options_.role;
  session_.branch_id = options_.branch_id;
  session_.areas = options_.areas;
  session_.operator_name = options_.operator_name;
  session_.assets_dir = options_.assets_dir;
  session_.data_dir = options_.data_dir;
  session_.db_path = options_.db_path;
  session_.keys_path = options_.keys_path;
  session_.prefs = &settings_.values;
  session_.allowlist_path = options_.allowlist_path;
  session_.drill = options_.drill;
  session_.replay = options_.replay;
  session_.status = agent_.status();
  session_.node_id = session_.status.node_id;
  session_.dataset = session_.status.dataset;
  session_.exercise = is_exercise_dataset(session_.dataset);
  session_.wall = wall_now_ms();
  session_.now = options_.clock ? options_.clock() : session_.wall;
  // --panel naming a panel this session does not show drew an empty window, unexplained.
  if (!options_.only_panel.empty()) {
    std::string here;
    bool shown = false;
    for (auto& p : panels_)
      if (p->for_role(session_)) {
        here += (here.empty() ? "" : ", ") + std::string(p->id());
        shown |= p->id() == options_.only_panel;
      }
    if (!shown) {
      const bool drill_only = options_.only_panel == "drill" || options_.only_panel == "messages";
      throw Error("--panel " + options_.only_panel + " is not shown in this session" +
                  (drill_only ? " (only in a drill: --drill SCENARIO.yaml, or --demo for 状況付与票)" : "") +
                  "; the panels here: " + here);
    }
  }

  reader_->on_changes = [this](const ChangeSet& c) {
    if (c.has(EntityKind::Area) || c.has(EntityKind::Branch) || c.has(EntityKind::Shelter)) load_master();
    for (auto& p : panels_)
      if (p->for_role(session_)) p->on_changes(session_, c);
  };
  reader_->on_incidents = [this](std::shared_ptr<const std::vector<IncidentRowPtr>> rows, std::size_t total) {
    session_.incidents = std::move(rows);
    session_.incidents_total = total;
  };
  // Every commit on the node (local or from a peer) wakes the reader and then the UI: a
  // change shows within a frame of reaching this node's database.
  Reader* reader = reader_.get();
  agent_.run([reader, ui_wake = wake_](Store& s) {
    s.set_commit_listener([reader, ui_wake](std::int64_t version) {
      reader->notify_version(version);
      if (ui_wake) ui_wake();
    });
    reader->notify_version(s.data_version());
    return 0;
  }).get();
  agent_.set_wake(wake_);

  if (options_.persist) {
    ini_path_ = options_.data_dir + "/" + layout;
    ImGui::GetIO().IniFilename = ini_path_.c_str();
  } else {
    ImGui::GetIO().IniFilename = nullptr;
  }
}

App::~App() {
  save_settings();
  // The layout file name points into this App: save the layout now and let the ImGui
  // context (which outlives us) forget it.
  ImGuiIO& io = ImGui::GetIO();
  if (io.IniFilename && !ini_path_.empty()) ImGui::SaveIniSettingsToDisk(ini_path_.c_str());
  io.IniFilename = nullptr;
  // The listener points at our reader: take it away before the reader goes.
  agent_.run([](Store& s) {
    s.set_commit_listener(nullptr);
    return 0;
  }).get();
  agent_.set_wake(nullptr);
  commands_.reset();
  reader_.reset();
}

Panel* App::panel(std::string_view id) {
  for (auto& p : panels_)
    if (p->id() == id) return p.get();
  return nullptr;
}

void App::set_lang(Lang lang) {
  strings().set_lang(lang);
  settings_.lang = lang;
  save_settings();
}

void App::save_settings() {
  if (!options_.persist) return;
  for (auto& p : panels_) settings_.open_panels[std::string(p->id())] = p->open;
  settings_.save(options_.data_dir + "/console.json");
}

void App::load_master() {
  reader_->request<std::shared_ptr<const MasterData>>(
      "master",
      [](Db& db) {
        auto m = std::make_shared<MasterData>();
        m->areas = list_all<Area>(db);
        m->branches = list_all<Branch>(db);
        m->shelters = list_all<Shelter>(db);
        return std::shared_ptr<const MasterData>(std::move(m));
      },
      [this](std::shared_ptr<const MasterData> m) { session_.master = std::move(m); });
}

bool App::busy() const { return commands_->in_flight() > 0 || reader_->busy(); }

void App::frame() {
  session_.wall = wall_now_ms();
  session_.now = options_.clock ? options_.clock() : session_.wall;
  session_.note_clock();
  session_.clock_line = clock_line();
  session_.status = agent_.status();
  session_.wareki = settings_.wareki;
  set_wareki(settings_.wareki);
  set_read_only(options_.read_only);
  begin_actions_frame();
  for (const auto& e : agent_.take_events())
    if (e.kind == sync::Event::Kind::Refused || e.kind == sync::Event::Kind::AuthFailed ||
        e.kind == sync::Event::Kind::Error || e.kind == sync::Event::Kind::Quarantined)
      commands_->notice(e.message, true);
  reader_->poll();
  commands_->poll();
  shortcuts();
  menu_bar();

  const bool tabs = options_.only_panel.empty() && one_panel_mode();
  if (tabs_last_frame_ && !tabs) regrid_ = true;
  tabs_last_frame_ = tabs;
  // Tabs cost no room: on a small screen every panel of the role is a tab, one click away
  // (the lifelines and shelters a drill scores were hidden in the View menu). Which windows
  // are open is the grid's choice, kept for a larger screen.
  const std::vector<Panel*> open = open_panels(!tabs);
  if (tabs) {
    if (Panel* shown = panel_tabs(open)) panel_window(*shown, 0, 1, true);
  } else {
    int index = 0;
    for (Panel* p : open) panel_window(*p, index++, static_cast<int>(open.size()), !options_.only_panel.empty());
    regrid_ = false;
  }
  if (show_help_) help_window();
  status_bar();
  session_.selection.focus_panel.clear();

  if (session_.wall - last_settings_save_ > 10'000) {  // filters and open panels survive a crash
    last_settings_save_ = session_.wall;
    save_settings();
  }
}

std::string App::clock_line() const {
  // Everyone at a drill (or its replay) sees the scenario's clock, not the wall's.
  std::string when = format_hhmm_jst(session_.now);
  if (options_.drill) {
    const drill::EngineStatus c = options_.drill->clock();
    std::string state = c.finished ? T("drill.finished") : c.paused ? T("drill.paused") : T("drill.running");
    if (!c.finished && !c.paused)
      state += c.speed == 0 ? std::string(" ") + T("drill.speed_max") : " ×" + std::to_string(static_cast<int>(c.speed));
    return std::string(T("drill.sim_time")) + " " + when + " (" + drill::format_offset(c.now) + ")  " + state;
  }
  if (options_.replay)
    return std::string(T("replay.banner")) + " " + when + " (" + drill::format_offset(options_.replay->at()) + ")";
  return {};
}

bool App::one_panel_mode() const {
  if (settings_.one_panel) return *settings_.one_panel;
  // Automatic: below this a grid of six leaves each window too narrow for its table (a
  // 1024 px laptop screen gave 内容 one character per line; at 1366 and 1600 the headers read
  // "Pri…", "Rece…"). 1920 x 1080 gets the grid.
  const ImVec2 size = ImGui::GetMainViewport()->WorkSize;
  return size.x < 1700 || size.y < 860;
}

Panel* App::panel_tabs(const std::vector<Panel*>& open) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x, menu_bottom_));
  ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x, 0));
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize |
                                 ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoBringToFrontOnFocus;
  // A shortcut's choice (Ctrl+digit, Ctrl+PgDn) shows at once; the tab bar itself takes a
  // frame or two to select it, and the console draws only three frames after a key.
  if (!session_.selection.focus_panel.empty()) {
    selecting_tab_ = session_.selection.focus_panel;
    selecting_frames_ = 4;
  }
  Panel* shown = nullptr;
  Panel* forced = nullptr;
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(4, 4));
  if (ImGui::Begin("##panel_tabs", nullptr, flags)) {
    if (ImGui::BeginTabBar("panels", ImGuiTabBarFlags_FittingPolicyScroll | ImGuiTabBarFlags_TabListPopupButton |
                                         ImGuiTabBarFlags_Reorderable)) {
      for (Panel* p : open) {
        const std::string title = std::string(T(p->title_key())) + "###tab_" + std::string(p->id());
        const bool selecting = selecting_frames_ > 0 && selecting_tab_ == p->id();
        if (selecting) forced = p;
        if (ImGui::BeginTabItem(title.c_str(), nullptr, selecting ? ImGuiTabItemFlags_SetSelected : 0)) {
          shown = p;
          ImGui::EndTabItem();
        }
      }
      ImGui::EndTabBar();
    }
    tabs_bottom_ = ImGui::GetWindowPos().y + ImGui::GetWindowSize().y;
  }
  ImGui::End();
  ImGui::PopStyleVar();
  if (forced && forced != shown && --selecting_frames_ > 0) shown = forced;
  else selecting_frames_ = 0;  // the bar shows it now (or the tab went away)
  if (shown) active_panel_ = std::string(shown->id());
  return shown;
}

void App::panel_window(Panel& p, int index, int count, bool full) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  // Between the menu bar and the status bar. (The viewport's work area leaves the menu bar
  // out only from the frame after it was first drawn.)
  const float top = menu_bottom_;
  const float bottom = vp->Pos.y + vp->Size.y - (ImGui::GetFrameHeight() + 4);
  ImGuiWindowFlags flags = 0;
  bool* close = &p.open;
  if (full) {
    // The whole work area (under the tab row in one-panel mode); --panel screenshots too.
    const float y = options_.only_panel.empty() ? tabs_bottom_ : top;
    ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x, y), ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x, bottom - y), ImGuiCond_Always);
    if (options_.only_panel.empty()) {
      // The tab names it. Not saved: the .ini keeps the grid for a larger screen.
      flags = ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
              ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings;
      close = nullptr;
    }
  } else {
    // First use (or 並べ直す): a grid under the menu bar; later the user's own layout, saved.
    const int cols = vp->WorkSize.x >= 1280 ? 3 : 2;
    const int rows = (count + cols - 1) / cols;
    const float w = vp->WorkSize.x / static_cast<float>(cols);
    const float h = (bottom - top) / static_cast<float>(std::max(1, rows));
    const ImGuiCond cond = regrid_ ? ImGuiCond_Always : ImGuiCond_FirstUseEver;
    ImGui::SetNextWindowPos(
        ImVec2(vp->WorkPos.x + w * static_cast<float>(index % cols), top + h * static_cast<float>(index / cols)), cond);
    ImGui::SetNextWindowSize(ImVec2(w, h), cond);
  }
  if (session_.selection.focus_panel == p.id()) ImGui::SetNextWindowFocus();
  // The title is translated; "###id" keeps the window (and its saved layout) the same in
  // both languages.
  const std::string title = std::string(T(p.title_key())) + "###" + std::string(p.id());
  if (ImGui::Begin(title.c_str(), close, flags)) {
    if (!full && ImGui::IsWindowFocused(ImGuiFocusedFlags_RootAndChildWindows)) active_panel_ = std::string(p.id());
    session_banners(session_);
    ImGui::PushID(p.id().data(), p.id().data() + p.id().size());
    p.draw(session_);
    ImGui::PopID();
  }
  ImGui::End();
}

std::vector<Panel*> App::open_panels(bool open_only) {
  std::vector<Panel*> open;
  for (const std::string& id : tab_order_)
    if (Panel* p = panel(id); p && p->for_role(session_) && (p->open || !open_only)) open.push_back(p);
  return open;
}

void App::cycle_panel(int step) {
  const std::vector<Panel*> open = open_panels(!tabs_last_frame_);
  if (open.empty()) return;
  int at = 0;
  for (size_t i = 0; i < open.size(); ++i)
    if (open[i]->id() == active_panel_) at = static_cast<int>(i);
  const int n = static_cast<int>(open.size());
  session_.selection.focus_panel = std::string(open[static_cast<size_t>(((at + step) % n + n) % n)]->id());
}

void App::shortcuts() {
  std::vector<Panel*> visible;
  for (auto& p : panels_)
    if (p->for_role(session_)) visible.push_back(p.get());
  for (size_t i = 0; i < std::size(kDigitKeys) && i < visible.size(); ++i)
    if (ctrl_pressed(kDigitKeys[i])) {
      visible[i]->open = true;
      session_.selection.focus_panel = std::string(visible[i]->id());
    }
  auto go = [&](std::string_view id, bool new_item, bool search) {
    Panel* p = panel(id);
    if (!p || !p->for_role(session_)) return;
    p->open = true;
    session_.selection.focus_panel = std::string(id);
    if (new_item) p->start_new(session_);
    if (search) p->focus_search();
  };
  if (ctrl_pressed('N')) go("incidents", true, false);
  if (ctrl_pressed('L')) go("chronology", true, false);
  if (ctrl_pressed('F')) go("incidents", false, true);
  if (ctrl_pressed(ImGui::GetKeyIndex(ImGuiKey_PageDown))) cycle_panel(+1);
  if (ctrl_pressed(ImGui::GetKeyIndex(ImGuiKey_PageUp))) cycle_panel(-1);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false) && show_help_) show_help_ = false;
}

void App::menu_bar() {
  menu_bottom_ = ImGui::GetMainViewport()->Pos.y + ImGui::GetFrameHeight();
  if (!ImGui::BeginMainMenuBar()) return;
  menu_bottom_ = ImGui::GetWindowPos().y + ImGui::GetWindowSize().y;
  if (ImGui::BeginMenu(T("menu.panels"))) {
    int n = 1;
    for (auto& p : panels_) {
      if (!p->for_role(session_)) continue;
      const std::string shortcut = n <= 9 ? "Ctrl+" + std::to_string(n) : "";
      if (ImGui::MenuItem(T(p->title_key()), shortcut.c_str(), p->open)) {
        p->open = !p->open;
        if (p->open) session_.selection.focus_panel = std::string(p->id());
      }
      ++n;
    }
    ImGui::Separator();
    if (ImGui::MenuItem(T("menu.show_all"))) {
      for (auto& p : panels_) p->open = true;
    }
    ImGui::Separator();
    // One panel at a time under tabs, or the grid; automatic (by the window's size) until the
    // user picks one.
    const bool tabs = one_panel_mode();
    if (ImGui::MenuItem(T("menu.one_panel"), "Ctrl+PgUp/PgDn", tabs)) settings_.one_panel = !tabs;
    if (ImGui::MenuItem(T("menu.layout_auto"), nullptr, !settings_.one_panel.has_value())) settings_.one_panel.reset();
    if (ImGui::MenuItem(T("menu.regrid"), nullptr, false, !tabs)) regrid_ = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu(T("menu.language"))) {
    if (ImGui::MenuItem("日本語", nullptr, ui_lang() == Lang::Ja)) set_lang(Lang::Ja);
    if (ImGui::MenuItem("English", nullptr, ui_lang() == Lang::En)) set_lang(Lang::En);
    ImGui::Separator();
    ImGui::MenuItem(T("menu.wareki"), nullptr, &settings_.wareki);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu(T("menu.help"))) {
    if (ImGui::MenuItem(T("menu.shortcuts"), "F1")) show_help_ = true;
    ImGui::EndMenu();
  }
  if (ImGui::IsKeyPressed(290 /* GLFW_KEY_F1 */, false)) show_help_ = !show_help_;
  // Right side: who and where we are, in every screen.
  const std::string who = std::string(session_.hq() ? T("role.hq") : T("role.branch")) + " " +
                          session_.master->node_name(session_.node_id) +
                          (session_.exercise ? "  " + std::string(T("banner.exercise_short")) : "");
  ImGui::SameLine(ImGui::GetWindowWidth() - ImGui::CalcTextSize(who.c_str()).x - 16);
  if (session_.exercise)
    ImGui::TextColored(to_vec4(colors::kExercise), "%s", who.c_str());
  else
    ImGui::TextUnformatted(who.c_str());
  ImGui::EndMainMenuBar();
}

void App::status_bar() {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  const float h = ImGui::GetFrameHeight() + 4;
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x, vp->WorkPos.y + vp->WorkSize.y - h));
  ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x, h));
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing |
                                 ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(8, 2));
  if (ImGui::Begin("##status", nullptr, flags)) {
    const std::string clock = settings_.wareki ? format_wareki(session_.now) + " " + format_hhmm_jst(session_.now)
                                               : format_iso_jst(session_.now).substr(0, 10) + " " +
                                                     format_hhmm_jst(session_.now);
    ImGui::Text("%s JST", clock.c_str());  // every time on screen is JST, whatever the machine's zone
    ImGui::SameLine();
    int live = 0, lost = 0;
    for (const auto& p : session_.status.peers) (p.state == sync::PeerState::Lost || p.partitioned ? lost : live)++;
    ImGui::Text("| %s %d  %s %d", T("status.peers_live"), live, T("status.peers_lost"), lost);
    ImGui::SameLine();
    ImGui::Text("| %s %lld", T("status.ops"), static_cast<long long>(session_.status.data_version));
    if (commands_->in_flight()) {
      ImGui::SameLine();
      ImGui::Text("| %s", T("status.saving"));
    }
    if (!reader_->last_error().empty()) {
      ImGui::SameLine();
      ImGui::TextColored(to_vec4(colors::kRed), "| %s", reader_->last_error().c_str());
    }
    const auto& notices = commands_->notices();
    if (!notices.empty() && session_.wall - notices.back().at < 15'000) {
      ImGui::SameLine();
      const auto& n = notices.back();
      ImGui::TextColored(to_vec4(n.error ? colors::kRed : colors::kGreen), "| %s", n.text.c_str());
    }
  }
  ImGui::End();
  ImGui::PopStyleVar();
}

void App::help_window() {
  ImGui::SetNextWindowSize(ImVec2(520, 0), ImGuiCond_FirstUseEver);
  if (ImGui::Begin(T("help.title"), &show_help_)) {
    ImGui::TextUnformatted(T("help.shortcuts"));
  }
  ImGui::End();
}

}  // namespace honbu::console
