#include "sync/wire.hpp"

#include <sodium.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

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

// Strict, canonical base64 (RFC 4648 with '=' padding, unused bits zero): what to_base64()
// writes, and nothing else. Not libsodium's decoder: that one is constant-time, which public
// signatures do not need, and was 2% of a catch-up's CPU (two values per op, profiled).
std::string from_base64(std::string_view text, const char* where) {
  static constexpr auto kValue = [] {
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
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

// [SECTION] Ops: hand-written encoder and a streaming (SAX) decoder. OPS chunks are the bulk
// of all traffic; a JSON DOM per op cost more than applying the op (profiled).

void append_member_name(std::string& out, char name) {
  out += '"';
  out += name;
  out += "\":";
}

void append_op_json(std::string& out, const Op& op) {
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
  out += encode_fields(op.fields);
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
    append_json_quoted(out, to_base64(op.signature));
  }
  if (!op.prev.empty()) {
    out += ',';
    append_member_name(out, 'p');
    append_json_quoted(out, to_base64(op.prev));
  }
  out += '}';
}

// One JSON value as a streaming decoder saw it (objects and arrays only by kind).
struct Scalar {
  enum class Type { Null, Bool, Int, Uint, Float, String, Composite } type = Type::Null;
  std::uint64_t u = 0;
  std::string s;
};

// An op's members as they came, before the checks of op_from_raw().
struct RawOp {
  // By letter (o, s, h, k, i, t, b, u, v, g, p are read): one slot each, no map per op.
  std::array<std::optional<Scalar>, 26> members;
  bool has(char name) const { return members[static_cast<size_t>(name - 'a')].has_value(); }
  bool has_fields = false;
  Fields fields;
  std::string fields_error;  // first rule violation inside "f"
};

Scalar& raw_member(RawOp& r, const char* name, const char* where) {
  auto& slot = r.members[static_cast<size_t>(name[0] - 'a')];
  if (!slot) fail(std::string(where) + ": missing \"" + name + "\"");
  return *slot;
}

// Moves the text out of the member (each is read once).
std::string raw_string(RawOp& r, const char* name, const char* where, size_t max_len = 4096) {
  Scalar& v = raw_member(r, name, where);
  if (v.type != Scalar::Type::String) fail(std::string(where) + ": \"" + name + "\" must be a string");
  if (v.s.size() > max_len) fail(std::string(where) + ": \"" + name + "\" is too long");
  return std::move(v.s);
}

std::uint64_t raw_u64(RawOp& r, const char* name, const char* where) {
  const Scalar& v = raw_member(r, name, where);
  if (v.type != Scalar::Type::Uint) fail(std::string(where) + ": \"" + name + "\" must be a whole number >= 0");
  return v.u;
}

// The one place where a received op is checked (wire and bundles).
Op op_from_raw(RawOp& r, std::string_view ds) {
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
  if (!r.has_fields) fail("op: missing \"f\"");
  if (!r.fields_error.empty()) fail("op " + name() + ": " + r.fields_error);
  op.fields = std::move(r.fields);
  if (r.has('b')) {
    try {
      op.base = decode_base(raw_string(r, "b", where, 65536));
    } catch (const DecodeError& e) {
      fail("op " + name() + ": " + e.what());
    }
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

// Streams an OPS body ({"chunk", "dataset", "ops": [op, ...]}) or, with op_only, a single op
// object (a bundle line). Members it does not know are skipped (forward compatibility).
class OpsSax : public json::json_sax_t {
 public:
  explicit OpsSax(bool op_only) : op_only_(op_only) {}

  std::optional<Scalar> chunk, dataset;
  bool has_ops = false;
  std::deque<RawOp> ops;  // a deque: RawOps are large and never move
  std::string error;  // a structural problem found while streaming
  bool syntax_error = false;
  std::size_t error_byte = 0;

  bool null() override { return value(Scalar{}); }
  bool boolean(bool b) override {
    Scalar v{Scalar::Type::Bool, b ? 1u : 0u, {}};
    return value(std::move(v));
  }
  bool number_integer(number_integer_t i) override {
    Scalar v{Scalar::Type::Int, static_cast<std::uint64_t>(i), {}};
    return value(std::move(v));
  }
  bool number_unsigned(number_unsigned_t u) override { return value(Scalar{Scalar::Type::Uint, u, {}}); }
  bool number_float(number_float_t d, const string_t& text) override {
    if (where_ == Where::Fields && skip_ == 0) {
      try {
        return field(field_from_float(key_, d));
      } catch (const DecodeError& e) {
        return field_error(e.what());
      }
    }
    return value(Scalar{Scalar::Type::Float, 0, text});
  }
  bool string(string_t& s) override { return value(Scalar{Scalar::Type::String, 0, std::move(s)}); }
  bool binary(binary_t&) override { return value(Scalar{Scalar::Type::Composite, 0, {}}); }

  bool start_object(std::size_t) override {
    if (skip_ > 0) return ++skip_, true;
    switch (where_) {
      case Where::Top:
        where_ = op_only_ ? Where::Op : Where::Message;
        if (op_only_) ops.emplace_back();
        return true;
      case Where::OpsArray:
        if (ops.size() >= kMaxOpsPerChunk)
          return fail("OPS: more than " + std::to_string(kMaxOpsPerChunk) + " ops in one chunk");
        ops.emplace_back();
        where_ = Where::Op;
        return true;
      case Where::Op:
        if (key_ == "f") {
          ops.back().has_fields = true;
          ops.back().fields.clear();
          where_ = Where::Fields;
          return true;
        }
        return composite();
      case Where::Fields:
        field_error("fields: '" + key_ + "' must be null, a number or text");
        skip_ = 1;
        return true;
      case Where::Message:
        return composite();
      case Where::Done:
        return true;
    }
    return true;
  }
  bool end_object() override {
    if (skip_ > 0) return --skip_, true;
    switch (where_) {
      case Where::Fields: where_ = Where::Op; return true;
      case Where::Op: where_ = op_only_ ? Where::Done : Where::OpsArray; return true;
      case Where::Message: where_ = Where::Done; return true;
      default: return true;
    }
  }
  bool start_array(std::size_t) override {
    if (skip_ > 0) return ++skip_, true;
    if (where_ == Where::Top) return fail(op_only_ ? "op: must be an object" : "message body must be a JSON object");
    if (where_ == Where::Message && key_ == "ops") {
      has_ops = true;
      where_ = Where::OpsArray;
      return true;
    }
    if (where_ == Where::OpsArray) return fail("op: must be an object");
    if (where_ == Where::Fields) {
      field_error("fields: '" + key_ + "' must be null, a number or text");
      skip_ = 1;
      return true;
    }
    if (where_ == Where::Op && key_ == "f") {
      ops.back().has_fields = true;
      field_error("fields: expected a JSON object");
      skip_ = 1;
      return true;
    }
    return composite();
  }
  bool end_array() override {
    if (skip_ > 0) return --skip_, true;
    if (where_ == Where::OpsArray) where_ = Where::Message;
    return true;
  }
  bool key(string_t& k) override {
    if (skip_ == 0) key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) override {
    syntax_error = true;
    error_byte = position;
    return false;
  }

 private:
  enum class Where { Top, Message, OpsArray, Op, Fields, Done };
  bool op_only_;
  Where where_ = Where::Top;
  int skip_ = 0;  // > 0: inside a value nobody reads
  std::string key_;

  bool fail(std::string why) {
    error = std::move(why);
    return false;
  }
  // A composite value where a scalar (or nothing) is expected: recorded, its content skipped.
  bool composite() {
    if (!value(Scalar{Scalar::Type::Composite, 0, {}})) return false;
    skip_ = 1;
    return true;
  }
  bool field(Value v) {
    ops.back().fields.insert_or_assign(key_, std::move(v));
    return true;
  }
  bool field_error(std::string why) {
    if (ops.back().fields_error.empty()) ops.back().fields_error = std::move(why);
    return true;
  }
  bool value(Scalar v) {
    if (skip_ > 0) return true;
    switch (where_) {
      case Where::Top: return fail(op_only_ ? "op: must be an object" : "message body must be a JSON object");
      case Where::Message:
        if (key_ == "chunk") chunk = std::move(v);
        else if (key_ == "dataset") dataset = std::move(v);
        else if (key_ == "ops") return fail("OPS: \"ops\" must be an array");
        return true;
      case Where::OpsArray: return fail("op: must be an object");
      case Where::Op:
        if (key_ == "f") {
          ops.back().has_fields = true;
          return field_error("fields: expected a JSON object");
        }
        // Other members are skipped (forward compatibility).
        if (key_.size() == 1 && key_[0] >= 'a' && key_[0] <= 'z')
          ops.back().members[static_cast<size_t>(key_[0] - 'a')] = std::move(v);
        return true;
      case Where::Fields:
        switch (v.type) {
          case Scalar::Type::Null: return field(std::monostate{});
          case Scalar::Type::Bool: return field(field_from_bool(v.u != 0));
          case Scalar::Type::Int: return field(static_cast<std::int64_t>(v.u));
          case Scalar::Type::Uint:
            try {
              return field(field_from_unsigned(key_, v.u));
            } catch (const DecodeError& e) {
              return field_error(e.what());
            }
          case Scalar::Type::String: return field(std::move(v.s));
          default: return field_error("fields: '" + key_ + "' must be null, a number or text");
        }
      case Where::Done: return true;
    }
    return true;
  }
};

// Runs the SAX decoder; turns every failure into a WireError.
void run_ops_sax(std::string_view text, OpsSax& sax, const char* what) {
  bool ok = false;
  try {
    ok = json::sax_parse(text.begin(), text.end(), &sax);
  } catch (const json::exception& e) {
    fail(std::string(what) + ": malformed JSON: " + e.what());
  }
  if (sax.syntax_error) fail(std::string(what) + ": malformed JSON at byte " + std::to_string(sax.error_byte));
  if (!ok) fail(sax.error.empty() ? std::string(what) + ": malformed JSON" : sax.error);
}

OpsMsg decode_ops(std::string_view body) {
  OpsSax sax(false);
  run_ops_sax(body, sax, "OPS");
  OpsMsg m;
  if (!sax.chunk) fail("OPS: missing \"chunk\"");
  if (sax.chunk->type != Scalar::Type::Uint) fail("OPS: \"chunk\" must be a whole number >= 0");
  m.chunk = sax.chunk->u;
  if (!sax.dataset) fail("OPS: missing \"dataset\"");
  if (sax.dataset->type != Scalar::Type::String) fail("OPS: \"dataset\" must be a string");
  if (sax.dataset->s.size() > 80 || !is_valid_dataset_name(sax.dataset->s))
    fail("OPS: \"dataset\" is not ACTUAL or EXERCISE:<name>");
  m.dataset = sax.dataset->s;
  if (!sax.has_ops) fail("OPS: missing \"ops\"");
  m.ops.reserve(sax.ops.size());
  for (RawOp& r : sax.ops) m.ops.push_back(op_from_raw(r, m.dataset));
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
    append_op_json(out, m.ops[i]);
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
  append_op_json(out, op);
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
  OpsSax sax(true);
  run_ops_sax(text, sax, "op");
  if (sax.ops.empty()) fail("op: must be an object");
  return op_from_raw(sax.ops.front(), ds);
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
