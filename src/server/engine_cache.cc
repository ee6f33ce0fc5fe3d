#include "server/engine_cache.h"

#include <algorithm>
#include <map>

namespace bursar::server {

EngineCache::EngineCache(std::string policy_dir, std::shared_ptr<const Engine> base, size_t capacity)
    : policy_dir_(std::move(policy_dir)), base_(std::move(base)), capacity_(std::max<size_t>(capacity, 1)) {}

size_t EngineCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

Result<std::shared_ptr<const Engine>> EngineCache::Get(const std::vector<ParameterOverride>& overrides) {
  if (overrides.empty()) return base_;
  // Canonical key: one value per name (the last given), names sorted, so
  // `a=1&b=2` and `b=2&a=1` share an engine.
  std::map<std::string, std::string> last;
  for (const auto& o : overrides) last[o.name] = o.value;
  std::string key;
  std::vector<ParameterOverride> canonical;
  for (const auto& [name, value] : last) {
    key += name;
    key += '=';
    key += value;
    key += '\n';  // cannot occur in a query value the server accepts
    canonical.push_back({name, value});
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
  }
  auto loaded = Engine::Load(policy_dir_, canonical);
  if (!loaded.ok()) {
    const Status& s = loaded.status();
    std::string field = s.field();
    // The engine names the CLI flag ("--set NAME"); over HTTP it is the query.
    if (field.rfind("--set ", 0) == 0) field = "set." + field.substr(6);
    return Status(s.code(), s.message(), field);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it != index_.end()) {  // another thread loaded it meanwhile
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }
  lru_.emplace_front(key, *loaded);
  index_[key] = lru_.begin();
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
  return lru_.front().second;
}

}  // namespace bursar::server
