#include "model/form4.hpp"

#include <cmath>
#include <cstdio>

namespace honbu {

namespace {

constexpr Form4BlockInfo kBlocks[] = {
    {Form4Block::Human, "human", "人的被害", "Human casualties"},
    {Form4Block::Housing, "housing", "住家被害", "Residential damage"},
    {Form4Block::NonResidential, "non_residential", "非住家", "Non-residential buildings"},
    {Form4Block::Other, "other", "その他", "Other damage"},
    {Form4Block::Risai, "risai", "り災", "Affected households"},
    {Form4Block::Fire, "fire", "火災発生", "Fires"},
    {Form4Block::DamageAmount, "damage_amount", "被害額", "Damage amount"},
    {Form4Block::FireService, "fire_service", "消防", "Fire service"},
};

using B = Form4Block;
#define HOUSING_ROW(key, ja, en, opt)                                          \
  {key "_bldg", B::Housing, ja "(棟)", en " (buildings)", "棟", "bldg", false, opt}, \
  {key "_hh", B::Housing, ja "(世帯)", en " (households)", "世帯", "households", false, opt}, \
  {key "_persons", B::Housing, ja "(人)", en " (persons)", "人", "persons", false, opt}

constexpr Form4Field kFields[] = {
    {"dead", B::Human, "死者", "Dead", "人", "persons"},
    {"missing", B::Human, "行方不明者", "Missing", "人", "persons"},
    {"injured_severe", B::Human, "負傷者 重傷", "Seriously injured", "人", "persons"},
    {"injured_minor", B::Human, "負傷者 軽傷", "Slightly injured", "人", "persons"},
    HOUSING_ROW("full", "全壊", "Totally destroyed", false),
    HOUSING_ROW("large_half", "大規模半壊", "Largely half destroyed", false),
    HOUSING_ROW("medium_half", "中規模半壊", "Moderately half destroyed", true),
    HOUSING_ROW("half", "半壊", "Half destroyed", false),
    HOUSING_ROW("partial", "一部破損", "Partially damaged", false),
    HOUSING_ROW("flood_above", "床上浸水", "Flooded above floor", false),
    HOUSING_ROW("flood_below", "床下浸水", "Flooded below floor", false),
    {"nonres_public", B::NonResidential, "公共建物", "Public buildings", "棟", "bldg"},
    {"nonres_other", B::NonResidential, "その他", "Other buildings", "棟", "bldg"},
    {"paddy_washed", B::Other, "田 流出・埋没", "Paddy washed away/buried", "ha", "ha", true},
    {"paddy_flooded", B::Other, "田 冠水", "Paddy flooded", "ha", "ha", true},
    {"field_washed", B::Other, "畑 流出・埋没", "Field washed away/buried", "ha", "ha", true},
    {"field_flooded", B::Other, "畑 冠水", "Field flooded", "ha", "ha", true},
    {"school", B::Other, "文教施設", "Schools", "箇所", "sites"},
    {"hospital", B::Other, "病院", "Hospitals", "箇所", "sites"},
    {"road", B::Other, "道路", "Roads", "箇所", "sites"},
    {"bridge", B::Other, "橋りょう", "Bridges", "箇所", "sites"},
    {"river", B::Other, "河川", "Rivers", "箇所", "sites"},
    {"port", B::Other, "港湾", "Ports", "箇所", "sites"},
    {"sabo", B::Other, "砂防", "Erosion control", "箇所", "sites"},
    {"waste", B::Other, "清掃施設", "Waste facilities", "箇所", "sites"},
    {"cliff", B::Other, "崖くずれ", "Cliff failures", "箇所", "sites"},
    {"rail", B::Other, "鉄道不通", "Rail lines cut", "箇所", "sites"},
    {"ships", B::Other, "被害船舶", "Damaged vessels", "隻", "vessels"},
    {"water", B::Other, "水道", "Water supply", "戸", "households"},
    {"phone", B::Other, "電話", "Telephone", "回線", "lines"},
    {"electricity", B::Other, "電気", "Electricity", "戸", "households"},
    {"gas", B::Other, "ガス", "Gas", "戸", "households"},
    {"block_wall", B::Other, "ブロック塀等", "Block walls etc.", "箇所", "sites"},
    {"fire_building", B::Fire, "建物", "Building fires", "件", "cases"},
    {"fire_hazmat", B::Fire, "危険物", "Hazardous-material fires", "件", "cases"},
    {"fire_other", B::Fire, "その他", "Other fires", "件", "cases"},
    {"dmg_public_school", B::DamageAmount, "公立文教施設", "Public schools", "千円", "kJPY"},
    {"dmg_agri_facility", B::DamageAmount, "農林水産業施設", "Agri/forestry/fishery facilities",
     "千円", "kJPY"},
    {"dmg_public_works", B::DamageAmount, "公共土木施設", "Public works", "千円", "kJPY"},
    {"dmg_other_public", B::DamageAmount, "その他の公共施設", "Other public facilities", "千円",
     "kJPY"},
    {"dmg_agriculture", B::DamageAmount, "農業被害", "Agriculture", "千円", "kJPY"},
    {"dmg_forestry", B::DamageAmount, "林業被害", "Forestry", "千円", "kJPY"},
    {"dmg_livestock", B::DamageAmount, "畜産被害", "Livestock", "千円", "kJPY"},
    {"dmg_fishery", B::DamageAmount, "水産被害", "Fishery", "千円", "kJPY"},
    {"dmg_commerce", B::DamageAmount, "商工被害", "Commerce and industry", "千円", "kJPY"},
    {"dmg_other", B::DamageAmount, "その他", "Other", "千円", "kJPY"},
    {"fs_staff", B::FireService, "消防職員出動延人数", "Fire staff deployed (person-times)", "人",
     "persons"},
    {"fs_volunteer", B::FireService, "消防団員出動延人数",
     "Volunteer fire corps deployed (person-times)", "人", "persons"},
};
#undef HOUSING_ROW

constexpr Form4Text kTexts[] = {
    {"place", "発生場所", "Location"},
    {"overview", "概況", "Overview"},
    {"damage_text", "被害の状況", "Damage situation"},
    {"response_text", "応急対策の状況", "Emergency measures"},
    {"rm_activity", "消防・水防・救急救助の活動状況", "Fire, flood-fighting and rescue activity"},
    {"rm_evacuation", "避難指示等の状況", "Evacuation orders"},
    {"rm_shelters", "避難所の設置状況", "Shelters opened"},
    {"rm_aid_requests", "他団体への応援要請", "Requests for support to other bodies"},
    {"rm_sdf", "自衛隊の派遣要請", "Requests for SDF dispatch"},
    {"rm_volunteers", "災害ボランティアの活動状況", "Disaster volunteer activity"},
};

constexpr std::string_view kHumanTotal[] = {"dead", "missing", "injured_severe", "injured_minor"};
// り災 = households/persons of 全壊, 半壊 (大規模・中規模を含む) and 床上浸水 (即報要領).
constexpr std::string_view kRisaiHh[] = {"full_hh", "large_half_hh", "medium_half_hh", "half_hh",
                                         "flood_above_hh"};
constexpr std::string_view kRisaiPersons[] = {"full_persons", "large_half_persons",
                                              "medium_half_persons", "half_persons",
                                              "flood_above_persons"};
constexpr std::string_view kPublicSubtotal[] = {"dmg_public_school", "dmg_agri_facility",
                                                "dmg_public_works", "dmg_other_public"};
constexpr std::string_view kDamageTotal[] = {"dmg_subtotal",   "dmg_agriculture", "dmg_forestry",
                                             "dmg_livestock",  "dmg_fishery",     "dmg_commerce",
                                             "dmg_other"};

constexpr Form4Computed kComputed[] = {
    {"human_total", "計", "Total casualties", "人", "persons", B::Human, kHumanTotal},
    {"risai_hh", "り災世帯数", "Affected households", "世帯", "households", B::Risai, kRisaiHh},
    {"risai_persons", "り災者数", "Affected persons", "人", "persons", B::Risai, kRisaiPersons},
    {"dmg_subtotal", "小計", "Subtotal (public facilities)", "千円", "kJPY", B::DamageAmount,
     kPublicSubtotal},
    {"dmg_total", "被害総額", "Total damage", "千円", "kJPY", B::DamageAmount, kDamageTotal},
};

std::string format_number(double v, bool hectares) {
  char buf[48];
  if (hectares)
    std::snprintf(buf, sizeof buf, "%.1f", v);
  else
    std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

}  // namespace

std::span<const Form4BlockInfo> form4_blocks() { return kBlocks; }
const Form4BlockInfo& form4_block(Form4Block b) {
  for (const auto& info : kBlocks)
    if (info.block == b) return info;
  return kBlocks[0];
}
std::span<const Form4Field> form4_fields() { return kFields; }
std::span<const Form4Text> form4_texts() { return kTexts; }
std::span<const Form4Computed> form4_computed() { return kComputed; }

const Form4Field* find_form4_field(std::string_view key) {
  for (const auto& f : kFields)
    if (f.key == key) return &f;
  return nullptr;
}

void TriTotal::add(const Value& v) {
  if (auto d = as_real(v)) {
    sum += *d;
    ++known_inputs;
  } else {
    ++unknown_inputs;
  }
}

void TriTotal::add(const TriTotal& o) {
  sum += o.sum;
  known_inputs += o.known_inputs;
  unknown_inputs += o.unknown_inputs;
}

std::string TriTotal::display(Lang lang, bool hectares) const {
  const char* unknown = lang == Lang::Ja ? "未確認" : "unknown";
  if (all_unknown()) return unknown;
  std::string s = format_number(sum, hectares);
  if (unknown_inputs > 0) s += std::string(" (+") + unknown + ")";
  return s;
}

std::string TriTotal::display(Lang lang, std::string_view unit_ja, std::string_view unit_en, bool hectares) const {
  if (all_unknown()) return display(lang, hectares);
  std::string v = format_number(sum, hectares);
  if (lang == Lang::En) v += ' ';
  // "1 person", not "1 persons" (the English units are plurals: persons, households, closures).
  if (lang == Lang::En && sum == 1 && unit_en.size() > 2 && unit_en.ends_with('s') && !unit_en.ends_with("ss"))
    unit_en.remove_suffix(1);
  v += lang == Lang::Ja ? unit_ja : unit_en;
  if (unknown_inputs > 0) v += lang == Lang::Ja ? "(+未確認)" : " (+unknown)";
  return v;
}

}  // namespace honbu
