// [SECTION] The after-action report (振り返り / AAR) of a drill: printable HTML in Japanese or
// English and CSV. Every page says EXERCISE / 訓練: it is drill data.
#pragma once

#include <string>

#include "model/drill/evaluation.hpp"
#include "model/labels.hpp"

namespace honbu::drill {

struct ReportInput {
  const Scenario* scenario = nullptr;
  const DrillLog* log = nullptr;
  const Evaluation* evaluation = nullptr;
  std::string notes_strengths, notes_improvements;  // the trainer's notes (may be empty)
};

std::string report_html(const ReportInput& in, Lang lang);
// One CSV with a `section` column (overview, inject, expected, team, network, timeline),
// UTF-8 with a BOM so that Excel opens it in Japanese.
std::string report_csv(const ReportInput& in, Lang lang);

}  // namespace honbu::drill
