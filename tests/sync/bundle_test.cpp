// Bundles: export what a peer lacks, import through the same path; twice or out of order
// is harmless; truncated, tampered, foreign or other-dataset files are refused whole; an
// authentic op the role rules refuse is left out and the rest applied.
#include "sync/bundle.hpp"
#include "sync/node.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "model/queries.hpp"
#include "support/temp_dir.hpp"

using namespace honbu;
using namespace honbu::sync;
using honbu::testing::TempDir;

namespace {

struct Office {
  NodeKeys keys;
  std::unique_ptr<Store> store;
};

class Bundles : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"hq", "kita", "minami"}) {
      NodeKeys k = generate_keys(id);
      AllowEntry e;
      e.node_id = id;
      e.role = std::string(id) == "hq" ? Role::Hq : Role::Branch;
      e.branch_id = e.role == Role::Branch ? id : "";
      e.areas = {std::string(id) + "-area"};
      e.keys = k.public_keys();
      allow.upsert(e);
      keys[id] = k;
    }
  }
  std::unique_ptr<Store> open(const std::string& id, const std::string& dataset = "ACTUAL") {
    StoreOptions o;
    o.path = dir.file(id + "-" + dataset.substr(0, 3) + ".db");
    o.node_id = id;
    o.dataset = dataset;
    sign_ops_with(o, keys[id]);
    return Store::open(o);
  }
  void write(Store& s, int n) {
    s.batch([&] {
      for (int i = 0; i < n; ++i)
        ASSERT_TRUE(s.put(EntityKind::Chronology, s.new_id(),
                          {{"number", std::int64_t{i + 1}}, {"node_label", s.node_id()},
                           {"at", "2026-11-22T05:00:00+09:00"}, {"content", "孤立中の記録 " + std::to_string(i)},
                           {"state", "pending"}},
                          "t")
                        .ok);
    });
  }
  std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  }
  void spit(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
  }
  std::string refusal(Store& s, const std::string& path) {
    const auto before = s.data_version();
    try {
      import_bundle(s, allow, path);
    } catch (const BundleError& e) {
      EXPECT_EQ(s.data_version(), before) << "a refused bundle must apply nothing";
      return e.what();
    }
    return "";
  }

  TempDir dir;
  AllowList allow;
  std::map<std::string, NodeKeys> keys;
};

}  // namespace

TEST_F(Bundles, CarriesWhatThePeerLacksAndImportsIdempotently) {
  auto kita = open("kita");
  auto hq = open("hq");
  write(*kita, 30);
  const std::string path = dir.file("kita-for-hq.honbu");
  const BundleHeader h = write_bundle(*kita, keys["kita"], "hq", hq->version_vector(), path);
  EXPECT_EQ(h.op_count, 30u);
  EXPECT_EQ(h.upto, kita->version_vector());
  ImportResult r = import_bundle(*hq, allow, path);
  EXPECT_EQ(r.report.applied, 30u);
  EXPECT_EQ(state_hash(hq->db()), state_hash(kita->db()));
  r = import_bundle(*hq, allow, path);  // again: harmless
  EXPECT_EQ(r.report.applied, 0u);
  EXPECT_EQ(r.report.duplicates, 30u);
}

TEST_F(Bundles, SinceVectorSkipsWhatThePeerHasAndOrderDoesNotMatter) {
  auto kita = open("kita");
  auto hq = open("hq");
  write(*kita, 10);
  const std::string first = dir.file("1.honbu"), second = dir.file("2.honbu");
  write_bundle(*kita, keys["kita"], "hq", {}, first);
  write(*kita, 5);
  const BundleHeader h2 = write_bundle(*kita, keys["kita"], "hq", {{"kita", 10}}, second);
  EXPECT_EQ(h2.op_count, 5u);
  import_bundle(*hq, allow, second);  // the later bundle first: stored, vector waits for the gap
  EXPECT_TRUE(hq->version_vector().empty());
  import_bundle(*hq, allow, first);
  EXPECT_EQ(hq->version_vector(), (VersionVector{{"kita", 15}}));
  EXPECT_EQ(state_hash(hq->db()), state_hash(kita->db()));
}

TEST_F(Bundles, RelaysOtherOriginsOpsWithTheirSignatures) {
  auto kita = open("kita");
  auto minami = open("minami");
  auto hq = open("hq");
  write(*minami, 4);
  kita->apply_remote(minami->ops_missing_for({}, 100));  // minami's ops reached kita by radio
  const std::string path = dir.file("kita.honbu");
  write_bundle(*kita, keys["kita"], "hq", {}, path);
  EXPECT_EQ(import_bundle(*hq, allow, path).report.applied, 4u);
}

TEST_F(Bundles, TruncatedFileIsRefused) {
  auto kita = open("kita");
  auto hq = open("hq");
  write(*kita, 10);
  const std::string path = dir.file("t.honbu");
  write_bundle(*kita, keys["kita"], "hq", {}, path);
  const std::string full = slurp(path);
  for (size_t cut : {full.size() - 1, full.size() - 40, full.size() / 2, size_t{20}}) {
    spit(path, full.substr(0, cut));
    const std::string why = refusal(*hq, path);
    EXPECT_FALSE(why.empty()) << "cut at " << cut;
  }
}

TEST_F(Bundles, TamperedOpIsRefusedEvenWithARecomputedChecksum) {
  auto kita = open("kita");
  auto hq = open("hq");
  write(*kita, 3);
  const std::string path = dir.file("x.honbu");
  write_bundle(*kita, keys["kita"], "hq", {}, path);
  std::string text = slurp(path);
  const size_t pos = text.find("孤立中の記録 1");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, std::string("孤立中の記録 1").size(), "孤立中の記録 9");
  spit(path, text);
  EXPECT_NE(refusal(*hq, path).find("checksum"), std::string::npos);
}

TEST_F(Bundles, BundleFromAnUnknownOrRevokedExporterIsRefused) {
  auto kita = open("kita");
  auto hq = open("hq");
  write(*kita, 2);
  const std::string path = dir.file("r.honbu");
  write_bundle(*kita, keys["kita"], "hq", {}, path);
  allow.revoke("kita");
  EXPECT_NE(refusal(*hq, path).find("allow-list"), std::string::npos);
}

TEST_F(Bundles, DrillBundleNeverEntersActualData) {
  auto drill = open("kita", "EXERCISE:quake");
  auto hq = open("hq");
  write(*drill, 3);
  const std::string path = dir.file("drill.honbu");
  write_bundle(*drill, keys["kita"], "hq", {}, path);
  EXPECT_NE(refusal(*hq, path).find("EXERCISE:quake"), std::string::npos);
  EXPECT_EQ(hq->data_version(), 0);
}

// Another site's kita (the demo's, a drill's with keys of its own): the signature is not the
// key this allow-list holds for kita. Refused, saying what the bundle claims to be, so it is
// told apart from a tampered file.
TEST_F(Bundles, ABundleSignedByAnotherSitesKeySaysWhatItClaims) {
  auto hq = open("hq");
  StoreOptions o;
  o.path = dir.file("other-site-kita.db");
  o.node_id = "kita";
  o.dataset = "ACTUAL";
  const NodeKeys other = generate_keys("kita");
  sign_ops_with(o, other);
  auto kita = Store::open(o);
  ASSERT_TRUE(kita->put(EntityKind::Chronology, kita->new_id(),
                        {{"number", std::int64_t{1}}, {"node_label", std::string("kita")},
                         {"at", format_iso_jst(kita->now())}, {"content", std::string("別の現場")},
                         {"state", std::string("pending")}},
                        "t")
                  .ok);
  const std::string path = dir.file("other.honbu");
  write_bundle(*kita, other, "hq", {}, path);
  const std::string why = refusal(*hq, path);
  EXPECT_NE(why.find("signature does not match"), std::string::npos) << why;
  EXPECT_NE(why.find("made by kita for hq, dataset ACTUAL"), std::string::npos) << why;
  EXPECT_EQ(hq->data_version(), 0);
}

TEST_F(Bundles, NotABundleSaysSo) {
  auto hq = open("hq");
  spit(dir.file("photo.jpg"), "\xff\xd8\xff\xe0 not a bundle");
  EXPECT_NE(refusal(*hq, dir.file("photo.jpg")).find("not a Honbu bundle"), std::string::npos);
  EXPECT_NE(refusal(*hq, dir.file("missing.honbu")).find("cannot open"), std::string::npos);
  // From a newer Honbu: a bundle all the same, and the way out is to update.
  spit(dir.file("newer.honbu"), "HONBU-BUNDLE 9\n{}\n");
  const std::string newer = refusal(*hq, dir.file("newer.honbu"));
  EXPECT_NE(newer.find("newer format (\"HONBU-BUNDLE 9\""), std::string::npos) << newer;
  EXPECT_NE(newer.find("update Honbu"), std::string::npos) << newer;
  EXPECT_EQ(hq->data_version(), 0);
}

// kita wrote one shelter outside its areas (a CSV import on the branch, say). That op is
// authentic, so the bundle is not refused whole: the op is left out and named, and the rest
// is applied, as over a link. Before, every later bundle of kita held it and was refused,
// and the USB path never carried anything of kita's again.
TEST_F(Bundles, AnOpTheRoleRulesRefuseIsLeftOutAndTheRestApplied) {
  auto kita = open("kita");
  auto hq = open("hq");
  write(*kita, 3);
  ASSERT_TRUE(kita->put(EntityKind::Shelter, "sh-out",
                        {{"name", std::string("北山中学校")}, {"shelter_type", std::string("designated")},
                         {"area_id", std::string("minami-area")}, {"open_state", std::string("open")}},
                        "t")
                  .ok);
  write(*kita, 2);
  const std::string path = dir.file("kita.honbu");
  write_bundle(*kita, keys["kita"], "hq", hq->version_vector(), path);
  ImportResult r;
  ASSERT_NO_THROW(r = import_bundle(*hq, allow, path));
  EXPECT_EQ(r.report.applied, 5u);
  ASSERT_EQ(r.refused.size(), 1u);
  EXPECT_NE(r.refused[0].find("line 6: op kita#4 refused: branch kita may write shelter only in its areas"),
            std::string::npos)
      << r.refused[0];
  EXPECT_NE(r.refused_text().find("1 refused by the role rules"), std::string::npos);
  EXPECT_FALSE(get<Shelter>(hq->db(), "sh-out"));
  EXPECT_EQ(hq->version_vector().at("kita"), 3u);  // stops below the refused op, as over a link
  // An altered op is still a reason to refuse the whole file.
  std::string text = slurp(path);
  const size_t at = text.find("孤立中の記録 1");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("孤立中の記録 1").size(), "孤立中の記録 9");
  spit(dir.file("altered.honbu"), text);
  EXPECT_FALSE(refusal(*hq, dir.file("altered.honbu")).empty());
}
