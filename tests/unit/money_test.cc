#include "money/exact.h"

#include <gtest/gtest.h>

namespace bursar {
namespace {

Exact Money(const char* s) {
  std::string why;
  auto v = ParseMoneyString(s, &why);
  EXPECT_TRUE(v.has_value()) << s << ": " << why;
  return *v;
}

TEST(ParseMoneyString, AcceptsWholeAndTwoDecimals) {
  EXPECT_EQ(Money("2000000").ToMoneyString(), "2000000.00");
  EXPECT_EQ(Money("12345.67").ToMoneyString(), "12345.67");
  EXPECT_EQ(Money("0.5").ToMoneyString(), "0.50");
  EXPECT_EQ(Money("0").ToMoneyString(), "0.00");
}

TEST(ParseMoneyString, RefusesWhatLosesMeaning) {
  std::string why;
  for (const char* bad : {"-1", "1.234", "1e6", "1,000", " 1", "1 ", "", ".5", "5.", "+5", "1.2.3", "abc",
                          "1234567890123456"}) {
    EXPECT_FALSE(ParseMoneyString(bad, &why).has_value()) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
  ParseMoneyString("1.234", &why);
  EXPECT_NE(why.find("two decimals"), std::string::npos);
  ParseMoneyString("-5", &why);
  EXPECT_NE(why.find("negative"), std::string::npos);
}

// The rule each refusal names for the API: "八百万" is not money, although its
// message also says "at most two decimals" (the web once took it for that).
TEST(ParseMoneyString, NamesTheRuleItRefusesBy) {
  const std::pair<const char*, const char*> cases[] = {{"八百万", "not_money"}, {"1,000", "not_money"}, {"", "not_money"},
                                                       {"1.234", "money_decimals"}, {"-5", "negative"},
                                                       {"1234567890123456", "too_large"}};
  for (const auto& [text, reason] : cases) {
    std::string why;
    ASSERT_FALSE(ParseMoneyString(text, &why).has_value()) << text;
    EXPECT_STREQ(MoneyStringReason(why), reason) << text << ": " << why;
  }
}

// The readers' fast path gives MoneyStringToFen's answer or none, never
// another: the fuzzer found it multiplying 19 digits of yuan past int64
// before it checked the length (CI, 2026-12-05).
TEST(FastMoneyStringToFen, AgreesWithTheParserOrDefersToIt) {
  for (const char* text : {"2000000", "12345.67", "0.5", "0", "007", "999999999999999.99", "1234567890123456",
                           "16001111111111111111", "99999999999999999999999999.5", "-1", "1.234", "1e6", "1,000",
                           " 1", "", ".5", "5.", "+5", "1.2.3", "abc", "\u0030"}) {
    std::string why;
    const std::optional<int64_t> slow = MoneyStringToFen(text, &why);
    const std::optional<int64_t> fast = FastMoneyStringToFen(text);
    if (fast) {
      ASSERT_TRUE(slow.has_value()) << text << ": the fast path took what the parser refuses";
      EXPECT_EQ(*fast, *slow) << text;
    } else {
      EXPECT_FALSE(slow.has_value()) << text << ": the fast path refused a money string";
    }
  }
  EXPECT_EQ(FastMoneyStringToFen("999999999999999.99"), 99999999999999999);
  EXPECT_EQ(FastMoneyStringToFen("16001111111111111111"), std::nullopt);
}

TEST(Exact, RateTimesMoneyIsExactAndRoundsDownToTheFen) {
  Exact rate = *Exact::Fraction(5, 100);
  Exact v = *Money("12345.67").Mul(rate);  // 617.2835
  EXPECT_EQ(v.ToString(), "617.2835");
  EXPECT_EQ(v.RoundTo(*Exact::Fraction(1, 100), RoundingMode::kDown)->ToMoneyString(), "617.28");
  EXPECT_EQ(Money("0.29").Mul(*Exact::Fraction(1, 2))->RoundTo(*Exact::Fraction(1, 100), RoundingMode::kHalfUp)
                ->ToMoneyString(),
            "0.15");
  EXPECT_EQ(v.RoundTo(Exact::Integer(1), RoundingMode::kDown)->ToMoneyString(), "617.00");
}

TEST(Exact, VolumesNearTenToTheTwelveStayExact) {
  Exact v = *Money("999999999999.99").Mul(*Exact::Fraction(5, 100));
  EXPECT_EQ(v.RoundTo(*Exact::Fraction(1, 100), RoundingMode::kDown)->ToMoneyString(), "49999999999.99");
  EXPECT_EQ(*Money("999999999999.99").ToFen(), 99999999999999);
}

TEST(Exact, OverflowIsReportedNeverWrapped) {
  Exact big = *Exact::Fraction(static_cast<int128>(1) << 100, 1);
  EXPECT_FALSE(big.Mul(big).has_value());
  EXPECT_FALSE(big.Mul(Exact::Integer(1 << 30)).has_value());
  EXPECT_TRUE(big.Add(big).has_value());
}

TEST(Exact, CompareHandlesUnequalDenominators) {
  EXPECT_LT(*Exact::Fraction(1, 3), *Exact::Fraction(34, 100));
  EXPECT_LT(*Exact::Fraction(-1, 3), *Exact::Fraction(1, 7));
  EXPECT_EQ(Exact::Fraction(2, 6)->Compare(*Exact::Fraction(1, 3)), 0);
  EXPECT_GT(Exact::Fraction(500000001, 1000)->Compare(Exact::Integer(500000)), 0);
}

TEST(Exact, Percentages) {
  EXPECT_EQ(Exact::Fraction(5, 100)->ToPercentString(), "5%");
  EXPECT_EQ(Exact::Fraction(5, 1000)->ToPercentString(), "0.5%");
  EXPECT_EQ(Exact::Fraction(3, 10)->ToPercentString(), "30%");
}

}  // namespace
}  // namespace bursar
