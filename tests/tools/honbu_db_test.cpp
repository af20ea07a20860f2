// honbu-db and honbu-demo as a user runs them: real child processes, real files.
#include <gtest/gtest.h>

#include "support/process.hpp"
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <iterator>
#include <fstream>
#include <filesystem>
#include <cstdio>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "model/db.hpp"
#include "model/store.hpp"
#include "model/time.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

using honbu::testing::TempDir;

namespace {

using honbu::testing::Outcome;
Outcome run(const std::string& cmd) { return honbu::testing::run_command(cmd); }

const std::string kDb = HONBU_DB_TOOL;
const std::string kDemo = HONBU_DEMO_TOOL;
const std::string kReport = HONBU_REPORT_TOOL;

}  // namespace

TEST(HonbuDb, InitStatsVerifyOps) {
  TempDir dir;
  const std::string db = dir.file("hq.db");
  Outcome init = run(kDb + " --lang en init --db " + db + " --node hq");
  ASSERT_EQ(init.status, 0) << init.out;
  EXPECT_NE(init.out.find("Created"), std::string::npos) << init.out;

  Outcome stats = run(kDb + " --lang en stats --db " + db);
  ASSERT_EQ(stats.status, 0) << stats.out;
  EXPECT_NE(stats.out.find("Node: hq"), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("Dataset: ACTUAL"), std::string::npos) << stats.out;

  Outcome verify = run(kDb + " --lang en verify --db " + db);
  EXPECT_EQ(verify.status, 0) << verify.out;
  EXPECT_NE(verify.out.find("verify: OK"), std::string::npos) << verify.out;
}

// A node's files hold names, addresses and injuries: its owner's only, even when the login's
// umask (Debian's 022) would make them readable by every account on the laptop.
TEST(HonbuDb, TheFilesItMakesAreForTheirOwnerOnly) {
  namespace fs = std::filesystem;
  TempDir dir;
  const std::string folder = dir.file("node"), db = folder + "/hq.db";
  Outcome init = run("umask 022; " + kDb + " --lang en init --db " + db + " --node hq");
  ASSERT_EQ(init.status, 0) << init.out;
  const auto others = fs::perms::group_all | fs::perms::others_all;
  int checked = 0;
  for (const auto& e : fs::directory_iterator(folder)) {
    EXPECT_EQ(e.status().permissions() & others, fs::perms::none) << e.path() << " is readable by others";
    ++checked;
  }
  EXPECT_GE(checked, 1);
  EXPECT_EQ(fs::status(folder).permissions() & others, fs::perms::none) << "the folder it made";
}

TEST(HonbuDb, InitOnAnExistingFileSaysSoAndChangesNothing) {
  TempDir dir;
  const std::string db = dir.file("hq.db");
  ASSERT_EQ(run(kDb + " init --db " + db + " --node hq").status, 0);
  Outcome again = run(kDb + " --lang en init --db " + db + " --node hq");
  EXPECT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("Already there"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("Created"), std::string::npos) << again.out;
}

// stats and ops read a file a running node holds (the writer lock refuses only writers).
TEST(HonbuDb, StatsAndOpsReadAFileARunningNodeHolds) {
  TempDir dir;
  const std::string db = dir.file("hq.db");
  auto node = honbu::testing::open_store(db);  // held for writing until the end of the test
  ASSERT_TRUE(node->put(honbu::EntityKind::Area, "chuo", {{"name", "中央町"}, {"branch_id", "hq"}}, "t").ok);

  Outcome stats = run(kDb + " --lang en stats --db " + db);
  ASSERT_EQ(stats.status, 0) << stats.out;
  EXPECT_NE(stats.out.find("read-only beside the node"), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("Node: hq"), std::string::npos) << stats.out;
  Outcome ops = run(kDb + " ops --db " + db);
  ASSERT_EQ(ops.status, 0) << ops.out;
  EXPECT_NE(ops.out.find("\"id\":\"chuo\""), std::string::npos) << ops.out;
  // Writing still needs the node stopped, and says so.
  Outcome verify = run(kDb + " --lang en verify --db " + db);
  EXPECT_EQ(verify.status, 2) << verify.out;
  EXPECT_NE(verify.out.find("is in use by a running node or console: stop it to verify (stats works meanwhile)"),
            std::string::npos)
      << verify.out;
  EXPECT_EQ(verify.out.find("imports"), std::string::npos) << "a hint for another command: " << verify.out;
}

// Another program's SQLite file, or an empty one, is not taken for a node database: stats
// says so and init refuses, and the file is byte for byte what it was (opening it for
// writing used to turn it into a WAL database). init makes an empty file into one.
TEST(HonbuDb, AnotherProgramsDatabaseIsNamedAndLeftUnchanged) {
  TempDir dir;
  const std::string other = dir.file("photos.db");
  {
    honbu::Db db(other, honbu::OpenMode::ReadWriteCreate);  // (which makes it WAL: back to a rollback journal)
    db.exec("PRAGMA journal_mode=DELETE; CREATE TABLE albums(id INTEGER PRIMARY KEY, title TEXT)");
  }
  std::ifstream in(other, std::ios::binary);
  const std::string before{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  for (const std::string& cmd :
       {kDb + " --lang en stats --db " + other, kDb + " --lang en init --db " + other + " --node hq"}) {
    Outcome o = run(cmd);
    EXPECT_EQ(o.status, 2) << cmd << "\n" << o.out;
    EXPECT_NE(o.out.find("not a Honbu database"), std::string::npos) << o.out;
    EXPECT_NE(o.out.find("albums"), std::string::npos) << o.out;
  }
  std::ifstream again(other, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(again), std::istreambuf_iterator<char>()), before);
  EXPECT_FALSE(std::filesystem::exists(other + "-wal"));

  const std::string empty = dir.file("empty.db");
  std::ofstream{empty};
  Outcome stats = run(kDb + " --lang en stats --db " + empty);
  EXPECT_EQ(stats.status, 2) << stats.out;
  EXPECT_NE(stats.out.find("empty file"), std::string::npos) << stats.out;
  Outcome init = run(kDb + " --lang en init --db " + empty + " --node hq");
  EXPECT_EQ(init.status, 0) << init.out;
  EXPECT_NE(init.out.find("Created"), std::string::npos) << init.out;
}

// A database copied where its reader may not write (a CD, an auditor's account): stats, ops
// and verify read it without a -shm file and change nothing. Run as `nobody` when the test
// runs as root, for whom every file is writable.
TEST(HonbuDb, AReadOnlyCopyCanBeReadAndVerified) {
  TempDir dir;
  const std::string copy = dir.file("cd");
  std::filesystem::create_directories(copy);
  const std::string db = copy + "/actual.db";
  {
    auto s = honbu::testing::open_store(db);
    ASSERT_TRUE(s->put(honbu::EntityKind::Area, "chuo", {{"name", "中央町"}, {"branch_id", "hq"}}, "t").ok);
  }  // closed: the WAL is folded into the file and removed
  ASSERT_FALSE(std::filesystem::exists(db + "-wal"));
  namespace fs = std::filesystem;
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  fs::permissions(db, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(copy, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  const std::string as_reader = ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
  if (!as_reader.empty() && run(as_reader + "test -r " + db).status != 0)
    GTEST_SKIP() << "user nobody cannot reach " << db << " (is $TMPDIR under a private directory?)";
  Outcome stats = run(as_reader + kDb + " --lang en stats --db " + db);
  EXPECT_EQ(stats.status, 0) << stats.out;
  EXPECT_NE(stats.out.find("read-only for you"), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("Node: hq"), std::string::npos) << stats.out;
  Outcome ops = run(as_reader + kDb + " ops --db " + db);
  EXPECT_EQ(ops.status, 0) << ops.out;
  EXPECT_NE(ops.out.find("\"id\":\"chuo\""), std::string::npos) << ops.out;
  Outcome verify = run(as_reader + kDb + " --lang en verify --db " + db);
  EXPECT_EQ(verify.status, 0) << verify.out;
  EXPECT_NE(verify.out.find("verify: OK"), std::string::npos) << verify.out;
  EXPECT_FALSE(fs::exists(db + "-shm"));
  // Writing to it is refused saying why ("unable to open database file" said nothing).
  const std::string csv = dir.file("shelters.csv");
  std::ofstream(csv) << "ID,名称,種別\nsh-9,公民館,指定避難所\n";
  fs::permissions(csv, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  Outcome write = run(as_reader + kReport + " --lang en import-csv --db " + db + " " + csv);
  EXPECT_NE(write.status, 0) << write.out;
  EXPECT_NE(write.out.find("cannot write it or its directory"), std::string::npos) << write.out;
  fs::permissions(copy, fs::perms::owner_all);  // so that TempDir can remove it
}

TEST(HonbuDb, InitRefusesToClobberAnotherNodesFile) {
  TempDir dir;
  const std::string db = dir.file("hq.db");
  ASSERT_EQ(run(kDb + " init --db " + db + " --node hq").status, 0);
  Outcome again = run(kDb + " --lang en init --db " + db + " --node kita");
  EXPECT_NE(again.status, 0);
  EXPECT_NE(again.out.find("belongs to node \"hq\""), std::string::npos) << again.out;
}

TEST(HonbuDb, VerifyFailsOnATamperedDatabase) {
  TempDir dir;
  Outcome demo = run(kDemo + " --lang en --cut-seconds 2 --data-dir " + dir.path());
  ASSERT_EQ(demo.status, 0) << demo.out;
  const std::string db = dir.file("demo/hq/exercise-demo.db");
  {
    honbu::Db raw(db, honbu::OpenMode::ReadWrite);
    raw.exec("UPDATE incidents SET status = 'done'");
  }
  Outcome verify = run(kDb + " --lang en verify --db " + db);
  EXPECT_EQ(verify.status, 1) << verify.out;
  EXPECT_NE(verify.out.find("verify: FAILED"), std::string::npos) << verify.out;
}

// Garbage over one page of the incidents table: verify says FAILED with the reason, like
// any other damage (it stopped with a bare SQL error and exit status 2).
TEST(HonbuDb, VerifyFailsOnADamagedPageAndSaysWhy) {
  TempDir dir;
  const std::string db = dir.file("hq.db");
  {
    auto s = honbu::testing::open_store(db);
    std::string problem;
    s->batch([&] {
      for (int i = 0; i < 2000 && problem.empty(); ++i)
        if (auto r = s->put(honbu::EntityKind::Incident, s->new_id(),
               {{"title", "倒壊 " + std::to_string(i)}, {"category", "building"}, {"priority", "high"},
                {"status", "received"}, {"verification", "unverified"},
                {"received_at", honbu::format_iso_jst(s->now())},
                {"description", std::string(200, 'x')}},
               "t");
            !r.ok)
          problem = honbu::describe(r.problems, honbu::Lang::En);
    });
    ASSERT_EQ(problem, "");
  }
  long page = 0, size = 0;
  {
    honbu::Db raw(db, honbu::OpenMode::ReadWrite);
    auto q = raw.query("SELECT pageno, (SELECT page_size FROM pragma_page_size()) FROM dbstat "
                       "WHERE name = 'incidents' AND pagetype = 'leaf' ORDER BY pageno");
    std::vector<std::pair<long, long>> leaves;
    while (q->step()) leaves.emplace_back(q->column_int(0), q->column_int(1));
    ASSERT_GT(leaves.size(), 10u);
    std::tie(page, size) = leaves[leaves.size() / 2];
  }
  FILE* f = std::fopen(db.c_str(), "r+b");
  ASSERT_NE(f, nullptr);
  std::fseek(f, (page - 1) * size + 8, SEEK_SET);
  const std::string junk(static_cast<size_t>(size - 8), '\xA5');
  std::fwrite(junk.data(), 1, junk.size(), f);
  std::fclose(f);
  Outcome verify = run(kDb + " --lang en verify --db " + db);
  EXPECT_EQ(verify.status, 1) << verify.out;
  EXPECT_NE(verify.out.find("verify: FAILED"), std::string::npos) << verify.out;
  EXPECT_NE(verify.out.find("problem:"), std::string::npos) << verify.out;
}

TEST(HonbuDb, OpsPrintsJsonLinesAndFilters) {
  TempDir dir;
  ASSERT_EQ(run(kDemo + " --cut-seconds 2 --data-dir " + dir.path()).status, 0);
  const std::string db = dir.file("demo/kita/exercise-demo.db");
  Outcome ops = run(kDb + " --lang en ops --db " + db + " --origin minami --limit 3");
  ASSERT_EQ(ops.status, 0) << ops.out;
  int lines = 0;
  for (size_t at = 0; (at = ops.out.find("{\"dataset\"", at)) != std::string::npos; ++at) ++lines;
  EXPECT_EQ(lines, 3) << ops.out;
  // A cut is said (on stderr), never silent: the log holds more of minami's ops.
  EXPECT_NE(ops.out.find("the first 3 ops only; there are more"), std::string::npos) << ops.out;
  Outcome all = run(kDb + " --lang en ops --db " + db + " --origin minami --limit 100000");
  EXPECT_EQ(all.out.find("there are more"), std::string::npos) << all.out.substr(0, 300);
  EXPECT_NE(ops.out.find("\"origin\":\"minami\""), std::string::npos) << ops.out;
  EXPECT_EQ(ops.out.find("\"origin\":\"hq\""), std::string::npos) << ops.out;
}

// A mistyped command line exits 2 like every other error (CLI11's own codes are 105-109).
TEST(HonbuDb, CommandLineMistakesExitTwoAndSayWhy) {
  for (const std::string& tool : {kDb + " stats", kDemo}) {
    Outcome bogus = run(tool + " --no-such-option");
    EXPECT_EQ(bogus.status, 2) << tool << ": " << bogus.out;
    EXPECT_NE(bogus.out.find("no-such-option"), std::string::npos) << bogus.out;
    EXPECT_EQ(run(tool + " --help").status, 0) << tool;
  }
  Outcome missing = run(kDb + " init --db x.db");  // --node is required
  EXPECT_EQ(missing.status, 2) << missing.out;
  EXPECT_NE(missing.out.find("--node"), std::string::npos) << missing.out;
  // A bad node id is refused before any directory is made for it.
  TempDir dir;
  Outcome bad_id = run(kDb + " --lang en init --data-dir " + dir.file("new/a/b") + " --node 'a b'");
  EXPECT_EQ(bad_id.status, 2) << bad_id.out;
  EXPECT_NE(bad_id.out.find("node id \"a b\""), std::string::npos) << bad_id.out;
  EXPECT_FALSE(std::filesystem::exists(dir.file("new")));
  ASSERT_EQ(run(kDb + " init --db " + dir.file("hq.db") + " --node hq").status, 0);
  for (const char* limit : {"0", "-1"}) {
    Outcome o = run(kDb + " ops --db " + dir.file("hq.db") + " --limit " + limit);
    EXPECT_EQ(o.status, 2) << limit << ": " << o.out;
    EXPECT_NE(o.out.find("--limit"), std::string::npos) << o.out;
  }
}

TEST(HonbuDb, MissingDatabaseIsAClearError) {
  TempDir dir;
  Outcome stats = run(kDb + " --lang en stats --db " + dir.file("nope.db"));
  EXPECT_EQ(stats.status, 2);
  EXPECT_NE(stats.out.find("honbu-db init"), std::string::npos) << stats.out;
}

TEST(HonbuDemo, ThreeNodeProcessesSyncThroughAPartitionInBothLanguages) {
  TempDir dir;
  Outcome ja = run(kDemo + " --lang ja --cut-seconds 2 --data-dir " + dir.path());
  ASSERT_EQ(ja.status, 0) << ja.out;
  EXPECT_NE(ja.out.find("同期完了"), std::string::npos) << ja.out;
  EXPECT_NE(ja.out.find("再び一致"), std::string::npos) << ja.out;
  EXPECT_NE(ja.out.find("切断中"), std::string::npos) << ja.out;  // the cut was visible
  EXPECT_NE(ja.out.find("第4号様式"), std::string::npos);
  EXPECT_NE(ja.out.find("未確認"), std::string::npos);
  Outcome en = run(kDemo + " --lang en --cut-seconds 2 --data-dir " + dir.path());  // recreated
  ASSERT_EQ(en.status, 0) << en.out;
  EXPECT_NE(en.out.find("agree again"), std::string::npos) << en.out;
  EXPECT_NE(en.out.find("[Branch reports]"), std::string::npos) << en.out;
  EXPECT_NE(en.out.find("EXERCISE"), std::string::npos);
  // Every node process was stopped.
  EXPECT_NE(en.out.find("Nodes stopped"), std::string::npos);
}
