#include "model/db.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "model/errors.hpp"

namespace honbu {

Statement::Statement(Db& db, std::string_view sql) : db_(db), sql_(sql) {
  if (sqlite3_prepare_v3(db.raw(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
    db.fail("prepare \"" + std::string(sql.substr(0, 80)) + "\"");
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int i, const Value& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          bind_null(i);
        else if constexpr (std::is_same_v<T, std::int64_t>)
          bind(i, x);
        else if constexpr (std::is_same_v<T, double>)
          sqlite3_bind_double(stmt_, i, x);
        else
          bind(i, std::string_view(x));
      },
      v);
  return *this;
}

Statement& Statement::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

Statement& Statement::bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_static(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::bind_static(int i, const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return bind_static(i, std::string_view(*s));
  return bind(i, v);
}

Statement& Statement::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail("step \"" + sql_.substr(0, 80) + "\"");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Statement::column_count() const { return sqlite3_column_count(stmt_); }

Value Statement::column(int i) const {
  switch (sqlite3_column_type(stmt_, i)) {
    case SQLITE_INTEGER:
      return static_cast<std::int64_t>(sqlite3_column_int64(stmt_, i));
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt_, i);
    case SQLITE_TEXT:
    case SQLITE_BLOB:
      return column_text(i);
    default:
      return std::monostate{};
  }
}

std::int64_t Statement::column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
double Statement::column_real(int i) const { return sqlite3_column_double(stmt_, i); }

std::string Statement::column_text(int i) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, i));
  const int n = sqlite3_column_bytes(stmt_, i);
  return p ? std::string(p, static_cast<size_t>(n)) : std::string();
}

bool Statement::column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

namespace {
// Process-wide, before SQLite initialises: without memory statistics SQLite takes no global
// mutex on every allocation (measured: ~5% of the apply path). Harmless if too late.
const bool kSqliteConfigured = [] {
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  return true;
}();
}  // namespace

namespace {
// A WAL database needs its -shm file even to be read. In a directory we may not write (a CD,
// another user's backup) with no -shm there, SQLite cannot make one and refuses every read;
// with no changes waiting in a -wal file either, the file alone is the whole database and
// can be read as immutable. Returns the URI for that, or "" for an ordinary open.
std::string immutable_uri(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  if (::access(path.c_str(), W_OK) == 0 || ::access(dir.c_str(), W_OK) == 0 || fs::exists(path + "-shm", ec))
    return {};
  if (fs::exists(path + "-wal", ec) && fs::file_size(path + "-wal", ec) > 0) return {};
  std::string uri = "file:";
  for (const char c : fs::absolute(path, ec).string()) {
    if (c == '?' || c == '#' || c == '%') {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      uri += hex;
    } else {
      uri += c;
    }
  }
  return uri + "?immutable=1";
}
}  // namespace

Db::Db(const std::string& path, OpenMode mode) : path_(path) {
  (void)kSqliteConfigured;
  int flags = SQLITE_OPEN_NOMUTEX;
  std::string open_name = path;
  switch (mode) {
    case OpenMode::ReadWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    case OpenMode::ReadWrite: flags |= SQLITE_OPEN_READWRITE; break;
    case OpenMode::ReadOnly:
      flags |= SQLITE_OPEN_READONLY;
      if (std::string uri = immutable_uri(path); !uri.empty()) {
        open_name = std::move(uri);
        flags |= SQLITE_OPEN_URI;
      }
      break;
  }
  if (sqlite3_open_v2(open_name.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    const int code = db_ ? sqlite3_extended_errcode(db_) : SQLITE_NOMEM;
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError("cannot open database " + path + ": " + msg, code);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);
  try {
    // Reading the schema is the first real access: a non-database file fails here.
    exec("SELECT count(*) FROM sqlite_schema");
    if (mode != OpenMode::ReadOnly) {
      // WAL lets readers run beside the one writer; FULL makes every commit survive power loss
      // (with NORMAL a power cut can roll back a commit and a seq could be re-issued).
      exec("PRAGMA page_size=8192");  // only takes effect on a new, empty file
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=FULL");
      // Checkpoint every 4,000 pages of WAL (31 MiB of 8 KiB pages) rather than 1,000: fewer
      // stalls on busy sync.
      exec("PRAGMA wal_autocheckpoint=4000");
    }
    exec("PRAGMA foreign_keys=OFF");  // ops may reference entities that have not arrived yet
    // Reads through a 64 MiB page cache and a memory map instead of a pread() per page:
    // the op log and typed tables are read on every apply.
    if (mode == OpenMode::ReadOnly) {
      // Readers (the console's view, tools) scan whole tables: a memory map would keep every
      // page they touched resident (a 270 MB file counted as 385 MB of the console's memory).
      exec("PRAGMA cache_size=-16384");
      exec("PRAGMA mmap_size=0");
    } else {
      exec("PRAGMA cache_size=-65536");
      exec("PRAGMA mmap_size=268435456");
    }
    exec("PRAGMA temp_store=MEMORY");
    // Debian builds SQLite with SECURE_DELETE; nothing here is ever deleted for privacy, and
    // zeroing freed space on every row rewrite costs measurable time on the apply path.
    exec("PRAGMA secure_delete=OFF");
  } catch (const StoreError& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    // SQLite says "unable to open database file" of a database it may not write beside (its
    // -wal and -shm live in the same directory): say that, and where.
    const std::string dir = std::filesystem::path(path).parent_path().empty()
                                ? std::string(".")
                                : std::filesystem::path(path).parent_path().string();
    const bool file_there = ::access(path.c_str(), F_OK) == 0;
    if (mode != OpenMode::ReadOnly &&
        (::access(dir.c_str(), W_OK) != 0 || (file_there && ::access(path.c_str(), W_OK) != 0)))
      throw StoreError(path + ": cannot write it or its directory " + dir +
                           " (a read-only disk or copy, or no permission)" +
                           (file_there ? "; tools can still read it (honbu-db stats)" : ""),
                       e.sqlite_code());
    // Another file given for a database (a bundle, a CSV, a damaged copy): said in words.
    if ((e.sqlite_code() & 0xFF) == SQLITE_NOTADB)
      throw StoreError(path + " is not a Honbu database (SQLite: file is not a database): a wrong file, "
                              "or one damaged beyond repair; check the path, or restore a copy",
                       e.sqlite_code());
    throw;
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

Db::~Db() {
  cache_.clear();  // finalize statements before closing
  if (db_) sqlite3_close(db_);
}

void Db::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err); rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw StoreError(path_ + ": " + msg + " (while running \"" + s.substr(0, 80) + "\")",
                     sqlite3_extended_errcode(db_));
  }
}

Query Db::query(std::string_view sql) { return Query(statement(sql)); }

Statement& Db::statement(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end())
    it = cache_.emplace(std::string(sql), std::make_unique<Statement>(*this, sql)).first;
  return *it->second;
}

std::int64_t Db::changes() const { return sqlite3_changes64(db_); }
std::int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
bool Db::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

void Db::fail(std::string_view what) const {
  throw StoreError(path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_), sqlite3_extended_errcode(db_));
}

bool StoreError::damaged() const {
  const int primary = sqlite_code_ & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
      // The connection already rolled back (e.g. after SQLITE_FULL); nothing left to undo.
    }
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace honbu
