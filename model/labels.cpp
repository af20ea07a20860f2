#include "model/labels.hpp"

#include <cstdlib>
#include <cstring>

namespace honbu {

Lang lang_from_locale(const char* locale) {
  if (locale && std::strncmp(locale, "en", 2) == 0) return Lang::En;
  return Lang::Ja;
}

Lang lang_from_environment() {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"})
    if (const char* v = std::getenv(name); v && *v) return lang_from_locale(v);
  return Lang::Ja;
}

const Label* Enumeration::find(std::string_view code) const {
  for (const Label& l : values)
    if (l.code == code) return &l;
  return nullptr;
}

std::string_view Enumeration::text(std::string_view code, Lang lang) const {
  const Label* l = find(code);
  return l ? l->text(lang) : code;
}

std::string_view Enumeration::code_for(std::string_view s) const {
  for (const Label& l : values)
    if (l.code == s || l.ja == s || l.en == s) return l.code;
  return {};
}

namespace enums {
namespace {

constexpr Label kIncidentCategory[] = {
    {"casualty", "人的被害", "Casualties"},     {"building", "建物被害", "Building damage"},
    {"fire", "火災", "Fire"},                   {"landslide", "土砂災害", "Landslide"},
    {"flood", "浸水", "Flooding"},              {"road", "道路被害", "Road damage"},
    {"lifeline", "ライフライン", "Lifelines"},  {"rescue", "救助要請", "Rescue request"},
    {"evacuation", "避難", "Evacuation"},       {"medical", "医療", "Medical"},
    {"other", "その他", "Other"}};

constexpr Label kChannel[] = {
    {"phone", "電話", "Phone"},
    {"fax", "FAX", "Fax"},
    {"radio", "防災行政無線", "Disaster radio"},
    {"email", "メール", "E-mail"},
    {"visit", "来庁", "In person"},
    {"fire_police", "119/110転送", "119/110 transfer"},
    {"sns", "SNS", "Social media"},
    {"system", "システム連携", "System feed"},
    {"staff", "職員報告", "Staff report"}};

constexpr Label kVerification[] = {{"unverified", "未確認", "Unverified"},
                                   {"verifying", "確認中", "Verifying"},
                                   {"verified", "確認済", "Verified"},
                                   {"false", "誤報・重複", "False / duplicate"}};

constexpr Label kPriority[] = {{"life", "緊急(人命)", "Urgent (life)"},
                               {"high", "高", "High"},
                               {"medium", "中", "Medium"},
                               {"low", "低", "Low"}};

constexpr Label kIncidentStatus[] = {{"received", "受付", "Received"},
                                     {"in_progress", "対応中", "In progress"},
                                     {"done", "対応済", "Done"},
                                     {"cancelled", "取消", "Cancelled"}};

constexpr Label kLifelineType[] = {
    {"power", "電力", "Power"},           {"city_gas", "都市ガス", "City gas"},
    {"lp_gas", "LPガス", "LP gas"},       {"water", "上水道", "Water"},
    {"sewer", "下水道", "Sewer"},         {"fixed_telecom", "固定通信", "Fixed telecom"},
    {"mobile_telecom", "携帯通信", "Mobile telecom"}, {"road", "道路", "Roads"},
    {"rail", "鉄道", "Rail"}};

constexpr Label kLifelineStatus[] = {
    {"no_damage", "被害なし", "No damage"},   {"collecting", "情報収集中", "Collecting info"},
    {"partial", "一部支障", "Partly disrupted"}, {"disrupted", "支障", "Disrupted"},
    {"restoring", "復旧作業中", "Restoring"},  {"restored", "復旧済", "Restored"},
    {"unknown", "不明", "Unknown"}};

constexpr Label kReportType[] = {{"preliminary", "速報", "Preliminary"},
                                 {"final", "確定", "Final"}};

constexpr Label kShelterType[] = {{"designated", "指定避難所", "Designated shelter"},
                                  {"welfare", "福祉避難所", "Welfare shelter"},
                                  {"emergency_site", "指定緊急避難場所", "Emergency evacuation site"},
                                  {"temporary", "一時避難場所", "Temporary gathering site"},
                                  {"wide_area", "広域避難場所", "Wide-area evacuation site"},
                                  {"provisional", "臨時避難所", "Provisional shelter"}};

constexpr Label kShelterOpenState[] = {{"not_opened", "未開設", "Not opened"},
                                       {"open", "開設", "Open"},
                                       {"closed", "閉鎖", "Closed"},
                                       {"unknown", "不明", "Unknown"},
                                       {"permanent", "常設", "Permanent"}};

constexpr Label kCrowding[] = {{"available", "空き", "Space available"},
                               {"crowded", "混雑", "Crowded"},
                               {"full", "定員一杯", "Full"},
                               {"unknown", "不明", "Unknown"}};

constexpr Label kFacilityState[] = {{"usable", "使用可", "Usable"},
                                    {"needs_check", "要点検", "Needs inspection"},
                                    {"unusable", "使用不可", "Unusable"},
                                    {"unknown", "不明", "Unknown"}};

constexpr Label kVulnerableGroup[] = {
    {"care3", "要介護3以上", "Care level 3+"},
    {"elderly_alone", "独居高齢者", "Elderly living alone"},
    {"elderly_only", "高齢者のみ世帯", "Elderly-only households"},
    {"bedridden", "寝たきり", "Bedridden"},
    {"dementia", "認知症", "Dementia"},
    {"ryoiku_a", "療育手帳A", "Intellectual disability (A)"},
    {"disability_1_2", "身体障害者手帳1・2級", "Physical disability (grade 1-2)"},
    {"pregnant", "妊産婦", "Pregnant / nursing"},
    {"infant", "乳幼児", "Infants"},
    {"foreign", "外国人", "Foreign residents"},
    {"medical_care", "医療的ケア", "Medical care needs"}};

constexpr Label kSupplyItem[] = {{"food", "食料", "Food"},
                                 {"blanket", "毛布", "Blankets"},
                                 {"infant_milk", "乳児用粉ミルク又は液体ミルク", "Infant formula"},
                                 {"child_diaper", "乳児・小児用おむつ", "Child diapers"},
                                 {"adult_diaper", "大人用おむつ", "Adult diapers"},
                                 {"portable_toilet", "携帯・簡易トイレ", "Portable toilets"},
                                 {"toilet_paper", "トイレットペーパー", "Toilet paper"},
                                 {"sanitary", "生理用品", "Sanitary products"}};

constexpr Label kRequestKind[] = {{"supplies", "物資", "Supplies"},
                                  {"personnel", "人員", "Personnel"},
                                  {"equipment", "資機材", "Equipment"},
                                  {"task", "作業", "Task"},
                                  {"other", "その他", "Other"}};

constexpr Label kRequestStatus[] = {{"open", "未対応", "Open"},
                                    {"assigned", "割当済", "Assigned"},
                                    {"in_progress", "対応中", "In progress"},
                                    {"done", "完了", "Done"},
                                    {"cancelled", "取消", "Cancelled"}};

constexpr Label kChronologyCategory[] = {
    {"casualty", "人的被害", "Casualties"}, {"building", "建物被害", "Building damage"},
    {"evacuation", "避難", "Evacuation"},   {"lifeline", "ライフライン", "Lifelines"},
    {"shelter", "避難所", "Shelters"},      {"request", "要請", "Requests"},
    {"hq", "本部運営", "HQ operations"},    {"info", "情報", "Information"},
    {"other", "その他", "Other"}};

constexpr Label kChronologyState[] = {{"pending", "未処理", "Pending"},
                                      {"in_progress", "対応中", "In progress"},
                                      {"done", "済", "Done"}};

constexpr Label kMedium[] = {{"phone", "電話", "Phone"},  {"fax", "FAX", "Fax"},
                             {"radio", "無線", "Radio"},  {"verbal", "口頭", "Verbal"},
                             {"system", "システム", "System"}, {"email", "メール", "E-mail"}};

constexpr Label kHqState[] = {{"none", "未設置", "Not established"},
                              {"liaison", "連絡室", "Liaison office"},
                              {"alert", "警戒本部", "Alert HQ"},
                              {"countermeasures", "対策本部", "Disaster countermeasures HQ"},
                              {"dissolved", "廃止", "Dissolved"}};

constexpr Label kActivationLevel[] = {{"none", "配備なし", "No deployment"},
                                      {"level1", "第1配備", "Level 1 deployment"},
                                      {"level2", "第2配備", "Level 2 deployment"},
                                      {"level3", "第3配備", "Level 3 deployment"}};

constexpr Label kEvacuationLevel[] = {{"3", "高齢者等避難", "Level 3: Elderly evacuate"},
                                      {"4", "避難指示", "Level 4: Evacuation instruction"},
                                      {"5", "緊急安全確保", "Level 5: Emergency safety"}};

constexpr Label kEvacuationAction[] = {{"issue", "発令", "Issued"}, {"lift", "解除", "Lifted"}};

constexpr Label kPublicationFormat[] = {{"form4_1", "第4号様式(その1)災害概況即報", "Form 4 part 1 (first report)"},
                                        {"form4_2", "第4号様式(その2)被害状況即報", "Form 4 part 2 (damage report)"},
                                        {"cap", "CAP 1.2", "CAP 1.2"},
                                        {"geojson", "GeoJSON", "GeoJSON"},
                                        {"csv", "CSV", "CSV"}};

constexpr Label kBranchKind[] = {{"hq", "本部", "HQ"},
                                 {"general_branch", "総合支所", "General branch office"},
                                 {"branch", "支所", "Branch office"},
                                 {"sub_office", "出張所", "Sub-office"}};

constexpr Label kPowerSource[] = {{"commercial", "商用", "Mains"},
                                  {"generator", "非常用発電", "Generator"},
                                  {"battery", "蓄電池", "Battery"},
                                  {"down", "停止", "No power"}};

constexpr Label kBuildingSafety[] = {{"usable", "使用可", "Usable"},
                                     {"needs_check", "要点検", "Needs inspection"},
                                     {"unusable", "使用不可", "Unusable"}};

}  // namespace

const Enumeration incident_category{"incident_category", kIncidentCategory};
const Enumeration channel{"channel", kChannel};
const Enumeration verification{"verification", kVerification};
const Enumeration priority{"priority", kPriority};
const Enumeration incident_status{"incident_status", kIncidentStatus};
const Enumeration lifeline_type{"lifeline_type", kLifelineType};
const Enumeration lifeline_status{"lifeline_status", kLifelineStatus};
const Enumeration report_type{"report_type", kReportType};
const Enumeration shelter_type{"shelter_type", kShelterType};
const Enumeration shelter_open_state{"shelter_open_state", kShelterOpenState};
const Enumeration crowding{"crowding", kCrowding};
const Enumeration facility_state{"facility_state", kFacilityState};
const Enumeration vulnerable_group{"vulnerable_group", kVulnerableGroup};
const Enumeration supply_item{"supply_item", kSupplyItem};
const Enumeration request_kind{"request_kind", kRequestKind};
const Enumeration request_status{"request_status", kRequestStatus};
const Enumeration chronology_category{"chronology_category", kChronologyCategory};
const Enumeration chronology_state{"chronology_state", kChronologyState};
const Enumeration medium{"medium", kMedium};
const Enumeration hq_state{"hq_state", kHqState};
const Enumeration activation_level{"activation_level", kActivationLevel};
const Enumeration evacuation_level{"evacuation_level", kEvacuationLevel};
const Enumeration evacuation_action{"evacuation_action", kEvacuationAction};
const Enumeration publication_format{"publication_format", kPublicationFormat};
const Enumeration branch_kind{"branch_kind", kBranchKind};
const Enumeration power_source{"power_source", kPowerSource};
const Enumeration building_safety{"building_safety", kBuildingSafety};

std::span<const Enumeration* const> all() {
  static const Enumeration* const kAll[] = {
      &incident_category, &channel,          &verification,     &priority,
      &incident_status,   &lifeline_type,    &lifeline_status,  &report_type,
      &shelter_type,      &shelter_open_state, &crowding,       &facility_state,
      &vulnerable_group,  &supply_item,      &request_kind,     &request_status,
      &chronology_category, &chronology_state, &medium,         &hq_state,
      &activation_level,  &evacuation_level, &evacuation_action, &branch_kind,
      &power_source,      &building_safety,  &publication_format};
  return kAll;
}

}  // namespace enums

std::string_view map_legacy_evacuation(std::string_view name) {
  // 2021-05-20: 避難勧告 was abolished and folded into 避難指示 (level 4).
  if (name == "避難準備・高齢者等避難開始" || name == "避難準備情報") return "3";
  if (name == "避難勧告" || name == "避難指示(緊急)" || name == "避難指示（緊急）") return "4";
  if (name == "災害発生情報") return "5";
  if (name == "高齢者等避難") return "3";
  if (name == "避難指示") return "4";
  if (name == "緊急安全確保") return "5";
  return {};
}

std::string_view lifeline_affected_unit(std::string_view type, Lang lang) {
  struct Unit {
    std::string_view type, ja, en;
  };
  static constexpr Unit kUnits[] = {
      {"power", "戸", "households"},        {"city_gas", "戸", "households"}, {"lp_gas", "戸", "households"},
      {"water", "戸", "households"},        {"sewer", "戸", "households"},    {"fixed_telecom", "回線", "lines"},
      {"mobile_telecom", "箇所", "areas"},  {"road", "箇所", "closures"},     {"rail", "区間", "sections"}};
  for (const Unit& u : kUnits)
    if (u.type == type) return lang == Lang::Ja ? u.ja : u.en;
  return {};
}

std::string lifeline_affected_text(std::string_view type, std::int64_t n, Lang lang) {
  const std::string out = std::to_string(n);
  const std::string_view unit = lifeline_affected_unit(type, lang);
  if (unit.empty()) return out;
  return out + (lang == Lang::Ja ? "" : " ") + std::string(unit);
}

int lifeline_severity(std::string_view status) {
  static constexpr std::string_view kMildestFirst[] = {"no_damage", "restored",  "unknown",  "collecting",
                                                       "restoring", "partial",   "disrupted"};
  for (size_t i = 0; i < std::size(kMildestFirst); ++i)
    if (kMildestFirst[i] == status) return static_cast<int>(i) + 1;
  return 0;
}

}  // namespace honbu
