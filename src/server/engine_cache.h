// Engines by parameter-override set, for what-if evaluations over HTTP
// (`POST /api/evaluations?set=trading_rate=4%`).
//
// Loading an engine reads, checks and compiles the policy folder (a few ms), so
// the engines for the most recently used override sets are kept, at most
// `capacity` of them, least recently used evicted first. The engine without
// overrides is loaded once at start and never evicted.
//
// Thread-safety: Get may be called from many threads at once. Two threads
// missing the same key at once may both load it; one result is kept.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "eval/engine.h"

namespace bursar::server {

class EngineCache {
 public:
  // REQUIRES: base was loaded from policy_dir without overrides; capacity >= 1.
  EngineCache(std::string policy_dir, std::shared_ptr<const Engine> base, size_t capacity);

  // The engine for these overrides. A later override of the same name wins, as
  // with repeated --set. An unknown parameter or a value of the wrong type is an
  // InvalidArgument naming the field "set.NAME".
  Result<std::shared_ptr<const Engine>> Get(const std::vector<ParameterOverride>& overrides);

  const std::shared_ptr<const Engine>& base() const { return base_; }
  size_t size() const;  // override sets held now (excluding the base)

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const Engine>>;

  const std::string policy_dir_;
  const std::shared_ptr<const Engine> base_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // front = most recently used; guarded by mu_
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;  // guarded by mu_
};

}  // namespace bursar::server
