// [SECTION] Store: one node's data in one SQLite file (one dataset per file).
//
// Every change is an op in the op log; typed tables are materialised from ops in the same
// transaction. Local commands and remote ops go through the same apply path.
// Thread-safety: a Store is used by one thread (the writer). Readers open their own
// read-only connection (see queries.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "model/db.hpp"
#include "model/hlc.hpp"
#include "model/ids.hpp"
#include "model/incident_counts.hpp"
#include "model/merge.hpp"
#include "model/op.hpp"
#include "model/validation.hpp"

namespace honbu {

struct StoreOptions {
  std::string path;
  std::string node_id;           // required to create; when set, must match an existing file
  std::string dataset;           // "ACTUAL" or "EXERCISE:<name>"; same rule as node_id
  bool create_if_missing = true;
  // An existing empty file becomes a node database (honbu-db init) instead of being refused:
  // for a node it is most likely a failed copy, and starting afresh would re-use its seqs.
  bool adopt_empty_file = false;
  TimeMs max_clock_drift_ms = 5 * 60 * 1000;  // remote clocks further ahead are quarantined
  std::function<TimeMs()> wall_clock;         // defaults to the system clock
  // Signs local ops (Ed25519 by the sync layer): gets signing_bytes(op), returns the
  // signature. Without one, local ops are unsigned (they can still go to direct peers).
  std::function<std::string(std::string_view)> signer;
  // Digest (32 bytes, BLAKE2b by the sync layer) of signing_bytes(): when set, each local op
  // carries the digest of this node's previous op (Op::prev), chaining them.
  std::function<std::string(std::string_view)> digest;
};

// What this node last knew of a peer (persisted; survives restarts).
struct PeerRecord {
  std::string node_id;
  VersionVector vector;
  std::optional<TimeMs> last_heard;
  std::string endpoint;
};

// Outcome of a local command: either committed (ok) or refused with every problem.
struct LocalResult {
  bool ok = false;
  std::vector<Problem> problems;
  Op op;  // the op written when ok
};

enum class ApplyStatus {
  Applied,      // new op, materialised
  Duplicate,    // already had it (idempotent)
  Quarantined,  // stored but not applied: its clock is too far ahead of ours
  Invalid,      // stored (so the log stays contiguous) but never applied: fields invalid
  Refused,      // not stored: wrong dataset, reused seq with other content, malformed
};

struct ApplyReport {
  std::size_t applied = 0, duplicates = 0, quarantined = 0, invalid = 0, refused = 0;
  std::vector<std::string> messages;  // one per op not applied, naming origin/seq and why
  std::size_t conflicts = 0;          // concurrent writes detected while applying
};

// One row of the change feed: this entity changed at local op counter `n`.
struct Change {
  std::int64_t n;
  EntityKind kind;
  std::string entity_id;
};

class Store {
 public:
  // Opens or creates the node database; migrates older schemas. Throws StoreError with a
  // clear message (newer incompatible schema, other dataset, other node, not a database).
  static std::unique_ptr<Store> open(StoreOptions options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& node_id() const { return node_id_; }
  const std::string& dataset() const { return dataset_; }
  const std::string& path() const { return db_.path(); }
  TimeMs now() const { return wall_(); }

  // [SECTION] Local commands: validated, made into an op, applied and committed (or joined
  // to the surrounding batch()). Nothing is written when there are problems.

  // Sets fields. `base`: clocks the editor saw (conflict detection); defaults to current.
  LocalResult put(EntityKind kind, std::string_view id, Fields fields,
                  std::string_view operator_name, const BaseClocks* base = nullptr);
  // Tombstones an entity (not allowed for grow-only kinds: correct them instead).
  LocalResult remove(EntityKind kind, std::string_view id, std::string_view operator_name);
  // Adds signed deltas to Counter fields (e.g. supplies delivered).
  LocalResult add(EntityKind kind, std::string_view id, Fields deltas,
                  std::string_view operator_name);

  // Runs f with every local command inside it in one transaction (durable at the end).
  // If f throws, nothing inside it is kept.
  template <class F>
  void batch(F&& f) {
    if (tx_) {
      f();
      return;
    }
    begin();
    try {
      f();
    } catch (...) {
      rollback();
      throw;
    }
    commit();
  }

  std::string new_id();                  // time-ordered (ULID) id for a new entity
  std::int64_t next_chronology_number();  // this node's next クロノロ running number

  // [SECTION] Remote ops (sync, bundles): the whole span in one transaction.
  ApplyReport apply_remote(std::span<const Op> ops);

  // [SECTION] Op log
  VersionVector version_vector() const;  // highest contiguous seq per origin
  // Ops a peer with vector `peer` lacks, by origin then seq, at most max_ops.
  std::vector<Op> ops_missing_for(const VersionVector& peer, std::size_t max_ops);
  // Highest seq held of each origin (there may be gaps below it while a backlog arrives).
  VersionVector max_seqs() const;
  // Digest of op (origin, seq) as held here (of its signing bytes, as Op::prev links them);
  // empty without a digest function or when the op is not here. Two nodes that hold the
  // same seq of an origin with different digests hold two histories of it: the key of that
  // origin is in use on two machines (sync compares them at HELLO).
  std::string op_digest(std::string_view origin, std::uint64_t seq);
  // Ops of one origin with seq > after, in seq order, at most max_ops.
  std::vector<Op> ops_from(std::string_view origin, std::uint64_t after, std::size_t max_ops);
  // The same, for sending on as they are: fields stay in their stored JSON (StoredOp).
  std::vector<StoredOp> stored_ops_from(std::string_view origin, std::uint64_t after, std::size_t max_ops);
  // Ops in local arrival order after local counter n (live push, replay, debugging).
  // *last_n receives the counter of the last op scanned; applied_only skips ops that were
  // quarantined or invalid.
  std::vector<Op> ops_after(std::int64_t n, std::size_t max_ops, std::int64_t* last_n = nullptr,
                            bool applied_only = false);
  std::int64_t data_version();  // local op counter of the newest op (0 when empty)
  // Entities changed after local counter n, in order (the UI refreshes only these).
  std::vector<Change> changes_since(std::int64_t n, std::size_t max_rows);
  // Applies quarantined ops whose clock is no longer too far ahead. Returns how many.
  std::size_t release_quarantined();
  // Signs this node's own ops that have no signature: ops a tool wrote while the node was
  // stopped (honbu-report, honbu-db), which could otherwise never travel in a bundle or be
  // relayed. Run on open when the store has a signer. Returns how many were signed.
  std::size_t sign_own_unsigned_ops();

  // [SECTION] Peers (local bookkeeping, not replicated)
  void save_peer(const PeerRecord& peer);
  std::optional<PeerRecord> peer(std::string_view node_id);
  std::vector<PeerRecord> peers();

  // [SECTION] Entities
  std::optional<EntityState> load(EntityKind kind, std::string_view id);

  // Node-local settings in the meta table (never replicated): e.g. the role rules the node
  // last ran with, for tools that write while it is stopped. "" when unset.
  std::string local_setting(std::string_view key);
  void set_local_setting(std::string_view key, std::string_view value);

  // The rules this node's own ops must keep (the sync layer's role rules: a branch writes in
  // its areas only...). Checked on every local op before it is written: what the peers would
  // refuse is refused here, with the reason, and never enters the log. Returns the problem,
  // or nullopt when allowed. Without rules (a store of its own, tests) every op is allowed.
  using WriteRules = std::function<std::optional<Problem>(const Op&)>;
  void set_write_rules(WriteRules rules) { write_rules_ = std::move(rules); }
  std::optional<Problem> refused_by_rules(EntityKind kind, std::string_view id, OpType type,
                                          const Fields& fields) const;

  // Called after every commit with the new data_version (on the writer thread).
  void set_commit_listener(std::function<void(std::int64_t)> listener) {
    on_commit_ = std::move(listener);
  }

  Db& db() { return db_; }

 private:
  struct OriginState {
    std::uint64_t contiguous = 0;
    std::uint64_t max = 0;
    bool dirty = false;
  };
  // The apply path's statements are looked up by their text once, then held: hashing and
  // comparing ~300 characters of SQL for each statement of each op was ~5% of an apply.
  struct KindSql {
    std::string select_row, insert_row, update_row;
    Statement *select_st = nullptr, *insert_st = nullptr, *update_st = nullptr;
  };

  struct PartialSql {
    std::vector<int> columns;     // spec field indexes read and written
    std::vector<int> key_columns;  // read only: an incident's incident_counts key, where not in columns
    std::string select, update;
    Statement *select_st = nullptr, *update_st = nullptr;
  };

  Store(StoreOptions options, bool creating);
  PartialSql& partial_sql(const Op& op);
  Query held(Statement*& slot, std::string_view sql) {
    if (!slot) slot = &db_.statement(sql);
    return Query(*slot);
  }
  void migrate_or_init(const StoreOptions& options);
  void load_caches();
  void begin();
  void commit();
  void rollback();

  LocalResult local_op(Op op, const EntityState* current);
  ApplyStatus apply_one(const Op& op, bool local, std::string* message, std::size_t* conflicts);
  void record_seq(const std::string& origin, std::uint64_t seq);
  void materialize(const Op& op, std::size_t* conflicts);
  // Writes the row (insert or update); returns false when an insert found the id taken.
  bool save_entity(EntityKind kind, std::string_view id, const EntityState& st, bool exists);
  Op read_op_row(Statement& s) const;

  Db db_;
  int writer_lock_ = -1;  // flock on the database file: one writing Store per file, system-wide
  std::function<TimeMs()> wall_;
  std::function<std::string(std::string_view)> signer_;
  std::function<std::string(std::string_view)> digest_;
  WriteRules write_rules_;
  // This node's newest own op: its seq and digest (the next local op's prev). Reset on
  // rollback; read back from the op log when unknown.
  std::optional<std::pair<std::uint64_t, std::string>> own_tip_;
  std::string own_prev(std::uint64_t seq);
  ApplyStatus refuse_op(const Op& op, const std::string& why, std::string* message);
  // An op whose prev is not the digest of the op before it that this node holds: the start of
  // a second history of its origin (the reason, or empty).
  std::string second_history(const Op& op);
  TimeMs max_drift_ms_;
  std::string node_id_, dataset_;
  HybridClock clock_;
  Hlc persisted_clock_{};
  IdGenerator ids_;
  std::map<std::string, OriginState, std::less<>> origins_;
  std::map<EntityKind, KindSql> sql_;
  Statement* insert_op_st_ = nullptr;
  using PartialKey = std::tuple<EntityKind, std::uint64_t, std::uint64_t>;  // kind, column mask
  std::map<PartialKey, PartialSql> partial_sql_;
  std::unique_ptr<Transaction> tx_;
  bool wrote_in_tx_ = false;
  std::int64_t conflict_rows_ = 0;  // rows in the conflicts table (cached)
  IncidentCounts incident_counts_;  // this transaction's moves between list totals
  std::function<void(std::int64_t)> on_commit_;
};

// An op from a row of `SELECT n, origin, seq, hlc, dataset, kind, entity_id, op_type, fields,
// base, operator, schema_version, state, sig, prev FROM ops` (`where` names the file in errors).
Op op_from_row(Statement& s, std::string_view where);
// The same, leaving Op::fields empty and *fields_json holding the row's fields as stored.
Op op_from_row(Statement& s, std::string_view where, std::string* fields_json);
// Store::ops_after on a bare connection: for tools that read a file a running node holds.
std::vector<Op> read_ops_after(Db& db, std::int64_t n, std::size_t max_ops, std::int64_t* last_n = nullptr,
                               bool applied_only = false);

}  // namespace honbu
