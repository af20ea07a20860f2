#include "console/form.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include "console/strings.hpp"
#include "console/widgets.hpp"
#include "model/queries.hpp"
#include "model/time.hpp"

namespace honbu::console {

std::string form_text(const FieldSpec& f, const Value& v) {
  if (is_null(v)) return {};
  if (f.type == FieldType::Time) {
    if (const std::string* t = as_text(v)) {
      // "2026-11-22T13:45:00+09:00" -> "2026-11-22 13:45" (what people type)
      if (t->size() >= 16) return t->substr(0, 10) + " " + t->substr(11, 5);
      return *t;
    }
  }
  if (f.type == FieldType::Bool) {
    if (auto i = as_int(v)) return *i ? "1" : "0";
  }
  if (auto i = as_int(v)) return std::to_string(*i);
  if (auto d = std::get_if<double>(&v)) {
    std::string s = std::to_string(*d);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  return *as_text(v);
}

void EntityForm::load_texts(const EntityState& st) {
  const EntitySpec& s = spec(kind_);
  text_.clear();
  for (size_t i = 0; i < s.fields.size(); ++i) text_[std::string(s.fields[i].name)] = form_text(s.fields[i], st.values[i]);
  original_ = text_;
}

void EntityForm::start_new(std::string id, const Fields& defaults) {
  EntityState st(spec(kind_));
  for (const auto& [name, v] : defaults) {
    const int i = spec(kind_).index_of(name);
    if (i >= 0) st.values[static_cast<size_t>(i)] = v;
  }
  load_texts(st);
  original_.clear();  // everything typed counts as new
  id_ = std::move(id);
  base_.clear();
  theirs_.clear();
  problems_.clear();
  active_ = creating_ = true;
  tried_ = saving_ = false;
}

void EntityForm::start_edit(std::string id, const EntityState& current) {
  load_texts(current);
  id_ = std::move(id);
  base_.clear();
  for (const auto& [name, w] : current.clock_map()) base_.emplace(name, w.clock);
  theirs_.clear();
  problems_.clear();
  active_ = true;
  creating_ = tried_ = saving_ = false;
}

void EntityForm::close() {
  active_ = false;
  theirs_.clear();
  problems_.clear();
}

void EntityForm::remote_update(const EntityState& fresh) {
  if (!active_ || creating_) return;
  const EntitySpec& s = spec(kind_);
  const auto clocks = fresh.clock_map();
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const std::string name(s.fields[i].name);
    const std::string now = form_text(s.fields[i], fresh.values[i]);
    const std::string was = original_[name];
    if (now == was) continue;
    if (text_[name] == was) {
      text_[name] = now;  // untouched: follow the update
      original_[name] = now;
      if (auto it = clocks.find(name); it != clocks.end()) base_[name] = it->second.clock;
    } else if (text_[name] != now) {
      theirs_[name] = now;  // both changed it: keep the user's text, show theirs
    }
  }
}

void EntityForm::open(Session& s, const std::string& id) {
  if (active_ && id_ == id) return;
  const EntityKind kind = kind_;
  s.reader->request<std::optional<EntityState>>(
      std::string(spec(kind).name) + ".open", [kind, id](Db& db) { return load_state(db, kind, id); },
      [this, id](std::optional<EntityState> st) {
        if (st && !st->deleted) start_edit(id, *st);
      });
}

void EntityForm::refresh(Session& s) {
  if (!active_ || creating_) return;
  const EntityKind kind = kind_;
  const std::string id = id_;
  s.reader->request<std::optional<EntityState>>(
      std::string(spec(kind).name) + ".refresh", [kind, id](Db& db) { return load_state(db, kind, id); },
      [this, id](std::optional<EntityState> st) {
        if (st && active_ && id_ == id) remote_update(*st);
      });
}

Fields EntityForm::normalized(std::vector<Problem>* problems) const {
  const EntitySpec& s = spec(kind_);
  Fields f;
  for (const FieldSpec& fs : s.fields) {
    auto it = text_.find(fs.name);
    if (it == text_.end()) continue;
    auto orig = original_.find(fs.name);
    const bool changed = creating_ || orig == original_.end() || orig->second != it->second;
    if (!changed) continue;
    if (it->second.empty()) {
      if (!creating_) f.emplace(std::string(fs.name), std::monostate{});  // cleared: an edit
      continue;
    }
    f.emplace(std::string(fs.name), it->second);
  }
  ValidateOptions vo;
  vo.creating = creating_;
  std::vector<Problem> found = normalize_and_validate(s, id_.empty() ? "new" : id_, f, vo);
  if (problems) *problems = std::move(found);
  return f;
}

bool EntityForm::field_widget(Session& s, const FieldSpec& f, const RefChoices& refs) {
  std::string& t = text_[std::string(f.name)];
  const std::string id = std::string("##") + std::string(f.name);
  ImGui::SetNextItemWidth(inline_width_ != 0 ? inline_width_ : -FLT_MIN);
  if (!focus_field_.empty() && focus_field_ == f.name) {
    ImGui::SetKeyboardFocusHere();
    focus_field_.clear();
  }
  switch (f.type) {
    case FieldType::Enum: {
      if (!f.enumeration) break;
      // Codes typed or chosen: the combo writes the code.
      return enum_combo(id.c_str(), *f.enumeration, t, !f.required || creating_);
    }
    case FieldType::Bool: {
      const char* items[] = {T("common.unset"), T("common.yes"), T("common.no")};
      int cur = t.empty() ? 0 : (t == "1" ? 1 : 2);
      if (ImGui::Combo(id.c_str(), &cur, items, 3)) {
        t = cur == 0 ? "" : (cur == 1 ? "1" : "0");
        return true;
      }
      return false;
    }
    case FieldType::Count:
    case FieldType::Measure: {
      // Empty is 未確認 (never 0): shown as a hint in the empty field.
      ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
      bool changed = ImGui::InputTextWithHint(id.c_str(), T("common.unknown"), &t);
      ImGui::SameLine();
      bool unknown = t.empty();
      if (ImGui::Checkbox((std::string(T("common.unknown")) + id + "u").c_str(), &unknown)) {
        if (unknown) t.clear();
        else t = "0";
        changed = true;
      }
      return changed;
    }
    case FieldType::Time: {
      ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
      bool changed = ImGui::InputTextWithHint(id.c_str(), "2026-12-01 13:45", &t);
      ImGui::SameLine();
      if (ImGui::SmallButton((std::string(T("common.now")) + id + "n").c_str())) {
        const std::string iso = format_iso_jst(s.now);
        t = iso.substr(0, 10) + " " + iso.substr(11, 5);
        changed = true;
      }
      return changed;
    }
    case FieldType::LongText:
      if (single_line_) return ImGui::InputText(id.c_str(), &t);
      return ImGui::InputTextMultiline(id.c_str(), &t, ImVec2(-FLT_MIN, ImGui::GetTextLineHeight() * 3.5f));
    case FieldType::Ref: {
      if (refs) {
        auto choices = refs(f.name);
        if (!choices.empty()) {
          std::string preview = t.empty() ? T("common.unset") : t;
          for (const auto& [cid, name] : choices)
            if (cid == t) preview = name;
          bool changed = false;
          if (ImGui::BeginCombo(id.c_str(), preview.c_str())) {
            if (ImGui::Selectable(T("common.unset"), t.empty())) {
              t.clear();
              changed = true;
            }
            for (const auto& [cid, name] : choices)
              if (ImGui::Selectable((name + "##" + cid).c_str(), cid == t)) {
                t = cid;
                changed = true;
              }
            ImGui::EndCombo();
          }
          return changed;
        }
      }
      return ImGui::InputText(id.c_str(), &t);
    }
    case FieldType::Text:
    case FieldType::Int:
    case FieldType::Real:
      return ImGui::InputText(id.c_str(), &t);
  }
  return ImGui::InputText(id.c_str(), &t);
}

void EntityForm::begin_frame() {
  std::vector<Problem> live;
  (void)normalized(&live);
  live_ = std::move(live);
  section_ = 0;
  if (tried_) problems_ = live_;  // after a first save attempt, problems update as the user types
}

bool EntityForm::fields(Session& s, const std::vector<std::string_view>& fields, const RefChoices& refs) {
  if (!active_) return false;
  const EntitySpec& es = spec(kind_);
  bool enter = false;
  ImGui::PushID(section_++);  // several sections in one window: distinct tables
  if (!ImGui::BeginTable("form", 2, ImGuiTableFlags_SizingStretchProp)) {
    ImGui::PopID();
    return false;
  }
  ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 9);
  ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
  for (const FieldSpec& f : es.fields) {
    if (!fields.empty() && std::find(fields.begin(), fields.end(), f.name) == fields.end()) continue;
    if (f.rule == MergeRule::Counter) continue;  // counts others add to: not typed here
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::AlignTextToFramePadding();
    const std::string lbl = std::string(f.label(ui_lang())) + (f.required && creating_ ? " *" : "");
    ImGui::TextUnformatted(lbl.c_str());
    ImGui::TableNextColumn();
    ImGui::PushID(f.name.data(), f.name.data() + f.name.size());
    field_widget(s, f, refs);
    if (ImGui::IsItemFocused() && enter_pressed() && (f.type != FieldType::LongText || single_line_)) enter = true;
    for (const Problem& p : problems_)
      if (p.field == f.name) ImGui::TextColored(to_vec4(colors::kRed), "⚠ %s", p.message(ui_lang()).c_str());
    if (auto it = theirs_.find(f.name); it != theirs_.end()) {
      ImGui::TextColored(to_vec4(colors::kOrange), "%s: %s", T("form.theirs"),
                         it->second.empty() ? T("common.unknown") : it->second.c_str());
      ImGui::SameLine();
      const bool take = ImGui::SmallButton(T("form.take_theirs"));
      ImGui::SameLine();
      const bool keep = ImGui::SmallButton(T("form.keep_mine"));
      if (take) {
        text_[std::string(f.name)] = it->second;
        original_[std::string(f.name)] = it->second;
      }
      if (take || keep) theirs_.erase(it);
    }
    ImGui::PopID();
  }
  ImGui::EndTable();
  ImGui::PopID();
  return enter;
}

bool EntityForm::fields_inline(Session& s, const std::vector<std::pair<std::string_view, float>>& list) {
  if (!active_) return false;
  const EntitySpec& es = spec(kind_);
  bool enter = false, first = true;
  for (const auto& [name, em] : list) {
    const FieldSpec* f = es.field(name);
    if (!f) continue;
    if (!first) ImGui::SameLine();
    first = false;
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(std::string(f->label(ui_lang())).c_str());
    ImGui::SameLine();
    ImGui::PushID(f->name.data(), f->name.data() + f->name.size());
    ImGui::PushItemWidth(em < 0 ? -FLT_MIN : ImGui::GetFontSize() * em);
    inline_width_ = em < 0 ? -FLT_MIN : ImGui::GetFontSize() * em;
    field_widget(s, *f, {});
    inline_width_ = 0;
    ImGui::PopItemWidth();
    if (ImGui::IsItemFocused() && enter_pressed()) enter = true;
    ImGui::PopID();
  }
  for (const auto& [name, em] : list)
    for (const Problem& p : problems_)
      if (p.field == name) ImGui::TextColored(to_vec4(colors::kRed), "⚠ %s", p.message(ui_lang()).c_str());
  return enter;
}

bool EntityForm::actions(bool enter) {
  if (!active_) return false;
  for (const Problem& p : problems_)
    if (p.field.empty()) ImGui::TextColored(to_vec4(colors::kRed), "⚠ %s", p.message(ui_lang()).c_str());
  if (read_only()) {
    ImGui::TextDisabled("%s", T("form.read_only"));
    ImGui::SameLine();
    if (ImGui::Button(T("form.cancel"))) close();
    return false;
  }
  bool submit = enter;
  ImGui::BeginDisabled(saving_);
  if (ImGui::Button(saving_ ? T("form.saving") : T("form.save"))) submit = true;
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button(T("form.cancel"))) {
    close();
    return false;
  }
  ImGui::SameLine();
  ImGui::TextDisabled("%s", T("form.enter_hint"));
  if (submit && !saving_) {
    tried_ = true;
    problems_ = live_;
    return problems_.empty();
  }
  return false;
}

bool EntityForm::draw(Session& s, const std::vector<std::string_view>& list, const RefChoices& refs) {
  if (!active_) return false;
  begin_frame();
  if (!theirs_.empty()) banner(colors::kOrange, T("form.conflict_banner"));
  const bool enter = fields(s, list, refs);
  return actions(enter);
}

void EntityForm::save(Session& s, bool keep_open, std::function<void(const LocalResult&)> after) {
  std::vector<Problem> problems;
  Fields fields = normalized(&problems);
  if (!problems.empty()) {
    problems_ = problems;
    return;
  }
  if (fields.empty() && !creating_) {
    close();  // nothing changed
    return;
  }
  saving_ = true;
  const EntityKind kind = kind_;
  std::string id = id_;
  BaseClocks base;
  for (const auto& [name, v] : fields)
    if (auto it = base_.find(name); it != base_.end()) base.emplace(name, it->second);
  const bool creating = creating_;
  const std::string who = s.operator_name;
  const std::string what = std::string(spec(kind).label(ui_lang()));
  s.commands->submit(
      what,
      [kind, id, fields, base, creating, who](Store& st) mutable {
        if (id.empty()) id = st.new_id();
        return st.put(kind, id, fields, who, creating ? nullptr : &base);
      },
      [this, keep_open, after](const LocalResult& r) {
        saving_ = false;
        if (!r.ok) {
          problems_ = r.problems;
          tried_ = true;
        } else if (keep_open && creating_) {
          // Ready for the next entry (the クロノロ's fast entry).
          for (auto& [name, t] : text_) t.clear();
          problems_.clear();
          tried_ = false;
          id_.clear();
        } else {
          close();
        }
        if (after) after(r);
      });
}

}  // namespace honbu::console
