// The official documents of the programme (server/official_document.h): the
// decision letter (决定书), the public notice (公示) and the payment notice
// (拨付通知), each as HTML (A4 print stylesheet) or PDF (?format=pdf). The
// first time a document is produced it is issued: it takes its number from
// the store (store/documents.h), and every later copy carries the same number
// and date.
//
// What a document says comes from the store (the application, the decision as
// the engine gave it, payments) and from the policy (Chinese titles of the
// measures and items, the clause labels, notice_days); the office's settings
// (issuer, number patterns, objection contact, reconsideration body, court)
// from the store's document settings.
#include <map>

#include "eval/batch.h"
#include "lang/checked_policy.h"
#include "money/chinese.h"
#include "money/exact.h"
#include "server/official_document.h"
#include "server/server_impl.h"

namespace bursar::server {

namespace {

// 4200000.5 yuan as "4,200,000.50".
std::string Grouped(int64_t fen) { return GroupedMoney(FenToMoneyString(fen)); }

std::optional<int64_t> Fen(const OJson& money) {
  if (!money.is_string()) return std::nullopt;
  std::string why;
  return MoneyStringToFen(money.get<std::string>(), &why);
}

using Settings = std::map<std::string, std::string>;

Result<Settings> LoadSettings(store::Store& st) {
  BURSAR_ASSIGN_OR_RETURN(auto all, st.DocumentSettings());
  Settings out;
  for (const auto& s : all) out[s.key] = s.value;
  return out;
}

// The Chinese title of a measure ("第04项 支持数据要素流通交易") and of an item.
std::string MeasureZh(const CheckedPolicy& cp, const std::string& id) {
  const MeasureDecl* m = cp.FindMeasure(id);
  const std::string title = m ? (m->title_zh.empty() ? m->title : m->title_zh) : "";
  return "第" + id + "条" + (title.empty() ? "" : "“" + title + "”");
}

std::string ItemZh(const CheckedPolicy& cp, const std::string& measure, const std::string& item) {
  const MeasureDecl* m = cp.FindMeasure(measure);
  if (!m) return item;
  const int i = cp.FindItem(*m, item);
  if (i < 0) return item;
  const ItemDecl& d = m->items[static_cast<size_t>(i)];
  return d.title_zh.empty() ? d.title : d.title_zh;
}

std::string PolicyTitleZh(const CheckedPolicy& cp) {
  return cp.policy.title_zh.empty() ? cp.policy.title : cp.policy.title_zh;
}

// The legal basis of a line: "第[04.2]段，认定口径 D-04b".
// The line's reason in Chinese as the engine gave it (`why_zh`), then its
// legal basis by clause and reading.
std::string Basis(const OJson& line) {
  std::string out = line.value("why_zh", "");
  if (!out.empty()) out += "；";
  const std::string clause = line.value("clause", "");
  const std::string decision = line.value("decision", "");
  if (!clause.empty()) out += "依据《若干措施》" + clause;
  if (!decision.empty()) out += (clause.empty() ? "" : "，") + std::string("认定口径 ") + decision;
  return out;
}

// What happened to an award line between its computed amount and its final
// one, in Chinese: each reduction by its rule's label and amount.
std::string Adjustments(const OJson& line) {
  std::string out;
  const auto computed = Fen(line.value("computed", OJson()));
  const auto amount = Fen(line.value("amount", OJson()));
  if (computed && amount && *computed != *amount) out = "计算金额 " + Grouped(*computed) + " 元";
  if (line.contains("reductions") && line["reductions"].is_array()) {
    for (const auto& r : line["reductions"]) {
      const auto by = Fen(r.value("amount", OJson()));
      std::string rule = r.value("rule", "");
      const std::string why = r.value("why_zh", "");
      out += (out.empty() ? "" : "；") + std::string("依 ") + rule + " 调减" + (by ? " " + Grouped(*by) + " 元" : "") +
             (why.empty() ? "" : "（" + why + "）");
    }
  }
  return out;
}

// What a document calls the programme: the office's own name for the served
// policy's (the `programme` setting), the policy's title for one run beside it.
std::string ProgrammeName(const Settings& s, const std::string& stored_policy, const CheckedPolicy& cp) {
  if (!stored_policy.empty()) return "《" + PolicyTitleZh(cp) + "》";
  auto it = s.find("programme");
  return it == s.end() ? std::string() : it->second;
}

std::string Appeal(const Settings& s) {
  return "如对本决定不服，可以自收到本决定书之日起六十日内依法向" + s.at("reconsideration_body") +
         "申请行政复议，或者自收到本决定书之日起六个月内依法向" + s.at("court") + "提起行政诉讼。";
}

std::string NoticeRule(const CheckedPolicy& cp, int64_t year) {
  auto days = NoticeDays(cp, static_cast<int>(year));
  return days.ok() ? std::to_string(*days) : "7";
}

// The HTML or the PDF of `doc`, as the request's ?format= asks.
Status Answer(const httplib::Request& req, httplib::Response& res, const OfficialDocument& doc,
              const std::string& file) {
  std::string format = "html";
  for (const auto& [name, value] : req.params) {
    if (name != "format" && name != "year" && name != "until" && name != "policy") {
      return InvalidArgument("unknown query parameter '" + name + "' (known: format)", "query." + name);
    }
    if (name == "format") format = value;
  }
  if (format == "pdf") {
    BURSAR_ASSIGN_OR_RETURN(std::string pdf, DocumentPdf(doc));
    res.set_header("Content-Disposition", "attachment; filename=\"" + file + ".pdf\"");
    SetBody(res, std::move(pdf), "application/pdf");
    return OkStatus();
  }
  if (format != "html") return InvalidArgument("format is html or pdf, not '" + format + "'", "query.format");
  // The document's own stylesheet is inline; everything else stays denied.
  res.headers.erase("Content-Security-Policy");
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
                 "frame-ancestors 'none'");
  SetBody(res, DocumentHtml(doc), "text/html; charset=utf-8");
  return OkStatus();
}

}  // namespace

Status Server::Impl::DecisionLetter(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, "decision"));
  store::Decision d;
  store::ApplicationRow app;
  store::IssuedDocument issued;
  Settings settings;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    auto found = st.GetDecision(id);
    if (!found.ok()) return Status(found.status().code(), found.status().message(), "id");
    d = std::move(found).value();
    BURSAR_ASSIGN_OR_RETURN(app, st.GetApplicationRow(d.application_id));
    if (!CheckVisible(st, caller, app).ok()) {
      return Status(StatusCode::kNotFound, "no decision " + std::to_string(id), "id");
    }
    BURSAR_ASSIGN_OR_RETURN(settings, LoadSettings(st));
    BURSAR_ASSIGN_OR_RETURN(issued, st.IssueDocument(Actor(caller), store::DocumentKind::kDecision,
                                                     app.application.year, std::to_string(d.id)));
    return OkStatus();
  }));
  BURSAR_ASSIGN_OR_RETURN(const CheckedPolicy* of, PolicyOfApplication(app.application));
  const CheckedPolicy& cp = *of;
  const OJson output = OJson::parse(d.output_json, nullptr, false);
  const std::string& measure = app.application.measure;
  const std::string year = std::to_string(app.application.year);

  OfficialDocument doc;
  doc.issuer = settings["issuer"];
  doc.number = issued.number;
  doc.title = "关于" + app.enterprise_name + year + "年度" + ProgrammeName(settings, app.application.policy, cp) +
              "支持事项的决定";
  doc.addressee = app.enterprise_name + "（统一社会信用代码：" + app.application.credit_code + "）：";
  doc.body.push_back("你单位申报的" + year + "年度" + MeasureZh(cp, measure) + "支持事项（申请编号 " +
                     std::to_string(app.application.id) + "），经审核，依据《" + PolicyTitleZh(cp) +
                     "》及本局认定口径，现决定如下：");
  std::vector<std::string> refused;
  int64_t total = d.total_fen;
  if (output.is_object() && output.contains("awards") && output["awards"].is_array()) {
    int n = 0;
    for (const auto& a : output["awards"]) {
      if (a.value("measure", "") != measure) continue;
      if (!app.application.item.empty() && a.value("item", "") != app.application.item) continue;
      const auto fen = Fen(a.value("amount", OJson()));
      const std::string adjust = Adjustments(a);
      doc.table.rows.push_back({std::to_string(++n), ItemZh(cp, a.value("measure", ""), a.value("item", "")),
                                Basis(a) + (adjust.empty() ? "" : "；" + adjust), fen ? Grouped(*fen) : ""});
    }
  }
  if (output.is_object() && output.contains("not_awarded") && output["not_awarded"].is_array()) {
    for (const auto& a : output["not_awarded"]) {
      if (a.value("measure", "") != measure) continue;
      refused.push_back(ItemZh(cp, a.value("measure", ""), a.value("item", "")) + "（" + Basis(a) + "）");
    }
  }
  const bool eligible = output.is_object() && output.value("eligible", false);
  if (!doc.table.rows.empty()) {
    doc.body.push_back("一、给予你单位资金支持共计人民币" + CapitalYuan(total) + "（¥" + Grouped(total) +
                       "），明细如下：");
    doc.table.header = {"序号", "支持项目", "依据及核定情况", "金额（元）"};
    doc.table.widths = {0.08, 0.30, 0.42, 0.20};
    doc.table.right_aligned = {false, false, false, true};
    doc.table.footer = {"", "合计（大写：人民币" + CapitalYuan(total) + "）", "", Grouped(total)};
  } else {
    doc.body.push_back(std::string("一、") + (eligible ? "经审核，你单位本次申报事项不符合支持条件，不予支持。"
                                                       : "经审核，你单位不符合《若干措施》规定的基本条件，不予支持。"));
  }
  int section = 2;
  auto numbered = [&](const std::string& text) {
    static const char* kNumbers[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九"};
    doc.after.push_back(std::string(kNumbers[std::min(section, 9) - 1]) + "、" + text);
    ++section;
  };
  if (!refused.empty()) {
    std::string list;
    for (const auto& r : refused) list += (list.empty() ? "" : "；") + r;
    numbered("下列事项经审核不予支持：" + list + "。");
  }
  if (!app.application.notice_until.empty()) {
    numbered("本决定事项已按规定进行公示，公示期至" + ChineseDate(app.application.notice_until) +
             "。对公示内容有异议的，可在公示期内向" + settings["objection_contact"] + "提出。");
  } else {
    numbered("本决定事项将按规定公示" + NoticeRule(cp, app.application.year) +
             "日，公示期内无异议或异议不成立的，予以确认。对公示内容有异议的，可在公示期内向" +
             settings["objection_contact"] + "提出。");
  }
  numbered(Appeal(settings));
  doc.date = ChineseDate(issued.issued_on);
  doc.notes.push_back("决定编号 " + std::to_string(d.id) + "；政策 " + cp.policy.id + " " + cp.policy.version +
                      "，摘要 " + d.policy_digest + "。本决定依据的数据和计算过程可逐字节复核。");
  if (!d.in_force) doc.notes.push_back("本决定已撤销，不再有效。");
  return Answer(req, res, doc, "decision-" + std::to_string(d.id));
}

Status Server::Impl::Office(const httplib::Request&, httplib::Response& res, const Caller&) {
  Settings settings;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(settings, LoadSettings(st));
    return OkStatus();
  }));
  OJson out{{"issuer", settings["issuer"]},
            {"programme", settings["programme"]},
            {"objection_contact", settings["objection_contact"]},
            {"guide", OJson{{"window", settings["guide.window"]}, {"contact", settings["guide.contact"]}}}};
  res.set_content(out.dump(), kJson);
  return OkStatus();
}

Status Server::Impl::NoticeDocument(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  int64_t year = 0;
  std::string until;
  for (const auto& [name, value] : req.params) {
    if (name == "year") {
      if (value.size() != 4 || value.find_first_not_of("0123456789") != std::string::npos) {
        return InvalidArgument("expected a year such as 2025", "query.year");
      }
      year = std::stoll(value);
    } else if (name == "until") {
      until = value;
    }
  }
  if (year == 0) return InvalidArgument("the notice of which year: ?year=2025", "query.year");
  // One programme's notice: the served one's unless ?policy= names another.
  BURSAR_ASSIGN_OR_RETURN(const std::string programme, QueryProgramme(req));
  const CheckedPolicy& cp = EngineOf(programme)->policy();
  std::vector<store::NoticeRecord> rows;
  store::IssuedDocument issued;
  Settings settings;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(std::vector<store::NoticeRecord> all, AllNotices(st, year, programme));
    // One notice per publication: the applications whose notice ends on the
    // same day were published together. Without ?until=, the latest.
    if (until.empty()) {
      for (const auto& n : all) until = std::max(until, n.notice_until);
    }
    for (auto& n : all) {
      if (n.notice_until == until) rows.push_back(std::move(n));
    }
    if (rows.empty()) {
      return Status(StatusCode::kNotFound, "no application of " + std::to_string(year) + " is in public notice" +
                                               (until.empty() ? "" : " until " + until),
                    "query.until");
    }
    BURSAR_ASSIGN_OR_RETURN(settings, LoadSettings(st));
    const std::string actor = caller.who ? Actor(caller) : "public";
    BURSAR_ASSIGN_OR_RETURN(issued, st.IssueDocument(actor, store::DocumentKind::kNotice, year,
                                                     std::to_string(year) + "/" + until));
    return OkStatus();
  }));
  const std::string days = NoticeRule(cp, year);
  const std::string from = store::AddDays(until, 1 - std::stoll(days));
  OfficialDocument doc;
  doc.issuer = settings["issuer"];
  doc.number = issued.number;
  doc.title = "关于" + std::to_string(year) + "年度" + ProgrammeName(settings, programme, cp) + "拟支持项目的公示";
  doc.body.push_back("根据《" + PolicyTitleZh(cp) + "》，经企业申报（或免申即享）、审核和评审，" + std::to_string(year) +
                     "年度拟支持以下" + std::to_string(rows.size()) + "个项目，现予以公示。");
  doc.body.push_back("公示期：" + ChineseDate(from) + "至" + ChineseDate(until) + "（" + days + "个自然日）。");
  int64_t total = 0;
  int n = 0;
  for (const auto& r : rows) {
    total += r.total_fen;
    doc.table.rows.push_back({std::to_string(++n), r.enterprise_name, r.credit_code,
                              MeasureZh(cp, r.measure) + (r.item.empty() ? "" : " " + ItemZh(cp, r.measure, r.item)),
                              Grouped(r.total_fen)});
  }
  doc.table.header = {"序号", "企业名称", "统一社会信用代码", "支持措施", "拟支持金额（元）"};
  doc.table.widths = {0.07, 0.27, 0.22, 0.26, 0.18};
  doc.table.right_aligned = {false, false, false, false, true};
  doc.table.footer = {"", "合计", "", "大写：人民币" + CapitalYuan(total), Grouped(total)};
  doc.after.push_back("公示期内，任何单位或个人对上述项目有异议的，可以书面形式向" + settings["objection_contact"] +
                      "提出，并说明理由、提供必要的证明材料；以单位名义提出的应加盖公章，以个人名义提出的应署真实姓名和联系方式。");
  doc.after.push_back("公示期满无异议或异议不成立的，按程序拨付资金。");
  doc.date = ChineseDate(issued.issued_on);
  return Answer(req, res, doc, "notice-" + std::to_string(year) + "-" + until);
}

Status Server::Impl::PaymentNotice(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  BURSAR_ASSIGN_OR_RETURN(int64_t id, PathId(req, 1, "application"));
  BURSAR_ASSIGN_OR_RETURN(int64_t instalment, PathId(req, 2, "instalment"));
  store::ApplicationRow app;
  store::Payment payment;
  int64_t paid_before = 0, decided = 0;
  store::IssuedDocument issued;
  Settings settings;
  BURSAR_RETURN_IF_STORE_ERROR(WithStore([&](store::Store& st) -> Status {
    auto row = st.GetApplicationRow(id);
    if (!row.ok()) return Status(StatusCode::kNotFound, "no application " + std::to_string(id), "id");
    app = std::move(row).value();
    BURSAR_RETURN_IF_ERROR(CheckVisible(st, caller, app));
    BURSAR_ASSIGN_OR_RETURN(auto payments, st.Payments(id));
    bool found = false;
    for (const auto& p : payments) {
      if (p.instalment == instalment) {
        payment = p;
        found = true;
      } else if (p.instalment < instalment) {
        paid_before += p.amount_fen;
      }
    }
    if (!found) {
      return Status(StatusCode::kNotFound,
                    "application " + std::to_string(id) + " has no payment " + std::to_string(instalment), "instalment");
    }
    BURSAR_ASSIGN_OR_RETURN(auto d, st.DecisionInForce(id));
    if (d) decided = d->total_fen;
    BURSAR_ASSIGN_OR_RETURN(settings, LoadSettings(st));
    BURSAR_ASSIGN_OR_RETURN(issued, st.IssueDocument(Actor(caller), store::DocumentKind::kPayment,
                                                     app.application.year,
                                                     std::to_string(id) + "/" + std::to_string(instalment)));
    return OkStatus();
  }));
  BURSAR_ASSIGN_OR_RETURN(const CheckedPolicy* of, PolicyOfApplication(app.application));
  const CheckedPolicy& cp = *of;
  const std::string year = std::to_string(app.application.year);
  OfficialDocument doc;
  doc.issuer = settings["issuer"];
  doc.number = issued.number;
  doc.title = "关于拨付" + app.enterprise_name + year + "年度" + ProgrammeName(settings, app.application.policy, cp) +
              "的通知";
  doc.addressee = app.enterprise_name + "（统一社会信用代码：" + app.application.credit_code + "）：";
  doc.body.push_back("根据《" + PolicyTitleZh(cp) + "》及你单位" + year + "年度" + MeasureZh(cp, app.application.measure) +
                     "支持事项的决定（申请编号 " + std::to_string(id) + "），现拨付第" + std::to_string(instalment) +
                     "笔资金人民币" + CapitalYuan(payment.amount_fen) + "（¥" + Grouped(payment.amount_fen) + "）。");
  doc.table.header = {"项目", "金额（元）"};
  doc.table.widths = {0.6, 0.4};
  doc.table.right_aligned = {false, true};
  doc.table.rows.push_back({"决定支持金额", Grouped(decided)});
  doc.table.rows.push_back({"此前已拨付", Grouped(paid_before)});
  doc.table.rows.push_back({"本次拨付（第" + std::to_string(instalment) + "笔）", Grouped(payment.amount_fen)});
  doc.table.rows.push_back({"拨付日期", ChineseDate(payment.paid_on)});
  doc.table.rows.push_back({"支付凭证号", payment.reference});
  doc.after.push_back("本次拨付金额大写：人民币" + CapitalYuan(payment.amount_fen) + "。");
  if (decided > paid_before + payment.amount_fen) {
    doc.after.push_back("累计拨付低于决定支持金额的，差额按年度预算执行情况另行拨付；当年核定总额超过预算时，按"
                        "《若干措施》认定口径 D-G6 同比例核减后拨付。");
  }
  doc.after.push_back("请你单位按规定使用资金，接受财政、审计等部门的监督检查。以虚报、冒领等手段骗取资金的，将依法追回。");
  doc.after.push_back(Appeal(settings));
  doc.date = ChineseDate(issued.issued_on);
  return Answer(req, res, doc, "payment-" + std::to_string(id) + "-" + std::to_string(instalment));
}

}  // namespace bursar::server
