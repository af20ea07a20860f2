// [SECTION] Reading a scenario: YAML (scenarios/README.md) or a MSEL spreadsheet saved as CSV,
// with errors a trainer can fix: "file:line: what is wrong". Unknown fields are errors (a
// typo must not silently drop an inject). A scenario that loads has also passed check() and
// a dry run of every data inject through the model's validation and the role rules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/drill/scenario.hpp"
#include "model/errors.hpp"

namespace honbu::drill {

class ScenarioError : public Error {
 public:
  explicit ScenarioError(std::vector<ScenarioProblem> problems, const std::string& source);
  const std::vector<ScenarioProblem>& problems() const { return problems_; }
  // "file: N problem(s):" and one line per problem, in `lang` (what() is the English).
  std::string text(Lang lang) const { return listing(problems_, source_, lang); }

 private:
  static std::string listing(const std::vector<ScenarioProblem>& problems, const std::string& source, Lang lang);
  std::vector<ScenarioProblem> problems_;
  std::string source_;
};

// Throws ScenarioError listing every problem found (not just the first).
Scenario load_scenario(const std::string& path);
Scenario parse_scenario_yaml(std::string_view text, const std::string& source, const std::string& base_dir = ".");
// A MSEL CSV: one inject per row (columns in scenarios/README.md; Japanese headers accepted).
// Appends to `s` (which gives the nodes and metadata).
void read_msel_csv(std::string_view text, const std::string& source, Scenario& s, std::vector<ScenarioProblem>& problems);

}  // namespace honbu::drill
