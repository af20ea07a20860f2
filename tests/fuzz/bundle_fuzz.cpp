// Fuzz target: the bundle reader must refuse any damaged file with a BundleError and never
// crash. The input is written to a temporary file and read with a fixed allow-list.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "sync/bundle.hpp"

// Declared first: the libFuzzer entry point has no header.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const honbu::sync::AllowList allow = [] {
    honbu::sync::AllowList a;
    honbu::sync::AllowEntry e;
    e.node_id = "kita";
    e.role = honbu::sync::Role::Branch;
    e.branch_id = "kita";
    e.keys = honbu::sync::generate_keys("kita").public_keys();
    a.upsert(e);
    return a;
  }();
  static const std::string path = "/tmp/honbu-bundle-fuzz-" + std::to_string(::getpid()) + ".honbu";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    (void)honbu::sync::read_bundle(path, allow);
  } catch (const honbu::Error&) {
  }
  std::remove(path.c_str());
  return 0;
}
