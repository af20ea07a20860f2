#include "model/ids.hpp"

namespace honbu {

namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}

IdGenerator::IdGenerator() : rng_(std::random_device{}()) {}
IdGenerator::IdGenerator(std::uint64_t seed) : rng_(seed) {}

std::string IdGenerator::next(TimeMs now) {
  if (now <= last_ms_) {
    // Same (or earlier) millisecond: increment the random part to stay ordered.
    now = last_ms_;
    if (++lo_ == 0) ++hi_;
  } else {
    last_ms_ = now;
    hi_ = rng_() & 0x7fff;  // leave headroom so increments never overflow 80 bits
    lo_ = rng_();
  }
  // 128 bits: 48 time | 16 hi | 64 lo; ULID text encodes 130 bits, top 2 zero.
  const auto t = static_cast<std::uint64_t>(now) & 0xffffffffffffULL;
  const std::uint64_t words[2] = {lo_, (t << 16) | hi_};
  auto bit = [&](int b) -> unsigned {
    return b >= 128 ? 0u : static_cast<unsigned>((words[b / 64] >> (b % 64)) & 1u);
  };
  std::string out(26, '0');
  for (int i = 0; i < 26; ++i) {
    const int low = 5 * (25 - i);  // lowest bit of this character
    unsigned v = 0;
    for (int k = 4; k >= 0; --k) v = (v << 1) | bit(low + k);
    out[static_cast<size_t>(i)] = kCrockford[v];
  }
  return out;
}

}  // namespace honbu
