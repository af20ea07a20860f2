// [SECTION] The sync wire format (version 1). Specified in sync/PROTOCOL.md.
// Every message is two ZeroMQ frames: a 4-byte header ("HB", version, type) and a UTF-8
// JSON body. Decoders reject anything malformed, oversized or of another version with a
// WireError that says what and where; they never crash on input.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/errors.hpp"
#include "model/op.hpp"
#include "model/time.hpp"

namespace honbu::sync {

inline constexpr std::uint8_t kProtocolVersion = 1;
inline constexpr std::size_t kMaxBodyBytes = 8u << 20;  // also ZMQ_MAXMSGSIZE
inline constexpr std::size_t kMaxOpsPerChunk = 2000;
inline constexpr std::size_t kMaxVectorEntries = 10000;

class WireError : public Error {
 public:
  using Error::Error;
};

enum class MsgType : std::uint8_t { Hello = 1, Vector = 2, Ops = 3, Ack = 4, Ping = 5, Error = 6 };
std::string_view msg_type_name(MsgType t);

// First message on every connection, in both directions.
struct Hello {
  std::string node_id;   // must match the identity CURVE authenticated
  std::string role;      // hq | branch | relay
  std::string dataset;   // ACTUAL or EXERCISE:<name>: both sides must agree
  int schema_version = kSchemaVersion;
  VersionVector vector;  // what the sender holds (contiguous per origin)
  std::uint32_t window = 4;  // chunks the sender accepts in flight (its credit to us)
  // Per origin, the digest (32 bytes) of the op at `vector`'s seq as the sender holds it:
  // a receiver holding that seq with another digest holds another history of the origin
  // (its key in use on two machines). Optional; absent from older senders.
  std::map<std::string, std::string> heads;
  bool operator==(const Hello&) const = default;
};

// Anti-entropy: "this is what I hold"; the other side streams what it lacks.
struct VectorMsg {
  VersionVector vector;
  bool operator==(const VectorMsg&) const = default;
};

// A chunk of ops, applied by the receiver in one transaction and acknowledged.
struct OpsMsg {
  std::uint64_t chunk = 0;  // increasing per connection and direction
  std::string dataset;
  std::vector<Op> ops;      // each op's dataset is the message's
};

struct Refusal {
  std::string origin;
  std::uint64_t seq = 0;
  std::string reason;
  bool operator==(const Refusal&) const = default;
};

// Sent after the chunk's transaction committed: returns one credit, carries the new vector.
struct Ack {
  std::uint64_t chunk = 0;
  VersionVector vector;
  std::vector<Refusal> refused;  // ops of the chunk that were not accepted, and why
  bool operator==(const Ack&) const = default;
};

// Keeps "last heard" fresh when there is nothing else to say.
struct Ping {
  TimeMs sent_at = 0;
  bool operator==(const Ping&) const = default;
};

// The sender is about to drop the connection (or the message it refers to was refused).
struct ErrorMsg {
  std::string code;  // e.g. "dataset_mismatch", "malformed", "unauthorized", "version"
  std::string message;
  bool operator==(const ErrorMsg&) const = default;
};

using Message = std::variant<Hello, VectorMsg, OpsMsg, Ack, Ping, ErrorMsg>;

struct Frames {
  std::string header;  // 4 bytes
  std::string body;    // JSON
};

Frames encode(const Message& message);
// Throws WireError: unknown version or type, malformed JSON, missing or mistyped member,
// invalid node id / dataset / kind, oversized body or chunk.
Message decode(std::string_view header, std::string_view body);

// One op as a JSON object (also used by bundles). `dataset` fills Op::dataset on decode.
std::string encode_op_json(const Op& op);
// The same bytes for an op read back from the log with its fields as stored (the JSON is
// checked by the receiver's rules first; throws WireError naming the op if it fails them).
std::string encode_op_json(const StoredOp& so);
Op decode_op_json(std::string_view json, std::string_view dataset);

// The OPS message for ops already encoded by encode_op_json() (what the relay cache holds):
// the same bytes encode(OpsMsg) gives for those ops.
Frames encode_ops_frames(std::uint64_t chunk, std::string_view dataset,
                         const std::vector<const std::string*>& op_json);
// Bytes the OPS message adds around its ops' JSON (for sizing a chunk before building it).
std::size_t ops_frame_overhead(std::string_view dataset, std::size_t n_ops);

}  // namespace honbu::sync
