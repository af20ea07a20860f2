// Fuzz target: the scenario front end (YAML and MSEL CSV) must answer any input with a
// ScenarioError (line-numbered problems) and never crash, hang or throw anything else.
// Every input is read both ways: as a scenario file and as a MSEL spreadsheet.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sync/drill/scenario_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace honbu::drill;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const Scenario s = parse_scenario_yaml(text, "fuzz.yaml", "/nonexistent");
    (void)schedule(s, 1);
  } catch (const ScenarioError&) {
  }
  static const Scenario head = parse_scenario_yaml(
      "honbu_scenario: 1\nname: fuzz\nstart: 2026-12-01T09:00:00+09:00\nduration: \"3:00\"\n"
      "nodes:\n  - {id: hq, role: hq}\n  - {id: kita, role: branch, branch: kita, areas: [kitayama]}\ninjects: []\n",
      "head.yaml");
  Scenario s = head;
  std::vector<ScenarioProblem> problems;
  read_msel_csv(text, "fuzz.csv", s, problems);
  if (problems.empty()) (void)check(s);
  return 0;
}
