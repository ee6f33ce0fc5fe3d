// Fuzz target: the case reader (src/case/case_reader.cc) and the evaluator,
// through the engine's text entry point, against the Chaoyang policy.
//
// Input: a case as JSON text. Seeds: every case file of the policy's tests/,
// the CASES.md example.
//
// Invariants besides "no crash, no sanitizer report":
//  - a refusal is InvalidArgument with a message (the case contract), never
//    another code;
//  - a decision is JSON that parses, and deciding the same text again gives
//    the same bytes (the engine is deterministic).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "eval/engine.h"
#include "fuzz/fuzz_support.h"

namespace {

const bursar::Engine& TheEngine() {
  static const std::shared_ptr<const bursar::Engine> engine = [] {
    auto loaded = bursar::Engine::Load(bursar_fuzz::PolicyDir());
    if (!loaded.ok()) bursar_fuzz::Broken("the Chaoyang policy does not load: " + loaded.status().message());
    return *loaded;
  }();
  return *engine;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return -1;
  std::string text(reinterpret_cast<const char*>(data), size);
  bursar::EvaluateOptions options;
  options.explain = size > 0 && (data[0] & 1);  // both shapes of the answer
  auto decided = TheEngine().EvaluateText(text, options);
  if (!decided.ok()) {
    if (decided.status().code() != bursar::StatusCode::kInvalidArgument) {
      bursar_fuzz::Broken("a case refused with a code other than InvalidArgument: " + decided.status().message());
    }
    if (decided.status().message().empty()) bursar_fuzz::Broken("a refusal without a message");
    return 0;
  }
  if (nlohmann::json::parse(*decided, nullptr, false).is_discarded()) bursar_fuzz::Broken("a decision that is not JSON");
  auto again = TheEngine().EvaluateText(text, options);
  if (!again.ok() || *again != *decided) bursar_fuzz::Broken("two decisions of one case differ");
  return 0;
}
