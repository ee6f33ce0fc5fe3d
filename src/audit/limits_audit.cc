#include "audit/limits_audit.h"

#include <algorithm>
#include <set>

#include "money/exact.h"

namespace bursar::audit {

Result<LimitsReport> AuditLimits(store::Store& store, const Engine& engine, int64_t year, const std::string& policy) {
  LimitsReport report;
  report.year = year;
  std::set<int64_t> decisions;
  BURSAR_RETURN_IF_ERROR(store.LedgersOfYear(year, [&](const store::EnterpriseLedger& e) -> Status {
    ++report.enterprises;
    nlohmann::json tags = nlohmann::json::parse(e.enterprise.tags, nullptr, false);
    if (!tags.is_array()) tags = nlohmann::json::array();
    const nlohmann::json applicant =
        policy.empty() ? nlohmann::json{{"id", e.enterprise.credit_code},
                                        {"name", e.enterprise.name},
                                        {"registered_in_chaoyang", e.enterprise.registered_in_chaoyang},
                                        {"taxed_in_chaoyang", e.enterprise.taxed_in_chaoyang},
                                        {"independent_legal_person", e.enterprise.independent_legal_person},
                                        {"serious_dishonesty_record", e.enterprise.serious_dishonesty_record},
                                        {"tags", std::move(tags)}}
                       : nlohmann::json{{"id", e.enterprise.credit_code}};
    std::vector<LedgerLine> lines;
    lines.reserve(e.lines.size());
    for (const store::LedgerLine& l : e.lines) {
      if (l.year == year) decisions.insert(l.decision_id);
      LedgerLine line;
      line.year = static_cast<int>(l.year);
      line.measure = l.measure;
      line.item = l.item;
      line.project = l.project;
      line.solution = l.solution;
      line.condition = l.condition;
      line.amount_fen = l.net_fen;
      line.id = std::to_string(l.decision_id);
      line.drawn = l.drawn;
      lines.push_back(std::move(line));
    }
    auto found = engine.CheckLedger(static_cast<int>(year), applicant, lines);
    if (!found.ok()) {
      // A stored award the policy cannot read: name the enterprise.
      return Status(found.status().code(),
                    e.enterprise.credit_code + ": " + found.status().ToString(), "credit_code");
    }
    for (LimitExcess& x : *found) {
      LimitOverrun o;
      o.credit_code = e.enterprise.credit_code;
      o.name = e.enterprise.name;
      for (size_t j : x.lines) {
        const int64_t d = e.lines[j].decision_id;
        if (std::find(o.decisions.begin(), o.decisions.end(), d) == o.decisions.end()) o.decisions.push_back(d);
      }
      o.excess = std::move(x);
      report.over.push_back(std::move(o));
    }
    return OkStatus();
  }, policy));
  report.decisions = static_cast<int64_t>(decisions.size());
  return report;
}

namespace {

nlohmann::ordered_json Figure(const LimitExcess& x, int64_t v) {
  return x.money ? nlohmann::ordered_json(FenToMoneyString(v)) : nlohmann::ordered_json(v);
}

}  // namespace

nlohmann::ordered_json LimitsReportJson(const LimitsReport& report) {
  nlohmann::ordered_json over = nlohmann::ordered_json::array();
  for (const LimitOverrun& o : report.over) {
    const LimitExcess& x = o.excess;
    nlohmann::ordered_json j = {{"enterprise", o.credit_code},
                                {"name", o.name},
                                {"kind", x.kind},
                                {"limit", x.limit},
                                {"clause", x.clause},
                                {"decision", x.decision},
                                {"scope", x.scope}};
    if (!x.key.empty()) j["key"] = x.key;
    j["years"] = {x.span_first, x.span_last};
    j["limit_value"] = Figure(x, x.limit_value);
    j["total"] = Figure(x, x.total);
    j["over"] = Figure(x, x.over);
    j["decisions"] = o.decisions;
    over.push_back(std::move(j));
  }
  return {{"year", report.year},
          {"enterprises", report.enterprises},
          {"decisions", report.decisions},
          {"clean", report.over.empty()},
          {"over", std::move(over)}};
}

std::string LimitOverrunText(const LimitOverrun& o) {
  const LimitExcess& x = o.excess;
  auto figure = [&](int64_t v) { return x.money ? FenToMoneyString(v) : std::to_string(v); };
  std::string years = std::to_string(x.span_first);
  if (x.span_last != x.span_first) years += "-" + std::to_string(x.span_last);
  std::string out = o.credit_code + " " + o.name + ": " + x.limit + " " + x.clause + " (" + x.decision + ")";
  if (!x.key.empty()) out += ", " + x.scope + " " + x.key;
  out += ": " + figure(x.total) + " in " + years + ", " + figure(x.over) + " over; decisions";
  for (size_t i = 0; i < o.decisions.size(); ++i) out += (i ? ", " : " ") + std::to_string(o.decisions[i]);
  return out;
}

}  // namespace bursar::audit
