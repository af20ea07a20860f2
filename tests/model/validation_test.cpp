// model/validation.hpp + schema.hpp: normalisation of user input and the problems reported.
#include "model/validation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "model/schema.hpp"

using namespace honbu;

namespace {

ValidateOptions creating() {
  ValidateOptions o;
  o.creating = true;
  return o;
}
ValidateOptions updating() { return ValidateOptions{}; }
ValidateOptions delta() {
  ValidateOptions o;
  o.delta = true;
  return o;
}

// Problems with a given field name (or "" for whole-entity problems).
std::vector<Problem> about(const std::vector<Problem>& ps, std::string_view field) {
  std::vector<Problem> out;
  for (const Problem& p : ps)
    if (p.field == field) out.push_back(p);
  return out;
}

bool has(const std::vector<Problem>& ps, std::string_view field, std::string_view code) {
  return std::any_of(ps.begin(), ps.end(),
                     [&](const Problem& p) { return p.field == field && p.code == code; });
}

std::string dump(const std::vector<Problem>& ps) {
  std::string s;
  for (const Problem& p : ps) s += "[" + p.field + "/" + p.code + "] " + p.en + "\n";
  return s;
}

// A complete, valid incident as a user would type it.
Fields valid_incident() {
  return Fields{{"title", std::string("道路冠水")},
                {"category", std::string("flood")},
                {"received_at", std::string("2026-11-22T13:45:00+09:00")},
                {"verification", std::string("unverified")},
                {"priority", std::string("high")},
                {"status", std::string("received")}};
}

Fields valid_shelter() {
  return Fields{{"name", std::string("中央公民館")},
                {"shelter_type", std::string("designated")},
                {"open_state", std::string("open")}};
}

const EntitySpec& incident() { return spec(EntityKind::Incident); }
const EntitySpec& shelter() { return spec(EntityKind::Shelter); }

}  // namespace

// ---------------------------------------------------------------- schema basics

TEST(ValidSchema, EveryKindHasASpecWithUniqueFieldNames) {
  std::set<std::string_view> names;
  for (EntityKind k : all_kinds()) {
    const EntitySpec& s = spec(k);
    EXPECT_EQ(s.kind, k);
    EXPECT_TRUE(names.insert(s.name).second) << s.name;
    EXPECT_EQ(kind_from_name(s.name), k);
    std::set<std::string_view> fields;
    for (const FieldSpec& f : s.fields) {
      EXPECT_TRUE(fields.insert(f.name).second) << s.name << "." << f.name;
      EXPECT_EQ(s.field(f.name), &f) << s.name << "." << f.name;
      EXPECT_FALSE(f.ja.empty()) << s.name << "." << f.name;
      EXPECT_FALSE(f.en.empty()) << s.name << "." << f.name;
      if (f.type == FieldType::Enum) {
        EXPECT_NE(f.enumeration, nullptr) << s.name << "." << f.name;
      }
    }
    EXPECT_EQ(s.field("no_such_field"), nullptr);
  }
  EXPECT_EQ(all_kinds().size(), 14u);
  EXPECT_FALSE(kind_from_name("incidents"));
}

TEST(ValidSchema, DeterministicIds) {
  EXPECT_EQ(lifeline_id("a1", "power"), "a1/power");
  EXPECT_EQ(shelter_supply_id("s1", "food"), "s1/food");
  EXPECT_EQ(branch_report_id("b1", 3), "b1/3");
}

// ---------------------------------------------------------------- every problem at once

TEST(ValidateAll, ReturnsEveryProblemAtOnce) {
  Fields f{{"title", std::string(201, 'x')},
           {"category", std::string("volcano")},
           {"received_at", std::string("2026-02-30 10:00")},
           {"dead", std::int64_t{-3}},
           {"colour", std::string("red")},
           {"lat", 91.0},
           {"lon", 140.0}};
  const auto ps = normalize_and_validate(incident(), "inc-1", f, creating());
  EXPECT_TRUE(has(ps, "title", "too_long")) << dump(ps);
  EXPECT_TRUE(has(ps, "category", "unknown_value")) << dump(ps);
  EXPECT_TRUE(has(ps, "received_at", "bad_time")) << dump(ps);
  EXPECT_TRUE(has(ps, "dead", "negative")) << dump(ps);
  EXPECT_TRUE(has(ps, "colour", "unknown_field")) << dump(ps);
  EXPECT_TRUE(has(ps, "lat", "out_of_range")) << dump(ps);
  EXPECT_TRUE(has(ps, "verification", "required")) << dump(ps);
  EXPECT_TRUE(has(ps, "priority", "required")) << dump(ps);
  EXPECT_TRUE(has(ps, "status", "required")) << dump(ps);
  EXPECT_EQ(ps.size(), 9u) << dump(ps);
}

TEST(ValidateAll, EveryProblemNamesTheFieldInBothLanguages) {
  Fields f{{"title", std::string()}, {"category", std::string("volcano")}, {"dead", std::int64_t{-1}}};
  const auto ps = normalize_and_validate(incident(), "inc-1", f, creating());
  ASSERT_FALSE(ps.empty());
  for (const Problem& p : ps) {
    EXPECT_FALSE(p.code.empty());
    EXPECT_FALSE(p.ja.empty()) << p.code;
    EXPECT_FALSE(p.en.empty()) << p.code;
    const FieldSpec* fs = incident().field(p.field);
    ASSERT_NE(fs, nullptr) << p.field;
    EXPECT_NE(p.ja.find("「" + std::string(fs->ja) + "」"), std::string::npos) << p.ja;
    EXPECT_NE(p.en.find("\"" + std::string(fs->en) + "\""), std::string::npos) << p.en;
    EXPECT_EQ(&p.message(Lang::Ja), &p.ja);
    EXPECT_EQ(&p.message(Lang::En), &p.en);
  }
  const auto dead = about(ps, "dead");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].ja, "「死者」は0以上で入力してください（-1）");
  EXPECT_EQ(dead[0].en, "\"Dead\" must be zero or more (got -1)");
}

TEST(ValidateAll, ValidInputHasNoProblems) {
  Fields f = valid_incident();
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, creating()).empty());
}

TEST(ValidateAll, DescribeJoinsMessagesOnePerLine) {
  Fields f{{"category", std::string("volcano")}, {"dead", std::int64_t{-1}}};
  const auto ps = normalize_and_validate(incident(), "inc-1", f, updating());
  ASSERT_EQ(ps.size(), 2u) << dump(ps);
  EXPECT_EQ(describe(ps, Lang::En), ps[0].en + "\n" + ps[1].en);
  EXPECT_EQ(describe(ps, Lang::Ja), ps[0].ja + "\n" + ps[1].ja);
  EXPECT_EQ(describe({}, Lang::Ja), "");
}

// ---------------------------------------------------------------- required / unknown fields

TEST(ValidateRequired, MissingRequiredFieldsOnCreate) {
  Fields f;
  const auto ps = normalize_and_validate(incident(), "inc-1", f, creating());
  std::set<std::string> required;
  for (const Problem& p : ps) {
    EXPECT_EQ(p.code, "required") << p.field;
    required.insert(p.field);
  }
  EXPECT_EQ(required, (std::set<std::string>{"title", "category", "received_at", "verification",
                                             "priority", "status"}));
  const auto title = about(ps, "title");
  ASSERT_EQ(title.size(), 1u);
  EXPECT_EQ(title[0].ja, "「件名」は必須です");
  EXPECT_EQ(title[0].en, "\"Title\" is required");
}

TEST(ValidateRequired, NotRequiredOnUpdate) {
  Fields f{{"team", std::string("土木班")}};
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, updating()).empty());
}

TEST(ValidateRequired, BlankOrNullCountsAsMissing) {
  Fields f = valid_incident();
  f["title"] = std::string("　 ");  // only spaces: trimmed to nothing
  f["status"] = Value{};
  f["category"] = std::string("");
  const auto ps = normalize_and_validate(incident(), "inc-1", f, creating());
  EXPECT_TRUE(has(ps, "title", "required")) << dump(ps);
  EXPECT_TRUE(has(ps, "status", "required")) << dump(ps);
  EXPECT_TRUE(has(ps, "category", "required")) << dump(ps);
  EXPECT_EQ(ps.size(), 3u) << dump(ps);
}

TEST(ValidateRequired, EveryKindReportsItsRequiredFields) {
  for (EntityKind k : all_kinds()) {
    const EntitySpec& s = spec(k);
    Fields f;
    const std::string id = k == EntityKind::HqState ? "hq" : "x1";
    const auto ps = normalize_and_validate(s, id, f, creating());
    for (const FieldSpec& fs : s.fields)
      EXPECT_EQ(has(ps, fs.name, "required"), fs.required) << s.name << "." << fs.name;
  }
}

TEST(ValidateUnknownField, NamedWithTheEntity) {
  Fields f{{"colour", std::string("red")}};
  const auto ps = normalize_and_validate(incident(), "inc-1", f, updating());
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].field, "colour");
  EXPECT_EQ(ps[0].code, "unknown_field");
  EXPECT_EQ(ps[0].ja, "「colour」は事案の項目ではありません");
  EXPECT_EQ(ps[0].en, "\"colour\" is not a field of Incident");
}

// ---------------------------------------------------------------- text

TEST(ValidateText, NormalisedOnSave) {
  Fields f{{"title", std::string("　ＡＢＣ　ｶﾞｽ漏れ　")}, {"place", std::string("押上１－１－２")}};
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, updating()).empty());
  EXPECT_EQ(f.at("title"), Value{std::string("ABC ガス漏れ")});
  EXPECT_EQ(f.at("place"), Value{std::string("押上1-1-2")});
}

TEST(ValidateText, TooLongCountsCharactersNotBytes) {
  Fields ok{{"title", std::string()}};
  std::string two_hundred;
  for (int i = 0; i < 200; ++i) two_hundred += "避";  // 600 bytes, 200 characters
  ok["title"] = two_hundred;
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", ok, updating()).empty());

  Fields bad{{"title", two_hundred + "難"}};
  const auto ps = normalize_and_validate(incident(), "inc-1", bad, updating());
  ASSERT_EQ(ps.size(), 1u) << dump(ps);
  EXPECT_EQ(ps[0].code, "too_long");
  EXPECT_NE(ps[0].en.find("201 characters, limit 200"), std::string::npos) << ps[0].en;
  EXPECT_NE(ps[0].ja.find("201文字、上限200文字"), std::string::npos) << ps[0].ja;
}

TEST(ValidateText, LongTextAllowsFourThousand) {
  Fields ok{{"description", std::string(4000, 'a')}};
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", ok, updating()).empty());
  Fields bad{{"description", std::string(4001, 'a')}};
  EXPECT_TRUE(has(normalize_and_validate(incident(), "inc-1", bad, updating()), "description",
                  "too_long"));
}

TEST(ValidateText, LengthMeasuredAfterTrimming) {
  Fields f{{"title", "  " + std::string(200, 'a') + "  "}};
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, updating()).empty());
}

TEST(ValidateText, InvalidUtf8Rejected) {
  Fields f{{"title", std::string("bad \xFF byte")}};
  const auto ps = normalize_and_validate(incident(), "inc-1", f, updating());
  ASSERT_EQ(ps.size(), 1u) << dump(ps);
  EXPECT_EQ(ps[0].code, "bad_utf8");
  EXPECT_EQ(ps[0].field, "title");
}

TEST(ValidateText, NumberWhereTextExpected) {
  Fields f{{"title", std::int64_t{12}}};
  EXPECT_TRUE(has(normalize_and_validate(incident(), "inc-1", f, updating()), "title", "not_text"));
}

TEST(ValidateText, EmptyOptionalTextBecomesNull) {
  Fields f{{"team", std::string("  ")}};
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, updating()).empty());
  EXPECT_TRUE(is_null(f.at("team")));
}

TEST(ValidateText, BadReferenceId) {
  Fields f{{"area_id", std::string(129, 'a')}};  // ids are at most 128 bytes
  EXPECT_TRUE(has(normalize_and_validate(incident(), "inc-1", f, updating()), "area_id", "bad_ref"));
  f["area_id"] = std::string("a\x01" "b");  // a control byte is said as such
  EXPECT_TRUE(has(normalize_and_validate(incident(), "inc-1", f, updating()), "area_id", "control_char"));
}

// ---------------------------------------------------------------- enums

TEST(ValidateEnum, LabelsConvertedToCodes) {
  Fields f = valid_incident();
  f["category"] = std::string("火災");
  f["verification"] = std::string("Verified");
  f["priority"] = std::string("緊急（人命）");  // 全角 parentheses: normalised, then matched
  f["status"] = std::string("対応中");
  f["channel"] = std::string("ＦＡＸ");
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, creating()).empty());
  EXPECT_EQ(f.at("category"), Value{std::string("fire")});
  EXPECT_EQ(f.at("verification"), Value{std::string("verified")});
  EXPECT_EQ(f.at("priority"), Value{std::string("life")});
  EXPECT_EQ(f.at("status"), Value{std::string("in_progress")});
  EXPECT_EQ(f.at("channel"), Value{std::string("fax")});
}

TEST(ValidateEnum, UnknownValueListsTheChoices) {
  Fields f{{"priority", std::string("very high")}};
  const auto ps = normalize_and_validate(incident(), "inc-1", f, updating());
  ASSERT_EQ(ps.size(), 1u) << dump(ps);
  EXPECT_EQ(ps[0].code, "unknown_value");
  EXPECT_EQ(ps[0].ja, "「優先度」の値「very high」は選択肢にありません（緊急(人命)、高、中、低）");
  EXPECT_EQ(ps[0].en,
            "\"Priority\" has no choice \"very high\" (choices: Urgent (life), High, Medium, Low)");
  EXPECT_EQ(f.at("priority"), Value{std::string("very high")});  // left for the user to fix
}

TEST(ValidateEnum, LenientAcceptsUnknownCodesFromNewerVersions) {
  Fields f{{"priority", std::string("critical")}};
  ValidateOptions o;
  o.lenient_enums = true;
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, o).empty());
  EXPECT_EQ(f.at("priority"), Value{std::string("critical")});
}

TEST(ValidateEnum, OpenEnumAcceptsCityDefinedLevels) {
  Fields f{{"state", std::string("対策本部")}, {"activation_level", std::string("第4配備")}};
  EXPECT_TRUE(normalize_and_validate(spec(EntityKind::HqState), "hq", f, updating()).empty());
  EXPECT_EQ(f.at("state"), Value{std::string("countermeasures")});
  EXPECT_EQ(f.at("activation_level"), Value{std::string("第4配備")});
  Fields known{{"activation_level", std::string("第2配備")}};
  EXPECT_TRUE(normalize_and_validate(spec(EntityKind::HqState), "hq", known, updating()).empty());
  EXPECT_EQ(known.at("activation_level"), Value{std::string("level2")});
}

TEST(ValidateEnum, NumberWhereChoiceExpected) {
  Fields f{{"priority", std::int64_t{1}}};
  EXPECT_TRUE(has(normalize_and_validate(incident(), "inc-1", f, updating()), "priority", "not_text"));
}

// ---------------------------------------------------------------- counts

TEST(ValidateCount, FullWidthDigitsBecomeAnInteger) {
  Fields f{{"dead", std::string("１２")}};
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, updating()).empty());
  EXPECT_EQ(f.at("dead"), Value{std::int64_t{12}});
}

TEST(ValidateCount, DigitGroupingAccepted) {
  Fields f{{"dead", std::string("1,234")}, {"injured", std::string("１，２３４")}};
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, updating()).empty());
  EXPECT_EQ(f.at("dead"), Value{std::int64_t{1234}});
  EXPECT_EQ(f.at("injured"), Value{std::int64_t{1234}});
}

TEST(ValidateCount, UnknownWordsAndEmptyBecomeNull) {
  for (const char* word : {"未確認", "", "  ", "不明", "unknown", "-", "－"}) {
    Fields f{{"dead", std::string(word)}};
    EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, updating()).empty()) << word;
    EXPECT_TRUE(is_null(f.at("dead"))) << word;
  }
}

TEST(ValidateCount, ZeroStaysZero) {
  Fields f{{"dead", std::string("０")}, {"injured", std::int64_t{0}}};
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, updating()).empty());
  EXPECT_EQ(f.at("dead"), Value{std::int64_t{0}});
  EXPECT_EQ(f.at("injured"), Value{std::int64_t{0}});
}

TEST(ValidateCount, NegativeRejected) {
  for (Value v : {Value{std::int64_t{-1}}, Value{std::string("-5")}, Value{std::string("－５")}}) {
    Fields f{{"dead", v}};
    const auto ps = normalize_and_validate(incident(), "inc-1", f, updating());
    ASSERT_EQ(ps.size(), 1u) << dump(ps);
    EXPECT_EQ(ps[0].code, "negative") << dump(ps);
  }
}

TEST(ValidateCount, NotANumber) {
  for (const char* text : {"12人", "abc", "1e3", "3.5", "1 2"}) {
    Fields f{{"dead", std::string(text)}};
    const auto ps = normalize_and_validate(incident(), "inc-1", f, updating());
    ASSERT_EQ(ps.size(), 1u) << text << "\n" << dump(ps);
    EXPECT_EQ(ps[0].code, "not_a_number") << text;
    EXPECT_NE(ps[0].en.find(text), std::string::npos) << ps[0].en;
  }
}

TEST(ValidateCount, WholeDoubleBecomesIntegerFractionRejected) {
  Fields f{{"dead", 3.0}};
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, updating()).empty());
  EXPECT_EQ(f.at("dead"), Value{std::int64_t{3}});
  Fields g{{"dead", 3.5}};
  EXPECT_TRUE(has(normalize_and_validate(incident(), "inc-1", g, updating()), "dead", "not_integer"));
}

TEST(ValidateCount, UpperLimit) {
  Fields f{{"dead", std::int64_t{1'000'000'000'001}}};
  EXPECT_TRUE(has(normalize_and_validate(incident(), "inc-1", f, updating()), "dead", "out_of_range"));
}

TEST(ValidateCount, MeasureKeepsDecimals) {
  Fields f{{"branch_id", std::string("b1")},       {"report_no", std::int64_t{1}},
           {"as_of", std::string("2026-11-22 13:45")}, {"report_type", std::string("速報")},
           {"reporter", std::string("佐藤")},       {"paddy_flooded", std::string("１２.５")},
           {"field_flooded", std::int64_t{3}},      {"dead", std::string("未確認")}};
  EXPECT_TRUE(normalize_and_validate(spec(EntityKind::BranchReport), "b1/1", f, creating()).empty());
  EXPECT_EQ(f.at("paddy_flooded"), Value{12.5});
  EXPECT_EQ(f.at("field_flooded"), Value{3.0});
  EXPECT_TRUE(std::holds_alternative<double>(f.at("field_flooded")));
  EXPECT_TRUE(is_null(f.at("dead")));
  EXPECT_EQ(f.at("report_type"), Value{std::string("preliminary")});
}

// ---------------------------------------------------------------- real, int, bool

TEST(ValidateReal, IntGivenForRealBecomesDouble) {
  Fields f{{"lat", std::int64_t{38}}, {"lon", std::string("141.3")}};
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, updating()).empty());
  ASSERT_TRUE(std::holds_alternative<double>(f.at("lat")));
  EXPECT_EQ(f.at("lat"), Value{38.0});
  EXPECT_EQ(f.at("lon"), Value{141.3});
}

TEST(ValidateReal, DoubleStaysDouble) {
  Fields f{{"fuel_hours", 12.5}};
  EXPECT_TRUE(normalize_and_validate(spec(EntityKind::OfficeStatus), "b1", f, updating()).empty());
  EXPECT_EQ(f.at("fuel_hours"), Value{12.5});
}

TEST(ValidateReal, RangeChecked) {
  Fields f{{"lat", 91.0}, {"lon", -181.0}};
  const auto ps = normalize_and_validate(incident(), "inc-1", f, updating());
  ASSERT_EQ(ps.size(), 2u) << dump(ps);
  const auto lat = about(ps, "lat");
  ASSERT_EQ(lat.size(), 1u);
  EXPECT_EQ(lat[0].code, "out_of_range");
  EXPECT_EQ(lat[0].en, "\"Latitude\" must be at most 90 (got 91)");
  const auto lon = about(ps, "lon");
  ASSERT_EQ(lon.size(), 1u);
  EXPECT_EQ(lon[0].en, "\"Longitude\" must be at least -180 (got -181)");
}

TEST(ValidateReal, NonFiniteRejected) {
  for (Value v : {Value{std::string("inf")}, Value{std::string("nan")},
                  Value{std::numeric_limits<double>::infinity()}}) {
    Fields f{{"lat", v}};
    const auto ps = normalize_and_validate(incident(), "inc-1", f, updating());
    EXPECT_TRUE(has(ps, "lat", "not_a_number")) << debug_string(v) << "\n" << dump(ps);
  }
}

TEST(ValidateInt, RangeAndWholeNumbers) {
  Fields ok{{"stale_after_min", std::string("３０")}};
  EXPECT_TRUE(normalize_and_validate(spec(EntityKind::Branch), "b1", ok, updating()).empty());
  EXPECT_EQ(ok.at("stale_after_min"), Value{std::int64_t{30}});
  Fields low{{"stale_after_min", std::int64_t{0}}};
  const auto ps = normalize_and_validate(spec(EntityKind::Branch), "b1", low, updating());
  ASSERT_TRUE(has(ps, "stale_after_min", "out_of_range")) << dump(ps);
  EXPECT_EQ(ps[0].en, "\"Stale after (min)\" must be at least 1 (got 0)");
}

TEST(ValidateBool, WordsBecomeZeroOrOne) {
  Fields f{{"comm_lgwan", std::string("はい")}, {"comm_fax", std::string("いいえ")},
           {"comm_phone", std::int64_t{1}},     {"comm_radio", std::string("")},
           {"comm_mca", std::string("可")},     {"comm_satellite", std::string("false")}};
  EXPECT_TRUE(normalize_and_validate(spec(EntityKind::OfficeStatus), "b1", f, updating()).empty());
  EXPECT_EQ(f.at("comm_lgwan"), Value{std::int64_t{1}});
  EXPECT_EQ(f.at("comm_fax"), Value{std::int64_t{0}});
  EXPECT_EQ(f.at("comm_phone"), Value{std::int64_t{1}});
  EXPECT_TRUE(is_null(f.at("comm_radio")));
  EXPECT_EQ(f.at("comm_mca"), Value{std::int64_t{1}});
  EXPECT_EQ(f.at("comm_satellite"), Value{std::int64_t{0}});
}

TEST(ValidateBool, OtherValuesRejected) {
  for (Value v : {Value{std::int64_t{2}}, Value{std::string("maybe")}, Value{0.5}}) {
    Fields f{{"comm_lgwan", v}};
    EXPECT_TRUE(has(normalize_and_validate(spec(EntityKind::OfficeStatus), "b1", f, updating()),
                    "comm_lgwan", "not_bool"))
        << debug_string(v);
  }
}

// ---------------------------------------------------------------- time

TEST(ValidateTime, NormalisedToIsoJst) {
  Fields f{{"received_at", std::string("２０２６/１１/２２　１３：４５")}};
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, updating()).empty());
  EXPECT_EQ(f.at("received_at"), Value{std::string("2026-11-22T13:45:00+09:00")});
  Fields z{{"received_at", std::string("2026-11-22T04:45:00Z")}};
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", z, updating()).empty());
  EXPECT_EQ(z.at("received_at"), Value{std::string("2026-11-22T13:45:00+09:00")});
}

TEST(ValidateTime, BadTimeRejectedWithAnExample) {
  for (const char* text : {"2026-02-30 10:00", "明日の朝", "13:45", "2026-11-22"}) {
    Fields f{{"received_at", std::string(text)}};
    const auto ps = normalize_and_validate(incident(), "inc-1", f, updating());
    ASSERT_EQ(ps.size(), 1u) << text << "\n" << dump(ps);
    EXPECT_EQ(ps[0].code, "bad_time") << text;
    EXPECT_EQ(ps[0].en, "\"Received at\" is not a date and time (e.g. 2026-11-22 13:45)");
  }
}

TEST(ValidateTime, NumberIsNotATime) {
  Fields f{{"received_at", std::int64_t{1'795'322'700'000}}};
  EXPECT_TRUE(has(normalize_and_validate(incident(), "inc-1", f, updating()), "received_at", "bad_time"));
}

TEST(ValidateTime, ClosedBeforeOpened) {
  Fields f = valid_shelter();
  f["opened_at"] = std::string("2026-11-22 13:00");
  f["closed_at"] = std::string("2026-11-22 12:59");
  const auto ps = normalize_and_validate(shelter(), "sh-1", f, creating());
  EXPECT_TRUE(has(ps, "closed_at", "before_open")) << dump(ps);
  Fields g = valid_shelter();
  g["opened_at"] = std::string("2026-11-22 13:00");
  g["closed_at"] = std::string("2026-11-22T05:00:00Z");  // 14:00 JST: compared after normalising
  EXPECT_TRUE(normalize_and_validate(shelter(), "sh-1", g, creating()).empty());
}

// ---------------------------------------------------------------- municipality codes

TEST(ValidateMunicipalityCode, BadCheckDigitRejected) {
  Fields f{{"municipality_code", std::string("042022")}};
  const auto ps = normalize_and_validate(spec(EntityKind::Area), "a1", f, updating());
  ASSERT_EQ(ps.size(), 1u) << dump(ps);
  EXPECT_EQ(ps[0].code, "bad_municipality_code");
  EXPECT_EQ(ps[0].field, "municipality_code");
  EXPECT_NE(ps[0].ja.find("042022"), std::string::npos);
  EXPECT_NE(ps[0].en.find("042022"), std::string::npos);
}

TEST(ValidateMunicipalityCode, WrongLengthRejectedFullWidthAccepted) {
  Fields five{{"municipality_code", std::string("04202")}};
  EXPECT_TRUE(has(normalize_and_validate(spec(EntityKind::HqState), "hq", five, updating()),
                  "municipality_code", "bad_municipality_code"));
  Fields wide{{"municipality_code", std::string("０４２０２１")}};
  EXPECT_TRUE(normalize_and_validate(spec(EntityKind::HqState), "hq", wide, updating()).empty());
  EXPECT_EQ(wide.at("municipality_code"), Value{std::string("042021")});
}

// ---------------------------------------------------------------- deterministic ids

TEST(ValidateIds, LifelineIdMustMatchAreaAndType) {
  Fields f{{"area_id", std::string("a1")},          {"lifeline_type", std::string("電力")},
           {"status", std::string("一部支障")},     {"as_of", std::string("2026-11-22 13:45")},
           {"source", std::string("東北電力")}};
  Fields ok = f;
  EXPECT_TRUE(normalize_and_validate(spec(EntityKind::Lifeline), "a1/power", ok, creating()).empty());
  Fields bad = f;
  const auto ps = normalize_and_validate(spec(EntityKind::Lifeline), "a1/water", bad, creating());
  ASSERT_EQ(ps.size(), 1u) << dump(ps);
  EXPECT_EQ(ps[0].code, "id_mismatch");
  EXPECT_EQ(ps[0].field, "");
  EXPECT_NE(ps[0].en.find("\"a1/power\""), std::string::npos) << ps[0].en;
  EXPECT_NE(ps[0].en.find("\"a1/water\""), std::string::npos) << ps[0].en;
}

TEST(ValidateIds, ShelterSupplyIdMustMatchShelterAndItem) {
  Fields f{{"shelter_id", std::string("sh-1")}, {"item", std::string("food")}};
  Fields ok = f;
  EXPECT_TRUE(normalize_and_validate(spec(EntityKind::ShelterSupply), "sh-1/food", ok, creating()).empty());
  Fields bad = f;
  EXPECT_TRUE(has(normalize_and_validate(spec(EntityKind::ShelterSupply), "sh-1/blanket", bad, creating()),
                  "", "id_mismatch"));
}

TEST(ValidateIds, BranchReportIdMustMatchBranchAndNumber) {
  Fields f{{"branch_id", std::string("b1")},           {"report_no", std::string("３")},
           {"as_of", std::string("2026-11-22 13:45")}, {"report_type", std::string("final")},
           {"reporter", std::string("佐藤")}};
  Fields ok = f;
  EXPECT_TRUE(normalize_and_validate(spec(EntityKind::BranchReport), "b1/3", ok, creating()).empty());
  EXPECT_EQ(ok.at("report_no"), Value{std::int64_t{3}});
  Fields bad = f;
  EXPECT_TRUE(has(normalize_and_validate(spec(EntityKind::BranchReport), "b1/03", bad, creating()),
                  "", "id_mismatch"));
}

TEST(ValidateIds, IdMatchCheckedOnlyOnCreate) {
  Fields f{{"area_id", std::string("a1")}, {"lifeline_type", std::string("power")}};
  EXPECT_TRUE(normalize_and_validate(spec(EntityKind::Lifeline), "other", f, updating()).empty());
}

TEST(ValidateIds, HqStateIdIsHq) {
  Fields f{{"state", std::string("liaison")}};
  EXPECT_TRUE(normalize_and_validate(spec(EntityKind::HqState), "hq", f, updating()).empty());
  Fields g = f;
  EXPECT_TRUE(has(normalize_and_validate(spec(EntityKind::HqState), "hq2", g, updating()), "",
                  "id_mismatch"));
}

TEST(ValidateIds, EntityIdRules) {
  EXPECT_TRUE(is_valid_entity_id("inc-01KAQ"));
  EXPECT_TRUE(is_valid_entity_id("a1/power"));
  EXPECT_TRUE(is_valid_entity_id("避難所 1"));
  EXPECT_TRUE(is_valid_entity_id(std::string(128, 'x')));
  EXPECT_FALSE(is_valid_entity_id(""));
  EXPECT_FALSE(is_valid_entity_id(std::string(129, 'x')));
  EXPECT_FALSE(is_valid_entity_id(" a"));
  EXPECT_FALSE(is_valid_entity_id("a "));
  EXPECT_FALSE(is_valid_entity_id("a\nb"));
  EXPECT_FALSE(is_valid_entity_id("a\x7f"));
  EXPECT_FALSE(is_valid_entity_id("a\xFF"));

  Fields f = valid_incident();
  EXPECT_TRUE(has(normalize_and_validate(incident(), "", f, creating()), "", "bad_id"));
}

// ---------------------------------------------------------------- counters

TEST(ValidateCounter, SettingACounterDirectlyRejected) {
  Fields f{{"delivered", std::int64_t{5}}};
  const auto ps = normalize_and_validate(spec(EntityKind::ShelterSupply), "sh-1/food", f, updating());
  ASSERT_EQ(ps.size(), 1u) << dump(ps);
  EXPECT_EQ(ps[0].code, "counter_set_directly");
  EXPECT_EQ(ps[0].field, "delivered");
}

TEST(ValidateCounter, DeltaMayBeNegative) {
  Fields f{{"delivered", std::int64_t{-3}}};
  EXPECT_TRUE(normalize_and_validate(spec(EntityKind::ShelterSupply), "sh-1/food", f, delta()).empty());
  EXPECT_EQ(f.at("delivered"), Value{std::int64_t{-3}});
}

TEST(ValidateCounter, DeltaOnlyForCounterFields) {
  Fields f{{"needed", std::int64_t{10}}};
  const auto ps = normalize_and_validate(spec(EntityKind::ShelterSupply), "sh-1/food", f, delta());
  ASSERT_EQ(ps.size(), 1u) << dump(ps);
  EXPECT_EQ(ps[0].code, "not_a_counter");
  EXPECT_EQ(ps[0].field, "needed");
}

TEST(ValidateCounter, DeltaMustBeAWholeNumber) {
  for (Value v : {Value{2.5}, Value{std::string("3")}, Value{}}) {
    Fields f{{"delivered", v}};
    EXPECT_TRUE(has(normalize_and_validate(spec(EntityKind::ShelterSupply), "sh-1/food", f, delta()),
                    "delivered", "not_integer"))
        << debug_string(v);
  }
}

TEST(ValidateCounter, DeltaDoesNotRequireCreationFields) {
  Fields f{{"delivered", std::int64_t{1}}};
  ValidateOptions o = delta();
  o.creating = true;
  EXPECT_TRUE(normalize_and_validate(spec(EntityKind::ShelterSupply), "sh-1/food", f, o).empty());
}

// ---------------------------------------------------------------- cross-field checks

TEST(ValidateCrossField, PartExceedsWhole) {
  Fields f{{"evacuees", std::int64_t{5}}, {"evacuees_voluntary", std::int64_t{10}}};
  const auto ps = normalize_and_validate(shelter(), "sh-1", f, updating());
  ASSERT_EQ(ps.size(), 1u) << dump(ps);
  EXPECT_EQ(ps[0].field, "evacuees_voluntary");
  EXPECT_EQ(ps[0].code, "part_exceeds_whole");
  EXPECT_EQ(ps[0].ja, "「うち自主避難」が「避難人数」より多くなっています");
  EXPECT_EQ(ps[0].en, "\"of which voluntary\" is larger than \"Evacuees\"");
}

TEST(ValidateCrossField, PartEqualToWholeIsFine) {
  Fields f{{"evacuees", std::string("１０")}, {"evacuees_voluntary", std::int64_t{10}},
           {"households", std::int64_t{4}}, {"households_voluntary", std::int64_t{0}}};
  EXPECT_TRUE(normalize_and_validate(shelter(), "sh-1", f, updating()).empty());
}

TEST(ValidateCrossField, PartExceedsWholeComparedAfterNormalising) {
  Fields f{{"households", std::string("３")}, {"households_voluntary", std::string("１２")}};
  EXPECT_TRUE(has(normalize_and_validate(shelter(), "sh-1", f, updating()), "households_voluntary",
                  "part_exceeds_whole"));
}

TEST(ValidateCrossField, UnknownWholeIsNotExceeded) {
  Fields f{{"evacuees", std::string("未確認")}, {"evacuees_voluntary", std::int64_t{10}}};
  EXPECT_TRUE(normalize_and_validate(shelter(), "sh-1", f, updating()).empty());
}

TEST(ValidateCrossField, LatWithoutLonOnCreate) {
  Fields f = valid_incident();
  f["lat"] = 38.43;
  const auto ps = normalize_and_validate(incident(), "inc-1", f, creating());
  ASSERT_EQ(ps.size(), 1u) << dump(ps);
  EXPECT_EQ(ps[0].code, "lat_lon_pair");
  EXPECT_EQ(ps[0].field, "");
  EXPECT_FALSE(ps[0].ja.empty());

  Fields g = valid_incident();
  g["lon"] = 141.3;
  EXPECT_TRUE(has(normalize_and_validate(incident(), "inc-1", g, creating()), "", "lat_lon_pair"));

  Fields both = valid_incident();
  both["lat"] = 38.43;
  both["lon"] = 141.3;
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", both, creating()).empty());

  Fields area{{"name", std::string("中央")}, {"branch_id", std::string("b1")}, {"lat", 38.4}};
  EXPECT_TRUE(has(normalize_and_validate(spec(EntityKind::Area), "a1", area, creating()), "",
                  "lat_lon_pair"));
}

TEST(ValidateCrossField, LatWithoutLonAllowedOnUpdate) {
  Fields f{{"lat", 38.43}};
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", f, updating()).empty());
}

TEST(ValidateCrossField, BlankLatDoesNotPairWithAGivenLon) {
  // "" and 未確認 become null, so this creates an incident with a longitude only.
  Fields f = valid_incident();
  f["lat"] = std::string("");
  f["lon"] = 141.3;
  EXPECT_TRUE(has(normalize_and_validate(incident(), "inc-1", f, creating()), "", "lat_lon_pair"));
  Fields g = valid_incident();
  g["lat"] = Value{};
  g["lon"] = 141.3;
  EXPECT_TRUE(has(normalize_and_validate(incident(), "inc-1", g, creating()), "", "lat_lon_pair"));
  Fields neither = valid_incident();
  neither["lat"] = Value{};
  neither["lon"] = std::string("");
  EXPECT_TRUE(normalize_and_validate(incident(), "inc-1", neither, creating()).empty());
}

TEST(ValidateCrossField, ShelterLatWithoutLonOnCreate) {
  // Shelters carry lat/lon too (they go to GeoJSON exports like incidents and areas).
  Fields f = valid_shelter();
  f["lat"] = 38.43;
  EXPECT_TRUE(has(normalize_and_validate(shelter(), "sh-1", f, creating()), "", "lat_lon_pair"));
}

// ---------------------------------------------------------------- validate_received

TEST(ValidateReceived, CanonicalValuesPass) {
  Fields f = valid_incident();
  f["dead"] = std::int64_t{2};
  f["lat"] = 38.43;
  f["lon"] = 141.3;
  EXPECT_TRUE(validate_received(incident(), "inc-1", f, creating()).empty());
}

TEST(ValidateReceived, AgreesWithNormalizeAndValidateOnNormalisedFields) {
  Fields f = valid_incident();
  f["title"] = std::string("　ＡＢＣ　");
  f["category"] = std::string("火災");
  f["received_at"] = std::string("2026/11/22 13:45");
  f["dead"] = std::string("１２");
  f["lat"] = std::int64_t{38};
  f["lon"] = std::string("141.3");
  ASSERT_TRUE(normalize_and_validate(incident(), "inc-1", f, creating()).empty());
  EXPECT_TRUE(validate_received(incident(), "inc-1", f, creating()).empty());
}

TEST(ValidateReceived, ValuesNotInNormalFormAreReported) {
  const Fields f{{"title", std::string("ＡＢＣ")},
                 {"category", std::string("火災")},
                 {"received_at", std::string("2026-11-22 13:45")},
                 {"dead", std::string("12")},
                 {"lat", std::int64_t{38}},
                 {"team", std::string("")}};
  const auto ps = validate_received(incident(), "inc-1", f, updating());
  for (const char* name : {"title", "category", "received_at", "dead", "lat", "team"})
    EXPECT_TRUE(has(ps, name, "not_normalized")) << name << "\n" << dump(ps);
  EXPECT_EQ(ps.size(), 6u) << dump(ps);
}

TEST(ValidateReceived, InvalidValuesReportedLikeLocalInput) {
  const Fields f{{"dead", std::int64_t{-1}}, {"priority", std::string("very high")},
                 {"received_at", std::string("2026-02-30T10:00:00+09:00")}};
  const auto ps = validate_received(incident(), "inc-1", f, updating());
  EXPECT_TRUE(has(ps, "dead", "negative")) << dump(ps);
  EXPECT_TRUE(has(ps, "priority", "unknown_value")) << dump(ps);
  EXPECT_TRUE(has(ps, "received_at", "bad_time")) << dump(ps);
}

TEST(ValidateReceived, LenientIgnoresUnknownFieldsAndCodes) {
  const Fields f{{"colour", std::string("red")}, {"priority", std::string("critical")}};
  ValidateOptions o;
  o.lenient_enums = true;
  EXPECT_TRUE(validate_received(incident(), "inc-1", f, o).empty());
  EXPECT_TRUE(has(validate_received(incident(), "inc-1", f, updating()), "colour", "unknown_field"));
}

TEST(ValidateReceived, CounterRules) {
  const Fields set{{"delivered", std::int64_t{5}}};
  EXPECT_TRUE(has(validate_received(spec(EntityKind::ShelterSupply), "s/f", set, updating()),
                  "delivered", "counter_set_directly"));
  EXPECT_TRUE(validate_received(spec(EntityKind::ShelterSupply), "s/f", set, delta()).empty());
}

// A NUL or other control byte (a broken export, a binary paste) is refused, naming the field,
// the character and where it is; tabs and line breaks are text. Found storing "南\0小".
TEST(ValidateAll, ControlCharactersAreRefusedNamingFieldAndPlace) {
  Fields f = valid_shelter();
  f["name"] = std::string("南\0小", 7);
  f["address"] = std::string("北山\x1b[31m1-2");
  f["note"] = std::string("1行目\n2行目\tタブ");
  const auto ps = normalize_and_validate(shelter(), "sh-1", f, creating());
  ASSERT_TRUE(has(ps, "name", "control_char")) << dump(ps);
  EXPECT_NE(about(ps, "name")[0].en.find("U+0000) at character 2"), std::string::npos) << dump(ps);
  EXPECT_NE(about(ps, "name")[0].ja.find("2文字目"), std::string::npos) << about(ps, "name")[0].ja;
  EXPECT_TRUE(has(ps, "address", "control_char")) << dump(ps);
  EXPECT_TRUE(about(ps, "note").empty()) << dump(ps);
  EXPECT_EQ(ps.size(), 2u) << dump(ps);
}

// A whole number too large is shown in digits, as typed, not as 9.22337e+18.
TEST(ValidateAll, TooLargeNumbersAreShownInDigits) {
  Fields f = valid_shelter();
  f["capacity"] = std::int64_t{9'000'000'000'000'000'000};
  const auto ps = normalize_and_validate(shelter(), "sh-1", f, creating());
  ASSERT_TRUE(has(ps, "capacity", "out_of_range")) << dump(ps);
  EXPECT_NE(about(ps, "capacity")[0].en.find("got 9000000000000000000"), std::string::npos) << dump(ps);
}
