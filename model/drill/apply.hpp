// [SECTION] Writing a drill's inject (or a scripted player's action) at a node: the same local
// command path as a person typing it, so it travels to the others over the real sync.
#pragma once

#include <string_view>

#include "model/drill/scenario.hpp"
#include "model/store.hpp"

namespace honbu::drill {

// Puts w at this store (filling in the node's next クロノロ number when asked).
LocalResult write_inject(Store& s, InjectWrite w, std::string_view operator_name);

// The wire form used by `honbu-node ctl inject` (JSON), and back.
std::string inject_write_json(const InjectWrite& w, std::string_view operator_name);
InjectWrite inject_write_from_json(std::string_view json, std::string* operator_name);  // throws Error

}  // namespace honbu::drill
