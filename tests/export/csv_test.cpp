// CSV export and import: every table round-trips (export → parse → the stored values), 未確認
// is not 0 (empty cell vs "0"; 未確認 in label mode), commas, quotes, newlines and Japanese
// survive, BOM and headers in ja/en/field names, drill data marked on every row; the reader's
// errors carry their line; master-data import is all-or-nothing with row/column problems and
// re-importing the same file changes nothing.
#include "model/export/csv.hpp"

#include <gtest/gtest.h>

#include "export_fixture.hpp"
#include "model/entities.hpp"
#include "model/queries.hpp"
#include "tools/import/csv_import.hpp"

using namespace honbu;
using namespace honbu::testing;

namespace {

void put_ok(Store& s, EntityKind k, const std::string& id, Fields f) {
  auto r = s.put(k, id, std::move(f), "t");
  ASSERT_TRUE(r.ok) << describe(r.problems, Lang::En);
}

// Column index by field name in a parsed export.
size_t col(const CsvDocument& d, std::string_view name) {
  const auto& header = d.records.at(0).cells;
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  ADD_FAILURE() << "no column " << name;
  return 0;
}

// The text a cell should hold for a stored value (code mode).
std::string expected_cell(const Value& v) {
  if (is_null(v)) return "";
  if (const std::string* s = as_text(v)) return *s;
  if (auto i = as_int(v)) return std::to_string(*i);
  return "";  // reals: compared numerically below
}

CsvImportResult import(Store& s, EntityKind k, const std::string& text) {
  return import_csv(s, k, text, CsvImportOptions{});
}

}  // namespace

TEST(CsvExport, EveryTableRoundTripsToTheStoredValues) {
  TempDir dir;
  auto s = open_store(dir, "EXERCISE:demo");
  fill_demo(*s);
  CsvOptions o;
  o.field_names = true;
  for (EntityKind k : csv_export_kinds()) {
    const EntitySpec& sp = spec(k);
    const CsvDocument d = parse_csv(export_csv(s->db(), k, o));
    ASSERT_TRUE(d.errors.empty()) << sp.name;
    ASSERT_FALSE(d.records.empty());
    const auto cols = csv_columns(k);
    ASSERT_EQ(d.records[0].cells.size(), cols.size());
    for (size_t i = 0; i < cols.size(); ++i) EXPECT_EQ(d.records[0].cells[i], cols[i].name);
    // Every row: dataset, id, then each field as stored.
    auto q = s->db().query("SELECT " + detail::select_columns(sp) + " FROM " +
                           std::string(sp.table) + " WHERE _deleted = 0 ORDER BY id");
    size_t row = 1;
    while (q->step()) {
      ASSERT_LT(row, d.records.size()) << sp.name;
      const auto& cells = d.records[row].cells;
      ASSERT_EQ(cells.size(), cols.size());
      EXPECT_EQ(cells[0], "EXERCISE:demo") << "drill data is marked on every row";
      EXPECT_EQ(cells[1], q->column_text(0));
      for (size_t i = 0; i < sp.fields.size(); ++i) {
        const Value v = q->column(static_cast<int>(i) + 1);
        const std::string& cell = cells[i + 2];
        if (const double* dv = std::get_if<double>(&v))
          EXPECT_EQ(std::stod(cell), *dv)
              << sp.name << "." << sp.fields[i].name << " must read back exactly";
        else
          EXPECT_EQ(cell, expected_cell(v)) << sp.name << "." << sp.fields[i].name;
      }
      ++row;
    }
    EXPECT_EQ(row, d.records.size()) << sp.name;
  }
  EXPECT_EQ(csv_file_name(EntityKind::BranchReport), "branch_reports.csv");
  EXPECT_EQ(csv_kind_from_name("in/shelters.csv"), EntityKind::Shelter);
  EXPECT_EQ(csv_kind_from_name("area"), EntityKind::Area);
  EXPECT_EQ(csv_kind_from_name("nothing"), std::nullopt);
}

TEST(CsvExport, UnknownIsNotZeroAndTextSurvives) {
  TempDir dir;
  auto s = open_store(dir);
  fill_demo_master_data(*s, kNow);
  const std::string tricky = "倒壊, \"閉じ込め\"あり\n2階に2名";
  put_ok(*s, EntityKind::Incident, "inc-a",
         {{"title", "中央町, 家屋\"倒壊\""},
          {"description", tricky},
          {"category", "building"},
          {"received_at", "2026-11-22 09:15"},
          {"verification", "verified"},
          {"priority", "life"},
          {"status", "received"},
          {"dead", std::int64_t{0}},
          {"trapped", std::int64_t{2}},
          {"lat", 35.33308000000001},
          {"lon", 139.62}});
  for (bool labels : {false, true}) {
    CsvOptions o;
    o.labels = labels;
    o.bom = labels;
    const std::string text = export_csv(s->db(), EntityKind::Incident, o);
    EXPECT_EQ(text.starts_with("\xEF\xBB\xBF"), labels);
    EXPECT_NE(text.find("\r\n"), std::string::npos);
    const CsvDocument d = parse_csv(text);
    ASSERT_TRUE(d.errors.empty());
    EXPECT_EQ(d.bom, labels);
    ASSERT_EQ(d.records.size(), 2u);
    EXPECT_EQ(d.records[0].cells[0], "データセット");
    EXPECT_EQ(d.records[0].cells[1], "ID");
    const auto& r = d.records[1].cells;
    EXPECT_EQ(r[col(d, "件名")], "中央町, 家屋\"倒壊\"");
    EXPECT_EQ(r[col(d, "内容")], tricky);
    EXPECT_EQ(r[col(d, "死者")], "0") << "zero is reported zero";
    EXPECT_EQ(r[col(d, "負傷者")], labels ? "未確認" : "") << "unknown is never 0";
    EXPECT_EQ(r[col(d, "要救助者")], "2");
    EXPECT_EQ(r[col(d, "受信日時")], "2026-11-22T09:15:00+09:00");
    EXPECT_EQ(r[col(d, "分類")], labels ? "建物被害" : "building");
    EXPECT_EQ(r[col(d, "優先度")], labels ? "緊急(人命)" : "life");
    EXPECT_EQ(std::stod(r[col(d, "緯度")]), 35.33308000000001);
    EXPECT_EQ(r[0], "ACTUAL");
  }
  CsvOptions en;
  en.lang = Lang::En;
  en.labels = true;
  const CsvDocument d = parse_csv(export_csv(s->db(), EntityKind::Incident, en));
  EXPECT_EQ(d.records[0].cells[0], "Dataset");
  EXPECT_EQ(d.records[1].cells[col(d, "Injured")], "unknown");
  EXPECT_EQ(d.records[1].cells[col(d, "Category")], "Building damage");
  // Lifelines: booleans as 1/0 or はい/いいえ.
  put_ok(*s, EntityKind::Lifeline, "chuo/power",
         {{"area_id", "chuo"},
          {"lifeline_type", "power"},
          {"status", "disrupted"},
          {"as_of", "2026-11-22T09:00"},
          {"source", "電力会社"},
          {"estimate_publishable", std::int64_t{1}}});
  CsvOptions ja_labels;
  ja_labels.labels = true;
  const CsvDocument l = parse_csv(export_csv(s->db(), EntityKind::Lifeline, ja_labels));
  EXPECT_EQ(l.records[1].cells[col(l, "公表可")], "はい");
  EXPECT_EQ(l.records[1].cells[col(l, "支障数")], "未確認");
}

TEST(CsvReader, QuotesLineEndsAndErrorsWithLines) {
  const CsvDocument d =
      parse_csv("a,b,c\r\n\"x,1\",\"he said \"\"hi\"\"\",\"two\nlines\"\n3,,\r4,5,6");
  ASSERT_TRUE(d.errors.empty());
  ASSERT_EQ(d.records.size(), 4u);
  EXPECT_EQ(d.records[1].cells, (std::vector<std::string>{"x,1", "he said \"hi\"", "two\nlines"}));
  EXPECT_EQ(d.records[1].line, 2);
  EXPECT_EQ(d.records[2].cells, (std::vector<std::string>{"3", "", ""}));
  EXPECT_EQ(d.records[2].line, 4) << "the quoted newline moved the line count on";
  EXPECT_EQ(d.records[3].cells, (std::vector<std::string>{"4", "5", "6"}));
  EXPECT_EQ(d.records[3].record, 4);

  const CsvDocument open = parse_csv("a,b\n1,\"never closed\n2,3\n");
  ASSERT_EQ(open.errors.size(), 1u);
  EXPECT_EQ(open.errors[0].code, "unterminated_quote");
  EXPECT_EQ(open.errors[0].line, 2);
  EXPECT_EQ(open.errors[0].column, 2);
  const CsvDocument stray = parse_csv("a,b\n1,2\"3\n");
  ASSERT_EQ(stray.errors.size(), 1u);
  EXPECT_EQ(stray.errors[0].code, "stray_quote");
  EXPECT_EQ(stray.errors[0].line, 2);
  const CsvDocument after = parse_csv("a,b\n\"1\"x,2\n");
  ASSERT_EQ(after.errors.size(), 1u);
  EXPECT_EQ(after.errors[0].code, "text_after_quote");
  const CsvDocument sjis = parse_csv("a,b\n\x96\xBC\x8F\xCC,1\n");  // 名称 in Shift_JIS
  ASSERT_EQ(sjis.errors.size(), 1u);
  EXPECT_EQ(sjis.errors[0].code, "not_utf8");
  EXPECT_EQ(sjis.errors[0].line, 2);
  EXPECT_EQ(csv_cell(" lead"), "\" lead\"");
  EXPECT_EQ(csv_cell("plain"), "plain");
}

// At a branch the store refuses shelters outside the branch's areas: every such row is
// named (4 of 6 were, and only the first was reported), and nothing of the file is written.
TEST(CsvImport, EveryRowTheStoreRefusesIsNamedAndNothingIsWritten) {
  TempDir dir;
  auto s = open_store(dir);
  fill_demo_master_data(*s, kNow);
  s->set_write_rules([](const Op& op) -> std::optional<Problem> {
    if (op.kind != EntityKind::Shelter) return std::nullopt;
    const auto a = op.fields.find("area_id");
    if (a != op.fields.end() && as_text(a->second) && *as_text(a->second) == "kitayama") return std::nullopt;
    return Problem{"area_id", "outside_areas", "北部支所の地区ではありません", "not one of kita's areas"};
  });
  const std::string file =
      "ID,名称,種別,地区\n"
      "sh-a,中央小学校,指定避難所,chuo\n"
      "sh-b,北山福祉センター,welfare,kitayama\n"
      "sh-c,南浜小学校,指定避難所,minamihama\n";
  const CsvImportResult r = import(*s, EntityKind::Shelter, file);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.problems.size(), 2u) << describe(r.problems, Lang::En);
  EXPECT_EQ(r.problems[0].row, 2);
  EXPECT_EQ(r.problems[1].row, 4);
  EXPECT_EQ(r.created, 0);
  EXPECT_FALSE(get<Shelter>(s->db(), "sh-b")) << "the row that was allowed is rolled back with the rest";
}

TEST(CsvImport, ShelterMasterDataWithJapaneseHeadersBomAndCrlf) {
  TempDir dir;
  auto s = open_store(dir);
  fill_demo_master_data(*s, kNow);
  const std::string file =
      "\xEF\xBB\xBF"
      "ID,名称,種別,地区,所在地,緯度,経度,収容人数,要介護3以上\r\n"
      "sh-a,中央小学校,指定避難所,chuo,\"中央町1-2, 体育館\",35.333,139.621,500,\r\n"
      "sh-b,北山福祉センター,welfare,kitayama,北山3-1,35.362,139.615,未確認,0\r\n";
  const CsvImportResult r = import(*s, EntityKind::Shelter, file);
  ASSERT_TRUE(r.ok) << describe(r.problems, Lang::Ja);
  EXPECT_EQ(r.created, 2);
  auto a = get<Shelter>(s->db(), "sh-a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->name, "中央小学校");
  EXPECT_EQ(a->shelter_type, "designated");
  EXPECT_EQ(a->address, "中央町1-2, 体育館");
  EXPECT_EQ(a->open_state, "not_opened") << "registered from a master list: not opened yet";
  EXPECT_EQ(a->capacity, TriCount::of(500));
  EXPECT_FALSE(a->vulnerable["care3"].known()) << "empty cell: 未確認";
  auto b = get<Shelter>(s->db(), "sh-b");
  EXPECT_FALSE(b->capacity.known()) << "未確認 text: 未確認";
  EXPECT_EQ(b->vulnerable["care3"], TriCount::of(0)) << "0 stays 0";

  // The same file again: nothing changes, nothing is written.
  const auto version = s->data_version();
  const CsvImportResult again = import(*s, EntityKind::Shelter, file);
  ASSERT_TRUE(again.ok);
  EXPECT_EQ(again.created + again.updated, 0);
  EXPECT_EQ(again.unchanged, 2);
  EXPECT_EQ(s->data_version(), version);

  // One cell changed (English headers this time): one update, only that field.
  const std::string changed =
      "id,Name,Type,Area,Address,Latitude,Longitude,Capacity,Care level 3+\n"
      "sh-a,中央小学校,Designated shelter,chuo,\"中央町1-2, 体育館\",35.333,139.621,550,\n"
      "sh-b,北山福祉センター,welfare,kitayama,北山3-1,35.362,139.615,,0\n";
  const CsvImportResult up = import(*s, EntityKind::Shelter, changed);
  ASSERT_TRUE(up.ok) << describe(up.problems, Lang::En);
  EXPECT_EQ(up.updated, 1);
  EXPECT_EQ(up.unchanged, 1);
  EXPECT_EQ(s->data_version(), version + 1);
  EXPECT_EQ(get<Shelter>(s->db(), "sh-a")->capacity, TriCount::of(550));
}

TEST(CsvImport, ProblemsAreRowNumberedAndNothingIsHalfApplied) {
  TempDir dir;
  auto s = open_store(dir);
  fill_demo_master_data(*s, kNow);
  const auto version = s->data_version();
  const std::string file =
      "ID,名称,種別,収容人数,緯度,経度\n"
      "sh-ok,正しい行,指定避難所,100,35.3,139.6\n"
      "sh-bad,,体育館,たくさん,35.3,\n"
      "\"sh-ok\",重複,指定避難所,1,,\n";
  const CsvImportResult r = import(*s, EntityKind::Shelter, file);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(s->data_version(), version) << "the good row is not written either";
  EXPECT_FALSE(get<Shelter>(s->db(), "sh-ok"));
  auto at = [&](int row, const std::string& column) -> const ImportProblem* {
    for (const ImportProblem& p : r.problems)
      if (p.row == row && p.where == column) return &p;
    return nullptr;
  };
  ASSERT_TRUE(at(3, "名称")) << describe(r.problems, Lang::Ja);
  EXPECT_EQ(at(3, "名称")->code, "required");
  ASSERT_TRUE(at(3, "種別"));
  EXPECT_EQ(at(3, "種別")->code, "unknown_value");
  ASSERT_TRUE(at(3, "収容人数"));
  EXPECT_EQ(at(3, "収容人数")->code, "not_a_number");
  EXPECT_NE(at(3, "収容人数")->message(Lang::Ja).find("3行目 列「収容人数」"), std::string::npos)
      << at(3, "収容人数")->message(Lang::Ja);
  EXPECT_NE(at(3, "収容人数")->message(Lang::En).find("row 3, column \"収容人数\""),
            std::string::npos);
  bool pair_problem = false;
  for (const ImportProblem& p : r.problems) pair_problem |= p.row == 3 && p.code == "lat_lon_pair";
  EXPECT_TRUE(pair_problem);
  ASSERT_TRUE(at(4, "ID"));
  EXPECT_EQ(at(4, "ID")->code, "duplicate_id");

  // Unknown column, and a cell count that does not match the header.
  const CsvImportResult u = import(*s, EntityKind::Shelter, "ID,名称,種別,定員数\nx,y,welfare,3\n");
  ASSERT_FALSE(u.ok);
  EXPECT_EQ(u.problems[0].code, "unknown_column");
  EXPECT_EQ(u.problems[0].where, "定員数");
  EXPECT_EQ(u.problems[0].row, 1);
  // The rows are still checked, so one run names every problem (a control character here).
  const CsvImportResult both = import(*s, EntityKind::Shelter, "ID,名称,種別,定員数\nx,y\x01z,welfare,3\n");
  ASSERT_EQ(both.problems.size(), 2u) << describe(both.problems, Lang::En);
  EXPECT_EQ(both.problems[0].code, "unknown_column");
  EXPECT_EQ(both.problems[1].row, 2) << describe(both.problems, Lang::En);
  const CsvImportResult c = import(*s, EntityKind::Shelter, "ID,名称,種別\nx,y\n");
  ASSERT_FALSE(c.ok);
  EXPECT_EQ(c.problems[0].code, "cell_count");
  EXPECT_EQ(c.problems[0].row, 2);
  EXPECT_FALSE(import(*s, EntityKind::Shelter, "名称,種別\ny,welfare\n").ok) << "no ID column";
  // A shelter in an area the city does not have (a mistyped ID went in silently).
  const CsvImportResult nowhere = import(*s, EntityKind::Shelter, "ID,名称,種別,地区\ns9,謎の避難所,designated,nowhere\n");
  ASSERT_FALSE(nowhere.ok);
  EXPECT_EQ(nowhere.problems[0].code, "unknown_area");
  EXPECT_EQ(nowhere.problems[0].where, "地区");
  EXPECT_NE(nowhere.problems[0].message(Lang::En).find("there is no area \"nowhere\""), std::string::npos)
      << nowhere.problems[0].message(Lang::En);
  EXPECT_FALSE(import(*s, EntityKind::Incident, "ID\nx\n").ok) << "only areas and shelters";
  const CsvImportResult q = import(*s, EntityKind::Area, "ID,地区名\n\"a,b\n");
  ASSERT_FALSE(q.ok);
  EXPECT_EQ(q.problems[0].code, "unterminated_quote");
  EXPECT_EQ(q.problems[0].line, 2);
  EXPECT_EQ(s->data_version(), version);
}

TEST(CsvImport, AreasRoundTripThroughExportAndDrillRowsStayOut) {
  TempDir dir;
  auto from = open_store(dir, "ACTUAL", "hq");
  fill_demo_master_data(*from, kNow);
  CsvOptions o;
  o.bom = true;  // as Excel users get it
  const std::string areas = export_csv(from->db(), EntityKind::Area, o);
  auto to = open_store(dir, "ACTUAL", "other");
  // The offices first: an area names its office.
  const CsvImportResult offices = import(*to, EntityKind::Branch, export_csv(from->db(), EntityKind::Branch, o));
  ASSERT_TRUE(offices.ok) << describe(offices.problems, Lang::Ja);
  EXPECT_EQ(offices.created, 4);
  EXPECT_EQ(get<Branch>(to->db(), "kita")->node_id, "kita");
  const CsvImportResult r = import(*to, EntityKind::Area, areas);
  ASSERT_TRUE(r.ok) << describe(r.problems, Lang::Ja);
  EXPECT_EQ(r.created, 10);
  for (const Area& a : list_all<Area>(from->db())) {
    auto b = get<Area>(to->db(), a.id);
    ASSERT_TRUE(b) << a.id;
    EXPECT_EQ(b->name, a.name);
    EXPECT_EQ(b->kana, a.kana);
    EXPECT_EQ(b->households, a.households);
    EXPECT_EQ(b->lat, a.lat);
    EXPECT_EQ(b->municipality_code, a.municipality_code);
  }
  const auto version = to->data_version();
  EXPECT_EQ(import(*to, EntityKind::Area, areas).unchanged, 10);
  EXPECT_EQ(to->data_version(), version);
  // Labels mode exports read back too (未確認, labels).
  CsvOptions labels;
  labels.labels = true;
  const CsvImportResult l =
      import(*to, EntityKind::Area, export_csv(from->db(), EntityKind::Area, labels));
  ASSERT_TRUE(l.ok) << describe(l.problems, Lang::Ja);
  EXPECT_EQ(l.unchanged, 10);

  // A drill's export never enters real data.
  auto drill = open_store(dir, "EXERCISE:demo", "hq");
  fill_demo_master_data(*drill, kNow);
  const CsvImportResult x =
      import(*to, EntityKind::Area, export_csv(drill->db(), EntityKind::Area, o));
  EXPECT_FALSE(x.ok);
  ASSERT_FALSE(x.problems.empty());
  EXPECT_EQ(x.problems[0].code, "dataset_mismatch");
  EXPECT_EQ(x.problems[0].where, "データセット");
  EXPECT_EQ(to->data_version(), version);
}

// An ID goes into other ids and lists ("<area>/<type>", an allow-list's comma-separated
// areas), and an area names an office that must be registered: else no branch could ever be
// given that area, nor report for it.
TEST(CsvImport, IdsThatWouldBreakOtherIdsAndUnknownOfficesAreRefused) {
  TempDir dir;
  auto s = open_store(dir, "ACTUAL", "hq");
  ASSERT_TRUE(import(*s, EntityKind::Branch, "ID,名称,種別,ノードID\nkita,北部支所,branch,kita\nnishi,西支所,branch,nishi node\n")
                  .problems.size() == 1);
  const CsvImportResult b = import(*s, EntityKind::Branch, "ID,名称,種別,ノードID\nkita,北部支所,branch,kita\n");
  ASSERT_TRUE(b.ok) << describe(b.problems, Lang::En);
  const CsvImportResult r = import(*s, EntityKind::Area,
                                   "ID,地区名,所管支所\n"
                                   "x5 bad,五丁目,kita\n"
                                   "a/b,甲乙,kita\n"
                                   "kitayama,北山,nosuchbranch\n"
                                   "uenodai,上野台,kita\n");
  EXPECT_FALSE(r.ok);
  const std::string all = describe(r.problems, Lang::En);
  EXPECT_NE(all.find("row 2, column \"ID\": ID \"x5 bad\" may not hold spaces, '/' or ','"), std::string::npos) << all;
  EXPECT_NE(all.find("row 3, column \"ID\": ID \"a/b\" may not hold spaces"), std::string::npos) << all;
  EXPECT_NE(all.find("row 4, column \"所管支所\": there is no branch office \"nosuchbranch\""), std::string::npos) << all;
  EXPECT_EQ(r.problems.size(), 3u) << all;
  EXPECT_FALSE(get<Area>(s->db(), "uenodai")) << "all or nothing";
  EXPECT_TRUE(import(*s, EntityKind::Area, "ID,地区名,所管支所\nuenodai,上野台,kita\n").ok);
}

TEST(CsvImport, AMissingFileIsNamedAndNothingIsWritten) {
  TempDir dir;
  auto s = open_store(dir);
  const auto version = s->data_version();
  const CsvImportResult r = import_csv_file(*s, EntityKind::Shelter, dir.file("gone.csv"), CsvImportOptions{});
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].code, "cannot_open");
  EXPECT_NE(r.problems[0].en.find("gone.csv"), std::string::npos);
  EXPECT_NE(r.problems[0].ja.find("ファイルを開けません"), std::string::npos);
  EXPECT_EQ(s->data_version(), version);
}
