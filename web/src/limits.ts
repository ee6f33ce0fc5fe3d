// The year's limits checked (GET /api/audit/limits/{year}): how the report
// reads on the auditor's and the officer's pages. Pure: no page and no
// request, so it is unit-tested alone.
import { tIn, type Key, type Lang } from "./i18n";
import { formatYuan } from "./money";

/** One limit one enterprise's awards in force exceed, as the API gives it. */
export interface LimitOverrun {
  /** The enterprise's credit code. */
  enterprise: string;
  name: string;
  /** cap, draw (money strings); once, decided_twice, consecutive, period (counts). */
  kind: string;
  /** How the engine reads the limit, in English: "03 services: at most 5000000.00 per year". */
  limit: string;
  clause: string;
  decision: string;
  scope: string;
  key?: string;
  years: [number, number];
  limit_value: string | number;
  total: string | number;
  over: string | number;
  decisions: number[];
}

export interface LimitsReport {
  year: number;
  enterprises: number;
  decisions: number;
  clean: boolean;
  over: LimitOverrun[];
}

/** Whether the limit's figures are money (a cap, or the figures drawn against a limit) rather than counts. */
export function isMoneyLimit(kind: string): boolean {
  return kind === "cap" || kind === "draw";
}

const KINDS = ["cap", "draw", "once", "decided_twice", "consecutive", "period"];
const SCOPES = ["enterprise", "project", "solution", "condition", "claim"];

/** A figure of the limit as the app shows it: money as ¥1,234.00, counts with their unit (年, 项决定). */
export function limitFigure(o: Pick<LimitOverrun, "kind">, value: string | number, lang: Lang): string {
  if (isMoneyLimit(o.kind)) return formatYuan(String(value));
  const n = typeof value === "number" ? value : Number(value);
  return tIn(lang, o.kind === "decided_twice" ? "limits.unit.decisions" : "limits.unit.years", { n });
}

/** "2025 年" or "2023—2025 年": the years whose awards were counted. */
export function limitYears(years: [number, number], lang: Lang): string {
  const [first, last] = years;
  return first === last ? tIn(lang, "limits.year", { y: first }) : tIn(lang, "limits.years", { first, last });
}

/** The kind of limit in words: 金额上限, 仅支持一次, 支持期限 … */
export function limitKind(kind: string, lang: Lang): string {
  return KINDS.includes(kind) ? tIn(lang, `limits.kind.${kind}` as Key) : kind;
}

/** What the limit holds over: 企业, 项目 P-17, 解决方案 … */
export function limitScope(o: Pick<LimitOverrun, "scope" | "key">, lang: Lang): string {
  const scope = SCOPES.includes(o.scope) ? tIn(lang, `limits.scope.${o.scope}` as Key) : o.scope;
  return o.key ? `${scope} ${o.key}` : scope;
}

/**
 * The limit in the reader's words, from its parts (the engine's own sentence
 * is English): "金额上限（项目 P-17，2025 年）：限额 ¥5,000,000.00，合计 ¥5,200,000.00".
 */
export function limitText(o: LimitOverrun, lang: Lang): string {
  return tIn(lang, "limits.text", {
    kind: limitKind(o.kind, lang),
    scope: limitScope(o, lang),
    years: limitYears(o.years, lang),
    limit: limitFigure(o, o.limit_value, lang),
    total: limitFigure(o, o.total, lang),
  });
}

/** The measure a limit belongs to, read from its clause ("[03.1]" → "03"); null when the clause names none. */
export function limitMeasure(o: Pick<LimitOverrun, "clause">): string | null {
  const m = /^\[(\d{1,2})(?:[.\]])/.exec(o.clause.trim());
  return m ? m[1].padStart(2, "0") : null;
}

export interface LimitsVerdict {
  clean: boolean;
  /** Enterprises with an award in force in the year, all checked. */
  enterprises: number;
  decisions: number;
  /** Enterprises with at least one limit exceeded. */
  overEnterprises: number;
  overruns: number;
}

/** The report in numbers: clean or not, and how many enterprises and limits are over. */
export function limitsVerdict(r: LimitsReport): LimitsVerdict {
  const over = r.over ?? [];
  return {
    clean: over.length === 0,
    enterprises: r.enterprises,
    decisions: r.decisions,
    overEnterprises: new Set(over.map((o) => o.enterprise)).size,
    overruns: over.length,
  };
}

/** The verdict as one sentence: every enterprise within every limit, or how many are not. */
export function limitsVerdictText(r: LimitsReport, lang: Lang): string {
  const v = limitsVerdict(r);
  return v.clean
    ? tIn(lang, "limits.clean", { year: r.year, n: v.enterprises, d: v.decisions })
    : tIn(lang, "limits.over", { year: r.year, n: v.enterprises, d: v.decisions, k: v.overEnterprises, m: v.overruns });
}

/** Every decision the overruns name, each once, in the order first named. */
export function decisionsNamed(r: LimitsReport): number[] {
  return decisionsOf(r.over ?? []);
}

/** Every decision the rows name (an overrun, a declaration), each once, in the order first named. */
export function decisionsOf(rows: Array<{ decisions: number[] }>): number[] {
  const seen = new Set<number>();
  for (const o of rows) for (const d of o.decisions) seen.add(d);
  return [...seen];
}
