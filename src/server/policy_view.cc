#include "server/policy_view.h"

#include <filesystem>

#include "money/exact.h"

namespace bursar::server {
namespace {

using OJson = nlohmann::ordered_json;

// A source path as the reader should see it: relative to the policy folder.
std::string RelativePath(const std::string& path, const std::string& policy_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path rel = fs::relative(fs::path(path), fs::path(policy_dir), ec);
  if (ec || rel.empty() || rel.native().rfind("..", 0) == 0) return fs::path(path).filename().string();
  return rel.generic_string();
}

std::string TypeText(const Type& type, const TypeSyntax& syntax, const Policy& p) {
  std::string text;
  if (type.kind == TypeKind::kEnum && type.enum_id >= 0) {
    text = "one of (";
    const auto& values = p.enums[static_cast<size_t>(type.enum_id)].values;
    for (size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + values[i];
    text += ")";
  } else {
    text = type.kind == TypeKind::kQuantity ? syntax.name : TypeKindName(type.kind);
  }
  for (const auto& unit : syntax.per) text += " per " + unit;
  if (syntax.optional || type.optional) text += "?";
  return text;
}

// A literal value in the case format's conventions: money as a two-decimal
// string, rates as a percentage string, counts and years as JSON integers.
OJson LiteralJson(const Literal& lit, TypeKind kind) {
  if (lit.is_none) return nullptr;
  switch (kind) {
    case TypeKind::kMoney: return lit.number.ToFen() ? lit.number.ToMoneyString() : lit.number.ToString();
    case TypeKind::kRate: return lit.number.ToPercentString();
    case TypeKind::kQuantity: return lit.number.ToString();
    case TypeKind::kCount:
    case TypeKind::kYear:
      if (lit.number.is_integer() && lit.number.num() >= INT64_MIN && lit.number.num() <= INT64_MAX) {
        return static_cast<int64_t>(lit.number.num());
      }
      return lit.number.ToString();
    case TypeKind::kFlag: return lit.flag;
    default: return lit.symbol;
  }
}

OJson ValueJson(const Value& v, const Policy& p) {
  if (v.none) return nullptr;
  switch (v.kind) {
    case TypeKind::kEnum:
      if (v.enum_id >= 0 && v.choice >= 0) {
        return p.enums[static_cast<size_t>(v.enum_id)].values[static_cast<size_t>(v.choice)];
      }
      return nullptr;
    case TypeKind::kFlag: return v.flag;
    case TypeKind::kText:
    case TypeKind::kDate: return v.text;
    default: {
      Literal lit;
      lit.number = v.number;
      return LiteralJson(lit, v.kind);
    }
  }
}

OJson Cites(const std::vector<Citation>& cites) {
  OJson out = OJson::array();
  for (const auto& c : cites) out.push_back(c.label);
  return out;
}

OJson Where(const Location& where, const CheckedPolicy& cp, const std::string& policy_dir) {
  OJson out;
  out["file"] = where.file >= 0 && static_cast<size_t>(where.file) < cp.sources.files.size()
                    ? RelativePath(cp.sources.files[static_cast<size_t>(where.file)].path, policy_dir)
                    : "";
  out["line"] = where.line;
  return out;
}

// The paragraph of prose that opens at `where` (a decision label's line),
// without Markdown emphasis around the label.
std::string ParagraphAt(const Location& where, const SourceSet& sources) {
  if (where.file < 0 || static_cast<size_t>(where.file) >= sources.files.size()) return {};
  const SourceFile& f = sources.files[static_cast<size_t>(where.file)];
  std::string text;
  for (int line = where.line; line >= 1 && static_cast<size_t>(line) <= f.line_starts.size(); ++line) {
    std::string_view l = f.Line(line);
    if (l.find_first_not_of(" \t\r") == std::string_view::npos || l.rfind("```", 0) == 0) break;
    if (!text.empty()) text += ' ';
    text += l;
  }
  // "**D-04a** The milestone: ..." → "The milestone: ..."
  if (text.rfind("**", 0) == 0) {
    size_t close = text.find("**", 2);
    if (close != std::string::npos) {
      text.erase(0, close + 2);
      while (!text.empty() && text.front() == ' ') text.erase(0, 1);
    }
  }
  return text;
}

OJson GuideLineJson(const GuideLine& g) {
  return OJson{{"text", g.text}, {"text_zh", g.text_zh}, {"cites", Cites(g.cites)}};
}

// The measure's application guide (申报指南): how it is applied for (from the
// modes of its items), the general lines under `eligibility` then its own,
// and what may be claimed, with the fields a claim gives.
OJson GuideJson(const MeasureDecl& m, const Policy& p) {
  OJson guide;
  bool by_claim = false, from_facts = false;
  for (const ItemDecl& item : m.items) (item.by_claim ? by_claim : from_facts) = true;
  guide["mode"] = by_claim && from_facts ? "mixed" : by_claim ? "application" : "apply_free";
  OJson conditions = OJson::array(), materials = OJson::array(), notes = OJson::array();
  for (const auto* lines : {&p.guide, &m.guide}) {
    for (const GuideLine& g : *lines) {
      // Nothing is submitted for an apply-free measure: the general materials are not its.
      if (lines == &p.guide && g.kind == GuideLine::Kind::kMaterial && !by_claim) continue;
      (g.kind == GuideLine::Kind::kCondition ? conditions
       : g.kind == GuideLine::Kind::kMaterial ? materials
                                                : notes)
          .push_back(GuideLineJson(g));
    }
  }
  guide["conditions"] = std::move(conditions);
  guide["materials"] = std::move(materials);
  guide["notes"] = std::move(notes);
  OJson items = OJson::array();
  for (const ItemDecl& item : m.items) {
    OJson ji{{"name", item.name}, {"title", item.title}};
    if (!item.title_zh.empty()) ji["title_zh"] = item.title_zh;
    ji["by"] = item.by_claim ? "claim" : "facts";
    ji["cites"] = Cites(item.cites);
    OJson fields = OJson::array();
    for (const std::string& name : item.required_claim_fields) {
      for (const FieldDecl& f : p.claim_fields) {
        if (f.name != name) continue;
        OJson jf{{"name", f.name}, {"label", f.noun}};
        if (!f.noun_zh.empty()) jf["label_zh"] = f.noun_zh;
        fields.push_back(std::move(jf));
      }
    }
    ji["claim_fields"] = std::move(fields);
    items.push_back(std::move(ji));
  }
  guide["items"] = std::move(items);
  return guide;
}

}  // namespace

OJson PolicySummary(const CheckedPolicy& cp, const std::string& policy_dir) {
  const Policy& p = cp.policy;
  OJson out;
  out["id"] = p.id;
  out["version"] = p.version;
  out["title"] = p.title;
  if (!p.title_zh.empty()) out["title_zh"] = p.title_zh;
  out["digest"] = cp.digest;
  OJson measures = OJson::array();
  for (const MeasureDecl& m : p.measures) {
    OJson jm;
    jm["id"] = m.id;
    jm["title"] = m.title;
    if (!m.title_zh.empty()) jm["title_zh"] = m.title_zh;
    jm["where"] = Where(m.where, cp, policy_dir);
    OJson items = OJson::array();
    for (const ItemDecl& item : m.items) {
      OJson ji;
      ji["name"] = item.name;
      ji["title"] = item.title;
      if (!item.title_zh.empty()) ji["title_zh"] = item.title_zh;
      ji["by"] = item.by_claim ? "claim" : "facts";
      ji["cites"] = Cites(item.cites);
      if (!item.required_claim_fields.empty()) ji["claim_fields"] = item.required_claim_fields;
      items.push_back(std::move(ji));
    }
    jm["items"] = std::move(items);
    measures.push_back(std::move(jm));
  }
  out["measures"] = std::move(measures);
  OJson params = OJson::array();
  for (size_t i = 0; i < p.params.size(); ++i) {
    const ParamDecl& prm = p.params[i];
    OJson jp;
    jp["name"] = prm.name;
    jp["type"] = TypeText(prm.type, prm.type_syntax, p);
    jp["description"] = prm.description;
    if (!prm.description_zh.empty()) jp["description_zh"] = prm.description_zh;
    OJson values = OJson::array();
    for (const EffectiveValue& ev : prm.values) {
      OJson jv;
      jv["from"] = ev.from ? OJson(*ev.from) : OJson(nullptr);
      jv["value"] = ev.value ? LiteralJson(ev.value->literal, prm.type.kind) : OJson(nullptr);
      // A choice's Chinese label, where the policy gives one.
      if (ev.value && prm.type.kind == TypeKind::kEnum && prm.type.enum_id >= 0) {
        const EnumDef& e = p.enums[static_cast<size_t>(prm.type.enum_id)];
        for (size_t k = 0; k < e.values.size() && k < e.labels_zh.size(); ++k) {
          if (e.values[k] == ev.value->literal.symbol && !e.labels_zh[k].empty()) jv["value_zh"] = e.labels_zh[k];
        }
      }
      values.push_back(std::move(jv));
    }
    jp["values"] = std::move(values);
    for (const auto& [index, value] : cp.overrides) {
      if (static_cast<size_t>(index) == i) jp["override"] = ValueJson(value, p);
    }
    jp["cites"] = Cites(prm.cites);
    jp["where"] = Where(prm.where, cp, policy_dir);
    params.push_back(std::move(jp));
  }
  out["parameters"] = std::move(params);
  // What a case of this policy gives (docs/case-format.md), with the labels a
  // form shows: enough for a calculator of any policy to build its form.
  auto fields = [&](const std::vector<FieldDecl>& decls) {
    OJson list = OJson::array();
    for (const FieldDecl& f : decls) {
      if (f.derived != FieldDecl::Derived::kNone) continue;  // read from history, never typed in
      OJson jf{{"name", f.name}, {"type", TypeText(f.type, f.type_syntax, p)}, {"label", f.noun}};
      if (!f.noun_zh.empty()) jf["label_zh"] = f.noun_zh;
      // A choice's values with their Chinese labels, for a form's options.
      if (f.type.kind == TypeKind::kEnum && f.type.enum_id >= 0) {
        const EnumDef& e = p.enums[static_cast<size_t>(f.type.enum_id)];
        OJson choices = OJson::array();
        for (size_t k = 0; k < e.values.size(); ++k) {
          OJson choice{{"name", e.values[k]}};
          if (k < e.labels_zh.size() && !e.labels_zh[k].empty()) choice["label_zh"] = e.labels_zh[k];
          choices.push_back(std::move(choice));
        }
        jf["choices"] = std::move(choices);
      }
      // An authority's value: the store refuses it from an enterprise's upload.
      if (!f.given_by.empty()) jf["given_by"] = f.given_by;
      if (!f.given_by_zh.empty()) jf["given_by_zh"] = f.given_by_zh;
      list.push_back(std::move(jf));
    }
    return list;
  };
  OJson tags = OJson::array();
  for (const TagDecl& t : p.tags) {
    OJson jt{{"name", t.name}, {"description", t.description}};
    if (!t.description_zh.empty()) jt["description_zh"] = t.description_zh;
    tags.push_back(std::move(jt));
  }
  OJson units = OJson::array();
  for (const TagDecl& u : p.units) {
    OJson ju{{"name", u.name}, {"noun", u.description}};
    if (!u.description_zh.empty()) ju["noun_zh"] = u.description_zh;
    units.push_back(std::move(ju));
  }
  // The facts the policy reads for the year before (`last_year(FACT)`), which
  // a case gives under `earlier`.
  OJson last_year = OJson::array();
  for (const FieldDecl& f : p.facts) {
    if (f.derived == FieldDecl::Derived::kLastYear && f.source_fact >= 0) {
      last_year.push_back(p.facts[static_cast<size_t>(f.source_fact)].name);
    }
  }
  out["case"] = OJson{{"applicant", fields(p.applicant_fields)},
                      {"tags", std::move(tags)},
                      {"facts", fields(p.facts)},
                      {"last_year", std::move(last_year)},
                      {"claim_fields", fields(p.claim_fields)},
                      {"units", std::move(units)}};
  return out;
}

// A clause with its Chinese text when the policy has one: text_zh, and
// zh_reference true when that is a reference translation (参考译文).
static OJson ClauseJson(const CheckedPolicy& cp, const std::string& label, const std::string& text) {
  OJson c{{"label", label}, {"text", text}};
  for (const auto& z : cp.policy.clause_texts_zh) {
    if (z.label != label) continue;
    c["text_zh"] = z.text;
    c["zh_reference"] = z.reference;
  }
  return c;
}

OJson PolicyClauses(const CheckedPolicy& cp) {
  OJson clauses = OJson::array();
  for (const auto& [label, text] : cp.policy.clause_texts) clauses.push_back(ClauseJson(cp, label, text));
  OJson decisions = OJson::array();
  for (const auto& [label, where] : cp.policy.decision_labels) {
    decisions.push_back(OJson{{"label", label}, {"text", ParagraphAt(where, cp.sources)}});
  }
  OJson out;
  out["clauses"] = std::move(clauses);
  out["decisions"] = std::move(decisions);
  return out;
}

std::map<std::string, OJson> MeasureDocuments(const CheckedPolicy& cp, const std::string& policy_dir) {
  std::map<std::string, OJson> out;
  for (const MeasureDecl& m : cp.policy.measures) {
    OJson doc;
    doc["id"] = m.id;
    doc["title"] = m.title;
    if (!m.title_zh.empty()) doc["title_zh"] = m.title_zh;
    std::string prefix = "[" + m.id + ".";
    OJson clauses = OJson::array();
    for (const auto& [label, text] : cp.policy.clause_texts) {
      if (label.rfind(prefix, 0) == 0) clauses.push_back(ClauseJson(cp, label, text));
    }
    doc["clauses"] = std::move(clauses);
    OJson decisions = OJson::array();
    std::string dprefix = "D-" + m.id;
    for (const auto& [label, where] : cp.policy.decision_labels) {
      if (label.rfind(dprefix, 0) == 0) {
        decisions.push_back(OJson{{"label", label}, {"text", ParagraphAt(where, cp.sources)}});
      }
    }
    doc["decisions"] = std::move(decisions);
    doc["guide"] = GuideJson(m, cp.policy);
    OJson source;
    if (m.where.file >= 0 && static_cast<size_t>(m.where.file) < cp.sources.files.size()) {
      const SourceFile& f = cp.sources.files[static_cast<size_t>(m.where.file)];
      source["file"] = RelativePath(f.path, policy_dir);
      source["line"] = m.where.line;
      source["markdown"] = f.text;
    }
    doc["source"] = std::move(source);
    out[m.id] = std::move(doc);
  }
  return out;
}

}  // namespace bursar::server
