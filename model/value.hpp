// Field values as they travel in ops and sit in typed tables.
// [SECTION] Value, Fields, canonical JSON encoding
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace honbu {

// A stored field value. Null means "not reported / 未確認" and is never zero.
// Booleans are stored as 0/1 integers, times as ISO-8601 text (+09:00).
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

// Field name -> value. std::map keeps names sorted, so encodings are canonical.
using Fields = std::map<std::string, Value, std::less<>>;

inline bool is_null(const Value& v) { return std::holds_alternative<std::monostate>(v); }
const std::string* as_text(const Value& v);            // nullptr unless text
std::optional<std::int64_t> as_int(const Value& v);    // exact ints only
std::optional<double> as_real(const Value& v);         // ints widen to double

// Canonical JSON object: sorted keys, no whitespace. Round-trips exactly.
std::string encode_fields(const Fields& fields);
// Throws DecodeError naming the byte offset and the reason on malformed input.
Fields decode_fields(std::string_view json);

// Human-readable rendering for logs and CLI (not for the UI's 未確認 display).
std::string debug_string(const Value& v);

// Total order used when a merge rule needs to compare values (Max register).
// Null < numbers < text; ints and reals compare numerically.
int compare_values(const Value& a, const Value& b);

}  // namespace honbu
