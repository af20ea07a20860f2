#include "model/demo.hpp"

#include <random>
#include <tuple>

#include "model/entities.hpp"
#include "model/errors.hpp"
#include "model/form4.hpp"
#include "model/queries.hpp"
#include "model/store.hpp"
#include "model/validation.hpp"

namespace honbu {

namespace {

constexpr TimeMs kMin = 60'000;

struct DemoArea {
  const char* id;
  const char* name;
  const char* kana;
  const char* branch;
  int households;
  double lat, lon;
};

// みなと市: a fictional coastal city in three districts (本庁, 北部, 南部) plus 東出張所.
constexpr DemoArea kAreas[] = {
    {"chuo", "中央町", "ちゅうおうちょう", "hq", 4200, 35.3330, 139.6210},
    {"honcho", "本町", "ほんちょう", "hq", 3100, 35.3360, 139.6260},
    {"minatomachi", "港町", "みなとまち", "hq", 2600, 35.3290, 139.6300},
    {"kitayama", "北山", "きたやま", "kita", 1800, 35.3620, 139.6150},
    {"uenodai", "上野台", "うえのだい", "kita", 2900, 35.3560, 139.6250},
    {"sakuragaoka", "桜ケ丘", "さくらがおか", "kita", 3300, 35.3500, 139.6080},
    {"minamihama", "南浜", "みなみはま", "minami", 2100, 35.3050, 139.6200},
    {"oono", "大野", "おおの", "minami", 1500, 35.3100, 139.6050},
    {"kawabe", "川辺", "かわべ", "minami", 1900, 35.3150, 139.6350},
    {"higashi", "東台", "ひがしだい", "higashi", 1200, 35.3300, 139.6550},
};

std::string op_name(const DemoNode& n) {
  if (n.node_id == "hq") return "防災課 佐藤";
  if (n.node_id == "kita") return "北部支所 田中";
  return "南部支所 鈴木";
}

void must(const LocalResult& r, const char* what) {
  if (!r.ok) throw Error(std::string("demo data rejected (") + what + "): " + describe(r.problems, Lang::En));
}

std::string iso(TimeMs t) { return format_iso_jst(t); }

}  // namespace

std::vector<DemoNode> demo_nodes() { return {{"hq", "hq"}, {"kita", "kita"}, {"minami", "minami"}}; }

std::vector<MasterRecord> demo_master_records(bool with_hq_state, TimeMs quake) {
  std::vector<MasterRecord> out;
  struct B {
    const char *id, *name, *en, *kind, *node;
    int stale;
  };
  for (const B& b : {B{"hq", "みなと市役所(本庁)", "City Hall", "hq", "hq", 60},
                     B{"kita", "北部支所", "North branch", "branch", "kita", 60},
                     B{"minami", "南部支所", "South branch", "branch", "minami", 60},
                     B{"higashi", "東出張所", "East sub-office", "sub_office", "", 60}}) {
    Fields f{{"name", b.name}, {"name_en", b.en}, {"branch_kind", b.kind}, {"stale_after_min", std::int64_t{b.stale}}};
    if (*b.node) f["node_id"] = b.node;
    out.push_back({EntityKind::Branch, b.id, f});
  }
  for (const DemoArea& a : kAreas)
    out.push_back({EntityKind::Area, a.id,
                   {{"name", a.name}, {"kana", a.kana}, {"branch_id", a.branch}, {"municipality_code", "149993"},
                    {"households", std::int64_t{a.households}}, {"population", std::int64_t{a.households * 23 / 10}},
                    {"lat", a.lat}, {"lon", a.lon}}});
  if (with_hq_state)
    out.push_back({EntityKind::HqState, std::string(kHqStateId),
                   {{"state", "countermeasures"}, {"activation_level", "level3"},
                    {"established_at", iso(quake + 8 * kMin)}, {"disaster_name", "みなと湾北部地震"},
                    {"occurred_at", iso(quake)}, {"prefecture", kDemoPrefecture}, {"municipality", kDemoMunicipality},
                    {"municipality_code", kDemoMunicipalityCode}, {"note", "震度6強(中央町)。全職員参集(第3配備)。"}}});
  return out;
}

std::vector<MasterRecord> demo_city_shelters() {
  std::vector<MasterRecord> out;
  for (const DemoArea& a : kAreas)
    for (const auto& [suffix, school, capacity, dlat] :
         {std::tuple{"sho", "小学校", 500, 0.002}, std::tuple{"chu", "中学校", 400, -0.002}})
      out.push_back({EntityKind::Shelter, "sh-" + std::string(a.id) + "-" + suffix,
                     {{"name", std::string(a.name) + school}, {"shelter_type", std::string("designated")},
                      {"area_id", std::string(a.id)}, {"lat", a.lat + dlat}, {"lon", a.lon + 0.002},
                      {"capacity", std::int64_t{capacity}}, {"open_state", std::string("not_opened")}}});
  struct Other {
    const char *id, *name, *type, *area, *address;
    double lat, lon;
    std::int64_t capacity;
  };
  for (const Other& o : {Other{"fukushi-center", "みなと市総合福祉センター", "welfare", "chuo", "中央町3-10", 35.3345, 139.6190, 40},
                         Other{"sh-oonodai", "大野台公民館", "designated", "oono", "大野台1-2", 35.3125, 139.6030, 150}})
    out.push_back({EntityKind::Shelter, o.id,
                   {{"name", std::string(o.name)}, {"shelter_type", std::string(o.type)}, {"area_id", std::string(o.area)},
                    {"address", std::string(o.address)}, {"lat", o.lat}, {"lon", o.lon}, {"capacity", o.capacity},
                    {"open_state", std::string("not_opened")}}});
  return out;
}

void fill_demo_master_data(Store& s, TimeMs now) {
  const std::string who = "防災課 佐藤";
  s.batch([&] {
    for (const MasterRecord& r : demo_master_records(true, now - 185 * kMin)) must(s.put(r.kind, r.id, r.fields, who), "master data");
  });
}

void fill_demo_node(Store& s, const DemoNode& node, TimeMs now, std::uint64_t seed) {
  std::mt19937_64 rng(seed ^ std::hash<std::string>{}(node.node_id));
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  const TimeMs quake = now - 185 * kMin;
  const std::string who = op_name(node);
  std::vector<const DemoArea*> areas;
  for (const DemoArea& a : kAreas)
    if (node.branch_id == a.branch) areas.push_back(&a);

  s.batch([&] {
    // [SECTION] Incidents: calls and reports of the first three hours.
    struct Kind {
      const char *category, *title, *priority, *channel;
      int dead, injured, trapped;
    };
    static constexpr Kind kKinds[] = {
        {"building", "木造家屋倒壊 閉じ込めあり", "life", "phone", -1, 0, 2},
        {"fire", "建物火災 延焼のおそれ", "life", "fire_police", 0, 1, 0},
        {"landslide", "がけ崩れ 市道をふさぐ", "high", "staff", 0, 0, 0},
        {"road", "道路陥没 通行止め", "high", "staff", 0, 0, 0},
        {"lifeline", "水道管破裂 道路冠水", "medium", "phone", 0, 0, 0},
        {"building", "ブロック塀倒壊", "medium", "phone", 0, 1, 0},
        {"rescue", "エレベーター閉じ込め", "high", "fire_police", 0, 0, 1},
        {"lifeline", "ガス臭の通報", "high", "phone", 0, 0, 0},
        {"road", "橋の取付部に段差", "medium", "radio", 0, 0, 0},
        {"casualty", "高齢者の安否確認依頼", "medium", "phone", -1, -1, 0},
        {"evacuation", "避難所の場所の問い合わせ", "low", "phone", 0, 0, 0},
        {"other", "信号機停止 交通整理要請", "medium", "fire_police", 0, 0, 0},
    };
    static constexpr const char* kStatus[] = {"received", "in_progress", "in_progress", "done"};
    static constexpr const char* kVerify[] = {"unverified", "verifying", "verified", "verified"};
    static constexpr const char* kTeams[] = {"救助班", "土木班", "情報班", "避難所班", "水道班"};
    const int count = node.node_id == "hq" ? 16 : 12;
    for (int i = 0; i < count; ++i) {
      const Kind& k = kKinds[static_cast<size_t>(pick(std::size(kKinds)))];
      const DemoArea& a = *areas[static_cast<size_t>(pick(static_cast<int>(areas.size())))];
      const TimeMs received = quake + (10 + i * 160 / count + pick(8)) * kMin;
      Fields f{{"title", std::string(a.name) + " " + k.title},
               {"category", k.category},
               {"place", std::string(a.name) + std::to_string(1 + pick(4)) + "-" +
                             std::to_string(1 + pick(20)) + "付近"},
               {"area_id", a.id},
               {"lat", a.lat + (pick(100) - 50) * 0.00008},
               {"lon", a.lon + (pick(100) - 50) * 0.0001},
               {"received_at", iso(received)},
               {"channel", k.channel},
               {"reporter", pick(2) ? "近隣住民" : "消防本部"},
               {"verification", kVerify[static_cast<size_t>(pick(4))]},
               {"priority", k.priority},
               {"status", kStatus[static_cast<size_t>(pick(4))]},
               {"team", kTeams[static_cast<size_t>(pick(5))]}};
      if (k.trapped > 0) f["trapped"] = std::int64_t{k.trapped};
      if (k.injured > 0) f["injured"] = std::int64_t{k.injured};
      if (k.dead == 0) f["dead"] = std::int64_t{0};  // -1: not yet known (未確認)
      must(s.put(EntityKind::Incident, s.new_id(), f, who), "incident");
    }

    // [SECTION] Lifelines for the node's areas, with source and as-of time on every figure.
    struct Life {
      const char *type, *source;
      int per_mille;  // share of households affected
    };
    static constexpr Life kLife[] = {{"power", "東京電力パワーグリッド", 420},
                                     {"water", "市水道局", 250},
                                     {"city_gas", "東京ガス", 90},
                                     {"mobile_telecom", "携帯各社", 0},
                                     {"road", "市道路課", 0}};
    for (const DemoArea* a : areas) {
      for (const Life& l : kLife) {
        const TimeMs as_of = now - (15 + pick(60)) * kMin;
        const bool collecting = pick(6) == 0;
        Fields f{{"area_id", a->id}, {"lifeline_type", l.type}, {"as_of", iso(as_of)},
                 {"source", l.source}};
        if (collecting) {
          f["status"] = "collecting";  // count stays 未確認
        } else if (std::string_view(l.type) == "road") {
          const std::int64_t closed = pick(4);
          f["status"] = closed ? "disrupted" : "no_damage";
          f["affected"] = closed;
          f["peak_affected"] = closed;
          f["peak_at"] = iso(as_of);
        } else if (l.per_mille == 0) {
          f["status"] = pick(2) ? "partial" : "no_damage";
        } else {
          const std::int64_t peak = a->households * (l.per_mille + pick(200)) / 1000;
          const std::int64_t cur = peak * (30 + pick(70)) / 100;
          f["status"] = cur < peak ? "restoring" : "disrupted";
          f["affected"] = cur;
          f["peak_affected"] = peak;
          f["peak_at"] = iso(quake + (20 + pick(30)) * kMin);
          f["restoration_estimate"] = pick(2) ? "11月23日中" : "見込み未定";
          f["estimate_publishable"] = std::int64_t{pick(2)};
        }
        must(s.put(EntityKind::Lifeline, lifeline_id(a->id, l.type), f, who), "lifeline");
      }
    }

    // [SECTION] Branch reports (第N報) with tri-state counts: unknown stays 未確認.
    const int reports = node.node_id == "kita" ? 2 : 1;
    for (int n = 1; n <= reports; ++n) {
      const TimeMs as_of = node.node_id == "minami" ? now - 95 * kMin
                                                    : now - (reports - n) * 70 * kMin - 20 * kMin;
      Fields f{{"branch_id", node.branch_id},
               {"report_no", std::int64_t{n}},
               {"as_of", iso(as_of)},
               {"report_type", "preliminary"},
               {"reporter", who},
               {"occurred_at", iso(quake)},
               {"overview", n == 1 ? "家屋倒壊・がけ崩れの通報多数。詳細確認中。"
                                   : "倒壊家屋の救助活動継続中。停電・断水が続く。"}};
      const std::int64_t scale = n + 1;
      f["dead"] = std::int64_t{n == 1 ? 0 : 1};
      f["injured_severe"] = scale;
      f["injured_minor"] = scale * 4 + pick(5);
      f["full_bldg"] = scale * 3;
      f["half_bldg"] = scale * 7 + pick(5);
      f["partial_bldg"] = scale * 25 + pick(20);
      f["road"] = std::int64_t{3 + pick(4)};
      f["cliff"] = std::int64_t{node.node_id == "kita" ? 2 : 0};
      f["block_wall"] = std::int64_t{pick(6)};
      f["fire_building"] = std::int64_t{pick(2)};
      f["water"] = std::int64_t{400 + pick(800)};
      f["electricity"] = std::int64_t{900 + pick(1500)};
      f["fs_volunteer"] = std::int64_t{40 + pick(30)};
      if (n >= 2) {
        f["missing"] = std::int64_t{0};
        f["full_hh"] = scale * 3;
        f["full_persons"] = scale * 7;
        f["half_hh"] = scale * 8;
        f["half_persons"] = scale * 19;
        f["dmg_public_works"] = std::int64_t{52000 + pick(10000)};
      }
      // Everything else is left out: 未確認 in the report, never 0.
      must(s.put(EntityKind::BranchReport, branch_report_id(node.branch_id, n), f, who), "report");
    }

    // [SECTION] Shelters and their needs (基本8品目).
    const int shelters = node.node_id == "hq" ? 2 : 2;
    for (int i = 0; i < shelters; ++i) {
      const DemoArea& a = *areas[static_cast<size_t>(i) % areas.size()];
      const bool open = !(node.node_id == "minami" && i == 1);
      const std::string id = "sh-" + std::string(a.id);
      const std::int64_t capacity = 300 + pick(5) * 100;
      Fields f{{"name", std::string(a.name) + (i == 0 ? "小学校" : "中学校")},
               {"shelter_type", node.node_id == "hq" && i == 1 ? "welfare" : "designated"},
               {"area_id", a.id},
               {"address", std::string(a.name) + "2-" + std::to_string(1 + pick(20))},
               {"lat", a.lat + 0.002},
               {"lon", a.lon - 0.002},
               {"capacity", capacity},
               {"open_state", open ? "open" : "not_opened"},
               {"f_building", "usable"},
               {"f_power", open ? "unusable" : "unknown"},
               {"f_water", "unusable"}};
      if (open) {
        const std::int64_t evacuees = capacity * (40 + pick(50)) / 100;
        f["opened_at"] = iso(quake + (30 + pick(30)) * kMin);
        f["evacuees"] = evacuees;
        f["evacuees_voluntary"] = evacuees / 5;
        f["households"] = evacuees * 10 / 23;
        f["crowding"] = evacuees > capacity * 8 / 10 ? "crowded" : "available";
        f["checked_at"] = iso(now - (10 + pick(30)) * kMin);
        f["v_elderly_alone"] = std::int64_t{3 + pick(10)};
        f["v_infant"] = std::int64_t{pick(12)};
        f["v_medical_care"] = std::int64_t{pick(3)};
        // v_foreign etc. not surveyed yet: 未確認
      }
      must(s.put(EntityKind::Shelter, id, f, who), "shelter");
      if (!open) continue;
      for (const char* item : {"food", "blanket", "portable_toilet"}) {
        const std::string sid = shelter_supply_id(id, item);
        must(s.put(EntityKind::ShelterSupply, sid,
                   {{"shelter_id", id}, {"item", item}, {"unit", std::string(item) == "food" ? "食" : "枚"},
                    {"needed", std::int64_t{100 + pick(400)}}},
                   who),
             "supply");
        must(s.add(EntityKind::ShelterSupply, sid, {{"delivered", std::int64_t{50 + pick(100)}}}, who),
             "delivery");
      }
    }

    // [SECTION] Chronology (クロノロ): what was received, sent and decided.
    struct Entry {
      int minute;
      const char *from, *to, *content, *category, *medium, *state;
    };
    static constexpr Entry kHqLog[] = {
        {0, "気象庁", "本部", "地震発生 みなと湾北部 M7.1 市内最大震度6強", "info", "system", "done"},
        {8, "市長", "全庁", "災害対策本部設置 第3配備", "hq", "verbal", "done"},
        {15, "消防本部", "本部", "倒壊家屋・閉じ込め通報多数 救助隊出動中", "casualty", "phone", "in_progress"},
        {25, "東京電力", "本部", "市内約9,000戸停電 復旧見込み未定", "lifeline", "phone", "done"},
        {40, "本部", "北部支所", "北山地区 土砂災害警戒 避難指示(レベル4)発令", "evacuation", "radio", "done"},
        {55, "本部", "県災害対策本部", "被害第1報 送付", "info", "fax", "done"},
        {70, "中央町小学校", "本部", "避難者増加 毛布・簡易トイレ不足", "shelter", "phone", "in_progress"},
        {95, "本部", "県", "給水車派遣要請", "request", "fax", "in_progress"},
        {120, "水道局", "本部", "配水池点検完了 一部地区で給水再開見込み", "lifeline", "phone", "pending"},
        {150, "南部支所", "本部", "南浜地区 通信不安定 定時報告遅延の可能性", "info", "radio", "pending"},
    };
    static constexpr Entry kBranchLog[] = {
        {5, "支所長", "支所", "支所職員参集開始 庁舎被害なし", "hq", "verbal", "done"},
        {20, "住民", "支所", "がけ崩れで道路通行不能との通報", "building", "phone", "in_progress"},
        {45, "支所", "本部", "第1報送付", "info", "fax", "done"},
        {80, "避難所", "支所", "避難者数報告 乳幼児あり ミルク要望", "shelter", "phone", "pending"},
    };
    const auto& log = node.node_id == "hq" ? std::span<const Entry>(kHqLog) : std::span<const Entry>(kBranchLog);
    std::int64_t number = s.next_chronology_number();
    for (const Entry& e : log) {
      must(s.put(EntityKind::Chronology, s.new_id(),
                 {{"number", number++}, {"node_label", s.node_id()},
                  {"at", iso(quake + e.minute * kMin)}, {"from_org", e.from}, {"to_org", e.to},
                  {"content", e.content}, {"category", e.category}, {"medium", e.medium},
                  {"state", e.state}},
                 who),
           "chronology");
    }

    // [SECTION] Requests and tasks.
    if (node.node_id == "hq") {
      must(s.put(EntityKind::Request, s.new_id(),
                 {{"kind", "supplies"}, {"title", "給水車 2台"}, {"requested_by", "みなと市"},
                  {"addressed_to", "神奈川県"}, {"status", "open"}, {"priority", "high"},
                  {"quantity", std::int64_t{2}}, {"unit", "台"},
                  {"due_at", iso(now + 120 * kMin)}},
                 who),
           "request");
      must(s.put(EntityKind::Request, s.new_id(),
                 {{"kind", "personnel"}, {"title", "倒壊家屋の応急危険度判定士 派遣"},
                  {"requested_by", "みなと市"}, {"addressed_to", "県建築指導課"},
                  {"status", "assigned"}, {"assignee", "建築班"}, {"priority", "medium"}},
                 who),
           "request");
      must(s.put(EntityKind::EvacuationOrder, s.new_id(),
                 {{"area_id", "kitayama"}, {"level", "4"}, {"action", "issue"},
                  {"at", iso(quake + 40 * kMin)}, {"households", std::int64_t{1800}},
                  {"persons", std::int64_t{4140}}, {"note", "がけ崩れ発生 土砂災害警戒"}},
                 who),
           "evacuation order");
    } else {
      must(s.put(EntityKind::Request, s.new_id(),
                 {{"kind", "supplies"}, {"title", "乳児用ミルク・おむつ"},
                  {"requested_by", std::string(node.branch_id == "kita" ? "北部" : "南部") + "支所"},
                  {"addressed_to", "本部 物資班"}, {"status", "open"}, {"priority", "high"},
                  {"quantity", std::int64_t{50}}, {"unit", "セット"}},
                 who),
           "request");
    }
    must(s.put(EntityKind::OfficeStatus, node.branch_id,
               {{"as_of", iso(now - 30 * kMin)},
                {"power", node.node_id == "hq" ? "generator" : "commercial"},
                {"fuel_hours", node.node_id == "hq" ? 48.0 : 0.0},
                {"comm_lgwan", std::int64_t{1}}, {"comm_radio", std::int64_t{1}},
                {"comm_phone", std::int64_t{node.node_id == "minami" ? 0 : 1}},
                {"staff_present", std::int64_t{node.node_id == "hq" ? 186 : 24}},
                {"staff_target", std::int64_t{node.node_id == "hq" ? 220 : 30}},
                {"building", "usable"}},
               who),
         "office status");
  });
}

void demo_update(Store& s, const DemoNode& node, std::uint64_t step) {
  std::mt19937_64 rng(step * 7919 + std::hash<std::string>{}(node.node_id));
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  const std::string who = op_name(node);
  std::vector<const DemoArea*> areas;
  for (const DemoArea& a : kAreas)
    if (node.branch_id == a.branch) areas.push_back(&a);
  if (areas.empty()) return;
  const DemoArea& a = *areas[static_cast<size_t>(pick(static_cast<int>(areas.size())))];
  const TimeMs now = s.now();
  switch (step % 6) {
    case 0: {  // a new call
      // Each call with the category it is (a demo people train on must not say 「けが人の通報 /
      // 道路被害」).
      struct Call {
        const char* title;
        const char* category;
      };
      static constexpr Call kCalls[] = {{"倒木 通行支障", "road"},         {"家屋の一部損壊", "building"},
                                        {"断水の問い合わせ", "lifeline"}, {"けが人の通報", "casualty"},
                                        {"道路に落下物", "road"},         {"避難所へ移動できない高齢者", "evacuation"}};
      const Call& call = kCalls[pick(6)];
      must(s.put(EntityKind::Incident, s.new_id(),
                 {{"title", std::string(a.name) + " " + call.title}, {"category", call.category},
                  {"place", std::string(a.name) + std::to_string(1 + pick(4)) + "-" + std::to_string(1 + pick(30))},
                  {"area_id", a.id}, {"lat", a.lat + (pick(100) - 50) * 0.00008},
                  {"lon", a.lon + (pick(100) - 50) * 0.0001}, {"received_at", iso(now)}, {"channel", "phone"},
                  {"reporter", "住民"}, {"verification", "unverified"}, {"priority", pick(3) ? "medium" : "high"},
                  {"status", "received"}},
                 who),
           "incident");
      break;
    }
    case 1: {  // a lifeline figure moves (restoration progresses)
      const char* type = pick(2) ? "power" : "water";
      const std::string id = lifeline_id(a.id, type);
      if (auto cur = s.load(EntityKind::Lifeline, id)) {
        const auto affected = as_int(cur->get("affected")).value_or(0);
        const std::int64_t next = std::max<std::int64_t>(0, affected - 20 - pick(80));
        must(s.put(EntityKind::Lifeline, id,
                   {{"affected", next}, {"as_of", iso(now)}, {"status", next == 0 ? "restored" : "restoring"}}, who),
             "lifeline");
      }
      break;
    }
    case 2:  // a クロノロ entry
      must(s.put(EntityKind::Chronology, s.new_id(),
                 {{"number", s.next_chronology_number()}, {"node_label", s.node_id()}, {"at", iso(now)},
                  {"from_org", pick(2) ? "消防本部" : "住民"}, {"to_org", node.node_id == "hq" ? "本部" : "支所"},
                  {"content", std::string(a.name) + "地区 状況報告 (" + std::to_string(step) + ")"},
                  {"category", "info"}, {"medium", "phone"}, {"state", "pending"}},
                 who),
           "chronology");
      break;
    case 3: {  // an open shelter's head count
      for (const Shelter& sh : list_all<Shelter>(s.db()))
        if (sh.area_id == a.id && (sh.open_state == "open")) {
          const std::int64_t ev = sh.evacuees.value_or(0) + 5 + pick(20);
          must(s.put(EntityKind::Shelter, sh.id,
                     {{"evacuees", ev}, {"checked_at", iso(now)}, {"crowding", ev > 300 ? "crowded" : "available"}}, who),
               "shelter");
          break;
        }
      break;
    }
    case 4: {  // an incident's status moves on
      for (const Incident& in : list_all<Incident>(s.db()))
        if (in.area_id == a.id && in.status == "received") {
          must(s.put(EntityKind::Incident, in.id, {{"status", "in_progress"}, {"verification", "verified"}}, who),
               "incident status");
          break;
        }
      break;
    }
    default: {  // every so often, the next 第N報
      if (node.node_id == "hq" || step % 12 != 5) break;
      std::int64_t last = 0;
      for (const BranchReport& r : report_history(s.db(), node.branch_id)) last = std::max(last, r.report_no);
      Fields f{{"branch_id", node.branch_id}, {"report_no", last + 1}, {"as_of", iso(now)},
               {"report_type", "preliminary"}, {"reporter", who}};
      if (auto prev = s.load(EntityKind::BranchReport, branch_report_id(node.branch_id, last)))
        for (const Form4Field& ff : form4_fields()) {
          const Value& v = prev->get(ff.key);
          if (is_null(v)) continue;
          if (auto n = as_int(v)) f[std::string(ff.key)] = *n + (pick(3) == 0 ? 1 : 0);
          else f[std::string(ff.key)] = v;
        }
      must(s.put(EntityKind::BranchReport, branch_report_id(node.branch_id, last + 1), f, who), "report");
      break;
    }
  }
}

}  // namespace honbu
