#include "model/drill/scenario.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "model/op.hpp"
#include "model/text.hpp"

namespace honbu::drill {

namespace {

template <class E>
struct Name {
  E value;
  std::string_view name;
};

constexpr Name<InjectKind> kInjectKinds[] = {
    {InjectKind::Incident, "incident"},       {InjectKind::IncidentUpdate, "incident_update"},
    {InjectKind::Lifeline, "lifeline"},       {InjectKind::BranchReport, "branch_report"},
    {InjectKind::Shelter, "shelter"},         {InjectKind::Request, "request"},
    {InjectKind::Evacuation, "evacuation"},   {InjectKind::HqState, "hq_state"},
    {InjectKind::Message, "message"},         {InjectKind::Chronology, "chronology"},
    {InjectKind::Partition, "partition"},     {InjectKind::Heal, "heal"},
    {InjectKind::Outage, "outage"},           {InjectKind::Degrade, "degrade"},
    {InjectKind::Bundle, "bundle"}};

constexpr Name<ActionKind> kActionKinds[] = {
    {ActionKind::IncidentVerified, "incident_verified"}, {ActionKind::IncidentStatus, "incident_status"},
    {ActionKind::IncidentAssigned, "incident_assigned"}, {ActionKind::Evacuation, "evacuation_order"},
    {ActionKind::BranchReport, "branch_report"},         {ActionKind::ChronologyEntry, "chronology"},
    {ActionKind::ShelterOpen, "shelter_open"},           {ActionKind::RequestMade, "request"},
    {ActionKind::MessageAnswered, "message_answered"},   {ActionKind::HqStateSet, "hq_state"},
    {ActionKind::LifelineUpdated, "lifeline_updated"}};

bool parse_uint(std::string_view s, long long& out) {
  if (s.empty() || s.front() == '-') return false;  // "-0" is a minus sign, not zero
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0;
}

bool inject_bound(ActionKind a) {
  return a == ActionKind::IncidentVerified || a == ActionKind::IncidentStatus || a == ActionKind::IncidentAssigned ||
         a == ActionKind::MessageAnswered || a == ActionKind::LifelineUpdated;
}

}  // namespace

std::string_view inject_kind_name(InjectKind k) {
  for (const auto& n : kInjectKinds)
    if (n.value == k) return n.name;
  return "?";
}
namespace {

// A kind's words for people, in both languages.
template <class K>
struct KindLabel {
  K k;
  std::string_view ja, en;
};

template <class K, std::size_t N>
std::optional<std::string_view> label_of(const KindLabel<K> (&labels)[N], K k, Lang lang) {
  for (const auto& l : labels)
    if (l.k == k) return lang == Lang::Ja ? l.ja : l.en;
  return std::nullopt;
}

}  // namespace

std::string_view inject_kind_label(InjectKind k, Lang lang) {
  static constexpr KindLabel<InjectKind> kLabels[] = {{InjectKind::Incident, "事案通報", "New incident"},
                 {InjectKind::IncidentUpdate, "続報", "Incident update"},
                 {InjectKind::Lifeline, "ライフライン", "Lifeline"},
                 {InjectKind::BranchReport, "支所報告", "Branch report"},
                 {InjectKind::Shelter, "避難所", "Shelter"},
                 {InjectKind::Request, "要請", "Request"},
                 {InjectKind::Evacuation, "避難情報", "Evacuation order"},
                 {InjectKind::HqState, "本部体制", "HQ state"},
                 {InjectKind::Message, "状況付与", "Message card"},
                 {InjectKind::Chronology, "クロノロ", "Chronology"},
                 {InjectKind::Partition, "通信途絶", "Partition"},
                 {InjectKind::Heal, "通信回復", "Link restored"},
                 {InjectKind::Outage, "拠点停止", "Node outage"},
                 {InjectKind::Degrade, "回線不安定", "Flaky link"},
                 {InjectKind::Bundle, "USB搬送", "Bundle (USB)"}};
  return label_of(kLabels, k, lang).value_or(inject_kind_name(k));
}

std::string_view action_kind_label(ActionKind k, Lang lang) {
  static constexpr KindLabel<ActionKind> kLabels[] = {{ActionKind::IncidentVerified, "事案の確認", "Incident verified"},
                 {ActionKind::IncidentStatus, "事案の対応状況", "Incident status"},
                 {ActionKind::IncidentAssigned, "担当班の割当", "Team assigned"},
                 {ActionKind::Evacuation, "避難情報の発令", "Evacuation order"},
                 {ActionKind::BranchReport, "支所報告", "Branch report"},
                 {ActionKind::ChronologyEntry, "クロノロ記録", "Chronology entry"},
                 {ActionKind::ShelterOpen, "避難所の開設", "Shelter opened"},
                 {ActionKind::RequestMade, "要請", "Request made"},
                 {ActionKind::MessageAnswered, "状況付与への回答", "Message answered"},
                 {ActionKind::HqStateSet, "本部体制", "HQ state"},
                 {ActionKind::LifelineUpdated, "ライフラインの更新", "Lifeline updated"}};
  return label_of(kLabels, k, lang).value_or(action_kind_name(k));
}

namespace {

// The one rule for a scenario's own office names: a branch node's `name` renames the city's
// office it reports for. When that differs from the city's name, the city's English name
// no longer fits and is dropped (English then shows the name with its id).
void rename_branch(Fields& branch, const DrillNode& node) {
  if (node.name.empty()) return;
  auto it = branch.find("name");
  const std::string* old = it == branch.end() ? nullptr : as_text(it->second);
  if (!old || *old != node.name) branch.erase("name_en");
  branch["name"] = node.name;
}

// A place or office as a person reads it: its name in the scenario's master records (the
// demo city's areas and offices, as the scenario's branch nodes rename them). In English,
// the English name where there is one ("North branch"), else the name with the id
// ("北部支所 (kita)"). An unknown id is shown as it is.
const std::vector<MasterRecord>& city_records() {
  static const std::vector<MasterRecord> city = [] {
    std::vector<MasterRecord> v = demo_master_records(false, 0);
    for (MasterRecord& r : demo_city_shelters()) v.push_back(std::move(r));
    return v;
  }();
  return city;
}

bool city_has(EntityKind kind, std::string_view id) {
  for (const MasterRecord& r : city_records())
    if (r.kind == kind && r.id == id) return true;
  return false;
}

// The city's ids of one kind, sorted, for "(known: ...)".
std::string city_ids(EntityKind kind) {
  std::set<std::string> ids;
  for (const MasterRecord& r : city_records())
    if (r.kind == kind) ids.insert(r.id);
  std::string list;
  for (const std::string& id : ids) list += (list.empty() ? "" : ", ") + id;
  return list;
}

std::string place_label(const Scenario& s, EntityKind kind, const std::string& id, Lang lang) {
  const std::vector<MasterRecord>& city = city_records();
  const MasterRecord* found = nullptr;
  for (const MasterRecord& r : city)
    if (r.kind == kind && r.id == id) found = &r;
  Fields names = found ? found->fields : Fields{};
  if (kind == EntityKind::Branch)
    for (const DrillNode& node : s.nodes)
      if (node.role == "branch" && node.branch == id) rename_branch(names, node);
  auto text_of = [&](const char* key) {
    auto it = names.find(key);
    const std::string* t = it == names.end() ? nullptr : as_text(it->second);
    return t ? *t : std::string();
  };
  const std::string ja = text_of("name"), en = text_of("name_en");
  if (ja.empty()) return id;
  if (lang == Lang::Ja) return ja;
  return en.empty() ? ja + " (" + id + ")" : en;
}

// The shelter a shelter inject updates: the name an earlier card gave it, else the city's
// shelter of that id.
std::string shelter_label(const Scenario& s, const std::string& ref, Lang lang) {
  if (const Inject* opened = s.inject(ref)) {
    auto it = opened->data.find("name");
    if (it != opened->data.end())
      if (const std::string* t = as_text(it->second); t && !t->empty()) return *t;
  }
  return place_label(s, EntityKind::Shelter, ref, lang);
}

}  // namespace

std::string node_label(const Scenario& s, std::string_view id, Lang lang) {
  const DrillNode* n = s.node(id);
  if (!n) return std::string(id);
  if (n->role == "branch" && !n->branch.empty()) return place_label(s, EntityKind::Branch, n->branch, lang);
  if (n->role == "hq") return lang == Lang::Ja ? (n->name.empty() ? "本部" : n->name) : "HQ";
  return n->name.empty() ? n->id : n->name;
}

std::string expectation_text(const Scenario& s, const Expectation& e, Lang lang) {
  if (!e.description.empty()) return e.description;
  const bool ja = lang == Lang::Ja;
  std::string t(action_kind_label(e.action, lang));
  if (!e.card.empty()) t += (ja ? " カード" : " card ") + e.card;
  if (!e.area.empty()) t += " " + place_label(s, EntityKind::Area, e.area, lang);
  if (e.level) t += " " + std::string(enums::evacuation_level.text(std::to_string(e.level), lang));
  if (!e.branch.empty()) t += " " + place_label(s, EntityKind::Branch, e.branch, lang);
  if (e.report_no) t += ja ? " 第" + std::to_string(e.report_no) + "報" : " report " + std::to_string(e.report_no);
  if (!e.lifeline_type.empty()) t += " " + std::string(enums::lifeline_type.text(e.lifeline_type, lang));
  if (!e.shelter.empty()) t += " " + e.shelter;
  if (!e.contains.empty()) t += " 「" + e.contains + "」";
  if (!e.status.empty()) t += " " + std::string(enums::incident_status.text(e.status, lang));
  if (!e.state.empty()) t += " " + std::string(enums::hq_state.text(e.state, lang));
  return t;
}

std::string inject_target_label(const Scenario& s, const Inject& i, Lang lang) {
  if (i.kind == InjectKind::Bundle) return node_label(s, i.from_node, lang) + " → " + node_label(s, i.to_node, lang);
  std::string out;
  for (const std::string& n : i.nodes) out += (out.empty() ? "" : "・") + node_label(s, n, lang);
  if (!out.empty()) return out;
  return node_label(s, i.target.empty() ? s.hq() : i.target, lang);
}

std::string inject_summary(const Scenario& s, const Inject& i, Lang lang) {
  if (!i.text.empty()) return i.text;
  auto text = [&](const char* k) -> std::string {
    auto it = i.data.find(k);
    if (it == i.data.end() || is_null(it->second)) return {};
    if (const std::string* t = as_text(it->second)) return *t;
    return debug_string(it->second);
  };
  for (const char* k : {"title", "content", "name"})
    if (std::string v = text(k); !v.empty()) return v;
  switch (i.kind) {
    case InjectKind::Lifeline:
      return place_label(s, EntityKind::Area, text("area_id"), lang) + " " +
             std::string(enums::lifeline_type.text(text("lifeline_type"), lang)) + " → " +
             std::string(enums::lifeline_status.text(text("status"), lang)) +
             (text("affected").empty() ? "" : " (" + text("affected") + ")");
    case InjectKind::BranchReport:
      return place_label(s, EntityKind::Branch, text("branch_id"), lang) +
             (lang == Lang::Ja ? " 第" + (text("report_no").empty() ? "1" : text("report_no")) + "報"
                               : " report " + (text("report_no").empty() ? "1" : text("report_no")));
    case InjectKind::Evacuation:
      return place_label(s, EntityKind::Area, text("area_id"), lang) + " " +
             std::string(enums::evacuation_level.text(text("level"), lang));
    case InjectKind::HqState:
      return std::string(enums::hq_state.text(text("state"), lang));
    case InjectKind::Shelter:
      return shelter_label(s, i.ref, lang) +
             (text("evacuees").empty() ? "" : (lang == Lang::Ja ? " 避難者 " : " evacuees ") + text("evacuees"));
    case InjectKind::Partition:
    case InjectKind::Heal:
    case InjectKind::Outage:
    case InjectKind::Degrade:
    case InjectKind::Bundle:  // whom they cut off, or where the stick goes
      return inject_target_label(s, i, lang);
    default:
      return {};
  }
}

std::optional<InjectKind> inject_kind_from_name(std::string_view name) {
  for (const auto& n : kInjectKinds)
    if (n.name == name) return n.value;
  return std::nullopt;
}
std::string_view action_kind_name(ActionKind k) {
  for (const auto& n : kActionKinds)
    if (n.value == k) return n.name;
  return "?";
}
std::optional<ActionKind> action_kind_from_name(std::string_view name) {
  for (const auto& n : kActionKinds)
    if (n.name == name) return n.value;
  return std::nullopt;
}

std::optional<SimMinutes> parse_offset(std::string_view text) {
  const std::string normal = normalize_text(text);  // ＋０：３０ is +0:30: never refused for its width
  std::string_view t = normal;
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  if (t.starts_with("発災")) t.remove_prefix(std::string_view("発災").size());
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  if (t.empty()) return std::nullopt;
  long long a = 0, b = 0, c = 0;
  if (t.find(':') != std::string_view::npos) {
    // h:mm or h:mm:ss
    const size_t p1 = t.find(':');
    const size_t p2 = t.find(':', p1 + 1);
    if (!parse_uint(t.substr(0, p1), a)) return std::nullopt;
    const std::string_view mm = t.substr(p1 + 1, p2 == std::string_view::npos ? std::string_view::npos : p2 - p1 - 1);
    if (mm.size() != 2 || !parse_uint(mm, b) || b > 59) return std::nullopt;
    if (p2 != std::string_view::npos) {
      const std::string_view ss = t.substr(p2 + 1);
      if (ss.size() != 2 || !parse_uint(ss, c) || c > 59) return std::nullopt;
    }
    return static_cast<double>(a) * 60 + static_cast<double>(b) + static_cast<double>(c) / 60.0;
  }
  // "90", "90m", "1h30m", "2h"
  SimMinutes total = 0;
  size_t i = 0;
  bool any = false;
  while (i < t.size()) {
    size_t j = i;
    while (j < t.size() && t[j] >= '0' && t[j] <= '9') ++j;
    if (j == i) return std::nullopt;
    long long n = 0;
    if (!parse_uint(t.substr(i, j - i), n)) return std::nullopt;
    if (j == t.size()) {
      if (any) return std::nullopt;  // "1h30" is ambiguous: say "1h30m"
      return static_cast<double>(n);
    }
    if (t[j] == 'h') total += static_cast<double>(n) * 60;
    else if (t[j] == 'm') total += static_cast<double>(n);
    else return std::nullopt;
    any = true;
    i = j + 1;
  }
  return total;
}

std::string format_offset(SimMinutes m) {
  const long long secs = std::llround(m * 60);
  const long long h = secs / 3600, mm = (secs / 60) % 60, ss = secs % 60;
  char b[32];
  if (ss)
    std::snprintf(b, sizeof b, "+%lld:%02lld:%02lld", h, mm, ss);
  else
    std::snprintf(b, sizeof b, "+%lld:%02lld", h, mm);
  return b;
}

const DrillNode* Scenario::node(std::string_view id) const {
  for (const DrillNode& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

const Inject* Scenario::inject(std::string_view card) const {
  for (const Inject& i : injects)
    if (i.card == card) return &i;
  return nullptr;
}

std::string Scenario::hq() const {
  for (const DrillNode& n : nodes)
    if (n.role == "hq") return n.id;
  return {};
}

std::string inject_entity_id(std::string_view card) { return "d-" + std::string(card); }

std::optional<InjectWrite> inject_write_raw(const Scenario& s, const Inject& i, TimeMs when);

std::string inject_origin(const Scenario& s, const Inject& i) {
  if (!i.origin.empty()) return i.origin;
  if (!i.target.empty()) return i.target;
  return s.hq();
}

namespace {
// YAML says `level: 4`; the schema says an evacuation level is a code ("4"): text fields get
// numbers as text, as a person typing them would.
void coerce_to_schema(InjectWrite& w) {
  const EntitySpec& es = spec(w.kind);
  for (auto& [name, v] : w.fields) {
    const FieldSpec* f = es.field(name);
    if (!f) continue;
    const bool textual = f->type == FieldType::Text || f->type == FieldType::LongText || f->type == FieldType::Enum ||
                         f->type == FieldType::Ref || f->type == FieldType::Time;
    if (!textual) continue;
    if (auto n = as_int(v)) v = std::to_string(*n);
    else if (auto d = std::get_if<double>(&v)) v = std::to_string(*d);
  }
}
}  // namespace

std::optional<InjectWrite> inject_write(const Scenario& s, const Inject& i, TimeMs when) {
  auto w = inject_write_raw(s, i, when);
  if (w) coerce_to_schema(*w);
  return w;
}

std::optional<InjectWrite> inject_write_raw(const Scenario& s, const Inject& i, TimeMs when) {
  InjectWrite w;
  w.fields = i.data;
  const std::string now = format_iso_jst(when);
  auto dflt = [&](const char* k, Value v) {
    if (!w.fields.count(k)) w.fields.emplace(k, std::move(v));
  };
  switch (i.kind) {
    case InjectKind::Incident:
      w.kind = EntityKind::Incident;
      w.id = inject_entity_id(i.card);
      dflt("received_at", now);
      dflt("verification", std::string("unverified"));
      dflt("status", std::string("received"));
      dflt("priority", std::string("medium"));
      if (!i.medium.empty()) {
        // The card's medium as the incident's channel (a word said at the desk: a staff report).
        const std::string ch = i.medium == "system" ? "system" : i.medium == "verbal" ? "staff" : i.medium;
        dflt("channel", ch);
      }
      if (!i.from_role.empty()) dflt("reporter", i.from_role);
      if (!i.text.empty()) dflt("description", i.text);
      return w;
    case InjectKind::IncidentUpdate:
      w.kind = EntityKind::Incident;
      w.id = inject_entity_id(i.ref);
      if (!i.text.empty()) dflt("description", i.text);
      return w;
    case InjectKind::Lifeline: {
      w.kind = EntityKind::Lifeline;
      const std::string* area = as_text(w.fields["area_id"]);
      const std::string* type = as_text(w.fields["lifeline_type"]);
      w.id = lifeline_id(area ? *area : "", type ? *type : "");
      dflt("as_of", now);
      if (!i.from_role.empty()) dflt("source", i.from_role);
      return w;
    }
    case InjectKind::BranchReport: {
      w.kind = EntityKind::BranchReport;
      const std::string* b = as_text(w.fields["branch_id"]);
      const auto no = as_int(w.fields["report_no"]).value_or(1);
      w.fields["report_no"] = no;
      w.id = branch_report_id(b ? *b : "", no);
      dflt("as_of", now);
      dflt("report_type", std::string("preliminary"));
      dflt("reporter", i.from_role.empty() ? std::string(inject_origin(s, i)) : i.from_role);
      return w;
    }
    case InjectKind::Shelter:
      w.kind = EntityKind::Shelter;
      // `ref`: an earlier shelter inject's card, or the id of a shelter in the master data.
      w.id = i.ref.empty() ? inject_entity_id(i.card) : s.inject(i.ref) ? inject_entity_id(i.ref) : i.ref;
      dflt("checked_at", now);
      if (i.ref.empty()) {
        dflt("shelter_type", std::string("designated"));
        dflt("open_state", std::string("open"));
      }
      return w;
    case InjectKind::Request:
      w.kind = EntityKind::Request;
      w.id = inject_entity_id(i.card);
      dflt("kind", std::string("supplies"));
      dflt("status", std::string("open"));
      if (!i.text.empty()) dflt("description", i.text);
      if (!i.from_role.empty()) dflt("requested_by", i.from_role);
      return w;
    case InjectKind::Evacuation:
      w.kind = EntityKind::EvacuationOrder;
      w.id = inject_entity_id(i.card);
      dflt("action", std::string("issue"));
      dflt("at", now);
      return w;
    case InjectKind::HqState:
      w.kind = EntityKind::HqState;
      w.id = std::string(kHqStateId);
      return w;
    case InjectKind::Chronology:
      w.kind = EntityKind::Chronology;
      w.id = inject_entity_id(i.card);
      dflt("at", now);
      dflt("state", std::string("pending"));
      if (!i.text.empty()) dflt("content", i.text);
      if (!i.from_role.empty()) dflt("from_org", i.from_role);
      if (!i.medium.empty()) dflt("medium", i.medium);
      w.fields["node_label"] = inject_origin(s, i);
      w.fields["number"] = std::int64_t{1};  // placeholder: the node's own next number
      w.chronology_number = true;
      return w;
    case InjectKind::Message:
      w.kind = EntityKind::DrillMessage;
      w.id = inject_entity_id(i.card);
      w.fields["card"] = i.card;
      w.fields["to_node"] = i.target;
      if (!i.from_role.empty()) w.fields["from_role"] = i.from_role;
      if (!i.medium.empty()) w.fields["medium"] = i.medium;
      w.fields["content"] = i.text;
      w.fields["delivered_at"] = now;
      return w;
    case InjectKind::Partition:
    case InjectKind::Heal:
    case InjectKind::Outage:
    case InjectKind::Degrade:
    case InjectKind::Bundle:
      return std::nullopt;
  }
  return std::nullopt;
}

std::vector<MasterRecord> master_records(const Scenario& s) {
  std::vector<MasterRecord> out = demo_master_records(false, s.start);
  for (MasterRecord& r : demo_city_shelters()) out.push_back(std::move(r));
  auto find = [&](EntityKind k, const std::string& id) -> MasterRecord* {
    for (MasterRecord& r : out)
      if (r.kind == k && r.id == id) return &r;
    return nullptr;
  };
  for (const DrillNode& n : s.nodes) {
    if (n.role != "branch") continue;
    MasterRecord* b = find(EntityKind::Branch, n.branch);
    if (!b) {
      out.push_back({EntityKind::Branch, n.branch, {{"name", n.name.empty() ? n.branch : n.name}, {"branch_kind", std::string("branch")},
                                                    {"stale_after_min", std::int64_t{60}}}});
      b = &out.back();
    } else {
      rename_branch(b->fields, n);
    }
    b->fields["node_id"] = n.id;
    for (const std::string& a : n.areas)
      if (MasterRecord* area = find(EntityKind::Area, a)) area->fields["branch_id"] = n.branch;
  }
  return out;
}

std::vector<ScenarioProblem> check_setup(const Scenario& s) {
  std::vector<ScenarioProblem> out;
  auto bad = [&](int line, std::string en, std::string ja) { out.push_back({line, std::move(en), "", std::move(ja)}); };
  if (!is_valid_node_id(s.name))
    bad(0, "name \"" + s.name + "\" must be 1-64 letters, digits, '-', '_' or '.' (it names the drill's dataset)",
        "name \"" + s.name + "\" は 1〜64 文字の英数字と '-'、'_'、'.' で書きます (訓練のデータセット名になります)");
  if (s.duration <= 0) bad(0, "duration must be more than 0 (e.g. \"3:00\")", "duration は 0 より長くします (例 \"3:00\")");
  if (s.start == 0)
    bad(0, "start (the simulated time of the disaster) is missing", "start (想定する災害の日時) がありません");
  int hq = 0;
  std::set<std::string> ids;
  for (const DrillNode& n : s.nodes) {
    if (!is_valid_node_id(n.id))
      bad(n.line, "node id \"" + n.id + "\" must be 1-64 letters, digits, '-', '_' or '.'",
          "ノードID \"" + n.id + "\" は 1〜64 文字の英数字と '-'、'_'、'.' で書きます");
    if (!ids.insert(n.id).second) bad(n.line, "node " + n.id + " is listed twice", "ノード " + n.id + " が 2 回書かれています");
    if (n.role == "hq") ++hq;
    else if (n.role != "branch" && n.role != "relay")
      bad(n.line, "node " + n.id + ": role must be hq, branch or relay, not " + n.role,
          "ノード " + n.id + ": role は hq、branch、relay のいずれかです (" + n.role + " は不可)");
    if (n.role == "branch" && n.branch.empty())
      bad(n.line, "branch node " + n.id + " needs `branch:` (the office it reports for)",
          "支所のノード " + n.id + " には `branch:` (報告する支所) が必要です");
  }
  {  // the areas are the demo city's (its map and master data)
    const std::string list = city_ids(EntityKind::Area);
    for (const DrillNode& n : s.nodes)
      for (const std::string& a : n.areas)
        if (!city_has(EntityKind::Area, a))
          bad(n.line, "node " + n.id + ": area " + a + " is not an area of the demo city (" + list + ")",
              "ノード " + n.id + ": 地区 " + a + " はデモ市にありません (" + list + ")");
  }
  for (const DrillNode& n : s.nodes)
    for (const std::string& p : n.peers)
      if (!s.node(p))
        bad(n.line, "node " + n.id + ": peer " + p + " is not in `nodes`",
            "ノード " + n.id + ": peer " + p + " は `nodes` にありません");
  if (hq != 1)
    bad(0, "a scenario needs exactly one node with role hq (found " + std::to_string(hq) + ")",
        "role hq のノードはちょうど 1 つ必要です (" + std::to_string(hq) + " 個あります)");
  return out;
}

std::vector<ScenarioProblem> check(const Scenario& s) {
  std::vector<ScenarioProblem> out = check_setup(s);
  // An inject's or expectation's problem names its own file (the scenario, or its MSEL CSV).
  auto bad_at = [&](const auto& item, std::string en, std::string ja) {
    out.push_back({item.line, std::move(en), item.source, std::move(ja)});
  };
  auto known_node = [&](const auto& item, const std::string& id, const std::string& what, const std::string& what_ja) {
    if (!id.empty() && !s.node(id))
      bad_at(item, what + ": no node " + id + " in `nodes`", what_ja + ": ノード " + id + " は `nodes` にありません");
  };
  // A value the players' data is compared with must be one the data can hold: a typo would
  // score every right action as missed.
  auto known_code = [&](const Expectation& e, const std::string& field, const std::string& value, const Enumeration& en) {
    if (value.empty() || en.find(value)) return;
    std::string list;
    for (const Label& l : en.values) list += (list.empty() ? "" : ", ") + std::string(l.code);
    bad_at(e, "expected action " + e.id + ": " + field + " \"" + value + "\" is not one of " + list,
           "期待行動 " + e.id + ": " + field + " \"" + value + "\" はありません (使えるもの: " + list + ")");
  };
  std::set<std::string> cards, exp_ids;
  auto check_expect = [&](const Expectation& e, const Inject* inj) {
    const std::string what = "expected action " + e.id, ja = "期待行動 " + e.id;
    if (!exp_ids.insert(e.id).second) bad_at(e, what + " is listed twice", ja + " が 2 回書かれています");
    known_node(e, e.by, what, ja);
    if (!e.within && !e.deadline)
      bad_at(e, what + " needs `within` (minutes) or `deadline` (+h:mm)", ja + " には `within` (分) か `deadline` (+h:mm) が必要です");
    if (inject_bound(e.action) && e.card.empty())
      bad_at(e, what + " (" + std::string(action_kind_name(e.action)) + ") needs the inject it is about (`card`)",
             ja + " (" + std::string(action_kind_name(e.action)) + ") には対象の付与 (`card`) が必要です");
    if (!e.card.empty() && !s.inject(e.card))
      bad_at(e, what + ": no inject with card " + e.card, ja + ": 番号 " + e.card + " の付与はありません");
    if (e.within && !inj && e.card.empty())
      bad_at(e, what + ": `within` counts from an inject; give `card` or use `deadline`",
             ja + ": `within` は付与からの時間です。`card` を書くか `deadline` を使ってください");
    auto needs = [&](bool missing, const char* field) {
      if (missing) bad_at(e, what + " needs `" + field + "`", ja + " には `" + field + "` が必要です");
    };
    needs(e.action == ActionKind::Evacuation && e.area.empty(), "area");
    needs(e.action == ActionKind::LifelineUpdated && e.area.empty(), "area");
    needs(e.action == ActionKind::LifelineUpdated && e.lifeline_type.empty(), "lifeline_type");
    needs(e.action == ActionKind::BranchReport && e.branch.empty(), "branch");
    needs(e.action == ActionKind::ChronologyEntry && e.contains.empty(), "contains");
    needs(e.action == ActionKind::ShelterOpen && e.shelter.empty(), "shelter");
    needs(e.action == ActionKind::HqStateSet && e.state.empty(), "state");
    needs(e.action == ActionKind::IncidentStatus && e.status.empty(), "status");
    known_code(e, "status", e.status, enums::incident_status);
    known_code(e, "state", e.state, enums::hq_state);
    known_code(e, "request_kind", e.request_kind, enums::request_kind);
    known_code(e, "lifeline_type", e.lifeline_type, enums::lifeline_type);
    if (!e.area.empty() && !city_has(EntityKind::Area, e.area))
      bad_at(e, what + ": area " + e.area + " is not an area of the demo city (" + city_ids(EntityKind::Area) + ")",
             ja + ": 地区 " + e.area + " はデモ市にありません (" + city_ids(EntityKind::Area) + ")");
    if (!e.branch.empty() && !city_has(EntityKind::Branch, e.branch) &&
        std::none_of(s.nodes.begin(), s.nodes.end(), [&](const DrillNode& n) { return n.branch == e.branch; }))
      bad_at(e, what + ": branch " + e.branch + " is no office of the city or of `nodes` (" + city_ids(EntityKind::Branch) + ")",
             ja + ": 支所 " + e.branch + " は市にも `nodes` にもありません (" + city_ids(EntityKind::Branch) + ")");
    if (!e.shelter.empty() && !city_has(EntityKind::Shelter, e.shelter) &&
        std::none_of(s.injects.begin(), s.injects.end(), [&](const Inject& i) {
          return i.kind == InjectKind::Shelter && (i.ref == e.shelter || inject_entity_id(i.card) == e.shelter);
        }))
      bad_at(e, what + ": shelter " + e.shelter + " is no shelter of the city nor opened by a shelter inject",
             ja + ": 避難所 " + e.shelter + " は市の避難所にも、避難所の付与で開くものにもありません");
    if (e.action == ActionKind::Evacuation && (e.level < 3 || e.level > 5))
      bad_at(e, what + ": level " + std::to_string(e.level) + " is not an evacuation level (3, 4 or 5)",
             ja + ": level " + std::to_string(e.level) + " は警戒レベルではありません (3、4、5)");
    if (e.points < 0) bad_at(e, what + ": points must not be negative", ja + ": points は負にできません");
  };
  for (const Inject& i : s.injects) {
    const std::string what = "inject " + i.card, ja = "付与 " + i.card;
    auto bad = [&](const std::string& en, const std::string& j) { bad_at(i, what + en, ja + j); };
    if (i.card.empty()) bad_at(i, "an inject needs `card` (its card number)", "付与には `card` (付与票の番号) が必要です");
    else if (!cards.insert(i.card).second) bad(": card number used twice", ": 付与票の番号が 2 回使われています");
    if (i.at < 0 || i.at > s.duration)
      bad(": at " + format_offset(i.at) + " is outside the drill (0 to " + format_offset(s.duration) + ")",
          ": at " + format_offset(i.at) + " は訓練の時間外です (0〜" + format_offset(s.duration) + ")");
    known_node(i, i.target, what + " target", ja + " の target");
    known_node(i, i.origin, what + " origin", ja + " の origin");
    for (const std::string& n : i.nodes) known_node(i, n, what, ja);
    for (const std::string& n : i.with) known_node(i, n, what + " with", ja + " の with");
    if (!i.with.empty() && i.kind != InjectKind::Partition && i.kind != InjectKind::Heal)
      bad(": `with` is for partition and heal", ": `with` は partition と heal に使います");
    switch (i.kind) {
      case InjectKind::Partition:
      case InjectKind::Outage:
      case InjectKind::Degrade:
        if (i.nodes.empty()) bad(": `nodes` (which nodes) is missing", ": `nodes` (どのノードか) がありません");
        if (!i.for_minutes && i.kind != InjectKind::Partition) bad(": `for` (minutes) is missing", ": `for` (分) がありません");
        for (const std::string& n : i.nodes)
          if (i.kind == InjectKind::Outage && s.node(n) && s.node(n)->role == "hq")
            bad(": an outage of HQ is not supported (the trainer's console runs there)",
                ": 本部の停止はできません (訓練統制の画面が本部で動いています)");
        break;
      case InjectKind::Heal:
        if (i.nodes.empty()) bad(": `nodes` (which partition ends) is missing", ": `nodes` (どの切断を戻すか) がありません");
        break;
      case InjectKind::Bundle:
        known_node(i, i.from_node, what + " from", ja + " の from");
        known_node(i, i.to_node, what + " to", ja + " の to");
        if (i.from_node.empty() || i.to_node.empty())
          bad(": a bundle needs `from_node` and `to_node`", ": バンドルには `from_node` と `to_node` が必要です");
        break;
      case InjectKind::Message:
        if (i.text.empty()) bad(": a message needs `text` (what the card says)", ": 付与票には `text` (票の内容) が必要です");
        if (i.target.empty()) bad(": a message needs `target` (who receives the card)", ": 付与票には `target` (受け取る人) が必要です");
        break;
      case InjectKind::IncidentUpdate:
        if (i.ref.empty() || !s.inject(i.ref) || s.inject(i.ref)->kind != InjectKind::Incident)
          bad(": `ref` must name an earlier incident inject's card", ": `ref` には先にある事案の付与の番号を書きます");
        break;
      case InjectKind::Lifeline:
        if (!i.data.count("area_id") || !i.data.count("lifeline_type"))
          bad(": a lifeline inject needs data.area_id and data.lifeline_type",
              ": ライフラインの付与には data.area_id と data.lifeline_type が必要です");
        break;
      case InjectKind::BranchReport:
        if (!i.data.count("branch_id")) bad(": a branch report needs data.branch_id", ": 支所報告には data.branch_id が必要です");
        break;
      case InjectKind::Shelter:
        if (i.ref.empty() && !i.data.count("name")) {
          bad(": a shelter inject needs `ref` (an existing shelter id) or data.name",
              ": 避難所の付与には `ref` (既にある避難所のID) か data.name が必要です");
        } else if (const Inject* opened = i.ref.empty() ? nullptr : s.inject(i.ref)) {
          if (opened->kind != InjectKind::Shelter)
            bad(": `ref` " + i.ref + " is not a shelter card", ": `ref` " + i.ref + " は避難所の付与ではありません");
        } else if (!i.ref.empty() && !i.data.count("name")) {
          // Not a card: a new shelter of that id, which needs what opening one needs.
          bad(": `ref` " + i.ref + " is no card of this scenario; name the card that opened the shelter, "
                                   "or give data.name (and its type and state) to open a new one",
              ": `ref` " + i.ref + " はこのシナリオの付与にありません。避難所を開いた付与の番号を書くか、"
                                   "新しく開くなら data.name (と種別、開設状況) を書いてください");
        }
        break;
      case InjectKind::Evacuation:
        if (!i.data.count("area_id") || !i.data.count("level"))
          bad(": an evacuation inject needs data.area_id and data.level", ": 避難情報の付与には data.area_id と data.level が必要です");
        break;
      default:
        break;
    }
    // An area the city does not have is said as such (the role rules would call it another
    // office's area).
    if (auto it = i.data.find("area_id"); it != i.data.end())
      if (const std::string* area = as_text(it->second); area && !city_has(EntityKind::Area, *area))
        bad(": data.area_id: the city has no area " + *area, ": data.area_id: 市に地区 " + *area + " はありません");
    for (const Expectation& e : i.expect) check_expect(e, &i);
  }
  for (const Expectation& e : s.expected) check_expect(e, nullptr);
  // Partitions and heals pair up by node.
  return out;
}

std::vector<std::pair<SimMinutes, const Inject*>> schedule(const Scenario& s, std::uint64_t seed) {
  std::vector<std::pair<SimMinutes, const Inject*>> out;
  std::mt19937_64 rng(seed);
  for (const Inject& i : s.injects) {
    // Draw for every inject (jittered or not) so that one jitter does not move the others.
    const double u = static_cast<double>(rng() % 1000000) / 1000000.0;
    out.emplace_back(std::min(s.duration, i.at + u * i.jitter_minutes), &i);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace honbu::drill
