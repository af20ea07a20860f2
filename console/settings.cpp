#include "console/settings.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace honbu::console {

Settings Settings::load(const std::string& path) {
  Settings s;
  std::ifstream f(path);
  if (!f) return s;
  try {
    const auto j = nlohmann::json::parse(f);
    if (j.contains("lang")) s.lang = j["lang"] == "en" ? Lang::En : Lang::Ja;
    if (j.contains("open_panels") && j["open_panels"].is_object())
      for (auto it = j["open_panels"].begin(); it != j["open_panels"].end(); ++it)
        if (it.value().is_boolean()) s.open_panels[it.key()] = it.value();
    if (j.contains("values") && j["values"].is_object())
      for (auto it = j["values"].begin(); it != j["values"].end(); ++it)
        if (it.value().is_string()) s.values[it.key()] = it.value();
    s.wareki = j.value("wareki", false);
    s.font_size = j.value("font_size", 18.0f);
    if (j.contains("one_panel") && j["one_panel"].is_boolean()) s.one_panel = j["one_panel"].get<bool>();
    if (s.font_size < 10 || s.font_size > 40) s.font_size = 18.0f;
  } catch (const nlohmann::json::exception&) {
    // A damaged settings file is not worth stopping for: defaults.
  }
  return s;
}

void Settings::save(const std::string& path) const {
  nlohmann::json j;
  if (lang) j["lang"] = *lang == Lang::En ? "en" : "ja";
  j["open_panels"] = open_panels;
  j["values"] = values;
  j["wareki"] = wareki;
  j["font_size"] = font_size;
  if (one_panel) j["one_panel"] = *one_panel;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << j.dump(2);
    if (!f) return;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
}

}  // namespace honbu::console
