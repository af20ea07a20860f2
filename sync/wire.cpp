#include "sync/wire.hpp"

#include <sodium.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <simdjson.h>

#include "model/json_fields.hpp"

namespace honbu::sync {

namespace {

using json = nlohmann::json;
namespace sj = simdjson::dom;

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
    if (!it.value().is_number_unsigned()) fail(std::string(where) + ": vector seq of \"" + it.key() + "\" must be a whole number from 0 to 2^64-1");
    out.emplace(it.key(), it.value().get<std::uint64_t>());
  }
  return out;
}

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Standard base64 with '=' padding, quoted (it needs no JSON escapes). Not libsodium's
// encoder: that one is constant-time, which public signatures do not need, and it was a
// seventh of a sending node's CPU in a catch-up (two values per op, profiled 2026-12-02).
void append_base64_quoted(std::string& out, std::string_view bytes) {
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  const size_t start = out.size();
  out.resize(start + 2 + (n + 2) / 3 * 4);
  char* o = out.data() + start;
  *o++ = '"';
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    *o++ = kBase64Alphabet[v >> 18];
    *o++ = kBase64Alphabet[(v >> 12) & 63];
    *o++ = kBase64Alphabet[(v >> 6) & 63];
    *o++ = kBase64Alphabet[v & 63];
  }
  if (i < n) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (i + 1 < n ? std::uint32_t{in[i + 1]} << 8 : 0);
    *o++ = kBase64Alphabet[v >> 18];
    *o++ = kBase64Alphabet[(v >> 12) & 63];
    *o++ = i + 1 < n ? kBase64Alphabet[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
  *o = '"';
}

// Strict, canonical base64 (RFC 4648 with '=' padding, unused bits zero): what the encoder
// writes, and nothing else. Not libsodium's decoder: that one is constant-time, which public
// signatures do not need, and was 2% of a catch-up's CPU (two values per op, profiled).
std::string from_base64(std::string_view text, const char* where) {
  static constexpr auto kValue = [] {
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<std::int8_t>(i);
    return t;
  }();
  auto bad = [&] { fail(std::string(where) + ": signature is not valid base64"); };
  if (text.size() % 4 != 0) bad();
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t acc = 0;
  for (size_t i = 0; i < text.size() - pad; ++i) {
    const std::int8_t v = kValue[static_cast<unsigned char>(text[i])];
    if (v < 0) bad();
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    if (i % 4 == 3) {
      out += static_cast<char>(acc >> 16);
      out += static_cast<char>((acc >> 8) & 0xff);
      out += static_cast<char>(acc & 0xff);
      acc = 0;
    }
  }
  if (pad == 2) {  // "xx==": one byte, the last 4 bits zero
    if (acc & 0xf) bad();
    out += static_cast<char>(acc >> 4);
  } else if (pad == 1) {  // "xxx=": two bytes, the last 2 bits zero
    if (acc & 0x3) bad();
    out += static_cast<char>(acc >> 10);
    out += static_cast<char>((acc >> 2) & 0xff);
  }
  return out;
}

// [SECTION] Ops: a hand-written encoder, and a decoder over simdjson. OPS chunks are the bulk
// of all traffic: a DOM per op cost more than applying it, and nlohmann's streaming lexer
// was still a fifth of HQ's CPU in a catch-up (profiled 2026-12-02).

void append_member_name(std::string& out, char name) {
  out += '"';
  out += name;
  out += "\":";
}

// `fields_json`: the op's fields as canonical JSON (encode_fields(op.fields), or as stored).
void append_op_json(std::string& out, const Op& op, std::string_view fields_json) {
  char num[24];
  auto number = [&](std::uint64_t v) {
    auto [p, ec] = std::to_chars(num, num + sizeof num, v);
    out.append(num, p);
  };
  out += '{';
  append_member_name(out, 'o');
  append_json_quoted(out, op.origin);
  out += ',';
  append_member_name(out, 's');
  number(op.seq);
  out += ',';
  append_member_name(out, 'h');
  number(op.hlc.packed);
  out += ',';
  append_member_name(out, 'k');
  append_json_quoted(out, spec(op.kind).name);
  out += ',';
  append_member_name(out, 'i');
  append_json_quoted(out, op.entity_id);
  out += ',';
  append_member_name(out, 't');
  append_json_quoted(out, op_type_name(op.type));
  out += ',';
  append_member_name(out, 'f');
  out += fields_json;
  if (!op.base.empty()) {
    out += ',';
    append_member_name(out, 'b');
    append_json_quoted(out, encode_base(op.base));
  }
  out += ',';
  append_member_name(out, 'u');
  append_json_quoted(out, op.operator_name);
  out += ',';
  append_member_name(out, 'v');
  number(static_cast<std::uint64_t>(op.schema_version));
  if (!op.signature.empty()) {
    out += ',';
    append_member_name(out, 'g');
    append_base64_quoted(out, op.signature);
  }
  if (!op.prev.empty()) {
    out += ',';
    append_member_name(out, 'p');
    append_base64_quoted(out, op.prev);
  }
  out += '}';
}

// An op's members as they came, before the checks of op_from_raw(): elements of the parsed
// chunk, by letter (o, s, h, k, i, t, f, b, u, v, g, p are read; a later duplicate wins).
// They point into the parser's buffers and are read before its next parse.
struct RawOp {
  std::array<std::optional<sj::element>, 26> members;
  bool has(char name) const { return members[static_cast<size_t>(name - 'a')].has_value(); }
};

sj::element raw_member(const RawOp& r, const char* name, const char* where) {
  const auto& slot = r.members[static_cast<size_t>(name[0] - 'a')];
  if (!slot) fail(std::string(where) + ": missing \"" + name + "\"");
  return *slot;
}

std::string raw_string(const RawOp& r, const char* name, const char* where, size_t max_len = 4096) {
  std::string_view s;
  if (raw_member(r, name, where).get_string().get(s))
    fail(std::string(where) + ": \"" + name + "\" must be a string");
  if (s.size() > max_len) fail(std::string(where) + ": \"" + name + "\" is too long");
  return std::string(s);
}

// A whole number >= 0 (simdjson gives those that fit as int64, larger ones as uint64).
bool whole_number(sj::element e, std::uint64_t* out) {
  if (e.type() == sj::element_type::UINT64) return !e.get_uint64().get(*out);
  std::int64_t i = 0;
  if (e.type() != sj::element_type::INT64 || e.get_int64().get(i) || i < 0) return false;
  *out = static_cast<std::uint64_t>(i);
  return true;
}

std::uint64_t raw_u64(const RawOp& r, const char* name, const char* where) {
  std::uint64_t v = 0;
  if (!whole_number(raw_member(r, name, where), &v))
    fail(std::string(where) + ": \"" + name + "\" must be a whole number >= 0");
  return v;
}

// One member of an op's "f" object, checked as a received field value.
Value field_value(std::string_view key, sj::element v) {
  switch (v.type()) {
    case sj::element_type::NULL_VALUE: return std::monostate{};
    case sj::element_type::BOOL: return field_from_bool(v.get_bool().value_unsafe());
    case sj::element_type::INT64: return v.get_int64().value_unsafe();
    case sj::element_type::UINT64: return field_from_unsigned(key, v.get_uint64().value_unsafe());
    case sj::element_type::DOUBLE: return field_from_float(key, v.get_double().value_unsafe());
    case sj::element_type::STRING: return std::string(v.get_string().value_unsafe());
    default: throw DecodeError("fields: '" + std::string(key) + "' must be null, a number or text");
  }
}

// "f": an object of null, number or text values (a later duplicate key wins).
Fields raw_fields(sj::element f) {
  sj::object members;
  if (f.get_object().get(members)) throw DecodeError("fields: expected a JSON object");
  Fields out;
  for (const sj::key_value_pair kv : members) out.insert_or_assign(std::string(kv.key), field_value(kv.key, kv.value));
  return out;
}

// The one place where a received op is checked (wire and bundles).
Op op_from_raw(const RawOp& r, std::string_view ds) {
  const char* where = "op";
  Op op;
  op.origin = raw_string(r, "o", where, 64);
  if (!is_valid_node_id(op.origin)) fail("op: \"o\" is not a valid node id");
  op.seq = raw_u64(r, "s", where);
  if (op.seq == 0) fail("op: \"s\" (seq) starts at 1");
  op.hlc = Hlc{raw_u64(r, "h", where)};
  auto name = [&] { return op.origin + "#" + std::to_string(op.seq); };  // for errors only
  const std::string kind = raw_string(r, "k", where, 64);
  auto k = kind_from_name(kind);
  if (!k) fail("op " + name() + ": unknown kind \"" + kind + "\"");
  op.kind = *k;
  op.entity_id = raw_string(r, "i", where, 128);
  const std::string type = raw_string(r, "t", where, 16);
  auto t = op_type_from_name(type);
  if (!t) fail("op " + name() + ": unknown type \"" + type + "\"");
  op.type = *t;
  if (!r.has('f')) fail("op: missing \"f\"");
  try {
    op.fields = raw_fields(*r.members['f' - 'a']);
    if (r.has('b')) op.base = decode_base(raw_string(r, "b", where, 65536));
  } catch (const DecodeError& e) {
    fail("op " + name() + ": " + e.what());
  }
  op.operator_name = raw_string(r, "u", where, 400);
  const std::uint64_t v = raw_u64(r, "v", where);
  if (v == 0 || v > 1000) fail("op: \"v\" (schema version) out of range");
  op.schema_version = static_cast<int>(v);
  if (r.has('g')) op.signature = from_base64(raw_string(r, "g", where, 200), where);
  if (r.has('p')) {
    op.prev = from_base64(raw_string(r, "p", where, 100), where);
    if (op.prev.size() != 32) fail("op " + name() + ": \"p\" must be 32 bytes");
  }
  op.dataset = std::string(ds);
  return op;
}

// One op object's members; those it does not know are skipped (forward compatibility).
RawOp raw_op(sj::element e) {
  sj::object members;
  if (e.get_object().get(members)) fail("op: must be an object");
  RawOp r;
  for (const sj::key_value_pair kv : members)
    if (kv.key.size() == 1 && kv.key[0] >= 'a' && kv.key[0] <= 'z')
      r.members[static_cast<size_t>(kv.key[0] - 'a')] = kv.value;
  return r;
}

// simdjson's parser keeps its buffers (about 14 bytes per input byte) for the next document;
// one per sync thread, let go of after an unusually large one.
class OpsParser {
 public:
  OpsParser() : parser_(&local()) {}
  ~OpsParser() {
    if (parser_->capacity() > kKeepBytes) local() = sj::parser{};
  }
  OpsParser(const OpsParser&) = delete;
  OpsParser& operator=(const OpsParser&) = delete;

  // Parses `text`; a syntax error names its byte (found again by nlohmann, which tells where).
  sj::element parse(std::string_view text, const char* what) {
    sj::element doc;
    const char* data = text.empty() ? "" : text.data();  // simdjson copies from it: never null
    const simdjson::error_code err = parser_->parse(data, text.size()).get(doc);
    if (!err) return doc;
    try {
      const json probe = json::parse(text.begin(), text.end());  // only to find the byte
    } catch (const json::parse_error& e) {
      fail(std::string(what) + ": malformed JSON at byte " + std::to_string(e.byte));
    } catch (const json::exception&) {
    }
    fail(std::string(what) + ": malformed JSON: " + simdjson::error_message(err));
  }

 private:
  static constexpr std::size_t kKeepBytes = 1u << 20;
  static sj::parser& local() {
    thread_local sj::parser p;
    return p;
  }
  sj::parser* parser_;
};

// Checks the stored fields JSON of an op about to be sent on as it is (StoredOp) by the
// rules its receiver applies (raw_fields), so that a damaged log row is an error here, naming
// the op, and not a malformed chunk that gets this node dropped by every peer.
std::string_view checked_stored_fields(const StoredOp& so) {
  const std::string op = "op " + so.op.origin + "#" + std::to_string(so.op.seq) + " in the op log";
  OpsParser parser;  // the sync thread's parser: no OPS document is in use while it sends
  sj::object members;
  if (parser.parse(so.fields_json, (op + ": fields").c_str()).get_object().get(members))
    fail(op + ": fields are not a JSON object");
  try {
    for (const sj::key_value_pair kv : members)
      if (kv.value.type() != sj::element_type::STRING) (void)field_value(kv.key, kv.value);  // text: no copy
  } catch (const DecodeError& e) {
    fail(op + ": " + e.what());
  }
  return so.fields_json;
}

OpsMsg decode_ops(std::string_view body) {
  OpsParser parser;
  sj::object top;
  if (parser.parse(body, "OPS").get_object().get(top)) fail("message body must be a JSON object");
  std::optional<sj::element> chunk, ds;
  std::vector<RawOp> raw;
  bool has_ops = false;
  for (const sj::key_value_pair kv : top) {
    if (kv.key == "chunk") {
      chunk = kv.value;
    } else if (kv.key == "dataset") {
      ds = kv.value;
    } else if (kv.key == "ops") {
      sj::array ops;
      if (kv.value.get_array().get(ops)) fail("OPS: \"ops\" must be an array");
      has_ops = true;
      for (const sj::element e : ops) {
        if (raw.size() >= kMaxOpsPerChunk)
          fail("OPS: more than " + std::to_string(kMaxOpsPerChunk) + " ops in one chunk");
        raw.push_back(raw_op(e));
      }
    }
  }
  OpsMsg m;
  if (!chunk) fail("OPS: missing \"chunk\"");
  if (!whole_number(*chunk, &m.chunk)) fail("OPS: \"chunk\" must be a whole number >= 0");
  if (!ds) fail("OPS: missing \"dataset\"");
  std::string_view name;
  if (ds->get_string().get(name)) fail("OPS: \"dataset\" must be a string");
  if (name.size() > 80 || !is_valid_dataset_name(name)) fail("OPS: \"dataset\" is not ACTUAL or EXERCISE:<name>");
  m.dataset = std::string(name);
  if (!has_ops) fail("OPS: missing \"ops\"");
  m.ops.reserve(raw.size());
  for (const RawOp& r : raw) m.ops.push_back(op_from_raw(r, m.dataset));
  return m;
}

void open_ops_body(std::string& out, std::uint64_t chunk, std::string_view dataset) {
  out += "{\"chunk\":";
  out += std::to_string(chunk);
  out += ",\"dataset\":";
  append_json_quoted(out, dataset);
  out += ",\"ops\":[";
}

std::string encode_ops_body(const OpsMsg& m) {
  std::string out;
  out.reserve(64 + m.ops.size() * 400);
  open_ops_body(out, m.chunk, m.dataset);
  for (size_t i = 0; i < m.ops.size(); ++i) {
    if (i) out += ',';
    append_op_json(out, m.ops[i], encode_fields(m.ops[i].fields));
  }
  out += "]}";
  return out;
}

std::string ops_header() {
  return {'H', 'B', static_cast<char>(kProtocolVersion), static_cast<char>(MsgType::Ops)};
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

std::string encode_op_json(const Op& op) {
  std::string out;
  append_op_json(out, op, encode_fields(op.fields));
  return out;
}

std::string encode_op_json(const StoredOp& so) {
  std::string out;
  append_op_json(out, so.op, checked_stored_fields(so));
  return out;
}

std::size_t ops_frame_overhead(std::string_view dataset, std::size_t n_ops) {
  // {"chunk":<20 digits at most>,"dataset":"<dataset, escaped>","ops":[ ... ]} plus commas.
  return 64 + 2 * dataset.size() + n_ops;
}

Frames encode_ops_frames(std::uint64_t chunk, std::string_view dataset,
                         const std::vector<const std::string*>& op_json) {
  Frames f;
  f.header = ops_header();
  std::size_t size = ops_frame_overhead(dataset, op_json.size());
  for (const std::string* j : op_json) size += j->size();
  f.body.reserve(size);
  open_ops_body(f.body, chunk, dataset);
  for (size_t i = 0; i < op_json.size(); ++i) {
    if (i) f.body += ',';
    f.body += *op_json[i];
  }
  f.body += "]}";
  return f;
}

Op decode_op_json(std::string_view text, std::string_view ds) {
  OpsParser parser;
  return op_from_raw(raw_op(parser.parse(text, "op")), ds);
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
          if (!x.heads.empty()) {
            json heads = json::object();
            for (const auto& [origin, digest] : x.heads) {
              std::string b64;
              append_base64_quoted(b64, digest);
              heads[origin] = b64.substr(1, b64.size() - 2);
            }
            j["heads"] = std::move(heads);
          }
        } else if constexpr (std::is_same_v<T, VectorMsg>) {
          type = MsgType::Vector;
          j = {{"vector", vector_json(x.vector)}};
        } else if constexpr (std::is_same_v<T, OpsMsg>) {
          type = MsgType::Ops;
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
  if (const auto* ops = std::get_if<OpsMsg>(&m))
    f.body = encode_ops_body(*ops);
  else
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
  if (type == MsgType::Ops) {
    if (body.size() > kMaxBodyBytes) fail("message body is larger than " + std::to_string(kMaxBodyBytes) + " bytes");
    return decode_ops(body);
  }
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
      if (j.contains("heads")) {
        const json& heads = j["heads"];
        if (!heads.is_object() || heads.size() > kMaxVectorEntries)
          fail("HELLO: \"heads\" must be an object of at most one entry per origin");
        for (auto it = heads.begin(); it != heads.end(); ++it) {
          if (!h.vector.count(it.key())) fail("HELLO: heads origin \"" + it.key() + "\" is not in its vector");
          if (!it.value().is_string() || it.value().get_ref<const std::string&>().size() > 100)
            fail("HELLO: head of \"" + it.key() + "\" must be base64 text");
          std::string digest = from_base64(it.value().get_ref<const std::string&>(), "HELLO heads");
          if (digest.size() != 32) fail("HELLO: head of \"" + it.key() + "\" must be 32 bytes");
          h.heads.emplace(it.key(), std::move(digest));
        }
      }
      return h;
    }
    case MsgType::Vector:
      return VectorMsg{vector_from(j, "VECTOR")};
    case MsgType::Ops:
      break;  // decoded above, without a DOM
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
