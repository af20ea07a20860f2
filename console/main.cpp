// honbu: the console. Runs this office's node (store + sync agent, as honbu-node does) and
// shows it. Same flags as `honbu-node run`; see README.md.
//   honbu --data-dir D --role hq|branch --keys K --allowlist A [--listen ...] [--peer ...]
//   honbu --demo                      HQ on the demo city, two branch nodes streaming updates
//   honbu --screenshot out.png [--panel NAME] [--frames N]
//   honbu --headless ...              the node without a window (like honbu-node run)
#include <CLI/CLI.hpp>
#include <cstdio>

#include "console/launch.hpp"
#include "model/paths.hpp"
#include "tools/cli.hpp"

int main(int argc, char** argv) {
  honbu::keep_files_private();
  honbu::console::LaunchOptions o;
  CLI::App app{"Honbu 本部: disaster HQ operations console"};
  honbu::console::add_launch_options(app, o);
  if (auto exit_status = honbu::parse_command_line(app, argc, argv)) return *exit_status;
  return honbu::console::launch(o);
}
