// [SECTION] A node: its store, keys, allow-list and sync agent, wired together the same way
// for honbu-node, the console and the drill engine.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sync/agent.hpp"

namespace honbu::sync {

struct NodeConfig {
  std::string data_dir;                  // the node's folder: database file(s)
  std::string dataset = "ACTUAL";        // ACTUAL, or EXERCISE:<name> for a drill
  std::string keys_path;                 // this node's secret key file (honbu-keys gen)
  std::string allowlist_path;            // who may connect and what they may write
  std::string role;                      // hq | branch | relay: must match the allow-list
  std::string listen;                    // empty: only connect out
  std::vector<std::string> peers;        // "node@tcp://host:port"
  int lost_after_ms = 4000;
  int vector_every_ms = 5000;
};

struct NodeHandle {
  std::unique_ptr<Agent> agent;
  std::string node_id, db_path;
};

// Makes the store sign every local op with this node's Ed25519 key and chain it to the
// previous one (Op::prev, BLAKE2b): what relays and bundles need to carry its ops.
void sign_ops_with(StoreOptions& options, const NodeKeys& keys);

// Loads keys and allow-list (checking that this node is on it, not revoked, with the given
// role), opens the dataset's database (creating it if needed) with op signing, starts the
// agent. Throws Error with a message a person can act on.
NodeHandle start_node(const NodeConfig& config);

}  // namespace honbu::sync
