// [SECTION] Area boundaries from a GeoJSON file (RFC 7946: lon/lat, WGS84): what the console's
// map draws. Any municipality can drop in its own file; each feature names its area by the
// property `area_id` (or `id`), and may carry `name`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/errors.hpp"

namespace honbu {

struct LonLat {
  double lon = 0, lat = 0;
};

struct AreaShape {
  std::string area_id, name;
  std::vector<std::vector<LonLat>> rings;  // outer rings of each polygon (holes are not drawn)
};

struct AreaMap {
  std::vector<AreaShape> areas;
  double min_lon = 0, min_lat = 0, max_lon = 0, max_lat = 0;  // bounding box of every ring
};

class GeoJsonError : public Error {
 public:
  using Error::Error;
};

// Parses a FeatureCollection of Polygon / MultiPolygon features. Throws GeoJsonError naming
// the feature (index and area_id) and the problem: not JSON, wrong type, a ring with fewer
// than 4 positions or not closed, coordinates out of range, no area_id.
AreaMap parse_area_map(std::string_view geojson_text, std::string_view source_name);
AreaMap load_area_map(const std::string& path);

// Whether a point lies inside a ring (even-odd rule).
bool ring_contains(const std::vector<LonLat>& ring, LonLat p);

// Where an area's name goes, and its incidents that have no coordinates of their own: the
// mean of its first ring's points (the areas are small and near convex). None without rings.
std::optional<LonLat> label_point(const AreaShape& area);

}  // namespace honbu
