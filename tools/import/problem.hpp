// A problem found in an imported file: where it is (line, CSV row and column, or XML element
// path) and why, in Japanese and English like the model's validation Problems.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/labels.hpp"

namespace honbu {

struct ImportProblem {
  int line = 0;        // 1-based line in the file (0: the file as a whole)
  int row = 0;         // CSV: row number as a spreadsheet shows it (header = 1); 0 otherwise
  std::string where;   // CAP: element path ("/alert/info/urgency"); CSV: the column's header
  std::string code;    // stable machine code ("schema", "unknown_column", "required", ...)
  std::string ja, en;  // the reason

  // "12行目 /alert/info/urgency" / "line 12, /alert/info/urgency";
  // "3行目 列「名称」" / "row 3, column "名称"".
  std::string location(Lang lang) const;
  std::string message(Lang lang) const;  // location + ": " + reason
};

// One line per problem, in one language.
std::string describe(const std::vector<ImportProblem>& problems, Lang lang);

// The whole file as bytes, or the problem that says it cannot be opened.
std::optional<ImportProblem> read_import_file(const std::string& path, std::string& text);

}  // namespace honbu
