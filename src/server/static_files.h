// Serves the web application's built files from one folder (`--web DIR`).
//
// Safety: the request path (already percent-decoded by the HTTP library) is
// refused when it holds a NUL, a backslash, an empty or "." / ".." segment, or
// a segment starting with "." (no dotfiles); the file that remains is resolved
// through symlinks and must still lie inside the folder's canonical path.
// Content types come from a fixed table by extension; anything else is
// application/octet-stream, and nosniff (a default header) stops guessing.
// A path with no extension that names no file gets index.html, so the web
// app's client-side routes load (the "single-page app" fallback).
//
// Thread-safety: immutable after construction; Serve is reentrant.
#pragma once

#include <string>

#include "base/status.h"

namespace bursar::server {

struct StaticFile {
  std::string body;
  std::string content_type;
  bool immutable_asset = false;  // hashed build output: may be cached long
};

class StaticFiles {
 public:
  // Fails when `dir` is not a readable folder.
  static Result<StaticFiles> Open(const std::string& dir);

  // The file for a request path ("/", "/app.js"), or NotFound.
  Result<StaticFile> Serve(const std::string& request_path) const;

  // The content type for a file name, by extension.
  static const char* ContentType(const std::string& name);

 private:
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}
  Result<StaticFile> Read(const std::string& relative) const;
  std::string root_;  // canonical, no trailing slash
};

}  // namespace bursar::server
