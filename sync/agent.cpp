#include "sync/agent.hpp"


#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <map>
#include <set>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sodium.h>
#include <zmq.hpp>

#include "model/errors.hpp"
#include "sync/apply_worker.hpp"
#include "sync/auth.hpp"
#include "sync/relay_cache.hpp"
#include "sync/wire.hpp"

namespace honbu::sync {

namespace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

// libzmq 4.3.4 has ZMQ_ZAP_ENFORCE_DOMAIN only in its draft API; the option works when set
// raw. With it a CURVE server refuses everyone when no ZAP handler answers (fail closed).
constexpr int kZapEnforceDomain = 93;
constexpr const char* kZapDomain = "honbu";
constexpr int kMaxMessagesPerTurn = 64;  // per socket per loop turn: keep the loop fair
constexpr int kMaxRouterMessagesPerTurn = 512;  // the ROUTER carries every incoming peer
// Received chunks are applied together, one transaction (one fsync) per loop turn: with
// many peers streaming a backlog, a commit per chunk made fsync the bottleneck.
constexpr std::size_t kMaxOpsPerCommit = 10000;
// Gather first, then spread: a loop turn that applied at least kBacklogOpsPerTurn ops is
// part of a backlog pouring in (a healed partition), and relays at most
// kRelayBudgetWhileGathering ops, so that this node (HQ) gets the whole picture first and the
// nodes it would relay to do not take the CPU it needs. Live traffic, a few ops per turn, is
// never held back. (Catch-up of 20 branches x 5,000 ops on 2 cores, against 2,000 per turn:
// HQ 3.4 -> 2.3-2.5 s, every node 40 -> 26-29 s.)
constexpr std::size_t kBacklogOpsPerTurn = 500;
// A turn with at least this many ops to apply hands them to the apply worker and reads the
// next chunks meanwhile; fewer (live traffic) are applied on the agent thread: with 100
// branches trickling, the hand-over's thread switches cost more CPU than they overlapped.
constexpr std::size_t kApplyOnWorkerOps = 200;
constexpr std::size_t kRelayBudgetWhileGathering = 100;

std::string z85_to_binary(const std::string& z85) {
  std::string out(32, '\0');
  if (z85.size() != 40 || !zmq_z85_decode(reinterpret_cast<std::uint8_t*>(out.data()), z85.c_str()))
    throw KeyError("not a 40-character Z85 CURVE key");
  return out;
}

std::string binary_to_z85(const void* data, size_t size) {
  std::string out(size * 5 / 4 + 1, '\0');
  zmq_z85_encode(out.data(), static_cast<const std::uint8_t*>(data), size);
  out.resize(size * 5 / 4);
  return out;
}

void common_options(zmq::socket_t& s) {
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(kMaxBodyBytes + 4096));
  // ZMTP heartbeats let libzmq itself notice a dead TCP connection and reconnect.
  s.set(zmq::sockopt::heartbeat_ivl, 1000);
  s.set(zmq::sockopt::heartbeat_timeout, 3000);
  s.set(zmq::sockopt::heartbeat_ttl, 4000);
}

VersionVector vector_max(const VersionVector& a, const VersionVector& b) {
  VersionVector out = a;
  for (const auto& [origin, seq] : b) {
    auto& mine = out[origin];
    mine = std::max(mine, seq);
  }
  return out;
}

// A chunk's role and chain checks (check_incoming_chunk), one decision per op, with what
// they depend on besides the ops: the peer that sent them and the allow-list's generation.
struct Decisions {
  std::string peer;  // empty: not made
  std::uint64_t allow_generation = 0;
  std::vector<AuthDecision> of_ops;
};

// One connection's protocol state (both directions of anti-entropy run over it).
struct Channel {
  std::string peer;  // node id
  zmq::socket_t* sock = nullptr;  // a DEALER we own, or our ROUTER
  std::string routing_id;         // ROUTER side only
  int fd = -1;                    // ROUTER side: the TCP connection's socket (to cut one peer)
  bool hello_sent = false, hello_received = false;
  TimePoint last_heard{}, last_sent{}, last_vector_sent{}, last_hello_try{}, last_persist{};
  VersionVector their_vector;  // what they told us they hold
  VersionVector cursor;        // what we have sent them (or they hold)
  // ... and the ops they sent us since, which they hold too (contiguous per origin). For
  // the lag we show only: their_vector stays what they said, since sending starts from it.
  VersionVector held_by_them;
  struct InFlight {
    std::uint64_t chunk = 0;
    std::size_t ops = 0, bytes = 0;
    std::size_t bytes_ahead = 0;  // bytes in flight when it was sent, itself included
    TimePoint sent_at{};
  };
  std::deque<InFlight> in_flight;
  // Bytes we let be in flight: about one second of what the link delivers (measured from
  // ACKs), so that pings never wait long behind data and a slow link is not taken for a
  // dead one. Starts small; grows on fast links.
  std::size_t byte_cap = 64 * 1024;
  double rate = 0;  // bytes/s delivered, smoothed
  std::uint32_t their_window = 1;
  std::uint64_t next_chunk = 1;
  std::set<std::pair<std::string, std::uint64_t>> refused_by_them;
  std::string last_refused_by_them;
  bool dirty = true;  // our op log may hold something they lack
  std::uint64_t refused = 0;
  std::string last_refusal;
  bool was_live = false;
  std::uint64_t session = 0;  // bumped whenever the session restarts (stale ACKs are dropped)

  void reset_session() {
    ++session;
    hello_sent = hello_received = false;
    held_by_them.clear();
    in_flight.clear();
    refused_by_them.clear();
    dirty = true;
  }
  std::uint64_t in_flight_ops() const {
    std::uint64_t n = 0;
    for (const auto& f : in_flight) n += f.ops;
    return n;
  }
  std::size_t in_flight_bytes() const {
    std::size_t n = 0;
    for (const auto& f : in_flight) n += f.bytes;
    return n;
  }
};

}  // namespace

std::string_view peer_state_name(PeerState s) {
  switch (s) {
    case PeerState::Connecting: return "connecting";
    case PeerState::Syncing: return "syncing";
    case PeerState::Live: return "live";
    case PeerState::Lost: return "lost";
  }
  return "?";
}

std::string_view event_kind_name(Event::Kind k) {
  switch (k) {
    case Event::Kind::PeerConnected: return "peer-connected";
    case Event::Kind::PeerLost: return "peer-lost";
    case Event::Kind::OpsApplied: return "ops-applied";
    case Event::Kind::Conflicts: return "conflicts";
    case Event::Kind::Refused: return "refused";
    case Event::Kind::Quarantined: return "quarantined";
    case Event::Kind::AuthFailed: return "auth-failed";
    case Event::Kind::Error: return "error";
    case Event::Kind::Info: return "info";
  }
  return "?";
}

std::optional<std::string> endpoint_problem(std::string_view ep, bool listening) {
  if (ep.starts_with("ipc://") || ep.starts_with("inproc://"))
    return ep.size() > ep.find("//") + 2 ? std::nullopt : std::optional<std::string>("the path is missing");
  if (!ep.starts_with("tcp://")) return "it must start with tcp:// (or ipc://), like tcp://*:5701 or tcp://192.0.2.10:5701";
  const std::string_view rest = ep.substr(6);
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return "it needs a host and a port, like tcp://192.0.2.10:5701";
  const std::string_view port = rest.substr(colon + 1);
  // libzmq reads "99999" as 34463 and "27abc" as 27: a typo would listen or connect elsewhere.
  if (listening && port == "*") return std::nullopt;  // any free port (tests)
  const bool digits = !port.empty() && port.size() <= 5 &&
                      std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535)
    return "the port \"" + std::string(port) + "\" is not a number from 1 to 65535";
  return std::nullopt;
}

PeerConfig parse_peer(std::string_view spec) {
  const size_t at = spec.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == spec.size())
    throw KeyError("peer \"" + std::string(spec) + "\": expected NODE@ENDPOINT, e.g. hq@tcp://10.0.0.1:5701");
  PeerConfig p{std::string(spec.substr(0, at)), std::string(spec.substr(at + 1))};
  if (!is_valid_node_id(p.node_id)) throw KeyError("peer \"" + std::string(spec) + "\": \"" + p.node_id + "\" is not a node id");
  if (auto why = endpoint_problem(p.endpoint, false)) throw KeyError("peer \"" + std::string(spec) + "\": " + *why);
  return p;
}

class Agent::Impl {
 public:
  Impl(std::unique_ptr<Store> store, AgentConfig cfg) : store_(std::move(store)), cfg_(std::move(cfg)) {
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) throw Error("eventfd failed");
    if (!cfg_.allowlist_path.empty()) allow_mtime_ = mtime(cfg_.allowlist_path);
    for (PeerRecord& p : store_->peers()) known_[p.node_id] = std::move(p);
    keep_own_role_rules();
    setup_sockets();
    publish_status(true);
  }

  ~Impl() {
    stop();
    worker_.reset();  // its last wake() has been written before the descriptor goes
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  void start_thread() {
    thread_ = std::thread([this] {
      // "sync:<node>" (at most 15 bytes): top -H and perf tell the nodes of one process apart.
      const std::string name = ("sync:" + cfg_.keys.node_id).substr(0, 15);
      pthread_setname_np(pthread_self(), name.c_str());
      loop();
    });
  }

  void stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    wake();
    thread_.join();
    persist_peers(true);
  }

  void post(std::function<void(Store&)> task) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    wake();
  }

  void control(std::function<void()> fn) {
    {
      std::lock_guard lock(mu_);
      controls_.push_back(std::move(fn));
    }
    wake();
  }

  AgentStatus status() const {
    std::lock_guard lock(mu_);
    return status_;
  }

  std::vector<Event> take_events() {
    std::lock_guard lock(mu_);
    std::vector<Event> out;
    out.swap(events_);
    return out;
  }

  void set_wake(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    wake_cb_ = std::move(fn);
  }

  std::string listen_endpoint() const { return listen_endpoint_; }

  // Agent-thread actions, posted through control().
  void do_partition(const std::string& node, std::optional<std::chrono::milliseconds> d) {
    partitions_[node] = d ? SteadyClock::now() + *d : TimePoint::max();
    // Since when it is silent is the moment of the cut, not the last ACK before it.
    for (auto& o : out_)
      if (o.ch.peer == node && o.ch.hello_received) persist(o.ch, true);
    for (auto& [rid, ch] : in_)
      if (ch.peer == node && ch.hello_received) persist(ch, true);
    emit(Event::Kind::Info, node, d ? "link cut for " + std::to_string(d->count() / 1000) + " s (link control)"
                                    : "link cut until healed (link control)");
  }
  void do_heal(const std::string& node) {
    if (partitions_.erase(node)) {
      emit(Event::Kind::Info, node, "link restored (link control)");
      for (auto& o : out_)
        if (o.cfg.node_id == node) o.ch.reset_session();
    }
  }
  void do_add_peer(PeerConfig p) { add_outgoing(std::move(p)); }
  // This node's own writes keep the rules its peers check them by (the current allow-list).
  void keep_own_role_rules() {
    if (const AllowEntry* me = cfg_.allow.by_node(store_->node_id())) keep_role_rules(*store_, *me);
  }
  void do_reload_allowlist() {
    if (cfg_.allowlist_path.empty()) return;
    try {
      AllowList fresh = AllowList::load(cfg_.allowlist_path);
      std::vector<std::string> revoked;
      for (const AllowEntry& e : fresh.entries()) {
        const AllowEntry* old = cfg_.allow.by_node(e.node_id);
        if (e.revoked && (!old || !old->revoked)) revoked.push_back(e.node_id);
      }
      cfg_.allow = std::move(fresh);
      ++allow_generation_;  // role checks made under the old list are made again
      keep_own_role_rules();
      for (const std::string& node : revoked) drop_revoked(node);
      emit(Event::Kind::Info, "", "allow-list reloaded" +
                                     (revoked.empty() ? std::string() : " (revoked: " + join(revoked) + ")"));
    } catch (const Error& e) {
      emit(Event::Kind::Error, "", std::string("allow-list not reloaded, keeping the old one: ") + e.what());
    }
  }

 private:
  struct Outgoing {
    PeerConfig cfg;
    std::unique_ptr<zmq::socket_t> sock, monitor;
    Channel ch;
    // libzmq drops a connection whose handshake was refused and never reconnects it (a
    // protocol error): we connect again ourselves, backing off 2 s → 60 s.
    TimePoint reconnect_at{};
    std::chrono::seconds reconnect_backoff{2};
  };

  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  }

  static std::filesystem::file_time_type mtime(const std::string& path) {
    std::error_code ec;
    auto t = std::filesystem::last_write_time(path, ec);
    return ec ? std::filesystem::file_time_type{} : t;
  }

  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }

  // [SECTION] Sockets

  void setup_sockets() {
    if (cfg_.zap_handler) {
      zap_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::rep);
      zap_->set(zmq::sockopt::linger, 0);
      zap_->bind("inproc://zeromq.zap.01");
    }
    if (!cfg_.listen.empty()) bind_router();
    for (const PeerConfig& p : cfg_.peers) add_outgoing(p);
  }

  void bind_router() {
    router_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::router);
    common_options(*router_);
    router_->set(zmq::sockopt::router_mandatory, 1);
    router_->set(zmq::sockopt::curve_server, 1);
    const std::string secret = z85_to_binary(cfg_.keys.curve_secret);
    router_->set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret.data(), secret.size()));
    router_->set(zmq::sockopt::zap_domain, kZapDomain);
    const int enforce = 1;
    zmq_setsockopt(router_->handle(), kZapEnforceDomain, &enforce, sizeof enforce);
    // Rebinding after a revocation reuses the port we got the first time.
    const std::string where = listen_endpoint_.empty() ? cfg_.listen : listen_endpoint_;
    if (auto why = endpoint_problem(where, true)) throw Error("cannot listen on " + where + ": " + *why);
    try {
      router_->bind(where);
    } catch (const zmq::error_t& e) {
      std::string hint;
      if (e.num() == EADDRINUSE) hint = " (another node or program has that port: stop it, or choose another)";
      if (e.num() == EINVAL || e.num() == EPROTONOSUPPORT)
        hint = " (an endpoint looks like tcp://*:5701 or tcp://192.0.2.10:5701)";
      throw Error("cannot listen on " + where + ": " + e.what() + hint);
    }
    listen_endpoint_ = router_->get(zmq::sockopt::last_endpoint);
    // Failed handshakes on our side (a client that does not have our server key) are logged:
    // the client gets no answer, so our log is the only place an operator can see them.
    const std::string mon = "inproc://honbu-router-monitor";
    zmq_socket_monitor(router_->handle(), mon.c_str(),
                       ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
    router_monitor_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::pair);
    router_monitor_->set(zmq::sockopt::linger, 0);
    router_monitor_->connect(mon);
  }

  void add_outgoing(PeerConfig p) {
    const AllowEntry* e = cfg_.allow.by_node(p.node_id);
    if (!e) {
      emit(Event::Kind::Error, p.node_id, "peer " + p.node_id + " is not on the allow-list: not connecting");
      return;
    }
    Outgoing o;
    o.cfg = std::move(p);
    o.ch.peer = o.cfg.node_id;
    o.sock = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::dealer);
    common_options(*o.sock);
    o.sock->set(zmq::sockopt::immediate, 1);  // queue only on completed connections
    o.sock->set(zmq::sockopt::reconnect_ivl, 100);
    o.sock->set(zmq::sockopt::reconnect_ivl_max, 5000);  // back off to 5 s
    const std::string server = z85_to_binary(e->keys.curve);
    const std::string pub = z85_to_binary(cfg_.keys.curve_public);
    const std::string sec = z85_to_binary(cfg_.keys.curve_secret);
    o.sock->set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server.data(), server.size()));
    o.sock->set(zmq::sockopt::curve_publickey, zmq::const_buffer(pub.data(), pub.size()));
    o.sock->set(zmq::sockopt::curve_secretkey, zmq::const_buffer(sec.data(), sec.size()));
    // A monitor tells us when the CURVE handshake succeeds (say HELLO at once) or fails
    // (wrong server key, or we are not on its allow-list).
    const std::string mon = "inproc://honbu-monitor-" + std::to_string(next_monitor_++);
    zmq_socket_monitor(o.sock->handle(), mon.c_str(),
                       ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                           ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
    o.monitor = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::pair);
    o.monitor->set(zmq::sockopt::linger, 0);
    o.monitor->connect(mon);
    try {
      o.sock->connect(o.cfg.endpoint);
    } catch (const zmq::error_t& err) {
      throw Error("cannot connect to " + o.cfg.node_id + " at " + o.cfg.endpoint + ": " + err.what() +
                  " (an endpoint looks like tcp://192.0.2.10:5701)");
    }
    o.ch.sock = o.sock.get();
    out_.push_back(std::move(o));
  }

  void drop_revoked(const std::string& node) {
    // libzmq cannot close one peer's connection on a ROUTER; shutting down that connection's
    // TCP socket makes libzmq drop it (the peer's reconnects are then refused at ZAP).
    // Rebinding the ROUTER instead failed with EADDRINUSE while libzmq still held the port.
    int cut = 0;
    for (auto it = in_.begin(); it != in_.end();) {
      if (it->second.peer != node) {
        ++it;
        continue;
      }
      if (it->second.fd >= 0 && ::shutdown(it->second.fd, SHUT_RDWR) == 0) ++cut;
      if (it->second.hello_received) persist(it->second, true);
      it = in_.erase(it);
    }
    std::erase_if(out_, [&](const Outgoing& o) { return o.cfg.node_id == node; });
    emit(Event::Kind::AuthFailed, node,
         "key of " + node + " revoked: connections dropped" + (cut ? " (" + std::to_string(cut) + " cut)" : ""));
  }

  bool partitioned(const std::string& node) const { return partitions_.count(node) > 0; }

  bool send_raw(zmq::socket_t& sock, const std::string* routing_id, const Frames& f) {
    try {
      if (routing_id) {
        if (!sock.send(zmq::buffer(*routing_id), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return false;
        sock.send(zmq::buffer(f.header), zmq::send_flags::sndmore);
      } else if (!sock.send(zmq::buffer(f.header), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
        return false;
      }
      sock.send(zmq::buffer(f.body), zmq::send_flags::none);
      return true;
    } catch (const zmq::error_t&) {
      return false;  // e.g. EHOSTUNREACH: that peer is gone from our ROUTER
    }
  }

  bool send(Channel& ch, const Message& m) {
    return send_frames(ch, encode(m), static_cast<MsgType>(m.index() + 1));
  }

  bool send_frames(Channel& ch, const Frames& f, MsgType type) {
    if (partitioned(ch.peer) || !ch.sock) return false;
    const bool ok = send_raw(*ch.sock, ch.routing_id.empty() ? nullptr : &ch.routing_id, f);
    if (ok) ch.last_sent = SteadyClock::now();
    trace(ch, ok ? "->" : "-x", msg_type_name(type));
    return ok;
  }

  // HONBU_SYNC_TRACE=1: one stderr line per message, for debugging a link by hand.
  void trace(const Channel& ch, std::string_view dir, std::string_view what) const {
    if (!trace_) return;
    std::fprintf(stderr, "[sync %lld %s] %s %s %.*s %.*s\n", static_cast<long long>(wall_now_ms() % 100000),
                 cfg_.keys.node_id.c_str(), ch.routing_id.empty() ? "out" : "in",
                 ch.peer.c_str(), static_cast<int>(dir.size()), dir.data(), static_cast<int>(what.size()), what.data());
  }

  Hello make_hello() const {
    Hello h;
    h.node_id = cfg_.keys.node_id;
    h.role = std::string(role_name(cfg_.role));
    h.dataset = store_->dataset();
    h.vector = store_->version_vector();
    h.window = cfg_.window;
    for (const auto& [origin, seq] : h.vector)
      if (std::string d = store_->op_digest(origin, seq); !d.empty()) h.heads.emplace(origin, std::move(d));
    return h;
  }

  // Two nodes holding the same seq of an origin with different digests hold two histories
  // of it: its key is in use on two machines. Sync cannot merge that (each seq means two
  // ops); the ops that would join the other history are refused as they come (Store), and
  // the operators are told here, once per peer and origin: two machines taking turns with
  // one key restart sessions every few seconds, and each notice would pop up again.
  void compare_heads(const Channel& ch, const Hello& h) {
    for (const auto& [origin, theirs] : h.heads) {
      const std::uint64_t seq = h.vector.at(origin);
      const std::string ours = store_->op_digest(origin, seq);
      if (ours.empty() || ours == theirs) continue;
      if (!histories_reported_.insert(ch.peer + "/" + origin).second) continue;
      emit(Event::Kind::Error, ch.peer,
           "two histories of " + origin + ": " + ch.peer + " holds another op " + origin + "#" + std::to_string(seq) +
               " than this node. Is the key of " + origin +
               " in use on two machines? Stop one of them and give it keys of its own (docs/security.md)");
    }
  }

  // [SECTION] The loop

  void loop() {
    while (!stop_) {
      std::vector<zmq::pollitem_t> items;
      items.push_back({nullptr, wake_fd_, ZMQ_POLLIN, 0});
      if (zap_) items.push_back({zap_->handle(), 0, ZMQ_POLLIN, 0});
      if (router_) items.push_back({router_->handle(), 0, ZMQ_POLLIN, 0});
      if (router_monitor_) items.push_back({router_monitor_->handle(), 0, ZMQ_POLLIN, 0});
      for (auto& o : out_) {
        items.push_back({o.sock->handle(), 0, ZMQ_POLLIN, 0});
        items.push_back({o.monitor->handle(), 0, ZMQ_POLLIN, 0});
      }
      try {
        zmq::poll(items.data(), items.size(), std::chrono::milliseconds(more_to_send_ || woken_ ? 0 : 50));
        woken_ = false;
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) emit(Event::Kind::Error, "", std::string("poll: ") + e.what());
      }
      std::uint64_t drained;
      [[maybe_unused]] auto n = ::read(wake_fd_, &drained, sizeof drained);
      try {
        turn();
        failing_.wait_ms = 0;
      } catch (const StoreError& e) {
        turn_failed(e.what(), e.damaged());
      } catch (const std::exception& e) {
        // The node lives on: one bad turn must not take the sync thread (and the program) down.
        turn_failed(e.what(), false);
      }
    }
  }

  // A turn that keeps failing the same way (a damaged database file fails every turn a peer
  // asks for its ops) is said once, then at most once a minute with a count, and the loop
  // waits longer each time (up to 5 s) instead of spinning through the same error.
  struct Failing {
    std::string message;  // the last error said
    int repeats = 0;      // since it was last said
    SteadyClock::time_point said{};
    int wait_ms = 0;      // 0 after a good turn
  };
  Failing failing_;

  // `damaged`: SQLite said the database file itself is damaged.
  void turn_failed(const std::string& what, bool damaged) {
    const auto now = SteadyClock::now();
    if (what != failing_.message) {
      failing_.message = what;
      failing_.repeats = 0;
      failing_.said = now;
      std::string text = "internal error in the sync loop (continuing): " + what;
      if (damaged)
        text += ". This node's database file is damaged: stop the node, check it with `honbu-db verify`, "
                "and restore it from a peer (a fresh data directory syncs everything back) or a bundle";
      emit(Event::Kind::Error, "", text);
    } else {
      ++failing_.repeats;
      if (now - failing_.said >= std::chrono::minutes(1)) {
        emit(Event::Kind::Error, "",
             "the same sync error " + std::to_string(failing_.repeats) + " more times since it was said: " + what);
        failing_.repeats = 0;
        failing_.said = now;
      }
    }
    failing_.wait_ms = std::min(5000, std::max(50, failing_.wait_ms * 2));
    pollfd wake{wake_fd_, POLLIN, 0};
    ::poll(&wake, 1, failing_.wait_ms);  // a stop or a command wakes it early
  }

  void turn() {
    run_controls();
    run_tasks();
    if (zap_) serve_zap();
    handle_read_ahead();
    if (router_) read_router();
    if (router_monitor_) read_router_monitor();
    for (size_t i = 0; i < out_.size(); ++i) {
      read_monitor(out_[i]);
      read_outgoing(out_[i]);
    }
    const Flushed received = flush_ops();
    // After a commit on the worker, peers' sockets have not all been read for its length:
    // the next turn reads them first, then judges who went silent.
    timers(!received.on_worker);
    pump(received.applied >= kBacklogOpsPerTurn ? kRelayBudgetWhileGathering : SIZE_MAX);
    publish_status(false);
    watch_allowlist();
  }

  void read_router_monitor() {
    for (int i = 0; i < kMaxMessagesPerTurn; ++i) {
      zmq::message_t event, endpoint;
      if (!router_monitor_->recv(event, zmq::recv_flags::dontwait)) return;
      if (event.more()) (void)router_monitor_->recv(endpoint);
      const TimePoint now = SteadyClock::now();
      if (now - last_handshake_log_ < std::chrono::seconds(10)) continue;  // one line per 10 s
      last_handshake_log_ = now;
      emit(Event::Kind::AuthFailed, "",
           "a client failed the CURVE handshake on " + listen_endpoint_ +
               " (it does not use this node's server key, or speaks another protocol)");
    }
  }

  void run_controls() {
    std::vector<std::function<void()>> controls;
    {
      std::lock_guard lock(mu_);
      controls.swap(controls_);
    }
    for (auto& c : controls) {
      try {
        c();
      } catch (const std::exception& e) {
        emit(Event::Kind::Error, "", std::string("control command failed: ") + e.what());
      }
    }
  }

  void run_tasks() {
    std::deque<std::function<void(Store&)>> tasks;
    {
      std::lock_guard lock(mu_);
      tasks.swap(tasks_);
    }
    if (tasks.empty()) return;
    for (auto& t : tasks) t(*store_);
    mark_all_dirty();  // push new local ops at once
  }

  void mark_all_dirty() {
    for (auto& [rid, ch] : in_) ch.dirty = true;
    for (auto& o : out_) o.ch.dirty = true;
  }

  // [SECTION] ZAP: only keys on the allow-list get in; the reply names the node (User-Id).
  void serve_zap() {
    for (int i = 0; i < kMaxMessagesPerTurn; ++i) {
      std::vector<zmq::message_t> req;
      zmq::message_t part;
      if (!zap_->recv(part, zmq::recv_flags::dontwait)) return;
      req.push_back(std::move(part));
      while (req.back().more()) {
        zmq::message_t next;
        (void)zap_->recv(next);
        req.push_back(std::move(next));
      }
      std::string code = "400", text = "refused", user;
      if (req.size() >= 7 && req[0].to_string() == "1.0") {
        const std::string domain = req[2].to_string(), address = req[3].to_string(), mech = req[5].to_string();
        if (domain != kZapDomain) {
          text = "unknown ZAP domain";
        } else if (mech != "CURVE" || req[6].size() != 32) {
          text = "CURVE required";
        } else {
          const std::string key = binary_to_z85(req[6].data(), 32);
          const AllowEntry* e = cfg_.allow.by_curve(key);
          if (!e) {
            text = "key not on the allow-list";
          } else if (e->revoked) {
            text = "key revoked";
          } else {
            code = "200";
            text = "OK";
            user = e->node_id;
          }
          if (code != "200")
            emit(Event::Kind::AuthFailed, e ? e->node_id : "",
                 "refused a connection from " + address + ": " + text + " (key " + key.substr(0, 8) + "…)");
        }
      }
      const std::string request_id = req.size() > 1 ? req[1].to_string() : std::string();
      zap_->send(zmq::buffer(std::string("1.0")), zmq::send_flags::sndmore);
      zap_->send(zmq::buffer(request_id), zmq::send_flags::sndmore);
      zap_->send(zmq::buffer(code), zmq::send_flags::sndmore);
      zap_->send(zmq::buffer(text), zmq::send_flags::sndmore);
      zap_->send(zmq::buffer(user), zmq::send_flags::sndmore);
      zap_->send(zmq::buffer(std::string()), zmq::send_flags::none);
    }
  }

  // [SECTION] Receiving

  // One multi-part message from a socket, without waiting; empty when there is none.
  static std::vector<zmq::message_t> recv_message(zmq::socket_t& sock) {
    std::vector<zmq::message_t> frames;
    zmq::message_t part;
    if (!sock.recv(part, zmq::recv_flags::dontwait)) return frames;
    frames.push_back(std::move(part));
    while (frames.back().more()) {
      zmq::message_t next;
      (void)sock.recv(next);
      frames.push_back(std::move(next));
    }
    return frames;
  }

  // A message received while the apply worker committed earlier chunks: decoded at once
  // (beside the commit), handled in arrival order at the start of the next turn.
  struct Received {
    std::string outgoing;  // the peer's node id for an outgoing socket; empty: the ROUTER
    std::vector<zmq::message_t> frames;
    Message message;
    std::optional<std::string> error;  // the decoder's complaint, when it had one
    Decisions decisions;               // an OPS chunk's role and chain checks, made beside the commit
  };

  void read_router() {
    for (int i = 0; i < kMaxRouterMessagesPerTurn && pending_ops_ < kMaxOpsPerCommit; ++i) {
      std::vector<zmq::message_t> frames = recv_message(*router_);
      if (frames.empty()) return;
      on_router_message(frames, nullptr);
    }
  }

  void on_router_message(std::vector<zmq::message_t>& frames, Received* decoded) {
    if (frames.size() != 3) {
      ++malformed_;
      return;
    }
    const char* user = frames[1].gets("User-Id");  // set by our ZAP handler: the node id
    if (!user || !*user) return;
    const std::string rid = frames[0].to_string();
    auto it = in_.find(rid);
    if (it == in_.end()) {
      it = in_.emplace(rid, Channel{}).first;
      it->second.peer = user;
      it->second.sock = router_.get();
      it->second.routing_id = rid;
      it->second.fd = frames[1].get(ZMQ_SRCFD);
    }
    handle(it->second, frames[1].to_string_view(), frames[2].to_string_view(), true, decoded);
    if (it->second.peer.empty()) in_.erase(it);  // handle() asked to drop this connection
  }

  void read_outgoing(Outgoing& o) {
    for (int i = 0; i < kMaxMessagesPerTurn && pending_ops_ < kMaxOpsPerCommit; ++i) {
      std::vector<zmq::message_t> frames = recv_message(*o.sock);
      if (frames.empty()) return;
      on_outgoing_message(o, frames, nullptr);
    }
  }

  void on_outgoing_message(Outgoing& o, std::vector<zmq::message_t>& frames, Received* decoded) {
    if (frames.size() != 2) {
      ++malformed_;
      return;
    }
    handle(o.ch, frames[0].to_string_view(), frames[1].to_string_view(), false, decoded);
    if (o.ch.peer.empty()) {  // dropped: keep the socket (it reconnects), restart the session
      o.ch.peer = o.cfg.node_id;
      o.ch.reset_session();
    }
  }

  // While the worker applies: take in what arrives and decode it, up to a commit's worth of
  // ops (and of messages), until the worker is done (it wakes the poll).
  void read_ahead() {
    std::size_t ops = 0;
    auto take = [&](zmq::socket_t& sock, const std::string& outgoing) {
      std::vector<zmq::message_t> frames = recv_message(sock);
      if (frames.empty()) return false;
      Received& r = read_ahead_.emplace_back();
      ++read_ahead_count_;
      r.outgoing = outgoing;
      r.frames = std::move(frames);
      const std::size_t header = outgoing.empty() ? 1 : 0;
      if (r.frames.size() == header + 2) {
        try {
          r.message = decode(r.frames[header].to_string_view(), r.frames[header + 1].to_string_view());
          if (const auto* m = std::get_if<OpsMsg>(&r.message)) {
            ops += m->ops.size();
            // The peer as ZAP named it (ROUTER) or as configured (outgoing): who handle() will see.
            const char* user = outgoing.empty() ? r.frames[1].gets("User-Id") : outgoing.c_str();
            if (user && *user) r.decisions = decide(user, m->ops);
          }
        } catch (const std::exception& e) {
          r.error = e.what();
        }
      }
      return true;
    };
    while (!worker_->done() && ops < kMaxOpsPerCommit && read_ahead_.size() < kMaxRouterMessagesPerTurn) {
      bool got = false;
      if (router_) got = take(*router_, "") || got;
      for (auto& o : out_) got = take(*o.sock, o.cfg.node_id) || got;
      if (got) continue;
      std::vector<zmq::pollitem_t> items{{nullptr, wake_fd_, ZMQ_POLLIN, 0}};
      if (router_) items.push_back({router_->handle(), 0, ZMQ_POLLIN, 0});
      for (auto& o : out_) items.push_back({o.sock->handle(), 0, ZMQ_POLLIN, 0});
      try {
        zmq::poll(items.data(), items.size(), std::chrono::milliseconds(50));  // the worker wakes it
      } catch (const zmq::error_t&) {
      }
      if (items[0].revents & ZMQ_POLLIN) {  // the worker, or a task or control for the loop
        std::uint64_t drained;
        [[maybe_unused]] auto n = ::read(wake_fd_, &drained, sizeof drained);
        woken_ = true;  // the loop's next poll must not sleep on a wake taken here
      }
    }
  }

  // What read_ahead() took in, handled as if it had been read now, in the order it came.
  void handle_read_ahead() {
    std::deque<Received> got;
    got.swap(read_ahead_);
    for (Received& r : got) {
      if (r.outgoing.empty()) {
        if (router_) on_router_message(r.frames, &r);
        continue;
      }
      for (auto& o : out_)
        if (o.cfg.node_id == r.outgoing) on_outgoing_message(o, r.frames, &r);
    }
  }

  void read_monitor(Outgoing& o) {
    for (int i = 0; i < kMaxMessagesPerTurn; ++i) {
      zmq::message_t event, endpoint;
      if (!o.monitor->recv(event, zmq::recv_flags::dontwait)) return;
      if (event.more()) (void)o.monitor->recv(endpoint);
      if (event.size() < 6) continue;
      std::uint16_t id;
      std::memcpy(&id, event.data(), sizeof id);
      if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        o.ch.reset_session();
        o.ch.last_hello_try = {};  // say HELLO now
        o.reconnect_at = {};
        o.reconnect_backoff = std::chrono::seconds(2);
      } else if (id == ZMQ_EVENT_DISCONNECTED) {
        o.ch.reset_session();
      } else {
        // Refused: HQ may add us to its allow-list later, so try again (without a restart).
        if (o.reconnect_at == TimePoint{}) {
          o.reconnect_at = SteadyClock::now() + o.reconnect_backoff;
          if (!partitioned(o.cfg.node_id))
            emit(Event::Kind::AuthFailed, o.cfg.node_id,
                 "CURVE handshake with " + o.cfg.node_id + " at " + o.cfg.endpoint +
                     " failed (wrong server key, or our key is not on its allow-list); trying again in " +
                     std::to_string(o.reconnect_backoff.count()) + " s");
          o.reconnect_backoff = std::min(o.reconnect_backoff * 2, std::chrono::seconds(60));
        }
      }
    }
  }

  // Protocol errors drop the connection's session: ch.peer is cleared as the signal.
  void drop(Channel& ch, const std::string& code, const std::string& why) {
    emit(Event::Kind::Error, ch.peer, why);
    send(ch, ErrorMsg{code, why});
    ch.peer.clear();
  }

  // `decoded`: the message as read_ahead() decoded it already, or null.
  void handle(Channel& ch, std::string_view header, std::string_view body, bool incoming, Received* decoded) {
    if (partitioned(ch.peer)) return;
    ch.last_heard = SteadyClock::now();
    if (trace_ && header.size() == 4) trace(ch, "<-", msg_type_name(static_cast<MsgType>(header[3])));
    Message m;
    std::optional<std::string> error;
    if (decoded) {
      m = std::move(decoded->message);
      error = std::move(decoded->error);
    } else {
      try {
        m = decode(header, body);
      } catch (const WireError& e) {
        error = e.what();
      }
    }
    if (error) {
      ++malformed_;
      drop(ch, "malformed", "malformed message from " + ch.peer + ": " + *error);
      return;
    }
    if (auto* h = std::get_if<Hello>(&m)) return on_hello(ch, *h, incoming);
    if (!ch.hello_received) {
      if (std::holds_alternative<ErrorMsg>(m)) return on_error(ch, std::get<ErrorMsg>(m));
      // After a reconnect the peer may still be finishing the old session: start ours.
      ch.reset_session();
      ch.last_hello_try = {};
      return;
    }
    std::visit(
        [&](auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, VectorMsg>) {
            ch.their_vector = x.vector;
            if (ch.in_flight.empty()) ch.cursor = x.vector;  // re-send whatever was lost
            ch.dirty = true;
          } else if constexpr (std::is_same_v<T, OpsMsg>) {
            queue_ops(ch, std::move(x), incoming, decoded ? std::move(decoded->decisions) : Decisions{});
          } else if constexpr (std::is_same_v<T, Ack>) {
            on_ack(ch, x);
          } else if constexpr (std::is_same_v<T, ErrorMsg>) {
            on_error(ch, x);
          }
        },
        m);
  }

  // A live session replaced by a new one of the same node, again and again: two machines
  // run with one key (a copied key file), and their data diverge while both look synced.
  void note_live_replaced(const std::string& peer, TimePoint now) {
    auto& times = live_replaced_[peer];
    times.push_back(now);
    while (!times.empty() && now - times.front() > std::chrono::seconds(60)) times.pop_front();
    auto& warned = duplicate_warned_[peer];
    if (times.size() >= 3 && (warned == TimePoint{} || now - warned > std::chrono::seconds(60))) {
      warned = now;
      emit(Event::Kind::Error, peer,
           "two connections take turns as " + peer + " (" + std::to_string(times.size()) +
               " live sessions replaced within 60 s): is the key of " + peer +
               " in use on two machines? Their records will differ; stop one, and give it keys of its own");
    }
  }

  void on_hello(Channel& ch, const Hello& h, bool incoming) {
    if (h.node_id != ch.peer)
      return drop(ch, "identity", "peer authenticated as " + ch.peer + " says it is " + h.node_id);
    if (h.dataset != store_->dataset())
      return drop(ch, "dataset_mismatch",
                  ch.peer + " holds dataset " + h.dataset + ", this node " + store_->dataset() + ": not syncing");
    const AllowEntry* e = cfg_.allow.by_node(ch.peer);
    if (!e || e->revoked) return drop(ch, "unauthorized", ch.peer + " is not allowed");
    if (role_name(e->role) != h.role)
      return drop(ch, "role", ch.peer + " says its role is " + h.role + " but the allow-list says " +
                                  std::string(role_name(e->role)));
    if (incoming) {
      // A new session from this node: older incoming connections of it are dead.
      const TimePoint now = SteadyClock::now();
      for (auto it = in_.begin(); it != in_.end();) {
        if (&it->second == &ch || it->second.peer != ch.peer) {
          ++it;
          continue;
        }
        if (it->second.hello_received && now - it->second.last_heard < cfg_.lost_after) note_live_replaced(ch.peer, now);
        it = in_.erase(it);
      }
      ch.hello_sent = false;
    }
    ch.hello_received = true;
    compare_heads(ch, h);
    ch.their_vector = h.vector;
    ch.held_by_them.clear();  // what they say now is the base again
    ch.cursor = h.vector;
    ch.in_flight.clear();
    ch.their_window = h.window;
    ch.dirty = true;
    if (!ch.hello_sent && send(ch, make_hello())) ch.hello_sent = true;
    if (!ch.was_live) emit(Event::Kind::PeerConnected, ch.peer, "connected to " + ch.peer);
    ch.was_live = true;
    persist(ch, true);
  }

  // A received chunk waits for the end of the loop turn, where every waiting chunk is checked
  // and applied in one transaction; then each is acknowledged with the new vector.
  struct PendingChunk {
    bool incoming;
    std::string key;  // routing id (incoming) or node id (outgoing)
    std::uint64_t session;
    OpsMsg msg;
    Decisions decisions;  // made while reading ahead, or empty
  };

  void queue_ops(Channel& ch, OpsMsg&& m, bool incoming, Decisions&& decisions) {
    if (m.dataset != store_->dataset())
      return drop(ch, "dataset_mismatch", ch.peer + " sent ops of dataset " + m.dataset + ": refused");
    pending_ops_ += m.ops.size();
    // A chunk holds runs of one origin's ops: two lookups per run, not per op.
    for (std::size_t i = 0; i < m.ops.size();) {
      const std::string& origin = m.ops[i].origin;
      std::uint64_t& held = ch.held_by_them[origin];
      const auto said = ch.their_vector.find(origin);
      if (said != ch.their_vector.end()) held = std::max(held, said->second);
      for (; i < m.ops.size() && m.ops[i].origin == origin; ++i)
        if (m.ops[i].seq == held + 1) held = m.ops[i].seq;
    }
    pending_.push_back({incoming, incoming ? ch.routing_id : ch.peer, ch.session, std::move(m), std::move(decisions)});
  }

  // The role and chain checks of a chunk from `peer`, remembering who and which allow-list.
  Decisions decide(const std::string& peer, std::span<const Op> ops) const {
    return Decisions{peer, allow_generation_, check_incoming_chunk(cfg_.allow, peer, ops)};
  }

  Channel* find_channel(bool incoming, const std::string& key) {
    if (incoming) {
      auto it = in_.find(key);
      return it == in_.end() ? nullptr : &it->second;
    }
    for (auto& o : out_)
      if (o.cfg.node_id == key) return &o.ch;
    return nullptr;
  }

  struct Flushed {
    std::size_t applied = 0;  // ops
    bool on_worker = false;   // committed on the apply worker (this thread read ahead meanwhile)
  };
  Flushed flush_ops() {
    if (pending_.empty()) return {};
    std::vector<PendingChunk> chunks;
    chunks.swap(pending_);
    pending_ops_ = 0;
    struct Outcome {
      Channel* ch = nullptr;
      std::string peer;
      std::vector<Op> accepted;
      Ack ack;
      ApplyReport report;
    };
    std::vector<Outcome> out(chunks.size());
    for (size_t c = 0; c < chunks.size(); ++c) {
      Outcome& o = out[c];
      o.ch = find_channel(chunks[c].incoming, chunks[c].key);
      if (o.ch && o.ch->session != chunks[c].session) o.ch = nullptr;  // restarted since: no ACK
      o.peer = o.ch ? o.ch->peer : std::string();
      o.ack.chunk = chunks[c].msg.chunk;
      std::vector<Op>& ops = chunks[c].msg.ops;
      if (o.peer.empty()) continue;  // the connection went away: its peer re-sends
      // The sender holds what it sent: never echo it back (it would come straight back to
      // us from every peer we relay to). Only contiguous extensions, so nothing is skipped.
      for (const Op& op : ops) {
        auto& sent_upto = o.ch->cursor[op.origin];
        if (op.seq == sent_upto + 1) sent_upto = op.seq;
      }
      // Read ahead beside the last commit, the checks were made already: kept when they were
      // made for this peer under the allow-list in force now.
      Decisions& early = chunks[c].decisions;
      const bool keep = early.peer == o.peer && early.allow_generation == allow_generation_;
      const std::vector<AuthDecision> decisions = keep ? std::move(early.of_ops) : decide(o.peer, ops).of_ops;
      o.accepted.reserve(ops.size());
      for (size_t i = 0; i < ops.size(); ++i) {
        if (decisions[i].ok) {
          o.accepted.push_back(std::move(ops[i]));
          continue;
        }
        const AuthDecision& d = decisions[i];
        o.ack.refused.push_back({ops[i].origin, ops[i].seq, d.reason});
        o.ch->last_refusal = ops[i].origin + "#" + std::to_string(ops[i].seq) + ": " + d.reason;
        ++o.ch->refused;
        ++refused_;
        emit(Event::Kind::Refused, o.peer, "refused " + o.ch->last_refusal);
      }
    }
    std::size_t accepted = 0;
    for (const Outcome& o : out) accepted += o.accepted.size();
    auto apply = [&] {
      store_->batch([&] {
        for (Outcome& o : out)
          if (!o.accepted.empty()) o.report = store_->apply_remote(o.accepted);
      });
    };
    bool on_worker = false;
    try {
      if (accepted < kApplyOnWorkerOps) {
        apply();  // live traffic: a hand-over would cost more than it overlaps
      } else {
        // On the worker; this thread reads ahead meanwhile and leaves the store alone.
        worker_->start(apply, [this] { wake(); });
        on_worker = true;
        try {
          read_ahead();
        } catch (const std::exception& e) {  // the job uses `out`: wait for it in any case
          emit(Event::Kind::Error, "", std::string("while applying, receiving failed: ") + e.what());
        }
        worker_->wait();
      }
    } catch (const Error& e) {
      // Nothing was applied (the transaction rolled back); no ACK, the peers re-send.
      emit(Event::Kind::Error, "", std::string("could not apply received ops: ") + e.what());
      return {0, on_worker};
    }
    const VersionVector vector = store_->version_vector();
    std::size_t applied = 0;
    for (Outcome& o : out) {
      if (!o.ch) continue;
      o.ack.vector = vector;
      send(*o.ch, o.ack);
      const ApplyReport& r = o.report;
      applied += r.applied;
      ops_received_ += r.applied;
      if (r.applied > 0) emit(Event::Kind::OpsApplied, o.peer, std::to_string(r.applied) + " ops from " + o.peer);
      if (r.conflicts > 0)
        emit(Event::Kind::Conflicts, o.peer, std::to_string(r.conflicts) + " concurrent edits to review");
      if (r.quarantined > 0)
        emit(Event::Kind::Quarantined, o.peer,
             std::to_string(r.quarantined) + " ops held back: clock too far ahead (" +
                 (r.messages.empty() ? "" : r.messages.front()) + ")");
      if (r.refused + r.invalid > 0 && !r.messages.empty()) emit(Event::Kind::Refused, o.peer, r.messages.front());
    }
    if (applied > 0) mark_all_dirty();  // relay: other peers may lack these
    return {applied, on_worker};
  }

  void on_ack(Channel& ch, const Ack& a) {
    auto it = std::find_if(ch.in_flight.begin(), ch.in_flight.end(), [&](const auto& f) { return f.chunk == a.chunk; });
    if (it != ch.in_flight.end()) {
      // Delivery rate: everything that was ahead of this chunk, and the chunk, arrived within
      // its round trip.
      const double secs = std::max(0.001, std::chrono::duration<double>(SteadyClock::now() - it->sent_at).count());
      const double sample = static_cast<double>(it->bytes_ahead) / secs;
      ch.rate = ch.rate == 0 ? sample : 0.5 * ch.rate + 0.5 * sample;
      ch.byte_cap = static_cast<std::size_t>(std::clamp(ch.rate * 1.0, 32.0 * 1024, 16.0 * 1024 * 1024));
      ch.in_flight.erase(ch.in_flight.begin(), it + 1);  // acks are in order
    }
    ch.their_vector = vector_max(ch.their_vector, a.vector);
    ch.cursor = vector_max(ch.cursor, a.vector);
    for (const Refusal& r : a.refused) {
      ch.refused_by_them.insert({r.origin, r.seq});
      ch.last_refused_by_them = r.origin + "#" + std::to_string(r.seq) + ": " + r.reason;
      emit(Event::Kind::Refused, ch.peer, ch.peer + " refused " + r.origin + "#" + std::to_string(r.seq) + ": " + r.reason);
    }
    ch.dirty = true;
    persist(ch, false);
  }

  void on_error(Channel& ch, const ErrorMsg& e) {
    emit(Event::Kind::Error, ch.peer, ch.peer + " reports " + e.code + ": " + e.message);
    ch.reset_session();
    ch.last_hello_try = SteadyClock::now();  // do not hammer a peer that refused us
  }

  // [SECTION] Timers: HELLO retries, keepalive, anti-entropy, lost peers, link control

  void timers(bool judge_silence) {
    const TimePoint now = SteadyClock::now();
    for (auto it = partitions_.begin(); it != partitions_.end();) {
      if (now >= it->second) {
        emit(Event::Kind::Info, it->first, "link to " + it->first + " restored (link control)");
        for (auto& o : out_)
          if (o.cfg.node_id == it->first) o.ch.reset_session(), o.ch.last_hello_try = {};
        it = partitions_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& o : out_) {
      Channel& ch = o.ch;
      if (o.reconnect_at != TimePoint{} && now >= o.reconnect_at) {
        o.reconnect_at = {};
        try {
          o.sock->disconnect(o.cfg.endpoint);  // what is left of the refused connection, if anything
        } catch (const zmq::error_t&) {
        }
        try {
          o.sock->connect(o.cfg.endpoint);
        } catch (const zmq::error_t& e) {
          emit(Event::Kind::Error, o.cfg.node_id, "cannot connect to " + o.cfg.endpoint + " again: " + e.what());
        }
      }
      if (!ch.hello_received && !partitioned(ch.peer) && now - ch.last_hello_try >= std::chrono::seconds(1)) {
        ch.last_hello_try = now;
        if (send(ch, make_hello())) ch.hello_sent = true;
      }
      channel_timers(ch, now, judge_silence);
    }
    for (auto it = in_.begin(); it != in_.end();) {
      channel_timers(it->second, now, judge_silence);
      // A silent incoming connection is forgotten; the peer's DEALER reconnects and says HELLO.
      if (judge_silence && !it->second.hello_received && now - it->second.last_heard > cfg_.lost_after) {
        it = in_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void channel_timers(Channel& ch, TimePoint now, bool judge_silence) {
    if (!ch.hello_received) return;
    if (judge_silence && now - ch.last_heard > cfg_.lost_after) {
      persist(ch, true);  // what it last told us, and when we last heard it
      emit(Event::Kind::PeerLost, ch.peer,
           "lost " + ch.peer + ": nothing heard for " + std::to_string(cfg_.lost_after.count()) + " ms");
      ch.was_live = false;
      ch.reset_session();
      return;
    }
    if (now - ch.last_vector_sent >= cfg_.vector_every) {
      if (send(ch, VectorMsg{store_->version_vector()})) ch.last_vector_sent = now;
    } else if (now - ch.last_sent >= cfg_.ping_every) {
      send(ch, Ping{wall_now_ms()});
    }
  }

  // [SECTION] Sending what peers lack, a few chunks in flight at a time.

  // Sends what peers lack, at most `budget` ops this turn, starting with a different peer
  // each turn so that a budget never favours the same one.
  void pump(std::size_t budget) {
    std::vector<Channel*> all;
    for (auto& [rid, ch] : in_) all.push_back(&ch);
    for (auto& o : out_) all.push_back(&o.ch);
    more_to_send_ = false;
    if (all.empty()) return;
    const size_t start = pump_start_++ % all.size();
    for (size_t k = 0; k < all.size(); ++k) {
      Channel& ch = *all[(start + k) % all.size()];
      if (budget == 0) {
        more_to_send_ = more_to_send_ || (ch.dirty && ch.hello_received);
        continue;
      }
      budget -= std::min(budget, pump(ch, budget));
    }
    if (budget == 0) more_to_send_ = true;  // possibly more: look again without sleeping
  }

  // Returns the number of ops sent.
  std::size_t pump(Channel& ch, std::size_t budget) {
    std::size_t sent = 0;
    while (sent < budget && ch.hello_received && ch.dirty && ch.in_flight.size() < ch.their_window &&
           ch.in_flight_bytes() < ch.byte_cap && !partitioned(ch.peer)) {
      // At most a chunk's worth of ops and bytes, and within what the link may have in flight.
      const std::size_t max_bytes = std::min<std::size_t>(cfg_.chunk_bytes, ch.byte_cap);
      Chunk c = gather(ch, std::min(cfg_.chunk_ops, budget - sent), max_bytes);
      if (c.dealt_with.empty()) {
        ch.dirty = false;  // nothing left until something changes
        break;
      }
      if (c.json.empty()) {  // only ops this peer refused
        for (const auto& [origin, seq] : c.dealt_with) advance(ch.cursor, origin, seq);
        continue;
      }
      const std::size_t n = c.json.size();
      const Frames f = encode_ops_frames(ch.next_chunk, store_->dataset(), c.json);
      const bool ok = send_frames(ch, f, MsgType::Ops);
      c.json.clear();
      relay_cache_.trim();  // no pointer into it is held any more
      if (!ok) {
        ch.cursor = ch.their_vector;  // not sent: resend from what they hold
        break;
      }
      for (const auto& [origin, seq] : c.dealt_with) advance(ch.cursor, origin, seq);
      Channel::InFlight fl;
      fl.chunk = ch.next_chunk++;
      fl.ops = n;
      fl.bytes = f.body.size();
      fl.bytes_ahead = ch.in_flight_bytes() + fl.bytes;
      fl.sent_at = SteadyClock::now();
      ch.in_flight.push_back(fl);
      ops_sent_ += n;
      sent += n;
    }
    return sent;
  }

  // The next OPS message for a peer: by origin, then seq, from what its cursor says it
  // lacks. Each op's JSON comes from the relay cache when another peer was sent it already.
  struct Chunk {
    std::vector<const std::string*> json;                  // what to send, in order
    std::vector<std::pair<std::string, std::uint64_t>> dealt_with;  // per origin: sent up to
    std::deque<std::string> scratch;  // JSON of ops the cache does not keep
  };

  Chunk gather(const Channel& ch, std::size_t max_ops, std::size_t max_bytes) {
    Chunk c;
    const bool use_cache = relaying();
    std::size_t bytes = ops_frame_overhead(store_->dataset(), 0);
    bool full = false;
    for (const auto& [origin, max] : store_->max_seqs()) {
      if (full || c.json.size() >= max_ops) break;
      auto cur = ch.cursor.find(origin);
      std::uint64_t next = (cur == ch.cursor.end() ? 0 : cur->second) + 1;
      std::uint64_t last = 0;  // the highest seq of this origin dealt with
      // Adds one op's JSON; false when the chunk is full (the op is left for the next one).
      auto take = [&, &origin = origin](std::uint64_t seq, const std::string* json) {
        if (!c.json.empty() && bytes + json->size() + 1 > max_bytes) {
          full = true;
          return false;
        }
        last = seq;
        if (ch.refused_by_them.count({origin, seq})) return true;
        c.json.push_back(json);
        bytes += json->size() + 1;
        return true;
      };
      while (!full && c.json.size() < max_ops && next <= max) {
        if (use_cache) {
          if (const std::string* hit = relay_cache_.find(origin, next)) {
            if (!take(next, hit)) break;
            ++next;
            continue;
          }
        }
        std::vector<StoredOp> fetched = store_->stored_ops_from(origin, next - 1, max_ops - c.json.size());
        if (fetched.empty()) break;
        for (const StoredOp& so : fetched) {
          const Op& op = so.op;
          std::string json = encode_op_json(so);
          const std::string* kept = nullptr;
          if (use_cache && RelayCache::cacheable(op)) {
            kept = relay_cache_.put(op, std::move(json));
          } else {
            c.scratch.push_back(std::move(json));
            kept = &c.scratch.back();
          }
          if (!take(op.seq, kept)) break;
          next = op.seq + 1;
        }
      }
      if (last > 0) c.dealt_with.emplace_back(origin, last);
    }
    return c;
  }

  // With more than one peer, ops received from one are sent on to the others: keep them encoded.
  bool relaying() const { return cfg_.relay_cache_bytes > 0 && in_.size() + out_.size() > 1; }

  static void advance(VersionVector& cursor, const std::string& origin, std::uint64_t seq) {
    auto& c = cursor[origin];
    c = std::max(c, seq);
  }

  // [SECTION] Status, events, persistence

  void persist(Channel& ch, bool force) {
    const TimePoint now = SteadyClock::now();
    if (!force && now - ch.last_persist < std::chrono::seconds(1)) return;
    ch.last_persist = now;
    PeerRecord p;
    p.node_id = ch.peer;
    p.vector = ch.their_vector;
    // When we last heard from it, not when this record was written: a status "last heard"
    // read from here once the session is gone must not go back to an old ACK or HELLO.
    p.last_heard = ch.last_heard == TimePoint{}
                       ? wall_now_ms()
                       : wall_now_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(now - ch.last_heard).count();
    for (const auto& o : out_)
      if (o.cfg.node_id == ch.peer) p.endpoint = o.cfg.endpoint;
    known_[p.node_id] = p;
    try {
      store_->save_peer(p);
    } catch (const Error& e) {
      emit(Event::Kind::Error, ch.peer, std::string("could not record peer state: ") + e.what());
    }
  }

  void persist_peers(bool) {
    for (auto& [rid, ch] : in_)
      if (ch.hello_received) persist(ch, true);
    for (auto& o : out_)
      if (o.ch.hello_received) persist(o.ch, true);
  }

  void emit(Event::Kind kind, const std::string& peer, std::string message) {
    Event e{kind, peer, std::move(message), 0, wall_now_ms()};
    std::function<void()> cb;
    {
      std::lock_guard lock(mu_);
      e.data_version = status_.data_version;
      if (events_.size() < 10000) events_.push_back(std::move(e));
      cb = wake_cb_;
    }
    if (cb) cb();
  }

  void publish_status(bool force) {
    const TimePoint now = SteadyClock::now();
    if (!force && now - last_status_ < std::chrono::milliseconds(100)) return;
    last_status_ = now;
    AgentStatus s;
    s.node_id = store_->node_id();
    s.dataset = store_->dataset();
    s.listen_endpoint = listen_endpoint_;
    s.vector = store_->version_vector();
    s.data_version = store_->data_version();
    s.ops_received = ops_received_;
    s.ops_sent = ops_sent_;
    s.refused = refused_;
    s.malformed = malformed_;
    s.read_ahead = read_ahead_count_;
    std::map<std::string, PeerStatus> by_node;
    for (const auto& o : out_) {
      PeerStatus& p = by_node[o.cfg.node_id];
      p.node_id = o.cfg.node_id;
      p.endpoint = o.cfg.endpoint;
    }
    std::set<std::string> in_session;  // peers a channel has a HELLO (and so a vector) from
    auto fold = [&](const Channel& ch) {
      if (ch.peer.empty()) return;
      PeerStatus& p = by_node[ch.peer];
      p.node_id = ch.peer;
      PeerState st = PeerState::Connecting;
      const VersionVector holds = vector_max(ch.their_vector, ch.held_by_them);
      if (ch.hello_received) {
        const bool in_sync = ops_ahead(s.vector, holds) == 0 && ops_ahead(holds, s.vector) == 0;
        st = in_sync && ch.in_flight.empty() ? PeerState::Live : PeerState::Syncing;
      } else if (ch.last_heard != TimePoint{}) {
        st = PeerState::Lost;
      }
      auto rank = [](PeerState x) {
        switch (x) {
          case PeerState::Live: return 3;
          case PeerState::Syncing: return 2;
          case PeerState::Connecting: return 1;
          case PeerState::Lost: return 0;
        }
        return 0;
      };
      if (rank(st) > rank(p.state) || p.last_heard == std::nullopt) p.state = st;
      if (ch.last_heard != TimePoint{}) {
        const TimeMs heard = wall_now_ms() -
            std::chrono::duration_cast<std::chrono::milliseconds>(now - ch.last_heard).count();
        if (!p.last_heard || heard > *p.last_heard) p.last_heard = heard;
      }
      if (ch.hello_received) {
        p.their_vector = vector_max(p.their_vector, holds);
        p.in_flight += ch.in_flight_ops();
        in_session.insert(ch.peer);
      } else if (!ch.their_vector.empty()) {
        // No session now: what it last told us, kept across a reset, joins what we knew of
        // it from before (the loop below reads both from known_).
        PeerRecord& rec = known_[ch.peer];
        rec.node_id = ch.peer;
        rec.vector = vector_max(rec.vector, ch.their_vector);
      }
      p.refused += ch.refused;
      if (!ch.last_refusal.empty()) p.last_refusal = ch.last_refusal;
      p.refused_by_them = std::max<std::uint64_t>(p.refused_by_them, ch.refused_by_them.size());
      if (!ch.last_refused_by_them.empty()) p.last_refused_by_them = ch.last_refused_by_them;
    };
    for (const auto& o : out_) fold(o.ch);
    for (const auto& [rid, ch] : in_) fold(ch);
    // Peers heard before (this run or an earlier one) with no session now: lost, with the
    // age of what we last heard, so the UI can say since when. What one last told us it
    // holds still stands (an empty vector would count every op as missing).
    for (const auto& [node, rec] : known_) {
      auto it = by_node.find(node);
      if (it != by_node.end()) {
        if (!in_session.count(node)) it->second.their_vector = vector_max(it->second.their_vector, rec.vector);
        continue;
      }
      PeerStatus& p = by_node[node];
      p.node_id = node;
      p.state = PeerState::Lost;
      p.last_heard = rec.last_heard;
      p.their_vector = rec.vector;
    }
    for (auto& [node, p] : by_node) {
      p.they_lack = ops_ahead(s.vector, p.their_vector);
      p.we_lack = ops_ahead(p.their_vector, s.vector);
      p.partitioned = partitioned(node);
      if (p.last_heard && !p.partitioned && p.state == PeerState::Connecting) p.state = PeerState::Lost;
      s.peers.push_back(std::move(p));
    }
    std::lock_guard lock(mu_);
    status_ = std::move(s);
  }

  void watch_allowlist() {
    if (cfg_.allowlist_path.empty()) return;
    const TimePoint now = SteadyClock::now();
    if (now - last_allow_check_ < std::chrono::seconds(1)) return;
    last_allow_check_ = now;
    const auto t = mtime(cfg_.allowlist_path);
    if (t != allow_mtime_) {
      allow_mtime_ = t;
      do_reload_allowlist();
    }
  }

 public:
  // Shared with client threads (under mu_).
  mutable std::mutex mu_;
  std::deque<std::function<void(Store&)>> tasks_;
  std::vector<std::function<void()>> controls_;
  std::vector<Event> events_;
  AgentStatus status_;
  std::function<void()> wake_cb_;

 private:
  std::unique_ptr<Store> store_;
  AgentConfig cfg_;
  int wake_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::string listen_endpoint_;

  // Agent thread only.
  zmq::context_t ctx_;
  std::unique_ptr<zmq::socket_t> zap_, router_, router_monitor_;
  TimePoint last_handshake_log_{};
  std::vector<Outgoing> out_;
  std::map<std::string, Channel> in_;  // by ROUTER routing id
  std::map<std::string, TimePoint> partitions_;
  std::map<std::string, std::deque<TimePoint>> live_replaced_;  // note_live_replaced()
  std::map<std::string, TimePoint> duplicate_warned_;
  std::map<std::string, PeerRecord> known_;
  std::vector<PendingChunk> pending_;  // received this turn, applied by flush_ops()
  std::uint64_t allow_generation_ = 0;  // counts reloads of cfg_.allow
  std::deque<Received> read_ahead_;    // received while the worker applied, not yet handled
  std::unique_ptr<ApplyWorker> worker_ =
      std::make_unique<ApplyWorker>(("apply:" + cfg_.keys.node_id).substr(0, 15));
  std::size_t pending_ops_ = 0;
  std::size_t pump_start_ = 0;
  RelayCache relay_cache_{cfg_.relay_cache_bytes};
  bool woken_ = false;  // read_ahead() took a wake meant for the loop
  bool more_to_send_ = false;  // the relay budget left work for the next turn: do not sleep
  std::set<std::string> histories_reported_;  // "peer/origin" told of two histories (compare_heads)
  std::uint64_t ops_received_ = 0, ops_sent_ = 0, refused_ = 0, malformed_ = 0, read_ahead_count_ = 0;
  int next_monitor_ = 0;
  const bool trace_ = std::getenv("HONBU_SYNC_TRACE") != nullptr;
  TimePoint last_status_{}, last_allow_check_{};
  std::filesystem::file_time_type allow_mtime_{};
};

std::unique_ptr<Agent> Agent::start(std::unique_ptr<Store> store, AgentConfig config) {
  if (sodium_init() < 0) throw Error("libsodium could not be initialised");
  auto impl = std::make_unique<Impl>(std::move(store), std::move(config));
  impl->start_thread();
  return std::unique_ptr<Agent>(new Agent(std::move(impl)));
}

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Agent::~Agent() { stop(); }
void Agent::stop() { impl_->stop(); }
void Agent::post(std::function<void(Store&)> task) { impl_->post(std::move(task)); }
AgentStatus Agent::status() const { return impl_->status(); }
std::vector<Event> Agent::take_events() { return impl_->take_events(); }
void Agent::set_wake(std::function<void()> wake) { impl_->set_wake(std::move(wake)); }
std::string Agent::listen_endpoint() const { return impl_->listen_endpoint(); }

void Agent::partition(const std::string& node_id, std::optional<std::chrono::milliseconds> duration) {
  Impl* impl = impl_.get();
  impl->control([impl, node_id, duration] { impl->do_partition(node_id, duration); });
}
void Agent::heal(const std::string& node_id) {
  Impl* impl = impl_.get();
  impl->control([impl, node_id] { impl->do_heal(node_id); });
}
void Agent::add_peer(PeerConfig peer) {
  Impl* impl = impl_.get();
  impl->control([impl, peer] { impl->do_add_peer(peer); });
}
void Agent::reload_allowlist() {
  Impl* impl = impl_.get();
  impl->control([impl] { impl->do_reload_allowlist(); });
}

}  // namespace honbu::sync
