#include "model/drill/log.hpp"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/errors.hpp"
#include "model/time.hpp"

namespace honbu::drill {

std::string default_drill_dir(const std::string& data_dir, const Scenario& s, TimeMs now) {
  const std::string iso = format_iso_jst(now);  // 2026-12-04T01:58:37+09:00
  const std::string stamp = iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2) + "-" + iso.substr(11, 2) +
                            iso.substr(14, 2) + iso.substr(17, 2);
  return data_dir + "/drills/" + s.name + "-" + stamp;
}

namespace {

using json = nlohmann::json;

void write_line(const std::string& path, const json& j) {
  // Append and flush: the log of a drill that is killed ends with its last event.
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) throw Error("cannot write the drill log " + path);
  const std::string line = j.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), f);
  std::fflush(f);
  std::fclose(f);
}

json to_json(const LogEvent& e) {
  json j{{"t", e.type}, {"wall", e.wall}, {"sim", e.sim}};
  if (!e.card.empty()) j["card"] = e.card;
  if (!e.kind.empty()) j["kind"] = e.kind;
  if (!e.node.empty()) j["node"] = e.node;
  if (!e.origin.empty()) j["origin"] = e.origin;
  if (!e.detail.empty()) j["detail"] = e.detail;
  if (!e.nodes.empty()) j["nodes"] = e.nodes;
  if (e.seq) j["seq"] = e.seq;
  if (e.arrived) j["arrived"] = *e.arrived;
  if (e.ms != 0) j["ms"] = e.ms;
  return j;
}

}  // namespace

SimMinutes DrillLog::sim_at(TimeMs wall) const {
  if (clock.empty()) return 0;
  const ClockSegment* seg = &clock.front();
  for (const ClockSegment& c : clock)
    if (c.wall <= wall) seg = &c;
  if (wall < seg->wall) return seg->sim;
  return seg->sim + static_cast<double>(wall - seg->wall) / 60000.0 * seg->rate;
}

std::optional<TimeMs> DrillLog::wall_at(SimMinutes m) const {
  for (size_t i = 0; i < clock.size(); ++i) {
    const ClockSegment& c = clock[i];
    const TimeMs end = i + 1 < clock.size() ? clock[i + 1].wall : INT64_MAX;
    if (m < c.sim) return c.wall;  // jumped over it
    if (c.rate > 0) {
      const TimeMs w = c.wall + static_cast<TimeMs>((m - c.sim) / c.rate * 60000.0);
      if (w < end) return w;
    } else if (m == c.sim) {
      return c.wall;
    }
  }
  return std::nullopt;
}

bool DrillLog::finished() const {
  return !events.empty() && events.back().type == "end";
}

void DrillLog::write_header(const std::string& path) {
  write_line(path, json{{"t", "start"}, {"scenario", scenario_path}, {"name", name}, {"dataset", dataset}, {"hq", hq},
                        {"seed", seed}, {"sim_start", sim_start}, {"wall", clock.empty() ? 0 : clock.front().wall}});
}

void DrillLog::add(LogEvent e) {
  // An arrival completes its inject's record (the report reads them together).
  if (e.type == "arrived")
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if (it->type == "inject" && it->card == e.card) {
        it->arrived = e.wall;
        break;
      }
  events.push_back(std::move(e));
}

void DrillLog::append(const std::string& path, const LogEvent& e) {
  add(e);
  write_line(path, to_json(e));
}

void DrillLog::append_clock(const std::string& path, const ClockSegment& c) {
  clock.push_back(c);
  write_line(path, json{{"t", "clock"}, {"wall", c.wall}, {"sim", c.sim}, {"rate", c.rate}});
}

DrillLog DrillLog::load(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw Error("no drill log at " + path);
  DrillLog log;
  int n = 0;
  for (std::string line; std::getline(f, line);) {
    ++n;
    if (line.empty()) continue;
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception&) {
      // A kill can cut the last line short: everything before it stands.
      if (f.peek() == EOF) break;
      throw Error(path + ":" + std::to_string(n) + ": not a log record");
    }
    const std::string t = j.value("t", "");
    if (t == "start") {
      log.scenario_path = j.value("scenario", "");
      log.name = j.value("name", "");
      log.dataset = j.value("dataset", "");
      log.hq = j.value("hq", "");
      log.seed = j.value("seed", 0ULL);
      log.sim_start = j.value("sim_start", 0LL);
    } else if (t == "clock") {
      log.clock.push_back({j.value("wall", 0LL), j.value("sim", 0.0), j.value("rate", 0.0)});
    } else {
      LogEvent e;
      e.type = t;
      e.wall = j.value("wall", 0LL);
      e.sim = j.value("sim", 0.0);
      e.card = j.value("card", "");
      e.kind = j.value("kind", "");
      e.node = j.value("node", "");
      e.origin = j.value("origin", "");
      e.detail = j.value("detail", "");
      if (j.contains("nodes")) e.nodes = j["nodes"].get<std::vector<std::string>>();
      e.seq = j.value("seq", 0ULL);
      if (j.contains("arrived")) e.arrived = j["arrived"].get<TimeMs>();
      e.ms = j.value("ms", 0.0);
      log.add(std::move(e));
    }
  }
  return log;
}

}  // namespace honbu::drill
