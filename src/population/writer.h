// Writes generated populations as JSON Lines or CSV (docs/population-format.md).
//
// The Append* functions format one record onto a buffer without building a
// JSON tree, because a million cases must be written in seconds; the unit
// tests hold them equal to ToJson (generator.h) and to the reader.
//
// Thread-safety: stateless functions; WritePopulation owns its file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "population/generator.h"

namespace bursar::population {

// The first line of a JSON Lines population, with its newline:
// {"bursar_population":{"version":1,"seed":"42",...,"order":"year,enterprise"}}
void AppendJsonLinesHeader(const PopulationSpec& spec, std::string* out);
// One case as one line of compact JSON, keys in CASES.md order, with its newline.
void AppendJsonLine(const Case& c, std::string* out);

// The CSV header row (kCsvColumns), with its newline.
void AppendCsvHeader(std::string* out);
// One case as one CSV row (RFC 4180 quoting), with its newline.
void AppendCsvRow(const Case& c, std::string* out);

// Called now and then while writing (and once at the end) with the number of
// cases written so far and the total.
using ProgressFn = std::function<void(int64_t written, int64_t total)>;

// Generates the population of `spec` into `path`, in the format its extension
// names, sorted by year and then by enterprise. The file appears only when
// complete: it is written as `path`.partial and renamed. Memory stays bounded
// (one buffer of about a megabyte) whatever the size.
// REQUIRES: ValidateSpec(spec) is empty.
Status WritePopulation(const PopulationSpec& spec, const std::string& path, const ProgressFn& progress = nullptr);

}  // namespace bursar::population
