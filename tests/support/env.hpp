// Test knobs a developer sets in the environment: the seed to rerun a randomized test
// with, and sizes to stretch one (more cases, more rounds).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace honbu::testing {

// $name as an unsigned decimal number; `fallback` when it is unset, empty or not a number.
inline std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const std::uint64_t n = std::strtoull(v, &end, 10);
  return end && *end == '\0' ? n : fallback;
}

// The seed of a randomized test: $HONBU_TEST_SEED, else `fallback`. Printed (and kept in
// the test's XML properties) with the line that reruns it.
inline std::uint64_t test_seed(const char* test, std::uint64_t fallback) {
  const std::uint64_t seed = env_u64("HONBU_TEST_SEED", fallback);
  std::printf("[ seed ] %s: %llu (rerun with HONBU_TEST_SEED=%llu)\n", test, static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return seed;
}

}  // namespace honbu::testing
