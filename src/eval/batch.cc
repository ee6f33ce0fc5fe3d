// The batch evaluator. See batch.h for the contract and the layout.
//
// Invariants:
//   - every numeric step's output is num/den with den fixed at compile time;
//   - lines are produced per item in case order; the per-case pass visits them
//     in (measure, item, claim) order, the single evaluator's order;
//   - every reduction follows eval/evaluator.cc step for step: the
//     differential test (tests/unit/batch_test.cc) holds the two together.
#include "eval/batch.h"

#include <algorithm>
#include <numeric>

namespace bursar {
namespace {

using i128 = __int128;

constexpr i128 kMaxDen = static_cast<i128>(1) << 62;

i128 Gcd(i128 a, i128 b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b) {
    i128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}
i128 Lcm(i128 a, i128 b) { return a / Gcd(a, b) * b; }

int64_t ToCell(const Value& v) {
  if (v.none) return -1;
  switch (v.kind) {
    case TypeKind::kMoney: return v.number.ToFen().value_or(0);
    case TypeKind::kCount:
    case TypeKind::kYear: return static_cast<int64_t>(v.number.num());
    case TypeKind::kFlag: return v.flag ? 1 : 0;
    case TypeKind::kEnum: return v.choice;
    default: return 0;
  }
}

// ---- compiled formulas ----

enum class Step : uint8_t {
  kConst, kFact, kClaim, kApplicant, kTag, kAdd, kSub, kMul, kNeg, kMin, kMax, kSelect,
  kCompare, kAnd, kOr, kNot, kIn, kIsNone, kFlagConst
};

struct Node {
  Step step;
  bool flag = false;   // output is a flag column
  i128 den = 1;        // numeric output = num / den
  i128 value = 0;      // kConst: numerator; kFlagConst: 0/1
  int column = -1;     // kFact/kClaim/kApplicant column, kTag bit
  Op cmp = Op::kEq;
  std::vector<int> args;
  std::vector<i128> scale;  // per arg: multiplier to this node's den (or the comparison's common den)
  std::vector<int64_t> choices;
};

struct Formula {
  std::vector<Node> nodes;  // post-order; the last is the result
  int root = -1;
};

class Compiler {
 public:
  Compiler(const CheckedPolicy& cp, const std::vector<Value>& params) : cp_(cp), params_(params) {}

  Result<Formula> Compile(const Expr& e) {
    Formula f;
    error_.clear();
    f.root = Emit(e, &f);
    if (!error_.empty()) return InvalidArgument("the batch evaluator cannot run " + error_);
    return f;
  }

 private:
  int Push(Formula* f, Node n) {
    if (!n.flag && n.den >= kMaxDen) error_ = "a formula whose exact denominator is too large";
    f->nodes.push_back(std::move(n));
    return static_cast<int>(f->nodes.size() - 1);
  }
  int Constant(Formula* f, const Value& v) {
    Node n;
    if (v.kind == TypeKind::kFlag) {
      n.step = Step::kFlagConst;
      n.flag = true;
      n.value = v.flag ? 1 : 0;
    } else {
      n.step = Step::kConst;
      if (v.kind == TypeKind::kEnum) {
        n.value = v.none ? -1 : v.choice;
      } else {
        n.value = v.number.num();
        n.den = v.number.den();
      }
    }
    return Push(f, std::move(n));
  }

  int Emit(const Expr& e, Formula* f) {
    Node n;
    n.flag = e.type.kind == TypeKind::kFlag;
    switch (e.kind) {
      case ExprKind::kLiteral: {
        Value v;
        v.kind = e.type.kind;
        v.number = e.literal.number;
        v.flag = e.literal.flag;
        return Constant(f, v);
      }
      case ExprKind::kName:
        switch (e.ref_kind) {
          case RefKind::kParam: return Constant(f, params_[static_cast<size_t>(e.ref_index)]);
          case RefKind::kYear: {
            Value v;
            v.kind = TypeKind::kYear;
            v.number = Exact::Integer(year_);
            return Constant(f, v);
          }
          case RefKind::kEnumValue: {
            Node c;
            c.step = Step::kConst;
            c.value = e.ref_index;
            return Push(f, std::move(c));
          }
          case RefKind::kFact:
          case RefKind::kClaimField:
            n.step = e.ref_kind == RefKind::kFact ? Step::kFact : Step::kClaim;
            n.column = e.ref_index;
            n.den = e.type.kind == TypeKind::kMoney ? 100 : 1;
            if (e.type.kind == TypeKind::kText || e.type.kind == TypeKind::kDate || e.type.kind == TypeKind::kRate) {
              error_ = "the name '" + e.name + "' (a " + TypeKindName(e.type.kind) + " field)";
            }
            return Push(f, std::move(n));
          case RefKind::kApplicant:
            n.step = Step::kApplicant;
            n.column = e.ref_index;
            return Push(f, std::move(n));
          default:
            error_ = "the name '" + e.name + "'";
            return Push(f, std::move(n));
        }
      case ExprKind::kTagged: {
        auto it = cp_.tag_index.find(e.name);
        n.step = Step::kTag;
        n.column = it == cp_.tag_index.end() ? -1 : it->second;
        return Push(f, std::move(n));
      }
      case ExprKind::kUnary: {
        int a = Emit(*e.args[0], f);
        n.step = e.op == Op::kNot ? Step::kNot : Step::kNeg;
        n.den = f->nodes[static_cast<size_t>(a)].den;
        n.args = {a};
        return Push(f, std::move(n));
      }
      case ExprKind::kIsNone: {
        n.step = Step::kIsNone;
        n.args = {Emit(*e.args[0], f)};
        return Push(f, std::move(n));
      }
      case ExprKind::kIn: {
        n.step = Step::kIn;
        n.args = {Emit(*e.args[0], f)};
        for (int c : e.choice_indices) n.choices.push_back(c);
        return Push(f, std::move(n));
      }
      case ExprKind::kIf: {
        int c = Emit(*e.args[0], f), a = Emit(*e.args[1], f), b = Emit(*e.args[2], f);
        n.step = Step::kSelect;
        n.args = {c, a, b};
        if (!n.flag) Unify(f, &n, 1);
        return Push(f, std::move(n));
      }
      case ExprKind::kCall: {
        n.step = e.name == "min" ? Step::kMin : Step::kMax;
        for (const auto& arg : e.args) n.args.push_back(Emit(*arg, f));
        Unify(f, &n, 0);
        return Push(f, std::move(n));
      }
      case ExprKind::kBinary: {
        int a = Emit(*e.args[0], f), b = Emit(*e.args[1], f);
        n.args = {a, b};
        i128 da = f->nodes[static_cast<size_t>(a)].den, db = f->nodes[static_cast<size_t>(b)].den;
        switch (e.op) {
          case Op::kAnd: n.step = Step::kAnd; break;
          case Op::kOr: n.step = Step::kOr; break;
          case Op::kAdd:
          case Op::kSub:
            n.step = e.op == Op::kAdd ? Step::kAdd : Step::kSub;
            Unify(f, &n, 0);
            break;
          case Op::kMul:
            n.step = Step::kMul;
            n.den = da * db;
            if (da >= kMaxDen || db >= kMaxDen) error_ = "a product of very fine fractions";
            break;
          case Op::kDiv:
            error_ = "division ('" + std::string("/") + "')";
            break;
          default: {
            n.step = Step::kCompare;
            n.cmp = e.op;
            const Type& lt = e.args[0]->type;
            if (lt.kind == TypeKind::kFlag) {
              n.scale = {1, 1};
            } else {
              Unify(f, &n, 0);
            }
            n.flag = true;
            break;
          }
        }
        return Push(f, std::move(n));
      }
    }
    error_ = "an unknown construct";
    return Push(f, std::move(n));
  }

  // Brings args [from..] to one denominator: n->den and n->scale.
  void Unify(Formula* f, Node* n, size_t from) {
    i128 den = 1;
    for (size_t i = from; i < n->args.size(); ++i) den = Lcm(den, f->nodes[static_cast<size_t>(n->args[i])].den);
    if (den >= kMaxDen) error_ = "values whose common denominator is too large";
    n->scale.assign(n->args.size(), 1);
    for (size_t i = from; i < n->args.size(); ++i) n->scale[i] = den / f->nodes[static_cast<size_t>(n->args[i])].den;
    if (n->step != Step::kCompare) n->den = den;
  }

 public:
  int year_ = 0;

 private:
  const CheckedPolicy& cp_;
  const std::vector<Value>& params_;
  std::string error_;
};

// Where a vector of lines reads its columns.
struct Lines {
  const CaseColumns* cases = nullptr;
  const uint32_t* case_row = nullptr;  // per line
  const int32_t* claim_row = nullptr;  // per line, or null for apply-free lines
  size_t count = 0;
};

struct Scratch {
  std::vector<std::vector<i128>> num;
  std::vector<std::vector<uint8_t>> flag;
  bool overflow = false;
};

inline i128 MulChecked(i128 a, i128 b, bool* overflow) {
  i128 r;
  if (__builtin_mul_overflow(a, b, &r)) *overflow = true;
  return r;
}
inline i128 AddChecked(i128 a, i128 b, bool* overflow) {
  i128 r;
  if (__builtin_add_overflow(a, b, &r)) *overflow = true;
  return r;
}

// Evaluates a formula over lines[begin, begin+n); the result is in
// scratch->num[root] (numeric) or scratch->flag[root] (flag).
void RunFormula(const Formula& f, const Lines& lines, size_t begin, size_t n, Scratch* s) {
  if (s->num.size() < f.nodes.size()) {
    s->num.resize(f.nodes.size(), std::vector<i128>(kBatchSize));
    s->flag.resize(f.nodes.size(), std::vector<uint8_t>(kBatchSize));
  }
  const CaseColumns& c = *lines.cases;
  for (size_t k = 0; k < f.nodes.size(); ++k) {
    const Node& node = f.nodes[k];
    i128* out = s->num[k].data();
    uint8_t* fout = s->flag[k].data();
    auto arg = [&](size_t i) { return s->num[static_cast<size_t>(node.args[i])].data(); };
    auto farg = [&](size_t i) { return s->flag[static_cast<size_t>(node.args[i])].data(); };
    switch (node.step) {
      case Step::kConst:
        std::fill(out, out + n, node.value);
        break;
      case Step::kFlagConst:
        std::fill(fout, fout + n, static_cast<uint8_t>(node.value));
        break;
      case Step::kFact: {
        const int64_t* col = c.facts[static_cast<size_t>(node.column)].data();
        if (node.flag) {
          for (size_t i = 0; i < n; ++i) fout[i] = static_cast<uint8_t>(col[lines.case_row[begin + i]]);
        } else {
          for (size_t i = 0; i < n; ++i) out[i] = col[lines.case_row[begin + i]];
        }
        break;
      }
      case Step::kClaim: {
        const int64_t* col = c.claim_fields[static_cast<size_t>(node.column)].data();
        if (node.flag) {
          for (size_t i = 0; i < n; ++i) fout[i] = static_cast<uint8_t>(col[lines.claim_row[begin + i]]);
        } else {
          for (size_t i = 0; i < n; ++i) out[i] = col[lines.claim_row[begin + i]];
        }
        break;
      }
      case Step::kApplicant: {
        const uint8_t* col = c.applicant[static_cast<size_t>(node.column)].data();
        for (size_t i = 0; i < n; ++i) fout[i] = col[lines.case_row[begin + i]];
        break;
      }
      case Step::kTag: {
        if (node.column < 0) {
          std::fill(fout, fout + n, 0);
          break;
        }
        uint64_t bit = uint64_t{1} << node.column;
        for (size_t i = 0; i < n; ++i) fout[i] = (c.tags[lines.case_row[begin + i]] & bit) != 0;
        break;
      }
      case Step::kAdd:
      case Step::kSub: {
        const i128 *a = arg(0), *b = arg(1);
        i128 sa = node.scale[0], sb = node.scale[1];
        bool sub = node.step == Step::kSub;
        for (size_t i = 0; i < n; ++i) {
          i128 x = MulChecked(a[i], sa, &s->overflow), y = MulChecked(b[i], sb, &s->overflow);
          out[i] = AddChecked(x, sub ? -y : y, &s->overflow);
        }
        break;
      }
      case Step::kMul: {
        const i128 *a = arg(0), *b = arg(1);
        for (size_t i = 0; i < n; ++i) out[i] = MulChecked(a[i], b[i], &s->overflow);
        break;
      }
      case Step::kNeg: {
        const i128* a = arg(0);
        for (size_t i = 0; i < n; ++i) out[i] = -a[i];
        break;
      }
      case Step::kMin:
      case Step::kMax: {
        bool is_min = node.step == Step::kMin;
        const i128* a = arg(0);
        for (size_t i = 0; i < n; ++i) out[i] = MulChecked(a[i], node.scale[0], &s->overflow);
        for (size_t j = 1; j < node.args.size(); ++j) {
          const i128* b = arg(j);
          for (size_t i = 0; i < n; ++i) {
            i128 v = MulChecked(b[i], node.scale[j], &s->overflow);
            if (is_min ? v < out[i] : v > out[i]) out[i] = v;
          }
        }
        break;
      }
      case Step::kSelect: {
        const uint8_t* cond = farg(0);
        if (node.flag) {
          const uint8_t *a = farg(1), *b = farg(2);
          for (size_t i = 0; i < n; ++i) fout[i] = cond[i] ? a[i] : b[i];
        } else {
          const i128 *a = arg(1), *b = arg(2);
          for (size_t i = 0; i < n; ++i) {
            out[i] = cond[i] ? MulChecked(a[i], node.scale[1], &s->overflow) : MulChecked(b[i], node.scale[2], &s->overflow);
          }
        }
        break;
      }
      case Step::kCompare: {
        bool flags = node.scale.size() == 2 && s->flag.size() > 0 &&
                     f.nodes[static_cast<size_t>(node.args[0])].flag;
        auto cmp = [&](i128 x, i128 y) -> uint8_t {
          switch (node.cmp) {
            case Op::kLt: return x < y;
            case Op::kLe: return x <= y;
            case Op::kGt: return x > y;
            case Op::kGe: return x >= y;
            case Op::kEq: return x == y;
            default: return x != y;
          }
        };
        if (flags) {
          const uint8_t *a = farg(0), *b = farg(1);
          for (size_t i = 0; i < n; ++i) fout[i] = cmp(a[i], b[i]);
        } else {
          const i128 *a = arg(0), *b = arg(1);
          i128 sa = node.scale[0], sb = node.scale[1];
          for (size_t i = 0; i < n; ++i) {
            fout[i] = cmp(MulChecked(a[i], sa, &s->overflow), MulChecked(b[i], sb, &s->overflow));
          }
        }
        break;
      }
      case Step::kAnd: {
        const uint8_t *a = farg(0), *b = farg(1);
        for (size_t i = 0; i < n; ++i) fout[i] = a[i] & b[i];
        break;
      }
      case Step::kOr: {
        const uint8_t *a = farg(0), *b = farg(1);
        for (size_t i = 0; i < n; ++i) fout[i] = a[i] | b[i];
        break;
      }
      case Step::kNot: {
        const uint8_t* a = farg(0);
        for (size_t i = 0; i < n; ++i) fout[i] = !a[i];
        break;
      }
      case Step::kIn: {
        const i128* a = arg(0);
        for (size_t i = 0; i < n; ++i) {
          fout[i] = a[i] >= 0 && std::find(node.choices.begin(), node.choices.end(), static_cast<int64_t>(a[i])) !=
                                     node.choices.end();
        }
        break;
      }
      case Step::kIsNone: {
        const i128* a = arg(0);
        for (size_t i = 0; i < n; ++i) fout[i] = a[i] < 0;
        break;
      }
    }
  }
}

// Floor (or half up) of num/den to a multiple of `unit_fen` fen, in fen.
inline int64_t RoundToFen(i128 num, i128 den, bool half_up, int64_t unit_fen, bool* overflow) {
  i128 scaled_den = den * unit_fen;
  i128 units_num = MulChecked(num, 100, overflow);
  i128 q = units_num / scaled_den, r = units_num % scaled_den;
  if (r < 0) {
    --q;
    r += scaled_den;
  }
  if (half_up && r != 0 && 2 * r >= scaled_den) ++q;
  i128 fen = q * unit_fen;
  if (fen > INT64_MAX || fen < INT64_MIN) {
    *overflow = true;
    return 0;
  }
  return static_cast<int64_t>(fen);
}

// Caps evaluate to an exact amount; amounts are whole fen, so min(amount, cap)
// equals min(amount, floor(cap to the fen)).
inline int64_t CapToFen(i128 num, i128 den, bool* overflow) { return RoundToFen(num, den, false, 1, overflow); }

}  // namespace

// ---- CaseColumns ----

void CaseColumns::Reset(const CheckedPolicy& p, int programme_year) {
  *this = CaseColumns();
  year = programme_year;
  applicant.assign(p.policy.applicant_fields.size(), {});
  facts.assign(p.policy.facts.size(), {});
  claim_fields.assign(p.policy.claim_fields.size(), {});
}

int32_t CaseColumns::InternProject(const std::string& id) {
  auto [it, inserted] = project_ids.emplace(id, static_cast<int32_t>(projects.size()));
  if (inserted) projects.push_back(id);
  return it->second;
}

void CaseColumns::Append(const CheckedPolicy& p, const Case& c) {
  uint32_t row = static_cast<uint32_t>(applicant_id.size());
  applicant_id.push_back(c.applicant_id);
  for (size_t i = 0; i < applicant.size(); ++i) applicant[i].push_back(c.applicant[i] ? 1 : 0);
  uint64_t bits = 0;
  for (size_t t = 0; t < c.tags.size() && t < 64; ++t) bits |= c.tags[t] ? uint64_t{1} << t : 0;
  tags.push_back(bits);
  for (size_t i = 0; i < facts.size(); ++i) facts[i].push_back(ToCell(c.facts[i]));
  for (const Claim& claim : c.claims) {
    claim_case.push_back(row);
    claim_measure.push_back(static_cast<int16_t>(claim.measure));
    claim_item.push_back(static_cast<int16_t>(claim.item));
    claim_index.push_back(claim.index);
    for (size_t i = 0; i < claim_fields.size(); ++i) {
      if (static_cast<int>(i) == p.project_field) {
        claim_fields[i].push_back(claim.project.empty() ? -1 : InternProject(claim.project));
      } else {
        claim_fields[i].push_back(ToCell(claim.fields[i]));
      }
    }
    claim_project.push_back(claim.project.empty() ? -1 : InternProject(claim.project));
  }
  for (const HistoryEntry& h : c.history) {
    history_case.push_back(row);
    history_year.push_back(static_cast<int16_t>(h.year));
    history_measure.push_back(static_cast<int16_t>(h.measure));
    history_item.push_back(static_cast<int16_t>(h.item));
    history_amount.push_back(h.amount.ToFen().value_or(0));
    history_project.push_back(h.project.empty() ? -1 : InternProject(h.project));
  }
}

void BatchResult::Clear() {
  eligible.clear();
  total_fen.clear();
  awards.clear();
}

// ---- the program ----

struct CompiledCap {
  CapScope scope;
  Formula limit;
};

struct CompiledItem {
  int measure = -1, item = -1;
  bool by_claim = false;
  std::vector<Formula> conditions;
  Formula amount;
  std::vector<CompiledCap> caps;
  bool has_year_cap = false;
  std::string once;  // "", enterprise, year, project (parameter resolved)
  bool has_period = false, has_limit = false;
  Formula period, limit;
};

struct CompiledGroupCap {
  int measure;
  std::vector<int> items;  // global item indices, in the cap's order
  Formula limit;
};

struct BatchProgram::Impl {
  std::shared_ptr<const CheckedPolicy> policy;
  std::vector<Value> params;
  std::vector<Formula> eligibility;
  std::vector<CompiledItem> items;  // in decision order
  std::vector<CompiledGroupCap> group_caps;
  bool half_up = false;
  int64_t unit_fen = 1;
  bool exclusive = false;
  bool external_exclude = false, external_present = false;
  bool budget_set = false;
  int64_t budget_fen = 0;
  std::string budget_rule = "pro_rata";
};

BatchProgram::BatchProgram(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BatchProgram::~BatchProgram() = default;

Result<std::unique_ptr<BatchProgram>> BatchProgram::Compile(std::shared_ptr<const CheckedPolicy> policy,
                                                            std::vector<Value> params) {
  auto impl = std::make_unique<Impl>();
  impl->policy = policy;
  impl->params = std::move(params);
  const Policy& p = policy->policy;
  if (p.tags.size() > 64) return InvalidArgument("the batch evaluator handles at most 64 tags");
  Compiler compiler(*policy, impl->params);
  auto param = [&](const GeneralRule& r) -> const Value* {
    return r.present ? &impl->params[static_cast<size_t>(policy->param_index.at(r.param))] : nullptr;
  };
  auto choice = [&](const GeneralRule& r, const char* fallback) -> std::string {
    const Value* v = param(r);
    if (!v || v->none || v->choice < 0) return fallback;
    return p.enums[static_cast<size_t>(v->enum_id)].values[static_cast<size_t>(v->choice)];
  };
  impl->half_up = choice(p.rounding_mode, "down") == "half_up";
  impl->unit_fen = choice(p.rounding_unit, "fen") == "yuan" ? 100 : 1;
  if (const Value* v = param(p.exclusivity)) impl->exclusive = v->flag;
  impl->external_present = p.external_support.present;
  impl->external_exclude = choice(p.external_support, "difference") == "exclude";
  if (const Value* v = param(p.budget); v && !v->none) {
    impl->budget_set = true;
    impl->budget_fen = v->number.ToFen().value_or(INT64_MAX);
  }
  impl->budget_rule = choice(p.budget_rule, "pro_rata");
  for (const auto& c : p.eligibility) {
    BURSAR_ASSIGN_OR_RETURN(Formula f, compiler.Compile(*c.expr));
    impl->eligibility.push_back(std::move(f));
  }
  std::vector<int> first_item_of_measure;
  for (size_t mi = 0; mi < p.measures.size(); ++mi) {
    const MeasureDecl& m = p.measures[mi];
    first_item_of_measure.push_back(static_cast<int>(impl->items.size()));
    for (size_t ii = 0; ii < m.items.size(); ++ii) {
      const ItemDecl& item = m.items[ii];
      CompiledItem ci;
      ci.measure = static_cast<int>(mi);
      ci.item = static_cast<int>(ii);
      ci.by_claim = item.by_claim;
      for (const auto& c : item.conditions) {
        BURSAR_ASSIGN_OR_RETURN(Formula f, compiler.Compile(*c.expr));
        ci.conditions.push_back(std::move(f));
      }
      BURSAR_ASSIGN_OR_RETURN(ci.amount, compiler.Compile(*item.amount));
      for (const auto& cap : item.caps) {
        BURSAR_ASSIGN_OR_RETURN(Formula f, compiler.Compile(*cap.limit));
        ci.caps.push_back({cap.scope, std::move(f)});
        ci.has_year_cap |= cap.scope == CapScope::kYear;
      }
      ci.once = item.once;
      if (!ci.once.empty() && ci.once != "enterprise" && ci.once != "year" && ci.once != "project") {
        const Value& v = impl->params[static_cast<size_t>(policy->param_index.at(ci.once))];
        ci.once = p.enums[static_cast<size_t>(v.enum_id)].values[static_cast<size_t>(v.choice)];
      }
      if (item.period_years) {
        ci.has_period = true;
        BURSAR_ASSIGN_OR_RETURN(ci.period, compiler.Compile(*item.period_years));
      }
      if (item.consecutive_limit) {
        ci.has_limit = true;
        BURSAR_ASSIGN_OR_RETURN(ci.limit, compiler.Compile(*item.consecutive_limit));
      }
      impl->items.push_back(std::move(ci));
    }
    for (const GroupCap& g : m.group_caps) {
      CompiledGroupCap cg;
      cg.measure = static_cast<int>(mi);
      for (int idx : g.item_indices) cg.items.push_back(first_item_of_measure.back() + idx);
      BURSAR_ASSIGN_OR_RETURN(cg.limit, compiler.Compile(*g.limit));
      impl->group_caps.push_back(std::move(cg));
    }
  }
  return std::unique_ptr<BatchProgram>(new BatchProgram(std::move(impl)));
}

namespace {

// One line's state through the pipeline.
struct LineState {
  uint32_t case_row;
  int32_t claim_row;  // -1 for apply-free
  int32_t item;       // index into Impl::items
  bool refused;
  int64_t computed, amount;
  int64_t year_cap;   // the item's per-year cap for this line's case (INT64_MAX: none)
};

// [begin, end) offsets of each case's rows in a table grouped by case.
std::vector<uint32_t> Offsets(const std::vector<uint32_t>& owner, size_t cases) {
  std::vector<uint32_t> off(cases + 1, 0);
  for (uint32_t o : owner) ++off[o + 1];
  for (size_t i = 0; i < cases; ++i) off[i + 1] += off[i];
  return off;
}

}  // namespace

Status BatchProgram::Run(const CaseColumns& cases, BatchResult* out, size_t batch_size) const {
  const Impl& im = *impl_;
  const size_t bs = std::clamp<size_t>(batch_size, 1, kBatchSize);
  const size_t n = cases.size();
  out->Clear();
  out->eligible.assign(n, 1);
  out->total_fen.assign(n, 0);
  Scratch scratch;
  std::vector<uint32_t> all_rows(n);
  std::iota(all_rows.begin(), all_rows.end(), 0u);
  std::vector<uint32_t> history_off = Offsets(cases.history_case, n);

  // Eligibility, per case.
  Lines case_lines{&cases, all_rows.data(), nullptr, n};
  for (const Formula& f : im.eligibility) {
    for (size_t b = 0; b < n; b += bs) {
      size_t m = std::min(bs, n - b);
      RunFormula(f, case_lines, b, m, &scratch);
      const uint8_t* ok = scratch.flag[static_cast<size_t>(f.root)].data();
      for (size_t i = 0; i < m; ++i) out->eligible[b + i] &= ok[i];
    }
  }

  // Lines of every item, decided up to the caps that look only at the line.
  std::vector<LineState> lines;
  std::vector<uint32_t> line_case;
  std::vector<int32_t> line_claim;
  for (size_t it = 0; it < im.items.size(); ++it) {
    const CompiledItem& ci = im.items[it];
    line_case.clear();
    line_claim.clear();
    if (!ci.by_claim) {
      line_case = all_rows;
    } else {
      for (size_t k = 0; k < cases.claim_case.size(); ++k) {
        if (cases.claim_measure[k] == ci.measure && cases.claim_item[k] == ci.item) {
          line_case.push_back(cases.claim_case[k]);
          line_claim.push_back(static_cast<int32_t>(k));
        }
      }
    }
    size_t count = line_case.size();
    Lines l{&cases, line_case.data(), ci.by_claim ? line_claim.data() : nullptr, count};
    for (size_t b = 0; b < count; b += bs) {
      size_t m = std::min(bs, count - b);
      size_t base = lines.size();
      for (size_t i = 0; i < m; ++i) {
        uint32_t row = line_case[b + i];
        lines.push_back({row, ci.by_claim ? line_claim[b + i] : -1, static_cast<int32_t>(it), !out->eligible[row], 0, 0,
                         INT64_MAX});
      }
      for (const Formula& f : ci.conditions) {
        RunFormula(f, l, b, m, &scratch);
        const uint8_t* ok = scratch.flag[static_cast<size_t>(f.root)].data();
        for (size_t i = 0; i < m; ++i) lines[base + i].refused |= !ok[i];
      }
      // History: once, consecutive limit, support period.
      std::vector<int64_t> period_prior(m, 0);
      const i128* period = nullptr;
      const i128* limit = nullptr;
      if (ci.has_period) {
        RunFormula(ci.period, l, b, m, &scratch);
        period = scratch.num[static_cast<size_t>(ci.period.root)].data();
        // Copy: later formulas reuse the scratch.
      }
      std::vector<i128> period_years(period ? period : nullptr, period ? period + m : nullptr);
      if (ci.has_limit) {
        RunFormula(ci.limit, l, b, m, &scratch);
        limit = scratch.num[static_cast<size_t>(ci.limit.root)].data();
      }
      std::vector<i128> limit_years(limit ? limit : nullptr, limit ? limit + m : nullptr);
      for (size_t i = 0; i < m; ++i) {
        LineState& s = lines[base + i];
        if (s.refused) continue;
        uint32_t hb = history_off[s.case_row], he = history_off[s.case_row + 1];
        if (hb == he) continue;
        int32_t project = s.claim_row >= 0 ? cases.claim_project[static_cast<size_t>(s.claim_row)] : -1;
        int first = cases.year;
        bool once_hit = false;
        for (uint32_t h = hb; h < he; ++h) {
          if (cases.history_measure[h] != ci.measure || cases.history_item[h] != ci.item) continue;
          first = std::min<int>(first, cases.history_year[h]);
          if (ci.once == "enterprise" || (ci.once == "project" && project >= 0 && cases.history_project[h] == project)) {
            once_hit = true;
          }
        }
        if (once_hit) {
          s.refused = true;
          continue;
        }
        if (ci.has_limit) {
          int64_t years = static_cast<int64_t>(limit_years[i]);
          bool all = years > 0;
          for (int64_t y = cases.year - years; all && y < cases.year; ++y) {
            bool found = false;
            for (uint32_t h = hb; h < he && !found; ++h) {
              found = cases.history_measure[h] == ci.measure && cases.history_item[h] == ci.item &&
                      cases.history_year[h] == y;
            }
            all = found;
          }
          if (all) {
            s.refused = true;
            continue;
          }
        }
        if (ci.has_period) {
          int64_t last = first + static_cast<int64_t>(period_years[i]) - 1;
          if (cases.year > last) {
            s.refused = true;
            continue;
          }
          for (uint32_t h = hb; h < he; ++h) {
            if (cases.history_measure[h] == ci.measure && cases.history_item[h] == ci.item &&
                cases.history_year[h] >= first) {
              period_prior[i] += cases.history_amount[h];
            }
          }
        }
      }
      // The amount, rounded.
      RunFormula(ci.amount, l, b, m, &scratch);
      const i128* amount = scratch.num[static_cast<size_t>(ci.amount.root)].data();
      i128 den = ci.amount.nodes[static_cast<size_t>(ci.amount.root)].den;
      for (size_t i = 0; i < m; ++i) {
        LineState& s = lines[base + i];
        if (s.refused) continue;
        int64_t fen = RoundToFen(amount[i], den, im.half_up, im.unit_fen, &scratch.overflow);
        if (fen <= 0) {
          s.refused = true;
          continue;
        }
        s.computed = s.amount = fen;
      }
      // Caps on the line; a per-year cap is remembered for the per-case pass.
      for (const CompiledCap& cap : ci.caps) {
        RunFormula(cap.limit, l, b, m, &scratch);
        const i128* v = scratch.num[static_cast<size_t>(cap.limit.root)].data();
        i128 cden = cap.limit.nodes[static_cast<size_t>(cap.limit.root)].den;
        for (size_t i = 0; i < m; ++i) {
          LineState& s = lines[base + i];
          if (s.refused) continue;
          int64_t limit_fen = CapToFen(v[i], cden, &scratch.overflow);
          if (cap.scope == CapScope::kYear) {
            s.year_cap = std::min(s.year_cap, limit_fen);
          } else if (cap.scope == CapScope::kPeriod) {
            s.amount = std::min(s.amount, std::max<int64_t>(0, limit_fen - period_prior[i]));
          } else {
            s.amount = std::min(s.amount, std::max<int64_t>(0, limit_fen));
          }
        }
      }
      if (scratch.overflow) {
        return Status(StatusCode::kOutOfRange, "an amount left the exact range in measure " +
                                                   im.policy->policy.measures[static_cast<size_t>(ci.measure)].id);
      }
    }
  }

  // Group cap limits, per case.
  std::vector<std::vector<int64_t>> group_limit(im.group_caps.size(), std::vector<int64_t>(n));
  for (size_t g = 0; g < im.group_caps.size(); ++g) {
    const Formula& f = im.group_caps[g].limit;
    for (size_t b = 0; b < n; b += bs) {
      size_t m = std::min(bs, n - b);
      RunFormula(f, case_lines, b, m, &scratch);
      i128 den = f.nodes[static_cast<size_t>(f.root)].den;
      const i128* v = scratch.num[static_cast<size_t>(f.root)].data();
      for (size_t i = 0; i < m; ++i) group_limit[g][b + i] = CapToFen(v[i], den, &scratch.overflow);
    }
  }

  // Per case, in decision order: lines were made item by item in case order,
  // so a stable sort by case keeps (item, claim) order within a case.
  std::vector<uint32_t> order(lines.size());
  {
    std::vector<uint32_t> start(n + 1, 0);
    for (const LineState& s : lines) ++start[s.case_row + 1];
    for (size_t i = 0; i < n; ++i) start[i + 1] += start[i];
    for (uint32_t k = 0; k < lines.size(); ++k) order[start[lines[k].case_row]++] = k;
  }
  const Policy& p = im.policy->policy;
  size_t pos = 0;
  std::vector<LineState*> mine;
  for (uint32_t row = 0; row < n; ++row) {
    mine.clear();
    while (pos < order.size() && lines[order[pos]].case_row == row) mine.push_back(&lines[order[pos++]]);
    // Caps per year of an item (claim order), then each measure's total caps.
    int64_t room = 0;
    int32_t room_item = -1;
    for (LineState* s : mine) {
      if (s->refused || s->year_cap == INT64_MAX) continue;
      if (s->item != room_item) {
        room_item = s->item;
        room = s->year_cap;
      }
      s->amount = std::min(s->amount, std::max<int64_t>(room, 0));
      room -= s->amount;
    }
    for (size_t g = 0; g < im.group_caps.size(); ++g) {
      int64_t left = group_limit[g][row];
      for (int item : im.group_caps[g].items) {
        for (LineState* s : mine) {
          if (s->item != item || s->refused) continue;
          s->amount = std::min(s->amount, std::max<int64_t>(left, 0));
          left -= s->amount;
        }
      }
    }
    // D-G4.
    if (im.external_present) {
      const auto& ext = cases.claim_fields[static_cast<size_t>(im.policy->external_support_field)];
      for (LineState* s : mine) {
        if (s->refused || s->claim_row < 0) continue;
        int64_t e = ext[static_cast<size_t>(s->claim_row)];
        if (e <= 0) continue;
        s->amount = im.external_exclude ? 0 : std::max<int64_t>(0, s->amount - e);
      }
    }
    // D-G3: the highest award of a project stands; others of other measures go.
    if (im.exclusive) {
      for (LineState* s : mine) {
        if (s->refused || s->claim_row < 0 || s->amount == 0) continue;
        int32_t project = cases.claim_project[static_cast<size_t>(s->claim_row)];
        if (project < 0) continue;
        int measure = im.items[static_cast<size_t>(s->item)].measure;
        for (LineState* o : mine) {
          if (o == s || o->refused || o->claim_row < 0 || o->amount == 0) continue;
          int other_measure = im.items[static_cast<size_t>(o->item)].measure;
          if (cases.claim_project[static_cast<size_t>(o->claim_row)] != project || other_measure == measure) continue;
          if (o->amount > s->amount || (o->amount == s->amount && other_measure < measure)) {
            s->amount = 0;
            break;
          }
        }
      }
    }
    // D-G6 within the case.
    int64_t total = 0;
    for (LineState* s : mine) {
      if (!s->refused) total += s->amount;
    }
    if (im.budget_set && total > im.budget_fen && im.budget_rule != "none") {
      int64_t left = im.budget_fen;
      for (LineState* s : mine) {
        if (s->refused || s->amount == 0) continue;
        if (im.budget_rule == "pro_rata") {
          i128 scaled = static_cast<i128>(s->amount) * im.budget_fen / total;  // floor: all positive
          s->amount = std::min<int64_t>(s->amount, static_cast<int64_t>(scaled));
        } else {
          s->amount = std::min(s->amount, std::max<int64_t>(left, 0));
          left -= s->amount;
        }
      }
      total = 0;
      for (LineState* s : mine) {
        if (!s->refused) total += s->amount;
      }
    }
    out->total_fen[row] = total;
    for (LineState* s : mine) {
      if (s->refused || s->amount == 0) continue;
      const CompiledItem& ci = im.items[static_cast<size_t>(s->item)];
      out->awards.push_back({row, static_cast<int16_t>(ci.measure), static_cast<int16_t>(ci.item),
                             s->claim_row >= 0 ? cases.claim_index[static_cast<size_t>(s->claim_row)] : -1,
                             s->computed, s->amount});
    }
  }
  (void)p;
  if (scratch.overflow) return Status(StatusCode::kOutOfRange, "an amount left the exact range");
  return OkStatus();
}

}  // namespace bursar
