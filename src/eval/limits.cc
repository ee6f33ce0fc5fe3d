// The limits of a policy over an enterprise's awards. See limits.h.
//
// Invariants:
//   - sums of amounts are kept in 128 bits: a scope may hold many lines near
//     the largest amount a case may carry (10^17 fen), and no sum may wrap;
//   - a room never goes below zero for the line that takes from it;
//   - the history is read, never changed.
#include "eval/limits.h"

#include <algorithm>
#include <climits>

namespace bursar::limits {
namespace {

using i128 = __int128;

int32_t KeyOf(const Line& l, LimitScope scope) {
  switch (scope) {
    case LimitScope::kProject: return l.project;
    case LimitScope::kSolution: return l.solution;
    case LimitScope::kCondition: return l.condition;
    case LimitScope::kEnterprise: return 0;
    case LimitScope::kClaim: return -1;
  }
  return -1;
}

// Scopes keyed by a field of the line: a line without the key is alone.
bool Keyed(LimitScope scope) {
  return scope == LimitScope::kProject || scope == LimitScope::kSolution || scope == LimitScope::kCondition;
}

int32_t OnceKey(const Line& l, Once once) {
  switch (once) {
    case Once::kEnterprise: return 0;
    case Once::kProject: return l.project;
    case Once::kSolution: return l.solution;
    case Once::kCondition: return l.condition;
    default: return -1;
  }
}

bool Covers(const LimitDecl& d, int item) { return std::find(d.items.begin(), d.items.end(), item) != d.items.end(); }

// The years a cap counts for `year`: [first, last].
void SpanOf(const LimitDecl& d, const std::vector<ItemRules>& rules, std::span<const Line> history, int year,
            int* first, int* last) {
  *first = *last = year;
  if (d.span == LimitSpan::kEver) {
    *first = INT_MIN;
  } else if (d.span == LimitSpan::kPeriod && d.items.size() == 1) {
    int item = d.items[0];
    int64_t n = rules[static_cast<size_t>(item)].period_years;
    if (n >= 1) {
      *first = PeriodFirst(item, history, year);
      int64_t last_year = static_cast<int64_t>(*first) + n - 1;
      *last = static_cast<int>(std::min<int64_t>(last_year, INT_MAX));
    }
  }
}

int64_t ClampFen(i128 v) {
  if (v > INT64_MAX) return INT64_MAX;
  if (v < INT64_MIN) return INT64_MIN;
  return static_cast<int64_t>(v);
}

struct KeySum {
  int32_t key = -1;
  i128 earlier = 0, same = 0, taken = 0;
  std::vector<std::pair<int, int64_t>> takers;
  void Reset(int32_t k) {
    key = k;
    earlier = same = taken = 0;
    takers.clear();
  }
};

// The sums of one limit, by scope key. Kept between calls (the batch
// evaluator calls ApplyCaps once per case), so that nothing is allocated
// once warm.
struct Sums {
  std::vector<KeySum> pool;
  size_t used = 0;
  void Clear() { used = 0; }
  KeySum& For(int32_t key) {
    for (size_t i = 0; i < used; ++i) {
      if (pool[i].key == key) return pool[i];
    }
    if (used == pool.size()) pool.emplace_back();
    pool[used].Reset(key);
    return pool[used++];
  }
};

}  // namespace

Once OnceFromName(const std::string& name) {
  if (name == "enterprise") return Once::kEnterprise;
  if (name == "year") return Once::kYear;
  if (name == "project") return Once::kProject;
  if (name == "solution") return Once::kSolution;
  if (name == "condition") return Once::kCondition;
  return Once::kNone;
}

const char* OnceName(Once once) {
  switch (once) {
    case Once::kEnterprise: return "enterprise";
    case Once::kYear: return "year";
    case Once::kProject: return "project";
    case Once::kSolution: return "solution";
    case Once::kCondition: return "condition";
    case Once::kNone: break;
  }
  return "";
}

bool SameDrawPool(LimitScope scope, const Line& other, const Line& line) {
  if (other.item != line.item || other.year != line.year) return false;
  if (scope == LimitScope::kEnterprise) return true;
  if (!Keyed(scope)) return false;
  const int32_t key = KeyOf(line, scope);
  return key >= 0 && KeyOf(other, scope) == key;
}

int64_t DrawCounted(int64_t figure_fen, int64_t limit_fen, i128 taken_fen) {
  const i128 room = static_cast<i128>(limit_fen) - taken_fen;
  if (room <= 0 || figure_fen <= 0) return 0;
  return room < figure_fen ? static_cast<int64_t>(room) : figure_fen;
}

int PeriodFirst(int item, std::span<const Line> history, int case_year) {
  int first = case_year;
  for (const Line& h : history) {
    if (h.item == item) first = std::min(first, h.year);
  }
  return first;
}

Gate CheckGate(const ItemRules& rules, const Line& line, std::span<const Line> history, int case_year) {
  Gate g;
  if (rules.apply_free) {
    for (const Line& h : history) {
      if (h.item == line.item && h.year == case_year && h.condition == line.condition) {
        g.kind = Gate::kDecided;
        g.year = h.year;
        return g;
      }
    }
  }
  const int32_t key = OnceKey(line, rules.once);
  if (key >= 0) {
    for (const Line& h : history) {
      if (h.item == line.item && h.year != case_year && OnceKey(h, rules.once) == key) {
        g.kind = Gate::kOnce;
        g.year = h.year;
        return g;
      }
    }
  }
  if (rules.consecutive_years >= 1) {
    bool all = true;
    for (int64_t y = case_year - rules.consecutive_years; all && y < case_year; ++y) {
      all = std::any_of(history.begin(), history.end(), [&](const Line& h) { return h.item == line.item && h.year == y; });
    }
    if (all) {
      g.kind = Gate::kConsecutive;
      g.years = rules.consecutive_years;
      g.first = static_cast<int>(case_year - rules.consecutive_years);
      g.last = case_year - 1;
      return g;
    }
  }
  if (rules.period_years >= 0) {
    int first = PeriodFirst(line.item, history, case_year);
    int64_t last = static_cast<int64_t>(first) + rules.period_years - 1;
    if (case_year > last) {
      g.kind = Gate::kPeriodOver;
      g.first = first;
      g.last = static_cast<int>(last);
      g.years = rules.period_years;
      return g;
    }
  }
  return g;
}

void ApplyCaps(const CheckedPolicy& policy, LimitStage stage, const std::vector<int64_t>& limit_fen,
               const std::vector<ItemRules>& rules, int case_year, std::span<const Line> history,
               std::span<Line> lines, std::vector<Fill>* fills) {
  // Reused across calls: the batch evaluator calls this once per case.
  thread_local Sums sums;
  thread_local std::vector<int> order, active;
  // Only the limits that cover an open line of the case can change one.
  active.clear();
  for (const Line& l : lines) {
    if (!l.open || l.fen == 0) continue;
    for (int k : policy.limits_of_item[static_cast<size_t>(l.item)]) {
      if (policy.limits[static_cast<size_t>(k)].stage == stage) active.push_back(k);
    }
  }
  std::sort(active.begin(), active.end());
  active.erase(std::unique(active.begin(), active.end()), active.end());
  for (int ki : active) {
    const size_t k = static_cast<size_t>(ki);
    const LimitDecl& d = policy.limits[k];
    // The case lines the cap holds over, in fill order.
    order.clear();
    if (d.items.size() == 1) {
      for (size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].open && lines[i].item == d.items[0]) order.push_back(static_cast<int>(i));
      }
    } else {
      for (int item : d.items) {
        for (size_t i = 0; i < lines.size(); ++i) {
          if (lines[i].open && lines[i].item == item) order.push_back(static_cast<int>(i));
        }
      }
    }
    int first, last;
    SpanOf(d, rules, history, case_year, &first, &last);
    const int64_t limit = limit_fen[k];
    sums.Clear();
    for (const Line& h : history) {
      if (h.year < first || h.year > last || !Covers(d, h.item)) continue;
      int32_t key = KeyOf(h, d.scope);
      if (key < 0) continue;  // alone in its scope: no case line shares it
      KeySum& s = sums.For(key);
      (h.year == case_year ? s.same : s.earlier) += h.fen;
    }
    for (int i : order) {
      Line& l = lines[static_cast<size_t>(i)];
      int32_t key = KeyOf(l, d.scope);
      thread_local KeySum alone;
      alone.Reset(-1);
      KeySum& s = key < 0 ? alone : sums.For(key);
      i128 room = static_cast<i128>(limit) - s.earlier - s.same - s.taken;
      if (room < 0) room = 0;
      if (room < l.fen) {
        if (fills) {
          Fill f;
          f.limit = static_cast<int>(k);
          f.line = i;
          f.limit_fen = limit;
          f.before_fen = l.fen;
          f.after_fen = static_cast<int64_t>(room);
          f.history_earlier_fen = ClampFen(s.earlier);
          f.history_same_year_fen = ClampFen(s.same);
          f.taken = s.takers;
          f.span_first = first;
          f.span_last = last;
          fills->push_back(std::move(f));
        }
        l.fen = static_cast<int64_t>(room);
      }
      s.taken += l.fen;
      s.takers.emplace_back(i, l.fen);
    }
  }
}

std::vector<Excess> CheckLedger(const CheckedPolicy& policy, const std::vector<int64_t>& limit_fen,
                                const std::vector<ItemRules>& rules, int year, std::span<const Line> ledger) {
  std::vector<Excess> out;
  // Lines up to the year, by ledger position.
  std::vector<Line> upto;
  std::vector<size_t> at;
  for (size_t i = 0; i < ledger.size(); ++i) {
    if (ledger[i].year <= year) {
      upto.push_back(ledger[i]);
      at.push_back(i);
    }
  }
  struct Group {
    explicit Group(int32_t k) : key(k) {}
    int32_t key;
    i128 total = 0;
    bool this_year = false;
    std::vector<size_t> lines;
  };
  std::vector<Group> groups;
  for (size_t k = 0; k < policy.limits.size(); ++k) {
    const LimitDecl& d = policy.limits[k];
    if (d.stage == LimitStage::kLine && d.per_line) continue;
    int first, last;
    SpanOf(d, rules, upto, year, &first, &last);
    if (d.span == LimitSpan::kPeriod && d.items.size() == 1) {
      int64_t n = rules[static_cast<size_t>(d.items[0])].period_years;
      if (n >= 1 && year > last) continue;  // past the period: the period's own check reports it
    }
    groups.clear();
    for (size_t j = 0; j < upto.size(); ++j) {
      const Line& l = upto[j];
      if (l.year < first || l.year > last || !Covers(d, l.item)) continue;
      int32_t key = d.stage == LimitStage::kLine ? -1 : KeyOf(l, d.scope);
      Group* g = nullptr;
      if (key >= 0) {
        for (Group& x : groups) {
          if (x.key == key) g = &x;
        }
      }
      if (!g) {
        groups.emplace_back(key);
        g = &groups.back();
      }
      g->total += l.fen;
      g->this_year |= l.year == year;
      g->lines.push_back(at[j]);
    }
    for (const Group& g : groups) {
      if (!g.this_year || g.total <= limit_fen[k]) continue;
      Excess e;
      e.kind = Excess::kCap;
      e.limit = static_cast<int>(k);
      e.scope = d.stage == LimitStage::kLine ? LimitScope::kClaim : d.scope;
      e.key = Keyed(d.scope) ? g.key : -1;
      e.span_first = first == INT_MIN ? ledger[g.lines.front()].year : first;
      for (size_t j : g.lines) e.span_first = std::min(e.span_first, ledger[j].year);
      e.span_last = std::min(last, year);
      e.limit_value = limit_fen[k];
      e.total = ClampFen(g.total);
      e.over = ClampFen(g.total - limit_fen[k]);
      e.lines = g.lines;
      out.push_back(std::move(e));
    }
  }
  for (size_t item = 0; item < rules.size(); ++item) {
    const ItemRules& r = rules[item];
    const int g_item = static_cast<int>(item);
    auto years_of = [&](auto pred) {
      std::vector<int> ys;
      for (const Line& l : upto) {
        if (l.item == g_item && pred(l)) ys.push_back(l.year);
      }
      std::sort(ys.begin(), ys.end());
      ys.erase(std::unique(ys.begin(), ys.end()), ys.end());
      return ys;
    };
    auto lines_of = [&](auto pred) {
      std::vector<size_t> ls;
      for (size_t j = 0; j < upto.size(); ++j) {
        if (upto[j].item == g_item && pred(upto[j])) ls.push_back(at[j]);
      }
      return ls;
    };
    bool this_year = std::any_of(upto.begin(), upto.end(), [&](const Line& l) { return l.item == g_item && l.year == year; });
    if (!this_year) continue;
    if (r.apply_free) {
      std::vector<int32_t> seen;
      for (const Line& l : upto) {
        if (l.item != g_item || l.year != year) continue;
        if (std::find(seen.begin(), seen.end(), l.condition) != seen.end()) continue;
        seen.push_back(l.condition);
        auto ls = lines_of([&](const Line& x) { return x.year == year && x.condition == l.condition; });
        if (ls.size() < 2) continue;
        Excess e;
        e.kind = Excess::kDecidedTwice;
        e.item = g_item;
        e.scope = l.condition >= 0 ? LimitScope::kCondition : LimitScope::kEnterprise;
        e.key = l.condition;
        e.span_first = e.span_last = year;
        e.limit_value = 1;
        e.total = static_cast<int64_t>(ls.size());
        e.over = e.total - 1;
        e.lines = std::move(ls);
        out.push_back(std::move(e));
      }
    }
    if (r.once != Once::kNone && r.once != Once::kYear) {
      std::vector<int32_t> seen;
      for (const Line& l : upto) {
        int32_t key = OnceKey(l, r.once);
        if (l.item != g_item || l.year != year || key < 0) continue;
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
        seen.push_back(key);
        auto same_key = [&](const Line& x) { return OnceKey(x, r.once) == key; };
        std::vector<int> ys = years_of(same_key);
        if (ys.size() < 2) continue;
        Excess e;
        e.kind = Excess::kOnce;
        e.item = g_item;
        e.scope = r.once == Once::kProject    ? LimitScope::kProject
                  : r.once == Once::kSolution ? LimitScope::kSolution
                  : r.once == Once::kCondition ? LimitScope::kCondition
                                               : LimitScope::kEnterprise;
        e.key = r.once == Once::kEnterprise ? -1 : key;
        e.span_first = ys.front();
        e.span_last = ys.back();
        e.limit_value = 1;
        e.total = static_cast<int64_t>(ys.size());
        e.over = e.total - 1;
        e.lines = lines_of(same_key);
        out.push_back(std::move(e));
      }
    }
    if (r.consecutive_years >= 1) {
      std::vector<int> ys = years_of([](const Line&) { return true; });
      int64_t run = 0;
      for (int64_t y = year; std::binary_search(ys.begin(), ys.end(), static_cast<int>(y)); --y) ++run;
      if (run > r.consecutive_years) {
        Excess e;
        e.kind = Excess::kConsecutive;
        e.item = g_item;
        e.span_first = static_cast<int>(year - run + 1);
        e.span_last = year;
        e.limit_value = r.consecutive_years;
        e.total = run;
        e.over = run - r.consecutive_years;
        e.lines = lines_of([&](const Line& x) { return x.year >= e.span_first; });
        out.push_back(std::move(e));
      }
    }
    if (r.period_years >= 0) {
      int first = PeriodFirst(g_item, upto, year);
      int64_t n = static_cast<int64_t>(year) - first + 1;
      if (n > r.period_years) {
        Excess e;
        e.kind = Excess::kPeriodOver;
        e.item = g_item;
        e.span_first = first;
        e.span_last = year;
        e.limit_value = r.period_years;
        e.total = n;
        e.over = n - r.period_years;
        e.lines = lines_of([&](const Line& x) { return x.year == year; });
        out.push_back(std::move(e));
      }
    }
  }
  return out;
}

}  // namespace bursar::limits
