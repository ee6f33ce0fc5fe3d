// bursar bench-ref: the batch evaluator on the peer benchmark's reference rule
// (bench/reference.md), over the records of the harness's population.csv.
// Times evaluation only, data in memory, one core, like the peers.
#include <algorithm>
#include <optional>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/command.h"
#include "cli/options.h"
#include "eval/batch.h"
#include "eval/engine.h"
#include "money/exact.h"

namespace bursar::cli {
namespace {

constexpr const char* kHelp =
    "usage: bursar bench-ref [--policy DIR] [--runs R] [--passes P] [--checksum FEN] POPULATION.csv\n\n"
    "Loads the reference-rule records (the peer harness's population.csv: one\n"
    "column per fact, money in yuan) into columns, compiles the policy once\n"
    "(default bench/reference) and times R runs (default 5), each of P batch\n"
    "evaluations of every record (default: about 50 million records a run, as\n"
    "the hand-written loop of the harness times many passes a run).\n"
    "Prints 'median N rec/s' and, with --checksum (the sum of all totals in fen),\n"
    "'match=y' or 'match=n'. Exit 0 on a match (or without --checksum), 1 otherwise.\n";

// "1234.56" or "1234" → fen; false on anything else.
bool ParseFen(const std::string& s, int64_t* out) {
  const std::optional<int64_t> fen = FastMoneyStringToFen(s);
  if (fen) *out = *fen;
  return fen.has_value();
}

int RunBenchRef(const std::vector<std::string>& args) {
  if (HasHelp(args)) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  std::string policy_dir = "bench/reference", path;
  int runs = 5;
  long passes = 0;
  std::optional<int64_t> checksum;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool has_value = i + 1 < args.size();
    if (a == "--policy" && has_value) {
      policy_dir = args[++i];
    } else if (a == "--runs" && has_value) {
      runs = std::max(1, std::atoi(args[++i].c_str()));
    } else if (a == "--passes" && has_value) {
      passes = std::max(1L, std::atol(args[++i].c_str()));
    } else if (a == "--checksum" && has_value) {
      checksum = std::stoll(args[++i]);
    } else if (a.rfind("-", 0) == 0 || !path.empty()) {
      std::fprintf(stderr, "bursar bench-ref: unexpected '%s'\n\n%s", a.c_str(), kHelp);
      return kExitUsage;
    } else {
      path = a;
    }
  }
  if (path.empty()) {
    std::fprintf(stderr, "bursar bench-ref: no population file\n\n%s", kHelp);
    return kExitUsage;
  }
  auto engine = Engine::Load(policy_dir);
  if (!engine.ok()) {
    std::fprintf(stderr, "bursar bench-ref: %s\n", engine.status().ToString().c_str());
    return kExitUsage;
  }
  const CheckedPolicy& cp = (*engine)->policy();
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "bursar bench-ref: cannot read '%s'\n", path.c_str());
    return kExitUsage;
  }
  CaseColumns columns;
  columns.Reset(cp, 2025);
  std::string line;
  std::getline(in, line);
  std::vector<int> column_fact;  // CSV column → fact index, -1 to skip
  {
    std::stringstream header(line);
    std::string name;
    while (std::getline(header, name, ',')) {
      auto it = cp.fact_index.find(name);
      column_fact.push_back(it == cp.fact_index.end() ? -1 : it->second);
    }
  }
  size_t line_no = 1;
  std::string cell;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    size_t start = 0;
    for (size_t col = 0; col < column_fact.size(); ++col) {
      size_t end = line.find(',', start);
      if (end == std::string::npos) end = line.size();
      int f = column_fact[col];
      if (f >= 0) {
        cell.assign(line, start, end - start);
        TypeKind kind = cp.policy.facts[static_cast<size_t>(f)].type.kind;
        int64_t v = 0;
        bool ok = true;
        if (kind == TypeKind::kFlag) {
          ok = cell == "true" || cell == "false";
          v = cell == "true";
        } else if (kind == TypeKind::kMoney) {
          ok = ParseFen(cell, &v);
        } else {
          ok = ParseFen(cell, &v) && v % 100 == 0;
          v /= 100;
        }
        if (!ok) {
          std::fprintf(stderr, "bursar bench-ref: %s:%zu: %s: cannot read '%s'\n", path.c_str(), line_no,
                       cp.policy.facts[static_cast<size_t>(f)].name.c_str(), cell.c_str());
          return kExitUsage;
        }
        columns.facts[static_cast<size_t>(f)].push_back(v);
      }
      start = end + 1;
    }
    columns.applicant_id.emplace_back();
    columns.tags.push_back(0);
  }
  auto params = ParameterValues(cp, columns.year);
  if (!params.ok()) return kExitUsage;
  auto program = BatchProgram::Compile((*engine)->shared_policy(), *params);
  if (!program.ok()) {
    std::fprintf(stderr, "bursar bench-ref: %s\n", program.status().ToString().c_str());
    return kExitUsage;
  }
  BatchResult result;
  // One untimed run first, as the peers set up before timing: it sizes the
  // result's buffers, which later runs reuse.
  {
    RunOptions warm;
    warm.awards = false;
    (void)(*program)->Run(columns, &result, warm);
  }
  if (passes == 0) passes = std::max<long>(1, 50000000L / std::max<long>(1, static_cast<long>(columns.size())));
  std::vector<int64_t> rates;
  for (int r = 0; r < runs; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    RunOptions options;
    options.awards = false;
    for (long p = 0; p < passes; ++p) {
      Status st = (*program)->Run(columns, &result, options);
      if (!st.ok()) {
        std::fprintf(stderr, "bursar bench-ref: %s\n", st.ToString().c_str());
        return kExitFailed;
      }
    }
    auto t1 = std::chrono::steady_clock::now();
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    rates.push_back(static_cast<int64_t>(static_cast<__int128>(columns.size()) * passes * 1000000000 /
                                         std::max<int64_t>(ns, 1)));
  }
  std::sort(rates.begin(), rates.end());
  int64_t sum = 0;
  for (int64_t t : result.total_fen) sum += t;
  bool match = !checksum || *checksum == sum;
  std::printf("bursar batch: %zu records, passes/run=%ld, median %lld rec/s (runs:", columns.size(), passes,
              static_cast<long long>(rates[rates.size() / 2]));
  for (int64_t r : rates) std::printf(" %lld", static_cast<long long>(r));
  std::printf(") checksum %lld match=%s\n", static_cast<long long>(sum), checksum ? (match ? "y" : "n") : "-");
  return match ? kExitOk : kExitFailed;
}

}  // namespace

BURSAR_COMMAND("bench-ref", "time the batch evaluator on the peer benchmark's reference rule", RunBenchRef);

}  // namespace bursar::cli
