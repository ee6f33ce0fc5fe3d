// Apply-free proposals, budgets, the audit log as a list, and simulations
// of a programme year from the store's own cases.
//
// Simulations: every stored enterprise's case for the year (facts from its
// evidence, claims from its applications, history from earlier decisions) is
// read into batch columns (simulation/store_year.h, as `bursar simulate --db`
// reads them) once per year and state of the store (the audit head's seq
// names the state: any change appends an entry), then the batch engine
// (eval/batch.h) decides all of them for the policy as it stands and for the
// changed parameters. The columns are cached, so a slider moving
// over parameters costs two batch runs, not a rebuild. A programme run beside
// the served one (`"policy"`) is simulated by its own policy over its own
// cases: its figures of the year and its applications' claims, cached apart.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>

#include "audit/declarations.h"
#include "audit/limits_audit.h"
#include "audit/recoveries_due.h"
#include "eval/batch.h"
#include "lang/checked_policy.h"
#include "money/exact.h"
#include "server/json_check.h"
#include "server/server_impl.h"
#include "simulation/simulation.h"
#include "simulation/store_year.h"

namespace bursar::server {

namespace {


Result<int64_t> PathYear(const httplib::Request& req) {
  const std::string text = req.matches.size() > 1 ? req.matches[1].str() : "";
  int64_t year = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || year > 10000) return Status(StatusCode::kNotFound, "no year '" + text + "'", "year");
    year = year * 10 + (c - '0');
  }
  if (year < 1900 || year > 2999) return Status(StatusCode::kNotFound, "no year '" + text + "'", "year");
  return year;
}

Result<int64_t> BodyYear(const nlohmann::json& body) {
  if (!body.contains("year") || !body["year"].is_number_integer()) {
    return InvalidArgument("expected an integer \"year\" such as 2025", "year");
  }
  const int64_t year = body["year"].get<int64_t>();
  if (year < 1900 || year > 2999) return InvalidArgument("expected a year such as 2025", "year");
  return year;
}

OJson BudgetJson(const store::BudgetSummary& s) {
  OJson by = OJson::object();
  for (const auto& [measure, line] : s.by_measure) {
    by[measure] = {{"committed", FenToMoneyString(line.committed_fen)},
                   {"payable", FenToMoneyString(line.payable_fen)},
                   {"paid", FenToMoneyString(line.paid_fen)}};
  }
  // D-G6: payable is what may be paid on the committed awards, scaled by
  // factor (budget/committed in lowest terms) when they exceed the budget.
  return OJson{{"year", s.year},
               {"budget", s.budget_fen ? OJson(FenToMoneyString(*s.budget_fen)) : OJson()},
               {"committed", FenToMoneyString(s.total.committed_fen)},
               {"scaled", s.scaled},
               {"factor", s.factor},
               {"payable", FenToMoneyString(s.total.payable_fen)},
               {"paid", FenToMoneyString(s.total.paid_fen)},
               {"remaining", s.budget_fen ? OJson(FenToMoneyString(*s.budget_fen - s.total.committed_fen)) : OJson()},
               {"by_measure", std::move(by)}};
}

// The audit list as AnswerJson(ListJson(...)) lays it out, each change the
// stored text itself: canonical JSON, the very bytes its digest covers
// (docs/store-schema.md, "Audit log"), not parsed and printed again. One
// change can list a hundred thousand applications (a year's proposals): as
// stored 0.6 MB, printed again with indentation 1.6 MB and the time to parse
// and print it on every page that shows it. Text that is not JSON is a string.
std::string AuditListBody(const store::Page<store::AuditEntry>& page, const store::PageRequest& request) {
  auto text = [](const std::string& s) { return OJson(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
  std::string out = "{\n  \"items\": [";
  for (size_t i = 0; i < page.items.size(); ++i) {
    const store::AuditEntry& e = page.items[i];
    out += i ? ",\n    {\n" : "\n    {\n";
    out += "      \"seq\": " + std::to_string(e.seq) + ",\n";
    out += "      \"at\": " + text(e.at) + ",\n";
    out += "      \"actor\": " + text(e.actor) + ",\n";
    out += "      \"change\": ";
    out += IsOneJsonValue(e.change) ? e.change : text(e.change);
    out += ",\n      \"digest\": " + text(e.digest) + ",\n";
    out += "      \"prev_digest\": " + text(e.prev_digest) + "\n    }";
  }
  out += page.items.empty() ? "],\n" : "\n  ],\n";
  out += "  \"total\": " + std::to_string(page.total) + ",\n  \"limit\": " + std::to_string(request.limit) +
         ",\n  \"offset\": " + std::to_string(request.offset) + "\n}\n";
  return out;
}

}  // namespace

// The columns of one programme's stored cases of one year, as of one audit head.
struct SimulationCache {
  std::mutex mu;
  struct Entry {
    int64_t audit_seq = -1;
    std::shared_ptr<const CaseColumns> columns;
    std::vector<std::string> names;  // enterprise names, by row
    int64_t refused = 0;             // cases the policy refused (bad stored claims)
  };
  // By (programme as the store names it: "" the served one's, year).
  std::map<std::pair<std::string, int64_t>, Entry> by_year;
};

std::shared_ptr<SimulationCache> NewSimulationCache() { return std::make_shared<SimulationCache>(); }

Status Server::Impl::Propose(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  BURSAR_ASSIGN_OR_RETURN(int64_t year, BodyYear(*body));
  BURSAR_ASSIGN_OR_RETURN(const std::string programme, BodyProgramme(*body));
  const Engine* proposing = EngineOf(programme);
  // Only measures whose every item is decided from facts are apply-free.
  std::string apply_free;
  for (const MeasureDecl& m : proposing->policy().policy.measures) {
    if (m.ApplyFree()) apply_free += (apply_free.empty() ? "\"" : ", \"") + m.id + "\"";
  }
  if (!body->contains("measure") || !(*body)["measure"].is_string()) {
    return InvalidArgument("expected \"measure\": an apply-free measure (" + apply_free + ")", "measure");
  }
  const std::string measure = (*body)["measure"].get<std::string>();
  const MeasureDecl* decl = proposing->policy().FindMeasure(measure);
  if (decl == nullptr || !decl->ApplyFree()) {
    return InvalidArgument("measure \"" + measure + "\" is not apply-free (decided from facts alone); the policy's are " +
                               apply_free,
                           "measure");
  }
  std::vector<int64_t> created;
  int64_t qualifying = 0, refused = 0, enterprises = 0;
  OJson recoveries = OJson::array();
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(auto codes, st.EnterpriseCodes());
    std::vector<std::string> chosen;
    std::vector<std::pair<std::string, nlohmann::json>> due;  // (enterprise, a recovery line of its decision)
    BURSAR_RETURN_IF_ERROR(st.BuildCases(year, codes, [&](const std::string& code, OJson&& c) -> Status {
      ++enterprises;
      auto d = proposing->Evaluate(nlohmann::json(c));
      if (!d.ok()) {
        ++refused;
        return OkStatus();
      }
      for (const auto& award : (*d)["awards"]) {
        if (award.value("measure", "") == measure) {
          chosen.push_back(code);
          break;
        }
      }
      // What the policy's recovery rules find due this year, for the officer
      // to record (as `bursar propose` lists them).
      if (audit::CaseStatesEnterprise(programme, c) && d->contains("recoveries")) {
        for (const auto& r : (*d)["recoveries"]) due.emplace_back(code, r);
      }
      return OkStatus();
    }, nullptr, 1000, programme));
    for (const auto& [code, r] : due) {
      BURSAR_ASSIGN_OR_RETURN(OJson line, audit::DueRecovery(st, year, programme, code, r));
      recoveries.push_back(std::move(line));
    }
    qualifying = static_cast<int64_t>(chosen.size());
    if (!chosen.empty()) {
      BURSAR_ASSIGN_OR_RETURN(created, st.ProposeApplyFree(Actor(caller), year, measure, chosen, programme));
    }
    return OkStatus();
  }));
  AnswerJson(res,
             OJson{{"year", year},
                   {"policy", programme.empty() ? programme_policy_id : programme},
                   {"measure", measure},
                   {"enterprises", enterprises},
                   {"qualifying", qualifying},
                   {"refused", refused},
                   {"created", created},
                   {"recoveries", std::move(recoveries)}},
             201);
  return OkStatus();
}

// The programme `?policy=ID` names, as the store names it ("" the served
// policy's, the default); 404 (`query.policy`) for one this server does not run.
Result<std::string> Server::Impl::QueryProgramme(const httplib::Request& req) const {
  BURSAR_ASSIGN_OR_RETURN(const Published* p, PolicyOf(req));
  return p->engine->policy_id() == programme_policy_id ? std::string() : p->engine->policy_id();
}

Result<std::optional<std::string>> Server::Impl::ListProgramme(const httplib::Request& req,
                                                               const ListParams& list) const {
  if (!list.filters.count("policy")) return std::optional<std::string>();
  BURSAR_ASSIGN_OR_RETURN(std::string programme, QueryProgramme(req));
  return std::optional<std::string>(std::move(programme));
}

Result<std::string> Server::Impl::BodyProgramme(const nlohmann::json& body) const {
  if (!body.contains("policy")) return std::string();
  BURSAR_ASSIGN_OR_RETURN(std::string policy, StringField(body, "policy"));
  auto known = PolicyOf(policy);
  if (!known.ok()) return Status(StatusCode::kNotFound, known.status().message(), "policy");
  return policy == programme_policy_id ? std::string() : policy;
}

Status Server::Impl::GetBudget(const httplib::Request& req, httplib::Response& res, const Caller&) {
  BURSAR_ASSIGN_OR_RETURN(int64_t year, PathYear(req));
  BURSAR_ASSIGN_OR_RETURN(const std::string programme, QueryProgramme(req));
  store::BudgetSummary s;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(s, KeptBudgetOf(st, programme, year));
    return OkStatus();
  }));
  AnswerJson(res, BudgetJson(s));
  return OkStatus();
}

Result<store::BudgetSummary> Server::Impl::KeptBudgetOf(store::Store& st, const std::string& programme,
                                                        int64_t year) {
  // The head first: a change after it makes the summary newer than its
  // label, never older, and the next request reads the newer head.
  BURSAR_ASSIGN_OR_RETURN(int64_t seq, st.AuditHeadSeq());
  std::shared_ptr<KeptBudget> kept;
  {
    std::lock_guard<std::mutex> lock(budget_cache_mu);
    std::shared_ptr<KeptBudget>& entry = budget_cache[{programme, year}];
    if (!entry) entry = std::make_shared<KeptBudget>();
    kept = entry;
  }
  std::lock_guard<std::mutex> lock(kept->mu);
  // A request that waited here may find a newer answer than its head: newer
  // than the label it read, never older.
  if (kept->seq < seq) {
    BURSAR_ASSIGN_OR_RETURN(store::BudgetSummary read, st.Budget(year, programme, &kept->awards, seq));
    kept->summary = std::move(read);
    kept->seq = seq;
  }
  return kept->summary;
}

void Server::Impl::WarmBudgets() {
  const auto start = std::chrono::steady_clock::now();
  OJson kept = OJson::array();
  // A failure here is only a budget read whole by its first request.
  const Status read = WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(std::vector<int64_t> years, st.BudgetYears());
    for (int64_t year : years) {
      if (stop_requested.load()) break;
      BURSAR_RETURN_IF_ERROR(KeptBudgetOf(st, "", year).status());
      kept.push_back(year);
    }
    return OkStatus();
  });
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  OJson line = {{"event", "budgets_kept"}, {"years", kept}, {"ms", ms.count()}};
  if (!read.ok()) line["error"] = read.message();
  log->Write(line.dump() + "\n");
}

Status Server::Impl::PutBudget(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(int64_t year, PathYear(req));
  BURSAR_ASSIGN_OR_RETURN(const std::string programme, QueryProgramme(req));
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  if (!body->contains("amount") || !(*body)["amount"].is_string()) {
    return InvalidArgument("expected a money string \"amount\" such as \"300000000.00\"", "amount");
  }
  store::BudgetSummary s;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_RETURN_IF_ERROR(st.SetBudget(Actor(caller), year, (*body)["amount"].get<std::string>(), programme));
    BURSAR_ASSIGN_OR_RETURN(s, st.Budget(year, programme));
    return OkStatus();
  }));
  AnswerJson(res, BudgetJson(s));
  return OkStatus();
}

// Every limit the year's awards in force exceed (audit/limits_audit.h, as
// `bursar audit limits YEAR`), checked by the policy as the server runs it:
// the served programme's, or with ?policy= one run beside it.
Status Server::Impl::AuditLimits(const httplib::Request& req, httplib::Response& res, const Caller&) {
  BURSAR_ASSIGN_OR_RETURN(int64_t year, PathYear(req));
  BURSAR_ASSIGN_OR_RETURN(const std::string programme, QueryProgramme(req));
  const Engine* checking = EngineOf(programme);
  OJson report;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(auto checked, ::bursar::audit::AuditLimits(st, *checking, year, programme));
    report = ::bursar::audit::LimitsReportJson(checked);
    return OkStatus();
  }));
  AnswerJson(res, report);
  return OkStatus();
}

// Declarations of what only an authority states (audit/declarations.h), each
// figure read by the published policy of its programme; ?year= and ?policy=
// keep those of one year and one programme, as the lists filter. The report
// is whole (with its count of figures not checked): not paged.
Status Server::Impl::AuditDeclarations(const httplib::Request& req, httplib::Response& res, const Caller&) {
  BURSAR_ASSIGN_OR_RETURN(ListParams list, ParseList(req, {"year", "policy"}, /*paged=*/false));
  store::DeclaredQuery query;
  BURSAR_ASSIGN_OR_RETURN(query.year, QueryYear(list));
  BURSAR_ASSIGN_OR_RETURN(query.policy, ListProgramme(req, list));
  OJson report;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    int64_t unchecked = 0;
    BURSAR_ASSIGN_OR_RETURN(auto found, st.DeclaredOfficialRows(&unchecked, query));
    report = ::bursar::audit::DeclarationsJson(found, unchecked);
    return OkStatus();
  }));
  AnswerJson(res, report);
  return OkStatus();
}

Status Server::Impl::ListAudit(const httplib::Request& req, httplib::Response& res, const Caller&) {
  BURSAR_ASSIGN_OR_RETURN(ListParams list, ParseList(req, {"actor", "op", "application", "from", "to"}));
  if (!list.page.sort.empty()) return InvalidArgument("the audit log is listed newest first only", "query.sort");
  store::AuditQuery q;
  q.limit = list.page.limit;
  q.offset = list.page.offset;
  q.actor = list.filters["actor"];
  q.op = list.filters["op"];
  if (const std::string& a = list.filters["application"]; !a.empty()) {
    auto [end, ec] = std::from_chars(a.data(), a.data() + a.size(), q.application_id);
    if (ec != std::errc() || end != a.data() + a.size() || q.application_id <= 0) {
      return InvalidArgument("expected an application id such as 46, not '" + a + "'", "query.application");
    }
  }
  // Days are Beijing's (D-G9), from 00:00 of `from` to the end of `to`.
  for (const char* name : {"from", "to"}) {
    const std::string& date = list.filters[name];
    if (date.empty()) continue;
    if (!store::IsValidDate(date)) {
      return InvalidArgument("expected a date such as 2025-06-30, not '" + date + "'", std::string("query.") + name);
    }
    if (std::string(name) == "from") {
      q.at_from = store::AddDays(date, -1) + "T16:00:00.000Z";
    } else {
      q.at_before = date + "T16:00:00.000Z";
    }
  }
  store::Page<store::AuditEntry> page;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(page, st.ListAudit(q));
    return OkStatus();
  }));
  res.status = 200;
  SetBody(res, AuditListBody(page, list.page), kJson);
  return OkStatus();
}

Status Server::Impl::Simulate(const httplib::Request& req, httplib::Response& res, const Caller&) {
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  BURSAR_ASSIGN_OR_RETURN(int64_t year, BodyYear(*body));
  // The programme simulated: the served one's, or with "policy" one run
  // beside it, by its own engine and its own stored cases (its figures, its
  // applications' claims).
  BURSAR_ASSIGN_OR_RETURN(const std::string programme, BodyProgramme(*body));
  const Engine* simulating = EngineOf(programme);
  std::vector<ParameterOverride> overrides;
  if (body->contains("set")) {
    if (!(*body)["set"].is_object()) return InvalidArgument("expected \"set\": {parameter: value}", "set");
    for (const auto& [name, value] : (*body)["set"].items()) {
      std::string text;
      if (value.is_string()) {
        text = value.get<std::string>();
      } else if (value.is_number_integer() || value.is_boolean()) {
        text = value.dump();
      } else {
        return InvalidArgument("a value as the policy writes it, e.g. \"4%\" or \"RMB 2,000,000\"", "set." + name);
      }
      overrides.push_back({name, text});
    }
  }
  std::optional<int64_t> budget_fen;
  if (body->contains("budget") && !(*body)["budget"].is_null()) {
    std::string why;
    auto amount = (*body)["budget"].is_string() ? ParseMoneyString((*body)["budget"].get<std::string>(), &why)
                                                 : std::optional<Exact>();
    auto fen = amount ? amount->ToFen() : std::optional<int64_t>();
    if (!fen || *fen < 0) return InvalidArgument("expected a money string such as \"300000000.00\"", "budget");
    budget_fen = *fen;
  }
  const CheckedPolicy& cp = simulating->policy();
  auto resolved = simulation::ResolveOverrides(cp, overrides);
  if (!resolved.ok()) {
    std::string field = resolved.status().field();
    if (field.rfind("--set ", 0) == 0) field = "set." + field.substr(6);
    return InvalidArgument(resolved.status().message(), field);
  }

  // A budget set as the policy's parameter is the budget the changed
  // scenario is scaled to (D-G6 runs across the population, below).
  if (cp.policy.budget.present && !budget_fen) {
    const int budget_index = cp.param_index.at(cp.policy.budget.param);
    for (const auto& [index, value] : *resolved) {
      if (index != budget_index || value.none) continue;
      auto fen = value.number.ToFen();
      if (!fen || *fen < 0) return InvalidArgument("the budget is not a whole number of fen", "set.budget");
      budget_fen = *fen;
    }
  }

  // The year's cases, from the cache when the store has not changed.
  std::shared_ptr<const CaseColumns> columns;
  std::vector<std::string> names;
  int64_t refused = 0;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(int64_t seq, st.AuditHeadSeq());
    {
      std::lock_guard<std::mutex> lock(simulations->mu);
      auto it = simulations->by_year.find({programme, year});
      if (it != simulations->by_year.end() && it->second.audit_seq == seq) {
        columns = it->second.columns;
        names = it->second.names;
        refused = it->second.refused;
        return OkStatus();
      }
    }
    BURSAR_ASSIGN_OR_RETURN(auto built, simulation::LoadStoreYear(st, cp, year, programme));
    columns = std::make_shared<const CaseColumns>(std::move(built.columns));
    names = std::move(built.names);
    refused = static_cast<int64_t>(built.refused.size());
    std::lock_guard<std::mutex> lock(simulations->mu);
    simulations->by_year[{programme, year}] = {seq, columns, names, refused};
    return OkStatus();
  }));

  // Two scenarios through the batch engine; D-G6 (the budget) is applied
  // across the population below, not per case, as bursar simulate does.
  struct Outcome {
    BatchResult result;
    int64_t total = 0, recipients = 0;
    std::map<std::string, int64_t> by_measure;
  };
  auto run = [&](const std::vector<std::pair<int, Value>>& changes, Outcome* out) -> Status {
    BURSAR_ASSIGN_OR_RETURN(auto params, ParameterValues(cp, static_cast<int>(year)));
    for (const auto& [index, value] : changes) params[static_cast<size_t>(index)] = value;
    if (cp.policy.budget.present) params[static_cast<size_t>(cp.param_index.at(cp.policy.budget.param))].none = true;
    BURSAR_ASSIGN_OR_RETURN(auto program, BatchProgram::Compile(simulating->shared_policy(), std::move(params)));
    BURSAR_RETURN_IF_ERROR(program->Run(*columns, &out->result));
    for (int64_t fen : out->result.total_fen) {
      out->total += fen;
      out->recipients += fen > 0 ? 1 : 0;
    }
    for (const auto& a : out->result.awards) {
      out->by_measure[cp.policy.measures[static_cast<size_t>(a.measure)].id] += a.amount_fen;
    }
    return OkStatus();
  };
  Outcome baseline, changed;
  BURSAR_RETURN_IF_ERROR(run({}, &baseline));
  BURSAR_RETURN_IF_ERROR(run(*resolved, &changed));

  auto summary = [](const Outcome& o) {
    OJson by = OJson::object();
    for (const auto& [m, fen] : o.by_measure) by[m] = FenToMoneyString(fen);
    return OJson{{"total", FenToMoneyString(o.total)}, {"recipients", o.recipients}, {"by_measure", std::move(by)}};
  };
  struct Move {
    size_t row;
    int64_t before, after;
  };
  std::vector<Move> winners, losers;
  for (size_t i = 0; i < columns->size(); ++i) {
    const int64_t before = baseline.result.total_fen[i], after = changed.result.total_fen[i];
    if (after > before) winners.push_back({i, before, after});
    if (after < before) losers.push_back({i, before, after});
  }
  auto order = [&](std::vector<Move>& moves) {
    std::sort(moves.begin(), moves.end(), [&](const Move& a, const Move& b) {
      const int64_t da = a.after > a.before ? a.after - a.before : a.before - a.after;
      const int64_t db = b.after > b.before ? b.after - b.before : b.before - b.after;
      if (da != db) return da > db;
      return columns->applicant_id[a.row] < columns->applicant_id[b.row];
    });
  };
  order(winners);
  order(losers);
  constexpr size_t kListed = 20;
  // Another programme's case names its applicant by credit code only: the
  // enterprises listed are named from their records.
  std::vector<size_t> unnamed;
  for (const auto* moves : {&winners, &losers}) {
    for (size_t i = 0; i < moves->size() && i < kListed; ++i) {
      if (names[(*moves)[i].row].empty()) unnamed.push_back((*moves)[i].row);
    }
  }
  if (!unnamed.empty()) {
    BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
      for (size_t row : unnamed) {
        BURSAR_ASSIGN_OR_RETURN(auto record, st.FindEnterprise(columns->applicant_id[row]));
        if (record) names[row] = record->name;
      }
      return OkStatus();
    }));
  }
  auto list = [&](const std::vector<Move>& moves) {
    OJson out = OJson::array();
    for (size_t i = 0; i < moves.size() && i < kListed; ++i) {
      out.push_back({{"credit_code", columns->applicant_id[moves[i].row]},
                     {"name", names[moves[i].row]},
                     {"before", FenToMoneyString(moves[i].before)},
                     {"after", FenToMoneyString(moves[i].after)}});
    }
    return out;
  };
  OJson out = {{"year", year},
               {"policy", programme.empty() ? programme_policy_id : programme},
               {"enterprises", static_cast<int64_t>(columns->size())},
               {"refused", refused},
               {"baseline", summary(baseline)},
               {"changed", summary(changed)},
               {"winners", list(winners)},
               {"losers", list(losers)},
               {"winners_total", static_cast<int64_t>(winners.size())},
               {"losers_total", static_cast<int64_t>(losers.size())}};
  if (budget_fen) {
    // Pro rata (D-G6's default rule): what the changed scenario would pay
    // within the budget, and the factor every award is scaled by.
    const bool over = changed.total > *budget_fen;
    OJson scaling = {{"budget", FenToMoneyString(*budget_fen)},
                     {"approved", FenToMoneyString(changed.total)},
                     {"exceeded", over},
                     {"paid", FenToMoneyString(over ? *budget_fen : changed.total)}};
    if (over && changed.total > 0) {
      // Six decimals, rounded down, for display; the exact factor is budget/approved.
      const __int128 micro = static_cast<__int128>(*budget_fen) * 1000000 / changed.total;
      const int64_t m = static_cast<int64_t>(micro);
      std::string frac = std::to_string(m % 1000000);
      frac.insert(0, 6 - frac.size(), '0');
      scaling["factor"] = std::to_string(m / 1000000) + "." + frac;
    } else {
      scaling["factor"] = "1.000000";
    }
    out["scaling"] = std::move(scaling);
  }
  AnswerJson(res, out);
  return OkStatus();
}

}  // namespace bursar::server
