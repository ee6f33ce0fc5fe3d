// Streams the cases of a population file (JSON Lines or CSV,
// docs/population-format.md) back as CASES.md input cases, one at a time.
//
// Memory holds one record, whatever the file's size. The reader checks the
// file's shape, not the policy's contract: JSON syntax, CSV columns and cell
// types (booleans, counts, money strings), and that cases come sorted by year.
// Whether a tag or an export route is known, or a claim is well formed, is the
// engine's to say; the record's line number lets a caller point at it.
//
// Errors name the file and line: "pop.csv:17: facts.exchange_trading_volume:
// expected a money string such as \"1250.50\" (got \"12,5\")". After an error,
// Next returns false and status() holds it.
//
// Usage:
//   BURSAR_ASSIGN_OR_RETURN(auto reader, PopulationReader::Open(path));
//   PopulationRecord record;
//   while (reader->Next(&record)) Use(record.case_json);
//   BURSAR_RETURN_IF_ERROR(reader->status());
//
// Thread-safety: a reader is used by one thread at a time.
#pragma once

#include <cstdint>
#include <fstream>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "population/format.h"

namespace bursar::population {

// The JSON Lines header record, when the file has one (generated files do).
struct PopulationHeader {
  int version = 0;
  std::string seed;  // decimal, as written
  int64_t enterprises = 0;
  int years = 0;
  int first_year = 0;
};

struct PopulationRecord {
  nlohmann::json case_json;  // a CASES.md input case
  int64_t line = 0;          // 1-based line of the file where the record starts
};

class PopulationReader {
 public:
  // Opens `path` in the format its extension names and reads the header
  // (JSON Lines: the optional header record; CSV: the header row).
  static Result<std::unique_ptr<PopulationReader>> Open(const std::string& path);
  // Reads `*in`, which must outlive the reader; `name` stands for the file in messages.
  static Result<std::unique_ptr<PopulationReader>> FromStream(std::istream* in, PopulationFormat format,
                                                              std::string name);

  // The next case into *out. False at the end of the file or on an error;
  // status() tells which. A JSON Lines file whose header promises more or
  // fewer cases than it holds (a truncated copy) ends with an error.
  bool Next(PopulationRecord* out);
  const Status& status() const { return status_; }

  const std::optional<PopulationHeader>& header() const { return header_; }
  PopulationFormat format() const { return format_; }
  // The file's path, or the name given to FromStream; messages start with it.
  const std::string& name() const { return name_; }

  ~PopulationReader();
  PopulationReader(const PopulationReader&) = delete;
  PopulationReader& operator=(const PopulationReader&) = delete;

 private:
  PopulationReader(std::istream* in, PopulationFormat format, std::string name);
  Status ReadHeader();
  // Reads the next non-empty physical line; false at the end.
  bool ReadLine();
  // Splits a CSV record starting at line_ (which may continue over more lines
  // inside quotes) into fields_.
  Status SplitCsvRecord();
  Status ParseJsonLine(PopulationRecord* out);
  Status ParseCsvRecord(PopulationRecord* out);
  Status CheckOrder(const nlohmann::json& case_json, int64_t line);
  Status Error(int64_t line, const std::string& field, const std::string& message) const;

  std::unique_ptr<std::ifstream> owned_;  // set when opened from a path
  std::istream* in_;
  PopulationFormat format_;
  std::string name_;
  std::optional<PopulationHeader> header_;
  Status status_;

  std::string line_;
  int64_t line_number_ = 0;  // of the last physical line read
  bool pending_ = false;     // line_ holds a record not yet returned (after a header probe)
  std::vector<std::string> fields_;
  std::vector<int> column_of_;  // kCsvColumns index -> field index, -1 when absent
  std::optional<int64_t> last_year_;
  int64_t records_ = 0;  // cases returned so far
};

}  // namespace bursar::population
