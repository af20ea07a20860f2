// [SECTION] RelayCache: ops already encoded for an OPS message, kept for the next peer.
// HQ sends every op it gathers to every other branch. Reading each op back from the op log
// and encoding it once per peer was the largest cost of catch-up (profiled: 20 branches
// each cut off for a while means one read + encode per op per peer). With this cache an op
// is read and encoded once, then copied.
//
// Only signed ops are kept: a stored op's signature can still arrive later (the store keeps
// it once known, and relays it), while a signed op never changes. Bounded by bytes; the
// oldest entries go first. Owned by the agent's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/op.hpp"

namespace honbu::sync {

class RelayCache {
 public:
  explicit RelayCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Whether an op may be kept (see above).
  static bool cacheable(const Op& op) { return !op.signature.empty(); }
  // The JSON of (origin, seq), or nullptr. Pointers stay valid until trim().
  const std::string* find(std::string_view origin, std::uint64_t seq) const;
  // Keeps encode_op_json(op) of a cacheable op; returns the kept copy.
  const std::string* put(const Op& op, std::string json);
  // Drops the oldest entries while over the byte bound (call when no pointer is held).
  void trim();

  std::size_t bytes() const { return bytes_; }
  std::size_t size() const { return map_.size(); }

 private:
  struct Key {
    std::string origin;
    std::uint64_t seq;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      return std::hash<std::string>{}(k.origin) ^ (k.seq * 0x9E3779B97F4A7C15ULL);
    }
  };
  // An entry's bytes: its JSON, its key, and roughly the containers' own overhead.
  static std::size_t entry_bytes(const Key& k, const std::string& json) {
    return json.size() + 2 * k.origin.size() + 96;
  }

  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::unordered_map<Key, std::string, KeyHash> map_;
  std::deque<Key> order_;  // insertion order, for eviction
  mutable Key probe_;      // find() without allocating a key per lookup
};

}  // namespace honbu::sync
