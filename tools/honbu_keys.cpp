// honbu-keys: a node's key pairs and the allow-list (docs/security.md).
//   gen     make a node's CURVE + Ed25519 key pairs: DIR/ID.key (secret, 0600) and
//           DIR/ID.pub.yaml (its allow-list entry); optionally add it to an allow-list
//   allow   add (or replace) another node's entry from its ID.pub.yaml
//   revoke  mark a node's keys revoked (nodes re-read the allow-list when it changes)
//   list    show the allow-list as a table
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "model/errors.hpp"
#include "model/labels.hpp"
#include "model/op.hpp"
#include "model/paths.hpp"
#include "sync/keys.hpp"
#include "tools/cli.hpp"

using namespace honbu;
using namespace honbu::sync;
namespace fs = std::filesystem;

namespace {

// Display width of UTF-8 text in a terminal: CJK and other wide characters count as 2.
std::size_t display_width(const std::string& s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    if (i + len > s.size()) len = 1;
    w += len >= 3 ? 2 : 1;
    i += len;
  }
  return w;
}

std::string pad(const std::string& s, std::size_t width) {
  const std::size_t w = display_width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const std::string& x : v) out += (out.empty() ? "" : sep) + x;
  return out;
}

// An allow-list file that does not exist yet is an empty list (the first `gen` creates it).
AllowList load_or_empty(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return AllowList{};
  return AllowList::load(path);
}

}  // namespace

int main(int argc, char** argv) {
  honbu::keep_files_private();
  CLI::App app{"honbu-keys: make node keys and look after the allow-list (docs/security.md)"};
  app.require_subcommand(1);
  std::string lang_name;
  app.add_option("--lang", lang_name, "ja or en (default: from $LANG)")->check(CLI::IsMember({"ja", "en"}));

  auto* gen = app.add_subcommand("gen", "make a node's key pairs and its allow-list entry");
  std::string node_id, role_text, branch, out_dir, allow_path, entry_path;
  std::vector<std::string> areas;
  gen->add_option("--node", node_id, "the node's id, e.g. hq or kita (letters, digits, - _ .)")->required();
  gen->add_option("--role", role_text, "hq, branch or relay")->required()->check(CLI::IsMember({"hq", "branch", "relay"}));
  gen->add_option("--branch", branch, "the office a branch node reports for (required for --role branch)");
  gen->add_option("--areas", areas, "the areas a branch may write for, comma separated: a,b,c")->delimiter(',');
  gen->add_option("--out", out_dir, "directory for ID.key (secret) and ID.pub.yaml")->required();
  gen->add_option("--allowlist", allow_path, "also add (or replace) the entry in this allow-list file");

  auto* allow = app.add_subcommand("allow", "add another node's entry (its ID.pub.yaml) to an allow-list");
  allow->add_option("--allowlist", allow_path, "allow-list file (created if missing)")->required();
  allow->add_option("--entry", entry_path, "the node's ID.pub.yaml written by honbu-keys gen")->required();

  auto* revoke = app.add_subcommand("revoke", "revoke a node's keys in an allow-list");
  revoke->add_option("--allowlist", allow_path, "allow-list file")->required();
  revoke->add_option("--node", node_id, "the node to revoke")->required();

  auto* list = app.add_subcommand("list", "show an allow-list");
  list->add_option("--allowlist", allow_path, "allow-list file")->required();

  if (auto exit_status = parse_command_line(app, argc, argv)) return *exit_status;
  const Lang lang = message_lang(lang_name);
  const bool ja = lang == Lang::Ja;

  try {
    if (*gen) {
      if (!is_valid_node_id(node_id))
        throw Error(ja ? "ノードID \"" + node_id + "\" は使えません (英数字と - _ . で 1〜64 文字)"
                       : "bad node id \"" + node_id + "\": use 1-64 letters, digits, '-', '_' or '.'");
      AllowEntry e;
      e.node_id = node_id;
      role_from_name(role_text, e.role);
      if (e.role == Role::Branch && branch.empty())
        throw Error(ja ? "--role branch には --branch (報告する支所のID) が必要です"
                       : "--role branch needs --branch (the office this node reports for)");
      if (e.role != Role::Branch && !areas.empty())
        throw Error(ja ? "--areas は支所ノード (--role branch) だけに指定できます"
                       : "--areas applies only to branch nodes (--role branch)");
      if (e.role == Role::Relay && !branch.empty())
        throw Error(ja ? "中継ノード (relay) に --branch は指定できません"
                       : "--branch does not apply to a relay node");
      e.branch_id = branch;
      e.areas = areas;

      const NodeKeys keys = generate_keys(node_id);
      e.keys = keys.public_keys();
      AllowList one;
      one.upsert(e);
      // Check the entry (and the target allow-list) before writing anything; keep it as
      // parsed, with its area ids normalised as the store normalises area_id.
      one = AllowList::parse(one.to_yaml(), node_id + ".pub.yaml");
      e = *one.by_node(node_id);
      for (const std::string& a : e.areas)
        if (std::any_of(a.begin(), a.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
          std::fprintf(stderr,
                       ja ? "注意: 地区ID「%s」は英数字ではありません。地区名ではなく、マスターデータの地区ID "
                            "(例: kitayama) を指定してください。一致しないと、この支所の地区の書き込みはすべて拒否されます\n"
                          : "note: area id \"%s\" is not ASCII: give the area ids of the city's master data "
                            "(e.g. kitayama), not area names; if none matches, every write of this branch for "
                            "its areas is refused\n",
                       a.c_str());
      AllowList target;
      bool replaced = false;
      if (!allow_path.empty()) {
        target = load_or_empty(allow_path);
        replaced = target.by_node(node_id) != nullptr;
        target.upsert(e);
        (void)AllowList::parse(target.to_yaml(), allow_path);
      }

      std::error_code ec;
      if (!fs::exists(out_dir, ec)) {
        fs::create_directories(out_dir);
        (void)::chmod(out_dir.c_str(), 0700);  // it holds secret keys
      }
      const std::string key_path = (fs::path(out_dir) / (node_id + ".key")).string();
      const std::string pub_path = (fs::path(out_dir) / (node_id + ".pub.yaml")).string();
      save_secret_keys(keys, key_path);
      one.save(pub_path);
      std::printf(ja ? "秘密鍵を作成しました: %s (モード 0600。このノードの外に出さないこと)\n"
                     : "Wrote the secret keys: %s (mode 0600; never copy it off this node)\n",
                  key_path.c_str());
      std::printf(ja ? "公開エントリ: %s (本部の allow-list に登録: honbu-keys allow --entry)\n"
                     : "Wrote the public entry: %s (add it to the allow-list: honbu-keys allow --entry)\n",
                  pub_path.c_str());
      std::printf("  %s %s  CURVE %.8s…  %s %.8s…\n", ja ? "ノード" : "node", node_id.c_str(),
                  e.keys.curve.c_str(), ja ? "署名鍵" : "sign", sign_key_base64(e.keys.sign).c_str());
      if (!allow_path.empty()) {
        target.save(allow_path);
        std::printf(ja ? (replaced ? "%s を新しい鍵で置き換えました: %s (古い鍵は使えなくなります)\n"
                                   : "%s を allow-list に追加しました: %s\n")
                       : (replaced ? "Replaced %s in the allow-list %s (its old keys no longer work)\n"
                                   : "Added %s to the allow-list %s\n"),
                    node_id.c_str(), allow_path.c_str());
      }
      return 0;
    }

    if (*allow) {
      const AllowList entries = AllowList::load(entry_path);
      if (entries.entries().empty())
        throw Error(entry_path + (ja ? ": ノードのエントリがありません" : ": holds no node entry"));
      AllowList target = load_or_empty(allow_path);
      for (const AllowEntry& e : entries.entries()) {
        const AllowEntry* old = target.by_node(e.node_id);
        const bool replaced = old != nullptr;
        const bool same = old && old->keys == e.keys;
        if (same && old->revoked && !e.revoked)
          throw Error(ja ? e.node_id + " のこの鍵は失効済みです。再登録せず、新しい鍵を作成してください (honbu-keys gen)"
                         : "the keys of " + e.node_id + " are revoked; make new keys (honbu-keys gen) "
                           "instead of allowing revoked ones again");
        const bool unchanged = old && *old == e;
        target.upsert(e);
        std::printf("%s: %s (%s)\n",
                    ja ? (!replaced ? "追加" : unchanged ? "変更なし" : same ? "更新(役割・地区)" : "置換(新しい鍵)")
                       : (!replaced ? "added" : unchanged ? "unchanged" : same ? "updated (role, areas)" : "replaced (new keys)"),
                    e.node_id.c_str(), std::string(role_name(e.role)).c_str());
      }
      target.save(allow_path);
      std::printf(ja ? "保存しました: %s (全ノードに同じファイルを配布してください)\n"
                     : "Saved %s (give every node the same file)\n",
                  allow_path.c_str());
      return 0;
    }

    if (*revoke) {
      AllowList target = AllowList::load(allow_path);
      const AllowEntry* e = target.by_node(node_id);
      if (!e) throw Error(ja ? allow_path + " にノード " + node_id + " はありません"
                             : "no node " + node_id + " in " + allow_path);
      if (e->revoked) {
        std::printf(ja ? "%s はすでに失効しています\n" : "%s is already revoked\n", node_id.c_str());
        return 0;
      }
      target.revoke(node_id);
      target.save(allow_path);
      std::printf(ja ? "%s の鍵を失効させました: %s\n"
                       "稼働中のノードはファイルの変更を読み直し、接続を切ります。全ノードに配布してください。\n"
                     : "Revoked the keys of %s in %s\n"
                       "Running nodes re-read the file when it changes and drop its connections; "
                       "give every node the new file.\n",
                  node_id.c_str(), allow_path.c_str());
      return 0;
    }

    if (*list) {
      const AllowList a = AllowList::load(allow_path);
      std::vector<std::vector<std::string>> rows;
      rows.push_back(ja ? std::vector<std::string>{"ノード", "役割", "支所", "地区", "失効", "CURVE鍵", "署名鍵"}
                        : std::vector<std::string>{"node", "role", "branch", "areas", "revoked", "curve", "sign"});
      for (const AllowEntry& e : a.entries()) {
        rows.push_back({e.node_id, std::string(role_name(e.role)), e.branch_id.empty() ? "-" : e.branch_id,
                        e.areas.empty() ? "-" : join(e.areas, ","),
                        e.revoked ? (ja ? "失効" : "REVOKED") : (ja ? "-" : "no"), e.keys.curve.substr(0, 8),
                        sign_key_base64(e.keys.sign).substr(0, 8)});
      }
      std::vector<std::size_t> width(rows.front().size(), 0);
      for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], display_width(r[i]));
      for (const auto& r : rows) {
        std::string line;
        for (std::size_t i = 0; i < r.size(); ++i) line += (i + 1 < r.size() ? pad(r[i], width[i] + 2) : r[i]);
        std::printf("%s\n", line.c_str());
      }
      if (a.entries().empty()) std::printf("%s\n", ja ? "(登録されたノードはありません)" : "(no nodes)");
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "honbu-keys: %s\n", e.what());
    return 2;
  }
  return 0;
}
