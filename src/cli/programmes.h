// The programmes a store command works with (issue 16): the store's own
// policy (--policy DIR, the default folder otherwise) and each policy run
// beside it (--also-policy DIR, repeatable), found by the id its
// applications and figures name (store::Application::policy: "" for the
// own). Header-only, as store_options.h.
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "cli/command.h"
#include "cli/store_options.h"
#include "eval/engine.h"
#include "store/evidence.h"

namespace bursar::cli {

struct Programmes {
  std::shared_ptr<const Engine> own;
  std::map<std::string, std::shared_ptr<const Engine>, std::less<>> beside;  // by policy id

  // The engine of `policy` as the store names it ("": the own), or null.
  const Engine* For(std::string_view policy) const {
    if (policy.empty()) return own.get();
    auto it = beside.find(policy);
    return it == beside.end() ? nullptr : it->second.get();
  }
  // The store's name of a policy id a person gives: "" for the own policy's.
  std::string Stored(const std::string& id) const { return id == own->policy_id() ? "" : id; }
  // The programme `--programme ID` names (the own without it) as the store
  // names it, into *programme, and its engine; null, with the problem printed
  // as `bursar COMMAND: ...`, when its policy was not given.
  const Engine* Chosen(const StoreOptions& o, const char* command, std::string* programme) const {
    *programme = Stored(FlagValue(o, "--programme", own->policy_id()));
    const Engine* engine = For(*programme);
    if (engine == nullptr) {
      std::fprintf(stderr, "bursar %s: --programme %s: no such policy given (beside the own: %s)\n", command,
                   programme->c_str(), BesideIds().c_str());
    }
    return engine;
  }
  // "digital-health, ..." for a message.
  std::string BesideIds() const {
    std::string out;
    for (const auto& entry : beside) out += (out.empty() ? "" : ", ") + entry.first;
    return out.empty() ? "none: give --also-policy DIR" : out;
  }
  // ImportOptions::figure: a figure of a policy run beside the own, read as
  // that policy declares it.
  auto FigureReader() const {
    return [this](std::string_view policy, int64_t year, std::string_view code, std::string_view name,
                  std::string_view value, bool declared) -> Result<std::string> {
      auto it = beside.find(policy);
      if (it == beside.end()) {
        return Status(StatusCode::kNotFound, "no programme beside the store's own runs policy \"" +
                                                 std::string(policy) + "\" (" + BesideIds() + ")");
      }
      return it->second->FigureValue(year, std::string(code), name, value, declared);
    };
  }
};

// Loads --policy and every --also-policy of `o` (which must have been parsed
// with both taking a value). Prints the problem as `bursar COMMAND: ...` and
// returns false on a policy that does not load or an id given twice.
inline bool LoadProgrammes(const StoreOptions& o, const char* command, Programmes* out) {
  auto own = Engine::Load(FlagValue(o, "--policy", DefaultPolicyDir()));
  if (!own.ok()) {
    std::fprintf(stderr, "bursar %s: %s\n", command, own.status().ToString().c_str());
    return false;
  }
  out->own = *own;
  for (size_t i = 0; i + 1 < o.flags.size(); ++i) {
    if (o.flags[i] != "--also-policy") continue;
    const std::string& dir = o.flags[++i];
    auto engine = Engine::Load(dir);
    if (!engine.ok()) {
      std::fprintf(stderr, "bursar %s: --also-policy %s: %s\n", command, dir.c_str(),
                   engine.status().ToString().c_str());
      return false;
    }
    const std::string& id = (*engine)->policy_id();
    if (id == out->own->policy_id() || !out->beside.emplace(id, *engine).second) {
      std::fprintf(stderr, "bursar %s: --also-policy %s: policy '%s' is given twice\n", command, dir.c_str(),
                   id.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace bursar::cli
