// The real program in a real window: `honbu --demo --screenshot` under Xvfb writes a PNG of
// the expected size that is not blank; with no display at all it says what to do instead.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/process.hpp"
#include <stb/stb_image.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "support/temp_dir.hpp"

using honbu::testing::TempDir;

namespace {

const std::string kConsole = HONBU_CONSOLE_BIN;

std::string find_xvfb() {
  for (const char* p : {"/usr/bin/Xvfb", "/usr/local/bin/Xvfb"})
    if (std::filesystem::exists(p)) return p;
  return {};
}

using honbu::testing::Outcome;
Outcome run(const std::string& cmd) { return honbu::testing::run_command(cmd); }

// An Xvfb server on a display number of its own; killed when the test ends.
struct Xvfb {
  pid_t pid = -1;
  int display = 0;
  explicit Xvfb(const std::string& bin) {
    for (int attempt = 0; attempt < 20 && pid < 0; ++attempt) {
      display = 200 + static_cast<int>((::getpid() + attempt * 7) % 700);
      if (std::filesystem::exists("/tmp/.X11-unix/X" + std::to_string(display))) continue;
      pid = ::fork();
      if (pid == 0) {
        const std::string d = ":" + std::to_string(display);
        std::freopen("/dev/null", "w", stderr);
        ::execl(bin.c_str(), bin.c_str(), d.c_str(), "-screen", "0", "1280x800x24", "-nolisten", "tcp",
                static_cast<char*>(nullptr));
        ::_exit(127);
      }
      for (int i = 0; i < 100; ++i) {
        if (std::filesystem::exists("/tmp/.X11-unix/X" + std::to_string(display))) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      pid = -1;
    }
  }
  ~Xvfb() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

}  // namespace

TEST(ConsoleWindow, ScreenshotUnderXvfbIsTheRightSizeAndNotBlank) {
  const std::string xvfb = find_xvfb();
  if (xvfb.empty()) GTEST_SKIP() << "Xvfb is not installed (tools/honbu installs the xvfb package)";
  Xvfb x(xvfb);
  ASSERT_GT(x.pid, 0) << "Xvfb did not start";
  TempDir dir;
  const std::string png = dir.file("console.png");
  const Outcome o = run("DISPLAY=:" + std::to_string(x.display) + " ASAN_OPTIONS=detect_leaks=0 " + kConsole +
                        " --demo --lang ja --data-dir " + dir.path() + " --screenshot " + png +
                        " --frames 30 --size 1280");
  ASSERT_EQ(o.status, 0) << o.out;
  int w = 0, h = 0, ch = 0;
  unsigned char* pixels = stbi_load(png.c_str(), &w, &h, &ch, 3);
  ASSERT_NE(pixels, nullptr) << "not a PNG: " << png;
  EXPECT_EQ(w, 1280);
  EXPECT_EQ(h, 720);
  std::set<unsigned> colors;
  for (int y = 0; y < h; y += 7)
    for (int x2 = 0; x2 < w; x2 += 7) {
      const unsigned char* p = pixels + (static_cast<size_t>(y) * w + x2) * 3;
      colors.insert((p[0] << 16) | (p[1] << 8) | p[2]);
    }
  stbi_image_free(pixels);
  std::printf("[ window ] %dx%d screenshot, %zu distinct colours sampled\n", w, h, colors.size());
  EXPECT_GT(colors.size(), 40u) << "the screenshot is (nearly) blank";
  EXPECT_NE(o.out.find("font:"), std::string::npos) << o.out;  // says which font it found
}

TEST(ConsoleWindow, WithNoDisplayItSaysWhatToDoInstead) {
  TempDir dir;
  const Outcome o = run("env -u DISPLAY -u WAYLAND_DISPLAY ASAN_OPTIONS=detect_leaks=0 " + kConsole + " --demo --data-dir " +
                        dir.path());
  EXPECT_EQ(o.status, 3) << o.out;
  EXPECT_NE(o.out.find("--headless"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("xvfb-run"), std::string::npos) << o.out;
}

// A mistyped panel, a branch role on the HQ-only demo, a missing scenario: each named, with
// what would be right, before the console starts anything (it wrote a blank picture and
// exited 0 for --panel bogus, and said "no display" before "no such file").
TEST(ConsoleWindow, CommandLineMistakesAreNamedBeforeAnythingStarts) {
  TempDir dir;
  const std::string base = "env -u DISPLAY -u WAYLAND_DISPLAY ASAN_OPTIONS=detect_leaks=0 " + kConsole + " --data-dir " +
                           dir.path() + " ";
  Outcome o = run(base + "--demo --screenshot " + dir.file("x.png") + " --panel bogus");
  EXPECT_EQ(o.status, 2) << o.out;
  EXPECT_NE(o.out.find("--panel bogus: there is no such panel"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("incidents"), std::string::npos) << o.out;
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.png")));
  o = run(base + "--demo --role branch");
  EXPECT_EQ(o.status, 2) << o.out;
  EXPECT_NE(o.out.find("--role branch does not apply"), std::string::npos) << o.out;
  o = run(base + "--drill " + dir.file("no-such.yaml"));
  EXPECT_EQ(o.status, 2) << o.out;
  EXPECT_NE(o.out.find("no-such.yaml: no such file"), std::string::npos) << o.out;
}
