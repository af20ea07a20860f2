// Store: durability settings, op log bookkeeping, local commands, remote apply rules,
// quarantine, datasets and refusals. Real SQLite files in a temp dir.
#include "model/store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model/errors.hpp"
#include "model/queries.hpp"
#include "support/temp_dir.hpp"

using namespace honbu;
using honbu::testing::TempDir;

namespace {

struct FakeClock {
  TimeMs now = 1'790'000'000'000;  // 2026-09
  std::function<TimeMs()> fn() {
    return [this] { return now; };
  }
};

std::unique_ptr<Store> open_store(const std::string& path, const std::string& node,
                                  FakeClock* clock = nullptr, const std::string& dataset = "ACTUAL") {
  StoreOptions o;
  o.path = path;
  o.node_id = node;
  o.dataset = dataset;
  if (clock) o.wall_clock = clock->fn();
  return Store::open(o);
}

// An op as HQ's node would send it now: seq `seq` of origin hq, ACTUAL data.
Op from_hq(std::uint64_t seq, EntityKind kind, const std::string& id, Fields fields) {
  Op op;
  op.origin = "hq";
  op.seq = seq;
  op.hlc = Hlc::make(static_cast<std::uint64_t>(wall_now_ms()), 0);
  op.dataset = "ACTUAL";
  op.kind = kind;
  op.entity_id = id;
  op.fields = std::move(fields);
  return op;
}

Fields incident(const std::string& title) {
  return {{"title", title},
          {"category", "building"},
          {"received_at", "2026-11-22T03:30:00+09:00"},
          {"verification", "unverified"},
          {"priority", "high"},
          {"status", "received"}};
}

std::string pragma(Store& s, const char* name) {
  auto q = s.db().query(std::string("PRAGMA ") + name);
  EXPECT_TRUE(q->step());
  return debug_string(q->column(0));
}

}  // namespace

TEST(StoreOpen, UsesWalAndFullSync) {
  TempDir dir;
  auto s = open_store(dir.file("a.db"), "hq");
  EXPECT_EQ(pragma(*s, "journal_mode"), "\"wal\"");
  EXPECT_EQ(pragma(*s, "synchronous"), "2");  // FULL
  EXPECT_EQ(s->node_id(), "hq");
  EXPECT_EQ(s->dataset(), "ACTUAL");
}

TEST(StoreOpen, RejectsBadNodeIdAndDatasetOnCreateAndLeavesNoFile) {
  TempDir dir;
  EXPECT_THROW(open_store(dir.file("a.db"), "bad id!"), StoreError);
  EXPECT_THROW(open_store(dir.file("b.db"), "hq", nullptr, "DRILL"), StoreError);
  // Nothing is left behind that the next attempt would find as an empty database.
  for (const char* name : {"a.db", "a.db-wal", "a.db-shm", "b.db", "b.db-wal", "b.db-shm"})
    EXPECT_FALSE(std::filesystem::exists(dir.file(name))) << name;
  EXPECT_EQ(open_store(dir.file("a.db"), "hq")->node_id(), "hq");
}

TEST(StoreOpen, RefusesOtherDatasetOrNode) {
  TempDir dir;
  open_store(dir.file("a.db"), "hq");
  try {
    open_store(dir.file("a.db"), "hq", nullptr, "EXERCISE:drill1");
    FAIL() << "opened an ACTUAL file as EXERCISE";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("holds dataset ACTUAL"), std::string::npos) << e.what();
  }
  EXPECT_THROW(open_store(dir.file("a.db"), "kita"), StoreError);
  // A file that was already there is never removed on a refusal.
  EXPECT_EQ(open_store(dir.file("a.db"), "hq")->node_id(), "hq");
}

TEST(StoreOpen, OneWriterPerFileTheSecondIsToldWhy) {
  // The store keeps seqs in memory: a second writer (a CLI beside a running node) would reuse
  // them. It is refused with a message that says what to do; readers are not affected.
  TempDir dir;
  auto first = open_store(dir.file("hq.db"), "hq");
  first->put(EntityKind::Incident, first->new_id(), incident("倒壊"), "t");
  try {
    open_store(dir.file("hq.db"), "hq");
    FAIL() << "a second writer opened the same file";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("already open for writing"), std::string::npos) << e.what();
  }
  Db reader(dir.file("hq.db"), OpenMode::ReadOnly);
  EXPECT_EQ(list_all<Incident>(reader).size(), 1u);
  first.reset();
  auto again = open_store(dir.file("hq.db"), "hq");  // the lock went with the first
  EXPECT_EQ(again->version_vector().at("hq"), 1u);
}

TEST(StoreOpen, MissingFileWithoutCreateSaysHowToCreate) {
  TempDir dir;
  StoreOptions o;
  o.path = dir.file("none.db");
  o.create_if_missing = false;
  try {
    Store::open(o);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("honbu-db init"), std::string::npos) << e.what();
  }
}

// An empty file where a node's database should be is most likely a copy that failed: a node
// starting afresh on it would re-issue seqs its peers already hold. Only init adopts one.
TEST(StoreOpen, AnEmptyFileIsRefusedExceptByInit) {
  TempDir dir;
  const std::string path = dir.file("actual.db");
  std::ofstream{path};
  try {
    open_store(path, "hq");  // create_if_missing, as a node opens its file
    FAIL() << "an empty file was taken as a new database";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("is an empty file"), std::string::npos) << e.what();
  }
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
  StoreOptions o;
  o.path = path;
  o.node_id = "hq";
  o.dataset = "ACTUAL";
  o.adopt_empty_file = true;  // honbu-db init
  EXPECT_EQ(Store::open(o)->node_id(), "hq");
}

TEST(StoreOpen, NotADatabaseIsAClearError) {
  TempDir dir;
  {
    std::ofstream f(dir.file("junk.db"), std::ios::binary);
    for (int i = 0; i < 4096; ++i) f.put(static_cast<char>(i * 37));
  }
  try {
    open_store(dir.file("junk.db"), "hq");
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("junk.db"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("junk.db is not a Honbu database"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("SELECT"), std::string::npos) << "SQL is not for the user: " << e.what();
    EXPECT_TRUE(e.damaged()) << e.sqlite_code();  // the sync loop tells the user to restore it
  }
  // An error in a sound file is not damage.
  Db db(dir.file("good.db"), OpenMode::ReadWriteCreate);
  try {
    db.exec("SELECT * FROM no_such_table");
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_FALSE(e.damaged()) << e.sqlite_code();
    EXPECT_NE(e.sqlite_code(), 0);
  }
}

TEST(StoreOpen, CorruptedPagesGiveErrorsNotCrashes) {
  TempDir dir;
  const std::string path = dir.file("c.db");
  {
    auto s = open_store(path, "hq");
    s->batch([&] {
      for (int i = 0; i < 300; ++i) ASSERT_TRUE(s->put(EntityKind::Incident, s->new_id(), incident("倒壊 " + std::to_string(i)), "t").ok);
    });
  }
  // Checkpoint everything into the main file, then scribble over the middle of it.
  {
    Db db(path, OpenMode::ReadWrite);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const auto size = std::filesystem::file_size(path);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    for (int i = 0; i < 20000; ++i) f.put(static_cast<char>(0xA5));
  }
  // Either opening or reading fails with a StoreError naming the file; nothing crashes.
  bool failed_cleanly = false;
  try {
    auto s = open_store(path, "hq");
    IncidentFilter all;
    all.limit = 100000;
    query_incidents(s->db(), all);
    state_hash(s->db());
    auto q = s->db().query("PRAGMA integrity_check");
    ASSERT_TRUE(q->step());
    failed_cleanly = q->column_text(0) != "ok";  // corruption is at least detected
  } catch (const StoreError& e) {
    failed_cleanly = std::string(e.what()).find("c.db") != std::string::npos && e.damaged();
  }
  EXPECT_TRUE(failed_cleanly);
}

TEST(StoreLocal, OpsHaveContiguousSeqsAndAdvanceTheVector) {
  TempDir dir;
  auto s = open_store(dir.file("a.db"), "hq");
  std::vector<std::uint64_t> seqs;
  for (int i = 0; i < 5; ++i) {
    auto r = s->put(EntityKind::Incident, s->new_id(), incident("火災 " + std::to_string(i)), "佐藤");
    ASSERT_TRUE(r.ok) << describe(r.problems, Lang::En);
    seqs.push_back(r.op.seq);
    EXPECT_EQ(r.op.origin, "hq");
    EXPECT_EQ(r.op.operator_name, "佐藤");
    EXPECT_EQ(r.op.dataset, "ACTUAL");
  }
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(s->version_vector(), (VersionVector{{"hq", 5}}));
  EXPECT_EQ(s->data_version(), 5);
}

TEST(StoreLocal, InvalidCommandWritesNothingAndNamesEveryField) {
  TempDir dir;
  auto s = open_store(dir.file("a.db"), "hq");
  Fields f = incident("x");
  f["priority"] = "very";
  f["dead"] = std::int64_t{-1};
  f.erase("title");
  auto r = s->put(EntityKind::Incident, s->new_id(), f, "t");
  EXPECT_FALSE(r.ok);
  std::set<std::string> fields;
  for (const auto& p : r.problems) fields.insert(p.field);
  EXPECT_EQ(fields, (std::set<std::string>{"priority", "dead", "title"}));
  EXPECT_EQ(s->data_version(), 0);
  EXPECT_TRUE(s->version_vector().empty());
}

TEST(StoreLocal, NormalisesWidthBeforeStoring) {
  TempDir dir;
  auto s = open_store(dir.file("a.db"), "hq");
  Fields f = incident("本町１丁目　ﾋﾞﾙ倒壊");
  f["dead"] = "３";
  const std::string id = s->new_id();
  ASSERT_TRUE(s->put(EntityKind::Incident, id, f, "t").ok);
  auto got = get<Incident>(s->db(), id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->title, "本町1丁目 ビル倒壊");
  EXPECT_EQ(got->dead, TriCount::of(3));
}

TEST(StoreLocal, ClockNeverGoesBackAcrossRestartEvenIfWallClockDoes) {
  TempDir dir;
  FakeClock clock;
  Hlc last;
  {
    auto s = open_store(dir.file("a.db"), "hq", &clock);
    for (int i = 0; i < 3; ++i) last = s->put(EntityKind::Incident, s->new_id(), incident("a"), "t").op.hlc;
  }
  clock.now -= 3'600'000;  // the laptop's clock was set back an hour
  auto s = open_store(dir.file("a.db"), "hq", &clock);
  const Hlc next = s->put(EntityKind::Incident, s->new_id(), incident("b"), "t").op.hlc;
  EXPECT_GT(next, last);
}

TEST(StoreLocal, GrowOnlyRecordsCannotBeDeletedOrRewritten) {
  TempDir dir;
  auto s = open_store(dir.file("a.db"), "hq");
  const std::string id = s->new_id();
  Fields entry{{"number", std::int64_t{1}}, {"node_label", "hq"}, {"at", "2026-11-22T04:00:00+09:00"},
               {"content", "避難指示発令"}, {"state", "pending"}};
  ASSERT_TRUE(s->put(EntityKind::Chronology, id, entry, "t").ok);
  EXPECT_FALSE(s->remove(EntityKind::Chronology, id, "t").ok);
  auto rewrite = s->put(EntityKind::Chronology, id, {{"content", "書き換え"}}, "t");
  EXPECT_FALSE(rewrite.ok);
  ASSERT_FALSE(rewrite.problems.empty());
  EXPECT_EQ(rewrite.problems[0].code, "immutable");
  // The state of an entry is workflow, not record: it can change.
  EXPECT_TRUE(s->put(EntityKind::Chronology, id, {{"state", "done"}}, "t").ok);
  EXPECT_EQ(get<ChronologyEntry>(s->db(), id)->state, "done");
  EXPECT_EQ(get<ChronologyEntry>(s->db(), id)->content, "避難指示発令");
}

TEST(StoreLocal, DeletedEntityRefusesEdits) {
  TempDir dir;
  auto s = open_store(dir.file("a.db"), "hq");
  const std::string id = s->new_id();
  ASSERT_TRUE(s->put(EntityKind::Incident, id, incident("a"), "t").ok);
  ASSERT_TRUE(s->remove(EntityKind::Incident, id, "t").ok);
  EXPECT_FALSE(get<Incident>(s->db(), id));
  EXPECT_FALSE(s->put(EntityKind::Incident, id, {{"status", "done"}}, "t").ok);
}

TEST(StoreLocal, BatchIsAllOrNothing) {
  TempDir dir;
  auto s = open_store(dir.file("a.db"), "hq");
  EXPECT_THROW(s->batch([&] {
    ASSERT_TRUE(s->put(EntityKind::Incident, s->new_id(), incident("a"), "t").ok);
    ASSERT_TRUE(s->put(EntityKind::Incident, s->new_id(), incident("b"), "t").ok);
    throw std::runtime_error("operator cancelled");
  }),
               std::runtime_error);
  EXPECT_EQ(s->data_version(), 0);
  EXPECT_TRUE(s->version_vector().empty());
  // The seq counter did not move either: the next op is seq 1.
  EXPECT_EQ(s->put(EntityKind::Incident, s->new_id(), incident("c"), "t").op.seq, 1u);
}

TEST(StoreLocal, CommitListenerSeesEachCommit) {
  TempDir dir;
  auto s = open_store(dir.file("a.db"), "hq");
  std::vector<std::int64_t> seen;
  s->set_commit_listener([&](std::int64_t v) { seen.push_back(v); });
  s->put(EntityKind::Incident, s->new_id(), incident("a"), "t");
  s->batch([&] {
    s->put(EntityKind::Incident, s->new_id(), incident("b"), "t");
    s->put(EntityKind::Incident, s->new_id(), incident("c"), "t");
  });
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 3}));
}

TEST(StoreRemote, ApplyIsIdempotent) {
  TempDir dir;
  auto a = open_store(dir.file("a.db"), "hq");
  auto b = open_store(dir.file("b.db"), "kita");
  for (int i = 0; i < 4; ++i) a->put(EntityKind::Incident, a->new_id(), incident("a"), "t");
  auto ops = a->ops_missing_for({}, 100);
  ASSERT_EQ(ops.size(), 4u);
  auto r1 = b->apply_remote(ops);
  EXPECT_EQ(r1.applied, 4u);
  const std::string h = state_hash(b->db());
  auto r2 = b->apply_remote(ops);
  EXPECT_EQ(r2.applied, 0u);
  EXPECT_EQ(r2.duplicates, 4u);
  EXPECT_EQ(state_hash(b->db()), h);
  EXPECT_EQ(state_hash(a->db()), h);
}

TEST(StoreRemote, OpForAnotherDatasetIsRefusedAndNotStored) {
  TempDir dir;
  auto drill = open_store(dir.file("drill.db"), "hq", nullptr, "EXERCISE:quake");
  auto actual = open_store(dir.file("actual.db"), "hq2");
  drill->put(EntityKind::Incident, drill->new_id(), incident("訓練 倒壊"), "t");
  auto r = actual->apply_remote(drill->ops_missing_for({}, 10));
  EXPECT_EQ(r.refused, 1u);
  EXPECT_EQ(r.applied, 0u);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_NE(r.messages[0].find("EXERCISE:quake"), std::string::npos) << r.messages[0];
  EXPECT_EQ(actual->data_version(), 0);
  EXPECT_TRUE(actual->version_vector().empty());
  EXPECT_EQ(store_stats(actual->db()).refused, 1);
}

TEST(StoreRemote, ReusedSeqWithOtherContentIsRefusedAndReported) {
  TempDir dir;
  auto a = open_store(dir.file("a.db"), "hq");
  auto b = open_store(dir.file("b.db"), "kita");
  a->put(EntityKind::Incident, "01JDEMO0000000000000000001", incident("本物"), "t");
  auto ops = a->ops_missing_for({}, 10);
  ASSERT_EQ(b->apply_remote(ops).applied, 1u);
  Op forged = ops[0];
  forged.fields["title"] = "偽物";
  auto r = b->apply_remote(std::vector<Op>{forged});
  EXPECT_EQ(r.refused, 1u);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_NE(r.messages[0].find("already used"), std::string::npos) << r.messages[0];
  EXPECT_EQ(get<Incident>(b->db(), "01JDEMO0000000000000000001")->title, "本物");
}

TEST(StoreRemote, InvalidOpIsKeptInTheLogButNeverApplied) {
  TempDir dir;
  auto b = open_store(dir.file("b.db"), "kita");
  const Op op = from_hq(1, EntityKind::Incident, "01JINVALID0000000000000001",
                        {{"priority", "whenever"}, {"dead", std::int64_t{-4}}});
  auto r = b->apply_remote(std::vector<Op>{op});
  EXPECT_EQ(r.invalid, 1u);
  EXPECT_EQ(b->version_vector(), (VersionVector{{"hq", 1}}));  // the log stays contiguous
  EXPECT_FALSE(b->load(EntityKind::Incident, op.entity_id));
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_NE(r.messages[0].find("priority"), std::string::npos) << r.messages[0];
}

TEST(StoreRemote, NonNormalisedTextFromAPeerIsInvalid) {
  TempDir dir;
  auto b = open_store(dir.file("b.db"), "kita");
  const Op op = from_hq(1, EntityKind::Chronology, "c1",
                        {{"number", std::int64_t{1}}, {"node_label", "hq"}, {"at", "2026-11-22T04:00:00+09:00"},
                         {"content", "ＡＢＣ１２３"}, {"state", "pending"}});
  EXPECT_EQ(b->apply_remote(std::vector<Op>{op}).invalid, 1u);
}

// A chronology entry from a peer with no time and no content would stay a blank line for
// ever (its creation fields never change): refused like a local one. A later state change
// of an entry (from HQ, say) carries no creation field and may come before the entry.
TEST(StoreRemote, AGrowOnlyRecordMadeWithoutItsRequiredFieldsIsInvalid) {
  TempDir dir;
  auto b = open_store(dir.file("b.db"), "kita");
  const Op op = from_hq(1, EntityKind::Chronology, "c1",
                        {{"number", std::int64_t{1}}, {"node_label", "hq"}, {"state", "pending"}});
  auto r = b->apply_remote(std::vector<Op>{op});
  EXPECT_EQ(r.invalid, 1u);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_NE(r.messages[0].find("at: \"Time\" is required"), std::string::npos) << r.messages[0];
  EXPECT_NE(r.messages[0].find("content: \"Content\" is required"), std::string::npos) << r.messages[0];
  EXPECT_FALSE(b->load(EntityKind::Chronology, "c1"));

  EXPECT_EQ(b->apply_remote(std::vector<Op>{from_hq(2, EntityKind::Chronology, "c2", {{"state", "done"}})}).applied, 1u);
  const Op whole = from_hq(3, EntityKind::Chronology, "c2",
                           {{"number", std::int64_t{2}}, {"node_label", "hq"}, {"at", "2026-11-22T04:00:00+09:00"},
                            {"content", "北山地区 停電"}, {"state", "pending"}});
  EXPECT_EQ(b->apply_remote(std::vector<Op>{whole}).applied, 1u);
  EXPECT_EQ(b->version_vector(), (VersionVector{{"hq", 3}}));
}

// Two stores writing as the same node (a copied key, a copied file) make two histories: the
// same seqs, other ops. A receiver holding one of them refuses the other's continuation (its
// chain link names another op before it), with what follows it in the span, and materialises
// none of it; an honest continuation still joins.
TEST(StoreRemote, AnotherHistoryOfAnOriginIsRefusedWhereItJoins) {
  TempDir dir;
  auto chained = [&](const std::string& file, const std::string& node) {
    StoreOptions o;
    o.path = dir.file(file);
    o.node_id = node;
    o.dataset = "ACTUAL";
    // Any digest will do here (the sync layer gives BLAKE2b): 32 bytes from the op's bytes.
    o.digest = [](std::string_view bytes) {
      std::string d(32, '\0');
      for (size_t i = 0; i < bytes.size(); ++i) d[i % 32] = static_cast<char>(d[i % 32] * 31 + bytes[i]);
      return d;
    };
    return Store::open(o);
  };
  auto first = chained("first.db", "kita"), second = chained("second.db", "kita"), hq = chained("hq.db", "hq");
  ASSERT_TRUE(first->put(EntityKind::Incident, first->new_id(), incident("北山 倒木"), "t").ok);
  for (const char* title : {"上野台 冠水", "桜ケ丘 停電", "桜ケ丘 断水"})
    ASSERT_TRUE(second->put(EntityKind::Incident, second->new_id(), incident(title), "t").ok);
  ASSERT_EQ(hq->apply_remote(first->ops_missing_for({}, 100)).applied, 1u);
  EXPECT_FALSE(hq->op_digest("kita", 1).empty());
  EXPECT_NE(hq->op_digest("kita", 1), second->op_digest("kita", 1)) << "two histories";

  const std::vector<Op> other = second->ops_missing_for({{"kita", 1}}, 100);  // kita#2, #3
  ASSERT_EQ(other.size(), 2u);
  const ApplyReport r = hq->apply_remote(other);
  EXPECT_EQ(r.refused, 2u);
  EXPECT_EQ(r.applied, 0u);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_NE(r.messages[0].find("two histories of kita"), std::string::npos) << r.messages[0];
  EXPECT_NE(r.messages[0].find("two machines"), std::string::npos) << r.messages[0];
  EXPECT_NE(r.messages[1].find("another history of kita"), std::string::npos) << r.messages[1];
  EXPECT_EQ(list_all<Incident>(hq->db()).size(), 1u);
  EXPECT_EQ(hq->version_vector(), (VersionVector{{"kita", 1}}));

  ASSERT_TRUE(first->put(EntityKind::Incident, first->new_id(), incident("北山 土砂"), "t").ok);
  EXPECT_EQ(hq->apply_remote(first->ops_missing_for({{"kita", 1}}, 100)).applied, 1u);
  EXPECT_EQ(hq->version_vector(), (VersionVector{{"kita", 2}}));
}

TEST(StoreRemote, ClockTooFarAheadIsQuarantinedThenReleased) {
  TempDir dir;
  FakeClock clock;
  auto b = open_store(dir.file("b.db"), "kita", &clock);
  Op op;
  op.origin = "hq";
  op.seq = 1;
  op.hlc = Hlc::make(static_cast<std::uint64_t>(clock.now + 3'600'000), 0);  // an hour ahead
  op.dataset = "ACTUAL";
  op.kind = EntityKind::Incident;
  op.entity_id = "01JFUTURE00000000000000001";
  op.fields = incident("未来");
  auto r = b->apply_remote(std::vector<Op>{op});
  EXPECT_EQ(r.quarantined, 1u);
  EXPECT_FALSE(b->load(EntityKind::Incident, op.entity_id));
  EXPECT_EQ(store_stats(b->db()).quarantined, 1);
  // Not believed: our own clock did not jump an hour ahead.
  const Hlc own = b->put(EntityKind::Incident, b->new_id(), incident("now"), "t").op.hlc;
  EXPECT_LT(own.ms(), op.hlc.ms() - 3'000'000);
  EXPECT_EQ(b->release_quarantined(), 0u);
  clock.now += 3'600'000;
  EXPECT_EQ(b->release_quarantined(), 1u);
  EXPECT_TRUE(b->load(EntityKind::Incident, op.entity_id));
  EXPECT_EQ(store_stats(b->db()).quarantined, 0);
}

TEST(StoreRemote, GapsAreFilledLater) {
  TempDir dir;
  auto a = open_store(dir.file("a.db"), "hq");
  auto b = open_store(dir.file("b.db"), "kita");
  for (int i = 0; i < 3; ++i) a->put(EntityKind::Incident, a->new_id(), incident("a"), "t");
  auto ops = a->ops_missing_for({}, 10);
  b->apply_remote(std::vector<Op>{ops[2]});
  EXPECT_TRUE(b->version_vector().empty());
  b->apply_remote(std::vector<Op>{ops[0]});
  EXPECT_EQ(b->version_vector(), (VersionVector{{"hq", 1}}));
  // The peer asks for everything after 1 and gets 2 and 3 (3 again: harmless).
  auto missing = a->ops_missing_for(b->version_vector(), 10);
  ASSERT_EQ(missing.size(), 2u);
  auto r = b->apply_remote(missing);
  EXPECT_EQ(r.applied, 1u);
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(b->version_vector(), (VersionVector{{"hq", 3}}));
}

TEST(StoreRemote, MissingOpsComeInBoundedChunks) {
  TempDir dir;
  auto a = open_store(dir.file("a.db"), "hq");
  auto b = open_store(dir.file("b.db"), "kita");
  a->batch([&] {
    for (int i = 0; i < 25; ++i) a->put(EntityKind::Incident, a->new_id(), incident("a"), "t");
  });
  int rounds = 0;
  for (;;) {
    auto chunk = a->ops_missing_for(b->version_vector(), 10);
    if (chunk.empty()) break;
    EXPECT_LE(chunk.size(), 10u);
    b->apply_remote(chunk);
    ++rounds;
  }
  EXPECT_EQ(rounds, 3);
  EXPECT_EQ(state_hash(a->db()), state_hash(b->db()));
}

TEST(StoreChangeFeed, ListsChangedEntitiesInOrder) {
  TempDir dir;
  auto s = open_store(dir.file("a.db"), "hq");
  const std::string i1 = s->new_id();
  s->put(EntityKind::Incident, i1, incident("a"), "t");
  const std::int64_t v = s->data_version();
  s->put(EntityKind::Shelter, "sh-1", {{"name", "中央小学校"}, {"shelter_type", "designated"}, {"open_state", "open"}}, "t");
  s->put(EntityKind::Incident, i1, {{"status", "done"}}, "t");
  auto changes = s->changes_since(v, 100);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind, EntityKind::Shelter);
  EXPECT_EQ(changes[0].entity_id, "sh-1");
  EXPECT_EQ(changes[1].kind, EntityKind::Incident);
  EXPECT_EQ(changes[1].entity_id, i1);
  EXPECT_GT(changes[1].n, changes[0].n);
}

TEST(StoreSchema, TablesMatchTheDescriptors) {
  TempDir dir;
  auto s = open_store(dir.file("a.db"), "hq");
  for (EntityKind k : all_kinds()) {
    const EntitySpec& spec = honbu::spec(k);
    EXPECT_LT(spec.fields.size(), 128u) << spec.name << ": the partial-update mask holds 128 columns";
    std::vector<std::string> columns;
    auto q = s->db().query("SELECT name FROM pragma_table_info('" + std::string(spec.table) + "') ORDER BY cid");
    while (q->step()) columns.push_back(q->column_text(0));
    std::vector<std::string> expected{"id"};
    for (const FieldSpec& f : spec.fields) expected.emplace_back(f.name);
    expected.insert(expected.end(), {"_clk", "_deleted", "_hlc"});
    EXPECT_EQ(columns, expected) << "table " << spec.table;
  }
}

TEST(StoreConflicts, ConcurrentEditsShowTheSameConflictOnBothSides) {
  TempDir dir;
  auto a = open_store(dir.file("a.db"), "hq");
  auto b = open_store(dir.file("b.db"), "kita");
  a->put(EntityKind::Incident, "i1", incident("倒壊"), "t");
  b->apply_remote(a->ops_missing_for({}, 10));
  ASSERT_TRUE(a->put(EntityKind::Incident, "i1", {{"status", "in_progress"}}, "佐藤").ok);
  ASSERT_TRUE(b->put(EntityKind::Incident, "i1", {{"status", "done"}}, "田中").ok);
  b->apply_remote(a->ops_missing_for(b->version_vector(), 10));
  a->apply_remote(b->ops_missing_for(a->version_vector(), 10));
  EXPECT_EQ(state_hash(a->db()), state_hash(b->db()));
  for (Store* s : {a.get(), b.get()}) {
    auto open = list_conflicts(s->db(), true);
    ASSERT_EQ(open.size(), 1u) << s->node_id();
    EXPECT_EQ(open[0].field, "status");
    EXPECT_EQ(open[0].winner.origin, "kita");  // later clock (same ms: origin order)
    EXPECT_EQ(open[0].loser.origin, "hq");
    EXPECT_EQ(open[0].loser_value, Value{"in_progress"});
  }
  // Someone reviews it and sets the status on top of the winner: settled everywhere.
  ASSERT_TRUE(a->put(EntityKind::Incident, "i1", {{"status", "in_progress"}}, "佐藤").ok);
  b->apply_remote(a->ops_missing_for(b->version_vector(), 10));
  EXPECT_TRUE(list_conflicts(a->db(), true).empty());
  EXPECT_TRUE(list_conflicts(b->db(), true).empty());
}

TEST(StoreConflicts, LateAncestorSettlesASpuriousConflict) {
  TempDir dir;
  auto hq = open_store(dir.file("hq.db"), "hq");
  auto kita = open_store(dir.file("kita.db"), "kita");
  auto relay = open_store(dir.file("relay.db"), "relay");
  hq->put(EntityKind::Incident, "i1", incident("倒壊"), "t");             // create
  kita->apply_remote(hq->ops_missing_for({}, 10));
  kita->put(EntityKind::Incident, "i1", {{"status", "in_progress"}}, "t");  // a, on the create
  hq->apply_remote(kita->ops_missing_for(hq->version_vector(), 10));
  hq->put(EntityKind::Incident, "i1", {{"status", "done"}}, "t");           // c, on a
  // The relay gets the create and c first, a last: c looked concurrent with the create
  // until a arrived.
  relay->apply_remote(hq->ops_missing_for({}, 10));
  relay->apply_remote(kita->ops_missing_for({}, 10));
  EXPECT_TRUE(list_conflicts(relay->db(), false).empty());
  EXPECT_EQ(state_hash(relay->db()), state_hash(hq->db()));
}

TEST(StoreSignatures, LocalOpsAreSignedAndTheSignatureTravels) {
  TempDir dir;
  StoreOptions o;
  o.path = dir.file("a.db");
  o.node_id = "hq";
  o.dataset = "ACTUAL";
  std::vector<std::string> signed_bytes;
  o.signer = [&](std::string_view bytes) {
    signed_bytes.emplace_back(bytes);
    return std::string("sig:") + std::to_string(bytes.size());
  };
  auto a = Store::open(o);
  auto r = a->put(EntityKind::Incident, "i1", incident("倒壊"), "佐藤");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(signed_bytes.size(), 1u);
  EXPECT_EQ(signed_bytes[0], signing_bytes(r.op));
  EXPECT_EQ(r.op.signature, "sig:" + std::to_string(signed_bytes[0].size()));
  auto ops = a->ops_missing_for({}, 10);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].signature, r.op.signature);

  // A node that first got the op unsigned keeps the signature when it arrives signed.
  auto b = open_store(dir.file("b.db"), "kita");
  Op unsigned_op = ops[0];
  unsigned_op.signature.clear();
  b->apply_remote(std::vector<Op>{unsigned_op});
  EXPECT_TRUE(b->ops_missing_for({}, 10)[0].signature.empty());
  EXPECT_EQ(b->apply_remote(ops).duplicates, 1u);
  EXPECT_EQ(b->ops_missing_for({}, 10)[0].signature, r.op.signature);
}

TEST(StoreSignatures, SigningBytesCoverEveryFieldUnambiguously) {
  Op a;
  a.origin = "hq";
  a.seq = 12;
  a.hlc = Hlc::make(1000, 2);
  a.dataset = "ACTUAL";
  a.entity_id = "i1";
  a.fields = {{"title", "a"}};
  a.operator_name = "佐藤";
  const std::string base = signing_bytes(a);
  EXPECT_EQ(base.rfind("honbu-op-v1\n2:hq\n2:12\n", 0), 0u) << base;
  Op b = a;
  b.operator_name = "佐藤\n2:x";  // an attempt to shift fields
  EXPECT_NE(signing_bytes(b), base);
  b = a;
  b.fields["title"] = "b";
  EXPECT_NE(signing_bytes(b), base);
  b = a;
  b.signature = "anything";
  EXPECT_EQ(signing_bytes(b), base);  // the signature is not signed
}

TEST(StorePeers, RememberedAcrossRestarts) {
  TempDir dir;
  {
    auto s = open_store(dir.file("a.db"), "hq");
    s->save_peer({"kita", {{"kita", 40}, {"hq", 12}}, 1'795'300'000'000, "tcp://10.0.0.2:5701"});
    s->save_peer({"minami", {}, std::nullopt, ""});
    s->save_peer({"kita", {{"kita", 41}, {"hq", 12}}, 1'795'300'001'000, "tcp://10.0.0.2:5701"});
  }
  auto s = open_store(dir.file("a.db"), "hq");
  auto kita = s->peer("kita");
  ASSERT_TRUE(kita);
  EXPECT_EQ(kita->vector, (VersionVector{{"kita", 41}, {"hq", 12}}));
  EXPECT_EQ(*kita->last_heard, 1'795'300'001'000);
  EXPECT_EQ(s->peers().size(), 2u);
  EXPECT_FALSE(s->peer("higashi"));
}
