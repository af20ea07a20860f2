// Read queries the console relies on, and verify(): 第4号様式 totals with 未確認, freshness,
// incident list filters, chronology paging, lifeline matrix, shelters, state hash.
#include "model/queries.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include "model/demo.hpp"
#include "model/store.hpp"
#include "model/summary.hpp"
#include "model/verify.hpp"
#include "support/env.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

using namespace honbu;
using honbu::testing::TempDir;

namespace {

constexpr TimeMs kNow = 1'795'300'000'000;  // 2026-11-22 (JST morning)

std::unique_ptr<Store> make(const TempDir& dir, const std::string& node = "hq") {
  StoreOptions o;
  o.path = dir.file(node + ".db");
  o.node_id = node;
  o.dataset = "ACTUAL";
  o.wall_clock = [] { return kNow; };
  return Store::open(o);
}

void branch(Store& s, const std::string& id, const std::string& name) {
  ASSERT_TRUE(s.put(EntityKind::Branch, id, {{"name", name}, {"branch_kind", "branch"}, {"stale_after_min", std::int64_t{60}}}, "t").ok);
}

void report(Store& s, const std::string& branch_id, std::int64_t no, TimeMs as_of, Fields figures) {
  Fields f{{"branch_id", branch_id}, {"report_no", no}, {"as_of", format_iso_jst(as_of)},
           {"report_type", "preliminary"}, {"reporter", "t"}};
  for (auto& [k, v] : figures) f[k] = v;
  auto r = s.put(EntityKind::BranchReport, branch_report_id(branch_id, no), f, "t");
  ASSERT_TRUE(r.ok) << describe(r.problems, Lang::En);
}

Fields incident(const std::string& title, const char* priority, const char* status, int minute,
                const char* area = "chuo") {
  return {{"title", title},          {"category", "building"},
          {"area_id", area},         {"received_at", format_iso_jst(kNow - 3'600'000 + minute * 60'000)},
          {"verification", "unverified"}, {"priority", priority},
          {"status", status},        {"place", std::string(area) + "付近"}};
}

}  // namespace

TEST(Form4Totals, SumsLatestReportPerBranchAndKeepsUnknownApart) {
  TempDir dir;
  auto s = make(dir);
  branch(*s, "kita", "北部支所");
  branch(*s, "minami", "南部支所");
  branch(*s, "higashi", "東出張所");  // never reports
  report(*s, "kita", 1, kNow - 7'200'000, {{"dead", std::int64_t{5}}, {"full_bldg", std::int64_t{9}}});
  report(*s, "kita", 2, kNow - 600'000, {{"dead", std::int64_t{1}}, {"injured_severe", std::int64_t{2}}});
  report(*s, "minami", 1, kNow - 900'000, {{"dead", std::int64_t{0}}, {"injured_severe", Value{}}});
  const Form4Totals t = form4_totals(s->db());
  // dead: kita's latest (1) + minami (0); higashi unknown. The old 第1報's 5 does not count.
  EXPECT_EQ(t.get("dead").sum, 1);
  EXPECT_EQ(t.get("dead").known_inputs, 2);
  EXPECT_EQ(t.get("dead").unknown_inputs, 1);
  EXPECT_EQ(t.get("dead").display(Lang::Ja), "1 (+未確認)");
  // full_bldg appears only in kita's 第1報: now nobody reports it -> 未確認, not 9 and not 0.
  EXPECT_TRUE(t.get("full_bldg").all_unknown());
  EXPECT_EQ(t.get("full_bldg").display(Lang::Ja), "未確認");
  EXPECT_EQ(t.get("injured_severe").sum, 2);
  EXPECT_EQ(t.get("injured_severe").unknown_inputs, 2);  // minami said 未確認, higashi silent
  // Computed: 計 = dead + missing + injured; never typed, and unknown stays flagged.
  EXPECT_EQ(t.get("human_total").sum, 3);
  EXPECT_GT(t.get("human_total").unknown_inputs, 0);
  ASSERT_EQ(t.branches.size(), 3u);
}

TEST(Form4Totals, AsOfPicksTheReportCurrentAtThatTime) {
  TempDir dir;
  auto s = make(dir);
  branch(*s, "kita", "北部支所");
  report(*s, "kita", 1, kNow - 7'200'000, {{"dead", std::int64_t{5}}});
  report(*s, "kita", 2, kNow - 600'000, {{"dead", std::int64_t{1}}});
  EXPECT_EQ(form4_totals(s->db(), kNow - 3'600'000).get("dead").sum, 5);
  EXPECT_EQ(form4_totals(s->db()).get("dead").sum, 1);
}

TEST(Form4Totals, DamageTotalsAreComputed) {
  TempDir dir;
  auto s = make(dir);
  branch(*s, "kita", "北部支所");
  report(*s, "kita", 1, kNow, {{"dmg_public_works", std::int64_t{1000}}, {"dmg_public_school", std::int64_t{200}},
                               {"dmg_agri_facility", std::int64_t{0}}, {"dmg_other_public", std::int64_t{0}},
                               {"dmg_agriculture", std::int64_t{50}}});
  const Form4Totals t = form4_totals(s->db());
  EXPECT_EQ(t.get("dmg_subtotal").sum, 1200);
  EXPECT_EQ(t.get("dmg_subtotal").unknown_inputs, 0);
  EXPECT_EQ(t.get("dmg_total").sum, 1250);
  EXPECT_GT(t.get("dmg_total").unknown_inputs, 0);  // forestry etc. not reported
}

TEST(BranchFreshness, FlagsSilentAndStaleBranches) {
  TempDir dir;
  auto s = make(dir);
  branch(*s, "kita", "北部支所");
  branch(*s, "minami", "南部支所");
  branch(*s, "higashi", "東出張所");
  report(*s, "kita", 1, kNow - 10 * 60'000, {});
  report(*s, "minami", 1, kNow - 95 * 60'000, {});
  std::map<std::string, BranchFreshness> by;
  for (auto& f : branch_freshness(s->db(), kNow)) by[f.branch.id] = f;
  EXPECT_FALSE(by["kita"].stale);
  EXPECT_EQ(*by["kita"].age_ms, 10 * 60'000);
  EXPECT_TRUE(by["minami"].stale);
  EXPECT_TRUE(by["higashi"].stale);
  EXPECT_EQ(by["higashi"].latest_report_no, 0);
  EXPECT_FALSE(by["higashi"].age_ms);
}

TEST(IncidentQuery, FiltersSortsSearchesAndPages) {
  TempDir dir;
  auto s = make(dir);
  s->batch([&] {
    s->put(EntityKind::Incident, "i1", incident("家屋倒壊 閉じ込め", "life", "received", 10), "t");
    s->put(EntityKind::Incident, "i2", incident("道路陥没", "medium", "in_progress", 20, "kitayama"), "t");
    s->put(EntityKind::Incident, "i3", incident("ガス臭", "high", "done", 30), "t");
    s->put(EntityKind::Incident, "i4", incident("がけ崩れ 100%ふさぐ", "high", "received", 40), "t");
    s->put(EntityKind::Incident, "i5", incident("倒壊家屋 2件目", "low", "received", 50), "t");
  });
  IncidentFilter f;
  f.statuses = {"received", "in_progress"};
  auto p = query_incidents(s->db(), f);
  EXPECT_EQ(p.total, 4);
  std::vector<std::string> ids;
  for (auto& i : p.rows) ids.push_back(i.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"i1", "i4", "i2", "i5"}));  // life, high, medium, low

  f.text = "倒壊";  // Japanese substring
  p = query_incidents(s->db(), f);
  EXPECT_EQ(p.total, 2);
  f.text = "100%";  // LIKE wildcards are literal
  p = query_incidents(s->db(), f);
  ASSERT_EQ(p.total, 1);
  EXPECT_EQ(p.rows[0].id, "i4");

  IncidentFilter by_time;
  by_time.sort = IncidentFilter::Sort::ReceivedAt;
  by_time.descending = true;
  by_time.limit = 2;
  by_time.offset = 1;
  p = query_incidents(s->db(), by_time);
  EXPECT_EQ(p.total, 5);
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].id, "i4");
  EXPECT_EQ(p.rows[1].id, "i3");

  IncidentFilter area;
  area.areas = {"kitayama"};
  EXPECT_EQ(query_incidents(s->db(), area).total, 1);
  s->remove(EntityKind::Incident, "i2", "t");
  EXPECT_EQ(query_incidents(s->db(), area).total, 0);  // tombstoned rows are gone from lists
}

namespace {

// The rows query_incidents pages through, counted directly (its total comes from
// incident_counts when only status and priority are filtered).
std::int64_t counted_directly(Db& db, const IncidentFilter& f) {
  std::string sql = "SELECT count(*) FROM incidents WHERE _deleted = 0";
  auto in = [&](const char* column, const std::vector<std::string>& values) {
    if (values.empty()) return;
    sql += std::string(" AND ") + column + " IN (";
    for (size_t i = 0; i < values.size(); ++i) sql += (i ? ", '" : "'") + values[i] + "'";
    sql += ")";
  };
  in("status", f.statuses);
  in("priority", f.priorities);
  in("area_id", f.areas);
  auto q = db.query(sql);
  q->step();
  return q->column_int(0);
}

}  // namespace

// Random creates, status/priority edits, deletes, remote ops with concurrent edits and
// rolled-back batches: after each step every total equals a direct count.
TEST(IncidentQuery, TotalsFollowEveryCreateEditDeleteAndRollback) {
  const std::uint64_t seed = honbu::testing::test_seed("incident totals", 20261202);
  std::mt19937_64 rng(seed);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  const char* priorities[] = {"life", "high", "medium", "low"};
  const char* statuses[] = {"received", "in_progress", "done", "cancelled"};
  TempDir dir;
  auto hq = make(dir, "hq"), kita = make(dir, "kita");
  std::vector<std::string> ids;
  std::vector<IncidentFilter> filters(6);
  filters[1].statuses = {"received"};
  filters[2].statuses = {"received", "in_progress"};
  filters[3].priorities = {"life", "high"};
  filters[4].statuses = {"done"};
  filters[4].priorities = {"low", "medium"};
  filters[5].statuses = {"received"};
  filters[5].areas = {"kitayama"};  // not in incident_counts: counted from the rows
  for (int step = 0; step < 300; ++step) {
    Store& s = pick(3) ? *hq : *kita;
    const size_t action = ids.empty() ? 0 : pick(10);
    if (action < 4) {
      ids.push_back("i" + std::to_string(step));
      const Fields f =
          incident("事案", priorities[pick(4)], statuses[pick(4)], step % 60, pick(2) ? "chuo" : "kitayama");
      ASSERT_TRUE(s.put(EntityKind::Incident, ids.back(), f, "t").ok);
    } else if (action < 8) {
      Fields f;
      if (pick(2)) f["status"] = statuses[pick(4)];
      if (f.empty() || pick(2)) f["priority"] = priorities[pick(4)];
      s.put(EntityKind::Incident, ids[pick(ids.size())], f, "t");  // refused if deleted or not here yet
    } else if (action == 8) {
      s.remove(EntityKind::Incident, ids[pick(ids.size())], "t");
    } else {
      // A batch that fails after its writes: none of them may count.
      EXPECT_THROW(s.batch([&] {
        s.put(EntityKind::Incident, "gone" + std::to_string(step), incident("x", "life", "received", 1), "t");
        s.put(EntityKind::Incident, ids[pick(ids.size())], {{"status", "done"}}, "t");
        throw std::runtime_error("interrupted");
      }),
                   std::runtime_error);
    }
    if (pick(4) == 0) {  // exchange both ways, the second time as a duplicate delivery
      hq->apply_remote(kita->ops_missing_for(hq->version_vector(), 1000));
      kita->apply_remote(hq->ops_missing_for({}, 100000));
    }
    for (Store* store : {hq.get(), kita.get()})
      for (const IncidentFilter& f : filters)
        ASSERT_EQ(query_incidents(store->db(), f).total, counted_directly(store->db(), f))
            << "step " << step << " on " << store->node_id();
  }
  EXPECT_TRUE(verify_store(*hq).ok);
}

TEST(IncidentQuery, PrioritySortWalksTheIndex) {
  TempDir dir;
  auto s = make(dir);
  // The index expression and the query's ORDER BY must match, or 100k rows get sorted.
  auto q = s->db().query(
      "EXPLAIN QUERY PLAN SELECT id FROM incidents WHERE _deleted = 0 AND status IN ('received') "
      "ORDER BY CASE priority WHEN 'life' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN "
      "'low' THEN 3 ELSE 4 END, received_at DESC LIMIT 500");
  std::string plan;
  while (q->step()) plan += q->column_text(3) + "\n";
  EXPECT_NE(plan.find("incidents_priority"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
}

TEST(ChronologyQuery, PagesNewestFirstAndFilters) {
  TempDir dir;
  auto s = make(dir);
  s->batch([&] {
    for (int i = 1; i <= 45; ++i)
      s->put(EntityKind::Chronology, "c" + std::to_string(100 + i),
             {{"number", std::int64_t{i}}, {"node_label", "hq"},
              {"at", format_iso_jst(kNow - (45 - i) * 60'000)},
              {"content", i % 3 == 0 ? "避難所 開設" : "通報受信"},
              {"category", i % 3 == 0 ? "shelter" : "info"}, {"state", "pending"}},
             "t");
  });
  auto p0 = chronology_page(s->db(), {}, 0, 20);
  EXPECT_EQ(p0.total, 45);
  ASSERT_EQ(p0.rows.size(), 20u);
  EXPECT_EQ(p0.rows[0].number, 45);
  auto p2 = chronology_page(s->db(), {}, 2, 20);
  ASSERT_EQ(p2.rows.size(), 5u);
  EXPECT_EQ(p2.rows.back().number, 1);
  ChronologyFilter f;
  f.categories = {"shelter"};
  EXPECT_EQ(chronology_page(s->db(), f, 0, 100).total, 15);
  f = {};
  f.text = "開設";
  EXPECT_EQ(chronology_page(s->db(), f, 0, 100).total, 15);
}

TEST(LifelineMatrix, CellsByAreaAndType) {
  TempDir dir;
  auto s = make(dir);
  s->put(EntityKind::Area, "chuo", {{"name", "中央町"}, {"branch_id", "hq"}}, "t");
  s->put(EntityKind::Area, "kita", {{"name", "北山"}, {"branch_id", "kita"}}, "t");
  s->put(EntityKind::Lifeline, lifeline_id("chuo", "power"),
         {{"area_id", "chuo"}, {"lifeline_type", "power"}, {"status", "disrupted"}, {"affected", std::int64_t{1200}},
          {"peak_affected", std::int64_t{1200}}, {"as_of", format_iso_jst(kNow)}, {"source", "電力会社"}},
         "t");
  const LifelineMatrix m = lifeline_matrix(s->db());
  EXPECT_EQ(m.areas.size(), 2u);
  ASSERT_TRUE(m.cell("chuo", "power"));
  EXPECT_EQ(m.cell("chuo", "power")->affected, TriCount::of(1200));
  EXPECT_FALSE(m.cell("chuo", "water"));  // never reported: no cell, shown as 未確認
  EXPECT_FALSE(m.cell("kita", "power"));
}

TEST(ShelterTotals, CountsOnlyOpenSheltersAndKeepsUnknown) {
  TempDir dir;
  auto s = make(dir);
  s->put(EntityKind::Shelter, "a", {{"name", "A小"}, {"shelter_type", "designated"}, {"open_state", "open"}, {"evacuees", std::int64_t{120}}}, "t");
  s->put(EntityKind::Shelter, "b", {{"name", "B中"}, {"shelter_type", "designated"}, {"open_state", "open"}}, "t");
  s->put(EntityKind::Shelter, "c", {{"name", "C体育館"}, {"shelter_type", "designated"}, {"open_state", "not_opened"}, {"evacuees", std::int64_t{7}}}, "t");
  const ShelterTotals t = shelter_totals(s->db());
  EXPECT_EQ(t.open, 2);
  EXPECT_EQ(t.evacuees.sum, 120);
  EXPECT_EQ(t.evacuees.unknown_inputs, 1);
  EXPECT_EQ(t.evacuees.display(Lang::En), "120 (+unknown)");
}

TEST(Requests, OpenOnesUrgentFirst) {
  TempDir dir;
  auto s = make(dir);
  s->put(EntityKind::Request, "r1", {{"kind", "supplies"}, {"title", "毛布"}, {"status", "open"}, {"priority", "low"}}, "t");
  s->put(EntityKind::Request, "r2", {{"kind", "personnel"}, {"title", "応援職員"}, {"status", "assigned"}, {"priority", "life"}}, "t");
  s->put(EntityKind::Request, "r3", {{"kind", "supplies"}, {"title", "水"}, {"status", "done"}, {"priority", "high"}}, "t");
  auto open = open_requests(s->db());
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].id, "r2");
  EXPECT_EQ(open[1].id, "r1");
}

TEST(StateHash, EqualForSameOpsAndSensitiveToChanges) {
  TempDir dir;
  auto a = make(dir, "hq");
  auto b = make(dir, "kita");
  a->put(EntityKind::Incident, "i1", incident("倒壊", "high", "received", 1), "t");
  b->apply_remote(a->ops_missing_for({}, 10));
  EXPECT_EQ(state_hash(a->db()), state_hash(b->db()));
  a->put(EntityKind::Incident, "i1", {{"status", "done"}}, "t");
  EXPECT_NE(state_hash(a->db()), state_hash(b->db()));
}

TEST(Verify, PassesOnDemoDataAndCatchesATamperedTable) {
  TempDir dir;
  const std::string path = dir.file("hq.db");
  {
    StoreOptions o;
    o.path = path;
    o.node_id = "hq";
    o.dataset = kDemoDataset;
    auto s = Store::open(o);
    fill_demo_master_data(*s, kNow);
    fill_demo_node(*s, demo_nodes()[0], kNow, 7);
  }
  VerifyReport ok = verify_store(path);
  EXPECT_TRUE(ok.ok) << (ok.problems.empty() ? "" : ok.problems[0]);
  EXPECT_GT(ok.ops_replayed, 50);
  EXPECT_EQ(ok.live_hash, ok.replay_hash);
  {
    Db db(path, OpenMode::ReadWrite);
    db.exec("UPDATE shelters SET evacuees = evacuees + 1000");  // edited behind the op log's back
  }
  VerifyReport bad = verify_store(path);
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.live_hash, bad.replay_hash);
}

TEST(Verify, CatchesListTotalsThatDisagreeWithTheIncidents) {
  TempDir dir;
  const std::string path = dir.file("hq.db");
  {
    auto s = make(dir);
    ASSERT_TRUE(s->put(EntityKind::Incident, "i1", incident("道路陥没", "high", "received", 5), "t").ok);
  }
  EXPECT_TRUE(verify_store(path).ok);
  {
    Db db(path, OpenMode::ReadWrite);
    db.exec("UPDATE incident_counts SET n = n + 2");
  }
  const VerifyReport bad = verify_store(path);
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.live_hash, bad.replay_hash);  // the incidents themselves are right
  ASSERT_EQ(bad.problems.size(), 1u);
  EXPECT_NE(bad.problems[0].find("incident_counts"), std::string::npos) << bad.problems[0];
}

TEST(Summary, ShowsUnknownAndExerciseBannerInBothLanguages) {
  TempDir dir;
  auto s = honbu::testing::open_store(dir.file("hq.db"), "hq", kDemoDataset);
  fill_demo_master_data(*s, kNow);
  fill_demo_node(*s, demo_nodes()[0], kNow, 7);
  const std::string ja = situation_summary(s->db(), Lang::Ja, kNow);
  const std::string en = situation_summary(s->db(), Lang::En, kNow);
  EXPECT_NE(ja.find("訓練"), std::string::npos);
  EXPECT_NE(ja.find("未確認"), std::string::npos);
  EXPECT_NE(ja.find("東出張所"), std::string::npos);
  EXPECT_NE(ja.find("未報告"), std::string::npos);
  EXPECT_NE(en.find("EXERCISE"), std::string::npos);
  EXPECT_NE(en.find("unknown"), std::string::npos);
  EXPECT_NE(en.find("no report yet"), std::string::npos);
}

// An office that never reported is not said to have been silent for longer than the
// disaster is old (the drill's terminal said "nothing for over 60 min" 30 min in).
TEST(Summary, AnOfficeThatNeverReportedIsSilentOnlySinceTheDisasterBegan) {
  TempDir dir;
  auto s = make(dir);
  branch(*s, "kita", "北部支所");  // stale after 60 min, never reports
  auto summary_at = [&](TimeMs occurred, Lang lang) {
    EXPECT_TRUE(s->put(EntityKind::HqState, std::string(kHqStateId),
                       {{"state", "countermeasures"}, {"occurred_at", format_iso_jst(occurred)}}, "t").ok);
    return situation_summary(s->db(), lang, kNow);
  };
  std::string en = summary_at(kNow - 30 * 60'000, Lang::En);
  EXPECT_NE(en.find("no report yet"), std::string::npos) << en;
  EXPECT_EQ(en.find("nothing for over"), std::string::npos) << en;
  EXPECT_EQ(en.find("⚠"), std::string::npos) << en;
  en = summary_at(kNow - 90 * 60'000, Lang::En);
  EXPECT_NE(en.find("⚠ nothing in the 90 min since it began"), std::string::npos) << en;
  const std::string ja = summary_at(kNow - 90 * 60'000, Lang::Ja);
  EXPECT_NE(ja.find("⚠ 発生から90分、報告なし"), std::string::npos) << ja;
}

// The demo's new calls carry the category they are: it said 「けが人の通報 / 道路被害」 and
// 「家屋の一部損壊 / 人的被害」, and people train on the demo.
TEST(Demo, NewCallsCarryTheirOwnCategory) {
  TempDir dir;
  auto s = honbu::testing::open_store(dir.file("kita.db"), "kita", kDemoDataset);
  fill_demo_master_data(*s, kNow);
  for (std::uint64_t step = 0; step < 6 * 40; step += 6) demo_update(*s, demo_nodes()[1], step);
  const std::map<std::string, std::string> want = {{"けが人の通報", "casualty"},   {"家屋の一部損壊", "building"},
                                                   {"倒木 通行支障", "road"},     {"道路に落下物", "road"},
                                                   {"断水の問い合わせ", "lifeline"},
                                                   {"避難所へ移動できない高齢者", "evacuation"}};
  int checked = 0;
  for (const auto& row : query_incidents(s->db(), IncidentFilter{}).rows)
    for (const auto& [title, category] : want)
      if (row.title.ends_with(title)) {
        EXPECT_EQ(row.category, category) << row.title;
        ++checked;
      }
  EXPECT_GE(checked, 30);
}
