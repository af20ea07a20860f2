#include "console/reader.hpp"

#include <pthread.h>

#include "model/errors.hpp"
#include "model/store.hpp"

namespace honbu::console {

namespace {
constexpr std::size_t kMaxChangesListed = 20000;  // beyond this, "everything changed"
}

Reader::Reader(std::string db_path, std::function<void()> wake) : path_(std::move(db_path)), wake_(std::move(wake)) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "honbu-reader");
    loop();
  });
}

Reader::~Reader() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Reader::post(const std::string& key, std::function<std::any(Db&)> run, std::function<void(std::any&)> done) {
  {
    std::lock_guard lock(mu_);
    for (Job& j : jobs_)
      if (!key.empty() && j.key == key) {  // coalesce: the newest request wins
        j.run = std::move(run);
        j.done = std::move(done);
        return;
      }
    jobs_.push_back({key, std::move(run), std::move(done)});
  }
  cv_.notify_all();
}

void Reader::notify_version(std::int64_t version) {
  {
    std::lock_guard lock(mu_);
    if (version <= wanted_version_) return;
    wanted_version_ = version;
  }
  cv_.notify_all();
}

void Reader::set_incident_view(const IncidentFilter& filter) {
  {
    std::lock_guard lock(mu_);
    pending_filter_ = std::make_unique<IncidentFilter>(filter);
  }
  cv_.notify_all();
}

bool Reader::busy() const {
  std::lock_guard lock(mu_);
  // Until the first look at the data reached the UI, and while newer data is on its way.
  return !delivered_first_ || wanted_version_ > ui_version_ || !jobs_.empty() || running_job_ ||
         pending_filter_ != nullptr || !results_.empty() || !changes_.empty() || incidents_fresh_;
}

std::string Reader::last_error() const {
  std::lock_guard lock(mu_);
  return error_;
}

bool Reader::poll() {
  std::vector<Result> results;
  std::vector<ChangeSet> changes;
  std::shared_ptr<const std::vector<IncidentRowPtr>> rows;
  std::size_t total = 0;
  {
    std::lock_guard lock(mu_);
    results.swap(results_);
    changes.swap(changes_);
    if (incidents_fresh_) {
      rows = incident_rows_;
      total = incident_total_;
      incidents_fresh_ = false;
    }
  }
  for (ChangeSet& c : changes) {
    {
      std::lock_guard lock(mu_);
      ui_version_ = std::max(ui_version_, c.version);
      delivered_first_ = true;
    }
    if (on_changes) on_changes(c);
  }
  if (rows && on_incidents) on_incidents(rows, total);
  for (Result& r : results) r.done(r.value);
  return !results.empty() || !changes.empty() || rows;
}

void Reader::loop() {
  std::unique_ptr<Db> db;
  std::unique_ptr<IncidentIndex> incidents;
  std::int64_t version = 0;
  for (;;) {
    Job job;
    std::unique_ptr<IncidentFilter> filter;
    std::int64_t target = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !db || !jobs_.empty() || pending_filter_ || wanted_version_ > version; });
      if (stop_) return;
      target = wanted_version_;
      filter = std::move(pending_filter_);
      if (target <= version && !filter && !jobs_.empty()) {
        job = std::move(jobs_.front());
        jobs_.pop_front();
        running_job_ = true;
      }
    }
    try {
      bool incidents_changed = false;
      if (!db) {
        db = std::make_unique<Db>(path_, OpenMode::ReadOnly);
        // First look (or again after an error): everything is new to the panels.
        auto q = db->query("SELECT COALESCE(MAX(n), 0) FROM ops");
        q->step();
        version = q->column_int(0);
        incidents = std::make_unique<IncidentIndex>(*db);
        if (filter) incidents->set_view(*filter);
        incidents_changed = true;
        ChangeSet c;
        c.version = version;
        c.everything = true;
        std::lock_guard lock(mu_);
        changes_.push_back(std::move(c));
      }
      if (filter) {
        incidents->set_view(*filter);
        incidents_changed = true;
      }
      if (target > version) {
        // Changes first: panels re-ask for what changed after this.
        ChangeSet c;
        c.version = target;
        auto q = db->query("SELECT n, kind, entity_id FROM ops WHERE n > ? AND n <= ? AND state = 0 ORDER BY n");
        q->bind(1, version).bind(2, target);
        std::set<std::string> ids;
        std::size_t listed = 0;
        while (q->step()) {
          auto k = kind_from_name(q->column_text(1));
          if (!k) continue;
          c.kinds.insert(*k);
          if (*k == EntityKind::Incident && ++listed <= kMaxChangesListed) ids.insert(q->column_text(2));
        }
        if (listed > kMaxChangesListed) c.everything = true;
        if (c.everything) {
          const IncidentFilter view = incidents->view();
          incidents = std::make_unique<IncidentIndex>(*db);
          incidents->set_view(view);
        } else if (!ids.empty()) {
          incidents->update(std::vector<std::string>(ids.begin(), ids.end()));
        }
        incidents_changed = incidents_changed || !ids.empty() || c.everything;
        c.incident_ids.assign(ids.begin(), ids.end());
        version = target;
        std::lock_guard lock(mu_);
        changes_.push_back(std::move(c));
      }
      if (incidents_changed) {
        std::lock_guard lock(mu_);
        incident_rows_ = incidents->rows();
        incident_total_ = incidents->total();
        incidents_fresh_ = true;
      }
      if (job.run) {
        std::any value = job.run(*db);
        std::lock_guard lock(mu_);
        results_.push_back({std::move(job.done), std::move(value)});
        running_job_ = false;
      }
      std::lock_guard lock(mu_);
      error_.clear();
    } catch (const std::exception& e) {
      {
        std::lock_guard lock(mu_);
        error_ = e.what();
        running_job_ = false;
      }
      db.reset();  // reopen next time (e.g. the file was not there yet)
      incidents.reset();
      if (wake_) wake_();
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(300), [&] { return stop_; });  // no busy retry
      continue;
    }
    if (wake_) wake_();
  }
}

}  // namespace honbu::console
