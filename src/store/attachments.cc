// Attachments: what a file is by its content, and the store's side of adding,
// listing, reading and removing them (store/attachments.h).
#include "store/attachments.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "base/json_text.h"
#include "store/audit.h"
#include "store/digest.h"
#include "store/migrations.h"
#include "store/store.h"

namespace bursar::store {
namespace {

using json = nlohmann::json;

struct Kind {
  const char* content_type;
  std::array<const char*, 2> extensions;  // lower case; nullptr when fewer
};
constexpr const char* kPdf = "application/pdf";
constexpr const char* kPng = "image/png";
constexpr const char* kJpeg = "image/jpeg";
constexpr const char* kDocx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
constexpr const char* kXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
constexpr const char* kPptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
constexpr Kind kKinds[] = {
    {kPdf, {".pdf", nullptr}},   {kPng, {".png", nullptr}},   {kJpeg, {".jpg", ".jpeg"}},
    {kDocx, {".docx", nullptr}}, {kXlsx, {".xlsx", nullptr}}, {kPptx, {".pptx", nullptr}},
};

uint32_t Le16(std::string_view s, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(s[at])) |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8;
}
uint32_t Le32(std::string_view s, size_t at) { return Le16(s, at) | Le16(s, at + 2) << 16; }

// The names a ZIP archive's central directory lists, or nullopt when the
// archive is not a well-formed one (no end record, a directory outside the
// file, an entry running past it). ZIP64 archives (over 65,535 entries or
// 4 GiB) are not read: no Office document here is one.
std::optional<std::vector<std::string>> ZipNames(std::string_view zip) {
  constexpr size_t kEndRecord = 22;
  if (zip.size() < kEndRecord) return std::nullopt;
  // The end record closes the file, after a comment of up to 65,535 bytes.
  const size_t lowest = zip.size() > kEndRecord + 0xFFFF ? zip.size() - kEndRecord - 0xFFFF : 0;
  for (size_t at = zip.size() - kEndRecord + 1; at-- > lowest;) {
    if (Le32(zip, at) != 0x06054b50 || at + kEndRecord + Le16(zip, at + 20) != zip.size()) continue;
    const uint32_t entries = Le16(zip, at + 10);
    const size_t directory_size = Le32(zip, at + 12), directory_at = Le32(zip, at + 16);
    if (directory_at > at || directory_size > at - directory_at) return std::nullopt;
    std::vector<std::string> names;
    size_t p = directory_at;
    const size_t end = directory_at + directory_size;
    for (uint32_t i = 0; i < entries; ++i) {
      constexpr size_t kHeader = 46;
      if (end - p < kHeader || Le32(zip, p) != 0x02014b50) return std::nullopt;
      const size_t name = Le16(zip, p + 28), extra = Le16(zip, p + 30), comment = Le16(zip, p + 32);
      if (end - p - kHeader < name + extra + comment) return std::nullopt;
      names.emplace_back(zip.substr(p + kHeader, name));
      p += kHeader + name + extra + comment;
    }
    return names;
  }
  return std::nullopt;
}

Status NotAccepted(const std::string& what) {
  return InvalidArgument(what + "; accepted are PDF, PNG, JPEG and Office documents (.docx, .xlsx, .pptx)", "content");
}

// The kind of an Office Open XML package by the parts it names.
Result<std::string> OfficeKind(std::string_view bytes) {
  auto names = ZipNames(bytes);
  if (!names) return NotAccepted("the content is a damaged or unreadable ZIP archive");
  auto has = [&](std::string_view n) { return std::find(names->begin(), names->end(), n) != names->end(); };
  for (const std::string& n : *names) {
    std::string lower = n;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.ends_with("vbaproject.bin")) {
      return NotAccepted("the content is an Office document with macros (save it without them, as .docx, .xlsx or .pptx)");
    }
  }
  if (has("[Content_Types].xml")) {
    if (has("word/document.xml")) return std::string(kDocx);
    if (has("xl/workbook.xml")) return std::string(kXlsx);
    if (has("ppt/presentation.xml")) return std::string(kPptx);
  }
  return NotAccepted("the content is a ZIP archive, not an Office document");
}

std::string LowerExtension(std::string_view filename) {
  const size_t dot = filename.rfind('.');
  std::string ext(dot == std::string_view::npos ? std::string_view() : filename.substr(dot));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

std::string Base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the terminating NUL
  return out;
}

std::optional<std::string> FromBase64(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &length, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

// "20 MiB", or "300 bytes" for a size that is no whole number of MiB.
std::string Bytes(int64_t n) {
  return n % (int64_t{1} << 20) == 0 ? std::to_string(n >> 20) + " MiB" : std::to_string(n) + " bytes";
}

constexpr const char* kAttachmentColumns =
    "id, application_id, filename, content_type, size, sha256, uploaded_by, uploaded_at";

Attachment AttachmentFromRow(const Row& r) {
  return Attachment{r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Int(4), r.Text(5), r.Text(6), r.Text(7)};
}

json AttachmentChange(const char* op, const Attachment& a) {
  return {{"op", op},          {"application", a.application_id}, {"attachment", a.id},
          {"filename", a.filename}, {"content_type", a.content_type}, {"size", a.size},
          {"sha256", a.sha256}};
}

}  // namespace

Result<std::string> CheckAttachmentName(std::string_view filename) {
  while (!filename.empty() && filename.front() == ' ') filename.remove_prefix(1);
  while (!filename.empty() && filename.back() == ' ') filename.remove_suffix(1);
  if (filename.empty()) return InvalidArgument("a file needs its name, such as 合同.pdf", "filename");
  if (FirstInvalidUtf8(filename) != std::string::npos) return InvalidArgument("the file name is not UTF-8", "filename");
  if (filename.size() > kMaxAttachmentNameBytes) {
    return InvalidArgument("a file name has at most " + std::to_string(kMaxAttachmentNameBytes) + " bytes, not " +
                               std::to_string(filename.size()),
                           "filename");
  }
  for (unsigned char c : filename) {
    if (c < 0x20 || c == 0x7F || c == '/' || c == '\\') {
      return InvalidArgument("a file name has no control characters, slashes or backslashes", "filename");
    }
  }
  if (filename.front() == '.') return InvalidArgument("a file name does not start with a dot", "filename");
  return std::string(filename);
}

const char* AttachmentExtensions(std::string_view content_type) {
  if (content_type == kJpeg) return ".jpg or .jpeg";
  for (const Kind& k : kKinds) {
    if (content_type == k.content_type) return k.extensions[0];
  }
  return "";
}

Result<std::string> AttachmentContentType(std::string_view filename, std::string_view bytes) {
  if (bytes.empty()) return InvalidArgument("the file is empty", "content");
  std::string type;
  if (bytes.starts_with("%PDF-")) {
    type = kPdf;
  } else if (bytes.starts_with("\x89PNG\r\n\x1a\n")) {
    type = kPng;
  } else if (bytes.starts_with("\xFF\xD8\xFF")) {
    type = kJpeg;
  } else if (bytes.starts_with("PK\x03\x04") || bytes.starts_with("PK\x05\x06")) {
    BURSAR_ASSIGN_OR_RETURN(type, OfficeKind(bytes));
  } else if (bytes.starts_with("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) {
    return NotAccepted("the content is a legacy Office file (.doc, .xls, .ppt), which may carry macros: save it as "
                       ".docx, .xlsx or .pptx");
  } else {
    return NotAccepted("the content is of no accepted kind");
  }
  const std::string ext = LowerExtension(filename);
  for (const Kind& k : kKinds) {
    if (type != k.content_type) continue;
    for (const char* e : k.extensions) {
      if (e && ext == e) return type;
    }
  }
  return InvalidArgument("the content is " + type + ", to be named with " + AttachmentExtensions(type) + ", not \"" +
                             ext + "\"",
                         "filename");
}

// --- The store's side -----------------------------------------------------------

Result<Attachment> Store::AddAttachment(const std::string& actor, int64_t application_id, std::string_view filename,
                                        std::string_view bytes) {
  if (!attachments_) {
    return Status(StatusCode::kFailedPrecondition,
                  "this database predates attachments: `bursar db migrate` adds them (migration " +
                      std::to_string(kAttachmentMigration) + ")");
  }
  BURSAR_ASSIGN_OR_RETURN(std::string name, CheckAttachmentName(filename));
  const AttachmentLimits& limits = attachment_limits_;
  if (static_cast<int64_t>(bytes.size()) > limits.file_bytes) {
    return InvalidArgument("a file has at most " + Bytes(limits.file_bytes) + ", not " +
                               std::to_string(bytes.size()) + " bytes",
                           "content");
  }
  BURSAR_ASSIGN_OR_RETURN(std::string type, AttachmentContentType(name, bytes));
  Attachment a;
  a.application_id = application_id;
  a.filename = std::move(name);
  a.content_type = std::move(type);
  a.size = static_cast<int64_t>(bytes.size());
  a.sha256 = Sha256Hex(bytes);
  a.uploaded_by = actor;
  const std::string content = Base64(bytes);
  auto result = Write(actor, [&](Database& db) -> Result<std::optional<json>> {
    BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, application_id, true));
    BURSAR_RETURN_IF_ERROR(CheckAttachable(app));
    BURSAR_ASSIGN_OR_RETURN(auto held, db.QueryOne("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM attachment "
                                                   "WHERE application_id = ?",
                                                   {application_id}));
    const int64_t count = held ? held->Int(0) : 0, total = held ? held->Int(1) : 0;
    if (count >= limits.files) {
      return Status(StatusCode::kFailedPrecondition, "application " + std::to_string(application_id) + " has " +
                                                         std::to_string(count) + " files, the most it may hold");
    }
    if (total + a.size > limits.application_bytes) {
      return Status(StatusCode::kFailedPrecondition, "the files of application " + std::to_string(application_id) +
                                                         " would pass " + Bytes(limits.application_bytes) +
                                                         " together");
    }
    a.uploaded_at = Now();
    BURSAR_ASSIGN_OR_RETURN(
        auto row, db.QueryOne("INSERT INTO attachment (application_id, filename, content_type, size, sha256, "
                              "content, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                              {application_id, a.filename, a.content_type, a.size, a.sha256, content, actor,
                               a.uploaded_at}));
    if (!row) return Status(StatusCode::kInternal, "INSERT ... RETURNING gave no row");
    a.id = row->Int(0);
    return std::optional<json>(AttachmentChange("attachment.add", a));
  });
  if (!result.ok()) return result.status();
  return a;
}

Status Store::CheckAttachable(const Application& app) {
  if (app.state != ApplicationState::kDraft) {
    return Status(StatusCode::kFailedPrecondition,
                  "application " + std::to_string(app.id) + " is " + ApplicationStateName(app.state) +
                      ": its files are added and removed only while it is a draft (what was submitted is what the "
                      "review read)");
  }
  if (IsApplyFreeProposal(app)) {
    return Status(StatusCode::kFailedPrecondition,
                  "application " + std::to_string(app.id) +
                      " is an apply-free proposal, decided from official evidence: it takes no files");
  }
  return OkStatus();
}

Status Store::RemoveAttachment(const std::string& actor, int64_t application_id, int64_t attachment_id) {
  if (!attachments_) return Status(StatusCode::kNotFound, "no file " + std::to_string(attachment_id), "attachment");
  return Write(actor,
               [&](Database& db) -> Result<std::optional<json>> {
                 BURSAR_ASSIGN_OR_RETURN(Application app, LoadApplication(db, application_id, true));
                 BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne(std::string("SELECT ") + kAttachmentColumns +
                                                                   " FROM attachment WHERE id = ? AND "
                                                                   "application_id = ?",
                                                               {attachment_id, application_id}));
                 if (!row) {
                   return Status(StatusCode::kNotFound,
                                 "application " + std::to_string(application_id) + " has no file " +
                                     std::to_string(attachment_id),
                                 "attachment");
                 }
                 BURSAR_RETURN_IF_ERROR(CheckAttachable(app));
                 BURSAR_RETURN_IF_ERROR(db.Execute("DELETE FROM attachment WHERE id = ?", {attachment_id}).status());
                 return std::optional<json>(AttachmentChange("attachment.remove", AttachmentFromRow(*row)));
               })
      .status();
}

Result<std::vector<Attachment>> Store::Attachments(int64_t application_id) {
  if (!attachments_) return std::vector<Attachment>();
  BURSAR_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          db_->Query(std::string("SELECT ") + kAttachmentColumns +
                                         " FROM attachment WHERE application_id = ? ORDER BY id",
                                     {application_id}));
  std::vector<Attachment> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.push_back(AttachmentFromRow(r));
  return out;
}

Result<std::pair<Attachment, std::string>> Store::AttachmentContent(int64_t application_id, int64_t attachment_id) {
  if (!attachments_) return Status(StatusCode::kNotFound, "no file " + std::to_string(attachment_id), "attachment");
  BURSAR_ASSIGN_OR_RETURN(auto row, db_->QueryOne(std::string("SELECT ") + kAttachmentColumns +
                                                      ", content FROM attachment WHERE id = ? AND application_id = ?",
                                                  {attachment_id, application_id}));
  if (!row) {
    return Status(StatusCode::kNotFound,
                  "application " + std::to_string(application_id) + " has no file " + std::to_string(attachment_id),
                  "attachment");
  }
  Attachment a = AttachmentFromRow(*row);
  std::optional<std::string> bytes = FromBase64(row->Text(8));
  // The content read is the content uploaded, or nothing is served.
  if (!bytes || static_cast<int64_t>(bytes->size()) != a.size || Sha256Hex(*bytes) != a.sha256) {
    return Status(StatusCode::kInternal, "the stored content of file " + std::to_string(a.id) + " (" + a.filename +
                                             ") does not match its SHA-256: it was changed outside bursar "
                                             "(`bursar audit verify` names the row)");
  }
  return std::make_pair(std::move(a), std::move(*bytes));
}

}  // namespace bursar::store
