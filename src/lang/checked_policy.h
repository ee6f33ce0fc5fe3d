// A policy that has passed the checker: its sources, its annotated syntax
// tree and the facts about it the evaluator needs. Immutable once built.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lang/ast.h"
#include "lang/diagnostic.h"

namespace bursar {

// One typed value of a fact, claim field or parameter.
struct Value {
  TypeKind kind = TypeKind::kUnknown;
  bool none = false;  // an optional value that is absent
  Exact number;       // money in yuan, rate as a fraction, count, year
  bool flag = false;
  int choice = -1;    // enum value index
  int enum_id = -1;   // which enumeration (Policy::enums) for kEnum
  std::string text;   // text values (project ids)
};

struct CheckedPolicy {
  SourceSet sources;
  Policy policy;
  std::string digest;  // "sha256:<hex>" over every file of the folder
  std::map<std::string, int> param_index;
  std::map<std::string, int> fact_index;
  std::map<std::string, int> applicant_index;
  std::map<std::string, int> claim_field_index;
  std::map<std::string, int> tag_index;
  std::map<std::string, int> measure_index;  // "04" → index
  // Built-in claim fields (always declared by the checker if the policy does not).
  int assessed_field = -1, external_support_field = -1, project_field = -1;

  // --set overrides: parameter index → value.
  std::vector<std::pair<int, Value>> overrides;

  const ParamDecl* FindParam(const std::string& name) const;
  const MeasureDecl* FindMeasure(const std::string& id) const;
  int FindItem(const MeasureDecl& m, const std::string& name) const;  // -1 if absent
};

// Resolves names, assigns types, verifies citations and rules. Reports every
// mistake found to *diags. REQUIRES: `checked->policy` parsed from `checked->sources`.
void CheckPolicy(CheckedPolicy* checked, Diagnostics* diags);

}  // namespace bursar
