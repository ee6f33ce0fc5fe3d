// 预算模拟 (the budget simulator): the policy's rates and amounts as sliders
// and fields, and the year's budget; every change (debounced) asks
// POST /api/simulations to run the store's cases of that year through the batch
// engine, baseline against changed, and shows the totals, the number of
// recipients, the change by measure as a chart, and who gains and who loses.
// Where the store runs programmes side by side, the reader chooses one
// (`?policy=ID`): its policy's parameters (GET /api/policy?policy=ID), its
// measures' titles, and its stored cases are simulated.
import * as api from "../api";
import { drawGroupedBars } from "../chart";
import { add, h, uid } from "../dom";
import { lang, paren, pick, t } from "../i18n";
import { differenceMoney, approxWan, formatYuan, toFen } from "../money";
import { MEASURE_IDS, MEASURES, PARAMS_ZH } from "../terms";
import { setValue, valueInYear } from "../params";
import { titleIn } from "../programme";
import { rerender } from "../router";
import { money } from "./calculator";
import { programmes, summaryOf } from "./programmes";
import { dataTable, errorAlert, gate, programmeYear, selectField, setProgrammeYear, yearOptions } from "./shared";

const DEBOUNCE_MS = 300;

interface Control {
  name: string;
  kind: "rate" | "money";
  base: number; // percent for rates, yuan for money
  value: number;
  range: HTMLInputElement;
  field: HTMLInputElement;
}

function paramLabel(p: api.PolicyParameter): string {
  if (lang() === "zh") return p.description_zh || PARAMS_ZH[p.name] || p.description || p.name;
  return p.description || p.name;
}

function fmtValue(c: Pick<Control, "kind">, v: number): string {
  return c.kind === "rate" ? `${Number(v.toFixed(2))}%` : formatYuan(v.toFixed(2));
}

function control(p: api.PolicyParameter, year: number, onChange: () => void): Control | null {
  const v = valueInYear(p, year);
  const kind = p.type === "rate" ? "rate" : p.type === "money" ? "money" : null;
  if (!kind || v === null || typeof v !== "string") return null;
  const base = kind === "rate" ? Number(v.replace("%", "")) : Number(v);
  if (!Number.isFinite(base)) return null;
  const max = kind === "rate" ? Math.max(30, Math.ceil(base * 3)) : Math.max(1000000, base * 3);
  const step = kind === "rate" ? 0.5 : Math.max(10000, Math.round(max / 300 / 10000) * 10000);
  const id = uid(`sim-${p.name}`);
  const range = h("input", { type: "range", id, name: p.name, min: 0, max, step, value: base, "aria-valuetext": fmtValue({ kind }, base) });
  const field = h("input", { type: "number", id: `${id}-n`, name: `${p.name}-value`, min: 0, step: kind === "rate" ? 0.01 : 0.01, value: base, inputmode: "decimal" });
  const c: Control = { name: p.name, kind, base, value: base, range, field };
  range.addEventListener("input", () => {
    c.value = Number(range.value);
    field.value = String(c.value);
    range.setAttribute("aria-valuetext", fmtValue(c, c.value));
    onChange();
  });
  field.addEventListener("input", () => {
    const n = Number(field.value);
    if (field.value === "" || !Number.isFinite(n) || n < 0) return;
    c.value = n;
    range.value = String(n);
    range.setAttribute("aria-valuetext", fmtValue(c, n));
    onChange();
  });
  return c;
}

function controlRow(c: Control, label: string): HTMLElement {
  return h(
    "div",
    { class: "sim-control", "data-param": c.name },
    h("label", { for: c.range.id }, label, " ", h("code", { class: "param-name" }, c.name)),
    h("div", { class: "sim-inputs" }, c.range, h("label", { for: c.field.id, class: "visually-hidden" }, `${label}${paren(c.kind === "rate" ? "%" : t("sim.yuan"))}`), c.field, h("span", { class: "unit" }, c.kind === "rate" ? "%" : t("sim.yuan"))),
    h("p", { class: "hint" }, t("sim.policy.value", { v: fmtValue(c, c.base) })),
  );
}

function asSetValue(c: Control): string {
  return setValue(c.kind, c.value);
}

function delta(before: string, after: string): HTMLElement {
  const d = differenceMoney(after, before);
  const up = !d.startsWith("-") && d !== "0.00";
  return h("span", { class: d.startsWith("-") ? "delta down" : up ? "delta up" : "delta" }, `${up ? "+" : ""}${formatYuan(d)}`);
}

function short(amount: string): string {
  return lang() === "zh" ? approxWan(amount) : formatYuan(amount);
}

/** The measures of the programme simulated, in its policy's order, with their titles. */
type MeasureTitles = Array<[string, string]>;

function resultView(s: api.Simulation, chartEl: HTMLElement, titles: MeasureTitles): HTMLElement {
  const measures = titles.filter(([m]) => s.baseline.by_measure[m] !== undefined || s.changed.by_measure[m] !== undefined);
  const before = measures.map(([m]) => s.baseline.by_measure[m] ?? "0.00");
  const after = measures.map(([m]) => s.changed.by_measure[m] ?? "0.00");
  chartEl.style.height = `${Math.max(1, measures.length) * 52 + 48}px`;
  requestAnimationFrame(() => {
    const cats = measures.map(([m, title]) => `${m} ${title}`);
    void drawGroupedBars(
      chartEl,
      cats,
      [
        { name: t("sim.baseline"), amounts: before, displays: before.map(short), color: "#6b7280" },
        { name: t("sim.changed"), amounts: after, displays: after.map(short), color: "#b91c1c" },
      ],
      `${t("sim.bymeasure")}: ${cats.map((c, i) => `${c} ${short(before[i])} → ${short(after[i])}`).join("; ")}`,
    );
  });
  const people = (list: api.Simulation["winners"], total: number, testid: string, title: string) =>
    h(
      "section",
      {},
      h("h3", {}, title),
      list.length === 0
        ? h("p", { class: "empty" }, t("sim.nobody"))
        : dataTable(
            title,
            [t("calc.name"), t("calc.id"), t("sim.before"), t("sim.after"), t("sim.delta")],
            list.slice(0, 20).map((w) => [w.name, h("code", {}, w.credit_code), formatYuan(w.before), formatYuan(w.after), delta(w.before, w.after)]),
            { testid, numeric: [2, 3, 4] },
          ),
      total > Math.min(20, list.length) ? h("p", { class: "hint" }, t("sim.more", { n: total - Math.min(20, list.length) })) : null,
    );
  return h(
    "div",
    { class: "sim-result" },
    h(
      "div",
      { class: "stat-row" },
      h("div", { class: "stat", "data-testid": "sim-baseline" }, h("div", { class: "stat-label" }, t("sim.baseline.total")), h("div", { class: "stat-value" }, money(s.baseline.total)), h("div", { class: "hint" }, t("sim.recipients", { n: s.baseline.recipients }))),
      h("div", { class: "stat", "data-testid": "sim-changed" }, h("div", { class: "stat-label" }, t("sim.changed.total")), h("div", { class: "stat-value" }, money(s.changed.total)), h("div", { class: "hint" }, t("sim.recipients", { n: s.changed.recipients }))),
      h("div", { class: "stat", "data-testid": "sim-delta" }, h("div", { class: "stat-label" }, t("sim.delta")), h("div", { class: "stat-value" }, delta(s.baseline.total, s.changed.total))),
    ),
    h("figure", { class: "chart-figure" }, h("figcaption", {}, h("h3", {}, t("sim.bymeasure"))), chartEl),
    s.scaling ? h("p", { class: "alert", "data-testid": "sim-scaling" }, s.scaling.exceeded
          ? t("sim.scaling.over", { budget: formatYuan(s.scaling.budget), approved: formatYuan(s.scaling.approved), factor: s.scaling.factor })
          : t("sim.scaling.within", { budget: formatYuan(s.scaling.budget), approved: formatYuan(s.scaling.approved) })) : null,
    h("div", { class: "two-col" }, people(s.winners, s.winners_total ?? s.winners.length, "winners", t("sim.winners", { n: s.winners_total ?? s.winners.length })), people(s.losers, s.losers_total ?? s.losers.length, "losers", t("sim.losers", { n: s.losers_total ?? s.losers.length }))),
  );
}

export function renderSimulator(): HTMLElement | Promise<HTMLElement> {
  return gate(["officer", "auditor"], async () => {
    const page = h("section", { class: "page simulator" }, h("h1", {}, t("sim.title")), h("p", { class: "lead" }, t("sim.lead")));
    // The programme simulated: the served one, or one the store runs beside it (?policy=ID).
    const progs = await programmes();
    const asked = new URLSearchParams(location.search).get("policy") ?? "";
    const chosen = progs.others.find((p) => p.id === asked) ?? null;
    const servedId = progs.served?.id ?? "";
    let pol: api.PolicySummary;
    try {
      pol = chosen ? await summaryOf(chosen.id) : await api.policy();
    } catch (e) {
      page.append(errorAlert(e));
      return page;
    }
    const titles: MeasureTitles = chosen
      ? pol.measures.map((m): [string, string] => [m.id, titleIn(m, lang())])
      : MEASURE_IDS.map((m): [string, string] => [m, pick(MEASURES[m])]);
    const programmeSel = progs.others.length
      ? selectField(
          t("app.programme"),
          "sim-programme",
          [[servedId, progs.served ? titleIn(progs.served, lang()) : t("portal.new.served")], ...progs.others.map((p): [string, string] => [p.id, titleIn(p, lang())])],
          chosen ? chosen.id : servedId,
        )
      : null;
    programmeSel?.input.addEventListener("change", () => {
      const id = programmeSel.input.value;
      if (id === (chosen ? chosen.id : servedId)) return;
      // Another policy's parameters: the page is built again for it.
      history.replaceState(null, "", progs.others.some((p) => p.id === id) ? `/simulator?policy=${encodeURIComponent(id)}` : "/simulator");
      void rerender();
    });
    const year = programmeYear();
    const yearSel = selectField(t("portal.year"), "sim-year", yearOptions(), String(year));
    const budgetId = uid("sim-budget");
    const budgetField = h("input", { id: budgetId, name: "budget", type: "text", inputmode: "decimal", "aria-describedby": `${budgetId}-hint` });
    const status = h("p", { class: "sim-status", role: "status", "aria-live": "polite" });
    const resultSlot = h("div", { "data-testid": "sim-result" });
    const chartEl = h("div", { class: "chart" });
    let timer: number | undefined;
    let generation = 0;
    const controls: Control[] = [];

    const run = async () => {
      const mine = ++generation;
      const set: Record<string, string> = {};
      for (const c of controls) if (c.value !== c.base) set[c.name] = asSetValue(c);
      const budget = budgetField.value.trim();
      status.textContent = t("sim.running");
      const started = performance.now();
      try {
        const s = await api.simulate(Number(yearSel.input.value), set, budget && toFen(budget) !== null ? budget : undefined, chosen?.id);
        if (mine !== generation) return; // a later change is on its way
        resultSlot.replaceChildren(resultView(s, chartEl, titles));
        status.textContent = t("sim.done", { ms: Math.round(performance.now() - started), n: Object.keys(set).length });
      } catch (e) {
        if (mine !== generation) return;
        status.textContent = "";
        resultSlot.replaceChildren(errorAlert(e));
      }
    };
    const schedule = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void run(), DEBOUNCE_MS);
    };

    for (const p of pol.parameters) {
      if (p.name === "budget") continue;
      const c = control(p, year, schedule);
      if (c) controls.push(c);
    }
    const rates = controls.filter((c) => c.kind === "rate");
    const amounts = controls.filter((c) => c.kind === "money");
    const byName = new Map(pol.parameters.map((p) => [p.name, p]));
    let shownYear = year;
    yearSel.input.addEventListener("change", () => {
      if (Number(yearSel.input.value) === shownYear) return;
      shownYear = Number(yearSel.input.value);
      setProgrammeYear(shownYear);
      schedule();
    });
    budgetField.addEventListener("input", schedule);
    const reset = h(
      "button",
      {
        type: "button",
        class: "secondary",
        onclick: () => {
          for (const c of controls) {
            c.value = c.base;
            c.range.value = String(c.base);
            c.field.value = String(c.base);
          }
          budgetField.value = "";
          schedule();
        },
      },
      t("sim.reset"),
    );
    add(page,
      chosen ? h("p", { class: "programme-title", "data-testid": "programme" }, t("officer.programme.other", { title: titleIn(chosen, lang()) })) : null,
      h(
        "div",
        { class: "sim-layout" },
        h(
          "form",
          { class: "sim-form", novalidate: true, "aria-label": t("sim.params"), onsubmit: (ev: Event) => ev.preventDefault() },
          h("div", { class: "grid" }, programmeSel?.el ?? null, yearSel.el, h("div", { class: "field" }, h("label", { for: budgetId }, t("sim.budget")), h("p", { class: "hint", id: `${budgetId}-hint` }, t("sim.budget.hint")), budgetField)),
          h("fieldset", {}, h("legend", {}, t("sim.rates")), rates.map((c) => controlRow(c, paramLabel(byName.get(c.name)!)))),
          h("details", { class: "sim-more" }, h("summary", {}, t("sim.amounts", { n: amounts.length })), amounts.map((c) => controlRow(c, paramLabel(byName.get(c.name)!)))),
          h("div", { class: "actions" }, reset),
        ),
        h("section", { class: "sim-output", "aria-labelledby": "sim-out-title" }, h("h2", { id: "sim-out-title" }, t("sim.result")), status, resultSlot),
      ),
    );
    void run();
    return page;
  });
}
