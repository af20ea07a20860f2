// model/time.hpp: ISO-8601 in JST, parsing of user and wire input, 和暦 and "as of" stamps.
#include "model/time.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace honbu;

namespace {

constexpr TimeMs kSecond = 1000;
constexpr TimeMs kMinute = 60 * kSecond;
constexpr TimeMs kHour = 60 * kMinute;
constexpr TimeMs kDay = 24 * kHour;

// Reference instants (computed independently with Python's datetime).
constexpr TimeMs kT = 1'795'322'700'000;              // 2026-11-22T13:45:00+09:00
constexpr TimeMs kReiwaStart = 1'556'636'400'000;      // 2019-05-01T00:00:00+09:00
constexpr TimeMs kHeiseiStart = 600'188'400'000;       // 1989-01-08T00:00:00+09:00
constexpr TimeMs kShowaStart = -1'357'635'600'000;     // 1926-12-25T00:00:00+09:00
constexpr TimeMs kLeapDay = 1'709'165'100'000;         // 2024-02-29T09:05:00+09:00
constexpr TimeMs kNewYear2026 = 1'767'193'200'000;     // 2026-01-01T00:00:00+09:00

}  // namespace

// ---------------------------------------------------------------- format_iso_jst

TEST(TimeFormatIso, FormatsInJstWithOffset) {
  EXPECT_EQ(format_iso_jst(kT), "2026-11-22T13:45:00+09:00");
  EXPECT_EQ(format_iso_jst(0), "1970-01-01T09:00:00+09:00");
  EXPECT_EQ(format_iso_jst(kLeapDay), "2024-02-29T09:05:00+09:00");
}

TEST(TimeFormatIso, TruncatesToTheSecond) {
  EXPECT_EQ(format_iso_jst(kT + 999), "2026-11-22T13:45:00+09:00");
  EXPECT_EQ(format_iso_jst(kT + 1000), "2026-11-22T13:45:01+09:00");
}

TEST(TimeFormatIso, JstDateDiffersFromUtcDateAfter15Utc) {
  // 2025-12-31T15:00:00Z is already New Year in Japan.
  EXPECT_EQ(format_iso_jst(kNewYear2026), "2026-01-01T00:00:00+09:00");
  EXPECT_EQ(format_iso_jst(kNewYear2026 - 1), "2025-12-31T23:59:59+09:00");
}

TEST(TimeFormatIso, TimesBeforeTheEpochFloorCorrectly) {
  EXPECT_EQ(format_iso_jst(-1), "1970-01-01T08:59:59+09:00");
  EXPECT_EQ(format_iso_jst(-9 * kHour), "1970-01-01T00:00:00+09:00");
  EXPECT_EQ(format_iso_jst(-9 * kHour - 1), "1969-12-31T23:59:59+09:00");
  EXPECT_EQ(format_iso_jst(kShowaStart), "1926-12-25T00:00:00+09:00");
}

TEST(TimeFormatIso, FixedWidthSoTextOrderIsTimeOrder) {
  std::vector<TimeMs> times = {kShowaStart, -1, 0, 9 * kSecond, kHeiseiStart, kReiwaStart,
                               kLeapDay,    kT,  kT + kSecond, kT + 10 * kDay};
  for (size_t i = 0; i + 1 < times.size(); ++i) {
    const std::string a = format_iso_jst(times[i]), b = format_iso_jst(times[i + 1]);
    EXPECT_EQ(a.size(), 25u) << a;
    EXPECT_LT(a, b) << times[i] << " vs " << times[i + 1];
  }
}

// ---------------------------------------------------------------- parse_iso

TEST(TimeParseIso, RoundTripsFormattedTimes) {
  for (TimeMs t : {kT, TimeMs{0}, kReiwaStart, kHeiseiStart, kShowaStart, kLeapDay, kNewYear2026,
                   kNewYear2026 - kSecond, TimeMs{-kSecond}, kT + 37 * kDay + 5 * kHour + 7 * kSecond}) {
    const auto parsed = parse_iso(format_iso_jst(t));
    ASSERT_TRUE(parsed.has_value()) << format_iso_jst(t);
    EXPECT_EQ(*parsed, t) << format_iso_jst(t);
  }
}

TEST(TimeParseIso, RoundTripsEveryHourOfAYear) {
  for (TimeMs t = kNewYear2026; t < kNewYear2026 + 366 * kDay; t += kHour + 13 * kSecond) {
    const auto parsed = parse_iso(format_iso_jst(t));
    ASSERT_TRUE(parsed.has_value()) << format_iso_jst(t);
    ASSERT_EQ(*parsed, t) << format_iso_jst(t);
  }
}

TEST(TimeParseIso, OffsetZIsUtc) {
  EXPECT_EQ(parse_iso("2026-11-22T04:45:00Z"), kT);
  EXPECT_EQ(parse_iso("1970-01-01T00:00:00Z"), 0);
}

TEST(TimeParseIso, OffsetPlusNine) { EXPECT_EQ(parse_iso("2026-11-22T13:45:00+09:00"), kT); }

TEST(TimeParseIso, NegativeOffset) {
  EXPECT_EQ(parse_iso("2026-11-21T23:45:00-05:00"), kT);
  EXPECT_EQ(parse_iso("2026-11-22T04:45:00-00:00"), kT);
}

TEST(TimeParseIso, OffsetWithMinutes) {
  EXPECT_EQ(parse_iso("2026-11-22T10:15:00+05:30"), kT);  // India
  EXPECT_EQ(parse_iso("2026-11-21T18:15:00-10:30"), kT);
}

TEST(TimeParseIso, NoOffsetMeansJst) {
  EXPECT_EQ(parse_iso("2026-11-22T13:45:00"), kT);
  EXPECT_EQ(parse_iso("2026-11-22T13:45"), kT);
}

TEST(TimeParseIso, SecondsAreOptional) {
  EXPECT_EQ(parse_iso("2026-11-22T13:45+09:00"), kT);
  EXPECT_EQ(parse_iso("2026-11-22T04:45Z"), kT);
}

TEST(TimeParseIso, SpaceInsteadOfT) {
  EXPECT_EQ(parse_iso("2026-11-22 13:45"), kT);
  EXPECT_EQ(parse_iso("2026-11-22 13:45:00+09:00"), kT);
}

TEST(TimeParseIso, SlashAsDateSeparator) {
  EXPECT_EQ(parse_iso("2026/11/22 13:45"), kT);
  EXPECT_EQ(parse_iso("2026/11/22T13:45:00"), kT);
  EXPECT_EQ(parse_iso("2024/02/29 09:05"), kLeapDay);
}

TEST(TimeParseIso, MixedDateSeparatorsRejected) {
  EXPECT_FALSE(parse_iso("2026/11-22 13:45"));
  EXPECT_FALSE(parse_iso("2026-11/22 13:45"));
  EXPECT_FALSE(parse_iso("2026.11.22 13:45"));
}

TEST(TimeParseIso, FractionalSecondsGiveMilliseconds) {
  EXPECT_EQ(parse_iso("2026-11-22T13:45:00.5+09:00"), kT + 500);
  EXPECT_EQ(parse_iso("2026-11-22T13:45:00.05"), kT + 50);
  EXPECT_EQ(parse_iso("2026-11-22T13:45:00.123Z"), kT + 9 * kHour + 123);
  EXPECT_EQ(parse_iso("2026-11-22T13:45:00.999"), kT + 999);
}

TEST(TimeParseIso, FractionalSecondsBeyondMillisecondsTruncated) {
  EXPECT_EQ(parse_iso("2026-11-22T13:45:00.123456+09:00"), kT + 123);
  EXPECT_EQ(parse_iso("2026-11-22T13:45:00.999999999"), kT + 999);
}

TEST(TimeParseIso, FractionWithoutDigitsRejected) {
  EXPECT_FALSE(parse_iso("2026-11-22T13:45:00."));
  EXPECT_FALSE(parse_iso("2026-11-22T13:45:00.Z"));
}

TEST(TimeParseIso, InvalidCalendarDatesRejected) {
  EXPECT_FALSE(parse_iso("2026-02-30T00:00"));
  EXPECT_FALSE(parse_iso("2026-02-29T00:00"));  // 2026 is not a leap year
  EXPECT_FALSE(parse_iso("2100-02-29T00:00"));  // nor is 2100
  EXPECT_FALSE(parse_iso("2026-04-31T00:00"));
  EXPECT_FALSE(parse_iso("2026-13-01T00:00"));
  EXPECT_FALSE(parse_iso("2026-00-10T00:00"));
  EXPECT_FALSE(parse_iso("2026-11-00T00:00"));
  EXPECT_FALSE(parse_iso("2026-11-32T00:00"));
  EXPECT_TRUE(parse_iso("2000-02-29T00:00"));   // 2000 is
  EXPECT_TRUE(parse_iso("2024-02-29T00:00"));
}

TEST(TimeParseIso, InvalidClockTimesRejected) {
  EXPECT_FALSE(parse_iso("2026-11-22T24:00"));
  EXPECT_FALSE(parse_iso("2026-11-22T13:60"));
  EXPECT_FALSE(parse_iso("2026-11-22T13:45:61"));
  EXPECT_TRUE(parse_iso("2026-11-22T23:59:59"));
}

TEST(TimeParseIso, LeapSecondReadAsTheNextMinute) {
  // ":60" is accepted (leap seconds appear in some feeds) and lands on the next minute.
  EXPECT_EQ(parse_iso("2026-11-22T13:44:60+09:00"), kT);
}

TEST(TimeParseIso, InvalidOffsetsRejected) {
  EXPECT_FALSE(parse_iso("2026-11-22T13:45:00+0900"));
  EXPECT_FALSE(parse_iso("2026-11-22T13:45:00+09"));
  EXPECT_FALSE(parse_iso("2026-11-22T13:45:00+15:00"));
  EXPECT_FALSE(parse_iso("2026-11-22T13:45:00+09:60"));
  EXPECT_FALSE(parse_iso("2026-11-22T13:45:00+0a:00"));
  EXPECT_FALSE(parse_iso("2026-11-22T13:45:00 +09:00"));
  EXPECT_FALSE(parse_iso("2026-11-22T13:45:00z"));
  EXPECT_FALSE(parse_iso("2026-11-22T13:45:00ZZ"));
  EXPECT_FALSE(parse_iso("2026-11-22T13:45:00Z "));
  EXPECT_FALSE(parse_iso("2026-11-22T13:45:00JST"));
}

TEST(TimeParseIso, MalformedTextRejected) {
  const char* bad[] = {"",
                       "2026",
                       "2026-11-22",
                       "2026-11-22T",
                       "2026-11-22T13",
                       "2026-11-22T1345",
                       "2026-11-22T13:4",
                       "2026-11-22t13:45",
                       "2026-11-22_13:45",
                       "26-11-22T13:45:00",
                       "2026-1-22T13:45:00",
                       "2026-11-22T1:45:00",
                       "2026-11-22T13:45:",
                       "2026-11-22T13:45:5",
                       "2026-11-22T13:45:00 ",
                       " 2026-11-22T13:45:00",
                       "abcd-ef-ghTij:kl",
                       "２０２６-11-22 13:45",  // full-width digits: normalise first
                       "2026-11-22T13:45:00+09:00extra"};
  for (const char* s : bad) EXPECT_FALSE(parse_iso(s)) << '"' << s << '"';
}

// ---------------------------------------------------------------- stamps

TEST(TimeFormatHhmm, TwentyFourHourWithLeadingZeros) {
  EXPECT_EQ(format_hhmm_jst(kT), "13:45");
  EXPECT_EQ(format_hhmm_jst(kLeapDay), "09:05");
  EXPECT_EQ(format_hhmm_jst(kNewYear2026), "00:00");
  EXPECT_EQ(format_hhmm_jst(kNewYear2026 - kSecond), "23:59");
}

TEST(TimeFormatAsOf, Japanese) {
  EXPECT_EQ(format_as_of_ja(kT), "11月22日13時45分現在");
  EXPECT_EQ(format_as_of_ja(kLeapDay), "2月29日9時05分現在");
  EXPECT_EQ(format_as_of_ja(kNewYear2026), "1月1日0時00分現在");
  EXPECT_EQ(format_as_of_ja(kNewYear2026 - kSecond), "12月31日23時59分現在");
}

TEST(TimeFormatAsOf, English) {
  EXPECT_EQ(format_as_of_en(kT), "as of 22 Nov 13:45 JST");
  EXPECT_EQ(format_as_of_en(kLeapDay), "as of 29 Feb 09:05 JST");
  EXPECT_EQ(format_as_of_en(kNewYear2026), "as of 1 Jan 00:00 JST");
  EXPECT_EQ(format_as_of_en(kNewYear2026 - kSecond), "as of 31 Dec 23:59 JST");
}

TEST(TimeFormatAsOf, EveryMonthHasItsName) {
  const char* names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int m = 1; m <= 12; ++m) {
    char text[32];
    std::snprintf(text, sizeof text, "2026-%02d-15T12:00", m);
    const auto t = parse_iso(text);
    ASSERT_TRUE(t) << text;
    EXPECT_EQ(format_as_of_en(*t), std::string("as of 15 ") + names[m - 1] + " 12:00 JST");
    EXPECT_EQ(format_as_of_ja(*t), std::to_string(m) + "月15日12時00分現在");
  }
}

// ---------------------------------------------------------------- 和暦

TEST(TimeWareki, Reiwa) {
  EXPECT_EQ(format_wareki(kT), "令和8年11月22日");
  EXPECT_EQ(format_wareki(*parse_iso("2020-05-01 00:00")), "令和2年5月1日");
}

TEST(TimeWareki, FirstDayOfReiwaIsGannen) {
  EXPECT_EQ(format_wareki(kReiwaStart), "令和元年5月1日");
  EXPECT_EQ(format_wareki(*parse_iso("2019-12-31 23:59")), "令和元年12月31日");
}

TEST(TimeWareki, LastDayOfHeisei) {
  EXPECT_EQ(format_wareki(kReiwaStart - kSecond), "平成31年4月30日");
  // The era changes at midnight JST, not UTC: 2019-04-30T15:00Z is already 令和.
  EXPECT_EQ(format_wareki(*parse_iso("2019-04-30T14:59:59Z")), "平成31年4月30日");
  EXPECT_EQ(format_wareki(*parse_iso("2019-04-30T15:00:00Z")), "令和元年5月1日");
}

TEST(TimeWareki, HeiseiAndShowaBoundaries) {
  EXPECT_EQ(format_wareki(kHeiseiStart), "平成元年1月8日");
  EXPECT_EQ(format_wareki(kHeiseiStart - kSecond), "昭和64年1月7日");
  EXPECT_EQ(format_wareki(*parse_iso("2011-03-11 14:46")), "平成23年3月11日");
  EXPECT_EQ(format_wareki(*parse_iso("1995-01-17 05:46")), "平成7年1月17日");
  EXPECT_EQ(format_wareki(kShowaStart), "昭和元年12月25日");
  EXPECT_EQ(format_wareki(*parse_iso("1959-09-26 18:00")), "昭和34年9月26日");
}

TEST(TimeWareki, BeforeShowaFallsBackToGregorian) {
  // Taishō is not in the table: older dates are shown as Western years.
  EXPECT_EQ(format_wareki(kShowaStart - kDay), "1926年12月24日");
}

// ---------------------------------------------------------------- format_age

TEST(TimeFormatAge, UnderAMinute) {
  EXPECT_EQ(format_age(0, true), "1分未満");
  EXPECT_EQ(format_age(59 * kSecond + 999, true), "1分未満");
  EXPECT_EQ(format_age(0, false), "<1 min ago");
}

TEST(TimeFormatAge, AClockALittleAheadIsNowButTheFutureIsSaid) {
  EXPECT_EQ(format_age(-5 * kMinute, true), "1分未満");
  EXPECT_EQ(format_age(-5 * kMinute, false), "<1 min ago");
  EXPECT_EQ(format_age(-5 * kMinute - 1, true), "未来の時刻 (0時間5分先)");
  EXPECT_EQ(format_age(-(2 * kHour + 5 * kMinute), false), "in the future (2 h 5 min ahead)");
  EXPECT_EQ(format_age(-3 * 24 * kHour, true), "未来の時刻 (3日先)");
}

TEST(TimeFormatAge, Minutes) {
  EXPECT_EQ(format_age(kMinute, true), "1分前");
  EXPECT_EQ(format_age(3 * kMinute + 59 * kSecond, true), "3分前");
  EXPECT_EQ(format_age(3 * kMinute, false), "3 min ago");
  EXPECT_EQ(format_age(59 * kMinute + 59 * kSecond, true), "59分前");
}

TEST(TimeFormatAge, HoursAndMinutes) {
  EXPECT_EQ(format_age(kHour, true), "1時間0分前");
  EXPECT_EQ(format_age(2 * kHour + 5 * kMinute, true), "2時間5分前");
  EXPECT_EQ(format_age(2 * kHour + 5 * kMinute, false), "2 h 5 min ago");
  EXPECT_EQ(format_age(47 * kHour + 59 * kMinute, true), "47時間59分前");
}

TEST(TimeFormatAge, DaysFromTwoDaysOn) {
  EXPECT_EQ(format_age(48 * kHour, true), "2日前");
  EXPECT_EQ(format_age(48 * kHour, false), "2 days ago");
  EXPECT_EQ(format_age(10 * kDay + 23 * kHour, true), "10日前");
}

// ---------------------------------------------------------------- wall clock

TEST(TimeWallNow, MatchesSystemClock) {
  using namespace std::chrono;
  const auto before = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  const TimeMs now = wall_now_ms();
  const auto after = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  EXPECT_GE(now, before);
  EXPECT_LE(now, after);
}
