// 申报核查: the enterprises' own declarations of a value only an authority
// states (D-G10) that an officer verified anyway (GET /api/audit/declarations),
// beside 限额核查 on the auditor's page and the officer's dashboard. The answer
// says plainly whether there are any, and lists each with its enterprise,
// programme, year, what was declared, who verified it and the decisions in
// force that may rest on it, linked to their applications; declarations the
// server could not judge are a warning of their own. On the dashboard it
// checks the year and programme the page shows, as 限额核查 does; on the
// auditor's page the reader chooses them, every year and programme at first.
import * as api from "../api";
import { h } from "../dom";
import { lang, t } from "../i18n";
import { declarationLines, declarationsScopeText, declarationsState, declarationsVerdict, declarationsVerdictText, uncheckedText, type DeclarationLine, type DeclarationsReport } from "../declarations";
import { decisionsOf } from "../limits";
import { figureNames } from "../programme";
import { applicationsOf, checkChoice, checkedOf, checkSection, decisionList, readEach, statBox } from "./limits";
import { labelsFor, type Programmes } from "./programmes";
import { dataTable } from "./shared";

/** 事项: what was declared, who alone may state it, and the row's key in a fold. */
function itemCell(l: DeclarationLine): HTMLElement {
  return h(
    "span",
    { class: "measure-cell" },
    h("span", { class: "programme-tag" }, l.kind),
    h("span", {}, l.item),
    l.detail ? h("span", { class: "hint" }, l.detail) : null,
    h("details", { class: "raw no-print" }, h("summary", {}, t("declarations.record")), h("code", {}, l.key)),
  );
}

/** What a check asked for: a year (absent: every year) and a programme's policy id and title (absent: every programme). */
interface Scope {
  year?: number;
  policy?: string;
  title?: string;
}

/** The report: what was checked, the verdict (green or red) with its counts, the warning for what was not judged, then the declarations. */
async function reportView(report: DeclarationsReport, scope: Scope): Promise<HTMLElement> {
  const v = declarationsVerdict(report);
  const state = declarationsState(v);
  const rows = report.declarations ?? [];
  const labels = await labelsFor(rows);
  // The served programme's figures by its own policy (another programme's summary the labels read).
  const served = rows.some((d) => d.table === "figure" && !labels.other(d)) ? await api.policy().catch(() => null) : null;
  const [apps, names] = await Promise.all([
    applicationsOf(decisionsOf(rows)),
    readEach([...new Set(rows.map((d) => d.credit_code))], async (code) => (await api.enterprise(code)).name),
  ]);
  const lines = declarationLines(
    report,
    {
      name: (code) => names.get(code),
      programme: (policy) => labels.programme({ policy }) || t("portal.new.served"),
      figures: (policy) => {
        const summary = labels.other({ policy }) ? labels.summary({ policy }) : served;
        return summary ? figureNames(summary, lang()) : null;
      },
    },
    lang(),
  );
  const unchecked = uncheckedText(report, lang());
  return h(
    "div",
    { class: "declarations-result", "data-testid": "declarations-result", "data-state": state, "data-year": scope.year ?? "", "data-policy": scope.policy ?? "" },
    h("h3", { "data-testid": "declarations-scope" }, declarationsScopeText(scope, lang())),
    h(
      "div",
      { class: v.clean ? "alert ok limits-verdict" : "alert error limits-verdict", role: "status", "data-testid": "declarations-verdict" },
      h("strong", { class: "limits-state" }, t(`declarations.state.${state}`)),
      " ",
      declarationsVerdictText(report, lang()),
    ),
    unchecked ? h("p", { class: "alert warn", role: "note", "data-testid": "declarations-unchecked" }, unchecked) : null,
    h(
      "div",
      { class: "stat-row" },
      statBox(t("declarations.count.declarations"), v.declarations, "declarations-count", v.declarations > 0),
      statBox(t("declarations.count.enterprises"), v.enterprises, "declarations-enterprises", v.enterprises > 0),
      statBox(t("declarations.count.decisions"), v.decisions, "declarations-decisions", v.decisions > 0),
      statBox(t("declarations.count.unchecked"), v.unchecked, "declarations-unchecked-count", v.unchecked > 0),
    ),
    lines.length
      ? dataTable(
          t("declarations.table"),
          [t("declarations.col.enterprise"), t("declarations.col.programme"), t("declarations.col.year"), t("declarations.col.item"), t("declarations.col.verifier"), t("declarations.col.decisions")],
          lines.map((l) => [
            h("span", { class: "measure-cell" }, h("span", {}, l.name), l.name === l.code ? null : h("code", {}, l.code)),
            l.programme,
            l.year,
            itemCell(l),
            l.verified ? l.verifier : h("span", { class: "hint" }, l.verifier),
            l.decisions.length ? decisionList(l.decisions, apps) : t("declarations.decisions.none"),
          ]),
          { testid: "declarations-table" },
        )
      : null,
  );
}

/**
 * The 申报核查 section. `fixed`: the year and programme the page shows (the
 * officer's dashboard, as 限额核查 beside it); without it the reader chooses
 * a year and a programme or 全部 (the auditor's page, on 全部 at first).
 */
export function declarationsSection(progs: Programmes, opts: { year: number; fixed?: { policy?: string } }): HTMLElement {
  const out = h("div", { "aria-live": "polite" });
  const all = { years: t("declarations.all.years"), programmes: t("declarations.all.programmes") };
  const choice = opts.fixed ? null : checkChoice(progs, "declarations", out, { year: opts.year, all });
  return checkSection("declarations", out, choice?.fields ?? [], async () => {
    const year = choice ? Number(choice.year()) || undefined : opts.year;
    const id = choice ? choice.policy() : (opts.fixed?.policy ?? progs.served?.id ?? "");
    // "": every programme; else as 限额核查 names it (absent where only the served one runs).
    const checked = id ? checkedOf(progs, id) : null;
    const scope: Scope = { year, policy: checked?.policy, title: checked?.title };
    return reportView(await api.auditDeclarations({ year, policy: scope.policy }), scope);
  });
}
