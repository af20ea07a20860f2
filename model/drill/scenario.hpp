// [SECTION] A drill scenario (図上訓練の状況付与計画, a MSEL): what happens when, to whom, and
// what the players are expected to do by when. Pure data: sync/drill/scenario_file.cpp reads
// it from YAML or a MSEL CSV (every item keeps its source line for errors), the engine plays
// it, drill/evaluation.cpp scores it. The format: scenarios/README.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/demo.hpp"
#include "model/labels.hpp"
#include "model/schema.hpp"
#include "model/time.hpp"
#include "model/value.hpp"

namespace honbu::drill {

// Scenario time: minutes after the simulated disaster (発災+0:30 is 30).
using SimMinutes = double;
// "+0:30", "0:30", "+1:05:30", "90" (minutes), "90m", "1h30m". nullopt on anything else.
std::optional<SimMinutes> parse_offset(std::string_view text);
std::string format_offset(SimMinutes m);  // "+1:05" (or "+1:05:30" with seconds)

struct DrillNode {
  std::string id, role = "branch", name, branch;  // role: hq | branch | relay
  std::vector<std::string> areas;
  std::vector<std::string> peers;  // nodes it connects to (default: a branch or relay, HQ)
  int line = 0;
};

enum class InjectKind {
  Incident,        // a call / report: a new 事案, created at `origin`
  IncidentUpdate,  // more news about an earlier inject's incident (`ref`)
  Lifeline,        // a lifeline figure changes (area × type)
  BranchReport,    // a 支所報告 第N報 arrives from a branch
  Shelter,         // a shelter opens, fills, needs something
  Request,         // a request (物資/人員...) reaches the target
  Evacuation,      // an evacuation order recorded (scripted HQ decision, or the prefecture's)
  HqState,         // the HQ state changes (scripted)
  Message,         // a card for players to act on: shown as an incoming call / FAX
  Chronology,      // a クロノロ entry (scripted)
  Partition,       // cut `nodes` off from everyone for `for_minutes`
  Heal,            // end a partition early
  Outage,          // a node goes down for `for_minutes` (its process stops)
  Degrade,         // a flaky link: the node is cut 5 s of every 15 s for `for_minutes`
  Bundle,          // a USB stick: export from `from_node`, import at `to_node`
};
std::string_view inject_kind_name(InjectKind k);
std::string_view inject_kind_label(InjectKind k, Lang lang);  // 事案通報 / New incident ...
std::optional<InjectKind> inject_kind_from_name(std::string_view name);

// An action the players are expected to take, checked against the data.
enum class ActionKind {
  IncidentVerified,  // the inject's incident gets 確認済 (or 誤報)
  IncidentStatus,    // the inject's incident reaches `status`
  IncidentAssigned,  // the inject's incident gets a team (班)
  Evacuation,        // an evacuation order for `area`, level ≥ `level`
  BranchReport,      // `branch` sends report No. `report_no` (or any new one)
  ChronologyEntry,   // a クロノロ entry containing `contains` recorded at `by`
  ShelterOpen,       // `shelter` is recorded open
  RequestMade,       // a request (of `request_kind`, or containing `contains`)
  MessageAnswered,   // the inject's drill message is answered at its target
  HqStateSet,        // the HQ state becomes `state`
  LifelineUpdated,   // `area` × `lifeline_type` updated after the inject
};
std::string_view action_kind_name(ActionKind k);
std::optional<ActionKind> action_kind_from_name(std::string_view name);
std::string_view action_kind_label(ActionKind k, Lang lang);  // 事案の確認 / Incident verified ...

struct Expectation {
  std::string id;  // for the report ("1101-a", or given)
  ActionKind action = ActionKind::IncidentVerified;
  std::string by;  // node expected to act (for the report and per-team figures)
  std::string card, area, branch, status, contains, shelter, request_kind, state, lifeline_type;
  int level = 0;
  std::int64_t report_no = 0;
  std::optional<SimMinutes> within;    // minutes after the inject (inject-bound expectations)
  std::optional<SimMinutes> deadline;  // or an absolute scenario time
  double points = 1;
  std::string description;  // what the trainer wrote (shown in the report)
  int line = 0;
  std::string source;  // the file of `line` when not the scenario (a MSEL CSV)
};

struct Inject {
  std::string card;  // card number (状況付与票番号): unique
  SimMinutes at = 0;
  InjectKind kind = InjectKind::Message;
  std::string target, origin, from_role, medium, text, ref;
  Fields data;                     // fields of data injects (codes or labels: normalised as input)
  std::map<std::string, int> data_lines;  // the line of each field of `data`, for problems
  std::vector<std::string> nodes;  // partition / outage / degrade / heal
  std::vector<std::string> with;   // partition / heal: only the links to these (default: all)
  std::optional<SimMinutes> for_minutes;
  std::string from_node, to_node;  // bundle
  double jitter_minutes = 0;       // delivered at `at` + [0, jitter) by the seed
  std::vector<Expectation> expect;
  int line = 0;
  std::string source;  // the file of `line` when not the scenario (a MSEL CSV)
};

struct Scenario {
  int format = 1;
  std::string name, title, hazard, description, source;
  TimeMs start = 0;        // simulated time of 発災
  SimMinutes duration = 0;
  std::string map;         // optional GeoJSON of the areas
  std::string msel;        // a MSEL CSV beside the file, with more injects (its name)
  std::uint64_t seed = 1;
  double speed = 1;        // the clock's default speed (×1..×60; honbu-drill run --speed overrides)
  std::vector<DrillNode> nodes;
  std::vector<Inject> injects;          // in file order; the engine sorts by time
  std::vector<Expectation> expected;    // not tied to one inject
  const DrillNode* node(std::string_view id) const;
  const Inject* inject(std::string_view card) const;
  std::string hq() const;  // the HQ node's id
  std::string dataset() const { return "EXERCISE:" + name; }
};

// One problem in a scenario, as a trainer reads it: "scenarios/x.yaml:42: inject 1101: ...".
// `message` is English (and what follow-on problems are matched on); `ja` its Japanese.
struct ScenarioProblem {
  ScenarioProblem() = default;
  ScenarioProblem(int l, std::string m, std::string f = {}, std::string j = {})
      : line(l), message(std::move(m)), file(std::move(f)), ja(std::move(j)) {}
  int line = 0;
  std::string message;
  std::string file;  // when not the scenario file itself (its MSEL CSV)
  std::string ja;
  const std::string& text(Lang lang) const { return lang == Lang::Ja && !ja.empty() ? ja : message; }
};

// Checks what the file format cannot: references (targets, refs, areas of branches), times
// within the duration, unique cards and ids, one HQ, kinds that need `nodes` or `data`...
std::vector<ScenarioProblem> check(const Scenario& s);
// The part of check() about the drill's frame (name, start, duration, nodes): also run when
// the injects themselves could not all be read, so one run lists everything to fix.
std::vector<ScenarioProblem> check_setup(const Scenario& s);

// The inject times after jitter (seed): the same scenario and seed give the same times.
std::vector<std::pair<SimMinutes, const Inject*>> schedule(const Scenario& s, std::uint64_t seed);

// One line for people (timelines, the report, the console): the card's text, else what its
// data says (title, name, area × lifeline → status, 第N報 ...). Not cut short.
std::string inject_summary(const Scenario& s, const Inject& i, Lang lang);

// A drill node as people call it: a branch by its office ("北部支所", "North branch"), HQ by
// its name ("HQ" in English), a relay by its name; an unknown id as it is.
std::string node_label(const Scenario& s, std::string_view id, Lang lang);
// Whom a card goes to, in those words: its target (HQ when none is named), the nodes a network
// inject cuts ("北部支所・南部支所"), or a bundle's way ("北部支所 → HQ").
std::string inject_target_label(const Scenario& s, const Inject& i, Lang lang);

// An expected action in words: the trainer's description, else what it checks
// ("避難情報の発令 川辺 緊急安全確保").
std::string expectation_text(const Scenario& s, const Expectation& e, Lang lang);

// Entity ids a drill gives the things its injects create: "d-<card>".
std::string inject_entity_id(std::string_view card);

// What a data inject writes: which entity, and the fields (the inject's data, completed
// with what a report at `when` carries: received_at, as_of, channel, node_label...).
// Messages write their card (a DrillMessage at the target). Network injects write nothing.
struct InjectWrite {
  EntityKind kind = EntityKind::Incident;
  std::string id;
  Fields fields;
  bool chronology_number = false;  // the writing node fills in its next クロノロ number
};
std::optional<InjectWrite> inject_write(const Scenario& s, const Inject& i, TimeMs when);
// The master data a drill writes at its HQ before the clock starts: the demo city's areas and
// offices, with each branch node's areas and office as the scenario gives them.
std::vector<MasterRecord> master_records(const Scenario& s);

// The node whose op it is (the inject's origin, else its target, else HQ).
std::string inject_origin(const Scenario& s, const Inject& i);

}  // namespace honbu::drill
