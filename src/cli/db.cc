// bursar db init|migrate|status: create a database and keep its schema current.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/store_options.h"
#include "store/store.h"

namespace bursar::cli {
namespace {

constexpr const char* kUsage =
    "usage: bursar db init|migrate|status [--db URL] [--json]\n\n"
    "  init     create the database (a SQLite file is created if missing) and\n"
    "           apply every migration; running it again changes nothing\n"
    "  migrate  apply the migrations this bursar has and the database lacks\n"
    "  status   the schema version and each migration, applied or pending\n\n"
    "  --db URL   a SQLite file path, or postgresql://... (default bursar.db)\n"
    "  --actor N  who is recorded in the audit log (default $BURSAR_ACTOR or cli:$USER)\n"
    "  --json     machine-readable output\n";

int RunDb(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(args, {}, &o)) return kExitUsage;
  if (o.help) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (o.positional.size() != 1 || !o.flags.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string& verb = o.positional[0];
  if (verb != "init" && verb != "migrate" && verb != "status") {
    std::fprintf(stderr, "bursar db: unknown action '%s'\n\n%s", verb.c_str(), kUsage);
    return kExitUsage;
  }
  store::OpenOptions options;
  options.create = verb == "init";
  options.allow_pending = true;
  auto s = store::Store::Open(o.db, options);
  if (!s.ok()) return ReportStatus(s.status());
  store::Store& st = **s;
  int applied = 0;
  if (verb != "status") {
    auto n = st.Migrate(o.actor);
    if (!n.ok()) return ReportStatus(n.status());
    applied = *n;
  }
  auto schema = st.Schema();
  if (!schema.ok()) return ReportStatus(schema.status());
  if (o.json) {
    nlohmann::ordered_json out = {{"database", st.db().display_name()},
                                  {"version", schema->current},
                                  {"latest", schema->latest},
                                  {"applied_now", applied}};
    out["migrations"] = nlohmann::ordered_json::array();
    for (const auto& m : schema->migrations) {
      out["migrations"].push_back({{"version", m.version}, {"name", m.name}, {"applied_at", m.applied_at}});
    }
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%s: schema version %d of %d%s\n", st.db().display_name().c_str(), schema->current, schema->latest,
                verb == "status" ? "" : (" (" + std::to_string(applied) + " applied now)").c_str());
    for (const auto& m : schema->migrations) {
      std::printf("  %3d  %-9s %s\n", m.version, m.applied_at.empty() ? "pending" : "applied", m.name.c_str());
    }
  }
  // status of a database behind this binary is a failure a script should see.
  return verb == "status" && schema->current < schema->latest ? kExitFailed : kExitOk;
}

}  // namespace
BURSAR_COMMAND("db", "create a database and manage its schema (init, migrate, status)", RunDb);
}  // namespace bursar::cli
