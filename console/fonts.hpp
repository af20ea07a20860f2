// [SECTION] Fonts: a CJK font found on the system (Debian fonts-noto-cjk, through fontconfig
// or known paths), or ImGui's built-in ASCII font with a clear message when there is none.
#pragma once

#include <imgui.h>

#include <string>

namespace honbu::console {

struct FontChoice {
  std::string path;  // empty: no CJK font found
  int index = 0;     // face index inside a .ttc collection
  std::string message;  // what was chosen or why not, for the log and the status bar
};

// Looks for a Japanese-capable font: $HONBU_FONT (path[:index]) first, then fontconfig
// ("Noto Sans CJK JP", then any font with lang=ja), then known Debian paths.
FontChoice find_cjk_font();

// The characters the atlas holds (ImGui's zero-terminated pairs): Japanese as CP932 can
// write it, and the symbol blocks of reports and FAXes. Needs an ImGui context.
const ImWchar* glyph_ranges();

// Adds the font to ImGui's atlas at `size_px` with Japanese glyph ranges (or the default font
// when none was found). Call before the first frame. Returns the message to show.
std::string load_fonts(float size_px, const FontChoice& choice);

}  // namespace honbu::console
