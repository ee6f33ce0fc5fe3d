// The engine's public face: load a policy folder once, then decide cases.
//
// This is the only header the store, the server and the CLI need from the
// engine. A case and a decision are JSON in exactly the shape of CASES.md
// (docs/case-format.md).
//
// Thread-safety: a loaded Engine is immutable; Evaluate may be called from
// many threads at once.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace bursar {

struct CheckedPolicy;  // lang/checked_policy.h

// One --set NAME=VALUE override, value in the policy language's literal syntax
// ("4%", "RMB 2,000,000", "2000000", "true", "per_year").
struct ParameterOverride {
  std::string name;
  std::string value;
};

struct EvaluateOptions {
  bool explain = false;  // add "trace" to the decision
};

class Engine {
 public:
  // Reads, checks and compiles the policy folder. Policy mistakes come back as
  // one InvalidArgument status whose message lists every diagnostic.
  static Result<std::shared_ptr<const Engine>> Load(const std::string& policy_dir,
                                                    const std::vector<ParameterOverride>& overrides = {});

  // Decides one case. An input that breaks the case contract is an
  // InvalidArgument status naming the field path; no decision is produced.
  Result<nlohmann::ordered_json> Evaluate(const nlohmann::json& case_json,
                                          const EvaluateOptions& options = {}) const;
  // Same, from and to text; the output is the canonical byte-identical form
  // (two-space indented JSON and a final newline).
  Result<std::string> EvaluateText(const std::string& case_text, const EvaluateOptions& options = {}) const;

  const std::string& policy_id() const;
  const std::string& policy_version() const;
  const std::string& digest() const;  // "sha256:<hex>" over the policy's files
  const CheckedPolicy& policy() const { return *policy_; }
  std::shared_ptr<const CheckedPolicy> shared_policy() const { return policy_; }

  explicit Engine(std::shared_ptr<const CheckedPolicy> policy) : policy_(std::move(policy)) {}

 private:
  std::shared_ptr<const CheckedPolicy> policy_;
};

}  // namespace bursar
