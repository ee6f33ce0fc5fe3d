#include "case/uscc.h"

#include <gtest/gtest.h>

namespace bursar {
namespace {

TEST(Uscc, AcceptsTheCasesMdExample) { EXPECT_TRUE(IsValidUscc("91110105MA01C9XY29")); }

TEST(Uscc, CheckCharacterMatchesTheStandard) {
  // Every 17-character prefix has exactly one valid check character.
  EXPECT_EQ(UsccCheckCharacter("91110105MA01C9XY2"), '9');
  std::string code = "91110105MA01C9XY2";
  int valid = 0;
  for (char c : std::string("0123456789ABCDEFGHJKLMNPQRTUWXY")) valid += IsValidUscc(code + c) ? 1 : 0;
  EXPECT_EQ(valid, 1);
}

TEST(Uscc, RefusesWithAReason) {
  std::string why;
  EXPECT_FALSE(IsValidUscc("91110105MA01C9XY28", &why));
  EXPECT_NE(why.find("check character"), std::string::npos);
  EXPECT_FALSE(IsValidUscc("91110105MA01C9XY2", &why));
  EXPECT_NE(why.find("18 characters"), std::string::npos);
  EXPECT_FALSE(IsValidUscc("91110105MA01C9XYI9", &why));
  EXPECT_NE(why.find("not allowed"), std::string::npos);
  EXPECT_FALSE(IsValidUscc("91110105ma01c9xy29", &why));
}

}  // namespace
}  // namespace bursar
