#include "store/secret.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace bursar::store {

namespace {

constexpr size_t kKeyBytes = 32;

Status Failed(const std::string& path, const std::string& what, const std::string& field) {
  return Status(StatusCode::kInvalidArgument, "server secret " + path + ": " + what, field);
}

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return out;
}

// Writes a new key to a file of its own beside `path`, then links it into
// place: link() fails when `path` exists, so of two processes making the file
// at once, one key wins and the other process reads it.
Status MakeSecretFile(const std::string& path, const std::string& field) {
  if (sodium_init() < 0) return Status(StatusCode::kInternal, "libsodium failed to initialise");
  unsigned char key[kKeyBytes];
  randombytes_buf(key, sizeof key);
  const std::string line = Hex(key, sizeof key) + "\n";
  sodium_memzero(key, sizeof key);
  const std::string temp = path + ".new." + std::to_string(getpid());
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Failed(path, std::string("cannot create ") + temp + ": " + std::strerror(errno), field);
  const bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && fsync(fd) == 0;
  const int saved = errno;
  close(fd);
  if (!written) {
    unlink(temp.c_str());
    return Failed(path, std::string("cannot write ") + temp + ": " + std::strerror(saved), field);
  }
  const int linked = link(temp.c_str(), path.c_str());
  const int link_errno = errno;
  unlink(temp.c_str());
  if (linked != 0 && link_errno != EEXIST) {
    return Failed(path, std::string("cannot create it: ") + std::strerror(link_errno), field);
  }
  return OkStatus();
}

}  // namespace

Result<ServerSecret> LoadServerSecret(const std::string& path, bool create, const std::string& field) {
  if (path.empty()) return Status(StatusCode::kInvalidArgument, "the server secret file's path is empty", field);
  ServerSecret secret;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Failed(path, std::strerror(errno), field);
    if (!create) return Failed(path, "no such file", field);
    BURSAR_RETURN_IF_ERROR(MakeSecretFile(path, field));
    secret.created = true;
    if (stat(path.c_str(), &st) != 0) return Failed(path, std::strerror(errno), field);
  }
  if (!S_ISREG(st.st_mode)) return Failed(path, "not a regular file", field);
  if ((st.st_mode & 077) != 0) {
    return Failed(path, "group or others may read or write it; make it the server's own (chmod 600)", field);
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return Failed(path, "cannot read it", field);
  std::string hex = text.str();
  if (!hex.empty() && hex.back() == '\n') hex.pop_back();
  if (hex.size() != 2 * kKeyBytes || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Failed(path, "expected one line of 64 lower-case hex digits (a key bursar made)", field);
  }
  secret.key.resize(kKeyBytes);
  for (size_t i = 0; i < kKeyBytes; ++i) {
    secret.key[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  }
  sodium_memzero(hex.data(), hex.size());
  return secret;
}

}  // namespace bursar::store
