#include <algorithm>
#include <cstdint>
#include <map>
#include <string_view>

#include "case/case.h"
#include "case/uscc.h"

namespace bursar {
namespace {

using Json = nlohmann::json;

// A field of the case that cannot be read: the message, and the rule it broke
// with its figures (`reason`, `params`: docs/http-api.md, "Errors"), which a
// page words in its reader's language.
Status Bad(const std::string& field, const std::string& message, std::string reason = "", ReasonParams params = {}) {
  std::erase_if(params, [](const auto& kv) { return kv.second.empty(); });
  return InvalidArgument(message, field).WithReason(std::move(reason), std::move(params));
}

std::string JsonKind(const Json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "true/false";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "a list";
  return "an object";
}

// Every key of `obj` is one of `fixed` or the name of one of `fields`. A
// linear scan of two short lists: this runs on every case, so it allocates
// nothing unless a key is unknown.
Status CheckKeys(const Json& obj, const std::string& path, std::initializer_list<std::string_view> fixed,
                 const std::vector<FieldDecl>* fields = nullptr) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& key = it.key();
    if (std::find(fixed.begin(), fixed.end(), key) != fixed.end()) continue;
    if (fields && std::any_of(fields->begin(), fields->end(), [&](const FieldDecl& f) { return f.name == key; })) {
      continue;
    }
    std::vector<std::string> known(fixed.begin(), fixed.end());
    if (fields) {
      for (const auto& f : *fields) known.push_back(f.name);
    }
    std::sort(known.begin(), known.end());
    std::string hint = ClosestName(key, known);
    return Bad(path + (path.empty() ? "" : ".") + key,
               "unknown field" + (hint.empty() ? std::string() : "; did you mean '" + hint + "'?"), "unknown_field",
               {{"suggestion", hint}});
  }
  return OkStatus();
}

Result<Exact> ReadMoney(const Json& j, const std::string& path) {
  if (j.is_number()) {
    return Bad(path, "expected a money string such as \"1250.50\", got a JSON number (numbers lose precision; write the amount in quotes)",
               "not_money");
  }
  if (!j.is_string()) return Bad(path, "expected a money string such as \"1250.50\", got " + JsonKind(j), "not_money");
  std::string why;
  auto v = ParseMoneyString(j.get<std::string>(), &why);
  if (!v) return Bad(path, why, MoneyStringReason(why));
  return *v;
}

bool IsQuantity(TypeKind kind) {
  return kind == TypeKind::kMoney || kind == TypeKind::kRate || kind == TypeKind::kCount || kind == TypeKind::kQuantity;
}

// A quantity in units (an area, a number of days): a JSON whole number or a
// decimal string, "1234.5", at most four decimals and below one million (the
// batch evaluator holds quantities in millionths, like rates).
Result<Exact> ReadQuantity(const Json& j, const std::string& path) {
  const char* expected = "expected a quantity such as 1200 or \"1234.5\"";
  if (j.is_number_unsigned()) {
    if (j.get<uint64_t>() >= 1000000) return Bad(path, "too large: a quantity is below 1,000,000", "too_large", {{"below", "1000000"}});
    return Exact::Integer(static_cast<int64_t>(j.get<uint64_t>()));
  }
  if (j.is_number_integer()) return Bad(path, "cannot be negative", "negative");
  if (!j.is_string()) return Bad(path, std::string(expected) + ", got " + JsonKind(j), "not_quantity");
  std::string text = j.get<std::string>();
  size_t dot = text.find('.');
  if (dot != std::string::npos && text.size() - dot - 1 > 4) {
    return Bad(path, "a quantity has at most four decimals", "decimals", {{"max", "4"}});
  }
  auto d = ParseDecimal(text);
  if (!d || text.empty() || text.front() == '.' || text.back() == '.') return Bad(path, expected, "not_quantity");
  if (d->Compare(Exact::Integer(1000000)) >= 0) {
    return Bad(path, "too large: a quantity is below 1,000,000", "too_large", {{"below", "1000000"}});
  }
  return *d;
}

// A rate in a case: a string with a percent sign, "12.5%", at most four
// decimals (the batch evaluator holds rates in millionths).
Result<Exact> ReadRate(const Json& j, const std::string& path) {
  const char* expected = "expected a rate as a string with a percent sign, such as \"12.5%\"";
  if (!j.is_string()) return Bad(path, std::string(expected) + ", got " + JsonKind(j), "not_rate");
  std::string text = j.get<std::string>();
  if (text.size() < 2 || text.back() != '%') return Bad(path, expected, "not_rate");
  std::string digits = text.substr(0, text.size() - 1);
  size_t dot = digits.find('.');
  if (dot != std::string::npos && digits.size() - dot - 1 > 4) {
    return Bad(path, "a rate has at most four decimals after the point (\"12.3456%\")", "decimals", {{"max", "4"}});
  }
  if ((dot == std::string::npos ? digits.size() : dot) > 8) return Bad(path, "too large", "too_large");
  auto d = ParseDecimal(digits);
  if (!d || digits.front() == '.' || digits.back() == '.') return Bad(path, expected, "not_rate");
  return *d->Div(Exact::Integer(100));
}

// Money, rates and counts left out (or null, where the type allows none)
// are zero; other values declared with '?' are none.
Value ZeroOf(const Type& type);

Result<Value> ReadTyped(const CheckedPolicy& p, const Type& type, const Json& j, const std::string& path) {
  Value v;
  v.kind = type.kind;
  v.enum_id = type.enum_id;
  if (j.is_null()) {
    if (type.optional) return ZeroOf(type);
    return Bad(path, "cannot be null" + std::string(IsQuantity(type.kind) ? "; leave it out for zero" : ""), "not_null");
  }
  switch (type.kind) {
    case TypeKind::kMoney: {
      BURSAR_ASSIGN_OR_RETURN(v.number, ReadMoney(j, path));
      return v;
    }
    case TypeKind::kRate: {
      BURSAR_ASSIGN_OR_RETURN(v.number, ReadRate(j, path));
      return v;
    }
    case TypeKind::kQuantity: {
      BURSAR_ASSIGN_OR_RETURN(v.number, ReadQuantity(j, path));
      return v;
    }
    case TypeKind::kYear: {
      if (!j.is_number_integer()) return Bad(path, "expected a year such as 2024, got " + JsonKind(j), "not_year");
      if (j.is_number_unsigned() ? j.get<uint64_t>() > 9999 : j.get<int64_t>() < 1900) {
        return Bad(path, "expected a year such as 2024 (1900 to 9999)", "not_year");
      }
      v.number = Exact::Integer(j.get<int64_t>());
      return v;
    }
    case TypeKind::kCount: {
      if (!j.is_number_integer()) return Bad(path, "expected a whole number, got " + JsonKind(j), "not_whole_number");
      if (j.is_number_unsigned() ? j.get<uint64_t>() > 1000000000000ULL : j.get<int64_t>() < 0) {
        return j.is_number_unsigned() ? Bad(path, "too large", "too_large") : Bad(path, "cannot be negative", "negative");
      }
      v.number = Exact::Integer(j.get<int64_t>());
      return v;
    }
    case TypeKind::kDate:
      if (!j.is_string() || !IsCalendarDate(j.get<std::string>())) {
        return Bad(path, "expected a date as a string \"YYYY-MM-DD\", such as \"2024-03-15\"" +
                             (j.is_string() ? std::string() : ", got " + JsonKind(j)),
                   "not_date");
      }
      v.text = j.get<std::string>();
      return v;
    case TypeKind::kFlag:
      if (!j.is_boolean()) return Bad(path, "expected true or false, got " + JsonKind(j), "not_flag");
      v.flag = j.get<bool>();
      return v;
    case TypeKind::kEnum: {
      const auto& values = p.policy.enums[static_cast<size_t>(type.enum_id)].values;
      std::string all;
      for (const auto& s : values) all += (all.empty() ? "" : ", ") + s;
      if (!j.is_string()) return Bad(path, "expected one of " + all + (type.optional ? " or null" : ""), "not_one_of", {{"allowed", all}});
      auto it = std::find(values.begin(), values.end(), j.get<std::string>());
      if (it == values.end()) {
        return Bad(path, "'" + j.get<std::string>() + "' is not one of " + all + (type.optional ? " or null" : ""), "not_one_of",
                   {{"allowed", all}, {"got", j.get<std::string>()}});
      }
      v.choice = static_cast<int>(it - values.begin());
      return v;
    }
    case TypeKind::kText:
      if (!j.is_string()) return Bad(path, "expected a string, got " + JsonKind(j), "not_text");
      v.text = j.get<std::string>();
      if (v.text.size() > 200) return Bad(path, "longer than 200 characters", "too_long", {{"max", "200"}});
      return v;
    default:
      return Bad(path, "has a type the engine cannot read");
  }
}

Value ZeroOf(const Type& type) {
  Value v;
  v.kind = type.kind;
  v.enum_id = type.enum_id;
  v.none = type.optional && !IsQuantity(type.kind);
  return v;
}


std::string Index(const std::string& base, size_t i) { return base + "[" + std::to_string(i) + "]"; }

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

// What an award of an item with `draw`s counted (`"drawn": {"NAME":
// "money"}`, as the engine wrote it on the award). Required on an award of
// the case year: the year's later lines draw what it left.
Status ReadDrawn(const CheckedPolicy& p, const Json& j, const std::string& path, int case_year, HistoryEntry* h) {
  const ItemDecl& item = p.policy.measures[static_cast<size_t>(h->measure)].items[static_cast<size_t>(h->item)];
  std::vector<std::string> names;
  for (const DrawDecl& d : item.draws) names.push_back(d.name);
  if (j.contains("drawn")) {
    const Json& drawn = j["drawn"];
    if (!drawn.is_object()) return Bad(path + ".drawn", "expected an object of counted figures, such as {\"" +
                                                            (names.empty() ? std::string("principal") : names[0]) + "\": \"1000000.00\"}");
    for (auto it = drawn.begin(); it != drawn.end(); ++it) {
      if (std::find(names.begin(), names.end(), it.key()) != names.end()) continue;
      std::string hint = ClosestName(it.key(), names);
      return Bad(path + ".drawn." + it.key(),
                 names.empty() ? "unknown field: this item draws nothing"
                 : hint.empty()  ? "unknown field: the item draws " + Join(names)
                                 : "unknown field; did you mean '" + hint + "'?",
                 "unknown_field", {{"suggestion", hint}});
    }
  }
  for (const DrawDecl& d : item.draws) {
    const bool given = j.contains("drawn") && j["drawn"].contains(d.name);
    if (!given) {
      if (h->year != case_year) continue;
      return Bad(path + ".drawn." + d.name,
                 "required: an award of the case year under an item that draws '" + d.name +
                     "' says what it counted, as its decision gave it",
                 "required");
    }
    BURSAR_ASSIGN_OR_RETURN(Exact v, ReadMoney(j["drawn"][d.name], path + ".drawn." + d.name));
    h->drawn.emplace_back(d.global_index, v);
  }
  return OkStatus();
}

// Resolves "measure" and "item" of a claim or history entry.
Status ResolveItem(const CheckedPolicy& p, const Json& obj, const std::string& path, int* measure, int* item) {
  if (!obj.contains("measure")) return Bad(path + ".measure", "required", "required");
  const Json& m = obj["measure"];
  if (!m.is_string()) return Bad(path + ".measure", "expected the measure's number as a string such as \"03\"");
  auto it = p.measure_index.find(m.get<std::string>());
  if (it == p.measure_index.end()) {
    std::string all;
    for (const auto& [id, _] : p.measure_index) all += (all.empty() ? "" : ", ") + id;
    return Bad(path + ".measure", "unknown measure \"" + m.get<std::string>() + "\"; the measures are " + all, "unknown_measure",
               {{"got", m.get<std::string>()}, {"allowed", all}});
  }
  *measure = it->second;
  const MeasureDecl& md = p.policy.measures[static_cast<size_t>(*measure)];
  std::string items;
  for (const auto& i : md.items) items += (items.empty() ? "" : ", ") + i.name;
  if (!obj.contains("item") || obj["item"].is_null()) {
    if (md.items.size() != 1) {
      return Bad(path + ".item", "required: measure " + md.id + " has several items (" + items + ")", "required");
    }
    *item = 0;
    return OkStatus();
  }
  if (!obj["item"].is_string()) return Bad(path + ".item", "expected an item name such as \"" + md.items[0].name + "\"");
  *item = p.FindItem(md, obj["item"].get<std::string>());
  if (*item < 0) {
    return Bad(path + ".item",
               "unknown item \"" + obj["item"].get<std::string>() + "\" of measure " + md.id + "; its items are " + items);
  }
  return OkStatus();
}

// The index of a fact a case may give (not one the reader derives), or the
// refusal naming the nearest fact.
Result<int> GivenFact(const CheckedPolicy& p, const std::string& key, const std::string& path) {
  auto idx = p.fact_index.find(key);
  if (idx != p.fact_index.end() && p.policy.facts[static_cast<size_t>(idx->second)].derived == FieldDecl::Derived::kNone) {
    return idx->second;
  }
  std::vector<std::string> known;
  for (const auto& f : p.policy.facts) {
    if (f.derived == FieldDecl::Derived::kNone) known.push_back(f.name);
  }
  std::string hint = ClosestName(key, known);
  return Bad(path, "unknown fact" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"), "unknown_field",
             {{"suggestion", hint}});
}

}  // namespace

bool MustBeGiven(const Type& type) {
  return !type.optional && !IsQuantity(type.kind) && type.kind != TypeKind::kFlag;
}

Result<Case> ReadCase(const CheckedPolicy& p, const Json& in) {
  if (!in.is_object()) return Bad("", "a case is a JSON object with year, applicant, facts, claims and history");
  BURSAR_RETURN_IF_ERROR(CheckKeys(in, "", {"year", "applicant", "facts", "claims", "history", "earlier"}));
  Case c;
  if (!in.contains("year")) return Bad("year", "required: the programme year, such as 2025", "required");
  if (!in["year"].is_number_integer()) return Bad("year", "expected a year such as 2025, got " + JsonKind(in["year"]), "not_year");
  int64_t year = in["year"].get<int64_t>();
  if (year < 1900 || year > 9999) return Bad("year", "expected a year such as 2025", "not_year");
  c.year = static_cast<int>(year);

  // applicant
  if (!in.contains("applicant") || !in["applicant"].is_object()) {
    return Bad("applicant", "required: an object with id, name, the eligibility flags and tags");
  }
  const Json& a = in["applicant"];
  BURSAR_RETURN_IF_ERROR(CheckKeys(a, "applicant", {"id", "name", "tags"}, &p.policy.applicant_fields));
  if (!a.contains("id") || !a["id"].is_string()) {
    return Bad("applicant.id", "required: the unified social credit code (18 characters)", "required");
  }
  c.applicant_id = a["id"].get<std::string>();
  std::string why;
  if (!IsValidUscc(c.applicant_id, &why)) {
    return Bad("applicant.id", "invalid unified social credit code: " + why, "bad_credit_code",
               {{"length", std::to_string(c.applicant_id.size())}});
  }
  if (a.contains("name") && !a["name"].is_string()) return Bad("applicant.name", "expected a string");
  c.applicant.assign(p.policy.applicant_fields.size(), false);
  for (size_t i = 0; i < p.policy.applicant_fields.size(); ++i) {
    const auto& f = p.policy.applicant_fields[i];
    if (!a.contains(f.name)) continue;
    if (!a[f.name].is_boolean()) {
      return Bad("applicant." + f.name, "expected true or false, got " + JsonKind(a[f.name]), "not_flag");
    }
    c.applicant[i] = a[f.name].get<bool>();
  }
  c.tags.assign(p.policy.tags.size(), false);
  if (a.contains("tags")) {
    if (!a["tags"].is_array()) return Bad("applicant.tags", "expected a list of tags");
    for (size_t i = 0; i < a["tags"].size(); ++i) {
      const Json& t = a["tags"][i];
      std::string path = Index("applicant.tags", i);
      if (!t.is_string()) return Bad(path, "expected a tag name");
      auto it = p.tag_index.find(t.get<std::string>());
      if (it == p.tag_index.end()) {
        std::vector<std::string> known;
        for (const auto& tag : p.policy.tags) known.push_back(tag.name);
        std::string hint = ClosestName(t.get<std::string>(), known);
        return Bad(path, "unknown tag \"" + t.get<std::string>() + "\"" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"),
                   "unknown_tag", {{"got", t.get<std::string>()}, {"suggestion", hint}});
      }
      c.tags[static_cast<size_t>(it->second)] = true;
    }
  }

  // facts
  c.facts.reserve(p.policy.facts.size());
  for (const auto& f : p.policy.facts) c.facts.push_back(ZeroOf(f.type));
  static const Json kNoFacts = Json::object();
  const Json& given_facts = in.contains("facts") ? in["facts"] : kNoFacts;
  if (given_facts.is_object()) {
    for (const auto& f : p.policy.facts) {
      if (f.derived == FieldDecl::Derived::kNone && MustBeGiven(f.type) && !given_facts.contains(f.name)) {
        return Bad("facts." + f.name, std::string("required: the policy declares it '") + TypeKindName(f.type.kind) +
                                          "' (write '" + TypeKindName(f.type.kind) +
                                          "?' in the policy if a case may leave it out)");
      }
    }
  }
  if (in.contains("facts")) {
    const Json& facts = in["facts"];
    if (!facts.is_object()) return Bad("facts", "expected an object of the year's figures");
    for (auto it = facts.begin(); it != facts.end(); ++it) {
      BURSAR_ASSIGN_OR_RETURN(int index, GivenFact(p, it.key(), "facts." + it.key()));
      const FieldDecl& decl = p.policy.facts[static_cast<size_t>(index)];
      BURSAR_ASSIGN_OR_RETURN(c.facts[static_cast<size_t>(index)],
                              ReadTyped(p, decl.type, it.value(), "facts." + it.key()));
    }
  }

  // claims
  if (in.contains("claims")) {
    if (!in["claims"].is_array()) return Bad("claims", "expected a list of claims");
    for (size_t i = 0; i < in["claims"].size(); ++i) {
      const Json& j = in["claims"][i];
      std::string path = Index("claims", i);
      if (!j.is_object()) return Bad(path, "expected a claim object with measure, item and amounts");
      Claim claim;
      claim.index = static_cast<int>(i);
      BURSAR_RETURN_IF_ERROR(ResolveItem(p, j, path, &claim.measure, &claim.item));
      BURSAR_RETURN_IF_ERROR(CheckKeys(j, path, {"measure", "item"}, &p.policy.claim_fields));
      const MeasureDecl& md = p.policy.measures[static_cast<size_t>(claim.measure)];
      const ItemDecl& item = md.items[static_cast<size_t>(claim.item)];
      if (!item.by_claim) {
        return Bad(path + ".measure",
                   "measure " + md.id + " (" + item.name + ") is decided from the year's facts (apply-free) and takes no claim",
                   "apply_free_measure", {{"measure", md.id}});
      }
      for (const auto& f : p.policy.claim_fields) claim.fields.push_back(ZeroOf(f.type));
      for (size_t fi = 0; fi < p.policy.claim_fields.size(); ++fi) {
        const FieldDecl& f = p.policy.claim_fields[fi];
        if (!j.contains(f.name)) {
          if (std::find(item.required_claim_fields.begin(), item.required_claim_fields.end(), f.name) !=
              item.required_claim_fields.end()) {
            return Bad(path + "." + f.name, "required for measure " + md.id + " item " + item.name, "required");
          }
          continue;
        }
        BURSAR_ASSIGN_OR_RETURN(claim.fields[fi], ReadTyped(p, f.type, j[f.name], path + "." + f.name));
      }
      const Value& project = claim.fields[static_cast<size_t>(p.project_field)];
      if (!project.none) claim.project = project.text;
      const Value& solution = claim.fields[static_cast<size_t>(p.solution_field)];
      if (!solution.none) claim.solution = solution.text;
      claim.external_support = claim.fields[static_cast<size_t>(p.external_support_field)].number;
      c.claims.push_back(std::move(claim));
    }
  }

  // history
  if (in.contains("history")) {
    if (!in["history"].is_array()) return Bad("history", "expected a list of earlier awards");
    for (size_t i = 0; i < in["history"].size(); ++i) {
      const Json& j = in["history"][i];
      std::string path = Index("history", i);
      if (!j.is_object()) return Bad(path, "expected an earlier award with year, measure, item and amount");
      BURSAR_RETURN_IF_ERROR(CheckKeys(j, path, {"year", "measure", "item", "amount", "project", "solution", "condition", "drawn"}));
      HistoryEntry h;
      if (!j.contains("year") || !j["year"].is_number_integer()) {
        return Bad(path + ".year", "required: a year such as 2024", "required");
      }
      int64_t hy = j["year"].get<int64_t>();
      if (hy > c.year || hy < 1900) {
        return Bad(path + ".year", "an award already made must be from the case year " + std::to_string(c.year) + " or before",
                   "year_not_before", {{"year", std::to_string(c.year)}});
      }
      h.year = static_cast<int>(hy);
      BURSAR_RETURN_IF_ERROR(ResolveItem(p, j, path, &h.measure, &h.item));
      if (!j.contains("amount")) return Bad(path + ".amount", "required", "required");
      BURSAR_ASSIGN_OR_RETURN(h.amount, ReadMoney(j["amount"], path + ".amount"));
      for (auto [key, out] : {std::pair{"project", &h.project}, std::pair{"solution", &h.solution},
                              std::pair{"condition", &h.condition}}) {
        if (!j.contains(key) || j[key].is_null()) continue;
        if (!j[key].is_string()) return Bad(path + "." + key, std::string("expected a ") + key + " id string");
        *out = j[key].get<std::string>();
        if (out->size() > 200) return Bad(path + "." + key, "longer than 200 characters", "too_long", {{"max", "200"}});
      }
      if (!h.condition.empty()) {
        const ItemDecl& item = p.policy.measures[static_cast<size_t>(h.measure)].items[static_cast<size_t>(h.item)];
        bool known = std::any_of(item.named_conditions.begin(), item.named_conditions.end(),
                                 [&](const NamedCondition& n) { return n.name == h.condition; });
        if (!known) {
          std::string names;
          for (const auto& n : item.named_conditions) names += (names.empty() ? "" : ", ") + n.name;
          return Bad(path + ".condition", "measure " + p.policy.measures[static_cast<size_t>(h.measure)].id + " item " +
                                              item.name + (names.empty() ? " has no named conditions"
                                                                         : " has the conditions " + names));
        }
      }
      BURSAR_RETURN_IF_ERROR(ReadDrawn(p, j, path, c.year, &h));
      c.history.push_back(std::move(h));
    }
  }

  // Figures of earlier years: {"2024": {"operating_revenue": "..."}}, read
  // as the policy declares each fact.
  std::map<int, std::map<int, Value>> earlier;  // year → fact index → value
  if (in.contains("earlier")) {
    const Json& e = in["earlier"];
    if (!e.is_object()) return Bad("earlier", "expected an object of earlier years' figures, such as {\"2024\": {...}}");
    for (auto y = e.begin(); y != e.end(); ++y) {
      std::string path = "earlier." + y.key();
      int64_t ey = 0;
      bool digits = !y.key().empty() && y.key().size() <= 4 &&
                    std::all_of(y.key().begin(), y.key().end(), [](char ch) { return ch >= '0' && ch <= '9'; });
      if (digits) ey = std::stoll(y.key());
      if (!digits || ey < 1900 || ey >= c.year) {
        return Bad(path, "expected a year before the case year " + std::to_string(c.year) + ", such as " +
                             std::to_string(c.year - 1),
                   "year_not_before", {{"year", std::to_string(c.year)}});
      }
      if (!y.value().is_object()) return Bad(path, "expected an object of that year's facts");
      for (auto it = y.value().begin(); it != y.value().end(); ++it) {
        BURSAR_ASSIGN_OR_RETURN(int index, GivenFact(p, it.key(), path + "." + it.key()));
        const FieldDecl& decl = p.policy.facts[static_cast<size_t>(index)];
        BURSAR_ASSIGN_OR_RETURN(earlier[static_cast<int>(ey)][index],
                                ReadTyped(p, decl.type, it.value(), path + "." + it.key()));
      }
    }
  }

  // Facts the policy derives: awards already received, last year's figures.
  for (size_t i = 0; i < p.policy.facts.size(); ++i) {
    const FieldDecl& f = p.policy.facts[i];
    if (f.derived == FieldDecl::Derived::kReceived) {
      Exact sum;
      for (const HistoryEntry& h : c.history) {
        if (h.measure != f.source_measure || (f.source_item >= 0 && h.item != f.source_item)) continue;
        auto next = sum.Add(h.amount);
        if (!next || next->ToFen().value_or(INT64_MAX) > 99999999999999999) {
          return Bad("history", "the awards already received under " + f.name.substr(9, f.name.size() - 10) +
                                    " add up past the largest amount a case may hold");
        }
        sum = *next;
      }
      c.facts[i].number = sum;
    } else if (f.derived == FieldDecl::Derived::kLastYear) {
      auto y = earlier.find(c.year - 1);
      if (y == earlier.end()) continue;
      auto v = y->second.find(f.source_fact);
      if (v != y->second.end()) c.facts[i] = v->second;
    }
  }
  return c;
}

Result<Value> ParseLiteralValue(const CheckedPolicy& p, const Type& type, const std::string& raw) {
  std::string text = raw;
  Value v;
  v.kind = type.kind;
  v.enum_id = type.enum_id;
  bool none_is_a_choice =
      type.kind == TypeKind::kEnum &&
      std::find(p.policy.enums[static_cast<size_t>(type.enum_id)].values.begin(),
                p.policy.enums[static_cast<size_t>(type.enum_id)].values.end(),
                "none") != p.policy.enums[static_cast<size_t>(type.enum_id)].values.end();
  if (text == "none" && !none_is_a_choice) {
    if (!type.optional) return InvalidArgument("cannot be none");
    v.none = true;
    return v;
  }
  switch (type.kind) {
    case TypeKind::kMoney: {
      if (text.rfind("RMB", 0) == 0) text = text.substr(3);
      std::string digits;
      for (char ch : text) {
        if (ch != ',' && ch != ' ') digits.push_back(ch);
      }
      std::string why;
      auto m = ParseMoneyString(digits, &why);
      if (!m) return InvalidArgument("expected an amount such as 2000000 or \"RMB 2,000,000\": " + why);
      v.number = *m;
      return v;
    }
    case TypeKind::kRate: {
      bool pct = !text.empty() && text.back() == '%';
      auto d = ParseDecimal(pct ? text.substr(0, text.size() - 1) : text);
      if (!d || !pct) return InvalidArgument("expected a rate such as 5% or 0.5%");
      v.number = *d->Div(Exact::Integer(100));
      return v;
    }
    case TypeKind::kCount:
    case TypeKind::kYear: {
      auto d = ParseDecimal(text);
      if (!d || !d->is_integer()) return InvalidArgument("expected a whole number");
      v.number = *d;
      return v;
    }
    case TypeKind::kQuantity: {
      std::string digits;
      for (char ch : text) {
        if (ch != ',') digits.push_back(ch);
      }
      auto d = ParseDecimal(digits);
      if (!d) return InvalidArgument("expected a number such as 2000 or 1234.5");
      v.number = *d;
      return v;
    }
    case TypeKind::kFlag:
      if (text != "true" && text != "false") return InvalidArgument("expected true or false");
      v.flag = text == "true";
      return v;
    case TypeKind::kEnum: {
      const auto& values = p.policy.enums[static_cast<size_t>(type.enum_id)].values;
      auto it = std::find(values.begin(), values.end(), text);
      if (it == values.end()) {
        std::string all;
        for (const auto& s : values) all += (all.empty() ? "" : ", ") + s;
        return InvalidArgument("expected one of " + all);
      }
      v.choice = static_cast<int>(it - values.begin());
      return v;
    }
    case TypeKind::kDate:
      if (!IsCalendarDate(text)) return InvalidArgument("expected a date such as 2025-01-01");
      v.text = text;
      return v;
    default:
      v.text = text;
      return v;
  }
}

}  // namespace bursar
