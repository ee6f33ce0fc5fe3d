#include "simulation/store_year.h"

#include <unordered_map>
#include <utility>

#include "audit/recoveries_due.h"
#include "case/case.h"

namespace bursar::simulation {

Result<StoreYear> LoadStoreYear(store::Store& store, const CheckedPolicy& policy, int64_t year,
                                const std::string& programme) {
  BURSAR_ASSIGN_OR_RETURN(auto codes, store.EnterpriseCodes());
  BURSAR_ASSIGN_OR_RETURN(auto claims, store.ClaimsOfYear(year, programme));
  std::unordered_map<std::string, nlohmann::json> claims_of;
  for (auto& [code, claim] : claims) {
    auto& list = claims_of[code];
    if (!list.is_array()) list = nlohmann::json::array();
    list.push_back(std::move(claim));
  }
  // Every claim of the year is in its enterprise's one case, so the year's
  // awards already decided are left out of the history: they are what the
  // simulation recomputes (counted twice, a decided year would pay nothing).
  StoreYear out;
  out.columns.Reset(policy, static_cast<int>(year));
  BURSAR_RETURN_IF_ERROR(store.BuildCases(
      year, codes,
      [&](const std::string& code, nlohmann::ordered_json&& c) -> Status {
        auto claimed = claims_of.find(code);
        // Another programme judges only the enterprises it has figures of the
        // year or applications for (as a proposal run does).
        if (claimed == claims_of.end() && !audit::CaseStatesEnterprise(programme, c)) return OkStatus();
        if (claimed != claims_of.end()) c["claims"] = claimed->second;
        auto read = ReadCase(policy, nlohmann::json(c));
        if (!read.ok()) {
          out.refused.push_back({code, read.status()});
          return OkStatus();
        }
        out.columns.Append(policy, *read);
        out.names.push_back(c["applicant"].value("name", ""));
        return OkStatus();
      },
      nullptr, 1000, programme, store::Store::kWholeYear));
  return out;
}

}  // namespace bursar::simulation
