// Child process for the crash test: writes ops until killed, printing one line per op
// only after its transaction has committed ("ack <origin> <seq> <entity_id>").
// Modes: local  - one local command per transaction (durable commits)
//        batch  - 25 local commands per transaction
//        remote - apply_remote of 500 ops from another origin per transaction
#include <cstdio>
#include <cstdlib>
#include <string>

#include "model/store.hpp"

using namespace honbu;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DB MODE(local|batch|remote) NODE\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[2];
  StoreOptions o;
  o.path = argv[1];
  o.node_id = argv[3];
  o.dataset = "ACTUAL";
  auto store = Store::open(o);
  std::printf("ready\n");
  std::fflush(stdout);

  std::uint64_t remote_seq = store->version_vector()["remote-src"];
  for (int i = 0;; ++i) {
    if (mode == "remote") {
      std::vector<Op> ops;
      for (int k = 0; k < 500; ++k) {
        Op op;
        op.origin = "remote-src";
        op.seq = ++remote_seq;
        op.hlc = Hlc::make(static_cast<std::uint64_t>(store->now()) - 1000, static_cast<std::uint16_t>(k));
        op.dataset = "ACTUAL";
        op.kind = EntityKind::Chronology;
        op.entity_id = "r-" + std::to_string(op.seq);
        op.fields = {{"number", static_cast<std::int64_t>(op.seq)}, {"node_label", "remote-src"},
                     {"at", format_iso_jst(store->now())}, {"content", "relay " + std::to_string(op.seq)},
                     {"state", "pending"}};
        op.operator_name = "crash";
        ops.push_back(std::move(op));
      }
      store->apply_remote(ops);
      for (const Op& op : ops) std::printf("ack %s %llu %s\n", op.origin.c_str(), static_cast<unsigned long long>(op.seq), op.entity_id.c_str());
      std::fflush(stdout);
      continue;
    }
    const int per_tx = mode == "batch" ? 25 : 1;
    std::vector<Op> committed;
    store->batch([&] {
      for (int k = 0; k < per_tx; ++k) {
        const std::string id = store->new_id();
        LocalResult r;
        switch ((i + k) % 3) {
          case 0:
            r = store->put(EntityKind::Incident, id,
                           {{"title", "crash " + std::to_string(i)}, {"category", "other"},
                            {"received_at", format_iso_jst(store->now())}, {"verification", "unverified"},
                            {"priority", "low"}, {"status", "received"}},
                           "crash");
            break;
          case 1:
            r = store->put(EntityKind::Shelter, "sh-" + std::to_string(i % 7),
                           {{"name", "避難所" + std::to_string(i % 7)}, {"shelter_type", "designated"},
                            {"open_state", "open"}, {"evacuees", static_cast<std::int64_t>(i)}},
                           "crash");
            break;
          default:
            r = store->put(EntityKind::ShelterSupply, "sh-1/food",
                           {{"shelter_id", "sh-1"}, {"item", "food"}}, "crash");
            if (r.ok) {
              committed.push_back(r.op);
              r = store->add(EntityKind::ShelterSupply, "sh-1/food", {{"delivered", std::int64_t{1}}}, "crash");
            }
            break;
        }
        if (!r.ok) {
          std::fprintf(stderr, "command refused\n");
          std::exit(3);
        }
        committed.push_back(r.op);
      }
    });
    for (const Op& op : committed)
      std::printf("ack %s %llu %s\n", op.origin.c_str(), static_cast<unsigned long long>(op.seq), op.entity_id.c_str());
    std::fflush(stdout);
  }
}
