#include "model/text.hpp"

#include <cstdint>
#include <cstring>

namespace honbu {

namespace {

// Decodes one UTF-8 sequence at s[i]; returns 0 and advances by 1 on invalid input.
char32_t decode(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : (b0 & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || i + static_cast<size_t>(len) > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += static_cast<size_t>(len);
  return cp;
}

void encode(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Half-width punctuation and katakana U+FF61..U+FF9D -> full-width (NFKC table for this block).
constexpr char16_t kHalfKana[] = {
    u'。', u'「', u'」', u'、',
    u'・', u'ヲ', u'ァ', u'ィ', u'ゥ', u'ェ', u'ォ', u'ャ', u'ュ', u'ョ', u'ッ', u'ー',
    u'ア', u'イ', u'ウ', u'エ', u'オ', u'カ', u'キ', u'ク', u'ケ', u'コ', u'サ', u'シ',
    u'ス', u'セ', u'ソ', u'タ', u'チ', u'ツ', u'テ', u'ト', u'ナ', u'ニ', u'ヌ', u'ネ',
    u'ノ', u'ハ', u'ヒ', u'フ', u'ヘ', u'ホ', u'マ', u'ミ', u'ム', u'メ', u'モ', u'ヤ',
    u'ユ', u'ヨ', u'ラ', u'リ', u'ル', u'レ', u'ロ', u'ワ', u'ン'};
static_assert(sizeof kHalfKana / sizeof kHalfKana[0] == 0xFF9D - 0xFF61 + 1);

bool takes_dakuten(char32_t c) {
  // カ..ト alternate with their voiced forms, except ッ (U+30C3) breaks the rhythm.
  for (char32_t k : std::u32string_view(U"カキクケコサシスセソタチツテトハヒフヘホ"))
    if (k == c) return true;
  return c == U'ウ';
}
bool takes_handakuten(char32_t c) { return c >= U'ハ' && c <= U'ホ' && (c - U'ハ') % 3 == 0; }

}  // namespace

std::string normalize_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    char32_t cp = decode(s, i);
    if (cp >= 0xFF01 && cp <= 0xFF5E) {
      cp -= 0xFEE0;  // 全角 ASCII -> 半角
    } else if (cp == 0x3000) {
      cp = U' ';
    } else if (cp >= 0xFF61 && cp <= 0xFF9D) {
      cp = kHalfKana[cp - 0xFF61];
      // A following ﾞ (U+FF9E) or ﾟ (U+FF9F) composes with the kana, as NFKC does.
      if (i < s.size()) {
        size_t j = i;
        const char32_t mark = decode(s, j);
        if (mark == 0xFF9E && takes_dakuten(cp)) {
          cp = (cp == U'ウ') ? U'ヴ' : cp + 1;
          i = j;
        } else if (mark == 0xFF9F && takes_handakuten(cp)) {
          cp = cp + 2;
          i = j;
        }
      }
    } else if (cp == 0xFF9E) {
      cp = 0x309B;  // lone voiced mark
    } else if (cp == 0xFF9F) {
      cp = 0x309C;
    }
    encode(cp, out);
  }
  const auto first = out.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = out.find_last_not_of(" \t\r\n");
  return out.substr(first, last - first + 1);
}

bool is_normalized_text_fast(std::string_view s) {
  if (s.empty()) return true;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  if (space(s.front()) || space(s.back())) return false;
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    const auto a = static_cast<unsigned char>(s[i]), b = static_cast<unsigned char>(s[i + 1]);
    if (a == 0xEF && (b == 0xBC || b == 0xBD || b == 0xBE)) return false;  // U+FF00..U+FFBF
    if (a == 0xE3 && b == 0x80 && static_cast<unsigned char>(s[i + 2]) == 0x80) return false;  // U+3000
  }
  return true;
}

std::size_t find_control_char(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return i;
  }
  return std::string_view::npos;
}

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // Eight ASCII bytes at a time (ids, codes, times are all ASCII).
    std::uint64_t w;
    if (i + 8 <= s.size() && (std::memcpy(&w, s.data() + i, 8), (w & 0x8080808080808080ULL) == 0)) {
      i += 8;
      continue;
    }
    const auto b0 = static_cast<unsigned char>(s[i]);
    int len = b0 < 0x80 ? 1 : (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3
              : (b0 & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + static_cast<size_t>(len) > s.size()) return false;
    char32_t cp = b0 & (0x7F >> (len == 1 ? 0 : len));
    for (int k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return false;
    i += static_cast<size_t>(len);
  }
  return true;
}

char municipality_check_digit(std::string_view d) {
  static constexpr int kWeights[] = {6, 5, 4, 3, 2};
  int sum = 0;
  for (size_t k = 0; k < 5; ++k) sum += (d[k] - '0') * kWeights[k];
  return static_cast<char>('0' + (11 - sum % 11) % 10);
}

bool is_valid_municipality_code(std::string_view code) {
  if (code.size() != 6) return false;
  for (char c : code)
    if (c < '0' || c > '9') return false;
  return municipality_check_digit(code.substr(0, 5)) == code[5];
}

std::string utf8_ellipsis(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // continuation byte
  return std::string(s.substr(0, cut)) + "…";
}

std::string first_line(std::string_view s) {
  const size_t end = s.find_first_of("\r\n");
  if (end == std::string_view::npos) return std::string(s);
  return std::string(s.substr(0, end)) + "…";
}

size_t display_width(std::string_view s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
    std::uint32_t cp = len == 1 ? b : b & (0x7F >> len);
    for (size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += len;
    // Wide ranges of Unicode's East Asian Width (W and F), the ones Japanese text uses.
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
                      (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
                      (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    w += wide ? 2 : 1;
  }
  return w;
}

std::string pad_columns(std::string_view s, size_t columns) {
  const size_t w = display_width(s);
  return std::string(s) + std::string(w < columns ? columns - w : 0, ' ');
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace honbu
