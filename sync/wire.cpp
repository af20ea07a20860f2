#include "sync/wire.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "model/json_fields.hpp"

namespace honbu::sync {

namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& what) { throw WireError(what); }

const json& member(const json& j, const char* name, const char* where) {
  auto it = j.find(name);
  if (it == j.end()) fail(std::string(where) + ": missing \"" + name + "\"");
  return *it;
}

std::string get_string(const json& j, const char* name, const char* where, size_t max_len = 4096) {
  const json& v = member(j, name, where);
  if (!v.is_string()) fail(std::string(where) + ": \"" + name + "\" must be a string");
  std::string s = v.get<std::string>();
  if (s.size() > max_len) fail(std::string(where) + ": \"" + name + "\" is too long");
  return s;
}

std::uint64_t get_u64(const json& j, const char* name, const char* where) {
  const json& v = member(j, name, where);
  if (!v.is_number_unsigned()) fail(std::string(where) + ": \"" + name + "\" must be a whole number >= 0");
  return v.get<std::uint64_t>();
}

std::string node_id(const json& j, const char* name, const char* where) {
  std::string id = get_string(j, name, where, 64);
  if (!is_valid_node_id(id)) fail(std::string(where) + ": \"" + name + "\" is not a valid node id");
  return id;
}

std::string dataset(const json& j, const char* where) {
  std::string d = get_string(j, "dataset", where, 80);
  if (!is_valid_dataset_name(d)) fail(std::string(where) + ": \"dataset\" is not ACTUAL or EXERCISE:<name>");
  return d;
}

json vector_json(const VersionVector& v) {
  json j = json::object();
  for (const auto& [origin, seq] : v) j[origin] = seq;
  return j;
}

VersionVector vector_from(const json& j, const char* where) {
  const json& v = member(j, "vector", where);
  if (!v.is_object()) fail(std::string(where) + ": \"vector\" must be an object");
  if (v.size() > kMaxVectorEntries) fail(std::string(where) + ": \"vector\" has too many origins");
  VersionVector out;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!is_valid_node_id(it.key())) fail(std::string(where) + ": vector origin \"" + it.key() + "\" is not a node id");
    if (!it.value().is_number_unsigned()) fail(std::string(where) + ": vector seq of \"" + it.key() + "\" must be >= 0");
    out.emplace(it.key(), it.value().get<std::uint64_t>());
  }
  return out;
}

std::string to_base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // drop the terminating NUL
  return out;
}

std::string from_base64(std::string_view text, const char* where) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    fail(std::string(where) + ": signature is not valid base64");
  out.resize(len);
  return out;
}

json op_json(const Op& op) {
  json j;
  j["o"] = op.origin;
  j["s"] = op.seq;
  j["h"] = op.hlc.packed;
  j["k"] = spec(op.kind).name;
  j["i"] = op.entity_id;
  j["t"] = op_type_name(op.type);
  j["f"] = fields_to_json(op.fields);
  if (!op.base.empty()) j["b"] = encode_base(op.base);
  j["u"] = op.operator_name;
  j["v"] = op.schema_version;
  if (!op.signature.empty()) j["g"] = to_base64(op.signature);
  return j;
}

Op op_from(const json& j, std::string_view ds) {
  const char* where = "op";
  if (!j.is_object()) fail("op: must be an object");
  Op op;
  op.origin = node_id(j, "o", where);
  op.seq = get_u64(j, "s", where);
  if (op.seq == 0) fail("op: \"s\" (seq) starts at 1");
  op.hlc = Hlc{get_u64(j, "h", where)};
  const std::string kind = get_string(j, "k", where, 64);
  auto k = kind_from_name(kind);
  if (!k) fail("op " + op.origin + "#" + std::to_string(op.seq) + ": unknown kind \"" + kind + "\"");
  op.kind = *k;
  op.entity_id = get_string(j, "i", where, 128);
  const std::string type = get_string(j, "t", where, 16);
  auto t = op_type_from_name(type);
  if (!t) fail("op " + op.origin + "#" + std::to_string(op.seq) + ": unknown type \"" + type + "\"");
  op.type = *t;
  try {
    op.fields = fields_from_json(member(j, "f", where));
    if (j.contains("b")) op.base = decode_base(get_string(j, "b", where, 65536));
  } catch (const DecodeError& e) {
    fail("op " + op.origin + "#" + std::to_string(op.seq) + ": " + e.what());
  }
  op.operator_name = get_string(j, "u", where, 400);
  const std::uint64_t v = get_u64(j, "v", where);
  if (v == 0 || v > 1000) fail("op: \"v\" (schema version) out of range");
  op.schema_version = static_cast<int>(v);
  if (j.contains("g")) op.signature = from_base64(get_string(j, "g", where, 200), where);
  op.dataset = std::string(ds);
  return op;
}

json parse_body(std::string_view body) {
  if (body.size() > kMaxBodyBytes) fail("message body is larger than " + std::to_string(kMaxBodyBytes) + " bytes");
  try {
    json j = json::parse(body.begin(), body.end());
    if (!j.is_object()) fail("message body must be a JSON object");
    return j;
  } catch (const json::parse_error& e) {
    fail("malformed JSON at byte " + std::to_string(e.byte));
  } catch (const json::exception& e) {
    fail(std::string("malformed JSON: ") + e.what());
  }
}

}  // namespace

std::string_view msg_type_name(MsgType t) {
  switch (t) {
    case MsgType::Hello: return "HELLO";
    case MsgType::Vector: return "VECTOR";
    case MsgType::Ops: return "OPS";
    case MsgType::Ack: return "ACK";
    case MsgType::Ping: return "PING";
    case MsgType::Error: return "ERROR";
  }
  return "?";
}

std::string encode_op_json(const Op& op) { return op_json(op).dump(); }

Op decode_op_json(std::string_view text, std::string_view ds) {
  try {
    return op_from(json::parse(text.begin(), text.end()), ds);
  } catch (const json::parse_error& e) {
    fail("op: malformed JSON at byte " + std::to_string(e.byte));
  } catch (const json::exception& e) {
    fail(std::string("op: malformed JSON: ") + e.what());
  }
}

Frames encode(const Message& m) {
  json j;
  MsgType type = MsgType::Ping;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Hello>) {
          type = MsgType::Hello;
          j = {{"node", x.node_id}, {"role", x.role}, {"dataset", x.dataset},
               {"schema", x.schema_version}, {"vector", vector_json(x.vector)}, {"window", x.window}};
        } else if constexpr (std::is_same_v<T, VectorMsg>) {
          type = MsgType::Vector;
          j = {{"vector", vector_json(x.vector)}};
        } else if constexpr (std::is_same_v<T, OpsMsg>) {
          type = MsgType::Ops;
          json ops = json::array();
          for (const Op& op : x.ops) ops.push_back(op_json(op));
          j = {{"chunk", x.chunk}, {"dataset", x.dataset}, {"ops", std::move(ops)}};
        } else if constexpr (std::is_same_v<T, Ack>) {
          type = MsgType::Ack;
          json refused = json::array();
          for (const Refusal& r : x.refused) refused.push_back({{"o", r.origin}, {"s", r.seq}, {"why", r.reason}});
          j = {{"chunk", x.chunk}, {"vector", vector_json(x.vector)}, {"refused", std::move(refused)}};
        } else if constexpr (std::is_same_v<T, Ping>) {
          type = MsgType::Ping;
          j = {{"t", x.sent_at}};
        } else {
          type = MsgType::Error;
          j = {{"code", x.code}, {"message", x.message}};
        }
      },
      m);
  Frames f;
  f.header = {'H', 'B', static_cast<char>(kProtocolVersion), static_cast<char>(type)};
  f.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return f;
}

Message decode(std::string_view header, std::string_view body) {
  if (header.size() != 4 || header[0] != 'H' || header[1] != 'B')
    fail("header: expected 4 bytes starting \"HB\" (got " + std::to_string(header.size()) + " bytes)");
  const auto version = static_cast<std::uint8_t>(header[2]);
  if (version != kProtocolVersion)
    fail("header: protocol version " + std::to_string(version) + " is not supported (this node speaks " +
         std::to_string(kProtocolVersion) + ")");
  const auto type = static_cast<MsgType>(static_cast<std::uint8_t>(header[3]));
  const json j = parse_body(body);
  switch (type) {
    case MsgType::Hello: {
      Hello h;
      h.node_id = node_id(j, "node", "HELLO");
      h.role = get_string(j, "role", "HELLO", 16);
      if (h.role != "hq" && h.role != "branch" && h.role != "relay") fail("HELLO: unknown role \"" + h.role + "\"");
      h.dataset = dataset(j, "HELLO");
      const std::uint64_t schema = get_u64(j, "schema", "HELLO");
      if (schema == 0 || schema > 1000) fail("HELLO: \"schema\" out of range");
      h.schema_version = static_cast<int>(schema);
      h.vector = vector_from(j, "HELLO");
      const std::uint64_t window = get_u64(j, "window", "HELLO");
      if (window == 0 || window > 64) fail("HELLO: \"window\" must be 1..64");
      h.window = static_cast<std::uint32_t>(window);
      return h;
    }
    case MsgType::Vector:
      return VectorMsg{vector_from(j, "VECTOR")};
    case MsgType::Ops: {
      OpsMsg m;
      m.chunk = get_u64(j, "chunk", "OPS");
      m.dataset = dataset(j, "OPS");
      const json& ops = member(j, "ops", "OPS");
      if (!ops.is_array()) fail("OPS: \"ops\" must be an array");
      if (ops.size() > kMaxOpsPerChunk) fail("OPS: more than " + std::to_string(kMaxOpsPerChunk) + " ops in one chunk");
      m.ops.reserve(ops.size());
      for (const json& o : ops) m.ops.push_back(op_from(o, m.dataset));
      return m;
    }
    case MsgType::Ack: {
      Ack a;
      a.chunk = get_u64(j, "chunk", "ACK");
      a.vector = vector_from(j, "ACK");
      const json& refused = member(j, "refused", "ACK");
      if (!refused.is_array() || refused.size() > kMaxOpsPerChunk) fail("ACK: \"refused\" must be an array of at most one chunk");
      for (const json& r : refused) {
        if (!r.is_object()) fail("ACK: refused entries must be objects");
        a.refused.push_back({node_id(r, "o", "ACK refused"), get_u64(r, "s", "ACK refused"),
                             get_string(r, "why", "ACK refused", 1000)});
      }
      return a;
    }
    case MsgType::Ping: {
      const json& t = member(j, "t", "PING");
      if (!t.is_number_integer()) fail("PING: \"t\" must be a number");
      return Ping{t.get<TimeMs>()};
    }
    case MsgType::Error:
      return ErrorMsg{get_string(j, "code", "ERROR", 64), get_string(j, "message", "ERROR", 2000)};
  }
  fail("header: unknown message type " + std::to_string(static_cast<int>(type)));
}

}  // namespace honbu::sync
