#include "console/fonts.hpp"

#include <fontconfig/fontconfig.h>
#include <iconv.h>
#include <imgui.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>

namespace honbu::console {

namespace {

FontChoice from_fontconfig(const char* pattern_text) {
  FontChoice c;
  FcConfig* config = FcInitLoadConfigAndFonts();
  if (!config) return c;
  FcPattern* pattern = FcNameParse(reinterpret_cast<const FcChar8*>(pattern_text));
  FcConfigSubstitute(config, pattern, FcMatchPattern);
  FcDefaultSubstitute(pattern);
  FcResult result = FcResultNoMatch;
  FcPattern* match = FcFontMatch(config, pattern, &result);
  if (match) {
    FcChar8* file = nullptr;
    int index = 0;
    FcLangSet* langs = nullptr;
    // fontconfig always returns *some* font: only accept one that covers Japanese.
    if (FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch &&
        FcPatternGetLangSet(match, FC_LANG, 0, &langs) == FcResultMatch &&
        FcLangSetHasLang(langs, reinterpret_cast<const FcChar8*>("ja")) == FcLangEqual) {
      FcPatternGetInteger(match, FC_INDEX, 0, &index);
      c.path = reinterpret_cast<const char*>(file);
      c.index = index;
    }
    FcPatternDestroy(match);
  }
  FcPatternDestroy(pattern);
  FcConfigDestroy(config);
  return c;
}

// Every character Shift_JIS as Windows writes it (CP932) can encode: JIS X 0208 levels 1
// and 2 and the NEC and IBM extensions — names (髙橋, 山﨑, 濵田), place names (鰺ヶ沢) and the
// symbols of FAXes and forms (①, ㎡, ℃, Ⅲ, №, ㈱). ImGui's own Japanese set (2,999 kanji)
// drew those as '?', which reads as a real question mark. Taken from glibc's converter rather
// than a table of our own; the user-defined area (private use) is left out.
void add_cp932_repertoire(ImFontGlyphRangesBuilder& b) {
  iconv_t cd = iconv_open("UTF-32LE", "CP932");
  if (cd == reinterpret_cast<iconv_t>(-1)) return;  // no converter: ImGui's set only
  for (int lead = 0x81; lead <= 0xFC; ++lead) {
    if (lead >= 0xA0 && lead <= 0xDF) continue;  // single-byte half-width kana
    for (int trail = 0x40; trail <= 0xFC; ++trail) {
      if (trail == 0x7F) continue;
      char in[2] = {static_cast<char>(lead), static_cast<char>(trail)};
      std::uint32_t out[2] = {0, 0};
      char* ip = in;
      char* op = reinterpret_cast<char*>(out);
      size_t in_left = sizeof in, out_left = sizeof out;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
      if (iconv(cd, &ip, &in_left, &op, &out_left) == static_cast<size_t>(-1) || out_left != sizeof out - 4) continue;
      const std::uint32_t c = out[0];
      if (c < 0x10000 && (c < 0xE000 || c > 0xF8FF)) b.AddChar(static_cast<ImWchar>(c));
    }
  }
  iconv_close(cd);
}

}  // namespace

const ImWchar* glyph_ranges() {
  static const ImVector<ImWchar> ranges = [] {
    ImFontGlyphRangesBuilder b;
    b.AddRanges(ImGui::GetIO().Fonts->GetGlyphRangesJapanese());
    add_cp932_repertoire(b);
    // Whole symbol blocks a report or FAX may use beyond CP932: punctuation (— em dash),
    // letterlike and number forms, arrows, enclosed numbers, box drawing and shapes,
    // enclosed CJK and CJK compatibility (㎡); and the few the UI itself draws.
    static const ImWchar kBlocks[] = {0x2000, 0x206F, 0x2100, 0x21FF, 0x2460, 0x24FF,
                                      0x2500, 0x25FF, 0x3200, 0x33FF, 0};
    b.AddRanges(kBlocks);
    b.AddText("○●◎△▲▼■□◆◇★☆→←↑↓⚠✓×…―‐〜・「」『』【】〒※♯");
    ImVector<ImWchar> r;
    b.BuildRanges(&r);
    return r;
  }();
  return ranges.Data;
}

FontChoice find_cjk_font() {
  if (const char* env = std::getenv("HONBU_FONT"); env && *env) {
    FontChoice c;
    std::string spec = env;
    const size_t colon = spec.rfind(':');
    if (colon != std::string::npos && colon + 1 < spec.size() &&
        spec.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
      c.index = std::atoi(spec.c_str() + colon + 1);
      spec.resize(colon);
    }
    if (std::filesystem::exists(spec)) {
      c.path = spec;
      c.message = "font from HONBU_FONT: " + spec;
      return c;
    }
  }
  for (const char* pattern : {"Noto Sans CJK JP:style=Regular", ":lang=ja"}) {
    FontChoice c = from_fontconfig(pattern);
    if (!c.path.empty()) {
      c.message = "font: " + c.path + " (face " + std::to_string(c.index) + ")";
      return c;
    }
  }
  // Known Debian paths, for systems where fontconfig's cache is missing.
  for (const char* path : {"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                           "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf"}) {
    if (std::filesystem::exists(path)) return {path, 0, std::string("font: ") + path};
  }
  FontChoice none;
  none.message =
      "no Japanese font found: Japanese text shows as '?'. Install one with: sudo apt-get install fonts-noto-cjk "
      "(or set HONBU_FONT=/path/to/font.ttf)";
  return none;
}

std::string load_fonts(float size_px, const FontChoice& choice) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  if (!choice.path.empty()) {
    ImFontConfig cfg;
    cfg.FontNo = choice.index;
    cfg.OversampleH = 1;  // CJK glyphs are many: keep the atlas small (architecture.md: 59 ms, 1024x2048)
    cfg.OversampleV = 1;
    cfg.PixelSnapH = true;
    if (io.Fonts->AddFontFromFileTTF(choice.path.c_str(), size_px, &cfg, glyph_ranges())) return choice.message;
    io.Fonts->Clear();
    io.Fonts->AddFontDefault();
    return "could not load " + choice.path + "; using the built-in ASCII font (Japanese shows as '?')";
  }
  ImFontConfig cfg;
  cfg.SizePixels = size_px;
  io.Fonts->AddFontDefault(&cfg);
  return choice.message;
}

}  // namespace honbu::console
