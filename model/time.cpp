#include "model/time.hpp"

#include <chrono>
#include <cstdio>

namespace honbu {

namespace {

struct Civil {
  int year, month, day, hour, minute, second;
};

Civil to_civil_jst(TimeMs t) {
  using namespace std::chrono;
  const TimeMs local = t + kJstOffsetMs;
  const auto day_count = static_cast<int>(local >= 0 ? local / 86'400'000 : (local - 86'399'999) / 86'400'000);
  const TimeMs ms_of_day = local - static_cast<TimeMs>(day_count) * 86'400'000;
  const year_month_day ymd{sys_days{days{day_count}}};
  const auto secs = static_cast<int>(ms_of_day / 1000);
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day())), secs / 3600, (secs / 60) % 60,
          secs % 60};
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

TimeMs wall_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_iso_jst(TimeMs t) {
  const Civil c = to_civil_jst(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d+09:00", c.year, c.month, c.day,
                c.hour, c.minute, c.second);
  return buf;
}

std::optional<TimeMs> parse_iso(std::string_view s) {
  int y, mo, d, h, mi, sec = 0, ms = 0;
  if (!digits(s, 0, 4, y) || s.size() < 16) return std::nullopt;
  const char dsep = s[4];
  if ((dsep != '-' && dsep != '/') || s[7] != dsep) return std::nullopt;
  if (!digits(s, 5, 2, mo) || !digits(s, 8, 2, d)) return std::nullopt;
  if (s[10] != 'T' && s[10] != ' ') return std::nullopt;
  if (!digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi)) return std::nullopt;
  size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    if (!digits(s, pos + 1, 2, sec)) return std::nullopt;
    pos += 3;
    if (pos < s.size() && s[pos] == '.') {
      size_t start = ++pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
      if (pos == start) return std::nullopt;
      int frac = 0;
      for (size_t i = start; i < start + 3; ++i) frac = frac * 10 + (i < pos ? s[i] - '0' : 0);
      ms = frac;
    }
  }
  TimeMs offset = kJstOffsetMs;  // no offset given: local Japanese time
  if (pos < s.size()) {
    if (s[pos] == 'Z' && pos + 1 == s.size()) {
      offset = 0;
    } else if ((s[pos] == '+' || s[pos] == '-') && s.size() == pos + 6 && s[pos + 3] == ':') {
      int oh, om;
      if (!digits(s, pos + 1, 2, oh) || !digits(s, pos + 4, 2, om) || oh > 14 || om > 59)
        return std::nullopt;
      offset = (oh * 60LL + om) * 60'000 * (s[pos] == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  const TimeMs days_ms = sys_days{ymd}.time_since_epoch().count() * 86'400'000LL;
  return days_ms + ((h * 60LL + mi) * 60 + sec) * 1000 + ms - offset;
}

std::string format_hhmm_jst(TimeMs t) {
  const Civil c = to_civil_jst(t);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", c.hour, c.minute);
  return buf;
}

std::string format_as_of_ja(TimeMs t) {
  const Civil c = to_civil_jst(t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%d月%d日%d時%02d分現在", c.month, c.day, c.hour, c.minute);
  return buf;
}

std::string format_as_of_en(TimeMs t) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const Civil c = to_civil_jst(t);
  char buf[64];
  // JST said: an English reader may be anywhere, and the machine's clock may be UTC.
  std::snprintf(buf, sizeof buf, "as of %d %s %02d:%02d JST", c.day, kMonths[c.month - 1], c.hour,
                c.minute);
  return buf;
}

std::string format_wareki(TimeMs t) {
  struct Era {
    const char* name;
    int y, m, d;  // first day of the era
  };
  static const Era kEras[] = {{"令和", 2019, 5, 1}, {"平成", 1989, 1, 8}, {"昭和", 1926, 12, 25}};
  const Civil c = to_civil_jst(t);
  const int ymd = c.year * 10000 + c.month * 100 + c.day;
  for (const Era& e : kEras) {
    if (ymd >= e.y * 10000 + e.m * 100 + e.d) {
      const int n = c.year - e.y + 1;
      char buf[64];
      if (n == 1)
        std::snprintf(buf, sizeof buf, "%s元年%d月%d日", e.name, c.month, c.day);
      else
        std::snprintf(buf, sizeof buf, "%s%d年%d月%d日", e.name, n, c.month, c.day);
      return buf;
    }
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d年%d月%d日", c.year, c.month, c.day);
  return buf;
}

std::string format_age(TimeMs age_ms, bool japanese) {
  char buf[96];
  if (age_ms < -kClockSkewToleranceMs) {
    // An as-of time in the future is a typo or a wrong clock: never shown as fresh.
    const long long ahead = -age_ms / 60'000;
    if (ahead < 48 * 60)
      std::snprintf(buf, sizeof buf, japanese ? "未来の時刻 (%lld時間%lld分先)" : "in the future (%lld h %lld min ahead)",
                    ahead / 60, ahead % 60);
    else
      std::snprintf(buf, sizeof buf, japanese ? "未来の時刻 (%lld日先)" : "in the future (%lld days ahead)", ahead / 1440);
    return buf;
  }
  if (age_ms < 0) age_ms = 0;  // a clock a little ahead: now
  const long long minutes = age_ms / 60'000;
  if (minutes < 1) return japanese ? "1分未満" : "<1 min ago";
  if (minutes < 60) {
    std::snprintf(buf, sizeof buf, japanese ? "%lld分前" : "%lld min ago", minutes);
  } else if (minutes < 48 * 60) {
    std::snprintf(buf, sizeof buf, japanese ? "%lld時間%lld分前" : "%lld h %lld min ago",
                  minutes / 60, minutes % 60);
  } else {
    std::snprintf(buf, sizeof buf, japanese ? "%lld日前" : "%lld days ago", minutes / 1440);
  }
  return buf;
}

}  // namespace honbu
