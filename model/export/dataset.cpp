#include "model/export/dataset.hpp"

#include "model/entities.hpp"
#include "model/op.hpp"
#include "model/queries.hpp"
#include "model/text.hpp"

namespace honbu {

ExportContext export_context(Db& db) {
  ExportContext c;
  {
    auto q =
        db.query("SELECT key, value FROM meta WHERE key IN ('dataset', 'node_id') ORDER BY key");
    while (q->step()) {
      const std::string k = q->column_text(0);
      if (k == "dataset") c.dataset = q->column_text(1);
      if (k == "node_id") c.node_id = q->column_text(1);
    }
  }
  c.exercise = is_exercise_dataset(c.dataset);
  if (c.exercise) {
    static constexpr std::string_view kTimes[][2] = {
        {"chronology", "at"},        {"branch_reports", "as_of"},        {"lifelines", "as_of"},
        {"incidents", "received_at"}, {"evacuation_orders", "at"},       {"shelters", "checked_at"},
        {"drill_messages", "delivered_at"}};
    for (const auto& [table, column] : kTimes) {
      auto q = db.query("SELECT max(" + std::string(column) + ") FROM " + std::string(table) + " WHERE _deleted = 0");
      if (!q->step() || q->column_is_null(0)) continue;
      if (auto t = parse_iso(q->column_text(0)); t && (!c.drill_time || *t > *c.drill_time)) c.drill_time = t;
    }
  }
  if (auto hq = get<HqState>(db, kHqStateId)) {
    c.municipality = hq->municipality;
    c.prefecture = hq->prefecture;
    if (is_valid_municipality_code(hq->municipality_code))
      c.municipality_code = hq->municipality_code;
  }
  if (c.municipality_code.empty()) {
    for (const Area& a : list_all<Area>(db))
      if (is_valid_municipality_code(a.municipality_code)) {
        c.municipality_code = a.municipality_code;
        break;
      }
  }
  return c;
}

}  // namespace honbu
