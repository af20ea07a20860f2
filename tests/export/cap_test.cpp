// CAP 1.2 export: every document validates against the OASIS XSD (xmllint as a child process
// and libxml2 in process), drill data is Exercise and never Actual, message threads (Alert →
// Update → Cancel with references), stable identifiers, polygons in CAP order, escaping, and
// a golden document for a fixed dataset.
#include "model/export/cap.hpp"
#include "model/export/publication.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <set>
#include <sstream>

#include "export_fixture.hpp"
#include "model/entities.hpp"
#include "model/queries.hpp"
#include "support/process.hpp"

using namespace honbu;
using namespace honbu::testing;

namespace {

constexpr TimeMs kMin = 60'000;

void put_ok(Store& s, EntityKind k, const std::string& id, Fields f) {
  auto r = s.put(k, id, std::move(f), "t");
  ASSERT_TRUE(r.ok) << describe(r.problems, Lang::En);
}

void evac(Store& s, const std::string& id, const std::string& area, const std::string& level,
          const std::string& action, TimeMs at, Fields extra = {}) {
  Fields f{{"area_id", area}, {"level", level}, {"action", action}, {"at", format_iso_jst(at)}};
  for (auto& [k, v] : extra) f[k] = v;
  put_ok(s, EntityKind::EvacuationOrder, id, f);
}

// A small fixed city: HQ state, two areas, one shelter, no random ids.
void fixed_city(Store& s) {
  put_ok(s, EntityKind::Branch, "hq", {{"name", "本庁"}, {"branch_kind", "hq"}});
  put_ok(s, EntityKind::Area, "kitayama",
         {{"name", "北山"},
          {"kana", "きたやま"},
          {"branch_id", "hq"},
          {"municipality_code", "149993"}});
  put_ok(s, EntityKind::Area, "chuo",
         {{"name", "中央町"}, {"branch_id", "hq"}, {"municipality_code", "149993"}});
  put_ok(s, EntityKind::HqState, "hq",
         {{"state", "countermeasures"},
          {"activation_level", "level3"},
          {"established_at", format_iso_jst(kNow - 170 * kMin)},
          {"disaster_name", "みなと湾北部地震"},
          {"prefecture", "神奈川県"},
          {"municipality", "みなと市"},
          {"municipality_code", "149993"}});
}

std::vector<CapAlert> all_history(Db& db, const AreaMap* map) {
  CapOptions o;
  o.selection = CapSelection::History;
  o.area_map = map;
  return export_cap(db, o);
}

}  // namespace

TEST(CapExport, ShippedXsdIsTheOasisSchema) {
  // The shipped copy is byte for byte the OASIS schema (10,098 bytes, digest taken from
  // ../shared/schemas/CAP-v1.2.xsd), and equal to the reference when it is beside us.
  const std::string shipped = read_file(assets_cap_xsd());
  EXPECT_EQ(shipped.size(), 10098u);
  EXPECT_EQ(content_digest(shipped), "49f3207ab4d07370");
  if (!std::ifstream(shared_cap_xsd_path()))
    GTEST_SKIP() << "no " << shared_cap_xsd_path() << " beside this checkout: validating against the shipped copy";
  EXPECT_EQ(shipped, read_file(shared_cap_xsd_path()));
  EXPECT_FALSE(read_file(assets_cap_xsd()).empty());
}

TEST(CapExport, EveryDocumentValidatesWithXmllintAndLibxml2) {
  TempDir dir;
  const AreaMap map = demo_map();
  for (const std::string dataset : {"ACTUAL", "EXERCISE:demo"}) {
    auto s = open_store(dir, dataset);
    fill_demo(*s);
    // A thread in every kind: raise, lift; close a shelter; dissolve the HQ.
    evac(*s, "evac-up", "kitayama", "5", "issue", kNow - 30 * kMin,
         {{"note", "土砂災害が発生 <危険> & 切迫"}});
    evac(*s, "evac-lift", "kitayama", "5", "lift", kNow - 10 * kMin);
    evac(*s, "evac-3", "minamihama", "3", "issue", kNow - 20 * kMin);
    put_ok(*s, EntityKind::Shelter, "sh-chuo",
           {{"open_state", "closed"}, {"closed_at", format_iso_jst(kNow - 5 * kMin)}});
    put_ok(*s, EntityKind::HqState, "hq",
           {{"state", "dissolved"}, {"dissolved_at", format_iso_jst(kNow)}});
    const auto alerts = all_history(s->db(), &map);
    ASSERT_GE(alerts.size(), 8u) << dataset;
    std::set<std::string> ids;
    for (const CapAlert& a : alerts) {
      EXPECT_TRUE(ids.insert(a.identifier).second) << "identifier reused: " << a.identifier;
      const std::string file = dir.file(cap_file_name(a));
      write_file(file, a.xml);
      const Outcome x =
          run_command("xmllint --noout --schema '" + shared_cap_xsd() + "' '" + file + "' 2>&1");
      EXPECT_EQ(x.status, 0) << x.out << "\n" << a.xml;
      EXPECT_NE(x.out.find("validates"), std::string::npos) << x.out;
      EXPECT_EQ(libxml2_xsd_errors(a.xml, shared_cap_xsd()), "") << a.xml;
    }
  }
}

TEST(CapExport, DrillDataIsExerciseNeverActual) {
  TempDir dir;
  auto ex = open_store(dir, "EXERCISE:demo");
  fill_demo(*ex);
  const auto alerts = all_history(ex->db(), nullptr);
  ASSERT_FALSE(alerts.empty());
  for (const CapAlert& a : alerts) {
    EXPECT_EQ(a.status, "Exercise");
    EXPECT_NE(a.xml.find("<status>Exercise</status>"), std::string::npos);
    EXPECT_EQ(a.xml.find("Actual"), std::string::npos) << a.xml;
    EXPECT_NE(a.xml.find("<note>訓練 EXERCISE (EXERCISE:demo)</note>"), std::string::npos);
    EXPECT_NE(a.xml.find("<headline>【訓練】"), std::string::npos);
    EXPECT_NE(a.identifier.find(".exercise-demo."), std::string::npos) << a.identifier;
  }
  auto real = open_store(dir, "ACTUAL");
  fill_demo(*real);
  for (const CapAlert& a : all_history(real->db(), nullptr)) {
    EXPECT_EQ(a.status, "Actual");
    EXPECT_EQ(a.xml.find("Exercise"), std::string::npos);
    EXPECT_EQ(a.xml.find("訓練"), std::string::npos);
  }
}

TEST(CapExport, EvacuationThreadAlertUpdateCancel) {
  TempDir dir;
  auto s = open_store(dir);
  fixed_city(*s);
  evac(*s, "e1", "kitayama", "4", "issue", kNow - 60 * kMin, {{"households", std::int64_t{1800}}});
  evac(*s, "e2", "kitayama", "5", "issue", kNow - 30 * kMin);
  evac(*s, "e3", "kitayama", "5", "lift", kNow - 10 * kMin);
  const AreaMap map = demo_map();
  const auto h = all_history(s->db(), &map);
  std::vector<CapAlert> ev;
  for (const CapAlert& a : h)
    if (a.kind == EntityKind::EvacuationOrder) ev.push_back(a);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].msg_type, "Alert");
  EXPECT_TRUE(ev[0].references.empty());
  EXPECT_EQ(ev[0].xml.find("<references>"), std::string::npos);
  EXPECT_EQ(ev[1].msg_type, "Update");
  ASSERT_EQ(ev[1].references.size(), 1u);
  EXPECT_EQ(ev[1].references[0], "honbu-149993," + ev[0].identifier + "," + ev[0].sent);
  EXPECT_EQ(ev[2].msg_type, "Cancel");
  EXPECT_EQ(ev[2].references.size(), 2u);
  EXPECT_NE(ev[2].xml.find("<responseType>AllClear</responseType>"), std::string::npos);
  EXPECT_NE(ev[2].xml.find("緊急安全確保（警戒レベル5）を解除"), std::string::npos);
  EXPECT_NE(ev[0].xml.find("<event>避難指示</event>"), std::string::npos);
  EXPECT_NE(ev[0].xml.find("対象 1,800世帯・人数未確認。"), std::string::npos)
      << "persons unknown stays 未確認";
  EXPECT_NE(
      ev[1].xml.find(
          "を発令しました（避難指示（警戒レベル4）から切り替え）。対象世帯数・人数は未確認。"),
      std::string::npos);
  EXPECT_NE(ev[1].xml.find("<event>緊急安全確保</event>"), std::string::npos);
  EXPECT_NE(ev[1].xml.find("<severity>Extreme</severity>"), std::string::npos);
  // All three share the thread id (the Alert's identifier).
  for (const CapAlert& a : ev)
    EXPECT_NE(a.xml.find("<incidents>" + ev[0].identifier + "</incidents>"), std::string::npos);
  EXPECT_EQ(ev[0].identifier, "149993.evacuation.e1");
  EXPECT_EQ(ev[0].sent, format_iso_jst(kNow - 60 * kMin));
  std::regex sent_re(R"(<sent>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00</sent>)");
  for (const CapAlert& a : h) EXPECT_TRUE(std::regex_search(a.xml, sent_re)) << a.xml;

  // Polygon: CAP's "lat,lon" order, closed, the area's ring from the map.
  const std::smatch m = [&] {
    std::smatch mm;
    std::regex_search(ev[0].xml, mm, std::regex("<polygon>([^<]+)</polygon>"));
    return mm;
  }();
  ASSERT_FALSE(m.empty());
  std::vector<std::string> pairs;
  std::istringstream in(m[1].str());
  for (std::string p; in >> p;) pairs.push_back(p);
  ASSERT_GE(pairs.size(), 4u);
  EXPECT_EQ(pairs.front(), pairs.back());
  const double lat = std::stod(pairs[0].substr(0, pairs[0].find(',')));
  const double lon = std::stod(pairs[0].substr(pairs[0].find(',') + 1));
  EXPECT_GT(lat, 35.0);
  EXPECT_LT(lat, 36.0);
  EXPECT_GT(lon, 139.0);
  EXPECT_NE(ev[0].xml.find("<valueName>jisX0402</valueName>\n        <value>149993</value>"),
            std::string::npos);

  // Selections.
  CapOptions o;
  o.selection = CapSelection::Latest;
  o.shelters = o.hq_state = false;
  o.area_map = &map;
  auto latest = export_cap(s->db(), o);
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].msg_type, "Cancel");
  o.selection = CapSelection::InEffect;
  EXPECT_TRUE(export_cap(s->db(), o).empty()) << "a lifted order is not in effect";
  o.only = CapTarget{EntityKind::EvacuationOrder, "e2"};
  auto one = export_cap(s->db(), o);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].identifier, ev[1].identifier);
  EXPECT_EQ(one[0].xml, ev[1].xml) << "one order alone is the same document";
  o.only = CapTarget{EntityKind::Area, "kitayama"};
  o.selection = CapSelection::History;
  EXPECT_EQ(export_cap(s->db(), o).size(), 3u);
  o.only = CapTarget{EntityKind::Incident, "x"};
  EXPECT_THROW(export_cap(s->db(), o), CapError);
}

TEST(CapExport, LiftWithNothingInEffectPublishesNothing) {
  TempDir dir;
  auto s = open_store(dir);
  fixed_city(*s);
  evac(*s, "lonely-lift", "chuo", "4", "lift", kNow);
  CapOptions o;
  o.shelters = o.hq_state = false;
  o.selection = CapSelection::History;
  EXPECT_TRUE(export_cap(s->db(), o).empty());
}

TEST(CapExport, ShelterOpeningKeepsItsIdentifierAndClosingCancelsIt) {
  TempDir dir;
  auto s = open_store(dir);
  fixed_city(*s);
  put_ok(*s, EntityKind::Shelter, "sh-1",
         {{"name", "北山小学校"},
          {"shelter_type", "designated"},
          {"area_id", "kitayama"},
          {"open_state", "not_opened"},
          {"lat", 35.362},
          {"lon", 139.615},
          {"capacity", std::int64_t{400}}});
  CapOptions o;
  o.hq_state = o.evacuation = false;
  o.selection = CapSelection::History;
  EXPECT_TRUE(export_cap(s->db(), o).empty()) << "registered but not opened: nothing to publish";
  put_ok(*s, EntityKind::Shelter, "sh-1",
         {{"open_state", "open"}, {"opened_at", format_iso_jst(kNow - 50 * kMin)}});
  const auto opened = export_cap(s->db(), o);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].msg_type, "Alert");
  EXPECT_EQ(opened[0].sent, format_iso_jst(kNow - 50 * kMin));
  EXPECT_NE(opened[0].xml.find("<circle>35.362,139.615 0</circle>"), std::string::npos)
      << opened[0].xml;
  EXPECT_NE(opened[0].xml.find("北山小学校（指定避難所）を開設"), std::string::npos);
  // Head counts change all the time: the opening is still the same published item.
  put_ok(*s, EntityKind::Shelter, "sh-1", {{"evacuees", std::int64_t{120}}});
  put_ok(*s, EntityKind::Shelter, "sh-1", {{"open_state", "open"}, {"note", "再保存"}});
  auto again = export_cap(s->db(), o);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].identifier, opened[0].identifier);
  EXPECT_EQ(again[0].xml, opened[0].xml);
  put_ok(*s, EntityKind::Shelter, "sh-1",
         {{"open_state", "closed"}, {"closed_at", format_iso_jst(kNow)}});
  put_ok(*s, EntityKind::Shelter, "sh-1", {{"open_state", "open"}});
  const auto h = export_cap(s->db(), o);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1].msg_type, "Cancel");
  ASSERT_EQ(h[1].references.size(), 1u);
  EXPECT_NE(h[1].references[0].find(opened[0].identifier), std::string::npos);
  EXPECT_EQ(h[2].msg_type, "Alert") << "reopening is a new alert";
  EXPECT_NE(h[2].identifier, opened[0].identifier);
  o.selection = CapSelection::InEffect;
  ASSERT_EQ(export_cap(s->db(), o).size(), 1u);
}

TEST(CapExport, HqStateEstablishedThenDissolved) {
  TempDir dir;
  auto s = open_store(dir);
  fixed_city(*s);
  CapOptions o;
  o.shelters = o.evacuation = false;
  o.selection = CapSelection::History;
  const AreaMap map = demo_map();
  o.area_map = &map;
  auto a = export_cap(s->db(), o);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].msg_type, "Alert");
  EXPECT_EQ(a[0].sent, format_iso_jst(kNow - 170 * kMin));
  EXPECT_NE(a[0].xml.find("<headline>みなと市対策本部を設置</headline>"), std::string::npos)
      << a[0].xml;
  EXPECT_NE(a[0].xml.find("配備体制: 第3配備。"), std::string::npos);
  EXPECT_NE(a[0].xml.find("<areaDesc>神奈川県みなと市</areaDesc>"), std::string::npos);
  EXPECT_NE(a[0].xml.find("<senderName>みなと市災害対策本部</senderName>"), std::string::npos);
  put_ok(*s, EntityKind::HqState, "hq",
         {{"state", "dissolved"}, {"dissolved_at", format_iso_jst(kNow)}});
  a = export_cap(s->db(), o);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1].msg_type, "Cancel");
  EXPECT_NE(a[1].xml.find("対策本部を廃止しました"), std::string::npos);
  for (const CapAlert& x : a) EXPECT_EQ(libxml2_xsd_errors(x.xml, shared_cap_xsd()), "");
}

TEST(CapExport, TextIsEscaped) {
  TempDir dir;
  auto s = open_store(dir);
  fixed_city(*s);
  evac(*s, "e<&>", "kitayama", "4", "issue", kNow, {{"note", "a < b & \"c\" 'd' > e"}});
  CapOptions o;
  o.shelters = o.hq_state = false;
  auto a = export_cap(s->db(), o);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].xml.find("a &lt; b &amp; &quot;c&quot; &apos;d&apos; &gt; e"), std::string::npos);
  EXPECT_EQ(a[0].identifier, "149993.evacuation.e%3C%26%3E") << "no < or & in an identifier";
  EXPECT_TRUE(is_valid_cap_token(a[0].identifier));
  EXPECT_EQ(libxml2_xsd_errors(a[0].xml, shared_cap_xsd()), "");
  EXPECT_EQ(xml_escape("x\x01y\tz"), "xy\tz") << "characters XML 1.0 forbids are dropped";
}

TEST(CapExport, RefusesWithoutMunicipalityCodeOrWithBadSender) {
  TempDir dir;
  auto s = open_store(dir);
  put_ok(*s, EntityKind::Branch, "hq", {{"name", "本庁"}, {"branch_kind", "hq"}});
  put_ok(*s, EntityKind::Area, "a", {{"name", "A"}, {"branch_id", "hq"}});
  EXPECT_THROW(export_cap(s->db(), CapOptions{}), CapError);
  CapOptions o;
  o.municipality_code = "149993";
  EXPECT_NO_THROW(export_cap(s->db(), o));
  o.municipality_code = "149990";  // wrong check digit
  EXPECT_THROW(export_cap(s->db(), o), CapError);
  o.municipality_code = "149993";
  o.sender = "みなと市 防災課";  // a space
  EXPECT_THROW(export_cap(s->db(), o), CapError);
}

TEST(CapExport, GoldenDocumentForAFixedDataset) {
  TempDir dir;
  auto s = open_store(dir, "EXERCISE:golden");
  fixed_city(*s);
  evac(*s, "evac-0001", "kitayama", "4", "issue", kNow - 60 * kMin,
       {{"households", std::int64_t{1800}},
        {"persons", std::int64_t{4140}},
        {"note", "がけ崩れ発生 土砂災害警戒"}});
  const AreaMap map = demo_map();
  CapOptions o;
  o.only = CapTarget{EntityKind::EvacuationOrder, "evac-0001"};
  o.area_map = &map;
  const auto a = export_cap(s->db(), o);
  ASSERT_EQ(a.size(), 1u);
  const std::string golden =
      std::string(HONBU_SOURCE_DIR) + "/tests/export/golden/cap_evacuation_exercise.xml";
  if (std::getenv("HONBU_UPDATE_GOLDEN")) write_file(golden, a[0].xml);
  EXPECT_EQ(a[0].xml, read_file(golden))
      << "set HONBU_UPDATE_GOLDEN=1 to rewrite after a deliberate change";
  EXPECT_EQ(libxml2_xsd_errors(a[0].xml, shared_cap_xsd()), "");
}
