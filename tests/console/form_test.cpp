// EntityForm: what the user types is kept as text, normalised and validated by the model,
// never lost when a sync update arrives; a concurrent edit becomes a visible conflict.
#include "console/form.hpp"

#include <gtest/gtest.h>

#include "console_fixture.hpp"
#include "model/queries.hpp"

using namespace honbu;
using namespace honbu::console;
using honbu::testing::ConsoleNode;

namespace {

std::optional<EntityState> state_of(sync::Agent& a, EntityKind k, const std::string& id) {
  return a.run([&](Store& s) { return s.load(k, id); }).get();
}

std::string put_incident(sync::Agent& a, Fields f) {
  return a.run([&](Store& s) {
    const std::string id = s.new_id();
    const auto r = s.put(EntityKind::Incident, id, f, "他端末");
    if (!r.ok) throw Error(describe(r.problems, Lang::En));
    return id;
  }).get();
}

bool has_problem(const std::vector<Problem>& ps, const std::string& field) {
  for (const Problem& p : ps)
    if (p.field == field) return true;
  return false;
}

const Fields kIncident{{"title", std::string("本町 倒壊")}, {"category", std::string("building")},
                       {"received_at", std::string("2026-12-01T10:00:00+09:00")},
                       {"verification", std::string("unverified")}, {"priority", std::string("high")},
                       {"status", std::string("received")}, {"team", std::string("救助班")}};

}  // namespace

TEST(EntityForm, NewEntityNeedsItsRequiredFieldsAndNormalisesWidth) {
  console::strings().load(honbu::testing::assets_dir());
  EntityForm f(EntityKind::Incident);
  f.start_new("", {});
  std::vector<Problem> problems;
  f.normalized(&problems);
  EXPECT_TRUE(has_problem(problems, "title"));
  EXPECT_TRUE(has_problem(problems, "category"));
  f.text("title") = "北山 がけ崩れ";
  f.text("category") = "landslide";
  f.text("received_at") = "２０２６－１２－０１ １０：３０";  // 全角, as typed on a Japanese IME
  f.text("verification") = "unverified";
  f.text("priority") = "high";
  f.text("status") = "received";
  f.text("trapped") = "３";  // 全角 digits: a count
  const Fields fields = f.normalized(&problems);
  EXPECT_TRUE(problems.empty()) << describe(problems, Lang::En);
  EXPECT_EQ(fields.at("trapped"), Value{std::int64_t{3}});
  EXPECT_EQ(*as_text(fields.at("received_at")), "2026-12-01T10:30:00+09:00");
  // An empty count is 未確認 (left out: null), never 0.
  EXPECT_FALSE(fields.count("dead"));
  f.text("dead") = "";
  EXPECT_FALSE(f.normalized(&problems).count("dead"));
  f.text("injured") = "-2";
  f.normalized(&problems);
  EXPECT_TRUE(has_problem(problems, "injured"));
}

TEST(EntityForm, AnEditSendsOnlyWhatChangedAndClearingIsAnEdit) {
  ConsoleNode node;
  const std::string id = put_incident(*node.agent, kIncident);
  EntityForm f(EntityKind::Incident);
  f.start_edit(id, *state_of(*node.agent, EntityKind::Incident, id));
  std::vector<Problem> problems;
  EXPECT_TRUE(f.normalized(&problems).empty());  // nothing typed yet
  f.text("status") = "対応中";  // a label instead of the code: accepted
  f.text("team") = "";          // cleared
  const Fields changed = f.normalized(&problems);
  EXPECT_TRUE(problems.empty()) << describe(problems, Lang::En);
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(*as_text(changed.at("status")), "in_progress");
  EXPECT_TRUE(is_null(changed.at("team")));
}

TEST(EntityForm, AnUpdateWhileEditingNeverOverwritesWhatWasTyped) {
  ConsoleNode node;
  const std::string id = put_incident(*node.agent, kIncident);
  EntityForm f(EntityKind::Incident);
  f.start_edit(id, *state_of(*node.agent, EntityKind::Incident, id));
  f.text("status") = "done";  // the user is typing

  // Meanwhile another node changes status and team.
  node.agent->run([&](Store& s) {
    return s.put(EntityKind::Incident, id, {{"status", std::string("cancelled")}, {"team", std::string("土木班")}}, "他端末");
  }).get();
  f.remote_update(*state_of(*node.agent, EntityKind::Incident, id));

  EXPECT_EQ(f.text("status"), "done");    // what the user typed stays
  EXPECT_EQ(f.text("team"), "土木班");     // an untouched field follows the update
  EXPECT_TRUE(f.has_conflicts());          // and the other status is shown beside it
  std::vector<Problem> problems;
  const Fields changed = f.normalized(&problems);
  EXPECT_EQ(changed.size(), 1u);           // only status goes out
  EXPECT_EQ(*as_text(changed.at("status")), "done");
}

TEST(EntityForm, SavingAConcurrentEditKeepsTheOtherValueAsAConflict) {
  ConsoleNode node;
  console::Commands commands(node.agent.get());
  Session s;
  s.agent = node.agent.get();
  s.commands = &commands;
  s.operator_name = "本部 佐藤";
  const std::string id = put_incident(*node.agent, kIncident);
  EntityForm f(EntityKind::Incident);
  f.start_edit(id, *state_of(*node.agent, EntityKind::Incident, id));
  // Someone else changes the status after the form opened...
  node.agent->run([&](Store& st) { return st.put(EntityKind::Incident, id, {{"status", std::string("cancelled")}}, "他端末"); }).get();
  // ...and the user, who had not seen it, saves another status.
  f.text("status") = "done";
  bool done = false;
  LocalResult result;
  f.save(s, false, [&](const LocalResult& r) {
    done = true;
    result = r;
  });
  for (int i = 0; i < 200 && !done; ++i) {
    commands.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(done);
  ASSERT_TRUE(result.ok) << describe(result.problems, Lang::En);
  EXPECT_FALSE(f.active());  // saved: the form closed
  // The store merged both writes: one value won, the other is kept for review.
  const auto conflicts = node.agent->run([](Store& st) { return list_conflicts(st.db(), true); }).get();
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].entity_id, id);
  EXPECT_EQ(conflicts[0].field, "status");
}

TEST(EntityForm, ARefusedSaveShowsTheProblemsAndKeepsTheText) {
  ConsoleNode node;
  console::Commands commands(node.agent.get());
  Session s;
  s.agent = node.agent.get();
  s.commands = &commands;
  EntityForm f(EntityKind::Chronology);
  // A grow-only entry's content cannot change once recorded: the store refuses the edit.
  const std::string id = node.agent->run([](Store& st) {
    const std::string cid = st.new_id();
    st.put(EntityKind::Chronology, cid,
           {{"number", st.next_chronology_number()}, {"node_label", st.node_id()}, {"at", format_iso_jst(st.now())},
            {"content", std::string("最初の記録")}, {"state", std::string("pending")}},
           "t");
    return cid;
  }).get();
  f.start_edit(id, *state_of(*node.agent, EntityKind::Chronology, id));
  f.text("content") = "書き換え";
  bool done = false;
  f.save(s, false, [&](const LocalResult&) { done = true; });
  for (int i = 0; i < 200 && !done; ++i) {
    commands.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(done);
  EXPECT_TRUE(f.active());                 // still open
  EXPECT_EQ(f.text("content"), "書き換え");  // nothing typed is lost
  EXPECT_TRUE(has_problem(f.problems(), "content"));
}
