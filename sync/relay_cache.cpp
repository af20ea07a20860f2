#include "sync/relay_cache.hpp"

namespace honbu::sync {

const std::string* RelayCache::find(std::string_view origin, std::uint64_t seq) const {
  probe_.origin.assign(origin);
  probe_.seq = seq;
  auto it = map_.find(probe_);
  return it == map_.end() ? nullptr : &it->second;
}

const std::string* RelayCache::put(const Op& op, std::string json) {
  auto [it, inserted] = map_.try_emplace(Key{op.origin, op.seq}, std::move(json));
  if (inserted) {
    bytes_ += entry_bytes(it->first, it->second);
    order_.push_back(it->first);
  }
  return &it->second;
}

void RelayCache::trim() {
  while (bytes_ > max_bytes_ && !order_.empty()) {
    auto it = map_.find(order_.front());
    if (it != map_.end()) {
      bytes_ -= entry_bytes(it->first, it->second);
      map_.erase(it);
    }
    order_.pop_front();
  }
}

}  // namespace honbu::sync
