// How many generated cases the data-driven tests decide. The release build
// runs them at full size; under AddressSanitizer and UBSan (make test-debug),
// where every case costs 20-30 times more, a tenth is enough to catch memory
// errors, and the full size has already run in the release build.
#pragma once

namespace bursar::testing {

inline constexpr int Sized(int release_count) {
#ifdef BURSAR_SANITIZED
  return release_count / 10 > 0 ? release_count / 10 : 1;
#else
  return release_count;
#endif
}

}  // namespace bursar::testing
