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

// What a problem is about ("inject 1101 expect" / "付与 1101 の expect"), in both languages.
struct What {
  std::string en, ja;
  What operator+(const What& more) const { return {en + more.en, ja + more.ja}; }
};

void add(Problems& out, int line, const std::string& en, const std::string& ja) { out.push_back({line, en, {}, ja}); }
void add(Problems& out, int line, const What& what, const std::string& en, const std::string& ja) {
  add(out, line, what.en + en, what.ja + ja);
}

// Reads one item (a node, an inject...) so that a list or a map where one value belongs is a
// problem at its line, and the items after it are still read.
template <class F>
void guarded(Problems& out, const What& what, F&& read) {
  try {
    read();
  } catch (const YAML::Exception& e) {
    add(out, e.mark.line + 1, what, ": expected one value (text or a number) here, not a list or a map",
        ": ここには値を 1 つ (文字か数) 書きます。リストやマップは書けません");
  }
}

std::string str(const YAML::Node& n) { return n && n.IsScalar() ? n.as<std::string>() : std::string(); }

// Every key of a map must be one we know.
void known_keys(const YAML::Node& n, std::initializer_list<std::string_view> keys, const What& what, Problems& out) {
  if (!n.IsMap()) return;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string k = str(it->first);
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
      std::string list;
      for (std::string_view x : keys) list += (list.empty() ? "" : ", ") + std::string(x);
      add(out, line_of(it->first), what, ": unknown field \"" + k + "\" (known: " + list + ")",
          ": 項目 \"" + k + "\" はありません (使える項目: " + list + ")");
    }
  }
}

std::optional<SimMinutes> minutes_of(const YAML::Node& n, const What& what, Problems& out) {
  if (!n) return std::nullopt;
  if (!n.IsScalar()) {
    add(out, line_of(n), what, ": expected a time like \"+0:30\" or minutes", ": \"+0:30\" のような時刻か分数を書きます");
    return std::nullopt;
  }
  const std::string t = n.as<std::string>();
  auto m = parse_offset(t);
  if (!m)
    add(out, line_of(n), what, ": \"" + t + "\" is not a time like \"+0:30\", \"1:05\" or \"90\" (minutes)",
        ": \"" + t + "\" は時刻ではありません (\"+0:30\"、\"1:05\"、\"90\" (分) のように書きます)");
  return m;
}

// A whole number (level, report_no) or a number (points); nullopt and a problem otherwise.
std::optional<double> number_of(const YAML::Node& n, const What& what, bool whole, Problems& out) {
  if (!n) return std::nullopt;
  const std::string t = str(n);
  try {
    size_t pos = 0;
    const double v = std::stod(t, &pos);
    if (pos == t.size() && (!whole || v == static_cast<double>(static_cast<long long>(v)))) return v;
  } catch (const std::exception&) {
  }
  add(out, line_of(n), what, ": \"" + t + "\" is not " + (whole ? "a whole number" : "a number"),
      ": \"" + t + "\" は" + (whole ? "整数" : "数") + "ではありません");
  return std::nullopt;
}

// A code of `e`, given as its code or either label; the value given when it is none (the
// checks name it).
std::string code_of(const Enumeration& e, const std::string& given) {
  const std::string_view c = e.code_for(given);
  return c.empty() ? given : std::string(c);
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
  const What what = card.empty() ? What{"expected action", "期待行動"} : What{"inject " + card + " expect", "付与 " + card + " の expect"};
  known_keys(n,
             {"id", "action", "by", "card", "area", "branch", "status", "contains", "shelter", "request_kind", "state",
              "lifeline_type", "level", "report_no", "within", "deadline", "points", "description"},
             what, out);
  e.id = str(n["id"]);
  if (e.id.empty()) e.id = (card.empty() ? "e" : card) + "-" + std::to_string(index + 1);
  const std::string action = str(n["action"]);
  auto a = action_kind_from_name(action);
  if (!a) {
    const std::string list =
        "incident_verified, incident_status, incident_assigned, evacuation_order, branch_report, chronology, "
        "shelter_open, request, message_answered, hq_state, lifeline_updated";
    add(out, e.line, what, ": action \"" + action + "\" is not one of " + list,
        ": action \"" + action + "\" はありません (使えるもの: " + list + ")");
  } else {
    e.action = *a;
  }
  e.by = str(n["by"]);
  e.card = n["card"] ? str(n["card"]) : card;
  e.area = str(n["area"]);
  e.branch = str(n["branch"]);
  // Codes or labels (状況 "対応完了" as well as "done"); check() names a value that is neither.
  e.status = code_of(enums::incident_status, str(n["status"]));
  e.contains = str(n["contains"]);
  e.shelter = str(n["shelter"]);
  e.request_kind = code_of(enums::request_kind, str(n["request_kind"]));
  e.state = code_of(enums::hq_state, str(n["state"]));
  e.lifeline_type = code_of(enums::lifeline_type, str(n["lifeline_type"]));
  if (auto v = number_of(n["level"], what + What{" level", " の level"}, true, out)) e.level = static_cast<int>(*v);
  if (auto v = number_of(n["report_no"], what + What{" report_no", " の report_no"}, true, out))
    e.report_no = static_cast<std::int64_t>(*v);
  e.within = minutes_of(n["within"], what + What{" within", " の within"}, out);
  e.deadline = minutes_of(n["deadline"], what + What{" deadline", " の deadline"}, out);
  if (auto v = number_of(n["points"], what + What{" points", " の points"}, false, out)) e.points = *v;
  e.description = str(n["description"]);
  return e;
}

Inject read_inject(const YAML::Node& n, Problems& out) {
  Inject i;
  i.line = line_of(n);
  if (!n.IsMap()) {
    add(out, i.line, "an inject must be a map of fields", "付与は 項目: 値 のマップで書きます");
    return i;
  }
  i.card = str(n["card"]);
  const What what{"inject " + (i.card.empty() ? "(no card)" : i.card), "付与 " + (i.card.empty() ? "(番号なし)" : i.card)};
  known_keys(n,
             {"card", "at", "jitter", "target", "origin", "from", "medium", "kind", "data", "text", "ref", "nodes", "with", "for",
              "from_node", "to_node", "expect"},
             what, out);
  if (auto m = minutes_of(n["at"], what + What{" at", " の at"}, out)) i.at = *m;
  else if (!n["at"]) add(out, i.line, what, ": `at` (when, e.g. \"+0:30\") is missing", ": `at` (いつ。例 \"+0:30\") がありません");
  if (auto j = minutes_of(n["jitter"], what + What{" jitter", " の jitter"}, out)) i.jitter_minutes = *j;
  const std::string kind = str(n["kind"]);
  if (auto k = inject_kind_from_name(kind)) {
    i.kind = *k;
  } else {
    const std::string list =
        "incident, incident_update, lifeline, branch_report, shelter, request, evacuation, hq_state, message, "
        "chronology, partition, heal, outage, degrade, bundle";
    add(out, n["kind"] ? line_of(n["kind"]) : i.line, what, ": kind \"" + kind + "\" is not one of " + list,
        ": kind \"" + kind + "\" はありません (使えるもの: " + list + ")");
  }
  i.target = str(n["target"]);
  i.origin = str(n["origin"]);
  i.from_role = str(n["from"]);
  i.medium = medium_code(str(n["medium"]));
  i.text = str(n["text"]);
  i.ref = str(n["ref"]);
  i.nodes = strings_of(n["nodes"]);
  i.with = strings_of(n["with"]);
  i.for_minutes = minutes_of(n["for"], what + What{" for", " の for"}, out);
  i.from_node = str(n["from_node"]);
  i.to_node = str(n["to_node"]);
  if (const YAML::Node d = n["data"]) {
    if (!d.IsMap()) {
      add(out, line_of(d), what, ": `data` must be a map of field: value", ": `data` は 項目: 値 のマップで書きます");
    } else {
      for (auto it = d.begin(); it != d.end(); ++it) {
        const std::string field = it->first.as<std::string>();
        i.data[field] = value_of(it->second);
        i.data_lines[field] = line_of(it->first);
      }
    }
  }
  if (const YAML::Node ex = n["expect"]) {
    if (!ex.IsSequence()) add(out, line_of(ex), what, ": `expect` must be a list", ": `expect` はリストで書きます");
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
    for (const Problem& p : normalize_and_validate(spec(w->kind), w->id, f, vo)) {
      // At the field's own line when the scenario gave it (not one the inject derived).
      const auto at = i.data_lines.find(p.field);
      const std::string field = p.field.empty() ? "" : "data." + p.field + ": ";
      out.push_back({at == i.data_lines.end() ? i.line : at->second, "inject " + i.card + ": " + field + p.en, i.source,
                     "付与 " + i.card + ": " + field + p.ja});
    }
    const std::string origin = inject_origin(s, i);
    const sync::AllowEntry* e = allow.by_node(origin);
    if (!e) continue;  // reported by check()
    Op op;
    op.origin = origin;
    op.kind = w->kind;
    op.entity_id = w->id;
    op.fields = f;
    const sync::AuthDecision d = sync::may_write(*e, op);
    if (!d.ok)
      out.push_back({i.line, "inject " + i.card + ": node " + origin + " may not write this: " + d.reason, i.source,
                     "付与 " + i.card + ": ノード " + origin + " はこれを書けません: " + d.reason});
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
    : Error(listing(problems, source, Lang::En)), problems_(std::move(problems)), source_(source) {}

std::string ScenarioError::listing(const std::vector<ScenarioProblem>& problems, const std::string& source, Lang lang) {
  const std::string n = std::to_string(problems.size());
  std::string m = source + (lang == Lang::Ja ? ": 問題が " + n + " 件あります:" : ": " + n + " problem(s):");
  for (const auto& p : problems)
    m += "\n  " + (p.file.empty() ? source : p.file) + (p.line ? ":" + std::to_string(p.line) : "") + ": " + p.text(lang);
  return m;
}

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
    add(out, 0, source + ": empty MSEL", source + ": MSEL が空です");
    return;
  }
  std::vector<std::string> cols;
  for (const std::string& h : rows[0].second) {
    auto it = kHeaders.find(h);
    if (it == kHeaders.end())
      add(out, rows[0].first, source + ": unknown column \"" + h + "\"", source + ": 列 \"" + h + "\" はありません");
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
    const What what{source + " row " + std::to_string(r) + " (card " + i.card + ")",
                    source + " の " + std::to_string(r) + " 行目 (番号 " + i.card + ")"};
    if (auto m = parse_offset(v["at"])) i.at = *m;
    else add(out, line, what, ": time \"" + v["at"] + "\" is not like +0:30", ": 時刻 \"" + v["at"] + "\" は +0:30 のように書きます");
    const std::string kind = v["kind"].empty() ? "message" : v["kind"];
    static const std::map<std::string, std::string> kKindsJa = {
        {"事案", "incident"}, {"通報", "incident"}, {"ライフライン", "lifeline"}, {"支所報告", "branch_report"},
        {"避難所", "shelter"}, {"要請", "request"}, {"メッセージ", "message"}, {"付与", "message"},
        {"避難情報", "evacuation"}, {"通信途絶", "partition"}, {"回復", "heal"}};
    const std::string k = kKindsJa.count(kind) ? kKindsJa.at(kind) : kind;
    if (auto ik = inject_kind_from_name(k)) i.kind = *ik;
    else add(out, line, what, ": kind \"" + kind + "\" is not known", ": 種別 \"" + kind + "\" はありません");
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
      else
        add(out, line, what, ": expected action \"" + v["expect"] + "\" is not known",
            ": 期待行動 \"" + v["expect"] + "\" はありません");
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
    throw ScenarioError({{e.mark.line + 1, "not valid YAML: " + e.msg, {}, "YAML として読めません: " + e.msg}}, source);
  }
  if (!root.IsMap())
    throw ScenarioError({{1, "a scenario is a YAML map (name:, start:, nodes:, injects: ...)", {},
                          "シナリオは YAML のマップです (name:, start:, nodes:, injects: ...)"}},
                        source);
  known_keys(root,
             {"honbu_scenario", "name", "title", "hazard", "description", "start", "duration", "map", "seed", "speed",
              "nodes", "injects", "expected", "msel"},
             What{"scenario", "シナリオ"}, out);
  if (root["honbu_scenario"] && str(root["honbu_scenario"]) != "1")
    add(out, line_of(root["honbu_scenario"]), "honbu_scenario: this Honbu reads format 1, not " + str(root["honbu_scenario"]),
        "honbu_scenario: この Honbu が読めるのは形式 1 です (" + str(root["honbu_scenario"]) + " は読めません。Honbu を更新してください)");
  s.name = str(root["name"]);
  s.title = str(root["title"]);
  s.hazard = str(root["hazard"]);
  s.description = str(root["description"]);
  s.map = str(root["map"]);
  if (const auto sp = root["speed"]) {
    s.speed = std::atof(str(sp).c_str());
    if (s.speed < 1 || s.speed > 60)
      add(out, line_of(sp), "speed: " + str(sp) + " is not 1..60 (×1 to ×60)", "speed: " + str(sp) + " は 1〜60 (×1〜×60) ではありません");
  }
  if (root["seed"]) s.seed = std::strtoull(str(root["seed"]).c_str(), nullptr, 10);
  if (const auto st = root["start"]) {
    if (auto t = parse_iso(str(st))) s.start = *t;
    else
      add(out, line_of(st), "start: \"" + str(st) + "\" is not a date-time like 2026-12-01T09:00:00+09:00",
          "start: \"" + str(st) + "\" は日時ではありません (2026-12-01T09:00:00+09:00 のように書きます)");
  }
  if (auto d = minutes_of(root["duration"], What{"duration", "duration"}, out)) s.duration = *d;
  if (const auto nodes = root["nodes"]; nodes && nodes.IsSequence()) {
    for (const auto& n : nodes)
      guarded(out, What{"node", "ノード"}, [&] {
        if (!n.IsMap()) {
          add(out, line_of(n), "a node is a map like {id: kita, role: branch, branch: kita, areas: [...]}",
              "ノードは {id: kita, role: branch, branch: kita, areas: [...]} のようなマップです");
          return;
        }
        DrillNode d;
        d.line = line_of(n);
        known_keys(n, {"id", "role", "name", "branch", "areas", "peers"}, What{"node " + str(n["id"]), "ノード " + str(n["id"])}, out);
        d.id = str(n["id"]);
        if (n["role"]) d.role = str(n["role"]);
        d.name = str(n["name"]);
        d.branch = str(n["branch"]);
        d.areas = strings_of(n["areas"]);
        d.peers = strings_of(n["peers"]);
        s.nodes.push_back(std::move(d));
      });
  } else {
    add(out, root["nodes"] ? line_of(root["nodes"]) : 1, "`nodes` (a list of the drill's nodes) is missing",
        "`nodes` (訓練のノードのリスト) がありません");
  }
  if (const auto inj = root["injects"]) {
    if (!inj.IsSequence()) add(out, line_of(inj), "`injects` must be a list", "`injects` はリストで書きます");
    else
      for (const auto& n : inj) guarded(out, What{"inject", "付与"}, [&] { s.injects.push_back(read_inject(n, out)); });
  }
  if (const auto m = root["msel"]) {
    s.msel = str(m);
    if (s.msel.find('/') != std::string::npos || s.msel.starts_with("."))
      add(out, line_of(m), "msel: give the file name of a CSV beside the scenario (no directories)",
          "msel: シナリオと同じフォルダの CSV のファイル名を書きます (フォルダは書けません)");
    const std::string path = (std::filesystem::path(base_dir) / s.msel).string();
    std::ifstream f(path);
    if (!f) add(out, line_of(m), "msel: cannot read " + path, "msel: " + path + " を読めません");
    else {
      const std::string csv((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      Problems msel;
      read_msel_csv(csv, path, s, msel);
      for (auto& p : msel) out.push_back({p.line, p.message, path, p.ja});
    }
  }
  if (const auto ex = root["expected"]) {
    if (!ex.IsSequence()) add(out, line_of(ex), "`expected` must be a list", "`expected` はリストで書きます");
    else
      for (size_t k = 0; k < ex.size(); ++k)
        guarded(out, What{"expected", "期待行動"}, [&] { s.expected.push_back(read_expectation(ex[k], "", static_cast<int>(k), out)); });
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
  if (!f) throw ScenarioError({{0, "cannot open the scenario file", {}, "シナリオのファイルを開けません"}}, path);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const std::string base = std::filesystem::path(path).parent_path().string();
  if (path.ends_with(".csv")) {
    const std::string name = std::filesystem::path(path).filename().string();
    throw ScenarioError({{0,
                          "a MSEL CSV needs a scenario YAML around it (nodes, start, duration): write one with `msel: " +
                              name + "`",
                          {},
                          "MSEL の CSV は、それを含むシナリオ YAML (nodes, start, duration) から読みます: `msel: " + name +
                              "` と書いた YAML を作ってください"}},
                        path);
  }
  return parse_scenario_yaml(text, path, base.empty() ? "." : base);
}

}  // namespace honbu::drill
