// Synthetic populations of enterprises for batch evaluation and simulation.
//
// A population is N enterprises over Y consecutive programme years, one case
// (policy/CASES.md) per enterprise and year. The generator is a pure function
// of its spec: the case of enterprise e in year k depends only on (seed,
// first_year, e, k), not on N or Y, so a file is byte-identical for the same
// spec on every machine, a smaller population is a prefix of a larger one
// (per year), any slice can be regenerated alone, and nothing is held per
// enterprise while writing. One-off events (a first export, a major project,
// the start of a support period) start within the first five years.
//
// What it draws (docs/population-format.md lists every field):
//   - most enterprises small, a few very large: volumes are heavy-tailed, from
//     thousands of yuan up to about RMB 10^11 a year;
//   - applicant tags mixed around one primary role; about 6% of enterprises fail
//     an eligibility condition of D-G1 in some year;
//   - apply-free facts (listings and certificates growing year by year, a first
//     inclusion of data assets in financial statements, trades, filings, a first
//     compliant export and its route);
//   - claims for the discretionary measures 01, 02, 03, 06, 07, 08, 09, 10, 11,
//     often over consecutive years, with assessed amounts some of which exceed
//     the caps, project ids (some shared by two measures, D-G3) and support
//     already granted by national or municipal policy (D-G4).
// History is never generated: a simulator builds it by evaluating years in order.
//
// Thread-safety: a PopulationGenerator is immutable after construction;
// Generate may be called from many threads, each with its own output case.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace bursar::population {

struct PopulationSpec {
  uint64_t seed = 0;
  int64_t enterprises = 0;  // REQUIRES: 1 <= enterprises <= kMaxEnterprises
  int years = 1;            // REQUIRES: 1 <= years <= kMaxYears
  int first_year = 2025;
};

// Credit codes stay unique while the organisation-code body (6 characters of a
// 31-letter alphabet) can number the enterprises.
inline constexpr int64_t kMaxEnterprises = 887503681;  // 31^6
inline constexpr int kMaxYears = 50;

// The applicant tags of CASES.md, in its order; Case::tags is a bit set over it.
inline constexpr std::string_view kTagNames[] = {
    "designated_exchange_operator", "platform_operator", "data_vendor",   "professional_service_agency",
    "innovation_platform",          "industry_organization", "key_enterprise", "park_enterprise",
    "park_operator",                "scenario_builder",  "dataset_provider",
};
inline constexpr int kTagCount = sizeof(kTagNames) / sizeof(kTagNames[0]);

enum class ExportRoute { kNone, kSecurityAssessment, kStandardContract, kPiCertification };
// "security_assessment", ...; "" for kNone.
std::string_view ExportRouteName(ExportRoute route);

// Money is held in fen; kAbsent marks an optional claim amount that is not given.
inline constexpr int64_t kAbsent = -1;

struct Claim {
  std::string_view measure;  // "01" ... "11"
  std::string_view item;     // empty: the claim names no item (single-item measures)
  std::string project;       // empty: none
  int64_t assessed_fen = kAbsent;
  int64_t investment_fen = kAbsent;
  int64_t civil_construction_fen = kAbsent;
  int64_t external_support_fen = kAbsent;
};

// One enterprise in one year: a CASES.md input case with an empty history,
// plus its position in the population.
struct Case {
  int64_t enterprise = 0;  // 0-based, stable across years
  int year_index = 0;      // 0-based: year == spec.first_year + year_index
  int year = 0;

  std::string id;  // a valid unified social credit code, unique per enterprise
  std::string name;
  bool registered_in_chaoyang = false;
  bool taxed_in_chaoyang = false;
  bool independent_legal_person = false;
  bool serious_dishonesty_record = false;
  uint32_t tags = 0;  // bit i set: kTagNames[i]

  int64_t listed_data_products = 0;
  int64_t registration_certificates = 0;
  bool fs_inclusion_first_time = false;
  int64_t fs_inclusion_amount_fen = 0;
  int64_t exchange_trading_volume_fen = 0;
  int64_t filed_trading_volume_fen = 0;
  bool compliant_export_first_time = false;
  ExportRoute export_route = ExportRoute::kNone;
  bool platform_in_operation = false;

  std::vector<Claim> claims;
};

class PopulationGenerator {
 public:
  // REQUIRES: the spec's bounds above (checked by the caller; see ValidateSpec).
  explicit PopulationGenerator(const PopulationSpec& spec) : spec_(spec) {}

  // Fills *out with enterprise `enterprise` in year index `year_index`, reusing
  // its buffers. REQUIRES: 0 <= enterprise < spec.enterprises, 0 <= year_index < spec.years.
  void Generate(int64_t enterprise, int year_index, Case* out) const;

  const PopulationSpec& spec() const { return spec_; }

 private:
  PopulationSpec spec_;
};

// Empty when the spec is within bounds, else a message naming the option at fault.
std::string ValidateSpec(const PopulationSpec& spec);

// Money as the case format writes it: whole yuan without decimals ("4200000"),
// otherwise exactly two decimals ("12.30"). REQUIRES: fen >= 0.
void AppendMoney(int64_t fen, std::string* out);

// The case exactly as a CASES.md input, keys in the document's order,
// `history` present and empty.
nlohmann::ordered_json ToJson(const Case& c);

}  // namespace bursar::population
