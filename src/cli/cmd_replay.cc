// bursar replay DECISION: recompute a stored decision and confirm it is
// byte-identical to what was recorded.
#include <cstdio>
#include <cstdlib>

#include "cli/command.h"
#include "cli/store_options.h"
#include "eval/engine.h"
#include "money/exact.h"
#include "store/digest.h"
#include "store/store.h"

namespace bursar::cli {
namespace {

constexpr const char* kHelp =
    "usage: bursar replay DECISION_ID [--db URL] [--policy DIR] [--json]\n\n"
    "Reads a stored decision (its policy digest, exact case and exact output),\n"
    "decides the case again with the policy folder and compares the bytes.\n"
    "The folder must hold the policy the decision was made under: its digest\n"
    "must equal the stored one (check out that policy version to replay an\n"
    "older decision).\n\n"
    "It then checks what the store keeps beside the output: the stored total\n"
    "must be the sum of the application's award lines in the output, and the\n"
    "decision's audit entry must record the same policy digest, case and output\n"
    "digests and total (a row edited in the database is named; `bursar audit\n"
    "verify` reconciles every row).\n\n"
    "Exit status: 0 byte-identical and consistent, 1 different (or another\n"
    "policy, or a stored total or audit record that disagrees), 2 bad usage.\n";

// What the store keeps beside the decision's texts, checked against them:
// the total against the application's award lines of the output, and the
// audit entry that recorded the decision against the row. Each problem is a
// line for a person; none when all agree.
std::vector<std::string> CheckRecord(store::Store& st, const store::Decision& d) {
  std::vector<std::string> problems;
  const std::string id = std::to_string(d.id);
  auto app = st.GetApplication(d.application_id);
  if (!app.ok()) {
    problems.push_back("decision " + id + ": its application " + std::to_string(d.application_id) +
                       " cannot be read: " + app.status().ToString());
    return problems;
  }
  const nlohmann::json output = nlohmann::json::parse(d.output_json, nullptr, false);
  std::vector<int64_t> lines;
  auto sum = store::ApplicationLinesFen(output, app->measure, app->item, &lines);
  if (!sum.ok()) {
    problems.push_back("decision " + id + ": its award lines cannot be read: " + sum.status().ToString());
  } else if (*sum != d.total_fen) {
    problems.push_back("decision " + id + ": the stored total " + FenToMoneyString(d.total_fen) +
                       " is not the sum of its " + std::to_string(lines.size()) + " award line(s) of measure " +
                       app->measure + " in the output, " + FenToMoneyString(*sum));
  }
  // The entry of application.decide that recorded this decision.
  const std::string decision_field = "%\"decision\":" + id + ",%";
  auto entries = st.db().Query("SELECT seq, change FROM audit_log WHERE change LIKE '%\"op\":\"application.decide\"%' "
                               "AND change LIKE ? ORDER BY seq",
                               {decision_field});
  if (!entries.ok()) {
    problems.push_back("decision " + id + ": the audit log cannot be read: " + entries.status().ToString());
    return problems;
  }
  std::optional<nlohmann::json> recorded;
  int64_t seq = 0;
  for (const store::Row& r : *entries) {
    nlohmann::json change = nlohmann::json::parse(r.Text(1), nullptr, false);
    if (change.is_object() && change.value("decision", int64_t{0}) == d.id) {
      recorded = std::move(change);
      seq = r.Int(0);
    }
  }
  if (!recorded) {
    problems.push_back("decision " + id + ": no audit entry records it (it was not made by bursar)");
    return problems;
  }
  const std::string at = " (audit entry " + std::to_string(seq) + ")";
  auto check = [&](const char* field, const std::string& row_value) {
    const std::string chain_value = recorded->value(field, std::string());
    if (chain_value != row_value) {
      problems.push_back("decision " + id + ": " + field + " is " + row_value + " in the table but " + chain_value +
                         " in the audit log" + at);
    }
  };
  check("policy_digest", d.policy_digest);
  check("case_sha256", store::Sha256Hex(d.case_json));
  check("output_sha256", store::Sha256Hex(d.output_json));
  check("total", FenToMoneyString(d.total_fen));
  if (recorded->value("application", int64_t{0}) != d.application_id) {
    problems.push_back("decision " + id + ": it belongs to application " + std::to_string(d.application_id) +
                       " in the table but to " + recorded->value("application", nlohmann::json()).dump() +
                       " in the audit log" + at);
  }
  return problems;
}

// 1-based line of the first difference, for a person to look at.
size_t FirstDifferentLine(const std::string& a, const std::string& b) {
  size_t line = 1;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] != b[i]) return line;
    if (a[i] == '\n') ++line;
  }
  return line;
}

int RunReplay(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(args, {"--policy"}, &o)) return kExitUsage;
  if (o.help) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  if (o.positional.size() != 1) {
    std::fprintf(stderr, "bursar replay: one decision id\n\n%s", kHelp);
    return kExitUsage;
  }
  int64_t id = 0;
  if (!ParseWholeNumber(o.positional[0], 1, INT64_MAX, &id)) {
    std::fprintf(stderr, "bursar replay: '%s' is not a decision id\n", o.positional[0].c_str());
    return kExitUsage;
  }
  std::string policy_dir = FlagValue(o, "--policy", DefaultPolicyDir());
  auto store = store::Store::Open(o.db);
  if (!store.ok()) return ReportStatus(store.status());
  auto decision = (*store)->GetDecision(id);
  if (!decision.ok()) return ReportStatus(decision.status());
  auto engine = Engine::Load(policy_dir);
  if (!engine.ok()) {
    std::fprintf(stderr, "bursar replay: %s\n", engine.status().ToString().c_str());
    return kExitUsage;
  }
  nlohmann::ordered_json report = {{"decision", id}, {"policy_digest", decision->policy_digest}};
  int status = kExitOk;
  std::string message;
  if ((*engine)->digest() != decision->policy_digest) {
    status = kExitFailed;
    message = "decision " + std::to_string(id) + " was made under policy " + decision->policy_digest + ", but " +
              policy_dir + " is " + (*engine)->digest() + "; check out that policy version to replay it";
    report["result"] = "other_policy";
  } else {
    auto output = (*engine)->EvaluateText(decision->case_json);
    if (!output.ok()) {
      status = kExitFailed;
      message = "decision " + std::to_string(id) + ": the stored case is now refused: " + output.status().ToString();
      report["result"] = "refused";
    } else if (*output != decision->output_json) {
      status = kExitFailed;
      size_t line = FirstDifferentLine(*output, decision->output_json);
      message = "decision " + std::to_string(id) + " differs from its recomputation from line " + std::to_string(line);
      report["result"] = "different";
      report["first_different_line"] = line;
    } else {
      message = "decision " + std::to_string(id) + ": byte-identical (" + std::to_string(output->size()) +
                " bytes, policy " + decision->policy_digest + ")";
      report["result"] = "identical";
    }
  }
  // The stored total and the audit record, whatever the texts gave.
  const std::vector<std::string> problems = CheckRecord(**store, *decision);
  if (!problems.empty()) {
    if (status == kExitOk) report["result"] = "record_differs";
    status = kExitFailed;
    report["record_problems"] = problems;
    for (const std::string& p : problems) message += "\n" + p;
  }
  if (o.json) {
    std::printf("%s\n", report.dump().c_str());
  } else {
    std::fprintf(status == kExitOk ? stdout : stderr, "%s\n", message.c_str());
  }
  return status;
}

}  // namespace

BURSAR_COMMAND("replay", "recompute a stored decision and confirm it is byte-identical", RunReplay);

}  // namespace bursar::cli
