// The server secret file (store/secret.h): made once with mode 0600 and read
// back the same; refused when others may read it or when it is not a key
// bursar made; two processes making it at once agree on one key.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/secret.h"

namespace bursar::store {
namespace {

namespace fs = std::filesystem;

class ServerSecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("bursar_secret_test_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    path_ = (dir_ / "bursar.secret").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string path_;
};

TEST_F(ServerSecretTest, IsMadeOnceWithMode0600AndReadBackTheSame) {
  EXPECT_EQ(LoadServerSecret(path_, false, "--secret-file").status().code(), StatusCode::kInvalidArgument)
      << "a missing file is made only when asked";
  auto made = LoadServerSecret(path_, true, "--secret-file");
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_TRUE(made->created);
  EXPECT_EQ(made->key.size(), 32u);
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = LoadServerSecret(path_, true, "--secret-file");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->key, made->key);
  // Nothing else is left in the folder (the file is written aside, then linked).
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
  // Another file is another key.
  auto other = LoadServerSecret((dir_ / "other.secret").string(), true, "--secret-file");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->key, made->key);
}

TEST_F(ServerSecretTest, IsRefusedWhenOthersMayReadItOrItIsNotAKey) {
  ASSERT_TRUE(LoadServerSecret(path_, true, "--secret-file").ok());
  ASSERT_EQ(chmod(path_.c_str(), 0644), 0);
  auto readable = LoadServerSecret(path_, true, "--secret-file");
  EXPECT_EQ(readable.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(readable.status().ToString().find("chmod 600"), std::string::npos) << readable.status().ToString();
  EXPECT_NE(readable.status().ToString().find(path_), std::string::npos) << readable.status().ToString();

  const std::string bad = (dir_ / "bad.secret").string();
  for (const std::string& text : {std::string("password\n"), std::string(64, 'A') + "\n", std::string(63, 'a'), std::string()}) {
    std::ofstream(bad, std::ios::binary | std::ios::trunc) << text;
    ASSERT_EQ(chmod(bad.c_str(), 0600), 0);
    auto refused = LoadServerSecret(bad, true, "--secret-file");
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_NE(refused.status().ToString().find("64 lower-case hex digits"), std::string::npos)
        << refused.status().ToString();
  }
  EXPECT_FALSE(LoadServerSecret(dir_.string(), true, "--secret-file").ok()) << "a folder is no key";
}

// Servers of one database started at once: each makes a key aside and links
// it into place; one link wins and every process reads that key.
TEST_F(ServerSecretTest, ProcessesMakingItAtOnceAgreeOnOneKey) {
  constexpr int kProcesses = 8;
  int pipes[kProcesses][2];
  pid_t pids[kProcesses];
  for (int i = 0; i < kProcesses; ++i) {
    ASSERT_EQ(pipe(pipes[i]), 0);
    pids[i] = fork();
    ASSERT_GE(pids[i], 0);
    if (pids[i] == 0) {
      close(pipes[i][0]);
      auto secret = LoadServerSecret(path_, true, "--secret-file");
      const std::string out = secret.ok() ? secret->key : std::string("error");
      const bool written = write(pipes[i][1], out.data(), out.size()) == static_cast<ssize_t>(out.size());
      _exit(written ? 0 : 1);
    }
    close(pipes[i][1]);
  }
  std::string first;
  for (int i = 0; i < kProcesses; ++i) {
    std::string got;
    char buf[64];
    for (ssize_t n; (n = read(pipes[i][0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
    close(pipes[i][0]);
    int status = 0;
    waitpid(pids[i], &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(got.size(), 32u) << got;
    if (i == 0) first = got;
    EXPECT_EQ(got, first) << "process " << i << " read another key";
  }
  auto read_back = LoadServerSecret(path_, false, "--secret-file");
  ASSERT_TRUE(read_back.ok());
  EXPECT_EQ(read_back->key, first);
}

}  // namespace
}  // namespace bursar::store
