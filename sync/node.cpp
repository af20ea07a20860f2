#include "sync/node.hpp"

#include "model/paths.hpp"

namespace honbu::sync {

void sign_ops_with(StoreOptions& options, const NodeKeys& keys) {
  options.signer = [keys](std::string_view bytes) { return keys.sign(bytes); };
  options.digest = [](std::string_view bytes) { return op_digest(bytes); };
}

NodeHandle start_node(const NodeConfig& c) {
  if (c.data_dir.empty()) throw Error("no data directory given (--data-dir)");
  if (c.keys_path.empty()) throw Error("no key file given (--keys); create one with: honbu-keys gen");
  if (c.allowlist_path.empty()) throw Error("no allow-list given (--allowlist)");
  Role role;
  if (!role_from_name(c.role, role)) throw Error("role must be hq, branch or relay (got \"" + c.role + "\")");

  AgentConfig ac;
  ac.keys = load_secret_keys(c.keys_path);
  ac.allow = AllowList::load(c.allowlist_path);
  ac.allowlist_path = c.allowlist_path;
  ac.role = role;
  const AllowEntry* me = ac.allow.by_node(ac.keys.node_id);
  if (!me) throw Error("this node (" + ac.keys.node_id + ") is not on the allow-list " + c.allowlist_path);
  if (me->revoked) throw Error("this node's key (" + ac.keys.node_id + ") is revoked in " + c.allowlist_path);
  if (me->role != role)
    throw Error("the allow-list gives " + ac.keys.node_id + " the role " + std::string(role_name(me->role)) +
                ", not " + c.role);
  if (me->keys != ac.keys.public_keys())
    throw Error("the keys in " + c.keys_path + " are not the ones the allow-list has for " + ac.keys.node_id);
  ac.listen = c.listen;
  for (const std::string& p : c.peers) ac.peers.push_back(parse_peer(p));
  ac.lost_after = std::chrono::milliseconds(c.lost_after_ms);
  ac.vector_every = std::chrono::milliseconds(c.vector_every_ms);

  StoreOptions so;
  so.path = database_path(c.data_dir, c.dataset);
  so.node_id = ac.keys.node_id;
  so.dataset = c.dataset;
  sign_ops_with(so, ac.keys);
  auto store = Store::open(so);

  NodeHandle h;
  h.node_id = ac.keys.node_id;
  h.db_path = so.path;
  h.agent = Agent::start(std::move(store), std::move(ac));
  return h;
}

}  // namespace honbu::sync
