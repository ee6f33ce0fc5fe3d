#include "store/applications.h"

#include <array>

#include "store/store.h"

namespace bursar::store {

namespace {
constexpr std::array<const char*, 8> kStateNames = {"draft", "submitted", "in_review", "decided",
                                                    "notice", "final", "paid", "recovered"};
}  // namespace

const char* ApplicationStateName(ApplicationState state) { return kStateNames[static_cast<size_t>(state)]; }

std::optional<ApplicationState> ParseApplicationState(std::string_view name) {
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (name == kStateNames[i]) return static_cast<ApplicationState>(i);
  }
  return std::nullopt;
}

bool IsAllowedTransition(ApplicationState from, ApplicationState to) {
  using S = ApplicationState;
  switch (from) {
    case S::kDraft: return to == S::kSubmitted;
    case S::kSubmitted: return to == S::kInReview;
    case S::kInReview: return to == S::kDecided;
    case S::kDecided: return to == S::kNotice;
    case S::kNotice: return to == S::kFinal || to == S::kInReview;  // in_review: an objection was upheld
    case S::kFinal: return to == S::kPaid;
    case S::kPaid: return to == S::kRecovered;
    case S::kRecovered: return false;
  }
  return false;
}

}  // namespace bursar::store
