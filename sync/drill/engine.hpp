// [SECTION] The drill engine (訓練の進行管理): starts the drill's nodes on a fresh EXERCISE
// dataset, plays the scenario's injects on a clock the trainer controls (pause, resume,
// ×1–×60, jump to the next inject, an inject by hand), and delivers every inject through the
// real paths: data injects are ops written at their origin node and carried by sync; network
// injects use each node's link control, stop and restart node processes, carry bundles.
// Everything it does goes to the drill log (model/drill/log.hpp); at the end it writes the
// after-action report. The same engine runs headless (honbu-drill run) or inside the
// console of the trainer (honbu --drill), where HQ is the console's own node.
// Thread-safety: every public method may be called from any thread.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "model/drill/log.hpp"
#include "model/drill/scenario.hpp"
#include "sync/agent.hpp"
#include "sync/node.hpp"
#include "sync/node_process.hpp"

namespace honbu::drill {

// A scripted player (tests, demos): at `at`, `node` writes `kind` `id` with `data`.
struct PlayerAction {
  SimMinutes at = 0;
  std::string node, kind, id, card;  // id, or card: the entity an inject made ("d-<card>")
  Fields data;
  int line = 0;
};
std::vector<PlayerAction> load_players(const std::string& path);  // YAML list; ScenarioError on problems

struct EngineOptions {
  std::string drill_dir;  // created afresh: nodes/, keys/, drill-log.jsonl, report*.html
  double speed = 1;       // scenario minutes per wall minute, 1..60; 0: as fast as possible
  std::uint64_t seed = 1;
  std::vector<PlayerAction> players;
  bool write_report = true;
  bool stop_nodes_at_end = true;  // headless runs: yes; a trainer's console: keep them for review
  int lost_after_ms = 2000;
};

struct InjectState {
  const Inject* inject = nullptr;
  SimMinutes at = 0;  // scheduled (after jitter)
  bool delivered = false, arrived = false;
  std::string error;  // why it could not be delivered
};

struct EngineStatus {
  SimMinutes now = 0;
  double speed = 1;
  bool paused = false, finished = false, started = false;
  std::vector<InjectState> injects;
  std::string last_error;
};

class DrillEngine {
 public:
  // Prepares the drill directory (keys and allow-list for every node). Nothing runs yet.
  DrillEngine(Scenario scenario, EngineOptions options);
  ~DrillEngine();  // stop()
  DrillEngine(const DrillEngine&) = delete;
  DrillEngine& operator=(const DrillEngine&) = delete;

  // How HQ's node is configured (for a console that runs HQ itself, before start()).
  sync::NodeConfig node_config(const std::string& node) const;
  // Starts the nodes (HQ too, unless `embedded_hq` is HQ's agent, run by the caller) and the
  // clock. The master data (areas, offices, HQ state) is written at HQ first.
  void start(sync::Agent* embedded_hq = nullptr);

  void pause();
  void resume();
  void set_speed(double speed);  // 1..60, or 0 for as fast as possible
  void next();                   // jump the clock to the next pending inject
  bool inject_now(const std::string& card);  // deliver a card now (out of schedule)
  void end_now();                // ends the drill here: the report covers what happened so far
  void stop();                   // stops the clock and the node processes (not an embedded HQ)
  bool wait_finished(std::chrono::milliseconds timeout);

  EngineStatus status() const;
  // Just the clock (cheap: for every frame of a console): now, speed, paused, finished.
  EngineStatus clock() const;
  TimeMs sim_time() const { return scenario_.start + static_cast<TimeMs>(clock().now * 60000.0); }
  DrillLog log() const;  // a copy, for evaluation
  const Scenario& scenario() const { return scenario_; }
  const std::string& dir() const { return options_.drill_dir; }
  std::string hq_db_path() const;
  std::string log_path() const { return options_.drill_dir + "/drill-log.jsonl"; }
  // Delivery delays measured so far (schedule -> held by the target), in ms.
  std::vector<double> arrival_ms() const;

 private:
  struct Node;
  void loop();
  void control_loop();
  SimMinutes sim_now_locked() const;
  void set_rate_locked(double rate);
  void deliver(const Inject& inj, SimMinutes at);
  void run_player(const PlayerAction& p);
  void network(const Inject& inj, SimMinutes at);
  void isolate(const std::vector<std::string>& nodes, bool on);
  // The end of a network episode: logged, and a convergence watch starts (relink: heal every
  // link of the nodes first).
  void end_network(const std::string& card, const std::vector<std::string>& nodes, const std::string& kind,
                   bool relink = true);
  void end_cut(const std::string& card, const std::string& kind);
  bool nodes_agree();
  void watch_convergence(const std::string& card);
  std::optional<std::pair<std::string, std::uint64_t>> write_at(const std::string& node, const InjectWrite& w,
                                                                 const std::string& who, std::string* error);
  bool wait_held(const std::string& node, const std::string& origin, std::uint64_t seq, int timeout_ms);
  void cut(const std::string& a, const std::string& b, bool on);
  std::string node_status(const std::string& node);  // JSON status, or empty
  void log_event(LogEvent e);
  void finish();
  void join_watchers();

  Scenario scenario_;
  EngineOptions options_;
  sync::Site site_;
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  sync::Agent* embedded_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  DrillLog log_;
  std::vector<InjectState> schedule_;
  std::vector<std::pair<SimMinutes, std::string>> manual_;  // cards asked for by hand
  std::vector<std::pair<SimMinutes, std::function<void()>>> timers_;  // heals, restarts (scenario time)
  std::vector<double> arrivals_;
  std::map<std::string, int> isolated_;
  struct Cut {
    std::vector<std::string> nodes;
    std::vector<std::pair<std::string, std::string>> links;
  };
  std::map<std::string, Cut> cuts_;  // partitions in force, by card  // nodes cut off or down now (how many episodes)
  TimeMs last_work_wall_ = 0;
  double speed_ = 1;
  bool paused_ = false, started_ = false, finished_ = false, stop_ = false, jump_ = false, end_early_ = false;
  std::string last_error_;
  std::thread thread_, control_;
  std::vector<std::thread> watchers_;
};

}  // namespace honbu::drill
