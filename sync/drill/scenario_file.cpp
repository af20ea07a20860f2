#include "sync/drill/scenario_file.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "model/labels.hpp"
#include "model/validation.hpp"
#include "sync/auth.hpp"

namespace honbu::drill {

namespace {

using Problems = std::vector<ScenarioProblem>;

int line_of(const YAML::Node& n) { return n.Mark().line + 1; }

// Reads one item (a node, an inject...) so that a list or a map where one value belongs is a
// problem at its line, and the items after it are still read.
template <class F>
void guarded(Problems& out, const std::string& what, F&& read) {
  try {
    read();
  } catch (const YAML::Exception& e) {
    out.push_back({e.mark.line + 1, what + ": expected one value (text or a number) here, not a list or a map"});
  }
}

std::string str(const YAML::Node& n) { return n && n.IsScalar() ? n.as<std::string>() : std::string(); }

// Every key of a map must be one we know.
void known_keys(const YAML::Node& n, std::initializer_list<std::string_view> keys, const std::string& what, Problems& out) {
  if (!n.IsMap()) return;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string k = str(it->first);
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
      std::string list;
      for (std::string_view x : keys) list += (list.empty() ? "" : ", ") + std::string(x);
      out.push_back({line_of(it->first), what + ": unknown field \"" + k + "\" (known: " + list + ")"});
    }
  }
}

std::optional<SimMinutes> minutes_of(const YAML::Node& n, const std::string& what, Problems& out) {
  if (!n) return std::nullopt;
  if (!n.IsScalar()) {
    out.push_back({line_of(n), what + ": expected a time like \"+0:30\" or minutes"});
    return std::nullopt;
  }
  auto m = parse_offset(n.as<std::string>());
  if (!m) out.push_back({line_of(n), what + ": \"" + n.as<std::string>() + "\" is not a time like \"+0:30\", \"1:05\" or \"90\" (minutes)"});
  return m;
}

Value value_of(const YAML::Node& n) {
  if (!n || n.IsNull()) return std::monostate{};
  const std::string s = n.as<std::string>();
  if (n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str") return s;  // quoted: text
  if (s == "true" || s == "yes") return std::int64_t{1};
  if (s == "false" || s == "no") return std::int64_t{0};
  try {
    size_t pos = 0;
    const long long i = std::stoll(s, &pos);
    if (pos == s.size()) return std::int64_t{i};
    const double d = std::stod(s, &pos);
    if (pos == s.size()) return d;
  } catch (const std::exception&) {
  }
  return s;
}

std::vector<std::string> strings_of(const YAML::Node& n) {
  std::vector<std::string> v;
  if (!n) return v;
  if (n.IsSequence())
    for (const auto& x : n) v.push_back(x.as<std::string>());
  else if (n.IsScalar())
    v.push_back(n.as<std::string>());
  return v;
}

std::string medium_code(const std::string& m) {
  if (m.empty()) return m;
  const std::string_view c = enums::medium.code_for(m);
  return c.empty() ? m : std::string(c);
}

Expectation read_expectation(const YAML::Node& n, const std::string& card, int index, Problems& out) {
  Expectation e;
  e.line = line_of(n);
  const std::string what = card.empty() ? "expected action" : "inject " + card + " expect";
  known_keys(n,
             {"id", "action", "by", "card", "area", "branch", "status", "contains", "shelter", "request_kind", "state",
              "lifeline_type", "level", "report_no", "within", "deadline", "points", "description"},
             what, out);
  e.id = str(n["id"]);
  if (e.id.empty()) e.id = (card.empty() ? "e" : card) + "-" + std::to_string(index + 1);
  const std::string action = str(n["action"]);
  auto a = action_kind_from_name(action);
  if (!a) {
    out.push_back({e.line, what + ": action \"" + action + "\" is not one of incident_verified, incident_status, "
                   "incident_assigned, evacuation_order, branch_report, chronology, shelter_open, request, "
                   "message_answered, hq_state, lifeline_updated"});
  } else {
    e.action = *a;
  }
  e.by = str(n["by"]);
  e.card = n["card"] ? str(n["card"]) : card;
  e.area = str(n["area"]);
  e.branch = str(n["branch"]);
  e.status = str(n["status"]);
  if (!e.status.empty()) {
    const std::string_view c = enums::incident_status.code_for(e.status);
    if (!c.empty()) e.status = std::string(c);
  }
  e.contains = str(n["contains"]);
  e.shelter = str(n["shelter"]);
  e.request_kind = str(n["request_kind"]);
  e.state = str(n["state"]);
  if (!e.state.empty()) {
    const std::string_view c = enums::hq_state.code_for(e.state);
    if (!c.empty()) e.state = std::string(c);
  }
  e.lifeline_type = str(n["lifeline_type"]);
  if (n["level"]) e.level = std::atoi(str(n["level"]).c_str());
  if (n["report_no"]) e.report_no = std::atoll(str(n["report_no"]).c_str());
  e.within = minutes_of(n["within"], what + " within", out);
  e.deadline = minutes_of(n["deadline"], what + " deadline", out);
  if (n["points"]) e.points = std::atof(str(n["points"]).c_str());
  e.description = str(n["description"]);
  return e;
}

Inject read_inject(const YAML::Node& n, Problems& out) {
  Inject i;
  i.line = line_of(n);
  if (!n.IsMap()) {
    out.push_back({i.line, "an inject must be a map of fields"});
    return i;
  }
  i.card = str(n["card"]);
  const std::string what = "inject " + (i.card.empty() ? "(no card)" : i.card);
  known_keys(n,
             {"card", "at", "jitter", "target", "origin", "from", "medium", "kind", "data", "text", "ref", "nodes", "with", "for",
              "from_node", "to_node", "expect"},
             what, out);
  if (auto m = minutes_of(n["at"], what + " at", out)) i.at = *m;
  else if (!n["at"]) out.push_back({i.line, what + ": `at` (when, e.g. \"+0:30\") is missing"});
  if (auto j = minutes_of(n["jitter"], what + " jitter", out)) i.jitter_minutes = *j;
  const std::string kind = str(n["kind"]);
  if (auto k = inject_kind_from_name(kind)) i.kind = *k;
  else
    out.push_back({n["kind"] ? line_of(n["kind"]) : i.line,
                   what + ": kind \"" + kind + "\" is not one of incident, incident_update, lifeline, branch_report, "
                   "shelter, request, evacuation, hq_state, message, chronology, partition, heal, outage, degrade, bundle"});
  i.target = str(n["target"]);
  i.origin = str(n["origin"]);
  i.from_role = str(n["from"]);
  i.medium = medium_code(str(n["medium"]));
  i.text = str(n["text"]);
  i.ref = str(n["ref"]);
  i.nodes = strings_of(n["nodes"]);
  i.with = strings_of(n["with"]);
  i.for_minutes = minutes_of(n["for"], what + " for", out);
  i.from_node = str(n["from_node"]);
  i.to_node = str(n["to_node"]);
  if (const YAML::Node d = n["data"]) {
    if (!d.IsMap()) out.push_back({line_of(d), what + ": `data` must be a map of field: value"});
    else
      for (auto it = d.begin(); it != d.end(); ++it) i.data[it->first.as<std::string>()] = value_of(it->second);
  }
  if (const YAML::Node ex = n["expect"]) {
    if (!ex.IsSequence()) out.push_back({line_of(ex), what + ": `expect` must be a list"});
    else
      for (size_t k = 0; k < ex.size(); ++k) i.expect.push_back(read_expectation(ex[k], i.card, static_cast<int>(k), out));
  }
  return i;
}

// A dry run of every data inject: the fields must pass the model's validation and the
// origin's role rules, as they will when the drill writes them.
void dry_run(const Scenario& s, Problems& out) {
  sync::AllowList allow;
  for (const DrillNode& n : s.nodes) {
    sync::AllowEntry e;
    e.node_id = n.id;
    sync::role_from_name(n.role, e.role);
    e.branch_id = n.branch;
    e.areas = n.areas;
    allow.upsert(e);
  }
  for (const Inject& i : s.injects) {
    auto w = inject_write(s, i, s.start + static_cast<TimeMs>(i.at * 60000));
    if (!w) continue;
    Fields f = w->fields;
    ValidateOptions vo;
    // Updates (an earlier incident, an existing shelter, the HQ state) may name only what changes.
    vo.creating = i.kind != InjectKind::IncidentUpdate && !(i.kind == InjectKind::Shelter && !i.ref.empty()) &&
                  i.kind != InjectKind::HqState;
    for (const Problem& p : normalize_and_validate(spec(w->kind), w->id, f, vo))
      out.push_back({i.line, "inject " + i.card + ": " + (p.field.empty() ? "" : "data." + p.field + ": ") + p.en, i.source});
    const std::string origin = inject_origin(s, i);
    const sync::AllowEntry* e = allow.by_node(origin);
    if (!e) continue;  // reported by check()
    Op op;
    op.origin = origin;
    op.kind = w->kind;
    op.entity_id = w->id;
    op.fields = f;
    const sync::AuthDecision d = sync::may_write(*e, op);
    if (!d.ok) out.push_back({i.line, "inject " + i.card + ": node " + origin + " may not write this: " + d.reason, i.source});
  }
}

// RFC 4180 CSV: fields in quotes may hold commas, quotes ("") and newlines.
std::vector<std::pair<int, std::vector<std::string>>> csv_rows(std::string_view text) {
  std::vector<std::pair<int, std::vector<std::string>>> rows;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;
  int line = 1, row_line = 1;
  for (size_t k = 0; k < text.size(); ++k) {
    const char c = text[k];
    if (quoted) {
      if (c == '"' && k + 1 < text.size() && text[k + 1] == '"') cell += '"', ++k;
      else if (c == '"') quoted = false;
      else {
        if (c == '\n') ++line;
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && k + 1 < text.size() && text[k + 1] == '\n') ++k;
      row.push_back(std::move(cell));
      cell.clear();
      if (!(row.size() == 1 && row[0].empty())) rows.emplace_back(row_line, std::move(row));
      row.clear();
      row_line = ++line;
    } else {
      cell += c;
    }
  }
  if (!cell.empty() || !row.empty()) {
    row.push_back(std::move(cell));
    rows.emplace_back(row_line, std::move(row));
  }
  return rows;
}

}  // namespace

ScenarioError::ScenarioError(std::vector<ScenarioProblem> problems, const std::string& source)
    : Error([&] {
        std::string m = source + ": " + std::to_string(problems.size()) + " problem(s):";
        for (const auto& p : problems)
          m += "\n  " + (p.file.empty() ? source : p.file) + (p.line ? ":" + std::to_string(p.line) : "") + ": " + p.message;
        return m;
      }()),
      problems_(std::move(problems)) {}

void read_msel_csv(std::string_view text, const std::string& source, Scenario& s, Problems& out) {
  // Header names, English or Japanese, to our field names.
  static const std::map<std::string, std::string> kHeaders = {
      {"card", "card"},         {"カード番号", "card"},     {"番号", "card"},
      {"time", "at"},           {"at", "at"},               {"想定時刻", "at"},        {"時刻", "at"},
      {"target", "target"},     {"宛先", "target"},         {"受信者", "target"},
      {"origin", "origin"},     {"発信元", "origin"},       {"from", "from"},          {"発信者", "from"},
      {"medium", "medium"},     {"手段", "medium"},         {"kind", "kind"},          {"種別", "kind"},
      {"text", "text"},         {"内容", "text"},           {"title", "title"},        {"件名", "title"},
      {"area", "area"},         {"地区", "area"},           {"category", "category"},  {"分類", "category"},
      {"priority", "priority"}, {"優先度", "priority"},     {"expect", "expect"},      {"期待される対応", "expect"},
      {"within", "within"},     {"期限(分)", "within"},     {"期限", "within"},        {"by", "by"},
      {"担当", "by"},           {"expect_by", "by"}};
  const auto rows = csv_rows(text);
  if (rows.empty()) {
    out.push_back({0, source + ": empty MSEL"});
    return;
  }
  std::vector<std::string> cols;
  for (const std::string& h : rows[0].second) {
    auto it = kHeaders.find(h);
    if (it == kHeaders.end()) out.push_back({rows[0].first, source + ": unknown column \"" + h + "\""});
    cols.push_back(it == kHeaders.end() ? "" : it->second);
  }
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& [line, cells] = rows[r];
    std::map<std::string, std::string> v;
    for (size_t c = 0; c < cells.size() && c < cols.size(); ++c)
      if (!cols[c].empty()) v[cols[c]] = cells[c];
    Inject i;
    i.line = line;
    i.source = source;
    i.card = v["card"];
    const std::string what = source + " row " + std::to_string(r) + " (card " + i.card + ")";
    if (auto m = parse_offset(v["at"])) i.at = *m;
    else out.push_back({line, what + ": time \"" + v["at"] + "\" is not like +0:30"});
    const std::string kind = v["kind"].empty() ? "message" : v["kind"];
    static const std::map<std::string, std::string> kKindsJa = {
        {"事案", "incident"}, {"通報", "incident"}, {"ライフライン", "lifeline"}, {"支所報告", "branch_report"},
        {"避難所", "shelter"}, {"要請", "request"}, {"メッセージ", "message"}, {"付与", "message"},
        {"避難情報", "evacuation"}, {"通信途絶", "partition"}, {"回復", "heal"}};
    const std::string k = kKindsJa.count(kind) ? kKindsJa.at(kind) : kind;
    if (auto ik = inject_kind_from_name(k)) i.kind = *ik;
    else out.push_back({line, what + ": kind \"" + kind + "\" is not known"});
    i.target = v["target"];
    i.origin = v["origin"];
    i.from_role = v["from"];
    i.medium = medium_code(v["medium"]);
    i.text = v["text"];
    if (i.kind == InjectKind::Incident || i.kind == InjectKind::Request) {
      i.data["title"] = v["title"].empty() ? i.text.substr(0, 60) : v["title"];
      if (!v["area"].empty()) i.data["area_id"] = v["area"];
      if (!v["category"].empty()) i.data["category"] = v["category"];
      if (!v["priority"].empty()) i.data["priority"] = v["priority"];
    }
    if (i.kind == InjectKind::Partition) i.nodes = {i.target};
    if (!v["expect"].empty()) {
      Expectation e;
      e.line = line;
      e.source = source;
      e.id = i.card + "-1";
      e.card = i.card;
      if (auto a = action_kind_from_name(v["expect"])) e.action = *a;
      else out.push_back({line, what + ": expected action \"" + v["expect"] + "\" is not known"});
      if (auto w = parse_offset(v["within"])) e.within = *w;
      e.by = v["by"].empty() ? i.target : v["by"];
      i.expect.push_back(e);
    }
    s.injects.push_back(std::move(i));
  }
}

Scenario parse_scenario_yaml(std::string_view text, const std::string& source, const std::string& base_dir) {
  Problems out;
  Scenario s;
  s.source = source;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw ScenarioError({{e.mark.line + 1, "not valid YAML: " + e.msg}}, source);
  }
  if (!root.IsMap()) throw ScenarioError({{1, "a scenario is a YAML map (name:, start:, nodes:, injects: ...)"}}, source);
  known_keys(root,
             {"honbu_scenario", "name", "title", "hazard", "description", "start", "duration", "map", "seed", "speed",
              "nodes", "injects", "expected", "msel"},
             "scenario", out);
  if (root["honbu_scenario"] && str(root["honbu_scenario"]) != "1")
    out.push_back({line_of(root["honbu_scenario"]), "honbu_scenario: this Honbu reads format 1, not " + str(root["honbu_scenario"])});
  s.name = str(root["name"]);
  s.title = str(root["title"]);
  s.hazard = str(root["hazard"]);
  s.description = str(root["description"]);
  s.map = str(root["map"]);
  if (const auto sp = root["speed"]) {
    s.speed = std::atof(str(sp).c_str());
    if (s.speed < 1 || s.speed > 60) out.push_back({line_of(sp), "speed: " + str(sp) + " is not 1..60 (×1 to ×60)"});
  }
  if (root["seed"]) s.seed = std::strtoull(str(root["seed"]).c_str(), nullptr, 10);
  if (const auto st = root["start"]) {
    if (auto t = parse_iso(str(st))) s.start = *t;
    else out.push_back({line_of(st), "start: \"" + str(st) + "\" is not a date-time like 2026-12-01T09:00:00+09:00"});
  }
  if (auto d = minutes_of(root["duration"], "duration", out)) s.duration = *d;
  if (const auto nodes = root["nodes"]; nodes && nodes.IsSequence()) {
    for (const auto& n : nodes)
      guarded(out, "node", [&] {
        if (!n.IsMap()) {
          out.push_back({line_of(n), "a node is a map like {id: kita, role: branch, branch: kita, areas: [...]}"});
          return;
        }
        DrillNode d;
        d.line = line_of(n);
        known_keys(n, {"id", "role", "name", "branch", "areas", "peers"}, "node " + str(n["id"]), out);
        d.id = str(n["id"]);
        if (n["role"]) d.role = str(n["role"]);
        d.name = str(n["name"]);
        d.branch = str(n["branch"]);
        d.areas = strings_of(n["areas"]);
        d.peers = strings_of(n["peers"]);
        s.nodes.push_back(std::move(d));
      });
  } else {
    out.push_back({root["nodes"] ? line_of(root["nodes"]) : 1, "`nodes` (a list of the drill's nodes) is missing"});
  }
  if (const auto inj = root["injects"]) {
    if (!inj.IsSequence()) out.push_back({line_of(inj), "`injects` must be a list"});
    else
      for (const auto& n : inj) guarded(out, "inject", [&] { s.injects.push_back(read_inject(n, out)); });
  }
  if (const auto m = root["msel"]) {
    s.msel = str(m);
    if (s.msel.find('/') != std::string::npos || s.msel.starts_with("."))
      out.push_back({line_of(m), "msel: give the file name of a CSV beside the scenario (no directories)"});
    const std::string path = (std::filesystem::path(base_dir) / s.msel).string();
    std::ifstream f(path);
    if (!f) out.push_back({line_of(m), "msel: cannot read " + path});
    else {
      const std::string csv((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      Problems msel;
      read_msel_csv(csv, path, s, msel);
      for (auto& p : msel) out.push_back({p.line, p.message, path});
    }
  }
  if (const auto ex = root["expected"]) {
    if (!ex.IsSequence()) out.push_back({line_of(ex), "`expected` must be a list"});
    else
      for (size_t k = 0; k < ex.size(); ++k)
        guarded(out, "expected", [&] { s.expected.push_back(read_expectation(ex[k], "", static_cast<int>(k), out)); });
  }
  // Every check runs on what could be read, so one validate lists everything to fix (it used
  // to stop at the first stage: a trainer fixed the file three times to see all six). What
  // was already said is not said again: a line with a problem gets no follow-on ones, and a
  // field whose value was refused ("start: ... is not a date-time") is not also missing.
  auto field_of = [](const std::string& m) { return m.substr(0, m.find_first_of(" :(")); };
  // "inject 014 at: ..." / "inject 014: ..." -> "inject 014": a card that could not all be
  // read gets no follow-on problems (an unknown kind would also be called a message without text).
  auto card_of = [](const std::string& m) {
    if (!m.starts_with("inject ")) return std::string();
    return m.substr(0, m.find_first_of(" :", 7));
  };
  std::set<std::string> said_fields, said_cards;
  std::set<std::pair<std::string, int>> said_lines;
  for (const auto& p : out) {
    said_fields.insert(field_of(p.message));
    said_cards.insert(card_of(p.message));
    said_lines.insert({p.file, p.line});
  }
  said_cards.erase("");
  auto add_new = [&](Problems more) {
    std::set<std::string> more_cards;
    for (auto& p : more) {
      const std::string field = field_of(p.message);
      const bool of_the_frame = field != "inject" && field != "expected";
      if (said_lines.count({p.file, p.line}) || said_cards.count(card_of(p.message)) ||
          (of_the_frame && said_fields.count(field)))
        continue;
      more_cards.insert(card_of(p.message));  // the next stage adds nothing more about it
      out.push_back(std::move(p));
    }
    said_cards.insert(more_cards.begin(), more_cards.end());
    said_cards.erase("");
  };
  add_new(check(s));
  // The data of each inject, as the store and the role rules will judge it at its time.
  Problems data;
  try {
    dry_run(s, data);
  } catch (const std::exception&) {
    if (out.empty()) throw;  // on a file already found broken, the problems above say why
  }
  add_new(std::move(data));
  if (!out.empty()) {
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
    throw ScenarioError(std::move(out), source);
  }
  return s;
}

Scenario load_scenario(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ScenarioError({{0, "cannot open the scenario file"}}, path);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const std::string base = std::filesystem::path(path).parent_path().string();
  if (path.ends_with(".csv")) {
    throw ScenarioError({{0, "a MSEL CSV needs a scenario YAML around it (nodes, start, duration): "
                             "write one with `msel: " + std::filesystem::path(path).filename().string() + "`"}},
                        path);
  }
  return parse_scenario_yaml(text, path, base.empty() ? "." : base);
}

}  // namespace honbu::drill
