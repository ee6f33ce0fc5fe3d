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

// A cap of the policy, flattened by the checker: which lines it holds over
// and when it is applied. The counting itself is eval/limits.h.
enum class LimitStage {
  kLine,   // `per claim`: the line alone, right after its amount
  kItem,   // one item's cap over a scope and span, before D-G4 and D-G3
  kTotal,  // a total over several items or measures, after D-G4 and D-G3
};

struct LimitDecl {
  LimitStage stage = LimitStage::kItem;
  LimitScope scope = LimitScope::kEnterprise;
  LimitSpan span = LimitSpan::kYear;
  std::vector<int> items;        // global item indices it covers, in fill order
  const Expr* value = nullptr;   // the limit (money)
  const Expr* only_if = nullptr; // `if COND` of a per-claim cap
  std::vector<Citation> cites;
  std::string written;           // "per year", "per project", ...
  std::string items_text;        // a total: "milestone + trading + filing", "measures 01, 02", "all measures"
  std::string items_text_zh;     // the same in Chinese: "里程碑奖励、交易补贴", "措施01、02", "全部措施"
  Location where;
  bool per_line = false;         // the value or condition reads a claim's fields or the year's facts (per claim only)
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
  int assessed_field = -1, external_support_field = -1, project_field = -1, solution_field = -1;

  // Every item of the policy, by global index (measure order, then item order).
  struct ItemRef {
    int measure = -1, item = -1;
  };
  std::vector<ItemRef> items;
  std::vector<int> item_base;  // per measure: the global index of its first item
  // Every cap, in the order it is applied: per-claim caps, then each item's
  // caps (measure, item, statement order), then totals (measure order, then
  // the policy-wide ones).
  std::vector<LimitDecl> limits;
  std::vector<std::vector<int>> limits_of_item;  // global item → the limits covering it, in order
  // Every `draw` of the policy, by global draw index (item order, then statement order).
  struct DrawRef {
    int item = -1;   // global item index
    int index = -1;  // within ItemDecl::draws
  };
  std::vector<DrawRef> draws;
  const DrawDecl& Draw(int global) const {
    const DrawRef& r = draws[static_cast<size_t>(global)];
    return Item(r.item).draws[static_cast<size_t>(r.index)];
  }

  // --set overrides: parameter index → value.
  std::vector<std::pair<int, Value>> overrides;

  const ParamDecl* FindParam(const std::string& name) const;
  const MeasureDecl* FindMeasure(const std::string& id) const;
  int FindItem(const MeasureDecl& m, const std::string& name) const;  // -1 if absent
  const ItemDecl& Item(int global) const {
    const ItemRef& r = items[static_cast<size_t>(global)];
    return policy.measures[static_cast<size_t>(r.measure)].items[static_cast<size_t>(r.item)];
  }
};

// Resolves names, assigns types, verifies citations and rules. Reports every
// mistake found to *diags. REQUIRES: `checked->policy` parsed from `checked->sources`.
void CheckPolicy(CheckedPolicy* checked, Diagnostics* diags);

}  // namespace bursar
