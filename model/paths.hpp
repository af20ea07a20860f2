// Where a node keeps its files: $HONBU_DATA_DIR, else $XDG_DATA_HOME/honbu, else
// ~/.local/share/honbu (XDG Base Directory spec).
#pragma once

#include <string>

namespace honbu {

std::string default_data_dir();

// What a node writes holds people's names, addresses and injuries: its files are for their
// owner only (0600, folders 0700) whatever the login's umask (Debian's 022 made them
// world-readable). Every program calls this first.
void keep_files_private();

}  // namespace honbu

namespace honbu {

// One file per dataset: <data_dir>/actual.db, <data_dir>/exercise-<name>.db.
// Keeping drills in their own files is what makes leaks between them impossible.
std::string database_path(const std::string& data_dir, const std::string& dataset);

}  // namespace honbu
