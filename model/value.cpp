#include "model/value.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "model/errors.hpp"
#include "model/json_fields.hpp"

namespace honbu {

const std::string* as_text(const Value& v) { return std::get_if<std::string>(&v); }

std::optional<std::int64_t> as_int(const Value& v) {
  if (auto p = std::get_if<std::int64_t>(&v)) return *p;
  return std::nullopt;
}

std::optional<double> as_real(const Value& v) {
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v)) return static_cast<double>(*p);
  return std::nullopt;
}

namespace {

// Whether any of 8 bytes is a control character, '"' or '\\' (bit tricks, no branch per byte):
// text is almost never escaped, and this scan was a tenth of an op's own apply cost.
bool any_to_escape(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto has_zero = [&](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const std::uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;  // bytes < 0x20
  return (below_space | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'))) != 0;
}

// JSON string escaping per RFC 8259; text is valid UTF-8 (validated on input), so
// bytes >= 0x80 pass through unchanged.
void append_json_string_impl(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the current run of bytes that need no escaping
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (any_to_escape(w)) break;  // the byte loop below finds which
  }
  for (; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

}  // namespace

void append_json_quoted(std::string& out, std::string_view s) { append_json_string_impl(out, s); }

Value field_from_unsigned(std::string_view name, std::uint64_t v) {
  if (v > std::uint64_t{std::numeric_limits<std::int64_t>::max()})
    throw DecodeError("fields: '" + std::string(name) + "' is too large for a 64-bit integer");
  return static_cast<std::int64_t>(v);
}

Value field_from_float(std::string_view name, double d) {
  if (!std::isfinite(d)) throw DecodeError("fields: '" + std::string(name) + "' is not a finite number");
  return d;
}

namespace {
// decode_fields() without a DOM: it runs for every op read back from the log (relaying,
// bundles, verify), where nlohmann's DOM cost more than the SQLite read.
class FieldsSax : public nlohmann::json_sax<nlohmann::json> {
 public:
  Fields out;
  std::string error;  // set on a rule violation (parse errors come via parse_error)
  std::size_t error_byte = 0;
  bool syntax_error = false;

  bool null() override { return put(std::monostate{}); }
  bool boolean(bool b) override { return put(field_from_bool(b)); }
  bool number_integer(number_integer_t v) override { return put(std::int64_t{v}); }
  bool number_unsigned(number_unsigned_t v) override { return guarded([&] { return field_from_unsigned(key_, v); }); }
  bool number_float(number_float_t d, const string_t&) override { return guarded([&] { return field_from_float(key_, d); }); }
  bool string(string_t& s) override { return put(std::move(s)); }
  bool binary(binary_t&) override { return fail_value(); }
  bool start_object(std::size_t) override {
    if (depth_++ == 0) return true;
    return fail_value();
  }
  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ == 0) return fail("fields: expected a JSON object at byte 0");
    return fail_value();
  }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    syntax_error = true;
    error_byte = position;
    error = ex.what();
    return false;
  }

 private:
  int depth_ = 0;
  std::string key_;
  bool put(Value v) {
    if (depth_ != 1) return fail("fields: expected a JSON object at byte 0");
    out.insert_or_assign(key_, std::move(v));  // a repeated name: the last one wins (as a DOM)
    return true;
  }
  template <class F>
  bool guarded(F&& f) {
    try {
      return put(f());
    } catch (const DecodeError& e) {
      return fail(e.what());
    }
  }
  bool fail_value() { return fail("fields: '" + key_ + "' must be null, a number or text"); }
  bool fail(std::string why) {
    error = std::move(why);
    return false;
  }
};
}  // namespace

// Hand-written rather than nlohmann::dump: this runs for every op stored (3x faster).
// decode_fields below still uses nlohmann's parser, which is fuzzed upstream.
std::string encode_fields(const Fields& fields) {
  std::string out;
  out.reserve(fields.size() * 32 + 2);
  out += '{';
  char num[32];
  for (const auto& [name, value] : fields) {
    if (out.size() > 1) out += ',';
    append_json_string_impl(out, name);
    out += ':';
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            out += "null";
          } else if constexpr (std::is_same_v<T, std::string>) {
            append_json_string_impl(out, x);
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            auto [p, ec] = std::to_chars(num, num + sizeof num, x);
            out.append(num, p);
          } else {
            // Shortest form that round-trips; always with '.' or 'e' so it decodes as a double.
            auto [p, ec] = std::to_chars(num, num + sizeof num, x);
            std::string_view text(num, static_cast<size_t>(p - num));
            out += text;
            if (text.find_first_of(".eEn") == std::string_view::npos) out += ".0";
          }
        },
        value);
  }
  out += '}';
  return out;
}

Fields decode_fields(std::string_view json) {
  FieldsSax sax;
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(json.begin(), json.end(), &sax);
  } catch (const nlohmann::json::exception& e) {  // e.g. out_of_range 406: 1e400
    throw DecodeError(std::string("fields: malformed JSON: ") + e.what());
  }
  if (sax.syntax_error)
    throw DecodeError("fields: malformed JSON at byte " + std::to_string(sax.error_byte) + ": " + sax.error);
  if (!ok) throw DecodeError(sax.error.empty() ? std::string("fields: malformed JSON") : sax.error);
  return std::move(sax.out);
}

Fields fields_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw DecodeError("fields: expected a JSON object");
  Fields out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const auto& v = it.value();
    if (v.is_null()) {
      out.emplace(it.key(), std::monostate{});
    } else if (v.is_number_unsigned() &&
               v.get<std::uint64_t>() > std::uint64_t{std::numeric_limits<std::int64_t>::max()}) {
      throw DecodeError("fields: '" + it.key() + "' is too large for a 64-bit integer");
    } else if (v.is_number_integer()) {
      out.emplace(it.key(), v.get<std::int64_t>());
    } else if (v.is_number_float()) {
      double d = v.get<double>();
      if (!std::isfinite(d)) throw DecodeError("fields: '" + it.key() + "' is not a finite number");
      out.emplace(it.key(), d);
    } else if (v.is_string()) {
      out.emplace(it.key(), v.get<std::string>());
    } else if (v.is_boolean()) {
      out.emplace(it.key(), static_cast<std::int64_t>(v.get<bool>() ? 1 : 0));
    } else {
      throw DecodeError("fields: '" + it.key() + "' must be null, a number or text");
    }
  }
  return out;
}

nlohmann::json fields_to_json(const Fields& fields) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, value] : fields) {
    std::visit(
        [&j, &name = name](const auto& x) {  // named captures: clang 14 cannot capture a binding
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::monostate>)
            j[name] = nullptr;
          else
            j[name] = x;
        },
        value);
  }
  return j;
}

std::string debug_string(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "null";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return nlohmann::json(x).dump();
        } else if constexpr (std::is_same_v<T, double>) {
          return nlohmann::json(x).dump();
        } else {
          return std::to_string(x);
        }
      },
      v);
}

int compare_values(const Value& a, const Value& b) {
  auto rank = [](const Value& v) {
    if (is_null(v)) return 0;
    if (std::holds_alternative<std::string>(v)) return 2;
    return 1;
  };
  int ra = rank(a), rb = rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 0) return 0;
  if (ra == 2) {
    int c = std::get<std::string>(a).compare(std::get<std::string>(b));
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  auto ia = as_int(a), ib = as_int(b);
  if (ia && ib) return *ia < *ib ? -1 : (*ia > *ib ? 1 : 0);
  double da = *as_real(a), db = *as_real(b);
  return da < db ? -1 : (da > db ? 1 : 0);
}

}  // namespace honbu
