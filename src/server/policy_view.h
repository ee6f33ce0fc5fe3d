// The policy as the API shows it: JSON documents built once from a checked
// policy (GET /api/policy, /api/policy/clauses, /api/policy/measures/{id}).
// Everything here reads the immutable CheckedPolicy; nothing is evaluated.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "lang/checked_policy.h"

namespace bursar::server {

// id, version, title, digest, measures with their items, and every parameter
// with its type, values by effective date, description and citations.
nlohmann::ordered_json PolicySummary(const CheckedPolicy& policy, const std::string& policy_dir);

// {"clauses": [{"label": "[04.2]", "text": "..."}], "decisions": [{"label": "D-04a", "text": "..."}]}
nlohmann::ordered_json PolicyClauses(const CheckedPolicy& policy);

// One document per measure id: the measure's clause texts beside the Markdown
// source of the file that holds its rules.
std::map<std::string, nlohmann::ordered_json> MeasureDocuments(const CheckedPolicy& policy,
                                                               const std::string& policy_dir);

}  // namespace bursar::server
