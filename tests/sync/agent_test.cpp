// Sync agents in one process on 127.0.0.1: convergence in every topology, live push,
// partitions (link control), restarts, and the status the console shows.
#include "sync/agent.hpp"

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <cstdio>
#include <thread>

#include "support/cluster.hpp"

using namespace honbu;
using namespace std::chrono_literals;
using honbu::testing::Cluster;
using sync::Role;

namespace {

Cluster::Spec hq(std::vector<std::string> peers = {}) { return {"hq", Role::Hq, "", {}, true, std::move(peers)}; }
Cluster::Spec branch(const std::string& id, std::vector<std::string> peers, bool listen = false) {
  return {id, Role::Branch, id, {id + "-area"}, listen, std::move(peers)};
}

// A copy: status() returns a fresh snapshot each time, so no pointer into it may outlive it.
std::optional<sync::PeerStatus> peer(const sync::AgentStatus& s, const std::string& id) {
  for (const auto& p : s.peers)
    if (p.node_id == id) return p;
  return std::nullopt;
}

// Both ends hold a session (empty stores look converged before they ever connect).
bool wait_live(Cluster& c, const std::string& a, const std::string& b, std::chrono::milliseconds timeout = 5s) {
  return Cluster::wait_for([&] {
    const auto p = peer(c.agent(a).status(), b);
    const auto q = peer(c.agent(b).status(), a);
    return p && q && p->state == sync::PeerState::Live && q->state == sync::PeerState::Live;
  }, timeout);
}

bool has_event(sync::Agent& a, sync::Event::Kind kind, const std::string& text, std::vector<sync::Event>& seen) {
  for (auto& e : a.take_events()) seen.push_back(std::move(e));
  for (const auto& e : seen)
    if (e.kind == kind && e.message.find(text) != std::string::npos) return true;
  return false;
}

// n クロノロ entries written on `node` in one transaction.
void write_chronology(Cluster& c, const std::string& node, int n) {
  c.on(node, [&](Store& s) {
    s.batch([&] {
      for (int i = 0; i < n; ++i)
        s.put(EntityKind::Chronology, s.new_id(),
              {{"number", std::int64_t{i + 1}}, {"node_label", node}, {"at", format_iso_jst(s.now())},
               {"content", "記録 " + std::to_string(i)}, {"state", "pending"}},
              "t");
    });
    return 0;
  });
}

}  // namespace

TEST(SyncAgent, BranchAndHqExchangeBothWays) {
  Cluster c;
  c.add(hq());
  c.add(branch("kita", {"hq"}));
  c.start_all();
  c.write_incident("kita", "北山 がけ崩れ", "kita-area");
  c.write_incident("hq", "本町 火災");
  ASSERT_TRUE(c.wait_converged({"hq", "kita"}, 5s));
  EXPECT_EQ(c.vector("hq").at("kita"), 1u);
  EXPECT_EQ(c.vector("kita").at("hq"), 1u);
  ASSERT_TRUE(wait_live(c, "hq", "kita", 3s));
  // Status snapshots are published at most every 100 ms: HQ's shows kita caught up soon after.
  std::optional<sync::PeerStatus> k;
  EXPECT_TRUE(Cluster::wait_for([&] {
    k = peer(c.agent("hq").status(), "kita");
    return k && k->they_lack == 0 && k->we_lack == 0;
  }, 3s));
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->last_heard.has_value());
  EXPECT_EQ(k->they_lack, 0u);
  EXPECT_EQ(k->we_lack, 0u);
}

TEST(SyncAgent, LivePushArrivesQuickly) {
  Cluster c;
  c.add(hq());
  c.add(branch("kita", {"hq"}));
  c.start_all();
  ASSERT_TRUE(Cluster::wait_for([&] {
    const auto p = peer(c.agent("hq").status(), "kita");
    return p && p->state == sync::PeerState::Live;
  }, 5s));
  const auto t0 = std::chrono::steady_clock::now();
  const std::string id = c.write_incident("kita", "倒壊");
  ASSERT_TRUE(Cluster::wait_for([&] {
    return c.on("hq", [&](Store& s) { return s.load(EntityKind::Incident, id).has_value(); });
  }, 2s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms) << "live push should not wait for anti-entropy";
}

TEST(SyncAgent, StarOfThreeBranches) {
  Cluster c;
  c.add(hq());
  for (const char* b : {"kita", "minami", "higashi"}) c.add(branch(b, {"hq"}));
  c.start_all();
  for (const char* b : {"kita", "minami", "higashi"})
    for (int i = 0; i < 20; ++i) c.write_incident(b, std::string(b) + " " + std::to_string(i));
  EXPECT_TRUE(c.wait_converged({"hq", "kita", "minami", "higashi"}, 10s));
}

TEST(SyncAgent, RelayChainCarriesSignedOps) {
  Cluster c;
  c.add(hq());
  c.add({"relay", Role::Relay, "", {}, true, {"hq"}});
  c.add(branch("kita", {"relay"}));  // kita reaches HQ only through the relay
  c.start_all();
  const std::string id = c.write_incident("kita", "孤立集落 救助要請", "kita-area");
  c.write_incident("hq", "本部から");
  ASSERT_TRUE(c.wait_converged({"hq", "relay", "kita"}, 8s));
  EXPECT_TRUE(c.on("hq", [&](Store& s) { return s.load(EntityKind::Incident, id).has_value(); }));
  EXPECT_EQ(c.agent("hq").status().refused, 0u);
}

TEST(SyncAgent, MeshKeepsBranchesTalkingWhenHqIsDown) {
  Cluster c;
  c.add(hq());
  c.add(branch("kita", {"hq"}, true));
  c.add(branch("minami", {"hq", "kita"}));
  c.start_all();
  ASSERT_TRUE(c.wait_converged({"hq", "kita", "minami"}, 5s));
  c.stop("hq");
  const std::string id = c.write_incident("minami", "南浜 浸水", "minami-area");
  ASSERT_TRUE(Cluster::wait_for([&] {
    return c.on("kita", [&](Store& s) { return s.load(EntityKind::Incident, id).has_value(); });
  }, 5s));
  c.write_incident("kita", "北山 停電", "kita-area");
  c.start("hq");  // HQ comes back on the same port and catches up from either branch
  EXPECT_TRUE(c.wait_converged({"hq", "kita", "minami"}, 10s));
}

TEST(SyncAgent, BackupHqFollowsHq) {
  Cluster c;
  c.add(hq());
  c.add({"hq2", Role::Hq, "", {}, false, {"hq"}});
  c.add(branch("kita", {"hq"}));
  c.start_all();
  for (int i = 0; i < 30; ++i) c.write_incident(i % 2 ? "hq" : "kita", "事案 " + std::to_string(i));
  EXPECT_TRUE(c.wait_converged({"hq", "hq2", "kita"}, 8s));
}

TEST(SyncAgent, PartitionIsDetectedBothSidesKeepWritingAndHealConverges) {
  Cluster c;
  c.add(hq());
  c.add(branch("kita", {"hq"}));
  c.start_all();
  ASSERT_TRUE(wait_live(c, "hq", "kita"));
  const auto cut = std::chrono::steady_clock::now();
  c.agent("kita").partition("hq", std::nullopt);
  std::vector<sync::Event> seen_kita, seen_hq;
  // Lost after 4 s of silence; the last ping may have come up to 1 s before the cut.
  EXPECT_TRUE(Cluster::wait_for([&] { return has_event(c.agent("hq"), sync::Event::Kind::PeerLost, "kita", seen_hq); }, 5s));
  const auto detected_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - cut).count();
  std::printf("[ partition ] HQ saw kita lost %lld ms after the cut\n", static_cast<long long>(detected_ms));
  EXPECT_LE(detected_ms, 4500);
  EXPECT_TRUE(Cluster::wait_for([&] {
    const auto p = peer(c.agent("kita").status(), "hq");
    return p && p->partitioned && p->state == sync::PeerState::Lost;
  }, 2s));
  // Both sides stay writable while cut off.
  for (int i = 0; i < 10; ++i) {
    c.write_incident("kita", "孤立中 " + std::to_string(i), "kita-area");
    c.write_incident("hq", "本部 " + std::to_string(i));
  }
  EXPECT_FALSE(c.converged({"hq", "kita"}));
  const auto t0 = std::chrono::steady_clock::now();
  c.agent("kita").heal("hq");
  ASSERT_TRUE(c.wait_converged({"hq", "kita"}, 8s));
  std::printf("[ partition ] converged %lld ms after heal\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - t0).count()));
  EXPECT_EQ(c.vector("hq").at("kita"), 10u);
}

TEST(SyncAgent, TimedPartitionEndsByItself) {
  Cluster c;
  c.add(hq());
  c.add(branch("kita", {"hq"}));
  c.start_all();
  c.agent("hq").partition("kita", 700ms);
  c.write_incident("kita", "切断中", "kita-area");
  EXPECT_TRUE(c.wait_converged({"hq", "kita"}, 6s));
}

TEST(SyncAgent, RestartedNodeResumesFromItsLog) {
  Cluster c;
  c.add(hq());
  c.add(branch("kita", {"hq"}));
  c.start_all();
  for (int i = 0; i < 50; ++i) c.write_incident("kita", "前 " + std::to_string(i), "kita-area");
  ASSERT_TRUE(c.wait_converged({"hq", "kita"}, 5s));
  c.stop("kita");
  c.write_incident("hq", "停止中の本部記録");
  c.start("kita");
  for (int i = 0; i < 5; ++i) c.write_incident("kita", "後 " + std::to_string(i), "kita-area");
  EXPECT_TRUE(c.wait_converged({"hq", "kita"}, 8s));
  EXPECT_EQ(c.vector("hq").at("kita"), 55u);
}

TEST(SyncAgent, BigBacklogStreamsInChunksUnderCredit) {
  Cluster c;
  c.add(hq());
  c.add(branch("kita", {"hq"}));
  c.start("hq");
  c.start("kita");
  c.agent("kita").partition("hq", std::nullopt);
  write_chronology(c, "kita", 3000);
  c.agent("kita").heal("hq");
  ASSERT_TRUE(c.wait_converged({"hq", "kita"}, 15s));
  EXPECT_EQ(c.vector("hq").at("kita"), 3000u);
  EXPECT_GE(c.agent("kita").status().ops_sent, 3000u);
}

TEST(SyncAgent, DatasetsNeverMix) {
  Cluster c;
  c.add(hq());
  Cluster::Spec drill = branch("kita", {"hq"});
  drill.dataset = "EXERCISE:quake";
  c.add(drill);
  c.start_all();
  c.write_incident("kita", "訓練 倒壊", "kita-area");
  std::vector<sync::Event> seen;
  EXPECT_TRUE(Cluster::wait_for([&] { return has_event(c.agent("hq"), sync::Event::Kind::Error, "dataset", seen); }, 4s));
  EXPECT_FALSE(c.vector("hq").count("kita"));
  EXPECT_EQ(c.on("hq", [](Store& s) { return s.data_version(); }), 0);
}

// A damaged op log fails every turn in which a peer wants ops: the node says so once, with
// what to do, and goes on living (it logged the same error 19 times a second before).
TEST(SyncAgent, ADamagedDatabaseIsSaidOnceWithWhatToDoNotEveryTurn) {
  Cluster c;
  c.add(hq());
  c.add(branch("kita", {"hq"}));
  c.start("hq");
  write_chronology(c, "hq", 3000);
  c.stop("hq");  // the last connection closes: everything is in the main file
  {
    // Garbage over the cells of one op-log leaf page in the middle.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(c.db_path("hq").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT pageno, (SELECT page_size FROM pragma_page_size()) FROM dbstat "
                                     "WHERE name = 'ops' AND pagetype = 'leaf' ORDER BY pageno", -1, &q, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    std::vector<std::pair<long, long>> leaves;
    while (sqlite3_step(q) == SQLITE_ROW) leaves.emplace_back(sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1));
    sqlite3_finalize(q);
    sqlite3_close(db);
    ASSERT_GT(leaves.size(), 10u);
    const auto [page, size] = leaves[leaves.size() / 2];
    FILE* f = std::fopen(c.db_path("hq").c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fseek(f, (page - 1) * size + 8, SEEK_SET);
    const std::vector<char> junk(static_cast<size_t>(size - 8), '\xA5');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  c.start("hq");
  c.start("kita");  // asks HQ for everything: HQ reads the damaged page
  std::vector<sync::Event> seen;
  ASSERT_TRUE(Cluster::wait_for([&] { return has_event(c.agent("hq"), sync::Event::Kind::Error, "damaged", seen); }, 10s));
  std::this_thread::sleep_for(3s);
  for (auto& e : c.agent("hq").take_events()) seen.push_back(std::move(e));
  int said = 0;
  for (const auto& e : seen)
    if (e.kind == sync::Event::Kind::Error && e.message.find("sync") != std::string::npos) ++said;
  EXPECT_EQ(said, 1);
  for (const auto& e : seen)
    if (e.message.find("damaged") != std::string::npos) {
      EXPECT_NE(e.message.find("honbu-db verify"), std::string::npos);
    }
  EXPECT_GT(c.on("hq", [](Store& s) { return s.data_version(); }), 0);  // the node still answers
}

// Cut off, a peer's lag is what it last said it holds against what we hold now: one op
// written since, not every op (the 同期 panel's 未送信 and the decision to carry a bundle).
TEST(SyncAgent, ALostPeersLagCountsOnlyWhatItLacks) {
  Cluster c;
  c.add(hq());
  c.add(branch("kita", {"hq"}));
  c.start_all();
  for (int i = 0; i < 3; ++i) c.write_incident("hq", "本部 " + std::to_string(i));
  for (int i = 0; i < 5; ++i) c.write_incident("kita", "北山 " + std::to_string(i), "kita-area");
  ASSERT_TRUE(c.wait_converged({"hq", "kita"}, 8s));
  ASSERT_TRUE(wait_live(c, "hq", "kita"));
  c.agent("kita").partition("hq", std::nullopt);
  ASSERT_TRUE(Cluster::wait_for([&] {
    const auto p = peer(c.agent("kita").status(), "hq");
    return p && p->state != sync::PeerState::Live;
  }, 6s));
  c.write_incident("kita", "孤立中", "kita-area");
  std::optional<sync::PeerStatus> p;
  EXPECT_TRUE(Cluster::wait_for([&] {
    p = peer(c.agent("kita").status(), "hq");
    return p && p->they_lack == 1 && p->we_lack == 0;
  }, 3s)) << "they_lack " << (p ? p->they_lack : 0) << ", we_lack " << (p ? p->we_lack : 0);
}

// A port already taken, or an endpoint that is not one: the error names the endpoint and
// what to do (it said only "Address already in use" / "Invalid argument").
TEST(SyncAgent, ListeningOnATakenPortOrABadEndpointNamesIt) {
  Cluster c;
  c.add(hq());
  c.add(branch("kita", {}));
  c.start("hq");
  auto start_kita_on = [&](const std::string& endpoint) -> std::string {
    StoreOptions so;
    so.path = c.db_path("kita");
    so.node_id = "kita";
    so.dataset = "ACTUAL";
    sync::AgentConfig ac;
    ac.keys = c.keys("kita");
    ac.allow = c.allow();
    ac.role = Role::Branch;
    ac.listen = endpoint;
    try {
      sync::Agent::start(Store::open(so), std::move(ac));
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  };
  const std::string taken = c.endpoint("hq");
  std::string why = start_kita_on(taken);
  EXPECT_NE(why.find("cannot listen on " + taken), std::string::npos) << why;
  EXPECT_NE(why.find("another node or program has that port"), std::string::npos) << why;
  why = start_kita_on("bogus");
  EXPECT_NE(why.find("cannot listen on bogus"), std::string::npos) << why;
  EXPECT_NE(why.find("tcp://*:5701"), std::string::npos) << why;
}

// An op HQ relays to kita is an op HQ holds: kita's lag towards HQ does not count it (it
// did until HQ's next vector message, seconds later, and honbu-demo printed "lag 1" under
// "all three nodes agree").
TEST(SyncAgent, OpsAPeerSentUsAreNotCountedAsOpsItLacks) {
  Cluster c;
  c.add(hq());
  c.add(branch("kita", {"hq"}));
  c.add(branch("minami", {"hq"}));
  c.start_all();
  ASSERT_TRUE(c.wait_converged({"hq", "kita", "minami"}, 8s));
  ASSERT_TRUE(wait_live(c, "hq", "kita"));
  ASSERT_TRUE(wait_live(c, "hq", "minami"));
  for (int round = 0; round < 5; ++round) {
    c.write_incident("minami", "南浜 " + std::to_string(round), "minami-area");
    const std::uint64_t seq = c.vector("minami").at("minami");
    // The first status of kita's that holds the op: its view of HQ in the same snapshot.
    std::optional<sync::AgentStatus> s;
    ASSERT_TRUE(Cluster::wait_for([&] {
      s = c.agent("kita").status();
      return s->vector.count("minami") && s->vector.at("minami") >= seq;
    }, 5s));
    const auto p = peer(*s, "hq");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->they_lack, 0u) << "round " << round;
  }
}

// "Last heard" of a peer that was cut is the moment of the cut (within a keepalive), not the
// last ACK or HELLO before it: it went back ~50 s in `honbu-node status` after `partition`.
TEST(SyncAgent, LastHeardOfACutPeerDoesNotGoBack) {
  Cluster c;
  c.add(hq());
  c.add(branch("kita", {"hq"}));
  c.start_all();
  ASSERT_TRUE(wait_live(c, "hq", "kita", 5s));
  std::this_thread::sleep_for(3s);  // idle: only keepalives, no ACKs
  const TimeMs cut_at = wall_now_ms();
  c.agent("hq").partition("kita", std::nullopt);
  c.agent("kita").partition("hq", std::nullopt);
  std::optional<sync::PeerStatus> k;
  ASSERT_TRUE(Cluster::wait_for([&] {
    k = peer(c.agent("hq").status(), "kita");
    return k && k->state == sync::PeerState::Lost;
  }, 6s)) << (k ? static_cast<int>(k->state) : -1);
  ASSERT_TRUE(k->last_heard);
  // One keepalive period (1 s) plus scheduling slack before the cut.
  EXPECT_GE(*k->last_heard, cut_at - 1'500) << "last heard " << (cut_at - *k->last_heard) << " ms before the cut";
  EXPECT_LE(*k->last_heard, wall_now_ms());
}

// libzmq reads port "99999" as 34463 and "27abc" as 27: a typo would listen or connect where
// nobody looks, and look healthy. Such endpoints are refused, naming the port.
TEST(SyncAgent, EndpointsWithAPortOutOfRangeAreRefused) {
  EXPECT_EQ(sync::endpoint_problem("tcp://127.0.0.1:5701", false), std::nullopt);
  EXPECT_EQ(sync::endpoint_problem("tcp://*:5701", true), std::nullopt);
  EXPECT_EQ(sync::endpoint_problem("tcp://127.0.0.1:*", true), std::nullopt);
  EXPECT_EQ(sync::endpoint_problem("ipc:///tmp/x.sock", false), std::nullopt);
  EXPECT_EQ(sync::endpoint_problem("tcp://127.0.0.1:99999", true).value_or(""),
            "the port \"99999\" is not a number from 1 to 65535");
  EXPECT_EQ(sync::endpoint_problem("tcp://127.0.0.1:27abc", false).value_or(""),
            "the port \"27abc\" is not a number from 1 to 65535");
  EXPECT_EQ(sync::endpoint_problem("tcp://127.0.0.1:0", false).value_or(""), "the port \"0\" is not a number from 1 to 65535");
  EXPECT_NE(sync::endpoint_problem("tcp://127.0.0.1:*", false), std::nullopt) << "a peer needs its real port";
  EXPECT_NE(sync::endpoint_problem("tcp://127.0.0.1", true), std::nullopt);
  EXPECT_NE(sync::endpoint_problem("udp://127.0.0.1:5701", true), std::nullopt);
  try {
    sync::parse_peer("hq@tcp://127.0.0.1:91237");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "peer \"hq@tcp://127.0.0.1:91237\": the port \"91237\" is not a number from 1 to 65535");
  }
}
