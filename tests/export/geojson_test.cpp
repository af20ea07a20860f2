// GeoJSON export, checked by an independent reader (nlohmann::json + the RFC 7946 rules):
// FeatureCollection of Features, Point [lon, lat] in range, closed counterclockwise exterior
// rings, no "crs"; properties GIS users expect, null for 未確認 (never 0); items without a
// place counted, not exported; drill data marked at the top and on every feature.
#include "model/export/geojson_export.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "export_fixture.hpp"
#include "model/entities.hpp"
#include "model/queries.hpp"

using namespace honbu;
using namespace honbu::testing;
using json = nlohmann::json;

namespace {

void put_ok(Store& s, EntityKind k, const std::string& id, Fields f) {
  auto r = s.put(k, id, std::move(f), "t");
  ASSERT_TRUE(r.ok) << describe(r.problems, Lang::En);
}

void check_position(const json& p, const std::string& where) {
  ASSERT_TRUE(p.is_array()) << where;
  ASSERT_GE(p.size(), 2u) << where;
  ASSERT_TRUE(p[0].is_number() && p[1].is_number()) << where;
  const double lon = p[0], lat = p[1];
  EXPECT_GE(lon, -180);
  EXPECT_LE(lon, 180);
  EXPECT_GE(lat, -90);
  EXPECT_LE(lat, 90);
  // The demo city is at about 35.3 N, 139.6 E: longitude first.
  EXPECT_GT(lon, 139.0) << where << ": longitude must come first";
  EXPECT_LT(lat, 36.0) << where;
}

double signed_area(const json& ring) {
  double a = 0;
  for (size_t i = 0; i + 1 < ring.size(); ++i)
    a += ring[i][0].get<double>() * ring[i + 1][1].get<double>() -
         ring[i + 1][0].get<double>() * ring[i][1].get<double>();
  return a / 2;
}

void check_polygon(const json& rings, const std::string& where) {
  ASSERT_TRUE(rings.is_array() && !rings.empty()) << where;
  for (size_t r = 0; r < rings.size(); ++r) {
    const json& ring = rings[r];
    ASSERT_GE(ring.size(), 4u) << where;
    EXPECT_EQ(ring.front(), ring.back()) << where << ": ring not closed";
    for (const json& p : ring) check_position(p, where);
    if (r == 0) {
      EXPECT_GT(signed_area(ring), 0) << where << ": exterior ring must be counterclockwise";
    } else {
      EXPECT_LT(signed_area(ring), 0) << where << ": holes are clockwise";
    }
  }
}

// RFC 7946 structure, independently of the exporter.
json check_rfc7946(const std::string& text) {
  const json doc = json::parse(text);  // throws on invalid JSON
  EXPECT_EQ(doc.at("type"), "FeatureCollection");
  EXPECT_FALSE(doc.contains("crs")) << "RFC 7946 §4: no crs member";
  EXPECT_TRUE(doc.at("features").is_array());
  for (const json& f : doc.at("features")) {
    EXPECT_EQ(f.at("type"), "Feature");
    EXPECT_TRUE(f.at("properties").is_object());
    if (f.contains("id")) {
      EXPECT_TRUE(f["id"].is_string() || f["id"].is_number());
    }
    const json& g = f.at("geometry");
    const std::string type = g.at("type");
    const std::string where = f.value("id", std::string("?"));
    if (type == "Point") {
      check_position(g.at("coordinates"), where);
    } else if (type == "Polygon") {
      check_polygon(g.at("coordinates"), where);
    } else if (type == "MultiPolygon") {
      for (const json& poly : g.at("coordinates")) check_polygon(poly, where);
    } else {
      ADD_FAILURE() << where << ": unexpected geometry " << type;
    }
  }
  return doc;
}

std::vector<json> layer(const json& doc, std::string_view name) {
  std::vector<json> out;
  for (const json& f : doc["features"])
    if (f["properties"]["layer"] == name) out.push_back(f);
  return out;
}

}  // namespace

TEST(GeoJsonExport, DemoCityIsValidRfc7946) {
  TempDir dir;
  auto s = open_store(dir);
  fill_demo(*s);
  const AreaMap map = demo_map();
  GeoJsonExportOptions o;
  o.area_map = &map;
  o.now = kNow;
  const GeoJsonExport g = export_geojson(s->db(), o);
  const json doc = check_rfc7946(g.text);
  EXPECT_EQ(g.incidents, 16);
  EXPECT_EQ(g.shelters, 2);
  EXPECT_EQ(g.areas, 10);
  EXPECT_EQ(layer(doc, "incident").size(), 16u);
  EXPECT_EQ(layer(doc, "shelter").size(), 2u);
  EXPECT_EQ(layer(doc, "lifeline_area").size(), 10u);
  EXPECT_EQ(doc["honbu"]["dataset"], "ACTUAL");
  EXPECT_EQ(doc["honbu"]["exercise"], false);
  for (const json& f : doc["features"]) EXPECT_EQ(f["properties"]["exercise"], false);
  // Lifeline properties per type, with as-of time and age; types nobody reported are null.
  for (const json& f : layer(doc, "lifeline_area")) {
    const json& p = f["properties"];
    if (p["area_id"] != "chuo") continue;
    EXPECT_EQ(p["area_name"], "中央町");
    EXPECT_TRUE(p["power_status"].is_string());
    EXPECT_TRUE(p["power_as_of"].get<std::string>().ends_with("+09:00"));
    EXPECT_TRUE(p["power_age_min"].is_number_integer());
    EXPECT_TRUE(p["rail_status"].is_null()) << "no rail record: null, not a guess";
    EXPECT_TRUE(p["worst_status"].is_string());
  }
  for (const json& f : layer(doc, "shelter")) {
    const json& p = f["properties"];
    EXPECT_TRUE(p["capacity"].is_number_integer());
    EXPECT_TRUE(p["v_foreign"].is_null()) << "not surveyed: 未確認 is null";
    EXPECT_TRUE(p["v_elderly_alone"].is_number_integer());
    EXPECT_TRUE(p["updated_at"].get<std::string>().ends_with("+09:00"));
  }
}

TEST(GeoJsonExport, IncidentPropertiesKeepUnknownApartFromZero) {
  TempDir dir;
  auto s = open_store(dir);
  fill_demo_master_data(*s, kNow);
  Fields base{{"title", "中央町 家屋倒壊"},
              {"category", "building"},
              {"area_id", "chuo"},
              {"received_at", "2026-11-22T09:15:00+09:00"},
              {"verification", "verified"},
              {"priority", "life"},
              {"status", "in_progress"},
              {"lat", 35.3331},
              {"lon", 139.6212},
              {"dead", std::int64_t{0}},
              {"injured", std::int64_t{2}}};
  put_ok(*s, EntityKind::Incident, "inc-1", base);
  for (int i = 0; i < 3; ++i) {
    Fields f = base;
    f.erase("lat");
    f.erase("lon");
    put_ok(*s, EntityKind::Incident, "nowhere-" + std::to_string(i), f);
  }
  GeoJsonExportOptions o;
  o.lifelines = o.shelters = false;
  const GeoJsonExport g = export_geojson(s->db(), o);
  EXPECT_EQ(g.incidents, 1);
  EXPECT_EQ(g.incidents_without_location, 3)
      << "for the CLI: 3 incidents without location not exported";
  const json doc = check_rfc7946(g.text);
  EXPECT_EQ(doc["honbu"]["left_out"]["incidents_without_location"], 3);
  ASSERT_EQ(doc["features"].size(), 1u);
  const json& f = doc["features"][0];
  EXPECT_EQ(f["id"], "incident:inc-1");
  EXPECT_EQ(f["geometry"]["coordinates"], json::array({139.6212, 35.3331}));
  const json& p = f["properties"];
  EXPECT_EQ(p["id"], "inc-1");
  EXPECT_EQ(p["title"], "中央町 家屋倒壊");
  EXPECT_EQ(p["category"], "building");
  EXPECT_EQ(p["category_label"], "建物被害");
  EXPECT_EQ(p["priority"], "life");
  EXPECT_EQ(p["priority_label"], "緊急(人命)");
  EXPECT_EQ(p["status"], "in_progress");
  EXPECT_EQ(p["verification"], "verified");
  EXPECT_EQ(p["area_id"], "chuo");
  EXPECT_EQ(p["area_name"], "中央町");
  EXPECT_EQ(p["received_at"], "2026-11-22T09:15:00+09:00");
  EXPECT_EQ(p["dead"], 0) << "reported zero is 0";
  EXPECT_EQ(p["injured"], 2);
  EXPECT_TRUE(p["trapped"].is_null()) << "never reported is null (未確認), not 0";
  o.lang = Lang::En;
  const json en = json::parse(export_geojson(s->db(), o).text);
  EXPECT_EQ(en["features"][0]["properties"]["category_label"], "Building damage");
}

TEST(GeoJsonExport, DrillDataSaysExerciseEverywhere) {
  TempDir dir;
  auto s = open_store(dir, "EXERCISE:demo");
  fill_demo(*s);
  const AreaMap map = demo_map();
  GeoJsonExportOptions o;
  o.area_map = &map;
  const json doc = check_rfc7946(export_geojson(s->db(), o).text);
  EXPECT_EQ(doc["honbu"]["dataset"], "EXERCISE:demo");
  EXPECT_EQ(doc["honbu"]["exercise"], true);
  ASSERT_FALSE(doc["features"].empty());
  for (const json& f : doc["features"]) {
    EXPECT_EQ(f["properties"]["exercise"], true);
    EXPECT_EQ(f["properties"]["dataset"], "EXERCISE:demo");
  }
}

TEST(GeoJsonExport, RingsComeOutCounterclockwiseAndClosed) {
  TempDir dir;
  auto s = open_store(dir);
  put_ok(*s, EntityKind::Branch, "hq", {{"name", "本庁"}, {"branch_kind", "hq"}});
  put_ok(*s, EntityKind::Area, "cw", {{"name", "時計回り"}, {"branch_id", "hq"}});
  put_ok(*s, EntityKind::Area, "multi", {{"name", "島"}, {"branch_id", "hq"}});
  put_ok(*s, EntityKind::Area, "unmapped", {{"name", "地図なし"}, {"branch_id", "hq"}});
  // A clockwise ring (as some tools write them) and a two-island MultiPolygon.
  const AreaMap map = parse_area_map(R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"area_id":"cw"},"geometry":{"type":"Polygon","coordinates":
      [[[139.60,35.30],[139.60,35.31],[139.61,35.31],[139.61,35.30],[139.60,35.30]]]}},
    {"type":"Feature","properties":{"area_id":"multi"},"geometry":{"type":"MultiPolygon","coordinates":
      [[[[139.70,35.30],[139.71,35.30],[139.71,35.31],[139.70,35.30]]],
       [[[139.72,35.30],[139.72,35.31],[139.73,35.31],[139.72,35.30]]]]}}]})",
                                     "test map");
  GeoJsonExportOptions o;
  o.area_map = &map;
  o.incidents = o.shelters = false;
  const GeoJsonExport g = export_geojson(s->db(), o);
  EXPECT_EQ(g.areas, 2);
  EXPECT_EQ(g.areas_without_shape, 1);
  const json doc = check_rfc7946(g.text);
  ASSERT_EQ(doc["features"].size(), 2u);
  std::map<std::string, json> by_id;
  for (const json& f : doc["features"]) by_id[f["properties"]["area_id"]] = f;
  EXPECT_EQ(by_id["cw"]["geometry"]["type"], "Polygon");
  EXPECT_EQ(by_id["multi"]["geometry"]["type"], "MultiPolygon");
  EXPECT_EQ(by_id["multi"]["geometry"]["coordinates"].size(), 2u);
  EXPECT_TRUE(by_id["cw"]["properties"]["power_status"].is_null());
  EXPECT_TRUE(by_id["cw"]["properties"]["worst_status"].is_null());
}

// An incident with only its area (a phone call names 北山, not a point) is drawn at the
// area's label point: the mean of its outer ring, inside a convex area.
TEST(AreaMap, LabelPointIsInsideTheArea) {
  AreaShape square{"kitayama", "北山", {{{141.0, 38.0}, {141.2, 38.0}, {141.2, 38.2}, {141.0, 38.2}}}};
  const std::optional<LonLat> p = label_point(square);
  ASSERT_TRUE(p);
  EXPECT_NEAR(p->lon, 141.1, 1e-9);
  EXPECT_NEAR(p->lat, 38.1, 1e-9);
  EXPECT_TRUE(ring_contains(square.rings[0], *p));
  EXPECT_FALSE(label_point(AreaShape{"empty", "", {}}));
}
