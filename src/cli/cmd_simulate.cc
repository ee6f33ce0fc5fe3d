// bursar simulate: a population under the policy and under a changed policy,
// year after year (simulation/simulation.h; docs/simulation.md), or, with
// --db, one programme year of the store (simulate_store.h).
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/options.h"
#include "cli/programmes.h"
#include "cli/simulate_store.h"
#include "cli/store_options.h"
#include "eval/engine.h"
#include "population/columns.h"
#include "simulation/output.h"
#include "simulation/simulation.h"

namespace bursar::cli {
namespace {

constexpr const char* kSimulateHelp =
    "usage: bursar simulate POPULATION [--policy DIR] [--set NAME=VALUE ...] [--budget AMOUNT]\n"
    "                       [--years FROM..TO] [--json | --csv] [--out FILE] [--top N] [--threads N]\n"
    "       bursar simulate --db URL --year YEAR [--policy DIR] [--also-policy DIR]... [--programme ID]\n"
    "                       [--set NAME=VALUE ...] [--budget AMOUNT] [--json | --csv] [--out FILE] [--top N]\n"
    "                       [--threads N]\n"
    "\n"
    "Evaluates every case of a population file (.csv or .jsonl, docs/population-format.md)\n"
    "with the batch evaluator, year after year, each year's paid awards becoming the next\n"
    "year's history. With --set or --budget it runs the policy twice, as it stands (the\n"
    "baseline) and changed, and compares them: who gains, who loses, by how much.\n"
    "Reports per year and over all years: totals and recipients per measure and item,\n"
    "the distribution of awards, what caps and periods cut, the budget (D-G6) applied\n"
    "across the whole population. docs/simulation.md describes every figure.\n"
    "\n"
    "With --db, the cases are a programme year of the store instead, built as POST\n"
    "/api/simulations builds them: every stored enterprise's case of YEAR (facts from\n"
    "its evidence, history from its awards of earlier years, claims from the year's\n"
    "applications). The report is of that one year: the history is the store's, not\n"
    "carried from a simulated year before; the year's own awards, decided or not, are\n"
    "what it recomputes.\n"
    "\n"
    "  --policy DIR      the policy folder (default: the shipped Chaoyang policy); with\n"
    "                    --db, the store's own programme's\n"
    "  --set NAME=VALUE  change a parameter in the changed scenario, e.g. --set trading_rate=4%\n"
    "  --budget AMOUNT   the programme budget of each year in the changed scenario\n"
    "                    (the same as --set budget=AMOUNT), e.g. --budget 300000000;\n"
    "                    scaled by the policy's budget_rule (--set budget_rule=priority)\n"
    "  --years FROM..TO  the years reported (default: all in the file); earlier years\n"
    "                    still run to build the history, later ones are not read. A single\n"
    "                    year (--years 2026) is FROM..FROM\n"
    "  --db URL          the store (an SQLite file or postgresql://...) instead of a\n"
    "                    population file\n"
    "  --year YEAR       with --db: the programme year simulated (required)\n"
    "  --also-policy DIR with --db: a policy run beside the store's own (repeatable)\n"
    "  --programme ID    with --db: simulate the programme of policy ID run beside the\n"
    "                    store's own (its folder given with --also-policy DIR): its\n"
    "                    enterprises with figures of the year or applications\n"
    "  --json            the report as JSON (shape: docs/simulation.md)\n"
    "  --csv             one CSV row per case of the reported years: the totals of both\n"
    "                    scenarios and the difference\n"
    "  --out FILE        write the report to FILE instead of standard output\n"
    "  --top N           gainers and losers listed (default 10)\n"
    "  --threads N       1 runs the two scenarios one after the other (default 2)\n"
    "  --timing          the time each phase took, on standard error\n"
    "\n"
    "Exit status: 0 done; 2 bad options, a bad policy, a bad population file (the\n"
    "error names the file, line and field) or a store year without cases; 1 when an\n"
    "amount leaves the exact range, the store fails, or the policy refused a stored\n"
    "case (named on standard error; the report of the others is written).\n";

int Usage(const std::string& message) {
  std::fprintf(stderr, "bursar simulate: %s\n(run `bursar simulate --help` for the options)\n", message.c_str());
  return kExitUsage;
}

bool ParseYear(const std::string& text, int* out) {
  if (text.size() != 4) return false;
  int v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + (ch - '0');
  }
  *out = v;
  return v >= 1900;
}

int RunSimulate(const std::vector<std::string>& args) {
  if (HasHelp(args)) {
    std::fputs(kSimulateHelp, stdout);
    return kExitOk;
  }
  // Large vectors come and go (columns, two scenarios' results): keep freed
  // memory in the heap for reuse instead of unmapping it and faulting fresh
  // pages in again; about a third of the system time of a 100,000-case run.
  mallopt(M_MMAP_THRESHOLD, 512 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  std::string population_path, out_path, budget, years_given, store_year_given;
  // --db, --policy, --also-policy and --programme, as the store's commands
  // take them (cli/programmes.h reads the policies from it).
  StoreOptions store;
  store.db.clear();  // no store unless --db names one
  simulation::SimulationOptions options;
  bool json = false, csv = false, have_budget = false, timing = false;
  using Clock = std::chrono::steady_clock;
  auto started = Clock::now(), lap = started;
  auto phase = [&](const char* what) {
    if (!timing) return;
    auto now = Clock::now();
    std::fprintf(stderr, "bursar simulate: %-10s %7.1f ms\n", what,
                 std::chrono::duration<double, std::milli>(now - lap).count());
    lap = now;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string name = a, value;
    bool takes_value = a == "--policy" || a == "--set" || a == "--budget" || a == "--years" || a == "--out" ||
                       a == "--top" || a == "--threads" || a == "--db" || a == "--year" || a == "--also-policy" ||
                       a == "--programme";
    if (size_t eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos && a.rfind("--set", 0) != 0) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    } else if (takes_value) {
      if (i + 1 >= args.size()) return Usage(a + " needs a value");
      value = args[++i];
    }
    if (name == "--json") {
      json = true;
    } else if (name == "--timing") {
      timing = true;
    } else if (name == "--csv") {
      csv = true;
    } else if (name == "--policy" || name == "--also-policy" || name == "--programme") {
      store.flags.push_back(name);
      store.flags.push_back(value);
    } else if (name == "--db") {
      store.db = value;
    } else if (name == "--year") {
      if (!ParseYear(value, &options.first_year)) return Usage("--year takes a year such as 2025, got '" + value + "'");
      options.last_year = options.first_year;
      store_year_given = value;
    } else if (name == "--out") {
      out_path = value;
    } else if (name == "--budget") {
      budget = value;
      have_budget = true;
    } else if (name == "--set") {
      size_t eq = value.find('=');
      if (eq == std::string::npos || eq == 0) return Usage("--set takes NAME=VALUE, got '" + value + "'");
      options.changes.push_back({value.substr(0, eq), value.substr(eq + 1)});
    } else if (name == "--years") {
      size_t dots = value.find("..");
      std::string from = value.substr(0, dots), to = dots == std::string::npos ? from : value.substr(dots + 2);
      if (!ParseYear(from, &options.first_year) || !ParseYear(to, &options.last_year) ||
          options.last_year < options.first_year) {
        return Usage("--years takes FROM..TO such as 2025..2027, got '" + value + "'");
      }
      years_given = value;
    } else if (name == "--top" || name == "--threads") {
      char* end = nullptr;
      long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n < (name == "--top" ? 0 : 1) || n > 1000000) {
        return Usage(name + " takes a whole number, got '" + value + "'");
      }
      if (name == "--top") {
        options.top_movers = static_cast<size_t>(n);
      } else {
        options.threads = static_cast<int>(n);
      }
    } else if (a.size() > 1 && a[0] == '-') {
      return Usage("unknown option '" + a + "'");
    } else if (population_path.empty()) {
      population_path = a;
    } else {
      return Usage("one population at a time; got '" + population_path + "' and '" + a + "'");
    }
  }
  const bool from_store = !store.db.empty();
  if (from_store) {
    if (!population_path.empty()) {
      return Usage("--db reads the cases from the store: give it or a population file ('" + population_path +
                   "'), not both");
    }
    if (!years_given.empty()) return Usage("--years chooses a population file's years; with --db give --year YEAR");
    if (store_year_given.empty()) return Usage("--db needs --year YEAR: the programme year whose cases are simulated");
    // The store's libraries are in bursar-full: this is the static `bursar`.
    if (StoreYearLoaderHook() == nullptr) return kRunInFullProgram;
  } else {
    if (!store_year_given.empty()) return Usage("--year goes with --db; a population file's years are chosen with --years");
    if (HasFlag(store, "--also-policy") || HasFlag(store, "--programme")) {
      return Usage("--also-policy and --programme go with --db: the programmes of a store");
    }
    if (population_path.empty()) return Usage("no population file given (or --db URL --year YEAR for the store's cases)");
  }
  if (json && csv) return Usage("--json and --csv exclude each other");

  Programmes programmes;
  if (!LoadProgrammes(store, "simulate", &programmes)) return kExitUsage;
  std::string programme;  // as the store names it: "" for the own
  const Engine* engine = programmes.Chosen(store, "simulate", &programme);
  if (engine == nullptr) return kExitUsage;
  phase("policy");
  const CheckedPolicy& cp = engine->policy();
  if (have_budget) {
    if (!cp.policy.budget.present) return Usage("the policy has no budget rule (D-G6), so --budget has nothing to set");
    options.changes.push_back({cp.policy.budget.param, budget});
  }
  // Bad --set names and values before reading a large file or store.
  if (auto resolved = simulation::ResolveOverrides(cp, options.changes); !resolved.ok()) {
    std::fprintf(stderr, "bursar simulate: %s\n", resolved.status().ToString().c_str());
    return kExitUsage;
  }
  population::LoadedPopulation population;
  simulation::ReportSource source{.population = population_path};
  int64_t refused = 0;
  if (from_store) {
    auto year = StoreYearLoaderHook()(store.db, options.first_year, programmes, programme);
    if (!year.ok()) return ReportStatus(year.status());  // as the other store commands report the store's failures
    for (const auto& r : year->refused) {
      std::fprintf(stderr, "bursar simulate: %s: %s (not simulated)\n", r.credit_code.c_str(),
                   r.status.ToString().c_str());
    }
    refused = static_cast<int64_t>(year->refused.size());
    if (year->columns.size() == 0) {
      return Usage("--year " + store_year_given + ": the store holds no case of " + store_year_given +
                   (programme.empty() ? std::string(" (no enterprise)")
                                      : " (programme " + programme + ": no figures or applications of the year)"));
    }
    source = {.population = "", .store_year = options.first_year, .refused = refused};
    population.years.push_back({.columns = std::move(year->columns), .line = {}});
    phase("store");
  } else {
    auto loaded = population::LoadColumns(cp, population_path, {.last_year = options.last_year});
    if (!loaded.ok()) {
      std::fprintf(stderr, "bursar simulate: %s\n", loaded.status().ToString().c_str());
      return kExitUsage;
    }
    population = std::move(*loaded);
    phase("load");
  }
  options.case_rows = csv;
  auto report = simulation::Simulate(engine->shared_policy(), population, options);
  if (!report.ok()) {
    std::fprintf(stderr, "bursar simulate: %s\n", report.status().ToString().c_str());
    return report.status().code() == StatusCode::kOutOfRange ? kExitFailed : kExitUsage;
  }
  phase("simulate");
  std::string text;
  if (json) {
    text = simulation::ReportToJson(*report, source).dump(2);
    text += '\n';
  } else if (csv) {
    simulation::AppendReportCsv(*report, &text);
  } else {
    simulation::AppendReportTable(*report, source, &text);
  }
  std::FILE* out = stdout;
  if (!out_path.empty()) {
    out = std::fopen(out_path.c_str(), "wb");
    if (!out) {
      std::fprintf(stderr, "bursar simulate: cannot write '%s'\n", out_path.c_str());
      return kExitUsage;
    }
  }
  bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
  if (out != stdout) written &= std::fclose(out) == 0;
  if (!written) {
    std::fprintf(stderr, "bursar simulate: write error\n");
    return kExitFailed;
  }
  phase("output");
  return refused == 0 ? kExitOk : kExitFailed;
}

}  // namespace

BURSAR_COMMAND("simulate", "simulate a population or a year of the store under the policy and a changed policy",
               RunSimulate);

// Set by simulate_store.cc in bursar-full; null in the static `bursar`.
StoreYearLoader& StoreYearLoaderHook() {
  static StoreYearLoader hook = nullptr;
  return hook;
}

}  // namespace bursar::cli
