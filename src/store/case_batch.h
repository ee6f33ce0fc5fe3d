// Store::CaseBatch: the cases of one year for many enterprises, read at once
// (facts.cc). Internal to the store: `bursar propose` (Store::BuildCases),
// the decision run (Store::DecideRun) and BuildCase (a batch of one) build
// their cases with it, so there is one way a case is made.
//
// Load() reads, for all the enterprises given, their records, the figures of
// their facts (one aggregate query per kind of evidence) and their ledgers
// (one query); Case() builds one enterprise's case from them. A decision
// changes its enterprise's ledger: Forget() drops it, and the next Case() of
// that enterprise reads it again, inside the same transaction.
//
// Thread-safety: as Store.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/store.h"

namespace bursar::store {

// The figures behind the CASES.md facts of one enterprise and year; FactsOf
// turns them into the `facts` object.
struct Store::FactFigures {
  int64_t listed = 0;        // listings that count, to the year's end
  int64_t certificates = 0;  // certificates that count, to the year's end
  int64_t fs_rows = 0;       // inclusions recorded for the year and the years before
  bool fs_row = false;       // one is of the year
  bool fs_row_first = false; // and it says first time
  int64_t fs_amount = 0;     // its amount
  int64_t trading = 0;       // the year's trades that count, in fen
  int64_t filed = 0;         // the year's filings, in fen
  std::string first_clearance;  // the enterprise's earliest clearance date; "" none to the year's end
  std::string export_route;     // the route of the year's first clearance; "" none
  bool in_operation = false;

  // D-04a: first time only when no earlier year has an inclusion.
  bool fs_first() const { return fs_row && fs_row_first && fs_rows == 1; }
};

class Store::CaseBatch {
 public:
  // `memo`: D-G6 scaling per year, or null for the batch's own.
  // `with_declared`: facts count the declared rows awaiting verification
  // too (an estimate of what the declarations would give; never a decision).
  // `policy`: the programme ("" the store's own, whose facts come from the
  // evidence; another's from its figures: Store::BuildCase).
  CaseBatch(Store& store, Database& db, int64_t year, ScalingMemo* memo, bool with_declared = false,
            std::string policy = "");

  ~CaseBatch();

  // REQUIRES: `codes` sorted, without repeats.
  Status Load(const std::vector<std::string>& codes);
  // Load in two halves: Send sends the reads of `codes` and Receive reads
  // them in. On PostgreSQL the server runs them meanwhile, while the caller
  // builds the cases of another batch (BuildCases); SQLite reads them at
  // Send. Any other use of the connection in between reads them first, and
  // a failure of theirs is then that use's. REQUIRES: as Load; one Send
  // before each Receive.
  Status Send(const std::vector<std::string>& codes);
  Status Receive();
  // The case of `code` with `claims`, its history as History gives it for
  // application `deciding`. NotFound when `code` is not a stored enterprise.
  Result<nlohmann::ordered_json> Case(const std::string& code, const nlohmann::json& claims, int64_t deciding);
  void Forget(const std::string& code) { ledgers_.erase(code); }

 private:
  struct Sent;
  Status LoadLedgers(const std::vector<std::string>& codes);
  // Another programme's stored figures, as Send reads them.
  Status AddNamedFigures(const std::vector<Row>& rows);
  // Another programme's case: the figures of the year and the years before.
  Result<nlohmann::ordered_json> FiguresCase(const std::string& code, const nlohmann::json& claims, int64_t deciding);

  Store& store_;
  Database& db_;
  int64_t year_;
  ScalingMemo* memo_;
  bool with_declared_;
  std::string policy_;
  std::map<std::string, Row> enterprises_;
  // Another programme's figures: by enterprise, by year, (name, JSON text).
  std::map<std::string, std::map<int64_t, std::vector<std::pair<std::string, std::string>>>> named_;
  std::map<std::string, FactFigures> figures_;
  std::map<std::string, std::vector<LedgerLine>> ledgers_;
  std::unique_ptr<Sent> sent_;  // reads sent and not yet received
};

}  // namespace bursar::store
