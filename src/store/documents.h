// Official documents of a programme: their numbers (文号) and the office's
// settings that go on them.
//
// A document (a decision letter 决定书, a public notice 公示, a payment notice
// 拨付通知) is issued once for its subject: the first time it is produced it
// takes the next number of its kind in its year, and the record of that
// (kind, year, sequence, the number as written, the subject, the day of
// issue and who asked) is kept for good and audited (op document.issue).
// Later copies of the same subject carry the same number and date; a number
// is never given twice, even when its decision is later withdrawn.
//
// The settings are the office's, not the law's: who issues (发文机关), how
// numbers are written per kind ("朝数决〔{year}〕{n}号"), where objections go,
// and which authorities hear an application for administrative
// reconsideration or a lawsuit. Each has a default; `bursar documents set`
// changes one (audited, op document.setting). A change applies to documents
// issued after it; numbers already issued keep their text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace bursar::store {

enum class DocumentKind { kDecision, kNotice, kPayment };

// "decision", "notice", "payment".
const char* DocumentKindName(DocumentKind kind);
std::optional<DocumentKind> ParseDocumentKind(const std::string& name);

struct IssuedDocument {
  DocumentKind kind = DocumentKind::kDecision;
  int64_t year = 0;
  int64_t seq = 0;         // 1, 2, ... within (kind, year)
  std::string number;      // as printed: 朝数决〔2025〕3号
  std::string subject;     // decision id; "YEAR/NOTICE_END" of a notice; "APPLICATION/INSTALMENT" of a payment
  std::string issued_on;   // Beijing calendar day of issue, YYYY-MM-DD
  std::string issued_at;   // UTC, RFC 3339
  std::string issued_by;
};

// One setting: its key, value (the default when unset) and what it is.
struct DocumentSetting {
  std::string key;
  std::string value;
  bool is_default = true;
  std::string meaning;  // in Chinese, for the admin
};

// The keys, in display order, with their defaults.
const std::vector<DocumentSetting>& DocumentSettingDefaults();

// The office's separation-of-duties setting kept beside the document ones: a
// payment above this amount (RMB, default 0.00: every payment) is paid only
// when a second finance account approves it (Store::RecordPayment).
inline constexpr const char* kPaymentApprovalSetting = "duty.payment_second_approval_above";

// The number as written: "{year}" and "{n}" in `pattern` replaced.
std::string FormatDocumentNumber(const std::string& pattern, int64_t year, int64_t seq);

}  // namespace bursar::store
