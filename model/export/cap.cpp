#include "model/export/cap.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>

#include "model/entities.hpp"
#include "model/export/dataset.hpp"
#include "model/op.hpp"
#include "model/queries.hpp"
#include "model/text.hpp"

// [SECTION] Index
// - tokens and escaping
// - message model: a thread of messages per item (Alert, then Updates, then a Cancel)
// - evacuation orders, shelters (from the op log), HQ state (from the op log)
// - selection and XML

namespace honbu {

namespace {

// [SECTION] Tokens and text

// Identifier parts keep [A-Za-z0-9._-]; anything else becomes %XX (CAP forbids spaces,
// commas, '<' and '&'; percent-encoding keeps ids distinct and readable).
std::string token(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
        c == '_' || c == '-') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string hex(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string coord(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

std::string grouped(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

// "11月22日10時40分" from the +09:00 text (the form Japanese notices use).
std::string ja_time(TimeMs t) {
  const std::string iso = format_iso_jst(t);  // YYYY-MM-DDTHH:MM:SS+09:00
  auto num = [&](size_t pos) { return std::to_string(std::stoi(iso.substr(pos, 2))); };
  return num(5) + "月" + num(8) + "日" + num(11) + "時" + iso.substr(14, 2) + "分";
}

std::string count_ja(const TriCount& c, std::string_view unit) {
  return c.known() ? grouped(c.value()) + std::string(unit) : std::string("未確認");
}

// "対象 1,800世帯・4,140人。" with 未確認 for what is not known (never 0).
std::string target_ja(const TriCount& households, const TriCount& persons) {
  if (!households.known() && !persons.known()) return "対象世帯数・人数は未確認。";
  return "対象 " +
         (households.known() ? grouped(households.value()) + "世帯" : std::string("世帯数未確認")) +
         "・" + (persons.known() ? grouped(persons.value()) + "人" : std::string("人数未確認")) +
         "。";
}

const std::string* text_field(const Fields& f, std::string_view name) {
  auto it = f.find(name);
  return it == f.end() ? nullptr : as_text(it->second);
}

// [SECTION] Message model

enum class MsgType { Alert, Update, Cancel };

std::string_view msg_type_name(MsgType t) {
  switch (t) {
    case MsgType::Alert:
      return "Alert";
    case MsgType::Update:
      return "Update";
    case MsgType::Cancel:
      return "Cancel";
  }
  return "Alert";
}

struct CapArea {
  std::string desc;
  std::vector<std::string> polygons, circles;
};

struct Message {
  EntityKind kind = EntityKind::EvacuationOrder;
  std::string item;       // thread key: area id, shelter id or "hq"
  std::string record_id;  // evacuation order record id; otherwise the item
  std::string identifier;
  TimeMs sent = 0;
  MsgType type = MsgType::Alert;
  std::vector<std::string> references;
  std::string incidents;  // identifier of the thread's Alert
  // info
  std::string category = "Safety", event, urgency, severity, certainty;
  std::vector<std::string> responses;
  std::vector<std::pair<std::string, std::string>> event_codes, parameters;
  std::optional<TimeMs> effective;
  std::string headline, description, instruction;
  std::vector<CapArea> areas;
};

struct Ctx {
  ExportContext ec;
  std::string code, sender, sender_name, prefix;
  const AreaMap* map = nullptr;
  std::map<std::string, Area, std::less<>> areas;

  std::string ref(const Message& m) const {
    return sender + "," + m.identifier + "," + format_iso_jst(m.sent);
  }
  std::string headline(std::string_view h) const {
    return (ec.exercise ? "【訓練】" : "") + std::string(h);
  }
  std::string description(std::string_view d) const {
    return (ec.exercise ? "【訓練・EXERCISE】これは訓練です。実際の災害情報ではありません。\n"
                        : "") +
           std::string(d);
  }
  std::string area_name(std::string_view id) const {
    auto it = areas.find(id);
    return it == areas.end() || it->second.name.empty() ? std::string(id) : it->second.name;
  }
  const AreaShape* shape(std::string_view area_id) const {
    if (!map) return nullptr;
    for (const AreaShape& s : map->areas)
      if (s.area_id == area_id) return &s;
    return nullptr;
  }
  // One <polygon> per ring: "lat,lon" pairs, closed (the map keeps rings open).
  void add_polygons(CapArea& a, const AreaShape& s) const {
    for (const auto& ring : s.rings) {
      if (ring.size() < 3) continue;
      std::string p;
      for (const LonLat& ll : ring) p += coord(ll.lat) + "," + coord(ll.lon) + " ";
      p += coord(ring.front().lat) + "," + coord(ring.front().lon);
      a.polygons.push_back(std::move(p));
    }
  }
  std::string who() const { return ec.municipality.empty() ? std::string("市") : ec.municipality; }
};

// Threads: Alert starts one, Update and Cancel reference every message of it so far.
void link_thread(const Ctx& c, std::vector<Message>& msgs) {
  std::vector<std::string> thread;
  std::string first;
  for (Message& m : msgs) {
    if (m.type == MsgType::Alert) {
      thread.clear();
      first = m.identifier;
    } else {
      m.references = thread;
    }
    m.incidents = first;
    thread.push_back(c.ref(m));
    if (m.type == MsgType::Cancel) thread.clear();
  }
}

// [SECTION] Evacuation orders (grow-only records: one message each)

void evacuation_level_info(Message& m, std::string_view level) {
  if (level == "5") {
    m.urgency = "Immediate", m.severity = "Extreme", m.certainty = "Observed";
    m.responses = {"Shelter"};
    m.instruction = "命の危険があります。直ちに安全を確保してください。";
  } else if (level == "4") {
    m.urgency = "Immediate", m.severity = "Severe", m.certainty = "Likely";
    m.responses = {"Evacuate"};
    m.instruction = "危険な場所から全員避難してください。";
  } else {
    m.urgency = "Expected", m.severity = "Moderate", m.certainty = "Possible";
    m.responses = {"Evacuate", "Prepare"};
    m.instruction =
        "高齢者等（避難に時間のかかる人とその支援者）は危険な場所から避難してください。"
        "その他の人は避難の準備をしてください。";
  }
}

std::vector<std::vector<Message>> evacuation_threads(Db& db, const Ctx& c) {
  std::map<std::string, std::vector<EvacuationOrder>, std::less<>> by_area;
  for (EvacuationOrder& o : list_all<EvacuationOrder>(db))
    by_area[o.area_id].push_back(std::move(o));
  std::vector<std::vector<Message>> out;
  for (auto& [area_id, orders] : by_area) {
    std::stable_sort(orders.begin(), orders.end(),
                     [](const EvacuationOrder& a, const EvacuationOrder& b) {
                       return std::pair(a.at.value_or(Moment{}).ms, a.id) <
                              std::pair(b.at.value_or(Moment{}).ms, b.id);
                     });
    const std::string name = c.area_name(area_id);
    std::string kana;
    if (auto it = c.areas.find(area_id); it != c.areas.end()) kana = it->second.kana;
    const std::string place = kana.empty() ? name : name + "（" + kana + "）";
    std::vector<Message> msgs;
    std::string active_level;  // empty: nothing in effect in this area
    for (const EvacuationOrder& o : orders) {
      Message m;
      m.kind = EntityKind::EvacuationOrder;
      m.item = area_id;
      m.record_id = o.id;
      m.identifier = c.prefix + ".evacuation." + token(o.id);
      m.sent = o.at ? o.at->ms : 0;
      m.effective = m.sent;
      const bool lift = o.action == "lift";
      if (lift && active_level.empty()) continue;  // nothing to lift: not a publication
      const std::string level = lift ? active_level : o.level;
      const std::string name_ja(enums::evacuation_level.text(level, Lang::Ja));
      m.event = name_ja;
      m.event_codes = {{"警戒レベル", level}};
      std::string d;
      if (lift) {
        m.type = MsgType::Cancel;
        m.urgency = "Past", m.severity = "Minor", m.certainty = "Observed";
        m.responses = {"AllClear"};
        m.headline = c.headline(name + "の" + name_ja + "（警戒レベル" + level + "）を解除");
        d = c.who() + "は" + ja_time(m.sent) + "、" + place + "に発令していた" + name_ja +
            "（警戒レベル" + level + "）を解除しました。";
      } else {
        m.type = active_level.empty() ? MsgType::Alert : MsgType::Update;
        evacuation_level_info(m, level);
        m.headline = c.headline("【警戒レベル" + level + "】" + name + "に" + name_ja + "を発令");
        d = c.who() + "は" + ja_time(m.sent) + "、" + place + "に" + name_ja + "（警戒レベル" +
            level + "）を発令しました";
        if (!active_level.empty() && active_level != level)
          d += "（" + std::string(enums::evacuation_level.text(active_level, Lang::Ja)) +
               "（警戒レベル" + active_level + "）から切り替え）";
        d += "。" + target_ja(o.households, o.persons);
        if (o.households.known())
          m.parameters.emplace_back("対象世帯数", std::to_string(o.households.value()));
        if (o.persons.known())
          m.parameters.emplace_back("対象人数", std::to_string(o.persons.value()));
      }
      if (!o.note.empty()) d += "\n" + o.note;
      m.description = c.description(d);
      CapArea a;
      a.desc = name;
      if (const AreaShape* s = c.shape(area_id)) c.add_polygons(a, *s);
      m.areas.push_back(std::move(a));
      active_level = lift ? std::string() : o.level;
      msgs.push_back(std::move(m));
    }
    link_thread(c, msgs);
    if (!msgs.empty()) out.push_back(std::move(msgs));
  }
  return out;
}

// [SECTION] Shelters and HQ state: publications are changes of one field, replayed from the
// op log in merge order (hlc, origin), so each opening keeps its identifier whatever is edited
// afterwards (head counts, notes).

struct Transition {
  Hlc hlc;
  std::string origin;
  Fields op_fields;  // what the op itself set
  Fields snapshot;   // the entity after the op
  std::string to;    // the field's new value ("" when cleared)
};

std::map<std::string, std::vector<Transition>, std::less<>> transitions(Db& db, EntityKind kind,
                                                                        std::string_view field) {
  std::map<std::string, std::vector<Transition>, std::less<>> out;
  auto q = db.query(
      "SELECT entity_id, hlc, origin, op_type, fields FROM ops WHERE kind = ? AND state = 0 "
      "ORDER BY entity_id, hlc, origin");
  q->bind(1, spec(kind).name);
  std::string entity;
  Fields snapshot;
  std::string current;
  bool deleted = false;
  auto flush = [&] {
    if (deleted) out.erase(entity);
  };
  while (q->step()) {
    const std::string id = q->column_text(0);
    if (id != entity) {
      flush();
      entity = id;
      snapshot.clear();
      current.clear();
      deleted = false;
    }
    const auto type = op_type_from_name(q->column_text(3));
    if (type == OpType::Delete) {
      deleted = true;
      continue;
    }
    if (type != OpType::Upsert) continue;
    Fields f = decode_fields(q->column_text(4));
    for (const auto& [name, v] : f) {
      if (is_null(v))
        snapshot.erase(name);
      else
        snapshot.insert_or_assign(name, v);
    }
    auto it = f.find(field);
    if (it == f.end()) continue;
    const std::string* s = as_text(it->second);
    const std::string to = s ? *s : std::string();
    if (to == current) continue;
    current = to;
    out[entity].push_back({Hlc{static_cast<std::uint64_t>(q->column_int(1))}, q->column_text(2),
                           std::move(f), snapshot, to});
  }
  flush();
  return out;
}

TimeMs time_or(const Fields& f, std::string_view name, const Hlc& hlc) {
  if (const std::string* s = text_field(f, name))
    if (auto t = parse_iso(*s)) return *t;
  return static_cast<TimeMs>(hlc.ms());
}

std::string version(const Transition& t) {
  return hex(t.hlc.packed) + "-" + token(t.origin);
}

std::vector<std::vector<Message>> shelter_threads(Db& db, const Ctx& c) {
  std::map<std::string, bool, std::less<>> live;
  for (const Shelter& s : list_all<Shelter>(db)) live[s.id] = true;
  std::vector<std::vector<Message>> out;
  for (auto& [id, ts] : transitions(db, EntityKind::Shelter, "open_state")) {
    if (!live.count(id)) continue;
    std::vector<Message> msgs;
    bool open = false;
    for (const Transition& t : ts) {
      const bool opens = t.to == "open" || t.to == "permanent";
      if (open == opens || (!opens && t.to == "unknown"))
        continue;  // 開設⇄常設, or 不明: no notice
      open = opens;
      const Shelter s = from_fields<Shelter>(id, t.snapshot);
      Message m;
      m.kind = EntityKind::Shelter;
      m.item = m.record_id = id;
      m.identifier = c.prefix + ".shelter." + token(id) + "." + version(t);
      m.type = opens ? MsgType::Alert : MsgType::Cancel;
      m.sent = time_or(t.op_fields, opens ? "opened_at" : "closed_at", t.hlc);
      m.effective = m.sent;
      m.event = "避難所開設";
      m.certainty = "Observed";
      m.severity = "Minor";
      m.urgency = opens ? "Expected" : "Past";
      const std::string name = s.name.empty() ? id : s.name;
      const std::string type_ja(enums::shelter_type.text(s.shelter_type, Lang::Ja));
      std::string where = type_ja;
      if (!s.address.empty()) where += "、" + s.address;
      std::string d;
      if (opens) {
        m.headline = c.headline(name + "（" + type_ja + "）を開設");
        d = c.who() + "は" + ja_time(m.sent) + "、" + name + "（" + where + "）を開設しました。";
        d += "収容人数 " + count_ja(s.capacity, "人") + "。";
        if (s.capacity.known())
          m.parameters.emplace_back("収容人数", std::to_string(s.capacity.value()));
      } else {
        m.responses = {"AllClear"};
        m.headline = c.headline(name + "（" + type_ja + "）を閉鎖");
        d = c.who() + "は" + ja_time(m.sent) + "、" + name + "（" + where + "）を閉鎖しました。";
      }
      m.description = c.description(d);
      m.parameters.emplace_back("避難所種別", type_ja);
      CapArea a;
      a.desc = s.area_id.empty() ? name : name + "（" + c.area_name(s.area_id) + "）";
      if (s.lat && s.lon) a.circles.push_back(coord(*s.lat) + "," + coord(*s.lon) + " 0");
      m.areas.push_back(std::move(a));
      msgs.push_back(std::move(m));
    }
    link_thread(c, msgs);
    if (!msgs.empty()) out.push_back(std::move(msgs));
  }
  return out;
}

bool hq_active(std::string_view state) {
  return state == "liaison" || state == "alert" || state == "countermeasures";
}

std::vector<std::vector<Message>> hq_threads(Db& db, const Ctx& c) {
  std::vector<std::vector<Message>> out;
  if (!get<HqState>(db, kHqStateId)) return out;
  auto all = transitions(db, EntityKind::HqState, "state");
  auto it = all.find(kHqStateId);
  if (it == all.end()) return out;
  std::vector<Message> msgs;
  std::string active;  // the state in effect, empty when none
  for (const Transition& t : it->second) {
    const bool now_active = hq_active(t.to);
    if (active.empty() && !now_active) continue;
    const HqState h = from_fields<HqState>(kHqStateId, t.snapshot);
    Message m;
    m.kind = EntityKind::HqState;
    m.item = m.record_id = std::string(kHqStateId);
    m.identifier = c.prefix + ".hq." + version(t);
    m.event = "災害対策本部等の設置";
    m.certainty = "Observed";
    m.severity = "Minor";
    const std::string org =
        c.who() + std::string(enums::hq_state.text(now_active ? t.to : active, Lang::Ja));
    std::string d;
    if (now_active) {
      m.type = active.empty() ? MsgType::Alert : MsgType::Update;
      // When the op says when (設置日時), that is the time, for a change of state too: the
      // op's clock is the machine's, today's date in a drill of last September.
      m.sent = time_or(t.op_fields, "established_at", t.hlc);
      m.urgency = "Expected";
      m.headline = c.headline(org + "を設置");
      d = c.who() + "は" + ja_time(m.sent) + "、" +
          std::string(enums::hq_state.text(t.to, Lang::Ja)) + "を設置しました。";
      if (!active.empty())
        d += "（" + std::string(enums::hq_state.text(active, Lang::Ja)) + "から移行）";
      if (!h.activation_level.empty())
        d +=
            "配備体制: " + std::string(enums::activation_level.text(h.activation_level, Lang::Ja)) +
            "。";
      m.parameters.emplace_back("本部設置状況", std::string(enums::hq_state.text(t.to, Lang::Ja)));
    } else {
      m.type = MsgType::Cancel;
      m.sent = time_or(t.op_fields, "dissolved_at", t.hlc);
      m.urgency = "Past";
      m.responses = {"AllClear"};
      m.headline = c.headline(org + "を廃止");
      d = c.who() + "は" + ja_time(m.sent) + "、" +
          std::string(enums::hq_state.text(active, Lang::Ja)) + "を廃止しました。";
    }
    if (!h.disaster_name.empty()) d += "災害名: " + h.disaster_name + "。";
    m.description = c.description(d);
    m.effective = m.sent;
    CapArea a;
    a.desc = h.prefecture + h.municipality;
    if (a.desc.empty()) a.desc = c.who();
    if (c.map)
      for (const AreaShape& s : c.map->areas) c.add_polygons(a, s);
    m.areas.push_back(std::move(a));
    active = now_active ? t.to : std::string();
    msgs.push_back(std::move(m));
  }
  link_thread(c, msgs);
  if (!msgs.empty()) out.push_back(std::move(msgs));
  return out;
}

// [SECTION] XML

void element(std::string& out, int depth, std::string_view name, std::string_view text) {
  out.append(static_cast<size_t>(depth) * 2, ' ');
  out.append("<").append(name).append(">").append(xml_escape(text));
  out.append("</").append(name).append(">\n");
}
void open_tag(std::string& out, int depth, std::string_view name) {
  out.append(static_cast<size_t>(depth) * 2, ' ').append("<").append(name).append(">\n");
}
void close_tag(std::string& out, int depth, std::string_view name) {
  out.append(static_cast<size_t>(depth) * 2, ' ').append("</").append(name).append(">\n");
}
void pair_element(std::string& out, int depth, std::string_view name, std::string_view value_name,
                  std::string_view value) {
  open_tag(out, depth, name);
  element(out, depth + 1, "valueName", value_name);
  element(out, depth + 1, "value", value);
  close_tag(out, depth, name);
}

std::string render(const Ctx& c, const Message& m) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<alert xmlns=\"" + std::string(kCapNamespace) + "\">\n";
  element(x, 1, "identifier", m.identifier);
  element(x, 1, "sender", c.sender);
  element(x, 1, "sent", format_iso_jst(m.sent));
  element(x, 1, "status", c.ec.exercise ? "Exercise" : "Actual");
  element(x, 1, "msgType", msg_type_name(m.type));
  element(x, 1, "scope", "Public");
  if (c.ec.exercise) element(x, 1, "note", "訓練 EXERCISE (" + c.ec.dataset + ")");
  if (!m.references.empty()) {
    std::string refs;
    for (const std::string& r : m.references) refs += (refs.empty() ? "" : " ") + r;
    element(x, 1, "references", refs);
  }
  if (!m.incidents.empty()) element(x, 1, "incidents", m.incidents);
  open_tag(x, 1, "info");
  element(x, 2, "language", "ja-JP");
  element(x, 2, "category", m.category);
  element(x, 2, "event", m.event);
  for (const std::string& r : m.responses) element(x, 2, "responseType", r);
  element(x, 2, "urgency", m.urgency);
  element(x, 2, "severity", m.severity);
  element(x, 2, "certainty", m.certainty);
  for (const auto& [n, v] : m.event_codes) pair_element(x, 2, "eventCode", n, v);
  if (m.effective) element(x, 2, "effective", format_iso_jst(*m.effective));
  element(x, 2, "senderName", c.sender_name);
  element(x, 2, "headline", m.headline);
  element(x, 2, "description", m.description);
  if (!m.instruction.empty()) element(x, 2, "instruction", m.instruction);
  for (const auto& [n, v] : m.parameters) pair_element(x, 2, "parameter", n, v);
  for (const CapArea& a : m.areas) {
    open_tag(x, 2, "area");
    element(x, 3, "areaDesc", a.desc);
    for (const std::string& p : a.polygons) element(x, 3, "polygon", p);
    for (const std::string& ci : a.circles) element(x, 3, "circle", ci);
    pair_element(x, 3, "geocode", kCapGeocodeName, c.code);
    close_tag(x, 2, "area");
  }
  close_tag(x, 1, "info");
  x += "</alert>\n";
  return x;
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;  // kept (a bare CR would be read as a line end)
      default:
        if (c < 0x20 && ch != '\t' && ch != '\n') break;  // not allowed in XML 1.0
        // U+FFFE and U+FFFF (EF BF BE / EF BF BF) are not XML characters either.
        if (c == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBF &&
            (static_cast<unsigned char>(text[i + 2]) & 0xFE) == 0xBE) {
          i += 2;
          break;
        }
        out += ch;
    }
  }
  return out;
}

bool is_valid_cap_token(std::string_view s) {
  if (s.empty()) return false;
  for (char ch : s)
    if (ch == ' ' || ch == ',' || ch == '<' || ch == '&' || static_cast<unsigned char>(ch) < 0x21 ||
        ch == 0x7f)
      return false;
  return is_valid_utf8(s);
}

std::string cap_file_name(const CapAlert& alert) {
  return token(alert.identifier) + ".xml";
}

std::vector<CapAlert> export_cap(Db& db, const CapOptions& o) {
  Ctx c;
  c.ec = export_context(db);
  c.map = o.area_map;
  c.code = o.municipality_code.empty() ? c.ec.municipality_code : o.municipality_code;
  if (!is_valid_municipality_code(c.code))
    throw CapError(c.code.empty()
                       ? "CAP: no municipality code (set the HQ state's 団体コード or pass one)"
                       : "CAP: \"" + c.code + "\" is not a valid 6-digit municipality code");
  c.sender = o.sender.empty() ? "honbu-" + c.code : o.sender;
  if (!is_valid_cap_token(c.sender))
    throw CapError("CAP: sender \"" + c.sender + "\" must not contain spaces, commas, < or &");
  c.sender_name = !o.sender_name.empty()      ? o.sender_name
                  : c.ec.municipality.empty() ? std::string("災害対策本部")
                                              : c.ec.municipality + "災害対策本部";
  c.prefix = c.code;
  if (c.ec.exercise) c.prefix += ".exercise-" + token(c.ec.dataset.substr(kExercisePrefix.size()));
  for (Area& a : list_all<Area>(db)) c.areas.emplace(a.id, std::move(a));

  bool evac = o.evacuation, shelters = o.shelters, hq = o.hq_state;
  if (o.only) {
    const EntityKind k = o.only->kind;
    evac = k == EntityKind::EvacuationOrder || k == EntityKind::Area;
    shelters = k == EntityKind::Shelter;
    hq = k == EntityKind::HqState;
    if (!evac && !shelters && !hq)
      throw CapError("CAP: no messages are published for " + std::string(spec(k).en) + " records");
  }
  std::vector<std::vector<Message>> threads;
  auto add = [&](std::vector<std::vector<Message>> more) {
    for (auto& t : more) threads.push_back(std::move(t));
  };
  if (evac) add(evacuation_threads(db, c));
  if (shelters) add(shelter_threads(db, c));
  if (hq) add(hq_threads(db, c));

  std::vector<const Message*> chosen;
  for (const auto& t : threads) {
    if (o.only && o.only->kind == EntityKind::EvacuationOrder) {
      for (const Message& m : t)
        if (m.record_id == o.only->id) chosen.push_back(&m);
      continue;
    }
    if (o.only && t.front().item != o.only->id) continue;
    switch (o.selection) {
      case CapSelection::History:
        for (const Message& m : t) chosen.push_back(&m);
        break;
      case CapSelection::Latest:
        chosen.push_back(&t.back());
        break;
      case CapSelection::InEffect:
        if (t.back().type != MsgType::Cancel) chosen.push_back(&t.back());
        break;
    }
  }
  std::stable_sort(chosen.begin(), chosen.end(),
                   [](const Message* a, const Message* b) { return a->sent < b->sent; });
  std::vector<CapAlert> out;
  for (const Message* m : chosen) {
    CapAlert a;
    a.identifier = m->identifier;
    a.sender = c.sender;
    a.sent = format_iso_jst(m->sent);
    a.status = c.ec.exercise ? "Exercise" : "Actual";
    a.msg_type = std::string(msg_type_name(m->type));
    a.references = m->references;
    a.kind = m->kind;
    a.entity_id = m->record_id;
    a.xml = render(c, *m);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace honbu
