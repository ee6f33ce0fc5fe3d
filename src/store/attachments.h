// Attachments (申报材料): the files an enterprise hands in with its draft —
// the PDF of a contract, a photo of a certificate, a spreadsheet of its
// trades — for the assigned reviewers and the officers to read.
//
// What a file is, its content decides: the first bytes (and, for Office
// files, the parts a ZIP archive names) give its kind, never the name or the
// type a client declares, and the name's extension must agree. Accepted:
// PDF, PNG, JPEG, and the Office Open XML documents (.docx, .xlsx, .pptx)
// without macros. Legacy Office files (.doc, .xls: an OLE container that may
// carry macros) and everything else are refused with what the content is.
//
// How one is kept (docs/store-schema.md, "attachment"): a row of its own with
// the file's name, kind, size and SHA-256, the content as base64 text (both
// databases store text without loss), who added it and when. The audit entry
// of the upload records the SHA-256, and the row is sealed (store/seal.h)
// with its content digested, so `bursar audit verify` names a file changed
// in the database; reading one recomputes the SHA-256 and refuses a content
// that no longer matches. Files are added and removed only while the
// application is a draft: what was submitted is what the review read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace bursar::store {

// One file, its largest size.
inline constexpr int64_t kMaxAttachmentBytes = int64_t{20} << 20;
// One application: at most this many files, of at most this many bytes together.
inline constexpr int64_t kMaxAttachmentsPerApplication = 20;
inline constexpr int64_t kMaxAttachmentBytesPerApplication = int64_t{100} << 20;
// A file name's longest length, in bytes of UTF-8.
inline constexpr size_t kMaxAttachmentNameBytes = 255;

// The limits a store holds attachments to (OpenOptions: tests lower them).
struct AttachmentLimits {
  int64_t file_bytes = kMaxAttachmentBytes;
  int64_t files = kMaxAttachmentsPerApplication;
  int64_t application_bytes = kMaxAttachmentBytesPerApplication;
};

struct Attachment {
  int64_t id = 0;
  int64_t application_id = 0;
  std::string filename;
  std::string content_type;  // "application/pdf", ...
  int64_t size = 0;          // bytes
  std::string sha256;        // hex of the file's bytes
  std::string uploaded_by;
  std::string uploaded_at;
};

// The file name as kept: surrounding spaces trimmed. InvalidArgument (field
// "filename") for an empty name, one that is not UTF-8, longer than
// kMaxAttachmentNameBytes, or holding a control character, a slash or a
// backslash (a name, not a path), or starting with a dot.
Result<std::string> CheckAttachmentName(std::string_view filename);

// The kind of `bytes` as a media type, from the content alone.
// InvalidArgument with field "content" when the content is none of the
// accepted kinds (saying what it is when known: a legacy Office file, an
// archive, a document with macros), with field "filename" when the name's
// extension names another kind than the content.
Result<std::string> AttachmentContentType(std::string_view filename, std::string_view bytes);

// The extensions a media type's files are named with (".pdf"), for messages.
const char* AttachmentExtensions(std::string_view content_type);

}  // namespace bursar::store
