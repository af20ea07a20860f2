// [SECTION] UI strings by key, from assets/i18n/{ja,en}.json (switchable at run time).
// Domain labels (enumerations, field names) come from the model instead (labels.hpp).
// Thread-safety: UI thread only.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "model/labels.hpp"

namespace honbu::console {

class Strings {
 public:
  // Loads both tables from <assets>/i18n/. Throws Error naming the file on a bad table.
  void load(const std::string& assets_dir);
  void load_table(Lang lang, std::string_view json_text, const std::string& source);
  void set_lang(Lang lang) { lang_ = lang; }
  Lang lang() const { return lang_; }
  // The text for `key` in the current language; the key itself if missing (visible, not blank).
  const char* tr(std::string_view key) const;
  const std::map<std::string, std::string, std::less<>>& table(Lang lang) const {
    return lang == Lang::Ja ? ja_ : en_;
  }

 private:
  Lang lang_ = Lang::Ja;
  std::map<std::string, std::string, std::less<>> ja_, en_;
  mutable std::map<std::string, std::string, std::less<>> missing_;  // keeps returned keys alive
};

Strings& strings();  // the program's one table
inline const char* T(std::string_view key) { return strings().tr(key); }
inline Lang ui_lang() { return strings().lang(); }

}  // namespace honbu::console
