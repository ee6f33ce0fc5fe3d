// 政策计算器: the applicant's situation in one year → POST /api/evaluations →
// each award with its amount, reason and clause text, the lines not awarded,
// the total and a chart. The form keeps its values across a language switch.
// The server is the only judge of the input: a refused field is shown next to
// that field with the server's message.
import * as api from "../api";
import { ApiError } from "../api";
import { drawBars } from "../chart";
import { h, uid } from "../dom";
import { lang, pick, t } from "../i18n";
import { approxMillion, approxWan, differenceMoney, formatWan, formatYuan, parseMoneyInput, sumMoney, type MoneyUnit } from "../money";
import { refusalNodes } from "../refusals";
import { EXPORT_ROUTES, FACTS, ITEMS, MEASURE_IDS, MEASURES, TAGS } from "../terms";
import { clauseQuote, errorBox, policyLine } from "./common";
import { otherPolicyLinks } from "./policy-calculator";

const FLAGS = ["registered_in_chaoyang", "taxed_in_chaoyang", "independent_legal_person", "serious_dishonesty_record"] as const;
type Flag = (typeof FLAGS)[number];

interface ClaimState {
  measure: string;
  item: string;
  assessed: string;
  project: string;
  investment: string;
  civil_construction: string;
  external_support: string;
}

interface State {
  year: string;
  id: string;
  name: string;
  flags: Record<Flag, boolean>;
  tags: Set<string>;
  facts: Record<string, string | boolean>;
  claims: ClaimState[];
  unit: MoneyUnit;  // how the amounts below are typed: 元 or 万元
  decision: api.Decision | null;
  error: unknown;
}

// The calculator is for anyone, who need not give a credit code: the case
// then names this one (the CASES.md example's, a valid code), which the page
// never shows. An estimate has no history, so the code changes nothing.
const ANONYMOUS_CODE = "91110105MA01C9XY29";

const CLAIMABLE = MEASURE_IDS.filter((id) => !MEASURES[id].applyFree);

function emptyState(): State {
  return {
    year: String(new Date().getFullYear()),
    id: "",
    name: "",
    flags: { registered_in_chaoyang: true, taxed_in_chaoyang: true, independent_legal_person: true, serious_dishonesty_record: false },
    tags: new Set(),
    facts: {},
    claims: [],
    unit: "yuan",
    decision: null,
    error: null,
  };
}

function newClaim(measure = "03"): ClaimState {
  return { measure, item: Object.keys(ITEMS[measure])[0], assessed: "", project: "", investment: "", civil_construction: "", external_support: "" };
}

// The CASES.md example: a data vendor with 51 listed products, 8,000,000 of
// trading, a first export by standard contract, two applications.
function exampleState(): State {
  const s = emptyState();
  s.year = "2025";
  s.id = "91110105MA01C9XY29";
  s.name = "示例数据科技有限公司";
  s.tags = new Set(["data_vendor"]);
  s.facts = {
    listed_data_products: "51",
    registration_certificates: "2",
    exchange_trading_volume: "8000000.00",
    compliant_export_first_time: true,
    export_route: "standard_contract",
  };
  s.claims = [
    { ...newClaim("03"), assessed: "4200000" },
    { ...newClaim("11"), item: "scenario", project: "P-17", investment: "12000000", civil_construction: "3000000" },
  ];
  return s;
}

let state: State = emptyState();

/** A count as JSON: a whole number when it is one, else the text as typed, for the server to refuse. */
function countJson(text: string): number | string {
  return /^\d+$/.test(text) && text.length <= 15 ? Number(text) : text;
}

/** An amount as typed ("30,000,000", "3000" in 万元) as a money string; the text as typed when it is none, for the server to refuse by field. */
function moneyJson(text: string, unit: MoneyUnit): string {
  return parseMoneyInput(text, unit) ?? text.trim();
}

export function buildCase(s: State): unknown {
  const applicant: Record<string, unknown> = { id: s.id.trim() || ANONYMOUS_CODE };
  if (s.name.trim()) applicant.name = s.name.trim();
  for (const f of FLAGS) applicant[f] = s.flags[f];
  applicant.tags = Object.keys(TAGS).filter((tag) => s.tags.has(tag));
  const facts: Record<string, unknown> = {};
  for (const f of FACTS) {
    const v = s.facts[f.name];
    if (v === undefined || v === "" || v === false) continue;
    if (f.kind === "flag") facts[f.name] = true;
    else if (f.kind === "count") facts[f.name] = countJson(String(v).trim().replace(/[,，]/g, ""));
    else if (f.kind === "money") facts[f.name] = moneyJson(String(v), s.unit);
    else facts[f.name] = String(v).trim();
  }
  const claims = s.claims.map((c) => {
    const out: Record<string, unknown> = { measure: c.measure, item: c.item };
    for (const k of ["project", "assessed", "investment", "civil_construction", "external_support"] as const) {
      if (c[k].trim()) out[k] = k === "project" ? c[k].trim() : moneyJson(c[k], s.unit);
    }
    return out;
  });
  const year = s.year.trim();
  return { year: /^\d{4}$/.test(year) ? Number(year) : year, applicant, facts, claims };
}

/** Which claim fields an item takes (D-G5: assessed; D-11a: investment). */
function claimFields(c: ClaimState): Array<keyof ClaimState> {
  if (c.measure === "11" && c.item === "scenario") return ["project", "investment", "civil_construction", "external_support"];
  return ["assessed", "project", "external_support"];
}

// ---- field errors ---------------------------------------------------------


function findFieldInput(form: HTMLElement, field: string): HTMLElement | null {
  const candidates = [field, field.replace(/\[\d+\]$/, ""), field.replace(/\.[^.[\]]+$/, ".measure")];
  for (const f of candidates) {
    const el = form.querySelector<HTMLElement>(`[data-field="${CSS.escape(f)}"]`);
    if (el) return el;
  }
  return null;
}

export function showFieldError(form: HTMLElement, e: ApiError): boolean {
  if (!e.field) return false;
  const input = findFieldInput(form, e.field);
  if (!input) return false;
  const id = `${input.id}-error`;
  const msg = h(
    "p",
    { class: "field-error", id, role: "alert", "data-reason": e.reason || null },
    t("calc.refused.field"),
    ...refusalNodes(e.message, e.reason, e.params),
  );
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), id].filter(Boolean).join(" "));
  const wrap = input.closest(".field, fieldset") ?? input.parentElement!;
  wrap.classList.add("has-error");
  wrap.appendChild(msg);
  input.focus();
  return true;
}

// ---- the form -------------------------------------------------------------

export function textField(label: string, field: string, value: string, onInput: (v: string) => void, opts: { hint?: string; inputmode?: string; autocomplete?: string } = {}): HTMLElement {
  const id = uid("f");
  const hintId = opts.hint ? `${id}-hint` : null;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hintId ? h("p", { class: "hint", id: hintId }, opts.hint!) : null,
    h("input", {
      id,
      name: field,
      type: "text",
      value,
      "data-field": field,
      inputmode: opts.inputmode ?? null,
      autocomplete: opts.autocomplete ?? "off",
      spellcheck: "false",
      "aria-describedby": hintId,
      oninput: (ev: Event) => onInput((ev.target as HTMLInputElement).value),
    }),
  );
}

export function checkbox(label: string, field: string, checked: boolean, onChange: (v: boolean) => void): HTMLElement {
  const id = uid("c");
  return h(
    "div",
    { class: "check" },
    h("input", { id, type: "checkbox", name: field, "data-field": field, checked, onchange: (ev: Event) => onChange((ev.target as HTMLInputElement).checked) }),
    h("label", { for: id }, label),
  );
}

export function select(label: string, field: string, value: string, options: Array<[string, string]>, onChange: (v: string) => void): HTMLElement {
  const id = uid("s");
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h(
      "select",
      { id, name: field, "data-field": field, onchange: (ev: Event) => onChange((ev.target as HTMLSelectElement).value) },
      options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)),
    ),
  );
}

function claimBlock(c: ClaimState, index: number, rerender: () => void): HTMLElement {
  const n = index + 1;
  const base = `claims[${index}]`;
  const items = Object.entries(ITEMS[c.measure]);
  const labels: Record<string, string> = {
    assessed: t("calc.claim.assessed"),
    project: t("calc.claim.project"),
    investment: t("calc.claim.investment"),
    civil_construction: t("calc.claim.civil_construction"),
    external_support: t("calc.claim.external_support"),
  };
  return h(
    "fieldset",
    { class: "claim" },
    h("legend", {}, t("calc.claim.n", { n })),
    select(t("calc.claim.measure"), `${base}.measure`, c.measure, CLAIMABLE.map((id) => [id, `${id} ${pick(MEASURES[id])}`]), (v) => {
      Object.assign(c, newClaim(v));
      rerender();
    }),
    items.length > 1
      ? select(t("calc.claim.item"), `${base}.item`, c.item, items.map(([name, pair]) => [name, pick(pair)]), (v) => {
          c.item = v;
          rerender();
        })
      : null,
    h(
      "div",
      { class: "grid" },
      claimFields(c).map((k) =>
        textField(labels[k], `${base}.${k}`, c[k], (v) => (c[k] = v), { inputmode: k === "project" ? undefined : "decimal" }),
      ),
    ),
    h(
      "button",
      {
        type: "button",
        class: "secondary small",
        onclick: () => {
          state.claims.splice(index, 1);
          rerender();
        },
      },
      t("calc.claim.remove", { n }),
    ),
  );
}

function renderForm(onSubmit: (form: HTMLFormElement) => void, rerender: () => void): HTMLFormElement {
  const s = state;
  const form = h(
    "form",
    { class: "calc-form", novalidate: true, "aria-labelledby": "calc-title" },
    h(
      "fieldset",
      {},
      h("legend", {}, t("calc.applicant")),
      h(
        "div",
        { class: "grid" },
        textField(t("calc.year"), "year", s.year, (v) => (s.year = v), { inputmode: "numeric" }),
        textField(t("calc.id.optional"), "applicant.id", s.id, (v) => (s.id = v), { hint: t("calc.id.hint.optional") }),
        textField(t("calc.name"), "applicant.name", s.name, (v) => (s.name = v), { autocomplete: "organization" }),
      ),
    ),
    h(
      "fieldset",
      { "data-field": "applicant.eligibility" },
      h("legend", {}, t("calc.eligibility")),
      h("div", { class: "checks" }, FLAGS.map((f) => checkbox(t(`calc.flag.${f}`), `applicant.${f}`, s.flags[f], (v) => (s.flags[f] = v)))),
    ),
    h(
      "fieldset",
      { "data-field": "applicant.tags", tabindex: "-1" },
      h("legend", {}, t("calc.tags")),
      h(
        "div",
        { class: "checks" },
        Object.entries(TAGS).map(([tag, pair]) =>
          checkbox(pick(pair), `applicant.tags.${tag}`, s.tags.has(tag), (v) => (v ? s.tags.add(tag) : s.tags.delete(tag))),
        ),
      ),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, t("calc.facts")),
      h("p", { class: "hint" }, t("calc.facts.hint")),
      select(t("money.unit.all"), "unit", s.unit, [["yuan", t("money.unit.yuan")], ["wan", t("money.unit.wan")]], (v) => (s.unit = v as MoneyUnit)),
      h(
        "div",
        { class: "grid" },
        FACTS.map((f) => {
          const field = `facts.${f.name}`;
          const v = s.facts[f.name];
          if (f.kind === "flag") return checkbox(pick(f), field, v === true, (nv) => (s.facts[f.name] = nv));
          if (f.kind === "route")
            return select(
              pick(f),
              field,
              typeof v === "string" ? v : "",
              [["", t("calc.export.none")], ...Object.entries(EXPORT_ROUTES).map(([k, p]): [string, string] => [k, pick(p)])],
              (nv) => (s.facts[f.name] = nv),
            );
          return textField(pick(f), field, typeof v === "string" ? v : "", (nv) => (s.facts[f.name] = nv), {
            inputmode: f.kind === "count" ? "numeric" : "decimal",
          });
        }),
      ),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, t("calc.claims")),
      h("p", { class: "hint" }, t("calc.claims.hint")),
      s.claims.length === 0 ? h("p", { class: "empty" }, t("calc.claims.none")) : null,
      s.claims.map((c, i) => claimBlock(c, i, rerender)),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            state.claims.push(newClaim());
            rerender();
          },
        },
        `+ ${t("calc.claim.add")}`,
      ),
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary", id: "calc-submit" }, t("calc.submit")),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            state = exampleState();
            rerender();
          },
        },
        t("calc.example"),
      ),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            state = emptyState();
            rerender();
          },
        },
        t("calc.reset"),
      ),
    ),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    onSubmit(form);
  });
  return form;
}

// ---- the result -----------------------------------------------------------

export function money(amount: string): HTMLElement {
  return h(
    "span",
    { class: "money" },
    h("span", { class: "yuan" }, formatYuan(amount)),
    h("span", { class: "wan" }, lang() === "zh" ? `（${approxWan(amount)}）` : ` (${approxMillion(amount)})`),
  );
}

/**
 * A line's reason in the page's language: the engine's Chinese (`why_zh`) on
 * a Chinese page, with the English as its title. A decision stored before
 * the engine wrote Chinese reasons has only `why`: shown as written, marked
 * as English.
 */
export function reason(line: { why: string; why_zh?: string }): HTMLElement {
  if (lang() === "en") return h("span", { class: "why" }, line.why);
  if (line.why_zh) return h("span", { class: "why", title: `${t("calc.original")}${line.why}` }, line.why_zh);
  return h("span", { class: "why", lang: "en" }, line.why);
}

/** A trace step's result in the page's language. */
export function traceResult(s: api.TraceStep): string {
  return lang() === "zh" && s.result_zh ? s.result_zh : s.result;
}

export function itemName(measure: string, item?: string): string {
  if (!item) return "";
  const p = ITEMS[measure]?.[item];
  return p ? pick(p) : item;
}

function clauseDetails(labels: string, decision: string | undefined, texts: api.Clauses | null): HTMLElement {
  const list = labels.split(/\s+/).filter(Boolean);
  const clauseMap = new Map((texts?.clauses ?? []).map((c) => [c.label, c]));
  const decisionMap = new Map((texts?.decisions ?? []).map((d) => [d.label, d.text]));
  return h(
    "details",
    { class: "clause-details" },
    h("summary", {}, h("span", { class: "clause-label" }, labels), decision ? ` · ${t("calc.decision", { label: decision })}` : "", ` · ${t("calc.clause.show")}`),
    list.map((l) => (clauseMap.has(l) ? clauseQuote(clauseMap.get(l)!) : null)),
    decision && decisionMap.has(decision) ? h("p", { class: "decision-text", lang: "en" }, h("strong", {}, decision), " ", decisionMap.get(decision)!) : null,
  );
}

/** A decision's measure and item titles: the served policy's by default, another programme's by its own summary. */
export interface AwardNames {
  measure: (measure: string) => string;
  item: (measure: string, item?: string) => string;
}

const SERVED_NAMES: AwardNames = {
  measure: (m) => (MEASURES[m] ? pick(MEASURES[m]) : m),
  item: (m, i) => itemName(m, i),
};

export function awardCard(a: api.Award, texts: api.Clauses | null, names: AwardNames = SERVED_NAMES): HTMLElement {
  const reduced = a.computed !== a.amount;
  return h(
    "li",
    { class: "award", "data-measure": a.measure, "data-item": a.item },
    h(
      "div",
      { class: "award-head" },
      h(
        "div",
        {},
        h("span", { class: "measure-id" }, a.measure),
        " ",
        h("span", { class: "measure-title" }, names.measure(a.measure)),
        h("div", { class: "item-title" }, names.item(a.measure, a.item), a.project ? ` · ${t("calc.project", { project: a.project })}` : ""),
      ),
      h("div", { class: "award-amount" }, money(a.amount)),
    ),
    h("p", { class: "award-why" }, reason(a)),
    reduced
      ? h(
          "p",
          { class: "reduction" },
          t("calc.computed", { computed: formatYuan(a.computed), reduction: formatYuan(differenceMoney(a.computed, a.amount)) }),
        )
      : null,
    (a.reductions ?? []).length
      ? h(
          "ul",
          { class: "reductions" },
          (a.reductions ?? []).map((r) => h("li", {}, h("span", { class: "money" }, formatYuan(r.amount)), " ", reason(r), " ", h("span", { class: "clause-label" }, r.rule))),
        )
      : null,
    clauseDetails(a.clause, a.decision, texts),
  );
}

function renderDecision(d: api.Decision, texts: api.Clauses | null): HTMLElement {
  const byMeasure = new Map<string, string[]>();
  for (const a of d.awards) byMeasure.set(a.measure, [...(byMeasure.get(a.measure) ?? []), a.amount]);
  const bars = [...byMeasure.entries()].map(([m, amounts]) => {
    const sum = sumMoney(amounts);
    return { label: `${m} ${MEASURES[m] ? pick(MEASURES[m]) : ""}`, amount: sum, display: lang() === "zh" ? formatWan(sum) : formatYuan(sum) };
  });
  const chartEl = h("div", { class: "chart" });
  // Through the CSSOM: the server's Content-Security-Policy (style-src 'self')
  // refuses style attributes in markup.
  chartEl.style.height = `${Math.max(1, bars.length) * 44 + 24}px`;
  const section = h(
    "section",
    { class: "result", "aria-labelledby": "result-title", id: "result" },
    h("h2", { id: "result-title", tabindex: "-1" }, t("calc.result")),
    h(
      "div",
      { class: d.eligible ? "total-card" : "total-card ineligible", "data-testid": "total" },
      h("div", { class: "total-label" }, t("calc.total")),
      h("div", { class: "total-amount" }, money(d.total)),
      d.eligible ? null : h("p", {}, t("calc.ineligible")),
      h("p", { class: "policy-id" }, ...policyLine(d.policy.id, d.policy.version)),
    ),
    h("h3", {}, t("calc.awards")),
    d.awards.length === 0 ? h("p", { class: "empty" }, t("calc.awards.none")) : h("ul", { class: "awards" }, d.awards.map((a) => awardCard(a, texts))),
    bars.length > 0 ? h("figure", { class: "chart-figure" }, h("figcaption", {}, h("h3", {}, t("calc.chart"))), chartEl) : null,
    d.not_awarded.length
      ? [
          h("h3", {}, t("calc.notawarded")),
          h(
            "ul",
            { class: "not-awarded" },
            d.not_awarded.map((n) =>
              h(
                "li",
                { "data-measure": n.measure, "data-item": n.item ?? "" },
                h("span", { class: "measure-id" }, n.measure),
                " ",
                h("strong", {}, n.item ? itemName(n.measure, n.item) : MEASURES[n.measure] ? pick(MEASURES[n.measure]) : n.measure),
                n.project ? ` · ${t("calc.project", { project: n.project })}` : "",
                "：",
                reason(n),
                n.clause ? [" ", h("span", { class: "clause-label" }, n.clause)] : null,
              ),
            ),
          ),
        ]
      : null,
    d.trace && d.trace.length
      ? h(
          "details",
          { class: "trace" },
          h("summary", {}, t("calc.trace")),
          h(
            "div",
            { class: "table-scroll", tabindex: "0", role: "region", "aria-label": t("calc.trace") },
            h(
              "table",
              {},
              h("thead", {}, h("tr", {}, ["calc.trace.step", "calc.trace.expression", "calc.trace.values", "calc.trace.result", "calc.col.clause"].map((k) => h("th", { scope: "col" }, t(k as "calc.trace.step"))))),
              h(
                "tbody",
                { lang: "en" },
                d.trace.map((s) => h("tr", {}, h("td", {}, h("code", {}, s.step)), h("td", {}, h("code", {}, s.expression)), h("td", {}, h("code", {}, s.values)), h("td", {}, traceResult(s)), h("td", {}, s.clause))),
              ),
            ),
          ),
        )
      : null,
  );
  if (bars.length > 0) {
    const desc = `${t("calc.chart.desc")}: ${bars.map((b) => `${b.label} ${b.display}`).join("; ")}`;
    chartEl.setAttribute("role", "img");
    chartEl.setAttribute("aria-label", desc);
    // Drawn once the element is in the document and has a size.
    requestAnimationFrame(() => void drawBars(chartEl, bars, desc));
  }
  return section;
}

// ---- the page -------------------------------------------------------------

export function renderCalculator(): HTMLElement {
  const page = h("section", { class: "page calculator" });
  const resultSlot = h("div", { "aria-live": "polite" });
  const others = otherPolicyLinks();
  let clauseTexts: api.Clauses | null = null;

  const showResult = () => {
    if (state.decision) resultSlot.replaceChildren(renderDecision(state.decision, clauseTexts));
    else if (state.error && !(state.error instanceof ApiError && state.error.field)) resultSlot.replaceChildren(errorBox(state.error));
    else resultSlot.replaceChildren();
  };

  const draw = () => {
    const form = renderForm(submit, draw);
    page.replaceChildren(h("h1", { id: "calc-title" }, t("calc.title")), h("p", { class: "lead" }, t("calc.lead")), others, form, resultSlot);
    if (state.error instanceof ApiError && state.error.field) {
      const summary = h("div", { class: "alert error", role: "alert" }, t("calc.refused"));
      form.prepend(summary);
      if (!showFieldError(form, state.error)) summary.append(" ", `${state.error.field}: ${state.error.message}`);
    }
    showResult();
  };

  async function submit(form: HTMLFormElement) {
    const button = form.querySelector<HTMLButtonElement>("#calc-submit")!;
    button.disabled = true;
    button.textContent = t("calc.submitting");
    try {
      const [decision, texts] = await Promise.all([api.evaluate(buildCase(state)), api.clauses().catch(() => null)]);
      state.decision = decision;
      state.error = null;
      clauseTexts = texts;
      draw();
      page.querySelector<HTMLElement>("#result-title")?.focus();
    } catch (e) {
      state.decision = null;
      state.error = e;
      draw();
    }
  }

  draw();
  if (state.decision) void api.clauses().then((c) => ((clauseTexts = c), showResult())).catch(() => {});
  return page;
}
