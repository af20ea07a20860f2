// Command-line parsing shared by every Honbu program.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "model/labels.hpp"

namespace honbu {

// Parses argv. On a mistake CLI11 prints what was wrong and this returns 2, the status every
// Honbu tool exits with on an error (CLI11's own codes are 105-109); after --help it returns
// 0. Returns nothing when the program should go on.
inline void let_options_fall_through(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands({})) {
    sub->fallthrough();
    let_options_fall_through(*sub);
  }
}

// Options of the program itself (--lang, --config) are understood after its subcommand too:
// `honbu-keys gen --lang ja ...` as well as `honbu-keys --lang ja gen ...`.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  let_options_fall_through(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return std::nullopt;
}

// The language of a tool's messages: its --lang ("ja" or "en") when given, else the locale.
inline Lang message_lang(const std::string& flag) {
  if (flag.empty()) return lang_from_environment();
  return flag == "ja" ? Lang::Ja : Lang::En;
}

}  // namespace honbu
