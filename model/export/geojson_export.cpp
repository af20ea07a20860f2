#include "model/export/geojson_export.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "model/entities.hpp"
#include "model/export/dataset.hpp"
#include "model/labels.hpp"
#include "model/queries.hpp"

namespace honbu {

namespace {

using json = nlohmann::ordered_json;

// 7 decimals (about 1 cm): RFC 7946 §11.2 advises against false precision.
double round7(double v) {
  return std::round(v * 1e7) / 1e7;
}

json position(double lon, double lat) {
  return json::array({round7(lon), round7(lat)});
}

json count(const TriCount& c) {
  return c.known() ? json(c.value()) : json(nullptr);
}
json text(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}
json moment(const std::optional<Moment>& m) {
  return m ? json(format_iso_jst(m->ms)) : json(nullptr);
}
json label(const Enumeration& e, const std::string& code, Lang lang) {
  return code.empty() ? json(nullptr) : json(std::string(e.text(code, lang)));
}

// A coded value as GIS users read it: the code, and beside it `<name>_label` in words.
void put_coded(json& p, const std::string& name, const Enumeration& e, const std::string& code,
               Lang lang) {
  p[name] = text(code);
  p[name + "_label"] = label(e, code, lang);
}

// Exterior ring, closed and counterclockwise (RFC 7946 §3.1.6): positive shoelace area.
json exterior_ring(const std::vector<LonLat>& ring) {
  double twice_area = 0;
  for (size_t i = 0; i < ring.size(); ++i) {
    const LonLat& a = ring[i];
    const LonLat& b = ring[(i + 1) % ring.size()];
    twice_area += a.lon * b.lat - b.lon * a.lat;
  }
  std::vector<LonLat> r = ring;
  if (twice_area < 0) std::reverse(r.begin(), r.end());
  json out = json::array();
  for (const LonLat& p : r) out.push_back(position(p.lon, p.lat));
  out.push_back(position(r.front().lon, r.front().lat));
  return out;
}

json feature(std::string id, json geometry, json properties) {
  json f;
  f["type"] = "Feature";
  f["id"] = std::move(id);
  f["geometry"] = std::move(geometry);
  f["properties"] = std::move(properties);
  return f;
}

void mark(json& props, const ExportContext& c) {
  props["dataset"] = c.dataset;
  props["exercise"] = c.exercise;
}

// Last change of each row, from the typed table's newest-op clock.
std::map<std::string, TimeMs, std::less<>> updated_at(Db& db, std::string_view table) {
  std::map<std::string, TimeMs, std::less<>> out;
  auto q =
      db.query("SELECT id, _hlc FROM " + std::string(table) + " WHERE _deleted = 0 ORDER BY id");
  while (q->step())
    out.emplace(q->column_text(0),
                static_cast<TimeMs>(Hlc{static_cast<std::uint64_t>(q->column_int(1))}.ms()));
  return out;
}

}  // namespace

GeoJsonExport export_geojson(Db& db, const GeoJsonExportOptions& o) {
  const ExportContext c = export_context(db);
  const TimeMs now = o.now ? o.now : wall_now_ms();
  const Lang lang = o.lang;
  GeoJsonExport out;
  std::map<std::string, std::string, std::less<>> area_names;
  for (const Area& a : list_all<Area>(db)) area_names.emplace(a.id, a.name);
  auto area_name = [&](const std::string& id) {
    auto it = area_names.find(id);
    return it == area_names.end() ? json(nullptr) : text(it->second);
  };

  json features = json::array();
  if (o.incidents) {
    for (const Incident& i : list_all<Incident>(db)) {
      if (!i.lat || !i.lon) {
        ++out.incidents_without_location;
        continue;
      }
      json p;
      p["layer"] = "incident";
      p["id"] = i.id;
      p["title"] = i.title;
      put_coded(p, "category", enums::incident_category, i.category, lang);
      put_coded(p, "priority", enums::priority, i.priority, lang);
      put_coded(p, "status", enums::incident_status, i.status, lang);
      put_coded(p, "verification", enums::verification, i.verification, lang);
      p["area_id"] = text(i.area_id);
      p["area_name"] = area_name(i.area_id);
      p["place"] = text(i.place);
      p["received_at"] = moment(i.received_at);
      p["channel"] = text(i.channel);
      p["team"] = text(i.team);
      p["dead"] = count(i.dead);
      p["injured"] = count(i.injured);
      p["trapped"] = count(i.trapped);
      mark(p, c);
      features.push_back(feature("incident:" + i.id,
                                 {{"type", "Point"}, {"coordinates", position(*i.lon, *i.lat)}},
                                 std::move(p)));
      ++out.incidents;
    }
  }
  if (o.shelters) {
    const auto updated = updated_at(db, "shelters");
    for (const Shelter& s : list_all<Shelter>(db)) {
      if (!s.lat || !s.lon) {
        ++out.shelters_without_location;
        continue;
      }
      json p;
      p["layer"] = "shelter";
      p["id"] = s.id;
      p["name"] = s.name;
      put_coded(p, "shelter_type", enums::shelter_type, s.shelter_type, lang);
      put_coded(p, "open_state", enums::shelter_open_state, s.open_state, lang);
      put_coded(p, "crowding", enums::crowding, s.crowding, lang);
      p["area_id"] = text(s.area_id);
      p["area_name"] = area_name(s.area_id);
      p["address"] = text(s.address);
      p["capacity"] = count(s.capacity);
      p["evacuees"] = count(s.evacuees);
      p["evacuees_voluntary"] = count(s.evacuees_voluntary);
      p["households"] = count(s.households);
      p["households_voluntary"] = count(s.households_voluntary);
      for (const Label& g : enums::vulnerable_group.values) {
        auto it = s.vulnerable.find(g.code);
        p["v_" + std::string(g.code)] =
            it == s.vulnerable.end() ? json(nullptr) : count(it->second);
      }
      p["opened_at"] = moment(s.opened_at);
      p["closed_at"] = moment(s.closed_at);
      p["checked_at"] = moment(s.checked_at);
      auto u = updated.find(s.id);
      p["updated_at"] = u == updated.end() ? json(nullptr) : json(format_iso_jst(u->second));
      mark(p, c);
      features.push_back(feature("shelter:" + s.id,
                                 {{"type", "Point"}, {"coordinates", position(*s.lon, *s.lat)}},
                                 std::move(p)));
      ++out.shelters;
    }
  }
  if (o.lifelines) {
    const LifelineMatrix m = lifeline_matrix(db);
    for (const Area& a : m.areas) {
      const AreaShape* shape = nullptr;
      if (o.area_map)
        for (const AreaShape& s : o.area_map->areas)
          if (s.area_id == a.id && !s.rings.empty()) shape = &s;
      if (!shape) {
        ++out.areas_without_shape;
        continue;
      }
      json geometry;
      if (shape->rings.size() == 1) {
        geometry = {{"type", "Polygon"},
                    {"coordinates", json::array({exterior_ring(shape->rings[0])})}};
      } else {
        json polys = json::array();
        for (const auto& ring : shape->rings) polys.push_back(json::array({exterior_ring(ring)}));
        geometry = {{"type", "MultiPolygon"}, {"coordinates", std::move(polys)}};
      }
      json p;
      p["layer"] = "lifeline_area";
      p["area_id"] = a.id;
      p["area_name"] = text(a.name);
      p["branch_id"] = text(a.branch_id);
      std::string worst;
      for (const Label& lt : enums::lifeline_type.values) {  // every type: stable columns
        const std::string type(lt.code);
        const LifelineStatus* l = m.cell(a.id, type);
        const std::string k = type + "_";
        p[k + "status"] = l ? text(l->status) : json(nullptr);
        p[k + "status_label"] = l ? label(enums::lifeline_status, l->status, lang) : json(nullptr);
        p[k + "affected"] = l ? count(l->affected) : json(nullptr);
        p[k + "as_of"] = l ? moment(l->as_of) : json(nullptr);
        p[k + "age_min"] = l && l->as_of ? json((now - l->as_of->ms) / 60'000) : json(nullptr);
        p[k + "source"] = l ? text(l->source) : json(nullptr);
        if (l && !l->status.empty() &&
            (worst.empty() || lifeline_severity(l->status) > lifeline_severity(worst)))
          worst = l->status;
      }
      p["worst_status"] = text(worst);
      p["worst_status_label"] = label(enums::lifeline_status, worst, lang);
      mark(p, c);
      features.push_back(feature("area:" + a.id, std::move(geometry), std::move(p)));
      ++out.areas;
    }
  }

  json doc;
  doc["type"] = "FeatureCollection";
  // Foreign member (RFC 7946 §6.1): what this file is; drill data says EXERCISE here too.
  doc["honbu"] = {{"dataset", c.dataset},
                  {"exercise", c.exercise},
                  {"municipality_code", text(c.municipality_code)},
                  {"generated_at", format_iso_jst(now)},
                  {"left_out",
                   {{"incidents_without_location", out.incidents_without_location},
                    {"shelters_without_location", out.shelters_without_location},
                    {"areas_without_shape", out.areas_without_shape}}}};
  doc["features"] = std::move(features);
  out.text = doc.dump(o.indent);
  return out;
}

}  // namespace honbu
