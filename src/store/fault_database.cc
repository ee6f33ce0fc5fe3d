#include "store/fault_database.h"

#include <charconv>

namespace bursar::store {

Result<std::vector<FaultPoint>> ParseFaultPoints(const std::string& spec) {
  std::vector<FaultPoint> points;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(';', start);
    if (end == std::string::npos) end = spec.size();
    const std::string part = spec.substr(start, end - start);
    start = end + 1;
    if (part.empty()) continue;
    const size_t a = part.find('|');
    const size_t b = a == std::string::npos ? a : part.rfind('|');
    if (a == std::string::npos || b == a) {
      return InvalidArgument("a fault point is before|<statement prefix>|<n> or after|<statement prefix>|<n>, got \"" +
                                 part + "\"",
                             "BURSAR_FAULTS");
    }
    FaultPoint p;
    const std::string when = part.substr(0, a);
    if (when != "before" && when != "after") {
      return InvalidArgument("a fault point starts with before or after, got \"" + when + "\"", "BURSAR_FAULTS");
    }
    p.after = when == "after";
    p.prefix = part.substr(a + 1, b - a - 1);
    const std::string n = part.substr(b + 1);
    auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), p.occurrence);
    if (p.prefix.empty() || ec != std::errc() || ptr != n.data() + n.size() || p.occurrence < 1) {
      return InvalidArgument("a fault point needs a statement prefix and a count from 1, got \"" + part + "\"",
                             "BURSAR_FAULTS");
    }
    points.push_back(std::move(p));
  }
  return points;
}

namespace {

class FaultDatabase final : public Database {
 public:
  FaultDatabase(std::unique_ptr<Database> inner, std::vector<FaultPoint> points)
      : inner_(std::move(inner)), points_(std::move(points)), seen_(points_.size(), 0) {}

  Dialect dialect() const override { return inner_->dialect(); }
  const std::string& display_name() const override { return inner_->display_name(); }

  Status ExecScript(const std::string& sql) override {
    return Around(sql, [&] { return inner_->ExecScript(sql); });
  }
  Result<int64_t> ExecuteSpan(const std::string& sql, std::span<const Param> params) override {
    int64_t changed = 0;
    Status st = Around(sql, [&]() -> Status {
      BURSAR_ASSIGN_OR_RETURN(changed, inner_->ExecuteSpan(sql, params));
      return OkStatus();
    });
    if (!st.ok()) return st;
    return changed;
  }
  Status ExecuteBatch(const std::string& sql, std::span<const Param> params, size_t width,
                      std::vector<int64_t>* changed, std::vector<int64_t>* returned) override {
    return Around(sql, [&] { return inner_->ExecuteBatch(sql, params, width, changed, returned); });
  }
  Status CopyIn(const std::string& table, const std::vector<std::string>& columns, std::span<const Param> params,
                size_t width) override {
    return Around("COPY " + table, [&] { return inner_->CopyIn(table, columns, params, width); });
  }
  Status QuerySpan(const std::string& sql, std::span<const Param> params, std::vector<Row>* rows) override {
    return Around(sql, [&] { return inner_->QuerySpan(sql, params, rows); });
  }
  Status Begin() override {
    return Around("BEGIN", [&] { return inner_->Begin(); });
  }
  Status Commit() override {
    return Around("COMMIT", [&] { return inner_->Commit(); });
  }
  Status Rollback() override {
    return Around("ROLLBACK", [&] { return inner_->Rollback(); });
  }
  bool InTransaction() const override { return inner_->InTransaction(); }

 private:
  // Runs `run` unless a point fires before it; fails after it when one fires after.
  template <typename F>
  Status Around(const std::string& sql, F&& run) {
    const FaultPoint* fired = nullptr;
    for (size_t i = 0; i < points_.size(); ++i) {
      if (sql.compare(0, points_[i].prefix.size(), points_[i].prefix) != 0) continue;
      if (++seen_[i] == points_[i].occurrence) fired = &points_[i];
    }
    if (fired && !fired->after) return Injected(*fired);
    BURSAR_RETURN_IF_ERROR(run());
    if (fired) return Injected(*fired);
    return OkStatus();
  }
  static Status Injected(const FaultPoint& p) {
    return Status(StatusCode::kUnavailable, std::string("injected fault: the connection was lost ") +
                                                (p.after ? "after" : "before") + " \"" + p.prefix + "\" (" +
                                                std::to_string(p.occurrence) + ")");
  }

  std::unique_ptr<Database> inner_;
  std::vector<FaultPoint> points_;
  std::vector<int> seen_;
};

}  // namespace

std::unique_ptr<Database> WithFaultPoints(std::unique_ptr<Database> inner, std::vector<FaultPoint> points) {
  if (points.empty()) return inner;
  return std::make_unique<FaultDatabase>(std::move(inner), std::move(points));
}

}  // namespace bursar::store
