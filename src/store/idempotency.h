// The HTTP server's stored Idempotency-Key answers (table idempotency_key,
// migration 6; docs/http-api.md): their retention.
#pragma once

#include <cstdint>

#include "base/status.h"

namespace bursar::store {

class Store;

// Forgets the stored answers of Idempotency-Keys claimed more than
// `retention_seconds` before the store's Now(); returns how many. A retry with
// a forgotten key runs again. Not audited (bookkeeping, like login throttling).
Result<int64_t> PurgeIdempotencyKeys(Store& store, int64_t retention_seconds);

}  // namespace bursar::store
