#include "support/process.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace honbu::testing {

Outcome run_command(const std::string& cmd) {
  Outcome r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace honbu::testing
