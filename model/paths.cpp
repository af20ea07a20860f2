#include "model/paths.hpp"

#include <cstdlib>

namespace honbu {

std::string default_data_dir() {
  if (const char* d = std::getenv("HONBU_DATA_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/honbu";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/honbu";
  return "./honbu-data";
}

}  // namespace honbu
