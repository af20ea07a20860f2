// 地図 Map: area polygons from a GeoJSON file (assets/map/, or any municipality's own),
// coloured by lifeline status, with incident markers by priority. Pan by dragging, zoom
// with the wheel; click a marker to open the incident. Drawn with ImGui's draw lists.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "console/panel.hpp"
#include "console/panels/factories.hpp"
#include "console/strings.hpp"
#include "console/widgets.hpp"
#include "model/geojson.hpp"
#include "model/labels.hpp"
#include "model/queries.hpp"

namespace honbu::console {

namespace {

// Ear clipping: triangles of a simple polygon (area boundaries may be concave).
std::vector<ImVec2> triangulate(const std::vector<ImVec2>& poly) {
  std::vector<ImVec2> tris;
  std::vector<int> idx(poly.size());
  for (size_t i = 0; i < poly.size(); ++i) idx[i] = static_cast<int>(i);
  double area = 0;
  for (size_t i = 0; i < poly.size(); ++i) {
    const ImVec2& a = poly[i];
    const ImVec2& b = poly[(i + 1) % poly.size()];
    area += static_cast<double>(a.x) * b.y - static_cast<double>(b.x) * a.y;
  }
  if (area < 0) std::reverse(idx.begin(), idx.end());
  auto cross = [](ImVec2 a, ImVec2 b, ImVec2 c) { return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x); };
  auto inside = [&](ImVec2 p, ImVec2 a, ImVec2 b, ImVec2 c) {
    return cross(a, b, p) >= 0 && cross(b, c, p) >= 0 && cross(c, a, p) >= 0;
  };
  int guard = static_cast<int>(idx.size()) * static_cast<int>(idx.size());
  while (idx.size() > 3 && guard-- > 0) {
    bool cut = false;
    for (size_t i = 0; i < idx.size(); ++i) {
      const ImVec2 a = poly[static_cast<size_t>(idx[(i + idx.size() - 1) % idx.size()])];
      const ImVec2 b = poly[static_cast<size_t>(idx[i])];
      const ImVec2 c = poly[static_cast<size_t>(idx[(i + 1) % idx.size()])];
      if (cross(a, b, c) <= 0) continue;  // reflex corner
      bool empty = true;
      for (int j : idx) {
        const ImVec2 p = poly[static_cast<size_t>(j)];
        if ((p.x == a.x && p.y == a.y) || (p.x == b.x && p.y == b.y) || (p.x == c.x && p.y == c.y)) continue;
        if (inside(p, a, b, c)) {
          empty = false;
          break;
        }
      }
      if (!empty) continue;
      tris.insert(tris.end(), {a, b, c});
      idx.erase(idx.begin() + static_cast<long>(i));
      cut = true;
      break;
    }
    if (!cut) break;  // degenerate: draw what we have
  }
  if (idx.size() == 3)
    tris.insert(tris.end(), {poly[static_cast<size_t>(idx[0])], poly[static_cast<size_t>(idx[1])],
                             poly[static_cast<size_t>(idx[2])]});
  return tris;
}

class MapPanel : public Panel {
 public:
  std::string_view id() const override { return "map"; }
  std::string_view title_key() const override { return "panel.map"; }

  void on_changes(Session& s, const ChangeSet& c) override {
    if (!loaded_) load_map(s);
    if (c.has(EntityKind::Lifeline) || c.has(EntityKind::Area))
      s.reader->request<std::shared_ptr<const LifelineMatrix>>(
          "map.lifelines", [](Db& db) { return std::make_shared<const LifelineMatrix>(lifeline_matrix(db)); },
          [this](std::shared_ptr<const LifelineMatrix> m) { lifelines_ = std::move(m); });
  }

  void draw(Session& s) override {
    if (!error_.empty()) {
      ImGui::TextColored(to_vec4(colors::kRed), "%s", error_.c_str());
      return;
    }
    if (!map_) {
      ImGui::TextDisabled("%s", T("common.loading"));
      return;
    }
    // A map none of whose areas is this city's (the demo city's on a fresh real node) is not
    // drawn: its streets would pass for the city's own.
    if (!s.master->areas.empty() || !s.exercise) {
      bool ours = false;
      for (const AreaShape& a : map_->areas)
        for (const Area& known : s.master->areas) ours |= known.id == a.area_id;
      if (!ours) {
        ImGui::TextWrapped("%s", T("map.not_this_city"));
        return;
      }
    }
    ImGui::TextUnformatted(T("map.color_by"));
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    std::string all = T("map.all_lifelines");
    if (ImGui::BeginCombo("##type", type_.empty() ? all.c_str() : label(enums::lifeline_type, type_))) {
      if (ImGui::Selectable(all.c_str(), type_.empty())) type_.clear();
      for (const Label& l : enums::lifeline_type.values)
        if (ImGui::Selectable(std::string(l.text(ui_lang())).c_str(), type_ == l.code)) type_ = std::string(l.code);
      ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::Checkbox(T("map.show_incidents"), &show_incidents_);
    ImGui::SameLine();
    if (ImGui::SmallButton(T("map.reset_view"))) fitted_ = false;
    ImGui::SameLine();
    ImGui::TextDisabled("%s", T("map.hint"));

    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const ImVec2 size = ImGui::GetContentRegionAvail();
    if (size.x < 50 || size.y < 50) return;
    ImGui::InvisibleButton("canvas", size, ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->PushClipRect(origin, ImVec2(origin.x + size.x, origin.y + size.y), true);
    dl->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), IM_COL32(20, 40, 60, 255));

    const double k = std::cos((map_->min_lat + map_->max_lat) / 2 * M_PI / 180.0);
    if (!fitted_) {
      // The areas fit beside the legend (bottom left), which used to cover 大野 and its name.
      const float free_w = std::max(size.x * 0.5f, size.x - legend_w_);
      const double w = (map_->max_lon - map_->min_lon) * k, h = map_->max_lat - map_->min_lat;
      scale_ = std::min(free_w / std::max(w, 1e-9), size.y / std::max(h, 1e-9)) * 0.92;
      center_lon_ = (map_->min_lon + map_->max_lon) / 2 - (size.x - free_w) / 2 / (k * scale_);
      center_lat_ = (map_->min_lat + map_->max_lat) / 2;
      fitted_ = legend_w_ > 0;  // once the legend's width is known (after its first frame)
    }
    auto to_screen = [&](double lon, double lat) {
      return ImVec2(origin.x + size.x / 2 + static_cast<float>((lon - center_lon_) * k * scale_),
                    origin.y + size.y / 2 - static_cast<float>((lat - center_lat_) * scale_));
    };
    // Pan and zoom (around the mouse).
    if (hovered && ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
      const ImVec2 d = ImGui::GetIO().MouseDelta;
      center_lon_ -= d.x / (k * scale_);
      center_lat_ += d.y / scale_;
    }
    if (hovered && ImGui::GetIO().MouseWheel != 0) {
      const ImVec2 m = ImGui::GetIO().MousePos;
      const double mlon = center_lon_ + (m.x - origin.x - size.x / 2) / (k * scale_);
      const double mlat = center_lat_ - (m.y - origin.y - size.y / 2) / scale_;
      const double f = ImGui::GetIO().MouseWheel > 0 ? 1.25 : 0.8;
      scale_ *= f;
      center_lon_ = mlon - (mlon - center_lon_) / f;
      center_lat_ = mlat - (mlat - center_lat_) / f;
    }

    // The area under the mouse (for its tooltip), in map coordinates.
    const ImVec2 mouse_at = ImGui::GetIO().MousePos;
    const LonLat mouse_ll{center_lon_ + (mouse_at.x - origin.x - size.x / 2) / (k * scale_),
                          center_lat_ - (mouse_at.y - origin.y - size.y / 2) / scale_};
    const AreaShape* hovered_area = nullptr;
    struct AreaPoint {
      ImVec2 at;
      int placed, count;  // its incidents without coordinates: drawn so far, in all
    };
    std::map<std::string, AreaPoint, std::less<>> area_points;  // label points on screen
    for (const AreaShape& a : map_->areas) {
      if (hovered)
        for (const auto& ring : a.rings)
          if (ring_contains(ring, mouse_ll)) hovered_area = &a;
      const ImU32 fill = (area_color(a.area_id) & 0x00FFFFFF) | 0xA0000000;
      const bool mine = s.in_my_areas(a.area_id);
      for (const auto& ring : a.rings) {
        std::vector<ImVec2> pts;
        pts.reserve(ring.size());
        for (const LonLat& p : ring) pts.push_back(to_screen(p.lon, p.lat));
        const std::vector<ImVec2> tris = triangulate(pts);
        // Without anti-aliased fill: each triangle's fringe would overlap its neighbour's and
        // draw the triangulation as faint seams across the translucent area.
        const ImDrawListFlags flags = dl->Flags;
        dl->Flags &= ~ImDrawListFlags_AntiAliasedFill;
        for (size_t i = 0; i + 2 < tris.size(); i += 3) dl->AddTriangleFilled(tris[i], tris[i + 1], tris[i + 2], fill);
        dl->Flags = flags;
        dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), mine ? IM_COL32(255, 255, 255, 200) : IM_COL32(160, 160, 160, 120),
                        ImDrawFlags_Closed, mine ? 2.0f : 1.0f);
      }
      if (const std::optional<LonLat> at = label_point(a)) {
        // The database's name for the area, else the map's own (before the areas have synced).
        std::string name = s.master->area_name(a.area_id);
        if (name == a.area_id && !a.name.empty()) name = a.name;
        const ImVec2 c = to_screen(at->lon, at->lat);
        const ImVec2 ts = ImGui::CalcTextSize(name.c_str());
        dl->AddText(ImVec2(c.x - ts.x / 2, c.y - ts.y / 2), IM_COL32_WHITE, name.c_str());
        area_points[a.area_id] = {ImVec2(c.x, c.y + ts.y / 2 + 9), 0, 0};  // where its ◯ go
      }
    }

    // Incident markers (the incidents panel's filter applies), urgent ones on top.
    const IncidentRow* hovered_incident = nullptr;
    if (show_incidents_) {
      const auto rows = s.incidents;
      const ImVec2 mouse = ImGui::GetIO().MousePos;
      // No coordinates (a phone call names the area, not a point): a ring around the area's
      // name, hollow so it is not read as a place. Neither coordinates nor a mapped area: said
      // on the map, not silently left out.
      std::size_t unplaced = 0, by_area = 0;
      for (const IncidentRowPtr& r : *rows)
        if (!r->lat || !r->lon)
          if (auto a = area_points.find(r->area_id); a != area_points.end()) ++a->second.count;
      for (int pass = 4; pass >= 0; --pass)
        for (const IncidentRowPtr& r : *rows) {
          if (r->priority_rank != pass) continue;
          const bool exact = r->lat && r->lon;
          auto area = exact ? area_points.end() : area_points.find(r->area_id);
          if (!exact && area == area_points.end()) {
            ++unplaced;
            continue;
          }
          ImVec2 p;
          if (exact) {
            p = to_screen(*r->lon, *r->lat);
          } else {
            // In rows of six, centred under the area's name, clear of its text.
            AreaPoint& ap = area->second;
            const int nth = ap.placed++, in_row = std::min(6, ap.count - nth / 6 * 6);
            p = ImVec2(ap.at.x + (static_cast<float>(nth % 6) - static_cast<float>(in_row - 1) / 2) * 13.0f,
                       ap.at.y + 13.0f * static_cast<float>(nth / 6));
            ++by_area;
          }
          const float rad = pass == 0 ? 6.0f : 4.5f;
          if (exact) {
            dl->AddCircleFilled(p, rad, priority_color(r->priority));
            dl->AddCircle(p, rad, IM_COL32(0, 0, 0, 200));
          } else {
            dl->AddCircleFilled(p, rad, IM_COL32(0, 0, 0, 150));
            dl->AddCircle(p, rad, priority_color(r->priority), 0, 2.5f);
          }
          const float dx = mouse.x - p.x, dy = mouse.y - p.y;
          if (hovered && dx * dx + dy * dy <= (rad + 2) * (rad + 2)) hovered_incident = r.get();
        }
      by_area_shown_ = by_area > 0;
      std::string note;
      if (by_area > 0) note = std::to_string(by_area) + " " + T("map.by_area");
      if (unplaced > 0)
        note += (note.empty() ? "" : "  ") + std::to_string(unplaced) + " " +
                T(unplaced == 1 ? "map.unplaced_one" : "map.unplaced");
      if (!note.empty()) {
        const ImVec2 at(origin.x + 8, origin.y + 8), text = ImGui::CalcTextSize(note.c_str());
        dl->AddRectFilled(ImVec2(at.x - 4, at.y - 2), ImVec2(at.x + text.x + 4, at.y + text.y + 2),
                          IM_COL32(255, 255, 255, 220), 3.0f);
        dl->AddText(at, IM_COL32(60, 60, 60, 255), note.c_str());
      }
    }
    legend(dl, origin, size, by_area_shown_);
    dl->PopClipRect();
    if (hovered_incident) {
      ImGui::BeginTooltip();
      if (hovered_incident->priority.empty())
        ImGui::TextUnformatted(hovered_incident->title.c_str());
      else
        ImGui::Text("[%s] %s", label(enums::priority, hovered_incident->priority), hovered_incident->title.c_str());
      ImGui::Text("%s  %s", hhmm(hovered_incident->received_at, s.now).c_str(), hovered_incident->place.c_str());
      ImGui::TextDisabled("%s", T("map.click_to_open"));
      ImGui::EndTooltip();
      if (ImGui::IsMouseReleased(ImGuiMouseButton_Left) && ImGui::GetIO().MouseDragMaxDistanceSqr[0] < 16) {
        s.selection.incident_id = hovered_incident->id;
        s.selection.focus_panel = "incidents";
      }
    } else if (hovered_area && !ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
      area_tooltip(s, hovered_area->area_id);
    }
  }

  // The colour says the worst status only; the tooltip says every lifeline's status, how many
  // it affects and as of when, so 30 households 一部支障 and 3,000 復旧作業中 can be told apart.
  void area_tooltip(const Session& s, const std::string& area) const {
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(s.master->area_name(area).c_str());
    if (lifelines_ && ImGui::BeginTable("area_lifelines", 4, ImGuiTableFlags_SizingFixedFit)) {
      for (const std::string& t : lifelines_->types) {
        if (!type_.empty() && t != type_) continue;
        const LifelineStatus* c = lifelines_->cell(area, t);
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(label(enums::lifeline_type, t));
        ImGui::TableNextColumn();
        if (!c) {
          ImGui::TextDisabled("%s", T("common.unknown"));
          continue;
        }
        ImGui::TextColored(to_vec4(lifeline_color(c->status)), "%s", label(enums::lifeline_status, c->status));
        ImGui::TableNextColumn();
        if (c->affected.known())
          ImGui::TextUnformatted(lifeline_affected_text(t, c->affected.value(), ui_lang()).c_str());
        else
          ImGui::TextDisabled("%s", T("common.unknown"));
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", stamp(c->as_of ? std::optional<TimeMs>(c->as_of->ms) : std::nullopt).c_str());
      }
      ImGui::EndTable();
    }
    ImGui::EndTooltip();
  }

 private:
  // What the colours mean, bottom left on the map: the areas' (the worst lifeline status
  // shown) and, when shown, the incident markers' (priority, the same four colours).
  void legend(ImDrawList* dl, ImVec2 origin, ImVec2 size, bool by_area_markers) {
    struct Row {
      ImU32 color;
      std::string text;
      bool hollow = false;
    };
    std::vector<Row> areas, markers;
    for (const char* status : {"disrupted", "partial", "restoring", "collecting"})
      areas.push_back({lifeline_color(status), label_s(enums::lifeline_status, status)});
    areas.push_back({lifeline_color("no_damage"), label_s(enums::lifeline_status, "no_damage") +
                                                      (ui_lang() == Lang::Ja ? "・" : " / ") +
                                                      label_s(enums::lifeline_status, "restored")});
    areas.push_back({lifeline_color("unknown"), T("map.legend_unknown")});
    if (show_incidents_)
      for (const char* p : {"life", "high", "medium", "low"}) markers.push_back({priority_color(p), label_s(enums::priority, p)});
    if (show_incidents_ && by_area_markers) markers.push_back({IM_COL32(200, 200, 200, 255), T("map.legend_by_area"), true});
    const float line = ImGui::GetTextLineHeight(), pad = 6, swatch = line * 0.8f;
    const std::string areas_title = T("map.legend_areas"), markers_title = T("map.legend_incidents");
    float w = ImGui::CalcTextSize(areas_title.c_str()).x;
    if (!markers.empty()) w = std::max(w, ImGui::CalcTextSize(markers_title.c_str()).x);
    for (const auto* group : {&areas, &markers})
      for (const Row& r : *group) w = std::max(w, swatch + pad + ImGui::CalcTextSize(r.text.c_str()).x);
    const float h = line * static_cast<float>(1 + areas.size() + (markers.empty() ? 0 : 1 + markers.size()));
    ImVec2 at(origin.x + 8 + pad, origin.y + size.y - 8 - pad - h);
    legend_w_ = 8 + 2 * pad + w + 8;
    dl->AddRectFilled(ImVec2(at.x - pad, at.y - pad), ImVec2(at.x + w + pad, at.y + h + pad), IM_COL32(10, 20, 30, 210), 4.0f);
    auto group = [&](const std::string& title, const std::vector<Row>& rows, bool circles) {
      if (rows.empty()) return;
      dl->AddText(at, IM_COL32(200, 200, 200, 255), title.c_str());
      at.y += line;
      for (const Row& r : rows) {
        const ImVec2 c(at.x + swatch / 2, at.y + line / 2);
        if (circles && r.hollow)
          dl->AddCircle(c, swatch / 2 - 1, r.color, 0, 2.0f);
        else if (circles)
          dl->AddCircleFilled(c, swatch / 2, r.color);
        else  // as the areas are filled: translucent
          dl->AddRectFilled(ImVec2(at.x, c.y - swatch / 2), ImVec2(at.x + swatch, c.y + swatch / 2),
                            (r.color & 0x00FFFFFF) | 0xA0000000);
        dl->AddText(ImVec2(at.x + swatch + pad, at.y), IM_COL32_WHITE, r.text.c_str());
        at.y += line;
      }
    };
    group(areas_title, areas, false);
    group(markers_title, markers, true);
  }

  void load_map(Session& s) {
    loaded_ = true;
    std::string path = s.assets_dir + "/map/minato-demo.geojson";
    if (const char* env = std::getenv("HONBU_MAP"); env && *env) path = env;
    try {
      map_ = std::make_shared<AreaMap>(load_area_map(path));
    } catch (const std::exception& e) {
      error_ = std::string(T("map.load_error")) + ": " + e.what();
    }
  }

  ImU32 area_color(const std::string& area) const {
    if (!lifelines_) return colors::kGrey;
    int worst = -1;
    std::string status;
    for (const std::string& t : lifelines_->types) {
      if (!type_.empty() && t != type_) continue;
      const LifelineStatus* c = lifelines_->cell(area, t);
      const std::string st = c ? c->status : std::string();
      const int sev = lifeline_severity(st.empty() ? "unknown" : st);  // not reported: 不明, never 被害なし
      if (sev > worst) {
        worst = sev;
        status = st;
      }
    }
    return lifeline_color(status);
  }

  std::shared_ptr<AreaMap> map_;
  std::shared_ptr<const LifelineMatrix> lifelines_;
  std::string error_, type_;
  bool loaded_ = false, fitted_ = false, show_incidents_ = true, by_area_shown_ = false;
  float legend_w_ = 0;  // the legend's width with its margins, from the last frame
  double scale_ = 1, center_lon_ = 0, center_lat_ = 0;
};

}  // namespace

std::unique_ptr<Panel> make_map_panel() { return std::make_unique<MapPanel>(); }

}  // namespace honbu::console
