// 第4号様式 on a fixed dataset, with the numbers worked out by hand: each office's latest
// report as of the chosen time, 未確認 apart from 0 (and "1 (+未確認)" where some office has
// not reported), computed totals (計, り災, 小計, 被害総額), 第N報 from the issued ones, the
// changes since the last issued report underlined, drill data marked 訓練 / Exercise.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "export_fixture.hpp"
#include "model/export/csv.hpp"
#include "model/export/form4_report.hpp"
#include "model/export/publication.hpp"
#include "model/queries.hpp"

using namespace honbu;
using namespace honbu::testing;

namespace {

constexpr TimeMs kHour = 3'600'000;
// 2026-11-22 09:00 JST as the morning of the fixture's disaster.
const TimeMs k0900 = *parse_iso("2026-11-22T09:00:00+09:00");

void report(Store& s, const std::string& branch, std::int64_t no, TimeMs as_of, Fields figures) {
  Fields f{{"branch_id", branch}, {"report_no", no}, {"as_of", format_iso_jst(as_of)}, {"report_type", std::string("preliminary")},
           {"reporter", branch + " 担当"}};
  for (auto& [k, v] : figures) f[k] = v;
  const LocalResult r = s.put(EntityKind::BranchReport, branch_report_id(branch, no), f, "test");
  ASSERT_TRUE(r.ok) << (r.problems.empty() ? "" : r.problems[0].en);
}

// The demo city's offices (hq, kita, minami, higashi) and their reports; hq and higashi
// never report.
std::unique_ptr<Store> fixture(const TempDir& dir, const std::string& dataset) {
  auto s = open_store(dir, dataset);
  fill_demo_master_data(*s, kNow);
  report(*s, "kita", 1, k0900 + kHour, {{"dead", std::int64_t{1}}, {"injured_minor", std::int64_t{3}}, {"full_bldg", std::int64_t{2}},
                                       {"partial_bldg", std::int64_t{5}}, {"place", std::string("北山2丁目")}});
  report(*s, "kita", 2, k0900 + 2 * kHour,
         {{"dead", std::int64_t{1}}, {"injured_minor", std::int64_t{4}}, {"full_bldg", std::int64_t{3}}, {"full_hh", std::int64_t{3}},
          {"full_persons", std::int64_t{8}}, {"partial_bldg", std::int64_t{5}}, {"place", std::string("北山2丁目ほか")}});
  report(*s, "minami", 1, k0900 + 90 * 60'000,
         {{"dead", std::int64_t{0}}, {"injured_severe", std::int64_t{1}}, {"full_bldg", std::int64_t{0}}, {"flood_above_hh", std::int64_t{2}},
          {"flood_above_persons", std::int64_t{5}}, {"dmg_public_works", std::int64_t{1200}}, {"dmg_agriculture", std::int64_t{300}}});
  return s;
}

Form4Report build(Store& s, TimeMs as_of, Form4Part part = Form4Part::Sono2) {
  Form4Options o;
  o.part = part;
  o.as_of = as_of;
  o.reporter = "防災課 佐藤";
  return build_form4(s.db(), o);
}

std::string shown(const Form4Report& r, const char* key) { return r.total(key).display(Lang::Ja); }

}  // namespace

TEST(Form4, TotalsAsOfATimeFromEachOfficesLatestReport) {
  TempDir dir;
  auto s = fixture(dir, "EXERCISE:quake");
  // 10:45: kita's 第1報 (10:00) and minami's (10:30); kita's 第2報 (11:00) is not in yet.
  const Form4Report a = build(*s, k0900 + 105 * 60'000);
  EXPECT_EQ(shown(a, "dead"), "1 (+未確認)");             // 1 + 0, hq and higashi 未確認
  EXPECT_EQ(shown(a, "injured_minor"), "3 (+未確認)");
  EXPECT_EQ(shown(a, "full_bldg"), "2 (+未確認)");          // a reported 0 is a number
  EXPECT_EQ(shown(a, "half_bldg"), "未確認");               // nobody reported it: never 0
  EXPECT_EQ(shown(a, "human_total"), "5 (+未確認)");        // 計 = 1 + 0 + 1 + 3 (computed)
  EXPECT_EQ(shown(a, "risai_hh"), "2 (+未確認)");           // り災世帯 = 床上浸水 2 (computed)
  EXPECT_EQ(shown(a, "dmg_subtotal"), "1200 (+未確認)");    // 小計 = 公共土木 1200
  EXPECT_EQ(shown(a, "dmg_total"), "1500 (+未確認)");       // 被害総額 = 小計 + 農業 300
  // 12:00: kita's 第2報 replaces its 第1報 (not added to it).
  const Form4Report b = build(*s, k0900 + 3 * kHour);
  EXPECT_EQ(shown(b, "injured_minor"), "4 (+未確認)");
  EXPECT_EQ(shown(b, "full_bldg"), "3 (+未確認)");
  EXPECT_EQ(shown(b, "risai_hh"), "5 (+未確認)");           // 全壊 3 + 床上 2
  EXPECT_EQ(shown(b, "risai_persons"), "13 (+未確認)");     // 8 + 5
  // Which report of whom went in; the offices that never reported are listed as such.
  int reported = 0, unreported = 0;
  for (const Form4Source& src : b.sources) (src.report ? reported : unreported)++;
  EXPECT_EQ(reported, 2);
  EXPECT_EQ(unreported, 2);
  // Before anyone reported, everything is 未確認 — and never a row of zeros.
  const Form4Report early = build(*s, k0900);
  for (const auto& [key, t] : early.totals) EXPECT_TRUE(t.all_unknown()) << key;
}

// An office whose latest report is older than its limit (the demo city's: 60 min) at the
// form's as-of time is marked, so the operator sees it before issuing. Offices that never
// reported are listed as unreported, not stale.
TEST(Form4, AnOfficesOldLatestReportIsMarkedStaleAtTheFormsTime) {
  TempDir dir;
  auto s = fixture(dir, "EXERCISE:quake");
  auto stale = [](const Form4Report& r) {
    std::set<std::string> ids;
    for (const Form4Source& src : r.sources)
      if (src.stale_at(r.as_of)) ids.insert(src.branch_id);
    return ids;
  };
  using Ids = std::set<std::string>;
  EXPECT_EQ(stale(build(*s, k0900 + 105 * 60'000)), Ids{});  // 10:45: kita's 第1報 45 min old, minami's 15
  // 12:00: minami's 第1報 (10:30) is 90 minutes old; kita's 第2報 (11:00) is 60, still within.
  EXPECT_EQ(stale(build(*s, k0900 + 3 * kHour)), Ids{"minami"});
  EXPECT_EQ(stale(build(*s, k0900 + 4 * kHour + 60'000)), (Ids{"kita", "minami"}));  // 13:01
}

TEST(Form4, NumberedFromTheIssuedOnesAndChangesMarked) {
  TempDir dir;
  auto s = fixture(dir, "EXERCISE:quake");
  const Form4Report first = build(*s, k0900 + 105 * 60'000, Form4Part::Sono1);
  EXPECT_EQ(first.number, 1);
  EXPECT_TRUE(first.changed.empty()) << "nothing issued yet: nothing to compare with";
  // Building a report writes nothing (a draft); issuing it is the explicit act.
  EXPECT_TRUE(publications(s->db()).empty());
  const std::string html1 = form4_html(first);
  const LocalResult issued = record_publication(*s, form4_publication(first, "防災課 佐藤", "神奈川県", "form4-1.html", html1, kNow), "防災課 佐藤");
  ASSERT_TRUE(issued.ok);
  // The same number again is refused.
  EXPECT_FALSE(record_publication(*s, form4_publication(first, "防災課 佐藤", "神奈川県", "x.html", html1, kNow), "x").ok);

  // kita's 第2報 arrives: 第2報 of the form, and what changed since 第1報 is marked.
  const Form4Report second = build(*s, k0900 + 3 * kHour);
  EXPECT_EQ(second.number, 2);
  ASSERT_TRUE(second.previous.has_value());
  EXPECT_TRUE(second.is_changed("injured_minor"));  // 3 → 4
  EXPECT_TRUE(second.is_changed("full_bldg"));      // 2 → 3
  EXPECT_TRUE(second.is_changed("full_hh"));        // 未確認 → 3
  EXPECT_TRUE(second.is_changed("human_total"));
  EXPECT_FALSE(second.is_changed("dead"));          // 1 (+未確認) both times
  EXPECT_FALSE(second.is_changed("half_bldg"));     // 未確認 both times
  const std::string html = form4_html(second);
  EXPECT_NE(html.find("<u>4 (+未確認)</u>"), std::string::npos);
  EXPECT_EQ(html.find("<u>1 (+未確認)</u>"), std::string::npos);
  EXPECT_NE(html.find("前回発信した第1報"), std::string::npos);

  const auto pubs = publications(s->db());
  ASSERT_EQ(pubs.size(), 1u);
  EXPECT_EQ(pubs[0].format, "form4_1");
  EXPECT_EQ(pubs[0].report_no, 1);
  EXPECT_EQ(pubs[0].published_by, "防災課 佐藤");
  EXPECT_EQ(pubs[0].addressed_to, "神奈川県");
  EXPECT_EQ(pubs[0].digest, content_digest(html1));
}

TEST(Form4, PrintableHtmlInTheFormsOrderAndMarkedAsAnExercise) {
  TempDir dir;
  auto s = fixture(dir, "EXERCISE:quake");
  const Form4Report r = build(*s, k0900 + 3 * kHour);
  const std::string html = form4_html(r);
  EXPECT_NE(html.find("size: A4"), std::string::npos);
  EXPECT_NE(html.find("第4号様式(その2) 被害状況即報"), std::string::npos);
  EXPECT_NE(html.find("訓練 / EXERCISE"), std::string::npos);
  EXPECT_NE(html.find("神奈川県"), std::string::npos);
  EXPECT_NE(html.find("みなと市"), std::string::npos);
  EXPECT_NE(html.find("防災課 佐藤"), std::string::npos);
  // Blocks in the form's order.
  const size_t human = html.find(">人的被害<"), housing = html.find(">住家被害<"), fire = html.find(">火災発生<"),
               amount = html.find(">被害額<"), remarks = html.find(">備考<");
  ASSERT_NE(human, std::string::npos);
  EXPECT_LT(human, housing);
  EXPECT_LT(housing, fire);
  EXPECT_LT(fire, amount);
  EXPECT_LT(amount, remarks);
  EXPECT_NE(html.find("未報告(全項目 未確認)"), std::string::npos);
  // その1 carries 発生場所 (from kita's report) and its first figures; その2 does not.
  const std::string sono1 = form4_html(build(*s, k0900 + 3 * kHour, Form4Part::Sono1));
  EXPECT_NE(sono1.find("北部支所: 北山2丁目ほか"), std::string::npos);
  EXPECT_NE(sono1.find("第4号様式(その1) 災害概況即報"), std::string::npos);
  EXPECT_EQ(sono1.find(">被害額<"), std::string::npos);

  // Real data: no 訓練 anywhere.
  TempDir real;
  auto a = fixture(real, "ACTUAL");
  const std::string actual = form4_html(build(*a, k0900 + 3 * kHour));
  EXPECT_EQ(actual.find("訓練"), std::string::npos);
  EXPECT_EQ(actual.find("EXERCISE"), std::string::npos);
}

TEST(Form4, CsvKeepsUnknownApartFromZeroAndSaysExercise) {
  TempDir dir;
  auto s = fixture(dir, "EXERCISE:quake");
  const Form4Report r = build(*s, k0900 + 3 * kHour);
  const std::string csv = form4_csv(r, Lang::Ja, true);
  ASSERT_EQ(csv.rfind("\xEF\xBB\xBF", 0), 0u);
  const CsvDocument doc = parse_csv(csv);
  ASSERT_TRUE(doc.errors.empty());
  std::map<std::string, std::vector<std::string>> by_key;
  for (const CsvRecord& rec : doc.records) {
    if (rec.cells.size() >= 8) by_key[rec.cells[1]] = rec.cells;
  }
  EXPECT_EQ(by_key.at("status")[4], "Exercise");
  EXPECT_EQ(by_key.at("report_no")[4], "1");
  EXPECT_EQ(by_key.at("injured_minor")[4], "4");
  EXPECT_EQ(by_key.at("injured_minor")[5], "3");  // hq, higashi (no report), minami (left it out)
  EXPECT_EQ(by_key.at("half_bldg")[4], "");        // empty value: 未確認
  EXPECT_EQ(by_key.at("half_bldg")[6], "未確認");
  EXPECT_EQ(by_key.at("dmg_total")[4], "1500");
  EXPECT_EQ(doc.records[0].cells[0], "区分");
  // English headers, and Actual for real data.
  TempDir real;
  auto a = fixture(real, "ACTUAL");
  const CsvDocument en = parse_csv(form4_csv(build(*a, k0900 + 3 * kHour), Lang::En, false));
  EXPECT_EQ(en.records[0].cells[0], "section");
  int status_rows = 0;
  for (const CsvRecord& rec : en.records) {
    if (rec.cells.size() > 4 && rec.cells[1] == "status") {
      EXPECT_EQ(rec.cells[4], "Actual");
      ++status_rows;
    }
  }
  EXPECT_EQ(status_rows, 1);
}

TEST(Form4, SnapshotReadsBackAndABrokenOneIsAClearError) {
  TempDir dir;
  auto s = fixture(dir, "EXERCISE:quake");
  const Form4Report r = build(*s, k0900 + 3 * kHour);
  const auto back = form4_snapshot_totals(form4_snapshot(r));
  ASSERT_EQ(back.size(), r.totals.size());
  for (const auto& [key, t] : r.totals) {
    EXPECT_EQ(back.at(key).sum, t.sum) << key;
    EXPECT_EQ(back.at(key).unknown_inputs, t.unknown_inputs) << key;
  }
  EXPECT_THROW(form4_snapshot_totals("{\"figures\": {\"dead\": \"x\"}}"), Error);
}
