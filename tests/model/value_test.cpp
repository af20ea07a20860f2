// model/value.hpp: field values, canonical JSON encoding of Fields, total order of values.
#include "model/value.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <limits>
#include <string>
#include <vector>

#include "model/errors.hpp"
#include "model/json_fields.hpp"

using namespace honbu;

namespace {

// The DecodeError message for `json`, or "" if it decoded.
std::string decode_error(std::string_view json) {
  try {
    decode_fields(json);
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// ---------------------------------------------------------------- accessors

TEST(ValueAccess, AsTextOnlyForText) {
  const Value t = std::string("避難所"), i = std::int64_t{3}, n;
  ASSERT_NE(as_text(t), nullptr);
  EXPECT_EQ(*as_text(t), "避難所");
  EXPECT_EQ(as_text(i), nullptr);
  EXPECT_EQ(as_text(n), nullptr);
}

TEST(ValueAccess, AsIntOnlyForExactInts) {
  EXPECT_EQ(as_int(Value{std::int64_t{-7}}), -7);
  EXPECT_FALSE(as_int(Value{3.0}));
  EXPECT_FALSE(as_int(Value{std::string("3")}));
  EXPECT_FALSE(as_int(Value{}));
}

TEST(ValueAccess, AsRealWidensInts) {
  EXPECT_EQ(as_real(Value{2.5}), 2.5);
  EXPECT_EQ(as_real(Value{std::int64_t{4}}), 4.0);
  EXPECT_FALSE(as_real(Value{std::string("4")}));
  EXPECT_FALSE(as_real(Value{}));
}

TEST(ValueAccess, NullIsNotZero) {
  EXPECT_TRUE(is_null(Value{}));
  EXPECT_FALSE(is_null(Value{std::int64_t{0}}));
  EXPECT_FALSE(is_null(Value{0.0}));
  EXPECT_FALSE(is_null(Value{std::string()}));
  EXPECT_NE(Value{}, Value{std::int64_t{0}});
}

// ---------------------------------------------------------------- encode_fields

TEST(ValueEncode, EmptyObject) { EXPECT_EQ(encode_fields({}), "{}"); }

TEST(ValueEncode, SortedKeysNoWhitespace) {
  Fields f;
  f["status"] = std::string("open");
  f["affected"] = std::int64_t{120};
  f["note"] = Value{};
  f["lat"] = 38.43;
  EXPECT_EQ(encode_fields(f), R"({"affected":120,"lat":38.43,"note":null,"status":"open"})");
}

TEST(ValueEncode, KeysSortedBytewise) {
  Fields f{{"b", std::int64_t{1}}, {"_", std::int64_t{2}}, {"B", std::int64_t{3}},
           {"避", std::int64_t{4}}, {"a1", std::int64_t{5}}, {"a", std::int64_t{6}}};
  EXPECT_EQ(encode_fields(f), R"({"B":3,"_":2,"a":6,"a1":5,"b":1,"避":4})");
}

TEST(ValueEncode, SameFieldsSameTextWhateverTheInsertionOrder) {
  Fields a, b;
  a["x"] = std::int64_t{1};
  a["y"] = std::string("2");
  a["z"] = 3.5;
  b["z"] = 3.5;
  b["y"] = std::string("2");
  b["x"] = std::int64_t{1};
  EXPECT_EQ(encode_fields(a), encode_fields(b));
}

TEST(ValueEncode, WholeDoublesKeepADecimalPoint) {
  EXPECT_EQ(encode_fields({{"a", 35.0}}), R"({"a":35.0})");
  EXPECT_EQ(encode_fields({{"a", 0.0}}), R"({"a":0.0})");
  EXPECT_EQ(encode_fields({{"a", -2.0}}), R"({"a":-2.0})");
  EXPECT_EQ(encode_fields({{"a", 123456789.0}}), R"({"a":123456789.0})");
  EXPECT_EQ(encode_fields({{"a", std::int64_t{35}}}), R"({"a":35})");
}

TEST(ValueEncode, DoublesUseShortestRoundTripForm) {
  EXPECT_EQ(encode_fields({{"a", 0.1}}), R"({"a":0.1})");
  EXPECT_EQ(encode_fields({{"a", 139.6917}}), R"({"a":139.6917})");
}

TEST(ValueEncode, TextEscapedAsJson) {
  const Fields f{{"t", std::string("a\"b\\c\nd\te\x01/\x7f")}};
  EXPECT_EQ(encode_fields(f), "{\"t\":\"a\\\"b\\\\c\\nd\\te\\u0001/\x7f\"}");
}

// The escaper scans eight bytes at a time: it must agree with the byte-by-byte rule on every
// length and at every position of the byte to escape (random strings, seed printed).
TEST(ValueEncode, WordAtATimeEscapingAgreesWithTheByteRule) {
  auto reference = [](std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      static constexpr char kHex[] = "0123456789abcdef";
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (c == '\b') out += "\\b";
      else if (c == '\f') out += "\\f";
      else if (c < 0x20) out += std::string("\\u00") + kHex[c >> 4] + kHex[c & 15];
      else out += ch;
    }
    return out + "\"";
  };
  const std::uint64_t seed = 20261202;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  // Mostly bytes that need no escaping (ASCII, UTF-8 of 避難所), now and then one that does.
  const std::string plain = "abcXYZ019 /_-\x7f" "\xe9\x81\xbf\xe9\x9b\xa3\xe6\x89\x80";
  const std::string special = std::string("\"\\\n\r\t\b\f\x01\x1f\x00", 10);
  for (int n = 0; n < 20000; ++n) {
    std::string s(rng() % 40, ' ');
    for (char& c : s) c = rng() % 24 == 0 ? special[rng() % special.size()] : plain[rng() % plain.size()];
    std::string out;
    append_json_quoted(out, s);
    ASSERT_EQ(out, reference(s)) << "seed " << seed << ", case " << n;
  }
}

TEST(ValueEncode, UnicodeTextPassesThroughUnescaped) {
  const Fields f{{"name", std::string("石巻市 避難所 𠮷")}};
  EXPECT_EQ(encode_fields(f), "{\"name\":\"石巻市 避難所 𠮷\"}");
}

TEST(ValueEncode, KeysAreEscapedToo) {
  const Fields f{{"a\"b", std::int64_t{1}}};
  EXPECT_EQ(encode_fields(f), R"({"a\"b":1})");
}

// ---------------------------------------------------------------- round trip

TEST(ValueRoundTrip, EveryKindOfValue) {
  Fields f;
  f["null"] = Value{};
  f["zero"] = std::int64_t{0};
  f["neg"] = std::int64_t{-42};
  f["max"] = std::numeric_limits<std::int64_t>::max();
  f["min"] = std::numeric_limits<std::int64_t>::min();
  f["whole_double"] = 35.0;
  f["neg_double"] = -2.5;
  f["tenth"] = 0.1;
  f["tiny"] = 1e-7;
  f["huge"] = 1e20;
  f["dbl_max"] = std::numeric_limits<double>::max();
  f["denormal"] = std::numeric_limits<double>::denorm_min();
  f["lon"] = 141.30266;
  f["text"] = std::string("避難所「中央公民館」\n2階");
  f["empty_text"] = std::string();
  f["emoji"] = std::string("\xF0\x9F\x98\x80");
  f["controls"] = std::string("\x01\x02\x1f\b\f\r");
  f["quotes"] = std::string("\"\\'");
  f["日本語キー"] = std::string("値");
  const std::string json = encode_fields(f);
  const Fields back = decode_fields(json);
  EXPECT_EQ(back, f) << json;
  EXPECT_EQ(encode_fields(back), json);
}

TEST(ValueRoundTrip, DoublesStayDoubles) {
  for (double d : {35.0, 0.0, -0.0, 1.0, 100.0, 1e15, 1e16, 1e20, 123456789.0}) {
    const Fields back = decode_fields(encode_fields({{"v", d}}));
    ASSERT_TRUE(std::holds_alternative<double>(back.at("v"))) << d << " " << encode_fields({{"v", d}});
    EXPECT_EQ(std::get<double>(back.at("v")), d);
    EXPECT_EQ(std::signbit(std::get<double>(back.at("v"))), std::signbit(d)) << d;
  }
}

TEST(ValueRoundTrip, IntsStayInts) {
  for (std::int64_t i : {std::int64_t{0}, std::int64_t{35}, std::int64_t{-1},
                         std::int64_t{9'007'199'254'740'993},  // 2^53 + 1: not a double
                         std::numeric_limits<std::int64_t>::max(),
                         std::numeric_limits<std::int64_t>::min()}) {
    const Fields back = decode_fields(encode_fields({{"v", i}}));
    ASSERT_TRUE(std::holds_alternative<std::int64_t>(back.at("v"))) << i;
    EXPECT_EQ(std::get<std::int64_t>(back.at("v")), i);
  }
}

TEST(ValueRoundTrip, NullStaysNull) {
  const Fields back = decode_fields(encode_fields({{"dead", Value{}}}));
  ASSERT_EQ(back.count("dead"), 1u);
  EXPECT_TRUE(is_null(back.at("dead")));
}

// ---------------------------------------------------------------- decode_fields

TEST(ValueDecode, AcceptsWhitespaceAndAnyKeyOrder) {
  const Fields f = decode_fields(" {\n \"b\" : 2 ,\t\"a\" : \"x\" } ");
  EXPECT_EQ(encode_fields(f), R"({"a":"x","b":2})");
}

TEST(ValueDecode, NumbersWithExponentOrPointAreDoubles) {
  const Fields f = decode_fields(R"({"a":1.0,"b":1e2,"c":2,"d":-0.5E-1})");
  EXPECT_EQ(f.at("a"), Value{1.0});
  EXPECT_EQ(f.at("b"), Value{100.0});
  EXPECT_EQ(f.at("c"), Value{std::int64_t{2}});
  EXPECT_EQ(f.at("d"), Value{-0.05});
}

TEST(ValueDecode, JsonEscapesDecoded) {
  const Fields f = decode_fields(R"({"a":"\u907f\u96e3","b":"\ud83d\ude00","c":"\n\/"})");
  EXPECT_EQ(f.at("a"), Value{std::string("避難")});
  EXPECT_EQ(f.at("b"), Value{std::string("\xF0\x9F\x98\x80")});
  EXPECT_EQ(f.at("c"), Value{std::string("\n/")});
}

TEST(ValueDecode, BooleansBecomeZeroOrOne) {
  const Fields f = decode_fields(R"({"t":true,"f":false})");
  EXPECT_EQ(f.at("t"), Value{std::int64_t{1}});
  EXPECT_EQ(f.at("f"), Value{std::int64_t{0}});
}

TEST(ValueDecode, EmptyObject) { EXPECT_TRUE(decode_fields("{}").empty()); }

TEST(ValueDecode, MalformedJsonNamesTheByteOffset) {
  // nlohmann counts bytes from 1: the offset is the position of the byte that made the
  // input invalid (here the '}' after a trailing comma is the 8th byte).
  const std::string e1 = decode_error(R"({"a":1,})");
  EXPECT_NE(e1.find("malformed JSON at byte 8"), std::string::npos) << e1;
  const std::string e2 = decode_error(R"({"a":x})");
  EXPECT_NE(e2.find("at byte 6"), std::string::npos) << e2;
  const std::string e3 = decode_error(R"({"a":1)");  // truncated: end of input after 6 bytes
  EXPECT_NE(e3.find("at byte 7"), std::string::npos) << e3;
  const std::string e4 = decode_error(R"({"a" 1})");
  EXPECT_NE(e4.find("at byte 6"), std::string::npos) << e4;
}

TEST(ValueDecode, MalformedJsonSaysWhy) {
  const std::string e = decode_error(R"({"a":1,})");
  EXPECT_NE(e.find("fields:"), std::string::npos) << e;
  EXPECT_NE(e.find("unexpected '}'"), std::string::npos) << e;
}

TEST(ValueDecode, EmptyInputIsMalformed) {
  const std::string e = decode_error("");
  EXPECT_NE(e.find("byte"), std::string::npos) << e;
}

TEST(ValueDecode, TrailingGarbageIsMalformed) {
  EXPECT_NE(decode_error(R"({"a":1}x)"), "");
  EXPECT_NE(decode_error(R"({"a":1}{})"), "");
}

TEST(ValueDecode, InvalidUtf8InTextRejected) {
  const std::string e = decode_error("{\"a\":\"\xFF\"}");
  EXPECT_NE(e.find("at byte"), std::string::npos) << e;
}

TEST(ValueDecode, RejectsArraysAndObjectsAsValues) {
  const std::string e1 = decode_error(R"({"dead":[1,2]})");
  EXPECT_NE(e1.find("'dead'"), std::string::npos) << e1;
  EXPECT_NE(e1.find("must be null, a number or text"), std::string::npos) << e1;
  const std::string e2 = decode_error(R"({"a":1,"where":{"lat":1}})");
  EXPECT_NE(e2.find("'where'"), std::string::npos) << e2;
  EXPECT_NE(decode_error(R"({"a":[]})"), "");
  EXPECT_NE(decode_error(R"({"a":{}})"), "");
}

TEST(ValueDecode, RejectsNonObjectTopLevel) {
  for (const char* json : {"[1]", "[]", "1", "null", "\"x\"", "true", "1.5"}) {
    const std::string e = decode_error(json);
    EXPECT_NE(e.find("expected a JSON object at byte 0"), std::string::npos) << json << ": " << e;
  }
}

TEST(ValueDecode, DecodeErrorIsAModelError) {
  EXPECT_THROW(decode_fields("[1]"), DecodeError);
  EXPECT_THROW(decode_fields("{"), Error);
}

TEST(ValueDecode, NumberTooLargeForADoubleIsADecodeError) {
  // nlohmann reports 1e400 as out_of_range (not parse_error); it must still surface as a
  // DecodeError so that callers who catch DecodeError for bad remote input see it.
  EXPECT_THROW(decode_fields(R"({"a":1e400})"), DecodeError);
  EXPECT_THROW(decode_fields(R"({"a":-1e400})"), DecodeError);
}

TEST(ValueDecode, IntegerBeyondInt64IsRejectedNotWrapped) {
  // 2^63 and 2^64-1 used to come back as INT64_MIN and -1: a count flipping sign.
  EXPECT_THROW(decode_fields(R"({"a":9223372036854775808})"), DecodeError);
  EXPECT_THROW(decode_fields(R"({"a":18446744073709551615})"), DecodeError);
  // The largest int64 is fine.
  EXPECT_EQ(decode_fields(R"({"a":9223372036854775807})").at("a"),
            Value{std::numeric_limits<std::int64_t>::max()});
}

// ---------------------------------------------------------------- debug_string

TEST(ValueDebugString, RendersEachKind) {
  EXPECT_EQ(debug_string(Value{}), "null");
  EXPECT_EQ(debug_string(Value{std::int64_t{-12}}), "-12");
  EXPECT_EQ(debug_string(Value{35.0}), "35.0");
  EXPECT_EQ(debug_string(Value{0.5}), "0.5");
  EXPECT_EQ(debug_string(Value{std::string("a\"b")}), R"("a\"b")");
}

// ---------------------------------------------------------------- compare_values

TEST(ValueCompare, NullBeforeNumbersBeforeText) {
  const Value null, num = std::int64_t{-1'000'000}, real = -1e300, text = std::string("");
  EXPECT_LT(compare_values(null, num), 0);
  EXPECT_LT(compare_values(null, real), 0);
  EXPECT_LT(compare_values(num, text), 0);
  EXPECT_LT(compare_values(real, text), 0);
  EXPECT_LT(compare_values(null, text), 0);
  EXPECT_GT(compare_values(text, null), 0);
  EXPECT_EQ(compare_values(null, null), 0);
}

TEST(ValueCompare, IntsAndRealsCompareNumerically) {
  EXPECT_LT(compare_values(Value{std::int64_t{2}}, Value{2.5}), 0);
  EXPECT_GT(compare_values(Value{3.5}, Value{std::int64_t{3}}), 0);
  EXPECT_EQ(compare_values(Value{std::int64_t{3}}, Value{3.0}), 0);
  EXPECT_LT(compare_values(Value{std::int64_t{-1}}, Value{std::int64_t{0}}), 0);
  EXPECT_LT(compare_values(Value{-0.5}, Value{std::int64_t{0}}), 0);
  EXPECT_EQ(compare_values(Value{std::int64_t{7}}, Value{std::int64_t{7}}), 0);
}

TEST(ValueCompare, LargeIntsCompareExactly) {
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  EXPECT_GT(compare_values(Value{big}, Value{big - 1}), 0);
  EXPECT_LT(compare_values(Value{std::int64_t{9'007'199'254'740'992}},
                           Value{std::int64_t{9'007'199'254'740'993}}),
            0);
}

TEST(ValueCompare, TextComparesBytewise) {
  EXPECT_LT(compare_values(Value{std::string("a")}, Value{std::string("b")}), 0);
  EXPECT_LT(compare_values(Value{std::string("B")}, Value{std::string("a")}), 0);
  EXPECT_LT(compare_values(Value{std::string("a")}, Value{std::string("ab")}), 0);
  EXPECT_EQ(compare_values(Value{std::string("避難")}, Value{std::string("避難")}), 0);
  EXPECT_GT(compare_values(Value{std::string("避")}, Value{std::string("z")}), 0);
}

TEST(ValueCompare, ResultIsMinusOneZeroOrOneAndAntisymmetric) {
  const std::vector<Value> values = {Value{},
                                     Value{std::int64_t{-5}},
                                     Value{-4.5},
                                     Value{std::int64_t{0}},
                                     Value{0.0},
                                     Value{std::int64_t{12}},
                                     Value{12.25},
                                     Value{std::string("")},
                                     Value{std::string("abc")},
                                     Value{std::string("未確認")}};
  for (const Value& a : values) {
    for (const Value& b : values) {
      const int ab = compare_values(a, b), ba = compare_values(b, a);
      EXPECT_TRUE(ab == -1 || ab == 0 || ab == 1);
      EXPECT_EQ(ab, -ba) << debug_string(a) << " vs " << debug_string(b);
    }
  }
  // Transitive along the listed order (each value is <= the next).
  for (size_t i = 0; i + 1 < values.size(); ++i)
    for (size_t j = i + 1; j < values.size(); ++j)
      EXPECT_LE(compare_values(values[i], values[j]), 0) << i << " " << j;
}
