// honbu-report as a program, on real node databases (the demo city as HQ holds it, an
// EXERCISE and an ACTUAL one, closed before the tool runs): cap writes one XML file per alert
// that xmllint validates against the OASIS XSD, Exercise in every file of a drill; geojson is
// JSON with the counts printed, items without a location said; csv writes one file per table
// (with a BOM when asked); --publish records exactly one Publication and a draft records
// nothing; import-cap reads our own files into another node of the drill and refuses them in
// ACTUAL data, all files or none; import-csv refuses a broken row by its number and writes
// nothing; a database held by another writer is refused with a clear message; 4goyoshiki
// drafts, issues 第N報 and N+1, and publications lists them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "export_fixture.hpp"
#include "model/entities.hpp"
#include "model/export/cap.hpp"
#include "model/export/csv.hpp"
#include "model/export/publication.hpp"
#include "model/queries.hpp"
#include "support/process.hpp"
#include "tools/import/cap_import.hpp"

using namespace honbu;
using namespace honbu::testing;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr auto npos = std::string::npos;

std::string q(const std::string& s) {
  return "'" + s + "'";
}  // temp paths hold no quote

// The real binary, English messages, no map or assets from the caller's environment.
Outcome report(const std::string& args, const std::string& lang = "en") {
  return run_command("env -u HONBU_MAP -u HONBU_ASSETS_DIR " + q(HONBU_REPORT_TOOL) + " --lang " +
                     lang + " " + args);
}

// A node database as HQ holds it in the demo's first hours, plus three calls nobody could
// place (no coordinates, no area). The Store is closed on return: the tool opens the file.
std::string demo_db(const TempDir& dir, const std::string& dataset, const std::string& node = "hq",
                    bool demo = true) {
  auto s = open_store(dir, dataset, node);
  if (demo) {
    fill_demo(*s);
    for (int i = 0; i < 3; ++i) {
      auto r = s->put(EntityKind::Incident, "noplace-" + std::to_string(i),
                      {{"title", "場所不明の通報 " + std::to_string(i)},
                       {"category", "road"},
                       {"received_at", format_iso_jst(kNow)},
                       {"verification", "unverified"},
                       {"priority", "medium"},
                       {"status", "received"}},
                      "t");
      EXPECT_TRUE(r.ok) << describe(r.problems, Lang::En);
    }
  }
  return s->path();
}

std::int64_t op_count(const std::string& db_path) {
  Db db(db_path, OpenMode::ReadOnly);
  auto st = db.query("SELECT count(*) FROM ops");
  st->step();
  return st->column_int(0);
}

std::vector<Publication> pubs(const std::string& db_path) {
  Db db(db_path, OpenMode::ReadOnly);
  return publications(db);
}

std::vector<std::string> files_in(const std::string& dir, const std::string& ext) {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ext) v.push_back(e.path().string());
  std::sort(v.begin(), v.end());
  return v;
}

// What the library exports for the same database and options (the tool must write this).
std::vector<CapAlert> library_cap(const std::string& db_path, CapSelection sel) {
  Db db(db_path, OpenMode::ReadOnly);
  const AreaMap map = demo_map();
  CapOptions o;
  o.selection = sel;
  o.area_map = &map;
  return export_cap(db, o);
}

// The printed line that holds `text` ("" when none).
std::string line_with(const std::string& out, const std::string& text) {
  const size_t at = out.find(text);
  if (at == npos) return {};
  const size_t start = out.rfind('\n', at);
  const size_t from = start == npos ? 0 : start + 1;
  return out.substr(from, out.find('\n', at) - from);
}

bool starts_with_bom(const std::string& path) {
  return read_file(path).starts_with("\xEF\xBB\xBF");
}

}  // namespace

TEST(ReportCli, CapWritesValidExerciseFilesAndRecordsOnlyWhenPublished) {
  TempDir dir;
  const std::string db = demo_db(dir, "EXERCISE:demo");
  const std::string out = dir.file("cap");
  const Outcome draft = report("cap --db " + q(db) + " --selection history --out " + q(out));
  ASSERT_EQ(draft.status, 0) << draft.out;
  EXPECT_NE(draft.out.find("a draft: nothing was recorded"), npos) << draft.out;
  EXPECT_NE(draft.out.find("EXERCISE (EXERCISE:demo)"), npos) << draft.out;

  const auto expected = library_cap(db, CapSelection::History);
  const auto files = files_in(out, ".xml");
  ASSERT_GE(expected.size(), 3u);
  ASSERT_EQ(files.size(), expected.size()) << draft.out;
  std::string bytes;
  for (const CapAlert& a : expected) {
    const std::string file = out + "/" + cap_file_name(a);
    // The default map (assets/) was found: the files carry the same polygons.
    EXPECT_EQ(read_file(file), a.xml) << file;
    bytes += a.xml;
    // Printed: identifier, msgType and status.
    const std::string line = line_with(draft.out, a.identifier);
    ASSERT_FALSE(line.empty()) << a.identifier << "\n" << draft.out;
    EXPECT_NE(line.find(a.msg_type), npos) << line;
    EXPECT_NE(line.find("Exercise"), npos) << line;
  }
  for (const std::string& file : files) {
    const Outcome x =
        run_command("xmllint --noout --schema " + q(shared_cap_xsd()) + " " + q(file));
    EXPECT_EQ(x.status, 0) << x.out;
    EXPECT_NE(x.out.find("validates"), npos) << x.out;
    const std::string xml = read_file(file);
    EXPECT_NE(xml.find("<status>Exercise</status>"), npos) << file;
    EXPECT_EQ(xml.find("Actual"), npos) << file << ": drill data is never Actual";
  }
  EXPECT_TRUE(pubs(db).empty()) << "a draft records nothing";

  // --publish needs who and to whom; without them nothing is recorded.
  const Outcome no_who =
      report("cap --db " + q(db) + " --out " + q(out) + " --publish --to 神奈川県");
  EXPECT_EQ(no_who.status, 2) << no_who.out;
  EXPECT_NE(no_who.out.find("--operator"), npos) << no_who.out;
  EXPECT_TRUE(pubs(db).empty());

  const Outcome pub = report("cap --db " + q(db) + " --selection history --out " + q(out) +
                             " --publish --to 神奈川県 --operator 山田");
  ASSERT_EQ(pub.status, 0) << pub.out;
  EXPECT_NE(pub.out.find("recorded as published: cap-"), npos) << pub.out;
  const auto recorded = pubs(db);
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].format, "cap");
  EXPECT_EQ(recorded[0].items, static_cast<std::int64_t>(expected.size()));
  EXPECT_EQ(recorded[0].digest, content_digest(bytes)) << "digest over the files' bytes";
  EXPECT_EQ(recorded[0].published_by, "山田");
  EXPECT_EQ(recorded[0].addressed_to, "神奈川県");
  EXPECT_FALSE(recorded[0].file_name.empty());
}

TEST(ReportCli, CapOfRealDataIsActualAndOnlyLimitsTheKinds) {
  TempDir dir;
  const std::string db = demo_db(dir, "ACTUAL");
  const Outcome all = report("cap --db " + q(db) + " --out " + q(dir.file("all")));
  ASSERT_EQ(all.status, 0) << all.out;
  const auto files = files_in(dir.file("all"), ".xml");
  ASSERT_FALSE(files.empty());
  for (const std::string& f : files) {
    EXPECT_NE(read_file(f).find("<status>Actual</status>"), npos) << f;
    EXPECT_EQ(read_file(f).find("Exercise"), npos) << f;
  }
  const Outcome hq = report("cap --db " + q(db) + " --only hq --out " + q(dir.file("hq")));
  ASSERT_EQ(hq.status, 0) << hq.out;
  const auto hq_files = files_in(dir.file("hq"), ".xml");
  ASSERT_EQ(hq_files.size(), 1u) << hq.out;
  EXPECT_NE(hq_files[0].find(".hq."), npos) << hq_files[0];
  // A missing map that was asked for is an error naming it.
  const Outcome bad_map = report("cap --db " + q(db) + " --map " + q(dir.file("nope.geojson")) +
                                 " --out " + q(dir.file("x")));
  EXPECT_EQ(bad_map.status, 2) << bad_map.out;
  EXPECT_NE(bad_map.out.find("nope.geojson"), npos) << bad_map.out;
  const Outcome no_db =
      report("cap --db " + q(dir.file("missing.db")) + " --out " + q(dir.file("x")));
  EXPECT_EQ(no_db.status, 1) << no_db.out;
  EXPECT_NE(no_db.out.find("missing.db: no database there"), npos) << no_db.out;
}

TEST(ReportCli, GeoJsonParsesAndSaysWhatWasLeftOut) {
  TempDir dir;
  const std::string db = demo_db(dir, "EXERCISE:demo");
  const std::string out = dir.file("situation.geojson");
  const Outcome r = report("geojson --db " + q(db) + " --out " + q(out));
  ASSERT_EQ(r.status, 0) << r.out;
  const json doc = json::parse(read_file(out));
  EXPECT_EQ(doc.at("type"), "FeatureCollection");
  EXPECT_EQ(doc["honbu"]["exercise"], true);
  int incidents = 0, shelters = 0, areas = 0;
  for (const json& f : doc.at("features")) {
    const std::string layer = f["properties"]["layer"];
    incidents += layer == "incident";
    shelters += layer == "shelter";
    areas += layer == "lifeline_area";
    EXPECT_EQ(f["properties"]["exercise"], true);
  }
  EXPECT_GT(incidents, 0);
  EXPECT_GT(areas, 0) << "the default map was found";
  EXPECT_NE(r.out.find(std::to_string(incidents) + " incidents, " + std::to_string(shelters) +
                       " shelters, " + std::to_string(areas) + " lifeline areas"),
            npos)
      << r.out;
  EXPECT_NE(r.out.find("3 incidents without a location were not exported"), npos) << r.out;
  EXPECT_TRUE(pubs(db).empty());

  // Layers left out; labels in English; published with the feature count.
  const std::string out2 = dir.file("lifelines.geojson");
  const Outcome l =
      report("geojson --db " + q(db) + " --no-incidents --no-shelters --lang en --out " + q(out2) +
             " --publish --to 県 --operator 鈴木");
  ASSERT_EQ(l.status, 0) << l.out;
  const json doc2 = json::parse(read_file(out2));
  ASSERT_EQ(doc2["features"].size(), static_cast<size_t>(areas));
  for (const json& f : doc2["features"]) EXPECT_EQ(f["properties"]["layer"], "lifeline_area");
  EXPECT_EQ(l.out.find("incidents"), npos) << l.out;
  for (const json& f : doc2["features"]) {
    const json& v = f["properties"]["worst_status_label"];
    const std::string label = v.is_string() ? v.get<std::string>() : "";
    EXPECT_TRUE(std::all_of(label.begin(), label.end(), [](char c) { return (c & 0x80) == 0; }))
        << "--lang en: English labels, not " << label;
  }
  const auto recorded = pubs(db);
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].format, "geojson");
  EXPECT_EQ(recorded[0].items, areas);
  EXPECT_EQ(recorded[0].file_name, "lifelines.geojson");
  EXPECT_EQ(recorded[0].digest, content_digest(read_file(out2)));
}

TEST(ReportCli, CsvWritesOneFilePerTableWithTheBomWhenAsked) {
  TempDir dir;
  const std::string db = demo_db(dir, "ACTUAL");
  const std::string out = dir.file("csv");
  const Outcome r = report("csv --db " + q(db) + " --bom --out " + q(out));
  ASSERT_EQ(r.status, 0) << r.out;
  for (EntityKind k : csv_export_kinds()) {
    const std::string file = out + "/" + csv_file_name(k);
    ASSERT_TRUE(fs::exists(file)) << file;
    EXPECT_TRUE(starts_with_bom(file)) << file;
    const auto rows = parse_csv(read_file(file)).records.size() - 1;
    const std::string line = line_with(r.out, csv_file_name(k));
    ASSERT_FALSE(line.empty()) << csv_file_name(k) << "\n" << r.out;
    EXPECT_NE(line.find(" " + std::to_string(rows) + " row"), npos) << line;
  }
  EXPECT_TRUE(pubs(db).empty());

  // One table, field names, no BOM; published as that file.
  const std::string out2 = dir.file("one");
  const Outcome s = report("csv --db " + q(db) + " --table shelters --field-names --out " +
                           q(out2) + " --publish --to 物資班 --operator 田中");
  ASSERT_EQ(s.status, 0) << s.out;
  const auto files = files_in(out2, ".csv");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(fs::path(files[0]).filename().string(), "shelters.csv");
  EXPECT_FALSE(starts_with_bom(files[0]));
  EXPECT_TRUE(read_file(files[0]).starts_with("dataset,id,")) << read_file(files[0]).substr(0, 80);
  const auto recorded = pubs(db);
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].format, "csv");
  EXPECT_EQ(recorded[0].file_name, "shelters.csv");
  EXPECT_EQ(recorded[0].items,
            static_cast<std::int64_t>(parse_csv(read_file(files[0])).records.size() - 1));

  const Outcome bad = report("csv --db " + q(db) + " --table nonsense --out " + q(out2));
  EXPECT_EQ(bad.status, 2) << bad.out;
  EXPECT_NE(bad.out.find("--table nonsense: no such table"), npos) << bad.out;
}

TEST(ReportCli, ImportCapReadsOurFilesIntoTheDrillAndNeverIntoRealData) {
  TempDir dir;
  const std::string hq = demo_db(dir, "EXERCISE:demo", "hq");
  const std::string out = dir.file("cap");
  ASSERT_EQ(report("cap --db " + q(hq) + " --selection history --out " + q(out)).status, 0);
  const auto files = files_in(out, ".xml");
  ASSERT_GE(files.size(), 3u);
  std::string args;
  for (const std::string& f : files) args += " " + q(f);

  const std::string kita = demo_db(dir, "EXERCISE:demo", "kita", false);
  const Outcome in = report("import-cap --db " + q(kita) + args + " --operator 受信担当");
  ASSERT_EQ(in.status, 0) << in.out;
  EXPECT_NE(in.out.find("imported " + std::to_string(files.size()) + " alerts"), npos) << in.out;
  EXPECT_NE(in.out.find("→ chronology cap-"), npos) << in.out;
  {
    Db db(kita, OpenMode::ReadOnly);
    EXPECT_EQ(list_all<ChronologyEntry>(db).size(), files.size());
  }
  // Again: already there, nothing written.
  const auto ops = op_count(kita);
  const Outcome again = report("import-cap --db " + q(kita) + args);
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("already imported (nothing written)"), npos) << again.out;
  EXPECT_EQ(op_count(kita), ops);

  // Drill alerts into real data: refused, exit 1, the file and the element named.
  const std::string real = demo_db(dir, "ACTUAL", "kita", false);
  const Outcome refused = report("import-cap --db " + q(real) + " " + q(files[0]));
  EXPECT_EQ(refused.status, 1) << refused.out;
  EXPECT_NE(refused.out.find(files[0] + ": line "), npos) << refused.out;
  EXPECT_NE(refused.out.find("/alert/status: an Exercise alert cannot enter ACTUAL data"), npos)
      << refused.out;
  EXPECT_NE(refused.out.find("nothing was written"), npos) << refused.out;
  EXPECT_EQ(op_count(real), 0);

  // An alert reporting something that happened: an incident too, and both ids are printed.
  const std::string fire = dir.file("pref-fire.xml");
  write_file(fire,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n"
             "  <identifier>KANAGAWA-EX-0001</identifier>\n"
             "  <sender>bousai@pref.kanagawa.example</sender>\n"
             "  <sent>2026-11-22T09:10:00+09:00</sent>\n"
             "  <status>Exercise</status>\n"
             "  <msgType>Alert</msgType>\n"
             "  <scope>Public</scope>\n"
             "  <info>\n"
             "    <language>ja-JP</language>\n"
             "    <category>Fire</category>\n"
             "    <event>建物火災</event>\n"
             "    <urgency>Immediate</urgency>\n"
             "    <severity>Severe</severity>\n"
             "    <certainty>Observed</certainty>\n"
             "    <headline>北山で建物火災</headline>\n"
             "    <area><areaDesc>北山</areaDesc></area>\n"
             "  </info>\n"
             "</alert>\n");
  const Outcome f = report("import-cap --db " + q(kita) + " " + q(fire));
  ASSERT_EQ(f.status, 0) << f.out;
  const std::string id = cap_entity_id("bousai@pref.kanagawa.example", "KANAGAWA-EX-0001");
  EXPECT_NE(f.out.find("KANAGAWA-EX-0001 → chronology " + id + ", incident created " + id), npos)
      << f.out;
  EXPECT_NE(f.out.find("1 incident created"), npos) << f.out;

  // A file that is not there: named with the reason, before the database is opened.
  const Outcome missing = report("import-cap --db " + q(real) + " " + q(dir.file("gone.xml")));
  EXPECT_EQ(missing.status, 1) << missing.out;
  EXPECT_NE(missing.out.find("gone.xml: cannot open: No such file or directory"), npos)
      << missing.out;

  // All files or none: one broken file and the good ones are not written either.
  const std::string broken = dir.file("broken.xml");
  write_file(broken, "<?xml version=\"1.0\"?>\n<alert>\n  <identifier>x\n</alert>\n");
  const std::string minami = demo_db(dir, "EXERCISE:demo", "minami", false);
  const Outcome mixed =
      report("import-cap --db " + q(minami) + " " + q(files[0]) + " " + q(broken));
  EXPECT_EQ(mixed.status, 1) << mixed.out;
  EXPECT_NE(mixed.out.find(broken + ": line "), npos) << mixed.out;
  EXPECT_EQ(op_count(minami), 0);
}

TEST(ReportCli, ImportCsvRefusesABrokenRowByItsNumberAndWritesNothing) {
  TempDir dir;
  const std::string db = demo_db(dir, "ACTUAL");
  const auto ops = op_count(db);
  const std::string bad = dir.file("bad.csv");
  write_file(bad,
             "ID,名称,種別,地区,収容人数\n"
             "sh-new1,港小学校,指定避難所,chuo,300\n"
             "sh-new2,港中学校,指定避難所,chuo,たくさん\n");
  const Outcome r = report("import-csv --db " + q(db) + " --table shelters " + q(bad));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find(bad + ": row 3, column \"収容人数\""), npos) << r.out;
  EXPECT_NE(r.out.find("refused, nothing was written"), npos) << r.out;
  EXPECT_EQ(op_count(db), ops);
  const Outcome ja = report("import-csv --db " + q(db) + " --table shelters " + q(bad), "ja");
  EXPECT_EQ(ja.status, 1);
  EXPECT_NE(ja.out.find("3行目 列「収容人数」"), npos) << ja.out;

  // A good file (the table from its name), then the same file again.
  const std::string good = dir.file("shelters.csv");
  write_file(good,
             "ID,名称,種別,地区,収容人数\n"
             "sh-new1,港小学校,指定避難所,chuo,300\n"
             "sh-new2,港中学校,指定避難所,chuo,未確認\n");
  const Outcome ok = report("import-csv --db " + q(db) + " " + q(good) + " --operator 総務課");
  ASSERT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find("2 created, 0 updated, 0 unchanged"), npos) << ok.out;
  const auto after = op_count(db);
  EXPECT_EQ(after, ops + 2);
  const Outcome again = report("import-csv --db " + q(db) + " " + q(good));
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("0 created, 0 updated, 2 unchanged"), npos) << again.out;
  EXPECT_EQ(op_count(db), after);

  const Outcome wrong = report("import-csv --db " + q(db) + " " + q(dir.file("list.csv")));
  EXPECT_EQ(wrong.status, 2) << wrong.out;
  EXPECT_NE(wrong.out.find("list.csv: the file name does not say which table"), npos) << wrong.out;
}

TEST(ReportCli, ALockedDatabaseIsRefusedClearly) {
  TempDir dir;
  const std::string db = demo_db(dir, "ACTUAL");
  const std::string csv = dir.file("areas.csv");
  write_file(csv, "ID,地区名,branch_id\nnew-area,新町,hq\n");
  const auto ops = op_count(db);
  {
    StoreOptions so;
    so.path = db;
    auto holder = Store::open(so);  // as a running node or console holds it
    const Outcome r = report("import-csv --db " + q(db) + " " + q(csv));
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_NE(r.out.find(db + ": in use by a running node or console"), npos) << r.out;
    EXPECT_NE(r.out.find("Stop that node"), npos) << r.out;
    EXPECT_NE(r.out.find("import from the console"), npos) << r.out;
    const Outcome c = report("import-cap --db " + q(db) + " " + q(csv));
    EXPECT_EQ(c.status, 1) << c.out;
    EXPECT_NE(c.out.find("in use by a running node or console"), npos) << c.out;
    // Publishing an export: the file is written, the record is not (and it says so).
    const Outcome p = report("geojson --db " + q(db) + " --out " + q(dir.file("g.geojson")) +
                             " --publish --to 県 --operator 鈴木");
    EXPECT_EQ(p.status, 1) << p.out;
    EXPECT_NE(p.out.find("nothing was recorded as published"), npos) << p.out;
  }
  EXPECT_EQ(op_count(db), ops);
  EXPECT_TRUE(pubs(db).empty());
  const Outcome r = report("import-csv --db " + q(db) + " " + q(csv));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("1 created"), npos) << r.out;
}

TEST(ReportCli, Form4DraftThenIssuedTwiceAndListed) {
  TempDir dir;
  const std::string db = demo_db(dir, "EXERCISE:demo");
  const std::string out = dir.file("form4");
  const std::string base =
      "4goyoshiki --db " + q(db) + " --as-of " + q(format_iso_jst(kNow)) + " --out " + q(out);
  const Outcome draft = report(base);
  ASSERT_EQ(draft.status, 0) << draft.out;
  EXPECT_TRUE(fs::exists(out + "/EXERCISE-form4-2-no1.html")) << draft.out;
  EXPECT_TRUE(fs::exists(out + "/EXERCISE-form4-2-no1.csv")) << draft.out;
  EXPECT_NE(draft.out.find("a draft"), npos) << draft.out;
  EXPECT_TRUE(pubs(db).empty());

  const Outcome no_who = report(base + " --issue --to 神奈川県");
  EXPECT_EQ(no_who.status, 2) << no_who.out;
  EXPECT_TRUE(pubs(db).empty());

  const Outcome first = report(base + " --issue --operator 佐藤 --to 神奈川県");
  ASSERT_EQ(first.status, 0) << first.out;
  EXPECT_NE(first.out.find("recorded as issued: No. 1"), npos) << first.out;
  const Outcome second = report(base + " --issue --operator 佐藤 --to 神奈川県");
  ASSERT_EQ(second.status, 0) << second.out;
  EXPECT_NE(second.out.find("recorded as issued: No. 2"), npos) << second.out;
  EXPECT_TRUE(fs::exists(out + "/EXERCISE-form4-2-no2.html"));
  const auto recorded = pubs(db);
  ASSERT_EQ(recorded.size(), 2u);
  std::vector<std::string> ids{recorded[0].id, recorded[1].id};
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"form4-1", "form4-2"}));
  for (const Publication& p : recorded) {
    EXPECT_EQ(p.format, "form4_2");
    EXPECT_EQ(p.published_by, "佐藤");
    EXPECT_EQ(p.addressed_to, "神奈川県");
  }

  const Outcome list = report("publications --db " + q(db));
  ASSERT_EQ(list.status, 0) << list.out;
  EXPECT_NE(list.out.find("EXERCISE-form4-2-no1.html"), npos) << list.out;
  EXPECT_NE(list.out.find("EXERCISE-form4-2-no2.html"), npos) << list.out;
  EXPECT_NE(list.out.find("No. 2"), npos) << list.out;
  EXPECT_NE(list.out.find("佐藤 → 神奈川県"), npos) << list.out;
}

// Run after a drill, with no --as-of, a 第N報 is as of the drill's time, as the console dates
// it: it said 12月4日13時16分現在 (the day the tool ran) beside branch reports of 9月20日.
TEST(ReportCli, Form4OfADrillIsDatedByTheDrillNotToday) {
  TempDir dir;
  const std::string db = demo_db(dir, "EXERCISE:demo");
  const std::string out = dir.file("form4");
  const Outcome draft = report("4goyoshiki --db " + q(db) + " --out " + q(out));
  ASSERT_EQ(draft.status, 0) << draft.out;
  const std::string newest = format_iso_jst(kNow).substr(0, 16);  // the demo's newest record
  EXPECT_NE(draft.out.find("drill data: as of the drill's newest record, " + newest), npos) << draft.out;
  std::ifstream f(out + "/EXERCISE-form4-2-no1.csv");
  const std::string csv((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(csv.find(format_iso_jst(kNow)), npos) << "as_of and reported_at are the drill's:\n" << csv.substr(0, 600);
  EXPECT_EQ(csv.find(format_iso_jst(wall_now_ms()).substr(0, 10)), npos) << "today's date in a drill report";

  // Real data: now is now.
  const std::string real = demo_db(dir, "ACTUAL", "hq2");
  const Outcome actual = report("4goyoshiki --db " + q(real) + " --out " + q(dir.file("real")));
  ASSERT_EQ(actual.status, 0) << actual.out;
  EXPECT_EQ(actual.out.find("drill data"), npos) << actual.out;
}
