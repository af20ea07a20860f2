// model/text.hpp: width normalisation (全角/半角), UTF-8 checks, municipality code check digit.
#include "model/text.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

using namespace honbu;

// ---------------------------------------------------------------- normalize_text

TEST(TextNormalize, FullWidthDigitsBecomeHalfWidth) {
  EXPECT_EQ(normalize_text("０１２３４５６７８９"), "0123456789");
  EXPECT_EQ(normalize_text("１２人"), "12人");
}

TEST(TextNormalize, FullWidthLatinLettersAndSymbolsBecomeHalfWidth) {
  EXPECT_EQ(normalize_text("ＡＢＣｘｙｚ"), "ABCxyz");
  // U+FF01 (！) and U+FF5E (～) are the two ends of the 全角 ASCII block.
  EXPECT_EQ(normalize_text("！～"), "!~");
  EXPECT_EQ(normalize_text("（緊急）"), "(緊急)");
  EXPECT_EQ(normalize_text("１－２－３"), "1-2-3");
  EXPECT_EQ(normalize_text("ａ＠ｂ．ｊｐ"), "a@b.jp");
}

TEST(TextNormalize, IdeographicSpaceBecomesAsciiSpace) {
  EXPECT_EQ(normalize_text("押上　1-1-2"), "押上 1-1-2");
  EXPECT_EQ(normalize_text("a　　b"), "a  b");  // inner spaces are kept, only converted
}

TEST(TextNormalize, HalfWidthKatakanaBecomesFullWidth) {
  EXPECT_EQ(normalize_text("ｱｲｳｴｵ"), "アイウエオ");
  EXPECT_EQ(normalize_text("ｶﾀｶﾅ"), "カタカナ");
  EXPECT_EQ(normalize_text("ｦｧｨｩｪｫｬｭｮｯｰﾝ"), "ヲァィゥェォャュョッーン");
  EXPECT_EQ(normalize_text("ﾜﾝ･ﾂｰ"), "ワン・ツー");
}

TEST(TextNormalize, HalfWidthKatakanaEveryLetterMapsLikeNfkc) {
  // The whole U+FF66..U+FF9D range in order, against the NFKC result.
  EXPECT_EQ(normalize_text("ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ"),
            "ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン");
}

TEST(TextNormalize, HalfWidthPunctuationBecomesFullWidth) {
  // U+FF61..U+FF64 (｡｢｣､) belong to the same half-width block and come with
  // half-width kana in legacy (Shift_JIS) data; NFKC maps them to 。「」、.
  EXPECT_EQ(normalize_text("｢ｱｲ｣､ｳ｡"), "「アイ」、ウ。");
}

TEST(TextNormalize, DakutenComposesWithPrecedingKana) {
  EXPECT_EQ(normalize_text("ｶﾞｷﾞｸﾞｹﾞｺﾞ"), "ガギグゲゴ");
  EXPECT_EQ(normalize_text("ｻﾞｼﾞｽﾞｾﾞｿﾞ"), "ザジズゼゾ");
  EXPECT_EQ(normalize_text("ﾀﾞﾁﾞﾃﾞﾄﾞ"), "ダヂデド");
  EXPECT_EQ(normalize_text("ﾊﾞﾋﾞﾌﾞﾍﾞﾎﾞ"), "バビブベボ");
}

TEST(TextNormalize, TsuWithDakutenBecomesDu) {
  // ッ (U+30C3) sits between チ and ツ, so ツ+1 must be ヅ, not a neighbour.
  EXPECT_EQ(normalize_text("ﾂﾞ"), "ヅ");
  EXPECT_EQ(normalize_text("ﾁﾞﾂﾞ"), "ヂヅ");
}

TEST(TextNormalize, UWithDakutenBecomesVu) {
  EXPECT_EQ(normalize_text("ｳﾞ"), "ヴ");
  EXPECT_EQ(normalize_text("ｳﾞｧｲｵﾘﾝ"), "ヴァイオリン");
}

TEST(TextNormalize, HandakutenComposesOnlyWithHaRow) {
  EXPECT_EQ(normalize_text("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ"), "パピプペポ");
  EXPECT_EQ(normalize_text("ﾍﾟｰｼﾞ"), "ページ");
}

TEST(TextNormalize, MarkAfterKanaThatCannotTakeItStaysSeparate) {
  // ア takes neither mark; カ takes no handakuten. The mark is kept as a full-width
  // spacing mark (゛ U+309B / ゜ U+309C) rather than dropped.
  EXPECT_EQ(normalize_text("ｱﾞ"), "ア゛");
  EXPECT_EQ(normalize_text("ｶﾟ"), "カ゜");
  EXPECT_EQ(normalize_text("ﾝﾟ"), "ン゜");
}

TEST(TextNormalize, LoneVoicedMarksBecomeFullWidthMarks) {
  EXPECT_EQ(normalize_text("ﾞ"), "゛");
  EXPECT_EQ(normalize_text("ﾟ"), "゜");
  EXPECT_EQ(normalize_text("aﾞ"), "a゛");
}

TEST(TextNormalize, FullWidthKanaMarksDoNotComposeWithFullWidthKana) {
  // Only half-width kana compose; full-width text is left exactly as typed.
  EXPECT_EQ(normalize_text("カ゛"), "カ゛");
}

TEST(TextNormalize, FullWidthKanaKanjiAndHiraganaKept) {
  const std::string s = "石巻市 避難所 ひなんじょ ヒナンジョ 〒";
  EXPECT_EQ(normalize_text(s), s);
}

TEST(TextNormalize, TrimsLeadingAndTrailingWhitespaceIncludingIdeographicSpace) {
  EXPECT_EQ(normalize_text("  abc  "), "abc");
  EXPECT_EQ(normalize_text("\t\r\nabc\n"), "abc");
  EXPECT_EQ(normalize_text("　避難所　"), "避難所");
  EXPECT_EQ(normalize_text(" 　 a b 　 "), "a b");
}

TEST(TextNormalize, OnlyWhitespaceBecomesEmpty) {
  EXPECT_EQ(normalize_text(""), "");
  EXPECT_EQ(normalize_text("   "), "");
  EXPECT_EQ(normalize_text("　　"), "");
  EXPECT_EQ(normalize_text(" \t\n "), "");
}

TEST(TextNormalize, InnerNewlinesKept) {
  EXPECT_EQ(normalize_text("一行目\n二行目"), "一行目\n二行目");
}

TEST(TextNormalize, IsIdempotent) {
  const char* samples[] = {"ｳﾞｧｲｵﾘﾝ　１２３", "　ＡＢＣ ﾊﾟﾝ ", "普通の文", "ﾞﾟｶﾞ", "｢ｱ｣"};
  for (const char* s : samples) {
    const std::string once = normalize_text(s);
    EXPECT_EQ(normalize_text(once), once) << s;
  }
}

TEST(TextNormalize, InvalidUtf8BytesBecomeReplacementCharacter) {
  // A stray continuation byte, a truncated sequence and a byte that never appears in UTF-8.
  EXPECT_EQ(normalize_text("a\x80z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(normalize_text("a\xE3\x81"), "a\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(normalize_text("\xFFok"), "\xEF\xBF\xBDok");
  // Lead byte followed by a non-continuation: only the lead byte is replaced.
  EXPECT_EQ(normalize_text("\xE3" "abc"), "\xEF\xBF\xBD" "abc");
}

TEST(TextNormalize, OutputIsValidUtf8EvenForInvalidInput) {
  EXPECT_TRUE(is_valid_utf8(normalize_text("x\xC3\x28y\xF0\x9F")));
}

TEST(TextNormalize, FourByteCharactersPassThrough) {
  const std::string s = "𠮷野家 \xF0\x9F\x98\x80";  // U+20BB7 and U+1F600
  EXPECT_EQ(normalize_text(s), s);
}

// ---------------------------------------------------------------- is_normalized_text_fast

TEST(TextNormalizedFast, TrueForTextThatIsNormal) {
  EXPECT_TRUE(is_normalized_text_fast(""));
  EXPECT_TRUE(is_normalized_text_fast("abc 123"));
  EXPECT_TRUE(is_normalized_text_fast("石巻市 避難所"));
}

TEST(TextNormalizedFast, FalseForTextThatNormalizationWouldChange) {
  const char* samples[] = {" a", "a ", "\ta", "a\n", "１", "ａ", "ｱ", "ﾞ", "a　b", "｢", "　"};
  for (const char* s : samples) {
    EXPECT_FALSE(is_normalized_text_fast(s)) << s;
    EXPECT_NE(normalize_text(s), s) << s;
  }
}

TEST(TextNormalizedFast, NeverSaysTrueWhenNormalizationChangesValidText) {
  const char* samples[] = {"abc",  "ＡＢＣ", "ｱｲ",  "カ゛", "a b", "　x", "x　", "避難所",
                           "１２", "ｳﾞ",   "ﾟ",   "x\n", "𠮷",  "-",   "・",  "ー"};
  for (const char* s : samples) {
    if (is_normalized_text_fast(s)) {
      EXPECT_EQ(normalize_text(s), s) << s;
    }
  }
}

// ---------------------------------------------------------------- is_valid_utf8

TEST(TextUtf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("ascii only"));
  EXPECT_TRUE(is_valid_utf8("日本語テキスト"));
  EXPECT_TRUE(is_valid_utf8("\xC2\x80"));          // U+0080, smallest 2-byte
  EXPECT_TRUE(is_valid_utf8("\xE0\xA0\x80"));      // U+0800, smallest 3-byte
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));      // U+E000, just above
  EXPECT_TRUE(is_valid_utf8("\xF0\x90\x80\x80"));  // U+10000, smallest 4-byte
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the largest code point
  EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3)));
}

TEST(TextUtf8, RejectsOverlongEncodings) {
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));          // NUL in 2 bytes
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));          // U+007F in 2 bytes
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // '/' in 3 bytes
  EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // U+07FF in 3 bytes
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // '/' in 4 bytes
  EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in 4 bytes
}

TEST(TextUtf8, RejectsSurrogates) {
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));                // U+D800
  EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));                // U+DFFF
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\xBD\xED\xB8\x80"));    // CESU-8 pair for U+1F600
}

TEST(TextUtf8, RejectsCodePointsBeyondUnicode) {
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));  // old 5-byte form
  EXPECT_FALSE(is_valid_utf8("\xFE"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

// The ASCII fast path reads eight bytes at a time: a bad or multi-byte sequence must be seen
// wherever it falls against those words. The judge is simdjson's validator, an independent
// implementation of the same rules (random strings, seed printed).
TEST(TextUtf8, WordAtATimeAsciiPathAgreesWithAnIndependentValidator) {
  const std::uint64_t seed = 20261202;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const std::vector<std::string> pieces = {"a", "Z", "0", " ", "\xE6\x97\xA5", "\xC3\xA9", "\xF0\x9F\x98\x80",
                                           "\x80", "\xE6\x97", "\xC0\x80", "\xED\xA0\x80", "\xFF"};
  int valid = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string s;
    const size_t count = rng() % 30;
    for (size_t k = 0; k < count; ++k) s += pieces[rng() % 8 == 0 ? 4 + rng() % 8 : rng() % 4];
    const bool want = simdjson::validate_utf8(s);
    valid += want ? 1 : 0;
    ASSERT_EQ(is_valid_utf8(s), want) << "seed " << seed << ", case " << n;
  }
  // Both outcomes came up many times, or the comparison proved little.
  EXPECT_GT(valid, 2000);
  EXPECT_LT(valid, 18000);
}

TEST(TextUtf8, RejectsTruncatedAndStraySequences) {
  EXPECT_FALSE(is_valid_utf8("\x80"));              // continuation without a lead
  EXPECT_FALSE(is_valid_utf8("abc\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xE6\x97"));          // 日 cut after 2 of 3 bytes
  EXPECT_FALSE(is_valid_utf8("\xC3"));
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));
  EXPECT_FALSE(is_valid_utf8("\xC3\x28"));          // second byte not a continuation
  EXPECT_FALSE(is_valid_utf8("\xE6\x97\x41"));
  EXPECT_FALSE(is_valid_utf8("ok\xE6\x97\xA5\xE6"));  // valid then truncated
}

// ---------------------------------------------------------------- municipality codes

TEST(TextMunicipalityCode, DocumentedExamplesAreValid) {
  EXPECT_TRUE(is_valid_municipality_code("042021"));  // 石巻市
  EXPECT_TRUE(is_valid_municipality_code("011002"));  // 札幌市
  EXPECT_TRUE(is_valid_municipality_code("131016"));  // 千代田区
}

TEST(TextMunicipalityCode, CheckDigitComputedFromFirstFive) {
  EXPECT_EQ(municipality_check_digit("04202"), '1');  // 石巻市
  EXPECT_EQ(municipality_check_digit("01100"), '2');  // 札幌市
  EXPECT_EQ(municipality_check_digit("13101"), '6');  // 千代田区
  EXPECT_EQ(municipality_check_digit("14100"), '3');  // 横浜市 141003
  EXPECT_EQ(municipality_check_digit("27100"), '4');  // 大阪市 271004
  EXPECT_EQ(municipality_check_digit("01202"), '5');  // 函館市 012025
}

TEST(TextMunicipalityCode, CheckDigitEdgeCasesOfTheModulus) {
  // r = 0 -> CD = 11 mod 10 = 1 (新宿区 13104: sum 33).
  EXPECT_EQ(municipality_check_digit("13104"), '1');
  EXPECT_TRUE(is_valid_municipality_code("131041"));
  EXPECT_EQ(municipality_check_digit("00000"), '1');
  // r = 1 -> CD = 10 mod 10 = 0 (sum 12).
  EXPECT_EQ(municipality_check_digit("00006"), '0');
  EXPECT_TRUE(is_valid_municipality_code("000060"));
  // r = 3 -> CD = 8.
  EXPECT_EQ(municipality_check_digit("00010"), '8');
}

TEST(TextMunicipalityCode, EveryWrongCheckDigitIsRejected) {
  for (char d = '0'; d <= '9'; ++d) {
    const std::string code = std::string("04202") + d;
    EXPECT_EQ(is_valid_municipality_code(code), d == '1') << code;
  }
}

TEST(TextMunicipalityCode, WrongLengthRejected) {
  EXPECT_FALSE(is_valid_municipality_code(""));
  EXPECT_FALSE(is_valid_municipality_code("04202"));     // 5-digit JIS X 0402 without CD
  EXPECT_FALSE(is_valid_municipality_code("0420211"));
  EXPECT_FALSE(is_valid_municipality_code("0042021"));
}

TEST(TextMunicipalityCode, NonDigitsRejected) {
  EXPECT_FALSE(is_valid_municipality_code("04202a"));
  EXPECT_FALSE(is_valid_municipality_code("O42021"));  // letter O
  EXPECT_FALSE(is_valid_municipality_code(" 42021"));
  EXPECT_FALSE(is_valid_municipality_code("-42021"));
  // Full-width digits must be normalised before the check (6 code points, 18 bytes).
  EXPECT_FALSE(is_valid_municipality_code("０４２０２１"));
  EXPECT_TRUE(is_valid_municipality_code(normalize_text("０４２０２１")));
}

// ---------------------------------------------------------------- utf8_length

TEST(TextUtf8Length, CountsCodePointsNotBytes) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("避難所"), 3u);        // 9 bytes
  EXPECT_EQ(utf8_length("é"), 1u);             // 2 bytes
  EXPECT_EQ(utf8_length("𠮷"), 1u);            // 4 bytes
  EXPECT_EQ(utf8_length("a避b𠮷c"), 5u);
  EXPECT_EQ(utf8_length("ｱ"), 1u);             // half-width kana: 3 bytes
}

// Terminal tables: 漢字 and かな take two columns, so %-12s (bytes) left Japanese ragged.
TEST(Text, DisplayWidthCountsWideCharactersTwice) {
  EXPECT_EQ(display_width("met"), 3u);
  EXPECT_EQ(display_width("達成"), 4u);
  EXPECT_EQ(display_width("状況付与票"), 10u);
  EXPECT_EQ(display_width("ｶﾅ"), 2u) << "half-width kana are narrow";
  EXPECT_EQ(display_width("ＡＢ"), 4u) << "full-width Latin is wide";
  EXPECT_EQ(display_width("北山 電力 → 支障"), 16u) << "the arrow is narrow";
  EXPECT_EQ(pad_columns("達成", 9), "達成     ");
  EXPECT_EQ(pad_columns("未対応", 9), "未対応   ");
  EXPECT_EQ(pad_columns("overdue", 4), "overdue");
}

// A summary line of a クロノロ entry written over several lines keeps to one line.
TEST(Text, FirstLineSaysWhenMoreFollow) {
  EXPECT_EQ(first_line("倒壊家屋あり"), "倒壊家屋あり");
  EXPECT_EQ(first_line("倒壊家屋あり\n住民2名閉じ込め"), "倒壊家屋あり…");
  EXPECT_EQ(first_line("a\r\nb"), "a…");
  EXPECT_EQ(first_line(""), "");
}
