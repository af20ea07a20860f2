#include "model/export/form4_report.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "model/errors.hpp"
#include "model/export/cap.hpp"
#include "model/export/csv.hpp"
#include "model/labels.hpp"
#include "model/time.hpp"

namespace honbu {

namespace {

using json = nlohmann::json;

const TriTotal kNone{};

// その1 carries the first figures only: people, and houses by buildings (棟).
constexpr std::string_view kSono1Human[] = {"dead", "missing", "injured_severe", "injured_minor", "human_total"};
constexpr std::string_view kSono1Housing[] = {"full_bldg", "half_bldg", "partial_bldg", "flood_above_bldg"};
constexpr std::string_view kSono1Texts[] = {"place", "overview", "damage_text", "response_text"};

struct ItemInfo {
  std::string_view key, ja, en, unit_ja, unit_en;
  Form4Block block;
  bool hectares = false, computed = false, optional_row = false;
};

std::vector<ItemInfo> items_in_order() {
  std::vector<ItemInfo> v;
  for (const Form4BlockInfo& b : form4_blocks()) {
    for (const Form4Field& f : form4_fields())
      if (f.block == b.block) v.push_back({f.key, f.ja, f.en, f.unit_ja, f.unit_en, f.block, f.hectares, false, f.optional_row});
    // Computed totals close their block (計 after the people, 小計/被害総額 after the amounts).
    for (const Form4Computed& c : form4_computed())
      if (c.block == b.block) v.push_back({c.key, c.ja, c.en, c.unit_ja, c.unit_en, c.block, false, true, false});
  }
  return v;
}

const ItemInfo* item(std::string_view key) {
  static const std::vector<ItemInfo> kItems = items_in_order();
  for (const ItemInfo& i : kItems)
    if (i.key == key) return &i;
  return nullptr;
}

std::string text_label(std::string_view key, Lang lang) {
  for (const Form4Text& t : form4_texts())
    if (t.key == key) return std::string(lang == Lang::Ja ? t.ja : t.en);
  return std::string(key);
}

// Two figures differ when a person reading them would see a change.
bool differs(const TriTotal& a, const TriTotal& b) {
  return a.sum != b.sum || a.all_unknown() != b.all_unknown() || (a.unknown_inputs > 0) != (b.unknown_inputs > 0);
}

// Texts the data already says (避難指示等, 避難所): written from it, never typed twice.
std::string evacuation_text(Db& db) {
  std::map<std::string, EvacuationOrder> latest;  // by area
  for (EvacuationOrder& o : list_all<EvacuationOrder>(db)) {
    auto it = latest.find(o.area_id);
    if (it == latest.end() || (o.at ? o.at->ms : 0) >= (it->second.at ? it->second.at->ms : 0)) latest[o.area_id] = o;
  }
  std::string out;
  for (const auto& [area_id, o] : latest) {
    if (o.action != "issue") continue;
    const auto a = get<Area>(db, area_id);
    out += (out.empty() ? "" : "、") + std::string(a ? a->name : area_id) + " " +
           std::string(enums::evacuation_level.text(o.level, Lang::Ja)) + "(警戒レベル" + o.level + ") " +
           (o.at ? format_hhmm_jst(o.at->ms) : "") + "発令";
  }
  return out;
}

std::string shelters_text(Db& db) {
  int open = 0;
  std::int64_t people = 0;
  bool unknown = false;
  std::string names;
  for (const Shelter& s : list_all<Shelter>(db)) {
    if (s.open_state != "open") continue;
    ++open;
    if (s.evacuees.known()) people += s.evacuees.value();
    else unknown = true;
    if (open <= 8) names += (names.empty() ? "" : "、") + s.name;
  }
  if (open == 0) return "";
  return std::to_string(open) + "箇所開設(" + names + (open > 8 ? " ほか" : "") + ")、避難者 " + std::to_string(people) + "人" +
         (unknown ? "(人数未確認の避難所あり)" : "");
}

std::string value_cell(const TriTotal& t, bool hectares) {
  if (t.all_unknown()) return "";
  char buf[48];
  std::snprintf(buf, sizeof buf, hectares ? "%.1f" : "%.0f", t.sum);
  return buf;
}

// [SECTION] HTML pieces

std::string h(std::string_view s) { return xml_escape(s); }

std::string figure_html(const Form4Report& r, std::string_view key) {
  const ItemInfo* i = item(key);
  const TriTotal& t = r.total(key);
  std::string cls = t.all_unknown() ? "unk" : (t.unknown_inputs ? "part" : "num");
  std::string v = h(t.display(Lang::Ja, i && i->hectares));
  if (r.is_changed(key)) v = "<u>" + v + "</u>";
  return "<td class=\"" + cls + "\">" + v + "</td>";
}

std::string row_html(const Form4Report& r, std::string_view key) {
  const ItemInfo* i = item(key);
  if (!i) return "";
  return "<tr><th>" + h(i->ja) + (i->computed ? " <span class=\"calc\">(計算)</span>" : "") + "</th>" + figure_html(r, key) +
         "<td class=\"unit\">" + h(i->unit_ja) + "</td></tr>\n";
}

std::string hq_setup_html(const Form4Report& r) {
  if (!r.hq) return "<td class=\"unk\">未確認</td>";
  std::string s = std::string(enums::hq_state.text(r.hq->state, Lang::Ja));
  if (r.hq->established_at) s += " " + format_iso_jst(r.hq->established_at->ms).substr(0, 16) + " 設置";
  if (r.hq->dissolved_at) s += " " + format_iso_jst(r.hq->dissolved_at->ms).substr(0, 16) + " 廃止";
  return "<td>" + h(s) + "</td>";
}

}  // namespace

std::string_view form4_part_format(Form4Part p) { return p == Form4Part::Sono1 ? "form4_1" : "form4_2"; }

bool Form4Report::is_changed(std::string_view key) const {
  return std::find(changed.begin(), changed.end(), key) != changed.end();
}

const TriTotal& Form4Report::total(std::string_view key) const {
  auto it = totals.find(key);
  return it == totals.end() ? kNone : it->second;
}

Form4Report build_form4(Db& db, const Form4Options& o) {
  Form4Report r;
  r.part = o.part;
  r.context = export_context(db);
  r.as_of = o.as_of;
  r.reported_at = o.reported_at ? o.reported_at : o.as_of;
  r.reporter = o.reporter;
  r.hq = get<HqState>(db, kHqStateId);
  Form4Totals t = form4_totals(db, o.as_of);
  r.totals = std::move(t.totals);
  for (BranchLatest& bl : t.branches) {
    Form4Source src{bl.branch.id, bl.branch.name.empty() ? bl.branch.id : bl.branch.name, std::move(bl.latest),
                    bl.branch.stale_after_min.value_or(60)};
    if (src.report)
      for (const auto& [key, text] : src.report->texts)
        if (!text.empty()) r.texts[key] += (r.texts[key].empty() ? "" : "\n") + src.name + ": " + text;
    r.sources.push_back(std::move(src));
  }
  if (std::string e = evacuation_text(db); !e.empty())
    r.texts["rm_evacuation"] = e + (r.texts.count("rm_evacuation") ? "\n" + r.texts["rm_evacuation"] : "");
  if (std::string s = shelters_text(db); !s.empty())
    r.texts["rm_shelters"] = s + (r.texts.count("rm_shelters") ? "\n" + r.texts["rm_shelters"] : "");
  // 第N報 and what changed: against the last report issued (either part).
  std::int64_t last = 0;
  for (Publication& p : publications(db)) {
    if (p.format != "form4_1" && p.format != "form4_2") continue;
    if (p.report_no && *p.report_no > last) {
      last = *p.report_no;
      r.previous = p;
    }
  }
  r.number = last + 1;
  if (r.previous && !r.previous->snapshot.empty()) {
    r.previous_totals = form4_snapshot_totals(r.previous->snapshot);
    for (const auto& [key, now] : r.totals) {
      auto it = r.previous_totals.find(key);
      if (it == r.previous_totals.end() ? !now.all_unknown() : differs(now, it->second)) r.changed.push_back(key);
    }
  }
  return r;
}

std::string form4_snapshot(const Form4Report& r) {
  json j = json::object();
  j["no"] = r.number;
  j["as_of"] = format_iso_jst(r.as_of);
  json f = json::object();
  // [sum, known inputs, unknown inputs]: enough to tell 0 from 未確認 from "12 (+未確認)".
  for (const auto& [key, t] : r.totals) f[key] = json::array({t.sum, t.known_inputs, t.unknown_inputs});
  j["figures"] = std::move(f);
  return j.dump();
}

std::map<std::string, TriTotal, std::less<>> form4_snapshot_totals(std::string_view text) {
  std::map<std::string, TriTotal, std::less<>> out;
  try {
    const json j = json::parse(text);
    for (const auto& [key, v] : j.at("figures").items()) {
      TriTotal t;
      t.sum = v.at(0).get<double>();
      t.known_inputs = v.at(1).get<int>();
      t.unknown_inputs = v.at(2).get<int>();
      out[key] = t;
    }
  } catch (const json::exception& e) {
    throw Error(std::string("the figures of an issued 第4号様式 cannot be read: ") + e.what());
  }
  return out;
}

PublicationWrite form4_publication(const Form4Report& r, std::string_view operator_name, std::string_view addressed_to,
                                   std::string_view file_name, std::string_view rendered, TimeMs now) {
  PublicationWrite w;
  w.id = "form4-" + std::to_string(r.number);
  Publication& p = w.record;
  p.format = std::string(form4_part_format(r.part));
  p.report_no = r.number;
  p.as_of = Moment{r.as_of};
  p.published_at = Moment{now};
  p.published_by = std::string(operator_name);
  p.addressed_to = std::string(addressed_to);
  p.file_name = std::string(file_name);
  p.items = 1;
  p.digest = content_digest(rendered);
  p.snapshot = form4_snapshot(r);
  return w;
}

// [SECTION] HTML

std::string form4_html(const Form4Report& r) {
  const bool sono1 = r.part == Form4Part::Sono1;
  const std::string title = sono1 ? "第4号様式(その1) 災害概況即報" : "第4号様式(その2) 被害状況即報";
  std::string o;
  o += "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\n<title>" + h(title) + " 第" +
       std::to_string(r.number) + "報</title>\n<style>\n"
       "@page { size: A4; margin: 12mm; }\n"
       "body { font-family: 'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', sans-serif; font-size: 10pt; margin: 0; }\n"
       "h1 { font-size: 14pt; text-align: center; margin: 0 0 4mm; }\n"
       "table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; page-break-inside: avoid; }\n"
       "th, td { border: 1px solid #000; padding: 1mm 2mm; vertical-align: top; }\n"
       "th { background: #eee; text-align: left; font-weight: normal; width: 38%; }\n"
       "td.num, td.part, td.unk { text-align: right; width: 30%; }\n"
       "td.unk { color: #a00; } td.part { color: #a50; } td.unit { width: 8%; }\n"
       "td.text { white-space: pre-wrap; }\n"
       ".block { background: #ccc; font-weight: bold; }\n"
       ".calc { font-size: 8pt; color: #555; }\n"
       ".exercise { border: 3px solid #c00; color: #c00; font-weight: bold; text-align: center; padding: 2mm; margin-bottom: 3mm; font-size: 13pt; }\n"
       ".note { font-size: 8pt; color: #333; }\n"
       "u { text-decoration: underline 2px; }\n"
       "</style></head><body>\n";
  if (r.context.exercise)
    o += "<div class=\"exercise\">訓練 / EXERCISE — 訓練用データ(" + h(r.context.dataset) + ")。実際の報告ではありません</div>\n";
  o += "<h1>" + h(title) + "</h1>\n";
  // Header: 報告日時, 都道府県, 市町村, 報告者名, 災害名, 第N報, as of.
  const std::string disaster = r.hq ? r.hq->disaster_name : "";
  o += "<table>\n";
  o += "<tr><th>報告日時</th><td>" + h(format_iso_jst(r.reported_at).substr(0, 16)) + "</td></tr>\n";
  o += "<tr><th>都道府県</th><td>" + h(r.context.prefecture) + "</td></tr>\n";
  o += "<tr><th>市町村</th><td>" + h(r.context.municipality) +
       (r.context.municipality_code.empty() ? "" : "(" + h(r.context.municipality_code) + ")") + "</td></tr>\n";
  o += "<tr><th>報告者名</th><td>" + h(r.reporter) + "</td></tr>\n";
  o += "<tr><th>災害名</th><td>" + h(disaster) + " 第" + std::to_string(r.number) + "報</td></tr>\n";
  o += "<tr><th>時点</th><td>" + h(format_as_of_ja(r.as_of)) + "</td></tr>\n";
  o += "</table>\n";

  auto block_rows = [&](std::string_view label, auto&& keys) {
    o += "<table>\n<tr><td class=\"block\" colspan=\"3\">" + h(label) + "</td></tr>\n";
    for (std::string_view k : keys) o += row_html(r, k);
    o += "</table>\n";
  };
  auto text_rows = [&](auto&& keys) {
    o += "<table>\n";
    for (std::string_view k : keys) {
      auto it = r.texts.find(k);
      o += "<tr><th>" + h(text_label(k, Lang::Ja)) + "</th><td class=\"text\">" + (it == r.texts.end() ? "" : h(it->second)) +
           "</td></tr>\n";
    }
    o += "</table>\n";
  };

  if (sono1) {
    o += "<table>\n<tr><th>発生日時</th><td>" +
         (r.hq && r.hq->occurred_at ? h(format_iso_jst(r.hq->occurred_at->ms).substr(0, 16)) : std::string("未確認")) +
         "</td></tr>\n</table>\n";
    text_rows(std::vector<std::string_view>{kSono1Texts[0], kSono1Texts[1]});
    block_rows("人的被害", kSono1Human);
    block_rows("住家被害", kSono1Housing);
    text_rows(std::vector<std::string_view>{kSono1Texts[2]});
    o += "<table>\n<tr><th>災害対策本部等の設置状況(市町村)</th>" + hq_setup_html(r) + "</tr>\n</table>\n";
    text_rows(std::vector<std::string_view>{kSono1Texts[3]});
  } else {
    for (const Form4BlockInfo& b : form4_blocks()) {
      std::vector<std::string_view> keys;
      for (const Form4Field& f : form4_fields())
        if (f.block == b.block) keys.push_back(f.key);
      for (const Form4Computed& c : form4_computed())
        if (c.block == b.block) keys.push_back(c.key);
      block_rows(b.ja, keys);
    }
    o += "<table>\n<tr><td class=\"block\" colspan=\"2\">本部</td></tr>\n<tr><th>災害対策本部等の設置状況(市町村)</th>" +
         hq_setup_html(r) + "</tr>\n</table>\n";
    std::vector<std::string_view> remarks;
    for (const Form4Text& t : form4_texts())
      if (t.key.starts_with("rm_")) remarks.push_back(t.key);
    o += "<table>\n<tr><td class=\"block\" colspan=\"2\">備考</td></tr>\n</table>\n";
    text_rows(remarks);
  }

  // 内訳: which office's report went into the totals (the reader checks freshness here).
  o += "<table>\n<tr><td class=\"block\" colspan=\"4\">内訳(各所の最新報)</td></tr>\n"
       "<tr><th>所</th><th>報</th><th>時点</th><th>種別</th></tr>\n";
  for (const Form4Source& s : r.sources) {
    if (s.report)
      o += "<tr><td>" + h(s.name) + "</td><td>第" + std::to_string(s.report->report_no) + "報</td><td>" +
           (s.report->as_of ? h(format_as_of_ja(s.report->as_of->ms)) : std::string()) + "</td><td>" +
           h(enums::report_type.text(s.report->report_type, Lang::Ja)) + "</td></tr>\n";
    else
      o += "<tr><td>" + h(s.name) + "</td><td class=\"unk\" colspan=\"3\">未報告(全項目 未確認)</td></tr>\n";
  }
  o += "</table>\n";
  o += "<p class=\"note\">「未確認」は報告がない項目(0ではありません)。「12(+未確認)」は報告のあった数の計で、未報告の所があることを示します。"
       "計・小計・被害総額・り災は各項目から計算した値です。";
  if (r.previous)
    o += "下線は前回発信した第" + std::to_string(r.previous->report_no.value_or(0)) + "報(" +
         (r.previous->as_of ? h(format_as_of_ja(r.previous->as_of->ms)) : std::string()) + ")から変わった値です。";
  o += "</p>\n</body></html>\n";
  return o;
}

// [SECTION] CSV

std::string form4_csv(const Form4Report& r, Lang lang, bool bom) {
  const bool ja = lang == Lang::Ja;
  std::string o = bom ? "\xEF\xBB\xBF" : "";
  append_csv_row(o, ja ? std::vector<std::string>{"区分", "キー", "項目", "単位", "値", "未確認の入力数", "表示", "前回から変更"}
                       : std::vector<std::string>{"section", "key", "item", "unit", "value", "unknown_inputs", "display", "changed"});
  auto meta = [&](const char* key, const char* ja_label, const char* en_label, const std::string& value) {
    append_csv_row(o, {ja ? "報告" : "report", key, ja ? ja_label : en_label, "", value, "", value, ""});
  };
  meta("form", "様式", "form", std::string(enums::publication_format.text(form4_part_format(r.part), lang)));
  meta("status", "区分", "status", r.context.exercise ? "Exercise" : "Actual");
  meta("dataset", "データセット", "dataset", r.context.dataset);
  meta("report_no", "第N報", "report no.", std::to_string(r.number));
  meta("as_of", "時点", "as of", format_iso_jst(r.as_of));
  meta("reported_at", "報告日時", "reported at", format_iso_jst(r.reported_at));
  meta("prefecture", "都道府県", "prefecture", r.context.prefecture);
  meta("municipality", "市町村", "municipality", r.context.municipality);
  meta("municipality_code", "団体コード", "municipality code", r.context.municipality_code);
  meta("reporter", "報告者名", "reporter", r.reporter);
  meta("disaster_name", "災害名", "disaster", r.hq ? r.hq->disaster_name : "");
  meta("hq_state", "災害対策本部等の設置状況", "HQ set-up", r.hq ? std::string(enums::hq_state.text(r.hq->state, lang)) : "");
  std::vector<std::string_view> keys;
  if (r.part == Form4Part::Sono1) {
    keys.assign(std::begin(kSono1Human), std::end(kSono1Human));
    keys.insert(keys.end(), std::begin(kSono1Housing), std::end(kSono1Housing));
  } else {
    for (const ItemInfo& i : items_in_order()) keys.push_back(i.key);
  }
  for (std::string_view k : keys) {
    const ItemInfo* i = item(k);
    if (!i) continue;
    const TriTotal& t = r.total(k);
    append_csv_row(o, {std::string(ja ? form4_block(i->block).ja : form4_block(i->block).en), std::string(k),
                       std::string(ja ? i->ja : i->en), std::string(ja ? i->unit_ja : i->unit_en), value_cell(t, i->hectares),
                       std::to_string(t.unknown_inputs), t.display(lang, i->hectares), r.is_changed(k) ? "1" : ""});
  }
  for (const Form4Text& t : form4_texts()) {
    if (r.part == Form4Part::Sono1 && std::find(std::begin(kSono1Texts), std::end(kSono1Texts), t.key) == std::end(kSono1Texts))
      continue;
    auto it = r.texts.find(t.key);
    const std::string v = it == r.texts.end() ? "" : it->second;
    append_csv_row(o, {ja ? "文" : "text", std::string(t.key), std::string(ja ? t.ja : t.en), "", v, "", v, ""});
  }
  return o;
}

}  // namespace honbu
