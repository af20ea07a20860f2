// Wall time in Japan Standard Time (UTC+9, no daylight saving).
// Stored as ISO-8601 text with +09:00 so the database reads well in the sqlite3 shell.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace honbu {

using TimeMs = std::int64_t;  // milliseconds since the Unix epoch (UTC)

inline constexpr TimeMs kJstOffsetMs = 9LL * 3600 * 1000;

TimeMs wall_now_ms();

// "2026-11-22T13:45:00+09:00" (second precision; fixed width, so text order = time order).
std::string format_iso_jst(TimeMs t);

// Accepts "YYYY-MM-DDTHH:MM[:SS[.fff]]" with "Z", "+hh:mm" or no offset (= JST),
// a space instead of 'T', and '/' as the date separator. Full-width digits must be
// normalised first (see text.hpp). Returns nullopt on anything else.
std::optional<TimeMs> parse_iso(std::string_view text);

// "13時45分現在" / "as of 13:45" stamps, and 24-hour "13:45".
std::string format_hhmm_jst(TimeMs t);
std::string format_as_of_ja(TimeMs t);   // 11月22日13時45分現在
std::string format_as_of_en(TimeMs t);   // as of 22 Nov 13:45 JST

// 和暦: "令和8年11月22日" (元年 for year 1). Heisei and Showa for older dates.
std::string format_wareki(TimeMs t);

// Human age of a datum: "3分前" / "3 min ago", "2時間5分前" / "2 h 5 min ago". An age below
// -kClockSkewToleranceMs (a time in the future) says so: "未来の時刻 (0時間30分先)".
inline constexpr TimeMs kClockSkewToleranceMs = 5 * 60'000;
std::string format_age(TimeMs age_ms, bool japanese);
inline bool is_future_age(TimeMs age_ms) { return age_ms < -kClockSkewToleranceMs; }

}  // namespace honbu
