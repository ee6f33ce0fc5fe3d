// The programme's routes: applications and their lifecycle (submission,
// review, decision, public notice, objections, finalisation, payment,
// recovery), and the route table of every store-backed resource.
//
// Ownership is checked here, before the store is asked to change anything:
// an applicant sees only its own enterprise's applications, a reviewer only
// those assigned to it; anything else is 404, as if it did not exist.
// Versions: every application answer carries ETag: "<version>"; a change
// with an If-Match naming another version is 409 conflict. The version is
// checked here and again by the store inside the change's write transaction
// (Store::ExpectVersion), so a change by another server process sharing the
// database cannot slip in between either.
#include <charconv>
#include <map>
#include <optional>
#include <tuple>

#include "base/json_text.h"
#include "eval/batch.h"
#include "money/exact.h"
#include "server/server_impl.h"
#include "store/audit.h"

namespace bursar::server {

namespace {


Result<int64_t> ParseInt(const std::string& text, const std::string& field) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument("expected an integer, got '" + text + "'", field).WithReason("not_whole_number");
  }
  return value;
}

OJson ParsedOrText(const std::string& text) {
  OJson j = OJson::parse(text, nullptr, false);
  if (j.is_discarded()) return OJson(text);
  return j;
}

// The award the engine would grant an apply-free application (04, 05: decided
// from facts alone) that is not decided yet, on the enterprise's evidence as it
// stands now: its case is built as its decision's will be (Store::BuildCase
// with no claims, Store::ClaimsForDecision) and decided by the served policy;
// the total is the output's lines under the application's measure, as a
// decision's is. Null for any other application, once decided, or when the
// engine refuses the case. One case per enterprise and year however many of
// its applications a list holds.
class Estimator {
 public:
  // `engines`: the engine of an application's policy (Application::policy),
  // or null when the server does not run it.
  using Engines = std::function<const Engine*(const std::string& policy)>;
  Estimator(Engines engines, store::Store& st) : engines_(std::move(engines)), st_(st) {}

  Result<OJson> operator()(const store::Application& a) {
    using S = store::ApplicationState;
    if (a.state != S::kDraft && a.state != S::kSubmitted && a.state != S::kInReview) return OJson();
    const nlohmann::json claim = nlohmann::json::parse(a.claim, nullptr, false);
    if (!claim.is_object() || !claim.value("apply_free", false)) return OJson();
    // D-G10: the estimate that counts (official and verified evidence) and,
    // apart, the one the enterprise's declarations awaiting verification
    // would give.
    BURSAR_ASSIGN_OR_RETURN(const std::optional<nlohmann::json>* counted, Output(a, false));
    if (!*counted) return OJson();
    BURSAR_ASSIGN_OR_RETURN(int64_t fen, store::ApplicationLinesFen(**counted, a.measure, a.item, nullptr));
    // A second case only for an enterprise with declarations to verify: the
    // usual one has none, and a page of estimates stays one case each.
    int64_t declared_fen = fen;
    auto pending = pending_.find(a.credit_code);
    if (pending == pending_.end()) {
      BURSAR_ASSIGN_OR_RETURN(int64_t n, st_.DeclaredPending(a.credit_code));
      pending = pending_.emplace(a.credit_code, n).first;
    }
    if (pending->second > 0) {
      BURSAR_ASSIGN_OR_RETURN(const std::optional<nlohmann::json>* declared, Output(a, true));
      if (*declared) {
        BURSAR_ASSIGN_OR_RETURN(declared_fen, store::ApplicationLinesFen(**declared, a.measure, a.item, nullptr));
      }
    }
    return OJson{{"total", FenToMoneyString(fen)},
                 {"eligible", (*counted)->value("eligible", false)},
                 {"total_with_declared", FenToMoneyString(declared_fen)},
                 {"policy_digest", engines_(a.policy)->digest()}};
  }

 private:
  // The engine's output for the enterprise and year of `a` without claims,
  // once per request; nullopt when the case does not evaluate.
  Result<const std::optional<nlohmann::json>*> Output(const store::Application& a, bool with_declared) {
    auto key = std::make_tuple(a.credit_code, a.year, with_declared, a.policy);
    auto it = outputs_.find(key);
    if (it == outputs_.end()) {
      std::optional<nlohmann::json> output;
      if (const Engine* engine = engines_(a.policy)) {
        BURSAR_ASSIGN_OR_RETURN(OJson c, st_.BuildCase(a.credit_code, a.year, nlohmann::json::array(), &scaling_, 0,
                                                       with_declared, a.policy));
        auto decided = engine->Evaluate(nlohmann::json(c));
        if (decided.ok()) output = nlohmann::json(*decided);
      }
      it = outputs_.emplace(key, std::move(output)).first;
    }
    return &it->second;
  }

  Engines engines_;
  store::Store& st_;
  std::map<std::tuple<std::string, int64_t, bool, std::string>, std::optional<nlohmann::json>> outputs_;
  std::map<std::string, int64_t> pending_;  // declared rows awaiting verification, per enterprise
  store::Store::ScalingMemo scaling_;  // for one request's page
};

// A payment order as the API answers it (docs/http-api.md, "Payments").
OJson PaymentOrderJson(const store::PaymentOrder& o) {
  return OJson{{"id", o.id},
               {"application_id", o.application_id},
               {"amount", FenToMoneyString(o.amount_fen)},
               {"reference", o.reference},
               {"state", o.state},
               {"recorded_by", o.recorded_by},
               {"recorded_at", o.recorded_at},
               {"decided_by", o.decided_by.empty() ? OJson() : OJson(o.decided_by)},
               {"decided_at", o.decided_at.empty() ? OJson() : OJson(o.decided_at)},
               {"reason", o.reason.empty() ? OJson() : OJson(o.reason)},
               {"instalment", o.instalment ? OJson(o.instalment) : OJson()}};
}

}  // namespace

// ---- shared helpers --------------------------------------------------------

Result<Server::Impl::ListParams> Server::Impl::ParseList(const httplib::Request& req,
                                                           std::initializer_list<const char*> filters, bool paged) {
  ListParams out;
  for (const auto& [name, value] : QueryPairs(req.target)) {
    if (!paged && (name == "limit" || name == "offset" || name == "sort")) {
      return InvalidArgument("this is given whole, not by pages: drop " + name, "query." + name);
    }
    if (name == "limit") {
      BURSAR_ASSIGN_OR_RETURN(out.page.limit, ParseInt(value, "query.limit"));
      if (out.page.limit < 1 || out.page.limit > 500) return InvalidArgument("limit is 1 to 500", "query.limit");
    } else if (name == "offset") {
      BURSAR_ASSIGN_OR_RETURN(out.page.offset, ParseInt(value, "query.offset"));
      if (out.page.offset < 0) return InvalidArgument("offset is 0 or more", "query.offset");
    } else if (name == "sort") {
      if (value.empty() || value == "-") return InvalidArgument("sort names a field, e.g. sort=-id", "query.sort");
      out.page.sort = value;
    } else if (std::any_of(filters.begin(), filters.end(),
                           [&param = name](const char* f) { return param == f; })) {  // clang 14: no binding capture
      out.filters[name] = value;
    } else {
      std::string known = paged ? "limit, offset, sort" : "";
      for (const char* f : filters) known += (known.empty() ? "" : ", ") + std::string(f);
      return InvalidArgument("unknown query parameter '" + name + "' (known: " + known + ")", "query." + name);
    }
  }
  return out;
}

Result<int64_t> Server::Impl::QueryYear(const ListParams& list, const char* name) {
  auto it = list.filters.find(name);
  if (it == list.filters.end() || it->second.empty()) return int64_t{0};
  BURSAR_ASSIGN_OR_RETURN(int64_t year, ParseInt(it->second, std::string("query.") + name));
  if (year < 1900 || year > 2999) {
    return InvalidArgument("expected a year such as 2025", std::string("query.") + name).WithReason("not_year");
  }
  return year;
}

Result<std::optional<std::string>> Server::Impl::ApprovalBody(const nlohmann::json& body, const char* what) {
  BURSAR_RETURN_IF_ERROR(OnlyKnownFields(body, {"approve", "reason"}));
  auto approve = body.find("approve");
  if (approve == body.end() || !approve->is_boolean()) {
    return InvalidArgument(std::string("approve is true (") + what + ") or false (reject it, with a reason)", "approve");
  }
  if (approve->get<bool>()) return std::optional<std::string>();
  BURSAR_ASSIGN_OR_RETURN(std::string reason, StringField(body, "reason"));
  return std::optional<std::string>(std::move(reason));
}

Result<std::optional<nlohmann::json>> Server::Impl::JsonObjectBody(const httplib::Request& req,
                                                                   httplib::Response& res, bool optional) {
  if (optional && req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return std::optional<nlohmann::json>(nlohmann::json::object());
  }
  const std::string type = MediaType(req.get_header_value("Content-Type"));
  if (type != "application/json") {
    WriteError(UnsupportedMediaType("the body is sent as application/json, not '" +
                                    (type.empty() ? std::string("(none)") : type) + "'"),
               &res);
    return std::optional<nlohmann::json>();
  }
  // Strict: where a syntax error is, non-UTF-8 bytes, a key named twice.
  auto parsed = ParseJsonText(req.body);
  if (!parsed.ok()) {
    return InvalidArgument("the body is not a JSON object: " + parsed.status().message(), parsed.status().field());
  }
  nlohmann::json body = std::move(*parsed);
  if (!body.is_object()) return InvalidArgument("the body is not a JSON object");
  return std::optional<nlohmann::json>(std::move(body));
}

bool Server::Impl::RefusedProceduralDate(const nlohmann::json& body, httplib::Response& res) {
  for (const char* field : kProceduralDateFields) {
    if (!body.contains(field)) continue;
    WriteError(BadRequest(std::string("\"") + field +
                              "\" is not taken: the dates of the procedure are the server's own calendar day in "
                              "Beijing (D-G9), recorded with the step; send the request without it",
                          field),
               &res);
    return true;
  }
  return false;
}

Result<int64_t> Server::Impl::PathId(const httplib::Request& req, size_t index, const char* what) {
  const std::string text = req.matches.size() > index ? req.matches[index].str() : "";
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    return Status(StatusCode::kNotFound, std::string("no ") + what + " '" + text + "'", "id");
  }
  return id;
}

Status Server::Impl::CheckIfMatch(store::Store& st, const httplib::Request& req, int64_t application_id,
                                  int64_t version) {
  std::string tag = req.get_header_value("If-Match");
  if (tag.empty() || tag == "*") return OkStatus();
  if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') tag = tag.substr(1, tag.size() - 2);
  int64_t wanted = 0;
  auto [end, ec] = std::from_chars(tag.data(), tag.data() + tag.size(), wanted);
  if (tag.empty() || ec != std::errc() || end != tag.data() + tag.size()) {
    return InvalidArgument("If-Match takes the ETag of the application, e.g. \"3\"", "header.If-Match");
  }
  if (wanted != version) {
    return Status(StatusCode::kConflict, "the application changed since you read it: it is at version " +
                                             std::to_string(version) + ", you sent " + std::to_string(wanted) +
                                             "; read it again");
  }
  st.ExpectVersion(application_id, wanted);
  return OkStatus();
}

Status Server::Impl::CheckVisible(store::Store& st, const Caller& caller, const store::ApplicationRow& row) {
  const store::Role role = RoleOf(caller);
  bool visible = true;
  if (role == store::Role::kApplicant) {
    visible = row.application.credit_code == caller.who->account.credit_code;
  } else if (role == store::Role::kReviewer) {
    BURSAR_ASSIGN_OR_RETURN(visible, st.IsReviewerOf(row.application.id, Actor(caller)));
  }
  if (!visible) return Status(StatusCode::kNotFound, "no application " + std::to_string(row.application.id), "id");
  return OkStatus();
}

OJson Server::Impl::ApplicationJson(const store::ApplicationRow& row) const {
  const store::Application& a = row.application;
  OJson j;
  j["id"] = a.id;
  j["credit_code"] = a.credit_code;
  j["enterprise_name"] = row.enterprise_name;
  j["year"] = a.year;
  j["measure"] = a.measure;
  j["item"] = a.item.empty() ? OJson() : OJson(a.item);
  j["project"] = a.project.empty() ? OJson() : OJson(a.project);
  j["claim"] = ParsedOrText(a.claim);
  // The programme, by its policy's id (the served policy's for the store's own).
  j["policy"] = a.policy.empty() ? programme_policy_id : a.policy;
  j["state"] = store::ApplicationStateName(a.state);
  j["version"] = row.version;
  j["notice_until"] = a.notice_until.empty() ? OJson() : OJson(a.notice_until);
  j["total"] = row.total_fen ? OJson(FenToMoneyString(*row.total_fen)) : OJson();
  j["created_at"] = a.created_at;
  j["updated_at"] = a.updated_at;
  return j;
}

OJson Server::Impl::DecisionJson(const store::Decision& d, bool explain) const {
  OJson j;
  j["id"] = d.id;
  j["application_id"] = d.application_id;
  j["total"] = FenToMoneyString(d.total_fen);
  j["output"] = ParsedOrText(d.output_json);
  // The explanation is the engine's trace of the stored case, recomputed
  // (decisions are deterministic; a replay proves it) by the policy it was
  // decided under; none when this server runs no longer that version.
  j["explanation"] = OJson();
  const Engine* decided_by = explain ? EngineOfDigest(d.policy_digest) : nullptr;
  if (decided_by != nullptr) {
    EvaluateOptions traced_options;
    traced_options.explain = true;
    auto c = nlohmann::json::parse(d.case_json, nullptr, false);
    if (!c.is_discarded()) {
      auto traced = decided_by->Evaluate(c, traced_options);
      if (traced.ok() && traced->contains("trace")) j["explanation"] = (*traced)["trace"];
    }
  }
  j["case"] = ParsedOrText(d.case_json);
  j["policy_digest"] = d.policy_digest;
  j["decided_at"] = d.decided_at;
  j["decided_by"] = d.decided_by;
  j["in_force"] = d.in_force;
  return j;
}

void Server::Impl::AnswerJson(httplib::Response& res, const OJson& body, int status) {
  res.status = status;
  SetBody(res, body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", kJson);
}

void Server::Impl::AnswerApplication(httplib::Response& res, const OJson& body, int64_t version, int status) {
  res.set_header("ETag", "\"" + std::to_string(version) + "\"");
  AnswerJson(res, body, status);
}

OJson Server::Impl::ListJson(OJson items, int64_t total, const store::PageRequest& page) {
  return OJson{{"items", std::move(items)}, {"total", total}, {"limit", page.limit}, {"offset", page.offset}};
}

Status Server::Impl::ChangeApplication(
    const httplib::Request& req, httplib::Response& res, const Caller& caller,
    const std::function<Status(store::Store&, const store::ApplicationRow&)>& change, int status, bool duties,
    const int* status_after) {
  BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, "application"));
  store::ApplicationRow after;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(store::ApplicationRow row, st.GetApplicationRow(id));
    BURSAR_RETURN_IF_ERROR(CheckVisible(st, caller, row));
    BURSAR_RETURN_IF_ERROR(CheckIfMatch(st, req, row.application.id, row.version));
    Status changed = change(st, row);
    // The role was authorised already; a refusal by the store here is about
    // the application's state (e.g. a reviewer excluded by a conflict).
    if (changed.code() == StatusCode::kPermissionDenied && !duties) {
      changed = Status(StatusCode::kFailedPrecondition, changed.message(), changed.field());
    }
    BURSAR_RETURN_IF_ERROR(changed);
    BURSAR_ASSIGN_OR_RETURN(after, st.GetApplicationRow(id));
    return OkStatus();
  }));
  AnswerApplication(res, ApplicationJson(after), after.version, status_after ? *status_after : status);
  return OkStatus();
}

// ---- applications ----------------------------------------------------------

Status Server::Impl::ListApplications(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(ListParams list,
                          ParseList(req, {"state", "year", "measure", "enterprise", "reviewer", "review", "estimates",
                                          "after", "policy"}));
  // Each estimate builds the enterprise's case from its evidence (about 2 ms),
  // so a page of 500 proposals would take a second: asked for, not by default.
  bool with_estimates = false;
  if (auto e = list.filters.find("estimates"); e != list.filters.end()) {
    if (e->second != "true" && e->second != "false") {
      return InvalidArgument("estimates is true or false, not '" + e->second + "'", "query.estimates");
    }
    with_estimates = e->second == "true";
  }
  store::ApplicationQuery q;
  q.page = list.page;
  q.page.after = list.filters["after"];
  q.state = list.filters["state"];
  BURSAR_ASSIGN_OR_RETURN(q.year, QueryYear(list));
  q.measure = list.filters["measure"];
  q.credit_code = list.filters["enterprise"];
  // `policy=ID`: that programme's applications only (absent: every programme's).
  BURSAR_ASSIGN_OR_RETURN(q.policy, ListProgramme(req, list));
  const store::Role role = RoleOf(caller);
  // Applicants do not learn who reviews them (their detail says "reviewer 1"),
  // so they may not filter by reviewer at all: probing names one by one would
  // reveal by the count who reviews their enterprise (issue 14, A3).
  if (role == store::Role::kApplicant && list.filters.count("reviewer")) {
    return InvalidArgument("an applicant does not filter applications by reviewer (reviewers are not disclosed to "
                           "applicants)",
                           "query.reviewer");
  }
  q.reviewer = list.filters["reviewer"];
  q.review = list.filters["review"];
  // Only its own: asking for another enterprise (or reviewer) finds nothing.
  if (role == store::Role::kApplicant) q.credit_code = OnlyOwn(q.credit_code, caller.who->account.credit_code);
  if (role == store::Role::kReviewer) q.reviewer = OnlyOwn(q.reviewer, Actor(caller));
  int64_t total = 0;
  std::string next;
  OJson items = OJson::array();
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(store::Page<store::ApplicationRow> page, st.ListApplications(q));
    total = page.total;
    next = std::move(page.next);
    Estimator estimate([this](const std::string& policy) { return EngineOf(policy); }, st);
    for (const auto& row : page.items) {
      OJson j = ApplicationJson(row);
      if (with_estimates) {
        BURSAR_ASSIGN_OR_RETURN(j["estimate"], estimate(row.application));
      }
      items.push_back(std::move(j));
    }
    return OkStatus();
  }));
  OJson body = ListJson(std::move(items), total, q.page);
  // Keyset paging: `after=<next>` gives the following page (docs/http-api.md).
  body["next"] = next.empty() ? OJson() : OJson(next);
  AnswerJson(res, body);
  return OkStatus();
}

Status Server::Impl::CreateApplication(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  BURSAR_ASSIGN_OR_RETURN(std::string code, StringField(*body, "credit_code"));
  if (!body->contains("year") || !(*body)["year"].is_number_integer()) {
    return InvalidArgument("expected an integer \"year\" such as 2025", "year").WithReason("not_year");
  }
  const int64_t year = (*body)["year"].get<int64_t>();
  if (!body->contains("claim") || !(*body)["claim"].is_object()) {
    return InvalidArgument("expected a CASES.md claim object, e.g. {\"measure\":\"03\",\"assessed\":\"4200000\"}",
                           "claim");
  }
  const nlohmann::json& claim = (*body)["claim"];
  BURSAR_ASSIGN_OR_RETURN(const std::string policy, BodyProgramme(*body));
  // The claim must be one its policy accepts: checked now, not at decision time.
  BURSAR_RETURN_IF_ERROR(EngineOf(policy)->CheckClaim(year, code, claim));
  if (RoleOf(caller) == store::Role::kApplicant && code != caller.who->account.credit_code) {
    return Status(StatusCode::kNotFound, "no enterprise " + code, "credit_code");
  }
  store::ApplicationRow row;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(int64_t id, st.CreateApplication(Actor(caller), code, year, claim, policy));
    BURSAR_ASSIGN_OR_RETURN(row, st.GetApplicationRow(id));
    return OkStatus();
  }));
  res.set_header("Location", "/api/applications/" + std::to_string(row.application.id));
  AnswerApplication(res, ApplicationJson(row), row.version, 201);
  return OkStatus();
}

Status Server::Impl::GetApplication(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, "application"));
  const bool applicant = RoleOf(caller) == store::Role::kApplicant;
  OJson out;
  int64_t version = 0;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(store::ApplicationRow row, st.GetApplicationRow(id));
    BURSAR_RETURN_IF_ERROR(CheckVisible(st, caller, row));
    version = row.version;
    out = ApplicationJson(row);
    Estimator estimate([this](const std::string& policy) { return EngineOf(policy); }, st);
    BURSAR_ASSIGN_OR_RETURN(out["estimate"], estimate(row.application));
    BURSAR_ASSIGN_OR_RETURN(auto reviews, st.Reviews(id));
    OJson rs = OJson::array();
    int n = 0;
    for (const auto& r : reviews) {
      ++n;
      OJson j;
      // Applicants see the reviews, not who wrote them.
      j["reviewer"] = applicant ? "reviewer " + std::to_string(n) : r.reviewer;
      j["state"] = r.state;
      j["scores"] = r.scores.empty() ? OJson() : ParsedOrText(r.scores);
      j["proposed"] = r.proposed_fen ? OJson(FenToMoneyString(*r.proposed_fen)) : OJson();
      if (!applicant) {
        j["conflict"] = r.conflict.empty() ? OJson() : OJson(r.conflict);
        // The opinion is for the office (officers, reviewers, auditors), as
        // is who wrote it; the applicant sees the scores and the amount.
        j["opinion"] = r.opinion.empty() ? OJson() : OJson(r.opinion);
      }
      rs.push_back(std::move(j));
    }
    out["reviews"] = std::move(rs);
    // The files' names and digests; their content from the attachment route.
    if (RoleOf(caller) != store::Role::kFinance) {
      BURSAR_ASSIGN_OR_RETURN(auto files, st.Attachments(id));
      OJson fs = OJson::array();
      for (const auto& a : files) fs.push_back(AttachmentJson(a));
      out["attachments"] = std::move(fs);
    }
    BURSAR_ASSIGN_OR_RETURN(auto decision, st.DecisionInForce(id));
    out["decision"] = decision ? DecisionJson(*decision, false) : OJson();
    // D-G6: the most that may be paid on the decision and, when the year's
    // committed awards exceed its budget, the two figures that scale it, so
    // that a payment below the decision is explained.
    out["payable"] = OJson();
    out["scaling"] = OJson();
    if (decision) {
      std::optional<store::YearScaling> scaling;
      BURSAR_ASSIGN_OR_RETURN(int64_t payable, st.PayableFen(row.application, &scaling));
      out["payable"] = FenToMoneyString(payable);
      if (scaling) {
        out["scaling"] = {{"budget", FenToMoneyString(scaling->budget_fen)},
                          {"committed", FenToMoneyString(scaling->committed_fen)}};
      }
    }
    BURSAR_ASSIGN_OR_RETURN(auto payments, st.Payments(id));
    OJson ps = OJson::array();
    int64_t paid_fen = 0;
    for (const auto& p : payments) {
      paid_fen += p.amount_fen;
      ps.push_back({{"instalment", p.instalment}, {"amount", FenToMoneyString(p.amount_fen)}, {"paid_on", p.paid_on},
                    {"reference", p.reference}});
    }
    out["payments"] = std::move(ps);
    if (!applicant) {
      BURSAR_ASSIGN_OR_RETURN(auto orders, st.PaymentOrders("", id));
      OJson os = OJson::array();
      for (const auto& o : orders) os.push_back(PaymentOrderJson(o));
      out["payment_orders"] = std::move(os);
    }
    BURSAR_ASSIGN_OR_RETURN(auto recoveries, st.Recoveries(id));
    OJson rv = OJson::array();
    int64_t recovered_fen = 0;
    for (const auto& r : recoveries) {
      recovered_fen += r.amount_fen;
      rv.push_back({{"id", r.id},
                    {"amount", FenToMoneyString(r.amount_fen)},
                    {"reason", r.reason},
                    {"recovered_at", r.recovered_at},
                    {"recovered_by", r.recovered_by.empty() ? OJson() : OJson(r.recovered_by)}});
    }
    out["recoveries"] = std::move(rv);
    // Never more is recovered than was paid (Store::Recover), so the net is not negative.
    out["paid_total"] = FenToMoneyString(paid_fen);
    out["recovered_total"] = FenToMoneyString(recovered_fen);
    out["net_paid"] = FenToMoneyString(paid_fen - recovered_fen);
    store::ObjectionQuery oq;
    oq.application_id = id;
    oq.page.limit = 500;
    BURSAR_ASSIGN_OR_RETURN(auto objections, st.ListObjections(oq));
    OJson os = OJson::array();
    for (const auto& o : objections.items) {
      OJson j = {{"id", o.id}, {"reason", o.reason}, {"filed_at", o.filed_at}, {"state", o.state},
                 {"resolution", o.resolution.empty() ? OJson() : OJson(o.resolution)},
                 {"resolved_at", o.resolved_at.empty() ? OJson() : OJson(o.resolved_at)}};
      if (!applicant) j["filed_by"] = o.filed_by;
      os.push_back(std::move(j));
    }
    out["objections"] = std::move(os);
    // The office's next step, when the store would refuse it now, and why:
    // the page disables the step and words the reason (issue 15, point 5).
    // The store's own rules (Store::DecideBlocker and FinaliseBlocker: what
    // Decide and Finalise refuse), on the server's calendar (D-G9).
    if (!applicant) {
      OJson waiting = OJson::object();
      auto blocker_json = [](const store::StepBlocker& b) {
        OJson j = {{"code", b.code}};
        if (b.code == "reviews_pending") j["reviewers"] = b.reviewers;
        if (b.code == "notice_running") {
          j["until"] = b.until;
          j["final_from"] = b.final_from;
          j["today"] = b.today;
        }
        if (b.code == "objection_open") j["objection"] = b.objection;
        return j;
      };
      BURSAR_ASSIGN_OR_RETURN(auto decide, st.DecideBlocker(row.application));
      if (decide) waiting["decide"] = blocker_json(*decide);
      BURSAR_ASSIGN_OR_RETURN(auto finalise, st.FinaliseBlocker(row.application));
      if (finalise) waiting["finalise"] = blocker_json(*finalise);
      out["waiting"] = std::move(waiting);
    }
    return OkStatus();
  }));
  AnswerApplication(res, out, version);
  return OkStatus();
}

Status Server::Impl::SubmitApplication(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  return ChangeApplication(req, res, caller, [&](store::Store& st, const store::ApplicationRow& row) {
    return st.Submit(Actor(caller), row.application.id);
  });
}

// The enterprise's own draft, before it is submitted: its claim changed, or
// the draft withdrawn (store.h: EditDraft, WithdrawDraft). Both need If-Match.
Status Server::Impl::EditDraft(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  BURSAR_RETURN_IF_ERROR(OnlyKnownFields(*body, {"claim"}));
  if (!body->contains("claim") || !(*body)["claim"].is_object()) {
    return InvalidArgument("expected \"claim\": the claim object, as when the application was made", "claim");
  }
  return ChangeApplication(req, res, caller, [&](store::Store& st, const store::ApplicationRow& row) {
    // The changed claim of a draft is checked against the policy as a new
    // one is (past a draft the store refuses any change).
    if (row.application.state == store::ApplicationState::kDraft) {
      const Engine* checking = EngineOf(row.application.policy);
      if (checking == nullptr) {
        return Status(StatusCode::kFailedPrecondition,
                      "the application is of policy " + row.application.policy + ", which this server does not run");
      }
      BURSAR_RETURN_IF_ERROR(
          checking->CheckClaim(row.application.year, row.application.credit_code, (*body)["claim"]));
    }
    return st.EditDraft(Actor(caller), row.application.id, (*body)["claim"]);
  });
}

Status Server::Impl::WithdrawDraft(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, "application"));
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(store::ApplicationRow row, st.GetApplicationRow(id));
    BURSAR_RETURN_IF_ERROR(CheckVisible(st, caller, row));
    BURSAR_RETURN_IF_ERROR(CheckIfMatch(st, req, row.application.id, row.version));
    return st.WithdrawDraft(Actor(caller), id);
  }));
  res.status = 204;
  return OkStatus();
}

Status Server::Impl::StartReview(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  if (!body->contains("reviewers") || !(*body)["reviewers"].is_array()) {
    return InvalidArgument("expected \"reviewers\": an array of reviewer usernames", "reviewers");
  }
  std::vector<std::string> reviewers;
  for (size_t i = 0; i < (*body)["reviewers"].size(); ++i) {
    const auto& r = (*body)["reviewers"][i];
    if (!r.is_string() || r.get<std::string>().empty()) {
      return InvalidArgument("expected a reviewer's username", "reviewers[" + std::to_string(i) + "]");
    }
    reviewers.push_back(r.get<std::string>());
  }
  return ChangeApplication(req, res, caller, [&](store::Store& st, const store::ApplicationRow& row) -> Status {
    for (size_t i = 0; i < reviewers.size(); ++i) {
      auto account = st.GetAccount(reviewers[i]);
      if (!account.ok() || account->role != store::Role::kReviewer || account->disabled) {
        return InvalidArgument("'" + reviewers[i] + "' is not an enabled reviewer account",
                               "reviewers[" + std::to_string(i) + "]");
      }
      reviewers[i] = account->username;  // as stored: `ALICE` is `alice` (A6)
    }
    return st.StartReview(Actor(caller), row.application.id, reviewers);
  });
}

Status Server::Impl::PutReview(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  const std::string reviewer = req.matches.size() > 2 ? req.matches[2].str() : "";
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  if (!body->contains("scores")) return InvalidArgument("expected \"scores\": {rubric item: 0..100}", "scores");
  BURSAR_ASSIGN_OR_RETURN(std::string proposed, StringField(*body, "proposed"));
  BURSAR_ASSIGN_OR_RETURN(std::string opinion, StringField(*body, "opinion"));
  return ChangeApplication(req, res, caller, [&](store::Store& st, const store::ApplicationRow& row) -> Status {
    // A reviewer writes only its own review; another name is not there to write.
    if (reviewer != Actor(caller)) {
      return Status(StatusCode::kNotFound, "no review by '" + reviewer + "' of yours", "reviewer");
    }
    return st.SubmitReview(Actor(caller), row.application.id, (*body)["scores"], proposed, opinion);
  });
}

Status Server::Impl::DeclareConflict(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  BURSAR_ASSIGN_OR_RETURN(std::string reason, StringField(*body, "reason"));
  return ChangeApplication(req, res, caller, [&](store::Store& st, const store::ApplicationRow& row) {
    return st.DeclareConflict(Actor(caller), row.application.id, reason);
  });
}

// ---- decisions -------------------------------------------------------------

Status Server::Impl::Decide(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res, true));
  if (!body) return OkStatus();
  if (RefusedProceduralDate(*body, res)) return OkStatus();
  BURSAR_RETURN_IF_ERROR(OnlyKnownFields(*body, {}));
  BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, "application"));
  OJson out;
  int64_t version = 0;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(store::ApplicationRow row, st.GetApplicationRow(id));
    BURSAR_RETURN_IF_ERROR(CheckVisible(st, caller, row));
    BURSAR_RETURN_IF_ERROR(CheckIfMatch(st, req, row.application.id, row.version));
    if (row.application.state != store::ApplicationState::kInReview) {
      return Status(StatusCode::kFailedPrecondition, "application " + std::to_string(id) + " is " +
                                                         store::ApplicationStateName(row.application.state) +
                                                         ": cannot decide it (needs in_review)");
    }
    // The store builds the case (the enterprise's record, facts derived from
    // its evidence, history, and the claim with the assessed amount the
    // reviews proposed: Store::ClaimsForDecision) and records the engine's
    // answer in the same transaction, so the decision is exactly what
    // `bursar decide` would have made.
    auto decide = [&](const std::string& policy, const std::string& case_text) -> Result<store::DecisionInput> {
      // The application's programme decides it (Application::policy).
      auto programme = PolicyOf(policy);
      if (!programme.ok()) {
        return Status(StatusCode::kFailedPrecondition, "application " + std::to_string(id) + " is of policy " +
                                                           policy + ", which this server does not run");
      }
      const Engine& deciding = *(*programme)->engine;
      auto output = deciding.EvaluateText(case_text);
      if (!output.ok()) {
        return Status(StatusCode::kFailedPrecondition,
                      "the engine refuses the case built for application " + std::to_string(id) + ": " +
                          output.status().message() +
                          (output.status().field().empty() ? "" : " (at " + output.status().field() + ")"));
      }
      return store::DecisionInput{deciding.digest(), case_text, *std::move(output)};
    };
    BURSAR_ASSIGN_OR_RETURN(int64_t decision_id, st.DecideFromStore(Actor(caller), id, decide));
    BURSAR_ASSIGN_OR_RETURN(store::Decision d, st.GetDecision(decision_id));
    out = DecisionJson(d, true);
    BURSAR_ASSIGN_OR_RETURN(store::ApplicationRow after, st.GetApplicationRow(id));
    version = after.version;
    return OkStatus();
  }));
  res.set_header("Location", "/api/decisions/" + std::to_string(out["id"].get<int64_t>()));
  AnswerApplication(res, out, version, 201);
  return OkStatus();
}

Status Server::Impl::GetDecision(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, "decision"));
  store::Decision d;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    auto found = st.GetDecision(id);
    if (!found.ok()) return Status(found.status().code(), found.status().message(), "id");
    d = std::move(found).value();
    BURSAR_ASSIGN_OR_RETURN(store::ApplicationRow row, st.GetApplicationRow(d.application_id));
    Status visible = CheckVisible(st, caller, row);
    if (!visible.ok()) return Status(StatusCode::kNotFound, "no decision " + std::to_string(id), "id");
    return OkStatus();
  }));
  AnswerJson(res, DecisionJson(d, true));
  return OkStatus();
}

Status Server::Impl::ReplayDecision(const httplib::Request& req, httplib::Response& res, const Caller&) {
  BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, "decision"));
  store::Decision d;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    auto found = st.GetDecision(id);
    if (!found.ok()) return Status(found.status().code(), found.status().message(), "id");
    d = std::move(found).value();
    return OkStatus();
  }));
  OJson out = {{"decision", id}, {"policy_digest", d.policy_digest}};
  out["stored"] = ParsedOrText(d.output_json);
  // Replayed by the policy it was decided under: the programme's, or one
  // run beside it (the application's own).
  const Engine* decided_by = EngineOfDigest(d.policy_digest);
  if (decided_by == nullptr) {
    std::string runs;
    for (const auto& [name, p] : published) runs += (runs.empty() ? "" : ", ") + name + " " + p.engine->digest();
    out["identical"] = false;
    out["result"] = "other_policy";
    out["recomputed"] = OJson();
    out["message"] = "decided under policy " + d.policy_digest + "; this server runs " + runs;
  } else {
    auto output = decided_by->EvaluateText(d.case_json);
    if (!output.ok()) {
      out["identical"] = false;
      out["result"] = "refused";
      out["recomputed"] = OJson();
      out["message"] = output.status().message();
    } else {
      const bool same = *output == d.output_json;
      out["identical"] = same;
      out["result"] = same ? "identical" : "different";
      out["recomputed"] = ParsedOrText(*output);
    }
  }
  AnswerJson(res, out);
  return OkStatus();
}

// ---- notice, objections, finalisation --------------------------------------

Status Server::Impl::PublishNotice(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res, true));
  if (!body) return OkStatus();
  if (RefusedProceduralDate(*body, res)) return OkStatus();
  BURSAR_RETURN_IF_ERROR(OnlyKnownFields(*body, {}));
  // Published today by the server's calendar, the notice runs the policy's
  // notice_days (D-P1) from tomorrow (D-G9).
  return ChangeApplication(req, res, caller, [&](store::Store& st, const store::ApplicationRow& row) -> Status {
    BURSAR_ASSIGN_OR_RETURN(const CheckedPolicy* policy, PolicyOfApplication(row.application));
    BURSAR_ASSIGN_OR_RETURN(int64_t days, NoticeDays(*policy, static_cast<int>(row.application.year)));
    return st.PublishNotice(Actor(caller), row.application.id, days);
  });
}

Status Server::Impl::ListNotices(const httplib::Request& req, httplib::Response& res, const Caller&) {
  BURSAR_ASSIGN_OR_RETURN(ListParams list, ParseList(req, {"year", "policy"}));
  store::NoticeQuery q;
  q.page = list.page;
  BURSAR_ASSIGN_OR_RETURN(q.year, QueryYear(list));
  BURSAR_ASSIGN_OR_RETURN(q.policy, ListProgramme(req, list));
  return AnswerPage(res, q, &store::Store::ListNotices, [this](const store::NoticeRecord& n) {
    return OJson{{"id", n.application_id},
                 {"policy", ProgrammeId(n.policy)},
                 {"enterprise_name", n.enterprise_name},
                 {"credit_code", n.credit_code},
                 {"year", n.year},
                 {"measure", n.measure},
                 {"item", n.item.empty() ? OJson() : OJson(n.item)},
                 {"total", FenToMoneyString(n.total_fen)},
                 {"notice_until", n.notice_until}};
  });
}

Status Server::Impl::FileObjection(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  BURSAR_ASSIGN_OR_RETURN(std::string reason, StringField(*body, "reason"));
  BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, "application"));
  OJson out;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(store::ApplicationRow row, st.GetApplicationRow(id));
    // Who may object (issue 14, A2): the applicant of the application (an
    // applicant sees only its own: another's is 404); a reviewer assigned to
    // it, a conflicted one included (a conflict is a reason to know
    // something); the officer, who records objections received on paper.
    // An unassigned reviewer is refused: the notice is public, but a
    // reviewer's objection to a file it never saw is no review, and it held
    // up another reviewer's application.
    const store::Role role = RoleOf(caller);
    if (role == store::Role::kApplicant) BURSAR_RETURN_IF_ERROR(CheckVisible(st, caller, row));
    if (role == store::Role::kReviewer) {
      BURSAR_ASSIGN_OR_RETURN(bool assigned, st.IsReviewerOf(id, Actor(caller)));
      if (!assigned) {
        return Status(StatusCode::kPermissionDenied,
                      "a reviewer objects only to an application it is assigned to review", "id");
      }
    }
    BURSAR_RETURN_IF_ERROR(CheckIfMatch(st, req, row.application.id, row.version));
    BURSAR_ASSIGN_OR_RETURN(int64_t objection, st.FileObjection(Actor(caller), id, reason));
    BURSAR_ASSIGN_OR_RETURN(auto o, st.FindObjection(objection));
    if (!o) return Status(StatusCode::kInternal, "an objection just filed is gone");
    out = {{"id", o->id},         {"application_id", o->application_id}, {"filed_by", o->filed_by},
           {"reason", o->reason}, {"filed_at", o->filed_at},             {"state", o->state}};
    return OkStatus();
  }));
  AnswerJson(res, out, 201);
  return OkStatus();
}

Status Server::Impl::ListObjections(const httplib::Request& req, httplib::Response& res, const Caller&) {
  BURSAR_ASSIGN_OR_RETURN(ListParams list, ParseList(req, {"state", "application", "policy"}));
  store::ObjectionQuery q;
  q.page = list.page;
  q.state = list.filters["state"];
  if (!list.filters["application"].empty()) {
    BURSAR_ASSIGN_OR_RETURN(q.application_id, ParseInt(list.filters["application"], "query.application"));
  }
  BURSAR_ASSIGN_OR_RETURN(q.policy, ListProgramme(req, list));
  return AnswerPage(res, q, &store::Store::ListObjections, [this](const store::ObjectionRecord& o) {
    return OJson{{"id", o.id},
                 {"application_id", o.application_id},
                 {"policy", ProgrammeId(o.policy)},
                 {"filed_by", o.filed_by},
                 {"reason", o.reason},
                 {"filed_at", o.filed_at},
                 {"state", o.state},
                 {"resolution", o.resolution.empty() ? OJson() : OJson(o.resolution)},
                 {"resolved_at", o.resolved_at.empty() ? OJson() : OJson(o.resolved_at)}};
  });
}

Status Server::Impl::ResolveObjection(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  if (!body->contains("upheld") || !(*body)["upheld"].is_boolean()) {
    return InvalidArgument("expected \"upheld\": true or false", "upheld");
  }
  const bool upheld = (*body)["upheld"].get<bool>();
  BURSAR_ASSIGN_OR_RETURN(std::string resolution, StringField(*body, "resolution"));
  BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, "objection"));
  store::ApplicationRow after;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(auto o, st.FindObjection(id));
    if (!o) return Status(StatusCode::kNotFound, "no objection " + std::to_string(id), "id");
    BURSAR_ASSIGN_OR_RETURN(store::ApplicationRow row, st.GetApplicationRow(o->application_id));
    BURSAR_RETURN_IF_ERROR(CheckIfMatch(st, req, row.application.id, row.version));
    BURSAR_RETURN_IF_ERROR(st.ResolveObjection(Actor(caller), id, upheld, resolution));
    BURSAR_ASSIGN_OR_RETURN(after, st.GetApplicationRow(o->application_id));
    return OkStatus();
  }));
  AnswerApplication(res, ApplicationJson(after), after.version);
  return OkStatus();
}

Status Server::Impl::Finalise(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res, true));
  if (!body) return OkStatus();
  if (RefusedProceduralDate(*body, res)) return OkStatus();
  BURSAR_RETURN_IF_ERROR(OnlyKnownFields(*body, {}));
  return ChangeApplication(req, res, caller, [&](store::Store& st, const store::ApplicationRow& row) {
    return st.Finalise(Actor(caller), row.application.id);
  });
}

// ---- payments and recovery -------------------------------------------------

Status Server::Impl::RecordPayment(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  if (RefusedProceduralDate(*body, res)) return OkStatus();
  BURSAR_RETURN_IF_ERROR(OnlyKnownFields(*body, {"amount", "reference"}));
  BURSAR_ASSIGN_OR_RETURN(std::string amount, StringField(*body, "amount"));
  BURSAR_ASSIGN_OR_RETURN(std::string reference, StringField(*body, "reference"));
  // 201 for an instalment paid; 202 for an order that waits for a second
  // finance account (the application's payment_orders show it).
  int answered = 201;
  return ChangeApplication(
      req, res, caller,
      [&](store::Store& st, const store::ApplicationRow& row) -> Status {
        BURSAR_ASSIGN_OR_RETURN(store::PaymentStep step,
                                st.RecordPayment(Actor(caller), row.application.id, amount, reference));
        if (step.instalment == 0) answered = 202;
        return OkStatus();
      },
      201, true, &answered);
}


// The payment orders (finance, officer, auditor): ?state=pending|approved|rejected.
Status Server::Impl::ListPaymentOrders(const httplib::Request& req, httplib::Response& res, const Caller&) {
  std::string state;
  for (const auto& [key, value] : req.params) {
    if (key != "state") return InvalidArgument("unknown query parameter '" + key + "' (known: state)", "query." + key);
    state = value;
  }
  if (!state.empty() && state != "pending" && state != "approved" && state != "rejected") {
    return InvalidArgument("state is pending, approved or rejected, not '" + state + "'", "query.state");
  }
  std::vector<store::PaymentOrder> orders;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(orders, st.PaymentOrders(state, 0));
    return OkStatus();
  }));
  OJson items = OJson::array();
  for (const auto& o : orders) items.push_back(PaymentOrderJson(o));
  AnswerJson(res, OJson{{"items", std::move(items)}, {"total", orders.size()}});
  return OkStatus();
}

// A second finance account's approval ({"approve": true}: the order is paid
// as the next instalment) or rejection ({"approve": false, "reason": ...}).
Status Server::Impl::DecidePaymentOrder(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(int64_t order, PathId(req, 1, "payment order"));
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  BURSAR_ASSIGN_OR_RETURN(const std::optional<std::string> rejected, ApprovalBody(*body, "pay the order"));
  store::PaymentOrder after;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    if (!rejected) {
      BURSAR_RETURN_IF_ERROR(st.ApprovePayment(Actor(caller), order).status());
    } else {
      BURSAR_RETURN_IF_ERROR(st.RejectPayment(Actor(caller), order, *rejected));
    }
    BURSAR_ASSIGN_OR_RETURN(after, st.GetPaymentOrder(order));
    return OkStatus();
  }));
  AnswerJson(res, PaymentOrderJson(after));
  return OkStatus();
}

Status Server::Impl::ListPayments(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(ListParams list, ParseList(req, {"year", "enterprise", "policy"}));
  store::PaymentQuery q;
  q.page = list.page;
  BURSAR_ASSIGN_OR_RETURN(q.year, QueryYear(list));
  q.credit_code = list.filters["enterprise"];
  if (RoleOf(caller) == store::Role::kApplicant) {
    q.credit_code = OnlyOwn(q.credit_code, caller.who->account.credit_code);
  }
  BURSAR_ASSIGN_OR_RETURN(q.policy, ListProgramme(req, list));
  return AnswerPage(res, q, &store::Store::ListPayments, [this](const store::PaymentRecord& p) {
    return OJson{{"application_id", p.application_id},
                 {"policy", ProgrammeId(p.policy)},
                 {"credit_code", p.credit_code},
                 {"enterprise_name", p.enterprise_name},
                 {"year", p.year},
                 {"measure", p.measure},
                 {"instalment", p.payment.instalment},
                 {"amount", FenToMoneyString(p.payment.amount_fen)},
                 {"paid_on", p.payment.paid_on},
                 {"reference", p.payment.reference}};
  });
}

Status Server::Impl::Recover(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  BURSAR_ASSIGN_OR_RETURN(std::string amount, StringField(*body, "amount"));
  BURSAR_ASSIGN_OR_RETURN(std::string reason, StringField(*body, "reason"));
  return ChangeApplication(req, res, caller, [&](store::Store& st, const store::ApplicationRow& row) {
    return st.Recover(Actor(caller), row.application.id, amount, reason);
  });
}

// ---- the programme's route table -------------------------------------------

std::vector<Server::Impl::Route> Server::Impl::ProgrammeRoutes() {
  using R = store::Role;
  // Finance reads what it pays: the applications, their decisions and enterprises.
  const unsigned kReaders = Only({R::kApplicant, R::kReviewer, R::kOfficer, R::kAuditor, R::kFinance});
  const unsigned kOfficer = Only({R::kOfficer});
  const unsigned kOversight = Only({R::kOfficer, R::kAuditor});
  const unsigned kFinance = Only({R::kFinance});
  return {
      {"get", "/api/applications", &Impl::ListApplications, kReaders},
      {"post", "/api/applications", &Impl::CreateApplication, Only({R::kApplicant, R::kOfficer})},
      {"get", "/api/applications/{id}", &Impl::GetApplication, kReaders},
      {"patch", "/api/applications/{id}", &Impl::EditDraft, Only({R::kApplicant})},
      {"delete", "/api/applications/{id}", &Impl::WithdrawDraft, Only({R::kApplicant})},
      {"post", "/api/applications/{id}/submission", &Impl::SubmitApplication, Only({R::kApplicant, R::kOfficer})},
      {"get", "/api/applications/{id}/attachments", &Impl::ListAttachments,
       Only({R::kApplicant, R::kReviewer, R::kOfficer, R::kAuditor})},
      {"post", "/api/applications/{id}/attachments", &Impl::AddAttachment, Only({R::kApplicant})},
      {"get", "/api/applications/{id}/attachments/{attachment}", &Impl::GetAttachment,
       Only({R::kApplicant, R::kReviewer, R::kOfficer})},
      {"delete", "/api/applications/{id}/attachments/{attachment}", &Impl::RemoveAttachment, Only({R::kApplicant})},
      {"post", "/api/applications/{id}/review", &Impl::StartReview, kOfficer},
      {"put", "/api/applications/{id}/reviews/{reviewer}", &Impl::PutReview, Only({R::kReviewer})},
      {"post", "/api/applications/{id}/conflicts", &Impl::DeclareConflict, Only({R::kReviewer})},
      {"post", "/api/applications/{id}/decisions", &Impl::Decide, kOfficer},
      {"get", "/api/decisions/{id}", &Impl::GetDecision, kReaders},
      {"post", "/api/decisions/{id}/replays", &Impl::ReplayDecision, kOversight},
      {"get", "/api/decisions/{id}/letter", &Impl::DecisionLetter, Only({R::kApplicant, R::kOfficer, R::kAuditor})},
      {"post", "/api/applications/{id}/notice", &Impl::PublishNotice, kOfficer},
      {"get", "/api/notices", &Impl::ListNotices, kPublic},
      {"get", "/api/notices.csv", &Impl::NoticesCsv, kPublic},
      {"get", "/api/notices.xlsx", &Impl::NoticesXlsx, kPublic},
      {"get", "/api/notices/document", &Impl::NoticeDocument, kPublic},
      {"get", "/api/office", &Impl::Office, kPublic},
      {"post", "/api/applications/{id}/objections", &Impl::FileObjection,
       Only({R::kApplicant, R::kReviewer, R::kOfficer})},
      {"get", "/api/objections", &Impl::ListObjections, kOversight},
      {"post", "/api/objections/{id}/resolution", &Impl::ResolveObjection, kOfficer},
      {"post", "/api/applications/{id}/finalisation", &Impl::Finalise, kOfficer},
      {"post", "/api/applications/{id}/payments", &Impl::RecordPayment, kFinance},
      {"get", "/api/payment-orders", &Impl::ListPaymentOrders, Only({R::kFinance, R::kOfficer, R::kAuditor})},
      {"post", "/api/payment-orders/{id}/approval", &Impl::DecidePaymentOrder, kFinance},
      {"get", "/api/applications/{id}/payments/{instalment}/notice", &Impl::PaymentNotice,
       Only({R::kApplicant, R::kOfficer, R::kAuditor, R::kFinance})},
      {"get", "/api/payments", &Impl::ListPayments, Only({R::kApplicant, R::kOfficer, R::kAuditor, R::kFinance})},
      {"get", "/api/payments.csv", &Impl::PaymentsCsv, kOversight},
      {"get", "/api/payments.xlsx", &Impl::PaymentsXlsx, kOversight},
      {"post", "/api/applications/{id}/recovery", &Impl::Recover, kOfficer},
      // The master data is also the data bureau's, which approves its changes.
      {"get", "/api/enterprises", &Impl::ListEnterprises, kReaders | Only({R::kDataBureau})},
      {"get", "/api/enterprises/{code}", &Impl::GetEnterprise, kReaders | Only({R::kDataBureau})},
      {"get", "/api/enterprises/{code}/facts", &Impl::EnterpriseFacts, kReaders},
      {"get", "/api/enterprises/{code}/evidence", &Impl::EnterpriseEvidence, kReaders},
      // Evidence from official sources is the data bureau's; an applicant's own is declared.
      {"post", "/api/evidence/{kind}", &Impl::UploadEvidence, Only({R::kApplicant, R::kDataBureau})},
      {"get", "/api/evidence/{kind}/sample", &Impl::EvidenceSample, Only({R::kApplicant, R::kDataBureau})},
      // D-G10: an enterprise's declared rows count once an officer verifies them.
      {"post", "/api/evidence/{kind}/verification", &Impl::VerifyEvidence, kOfficer},
      {"get", "/api/master-changes", &Impl::MasterChanges, Only({R::kDataBureau, R::kOfficer, R::kAuditor})},
      {"post", "/api/master-changes/{id}/approval", &Impl::DecideMasterChange, Only({R::kDataBureau, R::kOfficer})},
      {"post", "/api/proposals", &Impl::Propose, kOfficer},
      {"get", "/api/budgets/{year}", &Impl::GetBudget, kOversight},
      {"put", "/api/budgets/{year}", &Impl::PutBudget, kOfficer},
      {"post", "/api/simulations", &Impl::Simulate, kOversight},
      {"get", "/api/audit", &Impl::ListAudit, kOversight},
      {"get", "/api/audit/limits/{year}", &Impl::AuditLimits, kOversight},
      {"get", "/api/audit/declarations", &Impl::AuditDeclarations, kOversight},
  };
}

}  // namespace bursar::server
