// Crash test (architecture.md "Tests a trusted system of this kind runs"): a real child
// process, honbu-crash-writer, commits ops and acknowledges each one only after its commit
// ("ack <origin> <seq> <entity_id>"). We kill it with SIGKILL at seeded random moments,
// round after round on the SAME database file, rotating through its modes (one local
// command per transaction, 25 per transaction, 500 remote ops per transaction).
// After every kill:
//   - SQLite's integrity check passes (opened with sqlite3 itself, before any Store);
//   - every acknowledged (origin, seq) is in the op log with the entity it was acknowledged
//     with, and no (origin, seq) was ever acknowledged twice with different content;
//   - the file opens as a Store, whose vector covers every acknowledged op;
//   - verify_store passes (op log bookkeeping, and replaying the log gives the same state).
// Seeded: HONBU_TEST_SEED (kill moments); HONBU_CRASH_ROUNDS (default 24; more for long runs).
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "model/store.hpp"
#include "model/verify.hpp"
#include "support/env.hpp"
#include "support/temp_dir.hpp"

using namespace honbu;
using honbu::testing::TempDir;

namespace {

using Clock = std::chrono::steady_clock;
using OpKey = std::pair<std::string, std::uint64_t>;  // (origin, seq)

constexpr const char* kNode = "crash-node";
constexpr std::chrono::seconds kRoundTimeout{20};  // a child that hangs is killed by then
constexpr std::uint64_t kDefaultRounds = 24;

using honbu::testing::env_u64;

struct Ack {
  OpKey key;
  std::string entity;
};

std::optional<Ack> parse_ack(const std::string& line) {
  std::istringstream in(line);
  std::string word;
  Ack a;
  if (!(in >> word >> a.key.first >> a.key.second >> a.entity) || word != "ack")
    return std::nullopt;
  return a;
}

// The writer as a child process whose stdout we read through a non-blocking pipe. The
// destructor always kills and reaps it, whatever happened to the test in between.
class Writer {
 public:
  Writer(const std::string& db, const char* mode) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      error_ = std::string("pipe: ") + std::strerror(errno);
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {                  // child: only async-signal-safe calls until exec
      ::dup2(fds[1], STDOUT_FILENO);  // the copy on fd 1 is not close-on-exec
      ::execl(HONBU_CRASH_WRITER, HONBU_CRASH_WRITER, db.c_str(), mode, kNode,
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    if (pid_ < 0) {
      error_ = std::string("fork: ") + std::strerror(errno);
      ::close(fds[0]);
      return;
    }
    fd_ = fds[0];
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  ~Writer() {
    kill_and_reap();
    if (fd_ >= 0) ::close(fd_);
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  bool started() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }

  // Waits up to `ms` for output and appends it to `out`. False once the child has closed
  // its stdout (it exited).
  bool read_some(int ms, std::string& out) {
    pollfd p{fd_, POLLIN, 0};
    const int n = ::poll(&p, 1, ms);
    if (n < 0 && errno != EINTR) return false;
    if (n <= 0) return true;
    return drain(out);
  }

  // SIGKILL (if still running) and waitpid. Returns the wait status.
  int kill_and_reap() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
    }
    return status_;
  }

  // After the child is gone: whatever it wrote before dying (acknowledged ops included).
  void read_rest(std::string& out) { drain(out); }

 private:
  bool drain(std::string& out) {
    char chunk[8192];
    for (;;) {
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n > 0) {
        out.append(chunk, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);  // 0: end of file
    }
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  int status_ = 0;
  std::string error_;
};

// Splits complete lines off the front of `buffer`.
std::vector<std::string> take_lines(std::string& buffer) {
  std::vector<std::string> lines;
  size_t start = 0, eol;
  while ((eol = buffer.find('\n', start)) != std::string::npos) {
    lines.push_back(buffer.substr(start, eol - start));
    start = eol + 1;
  }
  buffer.erase(0, start);
  return lines;
}

struct Round {
  bool ready = false, exited_by_itself = false;
  int status = 0;
  std::vector<Ack> acks;
};

// Runs the writer until it has acknowledged `min_acks` ops, lets it go on for `extra_ms`
// (so the kill lands anywhere: inside a transaction, in a commit, between them), kills it.
Round run_and_kill(const std::string& db, const char* mode, size_t min_acks, int extra_ms) {
  Round r;
  Writer w(db, mode);
  if (!w.started()) {
    ADD_FAILURE() << "cannot start " << HONBU_CRASH_WRITER << ": " << w.error();
    return r;
  }
  std::string buffer;
  auto consume = [&] {
    for (const std::string& line : take_lines(buffer)) {
      if (line == "ready")
        r.ready = true;
      else if (auto a = parse_ack(line))
        r.acks.push_back(std::move(*a));
    }
  };
  const auto deadline = Clock::now() + kRoundTimeout;
  std::optional<Clock::time_point> kill_at;
  for (;;) {
    const auto now = Clock::now();
    const auto until = kill_at ? std::min(*kill_at, deadline) : deadline;
    if (now >= until) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
    if (!w.read_some(static_cast<int>(std::clamp<long long>(left, 1, 20)), buffer)) {
      r.exited_by_itself = true;
      break;
    }
    consume();
    if (!kill_at && r.acks.size() >= min_acks)
      kill_at = Clock::now() + std::chrono::milliseconds(extra_ms);
  }
  r.status = w.kill_and_reap();
  w.read_rest(buffer);  // lines written before the kill: those ops were committed
  consume();            // (a torn last line has no '\n' and is not an acknowledgement)
  return r;
}

using SqliteHandle = std::unique_ptr<sqlite3, decltype(&sqlite3_close)>;

// The file as SQLite itself sees it, before any Store touches it.
void check_with_sqlite(const std::string& db, const std::map<OpKey, std::string>& acked) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  SqliteHandle handle(raw, &sqlite3_close);
  ASSERT_EQ(rc, SQLITE_OK) << sqlite3_errmsg(raw);
  sqlite3_busy_timeout(raw, 5000);

  std::string integrity;
  {
    sqlite3_stmt* s = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &s, nullptr), SQLITE_OK)
        << sqlite3_errmsg(raw);
    while (sqlite3_step(s) == SQLITE_ROW)
      integrity += (integrity.empty() ? "" : "; ") +
                   std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    sqlite3_finalize(s);
  }
  EXPECT_EQ(integrity, "ok");

  sqlite3_stmt* find = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT entity_id FROM ops WHERE origin = ? AND seq = ?", -1,
                               &find, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(raw);
  size_t missing = 0, changed = 0;
  for (const auto& [key, entity] : acked) {
    sqlite3_bind_text(find, 1, key.first.data(), static_cast<int>(key.first.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(find, 2, static_cast<sqlite3_int64>(key.second));
    if (sqlite3_step(find) != SQLITE_ROW) {
      if (++missing <= 5)
        ADD_FAILURE() << "acknowledged op " << key.first << "#" << key.second << " is missing";
    } else if (const std::string have = reinterpret_cast<const char*>(sqlite3_column_text(find, 0));
               have != entity) {
      if (++changed <= 5)
        ADD_FAILURE() << "op " << key.first << "#" << key.second << " was acknowledged for "
                      << entity << " but the log holds " << have << " (seq re-issued)";
    }
    sqlite3_reset(find);
    sqlite3_clear_bindings(find);
  }
  sqlite3_finalize(find);
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged ops";
  EXPECT_EQ(changed, 0u) << "of " << acked.size() << " acknowledged ops";
}

}  // namespace

TEST(Crash, KillNineNeverLosesOrReissuesAnAcknowledgedOp) {
  const std::uint64_t seed = env_u64("HONBU_TEST_SEED", 20261122);
  const std::uint64_t rounds = env_u64("HONBU_CRASH_ROUNDS", kDefaultRounds);
  std::printf("[ crash ] %llu rounds, seed %llu (HONBU_TEST_SEED, HONBU_CRASH_ROUNDS)\n",
              static_cast<unsigned long long>(rounds), static_cast<unsigned long long>(seed));
  SCOPED_TRACE("crash test seed " + std::to_string(seed) + " (rerun: HONBU_TEST_SEED=" +
               std::to_string(seed) + " honbu_model_tests --gtest_filter='Crash.*')");
  std::mt19937_64 rng(seed);
  TempDir dir;
  const std::string db = dir.file("crash.db");
  std::map<OpKey, std::string> acked;            // every acknowledgement of every round
  std::map<std::string, std::uint64_t> highest;  // highest acknowledged seq per origin
  static const char* const kModes[] = {"local", "batch", "remote"};
  const auto t0 = Clock::now();
  double verify_s = 0;
  int verified = 0;

  for (std::uint64_t round = 0; round < rounds; ++round) {
    const char* mode = kModes[round % 3];
    const size_t min_acks = 3 + rng() % 30;
    const int extra_ms = rng() % 4 == 0 ? 0 : static_cast<int>(rng() % 60);
    SCOPED_TRACE("round " + std::to_string(round) + ", mode " + mode + ": killed " +
                 std::to_string(extra_ms) + " ms after " + std::to_string(min_acks) + " acks");

    const Round r = run_and_kill(db, mode, min_acks, extra_ms);
    ASSERT_TRUE(r.ready) << "the writer never said ready";
    EXPECT_FALSE(r.exited_by_itself) << "the writer exited before it was killed";
    EXPECT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL)
        << "wait status " << r.status;
    EXPECT_GE(r.acks.size(), min_acks) << "acknowledged in this round";
    for (const Ack& a : r.acks) {
      auto [it, fresh] = acked.emplace(a.key, a.entity);
      EXPECT_TRUE(fresh || it->second == a.entity)
          << a.key.first << "#" << a.key.second << " acknowledged for " << it->second
          << " and later for " << a.entity << " (seq re-issued after a crash)";
      highest[a.key.first] = std::max(highest[a.key.first], a.key.second);
    }

    check_with_sqlite(db, acked);
    {
      StoreOptions o;
      o.path = db;
      o.create_if_missing = false;
      std::unique_ptr<Store> store;
      ASSERT_NO_THROW(store = Store::open(o));
      EXPECT_EQ(store->node_id(), kNode);
      const VersionVector v = store->version_vector();
      for (const auto& [origin, seq] : highest) {
        auto it = v.find(origin);
        EXPECT_GE(it == v.end() ? 0 : it->second, seq)
            << "the vector of " << origin << " stops before an acknowledged op";
      }
    }
    // Replaying the whole log is the slow part and grows with it: every round of the
    // default run, every 4th round beyond that in longer runs, and always the last.
    if (round < kDefaultRounds || round % 4 == 3 || round + 1 == rounds) {
      const auto v0 = Clock::now();
      const VerifyReport v = verify_store(db);
      verify_s += std::chrono::duration<double>(Clock::now() - v0).count();
      EXPECT_TRUE(v.ok) << ::testing::PrintToString(v.problems);
      EXPECT_EQ(v.integrity, "ok");
      ++verified;
    }
    if (HasFailure()) return;  // later rounds build on this file: stop at the first problem
  }
  std::printf(
      "[ crash ] %zu acknowledged ops survived %llu kills; %d log replays (%.1f s of %.1f s)\n",
      acked.size(), static_cast<unsigned long long>(rounds), verified, verify_s,
      std::chrono::duration<double>(Clock::now() - t0).count());
  EXPECT_GE(acked.size(), rounds * 3);
}
