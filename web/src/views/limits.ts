// 限额核查: the year's awards in force checked against every limit of a
// programme's policy (GET /api/audit/limits/{year}), on the auditor's page
// (a year and a programme to choose) and the officer's dashboard (the year
// and programme it shows). The answer says plainly whether every enterprise
// is within every limit, and lists each overrun with its enterprise, limit,
// clause, amount over and the decisions involved, linked to their applications.
// Its frame (the section, the year and programme chosen, the counts, the
// decisions so linked) serves 申报核查 beside it too (declarations.ts).
import * as api from "../api";
import { h, type Child } from "../dom";
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

export function checkedOf(progs: Programmes, id: string): Checked {
  const other = progs.others.find((p) => p.id === id);
  if (other) return { policy: other.id, other: true, title: titleIn(other, lang()) };
  return { policy: progs.others.length && progs.served ? progs.served.id : undefined, other: false, title: progs.served ? titleIn(progs.served, lang()) : t("portal.new.served") };
}

/** Each key's answer where it could be read (one refused or failed is left out), at most 200. */
export async function readEach<K, V>(keys: K[], read: (key: K) => Promise<V>): Promise<Map<K, V>> {
  const some = keys.slice(0, 200);
  const got = await Promise.allSettled(some.map(read));
  const out = new Map<K, V>();
  got.forEach((r, i) => {
    if (r.status === "fulfilled") out.set(some[i], r.value);
  });
  return out;
}

/** Each decision's application, where the decision can be read (officer and auditor may). */
export function applicationsOf(ids: number[]): Promise<Map<number, number>> {
  return readEach(ids, async (id) => (await api.decision(id)).application_id);
}

/** A count of the report under its label; `over`: in red. */
export function statBox(label: string, n: number, testid: string, over = false): HTMLElement {
  return h("div", { class: over ? "stat over" : "stat", "data-testid": testid }, h("div", { class: "stat-label" }, label), h("div", { class: "stat-value" }, String(n)));
}

/** Decisions, each linked to its application where it is known. */
export function decisionList(ids: number[], apps: Map<number, number>): HTMLElement {
  return h(
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
    v.clean ? Promise.resolve(new Map<number, number>()) : applicationsOf(decisionsNamed(report)),
    checked.other && checked.policy ? summaryOf(checked.policy).catch(() => null) : Promise.resolve(null),
  ]);
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
      statBox(t("limits.count.enterprises"), v.enterprises, "limits-enterprises"),
      statBox(t("limits.count.decisions"), v.decisions, "limits-decisions"),
      statBox(t("limits.count.over"), v.overEnterprises, "limits-over-enterprises", !v.clean),
      statBox(t("limits.count.overruns"), v.overruns, "limits-overruns", !v.clean),
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
            decisionList(o.decisions, apps),
          ]),
          { testid: "limits-table", numeric: [3] },
        ),
  );
}

export type CheckName = "limits" | "declarations";

/**
 * Prints one section alone: `section` names it (its class, and the body's
 * print-{section} class by which style.css hides the page's other sections).
 */
function printButton(section: CheckName): HTMLElement {
  return h(
    "button",
    {
      type: "button",
      class: "secondary small no-print",
      onclick: () => {
        document.body.classList.add(`print-${section}`);
        window.addEventListener("afterprint", () => document.body.classList.remove(`print-${section}`), { once: true });
        window.print();
      },
    },
    t("limits.print"),
  );
}

/**
 * A check's section (限额核查, 申报核查): its title and hint, a form of
 * `fields` that runs `check`, and in `out` the result with a button that
 * prints the section alone (or the error).
 */
export function checkSection(name: CheckName, out: HTMLElement, fields: Child[], check: () => Promise<HTMLElement>): HTMLElement {
  const form = actionForm({
    className: "inline no-print",
    testid: `${name}-form`,
    fields,
    submit: t("limits.run"),
    run: async () => {
      out.replaceChildren(h("p", {}, t("limits.running")));
      try {
        out.replaceChildren(await check(), printButton(name));
      } catch (e) {
        out.replaceChildren(errorAlert(e));
      }
    },
  });
  return h(
    "section",
    { class: `card ${name}`, "aria-labelledby": `${name}-title`, "data-testid": name },
    h("h2", { id: `${name}-title` }, t(`${name}.title`)),
    h("p", { class: "hint" }, t(`${name}.hint`)),
    form,
    out,
  );
}

/** A check's year and programme as the reader chose them: the form's fields, and the values ("" for 全部 where offered). */
export interface CheckChoice {
  fields: Child[];
  year(): string;
  policy(): string;
}

/**
 * The year and programme a check asks for, chosen by the reader (the
 * auditor's page): `{name}-year` and, where programmes run side by side,
 * `{name}-programme`. `all`: each offers 全部 first and opens on it (the
 * labels its two entries); else they open on `year` and the served
 * programme. A change empties `out`: its result no longer answers the choice.
 */
export function checkChoice(progs: Programmes, name: CheckName, out: HTMLElement, opts: { year: number; all?: { years: string; programmes: string } }): CheckChoice {
  const servedId = progs.served?.id ?? "";
  const years = yearOptions();
  const yearSel = selectField(t("limits.year.label"), `${name}-year`, opts.all ? [["", opts.all.years], ...years] : years, opts.all ? "" : String(opts.year));
  const programmes: Array<[string, string]> = [[servedId, progs.served ? titleIn(progs.served, lang()) : t("portal.new.served")], ...progs.others.map((p): [string, string] => [p.id, titleIn(p, lang())])];
  const programmeSel = progs.others.length
    ? selectField(t("app.programme"), `${name}-programme`, opts.all ? [["", opts.all.programmes], ...programmes] : programmes, opts.all ? "" : servedId)
    : null;
  for (const sel of [yearSel, programmeSel]) sel?.input.addEventListener("change", () => out.replaceChildren());
  return {
    fields: [h("div", { class: "grid" }, programmeSel?.el ?? null, yearSel.el)],
    year: () => yearSel.input.value,
    policy: () => (programmeSel ? programmeSel.input.value : opts.all ? "" : servedId),
  };
}

/**
 * The 限额核查 section. `fixed`: the year and programme the page shows (the
 * officer's dashboard); without it the reader chooses both (the auditor's page).
 */
export function limitsSection(progs: Programmes, opts: { year: number; fixed?: { policy?: string } }): HTMLElement {
  const out = h("div", { "aria-live": "polite" });
  const servedId = progs.served?.id ?? "";
  const choice = opts.fixed ? null : checkChoice(progs, "limits", out, { year: opts.year });
  return checkSection("limits", out, choice?.fields ?? [], async () => {
    const year = choice ? Number(choice.year()) : opts.year;
    const checked = checkedOf(progs, choice ? choice.policy() : (opts.fixed?.policy ?? servedId));
    return reportView(await api.auditLimits(year, checked.policy), checked);
  });
}
