#include "model/migrations.hpp"

#include <optional>
#include <string>

#include "model/db.hpp"
#include "model/errors.hpp"

namespace honbu {

namespace {

// Schema 1: op log, version vector, conflicts and the first typed tables.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- The op log: every change ever made, local or remote. n is the local arrival order
-- (the change feed); (origin, seq) identifies the op everywhere.
CREATE TABLE ops (
  n INTEGER PRIMARY KEY,
  origin TEXT NOT NULL,
  seq INTEGER NOT NULL,
  hlc INTEGER NOT NULL,
  dataset TEXT NOT NULL,
  kind TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  op_type TEXT NOT NULL,
  fields TEXT NOT NULL,
  base TEXT,
  operator TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  state INTEGER NOT NULL DEFAULT 0, -- 0 applied, 1 quarantined (clock ahead), 2 invalid
  note TEXT,
  received_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX ops_origin_seq ON ops(origin, seq);

-- Version vector: highest contiguous seq per origin, and the highest seen.
CREATE TABLE origins (
  origin TEXT PRIMARY KEY,
  contiguous INTEGER NOT NULL,
  max_seq INTEGER NOT NULL
) WITHOUT ROWID;

-- Ops that were offered but never stored (wrong dataset, reused seq): for review.
CREATE TABLE refused_ops (
  n INTEGER PRIMARY KEY,
  origin TEXT NOT NULL,
  seq INTEGER NOT NULL,
  reason TEXT NOT NULL,
  fields TEXT NOT NULL,
  received_at INTEGER NOT NULL
);

-- Values that lost to a concurrent write (the winner is in the typed table).
CREATE TABLE conflicts (
  kind TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  field TEXT NOT NULL,
  loser_value TEXT NOT NULL,
  loser_hlc INTEGER NOT NULL,
  loser_origin TEXT NOT NULL,
  winner_hlc INTEGER NOT NULL,
  winner_origin TEXT NOT NULL,
  detected_at INTEGER NOT NULL,
  PRIMARY KEY (kind, entity_id, field, loser_hlc, loser_origin)
) WITHOUT ROWID;

CREATE TABLE areas (
  id TEXT PRIMARY KEY,
  name TEXT,
  kana TEXT,
  branch_id TEXT,
  municipality_code TEXT,
  households INTEGER,
  population INTEGER,
  lat REAL,
  lon REAL,
  _clk TEXT NOT NULL DEFAULT '{}',
  _deleted INTEGER NOT NULL DEFAULT 0,
  _hlc INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE branches (
  id TEXT PRIMARY KEY,
  name TEXT,
  name_en TEXT,
  branch_kind TEXT,
  node_id TEXT,
  stale_after_min INTEGER,
  phone TEXT,
  _clk TEXT NOT NULL DEFAULT '{}',
  _deleted INTEGER NOT NULL DEFAULT 0,
  _hlc INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE hq_state (
  id TEXT PRIMARY KEY,
  state TEXT,
  activation_level TEXT,
  established_at TEXT,
  dissolved_at TEXT,
  disaster_name TEXT,
  occurred_at TEXT,
  prefecture TEXT,
  municipality TEXT,
  municipality_code TEXT,
  note TEXT,
  _clk TEXT NOT NULL DEFAULT '{}',
  _deleted INTEGER NOT NULL DEFAULT 0,
  _hlc INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  title TEXT,
  description TEXT,
  category TEXT,
  place TEXT,
  area_id TEXT,
  lat REAL,
  lon REAL,
  received_at TEXT,
  channel TEXT,
  reporter TEXT,
  verification TEXT,
  priority TEXT,
  status TEXT,
  team TEXT,
  dead INTEGER,
  injured INTEGER,
  trapped INTEGER,
  duplicate_of TEXT,
  _clk TEXT NOT NULL DEFAULT '{}',
  _deleted INTEGER NOT NULL DEFAULT 0,
  _hlc INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE lifelines (
  id TEXT PRIMARY KEY,
  area_id TEXT,
  lifeline_type TEXT,
  status TEXT,
  affected INTEGER,
  as_of TEXT,
  source TEXT,
  peak_affected INTEGER,
  peak_at TEXT,
  restoration_estimate TEXT,
  estimate_publishable INTEGER,
  note TEXT,
  _clk TEXT NOT NULL DEFAULT '{}',
  _deleted INTEGER NOT NULL DEFAULT 0,
  _hlc INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE branch_reports (
  id TEXT PRIMARY KEY,
  branch_id TEXT,
  report_no INTEGER,
  as_of TEXT,
  report_type TEXT,
  reporter TEXT,
  occurred_at TEXT,
  place TEXT,
  overview TEXT,
  damage_text TEXT,
  response_text TEXT,
  rm_activity TEXT,
  rm_evacuation TEXT,
  rm_shelters TEXT,
  rm_aid_requests TEXT,
  rm_sdf TEXT,
  rm_volunteers TEXT,
  dead INTEGER,
  missing INTEGER,
  injured_severe INTEGER,
  injured_minor INTEGER,
  full_bldg INTEGER,
  full_hh INTEGER,
  full_persons INTEGER,
  large_half_bldg INTEGER,
  large_half_hh INTEGER,
  large_half_persons INTEGER,
  medium_half_bldg INTEGER,
  medium_half_hh INTEGER,
  medium_half_persons INTEGER,
  half_bldg INTEGER,
  half_hh INTEGER,
  half_persons INTEGER,
  partial_bldg INTEGER,
  partial_hh INTEGER,
  partial_persons INTEGER,
  flood_above_bldg INTEGER,
  flood_above_hh INTEGER,
  flood_above_persons INTEGER,
  flood_below_bldg INTEGER,
  flood_below_hh INTEGER,
  flood_below_persons INTEGER,
  nonres_public INTEGER,
  nonres_other INTEGER,
  paddy_washed REAL,
  paddy_flooded REAL,
  field_washed REAL,
  field_flooded REAL,
  school INTEGER,
  hospital INTEGER,
  road INTEGER,
  bridge INTEGER,
  river INTEGER,
  port INTEGER,
  sabo INTEGER,
  waste INTEGER,
  cliff INTEGER,
  rail INTEGER,
  ships INTEGER,
  water INTEGER,
  phone INTEGER,
  electricity INTEGER,
  gas INTEGER,
  block_wall INTEGER,
  fire_building INTEGER,
  fire_hazmat INTEGER,
  fire_other INTEGER,
  dmg_public_school INTEGER,
  dmg_agri_facility INTEGER,
  dmg_public_works INTEGER,
  dmg_other_public INTEGER,
  dmg_agriculture INTEGER,
  dmg_forestry INTEGER,
  dmg_livestock INTEGER,
  dmg_fishery INTEGER,
  dmg_commerce INTEGER,
  dmg_other INTEGER,
  fs_staff INTEGER,
  fs_volunteer INTEGER,
  _clk TEXT NOT NULL DEFAULT '{}',
  _deleted INTEGER NOT NULL DEFAULT 0,
  _hlc INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE shelters (
  id TEXT PRIMARY KEY,
  name TEXT,
  kana TEXT,
  shelter_type TEXT,
  area_id TEXT,
  address TEXT,
  lat REAL,
  lon REAL,
  capacity INTEGER,
  open_state TEXT,
  opened_at TEXT,
  closed_at TEXT,
  crowding TEXT,
  evacuees INTEGER,
  evacuees_voluntary INTEGER,
  households INTEGER,
  households_voluntary INTEGER,
  checked_at TEXT,
  f_building TEXT,
  f_power TEXT,
  f_comms TEXT,
  f_water TEXT,
  f_toilet TEXT,
  can_open INTEGER,
  contact TEXT,
  note TEXT,
  v_care3 INTEGER,
  v_elderly_alone INTEGER,
  v_elderly_only INTEGER,
  v_bedridden INTEGER,
  v_dementia INTEGER,
  v_ryoiku_a INTEGER,
  v_disability_1_2 INTEGER,
  v_pregnant INTEGER,
  v_infant INTEGER,
  v_foreign INTEGER,
  v_medical_care INTEGER,
  _clk TEXT NOT NULL DEFAULT '{}',
  _deleted INTEGER NOT NULL DEFAULT 0,
  _hlc INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE shelter_supplies (
  id TEXT PRIMARY KEY,
  shelter_id TEXT,
  item TEXT,
  unit TEXT,
  needed INTEGER,
  delivered INTEGER,
  note TEXT,
  _clk TEXT NOT NULL DEFAULT '{}',
  _deleted INTEGER NOT NULL DEFAULT 0,
  _hlc INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE requests (
  id TEXT PRIMARY KEY,
  kind TEXT,
  title TEXT,
  description TEXT,
  requested_by TEXT,
  addressed_to TEXT,
  assignee TEXT,
  status TEXT,
  priority TEXT,
  due_at TEXT,
  incident_id TEXT,
  shelter_id TEXT,
  quantity INTEGER,
  unit TEXT,
  done_at TEXT,
  _clk TEXT NOT NULL DEFAULT '{}',
  _deleted INTEGER NOT NULL DEFAULT 0,
  _hlc INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE chronology (
  id TEXT PRIMARY KEY,
  number INTEGER,
  node_label TEXT,
  at TEXT,
  from_org TEXT,
  to_org TEXT,
  content TEXT,
  category TEXT,
  medium TEXT,
  corrects TEXT,
  action TEXT,
  team TEXT,
  state TEXT,
  _clk TEXT NOT NULL DEFAULT '{}',
  _deleted INTEGER NOT NULL DEFAULT 0,
  _hlc INTEGER NOT NULL DEFAULT 0
);
)sql";

// Schema 2: evacuation orders, office status, and indexes for the console's queries.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE evacuation_orders (
  id TEXT PRIMARY KEY,
  area_id TEXT,
  level TEXT,
  action TEXT,
  at TEXT,
  households INTEGER,
  persons INTEGER,
  note TEXT,
  _clk TEXT NOT NULL DEFAULT '{}',
  _deleted INTEGER NOT NULL DEFAULT 0,
  _hlc INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE office_status (
  id TEXT PRIMARY KEY,
  as_of TEXT,
  power TEXT,
  fuel_hours REAL,
  water TEXT,
  comm_lgwan INTEGER,
  comm_internet INTEGER,
  comm_radio INTEGER,
  comm_satellite INTEGER,
  comm_mca INTEGER,
  comm_phone INTEGER,
  comm_fax INTEGER,
  staff_present INTEGER,
  staff_target INTEGER,
  building TEXT,
  note TEXT,
  _clk TEXT NOT NULL DEFAULT '{}',
  _deleted INTEGER NOT NULL DEFAULT 0,
  _hlc INTEGER NOT NULL DEFAULT 0
);

-- Query support for the console (incident list over 100k rows, latest reports).
-- The CASE text must stay identical to kPriorityRank in queries.cpp (a test checks the plan).
CREATE INDEX incidents_priority ON incidents(
  CASE priority WHEN 'life' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END,
  received_at DESC, status, _deleted);
CREATE INDEX incidents_received ON incidents(received_at);
CREATE INDEX branch_reports_branch ON branch_reports(branch_id, report_no);
CREATE INDEX chronology_at ON chronology(at);
)sql";

// Schema 3: origin signatures on ops (relays and bundles), and what this node last knew
// of each peer (for bundles made "for" a peer and for the sync status).
constexpr std::string_view kV3 = R"sql(
ALTER TABLE ops ADD COLUMN sig BLOB;
CREATE TABLE peers (
  node_id TEXT PRIMARY KEY,
  vector TEXT NOT NULL,        -- the peer's version vector as JSON, as it last told us
  last_heard INTEGER,          -- wall ms
  endpoint TEXT
) WITHOUT ROWID;
)sql";

// Schema 4: ops chained per origin (Op::prev), so one signature vouches for a run of them.
constexpr std::string_view kV4 = R"sql(
ALTER TABLE ops ADD COLUMN prev BLOB;
)sql";

// Schema 5: the next クロノロ running number of a node is found by index, not by a scan
// (20,000 entries took 33 s to write without it).
constexpr std::string_view kV5 = R"sql(
CREATE INDEX chronology_number ON chronology(node_label, number);
)sql";

// Schema 6: quarantined ops found by a partial index. Opening a store looks for them, and
// without it read the whole op log (1,000,000 ops: 270 MB touched on every start).
constexpr std::string_view kV6 = R"sql(
CREATE INDEX ops_quarantined ON ops(hlc) WHERE state = 1;
)sql";

// Schema 7: drill message cards (状況付与票) for EXERCISE datasets.
constexpr std::string_view kV7 = R"sql(
CREATE TABLE drill_messages (
  id TEXT PRIMARY KEY,
  card TEXT,
  to_node TEXT,
  from_role TEXT,
  medium TEXT,
  content TEXT,
  delivered_at TEXT,
  answered_at TEXT,
  answered_by TEXT,
  response TEXT,
  _clk TEXT NOT NULL DEFAULT '{}',
  _deleted INTEGER NOT NULL DEFAULT 0,
  _hlc INTEGER NOT NULL DEFAULT 0
);
)sql";

// Schema 8: what was published (第4号様式 第N報, CAP, exports), append-only.
constexpr std::string_view kV8 = R"sql(
CREATE TABLE publications (
  id TEXT PRIMARY KEY,
  format TEXT,
  report_no INTEGER,
  as_of TEXT,
  published_at TEXT,
  published_by TEXT,
  addressed_to TEXT,
  file_name TEXT,
  items INTEGER,
  digest TEXT,
  snapshot TEXT,
  note TEXT,
  _clk TEXT NOT NULL DEFAULT '{}',
  _deleted INTEGER NOT NULL DEFAULT 0,
  _hlc INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX publications_format ON publications(format, report_no);
)sql";

// Schema 9: live incidents counted per (status, priority), the list's usual filters, so its
// "N 件" total sums at most a few dozen rows instead of counting 100,000 index entries. The
// store keeps the counts (model/incident_counts.hpp) in the transaction that writes the
// incidents; verify checks them. NULL is stored as X'' (the key columns have no affinity, so
// the empty blob never equals a text value a filter names). A combination whose last
// incident moved away keeps its row with n = 0. Compatible version 9: an older build would
// write incidents without counting them.
constexpr std::string_view kV9 = R"sql(
CREATE TABLE incident_counts (
  status, priority,
  n INTEGER NOT NULL,
  PRIMARY KEY (status, priority)
) WITHOUT ROWID;

INSERT INTO incident_counts
  SELECT ifnull(status, X''), ifnull(priority, X''), count(*) FROM incidents WHERE _deleted = 0 GROUP BY 1, 2;
)sql";

// Schema 10: the list index keys on priority and time only. With status and _deleted in it,
// every edit (which rewrites _deleted, and often status) moved an entry in a random leaf
// page: 19% of the bytes a commit of uniform edits wrote. The list checks both on the row
// it reads anyway, and its total comes from incident_counts. Compatible version 9: the index
// is the same query's, so a schema-9 build reads and writes the file as before.
constexpr std::string_view kV10 = R"sql(
DROP INDEX incidents_priority;
CREATE INDEX incidents_priority ON incidents(
  CASE priority WHEN 'life' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END,
  received_at DESC);
)sql";

constexpr Migration kMigrations[] = {
    {1, 1, "op log, vectors, conflicts, typed tables", kV1},
    {2, 1, "evacuation orders, office status, query indexes", kV2},
    {3, 1, "op signatures, peer vectors", kV3},
    {4, 1, "op chain digests", kV4},
    {5, 1, "chronology number index", kV5},
    {6, 1, "quarantined ops index", kV6},
    {7, 1, "drill message cards", kV7},
    {8, 1, "publication records", kV8},
    {9, 9, "incident counts per status and priority", kV9},
    {10, 9, "list index on priority and time only", kV10},
};

bool has_meta(Db& db) {
  auto q = db.query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'");
  return q->step();
}

int meta_int(Db& db, std::string_view key) {
  if (!has_meta(db)) return 0;
  auto q = db.query("SELECT value FROM meta WHERE key = ?");
  q->bind(1, key);
  if (!q->step()) return 0;
  try {
    return std::stoi(q->column_text(0));
  } catch (const std::exception&) {
    throw StoreError(db.path() + ": meta '" + std::string(key) + "' is not a number");
  }
}

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int stored_schema_version(Db& db) { return meta_int(db, "schema_version"); }
int stored_compatible_version(Db& db) { return meta_int(db, "compatible_version"); }

void migrate(Db& db, int target) {
  for (const Migration& m : kMigrations) {
    if (m.version > target) break;
    if (m.version <= stored_schema_version(db)) continue;
    // Inside an open transaction (creating a new file) the steps join it.
    std::optional<Transaction> tx;
    if (!db.in_transaction()) tx.emplace(db);
    db.exec(m.sql);
    auto q = db.query(
        "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = "
        "excluded.value");
    q->bind(1, "schema_version").bind(2, std::to_string(m.version)).run();
    q->reset();
    q->bind(1, "compatible_version").bind(2, std::to_string(m.compatible_version)).run();
    if (tx) tx->commit();
  }
}

}  // namespace honbu
