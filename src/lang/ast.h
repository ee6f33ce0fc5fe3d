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

// kQuantity: a decimal number in units the policy declares (square metres,
// days), such as an area of 1,234.5 square metres.
enum class TypeKind { kUnknown, kMoney, kRate, kCount, kFlag, kYear, kDate, kEnum, kText, kQuantity };

// Units of a value: (unit index into Policy::units, exponent), sorted by unit,
// no zero exponents. A money parameter `money per square_metre per day` has
// {(m2, -1), (day, -1)}; an area {(m2, 1)}; money, rates and counts none.
using Units = std::vector<std::pair<int, int>>;

struct Type {
  TypeKind kind = TypeKind::kUnknown;
  int enum_id = -1;       // for kEnum: index into Policy::enums
  bool optional = false;  // may be `none`
  Units units{};  // none: money, a rate, a count
  bool operator==(const Type& o) const { return kind == o.kind && enum_id == o.enum_id && units == o.units; }
};

struct EnumDef {
  std::vector<std::string> values;
  std::vector<std::string> labels_zh;  // each value's Chinese label (`NAME zh "..."`), "" when not given
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
// kDraw: a value an item draws from a limit (`draw NAME = ...`), read in the
// item's amount and reason; ref_index is the draw's global index.
enum class RefKind { kNone, kParam, kFact, kApplicant, kClaimField, kYear, kEnumValue, kDraw };

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
  // A named value (`let`) or a table's row lookup, expanded by the checker
  // into the formula it stands for: `alias` is how it is written (the let's
  // or the table's name) and `alias_arg` the table's input, one of the copies
  // inside the expansion. Evaluators compute the expansion; a reason shows
  // the alias.
  std::string alias;
  const Expr* alias_arg = nullptr;
};
using ExprPtr = std::unique_ptr<Expr>;

struct Citation {
  std::string label;  // "[04.2]" or "D-04a"
  Location where;
};

// `let NAME = FORMULA`: a named value, in an item (for that item) or outside
// one (for the whole policy). A use of the name is the formula, checked where
// it is used.
struct LetDecl {
  std::string name;
  Location where;
  ExprPtr value;
  bool used = false;  // set by the checker
};

// `table NAME: tiers of TYPE` / `brackets of TYPE`, then `from BOUND: VALUE`
// rows. `NAME(x)` is, for tiers, the value of the last row whose bound x
// reaches (zero below the first); for brackets, the sum over the rows of
// VALUE (a rate) times the part of x from the row's bound to the next one's.
struct TableRow {
  ExprPtr bound, value;
  Location where;
};
struct TableDecl {
  std::string name;
  Location where;
  bool brackets = false;  // brackets (progressive) vs tiers (a step)
  std::string key_type;   // the input's type name: money, count, rate, year
  Location key_where;
  std::vector<TableRow> rows;
  std::vector<Citation> cites;
  std::string description;
  std::string description_zh;
  // Set by the checker:
  TypeKind key = TypeKind::kUnknown;
  TypeKind result = TypeKind::kUnknown;
  bool ok = false;  // the rows checked clean: a use expands
};

struct TypeSyntax {
  std::string name;                // money, rate, count, flag, year, date, text, "one of", or a unit
  std::vector<std::string> per;    // `money per square_metre per day`: the units it is per
  std::vector<std::string> values; // for one of (...)
  std::vector<std::string> values_zh;  // each value's Chinese label, "" when not given
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
  // `given by "the district industry office" zh "区行业主管部门"`: the value is
  // an authority's to give; the store refuses it from an enterprise's own
  // upload (reason official_only). "" for a value the enterprise may declare.
  std::string given_by;
  std::string given_by_zh;
  // A fact the case reader derives rather than reads (added by the checker
  // for `received(ITEM)` and `last_year(FACT)`; never given in `facts`).
  enum class Derived { kNone, kReceived, kLastYear };
  Derived derived = Derived::kNone;
  int source_measure = -1, source_item = -1;  // kReceived: the item (-1: every item of the measure)
  int source_fact = -1;                       // kLastYear: the fact
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
  Location otherwise_zh_where;
  std::vector<TemplateHole> otherwise_zh_holes;  // set by the checker
  bool describes_award = false;  // `when` (true) vs `require` (false)
  bool any_of = false;           // `when any of`: the `or` of the item's named conditions
  Location where;
  // Earlier conditions of the same rule that prove a value of this one is
  // not none: when one of them fails, this one is not read (set by the checker).
  std::vector<int> relies_on;
};

// Which lines a limit holds over (D-G7): one claim's line, every line of a
// project, of a benchmark solution, of a milestone condition, or every line of
// the enterprise. Lines are history (awards already made, the same year
// included) and the lines of the case being decided.
enum class LimitScope { kClaim, kProject, kSolution, kCondition, kEnterprise };
// Which years of those lines count: the programme year, the item's support
// period (`period N years from first award`), or every year.
enum class LimitSpan { kYear, kPeriod, kEver };

// `cap LIMIT per SCOPE [per SPAN] [if COND] cites ...` on an item.
struct CapRule {
  ExprPtr limit;
  LimitScope scope = LimitScope::kEnterprise;
  LimitSpan span = LimitSpan::kYear;
  ExprPtr only_if;  // `if COND`: the cap holds only on lines where COND is true (per claim only)
  std::vector<Citation> cites;
  Location where;
  std::string written;  // "per year", "per project", "per solution per year": how the source says it
};

// `draw NAME = FIELD from LIMIT per SCOPE per year cites ...` on an item
// decided by claim: a figure of the claim (a loan's principal) counted only up
// to what the lines before it in the scope and year left of LIMIT, filled in
// submission order (D-G7): the year's history first, then the case's claims
// in input order. NAME is the figure as counted, for the amount and the
// reason; each award carries it (`drawn`), so that a later decision's history
// holds what this one took.
struct DrawDecl {
  std::string name;
  Location where;
  ExprPtr figure;  // a claim field (money)
  ExprPtr limit;   // money; reads no claim field or fact
  LimitScope scope = LimitScope::kEnterprise;
  LimitSpan span = LimitSpan::kYear;
  std::string written;  // "per enterprise per year"
  std::vector<Citation> cites;
  bool used = false;      // set by the checker
  int global_index = -1;  // CheckedPolicy::draws, set by the checker
};

// `cite LABEL when COND [otherwise LABEL]`: a label the line carries only
// when COND holds (or the other one when it does not).
struct ConditionalCite {
  Citation when_true;
  ExprPtr condition;
  std::optional<Citation> otherwise;
  Location where;
};

// One named alternative of `when any of`: `listings: listed_data_products > 50`.
struct NamedCondition {
  std::string name;
  Location where;
  const Expr* expr = nullptr;  // a leaf of the item's `when any of` condition
};

struct ItemDecl {
  std::string name;
  Location where;
  std::string title;
  std::string title_zh;
  bool by_claim = false;  // `by claim` vs `from facts`
  Location mode_where;
  std::vector<Citation> cites;
  std::vector<ConditionalCite> conditional_cites;
  std::vector<Condition> conditions;
  // `when any of` with named alternatives: the condition is their `or` (in
  // `conditions`), and each alternative can be an award of its own under
  // `once per condition`.
  std::vector<NamedCondition> named_conditions;
  ExprPtr amount;
  std::string why;  // template with {name} holes; "" → rendered
  std::string why_zh;  // the same in Chinese (`zh "..."`), "" when not given
  Location why_zh_where;
  std::vector<TemplateHole> why_zh_holes;  // set by the checker
  Location why_where;
  std::vector<TemplateHole> why_holes;  // set by the checker
  bool amount_written = false;  // an `amount` statement was seen, even one that did not parse
  bool cites_broken = false;    // a `cites` that did not parse: it has its own syntax error
  std::vector<CapRule> caps;
  // `once per X`: X is enterprise/year/project/solution/condition, or the
  // name of an enum parameter whose value is one of those.
  std::string once;
  Location once_where;
  ExprPtr period_years;       // `period N years from first award`
  ExprPtr consecutive_limit;  // `limit N consecutive years`
  ExprPtr deduct;             // `deduct FORMULA`: what D-G4 counts as support already given (default external_support)
  std::vector<Citation> deduct_cites;
  std::vector<LetDecl> lets;  // `let` inside the item: its own named values
  std::vector<DrawDecl> draws;  // `draw`: figures counted from a limit in fill order
  // Filled by the checker:
  int measure_index = -1;
  int global_index = -1;  // position among every item of the policy (CheckedPolicy::items)
  std::vector<std::string> required_claim_fields;
};

// `cap total of a, b at LIMIT per year` (items of one measure),
// `cap total of measures 01, 02 at ...` or `cap total of all measures at ...`.
struct GroupCap {
  std::vector<std::string> items;     // item names (of the measure the cap sits in)
  std::vector<Location> item_where;
  std::vector<std::string> measures;  // `measures 01, 02`
  std::vector<Location> measure_where;
  bool all_measures = false;
  ExprPtr limit;
  LimitScope scope = LimitScope::kEnterprise;
  LimitSpan span = LimitSpan::kYear;
  std::string written;
  std::vector<Citation> cites;
  Location where;
  std::vector<int> item_indices;  // within the measure, set by the checker (items form)
  std::vector<int> global_items;  // every item the total covers, in fill order, set by the checker
};

// `recover ITEM "title" cites ... [within N years of first award]` then
// `when COND` lines: in a year where every condition holds (and, with
// `within`, fewer than N years after the item's first award), every award
// received under the item is to be recovered. The decision lists it under
// `recoveries`; the officer records the recovery.
struct RecoveryRule {
  std::string item;
  Location where, item_where;
  std::string title;
  std::string title_zh;
  std::vector<Citation> cites;
  std::vector<Condition> conditions;
  ExprPtr within_years;  // null: at any time after the first award
  int item_index = -1;   // within the measure, set by the checker
};

// A line of an application guide (申报指南), written beside the rules:
// `guide condition|material|note "English" zh "中文" [cites ...]`. Under
// `eligibility` it belongs to every measure's guide; under a measure, to that
// measure's. Not evaluated: the guide is what an applicant reads before applying.
struct GuideLine {
  enum class Kind { kCondition, kMaterial, kNote };
  Kind kind = Kind::kCondition;
  std::string text;
  std::string text_zh;
  std::vector<Citation> cites;
  Location where;
};

struct MeasureDecl {
  std::string id;  // "04"
  Location where;
  std::string title;
  std::string title_zh;
  std::vector<GuideLine> guide;
  std::vector<ItemDecl> items;
  std::vector<GroupCap> group_caps;
  std::vector<RecoveryRule> recoveries;

  // Apply-free (免申即享): every item is decided from facts, none by a claim,
  // so the programme proposes the application (`bursar propose`).
  bool ApplyFree() const {
    for (const ItemDecl& item : items) {
      if (item.by_claim) return false;
    }
    return !items.empty();
  }
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
  std::vector<GuideLine> guide;  // `guide` lines under `eligibility`: part of every measure's guide
  std::vector<MeasureDecl> measures;
  // rounding <mode-param> to <unit-param>
  GeneralRule rounding_mode, rounding_unit;
  GeneralRule exclusivity;        // D-G3: `one project one measure when <flag-param>`
  GeneralRule external_support;   // D-G4: `external support by <enum-param>`
  GeneralRule budget, budget_rule;  // D-G6: `budget <money-param> scaled by <enum-param>`
  // D-G7: `fill limits in submission order cites ...`: history first (it was
  // decided earlier, in the order given), then the case's lines in input order.
  GeneralRule fill_order;
  // Totals over several measures (`cap total of measures ...` / `of all measures`).
  std::vector<GroupCap> group_caps;
  std::vector<TagDecl> units;     // `unit NAME "noun"`: square metres, days, persons
  std::vector<LetDecl> lets;      // `let` outside any item: named values of the whole policy
  std::vector<TableDecl> tables;  // `table`: tiers, brackets and schedules
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
