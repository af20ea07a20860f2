// Every shipped scenario played to the end at full speed with its scripted players, over
// real honbu-node processes and real sync on 127.0.0.1: the score must be the known answer
// written at the top of tests/drill/players/<name>.yaml, every node must hold the same data
// at the end, the reports must be written. Then, on a finished drill: the replay shows what
// HQ held at a moment, and nothing of the drill can enter ACTUAL data by any path.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "model/db.hpp"
#include "model/drill/apply.hpp"
#include "model/drill/evaluation.hpp"
#include "model/drill/replay.hpp"
#include "model/paths.hpp"
#include "model/queries.hpp"
#include "support/temp_dir.hpp"
#include "sync/bundle.hpp"
#include "sync/drill/engine.hpp"
#include "sync/drill/scenario_file.hpp"
#include "sync/keys.hpp"

using namespace honbu;
using namespace honbu::drill;
using honbu::testing::TempDir;
using namespace std::chrono_literals;

namespace {

const std::string kPlayers = HONBU_SOURCE_DIR "/tests/drill/players/";
const std::string kScenarios = HONBU_SOURCE_DIR "/scenarios/";

// The known answer in the players file's header: "# met: a b; late: c; missed: d".
std::map<std::string, std::string> known_answer(const std::string& path) {
  std::ifstream f(path);
  std::string line, head;
  while (std::getline(f, line) && line.rfind("#", 0) == 0) head += line.substr(1) + " ";
  std::map<std::string, std::string> want;
  const std::regex part(R"(\b(met|late|missed):\s*([^;]*))");
  for (std::sregex_iterator it(head.begin(), head.end(), part), end; it != end; ++it) {
    std::istringstream ids((*it)[2].str());
    for (std::string id; ids >> id;) want[id] = (*it)[1].str();
  }
  return want;
}

std::string file_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

struct Played {
  Scenario scenario;
  Evaluation evaluation;
  DrillLog log;
  std::string hq_db;
  EngineStatus status;
};

Played play(const std::string& name, const std::string& dir) {
  Played p;
  p.scenario = load_scenario(kScenarios + name + ".yaml");
  EngineOptions o;
  o.drill_dir = dir;
  o.speed = 0;  // as fast as possible
  o.seed = p.scenario.seed;
  o.players = load_players(kPlayers + name + ".yaml");
  DrillEngine engine(p.scenario, o);
  engine.start();
  EXPECT_TRUE(engine.wait_finished(240s)) << name << " did not finish";
  p.status = engine.status();
  p.log = engine.log();
  p.hq_db = engine.hq_db_path();
  engine.stop();
  Db db(p.hq_db, OpenMode::ReadOnly);
  p.evaluation = evaluate(p.scenario, p.log, db, p.status.now, true);
  return p;
}

}  // namespace

class ShippedScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedScenario, PlaysToTheEndWithTheKnownScore) {
  const std::string name = GetParam();
  TempDir dir;
  const auto start = std::chrono::steady_clock::now();
  const Played p = play(name, dir.file("drill"));
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %zu injects in %.1f s wall\n", name.c_str(), p.scenario.injects.size(), wall_s);
  EXPECT_TRUE(p.status.finished);
  EXPECT_EQ(p.status.last_error, "");
  EXPECT_DOUBLE_EQ(p.status.now, p.scenario.duration);

  const auto want = known_answer(kPlayers + name + ".yaml");
  ASSERT_FALSE(want.empty()) << "no known answer at the top of the players file";
  std::map<std::string, std::string> got;
  for (const Outcome& o : p.evaluation.outcomes) got[o.expectation->id] = std::string(result_name(o.result));
  EXPECT_EQ(got, want);
  {
    // While it runs, a deadline passed is overdue (it can still be done, late), not missed.
    Db db(p.hq_db, OpenMode::ReadOnly);
    const Evaluation running = evaluate(p.scenario, p.log, db, p.status.now, false);
    ASSERT_EQ(running.outcomes.size(), p.evaluation.outcomes.size());
    for (std::size_t i = 0; i < running.outcomes.size(); ++i) {
      EXPECT_NE(running.outcomes[i].result, Result::Missed) << running.outcomes[i].expectation->id;
      if (p.evaluation.outcomes[i].result == Result::Missed && p.status.now > p.evaluation.outcomes[i].due) {
        EXPECT_EQ(running.outcomes[i].result, Result::Overdue) << running.outcomes[i].expectation->id;
      }
    }
  }

  // Every inject was delivered (network events happen; data arrives at its target).
  for (const InjectState& st : p.status.injects) {
    EXPECT_TRUE(st.delivered) << st.inject->card << ": " << st.error;
    EXPECT_TRUE(st.arrived) << st.inject->card;
  }
  // The nodes converged: every node holds what HQ holds.
  Db hq(p.hq_db, OpenMode::ReadOnly);
  const std::string hash = state_hash(hq);
  for (const DrillNode& n : p.scenario.nodes) {
    Db db(database_path(dir.file("drill/nodes/" + n.id), p.scenario.dataset()), OpenMode::ReadOnly);
    EXPECT_EQ(state_hash(db), hash) << n.id << " differs from HQ at the end";
  }
  // The network episodes ended and the data converged after each of them.
  for (const NetworkEpisode& e : p.evaluation.network) {
    EXPECT_TRUE(e.to.has_value()) << e.card;
    EXPECT_TRUE(e.converged_ms.has_value()) << e.card << " " << e.kind;
  }
  // The reports: both languages, marked as an exercise, and the CSV.
  const std::string ja = file_text(dir.file("drill/report-ja.html"));
  const std::string en = file_text(dir.file("drill/report-en.html"));
  EXPECT_NE(ja.find("訓練"), std::string::npos);
  EXPECT_NE(en.find("EXERCISE"), std::string::npos);
  EXPECT_NE(file_text(dir.file("drill/report.csv")).find("\xEF\xBB\xBF"), std::string::npos);
  for (const Outcome& o : p.evaluation.outcomes) EXPECT_NE(en.find(o.expectation->id), std::string::npos);
  // What the players did is worded in each report's language: labels, not field codes.
  for (const std::string* report : {&ja, &en}) {
    EXPECT_EQ(report->find("status=\""), std::string::npos) << "a field code in a report";
    EXPECT_EQ(report->find("state=\""), std::string::npos) << "a field code in a report";
  }
}

INSTANTIATE_TEST_SUITE_P(Drill, ShippedScenario, ::testing::Values("demo", "shutochoka", "typhoon", "blackout"));

TEST(DrillRun, TheEarthquakeCutsABranchOffForFortyMinutesAndItCatchesUp) {
  TempDir dir;
  const Played p = play("shutochoka", dir.file("drill"));
  bool forty = false;
  for (const NetworkEpisode& e : p.evaluation.network)
    if (e.kind == "partition" && e.to && *e.to - e.from >= 40 - 1e-6) forty = e.converged_ms.has_value();
  EXPECT_TRUE(forty) << "no 40-minute partition that converged afterwards";
}

TEST(DrillRun, TheBlackoutComesBackByBundleAndRelay) {
  TempDir dir;
  const Played p = play("blackout", dir.file("drill"));
  int bundles = 0, imported = 0;
  for (const LogEvent& e : p.log.events)
    if (e.type == "net" && e.kind == "bundle") {
      ++bundles;
      // "... imported F from N: 4 applied, 16 already here, 0 held back (clock ahead), 0 invalid, 0 refused"
      std::smatch m;
      const bool ok = std::regex_search(e.detail, m, std::regex(R"(: (\d+) applied.* 0 invalid, 0 refused)"));
      imported += ok && std::stoi(m[1].str()) > 0;
    }
  EXPECT_GE(bundles, 1);
  EXPECT_EQ(imported, bundles) << "every bundle of the drill was imported";
  bool relay = false;
  for (const DrillNode& n : p.scenario.nodes) relay |= n.role == "relay";
  EXPECT_TRUE(relay);
  const std::string en = file_text(dir.file("drill/report-en.html"));
  EXPECT_NE(en.find("onverge"), std::string::npos) << "the report shows how the data converged";
}

// One finished drill for the replay and leak tests (the demo: short).
class FinishedDrill : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    played_ = new Played(play("demo", dir_->file("drill")));
  }
  static void TearDownTestSuite() {
    delete played_;
    delete dir_;
  }
  static TempDir* dir_;
  static Played* played_;
};
TempDir* FinishedDrill::dir_ = nullptr;
Played* FinishedDrill::played_ = nullptr;

TEST_F(FinishedDrill, ReplayShowsWhatHqHeldAtAMoment) {
  Replay r(played_->hq_db, played_->log);
  TempDir scratch;
  auto s = Replay::open_scratch(scratch.file("replay.db"), played_->scenario.dataset());
  const std::size_t early = r.advance(*s, 10);
  const std::size_t middle = r.advance(*s, 30);
  const std::size_t all = r.advance(*s, r.end());
  EXPECT_GT(early, 0u);
  EXPECT_LT(early, middle);
  EXPECT_LT(middle, all);
  EXPECT_EQ(all, r.total_ops());
  // At the end the scratch store holds what HQ held.
  Db hq(played_->hq_db, OpenMode::ReadOnly);
  EXPECT_EQ(state_hash(s->db()), state_hash(hq));
  // At +0:10 the incident of card 011 (+0:3x) had not come in yet; the one of card 002 had.
  auto t = Replay::open_scratch(scratch.file("replay2.db"), played_->scenario.dataset());
  r.restart();
  r.advance(*t, 10);
  EXPECT_TRUE(get<Incident>(t->db(), inject_entity_id("002")).has_value());
  EXPECT_FALSE(get<Incident>(t->db(), inject_entity_id("011")).has_value());
}

TEST_F(FinishedDrill, NothingOfTheDrillEntersActualDataByAnyPath) {
  TempDir dir;
  const std::string dataset = played_->scenario.dataset();
  StoreOptions ao;
  ao.path = dir.file("actual.db"), ao.node_id = "hq", ao.dataset = "ACTUAL";
  auto actual = Store::open(ao);
  // A copy of the drill's HQ database, opened as its node (the drill's files stay as they were).
  std::filesystem::copy_file(played_->hq_db, dir.file("drill.db"));
  StoreOptions dopt;
  dopt.path = dir.file("drill.db"), dopt.node_id = "hq", dopt.dataset = dataset, dopt.create_if_missing = false;
  auto drill = Store::open(dopt);
  const std::vector<Op> ops = drill->ops_missing_for({}, 1000000);
  ASSERT_GT(ops.size(), 30u);  // master data, injects, the players' actions

  // 1. Sync: the ops as a peer sends them.
  const ApplyReport r = actual->apply_remote(ops);
  EXPECT_EQ(r.applied, 0u);
  EXPECT_EQ(r.refused, ops.size());
  // 2. A bundle file (a USB stick) of the drill, signed by a key the ACTUAL node trusts.
  const sync::NodeKeys keys = sync::load_secret_keys(dir_->file("drill/keys/hq.key"));
  const sync::AllowList allow = sync::AllowList::load(dir_->file("drill/keys/allowlist.yaml"));
  sync::write_bundle(*drill, keys, "hq2", {}, dir.file("drill.honbu"));
  try {
    sync::import_bundle(*actual, allow, dir.file("drill.honbu"));
    ADD_FAILURE() << "a drill bundle was imported into ACTUAL data";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dataset), std::string::npos) << e.what();
  }
  // 3. The inject path (honbu-node ctl inject, a scripted player): a drill card is refused.
  InjectWrite w{EntityKind::DrillMessage, "msg-x", {{"card", std::string("001")}, {"content", std::string("x")}}};
  const LocalResult lr = write_inject(*actual, w, "訓練コントローラ");
  EXPECT_FALSE(lr.problems.empty());
  // Nothing at all was written.
  EXPECT_EQ(actual->data_version(), 0);
  EXPECT_TRUE(actual->version_vector().empty());
  EXPECT_EQ(list_all<Incident>(actual->db()).size(), 0u);
}
