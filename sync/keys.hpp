// [SECTION] Keys and the allow-list.
// Each node has two key pairs: CURVE (ZeroMQ transport: encryption + who is connecting)
// and Ed25519 (signatures on the ops it originates, so that relays and bundles can carry
// them). The allow-list binds each public key to a node id, a role and what it may write.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/errors.hpp"

namespace honbu::sync {

class KeyError : public Error {
 public:
  using Error::Error;
};

enum class Role { Hq, Branch, Relay };
std::string_view role_name(Role r);               // "hq", "branch", "relay"
bool role_from_name(std::string_view name, Role& out);

struct PublicKeys {
  std::string curve;  // Z85, 40 characters (as ZeroMQ expects)
  std::string sign;   // Ed25519 public key, 32 raw bytes
  bool operator==(const PublicKeys&) const = default;
};

// Thread-safety: immutable after load; share freely.
struct NodeKeys {
  std::string node_id;
  std::string curve_public, curve_secret;  // Z85, 40 characters each
  std::string sign_public;                 // 32 raw bytes
  std::string sign_secret;                 // 64 raw bytes (libsodium layout)

  PublicKeys public_keys() const { return {curve_public, sign_public}; }
  std::string sign(std::string_view bytes) const;  // detached Ed25519 signature, 64 bytes
};

NodeKeys generate_keys(std::string_view node_id);
// The secret key file: created with mode 0600; refuses to overwrite an existing file.
void save_secret_keys(const NodeKeys& keys, const std::string& path);
NodeKeys load_secret_keys(const std::string& path);  // KeyError naming the file and the problem
bool verify_signature(std::string_view sign_public, std::string_view bytes, std::string_view signature);
// The text form of an Ed25519 key in key files and the allow-list: standard base64, padded.
std::string sign_key_base64(std::string_view raw);
// BLAKE2b-256 of an op's signing bytes: the link of the per-origin op chain (Op::prev).
std::string op_digest(std::string_view signing_bytes);

// One allowed node.
struct AllowEntry {
  std::string node_id;
  Role role = Role::Branch;
  std::string branch_id;           // for role branch: the office it reports for
  std::vector<std::string> areas;  // for role branch: the areas it may write for
  PublicKeys keys;
  bool revoked = false;
  bool operator==(const AllowEntry&) const = default;
};

// The allow-list file (YAML, see docs/security.md):
//   nodes:
//     - id: kita
//       role: branch
//       branch: kita
//       areas: [kitayama, uenodai]
//       curve: "<Z85 public key>"
//       sign: "<base64 Ed25519 public key>"
//       revoked: false
class AllowList {
 public:
  static AllowList load(const std::string& path);  // KeyError with file:line and the reason
  static AllowList parse(std::string_view yaml, std::string_view source_name);
  void save(const std::string& path) const;        // atomic (write to temp, rename)
  std::string to_yaml() const;

  const AllowEntry* by_node(std::string_view node_id) const;  // includes revoked entries
  const AllowEntry* by_curve(std::string_view curve_z85) const;
  void upsert(AllowEntry entry);                   // add, or replace the entry of that node
  bool revoke(std::string_view node_id);           // false if unknown
  const std::vector<AllowEntry>& entries() const { return entries_; }

 private:
  std::vector<AllowEntry> entries_;
};

}  // namespace honbu::sync
