// [SECTION] ApplyWorker: the thread that applies received chunks for the sync agent.
// A batched apply spends a good part of its time waiting on the commit's fsync. With the
// apply on its own thread, the agent thread meanwhile receives and decodes the next chunks
// (sync/agent.cpp, read_ahead), so a node catching up uses a second core instead of waiting.
// The agent hands one job over at a time and does not touch the store until it is done:
// the store still has one user at a time, and the hand-over orders their accesses.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace honbu::sync {

class ApplyWorker {
 public:
  // `name`: the thread's name (at most 15 bytes are kept), for top -H and perf.
  explicit ApplyWorker(std::string name);
  ~ApplyWorker();
  ApplyWorker(const ApplyWorker&) = delete;
  ApplyWorker& operator=(const ApplyWorker&) = delete;

  // Runs `job` on the worker thread; `on_done` is called there right after it (to wake the
  // agent's poll). Only when idle (after wait()).
  void start(std::function<void()> job, std::function<void()> on_done);
  bool done() const;
  // Waits for the job and rethrows what it threw.
  void wait();

 private:
  void run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::function<void()> job_, on_done_;
  bool busy_ = false, stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace honbu::sync
