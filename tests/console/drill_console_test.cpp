// The trainer's console (honbu --drill), headless: this console's node is the drill's HQ, the
// branches are real honbu-node processes. The 訓練進行 panel steers the clock by keyboard
// (Space pauses and resumes, N jumps to the next card), shows every card's state and the
// live score; the players' 状況付与票 panel shows the cards handed to HQ; at the end the
// panel offers the report. Then a replay of that drill in the console, view only.
#include <imgui.h>
#include <imgui_internal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "console/replay_host.hpp"
#include "console/widgets.hpp"
#include "console_fixture.hpp"
#include "support/temp_dir.hpp"
#include "sync/drill/engine.hpp"
#include "sync/drill/scenario_file.hpp"
#include "sync/node.hpp"

using namespace honbu;
using namespace honbu::console;
using honbu::testing::TempDir;
using namespace std::chrono_literals;

namespace {

bool offered(const std::string& action) {
  const auto& v = actions_offered();
  return std::find(v.begin(), v.end(), action) != v.end();
}

bool offered_prefix(const std::string& prefix) {
  for (const std::string& a : actions_offered())
    if (a.rfind(prefix, 0) == 0) return true;
  return false;
}

AppOptions options_for(const sync::NodeHandle& node, const std::string& dir,
                       const std::string& panel) {
  AppOptions o;
  o.db_path = node.db_path;
  o.data_dir = dir;
  o.assets_dir = honbu::testing::assets_dir();
  o.role = sync::Role::Hq;
  o.operator_name = "訓練 統制";
  o.only_panel = panel;
  o.persist = false;
  return o;
}

}  // namespace

TEST(DrillConsole, TheTrainerSteersTheClockByKeyboardAndGetsTheReport) {
  strings().load(honbu::testing::assets_dir());
  TempDir dir;
  drill::Scenario s = drill::load_scenario(HONBU_SOURCE_DIR "/scenarios/demo.yaml");
  drill::EngineOptions eo;
  eo.drill_dir = dir.file("drill");
  eo.speed = 60;
  eo.seed = s.seed;
  eo.players = drill::load_players(HONBU_SOURCE_DIR "/tests/drill/players/demo.yaml");
  drill::DrillEngine engine(s, eo);
  sync::NodeHandle node = sync::start_node(engine.node_config(s.hq()));
  engine.start(node.agent.get());

  AppOptions o = options_for(node, dir.path(), "drill");
  o.drill = &engine;
  o.clock = [&] { return engine.sim_time(); };
  {  // the trainer's console (its ImGui context ends before the players' one begins)
    Headless h;
    App app(*node.agent, o, nullptr);
    for (int i = 0; i < 10; ++i) h.frame([&] { app.frame(); });
    EXPECT_TRUE(app.session().exercise);
    EXPECT_TRUE(offered("drill.pause"));
    EXPECT_TRUE(offered("drill.next"));
    EXPECT_TRUE(offered_prefix("drill.inject.")) << "every card not yet handed out has a button";

    // Space pauses: the clock stands still while frames go on.
    h.key(32);
    h.frame([&] { app.frame(); });
    ASSERT_TRUE(engine.clock().paused);
    const double paused_at = engine.clock().now;
    for (int i = 0; i < 20; ++i) h.frame([&] { app.frame(); });
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(engine.clock().now, paused_at);
    EXPECT_TRUE(offered("drill.resume"));
    // N: the clock jumps to the next card.
    h.key('N');
    h.frame([&] { app.frame(); });
    EXPECT_TRUE(
        h.frames_until([&] { app.frame(); }, [&] { return engine.clock().now > paused_at; }, 5000));
    // Space again: it runs; then as fast as possible to the end.
    h.key(32);
    h.frame([&] { app.frame(); });
    EXPECT_FALSE(engine.clock().paused);
    engine.set_speed(0);
    ASSERT_TRUE(
        h.frames_until([&] { app.frame(); }, [&] { return engine.clock().finished; }, 120000));
    for (int i = 0; i < 10; ++i) h.frame([&] { app.frame(); });
    EXPECT_TRUE(offered("drill.write_report")) << "at the end the report tab comes forward";
    EXPECT_TRUE(std::filesystem::exists(eo.drill_dir + "/report-ja.html"));
    EXPECT_FALSE(offered("drill.pause"));

    // The window drew the clock, score and report form: real content, not a bare frame.
    ImGuiWindow* w = nullptr;
    for (ImGuiWindow* c : ImGui::GetCurrentContext()->Windows)
      if (std::string_view(c->Name).ends_with("###drill")) w = c;
    ASSERT_NE(w, nullptr);
    int vertices = 0;
    for (ImGuiWindow* c : ImGui::GetCurrentContext()->Windows)
      if (c->RootWindow == w && c->WasActive) vertices += c->DrawList->VtxBuffer.Size;
    EXPECT_GT(vertices, 800);  // a panel still loading draws about 300
  }

  // The players' panel at HQ: the cards handed to HQ; the one nobody answered (010) can
  // still be answered.
  {
    Headless h2;
    App players(*node.agent, options_for(node, dir.path(), "messages"), nullptr);
    ASSERT_TRUE(h2.frames_until([&] { players.frame(); }, [&] { return !players.busy(); }, 10000));
    for (int i = 0; i < 5; ++i) h2.frame([&] { players.frame(); });
    EXPECT_TRUE(offered("msg.answer." + drill::inject_entity_id("010")));
    EXPECT_FALSE(offered("msg.answer." + drill::inject_entity_id("008")))
        << "008 went to minami, not HQ";
    EXPECT_FALSE(offered("msg.answer." + drill::inject_entity_id("005")))
        << "005 was answered by the players";
  }
  engine.stop();
  node.agent->stop();
}
