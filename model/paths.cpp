#include "model/paths.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <string_view>

namespace honbu {

std::string default_data_dir() {
  if (const char* d = std::getenv("HONBU_DATA_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/honbu";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/honbu";
  return "./honbu-data";
}

void keep_files_private() { ::umask(077); }

}  // namespace honbu

namespace honbu {

std::string database_path(const std::string& data_dir, const std::string& dataset) {
  constexpr std::string_view kPrefix = "EXERCISE:";
  if (dataset.rfind(kPrefix, 0) == 0) return data_dir + "/exercise-" + dataset.substr(kPrefix.size()) + ".db";
  return data_dir + "/actual.db";
}

}  // namespace honbu
