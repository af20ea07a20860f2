// [SECTION] Session: what every panel works with — the node (its sync agent, which owns the
// store), the reader (the UI's view of the data), commands in flight, the role, the clock.
// Panels never block: writes go to the agent as Commands and come back as results.
// Thread-safety: UI thread only.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "console/reader.hpp"
#include "model/entities.hpp"
#include "model/store.hpp"
#include "sync/agent.hpp"

namespace honbu::drill {
class DrillEngine;
}

namespace honbu::console {

class ReplayHost;

// A write waiting for the agent thread. done() runs on the UI thread when it finished.
class Commands {
 public:
  explicit Commands(sync::Agent* agent, bool read_only = false) : agent_(agent), read_only_(read_only) {}
  // Runs `fn` on the agent (the store's thread); `done` gets its result on the UI thread.
  void submit(std::string what, std::function<LocalResult(Store&)> fn, std::function<void(const LocalResult&)> done);
  // Anything else to run on the agent thread (bundles, link control replies...).
  void run(std::string what, std::function<std::string(Store&)> fn, std::function<void(const std::string&)> done);
  void poll();  // once per frame
  std::size_t in_flight() const { return pending_.size(); }
  struct Notice {
    std::string text;
    bool error = false;
    TimeMs at = 0;
  };
  // Recent outcomes for the status bar ("保存しました", errors), newest last.
  const std::vector<Notice>& notices() const { return notices_; }
  void notice(std::string text, bool error);

 private:
  struct Pending {
    std::string what;
    std::future<LocalResult> local;
    std::future<std::string> other;
    std::function<void(const LocalResult&)> local_done;
    std::function<void(const std::string&)> other_done;
  };
  sync::Agent* agent_;
  bool read_only_ = false;
  std::vector<Pending> pending_;
  std::vector<Notice> notices_;
};

// Which things a panel wants focus on (set by one panel, read by another: map -> incident).
struct Selection {
  std::string incident_id, shelter_id, request_id, branch_id, area_id;
  std::string focus_panel;  // a panel id to bring to front next frame
};

// A branch office by name in the UI language: its English name in English when it has one.
std::string branch_display_name(const Branch& b);

// Master data many panels show by name (areas, branches, shelters), as of the last change.
struct MasterData {
  std::vector<Area> areas;
  std::vector<Branch> branches;
  std::vector<Shelter> shelters;
  std::string area_name(std::string_view id) const;
  std::string branch_name(std::string_view id) const;
  // A node by the office it runs for, "北部支所 (kita)"; the bare id for a node of no office
  // (a relay) or one the master data does not know yet.
  std::string node_name(std::string_view node_id) const;
  std::string shelter_name(std::string_view id) const;
};

struct Session {
  sync::Agent* agent = nullptr;
  Reader* reader = nullptr;
  Commands* commands = nullptr;
  sync::Role role = sync::Role::Hq;
  std::string node_id, branch_id, dataset, operator_name;
  std::vector<std::string> areas;  // a branch's own areas (empty for HQ: all)
  bool exercise = false;
  // The time of the situation: the wall clock, or in a drill (and its replay) the drill's
  // simulated clock. Defaults ("now" buttons), ages and deadlines use it.
  TimeMs now = 0;
  TimeMs wall = 0;  // the real time of this frame (network ages, notices, saving)
  sync::AgentStatus status;  // a snapshot per frame
  Selection selection;
  std::shared_ptr<const MasterData> master = std::make_shared<MasterData>();
  // The incident list as the incidents panel filters and sorts it (the map shows the same).
  std::shared_ptr<const std::vector<IncidentRowPtr>> incidents = std::make_shared<std::vector<IncidentRowPtr>>();
  std::size_t incidents_total = 0;
  bool wareki = false;
  // Per-panel choices kept between runs (settings.json "values"), e.g. a panel's filter.
  std::map<std::string, std::string>* prefs = nullptr;
  std::string assets_dir, data_dir, keys_path, allowlist_path;
  std::string db_path;  // this node's database (workers open their own read-only connection)
  drill::DrillEngine* drill = nullptr;  // the drill this trainer's console runs (honbu --drill)
  ReplayHost* replay = nullptr;         // the drill being replayed (honbu --replay), view only
  std::string clock_line;               // under the EXERCISE banner: the drill's clock
  bool hq() const { return role == sync::Role::Hq; }
  bool in_my_areas(const std::string& area) const;

  // The situation's time when the wall clock read `wall_ms`: the same outside a drill. A
  // drill's clock runs at its own speed and pauses, so a link silent for 11 s at ×60 has
  // been silent 11 minutes of the drill, as the reports beside it count. From the samples
  // note_clock() keeps (the last hour of frames).
  TimeMs situation_at(TimeMs wall_ms) const;
  void note_clock();  // once a frame, after `now` and `wall` are set
  std::deque<std::pair<TimeMs, TimeMs>> clock_samples;  // (wall, now), oldest first
};

}  // namespace honbu::console
