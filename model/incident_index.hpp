// [SECTION] IncidentIndex: every live incident's list columns in memory, sorted once and
// kept sorted as changes arrive (the console's 事案 list over 100,000 rows). A full sort
// happens only when the user changes the sort or the filter; a changed incident moves to
// its place by binary search. Not thread-safe: owned by one thread (the console's reader).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/db.hpp"
#include "model/queries.hpp"

namespace honbu {

// The columns the list shows and searches.
struct IncidentRow {
  std::string id, title, place, category, area_id, priority, status, verification, team, reporter, description;
  std::optional<TimeMs> received_at;
  std::optional<double> lat, lon;
  int priority_rank = 4;  // 0 = life ... 3 = low, 4 = unset
};
using IncidentRowPtr = std::shared_ptr<const IncidentRow>;

class IncidentIndex {
 public:
  // Loads every live incident. `db` must stay open while the index is used.
  explicit IncidentIndex(Db& db);

  // Re-reads these incidents (changed, created or deleted) and moves them into place.
  void update(const std::vector<std::string>& ids);

  // Sets the filter and sort (a full re-sort only when they change).
  void set_view(const IncidentFilter& filter);
  const IncidentFilter& view() const { return filter_; }

  // The filtered rows in order. A new vector after each change (cheap: shared rows), so a
  // copy handed to another thread stays valid.
  std::shared_ptr<const std::vector<IncidentRowPtr>> rows() const { return view_rows_; }
  std::size_t total() const { return all_.size(); }

  bool matches(const IncidentRow& r) const;
  bool before(const IncidentRow& a, const IncidentRow& b) const;  // sort order of the view

 private:
  // A row's place in the view's order (see key_of); the pointers point into the row.
  struct SortKey {
    std::int64_t primary;       // priority rank or time, negated when descending; 0 for text sorts
    const std::string* text;    // the text column sorted on, or null
    std::int64_t newest;        // minus the time: newest first among equals (0 when sorting by time)
    const std::string* id;
  };
  SortKey key_of(const IncidentRow& r) const;
  bool key_less(const SortKey& a, const SortKey& b) const;
  IncidentRowPtr read(std::string_view id);
  void rebuild_view();

  Db& db_;
  std::unordered_map<std::string, IncidentRowPtr> all_;
  IncidentFilter filter_;
  std::shared_ptr<std::vector<IncidentRowPtr>> view_rows_;
};

// Case-insensitive for Latin letters, exact for Japanese: substring search as a user expects.
bool text_contains(std::string_view haystack, std::string_view needle);

}  // namespace honbu
