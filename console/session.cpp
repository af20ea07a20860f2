#include "console/session.hpp"

#include <algorithm>
#include <chrono>

#include "console/strings.hpp"

namespace honbu::console {

void Session::note_clock() {
  if (now == wall) return;  // the wall clock itself: nothing to map
  if (!clock_samples.empty() && wall - clock_samples.back().first < 500) return;
  clock_samples.emplace_back(wall, now);
  while (clock_samples.size() > 7200) clock_samples.pop_front();
}

TimeMs Session::situation_at(TimeMs wall_ms) const {
  if (clock_samples.empty()) return now - (wall - wall_ms);
  if (wall_ms >= clock_samples.back().first) return now;  // within the last half second
  const auto& first = clock_samples.front();
  if (wall_ms <= first.first) return first.second - (first.first - wall_ms);
  // The two samples around it, and the drill's time between them in proportion.
  auto after = std::lower_bound(clock_samples.begin(), clock_samples.end(), wall_ms,
                                [](const auto& sample, TimeMs w) { return sample.first < w; });
  const auto& b = *after;
  const auto& a = *(after - 1);
  const double f = static_cast<double>(wall_ms - a.first) / static_cast<double>(std::max<TimeMs>(1, b.first - a.first));
  return a.second + static_cast<TimeMs>(f * static_cast<double>(b.second - a.second));
}

std::string MasterData::area_name(std::string_view id) const {
  for (const Area& a : areas)
    if (a.id == id) return a.name.empty() ? a.id : a.name;
  return std::string(id);
}

std::string branch_display_name(const Branch& b) {
  if (ui_lang() == Lang::En && !b.name_en.empty()) return b.name_en;
  return b.name.empty() ? b.id : b.name;
}

std::string MasterData::branch_name(std::string_view id) const {
  for (const Branch& b : branches)
    if (b.id == id) return branch_display_name(b);
  return std::string(id);
}

std::string MasterData::node_name(std::string_view node_id) const {
  for (const Branch& b : branches)
    if (!b.node_id.empty() && b.node_id == node_id) return branch_display_name(b) + " (" + std::string(node_id) + ")";
  return std::string(node_id);
}

std::string MasterData::shelter_name(std::string_view id) const {
  for (const Shelter& s : shelters)
    if (s.id == id) return s.name.empty() ? s.id : s.name;
  return std::string(id);
}

bool Session::in_my_areas(const std::string& area) const {
  return areas.empty() || std::find(areas.begin(), areas.end(), area) != areas.end();
}

void Commands::submit(std::string what, std::function<LocalResult(Store&)> fn,
                      std::function<void(const LocalResult&)> done) {
  Pending p;
  p.what = std::move(what);
  if (read_only_) {
    // A replay shows the past: nothing is written (and nothing typed is pretended saved).
    std::promise<LocalResult> refused;
    LocalResult r;
    r.problems.push_back({"", "read_only", "再生中は記録できません(閲覧のみ)", "a replay is view only: nothing is saved"});
    refused.set_value(std::move(r));
    p.local = refused.get_future();
    p.local_done = std::move(done);
    pending_.push_back(std::move(p));
    return;
  }
  p.local = agent_->run([fn = std::move(fn)](Store& s) {
    try {
      return fn(s);
    } catch (const std::exception& e) {
      LocalResult r;
      r.problems.push_back({"", "error", std::string("保存できませんでした: ") + e.what(),
                            std::string("could not save: ") + e.what()});
      return r;
    }
  });
  p.local_done = std::move(done);
  pending_.push_back(std::move(p));
}

void Commands::run(std::string what, std::function<std::string(Store&)> fn, std::function<void(const std::string&)> done) {
  Pending p;
  p.what = std::move(what);
  p.other = agent_->run([fn = std::move(fn)](Store& s) {
    try {
      return fn(s);
    } catch (const std::exception& e) {
      return std::string("error: ") + e.what();
    }
  });
  p.other_done = std::move(done);
  pending_.push_back(std::move(p));
}

void Commands::notice(std::string text, bool error) {
  notices_.push_back({std::move(text), error, wall_now_ms()});
  if (notices_.size() > 50) notices_.erase(notices_.begin());
}

void Commands::poll() {
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto ready = [](auto& f) { return f.valid() && f.wait_for(std::chrono::seconds(0)) == std::future_status::ready; };
    if (ready(it->local)) {
      const LocalResult r = it->local.get();
      if (r.ok)
        notice(it->what + ": " + T("notice.saved"), false);
      else
        notice(it->what + ": " + describe(r.problems, ui_lang()), true);
      if (it->local_done) it->local_done(r);
      it = pending_.erase(it);
    } else if (ready(it->other)) {
      const std::string r = it->other.get();
      notice(it->what + ": " + r, r.rfind("error", 0) == 0);
      if (it->other_done) it->other_done(r);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace honbu::console
