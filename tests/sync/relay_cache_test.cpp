// The relay cache: an op encoded for one peer is sent to the next from memory; only
// signed ops are kept, and the byte bound holds once nothing points into the cache.
#include "sync/relay_cache.hpp"

#include <gtest/gtest.h>

#include "sync/wire.hpp"

using namespace honbu;
using namespace honbu::sync;

namespace {

Op signed_op(const std::string& origin, std::uint64_t seq) {
  Op op;
  op.origin = origin;
  op.seq = seq;
  op.hlc = Hlc::make(1'795'300'000'000 + seq, 0);
  op.dataset = "ACTUAL";
  op.kind = EntityKind::Chronology;
  op.entity_id = "01JDEMO00000000000000000" + std::to_string(seq % 100);
  op.fields = {{"content", "避難所開設 " + std::to_string(seq)}};
  op.operator_name = "田中";
  op.signature = std::string(64, '\x11');
  return op;
}

}  // namespace

TEST(RelayCache, KeepsSignedOpsByOriginAndSeq) {
  RelayCache cache(1 << 20);
  const Op a = signed_op("kita", 1), b = signed_op("minami", 1);
  const std::string* pa = cache.put(a, encode_op_json(a));
  cache.put(b, encode_op_json(b));
  ASSERT_NE(cache.find("kita", 1), nullptr);
  EXPECT_EQ(cache.find("kita", 1), pa);
  EXPECT_EQ(*cache.find("kita", 1), encode_op_json(a));
  EXPECT_EQ(*cache.find("minami", 1), encode_op_json(b));
  EXPECT_EQ(cache.find("kita", 2), nullptr);
  EXPECT_EQ(cache.find("hq", 1), nullptr);
  EXPECT_EQ(cache.size(), 2u);
  // Putting the same op again keeps one copy.
  cache.put(a, encode_op_json(a));
  EXPECT_EQ(cache.size(), 2u);
}

TEST(RelayCache, UnsignedOpsAreNotCacheable) {
  // Their signature may still arrive and be relayed later; a signed op never changes.
  Op op = signed_op("kita", 3);
  EXPECT_TRUE(RelayCache::cacheable(op));
  op.signature.clear();
  EXPECT_FALSE(RelayCache::cacheable(op));
}

TEST(RelayCache, TrimDropsTheOldestUntilWithinTheBound) {
  const std::string one = encode_op_json(signed_op("kita", 1));
  RelayCache cache(10 * (one.size() + 200));
  for (std::uint64_t s = 1; s <= 100; ++s) {
    const Op op = signed_op("kita", s);
    cache.put(op, encode_op_json(op));
  }
  // Nothing is dropped before trim(): pointers handed out stay valid while a chunk is built.
  EXPECT_EQ(cache.size(), 100u);
  ASSERT_NE(cache.find("kita", 1), nullptr);
  cache.trim();
  EXPECT_LE(cache.bytes(), 10 * (one.size() + 200));
  EXPECT_LT(cache.size(), 100u);
  EXPECT_GT(cache.size(), 5u);
  EXPECT_EQ(cache.find("kita", 1), nullptr);     // oldest gone
  EXPECT_NE(cache.find("kita", 100), nullptr);   // newest kept
  EXPECT_EQ(*cache.find("kita", 100), encode_op_json(signed_op("kita", 100)));
}
