// 申报核查 (GET /api/audit/declarations): the enterprises' own declarations of
// a value only an authority states (D-G10) that an officer verified anyway, as
// the auditor's and the officer's pages read them. Pure: no page and no
// request, so it is unit-tested alone.
import { tIn, type Lang } from "./i18n";
import { decisionsOf, limitYears } from "./limits";
import type { FigureName } from "./programme";

/** One declaration as the API gives it. */
export interface DeclaredOfficial {
  /** "figure" (a programme's figure its policy says an authority gives) or "trade" (declared as made at a legally established institution). */
  table: string;
  credit_code: string;
  /** The programme's policy id; "" the store's own programme. */
  policy: string;
  year: number;
  /** The figure's name ("applicant.digital_health_business"), or "legally_established". */
  field: string;
  /** The row as the import names it: "credit_code=… policy=… year=… name=…". */
  key: string;
  /** Who verified it; null when nobody did. */
  verified_by: string | null;
  /** The decisions in force of that enterprise, year and programme that may rest on it. */
  decisions: number[];
}

export interface DeclarationsReport {
  declarations: DeclaredOfficial[];
  /** Verified declared figures of a policy the server does not publish: not judged. */
  unchecked: number;
}

export interface DeclarationsVerdict {
  /** No declaration found and none left unjudged. */
  clean: boolean;
  declarations: number;
  enterprises: number;
  /** Decisions in force that may rest on one, each counted once. */
  decisions: number;
  unchecked: number;
}

/** The report in numbers: clean or not, and how many declarations, enterprises and decisions are involved. */
export function declarationsVerdict(r: DeclarationsReport): DeclarationsVerdict {
  const rows = r.declarations ?? [];
  const unchecked = r.unchecked ?? 0;
  return {
    clean: rows.length === 0 && unchecked === 0,
    declarations: rows.length,
    enterprises: new Set(rows.map((d) => d.credit_code)).size,
    decisions: decisionsOf(rows).length,
    unchecked,
  };
}

/** The verdict's state: 合规, 不合规 (declarations found) or 未完成核查 (none found, some not judged). */
export function declarationsState(v: DeclarationsVerdict): "clean" | "found" | "unchecked" {
  return v.clean ? "clean" : v.declarations ? "found" : "unchecked";
}

/** The verdict as one sentence: none found, or how many and what they touch. */
export function declarationsVerdictText(r: DeclarationsReport, lang: Lang): string {
  const v = declarationsVerdict(r);
  const state = declarationsState(v);
  if (state === "found") return tIn(lang, "declarations.found", { m: v.declarations, k: v.enterprises, d: v.decisions });
  return tIn(lang, state === "clean" ? "declarations.clean" : "declarations.clean.checked");
}

/** What was checked: a year or every year, a programme (its title) or every programme. */
export function declarationsScopeText(scope: { year?: number; title?: string }, lang: Lang): string {
  return tIn(lang, "declarations.scope", {
    year: scope.year ? tIn(lang, "declarations.scope.year", { y: scope.year }) : tIn(lang, "declarations.all.years"),
    programme: scope.title ? tIn(lang, "limits.programme", { title: scope.title }) : tIn(lang, "declarations.all.programmes"),
  });
}

/** The warning for the declarations that could not be judged; null when there are none. */
export function uncheckedText(r: DeclarationsReport, lang: Lang): string | null {
  return r.unchecked ? tIn(lang, "declarations.unchecked", { n: r.unchecked }) : null;
}

/** What the page knows beside the report: enterprises' names and the programmes' policies. */
export interface DeclarationsContext {
  /** The enterprise's name, where it could be read. */
  name(code: string): string | undefined;
  /** The programme's title in the reader's language ("" the store's own programme). */
  programme(policy: string): string;
  /** The figures the programme's policy names (programme.ts figureNames); null when its policy could not be read. */
  figures(policy: string): FigureName[] | null;
}

/** One declaration as a line of the table, every cell in the reader's words. */
export interface DeclarationLine {
  code: string;
  /** The enterprise's name; its credit code when the name could not be read. */
  name: string;
  programme: string;
  year: string;
  /** 申报数据 or 申报交易. */
  kind: string;
  /** What was declared: the policy's label of the figure (its name where the policy has none), or 在依法设立的交易机构成交. */
  item: string;
  /** Who alone may state it, or which trade it is; "" when not known. */
  detail: string;
  verifier: string;
  verified: boolean;
  decisions: number[];
  key: string;
}

/** The institution and trade id of a trade's key ("credit_code=… exchange=… trade_id=…"); null when the key has another form. */
export function tradeOf(key: string): { exchange: string; trade: string } | null {
  const m = / exchange=(.*) trade_id=(.*)$/.exec(key);
  return m ? { exchange: m[1], trade: m[2] } : null;
}

function lineOf(d: DeclaredOfficial, ctx: DeclarationsContext, lang: Lang): DeclarationLine {
  const common = {
    code: d.credit_code,
    name: ctx.name(d.credit_code) ?? d.credit_code,
    programme: ctx.programme(d.policy),
    year: limitYears([d.year, d.year], lang),
    verifier: d.verified_by ?? tIn(lang, "declarations.unverified"),
    verified: d.verified_by !== null && d.verified_by !== undefined,
    decisions: d.decisions,
    key: d.key,
  };
  if (d.table === "trade") {
    const trade = tradeOf(d.key);
    return {
      ...common,
      kind: tIn(lang, "declarations.kind.trade"),
      item: d.field === "legally_established" ? tIn(lang, "declarations.legally_established") : d.field,
      detail: trade ? tIn(lang, "declarations.trade", trade) : "",
    };
  }
  const figure = ctx.figures(d.policy)?.find((f) => f.name === d.field);
  return {
    ...common,
    kind: tIn(lang, "declarations.kind.figure"),
    item: figure ? figure.label : d.field,
    detail: figure?.givenBy ? tIn(lang, "declarations.given_by", { by: figure.givenBy }) : "",
  };
}

/** The table's lines, in the order the server lists the declarations. */
export function declarationLines(r: DeclarationsReport, ctx: DeclarationsContext, lang: Lang): DeclarationLine[] {
  return (r.declarations ?? []).map((d) => lineOf(d, ctx, lang));
}
