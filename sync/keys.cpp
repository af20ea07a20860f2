#include "sync/keys.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>
#include <zmq.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "model/op.hpp"
#include "model/text.hpp"

namespace honbu::sync {

namespace {

constexpr std::size_t kCurveZ85Size = 40;  // 32 bytes in Z85
constexpr std::string_view kKeyFileFormat = "honbu-node-keys-1";

void ensure_sodium() {
  // A function-local static is initialised exactly once, thread-safely (sodium_init is
  // itself idempotent and thread-safe since 1.0.11; this only keeps the check in one place).
  static const int rc = sodium_init();
  if (rc < 0) throw KeyError("libsodium could not be initialised (sodium_init failed)");
}

std::string errno_text() { return std::strerror(errno); }

std::string z85_encode32(const unsigned char* data) {
  char out[kCurveZ85Size + 1] = {};
  if (!zmq_z85_encode(out, data, 32)) throw KeyError("Z85 encoding failed");
  return std::string(out, kCurveZ85Size);
}

// Decodes a 40-character Z85 key; false if it is not exactly 32 bytes of valid Z85.
bool z85_decode32(std::string_view text, unsigned char* out) {
  if (text.size() != kCurveZ85Size) return false;
  const std::string z(text);  // zmq_z85_decode wants a NUL-terminated string
  return zmq_z85_decode(out, z.c_str()) != nullptr;
}

bool base64_decode(std::string_view text, std::string& out, std::size_t expected) {
  std::string buf(expected + 3, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(buf.data()), buf.size(), text.data(), text.size(),
                        nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
    return false;
  if (end != text.data() + text.size() || len != expected) return false;
  buf.resize(len);
  out = std::move(buf);
  return true;
}

std::string base64_encode(std::string_view raw) {
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string read_fd(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw KeyError("read failed: " + errno_text());
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

void fsync_dir_of(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::string mode_text(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

// [SECTION] YAML helpers: every error names "file:line" (1-based).

int line_of(const YAML::Node& n, int fallback = 1) {
  const YAML::Mark m = n.Mark();
  return m.is_null() || m.line < 0 ? fallback : m.line + 1;
}

[[noreturn]] void fail_at(std::string_view source, int line, const std::string& what) {
  throw KeyError(std::string(source) + ":" + std::to_string(line) + ": " + what);
}

std::string scalar_of(const YAML::Node& v, std::string_view source, std::string_view field, std::string_view who) {
  if (!v.IsScalar())
    fail_at(source, line_of(v), std::string(field) + ": expected a single value" + std::string(who));
  return v.Scalar();
}

// The entries of a parsed allow-list document, checked; KeyError with file:line otherwise.
std::vector<AllowEntry> entries_from_yaml(const YAML::Node& root, std::string_view source) {
  if (!root.IsMap())
    fail_at(source, line_of(root), "expected an allow-list: a map with a `nodes:` list");

  std::vector<AllowEntry> out;
  YAML::Node nodes;
  std::set<std::string> top_seen;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string();
    if (key == "format" && it->second.IsScalar() && it->second.Scalar() == kKeyFileFormat)
      fail_at(source, line_of(it->first),
              "this is a node's secret key file, not an allow-list entry: give its ID.pub.yaml (made beside it by "
              "honbu-keys gen), and never hand the secret key file to anyone");
    if (key != "nodes")
      fail_at(source, line_of(it->first), "unknown key \"" + key + "\" at the top level (expected only `nodes:`)");
    if (!top_seen.insert(key).second) fail_at(source, line_of(it->first), "duplicate key `nodes`");
    nodes = it->second;
  }
  if (top_seen.empty()) fail_at(source, line_of(root), "no `nodes:` list");
  if (nodes.IsNull()) return out;  // "nodes:" with nothing under it: an empty list
  if (!nodes.IsSequence()) fail_at(source, line_of(nodes), "`nodes` must be a list of entries (- id: ...)");

  std::map<std::string, int> id_line, curve_line, sign_line;  // -> line, and whose
  std::map<std::string, std::string> curve_owner, sign_owner;
  static const std::set<std::string> kKnown = {"id", "role", "branch", "areas", "curve", "sign", "revoked"};

  for (const YAML::Node& n : nodes) {
    const int entry_line = line_of(n);
    if (!n.IsMap()) fail_at(source, entry_line, "each entry under `nodes` must be a map (id:, role:, ...)");
    std::map<std::string, YAML::Node> f;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
      if (!kKnown.count(key))
        fail_at(source, line_of(it->first, entry_line),
                "unknown key \"" + key + "\" in a node entry (allowed: id, role, branch, areas, curve, sign, revoked)");
      if (f.count(key)) fail_at(source, line_of(it->first, entry_line), "duplicate key `" + key + "` in one entry");
      f[key] = it->second;
    }
    AllowEntry e;
    if (!f.count("id")) fail_at(source, entry_line, "entry without `id:`");
    const YAML::Node& idn = f["id"];
    e.node_id = scalar_of(idn, source, "id", "");
    if (!is_valid_node_id(e.node_id))
      fail_at(source, line_of(idn, entry_line),
              "id: \"" + e.node_id + "\" is not a valid node id (1-64 letters, digits, '-', '_' or '.')");
    const std::string who = " (node " + e.node_id + ")";
    if (auto [it, fresh] = id_line.emplace(e.node_id, line_of(idn, entry_line)); !fresh)
      fail_at(source, line_of(idn, entry_line),
              "id: duplicate node id " + e.node_id + " (first on line " + std::to_string(it->second) + ")");

    if (!f.count("role")) fail_at(source, entry_line, "role: missing" + who + "; use hq, branch or relay");
    const std::string role = scalar_of(f["role"], source, "role", who);
    if (!role_from_name(role, e.role))
      fail_at(source, line_of(f["role"], entry_line),
              "role: \"" + role + "\" is not a role" + who + "; use hq, branch or relay");

    if (f.count("branch")) {
      e.branch_id = normalize_text(scalar_of(f["branch"], source, "branch", who));  // as the store does
      if (e.branch_id.empty() || e.branch_id.find('/') != std::string::npos)
        fail_at(source, line_of(f["branch"], entry_line),
                "branch: \"" + e.branch_id + "\" is not a branch id" + who);
    }
    if (e.role == Role::Branch && e.branch_id.empty())
      fail_at(source, entry_line, "branch: missing" + who + "; a branch node must name the office it reports for");

    if (f.count("areas")) {
      const YAML::Node& an = f["areas"];
      if (an.IsSequence()) {
        std::set<std::string> seen;
        for (const YAML::Node& a : an) {
          // Normalised as the store normalises area_id (ｋｉｔａｙａｍａ is kitayama), or a
          // full-width id here would refuse every write of the branch.
          const std::string area = normalize_text(scalar_of(a, source, "areas", who));
          if (area.empty()) fail_at(source, line_of(a, entry_line), "areas: empty area id" + who);
          if (area.find_first_of("/, \t\r\n") != std::string::npos || find_control_char(area) != std::string::npos)
            fail_at(source, line_of(a, entry_line),
                    "areas: \"" + area + "\" is not an area id" + who + " (no spaces, '/' or ','; e.g. kitayama)");
          if (!seen.insert(area).second)
            fail_at(source, line_of(a, entry_line), "areas: area " + area + " is listed twice" + who);
          e.areas.push_back(area);
        }
      } else if (!an.IsNull()) {
        fail_at(source, line_of(an, entry_line), "areas: expected a list such as [kitayama, uenodai]" + who);
      }
    }

    if (!f.count("curve")) fail_at(source, entry_line, "curve: missing" + who + " (the node's CURVE public key)");
    e.keys.curve = scalar_of(f["curve"], source, "curve", who);
    unsigned char probe[32];
    if (!z85_decode32(e.keys.curve, probe))
      fail_at(source, line_of(f["curve"], entry_line),
              "curve: not a CURVE public key" + who + ": expected 40 Z85 characters (32 bytes), got " +
                  std::to_string(e.keys.curve.size()) + " characters");
    if (auto [it, fresh] = curve_line.emplace(e.keys.curve, line_of(f["curve"], entry_line)); !fresh)
      fail_at(source, line_of(f["curve"], entry_line),
              "curve: the same CURVE key is already given to node " + curve_owner[e.keys.curve] + " (line " +
                  std::to_string(it->second) + ")");
    curve_owner[e.keys.curve] = e.node_id;

    if (!f.count("sign")) fail_at(source, entry_line, "sign: missing" + who + " (the node's Ed25519 public key)");
    const std::string sign_text = scalar_of(f["sign"], source, "sign", who);
    if (!base64_decode(sign_text, e.keys.sign, crypto_sign_PUBLICKEYBYTES))
      fail_at(source, line_of(f["sign"], entry_line),
              "sign: not an Ed25519 public key" + who + ": expected base64 of 32 bytes");
    if (auto [it, fresh] = sign_line.emplace(e.keys.sign, line_of(f["sign"], entry_line)); !fresh)
      fail_at(source, line_of(f["sign"], entry_line),
              "sign: the same signing key is already given to node " + sign_owner[e.keys.sign] + " (line " +
                  std::to_string(it->second) + ")");
    sign_owner[e.keys.sign] = e.node_id;

    if (f.count("revoked")) {
      const YAML::Node& rn = f["revoked"];
      const std::string v = scalar_of(rn, source, "revoked", who);
      if (v == "true") e.revoked = true;
      else if (v == "false") e.revoked = false;
      else fail_at(source, line_of(rn, entry_line), "revoked: expected true or false" + who + ", got \"" + v + "\"");
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::string_view role_name(Role r) {
  switch (r) {
    case Role::Hq: return "hq";
    case Role::Branch: return "branch";
    case Role::Relay: return "relay";
  }
  return "?";
}

bool role_from_name(std::string_view name, Role& out) {
  if (name == "hq") out = Role::Hq;
  else if (name == "branch") out = Role::Branch;
  else if (name == "relay") out = Role::Relay;
  else return false;
  return true;
}

// [SECTION] Key pairs and signatures

std::string NodeKeys::sign(std::string_view bytes) const {
  ensure_sodium();
  if (sign_secret.size() != crypto_sign_SECRETKEYBYTES)
    throw KeyError("cannot sign for " + node_id + ": no Ed25519 secret key loaded");
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                       reinterpret_cast<const unsigned char*>(sign_secret.data()));
  return sig;
}

NodeKeys generate_keys(std::string_view node_id) {
  ensure_sodium();
  if (!is_valid_node_id(node_id))
    throw KeyError("bad node id \"" + std::string(node_id) + "\": use 1-64 letters, digits, '-', '_' or '.'");
  NodeKeys k;
  k.node_id = std::string(node_id);

  unsigned char cpk[crypto_box_PUBLICKEYBYTES], csk[crypto_box_SECRETKEYBYTES];
  static_assert(crypto_box_PUBLICKEYBYTES == 32 && crypto_box_SECRETKEYBYTES == 32);
  crypto_box_keypair(cpk, csk);
  k.curve_public = z85_encode32(cpk);
  k.curve_secret = z85_encode32(csk);
  sodium_memzero(csk, sizeof csk);

  unsigned char spk[crypto_sign_PUBLICKEYBYTES], ssk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(spk, ssk);
  k.sign_public.assign(reinterpret_cast<const char*>(spk), sizeof spk);
  k.sign_secret.assign(reinterpret_cast<const char*>(ssk), sizeof ssk);
  sodium_memzero(ssk, sizeof ssk);
  return k;
}

bool verify_signature(std::string_view sign_public, std::string_view bytes, std::string_view signature) {
  ensure_sodium();
  if (sign_public.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                                     reinterpret_cast<const unsigned char*>(sign_public.data())) == 0;
}

std::string sign_key_base64(std::string_view raw) { return base64_encode(raw); }

std::string op_digest(std::string_view bytes) {
  ensure_sodium();
  std::string out(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr, 0);
  return out;
}

// [SECTION] The secret key file

void save_secret_keys(const NodeKeys& keys, const std::string& path) {
  ensure_sodium();
  unsigned char probe[32];
  if (!is_valid_node_id(keys.node_id)) throw KeyError("cannot save keys: bad node id \"" + keys.node_id + "\"");
  if (!z85_decode32(keys.curve_public, probe) || !z85_decode32(keys.curve_secret, probe) ||
      keys.sign_public.size() != crypto_sign_PUBLICKEYBYTES || keys.sign_secret.size() != crypto_sign_SECRETKEYBYTES)
    throw KeyError("cannot save keys of " + keys.node_id + ": incomplete key set");
  sodium_memzero(probe, sizeof probe);

  std::string text;
  text += "# Honbu node keys of " + keys.node_id + ". SECRET: keep this file on this node only (mode 0600).\n";
  text += "# Its public half is the allow-list entry (honbu-keys gen wrote " + keys.node_id + ".pub.yaml).\n";
  text += "format: " + std::string(kKeyFileFormat) + "\n";
  text += "node: " + keys.node_id + "\n";
  text += "curve_public: \"" + keys.curve_public + "\"\n";
  text += "curve_secret: \"" + keys.curve_secret + "\"\n";
  text += "sign_public: \"" + base64_encode(keys.sign_public) + "\"\n";
  text += "sign_secret: \"" + base64_encode(keys.sign_secret) + "\"\n";

  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    sodium_memzero(text.data(), text.size());
    if (err == EEXIST)
      throw KeyError(path + " already exists: refusing to overwrite a key file (move it away first if you "
                            "really mean to replace this node's keys)");
    throw KeyError("cannot create " + path + ": " + std::strerror(err));
  }
  // The umask can only remove bits; make sure it is exactly 0600 anyway.
  const bool ok = ::fchmod(fd, 0600) == 0 && write_all(fd, text) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  sodium_memzero(text.data(), text.size());
  if (!ok) {
    ::unlink(path.c_str());
    throw KeyError("cannot write " + path + ": " + std::strerror(err));
  }
  fsync_dir_of(path);
}

NodeKeys load_secret_keys(const std::string& path) {
  ensure_sodium();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw KeyError("cannot open key file " + path + ": " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string e = errno_text();
    ::close(fd);
    throw KeyError("cannot stat key file " + path + ": " + e);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw KeyError(path + " is not a regular file: not a Honbu key file");
  }
  std::string text;
  try {
    text = read_fd(fd);
  } catch (const KeyError& e) {
    ::close(fd);
    throw KeyError(path + ": " + e.what());
  }
  ::close(fd);

  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    sodium_memzero(text.data(), text.size());
    throw KeyError(path + ":" + std::to_string(e.mark.line + 1) + ": not a Honbu key file (" + e.msg + ")");
  }
  sodium_memzero(text.data(), text.size());
  if (!root.IsMap()) throw KeyError(path + ": not a Honbu key file (expected `format: " +
                                    std::string(kKeyFileFormat) + "`)");
  auto get = [&](const char* field) -> std::string {
    const YAML::Node v = root[field];
    if (!v || !v.IsScalar()) throw KeyError(path + ": missing field `" + field + "` (not a Honbu key file?)");
    return v.Scalar();
  };
  if (get("format") != kKeyFileFormat)
    throw KeyError(path + ": unknown key file format \"" + get("format") + "\" (expected " +
                   std::string(kKeyFileFormat) + ")");
  // Only now, once it is known to be a key file (an allow-list given by mistake is named as
  // such, not as a key file with a bad mode).
  if ((st.st_mode & 077) != 0)
    throw KeyError(path + " holds secret keys but is readable or writable by group/others (mode " +
                   mode_text(st.st_mode) + "); refusing to use it. Fix with: chmod 600 " + path);
  NodeKeys k;
  k.node_id = get("node");
  if (!is_valid_node_id(k.node_id)) throw KeyError(path + ": bad node id \"" + k.node_id + "\"");
  k.curve_public = get("curve_public");
  k.curve_secret = get("curve_secret");
  unsigned char cpk[32], csk[32], derived[32];
  if (!z85_decode32(k.curve_public, cpk))
    throw KeyError(path + ": curve_public is not a 40-character Z85 key");
  if (!z85_decode32(k.curve_secret, csk))
    throw KeyError(path + ": curve_secret is not a 40-character Z85 key");
  const bool curve_ok = crypto_scalarmult_base(derived, csk) == 0 && sodium_memcmp(derived, cpk, 32) == 0;
  sodium_memzero(csk, sizeof csk);
  if (!curve_ok) throw KeyError(path + ": curve_public does not belong to curve_secret (damaged key file?)");
  if (!base64_decode(get("sign_public"), k.sign_public, crypto_sign_PUBLICKEYBYTES))
    throw KeyError(path + ": sign_public is not a base64 Ed25519 public key (32 bytes)");
  if (!base64_decode(get("sign_secret"), k.sign_secret, crypto_sign_SECRETKEYBYTES))
    throw KeyError(path + ": sign_secret is not a base64 Ed25519 secret key (64 bytes)");
  unsigned char spk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_ed25519_sk_to_pk(spk, reinterpret_cast<const unsigned char*>(k.sign_secret.data()));
  if (sodium_memcmp(spk, k.sign_public.data(), sizeof spk) != 0)
    throw KeyError(path + ": sign_public does not belong to sign_secret (damaged key file?)");
  return k;
}

// [SECTION] The allow-list

AllowList AllowList::load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw KeyError("cannot open allow-list " + path + ": " + errno_text());
  std::string text;
  try {
    text = read_fd(fd);
  } catch (const KeyError& e) {
    ::close(fd);
    throw KeyError(path + ": " + e.what());
  }
  ::close(fd);
  return parse(text, path);
}

AllowList AllowList::parse(std::string_view yaml, std::string_view source) {
  ensure_sodium();
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    fail_at(source, e.mark.line < 0 ? 1 : e.mark.line + 1, "not valid YAML: " + e.msg);
  }
  try {
    AllowList out;
    out.entries_ = entries_from_yaml(root, source);
    return out;
  } catch (const YAML::Exception& e) {  // yaml-cpp surprises while walking the tree
    fail_at(source, e.mark.line < 0 ? 1 : e.mark.line + 1, "unexpected YAML structure: " + e.msg);
  }
}

std::string AllowList::to_yaml() const {
  YAML::Emitter em;
  em << YAML::BeginMap << YAML::Key << "nodes" << YAML::Value;
  if (entries_.empty()) {
    em << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
  } else {
    em << YAML::BeginSeq;
    for (const AllowEntry& e : entries_) {
      em << YAML::BeginMap;
      em << YAML::Key << "id" << YAML::Value << e.node_id;
      em << YAML::Key << "role" << YAML::Value << std::string(role_name(e.role));
      if (!e.branch_id.empty()) em << YAML::Key << "branch" << YAML::Value << e.branch_id;
      if (!e.areas.empty()) {
        em << YAML::Key << "areas" << YAML::Value << YAML::Flow << YAML::BeginSeq;
        for (const std::string& a : e.areas) em << a;
        em << YAML::EndSeq;
      }
      em << YAML::Key << "curve" << YAML::Value << YAML::DoubleQuoted << e.keys.curve;
      em << YAML::Key << "sign" << YAML::Value << YAML::DoubleQuoted << base64_encode(e.keys.sign);
      em << YAML::Key << "revoked" << YAML::Value << (e.revoked ? "true" : "false");
      em << YAML::EndMap;
    }
    em << YAML::EndSeq;
  }
  em << YAML::EndMap;
  std::string out =
      "# Honbu allow-list: the nodes that may connect, their roles and what they may write.\n"
      "# See docs/security.md. Edit with honbu-keys (gen, allow, revoke); give every node the same file.\n";
  out += em.c_str();
  out += "\n";
  return out;
}

void AllowList::save(const std::string& path) const {
  const std::string text = to_yaml();
  // Never write a file that load() would refuse (a branch without branch:, a key twice, ...).
  (void)parse(text, path + " (not written)");

  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw KeyError("cannot write allow-list " + path + ": cannot create a temporary file in " +
                             dir.string() + ": " + errno_text());
  // The allow-list holds public keys only: keep the mode an existing file has, else 0644.
  struct stat st {};
  const mode_t mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  const bool ok = ::fchmod(fd, mode) == 0 && write_all(fd, text) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmpl.c_str(), path.c_str()) != 0) {
    const int e2 = ok ? errno : err;
    ::unlink(tmpl.c_str());
    throw KeyError("cannot write allow-list " + path + ": " + std::strerror(e2));
  }
  fsync_dir_of(path);
}

const AllowEntry* AllowList::by_node(std::string_view node_id) const {
  for (const AllowEntry& e : entries_)
    if (e.node_id == node_id) return &e;
  return nullptr;
}

const AllowEntry* AllowList::by_curve(std::string_view curve_z85) const {
  for (const AllowEntry& e : entries_)
    if (e.keys.curve == curve_z85) return &e;
  return nullptr;
}

void AllowList::upsert(AllowEntry entry) {
  for (AllowEntry& e : entries_) {
    if (e.node_id == entry.node_id) {
      e = std::move(entry);
      return;
    }
  }
  entries_.push_back(std::move(entry));
}

bool AllowList::revoke(std::string_view node_id) {
  for (AllowEntry& e : entries_) {
    if (e.node_id == node_id) {
      e.revoked = true;
      return true;
    }
  }
  return false;
}

}  // namespace honbu::sync
