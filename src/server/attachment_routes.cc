// An application's files (申报材料, store/attachments.h) over HTTP:
//
//   GET    /api/applications/{id}/attachments        the list (applicant, reviewer, officer, auditor)
//   POST   /api/applications/{id}/attachments?filename=合同.pdf
//                                                    the file's bytes as the body (the applicant, draft)
//   GET    /api/applications/{id}/attachments/{n}    the file (the applicant, its assigned reviewers, officers)
//   DELETE /api/applications/{id}/attachments/{n}    (the applicant, draft)
//
// Who reads a file is narrower than who sees the application: a reviewer
// only while assigned to it (not after declaring a conflict), and neither
// auditors (who see each file's SHA-256 in the list and the chain) nor
// finance. A file is always sent as a download in a sandbox (it is never
// rendered as a page of this origin), with its SHA-256 as Repr-Digest.
#include <sodium.h>

#include <cctype>
#include <cstring>
#include <regex>

#include "server/server_impl.h"

namespace bursar::server {

namespace {

// RFC 8187 for Content-Disposition's filename*: UTF-8, percent-encoded
// except the attribute characters.
std::string ExtValue(const std::string& name) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out = "UTF-8''";
  for (unsigned char c : name) {
    if (std::isalnum(c) || std::strchr("!#$&+-.^_`|~", c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The name for clients that read only filename=: ASCII, no quotes.
std::string AsciiName(const store::Attachment& a) {
  std::string out;
  for (unsigned char c : a.filename) {
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '%') out += static_cast<char>(c);
  }
  const size_t dot = a.filename.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : a.filename.substr(dot);
  if (out.size() <= ext.size()) out = "attachment-" + std::to_string(a.id) + ext;
  return out;
}

std::string Base64Digest(const std::string& hex) {
  unsigned char raw[32];
  size_t length = 0;
  if (sodium_hex2bin(raw, sizeof raw, hex.data(), hex.size(), nullptr, &length, nullptr) != 0 || length != 32) {
    return "";
  }
  char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(out, sizeof out, raw, 32, sodium_base64_VARIANT_ORIGINAL);
  return out;
}

}  // namespace

OJson Server::Impl::AttachmentJson(const store::Attachment& a) {
  OJson j;
  j["id"] = a.id;
  j["application_id"] = a.application_id;
  j["filename"] = a.filename;
  j["content_type"] = a.content_type;
  j["size"] = a.size;
  j["sha256"] = a.sha256;
  j["uploaded_by"] = a.uploaded_by;
  j["uploaded_at"] = a.uploaded_at;
  j["href"] = "/api/applications/" + std::to_string(a.application_id) + "/attachments/" + std::to_string(a.id);
  return j;
}

bool Server::Impl::IsAttachmentUpload(const httplib::Request& req) {
  static const std::regex kUpload("^/api/applications/[0-9]+/attachments$");
  return req.method == "POST" && std::regex_match(req.path, kUpload);
}

Status Server::Impl::ListAttachments(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, "application"));
  OJson items = OJson::array();
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(store::ApplicationRow row, st.GetApplicationRow(id));
    BURSAR_RETURN_IF_ERROR(CheckVisible(st, caller, row));
    BURSAR_ASSIGN_OR_RETURN(auto files, st.Attachments(id));
    for (const auto& a : files) items.push_back(AttachmentJson(a));
    return OkStatus();
  }));
  AnswerJson(res, OJson{{"items", std::move(items)}});
  return OkStatus();
}

Status Server::Impl::AddAttachment(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, "application"));
  if (!req.has_param("filename")) {
    return InvalidArgument("name the file: ?filename=合同.pdf (percent-encoded), with its bytes as the body",
                           "query.filename");
  }
  const std::string filename = req.get_param_value("filename");
  store::Attachment added;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(store::ApplicationRow row, st.GetApplicationRow(id));
    BURSAR_RETURN_IF_ERROR(CheckVisible(st, caller, row));
    BURSAR_ASSIGN_OR_RETURN(added, st.AddAttachment(Actor(caller), id, filename, req.body));
    return OkStatus();
  }));
  OJson body = AttachmentJson(added);
  res.set_header("Location", body["href"].get<std::string>());
  AnswerJson(res, body, 201);
  return OkStatus();
}

Status Server::Impl::GetAttachment(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, "application"));
  BURSAR_ASSIGN_OR_RETURN(int64_t n, PathId(req, 2, "attachment"));
  std::pair<store::Attachment, std::string> file;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(store::ApplicationRow row, st.GetApplicationRow(id));
    BURSAR_RETURN_IF_ERROR(CheckVisible(st, caller, row));
    if (RoleOf(caller) == store::Role::kReviewer) {
      // A reviewer reads the materials while it reviews, not after
      // declaring a conflict of interest.
      BURSAR_ASSIGN_OR_RETURN(auto reviews, st.Reviews(id));
      bool reviewing = false;
      for (const auto& r : reviews) reviewing |= r.reviewer == Actor(caller) && r.state != "excluded";
      if (!reviewing) {
        return Status(StatusCode::kPermissionDenied,
                      "a reviewer excluded from the review of application " + std::to_string(id) +
                          " (a declared conflict of interest) does not read its files");
      }
    }
    BURSAR_ASSIGN_OR_RETURN(file, st.AttachmentContent(id, n));
    return OkStatus();
  }));
  const store::Attachment& a = file.first;
  res.set_header("Content-Disposition",
                 "attachment; filename=\"" + AsciiName(a) + "\"; filename*=" + ExtValue(a.filename));
  // Never a page of this origin, whatever a browser makes of it.
  res.set_header("Content-Security-Policy", "sandbox; default-src 'none'");
  res.set_header("Repr-Digest", "sha-256=:" + Base64Digest(a.sha256) + ":");
  SetBody(res, std::move(file.second), a.content_type.c_str());
  return OkStatus();
}

Status Server::Impl::RemoveAttachment(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, "application"));
  BURSAR_ASSIGN_OR_RETURN(int64_t n, PathId(req, 2, "attachment"));
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(store::ApplicationRow row, st.GetApplicationRow(id));
    BURSAR_RETURN_IF_ERROR(CheckVisible(st, caller, row));
    return st.RemoveAttachment(Actor(caller), id, n);
  }));
  res.status = 204;
  return OkStatus();
}

}  // namespace bursar::server
