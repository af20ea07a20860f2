// The op: every change to a node's data, local or remote, is one of these.
// (origin, seq) identifies it; seq is contiguous per origin and never reused.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "model/hlc.hpp"
#include "model/schema.hpp"
#include "model/value.hpp"

namespace honbu {

inline constexpr int kSchemaVersion = 10;           // this build's store schema
inline constexpr int kCompatibleSchemaVersion = 1;  // oldest schema this build still writes

inline constexpr std::string_view kActualDataset = "ACTUAL";
inline constexpr std::string_view kExercisePrefix = "EXERCISE:";
inline bool is_exercise_dataset(std::string_view d) { return d.starts_with(kExercisePrefix); }
// Node ids: 1–64 ASCII letters, digits, '-', '_' or '.' (they appear in files and clocks).
bool is_valid_node_id(std::string_view id);
// "ACTUAL" or "EXERCISE:<name>" where the name follows the node-id rules.
bool is_valid_dataset_name(std::string_view d);

enum class OpType : std::uint8_t {
  Upsert = 1,  // set fields (create or update)
  Delete = 2,  // tombstone; merges deterministically (delete wins, and stays)
  Delta = 3,   // add signed deltas to Counter fields
};
std::string_view op_type_name(OpType t);
std::optional<OpType> op_type_from_name(std::string_view name);

// Which write a field's current value came from: ordered by (hlc, origin).
struct FieldClock {
  Hlc hlc;
  std::string origin;
  auto operator<=>(const FieldClock&) const = default;
};

// For an Upsert: the clock of each field's value the writer saw when editing. A write whose
// base is not the current value is concurrent with it: the loser is kept as a conflict.
using BaseClocks = std::map<std::string, FieldClock, std::less<>>;

struct Op {
  std::string origin;  // node id that created the op
  std::uint64_t seq = 0;
  Hlc hlc;
  std::string dataset;
  EntityKind kind = EntityKind::Incident;
  std::string entity_id;
  OpType type = OpType::Upsert;
  Fields fields;
  BaseClocks base;
  std::string operator_name;  // the person who made the change
  int schema_version = kSchemaVersion;
  std::string signature;  // Ed25519 signature by the origin over signing_bytes(); may be empty
  // Digest (32 bytes) of signing_bytes() of the origin's previous op (seq - 1); empty for
  // seq 1 and for ops of writers before schema 4. Chains an origin's ops, so that one valid
  // signature vouches for a whole run of relayed ops (sync/PROTOCOL.md, "Origin signatures").
  std::string prev;

  bool same_content(const Op& other) const;  // everything but (origin, seq) and the signature
};

// An op read back from the log to be sent on unchanged (sync relaying): its fields stay in
// the canonical JSON the log holds (Op::fields is left empty). Decoding them into Fields
// only to encode them again was most of a sending node's CPU in a catch-up (profiled).
struct StoredOp {
  Op op;
  std::string fields_json;
};

// The exact bytes an origin signs: every field of the op, each length-prefixed
// ("<len>:<bytes>"), after the tag "honbu-op-v2" (with prev) or "honbu-op-v1" (without).
// Documented in sync/PROTOCOL.md.
std::string signing_bytes(const Op& op);

std::string encode_base(const BaseClocks& base);  // "HLC@origin:field,field;..." (canonical)
BaseClocks decode_base(std::string_view text);    // throws DecodeError naming the byte

// Highest contiguous seq per origin: "I have every op of X up to n".
using VersionVector = std::map<std::string, std::uint64_t, std::less<>>;
std::string encode_vector(const VersionVector& v);      // JSON {"origin":seq}
VersionVector decode_vector(std::string_view json);     // throws DecodeError
// Total number of ops `have` holds that `peer` lacks, by the vectors (lag in ops).
std::uint64_t ops_ahead(const VersionVector& have, const VersionVector& peer);

}  // namespace honbu
