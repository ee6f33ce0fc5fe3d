#include "population/generator.h"

#include <algorithm>
#include <climits>

#include "case/uscc.h"
#include "population/prng.h"

namespace bursar::population {
namespace {

// Stream purposes: every draw comes from the stream of (seed, enterprise,
// [year,] purpose), so adding draws to one purpose never changes another.
enum Purpose : uint64_t { kProfile = 1, kFacts = 2, kClaims = 3, kRdProject = 4 };

constexpr int kNever = INT_MAX / 2;
// Events that start once (a first inclusion, a first export, a major project, a
// support period) start within this many years; later years carry them on.
constexpr int kHorizon = 5;
constexpr int64_t kYuan = 100;  // fen per yuan

enum Tag : uint32_t {
  kExchangeOperator = 1u << 0,
  kPlatformOperator = 1u << 1,
  kDataVendor = 1u << 2,
  kServiceAgency = 1u << 3,
  kInnovationPlatform = 1u << 4,
  kIndustryOrganization = 1u << 5,
  kKeyEnterprise = 1u << 6,
  kParkEnterprise = 1u << 7,
  kParkOperator = 1u << 8,
  kScenarioBuilder = 1u << 9,
  kDatasetProvider = 1u << 10,
};

// The enterprise's main line of business; it decides the primary tag and name.
enum class Role {
  kExchange,
  kOrdinary,
  kDataVendor,
  kServiceAgency,
  kPlatformOperator,
  kInnovationPlatform,
  kIndustryOrganization,
  kParkOperator,
  kScenarioBuilder,
  kDatasetProvider,
};

// Everything about an enterprise that holds for all years, drawn once from its
// profile stream. Year-index fields say when something happens (kNever: not
// within reach).
struct Profile {
  Role role = Role::kOrdinary;
  int size = 0;  // 0 micro, 1 small, 2 medium, 3 large, 4 giant
  uint32_t tags = 0;
  bool registered = true;
  bool taxed = true;
  bool legal_person = true;
  int dishonest_from = kNever;
  int dishonest_to = kNever;  // inclusive
  int fs_year = kNever;
  int64_t fs_amount_fen = 0;
  int export_year = kNever;
  ExportRoute export_route = ExportRoute::kNone;
  int export_again_year = kNever;  // a second "first time" report, with another route
  ExportRoute export_again_route = ExportRoute::kNone;
  int platform_from = kNever;
  int start06 = kNever;
  int start07 = kNever;
  int end07 = kNever;  // exclusive
  int start08 = kNever;
};

// Credit codes: registration authority and kind (91 enterprise, 12 public
// institution, 51 social organisation), then the administrative division.
constexpr std::string_view kChaoyang = "110105";
constexpr std::string_view kOtherDivisions[] = {"110101", "110102", "110108", "110114", "310115", "440305"};
constexpr std::string_view kCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// Names: 北京 + two syllables + a business that matches the role.
constexpr std::string_view kNameA[] = {"数", "智", "云", "链", "图", "灵", "星", "海", "启", "汇",
                                       "博", "睿", "新", "华", "中", "恒"};
constexpr std::string_view kNameB[] = {"联", "通", "信", "达", "元", "科", "川", "晟", "安", "泽",
                                       "拓", "衡", "源", "和", "远", "融"};
constexpr std::string_view kOrdinaryBusiness[] = {"科技有限公司", "信息技术有限公司", "网络科技有限公司",
                                                  "智能科技有限公司", "软件股份有限公司"};

std::string_view Business(Role role, uint64_t pick) {
  switch (role) {
    case Role::kExchange: return "";
    case Role::kDataVendor: return pick % 2 ? "数据科技有限公司" : "数据服务股份有限公司";
    case Role::kServiceAgency: return pick % 2 ? "数据资产评估有限公司" : "数据合规咨询有限公司";
    case Role::kPlatformOperator: return "数据基础设施运营有限公司";
    case Role::kInnovationPlatform: return pick % 2 ? "数据要素创新研究院" : "数据技术创新中心";
    case Role::kIndustryOrganization: return "数据产业促进会";
    case Role::kParkOperator: return "数据产业园运营管理有限公司";
    case Role::kScenarioBuilder: return "城市数字化建设有限公司";
    case Role::kDatasetProvider: return "语料数据有限公司";
    case Role::kOrdinary: break;
  }
  return kOrdinaryBusiness[pick % std::size(kOrdinaryBusiness)];
}

// GB 11714 organisation-code check character over 8 body characters.
char OrganisationCheck(std::string_view body8) {
  constexpr int kWeights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 8; ++i) {
    char ch = body8[i];
    int v = ch <= '9' ? ch - '0' : ch - 'A' + 10;
    sum += v * kWeights[i];
  }
  int c = 11 - sum % 11;
  if (c == 10) return 'X';
  if (c == 11) return '0';
  return static_cast<char>('0' + c);
}

// 18 characters: kind (2), division (6), organisation code (9: "MA", a 6-char
// body unique per enterprise, GB 11714 check), GB 32100 check.
void MakeCreditCode(const PopulationSpec& spec, int64_t enterprise, std::string_view kind,
                    std::string_view division, std::string* out) {
  // Scramble the index bijectively over [0, 31^6): any multiplier coprime to 31
  // (here 3^18) permutes the residues, and the seed shifts the start. The
  // product stays below 2^59 for every allowed index.
  constexpr uint64_t kBody = static_cast<uint64_t>(kMaxEnterprises);
  uint64_t v = (static_cast<uint64_t>(enterprise) * 387420489u + spec.seed % kBody) % kBody;
  char body[6];
  for (int i = 5; i >= 0; --i) {
    body[i] = kCodeAlphabet[v % 31];
    v /= 31;
  }
  out->clear();
  out->append(kind);
  out->append(division);
  out->append("MA");
  out->append(body, 6);
  out->push_back(OrganisationCheck(std::string_view(*out).substr(8, 8)));
  out->push_back(UsccCheckCharacter(*out));
}

ExportRoute RouteFrom(uint64_t pick) { return static_cast<ExportRoute>(1 + pick % 3); }

Profile MakeProfile(const PopulationSpec& spec, int64_t enterprise) {
  Prng rng = Prng::For({spec.seed, static_cast<uint64_t>(enterprise), kProfile});
  // Start years are drawn over a fixed horizon, not over spec.years, so that a
  // population's first years do not depend on how many years it has.
  const int years = kHorizon;
  Profile p;
  if (enterprise == 0) {
    // The designated exchange (D-01) is one enterprise: the first.
    p.role = Role::kExchange;
    p.size = 4;
    p.tags = kExchangeOperator;
    return p;
  }
  uint64_t u = rng.Below(1000);
  p.size = u < 600 ? 0 : u < 850 ? 1 : u < 960 ? 2 : u < 995 ? 3 : 4;

  u = rng.Below(1000);
  struct RoleShare {
    uint64_t below;
    Role role;
    uint32_t tag;
  };
  static constexpr RoleShare kRoles[] = {
      {180, Role::kDataVendor, kDataVendor},
      {240, Role::kServiceAgency, kServiceAgency},
      {270, Role::kPlatformOperator, kPlatformOperator},
      {290, Role::kInnovationPlatform, kInnovationPlatform},
      {300, Role::kIndustryOrganization, kIndustryOrganization},
      {306, Role::kParkOperator, kParkOperator},
      {376, Role::kScenarioBuilder, kScenarioBuilder},
      {466, Role::kDatasetProvider, kDatasetProvider},
  };
  for (const RoleShare& r : kRoles) {
    if (u < r.below) {
      p.role = r.role;
      p.tags = r.tag;
      break;
    }
  }
  // Secondary tags: large enterprises are more often key enterprises.
  static constexpr uint64_t kKeyPerMille[5] = {5, 15, 60, 200, 500};
  if (rng.PerMille(kKeyPerMille[p.size])) p.tags |= kKeyEnterprise;
  if (rng.PerMille(80)) p.tags |= kParkEnterprise;
  if (rng.PerMille(50)) p.tags |= kDatasetProvider;
  if (rng.PerMille(40)) p.tags |= kScenarioBuilder;
  if (rng.PerMille(40)) p.tags |= kDataVendor;

  // D-G1: about 6% of enterprises fail a condition at some point.
  p.registered = rng.PerMille(975);
  p.taxed = rng.PerMille(p.registered ? 985 : 300);
  p.legal_person = rng.PerMille(992);
  if (rng.PerMille(20)) {
    p.dishonest_from = static_cast<int>(rng.Below(static_cast<uint64_t>(years)));
    p.dishonest_to = p.dishonest_from + static_cast<int>(rng.Below(3));
  }

  // A first inclusion of data assets in the financial statements (D-04a), now
  // or in a later year; exactly RMB 500,000 and a fen above it both occur.
  static constexpr uint64_t kFsPerMille[5] = {60, 120, 250, 400, 500};
  if (rng.PerMille(kFsPerMille[p.size])) {
    p.fs_year = static_cast<int>(rng.Below(static_cast<uint64_t>(years) + 2));
    u = rng.Below(1000);
    p.fs_amount_fen = u < 30   ? 500000 * kYuan
                      : u < 50 ? 500000 * kYuan + 1
                               : rng.LogUniform(6, 8 + p.size / 2 + 1) / kYuan * kYuan;
  }
  // A first compliant export (D-05); a few report a "first" export twice.
  if (rng.PerMille(p.size >= 2 ? 150 : 50)) {
    p.export_year = static_cast<int>(rng.Below(static_cast<uint64_t>(years) + 2));
    p.export_route = RouteFrom(rng.Next());
    if (rng.PerMille(50)) {
      p.export_again_year = p.export_year + 1 + static_cast<int>(rng.Below(2));
      p.export_again_route = RouteFrom(static_cast<uint64_t>(p.export_route) + rng.Below(2));
    }
  }
  if (p.tags & kPlatformOperator) {
    p.platform_from = static_cast<int>(rng.Between(-2, years));
  } else if (rng.PerMille(10)) {
    p.platform_from = static_cast<int>(rng.Between(0, years));
  }
  if (p.tags & (kInnovationPlatform | kIndustryOrganization)) {
    p.start06 = static_cast<int>(rng.Below(static_cast<uint64_t>(years)));
  }
  static constexpr uint64_t kMajorPerMille[5] = {10, 15, 40, 100, 150};
  if (rng.PerMille((p.tags & kKeyEnterprise) ? 400 : kMajorPerMille[p.size])) {
    p.start07 = static_cast<int>(rng.Below(static_cast<uint64_t>(years)));
    p.end07 = p.start07 + static_cast<int>(rng.Between(2, 6));
  }
  if (p.tags & kParkEnterprise) p.start08 = static_cast<int>(rng.Below(static_cast<uint64_t>(years)));
  return p;
}

void FillApplicant(const PopulationSpec& spec, int64_t enterprise, const Profile& p, int year_index, Case* c) {
  Prng rng = Prng::For({spec.seed, static_cast<uint64_t>(enterprise), kProfile, 0xA});
  std::string_view kind = "91";
  if (p.role == Role::kIndustryOrganization) kind = "51";
  if (p.role == Role::kInnovationPlatform && rng.PerMille(400)) kind = "12";
  std::string_view division =
      p.registered ? kChaoyang : kOtherDivisions[rng.Below(std::size(kOtherDivisions))];
  MakeCreditCode(spec, enterprise, kind, division, &c->id);

  c->name.clear();
  if (p.role == Role::kExchange) {
    c->name = "北京国际大数据交易所有限责任公司";
  } else {
    c->name.append("北京");
    c->name.append(kNameA[rng.Below(std::size(kNameA))]);
    c->name.append(kNameB[rng.Below(std::size(kNameB))]);
    c->name.append(Business(p.role, rng.Next()));
  }
  c->registered_in_chaoyang = p.registered;
  c->taxed_in_chaoyang = p.taxed;
  c->independent_legal_person = p.legal_person;
  c->serious_dishonesty_record = year_index >= p.dishonest_from && year_index <= p.dishonest_to;
  c->tags = p.tags;
}

// A volume in fen for an enterprise of `size`, heavy-tailed: giants reach
// RMB 10^11 a year.
int64_t Volume(Prng& rng, int size) {
  static constexpr int kDecades[5][2] = {{5, 7}, {7, 9}, {9, 10}, {10, 11}, {11, 13}};
  int s = size;
  uint64_t drift = rng.Below(10);  // a year a size class off, now and then
  if (drift == 0 && s > 0) --s;
  if (drift == 1 && s < 4) ++s;
  return rng.LogUniform(kDecades[s][0], kDecades[s][1]);
}

// Counts are cumulative, so year k's facts need years 0..k; volumes and flags
// are the year's own.
void FillFacts(const PopulationSpec& spec, int64_t enterprise, const Profile& p, int year_index, Case* c) {
  static constexpr int64_t kListedStart[5] = {8, 25, 70, 200, 900};
  static constexpr int64_t kListedGrowth[5] = {4, 10, 20, 60, 150};
  int64_t listed = 0;
  int64_t certificates = 0;
  for (int j = 0; j <= year_index; ++j) {
    Prng rng = Prng::For({spec.seed, static_cast<uint64_t>(enterprise), static_cast<uint64_t>(j), kFacts});
    if (j == 0) {
      listed = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(kListedStart[p.size])));
      uint64_t u = rng.Below(1000);
      certificates = u < 700 ? 0 : u < 900 ? rng.Between(1, 3) : rng.Between(2, 4 + 2 * p.size);
    } else {
      listed += static_cast<int64_t>(rng.Below(static_cast<uint64_t>(kListedGrowth[p.size])));
      if (rng.PerMille(250)) certificates += rng.Between(1, 2);
    }
    if (j != year_index) continue;
    // Only the asked year's volumes are drawn (after the counts, same stream).
    static constexpr uint64_t kTradesPerMille[5] = {500, 700, 900, 950, 1000};
    c->exchange_trading_volume_fen = rng.PerMille(kTradesPerMille[p.size]) ? Volume(rng, p.size) : 0;
    c->filed_trading_volume_fen = rng.PerMille(400) ? Volume(rng, std::max(0, p.size - 1)) : 0;
    // The book value of data assets moves after the first inclusion.
    c->fs_inclusion_first_time = j == p.fs_year;
    c->fs_inclusion_amount_fen =
        j < p.fs_year ? 0 : j == p.fs_year ? p.fs_amount_fen : p.fs_amount_fen / 100 * rng.Between(70, 160);
  }
  c->listed_data_products = listed;
  c->registration_certificates = certificates;
  c->compliant_export_first_time = year_index == p.export_year || year_index == p.export_again_year;
  c->export_route = year_index >= p.export_again_year ? p.export_again_route
                    : year_index >= p.export_year     ? p.export_route
                                                      : ExportRoute::kNone;
  c->platform_in_operation = year_index >= p.platform_from;
}

// A review's assessed amount for a measure capped at `cap_fen` a year or per
// project: mostly within the cap, 15% above it, a few exactly at it; usually a
// round number of thousands of yuan.
int64_t Assessed(Prng& rng, int64_t cap_fen) {
  uint64_t u = rng.Below(1000);
  int64_t v;
  if (u < 30) return cap_fen;
  if (u < 180) {
    v = cap_fen + rng.Between(1, cap_fen / 2);
  } else if (u < 600) {
    v = rng.Between(cap_fen / 20, cap_fen);
  } else {
    v = rng.Between(cap_fen / 100, cap_fen / 5);
  }
  u = rng.Below(100);
  if (u < 85) return std::max<int64_t>(1000 * kYuan, v / (1000 * kYuan) * (1000 * kYuan));
  if (u < 95) return std::max<int64_t>(10000 * kYuan, v / (10000 * kYuan) * (10000 * kYuan));
  return v;
}

// Support already given by national or municipal policy (D-G4), relative to a
// district amount: from a tenth of it to one and a half times it.
int64_t ExternalSupport(Prng& rng, int64_t district_fen) {
  return std::max<int64_t>(1000 * kYuan, district_fen / 100 * rng.Between(10, 150) / (1000 * kYuan) * (1000 * kYuan));
}

std::string ProjectId(char prefix, int64_t enterprise, std::string_view measure, int year, int n) {
  std::string id(1, prefix);
  id += std::to_string(enterprise);
  if (!measure.empty()) {
    id += '-';
    id += measure;
  }
  if (year > 0) {
    id += '-';
    id += std::to_string(year);
  }
  if (n > 0) {
    id += '-';
    id += std::to_string(n);
  }
  return id;
}

// Whether the enterprise starts a key R&D project (09) in year j: its own
// stream, so the next year can re-claim the same project without redrawing
// the whole year.
bool StartsRdProject(const PopulationSpec& spec, int64_t enterprise, const Profile& p, int j) {
  if (j < 0) return false;
  Prng rng = Prng::For({spec.seed, static_cast<uint64_t>(enterprise), static_cast<uint64_t>(j), kRdProject});
  uint64_t per_mille = (p.tags & kInnovationPlatform) ? 150 : (p.tags & (kDataVendor | kKeyEnterprise)) ? 50 : 10;
  return rng.PerMille(per_mille);
}

Claim& AddClaim(Case* c, std::string_view measure, std::string_view item) {
  Claim& claim = c->claims.emplace_back();
  claim.measure = measure;
  claim.item = item;
  return claim;
}

void AddScenario(Prng& rng, Case* c, std::string project) {
  Claim& claim = AddClaim(c, "11", "scenario");
  claim.project = std::move(project);
  int64_t investment = rng.LogUniform(7, 10);  // RMB 100,000 to 100,000,000
  if (rng.PerMille(800)) investment = investment / kYuan * kYuan;
  claim.investment_fen = investment;
  claim.civil_construction_fen = rng.PerMille(500) ? 0 : investment / 100 * rng.Between(1, 60);
  if (rng.PerMille(120)) {
    int64_t district = std::min<int64_t>((investment - claim.civil_construction_fen) / 10 * 3, 5000000 * kYuan);
    claim.external_support_fen = ExternalSupport(rng, district);
  }
}

void FillClaims(const PopulationSpec& spec, int64_t enterprise, const Profile& p, int k, Case* c) {
  c->claims.clear();
  Prng rng = Prng::For({spec.seed, static_cast<uint64_t>(enterprise), static_cast<uint64_t>(k), kClaims});
  const uint32_t tags = p.tags;
  const int year = c->year;

  if (tags & kExchangeOperator) AddClaim(c, "01", "").assessed_fen = Assessed(rng, 50000000 * kYuan);

  // 02: mostly while the platform runs; a few claim before it does.
  if ((tags & kPlatformOperator) && rng.PerMille(c->platform_in_operation ? 850 : 100)) {
    AddClaim(c, "02", "").assessed_fen = Assessed(rng, 10000000 * kYuan);
  }
  // Off-tag claims (about 1%) exercise the tag conditions.
  if (rng.PerMille((tags & (kDataVendor | kServiceAgency)) ? 500 : 10)) {
    AddClaim(c, "03", "").assessed_fen = Assessed(rng, 5000000 * kYuan);
  }
  // 06 and 08 run for consecutive years from their start, with the odd gap,
  // so support periods of three years are exceeded.
  if (k >= p.start06 ? rng.PerMille(900) : rng.PerMille(5)) {
    AddClaim(c, "06", "").assessed_fen = Assessed(rng, 10000000 * kYuan);
  }
  bool major_project = k >= p.start07 && k < p.end07;
  if (major_project && rng.PerMille(950)) {
    Claim& claim = AddClaim(c, "07", "");
    claim.project = ProjectId('P', enterprise, "07", 0, 0);
    claim.assessed_fen = Assessed(rng, ((tags & kKeyEnterprise) ? 20000000 : 10000000) * kYuan);
    if (rng.PerMille(120)) claim.external_support_fen = ExternalSupport(rng, claim.assessed_fen);
  }
  if (k >= p.start08 ? rng.PerMille(850) : rng.PerMille(5)) {
    AddClaim(c, "08", "park_enterprise").assessed_fen = Assessed(rng, 5000000 * kYuan);
  }
  if ((tags & kParkOperator) && rng.PerMille(800)) {
    AddClaim(c, "08", "park_operator").assessed_fen = Assessed(rng, 10000000 * kYuan);
  }
  // 09: a new project this year, and now and then last year's project again
  // (support is once per project).
  bool new_rd = StartsRdProject(spec, enterprise, p, k);
  if (StartsRdProject(spec, enterprise, p, k - 1) && rng.PerMille(100)) {
    Claim& claim = AddClaim(c, "09", "rd_project");
    claim.project = ProjectId('P', enterprise, "09", year - 1, 0);
    claim.assessed_fen = Assessed(rng, 10000000 * kYuan);
  }
  if (new_rd) {
    Claim& claim = AddClaim(c, "09", "rd_project");
    claim.project = ProjectId('P', enterprise, "09", year, 0);
    claim.assessed_fen = Assessed(rng, 10000000 * kYuan);
    if (rng.PerMille(200)) claim.external_support_fen = ExternalSupport(rng, claim.assessed_fen);
  }
  // 10: capped per applicant per year, so some file two datasets.
  if (rng.PerMille((tags & kDatasetProvider) ? 450 : 10)) {
    int n = rng.PerMille(200) ? 2 : 1;
    for (int i = 0; i < n; ++i) AddClaim(c, "10", "dataset").assessed_fen = Assessed(rng, 2000000 * kYuan);
  }
  // 11: scenario projects; the same project as a 09 or 07 claim now and then (D-G3).
  if (rng.PerMille((tags & kScenarioBuilder) ? 600 : 20)) {
    int n = 1 + static_cast<int>(rng.Below(3));
    for (int i = 1; i <= n; ++i) AddScenario(rng, c, ProjectId('P', enterprise, "11", year, i));
  }
  if (new_rd && rng.PerMille(200)) AddScenario(rng, c, ProjectId('P', enterprise, "09", year, 0));
  if (major_project && rng.PerMille(100)) AddScenario(rng, c, ProjectId('P', enterprise, "07", 0, 0));
  if (rng.PerMille((tags & (kScenarioBuilder | kDataVendor)) ? 100 : 5)) {
    Claim& claim = AddClaim(c, "11", "benchmark");
    claim.project = ProjectId('S', enterprise, "", year, 0);
    claim.assessed_fen = Assessed(rng, 500000 * kYuan);
  }
}

}  // namespace

std::string_view ExportRouteName(ExportRoute route) {
  switch (route) {
    case ExportRoute::kNone: return "";
    case ExportRoute::kSecurityAssessment: return "security_assessment";
    case ExportRoute::kStandardContract: return "standard_contract";
    case ExportRoute::kPiCertification: return "pi_certification";
  }
  return "";
}

std::string ValidateSpec(const PopulationSpec& spec) {
  if (spec.enterprises < 1 || spec.enterprises > kMaxEnterprises) {
    return "--enterprises must be between 1 and " + std::to_string(kMaxEnterprises);
  }
  if (spec.years < 1 || spec.years > kMaxYears) {
    return "--years must be between 1 and " + std::to_string(kMaxYears);
  }
  if (spec.first_year < 1900 || spec.first_year + spec.years - 1 > 9999) {
    return "--first-year must be a four-digit year, and so must the last year";
  }
  return {};
}

void PopulationGenerator::Generate(int64_t enterprise, int year_index, Case* out) const {
  Profile p = MakeProfile(spec_, enterprise);
  out->enterprise = enterprise;
  out->year_index = year_index;
  out->year = spec_.first_year + year_index;
  FillApplicant(spec_, enterprise, p, year_index, out);
  FillFacts(spec_, enterprise, p, year_index, out);
  FillClaims(spec_, enterprise, p, year_index, out);
}

void AppendMoney(int64_t fen, std::string* out) {
  char buf[24];
  char* end = buf + sizeof(buf);
  char* p = end;
  int64_t yuan = fen / kYuan;
  int64_t cents = fen % kYuan;
  if (cents != 0) {
    *--p = static_cast<char>('0' + cents % 10);
    *--p = static_cast<char>('0' + cents / 10);
    *--p = '.';
  }
  do {
    *--p = static_cast<char>('0' + yuan % 10);
    yuan /= 10;
  } while (yuan > 0);
  out->append(p, static_cast<size_t>(end - p));
}

nlohmann::ordered_json ToJson(const Case& c) {
  auto money = [](int64_t fen) {
    std::string s;
    AppendMoney(fen, &s);
    return s;
  };
  nlohmann::ordered_json tags = nlohmann::ordered_json::array();
  for (int i = 0; i < kTagCount; ++i) {
    if (c.tags & (1u << i)) tags.push_back(std::string(kTagNames[i]));
  }
  nlohmann::ordered_json claims = nlohmann::ordered_json::array();
  for (const Claim& claim : c.claims) {
    nlohmann::ordered_json j;
    j["measure"] = std::string(claim.measure);
    if (!claim.item.empty()) j["item"] = std::string(claim.item);
    if (!claim.project.empty()) j["project"] = claim.project;
    if (claim.assessed_fen != kAbsent) j["assessed"] = money(claim.assessed_fen);
    if (claim.investment_fen != kAbsent) j["investment"] = money(claim.investment_fen);
    if (claim.civil_construction_fen != kAbsent) j["civil_construction"] = money(claim.civil_construction_fen);
    if (claim.external_support_fen != kAbsent) j["external_support"] = money(claim.external_support_fen);
    claims.push_back(std::move(j));
  }
  nlohmann::ordered_json j;
  j["year"] = c.year;
  j["applicant"] = {
      {"id", c.id},
      {"name", c.name},
      {"registered_in_chaoyang", c.registered_in_chaoyang},
      {"taxed_in_chaoyang", c.taxed_in_chaoyang},
      {"independent_legal_person", c.independent_legal_person},
      {"serious_dishonesty_record", c.serious_dishonesty_record},
      {"tags", std::move(tags)},
  };
  nlohmann::ordered_json route = nullptr;
  if (c.export_route != ExportRoute::kNone) route = std::string(ExportRouteName(c.export_route));
  j["facts"] = {
      {"listed_data_products", c.listed_data_products},
      {"registration_certificates", c.registration_certificates},
      {"fs_inclusion_first_time", c.fs_inclusion_first_time},
      {"fs_inclusion_amount", money(c.fs_inclusion_amount_fen)},
      {"exchange_trading_volume", money(c.exchange_trading_volume_fen)},
      {"filed_trading_volume", money(c.filed_trading_volume_fen)},
      {"compliant_export_first_time", c.compliant_export_first_time},
      {"export_route", std::move(route)},
      {"platform_in_operation", c.platform_in_operation},
  };
  j["claims"] = std::move(claims);
  j["history"] = nlohmann::ordered_json::array();
  return j;
}

}  // namespace bursar::population
