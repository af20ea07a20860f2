// honbu-bench export: what HQ staff wait for when they press a button in 発信・出力 —
// 第4号様式 built and rendered over 50 offices × 20 reports, CSV and GeoJSON of 100,000
// incidents, CAP of the demo city's alerts. Baseline in the same run: the raw SQLite read of
// the same incident rows (every column, as text, no quoting), so the ratio shows what the
// export itself costs.
#include <sqlite3.h>

#include <cstdio>
#include <random>

#include "model/demo.hpp"
#include "model/export/cap.hpp"
#include "model/export/csv.hpp"
#include "model/export/form4_report.hpp"
#include "model/export/geojson_export.hpp"
#include "model/geojson.hpp"
#include "tools/bench/common.hpp"

namespace honbu::bench {

namespace {

// Every incident row as text, straight from SQLite (no Honbu code): the floor of any export.
double raw_rows_per_s(const std::string& path, int rounds) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT * FROM incidents WHERE _deleted = 0", -1, &st, nullptr);
  std::vector<double> rates;
  for (int r = 0; r < rounds; ++r) {
    std::string out;
    int rows = 0;
    const auto t0 = Clock::now();
    while (sqlite3_step(st) == SQLITE_ROW) {
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        if (const unsigned char* t = sqlite3_column_text(st, c)) out += reinterpret_cast<const char*>(t);
        out += ',';
      }
      out += '\n';
      ++rows;
    }
    sqlite3_reset(st);
    rates.push_back(rows / (ms_since(t0) / 1000.0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return percentile(rates, 50);
}

}  // namespace

int bench_export(const std::string& dir, double scale, const std::string& assets_dir) {
  const int n = std::max(1000, static_cast<int>(100'000 * scale));
  const std::string path = dir + "/bench-export.db";
  remove_db(path);
  auto s = fresh_store(path, "hq");
  const TimeMs now = wall_now_ms();
  fill_demo_master_data(*s, now);
  fill_demo_node(*s, DemoNode{"hq", "hq"}, now, 7);
  std::mt19937_64 rng(11);
  const char* areas[] = {"chuo", "honcho", "minatomachi", "kitayama", "uenodai", "sakuragaoka", "minamihama", "oono", "kawabe"};
  for (int i = 0; i < n; i += 5000)
    s->batch([&] {
      for (int k = i; k < std::min(n, i + 5000); ++k)
        s->put(EntityKind::Incident, s->new_id(),
               {{"title", "通報 " + std::to_string(k) + " 倒壊家屋・道路被害, \"要確認\""}, {"category", "building"},
                {"area_id", areas[rng() % 9]}, {"received_at", format_iso_jst(now - k * 1000)}, {"verification", "unverified"},
                {"priority", "medium"}, {"status", "received"}, {"lat", 35.33 + (k % 100) * 0.0001},
                {"lon", 139.62 + (k % 97) * 0.0001}, {"trapped", std::int64_t{k % 3}}},
               "bench");
    });
  fill_branch_reports(*s, 50, 20, now, rng);
  s.reset();
  std::printf("honbu-bench export: %d incidents, 54 offices (50 × 20 reports), the demo city\n", n);
  const double raw = raw_rows_per_s(path, 5);
  std::printf("  baseline: raw SQLite read of every incident row as text: %.0f rows/s\n", raw);

  Db db(path, OpenMode::ReadOnly);
  const AreaMap map = load_area_map(assets_dir + "/map/minato-demo.geojson");
  std::vector<double> csv_rate, geo_rate, form4_ms, cap_ms;
  std::size_t csv_bytes = 0, geo_bytes = 0, alerts = 0;
  for (int r = 0; r < 5; ++r) {
    auto t0 = Clock::now();
    const std::string csv = export_csv(db, EntityKind::Incident, CsvOptions{});
    csv_rate.push_back(n / (ms_since(t0) / 1000.0));
    csv_bytes = csv.size();
    GeoJsonExportOptions go;
    go.shelters = go.lifelines = false;
    go.area_map = &map;
    go.now = now;
    t0 = Clock::now();
    const GeoJsonExport g = export_geojson(db, go);
    geo_rate.push_back(g.incidents / (ms_since(t0) / 1000.0));
    geo_bytes = g.text.size();
  }
  for (int r = 0; r < 30; ++r) {
    Form4Options o;
    o.as_of = now;
    auto t0 = Clock::now();
    const Form4Report rep = build_form4(db, o);
    const std::string html = form4_html(rep), csv = form4_csv(rep, Lang::Ja, true);
    form4_ms.push_back(ms_since(t0));
    CapOptions co;
    co.area_map = &map;
    t0 = Clock::now();
    alerts = export_cap(db, co).size();
    cap_ms.push_back(ms_since(t0));
  }
  std::printf("  CSV of %d incidents: %.0f rows/s (%.2f of raw), %.1f MB\n", n, percentile(csv_rate, 50), percentile(csv_rate, 50) / raw,
              csv_bytes / 1e6);
  std::printf("  GeoJSON of %d incidents: %.0f features/s (%.2f of raw), %.1f MB\n", n, percentile(geo_rate, 50),
              percentile(geo_rate, 50) / raw, geo_bytes / 1e6);
  std::printf("  第4号様式 その2 built + HTML + CSV, 54 offices (1,000 reports): p50 %.2f ms p99 %.2f ms\n", percentile(form4_ms, 50),
              percentile(form4_ms, 99));
  std::printf("  CAP 1.2 of the demo city (%zu alerts, with polygons): p50 %.2f ms\n", alerts, percentile(cap_ms, 50));
  remove_db(path);
  return 0;
}

}  // namespace honbu::bench
