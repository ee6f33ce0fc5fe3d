// The server secret: a random key kept in a file outside the database, to
// which sessions and API tokens are bound. The store keeps, for each session
// id and token, HMAC-SHA256(key, id) rather than a plain digest, so that a
// row a database administrator inserts by hand names no session or token
// anyone can present: making one needs the key, which the database does not
// hold (docs/security.md, "What a database administrator can do").
//
// The file holds one line: 64 lower-case hex digits (32 random bytes). It is
// made, when missing, with mode 0600, atomically (written under another name,
// then linked into place, so that two processes starting at once agree on one
// key), and refused when anyone but its owner may read or write it.
//
// Thread-safety: stateless functions.
#pragma once

#include <string>

#include "base/status.h"

namespace bursar::store {

struct ServerSecret {
  std::string key;       // the 32 bytes
  bool created = false;  // this call made the file
};

// The key in `path`, making the file first when it does not exist and
// `create` is set. Errors name the path and the field `field` (the option that
// gave it, e.g. "--secret-file").
Result<ServerSecret> LoadServerSecret(const std::string& path, bool create, const std::string& field);

}  // namespace bursar::store
