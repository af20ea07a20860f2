// The console's glyphs: the characters of Japanese names, places and FAXes that ImGui's own
// Japanese set lacks (they were drawn as '?', which reads as a real question mark) are in
// the ranges, and the system's CJK font draws every one of them.
#include <gtest/gtest.h>
#include <imgui.h>

#include "console/fonts.hpp"
#include "console/headless.hpp"

using namespace honbu::console;

namespace {

// 髙 濵 﨑 (names), 鰺 (鰺ヶ沢), 蛸 梼, ① ㎡ ℃ Ⅲ № ㈱ (forms and FAXes), — (em dash); and
// what ImGui's set already had, so the new ranges did not lose it: 中 あ ア ｱ ー.
constexpr ImWchar kMustDraw[] = {0x9AD9, 0x6FF5, 0xFA11, 0x9C3A, 0x86F8, 0x68BC, 0x2460, 0x33A1, 0x2103,
                                 0x2162, 0x2116, 0x3231, 0x2014, 0x4E2D, 0x3042, 0x30A2, 0xFF71, 0x30FC};

bool in_ranges(const ImWchar* ranges, ImWchar c) {
  for (const ImWchar* r = ranges; r[0]; r += 2)
    if (c >= r[0] && c <= r[1]) return true;
  return false;
}

}  // namespace

TEST(Fonts, RangesHoldTheNamesAndSymbolsImGuisJapaneseSetLacks) {
  Headless h;  // an ImGui context
  const ImWchar* ranges = glyph_ranges();
  for (ImWchar c : kMustDraw) EXPECT_TRUE(in_ranges(ranges, c)) << "U+" << std::hex << c << " is not in the ranges";
  // ImGui's own set lacks the first one: the test would pass without the change otherwise.
  EXPECT_FALSE(in_ranges(ImGui::GetIO().Fonts->GetGlyphRangesJapanese(), 0x9AD9));
  // Private use (CP932's user-defined area) is left out: no font has those glyphs.
  EXPECT_FALSE(in_ranges(ranges, 0xE000));
}

TEST(Fonts, TheCjkFontDrawsEveryOneOfThem) {
  Headless h;
  const FontChoice font = find_cjk_font();
  if (font.path.empty()) GTEST_SKIP() << font.message;
  ImFontAtlas atlas;  // the console's atlas, built as the window builds it
  ImFontConfig cfg;
  cfg.FontNo = font.index;
  cfg.OversampleH = cfg.OversampleV = 1;
  ImFont* f = atlas.AddFontFromFileTTF(font.path.c_str(), 18.0f, &cfg, glyph_ranges());
  ASSERT_NE(f, nullptr) << font.path;
  unsigned char* px = nullptr;
  int w = 0, hh = 0;
  atlas.GetTexDataAsAlpha8(&px, &w, &hh);
  for (ImWchar c : kMustDraw) EXPECT_NE(f->FindGlyphNoFallback(c), nullptr) << "U+" << std::hex << c << " has no glyph";
  EXPECT_GT(f->Glyphs.Size, 7000);  // JIS levels 1 and 2 and the extensions, not ImGui's 3,685
  EXPECT_LE(hh, 4096) << "atlas " << w << "x" << hh;
}
