// The merge rules, as pure functions over one entity's state. Applying the same set of
// ops in any order, with duplicates removed by the op log, gives the same state.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/op.hpp"
#include "model/schema.hpp"

namespace honbu {

// The winning write of a field, and the base that write was made on (if any).
struct WriteClock {
  FieldClock clock;
  std::optional<FieldClock> base;
  bool operator==(const WriteClock&) const = default;
};
using FieldClocks = std::map<std::string, WriteClock, std::less<>>;

// One entity as materialised in its typed table. Values and clocks are indexed like
// spec->fields (no per-field allocation on the apply path).
struct EntityState {
  explicit EntityState(const EntitySpec& s)
      : spec(&s), values(s.fields.size()), clocks(s.fields.size()) {}

  const EntitySpec* spec;
  bool exists = false;
  bool deleted = false;
  std::vector<Value> values;                      // null = not set / 未確認
  std::vector<std::optional<WriteClock>> clocks;  // the write that won each field
  std::optional<FieldClock> deleted_clock;        // earliest tombstone
  Hlc max_hlc;                                    // newest op applied to this entity

  const Value& get(std::string_view field) const;        // by name; null if unknown
  const WriteClock* clock(std::string_view field) const;  // by name; nullptr if never written
  FieldClocks clock_map() const;                          // by name, for callers outside the store
};

// A write that lost to another concurrent write; kept so people can review it.
struct Conflict {
  std::string field;
  Value loser_value;
  FieldClock loser;
  FieldClock winner;
};

struct MergeResult {
  bool changed = false;
  std::vector<Conflict> conflicts;
};

// Merges one op into `state` following each field's MergeRule. Fields the spec does
// not know (ops from a newer schema) are ignored here; they stay in the op log.
MergeResult merge_op(EntityState& state, const Op& op);

// The `_clk` column: every field's winning clock in compact canonical text.
std::string encode_clocks(const EntityState& state);
void decode_clocks_into(std::string_view text, EntityState& state);  // throws DecodeError
FieldClocks decode_clocks(std::string_view text);                    // by field name

}  // namespace honbu
