// A programme year of the store as batch columns, for a simulation: every
// stored enterprise's case of the year (facts from its evidence, history from
// its awards in force of earlier years, claims from the year's applications), read by the
// policy and appended to one CaseColumns. `bursar simulate --db` and POST
// /api/simulations both simulate these columns, so both simulate the same
// cases.
//
// Thread-safety: as the Store it reads; the result is owned by the caller.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "eval/batch.h"
#include "lang/checked_policy.h"
#include "store/store.h"

namespace bursar::simulation {

struct StoreYear {
  CaseColumns columns;
  // By row: the enterprise's name, "" in another programme's case (which
  // names its applicant by credit code only).
  std::vector<std::string> names;
  // Cases the policy refused (a stored claim it does not accept): not in the
  // columns. In credit-code order.
  struct Refusal {
    std::string credit_code;
    Status status;
  };
  std::vector<Refusal> refused;
};

// The cases of `year` of programme `programme` ("" the store's own, else the
// policy id of a programme run beside it), read by `policy`, the programme's.
// The store's own programme has a case of every stored enterprise; another
// programme only of those it has figures of the year or applications for (as
// its proposal run judges them). Claims come from the year's applications of
// the programme (Store::ClaimsOfYear: apply-free proposals carry none).
// REQUIRES: for another programme, the store's figure reader knows its policy.
Result<StoreYear> LoadStoreYear(store::Store& store, const CheckedPolicy& policy, int64_t year,
                                const std::string& programme);

}  // namespace bursar::simulation
