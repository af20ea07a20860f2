// The string tables: both languages have the same keys, no empty text, and every key the
// console's code asks for exists (a missing key would show as its raw name).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "console/panel.hpp"
#include "console/strings.hpp"

using namespace honbu;
using namespace honbu::console;

namespace {
const std::string kAssets = std::string(HONBU_SOURCE_DIR) + "/assets";
}

TEST(StringTables, SameKeysInJapaneseAndEnglishAndNoneEmpty) {
  Strings s;
  s.load(kAssets);
  const auto& ja = s.table(Lang::Ja);
  const auto& en = s.table(Lang::En);
  ASSERT_GT(ja.size(), 150u);
  for (const auto& [k, v] : ja) {
    EXPECT_TRUE(en.count(k)) << "missing in en.json: " << k;
    EXPECT_FALSE(v.empty()) << "empty in ja.json: " << k;
  }
  for (const auto& [k, v] : en) {
    EXPECT_TRUE(ja.count(k)) << "missing in ja.json: " << k;
    EXPECT_FALSE(v.empty()) << "empty in en.json: " << k;
  }
}

TEST(StringTables, EveryKeyTheCodeUsesExists) {
  Strings s;
  s.load(kAssets);
  std::set<std::string> used;
  const std::regex call(R"re(\bT\("([a-z0-9_.]+)"\))re");
  for (const auto& e : std::filesystem::recursive_directory_iterator(std::string(HONBU_SOURCE_DIR) + "/console")) {
    if (e.path().extension() != ".cpp") continue;
    std::ifstream f(e.path());
    const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (std::sregex_iterator it(text.begin(), text.end(), call), end; it != end; ++it) used.insert((*it)[1]);
  }
  ASSERT_GT(used.size(), 100u);
  for (const auto& p : make_panels()) used.insert(std::string(p->title_key()));
  for (const char* state : {"connecting", "syncing", "live", "lost"}) used.insert(std::string("sync.state_") + state);
  for (const std::string& k : used) EXPECT_TRUE(s.table(Lang::Ja).count(k)) << "no text for key " << k;
}

TEST(StringTables, ABrokenTableIsRefusedNamingTheFile) {
  Strings s;
  EXPECT_THROW(s.load_table(Lang::Ja, "{\"a\": 1}", "bad.json"), Error);
  try {
    s.load_table(Lang::Ja, "not json", "bad.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos);
  }
  // A key with no text shows as the key itself, never as nothing.
  EXPECT_STREQ(s.tr("no.such.key"), "no.such.key");
}
