// Thin RAII layer over SQLite. sqlite3.h stays out of this header.
// Thread-safety: a Db and its statements belong to one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/value.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace honbu {

class Db;

// A prepared statement. Use Db::query() for cached ones; they reset themselves.
class Statement {
 public:
  Statement(Db& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const Value& v);  // 1-based, like SQLite
  Statement& bind(int index, std::int64_t v);
  Statement& bind(int index, std::string_view v);
  Statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
  Statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
  Statement& bind_null(int index);
  // Binds without copying: `v` must stay alive until the statement is reset (Query scope).
  Statement& bind_static(int index, std::string_view v);
  Statement& bind_static(int index, const Value& v);
  Statement& bind_static(int index, const std::string& v) { return bind_static(index, std::string_view(v)); }
  Statement& bind_static(int index, std::string&&) = delete;  // would dangle
  // Steps once: true when a row is available, false when done. Throws StoreError.
  bool step();
  // Runs to completion (for statements without rows).
  void run();
  void reset();  // reset and clear bindings

  int column_count() const;
  Value column(int index) const;  // 0-based
  std::int64_t column_int(int index) const;
  double column_real(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;

  const std::string& sql() const { return sql_; }

 private:
  Db& db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

// Borrowed cached statement: reset and unbound again when it goes out of scope.
class Query {
 public:
  explicit Query(Statement& s) : s_(&s) {}
  ~Query() { s_->reset(); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Statement* operator->() { return s_; }
  Statement& operator*() { return *s_; }

 private:
  Statement* s_;
};

enum class OpenMode { ReadWriteCreate, ReadWrite, ReadOnly };

class Db {
 public:
  // Opens with WAL and synchronous=FULL (writers) and a busy timeout. Throws StoreError
  // naming the file when it cannot be opened or is not a database.
  Db(const std::string& path, OpenMode mode);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(std::string_view sql);                // one or more statements, no rows
  Query query(std::string_view sql);              // cached by SQL text
  Statement& statement(std::string_view sql);     // the same cache; the statement lives as long as this Db
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  bool in_transaction() const;
  const std::string& path() const { return path_; }
  sqlite3* raw() { return db_; }

  [[noreturn]] void fail(std::string_view what) const;  // throws StoreError with sqlite's message

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  // Transparent hash: looking a statement up by its SQL text allocates nothing.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::unique_ptr<Statement>, SqlHash, std::equal_to<>> cache_;
};

// BEGIN IMMEDIATE on construction; rolls back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace honbu
