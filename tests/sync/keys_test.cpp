// Keys and the allow-list: key pairs, signatures, the secret key file (0600, never
// overwritten, refused when others can read it), allow-list YAML (round trip, errors with
// file:line), and honbu-keys run as a real program.
#include "sync/keys.hpp"

#include <gtest/gtest.h>

#include "support/process.hpp"
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "support/temp_dir.hpp"

using namespace honbu;
using namespace honbu::sync;
using honbu::testing::TempDir;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
}

unsigned file_mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0xFFFFu;
  return st.st_mode & 0777u;
}

// The KeyError message of `f`, or "" if it did not throw one.
template <class F>
std::string key_error(F f) {
  try {
    f();
  } catch (const KeyError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

AllowEntry entry_for(const NodeKeys& k, Role role, std::string branch = "", std::vector<std::string> areas = {}) {
  AllowEntry e;
  e.node_id = k.node_id;
  e.role = role;
  e.branch_id = std::move(branch);
  e.areas = std::move(areas);
  e.keys = k.public_keys();
  return e;
}

void expect_same(const AllowEntry& a, const AllowEntry& b) {
  EXPECT_EQ(a.node_id, b.node_id);
  EXPECT_EQ(a.role, b.role);
  EXPECT_EQ(a.branch_id, b.branch_id);
  EXPECT_EQ(a.areas, b.areas);
  EXPECT_EQ(a.keys, b.keys);
  EXPECT_EQ(a.revoked, b.revoked);
}

// A valid allow-list text for the error tests: `extra` lines are appended to kita's entry.
struct Fixture {
  NodeKeys hq = generate_keys("hq");
  NodeKeys kita = generate_keys("kita");
  std::string hq_sign = sign_key_base64(hq.sign_public);
  std::string kita_sign = sign_key_base64(kita.sign_public);

  std::string text(const std::string& kita_role_lines, const std::string& extra = "") const {
    return "nodes:\n"                                        // line 1
           "  - id: hq\n"                                    // 2
           "    role: hq\n"                                  // 3
           "    curve: \"" + hq.curve_public + "\"\n"        // 4
           "    sign: \"" + hq_sign + "\"\n"                 // 5
           "  - id: kita\n"                                  // 6
           + kita_role_lines +                               // 7, 8
           "    curve: \"" + kita.curve_public + "\"\n"      // 9
           "    sign: \"" + kita_sign + "\"\n"               // 10
           + extra;                                          // 11...
  }
  static constexpr const char* kBranch = "    role: branch\n    branch: kita\n";
};

}  // namespace

// [SECTION] Key pairs and signatures

TEST(KeyPairs, GeneratedKeysHaveTheDocumentedLengthsAndDiffer) {
  const NodeKeys a = generate_keys("kita");
  const NodeKeys b = generate_keys("kita");
  EXPECT_EQ(a.node_id, "kita");
  EXPECT_EQ(a.curve_public.size(), 40u);
  EXPECT_EQ(a.curve_secret.size(), 40u);
  EXPECT_EQ(a.sign_public.size(), 32u);
  EXPECT_EQ(a.sign_secret.size(), 64u);
  EXPECT_NE(a.curve_public, a.curve_secret);
  EXPECT_NE(a.curve_public, b.curve_public);
  EXPECT_NE(a.curve_secret, b.curve_secret);
  EXPECT_NE(a.sign_public, b.sign_public);
  EXPECT_NE(a.sign_secret, b.sign_secret);
  EXPECT_EQ(a.public_keys().curve, a.curve_public);
  EXPECT_EQ(a.public_keys().sign, a.sign_public);
  // Z85 alphabet only (what ZeroMQ's curve options accept as text).
  const std::string z85 =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  EXPECT_EQ(a.curve_public.find_first_not_of(z85), std::string::npos) << a.curve_public;

  std::set<std::string> many;
  for (int i = 0; i < 50; ++i) many.insert(generate_keys("x").curve_public);
  EXPECT_EQ(many.size(), 50u);
}

TEST(KeyPairs, BadNodeIdIsRefused) {
  EXPECT_TRUE(contains(key_error([] { generate_keys("kita/../etc"); }), "bad node id"));
  EXPECT_TRUE(contains(key_error([] { generate_keys(""); }), "bad node id"));
}

TEST(KeyPairs, SignAndVerify) {
  const NodeKeys k = generate_keys("kita");
  const NodeKeys other = generate_keys("minami");
  const std::string msg = "honbu-op-v1\n4:kita\n1:7";
  const std::string sig = k.sign(msg);
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_TRUE(verify_signature(k.sign_public, msg, sig));

  std::string flipped_sig = sig;
  flipped_sig[10] = static_cast<char>(flipped_sig[10] ^ 0x01);
  EXPECT_FALSE(verify_signature(k.sign_public, msg, flipped_sig));

  std::string flipped_msg = msg;
  flipped_msg.back() = '8';
  EXPECT_FALSE(verify_signature(k.sign_public, flipped_msg, sig));

  EXPECT_FALSE(verify_signature(other.sign_public, msg, sig));  // wrong key
  EXPECT_FALSE(verify_signature(k.sign_public, msg, ""));
  EXPECT_FALSE(verify_signature(k.sign_public, msg, sig.substr(0, 63)));
  EXPECT_FALSE(verify_signature("short", msg, sig));
}

// [SECTION] The secret key file

TEST(KeyFile, SavedWithMode0600AndLoadsBackTheSameKeys) {
  TempDir dir;
  const NodeKeys k = generate_keys("kita");
  const std::string path = dir.file("kita.key");
  save_secret_keys(k, path);
  EXPECT_EQ(file_mode(path), 0600u);
  const NodeKeys back = load_secret_keys(path);
  EXPECT_EQ(back.node_id, "kita");
  EXPECT_EQ(back.curve_public, k.curve_public);
  EXPECT_EQ(back.curve_secret, k.curve_secret);
  EXPECT_EQ(back.sign_public, k.sign_public);
  EXPECT_EQ(back.sign_secret, k.sign_secret);
  // The loaded secret key signs what the public key verifies.
  EXPECT_TRUE(verify_signature(k.sign_public, "x", back.sign("x")));
}

TEST(KeyFile, RefusesToOverwriteAnExistingFile) {
  TempDir dir;
  const std::string path = dir.file("kita.key");
  const NodeKeys first = generate_keys("kita");
  save_secret_keys(first, path);
  const std::string before = slurp(path);
  const std::string err = key_error([&] { save_secret_keys(generate_keys("kita"), path); });
  EXPECT_TRUE(contains(err, "already exists")) << err;
  EXPECT_TRUE(contains(err, path)) << err;
  EXPECT_EQ(slurp(path), before);
  EXPECT_EQ(load_secret_keys(path).curve_public, first.curve_public);

  // Not even a file that is not a key file.
  spit(dir.file("notes.txt"), "hello");
  EXPECT_TRUE(contains(key_error([&] { save_secret_keys(first, dir.file("notes.txt")); }), "already exists"));
  EXPECT_EQ(slurp(dir.file("notes.txt")), "hello");
}

TEST(KeyFile, RefusesAFileOthersCanRead) {
  TempDir dir;
  const std::string path = dir.file("kita.key");
  save_secret_keys(generate_keys("kita"), path);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  const std::string err = key_error([&] { load_secret_keys(path); });
  EXPECT_TRUE(contains(err, "chmod 600 " + path)) << err;
  EXPECT_TRUE(contains(err, "0644")) << err;
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  EXPECT_TRUE(contains(key_error([&] { load_secret_keys(path); }), "chmod 600")) << "group-readable";
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_EQ(load_secret_keys(path).node_id, "kita");
  // An allow-list given as --keys by mistake (0644, as allow-lists are) is named as not a key
  // file; it was called a key file others can read.
  AllowList allow;
  AllowEntry e;
  e.node_id = "hq";
  e.role = Role::Hq;
  e.keys = generate_keys("hq").public_keys();
  allow.upsert(e);
  const std::string list = dir.file("allowlist.yaml");
  allow.save(list);
  ASSERT_EQ(::chmod(list.c_str(), 0644), 0);
  const std::string mistaken = key_error([&] { load_secret_keys(list); });
  EXPECT_TRUE(contains(mistaken, "not a Honbu key file")) << mistaken;
  EXPECT_FALSE(contains(mistaken, "chmod")) << mistaken;
}

TEST(KeyFile, MissingDamagedOrForeignFilesAreRefused) {
  TempDir dir;
  EXPECT_TRUE(contains(key_error([&] { load_secret_keys(dir.file("none.key")); }), "cannot open"));

  const NodeKeys k = generate_keys("kita");
  const std::string path = dir.file("kita.key");
  save_secret_keys(k, path);
  std::string text = slurp(path);

  // Another node's public key pasted in: the pairs no longer match.
  const NodeKeys other = generate_keys("minami");
  std::string swapped = text;
  swapped.replace(swapped.find(k.curve_public), 40, other.curve_public);
  const std::string p2 = dir.file("swapped.key");
  spit(p2, swapped);
  ASSERT_EQ(::chmod(p2.c_str(), 0600), 0);
  EXPECT_TRUE(contains(key_error([&] { load_secret_keys(p2); }), "curve_public does not belong"));

  const std::string p3 = dir.file("photo.key");
  spit(p3, "\xff\xd8\xff\xe0 not keys");
  ASSERT_EQ(::chmod(p3.c_str(), 0600), 0);
  EXPECT_TRUE(contains(key_error([&] { load_secret_keys(p3); }), "not a Honbu key file"));
}

// [SECTION] The allow-list

TEST(AllowList, RoundTripsThroughYamlAndFile) {
  TempDir dir;
  const NodeKeys hq = generate_keys("hq"), kita = generate_keys("kita"), relay = generate_keys("relay-1");
  AllowList a;
  a.upsert(entry_for(hq, Role::Hq, "hq"));
  a.upsert(entry_for(kita, Role::Branch, "kita", {"kitayama", "uenodai", "桜ケ丘"}));
  AllowEntry r = entry_for(relay, Role::Relay);
  r.revoked = true;
  a.upsert(r);

  const AllowList back = AllowList::parse(a.to_yaml(), "mem");
  ASSERT_EQ(back.entries().size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) expect_same(back.entries()[i], a.entries()[i]);
  EXPECT_EQ(back.to_yaml(), a.to_yaml());

  const std::string path = dir.file("allow.yaml");
  a.save(path);
  const AllowList loaded = AllowList::load(path);
  ASSERT_EQ(loaded.entries().size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) expect_same(loaded.entries()[i], a.entries()[i]);
  ASSERT_NE(loaded.by_node("kita"), nullptr);
  EXPECT_EQ(loaded.by_node("kita")->areas.size(), 3u);
  ASSERT_NE(loaded.by_curve(hq.curve_public), nullptr);
  EXPECT_EQ(loaded.by_curve(hq.curve_public)->node_id, "hq");
  EXPECT_EQ(loaded.by_curve(generate_keys("zz").curve_public), nullptr);
  EXPECT_EQ(loaded.by_node("nobody"), nullptr);
  // No temporary files left behind by the atomic save.
  int files = 0;
  for ([[maybe_unused]] const auto& f : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);

  const AllowList empty = AllowList::parse(AllowList{}.to_yaml(), "empty");
  EXPECT_TRUE(empty.entries().empty());
}

TEST(AllowList, UpsertReplacesAndRevokeMarks) {
  const NodeKeys k1 = generate_keys("kita"), k2 = generate_keys("kita");
  AllowList a;
  a.upsert(entry_for(k1, Role::Branch, "kita", {"kitayama"}));
  a.upsert(entry_for(k2, Role::Branch, "kita", {"uenodai"}));
  ASSERT_EQ(a.entries().size(), 1u);
  EXPECT_EQ(a.by_node("kita")->keys, k2.public_keys());
  EXPECT_EQ(a.by_curve(k1.curve_public), nullptr);

  EXPECT_FALSE(a.revoke("minami"));
  EXPECT_TRUE(a.revoke("kita"));
  ASSERT_NE(a.by_node("kita"), nullptr);  // revoked entries stay, marked
  EXPECT_TRUE(a.by_node("kita")->revoked);
  EXPECT_TRUE(a.by_curve(k2.curve_public)->revoked);
  const AllowList back = AllowList::parse(a.to_yaml(), "mem");
  EXPECT_TRUE(back.by_node("kita")->revoked);
}

TEST(AllowList, SaveReplacesTheFileAndRefusesAnInvalidList) {
  TempDir dir;
  const std::string path = dir.file("allow.yaml");
  const NodeKeys hq = generate_keys("hq");
  AllowList a;
  a.upsert(entry_for(hq, Role::Hq));
  a.save(path);
  a.revoke("hq");
  a.save(path);
  EXPECT_TRUE(AllowList::load(path).by_node("hq")->revoked);

  AllowList bad;
  bad.upsert(entry_for(generate_keys("kita"), Role::Branch));  // no branch
  const std::string err = key_error([&] { bad.save(path); });
  EXPECT_TRUE(contains(err, "branch")) << err;
  EXPECT_TRUE(AllowList::load(path).by_node("hq")->revoked) << "the old file must be untouched";
}

TEST(AllowList, ParseErrorsNameFileLineAndField) {
  const Fixture fx;
  ASSERT_EQ(AllowList::parse(fx.text(Fixture::kBranch), "ok.yaml").entries().size(), 2u);

  struct Case {
    const char* name;
    std::string text;
    std::string where;  // "file:line"
    std::vector<std::string> words;
  };
  const std::string kita_line8 = "    role: branch\n    branch: kita\n";
  std::string short_curve = fx.text(Fixture::kBranch);
  short_curve.replace(short_curve.find(fx.kita.curve_public), 40, fx.kita.curve_public.substr(0, 30));
  std::string bad_sign = fx.text(Fixture::kBranch);
  bad_sign.replace(bad_sign.find(fx.kita_sign), fx.kita_sign.size(), "c2hvcnQ=");  // "short"
  std::string dup_curve = fx.text(Fixture::kBranch);
  dup_curve.replace(dup_curve.find(fx.kita.curve_public), 40, fx.hq.curve_public);

  const std::vector<Case> cases = {
      {"bad role", fx.text("    role: mayor\n    branch: kita\n"), "a.yaml:7:", {"role", "mayor", "hq, branch or relay"}},
      {"branch without branch:", fx.text("    role: branch\n    areas: [kitayama]\n"), "a.yaml:6:",
       {"branch: missing", "kita"}},
      {"unknown key", fx.text(kita_line8, "    phone: 0120\n"), "a.yaml:11:", {"unknown key", "phone"}},
      {"duplicate id", fx.text(kita_line8) + "  - id: hq\n    role: relay\n    curve: \"" +
                           generate_keys("z").curve_public + "\"\n    sign: \"" +
                           sign_key_base64(generate_keys("z").sign_public) + "\"\n",
       "a.yaml:11:", {"duplicate node id hq", "line 2"}},
      {"short curve key", short_curve, "a.yaml:9:", {"curve", "40", "30"}},
      {"short sign key", bad_sign, "a.yaml:10:", {"sign", "32 bytes"}},
      {"duplicate curve key", dup_curve, "a.yaml:9:", {"curve", "node hq"}},
      {"not YAML", "nodes: [\n  - id: hq\n  {{{\n", "a.yaml:", {"not valid YAML"}},
      {"not an allow-list", "just some words\n", "a.yaml:1:", {"nodes"}},
      {"unknown top-level key", "nodes: []\nadmins: [me]\n", "a.yaml:2:", {"unknown key", "admins"}},
      {"bad revoked", fx.text(kita_line8, "    revoked: maybe\n"), "a.yaml:11:", {"revoked", "true or false"}},
      {"areas not a list", fx.text(kita_line8, "    areas: kitayama\n"), "a.yaml:11:", {"areas"}},
      {"area with a space", fx.text(kita_line8, "    areas: [\"kita yama\"]\n"), "a.yaml:11:",
       {"areas", "kita yama", "not an area id"}},
      {"area with a slash", fx.text(kita_line8, "    areas: [kita/yama]\n"), "a.yaml:11:", {"kita/yama"}},
  };
  for (const Case& c : cases) {
    const std::string err = key_error([&] { AllowList::parse(c.text, "a.yaml"); });
    EXPECT_TRUE(err.starts_with(c.where)) << c.name << ": " << err;
    for (const std::string& w : c.words) EXPECT_TRUE(contains(err, w)) << c.name << ": missing \"" << w << "\" in: " << err;
  }
}

TEST(AllowList, LoadNamesTheFile) {
  TempDir dir;
  const std::string path = dir.file("allow.yaml");
  EXPECT_TRUE(contains(key_error([&] { AllowList::load(path); }), "cannot open allow-list " + path));
  spit(path, "nodes:\n  - id: hq\n    role: boss\n");
  const std::string err = key_error([&] { AllowList::load(path); });
  EXPECT_TRUE(err.starts_with(path + ":3:")) << err;
}

// [SECTION] honbu-keys, the real program

namespace {

using honbu::testing::Outcome;
Outcome run(const std::string& cmd) { return honbu::testing::run_command(cmd); }

const std::string kTool = HONBU_BINARY_DIR "/tools/honbu-keys";

// The table row of `node` in `list` output.
std::string row_of(const std::string& out, const std::string& node) {
  std::size_t pos = 0;
  while (pos < out.size()) {
    const std::size_t end = out.find('\n', pos);
    const std::string line = out.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (line.starts_with(node + " ")) return line;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return "";
}

}  // namespace

TEST(HonbuKeys, GenListAllowRevoke) {
  ASSERT_TRUE(std::filesystem::exists(kTool)) << kTool << " is missing: build the honbu-keys target";
  TempDir dir;
  const std::string keys = dir.file("keys"), allow = dir.file("allow.yaml");
  const std::string tool = kTool + " --lang en ";

  Outcome g1 = run(tool + "gen --node hq --role hq --out " + keys + " --allowlist " + allow);
  ASSERT_EQ(g1.status, 0) << g1.out;
  Outcome g2 = run(tool + "gen --node kita --role branch --branch kita --areas kitayama,uenodai --out " + keys +
                   " --allowlist " + allow);
  ASSERT_EQ(g2.status, 0) << g2.out;
  EXPECT_EQ(file_mode(keys + "/hq.key"), 0600u);
  EXPECT_EQ(file_mode(keys + "/kita.key"), 0600u);

  // A third node made elsewhere, added by its public entry.
  const std::string elsewhere = dir.file("minami-keys");
  ASSERT_EQ(run(tool + "gen --node minami --role branch --branch minami --areas minamihama --out " + elsewhere).status, 0);
  // Its secret key file by mistake: named as such, never read as an entry.
  Outcome secret = run(tool + "allow --allowlist " + allow + " --entry " + elsewhere + "/minami.key");
  EXPECT_EQ(secret.status, 2) << secret.out;
  EXPECT_TRUE(contains(secret.out, "this is a node's secret key file, not an allow-list entry: give its ID.pub.yaml"))
      << secret.out;
  Outcome add = run(tool + "allow --allowlist " + allow + " --entry " + elsewhere + "/minami.pub.yaml");
  ASSERT_EQ(add.status, 0) << add.out;
  EXPECT_TRUE(contains(add.out, "added: minami (branch)")) << add.out;
  // The same entry again changes nothing, and says so (it said "updated").
  Outcome same = run(tool + "allow --allowlist " + allow + " --entry " + elsewhere + "/minami.pub.yaml");
  EXPECT_TRUE(contains(same.out, "unchanged: minami (branch)")) << same.out;

  // What the program wrote is what the library reads.
  const AllowList a = AllowList::load(allow);
  ASSERT_EQ(a.entries().size(), 3u);
  const NodeKeys kita = load_secret_keys(keys + "/kita.key");
  ASSERT_NE(a.by_node("kita"), nullptr);
  EXPECT_EQ(a.by_node("kita")->keys, kita.public_keys());
  EXPECT_EQ(a.by_node("kita")->role, Role::Branch);
  EXPECT_EQ(a.by_node("kita")->branch_id, "kita");
  EXPECT_EQ(a.by_node("kita")->areas, (std::vector<std::string>{"kitayama", "uenodai"}));
  EXPECT_EQ(a.by_node("minami")->keys, load_secret_keys(elsewhere + "/minami.key").public_keys());
  EXPECT_EQ(AllowList::load(keys + "/kita.pub.yaml").by_node("kita")->keys, kita.public_keys());

  Outcome list = run(tool + "list --allowlist " + allow);
  ASSERT_EQ(list.status, 0) << list.out;
  const std::string kita_row = row_of(list.out, "kita");
  EXPECT_TRUE(contains(kita_row, "branch")) << list.out;
  EXPECT_TRUE(contains(kita_row, "kitayama,uenodai")) << list.out;
  EXPECT_TRUE(contains(kita_row, kita.curve_public.substr(0, 8))) << list.out;
  EXPECT_TRUE(contains(kita_row, sign_key_base64(kita.sign_public).substr(0, 8))) << list.out;
  EXPECT_FALSE(contains(kita_row, "REVOKED")) << list.out;
  EXPECT_FALSE(row_of(list.out, "hq").empty()) << list.out;
  EXPECT_FALSE(row_of(list.out, "minami").empty()) << list.out;

  Outcome rv = run(tool + "revoke --allowlist " + allow + " --node kita");
  ASSERT_EQ(rv.status, 0) << rv.out;
  EXPECT_TRUE(AllowList::load(allow).by_node("kita")->revoked);
  EXPECT_FALSE(AllowList::load(allow).by_node("hq")->revoked);
  list = run(tool + "list --allowlist " + allow);
  EXPECT_TRUE(contains(row_of(list.out, "kita"), "REVOKED")) << list.out;
  EXPECT_FALSE(contains(row_of(list.out, "hq"), "REVOKED")) << list.out;

  // Allowing the revoked keys again is refused; new keys are the way back.
  Outcome again = run(tool + "allow --allowlist " + allow + " --entry " + keys + "/kita.pub.yaml");
  EXPECT_EQ(again.status, 2) << again.out;
  EXPECT_TRUE(contains(again.out, "revoked")) << again.out;
  EXPECT_TRUE(AllowList::load(allow).by_node("kita")->revoked);

  Outcome ja = run(kTool + " --lang ja list --allowlist " + allow);
  EXPECT_EQ(ja.status, 0) << ja.out;
  EXPECT_TRUE(contains(ja.out, "失効")) << ja.out;
}

// Area ids are compared with the store's normalised area_id: a full-width id is stored
// half-width (else every write of the branch would be refused), and a name is flagged.
TEST(HonbuKeys, AreaIdsAreNormalisedAndNamesFlagged) {
  TempDir dir;
  const std::string keys = dir.file("keys"), allow = dir.file("allow.yaml");
  const Outcome wide = run(kTool + " --lang en gen --node kita --role branch --branch kita --areas "
                                   "ｋｉｔａｙａｍａ,uenodai --out " + keys + " --allowlist " + allow);
  ASSERT_EQ(wide.status, 0) << wide.out;
  EXPECT_EQ(AllowList::load(allow).by_node("kita")->areas, (std::vector<std::string>{"kitayama", "uenodai"}));
  EXPECT_EQ(AllowList::load(keys + "/kita.pub.yaml").by_node("kita")->areas,
            (std::vector<std::string>{"kitayama", "uenodai"}));
  EXPECT_FALSE(contains(wide.out, "not ASCII")) << wide.out;

  const Outcome name = run(kTool + " --lang en gen --node minami --role branch --branch minami --areas 南浜 --out " +
                           keys + " --allowlist " + allow);
  ASSERT_EQ(name.status, 0) << name.out;
  EXPECT_TRUE(contains(name.out, "\"南浜\" is not ASCII")) << name.out;

  const Outcome bad = run(kTool + " --lang en gen --node nishi --role branch --branch nishi --areas a/b --out " +
                          keys + " --allowlist " + allow);
  EXPECT_EQ(bad.status, 2) << bad.out;
  EXPECT_TRUE(contains(bad.out, "\"a/b\" is not an area id")) << bad.out;
  EXPECT_FALSE(std::filesystem::exists(keys + "/nishi.key"));
}

TEST(HonbuKeys, ErrorsExitWith2AndSayWhy) {
  ASSERT_TRUE(std::filesystem::exists(kTool)) << kTool << " is missing: build the honbu-keys target";
  TempDir dir;
  const std::string keys = dir.file("keys"), allow = dir.file("allow.yaml");
  const std::string tool = kTool + " --lang en ";
  ASSERT_EQ(run(tool + "gen --node hq --role hq --out " + keys).status, 0);
  const std::string before = slurp(keys + "/hq.key");

  Outcome twice = run(tool + "gen --node hq --role hq --out " + keys);
  EXPECT_EQ(twice.status, 2);
  EXPECT_TRUE(contains(twice.out, "already exists")) << twice.out;
  EXPECT_EQ(slurp(keys + "/hq.key"), before);

  Outcome no_branch = run(tool + "gen --node kita --role branch --out " + keys);
  EXPECT_EQ(no_branch.status, 2);
  EXPECT_TRUE(contains(no_branch.out, "--branch")) << no_branch.out;
  EXPECT_FALSE(std::filesystem::exists(keys + "/kita.key"));

  Outcome bad_role = run(tool + "gen --node x --role mayor --out " + keys);
  EXPECT_EQ(bad_role.status, 2) << bad_role.out;

  Outcome unknown = run(tool + "revoke --allowlist " + keys + "/hq.pub.yaml --node kita");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_TRUE(contains(unknown.out, "no node kita")) << unknown.out;

  spit(allow, "nodes:\n  - id: hq\n    role: boss\n");
  Outcome broken = run(tool + "list --allowlist " + allow);
  EXPECT_EQ(broken.status, 2);
  EXPECT_TRUE(contains(broken.out, allow + ":3:")) << broken.out;

  Outcome ja = run(kTool + " --lang ja gen --node kita --role branch --out " + keys);
  EXPECT_EQ(ja.status, 2);
  EXPECT_TRUE(contains(ja.out, "支所")) << ja.out;
}
