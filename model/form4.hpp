// 消防庁 第4号様式 (火災・災害等即報要領): the count and text fields of その1/その2 as data,
// and the totals that are computed, never typed (小計, 被害総額, り災).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "model/labels.hpp"
#include "model/value.hpp"

namespace honbu {

enum class Form4Block {
  Human,           // 人的被害
  Housing,         // 住家被害
  NonResidential,  // 非住家
  Other,           // その他
  Risai,           // り災 (computed)
  Fire,            // 火災発生
  DamageAmount,    // 被害額 (千円)
  FireService,     // 消防 (出動延人数)
};

struct Form4BlockInfo {
  Form4Block block;
  std::string_view key, ja, en;
};
std::span<const Form4BlockInfo> form4_blocks();  // in the form's printed order
const Form4BlockInfo& form4_block(Form4Block b);

// One count row of the form. Counts are tri-state: a number, zero, or 未確認 (null).
struct Form4Field {
  std::string_view key;  // column name in branch_reports
  Form4Block block;
  std::string_view ja, en;
  std::string_view unit_ja, unit_en;
  bool hectares = false;   // 田/畑 areas are decimals in ha; every other row is an integer
  bool optional_row = false;  // e.g. 中規模半壊: printed only where the prefecture uses it
};
std::span<const Form4Field> form4_fields();
const Form4Field* find_form4_field(std::string_view key);

// Free-text items of その1 and the 備考 block.
struct Form4Text {
  std::string_view key, ja, en;
};
std::span<const Form4Text> form4_texts();

// A total over tri-state inputs: the known sum, and whether some inputs were 未確認.
struct TriTotal {
  double sum = 0;           // sum of reported numbers (integers stay exact below 2^53)
  int unknown_inputs = 0;   // inputs that were 未確認 (null or never reported)
  int known_inputs = 0;
  bool all_unknown() const { return known_inputs == 0; }
  void add(const Value& v);
  void add(const TriTotal& other);
  // "12", "12 (+未確認)", "未確認" / "12 (+unknown)", "unknown".
  std::string display(Lang lang, bool hectares = false) const;
  // With its unit, as 第4号様式 writes it: "12人(+未確認)", "12 persons (+unknown)"; 未確認
  // alone carries none.
  std::string display(Lang lang, std::string_view unit_ja, std::string_view unit_en, bool hectares = false) const;
};

// Totals computed from other fields (never typed by anyone).
struct Form4Computed {
  std::string_view key, ja, en, unit_ja, unit_en;
  Form4Block block;
  std::span<const std::string_view> inputs;  // field keys or other computed keys
};
std::span<const Form4Computed> form4_computed();

// Evaluates the computed totals over a set of per-field totals (key -> TriTotal).
template <class Lookup>
TriTotal form4_compute(const Form4Computed& c, Lookup&& field_total);

template <class Lookup>
TriTotal form4_compute(const Form4Computed& c, Lookup&& field_total) {
  TriTotal t;
  for (std::string_view in : c.inputs) t.add(field_total(in));
  return t;
}

}  // namespace honbu
