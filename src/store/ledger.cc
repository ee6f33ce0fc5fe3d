// The ledger of awards in force (ledger.h), the CASES.md `history` built from
// it, and the year's committed total that D-G6 scales by.
#include "store/ledger.h"

#include <algorithm>
#include <utility>

#include "money/exact.h"
#include "store/store.h"

namespace bursar::store {

namespace {

using json = nlohmann::json;

// The columns ReadLedgers selects, in order; the condition it is given
// follows, filtering the application `a`. The applications are read first
// (SQLite keeps the order of a CROSS JOIN; PostgreSQL plans it as any join):
// with `decision` empty when its statistics were taken, as at the start of a
// year's decision run, SQLite drove the query from the decisions in force
// instead, so each group of a run read every decision the run had made
// before it (1.2 s of 9.2 s for 21,965 decisions, growing with the square).
constexpr const char* kLedgerSelect =
    "SELECT a.credit_code, a.id, a.year, a.measure, a.item, a.project, a.claim, d.id, d.output_json, "
    "(SELECT COUNT(*) FROM payment p WHERE p.application_id = a.id), "
    "(SELECT COALESCE(SUM(r.amount_fen), 0) FROM recovery r WHERE r.application_id = a.id) "
    "FROM application a CROSS JOIN decision d WHERE d.application_id = a.id AND d.in_force = 1 AND ";
constexpr const char* kLedgerOrder = " ORDER BY a.credit_code, a.year, COALESCE(a.submitted_at, a.created_at), a.id";

// The award lines of one decision in force that belong to its application,
// at their net amounts (ledger.h), appended to *out.
Status AppendLines(const Row& r, const std::optional<YearScaling>& scaling, std::vector<LedgerLine>* out) {
  const int64_t application = r.Int(1), year = r.Int(2);
  const std::string& measure = r.Text(3);
  const std::string& item = r.Text(4);
  // Stored outputs were validated at Decide; a broken one is our bug.
  const json output = json::parse(r.Text(8), nullptr, false);
  if (output.is_discarded() || !output.contains("awards") || !output["awards"].is_array()) {
    return Status(StatusCode::kInternal,
                  "decision " + r.Text(7) + ": the stored output is not a CASES.md decision");
  }
  std::string claim_solution;
  if (const json claim = json::parse(r.Text(6), nullptr, false); claim.is_object()) {
    claim_solution = claim.value("solution", "");
  }
  const bool paying = r.Int(9) > 0;
  const size_t first = out->size();
  for (const json& award : output["awards"]) {
    if (!award.is_object() || award.value("measure", "") != measure) continue;
    if (!item.empty() && award.value("item", "") != item) continue;
    std::string why;
    auto fen = MoneyStringToFen(award.value("amount", ""), &why);
    if (!fen) return Status(StatusCode::kInternal, "decision " + r.Text(7) + ": a stored award amount: " + why);
    LedgerLine line;
    line.year = year;
    line.measure = measure;
    line.item = award.value("item", "");
    line.project = award.value("project", r.Text(5));
    line.solution = award.value("solution", claim_solution);
    line.condition = award.value("condition", "");
    if (const auto drawn = award.find("drawn"); drawn != award.end() && drawn->is_object()) {
      for (auto it = drawn->begin(); it != drawn->end(); ++it) {
        auto counted = MoneyStringToFen(it->is_string() ? it->get<std::string>() : "", &why);
        if (!counted) {
          return Status(StatusCode::kInternal, "decision " + r.Text(7) + ": a stored figure drawn: " + why);
        }
        line.drawn.emplace_back(it.key(), *counted);
      }
    }
    line.decided_fen = *fen;
    // D-G8: once a payment has started, the award is what D-G6 lets be paid.
    line.net_fen = paying && scaling ? ScaleFen(*fen, scaling->budget_fen, scaling->committed_fen) : *fen;
    line.application_id = application;
    line.decision_id = r.Int(7);
    out->push_back(std::move(line));
  }
  // D-G8: a recovery frees exactly what was recovered, taken from the last
  // line back.
  int64_t recovered = r.Int(10);
  for (size_t i = out->size(); i > first && recovered > 0; --i) {
    LedgerLine& line = (*out)[i - 1];
    const int64_t take = std::min(recovered, line.net_fen);
    line.net_fen -= take;
    recovered -= take;
  }
  out->erase(std::remove_if(out->begin() + static_cast<std::ptrdiff_t>(first), out->end(),
                            [](const LedgerLine& l) { return l.net_fen == 0; }),
             out->end());
  return OkStatus();
}

}  // namespace

std::string LedgerSql(const std::string& condition) { return kLedgerSelect + condition + kLedgerOrder; }

Result<YearCommitted> Store::YearCommittedIn(Database& db, int64_t year, const std::string& policy) {
  if (!policy.empty()) {
    if (!programme_budgets_) return YearCommitted{};
    BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne("SELECT COALESCE(SUM(committed_fen), 0), COALESCE(SUM(payments), 0) "
                                                  "FROM programme_committed WHERE policy = ? AND year = ?",
                                                  {policy, year}));
    return row ? YearCommitted{row->Int(0), row->Int(1)} : YearCommitted{};
  }
  BURSAR_ASSIGN_OR_RETURN(auto row,
                          db.QueryOne("SELECT committed_fen, payments FROM year_committed WHERE year = ?", {year}));
  if (!row) return YearCommitted{};
  return YearCommitted{row->Int(0), row->Int(1)};
}

Result<std::optional<int64_t>> Store::BudgetFenIn(Database& db, int64_t year, const std::string& policy) {
  std::optional<Row> b;
  if (policy.empty()) {
    BURSAR_ASSIGN_OR_RETURN(b, db.QueryOne("SELECT amount_fen FROM budget WHERE year = ?", {year}));
  } else if (programme_budgets_) {
    BURSAR_ASSIGN_OR_RETURN(b, db.QueryOne("SELECT amount_fen FROM programme_budget WHERE policy = ? AND year = ?",
                                           {policy, year}));
  }
  return b ? std::optional<int64_t>(b->Int(0)) : std::nullopt;
}

Result<std::optional<YearScaling>> Store::ScalingIn(Database& db, int64_t year, const std::string& policy) {
  BURSAR_ASSIGN_OR_RETURN(std::optional<int64_t> budget, BudgetFenIn(db, year, policy));
  if (!budget) return std::optional<YearScaling>();
  BURSAR_ASSIGN_OR_RETURN(YearCommitted committed, YearCommittedIn(db, year, policy));
  if (committed.committed_fen <= *budget) return std::optional<YearScaling>();
  return std::optional<YearScaling>(YearScaling{*budget, committed.committed_fen});
}

std::string Store::LedgerStatement(const std::string& condition, std::span<const Param> params,
                                   const std::string& policy, std::vector<Param>* all) {
  all->assign(params.begin(), params.end());
  if (!programmes_) return LedgerSql(condition);
  // A programme's limits count its own awards (issue 16).
  all->emplace_back(std::string_view(policy));
  return LedgerSql(condition + " AND a.policy = ?");
}

Status Store::ReadLedgers(Database& db, const std::string& condition, std::span<const Param> params,
                          const std::string& policy, ScalingMemo* memo,
                          const std::function<Status(const std::string&, std::vector<LedgerLine>&&)>& each) {
  std::vector<Param> all;
  const std::string sql = LedgerStatement(condition, params, policy, &all);
  std::vector<Row> rows;
  BURSAR_RETURN_IF_ERROR(db.QuerySpan(sql, all, &rows));
  return EachLedger(db, rows, policy, memo, each);
}

Status Store::EachLedger(Database& db, const std::vector<Row>& rows, const std::string& policy, ScalingMemo* memo,
                         const std::function<Status(const std::string&, std::vector<LedgerLine>&&)>& each) {
  // A caller's memo holds the store's own programme's scaling (D-G6);
  // another programme's is its own budget's (migration 29), read here.
  ScalingMemo own;
  ScalingMemo& scaling = memo != nullptr && policy.empty() ? *memo : own;
  std::vector<LedgerLine> lines;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    auto year = scaling.find(r.Int(2));
    if (year == scaling.end()) {
      BURSAR_ASSIGN_OR_RETURN(auto s, ScalingIn(db, r.Int(2), policy));
      year = scaling.emplace(r.Int(2), s).first;
    }
    BURSAR_RETURN_IF_ERROR(AppendLines(r, year->second, &lines));
    if (i + 1 == rows.size() || rows[i + 1].Text(0) != r.Text(0)) {
      BURSAR_RETURN_IF_ERROR(each(r.Text(0), std::move(lines)));
      lines.clear();
    }
  }
  return OkStatus();
}

Result<std::vector<LedgerLine>> Store::Ledger(const std::string& code, int64_t through_year, ScalingMemo* memo,
                                              const std::string& policy) {
  std::vector<LedgerLine> out;
  const Param params[] = {std::string_view(code), through_year};
  BURSAR_RETURN_IF_ERROR(ReadLedgers(*db_, "a.credit_code = ? AND a.year <= ?", params, policy, memo,
                                     [&](const std::string&, std::vector<LedgerLine>&& lines) {
                                       out = std::move(lines);
                                       return OkStatus();
                                     }));
  return out;
}

Status Store::LedgersOfYear(int64_t year, const std::function<Status(const EnterpriseLedger&)>& each,
                            const std::string& policy) {
  // The enterprises with an award of the programme in force in the year, and their records.
  const std::string of_programme = programmes_ ? " AND a2.policy = ?" : "";
  std::vector<Param> params = {year};
  if (programmes_) params.emplace_back(std::string_view(policy));
  std::vector<Row> enterprises;
  BURSAR_RETURN_IF_ERROR(
      db_->QuerySpan("SELECT e.credit_code, e.name, e.registered_in_chaoyang, e.taxed_in_chaoyang, "
                     "e.independent_legal_person, e.serious_dishonesty_record, e.tags FROM enterprise e "
                     "WHERE e.credit_code IN (SELECT a2.credit_code FROM application a2 JOIN decision d2 "
                     "ON d2.application_id = a2.id AND d2.in_force = 1 WHERE a2.year = ?" + of_programme +
                         ") ORDER BY e.credit_code",
                     params, &enterprises));
  size_t next = 0;
  ScalingMemo scaling;
  params.insert(params.begin(), year);
  return ReadLedgers(
      *db_,
      "a.year <= ? AND a.credit_code IN (SELECT a2.credit_code FROM application a2 JOIN decision d2 "
      "ON d2.application_id = a2.id AND d2.in_force = 1 WHERE a2.year = ?" + of_programme + ")",
      params, policy, &scaling, [&](const std::string& code, std::vector<LedgerLine>&& lines) -> Status {
        while (next < enterprises.size() && enterprises[next].Text(0) < code) ++next;
        if (next == enterprises.size() || enterprises[next].Text(0) != code) {
          return Status(StatusCode::kInternal, "an award of an enterprise that is not stored: " + code);
        }
        const Row& e = enterprises[next];
        EnterpriseLedger ledger;
        ledger.enterprise = {e.Text(0),      e.Text(1),      e.Int(2) == 1, e.Int(3) == 1,
                             e.Int(4) == 1, e.Int(5) == 1, e.Text(6)};
        ledger.lines = std::move(lines);
        return each(ledger);
      });
}

nlohmann::ordered_json Store::HistoryOf(const std::vector<LedgerLine>& lines, int64_t year, int64_t deciding) {
  nlohmann::ordered_json history = nlohmann::ordered_json::array();
  for (const LedgerLine& l : lines) {
    // D-G7: the same year's awards of the enterprise's other applications
    // count too; a decision that is replaced gives back its own room.
    if (l.year > year || l.application_id == deciding || (deciding == kWholeYear && l.year == year)) continue;
    nlohmann::ordered_json line = {
        {"year", l.year}, {"measure", l.measure}, {"item", l.item}, {"amount", FenToMoneyString(l.net_fen)}};
    if (!l.project.empty()) line["project"] = l.project;
    if (!l.solution.empty()) line["solution"] = l.solution;
    if (!l.condition.empty()) line["condition"] = l.condition;
    for (const auto& [name, fen] : l.drawn) line["drawn"][name] = FenToMoneyString(fen);
    history.push_back(std::move(line));
  }
  return history;
}

Result<nlohmann::ordered_json> Store::History(const std::string& code, int64_t year, ScalingMemo* memo,
                                              int64_t deciding) {
  BURSAR_ASSIGN_OR_RETURN(std::vector<LedgerLine> lines, Ledger(code, year, memo));
  return HistoryOf(lines, year, deciding);
}

}  // namespace bursar::store
