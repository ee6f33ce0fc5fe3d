// The two population file formats and the CSV layout they share with the
// reader (docs/population-format.md is the specification).
#pragma once

#include <string_view>

#include "base/status.h"

namespace bursar::population {

enum class PopulationFormat { kJsonLines, kCsv };

// By the file name's extension: ".jsonl" is JSON Lines, ".csv" is CSV (case
// sensitive). Anything else is InvalidArgument with a message naming the path.
Result<PopulationFormat> FormatForPath(std::string_view path);

// The key the JSON Lines header record carries (its first line), which no case has.
inline constexpr std::string_view kHeaderKey = "bursar_population";
inline constexpr int kFormatVersion = 1;

// CSV columns in the order the generator writes them. The reader accepts them
// in any order; see docs/population-format.md for which may be left out.
inline constexpr std::string_view kCsvColumns[] = {
    "year_index",
    "enterprise",
    "year",
    "id",
    "name",
    "registered_in_chaoyang",
    "taxed_in_chaoyang",
    "independent_legal_person",
    "serious_dishonesty_record",
    "tags",
    "listed_data_products",
    "registration_certificates",
    "fs_inclusion_first_time",
    "fs_inclusion_amount",
    "exchange_trading_volume",
    "filed_trading_volume",
    "compliant_export_first_time",
    "export_route",
    "platform_in_operation",
    "claims",
    "history",
};

}  // namespace bursar::population
