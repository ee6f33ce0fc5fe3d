// bursar: policy-as-code for subsidy programmes. Dispatches to subcommands.
// Built twice (CMakeLists.txt): as bursar-full, with every command, and as
// bursar (BURSAR_LEAN_CLI), with the engine's commands only, which hands any
// other command, and the list of commands, to the bursar-full beside it.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/command.h"

namespace bursar::cli {

namespace {
std::vector<Command>& Table() {
  static std::vector<Command> table;
  return table;
}
}  // namespace

bool RegisterCommand(Command command) {
  Table().push_back(command);
  std::sort(Table().begin(), Table().end(),
            [](const Command& a, const Command& b) { return std::string(a.name) < b.name; });
  return true;
}

const std::vector<Command>& Commands() { return Table(); }

std::string DefaultPolicyDir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("BURSAR_POLICY"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::canonical("/proc/self/exe", ec);
  if (!ec) {
    fs::path candidate = exe.parent_path().parent_path() / "policies" / "chaoyang-data-element";
    if (fs::is_directory(candidate, ec)) return candidate.string();
  }
  return "policies/chaoyang-data-element";
}

}  // namespace bursar::cli

namespace {

void PrintUsage(std::FILE* out) {
  std::fprintf(out,
               "bursar: exact, explained decisions for subsidy programmes\n\n"
               "usage: bursar COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
  for (const auto& c : bursar::cli::Commands()) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
  std::fprintf(out, "\nRun `bursar COMMAND --help` for a command's options.\n");
}

#ifdef BURSAR_LEAN_CLI
// Replaces this process with bursar-full (same arguments, same process id, so
// a supervisor or a test that started `bursar serve` still holds the server).
int RunInFullProgram(char** argv) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path full = fs::canonical("/proc/self/exe", ec).parent_path() / "bursar-full";
  if (ec) full = "bursar-full";
  execv(full.c_str(), argv);
  std::fprintf(stderr, "bursar: cannot run %s: %s (it holds every command but the engine's; install it beside bursar)\n",
               full.c_str(), std::strerror(errno));
  return bursar::cli::kExitFailed;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  using namespace bursar::cli;
#ifdef BURSAR_LEAN_CLI
  // The engine's commands run here; everything else (and the list of
  // commands, which bursar-full knows whole) in bursar-full.
  if (argc < 2) return RunInFullProgram(argv);
  for (const auto& c : Commands()) {
    if (argv[1] != std::string(c.name)) continue;
    const int status = c.run(std::vector<std::string>(argv + 2, argv + argc));
    return status == kRunInFullProgram ? RunInFullProgram(argv) : status;
  }
  return RunInFullProgram(argv);
#endif
  if (argc < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(stdout);
    return kExitOk;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& c : Commands()) {
    if (name != c.name) continue;
    const int status = c.run(args);
    if (status != kRunInFullProgram) return status;
    // bursar-full holds every command whole: only a bug of the build gets here.
    std::fprintf(stderr, "bursar %s: internal error: this build lacks the part of the command that reads the store\n",
                 c.name);
    return kExitFailed;
  }
  std::fprintf(stderr, "bursar: unknown command '%s'\n\n", name.c_str());
  PrintUsage(stderr);
  return kExitUsage;
}
