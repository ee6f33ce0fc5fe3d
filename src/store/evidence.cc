// Import of evidence files. The hot loop (CSV of trades) is: split a line into
// fields without copying, validate each field by its spec, check the
// enterprise against a cache, and run one prepared INSERT ... ON CONFLICT DO
// NOTHING. Only when a row's key is already stored does it read the stored
// row back to tell "unchanged" from "conflicting".
#include "store/evidence.h"

#include <algorithm>
#include <charconv>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "base/json_text.h"
#include "base/text.h"
#include "case/uscc.h"
#include "money/exact.h"
#include "store/digest.h"
#include "store/evidence_seal.h"
#include "store/store.h"

namespace bursar::store {

namespace {

enum class FieldType { kText, kCreditCode, kDate, kOptionalDate, kMoney, kYear, kBool, kEnum, kTags };

struct FieldSpec {
  const char* name;    // in the file
  const char* column;  // in the table
  FieldType type;
  std::vector<std::string_view> allowed = {};  // kEnum
};

struct KindSpec {
  EvidenceKind kind;
  const char* name;
  const char* table;
  std::vector<FieldSpec> fields;
  size_t key_count;  // the first key_count fields form the natural key
  bool updatable;    // a changed row updates (enterprises) instead of being rejected
  // Derived SQL. Every kind but enterprises also stores each row's provenance
  // (D-G10, migration 17): its source and the account that supplied it are
  // two more parameters after the fields, and select_sql reads the stored
  // row's source and verifier after its fields. official_sql turns a declared
  // row into the official one (the fields, then supplied_by, then the key).
  bool provenance = false;
  std::string insert_sql = {}, select_sql = {}, update_sql = {}, official_sql = {};
};

const std::vector<std::string_view> kTags = {"designated_exchange_operator",
                                             "platform_operator",
                                             "data_vendor",
                                             "professional_service_agency",
                                             "innovation_platform",
                                             "industry_organization",
                                             "key_enterprise",
                                             "park_enterprise",
                                             "park_operator",
                                             "scenario_builder",
                                             "dataset_provider"};

// Chinese column headers of the import files, per kind and field (issue 15):
// an office's spreadsheet may be headed in Chinese. Either form is accepted,
// and the sample files offer the Chinese one.
const char* ZhHeader(std::string_view kind, std::string_view field) {
  struct Entry {
    const char* kind;  // "" for every kind
    const char* field;
    const char* zh;
  };
  static const Entry kHeaders[] = {
      {"", "credit_code", "统一社会信用代码"},
      {"enterprises", "name", "企业名称"},
      {"enterprises", "registered_in_chaoyang", "在朝阳区注册"},
      {"enterprises", "taxed_in_chaoyang", "在朝阳区纳税"},
      {"enterprises", "independent_legal_person", "独立法人"},
      {"enterprises", "serious_dishonesty_record", "严重失信记录"},
      {"enterprises", "tags", "企业类型标签"},
      {"", "exchange", "交易机构"},
      {"listings", "listing_id", "挂牌编号"},
      {"listings", "product", "数据产品名称"},
      {"listings", "type", "产品类型"},
      {"listings", "listing_date", "挂牌日期"},
      {"", "status", "状态"},
      {"certificates", "platform", "登记平台"},
      {"certificates", "number", "证书编号"},
      {"certificates", "resource", "登记的数据资源或产品"},
      {"certificates", "right", "登记的权利"},
      {"certificates", "issue_date", "发证日期"},
      {"certificates", "valid_until", "有效期至"},
      {"", "year", "年度"},
      {"fs_inclusions", "amount", "入表金额"},
      {"fs_inclusions", "first_time", "首次入表"},
      {"trades", "trade_id", "交易编号"},
      {"trades", "date", "交易日期"},
      {"trades", "side", "交易方向"},
      {"trades", "amount", "交易金额"},
      {"trades", "legally_established", "依法设立的交易机构"},
      {"filings", "filing_id", "备案编号"},
      {"filings", "date", "备案日期"},
      {"filings", "amount", "备案交易金额"},
      {"exports", "route", "出境方式"},
      {"exports", "number", "批准或备案编号"},
      {"exports", "authority", "批准或备案机关"},
      {"exports", "date", "批准或备案日期"},
      {"projects", "project_id", "项目编号"},
      {"projects", "investment", "总投资额"},
      {"projects", "civil_construction", "土建投资"},
      {"platforms", "platform_id", "平台编号"},
      {"platforms", "name", "平台名称"},
      {"platforms", "completed_date", "建成日期"},
      {"platforms", "operation_start", "开始运营日期"},
      {"platforms", "operation_end", "停止运营日期"},
  };
  for (const Entry& e : kHeaders) {
    if (field == e.field && (*e.kind == 0 || kind == e.kind)) return e.zh;
  }
  return nullptr;
}

// Chinese forms of flag and enumeration values in import files: 是/否 and
// 卖方/买方 as well as true/false and seller/buyer.
std::string_view CanonicalValue(std::string_view text) {
  static const std::pair<std::string_view, std::string_view> kValues[] = {
      {"是", "true"},
      {"否", "false"},
      {"卖方", "seller"},
      {"买方", "buyer"},
      {"数据集", "dataset"},
      {"数据接口", "api"},
      {"数据报告", "report"},
      {"数据服务", "service"},
      {"数据工具", "tool"},
      {"挂牌中", "listed"},
      {"已摘牌", "delisted"},
      {"已撤销", "revoked"},
      {"有效", "valid"},
      {"已过期", "expired"},
      {"数据资源持有权", "holding"},
      {"数据加工使用权", "processing_and_use"},
      {"数据产品经营权", "operating"},
      {"数据出境安全评估", "security_assessment"},
      {"个人信息出境标准合同备案", "standard_contract"},
      {"个人信息保护认证", "pi_certification"},
  };
  for (const auto& [zh, en] : kValues) {
    if (text == zh) return en;
  }
  return text;
}

std::vector<KindSpec> BuildSpecs() {
  std::vector<KindSpec> specs = {
      {EvidenceKind::kEnterprises,
       "enterprises",
       "enterprise",
       {{"credit_code", "credit_code", FieldType::kCreditCode},
        {"name", "name", FieldType::kText},
        {"registered_in_chaoyang", "registered_in_chaoyang", FieldType::kBool},
        {"taxed_in_chaoyang", "taxed_in_chaoyang", FieldType::kBool},
        {"independent_legal_person", "independent_legal_person", FieldType::kBool},
        {"serious_dishonesty_record", "serious_dishonesty_record", FieldType::kBool},
        {"tags", "tags", FieldType::kTags}},
       1,
       true},
      {EvidenceKind::kListings,
       "listings",
       "listing",
       {{"exchange", "exchange", FieldType::kText},
        {"listing_id", "listing_id", FieldType::kText},
        {"credit_code", "credit_code", FieldType::kCreditCode},
        {"product", "product", FieldType::kText},
        {"type", "type", FieldType::kEnum, {"dataset", "api", "report", "service", "tool"}},
        {"listing_date", "listing_date", FieldType::kDate},
        {"status", "status", FieldType::kEnum, {"listed", "delisted", "revoked"}}},
       2,
       false},
      {EvidenceKind::kCertificates,
       "certificates",
       "certificate",
       {{"platform", "platform", FieldType::kText},
        {"number", "number", FieldType::kText},
        {"credit_code", "credit_code", FieldType::kCreditCode},
        {"resource", "resource", FieldType::kText},
        {"right", "registered_right", FieldType::kEnum, {"holding", "processing_and_use", "operating"}},
        {"issue_date", "issue_date", FieldType::kDate},
        {"valid_until", "valid_until", FieldType::kOptionalDate},
        {"status", "status", FieldType::kEnum, {"valid", "expired", "revoked"}}},
       2,
       false},
      {EvidenceKind::kFsInclusions,
       "fs_inclusions",
       "fs_inclusion",
       {{"credit_code", "credit_code", FieldType::kCreditCode},
        {"year", "year", FieldType::kYear},
        {"amount", "amount_fen", FieldType::kMoney},
        {"first_time", "first_time", FieldType::kBool}},
       2,
       false},
      {EvidenceKind::kTrades,
       "trades",
       "trade",
       {{"credit_code", "credit_code", FieldType::kCreditCode},
        {"exchange", "exchange", FieldType::kText},
        {"trade_id", "trade_id", FieldType::kText},
        {"date", "trade_date", FieldType::kDate},
        {"side", "side", FieldType::kEnum, {"seller", "buyer"}},
        {"amount", "amount_fen", FieldType::kMoney},
        {"legally_established", "legally_established", FieldType::kBool}},
       3,
       false},
      {EvidenceKind::kFilings,
       "filings",
       "filing",
       {{"credit_code", "credit_code", FieldType::kCreditCode},
        {"filing_id", "filing_id", FieldType::kText},
        {"date", "filing_date", FieldType::kDate},
        {"amount", "amount_fen", FieldType::kMoney}},
       2,
       false},
      {EvidenceKind::kExports,
       "exports",
       "export_clearance",
       {{"route", "route", FieldType::kEnum, {"security_assessment", "standard_contract", "pi_certification"}},
        {"number", "number", FieldType::kText},
        {"credit_code", "credit_code", FieldType::kCreditCode},
        {"authority", "authority", FieldType::kText},
        {"date", "clearance_date", FieldType::kDate}},
       2,
       false},
      {EvidenceKind::kProjects,
       "projects",
       "scenario_project",
       {{"credit_code", "credit_code", FieldType::kCreditCode},
        {"project_id", "project_id", FieldType::kText},
        {"year", "year", FieldType::kYear},
        {"investment", "investment_fen", FieldType::kMoney},
        {"civil_construction", "civil_construction_fen", FieldType::kMoney}},
       2,
       false},
      {EvidenceKind::kPlatforms,
       "platforms",
       "platform_operation",
       {{"credit_code", "credit_code", FieldType::kCreditCode},
        {"platform_id", "platform_id", FieldType::kText},
        {"name", "name", FieldType::kText},
        {"completed_date", "completed_date", FieldType::kDate},
        {"operation_start", "operation_start", FieldType::kDate},
        {"operation_end", "operation_end", FieldType::kOptionalDate}},
       2,
       false},
      {EvidenceKind::kFigures,
       "figures",
       "figure",
       {{"credit_code", "credit_code", FieldType::kCreditCode},
        {"policy", "policy", FieldType::kText},
        {"year", "year", FieldType::kYear},
        {"name", "name", FieldType::kText},
        {"value", "value", FieldType::kText}},
       4,
       false},
  };
  for (KindSpec& k : specs) {
    k.provenance = k.kind != EvidenceKind::kEnterprises;
    std::string cols, marks, where, set;
    for (size_t i = 0; i < k.fields.size(); ++i) {
      cols += (i ? ", " : "") + std::string(k.fields[i].column);
      marks += i ? ", ?" : "?";
      if (i < k.key_count) {
        where += (i ? " AND " : "") + std::string(k.fields[i].column) + " = ?";
      } else {
        set += (set.empty() ? "" : ", ") + std::string(k.fields[i].column) + " = ?";
      }
    }
    const std::string extra_cols = k.provenance ? ", source, supplied_by" : "";
    k.insert_sql = "INSERT INTO " + std::string(k.table) + " (" + cols + extra_cols + ") VALUES (" + marks +
                   (k.provenance ? ", ?, ?" : "") + ") ON CONFLICT DO NOTHING";
    k.select_sql = "SELECT " + cols + (k.provenance ? ", source, verified_by" : "") + " FROM " + k.table + " WHERE " +
                   where;
    k.update_sql = "UPDATE " + std::string(k.table) + " SET " + set + " WHERE " + where;
    k.official_sql = "UPDATE " + std::string(k.table) + " SET " + set +
                     ", source = 'official', supplied_by = ?, verified_by = NULL, verified_on = NULL WHERE " + where;
  }
  return specs;
}

const std::vector<KindSpec>& Specs() {
  static const std::vector<KindSpec> specs = BuildSpecs();
  return specs;
}

const KindSpec& SpecOf(EvidenceKind kind) { return Specs()[static_cast<size_t>(kind)]; }

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return std::from_chars(s.data(), s.data() + s.size(), *out).ec == std::errc();
}

// One row, validated and normalised: a parameter per field, plus the text that
// the database gives back for it (for comparisons and the row digest).
struct NormalRow {
  std::vector<Param> params;
  std::vector<int64_t> ints;           // storage for integer fields
  std::vector<std::string> owned;      // storage for texts made here (tags)
  std::vector<std::string> int_texts;  // decimal text of integer fields
};

class RowValidator {
 public:
  explicit RowValidator(const KindSpec& spec) : spec_(spec) {
    row_.params.resize(spec.fields.size());
    row_.ints.resize(spec.fields.size());
    row_.owned.resize(spec.fields.size());
    row_.int_texts.resize(spec.fields.size());
  }

  // Validates field `i` given as text (from CSV, or JSON converted to text).
  // `present` is false when the field is missing altogether.
  bool Field(size_t i, std::string_view text, bool present, RejectedRow* reject) {
    const FieldSpec& f = spec_.fields[i];
    auto bad = [&](std::string reason, std::string code, RejectedParams params = {}) {
      reject->field = f.name;
      reject->reason = std::move(reason);
      reject->code = std::move(code);
      reject->params = std::move(params);
      return false;
    };
    if (!present || (text.empty() && f.type != FieldType::kOptionalDate && f.type != FieldType::kTags)) {
      return bad("missing", "required");
    }
    if (FirstInvalidUtf8(text) != std::string_view::npos) {
      return bad("not UTF-8 (is the file saved as GBK or another encoding? save it as UTF-8)", "not_utf8");
    }
    switch (f.type) {
      case FieldType::kText:
        if (text.size() > 1000) return bad("longer than 1000 bytes", "too_long", {{"max", "1000"}});
        if (text.find_first_of("\r\n") != std::string_view::npos) return bad("contains a line break", "not_one_line");
        // Every text field is one line of a name or an identifier: no
        // control characters (NUL, ESC, tab) and no bidirectional controls
        // that show a name as another (issue 14, A9).
        if (Status one_line = CheckSingleLineText(text, f.name); !one_line.ok()) {
          return bad(one_line.message(), "not_one_line");
        }
        row_.params[i] = text;
        return true;
      case FieldType::kCreditCode: {
        std::string why;
        if (!IsValidUscc(text, &why)) {
          return bad("not a valid unified social credit code: " + why, "bad_credit_code",
                     {{"length", std::to_string(text.size())}});
        }
        row_.params[i] = text;
        return true;
      }
      case FieldType::kDate:
        if (!IsValidDate(text)) return bad("expected a date YYYY-MM-DD, got \"" + std::string(text) + "\"", "not_date");
        row_.params[i] = text;
        return true;
      case FieldType::kOptionalDate:
        if (text.empty()) {
          row_.params[i] = nullptr;
          return true;
        }
        if (!IsValidDate(text)) {
          return bad("expected a date YYYY-MM-DD or nothing, got \"" + std::string(text) + "\"", "not_date");
        }
        row_.params[i] = text;
        return true;
      case FieldType::kMoney: {
        if (auto fen = FastMoneyStringToFen(text)) return SetInt(i, *fen);
        std::string why;
        auto value = ParseMoneyString(text, &why);
        if (!value) return bad("expected a money string such as \"1250.50\": " + why, MoneyStringReason(why));
        auto fen = value->ToFen();
        if (!fen) return bad("amount too large", "too_large");
        return SetInt(i, *fen);
      }
      case FieldType::kYear: {
        int64_t year = 0;
        if (!ParseInt(text, &year) || year < 1900 || year > 2999) {
          return bad("expected a year such as 2025, got \"" + std::string(text) + "\"", "not_year");
        }
        return SetInt(i, year);
      }
      case FieldType::kBool:
        if (text == "true" || CanonicalValue(text) == "true") return SetInt(i, 1);
        if (text == "false" || CanonicalValue(text) == "false") return SetInt(i, 0);
        return bad("expected true or false (是 or 否), got \"" + std::string(text) + "\"", "not_flag");
      case FieldType::kEnum: {
        const std::string_view value = CanonicalValue(text);
        if (std::find(f.allowed.begin(), f.allowed.end(), value) == f.allowed.end()) {
          std::string list;
          for (auto a : f.allowed) list += (list.empty() ? "" : ", ") + std::string(a);
          return bad("expected one of " + list + ", got \"" + std::string(text) + "\"", "not_one_of",
                     {{"allowed", list}, {"got", std::string(text)}});
        }
        row_.params[i] = value;  // a static string or the row's own text
        return true;
      }
      case FieldType::kTags: {
        // CSV: tags separated by ';'. Stored as a sorted JSON array.
        std::vector<std::string> tags;
        size_t start = 0;
        while (start <= text.size() && !text.empty()) {
          size_t end = text.find(';', start);
          if (end == std::string_view::npos) end = text.size();
          std::string_view tag = text.substr(start, end - start);
          if (std::find(kTags.begin(), kTags.end(), tag) == kTags.end()) {
            return bad("unknown tag \"" + std::string(tag) + "\"", "unknown_tag", {{"got", std::string(tag)}});
          }
          tags.emplace_back(tag);
          start = end + 1;
        }
        std::sort(tags.begin(), tags.end());
        tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
        row_.owned[i] = nlohmann::json(tags).dump();
        row_.params[i] = std::string_view(row_.owned[i]);
        return true;
      }
    }
    return bad("unknown field type", "");
  }

  // Checks that involve several fields of the row.
  bool CrossCheck(RejectedRow* reject) {
    if (spec_.kind == EvidenceKind::kProjects && row_.ints[4] > row_.ints[3]) {
      reject->field = "civil_construction";
      reject->reason = "civil construction exceeds the investment";
      reject->code = "civil_exceeds_investment";
      return false;
    }
    if (spec_.kind == EvidenceKind::kPlatforms) {
      const auto completed = std::get<std::string_view>(row_.params[3]);
      const auto start = std::get<std::string_view>(row_.params[4]);
      if (start < completed) {
        reject->field = "operation_start";
        reject->reason = "operation starts before the platform was completed";
        reject->code = "dates_out_of_order";
        return false;
      }
      const auto* end = std::get_if<std::string_view>(&row_.params[5]);
      if (end && *end < start) {
        reject->field = "operation_end";
        reject->reason = "operation ends before it starts";
        reject->code = "dates_out_of_order";
        return false;
      }
    }
    if (spec_.kind == EvidenceKind::kCertificates) {
      const auto* until = std::get_if<std::string_view>(&row_.params[6]);
      if (until && *until < std::get<std::string_view>(row_.params[5])) {
        reject->field = "valid_until";
        reject->reason = "validity ends before the issue date";
        reject->code = "dates_out_of_order";
        return false;
      }
    }
    return true;
  }

  // A figure's value as its policy reads it (ImportOptions::figure), which
  // replaces the text given.
  bool Figure(const decltype(ImportOptions::figure)& figure, bool declared, RejectedRow* reject) {
    const std::string_view policy = std::get<std::string_view>(row_.params[1]);
    Status refused;
    if (!figure) {
      refused = Status(StatusCode::kNotFound, "no programme beside the store's own runs policy \"" +
                                                  std::string(policy) + "\" here (figures are read as their policy "
                                                  "declares them)");
    } else {
      auto value = figure(policy, row_.ints[2], std::get<std::string_view>(row_.params[0]),
                          std::get<std::string_view>(row_.params[3]), std::get<std::string_view>(row_.params[4]),
                          declared);
      if (value.ok()) {
        row_.owned[4] = std::move(*value);
        row_.params[4] = std::string_view(row_.owned[4]);
        return true;
      }
      refused = value.status();
    }
    if (refused.code() == StatusCode::kNotFound) {
      reject->field = "policy";
      reject->reason = refused.message();
      reject->code = "unknown_policy";
      reject->params = {{"policy", std::string(policy)}};
      return false;
    }
    reject->field = refused.field() == "name" ? "name" : "value";
    reject->reason = refused.message();
    reject->code = refused.reason();
    reject->params = refused.params();
    return false;
  }

  NormalRow& row() { return row_; }

  // The text the database returns for field i.
  std::string_view Text(size_t i) const {
    if (const auto* s = std::get_if<std::string_view>(&row_.params[i])) return *s;
    if (std::holds_alternative<int64_t>(row_.params[i])) return row_.int_texts[i];
    return {};
  }
  bool IsNull(size_t i) const { return std::holds_alternative<std::nullptr_t>(row_.params[i]); }

 private:
  bool SetInt(size_t i, int64_t v) {
    row_.ints[i] = v;
    row_.params[i] = v;
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    row_.int_texts[i].assign(buf, r.ptr);
    return true;
  }

  const KindSpec& spec_;
  NormalRow row_;
};

// A record of a CSV file: its fields and the line it starts on.
class CsvReader {
 public:
  explicit CsvReader(std::string_view data) : data_(data) {
    if (data_.starts_with("\xEF\xBB\xBF")) data_.remove_prefix(3);  // UTF-8 byte order mark
  }

  // Reads the next non-blank record. Returns false at the end. On a malformed
  // record (unterminated quote) sets *error and returns true.
  bool Next(std::vector<std::string_view>* fields, int64_t* line, std::string* error) {
    fields->clear();
    error->clear();
    scratch_.clear();
    // Skip blank lines (looking at their first bytes only, not scanning the line).
    while (pos_ < data_.size()) {
      if (data_[pos_] == '\n') {
        ++pos_;
      } else if (data_[pos_] == '\r' && (pos_ + 1 == data_.size() || data_[pos_ + 1] == '\n')) {
        pos_ += 2;
      } else {
        break;
      }
      ++line_;
    }
    if (pos_ >= data_.size()) return false;
    *line = line_;
    while (true) {
      if (pos_ < data_.size() && data_[pos_] == '"') {
        // Quoted field: copy it, undoubling quotes; it may span lines.
        std::string value;
        size_t i = pos_ + 1;
        bool closed = false;
        while (i < data_.size()) {
          char c = data_[i];
          if (c == '"') {
            if (i + 1 < data_.size() && data_[i + 1] == '"') {
              value += '"';
              i += 2;
              continue;
            }
            closed = true;
            ++i;
            break;
          }
          if (c == '\n') ++line_;
          value += c;
          ++i;
        }
        if (!closed) {
          *error = "unterminated quoted field";
          pos_ = data_.size();
          return true;
        }
        scratch_.push_back(std::move(value));
        fields->push_back(scratch_.back());
        pos_ = i;
      } else {
        // A hand loop: find_first_of calls memchr once per byte of input.
        size_t end = pos_;
        while (end < data_.size() && data_[end] != ',' && data_[end] != '\n') ++end;
        std::string_view value = data_.substr(pos_, end - pos_);
        if (end == data_.size() || data_[end] == '\n') {
          if (value.ends_with('\r')) value.remove_suffix(1);
        }
        if (value.find('"') != std::string_view::npos) {
          *error = "a quote inside an unquoted field";
        }
        fields->push_back(value);
        pos_ = end;
      }
      if (pos_ >= data_.size()) break;
      if (data_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (data_[pos_] == '\r') ++pos_;
      if (pos_ < data_.size() && data_[pos_] == '\n') {
        ++pos_;
        break;
      }
      if (pos_ < data_.size()) {
        *error = "unexpected character after a quoted field";
        size_t eol = data_.find('\n', pos_);
        pos_ = eol == std::string_view::npos ? data_.size() : eol + 1;
        break;
      }
    }
    ++line_;
    return true;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  int64_t line_ = 1;
  std::deque<std::string> scratch_;  // deque: views into it stay valid as it grows
};

// Lets the enterprise cache be probed with a string_view.
struct CodeHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status(StatusCode::kNotFound, "cannot read " + path, "FILE");
  const std::streamoff size = in.tellg();
  if (size < 0) return Status(StatusCode::kUnavailable, "cannot size " + path, "FILE");
  std::string data(static_cast<size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(data.data(), size)) return Status(StatusCode::kUnavailable, "error reading " + path, "FILE");
  return data;
}

// Rows waiting to be stored, with the text their parameters point at.
// Texts inside the file's buffer are kept as views; others (quoted CSV
// fields, JSON strings, tags) are copied into blocks that never move.
class Chunk {
 public:
  Chunk(size_t width, std::string_view file) : width_(width), file_(file) {}

  // `tail`: parameters that outlive the chunk (the import's provenance),
  // appended as they are.
  void Add(int64_t line, const std::vector<Param>& row, std::span<const Param> tail) {
    lines.push_back(line);
    for (const Param& p : row) {
      if (const auto* s = std::get_if<std::string_view>(&p); s && !InFile(*s)) {
        params_.emplace_back(Copy(*s));
      } else {
        params_.push_back(p);
      }
    }
    params_.insert(params_.end(), tail.begin(), tail.end());
  }
  std::span<const Param> Row(size_t k) const { return std::span<const Param>(params_.data() + k * width_, width_); }
  void Clear() {
    lines.clear();
    params_.clear();
    blocks_.clear();
    used_ = kBlock;
  }

  std::vector<int64_t> lines;

 private:
  static constexpr size_t kBlock = 1 << 16;
  bool InFile(std::string_view s) const {
    return s.data() >= file_.data() && s.data() + s.size() <= file_.data() + file_.size();
  }
  std::string_view Copy(std::string_view s) {
    if (s.size() > kBlock) {
      blocks_.push_back(std::make_unique<char[]>(s.size()));
      std::copy(s.begin(), s.end(), blocks_.back().get());
      return std::string_view(blocks_.back().get(), s.size());
    }
    if (used_ + s.size() > kBlock) {
      blocks_.push_back(std::make_unique<char[]>(kBlock));
      current_ = blocks_.back().get();  // large copies above get blocks of their own
      used_ = 0;
    }
    char* at = current_ + used_;
    std::copy(s.begin(), s.end(), at);
    used_ += s.size();
    return std::string_view(at, s.size());
  }

  size_t width_;
  std::string_view file_;
  std::vector<Param> params_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* current_ = nullptr;
  size_t used_ = kBlock;
};

constexpr size_t kChunkRows = 1 << 16;

bool ParamsLess(std::span<const Param> a, std::span<const Param> b, size_t key_count) {
  for (size_t i = 0; i < key_count; ++i) {
    // Keys are text or integers (never null), the same alternative per field.
    if (const auto* x = std::get_if<std::string_view>(&a[i])) {
      const auto y = std::get<std::string_view>(b[i]);
      if (*x != y) return *x < y;
    } else {
      const int64_t x2 = std::get<int64_t>(a[i]), y2 = std::get<int64_t>(b[i]);
      if (x2 != y2) return x2 < y2;
    }
  }
  return false;
}

// The text the database gives back for a parameter.
std::string_view ParamText(const Param& p, std::string* scratch) {
  if (const auto* s = std::get_if<std::string_view>(&p)) return *s;
  if (const auto* v = std::get_if<int64_t>(&p)) {
    *scratch = std::to_string(*v);
    return *scratch;
  }
  return {};
}

// Converts one JSON value to the text form a CSV cell would have, checking
// that its JSON type fits the field (money must be a string, not a number).
bool JsonFieldText(const FieldSpec& f, const nlohmann::json& v, std::string* text, RejectedRow* reject) {
  auto bad = [&](const char* expected) {
    reject->field = f.name;
    reject->reason = std::string("expected ") + expected + ", got " + v.dump();
    // The same rules as the text of a CSV cell breaks.
    reject->code = f.type == FieldType::kBool                                           ? "not_flag"
                   : f.type == FieldType::kYear                                         ? "not_year"
                   : f.type == FieldType::kMoney                                        ? "not_money"
                   : f.type == FieldType::kOptionalDate || f.type == FieldType::kDate ? "not_date"
                   : f.type == FieldType::kTags                                         ? "unknown_tag"
                                                                                        : "not_text";
    return false;
  };
  switch (f.type) {
    case FieldType::kBool:
      if (!v.is_boolean()) return bad("true or false");
      *text = v.get<bool>() ? "true" : "false";
      return true;
    case FieldType::kYear:
      if (!v.is_number_integer()) return bad("a year as an integer");
      *text = v.dump();
      return true;
    case FieldType::kMoney:
      if (!v.is_string()) return bad("a money string such as \"1250.50\" (numbers lose precision)");
      *text = v.get<std::string>();
      return true;
    case FieldType::kOptionalDate:
      if (v.is_null()) {
        text->clear();
        return true;
      }
      if (!v.is_string()) return bad("a date string or null");
      *text = v.get<std::string>();
      return true;
    case FieldType::kTags:
      if (!v.is_array()) return bad("an array of tags");
      text->clear();
      for (const auto& t : v) {
        if (!t.is_string()) return bad("an array of tag strings");
        if (!text->empty()) *text += ';';
        *text += t.get<std::string>();
      }
      return true;
    default:
      if (!v.is_string()) return bad("a string");
      *text = v.get<std::string>();
      return true;
  }
}

// PostgreSQL: the chunk's rows (in `order`) are COPYed into a temporary
// staging table with their position, then inserted by one INSERT ... SELECT
// ... ON CONFLICT DO NOTHING in that order. The first staged row of each key
// that went in is marked in *inserted; for the others (keys stored before, or
// repeated in the file) one join reads the stored rows into *stored, for the
// caller to tell unchanged from conflicting without a round trip per row.
Status FastInsert(Database& db, const KindSpec& spec, const Chunk& chunk, const std::vector<uint32_t>& order,
                  bool* stage_ready, std::vector<char>* inserted, std::vector<std::optional<Row>>* stored) {
  const std::string stage = std::string("bursar_stage_") + spec.table;
  std::vector<std::string> columns;
  std::string cols, keys, join;
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    columns.emplace_back(spec.fields[i].column);
    cols += (i ? ", " : "") + std::string(spec.fields[i].column);
    if (i < spec.key_count) {
      keys += (i ? ", " : "") + std::string("s.") + spec.fields[i].column;
      join += (i ? " AND " : "") + std::string("s.") + spec.fields[i].column + " = ins." + spec.fields[i].column;
    }
  }
  // The stored row read back: its fields, then (provenance) source and verifier.
  std::string select = "SELECT s.ord";
  for (const std::string& c : columns) select += ", t." + c;
  if (spec.provenance) {
    select += ", t.source, t.verified_by";
    for (const char* c : {"source", "supplied_by"}) {
      columns.emplace_back(c);
      cols += std::string(", ") + c;
    }
  }
  if (!*stage_ready) {
    BURSAR_RETURN_IF_ERROR(db.ExecScript("CREATE TEMPORARY TABLE " + stage + " (LIKE " + spec.table +
                                         ", ord BIGINT NOT NULL) ON COMMIT DROP"));
    *stage_ready = true;
  } else {
    BURSAR_RETURN_IF_ERROR(db.ExecScript("TRUNCATE " + stage));
  }
  const size_t width = columns.size();
  std::vector<Param> rows;
  rows.reserve(order.size() * (width + 1));
  for (size_t j = 0; j < order.size(); ++j) {
    std::span<const Param> row = chunk.Row(order[j]);
    rows.insert(rows.end(), row.begin(), row.end());
    rows.emplace_back(static_cast<int64_t>(j));
  }
  columns.emplace_back("ord");
  BURSAR_RETURN_IF_ERROR(db.CopyIn(stage, columns, rows, width + 1));
  std::string returning;
  for (size_t i = 0; i < spec.key_count; ++i) returning += (i ? ", " : "") + std::string(spec.fields[i].column);
  std::vector<Row> firsts;
  BURSAR_RETURN_IF_ERROR(db.QuerySpan("WITH ins AS (INSERT INTO " + std::string(spec.table) + " (" + cols +
                                          ") SELECT " + cols + " FROM " + stage +
                                          " ORDER BY ord ON CONFLICT DO NOTHING RETURNING " + returning +
                                          ") SELECT MIN(s.ord) FROM " + stage + " s JOIN ins ON " + join +
                                          " GROUP BY " + keys,
                                      {}, &firsts));
  for (const Row& r : firsts) {
    const int64_t j = r.Int(0);
    if (j < 0 || static_cast<size_t>(j) >= inserted->size()) return Status(StatusCode::kInternal, "COPY lost a row");
    (*inserted)[static_cast<size_t>(j)] = 1;
  }
  std::string others = "{";
  for (size_t j = 0; j < inserted->size(); ++j) {
    if (!(*inserted)[j]) others += (others.size() > 1 ? "," : "") + std::to_string(j);
  }
  if (others.size() == 1) return OkStatus();
  others += "}";
  std::vector<Row> rows_back;
  const Param ords[] = {std::string_view(others)};
  BURSAR_RETURN_IF_ERROR(db.QuerySpan(select + " FROM " + stage + " s JOIN " + spec.table + " t ON " +
                                          [&] {
                                            std::string on;
                                            for (size_t i = 0; i < spec.key_count; ++i) {
                                              on += (i ? " AND " : "") + std::string("s.") + spec.fields[i].column +
                                                    " = t." + spec.fields[i].column;
                                            }
                                            return on;
                                          }() +
                                          " WHERE s.ord = ANY (CAST(? AS BIGINT[]))",
                                      ords, &rows_back));
  for (const Row& r : rows_back) {
    const int64_t j = r.Int(0);
    if (j < 0 || static_cast<size_t>(j) >= stored->size()) return Status(StatusCode::kInternal, "COPY lost a row");
    std::vector<std::optional<std::string>> cells;
    for (size_t i = 1; i < r.size(); ++i) {
      cells.push_back(r.IsNull(i) ? std::nullopt : std::optional<std::string>(r.Text(i)));
    }
    (*stored)[static_cast<size_t>(j)].emplace(std::move(cells));
  }
  return OkStatus();
}

}  // namespace

const char* EvidenceKindName(EvidenceKind kind) { return SpecOf(kind).name; }

const char* EvidenceTableName(EvidenceKind kind) { return SpecOf(kind).table; }

std::optional<EvidenceKind> ParseEvidenceKind(std::string_view name) {
  for (const KindSpec& k : Specs()) {
    if (name == k.name) return k.kind;
  }
  return std::nullopt;
}

const std::vector<EvidenceKind>& AllEvidenceKinds() {
  static const std::vector<EvidenceKind> kinds = [] {
    std::vector<EvidenceKind> v;
    for (const KindSpec& k : Specs()) v.push_back(k.kind);
    return v;
  }();
  return kinds;
}

std::vector<std::string> EvidenceFieldNames(EvidenceKind kind) {
  std::vector<std::string> names;
  for (const FieldSpec& f : SpecOf(kind).fields) names.emplace_back(f.name);
  return names;
}

std::string EvidenceFieldZh(EvidenceKind kind, std::string_view field) {
  const char* zh = ZhHeader(SpecOf(kind).name, field);
  return zh ? zh : "";
}

std::string EvidenceValueZh(std::string_view value) {
  for (std::string_view zh : {"是", "否", "卖方", "买方"}) {
    if (CanonicalValue(zh) == value) return std::string(zh);
  }
  return std::string(value);
}

bool IsValidDate(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  int64_t y = 0, m = 0, d = 0;
  if (!ParseInt(t.substr(0, 4), &y) || !ParseInt(t.substr(5, 2), &m) || !ParseInt(t.substr(8, 2), &d)) return false;
  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  const int64_t days = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  return d <= days;
}

Result<ImportReport> Store::Import(EvidenceKind kind, const std::string& path, const ImportOptions& options) {
  const KindSpec& spec = SpecOf(kind);
  const std::string ext = std::filesystem::path(path).extension().string();
  const bool csv = ext == ".csv";
  if (!csv && ext != ".jsonl" && ext != ".ndjson") {
    return InvalidArgument("cannot tell the format of " + path + ": expected a .csv or .jsonl file", "FILE");
  }
  if (options.declared && !spec.provenance) {
    return Status(StatusCode::kPermissionDenied,
                  std::string("the ") + spec.name + " record is imported from official sources, never declared");
  }
  if (options.declared && kind == EvidenceKind::kExports) {
    return Status(StatusCode::kPermissionDenied,
                  "an export clearance and its route are the filing authority's to state (D-G10): the data bureau "
                  "imports them, an enterprise does not declare them");
  }
  BURSAR_ASSIGN_OR_RETURN(std::string data, ReadFile(path));

  ImportReport report;
  report.kind = spec.name;
  report.file = std::filesystem::path(path).filename().string();
  report.file_sha256 = Sha256Hex(data);

  // CSV header → column of each field (or none). Checked before any write.
  CsvReader reader(data);
  std::vector<std::string_view> fields;
  std::vector<int> column_of(spec.fields.size(), -1);
  int64_t line = 0;
  std::string error;
  size_t header_size = 0;
  if (csv) {
    if (!reader.Next(&fields, &line, &error)) return InvalidArgument(path + ": the file is empty (no header)", "FILE");
    if (!error.empty()) return InvalidArgument(path + ":" + std::to_string(line) + ": header: " + error, "FILE");
    header_size = fields.size();
    std::unordered_set<std::string_view> seen;
    for (size_t c = 0; c < fields.size(); ++c) {
      auto it =
          std::find_if(spec.fields.begin(), spec.fields.end(), [&](const FieldSpec& f) {
            const char* zh = ZhHeader(spec.name, f.name);
            return fields[c] == f.name || (zh != nullptr && fields[c] == zh);
          });
      if (it == spec.fields.end()) {
        return InvalidArgument(
            path + ":" + std::to_string(line) + ": unknown field \"" + std::string(fields[c]) + "\" for " + spec.name +
                " (expected: " +
                [&] {
                  std::string all;
                  for (const auto& f : spec.fields) all += (all.empty() ? "" : ", ") + std::string(f.name);
                  return all;
                }() +
                ")",
            "FILE");
      }
      if (!seen.insert(it->name).second) {
        return InvalidArgument(path + ":" + std::to_string(line) + ": field \"" + std::string(fields[c]) +
                                   "\" appears twice in the header",
                               "FILE");
      }
      column_of[static_cast<size_t>(it - spec.fields.begin())] = static_cast<int>(c);
    }
    for (size_t i = 0; i < spec.fields.size(); ++i) {
      if (column_of[i] < 0 && spec.fields[i].type != FieldType::kOptionalDate) {
        return InvalidArgument(
            path + ":" + std::to_string(line) + ": the header lacks the field \"" + spec.fields[i].name + "\"", "FILE");
      }
    }
  }

  const std::string kEnterpriseExists = "SELECT 1 FROM enterprise WHERE credit_code = ?";
  const bool check_enterprise = kind != EvidenceKind::kEnterprises;
  const size_t code_field = [&] {
    for (size_t i = 0; i < spec.fields.size(); ++i) {
      if (spec.fields[i].type == FieldType::kCreditCode) return i;
    }
    return size_t{0};
  }();

  auto work = [&](Database& db) -> Result<std::optional<nlohmann::json>> {
    RowValidator validator(spec);
    std::unordered_set<std::string, CodeHash, std::equal_to<>> known, unknown;
    // Updatable kinds (enterprises): the key → (line, other values) of each
    // row of this file, so that two rows of one file that disagree about one
    // key are refused instead of applied one after the other (which a
    // re-import would apply again). Enterprise files are small.
    std::unordered_map<std::string, std::pair<int64_t, std::string>> file_rows;
    Sha256 rows_digest;
    std::string digest_line, int_text;
    // What this import changes in its enterprises' evidence digests
    // (evidence_seal.h): the line of each row stored, its columns' values in
    // the order of their names.
    const bool digesting = digesting_ && spec.provenance;
    EvidenceDelta delta(spec.table);
    // The columns of a row as stored, sorted by name once: each inserted
    // row's values are put in their places.
    std::vector<std::string> field_text(spec.fields.size());
    EvidenceColumns line_columns;
    for (const FieldSpec& f : spec.fields) line_columns.emplace_back(f.column, std::nullopt);
    line_columns.emplace_back("source", options.declared ? "declared" : "official");
    line_columns.emplace_back("supplied_by", options.actor);
    line_columns.emplace_back("verified_by", std::nullopt);
    line_columns.emplace_back("verified_on", std::nullopt);
    std::vector<size_t> place(spec.fields.size());  // field i → its place in line_columns once sorted
    {
      std::vector<size_t> order(line_columns.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::sort(order.begin(), order.end(),
                [&](size_t a, size_t b) { return line_columns[a].first < line_columns[b].first; });
      EvidenceColumns sorted;
      for (size_t k = 0; k < order.size(); ++k) {
        sorted.push_back(line_columns[order[k]]);
        if (order[k] < place.size()) place[order[k]] = k;
      }
      line_columns = std::move(sorted);
    }
    std::string row_line;
    std::string key_where;
    for (size_t i = 0; i < spec.key_count; ++i) key_where += (i ? " AND " : "") + std::string(spec.fields[i].column) + " = ?";
    std::vector<std::string> json_texts(spec.fields.size());
    size_t json_pos = 0;
    int64_t json_line_no = 0;
    // A row as stored: its fields, then (every kind but enterprises) its
    // source and supplier, the same for every row of the import.
    const size_t nfields = spec.fields.size();
    const Param provenance[] = {std::string_view(options.declared ? "declared" : "official"),
                                std::string_view(options.actor)};
    const std::span<const Param> tail(provenance, spec.provenance ? 2 : 0);
    const size_t width = nfields + tail.size();
    Chunk chunk(width, data);
    const bool pg = db.dialect() == Dialect::kPostgres;
    bool stage_ready = false;

    // Master data by two accounts: row `k` of the chunk, an enterprise,
    // waits as a master_change of `kind` ("change": of a stored enterprise,
    // its `fields` differ; "new": not stored yet) until another account
    // approves it; one waiting change per enterprise.
    auto hold = [&](uint32_t k, std::span<const Param> params, const std::string& field,
                    const std::string& held_fields, std::string_view held_kind) -> Status {
      BURSAR_ASSIGN_OR_RETURN(auto waiting, db.QueryOne("SELECT id FROM master_change WHERE credit_code = ? AND "
                                                        "state = 'pending'",
                                                        {params[0]}));
      if (waiting) {
        report.rejected.push_back({chunk.lines[k], field,
                                   "a change of this enterprise waits for a second account already (master-data "
                                   "change " +
                                       std::to_string(waiting->Int(0)) + ")",
                                   "change_pending", {{"change", std::to_string(waiting->Int(0))}}});
        return OkStatus();
      }
      const std::string now = Now();
      std::vector<Param> held(params.begin(), params.begin() + static_cast<std::ptrdiff_t>(nfields));
      held.insert(held.end(), {std::string_view(held_fields), std::string_view(options.actor), std::string_view(now)});
      if (new_enterprises_held_) held.emplace_back(held_kind);  // before migration 21, every change is of a stored one
      BURSAR_RETURN_IF_ERROR(db.ExecuteSpan(std::string("INSERT INTO master_change (credit_code, name, "
                                                        "registered_in_chaoyang, taxed_in_chaoyang, "
                                                        "independent_legal_person, serious_dishonesty_record, tags, "
                                                        "fields, requested_by, requested_at, state") +
                                                (new_enterprises_held_ ? ", kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                                                                         "?, ?, 'pending', ?)"
                                                                       : ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                                                         "'pending')"),
                                            held)
                                 .status());
      ++report.held;
      return OkStatus();
    };

    // Stores the chunk's rows in key order: sorted inserts touch each B-tree
    // page once per chunk instead of once per row (about 30% faster for a
    // file in trade-id order; measured in docs/performance.md).
    auto flush = [&]() -> Status {
      // Keys often share a long prefix (credit codes of one district start
      // alike), so the first key field is ranked once per distinct value and
      // rows are ordered by (rank, rest of the key).
      const size_t n = chunk.lines.size();
      if (n == 0) return OkStatus();  // every row rejected: Row(0) would read past the end
      std::vector<uint32_t> rank(n, 0);
      if (std::holds_alternative<std::string_view>(chunk.Row(0).empty() ? Param() : chunk.Row(0)[0]) && n > 0) {
        std::unordered_map<std::string_view, uint32_t> ids;
        std::vector<std::string_view> distinct;
        for (size_t k = 0; k < n; ++k) {
          auto [it, added] = ids.emplace(std::get<std::string_view>(chunk.Row(k)[0]), 0);
          if (added) distinct.push_back(it->first);
        }
        std::sort(distinct.begin(), distinct.end());
        for (uint32_t r = 0; r < distinct.size(); ++r) ids[distinct[r]] = r;
        for (size_t k = 0; k < n; ++k) rank[k] = ids[std::get<std::string_view>(chunk.Row(k)[0])];
      }
      // Counting sort by rank (stable), then sort each rank's run by the rest
      // of the key unless, as usual for a file in id order, it already is.
      std::vector<uint32_t> start(n + 1, 0), order(n);
      for (size_t k = 0; k < n; ++k) ++start[rank[k] + 1];
      for (size_t r = 1; r <= n; ++r) start[r] += start[r - 1];
      std::vector<uint32_t> fill(start.begin(), start.end() - 1);
      for (uint32_t k = 0; k < n; ++k) order[fill[rank[k]]++] = k;
      auto less = [&](uint32_t x, uint32_t y) { return ParamsLess(chunk.Row(x), chunk.Row(y), spec.key_count); };
      for (size_t r = 0; r < n && start[r] < n; ++r) {
        auto first = order.begin() + start[r], last = order.begin() + start[r + 1];
        if (!std::is_sorted(first, last, less)) std::sort(first, last, less);
      }
      if (options.hold_enterprise_changes && spec.updatable && new_enterprises_held_) {
        // Master data by two accounts: an enterprise not stored yet is not
        // added by an upload alone; it waits for a second account as a new
        // enterprise. Enterprise files are small: one lookup per row.
        std::string all;  // a new enterprise sets every field
        for (size_t i = spec.key_count; i < nfields; ++i) all += (all.empty() ? "" : ",") + std::string(spec.fields[i].name);
        std::vector<uint32_t> stored_keys;
        for (uint32_t k : order) {
          std::span<const Param> params = chunk.Row(k);
          BURSAR_ASSIGN_OR_RETURN(auto found, db.QueryOne(kEnterpriseExists, {params[0]}));
          if (found) {
            stored_keys.push_back(k);
            continue;
          }
          BURSAR_RETURN_IF_ERROR(hold(k, params, spec.fields[0].name, all, "new"));
        }
        order = std::move(stored_keys);
      }
      const size_t m = order.size();  // the rows offered to the table
      // Every row is offered to the table first: on SQLite by the prepared
      // INSERT ... ON CONFLICT DO NOTHING in batches, on PostgreSQL by COPY
      // into a staging table and one INSERT ... SELECT (FastInsert). Rows
      // whose key was already stored are then examined one by one, in order.
      std::vector<char> inserted(m, 0);
      std::vector<std::optional<Row>> stored_rows(pg ? m : 0);
      if (pg && m > 0) {
        BURSAR_RETURN_IF_ERROR(FastInsert(db, spec, chunk, order, &stage_ready, &inserted, &stored_rows));
      } else {
        constexpr size_t kBatch = 1024;
        std::vector<Param> batch;
        std::vector<int64_t> changed;
        for (size_t from = 0; from < m; from += kBatch) {
          const size_t to = std::min(m, from + kBatch);
          batch.clear();
          for (size_t j = from; j < to; ++j) {
            std::span<const Param> row = chunk.Row(order[j]);
            batch.insert(batch.end(), row.begin(), row.end());
          }
          BURSAR_RETURN_IF_ERROR(db.ExecuteBatch(spec.insert_sql, batch, width, &changed, nullptr));
          if (changed.size() != to - from) return Status(StatusCode::kInternal, "batch insert lost results");
          for (size_t j = from; j < to; ++j) inserted[j] = changed[j - from] == 1;
        }
      }
      for (size_t j = 0; j < m; ++j) {
        const uint32_t k = order[j];
        std::span<const Param> params = chunk.Row(k);
        const std::string_view code =
            spec.provenance ? std::get<std::string_view>(params[code_field]) : std::string_view();
        if (inserted[j]) {
          ++report.inserted;
          if (digesting) {
            for (size_t i = 0; i < nfields; ++i) {
              line_columns[place[i]].second =
                  std::holds_alternative<std::nullptr_t>(params[i])
                      ? std::nullopt
                      : std::optional<std::string_view>(ParamText(params[i], &field_text[i]));
            }
            EvidenceLineSorted(line_columns, &row_line);
            delta.Add(code, row_line);
          }
        } else {
          // The key is stored: same values, or a conflict.
          std::vector<Row> stored;
          if (pg && stored_rows[j]) {
            stored.push_back(std::move(*stored_rows[j]));
          } else {
            BURSAR_RETURN_IF_ERROR(db.QuerySpan(spec.select_sql, params.subspan(0, spec.key_count), &stored));
          }
          if (stored.size() != 1) return Status(StatusCode::kInternal, "key lookup failed: " + spec.select_sql);
          // The first field that differs names a conflict; an updatable kind
          // (enterprises) lists every one, for a held change.
          std::string differs, changed_fields;
          for (size_t i = spec.key_count; i < nfields && (spec.updatable || differs.empty()); ++i) {
            const bool is_null = std::holds_alternative<std::nullptr_t>(params[i]);
            const bool same = is_null ? stored[0].IsNull(i)
                                      : !stored[0].IsNull(i) && stored[0].Text(i) == ParamText(params[i], &int_text);
            if (same) continue;
            if (differs.empty()) differs = spec.fields[i].name;
            changed_fields += (changed_fields.empty() ? "" : ",") + std::string(spec.fields[i].name);
          }
          const bool stored_declared = spec.provenance && stored[0].Text(nfields) == "declared";
          const auto key_end = params.begin() + static_cast<std::ptrdiff_t>(spec.key_count);
          const auto fields_end = params.begin() + static_cast<std::ptrdiff_t>(nfields);
          if (stored_declared && !options.declared) {
            // The official record replaces the applicant's declaration of the
            // same key, whatever either says (D-G10).
            std::vector<Param> update(key_end, fields_end);
            update.emplace_back(std::string_view(options.actor));
            update.insert(update.end(), params.begin(), key_end);
            const auto key = params.subspan(0, spec.key_count);
            std::optional<StoredEvidenceRow> was, now;
            if (digesting) {
              BURSAR_ASSIGN_OR_RETURN(was, ReadEvidenceRow(db, spec.table, key_where, key));
            }
            BURSAR_RETURN_IF_ERROR(db.ExecuteSpan(spec.official_sql, update).status());
            if (digesting) {
              BURSAR_ASSIGN_OR_RETURN(now, ReadEvidenceRow(db, spec.table, key_where, key));
            }
            if (was && now) {
              delta.Remove(was->credit_code, was->line);
              delta.Add(now->credit_code, now->line);
            }
            ++report.updated;
          } else if (differs.empty()) {
            ++report.unchanged;
            continue;
          } else if (!spec.updatable) {
            const bool official = spec.provenance && options.declared && !stored_declared;
            report.rejected.push_back(
                {chunk.lines[k], differs,
                 official ? "already stored from an official source with a different " + differs +
                                " (a declaration does not change official evidence)"
                          : "already stored with a different " + differs +
                                " (an import does not rewrite evidence; the stored row stays)",
                 official ? "official_differs" : "stored_differs", {{"fields", differs}}});
            continue;
          } else if (options.hold_enterprise_changes) {
            // Master data by two accounts: the change waits, one per enterprise.
            BURSAR_RETURN_IF_ERROR(hold(k, params, differs, changed_fields, "change"));
            continue;
          } else {
            std::vector<Param> update(key_end, fields_end);
            update.insert(update.end(), params.begin(), key_end);
            BURSAR_RETURN_IF_ERROR(db.ExecuteSpan(spec.update_sql, update).status());
            ++report.updated;
          }
        }
        // The digest of what this import changed, row by row as stored.
        digest_line.clear();
        for (size_t i = 0; i < nfields; ++i) {
          if (i) digest_line += '\x1f';
          digest_line += ParamText(params[i], &int_text);
        }
        digest_line += '\n';
        rows_digest.Update(digest_line);
      }
      chunk.Clear();
      return OkStatus();
    };

    int64_t next_progress = options.progress_every > 0 ? options.progress_every : INT64_MAX;
    while (true) {
      RejectedRow reject;
      bool ok = true;
      if (csv) {
        if (!reader.Next(&fields, &line, &error)) break;
        reject.line = line;
        ++report.rows;
        if (!error.empty()) {
          reject.reason = error;
          reject.code = "bad_csv";
          ok = false;
        } else if (fields.size() != header_size) {
          reject.reason = "expected " + std::to_string(header_size) + " fields, got " + std::to_string(fields.size());
          reject.code = "field_count";
          reject.params = {{"expected", std::to_string(header_size)}, {"got", std::to_string(fields.size())}};
          ok = false;
        } else {
          for (size_t i = 0; ok && i < nfields; ++i) {
            const int c = column_of[i];
            ok = validator.Field(i, c >= 0 ? fields[static_cast<size_t>(c)] : std::string_view(),
                                 c >= 0 || spec.fields[i].type == FieldType::kOptionalDate, &reject);
          }
        }
      } else {
        if (json_pos >= data.size()) break;
        size_t eol = data.find('\n', json_pos);
        if (eol == std::string::npos) eol = data.size();
        std::string_view text(data.data() + json_pos, eol - json_pos);
        json_pos = eol + 1;
        ++json_line_no;
        if (text.ends_with('\r')) text.remove_suffix(1);
        if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
        reject.line = json_line_no;
        ++report.rows;
        // Strict: a syntax error says where, non-UTF-8 bytes and a key named
        // twice are refused (the JSON library would keep the last value).
        auto parsed = ParseJsonText(text);
        nlohmann::json object = parsed.ok() ? std::move(*parsed) : nlohmann::json();
        if (!parsed.ok()) {
          reject.field = parsed.status().field();
          reject.reason = "not a JSON object: " + parsed.status().message();
          reject.code = "not_json_object";
          ok = false;
        } else if (!object.is_object()) {
          reject.reason = "not a JSON object";
          reject.code = "not_json_object";
          ok = false;
        }
        if (ok) {
          for (const auto& item : object.items()) {
            // Not a structured binding: clang (the fuzz build) cannot capture one in a lambda.
            const std::string& key = item.key();
            if (std::none_of(spec.fields.begin(), spec.fields.end(),
                             [&](const FieldSpec& f) { return key == f.name; })) {
              reject.field = key;
              reject.reason = std::string("unknown field for ") + spec.name;
              reject.code = "unknown_field";
              ok = false;
              break;
            }
          }
        }
        for (size_t i = 0; ok && i < nfields; ++i) {
          auto it = object.find(spec.fields[i].name);
          const bool present = it != object.end();
          if (present) ok = JsonFieldText(spec.fields[i], *it, &json_texts[i], &reject);
          if (ok) {
            ok = validator.Field(i, present ? std::string_view(json_texts[i]) : std::string_view(),
                                 present || spec.fields[i].type == FieldType::kOptionalDate, &reject);
          }
        }
      }
      if (ok) ok = validator.CrossCheck(&reject);
      if (ok && kind == EvidenceKind::kFigures) ok = validator.Figure(options.figure, options.declared, &reject);
      if (ok && options.declared && kind == EvidenceKind::kTrades && validator.row().ints[6] == 1) {
        // D-G10: only the exchange's own records say where a trade was made.
        ok = false;
        reject.field = "legally_established";
        reject.reason =
            "only the exchange's records can state that a trade was made at a legally established trading "
            "institution (D-G10); declare the trade with legally_established false, or ask the data bureau to "
            "import the exchange's record";
        reject.code = "official_only";
      }
      if (ok && !options.only_credit_code.empty() &&
          std::get<std::string_view>(validator.row().params[code_field]) != options.only_credit_code) {
        ok = false;
        reject.field = "credit_code";
        reject.reason = "not your enterprise: only rows of " + options.only_credit_code + " are accepted";
        reject.code = "not_your_enterprise";
        reject.params = {{"credit_code", options.only_credit_code}};
      }
      if (ok && check_enterprise) {
        const std::string_view code = std::get<std::string_view>(validator.row().params[code_field]);
        if (known.find(code) == known.end()) {
          if (unknown.find(code) != unknown.end()) {
            ok = false;
          } else {
            BURSAR_ASSIGN_OR_RETURN(auto found, db.QueryOne(kEnterpriseExists, {code}));
            (found ? known : unknown).emplace(code);
            ok = found.has_value();
          }
          if (!ok) {
            reject.field = "credit_code";
            std::optional<Row> waiting;
            if (new_enterprises_held_) {
              BURSAR_ASSIGN_OR_RETURN(waiting, db.QueryOne("SELECT id FROM master_change WHERE credit_code = ? AND "
                                                           "kind = 'new' AND state = 'pending'",
                                                           {code}));
            }
            reject.reason = waiting ? "enterprise " + std::string(code) +
                                          " waits for a second account's approval (master-data change " +
                                          std::to_string(waiting->Int(0)) + "): its evidence can follow then"
                                    : "no enterprise " + std::string(code) +
                                          " (import it with `bursar import enterprises` first)";
            reject.code = waiting ? "enterprise_pending" : "unknown_enterprise";
            reject.params = {{"credit_code", std::string(code)}};
          }
        }
      }
      if (ok && spec.updatable) {
        const auto& params = validator.row().params;
        std::string key, rest;
        for (size_t i = 0; i < nfields; ++i) {
          std::string& into = i < spec.key_count ? key : rest;
          into += ParamText(params[i], &int_text);
          into += '\x1f';
        }
        auto [it, added] = file_rows.try_emplace(std::move(key), reject.line, rest);
        if (!added && it->second.second != rest) {
          reject.field = spec.fields[0].name;
          reject.reason = "line " + std::to_string(it->second.first) +
                          " of this file has the same key with other values; one file says one thing";
          reject.code = "duplicate_key";
          reject.params = {{"line", std::to_string(it->second.first)}};
          ok = false;
        }
      }
      if (ok) {
        chunk.Add(reject.line, validator.row().params, tail);
        if (chunk.lines.size() >= kChunkRows) BURSAR_RETURN_IF_ERROR(flush());
      } else {
        report.rejected.push_back(std::move(reject));
      }
      if (options.progress && report.rows >= next_progress) {
        options.progress(report.rows);
        next_progress += options.progress_every;
      }
    }
    BURSAR_RETURN_IF_ERROR(flush());
    std::stable_sort(report.rejected.begin(), report.rejected.end(),
                     [](const RejectedRow& x, const RejectedRow& y) { return x.line < y.line; });
    if (report.inserted + report.updated + report.held == 0) return std::optional<nlohmann::json>();
    if (options.strict && !report.rejected.empty()) return std::optional<nlohmann::json>();
    if (digesting) BURSAR_RETURN_IF_ERROR(delta.Apply(db));
    nlohmann::json change = {{"op", "import"},
                             {"kind", spec.name},
                             {"file", report.file},
                             {"file_sha256", report.file_sha256},
                             {"rows", report.rows},
                             {"inserted", report.inserted},
                             {"updated", report.updated},
                             {"unchanged", report.unchanged},
                             {"rejected", static_cast<int64_t>(report.rejected.size())},
                             {"changed_rows_sha256", rows_digest.FinishHex()}};
    if (report.held > 0) change["held_for_approval"] = report.held;
    return std::optional<nlohmann::json>(std::move(change));
  };

  // SQLite checks each row's foreign key with a probe of its own (~9% of an
  // import). The import has already checked every credit code against the
  // enterprise table in this same transaction, and enterprises are never
  // deleted, so the probe adds nothing; it is switched off for the import
  // (PRAGMA foreign_keys only takes effect outside a transaction) and back on.
  const bool relax = db_->dialect() == Dialect::kSqlite && check_enterprise;
  if (relax) BURSAR_RETURN_IF_ERROR(db_->ExecScript("PRAGMA foreign_keys=OFF"));
  auto written = Write(options.actor, work);
  if (relax) BURSAR_RETURN_IF_ERROR(db_->ExecScript("PRAGMA foreign_keys=ON"));
  if (!written.ok()) return written.status();
  const std::optional<AuditEntry>& entry = *written;
  if (entry) {
    report.committed = true;
    report.audit_seq = entry->seq;
  } else if (options.strict && !report.rejected.empty()) {
    // Nothing was stored; the counts describe what would have been.
    report.committed = false;
  }
  return report;
}

}  // namespace bursar::store

namespace bursar::store {

Result<int64_t> Store::VerifyEvidence(const std::string& actor, EvidenceKind kind, const nlohmann::json& keys,
                                      const FigureReader& given) {
  const FigureReader& figure = given ? given : figure_reader_;
  const KindSpec& spec = SpecOf(kind);
  if (!spec.provenance) {
    return InvalidArgument(std::string("the ") + spec.name + " record is never declared, so never verified", "kind");
  }
  if (!keys.is_array() || keys.empty()) {
    return InvalidArgument("expected \"rows\": an array of the rows' keys, each an object of " +
                               [&] {
                                 std::string names;
                                 for (size_t i = 0; i < spec.key_count; ++i) {
                                   names += (i ? ", " : "") + std::string(spec.fields[i].name);
                                 }
                                 return names;
                               }(),
                           "rows");
  }
  if (keys.size() > 1000) return InvalidArgument("at most 1000 rows at a time", "rows");
  // Every key as the parameters of the kind's key columns, checked before any write.
  std::vector<std::vector<Param>> params(keys.size());
  std::vector<std::vector<std::string>> texts(keys.size());
  std::string where;
  for (size_t i = 0; i < spec.key_count; ++i) where += (i ? " AND " : "") + std::string(spec.fields[i].column) + " = ?";
  for (size_t k = 0; k < keys.size(); ++k) {
    const std::string at = "rows[" + std::to_string(k) + "]";
    if (!keys[k].is_object()) return InvalidArgument("expected an object of the row's key fields", at);
    if (keys[k].size() != spec.key_count) {
      return InvalidArgument(std::string("a row of ") + spec.name + " is named by its key fields only", at);
    }
    texts[k].resize(spec.key_count);
    for (size_t i = 0; i < spec.key_count; ++i) {
      const FieldSpec& f = spec.fields[i];
      auto it = keys[k].find(f.name);
      if (it == keys[k].end()) return InvalidArgument("missing the key field", at + "." + f.name);
      if (f.type == FieldType::kYear) {
        if (!it->is_number_integer()) return InvalidArgument("expected a year as an integer", at + "." + f.name);
        params[k].emplace_back(it->get<int64_t>());
      } else {
        if (!it->is_string()) return InvalidArgument("expected a string", at + "." + f.name);
        texts[k][i] = it->get<std::string>();
        params[k].emplace_back(std::string_view(texts[k][i]));
      }
    }
  }
  const std::string today = Today();
  auto written = Write(actor, [&](Database& db) -> Result<std::optional<nlohmann::json>> {
    EvidenceDelta delta(spec.table);  // the rows verified change their enterprises' digests
    for (size_t k = 0; k < keys.size(); ++k) {
      const std::string at = "rows[" + std::to_string(k) + "]";
      std::vector<Row> rows;
      BURSAR_RETURN_IF_ERROR(db.QuerySpan(
          std::string("SELECT source, supplied_by, verified_by, verified_on FROM ") + spec.table + " WHERE " + where,
          params[k], &rows));
      if (rows.empty()) return Status(StatusCode::kNotFound, std::string("no such row of ") + spec.name, at);
      const Row& r = rows[0];
      if (r.Text(0) != "declared") {
        return Status(StatusCode::kFailedPrecondition,
                      "the row comes from an official source and needs no verification", at);
      }
      if (!r.IsNull(2)) {
        return Status(StatusCode::kFailedPrecondition,
                      "the row was verified by " + r.Text(2) + " on " + r.Text(3), at);
      }
      if (r.Text(1) == actor) {
        return Status(StatusCode::kPermissionDenied, "the account that declared a row cannot verify it (D-G10)", at)
            .WithReason("declarer_verifies", {{"actor", actor}});
      }
      if (kind == EvidenceKind::kFigures) {
        // Stored before `given by` was written into its policy, or by a
        // policy that gained it since: read it again as a declaration.
        if (!figure) {
          return Status(StatusCode::kFailedPrecondition, "a figure is verified by the server that runs its programme",
                        at);
        }
        std::vector<Row> value;
        BURSAR_RETURN_IF_ERROR(db.QuerySpan("SELECT value FROM figure WHERE " + where, params[k], &value));
        auto read = figure(std::get<std::string_view>(params[k][1]), std::get<int64_t>(params[k][2]),
                           std::get<std::string_view>(params[k][0]), std::get<std::string_view>(params[k][3]),
                           value[0].Text(0), /*declared=*/true);
        if (!read.ok()) {
          ReasonParams why = read.status().params();
          return Status(read.status().code(), read.status().message(), at + ".name")
              .WithReason(read.status().reason(), std::move(why));
        }
      }
      std::vector<Param> update = {std::string_view(actor), std::string_view(today)};
      update.insert(update.end(), params[k].begin(), params[k].end());
      std::optional<StoredEvidenceRow> was, now;
      if (digesting_) {
        BURSAR_ASSIGN_OR_RETURN(was, ReadEvidenceRow(db, spec.table, where, params[k]));
      }
      BURSAR_RETURN_IF_ERROR(
          db.ExecuteSpan(std::string("UPDATE ") + spec.table + " SET verified_by = ?, verified_on = ? WHERE " + where,
                         update)
              .status());
      if (digesting_) {
        BURSAR_ASSIGN_OR_RETURN(now, ReadEvidenceRow(db, spec.table, where, params[k]));
      }
      if (was && now) {
        delta.Remove(was->credit_code, was->line);
        delta.Add(now->credit_code, now->line);
      }
    }
    if (digesting_) BURSAR_RETURN_IF_ERROR(delta.Apply(db));
    return std::optional<nlohmann::json>(
        nlohmann::json{{"op", "evidence.verify"}, {"kind", spec.name}, {"rows", keys}, {"on", today}});
  });
  if (!written.ok()) return written.status();
  return *written ? (*written)->seq : 0;
}

Result<std::vector<Store::DeclaredOfficial>> Store::DeclaredOfficialRows(int64_t* unchecked,
                                                                         const DeclaredQuery& query) {
  *unchecked = 0;
  std::vector<DeclaredOfficial> out;
  if (!provenance_) return out;  // before migration 17 nothing was declared
  if (programmes_) {
    std::string sql = "SELECT credit_code, policy, year, name, value, verified_by FROM figure "
                      "WHERE source = 'declared' AND verified_by IS NOT NULL";
    std::vector<Param> params;
    if (query.year != 0) {
      sql += " AND year = ?";
      params.emplace_back(query.year);
    }
    if (query.policy) {
      sql += " AND policy = ?";
      params.emplace_back(std::string_view(*query.policy));
    }
    std::vector<Row> rows;
    BURSAR_RETURN_IF_ERROR(db_->QuerySpan(sql + " ORDER BY policy, year, credit_code, name", params, &rows));
    for (const Row& r : rows) {
      if (!figure_reader_) {
        ++*unchecked;
        continue;
      }
      auto read = figure_reader_(r.Text(1), r.Int(2), r.Text(0), r.Text(3), r.Text(4), true);
      if (read.ok() || read.status().code() != StatusCode::kPermissionDenied) {
        if (!read.ok() && read.status().code() == StatusCode::kNotFound) ++*unchecked;
        continue;
      }
      out.push_back({"figure", r.Text(0), r.Text(1), r.Int(2), r.Text(3),
                     "credit_code=" + r.Text(0) + " policy=" + r.Text(1) + " year=" + std::to_string(r.Int(2)) +
                         " name=" + r.Text(3),
                     r.Text(5), {}});
    }
  }
  // D-G10: only the exchange's own records say a trade was made at a legally
  // established institution. The import refuses such a declaration; a row
  // that says so anyway was not written by bursar's import.
  std::vector<Row> trades;
  if (!query.policy || query.policy->empty()) {
    std::string sql = "SELECT credit_code, exchange, trade_id, trade_date, verified_by "
                      "FROM trade WHERE source = 'declared' AND legally_established = 1";
    const std::string first = std::to_string(query.year) + "-01-01", last = std::to_string(query.year) + "-12-31";
    std::vector<Param> params;
    if (query.year != 0) {
      sql += " AND trade_date >= ? AND trade_date <= ?";
      params = {std::string_view(first), std::string_view(last)};
    }
    BURSAR_RETURN_IF_ERROR(
        db_->QuerySpan(sql + " ORDER BY trade_date, credit_code, exchange, trade_id", params, &trades));
  }
  for (const Row& r : trades) {
    const std::string date = r.Text(3);
    int64_t year = 0;
    std::from_chars(date.data(), date.data() + std::min<size_t>(date.size(), 4), year);
    out.push_back({"trade", r.Text(0), "", year, "legally_established",
                   "credit_code=" + r.Text(0) + " exchange=" + r.Text(1) + " trade_id=" + r.Text(2),
                   r.IsNull(4) ? "" : r.Text(4), {}});
  }
  // The decisions that may rest on each: in force, of its enterprise in its
  // programme, of its year (and, for a figure of the facts, the years after:
  // their cases read it as `earlier`).
  for (DeclaredOfficial& d : out) {
    std::vector<Row> rows;
    const bool later = d.table == "figure" && d.field.starts_with("facts.");
    BURSAR_RETURN_IF_ERROR(db_->QuerySpan(
        std::string("SELECT d.id FROM application a JOIN decision d ON d.application_id = a.id AND d.in_force = 1 "
                    "WHERE a.credit_code = ? AND a.year ") +
            (later ? ">= ?" : "= ?") +
            (programmes_ ? " AND a.policy = ?" : "") + " ORDER BY d.id",
        programmes_ ? std::vector<Param>{std::string_view(d.credit_code), d.year, std::string_view(d.policy)}
                    : std::vector<Param>{std::string_view(d.credit_code), d.year},
        &rows));
    for (const Row& r : rows) d.decisions.push_back(r.Int(0));
  }
  return out;
}

}  // namespace bursar::store
