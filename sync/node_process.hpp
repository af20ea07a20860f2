// [SECTION] A node as a child process (`honbu-node run ...`), and a demo site of keys.
// Used by the demo, the console's demo mode, the drill engine and benchmarks: everything
// that runs more than one node on one machine.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sync/keys.hpp"

namespace honbu::sync {

// The directory of the running program (tools find each other there).
std::string program_dir();
// The honbu-node program: $HONBU_NODE_BIN, else next to this program or in the build tree.
std::string node_binary();

class NodeProcess {
 public:
  NodeProcess() = default;
  // Starts `honbu-node run <args>` (the binary next to this program, or $HONBU_NODE_BIN),
  // stdout and stderr to `log_path`. Throws Error if it cannot be started.
  NodeProcess(std::string data_dir, const std::vector<std::string>& run_args, const std::string& log_path);
  ~NodeProcess();  // stop()
  NodeProcess(NodeProcess&& o) noexcept;
  NodeProcess& operator=(NodeProcess&& o) noexcept;
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& data_dir() const { return data_dir_; }
  bool running();
  // SIGTERM, then SIGKILL after `grace`; reaps the process. Safe to call twice.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  void kill9();  // SIGKILL now (crash tests, node-outage injects)

  // Asks the node over its control socket (`honbu-node ctl`); nullopt if it does not answer.
  std::optional<std::string> ctl(const std::vector<std::string>& words, int timeout_ms = 5000) const;
  // The endpoint the node listens on, from its status file, waiting up to `timeout`.
  std::string wait_listen_endpoint(std::chrono::milliseconds timeout) const;

 private:
  std::string data_dir_;
  pid_t pid_ = -1;
};

// Asks the node whose data directory is `data_dir` over its control socket; nullopt if it
// does not answer within `timeout_ms`. (Any thread; it does not touch a NodeProcess.)
std::optional<std::string> node_ctl(const std::string& data_dir, const std::vector<std::string>& words, int timeout_ms = 5000);
// The same over any control socket of that kind (a drill's: <drill dir>/drill.sock).
std::optional<std::string> node_ctl_socket(const std::string& socket_path, const std::vector<std::string>& words,
                                           int timeout_ms = 5000);

// Keys and one allow-list for a set of nodes, written under `root` (for demos and drills).
struct SiteNode {
  std::string id;
  Role role = Role::Branch;
  std::string branch_id;           // role branch
  std::vector<std::string> areas;  // role branch
};
struct Site {
  std::string root, allowlist;
  std::map<std::string, std::string> key_paths;  // node id -> secret key file
  std::map<std::string, NodeKeys> keys;
  AllowList allow;
};
// Fresh keys for every node (0600 files) and the allow-list binding them to roles and areas.
Site make_site(const std::string& root, const std::vector<SiteNode>& nodes);

// The demo city's nodes: HQ and the two branch offices with their areas (model/demo.hpp).
std::vector<SiteNode> demo_site_nodes();

}  // namespace honbu::sync
