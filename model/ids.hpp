// Time-ordered entity ids (ULID layout: 48-bit ms + 80 random bits, Crockford base32).
// Time order keeps B-tree inserts at the right edge: ~5x faster than random UUIDs
// for small transactions (architecture.md, measured limits).
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "model/time.hpp"

namespace honbu {

// Not thread-safe; one per writer.
class IdGenerator {
 public:
  IdGenerator();                          // seeded from std::random_device
  explicit IdGenerator(std::uint64_t seed);  // deterministic, for tests and drills
  // 26 characters; strictly increasing for one generator even within a millisecond.
  std::string next(TimeMs now);

 private:
  std::mt19937_64 rng_;
  TimeMs last_ms_ = -1;
  std::uint64_t hi_ = 0;  // top 16 of the 80 random bits
  std::uint64_t lo_ = 0;  // low 64 of the 80 random bits
};

}  // namespace honbu
