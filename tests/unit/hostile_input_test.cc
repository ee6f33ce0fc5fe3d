// Regression tests for hostile input found by the bad-input table
// (tests/reliability/bad_input.py) and the fuzzers (fuzz/): each crash or
// silent acceptance found became a test here, and its input is kept in
// fuzz/corpus/<target>/ where the corpus replay (ctest fuzz_corpus_*) feeds
// it to the fuzz target again. docs/reliability.md lists them.
#include <gtest/gtest.h>

#include <string>

#include "../unit/store_test_support.h"
#include "base/json_text.h"
#include "lang/loader.h"
#include "store/store.h"

namespace {

using bursar::ParseJsonText;

TEST(ParseJsonText, NamesWhereASyntaxErrorIs) {
  auto r = ParseJsonText("{\n  \"year\": 2025,\n}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("line 3, column 1: ", 0), 0u) << r.status().message();
}

TEST(ParseJsonText, RefusesAKeyNamedTwiceWithItsPath) {
  auto top = ParseJsonText(R"({"year": 2025, "year": 2024})");
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().field(), "year");
  EXPECT_NE(top.status().message().find("\"year\" appears twice"), std::string::npos);
  auto nested = ParseJsonText(R"({"claims": [{"measure": "03", "measure": "04"}]})");
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.status().field(), "claims[].measure");
  // The same key in two different objects is fine.
  EXPECT_TRUE(ParseJsonText(R"([{"a": 1}, {"a": 2}, {"b": {"a": 3}}])").ok());
}

// A duplicate is noticed when its object ends (fewer members than keys
// read); the key named is the first repeated one in the text, even when an
// inner object ends first or the outer object repeats a key earlier.
TEST(ParseJsonText, NamesTheFirstRepeatedKeyInTextOrder) {
  auto outer_first = ParseJsonText(R"({"k": 1, "k": 2, "b": {"y": 1, "y": 2}})");
  ASSERT_FALSE(outer_first.ok());
  EXPECT_EQ(outer_first.status().field(), "k");
  auto inner_first = ParseJsonText(R"({"k": 1, "b": {"y": 1, "y": 2}, "k": 2})");
  ASSERT_FALSE(inner_first.ok());
  EXPECT_EQ(inner_first.status().field(), "b.y");
  auto deep = ParseJsonText(R"({"a": [{"b": {"c": [1, {"d": 1, "e": 2, "d": 3}]}}]})");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().field(), "a[].b.c[].d");
  // 20,000 keys, the last one a repeat of the first.
  std::string wide = "{";
  for (int i = 0; i < 20000; ++i) wide += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ",";
  auto many = ParseJsonText(wide + "\"k0\": 0}");
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.status().field(), "k0");
  EXPECT_TRUE(ParseJsonText(wide + "\"last\": 0}").ok());
}

TEST(ParseJsonText, NamesBytesThatAreNotUtf8) {
  // "北京" in GBK.
  auto gbk = ParseJsonText("{\"name\": \"\xB1\xB1\xBE\xA9\"}");
  ASSERT_FALSE(gbk.ok());
  EXPECT_NE(gbk.status().message().find("line 1, column 11: not UTF-8 (is the file saved as GBK"), std::string::npos)
      << gbk.status().message();
  for (const char* bad : {"\"\xC0\xAF\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"\xE4\xB8\""}) {
    EXPECT_FALSE(ParseJsonText(bad).ok()) << bad;  // overlong, surrogate, past U+10FFFF, truncated
  }
  EXPECT_TRUE(ParseJsonText("\"北京 \xF0\x9F\x98\x80\"").ok());
  EXPECT_EQ(bursar::FirstInvalidUtf8("ok\xFFok"), 2u);
}

TEST(ParseJsonText, RefusesAbsurdNestingWithoutExhaustingTheStack) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto r = ParseJsonText(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested deeper than 512 levels"), std::string::npos);
  EXPECT_TRUE(ParseJsonText(std::string(100, '[') + std::string(100, ']')).ok());
}

// Found by tests/reliability/bad_input.py: 100,000 nested parentheses in a
// formula overflowed the parser's stack (SIGSEGV). Input kept as
// fuzz/corpus/policy/crash-deep-parentheses.md.
TEST(PolicyParser, AbsurdNestingIsADiagnosticNotACrash) {
  const std::string head = "# P\n\n> [02.1] Text.\n\n```bursar\npolicy \"p\" version \"1\"\nfact volume: money \"v\"\n"
                           "measure 02 \"Two\"\nitem a cites [02.1]\n  from facts\n  when volume > RMB 0\n  amount ";
  const std::string tail = "\n  why \"x\"\n```\n";
  for (const auto& [formula, expected] : std::vector<std::pair<std::string, std::string>>{
           {std::string(100000, '(') + "volume" + std::string(100000, ')'), "nests deeper than 64 levels"},
           {[] { std::string s; for (int i = 0; i < 100000; ++i) s += "- "; return s + "volume"; }(), "nests deeper"},
           {[] { std::string s = "volume"; for (int i = 0; i < 100000; ++i) s += " + volume"; return s; }(),
            "longer than 2000 tokens"},
       }) {
    bursar::LoadResult r = bursar::LoadPolicyText({{"policy.md", "policy.md", head + formula + tail}});
    EXPECT_EQ(r.policy, nullptr);
    EXPECT_NE(r.formatted.find(expected), std::string::npos) << r.formatted.substr(0, 400);
  }
  // Ordinary nesting still checks.
  bursar::LoadResult ok =
      bursar::LoadPolicyText({{"policy.md", "policy.md", head + std::string(20, '(') + "volume" + std::string(20, ')') + tail}});
  EXPECT_NE(ok.policy, nullptr) << ok.formatted;
}

class HostileImport : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<bursar::store::testing::TestDatabase>(GetParam());
    ASSERT_TRUE(db_->Create());
    bursar::store::OpenOptions options;
    options.create = true;
    options.allow_pending = true;
    auto s = bursar::store::Store::Open(db_->url(), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate("test").ok());
    const std::string csv = db_->WriteFile(
        "e.csv",
        "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,serious_dishonesty_record,"
        "tags\n" + bursar::store::testing::Code(1) + ",E1,true,true,true,false,\n");
    auto r = store_->Import(bursar::store::EvidenceKind::kEnterprises, csv, {});
    ASSERT_TRUE(r.ok() && r->inserted == 1);
    entries_ = store_->VerifyAudit()->entries;
  }
  std::unique_ptr<bursar::store::testing::TestDatabase> db_;
  std::unique_ptr<bursar::store::Store> store_;
  int64_t entries_ = 0;
};

// Found by tests/reliability/bad_input.py: a file whose every row was
// rejected crashed the import (the empty chunk's first row was read).
// Input kept as fuzz/corpus/evidence/crash-all-rows-rejected.csv.
TEST_P(HostileImport, AFileWhoseEveryRowIsRejectedChangesNothing) {
  const std::string path = db_->WriteFile(
      "t.csv", "credit_code,exchange,trade_id,date,side,amount,legally_established\n" +
                   bursar::store::testing::Code(1) + ",BJIDE,T1,2025-02-30,seller,1.00,true\n" +
                   bursar::store::testing::Code(1) + ",BJIDE,T2,2025-03-01,seller,x,true\n");
  auto r = store_->Import(bursar::store::EvidenceKind::kTrades, path, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->inserted, 0);
  EXPECT_FALSE(r->committed);
  ASSERT_EQ(r->rejected.size(), 2u);
  EXPECT_EQ(r->rejected[0].line, 2);
  EXPECT_EQ(r->rejected[0].field, "date");
  EXPECT_EQ(r->rejected[1].field, "amount");
  EXPECT_EQ(store_->VerifyAudit()->entries, entries_);
}

// Found by tests/reliability/bad_input.py: GBK bytes were stored as they
// came (and then broke every JSON answer that carried them); a JSON Lines
// row naming a key twice was stored with the last value.
TEST_P(HostileImport, TextThatIsNotUtf8AndKeysNamedTwiceAreRejectedByLineAndField) {
  const std::string code = bursar::store::testing::Code(2);
  const std::string csv = db_->WriteFile(
      "e.csv",
      "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,serious_dishonesty_record,"
      "tags\n" + code + ",\xB1\xB1\xBE\xA9,true,true,true,false,\n");
  auto r = store_->Import(bursar::store::EvidenceKind::kEnterprises, csv, {});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rejected.size(), 1u);
  EXPECT_EQ(r->rejected[0].line, 2);
  EXPECT_EQ(r->rejected[0].field, "name");
  EXPECT_NE(r->rejected[0].reason.find("not UTF-8"), std::string::npos);

  const std::string jsonl = db_->WriteFile(
      "t.jsonl", "{\"credit_code\":\"" + bursar::store::testing::Code(1) +
                     "\",\"exchange\":\"BJIDE\",\"trade_id\":\"T1\",\"date\":\"2025-03-01\",\"side\":\"seller\","
                     "\"amount\":\"1.00\",\"legally_established\":true,\"amount\":\"99999.00\"}\n");
  auto t = store_->Import(bursar::store::EvidenceKind::kTrades, jsonl, {});
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->rejected.size(), 1u);
  EXPECT_EQ(t->rejected[0].field, "amount");
  EXPECT_NE(t->rejected[0].reason.find("appears twice"), std::string::npos);
  EXPECT_EQ(store_->VerifyAudit()->entries, entries_);
}

INSTANTIATE_TEST_SUITE_P(Backends, HostileImport, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
