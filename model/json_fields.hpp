// Fields <-> nlohmann::json, for codecs that embed op fields inside a larger JSON
// document (sync wire messages, bundles). Same rules as decode_fields(): null, integers,
// finite numbers and text only; booleans become 0/1; integers beyond int64 are refused.
#pragma once

#include <nlohmann/json.hpp>

#include "model/value.hpp"

namespace honbu {

Fields fields_from_json(const nlohmann::json& object);  // throws DecodeError naming the field
nlohmann::json fields_to_json(const Fields& fields);

// For streaming (SAX) decoders: the same value rules, one value at a time. Throw DecodeError
// naming the field.
Value field_from_unsigned(std::string_view name, std::uint64_t v);
Value field_from_float(std::string_view name, double d);
inline Value field_from_bool(bool b) { return std::int64_t{b ? 1 : 0}; }

// Appends `s` as a JSON string (RFC 8259 escaping; `s` is valid UTF-8). For hand-written
// encoders on hot paths (op log, wire): nlohmann's DOM allocates per value.
void append_json_quoted(std::string& out, std::string_view s);

}  // namespace honbu
