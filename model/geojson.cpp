#include "model/geojson.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

namespace honbu {

namespace {

using json = nlohmann::json;

std::vector<LonLat> ring_of(const json& j, const std::string& where) {
  if (!j.is_array()) throw GeoJsonError(where + ": a ring must be an array of positions");
  std::vector<LonLat> ring;
  for (const json& pos : j) {
    if (!pos.is_array() || pos.size() < 2 || !pos[0].is_number() || !pos[1].is_number())
      throw GeoJsonError(where + ": a position must be [longitude, latitude]");
    LonLat p{pos[0].get<double>(), pos[1].get<double>()};
    if (p.lon < -180 || p.lon > 180 || p.lat < -90 || p.lat > 90)
      throw GeoJsonError(where + ": position [" + std::to_string(p.lon) + ", " + std::to_string(p.lat) +
                         "] is out of range (GeoJSON is longitude first)");
    ring.push_back(p);
  }
  if (ring.size() < 4) throw GeoJsonError(where + ": a ring needs at least 4 positions");
  if (ring.front().lon != ring.back().lon || ring.front().lat != ring.back().lat)
    throw GeoJsonError(where + ": a ring must end where it starts");
  ring.pop_back();  // drawn closed anyway
  return ring;
}

}  // namespace

AreaMap parse_area_map(std::string_view text, std::string_view source) {
  const std::string src(source);
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw GeoJsonError(src + ": not JSON (byte " + std::to_string(e.byte) + ")");
  }
  if (!doc.is_object() || doc.value("type", "") != "FeatureCollection" || !doc.contains("features") ||
      !doc["features"].is_array())
    throw GeoJsonError(src + ": expected a GeoJSON FeatureCollection with \"features\"");
  AreaMap map;
  map.min_lon = map.min_lat = std::numeric_limits<double>::max();
  map.max_lon = map.max_lat = std::numeric_limits<double>::lowest();
  int index = 0;
  for (const json& f : doc["features"]) {
    std::string where = src + " feature " + std::to_string(index++);
    if (!f.is_object() || !f.contains("geometry") || !f["geometry"].is_object())
      throw GeoJsonError(where + ": a feature needs a geometry");
    AreaShape shape;
    const json props = f.value("properties", json::object());
    if (props.is_object()) {
      if (props.contains("area_id") && props["area_id"].is_string()) shape.area_id = props["area_id"];
      if (props.contains("name") && props["name"].is_string()) shape.name = props["name"];
    }
    if (shape.area_id.empty() && f.contains("id") && f["id"].is_string()) shape.area_id = f["id"];
    if (shape.area_id.empty()) throw GeoJsonError(where + ": no \"area_id\" property (which area is this?)");
    where += " (" + shape.area_id + ")";
    const json& g = f["geometry"];
    const std::string type = g.value("type", "");
    if (!g.contains("coordinates")) throw GeoJsonError(where + ": geometry has no coordinates");
    const json& c = g["coordinates"];
    if (type == "Polygon") {
      if (!c.is_array() || c.empty()) throw GeoJsonError(where + ": a Polygon needs at least one ring");
      shape.rings.push_back(ring_of(c[0], where));
    } else if (type == "MultiPolygon") {
      if (!c.is_array() || c.empty()) throw GeoJsonError(where + ": a MultiPolygon needs polygons");
      for (const json& poly : c) {
        if (!poly.is_array() || poly.empty()) throw GeoJsonError(where + ": an empty polygon");
        shape.rings.push_back(ring_of(poly[0], where));
      }
    } else {
      throw GeoJsonError(where + ": geometry type \"" + type + "\" is not Polygon or MultiPolygon");
    }
    for (const auto& ring : shape.rings)
      for (const LonLat& p : ring) {
        map.min_lon = std::min(map.min_lon, p.lon);
        map.max_lon = std::max(map.max_lon, p.lon);
        map.min_lat = std::min(map.min_lat, p.lat);
        map.max_lat = std::max(map.max_lat, p.lat);
      }
    map.areas.push_back(std::move(shape));
  }
  if (map.areas.empty()) throw GeoJsonError(src + ": no features");
  return map;
}

AreaMap load_area_map(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw GeoJsonError("cannot open map file " + path);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return parse_area_map(text, path);
}

std::optional<LonLat> label_point(const AreaShape& area) {
  if (area.rings.empty() || area.rings[0].empty()) return std::nullopt;
  LonLat c;
  for (const LonLat& p : area.rings[0]) c.lon += p.lon, c.lat += p.lat;
  c.lon /= static_cast<double>(area.rings[0].size());
  c.lat /= static_cast<double>(area.rings[0].size());
  return c;
}

bool ring_contains(const std::vector<LonLat>& ring, LonLat p) {
  bool inside = false;
  for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    const LonLat& a = ring[i];
    const LonLat& b = ring[j];
    if ((a.lat > p.lat) != (b.lat > p.lat) && p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon)
      inside = !inside;
  }
  return inside;
}

}  // namespace honbu
