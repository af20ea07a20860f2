// Command-line parsing shared by every Honbu program.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>

namespace honbu {

// Parses argv. On a mistake CLI11 prints what was wrong and this returns 2, the status every
// Honbu tool exits with on an error (CLI11's own codes are 105-109); after --help it returns
// 0. Returns nothing when the program should go on.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return std::nullopt;
}

}  // namespace honbu
