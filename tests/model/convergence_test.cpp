// Convergence property test (architecture.md "Tests a trusted system of this kind runs"),
// plus the merge rules end to end through real stores.
//
// Each random case: 2-8 stores (real SQLite files, one node id each, dataset ACTUAL) make
// random local changes - creates, concurrent edits of the same fields of the same entities,
// tombstones, counter deltas, peaks (Max), grow-only records, 第N報 filed twice - while
// random pairs exchange part of what they have: shuffled, duplicated, re-delivered, with
// gaps filled later, and stores restart now and then. At the end they exchange until
// nothing moves, and every store must hold the same state hash and version vector, and the
// values the merge rules prescribe.
//
// Seeded and reproducible: case c uses seed HONBU_TEST_SEED + c (the wall clocks are
// simulated too). Rerun one failing case with the command its trace prints.
// HONBU_CONVERGENCE_CASES sets the number of cases (default 300, the CI minimum).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "model/ids.hpp"
#include "model/queries.hpp"
#include "model/store.hpp"
#include "model/time.hpp"
#include "model/verify.hpp"
#include "support/env.hpp"
#include "support/temp_dir.hpp"

using namespace honbu;
using honbu::testing::TempDir;

namespace {

constexpr TimeMs kStart = 1'795'300'000'000;  // 2026-11-22, JST morning
constexpr std::uint64_t kDefaultSeed = 20261122;
constexpr std::uint64_t kDefaultCases = 300;

using honbu::testing::env_u64;

using OpKey = std::pair<std::string, std::uint64_t>;  // (origin, seq)

// What a store's version vector must be when it holds exactly `have`.
VersionVector contiguous_of(const std::set<OpKey>& have) {
  VersionVector v;
  for (const auto& [origin, seq] : have) {  // by origin, then seq
    std::uint64_t& c = v[origin];
    if (seq == c + 1) c = seq;
  }
  std::erase_if(v, [](const auto& e) { return e.second == 0; });
  return v;
}

std::string describe_ops(const std::vector<Op>& ops) {
  std::string s;
  for (const Op& op : ops) s += (s.empty() ? "" : " ") + op.origin + "#" + std::to_string(op.seq);
  return s;
}

// Totals over all cases, printed at the end and checked for coverage: a generator that
// stopped producing conflicts or gaps would make the property test vacuous.
struct Coverage {
  std::uint64_t cases = 0, stores = 0, ops = 0, deliveries = 0, duplicates = 0, gap_deliveries = 0,
                conflicts = 0, deletes = 0, deltas = 0, peaks = 0, first_wins_races = 0,
                stale_bases = 0, restarts = 0, verified = 0;
};

// [SECTION] One random case

class Case {
 public:
  Case(std::uint64_t seed, const TempDir& dir, Coverage& cov)
      : rng_(seed), ids_(seed ^ 0x9e3779b97f4a7c15ULL), cov_(cov) {
    const int n = pick(4) == 0 ? 2 + pick(7) : 2 + pick(3);  // 2-8 stores; 2-4 more often
    for (int i = 0; i < n; ++i) {
      auto node = std::make_unique<Node>();
      node->id = "n" + std::to_string(i);
      node->skew = i == 0 ? 0 : pick(3001) - 1500;  // wall clocks disagree by up to 3 s
      StoreOptions o;
      o.path = dir.file(node->id + ".db");
      o.node_id = node->id;
      o.dataset = "ACTUAL";
      o.wall_clock = [this, skew = node->skew] { return now_ + skew; };
      node->options = o;
      node->store = Store::open(std::move(o));
      nodes_.push_back(std::move(node));
    }
    cov_.stores += static_cast<std::uint64_t>(n);
  }

  void run() {
    const int budget = 20 + std::min(pick(61), pick(61));  // 20-80 local ops, ~40 on average
    for (int step = 0; issued_.size() < static_cast<size_t>(budget) && step < 8 * budget; ++step) {
      if (pick(2) == 0) {
        Node& n = *nodes_[static_cast<size_t>(pick(size()))];
        const int commands = 1 + pick(6);
        n.store->batch([&] {  // several commands, one durable transaction
          for (int k = 0; k < commands; ++k) local_command(n);
        });
      } else if (pick(40) == 0) {  // a restart: caches, clock and gaps come back from the file
        Node& n = *nodes_[static_cast<size_t>(pick(size()))];
        n.store.reset();
        n.store = Store::open(n.options);
        EXPECT_EQ(n.store->version_vector(), contiguous_of(n.have)) << n.id << " after a restart";
        ++cov_.restarts;
      } else {
        const int a = pick(size());
        exchange(a, (a + 1 + pick(size() - 1)) % size());
      }
      if (::testing::Test::HasFailure()) return;
    }
    settle();
    if (::testing::Test::HasFailure()) return;
    check_converged();
    check_merge_rules(*nodes_[static_cast<size_t>(pick(size()))]->store);
    if (pick(20) == 0) {  // replaying the log gives the same state (slow: a few cases only)
      const VerifyReport v = verify_store(*nodes_[0]->store);
      EXPECT_TRUE(v.ok) << (v.problems.empty() ? "" : v.problems[0]);
      ++cov_.verified;
    }
    ++cov_.cases;
  }

 private:
  struct Node {
    std::string id;
    TimeMs skew = 0;
    StoreOptions options;
    std::unique_ptr<Store> store;
    std::set<OpKey> have;                         // oracle: every op this store holds
    std::map<std::string, BaseClocks> snapshots;  // an incident as an editor saw it earlier
  };

  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  int size() const { return static_cast<int>(nodes_.size()); }
  TimeMs wall(const Node& n) const { return now_ + n.skew; }
  std::string iso(const Node& n) const { return format_iso_jst(wall(n)); }

  void issue(Node& n, const LocalResult& r) {
    EXPECT_TRUE(r.ok) << n.id << ": " << describe(r.problems, Lang::En);
    if (!r.ok) return;
    issued_.push_back(r.op);
    n.have.emplace(r.op.origin, r.op.seq);
  }

  // [SECTION] Local commands. Ids come from small pools shared by all stores, so different
  // stores edit the same fields of the same entities concurrently.

  void local_command(Node& n) {
    now_ += pick(50) == 0 ? 1000 + pick(60000) : pick(3);  // same millisecond now and then
    switch (pick(14)) {
      case 0:
      case 1:
      case 2:
      case 3:
        incident(n);
        break;
      case 4:
        remove_incident(n);
        break;
      case 5:
        shelter(n);
        break;
      case 6:
      case 7:
        supply(n);
        break;
      case 8:
      case 9:
        lifeline(n);
        break;
      case 10:
        new_chronology(n);
        break;
      case 11:
        edit_chronology(n);
        break;
      default:
        branch_report(n);
        break;
    }
  }

  void incident(Node& n) {
    static const char* kStatus[] = {"received", "in_progress", "done", "cancelled"};
    static const char* kPriority[] = {"life", "high", "medium", "low"};
    static const char* kTeams[] = {"救助班", "土木班", "情報班", "消防団第2分団"};
    static const char* kCategory[] = {"building", "fire", "road", "rescue"};
    const std::string id = "inc-" + std::to_string(pick(5));
    const auto cur = n.store->load(EntityKind::Incident, id);
    if (cur && cur->deleted) return;  // a deleted incident refuses edits
    if (!cur) {  // several stores may create the same incident: creation fields merge too
      Fields f{{"title", "倒壊家屋 " + id + " (" + n.id + ")"},
               {"category", kCategory[pick(4)]},
               {"received_at", iso(n)},
               {"verification", "unverified"},
               {"priority", kPriority[pick(4)]},
               {"status", "received"}};
      if (pick(2)) {  // doubles must survive the op log and the wire bit for bit
        f["lat"] = 35.0 + static_cast<double>(pick(1'000'000)) / 997'001.0;
        f["lon"] = 139.0 + static_cast<double>(pick(1'000'000)) / 999'983.0;
      }
      issue(n, n.store->put(EntityKind::Incident, id, std::move(f), "受付 " + n.id));
      return;
    }
    Fields f;
    if (pick(2)) f["status"] = kStatus[pick(4)];
    if (pick(2)) f["priority"] = kPriority[pick(4)];
    if (pick(3) == 0) f["team"] = kTeams[pick(4)];
    if (pick(4) == 0) f["dead"] = pick(3) ? Value{std::int64_t{pick(4)}} : Value{};  // 未確認
    if (pick(5) == 0) f["place"] = "中央区" + std::to_string(1 + pick(9)) + "丁目";
    if (f.empty()) f["status"] = kStatus[pick(4)];
    BaseClocks& snapshot = n.snapshots[id];
    if (!snapshot.empty() && pick(3) == 0) {
      // Saved from a screen opened a while ago: its base clocks may be stale.
      BaseClocks base;
      for (const auto& [name, v] : f)
        if (auto it = snapshot.find(name); it != snapshot.end()) base.emplace(name, it->second);
      ++cov_.stale_bases;
      issue(n, n.store->put(EntityKind::Incident, id, std::move(f), "指令 " + n.id, &base));
      return;
    }
    if (pick(2) == 0) {
      snapshot.clear();
      for (const auto& [name, w] : cur->clock_map())
        if (name != "_deleted") snapshot.emplace(name, w.clock);
    }
    issue(n, n.store->put(EntityKind::Incident, id, std::move(f), "指令 " + n.id));
  }

  void remove_incident(Node& n) {
    const std::string id = "inc-" + std::to_string(pick(5));
    const auto cur = n.store->load(EntityKind::Incident, id);
    if (!cur || cur->deleted) return;
    ++cov_.deletes;
    issue(n, n.store->remove(EntityKind::Incident, id, "指令 " + n.id));
  }

  void shelter(Node& n) {
    static const char* kOpen[] = {"open", "closed", "not_opened"};
    static const char* kCrowding[] = {"available", "crowded", "full"};
    const std::string id = "sh-" + std::to_string(pick(3));
    Fields f;
    if (pick(3)) f["evacuees"] = std::int64_t{pick(500)};
    if (pick(2)) f["crowding"] = kCrowding[pick(3)];
    if (pick(3) == 0) f["open_state"] = kOpen[pick(3)];
    if (f.empty()) f["evacuees"] = Value{};
    if (!n.store->load(EntityKind::Shelter, id)) {
      f["name"] = "避難所 " + id;
      f["shelter_type"] = "designated";
      f.try_emplace("open_state", "open");
    }
    issue(n, n.store->put(EntityKind::Shelter, id, std::move(f), "避難所班 " + n.id));
  }

  void supply(Node& n) {
    const bool food = pick(2) != 0;
    const std::string shelter = food ? "sh-0" : "sh-1", item = food ? "food" : "water";
    const std::string id = shelter_supply_id(shelter, item);
    if (pick(4) == 0) {  // the need itself (LWW); deltas may have created the row already
      Fields f{{"needed", std::int64_t{50 * pick(10)}}};
      if (!n.store->load(EntityKind::ShelterSupply, id)) {
        f["shelter_id"] = shelter;
        f["item"] = item;
      }
      issue(n, n.store->put(EntityKind::ShelterSupply, id, std::move(f), "物資班 " + n.id));
      return;
    }
    ++cov_.deltas;
    issue(n, n.store->add(EntityKind::ShelterSupply, id,
                          {{"delivered", std::int64_t{pick(51) - 10}}}, "物資班 " + n.id));
  }

  void lifeline(Node& n) {
    static const char* kStatus[] = {"disrupted", "partial", "restoring", "restored"};
    const std::string area = pick(2) ? "chuo" : "kita", type = pick(2) ? "power" : "water";
    const std::int64_t affected = 100 * pick(8);  // few values: equal peaks happen
    Fields f{{"area_id", area},
             {"lifeline_type", type},
             {"status", kStatus[pick(4)]},
             {"affected", affected},
             {"as_of", iso(n)},
             {"source", type == "power" ? "電力会社" : "水道局"}};
    if (pick(4)) {
      f["peak_affected"] = affected;
      if (pick(5)) f["peak_at"] = iso(n);  // the peak's time goes with the peak
      ++cov_.peaks;
    }
    issue(n, n.store->put(EntityKind::Lifeline, lifeline_id(area, type), std::move(f),
                          "情報班 " + n.id));
  }

  void new_chronology(Node& n) {
    Fields f{{"number", n.store->next_chronology_number()},
             {"node_label", n.id},
             {"at", iso(n)},
             {"content", "通報 " + std::to_string(pick(1000)) + "：道路冠水"},
             {"state", "pending"}};
    if (pick(2)) f["from_org"] = "消防本部";
    issue(n,
          n.store->put(EntityKind::Chronology, ids_.next(wall(n)), std::move(f), "記録 " + n.id));
  }

  void edit_chronology(Node& n) {  // grow-only record, but its state and team are LWW
    static const char* kState[] = {"pending", "in_progress", "done"};
    const ChronologyPage page = chronology_page(n.store->db(), {}, 0, 6);
    if (page.rows.empty()) return;
    const std::string& id =
        page.rows[static_cast<size_t>(pick(static_cast<int>(page.rows.size())))].id;
    Fields f{{"state", kState[pick(3)]}};
    if (pick(3) == 0) f["team"] = "情報班";
    issue(n, n.store->put(EntityKind::Chronology, id, std::move(f), "記録 " + n.id));
  }

  void branch_report(Node& n) {  // two offices may file the same 第N報 while cut off
    const std::int64_t no = 1 + pick(3);
    const std::string id = branch_report_id("b0", no);
    if (n.store->load(EntityKind::BranchReport, id)) return;  // grow-only: filed already
    if (issued_has(EntityKind::BranchReport, id)) ++cov_.first_wins_races;
    issue(n, n.store->put(EntityKind::BranchReport, id,
                          {{"branch_id", "b0"},
                           {"report_no", no},
                           {"as_of", iso(n)},
                           {"report_type", pick(3) ? "preliminary" : "final"},
                           {"reporter", "北支所 " + n.id},
                           {"dead", std::int64_t{pick(4)}},
                           {"full_bldg", pick(2) ? Value{} : Value{std::int64_t{pick(9)}}}},
                          "北支所 " + n.id));
  }

  bool issued_has(EntityKind kind, const std::string& id) const {
    return std::any_of(issued_.begin(), issued_.end(),
                       [&](const Op& op) { return op.kind == kind && op.entity_id == id; });
  }

  // [SECTION] Exchanges

  // Applies `ops` at node `to` and checks the report and the vector against the oracle.
  ApplyReport deliver(int to, const std::vector<Op>& ops) {
    Node& n = *nodes_[static_cast<size_t>(to)];
    std::set<OpKey> fresh;
    for (const Op& op : ops)
      if (!n.have.count({op.origin, op.seq})) fresh.emplace(op.origin, op.seq);
    const ApplyReport r = n.store->apply_remote(ops);
    ++cov_.deliveries;
    cov_.duplicates += r.duplicates;
    cov_.conflicts += r.conflicts;
    EXPECT_EQ(r.refused, 0u) << n.id << ": " << (r.messages.empty() ? "" : r.messages[0]);
    EXPECT_EQ(r.invalid, 0u) << n.id << ": " << (r.messages.empty() ? "" : r.messages[0]);
    EXPECT_EQ(r.quarantined, 0u) << n.id << ": " << (r.messages.empty() ? "" : r.messages[0]);
    EXPECT_EQ(r.applied, fresh.size()) << n.id << " given " << describe_ops(ops);
    EXPECT_EQ(r.duplicates, ops.size() - fresh.size()) << n.id << " given " << describe_ops(ops);
    n.have.insert(fresh.begin(), fresh.end());
    const VersionVector expected = contiguous_of(n.have);
    EXPECT_EQ(n.store->version_vector(), expected) << n.id << " after " << describe_ops(ops);
    for (const auto& [origin, seq] : n.have) {
      auto it = expected.find(origin);
      if (seq > (it == expected.end() ? 0 : it->second)) {
        ++cov_.gap_deliveries;  // holds an op beyond a gap
        break;
      }
    }
    return r;
  }

  // Part of what `from` has and `to` lacks, in a random shape.
  void exchange(int from, int to) {
    Store& a = *nodes_[static_cast<size_t>(from)]->store;
    const size_t limit = 1 + static_cast<size_t>(pick(24));
    std::vector<Op> ops =
        pick(8) == 0
            ? a.ops_missing_for({}, limit)  // re-delivery from the start
            : a.ops_missing_for(nodes_[static_cast<size_t>(to)]->store->version_vector(), limit);
    if (ops.empty()) return;
    switch (pick(6)) {
      case 0:  // as streamed
        deliver(to, ops);
        break;
      case 1:  // reordered
        std::shuffle(ops.begin(), ops.end(), rng_);
        deliver(to, ops);
        break;
      case 2: {  // a random subset: gaps, filled by a later exchange
        std::vector<Op> some;
        for (Op& op : ops)
          if (pick(2)) some.push_back(std::move(op));
        if (!some.empty()) deliver(to, some);
        break;
      }
      case 3: {  // duplicates inside one delivery
        const size_t n = ops.size();
        for (size_t k = 0, extra = 1 + static_cast<size_t>(pick(static_cast<int>(n))); k < extra;
             ++k)
          ops.push_back(ops[static_cast<size_t>(pick(static_cast<int>(n)))]);
        std::shuffle(ops.begin(), ops.end(), rng_);
        deliver(to, ops);
        break;
      }
      case 4:  // delivered twice (a resend after a lost acknowledgement)
        deliver(to, ops);
        std::shuffle(ops.begin(), ops.end(), rng_);
        deliver(to, ops);
        break;
      default: {  // in chunks, the last chunk first: later seqs before their predecessors
        const size_t cut = static_cast<size_t>(pick(static_cast<int>(ops.size())));
        if (cut < ops.size())
          deliver(to, std::vector<Op>(ops.begin() + static_cast<std::ptrdiff_t>(cut), ops.end()));
        if (cut > 0)
          deliver(to, std::vector<Op>(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(cut)));
        break;
      }
    }
  }

  // Everything into n0, n0 to everyone, then every pair until no op moves.
  void settle() {
    auto pull = [&](int from, int to) {
      for (int guard = 0; guard < 100; ++guard) {
        Store& a = *nodes_[static_cast<size_t>(from)]->store;
        std::vector<Op> ops =
            a.ops_missing_for(nodes_[static_cast<size_t>(to)]->store->version_vector(), 10000);
        if (ops.empty() || deliver(to, ops).applied == 0) return;
      }
      ADD_FAILURE() << "n" << from << " kept sending ops to n" << to;
    };
    for (int i = 1; i < size(); ++i) pull(i, 0);
    for (int i = 1; i < size(); ++i) pull(0, i);
    for (int round = 0; round < 5; ++round) {
      const std::uint64_t before = cov_.deliveries;
      for (int a = 0; a < size(); ++a)
        for (int b = 0; b < size(); ++b)
          if (a != b) pull(a, b);
      if (cov_.deliveries == before) return;  // quiescent: nobody had anything to send
    }
    ADD_FAILURE() << "exchanges did not become quiescent";
  }

  // [SECTION] Final checks

  void check_converged() {
    std::map<std::string, std::uint64_t> issued_by;
    for (const Op& op : issued_) issued_by[op.origin] = std::max(issued_by[op.origin], op.seq);
    const VersionVector all(issued_by.begin(), issued_by.end());
    cov_.ops += issued_.size();
    const std::string hash = state_hash(nodes_[0]->store->db());
    for (const auto& n : nodes_) {
      EXPECT_EQ(n->store->version_vector(), all) << n->id;
      EXPECT_EQ(state_hash(n->store->db()), hash) << n->id << " differs from n0";
      EXPECT_EQ(kept_counts(n->store->db()), live_counts(n->store->db())) << n->id;
    }
  }

  // The list totals the store keeps (incident_counts, summed per transaction across
  // concurrent edits, deletes and duplicates) against a fresh count of the incidents.
  using Counts = std::map<std::pair<std::string, std::string>, std::int64_t>;
  static Counts counted(Db& db, const std::string& sql) {
    Counts out;
    auto q = db.query(sql);
    while (q->step()) out[{q->column_text(0), q->column_text(1)}] = q->column_int(2);
    return out;
  }
  static Counts kept_counts(Db& db) {
    return counted(db, "SELECT status, priority, n FROM incident_counts WHERE n <> 0");
  }
  static Counts live_counts(Db& db) {
    return counted(db,
                   "SELECT ifnull(status, ''), ifnull(priority, ''), count(*) FROM incidents WHERE _deleted = 0 "
                   "GROUP BY 1, 2");
  }

  // The merged values are the ones each field's rule prescribes over every op issued
  // (an independent model of the rules: convergence alone would accept a wrong answer).
  void check_merge_rules(Store& s) {
    struct Write {
      FieldClock clock;
      Value value;
    };
    struct Expected {
      bool deleted = false;
      std::map<std::string, Write> fields;           // Lww, FirstWins, Max
      std::map<std::string, std::int64_t> counters;  // Counter
      std::map<std::string, Value> companions;       // moved with their Max field
    };
    std::map<std::pair<EntityKind, std::string>, Expected> model;
    for (const Op& op : issued_) {
      const EntitySpec& es = spec(op.kind);
      Expected& e = model[{op.kind, op.entity_id}];
      const FieldClock clock{op.hlc, op.origin};
      if (op.type == OpType::Delete) {
        e.deleted = true;
        continue;
      }
      for (const auto& [name, v] : op.fields) {
        const FieldSpec* f = es.field(name);
        ASSERT_NE(f, nullptr) << name;
        if (op.type == OpType::Delta) {
          e.counters[name] += as_int(v).value_or(0);
          continue;
        }
        auto it = e.fields.find(name);
        const bool first = it == e.fields.end();
        bool wins = false;
        switch (f->rule) {
          case MergeRule::Lww:
            wins = first || it->second.clock < clock;
            break;
          case MergeRule::FirstWins:
            wins = first || clock < it->second.clock;
            break;
          case MergeRule::Max: {
            const int c = first ? 1 : compare_values(v, it->second.value);
            wins = c > 0 || (c == 0 && it->second.clock < clock);
            if (wins)
              for (const FieldSpec& k : es.fields)
                if (k.rule == MergeRule::Companion && k.companion_of == name) {
                  auto cv = op.fields.find(k.name);
                  e.companions[std::string(k.name)] = cv == op.fields.end() ? Value{} : cv->second;
                }
            break;
          }
          case MergeRule::Counter:
          case MergeRule::Companion:
            break;
        }
        if (wins) e.fields[name] = Write{clock, v};
      }
    }
    for (const auto& [key, e] : model) {
      const auto st = s.load(key.first, key.second);
      ASSERT_TRUE(st) << spec(key.first).name << " " << key.second << " missing";
      const std::string what = std::string(spec(key.first).name) + " " + key.second + ": ";
      EXPECT_EQ(st->deleted, e.deleted) << what << "tombstone";
      for (const auto& [name, w] : e.fields) {
        EXPECT_EQ(st->get(name), w.value) << what << name << " is " << debug_string(st->get(name))
                                          << ", the rule gives " << debug_string(w.value);
        const WriteClock* c = st->clock(name);
        ASSERT_NE(c, nullptr) << what << name;
        EXPECT_EQ(c->clock, w.clock) << what << name << ": the winning write";
      }
      for (const auto& [name, sum] : e.counters)
        EXPECT_EQ(as_int(st->get(name)).value_or(0), sum) << what << name << " (sum of deltas)";
      for (const auto& [name, v] : e.companions)
        EXPECT_EQ(st->get(name), v) << what << name << " (moves with its peak)";
    }
  }

  std::mt19937_64 rng_;
  IdGenerator ids_;
  Coverage& cov_;
  TimeMs now_ = kStart;  // simulated: every store's wall clock is now_ + its skew
  std::vector<std::unique_ptr<Node>> nodes_;  // destroyed before now_, which their clocks read
  std::vector<Op> issued_;                    // every local op committed, in order
};

// Runs this part's share of the cases; parts let ctest run them side by side.
constexpr int kParts = 4;

void run_part(int part) {
  const std::uint64_t base = env_u64("HONBU_TEST_SEED", kDefaultSeed);
  const std::uint64_t cases = env_u64("HONBU_CONVERGENCE_CASES", kDefaultCases);
  const std::uint64_t first = cases * static_cast<std::uint64_t>(part) / kParts;
  const std::uint64_t last = cases * static_cast<std::uint64_t>(part + 1) / kParts;
  if (first == last) return;
  std::printf(
      "[ convergence ] part %d/%d: cases %s..%s of %s, seed of case c = %s + c "
      "(HONBU_TEST_SEED, HONBU_CONVERGENCE_CASES)\n",
      part + 1, kParts, std::to_string(first).c_str(), std::to_string(last).c_str(),
      std::to_string(cases).c_str(), std::to_string(base).c_str());
  const auto t0 = std::chrono::steady_clock::now();
  Coverage cov;
  for (std::uint64_t c = first; c < last; ++c) {
    const std::uint64_t seed = base + c;
    SCOPED_TRACE("convergence case seed " + std::to_string(seed) +
                 "; rerun it alone with: HONBU_TEST_SEED=" + std::to_string(seed) +
                 " HONBU_CONVERGENCE_CASES=1 honbu_model_tests "
                 "--gtest_filter='Convergence.*'");
    try {
      TempDir dir;
      Case(seed, dir, cov).run();
    } catch (const std::exception& e) {  // reported here, where the trace still names the seed
      ADD_FAILURE() << "exception: " << e.what();
    }
    if (::testing::Test::HasFailure()) return;  // the trace above names the seed
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  auto n = [](std::uint64_t v) { return std::to_string(v); };
  const std::string summary =
      "[ convergence ] " + n(cov.cases) + " cases, " + n(cov.stores) + " stores, " + n(cov.ops) +
      " ops (" + n(cov.deletes) + " deletes, " + n(cov.deltas) + " deltas, " + n(cov.peaks) +
      " peaks, " + n(cov.first_wins_races) + " 第N報 races, " + n(cov.stale_bases) +
      " stale edits), " + n(cov.deliveries) + " deliveries (" + n(cov.duplicates) +
      " duplicate ops, " + n(cov.gap_deliveries) + " left gaps), " + n(cov.conflicts) +
      " conflicts, " + n(cov.restarts) + " restarts, " + n(cov.verified) + " log replays; " +
      std::to_string(ms.count()) + " ms";
  std::printf("%s\n", summary.c_str());
  EXPECT_EQ(cov.cases, last - first);
  if (cov.cases >= 50) {  // the generator must keep exercising every path it claims to
    EXPECT_GT(cov.conflicts, 0u);
    EXPECT_GT(cov.duplicates, 0u);
    EXPECT_GT(cov.gap_deliveries, 0u);
    EXPECT_GT(cov.deletes, 0u);
    EXPECT_GT(cov.deltas, 0u);
    EXPECT_GT(cov.peaks, 0u);
    EXPECT_GT(cov.first_wins_races, 0u);
    EXPECT_GT(cov.stale_bases, 0u);
    EXPECT_GT(cov.restarts, 0u);
  }
}

}  // namespace

TEST(Convergence, RandomReplicasConvergePart1) {
  run_part(0);
}
TEST(Convergence, RandomReplicasConvergePart2) {
  run_part(1);
}
TEST(Convergence, RandomReplicasConvergePart3) {
  run_part(2);
}
TEST(Convergence, RandomReplicasConvergePart4) {
  run_part(3);
}

// [SECTION] The merge rules end to end: real stores, explicit clocks, ops exchanged as a
// sync would exchange them.

namespace {

// Stores sharing one simulated wall clock; each may run ahead of it or behind it.
class Nodes {
 public:
  TimeMs now = kStart;

  Store& open(const std::string& node, TimeMs skew = 0) {
    StoreOptions o;
    o.path = dir_.file(node + ".db");
    o.node_id = node;
    o.dataset = "ACTUAL";
    o.wall_clock = [this, skew] { return now + skew; };
    options_.push_back(o);
    stores_.push_back(Store::open(std::move(o)));
    return *stores_.back();
  }

  // Closes the store and opens its file again (what a restart does).
  Store& reopen(const Store& s) {
    for (size_t i = 0; i < stores_.size(); ++i) {
      if (stores_[i].get() != &s) continue;
      stores_[i].reset();
      stores_[i] = Store::open(options_[i]);
      return *stores_[i];
    }
    throw std::logic_error("not one of these stores");
  }

  // Everything `from` has that `to` lacks, as anti-entropy sends it.
  static ApplyReport sync(Store& from, Store& to) {
    return deliver(to, from.ops_missing_for(to.version_vector(), 10000));
  }

  static ApplyReport deliver(Store& to, const std::vector<Op>& ops) {
    const ApplyReport r = to.apply_remote(ops);
    EXPECT_EQ(r.refused, 0u) << (r.messages.empty() ? "" : r.messages[0]);
    EXPECT_EQ(r.invalid, 0u) << (r.messages.empty() ? "" : r.messages[0]);
    EXPECT_EQ(r.quarantined, 0u) << (r.messages.empty() ? "" : r.messages[0]);
    return r;
  }

 private:
  TempDir dir_;
  std::vector<StoreOptions> options_;
  std::vector<std::unique_ptr<Store>> stores_;  // closed before the directory goes
};

Op committed(const LocalResult& r) {
  EXPECT_TRUE(r.ok) << describe(r.problems, Lang::En);
  return r.op;
}

FieldClock clock_of(const Op& op) {
  return FieldClock{op.hlc, op.origin};
}

Fields new_incident() {
  return {{"title", "倒壊家屋 中央区1丁目"},
          {"category", "building"},
          {"received_at", "2026-11-22T09:00:00+09:00"},
          {"verification", "unverified"},
          {"priority", "high"},
          {"status", "received"}};
}

Value field(Store& s, EntityKind kind, std::string_view id, std::string_view name) {
  const auto st = s.load(kind, id);
  return st ? st->get(name) : Value{"<no such entity>"};
}

std::optional<FieldClock> winner(Store& s, EntityKind kind, std::string_view id,
                                 std::string_view name) {
  const auto st = s.load(kind, id);
  const WriteClock* w = st ? st->clock(name) : nullptr;
  return w ? std::optional<FieldClock>(w->clock) : std::nullopt;
}

}  // namespace

TEST(MergeEndToEnd, LwwConcurrentEditsPickTheSameWinnerAndKeepTheLoserOnBothSides) {
  Nodes net;
  Store& hq = net.open("hq");
  Store& kita = net.open("kita");
  committed(hq.put(EntityKind::Incident, "i1", new_incident(), "受付"));
  Nodes::sync(hq, kita);
  net.now += 60'000;  // neither has seen the other's edit: concurrent
  const Op a = committed(
      hq.put(EntityKind::Incident, "i1", {{"status", "in_progress"}, {"team", "救助班"}}, "佐藤"));
  net.now += 5'000;
  const Op b = committed(kita.put(EntityKind::Incident, "i1", {{"status", "done"}}, "田中"));
  ASSERT_LT(a.hlc, b.hlc);
  EXPECT_EQ(Nodes::sync(hq, kita).conflicts, 1u);
  EXPECT_EQ(Nodes::sync(kita, hq).conflicts, 1u);
  EXPECT_EQ(state_hash(hq.db()), state_hash(kita.db()));
  for (Store* s : {&hq, &kita}) {
    SCOPED_TRACE(s->node_id());
    EXPECT_EQ(field(*s, EntityKind::Incident, "i1", "status"), Value{"done"});
    EXPECT_EQ(winner(*s, EntityKind::Incident, "i1", "status"), clock_of(b));
    EXPECT_EQ(field(*s, EntityKind::Incident, "i1", "team"), Value{"救助班"});  // not contested
    const auto open = list_conflicts(s->db(), true);
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].kind, EntityKind::Incident);
    EXPECT_EQ(open[0].entity_id, "i1");
    EXPECT_EQ(open[0].field, "status");
    EXPECT_EQ(open[0].loser_value, Value{"in_progress"});
    EXPECT_EQ(open[0].loser, clock_of(a));
    EXPECT_EQ(open[0].winner, clock_of(b));
  }
}

TEST(MergeEndToEnd, LwwTieOnTheClockIsBrokenByOriginTheSameWayEverywhere) {
  Nodes net;
  Store& hq = net.open("hq");
  Store& kita = net.open("kita");
  committed(hq.put(EntityKind::Incident, "i1", new_incident(), "受付"));
  Nodes::sync(hq, kita);
  net.now += 1'000;  // both edit in the same millisecond
  const Op a = committed(hq.put(EntityKind::Incident, "i1", {{"priority", "life"}}, "佐藤"));
  const Op b = committed(kita.put(EntityKind::Incident, "i1", {{"priority", "low"}}, "田中"));
  ASSERT_EQ(a.hlc, b.hlc) << "precondition: the same HLC on both nodes";
  Nodes::sync(hq, kita);
  Nodes::sync(kita, hq);
  for (Store* s : {&hq, &kita}) {
    SCOPED_TRACE(s->node_id());
    EXPECT_EQ(field(*s, EntityKind::Incident, "i1", "priority"), Value{"low"});  // "kita" > "hq"
    const auto open = list_conflicts(s->db(), true);
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].loser, clock_of(a));
    EXPECT_EQ(open[0].winner, clock_of(b));
  }
  EXPECT_EQ(state_hash(hq.db()), state_hash(kita.db()));
}

TEST(MergeEndToEnd, CausalOverwriteIsNoConflictEvenFromASlowClock) {
  Nodes net;
  Store& hq = net.open("hq");
  Store& kita = net.open("kita", -30'000);  // kita's wall clock is 30 s behind
  committed(hq.put(EntityKind::Incident, "i1", new_incident(), "受付"));
  net.now += 1'000;
  const Op a = committed(hq.put(EntityKind::Incident, "i1", {{"status", "in_progress"}}, "佐藤"));
  Nodes::sync(hq, kita);
  net.now += 1'000;  // kita edits what it received
  const Op b = committed(kita.put(EntityKind::Incident, "i1", {{"status", "done"}}, "田中"));
  EXPECT_GT(b.hlc, a.hlc) << "the HLC orders an edit after what its node had seen";
  ASSERT_TRUE(b.base.count("status"));
  EXPECT_EQ(b.base.at("status"), clock_of(a));
  EXPECT_EQ(Nodes::sync(kita, hq).conflicts, 0u);
  for (Store* s : {&hq, &kita}) {
    SCOPED_TRACE(s->node_id());
    EXPECT_EQ(field(*s, EntityKind::Incident, "i1", "status"), Value{"done"});
    EXPECT_EQ(winner(*s, EntityKind::Incident, "i1", "status"), clock_of(b));
    EXPECT_TRUE(list_conflicts(s->db(), false).empty());
  }
  EXPECT_EQ(state_hash(hq.db()), state_hash(kita.db()));
}

TEST(MergeEndToEnd, TombstoneWinsWhateverTheOrder) {
  Nodes net;
  Store& hq = net.open("hq");
  Store& kita = net.open("kita");
  Store& r1 = net.open("relay1");
  Store& r2 = net.open("relay2");
  committed(hq.put(EntityKind::Incident, "i1", new_incident(), "受付"));
  for (Store* s : {&kita, &r1, &r2}) Nodes::sync(hq, *s);
  net.now += 1'000;
  const Op del = committed(hq.remove(EntityKind::Incident, "i1", "佐藤"));
  net.now += 5'000;  // a later edit that never saw the delete
  const Op edit = committed(
      kita.put(EntityKind::Incident, "i1", {{"status", "done"}, {"team", "土木班"}}, "田中"));
  ASSERT_LT(del.hlc, edit.hlc);
  Nodes::deliver(r1, {del});
  Nodes::deliver(r1, {edit});
  Nodes::deliver(r2, {edit});
  Nodes::deliver(r2, {del});
  Nodes::sync(hq, kita);
  Nodes::sync(kita, hq);
  const std::string hash = state_hash(hq.db());
  for (Store* s : {&hq, &kita, &r1, &r2}) {
    SCOPED_TRACE(s->node_id());
    const auto st = s->load(EntityKind::Incident, "i1");
    ASSERT_TRUE(st);
    EXPECT_TRUE(st->deleted);
    EXPECT_FALSE(get<Incident>(s->db(), "i1"));
    EXPECT_EQ(st->get("status"), Value{"done"});  // the edit still merged underneath
    EXPECT_EQ(state_hash(s->db()), hash);
  }
  const LocalResult late = kita.put(EntityKind::Incident, "i1", {{"status", "received"}}, "田中");
  EXPECT_FALSE(late.ok);
  ASSERT_FALSE(late.problems.empty());
  EXPECT_EQ(late.problems[0].code, "deleted");
}

TEST(MergeEndToEnd, CounterDeltasFromEveryNodeSumOnceEach) {
  Nodes net;
  Store& hq = net.open("hq");
  Store& kita = net.open("kita");
  Store& minami = net.open("minami");
  const std::string id = shelter_supply_id("sh-1", "water");
  committed(hq.add(EntityKind::ShelterSupply, id, {{"delivered", std::int64_t{30}}}, "物資班"));
  committed(kita.add(EntityKind::ShelterSupply, id, {{"delivered", std::int64_t{12}}}, "物資班"));
  committed(kita.add(EntityKind::ShelterSupply, id, {{"delivered", std::int64_t{-2}}},
                     "物資班"));  // miscount
  committed(minami.put(EntityKind::ShelterSupply, id,
                       {{"shelter_id", "sh-1"}, {"item", "water"}, {"needed", std::int64_t{100}}},
                       "避難所班"));
  committed(minami.add(EntityKind::ShelterSupply, id, {{"delivered", std::int64_t{5}}}, "物資班"));
  for (Store* from : {&hq, &kita, &minami})
    for (Store* to : {&hq, &kita, &minami})
      if (from != to) Nodes::sync(*from, *to);
  // Everything again, from the start: all duplicates, nothing counted twice.
  const ApplyReport again = Nodes::deliver(hq, kita.ops_missing_for({}, 100));
  EXPECT_EQ(again.applied, 0u);
  EXPECT_EQ(again.duplicates, 5u);  // hq's own op included
  for (Store* s : {&hq, &kita, &minami}) {
    SCOPED_TRACE(s->node_id());
    EXPECT_EQ(field(*s, EntityKind::ShelterSupply, id, "delivered"), Value{std::int64_t{45}});
    EXPECT_EQ(field(*s, EntityKind::ShelterSupply, id, "needed"), Value{std::int64_t{100}});
    EXPECT_EQ(state_hash(s->db()), state_hash(hq.db()));
  }
}

TEST(MergeEndToEnd, MaxKeepsThePeakTogetherWithItsTime) {
  Nodes net;
  Store& hq = net.open("hq");
  Store& kita = net.open("kita");
  const std::string id = lifeline_id("chuo", "power");
  auto report = [&](Store& s, std::int64_t affected, const char* status) {
    const std::string at = format_iso_jst(net.now);
    return committed(s.put(EntityKind::Lifeline, id,
                           {{"area_id", "chuo"},
                            {"lifeline_type", "power"},
                            {"status", status},
                            {"affected", affected},
                            {"peak_affected", affected},
                            {"peak_at", at},
                            {"as_of", at},
                            {"source", "電力会社"}},
                           "情報班"));
  };
  auto expect_everywhere = [&](std::int64_t peak, TimeMs peak_at, std::int64_t affected) {
    for (Store* s : {&hq, &kita}) {
      SCOPED_TRACE(s->node_id());
      EXPECT_EQ(field(*s, EntityKind::Lifeline, id, "peak_affected"), Value{peak});
      EXPECT_EQ(field(*s, EntityKind::Lifeline, id, "peak_at"), Value{format_iso_jst(peak_at)});
      EXPECT_EQ(field(*s, EntityKind::Lifeline, id, "affected"), Value{affected});
    }
    EXPECT_EQ(state_hash(hq.db()), state_hash(kita.db()));
  };
  const TimeMs t1 = net.now += 60'000;
  report(hq, 1200, "disrupted");
  net.now += 60'000;  // later, concurrent, lower
  report(kita, 800, "restoring");
  Nodes::sync(hq, kita);
  Nodes::sync(kita, hq);
  expect_everywhere(1200, t1, 800);  // the peak and its time from hq; the current count is LWW
  const TimeMs t3 = net.now += 60'000;
  report(kita, 1500, "disrupted");
  Nodes::sync(kita, hq);
  expect_everywhere(1500, t3, 1500);
  net.now += 60'000;
  report(hq, 300, "restoring");
  Nodes::sync(hq, kita);
  expect_everywhere(1500, t3, 300);
}

TEST(MergeEndToEnd, FirstWinsKeepsTheEarliestOfTwoReportsWithTheSameNumber) {
  Nodes net;
  Store& hq = net.open("hq");
  Store& kita = net.open("kita");
  const std::string id = branch_report_id("b2", 3);
  auto file = [&](Store& s, const char* reporter, std::int64_t dead) {
    return committed(s.put(EntityKind::BranchReport, id,
                           {{"branch_id", "b2"},
                            {"report_no", std::int64_t{3}},
                            {"as_of", "2026-11-22T10:00:00+09:00"},
                            {"report_type", "preliminary"},
                            {"reporter", reporter},
                            {"dead", dead},
                            {"full_bldg", std::int64_t{4}}},
                           reporter));
  };
  net.now += 1'000;
  const Op first = file(hq, "北支所 佐藤", 2);  // filed at HQ by phone while the line was down
  net.now += 30'000;
  const Op second = file(kita, "北支所 田中", 5);  // the branch files its own 第3報
  ASSERT_LT(first.hlc, second.hlc);
  Nodes::sync(hq, kita);
  Nodes::sync(kita, hq);
  EXPECT_EQ(state_hash(hq.db()), state_hash(kita.db()));
  for (Store* s : {&hq, &kita}) {
    SCOPED_TRACE(s->node_id());
    EXPECT_EQ(field(*s, EntityKind::BranchReport, id, "reporter"), Value{"北支所 佐藤"});
    EXPECT_EQ(field(*s, EntityKind::BranchReport, id, "dead"), Value{std::int64_t{2}});
    EXPECT_EQ(winner(*s, EntityKind::BranchReport, id, "dead"), clock_of(first));
    std::map<std::string, ConflictRow> by_field;
    for (const ConflictRow& c : list_conflicts(s->db(), true)) by_field.emplace(c.field, c);
    // Only the values that differ are conflicts; equal ones (branch, number, time) are not.
    ASSERT_EQ(by_field.size(), 2u);
    ASSERT_TRUE(by_field.count("dead"));
    ASSERT_TRUE(by_field.count("reporter"));
    EXPECT_EQ(by_field["dead"].loser_value, Value{std::int64_t{5}});
    EXPECT_EQ(by_field["dead"].loser, clock_of(second));
    EXPECT_EQ(by_field["dead"].winner, clock_of(first));
    EXPECT_EQ(by_field["reporter"].loser_value, Value{"北支所 田中"});
  }
  // The record is immutable: a different figure is a new report, not an edit.
  EXPECT_FALSE(kita.put(EntityKind::BranchReport, id, {{"dead", std::int64_t{7}}}, "田中").ok);
}

TEST(MergeEndToEnd, OpAfterAGapIsStoredAndTheVectorAdvancesWhenTheGapFills) {
  Nodes net;
  Store& hq = net.open("hq");
  Store* kita = &net.open("kita");
  committed(hq.put(EntityKind::Incident, "i1", new_incident(), "受付"));               // 1
  committed(hq.put(EntityKind::Incident, "i1", {{"status", "in_progress"}}, "佐藤"));  // 2
  committed(hq.put(EntityKind::Incident, "i2", new_incident(), "受付"));               // 3
  committed(hq.put(EntityKind::Incident, "i1", {{"team", "救助班"}}, "佐藤"));         // 4
  committed(hq.put(EntityKind::Incident, "i3", new_incident(), "受付"));               // 5
  const std::vector<Op> all = hq.ops_missing_for({}, 10);
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].seq, i + 1);
  auto held = [&] {
    auto q = kita->db().query("SELECT count(*) FROM ops WHERE origin = 'hq'");
    EXPECT_TRUE(q->step());
    return q->column_int(0);
  };
  auto contiguous = [&] {
    const VersionVector v = kita->version_vector();
    auto it = v.find("hq");
    return it == v.end() ? std::uint64_t{0} : it->second;
  };

  EXPECT_EQ(Nodes::deliver(*kita, {all[3], all[1]}).applied, 2u);  // 4 and 2 before 1
  EXPECT_EQ(held(), 2);
  EXPECT_EQ(contiguous(), 0u);
  EXPECT_EQ(field(*kita, EntityKind::Incident, "i1", "team"), Value{"救助班"});  // applied already
  // The sender still sees the whole gap and beyond as missing.
  EXPECT_EQ(hq.ops_missing_for(kita->version_vector(), 10).size(), 5u);

  EXPECT_EQ(Nodes::deliver(*kita, {all[0]}).applied, 1u);
  EXPECT_EQ(contiguous(), 2u);
  kita = &net.reopen(*kita);  // the gap survives a restart
  EXPECT_EQ(contiguous(), 2u);
  EXPECT_EQ(Nodes::deliver(*kita, {all[4]}).applied, 1u);
  EXPECT_EQ(contiguous(), 2u);
  EXPECT_EQ(Nodes::deliver(*kita, {all[2]}).applied, 1u);  // fills 3, then 4 and 5 count too
  EXPECT_EQ(contiguous(), 5u);
  EXPECT_EQ(held(), 5);
  EXPECT_TRUE(hq.ops_missing_for(kita->version_vector(), 10).empty());
  EXPECT_EQ(state_hash(kita->db()), state_hash(hq.db()));
  EXPECT_EQ(Nodes::deliver(*kita, all).duplicates, 5u);
}
