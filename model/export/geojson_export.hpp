// [SECTION] GeoJSON export (RFC 7946) for GIS staff (QGIS and the like)
//
// One FeatureCollection: incidents and shelters as Points, each area's lifeline status as a
// Polygon / MultiPolygon from the area map. Longitude first, WGS84, no "crs" member, exterior
// rings counterclockwise and closed. Flat properties (one column each in a GIS table); null
// is 未確認 / not set, never 0. Drill data says so at the top ("honbu" member) and on every
// feature. Property names are listed in docs/exports.md "GeoJSON".
#pragma once

#include <string>

#include "model/db.hpp"
#include "model/geojson.hpp"
#include "model/labels.hpp"
#include "model/time.hpp"

namespace honbu {

struct GeoJsonExportOptions {
  bool incidents = true, shelters = true, lifelines = true;  // which layers
  const AreaMap* area_map = nullptr;  // area shapes; none: no lifeline features (all counted)
  Lang lang = Lang::Ja;               // language of the *_label properties
  TimeMs now = 0;                     // for ages ("age_min"); 0: the system clock
  int indent = -1;                    // -1: compact; else pretty-printed with this indent
};

struct GeoJsonExport {
  std::string text;                            // the FeatureCollection
  int incidents = 0, shelters = 0, areas = 0;  // features written per layer
  // Left out because there is nothing to place them with.
  int incidents_without_location = 0, shelters_without_location = 0, areas_without_shape = 0;
};

// Reads the database (never writes).
GeoJsonExport export_geojson(Db& db, const GeoJsonExportOptions& options);

}  // namespace honbu
