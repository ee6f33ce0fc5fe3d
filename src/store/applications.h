// Applications through review, decision, public notice, payment and recovery.
//
// The lifecycle (docs/store-schema.md draws it):
//
//   draft → submitted → in_review → decided → notice → final → paid → recovered
//                           ▲                    │
//                           └── objection upheld ┘
//
// Reviews happen in in_review: each assigned reviewer either declares a
// conflict of interest (and is excluded from the review) or submits rubric
// scores and a proposed assessed amount. Objections are filed only during the
// notice. An application becomes final after the notice ends with no open
// objection; payments are recorded in instalments while final, and the
// application is paid when they add up to the decided total. Every other
// transition is refused with FailedPrecondition naming the current state.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"

namespace bursar::store {

class Row;

enum class ApplicationState { kDraft, kSubmitted, kInReview, kDecided, kNotice, kFinal, kPaid, kRecovered };

const char* ApplicationStateName(ApplicationState state);
std::optional<ApplicationState> ParseApplicationState(std::string_view name);
// The lifecycle's edges, and nothing else.
bool IsAllowedTransition(ApplicationState from, ApplicationState to);

struct Application {
  int64_t id = 0;
  std::string credit_code;
  int64_t year = 0;
  std::string measure;
  std::string item;     // "" when the claim names none
  std::string project;  // "" when the claim names none
  std::string claim;    // canonical JSON of the CASES.md claim
  ApplicationState state = ApplicationState::kDraft;
  std::string notice_until;  // last day of the public notice, "" before it
  std::string created_at;
  std::string updated_at;
  // The programme it belongs to, by its policy's id: "" for the programme of
  // the policy the store is served with (every application before migration
  // 28), another id for a programme run beside it (issue 16).
  std::string policy;
};

// An application from a row whose first columns are, in order: id,
// credit_code, year, measure, item, project, claim, state, notice_until,
// created_at, updated_at (applications.cc, queries.cc), and whose column
// `policy_column` is its policy (-1: a store before migration 28).
Application ApplicationFromRow(const Row& r, int policy_column);

// Whether `policy` may name a programme: "" (the store's own) or a policy id
// as policy files write one (lowercase letters, digits and hyphens, 1 to 64).
bool IsPolicyId(std::string_view policy);

// Whether the application is the office's apply-free proposal (免申即享),
// decided from official evidence alone: its claim says "apply_free": true.
bool IsApplyFreeProposal(const Application& app);

struct Review {
  std::string reviewer;
  std::string state;   // assigned, submitted, excluded
  std::string scores;  // canonical JSON object of rubric item → integer score
  std::optional<int64_t> proposed_fen;
  std::string conflict;  // the declared conflict of interest, when excluded
  std::string opinion;   // the written opinion (评审意见), when submitted
};

// The longest written opinion a review may hold, in characters.
inline constexpr size_t kMaxOpinionChars = 2000;

// A decision as the engine produced it. The texts are stored byte for byte,
// so `bursar replay` can recompute the output and compare.
struct DecisionInput {
  std::string policy_digest;  // Engine::digest(), "sha256:..."
  std::string case_json;      // the exact case text given to the engine
  std::string output_json;    // the exact output text
};

struct Decision {
  int64_t id = 0;
  int64_t application_id = 0;
  std::string policy_digest;
  std::string case_json;
  std::string output_json;
  int64_t total_fen = 0;
  std::string decided_at;
  std::string decided_by;
  bool in_force = false;
};

// Why the office's next step on an application would be refused now
// (Store::DecideBlocker, Store::FinaliseBlocker): the rule, by a code, and
// its figures. The step's refusal is the same (Refusal), so a page that shows
// the step disabled with this reason says what the store would say.
struct StepBlocker {
  // reviews_pending, reviewers_all_excluded, notice_running, objection_open
  std::string code;
  std::vector<std::string> reviewers;    // reviews_pending: who has not submitted
  std::string until, final_from, today;  // notice_running: its last day, the first day it may be final, today
  int64_t objection = 0;                 // objection_open: the open objection
  // 409 failed_precondition with the reason and its figures.
  Status Refusal(int64_t application_id) const;
};

struct Payment {
  int64_t instalment = 0;
  int64_t amount_fen = 0;
  std::string paid_on;
  std::string reference;
};

// What recording a payment did (separation of duties, docs/security.md): an
// amount at or below the office's threshold is paid at once; above it, it
// waits as an order until a second finance account approves it.
struct PaymentStep {
  int64_t instalment = 0;  // > 0: the instalment paid now
  int64_t order = 0;       // > 0: the order waiting for (or given) a second account's approval
  bool paid_in_full = false;
};

// A payment order above the threshold: pending, then approved (paid as an
// instalment) or rejected, each step by a finance account other than the one
// that recorded it and the one that decided the application.
struct PaymentOrder {
  int64_t id = 0;
  int64_t application_id = 0;
  int64_t amount_fen = 0;
  std::string reference;
  std::string recorded_by;
  std::string recorded_at;
  std::string state;  // pending, approved, rejected
  std::string decided_by;
  std::string decided_at;
  std::string reason;      // of a rejection
  int64_t instalment = 0;  // of an approved order
};

// A recovery of money paid (paid → recovered).
struct Recovery {
  int64_t id = 0;
  int64_t amount_fen = 0;
  std::string reason;
  std::string recovered_at;  // UTC, RFC 3339
  std::string recovered_by;  // the actor; empty when not recorded
};

struct BudgetLine {
  int64_t committed_fen = 0;  // net awards (D-G8): decided totals in force less recoveries
  int64_t payable_fen = 0;    // the same after D-G6 scaling (equal when within the budget)
  int64_t paid_fen = 0;       // payments recorded, less recoveries
};

// D-G6 in the store (docs/store-schema.md, "Budget"): when the committed
// total of a year exceeds its budget, every award line of every committed
// decision is scaled by budget/committed and rounded down to the fen; an
// application may be paid at most the sum of its scaled lines.
struct BudgetSummary {
  int64_t year = 0;
  std::optional<int64_t> budget_fen;  // none set
  bool scaled = false;                // committed > budget
  std::string factor;                 // "budget/committed" in lowest terms when scaled, else "1"
  bool payments_started = false;      // the factor may no longer fall
  BudgetLine total;
  std::map<std::string, BudgetLine> by_measure;  // "04" → ...
};

// The award lines in force of one year and programme, by application, as a
// budget over its year reads them for D-G6, kept by its caller between reads
// (the server, one a year): a read given them re-reads only the
// applications that the audit entries since `seq` name. Every change to an
// application's decision, recovery or state names the application in its
// entry, in the change's transaction.
struct YearAwards {
  struct Award {
    std::string measure;
    std::vector<int64_t> lines_fen;  // the decision's own lines (DecisionLinesIn)
    int64_t recovered_fen = 0;
  };
  int64_t seq = -1;  // the audit head they are as of; -1: not read
  std::unordered_map<int64_t, Award> by_application;
};

// D-G6 in a year whose committed total exceeds its budget: every award line
// is scaled by budget/committed.
struct YearScaling {
  int64_t budget_fen = 0;
  int64_t committed_fen = 0;  // > budget_fen
};

// A year's committed total as the store keeps it (migration 11): decisions in
// force less recoveries (D-G8), and how many payments have been recorded.
struct YearCommitted {
  int64_t committed_fen = 0;
  int64_t payments = 0;
};

// floor(fen × budget / committed): an award line after D-G6 scaling.
int64_t ScaleFen(int64_t fen, int64_t budget, int64_t committed);

// The award lines of a decision output that belong to the application: its
// measure, and its item when it names one. Their sum is the decided total.
// InvalidArgument naming the line when an amount is not a money string.
Result<int64_t> ApplicationLinesFen(const nlohmann::json& output, const std::string& measure,
                                    const std::string& item, std::vector<int64_t>* lines);

// decision.lines_fen (migration 30): those lines' amounts in fen, in the
// output's order, joined by ',' ("" when there are none).
std::string LinesFenText(const std::vector<int64_t>& lines);
// The lines of a stored lines_fen. They add up to the decision's total, as
// bursar writes them; a row whose lines do not was changed outside bursar
// (Internal error naming the decision; `audit verify` names the row).
Result<std::vector<int64_t>> ParseLinesFen(std::string_view text, int64_t total_fen, int64_t decision_id);

}  // namespace bursar::store
