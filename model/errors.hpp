// Exceptions thrown by the model layer. Messages are meant for a person:
// they name the file, field or byte and say why.
#pragma once

#include <stdexcept>
#include <string>

namespace honbu {

// Base of every error the model layer throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Malformed encoded data (op fields, clocks): names the byte offset.
class DecodeError : public Error {
 public:
  using Error::Error;
};

// SQLite failure or a database that cannot be used (newer schema, wrong dataset, corrupt).
class StoreError : public Error {
 public:
  using Error::Error;
  StoreError(const std::string& what, int sqlite_code) : Error(what), sqlite_code_(sqlite_code) {}
  // SQLite's extended result code when SQLite failed, else 0.
  int sqlite_code() const { return sqlite_code_; }
  // The file itself is damaged (SQLITE_CORRUPT, SQLITE_NOTADB): retrying will not help.
  bool damaged() const;

 private:
  int sqlite_code_ = 0;
};

// The database file is held for writing by another Store (a running node or console).
// Read-only tools can still read it beside that writer.
class StoreBusyError : public StoreError {
 public:
  using StoreError::StoreError;
};

}  // namespace honbu
