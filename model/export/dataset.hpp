// What every export needs to know about the database it reads: its dataset (ACTUAL or
// EXERCISE:<name>) and the municipality it belongs to.
#pragma once

#include <optional>
#include <string>

#include "model/db.hpp"
#include "model/time.hpp"

namespace honbu {

struct ExportContext {
  std::string dataset;            // "ACTUAL" or "EXERCISE:<name>" (from the file's meta table)
  bool exercise = false;          // drill data: every export says so
  std::string node_id;            // the node whose database this is
  std::string municipality;       // HQ state's 市町村 (may be empty)
  std::string prefecture;         // HQ state's 都道府県 (may be empty)
  std::string municipality_code;  // 6 digits; HQ state's, else the first area's (may be empty)
  // In a drill: the newest time its records carry (a クロノロ entry, a report's 時点...), the
  // drill's clock as far as the data tells. A tool run after the drill dates its report by
  // it, not by today's date.
  std::optional<TimeMs> drill_time;
};

// Reads the context from a node database (HQ state and areas; never writes).
ExportContext export_context(Db& db);

}  // namespace honbu
