// A plain-text situation summary (状況概要) of one node's data, in Japanese or English:
// HQ state, 第4号様式 totals per block, branch freshness, lifelines, shelters, requests.
// Used by `honbu-demo`, `honbu-db stats --summary` and anyone on a terminal.
#pragma once

#include <string>

#include "model/db.hpp"
#include "model/labels.hpp"
#include "model/time.hpp"

namespace honbu {

std::string situation_summary(Db& db, Lang lang, TimeMs now);

}  // namespace honbu
