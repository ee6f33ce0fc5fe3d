#include "lang/parser.h"

#include <set>

namespace bursar {
namespace {

const std::set<std::string>& StatementWords() {
  static const std::set<std::string> words = {
      "policy", "param", "fact", "applicant", "claim", "tag", "eligibility", "require", "when",
      "measure", "item", "by", "from", "amount", "why", "cap", "once", "period", "limit",
      "round", "exclusive", "external", "scale", "cite", "deduct", "fill", "let", "table", "unit", "recover",
      "guide", "draw"};
  return words;
}

const std::set<std::string>& StopWords() {
  static const std::set<std::string> words = {"per", "otherwise", "cites", "years", "consecutive", "at",
                                              "then", "else", "of", "to", "within", "version", "title"};
  return words;
}

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, Policy* policy, Diagnostics* diags)
      : tokens_(tokens), policy_(policy), diags_(diags) {}

  void Run() {
    while (!AtEnd()) {
      size_t before = pos_;
      if (!ParseStatement()) Recover(before);
    }
  }

 private:
  enum class Context { kTop, kEligibility, kMeasure, kItem, kRecovery };

  // ---- token helpers ----
  const Token& Peek(size_t ahead = 0) const {
    static const Token kEnd;
    return pos_ + ahead < tokens_.size() ? tokens_[pos_ + ahead] : kEnd;
  }
  bool AtEnd() const { return pos_ >= tokens_.size(); }
  const Token& Next() { return tokens_[pos_++]; }
  bool IsWord(const char* w, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kIdent && Peek(ahead).text == w;
  }
  bool IsPunct(const char* p) const { return Peek().kind == TokenKind::kPunct && Peek().text == p; }
  Location Here() const {
    if (!AtEnd()) return Peek().where;
    return tokens_.empty() ? Location{} : tokens_.back().where;
  }
  std::string Describe(const Token& t) const {
    if (pos_ >= tokens_.size()) return "the end of the rules";
    switch (t.kind) {
      case TokenKind::kString: return "the text \"" + t.text + "\"";
      case TokenKind::kEnd: return "the end of the rules";
      default: return "'" + t.text + "'";
    }
  }
  bool Fail(const std::string& expected) {
    diags_->Error("syntax", Here(), "expected " + expected + ", found " + Describe(Peek()));
    return false;
  }
  bool ExpectWord(const char* w) {
    if (IsWord(w)) {
      ++pos_;
      return true;
    }
    return Fail(std::string("'") + w + "'");
  }
  bool ExpectPunct(const char* p) {
    if (IsPunct(p)) {
      ++pos_;
      return true;
    }
    return Fail(std::string("'") + p + "'");
  }
  bool ExpectIdent(std::string* out, Location* where, const char* what) {
    if (Peek().kind == TokenKind::kIdent && !StatementWords().count(Peek().text)) {
      *where = Peek().where;
      *out = Next().text;
      return true;
    }
    if (Peek().kind == TokenKind::kIdent) {
      diags_->Error("reserved-name", Here(),
                    "'" + Peek().text + "' is a word of the policy language and cannot be used as " + what);
      return false;
    }
    return Fail(what);
  }
  // Skips to the next statement keyword after a syntax error.
  void Recover(size_t before) {
    if (pos_ == before) ++pos_;
    while (!AtEnd() && !(Peek().kind == TokenKind::kIdent && StatementWords().count(Peek().text))) ++pos_;
  }

  bool ParseCites(std::vector<Citation>* cites) {
    if (!IsWord("cites")) return true;
    ++pos_;
    if (Peek().kind != TokenKind::kClauseLabel && Peek().kind != TokenKind::kDecisionLabel) {
      return Fail("a clause label such as [04.2] or a decision label such as D-04a after 'cites'");
    }
    while (Peek().kind == TokenKind::kClauseLabel || Peek().kind == TokenKind::kDecisionLabel) {
      cites->push_back({Peek().text, Peek().where});
      ++pos_;
      if (IsPunct(",")) ++pos_;
    }
    return true;
  }

  std::string OptionalString() {
    if (Peek().kind == TokenKind::kString) return Next().text;
    return "";
  }

  // The Chinese text after an English one: `"listed data products" zh "挂牌数据产品"`.
  // `zh` is not reserved: it is read only right after a quoted text.
  std::string OptionalZh(Location* where = nullptr) {
    if (IsWord("zh") && Peek(1).kind == TokenKind::kString) {
      ++pos_;
      if (where) *where = Peek().where;
      return Next().text;
    }
    return "";
  }

  bool ParseType(TypeSyntax* t) {
    t->where = Here();
    if (IsWord("one") && IsWord("of", 1)) {
      pos_ += 2;
      t->name = "one of";
      if (!ExpectPunct("(")) return false;
      while (true) {
        std::string v;
        Location w;
        if (!ExpectIdent(&v, &w, "a value name")) return false;
        t->values.push_back(v);
        t->values_zh.push_back(OptionalZh(nullptr));
        if (IsPunct(",")) {
          ++pos_;
          continue;
        }
        break;
      }
      if (!ExpectPunct(")")) return false;
    } else if (Peek().kind == TokenKind::kIdent) {
      t->name = Next().text;
    } else {
      return Fail("a type (money, rate, count, flag, year, date, text or one of (...))");
    }
    while (IsWord("per")) {
      ++pos_;
      std::string unit;
      Location w;
      if (!ExpectIdent(&unit, &w, "a unit's name after 'per', such as day")) return false;
      t->per.push_back(unit);
    }
    if (IsPunct("?")) {
      ++pos_;
      t->optional = true;
    }
    return true;
  }

  // ---- expressions ----
  ExprPtr MakeExpr(ExprKind kind, Location where) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->where = where;
    return e;
  }
  static Location Span(const Location& a, const Location& b) {
    Location s = a;
    if (a.file == b.file && a.line == b.line && b.column + b.length > a.column) {
      s.length = b.column + b.length - a.column;
    }
    return s;
  }

  // Formulas are small; these bounds keep absurd ones (a policy file with
  // 100,000 nested parentheses, or one formula of a million terms) from
  // exhausting the stack here or in the checker and evaluator, which walk
  // the tree recursively. Past them: one diagnostic, and the statement is
  // skipped.
  static constexpr int kMaxNesting = 64;             // parentheses, not, -, if, call arguments
  static constexpr size_t kMaxFormulaTokens = 2000;  // also bounds the tree's height

  // Counts one level of nesting for as long as it lives.
  struct Nested {
    explicit Nested(Parser* p) : parser(p) { ++parser->depth_; }
    ~Nested() { --parser->depth_; }
    Parser* parser;
  };
  bool TooDeep() {
    if (depth_ > kMaxNesting) {
      diags_->Error("too-deep", Here(), "this formula nests deeper than " + std::to_string(kMaxNesting) + " levels");
      return true;
    }
    if (pos_ - formula_start_ > kMaxFormulaTokens) {
      diags_->Error("too-long", Here(),
                    "this formula is longer than " + std::to_string(kMaxFormulaTokens) + " tokens");
      return true;
    }
    return false;
  }

  ExprPtr ParseExpr() {
    if (depth_ == 0) formula_start_ = pos_;
    Nested nested(this);
    if (TooDeep()) return nullptr;
    if (IsWord("if")) {
      Location w = Next().where;
      auto e = MakeExpr(ExprKind::kIf, w);
      auto cond = ParseExpr();
      if (!cond || !ExpectWord("then")) return nullptr;
      auto a = ParseExpr();
      if (!a || !ExpectWord("else")) return nullptr;
      auto b = ParseExpr();
      if (!b) return nullptr;
      e->args.push_back(std::move(cond));
      e->args.push_back(std::move(a));
      e->args.push_back(std::move(b));
      return e;
    }
    return ParseOr();
  }

  ExprPtr Binary(Op op, ExprPtr l, ExprPtr r, Location op_where) {
    auto e = MakeExpr(ExprKind::kBinary, op_where);
    e->op = op;
    e->where = Span(l->where, r->where);
    if (e->where.line != l->where.line || e->where.file != l->where.file) e->where = op_where;
    e->args.push_back(std::move(l));
    e->args.push_back(std::move(r));
    return e;
  }

  ExprPtr ParseOr() {
    auto l = ParseAnd();
    while (l && IsWord("or")) {
      Location w = Next().where;
      auto r = ParseAnd();
      if (!r) return nullptr;
      l = Binary(Op::kOr, std::move(l), std::move(r), w);
    }
    return l;
  }
  ExprPtr ParseAnd() {
    auto l = ParseNot();
    while (l && IsWord("and")) {
      Location w = Next().where;
      auto r = ParseNot();
      if (!r) return nullptr;
      l = Binary(Op::kAnd, std::move(l), std::move(r), w);
    }
    return l;
  }
  ExprPtr ParseNot() {
    if (IsWord("not")) {
      Nested nested(this);
      if (TooDeep()) return nullptr;
      Location w = Next().where;
      auto inner = ParseNot();
      if (!inner) return nullptr;
      auto e = MakeExpr(ExprKind::kUnary, Span(w, inner->where));
      e->op = Op::kNot;
      e->args.push_back(std::move(inner));
      return e;
    }
    return ParseComparison();
  }
  ExprPtr ParseComparison() {
    auto l = ParseAdditive();
    if (!l) return nullptr;
    static const std::pair<const char*, Op> kOps[] = {{"<=", Op::kLe}, {">=", Op::kGe}, {"<", Op::kLt},
                                                      {">", Op::kGt},  {"=", Op::kEq},  {"==", Op::kEq},
                                                      {"!=", Op::kNe}};
    for (const auto& [text, op] : kOps) {
      if (IsPunct(text)) {
        Location w = Next().where;
        auto r = ParseAdditive();
        if (!r) return nullptr;
        return Binary(op, std::move(l), std::move(r), w);
      }
    }
    if (IsWord("in")) {
      Location w = Next().where;
      auto e = MakeExpr(ExprKind::kIn, w);
      if (!ExpectPunct("(")) return nullptr;
      while (true) {
        std::string v;
        Location vw;
        if (!ExpectIdent(&v, &vw, "a value name")) return nullptr;
        e->choices.push_back(v);
        e->choice_where.push_back(vw);
        if (IsPunct(",")) {
          ++pos_;
          continue;
        }
        break;
      }
      if (!ExpectPunct(")")) return nullptr;
      e->where = Span(l->where, w);
      e->args.push_back(std::move(l));
      return e;
    }
    if (IsWord("is")) {
      Location w = Next().where;
      bool negate = false;
      if (IsWord("not")) {
        ++pos_;
        negate = true;
      }
      if (!ExpectWord("none")) return nullptr;
      auto e = MakeExpr(ExprKind::kIsNone, Span(l->where, w));
      e->args.push_back(std::move(l));
      if (!negate) return e;
      auto n = MakeExpr(ExprKind::kUnary, e->where);
      n->op = Op::kNot;
      n->args.push_back(std::move(e));
      return n;
    }
    return l;
  }
  ExprPtr ParseAdditive() {
    auto l = ParseMultiplicative();
    while (l && (IsPunct("+") || IsPunct("-"))) {
      Op op = Peek().text == "+" ? Op::kAdd : Op::kSub;
      Location w = Next().where;
      auto r = ParseMultiplicative();
      if (!r) return nullptr;
      l = Binary(op, std::move(l), std::move(r), w);
    }
    return l;
  }
  ExprPtr ParseMultiplicative() {
    auto l = ParseUnary();
    while (l && (IsPunct("*") || IsPunct("/"))) {
      Op op = Peek().text == "*" ? Op::kMul : Op::kDiv;
      Location w = Next().where;
      auto r = ParseUnary();
      if (!r) return nullptr;
      l = Binary(op, std::move(l), std::move(r), w);
    }
    return l;
  }
  ExprPtr ParseUnary() {
    if (IsPunct("-")) {
      Nested nested(this);
      if (TooDeep()) return nullptr;
      Location w = Next().where;
      auto inner = ParseUnary();
      if (!inner) return nullptr;
      auto e = MakeExpr(ExprKind::kUnary, Span(w, inner->where));
      e->op = Op::kNeg;
      e->args.push_back(std::move(inner));
      return e;
    }
    return ParsePrimary();
  }
  ExprPtr ParsePrimary() {
    if (TooDeep()) return nullptr;
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kMoney:
      case TokenKind::kPercent:
      case TokenKind::kNumber:
      case TokenKind::kDate:
      case TokenKind::kString:
        return ParseLiteral();
      case TokenKind::kPunct:
        if (t.text == "(") {
          Location open = Next().where;
          auto inner = ParseExpr();
          if (!inner) return nullptr;
          if (!IsPunct(")")) {
            // Name the parenthesis, not the word after it: that word is
            // usually the next statement, which is not the mistake.
            diags_->Error("unclosed-parenthesis", open,
                          "this '(' is never closed: write ')' after the formula it opens (found " + Describe(Peek()) +
                              " first)");
            return nullptr;
          }
          ++pos_;
          return inner;
        }
        break;
      case TokenKind::kIdent: {
        if (t.text == "true" || t.text == "false" || t.text == "none") return ParseLiteral();
        if (t.text == "tagged") {
          Location w = Next().where;
          auto e = MakeExpr(ExprKind::kTagged, w);
          Location tw;
          if (!ExpectIdent(&e->name, &tw, "a tag name after 'tagged'")) return nullptr;
          e->where = Span(w, tw);
          return e;
        }
        if (StatementWords().count(t.text) || StopWords().count(t.text) || t.text == "and" ||
            t.text == "or" || t.text == "if" || t.text == "in" || t.text == "is") {
          break;
        }
        Location w = Next().where;
        if (IsPunct("(")) {
          Location open = Next().where;
          auto e = MakeExpr(ExprKind::kCall, w);
          e->name = t.text;
          if (!IsPunct(")")) {
            while (true) {
              auto arg = ParseExpr();
              if (!arg) return nullptr;
              e->args.push_back(std::move(arg));
              if (IsPunct(",")) {
                ++pos_;
                continue;
              }
              break;
            }
          }
          if (!IsPunct(")")) {
            diags_->Error("unclosed-parenthesis", open,
                          "this '(' of " + e->name + "(...) is never closed: write ')' after its last value (found " +
                              Describe(Peek()) + " first)");
            return nullptr;
          }
          ++pos_;
          return e;
        }
        auto e = MakeExpr(ExprKind::kName, w);
        e->name = tokens_[pos_ - 1].text;
        if (IsWord("on")) {
          // `lpr on drawn_on`: a parameter's value in force on a date of the case.
          ++pos_;
          auto day = ParsePrimary();
          if (!day) return nullptr;
          auto on = MakeExpr(ExprKind::kCall, Span(w, day->where));
          on->name = "@on";
          on->args.push_back(std::move(e));
          on->args.push_back(std::move(day));
          return on;
        }
        return e;
      }
      default:
        break;
    }
    Fail("a value: a name, a number, an amount such as RMB 500,000, a rate such as 5%, or '('");
    return nullptr;
  }

  ExprPtr ParseLiteral() {
    const Token& t = Next();
    auto e = MakeExpr(ExprKind::kLiteral, t.where);
    Literal& lit = e->literal;
    switch (t.kind) {
      case TokenKind::kMoney: lit.kind = TypeKind::kMoney; lit.number = t.number; break;
      case TokenKind::kPercent: lit.kind = TypeKind::kRate; lit.number = t.number; break;
      case TokenKind::kNumber: lit.kind = TypeKind::kCount; lit.number = t.number; break;
      case TokenKind::kDate: lit.kind = TypeKind::kDate; lit.symbol = t.text; break;
      case TokenKind::kString: lit.kind = TypeKind::kText; lit.symbol = t.text; break;
      case TokenKind::kIdent:
        if (t.text == "none") {
          lit.is_none = true;
        } else if (t.text == "true" || t.text == "false") {
          lit.kind = TypeKind::kFlag;
          lit.flag = t.text == "true";
        } else {
          lit.kind = TypeKind::kEnum;
          lit.symbol = t.text;
        }
        break;
      default: break;
    }
    return e;
  }

  // A parameter's value: a literal, or an enumeration value's name.
  ExprPtr ParseValue() {
    if (Peek().kind == TokenKind::kIdent && !StatementWords().count(Peek().text) &&
        !StopWords().count(Peek().text)) {
      return ParseLiteral();
    }
    if (IsPunct("-")) {
      diags_->Error("negative-value", Here(), "parameter values cannot be negative");
      ++pos_;
    }
    switch (Peek().kind) {
      case TokenKind::kMoney: case TokenKind::kPercent: case TokenKind::kNumber:
      case TokenKind::kDate: case TokenKind::kString:
        return ParseLiteral();
      default:
        Fail("a value such as RMB 500,000, 5%, 50, true or a choice name");
        return nullptr;
    }
  }

  // `guide condition|material|note "English" zh "中文" [cites ...]`.
  bool ParseGuide(Location where) {
    const bool general = context_ == Context::kEligibility;
    if (!general && context_ != Context::kMeasure && context_ != Context::kItem && context_ != Context::kRecovery) {
      diags_->Error("misplaced", where,
                    "a 'guide' line belongs to a 'measure' (its own guide) or under 'eligibility' (every measure's)");
      return false;
    }
    GuideLine g;
    g.where = where;
    const std::string kind = Peek().kind == TokenKind::kIdent ? Peek().text : "";
    if (kind == "condition") {
      g.kind = GuideLine::Kind::kCondition;
    } else if (kind == "material") {
      g.kind = GuideLine::Kind::kMaterial;
    } else if (kind == "note") {
      g.kind = GuideLine::Kind::kNote;
    } else {
      return Fail("'condition', 'material' or 'note' after 'guide'");
    }
    ++pos_;
    if (Peek().kind != TokenKind::kString) return Fail("the guide's text in quotes, then zh and its Chinese text");
    g.text = Next().text;
    g.text_zh = OptionalZh();
    if (g.text_zh.empty()) {
      diags_->Error("missing-chinese", g.where,
                    "a guide line is read by applicants in Chinese: write zh \"…\" after its English text");
    }
    if (!ParseCites(&g.cites)) return false;
    (general ? policy_->guide : policy_->measures.back().guide).push_back(std::move(g));
    return true;
  }

  // ---- statements ----
  bool RequireContext(Context want, const char* what, const char* where_text) {
    if (context_ == want) return true;
    diags_->Error("misplaced", Here(), std::string("'") + what + "' belongs " + where_text);
    return false;
  }

  ItemDecl* CurrentItem() {
    return &policy_->measures.back().items.back();
  }

  bool ParseStatement() {
    const Token& t = Peek();
    if (t.kind != TokenKind::kIdent || !StatementWords().count(t.text)) {
      return Fail("a statement (policy, param, fact, measure, item, require, amount, cap, ...)");
    }
    std::string word = t.text;
    Location where = Next().where;

    if (word == "policy") {
      if (Peek().kind != TokenKind::kString) return Fail("the policy's id in quotes");
      policy_->id = Next().text;
      policy_->where = where;
      while (IsWord("version") || IsWord("title")) {
        bool version = Next().text == "version";
        if (Peek().kind != TokenKind::kString) return Fail("text in quotes");
        (version ? policy_->version : policy_->title) = Next().text;
        if (!version) policy_->title_zh = OptionalZh();
      }
      context_ = Context::kTop;
      return true;
    }
    if (word == "param") {
      // A parameter may sit between the items of a measure, beside the clause it implements.
      context_ = context_ == Context::kItem || context_ == Context::kMeasure || context_ == Context::kRecovery ? Context::kMeasure : Context::kTop;
      ParamDecl p;
      if (!ExpectIdent(&p.name, &p.where, "the parameter's name") || !ExpectPunct(":") ||
          !ParseType(&p.type_syntax)) {
        return false;
      }
      while (true) {
        if (IsPunct("=")) {
          ++pos_;
          EffectiveValue v;
          v.value = ParseValue();
          if (!v.value) return false;
          p.values.push_back(std::move(v));
        } else if (IsWord("from")) {
          ++pos_;
          EffectiveValue v;
          if (Peek().kind != TokenKind::kDate) return Fail("a date such as 2025-01-01 after 'from'");
          v.from = Peek().text;
          v.from_where = Next().where;
          if (!ExpectPunct("=")) return false;
          v.value = ParseValue();
          if (!v.value) return false;
          p.values.push_back(std::move(v));
        } else if (IsWord("cites")) {
          if (!ParseCites(&p.cites)) return false;
        } else if (Peek().kind == TokenKind::kString) {
          p.description = Next().text;
          p.description_zh = OptionalZh();
        } else {
          break;
        }
      }
      policy_->params.push_back(std::move(p));
      return true;
    }
    if (word == "fact" || word == "applicant" || word == "claim") {
      context_ = Context::kTop;
      FieldDecl f;
      if (!ExpectIdent(&f.name, &f.where, "the field's name") || !ExpectPunct(":") ||
          !ParseType(&f.type_syntax)) {
        return false;
      }
      f.noun = OptionalString();
      f.noun_zh = OptionalZh();
      if (IsWord("given") && IsWord("by", 1)) {
        const Location at = Here();
        pos_ += 2;
        // The field is still declared, so its uses report nothing more.
        if (word == "claim") {
          diags_->Error("misplaced", at,
                        "a claim field is what the applicant claims: 'given by' belongs to an 'applicant' field or "
                        "a 'fact' that an authority gives");
        }
        if (Peek().kind != TokenKind::kString) {
          return Fail("who gives the value, quoted, after 'given by' (given by \"the district industry office\" zh "
                      "\"区行业主管部门\")");
        }
        std::string who = Next().text;
        std::string who_zh = OptionalZh();
        if (word != "claim") {
          f.given_by = std::move(who);
          f.given_by_zh = std::move(who_zh);
        }
      }
      (word == "fact" ? policy_->facts : word == "applicant" ? policy_->applicant_fields : policy_->claim_fields)
          .push_back(std::move(f));
      return true;
    }
    if (word == "tag" || word == "unit") {
      // A kind of applicant, or a unit of quantities: a name and its description.
      context_ = Context::kTop;
      TagDecl tag;
      if (!ExpectIdent(&tag.name, &tag.where, word == "tag" ? "the tag's name" : "the unit's name")) return false;
      tag.description = OptionalString();
      tag.description_zh = OptionalZh();
      (word == "tag" ? policy_->tags : policy_->units).push_back(std::move(tag));
      return true;
    }
    if (word == "eligibility") {
      context_ = Context::kEligibility;
      return ParseCites(&policy_->eligibility_cites);
    }
    if (word == "recover") {
      if (context_ != Context::kMeasure && context_ != Context::kItem && context_ != Context::kRecovery) {
        diags_->Error("misplaced", where, "a 'recover' belongs to a 'measure', after the item it recovers");
        return false;
      }
      RecoveryRule r;
      r.where = where;
      if (!ExpectIdent(&r.item, &r.item_where, "the name of the item whose awards are recovered")) return false;
      while (true) {
        if (Peek().kind == TokenKind::kString) {
          r.title = Next().text;
          r.title_zh = OptionalZh();
        } else if (IsWord("cites")) {
          if (!ParseCites(&r.cites)) return false;
        } else if (IsWord("within")) {
          ++pos_;
          r.within_years = ParseExpr();
          if (!r.within_years || !ExpectWord("years") || !ExpectWord("of") || !ExpectWord("first") || !ExpectWord("award")) {
            return false;
          }
        } else {
          break;
        }
      }
      policy_->measures.back().recoveries.push_back(std::move(r));
      context_ = Context::kRecovery;
      return true;
    }
    if (word == "guide") return ParseGuide(where);
    if (word == "require" || word == "when") {
      const bool recovery = word == "when" && context_ == Context::kRecovery;  // the trigger of a `recover`
      if (context_ != Context::kEligibility && context_ != Context::kItem && !recovery) {
        diags_->Error("misplaced", where, "'" + word + "' belongs under 'eligibility' or an 'item'");
        return false;
      }
      if (word == "when" && IsWord("any") && IsWord("of", 1) && context_ == Context::kItem) return ParseWhenAnyOf(where);
      Condition c;
      c.where = where;
      c.describes_award = word == "when";
      c.expr = ParseExpr();
      if (!c.expr) return false;
      if (IsWord("otherwise")) {
        ++pos_;
        if (Peek().kind != TokenKind::kString) return Fail("the reason in quotes after 'otherwise'");
        c.otherwise_where = Peek().where;
        c.otherwise = Next().text;
        c.otherwise_zh = OptionalZh(&c.otherwise_zh_where);
      }
      if (context_ == Context::kEligibility) {
        if (c.describes_award) {
          diags_->Error("misplaced", where, "eligibility conditions are written with 'require'");
        }
        policy_->eligibility.push_back(std::move(c));
      } else if (recovery) {
        policy_->measures.back().recoveries.back().conditions.push_back(std::move(c));
      } else {
        CurrentItem()->conditions.push_back(std::move(c));
      }
      return true;
    }
    if (word == "measure") {
      MeasureDecl m;
      m.where = where;
      if (Peek().kind != TokenKind::kNumber) return Fail("the measure's number, such as 04");
      m.id = Next().text;
      m.title = OptionalString();
      m.title_zh = OptionalZh();
      policy_->measures.push_back(std::move(m));
      context_ = Context::kMeasure;
      return true;
    }
    if (word == "item") {
      if (context_ != Context::kMeasure && context_ != Context::kItem && context_ != Context::kRecovery) {
        diags_->Error("misplaced", where, "an 'item' belongs to a 'measure': write 'measure NN \"title\"' first");
        return false;
      }
      ItemDecl item;
      if (!ExpectIdent(&item.name, &item.where, "the item's name")) {
        // A word of the language as the name is said once; the item is still
        // made, so that its statements below belong to it instead of each
        // being reported as misplaced.
        if (Peek().kind != TokenKind::kIdent) return false;
        item.where = Peek().where;
        item.name = Next().text;
      }
      item.title = OptionalString();
      item.title_zh = OptionalZh();
      bool cites_ok = ParseCites(&item.cites);
      item.cites_broken = !cites_ok;
      policy_->measures.back().items.push_back(std::move(item));
      context_ = Context::kItem;
      return cites_ok;
    }
    if (word == "from" || word == "by") {
      if (!RequireContext(Context::kItem, word.c_str(), "to an item")) return false;
      bool claim = word == "by";
      if (!ExpectWord(claim ? "claim" : "facts")) return false;
      CurrentItem()->by_claim = claim;
      CurrentItem()->mode_where = where;
      return true;
    }
    if (word == "amount") {
      if (!RequireContext(Context::kItem, "amount", "to an item")) return false;
      if (CurrentItem()->amount) diags_->Error("duplicate", where, "this item already has an amount");
      CurrentItem()->amount_written = true;
      auto e = ParseExpr();
      if (!e) return false;
      CurrentItem()->amount = std::move(e);
      return true;
    }
    if (word == "why") {
      if (!RequireContext(Context::kItem, "why", "to an item")) return false;
      if (Peek().kind != TokenKind::kString) return Fail("the reason template in quotes");
      CurrentItem()->why_where = Peek().where;
      CurrentItem()->why = Next().text;
      CurrentItem()->why_zh = OptionalZh(&CurrentItem()->why_zh_where);
      return true;
    }
    if (word == "let") {
      // In an item, the item's own; anywhere else, the whole policy's.
      LetDecl let;
      if (!ExpectIdent(&let.name, &let.where, "the value's name")) return false;
      if (!ExpectPunct("=")) return false;
      let.value = ParseExpr();
      if (!let.value) return false;
      (context_ == Context::kItem ? CurrentItem()->lets : policy_->lets).push_back(std::move(let));
      return true;
    }
    if (word == "table") return ParseTable();
    if (word == "draw") {
      // draw NAME = FIGURE from LIMIT per SCOPE [per year] cites ...
      if (!RequireContext(Context::kItem, "draw", "to an item decided 'by claim'")) return false;
      DrawDecl draw;
      if (!ExpectIdent(&draw.name, &draw.where, "the counted figure's name") || !ExpectPunct("=")) return false;
      draw.figure = ParseExpr();
      if (!draw.figure || !ExpectWord("from")) return false;
      draw.limit = ParseExpr();
      if (!draw.limit || !ParseScope(&draw.scope, &draw.span, &draw.written)) return false;
      if (!ParseCites(&draw.cites)) return false;
      CurrentItem()->draws.push_back(std::move(draw));
      return true;
    }
    if (word == "cap") return ParseCap(where);
    if (word == "cite") {
      if (!RequireContext(Context::kItem, "cite", "to an item")) return false;
      ConditionalCite cc;
      cc.where = where;
      if (!ExpectLabel(&cc.when_true) || !ExpectWord("when")) return false;
      cc.condition = ParseExpr();
      if (!cc.condition) return false;
      if (IsWord("otherwise")) {
        ++pos_;
        Citation other;
        if (!ExpectLabel(&other)) return false;
        cc.otherwise = other;
      }
      CurrentItem()->conditional_cites.push_back(std::move(cc));
      return true;
    }
    if (word == "deduct") {
      if (!RequireContext(Context::kItem, "deduct", "to an item")) return false;
      if (CurrentItem()->deduct) diags_->Error("duplicate", where, "this item already says what D-G4 deducts");
      auto e = ParseExpr();
      if (!e) return false;
      CurrentItem()->deduct = std::move(e);
      return ParseCites(&CurrentItem()->deduct_cites);
    }
    if (word == "fill") {
      context_ = Context::kTop;
      if (!ExpectWord("limits") || !ExpectWord("in") || !ExpectWord("submission") || !ExpectWord("order")) {
        return false;
      }
      policy_->fill_order.where = where;
      policy_->fill_order.present = true;
      policy_->fill_order.param = "submission";
      return ParseCites(&policy_->fill_order.cites);
    }
    if (word == "once") {
      if (!RequireContext(Context::kItem, "once", "to an item")) return false;
      if (!ExpectWord("per")) return false;
      Location w;
      if (!ExpectIdent(&CurrentItem()->once, &w, "enterprise, year, project or a parameter's name")) return false;
      CurrentItem()->once_where = w;
      return true;
    }
    if (word == "period") {
      if (!RequireContext(Context::kItem, "period", "to an item")) return false;
      auto e = ParseExpr();
      if (!e || !ExpectWord("years") || !ExpectWord("from") || !ExpectWord("first") || !ExpectWord("award")) {
        return false;
      }
      CurrentItem()->period_years = std::move(e);
      return true;
    }
    if (word == "limit") {
      if (!RequireContext(Context::kItem, "limit", "to an item")) return false;
      auto e = ParseExpr();
      if (!e || !ExpectWord("consecutive") || !ExpectWord("years")) return false;
      CurrentItem()->consecutive_limit = std::move(e);
      return true;
    }
    if (word == "round") {
      context_ = Context::kTop;
      if (!ExpectWord("lines") || !ExpectWord("by")) return false;
      if (!GeneralParam(&policy_->rounding_mode) || !ExpectWord("to") ||
          !GeneralParam(&policy_->rounding_unit)) {
        return false;
      }
      // The citations come at the end of the statement; both halves carry them.
      auto& cites = policy_->rounding_mode.cites;
      cites.insert(cites.end(), policy_->rounding_unit.cites.begin(), policy_->rounding_unit.cites.end());
      policy_->rounding_unit.cites = cites;
      return true;
    }
    if (word == "exclusive") {
      context_ = Context::kTop;
      if (!ExpectWord("projects") || !ExpectWord("when")) return false;
      return GeneralParam(&policy_->exclusivity);
    }
    if (word == "external") {
      context_ = Context::kTop;
      if (!ExpectWord("support") || !ExpectWord("by")) return false;
      return GeneralParam(&policy_->external_support);
    }
    if (word == "scale") {
      context_ = Context::kTop;
      if (!ExpectWord("awards") || !ExpectWord("within")) return false;
      if (!GeneralParam(&policy_->budget) || !ExpectWord("by")) return false;
      if (!GeneralParam(&policy_->budget_rule)) return false;
      policy_->budget.cites = policy_->budget_rule.cites;
      return true;
    }
    diags_->Error("misplaced", where, "'" + word + "' cannot start a statement here");
    return false;
  }

  bool GeneralParam(GeneralRule* rule) {
    Location w;
    if (!ExpectIdent(&rule->param, &w, "a parameter's name")) return false;
    rule->where = w;
    rule->present = true;
    return ParseCites(&rule->cites);
  }

  bool ExpectLabel(Citation* out) {
    if (Peek().kind != TokenKind::kClauseLabel && Peek().kind != TokenKind::kDecisionLabel) {
      return Fail("a clause label such as [07.2] or a decision label such as D-09b");
    }
    out->label = Peek().text;
    out->where = Next().where;
    return true;
  }

  // `when any of` then `name: condition` alternatives, until the next statement.
  bool ParseWhenAnyOf(Location where) {
    pos_ += 2;
    ItemDecl* item = CurrentItem();
    Condition c;
    c.where = where;
    c.describes_award = true;
    c.any_of = true;
    std::vector<NamedCondition> named;
    while (Peek().kind == TokenKind::kIdent && !StatementWords().count(Peek().text) && Peek(1).kind == TokenKind::kPunct &&
           Peek(1).text == ":") {
      NamedCondition n;
      n.name = Peek().text;
      n.where = Next().where;
      ++pos_;  // ':'
      auto e = ParseExpr();
      if (!e) return false;
      n.expr = e.get();
      named.push_back(n);
      c.expr = c.expr ? Binary(Op::kOr, std::move(c.expr), std::move(e), n.where) : std::move(e);
    }
    if (named.empty()) return Fail("a named condition such as 'listings: listed_data_products > 50' after 'when any of'");
    if (IsWord("otherwise")) {
      ++pos_;
      if (Peek().kind != TokenKind::kString) return Fail("the reason in quotes after 'otherwise'");
      c.otherwise_where = Peek().where;
      c.otherwise = Next().text;
      c.otherwise_zh = OptionalZh(&c.otherwise_zh_where);
    }
    if (!item->named_conditions.empty()) diags_->Error("duplicate", where, "this item already has a 'when any of'");
    item->named_conditions = std::move(named);
    item->conditions.push_back(std::move(c));
    return true;
  }

  // `per SCOPE [per SPAN]`: year, period, claim, project, solution, enterprise;
  // a project, solution or enterprise may be followed by `per year` or `per period`.
  bool ParseScope(LimitScope* scope, LimitSpan* span, std::string* written) {
    if (!ExpectWord("per")) return false;
    if (Peek().kind != TokenKind::kIdent) return Fail("year, period, claim, project, solution or enterprise after 'per'");
    Location w = Peek().where;
    std::string word = Next().text;
    *written = "per " + word;
    *span = LimitSpan::kEver;
    if (word == "year" || word == "period") {
      *scope = LimitScope::kEnterprise;
      *span = word == "year" ? LimitSpan::kYear : LimitSpan::kPeriod;
      return true;
    }
    if (word == "claim") {
      *scope = LimitScope::kClaim;
      return true;
    }
    if (word == "project") *scope = LimitScope::kProject;
    else if (word == "solution") *scope = LimitScope::kSolution;
    else if (word == "enterprise") *scope = LimitScope::kEnterprise;
    else {
      diags_->Error("bad-scope", w,
                    "a cap applies per year, per period, per claim, per project, per solution or per enterprise, not per '" +
                        word + "'");
      return false;
    }
    if (IsWord("per") && (IsWord("year", 1) || IsWord("period", 1))) {
      ++pos_;
      std::string s = Next().text;
      *span = s == "year" ? LimitSpan::kYear : LimitSpan::kPeriod;
      *written += " per " + s;
    }
    return true;
  }

  // table NAME: tiers of TYPE | brackets of TYPE [cites ...] ["description" [zh "..."]]
  //   from BOUND: VALUE ...
  bool ParseTable() {
    // A table may sit between the items of a measure, beside the clause it implements.
    context_ = context_ == Context::kItem || context_ == Context::kMeasure || context_ == Context::kRecovery ? Context::kMeasure : Context::kTop;
    TableDecl t;
    if (!ExpectIdent(&t.name, &t.where, "the table's name") || !ExpectPunct(":")) return false;
    if (IsWord("tiers") || IsWord("brackets")) {
      t.brackets = Next().text == "brackets";
    } else {
      return Fail("'tiers of TYPE' (a value per threshold reached) or 'brackets of TYPE' (a rate per part, as a progressive rate)");
    }
    if (!ExpectWord("of")) return false;
    t.key_where = Here();
    if (Peek().kind != TokenKind::kIdent) return Fail("the type of the table's input: money, count, rate or year");
    t.key_type = Next().text;
    while (true) {
      if (IsWord("cites")) {
        if (!ParseCites(&t.cites)) return false;
      } else if (Peek().kind == TokenKind::kString) {
        t.description = Next().text;
        t.description_zh = OptionalZh();
      } else {
        break;
      }
    }
    while (IsWord("from") && !IsWord("facts", 1)) {
      TableRow row;
      row.where = Next().where;
      row.bound = ParseExpr();
      if (!row.bound || !ExpectPunct(":")) return false;
      row.value = ParseExpr();
      if (!row.value) return false;
      t.rows.push_back(std::move(row));
    }
    policy_->tables.push_back(std::move(t));
    return true;
  }

  bool ParseCap(Location where) {
    if (IsWord("total")) {
      ++pos_;
      if (!ExpectWord("of")) return false;
      GroupCap g;
      g.where = where;
      bool policy_wide = false;
      if (IsWord("all") && IsWord("measures", 1)) {
        pos_ += 2;
        g.all_measures = policy_wide = true;
      } else if (IsWord("measures") && Peek(1).kind == TokenKind::kNumber) {
        ++pos_;
        policy_wide = true;
        while (Peek().kind == TokenKind::kNumber) {
          g.measures.push_back(Peek().text);
          g.measure_where.push_back(Next().where);
          if (!IsPunct(",")) break;
          ++pos_;
        }
      } else {
        if (context_ != Context::kMeasure && context_ != Context::kItem && context_ != Context::kRecovery) {
          diags_->Error("misplaced", where,
                        "'cap total of ITEMS' belongs to a measure; a total over measures is 'cap total of measures 01, 02' "
                        "or 'cap total of all measures'");
          return false;
        }
        while (true) {
          std::string name;
          Location w;
          if (!ExpectIdent(&name, &w, "an item's name")) return false;
          g.items.push_back(name);
          g.item_where.push_back(w);
          if (IsPunct(",")) {
            ++pos_;
            continue;
          }
          break;
        }
      }
      if (!ExpectWord("at")) return false;
      g.limit = ParseExpr();
      if (!g.limit || !ParseScope(&g.scope, &g.span, &g.written)) return false;
      if (!ParseCites(&g.cites)) return false;
      (policy_wide ? policy_->group_caps : policy_->measures.back().group_caps).push_back(std::move(g));
      return true;
    }
    if (!RequireContext(Context::kItem, "cap", "to an item (or write 'cap total of a, b at ... per year' for a measure)")) {
      return false;
    }
    CapRule cap;
    cap.where = where;
    cap.limit = ParseExpr();
    if (!cap.limit || !ParseScope(&cap.scope, &cap.span, &cap.written)) return false;
    if (IsWord("if")) {
      ++pos_;
      cap.only_if = ParseExpr();
      if (!cap.only_if) return false;
    }
    if (!ParseCites(&cap.cites)) return false;
    CurrentItem()->caps.push_back(std::move(cap));
    return true;
  }

  const std::vector<Token>& tokens_;
  Policy* policy_;
  Diagnostics* diags_;
  size_t pos_ = 0;
  int depth_ = 0;             // nesting of the formula being parsed
  size_t formula_start_ = 0;  // its first token
  Context context_ = Context::kTop;
};

}  // namespace

bool IsReservedWord(const std::string& word) {
  return StatementWords().count(word) || StopWords().count(word) || word == "and" || word == "or" ||
         word == "not" || word == "if" || word == "in" || word == "is" || word == "tagged" ||
         word == "true" || word == "false" || word == "none";
}

void ParseTokens(const std::vector<Token>& tokens, Policy* policy, Diagnostics* diags) {
  Parser(tokens, policy, diags).Run();
}

const char* OpSymbol(Op op) {
  switch (op) {
    case Op::kAdd: return "+";
    case Op::kSub: return "-";
    case Op::kMul: return "*";
    case Op::kDiv: return "/";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kEq: return "=";
    case Op::kNe: return "!=";
    case Op::kAnd: return "and";
    case Op::kOr: return "or";
    case Op::kNot: return "not";
    case Op::kNeg: return "-";
  }
  return "?";
}

const char* TypeKindName(TypeKind kind) {
  switch (kind) {
    case TypeKind::kUnknown: return "unknown";
    case TypeKind::kMoney: return "money";
    case TypeKind::kRate: return "rate";
    case TypeKind::kCount: return "count";
    case TypeKind::kFlag: return "flag";
    case TypeKind::kYear: return "year";
    case TypeKind::kDate: return "date";
    case TypeKind::kEnum: return "choice";
    case TypeKind::kText: return "text";
    case TypeKind::kQuantity: return "quantity";
  }
  return "unknown";
}

}  // namespace bursar
