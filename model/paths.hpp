// Where a node keeps its files: $HONBU_DATA_DIR, else $XDG_DATA_HOME/honbu, else
// ~/.local/share/honbu (XDG Base Directory spec).
#pragma once

#include <string>

namespace honbu {

std::string default_data_dir();

}  // namespace honbu

namespace honbu {

// One file per dataset: <data_dir>/actual.db, <data_dir>/exercise-<name>.db.
// Keeping drills in their own files is what makes leaks between them impossible.
std::string database_path(const std::string& data_dir, const std::string& dataset);

}  // namespace honbu
