// [SECTION] CSV import of master data: areas (地区) and shelters (避難所)
//
// The file's header names the columns in Japanese or English (the schema's labels, as the
// CSV export writes them) or by field name; a UTF-8 BOM and CRLF are fine. Every row is
// validated by the model (normalize_and_validate) before anything is written; every problem
// names its row and column. All or nothing, one transaction. Rows are keyed by the ID
// column: importing the same file again changes nothing, and a changed row updates its
// entity (only the cells that differ). An empty cell clears the field (a count: 未確認).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/store.hpp"
#include "tools/import/problem.hpp"

namespace honbu {

struct CsvImportOptions {
  std::string operator_name = "CSV取込";  // recorded on the ops
};

struct CsvImportResult {
  bool ok = false;
  std::vector<ImportProblem> problems;  // nothing written when not empty
  int created = 0, updated = 0, unchanged = 0;
};

// Kinds that can be imported: EntityKind::Area and EntityKind::Shelter.
bool csv_importable(EntityKind kind);

CsvImportResult import_csv(Store& store, EntityKind kind, std::string_view text,
                           const CsvImportOptions& options);
CsvImportResult import_csv_file(Store& store, EntityKind kind, const std::string& path,
                                const CsvImportOptions& options);

}  // namespace honbu
