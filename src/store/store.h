// Store: bursar's record of a programme — enterprises, evidence, applications,
// decisions, payments, budgets and the audit log — on SQLite or PostgreSQL.
//
// What goes in: evidence files, application steps, engine decisions (as data:
// case JSON, output JSON, policy digest). What comes out: CASES.md facts and
// history for (enterprise, year), budget figures, and a verifiable audit log.
//
// Contract:
//  - Open() checks the schema: a database newer than this binary, or one whose
//    applied migrations differ from the binary's, is refused; one with pending
//    migrations is refused unless OpenOptions::allow_pending (db migrate).
//  - Every change runs in ONE transaction together with its audit entry
//    (Write()); on any error nothing of it is stored.
//  - Money is integer fen (BIGINT); no floating point anywhere.
//
// Thread-safety: a Store owns one connection; use it from one thread at a
// time. Several processes may share a database: writers are serialised by the
// database (SQLite's write lock, PostgreSQL's lock on the audit head).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/accounts.h"
#include "store/applications.h"
#include "store/attachments.h"
#include "store/audit.h"
#include "store/database.h"
#include "store/documents.h"
#include "store/evidence.h"
#include "store/ledger.h"
#include "store/queries.h"

namespace bursar::store {

// The current UTC time as "2025-06-01T08:00:00.123Z".
std::string UtcNow();
// The calendar day in Beijing (Asia/Shanghai: UTC+8 all year, no daylight
// saving) of a store time: "2025-06-01T16:00:00.000Z" is "2025-06-02". ""
// for text that is not a store time.
std::string BeijingDate(std::string_view utc_time);

// The clock of a process that opens the store (`bursar serve`, every CLI
// command): the system's, unless the test-only override is set.
//   BURSAR_TEST_CLOCK=2025-06-01T08:00:00Z   the time when the process starts (a date:
//                                            noon in Beijing), running on from there
//   BURSAR_TEST_CLOCK=file:/tmp/clock        the time in that file when it was last
//                                            written, running on from there; read at
//                                            every reading, so a test moves it on
// The override is honoured only with BURSAR_TEST_MODE=1 beside it; without
// that it is refused (InvalidArgument), so a production server never runs
// on a clock someone set: every procedural date is the server's (D-G9).
// `overridden` says whether the override is in use.
Result<std::function<std::string()>> ProcessClock(bool* overridden = nullptr);
// The calendar date `days` after `date` ("YYYY-MM-DD"); "" for a bad date.
std::string AddDays(const std::string& date, int64_t days);

// What the list reads keep between requests, each by its query and the
// audit head it was read at (queries.cc): the counts of the application list
// and of the filtered audit log (CountAtHead), and every kListAnchorEvery-th
// id of a filtered application list in id order (AnchorAtHead). Shared by
// the connections of one server, so that each is read once, not once a
// connection. Thread-safe.
struct ListCache {
  std::mutex mu;
  std::map<std::string, std::pair<int64_t, int64_t>> counts;                // key → (head, count)
  std::map<std::string, std::pair<int64_t, std::vector<int64_t>>> anchors;  // key → (head, ids)
};

struct OpenOptions {
  // SQLite: create the file when it does not exist (`bursar db init`).
  bool create = false;
  // Accept a database with pending migrations (`bursar db migrate|status`).
  bool allow_pending = false;
  // The clock for audit entries, timestamps and procedural dates; when empty,
  // ProcessClock() (the system's, or the test-only override). Tests fix it.
  std::function<std::string()> clock;
  // Test-only fault points (store/fault_database.h); "" for none.
  std::string faults;
  // The server secret's key (store/secret.h): session ids and API tokens are
  // kept as HMAC-SHA256 under it, so that a row inserted by hand is no
  // session or token. Empty: the store opens no session, issues no token and
  // finds none (FailedPrecondition); the rest of the store needs no key.
  std::string credential_key;
  // How many files, and how large, an application may hold (attachments.h).
  AttachmentLimits attachment_limits;
  // The list reads' cache, shared with other stores of the same database
  // (the server's connections); none: the store keeps its own.
  std::shared_ptr<ListCache> list_cache;
};

// The Idempotency-Key claim of the HTTP request that is writing (see
// Store::SetClaimMarker and server/idempotency.cc).
struct ClaimMarker {
  std::string owner, key, token;
};

struct SchemaStatus {
  int current = 0;  // highest applied migration, 0 for an empty database
  int latest = 0;   // highest migration this binary knows
  struct Entry {
    int version;
    std::string name;
    std::string applied_at;  // "" when pending
  };
  std::vector<Entry> migrations;
};

// The facts of CASES.md derived from stored evidence, with how.
struct DerivedFacts {
  nlohmann::ordered_json facts;        // exactly the CASES.md `facts` object: what a decision uses
  nlohmann::ordered_json explanation;  // per fact: the rule and the rows that contributed
  // D-G10: the same facts were every declared row awaiting verification
  // counted (what the applicant has declared), and how many such rows there
  // are. Equal to `facts` when declared_pending is 0.
  nlohmann::ordered_json facts_with_declared;
  int64_t declared_pending = 0;
};

// Which of the rows behind each figure the explanation lists: rows
// [offset, offset + limit) of each list (`rows`, `excluded`), in the lists'
// order; `rows_total` and `excluded_total` count them all. The figures always
// come from every row. limit -1: every row (the CLI); HTTP pages them.
struct FactsRows {
  int64_t offset = 0;
  int64_t limit = -1;
};

// A deep page of the application list in id order starts from the kept
// id at the multiple of this below its offset (queries.cc, AnchorAtHead).
inline constexpr int64_t kListAnchorEvery = 1000;

class Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const std::string& url, const OpenOptions& options = {});
  ~Store();

  Database& db() { return *db_; }
  std::string Now() const;
  // Today in Beijing by the store's clock: the date of every procedural step
  // (D-G9: a notice's days, finalisation, decisions and payments). Never a
  // date a caller gives.
  std::string Today() const { return BeijingDate(Now()); }

  // --- Schema -----------------------------------------------------------------
  Result<SchemaStatus> Schema();
  // Applies pending migrations up to `target` (default: all), each in its own
  // transaction with an audit entry. Returns how many were applied.
  Result<int> Migrate(const std::string& actor, int target = 0);

  // --- Writes -----------------------------------------------------------------
  // The change to record, or nullopt when nothing changed (the transaction is
  // then rolled back and no audit entry is written).
  using ChangeFn = std::function<Result<std::optional<nlohmann::json>>(Database&)>;
  // Runs `change` in one write transaction and appends its audit entry in the
  // same transaction. Returns the entry, or nullopt when nothing changed.
  Result<std::optional<AuditEntry>> Write(const std::string& actor, const ChangeFn& change);
  // Optimistic concurrency that holds across processes sharing the database:
  // the next Write() refuses with Conflict, changing nothing, unless
  // application `id` is still at `version` inside its transaction, after the
  // writers' lock is taken (a compare-and-set on application.version). The
  // expectation is consumed by that Write; ClearExpectedVersion drops an
  // unused one.
  void ExpectVersion(int64_t application_id, int64_t version) { expected_ = {{application_id, version}}; }
  void ClearExpectedVersion() { expected_.reset(); }
  // While set, every Write also marks this Idempotency-Key claim applied
  // (status -1) in its own transaction, so a change that committed is never
  // run again by a retry, even when the answer to the commit was lost. A
  // Write whose claim is no longer this request's (a retry took it over)
  // refuses with Conflict and changes nothing. Not owned; null clears.
  void SetClaimMarker(const ClaimMarker* marker) { claim_marker_ = marker; }

  Result<AuditVerdict> VerifyAudit() { return store::VerifyAudit(*db_); }

  // --- Evidence (evidence.cc) -------------------------------------------------
  // Imports a .csv or .jsonl/.ndjson file. A file that cannot be read, or
  // whose CSV header names unknown or lacks required fields, is an error
  // status and nothing is stored; bad rows are reported in the result.
  Result<ImportReport> Import(EvidenceKind kind, const std::string& path, const ImportOptions& options);

  // --- Facts (facts.cc) -------------------------------------------------------
  // REQUIRES: the enterprise exists (NotFound otherwise).
  Result<DerivedFacts> DeriveFacts(const std::string& credit_code, int64_t year, const FactsRows& rows = {});
  // D-G10: how many rows the enterprise declared that no officer has verified
  // yet, every year and kind.
  Result<int64_t> DeclaredPending(const std::string& credit_code);
  // D-G6 scaling per year, kept by a caller that builds many cases in one go
  // (propose, the server's batch routes, a page of estimates, audit limits).
  // Valid while no decision, recovery or budget of those years changes.
  using ScalingMemo = std::map<int64_t, std::optional<YearScaling>>;
  // CASES.md `history` for a case of `year` (ledger.cc): the enterprise's
  // ledger (ledger.h: every award in force, at its net amount, D-G8) of the
  // years before `year` and, D-G7, of `year` itself, except the lines of
  // application `deciding` (a decision that is replaced first gives back its
  // own room; 0: none).
  Result<nlohmann::ordered_json> History(const std::string& credit_code, int64_t year, ScalingMemo* memo = nullptr,
                                         int64_t deciding = 0);
  // A whole CASES.md case: year, applicant (from the enterprise record),
  // facts, the given claims and history (as History, for application
  // `deciding`). with_declared: the facts count declared rows not yet
  // verified (D-G10; for an estimate beside the one that counts).
  // `policy`: the programme ("" the store's own). Another programme's case
  // is built from the figures stored for it (EvidenceKind::kFigures): its applicant
  // fields and facts of the year, its `earlier` facts of the years before,
  // and its history from its own awards.
  Result<nlohmann::ordered_json> BuildCase(const std::string& credit_code, int64_t year, const nlohmann::json& claims,
                                           ScalingMemo* memo = nullptr, int64_t deciding = 0,
                                           bool with_declared = false, const std::string& policy = "");
  // The cases of `year` without claims of every enterprise in `codes` (any
  // order, repeats once), each as BuildCase gives it, handed to `each` in
  // credit-code order. Built `chunk` enterprises at a time from a few
  // queries for the whole chunk (records, facts, ledgers) instead of a dozen
  // per enterprise: `bursar propose` and the server's batch routes. NotFound
  // for a code that is not a stored enterprise. `deciding` as BuildCase's;
  // kWholeYear leaves every award of `year` out of the histories.
  Status BuildCases(int64_t year, const std::vector<std::string>& codes,
                    const std::function<Status(const std::string&, nlohmann::ordered_json&&)>& each,
                    ScalingMemo* memo = nullptr, size_t chunk = 1000, const std::string& policy = "",
                    int64_t deciding = 0);
  // `deciding` of a case that judges its year again as a whole, all of the
  // year's claims in it (a simulation of the year): the year's own awards are
  // what it recomputes, so its history holds the earlier years' only.
  static constexpr int64_t kWholeYear = -1;

  // --- The ledger (ledger.cc, ledger.h) ----------------------------------------
  // The enterprise's ledger of the years up to `through_year`, in D-G7's order.
  // `policy`: the programme whose awards it holds ("" the store's own).
  Result<std::vector<LedgerLine>> Ledger(const std::string& credit_code, int64_t through_year,
                                         ScalingMemo* memo = nullptr, const std::string& policy = "");
  // Every enterprise with an award in force in `year`, in credit-code order,
  // each with its record and its ledger of the years up to `year` (what the
  // limits of the year count over: support periods reach back). One pass over
  // the year's decisions, not a query per enterprise (`bursar audit limits`).
  // The awards of programme `policy` ("" the store's own) only.
  Status LedgersOfYear(int64_t year, const std::function<Status(const EnterpriseLedger&)>& each,
                       const std::string& policy = "");

  // --- Applications (applications.cc) -----------------------------------------
  // `claim` is a CASES.md claim object with at least "measure". `policy`:
  // the programme, "" for the store's own (Application::policy).
  Result<int64_t> CreateApplication(const std::string& actor, const std::string& credit_code, int64_t year,
                                    const nlohmann::json& claim, const std::string& policy = "");
  // Apply-free measures (04, 05: decided from evidence alone): the programme
  // proposes an application to each enterprise the engine found qualifying;
  // the enterprise confirms it by submitting it (draft → submitted). Existing
  // applications for the same measure and year are left alone. One
  // transaction and one audit entry for the whole batch; returns the new ids.
  // `policy`: the programme ("" the store's own; Application::policy).
  Result<std::vector<int64_t>> ProposeApplyFree(const std::string& actor, int64_t year, const std::string& measure,
                                                const std::vector<std::string>& credit_codes,
                                                const std::string& policy = "");
  Result<Application> GetApplication(int64_t id);
  // The enterprise changes its draft's claim before submitting it (the
  // measure stays; item and project may change). REQUIRES state draft, and
  // not an apply-free proposal (confirmed as proposed). Audited with the
  // claim before and after.
  Status EditDraft(const std::string& actor, int64_t id, const nlohmann::json& claim);
  // The enterprise withdraws its draft: the row is deleted (nothing hangs from
  // a draft) and the audit entry keeps its claim. REQUIRES state draft, and
  // not an apply-free proposal.
  Status WithdrawDraft(const std::string& actor, int64_t id);
  Status Submit(const std::string& actor, int64_t id);
  // Assigns the reviewers (at least one) and opens the review. On an
  // application in review already it adds reviewers (issue 14, A7: after the
  // only reviewer declared a conflict the application was stuck); a reviewer
  // already named, excluded ones included, is FailedPrecondition.
  Status StartReview(const std::string& actor, int64_t id, const std::vector<std::string>& reviewers);
  // The reviewer is excluded from this application's review.
  Status DeclareConflict(const std::string& reviewer, int64_t id, const std::string& reason);
  // `scores`: object of rubric item → integer 0..100; `proposed`: money
  // string; `opinion`: the reviewer's written opinion (评审意见), required,
  // at most kMaxOpinionChars characters. The audit entry holds all three.
  Status SubmitReview(const std::string& reviewer, int64_t id, const nlohmann::json& scores,
                      const std::string& proposed, const std::string& opinion);
  Result<std::vector<Review>> Reviews(int64_t id);

  // --- Attachments (attachments.cc, attachments.h) ---------------------------
  // Adds a file to a draft (not an apply-free proposal): its name checked, its
  // kind from its content, within the limits of one file and of the
  // application; audited with the file's SHA-256. FailedPrecondition past a
  // draft or a limit of the application, InvalidArgument (field "filename" or
  // "content") for the file itself.
  Result<Attachment> AddAttachment(const std::string& actor, int64_t application_id, std::string_view filename,
                                   std::string_view bytes);
  // Removes a file from a draft; audited with what it was.
  Status RemoveAttachment(const std::string& actor, int64_t application_id, int64_t attachment_id);
  // The files of an application, in the order they were added.
  Result<std::vector<Attachment>> Attachments(int64_t application_id);
  // One file and its bytes, the SHA-256 recomputed: Internal when the stored
  // content no longer matches it (changed outside bursar). NotFound when the
  // application has no such file.
  Result<std::pair<Attachment, std::string>> AttachmentContent(int64_t application_id, int64_t attachment_id);
  // The reviewer accounts an officer may assign (enabled, role reviewer), by
  // username, each with the reviews it has still to submit (assigned, on an
  // application in review).
  Result<std::vector<std::pair<std::string, int64_t>>> AssignableReviewers();
  // What would refuse deciding (Decide, DecideFromStore) or finalising
  // (Finalise) application `id` now, by the store's calendar (D-G9); nullopt
  // when nothing does or the application is in another state (issue 15: the
  // office's page shows the step disabled, with this reason).
  Result<std::optional<StepBlocker>> DecideBlocker(int64_t id);
  Result<std::optional<StepBlocker>> FinaliseBlocker(int64_t id);
  // The same for an application already read (its page reads it once).
  Result<std::optional<StepBlocker>> DecideBlocker(const Application& app);
  Result<std::optional<StepBlocker>> FinaliseBlocker(const Application& app);
  // Records the engine's decision. REQUIRES state in_review and every
  // non-excluded reviewer's review submitted; the case must be this
  // application's enterprise and year.
  Result<int64_t> Decide(const std::string& actor, int64_t id, const DecisionInput& decision);
  // Decides application `id` in one transaction: builds its case from the
  // store (facts from evidence, history, and its claim with the assessed
  // amount the review proposed: see ClaimsForDecision), hands the case text
  // to `decide` (the engine, which this layer does not link) and records the
  // answer as Decide does. `decide` is given the application's policy ("",
  // or another programme's id: Application::policy) to choose the engine.
  // `inside` runs in the transaction after the decision is written, before
  // the commit (progress reports; tests).
  using DecideFn = std::function<Result<DecisionInput>(const std::string& policy, const std::string& case_text)>;
  Result<int64_t> DecideFromStore(const std::string& actor, int64_t id, const DecideFn& decide,
                                  const std::function<void()>& inside = {});
  // The decision run (`bursar decide`): decides `ids` in order, each as
  // DecideFromStore does, options.per_transaction of them to a transaction
  // (each decision with its own audit entry), so that a run of a district's
  // year does not wait for a commit per decision. A transaction holds whole
  // decisions only: a run that is killed keeps the groups it committed and
  // nothing of the one it was in; running it again decides the rest. When a
  // decision of a group fails (the engine refuses its case, its application
  // moved on), the group is rolled back and decided again one decision to a
  // transaction, so every other decision of it is still made and the failure
  // is reported on its own. `done` is called for each application, in order,
  // after its decision is committed or has failed. An error status only when
  // the database fails outside a decision (then the run stops).
  struct RunDecision {
    int64_t application_id = 0;
    int64_t decision_id = 0;  // 0 when it failed
    int64_t total_fen = 0;
    Status status;  // why it failed
  };
  struct DecideRunOptions {
    size_t per_transaction = 200;
    // Tests: called inside the transaction after each decision is written,
    // with the count written so far in the run.
    std::function<void(size_t)> inside;
  };
  Status DecideRun(const std::string& actor, const std::vector<int64_t>& ids, const DecideFn& decide,
                   const DecideRunOptions& options, const std::function<void(const RunDecision&)>& done);
  // Every application of `year` that is ready for a decision: in_review with
  // no review outstanding (and at least one submitted unless it has no
  // reviewers), in the order they were submitted, then by id (D-G7: an
  // enterprise's applications take the room of its limits in that order). One transaction per decision (DecideFromStore):
  // a run stopped half way keeps the decisions made and is resumed by
  // running it again.
  Result<std::vector<int64_t>> ReadyForDecision(int64_t year);
  // The claims a decision of the application puts in its case: none for an
  // apply-free proposal (04 and 05 are decided from facts); otherwise its
  // claim, whose `assessed` becomes the mean of the submitted reviews'
  // proposed amounts (rounded down to the fen) when there are any.
  Result<nlohmann::json> ClaimsForDecision(Database& db, const Application& app);
  Result<std::optional<Decision>> DecisionInForce(int64_t id);
  Result<Decision> GetDecision(int64_t decision_id);
  // Opens the public notice (D-G9): published today (Today()), it runs
  // `notice_days` (the policy's notice_days) full calendar days from
  // tomorrow, through today + notice_days. No caller names its dates.
  Status PublishNotice(const std::string& actor, int64_t id, int64_t notice_days);
  // An objection to a notice. Its reason has at most kMaxObjectionLength
  // characters (code points), and one account has at most
  // kMaxOpenObjectionsPerAccount open objections to one application (issue
  // 14, A2: a 1 MB objection, and objections without end, held up
  // finalisation). Who may object is the route's rule (programme_routes.cc).
  static constexpr size_t kMaxObjectionLength = 2000;
  static constexpr int64_t kMaxOpenObjectionsPerAccount = 3;
  Result<int64_t> FileObjection(const std::string& actor, int64_t id, const std::string& reason);
  // Upheld: the decision is withdrawn and the application returns to review.
  Status ResolveObjection(const std::string& actor, int64_t objection_id, bool upheld, const std::string& resolution);
  // REQUIRES state notice, Today() after notice_until, no open objection.
  // The application is final from Today() (D-G9).
  Status Finalise(const std::string& actor, int64_t id);
  // Records a payment of a final application. At or above nothing more than
  // the office's threshold (setting duty.payment_second_approval_above) it is
  // the next instalment at once, dated Today() (D-G9: on or after the day the
  // application became final); above it, an order that ApprovePayment pays.
  // The application is paid when the instalments reach the total; pending
  // orders count against what is left to pay. PermissionDenied when `actor`
  // decided the application. The reference (voucher number) is unique in the
  // programme year.
  Result<PaymentStep> RecordPayment(const std::string& actor, int64_t id, const std::string& amount,
                                    const std::string& reference);
  // A second finance account pays a pending order (PermissionDenied for the
  // account that recorded it or decided the application) or rejects it.
  Result<PaymentStep> ApprovePayment(const std::string& actor, int64_t order_id);
  Status RejectPayment(const std::string& actor, int64_t order_id, const std::string& reason);
  Result<PaymentOrder> GetPaymentOrder(int64_t order_id);  // NotFound
  // Orders in `state` ("" for every state), of application `id` (0 for all), oldest first.
  Result<std::vector<PaymentOrder>> PaymentOrders(const std::string& state, int64_t id);
  Result<std::vector<Payment>> Payments(int64_t id);
  // Clawback of money paid. REQUIRES state paid; amount at most what was paid.
  Status Recover(const std::string& actor, int64_t id, const std::string& amount, const std::string& reason);
  // The application's recoveries, oldest first.
  Result<std::vector<Recovery>> Recoveries(int64_t id);

  // --- Accounts, sessions, tokens (accounts.cc) --------------------------------
  // Hashing is slow (0.1 s), so callers hash with HashPassword() before the
  // write transaction. An applicant needs the credit code of a stored
  // enterprise (NotFound otherwise); the other roles take none. The username
  // keeps the rule of CanonicalUsername (accounts.h) and is stored folded to
  // lower case; one taken in any case is AlreadyExists. Accounts are found
  // by their name as stored, then folded (`ADMIN` finds `admin`).
  Result<Account> AddAccount(const std::string& actor, const std::string& username, Role role,
                             const std::string& credit_code, const std::string& password_hash);
  Result<Account> GetAccount(const std::string& username);  // NotFound
  Result<std::vector<Account>> ListAccounts();
  // The account and its password hash, for login; nullopt for an unknown name.
  Result<std::optional<std::pair<Account, std::string>>> LoginRecord(const std::string& username);
  // Replaces the password hash, ends every session of the account and revokes
  // its tokens (a self change and an admin's reset alike: whoever stole a
  // credential before the reset loses it, issue 14, A4).
  Status SetPasswordHash(const std::string& actor, const std::string& username, const std::string& password_hash);
  // Two admins (issue 14): `actor` asks for a privileged account (kind
  // "grant": username, role, credit code, password hash) or a new password
  // for a privileged account (kind "password": username, hash); nothing
  // changes until a second admin approves. The username is checked at once
  // (free, in any case, and not asked for already).
  Result<AccountChange> RequestAccountChange(const std::string& actor, const std::string& kind,
                                             const std::string& username, Role role, const std::string& credit_code,
                                             const std::string& password_hash);
  // Applies a pending change (AddAccount or SetPasswordHash, in the same
  // transaction), or rejects it with a reason. PermissionDenied when `actor`
  // asked for it; FailedPrecondition when it is decided already.
  Result<AccountChange> ApproveAccountChange(const std::string& actor, int64_t id);
  Result<AccountChange> RejectAccountChange(const std::string& actor, int64_t id, const std::string& reason);
  // "" every state.
  Result<std::vector<AccountChange>> AccountChanges(const std::string& state);

  // Master data by two accounts (issue 14): the changes of enterprises that
  // uploads asked for (ImportOptions::hold_enterprise_changes), by state
  // ("" for all). Approving stores the change in the enterprise row;
  // rejecting states a reason. Neither by the account that asked
  // (PermissionDenied); a decided change is FailedPrecondition. Audited.
  Result<std::vector<MasterChange>> MasterChanges(const std::string& state);
  Result<MasterChange> ApproveMasterChange(const std::string& actor, int64_t id);
  Result<MasterChange> RejectMasterChange(const std::string& actor, int64_t id, const std::string& reason);
  // Disables the account, ends its sessions and revokes its tokens. Disabling a
  // disabled account changes nothing (and writes no audit entry).
  Status DisableAccount(const std::string& actor, const std::string& username);
  // The way back from DisableAccount: the account may sign in again. Its old
  // sessions and tokens stay ended (the user signs in anew; an admin issues new
  // tokens). Enabling an enabled account changes nothing (and writes no audit
  // entry).
  Status EnableAccount(const std::string& actor, const std::string& username);

  // Also records the account's last_login_at (the session's start).
  Result<NewSession> OpenSession(const std::string& actor, int64_t account_id, const SessionPolicy& policy);
  // The session's account when the id is known, within both lifetimes and the
  // account enabled; nullopt otherwise. Records last_seen_at (not audited; at
  // most once a minute).
  Result<std::optional<Authenticated>> FindSession(const std::string& session_id, const SessionPolicy& policy);
  // Ends the session (logout). An unknown id is NotFound.
  Status EndSession(const std::string& actor, const std::string& session_id);

  // A token lives 1 to kMaxTokenDays days: every token expires (issue 14,
  // A4; `--days 0` once meant never). The token is in the result only.
  static constexpr int64_t kMaxTokenDays = 365;
  Result<IssuedToken> IssueToken(const std::string& actor, const std::string& username, const std::string& name,
                                 int64_t days);
  // Revokes one token by its id (the id `bursar user token` prints). An
  // unknown id is NotFound; a token revoked already changes nothing.
  Status RevokeToken(const std::string& actor, int64_t token_id);
  // The token's account when known, unexpired, unrevoked and enabled.
  Result<std::optional<Authenticated>> FindToken(const std::string& token);

  // Login throttling: attempts under `key` in the window that began with the
  // first of them (`window_seconds` long). An attempt is counted before its
  // password is checked (CountLoginAttempt answers the count with it, in one
  // statement, so parallel attempts are all seen); a successful one is given
  // back (ReturnLoginAttempt) or, for the account's own keys, the count
  // cleared. Not audited.
  struct LoginFailures {
    int64_t failures = 0;
    int64_t retry_after_seconds = 0;  // until the window closes
  };
  Result<LoginFailures> RecentLoginFailures(const std::string& key, int64_t window_seconds);
  Result<LoginFailures> CountLoginAttempt(const std::string& key, int64_t window_seconds);
  Status ReturnLoginAttempt(const std::string& key);
  Status ClearLoginFailures(const std::string& key);

  // Once the year's first payment is recorded, a budget below the approved
  // total that would lower the D-G6 factor is refused (FailedPrecondition).
  // `policy`: the programme ("" the store's own; another from migration 29).
  Status SetBudget(const std::string& actor, int64_t year, const std::string& amount,
                   const std::string& policy = "");
  // Refreshes the query planner's statistics after a bulk change (an import,
  // a year's proposals, a decision run): SQLite's sqlite_stat1, sampled
  // (PRAGMA analysis_limit), and PostgreSQL's ANALYZE. Without them SQLite
  // takes `application.year = ?` for a few rows and reads a district's
  // year to find its handful of payments. Not audited: it changes no data.
  // `tables`: the ones the change wrote (those the store has; every table
  // when none is named). Sampling a district's evidence again after a
  // decision run took seconds and told the planner nothing new.
  Status RefreshStatistics(const std::vector<std::string>& tables = {});
  // The tables an evidence import of `kind` writes, for RefreshStatistics.
  static std::vector<std::string> ImportedTables(EvidenceKind kind);
  // Committed, payable (after D-G6) and paid, in total and by measure, of
  // programme `policy` ("" the store's own).
  Result<BudgetSummary> Budget(int64_t year, const std::string& policy = "");
  // The same with the year's award lines kept in `kept` between reads, as
  // of audit head `head_seq` (read by the caller before this call): over
  // its budget only the applications named since kept->seq are read again.
  Result<BudgetSummary> Budget(int64_t year, const std::string& policy, YearAwards* kept, int64_t head_seq);
  // The years of the store's own programme that have a budget, newest first.
  Result<std::vector<int64_t>> BudgetYears();
  // The most that may be paid on application `id`: its decided total, scaled
  // by D-G6 when the year's approved awards exceed its budget. With
  // `scaling`, also the year's D-G6 figures behind it (none when the year is
  // within its budget, or the application has no decision), from the same
  // reads.
  Result<int64_t> PayableFen(int64_t id, std::optional<YearScaling>* scaling = nullptr);
  Result<int64_t> PayableFen(const Application& app, std::optional<YearScaling>* scaling = nullptr);

  // --- Official documents (documents.cc) ---------------------------------------
  // The document of `subject`, issuing it (the next number of its kind and
  // year, audited) the first time; the same record every later time.
  Result<IssuedDocument> IssueDocument(const std::string& actor, DocumentKind kind, int64_t year,
                                       const std::string& subject);
  Result<std::optional<IssuedDocument>> FindDocument(DocumentKind kind, const std::string& subject);
  // Every setting, its stored value or its default.
  Result<std::vector<DocumentSetting>> DocumentSettings();
  Result<std::string> DocumentSettingValue(const std::string& key);  // NotFound for an unknown key
  Status SetDocumentSetting(const std::string& actor, const std::string& key, const std::string& value);

  // ===== Queries for the HTTP API (queries.cc) ===============================
  // Read-only lists and rows; types in store/queries.h. Kept in one block so
  // that the write side above can change without touching these.
  Result<Page<ApplicationRow>> ListApplications(const ApplicationQuery& query);
  Result<ApplicationRow> GetApplicationRow(int64_t id);  // NotFound
  // True when `reviewer` has a review row (assigned, submitted or excluded).
  Result<bool> IsReviewerOf(int64_t application_id, const std::string& reviewer);
  Result<Page<EnterpriseRecord>> ListEnterprises(const EnterpriseQuery& query);
  Result<std::optional<EnterpriseRecord>> FindEnterprise(const std::string& credit_code);
  // The evidence rows of an enterprise, by kind ("" all kinds but enterprises),
  // in the field names of the import files; `year` 0 for every year, else
  // rows dated in (or, for yearly kinds, of) that year.
  Result<nlohmann::ordered_json> ListEvidence(const std::string& credit_code, const std::string& kind, int64_t year);
  // D-G10: `actor` (an officer) verifies rows of `kind` an enterprise
  // declared, named by `keys` (a JSON array of objects of the kind's key
  // fields), dated the server's day; from then they count in decisions. All or
  // nothing: NotFound for a key not stored, FailedPrecondition for an
  // official or already verified row, PermissionDenied for the account that
  // declared it, each naming rows[i]. A figure is read by `figure` first: one
  // an authority gives (`given by`) is never an enterprise's to declare, so
  // no officer can make its declaration count (PermissionDenied, reason
  // official_only); without `figure`, declared figures are not verified.
  // Returns the audit entry's seq.
  Result<int64_t> VerifyEvidence(const std::string& actor, EvidenceKind kind, const nlohmann::json& keys,
                                 const FigureReader& figure = {});
  // How the programmes' policies read a figure (the server's published
  // policies, a command's --also-policy): a case counts an enterprise's
  // declared figure only when this reader accepts it as a declaration, so a
  // declaration verified before its policy said an authority gives the value
  // (`given by`) no longer counts. Without a reader no declared figure counts.
  // VerifyEvidence uses it when given no reader of its own.
  void SetFigureReader(FigureReader reader) { figure_reader_ = std::move(reader); }
  // Declarations that state what only an authority may (`bursar audit
  // declarations`): verified declared figures the reader refuses as
  // declarations (reason official_only), and declared trades that say they
  // were made at a legally established institution (D-G10, which the import
  // never accepts). Each with the decisions in force of its enterprise and
  // year in its programme. Figures of a policy the reader does not know are
  // counted in *unchecked, of those the query selects only.
  struct DeclaredOfficial {
    std::string table;                       // "figure" or "trade"
    std::string credit_code;
    std::string policy;                      // the programme ("" the store's own)
    int64_t year = 0;
    std::string field;                       // the figure's name, or "legally_established"
    std::string key;                         // the row's key as the import names it
    std::string verified_by;                 // "" not verified
    std::vector<int64_t> decisions;          // in force, of that enterprise, year (a fact's: and later) and programme
  };
  Result<std::vector<DeclaredOfficial>> DeclaredOfficialRows(int64_t* unchecked, const DeclaredQuery& query = {});
  Result<Page<ObjectionRecord>> ListObjections(const ObjectionQuery& query);
  Result<std::optional<ObjectionRecord>> FindObjection(int64_t id);
  Result<Page<PaymentRecord>> ListPayments(const PaymentQuery& query);
  // Applications in public notice (state notice).
  Result<Page<NoticeRecord>> ListNotices(const NoticeQuery& query);
  // Audit entries, newest first.
  Result<Page<AuditEntry>> ListAuditNewestFirst(int64_t limit, int64_t offset);
  // The same, filtered by who, what, which application and when. Reads every
  // entry's JSON when a filter of the change is given (an auditor's query).
  Result<Page<AuditEntry>> ListAudit(const AuditQuery& query);
  Result<int64_t> AuditHeadSeq();
  // Every enterprise's credit code, in order.
  Result<std::vector<std::string>> EnterpriseCodes();
  // The claims of every application of `year`, by enterprise (apply-free
  // proposals excluded: they carry no claim). `policy`: those of one
  // programme only ("" the store's own, as Application::policy names it);
  // absent, every programme's.
  Result<std::vector<std::pair<std::string, nlohmann::json>>> ClaimsOfYear(
      int64_t year, const std::optional<std::string>& policy = std::nullopt);
  // ===== end of the queries block ===========================================

 private:
  // The figures behind one enterprise's facts (facts.cc).
  struct FactFigures;
  // Many cases of one year from one read of their parts (facts.cc).
  class CaseBatch;

  Store(std::unique_ptr<Database> db, std::function<std::string()> clock);
  Status CheckSchema(bool allow_pending);
  // Row seals (store/seal.h): installs the capture on this connection once
  // the schema has them.
  Status InstallCapture();
  // A migration's re-sealing: each sealed table's rows before it, and which
  // of them already disagreed with the chain.
  struct SealedRows {
    std::map<std::string, std::string> images;
    std::set<std::string> disagreeing;
  };
  static Result<std::map<std::string, SealedRows>> SealedState(Database& db);
  // Seals, under `seq`, every row (`baseline`) or the rows the migration
  // changed that agreed with the chain before it; returns the sealed lines.
  static Result<std::vector<std::string>> SealMigrated(Database& db, int64_t seq, bool baseline,
                                                       const std::map<std::string, SealedRows>& before);
  // Inside a write transaction that called LockAuditHead(db, sealing_) (and,
  // on SQLite, ClearCaptured): seals the rows captured since the last entry
  // under the entry it appends after `head` (store/seal.h).
  Result<AuditEntry> AppendSealedAudit(const AuditHead& head, const std::string& actor, nlohmann::json change);
  // What the store keeps of a session id or API token: HMAC-SHA256 under the
  // server secret. FailedPrecondition without a key.
  Result<std::string> CredentialHash(std::string_view secret) const;
  // Moves application `id` from one of `from` to `to` inside a Write.
  Status Transition(Database& db, const Application& app, ApplicationState to);
  Result<Application> LoadApplication(Database& db, int64_t id, bool for_update);
  // A draft that is not an apply-free proposal, whose files may change.
  static Status CheckAttachable(const Application& app);
  // StartReview on an application in review: adds reviewers; the audit change.
  Result<std::optional<nlohmann::json>> AddReviewersIn(Database& db, const Application& app,
                                                       const std::vector<std::string>& reviewers);
  // Locks the enterprises' rows for the transaction (PostgreSQL; SQLite's
  // writer lock serialises already): their ledgers stay as read until
  // commit. REQUIRES: `credit_codes` distinct.
  Status LockEnterprises(Database& db, const std::vector<std::string>& credit_codes);
  // DecideFromStore inside the caller's transaction; the audit change.
  // With `batch`, the case comes from it (its enterprises locked already).
  // InvalidArgument for a policy that is not an id, FailedPrecondition for
  // another programme's in a store before migration 28.
  Status CheckProgramme(const std::string& policy) const;
  // What a decision run reads of a group of applications at once, under the
  // group's locks, instead of a round trip for each decision (issue 13):
  // each application (locked), its blocker, whether it has a decision in
  // force, which of the enterprises the deciding officer verified evidence
  // of, and the budgets and committed totals of its years. An application's
  // entries are taken by its decision (a second decision of it reads the
  // store again); a committed total follows the decisions of the group.
  struct RunPrefetch {
    std::map<int64_t, Application> apps;
    std::map<int64_t, std::optional<StepBlocker>> blockers;
    std::set<int64_t> in_force;
    std::map<std::string, std::string> verified;  // credit code → the kind of evidence the actor verified
    std::map<std::pair<int64_t, std::string>, std::optional<int64_t>> budgets;   // (year, policy), read once
    std::map<std::pair<int64_t, std::string>, YearCommitted> committed;          // (year, policy), read once
    // A run's decisions whose writes were sent (Database::SendPipeline) and
    // are finished at the end of the group (FinishSent): while the server
    // writes one, the next one's case is built and judged. On PostgreSQL
    // with row seals, the seal of its rows goes with its writes, under
    // `seal_seq`, the seq its audit entry will have.
    struct Sent {
      int64_t seal_seq = 0;
      Application app;
      int64_t total_fen = 0;
      nlohmann::json change;  // without the decision's id and the seal, which the results give
      std::vector<Row> inserted, sealed;
      int64_t changed = 0;
      std::optional<nlohmann::json> seal;  // SQLite: the summary, sealed after the writes
    };
    std::deque<Sent> sent;  // in order; a deque keeps each one's place while results arrive
    int64_t seal_seq = 0;   // the next decision's, 0: its rows are not sealed in its pipeline
  };
  // The decision of `sent` once its writes' results are read: its id and
  // seal in its change; a failure when its application was not moved.
  Status FinishSent(RunPrefetch::Sent& sent);
  Status PrefetchRun(Database& db, const std::string& actor, const std::vector<int64_t>& ids, RunPrefetch* pre);
  Result<nlohmann::json> DecideFromStoreIn(Database& db, const std::string& actor, int64_t id, const DecideFn& decide,
                                           int64_t* decision_id, int64_t* total_fen, CaseBatch* batch,
                                           RunPrefetch* pre = nullptr);
  Result<std::optional<StepBlocker>> DecideBlockerIn(Database& db, int64_t id);
  // The blocker of a decision from the application's reviews (reviewer, state).
  static std::optional<StepBlocker> DecideBlockerOf(const std::vector<std::pair<std::string, std::string>>& reviews);
  Result<std::optional<StepBlocker>> FinaliseBlockerIn(Database& db, const Application& app);
  // Decide's checks and writes inside the caller's transaction.
  // With `pre`, what it holds of `app` is used (and taken) instead of reading it.
  Result<nlohmann::json> DecideIn(Database& db, const std::string& actor, const Application& app,
                                  const DecisionInput& decision, int64_t* decision_id, int64_t* total_fen = nullptr,
                                  RunPrefetch* pre = nullptr);
  // `from_rows`: summed from the decisions, payments and recoveries, not read
  // from the running totals (a check that decides whether money may move).
  Result<BudgetSummary> BudgetIn(Database& db, int64_t year, bool from_rows = false, const std::string& policy = "",
                                 YearAwards* kept = nullptr, int64_t head_seq = -1);
  // D-G6's payable of `s` over its budget: needs s's year, budget and
  // committed total. With `kept`, the lines come from it, brought up to
  // audit head `head_seq`.
  Status ScaledPayableIn(Database& db, const std::string& policy, BudgetSummary* s, YearAwards* kept = nullptr,
                         int64_t head_seq = -1);
  // Reads into `awards` the year's awards in force of programme `policy`:
  // all of them, or, with `only`, those of the applications listed (an
  // application no longer holding one leaves `awards`).
  Status ReadYearAwards(Database& db, int64_t year, const std::string& policy, const std::vector<int64_t>* only,
                        YearAwards* awards);
  Result<int64_t> PayableIn(Database& db, const Application& app, std::optional<YearScaling>* year_scaling = nullptr);
  // The application's own lines of a decision (ApplicationLinesFen): from
  // its stored `lines_fen` when given (migration 30), checked against its
  // total, else from its output.
  Result<std::vector<int64_t>> DecisionLinesIn(Database& db, int64_t decision_id, const std::string* lines_fen,
                                               int64_t total_fen, const std::string& measure, const std::string& item);
  // A payment step's shared checks and the instalment it pays (applications.cc).
  Result<std::pair<int64_t, int64_t>> CheckPayment(Database& db, const std::string& actor, const Application& app,
                                                   int64_t fen, const std::string& reference, int64_t except_order);
  Status PayInstalment(Database& db, const Application& app, int64_t fen, const std::string& reference,
                       const std::string& recorded_by, const std::string& approved_by, int64_t total, int64_t paid,
                       nlohmann::json* change, PaymentStep* step);
  // The year's D-G6 scaling of programme `policy` ("" the store's own), none
  // when it has no budget or stays within it.
  Result<std::optional<YearScaling>> ScalingIn(Database& db, int64_t year, const std::string& policy = "");
  // The year's committed total and payments of programme `policy`, as the
  // triggers of migrations 11, 28 and 29 keep them (no sum over the year).
  Result<YearCommitted> YearCommittedIn(Database& db, int64_t year, const std::string& policy = "");
  // The year's budget of programme `policy`, none when not set.
  Result<std::optional<int64_t>> BudgetFenIn(Database& db, int64_t year, const std::string& policy);
  // The ledger rows of the applications `condition` selects (a condition on
  // application `a`, without WHERE), grouped by enterprise in credit-code
  // order: `each` gets each enterprise's lines. Only the applications of
  // programme `policy` ("" the store's own; Application::policy), whose
  // awards alone its limits count; D-G6 scales only the store's own.
  Status ReadLedgers(Database& db, const std::string& condition, std::span<const Param> params,
                     const std::string& policy, ScalingMemo* memo,
                     const std::function<Status(const std::string&, std::vector<LedgerLine>&&)>& each);
  // ReadLedgers in two halves, for a read sent ahead (CaseBatch::Send): the
  // statement, with its parameters in *all; then the work on its rows.
  std::string LedgerStatement(const std::string& condition, std::span<const Param> params, const std::string& policy,
                              std::vector<Param>* all);
  Status EachLedger(Database& db, const std::vector<Row>& rows, const std::string& policy, ScalingMemo* memo,
                    const std::function<Status(const std::string&, std::vector<LedgerLine>&&)>& each);
  // facts.cc: the figures of the facts of every enterprise of `codes` for
  // `year`, from one aggregate query per kind of evidence for all of them;
  // FactsOf makes the CASES.md `facts` object of one.
  // Declared rows count only once verified (D-G10), unless with_declared
  // (the figures an applicant's declarations would give, for estimates).
  Status FiguresOf(Database& db, int64_t year, const std::vector<std::string>& codes,
                   std::map<std::string, FactFigures>* out, bool with_declared = false);
  // FiguresOf's queries: the statement (for `count` enterprises' codes as
  // its first parameters), the parameters after the codes, and what a row
  // adds to its enterprise's figures. `first` and `last`, the year's first
  // and last days, must outlive them.
  struct FigureQuery {
    std::string sql;
    std::vector<Param> tail;
    std::function<void(const Row&, FactFigures&)> each;
  };
  static std::vector<FigureQuery> FigureQueries(int64_t year, size_t count, std::string_view first,
                                                std::string_view last, bool with_declared);
  // A figure query's rows added to *out (whose keys are the codes asked for).
  static Status AddFigures(const FigureQuery& query, const std::vector<Row>& rows,
                           std::map<std::string, FactFigures>* out);
  static nlohmann::ordered_json FactsOf(const FactFigures& figures, int64_t year);
  // ledger.cc: the CASES.md `history` of a case of `year` from the
  // enterprise's ledger (as History).
  static nlohmann::ordered_json HistoryOf(const std::vector<LedgerLine>& lines, int64_t year, int64_t deciding);

  std::unique_ptr<Database> db_;
  const ClaimMarker* claim_marker_ = nullptr;
  std::function<std::string()> clock_;
  std::string credential_key_;  // OpenOptions::credential_key
  std::optional<std::pair<int64_t, int64_t>> expected_;  // application id, version
  bool sealing_ = false;  // the schema has row seals and this connection captures them
  bool digesting_ = false;  // the schema has evidence digests (evidence_seal.h)
  bool provenance_ = false;  // the schema has evidence provenance (migration 17: verified_by)
  bool new_enterprises_held_ = false;  // master_change holds new enterprises too (migration 21)
  bool review_opinions_ = false;  // reviews hold their written opinion (migration 23)
  bool audit_by_application_ = false;  // audit_application indexes the log by application (migration 25)
  bool measure_totals_ = false;  // measure_committed keeps the year's totals by measure (migration 26)
  bool programmes_ = false;      // applications name their policy; figures (migration 28)
  bool programme_budgets_ = false;  // programme_budget, programme_committed (migration 29)
  bool decision_lines_ = false;     // decision.lines_fen (migration 30)
  bool one_version_bump_ = false;   // PostgreSQL: the decision trigger's bump skipped (migration 31)
  bool attachments_ = false;      // the attachment table exists (migration 24)
  FigureReader figure_reader_;    // SetFigureReader
  AttachmentLimits attachment_limits_;
  std::shared_ptr<ListCache> list_cache_;  // OpenOptions::list_cache, or the store's own
};

}  // namespace bursar::store
