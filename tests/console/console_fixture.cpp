#include "console_fixture.hpp"

#include "model/demo.hpp"
#include "sync/node.hpp"

namespace honbu::testing {

std::string assets_dir() { return std::string(HONBU_SOURCE_DIR) + "/assets"; }

ConsoleNode::ConsoleNode(sync::Role r, const std::string& b, std::vector<std::string> a, int extra_incidents)
    : role(r), branch(b), areas(std::move(a)) {
  console::strings().load(assets_dir());
  const std::string node_id = role == sync::Role::Hq ? "hq" : branch;
  db_path = dir.file(node_id + ".db");
  StoreOptions so;
  so.path = db_path;
  so.node_id = node_id;
  so.dataset = kDemoDataset;
  const sync::NodeKeys keys = sync::generate_keys(node_id);
  sync::sign_ops_with(so, keys);
  auto store = Store::open(so);
  const TimeMs now = wall_now_ms();
  fill_demo_master_data(*store, now);
  for (const DemoNode& n : demo_nodes()) fill_demo_node(*store, n, now, 7);
  if (extra_incidents > 0) {
    store->batch([&] {
      for (int i = 0; i < extra_incidents; ++i)
        store->put(EntityKind::Incident, store->new_id(),
                   {{"title", "通報 " + std::to_string(i)}, {"category", "road"}, {"area_id", "chuo"},
                    {"received_at", format_iso_jst(now - i * 1000)}, {"verification", "unverified"},
                    {"priority", i % 7 == 0 ? "life" : "medium"}, {"status", "received"},
                    {"lat", 35.33 + (i % 100) * 0.0001}, {"lon", 139.62 + (i % 97) * 0.0001}},
                   "test");
    });
  }
  sync::AgentConfig ac;
  ac.keys = keys;
  sync::AllowEntry e;
  e.node_id = node_id;
  e.role = role;
  e.branch_id = branch;
  e.areas = areas;
  e.keys = keys.public_keys();
  ac.allow.upsert(e);
  ac.role = role;
  agent = sync::Agent::start(std::move(store), std::move(ac));
}

ConsoleNode::~ConsoleNode() { agent.reset(); }

console::AppOptions ConsoleNode::options(const std::string& only_panel) const {
  console::AppOptions o;
  o.db_path = db_path;
  o.data_dir = dir.path();
  o.assets_dir = assets_dir();
  o.role = role;
  o.branch_id = branch;
  o.areas = areas;
  o.operator_name = "テスト 担当";
  o.only_panel = only_panel;
  o.persist = false;
  return o;
}

}  // namespace honbu::testing
