#include "tools/bench/common.hpp"

#include <algorithm>
#include <filesystem>

namespace honbu::bench {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void remove_db(const std::string& path) {
  std::error_code ec;
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s, ec);
}

std::unique_ptr<Store> fresh_store(const std::string& path, const std::string& node) {
  remove_db(path);
  StoreOptions o;
  o.path = path;
  o.node_id = node;
  o.dataset = "ACTUAL";
  return Store::open(o);
}

const char* kStatuses[] = {"received", "in_progress", "done", "cancelled"};
const char* kPriorities[] = {"life", "high", "medium", "low"};
const char* kCategories[] = {"building", "fire", "landslide", "road", "lifeline", "rescue"};

}  // namespace honbu::bench
