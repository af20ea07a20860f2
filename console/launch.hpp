// [SECTION] Launching the console: the node it runs (real, or the demo city), the window (or
// none: --headless, --screenshot). Kept apart from main.cpp so that main stays short.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "sync/node.hpp"

namespace honbu::console {

struct LaunchOptions {
  sync::NodeConfig node;
  std::string lang, operator_name, assets_dir;
  bool demo = false, headless = false;
  std::string screenshot, panel;
  int frames = 120, width = 1920, height = 1080;
  int demo_every_ms = 3000;
  // A drill: this console is its HQ and the trainer's desk (honbu --drill scenarios/X.yaml).
  std::string drill, drill_dir, players, speed;
  std::uint64_t seed = 0;
  std::string replay;  // a finished drill's directory, replayed view-only
  std::string replay_at;  // where the replay starts (+h:mm)
};

void add_launch_options(CLI::App& app, LaunchOptions& o);
int launch(LaunchOptions& o);  // exit status

// Where the string tables, map and fonts config are: $HONBU_ASSETS_DIR, else the source tree's
// assets/ (the build knows it), else ../share/honbu next to the program.
std::string find_assets_dir();

}  // namespace honbu::console
