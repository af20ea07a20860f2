#include "model/merge.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

#include "model/errors.hpp"

namespace honbu {

namespace {

const Value kNull{};

// LWW: the larger (hlc, origin) wins. A write is a plain overwrite (no conflict) when the
// writer saw the value it replaces: its base is the current clock, or vice versa.
void merge_lww(const FieldSpec& f, size_t i, EntityState& st, const Value& v, WriteClock w,
               MergeResult& r) {
  auto& cur = st.clocks[i];
  if (!cur) {
    st.values[i] = v;
    cur = std::move(w);
    r.changed = true;
    return;
  }
  if (cur->clock == w.clock) return;  // the same write again
  const bool incoming_wins = cur->clock < w.clock;
  const bool causal = (w.base && *w.base == cur->clock) || (cur->base && *cur->base == w.clock);
  if (incoming_wins) {
    if (!causal) r.conflicts.push_back({std::string(f.name), st.values[i], cur->clock, w.clock});
    st.values[i] = v;
    cur = std::move(w);
    r.changed = true;
  } else if (!causal) {
    r.conflicts.push_back({std::string(f.name), v, w.clock, cur->clock});
  }
}

// FirstWins: the smallest (hlc, origin) holds; a different value from a later write is a
// conflict (e.g. two nodes both filed 第3報 of the same branch while cut off).
void merge_first(const FieldSpec& f, size_t i, EntityState& st, const Value& v, WriteClock w,
                 MergeResult& r) {
  auto& cur = st.clocks[i];
  if (!cur) {
    st.values[i] = v;
    cur = std::move(w);
    r.changed = true;
    return;
  }
  if (cur->clock == w.clock) return;
  const bool differ = st.values[i] != v;
  if (w.clock < cur->clock) {
    if (differ) r.conflicts.push_back({std::string(f.name), st.values[i], cur->clock, w.clock});
    st.values[i] = v;
    cur = std::move(w);
    r.changed = true;
  } else if (differ) {
    r.conflicts.push_back({std::string(f.name), v, w.clock, cur->clock});
  }
}

// Max: the largest value wins, ties by clock; its companions move with it.
void merge_max(const FieldSpec& f, size_t i, EntityState& st, const Op& op, const Value& v,
               const WriteClock& w, MergeResult& r) {
  auto& cur = st.clocks[i];
  bool wins = !cur;
  if (!wins) {
    const int c = compare_values(v, st.values[i]);
    wins = c > 0 || (c == 0 && cur->clock < w.clock);
  }
  if (!wins) return;
  st.values[i] = v;
  cur = WriteClock{w.clock, std::nullopt};
  const auto& fields = st.spec->fields;
  for (size_t k = 0; k < fields.size(); ++k) {
    if (fields[k].rule != MergeRule::Companion || fields[k].companion_of != f.name) continue;
    auto c = op.fields.find(fields[k].name);
    st.values[k] = c == op.fields.end() ? Value{} : c->second;
  }
  r.changed = true;
}

}  // namespace

const Value& EntityState::get(std::string_view field) const {
  const int i = spec->index_of(field);
  return i < 0 ? kNull : values[static_cast<size_t>(i)];
}

const WriteClock* EntityState::clock(std::string_view field) const {
  const int i = spec->index_of(field);
  return i < 0 || !clocks[static_cast<size_t>(i)] ? nullptr : &*clocks[static_cast<size_t>(i)];
}

FieldClocks EntityState::clock_map() const {
  FieldClocks out;
  for (size_t i = 0; i < clocks.size(); ++i)
    if (clocks[i]) out.emplace(std::string(spec->fields[i].name), *clocks[i]);
  if (deleted_clock) out.emplace("_deleted", WriteClock{*deleted_clock, std::nullopt});
  return out;
}

MergeResult merge_op(EntityState& st, const Op& op) {
  MergeResult r;
  const EntitySpec& spec = *st.spec;
  const FieldClock clock{op.hlc, op.origin};
  if (!st.exists || st.max_hlc < op.hlc) {
    st.max_hlc = std::max(st.max_hlc, op.hlc);
    r.changed = true;
  }
  st.exists = true;

  switch (op.type) {
    case OpType::Delete:
      // Tombstones win and stay: deleted is the OR of every delete, so order never matters.
      if (!st.deleted_clock || clock < *st.deleted_clock) {
        st.deleted_clock = clock;
        r.changed = true;
      }
      if (!st.deleted) {
        st.deleted = true;
        r.changed = true;
      }
      return r;
    case OpType::Delta:
      for (const auto& [name, delta] : op.fields) {
        const int i = spec.index_of(name);
        if (i < 0 || spec.fields[static_cast<size_t>(i)].rule != MergeRule::Counter) continue;
        const auto d = as_int(delta);
        if (!d) continue;
        Value& v = st.values[static_cast<size_t>(i)];
        v = as_int(v).value_or(0) + *d;
        r.changed = true;
      }
      return r;
    case OpType::Upsert:
      break;
  }

  for (const auto& [name, value] : op.fields) {
    const int idx = spec.index_of(name);
    if (idx < 0) continue;  // from a newer schema: kept in the op log only
    const auto i = static_cast<size_t>(idx);
    const FieldSpec& f = spec.fields[i];
    WriteClock w{clock, std::nullopt};
    if (auto b = op.base.find(name); b != op.base.end()) w.base = b->second;
    switch (f.rule) {
      case MergeRule::Lww: merge_lww(f, i, st, value, std::move(w), r); break;
      case MergeRule::FirstWins: merge_first(f, i, st, value, std::move(w), r); break;
      case MergeRule::Max: merge_max(f, i, st, op, value, w, r); break;
      case MergeRule::Counter:    // only Delta ops change counters
      case MergeRule::Companion:  // moves with its primary field
        break;
    }
  }
  return r;
}

// Compact text, parsed on every apply (JSON was 4x slower and 4x bigger). Fields that
// won with the same write (same clock and base) are grouped, since one op sets many:
//   HLC@origin[<BASEHLC@baseorigin]:field,field;HLC@origin:field
// Groups are sorted by (clock, base) and fields by name, so the text is canonical.
// Field names and node ids never contain ':', ',', ';', '@' or '<' (both are validated).
// The tombstone's clock is stored as the pseudo-field "_deleted".
std::string encode_clocks(const EntityState& st) {
  struct Group {
    const WriteClock* clock;
    std::string fields;
  };
  std::vector<Group> groups;
  const WriteClock tomb = st.deleted_clock ? WriteClock{*st.deleted_clock, std::nullopt} : WriteClock{};
  auto add = [&](const WriteClock& w, std::string_view name) {
    for (Group& g : groups) {
      if (*g.clock == w) {
        g.fields += ',';
        g.fields += name;
        return;
      }
    }
    groups.push_back({&w, std::string(name)});
  };
  bool tomb_added = false;
  for (const auto& [name, i] : st.spec->by_name) {
    // "_deleted" sorts before every field name (they start with a letter).
    if (!tomb_added && st.deleted_clock) {
      add(tomb, "_deleted");
      tomb_added = true;
    }
    if (const auto& w = st.clocks[static_cast<size_t>(i)]) add(*w, name);
  }
  if (!tomb_added && st.deleted_clock) add(tomb, "_deleted");
  std::sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) {
    return std::tie(a.clock->clock, a.clock->base) < std::tie(b.clock->clock, b.clock->base);
  });
  std::string out;
  char num[24];
  auto put_clock = [&](const FieldClock& c) {
    auto [p, ec] = std::to_chars(num, num + sizeof num, c.hlc.packed);
    out.append(num, p);
    out += '@';
    out += c.origin;
  };
  for (const Group& g : groups) {
    if (!out.empty()) out += ';';
    put_clock(g.clock->clock);
    if (g.clock->base) {
      out += '<';
      put_clock(*g.clock->base);
    }
    out += ':';
    out += g.fields;
  }
  return out;
}

namespace {

template <class Sink>
void parse_clocks(std::string_view text, Sink&& sink) {
  auto fail = [&](size_t pos, const char* why) {
    throw DecodeError("field clocks: " + std::string(why) + " at byte " + std::to_string(pos));
  };
  auto parse_clock = [&](std::string_view s, size_t at) {
    const size_t a = s.find('@');
    if (a == std::string_view::npos || a == 0 || a + 1 == s.size()) fail(at, "expected HLC@origin");
    FieldClock c;
    auto [p, ec] = std::from_chars(s.data(), s.data() + a, c.hlc.packed);
    if (ec != std::errc() || p != s.data() + a) fail(at, "HLC is not a number");
    c.origin = std::string(s.substr(a + 1));
    return c;
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view group = text.substr(pos, end - pos);
    const size_t colon = group.find(':');
    if (colon == std::string_view::npos || colon == 0) fail(pos, "expected clock:fields");
    const std::string_view clocks = group.substr(0, colon);
    const size_t lt = clocks.find('<');
    WriteClock w{parse_clock(clocks.substr(0, lt), pos), std::nullopt};
    if (lt != std::string_view::npos) w.base = parse_clock(clocks.substr(lt + 1), pos + lt + 1);
    std::string_view fields = group.substr(colon + 1);
    while (!fields.empty()) {
      const size_t comma = fields.find(',');
      const std::string_view name = fields.substr(0, comma);
      if (name.empty()) fail(pos + colon + 1, "empty field name");
      sink(name, w);
      if (comma == std::string_view::npos) break;
      fields.remove_prefix(comma + 1);
    }
    pos = end + 1;
  }
}

}  // namespace

void decode_clocks_into(std::string_view text, EntityState& st) {
  parse_clocks(text, [&](std::string_view name, const WriteClock& w) {
    if (name == "_deleted") {
      st.deleted_clock = w.clock;
      return;
    }
    const int i = st.spec->index_of(name);
    if (i >= 0) st.clocks[static_cast<size_t>(i)] = w;
  });
}

FieldClocks decode_clocks(std::string_view text) {
  FieldClocks out;
  parse_clocks(text, [&](std::string_view name, const WriteClock& w) { out.emplace(std::string(name), w); });
  return out;
}

}  // namespace honbu
