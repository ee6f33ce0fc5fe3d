// bursar audit verify|log|limits|declarations: check the hash chain, list
// entries, check a year's awards in force against every limit of the policy,
// or find declarations of what only an authority may state.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "audit/declarations.h"
#include "audit/limits_audit.h"
#include "cli/command.h"
#include "cli/programmes.h"
#include "cli/store_options.h"
#include "store/store.h"

namespace bursar::cli {
namespace {

constexpr const char* kUsage =
    "usage: bursar audit verify [--anchor SEQ:DIGEST] [--db URL] [--json]\n"
    "       bursar audit log [--from SEQ] [--limit N] [--db URL]\n"
    "       bursar audit limits YEAR [--policy DIR] [--also-policy DIR --programme ID] [--db URL] [--json]\n"
    "       bursar audit declarations [--year YEAR] [--programme ID] [--policy DIR] [--also-policy DIR ...]\n"
    "                                 [--db URL] [--json]\n\n"
    "  verify  walk the hash chain; exit 1 naming the first entry that was\n"
    "          altered, inserted or deleted; then reconcile the state tables\n"
    "          (applications, reviews, decisions, objections, payments,\n"
    "          recoveries, budgets, enterprises, accounts, sessions, tokens,\n"
    "          official documents and their settings) with the row images the\n"
    "          chain sealed, and exit 1 naming every row that\n"
    "          disagrees (table, key, field, what the chain says, what the row\n"
    "          says); then recompute the derived tables (year_committed and\n"
    "          measure_committed from the decisions, recoveries and payments;\n"
    "          audit_application from the log) and exit 1 naming the rows that\n"
    "          differ (table, key, stored and recomputed values; at most 5 per\n"
    "          table, and how many); print the head digest to anchor\n"
    "          --anchor SEQ:DIGEST  also require entry SEQ to have DIGEST (a head\n"
    "          printed earlier and kept outside the database): a chain rewritten\n"
    "          or cut back consistently by someone with the database's keys fails\n"
    "  log     print entries as JSON Lines (seq, prev_digest, actor, at, change, digest)\n"
    "  limits  recompute the ledger of every enterprise with an award in force in\n"
    "          YEAR (its awards in force at their net amounts, decided less\n"
    "          recovered, the earlier years included) and list every limit of the\n"
    "          policy they exceed: enterprise, limit, clause, amount over, decisions\n"
    "          involved; exit 1 when any is exceeded. It reads only what is stored,\n"
    "          so a store decided before the ledger existed is checked the same way.\n"
    "          --programme ID  check the programme of policy ID run beside the\n"
    "          store's own (its folder given with --also-policy DIR) instead\n"
    "  declarations  list every enterprise's declaration that states what only\n"
    "          an authority may (D-G10) and was verified anyway: a figure its\n"
    "          policy, as given now, says an authority gives (`given by`; a\n"
    "          declaration verified before the policy said so), a trade declared\n"
    "          as made at a legally established institution; with the decisions in\n"
    "          force of that enterprise and year (a fact's: and later years, whose\n"
    "          cases read it as earlier). Decisions made from now on do not\n"
    "          count such a figure. Exit 1 when any is found, or when figures of a\n"
    "          policy not given with --also-policy could not be checked\n"
    "          --year YEAR  only the declarations of YEAR (a figure's year, a\n"
    "          trade's date); every year without it\n"
    "          --programme ID  only those of the programme of policy ID (the\n"
    "          own, or one given with --also-policy); a trade is the own\n"
    "          programme's evidence. Every programme without it\n";

// bursar audit limits YEAR
int RunLimits(const StoreOptions& o) {
  int64_t year = 0;
  if (o.positional.size() != 2 || !ParseWholeNumber(o.positional[1], 1900, 2999, &year)) {
    std::fprintf(stderr, "bursar audit limits: one programme year such as 2025\n\n%s", kUsage);
    return kExitUsage;
  }
  Programmes programmes;
  if (!LoadProgrammes(o, "audit limits", &programmes)) return kExitFailed;
  std::string programme;
  const Engine* engine = programmes.Chosen(o, "audit limits", &programme);
  if (engine == nullptr) return kExitUsage;
  auto s = store::Store::Open(o.db);
  if (!s.ok()) return ReportStatus(s.status());
  auto report = audit::AuditLimits(**s, *engine, year, programme);
  if (!report.ok()) return ReportStatus(report.status());
  if (o.json) {
    std::printf("%s\n", audit::LimitsReportJson(*report).dump(2).c_str());
  } else {
    for (const audit::LimitOverrun& over : report->over) std::printf("%s\n", audit::LimitOverrunText(over).c_str());
    std::printf("%lld: %zu limit(s) exceeded; %lld enterprises, %lld decisions in force checked\n",
                static_cast<long long>(year), report->over.size(), static_cast<long long>(report->enterprises),
                static_cast<long long>(report->decisions));
  }
  return report->over.empty() ? kExitOk : kExitFailed;
}

// bursar audit declarations
int RunDeclarations(const StoreOptions& o) {
  if (o.positional.size() != 1) {
    std::fprintf(stderr, "bursar audit declarations: takes no year as an argument: give --year YEAR\n\n%s", kUsage);
    return kExitUsage;
  }
  store::DeclaredQuery query;
  if (HasFlag(o, "--year") && !ParseWholeNumber(FlagValue(o, "--year"), 1900, 2999, &query.year)) {
    std::fprintf(stderr, "bursar audit declarations: --year takes a year such as 2025, got '%s'\n",
                 FlagValue(o, "--year").c_str());
    return kExitUsage;
  }
  Programmes programmes;
  if (!LoadProgrammes(o, "audit declarations", &programmes)) return kExitUsage;
  if (HasFlag(o, "--programme")) {
    std::string programme;
    if (programmes.Chosen(o, "audit declarations", &programme) == nullptr) return kExitUsage;
    query.policy = programme;
  }
  auto s = store::Store::Open(o.db);
  if (!s.ok()) return ReportStatus(s.status());
  (*s)->SetFigureReader(programmes.FigureReader());
  int64_t unchecked = 0;
  auto found = (*s)->DeclaredOfficialRows(&unchecked, query);
  if (!found.ok()) return ReportStatus(found.status());
  if (o.json) {
    std::printf("%s\n", audit::DeclarationsJson(*found, unchecked).dump(2).c_str());
  } else {
    for (const auto& d : *found) std::printf("%s\n", audit::DeclarationText(d).c_str());
    std::printf("%zu declaration(s) of what only an authority states\n", found->size());
    if (unchecked > 0) {
      std::printf("%lld verified declared figure(s) not checked: their policy was not given (--also-policy DIR: %s)\n",
                  static_cast<long long>(unchecked), programmes.BesideIds().c_str());
    }
  }
  return found->empty() && unchecked == 0 ? kExitOk : kExitFailed;
}

int RunAudit(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(args, {"--from", "--limit", "--anchor", "--policy", "--also-policy", "--programme", "--year"},
                         &o)) {
    return kExitUsage;
  }
  if (o.help) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (!o.positional.empty() && o.positional[0] == "limits") return RunLimits(o);
  if (!o.positional.empty() && o.positional[0] == "declarations") return RunDeclarations(o);
  if (o.positional.size() != 1 || (o.positional[0] != "verify" && o.positional[0] != "log")) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  auto s = store::Store::Open(o.db);
  if (!s.ok()) return ReportStatus(s.status());
  if (o.positional[0] == "log") {
    int64_t from = 0, limit = 0;
    if (!ParseWholeNumber(FlagValue(o, "--from", "1"), 1, INT64_MAX, &from)) {
      std::fprintf(stderr, "bursar audit log: --from takes an entry number (1 or more), got '%s'\n",
                   FlagValue(o, "--from").c_str());
      return kExitUsage;
    }
    if (!ParseWholeNumber(FlagValue(o, "--limit", "1000000"), 1, INT64_MAX, &limit)) {
      std::fprintf(stderr, "bursar audit log: --limit takes a count (1 or more), got '%s'\n",
                   FlagValue(o, "--limit").c_str());
      return kExitUsage;
    }
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
  if (HasFlag(o, "--anchor") && verdict->ok) {
    // The anchor: an entry's digest recorded elsewhere. The chain up to it
    // must still end in that digest, whoever rewrote the rows after.
    const std::string anchor = FlagValue(o, "--anchor");
    const size_t colon = anchor.find(':');
    int64_t seq = 0;
    if (colon == std::string::npos || !ParseWholeNumber(anchor.substr(0, colon), 1, INT64_MAX, &seq) ||
        anchor.size() - colon - 1 != 64) {
      std::fprintf(stderr, "bursar audit verify: --anchor takes SEQ:DIGEST (64 hex digits), got '%s'\n",
                   anchor.c_str());
      return kExitUsage;
    }
    const std::string digest = anchor.substr(colon + 1);
    auto entries = store::ReadAudit((*s)->db(), seq, 1);
    if (!entries.ok()) return ReportStatus(entries.status());
    if (entries->empty() || entries->front().seq != seq) {
      verdict->ok = false;
      verdict->first_bad_seq = seq;
      verdict->problem = "entry " + std::to_string(seq) + " of the anchor is missing: the log was cut back";
    } else if (entries->front().digest != digest) {
      verdict->ok = false;
      verdict->first_bad_seq = seq;
      verdict->problem =
          "entry " + std::to_string(seq) + " does not have the anchored digest: the chain up to it was rewritten";
    }
  }
  if (o.json) {
    std::printf("%s\n", store::AuditVerdictJson(*verdict).dump(2).c_str());
  } else if (verdict->ok) {
    std::printf("audit log verified: %lld entries, head %s; rows reconciled with the chain: %lld; "
                "derived rows recomputed: %lld\n",
                static_cast<long long>(verdict->entries), verdict->head_digest.c_str(),
                static_cast<long long>(verdict->rows_checked), static_cast<long long>(verdict->derived_checked));
  }
  if (!verdict->ok) {
    std::fprintf(stderr, "bursar: audit log does not verify: %s\n", verdict->problem.c_str());
    for (const auto& d : verdict->rows) std::fprintf(stderr, "bursar: row disagrees: %s\n", d.message.c_str());
    if (verdict->rows_disagreeing > static_cast<int64_t>(verdict->rows.size())) {
      std::fprintf(stderr, "bursar: ... and %lld more rows\n",
                   static_cast<long long>(verdict->rows_disagreeing - static_cast<int64_t>(verdict->rows.size())));
    }
    for (const auto& d : verdict->derived) std::fprintf(stderr, "bursar: derived row differs: %s\n", d.message.c_str());
    const int64_t derived_unlisted = verdict->derived_disagreeing - static_cast<int64_t>(verdict->derived.size());
    if (derived_unlisted > 0) {
      std::fprintf(stderr, "bursar: ... and %lld more derived rows\n", static_cast<long long>(derived_unlisted));
    }
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace
BURSAR_COMMAND("audit", "verify the hash-chained audit log, list it, check a year's limits or the declarations",
               RunAudit);
}  // namespace bursar::cli
