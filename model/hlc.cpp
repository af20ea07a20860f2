#include "model/hlc.hpp"

#include <algorithm>

#include "model/errors.hpp"

namespace honbu {

std::string Hlc::to_string() const {
  return format_iso_jst(static_cast<TimeMs>(ms())) + "#" + std::to_string(counter());
}

Hlc HybridClock::tick(TimeMs wall) {
  const auto pt = static_cast<std::uint64_t>(std::max<TimeMs>(wall, 0));
  if (pt > last_.ms()) {
    last_ = Hlc::make(pt, 0);
  } else if (last_.counter() < 0xffff) {
    last_ = Hlc{last_.packed + 1};
  } else {
    // Counter exhausted within one millisecond: borrow the next millisecond.
    last_ = Hlc::make(last_.ms() + 1, 0);
  }
  return last_;
}

void HybridClock::observe(Hlc remote, TimeMs wall) {
  const auto pt = static_cast<std::uint64_t>(std::max<TimeMs>(wall, 0));
  const std::uint64_t l = std::max({last_.ms(), remote.ms(), pt});
  std::uint32_t c;
  if (l == last_.ms() && l == remote.ms())
    c = std::max(last_.counter(), remote.counter()) + 1u;
  else if (l == last_.ms())
    c = last_.counter() + 1u;
  else if (l == remote.ms())
    c = remote.counter() + 1u;
  else
    c = 0;
  last_ = c > 0xffff ? Hlc::make(l + 1, 0) : Hlc::make(l, static_cast<std::uint16_t>(c));
}

}  // namespace honbu
