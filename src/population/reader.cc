#include "population/reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "base/json_text.h"
#include "money/exact.h"

namespace bursar::population {
namespace {

using nlohmann::json;

constexpr int kColumnCount = static_cast<int>(std::size(kCsvColumns));

int ColumnIndex(std::string_view name) {
  for (int i = 0; i < kColumnCount; ++i) {
    if (kCsvColumns[i] == name) return i;
  }
  return -1;
}

// Where a column's value goes in the case.
enum class Place { kTop, kApplicant, kFacts, kPosition };
enum class CellType { kInteger, kString, kBool, kMoney, kTags, kRoute, kJsonArray };

struct Column {
  std::string_view name;
  Place place;
  CellType type;
  std::string_view path;  // the case field, as messages name it
};

// One entry per kCsvColumns entry, in the same order (checked below).
constexpr Column kColumns[] = {
    {"year_index", Place::kPosition, CellType::kInteger, "year_index"},
    {"enterprise", Place::kPosition, CellType::kInteger, "enterprise"},
    {"year", Place::kTop, CellType::kInteger, "year"},
    {"id", Place::kApplicant, CellType::kString, "applicant.id"},
    {"name", Place::kApplicant, CellType::kString, "applicant.name"},
    {"registered_in_chaoyang", Place::kApplicant, CellType::kBool, "applicant.registered_in_chaoyang"},
    {"taxed_in_chaoyang", Place::kApplicant, CellType::kBool, "applicant.taxed_in_chaoyang"},
    {"independent_legal_person", Place::kApplicant, CellType::kBool, "applicant.independent_legal_person"},
    {"serious_dishonesty_record", Place::kApplicant, CellType::kBool, "applicant.serious_dishonesty_record"},
    {"tags", Place::kApplicant, CellType::kTags, "applicant.tags"},
    {"listed_data_products", Place::kFacts, CellType::kInteger, "facts.listed_data_products"},
    {"registration_certificates", Place::kFacts, CellType::kInteger, "facts.registration_certificates"},
    {"fs_inclusion_first_time", Place::kFacts, CellType::kBool, "facts.fs_inclusion_first_time"},
    {"fs_inclusion_amount", Place::kFacts, CellType::kMoney, "facts.fs_inclusion_amount"},
    {"exchange_trading_volume", Place::kFacts, CellType::kMoney, "facts.exchange_trading_volume"},
    {"filed_trading_volume", Place::kFacts, CellType::kMoney, "facts.filed_trading_volume"},
    {"compliant_export_first_time", Place::kFacts, CellType::kBool, "facts.compliant_export_first_time"},
    {"export_route", Place::kFacts, CellType::kRoute, "facts.export_route"},
    {"platform_in_operation", Place::kFacts, CellType::kBool, "facts.platform_in_operation"},
    {"claims", Place::kTop, CellType::kJsonArray, "claims"},
    {"history", Place::kTop, CellType::kJsonArray, "history"},
};

constexpr bool ColumnsMatchTheLayout() {
  if (std::size(kColumns) != std::size(kCsvColumns)) return false;
  for (size_t i = 0; i < std::size(kColumns); ++i) {
    if (kColumns[i].name != kCsvColumns[i]) return false;
  }
  return true;
}
static_assert(ColumnsMatchTheLayout(), "kColumns must follow kCsvColumns");

std::string Quoted(std::string_view s) {
  constexpr size_t kShown = 40;
  std::string q = "\"";
  q += s.substr(0, kShown);
  if (s.size() > kShown) q += "...";
  q += '"';
  return q;
}

// A non-negative decimal integer of at most 18 digits (no sign, no spaces).
std::optional<int64_t> ParseCount(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  return v;
}

constexpr const char* kNotUtf8 = "not UTF-8 (is the file saved as GBK or another encoding? save it as UTF-8)";

// The path ("applicant.name", "claims[0].assessed") of the first string, key or
// value, of `value` that holds `marker`, or "" when none does.
std::string PathHolding(const json& value, const std::string& marker, const std::string& path) {
  if (value.is_string()) return value.get_ref<const std::string&>().find(marker) != std::string::npos ? path : "";
  if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      std::string p = PathHolding(value[i], marker, path + "[" + std::to_string(i) + "]");
      if (!p.empty()) return p;
    }
  }
  if (value.is_object()) {
    for (const auto& member : value.items()) {
      const std::string& key = member.key();
      const std::string p = path.empty() ? key : path + "." + key;
      if (key.find(marker) != std::string::npos) return p;
      std::string found = PathHolding(member.value(), marker, p);
      if (!found.empty()) return found;
    }
  }
  return "";
}

// Where in a JSON Lines record the bytes that are not UTF-8 are: the record
// is parsed again with each bad byte replaced by a marker character (escaped,
// so the copy is valid JSON only where the bytes were inside a string), and
// the string that holds the marker names the field. "" when the bad bytes
// are outside any string, or the line is not JSON for another reason.
std::string FieldWithInvalidUtf8(std::string_view line) {
  static const std::string kMarker = "\\uDBFF\\uDFFF";  // U+10FFFF as a JSON escape, a noncharacter
  std::string copy;
  size_t start = 0;
  for (size_t bad; (bad = FirstInvalidUtf8(line.substr(start))) != std::string_view::npos;) {
    copy.append(line.substr(start, bad));
    copy += kMarker;
    start += bad + 1;
  }
  copy.append(line.substr(start));
  json parsed = json::parse(copy, nullptr, false);
  if (parsed.is_discarded()) return "";
  const std::string marker = "\xF4\x8F\xBF\xBF";
  std::string path = PathHolding(parsed, marker, "");
  for (size_t at; (at = path.find(marker)) != std::string::npos;) path.replace(at, marker.size(), "?");  // in a key
  return path;
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the rest reads well.
std::string JsonErrorText(const std::exception& e) {
  const char* what = e.what();
  const char* close = std::strstr(what, "] ");
  return close != nullptr ? close + 2 : what;
}

}  // namespace

PopulationReader::PopulationReader(std::istream* in, PopulationFormat format, std::string name)
    : in_(in), format_(format), name_(std::move(name)) {}

PopulationReader::~PopulationReader() = default;

Result<std::unique_ptr<PopulationReader>> PopulationReader::Open(const std::string& path) {
  BURSAR_ASSIGN_OR_RETURN(PopulationFormat format, FormatForPath(path));
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file) {
    return Status(StatusCode::kNotFound, "cannot open '" + path + "': " + std::strerror(errno));
  }
  std::istream* in = file.get();
  std::unique_ptr<PopulationReader> reader(new PopulationReader(in, format, path));
  reader->owned_ = std::move(file);
  BURSAR_RETURN_IF_ERROR(reader->ReadHeader());
  return reader;
}

Result<std::unique_ptr<PopulationReader>> PopulationReader::FromStream(std::istream* in, PopulationFormat format,
                                                                       std::string name) {
  std::unique_ptr<PopulationReader> reader(new PopulationReader(in, format, std::move(name)));
  BURSAR_RETURN_IF_ERROR(reader->ReadHeader());
  return reader;
}

Status PopulationReader::Error(int64_t line, const std::string& field, const std::string& message) const {
  // The whole location goes into the message, which reads in order as the CLI
  // prints it; Status::field stays empty so ToString does not repeat it.
  return InvalidArgument(name_ + ":" + std::to_string(line) + ": " + (field.empty() ? "" : field + ": ") + message);
}

bool PopulationReader::ReadLine() {
  while (std::getline(*in_, line_)) {
    ++line_number_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (line_.find_first_not_of(" \t") != std::string::npos) return true;
  }
  return false;
}

Status PopulationReader::ReadHeader() {
  if (format_ == PopulationFormat::kCsv) {
    if (!ReadLine()) return Error(1, "", "empty file: expected a header row naming the columns");
    BURSAR_RETURN_IF_ERROR(SplitCsvRecord());
    column_of_.assign(kColumnCount, -1);
    for (size_t f = 0; f < fields_.size(); ++f) {
      int c = ColumnIndex(fields_[f]);
      if (c < 0) return Error(line_number_, "", "unknown column " + Quoted(fields_[f]));
      if (column_of_[c] >= 0) return Error(line_number_, "", "column " + Quoted(fields_[f]) + " appears twice");
      column_of_[c] = static_cast<int>(f);
    }
    for (std::string_view required : {"year", "id"}) {
      if (column_of_[ColumnIndex(required)] < 0) {
        return Error(line_number_, "", "the header row has no column " + Quoted(required));
      }
    }
    return OkStatus();
  }
  // JSON Lines: the first record may be the header; otherwise it is a case.
  if (!ReadLine()) return OkStatus();
  pending_ = true;
  json first;
  try {
    first = json::parse(line_);
  } catch (const json::exception&) {
    return OkStatus();  // reported with its line when Next parses it as a case
  }
  if (!first.is_object() || !first.contains(kHeaderKey)) return OkStatus();
  pending_ = false;
  const json& h = first[std::string(kHeaderKey)];
  auto bad = [&](const char* key, const char* expected) {
    return Error(line_number_, std::string(kHeaderKey) + "." + key, std::string("expected ") + expected);
  };
  if (!h.is_object()) return Error(line_number_, std::string(kHeaderKey), "expected an object");
  PopulationHeader header;
  if (!h.contains("version") || !h["version"].is_number_integer()) return bad("version", "an integer");
  header.version = h["version"].get<int>();
  if (header.version != kFormatVersion) {
    return Error(line_number_, std::string(kHeaderKey) + ".version",
                 "format version " + std::to_string(header.version) + " is not supported (this bursar reads " +
                     std::to_string(kFormatVersion) + ")");
  }
  if (h.contains("seed")) {
    if (!h["seed"].is_string()) return bad("seed", "a decimal string");
    header.seed = h["seed"].get<std::string>();
  }
  for (const char* key : {"enterprises", "years", "first_year"}) {
    if (!h.contains(key) || !h[key].is_number_integer() || h[key].get<int64_t>() < 0) {
      return bad(key, "a non-negative integer");
    }
  }
  header.enterprises = h["enterprises"].get<int64_t>();
  header.years = h["years"].get<int>();
  header.first_year = h["first_year"].get<int>();
  header_ = header;
  return OkStatus();
}

Status PopulationReader::SplitCsvRecord() {
  const int64_t start = line_number_;
  size_t n = 0;  // fields filled so far; fields_ keeps its strings to reuse their buffers
  size_t i = 0;
  while (true) {
    if (n == fields_.size()) fields_.emplace_back();
    std::string& field = fields_[n++];
    field.clear();
    if (i < line_.size() && line_[i] == '"') {
      ++i;
      while (true) {
        if (i >= line_.size()) {
          // A quoted field may hold a line break: continue on the next line.
          std::string next;
          if (!std::getline(*in_, next)) {
            return Error(start, "", "a quoted field opened on this line is never closed");
          }
          ++line_number_;
          if (!next.empty() && next.back() == '\r') next.pop_back();
          line_ += '\n';
          line_ += next;
          continue;
        }
        char ch = line_[i];
        if (ch == '"') {
          if (i + 1 < line_.size() && line_[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(ch);
        ++i;
      }
      if (i < line_.size() && line_[i] != ',') {
        return Error(start, "", "field " + std::to_string(n) + ": unexpected text after a closing quote");
      }
    } else {
      size_t end = line_.find(',', i);
      if (end == std::string::npos) end = line_.size();
      field.assign(line_, i, end - i);
      if (field.find('"') != std::string::npos) {
        return Error(start, "", "field " + std::to_string(n) + ": a quote inside an unquoted field");
      }
      i = end;
    }
    if (i < line_.size() && line_[i] == ',') {
      ++i;
      continue;
    }
    break;
  }
  fields_.resize(n);
  return OkStatus();
}

Status PopulationReader::CheckOrder(const json& case_json, int64_t line) {
  const json* year = case_json.is_object() && case_json.contains("year") ? &case_json["year"] : nullptr;
  if (year == nullptr || !year->is_number_integer()) {
    return Error(line, "year", "expected an integer year (a population is read year by year)");
  }
  int64_t y = year->get<int64_t>();
  if (last_year_ && y < *last_year_) {
    return Error(line, "year",
                 "year " + std::to_string(y) + " after year " + std::to_string(*last_year_) +
                     ": a population must be sorted by year");
  }
  last_year_ = y;
  return OkStatus();
}

Status PopulationReader::ParseJsonLine(PopulationRecord* out) {
  // Before the JSON library sees them, so the message names the field.
  if (size_t bad = FirstInvalidUtf8(line_); bad != std::string::npos) {
    const std::string field = FieldWithInvalidUtf8(line_);
    return Error(line_number_, field, field.empty() ? "column " + std::to_string(bad + 1) + ": " + kNotUtf8 : kNotUtf8);
  }
  try {
    out->case_json = json::parse(line_);
  } catch (const json::exception& e) {
    return Error(line_number_, "", "invalid JSON: " + JsonErrorText(e));
  }
  if (!out->case_json.is_object()) return Error(line_number_, "", "expected a JSON object (one case per line)");
  if (out->case_json.contains(kHeaderKey)) {
    return Error(line_number_, "", "a header record may only be the first line");
  }
  out->line = line_number_;
  return CheckOrder(out->case_json, line_number_);
}

Status PopulationReader::ParseCsvRecord(PopulationRecord* out) {
  const int64_t line = out->line = line_number_ - static_cast<int64_t>(std::count(line_.begin(), line_.end(), '\n'));
  size_t expected = 0;
  for (int c : column_of_) expected += c >= 0 ? 1 : 0;
  if (fields_.size() != expected) {
    return Error(line, "", "expected " + std::to_string(expected) + " fields as in the header row, found " +
                               std::to_string(fields_.size()));
  }
  json c = json::object();
  json applicant = json::object();
  json facts = json::object();
  c["claims"] = json::array();
  c["history"] = json::array();
  for (int col = 0; col < kColumnCount; ++col) {
    if (column_of_[col] < 0) continue;
    const Column& column = kColumns[col];
    const std::string& cell = fields_[static_cast<size_t>(column_of_[col])];
    const std::string path(column.path);
    if (FirstInvalidUtf8(cell) != std::string::npos) return Error(line, path, kNotUtf8);
    json value;
    switch (column.type) {
      case CellType::kInteger: {
        std::optional<int64_t> v = ParseCount(cell);
        if (!v) return Error(line, path, "expected a non-negative whole number (got " + Quoted(cell) + ")");
        value = *v;
        break;
      }
      case CellType::kString:
        value = cell;
        break;
      case CellType::kBool:
        if (cell == "true") {
          value = true;
        } else if (cell == "false") {
          value = false;
        } else if (cell.empty()) {
          continue;  // a missing fact: the case format reads it as false
        } else {
          return Error(line, path, "expected true or false (got " + Quoted(cell) + ")");
        }
        break;
      case CellType::kMoney: {
        if (cell.empty()) continue;  // a missing fact: zero
        std::string why;
        if (!ParseMoneyString(cell, &why)) {
          return Error(line, path, "expected a money string such as \"1250.50\" (got " + Quoted(cell) + "): " + why);
        }
        value = cell;
        break;
      }
      case CellType::kTags: {
        value = json::array();
        size_t start = 0;
        while (start < cell.size()) {
          size_t end = cell.find(';', start);
          if (end == std::string::npos) end = cell.size();
          if (end == start) return Error(line, path, "an empty tag in " + Quoted(cell) + " (tags are separated by ';')");
          value.push_back(cell.substr(start, end - start));
          start = end + 1;
          if (end + 1 == cell.size()) return Error(line, path, "a trailing ';' in " + Quoted(cell));
        }
        break;
      }
      case CellType::kRoute:
        value = cell.empty() ? json(nullptr) : json(cell);
        break;
      case CellType::kJsonArray:
        if (cell.empty()) continue;  // already an empty array
        try {
          value = json::parse(cell);
        } catch (const json::exception& e) {
          return Error(line, path, "invalid JSON: " + JsonErrorText(e));
        }
        if (!value.is_array()) return Error(line, path, "expected a JSON array");
        break;
    }
    switch (column.place) {
      case Place::kTop: c[std::string(column.name)] = std::move(value); break;
      case Place::kApplicant: applicant[std::string(column.name)] = std::move(value); break;
      case Place::kFacts: facts[std::string(column.name)] = std::move(value); break;
      case Place::kPosition: break;  // order only: the case itself does not carry it
    }
  }
  c["applicant"] = std::move(applicant);
  c["facts"] = std::move(facts);
  out->case_json = std::move(c);
  return CheckOrder(out->case_json, line);
}

bool PopulationReader::Next(PopulationRecord* out) {
  if (!status_.ok()) return false;
  if (!pending_ && !ReadLine()) {
    if (in_->bad()) {
      status_ = Status(StatusCode::kUnavailable, name_ + ": read error");
    } else if (header_ && records_ != header_->enterprises * header_->years) {
      status_ = Error(line_number_, "", "the file ends after " + std::to_string(records_) +
                                            " cases but its header promises " +
                                            std::to_string(header_->enterprises * header_->years));
    }
    return false;
  }
  pending_ = false;
  if (format_ == PopulationFormat::kJsonLines) {
    status_ = ParseJsonLine(out);
  } else {
    status_ = SplitCsvRecord();
    if (status_.ok()) status_ = ParseCsvRecord(out);
  }
  if (!status_.ok()) return false;
  ++records_;
  return true;
}

}  // namespace bursar::population
