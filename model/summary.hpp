// A plain-text situation summary (状況概要) of one node's data, in Japanese or English:
// HQ state, 第4号様式 totals per block, branch freshness, lifelines, shelters, requests.
// Used by `honbu-demo`, `honbu-db stats --summary` and anyone on a terminal.
#pragma once

#include <string>
#include <vector>

#include "model/queries.hpp"

#include "model/db.hpp"
#include "model/labels.hpp"
#include "model/time.hpp"

namespace honbu {

std::string situation_summary(Db& db, Lang lang, TimeMs now);

// Each 第4号様式 block of HQ totals as text: what is known ("死者 1人(+未確認)、…") and the
// items nobody has reported yet (listed as 未確認, never as 0).
struct Form4BlockText {
  Form4Block block;
  std::string label, known, unknown;
};
std::vector<Form4BlockText> form4_block_texts(const Form4Totals& totals, Lang lang);

}  // namespace honbu
