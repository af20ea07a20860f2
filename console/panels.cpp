// The one list of panels, in menu order (Ctrl+1 ... Ctrl+9 follow it).
#include "console/panel.hpp"
#include "console/panels/factories.hpp"

namespace honbu::console {

std::vector<std::unique_ptr<Panel>> make_panels() {
  std::vector<std::unique_ptr<Panel>> v;
  // Drill sessions only (hidden otherwise): the trainer's control, the players' cards, replay.
  v.push_back(make_drill_panel());
  v.push_back(make_replay_panel());
  v.push_back(make_messages_panel());
  v.push_back(make_dashboard_panel());
  v.push_back(make_incidents_panel());
  v.push_back(make_map_panel());
  v.push_back(make_lifelines_panel());
  v.push_back(make_reports_panel());
  v.push_back(make_shelters_panel());
  v.push_back(make_evacuation_panel());
  v.push_back(make_requests_panel());
  v.push_back(make_chronology_panel());
  v.push_back(make_publish_panel());
  v.push_back(make_sync_panel());
  return v;
}

}  // namespace honbu::console
