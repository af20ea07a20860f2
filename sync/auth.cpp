#include "sync/auth.hpp"

#include <algorithm>

namespace honbu::sync {

namespace {

AuthDecision allow() { return {true, {}, {}}; }
AuthDecision refuse(std::string reason, std::string reason_ja = {}) {
  return {false, std::move(reason), std::move(reason_ja)};
}

std::string kind_name(const Op& op) { return std::string(spec(op.kind).name); }
std::string kind_ja(const Op& op) { return std::string(spec(op.kind).ja); }

bool in_areas(const AllowEntry& e, std::string_view area) {
  return std::find(e.areas.begin(), e.areas.end(), area) != e.areas.end();
}

std::string areas_text(const AllowEntry& e, std::string_view none = "none") {
  if (e.areas.empty()) return std::string(none);
  std::string s;
  for (const std::string& a : e.areas) s += (s.empty() ? "" : ", ") + a;
  return s;
}

// If the op sets area_id, it must be text equal to one of the branch's areas.
AuthDecision area_field_in_areas(const AllowEntry& e, const Op& op) {
  const auto it = op.fields.find("area_id");
  if (it == op.fields.end()) return allow();
  const std::string* area = as_text(it->second);
  if (!area)
    return refuse("branch " + e.node_id + " may not set area_id of " + kind_name(op) + " " + op.entity_id +
                      " to empty or a non-area; its areas: " + areas_text(e),
                  "地区(area_id)が空か地区ではありません。この支所(" + e.node_id + ")の地区: " + areas_text(e, "なし"));
  if (!in_areas(e, *area))
    return refuse("branch " + e.node_id + " may write " + kind_name(op) + " only in its areas (" + areas_text(e) +
                      "), not in area " + *area,
                  "この支所(" + e.node_id + ")が記録できる" + kind_ja(op) + "は担当地区(" + areas_text(e, "なし") +
                      ")のものだけです。地区 " + *area + " は本部が記録します");
  return allow();
}

AuthDecision branch_may_write(const AllowEntry& e, const Op& op) {
  if (op.type == OpType::Delete)
    return refuse("branch " + e.node_id + " may not delete (" + kind_name(op) + " " + op.entity_id +
                      "); only HQ deletes",
                  "削除は本部だけが行えます(" + kind_ja(op) + " " + op.entity_id + ")");
  switch (op.kind) {
    case EntityKind::Area:
    case EntityKind::Branch:
    case EntityKind::HqState:
    case EntityKind::EvacuationOrder:
      return refuse("only HQ writes " + kind_name(op) + "; branch " + e.node_id + " may not",
                    kind_ja(op) + "は本部だけが記録します(支所 " + e.node_id + " からは記録できません)");

    case EntityKind::Incident:
    case EntityKind::Shelter:
      return area_field_in_areas(e, op);

    case EntityKind::Lifeline: {
      // Lifeline ids are "<area>/<type>" (lifeline_id()).
      const std::size_t slash = op.entity_id.find('/');
      if (slash == std::string::npos)
        return refuse("lifeline id " + op.entity_id + " is not <area>/<type>: refused for branch " + e.node_id);
      const std::string area = op.entity_id.substr(0, slash);
      if (!in_areas(e, area))
        return refuse("branch " + e.node_id + " may write lifelines only in its areas (" + areas_text(e) +
                          "), not in area " + area,
                      "この支所(" + e.node_id + ")が記録できるライフラインは担当地区(" + areas_text(e, "なし") +
                          ")のものだけです。地区 " + area + " は本部が記録します");
      return area_field_in_areas(e, op);
    }

    case EntityKind::BranchReport: {
      if (e.branch_id.empty())
        return refuse("branch " + e.node_id + " has no branch on the allow-list: may not write branch reports",
                      "許可リストにこの拠点(" + e.node_id + ")の支所がないため、支所報告を記録できません");
      const auto it = op.fields.find("branch_id");
      if (it != op.fields.end()) {
        const std::string* b = as_text(it->second);
        if (!b || *b != e.branch_id)
          return refuse("branch " + e.node_id + " may write branch reports only for its own branch " +
                            e.branch_id + ", not for " + (b ? *b : std::string("(none)")),
                        "支所報告は自支所(" + e.branch_id + ")の分だけ記録できます(" + (b ? *b : std::string("なし")) +
                            " の分は記録できません)");
      }
      if (!op.entity_id.starts_with(e.branch_id + "/"))
        return refuse("branch report id " + op.entity_id + " does not belong to branch " + e.branch_id +
                          " (ids are " + e.branch_id + "/<report no.>)",
                      "支所報告の番号 " + op.entity_id + " は自支所(" + e.branch_id + ")のものではありません");
      return allow();
    }

    case EntityKind::OfficeStatus:
      if (e.branch_id.empty() || op.entity_id != e.branch_id)
        return refuse("branch " + e.node_id + " may write only its own office status (" +
                          (e.branch_id.empty() ? std::string("none on the allow-list") : e.branch_id) + "), not " +
                          op.entity_id,
                      "拠点の状況は自支所の分だけ記録できます(" + op.entity_id + " の分は記録できません)");
      return allow();

    case EntityKind::Chronology: {
      const auto it = op.fields.find("node_label");
      if (it != op.fields.end()) {
        const std::string* label = as_text(it->second);
        if (!label || *label != e.node_id)
          return refuse("chronology entries of branch " + e.node_id + " must be recorded as " + e.node_id +
                            " (node_label), not " + (label ? *label : std::string("(none)")),
                        "クロノロはこの拠点(" + e.node_id + ")の記録としてだけ記録できます");
      }
      return allow();
    }

    case EntityKind::Request:
    case EntityKind::ShelterSupply:
      return allow();

    case EntityKind::DrillMessage:
      // A drill card is written (and answered) at the node it is addressed to.
      if (op.entity_id.empty()) return refuse("drill message without an id");
      if (const auto it = op.fields.find("to_node"); it != op.fields.end()) {
        const std::string* to = as_text(it->second);
        if (!to || *to != e.node_id)
          return refuse("branch " + e.node_id + " may write drill messages only addressed to itself",
                        "状況付与票はこの拠点宛てのものだけ記録できます");
      }
      return allow();

    case EntityKind::Publication: {
      // A branch keeps a record of its own exports; the reports upward (第4号様式) and public
      // alerts (CAP) are HQ's to issue.
      const auto it = op.fields.find("format");
      const std::string* format = it == op.fields.end() ? nullptr : as_text(it->second);
      if (format && (*format == "csv" || *format == "geojson")) return allow();
      return refuse("only HQ issues 第4号様式 reports and CAP alerts; branch " + e.node_id +
                        " may record CSV and GeoJSON exports",
                    "第4号様式の報告とCAPの発信は本部だけが行います(支所はCSV・GeoJSONの出力を記録できます)");
    }
  }
  return refuse("unknown kind of entity: refused for branch " + e.node_id);
}

}  // namespace

AuthDecision may_write(const AllowEntry& origin, const Op& op) {
  if (!op.origin.empty() && op.origin != origin.node_id)
    return refuse("op of " + op.origin + " checked against the rules of " + origin.node_id + ": refused");
  if (origin.revoked)
    return refuse("origin " + origin.node_id + " is revoked on the allow-list",
                  "この拠点(" + origin.node_id + ")の鍵は許可リストで失効しています");
  switch (origin.role) {
    case Role::Hq: return allow();
    case Role::Relay:
      return refuse("relay " + origin.node_id + " only forwards ops; it may not originate any",
                    "中継拠点(" + origin.node_id + ")は記録を中継するだけで、自ら記録はしません");
    case Role::Branch: return branch_may_write(origin, op);
  }
  return refuse("unknown role of " + origin.node_id + ": refused");
}

namespace {
// Checks everything but the signature; `needs_signature` says whether one is required.
AuthDecision check_origin(const AllowList& allow_list, std::string_view peer_node, const Op& op,
                          bool* needs_signature, const AllowEntry** origin_out) {
  const AllowEntry* origin = allow_list.by_node(op.origin);
  if (!origin) return refuse("unknown origin " + op.origin + ": not on the allow-list");
  if (origin->revoked) return refuse("origin " + op.origin + " is revoked on the allow-list");
  if (!peer_node.empty()) {
    // The agent only talks to authenticated peers; re-check so that a revocation that
    // raced with a chunk in flight cannot let the chunk in.
    const AllowEntry* peer = allow_list.by_node(peer_node);
    if (!peer || peer->revoked)
      return refuse("peer " + std::string(peer_node) + " is not (or no longer) on the allow-list");
  }
  *needs_signature = peer_node.empty() || peer_node != op.origin;
  *origin_out = origin;
  return allow();
}

AuthDecision signature_refusal(std::string_view peer_node, const Op& op, bool missing) {
  const std::string via = peer_node.empty() ? std::string("a bundle") : "peer " + std::string(peer_node);
  if (missing) return refuse("missing signature: op of " + op.origin + " came via " + via + " without its origin's signature");
  return refuse("bad signature: op of " + op.origin + " via " + via + " is not signed by " + op.origin +
                "'s key (altered or forged)");
}
}  // namespace

std::vector<AuthDecision> check_incoming_chunk(const AllowList& allow_list, std::string_view peer_node,
                                               std::span<const Op> ops) {
  std::vector<AuthDecision> out(ops.size());
  std::vector<const AllowEntry*> origin(ops.size(), nullptr);
  std::vector<char> needs_sig(ops.size(), 0);
  for (size_t i = 0; i < ops.size(); ++i) {
    bool needs = false;
    out[i] = check_origin(allow_list, peer_node, ops[i], &needs, &origin[i]);
    needs_sig[i] = out[i].ok && needs;
  }
  // Walk backwards: op i is vouched for by op i+1 when that one is authentic, is the same
  // origin's next seq and carries digest(signing_bytes(op i)) as its prev.
  std::vector<char> authentic(ops.size(), 0);
  for (size_t k = ops.size(); k-- > 0;) {
    if (!needs_sig[k]) continue;
    const Op& op = ops[k];
    const std::string bytes = signing_bytes(op);
    bool ok = false;
    if (k + 1 < ops.size() && authentic[k + 1]) {
      const Op& next = ops[k + 1];
      ok = next.origin == op.origin && next.seq == op.seq + 1 && !next.prev.empty() && next.prev == op_digest(bytes);
    }
    if (!ok) {
      if (op.signature.empty()) {
        out[k] = signature_refusal(peer_node, op, true);
        continue;
      }
      ok = verify_signature(origin[k]->keys.sign, bytes, op.signature);
      if (!ok) {
        out[k] = signature_refusal(peer_node, op, false);
        continue;
      }
    }
    authentic[k] = 1;
  }
  for (size_t i = 0; i < ops.size(); ++i)
    if (out[i].ok) {
      out[i] = may_write(*origin[i], ops[i]);
      out[i].authentic = true;
    }
  return out;
}

AuthDecision check_incoming(const AllowList& allow_list, std::string_view peer_node, const Op& op) {
  return check_incoming_chunk(allow_list, peer_node, std::span<const Op>(&op, 1)).front();
}

namespace {
constexpr std::string_view kRoleRulesKey = "role_rules";

void enforce(Store& store, const AllowEntry& me) {
  store.set_write_rules([me](const Op& op) -> std::optional<Problem> {
    const AuthDecision d = may_write(me, op);
    if (d.ok) return std::nullopt;
    return Problem{"", "role", d.reason_ja.empty() ? d.reason : d.reason_ja, d.reason};
  });
}
}  // namespace

void keep_role_rules(Store& store, const AllowEntry& me) {
  enforce(store, me);
  AllowList mine;  // its public keys come along; they are public
  mine.upsert(me);
  store.set_local_setting(kRoleRulesKey, mine.to_yaml());
}

namespace {
// The entry of `node_id` in the rules a node recorded (meta `role_rules`), if any.
std::optional<AllowEntry> recorded_entry(const std::string& yaml, const std::string& node_id, const std::string& path) {
  if (yaml.empty()) return std::nullopt;
  const AllowList recorded = AllowList::parse(yaml, "the role rules recorded in " + path);
  const AllowEntry* me = recorded.by_node(node_id);
  return me ? std::optional<AllowEntry>(*me) : std::nullopt;
}
}  // namespace

bool keep_recorded_role_rules(Store& store) {
  const auto me = recorded_entry(store.local_setting(kRoleRulesKey), store.node_id(), store.db().path());
  if (me) enforce(store, *me);
  return me.has_value();
}

std::optional<AuthDecision> refused_by_recorded_rules(Db& db, Op op) {
  auto meta = [&](std::string_view key) {
    auto q = db.query("SELECT value FROM meta WHERE key = ?");
    q->bind(1, key);
    return q->step() ? q->column_text(0) : std::string();
  };
  op.origin = meta("node_id");
  const auto me = recorded_entry(meta(kRoleRulesKey), op.origin, db.path());
  if (!me) return std::nullopt;
  AuthDecision d = may_write(*me, op);
  if (d.ok) return std::nullopt;
  return d;
}

}  // namespace honbu::sync
