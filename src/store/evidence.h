// Evidence: enterprises and the records that prove their facts, and the
// import of CSV and JSON Lines files into the store.
//
// Every kind has a natural key (docs/store-schema.md). Importing a row whose
// key is already stored with the same values changes nothing; with different
// values the row is rejected (evidence is not silently rewritten), except for
// enterprises, whose profile is updated. So re-importing a file changes
// nothing and appends no audit entry, and one trade is counted once.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace bursar::store {

enum class EvidenceKind {
  kEnterprises,
  kListings,
  kCertificates,
  kFsInclusions,
  kTrades,
  kFilings,
  kExports,
  kProjects,
  kPlatforms,
  // What a programme run beside the store's own reads as a case's applicant
  // fields and facts (issue 16, migration 28): one value by enterprise,
  // policy, year and name ("facts.rent_paid"), read as that policy declares
  // it (ImportOptions::figure).
  kFigures,
};

// "enterprises", "listings", "certificates", "fs_inclusions", "trades",
// "filings", "exports", "projects", "platforms", "figures".
const char* EvidenceKindName(EvidenceKind kind);
// The table the rows of `kind` are stored in ("trade" for "trades", ...).
const char* EvidenceTableName(EvidenceKind kind);
std::optional<EvidenceKind> ParseEvidenceKind(std::string_view name);
const std::vector<EvidenceKind>& AllEvidenceKinds();
// The field names a file of this kind has, in order; the first ones form the
// natural key. For `bursar import --help` and the schema document.
std::vector<std::string> EvidenceFieldNames(EvidenceKind kind);
// The Chinese header of a field ("交易方向" for trades' side), which an import
// file may use instead of the English name; "" when it has none.
std::string EvidenceFieldZh(EvidenceKind kind, std::string_view field);
// A flag or side as a Chinese file writes it: true → 是, false → 否,
// seller → 卖方, buyer → 买方; any other value unchanged. Imports accept both.
std::string EvidenceValueZh(std::string_view value);

using RejectedParams = std::vector<std::pair<std::string, std::string>>;

struct RejectedRow {
  int64_t line = 0;   // 1-based line in the file where the row starts
  std::string field;  // the offending field, empty for the whole row
  std::string reason;
  // The rule it broke and its figures, as the API names a field's refusal
  // (docs/http-api.md, "Errors"): a page words them in its reader's language.
  std::string code;
  RejectedParams params;
};

struct ImportReport {
  std::string kind;
  std::string file;
  std::string file_sha256;
  int64_t rows = 0;       // data rows read (header and blank lines excluded)
  int64_t inserted = 0;   // new rows stored
  int64_t updated = 0;    // enterprises whose profile changed; declared rows an official import replaced
  int64_t unchanged = 0;  // rows already stored with the same values
  int64_t held = 0;       // enterprise changes waiting for a second account (ImportOptions::hold_enterprise_changes)
  std::vector<RejectedRow> rejected;
  bool committed = false;  // false when nothing changed, or --strict refused
  int64_t audit_seq = 0;   // the audit entry of this import, 0 if none
};

// The value of the figure `name` of `policy` for the enterprise and year,
// as the case's JSON text, read as the policy declares it
// (Engine::FigureValue, given `declared`: a field an authority gives is
// refused, PermissionDenied, from a declaration). NotFound for a policy it
// does not know.
using FigureReader = std::function<Result<std::string>(std::string_view policy, int64_t year,
                                                       std::string_view credit_code, std::string_view name,
                                                       std::string_view value, bool declared)>;

struct ImportOptions {
  std::string actor = "import";
  // Commit nothing when any row is rejected.
  bool strict = false;
  // When set, rows of any other enterprise are rejected (field credit_code):
  // an applicant uploads its own enterprise's evidence only.
  std::string only_credit_code;
  // The rows are the applicant's declaration, not an official source (D-G10):
  // stored as declared, counted in a decision only once an officer verifies
  // them. A declaration never changes an official row, never states an
  // authority's flag (a trade's legally_established, an export clearance),
  // and an official import of the same key replaces it.
  bool declared = false;
  // A row that would change a stored enterprise (name, flags, tags) is not
  // applied but held as a master-data change (Store::MasterChanges) until
  // another account approves it (issue 14: master data by two accounts).
  // The API's uploads set it; `bursar import`, the database operator's
  // tool, applies changes at once (audited).
  bool hold_enterprise_changes = false;
  // Called inside the transaction every `progress_every` rows with the number
  // of rows read so far; for progress reports (and for tests that need to
  // know the import is half way through).
  std::function<void(int64_t rows_read)> progress;
  int64_t progress_every = 10000;
  // Figures (kind "figures"): each row read by its policy; a refusal
  // rejects the row with its field, message, reason and figures. Without
  // it, or for a policy it does not know (NotFound), figures are refused.
  FigureReader figure;
};

// A change of an enterprise's master data that an upload asked for and a
// second account decides (ImportOptions::hold_enterprise_changes): the
// values it would store, and which of them differ from the stored ones then.
struct MasterChange {
  int64_t id = 0;
  std::string credit_code, name;
  bool registered_in_chaoyang = false, taxed_in_chaoyang = false, independent_legal_person = false,
       serious_dishonesty_record = false;
  std::string tags;    // as stored: a JSON array, sorted
  std::string fields;  // the fields it changes, comma-separated ("serious_dishonesty_record,tags")
  std::string requested_by, requested_at;
  std::string state;  // "pending", "approved", "rejected"
  std::string decided_by, decided_at, reason;
  std::string kind = "change";  // "change" of a stored enterprise, or a "new" one (migration 21)
};

// "a,b,c" → {"a", "b", "c"}; "" → {}.
std::vector<std::string> SplitCommas(const std::string& text);

// Validates a date "YYYY-MM-DD" (a real calendar day, years 1900-2999).
bool IsValidDate(std::string_view text);

}  // namespace bursar::store
