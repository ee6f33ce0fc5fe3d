// bursar import KIND FILE: evidence from CSV or JSON Lines into the store.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "cli/programmes.h"
#include "cli/store_options.h"
#include "store/store.h"

namespace bursar::cli {
namespace {

std::string Usage() {
  std::string u =
      "usage: bursar import KIND FILE [--db URL] [--strict] [--json] [--actor NAME]\n\n"
      "Imports FILE (.csv with a header row, or .jsonl with one object per line) into\n"
      "the store. Every row is validated; rejected rows are reported on standard error\n"
      "as FILE:LINE: field: reason. Accepted rows are committed in one transaction with\n"
      "one audit entry; importing the same file again changes nothing.\n"
      "Exit 0 when every row was accepted, 2 when some were rejected (the others are\n"
      "stored unless --strict), 1 when the database failed.\n\n"
      "  --strict   store nothing if any row is rejected\n"
      "  --json     print the report as JSON on standard output\n"
      "  --also-policy DIR   (figures) a policy run beside the store's own; repeatable\n\n"
      "Figures are what a programme run beside the store's own reads as its cases'\n"
      "applicant fields and facts: `name` is the place in the case (facts.rent_paid,\n"
      "applicant.digital_health_business), `value` is read as that policy declares\n"
      "it (2000000, 1234.5, true or 是, 12.5%), so its folder is given with\n"
      "--also-policy DIR.\n\n"
      "KINDs and their fields (key first):\n";
  for (auto kind : store::AllEvidenceKinds()) {
    u += "  " + std::string(store::EvidenceKindName(kind)) + ":";
    for (const auto& f : store::EvidenceFieldNames(kind)) u += " " + f;
    u += "\n";
  }
  return u;
}

int RunImport(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(args, {"--also-policy", "--policy"}, &o)) return kExitUsage;
  if (o.help) {
    std::fputs(Usage().c_str(), stdout);
    return kExitOk;
  }
  for (size_t i = 0; i < o.flags.size(); ++i) {
    const std::string& f = o.flags[i];
    if (f == "--also-policy" || f == "--policy") {
      ++i;  // its value
    } else if (f != "--strict") {
      std::fprintf(stderr, "bursar import: unknown option %s\n\n%s", f.c_str(), Usage().c_str());
      return kExitUsage;
    }
  }
  if (o.positional.size() != 2) {
    std::fputs(Usage().c_str(), stderr);
    return kExitUsage;
  }
  auto kind = store::ParseEvidenceKind(o.positional[0]);
  if (!kind) {
    std::fprintf(stderr, "bursar import: unknown kind '%s'\n\n%s", o.positional[0].c_str(), Usage().c_str());
    return kExitUsage;
  }
  const std::string& file = o.positional[1];
  Programmes programmes;
  if (*kind == store::EvidenceKind::kFigures && !LoadProgrammes(o, "import", &programmes)) return kExitUsage;
  auto s = store::Store::Open(o.db);
  if (!s.ok()) return ReportStatus(s.status());
  // The file is one transaction. On SQLite the pages it dirties stay in this
  // connection's cache rather than spill to the WAL and be read back: the
  // 1,250,000 trades of 100,000 enterprises dirty 280 MB of the trade table
  // and its index, 13-15 s with the 64 MiB every connection has, 11 s with
  // 512 MiB (docs/performance.md). The cache grows only as pages are used.
  if ((*s)->db().dialect() == store::Dialect::kSqlite) {
    if (Status st = (*s)->db().ExecScript("PRAGMA cache_size=-524288"); !st.ok()) return ReportStatus(st);
  }
  store::ImportOptions options;
  options.actor = o.actor;
  options.strict = HasFlag(o, "--strict");
  if (*kind == store::EvidenceKind::kFigures) options.figure = programmes.FigureReader();
  auto report = (*s)->Import(*kind, file, options);
  if (!report.ok()) return ReportStatus(report.status());
  if (report->inserted + report->updated > 0) {
    if (Status st = (*s)->RefreshStatistics(store::Store::ImportedTables(*kind)); !st.ok()) return ReportStatus(st);
  }
  for (const auto& r : report->rejected) {
    std::fprintf(stderr, "%s:%lld: %s%s%s\n", file.c_str(), static_cast<long long>(r.line), r.field.c_str(),
                 r.field.empty() ? "" : ": ", r.reason.c_str());
  }
  if (o.json) {
    nlohmann::ordered_json out = {{"kind", report->kind},
                                  {"file", file},
                                  {"file_sha256", report->file_sha256},
                                  {"rows", report->rows},
                                  {"inserted", report->inserted},
                                  {"updated", report->updated},
                                  {"unchanged", report->unchanged},
                                  {"committed", report->committed},
                                  {"audit_seq", report->audit_seq}};
    out["rejected"] = nlohmann::ordered_json::array();
    for (const auto& r : report->rejected) {
      out["rejected"].push_back({{"line", r.line}, {"field", r.field}, {"reason", r.reason}});
    }
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::fprintf(
        stderr, "%s: %lld rows: %lld new, %lld updated, %lld unchanged, %zu rejected%s\n", report->kind.c_str(),
        static_cast<long long>(report->rows), static_cast<long long>(report->inserted),
        static_cast<long long>(report->updated), static_cast<long long>(report->unchanged), report->rejected.size(),
        report->committed
            ? ""
            : (options.strict && !report->rejected.empty() ? " (nothing stored: --strict)" : " (nothing to store)"));
  }
  return report->rejected.empty() ? kExitOk : kExitUsage;
}

}  // namespace
BURSAR_COMMAND("import", "import evidence (enterprises, listings, trades, ...) from CSV or JSON Lines", RunImport);
}  // namespace bursar::cli
