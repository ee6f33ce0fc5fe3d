// What a calculator form of any policy holds, and the case it describes
// (docs/case-format.md), typed by the fields the policy declares (GET
// /api/policy's `case`). Pure: no page, so it is unit-tested alone.
import type * as api from "./api";
import { parseMoneyInput } from "./money";

// As the programme's calculator: a member of the public gives no credit code,
// and an estimate has no history, so this valid code changes nothing.
const ANONYMOUS_CODE = "91110105MA01C9XY29";

export interface ClaimState {
  key: string;  // "measure/item"
  values: Record<string, string>;
}

export interface FormState {
  year: string;
  applicant: Record<string, string | boolean>;
  tags: Set<string>;
  facts: Record<string, string | boolean>;
  /** The year before's figures of the facts the policy reads with last_year(...). */
  earlier: Record<string, string>;
  claims: ClaimState[];
}

export function baseType(type: string): string {
  return type.endsWith("?") ? type.slice(0, -1) : type;
}

/** The value of one typed input, as the case format writes it; text the server then refuses as it stands. */
export function caseValue(type: string, text: string | boolean): unknown {
  if (typeof text === "boolean") return text;
  const s = text.trim();
  const base = baseType(type);
  if (s === "") return type.endsWith("?") ? null : undefined;
  if (base === "money") return parseMoneyInput(s) ?? s;
  if (base === "count" || base === "year") return /^\d+$/.test(s) ? Number(s) : s;
  return s;  // rates ("5%"), dates, text, choices, and quantities as decimal strings
}

/** The case the form describes (docs/case-format.md). */
export function buildCase(policy: api.PolicySummary, s: FormState): Record<string, unknown> {
  const schema = policy.case!;
  const applicant: Record<string, unknown> = { id: ANONYMOUS_CODE };
  for (const f of schema.applicant) {
    const v = caseValue(f.type, s.applicant[f.name] ?? (baseType(f.type) === "flag" ? false : ""));
    if (v !== undefined) applicant[f.name] = v;
  }
  const facts: Record<string, unknown> = {};
  for (const f of schema.facts) {
    const v = caseValue(f.type, s.facts[f.name] ?? (baseType(f.type) === "flag" ? false : ""));
    if (v !== undefined && v !== null) facts[f.name] = v;
  }
  const fieldType = new Map(schema.claim_fields.map((f) => [f.name, f.type]));
  const claims = s.claims.map((c) => {
    const [measure, item] = c.key.split("/");
    const claim: Record<string, unknown> = { measure, item };
    for (const [name, text] of Object.entries(c.values)) {
      const v = caseValue(fieldType.get(name) ?? "text?", text);
      if (v !== undefined && v !== null) claim[name] = v;
    }
    return claim;
  });
  const kase: Record<string, unknown> = { year: /^\d+$/.test(s.year.trim()) ? Number(s.year.trim()) : s.year, applicant, facts };
  const year = kase.year;
  const before: Record<string, unknown> = {};
  for (const name of schema.last_year) {
    const f = schema.facts.find((x) => x.name === name);
    const v = f ? caseValue(f.type, s.earlier[name] ?? "") : undefined;
    if (v !== undefined && v !== null) before[name] = v;
  }
  if (Object.keys(before).length && typeof year === "number") kase.earlier = { [String(year - 1)]: before };
  if (s.tags.size) kase.tags = [...s.tags];
  if (claims.length) kase.claims = claims;
  return kase;
}

