// A fresh directory under $TMPDIR for one test, removed afterwards (kept when
// HONBU_KEEP_TEST_FILES is set, for post-mortems).
#pragma once

#include <string>

namespace honbu::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace honbu::testing
