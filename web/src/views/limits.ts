// 限额核查: the year's awards in force checked against every limit of a
// programme's policy (GET /api/audit/limits/{year}), on the auditor's page
// (a year and a programme to choose) and the officer's dashboard (the year
// and programme it shows). The answer says plainly whether every enterprise
// is within every limit, and lists each overrun with its enterprise, limit,
// clause, amount over and the decisions involved, linked to their applications.
import * as api from "../api";
import { h } from "../dom";
import { lang, t } from "../i18n";
import { decisionsNamed, limitFigure, limitMeasure, limitsVerdict, limitsVerdictText, limitText, type LimitOverrun, type LimitsReport } from "../limits";
import { measureTitle, titleIn } from "../programme";
import { summaryOf, type Programmes } from "./programmes";
import { actionForm, dataTable, errorAlert, measureLabel, selectField, yearOptions } from "./shared";

/** The programme checked: its policy id as the request names it (absent: the served one's) and its title. */
interface Checked {
  policy?: string;
  other: boolean;
  title: string;
}

function checkedOf(progs: Programmes, id: string): Checked {
  const other = progs.others.find((p) => p.id === id);
  if (other) return { policy: other.id, other: true, title: titleIn(other, lang()) };
  return { policy: progs.others.length && progs.served ? progs.served.id : undefined, other: false, title: progs.served ? titleIn(progs.served, lang()) : t("portal.new.served") };
}

/** Each named decision's application, where the decision can be read (officer and auditor may). */
async function applicationsOf(report: LimitsReport): Promise<Map<number, number>> {
  const ids = decisionsNamed(report).slice(0, 200);
  const read = await Promise.allSettled(ids.map((id) => api.decision(id)));
  const out = new Map<number, number>();
  read.forEach((r, i) => {
    if (r.status === "fulfilled") out.set(ids[i], r.value.application_id);
  });
  return out;
}

function measureOf(o: LimitOverrun, summary: api.PolicySummary | null, other: boolean): string {
  const m = limitMeasure(o);
  if (!m) return "";
  return other ? (summary ? measureTitle(summary, m, null, lang()) : m) : measureLabel(m);
}

/** The report: the verdict (green or red) with its counts, then the overruns. */
async function reportView(report: LimitsReport, checked: Checked): Promise<HTMLElement> {
  const v = limitsVerdict(report);
  const [apps, summary] = await Promise.all([
    v.clean ? Promise.resolve(new Map<number, number>()) : applicationsOf(report),
    checked.other && checked.policy ? summaryOf(checked.policy).catch(() => null) : Promise.resolve(null),
  ]);
  const stat = (label: string, n: number, testid: string, over = false) =>
    h("div", { class: over ? "stat over" : "stat", "data-testid": testid }, h("div", { class: "stat-label" }, label), h("div", { class: "stat-value" }, String(n)));
  const decisionCell = (ids: number[]) =>
    h(
      "ul",
      { class: "plain-list" },
      ids.map((id) => {
        const app = apps.get(id);
        return h(
          "li",
          { "data-decision": id },
          app ? h("a", { href: `/applications/${app}`, "data-link": true }, t("limits.decision.app", { id, app })) : t("limits.decision", { id }),
        );
      }),
    );
  return h(
    "div",
    { class: "limits-result", "data-testid": "limits-result", "data-state": v.clean ? "clean" : "over", "data-year": report.year, "data-policy": checked.policy ?? "" },
    h("h3", {}, t("limits.programme", { title: checked.title })),
    h(
      "div",
      { class: v.clean ? "alert ok limits-verdict" : "alert error limits-verdict", role: "status", "data-testid": "limits-verdict" },
      h("strong", { class: "limits-state" }, v.clean ? t("limits.state.clean") : t("limits.state.over")),
      " ",
      limitsVerdictText(report, lang()),
    ),
    h(
      "div",
      { class: "stat-row" },
      stat(t("limits.count.enterprises"), v.enterprises, "limits-enterprises"),
      stat(t("limits.count.decisions"), v.decisions, "limits-decisions"),
      stat(t("limits.count.over"), v.overEnterprises, "limits-over-enterprises", !v.clean),
      stat(t("limits.count.overruns"), v.overruns, "limits-overruns", !v.clean),
    ),
    v.clean
      ? null
      : dataTable(
          t("limits.table"),
          [t("limits.col.enterprise"), t("limits.col.limit"), t("limits.col.clause"), t("limits.col.over"), t("limits.col.decisions")],
          report.over.map((o) => [
            h("span", { class: "measure-cell" }, h("span", {}, o.name), h("code", {}, o.enterprise)),
            h(
              "span",
              { class: "measure-cell" },
              h("span", { class: "programme-tag" }, measureOf(o, summary, checked.other)),
              h("span", {}, limitText(o, lang())),
              h("details", { class: "raw no-print" }, h("summary", {}, t("limits.engine")), h("span", { lang: "en" }, o.limit)),
            ),
            h("span", {}, h("span", { class: "clause-label" }, o.clause), o.decision ? ` · ${o.decision}` : ""),
            h("strong", { class: "limits-over" }, limitFigure(o, o.over, lang())),
            decisionCell(o.decisions),
          ]),
          { testid: "limits-table", numeric: [3] },
        ),
  );
}

/** Prints the limits section alone (the page's other sections are hidden while printing). */
function printButton(): HTMLElement {
  return h(
    "button",
    {
      type: "button",
      class: "secondary small no-print",
      onclick: () => {
        document.body.classList.add("print-limits");
        window.addEventListener("afterprint", () => document.body.classList.remove("print-limits"), { once: true });
        window.print();
      },
    },
    t("limits.print"),
  );
}

/**
 * The 限额核查 section. `fixed`: the year and programme the page shows (the
 * officer's dashboard); without it the reader chooses both (the auditor's page).
 */
export function limitsSection(progs: Programmes, opts: { year: number; fixed?: { policy?: string } }): HTMLElement {
  const out = h("div", { "aria-live": "polite" });
  const servedId = progs.served?.id ?? "";
  const yearSel = opts.fixed ? null : selectField(t("limits.year.label"), "limits-year", yearOptions(), String(opts.year));
  const programmeSel =
    !opts.fixed && progs.others.length
      ? selectField(t("app.programme"), "limits-programme", [[servedId, progs.served ? titleIn(progs.served, lang()) : t("portal.new.served")], ...progs.others.map((p): [string, string] => [p.id, titleIn(p, lang())])], servedId)
      : null;
  // A result no longer answers the choice once the year or programme changes.
  for (const sel of [yearSel, programmeSel]) sel?.input.addEventListener("change", () => out.replaceChildren());
  const form = actionForm({
    className: "inline no-print",
    testid: "limits-form",
    fields: [h("div", { class: "grid" }, programmeSel?.el ?? null, yearSel?.el ?? null)],
    submit: t("limits.run"),
    run: async () => {
      out.replaceChildren(h("p", {}, t("limits.running")));
      const year = yearSel ? Number(yearSel.input.value) : opts.year;
      const checked = opts.fixed ? checkedOf(progs, opts.fixed.policy ?? servedId) : checkedOf(progs, programmeSel?.input.value ?? servedId);
      try {
        const report = await api.auditLimits(year, checked.policy);
        out.replaceChildren(await reportView(report, checked), printButton());
      } catch (e) {
        out.replaceChildren(errorAlert(e));
      }
    },
  });
  return h(
    "section",
    { class: "card limits", "aria-labelledby": "limits-title", "data-testid": "limits" },
    h("h2", { id: "limits-title" }, t("limits.title")),
    h("p", { class: "hint" }, t("limits.hint")),
    form,
    out,
  );
}
