// `honbu-node export` / `import`: bundles made and applied by the real program, both with
// no node running (the tool opens the database) and through a running node's control socket.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/process.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "model/paths.hpp"
#include "model/queries.hpp"
#include "support/temp_dir.hpp"
#include "sync/node.hpp"

using namespace honbu;
using namespace honbu::sync;
using honbu::testing::TempDir;

namespace {

const std::string kNode = HONBU_BINARY_DIR "/tools/honbu-node";
const std::string kKeys = HONBU_BINARY_DIR "/tools/honbu-keys";

using honbu::testing::Outcome;
Outcome run(const std::string& cmd) { return honbu::testing::run_command(cmd); }

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// Two nodes' keys and one allow-list, made with honbu-keys as an operator would.
struct Site {
  TempDir dir;
  std::string keys = dir.file("keys"), allow = dir.file("allow.yaml");
  std::string data(const std::string& node) const { return dir.file("data-" + node); }
  std::string key(const std::string& node) const { return keys + "/" + node + ".key"; }
  Site() {
    EXPECT_EQ(run(kKeys + " --lang en gen --node hq --role hq --out " + keys + " --allowlist " + allow).status, 0);
    EXPECT_EQ(run(kKeys + " --lang en gen --node kita --role branch --branch kita --areas kitayama --out " + keys +
                  " --allowlist " + allow)
                  .status,
              0);
  }
  // The node's database, as honbu-db init makes it (import never creates one).
  void init(const std::string& node) const {
    StoreOptions so;
    so.path = database_path(data(node), "ACTUAL");
    so.node_id = node;
    so.dataset = "ACTUAL";
    Store::open(so);
  }
  // kita writes n クロノロ entries into its own database: signed and chained, as a node does,
  // or (by_tool) unsigned, as honbu-report does while the node is stopped.
  void kita_writes(int n, const std::string& dataset = "ACTUAL", bool by_tool = false) const {
    std::filesystem::create_directories(data("kita"));
    StoreOptions so;
    so.path = database_path(data("kita"), dataset);
    so.node_id = "kita";
    so.dataset = dataset;
    if (!by_tool) sign_ops_with(so, load_secret_keys(key("kita")));
    auto s = Store::open(so);
    s->batch([&] {
      for (int i = 0; i < n; ++i)
        ASSERT_TRUE(s->put(EntityKind::Chronology, s->new_id(),
                           {{"number", s->next_chronology_number()}, {"node_label", std::string("kita")},
                            {"at", format_iso_jst(s->now())}, {"content", "孤立中の記録 " + std::to_string(i)},
                            {"state", "pending"}},
                           "北支所")
                        .ok);
    });
  }
  // `honbu-node export` of kita's database for `peer` into `out`, checked with the site's
  // allow-list (more options after).
  std::string kita_export(const std::string& peer, const std::string& out, const std::string& more = "") const {
    return kita_export_unchecked(peer, out, " --allowlist " + allow + more);
  }
  std::string kita_export_unchecked(const std::string& peer, const std::string& out, const std::string& more = "") const {
    return kNode + " export --data-dir " + data("kita") + " --keys " + key("kita") + " --for " + peer + " --out " + out +
           more;
  }
  // `honbu-node import` with hq's key into `data_dir`; the bundle's path follows.
  std::string hq_import(const std::string& data_dir) const {
    return kNode + " import --data-dir " + data_dir + " --keys " + key("hq") + " --allowlist " + allow + " ";
  }
  VersionVector vector_of(const std::string& node) const {
    StoreOptions so;
    so.path = database_path(data(node), "ACTUAL");
    so.create_if_missing = false;
    return Store::open(so)->version_vector();
  }
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void spit(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

}  // namespace

TEST(BundleCli, ExportImportWithNoNodeRunning) {
  ASSERT_TRUE(std::filesystem::exists(kNode)) << kNode << " is missing: build the honbu-node target";
  Site site;
  site.init("hq");
  site.kita_writes(250);
  const std::string file = site.dir.file("kita-for-hq.honbu");
  Outcome ex = run(site.kita_export("hq", file));
  ASSERT_EQ(ex.status, 0) << ex.out;
  EXPECT_TRUE(contains(ex.out, "exported 250 ops for hq")) << ex.out;
  EXPECT_TRUE(contains(ex.out, "the whole log")) << ex.out;  // nothing known of hq yet

  const std::string imp = site.hq_import(site.data("hq"));
  Outcome in = run(imp + file);
  ASSERT_EQ(in.status, 0) << in.out;
  EXPECT_TRUE(contains(in.out, "250 applied")) << in.out;
  EXPECT_EQ(site.vector_of("hq").at("kita"), 250u);

  // Twice is harmless.
  Outcome again = run(imp + file);
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_TRUE(contains(again.out, "0 applied, 250 already here")) << again.out;

  // A later bundle that starts where the first ended, by a vector file, then out of order.
  site.kita_writes(40);
  const std::string since = site.dir.file("hq-vector.json"), second = site.dir.file("second.honbu");
  spit(since, "{\"kita\": 250}");
  ex = run(site.kita_export("hq", second, " --since-vector " + since));
  ASSERT_EQ(ex.status, 0) << ex.out;
  EXPECT_TRUE(contains(ex.out, "exported 40 ops")) << ex.out;
  EXPECT_TRUE(contains(run(imp + second).out, "40 applied"));
  EXPECT_EQ(site.vector_of("hq").at("kita"), 290u);
}

TEST(BundleCli, DamagedOrForeignBundlesAreRefusedWholeWithTheReason) {
  ASSERT_TRUE(std::filesystem::exists(kNode)) << kNode << " is missing: build the honbu-node target";
  Site site;
  site.init("hq");
  site.kita_writes(30);
  const std::string file = site.dir.file("b.honbu");
  ASSERT_EQ(run(site.kita_export("hq", file)).status, 0);
  const std::string imp = site.hq_import(site.data("hq"));
  const std::string good = slurp(file);

  spit(site.dir.file("cut.honbu"), good.substr(0, good.size() / 2));
  Outcome cut = run(imp + site.dir.file("cut.honbu"));
  EXPECT_EQ(cut.status, 2) << cut.out;
  EXPECT_TRUE(contains(cut.out, "truncated") || contains(cut.out, "checksum")) << cut.out;

  std::string tampered = good;
  const size_t at = tampered.find("孤立中の記録 7");
  ASSERT_NE(at, std::string::npos);
  tampered.replace(at, std::string("孤立中の記録 7").size(), "孤立中の記録 8");
  spit(site.dir.file("tampered.honbu"), tampered);
  Outcome t = run(imp + site.dir.file("tampered.honbu"));
  EXPECT_EQ(t.status, 2) << t.out;
  EXPECT_TRUE(contains(t.out, "checksum mismatch")) << t.out;

  EXPECT_TRUE(contains(t.out, "export it again")) << "what to do: " << t.out;
  // Line ends turned into CRLF (copied as text) are named as the likely cause.
  std::string crlf;
  for (char ch : good) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  spit(site.dir.file("crlf.honbu"), crlf);
  Outcome c = run(imp + site.dir.file("crlf.honbu"));
  EXPECT_EQ(c.status, 2) << c.out;
  EXPECT_TRUE(contains(c.out, "CRLF")) << c.out;

  Outcome missing = run(imp + site.dir.file("nope.honbu"));
  EXPECT_EQ(missing.status, 2) << missing.out;
  EXPECT_TRUE(contains(missing.out, "cannot open")) << missing.out;
  EXPECT_TRUE(contains(missing.out, "No such file")) << missing.out;  // and why
  Outcome folder = run(imp + site.dir.path());
  EXPECT_EQ(folder.status, 2) << folder.out;
  EXPECT_TRUE(contains(folder.out, "is a directory")) << folder.out;

  // Nothing of the refused files was applied.
  EXPECT_FALSE(site.vector_of("hq").count("kita"));

  // A blank line added after the checksum line (an editor's) is not damage.
  spit(site.dir.file("blank.honbu"), good + "\n\n");
  Outcome blank = run(imp + site.dir.file("blank.honbu"));
  EXPECT_EQ(blank.status, 0) << blank.out;
  EXPECT_TRUE(contains(blank.out, "30 applied")) << blank.out;

  // A drill bundle never enters the real dataset.
  site.kita_writes(5, "EXERCISE:d1");
  const std::string drill = site.dir.file("drill.honbu");
  ASSERT_EQ(run(site.kita_export("hq", drill, " --dataset EXERCISE:d1")).status, 0);
  Outcome d = run(imp + drill);
  EXPECT_EQ(d.status, 2) << d.out;
  EXPECT_TRUE(contains(d.out, "drill and real data never mix")) << d.out;
}

// Records a tool wrote while the node was stopped (honbu-report import-csv, 第4号様式
// --issue) carry no signature. The node signs its own on its next open with its key, so they
// travel in a bundle like the rest: before, export refused them for good.
TEST(BundleCli, OpsAToolWroteWhileTheNodeWasStoppedTravelInABundle) {
  ASSERT_TRUE(std::filesystem::exists(kNode)) << kNode << " is missing: build the honbu-node target";
  Site site;
  site.init("hq");
  site.kita_writes(3);
  site.kita_writes(2, "ACTUAL", true);  // unsigned, after three signed ones
  site.kita_writes(1);                  // and the node wrote again after the tool
  const std::string file = site.dir.file("kita.honbu");
  Outcome ex = run(site.kita_export("hq", file));
  ASSERT_EQ(ex.status, 0) << ex.out;
  EXPECT_TRUE(contains(ex.out, "exported 6 ops for hq")) << ex.out;
  Outcome in = run(site.hq_import(site.data("hq")) + file);
  ASSERT_EQ(in.status, 0) << in.out;
  EXPECT_TRUE(contains(in.out, "6 applied")) << in.out;
  EXPECT_EQ(site.vector_of("hq").at("kita"), 6u);
  // Every op now carries a signature that verifies on its own.
  StoreOptions so;
  so.path = database_path(site.data("kita"), "ACTUAL");
  so.create_if_missing = false;
  const NodeKeys keys = load_secret_keys(site.key("kita"));
  auto kita = Store::open(so);
  for (const Op& op : kita->ops_missing_for({}, 100))
    EXPECT_TRUE(verify_signature(keys.public_keys().sign, signing_bytes(op), op.signature)) << "seq " << op.seq;
  // Signed once: the mark that sends the next open through the whole log is cleared.
  auto mark = kita->db().query("SELECT value FROM meta WHERE key = 'unsigned_own_ops'");
  ASSERT_TRUE(mark->step());
  EXPECT_EQ(mark->column_text(0), "0");
}

// An import never makes a database: a mistyped --data-dir would put the bundle where no
// node reads it. It says so, and leaves no file behind.
TEST(BundleCli, ImportIntoADirectoryWithNoDatabaseIsRefused) {
  ASSERT_TRUE(std::filesystem::exists(kNode)) << kNode << " is missing: build the honbu-node target";
  Site site;
  site.kita_writes(2);
  const std::string file = site.dir.file("kita.honbu");
  ASSERT_EQ(run(site.kita_export("hq", file)).status, 0);
  // A bundle for the exporting node itself would carry nothing: said, not written.
  Outcome self = run(site.kita_export("kita", site.dir.file("self.honbu")));
  EXPECT_EQ(self.status, 2) << self.out;
  EXPECT_TRUE(contains(self.out, "itself")) << self.out;
  const std::string typo = site.dir.file("data-hqq");
  Outcome in = run(site.hq_import(typo) + file);
  EXPECT_EQ(in.status, 2) << in.out;
  EXPECT_TRUE(contains(in.out, "no database at")) << in.out;
  EXPECT_TRUE(contains(in.out, "honbu-db init")) << in.out;
  EXPECT_FALSE(std::filesystem::exists(database_path(typo, "ACTUAL")));
}

TEST(BundleCli, ImportGoesThroughTheRunningNode) {
  ASSERT_TRUE(std::filesystem::exists(kNode)) << kNode << " is missing: build the honbu-node target";
  Site site;
  site.kita_writes(60);
  const std::string file = site.dir.file("k.honbu");
  ASSERT_EQ(run(site.kita_export("hq", file)).status, 0);
  std::filesystem::create_directories(site.data("hq"));
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string log = site.data("hq") + "/node.log";
    std::freopen(log.c_str(), "w", stdout);
    std::freopen(log.c_str(), "a", stderr);
    ::execl(kNode.c_str(), kNode.c_str(), "run", "--data-dir", site.data("hq").c_str(), "--role", "hq", "--keys",
            site.key("hq").c_str(), "--allowlist", site.allow.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  struct Reap {
    pid_t pid;
    ~Reap() {
      ::kill(pid, SIGTERM);
      int st;
      ::waitpid(pid, &st, 0);
    }
  } reap{pid};
  // Wait until the node answers on its control socket.
  Outcome ping;
  for (int i = 0; i < 100; ++i) {
    ping = run(kNode + " ctl --data-dir " + site.data("hq") + " ping");
    if (ping.status == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(ping.status, 0) << ping.out << slurp(site.data("hq") + "/node.log");

  // The running node owns the database: the import is done by it.
  Outcome in = run(site.hq_import(site.data("hq")) + file);
  ASSERT_EQ(in.status, 0) << in.out;
  EXPECT_TRUE(contains(in.out, "60 applied")) << in.out;
  // The node's published status follows within a moment (it is refreshed every 100 ms).
  Outcome st;
  for (int i = 0; i < 30; ++i) {
    st = run(kNode + " ctl --data-dir " + site.data("hq") + " status");
    if (contains(st.out, "\"kita\": 60")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(contains(st.out, "\"kita\": 60")) << st.out;

  // The running node answers in the asker's language, whatever its own locale.
  Outcome again_ja = run("LANG=ja_JP.UTF-8 " + site.hq_import(site.data("hq")) + file);
  EXPECT_EQ(again_ja.status, 0) << again_ja.out;
  EXPECT_TRUE(contains(again_ja.out, "を取り込みました: 適用 0 件、既に保持 60 件")) << again_ja.out;
  Outcome cut_ja = run(kNode + " ctl --lang ja --data-dir " + site.data("hq") + " partition kita 0.5");
  EXPECT_EQ(cut_ja.status, 2) << cut_ja.out;
  EXPECT_TRUE(contains(cut_ja.out, "1 から 86400 までの整数")) << cut_ja.out;
  Outcome cut_en = run(kNode + " ctl --lang en --data-dir " + site.data("hq") + " partition kita 0.5");
  EXPECT_TRUE(contains(cut_en.out, "SECONDS must be a whole number")) << cut_en.out;

  // Relative paths are the user's, not the node's (it runs in another directory): the
  // file named is the one imported, and a garbage file of that name is refused.
  const std::string here = site.dir.file("elsewhere");
  std::filesystem::create_directories(here);
  spit(here + "/k.honbu", "garbage\n");
  Outcome rel = run("cd " + here + " && " + site.hq_import(site.data("hq")) + "k.honbu");
  EXPECT_EQ(rel.status, 2) << rel.out;
  EXPECT_TRUE(contains(rel.out, here + "/k.honbu")) << rel.out;
  EXPECT_TRUE(contains(rel.out, "not a Honbu bundle")) << rel.out;
  // Options that contradict the running node are named, not ignored.
  Outcome wrong_key = run(kNode + " import --data-dir " + site.data("hq") + " --keys " + site.key("kita") +
                          " --allowlist " + site.allow + " " + file);
  EXPECT_EQ(wrong_key.status, 2) << wrong_key.out;
  EXPECT_TRUE(contains(wrong_key.out, "kita's, but the node running")) << wrong_key.out;
  Outcome wrong_set = run(site.hq_import(site.data("hq")) + "--dataset EXERCISE:drill1 " + file);
  EXPECT_EQ(wrong_set.status, 2) << wrong_set.out;
  EXPECT_TRUE(contains(wrong_set.out, "holds ACTUAL, not EXERCISE:drill1")) << wrong_set.out;
  Outcome out_rel = run("cd " + here + " && " + kNode + " export --data-dir " + site.data("hq") + " --keys " +
                        site.key("hq") + " --for kita --out hq-for-kita.honbu");
  EXPECT_EQ(out_rel.status, 0) << out_rel.out;
  EXPECT_TRUE(std::filesystem::exists(here + "/hq-for-kita.honbu")) << out_rel.out;
}

// --out never overwrites a file that is not a bundle, and a missing folder is named.
TEST(BundleCli, ExportNeverOverwritesOtherFiles) {
  Site site;
  site.kita_writes(2);
  const std::string precious = site.dir.file("allow.bak");
  spit(precious, "nodes: []\n");
  Outcome over = run(site.kita_export("hq", precious));
  EXPECT_EQ(over.status, 2) << over.out;
  EXPECT_TRUE(contains(over.out, "is not a Honbu bundle: not overwritten")) << over.out;
  EXPECT_EQ(slurp(precious), "nodes: []\n");
  Outcome nodir = run(site.kita_export("hq", site.dir.file("usb/x.honbu")));
  EXPECT_EQ(nodir.status, 2) << nodir.out;
  EXPECT_TRUE(contains(nodir.out, "the folder " + site.dir.file("usb") + " does not exist")) << nodir.out;
  // In Japanese, --lang after the subcommand as a user types it.
  Outcome nodir_ja = run(site.kita_export("hq", site.dir.file("usb/x.honbu"), " --lang ja"));
  EXPECT_EQ(nodir_ja.status, 2) << nodir_ja.out;
  EXPECT_TRUE(contains(nodir_ja.out, "フォルダ " + site.dir.file("usb") + " がありません (USBメモリは接続されていますか?)"))
      << nodir_ja.out;
  // An older bundle is replaced.
  const std::string bundle = site.dir.file("b.honbu");
  ASSERT_EQ(run(site.kita_export("hq", bundle)).status, 0);
  EXPECT_EQ(run(site.kita_export("hq", bundle)).status, 0);
}

// A slip in --for (hqq) is refused: the bundle would carry the whole log, names and injuries,
// for no one. A bundle made for another node of the site still applies anywhere, and the
// node that imports it hears whom it was meant for.
TEST(BundleCli, ABundleForTheWrongNodeSaysSoAtBothEnds) {
  Site site;
  ASSERT_EQ(run(kKeys + " --lang en gen --node minami --role branch --branch minami --areas minamihama --out " +
                site.keys + " --allowlist " + site.allow)
                .status,
            0);
  site.init("hq");
  site.kita_writes(3);
  const std::string checked = site.dir.file("checked.honbu");
  const Outcome refused = run(site.kita_export("hqq", checked));
  EXPECT_EQ(refused.status, 2) << refused.out;
  EXPECT_TRUE(contains(refused.out, "--for hqq is not on the allow-list: no bundle was written")) << refused.out;
  EXPECT_TRUE(contains(refused.out, "(nodes it may be for: hq, minami)")) << refused.out;
  EXPECT_FALSE(std::filesystem::exists(checked));
  // Without an allow-list there is nothing to check it with: refused, not guessed.
  const Outcome unchecked = run(site.kita_export_unchecked("hqq", checked));
  EXPECT_EQ(unchecked.status, 2) << unchecked.out;
  EXPECT_TRUE(contains(unchecked.out, "export needs --allowlist")) << unchecked.out;
  EXPECT_FALSE(std::filesystem::exists(checked));

  const std::string file = site.dir.file("for-minami.honbu");
  const Outcome ex = run(site.kita_export("minami", file));
  ASSERT_EQ(ex.status, 0) << ex.out;
  EXPECT_TRUE(contains(ex.out, "never heard from minami")) << ex.out;
  const Outcome in = run(site.hq_import(site.data("hq")) + file);
  ASSERT_EQ(in.status, 0) << in.out;
  EXPECT_TRUE(contains(in.out, "3 applied")) << in.out;
  EXPECT_TRUE(contains(in.out, "made for minami, not hq")) << in.out;
  EXPECT_EQ(site.vector_of("hq").at("kita"), 3u);

  // Made for hq itself: no such note.
  const std::string right = site.dir.file("right.honbu");
  ASSERT_EQ(run(site.kita_export("hq", right)).status, 0);
  const Outcome in2 = run(site.hq_import(site.data("hq")) + right);
  EXPECT_FALSE(contains(in2.out, "made for")) << in2.out;
}

// A key file of the node's id that is not the key on the allow-list (an old laptop's, a test
// key) signs nothing: the ops honbu-report wrote unsigned would have carried its signature
// for good, and every later bundle from this node been refused for them.
TEST(BundleCli, AnotherKeyOfTheSameNodeSignsNothing) {
  Site site;
  site.init("hq");
  site.kita_writes(2, "ACTUAL", /*by_tool=*/true);  // unsigned, as honbu-report writes
  const std::string rogue = site.dir.file("rogue");
  ASSERT_EQ(run(kKeys + " --lang en gen --node kita --role branch --branch kita --areas kitayama --out " + rogue).status, 0);
  const std::string file = site.dir.file("k.honbu");
  const Outcome wrong = run(kNode + " export --data-dir " + site.data("kita") + " --keys " + rogue + "/kita.key --for hq --out " +
                            file + " --allowlist " + site.allow);
  EXPECT_EQ(wrong.status, 2) << wrong.out;
  EXPECT_TRUE(contains(wrong.out, "is not kita's key on the allow-list " + site.allow + " (another key): nothing was signed"))
      << wrong.out;
  EXPECT_FALSE(std::filesystem::exists(file));
  // Still unsigned, so the right key signs them and the bundle is taken whole.
  const Outcome ok = run(site.kita_export("hq", file));
  ASSERT_EQ(ok.status, 0) << ok.out;
  const Outcome in = run(site.hq_import(site.data("hq")) + file);
  EXPECT_EQ(in.status, 0) << in.out;
  EXPECT_TRUE(contains(in.out, "2 applied")) << in.out;
}
