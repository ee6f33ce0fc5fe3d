// The store's half of `bursar simulate --db` (simulate_store.h), in
// bursar-full only.
#include "cli/simulate_store.h"

#include "store/store.h"

namespace bursar::cli {
namespace {

Result<simulation::StoreYear> LoadFromStore(const std::string& db, int64_t year, const Programmes& programmes,
                                            const std::string& programme) {
  BURSAR_ASSIGN_OR_RETURN(auto store, store::Store::Open(db));
  store->SetFigureReader(programmes.FigureReader());  // which declared figures count
  return simulation::LoadStoreYear(*store, programmes.For(programme)->policy(), year, programme);
}

const bool registered = (StoreYearLoaderHook() = &LoadFromStore, true);

}  // namespace
}  // namespace bursar::cli
