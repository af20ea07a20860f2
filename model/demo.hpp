// A small, realistic demo disaster (a fictional city, みなと市) used by `tools/honbu run`,
// the console's first start and tests. Deterministic for a given seed and start time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/schema.hpp"
#include "model/time.hpp"
#include "model/value.hpp"

namespace honbu {

class Store;

struct DemoNode {
  std::string node_id;    // "hq", "kita", "minami"
  std::string branch_id;  // the branch this node reports for
};

// The nodes of the demo: HQ and two branch offices (a third office has no node and
// never reports, so the summary shows it as 未報告/未確認).
std::vector<DemoNode> demo_nodes();
inline constexpr const char* kDemoDataset = "EXERCISE:demo";
// The demo city (fictional; its code passes the mod-11 check): drills are set there too.
inline constexpr const char* kDemoPrefecture = "神奈川県";
inline constexpr const char* kDemoMunicipality = "みなと市";
inline constexpr const char* kDemoMunicipalityCode = "149993";

// Master data every node shares (areas, branches, HQ state). Written by HQ.
void fill_demo_master_data(Store& hq, TimeMs now);
// The same as records (drills write them at their HQ node; a drill's HQ state is its own).
struct MasterRecord {
  EntityKind kind;
  std::string id;
  Fields fields;
};
std::vector<MasterRecord> demo_master_records(bool with_hq_state, TimeMs quake);
// The city's designated shelters (指定避難所: each area's 小学校 sh-<area>-sho and 中学校
// sh-<area>-chu), its welfare shelter (fukushi-center) and 大野台公民館 (sh-oonodai), none opened: a drill's players
// open them, and its expected actions name them.
std::vector<MasterRecord> demo_city_shelters();
// What one node records during the first hours after the quake (incidents, lifelines,
// reports, shelters, chronology, requests). `now` is the current time; the quake struck
// about three hours earlier.
void fill_demo_node(Store& store, const DemoNode& node, TimeMs now, std::uint64_t seed);

// One realistic update as the hours go on (the live demo: a node calls this every few
// seconds): a new call, an incident's status moving on, a lifeline figure changing, a
// shelter's head count, a new 第N報, a クロノロ entry. `step` counts the calls (deterministic).
void demo_update(Store& store, const DemoNode& node, std::uint64_t step);

}  // namespace honbu
