// Schema migrations: each step in one transaction, old files upgraded in place, files from
// a newer incompatible version refused without being touched.
#include "model/migrations.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <vector>

#include "model/db.hpp"
#include "model/errors.hpp"
#include "model/queries.hpp"
#include "model/store.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

using namespace honbu;
using honbu::testing::TempDir;

namespace {

bool has_table(Db& db, const std::string& name) {
  auto q = db.query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?");
  q->bind(1, name);
  return q->step();
}

// The list index's key columns (an expression shows as an empty name).
std::vector<std::string> list_index_columns(Db& db) {
  std::vector<std::string> cols;
  auto q = db.query("SELECT ifnull(name, '') FROM pragma_index_info('incidents_priority') ORDER BY seqno");
  while (q->step()) cols.push_back(q->column_text(0));
  return cols;
}

}  // namespace

TEST(Migrations, VersionsAreNumberedInOrder) {
  int expect = 1;
  for (const Migration& m : migrations()) {
    EXPECT_EQ(m.version, expect++);
    EXPECT_LE(m.compatible_version, m.version);
    EXPECT_FALSE(m.description.empty());
  }
  EXPECT_EQ(migrations().back().version, kSchemaVersion);
}

TEST(Migrations, Version1FileIsUpgradedKeepingItsData) {
  TempDir dir;
  const std::string path = dir.file("old.db");
  {
    // Build the version-1 schema as an older Honbu would have, with an op and its row.
    Db db(path, OpenMode::ReadWriteCreate);
    migrate(db, 1);
    db.exec(
        "INSERT INTO meta(key, value) VALUES('dataset', 'ACTUAL'), ('node_id', 'hq'), "
        "('created_at', '2026-01-01T00:00:00+09:00'), ('hlc', '117000000000000000')");
    db.exec(
        "INSERT INTO ops(origin, seq, hlc, dataset, kind, entity_id, op_type, fields, operator, "
        "schema_version, received_at) VALUES('hq', 1, 117000000000000000, 'ACTUAL', 'area', "
        "'chuo', 'upsert', '{\"branch_id\":\"hq\",\"name\":\"中央町\"}', 't', 1, 0)");
    db.exec("INSERT INTO origins(origin, contiguous, max_seq) VALUES('hq', 1, 1)");
    db.exec(
        "INSERT INTO areas(id, name, branch_id, _clk, _hlc) VALUES('chuo', '中央町', 'hq', "
        "'117000000000000000@hq:branch_id,name', 117000000000000000)");
    EXPECT_EQ(stored_schema_version(db), 1);
    EXPECT_FALSE(has_table(db, "evacuation_orders"));
  }
  StoreOptions o;
  o.path = path;
  auto s = Store::open(o);
  EXPECT_EQ(stored_schema_version(s->db()), kSchemaVersion);
  EXPECT_TRUE(has_table(s->db(), "evacuation_orders"));
  EXPECT_TRUE(has_table(s->db(), "office_status"));
  ASSERT_TRUE(get<Area>(s->db(), "chuo"));
  EXPECT_EQ(get<Area>(s->db(), "chuo")->name, "中央町");
  EXPECT_EQ(s->version_vector(), (VersionVector{{"hq", 1}}));
  // The upgraded file works: a new op continues the seq, and the log replays to the same state.
  auto r = s->put(EntityKind::Area, "chuo", {{"kana", "ちゅうおうちょう"}}, "t");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.op.seq, 2u);
}

TEST(Migrations, Version8IncidentsAreCountedWhenUpgraded) {
  TempDir dir;
  const std::string path = dir.file("v8.db");
  std::string hash_before;
  {
    // Incidents as a version-8 Honbu stored them, before incident_counts existed.
    auto s = honbu::testing::open_store(path);
    for (int i = 0; i < 4; ++i) {
      const Fields f{{"title", "倒壊家屋"},        {"category", "building"},
                     {"priority", i < 3 ? "high" : "low"}, {"verification", "unverified"},
                     {"received_at", "2026-11-22T09:00:00+09:00"}, {"status", "received"}};
      ASSERT_TRUE(s->put(EntityKind::Incident, "i" + std::to_string(i), f, "t").ok);
    }
    ASSERT_TRUE(s->remove(EntityKind::Incident, "i0", "t").ok);
  }
  {
    Db db(path, OpenMode::ReadWrite);
    db.exec("DROP TABLE incident_counts");
    db.exec("UPDATE meta SET value = '8' WHERE key IN ('schema_version', 'compatible_version')");
    db.exec("INSERT INTO incidents(id, title, priority) VALUES('i4', '停電', 'low')");  // a row with no status
    hash_before = state_hash(db);
  }
  StoreOptions o;
  o.path = path;
  auto s = Store::open(o);
  EXPECT_EQ(stored_schema_version(s->db()), kSchemaVersion);
  std::map<std::string, std::int64_t> counts;
  auto q = s->db().query("SELECT status || '/' || priority, n FROM incident_counts");
  while (q->step()) counts[q->column_text(0)] = q->column_int(1);
  // i0 is deleted; i4 never had a status (kept as X'', which concatenates as '').
  EXPECT_EQ(counts, (std::map<std::string, std::int64_t>{{"received/high", 2}, {"received/low", 1}, {"/low", 1}}));
  EXPECT_EQ(state_hash(s->db()), hash_before);
  IncidentFilter received;
  received.statuses = {"received"};
  EXPECT_EQ(query_incidents(s->db(), received).total, 3);
}

TEST(Migrations, Version10ListIndexNoLongerHoldsStatus) {
  TempDir dir;
  Db db(dir.file("v9.db"), OpenMode::ReadWriteCreate);
  migrate(db, 9);
  db.exec("INSERT INTO incidents(id, priority, status, received_at) VALUES('i1', 'life', 'received', '2026-11-22')");
  EXPECT_EQ(list_index_columns(db), (std::vector<std::string>{"", "received_at", "status", "_deleted"}));
  migrate(db, 10);
  EXPECT_EQ(stored_schema_version(db), 10);
  EXPECT_EQ(stored_compatible_version(db), 9);  // a schema-9 build still opens it
  EXPECT_EQ(list_index_columns(db), (std::vector<std::string>{"", "received_at"}));
  auto q = db.query("SELECT count(*) FROM incidents INDEXED BY incidents_priority WHERE priority = 'life'");
  ASSERT_TRUE(q->step());
  EXPECT_EQ(q->column_int(0), 1);  // rebuilt over the rows already there
}

TEST(Migrations, FailedStepLeavesThePreviousVersion) {
  TempDir dir;
  Db db(dir.file("a.db"), OpenMode::ReadWriteCreate);
  migrate(db, 1);
  db.exec("CREATE TABLE office_status(x)");  // a clash makes step 2 fail part-way
  EXPECT_THROW(migrate(db, 2), StoreError);
  EXPECT_EQ(stored_schema_version(db), 1);
  EXPECT_FALSE(has_table(db, "evacuation_orders"));  // step 2 rolled back as a whole
}

TEST(Migrations, NewerIncompatibleFileIsRefusedUntouched) {
  TempDir dir;
  const std::string path = dir.file("new.db");
  {
    StoreOptions o;
    o.path = path;
    o.node_id = "hq";
    o.dataset = "ACTUAL";
    Store::open(o);
    Db db(path, OpenMode::ReadWrite);
    // Two schemas ahead, and it says code before the next schema must not use it.
    db.exec("UPDATE meta SET value = '" + std::to_string(kSchemaVersion + 2) + "' WHERE key = 'schema_version'");
    db.exec("UPDATE meta SET value = '" + std::to_string(kSchemaVersion + 1) + "' WHERE key = 'compatible_version'");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const auto before = std::filesystem::last_write_time(path);
  StoreOptions o;
  o.path = path;
  try {
    Store::open(o);
    FAIL() << "opened a file from a newer incompatible Honbu";
  } catch (const StoreError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("newer Honbu"), std::string::npos) << m;
    EXPECT_NE(m.find("schema " + std::to_string(kSchemaVersion + 2)), std::string::npos) << m;
  }
  EXPECT_EQ(std::filesystem::last_write_time(path), before);
  Db db(path, OpenMode::ReadOnly);
  EXPECT_EQ(stored_schema_version(db), kSchemaVersion + 2);
}

TEST(Migrations, NewerButCompatibleFileOpens) {
  TempDir dir;
  const std::string path = dir.file("newer.db");
  {
    StoreOptions o;
    o.path = path;
    o.node_id = "hq";
    o.dataset = "ACTUAL";
    Store::open(o);
    Db db(path, OpenMode::ReadWrite);
    // Written by a build one schema ahead that says older code may still use the file.
    db.exec("UPDATE meta SET value = '" + std::to_string(kSchemaVersion + 1) + "' WHERE key = 'schema_version'");
    db.exec("UPDATE meta SET value = '1' WHERE key = 'compatible_version'");
  }
  StoreOptions o;
  o.path = path;
  auto s = Store::open(o);
  EXPECT_EQ(stored_schema_version(s->db()), kSchemaVersion + 1);  // not downgraded
}
