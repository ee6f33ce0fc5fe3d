// The batch evaluator. See batch.h for the contract and the layout.
//
// Invariants:
//   - every numeric step's output is num/den with den fixed at compile time;
//   - lines are produced per item in case order; the per-case pass visits them
//     in (measure, item, claim) order, the single evaluator's order;
//   - every reduction follows eval/evaluator.cc step for step: the
//     differential test (tests/unit/batch_test.cc) holds the two together.
#include "eval/batch.h"

#include "eval/limits.h"

#include <algorithm>
#include <array>
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

// A rate read from a case has at most four decimals of its percent
// (case_reader.cc): a whole number of millionths.
constexpr int64_t kRateScale = 1000000;

// A date as the number YYYYMMDD: it orders as the date does.
int64_t DateCell(const std::string& text) {
  if (!IsCalendarDate(text)) return -1;
  return std::stoll(text.substr(0, 4)) * 10000 + std::stoll(text.substr(5, 2)) * 100 + std::stoll(text.substr(8, 2));
}

int64_t ToCell(const Value& v) {
  if (v.none) return -1;
  switch (v.kind) {
    case TypeKind::kDate: return DateCell(v.text);
    case TypeKind::kMoney: return v.number.ToFen().value_or(0);
    case TypeKind::kRate:
    case TypeKind::kQuantity: return static_cast<int64_t>(v.number.Mul(Exact::Integer(kRateScale))->num());
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
  kCompare, kAnd, kOr, kNot, kIn, kIsNone, kFlagConst, kYear,
  kDrawn  // what the claim line counted of a `draw` (column: the global draw), in fen
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
  i128 bound = 0;  // |numerator| never exceeds this (numeric nodes)
  bool spread = true;  // kConst: some consumer reads it as a vector
};

struct Formula {
  std::vector<Node> nodes;  // post-order; the last is the result
  int root = -1;
  bool wide = false;  // some value may leave int64: run in int128
};

// Inputs are bounded by the case reader: money below 10^15 yuan (10^17 fen),
// counts at most 10^12.
constexpr i128 kMoneyBound = static_cast<i128>(100000000000000000LL);
constexpr i128 kCountBound = static_cast<i128>(1000000000000LL);
constexpr i128 kNarrowLimit = static_cast<i128>(1) << 62;

i128 SatMul(i128 a, i128 b) {
  i128 r;
  if (__builtin_mul_overflow(a, b, &r) || r > (static_cast<i128>(1) << 120)) return static_cast<i128>(1) << 120;
  return r;
}

class Compiler {
 public:
  Compiler(const CheckedPolicy& cp, const std::vector<Value>& params) : cp_(cp), params_(params) {}

  Result<Formula> Compile(const Expr& e) {
    Formula f;
    error_.clear();
    f.root = Emit(e, &f);
    if (!error_.empty()) return InvalidArgument("the batch evaluator cannot run " + error_);
    Bound(&f);
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
    if (v.kind == TypeKind::kFlag && !v.none) {
      n.step = Step::kFlagConst;
      n.flag = true;
      n.value = v.flag ? 1 : 0;
    } else {
      n.step = Step::kConst;
      if (v.kind == TypeKind::kEnum || v.none) {
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
        v.number = e.type.kind == TypeKind::kDate ? Exact::Integer(DateCell(e.literal.symbol)) : e.literal.number;
        v.flag = e.literal.flag;
        return Constant(f, v);
      }
      case ExprKind::kName:
        switch (e.ref_kind) {
          case RefKind::kParam: return Constant(f, params_[static_cast<size_t>(e.ref_index)]);
          case RefKind::kYear:  // the programme year: the columns', known when the program runs
            n.step = Step::kYear;
            return Push(f, std::move(n));
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
            // Quantities, like rates, are read in millionths (the case reader allows four decimals).
            n.den = e.type.kind == TypeKind::kMoney                                              ? 100
                    : e.type.kind == TypeKind::kRate || e.type.kind == TypeKind::kQuantity ? kRateScale
                                                                                            : 1;
            if (e.type.kind == TypeKind::kText) {
              error_ = "the name '" + e.name + "' (a " + TypeKindName(e.type.kind) + " field)";
            }
            return Push(f, std::move(n));
          case RefKind::kApplicant:
            n.step = Step::kApplicant;
            n.column = e.ref_index;
            return Push(f, std::move(n));
          case RefKind::kDraw:
            n.step = Step::kDrawn;
            n.column = e.ref_index;
            n.den = 100;
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
        const Expr& x = *e.args[0];
        if (x.kind == ExprKind::kName && (x.ref_kind == RefKind::kFact || x.ref_kind == RefKind::kClaimField) &&
            (x.type.kind == TypeKind::kText || x.type.kind == TypeKind::kDate)) {
          // Whether a text is given: its cell is below zero when it is none
          // (a claim's project or solution holds its interned id).
          Node cell;
          cell.step = x.ref_kind == RefKind::kFact ? Step::kFact : Step::kClaim;
          cell.column = x.ref_index;
          n.args = {Push(f, std::move(cell))};
          return Push(f, std::move(n));
        }
        n.args = {Emit(*e.args[0], f)};
        // None is a cell below zero: read a flag's cell as a number here.
        Node& arg = f->nodes[static_cast<size_t>(n.args[0])];
        if (arg.step == Step::kFact || arg.step == Step::kClaim) arg.flag = false;
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
        if (e.name == "@on") return EmitOnDate(e, f);
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

  // `PARAM on DATE`: the override if there is one, else a choice by the date
  // among the parameter's dated values (the earliest before its date).
  int EmitOnDate(const Expr& e, Formula* f) {
    int index = e.args[0]->ref_index;
    const ParamDecl& prm = cp_.policy.params[static_cast<size_t>(index)];
    bool overridden = std::any_of(cp_.overrides.begin(), cp_.overrides.end(),
                                  [&](const auto& o) { return o.first == index; });
    std::string first = prm.values.front().from.value_or("0000-01-01");
    int out = Constant(f, ParameterValueOn(cp_, index, first));
    if (overridden) return out;
    int day = Emit(*e.args[1], f);
    for (size_t i = 1; i < prm.values.size(); ++i) {
      const std::string& from = *prm.values[i].from;  // every value after the first is dated (checker)
      Value bound;
      bound.kind = TypeKind::kCount;
      bound.number = Exact::Integer(DateCell(from));
      Node cmp;
      cmp.step = Step::kCompare;
      cmp.cmp = Op::kGe;
      cmp.args = {day, Constant(f, bound)};
      Unify(f, &cmp, 0);
      cmp.flag = true;
      int reached = Push(f, std::move(cmp));
      Node pick;
      pick.step = Step::kSelect;
      pick.flag = prm.type.kind == TypeKind::kFlag;
      pick.args = {reached, Constant(f, ParameterValueOn(cp_, index, from)), out};
      if (!pick.flag) Unify(f, &pick, 1);
      out = Push(f, std::move(pick));
    }
    return out;
  }

  // Bounds every numeric node; a formula any of whose values (scaled for
  // comparison) may reach 2^62 runs in int128.
  static void Bound(Formula* f) {
    for (Node& n : f->nodes) {
      auto b = [&](size_t i) { return f->nodes[static_cast<size_t>(n.args[i])].bound; };
      auto scaled = [&](size_t i) { return SatMul(b(i), n.scale.empty() ? 1 : n.scale[i]); };
      switch (n.step) {
        case Step::kConst: n.bound = n.value < 0 ? -n.value : n.value; break;
        case Step::kYear: n.bound = 9999; break;
        case Step::kFact:
        case Step::kClaim: n.bound = n.den == 100 ? kMoneyBound : kCountBound; break;  // rates: below 10^12 millionths
        case Step::kDrawn: n.bound = kMoneyBound; break;
        case Step::kAdd:
        case Step::kSub: n.bound = scaled(0) + scaled(1); break;
        case Step::kMul: n.bound = SatMul(b(0), b(1)); break;
        case Step::kNeg: n.bound = b(0); break;
        case Step::kMin:
        case Step::kMax:
          for (size_t i = 0; i < n.args.size(); ++i) n.bound = std::max(n.bound, scaled(i));
          break;
        case Step::kSelect: n.bound = n.flag ? 0 : std::max(scaled(1), scaled(2)); break;
        case Step::kCompare:
          if (!n.scale.empty() && !f->nodes[static_cast<size_t>(n.args[0])].flag) {
            if (std::max(scaled(0), scaled(1)) >= kNarrowLimit) f->wide = true;
          }
          break;
        default: break;
      }
      if (n.bound >= kNarrowLimit) f->wide = true;
    }
    // Constants read as scalars by their consumers need not fill a vector.
    for (Node& n : f->nodes) {
      if (n.step == Step::kConst) n.spread = false;
    }
    f->nodes[static_cast<size_t>(f->root)].spread = true;
    for (Node& n : f->nodes) {
      bool scalar_ok = n.step == Step::kAdd || n.step == Step::kSub || n.step == Step::kMul ||
                       (n.step == Step::kCompare && n.args.size() == 2);
      for (size_t i = 0; i < n.args.size(); ++i) {
        bool both_const = n.args.size() == 2 && f->nodes[static_cast<size_t>(n.args[0])].step == Step::kConst &&
                          f->nodes[static_cast<size_t>(n.args[1])].step == Step::kConst;
        // Kernels take one scalar operand: the second for a comparison, either otherwise.
        bool scalar_here = scalar_ok && (n.step != Step::kCompare || i == 1) && !(both_const && i == 0);
        if (!scalar_here) f->nodes[static_cast<size_t>(n.args[i])].spread = true;
      }
    }
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
  const std::vector<std::vector<int64_t>>* drawn = nullptr;  // [draw][claim row]: what each claim line counted
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
// A fact or claim field for n lines, line i reading row rows[i] of the
// column: into the flags when the node is a flag, else into the numbers.
template <class Index, class Num>
inline void GatherColumn(const int64_t* __restrict col, const Index* __restrict rows, size_t n, bool flag,
                         Num* __restrict out, uint8_t* __restrict fout) {
  if (flag) {
    for (size_t i = 0; i < n; ++i) fout[i] = static_cast<uint8_t>(col[rows[i]]);
  } else {
    for (size_t i = 0; i < n; ++i) out[i] = col[rows[i]];
  }
}

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
      case Step::kYear:
        std::fill(out, out + n, static_cast<i128>(c.year));
        break;
      case Step::kFact:
        GatherColumn(c.facts[static_cast<size_t>(node.column)].data(), lines.case_row + begin, n, node.flag, out, fout);
        break;
      case Step::kClaim:
        GatherColumn(c.claim_fields[static_cast<size_t>(node.column)].data(), lines.claim_row + begin, n, node.flag,
                     out, fout);
        break;
      case Step::kDrawn:
        GatherColumn((*lines.drawn)[static_cast<size_t>(node.column)].data(), lines.claim_row + begin, n, false, out,
                     fout);
        break;
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

// The int64 path: the same steps as RunFormula for a formula whose bounds fit.
// Constants are not spread into vectors, apply-free lines read fact columns in
// place, and loops over plain arrays let the compiler vectorise them.
struct Narrow {
  std::vector<std::vector<int64_t>> num;
  std::vector<std::vector<uint8_t>> flag;
  std::vector<const int64_t*> view;  // per node: where its values are
  std::vector<const uint8_t*> fview;
};

void RunNarrow(const Formula& f, const Lines& lines, size_t begin, size_t n, Narrow* s) {
  if (s->num.size() < f.nodes.size()) {
    s->num.resize(f.nodes.size(), std::vector<int64_t>(kBatchSize));
    s->flag.resize(f.nodes.size(), std::vector<uint8_t>(kBatchSize));
    s->view.resize(f.nodes.size());
    s->fview.resize(f.nodes.size());
  }
  const CaseColumns& c = *lines.cases;
  const bool identity = lines.claim_row == nullptr && lines.case_row == nullptr;
  for (size_t k = 0; k < f.nodes.size(); ++k) {
    const Node& node = f.nodes[k];
    int64_t* __restrict out = s->num[k].data();
    uint8_t* __restrict fout = s->flag[k].data();
    s->view[k] = out;
    s->fview[k] = fout;
    auto is_const = [&](size_t i) { return f.nodes[static_cast<size_t>(node.args[i])].step == Step::kConst; };
    auto cval = [&](size_t i) { return static_cast<int64_t>(f.nodes[static_cast<size_t>(node.args[i])].value); };
    auto arg = [&](size_t i) { return s->view[static_cast<size_t>(node.args[i])]; };
    auto farg = [&](size_t i) { return s->fview[static_cast<size_t>(node.args[i])]; };
    auto sc = [&](size_t i) { return node.scale.empty() ? int64_t{1} : static_cast<int64_t>(node.scale[i]); };
    switch (node.step) {
      case Step::kConst:
        if (node.spread) std::fill(out, out + n, static_cast<int64_t>(node.value));
        break;
      case Step::kFlagConst:
        std::fill(fout, fout + n, static_cast<uint8_t>(node.value));
        break;
      case Step::kYear:
        std::fill(out, out + n, static_cast<int64_t>(c.year));
        break;
      case Step::kFact: {
        const int64_t* __restrict col = c.facts[static_cast<size_t>(node.column)].data();
        if (identity) {
          if (node.flag) {
            for (size_t i = 0; i < n; ++i) fout[i] = static_cast<uint8_t>(col[begin + i]);
          } else {
            s->view[k] = col + begin;
          }
        } else {
          GatherColumn(col, lines.case_row + begin, n, node.flag, out, fout);
        }
        break;
      }
      case Step::kClaim:
        GatherColumn(c.claim_fields[static_cast<size_t>(node.column)].data(), lines.claim_row + begin, n, node.flag,
                     out, fout);
        break;
      case Step::kDrawn:
        GatherColumn((*lines.drawn)[static_cast<size_t>(node.column)].data(), lines.claim_row + begin, n, false, out,
                     fout);
        break;
      case Step::kApplicant: {
        const uint8_t* __restrict col = c.applicant[static_cast<size_t>(node.column)].data();
        if (identity) {
          s->fview[k] = col + begin;
        } else {
          for (size_t i = 0; i < n; ++i) fout[i] = col[lines.case_row[begin + i]];
        }
        break;
      }
      case Step::kTag: {
        if (node.column < 0) {
          std::fill(fout, fout + n, 0);
          break;
        }
        const uint64_t* tags = c.tags.data();
        if (identity) {
          for (size_t i = 0; i < n; ++i) fout[i] = (tags[begin + i] >> node.column) & 1;
        } else {
          for (size_t i = 0; i < n; ++i) fout[i] = (tags[lines.case_row[begin + i]] >> node.column) & 1;
        }
        break;
      }
      case Step::kAdd:
      case Step::kSub: {
        int64_t sa = sc(0), sb = node.step == Step::kSub ? -sc(1) : sc(1);
        const int64_t* __restrict a = arg(0);
        if (is_const(1)) {
          int64_t kb = cval(1) * sb;
          if (sa == 1) {
            for (size_t i = 0; i < n; ++i) out[i] = a[i] + kb;
          } else {
            for (size_t i = 0; i < n; ++i) out[i] = a[i] * sa + kb;
          }
        } else if (!is_const(0) && sa == 1 && (sb == 1 || sb == -1)) {
          const int64_t* __restrict b = arg(1);
          if (sb == 1) {
            for (size_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
          } else {
            for (size_t i = 0; i < n; ++i) out[i] = a[i] - b[i];
          }
        } else if (is_const(0)) {
          int64_t ka = cval(0) * sa;
          const int64_t* __restrict b = arg(1);
          for (size_t i = 0; i < n; ++i) out[i] = ka + b[i] * sb;
        } else {
          const int64_t* __restrict b = arg(1);
          for (size_t i = 0; i < n; ++i) out[i] = a[i] * sa + b[i] * sb;
        }
        break;
      }
      case Step::kMul: {
        if (is_const(1) || is_const(0)) {
          size_t v = is_const(1) ? 0 : 1;
          int64_t kc = cval(1 - v);
          const int64_t* __restrict a = arg(v);
          for (size_t i = 0; i < n; ++i) out[i] = a[i] * kc;
        } else {
          const int64_t* __restrict a = arg(0);
          const int64_t* __restrict b = arg(1);
          for (size_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
        }
        break;
      }
      case Step::kNeg: {
        const int64_t* __restrict a = arg(0);
        for (size_t i = 0; i < n; ++i) out[i] = -a[i];
        break;
      }
      case Step::kMin:
      case Step::kMax: {
        bool is_min = node.step == Step::kMin;
        const int64_t* __restrict a = arg(0);
        int64_t s0 = sc(0);
        for (size_t i = 0; i < n; ++i) out[i] = a[i] * s0;
        for (size_t j = 1; j < node.args.size(); ++j) {
          const int64_t* __restrict b = arg(j);
          int64_t sj = sc(j);
          if (is_min) {
            for (size_t i = 0; i < n; ++i) out[i] = std::min(out[i], b[i] * sj);
          } else {
            for (size_t i = 0; i < n; ++i) out[i] = std::max(out[i], b[i] * sj);
          }
        }
        break;
      }
      case Step::kSelect: {
        const uint8_t* __restrict cond = farg(0);
        if (node.flag) {
          const uint8_t* __restrict a = farg(1);
          const uint8_t* __restrict b = farg(2);
          for (size_t i = 0; i < n; ++i) fout[i] = cond[i] ? a[i] : b[i];
        } else {
          const int64_t* __restrict a = arg(1);
          const int64_t* __restrict b = arg(2);
          int64_t sa = sc(1), sb = sc(2);
          for (size_t i = 0; i < n; ++i) out[i] = cond[i] ? a[i] * sa : b[i] * sb;
        }
        break;
      }
      case Step::kCompare: {
        if (f.nodes[static_cast<size_t>(node.args[0])].flag) {
          const uint8_t* __restrict a = farg(0);
        const uint8_t* __restrict b = farg(1);
          bool eq = node.cmp == Op::kEq;
          for (size_t i = 0; i < n; ++i) fout[i] = (a[i] == b[i]) == eq;
          break;
        }
        const int64_t* __restrict a = arg(0);
        int64_t sa = sc(0), sb = sc(1);
        auto run = [&](auto cmp) {
          if (is_const(1)) {
            int64_t kb = cval(1) * sb;
            if (sa == 1) {  // the common case; without the multiply the loop vectorises
              for (size_t i = 0; i < n; ++i) fout[i] = cmp(a[i], kb);
            } else {
              for (size_t i = 0; i < n; ++i) fout[i] = cmp(a[i] * sa, kb);
            }
          } else if (sa == 1 && sb == 1) {
            const int64_t* __restrict b = arg(1);
            for (size_t i = 0; i < n; ++i) fout[i] = cmp(a[i], b[i]);
          } else {
            const int64_t* __restrict b = arg(1);
            for (size_t i = 0; i < n; ++i) fout[i] = cmp(a[i] * sa, b[i] * sb);
          }
        };
        // On this path both sides (scaled) lie within (-2^62, 2^62) (Bound),
        // so x - y cannot overflow and its sign bit decides the comparison:
        // written that way the loops vectorise with the base instruction set,
        // which has no 64-bit compare.
        auto neg = [](int64_t x, int64_t y) -> uint8_t {  // x - y < 0
          return static_cast<uint8_t>((static_cast<uint64_t>(x) - static_cast<uint64_t>(y)) >> 63);
        };
        auto nonzero = [](int64_t x, int64_t y) -> uint8_t {  // x - y != 0: d | -d has the sign bit set
          uint64_t d = static_cast<uint64_t>(x) - static_cast<uint64_t>(y);
          return static_cast<uint8_t>((d | (0 - d)) >> 63);
        };
        switch (node.cmp) {
          case Op::kLt: run([&](int64_t x, int64_t y) -> uint8_t { return neg(x, y); }); break;
          case Op::kLe: run([&](int64_t x, int64_t y) -> uint8_t { return neg(y, x) ^ 1; }); break;
          case Op::kGt: run([&](int64_t x, int64_t y) -> uint8_t { return neg(y, x); }); break;
          case Op::kGe: run([&](int64_t x, int64_t y) -> uint8_t { return neg(x, y) ^ 1; }); break;
          case Op::kEq: run([&](int64_t x, int64_t y) -> uint8_t { return nonzero(x, y) ^ 1; }); break;
          default: run([&](int64_t x, int64_t y) -> uint8_t { return nonzero(x, y); }); break;
        }
        break;
      }
      case Step::kAnd: {
        const uint8_t* __restrict a = farg(0);
        const uint8_t* __restrict b = farg(1);
        for (size_t i = 0; i < n; ++i) fout[i] = a[i] & b[i];
        break;
      }
      case Step::kOr: {
        const uint8_t* __restrict a = farg(0);
        const uint8_t* __restrict b = farg(1);
        for (size_t i = 0; i < n; ++i) fout[i] = a[i] | b[i];
        break;
      }
      case Step::kNot: {
        const uint8_t* __restrict a = farg(0);
        for (size_t i = 0; i < n; ++i) fout[i] = !a[i];
        break;
      }
      case Step::kIn: {
        const int64_t* __restrict a = arg(0);
        for (size_t i = 0; i < n; ++i) {
          uint8_t hit = 0;
          for (int64_t ch : node.choices) hit |= a[i] == ch;
          fout[i] = a[i] >= 0 && hit;
        }
        break;
      }
      case Step::kIsNone: {
        const int64_t* __restrict a = arg(0);
        for (size_t i = 0; i < n; ++i) fout[i] = a[i] < 0;
        break;
      }
    }
  }
}

// floor(n / d) for 0 <= n < 2^63 and a divisor 1 <= d < 2^63 fixed in
// advance, without a hardware division. For d a power of two, n >> log2(d).
// Otherwise, with s = floor(log2 d) and M = ceil(2^(64+s) / d) (M < 2^64
// because d is not 2^s): floor(n * M / 2^(64+s)) = floor(n / d). Proof: write
// M*d = 2^(64+s) + e with 0 <= e < d < 2^(s+1), and n = q*d + r with r <= d-1;
// then n*M / 2^(64+s) = q + (r + n*e / 2^(64+s)) / d, and n*e < 2^63 * 2^(s+1)
// = 2^(64+s) makes the bracket below r + 1 <= d. One 64x64 multiply.
struct Divisor {
  uint64_t d = 1;
  int shift = 0;       // power of two: n >> shift; otherwise the s above
  bool pow2 = true;
  uint64_t m = 0;      // M
  explicit Divisor(uint64_t divisor) : d(divisor) {
    shift = 63 - __builtin_clzll(d);
    pow2 = (d & (d - 1)) == 0;
    if (!pow2) {
      unsigned __int128 two_l = static_cast<unsigned __int128>(1) << (64 + shift);
      m = static_cast<uint64_t>(two_l / d + (two_l % d != 0));
    }
  }
  uint64_t Of(uint64_t n) const {
    if (pow2) return n >> shift;
    return static_cast<uint64_t>((static_cast<unsigned __int128>(n) * m) >> 64) >> shift;
  }
};

// min(a, b) for a, b >= 0, from the sign of a - b (which cannot overflow);
// and max(x, 0). Written with shifts and masks so that loops of them
// vectorise on the base x86-64 instruction set, which has no 64-bit compare.
inline int64_t MinNonNeg(int64_t a, int64_t b) {
  uint64_t d = static_cast<uint64_t>(a) - static_cast<uint64_t>(b);
  uint64_t a_less = 0 - (d >> 63);
  return static_cast<int64_t>(static_cast<uint64_t>(b) + (d & a_less));
}
inline int64_t ClampNonNeg(int64_t x) {
  uint64_t u = static_cast<uint64_t>(x);
  return static_cast<int64_t>(u & ((u >> 63) - 1));
}

// Loops over one chunk, as functions of their own so that the compiler sees
// arrays that do not alias (and vectorises them).

// A line is paid when it is not refused and its amount (>= 0) is above zero.
// `computed` may be null (not wanted).
void FinishLines(const int64_t* __restrict fen, uint8_t* __restrict refused, int64_t* __restrict computed,
                 int64_t* __restrict amount, size_t m) {
  for (size_t i = 0; i < m; ++i) {
    uint64_t f = static_cast<uint64_t>(fen[i]);
    uint64_t pay = static_cast<uint64_t>(refused[i] == 0) & ((f | (0 - f)) >> 63);
    refused[i] = static_cast<uint8_t>(pay ^ 1);
    amount[i] = static_cast<int64_t>(f & (0 - pay));
  }
  if (computed) std::copy(amount, amount + m, computed);
}

void FinishConstant(int64_t fen, uint8_t* __restrict refused, int64_t* __restrict computed,
                    int64_t* __restrict amount, size_t m) {
  const uint8_t positive = fen > 0;
  for (size_t i = 0; i < m; ++i) {
    uint8_t pay = static_cast<uint8_t>((refused[i] == 0) & positive);
    refused[i] = pay ^ 1;
    amount[i] = fen & -static_cast<int64_t>(pay);
  }
  if (computed) std::copy(amount, amount + m, computed);
}

// amount = min(amount, room) for a room >= 0.
void CapLines(int64_t* __restrict amount, int64_t room, size_t m) {
  for (size_t i = 0; i < m; ++i) amount[i] = MinNonNeg(amount[i], room);
}

// A line takes what room is left (room >= 0) and the room shrinks by what it
// took: limits::ApplyCaps on lines with nothing before them, column by column.
void FillNext(int64_t* __restrict amount, int64_t* __restrict left, size_t m) {
  for (size_t i = 0; i < m; ++i) {
    int64_t a = MinNonNeg(amount[i], left[i]);
    amount[i] = a;
    left[i] -= a;
  }
}

void AddTo(int64_t* __restrict total, const int64_t* __restrict a0, const int64_t* __restrict a1,
           const int64_t* __restrict a2, const int64_t* __restrict a3, size_t k, size_t m) {
  switch (k) {
    case 4: for (size_t i = 0; i < m; ++i) total[i] += a0[i] + a1[i] + a2[i] + a3[i]; break;
    case 3: for (size_t i = 0; i < m; ++i) total[i] += a0[i] + a1[i] + a2[i]; break;
    case 2: for (size_t i = 0; i < m; ++i) total[i] += a0[i] + a1[i]; break;
    case 1: for (size_t i = 0; i < m; ++i) total[i] += a0[i]; break;
    default: break;
  }
}

void NotEligible(const uint8_t* __restrict eligible, uint8_t* __restrict refused, size_t m) {
  for (size_t i = 0; i < m; ++i) refused[i] = eligible[i] == 0;
}
void RefuseUnless(const uint8_t* __restrict flags, uint8_t* __restrict refused, size_t m) {
  for (size_t i = 0; i < m; ++i) refused[i] |= flags[i] == 0;
}

// fen[i] = floor(max(num[i] * mult, 0) / d) * unit.
void RoundLines(const int64_t* __restrict num, int64_t mult, const Divisor& div, int64_t unit,
                int64_t* __restrict fen, size_t m) {
  if (div.pow2) {
    const int shift = div.shift;
    for (size_t i = 0; i < m; ++i) fen[i] = (ClampNonNeg(num[i] * mult) >> shift) * unit;
    return;
  }
  const uint64_t magic = div.m;
  const int shift = div.shift;
  for (size_t i = 0; i < m; ++i) {
    uint64_t x = static_cast<uint64_t>(ClampNonNeg(num[i] * mult));
    uint64_t q = static_cast<uint64_t>((static_cast<unsigned __int128>(x) * magic) >> 64) >> shift;
    fen[i] = static_cast<int64_t>(q) * unit;
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

Status CaseColumns::DeriveFromHistory(const CheckedPolicy& p) {
  constexpr int64_t kMaxFen = 99999999999999999;  // the case reader's largest amount, in fen
  for (size_t f = 0; f < p.policy.facts.size(); ++f) {
    const FieldDecl& d = p.policy.facts[f];
    if (d.derived != FieldDecl::Derived::kReceived) continue;
    std::vector<int64_t>& column = facts[f];
    std::fill(column.begin(), column.end(), 0);
    for (size_t h = 0; h < history_case.size(); ++h) {
      if (history_measure[h] != d.source_measure || (d.source_item >= 0 && history_item[h] != d.source_item)) continue;
      int64_t& cell = column[history_case[h]];
      if (__builtin_add_overflow(cell, history_amount[h], &cell) || cell > kMaxFen) {
        return Status(StatusCode::kOutOfRange, "case " + applicant_id[history_case[h]] + ": the awards received under " +
                                                   d.name + " add up past the range of amounts");
      }
    }
  }
  return OkStatus();
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
    claim_solution.resize(claim_project.size() - 1, -1);
    claim_solution.push_back(claim.solution.empty() ? -1 : InternProject(claim.solution));
  }
  for (const HistoryEntry& h : c.history) {
    history_case.push_back(row);
    history_year.push_back(static_cast<int16_t>(h.year));
    history_measure.push_back(static_cast<int16_t>(h.measure));
    history_item.push_back(static_cast<int16_t>(h.item));
    history_amount.push_back(h.amount.ToFen().value_or(0));
    history_project.push_back(h.project.empty() ? -1 : InternProject(h.project));
    history_solution.resize(history_project.size() - 1, -1);
    history_solution.push_back(h.solution.empty() ? -1 : InternProject(h.solution));
    int16_t condition = -1;
    if (!h.condition.empty()) {
      const ItemDecl& item = p.policy.measures[static_cast<size_t>(h.measure)].items[static_cast<size_t>(h.item)];
      for (size_t i = 0; i < item.named_conditions.size(); ++i) {
        if (item.named_conditions[i].name == h.condition) condition = static_cast<int16_t>(i);
      }
    }
    history_condition.resize(history_project.size() - 1, -1);
    history_condition.push_back(condition);
    if (!h.drawn.empty()) {
      history_drawn.resize(p.draws.size());
      for (const auto& [g, v] : h.drawn) {
        std::vector<int64_t>& col = history_drawn[static_cast<size_t>(g)];
        col.resize(history_case.size(), 0);
        col.back() = v.ToFen().value_or(0);
      }
    }
  }
}

void BatchResult::Clear() {
  eligible.clear();
  total_fen.clear();
  awards.clear();
  recoveries.clear();
}

// ---- the program ----

// A cap per claim: the line alone.
struct CompiledCap {
  Formula limit;
  bool constant = false;  // a limit known at compile time, in fen
  int64_t constant_fen = 0;
  bool has_if = false;
  Formula only_if;
};

// A `draw` of a claim item: its figure (a claim field), its limit, its pool.
struct CompiledDraw {
  int global = -1;  // CheckedPolicy::draws
  int field = -1;   // the figure's claim field
  LimitScope scope = LimitScope::kEnterprise;
  Formula limit;
  bool constant = false;
  int64_t constant_fen = 0;
};

struct CompiledItem {
  int measure = -1, item = -1;
  std::vector<CompiledDraw> draws;
  int global = -1;      // the item's global index (CheckedPolicy::items)
  int condition = -1;   // `once per condition`: the named condition this line stands for
  bool by_claim = false;
  std::vector<Formula> conditions;
  Formula amount;
  std::vector<CompiledCap> caps;  // per claim
  limits::Once once = limits::Once::kNone;
  bool has_period = false, has_limit = false;
  Formula period, limit;
  bool const_period = false, const_limit = false;
  int64_t period_years = -1, limit_years = -1;  // when constant
  bool has_deduct = false;
  Formula deduct;
  // Rounding of the amount on the int64 path: floor(num * round_mult / d),
  // num the value of amount_operand: the amount itself or, when the amount
  // is a product with a constant, its other factor (the constant folded
  // into round_mult).
  bool fast_round = false;
  int64_t round_mult = 1;
  Divisor round_div{1};
  Formula amount_operand;
  // An amount that is one constant, rounded at compile time.
  bool const_amount = false;
  int64_t const_fen = 0;
};

// A cap of the policy over a scope and span (CheckedPolicy::limits).
struct CompiledLimit {
  LimitStage stage = LimitStage::kItem;
  Formula value;  // not for per-claim caps
  bool constant = false;
  int64_t constant_fen = 0;
  // The compiled items it covers, in fill order, when the lines of a case
  // without history or claims can be filled column by column: every item
  // apply-free and each with one line per case.
  bool columnar = false;
  std::vector<int> items;
};

// A formula that is one constant: its value floored to the fen.
bool ConstantFen(const Formula& f, int64_t* fen) {
  if (f.nodes.size() != 1 || f.nodes[0].step != Step::kConst) return false;
  bool overflow = false;
  *fen = CapToFen(f.nodes[0].value, f.nodes[0].den, &overflow);
  return !overflow;
}

// A count formula that is one constant.
bool ConstantCount(const Formula& f, int64_t* n) {
  if (f.nodes.size() != 1 || f.nodes[0].step != Step::kConst || f.nodes[0].den != 1) return false;
  *n = static_cast<int64_t>(f.nodes[0].value);
  return true;
}

// A `recover` rule: its conditions over the case year's facts and its years
// from the item's first award.
struct CompiledRecovery {
  int16_t measure = 0, item = 0;
  std::vector<Formula> conditions;
  bool has_within = false;
  Formula within;
};

struct BatchProgram::Impl {
  std::shared_ptr<const CheckedPolicy> policy;
  std::vector<Value> params;
  std::vector<Formula> eligibility;
  std::vector<CompiledItem> items;  // in decision order
  std::vector<CompiledLimit> limits;  // by CheckedPolicy::limits
  std::vector<CompiledRecovery> recoveries;  // in the policy's order
  std::vector<limits::ItemRules> base_rules;  // by global item; period and consecutive years when constant
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
  impl->base_rules.assign(policy->items.size(), {});
  for (size_t mi = 0; mi < p.measures.size(); ++mi) {
    const MeasureDecl& m = p.measures[mi];
    for (size_t ii = 0; ii < m.items.size(); ++ii) {
      const ItemDecl& item = m.items[ii];
      limits::ItemRules& rules = impl->base_rules[static_cast<size_t>(item.global_index)];
      rules.apply_free = !item.by_claim;
      if (!item.once.empty()) {
        std::string scope = item.once;
        if (limits::OnceFromName(scope) == limits::Once::kNone) {
          const Value& v = impl->params[static_cast<size_t>(policy->param_index.at(item.once))];
          scope = p.enums[static_cast<size_t>(v.enum_id)].values[static_cast<size_t>(v.choice)];
        }
        rules.once = limits::OnceFromName(scope);
      }
      // `once per condition` of an apply-free item: one line per named condition.
      const int lines_per_case =
          !item.by_claim && rules.once == limits::Once::kCondition ? static_cast<int>(item.named_conditions.size()) : 1;
      for (int cond = 0; cond < lines_per_case; ++cond) {
      CompiledItem ci;
      ci.measure = static_cast<int>(mi);
      ci.item = static_cast<int>(ii);
      ci.global = item.global_index;
      ci.condition = !item.by_claim && rules.once == limits::Once::kCondition ? cond : -1;
      ci.by_claim = item.by_claim;
      ci.once = rules.once;
      for (const auto& c : item.conditions) {
        const Expr& e = c.any_of && ci.condition >= 0 ? *item.named_conditions[static_cast<size_t>(cond)].expr : *c.expr;
        BURSAR_ASSIGN_OR_RETURN(Formula f, compiler.Compile(e));
        ci.conditions.push_back(std::move(f));
      }
      for (const DrawDecl& d : item.draws) {
        CompiledDraw cd;
        cd.global = d.global_index;
        cd.field = d.figure->ref_index;
        cd.scope = d.scope;
        BURSAR_ASSIGN_OR_RETURN(cd.limit, compiler.Compile(*d.limit));
        cd.constant = ConstantFen(cd.limit, &cd.constant_fen);
        ci.draws.push_back(std::move(cd));
      }
      BURSAR_ASSIGN_OR_RETURN(ci.amount, compiler.Compile(*item.amount));
      {
        // floor(num * 100 / (den * unit)) = floor(num * (100/g) / (den*unit/g)).
        const Node& root = ci.amount.nodes[static_cast<size_t>(ci.amount.root)];
        i128 d = root.den * impl->unit_fen;
        i128 g = Gcd(100, d);
        i128 mult = 100 / g;
        if (!ci.amount.wide && !impl->half_up && SatMul(root.bound, mult) < kNarrowLimit && d / g < kNarrowLimit) {
          ci.fast_round = true;
          ci.round_mult = static_cast<int64_t>(mult);
          ci.round_div = Divisor(static_cast<uint64_t>(d / g));
          ci.amount_operand = ci.amount;
          // amount = x * k with k a constant: round x * (k * mult) instead,
          // one pass fewer. The product's bound is x's bound times |k|, so
          // x * k * mult stays below 2^62 like the amount's own bound.
          Formula& op = ci.amount_operand;
          if (root.step == Step::kMul && op.root == static_cast<int>(op.nodes.size()) - 1) {
            const Node& a0 = op.nodes[static_cast<size_t>(root.args[0])];
            const Node& a1 = op.nodes[static_cast<size_t>(root.args[1])];
            bool c0 = a0.step == Step::kConst, c1 = a1.step == Step::kConst;
            if (c0 != c1) {
              i128 k = c0 ? a0.value : a1.value;
              int x = root.args[c0 ? 1 : 0];
              i128 folded = SatMul(k < 0 ? -k : k, mult);
              if (folded < kNarrowLimit && SatMul(op.nodes[static_cast<size_t>(x)].bound, folded) < kNarrowLimit) {
                // floor(x * k * mult / d) = floor(x * (k*mult/g) / (d/g)), g = gcd(k*mult, d).
                i128 divisor = d / g, scaled = k * mult;
                i128 common = Gcd(scaled, divisor);
                if (common == 0) common = 1;
                ci.round_mult = static_cast<int64_t>(scaled / common);
                ci.round_div = Divisor(static_cast<uint64_t>(divisor / common));
                op.nodes.pop_back();
                op.root = x;
                op.nodes[static_cast<size_t>(x)].spread = true;
              }
            }
          }
        }
        // An amount that is one constant is rounded once, here.
        if (ci.amount.nodes.size() == 1 && root.step == Step::kConst) {
          bool overflow = false;
          int64_t fen = RoundToFen(root.value, root.den, impl->half_up, impl->unit_fen, &overflow);
          if (!overflow) {
            ci.const_amount = true;
            ci.const_fen = fen;
          }
        }
      }
      for (const auto& cap : item.caps) {
        if (cap.scope != LimitScope::kClaim) continue;
        CompiledCap cc;
        BURSAR_ASSIGN_OR_RETURN(cc.limit, compiler.Compile(*cap.limit));
        cc.constant = ConstantFen(cc.limit, &cc.constant_fen);
        if (cap.only_if) {
          cc.has_if = true;
          BURSAR_ASSIGN_OR_RETURN(cc.only_if, compiler.Compile(*cap.only_if));
        }
        ci.caps.push_back(std::move(cc));
      }
      if (item.period_years) {
        ci.has_period = true;
        BURSAR_ASSIGN_OR_RETURN(ci.period, compiler.Compile(*item.period_years));
        ci.const_period = ConstantCount(ci.period, &ci.period_years);
        if (ci.const_period) rules.period_years = ci.period_years;
      }
      if (item.consecutive_limit) {
        ci.has_limit = true;
        BURSAR_ASSIGN_OR_RETURN(ci.limit, compiler.Compile(*item.consecutive_limit));
        ci.const_limit = ConstantCount(ci.limit, &ci.limit_years);
        if (ci.const_limit) rules.consecutive_years = ci.limit_years;
      }
      if (item.deduct) {
        ci.has_deduct = true;
        BURSAR_ASSIGN_OR_RETURN(ci.deduct, compiler.Compile(*item.deduct));
      }
      impl->items.push_back(std::move(ci));
      }
    }
  }
  for (const LimitDecl& d : policy->limits) {
    CompiledLimit cl;
    cl.stage = d.stage;
    if (d.stage != LimitStage::kLine) {
      BURSAR_ASSIGN_OR_RETURN(cl.value, compiler.Compile(*d.value));
      cl.constant = ConstantFen(cl.value, &cl.constant_fen);
      // Column by column when every line it covers is apply-free, one per case.
      cl.columnar = d.span != LimitSpan::kPeriod;
      for (int g : d.items) {
        int found = 0;
        for (size_t it = 0; it < impl->items.size(); ++it) {
          if (impl->items[it].global != g) continue;
          ++found;
          cl.items.push_back(static_cast<int>(it));
          if (impl->items[it].by_claim) cl.columnar = false;
        }
        // Several lines of one item in a case share a cap of that item alone.
        if (found > 1 && d.items.size() == 1) cl.columnar = false;
      }
    }
    impl->limits.push_back(std::move(cl));
  }
  for (size_t mi = 0; mi < p.measures.size(); ++mi) {
    for (const RecoveryRule& rule : p.measures[mi].recoveries) {
      CompiledRecovery cr;
      cr.measure = static_cast<int16_t>(mi);
      cr.item = static_cast<int16_t>(rule.item_index);
      for (const Condition& c : rule.conditions) {
        BURSAR_ASSIGN_OR_RETURN(Formula f, compiler.Compile(*c.expr));
        cr.conditions.push_back(std::move(f));
      }
      if (rule.within_years) {
        cr.has_within = true;
        BURSAR_ASSIGN_OR_RETURN(cr.within, compiler.Compile(*rule.within_years));
      }
      impl->recoveries.push_back(std::move(cr));
    }
  }
  return std::unique_ptr<BatchProgram>(new BatchProgram(std::move(impl)));
}

std::vector<uint32_t> CaseOffsets(const std::vector<uint32_t>& owner, size_t cases) {
  std::vector<uint32_t> off(cases + 1, 0);
  for (uint32_t o : owner) ++off[o + 1];
  for (size_t i = 0; i < cases; ++i) off[i + 1] += off[i];
  return off;
}

namespace {

// Evaluates `f` and gives its values as int128 numerators (`wide`), int64
// numerators or flags, whichever the formula produced.
struct Values {
  const i128* wide = nullptr;
  const int64_t* narrow = nullptr;
  const uint8_t* flags = nullptr;
  i128 den = 1;
  i128 At(size_t i) const { return wide ? wide[i] : narrow[i]; }
};

Values Evaluate(const Formula& f, const Lines& lines, size_t begin, size_t n, Scratch* wide, Narrow* narrow) {
  Values v;
  const Node& root = f.nodes[static_cast<size_t>(f.root)];
  v.den = root.den;
  if (f.wide) {
    if (lines.case_row) {
      RunFormula(f, lines, begin, n, wide);
    } else {  // the int128 path reads cases through row indices
      std::vector<uint32_t> rows(n);
      std::iota(rows.begin(), rows.end(), static_cast<uint32_t>(begin));
      Lines by_row = lines;
      by_row.case_row = rows.data();
      RunFormula(f, by_row, 0, n, wide);
    }
    v.wide = wide->num[static_cast<size_t>(f.root)].data();
    v.flags = wide->flag[static_cast<size_t>(f.root)].data();
  } else {
    RunNarrow(f, lines, begin, n, narrow);
    v.narrow = narrow->view[static_cast<size_t>(f.root)];
    v.flags = narrow->fview[static_cast<size_t>(f.root)];
  }
  return v;
}

// One item's lines and their state, column by column.
struct ItemLines {
  bool apply_free = true;         // one line per case, line i is case i
  std::vector<uint32_t> case_row;  // claim lines: their case
  std::vector<int32_t> claim_row;  // claim lines: their claim
  std::vector<uint8_t> refused;
  std::vector<int64_t> computed, amount;
  std::vector<int64_t> deduct;     // claim lines: what D-G4 deducts, fen (0: nothing)
  // Draws: the lines of the case being filled that have drawn (indices into
  // these lines), kept across chunks: a case's lines are consecutive.
  uint32_t draw_case = UINT32_MAX;
  std::vector<uint32_t> drew;
  size_t size() const { return refused.size(); }
  uint32_t Case(size_t i) const { return apply_free ? static_cast<uint32_t>(i) : case_row[i]; }
};

// ceil(num / den) in fen, for a deduction: the district pays
// floor(amount - deduction) = amount - ceil(deduction).
inline int64_t CeilFen(i128 num, i128 den, bool* overflow) { return -RoundToFen(-num, den, false, 1, overflow); }

}  // namespace

struct BatchWorkspace {
  std::vector<int64_t> fen = std::vector<int64_t>(kBatchSize);  // one chunk's rounded amounts
  Scratch scratch;
  Narrow narrow;
  std::vector<ItemLines> items;
  std::vector<int64_t> left;
  std::vector<limits::Line> hist;  // the history, as lines for the limits module
  std::vector<std::vector<int64_t>> drawn;  // [draw][claim row]: what each claim line counted
};

BatchResult::BatchResult() = default;
BatchResult::~BatchResult() = default;
BatchResult::BatchResult(BatchResult&&) noexcept = default;
BatchResult& BatchResult::operator=(BatchResult&&) noexcept = default;

Status BatchProgram::Run(const CaseColumns& cases, BatchResult* out, const RunOptions& options) const {
  const Impl& im = *impl_;
  const CheckedPolicy& cp = *im.policy;
  const size_t bs = std::clamp<size_t>(options.batch_size, 1, kBatchSize);
  const size_t n = cases.size();
  if (!out->workspace) out->workspace = std::make_unique<BatchWorkspace>();
  BatchWorkspace& ws = *out->workspace;
  out->awards.clear();
  out->recoveries.clear();
  out->eligible.assign(n, 1);
  out->total_fen.assign(n, 0);
  Scratch& scratch = ws.scratch;
  scratch.overflow = false;
  Narrow& narrow = ws.narrow;
  const bool any_history = !cases.history_case.empty();
  const std::vector<uint32_t> history_off = any_history ? CaseOffsets(cases.history_case, n) : std::vector<uint32_t>();
  // Solutions and conditions are columns a reader may leave short (rows
  // without any): a row past their end has none.
  auto claim_solution = [&](size_t claim) -> int32_t {
    return claim < cases.claim_solution.size() ? cases.claim_solution[claim] : -1;
  };

  // The history as lines for the limits module.
  std::vector<limits::Line>& hist = ws.hist;
  hist.resize(cases.history_case.size());
  for (size_t h = 0; h < hist.size(); ++h) {
    limits::Line& l = hist[h];
    l.item = cp.item_base[static_cast<size_t>(cases.history_measure[h])] + cases.history_item[h];
    l.year = cases.history_year[h];
    l.project = cases.history_project[h];
    l.solution = h < cases.history_solution.size() ? cases.history_solution[h] : -1;
    l.condition = h < cases.history_condition.size() ? cases.history_condition[h] : -1;
    l.fen = cases.history_amount[h];
  }
  auto history_of = [&](uint32_t row) -> std::span<const limits::Line> {
    if (!any_history) return {};
    return std::span<const limits::Line>(hist).subspan(history_off[row], history_off[row + 1] - history_off[row]);
  };

  // A case is decided line by line through the limits module when it has
  // history or claims, or when a limit over apply-free lines cannot be filled
  // column by column.
  bool all_by_case = false;
  for (const CompiledLimit& cl : im.limits) {
    if (cl.stage == LimitStage::kLine || cl.columnar) continue;
    for (int it : cl.items) all_by_case |= !im.items[static_cast<size_t>(it)].by_claim;
  }
  // A case with history but no claims stays with the columns unless a line of
  // its history counts in a limit filled column by column: the gates read
  // the history line by line either way.
  std::vector<uint8_t> counts_this_year(cp.items.size(), 0), counts_ever(cp.items.size(), 0);
  for (size_t k = 0; k < im.limits.size(); ++k) {
    const LimitDecl& d = cp.limits[k];
    if (d.stage == LimitStage::kLine) continue;
    for (int g : d.items) (d.span == LimitSpan::kYear ? counts_this_year : counts_ever)[static_cast<size_t>(g)] = 1;
  }
  std::vector<uint8_t> by_case(n, all_by_case ? 1 : 0), same_year_history(any_history ? n : 0, 0);
  for (uint32_t row : cases.claim_case) by_case[row] = 1;
  for (size_t h = 0; h < hist.size(); ++h) {
    const size_t g = static_cast<size_t>(hist[h].item);
    if (counts_ever[g] || (counts_this_year[g] && hist[h].year == cases.year)) by_case[cases.history_case[h]] = 1;
    if (hist[h].year == cases.year) same_year_history[cases.history_case[h]] = 1;
  }

  // Eligibility, per case.
  Lines case_lines{&cases, nullptr, nullptr, n};
  for (const Formula& f : im.eligibility) {
    for (size_t b = 0; b < n; b += bs) {
      size_t m = std::min(bs, n - b);
      Values v = Evaluate(f, case_lines, b, m, &scratch, &narrow);
      for (size_t i = 0; i < m; ++i) out->eligible[b + i] &= v.flags[i];
    }
  }

  // Awards to recover, as the single-case evaluator decides them
  // (DecideRecoveries): whatever the case's eligibility, when the item was
  // awarded before (net amounts), its conditions hold in the case year, and
  // the case year is within the rule's years of the item's first award.
  for (const CompiledRecovery& cr : im.recoveries) {
    std::vector<int64_t> received(n, 0);
    std::vector<int> first(n, 0);
    for (size_t h = 0; h < cases.history_case.size(); ++h) {
      if (cases.history_measure[h] != cr.measure || cases.history_item[h] != cr.item) continue;
      const uint32_t row = cases.history_case[h];
      if (__builtin_add_overflow(received[row], cases.history_amount[h], &received[row])) scratch.overflow = true;
      if (first[row] == 0 || cases.history_year[h] < first[row]) first[row] = cases.history_year[h];
    }
    std::vector<uint8_t> holds(n);
    for (size_t r = 0; r < n; ++r) holds[r] = first[r] != 0 && received[r] > 0;
    auto all_of = [&](const Formula& f, auto&& keep) {
      for (size_t b = 0; b < n; b += bs) {
        size_t m = std::min(bs, n - b);
        Values v = Evaluate(f, case_lines, b, m, &scratch, &narrow);
        for (size_t i = 0; i < m; ++i) holds[b + i] &= keep(v, i, b + i);
      }
    };
    if (cr.has_within) {
      all_of(cr.within, [&](const Values& v, size_t i, size_t row) -> uint8_t {
        return static_cast<i128>(cases.year - first[row]) * v.den < v.At(i);
      });
    }
    for (const Formula& f : cr.conditions) {
      all_of(f, [](const Values& v, size_t i, size_t) -> uint8_t { return v.flags[i]; });
    }
    for (size_t r = 0; r < n; ++r) {
      if (holds[r]) out->recoveries.push_back({static_cast<uint32_t>(r), cr.measure, cr.item, received[r]});
    }
  }
  // By case, each case's in the policy's order of rules.
  std::stable_sort(out->recoveries.begin(), out->recoveries.end(),
                   [](const BatchRecovery& a, const BatchRecovery& b) { return a.case_row < b.case_row; });

  // Values that differ from case to case: limits, support periods and
  // consecutive-year limits that read tags or applicant flags.
  std::vector<std::vector<int64_t>> limit_col(im.limits.size());
  for (size_t k = 0; k < im.limits.size(); ++k) {
    const CompiledLimit& cl = im.limits[k];
    if (cl.stage == LimitStage::kLine || cl.constant) continue;
    limit_col[k].resize(n);
    for (size_t b = 0; b < n; b += bs) {
      size_t m = std::min(bs, n - b);
      Values v = Evaluate(cl.value, case_lines, b, m, &scratch, &narrow);
      for (size_t i = 0; i < m; ++i) limit_col[k][b + i] = CapToFen(v.At(i), v.den, &scratch.overflow);
    }
  }
  std::vector<std::vector<int64_t>> period_col(cp.items.size()), consecutive_col(cp.items.size());
  for (const CompiledItem& ci : im.items) {
    auto fill = [&](const Formula& f, std::vector<int64_t>* col) {
      if (!col->empty()) return;
      col->resize(n);
      for (size_t b = 0; b < n; b += bs) {
        size_t m = std::min(bs, n - b);
        Values v = Evaluate(f, case_lines, b, m, &scratch, &narrow);
        for (size_t i = 0; i < m; ++i) (*col)[b + i] = static_cast<int64_t>(v.At(i) / v.den);
      }
    };
    if (ci.has_period && !ci.const_period) fill(ci.period, &period_col[static_cast<size_t>(ci.global)]);
    if (ci.has_limit && !ci.const_limit) fill(ci.limit, &consecutive_col[static_cast<size_t>(ci.global)]);
  }
  std::vector<int> per_case_rules;  // items whose period or consecutive-year limit differs by case
  for (size_t g = 0; g < cp.items.size(); ++g) {
    if (!period_col[g].empty() || !consecutive_col[g].empty()) per_case_rules.push_back(static_cast<int>(g));
  }
  std::vector<size_t> per_case_limits;  // limits whose value differs by case
  for (size_t k = 0; k < im.limits.size(); ++k) {
    if (!limit_col[k].empty()) per_case_limits.push_back(k);
  }
  auto rules_for = [&](int global, uint32_t row) {
    limits::ItemRules r = im.base_rules[static_cast<size_t>(global)];
    if (!period_col[static_cast<size_t>(global)].empty()) r.period_years = period_col[static_cast<size_t>(global)][row];
    if (!consecutive_col[static_cast<size_t>(global)].empty()) {
      r.consecutive_years = consecutive_col[static_cast<size_t>(global)][row];
    }
    return r;
  };
  auto limit_of = [&](size_t k, uint32_t row) {
    return im.limits[k].constant ? im.limits[k].constant_fen : limit_col[k][row];
  };

  // Every item's lines, decided up to the caps that look only at the line.
  std::vector<ItemLines>& items = ws.items;
  items.resize(im.items.size());
  for (ItemLines& L : items) {
    L.case_row.clear();
    L.claim_row.clear();
    L.draw_case = UINT32_MAX;
    L.drew.clear();
  }
  ws.drawn.resize(cp.draws.size());
  for (auto& col : ws.drawn) col.assign(cp.draws.empty() ? 0 : cases.claim_case.size(), 0);
  const std::vector<int64_t>* external =
      im.external_present ? &cases.claim_fields[static_cast<size_t>(cp.external_support_field)] : nullptr;
  for (size_t it = 0; it < im.items.size(); ++it) {
    const CompiledItem& ci = im.items[it];
    ItemLines& L = items[it];
    L.apply_free = !ci.by_claim;
    if (ci.by_claim) {
      for (size_t k = 0; k < cases.claim_case.size(); ++k) {
        if (cases.claim_measure[k] == ci.measure && cases.claim_item[k] == ci.item) {
          L.case_row.push_back(cases.claim_case[k]);
          L.claim_row.push_back(static_cast<int32_t>(k));
        }
      }
    }
    const size_t count = ci.by_claim ? L.case_row.size() : n;
    L.refused.resize(count);
    L.computed.resize(count);
    L.amount.resize(count);
    L.deduct.assign(ci.by_claim ? count : 0, 0);
    if (!L.apply_free) {
      for (size_t i = 0; i < count; ++i) L.refused[i] = !out->eligible[L.case_row[i]];
    }
  }
  // Decides lines [b, b+m) of item `it`.
  auto decide = [&](size_t it, size_t b, size_t m) -> Status {
    const CompiledItem& ci = im.items[it];
    ItemLines& L = items[it];
    Lines l{&cases, ci.by_claim ? L.case_row.data() : nullptr, ci.by_claim ? L.claim_row.data() : nullptr,
            L.size(), &ws.drawn};
    uint8_t* refused = L.refused.data() + b;
    // Refused until here only by the case's eligibility.
    if (L.apply_free) NotEligible(out->eligible.data() + b, refused, m);
    for (const Formula& f : ci.conditions) {
      Values v = Evaluate(f, l, b, m, &scratch, &narrow);
      RefuseUnless(v.flags, refused, m);
    }
    // Once, consecutive years, support period: the limits module decides.
    // (An apply-free item with none of them is refused only by a line of the
    // same year: decided already by another decision.)
    const bool multi_year = ci.once != limits::Once::kNone || ci.has_limit || ci.has_period;
    if (any_history && (multi_year || L.apply_free)) {
      for (size_t i = 0; i < m; ++i) {
        if (refused[i]) continue;
        uint32_t row = L.Case(b + i);
        if (!multi_year && !same_year_history[row]) continue;
        auto history = history_of(row);
        if (history.empty()) continue;
        limits::Line self;
        self.item = ci.global;
        self.year = cases.year;
        self.condition = ci.condition;
        if (ci.by_claim) {
          size_t claim = static_cast<size_t>(L.claim_row[b + i]);
          self.project = cases.claim_project[claim];
          self.solution = claim_solution(claim);
        }
        if (limits::CheckGate(rules_for(ci.global, row), self, history, cases.year).kind != limits::Gate::kOpen) {
          refused[i] = 1;
        }
      }
    }
    // Draws, line by line in submission order (D-G7): what the year's
    // history and the case's earlier lines in the pool left of the limit.
    if (!ci.draws.empty()) {
      for (size_t i = 0; i < m; ++i) {
        const uint32_t row = L.case_row[b + i];
        if (row != L.draw_case) {
          L.draw_case = row;
          L.drew.clear();
        }
        if (refused[i]) continue;
        const size_t claim = static_cast<size_t>(L.claim_row[b + i]);
        limits::Line self;
        self.item = ci.global;
        self.year = cases.year;
        self.project = cases.claim_project[claim];
        self.solution = claim_solution(claim);
        for (size_t k = 0; k < ci.draws.size(); ++k) {
          const CompiledDraw& d = ci.draws[k];
          const size_t g = static_cast<size_t>(d.global);
          int64_t limit = d.constant_fen;
          if (!d.constant) {
            Values v = Evaluate(d.limit, l, b + i, 1, &scratch, &narrow);
            limit = CapToFen(v.At(0), v.den, &scratch.overflow);
          }
          i128 taken = 0;
          auto history = history_of(row);
          const size_t first = any_history ? history_off[row] : 0;
          const std::vector<int64_t>* col = g < cases.history_drawn.size() ? &cases.history_drawn[g] : nullptr;
          for (size_t h = 0; col && h < history.size(); ++h) {
            if (first + h < col->size() && limits::SameDrawPool(d.scope, history[h], self)) taken += (*col)[first + h];
          }
          for (uint32_t j : L.drew) {
            const size_t other_claim = static_cast<size_t>(L.claim_row[j]);
            limits::Line other = self;
            other.project = cases.claim_project[other_claim];
            other.solution = claim_solution(other_claim);
            if (limits::SameDrawPool(d.scope, other, self)) taken += ws.drawn[g][other_claim];
          }
          ws.drawn[g][claim] = limits::DrawCounted(cases.claim_fields[static_cast<size_t>(d.field)][claim], limit, taken);
        }
        L.drew.push_back(static_cast<uint32_t>(b + i));
      }
    }
    // The amount, rounded to the fen (or yuan).
    int64_t* computed = L.computed.data() + b;
    int64_t* amount = L.amount.data() + b;
    // Branch-free: the amounts' signs follow the data.
    int64_t* computed_out = options.awards ? computed : nullptr;
    if (ci.const_amount) {
      FinishConstant(ci.const_fen, refused, computed_out, amount, m);
    } else if (ci.fast_round) {
      // floor(num * mult / d) * unit; an amount below zero pays nothing, so
      // flooring it toward zero is harmless.
      Values v = Evaluate(ci.amount_operand, l, b, m, &scratch, &narrow);
      int64_t* fen = ws.fen.data();
      RoundLines(v.narrow, ci.round_mult, ci.round_div, im.unit_fen, fen, m);
      FinishLines(fen, refused, computed_out, amount, m);
    } else {
      Values v = Evaluate(ci.amount, l, b, m, &scratch, &narrow);
      for (size_t i = 0; i < m; ++i) {
        int64_t fen = refused[i] ? 0 : RoundToFen(v.At(i), v.den, im.half_up, im.unit_fen, &scratch.overflow);
        bool pay = !refused[i] && fen > 0;
        refused[i] = !pay;
        computed[i] = amount[i] = pay ? fen : 0;
      }
    }
    // Caps per claim: the line alone.
    for (const CompiledCap& cap : ci.caps) {
      const uint8_t* on = nullptr;
      if (cap.has_if) on = Evaluate(cap.only_if, l, b, m, &scratch, &narrow).flags;
      std::vector<uint8_t> on_copy;
      if (on) on_copy.assign(on, on + m);  // the limit's evaluation below reuses the scratch
      if (cap.constant && !on) {
        CapLines(amount, std::max<int64_t>(cap.constant_fen, 0), m);
        continue;
      }
      Values cv;
      if (!cap.constant) cv = Evaluate(cap.limit, l, b, m, &scratch, &narrow);
      for (size_t i = 0; i < m; ++i) {
        if (refused[i] || (on && !on_copy[i])) continue;
        int64_t limit = cap.constant ? cap.constant_fen : CapToFen(cv.At(i), cv.den, &scratch.overflow);
        amount[i] = std::min(amount[i], std::max<int64_t>(limit, 0));
      }
    }
    // What D-G4 will deduct from each claim line.
    if (ci.by_claim && external) {
      int64_t* deduct = L.deduct.data() + b;
      if (ci.has_deduct) {
        Values dv = Evaluate(ci.deduct, l, b, m, &scratch, &narrow);
        for (size_t i = 0; i < m; ++i) {
          i128 num = dv.At(i);
          deduct[i] = num <= 0 ? 0 : CeilFen(num, dv.den, &scratch.overflow);
        }
      } else {
        for (size_t i = 0; i < m; ++i) deduct[i] = std::max<int64_t>((*external)[static_cast<size_t>(L.claim_row[b + i])], 0);
      }
    }
    if (scratch.overflow) {
      return Status(StatusCode::kOutOfRange, "an amount left the exact range in measure " +
                                                 im.policy->policy.measures[static_cast<size_t>(ci.measure)].id);
    }
    return OkStatus();
  };
  // Apply-free lines are decided chunk by chunk, which keeps a chunk's
  // columns in cache; in a case with neither history nor claims each is
  // alone in its scope (nothing before it), so a cap of one item is a plain
  // minimum and a total is filled in the total's order, column by column.
  // Cases decided line by line get their apply-free amounts back from
  // `held` before their own pass.
  std::vector<int64_t>& left = ws.left;
  left.resize(n);
  std::vector<uint32_t> held_rows;
  std::vector<int64_t> held;
  std::vector<size_t> apply_free_items;
  for (size_t it = 0; it < im.items.size(); ++it) {
    if (items[it].apply_free) apply_free_items.push_back(it);
  }
  for (size_t b = 0; b < n; b += bs) {
    const size_t m = std::min(bs, n - b);
    for (size_t it : apply_free_items) BURSAR_RETURN_IF_ERROR(decide(it, b, m));
    for (size_t r = b; r < b + m; ++r) {
      if (!by_case[r]) continue;
      held_rows.push_back(static_cast<uint32_t>(r));
      for (size_t it : apply_free_items) held.push_back(items[it].amount[r]);
    }
    for (LimitStage stage : {LimitStage::kItem, LimitStage::kTotal}) {
      for (size_t k = 0; k < im.limits.size(); ++k) {
        const CompiledLimit& cl = im.limits[k];
        if (cl.stage != stage || !cl.columnar) continue;
        int64_t* room = left.data() + b;
        if (cl.constant) {
          std::fill(room, room + m, std::max<int64_t>(cl.constant_fen, 0));
        } else {
          for (size_t i = 0; i < m; ++i) room[i] = std::max<int64_t>(limit_col[k][b + i], 0);
        }
        // A line takes min(amount, room) and the room shrinks by what it took.
        for (int it : cl.items) FillNext(items[static_cast<size_t>(it)].amount.data() + b, room, m);
      }
    }
    // Totals of the apply-free lines (cases decided line by line are totalled again later).
    std::array<const int64_t*, 4> add{};
    size_t pending = 0;
    for (size_t it : apply_free_items) {
      add[pending++] = items[it].amount.data() + b;
      if (pending == add.size()) {
        AddTo(out->total_fen.data() + b, add[0], add[1], add[2], add[3], pending, m);
        pending = 0;
      }
    }
    AddTo(out->total_fen.data() + b, add[0], add[1], add[2], add[3], pending, m);
  }
  for (size_t j = 0; j < held_rows.size(); ++j) {
    for (size_t a = 0; a < apply_free_items.size(); ++a) {
      items[apply_free_items[a]].amount[held_rows[j]] = held[j * apply_free_items.size() + a];
    }
  }
  // Claim lines item by item, up to the caps of the line alone.
  for (size_t it = 0; it < im.items.size(); ++it) {
    ItemLines& L = items[it];
    if (L.apply_free) continue;
    const size_t count = L.size();
    for (size_t b = 0; b < count; b += bs) BURSAR_RETURN_IF_ERROR(decide(it, b, std::min(bs, count - b)));
  }

  // Cases with history or claims, one by one through the limits module, in
  // the single evaluator's order: caps of one item, D-G4, D-G3, totals.
  {
    std::vector<size_t> cursor(im.items.size(), 0);
    std::vector<limits::Line> ll;
    struct Ref {
      uint32_t item;
      uint32_t line;
    };
    std::vector<Ref> refs;
    std::vector<limits::ItemRules> rules = im.base_rules;
    std::vector<int64_t> limit_fen(im.limits.size(), 0);
    for (size_t k = 0; k < im.limits.size(); ++k) {
      if (im.limits[k].stage != LimitStage::kLine && im.limits[k].constant) limit_fen[k] = im.limits[k].constant_fen;
    }
    std::vector<int32_t> projects;
    for (uint32_t row = 0; row < n; ++row) {
      if (!by_case[row]) continue;
      ll.clear();
      refs.clear();
      for (size_t it = 0; it < im.items.size(); ++it) {
        const CompiledItem& ci = im.items[it];
        ItemLines& L = items[it];
        auto add = [&](size_t i) {
          // Only a line with something to pay can be lowered, or take room.
          if (L.refused[i] || L.amount[i] <= 0) return;
          limits::Line x;
          x.item = ci.global;
          x.year = cases.year;
          x.condition = ci.condition;
          if (!L.apply_free) {
            size_t claim = static_cast<size_t>(L.claim_row[i]);
            x.project = cases.claim_project[claim];
            x.solution = claim_solution(claim);
          }
          x.open = !L.refused[i];
          x.fen = L.refused[i] ? 0 : L.amount[i];
          ll.push_back(x);
          refs.push_back({static_cast<uint32_t>(it), static_cast<uint32_t>(i)});
        };
        if (L.apply_free) {
          add(row);
          continue;
        }
        size_t& c = cursor[it];
        while (c < L.size() && L.case_row[c] < row) ++c;
        for (size_t i = c; i < L.size() && L.case_row[i] == row; ++i) add(i);
      }
      if (ll.empty()) {
        out->total_fen[row] = 0;
        continue;
      }
      for (int g : per_case_rules) rules[static_cast<size_t>(g)] = rules_for(g, row);
      for (size_t k : per_case_limits) limit_fen[k] = limit_of(k, row);
      auto history = history_of(row);
      limits::ApplyCaps(cp, LimitStage::kItem, limit_fen, rules, cases.year, history, ll, nullptr);
      // D-G4, then D-G3 among the case's claim lines.
      for (size_t j = 0; j < ll.size(); ++j) {
        ItemLines& L = items[refs[j].item];
        if (!ll[j].open || L.apply_free || !external) continue;
        int64_t d = L.deduct[refs[j].line];
        if (d > 0) ll[j].fen = im.external_exclude ? 0 : std::max<int64_t>(0, ll[j].fen - d);
      }
      if (im.exclusive) {
        // For each project, the measure of its highest line (on a tie, the
        // lower measure) stands; its lines under other measures are excluded.
        projects.clear();
        for (const limits::Line& x : ll) {
          if (x.open && x.project >= 0 && x.fen > 0 &&
              std::find(projects.begin(), projects.end(), x.project) == projects.end()) {
            projects.push_back(x.project);
          }
        }
        for (int32_t project : projects) {
          int best = -1;
          for (size_t j = 0; j < ll.size(); ++j) {
            if (!ll[j].open || ll[j].project != project || ll[j].fen == 0) continue;
            const int mj = im.items[refs[j].item].measure;
            if (best < 0 || ll[j].fen > ll[static_cast<size_t>(best)].fen ||
                (ll[j].fen == ll[static_cast<size_t>(best)].fen && mj < im.items[refs[static_cast<size_t>(best)].item].measure)) {
              best = static_cast<int>(j);
            }
          }
          const int winning_measure = im.items[refs[static_cast<size_t>(best)].item].measure;
          for (size_t j = 0; j < ll.size(); ++j) {
            if (ll[j].open && ll[j].project == project && im.items[refs[j].item].measure != winning_measure) ll[j].fen = 0;
          }
        }
      }
      limits::ApplyCaps(cp, LimitStage::kTotal, limit_fen, rules, cases.year, history, ll, nullptr);
      int64_t total = 0;
      for (size_t j = 0; j < ll.size(); ++j) {
        ItemLines& L = items[refs[j].item];
        L.amount[refs[j].line] = ll[j].open ? ll[j].fen : 0;
        total += L.amount[refs[j].line];
      }
      out->total_fen[row] = total;
    }
  }

  // D-G6 within a case that exceeds the budget.
  int64_t* total = out->total_fen.data();
  if (im.budget_set && im.budget_rule != "none") {
    std::vector<uint32_t> over;
    for (uint32_t row = 0; row < n; ++row) {
      if (total[row] > im.budget_fen) over.push_back(row);
    }
    if (!over.empty()) {
      std::vector<int64_t> budget_left(n, im.budget_fen);
      std::vector<uint8_t> is_over(n, 0);
      for (uint32_t row : over) is_over[row] = 1;
      // Lines in decision order within each case: items in order, claims in order.
      for (ItemLines& L : items) {
        for (size_t i = 0; i < L.size(); ++i) {
          uint32_t row = L.Case(i);
          if (!is_over[row] || L.amount[i] == 0) continue;
          if (im.budget_rule == "pro_rata") {
            L.amount[i] = static_cast<int64_t>(static_cast<i128>(L.amount[i]) * im.budget_fen / total[row]);
          } else {
            L.amount[i] = std::min(L.amount[i], std::max<int64_t>(budget_left[row], 0));
            budget_left[row] -= L.amount[i];
          }
        }
      }
      for (uint32_t row : over) total[row] = 0;
      for (ItemLines& L : items) {
        for (size_t i = 0; i < L.size(); ++i) {
          if (is_over[L.Case(i)]) total[L.Case(i)] += L.amount[i];
        }
      }
    }
  }

  if (!options.awards) return scratch.overflow ? Status(StatusCode::kOutOfRange, "an amount left the exact range")
                                               : OkStatus();
  // Paid lines, by case, in decision order.
  std::vector<uint32_t> slot(n + 1, 0);
  for (const ItemLines& L : items) {
    for (size_t i = 0; i < L.size(); ++i) slot[L.Case(i) + 1] += L.amount[i] > 0;
  }
  for (size_t i = 0; i < n; ++i) slot[i + 1] += slot[i];
  out->awards.resize(slot[n]);
  for (size_t it = 0; it < items.size(); ++it) {
    const ItemLines& L = items[it];
    const CompiledItem& ci = im.items[it];
    for (size_t i = 0; i < L.size(); ++i) {
      if (L.amount[i] <= 0) continue;
      uint32_t row = L.Case(i);
      int32_t claim = L.apply_free ? -1 : cases.claim_index[static_cast<size_t>(L.claim_row[i])];
      out->awards[slot[row]++] = {row, static_cast<int16_t>(ci.measure), static_cast<int16_t>(ci.item), claim,
                                  L.computed[i], L.amount[i], static_cast<int16_t>(ci.condition)};
    }
  }
  if (scratch.overflow) return Status(StatusCode::kOutOfRange, "an amount left the exact range");
  return OkStatus();
}

}  // namespace bursar
