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
import { applyFreeMeasures, measureTitle, titleIn } from "../programme";
import { money, reason } from "./calculator";
import { labelsFor, programmes, summaryOf, type Labels } from "./programmes";
import { declarationsSection } from "./declarations";
import { limitsSection } from "./limits";
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

/**
 * The programme the dashboard shows: the served one, or one the store runs
 * beside it (`?policy=ID` in the address). `policy` is what the requests
 * name (absent for the served programme where no other runs).
 */
interface Shown {
  policy?: string;
  /** A programme beside the served one. */
  other: boolean;
  summary: api.PolicySummary | null;
  /** Its measures with their titles, in the policy's order. */
  measures: Array<[string, string]>;
}

/** The dashboard's address: the year, the programme beside the served one, and any filters. */
function officerUrl(year: number, shown: Shown, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ year: String(year) });
  if (shown.other && shown.policy) q.set("policy", shown.policy);
  for (const [k, v] of Object.entries(extra)) if (v) q.set(k, v);
  return `/officer?${q.toString()}`;
}

function short(amount: string): string {
  return lang() === "zh" ? approxWan(amount) : formatYuan(amount);
}

function statusCards(year: number, shown: Shown, counts: Array<[api.AppState, number]>): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": "status-title" },
    h("h2", { id: "status-title" }, t("officer.bystate")),
    h(
      "ul",
      { class: "stat-cards", "data-testid": "by-state" },
      counts.map(([s, n]) =>
        h("li", { "data-state": s }, h("a", { href: officerUrl(year, shown, { state: s }), "data-link": true }, h("span", { class: "stat-n" }, String(n)), h("span", { class: "stat-label" }, t(`state.${s}` as Key)))),
      ),
    ),
  );
}

function budgetSection(b: api.Budget, years: api.Budget[], shown: Shown): HTMLElement {
  const byMeasureEl = h("div", { class: "chart" });
  const byYearEl = h("div", { class: "chart" });
  const titles = new Map(shown.measures);
  const measures = shown.measures.map(([m]) => m).filter((m) => b.by_measure[m]);
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
        await api.setBudget(b.year, budgetField.value(), shown.policy);
        void rerender();
      },
    }),
    h("div", { class: "two-col" }, h("figure", { class: "chart-figure" }, h("figcaption", {}, h("h3", {}, t("officer.bymeasure"))), measures.length ? byMeasureEl : h("p", { class: "empty" }, t("officer.nothing"))), h("figure", { class: "chart-figure" }, h("figcaption", {}, h("h3", {}, t("officer.byyear"))), byYearEl)),
  );
  requestAnimationFrame(() => {
    if (measures.length) {
      const cats = measures.map((m) => `${m} ${titles.get(m) ?? ""}`.trim());
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

function applicationsSection(year: number, shown: Shown, state: string, page: api.Page<api.Application>, offset: number, after: string, labels: Labels): HTMLElement {
  const stateSel = selectField(t("officer.filter.state"), "state", [["", t("officer.filter.all")], ...api.APP_STATES.map((s): [string, string] => [s, t(`state.${s}` as Key)])], state);
  stateSel.input.addEventListener("change", () => {
    pagesWalked.length = 0;
    history.replaceState(null, "", officerUrl(year, shown, { state: stateSel.input.value }));
    void rerender();
  });
  const go = (token: string, o: number) => {
    history.replaceState(null, "", officerUrl(year, shown, token ? { state, after: token, from: String(o) } : { state }));
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
          page.items.map((a) => [`#${a.id}`, `${a.enterprise_name ?? ""} ${a.credit_code}`, labels.measure(a), stateBadge(a.state), a.total ? formatYuan(a.total) : "—", appLink(a.id, t("officer.handle"))]),
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
    { "aria-labelledby": "obj-title", "data-testid": "officer-objections" },
    h("h2", { id: "obj-title" }, t("officer.objections", { n: list.length })),
    list.length === 0
      ? h("p", { class: "empty" }, t("officer.objections.none"))
      : h("ul", { class: "objections" }, list.map((o) => h("li", {}, h("p", {}, appLink(o.application_id)), objectionBody(o), resolveForm(o)))),
  );
}

/**
 * The applications on notice, each measure by its own programme's titles;
 * with `programme`, a column of the programme each is of (a list of several).
 */
export function noticesTable(list: api.Notice[], labels: Labels, opts: { programme?: boolean } = {}): HTMLElement {
  if (list.length === 0) return h("p", { class: "empty" }, t("notices.none"));
  const programme = opts.programme === true;
  return dataTable(
    t("notices.title"),
    [t("app.id"), t("calc.name"), t("calc.id"), ...(programme ? [t("app.programme")] : []), t("calc.col.measure"), t("app.total"), t("app.notice_until")],
    list.map((n) => [
      `#${n.id}`,
      n.enterprise_name,
      h("code", {}, n.credit_code),
      ...(programme ? [h("span", { class: "programme-tag", "data-policy": n.policy ?? "" }, labels.programme(n))] : []),
      labels.measure(n),
      formatYuan(n.total),
      n.notice_until,
    ]),
    { testid: "notices", numeric: [programme ? 5 : 4] },
  );
}

/** The export links of a year: the lists of the programme `policy` only (absent: every programme's). */
export function exportLinks(year: number, withPayments: boolean, policy?: string): HTMLElement {
  return h(
    "ul",
    { class: "export-links" },
    h("li", {}, h("a", { href: api.exportsUrl.noticesXlsx(year, policy), download: true }, t("export.notices.xlsx", { year }))),
    h("li", {}, h("a", { href: api.exportsUrl.noticesCsv(year, policy), download: true }, t("export.notices.csv", { year }))),
    withPayments ? h("li", {}, h("a", { href: api.exportsUrl.paymentsXlsx(year, policy), download: true }, t("export.payments.xlsx", { year }))) : null,
    withPayments ? h("li", {}, h("a", { href: api.exportsUrl.paymentsCsv(year, policy), download: true }, t("export.payments.csv", { year }))) : null,
  );
}

function paymentsSection(list: api.Page<api.Payment>): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": "payments-title", "data-testid": "officer-payments" },
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

/**
 * The recoveries a proposal run found due this year (a policy's recovery
 * rules): each award to return, why, and the applications that hold it, where
 * the officer records the recovery.
 */
export function recoveriesDue(year: number, list: api.DueRecovery[], shown: Shown): HTMLElement {
  if (!list.length) return h("p", { class: "empty", "data-testid": "recoveries-none" }, t("officer.recoveries.none", { year }));
  const label = (r: api.DueRecovery) => (shown.other && shown.summary ? measureTitle(shown.summary, r.measure, r.item, lang()) : measureLabel(r.measure, r.item));
  return h(
    "div",
    { "data-testid": "recoveries-due" },
    h("h3", {}, t("officer.recoveries", { n: list.length })),
    h("p", { class: "hint" }, t("officer.recoveries.hint")),
    dataTable(
      t("officer.recoveries", { n: list.length }),
      [t("app.enterprise"), t("calc.col.measure"), t("officer.recoveries.amount"), t("officer.recoveries.basis"), t("officer.recoveries.why"), t("officer.recoveries.apps")],
      list.map((r) => [
        h("code", {}, r.enterprise),
        label(r),
        formatYuan(r.amount),
        h("span", {}, h("span", { class: "clause-label" }, r.clause), r.decision ? ` · ${t("calc.decision", { label: r.decision })}` : ""),
        reason(r),
        r.applications.length
          ? h(
              "ul",
              { class: "plain-list" },
              r.applications.map((x) => h("li", { "data-app": x.application }, appLink(x.application, t("officer.recoveries.app", { id: x.application, year: x.year, amount: formatYuan(x.amount) })))),
            )
          : "—",
      ]),
      { testid: "recoveries-table", numeric: [2] },
    ),
  );
}

function proposalsSection(year: number, shown: Shown): HTMLElement {
  // The policy's apply-free measures (every item decided from facts); the served policy's 04 and 05 when its summary is not at hand.
  const offered: Array<[string, string]> = shown.summary
    ? applyFreeMeasures(shown.summary).map((m): [string, string] => [m.id, `${m.id} ${shown.other ? titleIn(m, lang()) : MEASURES[m.id] ? pick(MEASURES[m.id]) : titleIn(m, lang())}`])
    : [["04", `04 ${pick(MEASURES["04"])}`], ["05", `05 ${pick(MEASURES["05"])}`]];
  const hint = h("p", { class: "hint" }, shown.other ? t("officer.proposals.hint.other", { year }) : t("officer.proposals.hint", { year }));
  if (!offered.length) {
    return h("section", { "aria-labelledby": "proposals-title" }, h("h2", { id: "proposals-title" }, t("officer.proposals")), h("p", { class: "empty" }, t("officer.proposals.none")));
  }
  const measure = selectField(t("calc.claim.measure"), "measure", offered);
  const due = h("div", { class: "recoveries", "aria-live": "polite" });
  return h(
    "section",
    { "aria-labelledby": "proposals-title", "data-testid": "proposals" },
    h("h2", { id: "proposals-title" }, t("officer.proposals")),
    hint,
    actionForm({
      className: "inline",
      fields: [measure.el],
      submit: t("officer.proposals.run"),
      run: async () => {
        due.replaceChildren();
        const r = await api.propose(year, measure.input.value, shown.policy);
        // A server that lists no recoveries says nothing of them.
        if (r.recoveries) due.replaceChildren(recoveriesDue(year, r.recoveries, shown));
        return t("officer.proposals.done", { n: r.created.length });
      },
    }),
    due,
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
    // The programme shown: the served one, or one the store runs beside it (?policy=ID).
    const progs = await programmes();
    const asked = params.get("policy") ?? "";
    const chosen = progs.others.find((p) => p.id === asked) ?? null;
    const summary = await (chosen ? summaryOf(chosen.id) : progs.served ? summaryOf(progs.served.id) : api.policy()).catch(() => null);
    const shown: Shown = {
      // Where programmes run side by side every list names its programme; else as before.
      policy: chosen ? chosen.id : progs.others.length && progs.served ? progs.served.id : undefined,
      other: chosen !== null,
      summary,
      measures: chosen
        ? (summary?.measures ?? []).map((m): [string, string] => [m.id, titleIn(m, lang())])
        : MEASURE_IDS.map((m): [string, string] => [m, pick(MEASURES[m])]),
    };
    const yearSel = selectField(t("portal.year"), "programme-year", yearOptions(), String(year));
    yearSel.input.addEventListener("change", () => {
      // A change event without a change (some tools send one) must not re-render under the reader.
      if (Number(yearSel.input.value) === year) return;
      setProgrammeYear(Number(yearSel.input.value));
      history.replaceState(null, "", officerUrl(Number(yearSel.input.value), shown));
      void rerender();
    });
    const servedId = progs.served?.id ?? "";
    const programmeSel = progs.others.length
      ? selectField(
          t("app.programme"),
          "programme",
          [[servedId, progs.served ? titleIn(progs.served, lang()) : t("portal.new.served")], ...progs.others.map((p): [string, string] => [p.id, titleIn(p, lang())])],
          chosen ? chosen.id : servedId,
        )
      : null;
    programmeSel?.input.addEventListener("change", () => {
      const id = programmeSel.input.value;
      if (id === (chosen ? chosen.id : servedId)) return;
      pagesWalked.length = 0;
      const other = progs.others.some((p) => p.id === id);
      history.replaceState(null, "", officerUrl(year, { ...shown, other, policy: id }));
      void rerender();
    });
    const page = h(
      "section",
      { class: "page officer" },
      h("h1", {}, t("officer.title")),
      h("div", { class: "toolbar" }, programmeSel?.el ?? null, yearSel.el),
      chosen ? h("p", { class: "programme-title", "data-testid": "programme" }, t("officer.programme.other", { title: titleIn(chosen, lang()) })) : null,
    );
    const years = [year - 3, year - 2, year - 1, year];
    const [counts, budget, budgets, apps, objections, notices, pays] = await Promise.allSettled([
      Promise.all(api.APP_STATES.map(async (s): Promise<[api.AppState, number]> => [s, (await api.applications({ state: s, year, limit: 1, policy: shown.policy })).total])),
      api.budget(year, shown.other ? shown.policy : undefined),
      Promise.all(years.map((y) => api.budget(y, shown.other ? shown.policy : undefined))),
      api.applications({ year, state: state || undefined, limit: 20, after: after || undefined, sort: "-id", policy: shown.policy }),
      // The objections, notices and payments of the programme shown (every programme's where only one runs).
      api.objections("open", shown.policy),
      api.notices(year, shown.policy),
      api.payments({ year, limit: 20, policy: shown.policy }),
    ]);
    const or = <T,>(r: PromiseSettledResult<T>, f: (v: T) => HTMLElement): HTMLElement => (r.status === "fulfilled" ? f(r.value) : errorAlert(r.reason));
    const labels = await labelsFor([...(apps.status === "fulfilled" ? apps.value.items : []), ...(notices.status === "fulfilled" ? notices.value.items : [])]);
    add(page,
      or(counts, (c) => statusCards(year, shown, c)),
      budget.status === "fulfilled" && budgets.status === "fulfilled" ? budgetSection(budget.value, budgets.value, shown) : errorAlert(budget.status === "rejected" ? budget.reason : (budgets as PromiseRejectedResult).reason),
      or(apps, (p) => applicationsSection(year, shown, state, p, offset, after, labels)),
      or(objections, (p) => objectionsSection(p.items)),
      h("section", { "aria-labelledby": "notices-title", "data-testid": "officer-notices" }, h("h2", { id: "notices-title" }, t("notices.title")), or(notices, (p) => noticesTable(p.items, labels)), h("h3", {}, t("export.title")), exportLinks(year, true, shown.policy)),
      or(pays, paymentsSection),
      proposalsSection(year, shown),
      // The year's awards in force against every limit of the programme shown.
      limitsSection(progs, { year, fixed: { policy: shown.policy ?? servedId } }),
      // Beside it, what only an authority states yet an enterprise declared, of the same year and programme.
      declarationsSection(progs, { year, fixed: { policy: shown.policy ?? servedId } }),
    );
    return page;
  });
}
