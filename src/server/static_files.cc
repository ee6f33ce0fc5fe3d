#include "server/static_files.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bursar::server {
namespace fs = std::filesystem;

Result<StaticFiles> StaticFiles::Open(const std::string& dir) {
  std::error_code ec;
  fs::path root = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(root, ec)) {
    return InvalidArgument("the web folder '" + dir + "' is not a readable folder", "--web");
  }
  return StaticFiles(root.string());
}

const char* StaticFiles::ContentType(const std::string& name) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".wasm", "application/wasm"},
      {".txt", "text/plain; charset=utf-8"},
      {".csv", "text/csv; charset=utf-8"},
      {".pdf", "application/pdf"},
  };
  std::string ext = fs::path(name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return type;
  }
  return "application/octet-stream";
}

Result<StaticFile> StaticFiles::Read(const std::string& relative) const {
  std::error_code ec;
  fs::path full = fs::weakly_canonical(fs::path(root_) / relative, ec);
  if (ec) return Status(StatusCode::kNotFound, "no such file");
  // Resolved through symlinks, the file must still be inside the root.
  const std::string& f = full.native();
  if (f.size() <= root_.size() || f.compare(0, root_.size(), root_) != 0 || f[root_.size()] != '/') {
    return Status(StatusCode::kNotFound, "no such file");
  }
  if (!fs::is_regular_file(full, ec)) return Status(StatusCode::kNotFound, "no such file");
  std::ifstream in(full, std::ios::binary);
  if (!in) return Status(StatusCode::kNotFound, "no such file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  StaticFile out;
  out.body = buffer.str();
  out.content_type = ContentType(full.filename().string());
  out.immutable_asset = relative.rfind("assets/", 0) == 0;
  return out;
}

Result<StaticFile> StaticFiles::Serve(const std::string& request_path) const {
  const Status not_found(StatusCode::kNotFound, "no such file: " + request_path);
  if (request_path.empty() || request_path[0] != '/') return not_found;
  if (request_path.find('\0') != std::string::npos || request_path.find('\\') != std::string::npos) {
    return not_found;
  }
  std::string relative = request_path.substr(1);
  // Every segment must be a plain name: no "", ".", "..", no dotfiles.
  size_t start = 0;
  while (start < relative.size()) {
    size_t end = relative.find('/', start);
    if (end == std::string::npos) end = relative.size();
    std::string_view segment(relative.data() + start, end - start);
    if (segment.empty() || segment.front() == '.') return not_found;
    start = end + 1;
  }
  if (relative.empty() || relative.back() == '/') relative += "index.html";
  auto file = Read(relative);
  if (file.ok()) return file;
  // Client-side routes of the web app: "/applications/17" → index.html.
  std::string last = relative.substr(relative.rfind('/') + 1);
  if (last.find('.') == std::string::npos) {
    auto index = Read("index.html");
    if (index.ok()) return index;
  }
  return not_found;
}

}  // namespace bursar::server
