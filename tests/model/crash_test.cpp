// Crash test: a child process writes ops and acknowledges each one only after its commit;
// we kill it with SIGKILL at random moments. After every kill the database must pass
// SQLite's integrity check, hold every acknowledged op with the content it was
// acknowledged with (no seq re-issued), open as a Store, and pass verify (log replay).
// Seeded: HONBU_TEST_SEED; rounds: HONBU_CRASH_ROUNDS (default 24).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>

#include "model/db.hpp"
#include "model/store.hpp"
#include "model/verify.hpp"
#include "support/temp_dir.hpp"

using namespace honbu;
using honbu::testing::TempDir;

namespace {

using Clock = std::chrono::steady_clock;

struct Acked {
  std::map<std::pair<std::string, std::uint64_t>, std::string> ops;  // (origin, seq) -> entity
};

// Starts the writer; once it has acknowledged `min_acks` ops in this round, lets it run
// `extra_ms` more (landing somewhere inside a later transaction) and kills it with SIGKILL.
// Returns false (with a failure) if the child never became ready.
bool run_and_kill(const std::string& db, const char* mode, size_t min_acks, int extra_ms, Acked& acked) {
  int out[2];
  if (::pipe(out) != 0) return false;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(HONBU_CRASH_WRITER, HONBU_CRASH_WRITER, db.c_str(), mode, "crash-node", nullptr);
    std::_Exit(127);
  }
  ::close(out[1]);
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  std::string buffer;
  bool ready = false, armed = false;
  const size_t acked_before = acked.ops.size();
  const auto start = Clock::now();
  auto deadline = start + std::chrono::seconds(20);  // the child must be ready by then
  for (;;) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    pollfd p{out[0], POLLIN, 0};
    const int wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count());
    if (::poll(&p, 1, std::max(1, std::min(wait_ms, 50))) > 0) {
      char chunk[8192];
      const ssize_t n = ::read(out[0], chunk, sizeof chunk);
      if (n <= 0) break;  // the child exited on its own: a failure, reported below
      buffer.append(chunk, static_cast<size_t>(n));
      size_t eol;
      while ((eol = buffer.find('\n')) != std::string::npos) {
        std::istringstream line(buffer.substr(0, eol));
        buffer.erase(0, eol + 1);
        std::string word, origin, entity;
        std::uint64_t seq = 0;
        line >> word;
        if (word == "ready" && !ready) {
          ready = true;
        } else if (word == "ack" && (line >> origin >> seq >> entity)) {
          acked.ops[{origin, seq}] = entity;
          if (!armed && acked.ops.size() - acked_before >= min_acks) {
            armed = true;
            deadline = Clock::now() + std::chrono::milliseconds(extra_ms);
          }
        }
      }
    }
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  // Acks still in the pipe were committed before the kill: read them too.
  char chunk[8192];
  ssize_t n;
  while ((n = ::read(out[0], chunk, sizeof chunk)) > 0) buffer.append(chunk, static_cast<size_t>(n));
  std::istringstream rest(buffer);
  std::string line;
  while (std::getline(rest, line)) {
    std::istringstream l(line);
    std::string word, origin, entity;
    std::uint64_t seq = 0;
    if ((l >> word >> origin >> seq >> entity) && word == "ack") acked.ops[{origin, seq}] = entity;
  }
  ::close(out[0]);
  EXPECT_TRUE(ready) << "writer never became ready";
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "writer ended on its own before being killed (status " << status << ")";
  return ready;
}

}  // namespace

TEST(Crash, KillNineNeverLosesAnAcknowledgedOp) {
  const char* seed_env = std::getenv("HONBU_TEST_SEED");
  const char* rounds_env = std::getenv("HONBU_CRASH_ROUNDS");
  const std::uint64_t seed = seed_env && *seed_env ? std::strtoull(seed_env, nullptr, 10) : 20261122;
  const int rounds = rounds_env && *rounds_env ? std::atoi(rounds_env) : 24;
  std::printf("[ crash ] %d rounds, seed %llu (HONBU_TEST_SEED, HONBU_CRASH_ROUNDS)\n", rounds,
              static_cast<unsigned long long>(seed));
  SCOPED_TRACE("crash test seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  TempDir dir;
  const std::string db = dir.file("crash.db");
  Acked acked;
  static const char* kModes[] = {"local", "batch", "remote"};
  for (int round = 0; round < rounds; ++round) {
    const char* mode = kModes[round % 3];
    const size_t min_acks = 1 + rng() % 40;
    const int extra_ms = static_cast<int>(rng() % 40);
    SCOPED_TRACE(std::string("round ") + std::to_string(round) + " mode " + mode + " killed " +
                 std::to_string(extra_ms) + " ms after " + std::to_string(min_acks) + " acks");
    const size_t before = acked.ops.size();
    ASSERT_TRUE(run_and_kill(db, mode, min_acks, extra_ms, acked));
    EXPECT_GE(acked.ops.size(), before + min_acks);

    {
      Db raw(db, OpenMode::ReadWrite);  // recovers the WAL like any opener would
      auto q = raw.query("PRAGMA integrity_check");
      ASSERT_TRUE(q->step());
      EXPECT_EQ(q->column_text(0), "ok");
      auto find = raw.query("SELECT entity_id FROM ops WHERE origin = ? AND seq = ?");
      for (const auto& [key, entity] : acked.ops) {
        find->bind(1, key.first).bind(2, static_cast<std::int64_t>(key.second));
        ASSERT_TRUE(find->step()) << "acknowledged op " << key.first << "#" << key.second << " is missing";
        EXPECT_EQ(find->column_text(0), entity) << "seq " << key.second << " was re-issued";
        find->reset();
      }
    }
    StoreOptions o;
    o.path = db;
    o.create_if_missing = false;
    EXPECT_NO_THROW(Store::open(o));
    if (round % 4 == 3 || round == rounds - 1) {  // replaying the whole log is the slow part
      const VerifyReport v = verify_store(db);
      EXPECT_TRUE(v.ok) << (v.problems.empty() ? "" : v.problems[0]);
    }
    if (HasFatalFailure()) return;
  }
  std::printf("[ crash ] %zu acknowledged ops survived %d kills\n", acked.ops.size(), rounds);
}
