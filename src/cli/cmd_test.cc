// bursar test POLICY: run the policy's own case files (POLICY/tests/**/*.json).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/options.h"
#include "eval/engine.h"
#include "lang/loader.h"

namespace bursar::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using OJson = nlohmann::ordered_json;

constexpr const char* kHelp =
    "usage: bursar test [POLICY_DIR] [--filter TEXT] [--verbose]\n\n"
    "Runs the policy's own tests: every POLICY_DIR/tests/**/*.json file holds a\n"
    "case, optional parameter overrides (\"set\") and the expected decision\n"
    "(\"expect\", matched partially: every key written must equal the decision;\n"
    "arrays must match in length and element by element) or an expected refusal\n"
    "(\"expect_error\": text the error message must contain). See docs/case-format.md.\n\n"
    "  --filter TEXT  run only the files whose path contains TEXT\n"
    "  --verbose      name every file as it passes\n\n"
    "Exit status: 0 when all pass, 1 when any fails, 2 on bad usage.\n";

// Where `actual` differs from `expected`, as "path: expected X, got Y"; "" if it matches.
std::string Mismatch(const Json& expected, const OJson& actual, const std::string& path) {
  if (expected.is_object()) {
    if (!actual.is_object()) return path + ": expected an object, got " + actual.dump();
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      std::string sub = path.empty() ? it.key() : path + "." + it.key();
      if (!actual.contains(it.key())) return sub + ": missing from the decision";
      std::string m = Mismatch(it.value(), actual[it.key()], sub);
      if (!m.empty()) return m;
    }
    return "";
  }
  if (expected.is_array()) {
    if (!actual.is_array()) return path + ": expected a list, got " + actual.dump();
    if (expected.size() != actual.size()) {
      std::string got;
      for (const auto& a : actual) {
        got += "\n      " + (a.is_object() && a.contains("measure")
                                 ? a["measure"].get<std::string>() + " " + a.value("item", "") +
                                       (a.contains("amount") ? " " + a["amount"].get<std::string>() : "") +
                                       (a.contains("why") ? "  (" + a["why"].get<std::string>() + ")" : "")
                                 : a.dump());
      }
      return path + ": expected " + std::to_string(expected.size()) + " entries, got " +
             std::to_string(actual.size()) + ":" + got;
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      std::string m = Mismatch(expected[i], actual[i], path + "[" + std::to_string(i) + "]");
      if (!m.empty()) return m;
    }
    return "";
  }
  if (Json(actual) != expected) return path + ": expected " + expected.dump() + ", got " + actual.dump();
  return "";
}

int RunTest(const std::vector<std::string>& args) {
  if (HasHelp(args)) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  std::string dir, filter;
  bool verbose = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--filter" && i + 1 < args.size()) {
      filter = args[++i];
    } else if (args[i] == "--verbose") {
      verbose = true;
    } else if (args[i].rfind("-", 0) == 0 || !dir.empty()) {
      std::fprintf(stderr, "bursar test: unexpected '%s'\n\n%s", args[i].c_str(), kHelp);
      return kExitUsage;
    } else {
      dir = args[i];
    }
  }
  if (dir.empty()) dir = DefaultPolicyDir();
  fs::path tests = fs::path(dir) / "tests";
  std::error_code ec;
  if (!fs::is_directory(tests, ec)) {
    std::fprintf(stderr, "bursar test: no tests/ folder in '%s'\n", dir.c_str());
    return kExitUsage;
  }
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(tests, ec); !ec && it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_regular_file() && it->path().extension() == ".json" &&
        (filter.empty() || it->path().string().find(filter) != std::string::npos)) {
      files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  // A policy with errors fails every test the same way: say so once.
  {
    auto loaded = LoadPolicy(dir);
    if (!loaded.ok()) {
      std::fprintf(stderr, "bursar test: %s\n", loaded.status().ToString().c_str());
      return kExitUsage;
    }
    if (!loaded->policy) {
      std::fputs(loaded->formatted.c_str(), stderr);
      size_t errors = 0;
      for (const auto& d : loaded->diagnostics.all()) errors += d.severity == Severity::kError ? 1 : 0;
      std::fprintf(stderr, "%zu error%s in %s: no test was run (bursar check %s)\n", errors, errors == 1 ? "" : "s",
                   dir.c_str(), dir.c_str());
      std::printf("0 passed, %zu failed\n", files.size());
      return kExitFailed;
    }
  }
  std::map<std::string, std::shared_ptr<const Engine>> engines;  // by overrides
  int passed = 0, failed = 0;
  for (const auto& file : files) {
    std::string rel = fs::relative(file, dir).generic_string();
    auto fail = [&](const std::string& why) {
      ++failed;
      std::fprintf(stderr, "FAIL %s\n  %s\n", rel.c_str(), why.c_str());
    };
    std::string text, error;
    if (!ReadInput(file.string(), &text, &error)) {
      fail(error);
      continue;
    }
    Json test = Json::parse(text, nullptr, false);
    if (test.is_discarded() || !test.is_object() || !test.contains("case") ||
        (!test.contains("expect") && !test.contains("expect_error"))) {
      fail("a test file is a JSON object with \"case\" and \"expect\" or \"expect_error\"");
      continue;
    }
    std::vector<ParameterOverride> overrides;
    std::string key;
    if (test.contains("set")) {
      for (auto it = test["set"].begin(); it != test["set"].end(); ++it) {
        std::string v = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
        overrides.push_back({it.key(), v});
        key += it.key() + "=" + v + ";";
      }
    }
    if (!engines.count(key)) {
      auto engine = Engine::Load(dir, overrides);
      if (!engine.ok()) {
        fail(engine.status().ToString());
        continue;
      }
      engines[key] = *engine;
    }
    auto decision = engines[key]->Evaluate(test["case"]);
    if (test.contains("expect_error")) {
      std::string want = test["expect_error"].get<std::string>();
      if (decision.ok()) {
        fail("expected a refusal mentioning '" + want + "', but the case was decided");
      } else if (decision.status().ToString().find(want) == std::string::npos) {
        fail("expected a refusal mentioning '" + want + "', got: " + decision.status().ToString());
      } else {
        ++passed;
        if (verbose) std::printf("ok   %s\n", rel.c_str());
      }
      continue;
    }
    if (!decision.ok()) {
      fail("refused: " + decision.status().ToString());
      continue;
    }
    std::string m = Mismatch(test["expect"], *decision, "");
    if (!m.empty()) {
      fail(m);
      continue;
    }
    ++passed;
    if (verbose) std::printf("ok   %s\n", rel.c_str());
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? kExitOk : kExitFailed;
}

}  // namespace

BURSAR_COMMAND("test", "run a policy's own case files", RunTest);

}  // namespace bursar::cli
