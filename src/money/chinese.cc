#include "money/chinese.h"

#include <algorithm>
#include <array>

namespace bursar {

namespace {

constexpr std::array<const char*, 10> kDigit = {"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"};
constexpr std::array<const char*, 4> kInGroup = {"", "拾", "佰", "仟"};    // ones, tens, hundreds, thousands
constexpr std::array<const char*, 5> kGroup = {"", "万", "亿", "万亿", "亿亿"};  // groups of four digits

// One group of four digits (1..9999) with its inner zeros: 1005 → 壹仟零伍.
std::string GroupText(int64_t g) {
  std::string out;
  bool zero_pending = false;
  for (int pos = 3; pos >= 0; --pos) {
    int64_t div = 1;
    for (int i = 0; i < pos; ++i) div *= 10;
    const int64_t d = (g / div) % 10;
    if (d == 0) {
      if (!out.empty()) zero_pending = true;
      continue;
    }
    if (zero_pending) out += kDigit[0];
    zero_pending = false;
    out += kDigit[static_cast<size_t>(d)];
    out += kInGroup[static_cast<size_t>(pos)];
  }
  return out;
}

std::string WholeYuan(int64_t yuan) {
  // Groups of four digits, lowest first.
  std::array<int64_t, 5> groups{};
  size_t n = 0;
  for (int64_t v = yuan; v > 0; v /= 10000) groups[n++] = v % 10000;
  std::string out;
  bool zero_pending = false;
  for (size_t i = n; i-- > 0;) {
    const int64_t g = groups[i];
    if (g == 0) {
      zero_pending = true;
      continue;
    }
    // A group after a written one that does not fill its thousands place
    // (or that follows a group of zeros) begins with 零.
    if (!out.empty() && (zero_pending || g < 1000)) out += kDigit[0];
    zero_pending = false;
    out += GroupText(g);
    out += kGroup[i];
  }
  return out;
}

}  // namespace

std::string CapitalYuan(int64_t fen) {
  if (fen <= 0) return "零元整";
  const int64_t yuan = fen / 100;
  const int64_t jiao = (fen / 10) % 10;
  const int64_t cents = fen % 10;
  std::string out;
  if (yuan > 0) out = WholeYuan(yuan) + "元";
  if (jiao == 0 && cents == 0) return out + "整";
  if (jiao > 0) {
    out += kDigit[static_cast<size_t>(jiao)];
    out += "角";
  } else if (yuan > 0) {
    out += kDigit[0];
  }
  if (cents > 0) {
    out += kDigit[static_cast<size_t>(cents)];
    out += "分";
  }
  return out;
}

std::string ChineseDate(const std::string& iso) {
  if (iso.size() < 10 || iso[4] != '-' || iso[7] != '-') return "";
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (iso[i] < '0' || iso[i] > '9') return "";
  }
  const int month = (iso[5] - '0') * 10 + (iso[6] - '0');
  const int day = (iso[8] - '0') * 10 + (iso[9] - '0');
  if (month < 1 || month > 12 || day < 1 || day > 31) return "";
  return iso.substr(0, 4) + "年" + std::to_string(month) + "月" + std::to_string(day) + "日";
}

std::string GroupedMoney(const std::string& plain) {
  const size_t sign = !plain.empty() && plain[0] == '-' ? 1 : 0;
  const size_t dot = std::min(plain.find('.'), plain.size());
  std::string out = plain.substr(0, sign);
  for (size_t i = sign; i < dot; ++i) {
    if (i > sign && (dot - i) % 3 == 0) out += ',';
    out += plain[i];
  }
  return out + plain.substr(dot);
}

}  // namespace bursar
