// [SECTION] Replay in the console (honbu --replay DIR): the panels show a scratch store that
// holds what HQ had received at the replay's moment; the replay panel moves that moment
// (slider, play ×N). Forward moves add ops on the store's own thread; going back builds a
// fresh store, and the App is made anew around it (the launcher does that between frames).
// View only: the App runs read-only, and the scratch store has no peers.
// Thread-safety: UI thread only.
#pragma once

#include <future>
#include <memory>
#include <string>

#include "model/drill/replay.hpp"
#include "model/drill/scenario.hpp"
#include "sync/agent.hpp"

namespace honbu::console {

class ReplayHost {
 public:
  explicit ReplayHost(std::string drill_dir);  // throws Error (not a drill directory...)
  ~ReplayHost();

  sync::Agent& agent() { return *agent_; }
  const std::string& db_path() const { return scratch_; }
  const drill::Scenario& scenario() const { return scenario_; }
  const drill::DrillLog& log() const { return replay_->log(); }
  const std::string& dir() const { return dir_; }

  drill::SimMinutes at() const { return at_; }
  drill::SimMinutes end() const { return end_; }
  TimeMs sim_time() const { return scenario_.start + static_cast<TimeMs>(at_ * 60000.0); }
  std::size_t held() const { return held_; }
  std::size_t total_ops() const { return replay_->total_ops(); }

  // Moves the replay to `m` (clamped to the drill).
  void seek(drill::SimMinutes m);
  // Once per frame: plays the clock, collects finished steps.
  void tick(TimeMs wall);
  bool playing = false;
  double speed = 10;  // scenario minutes per real minute while playing

  // Going back needs a fresh store: the launcher drops its App, calls rebuild(), makes a new one.
  bool needs_rebuild() const { return rebuild_; }
  void rebuild();

 private:
  void open_store();
  void step();  // applies up to at_ on the agent thread (one step in flight at a time)

  std::string dir_, scratch_;
  drill::ScratchDir scratch_dir_;  // outlives agent_ (reset in the destructor), which holds the store
  drill::Scenario scenario_;
  std::unique_ptr<drill::Replay> replay_;
  std::unique_ptr<sync::Agent> agent_;
  drill::SimMinutes at_ = 0, end_ = 0, applied_to_ = -1;
  std::size_t held_ = 0;
  std::future<std::size_t> pending_;
  TimeMs last_tick_ = 0;
  bool rebuild_ = false;
  int generation_ = 0;
};

}  // namespace honbu::console
