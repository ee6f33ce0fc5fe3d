#include "base/json_text.h"

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

// Builds the value from the parser's events (nlohmann's SAX interface) and
// keeps each open container and the key being read in it, for the check the
// library does not make: a key that an object already has is a duplicate,
// named by its dotted path ("applicant.tags", "claims[].measure") where it
// first occurs in the text. No callback per value and no copy of a finished
// value: this runs on every evaluation request.
class StrictBuilder {
 public:
  using Json = nlohmann::json;

  bool null() { return Put(nullptr); }
  bool boolean(bool v) { return Put(v); }
  bool number_integer(Json::number_integer_t v) { return Put(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return Put(v); }
  bool number_float(Json::number_float_t v, const std::string&) { return Put(v); }
  bool string(std::string& v) { return Put(std::move(v)); }
  bool binary(Json::binary_t& v) { return Put(Json::binary(std::move(v))); }
  bool start_object(std::size_t) { return Open(Json::object()); }
  bool start_array(std::size_t) { return Open(Json::array()); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }
  bool key(std::string& k) {
    Frame& f = open_.back();
    auto [it, inserted] = f.value->get_ref<Json::object_t&>().emplace(std::move(k), nullptr);
    if (!inserted && duplicate_.empty()) duplicate_ = PathTo(it->first);
    f.key = &it->first;
    slot_ = &it->second;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    error_position_ = position;
    error_id_ = e.id;
    error_what_ = e.what();
    return false;
  }

  Json& root() { return root_; }
  bool too_deep() const { return too_deep_; }
  const std::string& duplicate() const { return duplicate_; }
  // Set when the parser stopped on bad text: the library's exception id
  // (1xx a syntax error, 4xx a number out of range), its message, and the
  // count of bytes read.
  int error_id() const { return error_id_; }
  const std::string& error_what() const { return error_what_; }
  size_t error_position() const { return error_position_; }

 private:
  struct Frame {
    Json* value;
    const std::string* key;  // the key being read, in an object
  };

  template <typename V>
  Json* Place(V&& v) {
    if (open_.empty()) {
      root_ = Json(std::forward<V>(v));
      return &root_;
    }
    Json& top = *open_.back().value;
    if (top.is_array()) return &top.get_ref<Json::array_t&>().emplace_back(std::forward<V>(v));
    *slot_ = Json(std::forward<V>(v));
    return slot_;
  }
  template <typename V>
  bool Put(V&& v) {
    Place(std::forward<V>(v));
    return true;
  }
  bool Open(Json container) {
    if (open_.size() >= kMaxDepth) {
      too_deep_ = true;
      return false;
    }
    open_.push_back({Place(std::move(container)), nullptr});
    return true;
  }
  bool Close() {
    open_.pop_back();
    return true;
  }
  std::string PathTo(const std::string& last) const {
    std::string p;
    for (size_t i = 0; i + 1 < open_.size(); ++i) {
      if (open_[i].value->is_object()) p += (p.empty() ? "" : ".") + *open_[i].key;
      else p += "[]";
    }
    return p + (p.empty() ? "" : ".") + last;
  }

  Json root_;
  std::vector<Frame> open_;
  Json* slot_ = nullptr;  // where an object's next value goes
  bool too_deep_ = false;
  std::string duplicate_;
  int error_id_ = 0;
  std::string error_what_;
  size_t error_position_ = 0;
};

}  // namespace

Result<nlohmann::json> ParseJsonText(std::string_view text) {
  if (size_t bad = FirstInvalidUtf8(text); bad != std::string_view::npos) {
    return InvalidArgument(Where(text, bad) + ": not UTF-8 (is the file saved as GBK or another encoding? save it as UTF-8)");
  }
  StrictBuilder builder;
  const bool parsed = nlohmann::json::sax_parse(text.begin(), text.end(), &builder);
  if (builder.too_deep()) return InvalidArgument("the JSON is nested deeper than " + std::to_string(kMaxDepth) + " levels");
  if (!parsed) {
    const std::string& what = builder.error_what();
    if (builder.error_id() < 100 || builder.error_id() >= 200) return InvalidArgument("not valid JSON: " + what);
    size_t close = what.find("] ");
    std::string reason = close != std::string::npos ? what.substr(close + 2) : what;
    // "parse error at line 1, column 9: syntax error while parsing ..." → the part after the position.
    if (size_t colon = reason.find(": "); reason.rfind("parse error", 0) == 0 && colon != std::string::npos) {
      reason = reason.substr(colon + 2);
    }
    const size_t at = builder.error_position();
    return InvalidArgument(Where(text, at > 0 ? at - 1 : 0) + ": " + reason);
  }
  if (!builder.duplicate().empty()) {
    const std::string& key = builder.duplicate();
    return InvalidArgument("the key \"" + key + "\" appears twice in one object", key);
  }
  return std::move(builder.root());
}

}  // namespace bursar
