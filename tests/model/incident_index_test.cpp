// IncidentIndex, the console's in-memory 事案 list: its order is the SQL list's order in every
// sort, and a list kept up to date change by change equals one loaded afresh.
// Randomized and seeded: HONBU_TEST_SEED reruns a failure.
#include "model/incident_index.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "model/store.hpp"
#include "support/env.hpp"
#include "support/temp_dir.hpp"

using namespace honbu;
using honbu::testing::TempDir;

namespace {

constexpr TimeMs kNow = 1'795'300'000'000;  // 2026-11-22 (JST morning)
using Sort = IncidentFilter::Sort;
constexpr Sort kSorts[] = {Sort::Priority, Sort::ReceivedAt, Sort::Status, Sort::Category, Sort::Area, Sort::Title};
const char* kPriorities[] = {"life", "high", "medium", "low"};
const char* kStatuses[] = {"received", "in_progress", "done", "cancelled"};
const char* kCategories[] = {"building", "fire", "landslide", "road"};
const char* kTitles[] = {"倒壊家屋", "道路冠水", "Fire at school", "fire at school", "停電"};

std::unique_ptr<Store> make(const TempDir& dir) {
  StoreOptions o;
  o.path = dir.file("hq.db");
  o.node_id = "hq";
  o.dataset = "ACTUAL";
  o.wall_clock = [] { return kNow; };
  return Store::open(o);
}

// Few distinct values, so every sort meets ties (times to the minute, 40 of them).
Fields random_incident(std::mt19937_64& rng) {
  Fields f{{"title", kTitles[rng() % 5]},          {"status", kStatuses[rng() % 4]},
           {"area_id", "area-" + std::to_string(rng() % 6)}, {"verification", "unverified"},
           {"priority", kPriorities[rng() % 4]},    {"category", kCategories[rng() % 4]},
           {"received_at", format_iso_jst(kNow - static_cast<TimeMs>(rng() % 40) * 60'000)}};
  return f;
}

void put_incident(Store& s, const std::string& id, Fields f) {
  const LocalResult r = s.put(EntityKind::Incident, id, std::move(f), "t");
  ASSERT_TRUE(r.ok) << honbu::describe(r.problems, Lang::En);
}

std::vector<std::string> ids_of(const IncidentIndex& index) {
  std::vector<std::string> ids;
  for (const IncidentRowPtr& r : *index.rows()) ids.push_back(r->id);
  return ids;
}

std::string view_name(const IncidentFilter& f) {
  return "sort " + std::to_string(static_cast<int>(f.sort)) + (f.descending ? " desc" : " asc") +
         (f.statuses.empty() ? "" : ", open only");
}

std::vector<IncidentFilter> every_view() {
  std::vector<IncidentFilter> views;
  for (Sort sort : kSorts)
    for (bool desc : {false, true})
      for (bool open_only : {false, true}) {
        IncidentFilter f;
        f.sort = sort;
        f.descending = desc;
        if (open_only) f.statuses = {"received", "in_progress"};
        f.limit = 100'000;
        views.push_back(f);
      }
  return views;
}

}  // namespace

TEST(IncidentIndex, OrdersEveryViewAsTheSqlListDoes) {
  const std::uint64_t seed = honbu::testing::test_seed("incident index", 20261202);
  std::mt19937_64 rng(seed);
  TempDir dir;
  auto s = make(dir);
  for (int i = 0; i < 400; ++i) put_incident(*s, s->new_id(), random_incident(rng));
  IncidentIndex index(s->db());
  for (const IncidentFilter& f : every_view()) {
    SCOPED_TRACE(view_name(f));
    index.set_view(f);
    const auto& rows = *index.rows();
    const IncidentPage sql = query_incidents(s->db(), f);
    ASSERT_EQ(rows.size(), sql.rows.size());
    ASSERT_GT(rows.size(), 100u);
    for (size_t i = 1; i < rows.size(); ++i)
      ASSERT_TRUE(index.before(*rows[i - 1], *rows[i])) << "rows " << i - 1 << " and " << i << " out of order";
    if (f.sort == Sort::Priority || f.sort == Sort::ReceivedAt) {
      // SQL breaks ties of its keys (priority and time, or time) by its index's order, the
      // list by id: the keys must agree row by row, the ids only as a set.
      static const std::string kAny;
      std::vector<std::string> sql_ids, list_ids;
      for (size_t i = 0; i < rows.size(); ++i) {
        const Incident& q = sql.rows[i];
        const std::string sql_time = q.received_at ? format_iso_jst(q.received_at->ms) : "";
        const std::string list_time = rows[i]->received_at ? format_iso_jst(*rows[i]->received_at) : "";
        const bool by_priority = f.sort == Sort::Priority;
        ASSERT_EQ(std::tie(by_priority ? q.priority : kAny, sql_time),
                  std::tie(by_priority ? rows[i]->priority : kAny, list_time))
            << "row " << i;
        sql_ids.push_back(q.id);
        list_ids.push_back(rows[i]->id);
      }
      std::sort(sql_ids.begin(), sql_ids.end());
      std::sort(list_ids.begin(), list_ids.end());
      EXPECT_EQ(sql_ids, list_ids);
    } else {
      // Text sorts: column, newest first, id, in SQL as in the list.
      for (size_t i = 0; i < rows.size(); ++i) ASSERT_EQ(sql.rows[i].id, rows[i]->id) << "row " << i;
    }
  }
}

TEST(IncidentIndex, ChangesMovedIntoPlaceEqualAFreshLoad) {
  const std::uint64_t seed = honbu::testing::test_seed("incident index moves", 20261203);
  std::mt19937_64 rng(seed);
  TempDir dir;
  auto s = make(dir);
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    ids.push_back(s->new_id());
    put_incident(*s, ids.back(), random_incident(rng));
  }
  const std::vector<IncidentFilter> views = every_view();
  IncidentIndex kept(s->db());
  for (int round = 0; round < 60; ++round) {
    const IncidentFilter& f = views[static_cast<size_t>(round) % views.size()];
    SCOPED_TRACE("round " + std::to_string(round) + ", " + view_name(f));
    kept.set_view(f);
    std::vector<std::string> changed;
    for (int k = 0; k < 5; ++k) {
      const int what = static_cast<int>(rng() % 10);
      if (what == 0) {  // a new incident
        ids.push_back(s->new_id());
        put_incident(*s, ids.back(), random_incident(rng));
        changed.push_back(ids.back());
        continue;
      }
      const std::string& id = ids[rng() % ids.size()];
      if (what == 1) {
        s->remove(EntityKind::Incident, id, "t");
      } else {
        Fields all = random_incident(rng);
        auto one = all.begin();
        std::advance(one, static_cast<long>(rng() % all.size()));
        s->put(EntityKind::Incident, id, {*one}, "t");  // one field of the list changes
      }
      changed.push_back(id);
    }
    kept.update(changed);
    IncidentIndex fresh(s->db());
    fresh.set_view(f);
    ASSERT_EQ(ids_of(kept), ids_of(fresh));
  }
}
