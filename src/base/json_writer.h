// Two ways to write one JSON document from the same sequence of calls: as
// text, byte for byte what nlohmann's `dump(2)` prints for the same value, or
// as an nlohmann::ordered_json. The engine writes a decision through either
// (eval/evaluator.cc): the value for callers that keep or inspect it, the
// text for the evaluation endpoint, which would otherwise build the value
// only to print it.
//
// Calls: BeginObject/EndObject and BeginArray/EndArray nest; inside an object
// each value follows a Key. Strings must be UTF-8 (the engine's strings come
// from checked policy files and a checked case).
//
// Thread-safety: one writer per document.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace bursar {

// Appends to a string: two-space indentation, ", " never, ": " after keys,
// "[]" and "{}" for empty containers, control characters as \uXXXX (lower-case
// hex) and \b \t \n \f \r, every other character as is.
class JsonTextWriter {
 public:
  explicit JsonTextWriter(std::string* out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view key) {
    NextMember();
    Quoted(key);
    out_->append(": ");
    after_key_ = true;
  }
  void String(std::string_view s) {
    BeforeValue();
    Quoted(s);
  }
  void Int(int64_t n) {
    BeforeValue();
    out_->append(std::to_string(n));
  }
  void Bool(bool b) {
    BeforeValue();
    out_->append(b ? "true" : "false");
  }

 private:
  void Open(char c) {
    BeforeValue();
    out_->push_back(c);
    members_.push_back(0);
  }
  void Close(char c) {
    const bool empty = members_.back() == 0;
    members_.pop_back();
    if (!empty) Indent();
    out_->push_back(c);
  }
  void BeforeValue() {
    if (after_key_) {
      after_key_ = false;
    } else if (!members_.empty()) {
      NextMember();  // an element of an array
    }
  }
  void NextMember() {
    if (members_.back()++ > 0) out_->push_back(',');
    Indent();
  }
  void Indent() {
    out_->push_back('\n');
    out_->append(2 * members_.size(), ' ');
  }
  void Quoted(std::string_view s) {
    out_->push_back('"');
    size_t plain = 0;  // start of the run not yet copied
    for (size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_->append(s.substr(plain, i - plain));
      plain = i + 1;
      switch (c) {
        case '"': out_->append("\\\""); break;
        case '\\': out_->append("\\\\"); break;
        case '\b': out_->append("\\b"); break;
        case '\t': out_->append("\\t"); break;
        case '\n': out_->append("\\n"); break;
        case '\f': out_->append("\\f"); break;
        case '\r': out_->append("\\r"); break;
        default: {
          static constexpr char kHex[] = "0123456789abcdef";
          const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          out_->append(u, sizeof u);
        }
      }
    }
    out_->append(s.substr(plain));
    out_->push_back('"');
  }

  std::string* out_;
  std::vector<int> members_;  // per open container, members written so far
  bool after_key_ = false;
};

// Builds the same document as an nlohmann::ordered_json.
class JsonValueWriter {
 public:
  using Json = nlohmann::ordered_json;

  void BeginObject() {
    Json* object = Place(Json::object());
    // An ordered_json object is a vector of (const key, value) pairs, which
    // grows by copying its members whole: room for every member of the
    // engine's objects (at most nine) keeps a finished array from being copied.
    object->get_ref<Json::object_t&>().reserve(10);
    open_.push_back(object);
  }
  void EndObject() { open_.pop_back(); }
  void BeginArray() { open_.push_back(Place(Json::array())); }
  void EndArray() { open_.pop_back(); }
  void Key(std::string_view key) { key_ = key; }
  void String(std::string_view s) { Place(std::string(s)); }
  void Int(int64_t n) { Place(n); }
  void Bool(bool b) { Place(b); }
  // A finished value, placed like any other.
  void Value(Json v) { Place(std::move(v)); }

  Json& result() { return root_; }

 private:
  Json* Place(Json v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Json& top = *open_.back();
    // Pointers into an array stay valid: nothing is appended to a container
    // while a child of it is open.
    if (top.is_array()) return &top.get_ref<Json::array_t&>().emplace_back(std::move(v));
    Json& slot = top[key_];
    slot = std::move(v);
    return &slot;
  }

  Json root_;
  std::vector<Json*> open_;
  std::string key_;
};

}  // namespace bursar
