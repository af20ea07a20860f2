#include "model/store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iterator>

#include "model/errors.hpp"
#include "model/migrations.hpp"
#include "model/text.hpp"

namespace honbu {

namespace {

enum OpState { kApplied = 0, kQuarantined = 1, kInvalid = 2 };

// meta key: "1" when a store without a signer (a tool, the node stopped) wrote local ops
// that the node has not signed yet; "0" once it has. Absent in files older than the mark.
constexpr std::string_view kUnsignedMark = "unsigned_own_ops";

std::string meta_get(Db& db, std::string_view key) {
  auto q = db.query("SELECT value FROM meta WHERE key = ?");
  q->bind(1, key);
  return q->step() ? q->column_text(0) : std::string();
}

void meta_set(Db& db, std::string_view key, std::string_view value) {
  auto q = db.query(
      "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = "
      "excluded.value");
  q->bind(1, key).bind(2, value).run();
}

std::string build_select(const EntitySpec& s) {
  std::string sql = "SELECT ";
  for (const FieldSpec& f : s.fields) sql += std::string(f.name) + ", ";
  sql += "_clk, _deleted, _hlc FROM " + std::string(s.table) + " WHERE id = ?";
  return sql;
}

// Both statements bind the spec's fields in order, then _clk, _deleted, _hlc, then id.
std::string build_insert(const EntitySpec& s) {
  std::string cols, params;
  for (const FieldSpec& f : s.fields) {
    cols += std::string(f.name) + ", ";
    params += "?, ";
  }
  // OR IGNORE (not ON CONFLICT DO NOTHING): the statement can never abort, so SQLite
  // skips the per-statement journal; values for NOT NULL columns are always bound.
  return "INSERT OR IGNORE INTO " + std::string(s.table) + "(" + cols +
         "_clk, _deleted, _hlc, id) VALUES(" + params + "?, ?, ?, ?)";
}

std::string build_update(const EntitySpec& s) {
  std::string sets;
  for (const FieldSpec& f : s.fields) sets += std::string(f.name) + " = ?, ";
  return "UPDATE OR IGNORE " + std::string(s.table) + " SET " + sets +
         "_clk = ?, _deleted = ?, _hlc = ? WHERE id = ?";
}

std::string op_name(const Op& op) {
  return op.origin + "#" + std::to_string(op.seq) + " (" + std::string(spec(op.kind).name) + " " +
         op.entity_id + ")";
}

// An existing file is looked at read-only before it is opened for writing (which would turn
// it into a WAL database): another program's database, or an empty file where nothing is to
// be created, is refused with the file unchanged.
void refuse_unless_honbu_file(const std::string& path, bool may_create, bool adopt_empty_file) {
  std::error_code ec;
  if (std::filesystem::file_size(path, ec) == 0 && !ec) {
    if (adopt_empty_file) return;
    throw StoreError(path +
                     " is an empty file, not a Honbu database (a copy that failed? restore the file, or move it away "
                     "and start the node on no file at all; honbu-db init makes an empty file a new database)");
  }
  Db probe(path, OpenMode::ReadOnly);  // throws, naming the file, for a file that is no database
  auto q = probe.query(
      "SELECT group_concat(name, ', '), sum(name IN ('meta', 'ops')) FROM sqlite_schema WHERE type = 'table' "
      "AND name NOT LIKE 'sqlite%'");
  q->step();
  if (q->column_is_null(0)) {  // no tables: an empty SQLite database
    if (may_create) return;
    throw StoreError(path + " is an empty SQLite database, not a Honbu database (create one with: honbu-db init)");
  }
  if (q->column_int(1) < 2)
    throw StoreError(path + " is not a Honbu database: it holds another program's tables (" +
                     utf8_ellipsis(q->column_text(0), 80) + "); it was not changed");
}

// The node id and dataset a new file is created with.
void refuse_bad_identity(const StoreOptions& o) {
  if (!is_valid_node_id(o.node_id))
    throw StoreError("cannot create " + o.path + ": node id \"" + o.node_id +
                     "\" must be 1-64 letters, digits, '-', '_' or '.'");
  if (!is_valid_dataset_name(o.dataset))
    throw StoreError("cannot create " + o.path + ": dataset \"" + o.dataset + "\" must be ACTUAL or EXERCISE:<name>");
}

}  // namespace

std::unique_ptr<Store> Store::open(StoreOptions options) {
  namespace fs = std::filesystem;
  if (options.path.empty()) throw StoreError("no database path given");
  std::error_code ec;
  const bool exists = fs::exists(options.path, ec);
  if (!exists && !options.create_if_missing)
    throw StoreError("no database at " + options.path +
                     ": check --data-dir and --dataset (a new node's database is made with: honbu-db init)");
  if (exists && options.path != ":memory:") refuse_unless_honbu_file(options.path, options.create_if_missing, options.adopt_empty_file);
  if (!exists) {
    refuse_bad_identity(options);  // before any directory is made for it
    const fs::path parent = fs::path(options.path).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
  }
  return std::unique_ptr<Store>(new Store(std::move(options), !exists));
}

Store::Store(StoreOptions options, bool creating)
    : db_(options.path, options.create_if_missing ? OpenMode::ReadWriteCreate : OpenMode::ReadWrite),
      wall_(options.wall_clock ? options.wall_clock : wall_now_ms),
      signer_(options.signer),
      digest_(options.digest),
      max_drift_ms_(options.max_clock_drift_ms) {
  // A store keeps its origins' seqs in memory: a second writer on the same file (another
  // program, a CLI next to a running node) would reuse a seq. Refuse it, clearly.
  if (options.path != ":memory:") {
    writer_lock_ = ::open(options.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (writer_lock_ < 0 || ::flock(writer_lock_, LOCK_EX | LOCK_NB) != 0) {
      if (writer_lock_ >= 0) ::close(writer_lock_);
      throw StoreBusyError(options.path + " is already open for writing (a running node or console has it): "
                       "stop it first (imports can also go through the console)");
    }
  }
  try {
    migrate_or_init(options);
    for (EntityKind k : all_kinds())
      sql_[k] = KindSql{build_select(spec(k)), build_insert(spec(k)), build_update(spec(k))};
    load_caches();
    release_quarantined();
    if (signer_) {
      try {
        sign_own_unsigned_ops();
      } catch (const StoreError& e) {
        // A damaged op log still opens: the node says what to do when it next reads it.
        if (!e.damaged()) throw;
      }
    }
  } catch (...) {
    // A file this call created and could not set up (a bad node id, say) is removed, so the
    // next attempt starts afresh instead of finding an empty database. Done while the lock is
    // still held, so nobody else can have started using it.
    if (creating && options.path != ":memory:") {
      std::error_code ec;
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(options.path + suffix, ec);
    }
    if (writer_lock_ >= 0) ::close(writer_lock_);
    throw;
  }
}

Store::~Store() {
  if (writer_lock_ >= 0) ::close(writer_lock_);  // releases the flock
}

void Store::migrate_or_init(const StoreOptions& o) {
  const int version = stored_schema_version(db_);
  if (version == 0) {
    refuse_bad_identity(o);
    // Schema and identity in one transaction: a kill during creation leaves either nothing
    // or a complete file, never a schema without its dataset and node id.
    Transaction tx(db_);
    migrate(db_, kSchemaVersion);
    meta_set(db_, "dataset", o.dataset);
    meta_set(db_, "node_id", o.node_id);
    meta_set(db_, "created_at", format_iso_jst(wall_()));
    meta_set(db_, "hlc", "0");
    tx.commit();
  } else {
    const int compatible = stored_compatible_version(db_);
    if (compatible > kSchemaVersion)
      throw StoreError(o.path + " was written by a newer Honbu (schema " + std::to_string(version) +
                       ", needs at least " + std::to_string(compatible) + "); this build knows schema " +
                       std::to_string(kSchemaVersion) + ". Update Honbu to open it; the file was not changed.");
    if (version < kSchemaVersion) migrate(db_, kSchemaVersion);
    // A file whose creation was interrupted by an older build (schema committed, identity
    // not): finish it if it holds no ops and the caller says who it is.
    if (meta_get(db_, "dataset").empty()) {
      auto q = db_.query("SELECT count(*) FROM ops");
      q->step();
      if (q->column_int(0) != 0 || !is_valid_node_id(o.node_id) || !is_valid_dataset_name(o.dataset))
        throw StoreError(o.path + " has no dataset or node id recorded (its creation was interrupted); "
                         "open it with --node and --dataset to finish it, or delete it");
      Transaction tx(db_);
      meta_set(db_, "dataset", o.dataset);
      meta_set(db_, "node_id", o.node_id);
      meta_set(db_, "created_at", format_iso_jst(wall_()));
      if (meta_get(db_, "hlc").empty()) meta_set(db_, "hlc", "0");
      tx.commit();
    }
  }
  dataset_ = meta_get(db_, "dataset");
  node_id_ = meta_get(db_, "node_id");
  if (!o.dataset.empty() && o.dataset != dataset_)
    throw StoreError(o.path + " holds dataset " + dataset_ + ", not " + o.dataset +
                     " (ACTUAL and each drill live in separate files)");
  if (!o.node_id.empty() && o.node_id != node_id_)
    throw StoreError(o.path + " belongs to node \"" + node_id_ + "\", not \"" + o.node_id + "\"");
}

void Store::load_caches() {
  origins_.clear();
  {
    auto q = db_.query("SELECT origin, contiguous, max_seq FROM origins ORDER BY origin");
    while (q->step())
      origins_[q->column_text(0)] =
          OriginState{static_cast<std::uint64_t>(q->column_int(1)),
                      static_cast<std::uint64_t>(q->column_int(2)), false};
  }
  {
    auto q = db_.query("SELECT count(*) FROM conflicts");
    q->step();
    conflict_rows_ = q->column_int(0);
  }
  own_tip_.reset();
  clock_ = HybridClock{};
  persisted_clock_ = Hlc{static_cast<std::uint64_t>(std::stoll(meta_get(db_, "hlc")))};
  clock_.restore(persisted_clock_);
}

void Store::begin() {
  tx_ = std::make_unique<Transaction>(db_);
  wrote_in_tx_ = false;
}

void Store::commit() {
  try {
    incident_counts_.flush(db_);
    for (auto& [origin, st] : origins_) {
      if (!st.dirty) continue;
      auto q = db_.query(
          "INSERT INTO origins(origin, contiguous, max_seq) VALUES(?, ?, ?) ON CONFLICT(origin) DO "
          "UPDATE SET contiguous = excluded.contiguous, max_seq = excluded.max_seq");
      q->bind(1, origin)
          .bind(2, static_cast<std::int64_t>(st.contiguous))
          .bind(3, static_cast<std::int64_t>(st.max))
          .run();
    }
    // The clock is persisted with the ops it stamped, so it never goes back after a restart.
    if (clock_.last() != persisted_clock_)
      meta_set(db_, "hlc", std::to_string(static_cast<std::int64_t>(clock_.last().packed)));
    tx_->commit();
  } catch (...) {
    rollback();  // nothing of the transaction is kept, and the next one starts clean
    throw;
  }
  tx_.reset();
  persisted_clock_ = clock_.last();
  for (auto& [origin, st] : origins_) st.dirty = false;
  if (wrote_in_tx_ && on_commit_) on_commit_(data_version());
}

void Store::rollback() {
  tx_.reset();  // rolls back
  incident_counts_.discard();
  load_caches();
}

std::string Store::new_id() { return ids_.next(wall_()); }

std::int64_t Store::next_chronology_number() {
  auto q = db_.query("SELECT COALESCE(MAX(number), 0) FROM chronology WHERE node_label = ?");
  q->bind(1, node_id_);
  q->step();
  return q->column_int(0) + 1;
}

// [SECTION] Local commands

std::optional<Problem> Store::refused_by_rules(EntityKind kind, std::string_view id, OpType type,
                                              const Fields& fields) const {
  if (!write_rules_) return std::nullopt;
  Op probe;
  probe.origin = node_id_;
  probe.dataset = dataset_;
  probe.kind = kind;
  probe.entity_id = std::string(id);
  probe.type = type;
  probe.fields = fields;
  return write_rules_(probe);
}

LocalResult Store::put(EntityKind kind, std::string_view id, Fields fields,
                       std::string_view operator_name, const BaseClocks* base) {
  const EntitySpec& s = spec(kind);
  LocalResult r;
  auto current = load(kind, id);
  ValidateOptions vo;
  vo.creating = !current;
  r.problems = normalize_and_validate(s, id, fields, vo);
  // Whether this node may write it at all is said alone, before how it is filled in (a branch
  // was told to fix an evacuation order's fields, and only then that it may not issue one).
  // On the normalised fields: ｋｉｔａｙａｍａ is kitayama.
  if (auto refused = refused_by_rules(kind, id, OpType::Upsert, fields)) {
    r.problems = {std::move(*refused)};
    return r;
  }
  if (kind == EntityKind::DrillMessage && !is_exercise_dataset(dataset_))
    r.problems.push_back({"", "exercise_only", "状況付与票は訓練データセットでのみ使えます",
                          "drill messages exist only in EXERCISE datasets"});
  if (current && current->deleted)
    r.problems.push_back({"", "deleted", "この" + std::string(s.ja) + "は削除されています",
                          "this " + std::string(s.en) + " has been deleted"});
  if (current && s.grow_only) {
    for (const auto& [name, v] : fields) {
      const FieldSpec* f = s.field(name);
      if (f && f->rule == MergeRule::FirstWins && current->clock(name) && current->get(name) != v)
        r.problems.push_back(
            {name, "immutable",
             "「" + std::string(f->ja) + "」は記録後に変更できません（訂正は新しい記録で行います）",
             "\"" + std::string(f->en) + "\" cannot change once recorded (record a correction)"});
    }
  }
  if (!r.problems.empty()) return r;

  Op op;
  op.kind = kind;
  op.entity_id = std::string(id);
  op.type = OpType::Upsert;
  op.operator_name = std::string(operator_name);
  if (base) {
    op.base = *base;
  } else if (current) {
    // Editing what we have: each field's base is its current write (a causal overwrite).
    for (const auto& [name, v] : fields)
      if (const WriteClock* w = current->clock(name)) op.base.emplace(name, w->clock);
  }
  op.fields = std::move(fields);
  return local_op(std::move(op), current ? &*current : nullptr);
}

LocalResult Store::remove(EntityKind kind, std::string_view id, std::string_view operator_name) {
  const EntitySpec& s = spec(kind);
  LocalResult r;
  if (auto refused = refused_by_rules(kind, id, OpType::Delete, {})) {  // a branch never deletes
    r.problems = {std::move(*refused)};
    return r;
  }
  if (s.grow_only) {
    r.problems.push_back({"", "grow_only",
                          std::string(s.ja) + "は削除できません（訂正は新しい記録で行います）",
                          std::string(s.en) + " records cannot be deleted; record a correction"});
    return r;
  }
  auto current = load(kind, id);
  if (!current) {
    r.problems.push_back({"", "not_found", "対象が見つかりません: " + std::string(id),
                          "no such " + std::string(s.en) + ": " + std::string(id)});
    return r;
  }
  Op op;
  op.kind = kind;
  op.entity_id = std::string(id);
  op.type = OpType::Delete;
  op.operator_name = std::string(operator_name);
  return local_op(std::move(op), &*current);
}

LocalResult Store::add(EntityKind kind, std::string_view id, Fields deltas,
                       std::string_view operator_name) {
  const EntitySpec& s = spec(kind);
  LocalResult r;
  ValidateOptions vo;
  vo.delta = true;
  r.problems = normalize_and_validate(s, id, deltas, vo);
  if (auto refused = refused_by_rules(kind, id, OpType::Delta, deltas)) {
    r.problems = {std::move(*refused)};
    return r;
  }
  if (!r.problems.empty()) return r;
  Op op;
  op.kind = kind;
  op.entity_id = std::string(id);
  op.type = OpType::Delta;
  op.fields = std::move(deltas);
  op.operator_name = std::string(operator_name);
  return local_op(std::move(op), nullptr);
}

LocalResult Store::local_op(Op op, const EntityState*) {
  LocalResult r;
  batch([&] {
    op.origin = node_id_;
    op.dataset = dataset_;
    op.seq = origins_[node_id_].max + 1;
    op.hlc = clock_.tick(wall_());
    op.schema_version = kSchemaVersion;
    if (digest_) op.prev = own_prev(op.seq);
    const std::string bytes = signing_bytes(op);
    if (signer_)
      op.signature = signer_(bytes);
    else
      meta_set(db_, kUnsignedMark, "1");  // for the node to sign when it next opens the file
    std::string message;
    const ApplyStatus st = apply_one(op, true, &message, nullptr);
    if (st != ApplyStatus::Applied) throw StoreError("local op not applied: " + message);
    if (digest_) own_tip_.emplace(op.seq, digest_(bytes));
  });
  r.ok = true;
  r.op = std::move(op);
  return r;
}

std::string Store::local_setting(std::string_view key) { return meta_get(db_, key); }

void Store::set_local_setting(std::string_view key, std::string_view value) {
  if (meta_get(db_, key) == value) return;  // no write (and no commit) when nothing changed
  batch([&] { meta_set(db_, key, value); });
}

std::size_t Store::sign_own_unsigned_ops() {
  if (!signer_) return 0;
  // Only when a store without a key wrote here since (or the file predates the mark): the
  // scan reads every own op, 0.85 s over a log of a million, and must not run on every start.
  if (meta_get(db_, kUnsignedMark) == "0") return 0;
  std::vector<std::pair<std::int64_t, std::string>> signed_ops;  // (n, signature)
  {
    // The signed bytes hold no signature, so signing later leaves the op and every chain
    // link to it (the next op's prev) as they were.
    auto q = db_.query(
        "SELECT n, origin, seq, hlc, dataset, kind, entity_id, op_type, fields, base, operator, "
        "schema_version, state, sig, prev FROM ops WHERE origin = ? AND sig IS NULL ORDER BY seq");
    q->bind(1, node_id_);
    while (q->step()) signed_ops.emplace_back(q->column_int(0), signer_(signing_bytes(read_op_row(*q))));
  }
  batch([&] {
    auto up = db_.query("UPDATE ops SET sig = ? WHERE n = ?");
    for (const auto& [n, sig] : signed_ops) {
      up->bind_static(1, sig).bind(2, n).run();
      up->reset();
    }
    meta_set(db_, kUnsignedMark, "0");
  });
  return signed_ops.size();
}

std::string Store::own_prev(std::uint64_t seq) {
  if (seq <= 1) return {};
  if (own_tip_ && own_tip_->first == seq - 1) return own_tip_->second;
  return op_digest(node_id_, seq - 1);  // empty if not here (should not happen): no chain link
}

std::string Store::op_digest(std::string_view origin, std::uint64_t seq) {
  if (!digest_ || seq == 0) return {};
  auto q = db_.query(
      "SELECT n, origin, seq, hlc, dataset, kind, entity_id, op_type, fields, base, operator, "
      "schema_version, state, sig, prev FROM ops WHERE origin = ? AND seq = ?");
  q->bind(1, origin).bind(2, static_cast<std::int64_t>(seq));
  if (!q->step()) return {};
  return digest_(signing_bytes(read_op_row(*q)));
}

std::string Store::second_history(const Op& op) {
  if (op.prev.empty() || op.seq <= 1) return {};
  const std::string ours = op_digest(op.origin, op.seq - 1);
  if (ours.empty() || ours == op.prev) return {};
  return "seq " + std::to_string(op.seq) + " of " + op.origin + " follows another op " + std::to_string(op.seq - 1) +
         " than the one this node holds: two histories of " + op.origin + " (is its key in use on two machines?)";
}

// [SECTION] Apply path shared by local commands and remote ops

ApplyReport Store::apply_remote(std::span<const Op> ops) {
  ApplyReport report;
  batch([&] {
    // Where an origin's ops in this span join what is held (the op before is not in the
    // span), the chain link must match ours; else they are another history of that origin,
    // refused with everything after them in the span. One lookup per origin and span.
    struct Run {
      std::uint64_t last_seq = 0;  // 0: none of this origin yet in the span
      bool other_history = false;
    };
    std::map<std::string_view, Run> runs;
    for (const Op& op : ops) {
      Run& run = runs[op.origin];
      std::string why;
      if (run.other_history)
        why = "follows an op refused as another history of " + op.origin;
      else if (digest_ && (run.last_seq == 0 || run.last_seq + 1 != op.seq))
        run.other_history = !(why = second_history(op)).empty();
      run.last_seq = op.seq;
      std::string message;
      switch (why.empty() ? apply_one(op, false, &message, &report.conflicts) : refuse_op(op, why, &message)) {
        case ApplyStatus::Applied: ++report.applied; break;
        case ApplyStatus::Duplicate: ++report.duplicates; break;
        case ApplyStatus::Quarantined: ++report.quarantined; break;
        case ApplyStatus::Invalid: ++report.invalid; break;
        case ApplyStatus::Refused: ++report.refused; break;
      }
      if (!message.empty()) report.messages.push_back(std::move(message));
    }
  });
  return report;
}

ApplyStatus Store::refuse_op(const Op& op, const std::string& why, std::string* message) {
  *message = op_name(op) + ": refused: " + why;
  auto q = db_.query("INSERT INTO refused_ops(origin, seq, reason, fields, received_at) VALUES(?, ?, ?, ?, ?)");
  q->bind(1, op.origin)
      .bind(2, static_cast<std::int64_t>(op.seq))
      .bind(3, why)
      .bind(4, encode_fields(op.fields))
      .bind(5, wall_())
      .run();
  wrote_in_tx_ = true;
  return ApplyStatus::Refused;
}

ApplyStatus Store::apply_one(const Op& op, bool local, std::string* message,
                             std::size_t* conflicts) {
  const TimeMs wall = wall_();
  auto refuse = [&](const std::string& why) { return refuse_op(op, why, message); };
  if (op.dataset != dataset_)
    return refuse("op for dataset " + op.dataset + " offered to a " + dataset_ + " database");
  if (op.kind == EntityKind::DrillMessage && !is_exercise_dataset(dataset_))
    return refuse("drill messages exist only in EXERCISE datasets; this database is " + dataset_);
  if (!is_valid_node_id(op.origin) || op.seq == 0 || op.seq > (1ULL << 62))
    return refuse("malformed origin or seq");

  // Decide the op's state before storing it: quarantined clocks are not believed.
  int state = kApplied;
  std::string note;
  if (!local && HybridClock::too_far_ahead(op.hlc, wall, max_drift_ms_)) {
    state = kQuarantined;
    note = "clock " + op.hlc.to_string() + " is more than " +
           std::to_string(max_drift_ms_ / 1000) + " s ahead of ours";
  }
  if (!local) {
    ValidateOptions vo;
    vo.delta = op.type == OpType::Delta;
    vo.lenient_enums = op.schema_version > kSchemaVersion;
    std::vector<Problem> problems;
    if (op.type == OpType::Delete) {
      if (spec(op.kind).grow_only) problems.push_back({"", "grow_only", "", "delete of a grow-only record"});
    } else {
      problems = validate_received(spec(op.kind), op.entity_id, op.fields, vo);
    }
    if (!problems.empty()) {
      state = kInvalid;
      // For logs and peers' operators: the field's code and the reason.
      for (const Problem& p : problems)
        note += (note.empty() ? "" : "; ") + (p.field.empty() ? "" : p.field + ": ") + p.en;
    }
  }

  const std::string fields_json = encode_fields(op.fields);
  const std::string base_json = op.base.empty() ? std::string() : encode_base(op.base);
  auto ins = held(insert_op_st_,
      "INSERT OR IGNORE INTO ops(origin, seq, hlc, dataset, kind, entity_id, op_type, fields, "
      "base, operator, schema_version, state, note, received_at, sig, prev) VALUES(?, ?, ?, ?, ?, "
      "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ins->bind_static(1, op.origin)
      .bind(2, static_cast<std::int64_t>(op.seq))
      .bind(3, static_cast<std::int64_t>(op.hlc.packed))
      .bind_static(4, op.dataset)
      .bind_static(5, spec(op.kind).name)
      .bind_static(6, op.entity_id)
      .bind_static(7, op_type_name(op.type))
      .bind_static(8, fields_json);
  if (op.base.empty())
    ins->bind_null(9);
  else
    ins->bind_static(9, base_json);
  ins->bind_static(10, op.operator_name)
      .bind(11, static_cast<std::int64_t>(op.schema_version))
      .bind(12, static_cast<std::int64_t>(state));
  if (note.empty())
    ins->bind_null(13);
  else
    ins->bind_static(13, note);
  ins->bind(14, wall);
  if (op.signature.empty())
    ins->bind_null(15);
  else
    ins->bind_static(15, op.signature);
  if (op.prev.empty())
    ins->bind_null(16);
  else
    ins->bind_static(16, op.prev);
  ins->run();

  if (db_.changes() == 0) {
    auto q = db_.query(
        "SELECT n, origin, seq, hlc, dataset, kind, entity_id, op_type, fields, base, operator, "
        "schema_version, state, sig, prev FROM ops WHERE origin = ? AND seq = ?");
    q->bind(1, op.origin).bind(2, static_cast<std::int64_t>(op.seq));
    if (q->step()) {
      const Op stored = read_op_row(*q);
      if (stored.same_content(op)) {
        // Keep the origin's signature once we have it, so we can relay the op onward.
        if (stored.signature.empty() && !op.signature.empty()) {
          auto up = db_.query("UPDATE ops SET sig = ?, prev = ? WHERE origin = ? AND seq = ?");
          up->bind_static(1, op.signature);
          if (op.prev.empty())
            up->bind_null(2);
          else
            up->bind_static(2, op.prev);
          up->bind(3, op.origin).bind(4, static_cast<std::int64_t>(op.seq)).run();
          wrote_in_tx_ = true;
        }
        return ApplyStatus::Duplicate;
      }
    }
    return refuse("seq " + std::to_string(op.seq) + " of " + op.origin +
                  " was already used for a different op");
  }
  wrote_in_tx_ = true;
  record_seq(op.origin, op.seq);

  if (state == kQuarantined) {
    *message = op_name(op) + ": quarantined: " + note;
    return ApplyStatus::Quarantined;
  }
  if (state == kInvalid) {
    *message = op_name(op) + ": invalid, kept but not applied: " + note;
    return ApplyStatus::Invalid;
  }
  if (!local) clock_.observe(op.hlc, wall);
  materialize(op, conflicts);
  return ApplyStatus::Applied;
}

void Store::record_seq(const std::string& origin, std::uint64_t seq) {
  OriginState& st = origins_[origin];
  st.dirty = true;
  st.max = std::max(st.max, seq);
  if (seq != st.contiguous + 1) return;
  st.contiguous = seq;
  // Close the gap if later seqs arrived first (live push before anti-entropy).
  while (st.max > st.contiguous) {
    auto q = db_.query("SELECT 1 FROM ops WHERE origin = ? AND seq = ?");
    q->bind(1, origin).bind(2, static_cast<std::int64_t>(st.contiguous + 1));
    if (!q->step()) break;
    ++st.contiguous;
  }
}

std::optional<EntityState> Store::load(EntityKind kind, std::string_view id) {
  const EntitySpec& s = spec(kind);
  KindSql& k = sql_[kind];
  auto q = held(k.select_st, k.select_row);
  q->bind(1, id);
  if (!q->step()) return std::nullopt;
  EntityState st(s);
  st.exists = true;
  const int n = static_cast<int>(s.fields.size());
  for (int i = 0; i < n; ++i) st.values[static_cast<size_t>(i)] = q->column(i);
  decode_clocks_into(q->column_text(n), st);
  st.deleted = q->column_int(n + 1) != 0;
  st.max_hlc = Hlc{static_cast<std::uint64_t>(q->column_int(n + 2))};
  return st;
}

bool Store::save_entity(EntityKind kind, std::string_view id, const EntityState& st, bool exists) {
  const std::string clocks = encode_clocks(st);
  KindSql& k = sql_[kind];
  auto q = exists ? held(k.update_st, k.update_row) : held(k.insert_st, k.insert_row);
  int i = 1;
  for (const Value& v : st.values) q->bind_static(i++, v);
  q->bind_static(i++, clocks);
  q->bind(i++, std::int64_t{st.deleted ? 1 : 0});
  q->bind(i++, static_cast<std::int64_t>(st.max_hlc.packed));
  q->bind_static(i++, id);
  q->run();
  return db_.changes() > 0;
}

Store::PartialSql& Store::partial_sql(const Op& op) {
  const EntitySpec& s = spec(op.kind);
  // Columns the op can change: its own fields, and companions of Max fields it sets.
  // Looked up by a bit mask of column indexes (specs have fewer than 128 fields).
  std::uint64_t mask[2] = {0, 0};
  auto mark = [&](size_t i) { mask[i / 64] |= std::uint64_t{1} << (i % 64); };
  for (const auto& [name, v] : op.fields) {
    const int i = s.index_of(name);
    if (i < 0) continue;
    mark(static_cast<size_t>(i));
    if (s.fields[static_cast<size_t>(i)].rule != MergeRule::Max) continue;
    for (size_t k = 0; k < s.fields.size(); ++k)
      if (s.fields[k].rule == MergeRule::Companion && s.fields[k].companion_of == name) mark(k);
  }
  const PartialKey key{op.kind, mask[0], mask[1]};
  auto it = partial_sql_.find(key);
  if (it != partial_sql_.end()) return it->second;
  PartialSql p;
  p.select = "SELECT rowid, _clk, _deleted, _hlc";
  p.update = "UPDATE OR IGNORE " + std::string(s.table) + " SET ";
  for (size_t c = 0; c < s.fields.size(); ++c) {
    if (!((mask[c / 64] >> (c % 64)) & 1)) continue;
    p.columns.push_back(static_cast<int>(c));
    const std::string name(s.fields[c].name);
    p.select += ", " + name;
    p.update += name + " = ?, ";
  }
  if (op.kind == EntityKind::Incident) {
    for (int c : incident_counts_.field_indexes()) {
      const auto u = static_cast<size_t>(c);
      if ((mask[u / 64] >> (u % 64)) & 1) continue;
      p.key_columns.push_back(c);
      p.select += ", " + std::string(s.fields[u].name);
    }
  }
  p.select += " FROM " + std::string(s.table) + " WHERE id = ?";
  p.update += "_clk = ?, _deleted = ?, _hlc = ? WHERE rowid = ?";
  return partial_sql_.emplace(key, std::move(p)).first->second;
}

void Store::materialize(const Op& op, std::size_t* conflicts) {
  const EntitySpec& s = spec(op.kind);
  // A create (no base clocks) is tried as a plain insert first: no read needed. If the
  // entity exists after all (created elsewhere too), fall back to read-merge-update.
  MergeResult r;
  bool done = false;
  if (op.type == OpType::Upsert && op.base.empty()) {
    EntityState fresh(s);
    r = merge_op(fresh, op);
    done = save_entity(op.kind, op.entity_id, fresh, false);
    if (done && op.kind == EntityKind::Incident) incident_counts_.moved(std::nullopt, fresh);
  }
  if (!done) {
    // Read and rewrite only the columns this op can change (plus the clocks).
    PartialSql& sql = partial_sql(op);
    EntityState st(s);
    std::int64_t rowid = 0;
    {
      auto q = held(sql.select_st, sql.select);
      q->bind_static(1, op.entity_id);
      if (q->step()) {
        st.exists = true;
        rowid = q->column_int(0);
        decode_clocks_into(q->column_text(1), st);
        st.deleted = q->column_int(2) != 0;
        st.max_hlc = Hlc{static_cast<std::uint64_t>(q->column_int(3))};
        int col = 4;
        for (int c : sql.columns) st.values[static_cast<size_t>(c)] = q->column(col++);
        for (int c : sql.key_columns) st.values[static_cast<size_t>(c)] = q->column(col++);
      }
    }
    const bool existed = st.exists;
    const bool counted = op.kind == EntityKind::Incident;
    std::optional<IncidentCounts::Key> before;
    if (counted && existed) before = incident_counts_.counted_as(st);
    r = merge_op(st, op);
    if (counted && r.changed) incident_counts_.moved(std::move(before), st);
    if (r.changed && !existed) {
      save_entity(op.kind, op.entity_id, st, false);
    } else if (r.changed) {
      const std::string clocks = encode_clocks(st);
      auto q = held(sql.update_st, sql.update);
      int i = 1;
      for (int col : sql.columns) q->bind_static(i++, st.values[static_cast<size_t>(col)]);
      q->bind_static(i++, clocks);
      q->bind(i++, std::int64_t{st.deleted ? 1 : 0});
      q->bind(i++, static_cast<std::int64_t>(st.max_hlc.packed));
      q->bind(i++, rowid);
      q->run();
    }
  }
  for (const Conflict& c : r.conflicts) {
    auto q = db_.query(
        "INSERT INTO conflicts(kind, entity_id, field, loser_value, loser_hlc, loser_origin, "
        "winner_hlc, winner_origin, detected_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING");
    q->bind(1, s.name)
        .bind(2, op.entity_id)
        .bind(3, c.field)
        .bind(4, encode_fields(Fields{{c.field, c.loser_value}}))
        .bind(5, static_cast<std::int64_t>(c.loser.hlc.packed))
        .bind(6, c.loser.origin)
        .bind(7, static_cast<std::int64_t>(c.winner.hlc.packed))
        .bind(8, c.winner.origin)
        .bind(9, wall_())
        .run();
    conflict_rows_ += db_.changes();
    if (conflicts) ++*conflicts;
  }
  // A write made on top of a value settles it: that value is no longer a lost conflict.
  // (Skipped while the conflicts table is empty, which is almost always.)
  for (const auto& [field, base] : op.base) {
    if (conflict_rows_ == 0) break;
    auto q = db_.query(
        "DELETE FROM conflicts WHERE kind = ? AND entity_id = ? AND field = ? AND loser_hlc = ? "
        "AND loser_origin = ?");
    q->bind(1, s.name)
        .bind(2, op.entity_id)
        .bind(3, field)
        .bind(4, static_cast<std::int64_t>(base.hlc.packed))
        .bind(5, base.origin)
        .run();
    conflict_rows_ -= db_.changes();
  }
}

// [SECTION] Peers

void Store::save_peer(const PeerRecord& p) {
  auto q = db_.query(
      "INSERT INTO peers(node_id, vector, last_heard, endpoint) VALUES(?, ?, ?, ?) ON CONFLICT(node_id) "
      "DO UPDATE SET vector = excluded.vector, last_heard = excluded.last_heard, endpoint = excluded.endpoint");
  q->bind(1, p.node_id).bind(2, encode_vector(p.vector));
  if (p.last_heard)
    q->bind(3, *p.last_heard);
  else
    q->bind_null(3);
  q->bind(4, p.endpoint).run();
}

std::optional<PeerRecord> Store::peer(std::string_view node_id) {
  for (PeerRecord& p : peers())
    if (p.node_id == node_id) return std::move(p);
  return std::nullopt;
}

std::vector<PeerRecord> Store::peers() {
  std::vector<PeerRecord> out;
  auto q = db_.query("SELECT node_id, vector, last_heard, endpoint FROM peers ORDER BY node_id");
  while (q->step()) {
    PeerRecord p;
    p.node_id = q->column_text(0);
    p.vector = decode_vector(q->column_text(1));
    if (!q->column_is_null(2)) p.last_heard = q->column_int(2);
    p.endpoint = q->column_text(3);
    out.push_back(std::move(p));
  }
  return out;
}

// [SECTION] Op log

Op Store::read_op_row(Statement& s) const { return op_from_row(s, path()); }

Op op_from_row(Statement& s, std::string_view where) { return op_from_row(s, where, nullptr); }

Op op_from_row(Statement& s, std::string_view where, std::string* fields_json) {
  // Columns: n, origin, seq, hlc, dataset, kind, entity_id, op_type, fields, base, operator,
  // schema_version, [state, sig, prev]
  Op op;
  op.origin = s.column_text(1);
  op.seq = static_cast<std::uint64_t>(s.column_int(2));
  op.hlc = Hlc{static_cast<std::uint64_t>(s.column_int(3))};
  op.dataset = s.column_text(4);
  const std::string kind = s.column_text(5);
  auto k = kind_from_name(kind);
  if (!k) throw StoreError(std::string(where) + ": op " + op.origin + "#" + std::to_string(op.seq) +
                           " has unknown kind \"" + kind + "\"");
  op.kind = *k;
  op.entity_id = s.column_text(6);
  op.type = op_type_from_name(s.column_text(7)).value_or(OpType::Upsert);
  if (fields_json)
    *fields_json = s.column_text(8);
  else
    op.fields = decode_fields(s.column_text(8));
  if (!s.column_is_null(9)) op.base = decode_base(s.column_text(9));
  op.operator_name = s.column_text(10);
  op.schema_version = static_cast<int>(s.column_int(11));
  if (s.column_count() > 13 && !s.column_is_null(13)) op.signature = s.column_text(13);
  if (s.column_count() > 14 && !s.column_is_null(14)) op.prev = s.column_text(14);
  return op;
}

VersionVector Store::version_vector() const {
  VersionVector v;
  for (const auto& [origin, st] : origins_)
    if (st.contiguous > 0) v.emplace(origin, st.contiguous);
  return v;
}

std::vector<Op> Store::ops_missing_for(const VersionVector& peer, std::size_t max_ops) {
  std::vector<Op> out;
  for (const auto& [origin, st] : origins_) {
    if (out.size() >= max_ops) break;
    auto it = peer.find(origin);
    const std::uint64_t have = it == peer.end() ? 0 : it->second;
    if (st.max <= have) continue;
    std::vector<Op> more = ops_from(origin, have, max_ops - out.size());
    std::move(more.begin(), more.end(), std::back_inserter(out));
  }
  return out;
}

VersionVector Store::max_seqs() const {
  VersionVector v;
  for (const auto& [origin, st] : origins_)
    if (st.max > 0) v.emplace(origin, st.max);
  return v;
}

namespace {
constexpr const char* kOpsFromSql =
    "SELECT n, origin, seq, hlc, dataset, kind, entity_id, op_type, fields, base, operator, "
    "schema_version, state, sig, prev FROM ops WHERE origin = ? AND seq > ? ORDER BY seq LIMIT ?";
}  // namespace

std::vector<Op> Store::ops_from(std::string_view origin, std::uint64_t after, std::size_t max_ops) {
  std::vector<Op> out;
  auto q = db_.query(kOpsFromSql);
  q->bind(1, origin).bind(2, static_cast<std::int64_t>(after)).bind(3, static_cast<std::int64_t>(max_ops));
  while (q->step()) out.push_back(read_op_row(*q));
  return out;
}

std::vector<StoredOp> Store::stored_ops_from(std::string_view origin, std::uint64_t after, std::size_t max_ops) {
  std::vector<StoredOp> out;
  auto q = db_.query(kOpsFromSql);
  q->bind(1, origin).bind(2, static_cast<std::int64_t>(after)).bind(3, static_cast<std::int64_t>(max_ops));
  while (q->step()) {
    StoredOp& so = out.emplace_back();
    so.op = op_from_row(*q, path(), &so.fields_json);
  }
  return out;
}

std::vector<Op> Store::ops_after(std::int64_t n, std::size_t max_ops, std::int64_t* last_n,
                                 bool applied_only) {
  return read_ops_after(db_, n, max_ops, last_n, applied_only);
}

std::vector<Op> read_ops_after(Db& db, std::int64_t n, std::size_t max_ops, std::int64_t* last_n,
                               bool applied_only) {
  std::vector<Op> out;
  auto q = db.query(
      "SELECT n, origin, seq, hlc, dataset, kind, entity_id, op_type, fields, base, operator, "
      "schema_version, state, sig, prev FROM ops WHERE n > ? ORDER BY n LIMIT ?");
  q->bind(1, n).bind(2, static_cast<std::int64_t>(max_ops));
  if (last_n) *last_n = n;
  while (q->step()) {
    if (last_n) *last_n = q->column_int(0);
    if (applied_only && q->column_int(12) != kApplied) continue;
    out.push_back(op_from_row(*q, db.path()));
  }
  return out;
}

std::int64_t Store::data_version() {
  auto q = db_.query("SELECT COALESCE(MAX(n), 0) FROM ops");
  q->step();
  return q->column_int(0);
}

std::vector<Change> Store::changes_since(std::int64_t n, std::size_t max_rows) {
  std::vector<Change> out;
  auto q = db_.query(
      "SELECT n, kind, entity_id FROM ops WHERE n > ? AND state = 0 ORDER BY n LIMIT ?");
  q->bind(1, n).bind(2, static_cast<std::int64_t>(max_rows));
  while (q->step()) {
    if (auto k = kind_from_name(q->column_text(1)))
      out.push_back(Change{q->column_int(0), *k, q->column_text(2)});
  }
  return out;
}

std::size_t Store::release_quarantined() {
  const TimeMs wall = wall_();
  const auto limit = static_cast<std::int64_t>(
      (static_cast<std::uint64_t>(std::max<TimeMs>(0, wall + max_drift_ms_)) + 1) << 16);
  std::vector<std::pair<std::int64_t, Op>> ready;
  {
    auto q = db_.query(
        "SELECT n, origin, seq, hlc, dataset, kind, entity_id, op_type, fields, base, operator, "
        "schema_version, state, sig, prev FROM ops INDEXED BY ops_quarantined WHERE state = 1 AND hlc < ?");
    q->bind(1, limit);
    while (q->step()) ready.emplace_back(q->column_int(0), read_op_row(*q));
  }
  // In arrival order (sorted here: with ORDER BY n, SQLite preferred walking the whole log).
  std::sort(ready.begin(), ready.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (ready.empty()) return 0;
  batch([&] {
    for (auto& [n, op] : ready) {
      // Re-append the op so the change feed shows it at the time it took effect.
      auto del = db_.query("DELETE FROM ops WHERE n = ?");
      del->bind(1, n).run();
      std::string message;
      apply_one(op, false, &message, nullptr);
    }
  });
  return ready.size();
}

}  // namespace honbu
