// SHA-256 over bytes (OpenSSL EVP), for the audit chain, file digests and
// migration checksums; HMAC-SHA256 for credentials bound to the server secret.
#pragma once

#include <string>
#include <string_view>

namespace bursar::store {

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Lower-case hex HMAC-SHA256 of `data` under `key` (the server secret's
// binding of session ids and API tokens, store/secret.h).
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// Incremental SHA-256. Not copyable.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  // Lower-case hex; the object is spent afterwards.
  std::string FinishHex();

 private:
  void* ctx_;  // EVP_MD_CTX, kept out of this header
};

}  // namespace bursar::store
