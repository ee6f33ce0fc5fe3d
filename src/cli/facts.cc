// bursar facts CODE YEAR: the CASES.md facts derived from stored evidence.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "cli/command.h"
#include "cli/store_options.h"
#include "store/store.h"

namespace bursar::cli {
namespace {

constexpr const char* kUsage =
    "usage: bursar facts CREDIT_CODE YEAR [--db URL] [--case [--claims FILE]]\n\n"
    "Prints {\"facts\": ..., \"explanation\": ...}: the CASES.md facts of the enterprise\n"
    "for the year, derived from its stored evidence, and the rows behind each one.\n"
    "Rows the enterprise declared count only once an officer verified them (D-G10):\n"
    "\"facts_with_declared\" counts those awaiting verification too, and\n"
    "\"declared_pending\" says how many there are.\n"
    "  --case         print a whole case instead (applicant, facts, claims, history)\n"
    "  --claims FILE  a JSON array of claims to put in the case\n";

int RunFacts(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(args, {"--claims"}, &o)) return kExitUsage;
  if (o.help) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (o.positional.size() != 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string& code = o.positional[0];
  char* end = nullptr;
  const long long year = std::strtoll(o.positional[1].c_str(), &end, 10);
  if (*end != '\0' || year < 1900 || year > 2999) {
    std::fprintf(stderr, "bursar facts: YEAR: expected a year such as 2025\n");
    return kExitUsage;
  }
  auto s = store::Store::Open(o.db);
  if (!s.ok()) return ReportStatus(s.status());
  if (HasFlag(o, "--case")) {
    nlohmann::json claims = nlohmann::json::array();
    if (std::string path = FlagValue(o, "--claims"); !path.empty()) {
      std::FILE* f = std::fopen(path.c_str(), "rb");
      if (!f) {
        std::fprintf(stderr, "bursar facts: cannot read %s\n", path.c_str());
        return kExitUsage;
      }
      std::string text;
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
      std::fclose(f);
      auto parsed = ParseJsonText(text);
      if (!parsed.ok() || !parsed->is_array()) {
        std::fprintf(stderr, "bursar facts: %s: expected a JSON array of claims%s%s\n", path.c_str(),
                     parsed.ok() ? "" : ": ", parsed.ok() ? "" : parsed.status().message().c_str());
        return kExitUsage;
      }
      claims = std::move(*parsed);
    }
    auto c = (*s)->BuildCase(code, year, claims);
    if (!c.ok()) return ReportStatus(c.status());
    std::printf("%s\n", c->dump(2).c_str());
    return kExitOk;
  }
  auto derived = (*s)->DeriveFacts(code, year);
  if (!derived.ok()) return ReportStatus(derived.status());
  nlohmann::ordered_json out = {{"applicant", code},
                                 {"year", year},
                                 {"facts", derived->facts},
                                 {"facts_with_declared", derived->facts_with_declared},
                                 {"declared_pending", derived->declared_pending},
                                 {"explanation", derived->explanation}};
  std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

}  // namespace
BURSAR_COMMAND("facts", "derive a case's facts (and the case) from stored evidence", RunFacts);
}  // namespace bursar::cli
