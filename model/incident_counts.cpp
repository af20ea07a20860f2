#include "model/incident_counts.hpp"

#include "model/db.hpp"
#include "model/errors.hpp"
#include "model/schema.hpp"

namespace honbu {

IncidentCounts::IncidentCounts() {
  const EntitySpec& s = spec(EntityKind::Incident);
  for (size_t k = 0; k < kColumns.size(); ++k) {
    index_[k] = s.index_of(kColumns[k]);
    if (index_[k] < 0) throw StoreError("incident_counts: the incident spec has no field " + std::string(kColumns[k]));
  }
}

std::optional<IncidentCounts::Key> IncidentCounts::counted_as(const EntityState& st) const {
  if (st.deleted) return std::nullopt;
  Key key;
  for (size_t k = 0; k < key.size(); ++k) key[k] = st.values[static_cast<size_t>(index_[k])];
  return key;
}

void IncidentCounts::moved(std::optional<Key> before, const EntityState& after) {
  std::optional<Key> now = counted_as(after);
  if (before == now) return;
  if (before) --deltas_[std::move(*before)];
  if (now) ++deltas_[std::move(*now)];
}

void IncidentCounts::flush(Db& db) {
  // NULL is kept as X'': the key columns have no affinity, so the empty blob never equals
  // a text value a filter names, and a WITHOUT ROWID key cannot hold NULL.
  for (const auto& [key, delta] : deltas_) {
    if (delta == 0) continue;
    auto q = db.query(
        "INSERT INTO incident_counts(status, priority, n) VALUES(ifnull(?1, X''), ifnull(?2, X''), ?3) "
        "ON CONFLICT(status, priority) DO UPDATE SET n = n + ?3");
    for (size_t k = 0; k < key.size(); ++k) q->bind_static(static_cast<int>(k) + 1, key[k]);
    q->bind(3, delta).run();
  }
  deltas_.clear();
}

}  // namespace honbu
