#include "simulation/eval_population.h"

#include <algorithm>
#include <thread>
#include <unordered_map>
#include <vector>

#include "lang/checked_policy.h"
#include "population/reader.h"

namespace bursar::simulation {
namespace {

using Json = nlohmann::json;
using OJson = nlohmann::ordered_json;

// Cases decided together; a chunk never spans two years, so every case of it
// sees the complete history of the years before.
constexpr size_t kChunk = 1024;

struct Pending {
  Json case_json;
  int64_t line = 0;
  std::string out;  // the line written
  bool refused = false;
  std::string refusal;
  OJson awards;  // of the decision, for the next year's history
};

const std::string* ApplicantId(const Json& c) {
  if (!c.is_object()) return nullptr;
  auto a = c.find("applicant");
  if (a == c.end() || !a->is_object()) return nullptr;
  auto id = a->find("id");
  return id != a->end() && id->is_string() ? id->get_ptr<const std::string*>() : nullptr;
}

void Decide(const Engine& engine, const std::string& path, const EvaluateOptions& options, Pending* p) {
  auto decision = engine.Evaluate(p->case_json, options);
  if (decision.ok()) {
    p->out = decision->dump(-1, ' ', false, OJson::error_handler_t::replace);
    p->awards = std::move((*decision)["awards"]);
  } else {
    p->refused = true;
    const Status& st = decision.status();
    p->refusal = path + ":" + std::to_string(p->line) + ": " + st.ToString();
    OJson record;
    record["line"] = p->line;
    auto year = p->case_json.find("year");
    if (year != p->case_json.end() && year->is_number_integer()) record["year"] = year->get<int64_t>();
    if (const std::string* id = ApplicantId(p->case_json)) record["applicant"] = *id;
    record["error"] = {{"field", st.field()}, {"message", st.message()}};
    p->out = record.dump(-1, ' ', false, OJson::error_handler_t::replace);
  }
  p->out += '\n';
}

}  // namespace

Result<EvalPopulationSummary> EvaluatePopulation(const Engine& engine, const std::string& path,
                                                 const EvalPopulationOptions& options,
                                                 const std::function<void(std::string_view)>& write) {
  BURSAR_ASSIGN_OR_RETURN(auto reader, population::PopulationReader::Open(path));
  const int64_t total = reader->header() ? reader->header()->enterprises * reader->header()->years : -1;
  std::unordered_map<std::string, Json> carried;  // applicant id → history for its next case
  // A policy that reads last_year(FACT) reads it from the enterprise's case of
  // the year before, as the simulation does: applicant id → (year, facts).
  const bool reads_last_year =
      std::any_of(engine.policy().policy.facts.begin(), engine.policy().policy.facts.end(),
                  [](const FieldDecl& f) { return f.derived == FieldDecl::Derived::kLastYear; });
  std::unordered_map<std::string, std::pair<int64_t, Json>> last_facts;
  EvalPopulationSummary summary;
  std::vector<Pending> chunk(kChunk);
  population::PopulationRecord record;
  bool pending_record = false, more = true;
  while (more) {
    size_t n = 0;
    int64_t chunk_year = 0;
    while (n < kChunk) {
      if (!pending_record && !reader->Next(&record)) {
        more = false;
        break;
      }
      pending_record = false;
      const int64_t year = record.case_json["year"].get<int64_t>();  // an integer: the reader checks it
      if (n > 0 && year != chunk_year) {
        pending_record = true;
        break;
      }
      chunk_year = year;
      Pending& p = chunk[n++];
      p.case_json = std::move(record.case_json);
      p.line = record.line;
      p.refused = false;
      p.awards = nullptr;
      // A case with no history of its own gets its enterprise's carried history.
      auto history = p.case_json.find("history");
      bool own = history != p.case_json.end() && !(history->is_array() && history->empty());
      if (!own) {
        const std::string* id = ApplicantId(p.case_json);
        auto it = id ? carried.find(*id) : carried.end();
        if (it != carried.end()) p.case_json["history"] = it->second;
      }
      if (reads_last_year) {
        const std::string* id = ApplicantId(p.case_json);
        auto it = id ? last_facts.find(*id) : last_facts.end();
        if (it != last_facts.end() && it->second.first == year - 1) {
          Json& earlier = p.case_json["earlier"];
          if (earlier.is_null()) earlier = Json::object();
          if (earlier.is_object()) earlier[std::to_string(year - 1)] = it->second.second;  // else the reader refuses it
        }
      }
    }
    if (n == 0) break;
    auto work = [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) Decide(engine, reader->name(), options.evaluate, &chunk[i]);
    };
    if (options.threads > 1 && n >= 64) {
      std::thread helper(work, n / 2, n);
      work(0, n / 2);
      helper.join();
    } else {
      work(0, n);
    }
    for (size_t i = 0; i < n; ++i) {
      Pending& p = chunk[i];
      write(p.out);
      ++summary.cases;
      if (p.refused) {
        ++summary.refused;
        if (options.on_refused) options.on_refused(p.refusal);
        continue;
      }
      const std::string* id = ApplicantId(p.case_json);
      if (!id) continue;
      if (reads_last_year) {
        last_facts[*id] = {p.case_json["year"].get<int64_t>(),
                           p.case_json.contains("facts") ? p.case_json["facts"] : Json::object()};
      }
      auto history = p.case_json.find("history");
      Json next = history != p.case_json.end() ? std::move(*history) : Json::array();
      for (const auto& award : p.awards) {
        Json h = {{"year", p.case_json["year"]}, {"measure", award["measure"]}, {"item", award["item"]},
                  {"amount", award["amount"]}};
        for (const char* key : {"project", "solution", "condition"}) {
          if (award.contains(key)) h[key] = award[key];
        }
        next.push_back(std::move(h));
      }
      carried[*id] = std::move(next);
    }
    if (options.progress) options.progress(summary.cases, total);
  }
  BURSAR_RETURN_IF_ERROR(reader->status());
  return summary;
}

}  // namespace bursar::simulation
