#include "model/drill/evaluation.hpp"

#include <algorithm>
#include <map>

#include "model/errors.hpp"
#include "model/labels.hpp"
#include "model/schema.hpp"
#include "model/text.hpp"

namespace honbu::drill {

namespace {

struct LoggedOp {
  std::string origin, kind, entity, op_operator;
  TimeMs wall = 0;
  Fields fields;
};

std::vector<LoggedOp> read_ops(Db& db) {
  std::vector<LoggedOp> out;
  auto q = db.query("SELECT origin, hlc, kind, entity_id, fields, operator FROM ops WHERE state = 0 ORDER BY n");
  while (q->step()) {
    LoggedOp o;
    o.origin = q->column_text(0);
    o.wall = static_cast<TimeMs>(static_cast<std::uint64_t>(q->column_int(1)) >> 16);
    o.kind = q->column_text(2);
    o.entity = q->column_text(3);
    try {
      o.fields = decode_fields(q->column_text(4));
    } catch (const Error&) {
      continue;  // cannot be (the log holds only valid ops): skip rather than fail a report
    }
    o.op_operator = q->column_text(5);
    out.push_back(std::move(o));
  }
  // By the time the origin made them (HLC wall time), not the order they reached HQ.
  std::stable_sort(out.begin(), out.end(), [](const LoggedOp& a, const LoggedOp& b) { return a.wall < b.wall; });
  return out;
}

const std::string* text(const Fields& f, std::string_view k) {
  auto it = f.find(k);
  return it == f.end() ? nullptr : as_text(it->second);
}

bool player(const LoggedOp& o) { return o.op_operator != kControllerOperator; }

// "本部体制 状態: 対策本部" / "HQ state State: Countermeasures HQ": labels, not codes.
std::string describe_op(const LoggedOp& o, Lang lang) {
  const auto kind = kind_from_name(o.kind);
  const EntitySpec* es = kind ? &spec(*kind) : nullptr;
  std::string what = es ? std::string(lang == Lang::Ja ? es->ja : es->en) : o.kind;
  for (const char* k : {"title", "content", "status", "verification", "state", "level", "report_no", "open_state", "team"}) {
    auto it = o.fields.find(k);
    if (it == o.fields.end() || is_null(it->second)) continue;
    const FieldSpec* f = es ? es->field(k) : nullptr;
    const std::string* code = as_text(it->second);
    const std::string v = f && f->enumeration && code ? std::string(f->enumeration->text(*code, lang))
                                                      : utf8_ellipsis(debug_string(it->second), 60);
    what += " " + (f ? std::string(f->label(lang)) : std::string(k)) + ": " + v;
  }
  return what;
}

// Whether a player's op takes the expected action.
bool satisfies(const Expectation& e, const LoggedOp& o) {
  if (!player(o)) return false;
  switch (e.action) {
    case ActionKind::IncidentVerified: {
      if (o.kind != "incident" || o.entity != inject_entity_id(e.card)) return false;
      const std::string* v = text(o.fields, "verification");
      return v && (*v == "verified" || *v == "false");
    }
    case ActionKind::IncidentStatus: {
      if (o.kind != "incident" || o.entity != inject_entity_id(e.card)) return false;
      const std::string* v = text(o.fields, "status");
      return v && *v == e.status;
    }
    case ActionKind::IncidentAssigned: {
      if (o.kind != "incident" || o.entity != inject_entity_id(e.card)) return false;
      const std::string* v = text(o.fields, "team");
      return v && !v->empty();
    }
    case ActionKind::Evacuation: {
      if (o.kind != "evacuation_order") return false;
      const std::string* area = text(o.fields, "area_id");
      const std::string* level = text(o.fields, "level");
      const std::string* action = text(o.fields, "action");
      return area && *area == e.area && level && std::atoi(level->c_str()) >= e.level && (!action || *action == "issue");
    }
    case ActionKind::BranchReport: {
      if (o.kind != "branch_report") return false;
      const std::string* b = text(o.fields, "branch_id");
      if (!b || *b != e.branch) return false;
      if (e.report_no <= 0) return true;
      auto it = o.fields.find("report_no");
      return it != o.fields.end() && as_int(it->second) == e.report_no;
    }
    case ActionKind::ChronologyEntry: {
      if (o.kind != "chronology") return false;
      if (!e.by.empty() && o.origin != e.by) return false;
      const std::string* c = text(o.fields, "content");
      return c && c->find(e.contains) != std::string::npos;
    }
    case ActionKind::ShelterOpen: {
      if (o.kind != "shelter" || o.entity != e.shelter) return false;
      const std::string* st = text(o.fields, "open_state");
      return st && *st == "open";
    }
    case ActionKind::RequestMade: {
      if (o.kind != "request") return false;
      if (!e.request_kind.empty()) {
        const std::string* k = text(o.fields, "kind");
        if (!k || *k != e.request_kind) return false;
      }
      if (!e.contains.empty()) {
        const std::string* t = text(o.fields, "title");
        const std::string* d = text(o.fields, "description");
        if (!(t && t->find(e.contains) != std::string::npos) && !(d && d->find(e.contains) != std::string::npos))
          return false;
      }
      return true;
    }
    case ActionKind::MessageAnswered: {
      if (o.kind != "drill_message" || o.entity != inject_entity_id(e.card)) return false;
      const std::string* a = text(o.fields, "answered_at");
      return a && !a->empty();
    }
    case ActionKind::HqStateSet: {
      if (o.kind != "hq_state") return false;
      const std::string* st = text(o.fields, "state");
      return st && *st == e.state;
    }
    case ActionKind::LifelineUpdated: {
      if (o.kind != "lifeline") return false;
      return o.entity == lifeline_id(e.area, e.lifeline_type);
    }
  }
  return false;
}

const LogEvent* delivery(const DrillLog& log, std::string_view card) {
  for (const LogEvent& e : log.events)
    if (e.type == "inject" && e.card == card) return &e;
  return nullptr;
}

}  // namespace

std::string_view result_label(Result r, Lang lang) {
  const bool ja = lang == Lang::Ja;
  switch (r) {
    case Result::Met: return ja ? "達成" : "met";
    case Result::Late: return ja ? "遅れ" : "late";
    case Result::Missed: return ja ? "未対応" : "missed";
    case Result::Pending: return ja ? "未了" : "pending";
    case Result::Overdue: return ja ? "期限超過" : "overdue";
  }
  return "?";
}

std::string_view result_name(Result r) {
  switch (r) {
    case Result::Met: return "met";
    case Result::Late: return "late";
    case Result::Missed: return "missed";
    case Result::Pending: return "pending";
    case Result::Overdue: return "overdue";
  }
  return "?";
}

int Evaluation::met() const {
  return static_cast<int>(std::count_if(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.result == Result::Met; }));
}
int Evaluation::late() const {
  return static_cast<int>(std::count_if(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.result == Result::Late; }));
}
int Evaluation::missed() const {
  return static_cast<int>(
      std::count_if(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.result == Result::Missed; }));
}

Evaluation evaluate(const Scenario& s, const DrillLog& log, Db& db, SimMinutes now, bool finished) {
  Evaluation ev;
  ev.now = now;
  ev.finished = finished;
  const std::vector<LoggedOp> ops = read_ops(db);

  auto judge = [&](const Expectation& e, const Inject* inj) {
    Outcome o;
    o.expectation = &e;
    o.inject = inj ? inj : (e.card.empty() ? nullptr : s.inject(e.card));
    std::optional<TimeMs> since;  // wall time the expectation starts (its inject's delivery)
    if (o.inject) {
      if (const LogEvent* d = delivery(log, o.inject->card)) {
        o.from = d->sim;
        since = d->wall;
      }
    }
    if (e.deadline) o.due = *e.deadline;
    else if (o.from && e.within) o.due = *o.from + *e.within;
    else o.due = s.duration;  // an inject never delivered: its expectation is not due yet
    if (o.inject && !o.from) {
      o.result = finished ? Result::Missed : Result::Pending;
      o.evidence = "状況付与されていません";
      o.evidence_en = "inject not delivered";
      ev.outcomes.push_back(o);
      return;
    }
    for (const LoggedOp& op : ops) {
      if (since && op.wall < *since) continue;
      if (!satisfies(e, op)) continue;
      o.done = log.sim_at(op.wall);
      o.evidence = op.origin + " / " + op.op_operator + ": " + describe_op(op, Lang::Ja);
      o.evidence_en = op.origin + " / " + op.op_operator + ": " + describe_op(op, Lang::En);
      break;
    }
    if (o.done) o.result = *o.done <= o.due + 1e-9 ? Result::Met : Result::Late;
    // A deadline the drill ended before is not missed: 未了 (the report says when it was due).
    else if (finished) o.result = now >= o.due ? Result::Missed : Result::Pending;
    else o.result = now > o.due ? Result::Overdue : Result::Pending;
    ev.outcomes.push_back(o);
  };
  for (const Inject& i : s.injects)
    for (const Expectation& e : i.expect) judge(e, &i);
  for (const Expectation& e : s.expected) judge(e, nullptr);

  // Teams (the node expected to act), points.
  std::map<std::string, TeamStats> teams;
  for (const Outcome& o : ev.outcomes) {
    const std::string team = o.expectation->by.empty() ? s.hq() : o.expectation->by;
    TeamStats& t = teams[team];
    t.team = team;
    t.possible += o.expectation->points;
    ev.possible += o.expectation->points;
    switch (o.result) {
      case Result::Met:
        ++t.met;
        t.points += o.expectation->points;
        ev.points += o.expectation->points;
        break;
      case Result::Late: ++t.late; break;
      case Result::Missed: ++t.missed; break;
      case Result::Pending:
      case Result::Overdue: ++t.pending; break;  // not decided yet
    }
    if (o.done && o.from) t.minutes.push_back(*o.done - *o.from);
    else if (o.done) t.minutes.push_back(*o.done);
  }
  for (auto& [name, t] : teams) ev.teams.push_back(std::move(t));

  // Timeline: injects as delivered, and everything the players recorded.
  for (const LogEvent& e : log.events) {
    if (e.type != "inject" && e.type != "net") continue;
    TimelineItem t;
    t.wall = e.wall;
    t.sim = e.sim;
    t.node = e.node;
    t.who = std::string(kControllerOperator);
    t.what = (e.card.empty() ? "" : e.card + " ") + e.kind + (e.detail.empty() ? "" : ": " + e.detail);
    t.inject = true;
    t.card = e.card;
    t.kind = e.kind;
    ev.timeline.push_back(std::move(t));
  }
  const TimeMs began = log.clock.empty() ? 0 : log.clock.front().wall;
  for (const LoggedOp& op : ops) {
    if (!player(op) || op.wall < began) continue;
    ev.timeline.push_back({op.wall, log.sim_at(op.wall), op.origin, op.op_operator, describe_op(op, Lang::Ja), false, {},
                           {}, describe_op(op, Lang::En)});
  }
  std::stable_sort(ev.timeline.begin(), ev.timeline.end(), [](const auto& a, const auto& b) { return a.wall < b.wall; });

  // Network episodes and their convergence.
  for (const LogEvent& e : log.events) {
    if (e.type == "net" && (e.kind == "partition" || e.kind == "outage" || e.kind == "degrade")) {
      ev.network.push_back({e.card, e.kind, e.nodes, e.sim, std::nullopt, std::nullopt});
    } else if (e.type == "net" && (e.kind == "heal" || e.kind == "restart" || e.kind == "restored")) {
      for (auto it = ev.network.rbegin(); it != ev.network.rend(); ++it)
        if (!it->to && (e.card.empty() || it->card == e.card ||
                        std::find(it->nodes.begin(), it->nodes.end(), e.node) != it->nodes.end())) {
          it->to = e.sim;
          break;
        }
    } else if (e.type == "converged") {
      for (auto it = ev.network.rbegin(); it != ev.network.rend(); ++it)
        if (it->to && !it->converged_ms && (e.card.empty() || it->card == e.card)) {
          it->converged_ms = e.ms;
          break;
        }
    }
  }
  return ev;
}

}  // namespace honbu::drill
