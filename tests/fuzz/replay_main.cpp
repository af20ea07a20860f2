// Runs a fuzz target without libFuzzer (GCC builds, CI): every file of the corpus, then a
// fixed number of deterministic mutations of them (byte flips, truncations, insertions,
// splices). A crash or sanitizer report fails the test. Real fuzzing: tools/honbu fuzz.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [MUTATIONS]\n", argv[0]);
    return 2;
  }
  const long mutations = argc > 2 ? std::atol(argv[2]) : 20000;
  std::vector<std::string> corpus;
  for (const auto& e : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream f(e.path(), std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "empty corpus in %s: nothing would be tested\n", argv[1]);
    return 2;
  }
  auto run = [](const std::string& s) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  for (const auto& s : corpus) run(s);
  std::mt19937_64 rng(20261122);
  for (long i = 0; i < mutations; ++i) {
    std::string s = corpus[rng() % corpus.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      const size_t pos = s.empty() ? 0 : rng() % s.size();
      switch (rng() % 5) {
        case 0: if (!s.empty()) s[pos] = static_cast<char>(rng()); break;
        case 1: s.resize(pos); break;
        case 2: s.insert(pos, 1, static_cast<char>("{}[]\",:0123456789-.e\\u"[rng() % 23])); break;
        case 3: if (!s.empty()) s.erase(pos, 1 + rng() % 8); break;
        case 4: {
          const std::string& other = corpus[rng() % corpus.size()];
          if (!other.empty()) s.insert(pos, other.substr(rng() % other.size(), 16));
          break;
        }
      }
    }
    run(s);
  }
  std::printf("replayed %zu corpus files and %ld mutations: no crash\n", corpus.size(), mutations);
  return 0;
}
