// CAP 1.2 import: a good alert becomes a クロノロ entry (and an incident when it reports
// something that happened); malformed XML, schema-invalid and rule-breaking alerts give
// per-element problems (line, path, ja and en) and write nothing; drill and real data never
// mix; the same alert twice writes nothing the second time; Update and Cancel move the
// incident made from the first alert; our own export reads back in.
#include "tools/import/cap_import.hpp"

#include <gtest/gtest.h>

#include "export_fixture.hpp"
#include "model/entities.hpp"
#include "model/export/cap.hpp"
#include "model/queries.hpp"

using namespace honbu;
using namespace honbu::testing;

namespace {

CapImportOptions opts() {
  CapImportOptions o;
  o.xsd_path = shared_cap_xsd();
  o.source_name = "pref.xml";
  return o;
}

struct AlertSpec {
  std::string identifier = "KANAGAWA-2026-0001";
  std::string sender = "bousai@pref.kanagawa.example";
  std::string sent = "2026-11-22T09:10:00+09:00";
  std::string status = "Actual";
  std::string msg_type = "Alert";
  std::string references;
  std::string category = "Met";
  std::string event = "大雨警報";
  std::string certainty = "Likely";
  std::string severity = "Severe";
  std::string headline = "みなと市に大雨警報";
  std::string description = "みなと市では土砂災害に警戒してください。";
  std::string area =
      "<area><areaDesc>みなと市</areaDesc><geocode><valueName>jisX0402</valueName><value>149993</"
      "value></geocode></area>";
};

std::string alert_xml(const AlertSpec& a) {
  std::string x =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n"
      "  <identifier>" +
      a.identifier +
      "</identifier>\n"
      "  <sender>" +
      a.sender +
      "</sender>\n"
      "  <sent>" +
      a.sent +
      "</sent>\n"
      "  <status>" +
      a.status +
      "</status>\n"
      "  <msgType>" +
      a.msg_type +
      "</msgType>\n"
      "  <scope>Public</scope>\n";
  if (!a.references.empty()) x += "  <references>" + a.references + "</references>\n";
  x += "  <info>\n"
       "    <language>ja-JP</language>\n"
       "    <category>" +
       a.category +
       "</category>\n"
       "    <event>" +
       a.event +
       "</event>\n"
       "    <urgency>Immediate</urgency>\n"
       "    <severity>" +
       a.severity +
       "</severity>\n"
       "    <certainty>" +
       a.certainty +
       "</certainty>\n"
       "    <senderName>神奈川県災害対策本部</senderName>\n"
       "    <headline>" +
       a.headline +
       "</headline>\n"
       "    <description>" +
       a.description +
       "</description>\n"
       "    " +
       a.area +
       "\n"
       "  </info>\n"
       "</alert>\n";
  return x;
}

std::unique_ptr<Store> city(const TempDir& dir, const std::string& dataset = "ACTUAL") {
  auto s = open_store(dir, dataset);
  fill_demo_master_data(*s, kNow);
  return s;
}

std::size_t count_chronology(Store& s) {
  return list_all<ChronologyEntry>(s.db()).size();
}
std::size_t count_incidents(Store& s) {
  return list_all<Incident>(s.db()).size();
}

const ImportProblem* find_code(const std::vector<ImportProblem>& ps, std::string_view code) {
  for (const ImportProblem& p : ps)
    if (p.code == code) return &p;
  return nullptr;
}

}  // namespace

TEST(CapImport, GoodAlertBecomesAChronologyEntry) {
  TempDir dir;
  auto s = city(dir);
  const AlertSpec a;
  const CapImportResult r = import_cap(*s, alert_xml(a), opts());
  ASSERT_TRUE(r.ok) << describe(r.problems, Lang::En);
  EXPECT_FALSE(r.duplicate);
  EXPECT_TRUE(r.incident_id.empty()) << "a weather warning is information, not an incident";
  auto e = get<ChronologyEntry>(s->db(), r.chronology_id);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->from_org, "神奈川県災害対策本部");
  EXPECT_EQ(e->to_org, "本部");
  EXPECT_EQ(e->category, "info");
  EXPECT_EQ(e->medium, "system");
  EXPECT_EQ(e->state, "pending");
  EXPECT_EQ(e->at->ms, *parse_iso(a.sent));
  EXPECT_NE(e->content.find("みなと市に大雨警報\nみなと市では土砂災害に警戒してください。"),
            std::string::npos)
      << e->content;
  EXPECT_NE(e->content.find(a.identifier), std::string::npos)
      << "the CAP identifier is kept for the audit trail";
  EXPECT_EQ(e->node_label, "hq");
  EXPECT_EQ(e->number, 1);
}

TEST(CapImport, SameAlertTwiceWritesNothingTheSecondTime) {
  TempDir dir;
  auto s = city(dir);
  const std::string xml = alert_xml(AlertSpec{});
  ASSERT_TRUE(import_cap(*s, xml, opts()).ok);
  const auto version = s->data_version();
  const CapImportResult again = import_cap(*s, xml, opts());
  EXPECT_TRUE(again.ok);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(s->data_version(), version);
  EXPECT_EQ(count_chronology(*s), 1u);
}

TEST(CapImport, IncidentLikeAlertMakesAnIncidentAndUpdateCancelMoveIt) {
  TempDir dir;
  auto s = city(dir);
  AlertSpec a;
  a.identifier = "PREF-LS-1";
  a.category = "Geo";
  a.event = "土砂災害発生";
  a.certainty = "Observed";
  a.severity = "Extreme";
  a.headline = "北山地区でがけ崩れ";
  a.description = "市道北山線が土砂で埋没。";
  a.area =
      "<area><areaDesc>北山</areaDesc><polygon>35.36,139.61 35.37,139.61 35.37,139.62 "
      "35.36,139.61</polygon></area>";
  const CapImportResult r = import_cap(*s, alert_xml(a), opts());
  ASSERT_TRUE(r.ok) << describe(r.problems, Lang::En);
  ASSERT_TRUE(r.incident_created);
  auto in = get<Incident>(s->db(), r.incident_id);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->category, "landslide");
  EXPECT_EQ(in->title, "北山地区でがけ崩れ");
  EXPECT_EQ(in->area_id, "kitayama");
  EXPECT_EQ(in->priority, "life");
  EXPECT_EQ(in->status, "received");
  EXPECT_EQ(in->verification, "unverified");
  EXPECT_EQ(in->channel, "system");
  EXPECT_EQ(in->reporter, "神奈川県災害対策本部");
  ASSERT_TRUE(in->lat && in->lon);
  EXPECT_NEAR(*in->lat, 35.36667,
              0.0001);  // the polygon's vertices (not the closing one), averaged
  EXPECT_FALSE(in->dead.known()) << "casualties not in the alert stay 未確認";

  AlertSpec u = a;
  u.identifier = "PREF-LS-2";
  u.msg_type = "Update";
  u.references = a.sender + "," + a.identifier + "," + a.sent;
  u.severity = "Severe";
  u.description = "通行止め継続。";
  const CapImportResult ru = import_cap(*s, alert_xml(u), opts());
  ASSERT_TRUE(ru.ok) << describe(ru.problems, Lang::En);
  EXPECT_EQ(ru.incident_id, r.incident_id) << "the update moves the same incident";
  EXPECT_FALSE(ru.incident_created);
  EXPECT_EQ(count_incidents(*s), 1u);
  EXPECT_EQ(get<Incident>(s->db(), r.incident_id)->priority, "high");
  EXPECT_EQ(count_chronology(*s), 2u);

  AlertSpec c = a;
  c.identifier = "PREF-LS-3";
  c.msg_type = "Cancel";
  c.references = u.sender + "," + u.identifier + "," + u.sent;
  const CapImportResult rc = import_cap(*s, alert_xml(c), opts());
  ASSERT_TRUE(rc.ok) << describe(rc.problems, Lang::En);
  EXPECT_EQ(get<Incident>(s->db(), r.incident_id)->status, "cancelled");
  EXPECT_EQ(count_chronology(*s), 3u);
}

TEST(CapImport, MalformedXmlIsRefusedWithItsLine) {
  TempDir dir;
  auto s = city(dir);
  const auto version = s->data_version();
  std::string xml = alert_xml(AlertSpec{});
  xml.replace(xml.find("</event>"), 8, "</evnt>");
  const CapImportResult r = import_cap(*s, xml, opts());
  EXPECT_FALSE(r.ok);
  ASSERT_FALSE(r.problems.empty());
  EXPECT_EQ(r.problems[0].code, "not_xml");
  EXPECT_EQ(r.problems[0].line, 12);
  EXPECT_NE(r.problems[0].ja.find("XMLとして読めません"), std::string::npos);
  EXPECT_NE(r.problems[0].message(Lang::En).find("line 12"), std::string::npos)
      << r.problems[0].message(Lang::En);
  EXPECT_EQ(s->data_version(), version);
  EXPECT_EQ(count_chronology(*s), 0u);
  EXPECT_FALSE(import_cap(*s, "", opts()).ok);
  const CapImportResult xxe = import_cap(
      *s,
      "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>",
      opts());
  ASSERT_FALSE(xxe.ok);
  EXPECT_EQ(xxe.problems[0].code, "dtd");
  EXPECT_EQ(xxe.problems[0].line, 2);
  EXPECT_EQ(s->data_version(), version);
}

TEST(CapImport, SchemaInvalidAlertNamesEveryElement) {
  TempDir dir;
  auto s = city(dir);
  const auto version = s->data_version();
  AlertSpec a;
  a.sent = "2026-11-22T09:10:00.5+09:00";  // fractional seconds: the XSD's pattern says no
  a.certainty = "Sure";
  std::string xml = alert_xml(a);
  xml.replace(xml.find("<status>Actual</status>"), 23, "<status>Real</status>");
  const CapImportResult r = import_cap(*s, xml, opts());
  EXPECT_FALSE(r.ok);
  std::map<std::string, const ImportProblem*> by_path;
  for (const ImportProblem& p : r.problems) {
    by_path[p.where] = &p;
    EXPECT_EQ(p.code, "schema");
    EXPECT_GT(p.line, 0);
    EXPECT_FALSE(p.ja.empty());
    EXPECT_FALSE(p.en.empty());
  }
  ASSERT_TRUE(by_path.count("/alert/sent")) << describe(r.problems, Lang::En);
  EXPECT_EQ(by_path["/alert/sent"]->line, 5);
  EXPECT_NE(by_path["/alert/sent"]->ja.find("書式"), std::string::npos);
  ASSERT_TRUE(by_path.count("/alert/status"));
  EXPECT_EQ(by_path["/alert/status"]->line, 6);
  EXPECT_NE(by_path["/alert/status"]->ja.find("選択肢"), std::string::npos);
  EXPECT_NE(by_path["/alert/status"]->en.find("Real"), std::string::npos);
  ASSERT_TRUE(by_path.count("/alert/info/certainty"));
  EXPECT_EQ(s->data_version(), version);

  // A required element missing, and a foreign root.
  std::string no_sender = alert_xml(AlertSpec{});
  no_sender.erase(no_sender.find("  <sender>"),
                  no_sender.find("</sender>\n") + 10 - no_sender.find("  <sender>"));
  const CapImportResult r2 = import_cap(*s, no_sender, opts());
  ASSERT_FALSE(r2.ok);
  EXPECT_EQ(r2.problems[0].where, "/alert/sent") << describe(r2.problems, Lang::En);
  EXPECT_NE(r2.problems[0].en.find("sender"), std::string::npos) << describe(r2.problems, Lang::En);
  std::string v11 = alert_xml(AlertSpec{});
  v11.replace(v11.find("cap:1.2"), 7, "cap:1.1");
  const CapImportResult r3 = import_cap(*s, v11, opts());
  ASSERT_FALSE(r3.ok);
  EXPECT_NE(r3.problems[0].ja.find("ルート要素"), std::string::npos)
      << describe(r3.problems, Lang::Ja);
  EXPECT_EQ(s->data_version(), version);
}

TEST(CapImport, RulesBeyondTheXsd) {
  TempDir dir;
  auto s = city(dir);
  const auto version = s->data_version();
  AlertSpec a;
  a.identifier = "ID WITH SPACE";
  a.msg_type = "Update";  // without references
  a.area =
      "<area><areaDesc>x</areaDesc><polygon>35.36,139.61 35.37,139.61 35.37,139.62 "
      "35.30,139.61</polygon>"
      "<circle>35.3,139.6</circle><geocode><valueName>jisX0402</valueName><value>149990</value></"
      "geocode></area>";
  const CapImportResult r = import_cap(*s, alert_xml(a), opts());
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(find_code(r.problems, "bad_token"));
  EXPECT_TRUE(find_code(r.problems, "no_references"));
  const ImportProblem* poly = find_code(r.problems, "polygon_not_closed");
  ASSERT_TRUE(poly) << describe(r.problems, Lang::En);
  EXPECT_EQ(poly->where, "/alert/info/area/polygon");
  EXPECT_EQ(poly->line, 19);
  EXPECT_TRUE(find_code(r.problems, "bad_circle"));
  EXPECT_TRUE(find_code(r.problems, "bad_municipality_code"));
  EXPECT_EQ(validate_cap(alert_xml(a), opts()).size(), r.problems.size());
  EXPECT_EQ(s->data_version(), version);
}

TEST(CapImport, DrillAndRealAlertsNeverMix) {
  TempDir dir;
  auto real = city(dir, "ACTUAL");
  auto drill = city(dir, "EXERCISE:demo");
  AlertSpec ex;
  ex.status = "Exercise";
  const auto rv = real->data_version(), dv = drill->data_version();
  const CapImportResult r1 = import_cap(*real, alert_xml(ex), opts());
  EXPECT_FALSE(r1.ok);
  ASSERT_TRUE(find_code(r1.problems, "exercise_into_actual"));
  EXPECT_EQ(find_code(r1.problems, "exercise_into_actual")->where, "/alert/status");
  const CapImportResult r2 = import_cap(*drill, alert_xml(AlertSpec{}), opts());
  EXPECT_FALSE(r2.ok);
  EXPECT_TRUE(find_code(r2.problems, "actual_into_exercise"));
  AlertSpec test;
  test.status = "Test";
  EXPECT_TRUE(
      find_code(import_cap(*real, alert_xml(test), opts()).problems, "status_not_recorded"));
  EXPECT_EQ(real->data_version(), rv);
  EXPECT_EQ(drill->data_version(), dv);
  EXPECT_TRUE(import_cap(*drill, alert_xml(ex), opts()).ok);
}

// A training system that sends status Actual still says 【訓練】 in its text: that alert is
// kept out of real data too, with the element that says so. A real alert that only
// mentions a drill (a cancelled one) is still imported.
TEST(CapImport, AnActualAlertWhoseTextSaysDrillStaysOutOfRealData) {
  TempDir dir;
  auto real = city(dir, "ACTUAL");
  const auto version = real->data_version();
  AlertSpec marked;
  marked.headline = "【訓練】みなと市に大雨警報";
  const CapImportResult r1 = import_cap(*real, alert_xml(marked), opts());
  EXPECT_FALSE(r1.ok);
  const ImportProblem* p = find_code(r1.problems, "drill_text_in_actual");
  ASSERT_TRUE(p) << describe(r1.problems, Lang::En);
  EXPECT_EQ(p->where, "/alert/info/headline");
  AlertSpec said;
  said.identifier = "KANAGAWA-2026-0002";
  said.description = "This is a drill. みなと市では土砂災害に警戒してください。";
  const CapImportResult r2 = import_cap(*real, alert_xml(said), opts());
  ASSERT_TRUE(find_code(r2.problems, "drill_text_in_actual")) << describe(r2.problems, Lang::En);
  EXPECT_EQ(find_code(r2.problems, "drill_text_in_actual")->where, "/alert/info/description");
  EXPECT_EQ(real->data_version(), version);
  // One of our own drill's alerts, its status edited to Actual and its 【訓練】 taken out:
  // its identifier still names the drill.
  AlertSpec edited;
  edited.identifier = "149993.exercise-mytyphoon.20260918T1510.hq-12";
  const CapImportResult r3 = import_cap(*real, alert_xml(edited), opts());
  ASSERT_TRUE(find_code(r3.problems, "drill_text_in_actual")) << describe(r3.problems, Lang::En);
  EXPECT_EQ(find_code(r3.problems, "drill_text_in_actual")->where, "/alert/identifier");
  EXPECT_EQ(real->data_version(), version);
  AlertSpec mentions;
  mentions.identifier = "KANAGAWA-2026-0003";
  mentions.description = "大雨のため、本日予定の防災訓練は中止します。";
  EXPECT_TRUE(import_cap(*real, alert_xml(mentions), opts()).ok);
}

TEST(CapImport, OurOwnExportReadsBack) {
  TempDir dir;
  auto hq = open_store(dir, "EXERCISE:demo", "hq");
  fill_demo(*hq);
  CapOptions co;
  co.selection = CapSelection::History;
  const AreaMap map = demo_map();
  co.area_map = &map;
  const auto alerts = export_cap(hq->db(), co);
  ASSERT_FALSE(alerts.empty());
  auto other = open_store(dir, "EXERCISE:demo", "kita");
  for (const CapAlert& a : alerts) {
    const std::string file = dir.file(cap_file_name(a));
    write_file(file, a.xml);
    CapImportOptions o;  // default XSD: assets/schemas of this tree
    const CapImportResult r = import_cap_file(*other, file, o);
    EXPECT_TRUE(r.ok) << describe(r.problems, Lang::En) << "\n" << a.xml;
  }
  EXPECT_EQ(count_chronology(*other), alerts.size());
  auto real = open_store(dir, "ACTUAL", "kita");
  const CapImportResult refused = import_cap(*real, alerts.front().xml, CapImportOptions{});
  EXPECT_FALSE(refused.ok) << "an exported drill alert cannot enter real data";
  EXPECT_EQ(real->data_version(), 0);
}

TEST(CapImport, MissingFileAndMissingSchemaAreClear) {
  TempDir dir;
  auto s = city(dir);
  const CapImportResult r = import_cap_file(*s, dir.file("nope.xml"), opts());
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.problems[0].code, "cannot_open");
  CapImportOptions o = opts();
  o.xsd_path = dir.file("missing.xsd");
  const CapImportResult r2 = import_cap(*s, alert_xml(AlertSpec{}), o);
  ASSERT_FALSE(r2.ok);
  ASSERT_EQ(r2.problems.size(), 1u);
  EXPECT_EQ(r2.problems[0].code, "no_schema");
}
