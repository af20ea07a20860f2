// Fields <-> nlohmann::json, for codecs that embed op fields inside a larger JSON
// document (sync wire messages, bundles). Same rules as decode_fields(): null, integers,
// finite numbers and text only; booleans become 0/1; integers beyond int64 are refused.
#pragma once

#include <nlohmann/json.hpp>

#include "model/value.hpp"

namespace honbu {

Fields fields_from_json(const nlohmann::json& object);  // throws DecodeError naming the field
nlohmann::json fields_to_json(const Fields& fields);

}  // namespace honbu
