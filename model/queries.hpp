// [SECTION] Read queries for the console, tools and exports. Each takes a Db (the writer's,
// or a read-only connection of the UI thread) and never writes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/db.hpp"
#include "model/entities.hpp"
#include "model/form4.hpp"
#include "model/merge.hpp"
#include "model/op.hpp"

namespace honbu {

namespace detail {
std::string select_columns(const EntitySpec& s);  // "id, c1, c2, ..."
Fields row_fields(const EntitySpec& s, Statement& q);  // from a select_columns() row
}  // namespace detail

// One live (not deleted) entity by id.
template <class T>
std::optional<T> get(Db& db, std::string_view id) {
  const EntitySpec& s = spec(T::kKind);
  auto q = db.query("SELECT " + detail::select_columns(s) + " FROM " + std::string(s.table) +
                    " WHERE id = ? AND _deleted = 0");
  q->bind(1, id);
  if (!q->step()) return std::nullopt;
  return from_fields<T>(q->column_text(0), detail::row_fields(s, *q));
}

// Every live entity of a kind, by id (time-ordered ids: creation order).
template <class T>
std::vector<T> list_all(Db& db) {
  const EntitySpec& s = spec(T::kKind);
  auto q = db.query("SELECT " + detail::select_columns(s) + " FROM " + std::string(s.table) +
                    " WHERE _deleted = 0 ORDER BY id");
  std::vector<T> out;
  while (q->step()) out.push_back(from_fields<T>(q->column_text(0), detail::row_fields(s, *q)));
  return out;
}

// One entity with its per-field clocks (what an edit form starts from: its base clocks),
// deleted or not. nullopt if it was never seen.
std::optional<EntityState> load_state(Db& db, EntityKind kind, std::string_view id);

// [SECTION] Incidents
struct IncidentFilter {
  std::vector<std::string> statuses, priorities, categories, areas, verifications;  // empty = all
  std::string text;  // substring of title, place, description or reporter (Japanese works)
  enum class Sort { Priority, ReceivedAt, Status, Category, Area, Title } sort = Sort::Priority;
  bool descending = false;
  int limit = 500;
  int offset = 0;
};
struct IncidentPage {
  std::vector<Incident> rows;
  std::int64_t total = 0;  // matching rows, for the scrollbar
};
IncidentPage query_incidents(Db& db, const IncidentFilter& filter);

// [SECTION] Branch reports and 第4号様式 totals
struct BranchLatest {
  Branch branch;                       // as registered (name empty if master data not arrived)
  std::optional<BranchReport> latest;  // none: the branch has never reported
};
struct Form4Totals {
  std::map<std::string, TriTotal, std::less<>> totals;  // form4 field keys and computed keys
  std::vector<BranchLatest> branches;
  const TriTotal& get(std::string_view key) const;
};
// HQ totals = sum of each branch's latest report (as of `as_of` if given); a branch that has
// not reported counts as 未確認 for every field, never as zero.
Form4Totals form4_totals(Db& db, std::optional<TimeMs> as_of = std::nullopt);

struct BranchFreshness {
  Branch branch;
  std::int64_t latest_report_no = 0;   // 0: no report yet
  std::optional<TimeMs> latest_as_of;  // 「○時○分現在」 of the latest report
  std::optional<TimeMs> age_ms;        // now - latest_as_of
  std::int64_t stale_after_min = 60;
  bool stale = true;                   // no report, or older than stale_after_min
};
std::vector<BranchFreshness> branch_freshness(Db& db, TimeMs now);

std::vector<BranchReport> report_history(Db& db, std::string_view branch_id);  // newest first

// [SECTION] Lifelines
struct LifelineMatrix {
  std::vector<Area> areas;  // rows
  std::vector<std::string> types;  // columns: lifeline_type codes in catalogue order
  std::map<std::string, LifelineStatus, std::less<>> cells;  // by lifeline_id(area, type)
  const LifelineStatus* cell(std::string_view area_id, std::string_view type) const;
};
LifelineMatrix lifeline_matrix(Db& db);

// [SECTION] Shelters and requests
struct ShelterTotals {
  std::vector<Shelter> shelters;
  int open = 0;  // 開設 or 常設
  TriTotal evacuees, households;  // over open shelters
};
ShelterTotals shelter_totals(Db& db);
std::vector<ShelterSupply> shelter_supplies(Db& db, std::string_view shelter_id);
std::vector<ResourceRequest> open_requests(Db& db);  // not done/cancelled; urgent first

// [SECTION] Chronology
struct ChronologyFilter {
  std::vector<std::string> categories, states;  // empty = all
  std::string text;
};
struct ChronologyPage {
  std::vector<ChronologyEntry> rows;  // newest first
  std::int64_t total = 0;
};
ChronologyPage chronology_page(Db& db, const ChronologyFilter& filter, int page, int page_size);

// [SECTION] Conflicts, op log, integrity
struct ConflictRow {
  EntityKind kind;
  std::string entity_id, field;
  Value loser_value;
  FieldClock loser, winner;
  TimeMs detected_at = 0;
  bool open = false;  // the winner is still the current value (nobody has settled it since)
};
std::vector<ConflictRow> list_conflicts(Db& db, bool open_only);

struct StoreStats {
  std::string dataset, node_id, path;
  int schema_version = 0;
  std::int64_t ops = 0, quarantined = 0, invalid = 0, refused = 0, conflicts_open = 0;
  std::vector<std::pair<EntityKind, std::int64_t>> entities;  // live rows per kind
  VersionVector vector;
  std::string last_hlc;
};
StoreStats store_stats(Db& db);

// Hash of every typed table (values, winning clocks, tombstones): equal on every replica
// that has applied the same set of ops. Conflicts and local arrival order are not included.
std::string state_hash(Db& db);

}  // namespace honbu
