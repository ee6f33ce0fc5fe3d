// bursar app ... and bursar budget ...: the application lifecycle from the
// command line. `app decide` takes a decision as data (the case and output
// files the engine read and wrote, and its policy digest); `bursar decide`
// (cmd_decide.cc) runs the engine itself. The policy is read here only for
// its notice length (notice_days, D-P1).
#include <cstdio>
#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/json_text.h"
#include "cli/command.h"
#include "cli/programmes.h"
#include "cli/store_options.h"
#include "eval/batch.h"
#include "eval/engine.h"
#include "lang/checked_policy.h"
#include "money/exact.h"
#include "store/store.h"

namespace bursar::cli {
namespace {

using json = nlohmann::json;

constexpr const char* kAppUsage =
    "usage: bursar app ACTION ... [--db URL] [--actor NAME] [--json]\n\n"
    "  create CODE YEAR --claim JSON [--policy DIR] [--also-policy DIR --programme ID]\n"
    "                                    a draft application; JSON is a CASES.md claim\n"
    "                                    ('{\"measure\":\"03\",\"assessed\":\"4200000\"}'), checked\n"
    "                                    against the policy; prints its id. --programme: an\n"
    "                                    application of the programme of policy ID run beside\n"
    "                                    the store's own (its folder given with --also-policy)\n"
    "  propose YEAR --measure M --codes FILE [--policy DIR]\n"
    "                                    apply-free (M is decided from facts alone: 04, 05\n"
    "                                    in Chaoyang's policy): a draft for each credit code\n"
    "                                    in FILE (one a line, the enterprises the engine found\n"
    "                                    qualifying); the enterprise confirms by `submit`\n"
    "  submit ID...                      (the enterprise) submit, or confirm an apply-free proposal\n"
    "  review ID... [--reviewers A,B,...]\n"
    "                                    open the review and assign reviewers (an apply-free\n"
    "                                    proposal needs none)\n"
    "  conflict ID --reason TEXT         (as --actor REVIEWER) declare a conflict of interest\n"
    "  score ID --scores JSON --proposed MONEY --opinion TEXT\n"
    "                                    (as --actor REVIEWER) rubric scores, proposed amount\n"
    "                                    and the written opinion (评审意见)\n"
    "  decide ID --case FILE --output FILE --digest sha256:...\n"
    "                                    record the engine's decision byte for byte\n"
    "  notice ID... [--policy DIR]       publish the public notice (公示) today: it runs the\n"
    "                                    policy's notice_days (D-P1) from tomorrow\n"
    "  object ID --reason TEXT           file an objection during the notice; prints its id\n"
    "  resolve OBJECTION (--upheld|--dismissed) --resolution TEXT\n"
    "  finalise ID...                    after the notice, with no open objection\n"
    "  pay ID... --amount MONEY|rest --reference REF\n"
    "                                    record the next instalment, dated today (rest: what is\n"
    "                                    left); at most the payable amount (the decided total,\n"
    "                                    scaled by D-G6\n"
    "                                    when the year's awards exceed its budget); one payment\n"
    "                                    per reference and application; a batch of several ids\n"
    "                                    takes references REF-ID and, run again, skips the ids\n"
    "                                    already paid under theirs (or with nothing left)\n"
    "                                    Separation of duties: the account that decided may not\n"
    "                                    pay; above the office's threshold (bursar documents\n"
    "                                    settings: duty.payment_second_approval_above, default\n"
    "                                    0.00) a payment is an order, paid when a second\n"
    "                                    account approves it\n"
    "  orders [--state pending|approved|rejected]\n"
    "                                    payment orders, a line each (ORDER ID AMOUNT REF STATE BY)\n"
    "  approve ORDER...                  (a second finance account) pay the orders\n"
    "  reject ORDER --reason TEXT        (a second finance account) refuse an order\n"
    "  recover ID --amount MONEY --reason TEXT\n"
    "  show ID                           the application, reviews, decision, payments and\n"
    "                                    recoveries, with paid, recovered and net totals\n"
    "  list [--year Y] [--state S] [--measure M] [--enterprise CODE] [--ids]\n"
    "                                    applications in id order: a line each (ID CODE YEAR\n"
    "                                    MEASURE STATE), only the ids with --ids; --json adds\n"
    "                                    the decided total and the payable amount (D-G6)\n"
    "  decision DECISION_ID --part case|output|digest\n"
    "                                    the stored bytes, for replay: bursar eval on the case\n"
    "                                    must reproduce the output byte for byte\n\n"
    "Steps that take ID... apply to each id in turn, each in its own transaction,\n"
    "and stop at the first refused. Illegal steps are refused naming the\n"
    "application's state (exit 1). `bursar decide YEAR` decides every ready\n"
    "application of a year with the engine.\n\n"
    "Dates (D-G9): a notice's days, finalisation, decisions and payments are dated\n"
    "by the store's own calendar day in Beijing, never by a date given here; the\n"
    "old --until, --today and --on are refused. Tests move the clock with\n"
    "BURSAR_TEST_CLOCK, which is honoured only beside BURSAR_TEST_MODE=1.\n";

constexpr const char* kBudgetUsage =
    "usage: bursar budget set YEAR AMOUNT [--db URL] [--also-policy DIR --programme ID]\n"
    "       bursar budget show YEAR [--db URL] [--also-policy DIR --programme ID]\n\n"
    "--programme: the budget of the programme of policy ID run beside the store's\n"
    "own (its folder given with --also-policy DIR), which scales that programme's\n"
    "awards only (digital-health's D-7b reads as D-G6 does).\n\n"
    "show prints, as JSON, the year's budget, the committed awards (decisions in\n"
    "force), what is payable after D-G6 scaling and what was paid, in total and\n"
    "by measure. D-G6: when the committed awards exceed the budget, every award\n"
    "line is scaled by budget/committed, rounded down to the fen, and payments\n"
    "stop at the scaled amount. Once the year's payments have begun the factor\n"
    "may not fall: a decision or a lower budget that would lower it is refused.\n";

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kNotFound, "cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}


bool ParseId(const std::string& text, int64_t* id) { return ParseWholeNumber(text, 1, INT64_MAX, id); }

// The application as `app show` prints it. A store error is returned, not
// left out of the answer: a part missing would read as "none".
Result<json> ShowJson(store::Store& st, const store::Application& a) {
  json out = {{"id", a.id},
              {"credit_code", a.credit_code},
              {"year", a.year},
              {"measure", a.measure},
              {"claim", json::parse(a.claim, nullptr, false)},
              {"state", store::ApplicationStateName(a.state)},
              {"notice_until", a.notice_until},
              {"created_at", a.created_at},
              {"updated_at", a.updated_at}};
  if (!a.policy.empty()) out["policy"] = a.policy;  // a programme beside the store's own
  out["reviews"] = json::array();
  BURSAR_ASSIGN_OR_RETURN(auto reviews, st.Reviews(a.id));
  for (const auto& r : reviews) {
    json j = {{"reviewer", r.reviewer}, {"state", r.state}};
    if (!r.scores.empty()) j["scores"] = json::parse(r.scores, nullptr, false);
    if (r.proposed_fen) j["proposed"] = FenToMoneyString(*r.proposed_fen);
    if (!r.conflict.empty()) j["conflict"] = r.conflict;
    if (!r.opinion.empty()) j["opinion"] = r.opinion;
    out["reviews"].push_back(std::move(j));
  }
  BURSAR_ASSIGN_OR_RETURN(auto decision, st.DecisionInForce(a.id));
  if (decision) {
    BURSAR_ASSIGN_OR_RETURN(int64_t payable, st.PayableFen(a.id));
    out["decision"] = {{"id", decision->id},
                       {"policy_digest", decision->policy_digest},
                       {"total", FenToMoneyString(decision->total_fen)},
                       {"payable", FenToMoneyString(payable)},
                       {"decided_at", decision->decided_at},
                       {"decided_by", decision->decided_by}};
  }
  out["objections"] = json::array();
  BURSAR_ASSIGN_OR_RETURN(auto rows, st.db().Query("SELECT id, filed_by, reason, state, resolution FROM objection "
                                                   "WHERE application_id = ? ORDER BY id",
                                                   {a.id}));
  for (const auto& r : rows) {
    out["objections"].push_back(
        {{"id", r.Int(0)}, {"filed_by", r.Text(1)}, {"reason", r.Text(2)}, {"state", r.Text(3)}, {"resolution", r.Text(4)}});
  }
  out["payments"] = json::array();
  int64_t paid_fen = 0, recovered_fen = 0;
  BURSAR_ASSIGN_OR_RETURN(auto payments, st.Payments(a.id));
  for (const auto& x : payments) {
    paid_fen += x.amount_fen;
    out["payments"].push_back({{"instalment", x.instalment},
                               {"amount", FenToMoneyString(x.amount_fen)},
                               {"paid_on", x.paid_on},
                               {"reference", x.reference}});
  }
  out["recoveries"] = json::array();
  BURSAR_ASSIGN_OR_RETURN(auto recoveries, st.Recoveries(a.id));
  for (const auto& r : recoveries) {
    recovered_fen += r.amount_fen;
    out["recoveries"].push_back({{"id", r.id},
                                 {"amount", FenToMoneyString(r.amount_fen)},
                                 {"reason", r.reason},
                                 {"recovered_at", r.recovered_at},
                                 {"recovered_by", r.recovered_by.empty() ? json() : json(r.recovered_by)}});
  }
  // As GET /api/applications/{id}: never more is recovered than was paid.
  out["paid_total"] = FenToMoneyString(paid_fen);
  out["recovered_total"] = FenToMoneyString(recovered_fen);
  out["net_paid"] = FenToMoneyString(paid_fen - recovered_fen);
  return out;
}

// What is left to pay on application `id`: payable less paid.
Result<int64_t> Remaining(store::Store& st, int64_t id) {
  BURSAR_ASSIGN_OR_RETURN(int64_t left, st.PayableFen(id));
  BURSAR_ASSIGN_OR_RETURN(auto paid, st.Payments(id));
  for (const auto& p : paid) left -= p.amount_fen;
  BURSAR_ASSIGN_OR_RETURN(auto pending, st.PaymentOrders("pending", id));
  for (const auto& o : pending) left -= o.amount_fen;
  return left;
}

// "instalment 2" or "order 7, waiting for a second account's approval".
std::string PaymentStepText(const store::PaymentStep& step) {
  if (step.instalment > 0) return "instalment " + std::to_string(step.instalment);
  return "order " + std::to_string(step.order) + ", waiting for a second account's approval";
}

// The policy's notice_days (D-P1) in force on 1 January of `year`.
Result<int64_t> NoticeDays(const std::string& policy_dir, int64_t year) {
  BURSAR_ASSIGN_OR_RETURN(auto engine, Engine::Load(policy_dir));
  auto days = bursar::NoticeDays(engine->policy(), static_cast<int>(year));
  if (!days.ok()) return InvalidArgument(days.status().message() + " (policy " + policy_dir + ")", "--policy");
  return days;
}

int RunApp(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(
          args,
          {"--claim", "--reviewers", "--reason", "--scores", "--proposed", "--opinion", "--case", "--output", "--digest", "--until",
           "--resolution", "--today", "--amount", "--on", "--reference", "--part", "--measure", "--codes", "--policy", "--year", "--state", "--enterprise",
           "--also-policy", "--programme"},
          &o)) {
    return kExitUsage;
  }
  if (o.help) {
    std::fputs(kAppUsage, stdout);
    return kExitOk;
  }
  if (o.positional.empty()) {
    std::fputs(kAppUsage, stderr);
    return kExitUsage;
  }
  const std::string verb = o.positional[0];
  auto usage = [&](const std::string& why) {
    std::fprintf(stderr, "bursar app %s: %s\n\n%s", verb.c_str(), why.c_str(), kAppUsage);
    return kExitUsage;
  };
  for (const char* dated : {"--until", "--today", "--on"}) {
    if (HasFlag(o, dated)) {
      return usage(std::string(dated) +
                   ": procedural dates are the store's own calendar day in Beijing (D-G9), never given");
    }
  }
  auto s = store::Store::Open(o.db);
  if (!s.ok()) return ReportStatus(s.status());
  store::Store& st = **s;

  if (verb == "create") {
    if (o.positional.size() != 3) return usage("expected CODE YEAR");
    int64_t year = 0;
    if (!ParseId(o.positional[2], &year)) return usage("YEAR: expected a year such as 2025");
    auto parsed = ParseJsonText(FlagValue(o, "--claim"));
    if (!parsed.ok()) return usage("--claim: expected a JSON object: " + parsed.status().message());
    json claim = std::move(*parsed);
    // The claim is checked against its programme's policy now, as the server does.
    Programmes programmes;
    if (!LoadProgrammes(o, "app create", &programmes)) return kExitUsage;
    std::string programme;
    const Engine* engine = programmes.Chosen(o, "app create", &programme);
    if (engine == nullptr) return kExitUsage;
    if (Status checked = engine->CheckClaim(year, o.positional[1], claim); !checked.ok()) {
      return ReportStatus(checked);
    }
    auto id = st.CreateApplication(o.actor, o.positional[1], year, claim, programme);
    if (!id.ok()) return ReportStatus(id.status());
    std::printf("%lld\n", static_cast<long long>(*id));
    return kExitOk;
  }

  if (verb == "list") {
    std::string sql = "SELECT id, credit_code, year, measure, state FROM application WHERE 1 = 1";
    std::vector<store::Param> params;
    const std::string year = FlagValue(o, "--year"), state = FlagValue(o, "--state"),
                      measure = FlagValue(o, "--measure"), code = FlagValue(o, "--enterprise");
    int64_t year_value = 0;
    if (!year.empty()) {
      if (!ParseId(year, &year_value)) return usage("--year: expected a year such as 2025");
      sql += " AND year = ?";
      params.emplace_back(year_value);
    }
    if (!state.empty()) {
      if (!store::ParseApplicationState(state)) return usage("--state: expected draft, submitted, in_review, ...");
      sql += " AND state = ?";
      params.emplace_back(std::string_view(state));
    }
    if (!measure.empty()) {
      sql += " AND measure = ?";
      params.emplace_back(std::string_view(measure));
    }
    if (!code.empty()) {
      sql += " AND credit_code = ?";
      params.emplace_back(std::string_view(code));
    }
    std::vector<store::Row> rows;
    Status status = st.db().QuerySpan(sql + " ORDER BY id", params, &rows);
    if (!status.ok()) return ReportStatus(status);
    json out = json::array();
    for (const auto& r : rows) {
      if (o.json) {
        json item = {{"id", r.Int(0)},       {"credit_code", r.Text(1)}, {"year", r.Int(2)},
                     {"measure", r.Text(3)}, {"state", r.Text(4)},       {"total", nullptr},
                     {"payable", nullptr}};
        if (auto d = st.DecisionInForce(r.Int(0)); d.ok() && d->has_value()) {
          item["total"] = FenToMoneyString((*d)->total_fen);
          if (auto p = st.PayableFen(r.Int(0)); p.ok()) item["payable"] = FenToMoneyString(*p);
        }
        out.push_back(std::move(item));
      } else if (HasFlag(o, "--ids")) {
        std::printf("%s\n", r.Text(0).c_str());
      } else {
        std::printf("%s %s %s %s %s\n", r.Text(0).c_str(), r.Text(1).c_str(), r.Text(2).c_str(), r.Text(3).c_str(),
                    r.Text(4).c_str());
      }
    }
    if (o.json) std::printf("%s\n", out.dump().c_str());
    return kExitOk;
  }

  if (verb == "propose") {
    int64_t year = 0;
    if (o.positional.size() != 2 || !ParseId(o.positional[1], &year)) return usage("expected YEAR");
    auto text = ReadText(FlagValue(o, "--codes"));
    if (!text.ok()) return ReportStatus(text.status());
    std::vector<std::string> codes;
    std::stringstream lines(*text);
    for (std::string line; std::getline(lines, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty()) codes.push_back(line);
    }
    // Only a measure the policy decides from facts alone is proposed.
    auto engine = Engine::Load(FlagValue(o, "--policy", DefaultPolicyDir()));
    if (!engine.ok()) return ReportStatus(engine.status());
    const std::string measure = FlagValue(o, "--measure");
    const MeasureDecl* decl = (*engine)->policy().FindMeasure(measure);
    if (decl == nullptr || !decl->ApplyFree()) {
      std::string apply_free;
      for (const MeasureDecl& m : (*engine)->policy().policy.measures) {
        if (m.ApplyFree()) apply_free += (apply_free.empty() ? "" : ", ") + m.id;
      }
      return usage("--measure: \"" + measure + "\" is not an apply-free measure of the policy (" + apply_free + ")");
    }
    auto ids = st.ProposeApplyFree(o.actor, year, measure, codes);
    if (!ids.ok()) return ReportStatus(ids.status());
    for (int64_t i : *ids) std::printf("%lld\n", static_cast<long long>(i));
    std::fprintf(stderr, "%zu proposed, %zu already had one\n", ids->size(), codes.size() - ids->size());
    return kExitOk;
  }

  // The steps that take several ids: each its own transaction, in order.
  if (verb == "submit" || verb == "review" || verb == "notice" || verb == "finalise") {
    if (o.positional.size() < 2) return usage("expected an application id");
    std::vector<int64_t> ids;
    for (size_t i = 1; i < o.positional.size(); ++i) {
      int64_t id = 0;
      if (!ParseId(o.positional[i], &id)) return usage("expected positive ids");
      ids.push_back(id);
    }
    std::vector<std::string> reviewers;
    std::stringstream list(FlagValue(o, "--reviewers"));
    for (std::string r; std::getline(list, r, ',');) {
      if (!r.empty()) reviewers.push_back(r);
    }
    std::optional<int64_t> notice_days;
    for (int64_t id : ids) {
      Status status;
      if (verb == "submit") {
        status = st.Submit(o.actor, id);
      } else if (verb == "review") {
        status = st.StartReview(o.actor, id, reviewers);
      } else if (verb == "finalise") {
        status = st.Finalise(o.actor, id);
      } else {
        if (!notice_days) {
          auto a = st.GetApplication(id);
          if (!a.ok()) return ReportStatus(a.status());
          auto days = NoticeDays(FlagValue(o, "--policy", DefaultPolicyDir()), a->year);
          if (!days.ok()) return ReportStatus(days.status());
          notice_days = *days;
        }
        status = st.PublishNotice(o.actor, id, *notice_days);
      }
      if (!status.ok()) return ReportStatus(status);
      auto a = st.GetApplication(id);
      if (a.ok()) {
        std::printf("application %lld: %s%s\n", static_cast<long long>(id), store::ApplicationStateName(a->state),
                    verb == "notice" ? (" through " + a->notice_until).c_str() : "");
      }
    }
    return kExitOk;
  }

  // A payment batch: the next instalment of each application, reference
  // REF-ID. Run again (after a crash, say) it pays only what it has not paid:
  // an id whose REF-ID is recorded, or with nothing left of `rest`, is skipped.
  if (verb == "orders") {
    const std::string state = FlagValue(o, "--state");
    if (!state.empty() && state != "pending" && state != "approved" && state != "rejected") {
      return usage("--state: pending, approved or rejected");
    }
    auto orders = st.PaymentOrders(state, 0);
    if (!orders.ok()) return ReportStatus(orders.status());
    for (const auto& order : *orders) {
      std::printf("%lld %lld %s %s %s %s%s%s\n", static_cast<long long>(order.id),
                  static_cast<long long>(order.application_id), FenToMoneyString(order.amount_fen).c_str(),
                  order.reference.c_str(), order.state.c_str(), order.recorded_by.c_str(),
                  order.decided_by.empty() ? "" : " ", order.decided_by.c_str());
    }
    return kExitOk;
  }
  if (verb == "approve") {
    if (o.positional.size() < 2) return usage("expected order ids");
    for (size_t i = 1; i < o.positional.size(); ++i) {
      int64_t order = 0;
      if (!ParseId(o.positional[i], &order)) return usage("expected positive order ids");
      auto step = st.ApprovePayment(o.actor, order);
      if (!step.ok()) return ReportStatus(step.status());
      std::printf("order %lld: %s\n", static_cast<long long>(order), PaymentStepText(*step).c_str());
    }
    return kExitOk;
  }

  if (verb == "pay" && o.positional.size() > 2) {
    for (size_t i = 1; i < o.positional.size(); ++i) {
      int64_t id = 0;
      if (!ParseId(o.positional[i], &id)) return usage("expected positive ids");
      const std::string reference = FlagValue(o, "--reference") + "-" + o.positional[i];
      std::string amount = FlagValue(o, "--amount");
      if (amount == "rest") {
        auto left = Remaining(st, id);
        if (!left.ok()) return ReportStatus(left.status());
        if (*left == 0) {
          std::printf("application %lld: nothing left to pay, skipped\n", static_cast<long long>(id));
          continue;
        }
        amount = FenToMoneyString(*left);
      }
      auto step = st.RecordPayment(o.actor, id, amount, reference);
      if (step.status().code() == StatusCode::kAlreadyExists) {
        std::printf("%s, skipped\n", step.status().message().c_str());
        continue;
      }
      if (!step.ok()) return ReportStatus(step.status());
      std::printf("application %lld: %s, %s\n", static_cast<long long>(id), PaymentStepText(*step).c_str(),
                  amount.c_str());
    }
    return kExitOk;
  }

  if (o.positional.size() != 2) return usage("expected one id");
  int64_t id = 0;
  if (!ParseId(o.positional[1], &id)) return usage("expected a positive id");
  Status status;
  if (verb == "conflict") {
    status = st.DeclareConflict(o.actor, id, FlagValue(o, "--reason"));
  } else if (verb == "score") {
    auto parsed = ParseJsonText(FlagValue(o, "--scores"));
    if (!parsed.ok()) return usage("--scores: expected a JSON object: " + parsed.status().message());
    json scores = std::move(*parsed);
    status = st.SubmitReview(o.actor, id, scores, FlagValue(o, "--proposed"), FlagValue(o, "--opinion"));
  } else if (verb == "decide") {
    auto case_text = ReadText(FlagValue(o, "--case"));
    if (!case_text.ok()) return ReportStatus(case_text.status());
    auto output_text = ReadText(FlagValue(o, "--output"));
    if (!output_text.ok()) return ReportStatus(output_text.status());
    auto decision = st.Decide(o.actor, id, {FlagValue(o, "--digest"), *case_text, *output_text});
    if (!decision.ok()) return ReportStatus(decision.status());
    std::printf("decision %lld\n", static_cast<long long>(*decision));
    return kExitOk;
  } else if (verb == "object") {
    auto objection = st.FileObjection(o.actor, id, FlagValue(o, "--reason"));
    if (!objection.ok()) return ReportStatus(objection.status());
    std::printf("%lld\n", static_cast<long long>(*objection));
    return kExitOk;
  } else if (verb == "resolve") {
    const bool upheld = HasFlag(o, "--upheld");
    if (upheld == HasFlag(o, "--dismissed")) return usage("say --upheld or --dismissed");
    status = st.ResolveObjection(o.actor, id, upheld, FlagValue(o, "--resolution"));
  } else if (verb == "pay") {
    std::string amount = FlagValue(o, "--amount");
    if (amount == "rest") {
      auto left = Remaining(st, id);
      if (!left.ok()) return ReportStatus(left.status());
      amount = FenToMoneyString(*left);
    }
    auto step = st.RecordPayment(o.actor, id, amount, FlagValue(o, "--reference"));
    if (!step.ok()) return ReportStatus(step.status());
    std::printf("%s\n", PaymentStepText(*step).c_str());
    return kExitOk;
  } else if (verb == "reject") {
    status = st.RejectPayment(o.actor, id, FlagValue(o, "--reason"));
  } else if (verb == "recover") {
    status = st.Recover(o.actor, id, FlagValue(o, "--amount"), FlagValue(o, "--reason"));
  } else if (verb == "decision") {
    auto d = st.GetDecision(id);
    if (!d.ok()) return ReportStatus(d.status());
    const std::string part = FlagValue(o, "--part");
    const std::string& bytes = part == "case" ? d->case_json : part == "output" ? d->output_json : d->policy_digest;
    if (part != "case" && part != "output" && part != "digest") return usage("--part: case, output or digest");
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    if (part == "digest") std::fputc('\n', stdout);
    return kExitOk;
  } else if (verb == "show") {
    auto a = st.GetApplication(id);
    if (!a.ok()) return ReportStatus(a.status());
    auto shown = ShowJson(st, *a);
    if (!shown.ok()) return ReportStatus(shown.status());
    std::printf("%s\n", shown->dump(2).c_str());
    return kExitOk;
  } else {
    return usage("unknown action");
  }
  if (!status.ok()) return ReportStatus(status);
  auto a = st.GetApplication(id);
  if (a.ok()) std::printf("application %lld: %s\n", static_cast<long long>(id), store::ApplicationStateName(a->state));
  return kExitOk;
}

int RunBudget(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(args, {"--programme", "--policy", "--also-policy"}, &o)) return kExitUsage;
  if (o.help) {
    std::fputs(kBudgetUsage, stdout);
    return kExitOk;
  }
  std::string programme;  // "" the store's own
  if (HasFlag(o, "--programme")) {
    Programmes programmes;
    if (!LoadProgrammes(o, "budget", &programmes)) return kExitUsage;
    if (programmes.Chosen(o, "budget", &programme) == nullptr) return kExitUsage;
  }
  int64_t year = 0;
  const bool set = o.positional.size() == 3 && o.positional[0] == "set";
  const bool show = o.positional.size() == 2 && o.positional[0] == "show";
  if ((!set && !show) || !ParseId(o.positional[1], &year)) {
    std::fputs(kBudgetUsage, stderr);
    return kExitUsage;
  }
  auto s = store::Store::Open(o.db);
  if (!s.ok()) return ReportStatus(s.status());
  if (set) {
    Status status = (*s)->SetBudget(o.actor, year, o.positional[2], programme);
    return status.ok() ? kExitOk : ReportStatus(status);
  }
  auto b = (*s)->Budget(year, programme);
  if (!b.ok()) return ReportStatus(b.status());
  nlohmann::ordered_json out = {{"year", year},
                                {"budget", b->budget_fen ? json(FenToMoneyString(*b->budget_fen)) : json(nullptr)},
                                {"committed", FenToMoneyString(b->total.committed_fen)},
                                {"payable", FenToMoneyString(b->total.payable_fen)},
                                {"paid", FenToMoneyString(b->total.paid_fen)}};
  if (!programme.empty()) out["policy"] = programme;
  out["scaling"] = {{"decision", "D-G6"},
                    {"scaled", b->scaled},
                    {"factor", b->factor},
                    {"excess", FenToMoneyString(b->scaled ? b->total.committed_fen - *b->budget_fen : 0)},
                    {"payments_started", b->payments_started}};
  out["by_measure"] = nlohmann::ordered_json::object();
  for (const auto& [measure, line] : b->by_measure) {
    out["by_measure"][measure] = {
        {"committed", FenToMoneyString(line.committed_fen)}, {"payable", FenToMoneyString(line.payable_fen)}, {"paid", FenToMoneyString(line.paid_fen)}};
  }
  std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

}  // namespace
BURSAR_COMMAND("app", "take an application from draft through review, decision and notice to payment", RunApp);
BURSAR_COMMAND("budget", "set a programme year's budget, or show committed and paid against it", RunBudget);
}  // namespace bursar::cli
