#include "model/export/publication.hpp"

#include <algorithm>
#include <cstdio>

#include "model/queries.hpp"

namespace honbu {

std::string content_digest(std::string_view bytes) {
  std::uint64_t x = 14695981039346656037ull;
  for (const char c : bytes) x = (x ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x));
  return buf;
}

PublicationWrite export_publication(std::string_view format, std::int64_t items, std::string_view file_name,
                                    std::string_view rendered, std::string_view operator_name, std::string_view addressed_to,
                                    TimeMs as_of, TimeMs now) {
  PublicationWrite w;
  Publication& p = w.record;
  p.format = std::string(format);
  p.as_of = Moment{as_of};
  p.published_at = Moment{now};
  p.published_by = std::string(operator_name);
  p.addressed_to = std::string(addressed_to);
  p.file_name = std::string(file_name);
  p.items = items;
  p.digest = content_digest(rendered);
  w.id = std::string(format) + "-" + std::to_string(now) + "-" + p.digest.substr(0, 8);
  return w;
}

LocalResult record_publication(Store& s, const PublicationWrite& w, std::string_view operator_name) {
  if (get<Publication>(s.db(), w.id)) {
    LocalResult refused;
    const std::string no = w.record.report_no ? "第" + std::to_string(*w.record.report_no) + "報" : w.id;
    refused.problems.push_back({"report_no", "already_issued", no + "は発信済みです。作り直してください",
                                no + " was already issued: build it again"});
    return refused;
  }
  return s.put(EntityKind::Publication, w.id, to_fields(w.record), operator_name);
}

std::vector<Publication> publications(Db& db) {
  // A database of a Honbu before schema 8, opened read-only (not migrated): none issued yet.
  if (!db.query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'publications'")->step()) return {};
  std::vector<Publication> v = list_all<Publication>(db);
  std::stable_sort(v.begin(), v.end(), [](const Publication& a, const Publication& b) {
    return (a.published_at ? a.published_at->ms : 0) > (b.published_at ? b.published_at->ms : 0);
  });
  return v;
}

}  // namespace honbu
