#include "console/strings.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "model/errors.hpp"

namespace honbu::console {

Strings& strings() {
  static Strings s;
  return s;
}

void Strings::load_table(Lang lang, std::string_view text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(source + ": not JSON (byte " + std::to_string(e.byte) + ")");
  }
  if (!j.is_object()) throw Error(source + ": expected an object of \"key\": \"text\"");
  auto& table = lang == Lang::Ja ? ja_ : en_;
  table.clear();
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string()) throw Error(source + ": \"" + it.key() + "\" must be text");
    table[it.key()] = it.value().get<std::string>();
  }
}

void Strings::load(const std::string& assets_dir) {
  for (Lang lang : {Lang::Ja, Lang::En}) {
    const std::string path = assets_dir + "/i18n/" + (lang == Lang::Ja ? "ja" : "en") + ".json";
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Error("cannot open string table " + path);
    const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    load_table(lang, text, path);
  }
}

const char* Strings::tr(std::string_view key) const {
  const auto& table = lang_ == Lang::Ja ? ja_ : en_;
  auto it = table.find(key);
  if (it != table.end()) return it->second.c_str();
  auto m = missing_.find(key);
  if (m == missing_.end()) m = missing_.emplace(std::string(key), std::string(key)).first;
  return m->second.c_str();
}

}  // namespace honbu::console
