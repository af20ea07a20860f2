// [SECTION] Scoring a drill from the data: each expected action met, late or missed (with
// the time it took), the timeline of injects and of everything the players did, response
// times per team, partitions and how the data converged after them. Reads HQ's database
// (it holds every node's ops once they synced) and the drill log.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/db.hpp"
#include "model/drill/log.hpp"
#include "model/drill/scenario.hpp"

namespace honbu::drill {

// The drill engine's operator name: its ops are the injects, never the players' actions.
inline constexpr std::string_view kControllerOperator = "訓練コントローラ";

// Overdue: past its deadline while the drill runs (it may still be done, late); at the
// end that is Missed ("not done by the end", scenarios/README.md).
enum class Result { Met, Late, Missed, Pending, Overdue };
std::string_view result_name(Result r);  // met, late, missed, pending, overdue
std::string_view result_label(Result r, Lang lang);  // 達成 / met, 遅れ, 未対応, 未了, 期限超過

struct Outcome {
  const Expectation* expectation = nullptr;
  const Inject* inject = nullptr;  // the inject it belongs to (or nullptr)
  Result result = Result::Pending;
  std::optional<SimMinutes> from;  // when the clock started (the inject's delivery)
  SimMinutes due = 0;              // the deadline in scenario time
  std::optional<SimMinutes> done;  // when the action was taken
  std::string evidence;            // which op (who, what) met it, in Japanese
  std::string evidence_en;         // the same in English
  const std::string& evidence_in(Lang lang) const { return lang == Lang::Ja ? evidence : evidence_en; }
};

struct TimelineItem {
  TimeMs wall = 0;
  SimMinutes sim = 0;
  std::string node, who, what;
  bool inject = false;
  std::string card, kind;  // an inject's card and event (the report words them in its language)
  std::string what_en;     // a player's record in English (`what` is Japanese)
};

struct TeamStats {
  std::string team;  // the node expected to act
  int met = 0, late = 0, missed = 0, pending = 0;
  std::vector<double> minutes;  // time taken for met and late actions
  double points = 0, possible = 0;
};

struct NetworkEpisode {
  std::string card, kind;
  std::vector<std::string> nodes;
  SimMinutes from = 0;
  std::optional<SimMinutes> to;
  std::optional<double> converged_ms;  // after it ended, until every node agreed again
};

struct Evaluation {
  std::vector<Outcome> outcomes;
  std::vector<TimelineItem> timeline;
  std::vector<TeamStats> teams;
  std::vector<NetworkEpisode> network;
  double points = 0, possible = 0;
  SimMinutes now = 0;  // scenario time the evaluation was made at
  bool finished = false;
  int met() const;
  int late() const;
  int missed() const;
};

// `now`: the scenario time reached (actions not yet due are Pending; at the end, Missed).
Evaluation evaluate(const Scenario& s, const DrillLog& log, Db& hq_db, SimMinutes now, bool finished);

}  // namespace honbu::drill
