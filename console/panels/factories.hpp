// One factory per panel (each defined in its own file; panels.cpp lists them in order).
#pragma once

#include <memory>

#include "console/panel.hpp"

namespace honbu::console {

std::unique_ptr<Panel> make_dashboard_panel();
std::unique_ptr<Panel> make_incidents_panel();
std::unique_ptr<Panel> make_map_panel();
std::unique_ptr<Panel> make_lifelines_panel();
std::unique_ptr<Panel> make_reports_panel();
std::unique_ptr<Panel> make_shelters_panel();
std::unique_ptr<Panel> make_evacuation_panel();
std::unique_ptr<Panel> make_requests_panel();
std::unique_ptr<Panel> make_chronology_panel();
std::unique_ptr<Panel> make_publish_panel();
std::unique_ptr<Panel> make_sync_panel();
std::unique_ptr<Panel> make_drill_panel();
std::unique_ptr<Panel> make_messages_panel();
std::unique_ptr<Panel> make_replay_panel();

}  // namespace honbu::console
