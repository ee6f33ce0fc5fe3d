// The clock of a process (D-G9): the system's, or the test-only override,
// which is refused outside an explicit test mode.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "store/store.h"

namespace bursar::store {
namespace {

class ProcessClockTest : public ::testing::Test {
 protected:
  void TearDown() override {
    unsetenv("BURSAR_TEST_CLOCK");
    unsetenv("BURSAR_TEST_MODE");
  }
};

TEST_F(ProcessClockTest, WithoutAnOverrideItIsTheSystemsClock) {
  unsetenv("BURSAR_TEST_CLOCK");
  bool overridden = true;
  auto clock = ProcessClock(&overridden);
  ASSERT_TRUE(clock.ok()) << clock.status().ToString();
  EXPECT_FALSE(overridden);
  const auto now = ParseStoreTime((*clock)());
  ASSERT_TRUE(now.has_value());
  EXPECT_LE(std::abs(*now - static_cast<int64_t>(std::time(nullptr))), 5);
}

TEST_F(ProcessClockTest, AnOverrideIsRefusedOutsideTestMode) {
  setenv("BURSAR_TEST_CLOCK", "2999-12-31", 1);
  unsetenv("BURSAR_TEST_MODE");
  auto clock = ProcessClock();
  ASSERT_FALSE(clock.ok());
  EXPECT_EQ(clock.status().field(), "BURSAR_TEST_CLOCK");
  EXPECT_NE(clock.status().message().find("BURSAR_TEST_MODE=1"), std::string::npos);
  setenv("BURSAR_TEST_MODE", "yes", 1);
  EXPECT_FALSE(ProcessClock().ok()) << "only 1 says test mode";
  // Every process that opens a store refuses it too.
  auto store = Store::Open(":memory:");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().field(), "BURSAR_TEST_CLOCK");
}

TEST_F(ProcessClockTest, InTestModeTheClockRunsOnFromTheTimeSet) {
  setenv("BURSAR_TEST_MODE", "1", 1);
  setenv("BURSAR_TEST_CLOCK", "2025-06-01", 1);  // a date: noon in Beijing
  bool overridden = false;
  auto clock = ProcessClock(&overridden);
  ASSERT_TRUE(clock.ok()) << clock.status().ToString();
  EXPECT_TRUE(overridden);
  const std::string now = (*clock)();
  EXPECT_EQ(now.substr(0, 16), "2025-06-01T04:00") << now;
  EXPECT_EQ(BeijingDate(now), "2025-06-01");
  setenv("BURSAR_TEST_CLOCK", "tomorrow", 1);
  EXPECT_EQ(ProcessClock().status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ProcessClockTest, AClockFileIsReadAtEveryReadingSoATestMovesItOn) {
  const auto path = std::filesystem::temp_directory_path() / ("bursar-clock-" + std::to_string(getpid()));
  auto write = [&](const std::string& text) { std::ofstream(path) << text << "\n"; };
  write("2025-06-01T15:59:00.000Z");
  setenv("BURSAR_TEST_MODE", "1", 1);
  setenv("BURSAR_TEST_CLOCK", ("file:" + path.string()).c_str(), 1);
  auto clock = ProcessClock();
  ASSERT_TRUE(clock.ok()) << clock.status().ToString();
  EXPECT_EQ(BeijingDate((*clock)()), "2025-06-01");
  write("2025-06-01T16:00:00.000Z");  // midnight in Beijing
  EXPECT_EQ(BeijingDate((*clock)()), "2025-06-02");
  write("not a time");
  EXPECT_EQ(BeijingDate((*clock)()), "2025-06-02") << "a bad reading keeps the last good one";
  std::filesystem::remove(path);
  EXPECT_EQ(ProcessClock().status().code(), StatusCode::kInvalidArgument) << "no file: refused at the start";
}

TEST(BeijingDateTest, IsTheCalendarDayAtUtcPlusEight) {
  EXPECT_EQ(BeijingDate("2025-06-01T00:00:00.000Z"), "2025-06-01");
  EXPECT_EQ(BeijingDate("2025-06-01T15:59:59.999Z"), "2025-06-01");
  EXPECT_EQ(BeijingDate("2025-06-01T16:00:00.000Z"), "2025-06-02");
  EXPECT_EQ(BeijingDate("2024-02-28T16:00:00Z"), "2024-02-29");
  EXPECT_EQ(BeijingDate("2025-12-31T16:00:00.000Z"), "2026-01-01");
  EXPECT_EQ(BeijingDate("2025-06-01"), "");
}

}  // namespace
}  // namespace bursar::store
