#include "model/drill/apply.hpp"

#include <nlohmann/json.hpp>

#include "model/errors.hpp"
#include "model/json_fields.hpp"

namespace honbu::drill {

LocalResult write_inject(Store& s, InjectWrite w, std::string_view operator_name) {
  if (w.chronology_number) {
    w.fields["number"] = s.next_chronology_number();
    w.fields["node_label"] = s.node_id();
  }
  return s.put(w.kind, w.id, w.fields, operator_name);
}

std::string inject_write_json(const InjectWrite& w, std::string_view operator_name) {
  return nlohmann::json{{"kind", spec(w.kind).name},
                        {"id", w.id},
                        {"fields", fields_to_json(w.fields)},
                        {"operator", operator_name},
                        {"chronology_number", w.chronology_number}}
      .dump();
}

InjectWrite inject_write_from_json(std::string_view text, std::string* operator_name) {
  try {
    const auto j = nlohmann::json::parse(text.begin(), text.end());
    InjectWrite w;
    auto k = kind_from_name(j.at("kind").get<std::string>());
    if (!k) throw Error("inject: unknown kind " + j.at("kind").get<std::string>());
    w.kind = *k;
    w.id = j.at("id").get<std::string>();
    w.fields = fields_from_json(j.at("fields"));
    w.chronology_number = j.value("chronology_number", false);
    if (operator_name) *operator_name = j.value("operator", std::string("drill"));
    return w;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("inject: malformed request: ") + e.what());
  }
}

}  // namespace honbu::drill
