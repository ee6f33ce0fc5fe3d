// bursar: policy-as-code for subsidy programmes. Dispatches to subcommands.
#include <algorithm>
#include <cstdio>
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

}  // namespace

int main(int argc, char** argv) {
  using namespace bursar::cli;
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
    if (name == c.name) return c.run(args);
  }
  std::fprintf(stderr, "bursar: unknown command '%s'\n\n", name.c_str());
  PrintUsage(stderr);
  return kExitUsage;
}
