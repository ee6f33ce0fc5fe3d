#include "store/applications.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string_view>
#include <unordered_map>

#include "store/store.h"

namespace bursar::store {

namespace {
constexpr std::array<const char*, 8> kStateNames = {"draft",  "submitted", "in_review", "decided",
                                                    "notice", "final",     "paid",      "recovered"};
}  // namespace

const char* ApplicationStateName(ApplicationState state) { return kStateNames[static_cast<size_t>(state)]; }

std::optional<ApplicationState> ParseApplicationState(std::string_view name) {
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (name == kStateNames[i]) return static_cast<ApplicationState>(i);
  }
  return std::nullopt;
}

bool IsAllowedTransition(ApplicationState from, ApplicationState to) {
  using S = ApplicationState;
  switch (from) {
    case S::kDraft:
      return to == S::kSubmitted;
    case S::kSubmitted:
      return to == S::kInReview;
    case S::kInReview:
      return to == S::kDecided;
    case S::kDecided:
      return to == S::kNotice;
    case S::kNotice:
      return to == S::kFinal || to == S::kInReview;  // in_review: an objection was upheld
    case S::kFinal:
      return to == S::kPaid;
    case S::kPaid:
      return to == S::kRecovered;
    case S::kRecovered:
      return false;
  }
  return false;
}

}  // namespace bursar::store

// ---------------------------------------------------------------------------
// Store methods for applications. Each public step is one Write: it loads the
// application, checks the state, changes rows, moves the state and records
// the audit entry, all in one transaction.

#include "base/json_text.h"
#include "base/text.h"
#include "money/exact.h"
#include "store/case_batch.h"
#include "store/digest.h"
#include "store/evidence_seal.h"
#include "store/migrations.h"

namespace bursar::store {

namespace {

using json = nlohmann::json;

Result<int64_t> MoneyToFen(const std::string& text, const char* field) {
  std::string why;
  auto value = ParseMoneyString(text, &why);
  if (!value) return InvalidArgument(why, field).WithReason(MoneyStringReason(why));
  auto fen = value->ToFen();
  if (!fen) return Status(StatusCode::kOutOfRange, "amount too large", field);
  return *fen;
}

// The amount the applicant claimed: the claim's "assessed" as submitted
// (CASES.md), nullopt for a claim without one (apply-free, or a measure
// without an amount). A reviewer's proposal replaces it in the decided case,
// so the cap on proposals is read from here.
Result<std::optional<int64_t>> ClaimedFen(const Application& app) {
  const json claim = json::parse(app.claim, nullptr, false);
  if (!claim.is_object() || !claim.contains("assessed")) return std::optional<int64_t>();
  const json& assessed = claim["assessed"];
  std::string text;
  if (assessed.is_string()) text = assessed.get<std::string>();
  else if (assessed.is_number()) text = assessed.dump();
  else return std::optional<int64_t>();
  BURSAR_ASSIGN_OR_RETURN(int64_t fen, MoneyToFen(text, "claim.assessed"));
  return std::optional<int64_t>(fen);
}

// A text member of a claim, "" when it is absent or not a string.
std::string ClaimText(const json& claim, const char* key) {
  return claim.contains(key) && claim[key].is_string() ? claim[key].get<std::string>() : "";
}

constexpr const char* kApplicationColumns =
    "id, credit_code, year, measure, item, project, claim, state, notice_until, created_at, updated_at";
// kApplicationColumns and then the policy (migration 28).
constexpr const char* kApplicationColumnsWithPolicy =
    "id, credit_code, year, measure, item, project, claim, state, notice_until, created_at, updated_at, policy";


// A step refused in the application's state. The refusal names its rule
// (reason "wrong_state") with the state, the step and the states it needs,
// so that a page words it (docs/http-api.md, "Errors").
Status WrongState(const Application& app, const char* action, const char* needs) {
  struct Step {
    const char* action;  // as the message says it
    const char* code;
    const char* needs;   // the states it needs, by name
  };
  static constexpr Step kSteps[] = {
      {"change its claim", "change_claim", "draft"},
      {"withdraw it", "withdraw", "draft"},
      {"submit it", "submit", "draft"},
      {"start its review", "start_review", "submitted,in_review"},
      {"declare a conflict", "declare_conflict", "in_review"},
      {"take a review", "review", "in_review"},
      {"decide it", "decide", "in_review"},
      {"publish its notice", "publish_notice", "decided"},
      {"take an objection", "object", "notice"},
      {"resolve an objection", "resolve_objection", "notice"},
      {"finalise it", "finalise", "notice"},
      {"record a payment", "pay", "final"},
      {"recover money", "recover", "paid"},
  };
  std::string code = "step", states = needs;
  for (const Step& step : kSteps) {
    if (std::string_view(step.action) == action) {
      code = step.code;
      states = step.needs;
    }
  }
  return Status(StatusCode::kFailedPrecondition, std::string("application ") + std::to_string(app.id) + " is " +
                                                     ApplicationStateName(app.state) + ": cannot " + action +
                                                     " (needs " + needs + ")")
      .WithReason("wrong_state", {{"application", std::to_string(app.id)},
                                  {"state", ApplicationStateName(app.state)},
                                  {"action", code},
                                  {"needs", states}});
}

// A measure as the policy language numbers one ("03", "4"): one to eight
// digits or points. Which measures a policy has is checked by the callers.
Status CheckMeasureId(const std::string& measure, const std::string& field) {
  const bool ok = !measure.empty() && measure.size() <= 8 &&
                  std::all_of(measure.begin(), measure.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  if (!ok) return InvalidArgument("expected a measure number such as \"03\", got \"" + measure + "\"", field);
  return OkStatus();
}

// A claim as an application holds it: an object naming its measure, its item
// and project one line of visible text each (issue 14, A9: they name the
// application in lists and exports). *measure is the measure. Which measures
// exist, and what a claim of each gives, is the policy's to say: the server
// and the CLI check the claim against it (Engine::CheckClaim) before it comes
// here; the store holds any policy's applications.
Status CheckClaim(const json& claim, std::string* measure) {
  if (!claim.is_object() || !claim.contains("measure") || !claim["measure"].is_string()) {
    return InvalidArgument("a claim is an object with a \"measure\" such as \"03\"", "claim");
  }
  *measure = claim["measure"].get<std::string>();
  BURSAR_RETURN_IF_ERROR(CheckMeasureId(*measure, "claim.measure"));
  for (const char* key : {"item", "project"}) {
    BURSAR_RETURN_IF_ERROR(CheckSingleLineText(ClaimText(claim, key), std::string("claim.") + key));
  }
  // Only the office proposes an apply-free application (ProposeApplyFree);
  // an enterprise's claim marked so would open a review without reviewers.
  if (claim.contains("apply_free")) {
    return InvalidArgument("an apply-free proposal is made by the office, not in a claim", "claim.apply_free");
  }
  return OkStatus();
}

json StepChange(const char* op, const Application& app, ApplicationState to) {
  return {
      {"op", op}, {"application", app.id}, {"from", ApplicationStateName(app.state)}, {"to", ApplicationStateName(to)}};
}

}  // namespace

bool IsApplyFreeProposal(const Application& app) {
  const json claim = json::parse(app.claim, nullptr, false);
  return claim.is_object() && claim.value("apply_free", false);
}

bool IsPolicyId(std::string_view policy) {
  return policy.size() <= 64 && std::all_of(policy.begin(), policy.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
         });
}

Application ApplicationFromRow(const Row& r, int policy_column) {
  Application a;
  a.id = r.Int(0);
  a.credit_code = r.Text(1);
  a.year = r.Int(2);
  a.measure = r.Text(3);
  a.item = r.Text(4);
  a.project = r.Text(5);
  a.claim = r.Text(6);
  a.state = ParseApplicationState(r.Text(7)).value_or(ApplicationState::kDraft);
  a.notice_until = r.Text(8);
  a.created_at = r.Text(9);
  a.updated_at = r.Text(10);
  if (policy_column >= 0) a.policy = r.Text(static_cast<size_t>(policy_column));
  return a;
}

Result<Application> Store::LoadApplication(Database& db, int64_t id, bool for_update) {
  std::string sql = std::string("SELECT ") + (programmes_ ? kApplicationColumnsWithPolicy : kApplicationColumns) +
                    " FROM application WHERE id = ?";
  if (for_update && db.dialect() == Dialect::kPostgres) sql += " FOR UPDATE";
  BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne(sql, {id}));
  if (!row) return Status(StatusCode::kNotFound, "no application " + std::to_string(id), "application");
  return ApplicationFromRow(*row, programmes_ ? 11 : -1);
}

Status Store::LockEnterprises(Database& db, const std::vector<std::string>& credit_codes) {
  // SQLite: BEGIN IMMEDIATE holds the database's only write lock already.
  if (db.dialect() != Dialect::kPostgres || credit_codes.empty()) return OkStatus();
  std::string in;
  std::vector<Param> params;
  for (const std::string& code : credit_codes) {
    in += in.empty() ? "?" : ", ?";
    params.emplace_back(std::string_view(code));
  }
  // In credit-code order, as every locker takes them: no two wait on each other.
  std::vector<Row> rows;
  BURSAR_RETURN_IF_ERROR(db.QuerySpan(
      "SELECT credit_code FROM enterprise WHERE credit_code IN (" + in + ") ORDER BY credit_code FOR UPDATE", params,
      &rows));
  if (rows.size() != credit_codes.size()) {
    return Status(StatusCode::kNotFound, "an application's enterprise is not stored", "credit_code");
  }
  return OkStatus();
}

namespace {
// A change of state: allowed first, then written (parameters: to, now, id,
// from), changing exactly the row still in the state it was read in.
constexpr const char* kTransitionSql = "UPDATE application SET state = ?, updated_at = ? WHERE id = ? AND state = ?";
Status AllowedTransition(const Application& app, ApplicationState to) {
  if (IsAllowedTransition(app.state, to)) return OkStatus();
  return Status(StatusCode::kFailedPrecondition, "application " + std::to_string(app.id) + " is " +
                                                     ApplicationStateName(app.state) + ": it cannot become " +
                                                     ApplicationStateName(to));
}
Status TransitionChanged(const Application& app, int64_t changed) {
  if (changed == 1) return OkStatus();
  return Status(StatusCode::kConflict, "application " + std::to_string(app.id) + " changed concurrently");
}
}  // namespace

Status Store::Transition(Database& db, const Application& app, ApplicationState to) {
  BURSAR_RETURN_IF_ERROR(AllowedTransition(app, to));
  const std::string now = Now();
  BURSAR_ASSIGN_OR_RETURN(int64_t changed,
                          db.Execute(kTransitionSql, {ApplicationStateName(to), now, app.id, ApplicationStateName(app.state)}));
  return TransitionChanged(app, changed);
}

Status Store::CheckProgramme(const std::string& policy) const {
  if (!IsPolicyId(policy)) return InvalidArgument("expected a policy id such as \"digital-health\"", "policy");
  if (!policy.empty() && !programmes_) {
    return Status(StatusCode::kFailedPrecondition, "the store holds one programme until it is migrated (migration " +
                                                       std::to_string(kProgrammesMigration) + ")");
  }
  return OkStatus();
}

Result<int64_t> Store::CreateApplication(const std::string& actor, const std::string& code, int64_t year,
                                         const json& claim, const std::string& policy) {
  std::string measure;
  BURSAR_RETURN_IF_ERROR(CheckClaim(claim, &measure));
  BURSAR_RETURN_IF_ERROR(CheckProgramme(policy));
  auto text_of = [&](const char* key) { return ClaimText(claim, key); };
  if (year < 1900 || year > 2999) return InvalidArgument("expected a year such as 2025", "year").WithReason("not_year");
  int64_t id = 0;
  auto result = Write(actor, [&](Database& db) -> Result<std::optional<json>> {
    BURSAR_ASSIGN_OR_RETURN(auto e, db.QueryOne("SELECT 1 FROM enterprise WHERE credit_code = ?", {code}));
    if (!e) return Status(StatusCode::kNotFound, "no enterprise " + code, "credit_code");
    const std::string now = Now();
    const std::string claim_text = CanonicalJson(claim);
    BURSAR_ASSIGN_OR_RETURN(
        auto row,
        policy.empty()
            ? db.QueryOne("INSERT INTO application (credit_code, year, measure, item, project, "
                          "claim, state, created_at, updated_at) "
                          "VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?) RETURNING id",
                          {code, year, measure, text_of("item"), text_of("project"), claim_text, now, now})
            : db.QueryOne("INSERT INTO application (credit_code, year, measure, item, project, "
                          "claim, state, created_at, updated_at, policy) "
                          "VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?) RETURNING id",
                          {code, year, measure, text_of("item"), text_of("project"), claim_text, now, now, policy}));
    if (!row) return Status(StatusCode::kInternal, "INSERT ... RETURNING gave no row");
    id = row->Int(0);
    json change = {
        {"op", "application.create"}, {"application", id}, {"credit_code", code}, {"year", year}, {"claim", claim}};
    if (!policy.empty()) change["policy"] = policy;
    return std::optional<json>(std::move(change));
  });
  if (!result.ok()) {
    if (result.status().code() == StatusCode::kAlreadyExists) {
      return Status(StatusCode::kAlreadyExists, "enterprise " + code + " already has an application for measure " +
                                                    measure + " (this item and project) in " + std::to_string(year))
          .WithReason("application_exists", {{"credit_code", code}, {"measure", measure}, {"year", std::to_string(year)}});
    }
    return result.status();
  }
  return id;
}

Result<std::vector<int64_t>> Store::ProposeApplyFree(const std::string& actor, int64_t year, const std::string& measure,
                                                     const std::vector<std::string>& credit_codes,
                                                     const std::string& policy) {
  BURSAR_RETURN_IF_ERROR(CheckMeasureId(measure, "measure"));
  BURSAR_RETURN_IF_ERROR(CheckProgramme(policy));
  if (year < 1900 || year > 2999) return InvalidArgument("expected a year such as 2025", "year").WithReason("not_year");
  std::vector<int64_t> ids;
  auto result = Write(actor, [&](Database& db) -> Result<std::optional<json>> {
    const std::string now = Now();
    const json claim = {{"measure", measure}, {"apply_free", true}};
    const std::string claim_text = CanonicalJson(claim);
    // A district is 100,000 enterprises: they are checked and inserted a
    // thousand at a time, on PostgreSQL by one INSERT ... SELECT of the
    // thousand, on SQLite by a prepared INSERT each.
    constexpr size_t kChunk = 1000;
    for (size_t start = 0; start < credit_codes.size(); start += kChunk) {
      const std::span<const std::string> chunk(credit_codes.data() + start,
                                               std::min(kChunk, credit_codes.size() - start));
      std::vector<Param> codes(chunk.begin(), chunk.end());
      std::vector<Row> known;
      BURSAR_RETURN_IF_ERROR(db.QuerySpan(
          "SELECT credit_code FROM enterprise WHERE credit_code IN (" + Placeholders(chunk.size()) + ")", codes,
          &known));
      if (known.size() != chunk.size()) {
        std::set<std::string> found;
        for (const Row& r : known) found.insert(r.Text(0));
        for (const std::string& code : chunk) {
          if (!found.contains(code)) return Status(StatusCode::kNotFound, "no enterprise " + code, "credit_code");
        }
      }
      if (db.dialect() == Dialect::kPostgres) {
        // One statement for the chunk: the server plans and starts an INSERT
        // once, not a thousand times (a fifth of the time on 5,000).
        std::string array = "{";
        for (const std::string& code : chunk) {
          if (array.size() > 1) array += ',';
          array += '"';
          for (char c : code) {
            if (c == '"' || c == '\\') array += '\\';
            array += c;
          }
          array += '"';
        }
        array += '}';
        std::vector<Param> params = {year, std::string_view(measure), std::string_view(claim_text),
                                     std::string_view(now), std::string_view(now)};
        if (programmes_) params.emplace_back(std::string_view(policy));
        params.emplace_back(std::string_view(array));
        std::vector<Row> made;
        BURSAR_RETURN_IF_ERROR(db.QuerySpan(
            std::string("INSERT INTO application (credit_code, year, measure, item, project, claim, state, "
                        "created_at, updated_at") +
                (programmes_ ? ", policy" : "") + ") SELECT u.code, ?, ?, '', '', ?, 'draft', ?, ?" +
                (programmes_ ? ", ?" : "") +
                " FROM unnest(CAST(? AS TEXT[])) WITH ORDINALITY AS u(code, n) ORDER BY u.n "
                "ON CONFLICT DO NOTHING RETURNING credit_code, id",
            params, &made));
        std::map<std::string, int64_t> id_of;
        for (const Row& r : made) id_of[r.Text(0)] = r.Int(1);
        for (const std::string& code : chunk) {
          if (auto it = id_of.find(code); it != id_of.end()) {
            ids.push_back(it->second);
            id_of.erase(it);  // a code given twice is proposed once
          }
        }
        continue;
      }
      std::vector<Param> rows;
      rows.reserve(chunk.size() * 7);
      for (const std::string& code : chunk) {
        rows.insert(rows.end(), {std::string_view(code), year, std::string_view(measure), std::string_view(claim_text),
                                 std::string_view(now), std::string_view(now)});
        if (programmes_) rows.emplace_back(std::string_view(policy));
      }
      std::vector<int64_t> changed, made;
      BURSAR_RETURN_IF_ERROR(
          programmes_ ? db.ExecuteBatch("INSERT INTO application (credit_code, year, measure, item, project, "
                                        "claim, state, created_at, updated_at, policy) "
                                        "VALUES (?, ?, ?, '', '', ?, 'draft', ?, ?, ?) "
                                        "ON CONFLICT DO NOTHING RETURNING id",
                                        rows, 7, &changed, &made)
                      : db.ExecuteBatch("INSERT INTO application (credit_code, year, measure, item, project, "
                                        "claim, state, created_at, updated_at) "
                                        "VALUES (?, ?, ?, '', '', ?, 'draft', ?, ?) "
                                        "ON CONFLICT DO NOTHING RETURNING id",
                                        rows, 6, &changed, &made));
      for (int64_t id : made) {
        if (id != 0) ids.push_back(id);
      }
    }
    if (ids.empty()) return std::optional<json>();
    json change = {{"op", "apply_free.propose"}, {"measure", measure}, {"year", year}, {"applications", ids}};
    if (!policy.empty()) change["policy"] = policy;
    return std::optional<json>(std::move(change));
  });
  if (!result.ok()) return result.status();
  return ids;
}

Result<Application> Store::GetApplication(int64_t id) { return LoadApplication(*db_, id, false); }

Status Store::EditDraft(const std::string& actor, int64_t id, const json& claim) {
  std::string measure;
  BURSAR_RETURN_IF_ERROR(CheckClaim(claim, &measure));
  int64_t year = 0;
  auto result = Write(actor, [&](Database& db) -> Result<std::optional<json>> {
    BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, id, true));
    year = app.year;
    if (app.state != ApplicationState::kDraft) return WrongState(app, "change its claim", "draft");
    if (IsApplyFreeProposal(app)) {
      return Status(StatusCode::kFailedPrecondition,
                    "application " + std::to_string(id) + " is an apply-free proposal: it is confirmed as proposed")
          .WithReason("proposal_not_edited", {{"application", std::to_string(id)}});
    }
    if (measure != app.measure) {
      return InvalidArgument("a draft keeps its measure " + app.measure + "; for measure " + measure +
                                 ", make another application",
                             "claim.measure");
    }
    const std::string claim_text = CanonicalJson(claim);
    BURSAR_RETURN_IF_ERROR(db.Execute("UPDATE application SET item = ?, project = ?, claim = ?, updated_at = ? "
                                      "WHERE id = ?",
                                      {ClaimText(claim, "item"), ClaimText(claim, "project"), claim_text, Now(), id})
                               .status());
    return std::optional<json>(json{{"op", "application.edit"},
                                    {"application", id},
                                    {"claim", claim},
                                    {"was", json::parse(app.claim, nullptr, false)}});
  });
  if (result.status().code() == StatusCode::kAlreadyExists) {
    return Status(StatusCode::kAlreadyExists, "the enterprise already has an application for measure " + measure +
                                                  " (this item and project) in that year",
                  "claim.project")
        .WithReason("application_exists", {{"measure", measure}, {"year", std::to_string(year)}});
  }
  return result.status();
}

Status Store::WithdrawDraft(const std::string& actor, int64_t id) {
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, id, true));
                 if (app.state != ApplicationState::kDraft) return WrongState(app, "withdraw it", "draft");
                 if (IsApplyFreeProposal(app)) {
                   return Status(StatusCode::kFailedPrecondition,
                                 "application " + std::to_string(id) +
                                     " is an apply-free proposal: it is not withdrawn, only left unconfirmed")
                       .WithReason("proposal_not_withdrawn", {{"application", std::to_string(id)}});
                 }
                 // A draft has nothing hanging from it but its files
                 // (reviews, decisions and payments come after submission):
                 // the rows go, and the entry keeps what it claimed and
                 // the SHA-256 of each file it held.
                 json files = json::array();
                 if (attachments_) {
                   BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT id, filename, sha256 FROM attachment WHERE "
                                                               "application_id = ? ORDER BY id",
                                                               {id}));
                   for (const Row& r : rows) {
                     files.push_back({{"attachment", r.Int(0)}, {"filename", r.Text(1)}, {"sha256", r.Text(2)}});
                   }
                   BURSAR_RETURN_IF_ERROR(
                       db.Execute("DELETE FROM attachment WHERE application_id = ?", {id}).status());
                 }
                 BURSAR_RETURN_IF_ERROR(db.Execute("DELETE FROM application WHERE id = ?", {id}).status());
                 json change = {{"op", "application.withdraw"},
                                {"application", id},
                                {"credit_code", app.credit_code},
                                {"year", app.year},
                                {"claim", json::parse(app.claim, nullptr, false)}};
                 if (!files.empty()) change["attachments"] = std::move(files);
                 return std::optional<json>(std::move(change));
               })
      .status();
}

Status Store::Submit(const std::string& actor, int64_t id) {
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, id, true));
                 if (app.state != ApplicationState::kDraft) return WrongState(app, "submit it", "draft");
                 BURSAR_RETURN_IF_ERROR(Transition(db, app, ApplicationState::kSubmitted));
                 // D-G7 serves an enterprise's applications in this order.
                 BURSAR_RETURN_IF_ERROR(
                     db.Execute("UPDATE application SET submitted_at = ? WHERE id = ?", {Now(), id}).status());
                 return std::optional<json>(StepChange("application.submit", app, ApplicationState::kSubmitted));
               })
      .status();
}

Status Store::StartReview(const std::string& actor, int64_t id, const std::vector<std::string>& reviewers) {
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, id, true));
                 // In review already: the officer adds reviewers, as when the
                 // only one declared a conflict (issue 14, A7: the
                 // application was stuck). Nobody is removed: an excluded
                 // reviewer stays excluded and recorded, and cannot be
                 // named again.
                 if (app.state == ApplicationState::kInReview) return AddReviewersIn(db, app, reviewers);
                 if (app.state != ApplicationState::kSubmitted) {
                   return WrongState(app, "start its review", "submitted, or in_review to add reviewers");
                 }
                 // An apply-free proposal is decided from evidence alone: it
                 // may be opened without reviewers.
                 const json claim = json::parse(app.claim, nullptr, false);
                 const bool apply_free = claim.is_object() && claim.value("apply_free", false);
                 if (reviewers.empty() && !apply_free) {
                   return InvalidArgument("a review needs at least one reviewer", "reviewers");
                 }
                 const std::string now = Now();
                 for (const std::string& r : reviewers) {
                   if (r.empty()) return InvalidArgument("empty reviewer name", "reviewers");
                   auto inserted = db.Execute(
                       "INSERT INTO review (application_id, reviewer, state, updated_at) "
                       "VALUES (?, ?, 'assigned', ?)",
                       {id, r, now});
                   if (!inserted.ok()) {
                     if (inserted.status().code() == StatusCode::kAlreadyExists) {
                       return InvalidArgument("reviewer " + r + " is named twice", "reviewers");
                     }
                     return inserted.status();
                   }
                 }
                 BURSAR_RETURN_IF_ERROR(Transition(db, app, ApplicationState::kInReview));
                 json change = StepChange("application.start_review", app, ApplicationState::kInReview);
                 change["reviewers"] = reviewers;
                 return std::optional<json>(std::move(change));
               })
      .status();
}

Result<std::optional<json>> Store::AddReviewersIn(Database& db, const Application& app,
                                                  const std::vector<std::string>& reviewers) {
  if (reviewers.empty()) return InvalidArgument("name at least one reviewer to add", "reviewers");
  const std::string now = Now();
  for (size_t i = 0; i < reviewers.size(); ++i) {
    const std::string& r = reviewers[i];
    const std::string field = "reviewers[" + std::to_string(i) + "]";
    if (r.empty()) return InvalidArgument("empty reviewer name", field);
    BURSAR_ASSIGN_OR_RETURN(auto existing, db.QueryOne("SELECT state FROM review WHERE application_id = ? "
                                                       "AND reviewer = ?",
                                                       {app.id, r}));
    if (existing) {
      return Status(StatusCode::kFailedPrecondition,
                    existing->Text(0) == "excluded"
                        ? r + " declared a conflict of interest and stays excluded from application " +
                              std::to_string(app.id)
                        : r + " already reviews application " + std::to_string(app.id),
                    field);
    }
    auto inserted = db.Execute("INSERT INTO review (application_id, reviewer, state, updated_at) "
                               "VALUES (?, ?, 'assigned', ?)",
                               {app.id, r, now});
    if (!inserted.ok()) {
      if (inserted.status().code() == StatusCode::kAlreadyExists) {
        return InvalidArgument("reviewer " + r + " is named twice", "reviewers");
      }
      return inserted.status();
    }
  }
  // The state stays in_review; the version moves on (the review rows'
  // triggers), so a page read before the change is stale.
  BURSAR_RETURN_IF_ERROR(db.Execute("UPDATE application SET updated_at = ? WHERE id = ?", {now, app.id}).status());
  return std::optional<json>(
      json{{"op", "application.add_reviewers"}, {"application", app.id}, {"reviewers", reviewers}});
}

Status Store::DeclareConflict(const std::string& reviewer, int64_t id, const std::string& reason) {
  if (reason.empty()) return InvalidArgument("say what the conflict of interest is", "reason").WithReason("required");
  return Write(reviewer,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, id, true));
                 if (app.state != ApplicationState::kInReview)
                   return WrongState(app, "declare a conflict", "in_review");
                 BURSAR_ASSIGN_OR_RETURN(
                     int64_t changed, db.Execute("UPDATE review SET state = 'excluded', conflict = ?, scores = NULL, "
                                                 "proposed_fen = NULL, updated_at = ? "
                                                 "WHERE application_id = ? AND reviewer = ? AND state <> 'excluded'",
                                                 {reason, Now(), id, reviewer}));
                 if (changed != 1) {
                   return Status(StatusCode::kPermissionDenied,
                                 reviewer + " is not an active reviewer of application " + std::to_string(id));
                 }
                 return std::optional<json>(
                     json{{"op", "review.conflict"}, {"application", id}, {"reviewer", reviewer}, {"reason", reason}});
               })
      .status();
}

Status Store::SubmitReview(const std::string& reviewer, int64_t id, const json& scores, const std::string& proposed,
                           const std::string& opinion) {
  if (!scores.is_object() || scores.empty()) {
    return InvalidArgument("scores are an object of rubric item → integer 0..100", "scores");
  }
  for (const auto& [item, score] : scores.items()) {
    if (!score.is_number_integer() || score.get<int64_t>() < 0 || score.get<int64_t>() > 100) {
      return InvalidArgument("expected an integer 0..100", "scores." + item);
    }
  }
  BURSAR_ASSIGN_OR_RETURN(int64_t proposed_fen, MoneyToFen(proposed, "proposed"));
  // A review is a score and its reasons: the opinion an officer reads before
  // deciding, and an auditor after.
  if (opinion.find_first_not_of(" \t\r\n") == std::string::npos) {
    return InvalidArgument("write the review's opinion (评审意见)", "opinion").WithReason("required");
  }
  if (FirstInvalidUtf8(opinion) != std::string::npos) return InvalidArgument("not UTF-8", "opinion");
  size_t chars = 0;
  for (unsigned char ch : opinion) chars += (ch & 0xC0) != 0x80;
  if (chars > kMaxOpinionChars) {
    return InvalidArgument("at most " + std::to_string(kMaxOpinionChars) + " characters, not " + std::to_string(chars),
                           "opinion");
  }
  return Write(
             reviewer,
             [&](Database& db) -> Result<std::optional<json>> {
               BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, id, true));
               if (app.state != ApplicationState::kInReview) return WrongState(app, "take a review", "in_review");
               BURSAR_ASSIGN_OR_RETURN(auto review, db.QueryOne("SELECT state FROM review WHERE application_id = ? "
                                                                "AND reviewer = ?",
                                                                {id, reviewer}));
               if (!review) {
                 return Status(StatusCode::kPermissionDenied,
                               reviewer + " is not assigned to review application " + std::to_string(id));
               }
               if (review->Text(0) == "excluded") {
                 return Status(StatusCode::kPermissionDenied, reviewer +
                                                                  " declared a conflict of interest and is excluded "
                                                                  "from reviewing application " +
                                                                  std::to_string(id));
               }
               // A review assesses the claim; it never raises it (issue 14,
               // A1): one reviewer's 999,999,999,999.99 overrode a claim of
               // 1,000,000.00.
               BURSAR_ASSIGN_OR_RETURN(std::optional<int64_t> claimed, ClaimedFen(app));
               if (claimed && proposed_fen > *claimed) {
                 return InvalidArgument("a proposed amount is at most the claimed amount (" +
                                            FenToMoneyString(*claimed) + "), not " + FenToMoneyString(proposed_fen),
                                        "proposed");
               }
               const std::string scores_text = CanonicalJson(scores);
               // A store not yet migrated to 23 keeps the opinion in the audit entry only.
               BURSAR_RETURN_IF_ERROR(
                   (review_opinions_
                        ? db.Execute("UPDATE review SET state = 'submitted', scores = ?, proposed_fen = ?, opinion = ?, "
                                     "updated_at = ? WHERE application_id = ? AND reviewer = ?",
                                     {scores_text, proposed_fen, opinion, Now(), id, reviewer})
                        : db.Execute("UPDATE review SET state = 'submitted', scores = ?, proposed_fen = ?, "
                                     "updated_at = ? WHERE application_id = ? AND reviewer = ?",
                                     {scores_text, proposed_fen, Now(), id, reviewer}))
                       .status());
               return std::optional<json>(json{{"op", "review.submit"},
                                               {"application", id},
                                               {"reviewer", reviewer},
                                               {"scores", scores},
                                               {"proposed", FenToMoneyString(proposed_fen)},
                                               {"opinion", opinion}});
             })
      .status();
}

Result<std::vector<Review>> Store::Reviews(int64_t id) {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db_->Query(std::string("SELECT reviewer, state, scores, proposed_fen, conflict, ") +
                                                    (review_opinions_ ? "opinion" : "NULL") +
                                                    " FROM review WHERE application_id = ? ORDER BY reviewer",
                                                {id}));
  std::vector<Review> out;
  for (const Row& r : rows) {
    Review v{r.Text(0), r.Text(1), r.Text(2), std::nullopt, r.Text(4), r.Text(5)};
    if (!r.IsNull(3)) v.proposed_fen = r.Int(3);
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::vector<std::pair<std::string, int64_t>>> Store::AssignableReviewers() {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db_->Query("SELECT a.username, (SELECT COUNT(*) FROM review r JOIN application p "
                                                "ON p.id = r.application_id WHERE r.reviewer = a.username AND "
                                                "r.state = 'assigned' AND p.state = 'in_review') "
                                                "FROM account a WHERE a.role = 'reviewer' AND a.disabled = 0 "
                                                "ORDER BY a.username"));
  std::vector<std::pair<std::string, int64_t>> out;
  for (const Row& r : rows) out.emplace_back(r.Text(0), r.Int(1));
  return out;
}

Result<int64_t> ApplicationLinesFen(const json& output, const std::string& measure, const std::string& item,
                                    std::vector<int64_t>* lines) {
  int64_t sum = 0;
  if (!output.contains("awards") || !output["awards"].is_array()) {
    return InvalidArgument("a decision has an array \"awards\"", "output.awards");
  }
  size_t k = 0;
  for (const json& award : output["awards"]) {
    const std::string field = "output.awards[" + std::to_string(k++) + "].amount";
    if (!award.is_object() || award.value("measure", "") != measure) continue;
    if (!item.empty() && award.value("item", "") != item) continue;
    if (!award.contains("amount") || !award["amount"].is_string()) {
      return InvalidArgument("expected a money string", field);
    }
    BURSAR_ASSIGN_OR_RETURN(int64_t fen, MoneyToFen(award["amount"].get<std::string>(), field.c_str()));
    if (__builtin_add_overflow(sum, fen, &sum)) return Status(StatusCode::kOutOfRange, "award total overflows", field);
    if (lines) lines->push_back(fen);
    // What the line counted of a `draw` goes into the ledger (ledger.h).
    if (award.contains("drawn")) {
      const std::string drawn = "output.awards[" + std::to_string(k - 1) + "].drawn";
      if (!award["drawn"].is_object()) return InvalidArgument("expected an object of money strings", drawn);
      for (auto it = award["drawn"].begin(); it != award["drawn"].end(); ++it) {
        const std::string at = drawn + "." + it.key();
        if (!it->is_string()) return InvalidArgument("expected a money string", at);
        BURSAR_RETURN_IF_ERROR(MoneyToFen(it->get<std::string>(), at.c_str()).status());
      }
    }
  }
  return sum;
}

std::string LinesFenText(const std::vector<int64_t>& lines) {
  std::string out;
  for (int64_t fen : lines) out += (out.empty() ? "" : ",") + std::to_string(fen);
  return out;
}

Result<std::vector<int64_t>> ParseLinesFen(std::string_view text, int64_t total_fen, int64_t decision_id) {
  std::vector<int64_t> lines;
  int64_t sum = 0;
  bool ok = true;
  while (ok && !text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    int64_t fen = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), fen);
    ok = ec == std::errc() && end == item.data() + item.size() && !__builtin_add_overflow(sum, fen, &sum);
    lines.push_back(fen);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    ok = ok && !(comma != std::string_view::npos && text.empty());
  }
  if (!ok || sum != total_fen) {
    return Status(StatusCode::kInternal, "decision " + std::to_string(decision_id) +
                                             ": its stored award lines do not add up to its total of " +
                                             FenToMoneyString(total_fen) +
                                             " (the row was changed outside bursar: run `bursar audit verify`)");
  }
  return lines;
}

Result<int64_t> Store::Decide(const std::string& actor, int64_t id, const DecisionInput& decision) {
  int64_t decision_id = 0;
  auto result = Write(actor, [&](Database& db) -> Result<std::optional<json>> {
    BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, id, true));
    BURSAR_ASSIGN_OR_RETURN(json change, DecideIn(db, actor, app, decision, &decision_id));
    return std::optional<json>(std::move(change));
  });
  if (!result.ok()) return result.status();
  return decision_id;
}

Result<json> Store::ClaimsForDecision(Database& db, const Application& app) {
  json claim = json::parse(app.claim, nullptr, false);
  if (claim.is_discarded() || !claim.is_object()) return Status(StatusCode::kInternal, "a stored claim is not JSON");
  if (claim.value("apply_free", false)) return json::array();
  BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT proposed_fen FROM review WHERE application_id = ? "
                                              "AND state = 'submitted' AND proposed_fen IS NOT NULL",
                                              {app.id}));
  if (!rows.empty() && claim.contains("assessed")) {
    int64_t sum = 0;
    for (const Row& r : rows) {
      if (__builtin_add_overflow(sum, r.Int(0), &sum)) return Status(StatusCode::kOutOfRange, "proposals overflow");
    }
    // The mean of the proposals, capped at what was claimed: a proposal
    // stored before proposals were checked against the claim (A1) does not
    // raise it either.
    int64_t assessed = sum / static_cast<int64_t>(rows.size());
    BURSAR_ASSIGN_OR_RETURN(std::optional<int64_t> claimed, ClaimedFen(app));
    if (claimed) assessed = std::min(assessed, *claimed);
    claim["assessed"] = FenToMoneyString(assessed);
  }
  return json::array({claim});
}

Status Store::PrefetchRun(Database& db, const std::string& actor, const std::vector<int64_t>& ids, RunPrefetch* pre) {
  if (ids.empty()) return OkStatus();
  std::vector<Param> params(ids.begin(), ids.end());
  const std::string in = Placeholders(ids.size());
  std::vector<Row> rows;
  // Locked as LoadApplication(…, true) locks each, after the enterprises.
  BURSAR_RETURN_IF_ERROR(db.QuerySpan(std::string("SELECT ") +
                                          (programmes_ ? kApplicationColumnsWithPolicy : kApplicationColumns) +
                                          " FROM application WHERE id IN (" + in + ") ORDER BY id" +
                                          (db.dialect() == Dialect::kPostgres ? " FOR UPDATE" : ""),
                                      params, &rows));
  std::set<std::string> codes;
  for (const Row& r : rows) {
    Application app = ApplicationFromRow(r, programmes_ ? 11 : -1);
    codes.insert(app.credit_code);
    pre->apps.emplace(app.id, std::move(app));
  }
  rows.clear();
  BURSAR_RETURN_IF_ERROR(db.QuerySpan("SELECT application_id, reviewer, state FROM review WHERE application_id IN (" +
                                          in + ") ORDER BY application_id, reviewer",
                                      params, &rows));
  std::map<int64_t, std::vector<std::pair<std::string, std::string>>> reviews;
  for (const Row& r : rows) reviews[r.Int(0)].emplace_back(r.Text(1), r.Text(2));
  for (const auto& [id, app] : pre->apps) pre->blockers[id] = DecideBlockerOf(reviews[id]);
  rows.clear();
  BURSAR_RETURN_IF_ERROR(db.QuerySpan("SELECT application_id FROM decision WHERE in_force = 1 AND application_id IN (" +
                                          in + ")",
                                      params, &rows));
  for (const Row& r : rows) pre->in_force.insert(r.Int(0));
  // Separation of duties (S8), as DecideIn asks it of one enterprise: a
  // hundred enterprises a query (each evidence table lists them, and a run's
  // group may be large: SQLite takes at most 32,766 parameters).
  constexpr size_t kCodesPerQuery = 100;
  const std::vector<std::string> all(codes.begin(), codes.end());
  for (size_t start = 0; provenance_ && start < all.size(); start += kCodesPerQuery) {
    const size_t n = std::min(kCodesPerQuery, all.size() - start);
    const std::string code_in = Placeholders(n);
    std::string sql;
    std::vector<Param> verified;
    for (const std::string& t : DigestedEvidenceTables()) {
      if (t == "figure" && !programmes_) continue;
      sql += std::string(sql.empty() ? "" : " UNION ALL ") + "SELECT '" + t + "', credit_code FROM " + t +
             " WHERE verified_by = ? AND credit_code IN (" + code_in + ")";
      verified.emplace_back(std::string_view(actor));
      for (size_t i = start; i < start + n; ++i) verified.emplace_back(std::string_view(all[i]));
    }
    rows.clear();
    BURSAR_RETURN_IF_ERROR(db.QuerySpan(sql, verified, &rows));
    for (const Row& r : rows) pre->verified.emplace(r.Text(1), r.Text(0));
  }
  return OkStatus();
}

Result<json> Store::DecideFromStoreIn(Database& db, const std::string& actor, int64_t id, const DecideFn& decide,
                                      int64_t* decision_id, int64_t* total, CaseBatch* batch, RunPrefetch* pre) {
  Application app;
  auto prefetched = pre != nullptr ? pre->apps.extract(id) : decltype(pre->apps)::node_type();
  if (prefetched) {
    app = std::move(prefetched.mapped());
  } else {
    if (pre != nullptr) pre->blockers.erase(id);  // not prefetched (or decided already): read it all again
    BURSAR_ASSIGN_OR_RETURN(app, LoadApplication(db, id, true));
  }
  if (app.state != ApplicationState::kInReview) return WrongState(app, "decide it", "in_review");
  BURSAR_ASSIGN_OR_RETURN(json claims, ClaimsForDecision(db, app));
  // D-G7: the case holds the enterprise's awards in force as history, so no
  // other decision of the enterprise may change them until this one is
  // recorded (Write's audit-head lock serialises writers already; this lock
  // says so where it matters, and holds whatever becomes of that one). A
  // batch's enterprises were locked when it was read.
  nlohmann::ordered_json c;
  if (batch != nullptr) {
    BURSAR_ASSIGN_OR_RETURN(c, batch->Case(app.credit_code, claims, app.id));
  } else {
    BURSAR_RETURN_IF_ERROR(LockEnterprises(db, {app.credit_code}));
    BURSAR_ASSIGN_OR_RETURN(c, BuildCase(app.credit_code, app.year, claims, nullptr, app.id, false, app.policy));
  }
  BURSAR_ASSIGN_OR_RETURN(DecisionInput input, decide(app.policy, c.dump(2) + "\n"));
  BURSAR_ASSIGN_OR_RETURN(json change, DecideIn(db, actor, app, input, decision_id, total, pre));
  // The enterprise's next case in the batch reads its ledger with this award.
  if (batch != nullptr) batch->Forget(app.credit_code);
  return change;
}

Result<int64_t> Store::DecideFromStore(const std::string& actor, int64_t id, const DecideFn& decide,
                                       const std::function<void()>& inside) {
  int64_t decision_id = 0;
  auto result = Write(actor, [&](Database& db) -> Result<std::optional<json>> {
    BURSAR_ASSIGN_OR_RETURN(json change, DecideFromStoreIn(db, actor, id, decide, &decision_id, nullptr, nullptr));
    if (inside) inside();
    return std::optional<json>(std::move(change));
  });
  if (!result.ok()) return result.status();
  return decision_id;
}

Status Store::DecideRun(const std::string& actor, const std::vector<int64_t>& ids, const DecideFn& decide,
                        const DecideRunOptions& options, const std::function<void(const RunDecision&)>& done) {
  const size_t per = std::max<size_t>(options.per_transaction, 1);
  size_t count = 0;  // decisions written so far, for options.inside
  // PostgreSQL keeps a prepared statement's generic plan, made when the run
  // began, until something (autovacuum's ANALYZE) invalidates it. A run that
  // starts on a year without decisions planned `UPDATE decision … WHERE
  // application_id = ?` as a sequential scan of an empty table and kept it
  // while the table grew: every decision read all the run's decisions before
  // it (30 s against 13 s for 5,487 decisions, in a run autovacuum did not
  // reach). The plans are dropped whenever the run has doubled what it wrote,
  // so that they are made again for the tables as they are: a few times a run.
  size_t replan_at = per;
  for (size_t start = 0; start < ids.size(); start += per) {
    const std::vector<int64_t> group(ids.begin() + static_cast<std::ptrdiff_t>(start),
                                     ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + per)));
    std::vector<RunDecision> made;
    size_t counted = 0;  // the group's decisions made, before any was finished
    bool whole = true;
    {
      // Before the transaction, so that it outlives it: a group given up
      // rolls back, which reads the results of writes still in flight into
      // the decisions `pre` holds.
      RunPrefetch pre;
      BURSAR_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(db_.get()));
      BURSAR_ASSIGN_OR_RETURN(AuditHead head, LockAuditHead(*db_, sealing_));
      if (sealing_) BURSAR_RETURN_IF_ERROR(ClearCaptured(*db_));
      // The group's cases are read at once: its enterprises' records, facts
      // and ledgers, a few queries for the group (per year of its
      // applications), with the enterprises locked first.
      // By year and programme (each its own facts and ledgers).
      using Batch = std::pair<int64_t, std::string>;
      std::map<Batch, std::vector<std::string>> codes;  // sorted, distinct
      std::map<int64_t, Batch> batch_of;                 // application → its batch
      {
        std::string in;
        std::vector<Param> params;
        for (int64_t id : group) {
          in += in.empty() ? "?" : ", ?";
          params.emplace_back(id);
        }
        std::vector<Row> rows;
        BURSAR_RETURN_IF_ERROR(db_->QuerySpan(std::string("SELECT id, year, credit_code, ") +
                                                  (programmes_ ? "policy" : "''") +
                                                  " FROM application WHERE id IN (" + in +
                                                  ") ORDER BY year, credit_code",
                                              params, &rows));
        for (const Row& r : rows) {
          Batch key{r.Int(1), r.Text(3)};
          batch_of[r.Int(0)] = key;
          auto& batch_codes = codes[key];
          if (batch_codes.empty() || batch_codes.back() != r.Text(2)) batch_codes.push_back(r.Text(2));
        }
      }
      std::map<Batch, std::unique_ptr<CaseBatch>> batches;
      for (auto& [key, batch_codes] : codes) {
        BURSAR_RETURN_IF_ERROR(LockEnterprises(*db_, batch_codes));
        auto batch = std::make_unique<CaseBatch>(*this, *db_, key.first, nullptr, false, key.second);
        BURSAR_RETURN_IF_ERROR(batch->Load(batch_codes));
        batches.emplace(key, std::move(batch));
      }
      BURSAR_RETURN_IF_ERROR(PrefetchRun(*db_, actor, group, &pre));
      // Each decision's writes are sent, and the next one judged while the
      // server makes them; the results are read at the group's end, then
      // the entries written together.
      const bool pg = db_->dialect() == Dialect::kPostgres;
      for (int64_t id : group) {
        auto key = batch_of.find(id);
        CaseBatch* batch = key != batch_of.end() ? batches[key->second].get() : nullptr;
        // The seq of its entry: the head's next, after the group's decisions before it.
        const int64_t seq = head.seq + 1 + static_cast<int64_t>(pre.sent.size());
        // On PostgreSQL the decision's rows are sealed in the pipeline of its writes.
        pre.seal_seq = sealing_ && pg ? seq : 0;
        int64_t decision_id = 0, total_fen = 0;
        auto change = DecideFromStoreIn(*db_, actor, id, decide, &decision_id, &total_fen, batch, &pre);
        if (!change.ok()) {
          // Which statements of it ran is not known here: the group is
          // rolled back and decided again one by one (below).
          whole = false;
          break;
        }
        // SQLite seals each decision's rows once they are written.
        if (sealing_ && !pg) {
          BURSAR_ASSIGN_OR_RETURN(pre.sent.back().seal, SealCaptured(*db_, seq));
        }
        ++counted;
        if (options.inside) options.inside(++count);
      }
      // The last writes' results, read even when the group is given up.
      if (!db_->Drain().ok()) whole = false;
      std::vector<AuditEntry> entries;
      for (size_t i = 0; whole && i < pre.sent.size(); ++i) {
        RunPrefetch::Sent& sent = pre.sent[i];
        if (!FinishSent(sent).ok()) {
          whole = false;
          break;
        }
        // One entry per decision, each sealing the rows its decision wrote.
        BURSAR_ASSIGN_OR_RETURN(AuditEntry entry, NextAuditEntry(head, actor, Now(), sent.change));
        head = {entry.seq, entry.digest};
        entries.push_back(std::move(entry));
        RunDecision d;
        d.application_id = sent.app.id;
        d.decision_id = sent.change["decision"].get<int64_t>();
        d.total_fen = sent.total_fen;
        made.push_back(std::move(d));
      }
      if (whole) {
        BURSAR_RETURN_IF_ERROR(AppendAuditEntries(*db_, entries));
        BURSAR_RETURN_IF_ERROR(tx->Commit());
      }
    }  // not whole: ~Transaction rolls the group back
    if (whole) {
      for (const RunDecision& d : made) done(d);
      if (db_->dialect() == Dialect::kPostgres && start + group.size() >= replan_at) {
        BURSAR_RETURN_IF_ERROR(db_->ExecScript("DISCARD PLANS"));
        replan_at *= 2;
      }
      continue;
    }
    count -= counted;
    for (int64_t id : group) {
      RunDecision d;
      d.application_id = id;
      auto decision = DecideFromStore(actor, id, decide, options.inside ? [&] { options.inside(++count); }
                                                                        : std::function<void()>());
      if (decision.ok()) {
        d.decision_id = *decision;
        auto stored = GetDecision(*decision);
        if (!stored.ok()) return stored.status();
        d.total_fen = stored->total_fen;
      } else {
        d.status = decision.status();
      }
      done(d);
    }
  }
  return OkStatus();
}

Result<std::vector<int64_t>> Store::ReadyForDecision(int64_t year) {
  BURSAR_ASSIGN_OR_RETURN(auto rows,
                          db_->Query("SELECT a.id FROM application a WHERE a.year = ? AND a.state = 'in_review' "
                                     "AND NOT EXISTS (SELECT 1 FROM review r WHERE r.application_id = a.id "
                                     "AND r.state = 'assigned') "
                                     "AND (EXISTS (SELECT 1 FROM review r WHERE r.application_id = a.id "
                                     "AND r.state = 'submitted') "
                                     "OR NOT EXISTS (SELECT 1 FROM review r WHERE r.application_id = a.id)) "
                                     "ORDER BY COALESCE(a.submitted_at, a.created_at), a.id",
                                     {year}));
  std::vector<int64_t> ids;
  for (const Row& r : rows) ids.push_back(r.Int(0));
  return ids;
}

namespace {
// Separation of duties (S8): `actor` verified declared evidence of `kind` of
// the application's enterprise.
Status VerifierDecides(const std::string& actor, const std::string& kind, const Application& app) {
  return Status(StatusCode::kPermissionDenied,
                "separation of duties: " + actor + " verified declared " + kind + " evidence of " + app.credit_code +
                    ", so another officer decides its application " + std::to_string(app.id))
      .WithReason("verifier_decides", {{"actor", actor},
                                       {"kind", kind},
                                       {"credit_code", app.credit_code},
                                       {"application", std::to_string(app.id)}});
}

// What `read` gives, kept in `memo` under `key` (when a run gives one) and
// taken from it the next time.
template <typename V, typename Read>
Result<V> Memoised(std::map<std::pair<int64_t, std::string>, V>* memo, const std::pair<int64_t, std::string>& key,
                   const Read& read) {
  if (memo != nullptr) {
    if (auto it = memo->find(key); it != memo->end()) return it->second;
  }
  BURSAR_ASSIGN_OR_RETURN(V value, read());
  if (memo != nullptr) (*memo)[key] = value;
  return value;
}
}  // namespace

Result<json> Store::DecideIn(Database& db, const std::string& actor, const Application& app,
                             const DecisionInput& decision, int64_t* decision_id, int64_t* total, RunPrefetch* pre) {
  // What a run read of this application for the group, taken: whatever
  // happens to this decision, a second one of it reads the store.
  std::optional<std::optional<StepBlocker>> prefetched_blocker;
  bool prefetched_in_force = true;
  if (pre != nullptr) {
    if (auto it = pre->blockers.find(app.id); it != pre->blockers.end()) {
      prefetched_blocker = std::move(it->second);
      pre->blockers.erase(it);
      prefetched_in_force = pre->in_force.erase(app.id) > 0;
    }
  }
  const int64_t id = app.id;
  if (!decision.policy_digest.starts_with("sha256:")) {
    return InvalidArgument("expected the engine's digest \"sha256:...\"", "policy_digest");
  }
  const json case_json = json::parse(decision.case_json, nullptr, false);
  if (case_json.is_discarded() || !case_json.is_object()) return InvalidArgument("not a JSON object", "case");
  const json output = json::parse(decision.output_json, nullptr, false);
  if (output.is_discarded() || !output.is_object()) return InvalidArgument("not a JSON object", "output");
  if (!output.contains("total") || !output["total"].is_string()) {
    return InvalidArgument("a decision has a money string \"total\"", "output.total");
  }
  BURSAR_RETURN_IF_ERROR(MoneyToFen(output["total"].get<std::string>(), "output.total").status());
  // The application's award is its own measure's lines: the case may also
  // award other measures (04 from the same facts), which their own
  // applications carry.
  std::vector<int64_t> own_lines;
  BURSAR_ASSIGN_OR_RETURN(int64_t total_fen, ApplicationLinesFen(output, app.measure, app.item, &own_lines));
  if (app.state != ApplicationState::kInReview) return WrongState(app, "decide it", "in_review");
  if (provenance_ && prefetched_blocker) {
    if (auto it = pre->verified.find(app.credit_code); it != pre->verified.end()) {
      return VerifierDecides(actor, it->second, app);
    }
  } else if (provenance_) {
    // Separation of duties (S8): the officer who verified an enterprise's
    // declared evidence does not also decide on it.
    // Every evidence table; the figures from migration 28.
    auto query = [](bool figures) {
      std::string sql;
      size_t n = 0;
      for (const std::string& t : DigestedEvidenceTables()) {
        if (t == "figure" && !figures) continue;
        sql += std::string(sql.empty() ? "" : " UNION ALL ") + "SELECT '" + t + "' FROM " + t +
               " WHERE credit_code = ? AND verified_by = ?";
        ++n;
      }
      return std::pair(sql + " LIMIT 1", n);
    };
    static const std::pair<std::string, size_t> with_figures = query(true), without = query(false);
    const auto& [verified, tables] = programmes_ ? with_figures : without;
    std::vector<Param> params;
    for (size_t i = 0; i < tables; ++i) {
      params.insert(params.end(), {std::string_view(app.credit_code), std::string_view(actor)});
    }
    std::vector<Row> rows;
    BURSAR_RETURN_IF_ERROR(db.QuerySpan(verified, params, &rows));
    if (!rows.empty()) return VerifierDecides(actor, rows[0].Text(0), app);
  }
  // The decision must be about this application's enterprise and year.
  const json applicant = case_json.value("applicant", json::object());
  if (!applicant.is_object() || applicant.value("id", "") != app.credit_code) {
    return InvalidArgument("the case is not about " + app.credit_code, "case.applicant.id");
  }
  if (!case_json.contains("year") || case_json["year"] != app.year) {
    return InvalidArgument("the case is not for " + std::to_string(app.year), "case.year");
  }
  if (output.value("applicant", "") != app.credit_code || !output.contains("year") || output["year"] != app.year) {
    return InvalidArgument("the output is not about this application's enterprise and year", "output");
  }
  std::optional<StepBlocker> blocker;
  if (prefetched_blocker) {
    blocker = std::move(*prefetched_blocker);
  } else {
    BURSAR_ASSIGN_OR_RETURN(blocker, DecideBlockerIn(db, id));
  }
  if (blocker) return blocker->Refusal(id);
  // D-G6: once the year's payments have begun, its factor may not fall, so
  // a decision that would take the committed total over the budget waits
  // for a larger budget.
  // The budget of the application's programme (migrations 28 and 29).
  // A run reads each year's budget and committed total once: its group's
  // decisions are the only writers while it holds the audit head.
  const std::pair<int64_t, std::string> programme_year{app.year, app.policy};
  BURSAR_ASSIGN_OR_RETURN(std::optional<int64_t> budget,
                          Memoised(pre != nullptr ? &pre->budgets : nullptr, programme_year,
                                   [&] { return BudgetFenIn(db, app.year, app.policy); }));
  if (budget && total_fen > 0) {
    BURSAR_ASSIGN_OR_RETURN(YearCommitted year,
                            Memoised(pre != nullptr ? &pre->committed : nullptr, programme_year,
                                     [&] { return YearCommittedIn(db, app.year, app.policy); }));
    if (year.payments > 0 && year.committed_fen + total_fen > *budget) {
      return Status(StatusCode::kFailedPrecondition,
                    "application " + std::to_string(id) + ": deciding " + FenToMoneyString(total_fen) +
                        " would take " + std::to_string(app.year) + "'s committed awards to " +
                        FenToMoneyString(year.committed_fen + total_fen) + ", over its budget of " +
                        FenToMoneyString(*budget) +
                        ", after payments have begun (D-G6 would scale down awards already paid): raise the "
                        "budget first",
                    "budget")
          .WithReason("budget_exceeded", {{"application", std::to_string(id)},
                                          {"year", std::to_string(app.year)},
                                          {"amount", FenToMoneyString(total_fen)},
                                          {"committed", FenToMoneyString(year.committed_fen + total_fen)},
                                          {"budget", FenToMoneyString(*budget)}});
    }
  }
  // A run knows which of its applications have a decision in force.
  if (prefetched_in_force) {
    BURSAR_RETURN_IF_ERROR(
        db.Execute("UPDATE decision SET in_force = 0 WHERE application_id = ? AND in_force = 1", {id}).status());
  }
  BURSAR_RETURN_IF_ERROR(AllowedTransition(app, ApplicationState::kDecided));
  // The decision, the application's new state and (in a run on PostgreSQL)
  // the seal of both, sent together: one round trip.
  // The lines beside the output (migration 30), for D-G6's scaling.
  const std::string lines_fen = LinesFenText(own_lines);
  const std::string now = Now();
  static const std::string kInsert =
      "INSERT INTO decision (application_id, policy_digest, case_json, output_json, total_fen, decided_at, "
      "decided_by, in_force) VALUES (?, ?, ?, ?, ?, ?, ?, 1) RETURNING id";
  static const std::string kInsertWithLines =
      "INSERT INTO decision (application_id, policy_digest, case_json, output_json, total_fen, decided_at, "
      "decided_by, in_force, lines_fen) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING id";
  static const std::string kTransition = kTransitionSql;
  std::vector<Param> insert = {id,        std::string_view(decision.policy_digest), std::string_view(decision.case_json),
                               std::string_view(decision.output_json), total_fen, std::string_view(now),
                               std::string_view(actor)};
  if (decision_lines_) insert.emplace_back(std::string_view(lines_fen));
  const std::vector<Param> transition = {ApplicationStateName(ApplicationState::kDecided), std::string_view(now), id,
                                         ApplicationStateName(app.state)};
  // A run sends the writes and goes on to its next decision (FinishSent
  // reads their results at the end of its group); a decision on its own
  // waits for them.
  RunPrefetch::Sent alone;
  RunPrefetch::Sent& sent = pre != nullptr ? pre->sent.emplace_back() : alone;
  sent.seal_seq = pre != nullptr ? std::exchange(pre->seal_seq, 0) : 0;
  const std::vector<Param> seal_params = {sent.seal_seq};
  std::vector<Database::Step> steps;
  steps.reserve(5);
  const std::string& insert_sql = decision_lines_ ? kInsertWithLines : kInsert;
  // PostgreSQL (migration 31): the state first, with both bumps of the
  // version, and the decision's trigger told not to write the row again.
  static const std::string kBumped = "SELECT set_config('bursar.version_bumped', ?, true)";
  static const std::string kTransitionTwice =
      "UPDATE application SET state = ?, updated_at = ?, version = version + 2 WHERE id = ? AND state = ?";
  const std::string app_id = std::to_string(id);
  const std::vector<Param> bumped = {std::string_view(app_id)}, cleared = {std::string_view("")};
  if (one_version_bump_) {
    steps.push_back({kBumped, bumped});
    steps.push_back({kTransitionTwice, transition, nullptr, &sent.changed});
    steps.push_back({insert_sql, insert, &sent.inserted});
    steps.push_back({kBumped, cleared});
  } else {
    steps.push_back({insert_sql, insert, &sent.inserted});
    steps.push_back({kTransition, transition, nullptr, &sent.changed});
  }
  if (sent.seal_seq > 0) steps.push_back({PgSealCapturedSql(), seal_params, &sent.sealed});
  BURSAR_RETURN_IF_ERROR(pre != nullptr ? db.SendPipeline(steps) : db.RunPipeline(steps));
  if (total) *total = total_fen;
  if (pre != nullptr) {
    // The year's committed total as the triggers keep it once the writes
    // are done: this award added, one withdrawn above taken back (not
    // known here: read again, after them).
    if (auto it = pre->committed.find(programme_year); it != pre->committed.end()) {
      if (prefetched_in_force) {
        pre->committed.erase(it);
      } else {
        it->second.committed_fen += total_fen;
      }
    }
  }
  sent.app = app;
  sent.total_fen = total_fen;
  sent.change = StepChange("application.decide", app, ApplicationState::kDecided);
  sent.change["policy_digest"] = decision.policy_digest;
  sent.change["case_sha256"] = Sha256Hex(decision.case_json);
  sent.change["output_sha256"] = Sha256Hex(decision.output_json);
  sent.change["total"] = FenToMoneyString(total_fen);
  sent.change["on"] = Today();
  if (pre != nullptr) {
    *decision_id = 0;  // known once the results are read
    return sent.change;
  }
  BURSAR_RETURN_IF_ERROR(FinishSent(sent));
  *decision_id = sent.change["decision"].get<int64_t>();
  return std::move(sent.change);
}

Status Store::FinishSent(RunPrefetch::Sent& sent) {
  if (sent.inserted.empty()) return Status(StatusCode::kInternal, "INSERT ... RETURNING gave no row");
  BURSAR_RETURN_IF_ERROR(TransitionChanged(sent.app, sent.changed));
  sent.change["decision"] = sent.inserted[0].Int(0);
  if (sent.seal_seq > 0) sent.seal = SealSummaryOfRows(sent.sealed);
  if (sent.seal) sent.change["sealed"] = *sent.seal;
  return OkStatus();
}

namespace {
constexpr const char* kDecisionColumns =
    "id, application_id, policy_digest, case_json, output_json, total_fen, decided_at, decided_by, in_force";
Decision DecisionFromRow(const Row& r) {
  return Decision{r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Text(4), r.Int(5), r.Text(6), r.Text(7), r.Int(8) == 1};
}
}  // namespace

Result<std::optional<Decision>> Store::DecisionInForce(int64_t id) {
  BURSAR_ASSIGN_OR_RETURN(auto row, db_->QueryOne(std::string("SELECT ") + kDecisionColumns +
                                                      " FROM decision WHERE application_id = ? AND in_force = 1",
                                                  {id}));
  if (!row) return std::optional<Decision>();
  return std::optional<Decision>(DecisionFromRow(*row));
}

Result<Decision> Store::GetDecision(int64_t decision_id) {
  BURSAR_ASSIGN_OR_RETURN(
      auto row,
      db_->QueryOne(std::string("SELECT ") + kDecisionColumns + " FROM decision WHERE id = ?", {decision_id}));
  if (!row) return Status(StatusCode::kNotFound, "no decision " + std::to_string(decision_id), "decision");
  return DecisionFromRow(*row);
}

Status Store::PublishNotice(const std::string& actor, int64_t id, int64_t notice_days) {
  if (notice_days < 1 || notice_days > 366) {
    return InvalidArgument("the notice lasts 1 to 366 days, not " + std::to_string(notice_days), "notice_days");
  }
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, id, true));
                 if (app.state != ApplicationState::kDecided) return WrongState(app, "publish its notice", "decided");
                 // D-G9: published today, the notice's days are the
                 // notice_days calendar days that follow.
                 const std::string today = Today();
                 const std::string until = AddDays(today, notice_days);
                 if (until.empty()) return Status(StatusCode::kInternal, "the store's clock gives no date: " + Now());
                 BURSAR_RETURN_IF_ERROR(Transition(db, app, ApplicationState::kNotice));
                 BURSAR_RETURN_IF_ERROR(db.Execute("UPDATE application SET notice_until = ?, notice_published_on = ? "
                                                   "WHERE id = ?",
                                                   {until, today, id})
                                            .status());
                 json change = StepChange("application.notice", app, ApplicationState::kNotice);
                 change["on"] = today;
                 change["notice_days"] = notice_days;
                 change["notice_until"] = until;
                 return std::optional<json>(std::move(change));
               })
      .status();
}

Result<int64_t> Store::FileObjection(const std::string& actor, int64_t id, const std::string& reason) {
  if (reason.empty()) return InvalidArgument("an objection states its reason", "reason").WithReason("required");
  if (CodePoints(reason) > kMaxObjectionLength) {
    return InvalidArgument("an objection's reason has at most " + std::to_string(kMaxObjectionLength) +
                               " characters, not " + std::to_string(CodePoints(reason)),
                           "reason");
  }
  int64_t objection = 0;
  auto result = Write(actor, [&](Database& db) -> Result<std::optional<json>> {
    BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, id, true));
    if (app.state != ApplicationState::kNotice) return WrongState(app, "take an objection", "notice");
    // Counted under the application's lock (LoadApplication above), so two
    // concurrent objections cannot both pass the limit.
    BURSAR_ASSIGN_OR_RETURN(auto open, db.QueryOne("SELECT COUNT(*) FROM objection WHERE application_id = ? "
                                                   "AND filed_by = ? AND state = 'open'",
                                                   {id, actor}));
    if (open && open->Int(0) >= kMaxOpenObjectionsPerAccount) {
      return Status(StatusCode::kFailedPrecondition,
                    actor + " has " + std::to_string(open->Int(0)) + " open objections to application " +
                        std::to_string(id) + " already (at most " + std::to_string(kMaxOpenObjectionsPerAccount) +
                        " per account until they are resolved)",
                    "reason")
          .WithReason("objections_open", {{"application", std::to_string(id)},
                                          {"open", std::to_string(open->Int(0))},
                                          {"most", std::to_string(kMaxOpenObjectionsPerAccount)}});
    }
    BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne("INSERT INTO objection (application_id, filed_by, reason, filed_at, "
                                                  "state) VALUES (?, ?, ?, ?, 'open') RETURNING id",
                                                  {id, actor, reason, Now()}));
    if (!row) return Status(StatusCode::kInternal, "INSERT ... RETURNING gave no row");
    objection = row->Int(0);
    return std::optional<json>(
        json{{"op", "objection.file"}, {"application", id}, {"objection", objection}, {"reason", reason}});
  });
  if (!result.ok()) return result.status();
  return objection;
}

Status Store::ResolveObjection(const std::string& actor, int64_t objection_id, bool upheld,
                               const std::string& resolution) {
  if (resolution.empty()) return InvalidArgument("say how the objection was resolved", "resolution").WithReason("required");
  return Write(
             actor,
             [&](Database& db) -> Result<std::optional<json>> {
               BURSAR_ASSIGN_OR_RETURN(
                   auto o, db.QueryOne("SELECT application_id, state FROM objection WHERE id = ?", {objection_id}));
               if (!o)
                 return Status(StatusCode::kNotFound, "no objection " + std::to_string(objection_id), "objection");
               if (o->Text(1) != "open") {
                 return Status(StatusCode::kFailedPrecondition,
                               "objection " + std::to_string(objection_id) + " is already " + o->Text(1))
                     .WithReason("objection_resolved", {{"objection", std::to_string(objection_id)}});
               }
               BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, o->Int(0), true));
               if (app.state != ApplicationState::kNotice) return WrongState(app, "resolve an objection", "notice");
               const std::string now = Now();
               BURSAR_RETURN_IF_ERROR(db.Execute("UPDATE objection SET state = ?, resolution = ?, resolved_at = ? "
                                                 "WHERE id = ?",
                                                 {upheld ? "upheld" : "dismissed", resolution, now, objection_id})
                                          .status());
               json change = {{"op", "objection.resolve"},
                              {"application", app.id},
                              {"objection", objection_id},
                              {"upheld", upheld},
                              {"resolution", resolution}};
               if (upheld) {
                 // The decision is withdrawn; the application is reviewed and decided again.
                 BURSAR_RETURN_IF_ERROR(
                     db.Execute("UPDATE decision SET in_force = 0 WHERE application_id = ? AND in_force = 1", {app.id})
                         .status());
                 BURSAR_RETURN_IF_ERROR(
                     db.Execute("UPDATE objection SET state = 'upheld', resolution = ?, resolved_at = ? "
                                "WHERE application_id = ? AND state = 'open'",
                                {"decision withdrawn on objection " + std::to_string(objection_id), now, app.id})
                         .status());
                 BURSAR_RETURN_IF_ERROR(Transition(db, app, ApplicationState::kInReview));
                 BURSAR_RETURN_IF_ERROR(
                     db.Execute("UPDATE application SET notice_until = NULL, notice_published_on = NULL WHERE id = ?", {app.id}).status());
                 change["from"] = "notice";
                 change["to"] = "in_review";
               }
               return std::optional<json>(std::move(change));
             })
      .status();
}

Status StepBlocker::Refusal(int64_t application_id) const {
  const std::string app = std::to_string(application_id);
  std::string message;
  ReasonParams params = {{"application", app}};
  if (code == "reviews_pending") {
    std::string names;
    for (const auto& r : reviewers) names += (names.empty() ? "" : ", ") + r;
    message = (reviewers.size() == 1 ? "reviewer " + names + " has" : "reviewers " + names + " have") +
              " not submitted a review of application " + app;
    params.emplace_back("reviewers", names);
  } else if (code == "reviewers_all_excluded") {
    message = "every reviewer of application " + app + " is excluded: no review to decide on";
  } else if (code == "notice_running") {
    message = "application " + app + ": the public notice runs until " + until + " (today is " + today +
              ", Beijing time); it can be final from " + final_from;
    params.insert(params.end(), {{"until", until}, {"final_from", final_from}, {"today", today}});
  } else {
    message = "application " + app + ": objection " + std::to_string(objection) + " is open";
    params.emplace_back("objection", std::to_string(objection));
  }
  return Status(StatusCode::kFailedPrecondition, std::move(message)).WithReason(code, std::move(params));
}

// Every reviewer not excluded must have submitted, and one must remain.
Result<std::optional<StepBlocker>> Store::DecideBlockerIn(Database& db, int64_t id) {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT reviewer, state FROM review WHERE application_id = ? "
                                              "ORDER BY reviewer",
                                              {id}));
  std::vector<std::pair<std::string, std::string>> reviews;
  for (const Row& r : rows) reviews.emplace_back(r.Text(0), r.Text(1));
  return DecideBlockerOf(reviews);
}

std::optional<StepBlocker> Store::DecideBlockerOf(const std::vector<std::pair<std::string, std::string>>& reviews) {
  StepBlocker b;
  int64_t submitted = 0;
  for (const auto& [reviewer, state] : reviews) {
    if (state == "assigned") b.reviewers.push_back(reviewer);
    submitted += state == "submitted" ? 1 : 0;
  }
  if (!b.reviewers.empty()) {
    b.code = "reviews_pending";
    return std::optional<StepBlocker>(std::move(b));
  }
  if (!reviews.empty() && submitted == 0) {
    b.code = "reviewers_all_excluded";
    return std::optional<StepBlocker>(std::move(b));
  }
  return std::optional<StepBlocker>();
}

// D-G9: final from the day after the notice's last day, by the store's own
// calendar, and with no objection open.
Result<std::optional<StepBlocker>> Store::FinaliseBlockerIn(Database& db, const Application& app) {
  StepBlocker b;
  const std::string today = Today();
  if (today <= app.notice_until) {
    b.code = "notice_running";
    b.until = app.notice_until;
    b.final_from = AddDays(app.notice_until, 1);
    b.today = today;
    return std::optional<StepBlocker>(std::move(b));
  }
  BURSAR_ASSIGN_OR_RETURN(auto open, db.QueryOne("SELECT MIN(id) FROM objection WHERE application_id = ? "
                                                 "AND state = 'open'",
                                                 {app.id}));
  if (open && !open->IsNull(0)) {
    b.code = "objection_open";
    b.objection = open->Int(0);
    return std::optional<StepBlocker>(std::move(b));
  }
  return std::optional<StepBlocker>();
}

Result<std::optional<StepBlocker>> Store::DecideBlocker(int64_t id) {
  BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(*db_, id, false));
  return DecideBlocker(app);
}

Result<std::optional<StepBlocker>> Store::DecideBlocker(const Application& app) {
  if (app.state != ApplicationState::kInReview) return std::optional<StepBlocker>();
  return DecideBlockerIn(*db_, app.id);
}

Result<std::optional<StepBlocker>> Store::FinaliseBlocker(int64_t id) {
  BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(*db_, id, false));
  return FinaliseBlocker(app);
}

Result<std::optional<StepBlocker>> Store::FinaliseBlocker(const Application& app) {
  if (app.state != ApplicationState::kNotice) return std::optional<StepBlocker>();
  return FinaliseBlockerIn(*db_, app);
}

Status Store::Finalise(const std::string& actor, int64_t id) {
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, id, true));
                 if (app.state != ApplicationState::kNotice) return WrongState(app, "finalise it", "notice");
                 BURSAR_ASSIGN_OR_RETURN(auto blocker, FinaliseBlockerIn(db, app));
                 if (blocker) return blocker->Refusal(id);
                 const std::string today = Today();
                 BURSAR_RETURN_IF_ERROR(Transition(db, app, ApplicationState::kFinal));
                 BURSAR_RETURN_IF_ERROR(
                     db.Execute("UPDATE application SET finalised_on = ? WHERE id = ?", {today, id}).status());
                 json change = StepChange("application.finalise", app, ApplicationState::kFinal);
                 change["on"] = today;
                 change["notice_until"] = app.notice_until;
                 return std::optional<json>(std::move(change));
               })
      .status();
}

namespace {

// A voucher number as the finance office writes it: letters, digits and
// - _ / . (1 to 64), kept upper case so that "sec-ref-1" and "SEC-REF-1 " are
// one reference. InvalidArgument names the field.
Result<std::string> NormaliseReference(const std::string& reference) {
  size_t b = 0, e = reference.size();
  while (b < e && (reference[b] == ' ' || reference[b] == '\t')) ++b;
  while (e > b && (reference[e - 1] == ' ' || reference[e - 1] == '\t')) --e;
  std::string out = reference.substr(b, e - b);
  if (out.empty()) return InvalidArgument("a payment names its reference (voucher number)", "reference").WithReason("required");
  if (out.size() > 64) {
    return InvalidArgument("a payment reference has at most 64 characters", "reference").WithReason("too_long", {{"max", "64"}});
  }
  for (char& c : out) {
    const unsigned char u = static_cast<unsigned char>(c);
    const bool ok = (u >= '0' && u <= '9') || (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || u == '-' || u == '_' ||
                    u == '/' || u == '.';
    if (!ok) {
      return InvalidArgument("a payment reference has letters, digits and - _ / . only (a voucher number such as "
                             "PAY-2025-0001)",
                             "reference")
          .WithReason("bad_reference");
    }
    if (u >= 'a' && u <= 'z') c = static_cast<char>(u - 'a' + 'A');
  }
  return out;
}

}  // namespace

// The checks a payment step shares: the application final, `actor` not its
// decider, the reference unused in the year, and `fen` within what is left to
// pay after the instalments and the other pending orders. Returns the payable
// total and the sum paid.
Result<std::pair<int64_t, int64_t>> Store::CheckPayment(Database& db, const std::string& actor, const Application& app,
                                                        int64_t fen, const std::string& reference,
                                                        int64_t except_order) {
  const std::string id = std::to_string(app.id);
  if (app.state != ApplicationState::kFinal) return WrongState(app, "record a payment", "final");
  BURSAR_ASSIGN_OR_RETURN(auto d, db.QueryOne("SELECT total_fen, decided_by FROM decision WHERE application_id = ? "
                                              "AND in_force = 1",
                                              {app.id}));
  if (!d) return Status(StatusCode::kInternal, "a final application without a decision in force");
  if (d->Text(1) == actor) {
    return Status(StatusCode::kPermissionDenied,
                  "separation of duties: " + actor + " decided application " + id +
                      " and may not record or approve its payment; another finance account does")
        .WithReason("decider_pays", {{"actor", actor}, {"application", id}});
  }
  // One voucher, one payment in the programme year: a batch run again after a
  // crash (or a retry without an Idempotency-Key) cannot pay twice, and one
  // voucher cannot pay two applications. (References are stored normalised
  // since migration 16; older rows are compared as they were typed.)
  BURSAR_ASSIGN_OR_RETURN(auto same, db.QueryOne("SELECT p.application_id, p.instalment FROM payment p "
                                                 "JOIN application a ON a.id = p.application_id "
                                                 "WHERE p.reference = ? AND a.year = ?",
                                                 {reference, app.year}));
  if (same) {
    return Status(StatusCode::kAlreadyExists,
                  "reference " + reference + " is already recorded in " + std::to_string(app.year) + " (application " +
                      same->Text(0) + ", instalment " + same->Text(1) + ")",
                  "reference")
        .WithReason("voucher_used", {{"reference", reference},
                                     {"year", std::to_string(app.year)},
                                     {"application", same->Text(0)},
                                     {"instalment", same->Text(1)}});
  }
  BURSAR_ASSIGN_OR_RETURN(auto ordered, db.QueryOne("SELECT o.id, o.application_id FROM payment_order o "
                                                    "JOIN application a ON a.id = o.application_id "
                                                    "WHERE a.year = ? AND o.reference = ? AND o.state = 'pending' "
                                                    "AND o.id <> ?",
                                                    {app.year, reference, except_order}));
  if (ordered) {
    return Status(StatusCode::kAlreadyExists,
                  "reference " + reference + " is already on pending payment order " + ordered->Text(0) +
                      " (application " + ordered->Text(1) + ")",
                  "reference")
        .WithReason("voucher_pending", {{"reference", reference}, {"order", ordered->Text(0)}, {"application", ordered->Text(1)}});
  }
  BURSAR_ASSIGN_OR_RETURN(auto p, db.QueryOne("SELECT COALESCE(SUM(amount_fen), 0) FROM payment WHERE application_id = ?",
                                              {app.id}));
  BURSAR_ASSIGN_OR_RETURN(auto o, db.QueryOne("SELECT COALESCE(SUM(amount_fen), 0) FROM payment_order "
                                              "WHERE application_id = ? AND state = 'pending' AND id <> ?",
                                              {app.id, except_order}));
  // D-G6: at most the decided total scaled to the year's budget.
  BURSAR_ASSIGN_OR_RETURN(const int64_t total, PayableIn(db, app));
  const int64_t paid = p->Int(0), pending = o->Int(0);
  if (paid + pending + fen > total) {
    const std::string what = total == d->Int(0) ? " would exceed the decided " + FenToMoneyString(total)
                                                : " would exceed the payable " + FenToMoneyString(total) + " (the decided " +
                                                      FenToMoneyString(d->Int(0)) + " scaled to the budget by D-G6)";
    return Status(StatusCode::kFailedPrecondition,
                  "application " + id + ": paying " + FenToMoneyString(fen) + what + " (" + FenToMoneyString(paid) +
                      " already paid" + (pending ? ", " + FenToMoneyString(pending) + " on pending orders" : "") + ")")
        .WithReason("payment_exceeds", {{"application", id},
                                        {"amount", FenToMoneyString(fen)},
                                        {"payable", FenToMoneyString(total)},
                                        {"decided", FenToMoneyString(d->Int(0))},
                                        {"paid", FenToMoneyString(paid)},
                                        {"pending", FenToMoneyString(pending)}});
  }
  return std::make_pair(total, paid);
}

// Pays the next instalment of `app`, dated Today() (D-G9: on or after the day
// the application became final), and makes it paid when the instalments reach
// `total`. Fills `change` and `step`.
Status Store::PayInstalment(Database& db, const Application& app, int64_t fen, const std::string& reference,
                            const std::string& recorded_by, const std::string& approved_by, int64_t total, int64_t paid,
                            json* change, PaymentStep* step) {
  const std::string paid_on = Today();
  BURSAR_ASSIGN_OR_RETURN(auto final_on, db.QueryOne("SELECT finalised_on FROM application WHERE id = ?", {app.id}));
  if (final_on && !final_on->IsNull(0) && paid_on < final_on->Text(0)) {
    return Status(StatusCode::kFailedPrecondition, "application " + std::to_string(app.id) + " became final on " +
                                                       final_on->Text(0) + ": a payment cannot be dated " + paid_on +
                                                       ", before it (D-G9)")
        .WithReason("paid_before_final", {{"application", std::to_string(app.id)},
                                          {"final_on", final_on->Text(0)},
                                          {"today", paid_on}});
  }
  BURSAR_ASSIGN_OR_RETURN(auto n, db.QueryOne("SELECT COUNT(*) FROM payment WHERE application_id = ?", {app.id}));
  step->instalment = n->Int(0) + 1;
  BURSAR_RETURN_IF_ERROR(
      db.Execute("INSERT INTO payment (application_id, instalment, amount_fen, paid_on, reference, recorded_by, "
                 "approved_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 {app.id, step->instalment, fen, paid_on, reference, recorded_by,
                  approved_by.empty() ? Param(nullptr) : Param(std::string_view(approved_by))})
          .status());
  (*change)["instalment"] = step->instalment;
  (*change)["amount"] = FenToMoneyString(fen);
  (*change)["paid_on"] = paid_on;
  (*change)["reference"] = reference;
  if (paid + fen == total) {
    BURSAR_RETURN_IF_ERROR(Transition(db, app, ApplicationState::kPaid));
    (*change)["from"] = "final";
    (*change)["to"] = "paid";
    step->paid_in_full = true;
  }
  return Status();
}

Result<PaymentStep> Store::RecordPayment(const std::string& actor, int64_t id, const std::string& amount,
                                         const std::string& reference_text) {
  BURSAR_ASSIGN_OR_RETURN(int64_t fen, MoneyToFen(amount, "amount"));
  if (fen <= 0) return InvalidArgument("a payment is more than zero", "amount").WithReason("not_positive");
  BURSAR_ASSIGN_OR_RETURN(const std::string reference, NormaliseReference(reference_text));
  BURSAR_ASSIGN_OR_RETURN(const std::string threshold_text, DocumentSettingValue(kPaymentApprovalSetting));
  BURSAR_ASSIGN_OR_RETURN(const int64_t threshold, MoneyToFen(threshold_text, kPaymentApprovalSetting));
  PaymentStep step;
  auto result = Write(actor, [&](Database& db) -> Result<std::optional<json>> {
    BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, id, true));
    BURSAR_ASSIGN_OR_RETURN(auto room, CheckPayment(db, actor, app, fen, reference, 0));
    if (fen > threshold) {
      // Above the threshold: an order, paid when a second account approves it.
      BURSAR_ASSIGN_OR_RETURN(auto made, db.QueryOne("INSERT INTO payment_order (application_id, amount_fen, reference, "
                                                     "recorded_by, recorded_at, state) "
                                                     "VALUES (?, ?, ?, ?, ?, 'pending') RETURNING id",
                                                     {id, fen, reference, actor, Now()}));
      step.order = made->Int(0);
      return std::optional<json>(json{{"op", "payment.order"},
                                      {"application", id},
                                      {"order", step.order},
                                      {"amount", FenToMoneyString(fen)},
                                      {"reference", reference},
                                      {"approval_above", FenToMoneyString(threshold)}});
    }
    json change = {{"op", "payment.record"}, {"application", id}};
    BURSAR_RETURN_IF_ERROR(PayInstalment(db, app, fen, reference, actor, "", room.first, room.second, &change, &step));
    return std::optional<json>(std::move(change));
  });
  if (!result.ok()) return result.status();
  return step;
}

namespace {

PaymentOrder OrderFromRow(const Row& r) {
  PaymentOrder o;
  o.id = r.Int(0);
  o.application_id = r.Int(1);
  o.amount_fen = r.Int(2);
  o.reference = r.Text(3);
  o.recorded_by = r.Text(4);
  o.recorded_at = r.Text(5);
  o.state = r.Text(6);
  if (!r.IsNull(7)) o.decided_by = r.Text(7);
  if (!r.IsNull(8)) o.decided_at = r.Text(8);
  if (!r.IsNull(9)) o.reason = r.Text(9);
  if (!r.IsNull(10)) o.instalment = r.Int(10);
  return o;
}

constexpr const char* kOrderColumns =
    "id, application_id, amount_fen, reference, recorded_by, recorded_at, state, decided_by, decided_at, reason, "
    "instalment";

// Order `order_id` (locked for the transaction with `for_update`); NotFound.
Result<PaymentOrder> LoadOrder(Database& db, int64_t order_id, bool for_update) {
  BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne(std::string("SELECT ") + kOrderColumns +
                                                    " FROM payment_order WHERE id = ?" +
                                                    (for_update && db.dialect() == Dialect::kPostgres ? " FOR UPDATE" : ""),
                                                {order_id}));
  if (!row) return Status(StatusCode::kNotFound, "no payment order " + std::to_string(order_id));
  return OrderFromRow(*row);
}

// The pending order `order_id`, locked; NotFound, or FailedPrecondition once decided.
Result<PaymentOrder> PendingOrder(Database& db, int64_t order_id, const std::string& actor) {
  BURSAR_ASSIGN_OR_RETURN(PaymentOrder o, LoadOrder(db, order_id, true));
  if (o.state != "pending") {
    return Status(StatusCode::kFailedPrecondition,
                  "payment order " + std::to_string(order_id) + " was " + o.state + " by " + o.decided_by)
        .WithReason("already_decided", {{"what", "payment_order"}, {"id", std::to_string(order_id)}, {"state", o.state}, {"by", o.decided_by}});
  }
  if (o.recorded_by == actor) {
    return Status(StatusCode::kPermissionDenied, "separation of duties: " + actor + " recorded payment order " +
                                                     std::to_string(order_id) +
                                                     "; a second finance account approves or rejects it")
        .WithReason("recorder_approves", {{"actor", actor}, {"order", std::to_string(order_id)}});
  }
  return o;
}

}  // namespace

Result<PaymentStep> Store::ApprovePayment(const std::string& actor, int64_t order_id) {
  PaymentStep step;
  step.order = order_id;
  auto result = Write(actor, [&](Database& db) -> Result<std::optional<json>> {
    BURSAR_ASSIGN_OR_RETURN(PaymentOrder o, PendingOrder(db, order_id, actor));
    BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, o.application_id, true));
    BURSAR_ASSIGN_OR_RETURN(auto room, CheckPayment(db, actor, app, o.amount_fen, o.reference, o.id));
    json change = {{"op", "payment.approve"}, {"application", app.id}, {"order", o.id}, {"recorded_by", o.recorded_by}};
    BURSAR_RETURN_IF_ERROR(PayInstalment(db, app, o.amount_fen, o.reference, o.recorded_by, actor, room.first,
                                         room.second, &change, &step));
    BURSAR_RETURN_IF_ERROR(db.Execute("UPDATE payment_order SET state = 'approved', decided_by = ?, decided_at = ?, "
                                      "instalment = ? WHERE id = ?",
                                      {actor, Now(), step.instalment, o.id})
                               .status());
    return std::optional<json>(std::move(change));
  });
  if (!result.ok()) return result.status();
  return step;
}

Status Store::RejectPayment(const std::string& actor, int64_t order_id, const std::string& reason) {
  if (reason.empty() || reason.size() > 2000) return InvalidArgument("a rejection states its reason (1 to 2000 bytes)", "reason");
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_ASSIGN_OR_RETURN(PaymentOrder o, PendingOrder(db, order_id, actor));
                 BURSAR_RETURN_IF_ERROR(db.Execute("UPDATE payment_order SET state = 'rejected', decided_by = ?, "
                                                   "decided_at = ?, reason = ? WHERE id = ?",
                                                   {actor, Now(), reason, o.id})
                                            .status());
                 return std::optional<json>(json{{"op", "payment.reject"},
                                                 {"application", o.application_id},
                                                 {"order", o.id},
                                                 {"reason", reason}});
               })
      .status();
}

Result<PaymentOrder> Store::GetPaymentOrder(int64_t order_id) { return LoadOrder(*db_, order_id, false); }

Result<std::vector<PaymentOrder>> Store::PaymentOrders(const std::string& state, int64_t id) {
  std::string sql = std::string("SELECT ") + kOrderColumns + " FROM payment_order WHERE 1 = 1";
  std::vector<Param> params;
  if (!state.empty()) {
    sql += " AND state = ?";
    params.emplace_back(std::string_view(state));
  }
  if (id > 0) {
    sql += " AND application_id = ?";
    params.emplace_back(id);
  }
  std::vector<Row> rows;
  BURSAR_RETURN_IF_ERROR(db_->QuerySpan(sql + " ORDER BY id", params, &rows));
  std::vector<PaymentOrder> out;
  for (const Row& r : rows) out.push_back(OrderFromRow(r));
  return out;
}

Result<std::vector<Payment>> Store::Payments(int64_t id) {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db_->Query("SELECT instalment, amount_fen, paid_on, reference FROM payment "
                                                "WHERE application_id = ? ORDER BY instalment",
                                                {id}));
  std::vector<Payment> out;
  for (const Row& r : rows) out.push_back({r.Int(0), r.Int(1), r.Text(2), r.Text(3)});
  return out;
}

Status Store::Recover(const std::string& actor, int64_t id, const std::string& amount, const std::string& reason) {
  BURSAR_ASSIGN_OR_RETURN(int64_t fen, MoneyToFen(amount, "amount"));
  if (fen <= 0) return InvalidArgument("a recovery is more than zero", "amount").WithReason("not_positive");
  if (reason.empty()) return InvalidArgument("a recovery states its reason", "reason").WithReason("required");
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, id, true));
                 if (app.state != ApplicationState::kPaid) return WrongState(app, "recover money", "paid");
                 BURSAR_ASSIGN_OR_RETURN(auto p, db.QueryOne("SELECT COALESCE(SUM(amount_fen), 0) FROM payment "
                                                             "WHERE application_id = ?",
                                                             {id}));
                 if (fen > p->Int(0)) {
                   return Status(StatusCode::kFailedPrecondition,
                                 "cannot recover " + FenToMoneyString(fen) + ": only " + FenToMoneyString(p->Int(0)) + " was paid");
                 }
                 BURSAR_RETURN_IF_ERROR(
                     db.Execute("INSERT INTO recovery (application_id, amount_fen, reason, recovered_at, recovered_by) "
                                "VALUES (?, ?, ?, ?, ?)",
                                {id, fen, reason, Now(), actor})
                         .status());
                 BURSAR_RETURN_IF_ERROR(Transition(db, app, ApplicationState::kRecovered));
                 json change = StepChange("application.recover", app, ApplicationState::kRecovered);
                 change["amount"] = FenToMoneyString(fen);
                 change["reason"] = reason;
                 return std::optional<json>(std::move(change));
               })
      .status();
}

Result<std::vector<Recovery>> Store::Recoveries(int64_t id) {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db_->Query("SELECT id, amount_fen, reason, recovered_at, recovered_by FROM recovery "
                                                "WHERE application_id = ? ORDER BY id",
                                                {id}));
  std::vector<Recovery> out;
  for (const Row& r : rows) out.push_back({r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.IsNull(4) ? "" : r.Text(4)});
  return out;
}

Status Store::SetBudget(const std::string& actor, int64_t year, const std::string& amount,
                        const std::string& policy) {
  BURSAR_ASSIGN_OR_RETURN(int64_t fen, MoneyToFen(amount, "amount"));
  BURSAR_RETURN_IF_ERROR(CheckProgramme(policy));
  if (!policy.empty() && !programme_budgets_) {
    return Status(StatusCode::kFailedPrecondition, "a programme beside the own has a budget from migration " +
                                                       std::to_string(kProgrammeBudgetsMigration));
  }
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 // From the rows, not measure_committed: money-moving checks read
                 // what is sealed, and a derived table edited by hand is only
                 // found by the next `audit verify`.
                 BURSAR_ASSIGN_OR_RETURN(BudgetSummary now, BudgetIn(db, year, true, policy));
                 // A lower budget under the committed total would scale down
                 // awards already (partly) paid at the old factor.
                 if (now.payments_started && fen < now.total.committed_fen &&
                     (!now.budget_fen || fen < *now.budget_fen)) {
                   return Status(StatusCode::kFailedPrecondition,
                                 "payments of " + std::to_string(year) + " have begun: a budget of " + FenToMoneyString(fen) +
                                     " under the committed " + FenToMoneyString(now.total.committed_fen) +
                                     " would scale down awards already paid (D-G6)",
                                 "amount");
                 }
                 if (policy.empty()) {
                   BURSAR_RETURN_IF_ERROR(db.Execute("INSERT INTO budget (year, amount_fen) VALUES (?, ?) "
                                                     "ON CONFLICT (year) DO UPDATE SET amount_fen = excluded.amount_fen",
                                                     {year, fen})
                                              .status());
                 } else {
                   BURSAR_RETURN_IF_ERROR(
                       db.Execute("INSERT INTO programme_budget (policy, year, amount_fen) VALUES (?, ?, ?) "
                                  "ON CONFLICT (policy, year) DO UPDATE SET amount_fen = excluded.amount_fen",
                                  {policy, year, fen})
                           .status());
                 }
                 json change = {{"op", "budget.set"}, {"year", year}, {"amount", FenToMoneyString(fen)}};
                 if (!policy.empty()) change["policy"] = policy;
                 return std::optional<json>(std::move(change));
               })
      .status();
}

Result<BudgetSummary> Store::Budget(int64_t year, const std::string& policy) {
  BURSAR_RETURN_IF_ERROR(CheckProgramme(policy));
  return BudgetIn(*db_, year, false, policy);
}

Result<BudgetSummary> Store::Budget(int64_t year, const std::string& policy, YearAwards* kept, int64_t head_seq) {
  BURSAR_RETURN_IF_ERROR(CheckProgramme(policy));
  return BudgetIn(*db_, year, false, policy, kept, head_seq);
}

Result<std::vector<int64_t>> Store::BudgetYears() {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db_->Query("SELECT year FROM budget ORDER BY year DESC"));
  std::vector<int64_t> years;
  for (const Row& r : rows) years.push_back(r.Int(0));
  return years;
}

namespace {
int64_t Gcd(int64_t a, int64_t b) {
  while (b != 0) {
    const int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}
}  // namespace

// floor(fen × budget / committed); all three are non-negative.
int64_t ScaleFen(int64_t fen, int64_t budget, int64_t committed) {
  return static_cast<int64_t>(static_cast<__int128>(fen) * budget / committed);
}

Result<BudgetSummary> Store::BudgetIn(Database& db, int64_t year, bool from_rows, const std::string& policy,
                                      YearAwards* kept, int64_t head_seq) {
  BudgetSummary s;
  s.year = year;
  BURSAR_ASSIGN_OR_RETURN(std::optional<int64_t> b, BudgetFenIn(db, year, policy));
  s.budget_fen = b;
  // Committed: decisions in force at their net amounts (D-G8), the decided
  // total less what was recovered. Paid: payments less recoveries. Kept by
  // measure as running totals since migration 26; the applications are read
  // one by one only when the budget scales the awards (each award's lines
  // are scaled and rounded on their own).
  if (measure_totals_ && !from_rows && (policy.empty() || programme_budgets_)) {
    BURSAR_ASSIGN_OR_RETURN(
        auto totals,
        policy.empty() ? db.Query("SELECT measure, committed_fen, paid_fen, payments FROM "
                                  "measure_committed WHERE year = ? ORDER BY measure",
                                  {year})
                       : db.Query("SELECT measure, committed_fen, paid_fen, payments FROM "
                                  "programme_committed WHERE policy = ? AND year = ? ORDER BY measure",
                                  {policy, year}));
    for (const Row& r : totals) {
      if (r.Int(1) == 0 && r.Int(2) == 0 && r.Int(3) == 0) continue;  // every award of it withdrawn
      BudgetLine& line = s.by_measure[r.Text(0)];
      line.committed_fen = r.Int(1);
      line.paid_fen = r.Int(2);
      s.total.committed_fen += r.Int(1);
      s.total.paid_fen += r.Int(2);
      s.payments_started = s.payments_started || r.Int(3) > 0;
    }
    s.scaled = s.budget_fen && s.total.committed_fen > *s.budget_fen;
    s.factor = "1";
    if (!s.scaled) {
      for (auto& [measure, line] : s.by_measure) line.payable_fen = line.committed_fen;
      s.total.payable_fen = s.total.committed_fen;
      return s;
    }
    BURSAR_RETURN_IF_ERROR(ScaledPayableIn(db, policy, &s, kept, head_seq));
    return s;
  }
  BURSAR_ASSIGN_OR_RETURN(
      auto rows, db.Query("SELECT a.measure, a.state, COALESCE(d.total_fen, 0), "
                          "(SELECT COALESCE(SUM(p.amount_fen), 0) FROM payment p WHERE p.application_id = a.id), "
                          "(SELECT COALESCE(SUM(r.amount_fen), 0) FROM recovery r WHERE r.application_id = a.id), "
                          "a.item, d.id, "
                          "(SELECT COUNT(*) FROM payment p WHERE p.application_id = a.id), " +
                          std::string(decision_lines_ ? "d.lines_fen " : "NULL ") +
                          "FROM application a LEFT JOIN decision d ON d.application_id = a.id AND d.in_force = 1 "
                          "WHERE a.year = ? AND a.state IN ('decided', 'notice', 'final', 'paid', 'recovered') " +
                          std::string(programmes_ ? "AND a.policy = ? " : "AND ? = '' ") + "ORDER BY a.id",
                          {year, policy}));
  for (const Row& r : rows) {
    BudgetLine& line = s.by_measure[r.Text(0)];
    const int64_t committed = r.Int(2) - r.Int(4);
    const int64_t paid = r.Int(3) - r.Int(4);
    line.committed_fen += committed;
    line.paid_fen += paid;
    s.total.committed_fen += committed;
    s.total.paid_fen += paid;
    s.payments_started = s.payments_started || r.Int(7) > 0;
  }
  s.scaled = s.budget_fen && s.total.committed_fen > *s.budget_fen;
  s.factor = "1";
  if (!s.scaled) {
    for (auto& [measure, line] : s.by_measure) line.payable_fen = line.committed_fen;
    s.total.payable_fen = s.total.committed_fen;
    return s;
  }
  BURSAR_RETURN_IF_ERROR(ScaledPayableIn(db, policy, &s, kept, head_seq));
  return s;
}

namespace {
// Past this many audit entries since the kept lines, they are read again
// whole: one pass over the year costs less than reading that many changes
// and the applications they name.
constexpr int64_t kMostEntriesToFollow = 5000;
// Applications re-read a query.
constexpr size_t kAwardsPerQuery = 500;

// The applications the entries after `since` up to `head` name
// ("application": N, or N among "applications"), as the audit index of
// migration 25 takes them.
Status ApplicationsNamedSince(Database& db, int64_t since, int64_t head, std::vector<int64_t>* ids) {
  BURSAR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT change FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq",
                                              {since, head}));
  std::set<int64_t> named;
  for (const Row& r : rows) {
    const json change = json::parse(r.Text(0), nullptr, false);
    if (!change.is_object()) continue;
    if (auto it = change.find("application"); it != change.end() && it->is_number_integer()) {
      named.insert(it->get<int64_t>());
    }
    if (auto it = change.find("applications"); it != change.end() && it->is_array()) {
      for (const json& id : *it) {
        if (id.is_number_integer()) named.insert(id.get<int64_t>());
      }
    }
  }
  ids->assign(named.begin(), named.end());
  return OkStatus();
}
}  // namespace

// D-G6 over the budget: each line of each award in force is scaled by
// budget/committed and rounded down on its own, less what was recovered of
// the award. The committed and paid totals are s's; the lines are the year's
// awards (ReadYearAwards), or those kept by the caller brought up to the
// audit head by reading again only the applications changed since.
Status Store::ScaledPayableIn(Database& db, const std::string& policy, BudgetSummary* s, YearAwards* kept,
                              int64_t head_seq) {
  const int64_t budget = *s->budget_fen, committed = s->total.committed_fen;
  const int64_t g = Gcd(budget, committed);
  s->factor = std::to_string(budget / g) + "/" + std::to_string(committed / g);
  YearAwards read;
  const bool keeping = kept != nullptr && head_seq >= 0;
  YearAwards& awards = keeping ? *kept : read;
  if (keeping && kept->seq >= 0 && head_seq >= kept->seq && head_seq - kept->seq <= kMostEntriesToFollow) {
    std::vector<int64_t> changed;
    BURSAR_RETURN_IF_ERROR(ApplicationsNamedSince(db, kept->seq, head_seq, &changed));
    BURSAR_RETURN_IF_ERROR(ReadYearAwards(db, s->year, policy, &changed, &awards));
  } else {
    awards.by_application.clear();
    awards.seq = -1;
    BURSAR_RETURN_IF_ERROR(ReadYearAwards(db, s->year, policy, nullptr, &awards));
  }
  if (keeping) kept->seq = head_seq;
  for (const auto& [id, award] : awards.by_application) {
    // What may be paid on the award, less what came back of it.
    int64_t payable = -award.recovered_fen;
    for (int64_t fen : award.lines_fen) payable += ScaleFen(fen, budget, committed);
    s->by_measure[award.measure].payable_fen += payable;
    s->total.payable_fen += payable;
  }
  return OkStatus();
}

// The lines come from decision_by_application_in_force on SQLite (it covers
// them, migration 34); CROSS JOIN keeps SQLite's planner from starting at
// every decision in force of every year. Recoveries grouped by application.
Status Store::ReadYearAwards(Database& db, int64_t year, const std::string& policy, const std::vector<int64_t>* only,
                             YearAwards* awards) {
  const std::string of_programme = programmes_ ? "AND a.policy = ? " : "AND ? = '' ";
  const std::string decided_sql = "SELECT a.id, a.measure, a.item, d.id, d.total_fen, " +
                                  std::string(decision_lines_ ? "d.lines_fen " : "NULL ") +
                                  "FROM application a CROSS JOIN decision d "
                                  "WHERE d.application_id = a.id AND d.in_force = 1 "
                                  "AND a.year = ? AND a.state IN ('decided', 'notice', 'final', 'paid', 'recovered') " +
                                  of_programme;
  // From the recoveries (few) to their applications: SQLite started from the
  // year's applications, 50 ms at 100,000 with no recovery at all.
  const std::string recovered_sql =
      "SELECT r.application_id, SUM(r.amount_fen) FROM recovery r "
      "CROSS JOIN application a WHERE a.id = r.application_id AND a.year = ? " +
      of_programme;
  // One query of each over the year, or over a group of the applications named.
  auto read = [&](const std::string& ids_sql, std::span<const Param> ids) -> Status {
    std::vector<Param> params{year, policy};
    params.insert(params.end(), ids.begin(), ids.end());
    std::vector<Row> rows;
    BURSAR_RETURN_IF_ERROR(db.QuerySpan(decided_sql + ids_sql, params, &rows));
    for (const Row& r : rows) {
      BURSAR_ASSIGN_OR_RETURN(std::vector<int64_t> lines,
                              DecisionLinesIn(db, r.Int(3), r.IsNull(5) ? nullptr : &r.Text(5), r.Int(4), r.Text(1),
                                              r.Text(2)));
      YearAwards::Award& award = awards->by_application[r.Int(0)];
      award.measure = r.Text(1);
      award.lines_fen = std::move(lines);
    }
    rows.clear();
    BURSAR_RETURN_IF_ERROR(db.QuerySpan(recovered_sql + ids_sql + "GROUP BY r.application_id", params, &rows));
    for (const Row& r : rows) {
      // A recovered application keeps its decision in force: it is in `awards`.
      if (auto it = awards->by_application.find(r.Int(0)); it != awards->by_application.end()) {
        it->second.recovered_fen = r.Int(1);
      }
    }
    return OkStatus();
  };
  if (only == nullptr) return read("", {});
  for (size_t at = 0; at < only->size(); at += kAwardsPerQuery) {
    const size_t n = std::min(kAwardsPerQuery, only->size() - at);
    std::vector<Param> ids(only->begin() + static_cast<std::ptrdiff_t>(at),
                           only->begin() + static_cast<std::ptrdiff_t>(at + n));
    for (const Param& id : ids) awards->by_application.erase(std::get<int64_t>(id));
    BURSAR_RETURN_IF_ERROR(read("AND a.id IN (" + Placeholders(n) + ") ", ids));
  }
  return OkStatus();
}

Result<std::vector<int64_t>> Store::DecisionLinesIn(Database& db, int64_t decision_id, const std::string* lines_fen,
                                                    int64_t total_fen, const std::string& measure,
                                                    const std::string& item) {
  if (lines_fen != nullptr) return ParseLinesFen(*lines_fen, total_fen, decision_id);
  // Decided before migration 30: from the decision's output.
  BURSAR_ASSIGN_OR_RETURN(auto out, db.QueryOne("SELECT output_json FROM decision WHERE id = ?", {decision_id}));
  if (!out) return Status(StatusCode::kInternal, "a decision vanished");
  std::vector<int64_t> lines;
  BURSAR_RETURN_IF_ERROR(
      ApplicationLinesFen(json::parse(out->Text(0), nullptr, false), measure, item, &lines).status());
  return lines;
}

Result<int64_t> Store::PayableIn(Database& db, const Application& app, std::optional<YearScaling>* year_scaling) {
  if (year_scaling) year_scaling->reset();
  BURSAR_ASSIGN_OR_RETURN(auto d, db.QueryOne(std::string("SELECT total_fen, id, ") +
                                                  (decision_lines_ ? "lines_fen" : "NULL") +
                                                  " FROM decision WHERE application_id = ? AND in_force = 1",
                                              {app.id}));
  if (!d) return int64_t{0};
  std::optional<YearScaling> scaling;
  // D-G6 by the budget of the application's programme (migrations 28, 29).
  if (year_scaling || app.state != ApplicationState::kRecovered) {
    BURSAR_ASSIGN_OR_RETURN(scaling, ScalingIn(db, app.year, app.policy));
    if (year_scaling) *year_scaling = scaling;
  }
  // Within the budget (the usual case) the total is payable as it stands.
  if (app.state == ApplicationState::kRecovered || !scaling) return d->Int(0);
  BURSAR_ASSIGN_OR_RETURN(std::vector<int64_t> lines,
                          DecisionLinesIn(db, d->Int(1), d->IsNull(2) ? nullptr : &d->Text(2), d->Int(0), app.measure,
                                          app.item));
  int64_t payable = 0;
  for (int64_t fen : lines) payable += ScaleFen(fen, scaling->budget_fen, scaling->committed_fen);
  return payable;
}

Result<int64_t> Store::PayableFen(int64_t id, std::optional<YearScaling>* scaling) {
  BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(*db_, id, false));
  return PayableIn(*db_, app, scaling);
}

Result<int64_t> Store::PayableFen(const Application& app, std::optional<YearScaling>* scaling) {
  return PayableIn(*db_, app, scaling);
}

}  // namespace bursar::store
