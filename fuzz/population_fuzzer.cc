// Fuzz target: the population readers (src/population): the streaming
// PopulationReader (CSV and JSON Lines) and the fast path straight into batch
// columns (both formats) against the reference path.
//
// Input: the first byte picks the format (even: CSV, odd: JSON Lines); the
// rest is the file. Seeds: small generated populations in both formats.
//
// Invariants besides "no crash, no sanitizer report":
//  - an error names the file and a line ("pop.csv:17: ...");
//  - LoadColumns (fast path allowed) and LoadColumnsByReader (reference path)
//    agree: both fail with the same message, or both succeed with the same
//    columns, cell for cell (docs: "two paths, one answer").
#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "eval/engine.h"
#include "fuzz/fuzz_support.h"
#include "population/columns.h"
#include "population/reader.h"

namespace {

const bursar::Engine& TheEngine() {
  static const std::shared_ptr<const bursar::Engine> engine = [] {
    auto loaded = bursar::Engine::Load(bursar_fuzz::PolicyDir());
    if (!loaded.ok()) bursar_fuzz::Broken("the Chaoyang policy does not load: " + loaded.status().message());
    return *loaded;
  }();
  return *engine;
}

template <typename T>
std::vector<T> Padded(std::vector<T> column, size_t rows) {
  column.resize(rows, -1);
  return column;
}

// The first column in which the two loaders' years differ, or "".
std::string DifferentColumn(const bursar::CaseColumns& a, const bursar::CaseColumns& b) {
  if (a.year != b.year) return "year";
  if (a.applicant_id != b.applicant_id) return "applicant_id";
  if (a.applicant != b.applicant) return "applicant";
  if (a.tags != b.tags) return "tags";
  if (a.facts != b.facts) return "facts";
  if (a.claim_case != b.claim_case || a.claim_index != b.claim_index) return "claim_case";
  if (a.claim_measure != b.claim_measure || a.claim_item != b.claim_item) return "claim_measure";
  if (a.claim_fields != b.claim_fields) return "claim_fields";
  if (a.claim_project != b.claim_project) return "claim_project";
  if (Padded(a.claim_solution, a.claim_case.size()) != Padded(b.claim_solution, b.claim_case.size())) {
    return "claim_solution";
  }
  if (a.history_case != b.history_case || a.history_year != b.history_year) return "history_case";
  if (a.history_measure != b.history_measure || a.history_item != b.history_item) return "history_measure";
  if (a.history_amount != b.history_amount) return "history_amount";
  if (a.history_project != b.history_project) return "history_project";
  if (Padded(a.history_solution, a.history_case.size()) != Padded(b.history_solution, b.history_case.size())) {
    return "history_solution";
  }
  if (Padded(a.history_condition, a.history_case.size()) != Padded(b.history_condition, b.history_case.size())) {
    return "history_condition";
  }
  if (a.projects != b.projects) return "projects";
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 128 * 1024) return -1;
  using bursar::population::PopulationFormat;
  const bool csv = (data[0] & 1) == 0;
  const std::string name = csv ? "pop.csv" : "pop.jsonl";
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);

  std::istringstream in(text);
  auto reader = bursar::population::PopulationReader::FromStream(
      &in, csv ? PopulationFormat::kCsv : PopulationFormat::kJsonLines, name);
  if (reader.ok()) {
    bursar::population::PopulationRecord record;
    int64_t last_line = 0;
    while ((*reader)->Next(&record)) {
      if (record.line <= 0) bursar_fuzz::Broken("a record without a line number");
      if (record.line < last_line) bursar_fuzz::Broken("records out of file order");
      last_line = record.line;
    }
    const bursar::Status& status = (*reader)->status();
    if (!status.ok() && status.message().rfind(name + ":", 0) != 0) {
      bursar_fuzz::Broken("a reader error that does not name the file: " + status.message());
    }
  }

  // Both column loaders read from a path.
  const auto path = bursar_fuzz::ScratchDir() / name;
  bursar_fuzz::WriteFile(path, text.data(), text.size());
  const bursar::CheckedPolicy& policy = TheEngine().policy();
  bursar::population::ColumnsOptions options;
  options.split_above_bytes = 4096;  // small inputs take the two-thread split too
  auto fast = bursar::population::LoadColumns(policy, path.string(), options);
  auto reference = bursar::population::LoadColumnsByReader(policy, path.string());
  if (fast.ok() != reference.ok()) {
    bursar_fuzz::Broken("fast and reference column loaders disagree: " +
                        (fast.ok() ? reference.status().message() : fast.status().message()));
  }
  if (fast.ok()) {
    if (fast->years.size() != reference->years.size()) bursar_fuzz::Broken("the loaders disagree on years");
    for (size_t y = 0; y < fast->years.size(); ++y) {
      if (fast->years[y].line != reference->years[y].line) bursar_fuzz::Broken("the loaders disagree on lines");
      const std::string differs = DifferentColumn(fast->years[y].columns, reference->years[y].columns);
      if (!differs.empty()) bursar_fuzz::Broken("the loaders disagree on " + differs);
    }
  } else if (fast.status().message() != reference.status().message()) {
    bursar_fuzz::Broken("the loaders give different errors: '" + fast.status().message() + "' vs '" +
                        reference.status().message() + "'");
  }
  return 0;
}
