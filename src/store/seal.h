// Row seals: the audit chain's record of what each row of the programme's
// state tables holds, so that `bursar audit verify` can name every row that a
// database administrator changed, deleted or inserted outside bursar
// (docs/store-schema.md, "Row seals").
//
// How a row is sealed. Every write transaction (Store::Write) captures the
// rows it changes in the sealed tables below: capture triggers copy each
// changed row's *image* — its columns as a JSON object, bookkeeping columns
// left out, secrets and large documents replaced by their SHA-256 — into a
// capture table private to bursar's own connection (a TEMP table: another
// session, such as a DBA's psql or sqlite3 shell, never writes into it). At
// the end of the write, the last image of each changed row goes to
// `audit_row(seq, tbl, row_key, image)` (image NULL: the row was deleted),
// and the write's audit entry records how many and their digest:
//
//   "sealed": {"rows": N, "sha256": hex(SHA-256("bursar-seal-v1\n" || lines))}
//
// where `lines` are "tbl \x1f row_key \x1f image-or-'-' \n" sorted bytewise by
// (tbl, row_key). The chain covers the entry, the entry covers its images.
//
// Capture on each engine:
//  - SQLite: TEMP triggers on the sealed tables, created on bursar's
//    connection when the store opens (CaptureSetupSql), listing the table's
//    columns as they are then; images built with json_object() and the
//    connection's own bursar_sha256() function.
//  - PostgreSQL: triggers created by the migration, calling one function
//    that builds the image with to_jsonb(); they capture only inside a
//    bursar write (transaction setting bursar.capture = on) and only into
//    the session's TEMP table pg_temp.bursar_capture.
//
// Reconciliation (VerifyAudit → ReconcileSeals) compares, for every sealed
// table, the latest image the chain holds for each key with the image of the
// row now in the table, computed by the same expression, and names each row
// that disagrees, field by field. The first seal of rows that predate
// sealing is the baseline taken by the migration that introduced it.
//
// Adding a table to the seals: add it to SealedTables() and, in the same
// migration that creates it, its PostgreSQL trigger
//   CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON t
//     FOR EACH ROW EXECUTE FUNCTION bursar_capture('key1,key2', 'skip,...', 'digest,...');
// with the same lists. A migration that changes a sealed table (a new column,
// rows updated) needs nothing more: Store::Migrate re-seals the rows it
// changed that agreed with the chain before it.
//
// Thread-safety: functions take the connection they use; no state.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace bursar::store {

// The migration that introduced row seals; rows stored before it are sealed
// by its entry (the baseline).
inline constexpr int kSealMigration = 15;

struct SealedTable {
  const char* name;
  std::vector<const char*> key;     // the columns that name a row, in order
  std::vector<const char*> skip;    // bookkeeping columns left out of the image
  std::vector<const char*> digest;  // columns kept as their SHA-256 (secrets, documents)
};

// Every sealed table.
const std::vector<SealedTable>& SealedTables();

// The script bursar's connection runs once (SQLite: the TEMP capture table
// and triggers for the tables as they now are; PostgreSQL: the TEMP capture
// table, re-created after a reconnect). REQUIRES: the schema includes
// kSealMigration.
Result<std::string> CaptureSetupSql(Database& db);

// Inside a write transaction, after its change: moves the images captured by
// it into audit_row under `seq` (the entry about to be appended) and returns
// the entry's "sealed" summary, or nullopt when the change touched no sealed
// row. SQLite: REQUIRES ClearCaptured() at the start of the transaction.
Result<std::optional<nlohmann::json>> SealCaptured(Database& db, int64_t seq);
// PostgreSQL: SealCaptured as one statement (parameter: the entry's seq),
// for a caller that sends it in a pipeline after the change's own
// statements, and the entry's "sealed" summary from that statement's rows.
const std::string& PgSealCapturedSql();
std::optional<nlohmann::json> SealSummaryOfRows(const std::vector<Row>& rows);
// SQLite only (PostgreSQL captures only inside a write, and SealCaptured
// takes its images out): drops images captured outside a write (a session's
// last_seen_at).
Status ClearCaptured(Database& db);

// The current image of every row of `table`, by key.
Result<std::map<std::string, std::string>> CurrentImages(Database& db, const SealedTable& table);
// The latest image the chain holds for every key of `table` ("" for a row
// the chain records as deleted) and the entry that sealed it.
struct ChainImage {
  std::string image;  // "" when the chain records the row as deleted
  int64_t seq = 0;
};
Result<std::map<std::string, ChainImage>> ChainImages(Database& db, const SealedTable& table);

// Seals `images` (key → image, "" for deleted) of `table` under `seq`, adding
// their lines to `lines` (for SealSummary). Used by migrations.
Status InsertSeals(Database& db, int64_t seq, const SealedTable& table,
                   const std::map<std::string, std::string>& images, std::vector<std::string>* lines);
// The "sealed" summary of sealed lines (sorts them).
nlohmann::json SealSummary(std::vector<std::string> lines);
// One sealed line, as the summary's digest reads it.
std::string SealLine(const std::string& table, const std::string& key, const std::optional<std::string>& image);

// Two images are the same row state: equal as JSON objects.
bool SameImage(const std::string& a, const std::string& b);

// A row of a sealed table that disagrees with the chain.
struct RowDisagreement {
  std::string table;
  std::string key;      // "12/1"
  std::string key_text; // "application_id=12, instalment=1"
  // What disagrees: "altered" (a field differs), "inserted" (no seal: the row
  // was never written by bursar), "deleted" (the chain holds the row, the
  // table does not), "restored" (the chain records the row as deleted).
  std::string kind;
  std::string field;      // the field, for "altered"
  std::string chain;      // what the chain says (JSON text of the value, or of the row)
  std::string row;        // what the table says
  int64_t sealed_seq = 0; // the entry whose seal says so, 0 for "inserted"
  std::string message;    // one line for a person
};

struct Reconciliation {
  std::vector<RowDisagreement> rows;  // at most `limit`
  int64_t disagreeing = 0;            // all of them
  int64_t rows_checked = 0;
  int64_t baseline_seq = 0;            // the entry of the baseline seal; 0 when the store has none
  // A problem with the seals themselves (audit_row edited): the first
  // entry whose sealed images do not match its summary; 0 when none.
  int64_t bad_seal_seq = 0;
  std::string seal_problem;
};

// The rows that disagree as `audit verify --json` and GET /api/audit/verification
// show them: table, key, kind and, when known, field, chain, row and sealed_seq.
nlohmann::ordered_json DisagreementsJson(const std::vector<RowDisagreement>& rows);

// Compares every sealed table with the chain's images, and every entry's
// summary with its images. A store before kSealMigration has nothing to
// reconcile (baseline_seq 0).
Result<Reconciliation> ReconcileSeals(Database& db, size_t limit = 1000);

}  // namespace bursar::store
