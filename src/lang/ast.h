// The syntax tree of a policy, as the parser builds it and the checker
// annotates it (types, resolved names). Docs: docs/policy-language.md.
//
// Invariants after a successful check:
//   - every Expr has a type other than kUnknown;
//   - every Name refers to exactly one declaration (ref_kind/ref_index);
//   - every cited label exists in the policy's text.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lang/source.h"
#include "money/exact.h"

namespace bursar {

enum class TypeKind { kUnknown, kMoney, kRate, kCount, kFlag, kYear, kDate, kEnum, kText };

struct Type {
  TypeKind kind = TypeKind::kUnknown;
  int enum_id = -1;       // for kEnum: index into Policy::enums
  bool optional = false;  // may be `none`
  bool operator==(const Type& o) const { return kind == o.kind && enum_id == o.enum_id; }
};

struct EnumDef {
  std::vector<std::string> values;
};

// A literal value of any type. Money and rates are exact; `none` has is_none.
struct Literal {
  TypeKind kind = TypeKind::kUnknown;
  Exact number;           // money (yuan), rate (fraction), count, year
  bool flag = false;
  std::string symbol;     // enum value name (before resolution), text, date "YYYY-MM-DD"
  bool is_none = false;
};

enum class ExprKind { kLiteral, kName, kTagged, kUnary, kBinary, kCall, kIf, kIn, kIsNone };
enum class Op { kAdd, kSub, kMul, kDiv, kLt, kLe, kGt, kGe, kEq, kNe, kAnd, kOr, kNot, kNeg };

// What a Name resolves to.
enum class RefKind { kNone, kParam, kFact, kApplicant, kClaimField, kYear, kEnumValue };

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  Location where;
  Type type;                 // set by the checker
  Literal literal;           // kLiteral
  std::string name;          // kName, kTagged (tag), kCall (function)
  Op op = Op::kAdd;          // kUnary, kBinary
  std::vector<std::unique_ptr<Expr>> args;  // operands / call args / if: cond, then, else / in: subject
  std::vector<std::string> choices;         // kIn: enum value names
  std::vector<Location> choice_where;
  RefKind ref_kind = RefKind::kNone;        // kName after checking
  int ref_index = -1;
  std::vector<int> choice_indices;          // kIn after checking
};
using ExprPtr = std::unique_ptr<Expr>;

struct Citation {
  std::string label;  // "[04.2]" or "D-04a"
  Location where;
};

struct TypeSyntax {
  std::string name;                // money, rate, count, flag, year, date, text, or "one of"
  std::vector<std::string> values; // for one of (...)
  bool optional = false;           // trailing `?` or `or none`
  Location where;
};

struct EffectiveValue {
  std::optional<std::string> from;  // "YYYY-MM-DD"; nullopt for the undated value
  Location from_where;
  ExprPtr value;                    // a literal expression
};

struct ParamDecl {
  std::string name;
  Location where;
  TypeSyntax type_syntax;
  Type type;
  std::vector<EffectiveValue> values;  // in source order; checked strictly increasing
  std::vector<Citation> cites;
  std::string description;
  std::string description_zh;  // `zh "..."` after the description: the Chinese label
};

// fact, applicant field and claim field declarations share this shape.
struct FieldDecl {
  std::string name;
  Location where;
  TypeSyntax type_syntax;
  Type type;
  std::string noun;  // "listed data products": how the value reads in a reason
  std::string noun_zh;  // its Chinese label (`zh "..."`)
};

struct TagDecl {
  std::string name;
  Location where;
  std::string description;
  std::string description_zh;
};

// A `{name}` in a reason's text: the span [begin, end) of the braces and the
// name, resolved by the checker like any name in a formula.
struct TemplateHole {
  size_t begin = 0, end = 0;
  ExprPtr name;
};

// A condition with an optional text shown when it fails.
struct Condition {
  ExprPtr expr;
  std::string otherwise;  // "" → rendered from the expression
  Location otherwise_where;
  std::vector<TemplateHole> otherwise_holes;  // set by the checker
  std::string otherwise_zh;  // the reason in Chinese (`zh "..."`), "" when not given
  bool describes_award = false;  // `when` (true) vs `require` (false)
  Location where;
  // Earlier conditions of the same rule that prove a value of this one is
  // not none: when one of them fails, this one is not read (set by the checker).
  std::vector<int> relies_on;
};

enum class CapScope { kYear, kClaim, kProject, kPeriod };
enum class OnceScope { kEnterprise, kYear, kProject };

struct CapRule {
  ExprPtr limit;
  CapScope scope = CapScope::kYear;
  std::vector<Citation> cites;
  Location where;
};

struct ItemDecl {
  std::string name;
  Location where;
  std::string title;
  std::string title_zh;
  bool by_claim = false;  // `by claim` vs `from facts`
  Location mode_where;
  std::vector<Citation> cites;
  std::vector<Condition> conditions;
  ExprPtr amount;
  std::string why;  // template with {name} holes; "" → rendered
  std::string why_zh;  // the same in Chinese (`zh "..."`), "" when not given
  Location why_where;
  std::vector<TemplateHole> why_holes;  // set by the checker
  bool amount_written = false;  // an `amount` statement was seen, even one that did not parse
  std::vector<CapRule> caps;
  // `once per X`: X is enterprise/year/project, or the name of an enum
  // parameter whose value is one of those.
  std::string once;
  Location once_where;
  ExprPtr period_years;       // `period N years from first award`
  ExprPtr consecutive_limit;  // `limit N consecutive years`
  // Filled by the checker:
  int measure_index = -1;
  std::vector<std::string> required_claim_fields;
};

struct GroupCap {
  std::vector<std::string> items;
  std::vector<Location> item_where;
  ExprPtr limit;
  std::vector<Citation> cites;
  Location where;
  std::vector<int> item_indices;  // within the measure, set by the checker
};

struct MeasureDecl {
  std::string id;  // "04"
  Location where;
  std::string title;
  std::string title_zh;
  std::vector<ItemDecl> items;
  std::vector<GroupCap> group_caps;
};

// The general rules every award passes through, each bound to a parameter.
struct GeneralRule {
  std::string param;  // the parameter that configures it
  Location where;
  std::vector<Citation> cites;
  bool present = false;
};

struct Policy {
  std::string id;
  std::string version;
  std::string title;
  std::string title_zh;
  Location where;
  std::vector<EnumDef> enums;
  std::vector<ParamDecl> params;
  std::vector<FieldDecl> facts;
  std::vector<FieldDecl> applicant_fields;
  std::vector<FieldDecl> claim_fields;
  std::vector<TagDecl> tags;
  std::vector<Condition> eligibility;
  std::vector<Citation> eligibility_cites;
  std::vector<MeasureDecl> measures;
  // rounding <mode-param> to <unit-param>
  GeneralRule rounding_mode, rounding_unit;
  GeneralRule exclusivity;        // D-G3: `one project one measure when <flag-param>`
  GeneralRule external_support;   // D-G4: `external support by <enum-param>`
  GeneralRule budget, budget_rule;  // D-G6: `budget <money-param> scaled by <enum-param>`
  // Labels the prose defines: "[04.2]" → where, "D-04a" → where.
  std::vector<std::pair<std::string, Location>> clause_labels;
  std::vector<std::pair<std::string, Location>> decision_labels;
  // The clause text beside each label, for the policy view.
  std::vector<std::pair<std::string, std::string>> clause_texts;
  // The Chinese text of a clause: a paragraph opening with 【04.2】. When it
  // opens with （参考译文） it is a reference translation, not the published text.
  struct ClauseZh {
    std::string label;  // "[04.2]"
    std::string text;
    bool reference = false;
    Location where;
  };
  std::vector<ClauseZh> clause_texts_zh;
};

const char* TypeKindName(TypeKind kind);
// True for "YYYY-MM-DD" naming a day of the (proleptic Gregorian) calendar.
bool IsCalendarDate(const std::string& text);
// How an operator is written: "+", "<=", "and".
const char* OpSymbol(Op op);

}  // namespace bursar
