// The policy view: the measures with their items, every parameter with its
// value and citations, and for one measure its clause text beside the rules
// that implement it (each rule block of the policy file next to the clauses
// and decided readings it cites).
import * as api from "../api";
import { h } from "../dom";
import { lang, pick, t } from "../i18n";
import { formatYuan } from "../money";
import { ITEMS, MEASURES, PARAMS_ZH } from "../terms";
import { clauseQuote, errorBox, policyLine, withCodeParam } from "./common";

const CITE = /\[(?:R|\d{2})\.\d+\]|D-[0-9A-Z]+[a-z]?/g;

function measureTitle(id: string, fallback: string): string {
  return MEASURES[id] ? pick(MEASURES[id]) : fallback;
}

function itemTitle(measure: string, item: string, fallback: string): string {
  const pair = ITEMS[measure]?.[item];
  return pair ? pick(pair) : fallback;
}

function paramValue(p: api.PolicyParameter, value: api.PolicyParameter["values"][number]): string | Node[] {
  const v = value.value;
  if (v === null) return t("calc.export.none");
  if (typeof v === "boolean") return v ? t("calc.yes") : t("calc.no");
  if (typeof v === "number") return String(v);
  if (p.type.startsWith("money")) return formatYuan(v);
  // A choice: its label in Chinese, and the name a case or --set writes, as code.
  if (lang() === "zh" && value.value_zh) return [document.createTextNode(`${value.value_zh}（`), h("code", {}, v), document.createTextNode("）")];
  return v;
}

export async function renderPolicy(): Promise<HTMLElement> {
  const page = h("section", { class: "page policy" }, h("h1", {}, t("policy.title")), h("p", { class: "lead" }, t("policy.lead")));
  let summary: api.PolicySummary;
  try {
    summary = await api.policy();
  } catch (e) {
    page.append(errorBox(e));
    return page;
  }
  page.append(
    h(
      "p",
      { class: "policy-id" },
      ...policyLine(summary.id, summary.version),
      " · ",
      t("policy.digest"),
      " ",
      h("code", { class: "digest" }, summary.digest),
    ),
    h("h2", {}, t("policy.measures")),
    h(
      "ul",
      { class: "measure-cards" },
      summary.measures.map((m) =>
        h(
          "li",
          { class: "card" },
          h("h3", {}, h("span", { class: "measure-id" }, m.id), " ", measureTitle(m.id, m.title)),
          h(
            "ul",
            { class: "items", "aria-label": t("policy.items") },
            m.items.map((it) =>
              h(
                "li",
                {},
                itemTitle(m.id, it.name, it.title),
                " ",
                h("span", { class: it.by === "facts" ? "badge apply-free" : "badge" }, it.by === "facts" ? t("policy.by.facts") : t("policy.by.claim")),
                " ",
                h("span", { class: "cites" }, it.cites.join(" ")),
              ),
            ),
          ),
          h(
            "p",
            { class: "card-links" },
            h("a", { href: `/policy/${m.id}`, "data-link": true }, t("policy.open"), h("span", { class: "visually-hidden" }, ` ${m.id}`)),
            " · ",
            h("a", { href: `/policy/${m.id}/guide`, "data-link": true }, t("guide.open"), h("span", { class: "visually-hidden" }, ` ${m.id}`)),
          ),
        ),
      ),
    ),
    h("h2", { id: "params" }, t("policy.params")),
    // For developers: the identifiers the policy file and the API use.
    h(
      "div",
      { class: "check dev-switch" },
      h("input", {
        id: "show-ids",
        type: "checkbox",
        onchange: (ev: Event) => (ev.target as HTMLInputElement).closest(".page")?.classList.toggle("show-ids", (ev.target as HTMLInputElement).checked),
      }),
      h("label", { for: "show-ids" }, t("policy.showIds")),
    ),
    h(
      "div",
      { class: "table-scroll", role: "region", "aria-labelledby": "params", tabindex: "0" },
      h(
        "table",
        { class: "params cards" },
        h(
          "thead",
          {},
          h("tr", {}, h("th", { scope: "col" }, t("policy.param.name")), h("th", { scope: "col" }, t("policy.param.value")), h("th", { scope: "col" }, t("policy.param.cites"))),
        ),
        h(
          "tbody",
          {},
          summary.parameters.map((p) =>
            h(
              "tr",
              {},
              // The label reads first; the identifier is for developers (shown with the switch above).
              h("th", { scope: "row", "data-label": t("policy.param.name") }, lang() === "zh" ? p.description_zh || PARAMS_ZH[p.name] || p.description || p.name : p.description || p.name, h("code", { class: "dev-id" }, p.name)),
              h(
                "td",
                { class: "num", "data-label": t("policy.param.value") },
                p.values.map((v) => h("div", {}, paramValue(p, v), v.from ? ` (${t("policy.param.from", { from: v.from })})` : "")),
              ),
              h("td", { "data-label": t("policy.param.cites") }, p.cites.join(" ")),
            ),
          ),
        ),
      ),
    ),
  );
  return page;
}

interface RuleBlock {
  code: string;
  line: number; // line of the block's first code line in the file
  cites: string[];
}

/** The ```bursar blocks of a policy Markdown file with what each cites. */
export function ruleBlocks(markdown: string): RuleBlock[] {
  const out: RuleBlock[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "```bursar") continue;
    const start = i + 1;
    let j = start;
    while (j < lines.length && lines[j].trim() !== "```") j++;
    const code = lines.slice(start, j).join("\n");
    out.push({ code, line: start + 1, cites: [...new Set(code.match(CITE) ?? [])] });
    i = j;
  }
  return out;
}

export async function renderMeasure(id: string): Promise<HTMLElement> {
  const page = h("section", { class: "page measure" });
  let doc: api.MeasureDocument;
  try {
    doc = await api.measure(id);
  } catch (e) {
    page.append(h("h1", {}, `${id}`), errorBox(e));
    return page;
  }
  const clauseText = new Map(doc.clauses.map((c) => [c.label, c]));
  const decisionText = new Map(doc.decisions.map((d) => [d.label, d.text]));
  const blocks = ruleBlocks(doc.source.markdown ?? "");
  const file = doc.source.file ?? "";
  page.append(
    h("p", { class: "crumb" }, h("a", { href: "/policy", "data-link": true }, `← ${t("policy.back")}`)),
    h("h1", {}, h("span", { class: "measure-id" }, doc.id), " ", measureTitle(doc.id, doc.title)),
    ...(lang() === "zh" ? [h("p", { class: "subtitle", lang: "en" }, doc.title)] : []),
    h("p", {}, h("a", { class: "button-link", href: `/policy/${doc.id}/guide`, "data-link": true, "data-testid": "guide-link" }, t("guide.open"))),
    h("h2", {}, t("policy.text")),
    h(
      "div",
      { class: "clauses" },
      doc.clauses.map((c) => clauseQuote(c, { id: `clause-${c.label.replace(/[[\].]/g, "")}` })),
    ),
    h("h2", {}, t("policy.rule")),
    h("p", { class: "hint" }, ...withCodeParam(t("policy.source", { file: "\u0000" }), file)),
    h(
      "div",
      { class: "rules" },
      blocks.map((b) => {
        const cited = b.cites.filter((c) => clauseText.has(c) || decisionText.has(c));
        return h(
          "div",
          { class: "rule-row", "data-cites": b.cites.join(" ") },
          h(
            "div",
            { class: "rule-text" },
            cited.length === 0 ? h("p", { class: "hint" }, "—") : null,
            cited.map((c) => {
              const clause = clauseText.get(c);
              if (clause) return clauseQuote(clause, { className: "rule-clause" });
              return h("div", { class: "rule-decision", lang: "en" }, h("strong", {}, c), " ", decisionText.get(c) ?? "");
            }),
          ),
          h(
            "figure",
            { class: "rule-code" },
            h("pre", { tabindex: "0" }, h("code", {}, b.code)),
            h("figcaption", {}, h("code", {}, `${file}:${b.line}`)),
          ),
        );
      }),
    ),
  );
  return page;
}
