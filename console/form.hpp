// [SECTION] EntityForm: an edit form for any entity, driven by the model's schema (each
// field's type, labels and enumeration). Everything typed is kept as text until saved, so
// 全角 digits, labels instead of codes and partial times are accepted and normalised by the
// model, and nothing typed is lost when a sync update for the same entity arrives: fields
// the user has not touched follow the update; fields the user changed keep the user's value,
// with the other value shown beside them (a conflict, resolved by the user or by merge).
// Nothing is saved until the model finds no problem; problems show next to their fields.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "console/session.hpp"
#include "model/merge.hpp"
#include "model/schema.hpp"
#include "model/validation.hpp"

namespace honbu::console {

// Choices for a reference field (e.g. area_id -> areas): {id, label}.
using RefChoices = std::function<std::vector<std::pair<std::string, std::string>>(std::string_view field)>;

class EntityForm {
 public:
  explicit EntityForm(EntityKind kind) : kind_(kind) {}

  // A new entity. `id` may be empty: a time-ordered id is made when it is saved.
  void start_new(std::string id, const Fields& defaults);
  // Editing an entity as the reader last saw it (its clocks are the edit's base).
  void start_edit(std::string id, const EntityState& current);
  void close();
  bool active() const { return active_; }
  bool creating() const { return creating_; }
  const std::string& id() const { return id_; }

  // A newer state of the entity being edited arrived (from sync or another window).
  void remote_update(const EntityState& fresh);

  // Through the reader (the UI thread reads nothing itself): open `id` for editing, or bring
  // the entity being edited up to date (a no-op unless it is still the one open).
  void open(Session& s, const std::string& id);
  void refresh(Session& s);
  bool has_conflicts() const { return !theirs_.empty(); }

  // Draws the listed fields (all when empty). Returns true when the user asked to save (the
  // Save button or Enter) and the model found no problem: then call save().
  bool draw(Session& s, const std::vector<std::string_view>& fields, const RefChoices& refs = {});
  // The same in pieces, for forms laid out in sections: begin_frame(), then fields() for each
  // section (true when Enter was pressed in one), then actions(enter) (true: save now).
  void begin_frame();
  bool fields(Session& s, const std::vector<std::string_view>& fields, const RefChoices& refs = {});
  bool actions(bool enter);
  // Fields side by side on one line, each `em` font-heights wide (a compact entry line).
  bool fields_inline(Session& s, const std::vector<std::pair<std::string_view, float>>& fields_and_widths);
  // Sends the changes to the agent; on success the form closes (or resets for a new entry
  // when `keep_open`), on refusal the problems show.
  void save(Session& s, bool keep_open = false, std::function<void(const LocalResult&)> after = {});

  // The fields as they would be saved (normalised), and the problems found.
  Fields normalized(std::vector<Problem>* problems) const;
  std::string& text(std::string_view field) { return text_[std::string(field)]; }
  // Keyboard focus to this field in the next frame.
  void focus(std::string field) { focus_field_ = std::move(field); }
  // Long texts in one line, so that Enter saves (the クロノロ's fast entry).
  void set_single_line(bool on) { single_line_ = on; }
  const std::vector<Problem>& problems() const { return problems_; }
  void set_problems(std::vector<Problem> p) { problems_ = std::move(p); }

 private:
  void load_texts(const EntityState& st);
  bool field_widget(Session& s, const FieldSpec& f, const RefChoices& refs);

  EntityKind kind_;
  bool active_ = false, creating_ = false, tried_ = false;
  std::string id_;
  std::map<std::string, std::string, std::less<>> text_;      // what the user sees and types
  std::map<std::string, std::string, std::less<>> original_;  // the text the edit started from
  std::map<std::string, std::string, std::less<>> theirs_;    // a remote value for a field the user changed
  BaseClocks base_;
  std::vector<Problem> problems_, live_;
  bool saving_ = false;
  int section_ = 0;
  std::string focus_field_;
  bool single_line_ = false;
  float inline_width_ = 0;  // fields_inline(): the width for the widget being drawn
};

// The text shown for a stored value in a form ("" for null).
std::string form_text(const FieldSpec& f, const Value& v);

}  // namespace honbu::console
