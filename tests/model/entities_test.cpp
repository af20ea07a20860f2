// model/entities.hpp: typed domain structs and their conversion to and from op fields.
#include "model/entities.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "model/form4.hpp"
#include "model/schema.hpp"
#include "model/validation.hpp"

using namespace honbu;

namespace {

constexpr TimeMs kT = 1'795'322'700'000;  // 2026-11-22T13:45:00+09:00
constexpr TimeMs kMin = 60'000;
const std::string kIso = "2026-11-22T13:45:00+09:00";

std::set<std::string> keys(const Fields& f) {
  std::set<std::string> out;
  for (const auto& [k, v] : f) out.insert(k);
  return out;
}

// Every field the schema lists for a kind, except Counter fields (never set directly).
std::set<std::string> settable_fields(EntityKind kind) {
  std::set<std::string> out;
  for (const FieldSpec& f : spec(kind).fields)
    if (f.rule != MergeRule::Counter) out.insert(std::string(f.name));
  return out;
}

// Fully populated instances: every member set, values valid for the schema.
Area full_area() {
  Area a;
  a.id = "a1";
  a.name = "中央";
  a.kana = "ちゅうおう";
  a.branch_id = "b1";
  a.municipality_code = "042021";
  a.households = TriCount::of(1200);
  a.population = TriCount::of(3000);
  a.lat = 38.4344;
  a.lon = 141.3029;
  return a;
}

Branch full_branch() {
  Branch b;
  b.id = "b1";
  b.name = "河北総合支所";
  b.name_en = "Kahoku branch";
  b.branch_kind = "general_branch";
  b.node_id = "node-2";
  b.phone = "0225-62-2111";
  b.stale_after_min = 30;
  return b;
}

HqState full_hq() {
  HqState h;
  h.state = "countermeasures";
  h.activation_level = "level3";
  h.established_at = Moment{kT};
  h.dissolved_at = Moment{kT + 3 * 24 * 60 * kMin};
  h.disaster_name = "令和8年11月豪雨";
  h.occurred_at = Moment{kT - 60 * kMin};
  h.prefecture = "宮城県";
  h.municipality = "石巻市";
  h.municipality_code = "042021";
  h.note = "第1回本部会議 14時";
  return h;
}

Incident full_incident() {
  Incident i;
  i.id = "inc-1";
  i.title = "道路冠水";
  i.description = "県道240号 アンダーパス 冠水 車両1台 立往生";
  i.category = "flood";
  i.place = "押上1-1-2";
  i.area_id = "a1";
  i.lat = 38.43;
  i.lon = 141.3;
  i.received_at = Moment{kT};
  i.channel = "phone";
  i.reporter = "住民";
  i.verification = "verified";
  i.priority = "life";
  i.status = "in_progress";
  i.team = "土木班";
  i.dead = TriCount::of(0);
  i.injured = TriCount::of(2);
  i.trapped = TriCount::of(1);
  i.duplicate_of = "inc-0";
  return i;
}

LifelineStatus full_lifeline() {
  LifelineStatus l;
  l.area_id = "a1";
  l.lifeline_type = "power";
  l.id = lifeline_id(l.area_id, l.lifeline_type);
  l.status = "partial";
  l.affected = TriCount::of(1520);
  l.as_of = Moment{kT};
  l.source = "東北電力";
  l.peak_affected = TriCount::of(3000);
  l.peak_at = Moment{kT - 120 * kMin};
  l.restoration_estimate = "明日中";
  l.estimate_publishable = true;
  l.note = "高圧線 断線";
  return l;
}

BranchReport full_report() {
  BranchReport r;
  r.branch_id = "b1";
  r.report_no = 3;
  r.id = branch_report_id(r.branch_id, r.report_no);
  r.as_of = Moment{kT};
  r.report_type = "preliminary";
  r.reporter = "佐藤";
  r.occurred_at = Moment{kT - 300 * kMin};
  std::int64_t n = 1;
  for (const Form4Field& f : form4_fields())
    r.figures[std::string(f.key)] = f.hectares ? Value{static_cast<double>(n++) + 0.5} : Value{n++};
  for (const Form4Text& t : form4_texts()) r.texts[std::string(t.key)] = std::string(t.ja) + "あり";
  return r;
}

Shelter full_shelter() {
  Shelter s;
  s.id = "sh-1";
  s.name = "中央公民館";
  s.kana = "ちゅうおうこうみんかん";
  s.shelter_type = "designated";
  s.area_id = "a1";
  s.address = "石巻市穀町14-1";
  s.lat = 38.43;
  s.lon = 141.30;
  s.capacity = TriCount::of(300);
  s.open_state = "open";
  s.opened_at = Moment{kT};
  s.closed_at = Moment{kT + 600 * kMin};
  s.crowding = "crowded";
  s.evacuees = TriCount::of(120);
  s.evacuees_voluntary = TriCount::of(20);
  s.households = TriCount::of(50);
  s.households_voluntary = TriCount::of(8);
  s.checked_at = Moment{kT + 30 * kMin};
  s.f_building = "usable";
  s.f_power = "needs_check";
  s.f_comms = "usable";
  s.f_water = "unusable";
  s.f_toilet = "unknown";
  s.can_open = true;
  s.contact = "0225-95-1111";
  s.note = "毛布不足";
  std::int64_t n = 0;
  for (const Label& g : enums::vulnerable_group.values) s.vulnerable[std::string(g.code)] = TriCount::of(n++);
  return s;
}

ShelterSupply full_supply() {
  ShelterSupply s;
  s.shelter_id = "sh-1";
  s.item = "blanket";
  s.id = shelter_supply_id(s.shelter_id, s.item);
  s.unit = "枚";
  s.needed = TriCount::of(200);
  s.note = "至急";
  return s;
}

ResourceRequest full_request() {
  ResourceRequest r;
  r.id = "req-1";
  r.kind = "supplies";
  r.title = "毛布 200枚";
  r.description = "中央公民館へ";
  r.requested_by = "中央公民館";
  r.addressed_to = "宮城県";
  r.assignee = "物資班";
  r.status = "assigned";
  r.priority = "high";
  r.due_at = Moment{kT + 120 * kMin};
  r.incident_id = "inc-1";
  r.shelter_id = "sh-1";
  r.quantity = TriCount::of(200);
  r.unit = "枚";
  r.done_at = Moment{kT + 240 * kMin};
  return r;
}

ChronologyEntry full_chronology() {
  ChronologyEntry c;
  c.id = "chr-1";
  c.number = 12;
  c.node_label = "HQ";
  c.at = Moment{kT};
  c.from_org = "河北総合支所";
  c.to_org = "本部";
  c.content = "道路冠水 1件";
  c.category = "info";
  c.medium = "phone";
  c.corrects = "chr-0";
  c.action = "土木班へ";
  c.team = "土木班";
  c.state = "in_progress";
  return c;
}

EvacuationOrder full_order() {
  EvacuationOrder o;
  o.id = "ev-1";
  o.area_id = "a1";
  o.level = "4";
  o.action = "issue";
  o.at = Moment{kT};
  o.households = TriCount::of(1200);
  o.persons = TriCount::of(3000);
  o.note = "土砂災害警戒区域";
  return o;
}

OfficeStatus full_office() {
  OfficeStatus o;
  o.id = "b1";
  o.as_of = Moment{kT};
  o.power = "generator";
  o.fuel_hours = 36.5;
  o.water = "usable";
  o.comm_lgwan = true;
  o.comm_internet = false;
  o.comm_radio = true;
  o.comm_satellite = true;
  o.comm_mca = false;
  o.comm_phone = true;
  o.comm_fax = false;
  o.staff_present = TriCount::of(18);
  o.staff_target = TriCount::of(25);
  o.building = "needs_check";
  o.note = "3階 立入禁止";
  return o;
}

DrillMessage full_drill_message() {
  DrillMessage m;
  m.id = "d-1101";
  m.card = "1101";
  m.to_node = "hq";
  m.from_role = "神奈川県災害対策本部";
  m.medium = "fax";
  m.content = "被害状況の第1報を求む";
  m.delivered_at = Moment{kT};
  m.answered_at = Moment{kT + 60000};
  m.answered_by = "防災課 佐藤";
  m.response = "09:30 送付済";
  return m;
}

Publication full_publication() {
  Publication p;
  p.id = "pub-form4_2-3";
  p.format = "form4_2";
  p.report_no = 3;
  p.as_of = Moment{kT};
  p.published_at = Moment{kT + 120000};
  p.published_by = "防災課 佐藤";
  p.addressed_to = "神奈川県災害対策本部";
  p.file_name = "form4-3.html";
  p.items = 1;
  p.digest = "9f86d081884c7d65";
  p.snapshot = R"({"dead":0,"missing":null})";
  p.note = "FAXで送付";
  return p;
}

// The checks every type must pass: to_fields names exactly the schema's fields, its values are
// valid and in normal form, and from_fields reads back the same thing.
template <class T>
void check_round_trip(const T& x) {
  SCOPED_TRACE(std::string(spec(T::kKind).name));
  const Fields f = to_fields(x);
  EXPECT_EQ(keys(f), settable_fields(T::kKind));
  ValidateOptions create;
  create.creating = true;
  const auto problems = validate_received(spec(T::kKind), x.id, f, create);
  EXPECT_TRUE(problems.empty()) << describe(problems, Lang::En);
  const T back = from_fields<T>(x.id, f);
  EXPECT_EQ(back.id, x.id);
  EXPECT_EQ(to_fields(back), f);
  EXPECT_TRUE(changed_fields(x, back).empty()) << encode_fields(changed_fields(x, back));
}

}  // namespace

// ---------------------------------------------------------------- TriCount

TEST(EntitiesTriCount, UnknownIsNotZero) {
  const TriCount unknown, zero = TriCount::of(0);
  EXPECT_FALSE(unknown.known());
  EXPECT_TRUE(zero.known());
  EXPECT_NE(unknown, zero);
  EXPECT_EQ(unknown, TriCount::unknown());
  EXPECT_EQ(zero.value(), 0);
  EXPECT_EQ(unknown.value_or(-1), -1);
  EXPECT_EQ(TriCount::of(7).value_or(-1), 7);
}

TEST(EntitiesTriCount, Display) {
  EXPECT_EQ(TriCount::of(12).display(Lang::Ja), "12");
  EXPECT_EQ(TriCount::of(12).display(Lang::En), "12");
  EXPECT_EQ(TriCount::of(0).display(Lang::Ja), "0");
  EXPECT_EQ(TriCount().display(Lang::Ja), "未確認");
  EXPECT_EQ(TriCount().display(Lang::En), "unknown");
}

TEST(EntitiesTriCount, FieldValue) {
  EXPECT_EQ(detail::to_value(TriCount::of(0)), Value{std::int64_t{0}});
  EXPECT_TRUE(is_null(detail::to_value(TriCount())));
  TriCount c;
  detail::from_value(Value{std::int64_t{5}}, c);
  EXPECT_EQ(c, TriCount::of(5));
  detail::from_value(Value{5.0}, c);  // a Measure-like double still reads as a count
  EXPECT_EQ(c, TriCount::of(5));
  detail::from_value(Value{}, c);
  EXPECT_EQ(c, TriCount());
  detail::from_value(Value{std::string("5")}, c);
  EXPECT_EQ(c, TriCount());
}

// ---------------------------------------------------------------- round trips per type

TEST(EntitiesRoundTrip, Area) { check_round_trip(full_area()); }
TEST(EntitiesRoundTrip, Branch) { check_round_trip(full_branch()); }
TEST(EntitiesRoundTrip, HqState) { check_round_trip(full_hq()); }
TEST(EntitiesRoundTrip, Incident) { check_round_trip(full_incident()); }
TEST(EntitiesRoundTrip, LifelineStatus) { check_round_trip(full_lifeline()); }
TEST(EntitiesRoundTrip, BranchReport) { check_round_trip(full_report()); }
TEST(EntitiesRoundTrip, Shelter) { check_round_trip(full_shelter()); }
TEST(EntitiesRoundTrip, ShelterSupply) { check_round_trip(full_supply()); }
TEST(EntitiesRoundTrip, ResourceRequest) { check_round_trip(full_request()); }
TEST(EntitiesRoundTrip, ChronologyEntry) { check_round_trip(full_chronology()); }
TEST(EntitiesRoundTrip, EvacuationOrder) { check_round_trip(full_order()); }
TEST(EntitiesRoundTrip, OfficeStatus) { check_round_trip(full_office()); }
TEST(EntitiesRoundTrip, DrillMessage) { check_round_trip(full_drill_message()); }
TEST(EntitiesRoundTrip, Publication) { check_round_trip(full_publication()); }

TEST(EntitiesRoundTrip, IncidentMembersReadBack) {
  const Incident x = full_incident();
  const Incident y = from_fields<Incident>("inc-1", to_fields(x));
  EXPECT_EQ(y.title, x.title);
  EXPECT_EQ(y.description, x.description);
  EXPECT_EQ(y.category, x.category);
  EXPECT_EQ(y.lat, x.lat);
  EXPECT_EQ(y.lon, x.lon);
  EXPECT_EQ(y.received_at, x.received_at);
  EXPECT_EQ(y.dead, TriCount::of(0));
  EXPECT_EQ(y.injured, TriCount::of(2));
  EXPECT_EQ(y.trapped, TriCount::of(1));
  EXPECT_EQ(y.duplicate_of, "inc-0");
}

TEST(EntitiesRoundTrip, ValuesHaveTheSchemaTypes) {
  const Fields f = to_fields(full_incident());
  EXPECT_EQ(f.at("received_at"), Value{kIso});
  EXPECT_EQ(f.at("lat"), Value{38.43});
  EXPECT_EQ(f.at("dead"), Value{std::int64_t{0}});
  EXPECT_EQ(f.at("title"), Value{std::string("道路冠水")});
  const Fields o = to_fields(full_office());
  EXPECT_EQ(o.at("comm_lgwan"), Value{std::int64_t{1}});
  EXPECT_EQ(o.at("comm_fax"), Value{std::int64_t{0}});
  EXPECT_EQ(o.at("fuel_hours"), Value{36.5});
  const Fields b = to_fields(full_branch());
  EXPECT_EQ(b.at("stale_after_min"), Value{std::int64_t{30}});
}

TEST(EntitiesRoundTrip, SurvivesJsonEncoding) {
  const Fields f = to_fields(full_shelter());
  const Shelter back = from_fields<Shelter>("sh-1", decode_fields(encode_fields(f)));
  EXPECT_EQ(to_fields(back), f);
  EXPECT_EQ(back.lat, 38.43);
  EXPECT_EQ(back.can_open, true);
}

TEST(EntitiesRoundTrip, MomentsKeepSecondPrecision) {
  // Times are stored as ISO-8601 text to the second; milliseconds do not survive.
  Incident i;
  i.received_at = Moment{kT + 999};
  const Incident back = from_fields<Incident>("x", to_fields(i));
  ASSERT_TRUE(back.received_at);
  EXPECT_EQ(back.received_at->ms, kT);
}

// ---------------------------------------------------------------- unset members

TEST(EntitiesToFields, UnsetMembersOmitted) {
  EXPECT_TRUE(to_fields(Incident{}).empty());
  EXPECT_TRUE(to_fields(Area{}).empty());
  EXPECT_TRUE(to_fields(Shelter{}).empty());
  EXPECT_TRUE(to_fields(ShelterSupply{}).empty());
  EXPECT_TRUE(to_fields(OfficeStatus{}).empty());
  EXPECT_TRUE(to_fields(HqState{}).empty());
}

TEST(EntitiesToFields, PlainNumbersAndBoolsAreNeverUnset) {
  // Members without an "unset" state are always written.
  EXPECT_EQ(to_fields(LifelineStatus{}),
            (Fields{{"estimate_publishable", Value{std::int64_t{0}}}}));
  EXPECT_EQ(to_fields(ChronologyEntry{}), (Fields{{"number", Value{std::int64_t{0}}}}));
  EXPECT_EQ(to_fields(BranchReport{}), (Fields{{"report_no", Value{std::int64_t{0}}}}));
}

TEST(EntitiesToFields, KnownZeroIsWrittenUnknownIsNot) {
  Incident i;
  i.dead = TriCount::of(0);
  const Fields f = to_fields(i);
  EXPECT_EQ(f, (Fields{{"dead", Value{std::int64_t{0}}}}));
}

TEST(EntitiesToFields, FalseOptionalBoolIsWritten) {
  OfficeStatus o;
  o.comm_fax = false;
  EXPECT_EQ(to_fields(o), (Fields{{"comm_fax", Value{std::int64_t{0}}}}));
}

TEST(EntitiesToFields, HqStateIdDefaultsToHq) { EXPECT_EQ(HqState{}.id, kHqStateId); }

// ---------------------------------------------------------------- from_fields

TEST(EntitiesFromFields, MissingFieldsAreUnset) {
  const Incident i = from_fields<Incident>("inc-9", Fields{{"title", std::string("火災")}});
  EXPECT_EQ(i.id, "inc-9");
  EXPECT_EQ(i.title, "火災");
  EXPECT_EQ(i.category, "");
  EXPECT_FALSE(i.lat);
  EXPECT_FALSE(i.received_at);
  EXPECT_FALSE(i.dead.known());
}

TEST(EntitiesFromFields, NullsAreUnset) {
  const Fields f{{"title", Value{}}, {"dead", Value{}}, {"lat", Value{}}, {"received_at", Value{}}};
  const Incident i = from_fields<Incident>("inc-9", f);
  EXPECT_EQ(i.title, "");
  EXPECT_FALSE(i.dead.known());
  EXPECT_FALSE(i.lat);
  EXPECT_FALSE(i.received_at);
}

TEST(EntitiesFromFields, UnknownFieldsIgnored) {
  const Incident i = from_fields<Incident>("x", Fields{{"colour", std::string("red")}});
  EXPECT_TRUE(to_fields(i).empty());
}

TEST(EntitiesFromFields, IntForRealWidens) {
  const Area a = from_fields<Area>("a1", Fields{{"lat", std::int64_t{38}}});
  EXPECT_EQ(a.lat, 38.0);
}

TEST(EntitiesFromFields, UnreadableTimeIsUnset) {
  const Incident i = from_fields<Incident>("x", Fields{{"received_at", std::string("yesterday")}});
  EXPECT_FALSE(i.received_at);
}

TEST(EntitiesFromFields, ShelterSupplyDeliveredReadButNeverWritten) {
  const ShelterSupply s = from_fields<ShelterSupply>(
      "sh-1/food", Fields{{"delivered", std::int64_t{40}}, {"needed", std::int64_t{100}}});
  EXPECT_EQ(s.delivered, 40);
  EXPECT_EQ(s.needed, TriCount::of(100));
  EXPECT_EQ(to_fields(s).count("delivered"), 0u);
  EXPECT_EQ(from_fields<ShelterSupply>("x", {}).delivered, 0);
}

// ---------------------------------------------------------------- changed_fields

TEST(EntitiesChangedFields, UnchangedIsEmpty) {
  EXPECT_TRUE(changed_fields(full_incident(), full_incident()).empty());
  EXPECT_TRUE(changed_fields(Incident{}, Incident{}).empty());
  EXPECT_TRUE(changed_fields(full_report(), full_report()).empty());
  EXPECT_TRUE(changed_fields(full_shelter(), full_shelter()).empty());
}

TEST(EntitiesChangedFields, OnlyChangedFieldsIncluded) {
  const Incident before = full_incident();
  Incident after = before;
  after.status = "done";
  after.injured = TriCount::of(3);
  after.lat = 38.5;
  EXPECT_EQ(changed_fields(before, after),
            (Fields{{"injured", Value{std::int64_t{3}}},
                    {"lat", Value{38.5}},
                    {"status", Value{std::string("done")}}}));
}

TEST(EntitiesChangedFields, ClearedFieldsAreNull) {
  const Incident before = full_incident();
  Incident after = before;
  after.team.clear();
  after.dead = TriCount::unknown();
  after.lon.reset();
  after.received_at.reset();
  const Fields ch = changed_fields(before, after);
  EXPECT_EQ(keys(ch), (std::set<std::string>{"dead", "lon", "received_at", "team"}));
  for (const auto& [k, v] : ch) EXPECT_TRUE(is_null(v)) << k;
}

TEST(EntitiesChangedFields, SettingAFieldFromUnset) {
  Incident before;
  Incident after;
  after.dead = TriCount::of(0);
  after.received_at = Moment{kT};
  EXPECT_EQ(changed_fields(before, after),
            (Fields{{"dead", Value{std::int64_t{0}}}, {"received_at", Value{kIso}}}));
}

TEST(EntitiesChangedFields, UnknownToZeroIsAChange) {
  Shelter before;
  Shelter after;
  after.evacuees = TriCount::of(0);
  EXPECT_EQ(changed_fields(before, after), (Fields{{"evacuees", Value{std::int64_t{0}}}}));
  EXPECT_EQ(changed_fields(after, before), (Fields{{"evacuees", Value{}}}));
}

TEST(EntitiesChangedFields, OptionalBoolClearedAndFlipped) {
  OfficeStatus before;
  before.comm_lgwan = true;
  before.comm_fax = true;
  OfficeStatus after = before;
  after.comm_lgwan.reset();
  after.comm_fax = false;
  EXPECT_EQ(changed_fields(before, after),
            (Fields{{"comm_fax", Value{std::int64_t{0}}}, {"comm_lgwan", Value{}}}));
}

TEST(EntitiesChangedFields, SubSecondTimeChangeIsNotAChange) {
  Incident before, after;
  before.received_at = Moment{kT};
  after.received_at = Moment{kT + 400};
  EXPECT_TRUE(changed_fields(before, after).empty());
  after.received_at = Moment{kT + 1'000};
  EXPECT_EQ(changed_fields(before, after),
            (Fields{{"received_at", Value{std::string("2026-11-22T13:45:01+09:00")}}}));
}

// ---------------------------------------------------------------- BranchReport extras

TEST(EntitiesBranchReport, FiguresAndTextsWritten) {
  BranchReport r;
  r.branch_id = "b1";
  r.report_no = 2;
  r.figures["dead"] = std::int64_t{1};
  r.figures["missing"] = Value{};  // 未確認: left out
  r.figures["paddy_flooded"] = 1.5;
  r.texts["overview"] = "河川氾濫";
  r.texts["rm_sdf"] = "";  // empty text: left out
  const Fields f = to_fields(r);
  EXPECT_EQ(f, (Fields{{"branch_id", Value{std::string("b1")}},
                       {"dead", Value{std::int64_t{1}}},
                       {"overview", Value{std::string("河川氾濫")}},
                       {"paddy_flooded", Value{1.5}},
                       {"report_no", Value{std::int64_t{2}}}}));
}

TEST(EntitiesBranchReport, NonForm4KeysInFiguresAreNotWritten) {
  BranchReport r;
  r.figures["colour"] = std::int64_t{1};
  r.texts["colour_text"] = "x";
  EXPECT_EQ(to_fields(r).count("colour"), 0u);
  EXPECT_EQ(to_fields(r).count("colour_text"), 0u);
}

TEST(EntitiesBranchReport, FromFieldsReadsEveryForm4Row) {
  const Fields f{{"branch_id", std::string("b1")},
                 {"report_no", std::int64_t{4}},
                 {"dead", std::int64_t{2}},
                 {"field_washed", 0.25},
                 {"place", std::string("北上川 河口")}};
  const BranchReport r = from_fields<BranchReport>("b1/4", f);
  EXPECT_EQ(r.report_no, 4);
  EXPECT_EQ(r.figures.size(), form4_fields().size());  // every row, null when not reported
  EXPECT_EQ(r.figures.at("dead"), Value{std::int64_t{2}});
  EXPECT_EQ(r.figures.at("field_washed"), Value{0.25});
  EXPECT_TRUE(is_null(r.figures.at("missing")));
  EXPECT_EQ(r.texts.size(), 1u);
  EXPECT_EQ(r.texts.at("place"), "北上川 河口");
  EXPECT_EQ(to_fields(r), f);
}

TEST(EntitiesBranchReport, ChangedFiguresAndTexts) {
  const BranchReport before = full_report();
  BranchReport after = before;
  after.figures["dead"] = std::int64_t{99};
  after.figures.erase("missing");  // no longer reported: cleared
  after.texts["overview"] = "更新";
  after.texts.erase("rm_sdf");
  EXPECT_EQ(changed_fields(before, after), (Fields{{"dead", Value{std::int64_t{99}}},
                                                   {"missing", Value{}},
                                                   {"overview", Value{std::string("更新")}},
                                                   {"rm_sdf", Value{}}}));
}

// ---------------------------------------------------------------- Shelter 要配慮者

TEST(EntitiesShelterVulnerable, WrittenAsVColumns) {
  Shelter s;
  s.vulnerable["care3"] = TriCount::of(2);
  s.vulnerable["infant"] = TriCount::of(0);
  s.vulnerable["foreign"] = TriCount::unknown();
  EXPECT_EQ(to_fields(s),
            (Fields{{"v_care3", Value{std::int64_t{2}}}, {"v_infant", Value{std::int64_t{0}}}}));
}

TEST(EntitiesShelterVulnerable, EveryGroupHasASchemaColumn) {
  for (const Label& g : enums::vulnerable_group.values) {
    const FieldSpec* f = spec(EntityKind::Shelter).field("v_" + std::string(g.code));
    ASSERT_NE(f, nullptr) << g.code;
    EXPECT_EQ(f->type, FieldType::Count);
    EXPECT_EQ(f->ja, g.ja);
  }
}

TEST(EntitiesShelterVulnerable, ReadBackForEveryGroup) {
  const Shelter s = from_fields<Shelter>(
      "sh-1", Fields{{"v_care3", std::int64_t{2}}, {"v_medical_care", std::int64_t{0}}});
  EXPECT_EQ(s.vulnerable.size(), enums::vulnerable_group.values.size());
  EXPECT_EQ(s.vulnerable.at("care3"), TriCount::of(2));
  EXPECT_EQ(s.vulnerable.at("medical_care"), TriCount::of(0));
  EXPECT_EQ(s.vulnerable.at("pregnant"), TriCount::unknown());
}

TEST(EntitiesShelterVulnerable, ChangedAndCleared) {
  Shelter before;
  before.vulnerable["care3"] = TriCount::of(2);
  before.vulnerable["infant"] = TriCount::of(1);
  Shelter after = before;
  after.vulnerable["care3"] = TriCount::of(3);
  after.vulnerable.erase("infant");
  EXPECT_EQ(changed_fields(before, after),
            (Fields{{"v_care3", Value{std::int64_t{3}}}, {"v_infant", Value{}}}));
}
