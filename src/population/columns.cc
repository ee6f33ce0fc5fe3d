// Population file → CaseColumns. See columns.h for the two paths.
//
// Invariants of the fast path:
//   - it accepts a row only if PopulationReader and ReadCase would both accept
//     it, and then appends exactly what CaseColumns::Append would (the same
//     cells, the same project interning order: claims first, then history);
//   - whenever it is unsure it returns false and LoadColumns starts again on
//     the reference path; it never reports an error itself.
#include "population/columns.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <thread>

#include "base/json_text.h"
#include "case/case.h"
#include "money/exact.h"
#include "population/format.h"
#include "population/reader.h"

namespace bursar::population {
namespace {

// ---- the reference path ----

Result<LoadedPopulation> ReferenceLoad(const CheckedPolicy& policy, const std::string& path,
                                       const ColumnsOptions& options) {
  BURSAR_ASSIGN_OR_RETURN(auto reader, PopulationReader::Open(path));
  LoadedPopulation out;
  PopulationRecord record;
  while (reader->Next(&record)) {
    // The reader has checked that "year" is an integer and that years do not go back.
    int64_t year = record.case_json["year"].get<int64_t>();
    if (options.last_year > 0 && year > options.last_year) return out;
    auto c = ReadCase(policy, record.case_json);
    if (!c.ok()) {
      return InvalidArgument(reader->name() + ":" + std::to_string(record.line) + ": " + c.status().ToString());
    }
    if (out.years.empty() || out.years.back().columns.year != c->year) {
      out.years.emplace_back();
      out.years.back().columns.Reset(policy, c->year);
    }
    out.years.back().columns.Append(policy, *c);
    out.years.back().line.push_back(record.line);
  }
  BURSAR_RETURN_IF_ERROR(reader->status());
  return out;
}

// ---- small parsers shared by cells and JSON ----

// A non-negative decimal integer of 1 to 18 digits, as PopulationReader reads counts.
bool ParseCount(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + (ch - '0');
  }
  *out = v;
  return true;
}

// Money as ParseMoneyString accepts it ("1250", "1250.5", "1250.50"; at most
// 15 digits of yuan), straight to fen.
bool ParseFen(std::string_view s, int64_t* out) {
  const std::optional<int64_t> fen = FastMoneyStringToFen(s);
  if (fen) *out = *fen;
  return fen.has_value();
}

// IsValidUscc (case/uscc.h) by table: the same codes pass. It runs once per
// case, and IsValidUscc's alphabet lookups were a tenth of the loading time.
class UsccChecker {
 public:
  UsccChecker() {
    for (int& v : value_) v = -1;
    for (size_t i = 0; i < kAlphabet.size(); ++i) value_[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  }
  bool Valid(std::string_view code) const {
    if (code.size() != 18) return false;
    int sum = 0;
    for (size_t i = 0; i < 17; ++i) {
      int v = value_[static_cast<unsigned char>(code[i])];
      if (v < 0) return false;
      sum += v * kWeights[i];
    }
    if (value_[static_cast<unsigned char>(code[17])] < 0) return false;
    return code[17] == kAlphabet[static_cast<size_t>((31 - sum % 31) % 31)];
  }

 private:
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr int kWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  int value_[256];
};

int Find(const std::vector<std::string>& names, std::string_view name) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<int>(i);
  }
  return -1;
}

// ---- a scanner for the JSON the fast path reads ----
//
// The subset of JSON a generated file uses: objects, arrays, strings without
// escapes or control characters, whole numbers, true, false and null, at most
// four levels deep. Anything else (an escape, a fraction, a duplicate key,
// bytes that are not UTF-8) is "not recognised", not "wrong": the caller
// falls back to the reference path, which accepts it or names the error.
// `escaped`: the text is a CSV cell as the file holds it, every quote
// doubled; no string of the subset holds a quote, so a doubled quote is a
// delimiter.
//
// The result is a tape: nodes in document order, each container followed by
// its subtree and knowing where that subtree ends, so the members of an
// object are visited by jumping from one member's `end` to the next.

struct JNode {
  enum Kind : uint8_t { kNull, kTrue, kFalse, kInt, kString, kArray, kObject } kind = kNull;
  std::string_view key;   // when a member of an object: its key
  std::string_view text;  // kString: the string's bytes
  int64_t number = 0;     // kInt
  uint32_t end = 0;       // the index just after this node's subtree
};

class JsonTape {
 public:
  bool Parse(std::string_view s, bool escaped) {
    s_ = s;
    i_ = 0;
    escaped_ = escaped;
    nodes_.clear();
    Ws();
    if (!Value(0)) return false;
    Ws();
    return i_ == s_.size();
  }

  const JNode& operator[](uint32_t i) const { return nodes_[i]; }
  // The children of the container at `i`: for (c = first(i); c < at(i).end; c = at(c).end).
  static uint32_t First(uint32_t i) { return i + 1; }

  // The member `key` of the object at `object`, or nullptr.
  const JNode* Member(uint32_t object, std::string_view key) const {
    for (uint32_t c = First(object); c < nodes_[object].end; c = nodes_[c].end) {
      if (nodes_[c].key == key) return &nodes_[c];
    }
    return nullptr;
  }

 private:
  static constexpr int kMaxDepth = 4;

  void Ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool Eat(char ch) {
    if (i_ < s_.size() && s_[i_] == ch) {
      ++i_;
      return true;
    }
    return false;
  }
  bool Quote() {
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    if (escaped_ && (i_ + 1 >= s_.size() || s_[i_ + 1] != '"')) return false;
    i_ += escaped_ ? 2 : 1;
    return true;
  }
  bool String(std::string_view* out) {
    if (!Quote()) return false;
    const size_t start = i_;
    bool ascii = true;
    while (i_ < s_.size()) {
      const unsigned char ch = static_cast<unsigned char>(s_[i_]);
      if (ch == '"') {
        *out = s_.substr(start, i_ - start);
        // The reference reader refuses a record with bytes that are not UTF-8.
        if (!ascii && FirstInvalidUtf8(*out) != std::string_view::npos) return false;
        return Quote();
      }
      if (ch == '\\' || ch < 0x20) return false;
      ascii &= ch < 0x80;
      ++i_;
    }
    return false;
  }
  bool Word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  // The value at i_, with its subtree, appended to the tape.
  bool Value(int depth) {
    if (i_ >= s_.size() || depth > kMaxDepth) return false;
    const uint32_t at = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
    const char ch = s_[i_];
    bool ok = false;
    if (ch == '{') {
      nodes_[at].kind = JNode::kObject;
      ok = Object(at, depth);
    } else if (ch == '[') {
      nodes_[at].kind = JNode::kArray;
      ok = Array(depth);
    } else if (ch == '"') {
      nodes_[at].kind = JNode::kString;
      ok = String(&nodes_[at].text);
    } else if (ch == 't') {
      nodes_[at].kind = JNode::kTrue;
      ok = Word("true");
    } else if (ch == 'f') {
      nodes_[at].kind = JNode::kFalse;
      ok = Word("false");
    } else if (ch == 'n') {
      nodes_[at].kind = JNode::kNull;
      ok = Word("null");
    } else {
      nodes_[at].kind = JNode::kInt;
      ok = Integer(&nodes_[at].number);
    }
    nodes_[at].end = static_cast<uint32_t>(nodes_.size());
    return ok;
  }
  bool Integer(int64_t* out) {
    const bool negative = Eat('-');
    const size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    const size_t digits = i_ - start;
    if (digits == 0 || digits > 18 || (digits > 1 && s_[start] == '0')) return false;
    if (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) return false;
    int64_t n = 0;
    for (size_t k = start; k < i_; ++k) n = n * 10 + (s_[k] - '0');
    *out = negative ? -n : n;
    return true;
  }
  bool Array(int depth) {
    ++i_;  // [
    Ws();
    if (Eat(']')) return true;
    while (true) {
      if (!Value(depth + 1)) return false;
      Ws();
      if (Eat(']')) return true;
      if (!Eat(',')) return false;
      Ws();
    }
  }
  bool Object(uint32_t at, int depth) {
    ++i_;  // {
    Ws();
    if (Eat('}')) return true;
    while (true) {
      std::string_view key;
      if (!String(&key)) return false;
      for (uint32_t c = First(at); c < nodes_.size(); c = nodes_[c].end) {
        if (nodes_[c].key == key) return false;  // a duplicate key
      }
      Ws();
      if (!Eat(':')) return false;
      Ws();
      const uint32_t member = static_cast<uint32_t>(nodes_.size());
      if (!Value(depth + 1)) return false;
      nodes_[member].key = key;
      Ws();
      if (Eat('}')) return true;
      if (!Eat(',')) return false;
      Ws();
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  bool escaped_ = false;
  std::vector<JNode> nodes_;
};

// ---- the fast path ----

// How a CSV column's cell reads (as PopulationReader reads it) and where it goes.
enum class Cell : uint8_t { kPosition, kYear, kId, kName, kApplicant, kTags, kCount, kFlag, kMoney, kRoute, kClaims, kHistory };

Cell CellOf(std::string_view column) {
  if (column == "year_index" || column == "enterprise") return Cell::kPosition;
  if (column == "year") return Cell::kYear;
  if (column == "id") return Cell::kId;
  if (column == "name") return Cell::kName;
  if (column == "registered_in_chaoyang" || column == "taxed_in_chaoyang" || column == "independent_legal_person" ||
      column == "serious_dishonesty_record") {
    return Cell::kApplicant;
  }
  if (column == "tags") return Cell::kTags;
  if (column == "listed_data_products" || column == "registration_certificates") return Cell::kCount;
  if (column == "fs_inclusion_first_time" || column == "compliant_export_first_time" ||
      column == "platform_in_operation") {
    return Cell::kFlag;
  }
  if (column == "fs_inclusion_amount" || column == "exchange_trading_volume" || column == "filed_trading_volume") {
    return Cell::kMoney;
  }
  if (column == "export_route") return Cell::kRoute;
  if (column == "claims") return Cell::kClaims;
  return Cell::kHistory;
}

// The cell Append stores for a value of `type` that the case leaves out
// (ReadCase's zero of the type, through batch.cc's ToCell).
int64_t ZeroCell(const Type& type) {
  if (type.kind == TypeKind::kEnum) return -1;  // none, or no choice
  if (type.kind == TypeKind::kText && type.optional) return -1;
  return 0;
}

class FastLoader {
 public:
  FastLoader(const CheckedPolicy& policy, const ColumnsOptions& options, PopulationFormat format)
      : p_(policy), options_(options), json_(format == PopulationFormat::kJsonLines) {
    for (const auto& m : p_.policy.measures) measure_ids_.push_back(m.id);
    for (const auto& t : p_.policy.tags) tag_names_.push_back(t.name);
    for (const auto& f : p_.policy.applicant_fields) applicant_names_.push_back(f.name);
    for (const auto& f : p_.policy.claim_fields) {
      claim_field_names_.push_back(f.name);
      claim_field_zero_.push_back(ZeroCell(f.type));
    }
    for (const auto& f : p_.policy.facts) {
      fact_names_.push_back(f.name);
      fact_zero_.push_back(ZeroCell(f.type));
    }
  }

  // Reads what comes before the cases at the start of `data`: the CSV header
  // row, or (JSON Lines, `skip_header_record`) the header record the reader
  // has already checked. *body is where the cases start. False to fall back.
  bool ReadHeader(std::string_view data, bool skip_header_record, size_t* body) {
    data_ = data;
    pos_ = 0;
    line_ = 0;
    if (json_) {
      std::string_view line;
      if (skip_header_record && !NextLine(&line)) return false;
    } else {
      std::string_view line;
      if (!NextLine(&line) || !Split(line) || !Header()) return false;
    }
    *body = pos_;
    return true;
  }

  // Reads the cases of `body`, whose first line is line `first_line` + 1 of
  // the file, after a header read by this loader or the one copied. True when
  // every row was read (or reading stopped at options.last_year); false to
  // fall back.
  bool ReadBody(std::string_view body, int64_t first_line, size_t reserve_bytes, LoadedPopulation* out) {
    data_ = body;
    pos_ = 0;
    line_ = first_line;
    int last_year = -1;
    std::string_view line;
    while (NextLine(&line)) {
      if (json_) {
        if (!ParseJsonRecord(line)) return false;
      } else {
        if (!Split(line) || fields_.size() != columns_.size() || !ParseCsvRow()) return false;
      }
      if (row_year_ < last_year) return false;
      last_year = row_year_;
      if (options_.last_year > 0 && row_year_ > options_.last_year) {
        stopped_ = true;
        return true;
      }
      if (out->years.empty() || out->years.back().columns.year != row_year_) {
        out->years.emplace_back();
        out->years.back().columns.Reset(p_, row_year_);
        if (out->years.size() == 1) {
          // A generated case takes 150 to 250 bytes in CSV, 450 to 700 in JSON
          // Lines; room reserved and not used costs address space, not memory.
          const size_t rows = reserve_bytes / (json_ ? 400 : 128) + 16;
          Reserve(rows, rows, &out->years.back());
          out->years.back().columns.project_ids.reserve(rows / 2);
        } else {  // a year of a generated file has as many rows as the first
          Reserve(out->years.front().columns.size(), out->years.front().columns.claim_case.size(),
                  &out->years.back());
        }
      }
      Commit(&out->years.back());
    }
    return true;
  }

  int64_t lines_read() const { return line_; }
  bool stopped() const { return stopped_; }  // at a case after options.last_year

 private:
  // The next line that is not blank (as the reader skips blank lines), its
  // line number in record_line_; false at the end of the data.
  bool NextLine(std::string_view* out) {
    while (pos_ < data_.size()) {
      size_t end = data_.find('\n', pos_);
      if (end == std::string_view::npos) end = data_.size();
      std::string_view line = data_.substr(pos_, end - pos_);
      pos_ = end + 1;
      ++line_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      record_line_ = line_;
      *out = line;
      return true;
    }
    return false;
  }

  // RFC 4180 on one physical line; a quoted field holding a line break is left
  // to the reference path. Fields are short: a byte loop beats memchr calls.
  bool Split(std::string_view line) {
    fields_.clear();
    escaped_.clear();
    const char* p = line.data();
    const char* const end = p + line.size();
    while (true) {
      if (p < end && *p == '"') {
        const char* start = ++p;
        bool doubled = false;
        while (true) {
          while (p < end && *p != '"') ++p;
          if (p == end) return false;  // not closed on this line
          if (p + 1 < end && p[1] == '"') {
            doubled = true;
            p += 2;
            continue;
          }
          break;
        }
        // A cell with doubled quotes stays as written: the JSON scanner reads
        // the claims and history cells in that form, and other cells never
        // need them (see ParseCsvRow).
        fields_.push_back(std::string_view(start, static_cast<size_t>(p - start)));
        escaped_.push_back(doubled ? 1 : 0);
        ++p;  // the closing quote
        if (p < end && *p != ',') return false;
      } else {
        const char* start = p;
        while (p < end && *p != ',') {
          if (*p == '"') return false;  // a quote inside an unquoted field
          ++p;
        }
        fields_.push_back(std::string_view(start, static_cast<size_t>(p - start)));
        escaped_.push_back(0);
      }
      if (p < end) {  // at a comma
        ++p;
        continue;
      }
      return true;
    }
  }

  bool Header() {
    bool seen[std::size(kCsvColumns)] = {};
    bool have_year = false, have_id = false;
    for (std::string_view name : fields_) {
      size_t c = 0;
      while (c < std::size(kCsvColumns) && kCsvColumns[c] != name) ++c;
      if (c == std::size(kCsvColumns) || seen[c]) return false;
      seen[c] = true;
      Column col;
      col.cell = CellOf(name);
      have_year |= col.cell == Cell::kYear;
      have_id |= col.cell == Cell::kId;
      if (col.cell == Cell::kApplicant) {
        col.index = Find(applicant_names_, name);
      } else if (col.cell == Cell::kCount || col.cell == Cell::kFlag || col.cell == Cell::kMoney ||
                 col.cell == Cell::kRoute) {
        col.index = Find(fact_names_, name);
        if (col.index >= 0) col.type = p_.policy.facts[static_cast<size_t>(col.index)].type;
      }
      columns_.push_back(col);
    }
    // The reference path's header errors; and each column's cells must fit the policy's field.
    if (!have_year || !have_id) return false;
    for (const Column& col : columns_) {
      if (col.index < 0) continue;
      TypeKind k = col.type.kind;
      if (col.cell == Cell::kCount && k != TypeKind::kCount && k != TypeKind::kYear) return false;
      if (col.cell == Cell::kFlag && k != TypeKind::kFlag) return false;
      if (col.cell == Cell::kMoney && k != TypeKind::kMoney) return false;
      if (col.cell == Cell::kRoute && k != TypeKind::kEnum) return false;
    }
    return true;
  }

  void StartRow() {
    applicant_.assign(p_.policy.applicant_fields.size(), 0);
    facts_ = fact_zero_;
    tags_ = 0;
    claims_.clear();
    history_.clear();
  }

  bool ParseCsvRow() {
    StartRow();
    std::string_view claims_cell, history_cell;
    bool claims_escaped = false, history_escaped = false;
    // The year first: the history's years are checked against it.
    for (size_t f = 0; f < columns_.size(); ++f) {
      if (columns_[f].cell != Cell::kYear) continue;
      int64_t y = 0;
      if (!ParseCount(fields_[f], &y) || y < 1900 || y > 9999) return false;
      row_year_ = static_cast<int>(y);
    }
    for (size_t f = 0; f < columns_.size(); ++f) {
      const Column& col = columns_[f];
      std::string_view cell = fields_[f];
      if (escaped_[f] && col.cell != Cell::kName && col.cell != Cell::kClaims && col.cell != Cell::kHistory) {
        return false;  // a quote in a code, flag or amount: the reference path names the error
      }
      switch (col.cell) {
        case Cell::kPosition: {
          int64_t v = 0;
          if (!ParseCount(cell, &v)) return false;
          break;
        }
        case Cell::kYear:
          break;
        case Cell::kName:
          // Not read by the policy, but a name that is not UTF-8 is an error
          // of the file: the reference path names it.
          if (FirstInvalidUtf8(cell) != std::string_view::npos) return false;
          break;
        case Cell::kId:
          if (!uscc_.Valid(cell)) return false;
          id_ = cell;
          break;
        case Cell::kApplicant:
        case Cell::kFlag: {
          if (cell.empty()) break;  // absent: false
          if (col.index < 0) return false;
          uint8_t v = 0;
          if (cell == "true") {
            v = 1;
          } else if (cell != "false") {
            return false;
          }
          if (col.cell == Cell::kApplicant) {
            applicant_[static_cast<size_t>(col.index)] = v;
          } else {
            facts_[static_cast<size_t>(col.index)] = v;
          }
          break;
        }
        case Cell::kTags: {
          size_t start = 0;
          while (start < cell.size()) {
            size_t end = cell.find(';', start);
            if (end == std::string_view::npos) end = cell.size();
            if (end == start || end + 1 == cell.size()) return false;  // an empty or trailing tag
            if (!AddTag(cell.substr(start, end - start))) return false;
            start = end + 1;
          }
          break;
        }
        case Cell::kCount: {
          int64_t v = 0;
          if (!ParseCount(cell, &v) || col.index < 0) return false;
          facts_[static_cast<size_t>(col.index)] = v;
          break;
        }
        case Cell::kMoney: {
          if (cell.empty()) break;  // absent: zero
          int64_t fen = 0;
          if (!ParseFen(cell, &fen) || col.index < 0) return false;
          facts_[static_cast<size_t>(col.index)] = fen;
          break;
        }
        case Cell::kRoute: {
          if (col.index < 0) return false;  // even an empty cell is a key (null)
          if (cell.empty()) {
            if (!col.type.optional) return false;
            facts_[static_cast<size_t>(col.index)] = -1;
            break;
          }
          int choice = Find(p_.policy.enums[static_cast<size_t>(col.type.enum_id)].values, cell);
          if (choice < 0) return false;
          facts_[static_cast<size_t>(col.index)] = choice;
          break;
        }
        case Cell::kClaims:
          claims_cell = cell;
          claims_escaped = escaped_[f] != 0;
          break;
        case Cell::kHistory:
          history_cell = cell;
          history_escaped = escaped_[f] != 0;
          break;
      }
    }
    // An empty cell is an empty list.
    if (!claims_cell.empty() && (!tape_.Parse(claims_cell, claims_escaped) || !ParseClaims(0))) return false;
    if (!history_cell.empty() && (!tape_.Parse(history_cell, history_escaped) || !ParseHistory(0))) return false;
    return true;
  }

  // One JSON Lines record: {"year", "applicant", "facts", "claims", "history"}.
  // A record with earlier years' figures ("earlier") is left to the reference path.
  bool ParseJsonRecord(std::string_view line) {
    StartRow();
    if (!tape_.Parse(line, /*escaped=*/false) || tape_[0].kind != JNode::kObject) return false;
    uint32_t applicant = 0, facts = 0, claims = 0, history = 0;  // 0: not given (the root is node 0)
    bool have_year = false;
    for (uint32_t m = JsonTape::First(0); m < tape_[0].end; m = tape_[m].end) {
      const JNode& n = tape_[m];
      if (n.key == "year") {
        if (n.kind != JNode::kInt || n.number < 1900 || n.number > 9999) return false;
        row_year_ = static_cast<int>(n.number);
        have_year = true;
      } else if (n.key == "applicant") {
        applicant = m;
      } else if (n.key == "facts") {
        facts = m;
      } else if (n.key == "claims") {
        claims = m;
      } else if (n.key == "history") {
        history = m;
      } else {
        return false;
      }
    }
    if (!have_year || applicant == 0 || !ParseApplicant(applicant)) return false;
    if (!ParseFacts(facts)) return false;
    if (claims != 0 && !ParseClaims(claims)) return false;
    if (history != 0 && !ParseHistory(history)) return false;
    return true;
  }

  bool AddTag(std::string_view name) {
    const int t = Find(tag_names_, name);
    if (t < 0) return false;
    if (t < 64) tags_ |= uint64_t{1} << t;
    return true;
  }

  bool ParseApplicant(uint32_t at) {
    if (tape_[at].kind != JNode::kObject) return false;
    bool have_id = false;
    for (uint32_t m = JsonTape::First(at); m < tape_[at].end; m = tape_[m].end) {
      const JNode& n = tape_[m];
      if (n.key == "id") {
        if (n.kind != JNode::kString || !uscc_.Valid(n.text)) return false;
        id_ = n.text;
        have_id = true;
      } else if (n.key == "name") {
        if (n.kind != JNode::kString) return false;  // its bytes were checked as UTF-8 by the scanner
      } else if (n.key == "tags") {
        if (n.kind != JNode::kArray) return false;
        for (uint32_t t = JsonTape::First(m); t < n.end; t = tape_[t].end) {
          if (tape_[t].kind != JNode::kString || !AddTag(tape_[t].text)) return false;
        }
      } else {
        const int f = Find(applicant_names_, n.key);
        if (f < 0 || (n.kind != JNode::kTrue && n.kind != JNode::kFalse)) return false;
        applicant_[static_cast<size_t>(f)] = n.kind == JNode::kTrue ? 1 : 0;
      }
    }
    return have_id;
  }

  // `at` 0: the record gives no facts (each fact the policy requires is then missing).
  bool ParseFacts(uint32_t at) {
    given_.assign(fact_names_.size(), 0);
    if (at != 0) {
      if (tape_[at].kind != JNode::kObject) return false;
      for (uint32_t m = JsonTape::First(at); m < tape_[at].end; m = tape_[m].end) {
        const int f = Find(fact_names_, tape_[m].key);
        if (f < 0) return false;
        const FieldDecl& decl = p_.policy.facts[static_cast<size_t>(f)];
        if (decl.derived != FieldDecl::Derived::kNone) return false;  // the reader derives it: not given
        if (!TypedCell(decl.type, tape_[m], &facts_[static_cast<size_t>(f)])) return false;
        given_[static_cast<size_t>(f)] = 1;
      }
    }
    for (size_t f = 0; f < fact_names_.size(); ++f) {
      const FieldDecl& decl = p_.policy.facts[f];
      if (decl.derived == FieldDecl::Derived::kNone && MustBeGiven(decl.type) && !given_[f]) return false;
    }
    return true;
  }

  // measure and item of a claim or history entry, as ReadCase resolves them.
  bool ResolveItem(uint32_t object, int* measure, int* item) {
    const JNode* m = tape_.Member(object, "measure");
    if (!m || m->kind != JNode::kString) return false;
    *measure = Find(measure_ids_, m->text);
    if (*measure < 0) return false;
    const MeasureDecl& md = p_.policy.measures[static_cast<size_t>(*measure)];
    const JNode* it = tape_.Member(object, "item");
    if (!it || it->kind == JNode::kNull) {
      *item = 0;
      return md.items.size() == 1;
    }
    if (it->kind != JNode::kString) return false;
    *item = -1;
    for (size_t i = 0; i < md.items.size(); ++i) {
      if (md.items[i].name == it->text) *item = static_cast<int>(i);
    }
    return *item >= 0;
  }

  // The claims array at `at`.
  bool ParseClaims(uint32_t at) {
    if (tape_[at].kind != JNode::kArray) return false;
    const size_t width = claim_field_names_.size();
    for (uint32_t o = JsonTape::First(at); o < tape_[at].end; o = tape_[o].end) {
      if (tape_[o].kind != JNode::kObject) return false;
      const size_t c = claims_.size();
      claims_.emplace_back();
      claim_cells_.resize(claims_.size() * width);
      ClaimRow& claim = claims_.back();
      if (!ResolveItem(o, &claim.measure, &claim.item)) return false;
      for (uint32_t m = JsonTape::First(o); m < tape_[o].end; m = tape_[m].end) {
        std::string_view key = tape_[m].key;
        if (key != "measure" && key != "item" && Find(claim_field_names_, key) < 0) return false;
      }
      const ItemDecl& item =
          p_.policy.measures[static_cast<size_t>(claim.measure)].items[static_cast<size_t>(claim.item)];
      if (!item.by_claim) return false;
      int64_t* cells = &claim_cells_[c * width];
      for (size_t fi = 0; fi < width; ++fi) {
        const FieldDecl& f = p_.policy.claim_fields[fi];
        const JNode* v = tape_.Member(o, claim_field_names_[fi]);
        if (!v) {
          if (std::find(item.required_claim_fields.begin(), item.required_claim_fields.end(), f.name) !=
              item.required_claim_fields.end()) {
            return false;
          }
          cells[fi] = claim_field_zero_[fi];
          continue;
        }
        if (!TypedCell(f.type, *v, &cells[fi])) return false;
        if (v->kind == JNode::kString) {
          if (static_cast<int>(fi) == p_.project_field) claim.project = v->text;
          if (static_cast<int>(fi) == p_.solution_field) claim.solution = v->text;
        }
      }
    }
    return true;
  }

  // ReadTyped, to the cell ToCell would give, for the types a generated file
  // holds; any other type (a date, a rate, a quantity in units) falls back.
  bool TypedCell(const Type& type, const JNode& v, int64_t* cell) const {
    if (v.kind == JNode::kNull) {
      // ReadTyped: an optional value left null is ZeroOf(type): none, or zero
      // for a quantity (money?), whose cell is 0.
      if (!type.optional) return false;
      *cell = type.kind == TypeKind::kMoney || type.kind == TypeKind::kCount ? 0 : -1;
      return type.kind == TypeKind::kMoney || type.kind == TypeKind::kCount || type.kind == TypeKind::kEnum ||
             type.kind == TypeKind::kText || type.kind == TypeKind::kFlag || type.kind == TypeKind::kYear;
    }
    switch (type.kind) {
      case TypeKind::kMoney:
        return v.kind == JNode::kString && ParseFen(v.text, cell);
      case TypeKind::kCount:
        if (v.kind != JNode::kInt || v.number < 0 || v.number > 1000000000000LL) return false;
        *cell = v.number;
        return true;
      case TypeKind::kYear:
        if (v.kind != JNode::kInt || v.number < 1900 || v.number > 9999) return false;
        *cell = v.number;
        return true;
      case TypeKind::kFlag:
        if (v.kind != JNode::kTrue && v.kind != JNode::kFalse) return false;
        *cell = v.kind == JNode::kTrue ? 1 : 0;
        return true;
      case TypeKind::kEnum: {
        if (v.kind != JNode::kString) return false;
        int choice = Find(p_.policy.enums[static_cast<size_t>(type.enum_id)].values, v.text);
        *cell = choice;
        return choice >= 0;
      }
      case TypeKind::kText:
        *cell = 0;
        return v.kind == JNode::kString && v.text.size() <= 200;
      default:
        return false;
    }
  }

  // The history array at `at`: awards of earlier years and of the same year.
  bool ParseHistory(uint32_t at) {
    if (tape_[at].kind != JNode::kArray) return false;
    for (uint32_t o = JsonTape::First(at); o < tape_[at].end; o = tape_[o].end) {
      if (tape_[o].kind != JNode::kObject) return false;
      history_.emplace_back();
      HistoryRow& entry = history_.back();
      for (uint32_t m = JsonTape::First(o); m < tape_[o].end; m = tape_[m].end) {
        std::string_view key = tape_[m].key;
        // A named condition ("condition") is left to the reference path.
        if (key != "year" && key != "measure" && key != "item" && key != "amount" && key != "project" &&
            key != "solution") {
          return false;
        }
      }
      const JNode* year = tape_.Member(o, "year");
      if (!year || year->kind != JNode::kInt || year->number < 1900 || year->number > row_year_) return false;
      entry.year = static_cast<int>(year->number);
      if (!ResolveItem(o, &entry.measure, &entry.item)) return false;
      const JNode* amount = tape_.Member(o, "amount");
      if (!amount || amount->kind != JNode::kString || !ParseFen(amount->text, &entry.amount_fen)) return false;
      for (auto [key, out] : {std::pair{"project", &entry.project}, std::pair{"solution", &entry.solution}}) {
        const JNode* v = tape_.Member(o, key);
        if (!v || v->kind == JNode::kNull) continue;
        if (v->kind != JNode::kString || v->text.size() > 200) return false;
        *out = v->text;
      }
    }
    return true;
  }

  int32_t Intern(CaseColumns* cols, std::string_view project) {
    if (project.empty()) return -1;
    project_key_.assign(project);
    return cols->InternProject(project_key_);
  }

  // CaseColumns::Append, from the parsed row: the same cells, and projects
  // and solutions interned in the same order (each claim's project then its
  // solution, then each history entry's).
  void Commit(LoadedYear* year) {
    CaseColumns& cols = year->columns;
    const uint32_t row = static_cast<uint32_t>(cols.applicant_id.size());
    cols.applicant_id.emplace_back(id_);
    for (size_t i = 0; i < applicant_.size(); ++i) cols.applicant[i].push_back(applicant_[i]);
    cols.tags.push_back(tags_);
    for (size_t i = 0; i < facts_.size(); ++i) cols.facts[i].push_back(facts_[i]);
    const size_t width = claim_field_names_.size();
    for (size_t c = 0; c < claims_.size(); ++c) {
      const ClaimRow& claim = claims_[c];
      cols.claim_case.push_back(row);
      cols.claim_measure.push_back(static_cast<int16_t>(claim.measure));
      cols.claim_item.push_back(static_cast<int16_t>(claim.item));
      cols.claim_index.push_back(static_cast<int32_t>(c));
      const int32_t project = Intern(&cols, claim.project);
      for (size_t fi = 0; fi < width; ++fi) {
        cols.claim_fields[fi].push_back(static_cast<int>(fi) == p_.project_field ? project
                                                                                : claim_cells_[c * width + fi]);
      }
      cols.claim_project.push_back(project);
      cols.claim_solution.resize(cols.claim_project.size() - 1, -1);
      cols.claim_solution.push_back(Intern(&cols, claim.solution));
    }
    for (const HistoryRow& h : history_) {
      cols.history_case.push_back(row);
      cols.history_year.push_back(static_cast<int16_t>(h.year));
      cols.history_measure.push_back(static_cast<int16_t>(h.measure));
      cols.history_item.push_back(static_cast<int16_t>(h.item));
      cols.history_amount.push_back(h.amount_fen);
      cols.history_project.push_back(Intern(&cols, h.project));
      cols.history_solution.resize(cols.history_project.size() - 1, -1);
      cols.history_solution.push_back(Intern(&cols, h.solution));
      cols.history_condition.resize(cols.history_project.size(), -1);
    }
    year->line.push_back(record_line_);
  }

  static void Reserve(size_t n, size_t claims, LoadedYear* year) {
    CaseColumns& c = year->columns;
    c.applicant_id.reserve(n);
    for (auto& col : c.applicant) col.reserve(n);
    c.tags.reserve(n);
    for (auto& col : c.facts) col.reserve(n);
    c.claim_case.reserve(claims);
    c.claim_measure.reserve(claims);
    c.claim_item.reserve(claims);
    c.claim_index.reserve(claims);
    for (auto& col : c.claim_fields) col.reserve(claims);
    c.claim_project.reserve(claims);
    c.claim_solution.reserve(claims);
    year->line.reserve(n);
  }

  struct Column {
    Cell cell = Cell::kName;
    int index = -1;  // applicant or fact index; -1 when the policy has no such field
    Type type;
  };
  struct ClaimRow {
    int measure = -1, item = -1;
    std::string_view project, solution;
  };
  struct HistoryRow {
    int year = 0, measure = -1, item = -1;
    int64_t amount_fen = 0;
    std::string_view project, solution;
  };

  const CheckedPolicy& p_;
  const ColumnsOptions& options_;
  const bool json_;  // JSON Lines; otherwise CSV
  std::vector<std::string> measure_ids_, tag_names_, applicant_names_, claim_field_names_, fact_names_;
  std::vector<int64_t> claim_field_zero_, fact_zero_;
  UsccChecker uscc_;

  std::string_view data_;
  size_t pos_ = 0;
  int64_t line_ = 0, record_line_ = 0;
  bool stopped_ = false;
  std::vector<Column> columns_;            // CSV: by field of the header row
  std::vector<std::string_view> fields_;   // CSV: the row's cells
  std::vector<uint8_t> escaped_;           // CSV, by field: it holds doubled quotes, as written

  // The row being read.
  int row_year_ = 0;
  std::string_view id_;
  std::vector<uint8_t> applicant_;
  uint64_t tags_ = 0;
  std::vector<int64_t> facts_;
  std::vector<uint8_t> given_;  // JSON Lines, by fact: the record gives it
  JsonTape tape_;
  std::vector<ClaimRow> claims_;
  std::vector<int64_t> claim_cells_;  // [claim * width + field]
  std::vector<HistoryRow> history_;
  std::string project_key_;
};

// The file's bytes, mapped read-only: no copy, and pages come straight from
// the page cache.
class MappedFile {
 public:
  bool Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) return false;
    struct stat st;
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
      size_ = static_cast<size_t>(st.st_size);
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (p != MAP_FAILED) data_ = static_cast<const char*>(p);
    } else if (::fstat(fd, &st) == 0) {
      empty_ = true;
    }
    ::close(fd);
    return data_ != nullptr || empty_;
  }
  std::string_view view() const { return data_ ? std::string_view(data_, size_) : std::string_view(); }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
  bool empty_ = false;
};


// Appends the rows of `src` to `dst` (the same year), as if they had been
// appended to it one by one: case rows shifted, projects interned in the
// order they first appear in `src`, which is the order Append would meet them.
void AppendYear(LoadedYear&& src, int project_field, LoadedYear* dst) {
  CaseColumns& d = dst->columns;
  CaseColumns& s = src.columns;
  const uint32_t row0 = static_cast<uint32_t>(d.size());
  auto append = [](auto& to, auto& from) { to.insert(to.end(), from.begin(), from.end()); };
  d.applicant_id.insert(d.applicant_id.end(), std::make_move_iterator(s.applicant_id.begin()),
                        std::make_move_iterator(s.applicant_id.end()));
  for (size_t i = 0; i < d.applicant.size(); ++i) append(d.applicant[i], s.applicant[i]);
  append(d.tags, s.tags);
  for (size_t i = 0; i < d.facts.size(); ++i) append(d.facts[i], s.facts[i]);
  std::vector<int32_t> project(s.projects.size());
  for (size_t i = 0; i < s.projects.size(); ++i) project[i] = d.InternProject(s.projects[i]);
  auto remap = [&](int32_t id) { return id < 0 ? id : project[static_cast<size_t>(id)]; };
  for (uint32_t c : s.claim_case) d.claim_case.push_back(c + row0);
  append(d.claim_measure, s.claim_measure);
  append(d.claim_item, s.claim_item);
  append(d.claim_index, s.claim_index);
  for (size_t f = 0; f < d.claim_fields.size(); ++f) {
    if (static_cast<int>(f) == project_field) {
      for (int64_t id : s.claim_fields[f]) d.claim_fields[f].push_back(remap(static_cast<int32_t>(id)));
    } else {
      append(d.claim_fields[f], s.claim_fields[f]);
    }
  }
  // Solutions and conditions may be short (batch.h): padded to the rows before.
  d.claim_solution.resize(d.claim_project.size(), -1);
  for (int32_t id : s.claim_solution) d.claim_solution.push_back(remap(id));
  for (int32_t id : s.claim_project) d.claim_project.push_back(remap(id));
  // What awards counted of a `draw` may be short or absent on either side:
  // padded to the rows before.
  const size_t history0 = d.history_case.size();
  d.history_drawn.resize(std::max(d.history_drawn.size(), s.history_drawn.size()));
  for (size_t g = 0; g < s.history_drawn.size(); ++g) {
    if (s.history_drawn[g].empty()) continue;
    d.history_drawn[g].resize(history0, 0);
    append(d.history_drawn[g], s.history_drawn[g]);
  }
  for (uint32_t c : s.history_case) d.history_case.push_back(c + row0);
  append(d.history_year, s.history_year);
  append(d.history_measure, s.history_measure);
  append(d.history_item, s.history_item);
  append(d.history_amount, s.history_amount);
  d.history_solution.resize(d.history_project.size(), -1);
  for (int32_t id : s.history_solution) d.history_solution.push_back(remap(id));
  d.history_condition.resize(d.history_project.size(), -1);
  append(d.history_condition, s.history_condition);
  for (int32_t id : s.history_project) d.history_project.push_back(remap(id));
  append(dst->line, src.line);
}

// The fast path over the whole file: the header, then the cases in two
// halves on two threads when the file is large enough to gain from it.
// `skip_header_record`: JSON Lines whose first record is the header.
bool FastLoad(const CheckedPolicy& policy, const ColumnsOptions& options, PopulationFormat format,
              bool skip_header_record, std::string_view data, LoadedPopulation* out) {
  FastLoader first(policy, options, format);
  size_t body = 0;
  if (!first.ReadHeader(data, skip_header_record, &body)) return false;
  const int64_t header_lines = first.lines_read();
  size_t mid = data.size();
  if (data.size() - body > options.split_above_bytes) {
    mid = data.find('\n', body + (data.size() - body) / 2);
    mid = mid == std::string_view::npos ? data.size() : mid + 1;
  }
  if (mid == data.size()) return first.ReadBody(data.substr(body), header_lines, data.size(), out);
  // A split inside a quoted CSV cell that spans lines makes the first half end
  // in an open quote, which the fast path refuses: then the reference path
  // reads it. (A JSON Lines record never spans lines.)
  FastLoader second = first;
  LoadedPopulation tail;
  bool tail_ok = false;
  std::thread worker([&] { tail_ok = second.ReadBody(data.substr(mid), 0, data.size() - mid, &tail); });
  // The first half reserves for the whole file: the second is appended to it.
  bool head_ok = first.ReadBody(data.substr(body, mid - body), header_lines, data.size(), out);
  worker.join();
  if (!head_ok || !tail_ok) return false;
  if (first.stopped() || tail.years.empty()) return true;
  if (!out->years.empty() && tail.years.front().columns.year < out->years.back().columns.year) return false;
  const int64_t shift = first.lines_read();
  for (LoadedYear& y : tail.years) {
    for (int64_t& line : y.line) line += shift;
  }
  size_t t = 0;
  if (!out->years.empty() && tail.years.front().columns.year == out->years.back().columns.year) {
    AppendYear(std::move(tail.years.front()), policy.project_field, &out->years.back());
    t = 1;
  }
  for (; t < tail.years.size(); ++t) out->years.push_back(std::move(tail.years[t]));
  return true;
}

}  // namespace

Result<LoadedPopulation> LoadColumnsByReader(const CheckedPolicy& policy, const std::string& path,
                                             const ColumnsOptions& options) {
  return ReferenceLoad(policy, path, options);
}

Result<LoadedPopulation> LoadColumns(const CheckedPolicy& policy, const std::string& path,
                                     const ColumnsOptions& options) {
  BURSAR_ASSIGN_OR_RETURN(PopulationFormat format, FormatForPath(path));
  if (options.allow_fast_path) {
    // A JSON Lines header record is checked by the reader itself (it reads
    // only that line); the fast path then skips it.
    bool skip_header_record = false;
    bool header_ok = true;
    std::optional<int64_t> promised;  // cases the header record promises
    if (format == PopulationFormat::kJsonLines) {
      auto reader = PopulationReader::Open(path);
      header_ok = reader.ok();
      skip_header_record = header_ok && (*reader)->header().has_value();
      if (skip_header_record) promised = (*reader)->header()->enterprises * (*reader)->header()->years;
    }
    MappedFile file;
    if (header_ok && file.Open(path)) {
      LoadedPopulation out;
      if (FastLoad(policy, options, format, skip_header_record, file.view(), &out)) {
        out.fast_path = true;
        // The fast path fills the cells from the file; what the policy derives
        // from a case's history (received) is derived here, as ReadCase does.
        // An amount out of range there is named by the reference path, with its line.
        bool derived = true;
        for (auto& year : out.years) derived = derived && year.columns.DeriveFromHistory(policy).ok();
        // A file shorter or longer than its header promises is refused by
        // the reference path, which says so.
        int64_t cases = 0;
        for (const auto& year : out.years) cases += static_cast<int64_t>(year.line.size());
        if (derived && (!promised || cases == *promised)) return out;
      }
    }
    // Unreadable, or something the fast path does not recognise: the
    // reference path reads it again and names the error, if there is one.
  }
  return ReferenceLoad(policy, path, options);
}

}  // namespace bursar::population
