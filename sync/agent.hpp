// [SECTION] The sync agent: one thread owns every ZeroMQ socket and the node's Store (the
// one writer). The rest of the program talks to it through this object: tasks down
// (run(): local commands execute on the agent thread), status and events up. A backlog of
// received ops is applied by its apply worker ("apply:<node>", sync/apply_worker.hpp)
// while the agent thread reads ahead; the agent leaves the store alone until it is done.
//
// ZeroMQ is the transport, SQLite is the truth: the agent acknowledges a chunk only after
// its transaction committed, and re-sends whatever a peer lacks from the op log, never
// from a queue. See sync/PROTOCOL.md for the messages and rules.
//
// Thread-safety: every public method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "model/store.hpp"
#include "sync/keys.hpp"

namespace honbu::sync {

// "kita@tcp://10.0.0.2:5701": the node id we expect there, and where to connect.
struct PeerConfig {
  std::string node_id;
  std::string endpoint;
};
// Why a ZeroMQ endpoint will not do ("the port \"99999\" is not a number from 1 to 65535"),
// or nullopt. `listening`: tcp://HOST:* (any free port) is allowed.
std::optional<std::string> endpoint_problem(std::string_view endpoint, bool listening);
PeerConfig parse_peer(std::string_view spec);  // throws KeyError with the reason

struct AgentConfig {
  std::string listen;  // e.g. "tcp://*:5701", "tcp://127.0.0.1:*"; empty: do not listen
  std::vector<PeerConfig> peers;
  NodeKeys keys;
  AllowList allow;
  std::string allowlist_path;  // when set, re-read when it changes (revocations take effect)
  Role role = Role::Branch;
  std::chrono::milliseconds ping_every{1000};   // app-level keepalive when idle
  std::chrono::milliseconds lost_after{4000};   // nothing heard for this long: peer lost
  std::chrono::milliseconds vector_every{5000}; // anti-entropy round
  std::size_t chunk_ops = 500;
  std::size_t chunk_bytes = 256 * 1024;  // and at most this many bytes per OPS message
  std::uint32_t window = 4;  // chunks we accept in flight from each peer
  // Encoded ops kept to relay to the next peer (HQ and relays; unused with one peer).
  std::size_t relay_cache_bytes = 64 * 1024 * 1024;
  bool zap_handler = true;   // tests only: false runs a CURVE server with no ZAP handler
};

enum class PeerState { Connecting, Syncing, Live, Lost };
std::string_view peer_state_name(PeerState s);

struct PeerStatus {
  std::string node_id;
  std::string endpoint;  // where we connect; empty for peers that connect to us
  PeerState state = PeerState::Connecting;
  std::optional<TimeMs> last_heard;
  VersionVector their_vector;
  std::uint64_t they_lack = 0;   // ops we hold that they do not (lag, in ops)
  std::uint64_t we_lack = 0;     // ops they hold that we do not
  std::uint64_t in_flight = 0;   // ops sent and not yet acknowledged
  std::uint64_t refused = 0;     // their ops we refused
  std::string last_refusal;
  std::uint64_t refused_by_them = 0;  // our ops (ours or relayed) they refused: they will never hold them
  std::string last_refused_by_them;   // "kita#6: branch kita may write shelter only in its areas ..."
  bool partitioned = false;      // link control is dropping this peer's traffic
};

struct AgentStatus {
  std::string node_id, dataset, listen_endpoint;
  VersionVector vector;
  std::int64_t data_version = 0;
  std::vector<PeerStatus> peers;
  std::uint64_t ops_received = 0, ops_sent = 0, refused = 0, malformed = 0;
  std::uint64_t read_ahead = 0;  // messages received and decoded while a backlog was being applied
};

struct Event {
  enum class Kind { PeerConnected, PeerLost, OpsApplied, Conflicts, Refused, Quarantined, AuthFailed, Error, Info };
  Kind kind = Kind::Info;
  std::string peer;
  std::string message;
  std::int64_t data_version = 0;
  TimeMs at = 0;
};
std::string_view event_kind_name(Event::Kind k);

class Agent {
 public:
  // Takes ownership of the store; starts the agent thread ("sync:<node id>"). Throws on a bad
  // configuration (e.g. the listen address is taken) before the thread starts.
  static std::unique_ptr<Agent> start(std::unique_ptr<Store> store, AgentConfig config);
  ~Agent();  // stops and joins
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Runs fn(Store&) on the agent thread, where the store lives; new local ops are pushed to
  // connected peers right after fn returns.
  template <class F>
  auto run(F&& fn) -> std::future<std::invoke_result_t<F, Store&>> {
    using R = std::invoke_result_t<F, Store&>;
    auto task = std::make_shared<std::packaged_task<R(Store&)>>(std::forward<F>(fn));
    auto future = task->get_future();
    post([task](Store& s) { (*task)(s); });
    return future;
  }

  AgentStatus status() const;
  std::vector<Event> take_events();
  // Called on the agent thread whenever events are queued (e.g. glfwPostEmptyEvent).
  void set_wake(std::function<void()> wake);

  // Link control (drills, tests): drop all traffic with a peer, for a while or until heal().
  void partition(const std::string& node_id, std::optional<std::chrono::milliseconds> duration);
  void heal(const std::string& node_id);
  void add_peer(PeerConfig peer);
  void reload_allowlist();  // also done automatically when allowlist_path changes

  std::string listen_endpoint() const;  // after bind: the real port of "tcp://127.0.0.1:*"
  void stop();

 private:
  class Impl;
  explicit Agent(std::unique_ptr<Impl> impl);
  void post(std::function<void(Store&)> task);
  std::unique_ptr<Impl> impl_;
};

}  // namespace honbu::sync
