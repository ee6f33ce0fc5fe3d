// Fuzz target: the policy language (lexer, parser, checker; src/lang) and,
// when the text checks, the evaluator on the CASES.md example case.
//
// Input: the text of one policy file (Markdown with ```bursar blocks). The
// seed corpus holds the Chaoyang policy's files, each alone and all in one,
// the diagnostics baselines and the language document's examples.
//
// Invariants besides "no crash, no sanitizer report":
//  - a policy is produced exactly when there is no error diagnostic, and the
//    formatted diagnostics are non-empty when there is one;
//  - loading the same text twice gives the same digest and the same messages;
//  - a policy that checks decides the example case or refuses it with a
//    status, never throws.
#include <cstddef>
#include <cstdint>
#include <string>

#include "eval/engine.h"
#include "fuzz/fuzz_support.h"
#include "lang/loader.h"

namespace {

const std::string& ExampleCase() {
  static const std::string text = bursar_fuzz::ReadFile(bursar_fuzz::SourceDir() + "/examples/cases-md-example.json");
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return -1;  // policies are a few tens of KB; longer inputs only slow the search
  std::string text(reinterpret_cast<const char*>(data), size);
  bursar::LoadResult first = bursar::LoadPolicyText({{"policy.md", "policy.md", text}});
  const bool has_errors = first.diagnostics.has_errors();
  if (has_errors == (first.policy != nullptr)) bursar_fuzz::Broken("a policy with errors, or none without");
  if (has_errors && first.formatted.empty()) bursar_fuzz::Broken("errors without a message");
  bursar::LoadResult second = bursar::LoadPolicyText({{"policy.md", "policy.md", text}});
  if (second.formatted != first.formatted) bursar_fuzz::Broken("two loads of one text disagree");
  if (first.policy) {
    if (first.policy->digest != second.policy->digest) bursar_fuzz::Broken("two digests of one text");
    bursar::Engine engine(first.policy);
    bursar::EvaluateOptions options;
    options.explain = true;
    auto decided = engine.EvaluateText(ExampleCase(), options);
    if (decided.ok() && decided->empty()) bursar_fuzz::Broken("an empty decision");
  }
  return 0;
}
