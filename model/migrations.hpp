// Numbered schema migrations. Each runs in one transaction and records the schema version
// and the compatible version (the oldest code that can still use the file), as Chromium's
// sql::MetaTable does. SQL here is frozen: a change to the schema is a new migration.
#pragma once

#include <span>
#include <string_view>

namespace honbu {

class Db;

struct Migration {
  int version;             // schema version after this step
  int compatible_version;  // oldest schema version of code that may open the result
  std::string_view description;
  std::string_view sql;
};

std::span<const Migration> migrations();

// Current version recorded in the file, 0 for an empty database.
int stored_schema_version(Db& db);
int stored_compatible_version(Db& db);

// Runs every migration after the stored version up to `target`, each in its own transaction
// (or all inside the caller's transaction, if one is open).
void migrate(Db& db, int target);

}  // namespace honbu
