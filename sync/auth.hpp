// [SECTION] Who may write what (the role rules of docs/security.md) and where an op may
// come from. Checked for every op received over sync or from a bundle, before it can
// reach the store; refusals are counted and logged with the reason.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/op.hpp"
#include "model/store.hpp"
#include "sync/keys.hpp"

namespace honbu::sync {

struct AuthDecision {
  bool ok = false;
  std::string reason;     // why not, in words an operator understands (English, for logs)
  std::string reason_ja;  // the same in Japanese, for refusals a branch's own user can meet
  // Set by check_incoming_chunk: the op is its origin's own (signed, or vouched for, by a
  // key on the allow-list), so a refusal is by the role rules only, not an altered op.
  bool authentic = false;
};

// Role rules for the node that originated `op` (not the peer that relayed it):
//   hq      writes everything;
//   branch  writes its own 支所報告 (branch_id = its branch), its own office status and
//           クロノロ (node_label = its node id), incidents/shelters/lifelines only in its
//           areas, requests and supply deltas; never HQ state, areas, branches or
//           evacuation orders, and never deletes;
//   relay   originates nothing.
AuthDecision may_write(const AllowEntry& origin, const Op& op);

// An op arriving from the authenticated peer `peer_node` (or from a bundle, with
// peer_node empty): its origin must be on the allow-list and not revoked; if the origin
// is not the peer itself the op must carry a valid Ed25519 signature by the origin;
// then may_write() for the origin.
AuthDecision check_incoming(const AllowList& allow, std::string_view peer_node, const Op& op);

// check_incoming() for a whole chunk (or bundle), with one signature check per run of an
// origin's consecutive ops instead of one per op: an op whose successor in the chunk is
// authentic and names its digest (Op::prev) is authentic too. Same decisions as calling
// check_incoming() on each op, much cheaper for relayed backlogs. One decision per op.
std::vector<AuthDecision> check_incoming_chunk(const AllowList& allow, std::string_view peer_node,
                                               std::span<const Op> ops);

// Keeps a store's own ops to the role rules of `me` (this node's allow-list entry): a local
// write the peers would refuse is refused at once, in words (ja/en), instead of being kept
// here while every peer refuses it. Also records the entry in the file (meta `role_rules`),
// so a tool writing while the node is stopped keeps the same rules.
void keep_role_rules(Store& store, const AllowEntry& me);
// What a tool (honbu-report) does on opening a node's database: the rules the node last ran
// with. A file no node has run on yet has none recorded, and nothing is checked: false.
bool keep_recorded_role_rules(Store& store);

// For a tool about to act on a database it only reads (honbu-report 4goyoshiki --issue, which
// writes files before the record): the recorded rules' refusal of `op` by that database's
// node, before anything is done. nullopt: allowed, or no rules recorded.
std::optional<AuthDecision> refused_by_recorded_rules(Db& db, Op op);

}  // namespace honbu::sync
