// `bursar simulate --db`: a programme year's cases from the store
// (simulation/store_year.h). cmd_simulate.cc is in both programs, but the
// store's libraries are linked into bursar-full only (CMakeLists.txt), so it
// reaches the store through this hook: simulate_store.cc, in bursar-full
// alone, sets it at start-up. In the static `bursar` it stays null, and
// `simulate --db` is handed to bursar-full (kRunInFullProgram).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "cli/programmes.h"
#include "simulation/store_year.h"

namespace bursar::cli {

// Opens the store at `db` and builds the cases of `year` of `programme` (""
// the store's own, else a policy id of `programmes`), read by its policy.
using StoreYearLoader = Result<simulation::StoreYear> (*)(const std::string& db, int64_t year,
                                                          const Programmes& programmes, const std::string& programme);

// The hook: null until simulate_store.cc sets it.
StoreYearLoader& StoreYearLoaderHook();

}  // namespace bursar::cli
