#include "model/incident_index.hpp"

#include <algorithm>
#include <cstdint>

namespace honbu {

namespace {

constexpr const char* kColumns =
    "id, title, place, category, area_id, priority, status, verification, team, reporter, received_at, lat, "
    "lon, description";

int rank_of(std::string_view priority) {
  if (priority == "life") return 0;
  if (priority == "high") return 1;
  if (priority == "medium") return 2;
  if (priority == "low") return 3;
  return 4;
}

IncidentRowPtr row_from(Statement& q) {
  auto r = std::make_shared<IncidentRow>();
  r->id = q.column_text(0);
  r->title = q.column_text(1);
  r->place = q.column_text(2);
  r->category = q.column_text(3);
  r->area_id = q.column_text(4);
  r->priority = q.column_text(5);
  r->status = q.column_text(6);
  r->verification = q.column_text(7);
  r->team = q.column_text(8);
  r->reporter = q.column_text(9);
  if (!q.column_is_null(10)) r->received_at = parse_iso(q.column_text(10));
  if (!q.column_is_null(11)) r->lat = q.column_real(11);
  if (!q.column_is_null(12)) r->lon = q.column_real(12);
  r->description = q.column_text(13);
  r->priority_rank = rank_of(r->priority);
  return r;
}

bool in(const std::vector<std::string>& set, const std::string& v) {
  return set.empty() || std::find(set.begin(), set.end(), v) != set.end();
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool text_contains(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  // Bytes >= 0x80 (UTF-8 multibyte) compare exactly; ASCII letters without case.
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == lower(needle[k])) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

IncidentIndex::IncidentIndex(Db& db) : db_(db) {
  auto q = db_.query(std::string("SELECT ") + kColumns + " FROM incidents WHERE _deleted = 0 ORDER BY id");
  while (q->step()) {
    IncidentRowPtr r = row_from(*q);
    all_.emplace(r->id, std::move(r));
  }
  rebuild_view();
}

IncidentRowPtr IncidentIndex::read(std::string_view id) {
  auto q = db_.query(std::string("SELECT ") + kColumns + " FROM incidents WHERE id = ? AND _deleted = 0");
  q->bind(1, id);
  if (!q->step()) return nullptr;
  return row_from(*q);
}

bool IncidentIndex::matches(const IncidentRow& r) const {
  const IncidentFilter& f = filter_;
  if (!in(f.statuses, r.status) || !in(f.priorities, r.priority) || !in(f.categories, r.category) ||
      !in(f.areas, r.area_id) || !in(f.verifications, r.verification))
    return false;
  if (f.text.empty()) return true;
  return text_contains(r.title, f.text) || text_contains(r.place, f.text) || text_contains(r.reporter, f.text) ||
         text_contains(r.team, f.text) || text_contains(r.description, f.text);
}

// The view's order, as one key per row: the sort column (numbers negated when descending,
// text compared in place), then newest first, then id. A total order, so positions are
// stable; before() and rebuild_view() both go through it, so a row moved into place by one
// change lands where a fresh sort would put it.
IncidentIndex::SortKey IncidentIndex::key_of(const IncidentRow& r) const {
  using S = IncidentFilter::Sort;
  const std::int64_t t = r.received_at.value_or(0);
  SortKey k{0, nullptr, -t, &r.id};
  switch (filter_.sort) {
    case S::Priority: k.primary = r.priority_rank; break;
    case S::ReceivedAt:
      k.primary = t;
      k.newest = 0;
      break;
    case S::Status: k.text = &r.status; break;
    case S::Category: k.text = &r.category; break;
    case S::Area: k.text = &r.area_id; break;
    case S::Title: k.text = &r.title; break;
  }
  if (filter_.descending) k.primary = -k.primary;
  return k;
}

bool IncidentIndex::key_less(const SortKey& a, const SortKey& b) const {
  if (a.primary != b.primary) return a.primary < b.primary;
  if (a.text) {
    const int c = a.text->compare(*b.text);
    if (c != 0) return filter_.descending ? c > 0 : c < 0;
  }
  if (a.newest != b.newest) return a.newest < b.newest;
  return *a.id < *b.id;
}

bool IncidentIndex::before(const IncidentRow& a, const IncidentRow& b) const {
  return key_less(key_of(a), key_of(b));
}

void IncidentIndex::rebuild_view() {
  // Keys copied beside each row: sorting 100,000 rows by comparing through their pointers
  // (rows scattered over the heap) took 160 ms.
  struct Keyed {
    SortKey key;
    const IncidentRowPtr* row;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(all_.size());
  for (const auto& [id, r] : all_)
    if (matches(*r)) keyed.push_back({key_of(*r), &r});
  std::sort(keyed.begin(), keyed.end(), [&](const Keyed& a, const Keyed& b) { return key_less(a.key, b.key); });
  auto rows = std::make_shared<std::vector<IncidentRowPtr>>();
  rows->reserve(keyed.size());
  for (const Keyed& k : keyed) rows->push_back(*k.row);
  view_rows_ = std::move(rows);
}

void IncidentIndex::set_view(const IncidentFilter& filter) {
  const bool same = filter.statuses == filter_.statuses && filter.priorities == filter_.priorities &&
                    filter.categories == filter_.categories && filter.areas == filter_.areas &&
                    filter.verifications == filter_.verifications && filter.text == filter_.text &&
                    filter.sort == filter_.sort && filter.descending == filter_.descending;
  filter_ = filter;
  if (!same) rebuild_view();
}

void IncidentIndex::update(const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  auto rows = std::make_shared<std::vector<IncidentRowPtr>>(*view_rows_);
  auto less = [&](const IncidentRowPtr& a, const IncidentRowPtr& b) { return before(*a, *b); };
  for (const std::string& id : ids) {
    auto old = all_.find(id);
    if (old != all_.end()) {
      // Out of the view at its old place (found by its old sort key).
      auto [lo, hi] = std::equal_range(rows->begin(), rows->end(), old->second, less);
      for (auto it = lo; it != hi; ++it)
        if ((*it)->id == id) {
          rows->erase(it);
          break;
        }
      all_.erase(old);
    }
    IncidentRowPtr fresh = read(id);
    if (!fresh) continue;  // deleted
    if (matches(*fresh)) rows->insert(std::upper_bound(rows->begin(), rows->end(), fresh, less), fresh);
    all_.emplace(id, std::move(fresh));
  }
  view_rows_ = std::move(rows);
}

}  // namespace honbu
