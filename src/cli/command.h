// The bursar command line: one binary, one subcommand per file in this folder.
// Each file registers its subcommand with BURSAR_COMMAND; main.cc dispatches.
//
// Conventions (DESIGN.md): exit 0 on success, 1 when the work failed (a test
// failed, a chain does not verify), 2 for bad usage or bad input. Errors go to
// standard error and name the file, line or field at fault. Every subcommand
// answers --help.
#pragma once

#include <string>
#include <vector>

namespace bursar::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
// Not an exit status: what a command of the static `bursar` returns for
// arguments only bursar-full can serve (`simulate --db`, which reads the
// store); main() then hands the whole command line to bursar-full.
inline constexpr int kRunInFullProgram = -1;

using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  const char* name;     // "eval", "db", ...
  const char* summary;  // one line for `bursar --help`
  CommandFn run;        // args exclude the program and command names
};

// Adds a command to the table main() dispatches on. Called at static
// initialisation by BURSAR_COMMAND; the table is sorted by name when listed.
bool RegisterCommand(Command command);
const std::vector<Command>& Commands();

// The shipped policy's folder: $BURSAR_POLICY, else the first of
// <exe>/../policies/chaoyang-data-element and ./policies/chaoyang-data-element that exists.
std::string DefaultPolicyDir();

}  // namespace bursar::cli

#define BURSAR_COMMAND(name, summary, fn) \
  static const bool bursar_registered_##fn = ::bursar::cli::RegisterCommand({name, summary, fn})
