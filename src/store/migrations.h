// The schema, as an ordered list of forward-only migrations held in the code.
//
// A migration is never edited once released: its checksum (SHA-256 of its
// name and SQL) is recorded in schema_migrations when applied, and opening a
// database whose recorded checksums differ from this binary's is an error.
// Changes to the schema are new migrations appended to the list.
//
// The SQL is written once for both engines; a few tokens stand for the
// places where they differ ({{ID}}, {{DATE}}, {{WITHOUT_ROWID}}), and each
// migration may add statements for one engine only (triggers).
#pragma once

#include <string>
#include <vector>

#include "store/database.h"

namespace bursar::store {

// The migration that gave evidence its provenance (source, supplied_by,
// verified_by, verified_on: D-G10).
inline constexpr int kProvenanceMigration = 17;
// The migration after which an upload's new enterprise waits in master_change.
inline constexpr int kNewEnterprisesMigration = 21;
// The migration that gave reviews their written opinion (review.opinion).
inline constexpr int kReviewOpinionMigration = 23;
inline constexpr int kAuditByApplicationMigration = 25;
inline constexpr int kMeasureCommittedMigration = 26;
// The migration that named each application's policy and filled the running
// totals again with the programme's own applications (issue 16).
inline constexpr int kProgrammesMigration = 28;
// The migration that gave each programme beside the own its budget and
// running totals (programme_budget, programme_committed).
inline constexpr int kProgrammeBudgetsMigration = 29;
// The migration that kept each decision's own award lines in its row
// (decision.lines_fen), so that D-G6's scaling reads no decision's output.
inline constexpr int kDecisionLinesMigration = 30;
// PostgreSQL: a decision that moves its application's state bumps the version once.
inline constexpr int kOneVersionBumpMigration = 31;
// The migration that made the attachment table (store/attachments.h).
inline constexpr int kAttachmentMigration = 24;

struct Migration {
  int version;               // 1, 2, 3, ... without gaps
  const char* name;          // what it adds, for `bursar db status`
  const char* sql;           // common SQL with tokens
  const char* sqlite_sql;    // SQLite-only statements, may be ""
  const char* postgres_sql;  // PostgreSQL-only statements, may be ""
};

const std::vector<Migration>& Migrations();

// The migration's SQL for `dialect`, tokens replaced.
std::string MigrationSql(const Migration& migration, Dialect dialect);

// "sha256hex" of the migration's name and SQL as written (before tokens).
std::string MigrationChecksum(const Migration& migration);

}  // namespace bursar::store
