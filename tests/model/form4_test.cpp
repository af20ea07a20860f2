// model/form4.hpp: 消防庁 第4号様式 rows as data, tri-state totals and computed rows.
#include "model/form4.hpp"
#include "model/queries.hpp"
#include "model/summary.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <string_view>

using namespace honbu;

namespace {

const Form4Computed& computed(std::string_view key) {
  for (const Form4Computed& c : form4_computed())
    if (c.key == key) return c;
  ADD_FAILURE() << "no computed row " << key;
  return form4_computed().front();
}

// Per-field totals for form4_compute, evaluating computed keys recursively, the way a
// caller that only has the raw field values would.
struct Totals {
  std::map<std::string, Value, std::less<>> values;  // absent key = never reported
  TriTotal operator()(std::string_view key) const {
    for (const Form4Computed& c : form4_computed())
      if (c.key == key) return form4_compute(c, *this);
    TriTotal t;
    auto it = values.find(key);
    t.add(it == values.end() ? Value{} : it->second);
    return t;
  }
};

}  // namespace

// ---------------------------------------------------------------- rows as data

TEST(Form4Rows, KeysUniqueAcrossFieldsTextsAndComputed) {
  std::set<std::string_view> keys;
  for (const Form4Field& f : form4_fields()) EXPECT_TRUE(keys.insert(f.key).second) << f.key;
  for (const Form4Text& t : form4_texts()) EXPECT_TRUE(keys.insert(t.key).second) << t.key;
  for (const Form4Computed& c : form4_computed()) EXPECT_TRUE(keys.insert(c.key).second) << c.key;
  for (const Form4BlockInfo& b : form4_blocks()) {
    EXPECT_FALSE(b.key.empty());
    EXPECT_FALSE(b.ja.empty());
    EXPECT_FALSE(b.en.empty());
  }
}

TEST(Form4Rows, KeysAreLowercaseColumnNames) {
  auto column_name = [](std::string_view k) {
    if (k.empty() || !(k[0] >= 'a' && k[0] <= 'z')) return false;
    for (char c : k)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
  };
  for (const Form4Field& f : form4_fields()) EXPECT_TRUE(column_name(f.key)) << f.key;
  for (const Form4Text& t : form4_texts()) EXPECT_TRUE(column_name(t.key)) << t.key;
  for (const Form4Computed& c : form4_computed()) EXPECT_TRUE(column_name(c.key)) << c.key;
}

TEST(Form4Rows, EveryFieldHasLabelsAndUnits) {
  for (const Form4Field& f : form4_fields()) {
    EXPECT_FALSE(f.ja.empty()) << f.key;
    EXPECT_FALSE(f.en.empty()) << f.key;
    EXPECT_FALSE(f.unit_ja.empty()) << f.key;
    EXPECT_FALSE(f.unit_en.empty()) << f.key;
  }
  for (const Form4Text& t : form4_texts()) {
    EXPECT_FALSE(t.ja.empty()) << t.key;
    EXPECT_FALSE(t.en.empty()) << t.key;
  }
}

TEST(Form4Rows, EveryBlockHasRows) {
  // Every printed block has typed count rows, except り災 whose rows are all computed.
  for (const Form4BlockInfo& b : form4_blocks()) {
    int fields = 0, totals = 0;
    for (const Form4Field& f : form4_fields()) fields += f.block == b.block;
    for (const Form4Computed& c : form4_computed()) totals += c.block == b.block;
    if (b.block == Form4Block::Risai) {
      EXPECT_EQ(fields, 0) << "り災 is computed, never typed";
      EXPECT_EQ(totals, 2);
    } else {
      EXPECT_GT(fields, 0) << b.key;
    }
  }
}

TEST(Form4Rows, EveryRowBelongsToAListedBlock) {
  std::set<Form4Block> blocks;
  for (const Form4BlockInfo& b : form4_blocks()) EXPECT_TRUE(blocks.insert(b.block).second) << b.key;
  EXPECT_EQ(blocks.size(), 8u);
  for (const Form4Field& f : form4_fields()) EXPECT_EQ(blocks.count(f.block), 1u) << f.key;
  for (const Form4Computed& c : form4_computed()) EXPECT_EQ(blocks.count(c.block), 1u) << c.key;
}

TEST(Form4Rows, BlockLookup) {
  for (const Form4BlockInfo& b : form4_blocks()) EXPECT_EQ(&form4_block(b.block), &b);
  EXPECT_EQ(form4_block(Form4Block::DamageAmount).ja, "被害額");
  EXPECT_EQ(form4_block(Form4Block::Human).key, "human");
}

TEST(Form4Rows, FindField) {
  const Form4Field* f = find_form4_field("dead");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->ja, "死者");
  EXPECT_EQ(f->block, Form4Block::Human);
  EXPECT_EQ(find_form4_field("human_total"), nullptr);  // computed, not a field
  EXPECT_EQ(find_form4_field("place"), nullptr);        // text, not a count
  EXPECT_EQ(find_form4_field(""), nullptr);
  for (const Form4Field& x : form4_fields()) EXPECT_EQ(find_form4_field(x.key), &x);
}

TEST(Form4Rows, HousingRowsInThreeUnits) {
  for (std::string_view row : {"full", "large_half", "medium_half", "half", "partial",
                               "flood_above", "flood_below"}) {
    for (std::string_view unit : {"_bldg", "_hh", "_persons"}) {
      const Form4Field* f = find_form4_field(std::string(row) + std::string(unit));
      ASSERT_NE(f, nullptr) << row << unit;
      EXPECT_EQ(f->block, Form4Block::Housing);
    }
  }
  EXPECT_EQ(find_form4_field("full_bldg")->unit_ja, "棟");
  EXPECT_EQ(find_form4_field("full_hh")->unit_ja, "世帯");
  EXPECT_EQ(find_form4_field("full_persons")->unit_ja, "人");
  // 中規模半壊 is printed only where the prefecture uses it (domain.md §2, open point).
  EXPECT_TRUE(find_form4_field("medium_half_bldg")->optional_row);
  EXPECT_FALSE(find_form4_field("half_bldg")->optional_row);
}

TEST(Form4Rows, OnlyFarmlandAreasAreHectares) {
  std::set<std::string_view> ha;
  for (const Form4Field& f : form4_fields())
    if (f.hectares) {
      ha.insert(f.key);
      EXPECT_EQ(f.unit_ja, "ha");
    }
  EXPECT_EQ(ha, (std::set<std::string_view>{"paddy_washed", "paddy_flooded", "field_washed",
                                            "field_flooded"}));
}

TEST(Form4Rows, ComputedInputsExistAndComeFirst) {
  // Inputs are fields or computed rows listed earlier, so one pass in order evaluates all.
  std::set<std::string_view> done;
  for (const Form4Computed& c : form4_computed()) {
    EXPECT_FALSE(c.inputs.empty()) << c.key;
    for (std::string_view in : c.inputs)
      EXPECT_TRUE(find_form4_field(in) != nullptr || done.count(in) == 1)
          << c.key << " uses unknown or later input " << in;
    done.insert(c.key);
  }
}

TEST(Form4Rows, ComputedRowsSumTheRightInputs) {
  const auto inputs = [](std::string_view key) {
    const Form4Computed& c = computed(key);
    return std::set<std::string_view>(c.inputs.begin(), c.inputs.end());
  };
  using S = std::set<std::string_view>;
  EXPECT_EQ(inputs("human_total"), (S{"dead", "missing", "injured_severe", "injured_minor"}));
  EXPECT_EQ(inputs("dmg_subtotal"), (S{"dmg_public_school", "dmg_agri_facility",
                                       "dmg_public_works", "dmg_other_public"}));
  EXPECT_EQ(inputs("dmg_total"), (S{"dmg_subtotal", "dmg_agriculture", "dmg_forestry",
                                    "dmg_livestock", "dmg_fishery", "dmg_commerce", "dmg_other"}));
  // り災: 全壊, 半壊 (大規模・中規模を含む) and 床上浸水; not 一部破損 nor 床下浸水.
  EXPECT_EQ(inputs("risai_hh"),
            (S{"full_hh", "large_half_hh", "medium_half_hh", "half_hh", "flood_above_hh"}));
  EXPECT_EQ(inputs("risai_persons"), (S{"full_persons", "large_half_persons",
                                        "medium_half_persons", "half_persons",
                                        "flood_above_persons"}));
}

TEST(Form4Rows, EveryDamageAmountFieldCountsTowardTheTotal) {
  // No 千円 row may be left out of 被害総額 (directly or through 小計).
  std::set<std::string_view> counted;
  for (std::string_view in : computed("dmg_total").inputs) counted.insert(in);
  for (std::string_view in : computed("dmg_subtotal").inputs) counted.insert(in);
  for (const Form4Field& f : form4_fields())
    if (f.block == Form4Block::DamageAmount) {
      EXPECT_EQ(counted.count(f.key), 1u) << f.key;
    }
}

// ---------------------------------------------------------------- TriTotal

TEST(Form4TriTotal, NothingReportedIsUnknownNotZero) {
  TriTotal t;
  EXPECT_TRUE(t.all_unknown());
  EXPECT_EQ(t.display(Lang::Ja), "未確認");
  EXPECT_EQ(t.display(Lang::En), "unknown");
}

TEST(Form4TriTotal, AllInputsUnknownDisplaysUnknown) {
  TriTotal t;
  t.add(Value{});
  t.add(Value{});
  EXPECT_TRUE(t.all_unknown());
  EXPECT_EQ(t.unknown_inputs, 2);
  EXPECT_EQ(t.known_inputs, 0);
  EXPECT_EQ(t.display(Lang::Ja), "未確認");
  EXPECT_EQ(t.display(Lang::En), "unknown");
  EXPECT_EQ(t.display(Lang::Ja, true), "未確認");
}

// 避難者 1797人, not a bare 1797 beside 世帯 778; 未確認 carries no unit.
TEST(Form4TriTotal, WithItsUnit) {
  TriTotal t;
  EXPECT_EQ(t.display(Lang::Ja, "人", "persons"), "未確認");
  t.add(Value{std::int64_t{1797}});
  EXPECT_EQ(t.display(Lang::Ja, "人", "persons"), "1797人");
  EXPECT_EQ(t.display(Lang::En, "人", "persons"), "1797 persons");
  t.add(Value{});
  EXPECT_EQ(t.display(Lang::Ja, "人", "persons"), "1797人(+未確認)");
  EXPECT_EQ(t.display(Lang::En, "世帯", "households"), "1797 households (+unknown)");
  TriTotal one;
  one.add(Value{std::int64_t{1}});
  EXPECT_EQ(one.display(Lang::En, "人", "persons"), "1 person");
  EXPECT_EQ(one.display(Lang::Ja, "人", "persons"), "1人");
  EXPECT_EQ(one.display(Lang::En, "ha", "ha"), "1 ha");
}

TEST(Form4TriTotal, ZeroIsAKnownValue) {
  TriTotal t;
  t.add(Value{std::int64_t{0}});
  EXPECT_FALSE(t.all_unknown());
  EXPECT_EQ(t.display(Lang::Ja), "0");
  EXPECT_EQ(t.display(Lang::En), "0");
}

TEST(Form4TriTotal, AllKnownShowsTheSum) {
  TriTotal t;
  t.add(Value{std::int64_t{3}});
  t.add(Value{std::int64_t{0}});
  t.add(Value{std::int64_t{9}});
  EXPECT_EQ(t.sum, 12);
  EXPECT_EQ(t.known_inputs, 3);
  EXPECT_EQ(t.unknown_inputs, 0);
  EXPECT_EQ(t.display(Lang::Ja), "12");
  EXPECT_EQ(t.display(Lang::En), "12");
}

TEST(Form4TriTotal, PartlyUnknownShowsSumAndMarker) {
  TriTotal t;
  t.add(Value{std::int64_t{12}});
  t.add(Value{});
  EXPECT_FALSE(t.all_unknown());
  EXPECT_EQ(t.display(Lang::Ja), "12 (+未確認)");
  EXPECT_EQ(t.display(Lang::En), "12 (+unknown)");
}

TEST(Form4TriTotal, PartlyUnknownWithZeroKnownIsNotPlainZero) {
  TriTotal t;
  t.add(Value{std::int64_t{0}});
  t.add(Value{});
  EXPECT_EQ(t.display(Lang::Ja), "0 (+未確認)");
}

TEST(Form4TriTotal, TextValuesCountAsUnknown) {
  TriTotal t;
  t.add(Value{std::string("12")});
  EXPECT_TRUE(t.all_unknown());
  EXPECT_EQ(t.unknown_inputs, 1);
}

TEST(Form4TriTotal, RealInputsAdd) {
  TriTotal t;
  t.add(Value{1.5});
  t.add(Value{std::int64_t{2}});
  EXPECT_DOUBLE_EQ(t.sum, 3.5);
  EXPECT_EQ(t.known_inputs, 2);
}

TEST(Form4TriTotal, HectaresDisplayWithOneDecimal) {
  TriTotal t;
  t.add(Value{1.2});
  t.add(Value{0.3});
  EXPECT_EQ(t.display(Lang::Ja, true), "1.5");
  TriTotal whole;
  whole.add(Value{std::int64_t{3}});
  EXPECT_EQ(whole.display(Lang::Ja, true), "3.0");
  TriTotal partly;
  partly.add(Value{12.34});
  partly.add(Value{});
  EXPECT_EQ(partly.display(Lang::En, true), "12.3 (+unknown)");
}

TEST(Form4TriTotal, CountsDisplayWithoutDecimals) {
  TriTotal t;
  t.add(Value{std::int64_t{1'234'567}});
  EXPECT_EQ(t.display(Lang::Ja), "1234567");
}

TEST(Form4TriTotal, AddingTotalsKeepsBothCounts) {
  TriTotal a, b;
  a.add(Value{std::int64_t{5}});
  a.add(Value{});
  b.add(Value{std::int64_t{7}});
  b.add(Value{});
  b.add(Value{});
  a.add(b);
  EXPECT_EQ(a.sum, 12);
  EXPECT_EQ(a.known_inputs, 2);
  EXPECT_EQ(a.unknown_inputs, 3);
  EXPECT_EQ(a.display(Lang::Ja), "12 (+未確認)");
}

TEST(Form4TriTotal, AddingAnAllUnknownTotalKeepsItUnknown) {
  TriTotal a, b;
  b.add(Value{});
  a.add(b);
  EXPECT_TRUE(a.all_unknown());
  EXPECT_EQ(a.display(Lang::Ja), "未確認");
}

// ---------------------------------------------------------------- form4_compute

TEST(Form4Compute, HumanTotalAllKnown) {
  Totals v;
  v.values = {{"dead", std::int64_t{2}},
              {"missing", std::int64_t{1}},
              {"injured_severe", std::int64_t{3}},
              {"injured_minor", std::int64_t{10}}};
  const TriTotal t = form4_compute(computed("human_total"), v);
  EXPECT_EQ(t.sum, 16);
  EXPECT_EQ(t.display(Lang::Ja), "16");
}

TEST(Form4Compute, HumanTotalWithAnUnknownRow) {
  Totals v;
  v.values = {{"dead", std::int64_t{2}}, {"missing", Value{}}, {"injured_minor", std::int64_t{4}}};
  const TriTotal t = form4_compute(computed("human_total"), v);
  EXPECT_EQ(t.known_inputs, 2);
  EXPECT_EQ(t.unknown_inputs, 2);  // missing (null) and injured_severe (never reported)
  EXPECT_EQ(t.display(Lang::Ja), "6 (+未確認)");
}

TEST(Form4Compute, NothingReportedIsUnknown) {
  const Totals v;
  for (const Form4Computed& c : form4_computed()) {
    const TriTotal t = form4_compute(c, v);
    EXPECT_TRUE(t.all_unknown()) << c.key;
    EXPECT_EQ(t.display(Lang::Ja), "未確認") << c.key;
  }
}

TEST(Form4Compute, DamageSubtotal) {
  Totals v;
  v.values = {{"dmg_public_school", std::int64_t{1'000}},
              {"dmg_agri_facility", std::int64_t{2'500}},
              {"dmg_public_works", std::int64_t{120'000}},
              {"dmg_other_public", std::int64_t{0}}};
  const TriTotal t = form4_compute(computed("dmg_subtotal"), v);
  EXPECT_EQ(t.sum, 123'500);
  EXPECT_EQ(t.display(Lang::Ja), "123500");
}

TEST(Form4Compute, DamageTotalIncludesTheNestedSubtotal) {
  Totals v;
  v.values = {{"dmg_public_school", std::int64_t{1'000}}, {"dmg_agri_facility", std::int64_t{2'000}},
              {"dmg_public_works", std::int64_t{3'000}},  {"dmg_other_public", std::int64_t{4'000}},
              {"dmg_agriculture", std::int64_t{100}},     {"dmg_forestry", std::int64_t{200}},
              {"dmg_livestock", std::int64_t{300}},       {"dmg_fishery", std::int64_t{400}},
              {"dmg_commerce", std::int64_t{500}},        {"dmg_other", std::int64_t{600}}};
  const TriTotal total = form4_compute(computed("dmg_total"), v);
  EXPECT_EQ(total.sum, 10'000 + 2'100);
  EXPECT_EQ(total.unknown_inputs, 0);
  EXPECT_EQ(total.display(Lang::En), "12100");
}

TEST(Form4Compute, UnknownInsideTheSubtotalShowsInTheTotal) {
  Totals v;
  v.values = {{"dmg_public_school", std::int64_t{1'000}}, {"dmg_public_works", Value{}},
              {"dmg_agriculture", std::int64_t{50}}};
  const TriTotal sub = form4_compute(computed("dmg_subtotal"), v);
  EXPECT_EQ(sub.display(Lang::Ja), "1000 (+未確認)");
  const TriTotal total = form4_compute(computed("dmg_total"), v);
  EXPECT_EQ(total.sum, 1'050);
  EXPECT_GT(total.unknown_inputs, 0);
  EXPECT_EQ(total.display(Lang::Ja), "1050 (+未確認)");
}

TEST(Form4Compute, TotalOfOnlyUnknownSubtotalAndUnknownRowsIsUnknown) {
  Totals v;
  v.values = {{"dmg_public_school", Value{}}, {"dmg_agriculture", Value{}}};
  EXPECT_EQ(form4_compute(computed("dmg_total"), v).display(Lang::En), "unknown");
}

TEST(Form4Compute, RisaiCountsHalfDestroyedRowsButNotPartialDamage) {
  Totals v;
  v.values = {{"full_hh", std::int64_t{2}},        {"large_half_hh", std::int64_t{3}},
              {"medium_half_hh", std::int64_t{4}}, {"half_hh", std::int64_t{5}},
              {"flood_above_hh", std::int64_t{6}}, {"partial_hh", std::int64_t{1'000}},
              {"flood_below_hh", std::int64_t{1'000}}};
  const TriTotal t = form4_compute(computed("risai_hh"), v);
  EXPECT_EQ(t.sum, 20);
  EXPECT_EQ(t.display(Lang::Ja), "20");
}

TEST(Form4Compute, WorksWithALookupReturningValues) {
  // form4_compute accepts any lookup whose result TriTotal::add takes.
  const TriTotal t = form4_compute(computed("human_total"), [](std::string_view k) {
    return k == "dead" ? Value{std::int64_t{1}} : Value{};
  });
  EXPECT_EQ(t.display(Lang::En), "1 (+unknown)");
}

// 中規模半壊 is an optional row (many prefectures' forms lack it): the dashboard's block text
// leaves it out of the 未確認 list while nobody reports it, but shows it once someone does.
// It used to be dropped even when reported, so a known figure never reached HQ's screen.
TEST(Form4Rows, AnOptionalRowShowsOnceReportedAndIsNotListedUnknownBefore) {
  auto housing = [](const Form4Totals& t) {
    for (const Form4BlockText& b : form4_block_texts(t, Lang::Ja))
      if (b.block == Form4Block::Housing) return b;
    ADD_FAILURE() << "no housing block";
    return Form4BlockText{};
  };
  const Form4BlockText before = housing(Form4Totals{});
  EXPECT_EQ(before.unknown.find("中規模半壊"), std::string::npos) << before.unknown;
  EXPECT_NE(before.unknown.find("大規模半壊"), std::string::npos) << before.unknown;
  Form4Totals reported;
  reported.totals["medium_half_bldg"] = TriTotal{3, 0, 1};
  const Form4BlockText after = housing(reported);
  EXPECT_NE(after.known.find("中規模半壊 3棟"), std::string::npos) << after.known;
}
