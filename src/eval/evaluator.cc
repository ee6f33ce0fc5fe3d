// Decides one case: eligibility, every item of every measure, caps, support
// periods, D-G4, D-G3 and the budget, with a reason for every line and, on
// request, a trace of every intermediate value.
//
// Order of the pipeline (docs/policy-language.md, "How a case is decided"):
//   eligibility → per line: conditions, once, consecutive limit, support period,
//   amount (rounded), caps per claim/project/period → caps per year of an item
//   → caps on a measure's total → D-G4 → D-G3 → budget (D-G6).
#include <algorithm>
#include <map>

#include "base/json_text.h"
#include "base/json_writer.h"
#include "case/case.h"
#include "eval/batch.h"
#include "eval/engine.h"
#include "eval/limits.h"
#include "lang/checked_policy.h"
#include "lang/loader.h"
#include "money/chinese.h"

namespace bursar {
namespace {

using OJson = nlohmann::ordered_json;

// Arithmetic that left the exact range: the case cannot be decided.
struct Overflow {
  std::string where;
};

Exact Checked(std::optional<Exact> v, const std::string& where) {
  if (!v) throw Overflow{where};
  return *v;
}


Op Negated(Op op) {
  switch (op) {
    case Op::kLt: return Op::kGe;
    case Op::kLe: return Op::kGt;
    case Op::kGt: return Op::kLe;
    case Op::kGe: return Op::kLt;
    case Op::kEq: return Op::kNe;
    case Op::kNe: return Op::kEq;
    default: return op;
  }
}

bool Compare(Op op, int c) {
  switch (op) {
    case Op::kLt: return c < 0;
    case Op::kLe: return c <= 0;
    case Op::kGt: return c > 0;
    case Op::kGe: return c >= 0;
    case Op::kEq: return c == 0;
    case Op::kNe: return c != 0;
    default: return false;
  }
}

// A reason in the two languages of a decision: `why` in English (CASES.md)
// and `why_zh` in Chinese, for the letters and the Chinese pages.
struct Reason {
  std::string en, zh;
  bool empty() const { return en.empty(); }
  // Appends `next` after `en_sep` / `zh_sep` (nothing before the first part).
  void Add(const Reason& next, const char* en_sep, const char* zh_sep) {
    en += (en.empty() ? "" : en_sep) + next.en;
    zh += (zh.empty() ? "" : zh_sep) + next.zh;
  }
};

// An amount in a Chinese reason: "1,500,000.00元".
std::string Yuan(const Exact& v) {
  return (v.ToFen() ? GroupedMoney(v.ToMoneyString()) : v.ToString()) + "元";
}

// A condition's value in the trace.
Reason Holds(bool ok) { return ok ? Reason{"true", "成立"} : Reason{"false", "不成立"}; }

const char* OpZh(Op op) {
  switch (op) {
    case Op::kLt: return "低于";
    case Op::kLe: return "不超过";
    case Op::kGt: return "超过";
    case Op::kGe: return "不低于";
    case Op::kEq: return "等于";
    case Op::kNe: return "不等于";
    default: return "";
  }
}

// A limit's scope and span as a Chinese reason says it: "每年", "每个项目".
std::string ScopeZh(LimitScope scope, LimitSpan span) {
  std::string of;
  switch (scope) {
    case LimitScope::kClaim: return "每项申报";
    case LimitScope::kProject: of = "每个项目"; break;
    case LimitScope::kSolution: of = "每个方案"; break;
    case LimitScope::kCondition: of = "每项条件"; break;
    default: of = span == LimitSpan::kEver ? "每家企业累计" : "";
  }
  if (span == LimitSpan::kYear) return of + "每年";
  if (span == LimitSpan::kPeriod) return of + "支持期内";
  return of;
}

struct Reduction {
  std::string rule;  // the labels of the rule that reduced the line
  Exact by;          // amount removed
  Reason why;
};

struct Line {
  int measure = -1, item = -1;
  int global = -1;       // the item's global index
  const Claim* claim = nullptr;
  std::string project;
  int condition = -1;    // the named condition of a `once per condition` line
  Exact computed, amount;
  bool refused = false;  // refused before an amount was computed
  Reason why;            // reason for the award, or why it was refused
  std::vector<Reduction> reductions;
  std::vector<std::pair<int, int64_t>> drawn;  // (global draw, fen) for each `draw` of the item the line counted
  int32_t project_key = -1, solution_key = -1;  // interned, for the draws' pools
  Reason used_up;  // a draw the lines before left nothing of, when the line's figure was above zero
  std::vector<std::string> dropped;  // conditional labels this line does not carry
  std::string clause, decision;      // the labels the line cites
};

class Evaluation {
 public:
  Evaluation(const CheckedPolicy& cp, const std::vector<Value>& params, const Case& c, bool explain)
      : cp_(cp), p_(cp.policy), params_(params), case_(c), explain_(explain) {}

  // Decides the case; then either writer gives the decision (ToText without
  // the trace, which only ToJson carries).
  void Run();
  OJson ToJson();
  std::string ToText() const;
  // For the ledger check: each item's rules and each limit's value for this
  // applicant and year, and the conditional labels each item does not carry.
  // `draw_limit_fen`: each draw's limit (by global draw), in force in the year.
  void LedgerContext(std::vector<limits::ItemRules>* rules, std::vector<int64_t>* limit_fen,
                     std::vector<std::vector<std::string>>* dropped, std::vector<int64_t>* draw_limit_fen);
  std::string Labels(const std::vector<Citation>& cites, bool decisions, const std::vector<std::string>& dropped) const {
    std::string out;
    for (const auto& c : cites) {
      if ((c.label.rfind("D-", 0) == 0) != decisions) continue;
      if (std::find(dropped.begin(), dropped.end(), c.label) != dropped.end()) continue;
      out += (out.empty() ? "" : " ") + c.label;
    }
    return out;
  }

 private:
  // ---- values ----
  std::string Show(const Value& v) const {
    if (v.none) return "none";
    switch (v.kind) {
      case TypeKind::kMoney: return v.number.ToFen() ? v.number.ToMoneyString() : v.number.ToString();
      case TypeKind::kRate: return v.number.ToPercentString();
      case TypeKind::kCount:
      case TypeKind::kQuantity:
      case TypeKind::kYear: return v.number.ToString();
      case TypeKind::kFlag: return v.flag ? "true" : "false";
      case TypeKind::kEnum:
        return v.enum_id >= 0 && v.choice >= 0 ? p_.enums[static_cast<size_t>(v.enum_id)].values[static_cast<size_t>(v.choice)]
                                               : "none";
      default: return v.text;
    }
  }

  Value EvalName(const Expr& e) const {
    switch (e.ref_kind) {
      case RefKind::kParam: return params_[static_cast<size_t>(e.ref_index)];
      case RefKind::kFact: return case_.facts[static_cast<size_t>(e.ref_index)];
      case RefKind::kApplicant: {
        Value v;
        v.kind = TypeKind::kFlag;
        v.flag = case_.applicant[static_cast<size_t>(e.ref_index)];
        return v;
      }
      case RefKind::kClaimField: return claim_->fields[static_cast<size_t>(e.ref_index)];
      case RefKind::kDraw: {
        Value v;
        v.kind = TypeKind::kMoney;
        v.number = Exact::Fen(drawn_[static_cast<size_t>(e.ref_index)]);
        return v;
      }
      case RefKind::kYear: {
        Value v;
        v.kind = TypeKind::kYear;
        v.number = Exact::Integer(case_.year);
        return v;
      }
      case RefKind::kEnumValue: {
        Value v;
        v.kind = TypeKind::kEnum;
        v.enum_id = e.type.enum_id;
        v.choice = e.ref_index;
        return v;
      }
      default: return {};
    }
  }

  Value Eval(const Expr& e) const {
    Value v;
    v.kind = e.type.kind;
    switch (e.kind) {
      case ExprKind::kLiteral:
        v.number = e.literal.number;
        v.flag = e.literal.flag;
        v.text = e.literal.symbol;
        return v;
      case ExprKind::kName: return EvalName(e);
      case ExprKind::kTagged: {
        auto it = cp_.tag_index.find(e.name);
        v.flag = it != cp_.tag_index.end() && case_.tags[static_cast<size_t>(it->second)];
        return v;
      }
      case ExprKind::kUnary: {
        Value a = Eval(*e.args[0]);
        if (e.op == Op::kNot) {
          v.flag = !a.flag;
        } else {
          v.number = Checked(Exact().Sub(a.number), Source(e));
        }
        return v;
      }
      case ExprKind::kIsNone: v.flag = Eval(*e.args[0]).none; return v;
      case ExprKind::kIn: {
        Value a = Eval(*e.args[0]);
        v.flag = !a.none && std::find(e.choice_indices.begin(), e.choice_indices.end(), a.choice) != e.choice_indices.end();
        return v;
      }
      case ExprKind::kIf: return Eval(*e.args[Eval(*e.args[0]).flag ? 1 : 2]);
      case ExprKind::kCall: {
        if (e.name == "@on") return ParameterValueOn(cp_, e.args[0]->ref_index, Eval(*e.args[1]).text);
        Value best = Eval(*e.args[0]);
        for (size_t i = 1; i < e.args.size(); ++i) {
          Value x = Eval(*e.args[i]);
          int c = x.number.Compare(best.number);
          if ((e.name == "min" && c < 0) || (e.name == "max" && c > 0)) best = x;
        }
        best.kind = e.type.kind;
        return best;
      }
      case ExprKind::kBinary: {
        if (e.op == Op::kAnd) {
          v.flag = Eval(*e.args[0]).flag && Eval(*e.args[1]).flag;
          return v;
        }
        if (e.op == Op::kOr) {
          v.flag = Eval(*e.args[0]).flag || Eval(*e.args[1]).flag;
          return v;
        }
        Value a = Eval(*e.args[0]), b = Eval(*e.args[1]);
        switch (e.op) {
          case Op::kAdd: v.number = Checked(a.number.Add(b.number), Source(e)); return v;
          case Op::kSub: v.number = Checked(a.number.Sub(b.number), Source(e)); return v;
          case Op::kMul: v.number = Checked(a.number.Mul(b.number), Source(e)); return v;
          case Op::kDiv:
            if (b.number.is_zero()) throw Overflow{Source(e) + " (division by zero)"};
            v.number = Checked(a.number.Div(b.number), Source(e));
            return v;
          default: break;
        }
        int c;
        if (a.kind == TypeKind::kFlag) c = (a.flag == b.flag) ? 0 : 1;
        else if (a.kind == TypeKind::kEnum) c = (a.none == b.none && a.choice == b.choice) ? 0 : 1;
        else if (a.kind == TypeKind::kText || a.kind == TypeKind::kDate) c = a.text.compare(b.text);
        else c = a.number.Compare(b.number);
        v.flag = Compare(e.op, c);
        return v;
      }
    }
    return v;
  }

  bool Truth(const Expr& e) const { return Eval(e).flag; }
  std::string Source(const Expr& e) const { return Write(e, false); }
  std::string Render(const Expr& e) const { return Write(e, true); }

  // The expression as written (values=false) or with each name's value (true).
  std::string Write(const Expr& e, bool values) const {
    // A named value reads as its name (or its value); a table as NAME(input).
    if (!e.alias.empty()) {
      if (e.alias_arg) return e.alias + "(" + Write(*e.alias_arg, values) + ")";
      return values ? Show(Eval(e)) : e.alias;
    }
    switch (e.kind) {
      case ExprKind::kLiteral: {
        Value v = Eval(e);
        if (e.type.kind == TypeKind::kMoney) return "RMB " + Show(v);
        return e.type.kind == TypeKind::kText ? "\"" + e.literal.symbol + "\"" : Show(v);
      }
      case ExprKind::kName: return values && e.ref_kind != RefKind::kEnumValue ? Show(Eval(e)) : e.name;
      case ExprKind::kTagged: return values ? (Eval(e).flag ? "true" : "false") : "tagged " + e.name;
      case ExprKind::kUnary:
        return std::string(e.op == Op::kNot ? "not " : "-") + Wrap(*e.args[0], values);
      case ExprKind::kIsNone: return Wrap(*e.args[0], values) + " is none";
      case ExprKind::kIn: {
        std::string s = Wrap(*e.args[0], values) + " in (";
        for (size_t i = 0; i < e.choices.size(); ++i) s += (i ? ", " : "") + e.choices[i];
        return s + ")";
      }
      case ExprKind::kIf:
        return "if " + Write(*e.args[0], values) + " then " + Write(*e.args[1], values) + " else " +
               Write(*e.args[2], values);
      case ExprKind::kCall: {
        if (e.name == "@on") return values ? Show(Eval(e)) : e.args[0]->name + " on " + Write(*e.args[1], false);
        std::string s = e.name + "(";
        for (size_t i = 0; i < e.args.size(); ++i) s += (i ? ", " : "") + Write(*e.args[i], values);
        return s + ")";
      }
      case ExprKind::kBinary:
        return Wrap(*e.args[0], values) + " " + OpSymbol(e.op) + " " + Wrap(*e.args[1], values);
    }
    return "";
  }
  std::string Wrap(const Expr& e, bool values) const {
    std::string s = Write(e, values);
    return e.alias.empty() && (e.kind == ExprKind::kBinary || e.kind == ExprKind::kIf) ? "(" + s + ")" : s;
  }

  // How a value reads in a reason: "51 listed data products", "trading volume 8000000.00".
  std::string Noun(const Expr& e) const {
    Value v = Eval(e);
    if (!e.alias.empty() && !e.alias_arg) return e.alias + " " + Show(v);
    if (e.kind == ExprKind::kName) {
      const FieldDecl* f = nullptr;
      if (e.ref_kind == RefKind::kFact) f = &p_.facts[static_cast<size_t>(e.ref_index)];
      if (e.ref_kind == RefKind::kClaimField) f = &p_.claim_fields[static_cast<size_t>(e.ref_index)];
      if (f && !f->noun.empty()) {
        if (v.kind == TypeKind::kCount) return Show(v) + " " + f->noun;
        return f->noun + " " + Show(v);
      }
      if (e.ref_kind == RefKind::kYear) return "year " + Show(v);
    }
    return Render(e);
  }

  // A reason a person reads, for a condition that came out `truth`.
  std::string Describe(const Expr& e, bool truth) const {
    switch (e.kind) {
      case ExprKind::kBinary: {
        if (e.op == Op::kAnd || e.op == Op::kOr) {
          bool all = (e.op == Op::kAnd) == truth;  // describe both sides
          std::vector<std::string> parts;
          for (const auto& side : e.args) {
            bool t = Eval(*side).flag;
            if (all || t == truth) parts.push_back(Describe(*side, t));
            if (!all && !parts.empty()) break;
          }
          std::string out;
          for (const auto& part : parts) out += (out.empty() ? "" : (truth ? " and " : "; ")) + part;
          return out;
        }
        if (e.op >= Op::kLt && e.op <= Op::kNe) {
          Op op = truth ? e.op : Negated(e.op);
          return Noun(*e.args[0]) + " " + OpSymbol(op) + " " + Noun(*e.args[1]);
        }
        return Render(e);
      }
      case ExprKind::kUnary:
        if (e.op == Op::kNot) return Describe(*e.args[0], !truth);
        return Render(e);
      case ExprKind::kTagged: return (truth ? "tagged " : "not tagged ") + e.name;
      case ExprKind::kName:
        if (e.type.kind == TypeKind::kFlag) {
          const FieldDecl* f = nullptr;
          if (e.ref_kind == RefKind::kFact) f = &p_.facts[static_cast<size_t>(e.ref_index)];
          if (e.ref_kind == RefKind::kApplicant) f = &p_.applicant_fields[static_cast<size_t>(e.ref_index)];
          std::string noun = f && !f->noun.empty() ? f->noun : e.name;
          return truth ? noun : "not " + noun;
        }
        return Noun(e);
      case ExprKind::kIn: {
        std::string s = Noun(*e.args[0]) + (truth ? " is one of (" : " is not one of (");
        for (size_t i = 0; i < e.choices.size(); ++i) s += (i ? ", " : "") + e.choices[i];
        return s + ")";
      }
      default: return Render(e) + (truth ? "" : " is false");
    }
  }

  // False when a condition `c` relies on (for a value not being none) failed.
  static bool Reads(const Condition& c, const std::vector<uint8_t>& held) {
    return std::all_of(c.relies_on.begin(), c.relies_on.end(),
                       [&](int i) { return held[static_cast<size_t>(i)] != 0; });
  }

  // A reason with each `{name}` hole (resolved by the checker) filled in;
  // in a Chinese text, values read as ShowZh writes them.
  std::string Template(const std::string& t, const std::vector<TemplateHole>& holes, bool zh = false) const {
    std::string out;
    size_t at = 0;
    for (const TemplateHole& hole : holes) {
      out.append(t, at, hole.begin - at);
      Value v = Eval(*hole.name);
      out += zh ? ShowZh(v) : Show(v);
      at = hole.end;
    }
    out.append(t, at, std::string::npos);
    return out;
  }
  // A condition's failure in both languages: its `otherwise` texts, or how
  // the condition reads. A policy that gives no Chinese text gets the
  // described condition in Chinese.
  Reason Failure(const Condition& c, const Expr& e) const {
    Reason r;
    r.en = c.otherwise.empty() ? Describe(e, false) : Template(c.otherwise, c.otherwise_holes);
    r.zh = c.otherwise_zh.empty() ? DescribeZh(e, false) : Template(c.otherwise_zh, c.otherwise_zh_holes, true);
    return r;
  }

  // A value in a Chinese reason: money "1,500,000.00元", a flag 是/否, a
  // choice by its Chinese label (its name where the policy gives none).
  std::string ShowZh(const Value& v) const {
    if (v.none) return "无";
    switch (v.kind) {
      case TypeKind::kMoney: return Yuan(v.number);
      case TypeKind::kFlag: return v.flag ? "是" : "否";
      case TypeKind::kEnum: {
        if (v.enum_id < 0 || v.choice < 0) return "无";
        const EnumDef& d = p_.enums[static_cast<size_t>(v.enum_id)];
        const auto c = static_cast<size_t>(v.choice);
        return c < d.labels_zh.size() && !d.labels_zh[c].empty() ? d.labels_zh[c] : d.values[c];
      }
      default: return Show(v);
    }
  }
  // A declared field's Chinese label, else its English noun, else its name.
  static std::string LabelZh(const FieldDecl* f, const std::string& name) {
    if (!f) return name;
    return !f->noun_zh.empty() ? f->noun_zh : !f->noun.empty() ? f->noun : name;
  }
  const FieldDecl* FieldOf(const Expr& e) const {
    if (e.kind != ExprKind::kName) return nullptr;
    if (e.ref_kind == RefKind::kFact) return &p_.facts[static_cast<size_t>(e.ref_index)];
    if (e.ref_kind == RefKind::kClaimField) return &p_.claim_fields[static_cast<size_t>(e.ref_index)];
    if (e.ref_kind == RefKind::kApplicant) return &p_.applicant_fields[static_cast<size_t>(e.ref_index)];
    return nullptr;
  }
  std::string ChoicesZh(const Expr& e) const {
    std::string s;
    const EnumDef* d = e.args[0]->type.enum_id >= 0 ? &p_.enums[static_cast<size_t>(e.args[0]->type.enum_id)] : nullptr;
    for (size_t i = 0; i < e.choices.size(); ++i) {
      std::string label = e.choices[i];
      if (d) {
        auto at = std::find(d->values.begin(), d->values.end(), label);
        auto k = static_cast<size_t>(at - d->values.begin());
        if (at != d->values.end() && k < d->labels_zh.size() && !d->labels_zh[k].empty()) label = d->labels_zh[k];
      }
      s += (i ? "、" : "") + label;
    }
    return s;
  }
  // How a value reads in a Chinese reason: "挂牌数据产品数量 51", "交易额 8,000,000.00元".
  std::string NounZh(const Expr& e) const {
    Value v = Eval(e);
    if (!e.alias.empty() && !e.alias_arg) return e.alias + " " + ShowZh(v);
    if (e.kind == ExprKind::kName) {
      if (const FieldDecl* f = FieldOf(e)) return LabelZh(f, e.name) + " " + ShowZh(v);
      if (e.ref_kind == RefKind::kYear) return "年度 " + ShowZh(v);
      if (e.ref_kind == RefKind::kParam || e.kind == ExprKind::kLiteral) return ShowZh(v);
    }
    if (e.kind == ExprKind::kLiteral) return ShowZh(v);
    return Render(e);
  }
  // The Chinese twin of Describe.
  std::string DescribeZh(const Expr& e, bool truth) const {
    switch (e.kind) {
      case ExprKind::kBinary: {
        if (e.op == Op::kAnd || e.op == Op::kOr) {
          bool all = (e.op == Op::kAnd) == truth;
          std::string out;
          for (const auto& side : e.args) {
            bool t = Eval(*side).flag;
            if (all || t == truth) out += (out.empty() ? "" : (truth ? "，且" : "；")) + DescribeZh(*side, t);
            if (!all && !out.empty()) break;
          }
          return out;
        }
        if (e.op >= Op::kLt && e.op <= Op::kNe) {
          Op op = truth ? e.op : Negated(e.op);
          return NounZh(*e.args[0]) + " " + OpZh(op) + " " + NounZh(*e.args[1]);
        }
        return Render(e);
      }
      case ExprKind::kUnary:
        if (e.op == Op::kNot) return DescribeZh(*e.args[0], !truth);
        return Render(e);
      case ExprKind::kTagged: {
        auto t = cp_.tag_index.find(e.name);
        std::string label = e.name;
        if (t != cp_.tag_index.end()) {
          const TagDecl& tag = p_.tags[static_cast<size_t>(t->second)];
          label = !tag.description_zh.empty() ? tag.description_zh : !tag.description.empty() ? tag.description : e.name;
        }
        return (truth ? "属于" : "不属于") + label;
      }
      case ExprKind::kName:
        if (e.type.kind == TypeKind::kFlag) {
          std::string label = LabelZh(FieldOf(e), e.name);
          return truth ? label : label + "：否";
        }
        return NounZh(e);
      case ExprKind::kIn:
        return NounZh(*e.args[0]) + (truth ? "，属于" : "，不属于") + ChoicesZh(e);
      default: return Render(e) + (truth ? "" : "：否");
    }
  }


  // One step of the trace; its result in English and in Chinese.
  void Trace(const std::string& step, const std::string& expression, const std::string& values,
             const Reason& result, const std::string& clause) {
    if (!explain_) return;
    OJson t;
    t["step"] = step;
    if (!expression.empty()) t["expression"] = expression;
    if (!values.empty() && values != expression) t["values"] = values;
    t["result"] = result.en;
    t["result_zh"] = result.zh;
    if (!clause.empty()) t["clause"] = clause;
    trace_.push_back(std::move(t));
  }

  std::string Labels(const std::vector<Citation>& cites, bool decisions) const {
    std::string out;
    for (const auto& c : cites) {
      if ((c.label.rfind("D-", 0) == 0) == decisions) out += (out.empty() ? "" : " ") + c.label;
    }
    return out;
  }
  std::string AllLabels(const std::vector<Citation>& cites) const {
    std::string out;
    for (const auto& c : cites) out += (out.empty() ? "" : " ") + c.label;
    return out;
  }
  // The labels of a rule as they apply to one line: without the conditional
  // labels (`cite ... when`) the line does not carry.
  std::string LineLabels(const std::vector<Citation>& cites, const Line& l) const {
    std::string out;
    for (const auto& c : cites) {
      if (std::find(l.dropped.begin(), l.dropped.end(), c.label) != l.dropped.end()) continue;
      out += (out.empty() ? "" : " ") + c.label;
    }
    return out;
  }
  const Value* GeneralParam(const GeneralRule& r) const {
    if (!r.present) return nullptr;
    return &params_[static_cast<size_t>(cp_.param_index.at(r.param))];
  }
  std::string Choice(const GeneralRule& r, const char* fallback) const {
    const Value* v = GeneralParam(r);
    return v ? Show(*v) : fallback;
  }
  const ItemDecl& ItemOf(const Line& l) const {
    return p_.measures[static_cast<size_t>(l.measure)].items[static_cast<size_t>(l.item)];
  }
  std::string MeasureId(const Line& l) const { return p_.measures[static_cast<size_t>(l.measure)].id; }
  std::string StepName(const Line& l) const {
    std::string s = MeasureId(l) + "." + ItemOf(l).name;
    if (l.claim) s += "[claim " + std::to_string(l.claim->index) + "]";
    if (l.condition >= 0) s += "[" + ItemOf(l).named_conditions[static_cast<size_t>(l.condition)].name + "]";
    return s;
  }
  // How another line reads in a reason: "claim 1", "04 milestone".
  std::string LineName(const Line& l) const {
    if (l.claim) return "claim " + std::to_string(l.claim->index);
    std::string s = MeasureId(l) + " " + ItemOf(l).name;
    if (l.condition >= 0) s += " (" + ItemOf(l).named_conditions[static_cast<size_t>(l.condition)].name + ")";
    return s;
  }
  std::string LineNameZh(const Line& l) const {
    if (l.claim) return "第" + std::to_string(l.claim->index + 1) + "项申报";
    const ItemDecl& item = ItemOf(l);
    std::string s = "措施" + MeasureId(l) + "“" + (item.title_zh.empty() ? item.name : item.title_zh) + "”";
    if (l.condition >= 0) s += "（" + DescribeZh(*item.named_conditions[static_cast<size_t>(l.condition)].expr, true) + "）";
    return s;
  }
  int32_t Key(const std::string& id) {
    if (id.empty()) return -1;
    auto it = std::find(keys_.begin(), keys_.end(), id);
    if (it != keys_.end()) return static_cast<int32_t>(it - keys_.begin());
    keys_.push_back(id);
    return static_cast<int32_t>(keys_.size() - 1);
  }
  static int64_t FenOf(const Exact& v, const std::string& where) {
    auto fen = Checked(v.RoundTo(Exact::Fen(1), RoundingMode::kDown), where).ToFen();
    if (!fen) throw Overflow{where};
    return *fen;
  }

  Exact Round(const Exact& v) const {
    std::string mode = Choice(p_.rounding_mode, "down");
    std::string unit = Choice(p_.rounding_unit, "fen");
    Exact u = unit == "yuan" ? Exact::Integer(1) : Exact::Fen(1);
    return Checked(v.RoundTo(u, mode == "half_up" ? RoundingMode::kHalfUp : RoundingMode::kDown), "rounding");
  }

  // Lowers a line's amount to `to` (if lower), recording why.
  void Reduce(Line& l, const Exact& to, const std::string& rule, Reason why) {
    Exact target = to.is_negative() ? Exact() : to;
    if (target.Compare(l.amount) >= 0) return;
    Exact by = Checked(l.amount.Sub(target), "reduction");
    if (explain_) {
      Trace(StepName(l) + ".reduced", "", "",
            {l.amount.ToMoneyString() + " -> " + target.ToMoneyString() + ": " + why.en,
             Yuan(l.amount) + " → " + Yuan(target) + "：" + why.zh},
            rule);
    }
    l.reductions.push_back({rule, by, std::move(why)});
    l.amount = target;
  }

  void DecideLine(Line& l, const Reason& ineligible);
  void Draw(Line& l, const ItemDecl& item, const limits::Line& self);
  void ItemRulesAndHistory();
  void ApplyCaps(std::vector<Line>& lines, LimitStage stage);
  Reason CapWhy(const LimitDecl& d, const limits::Fill& f, const std::vector<Line>& lines) const;

  const CheckedPolicy& cp_;
  const Policy& p_;
  const std::vector<Value>& params_;
  const Case& case_;
  bool explain_;
  const Claim* claim_ = nullptr;  // the claim being decided, if any
  std::vector<std::string> keys_;  // project, solution and condition ids of the case, interned
  std::vector<limits::ItemRules> rules_;  // by global item
  std::vector<limits::Line> history_;     // case_.history for the limits
  std::vector<int64_t> limit_fen_;        // each shared limit's value for this case
  std::vector<int64_t> drawn_;            // by global draw: what the line being decided counted
  std::vector<const Line*> drew_;         // the case's lines that have drawn, in fill order
  OJson trace_ = OJson::array();
  std::vector<Line> lines_;  // after Run
  Reason ineligible_;        // why the applicant is ineligible, empty if eligible
  // Awards to recover (`recover` rules), after Run.
  struct Recovery {
    int measure = -1;
    const RecoveryRule* rule = nullptr;
    Exact amount;
    Reason why;
  };
  std::vector<Recovery> recoveries_;
  bool has_recovery_rules_ = false;
  void DecideRecoveries();

  template <typename Writer>
  void WriteDecision(Writer& w) const;
};

void Evaluation::DecideLine(Line& l, const Reason& ineligible) {
  const ItemDecl& item = ItemOf(l);
  claim_ = l.claim;
  std::string clause = AllLabels(item.cites);
  if (!ineligible.empty()) {
    l.refused = true;
    l.why = {"ineligible applicant: " + ineligible.en, "申请人不符合条件：" + ineligible.zh};
    return;
  }
  // Conditions: every failure is listed.
  std::vector<Reason> failed, award_reasons;
  std::vector<uint8_t> held(item.conditions.size(), 1);
  for (size_t ci = 0; ci < item.conditions.size(); ++ci) {
    const Condition& c = item.conditions[ci];
    if (!Reads(c, held)) {
      held[ci] = 0;
      continue;
    }
    // A line of one named condition (`once per condition`) is earned by that condition alone.
    const Expr& e = c.any_of && l.condition >= 0 ? *item.named_conditions[static_cast<size_t>(l.condition)].expr : *c.expr;
    bool ok = Truth(e);
    held[ci] = ok;
    if (explain_) Trace(StepName(l) + (c.describes_award ? ".when" : ".require"), Source(e), Render(e),
          Holds(ok), clause);
    if (!ok) failed.push_back(Failure(c, e));
    else if (c.describes_award) award_reasons.push_back({Describe(e, true), DescribeZh(e, true)});
  }
  if (!failed.empty()) {
    l.refused = true;
    for (const auto& f : failed) l.why.Add(f, "; ", "；");
    return;
  }
  // Once, consecutive years, support period: the limits module decides.
  const limits::ItemRules& rules = rules_[static_cast<size_t>(l.global)];
  limits::Line self;
  self.item = l.global;
  self.year = case_.year;
  self.project = Key(l.project);
  self.solution = Key(l.claim ? l.claim->solution : std::string());
  self.condition = l.condition;
  limits::Gate gate = limits::CheckGate(rules, self, history_, case_.year);
  if (explain_ && rules.once != limits::Once::kNone) {
    Trace(StepName(l) + ".once", std::string("once per ") + limits::OnceName(rules.once), "",
          gate.kind == limits::Gate::kOnce || gate.kind == limits::Gate::kDecided
              ? Reason{"refused", "不予支持"}
              : Reason{"not awarded before", "此前未获支持"},
          clause);
  }
  if (explain_ && item.consecutive_limit) {
    Trace(StepName(l) + ".limit", Source(*item.consecutive_limit) + " consecutive years", Render(*item.consecutive_limit),
          gate.kind == limits::Gate::kConsecutive ? Reason{"reached", "已达上限"} : Reason{"not reached", "未达上限"}, clause);
  }
  if (explain_ && item.period_years) {
    int first = limits::PeriodFirst(l.global, history_, case_.year);
    Trace(StepName(l) + ".period", Source(*item.period_years) + " years from first award", Render(*item.period_years),
          Reason{std::to_string(first) + "-" + std::to_string(first + rules.period_years - 1),
                 std::to_string(first) + "—" + std::to_string(first + rules.period_years - 1) + "年度"},
          clause);
  }
  switch (gate.kind) {
    case limits::Gate::kOpen: break;
    case limits::Gate::kDecided:
      l.refused = true;
      l.why = {"already decided for " + std::to_string(gate.year) +
                   " by another decision; decided once a year from the year's facts",
               std::to_string(gate.year) + "年度已由其他决定核定；免申项目每年依当年数据核定一次"};
      return;
    case limits::Gate::kOnce: {
      l.refused = true;
      std::string scope = limits::OnceName(rules.once);
      std::string key = rules.once == limits::Once::kProject    ? l.project
                        : rules.once == limits::Once::kSolution ? (l.claim ? l.claim->solution : std::string())
                        : rules.once == limits::Once::kCondition
                            ? item.named_conditions[static_cast<size_t>(l.condition)].name
                            : std::string();
      std::string scope_zh = rules.once == limits::Once::kProject    ? "每个项目"
                             : rules.once == limits::Once::kSolution ? "每个方案"
                             : rules.once == limits::Once::kCondition ? "每项条件"
                                                                      : "每家企业";
      const std::string key_zh = rules.once == limits::Once::kCondition
                                     ? DescribeZh(*item.named_conditions[static_cast<size_t>(l.condition)].expr, true)
                                     : key;
      l.why.en = "already awarded in " + std::to_string(gate.year) + "; paid once per " + scope +
                 (key.empty() ? "" : " (" + key + ")");
      l.why.zh = "已于" + std::to_string(gate.year) + "年度获得支持；" + scope_zh + "限支持一次" +
                 (key_zh.empty() ? "" : "（" + key_zh + "）");
      return;
    }
    case limits::Gate::kConsecutive:
      l.refused = true;
      l.why = {"awarded in each of the " + std::to_string(gate.years) + " preceding years (" +
                   std::to_string(gate.first) + "-" + std::to_string(gate.last) + "); at most " +
                   std::to_string(gate.years) + " consecutive years",
               "此前" + std::to_string(gate.years) + "年（" + std::to_string(gate.first) + "—" +
                   std::to_string(gate.last) + "年度）均已获得支持；最多连续支持" + std::to_string(gate.years) + "年"};
      return;
    case limits::Gate::kPeriodOver:
      l.refused = true;
      l.why = {"support period over: " + std::to_string(gate.years) + " years from the first award in " +
                   std::to_string(gate.first) + " ended in " + std::to_string(gate.last),
               "支持期已满：自" + std::to_string(gate.first) + "年度首次获得支持起" + std::to_string(gate.years) +
                   "年，已于" + std::to_string(gate.last) + "年度结束"};
      return;
  }
  Draw(l, item, self);
  // The amount.
  Value raw = Eval(*item.amount);
  Exact exact = raw.none ? Exact() : raw.number;
  l.computed = Round(exact);
  if (l.computed.is_negative()) l.computed = Exact();
  l.amount = l.computed;
  if (explain_) Trace(StepName(l) + ".amount", Source(*item.amount), Render(*item.amount),
        Reason{(exact.ToFen() ? exact.ToMoneyString() : exact.ToString()) +
                   (exact == l.computed ? "" : ", rounded to " + l.computed.ToMoneyString()),
               (exact.ToFen() ? Yuan(exact) : exact.ToString()) +
                   (exact == l.computed ? "" : "，取整为" + Yuan(l.computed))},
        clause);
  if (!item.why.empty()) {
    l.why.en = Template(item.why, item.why_holes);
  } else if (!award_reasons.empty()) {
    for (const auto& r : award_reasons) l.why.en += (l.why.en.empty() ? "" : "; ") + r.en;
  } else {
    l.why.en = Render(*item.amount);
  }
  if (!item.why_zh.empty()) {
    l.why.zh = Template(item.why_zh, item.why_zh_holes, true);
  } else if (!award_reasons.empty()) {
    for (const auto& r : award_reasons) l.why.zh += (l.why.zh.empty() ? "" : "；") + r.zh;
  } else {
    l.why.zh = "按公式计算：" + Render(*item.amount);
  }
  if (l.computed.is_zero() && !l.used_up.empty()) {
    l.refused = true;
    l.why = l.used_up;
    return;
  }
  if (l.computed.is_zero()) {
    l.refused = true;
    l.why = {"the computed amount is 0.00 (" + Render(*item.amount) + ")",
             "计算金额为0.00元（" + Render(*item.amount) + "）"};
    return;
  }
  // Caps per claim: the line alone.
  for (const auto& cap : item.caps) {
    if (cap.scope != LimitScope::kClaim) continue;
    if (cap.only_if && !Truth(*cap.only_if)) continue;
    Value limit = Eval(*cap.limit);
    std::string rule = LineLabels(cap.cites, l);
    if (explain_) {
      Trace(StepName(l) + ".cap", Source(*cap.limit) + " per claim", Render(*cap.limit),
            {limit.number.ToMoneyString(), "每项申报最高" + Yuan(limit.number)}, rule);
    }
    Reduce(l, Exact::Fen(FenOf(limit.number, "a cap")), rule,
           {"capped at " + limit.number.ToMoneyString() + " per claim", "每项申报最高" + Yuan(limit.number)});
  }
}

// Each figure the line draws (`draw`): counted up to what the lines before it
// in its pool left of the limit, in submission order (D-G7): the year's
// history, then the case's earlier claims.
void Evaluation::Draw(Line& l, const ItemDecl& item, const limits::Line& self) {
  if (item.draws.empty()) return;
  l.project_key = self.project;
  l.solution_key = self.solution;
  for (const DrawDecl& d : item.draws) {
    const size_t g = static_cast<size_t>(d.global_index);
    Value figure = Eval(*d.figure);
    const int64_t figure_fen = figure.none ? 0 : FenOf(figure.number, "a figure drawn");
    const int64_t limit_fen = FenOf(Eval(*d.limit).number, "a limit drawn from");
    __int128 history = 0, earlier = 0;
    for (size_t h = 0; h < history_.size(); ++h) {
      if (!limits::SameDrawPool(d.scope, history_[h], self)) continue;
      for (const auto& [gi, v] : case_.history[h].drawn) {
        if (gi == d.global_index) history += FenOf(v, "history");
      }
    }
    std::string before, before_zh;
    for (const Line* o : drew_) {
      limits::Line other;
      other.item = o->global;
      other.year = case_.year;
      other.project = o->project_key;
      other.solution = o->solution_key;
      if (!limits::SameDrawPool(d.scope, other, self)) continue;
      for (const auto& [gi, fen] : o->drawn) {
        if (gi != d.global_index) continue;
        earlier += fen;
        before += (before.empty() ? "" : ", ") + LineName(*o) + " " + Exact::Fen(fen).ToMoneyString();
        before_zh += (before_zh.empty() ? "" : "、") + LineNameZh(*o) + Yuan(Exact::Fen(fen));
      }
    }
    if (history > 0) {
      const Exact h = Exact::Fen(static_cast<int64_t>(history));
      before = "this year's other decisions " + h.ToMoneyString() + (before.empty() ? "" : ", ") + before;
      before_zh = "本年度其他决定" + Yuan(h) + (before_zh.empty() ? "" : "、") + before_zh;
    }
    const int64_t counted = limits::DrawCounted(figure_fen, limit_fen, history + earlier);
    if (counted == 0 && figure_fen > 0 && l.used_up.empty()) {
      const FieldDecl& f = p_.claim_fields[static_cast<size_t>(d.figure->ref_index)];
      const Exact limit = Exact::Fen(limit_fen);
      l.used_up = {"nothing left of the limit of " + limit.ToMoneyString() + " " + d.written + " on " +
                       (f.noun.empty() ? f.name : f.noun) + (before.empty() ? "" : ": counted before by " + before),
                   (f.noun_zh.empty() ? (f.noun.empty() ? f.name : f.noun) : f.noun_zh) + ScopeZh(d.scope, d.span) +
                       "限额" + Yuan(limit) + "已用尽" + (before_zh.empty() ? "" : "（此前已计入：" + before_zh + "）")};
    }
    drawn_[g] = counted;
    l.drawn.emplace_back(d.global_index, counted);
    if (explain_) {
      const Exact taken = Exact::Fen(static_cast<int64_t>(history + earlier));
      Trace(StepName(l) + ".draw", Source(*d.figure) + " from " + Source(*d.limit) + " " + d.written,
            Render(*d.figure) + " from " + Render(*d.limit),
            {Exact::Fen(counted).ToMoneyString() + " counted; " + taken.ToMoneyString() + " of " +
                 Exact::Fen(limit_fen).ToMoneyString() + " counted before" + (before.empty() ? "" : " (" + before + ")"),
             "计入" + Yuan(Exact::Fen(counted)) + "；限额" + Yuan(Exact::Fen(limit_fen)) + "中此前已计入" + Yuan(taken) +
                 (before_zh.empty() ? "" : "（" + before_zh + "）")},
            LineLabels(d.cites, l));
    }
  }
  drew_.push_back(&l);
}

// Resolves each item's once-rule, support period and consecutive-year limit
// for this case, and each shared limit's value; reads the history as lines.
void Evaluation::ItemRulesAndHistory() {
  claim_ = nullptr;
  rules_.assign(cp_.items.size(), {});
  for (size_t g = 0; g < cp_.items.size(); ++g) {
    const ItemDecl& item = cp_.Item(static_cast<int>(g));
    limits::ItemRules& r = rules_[g];
    r.apply_free = !item.by_claim;
    if (!item.once.empty()) {
      std::string scope = item.once;
      if (limits::OnceFromName(scope) == limits::Once::kNone) {
        scope = Show(params_[static_cast<size_t>(cp_.param_index.at(item.once))]);
      }
      r.once = limits::OnceFromName(scope);
    }
    if (item.period_years) r.period_years = static_cast<int64_t>(Eval(*item.period_years).number.num());
    if (item.consecutive_limit) r.consecutive_years = static_cast<int64_t>(Eval(*item.consecutive_limit).number.num());
  }
  drawn_.assign(cp_.draws.size(), 0);
  drew_.clear();
  limit_fen_.assign(cp_.limits.size(), 0);
  for (size_t k = 0; k < cp_.limits.size(); ++k) {
    const LimitDecl& d = cp_.limits[k];
    if (d.stage != LimitStage::kLine || !d.per_line) limit_fen_[k] = FenOf(Eval(*d.value).number, "a cap");
  }
  history_.clear();
  for (const HistoryEntry& h : case_.history) {
    limits::Line line;
    line.item = cp_.item_base[static_cast<size_t>(h.measure)] + h.item;
    line.year = h.year;
    line.project = Key(h.project);
    line.solution = Key(h.solution);
    if (!h.condition.empty()) {
      const ItemDecl& item = cp_.Item(line.item);
      for (size_t i = 0; i < item.named_conditions.size(); ++i) {
        if (item.named_conditions[i].name == h.condition) line.condition = static_cast<int32_t>(i);
      }
    }
    line.fen = FenOf(h.amount, "history");
    history_.push_back(line);
  }
}

// Whether `e` reads a field of the claim being decided.
bool MentionsClaim(const Expr& e) {
  if (e.kind == ExprKind::kName && e.ref_kind == RefKind::kClaimField) return true;
  for (const auto& a : e.args) {
    if (a && MentionsClaim(*a)) return true;
  }
  return false;
}

void Evaluation::LedgerContext(std::vector<limits::ItemRules>* rules, std::vector<int64_t>* limit_fen,
                               std::vector<std::vector<std::string>>* dropped, std::vector<int64_t>* draw_limit_fen) {
  ItemRulesAndHistory();
  *rules = rules_;
  *limit_fen = limit_fen_;
  // A draw's limit reads no claim field or fact (the checker's rule).
  draw_limit_fen->clear();
  for (size_t g = 0; g < cp_.draws.size(); ++g) {
    draw_limit_fen->push_back(FenOf(Eval(*cp_.Draw(static_cast<int>(g)).limit).number, "a limit drawn from"));
  }
  dropped->assign(cp_.items.size(), {});
  for (size_t g = 0; g < cp_.items.size(); ++g) {
    for (const auto& cc : cp_.Item(static_cast<int>(g)).conditional_cites) {
      // A ledger line has no claim: a clause chosen by a claim's fields (D-09b's
      // `cite D-09b when matching`) may be either, so neither is dropped.
      if (MentionsClaim(*cc.condition)) continue;
      const bool on = Truth(*cc.condition);
      if (!on) (*dropped)[g].push_back(cc.when_true.label);
      if (on && cc.otherwise) (*dropped)[g].push_back(cc.otherwise->label);
    }
  }
}

// The caps of `stage` over the case's lines and the history, through the
// limits module; each lowered line gets a reduction naming the cap, its
// clause and what the history and the other lines already took.
void Evaluation::ApplyCaps(std::vector<Line>& lines, LimitStage stage) {
  std::vector<limits::Line> ll(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    limits::Line& x = ll[i];
    x.item = l.global;
    x.year = case_.year;
    x.project = Key(l.project);
    x.solution = Key(l.claim ? l.claim->solution : std::string());
    x.condition = l.condition;
    x.open = !l.refused;
    x.fen = l.refused ? 0 : FenOf(l.amount, "an award");
  }
  std::vector<limits::Fill> fills;
  limits::ApplyCaps(cp_, stage, limit_fen_, rules_, case_.year, history_, ll, &fills);
  for (const limits::Fill& f : fills) {
    const LimitDecl& d = cp_.limits[static_cast<size_t>(f.limit)];
    Line& l = lines[static_cast<size_t>(f.line)];
    claim_ = l.claim;
    std::string rule = LineLabels(d.cites, l);
    Reason why = CapWhy(d, f, lines);
    if (explain_) {
      std::string written = d.items_text.empty() ? d.written : "total of " + d.items_text + " " + d.written;
      Trace(StepName(l) + ".cap", Source(*d.value) + " " + written, Render(*d.value),
            {"room left " + Exact::Fen(f.after_fen).ToMoneyString(), "剩余额度" + Yuan(Exact::Fen(f.after_fen))}, rule);
    }
    Reduce(l, Exact::Fen(f.after_fen), rule, std::move(why));
  }
  claim_ = nullptr;
}

Reason Evaluation::CapWhy(const LimitDecl& d, const limits::Fill& f, const std::vector<Line>& lines) const {
  const Exact cap = Exact::Fen(f.limit_fen);
  const Exact earlier = Exact::Fen(f.history_earlier_fen);
  const std::string scope_zh = ScopeZh(d.scope, d.span);
  Reason why;
  bool earlier_in_base = false;
  if (!d.items_text.empty()) {
    why = {"total of " + d.items_text + " capped at " + cap.ToMoneyString() + " " + d.written,
           d.items_text_zh + "合计" + scope_zh + "最高" + Yuan(cap)};
  } else if (d.span == LimitSpan::kPeriod && d.scope == LimitScope::kEnterprise) {
    why = {"total over the support period capped at " + cap.ToMoneyString() + ", of which " + earlier.ToMoneyString() +
               " was paid in earlier years",
           "支持期内合计最高" + Yuan(cap) + "，其中以前年度已支持" + Yuan(earlier)};
    earlier_in_base = true;
  } else {
    why = {"capped at " + cap.ToMoneyString() + " " + d.written, scope_zh + "最高" + Yuan(cap)};
  }
  std::vector<Reason> taken;
  if (f.history_earlier_fen > 0 && !earlier_in_base) {
    taken.push_back({earlier.ToMoneyString() + " by awards of earlier years", "以前年度支持 " + Yuan(earlier)});
  }
  if (f.history_same_year_fen > 0) {
    const Exact same = Exact::Fen(f.history_same_year_fen);
    const std::string year = std::to_string(case_.year);
    taken.push_back({same.ToMoneyString() + " by other decisions of " + year, year + "年度其他决定 " + Yuan(same)});
  }
  for (const auto& [line, fen] : f.taken) {
    if (fen <= 0) continue;
    const Line& other = lines[static_cast<size_t>(line)];
    taken.push_back({Exact::Fen(fen).ToMoneyString() + " by " + LineName(other), LineNameZh(other) + " " + Yuan(Exact::Fen(fen))});
  }
  if (!taken.empty()) {
    Reason list;
    for (const Reason& t : taken) list.Add(t, ", ", "、");
    why.Add({"already taken: " + list.en, "已占用：" + list.zh}, "; ", "；");
  }
  return why;
}

void Evaluation::Run() {
  // Eligibility: every failed condition is listed.
  Reason ineligible;
  std::string elig_clause = AllLabels(p_.eligibility_cites);
  std::vector<uint8_t> held(p_.eligibility.size(), 1);
  for (size_t ci = 0; ci < p_.eligibility.size(); ++ci) {
    const Condition& c = p_.eligibility[ci];
    if (!Reads(c, held)) {
      held[ci] = 0;
      continue;
    }
    bool ok = Truth(*c.expr);
    held[ci] = ok;
    if (explain_) Trace("eligibility", Source(*c.expr), Render(*c.expr), Holds(ok), elig_clause);
    if (!ok) ineligible.Add(Failure(c, *c.expr), "; ", "；");
  }

  ItemRulesAndHistory();
  std::vector<Line> lines;
  for (size_t mi = 0; mi < p_.measures.size(); ++mi) {
    const MeasureDecl& m = p_.measures[mi];
    for (size_t ii = 0; ii < m.items.size(); ++ii) {
      const ItemDecl& item = m.items[ii];
      Line l;
      l.measure = static_cast<int>(mi);
      l.item = static_cast<int>(ii);
      l.global = item.global_index;
      if (!item.by_claim) {
        // Once per condition: each named condition is an award of its own.
        if (rules_[static_cast<size_t>(l.global)].once == limits::Once::kCondition) {
          for (size_t c = 0; c < item.named_conditions.size(); ++c) {
            l.condition = static_cast<int>(c);
            lines.push_back(l);
          }
        } else {
          lines.push_back(std::move(l));
        }
        continue;
      }
      for (const Claim& c : case_.claims) {
        if (c.measure != static_cast<int>(mi) || c.item != static_cast<int>(ii)) continue;
        Line cl = l;
        cl.claim = &c;
        cl.project = c.project;
        lines.push_back(std::move(cl));
      }
    }
  }
  for (Line& l : lines) {
    // The labels the line cites: the item's, and each conditional one that applies.
    const ItemDecl& item = ItemOf(l);
    claim_ = l.claim;
    std::vector<Citation> cites = item.cites;
    for (const auto& cc : item.conditional_cites) {
      const bool on = Truth(*cc.condition);
      const Citation* taken = on ? &cc.when_true : (cc.otherwise ? &*cc.otherwise : nullptr);
      const Citation* left = on ? (cc.otherwise ? &*cc.otherwise : nullptr) : &cc.when_true;
      if (left) l.dropped.push_back(left->label);
      if (taken && std::none_of(cites.begin(), cites.end(), [&](const Citation& c) { return c.label == taken->label; })) {
        cites.push_back(*taken);
      }
    }
    std::vector<Citation> clauses, decisions;
    for (const auto& c : cites) (c.label.rfind("D-", 0) == 0 ? decisions : clauses).push_back(c);
    l.clause = LineLabels(clauses, l);
    l.decision = LineLabels(decisions, l);
    DecideLine(l, ineligible);
  }

  // Caps of one item over a scope and span (history and the case's lines).
  ApplyCaps(lines, LimitStage::kItem);

  // D-G4: support already given by national or municipal policy.
  if (p_.external_support.present) {
    std::string mode = Choice(p_.external_support, "difference");
    for (Line& l : lines) {
      if (l.refused || !l.claim) continue;
      const ItemDecl& item = ItemOf(l);
      claim_ = l.claim;
      Exact counted = l.claim->external_support;
      std::vector<Citation> cites = p_.external_support.cites;
      if (item.deduct) {
        counted = Eval(*item.deduct).number;
        if (counted.is_negative()) counted = Exact();
        cites.insert(cites.end(), item.deduct_cites.begin(), item.deduct_cites.end());
      }
      if (counted.is_zero()) continue;
      std::string rule = LineLabels(cites, l);
      std::string ext = counted.ToMoneyString();
      if (mode == "exclude") {
        Reduce(l, Exact(), rule,
               {"excluded: the project already has national or municipal support of " + ext,
                "不予支持：该项目已获国家或市级支持" + Yuan(counted)});
      } else {
        Reduce(l, Checked(l.amount.Sub(counted), "external support"), rule,
               {"national or municipal support of " + ext + " prevails; the district pays the difference",
                "该项目已获国家或市级支持" + Yuan(counted) + "，按就高原则由区级补足差额"});
      }
    }
    claim_ = nullptr;
  }

  // D-G3: one project, one measure. For each project, the measure of its
  // highest line (on a tie, the lower measure) wins; the project's lines under
  // every other measure are excluded. Lines of the winning measure all stand.
  const Value* exclusive = GeneralParam(p_.exclusivity);
  if (exclusive && exclusive->flag) {
    std::string rule = AllLabels(p_.exclusivity.cites);
    std::map<std::string, const Line*> winner;
    for (const Line& l : lines) {
      if (l.refused || l.project.empty() || l.amount.is_zero()) continue;
      const Line*& w = winner[l.project];
      int c = w ? l.amount.Compare(w->amount) : 1;
      if (!w || c > 0 || (c == 0 && l.measure < w->measure)) w = &l;
    }
    std::vector<std::pair<Line*, const Line*>> excluded;
    for (Line& l : lines) {
      if (l.refused || l.project.empty() || l.amount.is_zero()) continue;
      const Line* w = winner[l.project];
      if (w->measure != l.measure) excluded.emplace_back(&l, w);
    }
    for (auto [l, w] : excluded) {
      const std::string& winner_id = p_.measures[static_cast<size_t>(w->measure)].id;
      Reduce(*l, Exact(), rule,
             {"excluded: project " + l->project + " is supported under measure " + winner_id + " with a higher award (" +
                  w->amount.ToMoneyString() + "); one project, one measure",
              "不予支持：项目 " + l->project + " 已按措施" + winner_id + "获得更高支持（" + Yuan(w->amount) +
                  "），同一项目就高不重复"});
    }
  }

  // Totals over several items or measures, of what is left after D-G4 and D-G3.
  ApplyCaps(lines, LimitStage::kTotal);

  // D-G6: the budget.
  Exact total;
  for (const Line& l : lines) {
    if (!l.refused) total = Checked(total.Add(l.amount), "total");
  }
  const Value* budget = GeneralParam(p_.budget);
  if (budget && !budget->none && total.Compare(budget->number) > 0) {
    std::string rule = AllLabels(p_.budget_rule.cites);
    std::string mode = Choice(p_.budget_rule, "pro_rata");
    Exact room = budget->number;
    Exact factor = Checked(budget->number.Div(total), "budget");
    if (explain_) Trace("budget", "awards " + total.ToMoneyString() + " exceed the budget " + budget->number.ToMoneyString(), "",
          mode == "pro_rata" ? Reason{"scaled by " + factor.ToString(), "按比例 " + factor.ToString() + " 核减"}
          : mode == "priority" ? Reason{mode, "按优先顺序安排"}
                               : Reason{mode, "不核减"},
          rule);
    for (Line& l : lines) {
      if (l.refused || l.amount.is_zero()) continue;
      if (mode == "pro_rata") {
        Exact scaled = Checked(Checked(l.amount.Mul(factor), "budget").RoundTo(Exact::Fen(1), RoundingMode::kDown), "budget");
        Reduce(l, scaled, rule,
               {"scaled pro rata to the budget of " + budget->number.ToMoneyString() + " (awards " +
                    total.ToMoneyString() + ")",
                "支持总额" + Yuan(total) + "超过预算" + Yuan(budget->number) + "，按比例核减"});
      } else if (mode == "priority") {
        Reduce(l, room, rule,
               {"the budget of " + budget->number.ToMoneyString() + " is spent in priority order",
                "预算" + Yuan(budget->number) + "按优先顺序安排"});
        room = Checked(room.Sub(l.amount), "budget");
      }
    }
  }

  lines_ = std::move(lines);
  ineligible_ = std::move(ineligible);
  DecideRecoveries();
}

// Each `recover` rule: when its conditions hold in the case year, within its
// years of the item's first award, every award received under the item (the
// history's net amounts) is to be returned.
void Evaluation::DecideRecoveries() {
  for (size_t mi = 0; mi < p_.measures.size(); ++mi) {
    for (const RecoveryRule& rule : p_.measures[mi].recoveries) {
      has_recovery_rules_ = true;
      Exact received;
      int first = 0;
      for (const HistoryEntry& h : case_.history) {
        if (h.measure != static_cast<int>(mi) || h.item != rule.item_index) continue;
        received = Checked(received.Add(h.amount), "recovery");
        if (first == 0 || h.year < first) first = h.year;
      }
      std::string step = p_.measures[mi].id + "." + rule.item + ".recover";
      if (first == 0 || received.Compare(Exact()) <= 0) continue;
      Reason within;
      if (rule.within_years) {
        Value years = Eval(*rule.within_years);
        bool in_time = Exact::Integer(case_.year - first).Compare(years.number) < 0;
        within = {"within " + Show(years) + " years of the first award (" + std::to_string(first) + ")",
                  "在" + std::to_string(first) + "年度首次获得支持后" + Show(years) + "年内"};
        if (explain_) {
          Trace(step, std::to_string(case_.year) + " - first award < " + Source(*rule.within_years),
                std::to_string(case_.year) + " - " + std::to_string(first) + " < " + Show(years), Holds(in_time),
                AllLabels(rule.cites));
        }
        if (!in_time) continue;
      }
      Reason held;
      bool all = true;
      for (const Condition& c : rule.conditions) {
        bool ok = Truth(*c.expr);
        if (explain_) Trace(step, Source(*c.expr), Render(*c.expr), Holds(ok), AllLabels(rule.cites));
        if (!ok) {
          all = false;
          break;
        }
        held.Add({Describe(*c.expr, true), DescribeZh(*c.expr, true)}, " and ", "，且");
      }
      if (!all) continue;
      Recovery r;
      r.measure = static_cast<int>(mi);
      r.rule = &rule;
      r.amount = received;
      const std::string year = std::to_string(case_.year);
      const ItemDecl& item = p_.measures[mi].items[static_cast<size_t>(rule.item_index)];
      r.why.en = held.en + " in " + year + (within.empty() ? "" : ", " + within.en) + ": the " +
                 received.ToMoneyString() + " received under " + rule.item + " is returned";
      r.why.zh = year + "年度" + held.zh + (within.empty() ? "" : "，" + within.zh) + "：已获" +
                 (item.title_zh.empty() ? rule.item : item.title_zh) + Yuan(received) + "应予退回";
      recoveries_.push_back(std::move(r));
    }
  }
}

// The decision in the order of CASES.md: applicant, year, policy, eligible,
// awards, total, not_awarded (and the trace, which the caller adds).
template <typename Writer>
void Evaluation::WriteDecision(Writer& w) const {
  w.Key("applicant");
  w.String(case_.applicant_id);
  w.Key("year");
  w.Int(case_.year);
  w.Key("policy");
  w.BeginObject();
  w.Key("id");
  w.String(p_.id);
  w.Key("version");
  w.String(p_.version);
  w.Key("digest");
  w.String(cp_.digest);
  w.EndObject();
  w.Key("eligible");
  w.Bool(ineligible_.empty());
  Exact sum;
  for (const bool paid_lines : {true, false}) {
    w.Key(paid_lines ? "awards" : "not_awarded");
    w.BeginArray();
    for (const Line& l : lines_) {
      const bool paid = !l.refused && !l.amount.is_zero();
      if (paid != paid_lines) continue;
      const ItemDecl& item = ItemOf(l);
      w.BeginObject();
      w.Key("measure");
      w.String(MeasureId(l));
      w.Key("item");
      w.String(item.name);
      if (!l.project.empty()) {
        w.Key("project");
        w.String(l.project);
      }
      if (l.claim && !l.claim->solution.empty()) {
        w.Key("solution");
        w.String(l.claim->solution);
      }
      if (l.condition >= 0) {
        w.Key("condition");
        w.String(item.named_conditions[static_cast<size_t>(l.condition)].name);
      }
      if (paid) {
        w.Key("amount");
        w.String(l.amount.ToMoneyString());
        w.Key("computed");
        w.String(l.computed.ToMoneyString());
        if (!l.drawn.empty()) {
          w.Key("drawn");
          w.BeginObject();
          for (const auto& [g, fen] : l.drawn) {
            w.Key(cp_.Draw(g).name);
            w.String(Exact::Fen(fen).ToMoneyString());
          }
          w.EndObject();
        }
      }
      w.Key("clause");
      w.String(l.clause);
      w.Key("decision");
      w.String(l.decision);
      const Reason& why = !paid && !l.refused && !l.reductions.empty() ? l.reductions.back().why : l.why;
      w.Key("why");
      w.String(why.en);
      w.Key("why_zh");
      w.String(why.zh);
      if (!l.reductions.empty()) {
        w.Key("reductions");
        w.BeginArray();
        for (const auto& r : l.reductions) {
          w.BeginObject();
          w.Key("rule");
          w.String(r.rule);
          w.Key("amount");
          w.String("-" + r.by.ToMoneyString());
          w.Key("why");
          w.String(r.why.en);
          w.Key("why_zh");
          w.String(r.why.zh);
          w.EndObject();
        }
        w.EndArray();
      }
      w.EndObject();
      if (paid) sum = Checked(sum.Add(l.amount), "total");
    }
    w.EndArray();
    if (paid_lines) {
      w.Key("total");
      w.String(sum.ToMoneyString());
    }
  }
  // Only a policy with recovery rules has the key: the others' decisions
  // keep their bytes.
  if (has_recovery_rules_) {
    w.Key("recoveries");
    w.BeginArray();
    for (const Recovery& r : recoveries_) {
      w.BeginObject();
      w.Key("measure");
      w.String(p_.measures[static_cast<size_t>(r.measure)].id);
      w.Key("item");
      w.String(r.rule->item);
      w.Key("amount");
      w.String(r.amount.ToMoneyString());
      w.Key("clause");
      w.String(Labels(r.rule->cites, false));
      w.Key("decision");
      w.String(Labels(r.rule->cites, true));
      w.Key("why");
      w.String(r.why.en);
      w.Key("why_zh");
      w.String(r.why.zh);
      w.EndObject();
    }
    w.EndArray();
  }
}

OJson Evaluation::ToJson() {
  JsonValueWriter w;
  w.BeginObject();
  WriteDecision(w);
  if (explain_) {
    w.Key("trace");
    w.Value(std::move(trace_));
  }
  w.EndObject();
  return std::move(w.result());
}

std::string Evaluation::ToText() const {
  std::string text;
  text.reserve(4096);
  JsonTextWriter w(&text);
  w.BeginObject();
  WriteDecision(w);
  w.EndObject();
  text.push_back('\n');
  return text;
}

}  // namespace

namespace {

// A parameter's literal value as a Value of its type.
Value LiteralValue(const CheckedPolicy& cp, const ParamDecl& prm, const EffectiveValue& in_force) {
  Value v;
  const Expr& e = *in_force.value;
  v.kind = prm.type.kind;
  v.enum_id = prm.type.enum_id;
  v.none = e.literal.is_none;
  v.number = e.literal.number;
  v.flag = e.literal.flag;
  v.text = e.literal.symbol;
  if (prm.type.kind == TypeKind::kEnum && !v.none) {
    const auto& names = cp.policy.enums[static_cast<size_t>(prm.type.enum_id)].values;
    v.choice = static_cast<int>(std::find(names.begin(), names.end(), e.literal.symbol) - names.begin());
  }
  return v;
}

}  // namespace

Value ParameterValueOn(const CheckedPolicy& cp, int index, const std::string& day) {
  for (const auto& [i, value] : cp.overrides) {
    if (i == index) return value;
  }
  const ParamDecl& prm = cp.policy.params[static_cast<size_t>(index)];
  const EffectiveValue* in_force = &prm.values.front();
  for (const auto& v : prm.values) {
    if (!v.from || *v.from <= day) in_force = &v;
  }
  return LiteralValue(cp, prm, *in_force);
}

Result<std::vector<Value>> ParameterValues(const CheckedPolicy& cp, int year) {
  const auto& overrides = cp.overrides;
  std::vector<Value> values;
  values.reserve(cp.policy.params.size());
  std::string day = std::to_string(year) + "-01-01";
  for (const ParamDecl& prm : cp.policy.params) {
    const EffectiveValue* in_force = nullptr;
    for (const auto& v : prm.values) {
      if (!v.from || *v.from <= day) in_force = &v;
    }
    if (!in_force) {
      return InvalidArgument("the parameter '" + prm.name + "' has no value in force in " + std::to_string(year), "year");
    }
    values.push_back(LiteralValue(cp, prm, *in_force));
  }
  for (const auto& [index, value] : overrides) values[static_cast<size_t>(index)] = value;
  return values;
}

Result<int64_t> NoticeDays(const CheckedPolicy& cp, int year) {
  auto it = cp.param_index.find("notice_days");
  if (it == cp.param_index.end()) {
    return InvalidArgument("the policy has no parameter notice_days: give the notice's last day", "notice_days");
  }
  BURSAR_ASSIGN_OR_RETURN(auto values, ParameterValues(cp, year));
  const Value& v = values[static_cast<size_t>(it->second)];
  if (v.none || !v.number.is_integer() || v.number.num() < 1 || v.number.num() > 366) {
    return InvalidArgument("the policy's notice_days is not a number of days from 1 to 366", "notice_days");
  }
  return static_cast<int64_t>(v.number.num());
}

Result<std::shared_ptr<const Engine>> Engine::Load(const std::string& policy_dir,
                                                   const std::vector<ParameterOverride>& overrides) {
  BURSAR_ASSIGN_OR_RETURN(LoadResult loaded, LoadPolicy(policy_dir));
  if (!loaded.policy) {
    return Status(StatusCode::kInvalidArgument, "the policy has errors:\n" + loaded.formatted);
  }
  for (const auto& o : overrides) {
    auto it = loaded.policy->param_index.find(o.name);
    if (it == loaded.policy->param_index.end()) {
      std::vector<std::string> known;
      for (const auto& prm : loaded.policy->policy.params) known.push_back(prm.name);
      std::string hint = ClosestName(o.name, known);
      return InvalidArgument("no parameter named '" + o.name + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"),
                             "--set " + o.name);
    }
    const ParamDecl& prm = loaded.policy->policy.params[static_cast<size_t>(it->second)];
    auto value = ParseLiteralValue(*loaded.policy, prm.type, o.value);
    if (!value.ok()) return InvalidArgument(value.status().message(), "--set " + o.name);
    loaded.policy->overrides.emplace_back(it->second, *value);
  }
  return std::shared_ptr<const Engine>(std::make_shared<Engine>(std::move(loaded.policy)));
}

namespace {

// Reads the case, decides it and hands the finished evaluation to `write`.
template <typename Write>
auto Decide(const CheckedPolicy& cp, const nlohmann::json& case_json, const EvaluateOptions& options, Write write)
    -> Result<decltype(write(std::declval<Evaluation&>()))> {
  BURSAR_ASSIGN_OR_RETURN(Case c, ReadCase(cp, case_json));
  BURSAR_ASSIGN_OR_RETURN(std::vector<Value> params, ParameterValues(cp, c.year));
  try {
    Evaluation e(cp, params, c, options.explain);
    e.Run();
    return write(e);
  } catch (const Overflow& o) {
    return Status(StatusCode::kOutOfRange, "an amount left the exact range while computing " + o.where, "");
  }
}

}  // namespace

Result<nlohmann::ordered_json> Engine::Evaluate(const nlohmann::json& case_json, const EvaluateOptions& options) const {
  return Decide(*policy_, case_json, options, [](Evaluation& e) { return e.ToJson(); });
}

Result<std::string> Engine::EvaluateText(const std::string& case_text, const EvaluateOptions& options) const {
  auto parsed = ParseJsonText(case_text);
  if (!parsed.ok()) return InvalidArgument("the case is not valid JSON: " + parsed.status().message(), parsed.status().field());
  // The trace is an ordered_json already; only a decision without one is
  // written straight to text.
  if (options.explain) {
    return Decide(*policy_, *parsed, options, [](Evaluation& e) { return e.ToJson().dump(2) + "\n"; });
  }
  return Decide(*policy_, *parsed, options, [](Evaluation& e) { return e.ToText(); });
}

Status Engine::CheckClaim(int64_t year, const std::string& credit_code, const nlohmann::json& claim) const {
  if (!claim.is_object()) return InvalidArgument("a claim is an object with a \"measure\"", "claim");
  // The claim alone is in question: an applicant of no flags and a year
  // without facts or history is a case the contract accepts.
  const nlohmann::json probe = {{"year", year},
                                {"applicant", {{"id", credit_code}}},
                                {"facts", nlohmann::json::object()},
                                {"claims", nlohmann::json::array({claim})},
                                {"history", nlohmann::json::array()}};
  auto read = ReadCase(*policy_, probe);
  if (read.ok()) return OkStatus();
  const Status& refused = read.status();
  // The probe's applicant and year are not the claim's to answer for: the
  // store refuses an enterprise it does not hold and a year out of range.
  if (refused.field().rfind("claims[0]", 0) != 0) return OkStatus();
  return InvalidArgument(refused.message(), "claim" + refused.field().substr(9))
      .WithReason(refused.reason(), refused.params());
}

Result<std::string> Engine::FigureValue(int64_t year, const std::string& credit_code, std::string_view name,
                                        std::string_view text, bool declared) const {
  const Policy& p = policy_->policy;
  const size_t dot = name.find('.');
  const std::string_view section = name.substr(0, dot == std::string_view::npos ? 0 : dot);
  const std::string_view field = dot == std::string_view::npos ? name : name.substr(dot + 1);
  const std::vector<FieldDecl>* decls = section == "applicant" ? &p.applicant_fields
                                        : section == "facts"   ? &p.facts
                                                               : nullptr;
  const FieldDecl* decl = nullptr;
  if (decls != nullptr) {
    for (const FieldDecl& d : *decls) {
      if (d.name == field && d.derived == FieldDecl::Derived::kNone) decl = &d;
    }
  }
  if (decl == nullptr) {
    std::string known;
    for (const char* s : {"applicant", "facts"}) {
      for (const FieldDecl& d : std::string_view(s) == "applicant" ? p.applicant_fields : p.facts) {
        if (d.derived == FieldDecl::Derived::kNone) known += (known.empty() ? "" : ", ") + std::string(s) + "." + d.name;
      }
    }
    return InvalidArgument("policy " + policy_id() + " reads no figure \"" + std::string(name) + "\": name one of " +
                               known,
                           "name")
        .WithReason("unknown_field");
  }
  if (declared && !decl->given_by.empty()) {
    return Status(StatusCode::kPermissionDenied,
                  "\"" + std::string(name) + "\" is given by " + decl->given_by + " (policy " + policy_id() +
                      "): an enterprise does not declare it; " + decl->given_by + " supplies it through the data bureau",
                  "name")
        .WithReason("official_only", {{"given_by", decl->given_by}, {"given_by_zh", decl->given_by_zh}});
  }
  // The value as a case gives it: true and false (是, 否) for a flag, a
  // number for a count or a year, a string for the rest (an amount or a
  // quantity without its thousands separators: "1,250,000.50" is "1250000.50").
  const TypeKind kind = decl->type.kind;
  std::string plain(text);
  if (kind == TypeKind::kMoney || kind == TypeKind::kQuantity) std::erase(plain, ',');
  nlohmann::json value = plain;
  if (decl->type.optional && text == "none") {
    value = nullptr;
  } else if (kind == TypeKind::kFlag && (text == "true" || text == "是" || text == "false" || text == "否")) {
    value = text == "true" || text == "是";
  } else if ((kind == TypeKind::kCount || kind == TypeKind::kYear) && !text.empty() && text.size() <= 18 &&
             std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    value = std::stoll(std::string(text));
  }
  nlohmann::json probe = {{"year", year},
                          {"applicant", {{"id", credit_code}}},
                          {"facts", nlohmann::json::object()},
                          {"claims", nlohmann::json::array()},
                          {"history", nlohmann::json::array()}};
  probe[std::string(section)][std::string(field)] = value;
  auto read = ReadCase(*policy_, probe);
  if (!read.ok() && read.status().field().rfind(std::string(name), 0) == 0) {
    return InvalidArgument(read.status().message(), "value").WithReason(read.status().reason(), read.status().params());
  }
  return value.dump();
}

Result<std::vector<LimitExcess>> Engine::CheckLedger(int year, const nlohmann::json& applicant,
                                                     const std::vector<LedgerLine>& ledger) const {
  const CheckedPolicy& cp = *policy_;
  nlohmann::json case_json = {{"year", year}, {"applicant", applicant}};
  BURSAR_ASSIGN_OR_RETURN(Case c, ReadCase(cp, case_json));
  BURSAR_ASSIGN_OR_RETURN(std::vector<Value> params, ParameterValues(cp, year));
  std::vector<limits::ItemRules> rules;
  std::vector<int64_t> limit_fen;
  std::vector<std::vector<std::string>> dropped;
  std::vector<limits::Line> lines;
  std::vector<std::string> keys;
  auto key = [&](const std::string& id) -> int32_t {
    if (id.empty()) return -1;
    auto it = std::find(keys.begin(), keys.end(), id);
    if (it != keys.end()) return static_cast<int32_t>(it - keys.begin());
    keys.push_back(id);
    return static_cast<int32_t>(keys.size() - 1);
  };
  std::vector<std::vector<std::pair<int, int64_t>>> drawn(ledger.size());  // (global draw, fen) by line
  for (size_t i = 0; i < ledger.size(); ++i) {
    const LedgerLine& in = ledger[i];
    std::string path = "ledger[" + std::to_string(i) + "]";
    const MeasureDecl* m = cp.FindMeasure(in.measure);
    if (!m) return InvalidArgument("unknown measure \"" + in.measure + "\"", path + ".measure");
    int item = in.item.empty() && m->items.size() == 1 ? 0 : cp.FindItem(*m, in.item);
    if (item < 0) return InvalidArgument("unknown item \"" + in.item + "\" of measure " + m->id, path + ".item");
    if (in.amount_fen < 0) return InvalidArgument("a net amount cannot be negative", path + ".amount");
    limits::Line l;
    l.item = m->items[static_cast<size_t>(item)].global_index;
    l.year = in.year;
    l.project = key(in.project);
    l.solution = key(in.solution);
    if (!in.condition.empty()) {
      const ItemDecl& decl = m->items[static_cast<size_t>(item)];
      for (size_t k = 0; k < decl.named_conditions.size(); ++k) {
        if (decl.named_conditions[k].name == in.condition) l.condition = static_cast<int32_t>(k);
      }
      if (l.condition < 0) return InvalidArgument("unknown condition \"" + in.condition + "\"", path + ".condition");
      // A condition's id is its index; keep the name for the report.
    }
    l.fen = in.amount_fen;
    lines.push_back(l);
    // What the award counted of its item's draws, by global draw.
    const ItemDecl& decl = m->items[static_cast<size_t>(item)];
    for (const auto& figure : in.drawn) {
      const std::string& name = figure.first;
      const int64_t fen = figure.second;
      const std::string at = path + ".drawn." + name;
      auto d = std::find_if(decl.draws.begin(), decl.draws.end(), [&](const DrawDecl& x) { return x.name == name; });
      if (d == decl.draws.end()) {
        return InvalidArgument("item " + decl.name + " of measure " + m->id + " draws no \"" + name + "\"", at);
      }
      if (fen < 0) return InvalidArgument("a counted figure cannot be negative", at);
      drawn[i].emplace_back(d->global_index, fen);
    }
  }
  std::vector<limits::Excess> found;
  std::vector<int64_t> draw_limit_fen;
  try {
    Evaluation e(cp, params, c, false);
    e.LedgerContext(&rules, &limit_fen, &dropped, &draw_limit_fen);
    found = limits::CheckLedger(cp, limit_fen, rules, year, lines);
    std::vector<LimitExcess> out;
    static const char* kScope[] = {"claim", "project", "solution", "condition", "enterprise"};  // by LimitScope
    for (const limits::Excess& x : found) {
      LimitExcess r;
      const std::vector<std::string> none;
      auto money = [](int64_t fen) { return Exact::Fen(fen).ToMoneyString(); };
      auto item_name = [&](int g) {
        const auto& ref = cp.items[static_cast<size_t>(g)];
        return cp.policy.measures[static_cast<size_t>(ref.measure)].id + " " + cp.Item(g).name;
      };
      r.scope = kScope[static_cast<int>(x.scope)];
      r.span_first = x.span_first;
      r.span_last = x.span_last;
      r.limit_value = x.limit_value;
      r.total = x.total;
      r.over = x.over;
      r.lines = x.lines;
      if (x.kind == limits::Excess::kCap) {
        const LimitDecl& d = cp.limits[static_cast<size_t>(x.limit)];
        const std::vector<std::string>& drop = d.items.size() == 1 ? dropped[static_cast<size_t>(d.items[0])] : none;
        r.kind = "cap";
        std::string what = d.items_text.empty() ? item_name(d.items[0]) : "total of " + d.items_text;
        if (!d.items_text.empty() && d.items.size() > 0 && d.items_text.rfind("measures", 0) != 0 &&
            d.items_text != "all measures") {
          what = cp.policy.measures[static_cast<size_t>(cp.items[static_cast<size_t>(d.items[0])].measure)].id + " " + what;
        }
        r.limit = what + ": at most " + money(x.limit_value) + " " + (d.stage == LimitStage::kLine ? "per claim" : d.written);
        r.clause = e.Labels(d.cites, false, drop);
        r.decision = e.Labels(d.cites, true, drop);
      } else {
        const ItemDecl& item = cp.Item(x.item);
        const std::vector<std::string>& drop = dropped[static_cast<size_t>(x.item)];
        r.money = false;
        r.clause = e.Labels(item.cites, false, drop);
        r.decision = e.Labels(item.cites, true, drop);
        switch (x.kind) {
          case limits::Excess::kOnce:
            r.kind = "once";
            r.limit = item_name(x.item) + ": once per " + limits::OnceName(rules[static_cast<size_t>(x.item)].once) +
                      " (awarded in one year only)";
            break;
          case limits::Excess::kDecidedTwice:
            r.kind = "decided_twice";
            r.limit = item_name(x.item) + ": decided once a year from the year's facts";
            break;
          case limits::Excess::kConsecutive:
            r.kind = "consecutive";
            r.limit = item_name(x.item) + ": at most " + std::to_string(x.limit_value) + " consecutive years";
            break;
          case limits::Excess::kPeriodOver:
            r.kind = "period";
            r.limit = item_name(x.item) + ": a support period of " + std::to_string(x.limit_value) +
                      " years from the first award";
            break;
          case limits::Excess::kCap: break;
        }
      }
      if (x.key >= 0) {
        if (x.scope == LimitScope::kCondition) {
          int g = x.kind == limits::Excess::kCap ? cp.limits[static_cast<size_t>(x.limit)].items[0] : x.item;
          r.key = cp.Item(g).named_conditions[static_cast<size_t>(x.key)].name;
        } else {
          r.key = keys[static_cast<size_t>(x.key)];
        }
      }
      for (size_t j : x.lines) {
        const std::string& id = ledger[j].id;
        if (std::find(r.ids.begin(), r.ids.end(), id) == r.ids.end()) r.ids.push_back(id);
      }
      out.push_back(std::move(r));
    }
    // Draws: what the year's lines of one pool (item, scope key) counted of a
    // draw may not pass its limit (the evaluators count each line only up to
    // what the lines before it left).
    auto counted = [&](size_t i, int g) -> std::optional<int64_t> {
      for (const auto& [gi, fen] : drawn[i]) {
        if (gi == g) return fen;
      }
      return std::nullopt;
    };
    for (size_t g = 0; g < cp.draws.size(); ++g) {
      const DrawDecl& d = cp.Draw(static_cast<int>(g));
      std::vector<bool> pooled(lines.size(), false);
      for (size_t i = 0; i < lines.size(); ++i) {
        if (pooled[i] || lines[i].year != year || !counted(i, static_cast<int>(g))) continue;
        LimitExcess r;
        __int128 total = 0;
        for (size_t j = i; j < lines.size(); ++j) {
          if (pooled[j] || lines[j].year != year || !limits::SameDrawPool(d.scope, lines[j], lines[i])) continue;
          auto fen = counted(j, static_cast<int>(g));
          if (!fen) continue;
          pooled[j] = true;
          total += *fen;
          r.lines.push_back(j);
          if (std::find(r.ids.begin(), r.ids.end(), ledger[j].id) == r.ids.end()) r.ids.push_back(ledger[j].id);
        }
        const int64_t limit = draw_limit_fen[g];
        if (total <= limit) continue;
        const int gi = cp.draws[g].item;
        const auto& ref = cp.items[static_cast<size_t>(gi)];
        const FieldDecl& figure = cp.policy.claim_fields[static_cast<size_t>(d.figure->ref_index)];
        r.kind = "draw";
        r.limit = cp.policy.measures[static_cast<size_t>(ref.measure)].id + " " + cp.Item(gi).name + ": " +
                  (figure.noun.empty() ? figure.name : figure.noun) + " counted at most " +
                  Exact::Fen(limit).ToMoneyString() + " " + d.written;
        r.clause = e.Labels(d.cites, false, {});
        r.decision = e.Labels(d.cites, true, {});
        r.scope = kScope[static_cast<int>(d.scope)];
        if (d.scope == LimitScope::kProject && lines[i].project >= 0) r.key = keys[static_cast<size_t>(lines[i].project)];
        if (d.scope == LimitScope::kSolution && lines[i].solution >= 0) {
          r.key = keys[static_cast<size_t>(lines[i].solution)];
        }
        r.span_first = r.span_last = year;
        r.limit_value = limit;
        r.total = static_cast<int64_t>(total);
        r.over = static_cast<int64_t>(total - limit);
        out.push_back(std::move(r));
      }
    }
    return out;
  } catch (const Overflow& o) {
    return Status(StatusCode::kOutOfRange, "an amount left the exact range while computing " + o.where, "");
  }
}

const std::string& Engine::policy_id() const { return policy_->policy.id; }
const std::string& Engine::policy_version() const { return policy_->policy.version; }
const std::string& Engine::digest() const { return policy_->digest; }

}  // namespace bursar
