#include "model/op.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <vector>

#include "model/errors.hpp"

namespace honbu {

bool is_valid_node_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool is_valid_dataset_name(std::string_view d) {
  if (d == kActualDataset) return true;
  // A drill's name follows the same rules as a node id.
  return is_exercise_dataset(d) && is_valid_node_id(d.substr(kExercisePrefix.size()));
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

// Same compact text as the `_clk` column (merge.cpp), grouped by clock since an edit's
// fields usually all stand on one earlier write:  HLC@origin:field,field;HLC@origin:field
std::string encode_base(const BaseClocks& base) {
  std::vector<std::pair<const FieldClock*, std::string>> groups;
  for (const auto& [field, clock] : base) {
    auto it = std::find_if(groups.begin(), groups.end(), [&c = clock](const auto& g) { return *g.first == c; });
    if (it == groups.end()) {
      groups.emplace_back(&clock, field);
    } else {
      it->second += ',';
      it->second += field;
    }
  }
  std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return *a.first < *b.first; });
  std::string out;
  char num[24];
  for (const auto& [clock, fields] : groups) {
    if (!out.empty()) out += ';';
    auto [p, ec] = std::to_chars(num, num + sizeof num, clock->hlc.packed);
    out.append(num, p);
    out += '@';
    out += clock->origin;
    out += ':';
    out += fields;
  }
  return out;
}

BaseClocks decode_base(std::string_view text) {
  BaseClocks out;
  auto fail = [](size_t pos, const char* why) {
    throw DecodeError("base clocks: " + std::string(why) + " at byte " + std::to_string(pos));
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view group = text.substr(pos, end - pos);
    const size_t at = group.find('@'), colon = group.find(':');
    if (at == std::string_view::npos || colon == std::string_view::npos || at == 0 || colon < at + 2)
      fail(pos, "expected HLC@origin:fields");
    FieldClock c;
    auto [p, ec] = std::from_chars(group.data(), group.data() + at, c.hlc.packed);
    if (ec != std::errc() || p != group.data() + at) fail(pos, "HLC is not a number");
    c.origin = std::string(group.substr(at + 1, colon - at - 1));
    std::string_view fields = group.substr(colon + 1);
    while (!fields.empty()) {
      const size_t comma = fields.find(',');
      const std::string_view name = fields.substr(0, comma);
      if (name.empty()) fail(pos + colon + 1, "empty field name");
      out.emplace(std::string(name), c);
      if (comma == std::string_view::npos) break;
      fields.remove_prefix(comma + 1);
    }
    pos = end + 1;
  }
  return out;
}

std::string signing_bytes(const Op& op) {
  std::string out = op.prev.empty() ? "honbu-op-v1" : "honbu-op-v2";
  auto put = [&](std::string_view part) {
    out += '\n';
    out += std::to_string(part.size());
    out += ':';
    out += part;
  };
  put(op.origin);
  put(std::to_string(op.seq));
  put(std::to_string(op.hlc.packed));
  put(op.dataset);
  put(spec(op.kind).name);
  put(op.entity_id);
  put(op_type_name(op.type));
  put(encode_fields(op.fields));
  put(encode_base(op.base));
  put(op.operator_name);
  put(std::to_string(op.schema_version));
  if (!op.prev.empty()) put(op.prev);
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
