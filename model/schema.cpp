#include "model/schema.hpp"

#include <algorithm>
#include <stdexcept>

#include "model/form4.hpp"

namespace honbu {

namespace {

using F = FieldType;
using M = MergeRule;

FieldSpec text(std::string_view name, std::string_view ja, std::string_view en, bool req = false,
               M rule = M::Lww) {
  FieldSpec f{name, ja, en, F::Text, rule};
  f.required = req;
  return f;
}
FieldSpec long_text(std::string_view name, std::string_view ja, std::string_view en,
                    M rule = M::Lww) {
  return FieldSpec{name, ja, en, F::LongText, rule};
}
FieldSpec enumf(std::string_view name, std::string_view ja, std::string_view en,
                const Enumeration& e, bool req = false, M rule = M::Lww) {
  FieldSpec f{name, ja, en, F::Enum, rule, &e};
  f.required = req;
  return f;
}
FieldSpec count(std::string_view name, std::string_view ja, std::string_view en,
                M rule = M::Lww) {
  FieldSpec f{name, ja, en, F::Count, rule};
  f.min = 0;
  f.max = 1e12;
  return f;
}
FieldSpec measure(std::string_view name, std::string_view ja, std::string_view en,
                  M rule = M::Lww) {
  FieldSpec f{name, ja, en, F::Measure, rule};
  f.min = 0;
  f.max = 1e12;
  return f;
}
FieldSpec time(std::string_view name, std::string_view ja, std::string_view en, bool req = false,
               M rule = M::Lww) {
  FieldSpec f{name, ja, en, F::Time, rule};
  f.required = req;
  return f;
}
FieldSpec ref(std::string_view name, std::string_view ja, std::string_view en, bool req = false,
              M rule = M::Lww) {
  FieldSpec f{name, ja, en, F::Ref, rule};
  f.required = req;
  return f;
}
FieldSpec boolean(std::string_view name, std::string_view ja, std::string_view en) {
  return FieldSpec{name, ja, en, F::Bool, M::Lww};
}
FieldSpec real(std::string_view name, std::string_view ja, std::string_view en, double lo,
               double hi) {
  FieldSpec f{name, ja, en, F::Real, M::Lww};
  f.min = lo;
  f.max = hi;
  return f;
}
FieldSpec integer(std::string_view name, std::string_view ja, std::string_view en, double lo,
                  double hi, bool req = false, M rule = M::Lww) {
  FieldSpec f{name, ja, en, F::Int, rule};
  f.min = lo;
  f.max = hi;
  f.required = req;
  return f;
}

std::vector<EntitySpec> build_specs() {
  std::vector<EntitySpec> s;

  s.push_back({EntityKind::Area, "area", "areas", "地区", "Area", false,
               {text("name", "地区名", "Area name", true), text("kana", "よみがな", "Reading"),
                ref("branch_id", "所管支所", "Branch", true),
                text("municipality_code", "団体コード", "Municipality code"),
                count("households", "世帯数", "Households"),
                count("population", "人口", "Population"),
                real("lat", "緯度", "Latitude", -90, 90),
                real("lon", "経度", "Longitude", -180, 180)}});

  s.push_back({EntityKind::Branch, "branch", "branches", "支所", "Branch office", false,
               {text("name", "名称", "Name", true), text("name_en", "英語名", "English name"),
                enumf("branch_kind", "種別", "Kind", enums::branch_kind, true),
                text("node_id", "ノードID", "Node id"),
                integer("stale_after_min", "報告期限(分)", "Stale after (min)", 1, 10080),
                text("phone", "電話", "Phone")}});

  {
    FieldSpec level = enumf("activation_level", "配備体制", "Activation level",
                            enums::activation_level);
    level.open_enum = true;  // each city names its own 配備 levels
    s.push_back({EntityKind::HqState, "hq_state", "hq_state", "本部体制", "HQ state", false,
                 {enumf("state", "本部設置状況", "HQ state", enums::hq_state, true), level,
                  time("established_at", "設置日時", "Established at"),
                  time("dissolved_at", "廃止日時", "Dissolved at"),
                  text("disaster_name", "災害名", "Disaster name"),
                  time("occurred_at", "発生日時", "Occurred at"),
                  text("prefecture", "都道府県", "Prefecture"),
                  text("municipality", "市町村", "Municipality"),
                  text("municipality_code", "団体コード", "Municipality code"),
                  long_text("note", "備考", "Note")}});
  }

  s.push_back({EntityKind::Incident, "incident", "incidents", "事案", "Incident", false,
               {text("title", "件名", "Title", true),
                long_text("description", "内容", "Description"),
                enumf("category", "分類", "Category", enums::incident_category, true),
                text("place", "場所", "Place"), ref("area_id", "地区", "Area"),
                real("lat", "緯度", "Latitude", -90, 90),
                real("lon", "経度", "Longitude", -180, 180),
                time("received_at", "受信日時", "Received at", true),
                enumf("channel", "受信手段", "Channel", enums::channel),
                text("reporter", "通報者", "Reported by"),
                enumf("verification", "確認状況", "Verification", enums::verification, true),
                enumf("priority", "優先度", "Priority", enums::priority, true),
                enumf("status", "対応状況", "Status", enums::incident_status, true),
                text("team", "担当班", "Team"),
                count("dead", "死者", "Dead"), count("injured", "負傷者", "Injured"),
                count("trapped", "要救助者", "Trapped"),
                ref("duplicate_of", "重複元", "Duplicate of")}});

  {
    FieldSpec peak_at = time("peak_at", "最大時刻", "Peak at", false, M::Companion);
    peak_at.companion_of = "peak_affected";
    s.push_back(
        {EntityKind::Lifeline, "lifeline", "lifelines", "ライフライン", "Lifeline status", false,
         {ref("area_id", "地区", "Area", true),
          enumf("lifeline_type", "種別", "Type", enums::lifeline_type, true),
          enumf("status", "状況", "Status", enums::lifeline_status, true),
          count("affected", "支障数", "Affected"),
          time("as_of", "時点", "As of", true), text("source", "情報源", "Source", true),
          count("peak_affected", "最大支障数", "Peak affected", M::Max), peak_at,
          text("restoration_estimate", "復旧見込み", "Restoration estimate"),
          boolean("estimate_publishable", "公表可", "Estimate publishable"),
          long_text("note", "備考", "Note")}});
  }

  {
    EntitySpec r{EntityKind::BranchReport, "branch_report", "branch_reports", "支所報告",
                 "Branch report", true,
                 {ref("branch_id", "支所", "Branch", true, M::FirstWins),
                  integer("report_no", "報告番号(第N報)", "Report no.", 1, 9999, true,
                          M::FirstWins),
                  time("as_of", "時点", "As of", true, M::FirstWins),
                  enumf("report_type", "区分", "Type", enums::report_type, true, M::FirstWins),
                  text("reporter", "報告者", "Reporter", true, M::FirstWins),
                  time("occurred_at", "発生日時", "Occurred at", false, M::FirstWins)}};
    for (const Form4Text& t : form4_texts())
      r.fields.push_back(long_text(t.key, t.ja, t.en, M::FirstWins));
    for (const Form4Field& f : form4_fields())
      r.fields.push_back(f.hectares ? measure(f.key, f.ja, f.en, M::FirstWins)
                                    : count(f.key, f.ja, f.en, M::FirstWins));
    s.push_back(std::move(r));
  }

  {
    EntitySpec sh{EntityKind::Shelter, "shelter", "shelters", "避難所", "Shelter", false,
                  {text("name", "名称", "Name", true), text("kana", "よみがな", "Reading"),
                   enumf("shelter_type", "種別", "Type", enums::shelter_type, true),
                   ref("area_id", "地区", "Area"), text("address", "所在地", "Address"),
                   real("lat", "緯度", "Latitude", -90, 90),
                   real("lon", "経度", "Longitude", -180, 180),
                   count("capacity", "収容人数", "Capacity"),
                   enumf("open_state", "開設状況", "Open state", enums::shelter_open_state, true),
                   time("opened_at", "開設日時", "Opened at"),
                   time("closed_at", "閉鎖日時", "Closed at"),
                   enumf("crowding", "混雑状況", "Crowding", enums::crowding),
                   count("evacuees", "避難人数", "Evacuees"),
                   count("evacuees_voluntary", "うち自主避難", "of which voluntary"),
                   count("households", "避難世帯数", "Households"),
                   count("households_voluntary", "うち自主避難世帯", "of which voluntary hh"),
                   time("checked_at", "状況確認日時", "Checked at"),
                   enumf("f_building", "建物", "Building", enums::facility_state),
                   enumf("f_power", "電力", "Power", enums::facility_state),
                   enumf("f_comms", "通信", "Comms", enums::facility_state),
                   enumf("f_water", "水", "Water", enums::facility_state),
                   enumf("f_toilet", "トイレ", "Toilets", enums::facility_state),
                   boolean("can_open", "開設可", "Can open"), text("contact", "連絡先", "Contact"),
                   long_text("note", "備考", "Note")}};
    // One tri-state count per 要配慮者 group: column "v_" + the group's code.
    static constexpr std::string_view kVulnerableColumns[] = {
        "v_care3",    "v_elderly_alone", "v_elderly_only",   "v_bedridden",
        "v_dementia", "v_ryoiku_a",      "v_disability_1_2", "v_pregnant",
        "v_infant",   "v_foreign",       "v_medical_care"};
    static_assert(std::size(kVulnerableColumns) == 11);
    for (size_t i = 0; i < enums::vulnerable_group.values.size(); ++i) {
      const Label& g = enums::vulnerable_group.values[i];
      sh.fields.push_back(count(kVulnerableColumns[i], g.ja, g.en));
    }
    s.push_back(std::move(sh));
  }

  s.push_back({EntityKind::ShelterSupply, "shelter_supply", "shelter_supplies", "避難所物資",
               "Shelter supply", false,
               {ref("shelter_id", "避難所", "Shelter", true),
                text("item", "品目", "Item", true), text("unit", "単位", "Unit"),
                count("needed", "必要数", "Needed"),
                count("delivered", "配送済数", "Delivered", M::Counter),
                long_text("note", "備考", "Note")}});

  s.push_back({EntityKind::Request, "request", "requests", "要請・タスク", "Request / task", false,
               {enumf("kind", "種別", "Kind", enums::request_kind, true),
                text("title", "件名", "Title", true),
                long_text("description", "内容", "Description"),
                text("requested_by", "要請元", "Requested by"),
                text("addressed_to", "要請先", "Addressed to"),
                text("assignee", "担当", "Assignee"),
                enumf("status", "状況", "Status", enums::request_status, true),
                enumf("priority", "優先度", "Priority", enums::priority),
                time("due_at", "期限", "Due"), ref("incident_id", "関連事案", "Incident"),
                ref("shelter_id", "関連避難所", "Shelter"),
                count("quantity", "数量", "Quantity"), text("unit", "単位", "Unit"),
                time("done_at", "完了日時", "Done at")}});

  s.push_back({EntityKind::Chronology, "chronology", "chronology", "クロノロ", "Chronology", true,
               {integer("number", "No.", "No.", 1, 1e12, true, M::FirstWins),
                text("node_label", "記録拠点", "Recorded at", true, M::FirstWins),
                time("at", "時間", "Time", true, M::FirstWins),
                text("from_org", "発信者", "From", false, M::FirstWins),
                text("to_org", "受信者", "To", false, M::FirstWins),
                FieldSpec{"content", "内容", "Content", F::LongText, M::FirstWins, nullptr, true},
                enumf("category", "分類", "Category", enums::chronology_category, false,
                      M::FirstWins),
                enumf("medium", "手段", "Medium", enums::medium, false, M::FirstWins),
                ref("corrects", "訂正対象", "Corrects", false, M::FirstWins),
                long_text("action", "対応・指示", "Action"), text("team", "担当班", "Team"),
                enumf("state", "状態", "State", enums::chronology_state, true)}});

  s.push_back({EntityKind::EvacuationOrder, "evacuation_order", "evacuation_orders", "避難情報",
               "Evacuation order", true,
               {ref("area_id", "対象地区", "Area", true, M::FirstWins),
                enumf("level", "警戒レベル", "Level", enums::evacuation_level, true, M::FirstWins),
                enumf("action", "発令/解除", "Issued/lifted", enums::evacuation_action, true,
                      M::FirstWins),
                time("at", "日時", "At", true, M::FirstWins),
                count("households", "対象世帯数", "Households", M::FirstWins),
                count("persons", "対象人数", "Persons", M::FirstWins),
                long_text("note", "備考", "Note", M::FirstWins)}});

  s.push_back({EntityKind::OfficeStatus, "office_status", "office_status", "庁舎状況",
               "Office status", false,
               {time("as_of", "時点", "As of", true),
                enumf("power", "電源", "Power", enums::power_source),
                real("fuel_hours", "燃料残(時間)", "Fuel left (h)", 0, 10000),
                enumf("water", "水", "Water", enums::facility_state),
                boolean("comm_lgwan", "LGWAN", "LGWAN"),
                boolean("comm_internet", "インターネット", "Internet"),
                boolean("comm_radio", "防災行政無線", "Disaster radio"),
                boolean("comm_satellite", "衛星電話", "Satellite phone"),
                boolean("comm_mca", "MCA無線", "MCA radio"), boolean("comm_phone", "電話", "Phone"),
                boolean("comm_fax", "FAX", "Fax"),
                count("staff_present", "参集人数", "Staff present"),
                count("staff_target", "配備目標", "Staff target"),
                enumf("building", "建物", "Building", enums::building_safety),
                long_text("note", "備考", "Note")}});
  // A drill's inject card (状況付与票) as it reaches a player: written by the drill engine at
  // the target node, answered there. Never in ACTUAL data (the store refuses it).
  s.push_back({EntityKind::DrillMessage, "drill_message", "drill_messages", "状況付与票", "Drill message", false,
               {text("card", "カード番号", "Card no.", true, M::FirstWins),
                text("to_node", "宛先", "To", true, M::FirstWins),
                text("from_role", "発信者", "From", false, M::FirstWins),
                enumf("medium", "手段", "Medium", enums::medium, false, M::FirstWins),
                long_text("content", "内容", "Content", M::FirstWins),
                time("delivered_at", "付与時刻(訓練)", "Delivered (drill time)", true, M::FirstWins),
                time("answered_at", "対応時刻", "Answered at"), text("answered_by", "対応者", "Answered by"),
                long_text("response", "対応内容", "Response")}});
  // What was published, when and by whom (第4号様式 第N報, a CAP alert file, an export):
  // publishing is an explicit act, never a side effect of an edit. Append-only; `snapshot`
  // keeps a 第4号様式's figures as issued, so the next one can mark what changed.
  s.push_back({EntityKind::Publication, "publication", "publications", "発信記録", "Publication", true,
               {enumf("format", "様式", "Format", enums::publication_format, true, M::FirstWins),
                integer("report_no", "報数", "Report no.", 1, 1e6, false, M::FirstWins),
                time("as_of", "時点", "As of", true, M::FirstWins),
                time("published_at", "発信日時", "Published at", true, M::FirstWins),
                text("published_by", "発信者", "Published by", true, M::FirstWins),
                text("addressed_to", "宛先", "Addressed to", false, M::FirstWins),
                text("file_name", "ファイル", "File", false, M::FirstWins),
                integer("items", "件数", "Items", 0, 1e9, false, M::FirstWins),
                text("digest", "内容の要約値", "Content digest", false, M::FirstWins),
                long_text("snapshot", "発信時の数値", "Figures as issued", M::FirstWins),
                long_text("note", "備考", "Note", M::FirstWins)}});
  for (EntitySpec& e : s) {
    for (size_t i = 0; i < e.fields.size(); ++i) e.by_name.emplace_back(e.fields[i].name, static_cast<int>(i));
    std::sort(e.by_name.begin(), e.by_name.end());
    if (e.fields.size() * 2 > EntitySpec::kSlots) throw std::logic_error("EntitySpec::kSlots too small");
    for (size_t i = 0; i < e.fields.size(); ++i) {
      size_t h = EntitySpec::slot_hash(e.fields[i].name);
      while (e.slots[h] != 0) h = (h + 1) % EntitySpec::kSlots;
      e.slots[h] = static_cast<std::int16_t>(i + 1);
    }
  }
  return s;
}

const std::vector<EntitySpec>& specs() {
  static const std::vector<EntitySpec> kSpecs = build_specs();
  return kSpecs;
}

}  // namespace

std::size_t EntitySpec::slot_hash(std::string_view name) {
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (const char c : name) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h % kSlots;
}

int EntitySpec::index_of(std::string_view field_name) const {
  for (size_t h = slot_hash(field_name);; h = (h + 1) % kSlots) {
    const int v = slots[h];
    if (v == 0) return -1;
    if (fields[static_cast<size_t>(v - 1)].name == field_name) return v - 1;
  }
}

const FieldSpec* EntitySpec::field(std::string_view field_name) const {
  const int i = index_of(field_name);
  return i < 0 ? nullptr : &fields[static_cast<size_t>(i)];
}

const EntitySpec& spec(EntityKind kind) {
  for (const EntitySpec& s : specs())
    if (s.kind == kind) return s;
  return specs().front();  // unreachable: every kind has a spec (tested)
}

std::optional<EntityKind> kind_from_name(std::string_view name) {
  for (const EntitySpec& s : specs())
    if (s.name == name) return s.kind;
  return std::nullopt;
}

std::span<const EntityKind> all_kinds() {
  static constexpr EntityKind kKinds[] = {
      EntityKind::Area,         EntityKind::Branch,          EntityKind::HqState,
      EntityKind::Incident,     EntityKind::Lifeline,        EntityKind::BranchReport,
      EntityKind::Shelter,      EntityKind::ShelterSupply,   EntityKind::Request,
      EntityKind::Chronology,   EntityKind::EvacuationOrder, EntityKind::OfficeStatus,
      EntityKind::DrillMessage, EntityKind::Publication};
  return kKinds;
}

std::string lifeline_id(std::string_view area_id, std::string_view type) {
  return std::string(area_id) + "/" + std::string(type);
}
std::string shelter_supply_id(std::string_view shelter_id, std::string_view item) {
  return std::string(shelter_id) + "/" + std::string(item);
}
std::string branch_report_id(std::string_view branch_id, std::int64_t report_no) {
  return std::string(branch_id) + "/" + std::to_string(report_no);
}

}  // namespace honbu
