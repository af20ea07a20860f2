#include "tools/bench/common.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/form4.hpp"
#include "model/schema.hpp"
#include "model/time.hpp"

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

double thread_cpu_secs(const std::string& name) {
  double secs = 0;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream comm(task.path() / "comm");
    std::string c;
    std::getline(comm, c);
    if (c != name) continue;
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // Fields after the ")" that closes the name: state is field 3; utime and stime are 14, 15.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 13 && rest >> field; ++i) {
    }
    double utime = 0, stime = 0;
    rest >> utime >> stime;
    secs += (utime + stime) / tick;
  }
  return secs;
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

void fill_branch_reports(Store& s, int branches, int reports, TimeMs now, std::mt19937_64& rng) {
  s.batch([&] {
    for (int b = 0; b < branches; ++b) {
      const std::string branch = "b" + std::to_string(b);
      s.put(EntityKind::Branch, branch, {{"name", "支所" + std::to_string(b)}, {"branch_kind", "branch"}}, "bench");
      for (int r = 1; r <= reports; ++r) {
        Fields f{{"branch_id", branch}, {"report_no", std::int64_t{r}},
                 {"as_of", format_iso_jst(now - (reports - r) * 600'000)}, {"report_type", "preliminary"}, {"reporter", "bench"}};
        for (const Form4Field& ff : form4_fields())
          if (rng() % 4) f[std::string(ff.key)] = ff.hectares ? Value{1.5} : Value{static_cast<std::int64_t>(rng() % 50)};
        s.put(EntityKind::BranchReport, branch_report_id(branch, r), f, "bench");
      }
    }
  });
}

}  // namespace honbu::bench
