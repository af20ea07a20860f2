// Input normalisation for Japanese users, and the municipality code check digit.
#pragma once

#include <string>
#include <string_view>

namespace honbu {

// Width normalisation applied to every text field on save (never a reason to reject):
// 全角 ASCII (U+FF01–FF5E) -> 半角, 全角 space U+3000 -> ' ', 半角 katakana -> 全角
// (with ﾞ/ﾟ composed, as NFKC does); leading/trailing spaces trimmed. Other text kept.
std::string normalize_text(std::string_view s);

// Cheap test (no allocation) that normalize_text(s) == s; may say false for text that is
// in fact normal (then the caller normalises and compares).
bool is_normalized_text_fast(std::string_view s);

// Whether s is valid UTF-8 (every text field is checked before it is stored).
bool is_valid_utf8(std::string_view s);

// The byte offset of the first control character (U+0000–U+001F but tab, CR and LF; U+007F),
// or npos. Such a byte (a NUL from a broken export) is refused on input, never stored.
std::size_t find_control_char(std::string_view s);

// 6-digit 全国地方公共団体コード: 2 (prefecture) + 3 (municipality) + check digit.
// Weights 6,5,4,3,2; r = sum mod 11; CD = (11 - r) mod 10. e.g. 石巻市 042021.
bool is_valid_municipality_code(std::string_view code);
char municipality_check_digit(std::string_view first_five);  // '0'..'9'

// Number of Unicode code points (for length limits that users can reason about).
size_t utf8_length(std::string_view s);

// s cut to at most max_bytes without splitting a character, with "…" when it was cut.
std::string utf8_ellipsis(std::string_view s, size_t max_bytes);

// The first line of s, with "…" when more lines follow (a summary line of a long text).
std::string first_line(std::string_view s);

// Columns a terminal gives s: 2 for East Asian wide and full-width characters (漢字, かな,
// 全角), 1 for the rest. printf's %-12s pads bytes, which left Japanese columns ragged.
size_t display_width(std::string_view s);
// s followed by spaces up to `columns` (s itself when it is that wide already).
std::string pad_columns(std::string_view s, size_t columns);

}  // namespace honbu
