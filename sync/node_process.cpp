#include "sync/node_process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <zmq.hpp>

#include "model/errors.hpp"

namespace honbu::sync {

std::string program_dir() { return std::filesystem::read_symlink("/proc/self/exe").parent_path().string(); }

std::string node_binary() {
  if (const char* env = std::getenv("HONBU_NODE_BIN"); env && *env) return env;
  // Installed side by side, or in the build tree (console/ and tools/ are siblings).
  for (const std::string& p : {program_dir() + "/honbu-node", program_dir() + "/../tools/honbu-node"})
    if (std::filesystem::exists(p)) return std::filesystem::canonical(p).string();
  throw Error("honbu-node not found next to " + program_dir() + " (build the honbu-node target, or set HONBU_NODE_BIN)");
}

NodeProcess::NodeProcess(std::string data_dir, const std::vector<std::string>& run_args, const std::string& log_path)
    : data_dir_(std::move(data_dir)) {
  const std::string bin = node_binary();
  std::filesystem::create_directories(data_dir_);
  std::vector<std::string> args = {bin, "run", "--data-dir", data_dir_};
  args.insert(args.end(), run_args.begin(), run_args.end());
  pid_ = ::fork();
  if (pid_ < 0) throw Error("fork failed: cannot start honbu-node");
  if (pid_ == 0) {
    if (std::FILE* f = std::fopen(log_path.c_str(), "a")) {
      ::dup2(::fileno(f), STDOUT_FILENO);
      ::dup2(::fileno(f), STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    std::_Exit(127);
  }
}

NodeProcess::~NodeProcess() { stop(); }

NodeProcess::NodeProcess(NodeProcess&& o) noexcept : data_dir_(std::move(o.data_dir_)), pid_(o.pid_) { o.pid_ = -1; }

NodeProcess& NodeProcess::operator=(NodeProcess&& o) noexcept {
  if (this != &o) {
    stop();
    data_dir_ = std::move(o.data_dir_);
    pid_ = o.pid_;
    o.pid_ = -1;
  }
  return *this;
}

bool NodeProcess::running() {
  if (pid_ <= 0) return false;
  int st = 0;
  if (::waitpid(pid_, &st, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void NodeProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int st = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &st, 0);
  pid_ = -1;
}

void NodeProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  ::waitpid(pid_, &st, 0);
  pid_ = -1;
}

std::optional<std::string> NodeProcess::ctl(const std::vector<std::string>& words, int timeout_ms) const {
  return node_ctl(data_dir_, words, timeout_ms);
}

std::optional<std::string> node_ctl(const std::string& data_dir, const std::vector<std::string>& words, int timeout_ms) {
  return node_ctl_socket(data_dir + "/control.sock", words, timeout_ms);
}

std::optional<std::string> node_ctl_socket(const std::string& path, const std::vector<std::string>& words, int timeout_ms) {
  if (!std::filesystem::exists(path)) return std::nullopt;
  zmq::context_t ctx;
  zmq::socket_t req(ctx, zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  req.set(zmq::sockopt::rcvtimeo, timeout_ms);
  req.connect("ipc://" + path);
  req.send(zmq::buffer(nlohmann::json(words).dump()));
  zmq::message_t reply;
  if (!req.recv(reply)) return std::nullopt;
  return reply.to_string();
}

std::string NodeProcess::wait_listen_endpoint(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    std::ifstream f(data_dir_ + "/status.json");
    if (f) {
      try {
        const auto j = nlohmann::json::parse(f);
        const std::string ep = j.value("listen", "");
        if (!ep.empty()) return ep;
      } catch (const nlohmann::json::exception&) {
        // being written: try again
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  return {};
}

Site make_site(const std::string& root, const std::vector<SiteNode>& nodes) {
  Site site;
  site.root = root;
  std::filesystem::create_directories(root + "/keys");
  for (const SiteNode& n : nodes) {
    NodeKeys k = generate_keys(n.id);
    const std::string path = root + "/keys/" + n.id + ".key";
    std::filesystem::remove(path);
    save_secret_keys(k, path);
    AllowEntry e;
    e.node_id = n.id;
    e.role = n.role;
    e.branch_id = n.branch_id;
    e.areas = n.areas;
    e.keys = k.public_keys();
    site.allow.upsert(e);
    site.key_paths[n.id] = path;
    site.keys[n.id] = std::move(k);
  }
  site.allowlist = root + "/keys/allowlist.yaml";
  site.allow.save(site.allowlist);
  return site;
}

std::vector<SiteNode> demo_site_nodes() {
  return {{"hq", Role::Hq, "hq", {}},
          {"kita", Role::Branch, "kita", {"kitayama", "uenodai", "sakuragaoka"}},
          {"minami", Role::Branch, "minami", {"minamihama", "oono", "kawabe"}}};
}

}  // namespace honbu::sync
