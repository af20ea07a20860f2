#include "sync/drill/engine.hpp"

#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "model/demo.hpp"
#include "model/drill/apply.hpp"
#include "model/drill/evaluation.hpp"
#include "model/drill/report.hpp"
#include "model/paths.hpp"
#include "model/queries.hpp"
#include "sync/bundle.hpp"
#include "sync/drill/scenario_file.hpp"

namespace honbu::drill {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// A free TCP port on 127.0.0.1 (every node's endpoint is known before any starts).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::string player_operator(const std::string& node) { return node + " 担当(台本)"; }

}  // namespace

struct DrillEngine::Node {
  DrillNode spec;
  std::string dir, endpoint;
  std::vector<std::string> args;
  sync::NodeProcess proc;  // replaced only by the clock thread (outage and restart)
  bool embedded = false;
  std::atomic<bool> down{false};
};

std::vector<PlayerAction> load_players(const std::string& path) {
  std::vector<ScenarioProblem> out;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw ScenarioError({{e.mark.line + 1, e.msg}}, path);
  }
  std::vector<PlayerAction> v;
  const YAML::Node list = root["players"] ? root["players"] : root;
  if (!list.IsSequence()) throw ScenarioError({{1, "expected a list of player actions (at, node, kind, card|id, data)"}}, path);
  for (const auto& n : list) try {
    PlayerAction p;
    p.line = n.Mark().line + 1;
    if (!n.IsMap()) {
      out.push_back({p.line, "a player action is a map like {at: +0:10, node: hq, kind: chronology, data: {...}}"});
      continue;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string k = it->first.as<std::string>();
      if (k != "at" && k != "node" && k != "kind" && k != "id" && k != "card" && k != "data")
        out.push_back({p.line, "unknown field \"" + k + "\" (known: at, node, kind, id, card, data)"});
    }
    auto at = parse_offset(n["at"] ? n["at"].as<std::string>() : "");
    if (!at) out.push_back({p.line, "`at` must be a time like +0:10"});
    p.at = at.value_or(0);
    p.node = n["node"] ? n["node"].as<std::string>() : "";
    p.kind = n["kind"] ? n["kind"].as<std::string>() : "";
    if (!kind_from_name(p.kind)) out.push_back({p.line, "kind \"" + p.kind + "\" is not an entity kind (incident, chronology, ...)"});
    p.id = n["id"] ? n["id"].as<std::string>() : "";
    p.card = n["card"] ? n["card"].as<std::string>() : "";
    if (const auto d = n["data"])
      for (auto it = d.begin(); it != d.end(); ++it) {
        const std::string s = it->second.as<std::string>();
        char* end = nullptr;
        const long long i = std::strtoll(s.c_str(), &end, 10);
        if (it->second.Tag() != "!" && !s.empty() && end && *end == '\0') p.data[it->first.as<std::string>()] = std::int64_t{i};
        else p.data[it->first.as<std::string>()] = s;
      }
    v.push_back(std::move(p));
  } catch (const YAML::Exception& e) {
    out.push_back({e.mark.line + 1, "expected one value (text or a number) here, not a list or a map"});
  }
  if (!out.empty()) throw ScenarioError(std::move(out), path);
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  return v;
}

DrillEngine::DrillEngine(Scenario scenario, EngineOptions options)
    : scenario_(std::move(scenario)), options_(std::move(options)) {
  namespace fs = std::filesystem;
  if (fs::exists(options_.drill_dir) && !fs::is_empty(options_.drill_dir))
    throw Error("the drill directory " + options_.drill_dir + " is not empty: a drill starts from nothing");
  fs::create_directories(options_.drill_dir + "/nodes");
  std::vector<sync::SiteNode> sn;
  for (const DrillNode& n : scenario_.nodes) {
    sync::SiteNode s;
    s.id = n.id;
    sync::role_from_name(n.role, s.role);
    s.branch_id = n.branch;
    s.areas = n.areas;
    sn.push_back(s);
  }
  site_ = sync::make_site(options_.drill_dir, sn);
  // The scenario as played, beside its log: the report and the replay read it from here.
  if (!scenario_.source.empty() && fs::exists(scenario_.source)) {
    fs::copy_file(scenario_.source, options_.drill_dir + "/scenario.yaml");
    if (!scenario_.msel.empty())
      fs::copy_file(fs::path(scenario_.source).parent_path() / scenario_.msel, fs::path(options_.drill_dir) / scenario_.msel);
  }
  for (const DrillNode& n : scenario_.nodes) {
    auto node = std::make_unique<Node>();
    node->spec = n;
    node->dir = options_.drill_dir + "/nodes/" + n.id;
    node->endpoint = "tcp://127.0.0.1:" + std::to_string(free_port());
    nodes_[n.id] = std::move(node);
  }
  for (auto& [id, node] : nodes_) {
    const sync::NodeConfig c = node_config(id);
    node->args = {"--role", c.role, "--keys", c.keys_path, "--allowlist", c.allowlist_path, "--dataset", c.dataset,
                  "--listen", c.listen, "--lost-after-ms", std::to_string(c.lost_after_ms)};
    for (const std::string& p : c.peers) node->args.insert(node->args.end(), {"--peer", p});
  }
  speed_ = options_.speed;
  log_.scenario_path = scenario_.source;
  log_.name = scenario_.name;
  log_.dataset = scenario_.dataset();
  log_.hq = scenario_.hq();
  log_.seed = options_.seed;
  log_.sim_start = scenario_.start;
  for (const auto& [at, inj] : schedule(scenario_, options_.seed)) schedule_.push_back({inj, at, false, false, {}});
}

DrillEngine::~DrillEngine() { stop(); }

sync::NodeConfig DrillEngine::node_config(const std::string& id) const {
  const Node& n = *nodes_.at(id);
  sync::NodeConfig c;
  c.data_dir = n.dir;
  c.dataset = scenario_.dataset();
  c.keys_path = site_.key_paths.at(id);
  c.allowlist_path = site_.allowlist;
  c.role = n.spec.role;
  c.listen = n.endpoint;
  c.lost_after_ms = options_.lost_after_ms;
  std::vector<std::string> peers = n.spec.peers;
  if (peers.empty() && n.spec.role != "hq") peers = {scenario_.hq()};
  for (const std::string& p : peers) c.peers.push_back(p + "@" + nodes_.at(p)->endpoint);
  return c;
}

std::string DrillEngine::hq_db_path() const {
  return database_path(nodes_.at(scenario_.hq())->dir, scenario_.dataset());
}

void DrillEngine::start(sync::Agent* embedded_hq) {
  const std::string hq = scenario_.hq();
  embedded_ = embedded_hq;
  // HQ first (it holds the master data), then everyone else.
  std::vector<std::string> order = {hq};
  for (const DrillNode& n : scenario_.nodes)
    if (n.id != hq) order.push_back(n.id);
  for (const std::string& id : order) {
    Node& n = *nodes_[id];
    if (id == hq && embedded_) {
      n.embedded = true;
    } else {
      n.proc = sync::NodeProcess(n.dir, n.args, n.dir + "/node.log");
      if (n.proc.wait_listen_endpoint(std::chrono::seconds(20)).empty())
        throw Error("node " + id + " did not start (see " + n.dir + "/node.log)");
    }
    if (id == hq) {
      // Master data first: the city's areas and offices as this scenario assigns them.
      std::string err;
      for (const MasterRecord& r : master_records(scenario_))
        if (!write_at(hq, InjectWrite{r.kind, r.id, r.fields, false}, std::string(kControllerOperator), &err))
          throw Error("master data at " + hq + ": " + err);
    }
  }
  Fields hq_state{{"state", std::string("none")},
                  {"disaster_name", scenario_.title.empty() ? scenario_.name : scenario_.title},
                  {"occurred_at", format_iso_jst(scenario_.start)},
                  {"prefecture", std::string(kDemoPrefecture)},
                  {"municipality", std::string(kDemoMunicipality)},
                  {"municipality_code", std::string(kDemoMunicipalityCode)}};
  std::string err;
  write_at(hq, InjectWrite{EntityKind::HqState, std::string(kHqStateId), hq_state, false},
           std::string(kControllerOperator), &err);
  // Every node in session before the clock starts (at most 30 s).
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  for (const auto& [id, n] : nodes_) {
    if (n->embedded) continue;
    while (Clock::now() < deadline) {
      const std::string st = node_status(id);
      if (!st.empty()) {
        const auto j = json::parse(st, nullptr, false);
        bool live = !j.is_discarded() && j.contains("peers");
        if (live)
          for (const auto& p : j["peers"]) live = live && p.value("state", "") == "live";
        if (live) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  {
    std::lock_guard lock(mu_);
    log_.write_header(log_path());
    log_.append_clock(log_path(), {wall_now_ms(), 0, options_.speed});
    started_ = true;
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "honbu-drill");
    loop();
  });
  control_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "honbu-drill-ctl");
    control_loop();
  });
}

SimMinutes DrillEngine::sim_now_locked() const { return log_.sim_at(wall_now_ms()); }

void DrillEngine::set_rate_locked(double rate) {
  log_.append_clock(log_path(), {wall_now_ms(), sim_now_locked(), rate});
}

void DrillEngine::pause() {
  std::lock_guard lock(mu_);
  if (paused_ || finished_) return;
  paused_ = true;
  set_rate_locked(0);
  cv_.notify_all();
}

void DrillEngine::resume() {
  std::lock_guard lock(mu_);
  if (!paused_ || finished_) return;
  paused_ = false;
  set_rate_locked(speed_);
  cv_.notify_all();
}

void DrillEngine::set_speed(double speed) {
  std::lock_guard lock(mu_);
  speed_ = speed <= 0 ? 0 : std::clamp(speed, 1.0, 60.0);
  if (!paused_ && !finished_) set_rate_locked(speed_);
  cv_.notify_all();
}

void DrillEngine::next() {
  std::lock_guard lock(mu_);
  jump_ = true;
  cv_.notify_all();
}

bool DrillEngine::inject_now(const std::string& card) {
  std::lock_guard lock(mu_);
  if (!scenario_.inject(card) || finished_) return false;
  manual_.emplace_back(sim_now_locked(), card);
  cv_.notify_all();
  return true;
}

void DrillEngine::end_now() {
  std::lock_guard lock(mu_);
  end_early_ = true;
  cv_.notify_all();
}

void DrillEngine::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (control_.joinable()) control_.join();
  join_watchers();
  for (auto& [id, n] : nodes_) n->proc.stop();
}

void DrillEngine::join_watchers() {
  // Watchers may start others (a heal starts a convergence watch): until none is left.
  for (;;) {
    std::vector<std::thread> w;
    {
      std::lock_guard lock(mu_);
      w.swap(watchers_);
    }
    if (w.empty()) return;
    for (auto& t : w)
      if (t.joinable()) t.join();
  }
}

bool DrillEngine::wait_finished(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return finished_; });
}

EngineStatus DrillEngine::status() const {
  EngineStatus s = clock();
  std::lock_guard lock(mu_);
  s.injects = schedule_;
  return s;
}

EngineStatus DrillEngine::clock() const {
  std::lock_guard lock(mu_);
  EngineStatus s;
  s.now = started_ ? sim_now_locked() : 0;
  s.speed = speed_;
  s.paused = paused_;
  s.finished = finished_;
  s.started = started_;
  s.last_error = last_error_;
  return s;
}

DrillLog DrillEngine::log() const {
  std::lock_guard lock(mu_);
  return log_;
}

std::vector<double> DrillEngine::arrival_ms() const {
  std::lock_guard lock(mu_);
  return arrivals_;
}

void DrillEngine::log_event(LogEvent e) {
  std::lock_guard lock(mu_);
  if (e.wall == 0) e.wall = wall_now_ms();
  e.sim = sim_now_locked();
  log_.append(log_path(), e);
}

// [SECTION] Writing at a node, and watching ops arrive

std::optional<std::pair<std::string, std::uint64_t>> DrillEngine::write_at(const std::string& node, const InjectWrite& w,
                                                                          const std::string& who, std::string* error) {
  Node& n = *nodes_.at(node);
  if (n.down) {
    *error = "node " + node + " is down";
    return std::nullopt;
  }
  if (n.embedded) {
    const LocalResult r = embedded_->run([&](Store& s) { return write_inject(s, w, who); }).get();
    if (!r.ok) {
      *error = describe(r.problems, Lang::En);
      return std::nullopt;
    }
    return std::pair(r.op.origin, r.op.seq);
  }
  const auto reply = sync::node_ctl(n.dir, {"inject", inject_write_json(w, who)}, 15000);
  if (!reply || reply->rfind("ok ", 0) != 0) {
    *error = reply ? *reply : "node " + node + " did not answer";
    return std::nullopt;
  }
  const size_t sp = reply->find(' ', 3);
  return std::pair(reply->substr(3, sp - 3), std::strtoull(reply->c_str() + sp + 1, nullptr, 10));
}

bool DrillEngine::wait_held(const std::string& node, const std::string& origin, std::uint64_t seq, int timeout_ms) {
  Node& n = *nodes_.at(node);
  if (n.down) return false;
  if (n.embedded) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
      const bool held = embedded_->run([&](Store& s) {
        const VersionVector v = s.version_vector();
        auto it = v.find(origin);
        return it != v.end() && it->second >= seq;
      }).get();
      if (held) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }
  // In short waits: the node answers one control request at a time (a heal must get through).
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    bool cut_off = false;
    {
      std::lock_guard lock(mu_);
      if (stop_) return false;
      cut_off = isolated_.count(node) || isolated_.count(origin);
    }
    if (n.down) return false;
    // While a cut holds it back, ask seldom and briefly: the node's control socket serves one
    // request at a time, and the drill's other writes there must not queue behind ours.
    if (cut_off) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const auto r = sync::node_ctl(n.dir, {"wait", origin, std::to_string(seq), cut_off ? "20" : "200"}, 5000);
    if (r && *r == "ok") return true;
    if (!r) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string DrillEngine::node_status(const std::string& node) {
  Node& n = *nodes_.at(node);
  if (n.down) return {};
  if (n.embedded) {
    return embedded_->run([](Store& s) {
      json j;
      j["state_hash"] = state_hash(s.db());
      j["vector"] = json::object();
      for (const auto& [o, q] : s.version_vector()) j["vector"][o] = q;
      return j.dump();
    }).get();
  }
  return sync::node_ctl(n.dir, {"status"}, 5000).value_or("");
}

void DrillEngine::cut(const std::string& a, const std::string& b, bool on) {
  Node& n = *nodes_.at(a);
  if (n.down) return;
  if (n.embedded) {
    if (on) embedded_->partition(b, std::nullopt);
    else embedded_->heal(b);
    return;
  }
  sync::node_ctl(n.dir, {on ? "partition" : "heal", b}, 5000);
}

// [SECTION] Delivering injects

void DrillEngine::deliver(const Inject& inj, SimMinutes at) {
  const bool network_kind = inj.kind == InjectKind::Partition || inj.kind == InjectKind::Heal ||
                            inj.kind == InjectKind::Outage || inj.kind == InjectKind::Degrade ||
                            inj.kind == InjectKind::Bundle;
  if (network_kind) {
    network(inj, at);
    std::lock_guard lock(mu_);
    for (InjectState& st : schedule_)
      if (st.inject == &inj) st.arrived = true;  // it happened: nothing travels
    return;
  }
  auto w = inject_write(scenario_, inj, log_.sim_to_time(at));
  if (!w) return;
  const std::string origin = inject_origin(scenario_, inj);
  const std::string target = inj.target.empty() ? scenario_.hq() : inj.target;
  const TimeMs scheduled = wall_now_ms();
  std::string error;
  const auto op = write_at(origin, *w, std::string(kControllerOperator), &error);
  LogEvent e;
  e.type = "inject";
  e.card = inj.card;
  e.kind = std::string(inject_kind_name(inj.kind));
  e.node = target;
  e.origin = origin;
  e.wall = scheduled;
  if (op) e.seq = op->second;
  else e.detail = "not delivered: " + error;
  log_event(e);
  {
    std::lock_guard lock(mu_);
    for (InjectState& st : schedule_)
      if (st.inject == &inj) {
        st.delivered = op.has_value();
        st.error = error;
      }
    if (!op) last_error_ = "inject " + inj.card + ": " + error;
  }
  if (!op) return;
  // Arrival at the target, through sync (at once if it was written there).
  auto arrival = [this, target, origin, seq = op->second, card = inj.card, scheduled, &inj] {
    const bool held = target == origin || wait_held(target, origin, seq, 60000);
    if (!held) return;
    const TimeMs now = wall_now_ms();
    LogEvent a;
    a.type = "arrived";
    a.card = card;
    a.node = target;
    a.wall = now;
    log_event(a);
    std::lock_guard lock(mu_);
    arrivals_.push_back(static_cast<double>(now - scheduled));
    for (InjectState& st : schedule_)
      if (st.inject == &inj) st.arrived = true;
  };
  bool wait_here = false;
  {
    std::lock_guard lock(mu_);
    // As fast as possible, and in order: each inject is there before the clock moves on
    // (unless a partition holds it back: then it arrives when the link returns).
    wait_here = speed_ == 0 && !isolated_.count(target) && !isolated_.count(origin);
    if (!wait_here) watchers_.emplace_back(arrival);
  }
  if (wait_here) arrival();
}

void DrillEngine::run_player(const PlayerAction& p) {
  auto kind = kind_from_name(p.kind);
  if (!kind || !nodes_.count(p.node)) return;
  InjectWrite w;
  w.kind = *kind;
  w.id = !p.id.empty() ? p.id : (!p.card.empty() ? inject_entity_id(p.card) : "p-" + std::to_string(p.line));
  w.fields = p.data;
  if (*kind == EntityKind::Chronology) {
    w.chronology_number = true;
    if (!w.fields.count("at")) w.fields["at"] = format_iso_jst(log_.sim_to_time(p.at));
    if (!w.fields.count("state")) w.fields["state"] = std::string("pending");
    w.fields["number"] = std::int64_t{1};
  }
  if (*kind == EntityKind::EvacuationOrder && !w.fields.count("at")) w.fields["at"] = format_iso_jst(log_.sim_to_time(p.at));
  if (*kind == EntityKind::DrillMessage && !w.fields.count("answered_at"))
    w.fields["answered_at"] = format_iso_jst(log_.sim_to_time(p.at));
  if (*kind == EntityKind::BranchReport) {
    if (!w.fields.count("as_of")) w.fields["as_of"] = format_iso_jst(log_.sim_to_time(p.at));
    const std::string* b = as_text(w.fields["branch_id"]);
    if (p.id.empty() && b) w.id = branch_report_id(*b, as_int(w.fields["report_no"]).value_or(1));
  }
  std::string error;
  const auto op = write_at(p.node, w, player_operator(p.node), &error);
  LogEvent e;
  e.type = "player";
  e.node = p.node;
  e.kind = p.kind;
  e.detail = op ? w.id : "failed: " + error;
  log_event(e);
}

void DrillEngine::network(const Inject& inj, SimMinutes at) {
  const std::string kind(inject_kind_name(inj.kind));
  LogEvent e;
  e.type = "net";
  e.card = inj.card;
  e.kind = kind;
  e.nodes = inj.nodes;
  // The links an inject names: each of `nodes` with each of `with` (default: every other node).
  std::vector<std::pair<std::string, std::string>> links;
  for (const std::string& x : inj.nodes)
    for (const auto& [y, n] : nodes_)
      if (y != x && (inj.with.empty() || std::find(inj.with.begin(), inj.with.end(), y) != inj.with.end()))
        links.emplace_back(x, y);
  switch (inj.kind) {
    case InjectKind::Partition: {
      isolate(inj.nodes, true);
      for (const auto& [x, y] : links) cut(x, y, true), cut(y, x, true);
      {
        std::lock_guard lock(mu_);
        cuts_[inj.card] = {inj.nodes, links};
      }
      log_event(e);
      if (inj.for_minutes) {
        std::lock_guard lock(mu_);
        timers_.emplace_back(at + *inj.for_minutes, [this, card = inj.card] { end_cut(card, "heal"); });
      }
      break;
    }
    case InjectKind::Heal:
      if (inj.with.empty()) {
        // Ends every cut that holds one of these nodes.
        std::vector<std::string> ending;
        {
          std::lock_guard lock(mu_);
          for (const auto& [card, c] : cuts_)
            for (const std::string& n : inj.nodes)
              if (std::find(c.nodes.begin(), c.nodes.end(), n) != c.nodes.end()) ending.push_back(card);
        }
        std::sort(ending.begin(), ending.end());
        ending.erase(std::unique(ending.begin(), ending.end()), ending.end());
        for (const std::string& card : ending) end_cut(card, "heal");
      } else {
        // One link comes back inside a bigger cut (a satellite phone, a relay): the cut goes on.
        for (const auto& [x, y] : links) cut(x, y, false), cut(y, x, false);
        e.kind = "relink";
        e.nodes = inj.nodes;
        e.nodes.insert(e.nodes.end(), inj.with.begin(), inj.with.end());
        log_event(e);
      }
      break;
    case InjectKind::Outage:
      isolate(inj.nodes, true);
      for (const std::string& x : inj.nodes) {
        Node& n = *nodes_.at(x);
        if (n.embedded) continue;
        n.proc.kill9();  // a power cut: what was committed must survive
        n.down = true;
      }
      log_event(e);
      if (inj.for_minutes) {
        std::lock_guard lock(mu_);
        timers_.emplace_back(at + *inj.for_minutes, [this, card = inj.card, nodes = inj.nodes] {
          for (const std::string& x : nodes) {
            Node& n = *nodes_.at(x);
            if (!n.down) continue;
            n.proc = sync::NodeProcess(n.dir, n.args, n.dir + "/node.log");
            n.proc.wait_listen_endpoint(std::chrono::seconds(20));
            n.down = false;
          }
          end_network(card, nodes, "restart");
        });
      }
      break;
    case InjectKind::Degrade: {
      isolate(inj.nodes, true);
      log_event(e);
      // A flaky link: cut 5 s of every 15 s (wall time: networks do not run faster in a drill).
      const SimMinutes until = at + inj.for_minutes.value_or(10);
      std::lock_guard lock(mu_);
      watchers_.emplace_back([this, until, nodes = inj.nodes, card = inj.card] {
        auto flip = [&](bool on) {
          for (const std::string& x : nodes)
            for (const auto& [y, n] : nodes_)
              if (y != x) {
                cut(x, y, on);
                cut(y, x, on);
              }
        };
        for (;;) {
          {
            std::unique_lock l(mu_);
            if (stop_ || finished_ || sim_now_locked() >= until) break;
          }
          flip(true);
          std::this_thread::sleep_for(std::chrono::seconds(5));
          flip(false);
          std::unique_lock l(mu_);
          cv_.wait_for(l, std::chrono::seconds(10), [&] { return stop_ || finished_; });
        }
        flip(false);
        end_network(card, nodes, "restored");
      });
      break;
    }
    case InjectKind::Bundle: {
      // A USB stick: export at from_node what to_node lacks, import it there.
      const std::string file = options_.drill_dir + "/bundles/" + inj.card + ".honbu";
      std::filesystem::create_directories(options_.drill_dir + "/bundles");
      std::string detail;
      Node& from = *nodes_.at(inj.from_node);
      Node& to = *nodes_.at(inj.to_node);
      const sync::AllowList allow = sync::AllowList::load(site_.allowlist);
      const sync::NodeKeys keys = sync::load_secret_keys(site_.key_paths.at(inj.from_node));
      const std::string for_node = inj.to_node;
      if (from.embedded) {
        detail = embedded_->run([&](Store& s) {
          VersionVector since;
          if (auto rec = s.peer(for_node)) since = rec->vector;
          return "exported " + std::to_string(sync::write_bundle(s, keys, for_node, since, file).op_count) + " ops";
        }).get();
      } else {
        // The drill log is data, in one language whatever the nodes' locale.
        detail = sync::node_ctl(from.dir, {"lang=en", "export", for_node, file}, 60000).value_or("export: no answer");
      }
      if (to.embedded) {
        detail += "; " + embedded_->run([&](Store& s) {
          try {
            return "imported " + std::to_string(sync::import_bundle(s, allow, file).report.applied);
          } catch (const std::exception& ex) {
            return std::string("import refused: ") + ex.what();
          }
        }).get();
      } else {
        detail += "; " + sync::node_ctl(to.dir, {"lang=en", "import", file}, 60000).value_or("import: no answer");
      }
      e.detail = detail;
      e.nodes = {inj.from_node, inj.to_node};
      log_event(e);
      break;
    }
    default:
      break;
  }
}

void DrillEngine::isolate(const std::vector<std::string>& nodes, bool on) {
  std::lock_guard lock(mu_);
  for (const std::string& n : nodes) {
    if (on) ++isolated_[n];
    else if (auto it = isolated_.find(n); it != isolated_.end() && --it->second <= 0) isolated_.erase(it);
  }
}

void DrillEngine::end_cut(const std::string& card, const std::string& kind) {
  Cut c;
  {
    std::lock_guard lock(mu_);
    auto it = cuts_.find(card);
    if (it == cuts_.end()) return;  // healed already
    c = std::move(it->second);
    cuts_.erase(it);
  }
  for (const auto& [x, y] : c.links) cut(x, y, false), cut(y, x, false);
  end_network(card, c.nodes, kind, false);
}

void DrillEngine::end_network(const std::string& card, const std::vector<std::string>& nodes, const std::string& kind,
                              bool relink) {
  isolate(nodes, false);
  if (relink)
    for (const std::string& x : nodes)
      for (const auto& [y, n] : nodes_)
        if (y != x) cut(x, y, false), cut(y, x, false);
  LogEvent e;
  e.type = "net";
  e.card = card;
  e.kind = kind;
  e.nodes = nodes;
  log_event(e);
  std::lock_guard lock(mu_);
  watchers_.emplace_back([this, card] { watch_convergence(card); });
}

bool DrillEngine::nodes_agree() {
  // Every node up: the same state hash and version vector.
  std::string hash, vec;
  for (const auto& [id, n] : nodes_) {
    if (n->down) continue;
    const auto j = json::parse(node_status(id), nullptr, false);
    if (j.is_discarded() || !j.contains("state_hash")) return false;
    const std::string h = j["state_hash"], v = j["vector"].dump();
    if (hash.empty()) hash = h, vec = v;
    if (h != hash || v != vec) return false;
  }
  return true;
}

void DrillEngine::watch_convergence(const std::string& card) {
  // Measured from when the link returned.
  const auto t0 = Clock::now();
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    const bool same = nodes_agree();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (same) {
      LogEvent e;
      e.type = "converged";
      e.card = card;
      e.ms = ms;
      log_event(e);
      return;
    }
    if (ms > 120000) return;  // not converged within 2 min: the report says "not measured"
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

// [SECTION] The clock

void DrillEngine::loop() {
  size_t next_player = 0;
  for (;;) {
    std::function<void()> work;
    {
      std::unique_lock lock(mu_);
      if (stop_) return;
      if (end_early_) break;
      const SimMinutes now = sim_now_locked();
      // What is due now, in scenario order: a card by hand, an inject, a timer, a player.
      if (!manual_.empty()) {
        const auto [at, card] = manual_.front();
        manual_.erase(manual_.begin());
        const Inject* inj = scenario_.inject(card);
        work = [this, inj, at = at] { deliver(*inj, at); };
      } else {
        SimMinutes next = scenario_.duration;
        for (InjectState& st : schedule_) {
          if (st.delivered || !st.error.empty()) continue;
          if (st.at <= now + 1e-9) {
            st.error.clear();
            const Inject* inj = st.inject;
            const SimMinutes at = st.at;
            st.delivered = true;  // taken (deliver() records the outcome)
            work = [this, inj, at] { deliver(*inj, at); };
            break;
          }
          next = std::min(next, st.at);
        }
        if (!work) {
          for (auto it = timers_.begin(); it != timers_.end(); ++it) {
            if (it->first <= now + 1e-9) {
              work = std::move(it->second);
              timers_.erase(it);
              break;
            }
            next = std::min(next, it->first);
          }
        }
        if (!work && next_player < options_.players.size()) {
          const PlayerAction& p = options_.players[next_player];
          if (p.at <= now + 1e-9) {
            ++next_player;
            work = [this, &p] { run_player(p); };
          } else {
            next = std::min(next, p.at);
          }
        }
        if (!work) {
          if (now >= scenario_.duration - 1e-9) break;  // the end
          if (speed_ == 0 || jump_) {
            // As fast as possible (or "next"): the clock jumps to what comes next. Not in the
            // millisecond of the last write: an op's time must map to the scenario time it was made.
            if (wall_now_ms() <= last_work_wall_) {
              lock.unlock();
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
              continue;
            }
            jump_ = false;
            log_.append_clock(log_path(), {wall_now_ms(), next, paused_ ? 0 : speed_});
            continue;
          }
          if (paused_) {
            cv_.wait(lock, [&] { return stop_ || end_early_ || !paused_ || jump_ || !manual_.empty(); });
          } else {
            const double wall_ms = (next - now) / speed_ * 60000.0;
            cv_.wait_for(lock, std::chrono::milliseconds(static_cast<long long>(std::clamp(wall_ms, 1.0, 250.0))));
          }
          continue;
        }
      }
    }
    work();
    std::lock_guard lock(mu_);
    last_work_wall_ = wall_now_ms();
  }
  finish();
}

void DrillEngine::finish() {
  bool early = false;
  {
    // The clock stops where the drill ended.
    std::lock_guard lock(mu_);
    early = end_early_;
    log_.append_clock(log_path(), {wall_now_ms(), std::min(sim_now_locked(), scenario_.duration), 0});
  }
  // The drill is over: links come back and nodes restart, so that the data converges.
  std::vector<std::function<void()>> pending_timers;
  {
    std::lock_guard lock(mu_);
    for (auto& t : timers_) pending_timers.push_back(std::move(t.second));
    timers_.clear();
  }
  for (auto& t : pending_timers) t();
  // Let the last ops reach HQ before scoring (at most 30 s).
  for (int i = 0; i < 300; ++i) {
    bool pending = false;
    {
      std::lock_guard lock(mu_);
      for (const InjectState& st : schedule_) pending = pending || (st.delivered && !st.arrived && st.error.empty());
    }
    if (!pending) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  join_watchers();
  // And the players' last actions (they score only once HQ holds them): at most 30 s.
  for (int i = 0; i < 300 && !nodes_agree(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  LogEvent e;
  e.type = "end";
  log_event(e);
  if (options_.write_report) {
    try {
      // Ops that reached HQ in its last moments: a fresh reader connection sees them all.
      Db db(hq_db_path(), OpenMode::ReadOnly);
      const DrillLog copy = log();
      // Ended by the trainer: what was not yet due stays pending (not missed).
      const Evaluation ev = early ? evaluate(scenario_, copy, db, copy.sim_at(wall_now_ms()), false)
                                       : evaluate(scenario_, copy, db, scenario_.duration, true);
      ReportInput in{&scenario_, &copy, &ev, {}, {}};
      auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(options_.drill_dir + "/" + name, std::ios::binary) << text;
      };
      write("report-ja.html", report_html(in, Lang::Ja));
      write("report-en.html", report_html(in, Lang::En));
      write("report.csv", report_csv(in, Lang::Ja));
    } catch (const std::exception& ex) {
      std::lock_guard lock(mu_);
      last_error_ = std::string("report: ") + ex.what();
    }
  }
  {
    std::lock_guard lock(mu_);
    finished_ = true;
  }
  cv_.notify_all();
  if (options_.stop_nodes_at_end)
    for (auto& [id, n] : nodes_) n->proc.stop();
}

// [SECTION] Control socket: honbu-drill ctl DIR pause|resume|speed N|next|inject CARD|status

void DrillEngine::control_loop() {
  zmq::context_t ctx;
  zmq::socket_t rep(ctx, zmq::socket_type::rep);
  rep.set(zmq::sockopt::linger, 0);
  const std::string path = options_.drill_dir + "/drill.sock";
  std::filesystem::remove(path);
  rep.bind("ipc://" + path);
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) break;
    }
    zmq::pollitem_t item{rep.handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, std::chrono::milliseconds(100));
    } catch (const zmq::error_t&) {
      continue;
    }
    if (!(item.revents & ZMQ_POLLIN)) continue;
    zmq::message_t m;
    (void)rep.recv(m);
    std::vector<std::string> w;
    try {
      for (const auto& x : json::parse(m.to_string())) w.push_back(x.get<std::string>());
    } catch (const json::exception&) {
      std::istringstream in(m.to_string());
      for (std::string s; in >> s;) w.push_back(s);
    }
    std::string reply = "ok";
    const std::string verb = w.empty() ? "" : w[0];
    if (verb == "pause") pause();
    else if (verb == "resume") resume();
    else if (verb == "next") next();
    else if (verb == "end") end_now();
    else if (verb == "speed" && w.size() > 1) {
      char* end = nullptr;
      const double x = w[1] == "max" ? 0 : std::strtod(w[1].c_str(), &end);
      if (w[1] != "max" && (end == w[1].c_str() || *end || x < 1 || x > 60))
        reply = "error: speed is 1 to 60, or max (not \"" + w[1] + "\")";
      else set_speed(x);
    }
    else if (verb == "inject" && w.size() > 1) reply = inject_now(w[1]) ? "ok" : "error: no card " + w[1];
    else if (verb == "status") {
      const EngineStatus s = status();
      json j{{"now", format_offset(s.now)}, {"speed", s.speed}, {"paused", s.paused}, {"finished", s.finished}};
      int delivered = 0;
      for (const InjectState& i : s.injects) delivered += i.delivered;
      j["delivered"] = delivered;
      j["injects"] = s.injects.size();
      if (!s.last_error.empty()) j["error"] = s.last_error;
      reply = j.dump();
    } else {
      reply = "error: unknown command (pause | resume | speed N|max | next | inject CARD | end | status)";
    }
    rep.send(zmq::buffer(reply));
  }
  std::filesystem::remove(path);
}

}  // namespace honbu::drill
