// Exact numbers for money, rates and counts.
//
// Every value in a decision is an Exact: a rational number num/den held in
// 128-bit integers, always normalised (den > 0, gcd(num, den) == 1). Money is a
// number of yuan (RMB 12.34 is 1234/100 = 617/50), a rate is a fraction (5% is
// 1/20), a count is an integer. No binary floating point is used anywhere.
//
// Arithmetic is checked: an operation whose exact result does not fit returns
// std::nullopt and the caller reports an overflow; nothing ever wraps. The
// representable range (|num|, den < 2^126) is far beyond any amount a programme
// pays: RMB 10^12 at a rate of 1/10^6 still leaves ~10^19 of headroom.
//
// Thread-safety: values are immutable and freely shared.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bursar {

using int128 = __int128;

enum class RoundingMode { kDown, kHalfUp };

class Exact {
 public:
  constexpr Exact() = default;
  static Exact Integer(int64_t v) { return Exact(v, 1); }
  // REQUIRES: den != 0. Returns nullopt if normalisation overflows (never for int64 inputs).
  static std::optional<Exact> Fraction(int128 num, int128 den);
  static Exact Fen(int64_t fen) { return *Fraction(fen, 100); }

  int128 num() const { return num_; }
  int128 den() const { return den_; }
  bool is_zero() const { return num_ == 0; }
  bool is_negative() const { return num_ < 0; }
  bool is_integer() const { return den_ == 1; }

  std::optional<Exact> Add(const Exact& o) const;
  std::optional<Exact> Sub(const Exact& o) const;
  std::optional<Exact> Mul(const Exact& o) const;
  // REQUIRES: !o.is_zero().
  std::optional<Exact> Div(const Exact& o) const;

  int Compare(const Exact& o) const;  // -1, 0, 1; never overflows
  bool operator==(const Exact& o) const { return num_ == o.num_ && den_ == o.den_; }
  bool operator<(const Exact& o) const { return Compare(o) < 0; }

  // Rounds to a multiple of `unit` (e.g. 1/100 for the fen, 1 for the yuan).
  // kDown rounds toward negative infinity; kHalfUp rounds halves away from zero
  // for positive values (amounts are never negative when rounded).
  std::optional<Exact> RoundTo(const Exact& unit, RoundingMode mode) const;

  // The value in fen when it is a whole number of fen that fits int64.
  std::optional<int64_t> ToFen() const;

  // "1234.50": exactly two decimals. REQUIRES: a whole number of fen.
  std::string ToMoneyString() const;
  // Shortest exact decimal if one exists ("0.05", "3", "1/3" otherwise).
  std::string ToString() const;
  // "5%", "0.5%", "1/3" style for rates.
  std::string ToPercentString() const;

 private:
  constexpr Exact(int128 num, int128 den) : num_(num), den_(den) {}
  int128 num_ = 0;
  int128 den_ = 1;
};

// Parses the case format's money: a decimal string in yuan with at most two
// decimals, no sign, exponent, spaces or separators ("2000000", "12345.67").
// On failure returns nullopt and sets *why to a message fit for a user.
std::optional<Exact> ParseMoneyString(std::string_view text, std::string* why);
// The rule a `why` of ParseMoneyString broke, as the API names it
// (docs/http-api.md, "Errors"): negative, money_decimals, too_large, not_money.
const char* MoneyStringReason(std::string_view why);

// A whole number of fen as the case format writes it: 125000000 → "1250000.00".
inline std::string FenToMoneyString(int64_t fen) { return Exact::Fen(fen).ToMoneyString(); }

// The fen of a case-format money string, or nullopt with *why set (not a money
// string, or more than int64 fen).
std::optional<int64_t> MoneyStringToFen(std::string_view text, std::string* why);

// The same fen for the strings MoneyStringToFen accepts, straight from the
// digits without building a fraction (for readers of millions of rows);
// nullopt for anything ParseMoneyString refuses (ask it for the reason).
// Never overflows: at most 15 digits of yuan are read.
std::optional<int64_t> FastMoneyStringToFen(std::string_view text);

// Parses an unsigned decimal ("12", "0.5", "1250.25") of any precision.
std::optional<Exact> ParseDecimal(std::string_view text);

// Formats an int128 in base 10.
std::string Int128ToString(int128 v);

}  // namespace bursar
