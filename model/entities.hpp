// [SECTION] Domain types (domain.md §1–§3) and their conversion to and from op fields.
// Each type lists its fields once, in visit(); to_fields/from_fields/changed_fields use it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "model/labels.hpp"
#include "model/schema.hpp"
#include "model/time.hpp"
#include "model/value.hpp"

namespace honbu {

// A count as the 第4号様式 knows it: a number, zero, or 未確認 (never reported).
// Unknown is never zero: there is no implicit conversion to a number.
class TriCount {
 public:
  TriCount() = default;  // 未確認
  static TriCount unknown() { return TriCount(); }
  static TriCount of(std::int64_t n) {
    TriCount c;
    c.v_ = n;
    return c;
  }
  bool known() const { return v_.has_value(); }
  std::int64_t value() const { return *v_; }  // only when known()
  std::int64_t value_or(std::int64_t fallback) const { return v_.value_or(fallback); }
  std::string display(Lang lang) const;  // "12" or "未確認" / "unknown"
  bool operator==(const TriCount&) const = default;

 private:
  std::optional<std::int64_t> v_;
};

// A point in time (absent = not set). Stored as ISO-8601 +09:00 text.
struct Moment {
  TimeMs ms = 0;
  auto operator<=>(const Moment&) const = default;
};

struct Area {
  static constexpr EntityKind kKind = EntityKind::Area;
  std::string id, name, kana, branch_id, municipality_code;
  TriCount households, population;
  std::optional<double> lat, lon;
  template <class S, class V>
  static void visit(S& x, V&& v) {
    v("name", x.name), v("kana", x.kana), v("branch_id", x.branch_id);
    v("municipality_code", x.municipality_code), v("households", x.households);
    v("population", x.population), v("lat", x.lat), v("lon", x.lon);
  }
};

struct Branch {
  static constexpr EntityKind kKind = EntityKind::Branch;
  std::string id, name, name_en, branch_kind, node_id, phone;
  std::optional<std::int64_t> stale_after_min;
  template <class S, class V>
  static void visit(S& x, V&& v) {
    v("name", x.name), v("name_en", x.name_en), v("branch_kind", x.branch_kind);
    v("node_id", x.node_id), v("stale_after_min", x.stale_after_min), v("phone", x.phone);
  }
};

struct HqState {
  static constexpr EntityKind kKind = EntityKind::HqState;
  std::string id{kHqStateId}, state, activation_level, disaster_name, prefecture, municipality,
      municipality_code, note;
  std::optional<Moment> established_at, dissolved_at, occurred_at;
  template <class S, class V>
  static void visit(S& x, V&& v) {
    v("state", x.state), v("activation_level", x.activation_level);
    v("established_at", x.established_at), v("dissolved_at", x.dissolved_at);
    v("disaster_name", x.disaster_name), v("occurred_at", x.occurred_at);
    v("prefecture", x.prefecture), v("municipality", x.municipality);
    v("municipality_code", x.municipality_code), v("note", x.note);
  }
};

struct Incident {
  static constexpr EntityKind kKind = EntityKind::Incident;
  std::string id, title, description, category, place, area_id, channel, reporter, verification,
      priority, status, team, duplicate_of;
  std::optional<double> lat, lon;
  std::optional<Moment> received_at;
  TriCount dead, injured, trapped;
  template <class S, class V>
  static void visit(S& x, V&& v) {
    v("title", x.title), v("description", x.description), v("category", x.category);
    v("place", x.place), v("area_id", x.area_id), v("lat", x.lat), v("lon", x.lon);
    v("received_at", x.received_at), v("channel", x.channel), v("reporter", x.reporter);
    v("verification", x.verification), v("priority", x.priority), v("status", x.status);
    v("team", x.team), v("dead", x.dead), v("injured", x.injured), v("trapped", x.trapped);
    v("duplicate_of", x.duplicate_of);
  }
};

// Status of one lifeline type in one area, with as-of time and source on every figure.
struct LifelineStatus {
  static constexpr EntityKind kKind = EntityKind::Lifeline;
  std::string id, area_id, lifeline_type, status, source, restoration_estimate, note;
  TriCount affected, peak_affected;
  std::optional<Moment> as_of, peak_at;
  bool estimate_publishable = false;
  template <class S, class V>
  static void visit(S& x, V&& v) {
    v("area_id", x.area_id), v("lifeline_type", x.lifeline_type), v("status", x.status);
    v("affected", x.affected), v("as_of", x.as_of), v("source", x.source);
    v("peak_affected", x.peak_affected), v("peak_at", x.peak_at);
    v("restoration_estimate", x.restoration_estimate);
    v("estimate_publishable", x.estimate_publishable), v("note", x.note);
  }
};

// 支所報告 第N報: a snapshot of the 第4号様式 figures as of a time. Never edited:
// a later report supersedes it.
struct BranchReport {
  static constexpr EntityKind kKind = EntityKind::BranchReport;
  std::string id, branch_id, report_type, reporter;
  std::int64_t report_no = 0;
  std::optional<Moment> as_of, occurred_at;
  Fields figures;                                     // form4 key -> number or null (未確認)
  std::map<std::string, std::string, std::less<>> texts;  // form4 text key -> text
  template <class S, class V>
  static void visit(S& x, V&& v) {
    v("branch_id", x.branch_id), v("report_no", x.report_no), v("as_of", x.as_of);
    v("report_type", x.report_type), v("reporter", x.reporter), v("occurred_at", x.occurred_at);
  }
};

struct Shelter {
  static constexpr EntityKind kKind = EntityKind::Shelter;
  std::string id, name, kana, shelter_type, area_id, address, open_state, crowding, f_building,
      f_power, f_comms, f_water, f_toilet, contact, note;
  std::optional<double> lat, lon;
  TriCount capacity, evacuees, evacuees_voluntary, households, households_voluntary;
  std::optional<Moment> opened_at, closed_at, checked_at;
  std::optional<bool> can_open;
  std::map<std::string, TriCount, std::less<>> vulnerable;  // 要配慮者: group code -> count
  template <class S, class V>
  static void visit(S& x, V&& v) {
    v("name", x.name), v("kana", x.kana), v("shelter_type", x.shelter_type);
    v("area_id", x.area_id), v("address", x.address), v("lat", x.lat), v("lon", x.lon);
    v("capacity", x.capacity), v("open_state", x.open_state), v("opened_at", x.opened_at);
    v("closed_at", x.closed_at), v("crowding", x.crowding), v("evacuees", x.evacuees);
    v("evacuees_voluntary", x.evacuees_voluntary), v("households", x.households);
    v("households_voluntary", x.households_voluntary), v("checked_at", x.checked_at);
    v("f_building", x.f_building), v("f_power", x.f_power), v("f_comms", x.f_comms);
    v("f_water", x.f_water), v("f_toilet", x.f_toilet), v("can_open", x.can_open);
    v("contact", x.contact), v("note", x.note);
  }
};

struct ShelterSupply {
  static constexpr EntityKind kKind = EntityKind::ShelterSupply;
  std::string id, shelter_id, item, unit, note;
  TriCount needed;
  std::int64_t delivered = 0;  // sum of signed deltas from every node (read-only here)
  template <class S, class V>
  static void visit(S& x, V&& v) {
    v("shelter_id", x.shelter_id), v("item", x.item), v("unit", x.unit);
    v("needed", x.needed), v("note", x.note);
  }
};

struct ResourceRequest {
  static constexpr EntityKind kKind = EntityKind::Request;
  std::string id, kind, title, description, requested_by, addressed_to, assignee, status,
      priority, incident_id, shelter_id, unit;
  std::optional<Moment> due_at, done_at;
  TriCount quantity;
  template <class S, class V>
  static void visit(S& x, V&& v) {
    v("kind", x.kind), v("title", x.title), v("description", x.description);
    v("requested_by", x.requested_by), v("addressed_to", x.addressed_to);
    v("assignee", x.assignee), v("status", x.status), v("priority", x.priority);
    v("due_at", x.due_at), v("incident_id", x.incident_id), v("shelter_id", x.shelter_id);
    v("quantity", x.quantity), v("unit", x.unit), v("done_at", x.done_at);
  }
};

// クロノロ entry. Content is never edited: a correction is a new entry with `corrects`.
struct ChronologyEntry {
  static constexpr EntityKind kKind = EntityKind::Chronology;
  std::string id, node_label, from_org, to_org, content, category, medium, corrects, action, team,
      state;
  std::int64_t number = 0;  // running number per recording node: shown as "HQ-12"
  std::optional<Moment> at;
  template <class S, class V>
  static void visit(S& x, V&& v) {
    v("number", x.number), v("node_label", x.node_label), v("at", x.at);
    v("from_org", x.from_org), v("to_org", x.to_org), v("content", x.content);
    v("category", x.category), v("medium", x.medium), v("corrects", x.corrects);
    v("action", x.action), v("team", x.team), v("state", x.state);
  }
};

struct EvacuationOrder {
  static constexpr EntityKind kKind = EntityKind::EvacuationOrder;
  std::string id, area_id, level, action, note;
  std::optional<Moment> at;
  TriCount households, persons;
  template <class S, class V>
  static void visit(S& x, V&& v) {
    v("area_id", x.area_id), v("level", x.level), v("action", x.action), v("at", x.at);
    v("households", x.households), v("persons", x.persons), v("note", x.note);
  }
};

struct OfficeStatus {
  static constexpr EntityKind kKind = EntityKind::OfficeStatus;
  std::string id, power, water, building, note;  // id = branch id
  std::optional<Moment> as_of;
  std::optional<double> fuel_hours;
  std::optional<bool> comm_lgwan, comm_internet, comm_radio, comm_satellite, comm_mca, comm_phone,
      comm_fax;
  TriCount staff_present, staff_target;
  template <class S, class V>
  static void visit(S& x, V&& v) {
    v("as_of", x.as_of), v("power", x.power), v("fuel_hours", x.fuel_hours), v("water", x.water);
    v("comm_lgwan", x.comm_lgwan), v("comm_internet", x.comm_internet);
    v("comm_radio", x.comm_radio), v("comm_satellite", x.comm_satellite);
    v("comm_mca", x.comm_mca), v("comm_phone", x.comm_phone), v("comm_fax", x.comm_fax);
    v("staff_present", x.staff_present), v("staff_target", x.staff_target);
    v("building", x.building), v("note", x.note);
  }
};

// A drill's inject card as its target node received it (EXERCISE datasets only).
struct DrillMessage {
  static constexpr EntityKind kKind = EntityKind::DrillMessage;
  std::string id, card, to_node, from_role, medium, content, answered_by, response;
  std::optional<Moment> delivered_at, answered_at;
  template <class S, class V>
  static void visit(S& x, V&& v) {
    v("card", x.card), v("to_node", x.to_node), v("from_role", x.from_role), v("medium", x.medium);
    v("content", x.content), v("delivered_at", x.delivered_at), v("answered_at", x.answered_at);
    v("answered_by", x.answered_by), v("response", x.response);
  }
};

struct Publication {
  static constexpr EntityKind kKind = EntityKind::Publication;
  std::string id, format, published_by, addressed_to, file_name, digest, snapshot, note;
  std::optional<std::int64_t> report_no, items;
  std::optional<Moment> as_of, published_at;
  template <class S, class V>
  static void visit(S& x, V&& v) {
    v("format", x.format), v("report_no", x.report_no), v("as_of", x.as_of), v("published_at", x.published_at);
    v("published_by", x.published_by), v("addressed_to", x.addressed_to), v("file_name", x.file_name);
    v("items", x.items), v("digest", x.digest), v("snapshot", x.snapshot), v("note", x.note);
  }
};

// [SECTION] Conversions. Unset members (empty text, nullopt, unknown counts) are left out of
// to_fields(); changed_fields() includes them as null so that clearing a field is an edit.

namespace detail {
inline Value to_value(const std::string& s) { return s.empty() ? Value{} : Value{s}; }
inline Value to_value(std::int64_t n) { return n; }
inline Value to_value(bool b) { return std::int64_t{b ? 1 : 0}; }
inline Value to_value(const std::optional<bool>& b) {
  return b ? Value{std::int64_t{*b ? 1 : 0}} : Value{};
}
inline Value to_value(const std::optional<std::int64_t>& n) { return n ? Value{*n} : Value{}; }
inline Value to_value(const std::optional<double>& d) { return d ? Value{*d} : Value{}; }
inline Value to_value(const TriCount& c) { return c.known() ? Value{c.value()} : Value{}; }
inline Value to_value(const std::optional<Moment>& m) {
  return m ? Value{format_iso_jst(m->ms)} : Value{};
}

void from_value(const Value& v, std::string& out);
void from_value(const Value& v, std::int64_t& out);
void from_value(const Value& v, bool& out);
void from_value(const Value& v, std::optional<bool>& out);
void from_value(const Value& v, std::optional<std::int64_t>& out);
void from_value(const Value& v, std::optional<double>& out);
void from_value(const Value& v, TriCount& out);
void from_value(const Value& v, std::optional<Moment>& out);

// Extra members that are not plain visit() fields.
void add_extra_fields(const BranchReport& r, Fields& f, bool include_unset);
void read_extra_fields(BranchReport& r, const Fields& f);
void add_extra_fields(const Shelter& s, Fields& f, bool include_unset);
void read_extra_fields(Shelter& s, const Fields& f);
void read_extra_fields(ShelterSupply& s, const Fields& f);
template <class T>
void add_extra_fields(const T&, Fields&, bool) {}
template <class T>
void read_extra_fields(T&, const Fields&) {}
}  // namespace detail

// Fields for creating `x` (unset members left out).
template <class T>
Fields to_fields(const T& x) {
  Fields f;
  T::visit(x, [&](std::string_view name, const auto& member) {
    Value v = detail::to_value(member);
    if (!is_null(v)) f.emplace(std::string(name), std::move(v));
  });
  detail::add_extra_fields(x, f, false);
  return f;
}

// The typed view of a row or op's fields.
template <class T>
T from_fields(std::string_view id, const Fields& f) {
  T x;
  x.id = std::string(id);
  T::visit(x, [&](std::string_view name, auto& member) {
    auto it = f.find(name);
    detail::from_value(it == f.end() ? Value{} : it->second, member);
  });
  detail::read_extra_fields(x, f);
  return x;
}

// Only what an edit changed, including fields cleared to null: concurrent edits of
// different fields on two nodes then merge without conflict.
template <class T>
Fields changed_fields(const T& before, const T& after) {
  Fields a, b;
  T::visit(before, [&](std::string_view name, const auto& m) { b.emplace(name, detail::to_value(m)); });
  T::visit(after, [&](std::string_view name, const auto& m) { a.emplace(name, detail::to_value(m)); });
  detail::add_extra_fields(before, b, true);
  detail::add_extra_fields(after, a, true);
  Fields out;
  for (auto& [name, v] : a) {
    auto it = b.find(name);
    if (it == b.end() || it->second != v) out.emplace(name, v);
  }
  return out;
}

}  // namespace honbu
