#include "store/store.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <utility>

#include <sys/stat.h>

#include "store/evidence_seal.h"
#include "store/fault_database.h"
#include "store/migrations.h"
#include "store/seal.h"

namespace bursar::store {

std::string UtcNow() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

namespace {
// Days since 1970-01-01 of a proleptic Gregorian date, and back (the usual
// era arithmetic: 400-year eras of 146097 days).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}
}  // namespace

std::string AddDays(const std::string& date, int64_t days) {
  if (!IsValidDate(date)) return "";
  const int64_t z0 = DaysFromCivil(std::stoll(date.substr(0, 4)), std::stoll(date.substr(5, 2)),
                                   std::stoll(date.substr(8, 2))) +
                     days + 719468;
  const int64_t era = (z0 >= 0 ? z0 : z0 - 146096) / 146097;
  const int64_t doe = z0 - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (y < 1900 || y > 2999) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                static_cast<long long>(d));
  return buf;
}

std::string BeijingDate(std::string_view utc_time) {
  const std::optional<int64_t> seconds = ParseStoreTime(utc_time);
  if (!seconds) return "";
  // China keeps UTC+8 all year.
  return FormatStoreTime(*seconds + 8 * 3600).substr(0, 10);
}

namespace {

// A test clock's setting in milliseconds since the epoch: "2025-06-01T08:00:00Z"
// (with or without milliseconds), or a date "2025-06-01" as noon in Beijing.
std::optional<int64_t> TestClockSetting(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (IsValidDate(text)) text += "T04:00:00Z";
  const std::optional<int64_t> seconds = ParseStoreTime(text);
  if (!seconds) return std::nullopt;
  int64_t ms = 0;
  if (text.size() == 24 && text[19] == '.') ms = std::stoll(text.substr(20, 3));
  return *seconds * 1000 + ms;
}

int64_t EpochMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// A store time with milliseconds: "2025-06-01T08:00:00.123Z".
std::string FormatStoreTimeMs(int64_t ms) {
  const int64_t seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  std::string text = FormatStoreTime(seconds);
  char frac[8];
  std::snprintf(frac, sizeof frac, "%03lld", static_cast<long long>(ms - seconds * 1000));
  return text.substr(0, 20) + frac + "Z";
}

}  // namespace

Result<std::function<std::string()>> ProcessClock(bool* overridden) {
  if (overridden) *overridden = false;
  const char* setting = std::getenv("BURSAR_TEST_CLOCK");
  if (setting == nullptr || *setting == '\0') return std::function<std::string()>(UtcNow);
  const char* mode = std::getenv("BURSAR_TEST_MODE");
  if (mode == nullptr || std::string_view(mode) != "1") {
    return InvalidArgument(
        "BURSAR_TEST_CLOCK is set, but a clock override is a test setting: it is refused unless "
        "BURSAR_TEST_MODE=1 says this is a test (procedural dates are the server's own, D-G9)",
        "BURSAR_TEST_CLOCK");
  }
  using std::chrono::system_clock;
  const std::string value = setting;
  if (!value.starts_with("file:")) {
    // Set to the given time now, the clock runs on from it.
    std::optional<int64_t> start = TestClockSetting(value);
    if (!start) {
      return InvalidArgument("expected a time such as 2025-06-01T08:00:00Z, a date, or file:PATH, got \"" + value +
                                 "\"",
                             "BURSAR_TEST_CLOCK");
    }
    if (overridden) *overridden = true;
    const int64_t offset = *start - EpochMs(system_clock::now());
    return std::function<std::string()>(
        [offset] { return FormatStoreTimeMs(EpochMs(system_clock::now()) + offset); });
  }
  // A file the test rewrites to move time on, read at every reading: the time
  // it holds was the time when it was written (its modification time), and the
  // clock runs on from there. A reading that fails keeps the last good one (a
  // test writing the file as it is read must not send the clock to 1970).
  const std::string path = value.substr(5);
  struct State {
    std::mutex mu;
    int64_t last_offset = 0;
  };
  auto state = std::make_shared<State>();
  auto offset_now = [path]() -> std::optional<int64_t> {
    struct stat info {};
    if (stat(path.c_str(), &info) != 0) return std::nullopt;
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    std::optional<int64_t> set = TestClockSetting(text.str());
    if (!set) return std::nullopt;
    const int64_t written = int64_t{info.st_mtim.tv_sec} * 1000 + info.st_mtim.tv_nsec / 1000000;
    return *set - written;
  };
  std::optional<int64_t> first = offset_now();
  if (!first) {
    return InvalidArgument("cannot read a time such as 2025-06-01T08:00:00Z from " + path, "BURSAR_TEST_CLOCK");
  }
  state->last_offset = *first;
  if (overridden) *overridden = true;
  return std::function<std::string()>([state, offset_now] {
    std::optional<int64_t> offset = offset_now();
    std::lock_guard<std::mutex> lock(state->mu);
    if (offset) state->last_offset = *offset;
    return FormatStoreTimeMs(EpochMs(system_clock::now()) + state->last_offset);
  });
}

Store::Store(std::unique_ptr<Database> db, std::function<std::string()> clock)
    : db_(std::move(db)), clock_(clock ? std::move(clock) : std::function<std::string()>(UtcNow)) {}

Store::~Store() = default;

std::string Store::Now() const { return clock_(); }

Result<std::unique_ptr<Store>> Store::Open(const std::string& url, const OpenOptions& options) {
  std::function<std::string()> clock = options.clock;
  if (!clock) {
    BURSAR_ASSIGN_OR_RETURN(clock, ProcessClock());
  }
  BURSAR_ASSIGN_OR_RETURN(auto db, OpenDatabase(url, options.create));
  if (!options.faults.empty()) {
    BURSAR_ASSIGN_OR_RETURN(auto points, ParseFaultPoints(options.faults));
    db = WithFaultPoints(std::move(db), std::move(points));
  }
  std::unique_ptr<Store> store(new Store(std::move(db), std::move(clock)));
  store->credential_key_ = options.credential_key;
  store->attachment_limits_ = options.attachment_limits;
  store->list_cache_ = options.list_cache ? options.list_cache : std::make_shared<ListCache>();
  BURSAR_RETURN_IF_ERROR(store->CheckSchema(options.allow_pending));
  BURSAR_RETURN_IF_ERROR(store->InstallCapture());
  return store;
}

Status Store::RefreshStatistics(const std::vector<std::string>& tables) {
  const bool pg = db_->dialect() == Dialect::kPostgres;
  if (!pg && tables.empty()) return db_->ExecScript("PRAGMA analysis_limit = 1000; ANALYZE");
  // The store's own tables only: a bare ANALYZE on PostgreSQL would visit
  // every schema of the database (other stores, being written or dropped).
  std::string sql = pg ? "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()"
                       : "SELECT '\"' || name || '\"' FROM sqlite_master WHERE type = 'table'";
  std::vector<Param> names;
  for (const std::string& t : tables) names.emplace_back(std::string_view(t));
  if (!tables.empty()) sql += std::string(pg ? " AND tablename" : " AND name") + " IN (" + Placeholders(names.size()) + ")";
  std::vector<Row> rows;
  BURSAR_RETURN_IF_ERROR(db_->QuerySpan(sql + " ORDER BY 1", names, &rows));
  if (rows.empty()) return OkStatus();
  // PostgreSQL: the application table is also vacuumed, which marks its
  // pages all-visible. Until then (autovacuum, a minute or more later) an
  // index-only scan of it still reads every row's page: the dashboard's
  // counts and the list's deep pages the day a year is proposed or decided.
  // 0.2 s at 22,000 applications; the count of a year's 22,000 read 14.5
  // ms before it and 4.5 ms after.
  std::string analyze = pg ? "ANALYZE " : "PRAGMA analysis_limit = 1000;";
  bool vacuum = false;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (pg && rows[i].Text(0) == "application") {
      vacuum = true;
      continue;
    }
    analyze += pg ? (analyze.size() > 8 ? ", " : "") + rows[i].Text(0) : " ANALYZE main." + rows[i].Text(0) + ";";
  }
  if (vacuum) BURSAR_RETURN_IF_ERROR(db_->ExecScript("VACUUM (ANALYZE) application"));
  return analyze == "ANALYZE " ? OkStatus() : db_->ExecScript(analyze);
}

std::vector<std::string> Store::ImportedTables(EvidenceKind kind) {
  // The kind's table, and what every import may write beside it: new
  // enterprises and changes waiting for a second account, the evidence
  // digests, the audit log and its seals.
  return {EvidenceTableName(kind), "enterprise", "master_change", "evidence_digest", "audit_log", "audit_row",
          "audit_application"};
}

Status Store::InstallCapture() {
  BURSAR_ASSIGN_OR_RETURN(SchemaStatus schema, Schema());
  sealing_ = schema.current >= kSealMigration;
  digesting_ = schema.current >= kEvidenceDigestMigration;
  provenance_ = schema.current >= kProvenanceMigration;
  new_enterprises_held_ = schema.current >= kNewEnterprisesMigration;
  review_opinions_ = schema.current >= kReviewOpinionMigration;
  audit_by_application_ = schema.current >= kAuditByApplicationMigration;
  measure_totals_ = schema.current >= kMeasureCommittedMigration;
  programmes_ = schema.current >= kProgrammesMigration;
  programme_budgets_ = schema.current >= kProgrammeBudgetsMigration;
  decision_lines_ = schema.current >= kDecisionLinesMigration;
  one_version_bump_ = db_->dialect() == Dialect::kPostgres && schema.current >= kOneVersionBumpMigration;
  attachments_ = schema.current >= kAttachmentMigration;
  if (!sealing_) return OkStatus();
  BURSAR_ASSIGN_OR_RETURN(std::string setup, CaptureSetupSql(*db_));
  return db_->SetSessionScript(setup);
}

namespace {

Result<bool> HasMigrationTable(Database& db) {
  const std::string sql = db.dialect() == Dialect::kPostgres
                              ? "SELECT 1 WHERE to_regclass('schema_migrations') IS NOT NULL"
                              : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
  BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne(sql));
  return row.has_value();
}

struct Applied {
  std::string name, checksum, applied_at;
};

Result<std::map<int, Applied>> ReadApplied(Database& db) {
  std::map<int, Applied> applied;
  BURSAR_ASSIGN_OR_RETURN(bool exists, HasMigrationTable(db));
  if (!exists) return applied;
  BURSAR_ASSIGN_OR_RETURN(
      auto rows, db.Query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"));
  for (const Row& r : rows) applied[static_cast<int>(r.Int(0))] = {r.Text(1), r.Text(2), r.Text(3)};
  return applied;
}

}  // namespace

Status Store::CheckSchema(bool allow_pending) {
  BURSAR_ASSIGN_OR_RETURN(auto applied, ReadApplied(*db_));
  const auto& known = Migrations();
  const int latest = known.back().version;
  for (const auto& [version, entry] : applied) {
    if (version > latest) {
      return Status(StatusCode::kFailedPrecondition, "the database " + db_->display_name() + " has schema version " +
                                                         std::to_string(version) + ", newer than this bursar knows (" +
                                                         std::to_string(latest) + "): upgrade bursar");
    }
    const Migration& m = known[static_cast<size_t>(version - 1)];
    if (entry.checksum != MigrationChecksum(m)) {
      return Status(StatusCode::kFailedPrecondition, "migration " + std::to_string(version) + " recorded in " +
                                                         db_->display_name() +
                                                         " differs from this bursar's (checksum " + entry.checksum +
                                                         "): the schema was changed by hand "
                                                         "or by another build");
    }
  }
  const int current = applied.empty() ? 0 : applied.rbegin()->first;
  if (static_cast<size_t>(current) != applied.size()) {
    return Status(StatusCode::kFailedPrecondition, "schema_migrations in " + db_->display_name() + " has gaps");
  }
  if (!allow_pending && current < latest) {
    if (current == 0) {
      return Status(
          StatusCode::kFailedPrecondition,
          db_->display_name() + " is not a bursar database: run `bursar db init --db " + db_->display_name() + "`");
    }
    return Status(StatusCode::kFailedPrecondition, "the database " + db_->display_name() + " is at schema version " +
                                                       std::to_string(current) + ", this bursar needs " +
                                                       std::to_string(latest) + ": run `bursar db migrate`");
  }
  return OkStatus();
}

Result<SchemaStatus> Store::Schema() {
  BURSAR_ASSIGN_OR_RETURN(auto applied, ReadApplied(*db_));
  SchemaStatus status;
  status.latest = Migrations().back().version;
  for (const Migration& m : Migrations()) {
    auto it = applied.find(m.version);
    if (it != applied.end()) status.current = m.version;
    status.migrations.push_back({m.version, m.name, it != applied.end() ? it->second.applied_at : ""});
  }
  return status;
}

Result<int> Store::Migrate(const std::string& actor, int target) {
  const auto& known = Migrations();
  if (target <= 0 || target > known.back().version) target = known.back().version;
  int done = 0;
  const bool sqlite = db_->dialect() == Dialect::kSqlite;
  // SQLite: a migration may copy a table into a new one (a CHECK constraint
  // cannot change in place) while other tables point at it. Foreign keys are
  // off for the copy (PRAGMA foreign_keys only takes effect outside a
  // transaction) and every one is checked before the migration commits.
  struct ForeignKeysBackOn {
    Database* db;
    ~ForeignKeysBackOn() {
      if (db) (void)db->ExecScript("PRAGMA foreign_keys=ON");
    }
  } back_on{sqlite ? db_.get() : nullptr};
  if (sqlite) BURSAR_RETURN_IF_ERROR(db_->ExecScript("PRAGMA foreign_keys=OFF"));
  for (const Migration& m : known) {
    if (m.version > target) break;
    BURSAR_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(db_.get()));
    if (db_->dialect() == Dialect::kPostgres) {
      // Two processes migrating at once: the second waits here, then sees the
      // migration applied and skips it.
      BURSAR_RETURN_IF_ERROR(db_->ExecScript("SELECT pg_advisory_xact_lock(7262411)"));
    }
    BURSAR_RETURN_IF_ERROR(db_->ExecScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "checksum TEXT NOT NULL, applied_at TEXT NOT NULL)"));
    BURSAR_ASSIGN_OR_RETURN(auto exists,
                            db_->QueryOne("SELECT 1 FROM schema_migrations WHERE version = ?", {int64_t{m.version}}));
    if (exists) continue;  // the transaction rolls back: nothing to do
    // After the seals exist, the rows this migration is about to change are
    // sealed again by its entry, unless they disagreed with the chain already.
    std::map<std::string, SealedRows> before;
    if (m.version > kSealMigration) {
      BURSAR_ASSIGN_OR_RETURN(before, SealedState(*db_));
    }
    BURSAR_RETURN_IF_ERROR(db_->ExecScript(MigrationSql(m, db_->dialect())));
    // The digests of the evidence stored before (the migration's entry seals them).
    if (m.version == kEvidenceDigestMigration) BURSAR_RETURN_IF_ERROR(RefreshAllEvidenceDigests(*db_));
    if (sqlite) {
      BURSAR_ASSIGN_OR_RETURN(auto broken, db_->QueryOne("PRAGMA foreign_key_check"));
      if (broken) {
        return Status(StatusCode::kInternal, "migration " + std::to_string(m.version) + " leaves a row of " +
                                                 broken->Text(0) + " pointing at a missing row of " + broken->Text(2));
      }
    }
    const std::string checksum = MigrationChecksum(m);
    const std::string at = Now();
    BURSAR_RETURN_IF_ERROR(db_->Execute("INSERT INTO schema_migrations (version, name, checksum, applied_at) "
                                        "VALUES (?, ?, ?, ?)",
                                        {int64_t{m.version}, m.name, checksum, at})
                               .status());
    BURSAR_ASSIGN_OR_RETURN(AuditHead head, LockAuditHead(*db_));
    nlohmann::json change = {{"op", "migrate"}, {"version", m.version}, {"name", m.name}, {"checksum", checksum}};
    if (m.version >= kSealMigration) {
      BURSAR_ASSIGN_OR_RETURN(std::vector<std::string> lines,
                              SealMigrated(*db_, head.seq + 1, m.version == kSealMigration, before));
      if (m.version == kSealMigration) change["baseline"] = true;
      if (!lines.empty()) change["sealed"] = SealSummary(std::move(lines));
    }
    BURSAR_RETURN_IF_ERROR(AppendAudit(*db_, head, actor, at, change).status());
    BURSAR_RETURN_IF_ERROR(tx->Commit());
    ++done;
  }
  // SQLite's capture triggers list each table's columns: take them again.
  if (done > 0) BURSAR_RETURN_IF_ERROR(InstallCapture());
  return done;
}

Result<std::map<std::string, Store::SealedRows>> Store::SealedState(Database& db) {
  std::map<std::string, SealedRows> out;
  for (const SealedTable& table : SealedTables()) {
    const bool pg = db.dialect() == Dialect::kPostgres;
    BURSAR_ASSIGN_OR_RETURN(auto exists, db.QueryOne(pg ? "SELECT 1 WHERE to_regclass(?) IS NOT NULL"
                                                        : "SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                                          "AND name = ?",
                                                     {std::string_view(table.name)}));
    if (!exists) continue;
    SealedRows& rows = out[table.name];
    BURSAR_ASSIGN_OR_RETURN(rows.images, CurrentImages(db, table));
    BURSAR_ASSIGN_OR_RETURN(auto chain, ChainImages(db, table));
    for (const auto& [key, image] : rows.images) {
      auto it = chain.find(key);
      if (it == chain.end() || it->second.image.empty() || !SameImage(it->second.image, image)) {
        rows.disagreeing.insert(key);
      }
    }
  }
  return out;
}

Result<std::vector<std::string>> Store::SealMigrated(Database& db, int64_t seq, bool baseline,
                                                     const std::map<std::string, SealedRows>& before) {
  std::vector<std::string> lines;
  for (const SealedTable& table : SealedTables()) {
    BURSAR_ASSIGN_OR_RETURN(auto now, CurrentImages(db, table));
    std::map<std::string, std::string> seal;
    if (baseline) {
      seal = std::move(now);
    } else {
      auto was = before.find(table.name);
      for (const auto& [key, image] : now) {
        if (was == before.end()) {
          seal[key] = image;  // a table this migration created
          continue;
        }
        if (was->second.disagreeing.count(key)) continue;  // stays named by audit verify
        auto old = was->second.images.find(key);
        if (old == was->second.images.end() || old->second != image) seal[key] = image;
      }
      if (was != before.end()) {
        for (const auto& [key, image] : was->second.images) {
          if (!now.count(key) && !was->second.disagreeing.count(key)) seal[key] = "";  // deleted by the migration
        }
      }
    }
    BURSAR_RETURN_IF_ERROR(InsertSeals(db, seq, table, seal, &lines));
  }
  return lines;
}

Result<AuditEntry> Store::AppendSealedAudit(const AuditHead& head, const std::string& actor, nlohmann::json change) {
  if (sealing_) {
    // The rows the change wrote, sealed under the entry about to be appended.
    BURSAR_ASSIGN_OR_RETURN(std::optional<nlohmann::json> sealed, SealCaptured(*db_, head.seq + 1));
    if (sealed) change["sealed"] = std::move(*sealed);
  }
  return AppendAudit(*db_, head, actor, Now(), change);
}

Result<std::optional<AuditEntry>> Store::Write(const std::string& actor, const ChangeFn& change) {
  const auto expected = std::exchange(expected_, std::nullopt);
  BURSAR_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(db_.get()));
  BURSAR_ASSIGN_OR_RETURN(AuditHead head, LockAuditHead(*db_, sealing_));
  if (sealing_) BURSAR_RETURN_IF_ERROR(ClearCaptured(*db_));
  if (expected) {
    // Writers are serialised from here on, so the version read now is the one
    // this change applies to, whichever process wrote the last one.
    BURSAR_ASSIGN_OR_RETURN(auto row, db_->QueryOne("SELECT version FROM application WHERE id = ?", {expected->first}));
    if (!row) return Status(StatusCode::kNotFound, "no application " + std::to_string(expected->first), "id");
    if (row->Int(0) != expected->second) {
      return Status(StatusCode::kConflict, "the application changed since you read it: it is at version " +
                                               std::to_string(row->Int(0)) + ", you sent " +
                                               std::to_string(expected->second) + "; read it again");
    }
  }
  BURSAR_ASSIGN_OR_RETURN(std::optional<nlohmann::json> recorded, change(*db_));
  if (!recorded) return std::optional<AuditEntry>();  // ~Transaction rolls back
  if (claim_marker_) {
    BURSAR_ASSIGN_OR_RETURN(
        int64_t marked,
        db_->Execute("UPDATE idempotency_key SET status = -1 WHERE owner = ? AND key = ? AND token = ? "
                     "AND status IN (0, -1)",
                     {claim_marker_->owner, claim_marker_->key, claim_marker_->token}));
    if (marked != 1) {
      return Status(StatusCode::kConflict,
                    "a retry with this Idempotency-Key took the request over; this one changed nothing");
    }
  }
  BURSAR_ASSIGN_OR_RETURN(AuditEntry entry, AppendSealedAudit(head, actor, std::move(*recorded)));
  BURSAR_RETURN_IF_ERROR(tx->Commit());
  return std::optional<AuditEntry>(std::move(entry));
}

}  // namespace bursar::store
