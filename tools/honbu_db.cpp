// honbu-db: look after a node database.
//   init    create a node database (node id + dataset)
//   stats   what is in it (ops, entities, version vector, conflicts); --summary for 状況概要
//   verify  SQLite integrity check + replay the op log into a scratch db and compare states
//   ops     print ops as JSON lines, for debugging
#include <CLI/CLI.hpp>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "model/db.hpp"
#include "model/errors.hpp"
#include "model/migrations.hpp"
#include "model/paths.hpp"
#include "model/queries.hpp"
#include "model/store.hpp"
#include "model/summary.hpp"
#include "model/text.hpp"
#include "model/time.hpp"
#include "model/verify.hpp"
#include "tools/cli.hpp"

using namespace honbu;

namespace {

struct Target {
  std::string db, data_dir, dataset = std::string(kActualDataset);
  std::string path() const { return db.empty() ? database_path(data_dir, dataset) : db; }
};

void add_target(CLI::App* cmd, Target& t) {
  cmd->add_option("--db", t.db, "database file (overrides --data-dir/--dataset)");
  cmd->add_option("--data-dir", t.data_dir, "node data directory")->default_str(default_data_dir());
  cmd->add_option("--dataset", t.dataset, "ACTUAL or EXERCISE:<name>");
}

std::unique_ptr<Store> open_existing(const Target& t) {
  StoreOptions o;
  o.path = t.path();
  o.create_if_missing = false;
  return Store::open(o);
}

// stats and ops only read, so they also work while a running node holds the file for
// writing: they then read it beside the node (WAL lets them) without migrating it.
struct Reading {
  std::unique_ptr<Store> store;
  std::unique_ptr<Db> beside;
  Db& db() { return store ? store->db() : *beside; }
};

// A file we may not write (a copy on a CD, an auditor's account) is read the same way.
Reading open_for_reading(const Target& t, bool ja) {
  Reading r;
  const std::string path = t.path();
  const bool writable = !std::filesystem::exists(path) || ::access(path.c_str(), W_OK) == 0;
  const char* why = nullptr;
  const char* fix = nullptr;
  if (writable) {
    try {
      r.store = open_existing(t);
      return r;
    } catch (const StoreBusyError&) {
      why = ja ? "(稼働中のノードが使用中のファイルを、読み取り専用で読んでいます)\n"
               : "(a running node has this file open: reading it read-only beside the node)\n";
      fix = "is held by a running node: stop that node first";
    }
  } else {
    why = ja ? "(書き込めないファイルを、変更せずに読み取り専用で読んでいます)\n"
             : "(this file is read-only for you: reading it without changing it)\n";
    fix = "is read-only for you: copy it somewhere you can write";
  }
  r.beside = std::make_unique<Db>(path, OpenMode::ReadOnly);
  const int version = stored_schema_version(*r.beside);
  if (version == 0) throw StoreError(path + " is not a Honbu database (it has no Honbu tables)");
  if (version != kSchemaVersion)
    throw StoreError(path + " is at schema " + std::to_string(version) + ", which this build (schema " +
                     std::to_string(kSchemaVersion) + ") reads only after upgrading it, and it " + fix);
  std::fprintf(stderr, "%s", why);
  return r;
}

nlohmann::json op_json(const Op& op) {
  nlohmann::json j;
  j["origin"] = op.origin;
  j["seq"] = op.seq;
  j["hlc"] = op.hlc.to_string();
  j["dataset"] = op.dataset;
  j["kind"] = spec(op.kind).name;
  j["id"] = op.entity_id;
  j["type"] = op_type_name(op.type);
  j["fields"] = nlohmann::json::parse(encode_fields(op.fields));
  if (!op.base.empty()) j["base"] = encode_base(op.base);
  j["operator"] = op.operator_name;
  j["schema"] = op.schema_version;
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  honbu::keep_files_private();
  CLI::App app{"honbu-db: create, inspect and verify a Honbu node database"};
  app.require_subcommand(1);
  Target target;
  target.data_dir = default_data_dir();
  std::string lang_name;
  app.add_option("--lang", lang_name, "ja or en (default: from $LANG)")->check(CLI::IsMember({"ja", "en"}));

  auto* init = app.add_subcommand("init", "create a node database");
  add_target(init, target);
  std::string node_id;
  init->add_option("--node", node_id, "this node's id, e.g. hq or kita (letters, digits, - _ .)")->required();

  auto* stats = app.add_subcommand("stats", "show what the database holds");
  add_target(stats, target);
  bool summary = false, json = false;
  stats->add_flag("--summary", summary, "also print the situation summary (状況概要)");
  stats->add_flag("--json", json, "machine-readable output");

  auto* verify = app.add_subcommand("verify", "integrity check and op-log replay");
  add_target(verify, target);

  auto* ops = app.add_subcommand("ops", "print ops as JSON lines");
  add_target(ops, target);
  std::int64_t after = 0;
  std::size_t limit = 100;
  std::string origin_filter, entity_filter;
  ops->add_option("--after", after, "only ops after this local counter");
  ops->add_option("--limit", limit, "at most this many ops (default 100)")->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
  ops->add_option("--origin", origin_filter, "only ops from this node");
  ops->add_option("--entity", entity_filter, "only ops on this entity id");

  auto* schema = app.add_subcommand("schema", "list every kind of record with its fields and codes");
  std::string schema_kind;
  schema->add_option("kind", schema_kind, "just this kind (incident, lifeline, branch_report, ...)");

  if (auto exit_status = parse_command_line(app, argc, argv)) return *exit_status;
  const Lang lang = message_lang(lang_name);
  const bool ja = lang == Lang::Ja;

  try {
    if (*schema) {
      // For people writing scenarios, CSV imports and integrations: field names and codes.
      static constexpr const char* kTypes[] = {"text", "long text", "integer", "number", "count (or 未確認)",
                                               "measure (or 未確認)", "yes/no", "date-time", "code", "id"};
      static_assert(std::size(kTypes) == static_cast<size_t>(FieldType::Ref) + 1);
      bool found = false;
      for (EntityKind k : all_kinds()) {
        const EntitySpec& es = spec(k);
        if (!schema_kind.empty() && es.name != schema_kind) continue;
        found = true;
        std::printf("%s  (%s)\n", std::string(es.name).c_str(), std::string(ja ? es.ja : es.en).c_str());
        for (const FieldSpec& f : es.fields) {
          const auto t = static_cast<size_t>(f.type);
          std::printf("  %-22s %-14s %s%s\n", std::string(f.name).c_str(), t < std::size(kTypes) ? kTypes[t] : "?",
                      std::string(f.label(lang)).c_str(), f.required ? (ja ? " (必須)" : " (required)") : "");
          if (f.enumeration) {
            std::string codes;
            for (const Label& l : f.enumeration->values)
              codes += (codes.empty() ? "" : ", ") + std::string(l.code) + "=" + std::string(l.text(lang));
            std::printf("  %-22s %s\n", "", codes.c_str());
          }
        }
      }
      if (!found) throw Error("no kind \"" + schema_kind + "\" (honbu-db schema lists them)");
      return 0;
    }
    if (*init) {
      StoreOptions o;
      o.path = target.path();
      o.node_id = node_id;
      o.dataset = target.dataset;
      o.adopt_empty_file = true;
      std::error_code ec;
      // An empty file (touched, or left by an interrupted creation) is made into a database.
      const bool existed = std::filesystem::exists(o.path, ec) && std::filesystem::file_size(o.path, ec) > 0 && !ec;
      auto s = Store::open(o);  // an existing file of another node or dataset is refused
      if (existed)
        std::printf(ja ? "既にあります: %s (ノード %s, データセット %s)。何も変更していません\n"
                       : "Already there: %s (node %s, dataset %s); nothing changed\n",
                    s->path().c_str(), s->node_id().c_str(), s->dataset().c_str());
      else
        std::printf(ja ? "作成しました: %s (ノード %s, データセット %s)\n" : "Created %s (node %s, dataset %s)\n",
                    s->path().c_str(), s->node_id().c_str(), s->dataset().c_str());
      return 0;
    }
    if (*stats) {
      Reading s = open_for_reading(target, ja);
      Db& db = s.db();
      const StoreStats st = store_stats(db);
      if (json) {
        nlohmann::json j;
        j["path"] = st.path;
        j["node_id"] = st.node_id;
        j["dataset"] = st.dataset;
        j["schema_version"] = st.schema_version;
        j["ops"] = st.ops;
        j["quarantined"] = st.quarantined;
        j["invalid"] = st.invalid;
        j["refused"] = st.refused;
        j["conflicts_open"] = st.conflicts_open;
        j["vector"] = nlohmann::json::parse(encode_vector(st.vector));
        j["state_hash"] = state_hash(db);
        for (const auto& [k, n] : st.entities) j["entities"][std::string(spec(k).name)] = n;
        std::cout << j.dump(2) << "\n";
        return 0;
      }
      std::printf("%s %s\n", ja ? "ファイル:" : "File:", st.path.c_str());
      std::printf("%s %s  %s %s  %s %d\n", ja ? "ノード:" : "Node:", st.node_id.c_str(),
                  ja ? "データセット:" : "Dataset:", st.dataset.c_str(), ja ? "スキーマ:" : "Schema:",
                  st.schema_version);
      std::printf(ja ? "操作(op): %lld 件 (隔離 %lld, 無効 %lld)  拒否: %lld  未解決の競合: %lld\n"
                     : "Ops: %lld (quarantined %lld, invalid %lld)  refused: %lld  open conflicts: %lld\n",
                  static_cast<long long>(st.ops), static_cast<long long>(st.quarantined),
                  static_cast<long long>(st.invalid), static_cast<long long>(st.refused),
                  static_cast<long long>(st.conflicts_open));
      std::printf("%s %s\n", ja ? "時計(HLC):" : "Clock (HLC):", st.last_hlc.c_str());
      std::printf("%s\n", ja ? "バージョンベクトル:" : "Version vector:");
      for (const auto& [o, seq] : st.vector) std::printf("  %-20s %llu\n", o.c_str(), static_cast<unsigned long long>(seq));
      std::printf("%s\n", ja ? "件数:" : "Rows:");
      for (const auto& [k, n] : st.entities)
        std::printf("  %s %lld\n", pad_columns(spec(k).label(lang), 20).c_str(), static_cast<long long>(n));
      std::printf("%s %s\n", ja ? "状態ハッシュ:" : "State hash:", state_hash(db).c_str());
      if (summary) std::printf("\n%s", situation_summary(db, lang, s.store ? s.store->now() : wall_now_ms()).c_str());
      return 0;
    }
    if (*verify) {
      VerifyReport r;
      try {
        r = verify_store(target.path(), [&](std::int64_t done, std::int64_t total) {
          std::fprintf(stderr, ja ? "\r再生中 %lld / %lld" : "\rreplaying %lld / %lld",
                       static_cast<long long>(done), static_cast<long long>(total));
        });
      } catch (const StoreBusyError&) {
        // Its commits between the checks would read as differences: verify wants it alone.
        std::fprintf(stderr, "honbu-db: %s\n",
                     (ja ? target.path() + " は動いているノードか画面が使用中です。検証はそれを止めてから行ってください "
                                           "(その間も stats は使えます)"
                         : target.path() + " is in use by a running node or console: stop it to verify "
                                           "(stats works meanwhile)")
                         .c_str());
        return 2;
      }
      std::fprintf(stderr, "\n");
      std::printf("integrity_check: %s\n", r.integrity.c_str());
      std::printf(ja ? "再生した操作: %lld\n" : "ops replayed: %lld\n", static_cast<long long>(r.ops_replayed));
      std::printf(ja ? "状態ハッシュ: テーブル %s / 再生 %s\n" : "state hash: tables %s / replay %s\n",
                  r.live_hash.c_str(), r.replay_hash.c_str());
      for (const auto& p : r.problems) std::printf("%s %s\n", ja ? "問題:" : "problem:", p.c_str());
      std::printf("%s\n", r.ok ? (ja ? "検証OK" : "verify: OK") : (ja ? "検証NG" : "verify: FAILED"));
      return r.ok ? 0 : 1;
    }
    if (*ops) {
      Reading s = open_for_reading(target, ja);
      std::size_t printed = 0;
      std::int64_t cursor = after;
      bool more = false;  // a matching op beyond the limit: said, never a silent cut
      while (!more) {
        std::int64_t last = cursor;
        auto batch = read_ops_after(s.db(), cursor, 1000, &last);
        if (last == cursor) break;
        for (const Op& op : batch) {
          if (!origin_filter.empty() && op.origin != origin_filter) continue;
          if (!entity_filter.empty() && op.entity_id != entity_filter) continue;
          if (printed == limit) {
            more = true;
            break;
          }
          std::cout << op_json(op).dump() << "\n";
          ++printed;
        }
        cursor = last;
      }
      if (more) {
        std::cout.flush();
        std::fprintf(stderr,
                     ja ? "(最初の %zu 件だけ表示しました。続きがあります: --limit で件数を指定してください)\n"
                        : "(the first %zu ops only; there are more: --limit N shows more)\n",
                     printed);
      }
      if (printed == 0 && !origin_filter.empty()) {
        // Nothing at all for a mistyped node id is not the same as "no ops": say which exist.
        std::string known;
        bool here = false;
        auto q = s.db().query("SELECT origin FROM origins ORDER BY origin");
        while (q->step()) {
          const std::string o = q->column_text(0);
          here |= o == origin_filter;
          known += (known.empty() ? "" : ", ") + o;
        }
        if (!here) {
          std::fprintf(stderr, ja ? "%s からの操作はこのデータベースにありません (あるのは: %s)\n"
                                  : "no ops from %s in this database (origins here: %s)\n",
                       origin_filter.c_str(), known.empty() ? (ja ? "なし" : "none") : known.c_str());
          return 1;
        }
      }
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "honbu-db: %s\n", e.what());
    return 2;
  }
  return 0;
}
