// In-process nodes for sync tests: each with its own SQLite file, keys and agent, on
// 127.0.0.1 with ephemeral ports.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/queries.hpp"
#include "sync/agent.hpp"
#include "support/temp_dir.hpp"

namespace honbu::testing {

class Cluster {
 public:
  struct Spec {
    std::string id;
    sync::Role role = sync::Role::Branch;
    std::string branch;              // for branches
    std::vector<std::string> areas;  // for branches
    bool listen = false;
    std::vector<std::string> peers;  // node ids to connect to (must listen)
    std::string dataset = "ACTUAL";
  };

  Cluster();
  ~Cluster();

  // Declares a node: keys are made and the shared allow-list updated. Start it later.
  void add(Spec spec);
  void start(const std::string& id);
  void start_all();
  void stop(const std::string& id);
  bool running(const std::string& id) const;

  sync::Agent& agent(const std::string& id);
  const sync::NodeKeys& keys(const std::string& id) const { return keys_.at(id); }
  const sync::AllowList& allow() const { return allow_; }
  std::string endpoint(const std::string& id) const { return endpoints_.at(id); }
  std::string db_path(const std::string& id) const { return dir_.file(id + ".db"); }
  const TempDir& dir() const { return dir_; }
  void set_allow(sync::AllowList allow) { allow_ = std::move(allow); }

  // Runs fn on the node's agent thread and waits for it.
  template <class F>
  auto on(const std::string& id, F&& fn) {
    return agent(id).run(std::forward<F>(fn)).get();
  }
  std::string hash(const std::string& id);
  VersionVector vector(const std::string& id);

  // Polls until pred() or the timeout; returns pred()'s last value.
  static bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout);
  // All given nodes hold the same state hash and version vector.
  bool converged(const std::vector<std::string>& ids);
  bool wait_converged(const std::vector<std::string>& ids, std::chrono::milliseconds timeout);

  // A new incident written on node `id`; returns its id.
  std::string write_incident(const std::string& id, const std::string& title, const std::string& area = "");

 private:
  TempDir dir_;
  std::map<std::string, Spec> specs_;
  std::map<std::string, sync::NodeKeys> keys_;
  std::map<std::string, std::string> endpoints_;
  std::map<std::string, std::unique_ptr<sync::Agent>> agents_;
  sync::AllowList allow_;
};

}  // namespace honbu::testing
