// Convergence property test (architecture.md "Tests a trusted system of this kind runs"):
// 2–8 stores make random local changes — including concurrent edits of the same fields,
// deletes, counter deltas, peaks and grow-only records — and exchange ops in random order,
// with duplicates, reordering and partial exchanges. At the end every store must hold the
// same state. Seeded: HONBU_TEST_SEED picks the base seed, HONBU_CONVERGENCE_CASES the count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "model/queries.hpp"
#include "model/store.hpp"
#include "support/temp_dir.hpp"

using namespace honbu;
using honbu::testing::TempDir;

namespace {

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

class Replicas {
 public:
  Replicas(const TempDir& dir, int n, std::uint64_t seed) : rng_(seed) {
    for (int i = 0; i < n; ++i) {
      StoreOptions o;
      o.path = dir.file("n" + std::to_string(i) + ".db");
      o.node_id = "n" + std::to_string(i);
      o.dataset = "ACTUAL";
      stores_.push_back(Store::open(o));
    }
  }

  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  Store& at(int i) { return *stores_[static_cast<size_t>(i)]; }
  int size() const { return static_cast<int>(stores_.size()); }

  // One local change on store i. Ids come from small shared pools so that different
  // stores edit the same entities concurrently.
  void local_change(int i) {
    Store& s = at(i);
    static const char* kStatus[] = {"received", "in_progress", "done", "cancelled"};
    static const char* kPriority[] = {"life", "high", "medium", "low"};
    static const char* kTeams[] = {"救助班", "土木班", "情報班"};
    const int what = pick(10);
    if (what <= 2) {  // incident create or edit of the same few fields
      const std::string id = "inc-" + std::to_string(pick(5));
      auto cur = s.load(EntityKind::Incident, id);
      if (cur && cur->deleted) return;
      if (!cur) {
        expect_ok(s.put(EntityKind::Incident, id,
                        {{"title", "倒壊 " + id}, {"category", "building"},
                         {"received_at", "2026-11-22T03:30:00+09:00"}, {"verification", "unverified"},
                         {"priority", kPriority[pick(4)]}, {"status", "received"}},
                        "op-" + s.node_id()));
      } else {
        Fields f;
        if (pick(2)) f["status"] = kStatus[pick(4)];
        if (pick(2)) f["priority"] = kPriority[pick(4)];
        if (pick(2)) f["team"] = kTeams[pick(3)];
        if (pick(3) == 0) f["dead"] = pick(2) ? Value{} : Value{std::int64_t{pick(3)}};
        if (f.empty()) f["team"] = kTeams[pick(3)];
        expect_ok(s.put(EntityKind::Incident, id, f, "op-" + s.node_id()));
      }
    } else if (what == 3) {  // tombstone
      const std::string id = "inc-" + std::to_string(pick(5));
      auto cur = s.load(EntityKind::Incident, id);
      if (cur && !cur->deleted) expect_ok(s.remove(EntityKind::Incident, id, "op"));
    } else if (what == 4) {  // shelter head count (LWW), created by whoever is first
      const std::string id = "sh-" + std::to_string(pick(3));
      Fields f{{"evacuees", std::int64_t{pick(500)}}};
      if (!s.load(EntityKind::Shelter, id)) {
        f["name"] = "避難所 " + id;
        f["shelter_type"] = "designated";
        f["open_state"] = "open";
      }
      expect_ok(s.put(EntityKind::Shelter, id, f, "op"));
    } else if (what == 5) {  // supplies delivered: signed deltas from anyone
      expect_ok(s.add(EntityKind::ShelterSupply, shelter_supply_id("sh-0", "food"),
                      {{"delivered", std::int64_t{pick(40) - 10}}}, "op"));
    } else if (what == 6) {  // lifeline with a peak (Max) and its time (Companion)
      const std::string area = pick(2) ? "chuo" : "kita";
      const std::int64_t affected = pick(5000);
      const std::string at = format_iso_jst(1'795'300'000'000 + pick(100000) * 1000LL);
      expect_ok(s.put(EntityKind::Lifeline, lifeline_id(area, "power"),
                      {{"area_id", area}, {"lifeline_type", "power"}, {"status", "disrupted"},
                       {"affected", affected}, {"peak_affected", affected}, {"peak_at", at},
                       {"as_of", at}, {"source", "電力会社"}},
                      "op"));
    } else if (what == 7) {  // grow-only クロノロ entry
      expect_ok(s.put(EntityKind::Chronology, s.new_id(),
                      {{"number", s.next_chronology_number()}, {"node_label", s.node_id()},
                       {"at", "2026-11-22T04:00:00+09:00"}, {"content", "通報 " + std::to_string(pick(1000))},
                       {"state", "pending"}},
                      "op"));
    } else if (what == 8) {  // chronology state changes (LWW on a grow-only record)
      ChronologyPage page = chronology_page(s.db(), {}, 0, 5);
      if (!page.rows.empty())
        expect_ok(s.put(EntityKind::Chronology, page.rows[static_cast<size_t>(pick(static_cast<int>(page.rows.size())))].id,
                        {{"state", pick(2) ? "done" : "in_progress"}}, "op"));
    } else {  // 第N報 of a shared branch: two offices may file the same number (FirstWins)
      const std::int64_t no = 1 + pick(3);
      const std::string id = branch_report_id("b0", no);
      if (s.load(EntityKind::BranchReport, id)) return;
      expect_ok(s.put(EntityKind::BranchReport, id,
                      {{"branch_id", "b0"}, {"report_no", no}, {"as_of", "2026-11-22T05:00:00+09:00"},
                       {"report_type", "preliminary"}, {"reporter", s.node_id()},
                       {"dead", std::int64_t{pick(4)}}, {"full_bldg", pick(2) ? Value{} : Value{std::int64_t{pick(9)}}}},
                      "op"));
    }
  }

  // Sends (part of) what `from` has and `to` lacks, in a random shape.
  void exchange(int from, int to) {
    std::vector<Op> ops = at(from).ops_missing_for(at(to).version_vector(), 1 + static_cast<size_t>(pick(25)));
    switch (pick(4)) {
      case 0: break;                                              // as streamed
      case 1: std::shuffle(ops.begin(), ops.end(), rng_); break;  // reordered
      case 2:                                                     // partial: a gap to fill later
        if (ops.size() > 1) ops.erase(ops.begin() + pick(static_cast<int>(ops.size())));
        break;
      case 3: {  // duplicated, within and across deliveries
        std::vector<Op> twice = ops;
        ops.insert(ops.end(), twice.begin(), twice.end());
        std::shuffle(ops.begin(), ops.end(), rng_);
        break;
      }
    }
    const ApplyReport r = at(to).apply_remote(ops);
    EXPECT_EQ(r.refused, 0u) << (r.messages.empty() ? "" : r.messages[0]);
    EXPECT_EQ(r.invalid, 0u) << (r.messages.empty() ? "" : r.messages[0]);
    EXPECT_EQ(r.quarantined, 0u);
  }

  // Everyone with everyone until no op moves.
  void settle() {
    for (int round = 0; round < 50; ++round) {
      std::size_t moved = 0;
      for (int a = 0; a < size(); ++a)
        for (int b = 0; b < size(); ++b) {
          if (a == b) continue;
          // Stops when nothing new arrives: a has ops past a gap that b already holds
          // (ops_missing_for sends everything above b's contiguous seq).
          for (;;) {
            auto ops = at(a).ops_missing_for(at(b).version_vector(), 200);
            const std::size_t applied = ops.empty() ? 0 : at(b).apply_remote(ops).applied;
            if (applied == 0) break;
            moved += applied;
          }
        }
      if (moved == 0) return;
    }
    ADD_FAILURE() << "exchanges did not settle";
  }

 private:
  static void expect_ok(const LocalResult& r) {
    EXPECT_TRUE(r.ok) << describe(r.problems, Lang::En);
  }

  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<Store>> stores_;
};

void run_case(std::uint64_t seed) {
  SCOPED_TRACE("convergence case seed " + std::to_string(seed) +
               " (rerun: HONBU_TEST_SEED=" + std::to_string(seed) + " HONBU_CONVERGENCE_CASES=1)");
  TempDir dir;
  std::mt19937_64 shape(seed);
  Replicas r(dir, 2 + static_cast<int>(shape() % 7), seed);
  const int steps = 20 + static_cast<int>(shape() % 60);
  for (int step = 0; step < steps; ++step) {
    if (r.pick(10) < 7) {
      const int i = r.pick(r.size());
      const int n = 1 + r.pick(4);
      r.at(i).batch([&] {
        for (int k = 0; k < n; ++k) r.local_change(i);
      });
    } else {
      const int a = r.pick(r.size());
      const int b = (a + 1 + r.pick(r.size() - 1)) % r.size();
      r.exchange(a, b);
    }
    if (::testing::Test::HasFailure()) return;
  }
  r.settle();
  const std::string hash = state_hash(r.at(0).db());
  const VersionVector vector = r.at(0).version_vector();
  for (int i = 1; i < r.size(); ++i) {
    EXPECT_EQ(state_hash(r.at(i).db()), hash) << "store n" << i << " differs from n0";
    EXPECT_EQ(r.at(i).version_vector(), vector) << "store n" << i;
  }
}

}  // namespace

// Six shards so that ctest can run them side by side; together they run
// HONBU_CONVERGENCE_CASES cases (default 300, the CI minimum).
class Convergence : public ::testing::TestWithParam<int> {};
constexpr int kShards = 6;

TEST_P(Convergence, RandomOpsRandomExchangesSameFinalState) {
  const std::uint64_t base = env_u64("HONBU_TEST_SEED", 20261122);
  const std::uint64_t cases = env_u64("HONBU_CONVERGENCE_CASES", 300);
  const auto shard = static_cast<std::uint64_t>(GetParam());
  const std::uint64_t first = cases * shard / kShards, last = cases * (shard + 1) / kShards;
  std::printf("[ convergence ] cases %llu..%llu of %llu, seeds from %llu (HONBU_TEST_SEED, "
              "HONBU_CONVERGENCE_CASES)\n",
              static_cast<unsigned long long>(first), static_cast<unsigned long long>(last),
              static_cast<unsigned long long>(cases), static_cast<unsigned long long>(base));
  for (std::uint64_t c = first; c < last; ++c) {
    run_case(base + c);
    if (HasFailure()) break;  // the trace names the seed to rerun
  }
}

INSTANTIATE_TEST_SUITE_P(Shards, Convergence, ::testing::Range(0, kShards));
