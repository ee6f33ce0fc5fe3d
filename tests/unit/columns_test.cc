// The fast CSV loader (population/columns.h) builds exactly the columns that
// PopulationReader + ReadCase + CaseColumns::Append build, and every error is
// the reference path's, with its file and line.
#include "population/columns.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "eval/engine.h"
#include "population/writer.h"
#include "test_sizes.h"

namespace bursar::population {
namespace {

const std::string kPolicy = std::string(BURSAR_SOURCE_DIR) + "/policies/chaoyang-data-element";

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("bursar_columns_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

void WriteAll(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::shared_ptr<const Engine> LoadEngine() {
  auto engine = Engine::Load(kPolicy);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return *engine;
}

template <typename T>
std::vector<T> Padded(std::vector<T> column, size_t rows) {
  column.resize(rows, -1);
  return column;
}

void ExpectSameColumns(const LoadedPopulation& a, const LoadedPopulation& b) {
  ASSERT_EQ(a.years.size(), b.years.size());
  for (size_t y = 0; y < a.years.size(); ++y) {
    const CaseColumns& x = a.years[y].columns;
    const CaseColumns& z = b.years[y].columns;
    SCOPED_TRACE("year " + std::to_string(x.year));
    EXPECT_EQ(a.years[y].line, b.years[y].line);
    EXPECT_EQ(x.year, z.year);
    EXPECT_EQ(x.applicant_id, z.applicant_id);
    EXPECT_EQ(x.applicant, z.applicant);
    EXPECT_EQ(x.tags, z.tags);
    EXPECT_EQ(x.facts, z.facts);
    EXPECT_EQ(x.claim_case, z.claim_case);
    EXPECT_EQ(x.claim_measure, z.claim_measure);
    EXPECT_EQ(x.claim_item, z.claim_item);
    EXPECT_EQ(x.claim_index, z.claim_index);
    EXPECT_EQ(x.claim_fields, z.claim_fields);
    EXPECT_EQ(x.claim_project, z.claim_project);
    EXPECT_EQ(x.history_case, z.history_case);
    EXPECT_EQ(x.history_year, z.history_year);
    EXPECT_EQ(x.history_measure, z.history_measure);
    EXPECT_EQ(x.history_item, z.history_item);
    EXPECT_EQ(x.history_amount, z.history_amount);
    EXPECT_EQ(x.history_project, z.history_project);
    // Solutions and conditions may be left short (batch.h): compared as the evaluator reads them.
    EXPECT_EQ(Padded(x.claim_solution, x.claim_case.size()), Padded(z.claim_solution, z.claim_case.size()));
    EXPECT_EQ(Padded(x.history_solution, x.history_case.size()), Padded(z.history_solution, z.history_case.size()));
    EXPECT_EQ(Padded(x.history_condition, x.history_case.size()),
              Padded(z.history_condition, z.history_case.size()));
    EXPECT_EQ(x.projects, z.projects);
  }
}

// Loads `path` both ways; expects the fast path to have been taken when `fast`.
void ExpectBothPathsAgree(const std::string& path, bool fast, const ColumnsOptions& options = {}) {
  auto engine = LoadEngine();
  auto quick = LoadColumns(engine->policy(), path, options);
  ASSERT_TRUE(quick.ok()) << quick.status().ToString();
  EXPECT_EQ(quick->fast_path, fast) << path;
  auto reference = LoadColumnsByReader(engine->policy(), path, options);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  EXPECT_FALSE(reference->fast_path);
  ExpectSameColumns(*quick, *reference);
}

TEST(Columns, FastPathEqualsReferenceOnGeneratedCsvAndJsonLines) {
  PopulationSpec spec{.seed = 99, .enterprises = bursar::testing::Sized(3000), .years = 3};
  std::string csv = TempPath("gen.csv"), jsonl = TempPath("gen.jsonl");
  ASSERT_TRUE(WritePopulation(spec, csv).ok());
  ASSERT_TRUE(WritePopulation(spec, jsonl).ok());
  ExpectBothPathsAgree(csv, /*fast=*/true);
  // Read in two halves on two threads, the halves meeting inside a year (and
  // just after the first case of one): still the same columns.
  ExpectBothPathsAgree(csv, true, {.split_above_bytes = 1000});
  std::string text;
  {
    std::ifstream in(csv, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  size_t year2 = text.find("\n1,0,2026,");
  ASSERT_NE(year2, std::string::npos);
  // Pad the first year so that the middle of the body falls just before 2026.
  std::string padded = text.substr(0, year2 + 1);
  size_t body = text.find('\n') + 1;
  size_t rest = text.size() - (year2 + 1);
  std::string blanks(rest > (year2 + 1 - body) ? rest - (year2 + 1 - body) : 0, '\n');
  std::string split_csv = TempPath("split.csv");
  WriteAll(split_csv, text.substr(0, body) + blanks + text.substr(body));
  ExpectBothPathsAgree(split_csv, true, {.split_above_bytes = 1000});
  std::filesystem::remove(split_csv);
  // JSON Lines, whole and in two halves.
  ExpectBothPathsAgree(jsonl, true);
  ExpectBothPathsAgree(jsonl, true, {.split_above_bytes = 1000});
  // The JSON Lines file holds the same cases: the same columns, line for line.
  auto engine = LoadEngine();
  auto from_csv = LoadColumns(engine->policy(), csv);
  auto from_jsonl = LoadColumns(engine->policy(), jsonl);
  ASSERT_TRUE(from_csv.ok() && from_jsonl.ok());
  ASSERT_EQ(from_jsonl->years.size(), 3u);
  EXPECT_TRUE(from_jsonl->fast_path);
  // (Line numbers agree too: the JSON Lines header record and the CSV header row are both line 1.)
  ExpectSameColumns(*from_csv, *from_jsonl);
  EXPECT_EQ(from_csv->years[0].columns.size(), static_cast<size_t>(spec.enterprises));
  EXPECT_GT(from_csv->years[0].columns.claim_case.size(), static_cast<size_t>(spec.enterprises / 6));
  std::filesystem::remove(csv);
  std::filesystem::remove(jsonl);
}

TEST(Columns, LastYearStopsReading) {
  std::string csv = TempPath("years.csv");
  ASSERT_TRUE(WritePopulation({.seed = 5, .enterprises = 200, .years = 3}, csv).ok());
  auto engine = LoadEngine();
  auto two = LoadColumns(engine->policy(), csv, {.last_year = 2026});
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->years.size(), 2u);
  EXPECT_EQ(two->years[1].columns.year, 2026);
  ExpectBothPathsAgree(csv, true, {.last_year = 2026});
  std::filesystem::remove(csv);
}

// Histories, reordered and missing columns, CRLF line ends and blank lines all
// stay on the fast path and give the reference columns.
TEST(Columns, HandWrittenVariantsStayFast) {
  std::string csv = TempPath("hand.csv");
  WriteAll(csv,
           "id,year,claims,history,tags,exchange_trading_volume,export_route\r\n"
           "91110105MADGFK2B49,2026,\"[{\"\"measure\"\":\"\"03\"\",\"\"project\"\":null,\"\"assessed\"\":\"\"4590000\"\"}]\","
           "\"[{\"\"year\"\":2025,\"\"measure\"\":\"\"03\"\",\"\"amount\"\":\"\"5000000.00\"\"},"
           "{\"\"year\"\":2024,\"\"measure\"\":\"\"07\"\",\"\"item\"\":\"\"major_project\"\",\"\"amount\"\":\"\"1.5\"\","
           "\"\"project\"\":\"\"P-1\"\"}]\",data_vendor;key_enterprise,18661.5,\r\n"
           "\r\n"
           "  \n"
           "91110105MA0000074J,2026,[],[],,0,standard_contract\n"
           "91110105MA0000074J,2027,\"[ {\"\"measure\"\" : \"\"11\"\", \"\"item\"\":\"\"scenario\"\",\"\"project\"\":\"\"P-1\"\","
           "\"\"investment\"\":\"\"100\"\",\"\"civil_construction\"\":\"\"0\"\"} ]\",,,,\n");
  ExpectBothPathsAgree(csv, true);
  std::filesystem::remove(csv);
}

// Claims that name a benchmark solution share its cap (D-11b): the fast path
// interns solutions as Append does. (It once left them out, and simulate paid
// two claims of one solution 600,000 against a cap of 500,000.) The same
// year's awards of other decisions (D-G7) are history too.
TEST(Columns, SolutionsAndTheSameYearsHistoryStayFast) {
  std::string csv = TempPath("solutions.csv");
  WriteAll(csv,
           "year,id,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,claims,history\n"
           "2025,91110105MA01C9XY29,true,true,true,\"[{\"\"measure\"\":\"\"11\"\",\"\"item\"\":\"\"benchmark\"\","
           "\"\"solution\"\":\"\"BS-1\"\",\"\"assessed\"\":\"\"300000\"\"},{\"\"measure\"\":\"\"11\"\",\"\"item\"\":"
           "\"\"benchmark\"\",\"\"solution\"\":\"\"BS-1\"\",\"\"project\"\":\"\"P-9\"\",\"\"assessed\"\":\"\"300000\"\"}]\","
           "\"[{\"\"year\"\":2025,\"\"measure\"\":\"\"11\"\",\"\"item\"\":\"\"benchmark\"\",\"\"amount\"\":\"\"100000\"\","
           "\"\"solution\"\":\"\"BS-2\"\"}]\"\n");
  ExpectBothPathsAgree(csv, true);
  auto engine = LoadEngine();
  auto loaded = LoadColumns(engine->policy(), csv);
  ASSERT_TRUE(loaded.ok());
  const CaseColumns& c = loaded->years[0].columns;
  ASSERT_EQ(c.claim_solution.size(), 2u);
  EXPECT_EQ(c.claim_solution[0], c.claim_solution[1]);
  EXPECT_EQ(c.projects[static_cast<size_t>(c.claim_solution[0])], "BS-1");
  ASSERT_EQ(c.history_solution.size(), 1u);
  EXPECT_EQ(c.projects[static_cast<size_t>(c.history_solution[0])], "BS-2");
  EXPECT_EQ(c.history_year, std::vector<int16_t>{2025});
  std::filesystem::remove(csv);
}

const std::string kCase =
    R"({"year":2025,"applicant":{"id":"91110105MADGFK2B49","name":"北京链达数据科技有限公司","registered_in_chaoyang":true,)"
    R"("tags":["data_vendor"]},"facts":{"exchange_trading_volume":"18661.57"},"claims":[{"measure":"03","assessed":"4590000"}],)"
    R"("history":[]})";

// JSON Lines as a person writes them: no header record, members in any
// order, spaces, CRLF line ends, blank lines, nulls, a history: all read by
// the fast path, giving the reference columns.
TEST(Columns, HandWrittenJsonLinesStayFast) {
  std::string jsonl = TempPath("hand.jsonl");
  WriteAll(jsonl,
           kCase + "\r\n\n   \n" +
               R"( { "history" : [ {"year": 2024, "measure": "03", "amount": "5000000.00"},)"
               R"( {"year": 2026, "measure": "07", "item": "major_project", "amount": "1.5", "project": "P-1"} ],)"
               R"( "claims": [ {"measure": "11", "item": "scenario", "project": "P-1", "investment": "100",)"
               R"( "civil_construction": null} ], "year": 2026,)"
               R"( "applicant": {"tags": [], "id": "91110105MA0000074J"}, "facts": {"export_route": null}} )"
               "\n" +
               R"({"year":2026,"applicant":{"id":"91110105MA0000074J","tags":["key_enterprise","data_vendor"]},)"
               R"("claims":[{"measure":"06","assessed":"1000","project":null}]})" + "\n");
  ExpectBothPathsAgree(jsonl, true);
  std::filesystem::remove(jsonl);
}

// Valid records the fast path does not read itself go to the reference path.
TEST(Columns, UnusualJsonLinesFallBackToTheReferencePath) {
  std::string jsonl = TempPath("unusual.jsonl");
  const std::string unusual[] = {
      // an escape in a string
      R"({"year":2025,"applicant":{"id":"91110105MADGFK2B49","name":"A\u0042"}})",
      // earlier years' figures
      R"({"year":2025,"applicant":{"id":"91110105MADGFK2B49"},"earlier":{"2024":{"listed_data_products":3}}})",
  };
  for (const std::string& record : unusual) {
    WriteAll(jsonl, kCase + "\n" + record + "\n");
    ExpectBothPathsAgree(jsonl, false);
  }
  std::filesystem::remove(jsonl);
}

TEST(Columns, JsonLinesErrorsAreTheReferencePathsWithFileAndLine) {
  auto engine = LoadEngine();
  std::string jsonl = TempPath("bad.jsonl");
  const std::string header =
      R"({"bursar_population":{"version":1,"seed":"7","enterprises":2,"years":1,"first_year":2025,"order":"year,enterprise"}})";
  struct Bad {
    std::string text, expected;
  } bad[] = {
      {header + "\n" + kCase + "\n" + R"({"year":2025,"applicant":{"id":"91110105MADGFK2B40"}})" + "\n",
       ":3: applicant.id: invalid unified social credit code"},
      {header + "\n" + kCase + "\n" + R"({"year":2025,"applicant":{"id":"91110105MADGFK2B49"},"facts":{"x":1}})" + "\n",
       ":3: facts.x: unknown fact"},
      {header + "\n" + kCase + "\n" + R"({"year":2025,"applicant":{"id":"91110105MADGFK2B49"},"claims":[{"measure":"03","assessed":5}]})" + "\n",
       ":3: claims[0].assessed: expected a money string"},
      {header + "\n" + kCase + "\n" + R"({"year":2024,"applicant":{"id":"91110105MADGFK2B49"}})" + "\n",
       ":3: year: year 2024 after year 2025"},
      {header + "\n" + kCase + "\n" + header + "\n", ":3: a header record may only be the first line"},
      {header + "\n" + kCase + "\n" + R"({"year":2025,"applicant":{"id":"91110105MADGFK2B49","name":")" + "\xB1\xB1" +
           R"("}})" + "\n",
       ":3: applicant.name: not UTF-8"},
      {header + "\n" + kCase + "\n" + R"({"year":2025,"applicant":{"id":"91110105MADGFK2B49"},"history":[{"year":2026,"measure":"03","amount":"1"}]})" + "\n",
       ":3: history[0].year: an award already made must be from the case year 2025 or before"},
      {R"({"bursar_population":{"version":9,"enterprises":2,"years":1,"first_year":2025}})" "\n" + kCase + "\n",
       ":1: bursar_population.version: format version 9 is not supported"},
      {header + "\n" + kCase + "\n" + R"({"year":2025,"applicant":{"id":"91110105MADGFK2B49"})" + "\n",
       ":3: invalid JSON"},
      // Fewer or more cases than the header promises (the fast path once
      // took a short file, found by fuzz_population).
      {header + "\n" + kCase + "\n", ":2: the file ends after 1 cases but its header promises 2"},
      {header + "\n" + kCase + "\n" + kCase + "\n" + kCase + "\n", ":4: the file ends after 3 cases but its header promises 2"},
  };
  for (const Bad& b : bad) {
    WriteAll(jsonl, b.text);
    auto quick = LoadColumns(engine->policy(), jsonl);
    ASSERT_FALSE(quick.ok()) << b.text;
    auto reference = LoadColumnsByReader(engine->policy(), jsonl);
    ASSERT_FALSE(reference.ok());
    EXPECT_EQ(quick.status().ToString(), reference.status().ToString());
    EXPECT_NE(quick.status().ToString().find(jsonl + b.expected), std::string::npos) << quick.status().ToString();
  }
  std::filesystem::remove(jsonl);
}

// What the fast path does not read itself (an escape in JSON, a line break in
// a quoted cell) is still read, by the reference path.
TEST(Columns, UnusualButValidFilesFallBackToTheReferencePath) {
  std::string csv = TempPath("unusual.csv");
  WriteAll(csv,
           "year,id,claims\n"
           "2025,91110105MADGFK2B49,\"[{\"\"measure\"\":\"\"03\"\",\"\"assessed\"\":\"\"45\\u0030\"\"}]\"\n");
  ExpectBothPathsAgree(csv, false);
  WriteAll(csv,
           "year,id,name\n"
           "2025,91110105MADGFK2B49,\"two\nlines\"\n");
  ExpectBothPathsAgree(csv, false);
  std::filesystem::remove(csv);
}

TEST(Columns, ErrorsAreTheReferencePathsWithFileAndLine) {
  auto engine = LoadEngine();
  std::string csv = TempPath("bad.csv");
  const std::string header = "year,id,tags,exchange_trading_volume,claims\n";
  const std::string good = "2025,91110105MADGFK2B49,data_vendor,10.5,[]\n";
  struct Bad {
    std::string row, expected;
  } bad[] = {
      {"2025,91110105MADGFK2B49,data_vendor,10.555,[]\n", ":3: facts.exchange_trading_volume: expected a money string"},
      {"2025,91110105MADGFK2B49,data_vendor,16001111111111111111,[]\n",
       ":3: facts.exchange_trading_volume: expected a money string"},
      {"2025,91110105MADGFK2B40,,0,[]\n", ":3: applicant.id: invalid unified social credit code"},
      {"2025,91110105madgfk2b49,,0,[]\n", ":3: applicant.id: invalid unified social credit code"},
      {"2025,91110105MADGFK2B4,,0,[]\n", ":3: applicant.id: invalid unified social credit code"},
      {"2025,91110105MADGFKOB49,,0,[]\n", ":3: applicant.id: invalid unified social credit code"},
      {"2025,\"91110105MADGFK2B49\"\"\",,0,[]\n", ":3: applicant.id: invalid unified social credit code"},
      {"2025,91110105MADGFK2B49,,0,\"[{\"\"measure\"\":\"\"03\"\",\"\"assessed\"\":\"\"5\"\",\"\"x\"\":1}]\"\n",
       ":3: claims[0].x: unknown field"},
      {"2025,91110105MADGFK2B49,vendor,0,[]\n", ":3: applicant.tags[0]: unknown tag \"vendor\""},
      {"2025,91110105MADGFK2B49,,0,\"[{\"\"measure\"\":\"\"03\"\",\"\"assessed\"\":5}]\"\n",
       ":3: claims[0].assessed: expected a money string"},
      {"2025,91110105MADGFK2B49,,0,\"[{\"\"measure\"\":\"\"04\"\"}]\"\n", ":3: claims[0].item: required"},
      {"2024,91110105MADGFK2B49,,0,[]\n", ":3: year: year 2024 after year 2025"},
  };
  for (const Bad& b : bad) {
    WriteAll(csv, header + good + b.row);
    auto quick = LoadColumns(engine->policy(), csv);
    ASSERT_FALSE(quick.ok()) << b.row;
    auto reference = LoadColumnsByReader(engine->policy(), csv);
    ASSERT_FALSE(reference.ok());
    EXPECT_EQ(quick.status().ToString(), reference.status().ToString());
    EXPECT_NE(quick.status().ToString().find(csv + b.expected), std::string::npos) << quick.status().ToString();
  }
  std::filesystem::remove(csv);
}

TEST(Columns, ANameThatIsNotUtf8IsAnErrorOnBothPaths) {
  auto engine = LoadEngine();
  std::string csv = TempPath("gbk.csv");
  WriteAll(csv, "year,id,name,claims\n2025,91110105MADGFK2B49,Fine Co.,[]\n2025,91110105MADGFK2B49,\xB1\xB1\xBE\xA9,[]\n");
  auto quick = LoadColumns(engine->policy(), csv);
  ASSERT_FALSE(quick.ok()) << "the fast path took a GBK name";
  auto reference = LoadColumnsByReader(engine->policy(), csv);
  ASSERT_FALSE(reference.ok());
  EXPECT_EQ(quick.status().ToString(), reference.status().ToString());
  EXPECT_NE(quick.status().ToString().find(csv + ":3: applicant.name: not UTF-8"), std::string::npos)
      << quick.status().ToString();
  std::filesystem::remove(csv);
}

}  // namespace
}  // namespace bursar::population
