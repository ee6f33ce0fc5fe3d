#include "lang/lexer.h"

#include <cctype>

namespace bursar {
namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  Lexer(const SourceFile& file, int file_index, size_t begin, size_t end, int line, std::vector<Token>* out,
        Diagnostics* diags)
      : text_(file.text), file_(file_index), pos_(begin), end_(end), line_(line), line_start_(begin),
        out_(out), diags_(diags) {}

  void Run() {
    while (pos_ < end_) {
      char c = text_[pos_];
      if (c == '\n') {
        ++pos_;
        ++line_;
        line_start_ = pos_;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
        continue;
      }
      if (c == '#') {
        while (pos_ < end_ && text_[pos_] != '\n') ++pos_;
        continue;
      }
      size_t start = pos_;
      if (c == '"') {
        LexString();
      } else if (c == '[') {
        LexClauseLabel();
      } else if (c == 'D' && pos_ + 1 < end_ && text_[pos_ + 1] == '-') {
        pos_ += 2;
        while (pos_ < end_ && IsIdentChar(text_[pos_])) ++pos_;
        Emit(TokenKind::kDecisionLabel, start, text_.substr(start, pos_ - start));
      } else if (IsIdentStart(c)) {
        while (pos_ < end_ && IsIdentChar(text_[pos_])) ++pos_;
        std::string word = text_.substr(start, pos_ - start);
        if (word == "RMB") {
          LexMoney(start);
        } else {
          Emit(TokenKind::kIdent, start, word);
        }
      } else if (IsDigit(c)) {
        LexNumber(start);
      } else {
        LexPunct(start);
      }
    }
  }

 private:
  Location At(size_t start) const {
    return Location{file_, line_, static_cast<int>(start - line_start_) + 1, static_cast<int>(pos_ - start)};
  }
  void Emit(TokenKind kind, size_t start, std::string text, Exact number = {}) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    t.number = number;
    t.where = At(start);
    out_->push_back(std::move(t));
  }

  void LexString() {
    size_t start = pos_++;
    std::string value;
    while (pos_ < end_ && text_[pos_] != '"' && text_[pos_] != '\n') value.push_back(text_[pos_++]);
    if (pos_ >= end_ || text_[pos_] != '"') {
      diags_->Error("unterminated-text", At(start), "this text has no closing quote (\") on its line");
      return;
    }
    ++pos_;
    Emit(TokenKind::kString, start, value);
  }

  void LexClauseLabel() {
    size_t start = pos_++;
    while (pos_ < end_ && (IsIdentChar(text_[pos_]) || text_[pos_] == '.')) ++pos_;
    if (pos_ < end_ && text_[pos_] == ']') {
      ++pos_;
      Emit(TokenKind::kClauseLabel, start, text_.substr(start, pos_ - start));
      return;
    }
    diags_->Error("bad-label", At(start), "a clause label looks like [04.2]: a '[' must close with ']'");
  }

  // 1234, 0.5, 04, 2024-01-01, 5%
  void LexNumber(size_t start) {
    while (pos_ < end_ && IsDigit(text_[pos_])) ++pos_;
    if (pos_ - start == 4 && pos_ + 5 < end_ + 1 && pos_ < end_ && text_[pos_] == '-') {
      // A date: YYYY-MM-DD.
      size_t save = pos_;
      bool ok = pos_ + 6 <= end_;
      for (size_t i = 1; ok && i <= 5; ++i) {
        char d = text_[pos_ + i];
        ok = (i == 3) ? d == '-' : IsDigit(d);
      }
      if (ok) {
        pos_ += 6;
        Emit(TokenKind::kDate, start, text_.substr(start, pos_ - start));
        return;
      }
      pos_ = save;
    }
    if (pos_ + 1 < end_ && text_[pos_] == '.' && IsDigit(text_[pos_ + 1])) {
      ++pos_;
      while (pos_ < end_ && IsDigit(text_[pos_])) ++pos_;
    }
    std::string digits = text_.substr(start, pos_ - start);
    auto value = ParseDecimal(digits);
    if (!value) {
      diags_->Error("bad-number", At(start), "this number is too large");
      return;
    }
    if (pos_ < end_ && text_[pos_] == '%') {
      ++pos_;
      Emit(TokenKind::kPercent, start, digits + "%", *value->Div(Exact::Integer(100)));
      return;
    }
    Emit(TokenKind::kNumber, start, digits, *value);
  }

  // RMB 2,000,000.50 or RMB 2 million or RMB 1.5 million or RMB 1 billion
  void LexMoney(size_t start) {
    while (pos_ < end_ && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    std::string digits;
    while (pos_ < end_ && (IsDigit(text_[pos_]) || text_[pos_] == ',' || text_[pos_] == '.')) {
      if (text_[pos_] != ',') digits.push_back(text_[pos_]);
      ++pos_;
    }
    if (!digits.empty() && text_[pos_ - 1] == ',') {  // "RMB 5," in a list: the comma is punctuation
      --pos_;
    }
    auto value = ParseDecimal(digits);
    if (!value) {
      diags_->Error("bad-money", At(start), "an amount reads RMB followed by a number, such as RMB 500,000 or RMB 2 million");
      return;
    }
    size_t save = pos_;
    while (pos_ < end_ && text_[pos_] == ' ') ++pos_;
    pos_ = save;
    for (auto [word, factor] : {std::pair<const char*, int64_t>{"million", 1000000}, {"billion", 1000000000}}) {
      size_t n = std::char_traits<char>::length(word);
      size_t at = save;
      while (at < end_ && text_[at] == ' ') ++at;
      if (text_.compare(at, n, word) == 0 && (at + n >= end_ || !IsIdentChar(text_[at + n]))) {
        pos_ = at + n;
        value = value->Mul(Exact::Integer(factor));
      }
    }
    if (value->Mul(Exact::Integer(100))->den() != 1) {
      diags_->Error("bad-money", At(start), "an amount of money has at most two decimals (whole fen)");
    }
    Emit(TokenKind::kMoney, start, text_.substr(start, pos_ - start), *value);
  }

  void LexPunct(size_t start) {
    static const char* kTwo[] = {"<=", ">=", "!=", "=="};
    for (const char* two : kTwo) {
      if (text_.compare(pos_, 2, two) == 0) {
        pos_ += 2;
        Emit(TokenKind::kPunct, start, two);
        return;
      }
    }
    // The multiplication sign × (U+00D7) reads better in formulas.
    if (text_.compare(pos_, 2, "\xC3\x97") == 0) {
      pos_ += 2;
      Emit(TokenKind::kPunct, start, "*");
      return;
    }
    char c = text_[pos_];
    if (std::string_view("(),:=+-*/<>?{}").find(c) != std::string_view::npos) {
      ++pos_;
      Emit(TokenKind::kPunct, start, std::string(1, c));
      return;
    }
    // Skip the whole UTF-8 sequence so the caret covers one character.
    ++pos_;
    while (pos_ < end_ && (static_cast<unsigned char>(text_[pos_]) & 0xC0) == 0x80) ++pos_;
    diags_->Error("bad-character", At(start),
                  "'" + text_.substr(start, pos_ - start) + "' has no meaning in a rule here");
  }

  const std::string& text_;
  int file_;
  size_t pos_, end_;
  int line_;
  size_t line_start_;
  std::vector<Token>* out_;
  Diagnostics* diags_;
};

}  // namespace

void Lex(const SourceFile& file, int file_index, size_t begin, size_t end, int line, std::vector<Token>* out,
         Diagnostics* diags) {
  Lexer(file, file_index, begin, end, line, out, diags).Run();
}

}  // namespace bursar
