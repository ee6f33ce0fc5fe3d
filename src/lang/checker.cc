// The checker: names, types, citations and the shape of every rule.
#include <algorithm>
#include <set>

#include "lang/checked_policy.h"
#include "lang/parser.h"

namespace bursar {

const ParamDecl* CheckedPolicy::FindParam(const std::string& name) const {
  auto it = param_index.find(name);
  return it == param_index.end() ? nullptr : &policy.params[static_cast<size_t>(it->second)];
}

const MeasureDecl* CheckedPolicy::FindMeasure(const std::string& id) const {
  auto it = measure_index.find(id);
  return it == measure_index.end() ? nullptr : &policy.measures[static_cast<size_t>(it->second)];
}

int CheckedPolicy::FindItem(const MeasureDecl& m, const std::string& name) const {
  for (size_t i = 0; i < m.items.size(); ++i) {
    if (m.items[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

namespace {

std::string TypeName(const Type& t, const Policy& p) {
  if (t.kind == TypeKind::kEnum && t.enum_id >= 0) {
    std::string s = "one of (";
    const auto& values = p.enums[static_cast<size_t>(t.enum_id)].values;
    for (size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + values[i];
    return s + ")";
  }
  if (t.units.empty()) return TypeKindName(t.kind);
  // money per square_metre per day; square_metre * day; a quantity per day
  auto unit = [&](int u) { return u >= 0 && static_cast<size_t>(u) < p.units.size() ? p.units[static_cast<size_t>(u)].name : "?"; };
  std::string s = t.kind == TypeKind::kMoney ? "money" : "";
  for (const auto& [u, exp] : t.units) {
    for (int i = 0; i < exp; ++i) s += (s.empty() ? "" : " * ") + unit(u);
  }
  if (s.empty()) s = "a quantity";
  for (const auto& [u, exp] : t.units) {
    for (int i = 0; i < -exp; ++i) s += " per " + unit(u);
  }
  return s;
}

// The units of a product (sign +1) or a quotient (sign -1).
Units CombineUnits(const Units& a, const Units& b, int sign) {
  std::map<int, int> sum;
  for (const auto& [u, e] : a) sum[u] += e;
  for (const auto& [u, e] : b) sum[u] += sign * e;
  Units out;
  for (const auto& [u, e] : sum) {
    if (e != 0) out.emplace_back(u, e);
  }
  return out;
}


// What may appear in an expression at a given place.
struct Scope {
  bool claim_fields = false;  // inside a `by claim` item
  const char* place = "";     // for messages: "an eligibility condition"
  std::vector<std::string>* claim_fields_used = nullptr;
  // Names of values declared optional that a condition already checked
  // (`require x is not none`, `if x is none then ... else <here>`): here they
  // cannot be none.
  // Each maps to the index of the rule's condition that proved it, or -1
  // when the formula itself did.
  std::map<std::string, int> present;
  std::set<int>* relies = nullptr;  // the conditions the current one relies on
  // The item's amount and reason: a value the item draws (`draw`) may be read,
  // being counted after the conditions and the once-rules.
  bool draws = false;
};

// Money, rates and counts read from a case are zero when left out; they are
// never none. Other values declared with `?` may be none.
bool IsQuantity(TypeKind kind) {
  return kind == TypeKind::kMoney || kind == TypeKind::kRate || kind == TypeKind::kCount || kind == TypeKind::kQuantity;
}

// A deep copy of a formula as written (before checking), for a `let` or a
// table's row used in several places.
ExprPtr Clone(const Expr& e) {
  auto c = std::make_unique<Expr>();
  c->kind = e.kind;
  c->where = e.where;
  c->type = e.type;
  c->literal = e.literal;
  c->name = e.name;
  c->op = e.op;
  for (const auto& a : e.args) c->args.push_back(Clone(*a));
  c->choices = e.choices;
  c->choice_where = e.choice_where;
  c->ref_kind = e.ref_kind;
  c->ref_index = e.ref_index;
  c->choice_indices = e.choice_indices;
  c->alias = e.alias;
  return c;
}

// The names a condition proves present when it comes out `truth`:
// `x is not none` (true) and `x is none` (false) prove x; `and` proves what
// both sides prove when true, `or` what both prove when false.
void Proven(const Expr& e, bool truth, int by, std::map<std::string, int>* out) {
  switch (e.kind) {
    case ExprKind::kIsNone:
      if (!truth && e.args[0]->kind == ExprKind::kName) out->emplace(e.args[0]->name, by);
      return;
    case ExprKind::kUnary:
      if (e.op == Op::kNot) Proven(*e.args[0], !truth, by, out);
      return;
    case ExprKind::kBinary:
      if ((e.op == Op::kAnd && truth) || (e.op == Op::kOr && !truth)) {
        Proven(*e.args[0], truth, by, out);
        Proven(*e.args[1], truth, by, out);
      }
      return;
    default:
      return;
  }
}

class Checker {
 public:
  Checker(CheckedPolicy* c, Diagnostics* d) : c_(*c), p_(c->policy), d_(*d) {}

  void Run() {
    if (p_.id.empty()) {
      d_.Error("no-policy", Location{0, 1, 1, 1},
               "the policy has no 'policy \"id\" version \"...\"' statement in a bursar code block");
    }
    DeclareBuiltins();
    CheckDeclarations();
    CheckLabels();
    CheckParams();
    CheckTables();
    CheckEligibility();
    CheckMeasures();
    CheckGeneralRules();
    Scope anywhere{true, "a named value of the policy", nullptr, {}, nullptr};
    for (LetDecl& let : p_.lets) Unused(let, "the policy", anywhere, true);
  }

 private:
  // ---- types ----
  Type ResolveType(const TypeSyntax& ts) {
    Type t;
    t.optional = ts.optional;
    static const std::pair<const char*, TypeKind> kNames[] = {
        {"money", TypeKind::kMoney}, {"rate", TypeKind::kRate}, {"count", TypeKind::kCount},
        {"flag", TypeKind::kFlag},   {"year", TypeKind::kYear}, {"date", TypeKind::kDate},
        {"text", TypeKind::kText}};
    if (ts.name == "one of") {
      t.kind = TypeKind::kEnum;
      std::set<std::string> seen;
      for (const auto& v : ts.values) {
        if (!seen.insert(v).second) d_.Error("duplicate", ts.where, "the choice '" + v + "' is listed twice");
      }
      for (size_t i = 0; i < p_.enums.size(); ++i) {
        if (p_.enums[i].values == ts.values) t.enum_id = static_cast<int>(i);
      }
      if (t.enum_id < 0) {
        p_.enums.push_back({ts.values, std::vector<std::string>(ts.values.size())});
        t.enum_id = static_cast<int>(p_.enums.size() - 1);
      }
      // One set of choices may be written in several places: a Chinese label
      // given in any of them holds for all, and two different ones are an error.
      auto& labels = p_.enums[static_cast<size_t>(t.enum_id)].labels_zh;
      for (size_t i = 0; i < ts.values_zh.size() && i < labels.size(); ++i) {
        if (ts.values_zh[i].empty()) continue;
        if (!labels[i].empty() && labels[i] != ts.values_zh[i]) {
          d_.Error("duplicate", ts.where,
                   "the choice '" + ts.values[i] + "' has two Chinese labels, \"" + labels[i] + "\" and \"" +
                       ts.values_zh[i] + "\": give it one");
        }
        labels[i] = ts.values_zh[i];
      }
      return t;
    }
    for (const auto& [name, kind] : kNames) {
      if (ts.name == name) t.kind = kind;
    }
    if (auto u = unit_index_.find(ts.name); u != unit_index_.end()) {
      t.kind = TypeKind::kQuantity;
      t.units = {{u->second, 1}};
    }
    if (t.kind == TypeKind::kUnknown) {
      Location w = ts.where;
      w.length = static_cast<int>(ts.name.size());
      std::vector<std::string> units;
      for (const auto& u : p_.units) units.push_back(u.name);
      std::string hint = ClosestName(ts.name, units);
      d_.Error("unknown-type", w,
               "unknown type '" + ts.name + "'; a value is money, rate, count, flag, year, date, text, one of (a, b)" +
                   (units.empty() ? " or a unit the policy declares ('unit square_metre \"square metres\"')"
                                  : " or a unit of the policy") +
                   (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
      return t;
    }
    if (!ts.per.empty()) {
      if (t.kind != TypeKind::kMoney && t.kind != TypeKind::kQuantity && t.kind != TypeKind::kCount) {
        d_.Error("unknown-type", ts.where, "only money and quantities are per a unit: 'money per square_metre per day'");
        return t;
      }
      Units per;
      for (const auto& name : ts.per) {
        auto u = unit_index_.find(name);
        if (u == unit_index_.end()) {
          d_.Error("unknown-type", ts.where, "'" + name + "' is not a unit of the policy: declare it with 'unit " + name + " \"...\"'");
          return t;
        }
        per.emplace_back(u->second, 1);
      }
      t.units = CombineUnits(t.units, per, -1);
      if (t.kind == TypeKind::kCount) t.kind = TypeKind::kQuantity;
    }
    return t;
  }

  void DeclareBuiltins() {
    auto ensure = [&](const char* name, const char* type, const char* noun, const char* noun_zh, bool optional,
                      int* index) {
      for (size_t i = 0; i < p_.claim_fields.size(); ++i) {
        if (p_.claim_fields[i].name == name) {
          *index = static_cast<int>(i);
          return;
        }
      }
      FieldDecl f;
      f.name = name;
      f.type_syntax.name = type;
      f.type_syntax.optional = optional;
      f.noun = noun;
      f.noun_zh = noun_zh;
      p_.claim_fields.push_back(f);
      *index = static_cast<int>(p_.claim_fields.size() - 1);
    };
    // An item that uses `assessed` requires it of every claim; the other two may be left out.
    ensure("assessed", "money", "assessed amount", "核定金额", false, &c_.assessed_field);
    ensure("external_support", "money", "external support", "已获国家或市级同类支持", true, &c_.external_support_field);
    ensure("project", "text", "project", "项目", true, &c_.project_field);
    ensure("solution", "text", "solution", "解决方案", true, &c_.solution_field);
  }

  void Declare(const std::string& name, Location where, const char* what) {
    if (IsReservedWord(name)) {
      d_.Error("reserved-name", where, "'" + name + "' is a word of the policy language and cannot name a " + what);
    }
    auto [it, inserted] = names_.emplace(name, where);
    if (!inserted && it->second.line != 0) {
      d_.Error("duplicate", where,
               "'" + name + "' is declared twice (first at line " + std::to_string(it->second.line) + ")");
    }
  }

  void CheckDeclarations() {
    for (size_t i = 0; i < p_.units.size(); ++i) {
      Declare(p_.units[i].name, p_.units[i].where, "unit");
      unit_index_.emplace(p_.units[i].name, static_cast<int>(i));
    }
    for (size_t i = 0; i < p_.params.size(); ++i) {
      auto& prm = p_.params[i];
      Declare(prm.name, prm.where, "parameter");
      prm.type = ResolveType(prm.type_syntax);
      c_.param_index[prm.name] = static_cast<int>(i);
    }
    auto fields = [&](std::vector<FieldDecl>& list, std::map<std::string, int>& index, const char* what) {
      for (size_t i = 0; i < list.size(); ++i) {
        auto& f = list[i];
        if (f.where.line != 0) Declare(f.name, f.where, what);
        f.type = ResolveType(f.type_syntax);
        index[f.name] = static_cast<int>(i);
      }
    };
    fields(p_.facts, c_.fact_index, "fact");
    fields(p_.applicant_fields, c_.applicant_index, "applicant field");
    fields(p_.claim_fields, c_.claim_field_index, "claim field");
    for (auto& f : p_.applicant_fields) {
      if (f.type.kind != TypeKind::kFlag) {
        d_.Error("type-mismatch", f.type_syntax.where, "applicant fields are flags (true or false)");
      }
    }
    for (size_t i = 0; i < p_.lets.size(); ++i) {
      Declare(p_.lets[i].name, p_.lets[i].where, "named value");
      lets_[p_.lets[i].name] = &p_.lets[i];
    }
    for (size_t i = 0; i < p_.tables.size(); ++i) {
      Declare(p_.tables[i].name, p_.tables[i].where, "table");
      tables_[p_.tables[i].name] = &p_.tables[i];
    }
    for (size_t i = 0; i < p_.tags.size(); ++i) {
      auto [it, inserted] = c_.tag_index.emplace(p_.tags[i].name, static_cast<int>(i));
      if (!inserted) d_.Error("duplicate", p_.tags[i].where, "the tag '" + p_.tags[i].name + "' is declared twice");
    }
  }

  // ---- citations ----
  bool LabelExists(const std::string& label) const {
    const auto& list = label.rfind("D-", 0) == 0 ? p_.decision_labels : p_.clause_labels;
    return std::any_of(list.begin(), list.end(), [&](const auto& l) { return l.first == label; });
  }
  void CheckCites(const std::vector<Citation>& cites) {
    for (const auto& cite : cites) {
      if (LabelExists(cite.label)) continue;
      bool decision = cite.label.rfind("D-", 0) == 0;
      std::vector<std::string> known;
      for (const auto& l : decision ? p_.decision_labels : p_.clause_labels) known.push_back(l.first);
      std::string hint = ClosestName(cite.label, known);
      d_.Error("unknown-label", cite.where,
               std::string(decision ? "the decision " : "the clause ") + cite.label +
                   " does not appear in the text of this policy" +
                   (hint.empty() ? "" : "; did you mean " + hint + "?"));
    }
  }
  void CheckLabels() {
    CheckCites(p_.eligibility_cites);
    if (!p_.eligibility.empty() && p_.eligibility_cites.empty()) {
      d_.Error("no-citation", p_.eligibility.front().where,
               "the eligibility rules cite nothing: write 'eligibility cites [R.1]' naming the paragraph that says "
               "who may receive support");
    }
    for (auto& prm : p_.params) {
      CheckCites(prm.cites);
      if (prm.cites.empty()) {
        d_.Error("no-citation", prm.where,
                 "the parameter '" + prm.name + "' cites nothing: add 'cites [04.2]' naming the paragraph its value "
                 "comes from, or 'cites D-04a' for a decision the policy writes down");
      }
    }
    for (auto& t : p_.tables) {
      CheckCites(t.cites);
      if (t.cites.empty()) {
        d_.Error("no-citation", t.where,
                 "the table '" + t.name + "' cites nothing: add 'cites [3.1]' naming the paragraph its rows come from");
      }
    }
    for (const GuideLine& g : p_.guide) CheckCites(g.cites);
    for (auto& m : p_.measures) {
      for (const GuideLine& g : m.guide) CheckCites(g.cites);
      for (auto& item : m.items) {
        CheckCites(item.cites);
        auto is_clause = [](const Citation& c) { return c.label.rfind("D-", 0) != 0; };
        bool clause = std::any_of(item.cites.begin(), item.cites.end(), is_clause);
        for (auto& cc : item.conditional_cites) {
          CheckCites({cc.when_true});
          if (cc.otherwise) CheckCites({*cc.otherwise});
          // `cite [07.2] when ... otherwise [07.1]` names a clause on every line.
          if (cc.otherwise && is_clause(cc.when_true) && is_clause(*cc.otherwise)) clause = true;
        }
        CheckCites(item.deduct_cites);
        if (!clause && !item.cites_broken) {
          d_.Error("no-citation", item.where,
                   "item '" + item.name + "' of measure " + m.id +
                       (item.cites.empty() ? " cites nothing" : " cites only decisions") +
                       ": every award line names the paragraph it implements; write 'cites [" + m.id +
                       ".1]' (its clause label) after the title, then any decision labels");
        }
        for (auto& cap : item.caps) {
          CheckCites(cap.cites);
          if (cap.cites.empty()) CapWithoutCitation(cap.where);
        }
        for (auto& d : item.draws) {
          CheckCites(d.cites);
          if (d.cites.empty()) {
            d_.Error("no-citation", d.where,
                     "this draw cites nothing: add 'cites [" + m.id + ".1]' at its end, naming the paragraph that limits the figure");
          }
        }
      }
      for (auto& g : m.group_caps) {
        CheckCites(g.cites);
        if (g.cites.empty()) CapWithoutCitation(g.where);
      }
      for (auto& r : m.recoveries) {
        CheckCites(r.cites);
        bool clause = std::any_of(r.cites.begin(), r.cites.end(),
                                  [](const Citation& c) { return c.label.rfind("D-", 0) != 0; });
        if (!clause) {
          d_.Error("no-citation", r.where,
                   "this recovery cites no clause: add 'cites [" + m.id + ".2]' naming the paragraph that requires the "
                   "awards returned");
        }
      }
    }
    for (auto& g : p_.group_caps) {
      CheckCites(g.cites);
      if (g.cites.empty()) CapWithoutCitation(g.where);
    }
    for (GeneralRule* r : {&p_.rounding_mode, &p_.exclusivity, &p_.external_support, &p_.budget_rule, &p_.fill_order}) {
      CheckCites(r->cites);
      if (r->present && r->cites.empty()) {
        d_.Error("no-citation", r->where,
                 "this rule cites nothing: add 'cites D-G2' (the decision or clause it implements) at its end");
      }
    }
  }
  void CapWithoutCitation(Location where) {
    d_.Error("no-citation", where,
             "this cap cites nothing: add 'cites [04.3]' at its end, so that a reduction names the text that imposes it");
  }

  // ---- parameters ----
  void CheckLiteral(Expr& e, const Type& want, const std::string& what) {
    Literal& lit = e.literal;
    if (lit.is_none) {
      if (!want.optional) {
        d_.Error("type-mismatch", e.where, what + " cannot be none; declare its type with '?' to allow none");
      }
      e.type = want;
      return;
    }
    if (want.kind == TypeKind::kEnum && (lit.kind == TypeKind::kEnum)) {
      const auto& values = p_.enums[static_cast<size_t>(want.enum_id)].values;
      auto it = std::find(values.begin(), values.end(), lit.symbol);
      if (it == values.end()) {
        std::string hint = ClosestName(lit.symbol, values);
        d_.Error("unknown-choice", e.where,
                 "'" + lit.symbol + "' is not among the choices of " + what + ": " + TypeName(want, p_).substr(7) +
                     (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
      }
      e.type = want;
      return;
    }
    TypeKind have = lit.kind;
    if (have == TypeKind::kCount && want.kind == TypeKind::kYear) have = TypeKind::kYear;
    if (have == TypeKind::kCount && want.kind == TypeKind::kQuantity) {
      e.type = want;  // 2,000 for an area of 2,000 square metres; decimals allowed
      return;
    }
    if (have != want.kind) {
      d_.Error("type-mismatch", e.where,
               what + " is " + TypeName(want, p_) + ", but this value is " + TypeKindName(lit.kind) +
                   LiteralAdvice(lit, want.kind));
    } else if (have == TypeKind::kCount && !lit.number.is_integer()) {
      d_.Error("type-mismatch", e.where, what + " is a count: a whole number" + LiteralAdvice(lit, TypeKind::kRate));
    }
    e.type = want;
  }

  // What to write instead of a literal of the wrong kind: "; write 20% for 0.2".
  static std::string LiteralAdvice(const Literal& lit, TypeKind want) {
    if (lit.kind == TypeKind::kCount) {
      std::string digits = lit.number.ToString();
      if (want == TypeKind::kMoney) return "; write RMB " + digits + " for an amount of money";
      if (want == TypeKind::kRate) {
        auto percent = lit.number.Mul(Exact::Integer(100));
        if (percent && percent->den() == 1) {
          return "; write " + percent->ToString() + "% for " + digits + " as a rate";
        }
        return "; write a rate with a percent sign, such as 5%";
      }
    }
    if (lit.kind == TypeKind::kRate && want == TypeKind::kCount) return "; a count is a whole number without '%'";
    if (lit.kind == TypeKind::kMoney && want != TypeKind::kMoney) return "; 'RMB' marks an amount of money";
    return "";
  }

  void CheckParams() {
    for (auto& prm : p_.params) {
      if (prm.values.empty()) {
        d_.Error("no-value", prm.where, "the parameter '" + prm.name + "' has no value; add '= VALUE'");
      }
      std::optional<std::string> last;
      for (size_t i = 0; i < prm.values.size(); ++i) {
        auto& v = prm.values[i];
        CheckLiteral(*v.value, prm.type, "the parameter '" + prm.name + "'");
        if (!v.from) {
          if (i != 0) {
            d_.Error("effective-date", v.value->where,
                     "only the first value of '" + prm.name + "' may be undated; give this one 'from YYYY-MM-DD'");
          }
          continue;
        }
        if (!IsCalendarDate(*v.from)) {
          d_.Error("bad-date", v.from_where, "'" + *v.from + "' is not a date of the calendar");
        }
        if (last && *v.from <= *last) {
          d_.Error("effective-date", v.from_where,
                   "effective dates of '" + prm.name + "' must increase: " + *v.from + " is not after " + *last);
        }
        last = v.from;
      }
    }
  }

  // ---- units ----
  // A bare number beside a quantity takes its units: `min(rented_area, 2000)`.
  static void Adapt(Expr& x, Type& xt, const Type& other) {
    if (x.kind == ExprKind::kLiteral && xt.kind == TypeKind::kCount && xt.units.empty() &&
        other.kind == TypeKind::kQuantity) {
      xt = other;
      xt.optional = false;
      x.type = xt;
    }
  }
  // What to multiply a value with units by to get `want`: "; multiply it by square_metre and day".
  std::string UnitAdvice(const Type& t, TypeKind want) const {
    std::string per, of;
    for (const auto& [u, exp] : t.units) {
      std::string& list = exp < 0 ? per : of;
      list += (list.empty() ? "" : " and ") + p_.units[static_cast<size_t>(u)].name;
    }
    if (!per.empty() && (t.kind == want || (t.kind == TypeKind::kQuantity && want != TypeKind::kMoney))) {
      return "; multiply it by " + per + " to get " + TypeKindName(want);
    }
    if (!per.empty() && t.kind == TypeKind::kMoney) return "; multiply it by " + per + " to get money";
    if (!of.empty() && want == TypeKind::kMoney) {
      std::string per_each;
      for (const auto& [u, exp] : t.units) {
        for (int i = 0; i < exp; ++i) per_each += " per " + p_.units[static_cast<size_t>(u)].name;
      }
      return "; multiply it by an amount" + per_each + " (a parameter of type 'money" + per_each + "') to get money";
    }
    return "";
  }

  // ---- tables ----
  // A row's bound and value are the same for every case: literals and
  // parameters (so `--set` changes a row), not a case's figures.
  void RowConstant(const Expr& e, const TableDecl& t) {
    if (e.kind == ExprKind::kName && e.ref_kind != RefKind::kParam && e.ref_kind != RefKind::kEnumValue &&
        e.ref_kind != RefKind::kNone) {
      d_.Error("table-row", e.where,
               "'" + e.name + "' is a figure of a case, but the rows of the table '" + t.name +
                   "' are the same for every case: write an amount, a rate, a count or a parameter");
      return;
    }
    if (e.kind == ExprKind::kTagged) {
      d_.Error("table-row", e.where, "the rows of the table '" + t.name + "' are the same for every case: no tags");
      return;
    }
    for (const auto& a : e.args) RowConstant(*a, t);
  }

  void CheckTables() {
    for (TableDecl& t : p_.tables) {
      size_t errors = d_.all().size();
      static const std::pair<const char*, TypeKind> kKeys[] = {
          {"money", TypeKind::kMoney}, {"count", TypeKind::kCount}, {"rate", TypeKind::kRate}, {"year", TypeKind::kYear}};
      for (const auto& [name, kind] : kKeys) {
        if (t.key_type == name) t.key = kind;
      }
      Location kw = t.key_where;
      kw.length = static_cast<int>(t.key_type.size());
      if (t.key == TypeKind::kUnknown) {
        d_.Error("unknown-type", kw, "a table is read with money, a count, a rate or a year, not '" + t.key_type + "'");
      } else if (t.brackets && t.key != TypeKind::kMoney) {
        d_.Error("type-mismatch", kw,
                 "brackets divide an amount of money into parts, each at its rate: write 'brackets of money' "
                 "(for a step by a count or a year, write 'tiers of " + t.key_type + "')");
      }
      if (t.rows.empty()) {
        d_.Error("no-value", t.where, "the table '" + t.name + "' has no rows; add 'from BOUND: VALUE' lines");
      }
      Scope s{false, "a table", nullptr, {}, nullptr};
      std::vector<std::pair<ExprPtr, ExprPtr>> raw;
      Type result;
      const Exact* last = nullptr;
      for (TableRow& row : t.rows) {
        raw.emplace_back(Clone(*row.bound), Clone(*row.value));
        std::string what = "a bound of the table '" + t.name + "'";
        if (t.key != TypeKind::kUnknown) Expect(*row.bound, s, t.key == TypeKind::kYear ? TypeKind::kCount : t.key, what);
        Type v = Use(*row.value, s);
        RowConstant(*row.bound, t);
        RowConstant(*row.value, t);
        if (t.brackets) {
          if (v.kind != TypeKind::kUnknown && v.kind != TypeKind::kRate) {
            TypeError(*row.value, "each part of brackets is paid at a rate, such as 30%, but this is " + TypeName(v, p_));
          }
          result.kind = TypeKind::kMoney;
        } else if (v.kind != TypeKind::kUnknown) {
          if (!IsQuantity(v.kind) || !v.units.empty()) {
            TypeError(*row.value, "a tier's value is an amount, a rate or a count, but this is " + TypeName(v, p_));
          } else if (result.kind == TypeKind::kUnknown) {
            result.kind = v.kind;
          } else if (result.kind != v.kind) {
            TypeError(*row.value, "the rows of a table give values of one type, but this is " + TypeName(v, p_) +
                                      " and an earlier one " + TypeKindName(result.kind));
          }
        }
        if (row.bound->kind == ExprKind::kLiteral) {
          if (last && row.bound->literal.number.Compare(*last) <= 0) {
            auto show = [&](const Exact& x) {
              return t.key == TypeKind::kMoney ? "RMB " + x.ToMoneyString() : x.ToString();
            };
            d_.Error("table-order", row.bound->where,
                     "the bounds of the table '" + t.name + "' must increase: " + show(row.bound->literal.number) +
                         " is not above " + show(*last) + " (each row starts where the one before it ends)");
          }
          last = &row.bound->literal.number;
        }
      }
      t.result = result.kind;
      t.ok = d_.all().size() == errors && !t.rows.empty() && t.result != TypeKind::kUnknown;
      raw_rows_[&t] = std::move(raw);
    }
  }

  // `NAME(x)` of a table, replaced by the formula it stands for:
  //   tiers:    if x >= b_n then v_n else ... else if x >= b_1 then v_1 else 0
  //   brackets: max(0, min(x, b_2) - b_1) * r_1 + ... + max(0, x - b_n) * r_n
  Type ExpandTable(Expr& e, TableDecl& t, Scope& s) {
    if (e.args.size() != 1) {
      d_.Error("arity", e.where, "the table '" + t.name + "' is read with one value: " + t.name + "(x)");
      for (auto& a : e.args) Check(*a, s);
      return {};
    }
    ExprPtr raw_input = Clone(*e.args[0]);
    Type in = Use(*e.args[0], s);
    if (in.kind == TypeKind::kUnknown || !t.ok) return t.ok ? Type{t.result} : Type{};
    TypeKind want = t.key == TypeKind::kYear ? TypeKind::kCount : t.key;
    if (!Compatible(Type{want}, in)) {
      TypeError(*e.args[0], "the table '" + t.name + "' is read with " + TypeKindName(t.key) + ", but this is " +
                                TypeName(in, p_));
      return {};
    }
    const auto& rows = raw_rows_.at(&t);
    for (const auto& [bound, value] : rows) {
      if (!Budget(*bound, e.where) || !Budget(*value, e.where) || !Budget(*raw_input, e.where)) return {};
    }
    auto literal_zero = [&](TypeKind kind) {
      auto z = std::make_unique<Expr>();
      z->kind = ExprKind::kLiteral;
      z->where = e.where;
      z->literal.kind = kind;
      z->literal.number = Exact::Integer(0);
      return z;
    };
    auto node = [&](ExprKind kind, std::vector<ExprPtr> args) {
      auto n = std::make_unique<Expr>();
      n->kind = kind;
      n->where = e.where;
      n->args = std::move(args);
      return n;
    };
    auto binary = [&](Op op, ExprPtr a, ExprPtr b) {
      std::vector<ExprPtr> args;
      args.push_back(std::move(a));
      args.push_back(std::move(b));
      auto n = node(ExprKind::kBinary, std::move(args));
      n->op = op;
      return n;
    };
    auto call = [&](const char* fn, ExprPtr a, ExprPtr b) {
      std::vector<ExprPtr> args;
      args.push_back(std::move(a));
      args.push_back(std::move(b));
      auto n = node(ExprKind::kCall, std::move(args));
      n->name = fn;
      return n;
    };
    ExprPtr out;
    const Expr* shown = nullptr;
    auto input = [&]() {
      ExprPtr x = Clone(*raw_input);
      if (!shown) shown = x.get();
      return x;
    };
    if (t.brackets) {
      for (size_t i = 0; i < rows.size(); ++i) {
        ExprPtr top = i + 1 < rows.size() ? call("min", input(), Clone(*rows[i + 1].first)) : input();
        ExprPtr part = call("max", literal_zero(TypeKind::kMoney), binary(Op::kSub, std::move(top), Clone(*rows[i].first)));
        ExprPtr paid = binary(Op::kMul, std::move(part), Clone(*rows[i].second));
        out = out ? binary(Op::kAdd, std::move(out), std::move(paid)) : std::move(paid);
      }
    } else {
      out = literal_zero(t.result);
      for (const auto& [bound, value] : rows) {
        std::vector<ExprPtr> args;
        args.push_back(binary(Op::kGe, input(), Clone(*bound)));
        args.push_back(Clone(*value));
        args.push_back(std::move(out));
        out = node(ExprKind::kIf, std::move(args));
      }
    }
    e = std::move(*out);
    Type type = Check(e, s);
    e.alias = t.name;
    e.alias_arg = shown;
    return type;
  }

  // Values of earlier years: `received(ITEM)` (or `received(NN)` for a whole
  // measure), what the enterprise has already received under it, from the
  // case's history; `last_year(FACT)`, the fact's value in the year before,
  // from the case's `earlier` figures. Each becomes a fact the case reader
  // derives, so both evaluators read it like any fact.
  Type CheckEarlier(Expr& e, Scope& s) {
    bool received = e.name == "received";
    std::string usage = received ? "received(ITEM) or received(NN) for a measure" : "last_year(FACT)";
    if (e.args.size() != 1) {
      d_.Error("arity", e.where, e.name + " takes one name: " + usage);
      return {};
    }
    const Expr& a = *e.args[0];
    FieldDecl derived;
    derived.where = Location{};
    if (received) {
      derived.derived = FieldDecl::Derived::kReceived;
      derived.type.kind = TypeKind::kMoney;
      if (a.kind == ExprKind::kLiteral && a.literal.kind == TypeKind::kCount) {
        for (size_t mi = 0; mi < p_.measures.size(); ++mi) {
          auto id = ParseDecimal(p_.measures[mi].id);
          if (id && id->Compare(a.literal.number) == 0) derived.source_measure = static_cast<int>(mi);
        }
        if (derived.source_measure < 0) {
          d_.Error("unknown-name", a.where, "the policy has no measure " + a.literal.number.ToString());
          return {};
        }
        derived.name = "received(" + p_.measures[static_cast<size_t>(derived.source_measure)].id + ")";
        derived.noun = "received under measure " + p_.measures[static_cast<size_t>(derived.source_measure)].id;
      } else if (a.kind == ExprKind::kName) {
        std::vector<std::string> known;
        int found = 0;
        for (size_t mi = 0; mi < p_.measures.size(); ++mi) {
          for (size_t ii = 0; ii < p_.measures[mi].items.size(); ++ii) {
            known.push_back(p_.measures[mi].items[ii].name);
            if (p_.measures[mi].items[ii].name != a.name) continue;
            ++found;
            derived.source_measure = static_cast<int>(mi);
            derived.source_item = static_cast<int>(ii);
          }
        }
        if (found == 0) {
          std::string hint = ClosestName(a.name, known);
          d_.Error("unknown-name", a.where,
                   "'" + a.name + "' is not an item of the policy" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
          return {};
        }
        if (found > 1) {
          d_.Error("unknown-name", a.where, "several measures have an item '" + a.name + "': give the items distinct names");
          return {};
        }
        derived.name = "received(" + a.name + ")";
        derived.noun = "received under " + a.name;
      } else {
        d_.Error("syntax", a.where, "write " + usage);
        return {};
      }
    } else {
      derived.derived = FieldDecl::Derived::kLastYear;
      auto it = a.kind == ExprKind::kName ? c_.fact_index.find(a.name) : c_.fact_index.end();
      if (it == c_.fact_index.end() || p_.facts[static_cast<size_t>(it->second)].derived != FieldDecl::Derived::kNone) {
        std::vector<std::string> known;
        for (const auto& f : p_.facts) {
          if (f.derived == FieldDecl::Derived::kNone) known.push_back(f.name);
        }
        std::string hint = a.kind == ExprKind::kName ? ClosestName(a.name, known) : "";
        d_.Error("unknown-name", a.where,
                 "last_year reads a fact of the policy" + std::string(a.kind == ExprKind::kName ? ", and '" + a.name + "' is not one" : "") +
                     (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
        return {};
      }
      const FieldDecl& fact = p_.facts[static_cast<size_t>(it->second)];
      derived.source_fact = it->second;
      derived.type = fact.type;
      derived.type_syntax = fact.type_syntax;
      derived.name = "last_year(" + fact.name + ")";
      derived.noun = fact.noun.empty() ? "" : fact.noun + " of the year before";
      derived.noun_zh = fact.noun_zh.empty() ? "" : "上年" + fact.noun_zh;
    }
    auto [slot, added] = c_.fact_index.emplace(derived.name, static_cast<int>(p_.facts.size()));
    if (added) p_.facts.push_back(derived);
    e.kind = ExprKind::kName;
    e.name = derived.name;
    e.args.clear();
    return CheckName(e, s);
  }

  // `PARAM on DATE`: the value of a dated parameter in force on a date of the
  // case (the rate on the day a loan was drawn), not on 1 January.
  Type CheckOnDate(Expr& e, Scope& s) {
    Expr& prm = *e.args[0];
    auto it = c_.param_index.find(prm.name);
    bool policy_wide = false;
    if (it == c_.param_index.end() || FindLet(prm.name, &policy_wide)) {
      d_.Error("unknown-name", prm.where,
               "'" + prm.name + "' is not a parameter: 'on DATE' reads a parameter's value in force on a date of the "
               "case, such as 'lpr on drawn_on'");
      Check(*e.args[1], s);
      return {};
    }
    prm.ref_kind = RefKind::kParam;
    prm.ref_index = it->second;
    prm.type = p_.params[static_cast<size_t>(it->second)].type;
    Type day = Use(*e.args[1], s);
    if (day.kind != TypeKind::kUnknown && day.kind != TypeKind::kDate) {
      TypeError(*e.args[1], "'on' needs a date, such as a claim's 'drawn_on: date', but this is " + TypeName(day, p_));
    }
    return prm.type;
  }

  // A use of a `let` name: the formula it names, checked here.
  Type ExpandLet(Expr& e, LetDecl& let, bool policy_wide, Scope& s) {
    if (expanding_.count(&let)) {
      d_.Error("cycle", e.where, "'" + let.name + "' is defined by itself: a named value cannot use its own name");
      return {};
    }
    let.used = true;
    if (expanding_.size() >= 64) {
      d_.Error("too-deep", e.where, "named values here are nested more than 64 deep: name fewer values within values");
      return {};
    }
    if (!Budget(*let.value, e.where)) return {};
    expanding_.insert(&let);
    // A policy-wide value reads only policy-wide names, wherever it is used.
    std::vector<LetDecl>* item_lets = item_lets_;
    if (policy_wide) item_lets_ = nullptr;
    std::string name = e.name;
    Location where = e.where;
    e = std::move(*Clone(*let.value));
    Type type = Check(e, s);
    e.alias = name;
    e.alias_arg = nullptr;
    e.where = where;
    item_lets_ = item_lets;
    expanding_.erase(&let);
    return type;
  }

  // Named values and tables are copied where they are used; a chain of
  // values each using the one before twice would double at every link. The
  // copies of a policy are bounded, like a formula's length in the parser.
  static constexpr size_t kMaxExpandedNodes = 200000;
  static size_t Nodes(const Expr& e) {
    size_t n = 1;
    for (const auto& a : e.args) n += Nodes(*a);
    return n;
  }
  bool Budget(const Expr& copied, Location where) {
    expanded_nodes_ += Nodes(copied);
    if (expanded_nodes_ <= kMaxExpandedNodes) return true;
    if (!expansion_reported_) {
      d_.Error("too-long", where, "named values and tables here expand to more than " +
                                      std::to_string(kMaxExpandedNodes) + " steps: name fewer values within values");
      expansion_reported_ = true;
    }
    return false;
  }

  LetDecl* FindLet(const std::string& name, bool* policy_wide) {
    if (item_lets_) {
      for (LetDecl& l : *item_lets_) {
        if (l.name == name) {
          *policy_wide = false;
          return &l;
        }
      }
    }
    auto it = lets_.find(name);
    *policy_wide = true;
    return it == lets_.end() ? nullptr : it->second;
  }

  // A name an item declares for itself (`let`, `draw`): not a word of the
  // language, not a name of the policy.
  void ItemOwnName(const std::string& name, Location where, const char* what) {
    if (IsReservedWord(name)) {
      d_.Error("reserved-name", where, "'" + name + "' is a word of the policy language and cannot name a value");
    }
    if (auto it = names_.find(name); it != names_.end()) {
      d_.Error("duplicate", where,
               "'" + name + "' is already a name of the policy (line " + std::to_string(it->second.line) + "): give " +
                   what + " another name");
    }
  }

  DrawDecl* FindDraw(const std::string& name) {
    if (!item_draws_) return nullptr;
    for (DrawDecl& d : *item_draws_) {
      if (d.name == name) return &d;
    }
    return nullptr;
  }
  Type UseDraw(Expr& e, DrawDecl& draw, Scope& s) {
    draw.used = true;
    e.ref_kind = RefKind::kDraw;
    e.ref_index = draw.global_index;
    if (!s.draws) {
      d_.Error("draw-misplaced", e.where,
               "'" + e.name + "' is counted after the item's conditions and once-rules, from what the lines before it "
               "left of its limit: read it in the amount or the reason ('why'), not in " + s.place);
    }
    return Type{TypeKind::kMoney};
  }

  // What an item draws from a limit: the figure, the limit, the scope.
  void CheckDraws(ItemDecl& item, Scope& s, Scope& s_opt) {
    for (size_t i = 0; i < item.draws.size(); ++i) {
      DrawDecl& d = item.draws[i];
      d.global_index = static_cast<int>(c_.draws.size());
      c_.draws.push_back({item.global_index, static_cast<int>(i)});
      ItemOwnName(d.name, d.where, "the counted figure");
      for (const LetDecl& let : item.lets) {
        if (let.name == d.name) {
          d_.Error("duplicate", d.where, "'" + d.name + "' is also a named value of this item (line " +
                                             std::to_string(let.where.line) + ")");
        }
      }
      for (size_t j = 0; j < i; ++j) {
        if (item.draws[j].name == d.name) {
          d_.Error("duplicate", d.where, "'" + d.name + "' is drawn twice in this item (first at line " +
                                             std::to_string(item.draws[j].where.line) + ")");
        }
      }
      if (!item.by_claim) {
        d_.Error("draw-scope", d.where,
                 "'draw' counts a figure of each claim in turn: it needs an item decided 'by claim'");
      }
      if (d.figure) {
        Expect(*d.figure, s, TypeKind::kMoney, "the figure drawn");
        if (d.figure->kind != ExprKind::kName || d.figure->ref_kind != RefKind::kClaimField) {
          d_.Error("draw-figure", d.figure->where,
                   "the figure drawn is a claim's field, such as 'principal': name the field, and compute with the "
                   "counted value ('" + d.name + "') in the amount");
        }
      }
      if (d.limit) {
        Expect(*d.limit, s_opt, TypeKind::kMoney, "the limit drawn from");
        NoLineFigures(*d.limit, "a limit drawn from");
      }
      if (d.scope == LimitScope::kClaim || d.scope == LimitScope::kCondition) {
        d_.Error("draw-scope", d.where,
                 "a draw is shared by several claims: per enterprise, per project or per solution, then 'per year'");
      } else if (d.span != LimitSpan::kYear) {
        d_.Error("draw-scope", d.where,
                 "a draw holds within one programme year: write '" + d.written.substr(0, d.written.find(" per ", 1)) +
                     " per year' (a limit drawn from over several years is not supported yet)");
      }
    }
  }

  // A named value nothing uses: said, and its formula checked all the same.
  void Unused(LetDecl& let, const std::string& where, Scope& s, bool policy_wide) {
    if (let.used) return;
    d_.Warning("unused", let.where, "'" + let.name + "' is never used in " + where + ": use it or remove it");
    Expr use;
    use.kind = ExprKind::kName;
    use.name = let.name;
    use.where = let.where;
    ExpandLet(use, let, policy_wide, s);
  }

  // ---- expressions ----
  bool Compatible(const Type& a, const Type& b) const {
    if (a.kind == TypeKind::kEnum || b.kind == TypeKind::kEnum) return a == b;
    if (a.units != b.units) return false;
    if ((a.kind == TypeKind::kYear && b.kind == TypeKind::kCount) ||
        (a.kind == TypeKind::kCount && b.kind == TypeKind::kYear)) {
      return true;
    }
    return a.kind == b.kind;
  }

  void TypeError(const Expr& e, const std::string& message) { d_.Error("type-mismatch", e.where, message); }

  // Advice for comparing values of two kinds: a literal of the wrong kind
  // says how to write it; otherwise what each side is.
  std::string CompareAdvice(const Expr& l, const Type& lt, const Expr& r, const Type& rt) const {
    for (auto [lit, other] : {std::pair{&l, &rt}, std::pair{&r, &lt}}) {
      if (lit->kind == ExprKind::kLiteral) {
        std::string advice = LiteralAdvice(lit->literal, other->kind);
        if (!advice.empty()) return advice;
      }
    }
    if ((lt.kind == TypeKind::kMoney && rt.kind == TypeKind::kCount) ||
        (lt.kind == TypeKind::kCount && rt.kind == TypeKind::kMoney)) {
      return ": compare an amount with an amount (RMB 500,000 or a money parameter), a count with a count";
    }
    if ((lt.kind == TypeKind::kMoney && rt.kind == TypeKind::kRate) ||
        (lt.kind == TypeKind::kRate && rt.kind == TypeKind::kMoney)) {
      return ": a rate is a share of an amount; compare the amount times the rate (money * 5%) with an amount";
    }
    return ": both sides must have one type";
  }

  // Resolves a bare name that could be a choice of `want` (export_route = standard_contract).
  bool TryEnumValue(Expr& e, const Type& want) {
    if (e.kind != ExprKind::kName || want.kind != TypeKind::kEnum || Lookup(e.name) != RefKind::kNone) return false;
    const auto& values = p_.enums[static_cast<size_t>(want.enum_id)].values;
    auto it = std::find(values.begin(), values.end(), e.name);
    if (it == values.end()) {
      std::string hint = ClosestName(e.name, values);
      d_.Error("unknown-choice", e.where,
               "'" + e.name + "' is not among the choices " + TypeName(want, p_).substr(7) + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
    e.ref_kind = RefKind::kEnumValue;
    e.ref_index = it == values.end() ? -1 : static_cast<int>(it - values.begin());
    e.type = want;
    return true;
  }

  RefKind Lookup(const std::string& name) const {
    if (c_.param_index.count(name)) return RefKind::kParam;
    if (c_.fact_index.count(name)) return RefKind::kFact;
    if (c_.applicant_index.count(name)) return RefKind::kApplicant;
    if (c_.claim_field_index.count(name)) return RefKind::kClaimField;
    if (name == "year") return RefKind::kYear;
    return RefKind::kNone;
  }

  Type CheckName(Expr& e, Scope& s) {
    Type t = ResolveName(e, s);
    if ((e.ref_kind == RefKind::kFact || e.ref_kind == RefKind::kClaimField) && IsQuantity(t.kind)) t.optional = false;
    if (auto it = s.present.find(e.name); t.optional && it != s.present.end()) {
      t.optional = false;
      if (it->second >= 0 && s.relies) s.relies->insert(it->second);
    }
    return t;
  }

  // The declared type of a name already resolved (optional as declared).
  Type DeclaredType(const Expr& e) const {
    size_t i = static_cast<size_t>(e.ref_index);
    switch (e.ref_kind) {
      case RefKind::kParam: return p_.params[i].type;
      case RefKind::kFact: return p_.facts[i].type;
      case RefKind::kApplicant: return p_.applicant_fields[i].type;
      case RefKind::kClaimField: return p_.claim_fields[i].type;
      default: return e.type;
    }
  }

  static std::string ZeroLiteral(TypeKind kind) {
    switch (kind) {
      case TypeKind::kMoney: return "RMB 0";
      case TypeKind::kRate: return "0%";
      default: return "0";
    }
  }

  Type ResolveName(Expr& e, Scope& s) {
    RefKind kind = Lookup(e.name);
    e.ref_kind = kind;
    switch (kind) {
      case RefKind::kParam:
        e.ref_index = c_.param_index[e.name];
        return p_.params[static_cast<size_t>(e.ref_index)].type;
      case RefKind::kFact:
        e.ref_index = c_.fact_index[e.name];
        return p_.facts[static_cast<size_t>(e.ref_index)].type;
      case RefKind::kApplicant:
        e.ref_index = c_.applicant_index[e.name];
        return p_.applicant_fields[static_cast<size_t>(e.ref_index)].type;
      case RefKind::kClaimField:
        e.ref_index = c_.claim_field_index[e.name];
        if (!s.claim_fields) {
          d_.Error("claim-field", e.where,
                   "'" + e.name + "' is a field of a claim, but " + s.place +
                       (std::string(s.place) == "eligibility"
                            ? " is decided once for the applicant, before any claim"
                            : std::string(s.place) == "a recovery"
                                  ? " reads the enterprise's year (its facts and records), not a claim"
                                  : " is not decided by claim (write 'by claim' in the item)"));
        } else if (s.claim_fields_used && e.ref_index != c_.external_support_field &&
                   e.ref_index != c_.project_field && e.ref_index != c_.solution_field) {
          s.claim_fields_used->push_back(e.name);
        }
        return p_.claim_fields[static_cast<size_t>(e.ref_index)].type;
      case RefKind::kYear: {
        Type t;
        t.kind = TypeKind::kYear;
        return t;
      }
      default: break;
    }
    std::vector<std::string> known;
    for (const auto& [n, _] : c_.param_index) known.push_back(n);
    for (const auto& [n, _] : c_.fact_index) known.push_back(n);
    for (const auto& [n, _] : c_.applicant_index) known.push_back(n);
    for (const auto& [n, _] : c_.claim_field_index) known.push_back(n);
    std::string hint = ClosestName(e.name, known);
    d_.Error("unknown-name", e.where,
             "unknown name '" + e.name + "': no parameter, fact or field has this name" +
                 (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    return {};
  }

  Type Check(Expr& e, Scope& s) {
    e.type = CheckInner(e, s);
    return e.type;
  }

  // Checks a value an operation computes with: it must not be none here.
  Type Use(Expr& e, Scope& s) {
    Type t = Check(e, s);
    if (t.optional) MayBeNone(e);
    t.optional = false;
    return t;
  }
  void MayBeNone(const Expr& e) {
    std::string what = e.kind == ExprKind::kName ? "'" + e.name + "'" : "this value";
    std::string name = e.kind == ExprKind::kName ? e.name : "x";
    d_.Error("may-be-none", e.where,
             what + " may be none (its type ends in '?'): check it first, with 'require " + name +
                 " is not none otherwise \"...\"' before this line, or 'if " + name + " is none then ... else ...'");
  }
  // Checks `e` with the names `cond` proves present when it is `truth`.
  Type CheckProven(Expr& e, Scope& s, const Expr& cond, bool truth, bool use) {
    Scope inner = s;
    Proven(cond, truth, -1, &inner.present);
    return use ? Use(e, inner) : Check(e, inner);
  }

  Type CheckInner(Expr& e, Scope& s) {
    Type flag{TypeKind::kFlag};
    switch (e.kind) {
      case ExprKind::kLiteral:
        if (e.literal.is_none) {
          TypeError(e, "'none' can only be compared with 'is none'");
          return {};
        }
        if (e.literal.kind == TypeKind::kEnum) {
          Expr& mutable_e = e;
          mutable_e.kind = ExprKind::kName;
          mutable_e.name = e.literal.symbol;
          return CheckName(mutable_e, s);
        }
        if (e.literal.kind == TypeKind::kCount && !e.literal.number.is_integer()) {
          TypeError(e, e.literal.number.ToString() + " is not a whole number, so not a count" +
                           LiteralAdvice(e.literal, TypeKind::kRate));
          return {};
        }
        return Type{e.literal.kind};
      case ExprKind::kName: {
        bool policy_wide = false;
        if (LetDecl* let = FindLet(e.name, &policy_wide)) return ExpandLet(e, *let, policy_wide, s);
        if (DrawDecl* draw = FindDraw(e.name)) return UseDraw(e, *draw, s);
        return CheckName(e, s);
      }
      case ExprKind::kTagged:
        if (!c_.tag_index.count(e.name)) {
          std::vector<std::string> known;
          for (const auto& t : p_.tags) known.push_back(t.name);
          std::string hint = ClosestName(e.name, known);
          d_.Error("unknown-tag", e.where,
                   "unknown tag '" + e.name + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
        }
        return flag;
      case ExprKind::kUnary: {
        Type t = Use(*e.args[0], s);
        if (e.op == Op::kNot) {
          if (t.kind != TypeKind::kUnknown && t.kind != TypeKind::kFlag) {
            TypeError(e, std::string("'not' needs a flag (true or false), but this is ") + TypeName(t, p_));
          }
          return flag;
        }
        if (t.kind != TypeKind::kUnknown && t.kind != TypeKind::kMoney && t.kind != TypeKind::kRate &&
            t.kind != TypeKind::kCount && t.kind != TypeKind::kQuantity) {
          TypeError(e, "a minus sign needs a number, but this is " + TypeName(t, p_));
        }
        return t;
      }
      case ExprKind::kIsNone: {
        Expr& x = *e.args[0];
        Check(x, s);
        Type declared = x.kind == ExprKind::kName ? DeclaredType(x) : x.type;
        if (declared.kind == TypeKind::kUnknown) return flag;
        if (x.kind == ExprKind::kName && (x.ref_kind == RefKind::kFact || x.ref_kind == RefKind::kClaimField) &&
            IsQuantity(declared.kind)) {
          TypeError(e, "'" + x.name + "' is never none: " + TypeName(declared, p_) +
                           " left out of a case is zero; compare it with " + ZeroLiteral(declared.kind) + " instead");
        } else if (!declared.optional) {
          TypeError(e, "'is none' needs a value that may be missing (declared with '?')");
        }
        return flag;
      }
      case ExprKind::kIn: {
        Type t = Check(*e.args[0], s);
        if (t.kind == TypeKind::kUnknown) return flag;
        if (t.kind != TypeKind::kEnum) {
          TypeError(e, "'in (...)' needs a choice value, but this is " + TypeName(t, p_));
          return flag;
        }
        const auto& values = p_.enums[static_cast<size_t>(t.enum_id)].values;
        e.choice_indices.clear();
        for (size_t i = 0; i < e.choices.size(); ++i) {
          auto it = std::find(values.begin(), values.end(), e.choices[i]);
          if (it == values.end()) {
            std::string hint = ClosestName(e.choices[i], values);
            d_.Error("unknown-choice", e.choice_where[i],
                     "'" + e.choices[i] + "' is not among the choices " + TypeName(t, p_).substr(7) +
                         (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
            e.choice_indices.push_back(-1);
          } else {
            e.choice_indices.push_back(static_cast<int>(it - values.begin()));
          }
        }
        return flag;
      }
      case ExprKind::kIf: {
        Type c = Use(*e.args[0], s);
        if (c.kind != TypeKind::kUnknown && c.kind != TypeKind::kFlag) {
          TypeError(*e.args[0], "the condition of 'if' must be a flag, but this is " + TypeName(c, p_));
        }
        Type a = CheckProven(*e.args[1], s, *e.args[0], true, false);
        Type b = CheckProven(*e.args[2], s, *e.args[0], false, false);
        if (a.kind != TypeKind::kUnknown && b.kind != TypeKind::kUnknown && !Compatible(a, b)) {
          TypeError(e, "both branches of 'if' must have one type, but one is " + TypeName(a, p_) +
                           " and the other " + TypeName(b, p_));
        }
        a.optional = a.optional || b.optional;
        return a;
      }
      case ExprKind::kCall: {
        if (auto table = tables_.find(e.name); table != tables_.end()) return ExpandTable(e, *table->second, s);
        if (e.name == "received" || e.name == "last_year") return CheckEarlier(e, s);
        if (e.name == "@on") return CheckOnDate(e, s);
        if (e.name != "min" && e.name != "max") {
          std::vector<std::string> known = {"min", "max", "received", "last_year"};
          for (const auto& t : p_.tables) known.push_back(t.name);
          std::string hint = ClosestName(e.name, known);
          d_.Error("unknown-function", e.where,
                   "unknown function '" + e.name + "'; the functions are min, max, received, last_year and the policy's tables" +
                       (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
          for (auto& a : e.args) Check(*a, s);
          return {};
        }
        if (e.args.size() < 2) {
          d_.Error("arity", e.where, e.name + " needs at least two values");
        }
        Type t;
        std::vector<Type> types;
        for (auto& a : e.args) types.push_back(Use(*a, s));
        for (const Type& q : types) {
          if (q.kind != TypeKind::kQuantity) continue;
          for (size_t i = 0; i < e.args.size(); ++i) Adapt(*e.args[i], types[i], q);
          break;
        }
        for (size_t i = 0; i < e.args.size(); ++i) {
          Expr* a = e.args[i].get();
          Type at = types[i];
          if (at.kind == TypeKind::kUnknown) continue;
          if (at.kind != TypeKind::kMoney && at.kind != TypeKind::kRate && at.kind != TypeKind::kCount &&
              at.kind != TypeKind::kYear && at.kind != TypeKind::kQuantity) {
            TypeError(*a, e.name + " compares numbers, but this is " + TypeName(at, p_));
          } else if (t.kind == TypeKind::kUnknown) {
            t = at;
          } else if (!Compatible(t, at)) {
            TypeError(*a, e.name + " needs values of one type, but this is " + TypeName(at, p_) + " and an earlier one " +
                              TypeName(t, p_));
          }
        }
        t.optional = false;
        return t;
      }
      case ExprKind::kBinary:
        return CheckBinary(e, s);
    }
    return {};
  }

  Type CheckBinary(Expr& e, Scope& s) {
    Expr& l = *e.args[0];
    Expr& r = *e.args[1];
    Type flag{TypeKind::kFlag};
    if (e.op == Op::kAnd || e.op == Op::kOr) {
      for (Expr* side : {&l, &r}) {
        // The right side is read only when the left did not decide: there,
        // what the left proves holds.
        Type t = side == &l ? Use(l, s) : CheckProven(r, s, l, e.op == Op::kAnd, true);
        if (t.kind != TypeKind::kUnknown && t.kind != TypeKind::kFlag) {
          TypeError(*side, std::string("'") + OpSymbol(e.op) + "' joins flags (true or false), but this is " +
                               TypeName(t, p_));
        }
      }
      return flag;
    }
    Type lt, rt;
    if (e.op == Op::kEq || e.op == Op::kNe) {
      // A bare choice name on either side takes the other side's type. A
      // choice or a text may be compared while none (none equals nothing).
      auto side = [&](Expr& x) {
        Type t = Check(x, s);
        if (t.optional && t.kind != TypeKind::kEnum && t.kind != TypeKind::kText) MayBeNone(x);
        return t;
      };
      if (l.kind == ExprKind::kName && Lookup(l.name) == RefKind::kNone) {
        rt = side(r);
        if (!TryEnumValue(l, rt)) lt = side(l);
        else lt = l.type;
      } else {
        lt = side(l);
        if (!TryEnumValue(r, lt)) rt = side(r);
        else rt = r.type;
      }
    } else {
      lt = Use(l, s);
      rt = Use(r, s);
    }
    if (lt.kind == TypeKind::kUnknown || rt.kind == TypeKind::kUnknown) return {};
    if (e.op != Op::kMul && e.op != Op::kDiv) {
      Adapt(l, lt, rt);
      Adapt(r, rt, lt);
    }
    std::string ln = TypeName(lt, p_), rn = TypeName(rt, p_);
    auto numeric = [](TypeKind k) { return k == TypeKind::kRate || k == TypeKind::kCount || k == TypeKind::kQuantity; };
    auto with_units = [](TypeKind k, Units u) {
      Type t{k};
      // A quantity whose units cancel is a plain fraction.
      if (k == TypeKind::kQuantity && u.empty()) t.kind = TypeKind::kRate;
      t.units = std::move(u);
      return t;
    };
    switch (e.op) {
      case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe: case Op::kEq: case Op::kNe: {
        bool ordered = e.op != Op::kEq && e.op != Op::kNe;
        if (!Compatible(lt, rt)) {
          TypeError(e, "cannot compare " + ln + " with " + rn + CompareAdvice(l, lt, r, rt));
        } else if (ordered && (lt.kind == TypeKind::kFlag || lt.kind == TypeKind::kEnum || lt.kind == TypeKind::kText)) {
          TypeError(e, std::string("'") + OpSymbol(e.op) + "' needs numbers or dates, but these are " + ln);
        }
        return flag;
      }
      case Op::kAdd: case Op::kSub: {
        TypeKind a = lt.kind, b = rt.kind;
        if (a == b && (a == TypeKind::kMoney || a == TypeKind::kRate || a == TypeKind::kCount || a == TypeKind::kQuantity)) {
          if (lt.units == rt.units) return with_units(a, lt.units);
          TypeError(e, std::string("cannot ") + (e.op == Op::kAdd ? "add " : "subtract ") + rn +
                           (e.op == Op::kAdd ? " to " : " from ") + ln + ": the units differ");
          return {};
        }
        if (a == TypeKind::kYear && b == TypeKind::kCount) return Type{TypeKind::kYear};
        if (a == TypeKind::kCount && b == TypeKind::kYear && e.op == Op::kAdd) return Type{TypeKind::kYear};
        if (a == TypeKind::kYear && b == TypeKind::kYear && e.op == Op::kSub) return Type{TypeKind::kCount};
        std::string verb = e.op == Op::kAdd ? "add" : "subtract";
        std::string hint;
        if ((a == TypeKind::kMoney && b == TypeKind::kRate) || (a == TypeKind::kRate && b == TypeKind::kMoney)) {
          hint = "; did you mean money * rate?";
        }
        TypeError(e, "cannot " + verb + " " + ln + (e.op == Op::kAdd ? " and " : " from ") + rn + hint);
        return {};
      }
      case Op::kMul: {
        TypeKind a = lt.kind, b = rt.kind;
        auto is = [&](TypeKind x, TypeKind y) { return (a == x && b == y) || (a == y && b == x); };
        // Units multiply: money per square_metre per day * square_metre * day is money.
        Units u = CombineUnits(lt.units, rt.units, 1);
        if ((a == TypeKind::kMoney && numeric(b)) || (b == TypeKind::kMoney && numeric(a))) return with_units(TypeKind::kMoney, u);
        if ((a == TypeKind::kQuantity && numeric(b)) || (b == TypeKind::kQuantity && numeric(a))) {
          return with_units(TypeKind::kQuantity, u);
        }
        if (is(TypeKind::kMoney, TypeKind::kRate) || is(TypeKind::kMoney, TypeKind::kCount)) return Type{TypeKind::kMoney};
        if (is(TypeKind::kRate, TypeKind::kRate) || is(TypeKind::kRate, TypeKind::kCount)) return Type{TypeKind::kRate};
        if (is(TypeKind::kCount, TypeKind::kCount)) return Type{TypeKind::kCount};
        std::string advice;
        if (is(TypeKind::kMoney, TypeKind::kMoney)) {
          advice = ": money times money has no meaning; multiply an amount by a rate (money * 5%) or a count, "
                   "or divide one amount by another (money / money) for a rate";
        } else if (a == TypeKind::kFlag || b == TypeKind::kFlag) {
          advice = ": a flag is true or false, not a number; write 'if FLAG then A else B' to choose a value";
        } else if (a == TypeKind::kYear || b == TypeKind::kYear) {
          advice = ": a year is a date in the calendar; subtract two years (year - settled_year) for a count of years";
        }
        TypeError(e, "cannot multiply " + ln + " by " + rn + advice);
        return {};
      }
      case Op::kDiv: {
        TypeKind a = lt.kind, b = rt.kind;
        Units u = CombineUnits(lt.units, rt.units, -1);
        if (a == TypeKind::kMoney && b == TypeKind::kMoney) return with_units(TypeKind::kQuantity, u);
        if (a == TypeKind::kMoney && numeric(b)) return with_units(TypeKind::kMoney, u);
        if ((a == TypeKind::kQuantity && numeric(b)) || (numeric(a) && b == TypeKind::kQuantity)) {
          return with_units(TypeKind::kQuantity, u);
        }
        if (a == TypeKind::kMoney && (b == TypeKind::kCount || b == TypeKind::kRate)) return Type{TypeKind::kMoney};
        if (a == TypeKind::kRate && (b == TypeKind::kCount || b == TypeKind::kRate)) return Type{TypeKind::kRate};
        if (a == TypeKind::kCount && b == TypeKind::kCount) return Type{TypeKind::kRate};
        TypeError(e, "cannot divide " + ln + " by " + rn +
                         (a == TypeKind::kRate && b == TypeKind::kMoney
                              ? ": did you mean money * rate?"
                              : (b == TypeKind::kMoney ? ": only money divides by money (giving a rate)" : "")));
        return {};
      }
      default:
        return {};
    }
  }

  void Expect(Expr& e, Scope& s, TypeKind want, const std::string& what) {
    Type t = Use(e, s);
    if (t.kind == TypeKind::kUnknown) return;
    if (t.kind != want && !(want == TypeKind::kCount && t.kind == TypeKind::kYear)) {
      TypeError(e, what + " must be " + TypeKindName(want) + ", but this is " + TypeName(t, p_) + UnitAdvice(t, want));
    } else if (!t.units.empty()) {
      TypeError(e, what + " must be " + TypeKindName(want) + ", but this is " + TypeName(t, p_) + UnitAdvice(t, want));
    }
  }

  // ---- rules ----
  // Conditions are read in order: what one proves present (`require x is
  // not none`) holds for the conditions after it and for the rest of the rule.
  // A condition that relies on an earlier one's proof is not read when that
  // one fails (its values may be none): `relies_on`.
  void CheckConditions(std::vector<Condition>& conditions, Scope& s, const char* what) {
    for (size_t i = 0; i < conditions.size(); ++i) {
      Condition& c = conditions[i];
      std::set<int> relies;
      s.relies = &relies;
      Expect(*c.expr, s, TypeKind::kFlag, what);
      if (!c.otherwise.empty()) CheckTemplate(c.otherwise, c.otherwise_where, s, &c.otherwise_holes);
      if (!c.otherwise_zh.empty()) CheckTemplate(c.otherwise_zh, c.otherwise_zh_where, s, &c.otherwise_zh_holes);
      s.relies = nullptr;
      c.relies_on.assign(relies.begin(), relies.end());
      Proven(*c.expr, true, static_cast<int>(i), &s.present);
    }
  }

  void CheckEligibility() {
    Scope s{false, "eligibility", nullptr, {}, nullptr};
    CheckConditions(p_.eligibility, s, "an eligibility condition");
  }

  // A reason's `{name}` holes: each names a value the reason is filled with.
  void CheckTemplate(const std::string& t, Location where, Scope& s, std::vector<TemplateHole>* holes) {
    holes->clear();
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] != '{') continue;
      size_t close = t.find('}', i);
      Location w = where;
      w.column += static_cast<int>(i) + 1;
      if (close == std::string::npos) {
        w.length = 1;
        d_.Error("bad-template", w,
                 "a '{' in the reason has no closing '}': write {name} to show a value, such as {" +
                     FirstValueName() + "}");
        return;
      }
      w.length = static_cast<int>(close - i + 1);
      TemplateHole hole;
      hole.begin = i;
      hole.end = close + 1;
      hole.name = std::make_unique<Expr>();
      hole.name->kind = ExprKind::kName;
      hole.name->name = t.substr(i + 1, close - i - 1);
      hole.name->where = w;
      if (hole.name->name.empty() || hole.name->name.find_first_of(" {") != std::string::npos) {
        d_.Error("bad-template", w,
                 "'" + t.substr(i, close - i + 1) + "' is not a value's name: write {name} with one name inside, such as {" +
                     FirstValueName() + "}");
      } else {
        hole.name->type = Check(*hole.name, s);  // a let's name is the value it names
      }
      holes->push_back(std::move(hole));
      i = close;
    }
  }
  std::string FirstValueName() const { return p_.params.empty() ? "year" : p_.params.front().name; }

  void CheckMeasures() {
    std::set<std::string> ids;
    for (size_t mi = 0; mi < p_.measures.size(); ++mi) {
      MeasureDecl& m = p_.measures[mi];
      if (!ids.insert(m.id).second) d_.Error("duplicate", m.where, "measure " + m.id + " is declared twice");
      c_.measure_index[m.id] = static_cast<int>(mi);
      c_.item_base.push_back(static_cast<int>(c_.items.size()));
      if (m.items.empty()) d_.Error("no-items", m.where, "measure " + m.id + " has no items");
      std::set<std::string> item_names;
      for (size_t ii = 0; ii < m.items.size(); ++ii) {
        ItemDecl& item = m.items[ii];
        item.measure_index = static_cast<int>(mi);
        item.global_index = static_cast<int>(c_.items.size());
        c_.items.push_back({static_cast<int>(mi), static_cast<int>(ii)});
        if (!item_names.insert(item.name).second) {
          d_.Error("duplicate", item.where, "measure " + m.id + " has two items named '" + item.name + "'");
        }
        CheckItem(m, item);
      }
      for (RecoveryRule& r : m.recoveries) CheckRecovery(m, r);
      for (auto& g : m.group_caps) {
        for (size_t i = 0; i < g.items.size(); ++i) {
          int idx = c_.FindItem(m, g.items[i]);
          if (idx < 0) {
            std::vector<std::string> known;
            for (const auto& it : m.items) known.push_back(it.name);
            std::string hint = ClosestName(g.items[i], known);
            d_.Error("cap-on-nothing", g.item_where[i],
                     "this cap names '" + g.items[i] + "', which is not an item of measure " + m.id +
                         (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
          } else {
            g.global_items.push_back(c_.item_base.back() + idx);
          }
          g.item_indices.push_back(idx);
        }
        std::string text;
        for (const auto& n : g.items) text += (text.empty() ? "" : " + ") + n;
        CheckTotal(g, text);
      }
    }
    for (auto& g : p_.group_caps) {
      std::string text = g.all_measures ? "all measures" : "measures ";
      for (size_t i = 0; i < g.measures.size(); ++i) {
        text += (i ? ", " : "") + g.measures[i];
        auto it = c_.measure_index.find(g.measures[i]);
        if (it == c_.measure_index.end()) {
          d_.Error("cap-on-nothing", g.measure_where[i], "this cap names measure " + g.measures[i] + ", which the policy does not have");
          continue;
        }
        const MeasureDecl& m = p_.measures[static_cast<size_t>(it->second)];
        for (size_t ii = 0; ii < m.items.size(); ++ii) g.global_items.push_back(c_.item_base[static_cast<size_t>(it->second)] + static_cast<int>(ii));
      }
      if (g.all_measures) {
        for (size_t gi = 0; gi < c_.items.size(); ++gi) g.global_items.push_back(static_cast<int>(gi));
      }
      CheckTotal(g, text);
    }
    BuildLimits();
  }

  void CheckRecovery(MeasureDecl& m, RecoveryRule& r) {
    r.item_index = c_.FindItem(m, r.item);
    if (r.item_index < 0) {
      std::vector<std::string> known;
      for (const auto& it : m.items) known.push_back(it.name);
      std::string hint = ClosestName(r.item, known);
      d_.Error("cap-on-nothing", r.item_where,
               "this recovery names '" + r.item + "', which is not an item of measure " + m.id +
                   (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
    if (r.conditions.empty()) {
      d_.Error("no-condition", r.where,
               "a recovery needs the condition that triggers it: a 'when' line such as 'when not registered_in_district'");
    }
    Scope s{false, "a recovery", nullptr, {}, nullptr};
    CheckConditions(r.conditions, s, "the condition of a recovery");
    if (r.within_years) {
      Expect(*r.within_years, s, TypeKind::kCount, "the years of a recovery");
      NoLineFigures(*r.within_years, "the years of a recovery");
    }
  }

  // A limit over several lines reads what is the same for all of them:
  // parameters, tags, applicant flags and the year; not one claim's fields
  // nor one year's facts.
  void NoLineFigures(const Expr& e, const std::string& what) {
    if (e.kind == ExprKind::kName && (e.ref_kind == RefKind::kFact || e.ref_kind == RefKind::kClaimField)) {
      d_.Error("limit-scope", e.where,
               "'" + e.name + "' is a figure of one " + (e.ref_kind == RefKind::kFact ? "year" : "claim") + ", but " +
                   what + " holds over several lines; it may read parameters, tags, applicant flags and the year");
      return;
    }
    for (const auto& a : e.args) NoLineFigures(*a, what);
  }

  static bool ReadsLineFigures(const Expr& e) {
    if (e.kind == ExprKind::kName && (e.ref_kind == RefKind::kFact || e.ref_kind == RefKind::kClaimField)) return true;
    return std::any_of(e.args.begin(), e.args.end(), [](const ExprPtr& a) { return ReadsLineFigures(*a); });
  }

  void CheckTotal(GroupCap& g, const std::string& text) {
    Scope s{false, "a cap of a total", nullptr, {}, nullptr};
    if (g.limit) {
      Expect(*g.limit, s, TypeKind::kMoney, "a cap");
      NoLineFigures(*g.limit, "a cap on a total");
    }
    if (g.span == LimitSpan::kPeriod) {
      d_.Error("cap-scope", g.where, "a total cannot hold per period: each item has its own support period");
    }
    if (g.scope == LimitScope::kClaim) {
      d_.Error("cap-scope", g.where, "a total holds over several lines: per year, per project, per solution or per enterprise");
    }
    (void)text;
  }

  // Every cap in one list, in the order of application (see LimitDecl).
  void BuildLimits() {
    auto add = [&](LimitStage stage, const CapRule& cap, int item) {
      LimitDecl d;
      d.stage = stage;
      d.scope = cap.scope;
      d.span = cap.span;
      d.items = {item};
      d.value = cap.limit.get();
      d.only_if = cap.only_if.get();
      d.cites = cap.cites;
      d.written = cap.written;
      d.where = cap.where;
      d.per_line = (cap.limit && ReadsLineFigures(*cap.limit)) || (cap.only_if && ReadsLineFigures(*cap.only_if));
      c_.limits.push_back(std::move(d));
    };
    for (int pass = 0; pass < 2; ++pass) {
      for (const MeasureDecl& m : p_.measures) {
        for (const ItemDecl& item : m.items) {
          for (const CapRule& cap : item.caps) {
            bool line = cap.scope == LimitScope::kClaim;
            if (line == (pass == 0)) add(line ? LimitStage::kLine : LimitStage::kItem, cap, item.global_index);
          }
        }
      }
    }
    auto total = [&](const GroupCap& g, const std::string& text, const std::string& text_zh) {
      LimitDecl d;
      d.stage = LimitStage::kTotal;
      d.scope = g.scope;
      d.span = g.span;
      d.items = g.global_items;
      d.value = g.limit.get();
      d.cites = g.cites;
      d.written = g.written;
      d.items_text = text;
      d.items_text_zh = text_zh;
      d.where = g.where;
      c_.limits.push_back(std::move(d));
    };
    for (const MeasureDecl& m : p_.measures) {
      for (const GroupCap& g : m.group_caps) {
        std::string text, text_zh;
        for (const auto& n : g.items) {
          text += (text.empty() ? "" : " + ") + n;
          auto it = std::find_if(m.items.begin(), m.items.end(), [&](const ItemDecl& i) { return i.name == n; });
          const std::string& zh = it != m.items.end() && !it->title_zh.empty() ? it->title_zh : n;
          text_zh += (text_zh.empty() ? "" : "、") + zh;
        }
        total(g, text, text_zh);
      }
    }
    for (const GroupCap& g : p_.group_caps) {
      std::string text = g.all_measures ? "all measures" : "measures ";
      std::string text_zh = g.all_measures ? "全部措施" : "措施";
      for (size_t i = 0; i < g.measures.size(); ++i) {
        text += (i ? ", " : "") + g.measures[i];
        text_zh += (i ? "、" : "") + g.measures[i];
      }
      total(g, text, text_zh);
    }
    c_.limits_of_item.assign(c_.items.size(), {});
    for (size_t k = 0; k < c_.limits.size(); ++k) {
      for (int g : c_.limits[k].items) {
        auto& list = c_.limits_of_item[static_cast<size_t>(g)];
        if (list.empty() || list.back() != static_cast<int>(k)) list.push_back(static_cast<int>(k));
      }
    }
  }

  void CheckItem(MeasureDecl& m, ItemDecl& item) {
    std::string place = "item '" + item.name + "' of measure " + m.id;
    if (item.mode_where.line == 0) {
      d_.Error("no-mode", item.where,
               place + " must say how it is decided: 'from facts' (apply-free) or 'by claim' (an application)");
    }
    std::vector<std::string> used;
    Scope s{item.by_claim, place.c_str(), &used, {}, nullptr};
    item_lets_ = &item.lets;
    for (size_t i = 0; i < item.lets.size(); ++i) {
      const LetDecl& let = item.lets[i];
      ItemOwnName(let.name, let.where, "this value");
      for (size_t j = 0; j < i; ++j) {
        if (item.lets[j].name == let.name) {
          d_.Error("duplicate", let.where, "'" + let.name + "' is named twice in this item (first at line " +
                                               std::to_string(item.lets[j].where.line) + ")");
        }
      }
    }
    item_draws_ = &item.draws;
    CheckConditions(item.conditions, s, "a condition");
    // A claim must carry what its conditions, draws, amount and reason read; a
    // field that only a cap, a citation or the deduction reads may be left
    // out (it is then zero, false or none).
    Scope s_opt{item.by_claim, place.c_str(), nullptr, {}, nullptr};
    CheckDraws(item, s, s_opt);
    Scope s_amount = s;
    s_amount.draws = true;
    if (!item.amount) {
      // An amount that did not parse has its own syntax error.
      if (!item.amount_written) d_.Error("no-amount", item.where, place + " has no 'amount'");
    } else {
      Expect(*item.amount, s_amount, TypeKind::kMoney, "an amount");
    }
    if (!item.why.empty()) CheckTemplate(item.why, item.why_where, s_amount, &item.why_holes);
    // The Chinese reason is filled the same way: every hole names a value.
    if (!item.why_zh.empty()) CheckTemplate(item.why_zh, item.why_zh_where, s_amount, &item.why_zh_holes);
    for (auto& cap : item.caps) {
      if (cap.limit) Expect(*cap.limit, s_opt, TypeKind::kMoney, "a cap");
      if (!item.amount) d_.Error("cap-on-nothing", cap.where, "this cap limits nothing: " + place + " has no amount");
      if ((cap.scope == LimitScope::kClaim || cap.scope == LimitScope::kProject || cap.scope == LimitScope::kSolution) &&
          !item.by_claim) {
        d_.Error("cap-scope", cap.where, "a cap per claim, per project or per solution needs an item decided 'by claim'");
      }
      if (cap.span == LimitSpan::kPeriod && !item.period_years) {
        d_.Error("cap-scope", cap.where, "a cap per period needs a 'period N years from first award' on this item");
      }
      if (cap.only_if) {
        Expect(*cap.only_if, s_opt, TypeKind::kFlag, "the condition of a cap");
        if (cap.scope != LimitScope::kClaim) {
          d_.Error("cap-scope", cap.where, "only a cap per claim can hold 'if' a condition: a cap over several lines holds on all of them");
        }
      }
      if (cap.scope != LimitScope::kClaim && cap.limit) NoLineFigures(*cap.limit, "a cap " + cap.written);
    }
    for (auto& cc : item.conditional_cites) {
      if (cc.condition) Expect(*cc.condition, s_opt, TypeKind::kFlag, "the condition of a citation");
      if (cc.otherwise && (cc.otherwise->label.rfind("D-", 0) == 0) != (cc.when_true.label.rfind("D-", 0) == 0)) {
        d_.Error("cite-kind", cc.otherwise->where, "a clause is cited in place of a clause, a decision in place of a decision");
      }
    }
    if (item.deduct) {
      Expect(*item.deduct, s_opt, TypeKind::kMoney, "what D-G4 deducts");
      if (!item.by_claim) d_.Error("claim-field", item.deduct->where, "'deduct' needs an item decided 'by claim'");
    }
    if (item.period_years) {
      Expect(*item.period_years, s_opt, TypeKind::kCount, "a support period");
      NoLineFigures(*item.period_years, "a support period");
    }
    if (item.consecutive_limit) {
      Expect(*item.consecutive_limit, s_opt, TypeKind::kCount, "a limit of years");
      NoLineFigures(*item.consecutive_limit, "a limit of consecutive years");
    }
    if (!item.once.empty()) {
      static const std::set<std::string> kScopes = {"enterprise", "year", "project", "solution", "condition"};
      std::vector<std::string> scopes = {item.once};
      if (!kScopes.count(item.once)) {
        scopes.clear();
        const ParamDecl* prm = c_.FindParam(item.once);
        bool ok = prm && prm->type.kind == TypeKind::kEnum;
        if (ok) {
          for (const auto& v : p_.enums[static_cast<size_t>(prm->type.enum_id)].values) {
            scopes.push_back(v);
            if (!kScopes.count(v)) {
              ok = false;
              d_.Error("once-scope", item.once_where,
                       "the choices of '" + item.once + "' must be enterprise, year, project, solution or condition; '" +
                           v + "' is not");
            }
          }
        } else {
          d_.Error("once-scope", item.once_where,
                   "'once per' takes enterprise, year, project, solution, condition, or a parameter whose choices are "
                   "those; '" + item.once + "' is neither");
        }
      }
      for (const auto& scope : scopes) {
        if ((scope == "project" || scope == "solution") && !item.by_claim) {
          d_.Error("once-scope", item.once_where, "'once per " + scope + "' needs an item decided 'by claim'");
        }
        if (scope == "condition" && item.by_claim) {
          d_.Error("once-scope", item.once_where, "'once per condition' needs an item decided 'from facts'");
        }
        if (scope == "condition" && item.named_conditions.empty()) {
          d_.Error("once-scope", item.once_where,
                   "'once per condition' needs the item's conditions named: 'when any of' then 'name: condition' lines");
        }
      }
    }
    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    // A field declared with '?' may be left out of a claim: zero for money,
    // a rate or a count, none otherwise.
    used.erase(std::remove_if(used.begin(), used.end(),
                              [&](const std::string& name) {
                                return p_.claim_fields[static_cast<size_t>(c_.claim_field_index.at(name))].type.optional;
                              }),
               used.end());
    item.required_claim_fields = used;
    for (LetDecl& let : item.lets) Unused(let, place, s_amount, false);
    for (const DrawDecl& d : item.draws) {
      if (!d.used) d_.Warning("unused", d.where, "'" + d.name + "' is never used in " + place + ": use it in the amount or remove it");
    }
    item_lets_ = nullptr;
    item_draws_ = nullptr;
  }

  void CheckGeneralRules() {
    auto check = [&](GeneralRule& r, TypeKind kind, std::vector<std::string> choices, const char* what) {
      if (!r.present) return;
      const ParamDecl* prm = c_.FindParam(r.param);
      Location w = r.where;
      w.length = static_cast<int>(r.param.size());
      if (!prm) {
        d_.Error("unknown-name", w, "unknown parameter '" + r.param + "' for " + what);
        return;
      }
      if (prm->type.kind != kind) {
        d_.Error("type-mismatch", w,
                 std::string(what) + " needs a " + TypeKindName(kind) + " parameter, but '" + r.param + "' is " +
                     TypeName(prm->type, p_));
        return;
      }
      if (kind == TypeKind::kEnum) {
        for (const auto& v : p_.enums[static_cast<size_t>(prm->type.enum_id)].values) {
          if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
            std::string all;
            for (const auto& c : choices) all += (all.empty() ? "" : ", ") + c;
            d_.Error("unknown-choice", w, std::string(what) + " knows the choices " + all + "; '" + v + "' is not one");
          }
        }
      }
    };
    check(p_.rounding_mode, TypeKind::kEnum, {"down", "half_up"}, "rounding");
    check(p_.rounding_unit, TypeKind::kEnum, {"fen", "yuan"}, "the rounding unit");
    check(p_.exclusivity, TypeKind::kFlag, {}, "one project one measure");
    check(p_.external_support, TypeKind::kEnum, {"difference", "exclude"}, "external support");
    check(p_.budget, TypeKind::kMoney, {}, "the budget");
    check(p_.budget_rule, TypeKind::kEnum, {"pro_rata", "priority", "none"}, "budget scaling");
  }

  CheckedPolicy& c_;
  Policy& p_;
  Diagnostics& d_;
  std::map<std::string, Location> names_;
  std::map<std::string, int> unit_index_;     // unit name → index into Policy::units
  std::map<std::string, LetDecl*> lets_;      // the policy's named values
  std::map<std::string, TableDecl*> tables_;
  std::map<const TableDecl*, std::vector<std::pair<ExprPtr, ExprPtr>>> raw_rows_;  // each row as written, unchecked
  std::vector<LetDecl>* item_lets_ = nullptr;  // the named values of the item being checked
  std::vector<DrawDecl>* item_draws_ = nullptr;  // what the item being checked draws
  std::set<const LetDecl*> expanding_;         // the named values being expanded (a cycle otherwise)
  size_t expanded_nodes_ = 0;                  // nodes copied by expansions so far (Budget)
  bool expansion_reported_ = false;
};

}  // namespace

void CheckPolicy(CheckedPolicy* checked, Diagnostics* diags) { Checker(checked, diags).Run(); }

bool IsCalendarDate(const std::string& d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (d[i] < '0' || d[i] > '9') return false;
  }
  int y = std::stoi(d.substr(0, 4)), m = std::stoi(d.substr(5, 2)), day = std::stoi(d.substr(8, 2));
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || day < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return day <= kDays[m - 1] - (m == 2 && !leap ? 1 : 0);
}

}  // namespace bursar
