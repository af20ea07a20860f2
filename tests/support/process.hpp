// Running a command line as a child process (through the shell), for tests of the real
// programs: its exit status and everything it printed (stdout and stderr together).
#pragma once

#include <string>

namespace honbu::testing {

struct Outcome {
  int status = -1;  // exit status; -1 if it did not exit normally
  std::string out;
};

Outcome run_command(const std::string& cmd);

}  // namespace honbu::testing
