// [SECTION] Reader: the console's read-only view of its node's database, on its own thread.
// The UI thread never touches SQLite: panels ask for a query (a function of Db&), the reader
// runs it on its connection (WAL: beside the one writer) and hands back an immutable result,
// which the UI picks up at the start of a frame. A newer request under the same key replaces
// one still waiting, so a burst of changes costs one query, not a queue of them.
// It also follows the change feed: told a new data version, it lists which kinds of entity
// changed and keeps the incident list (IncidentIndex) current.
// Thread-safety: every public method is for the UI thread; jobs run on the reader thread.
#pragma once

#include <any>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "model/db.hpp"
#include "model/incident_index.hpp"
#include "model/schema.hpp"

namespace honbu::console {

struct ChangeSet {
  std::int64_t version = 0;  // data version the view now reflects
  std::set<EntityKind> kinds;
  std::vector<std::string> incident_ids;
  bool everything = false;  // first load, or too many changes to list
  bool has(EntityKind k) const { return everything || kinds.count(k) > 0; }
};

class Reader {
 public:
  // Opens `db_path` read-only on the reader thread. `wake` is called (from the reader thread)
  // whenever a result is ready, e.g. glfwPostEmptyEvent.
  Reader(std::string db_path, std::function<void()> wake);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Runs job(Db&) on the reader thread; then done(result) on the UI thread (in poll()).
  template <class T>
  void request(const std::string& key, std::function<T(Db&)> job, std::function<void(T)> done) {
    post(key, [job = std::move(job)](Db& db) { return std::any(job(db)); },
         [done = std::move(done)](std::any& r) { done(std::any_cast<T&>(r)); });
  }

  // The node's data is at `version` now (from the writer's commit listener; any thread).
  void notify_version(std::int64_t version);

  // Incident list: filter/sort for the view, then rows arrive through on_incidents.
  void set_incident_view(const IncidentFilter& filter);
  std::function<void(std::shared_ptr<const std::vector<IncidentRowPtr>>, std::size_t total)> on_incidents;
  // Which kinds changed: called on the UI thread in poll().
  std::function<void(const ChangeSet&)> on_changes;

  // UI thread, once per frame: delivers finished results. Returns true if anything arrived.
  bool poll();
  std::int64_t version() const { return ui_version_; }
  bool busy() const;  // jobs waiting or running (for "loading…" hints)
  std::string last_error() const;

 private:
  struct Job {
    std::string key;
    std::function<std::any(Db&)> run;
    std::function<void(std::any&)> done;
  };
  struct Result {
    std::function<void(std::any&)> done;
    std::any value;
  };
  void post(const std::string& key, std::function<std::any(Db&)> run, std::function<void(std::any&)> done);
  void loop();

  std::string path_;
  std::function<void()> wake_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::vector<Result> results_;
  std::vector<ChangeSet> changes_;
  std::shared_ptr<const std::vector<IncidentRowPtr>> incident_rows_;
  std::size_t incident_total_ = 0;
  bool incidents_fresh_ = false;
  std::unique_ptr<IncidentFilter> pending_filter_;
  std::int64_t wanted_version_ = 0;
  std::int64_t ui_version_ = 0;
  bool running_job_ = false;
  bool delivered_first_ = false;
  bool stop_ = false;
  std::string error_;
  std::thread thread_;
};

}  // namespace honbu::console
