// Capital numerals (大写金额) and Chinese dates of official documents
// (money/chinese.h): the boundaries by hand, then every amount in several
// ranges read back by an independent reader and compared.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "money/chinese.h"

namespace bursar {
namespace {

TEST(CapitalYuan, Boundaries) {
  EXPECT_EQ(CapitalYuan(0), "零元整");
  EXPECT_EQ(CapitalYuan(1), "壹分");
  EXPECT_EQ(CapitalYuan(10), "壹角");
  EXPECT_EQ(CapitalYuan(52), "伍角贰分");
  EXPECT_EQ(CapitalYuan(100), "壹元整");
  EXPECT_EQ(CapitalYuan(101), "壹元零壹分");
  EXPECT_EQ(CapitalYuan(1000), "壹拾元整");
  EXPECT_EQ(CapitalYuan(1010), "壹拾元壹角");
  EXPECT_EQ(CapitalYuan(10000), "壹佰元整");
  EXPECT_EQ(CapitalYuan(10'000'000), "壹拾万元整");             // 100,000
  EXPECT_EQ(CapitalYuan(150'000'000), "壹佰伍拾万元整");        // 1,500,000
  EXPECT_EQ(CapitalYuan(200'000'000), "贰佰万元整");            // the 04 cap
  EXPECT_EQ(CapitalYuan(100'000'000'005), "壹拾亿元零伍分");    // 1,000,000,000.05
  EXPECT_EQ(CapitalYuan(100'000'000'000), "壹拾亿元整");
  EXPECT_EQ(CapitalYuan(9'999'999'999), "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分");        // 99,999,999.99
  EXPECT_EQ(CapitalYuan(999'999'999'999), "玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分");  // 9,999,999,999.99
}

TEST(CapitalYuan, ZerosInTheMiddle) {
  EXPECT_EQ(CapitalYuan(100'500), "壹仟零伍元整");                   // 1,005
  EXPECT_EQ(CapitalYuan(10'005'000), "壹拾万零伍拾元整");            // 100,050
  EXPECT_EQ(CapitalYuan(100'050'000), "壹佰万零伍佰元整");           // 1,000,500
  EXPECT_EQ(CapitalYuan(1'000'500'000), "壹仟万伍仟元整");           // 10,005,000: a full group, no 零
  EXPECT_EQ(CapitalYuan(10'500'000'000), "壹亿零伍佰万元整");        // 105,000,000
  EXPECT_EQ(CapitalYuan(10'000'000'100), "壹亿零壹元整");                // 100,000,001
  EXPECT_EQ(CapitalYuan(93'392'842), "玖拾叁万叁仟玖佰贰拾捌元肆角贰分");  // 933,928.42
  EXPECT_EQ(CapitalYuan(120'030'000), "壹佰贰拾万零叁佰元整");       // 1,200,300
  EXPECT_EQ(CapitalYuan(100'000'001'000), "壹拾亿零壹拾元整");       // 1,000,000,010
  EXPECT_EQ(CapitalYuan(1'000'000'000'000'00), "壹万亿元整");        // 1,000,000,000,000
}

TEST(ChineseDate, Forms) {
  EXPECT_EQ(ChineseDate("2025-07-01"), "2025年7月1日");
  EXPECT_EQ(ChineseDate("2025-12-31T16:00:00Z"), "2025年12月31日");
  EXPECT_EQ(ChineseDate("2025-13-01"), "");
  EXPECT_EQ(ChineseDate("20250701"), "");
}

// An independent reader of capital amounts: values of the digits times their
// units, groups closed by 万 and 亿. Any character it does not know fails.
std::optional<int64_t> ReadCapital(const std::string& text) {
  static const std::map<std::string, int64_t> digit = {{"零", 0}, {"壹", 1}, {"贰", 2}, {"叁", 3}, {"肆", 4},
                                                       {"伍", 5}, {"陆", 6}, {"柒", 7}, {"捌", 8}, {"玖", 9}};
  static const std::map<std::string, int64_t> small = {{"拾", 10}, {"佰", 100}, {"仟", 1000}};
  int64_t yuan = 0, section = 0, below_wan = 0, fen = 0;
  int64_t pending = -1;  // a digit waiting for its unit
  bool had_yuan = false;
  for (size_t i = 0; i < text.size();) {
    const std::string ch = text.substr(i, 3);  // every character here is 3 bytes of UTF-8
    i += 3;
    if (auto d = digit.find(ch); d != digit.end()) {
      if (pending > 0) return std::nullopt;  // two digits without a unit between
      pending = d->second;
    } else if (auto u = small.find(ch); u != small.end()) {
      if (pending <= 0) return std::nullopt;
      below_wan += pending * u->second;
      pending = -1;
    } else if (ch == "万") {
      below_wan += pending > 0 ? pending : 0;
      pending = -1;
      section += below_wan * 10000;
      below_wan = 0;
    } else if (ch == "亿") {
      // 亿 closes the groups since the last 亿 (万亿 is 万 × 亿).
      below_wan += pending > 0 ? pending : 0;
      pending = -1;
      yuan += (section + below_wan) * 100'000'000;
      section = below_wan = 0;
    } else if (ch == "元") {
      yuan += section + below_wan + (pending > 0 ? pending : 0);
      section = below_wan = 0;
      pending = -1;
      had_yuan = true;
    } else if (ch == "角") {
      if (pending <= 0) return std::nullopt;
      fen += pending * 10;
      pending = -1;
    } else if (ch == "分") {
      if (pending <= 0) return std::nullopt;
      fen += pending;
      pending = -1;
    } else if (ch == "整") {
      if (i != text.size()) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (pending > 0) return std::nullopt;
  if (!had_yuan && (section || below_wan)) return std::nullopt;
  return yuan * 100 + fen;
}

TEST(CapitalYuan, ReadsBackEveryAmountInRanges) {
  // Every fen to 10,000 yuan, and windows around each power of ten and each
  // group boundary, read back by the independent reader.
  auto check = [](int64_t fen) {
    const std::string text = CapitalYuan(fen);
    auto back = ReadCapital(text);
    ASSERT_TRUE(back.has_value()) << fen << " → " << text;
    ASSERT_EQ(*back, fen) << text;
    const bool whole = fen % 100 == 0;
    ASSERT_EQ(text.size() >= 3 && text.substr(text.size() - 3) == "整", whole) << text;
    ASSERT_EQ(text.find("零零"), std::string::npos) << text;
  };
  for (int64_t fen = 0; fen <= 1'000'000; ++fen) check(fen);
  for (int64_t p = 100; p <= 100'000'000'000'000'00; p *= 10) {
    for (int64_t d = -2000; d <= 2000; ++d) {
      if (p + d >= 0) check(p + d);
    }
    for (int64_t k = 1; k <= 9; ++k) check(p * k + 100 * k + 1);
  }
  // A deterministic walk over large amounts with zeros in every place.
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 200'000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    int64_t fen = static_cast<int64_t>(x % 1'000'000'000'000'000ull);
    // Knock out digits so that runs of zeros are common.
    for (int64_t mask = 10; mask < fen; mask *= 10) {
      if ((x >> (mask % 61)) & 1) fen -= (fen / mask % 10) * mask;
    }
    check(fen);
  }
}

TEST(GroupedMoney, SeparatesThousandsOfTheWholePartOnly) {
  EXPECT_EQ(GroupedMoney("0.05"), "0.05");
  EXPECT_EQ(GroupedMoney("999.99"), "999.99");
  EXPECT_EQ(GroupedMoney("1000.00"), "1,000.00");
  EXPECT_EQ(GroupedMoney("4200000.50"), "4,200,000.50");
  EXPECT_EQ(GroupedMoney("-1500.00"), "-1,500.00");
  EXPECT_EQ(GroupedMoney("-100.00"), "-100.00");
  EXPECT_EQ(GroupedMoney("999999999999.99"), "999,999,999,999.99");
  EXPECT_EQ(GroupedMoney("12345"), "12,345");            // no point: the digits as they are
  EXPECT_EQ(GroupedMoney("1234.56789"), "1,234.56789");  // an amount of more than two decimals
}

}  // namespace
}  // namespace bursar
