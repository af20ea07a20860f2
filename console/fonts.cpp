#include "console/fonts.hpp"

#include <fontconfig/fontconfig.h>
#include <imgui.h>

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

}  // namespace

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
    // Japanese ranges plus the few symbols the UI uses (arrows, ○, ■, ⚠ fallback).
    static ImVector<ImWchar> ranges;
    if (ranges.empty()) {
      ImFontGlyphRangesBuilder b;
      b.AddRanges(io.Fonts->GetGlyphRangesJapanese());
      b.AddText("○●◎△▲▼■□◆◇★☆→←↑↓⚠✓×…―‐〜・「」『』【】〒※♯");
      b.BuildRanges(&ranges);
    }
    if (io.Fonts->AddFontFromFileTTF(choice.path.c_str(), size_px, &cfg, ranges.Data)) return choice.message;
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
