#include "support/process.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace honbu::testing {

Outcome run_command(const std::string& cmd) {
  Outcome r;
  // The tools speak Japanese unless the locale says English; the tests read English unless
  // they set LANG themselves (and whatever LC_ALL the machine has must not decide).
  const std::string env = cmd.find("LANG=") == std::string::npos ? "LC_ALL= LC_MESSAGES= LANG=en_US.UTF-8 "
                                                                  : "LC_ALL= LC_MESSAGES= ";
  FILE* p = ::popen((env + cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace honbu::testing
