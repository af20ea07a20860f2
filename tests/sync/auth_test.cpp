// Role rules (may_write) and where an op may come from (check_incoming): every rule of
// docs/security.md both allowed and refused; signatures for relayed and bundled ops.
#include "sync/auth.hpp"

#include <gtest/gtest.h>

#include <map>

#include "support/store.hpp"
#include "support/temp_dir.hpp"

using namespace honbu;
using namespace honbu::sync;

namespace {

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

Op make_op(const std::string& origin, EntityKind kind, const std::string& id, Fields fields = {},
           OpType type = OpType::Upsert) {
  Op op;
  op.origin = origin;
  op.seq = 7;
  op.hlc = Hlc::make(1'795'000'000'000ULL, 1);
  op.dataset = "ACTUAL";
  op.kind = kind;
  op.entity_id = id;
  op.type = type;
  op.fields = std::move(fields);
  op.operator_name = "佐藤";
  return op;
}

class Auth : public ::testing::Test {
 protected:
  void SetUp() override {
    add("hq", Role::Hq, "hq", {});
    add("kita", Role::Branch, "kita", {"kitayama", "uenodai"});
    add("minami", Role::Branch, "minami", {"minamihama"});
    add("relay-1", Role::Relay, "", {});
  }
  void add(const std::string& id, Role role, const std::string& branch, std::vector<std::string> areas) {
    keys[id] = generate_keys(id);
    AllowEntry e;
    e.node_id = id;
    e.role = role;
    e.branch_id = branch;
    e.areas = std::move(areas);
    e.keys = keys[id].public_keys();
    allow.upsert(e);
  }
  const AllowEntry& entry(const std::string& id) const { return *allow.by_node(id); }
  Op signed_op(Op op) const {
    op.signature = keys.at(op.origin).sign(signing_bytes(op));
    return op;
  }
  // may_write for the op's origin, with the reason in the failure message.
  AuthDecision kita_writes(EntityKind kind, const std::string& id, Fields fields = {},
                           OpType type = OpType::Upsert) const {
    return may_write(entry("kita"), make_op("kita", kind, id, std::move(fields), type));
  }

  AllowList allow;
  std::map<std::string, NodeKeys> keys;
};

#define EXPECT_ALLOWED(d)                          \
  do {                                             \
    const AuthDecision d_ = (d);                   \
    EXPECT_TRUE(d_.ok) << "refused: " << d_.reason; \
  } while (0)
#define EXPECT_REFUSED(d, words)                                                     \
  do {                                                                               \
    const AuthDecision d_ = (d);                                                     \
    EXPECT_FALSE(d_.ok);                                                             \
    EXPECT_TRUE(contains(d_.reason, words)) << "reason: \"" << d_.reason << "\"";    \
  } while (0)

}  // namespace

// [SECTION] may_write: role rules

TEST_F(Auth, HqWritesEverythingIncludingDeletes) {
  for (EntityKind k : all_kinds()) {
    EXPECT_ALLOWED(may_write(entry("hq"), make_op("hq", k, "x/1", {{"area_id", "minamihama"}})));
    EXPECT_ALLOWED(may_write(entry("hq"), make_op("hq", k, "x/1", {}, OpType::Delete)));
  }
}

TEST_F(Auth, RelayOriginatesNothing) {
  for (EntityKind k : all_kinds())
    EXPECT_REFUSED(may_write(entry("relay-1"), make_op("relay-1", k, "x")), "relay");
}

TEST_F(Auth, BranchNeverWritesHqKinds) {
  EXPECT_REFUSED(kita_writes(EntityKind::Area, "kitayama", {{"name", "北山"}}), "only HQ writes area");
  EXPECT_REFUSED(kita_writes(EntityKind::Branch, "kita", {{"name", "北支所"}}), "only HQ writes branch");
  EXPECT_REFUSED(kita_writes(EntityKind::HqState, std::string(kHqStateId), {{"state", "taisaku"}}),
                 "only HQ writes hq_state");
  EXPECT_REFUSED(kita_writes(EntityKind::EvacuationOrder, "e1", {{"area_id", "kitayama"}}),
                 "only HQ writes evacuation_order");
}

TEST_F(Auth, BranchRecordsItsExportsButNeverIssuesReportsOrAlerts) {
  EXPECT_ALLOWED(kita_writes(EntityKind::Publication, "csv-1", {{"format", "csv"}}));
  EXPECT_ALLOWED(kita_writes(EntityKind::Publication, "geojson-1", {{"format", "geojson"}}));
  EXPECT_REFUSED(kita_writes(EntityKind::Publication, "form4-3", {{"format", "form4_2"}, {"report_no", std::int64_t{3}}}),
                 "only HQ issues");
  EXPECT_REFUSED(kita_writes(EntityKind::Publication, "cap-1", {{"format", "cap"}}), "only HQ issues");
  EXPECT_REFUSED(kita_writes(EntityKind::Publication, "x", {}), "only HQ issues");
}

TEST_F(Auth, BranchNeverDeletes) {
  EXPECT_REFUSED(kita_writes(EntityKind::Incident, "i1", {}, OpType::Delete), "may not delete");
  EXPECT_REFUSED(kita_writes(EntityKind::Request, "r1", {}, OpType::Delete), "may not delete");
}

TEST_F(Auth, BranchIncidentsAndSheltersOnlyInItsAreas) {
  for (EntityKind k : {EntityKind::Incident, EntityKind::Shelter}) {
    EXPECT_ALLOWED(kita_writes(k, "a1", {{"area_id", "kitayama"}, {"name", "x"}}));
    EXPECT_ALLOWED(kita_writes(k, "a1", {{"area_id", "uenodai"}}));
    EXPECT_ALLOWED(kita_writes(k, "a1", {{"status", "in_progress"}}));  // an edit that does not set the area
    EXPECT_REFUSED(kita_writes(k, "a1", {{"area_id", "minamihama"}}), "not in area minamihama");
    EXPECT_REFUSED(kita_writes(k, "a1", {{"area_id", Value{}}}), "area_id");           // cleared
    EXPECT_REFUSED(kita_writes(k, "a1", {{"area_id", std::int64_t{3}}}), "area_id");  // not text
  }
}

TEST_F(Auth, BranchLifelinesOnlyInItsAreasByTheId) {
  EXPECT_ALLOWED(kita_writes(EntityKind::Lifeline, lifeline_id("kitayama", "power"), {{"status", "partial"}}));
  EXPECT_ALLOWED(kita_writes(EntityKind::Lifeline, lifeline_id("uenodai", "water"),
                             {{"area_id", "uenodai"}, {"lifeline_type", "water"}}));
  EXPECT_REFUSED(kita_writes(EntityKind::Lifeline, lifeline_id("minamihama", "power"), {{"status", "partial"}}),
                 "not in area minamihama");
  EXPECT_REFUSED(kita_writes(EntityKind::Lifeline, lifeline_id("kitayama", "power"), {{"area_id", "minamihama"}}),
                 "minamihama");
  EXPECT_REFUSED(kita_writes(EntityKind::Lifeline, "kitayama", {{"status", "partial"}}), "<area>/<type>");
}

TEST_F(Auth, BranchReportsOnlyForItsOwnBranch) {
  EXPECT_ALLOWED(kita_writes(EntityKind::BranchReport, branch_report_id("kita", 3),
                             {{"branch_id", "kita"}, {"report_no", std::int64_t{3}}}));
  EXPECT_ALLOWED(kita_writes(EntityKind::BranchReport, branch_report_id("kita", 3), {{"dead", std::int64_t{0}}}));
  EXPECT_REFUSED(kita_writes(EntityKind::BranchReport, branch_report_id("kita", 4), {{"branch_id", "minami"}}),
                 "own branch kita");
  EXPECT_REFUSED(kita_writes(EntityKind::BranchReport, branch_report_id("minami", 4), {{"branch_id", "kita"}}),
                 "does not belong to branch kita");
  EXPECT_REFUSED(kita_writes(EntityKind::BranchReport, branch_report_id("minami", 4)),
                 "does not belong to branch kita");
  // "kitanaka/1" starts with "kita" but is not kita's.
  EXPECT_REFUSED(kita_writes(EntityKind::BranchReport, "kitanaka/1"), "does not belong");
}

TEST_F(Auth, BranchOfficeStatusOnlyItsOwn) {
  EXPECT_ALLOWED(kita_writes(EntityKind::OfficeStatus, "kita", {{"power_source", "generator"}}));
  EXPECT_REFUSED(kita_writes(EntityKind::OfficeStatus, "minami", {{"power_source", "generator"}}),
                 "own office status");
  EXPECT_REFUSED(kita_writes(EntityKind::OfficeStatus, "hq"), "own office status");
}

TEST_F(Auth, BranchChronologyRecordedUnderItsOwnNodeId) {
  EXPECT_ALLOWED(kita_writes(EntityKind::Chronology, "c1", {{"node_label", "kita"}, {"content", "x"}}));
  EXPECT_ALLOWED(kita_writes(EntityKind::Chronology, "c1", {{"content", "x"}}));
  EXPECT_REFUSED(kita_writes(EntityKind::Chronology, "c1", {{"node_label", "hq"}}), "node_label");
}

TEST_F(Auth, BranchRequestsAndSupplyDeltas) {
  EXPECT_ALLOWED(kita_writes(EntityKind::Request, "r1", {{"title", "毛布 200枚"}}));
  EXPECT_ALLOWED(kita_writes(EntityKind::ShelterSupply, shelter_supply_id("s1", "water"), {{"delivered", std::int64_t{20}}},
                             OpType::Delta));
  EXPECT_ALLOWED(kita_writes(EntityKind::ShelterSupply, shelter_supply_id("s1", "water"), {{"needed", std::int64_t{100}}}));
}

TEST_F(Auth, RevokedOrMismatchedOriginIsRefused) {
  AllowEntry k = entry("kita");
  k.revoked = true;
  EXPECT_REFUSED(may_write(k, make_op("kita", EntityKind::Request, "r1")), "revoked");
  EXPECT_REFUSED(may_write(entry("hq"), make_op("kita", EntityKind::Request, "r1")), "kita");
}

// [SECTION] check_incoming: origin, signatures, then the role rules

TEST_F(Auth, OwnOpUnsignedFromItselfIsAccepted) {
  EXPECT_ALLOWED(check_incoming(allow, "kita", make_op("kita", EntityKind::Request, "r1", {{"title", "x"}})));
  EXPECT_ALLOWED(check_incoming(allow, "kita", signed_op(make_op("kita", EntityKind::Request, "r1"))));
}

TEST_F(Auth, RelayedOpNeedsTheOriginsSignature) {
  const Op op = make_op("kita", EntityKind::Incident, "i1", {{"area_id", "kitayama"}, {"title", "冠水"}});
  EXPECT_ALLOWED(check_incoming(allow, "relay-1", signed_op(op)));
  EXPECT_ALLOWED(check_incoming(allow, "hq", signed_op(op)));
  EXPECT_REFUSED(check_incoming(allow, "relay-1", op), "missing signature");

  // Signed by someone else (the relay itself): refused.
  Op forged = op;
  forged.signature = keys.at("relay-1").sign(signing_bytes(op));
  EXPECT_REFUSED(check_incoming(allow, "relay-1", forged), "bad signature");
}

TEST_F(Auth, TamperingAfterSigningIsDetected) {
  const Op good = signed_op(make_op("kita", EntityKind::Incident, "i1", {{"area_id", "kitayama"}, {"title", "冠水"}}));
  ASSERT_TRUE(check_incoming(allow, "relay-1", good).ok);

  Op t1 = good;
  t1.fields["title"] = std::string("火災");
  EXPECT_REFUSED(check_incoming(allow, "relay-1", t1), "bad signature");
  Op t2 = good;
  t2.seq += 1;
  EXPECT_REFUSED(check_incoming(allow, "relay-1", t2), "bad signature");
  Op t3 = good;
  t3.operator_name = "someone";
  EXPECT_REFUSED(check_incoming(allow, "relay-1", t3), "bad signature");
  Op t4 = good;
  t4.signature[0] = static_cast<char>(t4.signature[0] ^ 0x40);
  EXPECT_REFUSED(check_incoming(allow, "relay-1", t4), "bad signature");
}

TEST_F(Auth, UnknownOriginIsRefused) {
  const NodeKeys stranger = generate_keys("stranger");
  Op op = make_op("stranger", EntityKind::Request, "r1");
  op.signature = stranger.sign(signing_bytes(op));
  EXPECT_REFUSED(check_incoming(allow, "stranger", op), "unknown origin stranger");
  EXPECT_REFUSED(check_incoming(allow, "hq", op), "unknown origin stranger");
  EXPECT_REFUSED(check_incoming(allow, "", op), "unknown origin stranger");
}

TEST_F(Auth, RevokedOriginIsRefusedEvenWhenSigned) {
  const Op op = signed_op(make_op("kita", EntityKind::Request, "r1"));
  ASSERT_TRUE(check_incoming(allow, "relay-1", op).ok);
  allow.revoke("kita");
  EXPECT_REFUSED(check_incoming(allow, "relay-1", op), "revoked");
  EXPECT_REFUSED(check_incoming(allow, "kita", op), "revoked");
  EXPECT_REFUSED(check_incoming(allow, "", op), "revoked");
}

TEST_F(Auth, RevokedPeerCannotDeliverEvenSignedOps) {
  const Op op = signed_op(make_op("kita", EntityKind::Request, "r1"));
  allow.revoke("relay-1");
  EXPECT_REFUSED(check_incoming(allow, "relay-1", op), "peer relay-1");
}

TEST_F(Auth, BundleOpsAlwaysNeedSignatures) {
  const Op op = make_op("kita", EntityKind::Request, "r1", {{"title", "x"}});
  EXPECT_REFUSED(check_incoming(allow, "", op), "missing signature");
  EXPECT_ALLOWED(check_incoming(allow, "", signed_op(op)));
  // HQ's own ops in a bundle need HQ's signature too.
  const Op hq_op = make_op("hq", EntityKind::HqState, std::string(kHqStateId), {{"state", "taisaku"}});
  EXPECT_REFUSED(check_incoming(allow, "", hq_op), "missing signature");
  EXPECT_ALLOWED(check_incoming(allow, "", signed_op(hq_op)));
}

TEST_F(Auth, ValidSignatureDoesNotLiftTheRoleRules) {
  const Op op = signed_op(make_op("kita", EntityKind::EvacuationOrder, "e1", {{"area_id", "kitayama"}}));
  EXPECT_REFUSED(check_incoming(allow, "relay-1", op), "only HQ writes evacuation_order");
  EXPECT_REFUSED(check_incoming(allow, "kita", op), "only HQ writes evacuation_order");
  EXPECT_REFUSED(check_incoming(allow, "", op), "only HQ writes evacuation_order");
  const Op other_area = signed_op(make_op("kita", EntityKind::Shelter, "s1", {{"area_id", "minamihama"}}));
  EXPECT_REFUSED(check_incoming(allow, "kita", other_area), "not in area minamihama");
  const Op relay_own = make_op("relay-1", EntityKind::Request, "r1");
  EXPECT_REFUSED(check_incoming(allow, "relay-1", relay_own), "relay");
}

// [SECTION] check_incoming_chunk: one signature per chained run

namespace {
// A run of kita's ops, chained like the store chains them (Op::prev = digest of the
// previous op's signing bytes); each op is signed, as each is when created.
std::vector<Op> chained_run(const NodeKeys& k, std::uint64_t first_seq, int n) {
  std::vector<Op> ops;
  std::string prev;
  for (int i = 0; i < n; ++i) {
    Op op = make_op("kita", EntityKind::Request, "r" + std::to_string(i), {{"title", "毛布 " + std::to_string(i)}});
    op.seq = first_seq + static_cast<std::uint64_t>(i);
    op.prev = prev;
    const std::string bytes = signing_bytes(op);
    op.signature = k.sign(bytes);
    prev = op_digest(bytes);
    ops.push_back(op);
  }
  return ops;
}
}  // namespace

TEST_F(Auth, ChunkDecisionsEqualPerOpDecisions) {
  std::vector<Op> ops = chained_run(keys.at("kita"), 10, 6);
  ops.push_back(make_op("minami", EntityKind::Request, "m1"));  // unsigned, via hq: refused
  ops.push_back(signed_op(make_op("hq", EntityKind::HqState, std::string(kHqStateId), {{"state", "taisaku"}})));
  const auto chunk = check_incoming_chunk(allow, "relay-1", ops);
  ASSERT_EQ(chunk.size(), ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    const AuthDecision one = check_incoming(allow, "relay-1", ops[i]);
    EXPECT_EQ(chunk[i].ok, one.ok) << i;
    EXPECT_EQ(chunk[i].reason, one.reason) << i;
  }
  EXPECT_FALSE(chunk[6].ok);
}

TEST_F(Auth, ChainVouchesForOpsWhoseOwnSignatureWasLost) {
  std::vector<Op> ops = chained_run(keys.at("kita"), 1, 5);
  // Only the last op's signature is needed: the others are vouched for by the chain.
  for (size_t i = 0; i + 1 < ops.size(); ++i) ops[i].signature.clear();
  for (const AuthDecision& d : check_incoming_chunk(allow, "relay-1", ops)) EXPECT_ALLOWED(d);
  // Without the tail (its signature is what anchors the run), the first op stands alone.
  EXPECT_REFUSED(check_incoming_chunk(allow, "relay-1", std::span<const Op>(ops.data(), 1)).front(),
                 "missing signature");
}

TEST_F(Auth, TamperedOpInsideAChainIsRefusedAndTheRestStillVerify) {
  std::vector<Op> ops = chained_run(keys.at("kita"), 1, 6);
  ops[2].fields["title"] = std::string("改ざん");  // breaks ops[3].prev and its own signature
  const auto d = check_incoming_chunk(allow, "relay-1", ops);
  EXPECT_ALLOWED(d[0]);
  EXPECT_ALLOWED(d[1]);
  EXPECT_REFUSED(d[2], "bad signature");
  for (size_t i = 3; i < ops.size(); ++i) EXPECT_ALLOWED(d[i]);

  // A forged "next" op cannot vouch for anything: its own signature fails first.
  std::vector<Op> forged = chained_run(keys.at("kita"), 1, 3);
  forged[2].signature = keys.at("relay-1").sign(signing_bytes(forged[2]));
  forged[0].signature.clear();
  forged[1].signature.clear();
  const auto f = check_incoming_chunk(allow, "relay-1", forged);
  EXPECT_REFUSED(f[2], "bad signature");
  EXPECT_REFUSED(f[1], "missing signature");
  EXPECT_REFUSED(f[0], "missing signature");
}

TEST_F(Auth, ChainLinksOnlyCountForTheSameOriginsNextSeq) {
  std::vector<Op> ops = chained_run(keys.at("kita"), 1, 3);
  std::swap(ops[0], ops[1]);  // out of order: no link, each op checked on its own
  ops[0].signature.clear();   // (seq 2 first, unsigned now)
  const auto d = check_incoming_chunk(allow, "relay-1", ops);
  EXPECT_REFUSED(d[0], "missing signature");
  EXPECT_ALLOWED(d[1]);
  EXPECT_ALLOWED(d[2]);
}

// [SECTION] A node's own writes keep its role rules

// A branch's own write that its peers would refuse (an incident outside its areas, an area)
// is refused at once, in Japanese and English, and never enters its log; the rules are
// recorded in the file, so a tool writing while the node is stopped keeps them too.
TEST_F(Auth, ABranchsOwnStoreRefusesWhatItsPeersWouldRefuse) {
  honbu::testing::TempDir dir;
  const Fields outside = {{"title", "西浜 倒木"},    {"category", "road"},     {"received_at", "2026-11-22T03:30:00+09:00"},
                          {"area_id", "minamihama"}, {"priority", "high"}, {"status", "received"},
                          {"verification", "unverified"}};
  {
    auto store = honbu::testing::open_store(dir.file("kita.db"), "kita");
    keep_role_rules(*store, entry("kita"));
    const LocalResult r = store->put(EntityKind::Incident, "i1", outside, "佐藤");
    ASSERT_FALSE(r.ok);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].code, "role");
    EXPECT_TRUE(contains(r.problems[0].ja, "担当地区")) << r.problems[0].ja;
    EXPECT_TRUE(contains(r.problems[0].en, "not in area minamihama")) << r.problems[0].en;
    const LocalResult area = store->put(EntityKind::Area, "nishi", {{"name", "西浜"}, {"branch_id", "kita"}}, "佐藤");
    ASSERT_FALSE(area.ok);
    EXPECT_TRUE(contains(area.problems[0].ja, "本部だけ")) << area.problems[0].ja;
    // Said before the fields are checked: no fixing an evacuation order a branch may not issue.
    const LocalResult order = store->put(EntityKind::EvacuationOrder, "e1", {{"level", "9"}}, "佐藤");
    ASSERT_EQ(order.problems.size(), 1u);
    EXPECT_EQ(order.problems[0].code, "role") << order.problems[0].en;
    Fields inside = outside;
    inside["area_id"] = std::string("ｋｉｔａｙａｍａ");  // full width: judged as kitayama, as stored
    EXPECT_TRUE(store->put(EntityKind::Incident, "i2", inside, "佐藤").ok);
    const LocalResult removed = store->remove(EntityKind::Incident, "i2", "佐藤");  // only HQ deletes
    ASSERT_EQ(removed.problems.size(), 1u);
    EXPECT_EQ(removed.problems[0].code, "role") << removed.problems[0].en;
    EXPECT_EQ(store->version_vector().at("kita"), 1u) << "a refused write took a seq";
  }
  {  // honbu-report's way: no allow-list at hand, the rules the node last ran with
    auto tool = honbu::testing::open_store(dir.file("kita.db"), "kita");
    EXPECT_TRUE(keep_recorded_role_rules(*tool));
    EXPECT_FALSE(tool->put(EntityKind::Incident, "i3", outside, "CSV取込").ok);
  }
  {  // a file no node has run on: nothing recorded, nothing checked
    auto fresh = honbu::testing::open_store(dir.file("new.db"), "kita");
    EXPECT_FALSE(keep_recorded_role_rules(*fresh));
    EXPECT_TRUE(fresh->put(EntityKind::Incident, "i4", outside, "CSV取込").ok);
  }
}
