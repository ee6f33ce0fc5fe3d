// The engine's public face: load a policy folder once, then decide cases.
//
// This is the only header the store, the server and the CLI need from the
// engine. A case and a decision are JSON in exactly the shape of CASES.md
// (docs/case-format.md).
//
// Thread-safety: a loaded Engine is immutable; Evaluate may be called from
// many threads at once.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace bursar {

struct CheckedPolicy;  // lang/checked_policy.h

// One --set NAME=VALUE override, value in the policy language's literal syntax
// ("4%", "RMB 2,000,000", "2000000", "true", "per_year").
struct ParameterOverride {
  std::string name;
  std::string value;
};

struct EvaluateOptions {
  bool explain = false;  // add "trace" to the decision
};

// One award in force, as an enterprise's ledger holds it (Engine::CheckLedger).
struct LedgerLine {
  int year = 0;
  std::string measure;    // "03"
  std::string item;       // "services"; "" for a measure's only item
  std::string project;    // "" when none
  std::string solution;   // "" when none
  std::string condition;  // "" when none: the condition of a `once per condition` award (D-04a)
  int64_t amount_fen = 0;  // the net amount (D-G8): decided (after D-G6 scaling where paid) less recovered
  std::string id;          // opaque to the engine: the decision or application the line comes from
  // What the award counted of each `draw` of its item (its output's
  // `drawn`: {"counted_principal": "10000000.00"}), by draw name, in fen.
  std::vector<std::pair<std::string, int64_t>> drawn;
};

// A limit that the ledger exceeds.
struct LimitExcess {
  // "cap": a cap over a scope and span; "once": a once-rule (one scope key
  // awarded in two or more years); "decided_twice": an apply-free item
  // decided more than once for the year; "consecutive": past a limit of
  // consecutive years; "period": past the support period; "draw": the
  // figures the year's awards counted of a `draw` (a loan's principal) sum
  // past the limit they were drawn from.
  std::string kind;
  std::string limit;     // how it reads: "03 services: at most 5000000.00 per year"
  std::string clause;    // "[03.1]"
  std::string decision;  // "D-03"
  std::string scope;     // "enterprise", "project", "solution", "condition" or "claim"
  std::string key;       // the project, solution or condition; "" for the enterprise
  int span_first = 0, span_last = 0;  // the years whose lines were counted
  // Caps: fen. The others: years (once, consecutive, period) or decisions
  // (decided_twice), with the limit they may not pass.
  bool money = true;
  int64_t limit_value = 0, total = 0, over = 0;
  std::vector<size_t> lines;     // positions in the ledger of the lines involved
  std::vector<std::string> ids;  // their ids, each once, in ledger order
};

class Engine {
 public:
  // Reads, checks and compiles the policy folder. Policy mistakes come back as
  // one InvalidArgument status whose message lists every diagnostic.
  static Result<std::shared_ptr<const Engine>> Load(const std::string& policy_dir,
                                                    const std::vector<ParameterOverride>& overrides = {});

  // Decides one case. An input that breaks the case contract is an
  // InvalidArgument status naming the field path; no decision is produced.
  Result<nlohmann::ordered_json> Evaluate(const nlohmann::json& case_json,
                                          const EvaluateOptions& options = {}) const;
  // Same, from and to text; the output is the canonical byte-identical form
  // (two-space indented JSON and a final newline).
  Result<std::string> EvaluateText(const std::string& case_text, const EvaluateOptions& options = {}) const;

  // Whether `claim` is one the policy accepts in a case of `year` (its
  // measure, item and fields), checked when an application is made or its
  // draft changed, not first at its decision. A refusal is the case reader's
  // InvalidArgument with its field under "claim" ("claim.assessed") and its
  // reason and figures (docs/http-api.md, "Errors"). The credit code and
  // year are not checked here (the store checks them).
  Status CheckClaim(int64_t year, const std::string& credit_code, const nlohmann::json& claim) const;

  // A figure of this policy stored for a programme run beside the store's
  // own (issue 16): `name` is its place in a case, "applicant.FIELD" or
  // "facts.FACT" of the policy's declarations, and `text` its value as a
  // file writes it (2000000, 1234.5, true or 是, 2025, 12.5%). Returns the
  // value as the case's JSON text, read as the policy declares the field
  // (in a case of `year` for `credit_code`). InvalidArgument (field "name"
  // or "value", with the case reader's reason) for a name the policy does not
  // declare or a value it would refuse. `declared`: the enterprise's own
  // upload (D-G10), refused (field "name", reason official_only) for a field
  // the policy says an authority gives (`given by`).
  Result<std::string> FigureValue(int64_t year, const std::string& credit_code, std::string_view name,
                                  std::string_view text, bool declared = false) const;

  // The auditor's check (`bursar audit limits YEAR`): every limit of the
  // policy that the awards in force of one enterprise exceed in `year`.
  // `applicant` is a case's applicant object (CASES.md: id, flags, tags);
  // `ledger` holds the enterprise's awards in force, any years and order
  // (lines after `year` are ignored). Counted by the same limits module the
  // evaluators fill (eval/limits.h), with the policy's parameters in force
  // in `year`: a cap is exceeded when the lines of its scope and span,
  // one of them of `year`, sum above it; a once-rule when one scope key has
  // awards in `year` and an earlier year; an apply-free item when `year`
  // holds two of its lines (for one condition); a consecutive-year limit or
  // support period when `year` is past it; a `draw` when the figures the
  // lines of `year` counted of it in one pool (item, scope key) sum above
  // the limit they are drawn from. Caps per claim whose value reads
  // a claim's fields or a year's facts are not checked. An applicant or a
  // ledger line that breaks the contract is InvalidArgument naming the
  // field ("ledger[3].measure"). An empty result: no limit exceeded.
  Result<std::vector<LimitExcess>> CheckLedger(int year, const nlohmann::json& applicant,
                                               const std::vector<LedgerLine>& ledger) const;

  const std::string& policy_id() const;
  const std::string& policy_version() const;
  const std::string& digest() const;  // "sha256:<hex>" over the policy's files
  const CheckedPolicy& policy() const { return *policy_; }
  std::shared_ptr<const CheckedPolicy> shared_policy() const { return policy_; }

  explicit Engine(std::shared_ptr<const CheckedPolicy> policy) : policy_(std::move(policy)) {}

 private:
  std::shared_ptr<const CheckedPolicy> policy_;
};

}  // namespace bursar
