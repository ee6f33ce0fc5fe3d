#include "audit/recoveries_due.h"

#include "money/exact.h"

namespace bursar::audit {

bool CaseStatesEnterprise(const std::string& programme, const nlohmann::ordered_json& kase) {
  if (programme.empty()) return true;
  // The applicant's credit code is always there; anything more is a figure.
  const auto applicant = kase.find("applicant");
  const auto facts = kase.find("facts");
  return (applicant != kase.end() && applicant->size() > 1) || (facts != kase.end() && !facts->empty());
}

Result<nlohmann::ordered_json> DueRecovery(store::Store& store, int64_t year, const std::string& programme,
                                           const std::string& credit_code, const nlohmann::json& recovery) {
  const std::string measure = recovery.value("measure", "");
  const std::string item = recovery.value("item", "");
  BURSAR_ASSIGN_OR_RETURN(auto ledger, store.Ledger(credit_code, year - 1, nullptr, programme));
  nlohmann::ordered_json apps = nlohmann::ordered_json::array();
  for (const store::LedgerLine& l : ledger) {
    if (l.measure != measure || l.item != item || l.net_fen <= 0) continue;
    apps.push_back({{"application", l.application_id}, {"year", l.year}, {"amount", FenToMoneyString(l.net_fen)}});
  }
  return nlohmann::ordered_json{{"enterprise", credit_code},
                                {"measure", measure},
                                {"item", item},
                                {"amount", recovery.value("amount", "")},
                                {"clause", recovery.value("clause", "")},
                                {"decision", recovery.value("decision", "")},
                                {"why", recovery.value("why", "")},
                                {"why_zh", recovery.value("why_zh", "")},
                                {"applications", std::move(apps)}};
}

std::string DueRecoveryText(const nlohmann::ordered_json& due) {
  std::string held;
  for (const auto& a : due["applications"]) {
    held += (held.empty() ? "" : ", ") + std::string("application ") + std::to_string(a["application"].get<int64_t>()) +
            " (" + std::to_string(a["year"].get<int64_t>()) + ", " + a["amount"].get<std::string>() + ")";
  }
  return "recovery due: " + due["enterprise"].get<std::string>() + ": measure " + due["measure"].get<std::string>() +
         " " + due["item"].get<std::string>() + " " + due["amount"].get<std::string>() + " (" +
         due["clause"].get<std::string>() + " " + due["decision"].get<std::string>() + "): " + held;
}

}  // namespace bursar::audit
