#include "model/export/csv.hpp"

#include <charconv>

#include "model/export/dataset.hpp"
#include "model/op.hpp"
#include "model/queries.hpp"
#include "model/text.hpp"

namespace honbu {

namespace {

std::string number(double d) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);  // shortest text that reads back exactly
  return std::string(buf, r.ptr);
}

std::string cell_text(const FieldSpec& f, const Value& v, const CsvOptions& o) {
  const bool tri = f.type == FieldType::Count || f.type == FieldType::Measure;
  if (is_null(v)) {
    if (tri && o.labels) return o.lang == Lang::Ja ? "未確認" : "unknown";
    return {};
  }
  if (const std::string* s = as_text(v)) {
    if (f.type == FieldType::Enum && o.labels && f.enumeration)
      return std::string(f.enumeration->text(*s, o.lang));
    return *s;
  }
  if (f.type == FieldType::Bool) {
    const bool yes = as_int(v).value_or(0) != 0;
    if (!o.labels) return yes ? "1" : "0";
    return o.lang == Lang::Ja ? (yes ? "はい" : "いいえ") : (yes ? "yes" : "no");
  }
  if (auto i = as_int(v)) return std::to_string(*i);
  if (auto d = as_real(v)) return number(*d);
  return {};
}

}  // namespace

std::vector<CsvColumn> csv_columns(EntityKind kind) {
  std::vector<CsvColumn> cols{{kCsvDatasetColumn, "データセット", "Dataset", nullptr},
                              {kCsvIdColumn, "ID", "ID", nullptr}};
  for (const FieldSpec& f : spec(kind).fields) cols.push_back({f.name, f.ja, f.en, &f});
  return cols;
}

std::string csv_cell(std::string_view text) {
  bool quote = !text.empty() && (text.front() == ' ' || text.back() == ' ');
  for (char c : text)
    if (c == ',' || c == '"' || c == '\r' || c == '\n') quote = true;
  if (!quote) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void append_csv_row(std::string& out, const std::vector<std::string>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    out += csv_cell(cells[i]);
  }
  out += "\r\n";
}

std::string export_csv(Db& db, EntityKind kind, const CsvOptions& o) {
  const EntitySpec& s = spec(kind);
  const std::vector<CsvColumn> cols = csv_columns(kind);
  const std::string dataset = export_context(db).dataset;
  std::string out = o.bom ? "\xEF\xBB\xBF" : "";
  std::vector<std::string> cells;
  for (const CsvColumn& c : cols) cells.emplace_back(c.header(o));
  append_csv_row(out, cells);
  auto q = db.query("SELECT " + detail::select_columns(s) + " FROM " + std::string(s.table) +
                    " WHERE _deleted = 0 ORDER BY id");
  while (q->step()) {
    cells.clear();
    cells.push_back(dataset);
    cells.push_back(q->column_text(0));
    for (size_t i = 0; i < s.fields.size(); ++i)
      cells.push_back(cell_text(s.fields[i], q->column(static_cast<int>(i) + 1), o));
    append_csv_row(out, cells);
  }
  return out;
}

std::span<const EntityKind> csv_export_kinds() {
  static constexpr EntityKind kKinds[] = {
      EntityKind::Incident,    EntityKind::Lifeline,        EntityKind::BranchReport,
      EntityKind::Shelter,     EntityKind::ShelterSupply,   EntityKind::Request,
      EntityKind::Chronology,  EntityKind::EvacuationOrder, EntityKind::Area,
      EntityKind::Branch,      EntityKind::OfficeStatus,    EntityKind::HqState,
      EntityKind::DrillMessage};
  return kKinds;
}

std::string csv_file_name(EntityKind kind) {
  return std::string(spec(kind).table) + ".csv";
}

std::optional<EntityKind> csv_kind_from_name(std::string_view name) {
  if (const size_t slash = name.find_last_of('/'); slash != std::string_view::npos)
    name.remove_prefix(slash + 1);
  if (name.ends_with(".csv")) name.remove_suffix(4);
  for (EntityKind k : all_kinds())
    if (spec(k).table == name || spec(k).name == name) return k;
  return std::nullopt;
}

// [SECTION] Reader

CsvDocument parse_csv(std::string_view text) {
  CsvDocument doc;
  if (text.starts_with("\xEF\xBB\xBF")) {
    doc.bom = true;
    text.remove_prefix(3);
  }
  if (!is_valid_utf8(text)) {
    // Find the line of the first bad byte for the message.
    int line = 1;
    size_t good = 0;
    for (size_t i = 0; i <= text.size(); ++i)
      if (i == text.size() || text[i] == '\n') {
        if (!is_valid_utf8(text.substr(good, i - good))) break;
        good = i + 1;
        ++line;
      }
    doc.errors.push_back(
        {line, 0, "not_utf8",
         "文字コードがUTF-8ではありません（Shift_JISで保存されていませんか。UTF-"
         "8で保存し直してください）",
         "the file is not UTF-8 (saved as Shift_JIS? save it again as CSV UTF-8)"});
    return doc;
  }
  int line = 1;
  size_t i = 0;
  const size_t n = text.size();
  auto at_line_end = [&](size_t p) { return p < n && (text[p] == '\n' || text[p] == '\r'); };
  auto skip_line_end = [&](size_t& p) {
    if (text[p] == '\r' && p + 1 < n && text[p + 1] == '\n') ++p;
    ++p;
    ++line;
  };
  int record_no = 0;
  while (i < n) {
    CsvRecord rec;
    rec.line = line;
    bool end_of_record = false;
    bool bad = false;
    while (!end_of_record) {
      std::string cell;
      const int col = static_cast<int>(rec.cells.size()) + 1;
      if (i < n && text[i] == '"') {
        const int start_line = line;
        ++i;
        bool closed = false;
        while (i < n) {
          if (text[i] == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              cell += '"';
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (text[i] == '\n' || (text[i] == '\r' && !(i + 1 < n && text[i + 1] == '\n'))) ++line;
          cell += text[i++];
        }
        if (!closed) {
          doc.errors.push_back({start_line, col, "unterminated_quote",
                                "「\"」で始まったセルが閉じられていません（ファイルの終わりまで）",
                                "a quoted cell is never closed (runs to the end of the file)"});
          return doc;
        }
        if (i < n && text[i] != ',' && !at_line_end(i)) {
          doc.errors.push_back(
              {line, col, "text_after_quote",
               "閉じる「\"」の後に文字があります（セル内の「\"」は「\"\"」と書きます）",
               "text follows the closing quote (write a quote inside a cell as \"\")"});
          bad = true;
          while (i < n && text[i] != ',' && !at_line_end(i)) ++i;
        }
      } else {
        while (i < n && text[i] != ',' && !at_line_end(i)) {
          if (text[i] == '"' && !bad) {
            doc.errors.push_back(
                {line, col, "stray_quote",
                 "引用符で囲まれていないセルに「\"」があります（セル全体を「\"」で囲んでください）",
                 "a quote inside a cell that is not quoted (quote the whole cell)"});
            bad = true;
          }
          cell += text[i++];
        }
      }
      rec.cells.push_back(std::move(cell));
      if (i < n && text[i] == ',') {
        ++i;
        if (i == n) rec.cells.emplace_back();  // "a,b," at the very end: a last empty cell
        continue;
      }
      if (i < n) skip_line_end(i);
      end_of_record = true;
    }
    rec.record = ++record_no;  // a blank line is a row in a spreadsheet too
    const bool blank = rec.cells.size() == 1 && rec.cells[0].empty();
    if (!blank) doc.records.push_back(std::move(rec));
  }
  return doc;
}

}  // namespace honbu
