// The auditor's check of declarations (`bursar audit declarations` and GET
// /api/audit/declarations): an enterprise's declaration of what only an
// authority may state (D-G10) that was verified anyway — a figure its policy,
// as it is now, says an authority gives (`given by`), or a trade declared as
// made at a legally established institution — with the decisions in force
// that may rest on it. The rows come from Store::DeclaredOfficialRows; this
// only gives them the report's form.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/store.h"

namespace bursar::audit {

// {"declarations": [{table, credit_code, policy, year, field, key,
// verified_by (null when not verified), decisions}], "unchecked": N}
nlohmann::ordered_json DeclarationsJson(const std::vector<store::Store::DeclaredOfficial>& rows, int64_t unchecked);
// One row as a line of text (the CLI).
std::string DeclarationText(const store::Store::DeclaredOfficial& d);

}  // namespace bursar::audit
