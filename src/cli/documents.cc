// bursar documents: the office's settings printed on the official documents
// (issuing body, number patterns, objection contact, reconsideration body,
// court), and the documents issued so far are in the store (store/documents.h).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/store_options.h"
#include "store/store.h"

namespace bursar::cli {
namespace {

constexpr const char* kUsage =
    "usage: bursar documents settings [--db URL] [--json]\n"
    "       bursar documents set KEY VALUE [--db URL] [--actor NAME]\n\n"
    "The settings the decision letters, public notices and payment notices carry:\n"
    "  issuer                the issuing body (发文机关)\n"
    "  number.decision       the decision letters' number, e.g. 朝数决〔{year}〕{n}号\n"
    "  number.notice         the public notices' number\n"
    "  number.payment        the payment notices' number\n"
    "  programme             the fund's name in the titles\n"
    "  objection_contact     where an objection to the notice goes\n"
    "  reconsideration_body  who hears an application for administrative reconsideration\n"
    "  court                 where a lawsuit is brought\n"
    "A number pattern holds {n} (the sequence of its kind in the year) and may hold\n"
    "{year}. A change applies to documents issued after it (audited).\n\n"
    "  --db URL   a SQLite file path, or postgresql://... (default bursar.db)\n"
    "  --actor N  who is recorded in the audit log (default $BURSAR_ACTOR or cli:$USER)\n"
    "  --json     machine-readable output\n";

int RunDocuments(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(args, {}, &o)) return kExitUsage;
  if (o.help) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  const bool list = o.positional.size() == 1 && o.positional[0] == "settings";
  const bool set = o.positional.size() == 3 && o.positional[0] == "set";
  if ((!list && !set) || !o.flags.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  auto s = store::Store::Open(o.db);
  if (!s.ok()) return ReportStatus(s.status());
  store::Store& st = **s;
  if (set) {
    Status changed = st.SetDocumentSetting(o.actor, o.positional[1], o.positional[2]);
    if (!changed.ok()) return ReportStatus(changed);
  }
  auto settings = st.DocumentSettings();
  if (!settings.ok()) return ReportStatus(settings.status());
  if (o.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& d : *settings) {
      out.push_back({{"key", d.key}, {"value", d.value}, {"default", d.is_default}, {"meaning", d.meaning}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  for (const auto& d : *settings) {
    std::printf("%-21s %s%s\n", d.key.c_str(), d.value.c_str(), d.is_default ? "  (default)" : "");
  }
  return kExitOk;
}

}  // namespace
BURSAR_COMMAND("documents", "the settings printed on official documents (issuer, numbers, appeal bodies)", RunDocuments);
}  // namespace bursar::cli
