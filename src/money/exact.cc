#include "money/exact.h"

#include <algorithm>

namespace bursar {
namespace {

constexpr int128 kLimit = static_cast<int128>(1) << 125;

int128 Abs(int128 v) { return v < 0 ? -v : v; }

int128 Gcd(int128 a, int128 b) {
  a = Abs(a);
  b = Abs(b);
  while (b != 0) {
    int128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

bool MulChecked(int128 a, int128 b, int128* out) {
  if (__builtin_mul_overflow(a, b, out)) return false;
  return Abs(*out) < kLimit;
}

bool AddChecked(int128 a, int128 b, int128* out) {
  if (__builtin_add_overflow(a, b, out)) return false;
  return Abs(*out) < kLimit;
}

}  // namespace

std::string Int128ToString(int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  // Safe: |v| < 2^126 for every value we hold.
  if (neg) v = -v;
  std::string s;
  while (v > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  if (neg) s.push_back('-');
  std::reverse(s.begin(), s.end());
  return s;
}

std::optional<Exact> Exact::Fraction(int128 num, int128 den) {
  if (den == 0) return std::nullopt;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  int128 g = Gcd(num, den);
  if (g > 1) {
    num /= g;
    den /= g;
  }
  if (Abs(num) >= kLimit || den >= kLimit) return std::nullopt;
  return Exact(num, den);
}

std::optional<Exact> Exact::Add(const Exact& o) const {
  if (den_ == o.den_) {
    int128 n;
    if (!AddChecked(num_, o.num_, &n)) return std::nullopt;
    return Fraction(n, den_);
  }
  // a/b + c/d = (a*(d/g) + c*(b/g)) / (b/g*d), g = gcd(b, d)
  int128 g = Gcd(den_, o.den_);
  int128 l, r, n, d;
  if (!MulChecked(num_, o.den_ / g, &l) || !MulChecked(o.num_, den_ / g, &r) ||
      !AddChecked(l, r, &n) || !MulChecked(den_ / g, o.den_, &d)) {
    return std::nullopt;
  }
  return Fraction(n, d);
}

std::optional<Exact> Exact::Sub(const Exact& o) const { return Add(Exact(-o.num_, o.den_)); }

std::optional<Exact> Exact::Mul(const Exact& o) const {
  // Cross-reduce first so intermediate products stay small.
  int128 g1 = Gcd(num_, o.den_);
  int128 g2 = Gcd(o.num_, den_);
  if (g1 == 0) g1 = 1;
  if (g2 == 0) g2 = 1;
  int128 n, d;
  if (!MulChecked(num_ / g1, o.num_ / g2, &n) || !MulChecked(den_ / g2, o.den_ / g1, &d)) {
    return std::nullopt;
  }
  return Fraction(n, d);
}

std::optional<Exact> Exact::Div(const Exact& o) const {
  if (o.num_ == 0) return std::nullopt;
  return Mul(Exact(o.den_, o.num_).num_ < 0 ? Exact(-o.den_, -o.num_) : Exact(o.den_, o.num_));
}

int Exact::Compare(const Exact& o) const {
  if (den_ == o.den_) return num_ < o.num_ ? -1 : (num_ > o.num_ ? 1 : 0);
  // Compare integer parts first, then the fractional parts by cross products,
  // which cannot overflow because both fractions are < 1 with dens < 2^125.
  auto floor_div = [](int128 n, int128 d) {
    int128 q = n / d;
    if ((n % d != 0) && (n < 0)) --q;
    return q;
  };
  int128 a = floor_div(num_, den_), b = floor_div(o.num_, o.den_);
  if (a != b) return a < b ? -1 : 1;
  int128 ra = num_ - a * den_, rb = o.num_ - b * o.den_;  // 0 <= r < den
  // ra/den_ vs rb/o.den_ : compare continued fractions to avoid overflow.
  int128 n1 = ra, d1 = den_, n2 = rb, d2 = o.den_;
  int sign = 1;
  while (true) {
    if (n1 == 0 || n2 == 0) {
      if (n1 == 0 && n2 == 0) return 0;
      return (n1 == 0 ? -1 : 1) * sign;
    }
    // Compare d1/n1 vs d2/n2 (reciprocals reverse the order).
    sign = -sign;
    int128 q1 = d1 / n1, q2 = d2 / n2;
    if (q1 != q2) return (q1 < q2 ? -1 : 1) * sign;
    int128 r1 = d1 - q1 * n1, r2 = d2 - q2 * n2;
    d1 = n1;
    n1 = r1;
    d2 = n2;
    n2 = r2;
  }
}

std::optional<Exact> Exact::RoundTo(const Exact& unit, RoundingMode mode) const {
  auto units = Div(unit);  // value measured in units
  if (!units) return std::nullopt;
  int128 n = units->num_, d = units->den_;
  int128 q = n / d;
  int128 r = n % d;
  if (r < 0) {  // floor for negatives
    --q;
    r += d;
  }
  if (mode == RoundingMode::kHalfUp && r != 0 && 2 * r >= d) ++q;
  return Exact(q, 1).Mul(unit);
}

std::optional<int64_t> Exact::ToFen() const {
  if (100 % den_ != 0) return std::nullopt;
  int128 fen = num_ * (100 / den_);
  if (fen > INT64_MAX || fen < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(fen);
}

std::optional<int64_t> MoneyStringToFen(std::string_view text, std::string* why) {
  auto value = ParseMoneyString(text, why);
  if (!value) return std::nullopt;
  auto fen = value->ToFen();
  if (!fen) *why = "amount too large";
  return fen;
}

std::optional<int64_t> FastMoneyStringToFen(std::string_view text) {
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 15) return std::nullopt;
  if (dot != std::string_view::npos && (frac.empty() || frac.size() > 2)) return std::nullopt;
  int64_t fen = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    fen = fen * 10 + (c - '0');
  }
  for (size_t k = 0; k < 2; ++k) {
    const char c = k < frac.size() ? frac[k] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    fen = fen * 10 + (c - '0');
  }
  return fen;
}

std::string Exact::ToMoneyString() const {
  int128 fen = num_ * (100 / den_);
  bool neg = fen < 0;
  if (neg) fen = -fen;
  std::string cents = Int128ToString(fen % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (neg ? "-" : "") + Int128ToString(fen / 100) + "." + cents;
}

std::string Exact::ToString() const {
  if (den_ == 1) return Int128ToString(num_);
  // A finite decimal exists iff den has only factors 2 and 5.
  int128 d = den_;
  int twos = 0, fives = 0;
  while (d % 2 == 0) { d /= 2; ++twos; }
  while (d % 5 == 0) { d /= 5; ++fives; }
  if (d != 1) return Int128ToString(num_) + "/" + Int128ToString(den_);
  int digits = std::max(twos, fives);
  int128 scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  int128 scaled = num_ * (scale / den_);
  bool neg = scaled < 0;
  if (neg) scaled = -scaled;
  std::string s = Int128ToString(scaled);
  if (static_cast<int>(s.size()) <= digits) s.insert(0, static_cast<size_t>(digits + 1) - s.size(), '0');
  s.insert(s.size() - static_cast<size_t>(digits), ".");
  return (neg ? "-" : "") + s;
}

std::string Exact::ToPercentString() const {
  auto pct = Mul(Exact(100, 1));
  if (!pct) return ToString();
  std::string s = pct->ToString();
  if (s.find('/') != std::string::npos) return ToString();
  return s + "%";
}

std::optional<Exact> ParseDecimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int128 num = 0, den = 1;
  bool seen_dot = false, seen_digit = false;
  for (char c : text) {
    if (c == '.') {
      if (seen_dot) return std::nullopt;
      seen_dot = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    seen_digit = true;
    if (!MulChecked(num, 10, &num) || !AddChecked(num, c - '0', &num)) return std::nullopt;
    if (seen_dot && !MulChecked(den, 10, &den)) return std::nullopt;
  }
  if (!seen_digit || text.back() == '.' || text.front() == '.') return std::nullopt;
  return Exact::Fraction(num, den);
}

std::optional<Exact> ParseMoneyString(std::string_view text, std::string* why) {
  auto fail = [&](const char* m) -> std::optional<Exact> {
    *why = m;
    return std::nullopt;
  };
  if (text.empty()) return fail("expected a money string such as \"1250.50\", got an empty string");
  if (text.front() == '-') return fail("money cannot be negative");
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  auto all_digits = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(frac))) {
    return fail("expected a money string in yuan such as \"1250.50\" (digits, at most two decimals; no sign, exponent, spaces or separators)");
  }
  if (frac.size() > 2) return fail("money has at most two decimals (whole fen)");
  if (whole.size() > 15) return fail("amount too large (at most 15 digits of yuan)");
  return ParseDecimal(text);
}

const char* MoneyStringReason(std::string_view why) {
  if (why.starts_with("money cannot be negative")) return "negative";
  if (why.starts_with("money has at most two decimals")) return "money_decimals";
  if (why.starts_with("amount too large")) return "too_large";
  return "not_money";
}

}  // namespace bursar
