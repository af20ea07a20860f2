// Normalisation and validation of entity fields. Every problem is returned at once,
// each naming the field and the reason in words a user understands (ja and en).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/labels.hpp"
#include "model/schema.hpp"
#include "model/value.hpp"

namespace honbu {

struct Problem {
  std::string field;  // op field name; empty when the problem is about the whole entity
  std::string code;   // stable machine code, e.g. "required", "out_of_range"
  std::string ja, en;
  const std::string& message(Lang lang) const { return lang == Lang::Ja ? ja : en; }
};

// All problems as lines "field: reason" in one language.
std::string describe(const std::vector<Problem>& problems, Lang lang);

struct ValidateOptions {
  bool creating = false;       // the entity does not exist yet: required fields must be set
  bool delta = false;          // fields are signed deltas for Counter fields
  bool lenient_enums = false;  // op from a newer schema: accept codes we do not know
};

// Normalises `fields` in place (全角 -> 半角, labels -> codes, "１２" -> 12, times -> +09:00,
// "未確認"/"" -> null for counts) and returns every problem found. Empty means valid.
std::vector<Problem> normalize_and_validate(const EntitySpec& spec, std::string_view id,
                                            Fields& fields, const ValidateOptions& options);

// For ops received from other nodes: every problem with `fields` as they are, including
// values that are not in normal form (replicas must store identical text). Never copies
// a value that is already valid and normal: this runs for every remote op.
std::vector<Problem> validate_received(const EntitySpec& spec, std::string_view id,
                                       const Fields& fields, const ValidateOptions& options);

// Entity ids: non-empty, ≤ 128 bytes, valid UTF-8, no control characters or spaces at ends.
bool is_valid_entity_id(std::string_view id);

}  // namespace honbu
