#include "sync/bundle.hpp"

#include <algorithm>
#include <sodium.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/time.hpp"
#include "sync/auth.hpp"
#include "sync/wire.hpp"

namespace honbu::sync {

namespace {

using json = nlohmann::json;
constexpr std::string_view kMagic = "HONBU-BUNDLE 1";

std::string blake2b_hex(std::string_view data) {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(data.data()), data.size(), nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

json vector_json(const VersionVector& v) {
  json j = json::object();
  for (const auto& [o, s] : v) j[o] = s;
  return j;
}

VersionVector vector_of(const json& j, const std::string& where) {
  if (!j.is_object()) throw BundleError(where + ": expected a version vector object");
  VersionVector v;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!is_valid_node_id(it.key()) || !it.value().is_number_unsigned())
      throw BundleError(where + ": bad vector entry \"" + it.key() + "\"");
    v[it.key()] = it.value().get<std::uint64_t>();
  }
  return v;
}

}  // namespace

BundleHeader write_bundle(Store& store, const NodeKeys& exporter, const std::string& for_node,
                          const VersionVector& since, const std::string& path) {
  BundleHeader h;
  h.dataset = store.dataset();
  h.from_node = exporter.node_id;
  h.for_node = for_node;
  h.created_at = wall_now_ms();
  h.since = since;
  h.upto = store.version_vector();
  std::string body;
  VersionVector cursor = since;
  for (;;) {
    std::vector<Op> chunk = store.ops_missing_for(cursor, 2000);
    if (chunk.empty()) break;
    for (const Op& op : chunk) {
      auto& c = cursor[op.origin];
      c = std::max(c, op.seq);
      if (op.signature.empty())
        throw BundleError("op " + op.origin + "#" + std::to_string(op.seq) +
                          " has no origin signature and cannot travel in a bundle");
      body += encode_op_json(op);
      body += '\n';
      ++h.op_count;
    }
  }
  json header{{"dataset", h.dataset}, {"from", h.from_node}, {"for", h.for_node}, {"created_at", h.created_at},
              {"since", vector_json(h.since)}, {"upto", vector_json(h.upto)}, {"ops", h.op_count}};
  std::string text = std::string(kMagic) + "\n" + header.dump() + "\n" + body;
  const std::string sum = blake2b_hex(text);
  const std::string sig = exporter.sign(sum);
  char sig_hex[129];
  sodium_bin2hex(sig_hex, sizeof sig_hex, reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
  text += json{{"blake2b", sum}, {"sig", sig_hex}}.dump() + "\n";
  const std::string tmp = path + ".part";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw BundleError("cannot write " + tmp);
    f << text;
    f.flush();
    if (!f) throw BundleError("writing " + tmp + " failed (disk full?)");
  }
  std::filesystem::rename(tmp, path);
  return h;
}

Bundle read_bundle(const std::string& path, const AllowList& allow) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw BundleError("cannot open bundle " + path + ": it is a directory (name the .honbu file in it)");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw BundleError("cannot open bundle " + path + ": " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (text.rfind(kMagic, 0) != 0) {
    // "HONBU-BUNDLE 2" from a newer Honbu is a bundle all the same: say what to do about it.
    const std::string first = text.substr(0, std::min(text.find('\n'), std::size_t{40}));
    if (first.rfind("HONBU-BUNDLE ", 0) == 0 && first != kMagic)
      throw BundleError(path + ": a bundle of a newer format (\"" + first + "\"; this Honbu reads \"HONBU-BUNDLE 1\"): " +
                        "update Honbu on this machine, or export it again with this one's version");
    throw BundleError(path + ": not a Honbu bundle (line 1 must be \"HONBU-BUNDLE 1\")");
  }
  // Blank lines after the checksum line (an editor's, a mail program's) are not the bundle.
  while (text.size() >= 2 && text.ends_with("\n\n")) text.pop_back();
  const std::string again = " — export it again and copy the new file";
  if (text.empty() || text.back() != '\n') throw BundleError(path + ": truncated (no final line)" + again);
  const size_t last_start = text.rfind('\n', text.size() - 2) + 1;
  const std::string covered = text.substr(0, last_start);
  json trailer;
  try {
    trailer = json::parse(text.substr(last_start));
  } catch (const json::exception&) {
    throw BundleError(path + ": truncated or damaged (the last line is not the checksum)" + again);
  }
  if (!trailer.is_object() || !trailer.contains("blake2b") || !trailer.contains("sig"))
    throw BundleError(path + ": truncated or damaged (no checksum line)" + again);
  if (trailer["blake2b"] != blake2b_hex(covered))
    throw BundleError(path + ": checksum mismatch: the file was changed or damaged after export" +
                      (covered.find("\r\n") != std::string::npos
                           ? std::string(" (its line ends were changed to CRLF: copy it as a file, not as text)")
                           : std::string()) +
                      again);

  std::istringstream lines(covered);
  std::string line;
  std::getline(lines, line);  // magic
  std::getline(lines, line);
  Bundle b;
  try {
    const json h = json::parse(line);
    b.header.dataset = h.at("dataset").get<std::string>();
    b.header.from_node = h.at("from").get<std::string>();
    b.header.for_node = h.at("for").get<std::string>();
    b.header.created_at = h.at("created_at").get<TimeMs>();
    b.header.since = vector_of(h.at("since"), path + " line 2 since");
    b.header.upto = vector_of(h.at("upto"), path + " line 2 upto");
    b.header.op_count = h.at("ops").get<std::size_t>();
  } catch (const json::exception& e) {
    throw BundleError(path + " line 2: bad header: " + e.what());
  }
  if (!is_valid_dataset_name(b.header.dataset)) throw BundleError(path + " line 2: bad dataset");
  const AllowEntry* exporter = allow.by_node(b.header.from_node);
  if (!exporter || exporter->revoked)
    throw BundleError(path + ": exported by " + b.header.from_node + ", who is not (or no longer) on the allow-list");
  std::string sig(64, '\0');
  size_t sig_len = 0;
  const std::string sig_hex = trailer["sig"].is_string() ? trailer["sig"].get<std::string>() : "";
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(sig.data()), sig.size(), sig_hex.c_str(), sig_hex.size(),
                     nullptr, &sig_len, nullptr) != 0 ||
      sig_len != 64 || !verify_signature(exporter->keys.sign, trailer["blake2b"].get<std::string>(), sig))
    // Said with what the header claims: a bundle of another site (the demo's, a drill's with
    // keys of its own) is told apart from a tampered one by who, when and which dataset.
    throw BundleError(path + ": the exporter's signature does not match: refused (it says it was made by " +
                      b.header.from_node + " for " + b.header.for_node + ", dataset " + b.header.dataset + ", " +
                      format_iso_jst(b.header.created_at).substr(0, 16) +
                      "; not by the key the allow-list holds for " + b.header.from_node +
                      ": another site's bundle, or changed since)");

  int n = 2;
  while (std::getline(lines, line)) {
    ++n;
    try {
      b.ops.push_back(decode_op_json(line, b.header.dataset));
    } catch (const WireError& e) {
      throw BundleError(path + " line " + std::to_string(n) + ": " + e.what());
    }
  }
  // Every op must be signed by its origin (a bundle has no authenticated sender); chained
  // runs need one signature check each.
  if (b.ops.size() != b.header.op_count)
    throw BundleError(path + ": header says " + std::to_string(b.header.op_count) + " ops, file holds " +
                      std::to_string(b.ops.size()));
  const std::vector<AuthDecision> decisions = check_incoming_chunk(allow, "", b.ops);
  std::vector<Op> accepted;
  accepted.reserve(b.ops.size());
  for (size_t i = 0; i < decisions.size(); ++i) {
    if (decisions[i].ok) {
      accepted.push_back(std::move(b.ops[i]));
      continue;
    }
    const std::string what = "line " + std::to_string(i + 3) + ": op " + b.ops[i].origin + "#" +
                             std::to_string(b.ops[i].seq) + " refused: " + decisions[i].reason;
    if (!decisions[i].authentic) throw BundleError(path + " " + what);  // altered, forged or unsigned
    b.refused.push_back(what);
  }
  b.ops = std::move(accepted);
  return b;
}

ImportResult import_bundle(Store& store, const AllowList& allow, const std::string& path) {
  Bundle b = read_bundle(path, allow);
  if (b.header.dataset != store.dataset())
    throw BundleError(path + " holds dataset " + b.header.dataset + "; this database is " + store.dataset() +
                      ": refused (drill and real data never mix)");
  ImportResult r;
  r.header = b.header;
  r.report = store.apply_remote(b.ops);
  r.refused = std::move(b.refused);
  return r;
}

std::string ImportResult::refused_text(Lang lang) const {
  if (refused.empty()) return {};
  std::string out = lang == Lang::Ja ? "。役割の規則により " + std::to_string(refused.size()) + " 件を拒否 (適用せず):"
                                     : "; " + std::to_string(refused.size()) + " refused by the role rules (not applied):";
  for (const std::string& r : refused) out += "\n  " + r;
  return out;
}

}  // namespace honbu::sync
