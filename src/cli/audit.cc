// bursar audit verify|log: check the hash chain, or list entries.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/store_options.h"
#include "store/store.h"

namespace bursar::cli {
namespace {

constexpr const char* kUsage =
    "usage: bursar audit verify [--db URL] [--json]\n"
    "       bursar audit log [--from SEQ] [--limit N] [--db URL]\n\n"
    "  verify  walk the hash chain; exit 1 naming the first entry that was\n"
    "          altered, inserted or deleted; print the head digest to anchor\n"
    "  log     print entries as JSON Lines (seq, prev_digest, actor, at, change, digest)\n";

int RunAudit(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(args, {"--from", "--limit"}, &o)) return kExitUsage;
  if (o.help) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (o.positional.size() != 1 || (o.positional[0] != "verify" && o.positional[0] != "log")) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  auto s = store::Store::Open(o.db);
  if (!s.ok()) return ReportStatus(s.status());
  if (o.positional[0] == "log") {
    int64_t from = std::atoll(FlagValue(o, "--from", "1").c_str());
    int64_t limit = std::atoll(FlagValue(o, "--limit", "1000000").c_str());
    auto entries = store::ReadAudit((*s)->db(), from, limit);
    if (!entries.ok()) return ReportStatus(entries.status());
    for (const auto& e : *entries) {
      nlohmann::ordered_json line = {{"seq", e.seq},
                                     {"prev_digest", e.prev_digest},
                                     {"actor", e.actor},
                                     {"at", e.at},
                                     {"change", nlohmann::ordered_json::parse(e.change, nullptr, false)},
                                     {"digest", e.digest}};
      std::printf("%s\n", line.dump().c_str());
    }
    return kExitOk;
  }
  auto verdict = (*s)->VerifyAudit();
  if (!verdict.ok()) return ReportStatus(verdict.status());
  if (o.json) {
    nlohmann::ordered_json out = {{"ok", verdict->ok}, {"entries", verdict->entries}};
    if (verdict->ok) {
      out["head_digest"] = verdict->head_digest;
    } else {
      out["first_bad_seq"] = verdict->first_bad_seq;
      out["problem"] = verdict->problem;
    }
    std::printf("%s\n", out.dump(2).c_str());
  } else if (verdict->ok) {
    std::printf("audit log verified: %lld entries, head %s\n", static_cast<long long>(verdict->entries),
                verdict->head_digest.c_str());
  }
  if (!verdict->ok) {
    std::fprintf(stderr, "bursar: audit log does not verify: %s\n", verdict->problem.c_str());
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace
BURSAR_COMMAND("audit", "verify the hash-chained audit log, or list it", RunAudit);
}  // namespace bursar::cli
