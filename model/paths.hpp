// Where a node keeps its files: $HONBU_DATA_DIR, else $XDG_DATA_HOME/honbu, else
// ~/.local/share/honbu (XDG Base Directory spec).
#pragma once

#include <string>

namespace honbu {

std::string default_data_dir();

}  // namespace honbu
