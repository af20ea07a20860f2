// honbu-report: reports and exports from a node's database — 第4号様式, CAP 1.2, GeoJSON, CSV —
// and imports (CAP alerts, CSV master data). (Being written: see issue 6.)
#include <cstdio>

int main() {
  std::fprintf(stderr, "honbu-report: not built yet\n");
  return 2;
}
