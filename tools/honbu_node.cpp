// honbu-node: a node without a screen — for branch offices without a display, relays,
// tests, demos and the drill engine.
//   honbu-node run    --data-dir D --role hq|branch|relay --keys K --allowlist A
//                     [--listen tcp://*:5701] [--peer hq@tcp://10.0.0.1:5701]... [--dataset X]
//                     [--status-every SEC] [--demo-branch B] [--config FILE]
//   honbu-node status --data-dir D          what the running node last reported
//   honbu-node ctl    --data-dir D partition PEER [SECONDS] | heal PEER | write-demo
// A running node logs one line per event worth a human's attention and writes
// <data-dir>/status.json every second; `ctl` talks to it over <data-dir>/control.sock.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "model/demo.hpp"
#include "model/paths.hpp"
#include "model/queries.hpp"
#include "sync/node.hpp"

using namespace honbu;
using namespace honbu::sync;
using json = nlohmann::json;

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

std::string now_text() { return format_iso_jst(wall_now_ms()).substr(11, 8); }

json status_json(const AgentStatus& s, const std::string& db_path) {
  json j;
  j["node"] = s.node_id;
  j["dataset"] = s.dataset;
  j["db"] = db_path;
  j["listen"] = s.listen_endpoint;
  j["pid"] = ::getpid();
  j["written_at"] = wall_now_ms();
  j["data_version"] = s.data_version;
  j["vector"] = json::object();
  for (const auto& [o, seq] : s.vector) j["vector"][o] = seq;
  j["ops_received"] = s.ops_received;
  j["ops_sent"] = s.ops_sent;
  j["refused"] = s.refused;
  j["malformed"] = s.malformed;
  j["peers"] = json::array();
  for (const auto& p : s.peers) {
    json pj{{"node", p.node_id},           {"endpoint", p.endpoint},   {"state", peer_state_name(p.state)},
            {"they_lack", p.they_lack},    {"we_lack", p.we_lack},     {"in_flight", p.in_flight},
            {"refused", p.refused},        {"partitioned", p.partitioned}};
    if (p.last_heard) pj["last_heard"] = *p.last_heard;
    if (!p.last_refusal.empty()) pj["last_refusal"] = p.last_refusal;
    j["peers"].push_back(pj);
  }
  return j;
}

void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << text;
  }
  std::filesystem::rename(tmp, path);
}

std::string stats_line(const AgentStatus& s) {
  std::string line = now_text() + " " + s.node_id + " ops=" + std::to_string(s.data_version);
  for (const auto& p : s.peers) {
    line += "  " + p.node_id + ":" + std::string(peer_state_name(p.state));
    if (p.they_lack) line += " lag=" + std::to_string(p.they_lack);
    if (p.partitioned) line += " (cut)";
  }
  return line;
}

// A small stream of realistic updates from a demo branch (lifelines, chronology, incidents).
void demo_trickle(Agent& agent, const std::string& branch, std::mt19937_64& rng) {
  agent.run([&, branch](Store& s) {
    const int what = static_cast<int>(rng() % 3);
    const std::string who = branch + " 担当";
    if (what == 0) {
      s.put(EntityKind::Chronology, s.new_id(),
            {{"number", s.next_chronology_number()}, {"node_label", s.node_id()},
             {"at", format_iso_jst(s.now())}, {"from_org", "住民"}, {"to_org", "支所"},
             {"content", "通報: 道路に倒木 (" + std::to_string(rng() % 100) + "番地)"}, {"category", "info"},
             {"state", "pending"}},
            who);
    } else {
      s.put(EntityKind::Incident, s.new_id(),
            {{"title", "倒木 通行支障"}, {"category", "road"}, {"received_at", format_iso_jst(s.now())},
             {"verification", "unverified"}, {"priority", "medium"}, {"status", "received"}},
            who);
    }
    return 0;
  }).wait();
}

int run_node(NodeConfig cfg, int status_every, const std::string& demo_branch) {
  NodeHandle node = start_node(cfg);
  Agent& agent = *node.agent;
  std::printf("%s honbu-node %s started: dataset %s, db %s%s\n", now_text().c_str(), node.node_id.c_str(),
              cfg.dataset.c_str(), node.db_path.c_str(),
              agent.listen_endpoint().empty() ? "" : (", listening on " + agent.listen_endpoint()).c_str());
  std::fflush(stdout);

  if (!demo_branch.empty()) {
    agent.run([&](Store& s) {
      if (s.data_version() == 0) {
        if (demo_branch == "hq") fill_demo_master_data(s, s.now());
        fill_demo_node(s, DemoNode{node.node_id, demo_branch}, s.now(), 20261122);
      }
      return 0;
    }).get();
  }

  // Control socket for `honbu-node ctl` (local only: a Unix socket in the data dir).
  zmq::context_t ctx;
  zmq::socket_t ctl(ctx, zmq::socket_type::rep);
  ctl.set(zmq::sockopt::linger, 0);
  const std::string ctl_path = cfg.data_dir + "/control.sock";
  std::filesystem::remove(ctl_path);
  ctl.bind("ipc://" + ctl_path);

  std::mt19937_64 rng(std::hash<std::string>{}(node.node_id));
  auto last_status = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  auto last_stats = last_status;
  auto last_trickle = std::chrono::steady_clock::now();
  while (!g_stop) {
    zmq::pollitem_t item{ctl.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(100));
    if (item.revents & ZMQ_POLLIN) {
      zmq::message_t req;
      (void)ctl.recv(req);
      std::istringstream in(req.to_string());
      std::string verb, peer;
      in >> verb >> peer;
      std::string reply = "ok";
      if (verb == "status") {
        json j = status_json(agent.status(), node.db_path);
        j["state_hash"] = agent.run([](Store& s) { return state_hash(s.db()); }).get();
        reply = j.dump(2);
      } else if (verb == "partition" && !peer.empty()) {
        int seconds = 0;
        in >> seconds;
        agent.partition(peer, seconds > 0 ? std::optional(std::chrono::milliseconds(seconds * 1000)) : std::nullopt);
      } else if (verb == "heal" && !peer.empty()) {
        agent.heal(peer);
      } else if (verb == "write-demo" && !demo_branch.empty()) {
        demo_trickle(agent, demo_branch, rng);
      } else {
        reply = "error: unknown command \"" + req.to_string() + "\" (partition PEER [SECONDS] | heal PEER | status | write-demo)";
      }
      ctl.send(zmq::buffer(reply));
    }
    for (const Event& e : agent.take_events()) {
      if (e.kind == Event::Kind::OpsApplied) continue;  // the stats line carries volume
      std::printf("%s %s [%s] %s\n", now_text().c_str(), node.node_id.c_str(),
                  std::string(event_kind_name(e.kind)).c_str(), e.message.c_str());
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_status >= std::chrono::seconds(1)) {
      last_status = now;
      write_atomically(cfg.data_dir + "/status.json", status_json(agent.status(), node.db_path).dump(2));
    }
    if (status_every > 0 && now - last_stats >= std::chrono::seconds(status_every)) {
      last_stats = now;
      std::printf("%s\n", stats_line(agent.status()).c_str());
    }
    if (!demo_branch.empty() && now - last_trickle >= std::chrono::seconds(5)) {
      last_trickle = now;
      demo_trickle(agent, demo_branch, rng);
    }
    std::fflush(stdout);
  }
  std::printf("%s honbu-node %s stopping\n", now_text().c_str(), node.node_id.c_str());
  agent.stop();
  std::filesystem::remove(ctl_path);
  std::printf("%s honbu-node %s stopped cleanly\n", now_text().c_str(), node.node_id.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"honbu-node: a Honbu node without a screen"};
  app.require_subcommand(1);
  app.set_config("--config", "", "read options from a file (TOML/INI: key = value)");

  NodeConfig cfg;
  cfg.data_dir = default_data_dir();
  int status_every = 0;
  std::string demo_branch;
  auto* run = app.add_subcommand("run", "run a node until SIGINT/SIGTERM");
  run->add_option("--data-dir", cfg.data_dir, "node data directory")->capture_default_str();
  run->add_option("--role", cfg.role, "hq, branch or relay")->required()->check(CLI::IsMember({"hq", "branch", "relay"}));
  run->add_option("--keys", cfg.keys_path, "this node's secret key file (honbu-keys gen)")->required();
  run->add_option("--allowlist", cfg.allowlist_path, "allow-list file")->required();
  run->add_option("--dataset", cfg.dataset, "ACTUAL or EXERCISE:<name>")->capture_default_str();
  run->add_option("--listen", cfg.listen, "endpoint to listen on, e.g. tcp://*:5701");
  run->add_option("--peer", cfg.peers, "peer to connect to, NODE@tcp://host:port (repeatable)");
  run->add_option("--status-every", status_every, "print a stats line every N seconds");
  run->add_option("--lost-after-ms", cfg.lost_after_ms, "peer silent this long is lost")->capture_default_str();
  run->add_option("--demo-branch", demo_branch, "fill demo data for this branch and keep writing a little");

  std::string data_dir = default_data_dir();
  auto* status = app.add_subcommand("status", "print what a running node last reported");
  status->add_option("--data-dir", data_dir, "node data directory")->capture_default_str();

  std::vector<std::string> words;
  auto* ctl = app.add_subcommand("ctl", "send a command to a running node");
  ctl->add_option("--data-dir", data_dir, "node data directory")->capture_default_str();
  ctl->add_option("command", words, "partition PEER [SECONDS] | heal PEER | status | write-demo")->required();

  CLI11_PARSE(app, argc, argv);
  try {
    if (*run) {
      struct sigaction sa {};
      sa.sa_handler = on_signal;
      sigaction(SIGINT, &sa, nullptr);
      sigaction(SIGTERM, &sa, nullptr);
      std::filesystem::create_directories(cfg.data_dir);
      return run_node(cfg, status_every, demo_branch);
    }
    if (*status) {
      std::ifstream f(data_dir + "/status.json");
      if (!f) {
        std::fprintf(stderr, "honbu-node: no status in %s (is a node running there?)\n", data_dir.c_str());
        return 2;
      }
      json j = json::parse(f);
      const long long age = wall_now_ms() - j.value("written_at", 0LL);
      std::cout << j.dump(2) << "\n";
      if (age > 5000) std::fprintf(stderr, "note: this status is %lld s old: the node may have stopped\n", age / 1000);
      return 0;
    }
    if (*ctl) {
      zmq::context_t ctx;
      zmq::socket_t req(ctx, zmq::socket_type::req);
      req.set(zmq::sockopt::linger, 0);
      req.set(zmq::sockopt::rcvtimeo, 3000);
      const std::string path = data_dir + "/control.sock";
      if (!std::filesystem::exists(path)) {
        std::fprintf(stderr, "honbu-node: no running node in %s (no control.sock)\n", data_dir.c_str());
        return 2;
      }
      req.connect("ipc://" + path);
      std::string line;
      for (const auto& w : words) line += (line.empty() ? "" : " ") + w;
      req.send(zmq::buffer(line));
      zmq::message_t reply;
      if (!req.recv(reply)) {
        std::fprintf(stderr, "honbu-node: the node did not answer within 3 s\n");
        return 2;
      }
      std::cout << reply.to_string() << "\n";
      return reply.to_string().rfind("error", 0) == 0 ? 2 : 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "honbu-node: %s\n", e.what());
    return 2;
  }
  return 0;
}
