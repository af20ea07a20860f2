// [SECTION] CSV (RFC 4180) of every table, and a strict reader for CSV imports
//
// Export: UTF-8 (optional BOM for Excel), CRLF, quoted only where needed, one header row
// (Japanese or English labels from the schema, or field names), then one row per live entity
// by id. Columns: データセット/dataset (every row: "ACTUAL" or "EXERCISE:<name>"), ID, then each
// schema field. Times are ISO 8601 with +09:00. An empty count cell is 未確認 (never reported),
// which is not 0; with `labels` the cell says 未確認 / unknown. See docs/exports.md "CSV".
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/db.hpp"
#include "model/labels.hpp"
#include "model/schema.hpp"

namespace honbu {

struct CsvOptions {
  Lang lang = Lang::Ja;      // header labels, and value labels when `labels` is set
  bool field_names = false;  // header of field names ("title") instead of labels
  bool labels = false;  // coded values as labels (避難指示, はい/いいえ, 未確認) instead of codes
  bool bom = false;  // start with a UTF-8 byte order mark (Excel opens it as UTF-8)
};

// One column of a kind's CSV: the dataset column, the id, then each field of the schema.
struct CsvColumn {
  std::string_view name, ja, en;     // "dataset", "id" or the field name; its labels
  const FieldSpec* field = nullptr;  // null for dataset and id
  std::string_view header(const CsvOptions& o) const {
    return o.field_names ? name : o.lang == Lang::Ja ? ja : en;
  }
};
inline constexpr std::string_view kCsvDatasetColumn = "dataset";
inline constexpr std::string_view kCsvIdColumn = "id";
std::vector<CsvColumn> csv_columns(EntityKind kind);

// The whole table of `kind` (live entities, by id). Reads only.
std::string export_csv(Db& db, EntityKind kind, const CsvOptions& options);
// The tables exported by default, in this order: incidents, lifelines, branch reports,
// shelters, shelter supplies, requests, chronology, evacuation orders, areas, branches,
// office status, HQ state, drill messages (always empty in ACTUAL data).
std::span<const EntityKind> csv_export_kinds();
std::string csv_file_name(EntityKind kind);  // "incidents.csv"
// The kind a name stands for: a table ("shelters"), a kind ("shelter") or a file name
// ("shelters.csv", with or without a directory). nullopt when none.
std::optional<EntityKind> csv_kind_from_name(std::string_view name);

// Writing helpers (also for other CSV exports): a cell quoted when it holds a comma, quote,
// CR or LF, or starts/ends with a space; a row ends with CRLF.
std::string csv_cell(std::string_view text);
void append_csv_row(std::string& out, const std::vector<std::string>& cells);

// [SECTION] Reader: RFC 4180 with the tolerance spreadsheets need (BOM, CRLF / LF / CR line
// ends, a last line without a line end). Strict about quotes; every error has its line.
struct CsvRecord {
  std::vector<std::string> cells;
  int record = 0;  // 1-based, the header is 1: the row number a spreadsheet shows
  int line = 0;    // 1-based line of the file where the record starts
};
struct CsvSyntaxError {
  int line = 0, column = 0;  // column: 1-based cell number in the record
  std::string code, ja, en;
};
struct CsvDocument {
  std::vector<CsvRecord> records;  // blank lines are left out
  std::vector<CsvSyntaxError> errors;
  bool bom = false;
};
CsvDocument parse_csv(std::string_view text);

}  // namespace honbu
