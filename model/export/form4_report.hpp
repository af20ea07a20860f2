// [SECTION] 消防庁 第4号様式 (災害即報): その1 (災害概況即報) and その2 (被害状況即報) as HQ
// sends them upward, built from the store as of a chosen time: each office's latest 支所報告
// (HQ's own included) summed field by field, totals computed (小計, 被害総額, り災; never
// typed), 未確認 kept apart from 0, 第N報 numbered from the reports already issued, and what
// changed since the previous issued report marked (national sitreps underline it).
// Issuing is an explicit act: issue_form4() records it (a Publication) with the figures as
// sent; building or previewing a report writes nothing.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/entities.hpp"
#include "model/export/dataset.hpp"
#include "model/export/publication.hpp"
#include "model/form4.hpp"
#include "model/queries.hpp"
#include "model/store.hpp"

namespace honbu {

enum class Form4Part { Sono1, Sono2 };
std::string_view form4_part_format(Form4Part p);  // the Publication format: form4_1 / form4_2

struct Form4Options {
  Form4Part part = Form4Part::Sono2;
  TimeMs as_of = 0;      // 「○月○日○時現在」: reports with a later as-of are left out
  TimeMs reported_at = 0;  // 報告日時 (default: as_of)
  std::string reporter;  // 報告者名
};

// One office's part in the totals (the annex 内訳).
struct Form4Source {
  std::string branch_id, name;
  std::optional<BranchReport> report;  // none: not reported by as_of (every field 未確認)
  std::int64_t stale_after_min = 60;   // the office's limit (支所 stale_after_min)
  // The latest report was already older than the office's limit at `as_of`: its figures go
  // to the prefecture as they were then, which the operator should know before issuing.
  bool stale_at(TimeMs as_of) const {
    return report && report->as_of && as_of - report->as_of->ms > stale_after_min * 60'000;
  }
};

struct Form4Report {
  Form4Part part = Form4Part::Sono2;
  ExportContext context;
  std::int64_t number = 1;  // 第N報: one more than the last issued (either part)
  TimeMs as_of = 0, reported_at = 0;
  std::string reporter;
  std::optional<HqState> hq;
  std::map<std::string, TriTotal, std::less<>> totals;  // form4 field and computed keys
  std::vector<Form4Source> sources;
  std::map<std::string, std::string, std::less<>> texts;  // form4 text key -> text (all offices)
  // The previous issued report (either part), and the keys whose figure differs from it.
  std::optional<Publication> previous;
  std::map<std::string, TriTotal, std::less<>> previous_totals;
  std::vector<std::string> changed;
  bool is_changed(std::string_view key) const;
  const TriTotal& total(std::string_view key) const;
};

Form4Report build_form4(Db& db, const Form4Options& options);

// Printable HTML: A4, Japanese, the form's block order; 訓練 / EXERCISE on drill data.
std::string form4_html(const Form4Report& r);
// CSV, one row per item: section, key, 項目, unit, value (empty = 未確認), unknown inputs,
// display, changed. Header row in Japanese or English; BOM for Excel when asked.
std::string form4_csv(const Form4Report& r, Lang lang, bool bom);

// The figures as issued (JSON): what the next report compares against.
std::string form4_snapshot(const Form4Report& r);
std::map<std::string, TriTotal, std::less<>> form4_snapshot_totals(std::string_view json);  // throws Error

// The record of issuing `r` (who, to whom, which file): Publication "form4-<N>", with the
// figures as sent. Write it with record_publication() (model/export/publication.hpp).
PublicationWrite form4_publication(const Form4Report& r, std::string_view operator_name, std::string_view addressed_to,
                                   std::string_view file_name, std::string_view rendered, TimeMs now);

}  // namespace honbu
