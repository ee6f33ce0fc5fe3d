#include "audit/declarations.h"

namespace bursar::audit {

nlohmann::ordered_json DeclarationsJson(const std::vector<store::Store::DeclaredOfficial>& rows, int64_t unchecked) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& d : rows) {
    list.push_back({{"table", d.table},
                    {"credit_code", d.credit_code},
                    {"policy", d.policy},
                    {"year", d.year},
                    {"field", d.field},
                    {"key", d.key},
                    {"verified_by", d.verified_by.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(d.verified_by)},
                    {"decisions", d.decisions}});
  }
  return {{"declarations", std::move(list)}, {"unchecked", unchecked}};
}

std::string DeclarationText(const store::Store::DeclaredOfficial& d) {
  std::string decisions;
  for (int64_t id : d.decisions) decisions += (decisions.empty() ? "" : ", ") + std::to_string(id);
  return d.table + " " + d.key + ": declared by the enterprise" +
         (d.verified_by.empty() ? std::string(" (not verified)") : ", verified by " + d.verified_by) +
         ", but only an authority states " + d.field + "; decisions in force of " + std::to_string(d.year) + ": " +
         (decisions.empty() ? "none" : decisions);
}

}  // namespace bursar::audit
