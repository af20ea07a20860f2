#include "model/merge.hpp"

#include <nlohmann/json.hpp>

#include "model/errors.hpp"

namespace honbu {

namespace {

const Value kNull{};

// LWW: the larger (hlc, origin) wins. A write is a plain overwrite (no conflict) when the
// writer saw the value it replaces: its base is the current clock, or vice versa.
void merge_lww(const FieldSpec& f, EntityState& st, const Value& v, const WriteClock& w,
               MergeResult& r) {
  auto it = st.clocks.find(f.name);
  if (it == st.clocks.end()) {
    st.values[std::string(f.name)] = v;
    st.clocks.emplace(std::string(f.name), w);
    r.changed = true;
    return;
  }
  WriteClock& cur = it->second;
  if (cur.clock == w.clock) return;  // the same write again
  const bool incoming_wins = cur.clock < w.clock;
  const bool causal = (w.base && *w.base == cur.clock) || (cur.base && *cur.base == w.clock);
  if (incoming_wins) {
    if (!causal) r.conflicts.push_back({std::string(f.name), st.get(f.name), cur.clock, w.clock});
    st.values[std::string(f.name)] = v;
    cur = w;
    r.changed = true;
  } else if (!causal) {
    r.conflicts.push_back({std::string(f.name), v, w.clock, cur.clock});
  }
}

// FirstWins: the smallest (hlc, origin) holds; a different value from a later write is a
// conflict (e.g. two nodes both filed 第3報 of the same branch while cut off).
void merge_first(const FieldSpec& f, EntityState& st, const Value& v, const WriteClock& w,
                 MergeResult& r) {
  auto it = st.clocks.find(f.name);
  if (it == st.clocks.end()) {
    st.values[std::string(f.name)] = v;
    st.clocks.emplace(std::string(f.name), w);
    r.changed = true;
    return;
  }
  WriteClock& cur = it->second;
  if (cur.clock == w.clock) return;
  const bool differ = st.get(f.name) != v;
  if (w.clock < cur.clock) {
    if (differ) r.conflicts.push_back({std::string(f.name), st.get(f.name), cur.clock, w.clock});
    st.values[std::string(f.name)] = v;
    cur = w;
    r.changed = true;
  } else if (differ) {
    r.conflicts.push_back({std::string(f.name), v, w.clock, cur.clock});
  }
}

// Max: the largest value wins, ties by clock; its companions move with it.
void merge_max(const EntitySpec& spec, const FieldSpec& f, EntityState& st, const Op& op,
               const Value& v, const WriteClock& w, MergeResult& r) {
  auto it = st.clocks.find(f.name);
  bool wins = it == st.clocks.end();
  if (!wins) {
    const int c = compare_values(v, st.get(f.name));
    wins = c > 0 || (c == 0 && it->second.clock < w.clock);
  }
  if (!wins) return;
  st.values[std::string(f.name)] = v;
  st.clocks[std::string(f.name)] = WriteClock{w.clock, std::nullopt};
  for (const FieldSpec& comp : spec.fields) {
    if (comp.rule != MergeRule::Companion || comp.companion_of != f.name) continue;
    auto c = op.fields.find(comp.name);
    st.values[std::string(comp.name)] = c == op.fields.end() ? Value{} : c->second;
  }
  r.changed = true;
}

}  // namespace

const Value& EntityState::get(std::string_view field) const {
  auto it = values.find(field);
  return it == values.end() ? kNull : it->second;
}

MergeResult merge_op(const EntitySpec& spec, EntityState& st, const Op& op) {
  MergeResult r;
  const FieldClock clock{op.hlc, op.origin};
  if (!st.exists || st.max_hlc < op.hlc) {
    st.max_hlc = std::max(st.max_hlc, op.hlc);
    r.changed = true;
  }
  st.exists = true;

  switch (op.type) {
    case OpType::Delete: {
      // Tombstones win and stay: deleted is the OR of every delete, so order never matters.
      auto it = st.clocks.find("_deleted");
      if (it == st.clocks.end() || clock < it->second.clock) {
        st.clocks["_deleted"] = WriteClock{clock, std::nullopt};
        r.changed = true;
      }
      if (!st.deleted) {
        st.deleted = true;
        r.changed = true;
      }
      return r;
    }
    case OpType::Delta: {
      for (const auto& [name, delta] : op.fields) {
        const FieldSpec* f = spec.field(name);
        if (!f || f->rule != MergeRule::Counter) continue;
        const auto d = as_int(delta);
        if (!d) continue;
        const auto cur = as_int(st.get(name));
        st.values[name] = cur.value_or(0) + *d;
        r.changed = true;
      }
      return r;
    }
    case OpType::Upsert:
      break;
  }

  for (const auto& [name, value] : op.fields) {
    const FieldSpec* f = spec.field(name);
    if (!f) continue;  // from a newer schema: kept in the op log only
    WriteClock w{clock, std::nullopt};
    if (auto b = op.base.find(name); b != op.base.end()) w.base = b->second;
    switch (f->rule) {
      case MergeRule::Lww: merge_lww(*f, st, value, w, r); break;
      case MergeRule::FirstWins: merge_first(*f, st, value, w, r); break;
      case MergeRule::Max: merge_max(spec, *f, st, op, value, w, r); break;
      case MergeRule::Counter:    // only Delta ops change counters
      case MergeRule::Companion:  // moves with its primary field
        break;
    }
  }
  return r;
}

std::string encode_clocks(const FieldClocks& clocks) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [field, w] : clocks) {
    if (w.base)
      j[field] = {w.clock.hlc.packed, w.clock.origin, w.base->hlc.packed, w.base->origin};
    else
      j[field] = {w.clock.hlc.packed, w.clock.origin};
  }
  return j.dump();
}

FieldClocks decode_clocks(std::string_view json) {
  FieldClocks out;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json.begin(), json.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw DecodeError("field clocks: malformed JSON at byte " + std::to_string(e.byte));
  }
  if (!j.is_object()) throw DecodeError("field clocks: expected a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const auto& a = it.value();
    const bool ok = a.is_array() && (a.size() == 2 || a.size() == 4) &&
                    a[0].is_number_unsigned() && a[1].is_string() &&
                    (a.size() == 2 || (a[2].is_number_unsigned() && a[3].is_string()));
    if (!ok) throw DecodeError("field clocks: '" + it.key() + "' must be [hlc, origin(, base)]");
    WriteClock w{FieldClock{Hlc{a[0].get<std::uint64_t>()}, a[1].get<std::string>()},
                 std::nullopt};
    if (a.size() == 4) w.base = FieldClock{Hlc{a[2].get<std::uint64_t>()}, a[3].get<std::string>()};
    out.emplace(it.key(), std::move(w));
  }
  return out;
}

}  // namespace honbu
