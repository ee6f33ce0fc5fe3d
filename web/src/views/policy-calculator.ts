// The calculator of a policy published beside the programme's (`bursar serve
// --also-policy`; /calculator/ID): its form is built from what the policy says
// a case gives (GET /api/policy?policy=ID, `case`: typed fields with their
// Chinese labels), so a district's next policy gets a calculator without a
// line of code here. POST /api/evaluations?policy=ID decides; the answer shows
// each award with the item's Chinese title, its amount and its clause.
import * as api from "../api";
import { ApiError } from "../api";
import { h } from "../dom";
import { lang, paren, t } from "../i18n";
import { approxWan, formatYuan } from "../money";
import { baseType, buildCase, type FormState } from "../case-form";
import { checkbox, reason, select, showFieldError, textField } from "./calculator";
import { clauseQuote, errorBox } from "./common";
import { choiceOptions, claimFieldNames } from "../programme";

const states = new Map<string, FormState>();

function label(f: { label: string; label_zh?: string }): string {
  return lang() === "zh" && f.label_zh ? f.label_zh : f.label;
}

function titleOf(x: { title: string; title_zh?: string }): string {
  return lang() === "zh" && x.title_zh ? x.title_zh : x.title;
}

/**
 * The input of one typed field of a policy's cases: a box for a flag, a
 * choice for `one of (...)`, else a text field labelled with its unit (元, 平方米)
 * and a hint for rates and dates. `field` names it (a refusal's path).
 */
export function inputFor(policy: api.PolicySummary, f: api.CaseField, field: string, value: string | boolean | undefined, set: (v: string | boolean) => void): HTMLElement {
  const base = baseType(f.type);
  const quantity = policy.case?.units.find((u) => u.name === base);
  const optional = f.type.endsWith("?") ? t("pcalc.optional") : "";
  if (base === "flag") return checkbox(label(f), field, value === true, set);
  // A choice by the labels the policy gives its values (国家级, 市级), the names in English.
  const choices = choiceOptions(f, lang());
  if (choices) {
    const options: Array<[string, string]> = [...choices];
    if (f.type.endsWith("?")) options.unshift(["", "—"]);
    if (typeof value !== "string" || value === "") set(options[0][0]);
    return select(label(f) + optional, field, typeof value === "string" && value ? value : options[0][0], options, set);
  }
  const unit = base === "money" ? t("pcalc.unit.yuan") : quantity ? paren(lang() === "zh" && quantity.noun_zh ? quantity.noun_zh : quantity.noun) : "";
  const hint = base === "rate" ? t("pcalc.hint.rate") : base === "date" ? t("pcalc.hint.date") : undefined;
  const numeric = base === "money" || base === "count" || base === "year" || (base !== "text" && base !== "date" && base !== "rate");
  return textField(label(f) + unit + optional, field, typeof value === "string" ? value : "", set, {
    hint,
    inputmode: numeric ? "decimal" : undefined,
  });
}

function renderForm(policy: api.PolicySummary, s: FormState, submit: (form: HTMLFormElement) => void, redraw: () => void): HTMLFormElement {
  const schema = policy.case!;
  const claimItems: Array<[string, string]> = [];
  const itemOf = new Map<string, api.PolicyItem>();
  for (const m of policy.measures) {
    for (const item of m.items) {
      if (item.by !== "claim") continue;
      claimItems.push([`${m.id}/${item.name}`, `${m.id} ${titleOf(item)}`]);
      itemOf.set(`${m.id}/${item.name}`, item);
    }
  }
  const claimType = new Map(schema.claim_fields.map((f) => [f.name, f]));
  const form = h(
    "form",
    {
      class: "calc-form",
      novalidate: true,
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        submit(ev.target as HTMLFormElement);
      },
    },
    textField(t("pcalc.year"), "year", s.year, (v) => (s.year = v), { inputmode: "numeric" }),
    h(
      "fieldset",
      {},
      h("legend", {}, t("pcalc.applicant")),
      schema.applicant.map((f) => inputFor(policy, f, `applicant.${f.name}`, s.applicant[f.name], (v) => (s.applicant[f.name] = v))),
    ),
    schema.tags.length
      ? h(
          "fieldset",
          {},
          h("legend", {}, t("pcalc.tags")),
          schema.tags.map((tag) =>
            checkbox(lang() === "zh" && tag.description_zh ? tag.description_zh : tag.description, "tags", s.tags.has(tag.name), (on) => {
              if (on) s.tags.add(tag.name);
              else s.tags.delete(tag.name);
            }),
          ),
        )
      : null,
    h(
      "fieldset",
      {},
      h("legend", {}, t("pcalc.facts")),
      schema.facts.map((f) => inputFor(policy, f, `facts.${f.name}`, s.facts[f.name], (v) => (s.facts[f.name] = v))),
      schema.last_year.map((name) => {
        const f = schema.facts.find((x) => x.name === name)!;
        // The path the server names when it refuses one: earlier.YEAR.NAME.
        const field = `earlier.${Number(s.year) - 1}.${name}`;
        return inputFor(policy, { ...f, label: t("pcalc.last_year", { label: f.label }), label_zh: t("pcalc.last_year", { label: f.label_zh ?? f.label }) }, field, s.earlier[name], (v) => (s.earlier[name] = String(v)));
      }),
    ),
    claimItems.length
      ? h(
          "fieldset",
          { class: "claims" },
          h("legend", {}, t("pcalc.claims")),
          s.claims.map((c, i) => {
            const names = claimFieldNames(policy, itemOf.get(c.key));
            return h(
              "div",
              { class: "claim", "data-claim": i },
              select(t("pcalc.claim.item"), `claims[${i}].measure`, c.key, claimItems, (v) => {
                c.key = v;
                c.values = {};
                redraw();
              }),
              names.map((name) => {
                const f = claimType.get(name) ?? { name, type: "text?", label: name };
                return inputFor(policy, f, `claims[${i}].${name}`, c.values[name], (v) => (c.values[name] = String(v)));
              }),
              h(
                "button",
                {
                  type: "button",
                  class: "secondary",
                  onclick: () => {
                    s.claims.splice(i, 1);
                    redraw();
                  },
                },
                t("pcalc.claim.remove"),
              ),
            );
          }),
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: () => {
                s.claims.push({ key: claimItems[0][0], values: {} });
                redraw();
              },
            },
            t("pcalc.claim.add"),
          ),
        )
      : null,
    h("button", { type: "submit", id: "pcalc-submit" }, t("pcalc.submit")),
  );
  return form;
}

function renderDecision(policy: api.PolicySummary, d: api.Decision, texts: api.Clauses | null): HTMLElement {
  const items = new Map<string, api.PolicyItem>();
  for (const m of policy.measures) for (const item of m.items) items.set(`${m.id}/${item.name}`, item);
  const itemTitle = (measure: string, item?: string) => {
    const found = item ? items.get(`${measure}/${item}`) : undefined;
    const m = policy.measures.find((x) => x.id === measure);
    return `${measure} ${found ? titleOf(found) : m ? titleOf(m) : ""}`.trim();
  };
  const clause = (label?: string) => texts?.clauses.find((c) => c.label === label);
  const why = (line: { why: string; why_zh?: string }) =>
    h("p", { class: "why" }, h("span", { class: "hint" }, t("pcalc.why")), reason(line));
  return h(
    "section",
    { class: "result", "aria-labelledby": "result-title" },
    h("h2", { id: "result-title", tabindex: "-1" }, t("pcalc.result")),
    d.eligible ? null : h("div", { class: "alert error", role: "alert" }, t("pcalc.ineligible")),
    h(
      "ul",
      { class: "awards" },
      d.awards.map((a) => {
        const c = clause(a.clause);
        return h(
          "li",
          { class: "award", "data-measure": a.measure, "data-item": a.item },
          h("strong", {}, itemTitle(a.measure, a.item)),
          " ",
          h("span", { class: "amount" }, formatYuan(a.amount)),
          " ",
          h("span", { class: "hint" }, `（${approxWan(a.amount)}）`),
          " ",
          h("span", { class: "badge" }, a.clause),
          why(a),
          c ? h("details", {}, h("summary", {}, t("pcalc.clause")), clauseQuote(c)) : null,
        );
      }),
    ),
    h(
      "p",
      { class: "total", "data-testid": "total" },
      t("pcalc.total"),
      " ",
      h("strong", {}, formatYuan(d.total)),
      ` （${approxWan(d.total)}）`,
    ),
    d.awards.length ? null : h("p", {}, t("pcalc.none")),
    d.not_awarded.length
      ? h(
          "details",
          { class: "not-awarded" },
          h("summary", {}, t("pcalc.not_awarded")),
          h(
            "ul",
            {},
            d.not_awarded.map((n) =>
              h("li", { "data-measure": n.measure, "data-item": n.item ?? "" }, h("strong", {}, itemTitle(n.measure, n.item)), " ", n.clause ?? "", why(n)),
            ),
          ),
        )
      : null,
  );
}

export function renderPolicyCalculator(id: string): HTMLElement {
  const page = h("section", { class: "page calculator" }, h("p", {}, t("loading")));
  void Promise.all([api.policyById(id), api.clausesById(id).catch(() => null)])
    .then(([policy, texts]) => {
      let s = states.get(id);
      if (!s) {
        s = { year: String(new Date().getFullYear()), applicant: {}, tags: new Set(), facts: {}, earlier: {}, claims: [] };
        // The eligibility flags an enterprise usually has, ticked (a record of dishonesty is not).
        for (const f of policy.case?.applicant ?? []) {
          if (baseType(f.type) === "flag") s.applicant[f.name] = !/dishonest/.test(f.name);
        }
        states.set(id, s);
      }
      const state = s;
      const resultSlot = h("div", { "aria-live": "polite" });
      let error: unknown = null;
      const draw = () => {
        const form = renderForm(policy, state, submit, draw);
        page.replaceChildren(
          h("h1", {}, t("pcalc.title", { title: titleOf(policy) })),
          h("p", { class: "lead" }, t("pcalc.lead")),
          h("p", {}, h("a", { href: "/calculator", "data-link": true }, t("pcalc.back"))),
          form,
          resultSlot,
        );
        if (error instanceof ApiError && error.field) {
          const summary = h("div", { class: "alert error", role: "alert" }, t("calc.refused"));
          form.prepend(summary);
          if (!showFieldError(form, error)) summary.append(" ", `${error.field}: ${error.message}`);
        } else if (error) {
          resultSlot.replaceChildren(errorBox(error));
        }
      };
      async function submit(form: HTMLFormElement) {
        const button = form.querySelector<HTMLButtonElement>("#pcalc-submit")!;
        button.disabled = true;
        button.textContent = t("pcalc.submitting");
        try {
          const d = await api.evaluateBy(id, buildCase(policy, state));
          error = null;
          draw();
          resultSlot.replaceChildren(renderDecision(policy, d, texts));
          page.querySelector<HTMLElement>("#result-title")?.focus();
        } catch (e) {
          error = e;
          draw();
        }
      }
      if (!policy.case) throw new Error(`policy ${id}: the server gives no fields of its cases`);
      draw();
    })
    .catch((e) => page.replaceChildren(errorBox(e)));
  return page;
}

/** Links to the calculators of the policies published beside the programme's; nothing when there are none. */
export function otherPolicyLinks(): HTMLElement {
  const slot = h("nav", { class: "other-policies", "aria-label": t("pcalc.others") });
  void api
    .policies()
    .then(({ policies }) => {
      const others = policies.filter((p) => !p.programme);
      if (!others.length) return;
      slot.replaceChildren(
        h("span", {}, t("pcalc.others"), "："),
        ...others.map((p) => h("a", { href: `/calculator/${encodeURIComponent(p.id)}`, "data-link": true }, titleOf(p))),
      );
    })
    .catch(() => {});
  return slot;
}
