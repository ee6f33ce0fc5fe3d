// server/json_check.h: a stored audit change is spliced into the audit page
// as it is only when it is one JSON value, so that text written into the
// store by hand (a database administrator, or an attacker with the database)
// cannot add fields to the page or break it for every reader.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/json_check.h"

namespace {

using bursar::server::IsOneJsonValue;

// What bursar writes: canonical changes, small and a year's proposals.
TEST(JsonCheckTest, TheChangesBursarWritesAreJson) {
  EXPECT_TRUE(IsOneJsonValue(R"({"application":7,"from":"notice","op":"application.finalise","to":"final"})"));
  EXPECT_TRUE(IsOneJsonValue(R"({"name":"北京数据科技有限公司","note":"\"引号\" \\ \n"})"));
  nlohmann::json ids = nlohmann::json::array();
  for (int i = 1; i <= 100000; ++i) ids.push_back(i);
  const std::string proposal = nlohmann::json{{"op", "apply_free.propose"}, {"applications", ids}}.dump();
  ASSERT_GT(proposal.size(), 500000u);
  EXPECT_TRUE(IsOneJsonValue(proposal));
  EXPECT_FALSE(IsOneJsonValue(proposal.substr(0, proposal.size() - 1))) << "cut short";
}

// Agrees with nlohmann::json::accept, the check it replaced, on texts that
// try to reach outside the change's place in the page.
TEST(JsonCheckTest, TextThatIsNotOneValueIsRefusedAsAcceptRefusesIt) {
  const std::vector<std::string> texts = {
      R"({"op":"x"})",
      R"({"op":"x"}, "digest": "sha256:forged")",
      R"({"op":"x"}} , {"seq": 1)",
      R"(1, "seq": 2)",
      R"({"op":"x")",
      R"({"op":"x"} {"op":"y"})",
      R"(  {"op":"x"}  )",
      R"("a string")",
      R"([1, 2, 3])",
      R"({"op": "x" /* comment */})",
      R"({'op': 'x'})",
      R"({"op": undefined})",
      R"({"a": 01})",
      "{\"op\": \"line\nbreak\"}",
      "",
      "   ",
      "null",
      "{\"op\":\"\xff\xfe\"}",  // not UTF-8
  };
  for (const std::string& text : texts) {
    EXPECT_EQ(IsOneJsonValue(text), nlohmann::json::accept(text)) << text;
  }
}

}  // namespace
