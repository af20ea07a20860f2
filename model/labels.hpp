// The domain's enumerations as data: a stable ASCII code (stored) plus Japanese and
// English labels (shown). Source: ../shared/docs/domain.md §1–§3.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace honbu {

enum class Lang { Ja, En };

// The language of a POSIX locale string: English when it says so ("en_US.UTF-8"), Japanese
// otherwise. The people this is for work in Japanese, and a bare C or C.UTF-8 (a fresh
// machine, a service) must not switch them to English.
Lang lang_from_locale(const char* locale);
// The same for this process: LC_ALL, else LC_MESSAGES, else LANG (the first that is set).
Lang lang_from_environment();

struct Label {
  std::string_view code;  // stored in ops and tables; never translated
  std::string_view ja;
  std::string_view en;
  std::string_view text(Lang lang) const { return lang == Lang::Ja ? ja : en; }
};

struct Enumeration {
  std::string_view name;  // e.g. "incident_status"
  std::span<const Label> values;

  const Label* find(std::string_view code) const;
  // Label for a code, or the code itself when unknown (e.g. from a newer version).
  std::string_view text(std::string_view code, Lang lang) const;
  // Accepts a code or a ja/en label (for CSV and scenario input); empty if no match.
  std::string_view code_for(std::string_view code_or_label) const;
};

namespace enums {
extern const Enumeration incident_category;   // 人的被害, 建物被害, 火災, ...
extern const Enumeration channel;             // 電話, FAX, 防災行政無線, ... (source channel)
extern const Enumeration verification;        // 未確認 / 確認中 / 確認済 / 誤報・重複
extern const Enumeration priority;            // 緊急(人命) / 高 / 中 / 低
extern const Enumeration incident_status;     // 受付 / 対応中 / 対応済 / 取消
extern const Enumeration lifeline_type;       // 電力, 都市ガス, LPガス, 上水道, ...
extern const Enumeration lifeline_status;     // 被害なし, 情報収集中, 一部支障, ...
extern const Enumeration report_type;         // 速報 / 確定
extern const Enumeration shelter_type;        // 指定避難所, 福祉避難所, ...
extern const Enumeration shelter_open_state;  // 未開設 / 開設 / 閉鎖 / 不明 / 常設
extern const Enumeration crowding;            // 空き / 混雑 / 定員一杯 / 不明
extern const Enumeration facility_state;      // 使用可 / 要点検 / 使用不可 / 不明
extern const Enumeration vulnerable_group;    // 要配慮者 categories
extern const Enumeration supply_item;         // 基本8品目 (push support)
extern const Enumeration request_kind;        // 物資 / 人員 / 資機材 / 作業 / その他
extern const Enumeration request_status;      // 未対応 / 割当済 / 対応中 / 完了 / 取消
extern const Enumeration chronology_category; // 人的被害 / 建物被害 / 避難 / ...
extern const Enumeration chronology_state;    // 未処理 / 対応中 / 済
extern const Enumeration medium;              // 電話, FAX, 無線, 口頭, システム, メール
extern const Enumeration hq_state;            // 未設置 / 連絡室 / 警戒本部 / 対策本部 / 廃止
extern const Enumeration activation_level;    // default 配備体制 (configurable per city)
extern const Enumeration evacuation_level;    // 警戒レベル 3 / 4 / 5
extern const Enumeration evacuation_action;   // 発令 / 解除
extern const Enumeration publication_format;  // 第4号様式その1 / その2 / CAP / GeoJSON / CSV
extern const Enumeration branch_kind;         // 本部 / 総合支所 / 支所 / 出張所
extern const Enumeration power_source;        // 商用 / 非常用発電 / 蓄電池 / 停止
extern const Enumeration building_safety;     // 使用可 / 要点検 / 使用不可

// Every enumeration above, for tests and tools.
std::span<const Enumeration* const> all();
}  // namespace enums

// How serious a lifeline status is, for an area's worst one (the map's colour, the GeoJSON
// export's worst_status): 支障 > 一部支障 > 復旧作業中 > 情報収集中 > 不明 > 復旧済 > 被害なし.
// Higher is worse; a code this version does not know ranks below 被害なし (0).
int lifeline_severity(std::string_view status);

// What a lifeline's 支障数 counts, as its unit: 戸 (households) for power, gas, water and
// sewer, 回線 for fixed lines, 箇所 for mobile areas and road closures, 区間 for rail
// sections (domain.md §2). "" for a type this version does not know.
std::string_view lifeline_affected_unit(std::string_view type, Lang lang);
// "1734戸" / "1734 households": a count with its unit.
std::string lifeline_affected_text(std::string_view type, std::int64_t n, Lang lang);

// Legacy evacuation words (before 2021-05-20) -> current level code, or empty.
std::string_view map_legacy_evacuation(std::string_view legacy_name);

}  // namespace honbu
