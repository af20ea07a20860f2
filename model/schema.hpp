// What each kind of entity holds, how each field merges, and where it is stored.
// The Store, validation, queries and exports are all driven by these descriptors.
#pragma once

#include <array>

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels.hpp"

namespace honbu {

enum class EntityKind : std::uint8_t {
  Area,             // 地区 (町字): the unit of lifelines and evacuation orders
  Branch,           // 支所: an office (HQ included) and the areas it covers
  HqState,          // 本部体制: singleton "hq"
  Incident,         // 事案
  Lifeline,         // LifelineStatus: one per area × lifeline type
  BranchReport,     // 支所報告 第N報 (第4号様式 fields); grow-only
  Shelter,          // 避難所
  ShelterSupply,    // one item of a shelter's needs; delivered counts add up by deltas
  Request,          // ResourceRequest: 要請 / task
  Chronology,       // クロノロ entry; grow-only, corrections are new entries
  EvacuationOrder,  // 避難情報 発令/解除 record; grow-only
  OfficeStatus,     // 自庁舎状況 (power, fuel, comms, staff) per branch
  DrillMessage,     // 状況付与票: a drill's message card to a player (EXERCISE datasets only)
  Publication,      // 発信記録: a report or export that was issued (第N報, CAP, GeoJSON, CSV); grow-only
};

enum class FieldType : std::uint8_t {
  Text,      // one line, ≤ 200 characters
  LongText,  // ≤ 4000 characters
  Int,
  Real,
  Count,     // tri-state integer ≥ 0: a number, zero, or 未確認 (null)
  Measure,   // tri-state decimal ≥ 0 (e.g. hectares)
  Bool,
  Time,      // ISO-8601 text, normalised to +09:00
  Enum,      // a code of `enumeration`
  Ref,       // id of another entity (may not have arrived yet: partitions)
};

// How concurrent writes to one field combine (all are commutative and idempotent).
enum class MergeRule : std::uint8_t {
  Lww,        // last writer wins on (hlc, origin); the loser is kept as a conflict
  FirstWins,  // immutable once written: the smallest (hlc, origin) wins; others are conflicts
  Max,        // the largest value wins (peak values), ties by (hlc, origin)
  Counter,    // sum of signed deltas from Delta ops; never set directly
  Companion,  // moves together with `companion_of` (e.g. peak_at goes with peak_affected)
};

struct FieldSpec {
  std::string_view name;  // column name and op field name
  std::string_view ja, en;
  FieldType type = FieldType::Text;
  MergeRule rule = MergeRule::Lww;
  const Enumeration* enumeration = nullptr;
  bool required = false;   // must be present when the entity is created
  bool open_enum = false;  // codes outside the catalogue are allowed (configurable lists)
  std::string_view companion_of{};
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();

  std::string_view label(Lang lang) const { return lang == Lang::Ja ? ja : en; }
};

struct EntitySpec {
  EntityKind kind;
  std::string_view name;   // "incident": used in ops and on the wire
  std::string_view table;  // "incidents"
  std::string_view ja, en;
  bool grow_only = false;  // no deletes; creation fields never change
  std::vector<FieldSpec> fields;

  std::vector<std::pair<std::string_view, int>> by_name{};  // sorted by name (built once)
  // Open-addressing hash of field names -> index + 1 (0 = empty): index_of() runs for every
  // field of every op applied, so it must not walk a sorted list (built once with by_name).
  static constexpr std::size_t kSlots = 256;
  std::array<std::int16_t, kSlots> slots{};
  static std::size_t slot_hash(std::string_view name);

  const FieldSpec* field(std::string_view field_name) const;
  int index_of(std::string_view field_name) const;  // position in `fields`, or -1
  std::string_view label(Lang lang) const { return lang == Lang::Ja ? ja : en; }
};

const EntitySpec& spec(EntityKind kind);
std::optional<EntityKind> kind_from_name(std::string_view name);
std::span<const EntityKind> all_kinds();  // in a fixed order (hashing, exports)

// Deterministic ids for entities that several nodes may create independently.
std::string lifeline_id(std::string_view area_id, std::string_view lifeline_type);
std::string shelter_supply_id(std::string_view shelter_id, std::string_view item);
std::string branch_report_id(std::string_view branch_id, std::int64_t report_no);
inline constexpr std::string_view kHqStateId = "hq";

}  // namespace honbu
