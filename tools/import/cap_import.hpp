// [SECTION] CAP 1.2 import: an alert from another system (e.g. the prefecture) into this node
//
// Parsed with libxml2 (no network, no external entities), validated against the OASIS XSD,
// then checked for what the XSD cannot say (CAP 1.2 rules on identifiers, references,
// polygons; the municipality code's check digit). Every problem names its line and element.
// A valid alert becomes a クロノロ entry, and an incident when it reports something that has
// happened (mapping in docs/exports.md "CAP 1.2"). All or nothing, in one transaction;
// importing the same alert again writes nothing. Exercise alerts never enter ACTUAL data and
// Actual alerts never enter a drill.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/store.hpp"
#include "tools/import/problem.hpp"

namespace honbu {

struct CapImportOptions {
  std::string xsd_path;  // default: assets/schemas/CAP-v1.2.xsd of this source tree
  std::string operator_name = "CAP取込";  // recorded on the ops
  std::string source_name = "CAP";        // the file's name, for messages
  std::string to_org = "本部";            // クロノロ 受信者
};

struct CapImportResult {
  bool ok = false;                      // valid and written (or already there)
  bool duplicate = false;               // imported before: nothing written this time
  std::vector<ImportProblem> problems;  // every problem; nothing written when not empty
  std::string identifier, sender, status, msg_type;
  std::string chronology_id;  // the クロノロ entry for this alert
  std::string incident_id;    // the incident created, updated or cancelled (or empty)
  bool incident_created = false;
};

// Parse and validate only (no store): the same problems import_cap() would report, except
// the dataset check.
std::vector<ImportProblem> validate_cap(std::string_view xml, const CapImportOptions& options);

CapImportResult import_cap(Store& store, std::string_view xml, const CapImportOptions& options);
CapImportResult import_cap_file(Store& store, const std::string& path, CapImportOptions options);

// The id of the クロノロ entry (and incident) an alert maps to: "cap-" + 16 hex digits of a
// hash of sender and identifier. Stable, so a second import finds the first.
std::string cap_entity_id(std::string_view sender, std::string_view identifier);

}  // namespace honbu
