// honbu-drill as a trainer uses it, run as a real program: validate, run and steer a drill
// from another terminal (status, pause, resume, speed, next, end), write the report again
// with notes, replay a moment on the terminal.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using honbu::testing::run_command;
using honbu::testing::TempDir;
using namespace std::chrono_literals;

namespace {

const std::string kTool = HONBU_DRILL_TOOL;
const std::string kSource = HONBU_SOURCE_DIR;

std::string ctl(const std::string& dir, const std::string& words) {
  return run_command(kTool + " ctl " + dir + " " + words).out;
}

bool eventually(const std::function<bool()>& f, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return f();
}

std::string file_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Every path under `dir`, sorted.
std::vector<std::string> files_under(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(HonbuDrillCli, ValidateNamesTheFileAndLine) {
  TempDir dir;
  std::ofstream(dir.file("bad.yaml")) << "honbu_scenario: 1\nname: bad\nstart: 2026-12-01T09:00:00+09:00\n"
                                         "duration: \"1:00\"\nnodes:\n  - {id: hq, role: hq}\ninjects:\n"
                                         "  - {card: \"1\", at: \"+0:05\", kind: message, target: hq, text: x, colour: red}\n";
  const auto bad = run_command("LANG=en_US.UTF-8 " + kTool + " validate " + dir.file("bad.yaml"));
  EXPECT_EQ(bad.status, 1) << bad.out;
  EXPECT_NE(bad.out.find("bad.yaml:8"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("colour"), std::string::npos) << bad.out;
  const auto good = run_command(kTool + " validate " + kSource + "/scenarios/*.yaml");
  EXPECT_EQ(good.status, 0) << good.out;
  const auto missing = run_command(kTool + " validate " + dir.file("nothing.yaml"));
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.out.find("nothing.yaml"), std::string::npos) << missing.out;
}

TEST(HonbuDrillCli, RunSteeredFromAnotherTerminalThenReportAndReplay) {
  TempDir dir;
  const std::string d = dir.file("drill");
  // ×60: the demo's hour takes a minute unless we speed it up — we will.
  const std::string cmd = "LANG=en_US.UTF-8 " + kTool + " run " + kSource + "/scenarios/demo.yaml --speed 60 --dir " + d +
                          " --players " + kSource + "/tests/drill/players/demo.yaml > " + dir.file("run.log") + " 2>&1; echo $? > " +
                          dir.file("rc");
  std::thread runner([&] { run_command(cmd); });
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(d + "/drill.sock") && ctl(d, "status").find("\"now\"") != std::string::npos; }, 60s))
      << file_text(dir.file("run.log"));

  EXPECT_EQ(ctl(d, "pause"), "ok\n");
  EXPECT_TRUE(eventually([&] { return ctl(d, "status").find("\"paused\":true") != std::string::npos; }, 5s));
  const std::string a = ctl(d, "status");
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(ctl(d, "status"), a) << "the clock moved while paused";
  const auto bad_speed = run_command(kTool + " ctl " + d + " speed 500");
  EXPECT_NE(bad_speed.status, 0);
  EXPECT_NE(bad_speed.out.find("1 to 60"), std::string::npos) << bad_speed.out;
  EXPECT_EQ(ctl(d, "next"), "ok\n");
  EXPECT_EQ(ctl(d, "resume"), "ok\n");
  EXPECT_EQ(ctl(d, "speed max"), "ok\n");
  runner.join();
  EXPECT_EQ(file_text(dir.file("rc")), "0\n") << file_text(dir.file("run.log"));
  const std::string log = file_text(dir.file("run.log"));
  EXPECT_NE(log.find("Score: 7 met, 2 late, 1 missed"), std::string::npos) << log;

  // The report again, with the trainer's notes.
  const auto rep = run_command(kTool + " report " + d + " --lang both --strengths 初動の確認が早かった --improvements 県への回答漏れ");
  EXPECT_EQ(rep.status, 0) << rep.out;
  const std::string ja = file_text(d + "/report-ja.html");
  EXPECT_NE(ja.find("初動の確認が早かった"), std::string::npos);
  EXPECT_NE(ja.find("県への回答漏れ"), std::string::npos);
  const std::string csv = file_text(d + "/report.csv");  // the spreadsheet keeps them too
  EXPECT_NE(csv.find(R"("notes","strengths","","","","初動の確認が早かった")"), std::string::npos) << csv.substr(0, 400);
  EXPECT_NE(csv.find("県への回答漏れ"), std::string::npos);

  // A moment of the drill on the terminal: fewer ops at +0:10 than at the end. The drill
  // directory is the drill's record (and may be read-only): a replay adds nothing to it.
  const std::vector<std::string> before = files_under(d);
  const auto early = run_command("LANG=en_US.UTF-8 " + kTool + " replay " + d + " --at +0:10");
  const auto late = run_command("LANG=en_US.UTF-8 " + kTool + " replay " + d + " --at +1:00");
  EXPECT_EQ(early.status, 0) << early.out;
  EXPECT_EQ(late.status, 0) << late.out;
  EXPECT_NE(early.out, late.out);
  EXPECT_NE(late.out.find("EXERCISE"), std::string::npos) << late.out;
  // A moment after the end is a mistake, said as such (it printed "Replay at +5:00").
  const auto after_end = run_command("LANG=en_US.UTF-8 " + kTool + " replay " + d + " --at +5:00");
  EXPECT_NE(after_end.status, 0) << after_end.out;
  EXPECT_NE(after_end.out.find("after the drill's end"), std::string::npos) << after_end.out;
  EXPECT_EQ(files_under(d), before);

  // Steering a drill that has ended says so.
  const auto gone = run_command(kTool + " ctl " + d + " pause");
  EXPECT_NE(gone.status, 0);
}

// `tools/honbu run` on a machine with no display passes its arguments (--lang, --data-dir)
// after `run`: they work there as before it, and the drill goes under that data directory.
TEST(HonbuDrillCli, LangAndDataDirAfterTheSubcommand) {
  TempDir dir;
  const std::string data = dir.file("data");
  const auto r = run_command("LANG=ja_JP.UTF-8 " + kTool + " run " + kSource + "/scenarios/demo.yaml --speed max --quiet --lang en --data-dir " + data);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("Score:"), std::string::npos) << r.out;  // English, despite LANG
  EXPECT_EQ(r.out.find("ノードを起動"), std::string::npos) << r.out;
  ASSERT_TRUE(std::filesystem::is_directory(data + "/drills")) << r.out;
  const std::vector<std::string> drills = files_under(data + "/drills");
  ASSERT_FALSE(drills.empty()) << r.out;
  EXPECT_NE(drills.front().find("/drills/demo-"), std::string::npos) << drills.front();
  // And before it, as always.
  const auto v = run_command(kTool + " --lang en validate " + kSource + "/scenarios/demo.yaml");
  EXPECT_EQ(v.status, 0) << v.out;
}
