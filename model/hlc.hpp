// Hybrid Logical Clock (Kulkarni et al. 2014): 48-bit wall ms + 16-bit counter.
// Orders ops across nodes without trusting any single wall clock.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "model/time.hpp"

namespace honbu {

struct Hlc {
  std::uint64_t packed = 0;  // (ms << 16) | counter

  static constexpr Hlc make(std::uint64_t ms, std::uint16_t counter) {
    return Hlc{(ms << 16) | counter};
  }
  constexpr std::uint64_t ms() const { return packed >> 16; }
  constexpr std::uint16_t counter() const { return static_cast<std::uint16_t>(packed & 0xffff); }
  auto operator<=>(const Hlc&) const = default;
  std::string to_string() const;  // "2026-11-22T13:45:00+09:00#3" for logs
};

// Not thread-safe: owned by the Store's writer.
class HybridClock {
 public:
  // Timestamp for a local event; strictly greater than anything issued or observed.
  Hlc tick(TimeMs wall);
  // Merge a timestamp received from another node (call only for believed clocks).
  void observe(Hlc remote, TimeMs wall);
  // Whether a remote timestamp is further ahead of our wall clock than we accept.
  static bool too_far_ahead(Hlc remote, TimeMs wall, TimeMs max_drift_ms) {
    return static_cast<std::int64_t>(remote.ms()) > wall + max_drift_ms;
  }
  Hlc last() const { return last_; }
  void restore(Hlc persisted) {
    if (persisted > last_) last_ = persisted;
  }

 private:
  Hlc last_{};
};

}  // namespace honbu
