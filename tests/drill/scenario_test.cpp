// The scenario front end as a trainer meets it: every shipped file loads; a broken file is
// refused with every problem at once, each naming the file and line; a MSEL spreadsheet with
// Japanese headers reads like the YAML; the same seed gives the same schedule.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "support/temp_dir.hpp"
#include "sync/drill/engine.hpp"
#include "sync/drill/scenario_file.hpp"

using namespace honbu;
using namespace honbu::drill;
using honbu::testing::TempDir;

namespace {

// The head of a small valid scenario: HQ and one branch.
const std::string kHead = R"(honbu_scenario: 1
name: unit
title: 単体テスト
hazard: earthquake
start: 2026-12-01T09:00:00+09:00
duration: "1:00"
nodes:
  - {id: hq, role: hq, name: 本部}
  - {id: kita, role: branch, branch: kita, name: 北部支所, areas: [kitayama, uenodai]}
)";

std::vector<ScenarioProblem> problems_of(const std::string& text) {
  try {
    parse_scenario_yaml(text, "unit.yaml");
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("unit.yaml"), std::string::npos) << e.what();
    return e.problems();
  }
  ADD_FAILURE() << "the scenario was accepted:\n" << text;
  return {};
}

// Every problem as "line: message", one per line (for failure messages and searches).
std::string listing(const std::vector<ScenarioProblem>& v) {
  std::string all;
  for (const ScenarioProblem& p : v) all += std::to_string(p.line) + ": " + p.message + "\n";
  return all;
}

// The problem reported for `line`, or "" (so a test names the line it expects).
std::string at_line(const std::vector<ScenarioProblem>& v, int line) {
  for (const ScenarioProblem& p : v)
    if (p.line == line) return p.message;
  return "";
}

}  // namespace

TEST(DrillScenario, EveryShippedScenarioLoadsAndValidates) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(HONBU_SOURCE_DIR "/scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    SCOPED_TRACE(e.path().string());
    try {
      const Scenario s = load_scenario(e.path().string());
      EXPECT_FALSE(s.injects.empty());
      EXPECT_FALSE(s.hq().empty());
      EXPECT_TRUE(check(s).empty());
      ++n;
    } catch (const ScenarioError& ex) {
      ADD_FAILURE() << ex.what();
    }
  }
  EXPECT_GE(n, 4) << "demo, shutochoka, typhoon and blackout ship";
}

TEST(DrillScenario, TheEarthquakeIsAsBigAsPromised) {
  const Scenario s = load_scenario(HONBU_SOURCE_DIR "/scenarios/shutochoka.yaml");
  EXPECT_GE(s.injects.size(), 60u);
  EXPECT_DOUBLE_EQ(s.duration, 180);
  int branches = 0;
  for (const DrillNode& n : s.nodes) branches += n.role == "branch";
  EXPECT_EQ(branches, 4);
  // A branch is cut off for 40 minutes (a partition with for: 40, or one ended by a heal).
  bool forty = false;
  for (const Inject& i : s.injects)
    if (i.kind == InjectKind::Partition && i.for_minutes && *i.for_minutes >= 40) forty = true;
  EXPECT_TRUE(forty);
}

TEST(DrillScenario, EveryProblemAtOnceEachWithItsLine) {
  const std::string text = kHead + R"(injects:
  - card: "001"
    at: "+0:01"
    kind: incident
    target: hq
    data: {title: テスト, category: rescue, area_id: kitayama}
    colour: red
  - card: "002"
    at: "+0:02"
    kind: messag
    target: hq
    text: x
  - card: "003"
    at: "soon"
    kind: message
    target: hq
    text: y
)";
  const auto v = problems_of(text);
  const std::string all = listing(v);
  ASSERT_EQ(v.size(), 3u) << all;
  EXPECT_NE(at_line(v, 16).find("unknown field \"colour\""), std::string::npos) << all;
  EXPECT_NE(at_line(v, 19).find("messag"), std::string::npos) << all;
  EXPECT_NE(at_line(v, 23).find("soon"), std::string::npos) << all;
}

// Injects that cannot be read do not hide the frame's problems: a missing start and a
// mistyped role are listed with them (they used to appear only once the injects were fixed).
TEST(DrillScenario, FrameProblemsAreListedBesideInjectProblems) {
  const std::string text = R"(honbu_scenario: 1
name: unit
duration: "1:00"
nodes:
  - {id: hq, role: hqq, name: 本部}
injects:
  - card: "001"
    at: "soon"
    kind: message
    target: hq
    text: y
)";
  const auto v = problems_of(text);
  const std::string all = listing(v);
  EXPECT_NE(at_line(v, 8).find("soon"), std::string::npos) << all;
  EXPECT_NE(all.find("start (the simulated time of the disaster) is missing"), std::string::npos) << all;
  EXPECT_NE(all.find("role must be hq, branch or relay, not hqq"), std::string::npos) << all;
  // A start that is there but unreadable is said once, not also as missing.
  const auto w = problems_of(std::string(text).replace(text.find("duration"), 0, "start: someday\n"));
  const std::string all_w = listing(w);
  EXPECT_NE(all_w.find("\"someday\" is not a date-time"), std::string::npos) << all_w;
  EXPECT_EQ(all_w.find("is missing"), std::string::npos) << all_w;
}

TEST(DrillScenario, ReferencesAndTimesAreChecked) {
  const std::string text = kHead + R"(injects:
  - {card: "001", at: "+0:05", kind: message, target: nowhere, text: x}
  - {card: "002", at: "+2:00", kind: message, target: hq, text: y}
  - {card: "002", at: "+0:10", kind: message, target: hq, text: z}
  - {card: "004", at: "+0:10", kind: incident, target: hq, origin: kita, data: {title: 倒壊, category: rescue, area_id: minamihama}}
  - {card: "005", at: "+0:20", kind: partition, target: hq}
)";
  const auto v = problems_of(text);
  const std::string all = listing(v);
  EXPECT_NE(at_line(v, 11).find("nowhere"), std::string::npos) << all;  // no such node
  EXPECT_NE(at_line(v, 12), "") << all;                                  // after the end (1:00)
  EXPECT_NE(at_line(v, 13).find("002"), std::string::npos) << all;      // card used twice
  EXPECT_NE(at_line(v, 15), "") << all;                                  // partition of nobody
}

TEST(DrillScenario, DataIsCheckedByTheModelBeforeTheDrill) {
  // A count that is not a number, an unknown category: the model's validation, with its
  // field names, at the inject's line (not at 発災+0:10 in front of the players).
  const std::string text = kHead + R"(injects:
  - card: "001"
    at: "+0:10"
    kind: incident
    target: hq
    data: {title: 倒壊, category: volcano, area_id: kitayama, trapped: many}
)";
  const auto v = problems_of(text);
  ASSERT_FALSE(v.empty());
  const std::string all = listing(v);
  EXPECT_NE(all.find("category"), std::string::npos) << all;
  EXPECT_NE(all.find("trapped"), std::string::npos) << all;
  for (const ScenarioProblem& p : v) EXPECT_GE(p.line, 11) << all;
}

TEST(DrillScenario, NotYamlAtAllIsAnErrorWithALine) {
  const auto v = problems_of("honbu_scenario: 1\nname: [unclosed\n");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_GE(v[0].line, 2);
  const auto w = problems_of("- just\n- a list\n");
  ASSERT_FALSE(w.empty());
}

TEST(DrillScenario, MselSpreadsheetWithJapaneseHeaders) {
  TempDir dir;
  // As Excel saves it: a BOM, CRLF, a quoted field with a comma.
  std::ofstream(dir.file("injects.csv"), std::ios::binary)
      << "\xEF\xBB\xBF"
         "カード番号,想定時刻,種別,宛先,発信元,発信者,手段,内容,件名,地区,分類,期待される対応,期限(分),担当\r\n"
         "101,+0:05,事案,hq,kita,北部支所 田中,電話,\"上野台で火災、延焼のおそれ\",上野台 火災,uenodai,fire,incident_verified,10,hq\r\n"
         "102,+0:20,メッセージ,hq,,県危機管理課,FAX,第1報を送られたい,,,,message_answered,15,hq\r\n";
  std::ofstream(dir.file("s.yaml")) << kHead << "msel: injects.csv\ninjects: []\n";
  const Scenario s = load_scenario(dir.file("s.yaml"));
  ASSERT_EQ(s.injects.size(), 2u);
  const Inject& a = *s.inject("101");
  EXPECT_EQ(a.kind, InjectKind::Incident);
  EXPECT_DOUBLE_EQ(a.at, 5);
  EXPECT_EQ(a.origin, "kita");
  EXPECT_EQ(a.medium, "phone");  // 電話, as a code
  EXPECT_EQ(a.text, "上野台で火災、延焼のおそれ");
  ASSERT_EQ(a.expect.size(), 1u);
  EXPECT_EQ(a.expect[0].action, ActionKind::IncidentVerified);
  EXPECT_DOUBLE_EQ(*a.expect[0].within, 10);
  EXPECT_EQ(s.inject("102")->kind, InjectKind::Message);
  EXPECT_EQ(s.inject("102")->expect.at(0).action, ActionKind::MessageAnswered);
}

TEST(DrillScenario, MselProblemsNameTheCsvRowAndColumn) {
  TempDir dir;
  std::ofstream(dir.file("injects.csv")) << "カード番号,想定時刻,種別,宛先,色\n"
                                            "101,+0:05,メッセージ,hq,赤\n";
  std::ofstream(dir.file("s.yaml")) << kHead << "msel: injects.csv\ninjects: []\n";
  try {
    load_scenario(dir.file("s.yaml"));
    FAIL() << "an unknown column was accepted";
  } catch (const ScenarioError& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("injects.csv:1"), std::string::npos) << w;
    EXPECT_NE(w.find("色"), std::string::npos) << w;
  }
  std::ofstream(dir.file("injects.csv"), std::ios::trunc) << "カード番号,想定時刻,種別,宛先\n"
                                                             "101,+0:05,メッセージ,hq\n"
                                                             "102,いつか,メッセージ,hq\n";
  try {
    load_scenario(dir.file("s.yaml"));
    FAIL() << "a bad time was accepted";
  } catch (const ScenarioError& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("injects.csv:3"), std::string::npos) << w;
    EXPECT_NE(w.find("いつか"), std::string::npos) << w;
  }
  // A row whose data the model refuses (found after reading) still names the CSV, not the YAML.
  std::ofstream(dir.file("injects.csv"), std::ios::trunc) << "card,time,kind,target,title,area\n"
                                                             "101,+0:05,request,hq,毛布,kitayama\n";
  try {
    load_scenario(dir.file("s.yaml"));
    FAIL() << "a request with an area was accepted";
  } catch (const ScenarioError& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("injects.csv:2: inject 101: data.area_id"), std::string::npos) << w;
    EXPECT_EQ(w.find("s.yaml:2"), std::string::npos) << w;
  }
}

TEST(DrillScenario, SameSeedSameScheduleOtherSeedOtherJitter) {
  std::string text = kHead + "injects:\n";
  for (int i = 1; i <= 20; ++i)
    text += "  - {card: \"" + std::to_string(100 + i) + "\", at: \"+0:" + (i < 10 ? "0" : "") + std::to_string(i) +
            "\", jitter: 5, kind: message, target: hq, text: カード}\n";
  const Scenario s = parse_scenario_yaml(text, "unit.yaml");
  auto times = [&](std::uint64_t seed) {
    std::vector<std::pair<std::string, double>> v;
    for (const auto& [at, inj] : schedule(s, seed)) v.emplace_back(inj->card, at);
    return v;
  };
  EXPECT_EQ(times(7), times(7));
  EXPECT_NE(times(7), times(8));
  for (const auto& [at, inj] : schedule(s, 7)) {
    EXPECT_GE(at, inj->at);
    EXPECT_LT(at, inj->at + 5);
  }
}

TEST(DrillScenario, ScriptedPlayersAreCheckedToo) {
  TempDir dir;
  std::ofstream(dir.file("p.yaml")) << "players:\n"
                                       "  - {at: \"+0:04\", node: hq, kind: chronology, data: {content: 設置}}\n"
                                       "  - {at: \"later\", node: hq, kind: chronology, data: {content: x}}\n"
                                       "  - {at: \"+0:05\", node: hq, kind: chronology, dta: {content: x}}\n";
  try {
    load_players(dir.file("p.yaml"));
    FAIL() << "a broken players file was accepted";
  } catch (const ScenarioError& e) {
    ASSERT_EQ(e.problems().size(), 2u) << e.what();
    EXPECT_EQ(e.problems()[0].line, 3) << e.what();
    EXPECT_EQ(e.problems()[1].line, 4) << e.what();
  }
}

// The trainer's terminal and the drill report name places as people do (北山, 北部支所), not by
// the ids the scenario file uses; English uses the English name, else keeps the id beside it.
TEST(DrillScenario, InjectSummariesNamePlacesNotIds) {
  const Scenario s = load_scenario(std::string(HONBU_SOURCE_DIR) + "/scenarios/demo.yaml");
  auto summary = [&](const char* card, Lang lang) {
    const Inject* i = s.inject(card);
    return i ? inject_summary(s, *i, lang) : std::string("no card ") + card;
  };
  EXPECT_EQ(summary("003", Lang::Ja).rfind("北山 ", 0), 0u) << summary("003", Lang::Ja);
  EXPECT_EQ(summary("003", Lang::En).rfind("北山 (kitayama) ", 0), 0u) << summary("003", Lang::En);
  EXPECT_EQ(summary("007", Lang::Ja), "北部支所 第1報");
  EXPECT_EQ(summary("007", Lang::En), "North branch report 1");
  // An id the demo city does not know is shown as it is.
  Inject unknown = *s.inject("003");
  unknown.data["area_id"] = std::string("nowhere-9");
  EXPECT_EQ(inject_summary(s, unknown, Lang::Ja).rfind("nowhere-9 ", 0), 0u) << inject_summary(s, unknown, Lang::Ja);
  // A branch the scenario names itself is called by that name.
  Scenario renamed = s;
  for (DrillNode& n : renamed.nodes)
    if (n.branch == "kita") n.name = "北支所（訓練用）";
  const Inject& report = *renamed.inject("007");
  EXPECT_EQ(inject_summary(renamed, report, Lang::Ja), "北支所（訓練用） 第1報");
  EXPECT_EQ(inject_summary(renamed, report, Lang::En), "北支所（訓練用） (kita) report 1");
}

// The drill's master records follow the same rule as its cards: a renamed office loses the
// city's English name (the English console would otherwise still say "North branch"), one
// given its city name keeps it.
TEST(DrillScenario, MasterRecordsRenameBranchesAsTheCardsDo) {
  Scenario s = load_scenario(std::string(HONBU_SOURCE_DIR) + "/scenarios/demo.yaml");
  auto branch = [](const Scenario& sc, const char* id) {
    for (const MasterRecord& r : master_records(sc))
      if (r.kind == EntityKind::Branch && r.id == id) return r.fields;
    return Fields{};
  };
  const Fields kept = branch(s, "kita");
  EXPECT_EQ(kept.at("name"), Value{std::string("北部支所")});
  EXPECT_EQ(kept.at("name_en"), Value{std::string("North branch")});
  for (DrillNode& n : s.nodes)
    if (n.branch == "kita") n.name = "北支所（訓練用）";
  const Fields renamed = branch(s, "kita");
  EXPECT_EQ(renamed.at("name"), Value{std::string("北支所（訓練用）")});
  EXPECT_FALSE(renamed.count("name_en")) << "the city's English name stayed on a renamed office";
  EXPECT_EQ(renamed.at("node_id"), Value{std::string("kita")});
}

// The trainer's panel and the report say whom a card goes to by office, not by node id, and
// what an expectation checks in words when the trainer wrote no description.
TEST(DrillScenario, TargetsAndExpectationsAreInWordsNotIds) {
  const Scenario s = load_scenario(std::string(HONBU_SOURCE_DIR) + "/scenarios/demo.yaml");
  auto target = [&](const char* card, Lang lang) {
    const Inject* i = s.inject(card);
    return i ? inject_target_label(s, *i, lang) : std::string("no card ") + card;
  };
  EXPECT_EQ(target("010", Lang::Ja), "みなと市災害対策本部");
  EXPECT_EQ(target("010", Lang::En), "HQ");
  EXPECT_EQ(target("013", Lang::Ja), "南部支所") << "a partition names the office it cuts off";
  EXPECT_EQ(target("013", Lang::En), "South branch");
  EXPECT_EQ(node_label(s, "relay-x", Lang::Ja), "relay-x") << "an unknown node stays as it is";
  Inject stick = *s.inject("013");
  stick.kind = InjectKind::Bundle;
  stick.from_node = "minami";
  stick.to_node = "hq";
  stick.text.clear();  // a card with no words of its own is summed up by its way
  EXPECT_EQ(inject_target_label(s, stick, Lang::Ja), "南部支所 → みなと市災害対策本部");
  EXPECT_EQ(inject_summary(s, stick, Lang::En), "South branch → HQ");
  // A shelter update names the shelter its earlier card opened, not that card's number.
  EXPECT_EQ(inject_summary(s, *s.inject("014"), Lang::Ja), "南浜小学校 避難者 240");

  Expectation e;
  e.action = ActionKind::Evacuation;
  e.area = "minamihama";
  e.level = 4;
  EXPECT_EQ(expectation_text(s, e, Lang::Ja), "避難情報の発令 南浜 " +
                                                   std::string(enums::evacuation_level.text("4", Lang::Ja)));
  e = Expectation{};
  e.action = ActionKind::BranchReport;
  e.branch = "kita";
  e.report_no = 2;
  EXPECT_EQ(expectation_text(s, e, Lang::En), "Branch report North branch report 2");
  e.description = "北部支所が第2報を送る";
  EXPECT_EQ(expectation_text(s, e, Lang::En), "北部支所が第2報を送る") << "the trainer's words come first";
  for (const ActionKind k : {ActionKind::IncidentVerified, ActionKind::LifelineUpdated, ActionKind::HqStateSet})
    EXPECT_NE(action_kind_label(k, Lang::Ja), action_kind_name(k)) << action_kind_name(k) << " has no label";
}

// Times: a minus sign is refused (it used to be dropped: "-0:10" played at +0:10), and full
// width is never a reason to refuse (＋０：３０ is +0:30).
TEST(DrillScenario, TimesRefuseAMinusAndAcceptFullWidth) {
  EXPECT_FALSE(parse_offset("-0:10").has_value());
  EXPECT_FALSE(parse_offset("-1:00").has_value());
  EXPECT_FALSE(parse_offset("-10").has_value());
  EXPECT_EQ(parse_offset("＋０：３０"), std::optional<SimMinutes>(30));
  EXPECT_EQ(parse_offset("発災＋1:05"), std::optional<SimMinutes>(65));
  EXPECT_EQ(parse_offset("+0:52"), std::optional<SimMinutes>(52));
}

// A shelter update whose `ref` names no card used to pass validate and fail mid-drill
// ("Name is required"); an incident update must name an incident card.
TEST(DrillScenario, RefsNameACardOfTheRightKind) {
  const auto problems = problems_of(kHead + R"(injects:
  - card: "1"
    at: "+0:05"
    kind: shelter
    target: hq
    data: {name: 北山小学校, area_id: kitayama, opened_at: "2026-12-01T09:05:00+09:00"}
  - card: "2"
    at: "+0:10"
    kind: shelter
    target: hq
    ref: "099"
    data: {evacuees: 40}
  - card: "3"
    at: "+0:15"
    kind: incident_update
    target: hq
    ref: "1"
    data: {status: in_progress}
)");
  const std::string all = listing(problems);
  EXPECT_NE(at_line(problems, 16).find("`ref` 099 is no card"), std::string::npos) << all;
  EXPECT_NE(at_line(problems, 22).find("earlier incident inject's card"), std::string::npos) << all;
}

// One validate lists mistakes of every stage: what cannot be read (a bad time, an unknown
// field or kind), references (an unknown node) and the data (a missing title, an area the
// city does not have). A trainer used to fix the file three times to see them all.
TEST(DrillScenario, OneValidateListsMistakesOfEveryStage) {
  const auto problems = problems_of(kHead + R"(injects:
  - card: "1"
    at: "+0:65"
    kind: message
    target: hq
    text: 時刻の誤り
  - card: "2"
    at: "+0:10"
    kind: message
    target: hq
    prio: high
    text: 知らない項目
  - card: "3"
    at: "+0:15"
    kind: message
    target: nishi
    text: 知らない拠点
  - card: "4"
    at: "+0:20"
    kind: incident
    target: hq
    data: {category: fire, area_id: kitayama, priority: high}
  - card: "5"
    at: "+0:25"
    kind: lifline
    target: hq
  - card: "6"
    at: "+0:30"
    kind: incident
    target: hq
    origin: kita
    data: {title: 西浜 倒木, category: road, area_id: nishihama, priority: high}
)");
  const std::string all = listing(problems);
  EXPECT_NE(at_line(problems, 12).find("+0:65"), std::string::npos) << all;
  EXPECT_NE(at_line(problems, 20).find("prio"), std::string::npos) << all;
  EXPECT_NE(at_line(problems, 22).find("no node nishi"), std::string::npos) << all;
  EXPECT_NE(at_line(problems, 27).find("data.title"), std::string::npos) << all;
  EXPECT_NE(at_line(problems, 34).find("lifline"), std::string::npos) << all;
  EXPECT_NE(at_line(problems, 36).find("the city has no area nishihama"), std::string::npos) << all;
  EXPECT_EQ(problems.size(), 6u) << all;  // not also "kita may write incident only in its areas"
}

// A drill's folder is named by its JST start, as its report dates it (the machine's zone,
// UTC here, put it on the day before).
TEST(DrillScenario, TheDrillFolderIsNamedInJst) {
  const Scenario s = parse_scenario_yaml(kHead + "injects: []\n", "unit.yaml");
  const TimeMs at = *parse_iso("2026-12-04T01:58:37+09:00");
  EXPECT_EQ(default_drill_dir("/data", s, at), "/data/drills/unit-20261204-015837");
}

// A value an expected action is compared with must be one the players' data can hold: with
// "countermesures" the players who set 対策本部 on time were scored as having missed it.
TEST(DrillScenario, ExpectedValuesAreOnesTheDataCanHold) {
  const std::string text = kHead + R"(injects:
  - card: "001"
    at: "+0:05"
    kind: incident
    target: hq
    origin: kita
    data: {title: 倒壊, category: rescue, area_id: kitayama}
    expect:
      - {action: incident_status, status: finnished, within: 30}
      - {action: incident_status, status: 対応済, within: 30}
expected:
  - {action: hq_state, state: countermesures, deadline: "+0:30"}
  - {action: hq_state, state: 対策本部, deadline: "+0:30"}
  - {action: evacuation_order, area: oonoo, level: 9, deadline: "+0:30"}
  - {action: branch_report, branch: nishi, deadline: "+0:30"}
  - {action: request, request_kind: food, deadline: "+0:30"}
  - {action: lifeline_updated, card: "001", area: kitayama, lifeline_type: electricity, within: 10}
  - {action: shelter_open, shelter: no-such-shelter, deadline: "+0:30"}
  - {action: chronology, contains: 開設, deadline: "+0:30", points: many}
  - {action: shelter_open, shelter: sh-uenodai-sho, deadline: "+0:30"}
)";
  const auto v = problems_of(text);
  const std::string all = listing(v);
  EXPECT_NE(at_line(v, 18).find("status \"finnished\" is not one of received, in_progress, done, cancelled"),
            std::string::npos) << all;
  EXPECT_EQ(at_line(v, 19), "") << "a label is as good as the code: " << all;
  EXPECT_NE(at_line(v, 21).find("state \"countermesures\" is not one of"), std::string::npos) << all;
  EXPECT_EQ(at_line(v, 22), "") << all;
  EXPECT_NE(at_line(v, 23).find("area oonoo is not an area of the demo city"), std::string::npos) << all;
  EXPECT_NE(all.find("23: expected action e-3: level 9 is not an evacuation level"), std::string::npos) << all;
  EXPECT_NE(at_line(v, 24).find("branch nishi is no office"), std::string::npos) << all;
  EXPECT_NE(at_line(v, 25).find("request_kind \"food\" is not one of"), std::string::npos) << all;
  EXPECT_NE(at_line(v, 26).find("lifeline_type \"electricity\" is not one of"), std::string::npos) << all;
  EXPECT_NE(at_line(v, 27).find("shelter no-such-shelter is no shelter"), std::string::npos) << all;
  EXPECT_NE(at_line(v, 28).find("points: \"many\" is not a number"), std::string::npos) << all;
  EXPECT_EQ(at_line(v, 29), "") << "the city's designated shelters are in the drill's master data: " << all;
}

// Every problem also reads in Japanese, and a field of `data` is named at its own line.
TEST(DrillScenario, ProblemsReadInJapaneseAtTheFieldsLine) {
  const std::string text = kHead + R"(injects:
  - card: "001"
    at: "+0:10"
    kind: incident
    target: hq
    data:
      title: 倒壊
      category: rescue
      area_id: kitayama
      trapped: many
  - {card: "002", at: "+0:10", kind: branch_reprot, target: hq}
  - {card: "003", at: "+0:75", kind: message, target: hq, text: x}
)";
  try {
    parse_scenario_yaml(text, "unit.yaml");
    FAIL() << "accepted";
  } catch (const ScenarioError& e) {
    const std::string ja = e.text(Lang::Ja), en = e.text(Lang::En);
    EXPECT_EQ(en, e.what());
    EXPECT_NE(ja.find("unit.yaml: 問題が 3 件あります:"), std::string::npos) << ja;
    EXPECT_NE(ja.find("unit.yaml:19: 付与 001: data.trapped:"), std::string::npos) << ja;
    EXPECT_NE(ja.find("unit.yaml:20: 付与 002: kind \"branch_reprot\" はありません"), std::string::npos) << ja;
    EXPECT_NE(ja.find("unit.yaml:21: 付与 003 の at: \"+0:75\" は時刻ではありません"), std::string::npos) << ja;
    for (const ScenarioProblem& p : e.problems()) EXPECT_FALSE(p.ja.empty()) << p.message;
  }
}
