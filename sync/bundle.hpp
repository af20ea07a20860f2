// [SECTION] Bundles: the op log carried on a USB stick when every link is down.
//
// A bundle is a text file:
//   line 1   HONBU-BUNDLE 1
//   line 2   header JSON: dataset, from, for, created_at, since (the vector the ops start
//            after), upto (the exporter's vector), op count
//   lines    one op per line, in the wire format (sync/PROTOCOL.md), each signed by its origin
//   last     {"blake2b": hex of every byte above, "sig": exporter's Ed25519 signature of it}
// Importing applies every op through the same idempotent path as sync, in one transaction:
// twice or out of order is harmless; a truncated or tampered file is refused whole. An
// authentic op the role rules refuse is left out and named, and the rest applied (as over a
// link): one out-of-area record must not stop every later bundle of its node.
#pragma once

#include <string>
#include <vector>

#include "model/labels.hpp"
#include "model/store.hpp"
#include "sync/keys.hpp"

namespace honbu::sync {

class BundleError : public Error {
 public:
  using Error::Error;
};

struct BundleHeader {
  int format = 1;
  std::string dataset, from_node, for_node;
  TimeMs created_at = 0;
  VersionVector since, upto;
  std::size_t op_count = 0;
};

// Writes the ops `since` lacks (everything when empty) to `path` (atomically). Returns the
// header written. Ops without an origin signature cannot travel in a bundle: BundleError.
BundleHeader write_bundle(Store& store, const NodeKeys& exporter, const std::string& for_node,
                          const VersionVector& since, const std::string& path);

struct Bundle {
  BundleHeader header;
  std::vector<Op> ops;            // the ops to apply
  std::vector<std::string> refused;  // "line 5: op kita#11 refused: <role rule>", left out of ops
};

// Reads and checks a bundle: format, checksum, exporter's signature (exporter on `allow`),
// every op's origin signature (BundleError naming the line and the problem), and role
// rules (an op they refuse is moved to `refused`).
Bundle read_bundle(const std::string& path, const AllowList& allow);

struct ImportResult {
  BundleHeader header;
  ApplyReport report;
  std::vector<std::string> refused;  // by the role rules, not applied (Bundle::refused)
  // "; 1 refused by the role rules: line 5: op kita#11 refused: ..." or "" (the lines
  // themselves stay as the store wrote them).
  std::string refused_text(Lang lang = Lang::En) const;
};

// read_bundle(), then the dataset check, then one transaction. Nothing is applied on error.
ImportResult import_bundle(Store& store, const AllowList& allow, const std::string& path);

}  // namespace honbu::sync
