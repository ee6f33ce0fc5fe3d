// Read-side queries of the store for the HTTP API (queries.cc): lists with
// filters, sorting and paging, and the single rows the API answers with.
//
// Sorting is over a fixed list of fields per list; an unknown sort field or
// filter value is InvalidArgument naming "query.<parameter>". Ties are broken
// by the natural key, so pages never overlap.
//
// Thread-safety: as Store (one connection, one thread at a time).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/applications.h"

namespace bursar::store {

struct PageRequest {
  int64_t limit = 50;  // 1..500
  int64_t offset = 0;  // >= 0
  std::string sort;    // "field" or "-field"; "" for the list's default order
  // Keyset paging, the application list only: the `next` of an earlier page
  // of the list in the same sort; the page starts right after that page's last
  // row, however many rows were added or removed before it since, in the
  // time of a page of the index instead of offset + limit rows. "" none.
  // REQUIRES offset == 0 when set.
  std::string after;
};

template <typename T>
struct Page {
  std::vector<T> items;
  int64_t total = 0;  // matching rows, all pages
  // Lists with keyset paging: the `after` of the page that follows this one
  // (an opaque token), "" when this page is the last or the sort has none.
  std::string next;
};

// An application as lists show it.
struct ApplicationRow {
  Application application;
  int64_t version = 1;  // bumped on every change of the application or its reviews,
                        // decisions, objections, payments, recoveries (migration 4)
  std::string enterprise_name;
  std::optional<int64_t> total_fen;  // of the decision in force
};

struct ApplicationQuery {
  std::string state;        // "" any
  int64_t year = 0;         // 0 any
  std::string measure;      // "" any
  std::string credit_code;  // "" any
  // nullopt any programme; else only this one's ("" the store's own,
  // Application::policy)
  std::optional<std::string> policy;
  std::string reviewer;     // "" any; else assigned to this reviewer (any review state)
  std::string review;       // with reviewer: "" any, else that reviewer's review is in this state
                            // (assigned: still to submit; submitted; excluded)
  PageRequest page;         // sort: id, year, measure, state, credit_code, created_at, updated_at, total,
                            // version; page.after with every sort but total
};

struct EnterpriseRecord {
  std::string credit_code;
  std::string name;
  bool registered_in_chaoyang = false;
  bool taxed_in_chaoyang = false;
  bool independent_legal_person = false;
  bool serious_dishonesty_record = false;
  std::string tags;  // JSON array text as stored
};

struct EnterpriseQuery {
  std::string q;              // substring of the name or credit code, "" any
  std::string credit_code;    // "" any; else only this one (applicants)
  std::string reviewer;       // "" any; else enterprises of applications assigned to this reviewer
  PageRequest page;           // sort: credit_code, name
};

struct ObjectionRecord {
  int64_t id = 0;
  int64_t application_id = 0;
  std::string filed_by, reason, filed_at, state, resolution, resolved_at;
  std::string policy;  // the application's programme (Application::policy)
};

// The audit log filtered, newest first (GET /api/audit). Each filter "" or 0
// for any.
struct AuditQuery {
  std::string actor;           // the account, exactly
  std::string op;              // the change's "op" ("attachment.add"), or a family ending in "." ("attachment.")
  int64_t application_id = 0;  // the change names it: "application", or among "applications"
  std::string at_from;         // UTC store time, inclusive
  std::string at_before;       // UTC store time, exclusive
  int64_t limit = 50;          // 1..500
  int64_t offset = 0;
};

struct ObjectionQuery {
  std::string state;  // "" any; open, resolved (upheld or dismissed), upheld, dismissed
  int64_t application_id = 0;  // 0 any
  std::optional<std::string> policy;  // nullopt any programme; else its applications' only
  PageRequest page;            // sort: id, filed_at, state
};

struct PaymentRecord {
  int64_t application_id = 0;
  std::string credit_code, enterprise_name, measure;
  int64_t year = 0;
  Payment payment;
  std::string policy;  // the application's programme
};

struct PaymentQuery {
  int64_t year = 0;         // 0 any
  std::string credit_code;  // "" any
  std::optional<std::string> policy;  // nullopt any programme; else its applications' only
  PageRequest page;         // sort: paid_on, amount, application_id
};

struct NoticeRecord {
  int64_t application_id = 0;
  std::string credit_code, enterprise_name, measure, item, notice_until;
  int64_t year = 0;
  int64_t total_fen = 0;
  std::string policy;  // the application's programme
};

struct NoticeQuery {
  int64_t year = 0;  // 0 any
  std::optional<std::string> policy;  // nullopt any programme; else its applications' only
  PageRequest page;  // sort: id, notice_until, total, credit_code
};

// Which declarations Store::DeclaredOfficialRows reads. A trade is evidence
// of the store's own programme (a programme beside it is decided from its
// figures), so a query of another programme reads no trade.
struct DeclaredQuery {
  int64_t year = 0;  // 0 any; else a figure's year, a trade's date's
  std::optional<std::string> policy;  // nullopt any programme; else as the store names it ("" the own)
};

}  // namespace bursar::store
