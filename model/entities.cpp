#include "model/entities.hpp"

#include <cmath>

#include "model/form4.hpp"

namespace honbu {

std::string TriCount::display(Lang lang) const {
  if (!v_) return lang == Lang::Ja ? "未確認" : "unknown";
  return std::to_string(*v_);
}

namespace detail {

void from_value(const Value& v, std::string& out) {
  const std::string* s = as_text(v);
  out = s ? *s : std::string();
}
void from_value(const Value& v, std::int64_t& out) { out = as_int(v).value_or(0); }
void from_value(const Value& v, bool& out) { out = as_int(v).value_or(0) != 0; }
void from_value(const Value& v, std::optional<bool>& out) {
  auto i = as_int(v);
  out = i ? std::optional<bool>(*i != 0) : std::nullopt;
}
void from_value(const Value& v, std::optional<std::int64_t>& out) { out = as_int(v); }
void from_value(const Value& v, std::optional<double>& out) { out = as_real(v); }
void from_value(const Value& v, TriCount& out) {
  auto i = as_int(v);
  if (!i) {
    if (auto d = as_real(v)) i = static_cast<std::int64_t>(std::llround(*d));
  }
  out = i ? TriCount::of(*i) : TriCount::unknown();
}
void from_value(const Value& v, std::optional<Moment>& out) {
  const std::string* s = as_text(v);
  auto t = s ? parse_iso(*s) : std::nullopt;
  out = t ? std::optional<Moment>(Moment{*t}) : std::nullopt;
}

void add_extra_fields(const BranchReport& r, Fields& f, bool include_unset) {
  for (const Form4Field& ff : form4_fields()) {
    auto it = r.figures.find(ff.key);
    const Value v = it == r.figures.end() ? Value{} : it->second;
    if (include_unset || !is_null(v)) f.emplace(std::string(ff.key), v);
  }
  for (const Form4Text& t : form4_texts()) {
    auto it = r.texts.find(t.key);
    const Value v = it == r.texts.end() || it->second.empty() ? Value{} : Value{it->second};
    if (include_unset || !is_null(v)) f.emplace(std::string(t.key), v);
  }
}

void read_extra_fields(BranchReport& r, const Fields& f) {
  for (const Form4Field& ff : form4_fields()) {
    auto it = f.find(ff.key);
    r.figures[std::string(ff.key)] = it == f.end() ? Value{} : it->second;
  }
  for (const Form4Text& t : form4_texts()) {
    auto it = f.find(t.key);
    if (it != f.end())
      if (const std::string* s = as_text(it->second)) r.texts[std::string(t.key)] = *s;
  }
}

void add_extra_fields(const Shelter& s, Fields& f, bool include_unset) {
  for (const Label& g : enums::vulnerable_group.values) {
    auto it = s.vulnerable.find(g.code);
    const Value v = it == s.vulnerable.end() ? Value{} : to_value(it->second);
    if (include_unset || !is_null(v)) f.emplace("v_" + std::string(g.code), v);
  }
}

void read_extra_fields(Shelter& s, const Fields& f) {
  for (const Label& g : enums::vulnerable_group.values) {
    auto it = f.find("v_" + std::string(g.code));
    TriCount c;
    if (it != f.end()) from_value(it->second, c);
    s.vulnerable[std::string(g.code)] = c;
  }
}

void read_extra_fields(ShelterSupply& s, const Fields& f) {
  auto it = f.find("delivered");
  s.delivered = it == f.end() ? 0 : as_int(it->second).value_or(0);
}

}  // namespace detail
}  // namespace honbu
