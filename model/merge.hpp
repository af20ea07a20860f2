// The merge rules, as pure functions over one entity's state. Applying the same set of
// ops in any order, with duplicates removed by the op log, gives the same state.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/op.hpp"
#include "model/schema.hpp"

namespace honbu {

// The winning write of a field, and the base that write was made on (if any).
struct WriteClock {
  FieldClock clock;
  std::optional<FieldClock> base;
};
using FieldClocks = std::map<std::string, WriteClock, std::less<>>;

// One entity as materialised in its typed table.
struct EntityState {
  bool exists = false;
  bool deleted = false;
  Fields values;       // every column of the spec; absent or null = not set / 未確認
  FieldClocks clocks;  // per field: the write that won ("_deleted" for the tombstone)
  Hlc max_hlc;         // newest op applied to this entity

  const Value& get(std::string_view field) const;
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
MergeResult merge_op(const EntitySpec& spec, EntityState& state, const Op& op);

std::string encode_clocks(const FieldClocks& clocks);  // JSON, canonical
FieldClocks decode_clocks(std::string_view json);      // throws DecodeError

}  // namespace honbu
