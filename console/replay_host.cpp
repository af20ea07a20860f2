#include "console/replay_host.hpp"

#include <filesystem>

#include "model/errors.hpp"
#include "model/paths.hpp"
#include "sync/drill/scenario_file.hpp"
#include "sync/keys.hpp"

namespace honbu::console {

ReplayHost::ReplayHost(std::string drill_dir) : dir_(std::move(drill_dir)) {
  namespace fs = std::filesystem;
  if (!fs::exists(dir_ + "/drill-log.jsonl"))
    throw Error(dir_ + " is not a drill directory (no drill-log.jsonl): give the directory honbu-drill run wrote");
  drill::DrillLog log = drill::DrillLog::load(dir_ + "/drill-log.jsonl");
  scenario_ = drill::load_scenario(dir_ + "/scenario.yaml");
  const std::string hq_db = database_path(dir_ + "/nodes/" + log.hq, log.dataset);
  replay_ = std::make_unique<drill::Replay>(hq_db, std::move(log));
  end_ = replay_->end();
  open_store();
}

ReplayHost::~ReplayHost() {
  if (pending_.valid()) pending_.wait();
  agent_.reset();
}

void ReplayHost::open_store() {
  // A new file each time: the old one may still be open in a reader that is going away.
  scratch_ = scratch_dir_.file("replay-" + std::to_string(generation_++) + ".db");
  auto store = drill::Replay::open_scratch(scratch_, replay_->log().dataset);
  sync::AgentConfig ac;
  ac.keys = sync::generate_keys("replay");
  ac.role = sync::Role::Hq;
  sync::AllowEntry me;
  me.node_id = "replay";
  me.role = sync::Role::Hq;
  me.keys = ac.keys.public_keys();
  ac.allow.upsert(me);
  agent_ = sync::Agent::start(std::move(store), std::move(ac));
  replay_->restart();
  applied_to_ = -1;
  held_ = 0;
  step();
}

void ReplayHost::rebuild() {
  if (pending_.valid()) pending_.wait();
  pending_ = {};
  agent_.reset();
  const std::string old = scratch_;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(old + suffix);
  rebuild_ = false;
  open_store();
}

void ReplayHost::seek(drill::SimMinutes m) {
  m = std::clamp(m, 0.0, end_);
  if (m + 1e-9 < applied_to_) rebuild_ = true;
  at_ = m;
  step();
}

void ReplayHost::step() {
  if (rebuild_ || pending_.valid() || at_ <= applied_to_ + 1e-9) return;
  const drill::SimMinutes to = at_;
  applied_to_ = to;
  drill::Replay* r = replay_.get();
  pending_ = agent_->run([r, to](Store& s) { return r->advance(s, to); });
}

void ReplayHost::tick(TimeMs wall) {
  if (pending_.valid() && pending_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    held_ = pending_.get();
    pending_ = {};
  }
  if (playing && last_tick_) {
    at_ = std::min(end_, at_ + static_cast<double>(wall - last_tick_) / 60000.0 * speed);
    if (at_ >= end_) playing = false;
  }
  last_tick_ = wall;
  step();
}

}  // namespace honbu::console
