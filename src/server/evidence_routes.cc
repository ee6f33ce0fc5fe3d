// Enterprises, their derived facts and their evidence, and evidence uploads
// (the same import as `bursar import`, from the request body).
//
// Who sees an enterprise: officers and auditors all; a reviewer those of the
// applications assigned to it; an applicant its own. Anything else is 404.
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "base/text.h"
#include "server/server_impl.h"

namespace bursar::server {

namespace {

OJson EnterpriseJson(const store::EnterpriseRecord& e) {
  OJson tags = OJson::parse(e.tags, nullptr, false);
  if (tags.is_discarded() || !tags.is_array()) tags = OJson::array();
  return OJson{{"credit_code", e.credit_code},
               {"name", e.name},
               {"registered_in_chaoyang", e.registered_in_chaoyang},
               {"taxed_in_chaoyang", e.taxed_in_chaoyang},
               {"independent_legal_person", e.independent_legal_person},
               {"serious_dishonesty_record", e.serious_dishonesty_record},
               {"tags", std::move(tags)}};
}

std::string PathText(const httplib::Request& req, size_t index) {
  return req.matches.size() > index ? req.matches[index].str() : "";
}

void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t pos = 0; (pos = s->find(from, pos)) != std::string::npos; pos += to.size()) s->replace(pos, from.size(), to);
}

// A CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break.
// "-12.50", "3", "0.5": a number as the evidence formats write amounts.
bool IsPlainDecimal(const std::string& s) {
  size_t i = s.empty() || s[0] != '-' ? 0 : 1;
  const size_t digits_from = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == digits_from) return false;
  if (i < s.size() && s[i] == '.') {
    const size_t fraction_from = ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == fraction_from) return false;
  }
  return i == s.size();
}

std::string CsvCell(const OJson& v) {
  std::string s;
  if (v.is_null()) return s;
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_string()) {
    // A plain decimal ("-12.50") is an amount; any other text never starts
    // a formula when the sample is opened in a spreadsheet (A8).
    s = v.get<std::string>();
    if (!IsPlainDecimal(s)) s = NeutraliseFormula(s);
  } else if (v.is_array()) {  // tags
    for (const auto& t : v) s += (s.empty() ? "" : ";") + t.get<std::string>();
    s = NeutraliseFormula(s);
  } else {
    s = v.dump();
  }
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Rows of a sample file of `kind` for enterprise `code` in programme year
// `year`, in the import's field names and JSON types (money as strings,
// years as integers, flags as booleans, an open end as null). Identifiers
// start with SAMPLE- and carry the year (and, where the key is not the
// enterprise's own, the credit code), so a sample never collides with real
// evidence and uploading it twice changes nothing the second time.
// `stored` is the enterprise's stored rows of this kind and year, used where
// the key is (enterprise, year) and a row may already exist. `declared`: the
// sample is an applicant's, whose trades cannot state an authority's flag
// (D-G10), so they say legally_established false.
std::vector<OJson> SampleRows(store::EvidenceKind kind, const store::EnterpriseRecord& e, int64_t year,
                              const OJson& stored, bool declared) {
  using K = store::EvidenceKind;
  const std::string& code = e.credit_code;
  const std::string y = std::to_string(year);
  const std::string id = "SAMPLE-" + y;
  const std::string global_id = "SAMPLE-" + code + "-" + y;
  const char* exchange = "北京国际大数据交易所";
  switch (kind) {
    case K::kEnterprises: {
      // The stored record itself: uploading it back changes nothing.
      OJson tags = OJson::parse(e.tags, nullptr, false);
      if (tags.is_discarded() || !tags.is_array()) tags = OJson::array();
      return {OJson{{"credit_code", code},
                    {"name", e.name},
                    {"registered_in_chaoyang", e.registered_in_chaoyang},
                    {"taxed_in_chaoyang", e.taxed_in_chaoyang},
                    {"independent_legal_person", e.independent_legal_person},
                    {"serious_dishonesty_record", e.serious_dishonesty_record},
                    {"tags", std::move(tags)}}};
    }
    case K::kListings:
      return {OJson{{"exchange", exchange},
                    {"listing_id", global_id + "-L1"},
                    {"credit_code", code},
                    {"product", "企业经营数据集（示例）"},
                    {"type", "dataset"},
                    {"listing_date", y + "-03-15"},
                    {"status", "listed"}}};
    case K::kCertificates:
      return {OJson{{"platform", "北京市数据知识产权登记平台"},
                    {"number", global_id + "-C1"},
                    {"credit_code", code},
                    {"resource", "供应链交易数据资源（示例）"},
                    {"right", "holding"},
                    {"issue_date", y + "-04-20"},
                    {"valid_until", std::to_string(year + 3) + "-04-19"},
                    {"status", "valid"}}};
    case K::kFsInclusions:
      if (stored.is_array() && !stored.empty()) {
        const OJson& row = stored[0];
        return {OJson{{"credit_code", code},
                      {"year", year},
                      {"amount", row.value("amount", "0")},
                      {"first_time", row.value("first_time", false)}}};
      }
      return {OJson{{"credit_code", code}, {"year", year}, {"amount", "500000.00"}, {"first_time", true}}};
    case K::kTrades:
      return {OJson{{"credit_code", code},
                    {"exchange", exchange},
                    {"trade_id", id + "-T1"},
                    {"date", y + "-05-18"},
                    {"side", "seller"},
                    {"amount", "120000.00"},
                    {"legally_established", !declared}},
              OJson{{"credit_code", code},
                    {"exchange", exchange},
                    {"trade_id", id + "-T2"},
                    {"date", y + "-09-02"},
                    {"side", "buyer"},
                    {"amount", "45800.50"},
                    {"legally_established", !declared}}};
    case K::kFilings:
      return {OJson{{"credit_code", code}, {"filing_id", id + "-F1"}, {"date", y + "-06-30"}, {"amount", "80000.00"}}};
    case K::kExports:
      return {OJson{{"route", "standard_contract"},
                    {"number", global_id + "-E1"},
                    {"credit_code", code},
                    {"authority", "北京市互联网信息办公室"},
                    {"date", y + "-07-10"}}};
    case K::kProjects:
      return {OJson{{"credit_code", code},
                    {"project_id", id + "-P1"},
                    {"year", year},
                    {"investment", "3000000.00"},
                    {"civil_construction", "500000.00"}}};
    case K::kPlatforms:
      return {OJson{{"credit_code", code},
                    {"platform_id", id + "-PF1"},
                    {"name", "数据交易服务平台（示例）"},
                    {"completed_date", y + "-01-20"},
                    {"operation_start", y + "-02-01"},
                    {"operation_end", nullptr}}};
    case K::kFigures:
      // What a figure names is another policy's: no sample row.
      return {};
  }
  return {};
}

// The evidence kind named by the path's first parameter; 404 naming the
// kinds there are, all of them from the store's own list.
Result<store::EvidenceKind> PathKind(const httplib::Request& req) {
  const std::string kind_name = PathText(req, 1);
  if (auto kind = store::ParseEvidenceKind(kind_name)) return *kind;
  std::string known;
  for (store::EvidenceKind k : store::AllEvidenceKinds()) {
    known += (known.empty() ? "" : ", ") + std::string(store::EvidenceKindName(k));
  }
  return Status(StatusCode::kNotFound, "no evidence kind '" + kind_name + "' (" + known + ")", "kind");
}

}  // namespace

Status Server::Impl::CheckEnterpriseVisible(store::Store& st, const Caller& caller, const std::string& code) {
  bool visible = true;
  if (RoleOf(caller) == store::Role::kApplicant) {
    visible = code == caller.who->account.credit_code;
  } else if (RoleOf(caller) == store::Role::kReviewer) {
    store::EnterpriseQuery q;
    q.credit_code = code;
    q.reviewer = Actor(caller);
    q.page.limit = 1;
    BURSAR_ASSIGN_OR_RETURN(auto page, st.ListEnterprises(q));
    visible = page.total > 0;
  }
  BURSAR_ASSIGN_OR_RETURN(auto found, st.FindEnterprise(code));
  if (!visible || !found) return Status(StatusCode::kNotFound, "no enterprise " + code, "code");
  return OkStatus();
}

Status Server::Impl::ListEnterprises(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(ListParams list, ParseList(req, {"q"}));
  store::EnterpriseQuery q;
  q.page = list.page;
  q.q = list.filters["q"];
  if (RoleOf(caller) == store::Role::kApplicant) q.credit_code = caller.who->account.credit_code;
  if (RoleOf(caller) == store::Role::kReviewer) q.reviewer = Actor(caller);
  store::Page<store::EnterpriseRecord> page;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(page, st.ListEnterprises(q));
    return OkStatus();
  }));
  OJson items = OJson::array();
  for (const auto& e : page.items) items.push_back(EnterpriseJson(e));
  AnswerJson(res, ListJson(std::move(items), page.total, q.page));
  return OkStatus();
}

Status Server::Impl::GetEnterprise(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  const std::string code = PathText(req, 1);
  OJson out;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_RETURN_IF_ERROR(CheckEnterpriseVisible(st, caller, code));
    BURSAR_ASSIGN_OR_RETURN(auto e, st.FindEnterprise(code));
    out = EnterpriseJson(*e);
    return OkStatus();
  }));
  AnswerJson(res, out);
  return OkStatus();
}

Status Server::Impl::EnterpriseFacts(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(ListParams list, ParseList(req, {"year"}));
  BURSAR_ASSIGN_OR_RETURN(int64_t year, QueryYear(list));
  if (year == 0) return InvalidArgument("name the programme year: ?year=2025", "query.year");
  if (!list.page.sort.empty()) {
    return InvalidArgument("the rows behind each figure are listed in date order; sort is not supported here",
                           "query.sort");
  }
  const std::string code = PathText(req, 1);
  // limit/offset page each list of rows in the explanation (default the first
  // 50 of each); the figures come from every row.
  const store::FactsRows window{list.page.offset, list.page.limit};
  store::DerivedFacts derived;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_RETURN_IF_ERROR(CheckEnterpriseVisible(st, caller, code));
    BURSAR_ASSIGN_OR_RETURN(derived, st.DeriveFacts(code, year, window));
    return OkStatus();
  }));
  AnswerJson(res, OJson{{"credit_code", code},
                        {"year", year},
                        {"facts", std::move(derived.facts)},
                        {"facts_with_declared", std::move(derived.facts_with_declared)},
                        {"declared_pending", derived.declared_pending},
                        {"explanation", std::move(derived.explanation)}});
  return OkStatus();
}

Status Server::Impl::EnterpriseEvidence(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(ListParams list, ParseList(req, {"kind", "year"}));
  BURSAR_ASSIGN_OR_RETURN(int64_t year, QueryYear(list));
  const std::string kind = list.filters["kind"];
  const std::string code = PathText(req, 1);
  OJson by_kind;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_RETURN_IF_ERROR(CheckEnterpriseVisible(st, caller, code));
    BURSAR_ASSIGN_OR_RETURN(by_kind, st.ListEvidence(code, kind, year));
    return OkStatus();
  }));
  // One list: every row tagged with its kind, paged like every list.
  OJson all = OJson::array();
  for (auto& [k, rows] : by_kind.items()) {
    for (auto& row : rows) {
      OJson item = {{"kind", k}};
      for (auto& [field, value] : row.items()) item[field] = value;
      all.push_back(std::move(item));
    }
  }
  if (!list.page.sort.empty()) {
    return InvalidArgument("evidence is listed in date order; sort is not supported here", "query.sort");
  }
  const int64_t total = static_cast<int64_t>(all.size());
  OJson items = OJson::array();
  for (int64_t i = list.page.offset; i < total && i < list.page.offset + list.page.limit; ++i) {
    items.push_back(std::move(all[static_cast<size_t>(i)]));
  }
  AnswerJson(res, ListJson(std::move(items), total, list.page));
  return OkStatus();
}

Status Server::Impl::UploadEvidence(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(const store::EvidenceKind kind, PathKind(req));
  const bool applicant = RoleOf(caller) == store::Role::kApplicant;
  if (applicant && kind == store::EvidenceKind::kEnterprises) {
    return Status(StatusCode::kPermissionDenied,
                  "the enterprise record (registration, tax, dishonesty record, tags) is imported by the data "
                  "bureau from official sources, not by the enterprise itself");
  }
  const std::string type = MediaType(req.get_header_value("Content-Type"));
  std::string ext;
  if (type == "text/csv") {
    ext = ".csv";
  } else if (type == "application/x-ndjson" || type == "application/jsonl" || type == "application/jsonlines") {
    ext = ".jsonl";
  } else {
    WriteError(UnsupportedMediaType("evidence is sent as text/csv or application/x-ndjson (JSON Lines), not '" +
                                    (type.empty() ? std::string("(none)") : type) + "'"),
               &res);
    return OkStatus();
  }
  // The import reads a file: the body goes to a private temporary folder.
  std::string dir_template = (std::filesystem::temp_directory_path() / "bursar-upload-XXXXXX").string();
  if (mkdtemp(dir_template.data()) == nullptr) return Status(StatusCode::kInternal, "cannot make a temporary folder");
  const std::filesystem::path dir = dir_template;
  const std::string file_name = std::string(store::EvidenceKindName(kind)) + "-upload" + ext;
  const std::filesystem::path path = dir / file_name;
  {
    std::ofstream out(path, std::ios::binary);
    out.write(req.body.data(), static_cast<std::streamsize>(req.body.size()));
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
      return Status(StatusCode::kInternal, "cannot write the upload to a temporary file");
    }
  }
  store::ImportOptions import_options;
  import_options.actor = Actor(caller);
  // Master data by two accounts: a change of a stored enterprise waits for
  // another account (GET /api/master-changes).
  import_options.hold_enterprise_changes = true;
  if (applicant) {
    import_options.only_credit_code = caller.who->account.credit_code;
    import_options.declared = true;  // D-G10: counted once an officer verifies it
  }
  import_options.figure = ProgrammeFigures();
  Result<store::ImportReport> report = Status(StatusCode::kInternal, "not run");
  Status locked = WithStore([&](store::Store& st) -> Status {
    report = st.Import(kind, path.string(), import_options);
    return OkStatus();
  });
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  BURSAR_RETURN_IF_ERROR(locked);
  if (!report.ok()) {
    std::string message = report.status().message();
    ReplaceAll(&message, path.string(), file_name);
    if (report.status().code() == StatusCode::kInvalidArgument) {
      // The file as a whole cannot be read (empty, a bad header).
      WriteError(BadRequest(message, "body"), &res);
      return OkStatus();
    }
    return Status(report.status().code(), message, report.status().field());
  }
  OJson rejected = OJson::array();
  for (const auto& r : report->rejected) {
    // `reason` is the message; `rule` and `params` name what it broke, as a
    // field error's reason does (docs/http-api.md, "Errors").
    OJson row = {{"line", r.line}, {"field", r.field.empty() ? OJson() : OJson(r.field)}, {"reason", r.reason}};
    if (!r.code.empty()) {
      row["rule"] = r.code;
      OJson params = OJson::object();
      for (const auto& [k, v] : r.params) params[k] = v;
      row["params"] = std::move(params);
    }
    rejected.push_back(std::move(row));
  }
  AnswerJson(res, OJson{{"kind", report->kind},
                        {"file_sha256", report->file_sha256},
                        {"rows", report->rows},
                        {"accepted", report->inserted + report->updated},
                        {"inserted", report->inserted},
                        {"updated", report->updated},
                        {"unchanged", report->unchanged},
                        {"held", report->held},
                        {"rejected", std::move(rejected)},
                        {"committed", report->committed},
                        {"audit_seq", report->audit_seq}});
  return OkStatus();
}

namespace {

// A change of an enterprise waiting for (or decided by) a second account.
OJson MasterChangeJson(const store::MasterChange& c) {
  auto text = [](const std::string& s) { return s.empty() ? OJson(nullptr) : OJson(s); };
  OJson fields = store::SplitCommas(c.fields);
  OJson tags = OJson::parse(c.tags, nullptr, false);  // stored as a JSON array
  if (!tags.is_array()) tags = OJson::array();
  return OJson{{"id", c.id},
               {"kind", c.kind},
               {"credit_code", c.credit_code},
               {"fields", std::move(fields)},
               {"proposed",
                {{"name", c.name},
                 {"registered_in_chaoyang", c.registered_in_chaoyang},
                 {"taxed_in_chaoyang", c.taxed_in_chaoyang},
                 {"independent_legal_person", c.independent_legal_person},
                 {"serious_dishonesty_record", c.serious_dishonesty_record},
                 {"tags", std::move(tags)}}},
               {"state", c.state},
               {"requested_by", c.requested_by},
               {"requested_at", c.requested_at},
               {"decided_by", text(c.decided_by)},
               {"decided_at", text(c.decided_at)},
               {"reason", text(c.reason)}};
}

}  // namespace

Status Server::Impl::MasterChanges(const httplib::Request& req, httplib::Response& res, const Caller&) {
  return AnswerChanges(req, res, &store::Store::MasterChanges, MasterChangeJson);
}

// {"approve": true} stores the change in the enterprise; {"approve": false,
// "reason"} rejects it. Never by the account that uploaded it (403).
Status Server::Impl::DecideMasterChange(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  return DecideChange(req, res, caller, "master-data change", "change the enterprise",
                      &store::Store::ApproveMasterChange, &store::Store::RejectMasterChange, MasterChangeJson);
}

// Figures of a programme run beside the store's own (`serve --also-policy`),
// read as its policy declares them.
store::FigureReader Server::Impl::ProgrammeFigures() const {
  return [this](std::string_view policy, int64_t year, std::string_view code, std::string_view name,
                std::string_view value, bool declared) -> Result<std::string> {
    auto it = published.find(std::string(policy));
    if (it == published.end() || it->first == programme_policy_id) {
      return Status(StatusCode::kNotFound, "no programme beside the store's own runs policy " + std::string(policy));
    }
    return it->second.engine->FigureValue(year, std::string(code), name, value, declared);
  };
}

Status Server::Impl::VerifyEvidence(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(const store::EvidenceKind kind, PathKind(req));
  BURSAR_ASSIGN_OR_RETURN(auto body, JsonObjectBody(req, res));
  if (!body) return OkStatus();
  if (!body->contains("rows")) return InvalidArgument("expected \"rows\": the keys of the rows verified", "rows");
  int64_t seq = 0;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(seq, st.VerifyEvidence(Actor(caller), kind, (*body)["rows"], ProgrammeFigures()));
    return OkStatus();
  }));
  AnswerJson(res, OJson{{"kind", store::EvidenceKindName(kind)},
                        {"verified", (*body)["rows"].size()},
                        {"audit_seq", seq}});
  return OkStatus();
}

Status Server::Impl::EvidenceSample(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(const store::EvidenceKind kind, PathKind(req));
  const std::string kind_name = store::EvidenceKindName(kind);
  const bool applicant = RoleOf(caller) == store::Role::kApplicant;
  if (applicant && (kind == store::EvidenceKind::kEnterprises || kind == store::EvidenceKind::kExports)) {
    return Status(StatusCode::kPermissionDenied,
                  std::string("the ") + store::EvidenceKindName(kind) +
                      " record is imported by the data bureau from official sources, not by the enterprise itself");
  }
  std::string format = "csv", code = applicant ? caller.who->account.credit_code : "";
  bool zh = false;  // ?lang=zh: Chinese headers and 是/否, 卖方/买方 (the import takes either)
  int64_t year = 0;
  for (const auto& [name, value] : QueryPairs(req.target)) {
    if (name == "format") {
      if (value != "csv" && value != "jsonl") return InvalidArgument("format is csv or jsonl, not '" + value + "'", "query.format");
      format = value;
    } else if (name == "enterprise") {
      code = value;
    } else if (name == "lang") {
      if (value != "zh" && value != "en") return InvalidArgument("lang is zh or en, not '" + value + "'", "query.lang");
      zh = value == "zh";
    } else if (name == "year") {
      ListParams one;
      one.filters["year"] = value;
      BURSAR_ASSIGN_OR_RETURN(year, QueryYear(one));
    } else {
      return InvalidArgument("unknown query parameter '" + name + "' (known: format, year, enterprise, lang)",
                             "query." + name);
    }
  }
  if (code.empty()) return InvalidArgument("name the enterprise: ?enterprise=CREDIT_CODE", "query.enterprise");
  std::vector<OJson> rows;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    // The current year by the server's calendar: the programme year an
    // applicant is filing for.
    if (year == 0) year = std::stoll(st.Today().substr(0, 4));
    BURSAR_RETURN_IF_ERROR(CheckEnterpriseVisible(st, caller, code));
    BURSAR_ASSIGN_OR_RETURN(auto e, st.FindEnterprise(code));
    OJson stored = OJson::array();
    if (kind == store::EvidenceKind::kFsInclusions) {
      BURSAR_ASSIGN_OR_RETURN(auto by_kind, st.ListEvidence(code, kind_name, year));
      stored = by_kind.value(kind_name, OJson::array());
    }
    rows = SampleRows(kind, *e, year, stored, applicant);
    return OkStatus();
  }));
  std::string body;
  if (format == "csv") {
    // A byte order mark, so that a spreadsheet opens the Chinese text as UTF-8.
    body = "\xEF\xBB\xBF";
    const std::vector<std::string> fields = store::EvidenceFieldNames(kind);
    for (size_t i = 0; i < fields.size(); ++i) {
      const std::string header = zh ? store::EvidenceFieldZh(kind, fields[i]) : "";
      body += (i ? "," : "") + (header.empty() ? fields[i] : header);
    }
    body += "\r\n";
    for (const OJson& row : rows) {
      for (size_t i = 0; i < fields.size(); ++i) {
        OJson cell = row.value(fields[i], OJson());
        if (zh && cell.is_boolean()) cell = store::EvidenceValueZh(cell.get<bool>() ? "true" : "false");
        if (zh && cell.is_string() && fields[i] == "side") cell = store::EvidenceValueZh(cell.get<std::string>());
        body += (i ? "," : "") + CsvCell(cell);
      }
      body += "\r\n";
    }
  } else {
    for (const OJson& row : rows) body += row.dump(-1, ' ', false) + "\n";
  }
  const std::string file_name = kind_name + "-sample-" + code + "-" + std::to_string(year) + "." + format;
  res.set_header("Content-Disposition", "attachment; filename=\"" + file_name + "\"");
  SetBody(res, std::move(body), format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8");
  return OkStatus();
}

}  // namespace bursar::server

