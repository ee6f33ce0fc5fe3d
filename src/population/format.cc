#include "population/format.h"

#include <string>

namespace bursar::population {

Result<PopulationFormat> FormatForPath(std::string_view path) {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() > suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
  };
  if (ends_with(".jsonl")) return PopulationFormat::kJsonLines;
  if (ends_with(".csv")) return PopulationFormat::kCsv;
  return InvalidArgument("cannot tell the format of '" + std::string(path) +
                         "': the file name must end in .jsonl (JSON Lines) or .csv (CSV)");
}

}  // namespace bursar::population
