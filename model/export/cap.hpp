// [SECTION] CAP 1.2 export (OASIS Common Alerting Protocol, urn:oasis:names:tc:emergency:cap:1.2)
//
// What HQ publishes, as one <alert> document per message: evacuation orders (高齢者等避難 /
// 避難指示 / 緊急安全確保, and their 解除), shelter openings and closings, and the HQ's own
// state (本部設置 / 廃止). Plain text output, no XML library (model/ links SQLite only); every
// document validates against the OASIS XSD (tests check it with xmllint and libxml2).
// The mapping, identifiers and message threads are documented in docs/exports.md "CAP 1.2".
// Drill data is always status Exercise, never Actual.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/db.hpp"
#include "model/errors.hpp"
#include "model/geojson.hpp"
#include "model/schema.hpp"

namespace honbu {

inline constexpr std::string_view kCapNamespace = "urn:oasis:names:tc:emergency:cap:1.2";
// <geocode><valueName> for the 6-digit 全国地方公共団体コード (with check digit): the name
// Lアラート uses for the same code.
inline constexpr std::string_view kCapGeocodeName = "jisX0402";

// Which messages to produce.
enum class CapSelection {
  Latest,    // the newest message of each item (an evacuation order's area, a shelter, the HQ),
             // including the Cancel that ended it
  InEffect,  // only items currently in effect (the newest message is not a Cancel)
  History,   // every message ever published, oldest first (a full feed)
};

// One entity: an evacuation order record (exactly its message), an area (its evacuation
// thread), a shelter, or the HQ state ("hq").
struct CapTarget {
  EntityKind kind = EntityKind::EvacuationOrder;
  std::string id;
};

struct CapOptions {
  CapSelection selection = CapSelection::Latest;
  std::optional<CapTarget> only;  // none: every item of the kinds below
  bool evacuation = true, shelters = true, hq_state = true;
  std::string sender;                 // <sender>; default "honbu-<code>"; no spaces, commas, < or &
  std::string sender_name;            // <senderName>; default "<市町村>災害対策本部"
  std::string municipality_code;      // default: the HQ state's, else an area's (6 digits, checked)
  const AreaMap* area_map = nullptr;  // area polygons; none: areaDesc and geocode only
};

struct CapAlert {
  std::string identifier, sender, sent;  // sent: "2026-11-22T10:40:00+09:00"
  std::string status;                    // "Actual" or "Exercise"
  std::string msg_type;                  // "Alert", "Update" or "Cancel"
  std::vector<std::string> references;   // "sender,identifier,sent" of earlier messages
  EntityKind kind = EntityKind::EvacuationOrder;
  std::string entity_id;  // evacuation: the order record; shelter: its id; HQ: "hq"
  std::string xml;        // the whole document (UTF-8, with XML declaration)
};

class CapError : public Error {
 public:
  using Error::Error;
};

// The CAP messages for what the database holds (never writes). Throws CapError when there is
// no valid municipality code or the sender is not a valid CAP sender.
std::vector<CapAlert> export_cap(Db& db, const CapOptions& options);

// A file name for the alert: its identifier (only [A-Za-z0-9._%-]) + ".xml".
std::string cap_file_name(const CapAlert& alert);

// Text escaped for XML character data (& < > " '); characters XML 1.0 forbids are dropped.
std::string xml_escape(std::string_view text);

// CAP identifiers and senders must not contain spaces, commas, '<' or '&' (CAP 1.2 §3.2.1).
bool is_valid_cap_token(std::string_view s);

}  // namespace honbu
