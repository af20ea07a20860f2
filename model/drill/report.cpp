#include "model/drill/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace honbu::drill {

namespace {

std::string esc(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string csv(std::string_view s) {
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

struct L {
  Lang lang;
  const char* operator()(const char* ja, const char* en) const { return lang == Lang::Ja ? ja : en; }
};

std::string minutes(double m) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", m);
  return b;
}

std::string result_text(Result r, const L& t) { return std::string(result_label(r, t.lang)); }

// The engine logs a card it could not write with "not delivered: <why>".
bool failed_inject(const LogEvent& e) { return e.type == "inject" && e.detail.starts_with("not delivered"); }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::string wall_hhmmss(TimeMs t) { return format_iso_jst(t).substr(11, 8); }

std::string kind_label(std::string_view kind, Lang lang) {
  if (auto k = inject_kind_from_name(kind)) return std::string(inject_kind_label(*k, lang));
  if (kind == "restart") return lang == Lang::Ja ? "拠点再起動" : "Node restarted";
  if (kind == "restored") return lang == Lang::Ja ? "回線安定" : "Link steady";
  if (kind == "relink") return lang == Lang::Ja ? "一部の回線が回復" : "One link back";
  return std::string(kind);
}

// An inject as the timeline shows it: "002 事案通報: 北山2丁目 家屋倒壊".
std::string timeline_text(const Scenario& s, const TimelineItem& ti, Lang lang) {
  if (!ti.inject) return lang == Lang::Ja || ti.what_en.empty() ? ti.what : ti.what_en;
  const Inject* i = s.inject(ti.card);
  if (!i) return ti.what;
  const std::string summary = inject_summary(s, *i, lang);
  const std::string detail = ti.what.find(": ") != std::string::npos ? ti.what.substr(ti.what.find(": ") + 2) : "";
  return i->card + " " + kind_label(ti.kind, lang) + (summary.empty() ? "" : ": " + summary) +
         (detail.empty() ? "" : " [" + detail + "]");
}

}  // namespace

std::string report_html(const ReportInput& in, Lang lang) {
  const Scenario& s = *in.scenario;
  const DrillLog& log = *in.log;
  const Evaluation& ev = *in.evaluation;
  const L t{lang};
  std::string h;
  h += "<!DOCTYPE html><html lang=\"" + std::string(lang == Lang::Ja ? "ja" : "en") + "\"><head><meta charset=\"utf-8\">";
  h += "<title>" + esc(s.title.empty() ? s.name : s.title) + " — " + t("訓練 振り返り", "After-action report") + "</title>";
  h += R"(<style>
body{font-family:"Noto Sans CJK JP","Hiragino Sans",sans-serif;margin:2em;color:#111}
h1{font-size:1.5em}h2{font-size:1.15em;border-bottom:2px solid #444;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:.5em 0;font-size:.9em}th,td{border:1px solid #999;padding:.25em .45em;vertical-align:top}
th{background:#eee}.exercise{background:#6a2a8a;color:#fff;padding:.4em .8em;font-weight:bold;letter-spacing:.05em}
.met{background:#dff3e4}.late{background:#fff1cc}.missed{background:#f8d7d7}.pending{background:#eee}
.notes{border:1px dashed #888;min-height:5em;padding:.5em;white-space:pre-wrap}
@page{size:A4;margin:15mm}@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}
</style></head><body>)";
  h += "<div class=\"exercise\">■ " + std::string(t("訓練 EXERCISE — 訓練のデータです。実災害の報告には使えません",
                                                 "EXERCISE 訓練 — drill data, never part of an actual report")) + "</div>";
  h += "<h1>" + esc(s.title.empty() ? s.name : s.title) + " — " + t("訓練 振り返り", "after-action report") + "</h1>";

  // Overview
  h += "<h2>" + std::string(t("概要", "Overview")) + "</h2><table>";
  auto row = [&](const char* k, const std::string& v) { h += "<tr><th>" + std::string(k) + "</th><td>" + v + "</td></tr>"; };
  row(t("シナリオ", "Scenario"), esc(s.name) + " (" + esc(s.hazard) + ")");
  if (!s.description.empty()) row(t("想定", "Situation"), esc(s.description));
  row(t("発災(想定)", "Disaster (simulated)"), esc(format_iso_jst(s.start)));
  row(t("訓練時間", "Length"), esc(format_offset(s.duration)) + (ev.finished ? "" : std::string(" — ") + t("途中まで", "in progress: up to ") + esc(format_offset(ev.now))));
  if (!log.clock.empty()) row(t("実施日時", "Run at"), esc(format_iso_jst(log.clock.front().wall)));
  std::string nodes;
  for (const DrillNode& n : s.nodes)
    nodes += (nodes.empty() ? "" : ", ") + esc(node_label(s, n.id, lang)) + " (" + esc(n.id) + ", " + esc(n.role) + ")";
  row(t("拠点", "Nodes"), nodes);
  row(t("データセット", "Dataset"), esc(s.dataset()));
  row(t("シード", "Seed"), std::to_string(log.seed));
  char score[96];
  std::snprintf(score, sizeof score, "%.1f / %.1f (%d %s, %d %s, %d %s)", ev.points, ev.possible, ev.met(), t("達成", "met"),
                ev.late(), t("遅れ", "late"), ev.missed(), t("未対応", "missed"));
  row(t("得点", "Score"), score);
  h += "</table>";

  // Injects and responses
  h += "<h2>" + std::string(t("状況付与と対応", "Injects and responses")) + "</h2><table><tr><th>" +
       t("カード", "Card") + "</th><th>" + t("想定時刻", "Scenario time") + "</th><th>" + t("付与(実時刻)", "Delivered (wall)") +
       "</th><th>" + t("宛先", "Target") + "</th><th>" + t("種別", "Kind") + "</th><th>" + t("手段/発信者", "Medium / from") +
       "</th><th>" + t("内容", "Content") + "</th><th>" + t("到達まで", "Arrived after") + "</th></tr>";
  for (const Inject& i : s.injects) {
    const LogEvent* d = nullptr;
    for (const LogEvent& e : log.events)
      if ((e.type == "inject" || e.type == "net") && e.card == i.card && !d) d = &e;
    const std::string content = inject_summary(s, i, lang);
    const std::string medium = i.medium.empty() ? std::string() : std::string(enums::medium.text(i.medium, lang));
    h += "<tr><td>" + esc(i.card) + "</td><td>" + esc(format_offset(d ? d->sim : i.at)) + "</td><td>" +
         (!d                ? std::string(t("未付与", "not delivered"))
          : failed_inject(*d) ? "<b class=\"missed\">" + std::string(t("付与失敗", "FAILED")) + "</b> " + esc(d->detail)
                              : esc(wall_hhmmss(d->wall))) +
         "</td><td>" + esc(inject_target_label(s, i, lang)) +
         "</td><td>" + esc(std::string(inject_kind_label(i.kind, lang))) + "</td><td>" + esc(medium) + " " + esc(i.from_role) +
         "</td><td>" + esc(content) + "</td><td>" +
         (d && d->arrived ? std::to_string(*d->arrived - d->wall) + " ms" : std::string()) + "</td></tr>";
  }
  h += "</table>";

  // Expected actions
  h += "<h2>" + std::string(t("期待される対応（評価ポイント）", "Expected actions")) + "</h2><table><tr><th>ID</th><th>" +
       t("対応", "Action") + "</th><th>" + t("担当", "By") + "</th><th>" + t("期限", "Due") + "</th><th>" + t("実施", "Done") +
       "</th><th>" + t("所要(分)", "Took (min)") + "</th><th>" + t("結果", "Outcome") + "</th><th>" + t("根拠", "Evidence") +
       "</th></tr>";
  for (const Outcome& o : ev.outcomes) {
    const std::string cls(result_name(o.result));
    std::string took;
    if (o.done) took = minutes(*o.done - o.from.value_or(0));
    h += "<tr class=\"" + cls + "\"><td>" + esc(o.expectation->id) + "</td><td>" + esc(expectation_text(s, *o.expectation, lang)) +
         "</td><td>" + esc(node_label(s, o.expectation->by, lang)) + "</td><td>" + esc(format_offset(o.due)) + "</td><td>" +
         (o.done ? esc(format_offset(*o.done)) : std::string("—")) + "</td><td>" + took + "</td><td>" +
         esc(result_text(o.result, t)) + "</td><td>" + esc(o.evidence_in(lang)) + "</td></tr>";
  }
  h += "</table>";

  // Response times per team
  h += "<h2>" + std::string(t("班・拠点別の対応時間", "Response times per team")) + "</h2><table><tr><th>" + t("拠点", "Team") +
       "</th><th>" + t("達成", "Met") + "</th><th>" + t("遅れ", "Late") + "</th><th>" + t("未対応", "Missed") + "</th><th>" +
       t("未了", "Pending") + "</th><th>" + t("平均(分)", "Mean (min)") + "</th><th>" + t("中央値(分)", "Median (min)") +
       "</th><th>" + t("最長(分)", "Longest (min)") + "</th><th>" + t("得点", "Points") + "</th></tr>";
  for (const TeamStats& ts : ev.teams) {
    const double mean = ts.minutes.empty() ? 0 : std::accumulate(ts.minutes.begin(), ts.minutes.end(), 0.0) / static_cast<double>(ts.minutes.size());
    const double longest = ts.minutes.empty() ? 0 : *std::max_element(ts.minutes.begin(), ts.minutes.end());
    char pts[48];
    std::snprintf(pts, sizeof pts, "%.1f / %.1f", ts.points, ts.possible);
    h += "<tr><td>" + esc(node_label(s, ts.team, lang)) + "</td><td>" + std::to_string(ts.met) + "</td><td>" + std::to_string(ts.late) +
         "</td><td>" + std::to_string(ts.missed) + "</td><td>" + std::to_string(ts.pending) + "</td><td>" +
         (ts.minutes.empty() ? "—" : minutes(mean)) + "</td><td>" + (ts.minutes.empty() ? "—" : minutes(median(ts.minutes))) +
         "</td><td>" + (ts.minutes.empty() ? "—" : minutes(longest)) + "</td><td>" + pts + "</td></tr>";
  }
  h += "</table>";

  // Network
  h += "<h2>" + std::string(t("通信障害と収束", "Partitions and convergence")) + "</h2>";
  if (ev.network.empty()) {
    h += "<p>" + std::string(t("なし", "None")) + "</p>";
  } else {
    h += "<table><tr><th>" + std::string(t("カード", "Card")) + "</th><th>" + t("種別", "Kind") + "</th><th>" + t("拠点", "Nodes") +
         "</th><th>" + t("開始", "From") + "</th><th>" + t("終了", "To") + "</th><th>" +
         t("回復後、全拠点の一致まで", "After it ended, all nodes agreed in") + "</th></tr>";
    for (const NetworkEpisode& n : ev.network) {
      std::string nodes_text;
      for (const auto& x : n.nodes) nodes_text += (nodes_text.empty() ? "" : ", ") + node_label(s, x, lang);
      h += "<tr><td>" + esc(n.card) + "</td><td>" + esc(kind_label(n.kind, lang)) + "</td><td>" + esc(nodes_text) + "</td><td>" +
           esc(format_offset(n.from)) + "</td><td>" + (n.to ? esc(format_offset(*n.to)) : std::string("—")) + "</td><td>" +
           (n.converged_ms ? minutes(*n.converged_ms / 1000.0) + " s" : std::string(t("未確認", "not measured"))) + "</td></tr>";
    }
    h += "</table>";
  }

  // Timeline
  h += "<h2>" + std::string(t("経過（状況付与とプレイヤーの記録）", "Timeline (injects and what the players recorded)")) +
       "</h2><table><tr><th>" + t("想定時刻", "Scenario") + "</th><th>" + t("実時刻", "Wall") + "</th><th>" + t("拠点", "Node") +
       "</th><th>" + t("記録者", "Who") + "</th><th>" + t("内容", "What") + "</th></tr>";
  for (const TimelineItem& ti : ev.timeline)
    h += std::string("<tr") + (ti.inject ? " style=\"background:#f4eefa\"" : "") + "><td>" + esc(format_offset(ti.sim)) +
         "</td><td>" + esc(wall_hhmmss(ti.wall)) + "</td><td>" + esc(node_label(s, ti.node, lang)) + "</td><td>" + esc(ti.who) + "</td><td>" +
         esc(timeline_text(s, ti, lang)) + "</td></tr>";
  h += "</table>";

  // Notes
  h += "<h2>" + std::string(t("所見", "Notes")) + "</h2><h3>" + t("良かった点", "Strengths") +
       "</h3><div class=\"notes\" contenteditable=\"true\">" + esc(in.notes_strengths) + "</div><h3>" +
       t("改善すべき点", "Areas for improvement") + "</h3><div class=\"notes\" contenteditable=\"true\">" +
       esc(in.notes_improvements) + "</div>";
  h += "<div class=\"exercise\" style=\"margin-top:2em\">■ " + std::string(t("訓練 EXERCISE", "EXERCISE 訓練")) + "</div>";
  h += "</body></html>\n";
  return h;
}

std::string report_csv(const ReportInput& in, Lang lang) {
  const Scenario& s = *in.scenario;
  const DrillLog& log = *in.log;
  const Evaluation& ev = *in.evaluation;
  const L t{lang};
  std::string c = "\xEF\xBB\xBF";  // BOM: Excel reads UTF-8
  c += std::string(t("区分", "section")) + "," + t("項目", "item") + "," + t("想定時刻", "scenario_time") + "," +
       t("実時刻", "wall_time") + "," + t("拠点", "node") + "," + t("内容", "detail") + "," + t("結果", "outcome") + "," +
       t("所要分", "minutes") + "\n";
  auto line = [&](const std::string& section, const std::string& item, const std::string& sim, const std::string& wall,
                  const std::string& node, const std::string& detail, const std::string& outcome, const std::string& mins) {
    c += csv(section) + "," + csv(item) + "," + csv(sim) + "," + csv(wall) + "," + csv(node) + "," + csv(detail) + "," +
         csv(outcome) + "," + csv(mins) + "\n";
  };
  line("overview", "scenario", "", "", "", s.name + " " + s.title, "EXERCISE", "");
  line("overview", "score", format_offset(ev.now), "", "", minutes(ev.points) + "/" + minutes(ev.possible), "", "");
  for (const LogEvent& e : log.events)
    if (e.type == "inject")
      line("inject", e.card, format_offset(e.sim), format_iso_jst(e.wall), e.node,
           failed_inject(e) ? e.kind + " " + e.detail : e.kind, failed_inject(e) ? "failed" : "delivered",
           e.arrived ? std::to_string(*e.arrived - e.wall) : "");
  for (const Outcome& o : ev.outcomes)
    line("expected", o.expectation->id, format_offset(o.due), "", o.expectation->by, expectation_text(s, *o.expectation, lang),
         std::string(result_name(o.result)), o.done ? minutes(*o.done - o.from.value_or(0)) : "");
  for (const TeamStats& ts : ev.teams)
    line("team", ts.team, "", "", ts.team,
         std::to_string(ts.met) + " met, " + std::to_string(ts.late) + " late, " + std::to_string(ts.missed) + " missed",
         "", ts.minutes.empty() ? "" : minutes(median(ts.minutes)));
  for (const NetworkEpisode& n : ev.network) {
    std::string nodes;
    for (const auto& x : n.nodes) nodes += (nodes.empty() ? "" : " ") + x;
    line("network", n.card, format_offset(n.from), "", nodes, n.kind + (n.to ? " until " + format_offset(*n.to) : ""),
         n.converged_ms ? "converged" : "", n.converged_ms ? minutes(*n.converged_ms / 60000.0) : "");
  }
  for (const TimelineItem& ti : ev.timeline)
    line("timeline", ti.who, format_offset(ti.sim), format_iso_jst(ti.wall), ti.node, ti.what, ti.inject ? "inject" : "", "");
  // The trainer's notes, as in the HTML (a spreadsheet of several drills keeps them too).
  if (!in.notes_strengths.empty()) line("notes", "strengths", "", "", "", in.notes_strengths, "", "");
  if (!in.notes_improvements.empty()) line("notes", "improvements", "", "", "", in.notes_improvements, "", "");
  return c;
}

}  // namespace honbu::drill
