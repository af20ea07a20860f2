// A node with the demo city's data and the console drawn headless over it (no GPU).
#pragma once

#include <memory>
#include <string>

#include "console/app.hpp"
#include "console/headless.hpp"
#include "console/strings.hpp"
#include "support/temp_dir.hpp"
#include "sync/agent.hpp"

namespace honbu::testing {

struct ConsoleNode {
  TempDir dir;
  std::unique_ptr<sync::Agent> agent;
  std::string db_path;
  // An HQ node (or a branch: role Branch, office `branch` with `areas`) holding the demo
  // city as all three offices recorded it; `extra_incidents` more incidents on top.
  explicit ConsoleNode(sync::Role role = sync::Role::Hq, const std::string& branch = "hq",
                       std::vector<std::string> areas = {}, int extra_incidents = 0);
  ~ConsoleNode();
  console::AppOptions options(const std::string& only_panel = "") const;
  sync::Role role;
  std::string branch;
  std::vector<std::string> areas;
};

std::string assets_dir();  // the source tree's assets/

}  // namespace honbu::testing
