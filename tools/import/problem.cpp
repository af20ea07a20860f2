#include "tools/import/problem.hpp"

#include <fstream>
#include <iterator>

namespace honbu {

std::string ImportProblem::location(Lang lang) const {
  std::string out;
  const bool jp = lang == Lang::Ja;
  if (row > 0) {
    out = jp ? std::to_string(row) + "行目" : "row " + std::to_string(row);
    if (line > 0 && line != row)
      out += jp ? "（ファイルの" + std::to_string(line) + "行目）"
                : " (line " + std::to_string(line) + ")";
    if (!where.empty()) out += jp ? " 列「" + where + "」" : ", column \"" + where + "\"";
    return out;
  }
  if (line > 0) out = jp ? std::to_string(line) + "行目" : "line " + std::to_string(line);
  if (!where.empty()) out += (out.empty() ? "" : jp ? " " : ", ") + where;
  return out;
}

std::string ImportProblem::message(Lang lang) const {
  const std::string loc = location(lang);
  const std::string& reason = lang == Lang::Ja ? ja : en;
  return loc.empty() ? reason : loc + ": " + reason;
}

std::string describe(const std::vector<ImportProblem>& problems, Lang lang) {
  std::string out;
  for (const ImportProblem& p : problems) {
    if (!out.empty()) out += '\n';
    out += p.message(lang);
  }
  return out;
}

std::optional<ImportProblem> read_import_file(const std::string& path, std::string& text) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return ImportProblem{0, 0, "", "cannot_open", "ファイルを開けません: " + path, "cannot open " + path};
  text.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return std::nullopt;
}

}  // namespace honbu
