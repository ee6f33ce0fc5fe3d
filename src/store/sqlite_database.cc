// The SQLite backend: one file, WAL journal, prepared statements cached by text.
//
// Pragmas and why:
//  - journal_mode=WAL: readers do not block the writer, and a crash (even
//    SIGKILL mid-transaction) leaves the last committed state.
//  - synchronous=FULL: a committed transaction survives power loss, not only a
//    process crash. It costs one fsync per commit, which a bulk import (one
//    transaction) pays once.
//  - foreign_keys=ON: evidence cannot point at an enterprise that does not exist.
//  - busy_timeout: a second process waits for the write lock instead of failing.
#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <unordered_map>

#include "store/database.h"
#include "store/digest.h"

namespace bursar::store {

namespace {

// bursar_sha256(text): lower-case hex SHA-256 of the text's UTF-8 bytes, NULL
// for NULL. The row seals' images digest secrets and documents with it
// (store/seal.h); PostgreSQL's images use its own sha256().
void Sha256Function(sqlite3_context* context, int, sqlite3_value** args) {
  if (sqlite3_value_type(args[0]) == SQLITE_NULL) {
    sqlite3_result_null(context);
    return;
  }
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(args[0]));
  const std::string hex = Sha256Hex(std::string_view(text, static_cast<size_t>(sqlite3_value_bytes(args[0]))));
  sqlite3_result_text(context, hex.data(), static_cast<int>(hex.size()), SQLITE_TRANSIENT);
}

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteDatabase() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }
  const std::string& display_name() const override { return path_; }

  Status ExecScript(const std::string& sql) override {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string message = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return Error(sqlite3_extended_errcode(db_), message);
    }
    return OkStatus();
  }

  Result<int64_t> ExecuteSpan(const std::string& sql, std::span<const Param> params) override {
    BURSAR_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) {
      Status status = Error(rc, sqlite3_errmsg(db_));
      sqlite3_reset(stmt);
      return status;
    }
    sqlite3_reset(stmt);
    return static_cast<int64_t>(sqlite3_changes64(db_));
  }

  Status QuerySpan(const std::string& sql, std::span<const Param> params, std::vector<Row>* rows) override {
    BURSAR_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    int rc;
    const int n = sqlite3_column_count(stmt);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::vector<std::optional<std::string>> cells;
      cells.reserve(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) {
        if (sqlite3_column_type(stmt, i) == SQLITE_NULL) {
          cells.emplace_back();
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
          cells.emplace_back(std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, i))));
        }
      }
      rows->emplace_back(std::move(cells));
    }
    Status status = rc == SQLITE_DONE ? OkStatus() : Error(rc, sqlite3_errmsg(db_));
    sqlite3_reset(stmt);
    return status;
  }

  Status Begin() override { return ExecScript("BEGIN IMMEDIATE"); }
  Status Commit() override { return ExecScript("COMMIT"); }
  bool InTransaction() const override { return sqlite3_get_autocommit(db_) == 0; }
  Status Rollback() override {
    if (sqlite3_get_autocommit(db_)) return OkStatus();  // SQLite already rolled back
    return ExecScript("ROLLBACK");
  }

 private:
  Result<sqlite3_stmt*> Prepare(const std::string& sql, std::span<const Param> params) {
    sqlite3_stmt* stmt;
    auto it = last_ != statements_.end() && last_->first == sql ? last_ : statements_.find(sql);
    if (it != statements_.end()) {
      stmt = it->second;
      last_ = it;  // a bulk import runs one statement over and over: skip hashing it
    } else {
      if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                             nullptr) != SQLITE_OK) {
        return Status(StatusCode::kInternal, std::string("SQLite cannot prepare: ") + sqlite3_errmsg(db_) + ": " + sql);
      }
      last_ = statements_.emplace(sql, stmt).first;
    }
    if (static_cast<size_t>(sqlite3_bind_parameter_count(stmt)) != params.size()) {
      return Status(StatusCode::kInternal, "parameter count mismatch: " + sql);
    }
    for (size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      if (const auto* v = std::get_if<int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt, index, *v);
      } else if (const auto* s = std::get_if<std::string_view>(&params[i])) {
        // SQLITE_STATIC: the text outlives the step that reads it (contract of Param).
        rc = sqlite3_bind_text(stmt, index, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
      } else {
        rc = sqlite3_bind_null(stmt, index);
      }
      if (rc != SQLITE_OK) return Error(rc, sqlite3_errmsg(db_));
    }
    return stmt;
  }

  Status Error(int rc, const std::string& message) const {
    const int primary = rc & 0xff;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return Status(StatusCode::kAlreadyExists, "SQLite: " + message);
    }
    if (primary == SQLITE_CONSTRAINT) return Status(StatusCode::kFailedPrecondition, "SQLite: " + message);
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
      return Status(StatusCode::kUnavailable, "SQLite: database is locked by another process: " + path_);
    }
    // A write that found no room: SQLITE_FULL, or an I/O error whose system
    // error is ENOSPC (no space), EDQUOT (quota) or EFBIG (the file size
    // limit, RLIMIT_FSIZE). SQLite has rolled the statement back and the
    // transaction is never committed, so nothing of the change is stored.
    const int os_error = primary == SQLITE_IOERR || primary == SQLITE_FULL ? NoRoomErrno() : 0;
    if (primary == SQLITE_FULL || os_error != 0) {
      std::string why = os_error != 0 ? std::string(" (") + std::strerror(os_error) + ")" : "";
      return Status(StatusCode::kUnavailable, "SQLite (" + path_ + "): disk full" + why +
                                                  ": the change was not stored; free space and run it again");
    }
    return Status(StatusCode::kUnavailable, "SQLite (" + path_ + "): " + message);
  }

  static bool IsNoRoom(int e) { return e == ENOSPC || e == EDQUOT || e == EFBIG; }

  // ENOSPC, EDQUOT or EFBIG when the last failed write on the database file
  // or its write-ahead log failed for want of room, else 0.
  // sqlite3_system_errno is no help here: it reads errno after SQLite's own
  // clean-up calls have overwritten it; each file keeps its write's errno.
  // That errno stays until the file's next failure, so on a connection that
  // once ran out of room a later, unrelated I/O error also reads "disk full";
  // asked only after an I/O error, that is the lesser harm.
  int NoRoomErrno() const {
    int e = 0;
    if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_LAST_ERRNO, &e) == SQLITE_OK && IsNoRoom(e)) return e;
    sqlite3_file* log = nullptr;
    if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_JOURNAL_POINTER, &log) == SQLITE_OK && log != nullptr &&
        log->pMethods != nullptr) {
      e = 0;
      if (log->pMethods->xFileControl(log, SQLITE_FCNTL_LAST_ERRNO, &e) == SQLITE_OK && IsNoRoom(e)) return e;
    }
    e = sqlite3_system_errno(db_);
    return IsNoRoom(e) ? e : 0;
  }

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
  std::unordered_map<std::string, sqlite3_stmt*>::iterator last_ = statements_.end();
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path, bool create) {
  std::error_code ec;
  if (!create && !std::filesystem::exists(path, ec)) {
    return Status(StatusCode::kNotFound,
                  "no database at " + path + " (create it with `bursar db init --db " + path + "`)", "--db");
  }
  sqlite3* handle = nullptr;
  // NOMUTEX: a Database is used by one thread at a time (database.h), so
  // SQLite's per-call locking is pure cost.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &handle, flags, nullptr) != SQLITE_OK) {
    std::string message = handle ? sqlite3_errmsg(handle) : "out of memory";
    sqlite3_close_v2(handle);
    return Status(StatusCode::kUnavailable, "cannot open SQLite database " + path + ": " + message, "--db");
  }
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_create_function_v2(handle, "bursar_sha256", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, Sha256Function,
                             nullptr, nullptr, nullptr);
  auto db = std::make_unique<SqliteDatabase>(handle, path);
  BURSAR_RETURN_IF_ERROR(
      db->ExecScript("PRAGMA busy_timeout=10000;"
                     "PRAGMA journal_mode=WAL;"
                     "PRAGMA synchronous=FULL;"
                     "PRAGMA foreign_keys=ON;"
                     "PRAGMA cache_size=-65536;"
                     "PRAGMA temp_store=MEMORY;"
                     // Reads from a memory map of the file rather than a
                     // pread() copy per page (writes still go through the
                     // journal): a district's facts read a few hundred MiB.
                     "PRAGMA mmap_size=1073741824;"));
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace bursar::store
