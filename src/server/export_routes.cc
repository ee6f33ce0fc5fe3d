// Exports: the public notice (公示) and the payments as CSV and as Excel
// workbooks (libxlsxwriter from Debian). The decision letter and the other
// official documents are in document_routes.cc.
//
// CSV is RFC 4180 with a UTF-8 byte order mark (so spreadsheet programs read
// the Chinese names), money as exact decimal strings; a text cell that a
// spreadsheet would run as a formula (= + - @ at its start) is prefixed with
// an apostrophe. In the workbook, money is a number formatted #,##0.00 whose
// stored digits are the exact amount (ExactMoneyCell), as in the CSV.
#include <xlsxwriter.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/text.h"
#include "lang/checked_policy.h"
#include "money/exact.h"
#include "server/server_impl.h"

namespace bursar::server {

namespace {


// One table to export: a header and rows of cells; money cells hold fen.
// Headers are Chinese (issue 15), or the English field names with ?lang=en
// for programs that read the file.
struct Cell {
  std::string text;
  std::optional<int64_t> fen;  // a money cell
  std::optional<int64_t> number;
  bool date = false;  // text is YYYY-MM-DD: a date cell in the workbook
};
struct Table {
  std::string sheet;
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
  std::vector<Cell> footer;  // the totals row; empty for none
};

Cell Text(std::string s) { return Cell{std::move(s), std::nullopt, std::nullopt}; }
Cell MoneyCell(int64_t fen) { return Cell{FenToMoneyString(fen), fen, std::nullopt}; }
Cell Number(int64_t n) { return Cell{std::to_string(n), std::nullopt, n}; }
Cell DateCell(std::string iso) {
  Cell c = Text(std::move(iso));
  c.date = c.text.size() == 10;
  return c;
}

// Chinese or English column headers: {zh, en} pairs.
std::vector<std::string> Headers(std::initializer_list<std::pair<const char*, const char*>> names, bool english) {
  std::vector<std::string> out;
  for (const auto& [zh, en] : names) out.emplace_back(english ? en : zh);
  return out;
}

// "04 支持数据要素流通交易": the measure with its Chinese title from the policy.
std::string MeasureName(const CheckedPolicy& cp, const std::string& id, bool english) {
  const MeasureDecl* m = cp.FindMeasure(id);
  if (!m) return id;
  const std::string& title = english || m->title_zh.empty() ? m->title : m->title_zh;
  return title.empty() ? id : id + " " + title;
}

std::string ItemName(const CheckedPolicy& cp, const std::string& measure, const std::string& item, bool english) {
  const MeasureDecl* m = cp.FindMeasure(measure);
  const int i = m ? cp.FindItem(*m, item) : -1;
  if (i < 0) return item;
  const ItemDecl& d = m->items[static_cast<size_t>(i)];
  return english || d.title_zh.empty() ? item : d.title_zh;
}

std::string CsvField(const Cell& c) {
  // Amounts and counts are numbers; every other cell is text a user may
  // have written (an enterprise's name), so it never starts a formula.
  const std::string s = c.fen || c.number ? c.text : NeutraliseFormula(c.text);
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string ToCsv(const Table& t) {
  std::string out = "\xEF\xBB\xBF";
  for (size_t i = 0; i < t.header.size(); ++i) out += (i ? "," : "") + CsvField(Text(t.header[i]));
  out += "\r\n";
  for (const auto& row : t.rows) {
    for (size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + CsvField(row[i]);
    out += "\r\n";
  }
  if (!t.footer.empty()) {
    for (size_t i = 0; i < t.footer.size(); ++i) out += (i ? "," : "") + CsvField(t.footer[i]);
    out += "\r\n";
  }
  return out;
}

// The digits libxlsxwriter stores for a number: its lxw_sprintf_dbl is
// "%.16G" (utility.h, without USE_DTOA_LIBRARY, as Debian builds it).
std::string StoredDigits(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.16G", v);
  return buf;
}

// An amount as a number would print it: "4200000.50" → "4200000.5", "12.00" → "12".
std::string PlainDecimal(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// A money cell whose stored text is the exact amount. The double nearest the
// amount, printed to 16 significant digits, gives the amount back below about
// 5.4e8 yuan (2^29); above, in some bands, it may print ...4299999 for ...43. Such
// an amount is written as a constant formula (=927234532.43) instead: the
// workbook holds the exact digits and the spreadsheet computes the number from
// them (the cached value beside it is the 16-digit one).
void ExactMoneyCell(lxw_worksheet* sheet, lxw_row_t row, lxw_col_t col, int64_t fen, lxw_format* money) {
  const double value = static_cast<double>(fen) / 100.0;  // the double nearest the amount
  const std::string exact = PlainDecimal(FenToMoneyString(fen));
  if (StoredDigits(value) == exact) {
    worksheet_write_number(sheet, row, col, value, money);
  } else {
    worksheet_write_formula_num(sheet, row, col, ("=" + exact).c_str(), money, value);
  }
}

Result<std::string> ToXlsx(const Table& t) {
  std::string dir = (std::filesystem::temp_directory_path() / "bursar-xlsx-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) return Status(StatusCode::kInternal, "cannot make a temporary folder");
  const std::string path = dir + "/export.xlsx";
  lxw_workbook_options options = {};
  options.constant_memory = LXW_TRUE;
  options.tmpdir = dir.data();
  lxw_workbook* book = workbook_new_opt(path.c_str(), &options);
  if (book == nullptr) {
    std::filesystem::remove_all(dir);
    return Status(StatusCode::kInternal, "cannot start a workbook");
  }
  lxw_worksheet* sheet = workbook_add_worksheet(book, t.sheet.c_str());
  lxw_format* bold = workbook_add_format(book);
  format_set_bold(bold);
  lxw_format* money = workbook_add_format(book);
  format_set_num_format(money, "#,##0.00");
  lxw_format* date = workbook_add_format(book);
  format_set_num_format(date, "yyyy-mm-dd");
  lxw_format* bold_money = workbook_add_format(book);
  format_set_bold(bold_money);
  format_set_num_format(bold_money, "#,##0.00");
  for (size_t c = 0; c < t.header.size(); ++c) {
    worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), t.header[c].c_str(), bold);
  }
  auto write = [&](lxw_row_t row, const std::vector<Cell>& cells, bool total) {
    for (size_t c = 0; c < cells.size(); ++c) {
      const Cell& cell = cells[c];
      const auto col = static_cast<lxw_col_t>(c);
      if (cell.fen) {
        ExactMoneyCell(sheet, row, col, *cell.fen, total ? bold_money : money);
      } else if (cell.number) {
        worksheet_write_number(sheet, row, col, static_cast<double>(*cell.number), total ? bold : nullptr);
      } else if (cell.date) {
        lxw_datetime when = {};
        when.year = std::atoi(cell.text.substr(0, 4).c_str());
        when.month = std::atoi(cell.text.substr(5, 2).c_str());
        when.day = std::atoi(cell.text.substr(8, 2).c_str());
        worksheet_write_datetime(sheet, row, col, &when, date);
      } else if (!cell.text.empty()) {
        // A string cell is not evaluated in the workbook, but it becomes a
        // formula again when the sheet is saved as CSV or the cell is
        // edited: neutralised as in the CSV (A8).
        worksheet_write_string(sheet, row, col, NeutraliseFormula(cell.text).c_str(), total ? bold : nullptr);
      }
    }
  };
  for (size_t r = 0; r < t.rows.size(); ++r) write(static_cast<lxw_row_t>(r + 1), t.rows[r], false);
  if (!t.footer.empty()) write(static_cast<lxw_row_t>(t.rows.size() + 1), t.footer, true);
  worksheet_set_column(sheet, 0, static_cast<lxw_col_t>(t.header.size() - 1), 18, nullptr);
  const lxw_error closed = workbook_close(book);
  std::string bytes;
  if (closed == LXW_NO_ERROR) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    bytes = s.str();
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  if (closed != LXW_NO_ERROR || bytes.empty()) {
    return Status(StatusCode::kInternal, std::string("cannot write the workbook: ") + lxw_strerror(closed));
  }
  return bytes;
}

void Attachment(httplib::Response& res, const std::string& name) {
  res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
}

}  // namespace

namespace {

// Which programme's rows an export holds (?policy=ID; nullopt: every
// programme's), and the policy of a row's programme for its measure and item
// names (nullptr for one this server does not run: the numbers stand).
struct ExportScope {
  std::optional<std::string> programme;
  std::function<const CheckedPolicy*(const std::string& stored_policy)> policy_of;
};

Cell MeasureCell(const CheckedPolicy* cp, const std::string& measure, bool en) {
  return Text(en || cp == nullptr ? measure : MeasureName(*cp, measure, en));
}

Result<Table> NoticeTable(store::Store& st, int64_t year, const ExportScope& scope, bool en) {
  Table t{en ? "notice" : "公示名单",
          Headers({{"申请编号", "application_id"},
                   {"统一社会信用代码", "credit_code"},
                   {"企业名称", "enterprise_name"},
                   {"年度", "year"},
                   {"支持措施", "measure"},
                   {"支持项目", "item"},
                   {"拟支持金额（元）", "total"},
                   {"公示截止日期", "notice_until"}},
                  en),
          {},
          {}};
  BURSAR_ASSIGN_OR_RETURN(std::vector<store::NoticeRecord> notices, AllNotices(st, year, scope.programme));
  int64_t total = 0;
  for (const auto& n : notices) {
    const CheckedPolicy* cp = scope.policy_of(n.policy);
    t.rows.push_back({Number(n.application_id), Text(n.credit_code), Text(n.enterprise_name), Number(n.year),
                      MeasureCell(cp, n.measure, en),
                      Text(n.item.empty() ? "" : cp == nullptr ? n.item : ItemName(*cp, n.measure, n.item, en)),
                      MoneyCell(n.total_fen), DateCell(n.notice_until)});
    if (__builtin_add_overflow(total, n.total_fen, &total)) return Status(StatusCode::kOutOfRange, "the total overflows");
  }
  t.footer = {Text(en ? "total" : "合计"), Text(""), Text((en ? "" : "共 ") + std::to_string(t.rows.size()) + (en ? " rows" : " 项")),
              Text(""), Text(""), Text(""), MoneyCell(total), Text("")};
  return t;
}

Result<Table> PaymentTable(store::Store& st, int64_t year, const ExportScope& scope, bool en) {
  Table t{en ? "payments" : "拨付明细",
          Headers({{"申请编号", "application_id"},
                   {"统一社会信用代码", "credit_code"},
                   {"企业名称", "enterprise_name"},
                   {"年度", "year"},
                   {"支持措施", "measure"},
                   {"拨付批次", "instalment"},
                   {"拨付金额（元）", "amount"},
                   {"拨付日期", "paid_on"},
                   {"支付凭证号", "reference"}},
                  en),
          {},
          {}};
  store::PaymentQuery q;
  q.year = year;
  q.policy = scope.programme;
  q.page.limit = 500;
  int64_t total = 0;
  while (true) {
    BURSAR_ASSIGN_OR_RETURN(auto page, st.ListPayments(q));
    for (const auto& p : page.items) {
      t.rows.push_back({Number(p.application_id), Text(p.credit_code), Text(p.enterprise_name), Number(p.year),
                        MeasureCell(scope.policy_of(p.policy), p.measure, en), Number(p.payment.instalment),
                        MoneyCell(p.payment.amount_fen), DateCell(p.payment.paid_on), Text(p.payment.reference)});
      if (__builtin_add_overflow(total, p.payment.amount_fen, &total)) {
        return Status(StatusCode::kOutOfRange, "the total overflows");
      }
    }
    q.page.offset += q.page.limit;
    if (q.page.offset >= page.total || page.items.empty()) break;
  }
  t.footer = {Text(en ? "total" : "合计"), Text(""), Text((en ? "" : "共 ") + std::to_string(t.rows.size()) + (en ? " rows" : " 笔")),
              Text(""), Text(""), Text(""), MoneyCell(total), Text(""), Text("")};
  return t;
}

// One export: the year's table (`make`) as CSV or as a workbook, named
// `name[-year].csv|.xlsx`.
// (A template so that it need not name Server::Impl, a private type.)
template <typename Impl>
Status ExportTable(Impl& server, const httplib::Request& req, httplib::Response& res, const std::string& name,
                   Result<Table> (*make)(store::Store&, int64_t, const ExportScope&, bool), bool xlsx) {
  BURSAR_ASSIGN_OR_RETURN(auto list, Impl::ParseList(req, {"year", "lang", "policy"}, /*paged=*/false));
  BURSAR_ASSIGN_OR_RETURN(int64_t year, Impl::QueryYear(list));
  const std::string lang = list.filters.count("lang") ? list.filters.at("lang") : "zh";
  if (lang != "zh" && lang != "en") return InvalidArgument("lang is zh or en, not '" + lang + "'", "query.lang");
  ExportScope scope;
  BURSAR_ASSIGN_OR_RETURN(scope.programme, server.ListProgramme(req, list));
  scope.policy_of = [&server](const std::string& stored) -> const CheckedPolicy* {
    const Engine* e = server.EngineOf(stored);
    return e == nullptr ? nullptr : &e->policy();
  };
  Table t;
  BURSAR_RETURN_IF_STORE_ERROR(server.WithStore([&](store::Store& st) -> Status {
    BURSAR_ASSIGN_OR_RETURN(t, make(st, year, scope, lang == "en"));
    return OkStatus();
  }));
  const std::string file = name + (year ? "-" + std::to_string(year) : std::string());
  if (!xlsx) {
    Attachment(res, file + ".csv");
    SetBody(res, ToCsv(t), "text/csv; charset=utf-8");
    return OkStatus();
  }
  BURSAR_ASSIGN_OR_RETURN(std::string bytes, ToXlsx(t));
  Attachment(res, file + ".xlsx");
  SetBody(res, std::move(bytes), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  return OkStatus();
}

}  // namespace

Status Server::Impl::NoticesCsv(const httplib::Request& req, httplib::Response& res, const Caller&) {
  return ExportTable(*this, req, res, "notice", NoticeTable, false);
}

Status Server::Impl::NoticesXlsx(const httplib::Request& req, httplib::Response& res, const Caller&) {
  return ExportTable(*this, req, res, "notice", NoticeTable, true);
}

Status Server::Impl::PaymentsCsv(const httplib::Request& req, httplib::Response& res, const Caller&) {
  return ExportTable(*this, req, res, "payments", PaymentTable, false);
}

Status Server::Impl::PaymentsXlsx(const httplib::Request& req, httplib::Response& res, const Caller&) {
  return ExportTable(*this, req, res, "payments", PaymentTable, true);
}

}  // namespace bursar::server
