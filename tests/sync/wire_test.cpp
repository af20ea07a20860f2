// The wire codec: round trips of every message, and a clear WireError (never a crash) for
// malformed, truncated, oversized or other-version input.
#include "sync/wire.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <nlohmann/json.hpp>

#include "model/store.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

using namespace honbu;
using namespace honbu::sync;

namespace {

Op sample_op() {
  Op op;
  op.origin = "kita";
  op.seq = 42;
  op.hlc = Hlc::make(1'795'300'000'000, 3);
  op.dataset = "ACTUAL";
  op.kind = EntityKind::Incident;
  op.entity_id = "01JDEMO000000000000000000A";
  op.type = OpType::Upsert;
  op.fields = {{"title", "家屋倒壊 \"閉じ込め\"\n2名"}, {"dead", Value{}}, {"lat", 35.33}, {"trapped", std::int64_t{2}}};
  op.base = {{"status", {Hlc::make(1'795'299'000'000, 0), "hq"}}};
  op.operator_name = "田中";
  op.signature = std::string(64, '\x7f');
  return op;
}

template <class T>
T round_trip(const T& m) {
  const Frames f = encode(Message{m});
  return std::get<T>(decode(f.header, f.body));
}

std::string error_of(std::string_view header, std::string_view body) {
  try {
    decode(header, body);
  } catch (const WireError& e) {
    return e.what();
  }
  return "";
}

const std::string kHello = std::string("HB\x01\x01", 4);

}  // namespace

TEST(Wire, EveryMessageRoundTrips) {
  Hello h{"kita", "branch", "EXERCISE:quake", 3, {{"hq", 10}, {"kita", 4}}, 8, {}};
  EXPECT_EQ(round_trip(h), h);
  h.heads = {{"hq", std::string(32, '\x01')}, {"kita", std::string(32, '\xfe')}};
  EXPECT_EQ(round_trip(h), h);
  VectorMsg v{{{"hq", 1}}};
  EXPECT_EQ(round_trip(v), v);
  Ack a{7, {{"hq", 3}}, {{"kita", 9, "not signed"}}};
  EXPECT_EQ(round_trip(a), a);
  Ping p{1'795'300'000'123};
  EXPECT_EQ(round_trip(p), p);
  ErrorMsg e{"dataset_mismatch", "違うデータセット"};
  EXPECT_EQ(round_trip(e), e);
  OpsMsg ops{5, "ACTUAL", {sample_op(), sample_op()}};
  ops.ops[1].seq = 43;
  ops.ops[1].signature.clear();
  const OpsMsg back = round_trip(ops);
  ASSERT_EQ(back.ops.size(), 2u);
  EXPECT_EQ(back.chunk, 5u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(back.ops[i].same_content(ops.ops[i]));
    EXPECT_EQ(back.ops[i].origin, ops.ops[i].origin);
    EXPECT_EQ(back.ops[i].seq, ops.ops[i].seq);
    EXPECT_EQ(back.ops[i].signature, ops.ops[i].signature);
  }
}

TEST(Wire, HeaderIsSmallAndDocumented) {
  const Frames f = encode(Message{Ping{1}});
  EXPECT_EQ(f.header, std::string("HB\x01\x05", 4));
  EXPECT_EQ(nlohmann::json::parse(f.body), nlohmann::json({{"t", 1}}));
}

TEST(Wire, OpJsonIsWhatProtocolMdSays) {
  const auto j = nlohmann::json::parse(encode_op_json(sample_op()));
  EXPECT_EQ(j["o"], "kita");
  EXPECT_EQ(j["s"], 42);
  EXPECT_EQ(j["k"], "incident");
  EXPECT_EQ(j["t"], "upsert");
  EXPECT_EQ(j["f"]["trapped"], 2);
  EXPECT_TRUE(j["f"]["dead"].is_null());
  EXPECT_EQ(j["b"], std::to_string(Hlc::make(1'795'299'000'000, 0).packed) + "@hq:status");
  EXPECT_EQ(j["g"].get<std::string>().size(), 88u);  // base64 of 64 bytes
}

TEST(Wire, RejectsWrongHeaderAndVersion) {
  EXPECT_NE(error_of("", "{}").find("header"), std::string::npos);
  EXPECT_NE(error_of("HB", "{}").find("4 bytes"), std::string::npos);
  EXPECT_NE(error_of(std::string("XX\x01\x01", 4), "{}").find("HB"), std::string::npos);
  EXPECT_NE(error_of(std::string("HB\x02\x01", 4), "{}").find("version 2"), std::string::npos);
  EXPECT_NE(error_of(std::string("HB\x01\x63", 4), "{}").find("unknown message type"), std::string::npos);
}

TEST(Wire, RejectsMalformedBodiesNamingTheProblem) {
  EXPECT_NE(error_of(kHello, "{\"node\":").find("malformed JSON at byte"), std::string::npos);
  EXPECT_NE(error_of(kHello, "[]").find("JSON object"), std::string::npos);
  const std::string good = encode(Message{Hello{"kita", "branch", "ACTUAL", 3, {{"hq", 2}}, 4, {}}}).body;
  auto with = [&](const char* key, nlohmann::json v) {
    auto j = nlohmann::json::parse(good);
    if (v.is_discarded()) j.erase(key); else j[key] = v;
    return j.dump();
  };
  EXPECT_NE(error_of(kHello, with("node", nlohmann::json::value_t::discarded)).find("missing \"node\""), std::string::npos);
  EXPECT_NE(error_of(kHello, with("node", "bad id!")).find("not a valid node id"), std::string::npos);
  EXPECT_NE(error_of(kHello, with("role", "boss")).find("unknown role"), std::string::npos);
  EXPECT_NE(error_of(kHello, with("dataset", "DRILL")).find("dataset"), std::string::npos);
  EXPECT_NE(error_of(kHello, with("window", 0)).find("window"), std::string::npos);
  EXPECT_NE(error_of(kHello, with("vector", {{"hq", -1}})).find("vector seq"), std::string::npos);
  EXPECT_NE(error_of(kHello, with("schema", "3")).find("whole number"), std::string::npos);
  // heads: optional; each for an origin of the vector, 32 bytes of base64.
  const std::string head = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
  EXPECT_EQ(error_of(kHello, with("heads", {{"hq", head}})), "");
  EXPECT_NE(error_of(kHello, with("heads", {{"kita", head}})).find("not in its vector"), std::string::npos);
  EXPECT_NE(error_of(kHello, with("heads", {{"hq", "AQEB"}})).find("32 bytes"), std::string::npos);
  EXPECT_NE(error_of(kHello, with("heads", {{"hq", 7}})).find("base64"), std::string::npos);
  EXPECT_NE(error_of(kHello, with("heads", nlohmann::json::array())).find("heads"), std::string::npos);
}

TEST(Wire, RejectsBadOps) {
  auto ops_body = [](nlohmann::json op) {
    return nlohmann::json{{"chunk", 1}, {"dataset", "ACTUAL"}, {"ops", nlohmann::json::array({op})}}.dump();
  };
  const std::string ops_header("HB\x01\x03", 4);
  auto good = nlohmann::json::parse(encode_op_json(sample_op()));
  auto bad = good;
  bad["k"] = "spaceship";
  EXPECT_NE(error_of(ops_header, ops_body(bad)).find("unknown kind"), std::string::npos);
  bad = good;
  bad["s"] = 0;
  EXPECT_NE(error_of(ops_header, ops_body(bad)).find("seq"), std::string::npos);
  bad = good;
  bad["f"] = {{"x", {1, 2}}};
  EXPECT_NE(error_of(ops_header, ops_body(bad)).find("must be null, a number or text"), std::string::npos);
  bad = good;
  bad["b"] = "garbage";
  EXPECT_NE(error_of(ops_header, ops_body(bad)).find("base clocks"), std::string::npos);
  bad = good;
  bad["g"] = "***";
  EXPECT_NE(error_of(ops_header, ops_body(bad)).find("base64"), std::string::npos);
  nlohmann::json many = nlohmann::json::array();
  for (size_t i = 0; i <= kMaxOpsPerChunk; ++i) many.push_back(good);
  EXPECT_NE(error_of(ops_header, nlohmann::json{{"chunk", 1}, {"dataset", "ACTUAL"}, {"ops", many}}.dump())
                .find("more than"),
            std::string::npos);
}

TEST(Wire, RejectsOversizedBodiesWithoutParsing) {
  const std::string huge(kMaxBodyBytes + 1, ' ');
  EXPECT_NE(error_of(kHello, huge).find("larger than"), std::string::npos);
}

TEST(Wire, TruncationsOfAValidMessageAreAllRejectedCleanly) {
  const Frames f = encode(Message{OpsMsg{1, "ACTUAL", {sample_op()}}});
  for (size_t n = 0; n < f.body.size(); ++n) {
    EXPECT_NO_FATAL_FAILURE({
      try {
        decode(f.header, std::string_view(f.body).substr(0, n));
        ADD_FAILURE() << "a truncated body of " << n << " bytes decoded";
      } catch (const WireError&) {
      }
    });
  }
}

// The corpus for the fuzz target is made of real messages (kept in the repository).
TEST(Wire, FuzzCorpusSeedsAreValidMessages) {
  const std::string dir = std::string(HONBU_SOURCE_DIR) + "/tests/fuzz/corpus/wire/";
  int count = 0;
  for (const char* name : {"hello.bin", "vector.bin", "ops.bin", "ack.bin", "ping.bin", "error.bin"}) {
    std::ifstream f(dir + name, std::ios::binary);
    ASSERT_TRUE(f) << dir + name;
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_NO_THROW(decode(std::string_view(s).substr(0, 4), std::string_view(s).substr(4))) << name;
    ++count;
  }
  EXPECT_EQ(count, 6);
}

// The OPS decoder (simdjson): unknown members are skipped however deep they nest, a repeated
// member keeps its last value, and structure errors still name what is wrong.
TEST(Wire, OpsDecoderSkipsUnknownMembersAndChecksStructure) {
  const std::string ops_header("HB\x01\x03", 4);
  auto good = nlohmann::json::parse(encode_op_json(sample_op()));
  auto body = [](nlohmann::json ops, nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json j{{"chunk", 7}, {"dataset", "ACTUAL"}, {"ops", std::move(ops)}};
    for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
    return j.dump();
  };
  auto op = good;
  op["zz"] = {{"deep", {1, {{"x", nullptr}}, "t"}}};  // from a newer version: ignored
  op["x"] = {1, 2, 3};
  const Message m = decode(ops_header, body({op, good}, {{"future", {{"a", {1, 2}}}}}));
  const auto& ops = std::get<OpsMsg>(m);
  EXPECT_EQ(ops.chunk, 7u);
  ASSERT_EQ(ops.ops.size(), 2u);
  EXPECT_EQ(ops.ops[0].fields, sample_op().fields);
  EXPECT_EQ(ops.ops[0].signature, sample_op().signature);

  // A repeated member: the last one counts.
  const std::string dup = R"({"chunk":1,"dataset":"ACTUAL","ops":[)" + encode_op_json(sample_op()).substr(0, 1) +
                          R"("i":"first",)" + encode_op_json(sample_op()).substr(1) + "]}";
  EXPECT_EQ(std::get<OpsMsg>(decode(ops_header, dup)).ops[0].entity_id, sample_op().entity_id);

  EXPECT_NE(error_of(ops_header, R"({"chunk":1,"dataset":"ACTUAL","ops":{}})").find("must be an array"), std::string::npos);
  EXPECT_NE(error_of(ops_header, R"({"chunk":1,"dataset":"ACTUAL","ops":[5]})").find("must be an object"), std::string::npos);
  EXPECT_NE(error_of(ops_header, R"({"chunk":1,"dataset":"ACTUAL","ops":[[]]})").find("must be an object"), std::string::npos);
  EXPECT_NE(error_of(ops_header, R"({"dataset":"ACTUAL","ops":[]})").find("missing \"chunk\""), std::string::npos);
  EXPECT_NE(error_of(ops_header, R"({"chunk":-1,"dataset":"ACTUAL","ops":[]})").find("chunk"), std::string::npos);
  EXPECT_NE(error_of(ops_header, R"({"chunk":1,"dataset":"DRILL","ops":[]})").find("dataset"), std::string::npos);
  EXPECT_NE(error_of(ops_header, R"({"chunk":1,"dataset":"ACTUAL"})").find("missing \"ops\""), std::string::npos);
  EXPECT_NE(error_of(ops_header, "[1]").find("JSON object"), std::string::npos);
  auto bad = good;
  bad["f"] = 3;
  EXPECT_NE(error_of(ops_header, body({bad})).find("JSON object"), std::string::npos);
  bad = good;
  bad["f"] = {{"n", 18446744073709551615ull}};
  EXPECT_NE(error_of(ops_header, body({bad})).find("too large"), std::string::npos);
  bad = good;
  bad.erase("u");
  EXPECT_NE(error_of(ops_header, body({bad})).find("missing \"u\""), std::string::npos);
  bad = good;
  bad["p"] = "AAAA";
  EXPECT_NE(error_of(ops_header, body({bad})).find("32 bytes"), std::string::npos);
}

// What simdjson refuses still gets a reason a person can act on: the byte of a syntax error
// (found again by nlohmann), or simdjson's own words for what it alone refuses.
TEST(Wire, OpsDecoderNamesTheByteOrTheReason) {
  const std::string ops_header("HB\x01\x03", 4);
  const std::string good = encode(Message{OpsMsg{1, "ACTUAL", {sample_op()}}}).body;
  EXPECT_NE(error_of(ops_header, "").find("OPS: malformed JSON at byte 1"), std::string::npos) << error_of(ops_header, "");
  std::string broken = good;
  broken[20] = '}';  // inside "dataset":"ACTUAL" -> a stray brace
  EXPECT_NE(error_of(ops_header, broken).find("malformed JSON at byte 21"), std::string::npos) << error_of(ops_header, broken);
  EXPECT_NE(error_of(ops_header, good + "x").find("malformed JSON at byte"), std::string::npos);
  // An integer beyond 64 bits: nlohmann reads it as a float, simdjson refuses the text.
  const std::string big = R"({"chunk":123456789012345678901234567890,"dataset":"ACTUAL","ops":[]})";
  const std::string e = error_of(ops_header, big);
  EXPECT_NE(e.find("OPS: malformed JSON: "), std::string::npos) << e;
  EXPECT_GT(e.size(), std::string("OPS: malformed JSON: ").size()) << e;
  // The bundle reader's op lines go through the same decoder.
  try {
    decode_op_json("{\"o\":", "ACTUAL");
    ADD_FAILURE() << "a truncated op decoded";
  } catch (const WireError& x) {
    EXPECT_NE(std::string(x.what()).find("op: malformed JSON at byte"), std::string::npos) << x.what();
  }
  // And the same parser decodes the next good chunk after every refusal.
  EXPECT_EQ(std::get<OpsMsg>(decode(ops_header, good)).ops.at(0).entity_id, sample_op().entity_id);
}

TEST(Wire, OpJsonCarriesTheChainLink) {
  Op op = sample_op();
  op.prev = std::string(32, '\x07');
  const Op back = decode_op_json(encode_op_json(op), "ACTUAL");
  EXPECT_EQ(back.prev, op.prev);
  EXPECT_EQ(signing_bytes(back), signing_bytes(op));
  EXPECT_EQ(signing_bytes(op).rfind("honbu-op-v2", 0), 0u);
  op.prev.clear();
  EXPECT_EQ(signing_bytes(op).rfind("honbu-op-v1", 0), 0u);
}

TEST(Wire, OpsFramesFromEncodedOpsAreTheSameBytes) {
  // The relay cache sends ops it encoded earlier; a receiver must not tell the difference.
  OpsMsg m{9, "EXERCISE:quake", {sample_op(), sample_op(), sample_op()}};
  m.ops[1].seq = 43;
  m.ops[2].seq = 44;
  m.ops[2].base.clear();
  for (Op& op : m.ops) op.dataset = m.dataset;
  std::vector<std::string> json;
  for (const Op& op : m.ops) json.push_back(encode_op_json(op));
  std::vector<const std::string*> ptrs;
  for (const std::string& j : json) ptrs.push_back(&j);
  const Frames direct = encode(Message{m});
  const Frames cached = encode_ops_frames(m.chunk, m.dataset, ptrs);
  EXPECT_EQ(cached.header, direct.header);
  EXPECT_EQ(cached.body, direct.body);
  // The size estimate used to fill a chunk never undercounts.
  std::size_t ops_bytes = 0;
  for (const std::string& j : json) ops_bytes += j.size();
  EXPECT_GE(ops_frame_overhead(m.dataset, m.ops.size()) + ops_bytes, direct.body.size());
  const OpsMsg back = std::get<OpsMsg>(decode(cached.header, cached.body));
  ASSERT_EQ(back.ops.size(), 3u);
  EXPECT_TRUE(back.ops[2].same_content(m.ops[2]));
  // No ops: still a valid message.
  const Frames empty = encode_ops_frames(1, "ACTUAL", {});
  EXPECT_EQ(empty.body, encode(Message{OpsMsg{1, "ACTUAL", {}}}).body);
}

TEST(Wire, SignatureBase64IsStrictAndAgreesWithLibsodium) {
  // The decoder is our own (libsodium's is constant-time and slow); it must accept exactly
  // what libsodium accepts for the padded standard alphabet, and give the same bytes.
  std::mt19937_64 rng(20261201);
  std::printf("seed 20261201\n");
  auto sodium_decode = [](const std::string& text, std::string* out) {
    std::string buf(text.size() + 1, '\0');
    size_t len = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(buf.data()), buf.size(), text.data(), text.size(),
                          nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
      return false;
    out->assign(buf.data(), len);
    return true;
  };
  auto ours = [](const std::string& text, std::string* out) {
    Op op = sample_op();
    auto j = nlohmann::json::parse(encode_op_json(op));
    j["g"] = text;
    try {
      *out = decode_op_json(j.dump(), "ACTUAL").signature;
      return true;
    } catch (const WireError&) {
      return false;
    }
  };
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=*- ";
  for (int len = 0; len <= 90; ++len) {
    std::string bytes(static_cast<size_t>(len), '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    std::string text(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    text.resize(text.size() - 1);
    std::string back;
    ASSERT_TRUE(ours(text, &back)) << text;
    EXPECT_EQ(back, bytes) << text;
    // Random corruptions: one changed character, or a truncation.
    for (int k = 0; k < 8 && !text.empty(); ++k) {
      std::string bad = text;
      bad[rng() % bad.size()] = alphabet[rng() % alphabet.size()];
      if (k == 7) bad.resize(rng() % bad.size());
      std::string a, b;
      const bool sodium_ok = sodium_decode(bad, &a);
      EXPECT_EQ(ours(bad, &b), sodium_ok) << "\"" << bad << "\"";
      if (sodium_ok) {
        EXPECT_EQ(a, b) << bad;
      }
    }
  }
  // Non-zero unused bits are not canonical: refused like libsodium refuses them.
  std::string out;
  EXPECT_FALSE(ours("QR==", &out));
  EXPECT_FALSE(ours("QUJ=", &out));
  EXPECT_TRUE(ours("QQ==", &out));
  EXPECT_EQ(out, "A");
  EXPECT_FALSE(ours("Q===", &out));
  EXPECT_FALSE(ours("====", &out));
  EXPECT_FALSE(ours("QUJD\n", &out));
}

TEST(Wire, SignatureBase64EncodingAgreesWithLibsodium) {
  // The encoder is our own too (libsodium's is constant-time and slow): the text it writes
  // must be libsodium's, for every length and every remainder of 3.
  std::mt19937_64 rng(20261202);
  std::printf("seed 20261202\n");
  for (int len = 1; len <= 90; ++len) {
    Op op = sample_op();
    op.signature.assign(static_cast<size_t>(len), '\0');
    for (char& c : op.signature) c = static_cast<char>(rng());
    std::string expected(sodium_base64_ENCODED_LEN(op.signature.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(expected.data(), expected.size(), reinterpret_cast<const unsigned char*>(op.signature.data()),
                      op.signature.size(), sodium_base64_VARIANT_ORIGINAL);
    expected.resize(expected.size() - 1);
    const auto j = nlohmann::json::parse(encode_op_json(op));
    EXPECT_EQ(j.at("g").get<std::string>(), expected) << "length " << len;
    EXPECT_EQ(decode_op_json(j.dump(), "ACTUAL").signature, op.signature) << "length " << len;
  }
}

TEST(Wire, OpsSentFromTheLogAsStoredAreTheBytesOfTheDecodedOps) {
  // Relaying sends an op's fields as the log holds them (no decode and re-encode): the bytes
  // must be what encoding the decoded op gives, for every kind of value and for edits.
  honbu::testing::TempDir dir;
  auto store = honbu::testing::open_store(dir.file("kita.db"), "kita");
  const std::string id = store->new_id();
  const LocalResult created = store->put(EntityKind::Incident, id,
                                         {{"title", "家屋倒壊 \"閉じ込め\"\n2名\t \\ /"},
                                          {"lat", 35.33},
                                          {"lon", 139.0},
                                          {"trapped", std::int64_t{2}},
                                          {"dead", Value{}},
                                          {"priority", "life"},
                                          {"category", "building"},
                                          {"received_at", "2026-12-02T14:05:00+09:00"},
                                          {"verification", "unverified"},
                                          {"status", "received"},
                                          {"channel", "phone"}},
                                         "田中");
  ASSERT_TRUE(created.ok) << (created.problems.empty()
                                  ? ""
                                  : created.problems[0].field + ": " + created.problems[0].en);
  ASSERT_TRUE(store
                  ->put(EntityKind::Incident, id,
                        {{"status", "in_progress"}, {"injured", std::int64_t{0}}}, "佐藤")
                  .ok);
  ASSERT_TRUE(store->remove(EntityKind::Incident, id, "佐藤").ok);
  const std::vector<Op> decoded = store->ops_from("kita", 0, 100);
  const std::vector<StoredOp> stored = store->stored_ops_from("kita", 0, 100);
  ASSERT_EQ(decoded.size(), 3u);
  ASSERT_EQ(stored.size(), decoded.size());
  for (size_t i = 0; i < decoded.size(); ++i) {
    EXPECT_TRUE(stored[i].op.fields.empty());
    EXPECT_EQ(encode_op_json(stored[i]), encode_op_json(decoded[i])) << "seq " << decoded[i].seq;
    EXPECT_TRUE(decode_op_json(encode_op_json(stored[i]), "ACTUAL").same_content(decoded[i]));
  }
  // A damaged row is an error naming the op and the reason, not a chunk its receiver drops us for.
  auto error_sending = [&](const std::string& fields) {
    store->db().exec("UPDATE ops SET fields = '" + fields + "' WHERE seq = 2");
    try {
      (void)encode_op_json(store->stored_ops_from("kita", 1, 1).at(0));
    } catch (const WireError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_sending("{\"status\":"), "op kita#2 in the op log: fields: malformed JSON at byte 11");
  EXPECT_EQ(error_sending("[1]"), "op kita#2 in the op log: fields are not a JSON object");
  EXPECT_EQ(error_sending("{\"status\":[1]}"),
            "op kita#2 in the op log: fields: 'status' must be null, a number or text");
  EXPECT_EQ(error_sending("{\"injured\":18446744073709551615}"),
            "op kita#2 in the op log: fields: 'injured' is too large for a 64-bit integer");
  EXPECT_EQ(error_sending("{\"status\":\"done\",\"injured\":1}"), "no error");
}
