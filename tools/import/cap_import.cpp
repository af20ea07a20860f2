#include "tools/import/cap_import.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include "model/entities.hpp"
#include "model/export/cap.hpp"
#include "model/queries.hpp"
#include "model/text.hpp"

#ifndef HONBU_SOURCE_DIR
#define HONBU_SOURCE_DIR "."
#endif

// [SECTION] Index
// - libxml2 plumbing: error sink, element paths
// - reading the alert (with each element's line and path)
// - checks beyond the XSD
// - mapping to クロノロ and incidents, and the write

namespace honbu {

namespace {

#if LIBXML_VERSION >= 21200
using XmlErrorPtr = const xmlError*;
#else
using XmlErrorPtr = xmlError*;
#endif

constexpr const char* kNs = "urn:oasis:names:tc:emergency:cap:1.2";

// [SECTION] libxml2 plumbing

std::string trim(std::string_view s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return std::string(s.substr(b, s.find_last_not_of(ws) - b + 1));
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size())
    s.replace(p, from.size(), to);
  return s;
}

// "/alert/info/area[2]/polygon": local names, an index only where siblings share the name.
std::string node_path(const xmlNode* n) {
  std::vector<std::string> parts;
  for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
    std::string name = reinterpret_cast<const char*>(n->name);
    int index = 0, same = 0;
    for (const xmlNode* s = n->parent ? n->parent->children : nullptr; s; s = s->next)
      if (s->type == XML_ELEMENT_NODE && xmlStrEqual(s->name, n->name)) {
        ++same;
        if (s == n) index = same;
      }
    if (same > 1) name += "[" + std::to_string(index) + "]";
    parts.push_back(std::move(name));
  }
  std::string p;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) p += "/" + *it;
  return p.empty() ? "/" : p;
}

std::string schema_reason_ja(int code) {
  switch (code) {
    case XML_SCHEMAV_CVC_ENUMERATION_VALID:
      return "値がCAP 1.2で決められた選択肢のいずれでもありません";
    case XML_SCHEMAV_CVC_PATTERN_VALID:
      return "値の書式が正しくありません（日時は 2026-11-22T10:40:00+09:00 "
             "の形、秒まで・小数なし）";
    case XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_1:
    case XML_SCHEMAV_CVC_TYPE_3_1_1:
      return "値の型が正しくありません";
    case XML_SCHEMAV_ELEMENT_CONTENT:
    case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_4:
      return "子要素の順序が違うか、必須の要素が欠けているか、余分な要素があります";
    case XML_SCHEMAV_CVC_ELT_1:
      return "ルート要素がCAP 1.2の alert ではありません（名前空間 "
             "urn:oasis:names:tc:emergency:cap:1.2）";
    case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_1:
    case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_3:
      return "この要素には文字を書けません";
    case XML_SCHEMAV_CVC_COMPLEX_TYPE_3_2_1:
    case XML_SCHEMAV_CVC_COMPLEX_TYPE_3_2_2:
      return "使えない属性があります";
    default:
      return "CAP 1.2のスキーマに適合しません";
  }
}

struct Sink {
  std::vector<ImportProblem>* out = nullptr;
  bool schema = false;  // parsing the document (false) or validating it (true)
};

void on_xml_error(void* ctx, XmlErrorPtr e) {
  auto* sink = static_cast<Sink*>(ctx);
  if (!e || e->level == XML_ERR_WARNING) return;
  ImportProblem p;
  p.line = e->line;
  const auto* node = static_cast<const xmlNode*>(e->node);
  if (node && node->type == XML_ELEMENT_NODE) {
    p.where = node_path(node);
    if (p.line <= 0) p.line = static_cast<int>(xmlGetLineNo(node));
  }
  std::string detail = trim(e->message ? e->message : "");
  detail = replace_all(detail, "{urn:oasis:names:tc:emergency:cap:1.2}", "");
  if (sink->schema) {
    // One problem per element: libxml2 often adds a generic line after the specific one.
    for (const ImportProblem& q : *sink->out)
      if (q.code == "schema" && q.line == p.line && q.where == p.where) return;
    p.code = "schema";
    p.ja = schema_reason_ja(e->code) + "（" + detail + "）";
    p.en = "not valid CAP 1.2: " + detail;
  } else {
    p.code = "not_xml";
    p.ja = "XMLとして読めません（整形式ではありません）（" + detail + "）";
    p.en = "not well-formed XML: " + detail;
  }
  sink->out->push_back(std::move(p));
}

// Routes libxml2's errors to a Sink for one scope (the handler is per thread).
class ErrorScope {
 public:
  explicit ErrorScope(Sink* sink) { xmlSetStructuredErrorFunc(sink, on_xml_error); }
  ~ErrorScope() { xmlSetStructuredErrorFunc(nullptr, nullptr); }
  ErrorScope(const ErrorScope&) = delete;
  ErrorScope& operator=(const ErrorScope&) = delete;
};

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

// [SECTION] Reading the alert

struct Located {
  std::string text;
  int line = 0;
  std::string path;
};

struct AreaIn {
  std::string desc;
  std::vector<Located> polygons, circles;
  std::vector<std::pair<Located, Located>> geocodes;
};

struct InfoIn {
  std::string language, event, urgency, severity, certainty, sender_name, headline, description,
      instruction;
  std::vector<std::string> categories;
  std::vector<AreaIn> areas;
};

struct AlertIn {
  Located identifier, sender, sent, status, msg_type, references, note;
  Located drill_marked;  // the first note, headline or description that says it is a drill, or a drill's identifier
  std::vector<InfoIn> infos;
  int line = 0;
};

bool is_cap(const xmlNode* n, const char* name) {
  return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
         xmlStrEqual(n->ns->href, reinterpret_cast<const xmlChar*>(kNs)) &&
         xmlStrEqual(n->name, reinterpret_cast<const xmlChar*>(name));
}

std::vector<const xmlNode*> children(const xmlNode* parent, const char* name) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = parent->children; c; c = c->next)
    if (is_cap(c, name)) out.push_back(c);
  return out;
}

Located located(const xmlNode* n) {
  Located l;
  xmlChar* c = xmlNodeGetContent(n);
  l.text = trim(c ? reinterpret_cast<const char*>(c) : "");
  xmlFree(c);
  l.line = static_cast<int>(xmlGetLineNo(n));
  l.path = node_path(n);
  return l;
}

Located child(const xmlNode* parent, const char* name) {
  auto c = children(parent, name);
  return c.empty() ? Located{} : located(c.front());
}

// The words a drill message carries in its text whatever its <status> says (a training
// system that sends status Actual): 【訓練】, これは訓練です, "this is a drill".
bool says_drill(std::string_view text) {
  static constexpr std::string_view kMarkers[] = {"【訓練】", "［訓練］", "[訓練]", "（訓練）", "(訓練)", "これは訓練"};
  for (std::string_view m : kMarkers)
    if (text.find(m) != std::string_view::npos) return true;
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return lower.find("this is a drill") != std::string::npos || lower.find("this is an exercise") != std::string::npos;
}

AlertIn read_alert(const xmlNode* root) {
  AlertIn a;
  a.line = static_cast<int>(xmlGetLineNo(root));
  a.identifier = child(root, "identifier");
  a.sender = child(root, "sender");
  a.sent = child(root, "sent");
  a.status = child(root, "status");
  a.msg_type = child(root, "msgType");
  a.references = child(root, "references");
  a.note = child(root, "note");
  auto mark = [&](const Located& l) {
    if (a.drill_marked.path.empty() && says_drill(l.text)) a.drill_marked = l;
  };
  mark(a.note);
  // Honbu names a drill's alerts <city>.exercise-<drill>.… (model/export/cap): one edited to
  // status Actual, its 【訓練】 marks taken out, still says where it came from.
  if (a.drill_marked.path.empty() && a.identifier.text.find(".exercise-") != std::string::npos)
    a.drill_marked = a.identifier;
  for (const xmlNode* in : children(root, "info")) {
    InfoIn i;
    i.language = child(in, "language").text;
    for (const xmlNode* c : children(in, "category")) i.categories.push_back(located(c).text);
    i.event = child(in, "event").text;
    i.urgency = child(in, "urgency").text;
    i.severity = child(in, "severity").text;
    i.certainty = child(in, "certainty").text;
    i.sender_name = child(in, "senderName").text;
    const Located headline = child(in, "headline"), description = child(in, "description");
    mark(headline);
    mark(description);
    i.headline = headline.text;
    i.description = description.text;
    i.instruction = child(in, "instruction").text;
    for (const xmlNode* an : children(in, "area")) {
      AreaIn ar;
      ar.desc = child(an, "areaDesc").text;
      for (const xmlNode* p : children(an, "polygon")) ar.polygons.push_back(located(p));
      for (const xmlNode* c : children(an, "circle")) ar.circles.push_back(located(c));
      for (const xmlNode* g : children(an, "geocode"))
        ar.geocodes.emplace_back(child(g, "valueName"), child(g, "value"));
      i.areas.push_back(std::move(ar));
    }
    a.infos.push_back(std::move(i));
  }
  return a;
}

// [SECTION] Checks beyond the XSD (CAP 1.2 §3.2 and §3.3)

void problem(std::vector<ImportProblem>& out, const Located& at, std::string code, std::string ja,
             std::string en) {
  out.push_back({at.line, 0, at.path, std::move(code), std::move(ja), std::move(en)});
}

std::vector<std::string> split_ws(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    size_t j = i;
    while (j < s.size() && !(s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::optional<double> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string t(s);
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return v;
}

std::optional<LonLat> lat_lon(std::string_view pair) {
  const size_t comma = pair.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  auto lat = number(pair.substr(0, comma)), lon = number(pair.substr(comma + 1));
  if (!lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) return std::nullopt;
  return LonLat{*lon, *lat};
}

void check_polygon(std::vector<ImportProblem>& out, const Located& p, std::vector<LonLat>* points) {
  const auto pairs = split_ws(p.text);
  std::vector<LonLat> pts;
  for (const std::string& pr : pairs) {
    auto ll = lat_lon(pr);
    if (!ll) {
      problem(
          out, p, "bad_polygon",
          "座標「" + pr + "」が「緯度,経度」（WGS84、緯度 -90〜90、経度 -180〜180）ではありません",
          "\"" + pr + "\" is not a \"latitude,longitude\" pair in range (WGS84)");
      return;
    }
    pts.push_back(*ll);
  }
  if (pts.size() < 4) {
    problem(out, p, "bad_polygon", "多角形には4組以上の座標が必要です（最初と最後は同じ点）",
            "a polygon needs at least 4 coordinate pairs (the first and last the same)");
    return;
  }
  if (pts.front().lat != pts.back().lat || pts.front().lon != pts.back().lon) {
    problem(out, p, "polygon_not_closed",
            "多角形の最初と最後の座標が同じではありません（閉じていません）",
            "the polygon is not closed: its first and last pairs differ");
    return;
  }
  if (points) points->insert(points->end(), pts.begin(), pts.end() - 1);
}

void check_alert(const AlertIn& a, std::vector<ImportProblem>& out) {
  for (const Located* t : {&a.identifier, &a.sender})
    if (!is_valid_cap_token(t->text))
      problem(out, *t, "bad_token", "空白、カンマ、「<」「&」は使えません（CAP 1.2 §3.2.1）",
              "must not contain spaces, commas, < or & (CAP 1.2 §3.2.1)");
  if (!parse_iso(a.sent.text))
    problem(out, a.sent, "bad_time", "日時が読み取れません", "is not a date and time");
  const bool needs_refs = a.msg_type.text == "Update" || a.msg_type.text == "Cancel";
  if (needs_refs && a.references.text.empty())
    problem(out, Located{"", a.msg_type.line, a.msg_type.path}, "no_references",
            a.msg_type.text + " には対象の電文を示す references が必要です",
            a.msg_type.text + " needs <references> naming the earlier message(s)");
  for (const std::string& r : split_ws(a.references.text)) {
    const size_t c1 = r.find(','), c2 = c1 == std::string::npos ? c1 : r.find(',', c1 + 1);
    if (c2 == std::string::npos || r.find(',', c2 + 1) != std::string::npos || c1 == 0 ||
        c2 == c1 + 1 || c2 + 1 == r.size())
      problem(out, a.references, "bad_reference",
              "「" + r + "」は「sender,identifier,sent」の形ではありません",
              "\"" + r + "\" is not \"sender,identifier,sent\"");
  }
  if (a.infos.empty() && a.msg_type.text != "Cancel")
    problem(out, Located{"", a.line, "/alert"}, "no_info",
            "info 要素がありません（内容が分かりません）",
            "the alert has no <info> block: nothing to record");
  for (const InfoIn& i : a.infos)
    for (const AreaIn& ar : i.areas) {
      for (const Located& p : ar.polygons) check_polygon(out, p, nullptr);
      for (const Located& c : ar.circles) {
        const auto parts = split_ws(c.text);
        auto radius = parts.size() == 2 ? number(parts[1]) : std::nullopt;
        if (parts.size() != 2 || !lat_lon(parts[0]) || !radius || *radius < 0)
          problem(out, c, "bad_circle", "円は「緯度,経度 半径(km)」の形で書きます",
                  "a circle is \"latitude,longitude radius\" (radius in km)");
      }
      for (const auto& [name, value] : ar.geocodes) {
        const bool muni = name.text == kCapGeocodeName || name.text == "JIS X 0402" ||
                          name.text == "全国地方公共団体コード";
        const bool five =
            value.text.size() == 5 &&
            is_valid_municipality_code(value.text + municipality_check_digit(value.text));
        if (muni && !is_valid_municipality_code(value.text) && !five)
          problem(
              out, value, "bad_municipality_code",
              "「" + value.text + "」は正しい全国地方公共団体コードではありません（6桁、検査数字）",
              "\"" + value.text +
                  "\" is not a valid municipality code (6 digits with check digit)");
      }
    }
}

// The alert's document, parsed and schema-validated; nullptr with problems otherwise.
DocPtr parse_and_validate(std::string_view xml, const CapImportOptions& o,
                          std::vector<ImportProblem>& out) {
  Sink sink{&out, false};
  ErrorScope scope(&sink);
  if (xml.size() > 16 * 1024 * 1024) {
    out.push_back({0, 0, "", "too_large", "ファイルが大きすぎます（16 MiBまで）",
                   "the file is larger than 16 MiB"});
    return nullptr;
  }
  // No network, no DTD loading, no entity expansion: an alert from outside is untrusted.
  DocPtr doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), o.source_name.c_str(), nullptr,
                           XML_PARSE_NONET));
  if (!doc) {
    if (out.empty())
      out.push_back({0, 0, "", "not_xml", "XMLとして読めません", "not an XML document"});
    return nullptr;
  }
  // CAP messages have no DTD; one from outside is refused rather than interpreted.
  if (doc->intSubset || doc->extSubset) {
    const size_t at = xml.find("<!DOCTYPE");
    const int line =
        at == std::string_view::npos
            ? 0
            : 1 + static_cast<int>(
                      std::count(xml.begin(), xml.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
    out.push_back({line, 0, "", "dtd",
                   "DTD（<!DOCTYPE>）は使えません（CAP 1.2の電文にDTDはありません）",
                   "a DTD (<!DOCTYPE>) is not allowed in a CAP 1.2 alert"});
    return nullptr;
  }
  const std::string xsd = o.xsd_path.empty()
                              ? std::string(HONBU_SOURCE_DIR) + "/assets/schemas/CAP-v1.2.xsd"
                              : o.xsd_path;
  xmlSchemaParserCtxt* pctx = xmlSchemaNewParserCtxt(xsd.c_str());
  xmlSchema* schema = pctx ? xmlSchemaParse(pctx) : nullptr;
  if (pctx) xmlSchemaFreeParserCtxt(pctx);
  if (!schema) {
    out.clear();  // errors about the XSD file itself are not the alert's
    out.push_back({0, 0, "", "no_schema", "CAP 1.2のスキーマ " + xsd + " を読めません",
                   "cannot load the CAP 1.2 schema " + xsd});
    return nullptr;
  }
  sink.schema = true;
  xmlSchemaValidCtxt* vctx = xmlSchemaNewValidCtxt(schema);
  xmlSchemaSetValidStructuredErrors(vctx, on_xml_error, &sink);
  const int rc = xmlSchemaValidateDoc(vctx, doc.get());
  xmlSchemaFreeValidCtxt(vctx);
  xmlSchemaFree(schema);
  if (rc != 0 && out.empty())
    out.push_back({0, 0, "", "schema", "CAP 1.2のスキーマに適合しません", "not valid CAP 1.2"});
  if (!out.empty()) return nullptr;
  return doc;
}

// [SECTION] Mapping

std::string cut(std::string_view s, size_t max_code_points) {
  size_t cps = 0, i = 0;
  while (i < s.size()) {
    if (cps == max_code_points) return std::string(s.substr(0, i));
    const auto c = static_cast<unsigned char>(s[i]);
    i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    ++cps;
  }
  return std::string(s);
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return s;
}

// What kind of incident an alert reports, or "" when it is information only.
std::string incident_category(const InfoIn& i) {
  struct Word {
    const char* word;
    const char* category;
  };
  static constexpr Word kWords[] = {{"火災", "fire"},          {"火事", "fire"},
                                    {"延焼", "fire"},          {"土砂", "landslide"},
                                    {"がけ崩れ", "landslide"}, {"崖崩れ", "landslide"},
                                    {"地すべり", "landslide"}, {"土石流", "landslide"},
                                    {"浸水", "flood"},         {"冠水", "flood"},
                                    {"氾濫", "flood"},         {"決壊", "flood"},
                                    {"倒壊", "building"},      {"損壊", "building"},
                                    {"救助", "rescue"},        {"孤立", "rescue"},
                                    {"閉じ込め", "rescue"},    {"通行止", "road"},
                                    {"道路", "road"},          {"橋", "road"},
                                    {"停電", "lifeline"},      {"断水", "lifeline"},
                                    {"ガス漏れ", "lifeline"},  {"通信障害", "lifeline"},
                                    {"負傷", "casualty"},      {"死者", "casualty"},
                                    {"行方不明", "casualty"}};
  const std::string text = i.event + " " + i.headline;
  for (const Word& w : kWords)
    if (text.find(w.word) != std::string::npos) return w.category;
  for (const std::string& c : i.categories) {
    if (c == "Fire") return "fire";
    if (c == "Rescue") return "rescue";
  }
  return {};
}

std::string priority_of(std::string_view severity) {
  if (severity == "Extreme") return "life";
  if (severity == "Severe") return "high";
  if (severity == "Minor") return "low";
  return "medium";
}

const InfoIn* pick_info(const AlertIn& a) {
  for (const InfoIn& i : a.infos)
    if (i.language.starts_with("ja")) return &i;
  return a.infos.empty() ? nullptr : &a.infos.front();
}

std::vector<std::pair<std::string, std::string>> references_of(const AlertIn& a) {
  std::vector<std::pair<std::string, std::string>> out;  // sender, identifier
  for (const std::string& r : split_ws(a.references.text)) {
    const size_t c1 = r.find(','), c2 = r.find(',', c1 + 1);
    out.emplace_back(r.substr(0, c1), r.substr(c1 + 1, c2 - c1 - 1));
  }
  return out;
}

struct Abort {};

// クロノロ 対応 of an alert that made or moved an incident: "事案 cap-0123456789abcdef …".
constexpr std::string_view kIncidentNote = "事案 ";

void add_store_problems(std::vector<ImportProblem>& out, const LocalResult& r,
                        std::string_view target) {
  for (const Problem& p : r.problems)
    out.push_back(
        {0, 0, std::string(target) + (p.field.empty() ? "" : "." + p.field), p.code, p.ja, p.en});
}

}  // namespace

std::string cap_entity_id(std::string_view sender, std::string_view identifier) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a 64 over "sender\nidentifier"
  auto mix = [&](std::string_view s) {
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  };
  mix(sender);
  mix("\n");
  mix(identifier);
  char buf[24];
  std::snprintf(buf, sizeof buf, "cap-%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::vector<ImportProblem> validate_cap(std::string_view xml, const CapImportOptions& o) {
  std::vector<ImportProblem> out;
  DocPtr doc = parse_and_validate(xml, o, out);
  if (doc) check_alert(read_alert(xmlDocGetRootElement(doc.get())), out);
  return out;
}

CapImportResult import_cap(Store& store, std::string_view xml, const CapImportOptions& o) {
  CapImportResult r;
  DocPtr doc = parse_and_validate(xml, o, r.problems);
  if (!doc) return r;
  const AlertIn a = read_alert(xmlDocGetRootElement(doc.get()));
  check_alert(a, r.problems);
  r.identifier = a.identifier.text;
  r.sender = a.sender.text;
  r.status = a.status.text;
  r.msg_type = a.msg_type.text;

  // Drill data never mixes with real data, in either direction.
  const bool exercise_store = is_exercise_dataset(store.dataset());
  if (a.status.text == "Exercise" && !exercise_store)
    problem(r.problems, a.status, "exercise_into_actual",
            "訓練（Exercise）の電文は実災害（ACTUAL）のデータに取り込めません",
            "an Exercise alert cannot enter ACTUAL data");
  else if (a.status.text == "Actual" && !exercise_store && !a.drill_marked.path.empty())
    problem(r.problems, a.drill_marked, "drill_text_in_actual",
            "status は Actual（実際）ですが、本文か識別子に訓練とあります。実災害（ACTUAL）のデータには取り込みません。"
            "発信元に確認し、正しい status の電文を求めてください",
            "status says Actual but its text or identifier says it is a drill: not imported into ACTUAL data. Check with "
            "the sender and ask for the alert with the right status");
  else if (a.status.text == "Actual" && exercise_store)
    problem(r.problems, a.status, "actual_into_exercise",
            "実際（Actual）の電文は訓練データ（" + store.dataset() + "）に取り込めません",
            "an Actual alert cannot enter drill data (" + store.dataset() + ")");
  else if (a.status.text != "Actual" && a.status.text != "Exercise")
    problem(r.problems, a.status, "status_not_recorded",
            "status「" + a.status.text + "」（試験・システム・下書き）の電文は記録しません",
            "alerts with status " + a.status.text + " (test, system, draft) are not recorded");
  if (a.msg_type.text == "Ack" || a.msg_type.text == "Error")
    problem(
        r.problems, a.msg_type, "msgtype_not_recorded",
        "msgType「" + a.msg_type.text + "」の電文は記録しません（受領確認・エラー通知）",
        "alerts with msgType " + a.msg_type.text + " (acknowledgement, error) are not recorded");
  if (!r.problems.empty()) return r;

  const std::string id = cap_entity_id(a.sender.text, a.identifier.text);
  const std::string marker =
      "（CAP " + a.msg_type.text + " " + a.sender.text + " " + a.identifier.text + "）";
  r.chronology_id = id;
  Db& db = store.db();
  if (auto existing = get<ChronologyEntry>(db, id)) {
    if (existing->content.find(normalize_text(marker)) == std::string::npos) {
      problem(r.problems, a.identifier, "id_collision",
              "別の電文と同じ記録IDになりました（" + id + "）。取り込めません",
              "another alert maps to the same record id (" + id + "): not imported");
      return r;
    }
    r.ok = r.duplicate = true;
    if (get<Incident>(db, id)) r.incident_id = id;
    return r;
  }

  const InfoIn* info = pick_info(a);
  const TimeMs sent = *parse_iso(a.sent.text);
  const std::string from = info && !info->sender_name.empty() ? info->sender_name : a.sender.text;

  std::string title =
      info ? (!info->headline.empty() ? info->headline : info->event) : std::string();
  if (title.empty()) title = a.msg_type.text == "Cancel" ? "電文の取消" : a.identifier.text;
  std::string body;
  if (info && !info->description.empty()) body += "\n" + info->description;
  if (info && !info->instruction.empty()) body += "\n" + info->instruction;
  const std::string head = (a.status.text == "Exercise" ? "【訓練】" : "") + title;
  std::string content = cut(head + body, 4000 - utf8_length(marker) - 1) + "\n" + marker;

  Fields chron{{"number", store.next_chronology_number()},
               {"node_label", store.node_id()},
               {"at", format_iso_jst(sent)},
               {"from_org", cut(one_line(from), 200)},
               {"to_org", cut(one_line(o.to_org), 200)},
               {"content", content},
               {"category", "info"},
               {"medium", "system"},
               {"state", "pending"}};

  // Incidents: an Update or Cancel of an alert we made an incident from moves that incident;
  // an alert that reports something that has happened makes a new one.
  // The referenced alert made the incident, or its クロノロ entry says which one it moved.
  std::string target;
  for (const auto& [s, ident] : references_of(a)) {
    const std::string rid = cap_entity_id(s, ident);
    if (get<Incident>(db, rid)) {
      target = rid;
    } else if (auto e = get<ChronologyEntry>(db, rid)) {
      const size_t p = e->action.find(kIncidentNote);
      const std::string linked =
          p == std::string::npos ? "" : e->action.substr(p + kIncidentNote.size(), 20);
      if (!linked.empty() && get<Incident>(db, linked)) target = linked;
    }
  }
  std::optional<std::pair<std::string, Fields>> incident;
  const std::string category = info ? incident_category(*info) : std::string();
  const bool happened = info && (info->certainty == "Observed" || info->certainty == "Likely");
  if (a.msg_type.text == "Cancel") {
    if (!target.empty()) {
      auto cur = get<Incident>(db, target);
      if (cur && cur->status != "done" && cur->status != "cancelled")
        incident.emplace(target, Fields{{"status", "cancelled"}});
    }
  } else if (!target.empty()) {
    Fields f{{"title", cut(one_line(head), 200)}, {"description", cut(title + body, 4000)}};
    if (info) f["priority"] = priority_of(info->severity);
    incident.emplace(target, std::move(f));
  } else if (!category.empty() && happened) {
    std::string place, area_id;
    std::optional<LonLat> where, area_point;
    std::vector<LonLat> polygon_points;
    const auto areas = list_all<Area>(db);
    for (const AreaIn& ar : info->areas) {
      place += (place.empty() ? "" : "、") + ar.desc;
      for (const Area& known : areas)
        if (area_id.empty() && !known.name.empty() &&
            ar.desc.find(known.name) != std::string::npos) {
          area_id = known.id;
          if (known.lat && known.lon) area_point = LonLat{*known.lon, *known.lat};
        }
      for (const Located& c : ar.circles)
        if (auto ll = lat_lon(split_ws(c.text).front())) where = *ll;
      for (const Located& p : ar.polygons) {
        std::vector<ImportProblem> ignore;
        check_polygon(ignore, p, &polygon_points);
      }
    }
    if (!where && !polygon_points.empty()) {
      LonLat m{0, 0};
      for (const LonLat& ll : polygon_points) m.lon += ll.lon, m.lat += ll.lat;
      where = LonLat{m.lon / static_cast<double>(polygon_points.size()),
                     m.lat / static_cast<double>(polygon_points.size())};
    }
    if (!where) where = area_point;
    Fields f{{"title", cut(one_line(head), 200)},
             {"description", cut(title + body, 4000)},
             {"category", category},
             {"received_at", format_iso_jst(sent)},
             {"channel", "system"},
             {"reporter", cut(one_line(from), 200)},
             {"verification", "unverified"},
             {"priority", priority_of(info->severity)},
             {"status", "received"}};
    if (!place.empty()) f["place"] = cut(one_line(place), 200);
    if (!area_id.empty()) f["area_id"] = area_id;
    if (where) f["lat"] = where->lat, f["lon"] = where->lon;
    incident.emplace(id, std::move(f));
    r.incident_created = true;
  }

  if (incident) {
    const std::string verb = r.incident_created            ? "を登録"
                             : a.msg_type.text == "Cancel" ? "を取消"
                                                           : "を更新";
    chron["action"] = std::string(kIncidentNote) + incident->first + " " + verb;
  }
  try {
    store.batch([&] {
      LocalResult c = store.put(EntityKind::Chronology, id, chron, o.operator_name);
      if (!c.ok) {
        add_store_problems(r.problems, c, "chronology");
        throw Abort{};
      }
      if (incident) {
        LocalResult i =
            store.put(EntityKind::Incident, incident->first, incident->second, o.operator_name);
        if (!i.ok) {
          add_store_problems(r.problems, i, "incident");
          throw Abort{};
        }
      }
    });
  } catch (const Abort&) {
    r.incident_created = false;
    return r;
  }
  if (incident) r.incident_id = incident->first;
  r.ok = true;
  return r;
}

CapImportResult import_cap_file(Store& store, const std::string& path, CapImportOptions o) {
  std::string text;
  if (auto problem = read_import_file(path, text)) {
    CapImportResult r;
    r.problems.push_back(std::move(*problem));
    return r;
  }
  if (o.source_name == "CAP") o.source_name = path;
  return import_cap(store, text, o);
}

}  // namespace honbu
