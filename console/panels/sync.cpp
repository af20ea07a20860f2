// 同期 Sync: every peer with its state, last heard, lag and ops in flight, refused ops and
// why; concurrent edits to review; link control (drills, tests); bundles for a USB stick.
#include <imgui.h>
#include <imgui_stdlib.h>

#include "console/panel.hpp"
#include "console/panels/factories.hpp"
#include "console/strings.hpp"
#include "console/widgets.hpp"
#include "model/queries.hpp"
#include "sync/bundle.hpp"

namespace honbu::console {

namespace {

class SyncPanel : public Panel {
 public:
  std::string_view id() const override { return "sync"; }
  std::string_view title_key() const override { return "panel.sync"; }
  bool for_role(const Session& s) const override { return s.replay == nullptr; }  // a replay has no links

  void on_changes(Session& s, const ChangeSet&) override {
    s.reader->request<std::shared_ptr<const std::vector<ConflictRow>>>(
        "conflicts", [](Db& db) { return std::make_shared<const std::vector<ConflictRow>>(list_conflicts(db, true)); },
        [this](std::shared_ptr<const std::vector<ConflictRow>> c) { conflicts_ = std::move(c); });
  }

  void draw(Session& s) override {
    const sync::AgentStatus& st = s.status;
    ImGui::Text("%s %s  %s %s  %s %s", T("sync.node"), st.node_id.c_str(), T("sync.dataset"), st.dataset.c_str(),
                T("sync.listen"), st.listen_endpoint.empty() ? "-" : st.listen_endpoint.c_str());
    ImGui::Text("%s %llu  %s %llu  %s %llu  %s %llu", T("sync.received"), static_cast<unsigned long long>(st.ops_received),
                T("sync.sent"), static_cast<unsigned long long>(st.ops_sent), T("sync.refused"),
                static_cast<unsigned long long>(st.refused), T("sync.malformed"), static_cast<unsigned long long>(st.malformed));
    peers(s);
    ImGui::Separator();
    if (ImGui::CollapsingHeader((std::string(T("sync.conflicts")) + " (" + std::to_string(conflicts_ ? conflicts_->size() : 0) +
                                 ")###conflicts").c_str(),
                                ImGuiTreeNodeFlags_DefaultOpen))
      conflicts(s);
    if (ImGui::CollapsingHeader(T("sync.bundles"))) bundles(s);
  }

 private:
  void peers(Session& s) {
    if (!ImGui::BeginTable("peers", 8, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_Resizable))
      return;
    ImGui::TableSetupColumn(T("sync.c_peer"), ImGuiTableColumnFlags_WidthStretch, 2.0f);  // "北部支所 (kita)"
    ImGui::TableSetupColumn(T("sync.c_state"));
    ImGui::TableSetupColumn(T("sync.c_last_heard"));
    ImGui::TableSetupColumn(T("sync.c_they_lack"));
    ImGui::TableSetupColumn(T("sync.c_we_lack"));
    ImGui::TableSetupColumn(T("sync.c_in_flight"));
    ImGui::TableSetupColumn(T("sync.c_refused"), ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn(T("sync.c_link"));
    ImGui::TableHeadersRow();
    for (const sync::PeerStatus& p : s.status.peers) {
      ImGui::TableNextRow();
      ImGui::PushID(p.node_id.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.master->node_name(p.node_id).c_str());
      if (!p.endpoint.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", p.endpoint.c_str());
      ImGui::TableNextColumn();
      const ImU32 c = p.state == sync::PeerState::Live      ? colors::kGreen
                      : p.state == sync::PeerState::Syncing ? colors::kBlue
                      : p.state == sync::PeerState::Lost    ? colors::kRed
                                                            : colors::kGrey;
      const std::string key = "sync.state_" + std::string(sync::peer_state_name(p.state));
      ImGui::TextColored(to_vec4(c), "%s%s", T(key), p.partitioned ? T("sync.cut_mark") : "");
      ImGui::TableNextColumn();
      age_text(p.last_heard, s.wall, 1);
      ImGui::TableNextColumn();
      ImGui::Text("%llu", static_cast<unsigned long long>(p.they_lack));
      ImGui::TableNextColumn();
      ImGui::Text("%llu", static_cast<unsigned long long>(p.we_lack));
      ImGui::TableNextColumn();
      ImGui::Text("%llu", static_cast<unsigned long long>(p.in_flight));
      ImGui::TableNextColumn();
      if (p.refused) ImGui::TextColored(to_vec4(colors::kOrange), "%llu  %s", static_cast<unsigned long long>(p.refused), p.last_refusal.c_str());
      if (p.refused_by_them)  // ours, which that peer will never hold
        ImGui::TextColored(to_vec4(colors::kRed), "%s %llu  %s", T("sync.refused_by_them"),
                           static_cast<unsigned long long>(p.refused_by_them), p.last_refused_by_them.c_str());
      ImGui::TableNextColumn();
      // Link control: drop all traffic with this peer (drills, tests), for a while or until healed.
      if (p.partitioned) {
        if (ImGui::SmallButton(T("sync.heal"))) s.agent->heal(p.node_id);
      } else {
        if (ImGui::SmallButton(T("sync.cut"))) s.agent->partition(p.node_id, std::nullopt);
        ImGui::SameLine();
        if (ImGui::SmallButton(T("sync.cut_60"))) s.agent->partition(p.node_id, std::chrono::seconds(60));
      }
      ImGui::PopID();
    }
    ImGui::EndTable();
    if (s.status.peers.empty()) ImGui::TextDisabled("%s", T("sync.no_peers"));
  }

  void conflicts(Session& s) {
    if (!conflicts_ || conflicts_->empty()) {
      ImGui::TextDisabled("%s", T("sync.no_conflicts"));
      return;
    }
    ImGui::TextWrapped("%s", T("sync.conflicts_help"));
    if (!ImGui::BeginTable("conf", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY,
                           ImVec2(0, ImGui::GetFontSize() * 12)))
      return;
    ImGui::TableSetupColumn(T("sync.c_what"));
    ImGui::TableSetupColumn(T("sync.c_field"));
    ImGui::TableSetupColumn(T("sync.c_kept"));
    ImGui::TableSetupColumn(T("sync.c_lost_value"));
    ImGui::TableSetupColumn(T("sync.c_when"));
    ImGui::TableHeadersRow();
    for (const ConflictRow& c : *conflicts_) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%s %s", std::string(spec(c.kind).label(ui_lang())).c_str(), c.entity_id.substr(0, 10).c_str());
      if (c.kind == EntityKind::Incident && ImGui::IsItemClicked()) {
        s.selection.incident_id = c.entity_id;
        s.selection.focus_panel = "incidents";
      }
      ImGui::TableNextColumn();
      const FieldSpec* f = spec(c.kind).field(c.field);
      ImGui::TextUnformatted(f ? std::string(f->label(ui_lang())).c_str() : c.field.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%s (%s)", T("sync.winner"), c.winner.origin.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%s (%s)", value_string(c.loser_value).c_str(), c.loser.origin.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(hhmm(c.detected_at, s.now).c_str());
    }
    ImGui::EndTable();
  }

  void bundles(Session& s) {
    ImGui::TextWrapped("%s", T("sync.bundles_help"));
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::InputTextWithHint("##for", T("sync.bundle_for"), &for_peer_);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 20);
    ImGui::InputTextWithHint("##out", T("sync.bundle_path"), &export_path_);
    ImGui::SameLine();
    ImGui::BeginDisabled(for_peer_.empty() || export_path_.empty());
    if (ImGui::Button(T("sync.export"))) {
      const std::string peer = for_peer_, path = export_path_, keys = s.keys_path;
      s.commands->run(T("sync.export"),
                      [peer, path, keys](Store& st) {
                        const sync::NodeKeys k = sync::load_secret_keys(keys);
                        VersionVector since;
                        if (auto rec = st.peer(peer)) since = rec->vector;
                        const sync::BundleHeader h = sync::write_bundle(st, k, peer, since, path);
                        return std::to_string(h.op_count) + " ops -> " + path;
                      },
                      [this](const std::string& r) { last_result_ = r; });
    }
    ImGui::EndDisabled();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 28.6f);
    ImGui::InputTextWithHint("##in", T("sync.bundle_path"), &import_path_);
    ImGui::SameLine();
    ImGui::BeginDisabled(import_path_.empty());
    if (ImGui::Button(T("sync.import"))) {
      const std::string path = import_path_, allow = s.allowlist_path;
      s.commands->run(T("sync.import"),
                      [path, allow](Store& st) {
                        const sync::ImportResult r = sync::import_bundle(st, sync::AllowList::load(allow), path);
                        return std::to_string(r.report.applied) + " applied, " + std::to_string(r.report.duplicates) +
                               " already here (" + r.header.from_node + ")" + r.refused_text();
                      },
                      [this](const std::string& r) { last_result_ = r; });
    }
    ImGui::EndDisabled();
    if (!last_result_.empty()) ImGui::TextWrapped("%s", last_result_.c_str());
  }

  std::shared_ptr<const std::vector<ConflictRow>> conflicts_;
  std::string for_peer_, export_path_, import_path_, last_result_;
};

}  // namespace

std::unique_ptr<Panel> make_sync_panel() { return std::make_unique<SyncPanel>(); }

}  // namespace honbu::console
