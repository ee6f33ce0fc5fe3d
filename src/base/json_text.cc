#include "base/json_text.h"

#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace bursar {
namespace {

// "line L, column C" of byte offset `pos` (1-based; columns count bytes).
std::string Where(std::string_view text, size_t pos) {
  if (pos > text.size()) pos = text.size();
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < pos; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(pos - line_start + 1);
}

}  // namespace

size_t FirstInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4) || i + n > s.size()) return i;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
    }
    if (n == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return i;  // overlong, surrogate
    }
    if (n == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) return i;
    }
    i += n;
  }
  return std::string_view::npos;
}

namespace {

// Deepest nesting accepted: far beyond any real document, far below what
// would exhaust a thread's stack in code that walks a value recursively.
constexpr size_t kMaxDepth = 512;

}  // namespace

namespace {

// The dotted path of the first key that appears twice in one object
// ("applicant.tags", "claims[].measure"), or "" if there is none. Only run
// once a duplicate is known to exist: it keeps every key of every open object.
std::string FirstDuplicateKey(std::string_view text) {
  struct Frame {
    bool object = false;
    std::set<std::string> keys;
    std::string key;  // the last key read in this object
  };
  std::vector<Frame> stack;
  std::string duplicate;
  auto path = [&](const std::string& last) {
    std::string p;
    for (size_t i = 0; i + 1 < stack.size(); ++i) {
      if (stack[i].object) p += (p.empty() ? "" : ".") + stack[i].key;
      else p += "[]";
    }
    return p + (p.empty() ? "" : ".") + last;
  };
  nlohmann::json::parser_callback_t callback = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (!duplicate.empty()) return false;
    if (event == E::object_start || event == E::array_start) {
      stack.push_back({event == E::object_start, {}, {}});
    } else if (event == E::key && !stack.empty()) {
      std::string key = parsed.get<std::string>();
      if (!stack.back().keys.insert(key).second) duplicate = path(key);
      stack.back().key = std::move(key);
    } else if ((event == E::object_end || event == E::array_end) && !stack.empty()) {
      stack.pop_back();
    }
    return true;
  };
  try {
    // The value is not needed, only the callback's walk (GCC does not let
    // a void cast silence the library's [[nodiscard]]).
    nlohmann::json walked = nlohmann::json::parse(text.begin(), text.end(), callback);
    (void)walked;
  } catch (const nlohmann::json::exception&) {
  }
  return duplicate;
}

}  // namespace

Result<nlohmann::json> ParseJsonText(std::string_view text) {
  if (size_t bad = FirstInvalidUtf8(text); bad != std::string_view::npos) {
    return InvalidArgument(Where(text, bad) + ": not UTF-8 (is the file saved as GBK or another encoding? save it as UTF-8)");
  }
  // The fast path keeps, per open object, only how many keys it has read: an
  // object that ends with fewer members than keys read had a key twice (the
  // parser keeps one value per key). Only then is the text walked again to
  // name that key. Allocation-free bookkeeping: this runs on every request.
  std::vector<size_t> keys_read;  // per open object or array
  bool too_deep = false, duplicate = false;
  nlohmann::json::parser_callback_t callback = [&](int depth, nlohmann::json::parse_event_t event,
                                                   nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (duplicate || too_deep) return false;
    switch (event) {
      case E::object_start:
      case E::array_start:
        if (static_cast<size_t>(depth) >= kMaxDepth) {
          too_deep = true;
          return false;
        }
        keys_read.push_back(0);
        break;
      case E::key:
        if (!keys_read.empty()) ++keys_read.back();
        break;
      case E::object_end:
        if (!keys_read.empty()) {
          if (parsed.size() != keys_read.back()) duplicate = true;
          keys_read.pop_back();
        }
        break;
      case E::array_end:
        if (!keys_read.empty()) keys_read.pop_back();
        break;
      default:
        break;
    }
    return true;
  };
  keys_read.reserve(16);
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(text.begin(), text.end(), callback);
  } catch (const nlohmann::json::parse_error& e) {
    const char* what = e.what();
    const char* close = std::strstr(what, "] ");
    std::string reason = close != nullptr ? close + 2 : what;
    // "parse error at line 1, column 9: syntax error while parsing ..." → the part after the position.
    if (size_t colon = reason.find(": "); reason.rfind("parse error", 0) == 0 && colon != std::string::npos) {
      reason = reason.substr(colon + 2);
    }
    return InvalidArgument(Where(text, e.byte > 0 ? e.byte - 1 : 0) + ": " + reason);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("not valid JSON: ") + e.what());
  }
  if (too_deep) return InvalidArgument("the JSON is nested deeper than " + std::to_string(kMaxDepth) + " levels");
  if (duplicate) {
    std::string key = FirstDuplicateKey(text);
    return InvalidArgument("the key \"" + key + "\" appears twice in one object", key);
  }
  return value;
}

}  // namespace bursar
