// A store on a file for a test, opened as a node would open it.
#pragma once

#include <memory>
#include <string>

#include "model/store.hpp"

namespace honbu::testing {

inline std::unique_ptr<Store> open_store(const std::string& path, const std::string& node = "hq",
                                         const std::string& dataset = "ACTUAL") {
  StoreOptions o;
  o.path = path;
  o.node_id = node;
  o.dataset = dataset;
  return Store::open(o);
}

}  // namespace honbu::testing
