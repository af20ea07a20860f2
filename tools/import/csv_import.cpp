#include "tools/import/csv_import.hpp"

#include <map>
#include <optional>

#include "model/export/csv.hpp"
#include "model/op.hpp"
#include "model/text.hpp"
#include "model/validation.hpp"

namespace honbu {

namespace {

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// A header cell -> column index: field name or English label (any case), or Japanese label.
std::optional<size_t> match_column(const std::vector<CsvColumn>& cols, std::string_view header) {
  const std::string h = normalize_text(header);
  const std::string lower = ascii_lower(h);
  for (size_t i = 0; i < cols.size(); ++i)
    if (lower == ascii_lower(cols[i].name) || h == cols[i].ja || lower == ascii_lower(cols[i].en))
      return i;
  return std::nullopt;
}

bool all_empty(const CsvRecord& r) {
  for (const std::string& c : r.cells)
    if (!normalize_text(c).empty()) return false;
  return true;
}

struct Planned {
  std::string id;
  Fields fields;
  bool create = false;
  int row = 0, line = 0;
};

struct Abort {};

}  // namespace

bool csv_importable(EntityKind kind) {
  return kind == EntityKind::Branch || kind == EntityKind::Area || kind == EntityKind::Shelter;
}

namespace {

// A master record's ID goes into other ids and lists (a lifeline is "<area>/<type>", an
// allow-list names areas with commas): what would break them is refused here, not there.
std::optional<std::pair<std::string, std::string>> id_problem(std::string_view id) {
  if (id.size() > 64) return std::pair{std::string("IDは64バイトまでです"), std::string("an ID is at most 64 bytes")};
  for (unsigned char c : id)
    if (c <= ' ' || c == '/' || c == ',' || c == 0x7F)
      return std::pair{"ID「" + std::string(id) + "」に空白、「/」、「,」は使えません（例: kitayama）",
                       "ID \"" + std::string(id) + "\" may not hold spaces, '/' or ',' (e.g. kitayama)"};
  return std::nullopt;
}

// The record of `kind` the row refers to by `field` must exist: a mistyped ID would leave a
// shelter in no area, or an area with no office to report it.
void must_exist(Store& store, const Fields& f, std::string_view field, EntityKind kind, std::vector<Problem>& problems) {
  auto it = f.find(std::string(field));
  if (it == f.end() || !as_text(it->second)) return;
  const std::string id = *as_text(it->second);
  const auto known = store.load(kind, id);
  if (known && !known->deleted) return;
  const EntitySpec& k = spec(kind);
  problems.push_back({std::string(field), kind == EntityKind::Area ? "unknown_area" : "unknown_" + std::string(k.name),
                      std::string(k.ja) + "「" + id + "」は登録されていません（本部で先に" + std::string(k.ja) +
                          "を取り込んでください。支所では本部のデータが同期で届くのを待ってください）",
                      "there is no " + ascii_lower(k.en) + " \"" + id + "\" (HQ imports the " + std::string(k.table) +
                          " first; at a branch, wait for HQ's to arrive by sync)"});
}

}  // namespace

CsvImportResult import_csv(Store& store, EntityKind kind, std::string_view text,
                           const CsvImportOptions& o) {
  CsvImportResult r;
  auto& P = r.problems;
  const EntitySpec& s = spec(kind);
  if (!csv_importable(kind)) {
    P.push_back(
        {0, 0, "", "not_importable",
         std::string(s.ja) + "はCSVから取り込めません（支所、地区、避難所のみ）",
         std::string(s.en) + " records cannot be imported from CSV (branches, areas and shelters only)"});
    return r;
  }
  const CsvDocument doc = parse_csv(text);
  for (const CsvSyntaxError& e : doc.errors) {
    std::string col;
    if (e.column > 0 && !doc.records.empty() &&
        static_cast<size_t>(e.column) <= doc.records[0].cells.size())
      col = doc.records[0].cells[static_cast<size_t>(e.column) - 1];
    P.push_back({e.line, 0, col, e.code, e.ja, e.en});
  }
  if (!P.empty()) return r;
  if (doc.records.empty()) {
    P.push_back({0, 0, "", "empty", "CSVが空です（1行目に見出しが必要です）",
                 "the file is empty (the first row must be the header)"});
    return r;
  }

  // [SECTION] Header
  const std::vector<CsvColumn> cols = csv_columns(kind);
  const CsvRecord& header = doc.records.front();
  std::vector<const CsvColumn*> by_cell(header.cells.size(), nullptr);
  std::map<std::string_view, size_t> cell_of;  // column name -> cell index
  for (size_t i = 0; i < header.cells.size(); ++i) {
    const std::string& h = header.cells[i];
    auto c = match_column(cols, h);
    if (!c) {
      std::string known_ja, known_en;
      for (const CsvColumn& k : cols) {
        known_ja += (known_ja.empty() ? "" : "、") + std::string(k.ja);
        known_en += (known_en.empty() ? "" : ", ") + std::string(k.en);
      }
      P.push_back({header.line, header.record, h, "unknown_column",
                   "「" + h + "」は" + std::string(s.ja) +
                       "の項目ではありません（使える列: " + known_ja + "）",
                   "\"" + h + "\" is not a column of " + std::string(s.en) +
                       " (columns: " + known_en + ")"});
      continue;
    }
    if (cell_of.count(cols[*c].name)) {
      P.push_back({header.line, header.record, h, "duplicate_column", "同じ列が2回あります",
                   "this column appears twice"});
      continue;
    }
    by_cell[i] = &cols[*c];
    cell_of.emplace(cols[*c].name, i);
  }
  if (!cell_of.count(kCsvIdColumn))
    P.push_back({header.line, header.record, "", "no_id_column",
                 "ID列がありません（行を特定できません）",
                 "there is no ID column (rows cannot be matched to records)"});
  // An unknown column (a typo in a heading) still lets the rows be checked, so one run
  // names every problem; nothing is written either way.
  for (const ImportProblem& p : P)
    if (p.code != "unknown_column") return r;
  auto header_of = [&](std::string_view field) -> std::string {
    auto it = cell_of.find(field);
    return it == cell_of.end() ? std::string(field) : header.cells[it->second];
  };

  // [SECTION] Rows: everything checked before anything is written
  std::vector<Planned> plan;
  std::map<std::string, int, std::less<>> first_row;
  for (size_t ri = 1; ri < doc.records.size(); ++ri) {
    const CsvRecord& rec = doc.records[ri];
    if (all_empty(rec)) continue;  // spreadsheets leave rows of empty cells at the end
    auto add = [&](std::string where, std::string code, std::string ja, std::string en) {
      P.push_back(
          {rec.line, rec.record, std::move(where), std::move(code), std::move(ja), std::move(en)});
    };
    if (rec.cells.size() != header.cells.size()) {
      add("", "cell_count",
          "セルの数が" + std::to_string(rec.cells.size()) + "個です（見出しは" +
              std::to_string(header.cells.size()) + "列）",
          "has " + std::to_string(rec.cells.size()) + " cells; the header has " +
              std::to_string(header.cells.size()));
      continue;
    }
    const std::string id = normalize_text(rec.cells[cell_of.at(kCsvIdColumn)]);
    if (id.empty()) {
      add(header_of(kCsvIdColumn), "required", "「ID」は必須です", "\"ID\" is required");
      continue;
    }
    if (auto bad = id_problem(id)) {
      add(header_of(kCsvIdColumn), "bad_id", bad->first, bad->second);
      continue;
    }
    if (auto seen = first_row.find(id); seen != first_row.end()) {
      add(header_of(kCsvIdColumn), "duplicate_id",
          "ID「" + id + "」は" + std::to_string(seen->second) + "行目にもあります",
          "ID \"" + id + "\" is also on row " + std::to_string(seen->second));
      continue;
    }
    first_row.emplace(id, rec.record);
    if (auto d = cell_of.find(kCsvDatasetColumn); d != cell_of.end()) {
      const std::string ds = normalize_text(rec.cells[d->second]);
      if (!ds.empty() && ds != store.dataset())
        add(header.cells[d->second], "dataset_mismatch",
            "この行は「" + ds + "」のデータです。「" + store.dataset() +
                "」には取り込めません（訓練と実災害のデータは混ぜません）",
            "this row belongs to " + ds + " and cannot enter " + store.dataset() +
                " (drill and real data never mix)");
    }
    Fields f;
    for (size_t i = 0; i < rec.cells.size(); ++i)
      if (by_cell[i] && by_cell[i]->field)
        f.emplace(std::string(by_cell[i]->name),
                  rec.cells[i].empty() ? Value{} : Value{rec.cells[i]});
    const auto current = store.load(kind, id);
    if (current && current->deleted) {
      add(header_of(kCsvIdColumn), "deleted", "ID「" + id + "」は削除されています",
          "ID \"" + id + "\" has been deleted");
      continue;
    }
    const bool create = !current;
    // A shelter registered from a master list has not been opened yet.
    if (create && kind == EntityKind::Shelter && !f.count("open_state"))
      f["open_state"] = "not_opened";
    ValidateOptions vo;
    vo.creating = create;
    std::vector<Problem> problems = normalize_and_validate(s, id, f, vo);
    if (kind == EntityKind::Shelter) must_exist(store, f, "area_id", EntityKind::Area, problems);
    if (kind == EntityKind::Area) must_exist(store, f, "branch_id", EntityKind::Branch, problems);
    if (kind == EntityKind::Branch)
      if (auto n = f.find("node_id"); n != f.end() && as_text(n->second) && !as_text(n->second)->empty() &&
                                      !is_valid_node_id(*as_text(n->second)))
        problems.push_back({"node_id", "bad_node_id",
                            "ノードID「" + *as_text(n->second) + "」は英数字と - _ . で書きます（例: kita）",
                            "node id \"" + *as_text(n->second) + "\" is letters, digits, - _ . (e.g. kita)"});
    if (!create)  // an existing record: a required column left empty is not "unchanged"
      for (const auto& [name, v] : f)
        if (const FieldSpec* fs = s.field(name); fs && fs->required && is_null(v))
          problems.push_back({name, "required", "「" + std::string(fs->ja) + "」は必須です",
                              "\"" + std::string(fs->en) + "\" is required"});
    for (const Problem& p : problems)
      add(p.field.empty() ? "" : header_of(p.field), p.code, p.ja, p.en);
    if (!problems.empty()) continue;
    if (!create)
      for (auto it = f.begin(); it != f.end();)
        it = current->get(it->first) == it->second ? f.erase(it) : std::next(it);
    if (!create && f.empty()) {
      ++r.unchanged;
      continue;
    }
    plan.push_back({id, std::move(f), create, rec.record, rec.line});
  }
  if (!P.empty()) {
    r.unchanged = 0;
    return r;
  }

  // [SECTION] Write: one transaction
  try {
    store.batch([&] {
      // Every row the store refuses (a branch writing outside its areas) is named, not only
      // the first; a refused put writes nothing, and any refusal rolls the whole file back.
      for (const Planned& p : plan) {
        LocalResult lr = store.put(kind, p.id, p.fields, o.operator_name);
        if (!lr.ok) {
          for (const Problem& q : lr.problems)
            P.push_back(
                {p.line, p.row, q.field.empty() ? "" : header_of(q.field), q.code, q.ja, q.en});
          continue;
        }
        ++(p.create ? r.created : r.updated);
      }
      if (!P.empty()) throw Abort{};
    });
  } catch (const Abort&) {
    r.created = r.updated = r.unchanged = 0;
    return r;
  }
  r.ok = true;
  return r;
}

CsvImportResult import_csv_file(Store& store, EntityKind kind, const std::string& path,
                                const CsvImportOptions& o) {
  std::string text;
  if (auto problem = read_import_file(path, text)) {
    CsvImportResult r;
    r.problems.push_back(std::move(*problem));
    return r;
  }
  return import_csv(store, kind, text, o);
}

}  // namespace honbu
