// model/labels.hpp: the domain's enumerations (stable code + ja/en labels).
#include "model/labels.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/text.hpp"

using namespace honbu;

namespace {
bool is_ascii_code(std::string_view s) {
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return !s.empty();
}
}  // namespace

// ---------------------------------------------------------------- catalogue invariants

TEST(LabelCatalogue, AllListsEveryEnumerationOnceWithUniqueNames) {
  std::set<std::string_view> names;
  std::set<const Enumeration*> seen;
  for (const Enumeration* e : enums::all()) {
    ASSERT_NE(e, nullptr);
    EXPECT_TRUE(seen.insert(e).second) << e->name;
    EXPECT_TRUE(names.insert(e->name).second) << "duplicate name " << e->name;
    EXPECT_TRUE(is_ascii_code(e->name)) << e->name;
  }
  EXPECT_EQ(enums::all().size(), 27u);  // every extern in labels.hpp
  for (const Enumeration* e : {&enums::incident_category, &enums::channel, &enums::verification,
                               &enums::priority, &enums::incident_status, &enums::lifeline_type,
                               &enums::lifeline_status, &enums::report_type, &enums::shelter_type,
                               &enums::shelter_open_state, &enums::crowding,
                               &enums::facility_state, &enums::vulnerable_group,
                               &enums::supply_item, &enums::request_kind, &enums::request_status,
                               &enums::chronology_category, &enums::chronology_state,
                               &enums::medium, &enums::hq_state, &enums::activation_level,
                               &enums::evacuation_level, &enums::evacuation_action,
                               &enums::branch_kind, &enums::power_source,
                               &enums::building_safety})
    EXPECT_EQ(seen.count(e), 1u) << e->name << " missing from enums::all()";
}

TEST(LabelCatalogue, EveryEnumerationHasValues) {
  for (const Enumeration* e : enums::all()) EXPECT_GE(e->values.size(), 2u) << e->name;
}

TEST(LabelCatalogue, CodesAreUniqueNonEmptyAscii) {
  for (const Enumeration* e : enums::all()) {
    std::set<std::string_view> codes;
    for (const Label& l : e->values) {
      EXPECT_TRUE(is_ascii_code(l.code)) << e->name << ": '" << l.code << "'";
      EXPECT_TRUE(codes.insert(l.code).second) << e->name << ": duplicate code " << l.code;
    }
  }
}

TEST(LabelCatalogue, LabelsAreNonEmptyUniqueAndNormalized) {
  for (const Enumeration* e : enums::all()) {
    std::set<std::string_view> ja, en;
    for (const Label& l : e->values) {
      EXPECT_FALSE(l.ja.empty()) << e->name << "." << l.code;
      EXPECT_FALSE(l.en.empty()) << e->name << "." << l.code;
      EXPECT_TRUE(ja.insert(l.ja).second) << e->name << ": duplicate ja " << l.ja;
      EXPECT_TRUE(en.insert(l.en).second) << e->name << ": duplicate en " << l.en;
      EXPECT_TRUE(is_valid_utf8(l.ja)) << e->name << "." << l.code;
      // Input is width-normalised before code_for(): a label that normalisation would
      // change (e.g. 全角 parentheses) could never be matched.
      EXPECT_EQ(normalize_text(l.ja), l.ja) << e->name << "." << l.code;
      EXPECT_EQ(normalize_text(l.en), l.en) << e->name << "." << l.code;
    }
  }
}

TEST(LabelCatalogue, CodeForIsUnambiguous) {
  // Every code and label leads back to its own value: no label of one value equals the
  // code or a label of another value in the same enumeration.
  for (const Enumeration* e : enums::all()) {
    for (const Label& l : e->values) {
      EXPECT_EQ(e->code_for(l.code), l.code) << e->name;
      EXPECT_EQ(e->code_for(l.ja), l.code) << e->name << ": " << l.ja;
      EXPECT_EQ(e->code_for(l.en), l.code) << e->name << ": " << l.en;
    }
  }
}

TEST(LabelCatalogue, DomainValuesPresent) {
  // Spot checks against domain.md §1–§3.
  EXPECT_EQ(enums::verification.code_for("誤報・重複"), "false");
  EXPECT_EQ(enums::priority.code_for("緊急(人命)"), "life");
  EXPECT_EQ(enums::incident_status.values.size(), 4u);
  EXPECT_EQ(enums::lifeline_status.values.size(), 7u);
  EXPECT_EQ(enums::shelter_open_state.values.size(), 5u);
  EXPECT_EQ(enums::supply_item.values.size(), 8u);      // 基本8品目
  EXPECT_EQ(enums::vulnerable_group.values.size(), 11u);
  EXPECT_EQ(enums::hq_state.values.size(), 5u);
  EXPECT_EQ(enums::shelter_type.code_for("福祉避難所"), "welfare");
  EXPECT_EQ(enums::lifeline_type.code_for("LPガス"), "lp_gas");
  EXPECT_EQ(enums::channel.code_for("119/110転送"), "fire_police");
}

TEST(LabelCatalogue, EvacuationLevelsAreThreeToFive) {
  ASSERT_EQ(enums::evacuation_level.values.size(), 3u);
  EXPECT_EQ(enums::evacuation_level.code_for("高齢者等避難"), "3");
  EXPECT_EQ(enums::evacuation_level.code_for("避難指示"), "4");
  EXPECT_EQ(enums::evacuation_level.code_for("緊急安全確保"), "5");
  // 避難勧告 was abolished on 2021-05-20: it is not a current label.
  EXPECT_EQ(enums::evacuation_level.code_for("避難勧告"), "");
}

// ---------------------------------------------------------------- find / text / code_for

TEST(LabelLookup, FindByCodeOnly) {
  const Label* l = enums::incident_status.find("in_progress");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->ja, "対応中");
  EXPECT_EQ(l->en, "In progress");
  EXPECT_EQ(enums::incident_status.find("対応中"), nullptr);  // a label is not a code
  EXPECT_EQ(enums::incident_status.find(""), nullptr);
}

TEST(LabelLookup, TextInEachLanguage) {
  EXPECT_EQ(enums::verification.text("verified", Lang::Ja), "確認済");
  EXPECT_EQ(enums::verification.text("verified", Lang::En), "Verified");
  const Label* l = enums::crowding.find("full");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->text(Lang::Ja), "定員一杯");
  EXPECT_EQ(l->text(Lang::En), "Full");
}

TEST(LabelLookup, UnknownCodeShownAsItself) {
  // e.g. a code from a newer version of the program.
  EXPECT_EQ(enums::verification.text("retracted", Lang::Ja), "retracted");
  EXPECT_EQ(enums::verification.text("retracted", Lang::En), "retracted");
}

TEST(LabelLookup, CodeForAcceptsCodeJapaneseAndEnglish) {
  EXPECT_EQ(enums::incident_category.code_for("fire"), "fire");
  EXPECT_EQ(enums::incident_category.code_for("火災"), "fire");
  EXPECT_EQ(enums::incident_category.code_for("Fire"), "fire");
  EXPECT_EQ(enums::lifeline_status.code_for("復旧作業中"), "restoring");
  EXPECT_EQ(enums::lifeline_status.code_for("Restoring"), "restoring");
}

TEST(LabelLookup, CodeForIsExact) {
  EXPECT_EQ(enums::incident_category.code_for("FIRE"), "");
  EXPECT_EQ(enums::incident_category.code_for("fire "), "");
  EXPECT_EQ(enums::incident_category.code_for("火"), "");
  EXPECT_EQ(enums::incident_category.code_for(""), "");
  EXPECT_EQ(enums::priority.code_for("緊急（人命）"), "");  // normalise first: then it matches
  EXPECT_EQ(enums::priority.code_for(normalize_text("緊急（人命）")), "life");
}

TEST(LabelLookup, SameWordDifferentEnumerations) {
  // 対応中 is a status in three enumerations, each with its own code list.
  EXPECT_EQ(enums::incident_status.code_for("対応中"), "in_progress");
  EXPECT_EQ(enums::request_status.code_for("対応中"), "in_progress");
  EXPECT_EQ(enums::chronology_state.code_for("対応中"), "in_progress");
  EXPECT_EQ(enums::facility_state.code_for("不明"), "unknown");
  EXPECT_EQ(enums::building_safety.code_for("不明"), "");
}

// ---------------------------------------------------------------- legacy evacuation names

TEST(LabelLegacyEvacuation, KankokuMapsToLevelFour) {
  EXPECT_EQ(map_legacy_evacuation("避難勧告"), "4");
}

TEST(LabelLegacyEvacuation, OldNamesMapToCurrentLevels) {
  EXPECT_EQ(map_legacy_evacuation("避難準備・高齢者等避難開始"), "3");
  EXPECT_EQ(map_legacy_evacuation("避難準備情報"), "3");
  EXPECT_EQ(map_legacy_evacuation("避難指示(緊急)"), "4");
  EXPECT_EQ(map_legacy_evacuation("避難指示（緊急）"), "4");
  EXPECT_EQ(map_legacy_evacuation("災害発生情報"), "5");
}

TEST(LabelLegacyEvacuation, CurrentNamesMapToThemselves) {
  EXPECT_EQ(map_legacy_evacuation("高齢者等避難"), "3");
  EXPECT_EQ(map_legacy_evacuation("避難指示"), "4");
  EXPECT_EQ(map_legacy_evacuation("緊急安全確保"), "5");
}

TEST(LabelLegacyEvacuation, UnknownNamesGiveEmpty) {
  EXPECT_EQ(map_legacy_evacuation(""), "");
  EXPECT_EQ(map_legacy_evacuation("大雨注意報"), "");  // level 2 is the JMA's, not an order
  EXPECT_EQ(map_legacy_evacuation("避難"), "");
}

TEST(LabelLegacyEvacuation, EveryResultIsACurrentLevelCode) {
  for (const char* name : {"避難準備・高齢者等避難開始", "避難準備情報", "避難勧告", "避難指示(緊急)",
                           "避難指示（緊急）", "災害発生情報", "高齢者等避難", "避難指示",
                           "緊急安全確保"}) {
    const std::string_view code = map_legacy_evacuation(name);
    EXPECT_NE(enums::evacuation_level.find(code), nullptr) << name << " -> " << code;
  }
}

// ---------------------------------------------------------------- lang_from_locale

TEST(LabelLang, EnglishOnlyWhenTheLocaleSaysSo) {
  EXPECT_EQ(lang_from_locale("en_US.UTF-8"), Lang::En);
  EXPECT_EQ(lang_from_locale("en_GB"), Lang::En);
  EXPECT_EQ(lang_from_locale("en"), Lang::En);
}

// The people this is for work in Japanese: a fresh machine's C / C.UTF-8, or none at all,
// does not switch the tools to English (the console and the tools said different things).
TEST(LabelLang, EverythingElseIsJapanese) {
  EXPECT_EQ(lang_from_locale("ja_JP.UTF-8"), Lang::Ja);
  EXPECT_EQ(lang_from_locale("ja_JP.eucJP"), Lang::Ja);
  EXPECT_EQ(lang_from_locale(nullptr), Lang::Ja);
  EXPECT_EQ(lang_from_locale(""), Lang::Ja);
  EXPECT_EQ(lang_from_locale("C"), Lang::Ja);
  EXPECT_EQ(lang_from_locale("C.UTF-8"), Lang::Ja);
  EXPECT_EQ(lang_from_locale("POSIX"), Lang::Ja);
  EXPECT_EQ(lang_from_locale("e"), Lang::Ja);
}

// One order for "the worst lifeline status of an area", used by the map and the GeoJSON
// export alike (the map had 復旧作業中 above 一部支障, the export below).
TEST(LifelineSeverity, RanksEveryStatusAsDocumentedAndUnknownCodesLowest) {
  const std::vector<std::string_view> worst_first = {"disrupted", "partial",  "restoring", "collecting",
                                                     "unknown",   "restored", "no_damage"};
  for (size_t i = 1; i < worst_first.size(); ++i)
    EXPECT_GT(lifeline_severity(worst_first[i - 1]), lifeline_severity(worst_first[i])) << worst_first[i];
  EXPECT_EQ(worst_first.size(), enums::lifeline_status.values.size());  // every status is ranked
  for (const Label& l : enums::lifeline_status.values) EXPECT_GT(lifeline_severity(l.code), 0) << l.code;
  EXPECT_EQ(lifeline_severity("something_newer"), 0);
  EXPECT_EQ(lifeline_severity(""), 0);
}

TEST(LabelLang, LcAllThenLcMessagesThenLang) {
  // Restores the variables it changes (other tests in this process read them).
  struct Saved {
    const char* name;
    std::optional<std::string> value;
  };
  std::vector<Saved> saved;
  for (const char* n : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(n);
    saved.push_back({n, v ? std::optional<std::string>(v) : std::nullopt});
  }
  ::setenv("LANG", "en_US.UTF-8", 1);
  ::unsetenv("LC_ALL");
  ::unsetenv("LC_MESSAGES");
  EXPECT_EQ(lang_from_environment(), Lang::En);
  ::setenv("LC_MESSAGES", "ja_JP.UTF-8", 1);
  EXPECT_EQ(lang_from_environment(), Lang::Ja);
  ::setenv("LC_ALL", "en_GB.UTF-8", 1);
  EXPECT_EQ(lang_from_environment(), Lang::En);
  ::setenv("LC_ALL", "", 1);  // set but empty: the next one counts
  EXPECT_EQ(lang_from_environment(), Lang::Ja);
  for (const Saved& s : saved) {
    if (s.value)
      ::setenv(s.name, s.value->c_str(), 1);
    else
      ::unsetenv(s.name);
  }
}

// A lifeline's 支障数 is shown with what it counts (the matrix said "復旧作業中 1734" with no
// unit beside 第4号様式's 戸): every type has a unit in both languages.
TEST(LifelineUnits, EveryTypeSaysWhatItsCountCounts) {
  for (const Label& t : enums::lifeline_type.values) {
    EXPECT_FALSE(lifeline_affected_unit(t.code, Lang::Ja).empty()) << t.code;
    EXPECT_FALSE(lifeline_affected_unit(t.code, Lang::En).empty()) << t.code;
  }
  EXPECT_EQ(lifeline_affected_text("power", 1734, Lang::Ja), "1734戸");
  EXPECT_EQ(lifeline_affected_text("power", 1734, Lang::En), "1734 households");
  EXPECT_EQ(lifeline_affected_text("road", 3, Lang::Ja), "3箇所");
  EXPECT_EQ(lifeline_affected_text("future_type", 5, Lang::En), "5");  // an unknown type: the number alone
}
