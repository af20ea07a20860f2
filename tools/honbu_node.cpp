// honbu-node: a node without a screen — for branch offices without a display, relays,
// tests, demos and the drill engine.
//   honbu-node run    --data-dir D --role hq|branch|relay --keys K --allowlist A
//                     [--listen tcp://*:5701] [--peer hq@tcp://10.0.0.1:5701]... [--dataset X]
//                     [--status-every SEC] [--demo-branch B] [--config FILE]
//   honbu-node status --data-dir D          what the running node last reported
//   honbu-node export --data-dir D --keys K --for PEER --out FILE [--since-vector FILE]
//   honbu-node import --data-dir D --keys K --allowlist A FILE
//                     bundles for sneakernet: through the running node if there is one
//   honbu-node ctl    --data-dir D partition PEER [SECONDS] | heal PEER | status | write N | write-demo
// A running node logs one line per event worth a human's attention and writes
// <data-dir>/status.json every second; `ctl` talks to it over <data-dir>/control.sock.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "model/demo.hpp"
#include "model/drill/apply.hpp"
#include "model/labels.hpp"
#include "model/paths.hpp"
#include "model/queries.hpp"
#include "model/text.hpp"
#include "sync/bundle.hpp"
#include "sync/node.hpp"
#include "tools/cli.hpp"

using namespace honbu;
using namespace honbu::sync;
using json = nlohmann::json;

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

// Log lines carry the date and the zone: a node's log spans days, and is read elsewhere.
std::string now_text() {
  std::string t = format_iso_jst(wall_now_ms());  // 2026-11-22T13:45:00+09:00
  t[10] = ' ';
  return t;
}

json status_json(const AgentStatus& s, const std::string& db_path) {
  json j;
  j["node"] = s.node_id;
  j["dataset"] = s.dataset;
  j["db"] = db_path;
  j["listen"] = s.listen_endpoint;
  j["pid"] = ::getpid();
  j["written_at"] = wall_now_ms();
  j["data_version"] = s.data_version;
  j["vector"] = json::object();
  for (const auto& [o, seq] : s.vector) j["vector"][o] = seq;
  j["ops_received"] = s.ops_received;
  j["ops_sent"] = s.ops_sent;
  j["refused"] = s.refused;
  j["malformed"] = s.malformed;
  j["peers"] = json::array();
  for (const auto& p : s.peers) {
    json pj{{"node", p.node_id},           {"endpoint", p.endpoint},   {"state", peer_state_name(p.state)},
            {"they_lack", p.they_lack},    {"we_lack", p.we_lack},     {"in_flight", p.in_flight},
            {"refused", p.refused},        {"partitioned", p.partitioned}};
    if (p.last_heard) pj["last_heard"] = *p.last_heard;
    if (!p.last_refusal.empty()) pj["last_refusal"] = p.last_refusal;
    if (p.refused_by_them) {
      pj["refused_by_them"] = p.refused_by_them;
      pj["last_refused_by_them"] = p.last_refused_by_them;
    }
    j["peers"].push_back(pj);
  }
  return j;
}

// `honbu-node status` for a person: the status file's figures, in the 同期 panel's words.
std::string status_text(const json& j, Lang lang, TimeMs now) {
  const bool ja = lang == Lang::Ja;
  auto clock_and_age = [&](TimeMs at) {
    const long long s = std::max<long long>(0, (now - at) / 1000);
    return format_iso_jst(at).substr(11, 8) + (ja ? " (" + std::to_string(s) + " 秒前)" : " (" + std::to_string(s) + " s ago)");
  };
  auto state_label = [&](const std::string& state) -> std::string {
    static const std::map<std::string, std::pair<const char*, const char*>> kLabels = {
        {"connecting", {"接続中", "connecting"}},
        {"syncing", {"同期中", "syncing"}},
        {"live", {"同期済", "live"}},
        {"lost", {"断", "lost"}}};
    auto it = kLabels.find(state);
    return it == kLabels.end() ? state : (ja ? it->second.first : it->second.second);
  };
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, ja ? "ノード %s (データセット %s)  pid %lld  %s 時点\n" : "Node %s (dataset %s)  pid %lld  as of %s\n",
                j.value("node", "?").c_str(), j.value("dataset", "?").c_str(), j.value("pid", 0LL),
                clock_and_age(j.value("written_at", TimeMs{0})).c_str());
  out += line;
  out += (ja ? "  データベース: " : "  database: ") + j.value("db", "") + "\n";
  if (!j.value("listen", "").empty()) out += (ja ? "  待受: " : "  listening on: ") + j.value("listen", "") + "\n";
  long long held = 0;
  std::string per_origin;
  const json vector = j.value("vector", json::object());
  for (const auto& [origin, seq] : vector.items()) {
    held += seq.get<long long>();
    per_origin += (per_origin.empty() ? "" : ", ") + origin + " " + std::to_string(seq.get<long long>());
  }
  if (!per_origin.empty()) per_origin = " (" + per_origin + ")";  // none yet: no empty brackets
  std::snprintf(line, sizeof line,
                ja ? "  保持している操作: %lld%s  受信 %lld  送信 %lld  拒否 %lld  不正な受信 %lld\n"
                   : "  ops held: %lld%s  received %lld  sent %lld  refused %lld  malformed %lld\n",
                held, per_origin.c_str(), j.value("ops_received", 0LL), j.value("ops_sent", 0LL),
                j.value("refused", 0LL), j.value("malformed", 0LL));
  out += line;
  const json peers = j.value("peers", json::array());
  out += peers.empty() ? (ja ? "  相手ノード: なし\n" : "  peers: none\n") : (ja ? "  相手ノード:\n" : "  peers:\n");
  for (const json& p : peers) {
    std::string state = state_label(p.value("state", ""));
    if (p.value("partitioned", false)) state += ja ? " (切断指示中)" : " (cut by ctl)";
    std::snprintf(line, sizeof line, ja ? "    %s %s 未送信 %lld  未受信 %lld  送信中 %lld" : "    %s %s they lack %lld  we lack %lld  in flight %lld",
                  pad_columns(p.value("node", "?"), 12).c_str(), pad_columns(state, 22).c_str(),
                  p.value("they_lack", 0LL), p.value("we_lack", 0LL), p.value("in_flight", 0LL));
    out += line;
    if (p.contains("last_heard"))
      out += (ja ? "  最終受信 " : "  last heard ") + clock_and_age(p["last_heard"].get<TimeMs>());
    else
      out += ja ? "  受信なし" : "  never heard";
    if (p.value("refused", 0LL) > 0)
      out += (ja ? "\n      拒否 " : "\n      refused ") + std::to_string(p.value("refused", 0LL)) + ": " +
             p.value("last_refusal", "");
    if (p.value("refused_by_them", 0LL) > 0)  // they will never hold these: someone must know
      out += (ja ? "\n      相手が拒否 " : "\n      they refused ") + std::to_string(p.value("refused_by_them", 0LL)) +
             (ja ? " 件 (届きません): " : " (they will not hold them): ") + p.value("last_refused_by_them", "");
    out += "\n";
  }
  return out;
}

void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << text;
  }
  std::filesystem::rename(tmp, path);
}

std::string stats_line(const AgentStatus& s) {
  std::string line = now_text() + " " + s.node_id + " ops=" + std::to_string(s.data_version);
  for (const auto& p : s.peers) {
    line += "  " + p.node_id + ":" + std::string(peer_state_name(p.state));
    if (p.they_lack) line += " lag=" + std::to_string(p.they_lack);
    if (p.partitioned) line += " (cut)";
  }
  return line;
}

// A small stream of realistic updates from a demo node (model/demo.hpp).
void demo_trickle(Agent& agent, const std::string& node_id, const std::string& branch, std::uint64_t step) {
  agent.run([&, branch, step](Store& s) {
    demo_update(s, DemoNode{node_id, branch}, step);
    return 0;
  }).wait();
}

// [SECTION] Bundles (sneakernet), shared by the CLI and the control socket.

// Picks the words of a message in the reader's language.
std::string say(Lang lang, const std::string& ja, const std::string& en) { return lang == Lang::Ja ? ja : en; }

// The vector the bundle starts after: the file given, else what this node last heard from
// the peer, else nothing (the whole log). *how says which, for the summary line.
VersionVector since_for(Store& s, const std::string& peer, const std::string& since_file, Lang lang, std::string* how) {
  if (!since_file.empty()) {
    std::ifstream f(since_file);
    if (!f) throw Error(say(lang, "--since-vector のファイル " + since_file + " を読めません", "cannot read --since-vector file " + since_file));
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    try {
      VersionVector v = decode_vector(text);
      *how = say(lang, since_file + " のベクトル", "the vector in " + since_file);
      return v;
    } catch (const Error& e) {
      throw Error(say(lang, since_file + " はバージョンベクトル ({\"ノード\": seq, ...}) ではありません: ",
                      since_file + " is not a version vector ({\"node\": seq, ...}): ") + e.what());
    }
  }
  if (auto rec = s.peer(peer)) {
    const std::string when = rec->last_heard ? " (" + format_iso_jst(*rec->last_heard).substr(0, 16) + ")" : "";
    *how = say(lang, peer + " が最後にこのノードへ伝えた状態" + when, "what " + peer + " last told this node" + when);
    return rec->vector;
  }
  // A node of the site never heard from gets the whole log: name the peers this node does
  // know, so the user sees that this is the first bundle for it.
  std::string known;
  for (const auto& p : s.peers()) known += (known.empty() ? "" : ", ") + p.node_id;
  *how = say(lang,
             peer + " について何も知らないため記録全体。このノードは " + peer + " から一度も受信していません" +
                 (known.empty() ? "" : " (知っているノード: " + known + ")"),
             "nothing known of " + peer + ": the whole log; this node has never heard from " + peer +
                 (known.empty() ? "" : " (peers it knows: " + known + ")"));
  return {};
}

std::string export_bundle(Store& s, const NodeKeys& keys, const std::string& peer, const std::string& out,
                          const std::string& since_file, const AllowList& allow, Lang lang) {
  if (peer == s.node_id())
    throw Error(say(lang, peer + " 自身宛てのバンドルには何も入りません: --for には取り込むノードを指定してください",
                    "a bundle for " + peer + " itself carries nothing: give --for the node that will import it"));
  if (!is_valid_node_id(peer))
    throw Error(say(lang, "--for \"" + peer + "\" はノードIDではありません (英数字と - _ . のみ)",
                    "--for \"" + peer + "\" is not a node id (letters, digits, - _ .)"));
  // A mistyped --for (hqq) wrote the whole log, names and injuries, for a node that does
  // not exist: it must be on the allow-list and not revoked.
  {
    const AllowEntry* e = allow.by_node(peer);
    if (!e || e->revoked) {
      std::string on;
      for (const AllowEntry& a : allow.entries())
        if (!a.revoked && a.node_id != s.node_id()) on += (on.empty() ? "" : ", ") + a.node_id;
      throw Error(say(lang,
                      "--for " + peer + (e ? " は失効しています" : " は許可リストにありません") +
                          "。バンドルは書いていません (宛先にできるノード: " + (on.empty() ? "なし" : on) + ")",
                      "--for " + peer + (e ? " is revoked" : " is not on the allow-list") +
                          ": no bundle was written (nodes it may be for: " + (on.empty() ? "none" : on) + ")"));
    }
  }
  // A USB stick not mounted, or --out naming a file that is not a bundle (a key, the
  // allow-list): said before anything is written.
  const std::filesystem::path out_path(out);
  const std::filesystem::path folder = out_path.has_parent_path() ? out_path.parent_path() : ".";
  if (!std::filesystem::is_directory(folder))
    throw Error(say(lang, "フォルダ " + folder.string() + " がありません (USBメモリは接続されていますか?)。バンドルは書いていません",
                    "the folder " + folder.string() + " does not exist (is the USB stick mounted?): no bundle was written"));
  if (std::filesystem::exists(out_path)) {
    std::ifstream f(out, std::ios::binary);
    std::string head(14, '\0');
    f.read(head.data(), 14);
    if (head != "HONBU-BUNDLE 1")
      throw Error(say(lang, out + " は既にあり、Honbu のバンドルではありません。上書きしていません (別の --out を指定してください)",
                      out + " exists and is not a Honbu bundle: not overwritten (choose another --out)"));
  }
  std::string how;
  const VersionVector since = since_for(s, peer, since_file, lang, &how);
  const BundleHeader h = write_bundle(s, keys, peer, since, out);
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(out, ec);
  const std::string kib = ec ? "?" : std::to_string(bytes / 1024);
  const std::string n = std::to_string(h.op_count);
  if (lang == Lang::Ja)
    return peer + " 宛てに " + n + " 件の操作を " + out + " に書き出しました (" + kib + " KiB、データセット " + h.dataset +
           "、起点: " + how + ")" +
           (h.op_count == 0 ? "。" + peer + " はこのノードの記録をすべて持っています: 運ぶものはありません (ファイルは有効です)" : "");
  return "exported " + n + " ops for " + peer + " to " + out + " (" + kib + " KiB; dataset " + h.dataset +
         "; starting after " + how + ")" +
         (h.op_count == 0 ? "; " + peer + " already holds all this node has: nothing to carry (the file is valid)" : "");
}

std::string import_file(Store& s, const AllowList& allow, const std::string& file, Lang lang) {
  const ImportResult r = import_bundle(s, allow, file);
  const ApplyReport& a = r.report;
  auto n = [](std::size_t k) { return std::to_string(k); };
  // A bundle made for another node still applies (ops are the same everywhere), but the
  // node it was meant for still lacks them: say so.
  const bool elsewhere = r.header.for_node != s.node_id();
  const std::string& meant = r.header.for_node;
  if (lang == Lang::Ja)
    return file + " (" + r.header.from_node + " から) を取り込みました: 適用 " + n(a.applied) + " 件、既に保持 " +
           n(a.duplicates) + " 件、保留 (時計が先行) " + n(a.quarantined) + " 件、不正 " + n(a.invalid) + " 件、拒否 " +
           n(a.refused) + " 件" + r.refused_text(lang) +
           (elsewhere ? "。注意: このバンドルは " + s.node_id() + " ではなく " + meant + " 宛てです。ここでは適用しましたが、" + meant +
                            " には別にバンドルが必要です"
                      : "");
  return "imported " + file + " from " + r.header.from_node + ": " + n(a.applied) + " applied, " + n(a.duplicates) +
         " already here, " + n(a.quarantined) + " held back (clock ahead), " + n(a.invalid) + " invalid, " +
         n(a.refused) + " refused" + r.refused_text(lang) +
         (elsewhere ? "; note: this bundle was made for " + meant + ", not " + s.node_id() + ": its ops were applied here, and " +
                          meant + " still needs a bundle of its own"
                    : "");
}

// Words of a control request: a JSON array of strings (paths may hold spaces), or plain words.
std::vector<std::string> request_words(const std::string& text) {
  std::vector<std::string> words;
  if (!text.empty() && text.front() == '[') {
    try {
      for (const auto& w : json::parse(text)) words.push_back(w.get<std::string>());
      return words;
    } catch (const json::exception&) {
      return {};
    }
  }
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// Sends a request to the node running in data_dir. nullopt: no node answers there.
std::optional<std::string> ask_running_node(const std::string& data_dir, const std::vector<std::string>& words,
                                            int timeout_ms) {
  const std::string path = data_dir + "/control.sock";
  if (!std::filesystem::exists(path)) return std::nullopt;
  zmq::context_t ctx;
  auto ask = [&](const std::vector<std::string>& w, int ms) -> std::optional<std::string> {
    zmq::socket_t req(ctx, zmq::socket_type::req);
    req.set(zmq::sockopt::linger, 0);
    req.set(zmq::sockopt::rcvtimeo, ms);
    req.connect("ipc://" + path);
    req.send(zmq::buffer(json(w).dump()));
    zmq::message_t reply;
    if (!req.recv(reply)) return std::nullopt;
    return reply.to_string();
  };
  // A quick ping first: a socket file left by a killed node must not make us wait long.
  if (!ask({"ping"}, 1500)) return std::nullopt;
  return ask(words, timeout_ms);
}

std::string no_node_answers(const std::string& data_dir, Lang lang) {
  return say(lang, data_dir + " で応答するノードがありません (動いていますか?)", "no running node answers in " + data_dir);
}

// The status file of the node answering in data_dir (node, dataset, pid...), or nullopt if
// none answers; {} if one answers but its status file cannot be read yet.
std::optional<json> running_node_status(const std::string& data_dir) {
  if (!ask_running_node(data_dir, {"ping"}, 1500)) return std::nullopt;
  try {
    return json::parse(std::ifstream(data_dir + "/status.json"));
  } catch (const json::exception&) {
    return json::object();
  }
}

// One クロノロ entry (load for benchmarks and soak tests: `--trickle-ms`).
void write_trickle_entry(Agent& agent, int n) {
  agent.run([n](Store& s) {
    return s.put(EntityKind::Chronology, s.new_id(),
                 {{"number", s.next_chronology_number()}, {"node_label", s.node_id()}, {"at", format_iso_jst(s.now())},
                  {"content", "定時記録 " + std::to_string(n)}, {"category", "info"}, {"state", "pending"}},
                 "honbu-node trickle")
        .ok;
  });
}

// `ctl partition PEER SECONDS`: 1..86400, digits only.
bool is_whole_seconds(const std::string& w) {
  if (w.empty() || w.size() > 5 || !std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  const int n = std::stoi(w);
  return n >= 1 && n <= 86400;
}

// Whether a node knows the peer (configured, or heard from).
bool knows_peer(const Agent& agent, const std::string& peer) {
  for (const auto& p : agent.status().peers)
    if (p.node_id == peer) return true;
  return false;
}

// What `honbu-node ctl` (and export/import through a running node) asks of it, answered in
// the asker's language when the request starts with "lang=ja|en", else the node's.
struct ControlRequests {
  Agent& agent;
  const NodeConfig& cfg;
  const NodeHandle& node;
  const std::string& demo_branch;
  bool test_writes;
  Lang node_lang;
  std::uint64_t demo_steps = 0;

  std::string answer(std::vector<std::string> w) {
    Lang lang = node_lang;
    if (!w.empty() && (w[0] == "lang=ja" || w[0] == "lang=en")) {
      lang = w[0] == "lang=ja" ? Lang::Ja : Lang::En;
      w.erase(w.begin());
    }
    auto T = [lang](const std::string& ja, const std::string& en) { return say(lang, ja, en); };
    const std::string verb = w.empty() ? "" : w[0], peer = w.size() > 1 ? w[1] : "";
    const bool digits = !peer.empty() && std::all_of(peer.begin(), peer.end(), ::isdigit);
    if (verb == "ping") return "ok";
    if (verb == "status") {
      json j = status_json(agent.status(), node.db_path);
      j["state_hash"] = agent.run([](Store& s) { return state_hash(s.db()); }).get();
      return j.dump(2);
    }
    if ((verb == "partition" || verb == "heal") && peer.empty())
      return verb == "heal" ? T("error: heal には再接続する相手が必要です: heal 相手; このノードの相手: ",
                                "error: heal needs the peer to reconnect: heal PEER; this node's peers: ") + peer_list(lang)
                            : T("error: partition には切断する相手が必要です: partition 相手 [秒]; このノードの相手: ",
                                "error: partition needs the peer to cut: partition PEER [SECONDS]; this node's peers: ") +
                                  peer_list(lang);
    // atoi would make "0.5" or "abc" a cut with no end.
    if (verb == "partition" && w.size() > 2 && !is_whole_seconds(w[2]))
      return T("error: 秒数は 1 から 86400 までの整数で指定してください (\"" + w[2] + "\" は不可)。切断していません",
               "error: SECONDS must be a whole number from 1 to 86400, not \"" + w[2] + "\"; no cut was made");
    if (verb == "partition" || verb == "heal") {
      if (verb == "heal")
        agent.heal(peer);
      else if (const int seconds = w.size() > 2 ? std::stoi(w[2]) : 0; seconds > 0)
        agent.partition(peer, std::chrono::milliseconds(seconds * 1000));
      else
        agent.partition(peer, std::nullopt);
      // A cut for a node not heard of yet holds once it connects; a typo should not pass unseen.
      // A typo must not pass for a cut made: said first, and `ctl` exits 1.
      if (!knows_peer(agent, peer))
        return T("warning: " + peer + " はまだ相手ではありません (このノードの相手: " + peer_list(lang) +
                     ")。つながったときから効きます",
                 "warning: " + peer + " is not a peer yet (this node's peers: " + peer_list(lang) +
                     "); it holds if that node connects");
      return "ok";
    }
    if (verb == "write-demo" && !demo_branch.empty()) {
      demo_trickle(agent, node.node_id, demo_branch, ++demo_steps);
      return "ok";
    }
    if (verb == "write-demo")
      return T("error: write-demo は --demo-branch 支所 で起動したノードでだけ使えます (訓練データセット: --dataset EXERCISE:demo)",
               "error: write-demo needs the node started with --demo-branch BRANCH (on a drill dataset: "
               "--dataset EXERCISE:demo)");
    if (verb == "write" && digits && !test_writes)
      return T("error: write N は試験記録を書き込みます。このノードは実データ (" + cfg.dataset +
                   ") を持っています: 訓練データセット (--dataset EXERCISE:<名前>) か --test-writes 付きの試験ノードで使ってください",
               "error: write N makes test records (試験記録), and this node holds real data (" + cfg.dataset +
                   "): run a test node on a drill dataset (--dataset EXERCISE:<name>), or with --test-writes");
    if (verb == "write" && digits) return write_test_records(std::stoi(peer));
    if (verb == "write")
      return T("error: write には書き込む件数 (1 以上の整数) を指定してください (\"" + peer + "\" は不可)",
               "error: write takes how many entries to write (a whole number, 1 or more), not \"" + peer + "\"");
    if ((verb == "inject" || verb == "publish") && w.size() >= 2) return write_inject(verb, w[1], lang);
    if (verb == "wait" && w.size() >= 4) return wait_for(w[1], std::strtoull(w[2].c_str(), nullptr, 10), std::atoi(w[3].c_str()));
    if (verb == "export" && w.size() >= 3) {
      const NodeKeys keys = load_secret_keys(cfg.keys_path);
      const std::string since = w.size() > 3 ? w[3] : "";
      return agent.run([&](Store& s) {
        try {
          const AllowList allow = AllowList::load(cfg.allowlist_path);  // as it is now
          return export_bundle(s, keys, w[1], w[2], since, allow, lang);
        } catch (const std::exception& e) {
          return std::string("error: ") + e.what();
        }
      }).get();
    }
    if (verb == "import" && w.size() >= 2)
      return agent.run([&](Store& s) {
        try {
          return import_file(s, AllowList::load(cfg.allowlist_path), w[1], lang);
        } catch (const std::exception& e) {
          return std::string("error: ") + e.what();
        }
      }).get();
    std::string said;  // the words, not the JSON they came in
    for (const std::string& word : w) said += (said.empty() ? "" : " ") + word;
    return T("error: 不明なコマンド \"", "error: unknown command \"") + said +
           "\" (partition PEER [SECONDS] | heal PEER | status | write N | write-demo | export PEER FILE [SINCE] | "
           "import FILE | inject JSON | wait ORIGIN SEQ MS)";
  }

  // The peers a node knows (configured, or heard from): what `partition|heal` may name.
  std::string peer_list(Lang lang) const {
    std::string out;
    for (const auto& p : agent.status().peers) out += (out.empty() ? "" : ", ") + p.node_id;
    return out.empty() ? say(lang, "まだなし", "none yet") : out;
  }

  // `write N`: N クロノロ entries in one transaction (tests, demos, load). The reply starts
  // "ok SEQ" (this node's last seq, what tests record as acknowledged).
  std::string write_test_records(int n) {
    return agent.run([n](Store& s) {
      std::uint64_t last = 0;
      s.batch([&] {
        for (int i = 0; i < n; ++i) {
          auto r = s.put(EntityKind::Chronology, s.new_id(),
                         {{"number", s.next_chronology_number()}, {"node_label", s.node_id()},
                          {"at", format_iso_jst(s.now())}, {"content", "試験記録 " + std::to_string(i + 1)},
                          {"category", "info"}, {"state", "pending"}},
                         "honbu-node ctl");
          last = r.op.seq;
        }
      });
      return "ok " + std::to_string(last) + " (wrote " + std::to_string(n) + " クロノロ entries; " +
             std::to_string(last) + " is " + s.node_id() + "'s last op seq)";
    }).get();
  }

  // A drill's inject, or the record of a publication (honbu-report --issue): written here, as
  // a person at this node would (one writer per database: this process).
  std::string write_inject(const std::string& verb, const std::string& body, Lang lang) {
    return agent.run([&](Store& s) {
      try {
        std::string who;
        const drill::InjectWrite iw = drill::inject_write_from_json(body, &who);
        if (verb == "publish" && iw.kind != EntityKind::Publication) return std::string("error: publish takes a publication");
        if (verb == "publish" && get<Publication>(s.db(), iw.id)) return "error: " + iw.id + " was already issued";
        const LocalResult r = drill::write_inject(s, iw, who);
        if (!r.ok) return "error: " + describe(r.problems, lang);
        return "ok " + r.op.origin + " " + std::to_string(r.op.seq);
      } catch (const std::exception& e) {
        return std::string("error: ") + e.what();
      }
    }).get();
  }

  // `wait ORIGIN SEQ MS`: "ok" once this node holds ORIGIN's op SEQ, or "timeout".
  std::string wait_for(const std::string& origin, std::uint64_t seq, int ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    do {
      const bool held = agent.run([&](Store& s) {
        const VersionVector v = s.version_vector();
        auto it = v.find(origin);
        return it != v.end() && it->second >= seq;
      }).get();
      if (held) return "ok";
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    } while (std::chrono::steady_clock::now() < deadline);
    return "timeout";
  }
};

int run_node(NodeConfig cfg, int status_every, const std::string& demo_branch, int demo_every_ms, int trickle_ms,
             bool test_writes, Lang lang) {
  NodeHandle node = start_node(cfg);
  Agent& agent = *node.agent;
  const std::string& listen = agent.listen_endpoint();
  std::printf("%s honbu-node %s %s\n", now_text().c_str(), node.node_id.c_str(),
              say(lang, "起動: データセット " + cfg.dataset + "、DB " + node.db_path + (listen.empty() ? "" : "、待受 " + listen),
                  "started: dataset " + cfg.dataset + ", db " + node.db_path + (listen.empty() ? "" : ", listening on " + listen))
                  .c_str());
  std::fflush(stdout);

  if (!demo_branch.empty()) {
    agent.run([&](Store& s) {
      if (s.data_version() == 0) {
        if (demo_branch == "hq") fill_demo_master_data(s, s.now());
        fill_demo_node(s, DemoNode{node.node_id, demo_branch}, s.now(), 20261122);
      }
      return 0;
    }).get();
  }

  // Control socket for `honbu-node ctl` (local only: a Unix socket in the data dir).
  zmq::context_t ctx;
  zmq::socket_t ctl(ctx, zmq::socket_type::rep);
  ctl.set(zmq::sockopt::linger, 0);
  const std::string ctl_path = cfg.data_dir + "/control.sock";
  std::filesystem::remove(ctl_path);
  ctl.bind("ipc://" + ctl_path);

  std::mt19937_64 rng(std::hash<std::string>{}(node.node_id));
  auto last_status = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  auto last_stats = last_status;
  auto last_trickle = std::chrono::steady_clock::now();
  // The first entry at a random point of the period, so that many nodes do not write in step.
  auto next_entry = last_trickle + std::chrono::milliseconds(trickle_ms > 0 ? static_cast<int>(rng() % trickle_ms) : 0);
  int entries = 0;
  ControlRequests ctl_requests{agent, cfg, node, demo_branch, test_writes, lang};
  while (!g_stop) {
    zmq::pollitem_t item{ctl.handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, std::chrono::milliseconds(100));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
      continue;  // SIGINT/SIGTERM: g_stop is set, the loop ends and the node stops cleanly
    }
    if (item.revents & ZMQ_POLLIN) {
      zmq::message_t req;
      (void)ctl.recv(req);
      const std::string reply = ctl_requests.answer(request_words(req.to_string()));
      ctl.send(zmq::buffer(reply));
    }
    for (const Event& e : agent.take_events()) {
      if (e.kind == Event::Kind::OpsApplied) continue;  // the stats line carries volume
      std::printf("%s %s [%s] %s\n", now_text().c_str(), node.node_id.c_str(),
                  std::string(event_kind_name(e.kind)).c_str(), e.message.c_str());
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_status >= std::chrono::seconds(1)) {
      last_status = now;
      write_atomically(cfg.data_dir + "/status.json", status_json(agent.status(), node.db_path).dump(2));
    }
    if (status_every > 0 && now - last_stats >= std::chrono::seconds(status_every)) {
      last_stats = now;
      std::printf("%s\n", stats_line(agent.status()).c_str());
    }
    if (!demo_branch.empty() && now - last_trickle >= std::chrono::milliseconds(demo_every_ms)) {
      last_trickle = now;
      demo_trickle(agent, node.node_id, demo_branch, ++ctl_requests.demo_steps);
    }
    if (trickle_ms > 0 && now >= next_entry) {
      next_entry += std::chrono::milliseconds(trickle_ms);
      write_trickle_entry(agent, ++entries);
    }
    std::fflush(stdout);
  }
  std::printf("%s honbu-node %s %s\n", now_text().c_str(), node.node_id.c_str(), say(lang, "停止中", "stopping").c_str());
  json last = status_json(agent.status(), node.db_path);
  agent.stop();
  std::filesystem::remove(ctl_path);
  // `status` then says the node stopped, and when, instead of passing for a live one.
  last["stopped_at"] = wall_now_ms();
  write_atomically(cfg.data_dir + "/status.json", last.dump(2));
  std::printf("%s honbu-node %s %s\n", now_text().c_str(), node.node_id.c_str(),
              say(lang, "正常に停止しました", "stopped cleanly").c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  honbu::keep_files_private();
  CLI::App app{"honbu-node: a Honbu node without a screen"};
  app.require_subcommand(1);
  app.set_config("--config", "", "read options from a file (TOML/INI: key = value)");
  std::string lang_name;
  app.add_option("--lang", lang_name, "ja or en, for messages (default: from the locale)")->check(CLI::IsMember({"ja", "en"}));

  NodeConfig cfg;
  cfg.data_dir = default_data_dir();
  int status_every = 0;
  std::string demo_branch;
  auto* run = app.add_subcommand("run", "run a node until SIGINT/SIGTERM");
  run->add_option("--data-dir", cfg.data_dir, "node data directory")->capture_default_str();
  run->add_option("--role", cfg.role, "hq, branch or relay")->required()->check(CLI::IsMember({"hq", "branch", "relay"}));
  run->add_option("--keys", cfg.keys_path, "this node's secret key file (honbu-keys gen)")->required();
  run->add_option("--allowlist", cfg.allowlist_path, "allow-list file")->required();
  run->add_option("--dataset", cfg.dataset, "ACTUAL or EXERCISE:<name>")->capture_default_str();
  run->add_option("--listen", cfg.listen, "endpoint to listen on, e.g. tcp://*:5701");
  run->add_option("--peer", cfg.peers, "peer to connect to, NODE@tcp://host:port (repeatable)");
  run->add_option("--status-every", status_every, "print a stats line every N seconds");
  run->add_option("--lost-after-ms", cfg.lost_after_ms, "peer silent this long is lost")->capture_default_str();
  run->add_option("--demo-branch", demo_branch, "fill demo data for this branch and keep writing a little");
  int trickle_ms = 0, demo_every_ms = 5000;
  run->add_option("--demo-every-ms", demo_every_ms, "with --demo-branch: one realistic update every N ms")
      ->capture_default_str();
  run->add_option("--trickle-ms", trickle_ms, "write one クロノロ entry every N ms (load for tests and benchmarks)");
  bool test_writes = false;
  run->add_flag("--test-writes", test_writes,
                "allow --trickle-ms and `ctl write N` (test records) on ACTUAL data: tests and benchmarks only");

  std::string data_dir = default_data_dir();
  auto* status = app.add_subcommand("status", "print what a running node last reported");
  status->add_option("--data-dir", data_dir, "node data directory")->capture_default_str();
  bool status_as_json = false;
  status->add_flag("--json", status_as_json, "print the status file as it is (JSON), for scripts");

  std::vector<std::string> words;
  auto* ctl = app.add_subcommand("ctl", "send a command to a running node");
  ctl->add_option("--data-dir", data_dir, "node data directory")->capture_default_str();
  ctl->add_option("command", words,
                  "partition PEER [SECONDS] | heal PEER | status (JSON with the state hash, for scripts; "
                  "`honbu-node status` is the readable one) | write N | write-demo")
      ->required();

  std::string bundle_keys, bundle_peer, bundle_out, since_file, bundle_file, bundle_allowlist,
      bundle_dataset = "ACTUAL";
  auto* exp = app.add_subcommand("export", "write a bundle file of the ops a peer lacks (for a USB stick)");
  exp->add_option("--data-dir", data_dir, "node data directory")->capture_default_str();
  exp->add_option("--keys", bundle_keys, "this node's secret key file (signs the bundle)")->required();
  exp->add_option("--for", bundle_peer, "the node the bundle is for")->required();
  exp->add_option("--out", bundle_out, "bundle file to write")->required();
  exp->add_option("--since-vector", since_file,
                  "a file holding the JSON version vector the peer holds, e.g. {\"kita\": 250} (default: what it last told this node)");
  exp->add_option("--dataset", bundle_dataset, "ACTUAL or EXERCISE:<name>")->capture_default_str();
  exp->add_option("--allowlist", bundle_allowlist,
                  "allow-list file: --keys must be this node's key on it and --for a node on it (a running node uses "
                  "its own; needed otherwise)");
  auto* imp = app.add_subcommand("import", "apply a bundle file (twice or out of order is harmless)");
  imp->add_option("--data-dir", data_dir, "node data directory")->capture_default_str();
  imp->add_option("--keys", bundle_keys, "this node's secret key file")->required();
  imp->add_option("--allowlist", bundle_allowlist, "allow-list file (who may sign what)");
  imp->add_option("--dataset", bundle_dataset, "ACTUAL or EXERCISE:<name>")->capture_default_str();
  imp->add_option("file", bundle_file, "bundle file")->required();

  if (auto exit_status = parse_command_line(app, argc, argv)) return *exit_status;
  const Lang lang = message_lang(lang_name);
  const bool ja = lang == Lang::Ja;
  auto T = [lang](const std::string& j, const std::string& e) { return say(lang, j, e); };
  try {
    if (*run) {
      struct sigaction sa {};
      sa.sa_handler = on_signal;
      sigaction(SIGINT, &sa, nullptr);
      sigaction(SIGTERM, &sa, nullptr);
      // The demo city and test records are made up: never in real data by accident.
      const bool actual = cfg.dataset == "ACTUAL";
      if (actual && !demo_branch.empty()) {
        std::fprintf(stderr, "honbu-node: %s\n",
                     ja ? "--demo-branch は架空のデモ市を書き込むため、訓練データセットにだけ使えます"
                          "(--dataset EXERCISE:demo を付けてください)。起動していません"
                        : "--demo-branch fills in the made-up demo city, so only into a drill dataset "
                          "(add --dataset EXERCISE:demo); nothing was started");
        return 2;
      }
      if (actual && trickle_ms > 0 && !test_writes) {
        std::fprintf(stderr, "honbu-node: %s\n",
                     ja ? "--trickle-ms は試験記録を書き込みます。実データには書き込めません: 訓練データセット"
                          "(--dataset EXERCISE:<名前>)を使うか、試験用ノードなら --test-writes を付けてください。"
                          "起動していません"
                        : "--trickle-ms writes test records (試験記録) into real data: use a drill dataset "
                          "(--dataset EXERCISE:<name>), or add --test-writes for a test node; nothing was started");
        return 2;
      }
      // One node per data directory: a second one (another dataset) would take over the
      // control socket and status file, and `ctl` would write into the wrong dataset.
      if (const auto j = running_node_status(cfg.data_dir)) {
        const std::string who =
            j->value("node", "?") + " (" + j->value("dataset", "?") + ", pid " + std::to_string(j->value("pid", 0)) + ")";
        std::fprintf(stderr, "honbu-node: %s\n",
                     (ja ? "このデータディレクトリ " + cfg.data_dir + " では既にノード " + who +
                               " が動いています。1 つのディレクトリに 1 ノードです: 訓練は別の --data-dir で起動してください。"
                               "起動していません"
                         : "a node already runs in the data directory " + cfg.data_dir + ": " + who +
                               "; one node per directory: give a drill its own --data-dir; nothing was started")
                         .c_str());
        return 2;
      }
      // A run refused at start (a wrong role, a key that does not match) left the folders it
      // had made: take away those it made, as long as nothing was written in them.
      namespace fs = std::filesystem;
      fs::path made = fs::absolute(cfg.data_dir);
      while (made.has_parent_path() && made.parent_path() != made && !fs::exists(made.parent_path()))
        made = made.parent_path();
      const bool existed = fs::exists(made);
      fs::create_directories(cfg.data_dir);
      try {
        return run_node(cfg, status_every, demo_branch, demo_every_ms, trickle_ms, test_writes || !actual, lang);
      } catch (...) {
        std::error_code ec;
        bool empty = true;
        for (auto it = fs::recursive_directory_iterator(made, ec); !ec && it != fs::recursive_directory_iterator(); ++it)
          if (!it->is_directory()) empty = false;
        if (!existed && empty && !ec) fs::remove_all(made, ec);
        throw;
      }
    }
    if (*status) {
      std::ifstream f(data_dir + "/status.json");
      if (!f) {
        std::fprintf(stderr, "honbu-node: %s\n",
                     T(data_dir + " に状態ファイルがありません (ノードは動いていますか?)",
                       "no status in " + data_dir + " (is a node running there?)").c_str());
        return 2;
      }
      json j = json::parse(f);
      const TimeMs now = wall_now_ms();
      const long long age = now - j.value("written_at", 0LL);
      // Stopped cleanly (it said so), or gone (killed, power lost): its pid is not alive.
      const bool stopped = j.contains("stopped_at");
      const int pid = j.value("pid", 0);
      const bool gone = !stopped && pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
      if (stopped || gone) {
        const std::string when = format_iso_jst(stopped ? j.value("stopped_at", 0LL) : j.value("written_at", 0LL));
        (status_as_json ? std::cerr : std::cout) << (stopped ? (ja ? "このノードは停止しています (" + when + " に正常終了)。以下は停止時の状態です\n"
                                    : "this node is not running: it stopped cleanly at " + when +
                                          "; below is its status then\n")
                              : (ja ? "このノードは動いていません (プロセス " + std::to_string(pid) +
                                          " がありません。強制終了か電源断の可能性)。以下は " + when + " 時点の状態です\n"
                                    : "this node is not running (process " + std::to_string(pid) +
                                          " is gone: killed, or the power went); below is its status at " + when +
                                          "\n"));
      }
      if (status_as_json)
        std::cout << j.dump(2) << "\n";
      else
        std::cout << status_text(j, lang, now);
      if (stopped || gone) return 3;
      if (age > 5000)
        std::fprintf(stderr, lang == Lang::Ja ? "注意: この状態は %lld 秒前のものです。ノードが停止している可能性があります\n"
                                              : "note: this status is %lld s old: the node may have stopped\n",
                     age / 1000);
      return 0;
    }
    if (*ctl) {
      const bool slow = !words.empty() && (words[0] == "write" || words[0] == "export" || words[0] == "import");
      std::vector<std::string> asked = words;
      if (!lang_name.empty()) asked.insert(asked.begin(), "lang=" + lang_name);  // else the node's own
      const auto reply = ask_running_node(data_dir, asked, slow ? 300'000 : 5'000);
      if (!reply) {
        std::fprintf(stderr, "honbu-node: %s\n", no_node_answers(data_dir, lang).c_str());
        return 2;
      }
      std::cout << *reply << "\n";
      return reply->rfind("error", 0) == 0 ? 2 : reply->rfind("warning", 0) == 0 ? 1 : 0;
    }
    if (*exp || *imp) {
      // Paths as the user means them: a running node resolves them in its own directory.
      auto absolute = [](const std::string& p) { return p.empty() ? p : std::filesystem::absolute(p).string(); };
      bundle_out = absolute(bundle_out);
      since_file = absolute(since_file);
      bundle_file = absolute(bundle_file);
      // Through the running node if there is one (it owns the database), else directly.
      if (const auto st = running_node_status(data_dir)) {
        const std::string running = st->value("node", ""), running_dataset = st->value("dataset", "");
        // The node uses its own keys, allow-list and dataset: options that say otherwise are
        // a mistake to name, not to ignore.
        if ((*exp ? exp : imp)->count("--dataset") && !running_dataset.empty() && bundle_dataset != running_dataset)
          throw Error(T(data_dir + " で動いているノードは " + bundle_dataset + " ではなく " + running_dataset +
                            " を持っています。何もしていません",
                        "the node running in " + data_dir + " holds " + running_dataset + ", not " + bundle_dataset +
                            ": nothing was done"));
        const std::string key_node = load_secret_keys(bundle_keys).node_id;
        if (!running.empty() && key_node != running)
          throw Error(T("--keys " + bundle_keys + " は " + key_node + " の鍵ですが、" + data_dir + " で動いているのは " +
                            running + " です。何もしていません",
                        "--keys " + bundle_keys + " is " + key_node + "'s, but the node running in " + data_dir +
                            " is " + running + ": nothing was done"));
        std::vector<std::string> words2{ja ? "lang=ja" : "lang=en"};  // the reply in this reader's language
        if (*exp) words2.insert(words2.end(), {"export", bundle_peer, bundle_out, since_file});
        else words2.insert(words2.end(), {"import", bundle_file});
        if (auto reply = ask_running_node(data_dir, words2, 300'000)) {
          std::cout << *reply << "\n";
          const bool failed = reply->rfind("error", 0) == 0;
          // Only about the ops it checked: not after "cannot open" or "not a bundle".
          if (*imp && !bundle_allowlist.empty() && !failed)
            std::cout << T("(動いているノード " + running + " 経由: そのノードの許可リストで確認しました)\n",
                           "(through the running node " + running + ": checked with the allow-list it runs with)\n");
          return failed ? 2 : 0;
        }
      }
      const NodeKeys keys = load_secret_keys(bundle_keys);
      // The store signs this node's unsigned ops (those honbu-report wrote) as it opens: with
      // a key that is not the one the allow-list has for the node, every later bundle from
      // here would be refused for them. So the allow-list is needed, and checked first.
      if (bundle_allowlist.empty())
        throw Error(T(std::string(*exp ? "export" : "import") +
                          " には --allowlist が必要です (--keys がこのノードの鍵か、宛先がこの拠点のノードかを確かめるため)。何もしていません",
                      std::string(*exp ? "export" : "import") +
                          " needs --allowlist (to check that --keys is this node's key and whom the bundle is for); "
                          "nothing was done"));
      const AllowList allow = AllowList::load(bundle_allowlist);
      if (const AllowEntry* me = allow.by_node(keys.node_id); !me || me->revoked || me->keys != keys.public_keys())
        throw Error(T("--keys " + bundle_keys + " は許可リスト " + bundle_allowlist + " にある " + keys.node_id + " の鍵" +
                          (!me ? "ではありません (" + keys.node_id + " が載っていません)" : me->revoked ? "ですが失効しています" : "と違います") +
                          "。何も署名・書き込みしていません",
                      "--keys " + bundle_keys + " is not " + keys.node_id + "'s key on the allow-list " + bundle_allowlist +
                          (!me ? " (" + keys.node_id + " is not on it)" : me->revoked ? " (it is revoked)" : " (another key)") +
                          ": nothing was signed or written"));
      StoreOptions so;
      so.path = database_path(data_dir, bundle_dataset);
      so.node_id = keys.node_id;
      so.dataset = bundle_dataset;
      // Never a new file, for import too: a mistyped --data-dir would put the bundle into a
      // new, empty database that no node uses. A new node is made with honbu-db init first.
      so.create_if_missing = false;
      sign_ops_with(so, keys);
      auto store = Store::open(so);
      if (*exp)
        std::cout << export_bundle(*store, keys, bundle_peer, bundle_out, since_file, allow, lang) << "\n";
      else
        std::cout << import_file(*store, allow, bundle_file, lang) << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "honbu-node: %s\n", e.what());
    return 2;
  }
  return 0;
}
