// Test support for the store: a fresh database per test on either backend.
//
// SQLite: a file in a new temporary directory. PostgreSQL: a new schema in
// the server named by $BURSAR_TEST_PG_URL, or else the one
// scripts/start-postgres.sh starts; if neither works the test FAILS (it is
// never skipped: the suite must run against a real PostgreSQL).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "case/uscc.h"
#include "store/store.h"

namespace bursar::store::testing {

// A stored decision's case and output for tests that need one without the
// engine: an applicant's year, and one 03 award of `total`.
inline std::string CaseFor(const std::string& code, int year) {
  using json = nlohmann::json;
  return json{{"year", year}, {"applicant", {{"id", code}}}, {"facts", json::object()}}.dump();
}
inline std::string OutputFor(const std::string& code, int year, const std::string& total, const std::string& measure) {
  using json = nlohmann::json;
  return json{{"applicant", code},
              {"year", year},
              {"awards", {{{"measure", measure}, {"item", "services"}, {"amount", total}}}},
              {"total", total},
              {"not_awarded", json::array()}}
      .dump(2);
}

// A valid unified social credit code, distinct for each n.
inline std::string Code(int n) {
  static const char* kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  std::string body = "91110105";
  for (int i = 0; i < 9; ++i) {
    body += kAlphabet[n % 31];
    n /= 31;
  }
  return body + UsccCheckCharacter(body);
}

// The PostgreSQL server for tests, found once per process; "" with a
// message in *why when there is none.
inline std::string PostgresUrl(std::string* why) {
  static std::string url, error;
  static bool tried = false;
  if (!tried) {
    tried = true;
    if (const char* env = std::getenv("BURSAR_TEST_PG_URL"); env && *env) {
      url = env;
    } else {
      const std::string script = std::string(BURSAR_SOURCE_DIR) + "/scripts/start-postgres.sh";
      if (FILE* p = popen((script + " 2>&1").c_str(), "r")) {
        char buf[4096];
        std::string out;
        while (fgets(buf, sizeof buf, p)) out += buf;
        const int rc = pclose(p);
        while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
        if (rc == 0 && out.starts_with("postgresql://") && out.find('\n') == std::string::npos) {
          url = out;
        } else {
          error = "scripts/start-postgres.sh failed: " + out;
        }
      } else {
        error = "cannot run " + script;
      }
    }
  }
  if (url.empty() && why) *why = error.empty() ? "no PostgreSQL" : error;
  return url;
}

inline std::string FixedClock() { return "2025-06-01T08:00:00.000Z"; }

// A payment as two finance accounts make it: `recorder` records it and, when
// it is an order (the office's default threshold, 0.00, makes every payment
// one), "second-finance" approves it. The recording's refusal, or the approval's.
inline Result<PaymentStep> PayWithApproval(Store& st, const std::string& recorder, int64_t id,
                                           const std::string& amount, const std::string& reference) {
  auto step = st.RecordPayment(recorder, id, amount, reference);
  if (!step.ok() || step->instalment > 0) return step;
  return st.ApprovePayment("second-finance", step->order);
}

// One database per test; `url()` opens further connections to it.
class TestDatabase {
 public:
  explicit TestDatabase(const std::string& backend) : backend_(backend) {}
  ~TestDatabase() {
    if (!schema_.empty()) {
      std::string why;
      if (auto admin = OpenPostgres(PostgresUrl(&why)); admin.ok()) {
        (void)(*admin)->ExecScript("DROP SCHEMA " + schema_ + " CASCADE");
      }
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  // Creates the database; returns false (after a gtest failure) if it cannot.
  bool Create() {
    std::random_device rd;
    const std::string suffix = std::to_string(getpid()) + "_" + std::to_string(rd() % 1000000000u);
    dir_ = std::filesystem::temp_directory_path() / ("bursar_store_" + suffix);
    std::filesystem::create_directories(dir_);
    if (backend_ == "sqlite") {
      url_ = (dir_ / "test.db").string();
      return true;
    }
    std::string why;
    const std::string base = PostgresUrl(&why);
    if (base.empty()) {
      ADD_FAILURE() << "the PostgreSQL half of the store suite cannot run: " << why
                    << " (set BURSAR_TEST_PG_URL or install postgresql)";
      return false;
    }
    auto admin = OpenPostgres(base);
    if (!admin.ok()) {
      ADD_FAILURE() << admin.status().ToString();
      return false;
    }
    schema_ = "t_" + suffix;
    if (auto st = (*admin)->ExecScript("CREATE SCHEMA " + schema_); !st.ok()) {
      ADD_FAILURE() << st.ToString();
      schema_.clear();
      return false;
    }
    url_ = base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
    return true;
  }

  const std::string& url() const { return url_; }
  const std::filesystem::path& dir() const { return dir_; }

  // Writes a file in the test's directory and returns its path.
  std::string WriteFile(const std::string& name, const std::string& text) const {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

 private:
  std::string backend_;
  std::filesystem::path dir_;
  std::string url_;
  std::string schema_;
};

// Imports `text` (CSV, written to the test's directory as `name`) as `actor`:
// an official import, or the applicant's declaration when `declared`.
inline Result<ImportReport> ImportAs(Store& st, const TestDatabase& db, EvidenceKind kind, const std::string& name,
                                     const std::string& text, const std::string& actor, bool declared) {
  ImportOptions options;
  options.actor = actor;
  options.declared = declared;
  return st.Import(kind, db.WriteFile(name, text), options);
}

}  // namespace bursar::store::testing
