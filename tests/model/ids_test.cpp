// model/ids.hpp: ULID-layout ids (48-bit ms + 80 random bits in Crockford base32).
#include "model/ids.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace honbu;

namespace {

constexpr TimeMs kT = 1'795'322'700'000;  // 2026-11-22T13:45:00+09:00
constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Value of a run of Crockford base32 characters (at most 12, i.e. 60 bits).
std::uint64_t decode32(std::string_view s) {
  std::uint64_t v = 0;
  for (char c : s) {
    const auto d = kAlphabet.find(c);
    if (d == std::string_view::npos) ADD_FAILURE() << "not Crockford base32: " << c;
    v = (v << 5) | static_cast<std::uint64_t>(d);
  }
  return v;
}

TimeMs time_of(const std::string& id) { return static_cast<TimeMs>(decode32(std::string_view(id).substr(0, 10))); }

// The 80 random bits as (top 20, low 60).
std::pair<std::uint64_t, std::uint64_t> random_of(const std::string& id) {
  return {decode32(std::string_view(id).substr(10, 4)), decode32(std::string_view(id).substr(14, 12))};
}

}  // namespace

TEST(IdFormat, TwentySixCrockfordCharacters) {
  IdGenerator gen(42);
  for (int i = 0; i < 200; ++i) {
    const std::string id = gen.next(kT + i / 3);
    ASSERT_EQ(id.size(), 26u) << id;
    for (char c : id) EXPECT_NE(kAlphabet.find(c), std::string_view::npos) << id;
    // I, L, O and U are never used (Crockford), and lowercase never appears.
    EXPECT_EQ(id.find_first_of("ILOUilou"), std::string::npos) << id;
    // 26 characters carry 130 bits; only 128 are used, so the first is at most '7'.
    EXPECT_LE(id[0], '7') << id;
  }
}

TEST(IdFormat, FirstTenCharactersEncodeTheMillisecond) {
  IdGenerator gen(1);
  EXPECT_EQ(time_of(gen.next(kT)), kT);
  EXPECT_EQ(time_of(gen.next(kT + 1)), kT + 1);
  EXPECT_EQ(time_of(gen.next(kT + 86'400'000)), kT + 86'400'000);
  IdGenerator zero(1);
  EXPECT_EQ(zero.next(0).substr(0, 10), "0000000000");
}

TEST(IdFormat, KnownTimePrefix) {
  // kT in Crockford base 32, 10 digits, most significant first (as in the ULID spec).
  IdGenerator gen(7);
  const std::string id = gen.next(kT);
  std::string expected(10, '0');
  std::uint64_t v = static_cast<std::uint64_t>(kT);
  for (int i = 9; i >= 0; --i, v >>= 5) expected[static_cast<size_t>(i)] = kAlphabet[v & 31];
  EXPECT_EQ(id.substr(0, 10), expected);
  EXPECT_EQ(expected, "01M80S4R70");  // checked with Python
}

TEST(IdOrder, StrictlyIncreasingWithinOneMillisecond) {
  IdGenerator gen(99);
  std::string prev = gen.next(kT);
  for (int i = 0; i < 2'000; ++i) {
    const std::string id = gen.next(kT);
    ASSERT_LT(prev, id) << i;
    EXPECT_EQ(time_of(id), kT);
    prev = id;
  }
}

TEST(IdOrder, RandomPartIncrementsByOneWithinOneMillisecond) {
  IdGenerator gen(5);
  auto prev = random_of(gen.next(kT));
  for (int i = 0; i < 100; ++i) {
    const auto cur = random_of(gen.next(kT));
    const bool carried = prev.second == (std::uint64_t{1} << 60) - 1;
    EXPECT_EQ(cur.second, carried ? 0 : prev.second + 1);
    EXPECT_EQ(cur.first, carried ? prev.first + 1 : prev.first);
    prev = cur;
  }
}

TEST(IdOrder, StrictlyIncreasingAcrossMilliseconds) {
  IdGenerator gen(3);
  std::string prev = gen.next(kT);
  for (TimeMs t = kT + 1; t < kT + 500; t += 1) {
    const std::string id = gen.next(t);
    ASSERT_LT(prev, id) << t;
    prev = id;
  }
}

TEST(IdOrder, StrictlyIncreasingWhenTheClockGoesBackwards) {
  IdGenerator gen(11);
  const std::string a = gen.next(kT);
  const std::string b = gen.next(kT - 5'000);
  const std::string c = gen.next(kT - 10'000);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  // The earlier wall time is not written into the id: it stays on the last millisecond.
  EXPECT_EQ(time_of(b), kT);
  EXPECT_EQ(time_of(c), kT);
  const std::string d = gen.next(kT + 1);
  EXPECT_LT(c, d);
  EXPECT_EQ(time_of(d), kT + 1);
}

TEST(IdOrder, TimePrefixSortsByTimeAcrossGenerators) {
  // Different nodes: ids sort by creation millisecond whatever their random parts.
  std::vector<std::pair<TimeMs, std::string>> made;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    IdGenerator gen(seed * 7919);
    const TimeMs t = kT + static_cast<TimeMs>((seed * 37) % 11) * 1000 + static_cast<TimeMs>(seed);
    made.emplace_back(t, gen.next(t));
  }
  std::vector<std::pair<TimeMs, std::string>> by_text = made;
  std::sort(by_text.begin(), by_text.end(),
            [](const auto& x, const auto& y) { return x.second < y.second; });
  for (size_t i = 0; i + 1 < by_text.size(); ++i)
    EXPECT_LT(by_text[i].first, by_text[i + 1].first) << by_text[i].second << " " << by_text[i + 1].second;
}

TEST(IdOrder, LongTimeSpansSortByTextToo) {
  IdGenerator gen(8);
  const TimeMs times[] = {1, 1'000, 1'000'000'000, 1'556'636'400'000, kT, 4'102'444'800'000,
                          (TimeMs{1} << 48) - 1};
  std::string prev;
  for (TimeMs t : times) {
    const std::string id = gen.next(t);
    EXPECT_EQ(time_of(id), t);
    EXPECT_LT(prev, id);
    prev = id;
  }
}

TEST(IdSeed, SameSeedGivesTheSameSequence) {
  IdGenerator a(12345), b(12345);
  for (int i = 0; i < 50; ++i) {
    const TimeMs t = kT + i / 5;
    EXPECT_EQ(a.next(t), b.next(t)) << i;
  }
}

TEST(IdSeed, DifferentSeedsGiveDifferentIds) {
  IdGenerator a(1), b(2);
  EXPECT_NE(a.next(kT), b.next(kT));
}

TEST(IdSeed, RandomlySeededGeneratorsDiffer) {
  IdGenerator a, b;
  const std::string x = a.next(kT), y = b.next(kT);
  EXPECT_EQ(x.substr(0, 10), y.substr(0, 10));
  EXPECT_NE(x, y);  // 80 random bits: a collision here means the seeding is broken
}

TEST(IdUnique, NoDuplicatesOverManyIds) {
  IdGenerator gen(77);
  std::set<std::string> seen;
  for (int i = 0; i < 5'000; ++i) EXPECT_TRUE(seen.insert(gen.next(kT + i / 100)).second);
}
