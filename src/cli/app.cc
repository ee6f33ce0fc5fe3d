// bursar app ... and bursar budget ...: the application lifecycle from the
// command line. Decisions are taken as data (the case and output files the
// engine read and wrote, and its policy digest), so that this layer does not
// depend on the engine.
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/json_text.h"
#include "cli/command.h"
#include "cli/store_options.h"
#include "money/exact.h"
#include "store/store.h"

namespace bursar::cli {
namespace {

using json = nlohmann::json;

constexpr const char* kAppUsage =
    "usage: bursar app ACTION ... [--db URL] [--actor NAME] [--json]\n\n"
    "  create CODE YEAR --claim JSON     a draft application; JSON is a CASES.md claim\n"
    "                                    ('{\"measure\":\"03\",\"assessed\":\"4200000\"}'); prints its id\n"
    "  propose YEAR --measure 04|05 --codes FILE\n"
    "                                    apply-free: a draft for each credit code in FILE (one a\n"
    "                                    line, the enterprises the engine found qualifying);\n"
    "                                    the enterprise confirms by `submit`\n"
    "  submit ID\n"
    "  review ID --reviewers A,B,...     open the review and assign reviewers\n"
    "  conflict ID --reason TEXT         (as --actor REVIEWER) declare a conflict of interest\n"
    "  score ID --scores JSON --proposed MONEY   (as --actor REVIEWER) rubric scores, proposed amount\n"
    "  decide ID --case FILE --output FILE --digest sha256:...\n"
    "                                    record the engine's decision byte for byte\n"
    "  notice ID --until DATE            publish the public notice (公示) through DATE\n"
    "  object ID --reason TEXT           file an objection during the notice; prints its id\n"
    "  resolve OBJECTION (--upheld|--dismissed) --resolution TEXT\n"
    "  finalise ID [--today DATE]        after the notice, with no open objection\n"
    "  pay ID --amount MONEY --on DATE --reference REF   record the next instalment\n"
    "  recover ID --amount MONEY --reason TEXT\n"
    "  show ID                           the application, reviews, decision and payments\n"
    "  decision DECISION_ID --part case|output|digest\n"
    "                                    the stored bytes, for replay: bursar eval on the case\n"
    "                                    must reproduce the output byte for byte\n\n"
    "Illegal steps are refused naming the application's state (exit 1).\n";

constexpr const char* kBudgetUsage =
    "usage: bursar budget set YEAR AMOUNT [--db URL]\n"
    "       bursar budget show YEAR [--db URL] [--json]\n";

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kNotFound, "cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Money(int64_t fen) { return Exact::Fen(fen).ToMoneyString(); }

bool ParseId(const std::string& text, int64_t* id) { return ParseWholeNumber(text, 1, INT64_MAX, id); }

json ShowJson(store::Store& st, const store::Application& a) {
  json out = {{"id", a.id},
              {"credit_code", a.credit_code},
              {"year", a.year},
              {"measure", a.measure},
              {"claim", json::parse(a.claim, nullptr, false)},
              {"state", store::ApplicationStateName(a.state)},
              {"notice_until", a.notice_until},
              {"created_at", a.created_at},
              {"updated_at", a.updated_at}};
  out["reviews"] = json::array();
  if (auto reviews = st.Reviews(a.id); reviews.ok()) {
    for (const auto& r : *reviews) {
      json j = {{"reviewer", r.reviewer}, {"state", r.state}};
      if (!r.scores.empty()) j["scores"] = json::parse(r.scores, nullptr, false);
      if (r.proposed_fen) j["proposed"] = Money(*r.proposed_fen);
      if (!r.conflict.empty()) j["conflict"] = r.conflict;
      out["reviews"].push_back(std::move(j));
    }
  }
  if (auto d = st.DecisionInForce(a.id); d.ok() && d->has_value()) {
    out["decision"] = {{"id", (*d)->id},
                       {"policy_digest", (*d)->policy_digest},
                       {"total", Money((*d)->total_fen)},
                       {"decided_at", (*d)->decided_at},
                       {"decided_by", (*d)->decided_by}};
  }
  out["payments"] = json::array();
  if (auto p = st.Payments(a.id); p.ok()) {
    for (const auto& x : *p) {
      out["payments"].push_back({{"instalment", x.instalment},
                                 {"amount", Money(x.amount_fen)},
                                 {"paid_on", x.paid_on},
                                 {"reference", x.reference}});
    }
  }
  return out;
}

int RunApp(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(
          args,
          {"--claim", "--reviewers", "--reason", "--scores", "--proposed", "--case", "--output", "--digest", "--until",
           "--resolution", "--today", "--amount", "--on", "--reference", "--part", "--measure", "--codes"},
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
    auto id = st.CreateApplication(o.actor, o.positional[1], year, claim);
    if (!id.ok()) return ReportStatus(id.status());
    std::printf("%lld\n", static_cast<long long>(*id));
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
    auto ids = st.ProposeApplyFree(o.actor, year, FlagValue(o, "--measure"), codes);
    if (!ids.ok()) return ReportStatus(ids.status());
    for (int64_t i : *ids) std::printf("%lld\n", static_cast<long long>(i));
    std::fprintf(stderr, "%zu proposed, %zu already had one\n", ids->size(), codes.size() - ids->size());
    return kExitOk;
  }

  if (o.positional.size() != 2) return usage("expected one id");
  int64_t id = 0;
  if (!ParseId(o.positional[1], &id)) return usage("expected a positive id");
  Status status;
  if (verb == "submit") {
    status = st.Submit(o.actor, id);
  } else if (verb == "review") {
    std::vector<std::string> reviewers;
    std::stringstream list(FlagValue(o, "--reviewers"));
    for (std::string r; std::getline(list, r, ',');) {
      if (!r.empty()) reviewers.push_back(r);
    }
    status = st.StartReview(o.actor, id, reviewers);
  } else if (verb == "conflict") {
    status = st.DeclareConflict(o.actor, id, FlagValue(o, "--reason"));
  } else if (verb == "score") {
    auto parsed = ParseJsonText(FlagValue(o, "--scores"));
    if (!parsed.ok()) return usage("--scores: expected a JSON object: " + parsed.status().message());
    json scores = std::move(*parsed);
    status = st.SubmitReview(o.actor, id, scores, FlagValue(o, "--proposed"));
  } else if (verb == "decide") {
    auto case_text = ReadText(FlagValue(o, "--case"));
    if (!case_text.ok()) return ReportStatus(case_text.status());
    auto output_text = ReadText(FlagValue(o, "--output"));
    if (!output_text.ok()) return ReportStatus(output_text.status());
    auto decision = st.Decide(o.actor, id, {FlagValue(o, "--digest"), *case_text, *output_text});
    if (!decision.ok()) return ReportStatus(decision.status());
    std::printf("decision %lld\n", static_cast<long long>(*decision));
    return kExitOk;
  } else if (verb == "notice") {
    status = st.PublishNotice(o.actor, id, FlagValue(o, "--until"));
  } else if (verb == "object") {
    auto objection = st.FileObjection(o.actor, id, FlagValue(o, "--reason"));
    if (!objection.ok()) return ReportStatus(objection.status());
    std::printf("%lld\n", static_cast<long long>(*objection));
    return kExitOk;
  } else if (verb == "resolve") {
    const bool upheld = HasFlag(o, "--upheld");
    if (upheld == HasFlag(o, "--dismissed")) return usage("say --upheld or --dismissed");
    status = st.ResolveObjection(o.actor, id, upheld, FlagValue(o, "--resolution"));
  } else if (verb == "finalise") {
    status = st.Finalise(o.actor, id, FlagValue(o, "--today", st.Now().substr(0, 10)));
  } else if (verb == "pay") {
    auto instalment =
        st.RecordPayment(o.actor, id, FlagValue(o, "--amount"), FlagValue(o, "--on"), FlagValue(o, "--reference"));
    if (!instalment.ok()) return ReportStatus(instalment.status());
    std::printf("instalment %lld\n", static_cast<long long>(*instalment));
    return kExitOk;
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
    std::printf("%s\n", ShowJson(st, *a).dump(2).c_str());
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
  if (!ParseStoreOptions(args, {}, &o)) return kExitUsage;
  if (o.help) {
    std::fputs(kBudgetUsage, stdout);
    return kExitOk;
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
    Status status = (*s)->SetBudget(o.actor, year, o.positional[2]);
    return status.ok() ? kExitOk : ReportStatus(status);
  }
  auto b = (*s)->Budget(year);
  if (!b.ok()) return ReportStatus(b.status());
  nlohmann::ordered_json out = {{"year", year},
                                {"budget", b->budget_fen ? json(Money(*b->budget_fen)) : json(nullptr)},
                                {"committed", Money(b->total.committed_fen)},
                                {"paid", Money(b->total.paid_fen)}};
  out["by_measure"] = nlohmann::ordered_json::object();
  for (const auto& [measure, line] : b->by_measure) {
    out["by_measure"][measure] = {{"committed", Money(line.committed_fen)}, {"paid", Money(line.paid_fen)}};
  }
  std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

}  // namespace
BURSAR_COMMAND("app", "take an application from draft through review, decision and notice to payment", RunApp);
BURSAR_COMMAND("budget", "set a programme year's budget, or show committed and paid against it", RunBudget);
}  // namespace bursar::cli
