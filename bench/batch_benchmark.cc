// Google Benchmark micro-benchmarks of the evaluators.
//
//   make bench            (runs build/bench_batch)
//
// BM_SingleCase:     one case, the shipped policy, the single-case evaluator.
// BM_EvaluateText:   the CASES.md example, text to text (the HTTP endpoint's path).
// BM_BatchChaoyang:  the shipped policy over N enterprise-years of a generated
//                    population whose third year carries two years of history
//                    made by the batch evaluator itself (N = 100k, 1M).
// BM_Compile:        compiling the checked policy into a batch program.
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <map>
#include <memory>

#include "case/case.h"
#include "eval/batch.h"
#include "eval/engine.h"
#include "population/generator.h"

namespace bursar {
namespace {

const char* kPolicy = BURSAR_SOURCE_DIR "/policies/chaoyang-data-element";

std::shared_ptr<const Engine> LoadEngine() {
  static std::shared_ptr<const Engine> engine = *Engine::Load(kPolicy);
  return engine;
}

// Year `years-1` of a population, with the history the batch evaluator made
// for the years before it.
const CaseColumns& Population(int64_t enterprises, int years) {
  static std::map<int64_t, std::unique_ptr<CaseColumns>> cache;
  auto& slot = cache[enterprises];
  if (slot) return *slot;
  auto engine = LoadEngine();
  const CheckedPolicy& cp = engine->policy();
  population::PopulationSpec spec;
  spec.seed = 42;
  spec.enterprises = enterprises;
  spec.years = years;
  population::PopulationGenerator gen(spec);
  std::vector<std::vector<HistoryEntry>> history(static_cast<size_t>(enterprises));
  for (int y = 0; y < years; ++y) {
    auto columns = std::make_unique<CaseColumns>();
    columns->Reset(cp, spec.first_year + y);
    for (int64_t e = 0; e < enterprises; ++e) {
      population::Case pc;
      gen.Generate(e, y, &pc);
      auto c = ReadCase(cp, nlohmann::json::parse(population::ToJson(pc).dump()));
      c->history = history[static_cast<size_t>(e)];
      columns->Append(cp, *c);
    }
    if (y + 1 == years) {
      slot = std::move(columns);
      break;
    }
    auto program = BatchProgram::Compile(engine->shared_policy(), *ParameterValues(cp, columns->year));
    BatchResult result;
    (void)(*program)->Run(*columns, &result);
    for (const BatchAward& a : result.awards) {
      HistoryEntry h;
      h.year = columns->year;
      h.measure = a.measure;
      h.item = a.item;
      h.amount = Exact::Fen(a.amount_fen);
      history[a.case_row].push_back(h);
    }
  }
  return *slot;
}

void BM_BatchChaoyang(benchmark::State& state) {
  const CaseColumns& columns = Population(state.range(0), 3);
  auto engine = LoadEngine();
  auto program = BatchProgram::Compile(engine->shared_policy(), *ParameterValues(engine->policy(), columns.year));
  BatchResult result;
  for (auto _ : state) {
    Status st = (*program)->Run(columns, &result);
    benchmark::DoNotOptimize(result.total_fen.data());
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(columns.size()));
  state.counters["history_rows"] = static_cast<double>(columns.history_case.size());
  state.counters["claims"] = static_cast<double>(columns.claim_case.size());
}
BENCHMARK(BM_BatchChaoyang)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

void BM_SingleCase(benchmark::State& state) {
  auto engine = LoadEngine();
  population::PopulationSpec spec;
  spec.seed = 42;
  spec.enterprises = 64;
  population::PopulationGenerator gen(spec);
  std::vector<nlohmann::json> cases;
  for (int64_t e = 0; e < 64; ++e) {
    population::Case pc;
    gen.Generate(e, 0, &pc);
    cases.push_back(nlohmann::json::parse(population::ToJson(pc).dump()));
  }
  size_t i = 0;
  for (auto _ : state) {
    auto d = engine->Evaluate(cases[i++ % cases.size()]);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SingleCase);

// The evaluation endpoint's path: the CASES.md example as text in, the
// decision as text out (parse, read the case, decide, write).
void BM_EvaluateText(benchmark::State& state) {
  auto engine = LoadEngine();
  std::ifstream in(BURSAR_SOURCE_DIR "/examples/cases-md-example.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (auto _ : state) {
    auto d = engine->EvaluateText(text);
    if (!d.ok()) state.SkipWithError(d.status().message().c_str());
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EvaluateText);

void BM_Compile(benchmark::State& state) {
  auto engine = LoadEngine();
  auto params = *ParameterValues(engine->policy(), 2025);
  for (auto _ : state) {
    auto program = BatchProgram::Compile(engine->shared_policy(), params);
    benchmark::DoNotOptimize(program);
  }
}
BENCHMARK(BM_Compile);

}  // namespace
}  // namespace bursar

BENCHMARK_MAIN();
