#include "model/op.hpp"

#include <nlohmann/json.hpp>

#include "model/errors.hpp"

namespace honbu {

bool is_valid_dataset_name(std::string_view d) {
  if (d == kActualDataset) return true;
  if (!is_exercise_dataset(d)) return false;
  const std::string_view name = d.substr(kExercisePrefix.size());
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string_view op_type_name(OpType t) {
  switch (t) {
    case OpType::Upsert: return "upsert";
    case OpType::Delete: return "delete";
    case OpType::Delta: return "delta";
  }
  return "?";
}

std::optional<OpType> op_type_from_name(std::string_view name) {
  if (name == "upsert") return OpType::Upsert;
  if (name == "delete") return OpType::Delete;
  if (name == "delta") return OpType::Delta;
  return std::nullopt;
}

bool Op::same_content(const Op& o) const {
  return hlc == o.hlc && dataset == o.dataset && kind == o.kind && entity_id == o.entity_id &&
         type == o.type && fields == o.fields && base == o.base &&
         operator_name == o.operator_name && schema_version == o.schema_version;
}

std::string encode_base(const BaseClocks& base) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [field, clock] : base) j[field] = {clock.hlc.packed, clock.origin};
  return j.dump();
}

BaseClocks decode_base(std::string_view json) {
  BaseClocks out;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json.begin(), json.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw DecodeError("base clocks: malformed JSON at byte " + std::to_string(e.byte));
  }
  if (!j.is_object()) throw DecodeError("base clocks: expected a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const auto& v = it.value();
    if (!v.is_array() || v.size() != 2 || !v[0].is_number_unsigned() || !v[1].is_string())
      throw DecodeError("base clocks: '" + it.key() + "' must be [hlc, \"origin\"]");
    out.emplace(it.key(), FieldClock{Hlc{v[0].get<std::uint64_t>()}, v[1].get<std::string>()});
  }
  return out;
}

std::string encode_vector(const VersionVector& v) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [origin, seq] : v) j[origin] = seq;
  return j.dump();
}

VersionVector decode_vector(std::string_view json) {
  VersionVector out;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json.begin(), json.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw DecodeError("version vector: malformed JSON at byte " + std::to_string(e.byte));
  }
  if (!j.is_object()) throw DecodeError("version vector: expected a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_number_unsigned())
      throw DecodeError("version vector: seq of '" + it.key() + "' must be a whole number ≥ 0");
    out.emplace(it.key(), it.value().get<std::uint64_t>());
  }
  return out;
}

std::uint64_t ops_ahead(const VersionVector& have, const VersionVector& peer) {
  std::uint64_t n = 0;
  for (const auto& [origin, seq] : have) {
    auto it = peer.find(origin);
    const std::uint64_t theirs = it == peer.end() ? 0 : it->second;
    if (seq > theirs) n += seq - theirs;
  }
  return n;
}

}  // namespace honbu
