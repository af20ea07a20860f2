#include "model/summary.hpp"

#include <cstdio>

#include "model/form4.hpp"
#include "model/queries.hpp"
#include "model/text.hpp"

namespace honbu {

namespace {

std::string tr(Lang lang, const char* ja, const char* en) { return lang == Lang::Ja ? ja : en; }

std::string as_of(Lang lang, TimeMs t) {
  return lang == Lang::Ja ? format_as_of_ja(t) : format_as_of_en(t);
}

std::string pad(const std::string& s, size_t width) {
  // Pads by display columns, counting CJK characters as two columns.
  size_t cols = 0;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    cols += len >= 3 ? 2 : 1;
    i += len;
  }
  return cols >= width ? s : s + std::string(width - cols, ' ');
}

}  // namespace

std::vector<Form4BlockText> form4_block_texts(const Form4Totals& totals, Lang lang) {
  std::vector<Form4BlockText> out;
  const char* sep = lang == Lang::Ja ? "、" : ", ";
  for (const Form4BlockInfo& b : form4_blocks()) {
    Form4BlockText bt;
    bt.block = b.block;
    bt.label = std::string(lang == Lang::Ja ? b.ja : b.en);
    auto add = [&](std::string_view label, std::string value) {
      std::string& to = value.empty() ? bt.unknown : bt.known;
      if (!to.empty()) to += sep;
      to += std::string(label) + (value.empty() ? "" : " " + value);
    };
    // A figure with its unit, or "" when nothing at all is known (listed as 未確認).
    auto figure = [&](const TriTotal& t, std::string_view unit_ja, std::string_view unit_en, bool ha) {
      return t.all_unknown() ? std::string() : t.display(lang, unit_ja, unit_en, ha);
    };
    for (const Form4Field& f : form4_fields()) {
      // An optional row (中規模半壊, newer than many offices' forms) is shown once someone
      // reports it, and is not listed among the 未確認 before that.
      if (f.block != b.block) continue;
      if (f.block == Form4Block::Housing) {
        // One entry per category: 棟 / 世帯 / 人 together.
        if (!f.key.ends_with("_bldg")) continue;
        const std::string stem(f.key.substr(0, f.key.size() - 5));
        std::string parts;
        for (const char* suffix : {"_bldg", "_hh", "_persons"}) {
          const Form4Field* part = find_form4_field(stem + suffix);
          const std::string v = figure(totals.get(part->key), part->unit_ja, part->unit_en, false);
          if (!v.empty()) parts += (parts.empty() ? "" : " ") + v;
        }
        std::string_view label = lang == Lang::Ja ? f.ja : f.en;
        label = label.substr(0, label.find(lang == Lang::Ja ? "(" : " ("));
        if (!parts.empty() || !f.optional_row) add(label, parts);
        continue;
      }
      const std::string v = figure(totals.get(f.key), f.unit_ja, f.unit_en, f.hectares);
      if (!v.empty() || !f.optional_row) add(lang == Lang::Ja ? f.ja : f.en, v);
    }
    for (const Form4Computed& c : form4_computed())
      if (c.block == b.block) add(lang == Lang::Ja ? c.ja : c.en, figure(totals.get(c.key), c.unit_ja, c.unit_en, false));
    out.push_back(std::move(bt));
  }
  return out;
}

std::string situation_summary(Db& db, Lang lang, TimeMs now) {
  std::string out;
  auto line = [&](const std::string& s) { out += s + "\n"; };

  const StoreStats stats = store_stats(db);
  const bool exercise = is_exercise_dataset(stats.dataset);
  if (exercise) line(tr(lang, "■■ 訓練 EXERCISE ■■  (訓練データ: 実災害の報告には使えません)",
                        "■■ EXERCISE 訓練 ■■  (drill data: never part of an actual report)"));
  auto hq = get<HqState>(db, kHqStateId);
  std::string title = hq && !hq->municipality.empty() ? hq->municipality : tr(lang, "(市町村未設定)", "(municipality not set)");
  line(title + " " + tr(lang, "災害対策本部 状況概要", "disaster HQ situation summary") + "  " + as_of(lang, now));
  line(tr(lang, "ノード: ", "Node: ") + stats.node_id + "  " + tr(lang, "データセット: ", "Dataset: ") +
       stats.dataset + "  " + tr(lang, "ファイル: ", "File: ") + stats.path);
  if (hq) {
    std::string s = tr(lang, "本部体制: ", "HQ: ") + std::string(enums::hq_state.text(hq->state, lang));
    if (!hq->activation_level.empty())
      s += " / " + std::string(enums::activation_level.text(hq->activation_level, lang));
    if (!hq->disaster_name.empty()) s += "   " + tr(lang, "災害名: ", "Disaster: ") + hq->disaster_name;
    if (hq->occurred_at)
      s += " (" + tr(lang, "発生 ", "occurred ") + format_hhmm_jst(hq->occurred_at->ms) + ")";
    line(s);
  } else {
    line(tr(lang, "本部体制: 未確認", "HQ state: unknown"));
  }

  line("");
  line(tr(lang, "【第4号様式 集計】各支所の最新報の合計（未報告・未確認は0ではなく「未確認」）",
          "[Form 4 totals] sum of each branch's latest report (unreported counts are 'unknown', not 0)"));
  const Form4Totals totals = form4_totals(db);
  for (const Form4BlockText& b : form4_block_texts(totals, lang)) {
    std::string s = b.known;
    if (!b.unknown.empty())
      s += (b.known.empty() ? "" : "  ") + tr(lang, "未確認: ", "unknown: ") + b.unknown;
    line("  " + pad(b.label, 26) + " " + s);
  }

  line("");
  line(tr(lang, "【支所の報告状況】", "[Branch reports]"));
  for (const BranchFreshness& f : branch_freshness(db, now)) {
    std::string name = f.branch.name.empty() ? f.branch.id
                       : lang == Lang::En && !f.branch.name_en.empty() ? f.branch.name_en
                                                                       : f.branch.name;
    std::string s = "  " + pad(name, 22);
    if (f.latest_report_no == 0) {
      s += tr(lang, "未報告", "no report yet");
    } else {
      char no[32];
      std::snprintf(no, sizeof no, lang == Lang::Ja ? "第%lld報" : "report #%lld",
                    static_cast<long long>(f.latest_report_no));
      s += pad(no, 12);
      if (f.latest_as_of) s += pad(as_of(lang, *f.latest_as_of), 26) + format_age(*f.age_ms, lang == Lang::Ja);
    }
    if (f.stale && f.latest_report_no != 0) {
      s += lang == Lang::Ja ? "  ⚠ " + std::to_string(f.stale_after_min) + "分以上報告なし"
                            : "  ⚠ nothing for over " + std::to_string(f.stale_after_min) + " min";
    } else if (f.stale && hq && hq->occurred_at && now - hq->occurred_at->ms >= f.stale_after_min * 60'000) {
      // Never reported: how long since the disaster began, not a time the office has not had.
      const std::string min = std::to_string((now - hq->occurred_at->ms) / 60'000);
      s += lang == Lang::Ja ? "  ⚠ 発生から" + min + "分、報告なし" : "  ⚠ nothing in the " + min + " min since it began";
    }
    line(s);
  }

  line("");
  line(tr(lang, "【ライフライン】(支障数 / 最大, 時点)", "[Lifelines] (affected / peak, as of)"));
  const LifelineMatrix m = lifeline_matrix(db);
  for (const Label& type : enums::lifeline_type.values) {
    TriTotal cur, peak;
    int areas = 0, disrupted = 0;
    std::optional<TimeMs> oldest;
    for (const Area& a : m.areas) {
      const LifelineStatus* c = m.cell(a.id, type.code);
      if (!c) continue;
      ++areas;
      cur.add(detail::to_value(c->affected));
      peak.add(detail::to_value(c->peak_affected));
      if (c->status != "no_damage" && c->status != "restored") ++disrupted;
      if (c->as_of && (!oldest || c->as_of->ms < *oldest)) oldest = c->as_of->ms;
    }
    if (areas == 0) continue;
    std::string s = "  " + pad(std::string(type.text(lang)), 16) + cur.display(lang) + " / " +
                    peak.display(lang) + "  ";
    s += lang == Lang::Ja ? "支障地区 " + std::to_string(disrupted) + "/" + std::to_string(areas)
                          : "areas affected " + std::to_string(disrupted) + "/" + std::to_string(areas);
    if (oldest) s += "  (" + tr(lang, "最古の情報 ", "oldest ") + format_age(now - *oldest, lang == Lang::Ja) + ")";
    line(s);
  }

  line("");
  const ShelterTotals sh = shelter_totals(db);
  line(tr(lang, "【避難所】開設 ", "[Shelters] open ") + std::to_string(sh.open) + "/" +
       std::to_string(sh.shelters.size()) + tr(lang, "  避難者 ", "  evacuees ") + sh.evacuees.display(lang) +
       tr(lang, "人  世帯 ", "  households ") + sh.households.display(lang));
  const auto requests = open_requests(db);
  line(tr(lang, "【要請】未完了 ", "[Requests] open ") + std::to_string(requests.size()));
  ChronologyPage chrono = chronology_page(db, {}, 0, 1);
  std::string cl = tr(lang, "【クロノロ】", "[Chronology] ") + std::to_string(chrono.total) + tr(lang, "件", " entries");
  if (!chrono.rows.empty()) {
    const ChronologyEntry& e = chrono.rows.front();
    cl += tr(lang, "  最新: ", "  latest: ") + e.node_label + "-" + std::to_string(e.number) + " " +
          (e.at ? format_hhmm_jst(e.at->ms) : "") + " " + utf8_ellipsis(first_line(e.content), 120);
  }
  line(cl);
  if (stats.conflicts_open > 0)
    line(tr(lang, "【競合】要確認 ", "[Conflicts] to review ") + std::to_string(stats.conflicts_open));
  return out;
}

}  // namespace honbu
