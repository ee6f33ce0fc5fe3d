// `bursar eval --batch FILE`: every case of a population file decided, one
// decision per line (simulation/eval_population.h). cmd_eval.cc dispatches
// here when its arguments hold --batch.
#pragma once

#include <string>
#include <vector>

namespace bursar::cli {

// The whole of `bursar eval` with --batch among `args` (the arguments after
// "eval"). Returns the exit status: 0 every case decided, 1 some cases
// refused (each has an error record in the output and a line on standard
// error), 2 bad usage or a fault of the file itself.
int RunEvalBatch(const std::vector<std::string>& args);

}  // namespace bursar::cli
