#include "store/documents.h"

#include <nlohmann/json.hpp>

#include "money/exact.h"
#include "store/store.h"

namespace bursar::store {

namespace {
using json = nlohmann::json;
}  // namespace

const char* DocumentKindName(DocumentKind kind) {
  switch (kind) {
    case DocumentKind::kDecision: return "decision";
    case DocumentKind::kNotice: return "notice";
    case DocumentKind::kPayment: return "payment";
  }
  return "decision";
}

std::optional<DocumentKind> ParseDocumentKind(const std::string& name) {
  for (DocumentKind k : {DocumentKind::kDecision, DocumentKind::kNotice, DocumentKind::kPayment}) {
    if (name == DocumentKindName(k)) return k;
  }
  return std::nullopt;
}

const std::vector<DocumentSetting>& DocumentSettingDefaults() {
  static const std::vector<DocumentSetting> defaults = {
      {"issuer", "北京市朝阳区数据局", true, "发文机关"},
      {"number.decision", "朝数决〔{year}〕{n}号", true, "决定书文号格式（{year} 年度，{n} 序号）"},
      {"number.notice", "朝数公〔{year}〕{n}号", true, "公示文号格式"},
      {"number.payment", "朝数拨〔{year}〕{n}号", true, "拨付通知文号格式"},
      {"programme", "北京市朝阳区促进数据要素产业发展资金", true, "资金名称"},
      {"objection_contact", "北京市朝阳区数据局产业发展科，电话 010-00000000（请按实际填写）", true,
       "异议受理部门及联系方式"},
      {"reconsideration_body", "北京市朝阳区人民政府", true, "行政复议机关"},
      {"court", "有管辖权的人民法院", true, "行政诉讼受理法院"},
      {"guide.window", "每年3月1日至4月30日（以当年申报通知为准，请按实际填写）", true, "申报指南：申报时间"},
      {"guide.contact", "北京市朝阳区数据局产业发展科，电话 010-00000000（请按实际填写）", true, "申报指南：咨询电话及地址"},
      {kPaymentApprovalSetting, "0.00", true, "单笔拨付超过该金额（元）须由另一名财务人员复核后支付；0.00 即每笔均须复核"},
  };
  return defaults;
}

std::string FormatDocumentNumber(const std::string& pattern, int64_t year, int64_t seq) {
  std::string out = pattern;
  auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = out.find(from, pos)) != std::string::npos; pos += to.size()) out.replace(pos, from.size(), to);
  };
  replace("{year}", std::to_string(year));
  replace("{n}", std::to_string(seq));
  return out;
}

namespace {

bool HasControl(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

Result<std::vector<DocumentSetting>> Store::DocumentSettings() {
  std::vector<DocumentSetting> out = DocumentSettingDefaults();
  BURSAR_ASSIGN_OR_RETURN(auto rows, db_->Query("SELECT key, value FROM document_setting"));
  for (const Row& r : rows) {
    for (DocumentSetting& s : out) {
      if (s.key == r.Text(0)) {
        s.value = r.Text(1);
        s.is_default = false;
      }
    }
  }
  return out;
}

Result<std::string> Store::DocumentSettingValue(const std::string& key) {
  BURSAR_ASSIGN_OR_RETURN(auto all, DocumentSettings());
  for (const DocumentSetting& s : all) {
    if (s.key == key) return s.value;
  }
  return Status(StatusCode::kNotFound, "no document setting '" + key + "'", "key");
}

Status Store::SetDocumentSetting(const std::string& actor, const std::string& key, const std::string& value) {
  bool known = false;
  for (const DocumentSetting& s : DocumentSettingDefaults()) known = known || s.key == key;
  if (!known) {
    std::string keys;
    for (const DocumentSetting& s : DocumentSettingDefaults()) keys += (keys.empty() ? "" : ", ") + s.key;
    return InvalidArgument("unknown document setting '" + key + "' (known: " + keys + ")", "key");
  }
  if (value.empty() || value.size() > 300) return InvalidArgument("a setting has 1 to 300 bytes", "value");
  if (HasControl(value)) return InvalidArgument("a setting has no control characters", "value");
  if (key == kPaymentApprovalSetting) {
    std::string why;
    const auto amount = ParseMoneyString(value, &why);
    if (!amount || !amount->ToFen() || *amount->ToFen() < 0) {
      return InvalidArgument("the approval threshold is an amount in RMB of at least 0.00, such as 100000.00", "value");
    }
  }
  if (key.rfind("number.", 0) == 0 && value.find("{n}") == std::string::npos) {
    return InvalidArgument("a document number pattern holds {n}, the sequence number, e.g. 朝数决〔{year}〕{n}号",
                           "value");
  }
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_RETURN_IF_ERROR(db.Execute("INSERT INTO document_setting (key, value) VALUES (?, ?) "
                                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                                   {key, value})
                                            .status());
                 return std::optional<json>(json{{"op", "document.setting"}, {"key", key}, {"value", value}});
               })
      .status();
}

namespace {

IssuedDocument IssuedFromRow(const Row& r) {
  IssuedDocument d;
  d.kind = ParseDocumentKind(r.Text(0)).value_or(DocumentKind::kDecision);
  d.year = r.Int(1);
  d.seq = r.Int(2);
  d.number = r.Text(3);
  d.subject = r.Text(4);
  d.issued_on = r.Text(5);
  d.issued_at = r.Text(6);
  d.issued_by = r.Text(7);
  return d;
}

constexpr const char* kSelectDocument =
    "SELECT kind, year, seq, number, subject, issued_on, issued_at, issued_by FROM document "
    "WHERE kind = ? AND subject = ?";

}  // namespace

Result<std::optional<IssuedDocument>> Store::FindDocument(DocumentKind kind, const std::string& subject) {
  BURSAR_ASSIGN_OR_RETURN(auto row, db_->QueryOne(kSelectDocument, {DocumentKindName(kind), subject}));
  if (!row) return std::optional<IssuedDocument>();
  return std::optional<IssuedDocument>(IssuedFromRow(*row));
}

Result<IssuedDocument> Store::IssueDocument(const std::string& actor, DocumentKind kind, int64_t year,
                                            const std::string& subject) {
  if (year < 1900 || year > 2999) return InvalidArgument("expected a year such as 2025", "year");
  if (subject.empty() || subject.size() > 100) return InvalidArgument("a document's subject has 1 to 100 bytes", "subject");
  // Most copies are of a document already issued: no write for those.
  BURSAR_ASSIGN_OR_RETURN(auto found, FindDocument(kind, subject));
  if (found) return std::move(*found);
  IssuedDocument issued;
  const std::string kind_name = DocumentKindName(kind);
  BURSAR_ASSIGN_OR_RETURN(std::string pattern, DocumentSettingValue(std::string("number.") + kind_name));
  auto written =
      Write(actor,
            [&](Database& db) -> Result<std::optional<json>> {
              // Writers are serialised (the audit head's lock): the maximum
              // read here is still the maximum when the row is inserted.
              BURSAR_ASSIGN_OR_RETURN(auto again, db.QueryOne(kSelectDocument, {kind_name, subject}));
              if (again) {
                issued = IssuedFromRow(*again);
                return std::optional<json>();  // another writer issued it first
              }
              BURSAR_ASSIGN_OR_RETURN(
                  auto last, db.QueryOne("SELECT COALESCE(MAX(seq), 0) FROM document WHERE kind = ? AND year = ?",
                                         {kind_name, year}));
              issued.kind = kind;
              issued.year = year;
              issued.seq = (last ? last->Int(0) : 0) + 1;
              issued.number = FormatDocumentNumber(pattern, year, issued.seq);
              issued.subject = subject;
              issued.issued_at = Now();
              issued.issued_on = BeijingDate(issued.issued_at);
              issued.issued_by = actor;
              BURSAR_RETURN_IF_ERROR(
                  db.Execute("INSERT INTO document (kind, year, seq, number, subject, issued_on, issued_at, issued_by) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             {kind_name, year, issued.seq, issued.number, subject, issued.issued_on,
                              issued.issued_at, actor})
                      .status());
              return std::optional<json>(json{{"op", "document.issue"},
                                              {"kind", kind_name},
                                              {"year", year},
                                              {"seq", issued.seq},
                                              {"number", issued.number},
                                              {"subject", subject}});
            });
  if (!written.ok()) return written.status();
  return issued;
}

}  // namespace bursar::store
