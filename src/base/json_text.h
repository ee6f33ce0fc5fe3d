// JSON text from outside (a case, a claim, a line of an evidence file) into
// nlohmann::json, strictly: a syntax error says where (line and column) and
// what; bytes that are not UTF-8 (a file saved as GBK, say) are named as
// such; and an object that names a key twice is refused, where the JSON
// library would silently keep the last value.
//
// Thread-safety: a free function.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace bursar {

// Parses `text`. Errors are InvalidArgument; the message starts with what
// went wrong, e.g. `line 3, column 14: the key "year" appears twice in one
// object` or `line 1, column 9: not UTF-8 (is the file saved as GBK?)`. The
// field is the key's path for a duplicate key ("applicant.id"), else empty.
Result<nlohmann::json> ParseJsonText(std::string_view text);

// The offset of the first byte of `text` that is not part of well-formed
// UTF-8 (overlong forms and surrogates included), or npos when it all is.
size_t FirstInvalidUtf8(std::string_view text);

}  // namespace bursar
