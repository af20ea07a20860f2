// [SECTION] The drill log: what the engine did and when, in wall time and scenario time
// (<drill-dir>/drill-log.jsonl, one JSON object per line, appended and flushed as it goes,
// so a killed drill still has its log). The report and the replay read it back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/drill/scenario.hpp"

namespace honbu::drill {

// Where a drill's nodes, log and report go when the trainer names no place:
// <data dir>/drills/<name>-<YYYYMMDD-HHMMSS>, the time in JST as every time the report shows
// (the machine's own zone gave a UTC folder name beside a JST report).
std::string default_drill_dir(const std::string& data_dir, const Scenario& s, TimeMs now);

// From `wall` on, scenario time advances `rate` minutes per wall minute from `sim`
// (rate 0: paused; 10: ×10). A jump (next inject, max speed) starts a new segment.
struct ClockSegment {
  TimeMs wall = 0;
  SimMinutes sim = 0;
  double rate = 1;
};

struct LogEvent {
  std::string type;  // start, clock, inject, net, converged, player, note, end
  TimeMs wall = 0;
  SimMinutes sim = 0;
  std::string card, kind, node, origin, detail;
  std::vector<std::string> nodes;
  std::uint64_t seq = 0;         // inject: the op it made at `origin`
  std::optional<TimeMs> arrived;  // inject: when the target node held it
  double ms = 0;                  // converged: how long after the heal
};

class DrillLog {
 public:
  std::string scenario_path, name, dataset, hq;
  std::uint64_t seed = 0;
  TimeMs sim_start = 0;  // the scenario's start (simulated 発災)
  std::vector<ClockSegment> clock;
  std::vector<LogEvent> events;

  SimMinutes sim_at(TimeMs wall) const;             // scenario time at a wall instant
  std::optional<TimeMs> wall_at(SimMinutes m) const;  // the first wall instant it was m
  TimeMs sim_to_time(SimMinutes m) const { return sim_start + static_cast<TimeMs>(m * 60000.0); }
  bool finished() const;

  static DrillLog load(const std::string& path);  // throws Error naming the line
  // Appends one record to the file (and to this log), flushed at once.
  void append(const std::string& path, const LogEvent& e);
  void append_clock(const std::string& path, const ClockSegment& c);
  void write_header(const std::string& path);
  void add(LogEvent e);  // in memory only (an "arrived" also marks its inject)
};

}  // namespace honbu::drill
