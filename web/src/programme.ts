// The programmes a store runs side by side (issue 16): the served policy's and
// the ones published beside it (`bursar serve --also-policy`). An application
// names its programme by its policy's id; its measures, items and claim fields
// are that policy's (GET /api/policy?policy=ID), never the served one's terms.
// Pure: no page and no request, so it is unit-tested alone.
import type * as api from "./api";
import { baseType, caseValue } from "./case-form";
import { tIn, type Key, type Lang } from "./i18n";
import { formatYuan } from "./money";


/** A title (or label) in the reader's language: the Chinese one where the policy gives it. */
export function titleIn(x: { title: string; title_zh?: string }, lang: Lang): string {
  return lang === "zh" && x.title_zh ? x.title_zh : x.title;
}

export function labelIn(x: { label: string; label_zh?: string }, lang: Lang): string {
  return lang === "zh" && x.label_zh ? x.label_zh : x.label;
}

/**
 * The values of a choice field (type `one of (...)`) with their labels in the
 * reader's language: the Chinese label the policy gives (`choices[].label_zh`)
 * in Chinese, else the value's name. Null for a field that is no choice. A
 * server that lists no `choices` leaves the names of the type to read.
 */
export function choiceOptions(f: { type: string; choices?: Array<{ name: string; label_zh?: string }> }, lang: Lang): Array<[string, string]> | null {
  const m = /^one of \((.*)\)$/.exec(baseType(f.type));
  if (!m) return null;
  const choices = f.choices?.length ? f.choices : m[1].split(", ").map((name) => ({ name }));
  return choices.map((c): [string, string] => [c.name, choiceLabelOf(c, lang)]);
}

function choiceLabelOf(c: { name: string; label_zh?: string }, lang: Lang): string {
  return lang === "zh" && c.label_zh ? c.label_zh : c.name;
}

/** A stored value of a field as the reader reads it: a choice by its label, anything else as it is. */
export function choiceLabel(f: { type: string; choices?: Array<{ name: string; label_zh?: string }> }, value: string, lang: Lang): string {
  return choiceOptions(f, lang)?.find(([name]) => name === value)?.[1] ?? value;
}

/**
 * Whether an application of programme `policy` is the served programme's: no
 * policy named, or the served policy's id. Without a known served id (the
 * list of policies could not be read) every application is taken as the
 * served programme's, as before programmes existed.
 */
export function ofServed(policy: string | null | undefined, servedId: string | null | undefined): boolean {
  return !policy || !servedId || policy === servedId;
}

/** An apply-free proposal (免申即享): made by the office, confirmed by the enterprise as proposed. */
export function isApplyFree(a: { claim?: api.Claim }): boolean {
  return a.claim?.apply_free === true;
}

/** "4 融资支持 · 贷款贴息": a measure and item by the policy's own titles. */
export function measureTitle(policy: api.PolicySummary, measure: string, item: string | null | undefined, lang: Lang): string {
  const m = policy.measures.find((x) => x.id === measure);
  const it = item ? m?.items.find((x) => x.name === item) : undefined;
  const head = m ? `${measure} ${titleIn(m, lang)}` : measure;
  if (!item) return head;
  return `${head} · ${it ? titleIn(it, lang) : item}`;
}

/** An item's title by the policy's own terms; the item's name when the policy has no such item. */
export function itemTitle(policy: api.PolicySummary, measure: string, item: string | null | undefined, lang: Lang): string {
  if (!item) return "";
  const it = policy.measures.find((x) => x.id === measure)?.items.find((x) => x.name === item);
  return it ? titleIn(it, lang) : item;
}

/** The measures an enterprise applies for (with at least one item `by: "claim"`), each with those items only. */
export function claimMeasures(policy: api.PolicySummary): api.PolicyMeasure[] {
  return policy.measures
    .map((m) => ({ ...m, items: m.items.filter((i) => i.by === "claim") }))
    .filter((m) => m.items.length > 0);
}

/** The apply-free measures (免申即享): every item decided from facts, which POST /api/proposals takes. */
export function applyFreeMeasures(policy: api.PolicySummary): api.PolicyMeasure[] {
  return policy.measures.filter((m) => m.items.length > 0 && m.items.every((i) => i.by === "facts"));
}

/**
 * The fields a claim of the item gives, by name: those the item requires, in
 * the order the policy declares them, then the project where the policy's
 * claims may name one (as the policy calculator asks for them).
 */
export function claimFieldNames(policy: api.PolicySummary, item: api.PolicyItem | undefined): string[] {
  // In the order the policy declares its claim fields (an item lists its own by name).
  const declared = (policy.case?.claim_fields ?? []).map((f) => f.name);
  const at = (name: string) => (declared.includes(name) ? declared.indexOf(name) : declared.length);
  const names = [...(item?.claim_fields ?? [])].sort((a, b) => at(a) - at(b));
  if (!names.includes("project") && declared.includes("project")) names.push("project");
  return names;
}

/** A claim field's declaration; an undeclared one is optional text. */
export function claimField(policy: api.PolicySummary, name: string): api.CaseField {
  return policy.case?.claim_fields.find((f) => f.name === name) ?? { name, type: "text?", label: name };
}

/**
 * The claim a form of `fields` describes (CASES.md claims): each value typed as
 * the policy declares it (money as a money string, counts as numbers), empty
 * ones left out; text the server then refuses at its field stays as typed.
 */
export function claimFrom(
  policy: api.PolicySummary,
  measure: string,
  item: string | undefined,
  fields: string[],
  values: Record<string, string | boolean>,
): api.Claim {
  const claim: api.Claim = { measure };
  if (item) claim.item = item;
  for (const name of fields) {
    const text = values[name];
    if (text === undefined) continue;
    const v = caseValue(claimField(policy, name).type, text);
    if (v !== undefined && v !== null) claim[name] = v as string | number | boolean;
  }
  return claim;
}

/** A claim's stored values as a form shows them again (money strings as they are). */
export function claimValues(claim: api.Claim, fields: string[]): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const name of fields) {
    const v = claim[name];
    if (typeof v === "boolean") out[name] = v;
    else if (v !== undefined && v !== null) out[name] = String(v);
  }
  return out;
}

/** What a claim gives beside its measure and item, labelled by the policy: money shown as yuan. */
export function claimEntries(policy: api.PolicySummary, claim: api.Claim, lang: Lang): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  // In the order the policy declares its claim fields (a stored claim's keys come in any order).
  const declared = (policy.case?.claim_fields ?? []).map((f) => f.name);
  const at = (name: string) => (declared.includes(name) ? declared.indexOf(name) : declared.length);
  const entries = Object.entries(claim).sort(([a], [b]) => at(a) - at(b));
  for (const [name, v] of entries) {
    if (name === "measure" || name === "item" || name === "apply_free" || v === undefined || v === null) continue;
    const f = claimField(policy, name);
    const base = baseType(f.type);
    const text =
      base === "money" && typeof v === "string"
        ? formatYuan(v)
        : typeof v === "boolean"
          ? tIn(lang, v ? "calc.yes" : "calc.no")
          : choiceLabel(f, String(v), lang);
    out.push([labelIn(f, lang), text]);
  }
  return out;
}

/** A value a figures upload (`figures`: credit_code, policy, year, name, value) may give, named as in a case. */
export interface FigureName {
  /** "facts.rent_paid", "applicant.digital_health_business". */
  name: string;
  label: string;
  type: string;
  /** Who gives it when an authority does (an enterprise's own upload may not state it). */
  givenBy?: string;
  /** A choice's values with their Chinese labels, as the policy gives them. */
  choices?: api.CaseField["choices"];
}

/** The names a figures file may give for a policy: its applicant fields, then its facts. */
export function figureNames(policy: api.PolicySummary, lang: Lang): FigureName[] {
  const schema = policy.case;
  if (!schema) return [];
  const one = (part: string, f: api.CaseField): FigureName => {
    const by = lang === "zh" && f.given_by_zh ? f.given_by_zh : f.given_by;
    return { name: `${part}.${f.name}`, label: labelIn(f, lang), type: f.type, ...(by ? { givenBy: by } : {}), ...(f.choices ? { choices: f.choices } : {}) };
  };
  return [...schema.applicant.map((f) => one("applicant", f)), ...schema.facts.map((f) => one("facts", f))];
}

/**
 * How a figure's value is written, by its type: "金额（元）", "年份，如 2025；没有时写 `none`"
 * (names between backticks); a choice's names with their labels where the policy gives them.
 */
export function figureTypeText(policy: api.PolicySummary, type: string, lang: Lang, choices?: api.CaseField["choices"]): string {
  const base = baseType(type);
  const options = choiceOptions({ type, choices }, lang);
  const unit = policy.case?.units.find((u) => u.name === base);
  let text: string;
  if (options) {
    const values = options.map(([name, label]) => (label === name ? `\`${name}\`` : `\`${name}\`${tIn(lang, "p.open")}${label}${tIn(lang, "p.close")}`));
    text = tIn(lang, "figures.type.choice", { values: values.join(tIn(lang, "p.list_sep")) });
  }
  else if (unit) text = tIn(lang, "figures.type.quantity", { unit: lang === "zh" && unit.noun_zh ? unit.noun_zh : unit.noun });
  else if (SIMPLE_TYPES.includes(base)) text = tIn(lang, `figures.type.${base}` as Key);
  else text = `\`${base}\``;
  return type.endsWith("?") ? text + tIn(lang, "figures.type.optional") : text;
}

const SIMPLE_TYPES = ["money", "flag", "count", "year", "date", "rate", "text"];
