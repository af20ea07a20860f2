#include "model/queries.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "model/merge.hpp"
#include "model/migrations.hpp"

namespace honbu {

namespace detail {

std::string select_columns(const EntitySpec& s) {
  std::string cols = "id";
  for (const FieldSpec& f : s.fields) cols += ", " + std::string(f.name);
  return cols;
}

Fields row_fields(const EntitySpec& s, Statement& q) {
  Fields f;
  int i = 1;
  for (const FieldSpec& spec_field : s.fields) {
    Value v = q.column(i++);
    if (!is_null(v)) f.emplace(std::string(spec_field.name), std::move(v));
  }
  return f;
}

}  // namespace detail

namespace {

// Must match the expression of the incidents_priority index (migrations.cpp) character
// for character, or SQLite sorts 100k rows instead of walking the index.
constexpr const char* kPriorityRank =
    "CASE priority WHEN 'life' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 "
    "ELSE 4 END";

std::string like_pattern(std::string_view text) {
  std::string p = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') p += '\\';
    p += c;
  }
  return p + "%";
}

// Appends "AND col IN (?, ?, ...)" and remembers the values to bind.
void add_in(std::string& where, std::vector<std::string>& params, std::string_view column,
            const std::vector<std::string>& values) {
  if (values.empty()) return;
  where += " AND " + std::string(column) + " IN (";
  for (size_t i = 0; i < values.size(); ++i) {
    where += i ? ", ?" : "?";
    params.push_back(values[i]);
  }
  where += ")";
}

template <class T>
std::vector<T> select_where(Db& db, const std::string& clause, const std::vector<std::string>& params) {
  const EntitySpec& s = spec(T::kKind);
  auto q = db.query("SELECT " + detail::select_columns(s) + " FROM " + std::string(s.table) +
                    " WHERE _deleted = 0 " + clause);
  int i = 1;
  for (const auto& p : params) q->bind(i++, p);
  std::vector<T> out;
  while (q->step()) out.push_back(from_fields<T>(q->column_text(0), detail::row_fields(s, *q)));
  return out;
}

// FNV-1a 64: enough to compare replicas (not a defence against tampering).
struct Fnv {
  std::uint64_t h = 1469598103934665603ULL;
  void bytes(const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 1099511628211ULL;
    }
  }
  void tagged(char tag, std::string_view s) {
    bytes(&tag, 1);
    const auto n = static_cast<std::uint64_t>(s.size());
    bytes(&n, sizeof n);
    bytes(s.data(), s.size());
  }
};

}  // namespace

std::optional<EntityState> load_state(Db& db, EntityKind kind, std::string_view id) {
  const EntitySpec& s = spec(kind);
  auto q = db.query("SELECT " + detail::select_columns(s) + ", _clk, _deleted, _hlc FROM " + std::string(s.table) +
                    " WHERE id = ?");
  q->bind(1, id);
  if (!q->step()) return std::nullopt;
  EntityState st(s);
  st.exists = true;
  const int n = static_cast<int>(s.fields.size());
  for (int i = 0; i < n; ++i) st.values[static_cast<size_t>(i)] = q->column(i + 1);
  decode_clocks_into(q->column_text(n + 1), st);
  st.deleted = q->column_int(n + 2) != 0;
  st.max_hlc = Hlc{static_cast<std::uint64_t>(q->column_int(n + 3))};
  return st;
}

IncidentPage query_incidents(Db& db, const IncidentFilter& f) {
  // Status and priority are the key of incident_counts: filtered on those alone, the total is
  // a sum over that small table with the same conditions.
  std::string counted_match;
  std::vector<std::string> params;
  add_in(counted_match, params, "status", f.statuses);
  add_in(counted_match, params, "priority", f.priorities);
  const bool counted = f.text.empty() && f.categories.empty() && f.areas.empty() && f.verifications.empty();
  std::string where = "_deleted = 0" + counted_match;
  add_in(where, params, "category", f.categories);
  add_in(where, params, "area_id", f.areas);
  add_in(where, params, "verification", f.verifications);
  if (!f.text.empty()) {
    where +=
        " AND (title LIKE ? ESCAPE '\\' OR place LIKE ? ESCAPE '\\' OR description LIKE ? "
        "ESCAPE '\\' OR reporter LIKE ? ESCAPE '\\')";
    for (int k = 0; k < 4; ++k) params.push_back(like_pattern(f.text));
  }
  const char* dir = f.descending ? " DESC" : "";
  std::string order;
  switch (f.sort) {
    case IncidentFilter::Sort::Priority:
      order = std::string(kPriorityRank) + dir + ", received_at DESC";
      break;
    case IncidentFilter::Sort::ReceivedAt: order = std::string("received_at") + dir; break;
    case IncidentFilter::Sort::Status: order = std::string("status") + dir + ", received_at DESC"; break;
    case IncidentFilter::Sort::Category: order = std::string("category") + dir + ", received_at DESC"; break;
    case IncidentFilter::Sort::Area: order = std::string("area_id") + dir + ", received_at DESC"; break;
    case IncidentFilter::Sort::Title: order = std::string("title") + dir + ", received_at DESC"; break;
  }
  // Ties: by local row order for the indexed sorts (so the index drives the query), by id
  // for the rest.
  if (f.sort != IncidentFilter::Sort::Priority && f.sort != IncidentFilter::Sort::ReceivedAt)
    order += ", id";

  IncidentPage page;
  {
    auto q = counted ? db.query("SELECT ifnull(sum(n), 0) FROM incident_counts WHERE 1" + counted_match)
                            : db.query("SELECT count(*) FROM incidents WHERE " + where);
    int i = 1;
    for (const auto& p : params) q->bind(i++, p);
    q->step();
    page.total = q->column_int(0);
  }
  const EntitySpec& s = spec(EntityKind::Incident);
  auto q = db.query("SELECT " + detail::select_columns(s) + " FROM incidents WHERE " + where +
                    " ORDER BY " + order + " LIMIT ? OFFSET ?");
  int i = 1;
  for (const auto& p : params) q->bind(i++, p);
  q->bind(i, std::int64_t{f.limit});
  q->bind(i + 1, std::int64_t{f.offset});
  while (q->step()) page.rows.push_back(from_fields<Incident>(q->column_text(0), detail::row_fields(s, *q)));
  return page;
}

const TriTotal& Form4Totals::get(std::string_view key) const {
  static const TriTotal kEmpty;
  auto it = totals.find(key);
  return it == totals.end() ? kEmpty : it->second;
}

Form4Totals form4_totals(Db& db, std::optional<TimeMs> as_of) {
  Form4Totals out;
  std::map<std::string, BranchLatest, std::less<>> by_branch;
  for (Branch& b : list_all<Branch>(db)) {
    std::string id = b.id;
    by_branch[id].branch = std::move(b);
  }
  std::string clause =
      "AND (branch_id, report_no) IN (SELECT branch_id, MAX(report_no) FROM branch_reports "
      "WHERE _deleted = 0";
  std::vector<std::string> params;
  if (as_of) {
    clause += " AND as_of <= ?";
    params.push_back(format_iso_jst(*as_of));
  }
  clause += " GROUP BY branch_id) ORDER BY branch_id";
  for (BranchReport& r : select_where<BranchReport>(db, clause, params)) {
    BranchLatest& bl = by_branch[r.branch_id];
    if (bl.branch.id.empty()) bl.branch.id = r.branch_id;
    bl.latest = std::move(r);
  }
  for (auto& [id, bl] : by_branch) {
    for (const Form4Field& f : form4_fields()) {
      TriTotal& t = out.totals[std::string(f.key)];
      if (bl.latest) {
        auto it = bl.latest->figures.find(f.key);
        t.add(it == bl.latest->figures.end() ? Value{} : it->second);
      } else {
        ++t.unknown_inputs;  // never reported: 未確認, not zero
      }
    }
    out.branches.push_back(std::move(bl));
  }
  for (const Form4Field& f : form4_fields()) out.totals.try_emplace(std::string(f.key));
  // Computed totals in catalogue order (later ones may use earlier ones, e.g. 被害総額 ← 小計).
  for (const Form4Computed& c : form4_computed())
    out.totals[std::string(c.key)] = form4_compute(c, [&](std::string_view k) { return out.get(k); });
  return out;
}

std::vector<BranchFreshness> branch_freshness(Db& db, TimeMs now) {
  std::vector<BranchFreshness> out;
  Form4Totals t = form4_totals(db);
  for (BranchLatest& bl : t.branches) {
    BranchFreshness f;
    f.stale_after_min = bl.branch.stale_after_min.value_or(60);
    if (bl.latest) {
      f.latest_report_no = bl.latest->report_no;
      if (bl.latest->as_of) {
        f.latest_as_of = bl.latest->as_of->ms;
        f.age_ms = now - bl.latest->as_of->ms;
        f.stale = *f.age_ms > f.stale_after_min * 60'000;
      }
    }
    f.branch = std::move(bl.branch);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<BranchReport> report_history(Db& db, std::string_view branch_id) {
  return select_where<BranchReport>(db, "AND branch_id = ? ORDER BY report_no DESC",
                                    {std::string(branch_id)});
}

const LifelineStatus* LifelineMatrix::cell(std::string_view area_id, std::string_view type) const {
  auto it = cells.find(lifeline_id(area_id, type));
  return it == cells.end() ? nullptr : &it->second;
}

LifelineMatrix lifeline_matrix(Db& db) {
  LifelineMatrix m;
  m.areas = select_where<Area>(db, "ORDER BY branch_id, id", {});
  for (const Label& l : enums::lifeline_type.values) m.types.emplace_back(l.code);
  for (LifelineStatus& s : list_all<LifelineStatus>(db)) {
    std::string id = lifeline_id(s.area_id, s.lifeline_type);
    m.cells.emplace(std::move(id), std::move(s));
  }
  return m;
}

ShelterTotals shelter_totals(Db& db) {
  ShelterTotals t;
  t.shelters = select_where<Shelter>(db, "ORDER BY area_id, name", {});
  for (const Shelter& s : t.shelters) {
    if (s.open_state != "open" && s.open_state != "permanent") continue;
    ++t.open;
    t.evacuees.add(detail::to_value(s.evacuees));
    t.households.add(detail::to_value(s.households));
  }
  return t;
}

std::vector<ShelterSupply> shelter_supplies(Db& db, std::string_view shelter_id) {
  return select_where<ShelterSupply>(db, "AND shelter_id = ? ORDER BY item", {std::string(shelter_id)});
}

std::vector<ResourceRequest> open_requests(Db& db) {
  return select_where<ResourceRequest>(
      db,
      "AND status NOT IN ('done', 'cancelled') ORDER BY " + std::string(kPriorityRank) +
          ", due_at IS NULL, due_at, id",
      {});
}

ChronologyPage chronology_page(Db& db, const ChronologyFilter& f, int page, int page_size) {
  std::string where = "_deleted = 0";
  std::vector<std::string> params;
  add_in(where, params, "category", f.categories);
  add_in(where, params, "state", f.states);
  if (!f.text.empty()) {
    where += " AND (content LIKE ? ESCAPE '\\' OR from_org LIKE ? ESCAPE '\\' OR to_org LIKE ? ESCAPE '\\')";
    for (int i = 0; i < 3; ++i) params.push_back(like_pattern(f.text));
  }
  ChronologyPage out;
  {
    auto q = db.query("SELECT count(*) FROM chronology WHERE " + where);
    int i = 1;
    for (const auto& p : params) q->bind(i++, p);
    q->step();
    out.total = q->column_int(0);
  }
  const EntitySpec& s = spec(EntityKind::Chronology);
  auto q = db.query("SELECT " + detail::select_columns(s) + " FROM chronology WHERE " + where +
                    " ORDER BY at DESC, id DESC LIMIT ? OFFSET ?");
  int i = 1;
  for (const auto& p : params) q->bind(i++, p);
  q->bind(i, std::int64_t{page_size});
  q->bind(i + 1, std::int64_t{page} * page_size);
  while (q->step()) out.rows.push_back(from_fields<ChronologyEntry>(q->column_text(0), detail::row_fields(s, *q)));
  return out;
}

std::vector<ConflictRow> list_conflicts(Db& db, bool open_only) {
  std::vector<ConflictRow> out;
  auto q = db.query(
      "SELECT kind, entity_id, field, loser_value, loser_hlc, loser_origin, winner_hlc, "
      "winner_origin, detected_at FROM conflicts ORDER BY detected_at DESC, kind, entity_id, field");
  while (q->step()) {
    auto kind = kind_from_name(q->column_text(0));
    if (!kind) continue;
    ConflictRow c;
    c.kind = *kind;
    c.entity_id = q->column_text(1);
    c.field = q->column_text(2);
    Fields loser = decode_fields(q->column_text(3));
    c.loser_value = loser.empty() ? Value{} : loser.begin()->second;
    c.loser = {Hlc{static_cast<std::uint64_t>(q->column_int(4))}, q->column_text(5)};
    c.winner = {Hlc{static_cast<std::uint64_t>(q->column_int(6))}, q->column_text(7)};
    c.detected_at = q->column_int(8);
    out.push_back(std::move(c));
  }
  for (ConflictRow& c : out) {
    auto cq = db.query("SELECT _clk FROM " + std::string(spec(c.kind).table) + " WHERE id = ?");
    cq->bind(1, c.entity_id);
    if (!cq->step()) continue;
    FieldClocks clocks = decode_clocks(cq->column_text(0));
    auto it = clocks.find(c.field);
    c.open = it != clocks.end() && it->second.clock == c.winner;
  }
  if (open_only) std::erase_if(out, [](const ConflictRow& c) { return !c.open; });
  return out;
}

StoreStats store_stats(Db& db) {
  StoreStats s;
  s.path = db.path();
  s.schema_version = stored_schema_version(db);
  {
    auto q = db.query("SELECT key, value FROM meta WHERE key IN ('dataset', 'node_id', 'hlc')");
    while (q->step()) {
      const std::string k = q->column_text(0);
      if (k == "dataset") s.dataset = q->column_text(1);
      if (k == "node_id") s.node_id = q->column_text(1);
      if (k == "hlc") s.last_hlc = Hlc{static_cast<std::uint64_t>(std::stoll(q->column_text(1)))}.to_string();
    }
  }
  {
    auto q = db.query("SELECT state, count(*) FROM ops GROUP BY state");
    while (q->step()) {
      s.ops += q->column_int(1);
      if (q->column_int(0) == 1) s.quarantined = q->column_int(1);
      if (q->column_int(0) == 2) s.invalid = q->column_int(1);
    }
  }
  {
    auto q = db.query("SELECT count(*) FROM refused_ops");
    q->step();
    s.refused = q->column_int(0);
  }
  for (EntityKind k : all_kinds()) {
    auto q = db.query("SELECT count(*) FROM " + std::string(spec(k).table) + " WHERE _deleted = 0");
    q->step();
    s.entities.emplace_back(k, q->column_int(0));
  }
  {
    auto q = db.query("SELECT origin, contiguous FROM origins WHERE contiguous > 0 ORDER BY origin");
    while (q->step()) s.vector.emplace(q->column_text(0), static_cast<std::uint64_t>(q->column_int(1)));
  }
  s.conflicts_open = static_cast<std::int64_t>(list_conflicts(db, true).size());
  return s;
}

std::string state_hash(Db& db) {
  Fnv h;
  for (EntityKind k : all_kinds()) {
    const EntitySpec& s = spec(k);
    h.tagged('K', s.name);
    auto q = db.query("SELECT " + detail::select_columns(s) + ", _clk, _deleted, _hlc FROM " +
                      std::string(s.table) + " ORDER BY id");
    const int n = q->column_count();
    while (q->step()) {
      for (int i = 0; i < n; ++i) {
        const Value v = q->column(i);
        if (is_null(v)) {
          h.tagged('N', {});
        } else if (auto iv = std::get_if<std::int64_t>(&v)) {
          h.tagged('I', std::to_string(*iv));
        } else if (auto dv = std::get_if<double>(&v)) {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.17g", *dv);
          h.tagged('R', buf);
        } else {
          h.tagged('T', std::get<std::string>(v));
        }
      }
    }
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016" PRIx64, h.h);
  return out;
}

}  // namespace honbu
