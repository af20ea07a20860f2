#include "sync/apply_worker.hpp"

#include <pthread.h>

#include <utility>

namespace honbu::sync {

ApplyWorker::ApplyWorker(std::string name) {
  thread_ = std::thread([this, name = name.substr(0, 15)] {
    pthread_setname_np(pthread_self(), name.c_str());
    run();
  });
}

ApplyWorker::~ApplyWorker() {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !busy_; });  // never leave a job half-run
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ApplyWorker::start(std::function<void()> job, std::function<void()> on_done) {
  {
    std::lock_guard lock(mu_);
    job_ = std::move(job);
    on_done_ = std::move(on_done);
    error_ = nullptr;
    busy_ = true;
  }
  cv_.notify_all();
}

bool ApplyWorker::done() const {
  std::lock_guard lock(mu_);
  return !busy_;
}

void ApplyWorker::wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !busy_; });
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void ApplyWorker::run() {
  for (;;) {
    std::function<void()> job, on_done;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || (busy_ && job_); });
      if (stop_) return;
      job = std::move(job_);
      on_done = std::move(on_done_);
      job_ = nullptr;
    }
    std::exception_ptr error;
    try {
      job();
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard lock(mu_);
      error_ = error;
      busy_ = false;
    }
    cv_.notify_all();
    if (on_done) on_done();
  }
}

}  // namespace honbu::sync
