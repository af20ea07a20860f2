#include "support/cluster.hpp"

#include <thread>

#include "model/store.hpp"
#include "sync/node.hpp"

namespace honbu::testing {

Cluster::Cluster() = default;

Cluster::~Cluster() {
  for (auto& [id, a] : agents_) a.reset();
}

void Cluster::add(Spec spec) {
  sync::NodeKeys k = sync::generate_keys(spec.id);
  sync::AllowEntry e;
  e.node_id = spec.id;
  e.role = spec.role;
  e.branch_id = spec.branch;
  e.areas = spec.areas;
  e.keys = k.public_keys();
  allow_.upsert(e);
  keys_[spec.id] = k;
  specs_[spec.id] = std::move(spec);
}

void Cluster::start(const std::string& id) {
  const Spec& s = specs_.at(id);
  StoreOptions so;
  so.path = db_path(id);
  so.node_id = id;
  so.dataset = s.dataset;
  const sync::NodeKeys k = keys_.at(id);
  sync::sign_ops_with(so, k);
  sync::AgentConfig ac;
  ac.keys = k;
  ac.allow = allow_;
  ac.role = s.role;
  // Reuse the port a restarted node had, so its peers' DEALERs find it again.
  ac.listen = s.listen ? (endpoints_.count(id) ? endpoints_[id] : "tcp://127.0.0.1:*") : "";
  ac.lost_after = std::chrono::milliseconds(1500);
  ac.ping_every = std::chrono::milliseconds(300);
  ac.vector_every = std::chrono::milliseconds(1000);
  for (const std::string& p : s.peers) ac.peers.push_back({p, endpoints_.at(p)});
  agents_[id] = sync::Agent::start(Store::open(so), std::move(ac));
  if (s.listen) endpoints_[id] = agents_[id]->listen_endpoint();
}

void Cluster::start_all() {
  // Listeners first, so that the others know where to connect.
  for (auto& [id, s] : specs_)
    if (s.listen && !running(id)) start(id);
  for (auto& [id, s] : specs_)
    if (!running(id)) start(id);
}

void Cluster::stop(const std::string& id) { agents_.erase(id); }
bool Cluster::running(const std::string& id) const { return agents_.count(id) > 0; }
sync::Agent& Cluster::agent(const std::string& id) { return *agents_.at(id); }

std::string Cluster::hash(const std::string& id) {
  return on(id, [](Store& s) { return state_hash(s.db()); });
}

VersionVector Cluster::vector(const std::string& id) {
  return on(id, [](Store& s) { return s.version_vector(); });
}

bool Cluster::wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

bool Cluster::converged(const std::vector<std::string>& ids) {
  const std::string h = hash(ids.front());
  const VersionVector v = vector(ids.front());
  for (size_t i = 1; i < ids.size(); ++i)
    if (hash(ids[i]) != h || vector(ids[i]) != v) return false;
  return true;
}

bool Cluster::wait_converged(const std::vector<std::string>& ids, std::chrono::milliseconds timeout) {
  return wait_for([&] { return converged(ids); }, timeout);
}

std::string Cluster::write_incident(const std::string& id, const std::string& title, const std::string& area) {
  return on(id, [&](Store& s) {
    const std::string iid = s.new_id();
    Fields f{{"title", title},
             {"category", "building"},
             {"received_at", format_iso_jst(s.now())},
             {"verification", "unverified"},
             {"priority", "high"},
             {"status", "received"}};
    if (!area.empty()) f["area_id"] = area;
    auto r = s.put(EntityKind::Incident, iid, f, "test");
    if (!r.ok) throw Error("write_incident: " + describe(r.problems, Lang::En));
    return iid;
  });
}

}  // namespace honbu::testing
