#include "model/validation.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "model/text.hpp"
#include "model/time.hpp"

namespace honbu {

namespace {

constexpr size_t kTextMax = 200;
constexpr size_t kLongTextMax = 4000;

std::string label_ja(const FieldSpec* f, std::string_view name) {
  return f ? std::string(f->ja) : std::string(name);
}
std::string label_en(const FieldSpec* f, std::string_view name) {
  return f ? std::string(f->en) : std::string(name);
}

class Collector {
 public:
  explicit Collector(std::vector<Problem>& out) : out_(out) {}
  void add(const FieldSpec* f, std::string_view name, std::string_view code, std::string ja,
           std::string en) {
    // Built with append: GCC 12 gives a false -Wrestrict on "「" + std::string + ... at -O2.
    std::string msg_ja = "「";
    msg_ja.append(label_ja(f, name)).append("」").append(ja);
    std::string msg_en = "\"";
    msg_en.append(label_en(f, name)).append("\" ").append(en);
    out_.push_back(Problem{std::string(name), std::string(code), std::move(msg_ja), std::move(msg_en)});
  }
  void whole(std::string_view code, std::string ja, std::string en) {
    out_.push_back(Problem{"", std::string(code), std::move(ja), std::move(en)});
  }

 private:
  std::vector<Problem>& out_;
};

std::string fmt_number(double v) {
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e20)  // whole numbers in digits: 9.22337e+18 read as a typo
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

bool is_unknown_word(std::string_view s) {
  return s.empty() || s == "未確認" || s == "不明" || s == "unknown" || s == "-" || s == "－";
}

// Text from a form for a numeric field: "1,234" and "１２" are fine; returns false if not a number.
bool parse_number(std::string text, bool integer_only, Value& out) {
  std::string digits;
  for (char c : text)
    if (c != ',') digits += c;
  if (digits.empty()) return false;
  if (integer_only) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || p != digits.data() + digits.size()) return false;
    out = v;
    return true;
  }
  double d = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
  if (ec != std::errc() || p != digits.data() + digits.size() || !std::isfinite(d)) return false;
  out = d;
  return true;
}

void check_range(const FieldSpec& f, double v, Collector& c) {
  if (v < f.min) {
    if (f.min == 0)
      c.add(&f, f.name, "negative", "は0以上で入力してください（" + fmt_number(v) + "）",
            "must be zero or more (got " + fmt_number(v) + ")");
    else
      c.add(&f, f.name, "out_of_range", "は" + fmt_number(f.min) + "以上です（" + fmt_number(v) + "）",
            "must be at least " + fmt_number(f.min) + " (got " + fmt_number(v) + ")");
  } else if (v > f.max) {
    c.add(&f, f.name, "out_of_range", "は" + fmt_number(f.max) + "以下です（" + fmt_number(v) + "）",
          "must be at most " + fmt_number(f.max) + " (got " + fmt_number(v) + ")");
  }
}

void normalize_field(const FieldSpec& f, Value& v, const ValidateOptions& opt, Collector& c) {
  // Text is normalised first; numeric fields typed as text ("１２") are converted.
  if (auto* s = std::get_if<std::string>(&v)) {
    if (!is_valid_utf8(*s)) {
      c.add(&f, f.name, "bad_utf8", "に不正な文字コードが含まれています",
            "contains bytes that are not valid UTF-8");
      return;
    }
    if (const std::size_t at = find_control_char(*s); at != std::string::npos) {
      char code[8];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(static_cast<unsigned char>((*s)[at])));
      const std::string where = std::to_string(utf8_length(std::string_view(*s).substr(0, at)) + 1);
      c.add(&f, f.name, "control_char", "に制御文字(" + std::string(code) + ")が含まれています(" + where + "文字目)",
            "contains a control character (" + std::string(code) + ") at character " + where);
      return;
    }
    *s = normalize_text(*s);
  }
  const bool nullable_number = f.type == FieldType::Count || f.type == FieldType::Measure ||
                               f.type == FieldType::Real || f.type == FieldType::Int;
  switch (f.type) {
    case FieldType::Text:
    case FieldType::LongText:
    case FieldType::Ref: {
      if (is_null(v)) return;
      const std::string* s = as_text(v);
      if (!s) {
        c.add(&f, f.name, "not_text", "は文字で入力してください", "must be text");
        return;
      }
      const size_t limit = f.type == FieldType::LongText ? kLongTextMax : kTextMax;
      if (utf8_length(*s) > limit)
        c.add(&f, f.name, "too_long",
              "が長すぎます（" + std::to_string(utf8_length(*s)) + "文字、上限" +
                  std::to_string(limit) + "文字）",
              "is too long (" + std::to_string(utf8_length(*s)) + " characters, limit " +
                  std::to_string(limit) + ")");
      if (f.type == FieldType::Ref && !s->empty() && !is_valid_entity_id(*s))
        c.add(&f, f.name, "bad_ref", "の参照IDが不正です", "is not a valid id");
      if (s->empty()) v = std::monostate{};
      return;
    }
    case FieldType::Enum: {
      if (is_null(v)) return;
      const std::string* s = as_text(v);
      if (!s) {
        c.add(&f, f.name, "not_text", "は選択肢から選んでください", "must be one of the choices");
        return;
      }
      if (s->empty()) {
        v = std::monostate{};
        return;
      }
      const std::string_view code = f.enumeration->code_for(*s);
      if (!code.empty()) {
        v = std::string(code);
      } else if (!f.open_enum && !opt.lenient_enums) {
        std::string choices_ja, choices_en;
        for (const Label& l : f.enumeration->values) {
          choices_ja += (choices_ja.empty() ? "" : "、") + std::string(l.ja);
          choices_en += (choices_en.empty() ? "" : ", ") + std::string(l.en);
        }
        c.add(&f, f.name, "unknown_value",
              "の値「" + *s + "」は選択肢にありません（" + choices_ja + "）",
              "has no choice \"" + *s + "\" (choices: " + choices_en + ")");
      }
      return;
    }
    case FieldType::Time: {
      if (is_null(v)) return;
      const std::string* s = as_text(v);
      auto t = s ? parse_iso(*s) : std::nullopt;
      if (s && s->empty()) {
        v = std::monostate{};
      } else if (!t) {
        c.add(&f, f.name, "bad_time",
              "の日時が読み取れません（例: 2026-11-22 13:45）",
              "is not a date and time (e.g. 2026-11-22 13:45)");
      } else {
        v = format_iso_jst(*t);
      }
      return;
    }
    case FieldType::Bool: {
      if (is_null(v)) return;
      if (const std::string* s = as_text(v)) {
        if (*s == "1" || *s == "true" || *s == "はい" || *s == "可" || *s == "yes")
          v = std::int64_t{1};
        else if (*s == "0" || *s == "false" || *s == "いいえ" || *s == "不可" || *s == "no")
          v = std::int64_t{0};
        else if (s->empty())
          v = std::monostate{};
        else
          c.add(&f, f.name, "not_bool", "は「はい」か「いいえ」です", "must be yes or no");
        return;
      }
      auto i = as_int(v);
      if (!i || (*i != 0 && *i != 1))
        c.add(&f, f.name, "not_bool", "は「はい」か「いいえ」です", "must be yes or no");
      return;
    }
    case FieldType::Int:
    case FieldType::Count:
    case FieldType::Real:
    case FieldType::Measure: {
      const bool integer_only = f.type == FieldType::Int || f.type == FieldType::Count;
      if (const std::string* s = as_text(v)) {
        if (nullable_number && is_unknown_word(*s)) {
          v = std::monostate{};
          return;
        }
        Value parsed;
        if (!parse_number(*s, integer_only, parsed)) {
          c.add(&f, f.name, "not_a_number",
                integer_only ? "は整数で入力してください（「" + *s + "」）"
                             : "は数値で入力してください（「" + *s + "」）",
                integer_only ? "must be a whole number (got \"" + *s + "\")"
                             : "must be a number (got \"" + *s + "\")");
          return;
        }
        v = parsed;
      }
      if (is_null(v)) return;  // 未確認 for counts; "not set" otherwise
      if (integer_only && !as_int(v)) {
        // 3.0 from a spreadsheet is fine; 3.5 people is not.
        double d = *as_real(v);
        if (d == std::floor(d) && std::fabs(d) < 9e15) {
          v = static_cast<std::int64_t>(d);
        } else {
          c.add(&f, f.name, "not_integer", "は整数で入力してください", "must be a whole number");
          return;
        }
      }
      if (f.type == FieldType::Real || f.type == FieldType::Measure) v = *as_real(v);
      if (!std::isfinite(*as_real(v))) {
        c.add(&f, f.name, "not_a_number", "は数値で入力してください", "must be a finite number");
        return;
      }
      if (opt.delta) return;  // deltas may be negative (a correction of a delivery count)
      check_range(f, *as_real(v), c);
      return;
    }
  }
}

std::optional<double> number_of(const Fields& fields, std::string_view name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::nullopt : as_real(it->second);
}
const std::string* text_of(const Fields& fields, std::string_view name) {
  auto it = fields.find(name);
  return it == fields.end() ? nullptr : as_text(it->second);
}

void check_part_of_whole(const EntitySpec& s, const Fields& fields, std::string_view part,
                         std::string_view whole, Collector& c) {
  auto p = number_of(fields, part), w = number_of(fields, whole);
  if (p && w && *p > *w) {
    const FieldSpec* pf = s.field(part);
    const FieldSpec* wf = s.field(whole);
    c.add(pf, part, "part_exceeds_whole",
          "が「" + std::string(wf->ja) + "」より多くなっています",
          "is larger than \"" + std::string(wf->en) + "\"");
  }
}

void check_id_matches(std::string_view id, const std::string& expected, std::string_view what_ja,
                      std::string_view what_en, Collector& c) {
  if (id != expected)
    c.whole("id_mismatch",
            "IDは" + std::string(what_ja) + "から作られた「" + expected + "」である必要があります（「" +
                std::string(id) + "」）",
            "the id must be \"" + expected + "\", made from the " + std::string(what_en) +
                " (got \"" + std::string(id) + "\")");
}

void check_required(const EntitySpec& s, const Fields& fields, Collector& c) {
  for (const FieldSpec& f : s.fields) {
    if (!f.required) continue;
    auto it = fields.find(f.name);
    if (it == fields.end() || is_null(it->second)) c.add(&f, f.name, "required", "は必須です", "is required");
  }
}

void cross_field_checks(const EntitySpec& s, std::string_view id, const Fields& fields,
                        const ValidateOptions& opt, Collector& c) {
  for (std::string_view code_field : {"municipality_code"}) {
    const std::string* code = text_of(fields, code_field);
    if (code && !code->empty() && !is_valid_municipality_code(*code))
      c.add(s.field(code_field), code_field, "bad_municipality_code",
            "「" + *code + "」は6桁の団体コードとして正しくありません（検査数字の誤り）",
            "\"" + *code + "\" is not a valid 6-digit municipality code (check digit)");
  }
  // Any kind with a position (incident, area, shelter). Null ("" or 未確認 once normalised)
  // is not a coordinate.
  if (opt.creating && s.field("lat") && s.field("lon")) {
    auto given = [&](std::string_view name) {
      auto it = fields.find(name);
      return it != fields.end() && !is_null(it->second);
    };
    if (given("lat") != given("lon"))
      c.whole("lat_lon_pair", "緯度と経度は両方入力してください",
              "latitude and longitude go together: give both or neither");
  }
  switch (s.kind) {
    case EntityKind::Shelter: {
      check_part_of_whole(s, fields, "evacuees_voluntary", "evacuees", c);
      check_part_of_whole(s, fields, "households_voluntary", "households", c);
      const std::string* opened = text_of(fields, "opened_at");
      const std::string* closed = text_of(fields, "closed_at");
      if (opened && closed && *closed < *opened)
        c.add(s.field("closed_at"), "closed_at", "before_open", "が開設日時より前です",
              "is before the opening time");
      break;
    }
    case EntityKind::Lifeline:
      if (opt.creating) {
        const std::string* area = text_of(fields, "area_id");
        const std::string* type = text_of(fields, "lifeline_type");
        if (area && type) check_id_matches(id, lifeline_id(*area, *type), "地区と種別", "area and type", c);
      }
      break;
    case EntityKind::ShelterSupply:
      if (opt.creating) {
        const std::string* shelter = text_of(fields, "shelter_id");
        const std::string* item = text_of(fields, "item");
        if (shelter && item)
          check_id_matches(id, shelter_supply_id(*shelter, *item), "避難所と品目", "shelter and item", c);
      }
      break;
    case EntityKind::BranchReport:
      if (opt.creating) {
        const std::string* branch = text_of(fields, "branch_id");
        auto no = number_of(fields, "report_no");
        if (branch && no)
          check_id_matches(id, branch_report_id(*branch, static_cast<std::int64_t>(*no)),
                           "支所と報告番号", "branch and report number", c);
      }
      break;
    case EntityKind::HqState:
      if (id != kHqStateId)
        c.whole("id_mismatch", "本部体制のIDは「hq」です", "the HQ state's id is \"hq\"");
      break;
    default:
      break;
  }
}

// True when `v` is certainly valid and in normal form for `f` (no allocation).
bool fast_valid(const FieldSpec& f, const Value& v, const ValidateOptions& opt) {
  if (opt.delta) return as_int(v).has_value();
  if (is_null(v)) return true;
  switch (f.type) {
    case FieldType::Text:
    case FieldType::LongText:
    case FieldType::Ref: {
      const std::string* s = as_text(v);
      if (!s || s->empty() || !is_normalized_text_fast(*s) || !is_valid_utf8(*s)) return false;
      if (find_control_char(*s) != std::string::npos) return false;
      const size_t limit = f.type == FieldType::LongText ? kLongTextMax : kTextMax;
      if (s->size() > limit && utf8_length(*s) > limit) return false;
      return f.type != FieldType::Ref || is_valid_entity_id(*s);
    }
    case FieldType::Enum: {
      const std::string* s = as_text(v);
      return s && (f.enumeration->find(*s) || ((f.open_enum || opt.lenient_enums) && !s->empty() &&
                                               is_normalized_text_fast(*s) && is_valid_utf8(*s)));
    }
    case FieldType::Time: {
      // Canonical form only: YYYY-MM-DDTHH:MM:SS+09:00 with a real date.
      const std::string* s = as_text(v);
      if (!s || s->size() != 25 || (*s)[10] != 'T' || s->compare(19, 6, "+09:00") != 0) return false;
      if ((*s)[17] == '6') return false;  // leap second: let the slow path normalise it
      return parse_iso(*s).has_value();
    }
    case FieldType::Bool: {
      auto i = as_int(v);
      return i && (*i == 0 || *i == 1);
    }
    case FieldType::Int:
    case FieldType::Count: {
      auto i = as_int(v);
      return i && static_cast<double>(*i) >= f.min && static_cast<double>(*i) <= f.max;
    }
    case FieldType::Real:
    case FieldType::Measure: {
      const double* d = std::get_if<double>(&v);
      return d && std::isfinite(*d) && *d >= f.min && *d <= f.max;
    }
  }
  return false;
}

}  // namespace

std::vector<Problem> validate_received(const EntitySpec& s, std::string_view id,
                                       const Fields& fields, const ValidateOptions& opt) {
  std::vector<Problem> problems;
  Collector c(problems);
  if (!is_valid_entity_id(id)) c.whole("bad_id", "IDが不正です", "the id is empty, too long or contains control characters");
  for (const auto& [name, value] : fields) {
    const FieldSpec* f = s.field(name);
    if (!f) {
      if (!opt.lenient_enums)  // from a newer schema: kept in the log, not materialised
        c.add(nullptr, name, "unknown_field", "は" + std::string(s.ja) + "の項目ではありません",
              "is not a field of " + std::string(s.en));
      continue;
    }
    if (opt.delta != (f->rule == MergeRule::Counter)) {
      c.add(f, name, opt.delta ? "not_a_counter" : "counter_set_directly",
            "はこの操作で変更できません", "cannot be changed by this kind of op");
      continue;
    }
    if (fast_valid(*f, value, opt)) continue;
    // Slow path: find out why, on a copy of this one value.
    Value copy = value;
    const size_t before = problems.size();
    normalize_field(*f, copy, opt, c);
    if (problems.size() == before && copy != value)
      c.add(f, name, "not_normalized", "の値が正規化されていません", "is not in normal form");
  }
  // A grow-only record (クロノロ, 第N報, 発令, 発信記録) is made whole by one op: its creation
  // fields never change afterwards. A peer's op that makes one without a required field would
  // leave, say, a chronology line with no number or time for ever, so it is refused like a
  // local one. Its later ops (a chronology entry's state) carry no creation field. An op
  // from a newer schema may know better what is required: not judged here.
  if (s.grow_only && !opt.delta && !opt.lenient_enums) {
    const bool creates = std::any_of(fields.begin(), fields.end(), [&](const auto& kv) {
      const FieldSpec* f = s.field(kv.first);
      return f && f->rule == MergeRule::FirstWins;
    });
    if (creates) check_required(s, fields, c);
  }
  cross_field_checks(s, id, fields, opt, c);
  return problems;
}

std::string describe(const std::vector<Problem>& problems, Lang lang) {
  std::string out;
  for (const Problem& p : problems) {
    if (!out.empty()) out += '\n';
    out += p.message(lang);
  }
  return out;
}

bool is_valid_entity_id(std::string_view id) {
  if (id.empty() || id.size() > 128 || !is_valid_utf8(id)) return false;
  if (id.front() == ' ' || id.back() == ' ') return false;
  for (char ch : id)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) return false;
  return true;
}

std::vector<Problem> normalize_and_validate(const EntitySpec& s, std::string_view id,
                                            Fields& fields, const ValidateOptions& opt) {
  std::vector<Problem> problems;
  Collector c(problems);
  if (!is_valid_entity_id(id))
    c.whole("bad_id", "IDが不正です（空、長すぎる、または制御文字を含む）",
            "the id is empty, too long or contains control characters");
  for (auto& [name, value] : fields) {
    const FieldSpec* f = s.field(name);
    if (!f) {
      c.add(nullptr, name, "unknown_field",
            "は" + std::string(s.ja) + "の項目ではありません",
            "is not a field of " + std::string(s.en));
      continue;
    }
    if (opt.delta != (f->rule == MergeRule::Counter)) {
      if (opt.delta)
        c.add(f, name, "not_a_counter", "は加算（差分）で更新できません",
              "cannot be changed by adding a delta");
      else
        c.add(f, name, "counter_set_directly",
              "は直接上書きできません（差分を加算してください）",
              "cannot be overwritten: add a signed delta instead");
      continue;
    }
    if (opt.delta && !as_int(value)) {
      c.add(f, name, "not_integer", "の差分は整数です", "delta must be a whole number");
      continue;
    }
    normalize_field(*f, value, opt, c);
  }
  if (opt.creating && !opt.delta) check_required(s, fields, c);
  cross_field_checks(s, id, fields, opt, c);
  return problems;
}

}  // namespace honbu
