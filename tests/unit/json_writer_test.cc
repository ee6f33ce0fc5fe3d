// JsonTextWriter prints what nlohmann's dump(2) prints for the same value, and
// JsonValueWriter builds that value, for the shapes and characters the engine
// writes and for every character that needs escaping.
#include "base/json_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace bursar {
namespace {

// Writes one document through `w`: nested objects and arrays, empty ones,
// numbers, booleans, and strings carrying every ASCII character and Chinese.
template <typename Writer>
void WriteSample(Writer& w) {
  std::string ascii;
  for (int c = 1; c < 128; ++c) ascii.push_back(static_cast<char>(c));
  w.BeginObject();
  w.Key("applicant");
  w.String("91110105MA01ABCD2X");
  w.Key("year");
  w.Int(2025);
  w.Key("negative");
  w.Int(-7);
  w.Key("eligible");
  w.Bool(true);
  w.Key("empty_array");
  w.BeginArray();
  w.EndArray();
  w.Key("empty_object");
  w.BeginObject();
  w.EndObject();
  w.Key("every ascii character \"\\\n");
  w.String(ascii);
  w.Key("awards");
  w.BeginArray();
  for (int i = 0; i < 3; ++i) {
    w.BeginObject();
    w.Key("why");
    w.String("朝阳区 数据要素 ¥1,250,000.00 / 125 万元 😀");
    w.Key("reductions");
    w.BeginArray();
    w.String("");
    w.Bool(false);
    w.BeginArray();
    w.Int(i);
    w.EndArray();
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

TEST(JsonTextWriter, PrintsWhatDumpPrintsForTheSameValue) {
  JsonValueWriter value;
  WriteSample(value);
  std::string text;
  JsonTextWriter writer(&text);
  WriteSample(writer);
  EXPECT_EQ(text, value.result().dump(2));
  // The value itself is as written, in order.
  const auto& v = value.result();
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.begin().key(), "applicant");
  EXPECT_EQ(v["year"], 2025);
  EXPECT_EQ(v["awards"].size(), 3u);
  EXPECT_EQ(v["awards"][2]["reductions"][2][0], 2);
  EXPECT_EQ(v["every ascii character \"\\\n"].get<std::string>().size(), 127u);
}

TEST(JsonTextWriter, EscapesControlCharactersLikeTheLibrary) {
  for (int c = 0; c < 0x20; ++c) {
    const std::string s(1, static_cast<char>(c));
    std::string text;
    JsonTextWriter w(&text);
    w.String(s);
    EXPECT_EQ(text, nlohmann::ordered_json(s).dump()) << "byte " << c;
  }
  std::string text;
  JsonTextWriter w(&text);
  w.BeginArray();
  w.EndArray();
  EXPECT_EQ(text, "[]");
}

}  // namespace
}  // namespace bursar
