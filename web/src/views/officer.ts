// 工作台 (the programme officer's dashboard) for one programme year:
// applications by state, the budget with what is committed and paid (by
// measure and by year, as charts), the applications to act on, open
// objections, the notices (公示) and payments, exports, apply-free proposals.
// Each application's next step (start review, decide, notice, finalise, pay)
// is on its own page.
import * as api from "../api";
import { drawGroupedBars } from "../chart";
import { add, h } from "../dom";
import { lang, pick, t, type Key } from "../i18n";
import { differenceMoney, approxWan, formatYuan, toFen } from "../money";
import { rerender } from "../router";
import { MEASURE_IDS, MEASURES } from "../terms";
import { percentOf } from "../params";
import { money } from "./calculator";
import { objectionBody, resolveForm } from "./application";
import {
  actionForm,
  appLink,
  dataTable,
  errorAlert,
  gate,
  measureLabel,
  programmeYear,
  selectField,
  setProgrammeYear,
  stateBadge,
  yearOptions,
  moneyInput,
} from "./shared";

const COLORS = { committed: "#b91c1c", paid: "#166534", budget: "#6b7280" };

function short(amount: string): string {
  return lang() === "zh" ? approxWan(amount) : formatYuan(amount);
}

function statusCards(year: number, counts: Array<[api.AppState, number]>): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": "status-title" },
    h("h2", { id: "status-title" }, t("officer.bystate")),
    h(
      "ul",
      { class: "stat-cards", "data-testid": "by-state" },
      counts.map(([s, n]) =>
        h("li", { "data-state": s }, h("a", { href: `/officer?state=${s}&year=${year}`, "data-link": true }, h("span", { class: "stat-n" }, String(n)), h("span", { class: "stat-label" }, t(`state.${s}` as Key)))),
      ),
    ),
  );
}

function budgetSection(b: api.Budget, years: api.Budget[]): HTMLElement {
  const byMeasureEl = h("div", { class: "chart" });
  const byYearEl = h("div", { class: "chart" });
  const measures = MEASURE_IDS.filter((m) => b.by_measure[m]);
  byMeasureEl.style.height = `${Math.max(1, measures.length) * 48 + 48}px`;
  byYearEl.style.height = `${Math.max(1, years.length) * 48 + 48}px`;
  const remaining = b.budget ? differenceMoney(b.budget, b.committed) : null;
  // Committed beyond the budget: the amount over, shown as such (not as a negative remainder).
  const over = remaining && remaining.startsWith("-") ? remaining.slice(1) : null;
  const budgetField = moneyInput(t("officer.budget.set"), "amount", { value: b.budget ?? "" });
  const section = h(
    "section",
    { "aria-labelledby": "budget-title", "data-testid": "budget" },
    h("h2", { id: "budget-title" }, t("officer.budget", { year: b.year })),
    h(
      "div",
      { class: "stat-row" },
      h("div", { class: "stat" }, h("div", { class: "stat-label" }, t("officer.budget.amount")), h("div", { class: "stat-value" }, b.budget ? money(b.budget) : t("officer.budget.none"))),
      h("div", { class: "stat", "data-testid": "committed" }, h("div", { class: "stat-label" }, t("officer.committed")), h("div", { class: "stat-value" }, money(b.committed)), h("div", { class: "hint" }, t("officer.ofbudget", { p: percentOf(b.committed, b.budget) }))),
      h("div", { class: "stat", "data-testid": "paid" }, h("div", { class: "stat-label" }, t("officer.paid")), h("div", { class: "stat-value" }, money(b.paid)), h("div", { class: "hint" }, t("officer.ofbudget", { p: percentOf(b.paid, b.budget) }))),
      remaining && !over
        ? h("div", { class: "stat" }, h("div", { class: "stat-label" }, t("officer.remaining")), h("div", { class: "stat-value" }, money(remaining)))
        : null,
      over ? h("div", { class: "stat over", "data-testid": "over-budget" }, h("div", { class: "stat-label" }, t("officer.over")), h("div", { class: "stat-value" }, money(over))) : null,
    ),
    b.budget
      ? h(
          "div",
          { class: "meter-wrap" },
          // Past the budget the meter turns red (above `high`, with the optimum at zero).
          h("meter", {
            min: 0,
            max: Number(toFen(b.budget) ?? 0n),
            high: Number(((toFen(b.budget) ?? 0n) * 9n) / 10n),
            optimum: 0,
            value: Number(toFen(b.committed) ?? 0n),
            "aria-label": t("officer.committed"),
          }),
        )
      : null,
    // D-G6: what over-commitment means for the payments.
    over ? h("p", { class: "alert warn", role: "note", "data-testid": "dg6-note" }, t("officer.over.explain", { p: percentOf(b.committed, b.budget) })) : null,
    actionForm({
      className: "inline",
      fields: [budgetField.el],
      submit: t("officer.budget.save"),
      run: async () => {
        await api.setBudget(b.year, budgetField.value());
        void rerender();
      },
    }),
    h("div", { class: "two-col" }, h("figure", { class: "chart-figure" }, h("figcaption", {}, h("h3", {}, t("officer.bymeasure"))), measures.length ? byMeasureEl : h("p", { class: "empty" }, t("officer.nothing"))), h("figure", { class: "chart-figure" }, h("figcaption", {}, h("h3", {}, t("officer.byyear"))), byYearEl)),
  );
  requestAnimationFrame(() => {
    if (measures.length) {
      const cats = measures.map((m) => `${m} ${pick(MEASURES[m])}`);
      const committed = measures.map((m) => b.by_measure[m].committed);
      const paid = measures.map((m) => b.by_measure[m].paid);
      void drawGroupedBars(
        byMeasureEl,
        cats,
        [
          { name: t("officer.committed"), amounts: committed, displays: committed.map(short), color: COLORS.committed },
          { name: t("officer.paid"), amounts: paid, displays: paid.map(short), color: COLORS.paid },
        ],
        `${t("officer.bymeasure")}: ${cats.map((c, i) => `${c} ${t("officer.committed")} ${short(committed[i])} ${t("officer.paid")} ${short(paid[i])}`).join("; ")}`,
      );
    }
    const cats = years.map((y) => String(y.year));
    const series = [
      { name: t("officer.budget.amount"), amounts: years.map((y) => y.budget ?? "0.00"), displays: years.map((y) => (y.budget ? short(y.budget) : "—")), color: COLORS.budget },
      { name: t("officer.committed"), amounts: years.map((y) => y.committed), displays: years.map((y) => short(y.committed)), color: COLORS.committed },
      { name: t("officer.paid"), amounts: years.map((y) => y.paid), displays: years.map((y) => short(y.paid)), color: COLORS.paid },
    ];
    void drawGroupedBars(byYearEl, cats, series, `${t("officer.byyear")}: ${years.map((y) => `${y.year} ${t("officer.committed")} ${short(y.committed)} ${t("officer.paid")} ${short(y.paid)}`).join("; ")}`);
  });
  return section;
}

// The list pages by key (`next` tokens): a deep page costs what the first
// does, where an offset reads every row before it. The tokens of the pages
// walked so far are kept to go back; after a reload the way back starts at
// the first page.
const pagesWalked: string[] = [];

function applicationsSection(year: number, state: string, page: api.Page<api.Application>, offset: number, after: string): HTMLElement {
  const stateSel = selectField(t("officer.filter.state"), "state", [["", t("officer.filter.all")], ...api.APP_STATES.map((s): [string, string] => [s, t(`state.${s}` as Key)])], state);
  stateSel.input.addEventListener("change", () => {
    pagesWalked.length = 0;
    history.replaceState(null, "", `/officer?year=${year}${stateSel.input.value ? `&state=${stateSel.input.value}` : ""}`);
    void rerender();
  });
  const go = (token: string, o: number) => {
    const at = token ? `&after=${encodeURIComponent(token)}&from=${o}` : "";
    history.replaceState(null, "", `/officer?year=${year}${state ? `&state=${state}` : ""}${at}`);
    void rerender();
  };
  const nav = (o: number) => () => {
    if (o > offset && page.next) {
      pagesWalked.push(after);
      go(page.next, o);
    } else {
      go(pagesWalked.pop() ?? "", o);
    }
  };
  return h(
    "section",
    { "aria-labelledby": "apps-title" },
    h("h2", { id: "apps-title" }, t("officer.apps")),
    h("div", { class: "toolbar" }, stateSel.el),
    page.items.length === 0
      ? h("p", { class: "empty" }, t("officer.nothing"))
      : dataTable(
          t("officer.apps"),
          [t("app.id"), t("app.enterprise"), t("calc.col.measure"), t("app.state"), t("app.total"), ""],
          page.items.map((a) => [`#${a.id}`, `${a.enterprise_name ?? ""} ${a.credit_code}`, measureLabel(a.measure, a.item ?? a.claim?.item), stateBadge(a.state), a.total ? formatYuan(a.total) : "—", appLink(a.id, t("officer.handle"))]),
          { testid: "officer-apps", numeric: [4] },
        ),
    h(
      "p",
      { class: "pager" },
      t("officer.pager", { from: page.total ? offset + 1 : 0, to: offset + page.items.length, total: page.total }),
      " ",
      offset > 0 ? h("button", { type: "button", class: "secondary small", onclick: nav(Math.max(0, offset - page.limit)) }, t("officer.prev")) : null,
      " ",
      page.next ? h("button", { type: "button", class: "secondary small", onclick: nav(offset + page.limit) }, t("officer.next")) : null,
    ),
  );
}

function objectionsSection(list: api.Objection[]): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": "obj-title" },
    h("h2", { id: "obj-title" }, t("officer.objections", { n: list.length })),
    list.length === 0
      ? h("p", { class: "empty" }, t("officer.objections.none"))
      : h("ul", { class: "objections" }, list.map((o) => h("li", {}, h("p", {}, appLink(o.application_id)), objectionBody(o), resolveForm(o)))),
  );
}

export function noticesTable(list: api.Notice[]): HTMLElement {
  return list.length === 0
    ? h("p", { class: "empty" }, t("notices.none"))
    : dataTable(
        t("notices.title"),
        [t("app.id"), t("calc.name"), t("calc.id"), t("calc.col.measure"), t("app.total"), t("app.notice_until")],
        list.map((n) => [`#${n.id}`, n.enterprise_name, h("code", {}, n.credit_code), measureLabel(n.measure, n.item), formatYuan(n.total), n.notice_until]),
        { testid: "notices", numeric: [4] },
      );
}

export function exportLinks(year: number, withPayments: boolean): HTMLElement {
  return h(
    "ul",
    { class: "export-links" },
    h("li", {}, h("a", { href: api.exportsUrl.noticesXlsx(year), download: true }, t("export.notices.xlsx", { year }))),
    h("li", {}, h("a", { href: api.exportsUrl.noticesCsv(year), download: true }, t("export.notices.csv", { year }))),
    withPayments ? h("li", {}, h("a", { href: api.exportsUrl.paymentsXlsx(year), download: true }, t("export.payments.xlsx", { year }))) : null,
    withPayments ? h("li", {}, h("a", { href: api.exportsUrl.paymentsCsv(year), download: true }, t("export.payments.csv", { year }))) : null,
  );
}

function paymentsSection(list: api.Page<api.Payment>): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": "payments-title" },
    h("h2", { id: "payments-title" }, t("officer.payments", { n: list.total })),
    list.items.length === 0
      ? h("p", { class: "empty" }, t("officer.nothing"))
      : dataTable(
          t("app.payments"),
          [t("app.id"), t("app.enterprise"), t("pay.amount"), t("pay.on"), t("pay.reference")],
          list.items.map((p) => [p.application_id ? appLink(p.application_id, `#${p.application_id}`) : "", `${p.enterprise_name ?? ""} ${p.credit_code ?? ""}`, formatYuan(p.amount), p.paid_on, p.reference]),
          { numeric: [2] },
        ),
  );
}

function proposalsSection(year: number): HTMLElement {
  const measure = selectField(t("calc.claim.measure"), "measure", [["04", `04 ${pick(MEASURES["04"])}`], ["05", `05 ${pick(MEASURES["05"])}`]]);
  return h(
    "section",
    { "aria-labelledby": "proposals-title" },
    h("h2", { id: "proposals-title" }, t("officer.proposals")),
    h("p", { class: "hint" }, t("officer.proposals.hint", { year })),
    actionForm({
      className: "inline",
      fields: [measure.el],
      submit: t("officer.proposals.run"),
      run: async () => {
        const r = await api.propose(year, measure.input.value as "04" | "05");
        return t("officer.proposals.done", { n: r.created.length });
      },
    }),
  );
}

export function renderOfficer(): HTMLElement | Promise<HTMLElement> {
  return gate(["officer"], async () => {
    const params = new URLSearchParams(location.search);
    const year = Number(params.get("year")) || programmeYear();
    const state = params.get("state") ?? "";
    const after = params.get("after") ?? "";
    // Where the page starts, for its label: carried beside the token.
    const offset = after ? Math.max(0, Number(params.get("from")) || 0) : 0;
    if (!after) pagesWalked.length = 0;
    const yearSel = selectField(t("portal.year"), "programme-year", yearOptions(), String(year));
    yearSel.input.addEventListener("change", () => {
      // A change event without a change (some tools send one) must not re-render under the reader.
      if (Number(yearSel.input.value) === year) return;
      setProgrammeYear(Number(yearSel.input.value));
      history.replaceState(null, "", `/officer?year=${yearSel.input.value}`);
      void rerender();
    });
    const page = h("section", { class: "page officer" }, h("h1", {}, t("officer.title")), h("div", { class: "toolbar" }, yearSel.el));
    const years = [year - 3, year - 2, year - 1, year];
    const [counts, budget, budgets, apps, objections, notices, pays] = await Promise.allSettled([
      Promise.all(api.APP_STATES.map(async (s): Promise<[api.AppState, number]> => [s, (await api.applications({ state: s, year, limit: 1 })).total])),
      api.budget(year),
      Promise.all(years.map((y) => api.budget(y))),
      api.applications({ year, state: state || undefined, limit: 20, after: after || undefined, sort: "-id" }),
      api.objections("open"),
      api.notices(year),
      api.payments({ year, limit: 20 }),
    ]);
    const or = <T,>(r: PromiseSettledResult<T>, f: (v: T) => HTMLElement): HTMLElement => (r.status === "fulfilled" ? f(r.value) : errorAlert(r.reason));
    add(page,
      or(counts, (c) => statusCards(year, c)),
      budget.status === "fulfilled" && budgets.status === "fulfilled" ? budgetSection(budget.value, budgets.value) : errorAlert(budget.status === "rejected" ? budget.reason : (budgets as PromiseRejectedResult).reason),
      or(apps, (p) => applicationsSection(year, state, p, offset, after)),
      or(objections, (p) => objectionsSection(p.items)),
      h("section", { "aria-labelledby": "notices-title" }, h("h2", { id: "notices-title" }, t("notices.title")), or(notices, (p) => noticesTable(p.items)), h("h3", {}, t("export.title")), exportLinks(year, true)),
      or(pays, paymentsSection),
      proposalsSection(year),
    );
    return page;
  });
}
