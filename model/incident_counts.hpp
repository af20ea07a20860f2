// Live incidents counted per (status, priority) (table incident_counts, schema 9): the
// list's "N 件" total for those filters becomes a sum over a few dozen rows instead of a
// count over 100,000 index entries (15-24 ms on a slow day).
//
// The store keeps it in C++ rather than with triggers: triggers cost ~5 us per op on the
// apply path (measured), while these deltas are summed in memory and written once per key
// per transaction. The key is kept to the two usual filters for the same reason: with
// category, area and verification too, 1,000 ops touched ~600 keys and their upserts cost
// ~3 us per op.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>

#include "model/merge.hpp"
#include "model/value.hpp"

namespace honbu {

class Db;

class IncidentCounts {
 public:
  // The key columns, in table order; also the filters query_incidents can total this way.
  static constexpr std::array<std::string_view, 2> kColumns = {"status", "priority"};

  using Key = std::array<Value, kColumns.size()>;

  IncidentCounts();

  // Where an existing incident counts: its key, or nothing if it is deleted.
  std::optional<Key> counted_as(const EntityState& st) const;
  // One incident's write: where it counted before (nothing if it was new or deleted), and
  // its state after.
  void moved(std::optional<Key> before, const EntityState& after);
  // Writes the summed deltas; call inside the transaction that made them.
  void flush(Db& db);
  void discard() { deltas_.clear(); }

  // Indexes of the key columns in the incident spec (for reading just those).
  const std::array<int, kColumns.size()>& field_indexes() const { return index_; }

 private:
  std::array<int, kColumns.size()> index_{};
  std::map<Key, std::int64_t> deltas_;
};

}  // namespace honbu
