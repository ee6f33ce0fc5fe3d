#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "case/uscc.h"
#include "money/exact.h"
#include "population/format.h"
#include "population/generator.h"
#include "population/prng.h"
#include "population/reader.h"
#include "population/writer.h"

namespace bursar::population {
namespace {

using nlohmann::json;

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("bursar_population_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &n, EVP_sha256(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

// Every case of a spec, in file order.
std::vector<Case> All(const PopulationSpec& spec) {
  PopulationGenerator g(spec);
  std::vector<Case> cases;
  for (int k = 0; k < spec.years; ++k) {
    for (int64_t e = 0; e < spec.enterprises; ++e) g.Generate(e, k, &cases.emplace_back());
  }
  return cases;
}

TEST(Prng, IsSplitMix64) {
  // The published first outputs of SplitMix64 seeded with 0: a change here
  // changes every population ever generated.
  Prng rng(0);
  EXPECT_EQ(rng.Next(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(rng.Next(), 0x6E789E6AA1B965F4ULL);
}

TEST(Prng, DrawsStayInRange) {
  Prng rng = Prng::For({1, 2, 3});
  for (int i = 0; i < 10000; ++i) {
    EXPECT_LT(rng.Below(7), 7u);
    int64_t b = rng.Between(-2, 3);
    EXPECT_GE(b, -2);
    EXPECT_LE(b, 3);
    int64_t v = rng.LogUniform(5, 13);
    EXPECT_GE(v, 100000);
    EXPECT_LT(v, 10000000000000LL);
  }
}

TEST(Generator, SameSeedSameBytesOtherSeedOtherBytes) {
  PopulationSpec spec{.seed = 42, .enterprises = 300, .years = 3};
  std::string a, b, c;
  for (const Case& x : All(spec)) AppendJsonLine(x, &a);
  for (const Case& x : All(spec)) AppendJsonLine(x, &b);
  spec.seed = 43;
  for (const Case& x : All(spec)) AppendJsonLine(x, &c);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Generator, ASmallerPopulationIsAPrefixOfALargerOne) {
  PopulationGenerator small({.seed = 8, .enterprises = 100, .years = 2});
  PopulationGenerator large({.seed = 8, .enterprises = 5000, .years = 7});
  Case a, b;
  for (int k = 0; k < 2; ++k) {
    for (int64_t e = 0; e < 100; ++e) {
      small.Generate(e, k, &a);
      large.Generate(e, k, &b);
      ASSERT_EQ(ToJson(a), ToJson(b)) << "enterprise " << e << " year " << k;
    }
  }
}

TEST(Generator, FileIsPinnedAcrossMachines) {
  // Integer-only generation makes the bytes independent of compiler and libc.
  // This digest changes only when the generator is changed on purpose: then
  // update it, and say so in the commit.
  std::string path = TempPath("pinned.jsonl");
  ASSERT_TRUE(WritePopulation({.seed = 2025, .enterprises = 500, .years = 3}, path).ok());
  EXPECT_EQ(Sha256Hex(ReadAll(path)), "19482c84bf91bd41656a4f083b611d44d24bcb89dc4813e815887395ba7dc03a");
  std::remove(path.c_str());
}

TEST(Generator, JsonLineIsTheCaseInCasesMdOrder) {
  for (const Case& c : All({.seed = 9, .enterprises = 400, .years = 2})) {
    std::string line;
    AppendJsonLine(c, &line);
    ASSERT_EQ(line, ToJson(c).dump() + "\n");
  }
  Case c;
  PopulationGenerator({.seed = 1, .enterprises = 1, .years = 1}).Generate(0, 0, &c);
  std::vector<std::string> keys;
  const nlohmann::ordered_json j = ToJson(c);
  for (auto& [key, value] : j.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"year", "applicant", "facts", "claims", "history"}));
}

TEST(Generator, CreditCodesAreValidUniqueAndStable) {
  PopulationSpec spec{.seed = 5, .enterprises = 2000, .years = 2};
  std::map<int64_t, std::string> id_of;
  std::set<std::string> ids;
  for (const Case& c : All(spec)) {
    std::string why;
    ASSERT_TRUE(IsValidUscc(c.id, &why)) << c.id << ": " << why;
    auto [it, inserted] = id_of.emplace(c.enterprise, c.id);
    if (inserted) {
      EXPECT_TRUE(ids.insert(c.id).second) << "duplicate " << c.id;
    } else {
      EXPECT_EQ(it->second, c.id) << "enterprise " << c.enterprise << " changed its code";
    }
    EXPECT_EQ(c.id.substr(2, 6) == "110105", c.registered_in_chaoyang) << c.id;
  }
}

TEST(Generator, MoneyStringsFollowTheCaseFormat) {
  std::string s;
  AppendMoney(0, &s);
  EXPECT_EQ(s, "0");
  s.clear();
  AppendMoney(420000000, &s);
  EXPECT_EQ(s, "4200000");
  s.clear();
  AppendMoney(123405, &s);
  EXPECT_EQ(s, "1234.05");
  s.clear();
  AppendMoney(10, &s);
  EXPECT_EQ(s, "0.10");
}

// What makes the population worth simulating: a heavy tail, ineligible
// applicants, claims above caps, multi-year claims, D-G3 and D-G4 material.
TEST(Generator, PopulationIsRealistic) {
  PopulationSpec spec{.seed = 77, .enterprises = 20000, .years = 4};
  std::vector<Case> cases = All(spec);
  std::vector<int64_t> volumes;
  int ineligible = 0, above_cap_03 = 0, shared_projects = 0, external = 0, first_fs = 0;
  std::set<std::string> measures;
  std::map<int64_t, int> fs_first_count, o6_years;
  std::map<int64_t, int64_t> listed_before;
  for (const Case& c : cases) {
    volumes.push_back(c.exchange_trading_volume_fen);
    if (!c.registered_in_chaoyang || !c.taxed_in_chaoyang || !c.independent_legal_person ||
        c.serious_dishonesty_record) {
      ++ineligible;
    }
    std::map<std::string, std::set<std::string_view>> measures_of_project;
    for (const Claim& claim : c.claims) {
      measures.insert(std::string(claim.measure));
      if (claim.measure == "03" && claim.assessed_fen > 500000000) ++above_cap_03;
      if (claim.external_support_fen != kAbsent) ++external;
      if (!claim.project.empty()) measures_of_project[claim.project].insert(claim.measure);
      if (claim.measure == "06") ++o6_years[c.enterprise];
    }
    for (auto& [project, ms] : measures_of_project) shared_projects += ms.size() > 1 ? 1 : 0;
    if (c.fs_inclusion_first_time) {
      ++first_fs;
      ++fs_first_count[c.enterprise];
    }
    // Cumulative counts never fall.
    auto [it, inserted] = listed_before.emplace(c.enterprise, c.listed_data_products);
    if (!inserted) {
      EXPECT_GE(c.listed_data_products, it->second);
      it->second = c.listed_data_products;
    }
  }
  std::sort(volumes.begin(), volumes.end());
  const int64_t kYuan = 100;
  EXPECT_LT(volumes[volumes.size() / 2], 10000000 * kYuan) << "the median enterprise is small";
  EXPECT_GT(volumes.back(), 1000000000 * kYuan) << "a few trade more than RMB 10^9";
  EXPECT_LE(volumes.back(), 100000000000 * kYuan) << "nobody beyond RMB 10^11";
  const int64_t total = static_cast<int64_t>(cases.size());
  EXPECT_GT(ineligible * 100, 2 * total) << "more than 2% ineligible";
  EXPECT_LT(ineligible * 100, 12 * total) << "fewer than 12% ineligible";
  EXPECT_EQ(measures, (std::set<std::string>{"01", "02", "03", "06", "07", "08", "09", "10", "11"}));
  EXPECT_GT(above_cap_03, 100);
  EXPECT_GT(shared_projects, 20);
  EXPECT_GT(external, 100);
  EXPECT_GT(first_fs, 100);
  for (auto& [e, n] : fs_first_count) EXPECT_EQ(n, 1) << "enterprise " << e << " included data assets first twice";
  int past_period = 0;
  for (auto& [e, n] : o6_years) past_period += n > 3 ? 1 : 0;
  EXPECT_GT(past_period, 10) << "some claim 06 beyond its three-year period";
}

TEST(Format, ChosenByExtension) {
  EXPECT_EQ(*FormatForPath("a/b.jsonl"), PopulationFormat::kJsonLines);
  EXPECT_EQ(*FormatForPath("b.csv"), PopulationFormat::kCsv);
  Result<PopulationFormat> bad = FormatForPath("b.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("b.json"), std::string::npos);
  EXPECT_NE(bad.status().message().find(".jsonl"), std::string::npos);
  EXPECT_FALSE(WritePopulation({.seed = 1, .enterprises = 1, .years = 1}, TempPath("x.txt")).ok());
}

// gen -> read gives back exactly the generated cases, in order, in both formats.
void ExpectRoundTrip(const std::string& extension) {
  PopulationSpec spec{.seed = 31337, .enterprises = 3000, .years = 3, .first_year = 2026};
  std::string path = TempPath("roundtrip" + extension);
  int64_t reported = 0;
  ASSERT_TRUE(WritePopulation(spec, path, [&](int64_t written, int64_t) { reported = written; }).ok());
  EXPECT_EQ(reported, spec.enterprises * spec.years);
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));

  auto reader = PopulationReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  if (extension == ".jsonl") {
    ASSERT_TRUE((*reader)->header().has_value());
    EXPECT_EQ((*reader)->header()->seed, "31337");
    EXPECT_EQ((*reader)->header()->enterprises, 3000);
    EXPECT_EQ((*reader)->header()->first_year, 2026);
  }
  PopulationGenerator g(spec);
  PopulationRecord record;
  Case c;
  int64_t n = 0;
  for (int k = 0; k < spec.years; ++k) {
    for (int64_t e = 0; e < spec.enterprises; ++e) {
      ASSERT_TRUE((*reader)->Next(&record)) << (*reader)->status().ToString();
      g.Generate(e, k, &c);
      ASSERT_EQ(record.case_json, json(ToJson(c))) << "enterprise " << e << " year " << k;
      // One record per line after the header line.
      ASSERT_EQ(record.line, n + 2);
      ++n;
    }
  }
  EXPECT_FALSE((*reader)->Next(&record));
  EXPECT_TRUE((*reader)->status().ok()) << (*reader)->status().ToString();
  std::remove(path.c_str());
}

TEST(Reader, RoundTripsJsonLines) { ExpectRoundTrip(".jsonl"); }
TEST(Reader, RoundTripsCsv) { ExpectRoundTrip(".csv"); }

Result<std::unique_ptr<PopulationReader>> ReaderOf(std::istringstream* in, PopulationFormat format) {
  return PopulationReader::FromStream(in, format, "pop");
}

// Reads to the end; the status message after.
std::string ErrorOf(const std::string& text, PopulationFormat format) {
  std::istringstream in(text);
  auto reader = ReaderOf(&in, format);
  if (!reader.ok()) return reader.status().ToString();
  PopulationRecord record;
  while ((*reader)->Next(&record)) {
  }
  return (*reader)->status().ToString();
}

TEST(Reader, CsvQuotingRoundTrips) {
  Case c;
  PopulationGenerator({.seed = 3, .enterprises = 10, .years = 1}).Generate(4, 0, &c);
  c.name = "A, \"quoted\"\nname";
  std::string text;
  AppendCsvHeader(&text);
  AppendCsvRow(c, &text);
  AppendCsvRow(c, &text);
  std::istringstream in(text);
  auto reader = ReaderOf(&in, PopulationFormat::kCsv);
  ASSERT_TRUE(reader.ok());
  PopulationRecord record;
  ASSERT_TRUE((*reader)->Next(&record)) << (*reader)->status().ToString();
  EXPECT_EQ(record.case_json, json(ToJson(c)));
  EXPECT_EQ(record.line, 2);
  ASSERT_TRUE((*reader)->Next(&record));
  EXPECT_EQ(record.line, 4) << "the first row spans lines 2 and 3";
}

TEST(Reader, CsvErrorsNameLineAndField) {
  std::string header = "year,id,exchange_trading_volume,platform_in_operation,claims\n";
  EXPECT_EQ(ErrorOf(header + "2025,X,12.5,true,[]\n2025,X,12.345,true,[]\n", PopulationFormat::kCsv).find(
                "pop:3: facts.exchange_trading_volume: expected a money string"),
            0u)
      << ErrorOf(header + "2025,X,12.5,true,[]\n2025,X,12.345,true,[]\n", PopulationFormat::kCsv);
  EXPECT_NE(ErrorOf(header + "2025,X,1,yes,[]\n", PopulationFormat::kCsv)
                .find("pop:2: facts.platform_in_operation: expected true or false"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "2025,X,1,true,{}\n", PopulationFormat::kCsv).find("pop:2: claims: expected a JSON array"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "2025,X,1,true\n", PopulationFormat::kCsv).find("expected 5 fields"), std::string::npos);
  EXPECT_NE(ErrorOf("year,id,colour\n", PopulationFormat::kCsv).find("unknown column \"colour\""), std::string::npos);
  EXPECT_NE(ErrorOf("id,name\n", PopulationFormat::kCsv).find("no column \"year\""), std::string::npos);
  EXPECT_NE(ErrorOf(header + "2026,X,1,true,[]\n2025,Y,1,true,[]\n", PopulationFormat::kCsv)
                .find("pop:3: year: year 2025 after year 2026: a population must be sorted by year"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "2025,\"X,1,true,[]\n", PopulationFormat::kCsv).find("pop:2: a quoted field"),
            std::string::npos);
}

TEST(Reader, CsvMissingColumnsAndCellsMeanAbsentFacts) {
  std::istringstream in("year,id,filed_trading_volume,fs_inclusion_first_time,export_route,tags\n2025,X,,,,\n");
  auto reader = ReaderOf(&in, PopulationFormat::kCsv);
  ASSERT_TRUE(reader.ok());
  PopulationRecord record;
  ASSERT_TRUE((*reader)->Next(&record)) << (*reader)->status().ToString();
  EXPECT_EQ(record.case_json, json::parse(R"({"year":2025,"applicant":{"id":"X","tags":[]},
      "facts":{"export_route":null},"claims":[],"history":[]})"));
}

TEST(Reader, JsonLinesErrorsNameTheLine) {
  EXPECT_NE(ErrorOf("{\"year\":2025}\n{\"year\":2025,\n", PopulationFormat::kJsonLines).find("pop:2: invalid JSON"),
            std::string::npos);
  EXPECT_NE(ErrorOf("{\"year\":2025}\n[1]\n", PopulationFormat::kJsonLines).find("pop:2: expected a JSON object"),
            std::string::npos);
  EXPECT_NE(ErrorOf("{\"year\":2025}\n\n{\"year\":2024}\n", PopulationFormat::kJsonLines)
                .find("pop:3: year: year 2024 after year 2025"),
            std::string::npos);
  EXPECT_NE(ErrorOf("{\"year\":\"2025\"}\n", PopulationFormat::kJsonLines).find("pop:1: year: expected an integer"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("{\"year\":2025}\n{\"year\":2026}\n", PopulationFormat::kJsonLines), "");
}

TEST(Reader, TextThatIsNotUtf8IsRejectedByLineAndField) {
  // "张三" saved as GBK, a lone continuation byte, and a truncated sequence.
  for (const std::string& bad : {std::string("\xD5\xC5\xC8\xFD"), std::string("A\x80"), std::string("\xE5\xBC")}) {
    SCOPED_TRACE(bad);
    const std::string csv = "year,id,name,claims\n2025,X,Fine Co.,[]\n2025,Y," + bad + ",[]\n";
    EXPECT_EQ(ErrorOf(csv, PopulationFormat::kCsv),
              "pop:3: applicant.name: not UTF-8 (is the file saved as GBK or another encoding? save it as UTF-8)");
    const std::string quoted = "year,id,name,claims\n2025,X,\"" + bad + ", Ltd\",[]\n";
    EXPECT_EQ(ErrorOf(quoted, PopulationFormat::kCsv).find("pop:2: applicant.name: not UTF-8"), 0u)
        << ErrorOf(quoted, PopulationFormat::kCsv);
    const std::string jsonl = "{\"year\":2025,\"applicant\":{\"id\":\"X\",\"name\":\"ok\"}}\n"
                              "{\"year\":2025,\"applicant\":{\"id\":\"Y\",\"name\":\"" + bad + "\"}}\n";
    EXPECT_EQ(ErrorOf(jsonl, PopulationFormat::kJsonLines).find("pop:2: applicant.name: not UTF-8 (is the file saved as GBK"),
              0u)
        << ErrorOf(jsonl, PopulationFormat::kJsonLines);
  }
  // Inside a claim, in CSV and JSON Lines; in a key; and outside any string.
  EXPECT_EQ(ErrorOf("year,id,claims\n2025,X,\"[{\"\"measure\"\":\"\"03\xFF\"\"}]\"\n", PopulationFormat::kCsv)
                .find("pop:2: claims: not UTF-8"),
            0u);
  EXPECT_EQ(ErrorOf("{\"year\":2025,\"claims\":[{\"measure\":\"03\"},{\"project\":\"P\xC0\xAF\"}]}\n",
                    PopulationFormat::kJsonLines)
                .find("pop:1: claims[1].project: not UTF-8"),
            0u)
      << ErrorOf("{\"year\":2025,\"claims\":[{\"measure\":\"03\"},{\"project\":\"P\xC0\xAF\"}]}\n",
                 PopulationFormat::kJsonLines);
  EXPECT_EQ(ErrorOf("{\"year\":2025,\"facts\":{\"na\xD5me\":1}}\n", PopulationFormat::kJsonLines)
                .find("pop:1: facts.na"),
            0u);
  EXPECT_EQ(ErrorOf("{\"year\":2025,\xD5\"x\":1}\n", PopulationFormat::kJsonLines)
                .find("pop:1: column 14: not UTF-8"),
            0u)
      << ErrorOf("{\"year\":2025,\xD5\"x\":1}\n", PopulationFormat::kJsonLines);
  // Well-formed UTF-8 (Chinese names, U+FFFD itself) is read as it is.
  EXPECT_EQ(ErrorOf("year,id,name\n2025,X,北京数据有限公司\xEF\xBF\xBD\n", PopulationFormat::kCsv), "");
  EXPECT_EQ(ErrorOf("{\"year\":2025,\"applicant\":{\"name\":\"北京数据\"}}\n", PopulationFormat::kJsonLines), "");
}

TEST(Reader, JsonLinesHeaderIsCheckedAndCountsTheCases) {
  std::string header;
  AppendJsonLinesHeader({.seed = 1, .enterprises = 2, .years = 1}, &header);
  EXPECT_EQ(ErrorOf(header + "{\"year\":2025}\n{\"year\":2025}\n", PopulationFormat::kJsonLines), "");
  EXPECT_NE(ErrorOf(header + "{\"year\":2025}\n", PopulationFormat::kJsonLines)
                .find("ends after 1 cases but its header promises 2"),
            std::string::npos);
  EXPECT_NE(ErrorOf("{\"bursar_population\":{\"version\":9}}\n", PopulationFormat::kJsonLines)
                .find("format version 9 is not supported"),
            std::string::npos);
  EXPECT_NE(ErrorOf("{\"year\":2025}\n" + header, PopulationFormat::kJsonLines).find("pop:2: a header record"),
            std::string::npos);
}

TEST(Reader, OpenReportsAMissingFile) {
  auto reader = PopulationReader::Open(TempPath("does-not-exist.csv"));
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace bursar::population
