// 企业门户 (the applicant's portal): the enterprise's profile and this year's
// facts as derived from its evidence, evidence upload with a row-by-row
// report, apply-free proposals (免申即享) to confirm, its applications with
// their state, and a new application.
import * as api from "../api";
import { add, h } from "../dom";
import { lang, pick, t } from "../i18n";
import { refusalNodes } from "../refusals";
import { navigate, rerender } from "../router";
import { EVIDENCE, EVIDENCE_COLUMNS, EXPORT_ROUTES, FACTS, ITEMS, MEASURE_IDS, MEASURES, TAGS } from "../terms";
import { money } from "./calculator";
import {
  actionForm,
  appLink,
  dataTable,
  errorAlert,
  gate,
  input,
  programmeYear,
  selectField,
  setProgrammeYear,
  stateBadge,
  yearOptions,
  moneyInput,
  withCode,
} from "./shared";
import { formatYuan, toFen } from "../money";
import { claimFieldNames, claimFrom, claimMeasures, figureNames, figureTypeText, isApplyFree, titleIn } from "../programme";
import { inputFor } from "./policy-calculator";
import { labelsFor, measureCell, programmes, summaryOf, type Labels, type Programmes } from "./programmes";

export { isApplyFree };

/** The evidence kinds an upload offers: `figures` only where the store runs a programme beside its own. */
export function evidenceKinds(progs: Programmes, exclude: string[] = []): string[] {
  return Object.keys(EVIDENCE).filter((k) => !exclude.includes(k) && (k !== "figures" || progs.others.length > 0));
}

export function factValue(name: string, v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "boolean") return v ? t("calc.yes") : t("calc.no");
  const f = FACTS.find((x) => x.name === name);
  if (f?.kind === "money" && typeof v === "string") return formatYuan(v);
  if (f?.kind === "route" && typeof v === "string") return EXPORT_ROUTES[v] ? pick(EXPORT_ROUTES[v]) : v;
  return String(v);
}

function profileSection(e: api.Enterprise): HTMLElement {
  const flags: Array<[string, unknown]> = [
    [t("calc.flag.registered_in_chaoyang"), e.registered_in_chaoyang],
    [t("calc.flag.taxed_in_chaoyang"), e.taxed_in_chaoyang],
    [t("calc.flag.independent_legal_person"), e.independent_legal_person],
    [t("calc.flag.serious_dishonesty_record"), e.serious_dishonesty_record],
  ];
  return h(
    "section",
    { "aria-labelledby": "profile-title", class: "card" },
    h("h2", { id: "profile-title" }, t("portal.profile")),
    h(
      "dl",
      { class: "facts-list", "data-testid": "profile" },
      h("dt", {}, t("calc.name")),
      h("dd", {}, e.name),
      h("dt", {}, t("calc.id")),
      h("dd", {}, h("code", {}, e.credit_code)),
      h("dt", {}, t("calc.tags")),
      h("dd", {}, (e.tags ?? []).length ? (e.tags ?? []).map((x) => (TAGS[x] ? pick(TAGS[x]) : x)).join(t("p.list")) : "—"),
      flags.filter(([, v]) => v !== undefined).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v ? t("calc.yes") : t("calc.no"))]),
    ),
  );
}

function factsSection(f: api.Facts | null, error: unknown): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": "facts-title", class: "card" },
    h("h2", { id: "facts-title" }, t("portal.facts", { year: f?.year ?? programmeYear() })),
    h("p", { class: "hint" }, t("portal.facts.hint")),
    f
      ? h(
          "dl",
          { class: "facts-list", "data-testid": "facts" },
          FACTS.map((x) => [h("dt", {}, pick(x)), h("dd", { "data-fact": x.name }, factValue(x.name, f.facts[x.name]))]),
        )
      : errorAlert(error),
  );
}

/**
 * Sample files of the chosen kind (made by the server for the applicant's own
 * enterprise and the programme year, valid for upload as they are) and what
 * each column holds.
 */
function sampleHelp(kind: string, code: string, year: number, progs: Programmes): HTMLElement {
  if (kind === "figures") return figuresHelp(progs, false, code, year);
  const name = pick(EVIDENCE[kind]);
  return h(
    "div",
    { class: "sample", "data-testid": "evidence-sample" },
    h("h3", {}, t("upload.sample.title")),
    h("p", { class: "hint" }, t("upload.sample.hint", { code, year })),
    h(
      "p",
      { class: "sample-links" },
      h("a", { href: api.exportsUrl.evidenceSample(kind, "csv", year, lang()), download: `${kind}-sample-${code}-${year}.csv`, "data-testid": "sample-csv" }, t("upload.sample.csv", { kind: name })),
      h("a", { href: api.exportsUrl.evidenceSample(kind, "jsonl", year), download: `${kind}-sample-${code}-${year}.jsonl`, "data-testid": "sample-jsonl" }, t("upload.sample.jsonl", { kind: name })),
    ),
    columnLegend(kind),
  );
}

/** What each column of an evidence kind holds; `official`: as the data bureau uploads it, for any enterprise. */
export function columnLegend(kind: string, official = false): HTMLElement[] {
  return [
    h("h4", { id: "upload-columns" }, t("upload.columns")),
    h(
      "dl",
      { class: "column-legend", "aria-labelledby": "upload-columns" },
      EVIDENCE[kind].header.split(",").map((c) => {
        const d = (official ? EVIDENCE_COLUMNS[`official.${c}`] : undefined) ?? EVIDENCE_COLUMNS[`${kind}.${c}`] ?? EVIDENCE_COLUMNS[c];
        return [h("dt", {}, h("code", {}, c)), h("dd", {}, ...withCode(d ? pick(d) : ""))];
      }),
    ),
  ];
}

/**
 * What a figures file holds (`figures`: credit_code, policy, year, name,
 * value): its columns, and for each programme beside the served one the names
 * it reads, with what each means and how it is written. A value an authority
 * gives (`given_by`) is marked: an enterprise's own upload may not state it.
 */
export function figuresHelp(progs: Programmes, official: boolean, code?: string, year?: number): HTMLElement {
  const names = h("div", { class: "figure-names" }, h("p", { class: "hint" }, t("loading")));
  void Promise.all(progs.others.map((p) => summaryOf(p.id).catch(() => null))).then((summaries) =>
    names.replaceChildren(
      ...summaries.flatMap((s, i) => {
        const p = progs.others[i];
        const title = t("upload.figures.names", { title: titleIn(p, lang()) });
        const head = [h("h4", {}, title), h("p", { class: "hint" }, ...withCode(t("upload.figures.policy", { id: p.id })))];
        if (!s) return [...head, h("p", { class: "hint" }, t("upload.figures.unread"))];
        return [
          ...head,
          dataTable(
            title,
            [t("upload.figures.col.name"), t("upload.figures.col.label"), t("upload.figures.col.value")],
            figureNames(s, lang()).map((f) => [
              h("code", {}, f.name),
              // One element: a table's cell at phone width is a grid of its heading and one item.
              f.givenBy ? h("span", {}, f.label, h("span", { class: "hint", "data-given-by": true }, t(official ? "upload.figures.given_by.official" : "upload.figures.given_by", { by: f.givenBy }))) : f.label,
              h("span", {}, ...withCode(figureTypeText(s, f.type, lang(), f.choices))),
            ]),
            { testid: `figure-names-${p.id}` },
          ),
        ];
      }),
    ),
  );
  return h(
    "div",
    { class: "sample", "data-testid": "evidence-sample" },
    h("p", { class: "hint" }, code && year ? t("upload.figures.hint", { code, year }) : t("upload.figures.hint.official")),
    columnLegend("figures", official),
    names,
  );
}

/**
 * The evidence upload form: a kind among `kinds`, a file, the header the kind
 * takes and `help` for it, and the import's row-by-row report once uploaded.
 */
export function uploadSection(
  kinds: string[],
  help: (kind: string) => Node | Node[],
  opts: { hint?: string; after?: (r: api.ImportReport) => void } = {},
): HTMLElement {
  const kind = selectField(
    t("upload.kind"),
    "kind",
    kinds.map((k) => [k, pick(EVIDENCE[k])]),
    "trades",
  );
  const headerHint = h("p", { class: "hint", id: "upload-header" });
  const sample = h("div", {});
  const showHeader = () => {
    headerHint.replaceChildren(t("upload.header"), h("code", {}, EVIDENCE[kind.input.value].header));
    sample.replaceChildren();
    add(sample, help(kind.input.value));
  };
  kind.input.addEventListener("change", showHeader);
  showHeader();
  const fileId = "evidence-file";
  const file = h("input", { id: fileId, name: "file", type: "file", accept: ".csv,.jsonl,.ndjson,text/csv", required: true, "aria-describedby": "upload-header" });
  const report = h("div", { class: "import-report", "aria-live": "polite" });
  const form = actionForm({
    title: t("upload.title"),
    testid: "upload-form",
    fields: [
      h("p", { class: "hint" }, opts.hint ?? t("upload.hint")),
      h("div", { class: "grid" }, kind.el, h("div", { class: "field" }, h("label", { for: fileId }, t("upload.file")), file)),
      headerHint,
      sample,
    ],
    submit: t("upload.submit"),
    run: async () => {
      const f = file.files?.[0];
      if (!f) {
        file.focus();
        throw new Error(t("upload.nofile"));
      }
      const type = /\.(jsonl|ndjson)$/i.test(f.name) ? "application/x-ndjson" : "text/csv";
      const r = await api.uploadEvidence(kind.input.value as api.EvidenceKind, f, type);
      report.replaceChildren(importReport(r, f.name));
      opts.after?.(r);
      if (r.rejected.length === 0) return r.held ? t("upload.ok.held", { n: r.held }) : t("upload.ok");
    },
  });
  return h("section", { "aria-labelledby": "upload-h", class: "card" }, h("h2", { id: "upload-h" }, t("upload.section")), form, report);
}

export function importReport(r: api.ImportReport, fileName: string): HTMLElement {
  const accepted = r.accepted ?? (r.inserted ?? 0) + (r.updated ?? 0);
  return h(
    "div",
    { class: r.rejected.length ? "report has-rejected" : "report", "data-testid": "import-report" },
    h("h3", {}, t("upload.report", { file: fileName })),
    h(
      "ul",
      { class: "report-counts" },
      h("li", {}, t("upload.accepted", { n: accepted })),
      r.unchanged !== undefined ? h("li", {}, t("upload.unchanged", { n: r.unchanged })) : null,
      r.held ? h("li", { "data-testid": "held" }, t("upload.held", { n: r.held })) : null,
      h("li", { class: r.rejected.length ? "bad" : null }, t("upload.rejected", { n: r.rejected.length })),
    ),
    r.rejected.length
      ? dataTable(
          t("upload.rejected.table"),
          [t("upload.line"), t("upload.field"), t("upload.reason")],
          r.rejected.map((x) => [String(x.line), x.field ? h("code", {}, x.field) : "", h("span", { "data-rule": x.rule ?? null }, ...refusalNodes(x.reason, x.rule, x.params))]),
          { testid: "rejected-rows" },
        )
      : null,
  );
}

/** What the engine would grant an undecided apply-free proposal on today's figures, marked as an estimate. */
export function estimateNote(e: api.Estimate): HTMLElement {
  const nothing = toFen(e.total) === 0n;
  return h(
    "p",
    { class: "estimate", "data-testid": "estimate" },
    h("span", { class: "estimate-label" }, t("estimate.label"), t("p.colon")),
    money(e.total),
    h("span", { class: "hint" }, " ", nothing ? t("estimate.zero") : t("estimate.note")),
    // D-G10: declarations count once an officer verifies them; shown apart.
    e.total_with_declared && e.total_with_declared !== e.total
      ? h("span", { class: "estimate-declared", "data-testid": "estimate-declared" }, " ", t("estimate.declared"), t("p.colon"), money(e.total_with_declared))
      : null,
  );
}

function applyFreeSection(drafts: api.Application[], labels: Labels): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": "applyfree-title", class: "card", "data-testid": "apply-free" },
    h("h2", { id: "applyfree-title" }, t("portal.applyfree")),
    h("p", { class: "hint" }, t("portal.applyfree.hint")),
    drafts.length === 0
      ? h("p", { class: "empty" }, t("portal.applyfree.none"))
      : h(
          "ul",
          { class: "proposal-list" },
          drafts.map((a) =>
            h(
              "li",
              { "data-app": a.id },
              h(
                "div",
                {},
                h("div", {}, h("strong", {}, measureCell(labels, a)), " · ", String(a.year), a.total ? [" · ", money(a.total)] : null),
                a.estimate ? estimateNote(a.estimate) : null,
              ),
              actionForm({
                className: "inline",
                fields: [],
                submit: t("portal.applyfree.confirm"),
                run: async () => {
                  await api.submitApplication(a);
                  void rerender(true);
                },
              }),
            ),
          ),
        ),
  );
}

function applicationsSection(apps: api.Application[], labels: Labels): HTMLElement {
  // Where the store runs programmes side by side, each application's programme in a column of its own.
  const several = labels.programmes.others.length > 0;
  return h(
    "section",
    { "aria-labelledby": "apps-title" },
    h("h2", { id: "apps-title" }, t("portal.apps")),
    apps.length === 0
      ? h("p", { class: "empty" }, t("portal.apps.none"))
      : dataTable(
          t("portal.apps"),
          [t("app.id"), t("calc.year"), ...(several ? [t("app.programme")] : []), t("calc.col.measure"), t("app.state"), t("app.total"), ""],
          apps.map((a) => [
            `#${a.id}`,
            String(a.year),
            ...(several ? [h("span", { "data-policy": a.policy ?? "" }, labels.programme(a))] : []),
            labels.measure(a),
            stateBadge(a.state),
            a.total ? formatYuan(a.total) : "—",
            appLink(a.id, t("app.view")),
          ]),
          { testid: "applications", numeric: [several ? 5 : 4] },
        ),
  );
}

/** The served programme's claim: the measure, its item, the project and the amounts (as before programmes). */
function servedClaimForm(): { fields: HTMLElement[]; guide: HTMLElement; build: () => api.Claim } {
  const claimable = MEASURE_IDS.filter((id) => !MEASURES[id].applyFree);
  const measure = selectField(t("calc.claim.measure"), "measure", claimable.map((id) => [id, `${id} ${pick(MEASURES[id])}`]), "03");
  const itemSlot = h("div", {});
  let item: ReturnType<typeof selectField> | null = null;
  const showItems = () => {
    const items = Object.entries(ITEMS[measure.input.value] ?? {});
    item = items.length > 1 ? selectField(t("calc.claim.item"), "item", items.map(([k, p]) => [k, pick(p)])) : null;
    itemSlot.replaceChildren(item ? item.el : "");
    itemSlot.hidden = !item;
  };
  // The selected measure's application guide (申报指南), read before applying.
  const guide = h("a", { href: `/policy/${measure.input.value}/guide`, "data-link": true, "data-testid": "new-application-guide" }, t("guide.open"));
  measure.input.addEventListener("change", () => {
    showItems();
    guide.setAttribute("href", `/policy/${measure.input.value}/guide`);
  });
  showItems();
  const project = input(t("calc.claim.project"), "project");
  const assessed = moneyInput(t("app.claim.assessed"), "assessed", { hint: t("app.claim.assessed.hint") });
  const investment = moneyInput(t("calc.claim.investment"), "investment");
  const civil = moneyInput(t("calc.claim.civil_construction"), "civil_construction");
  const external = moneyInput(t("calc.claim.external_support"), "external_support");
  return {
    fields: [measure.el, itemSlot, project.el, assessed.el, investment.el, civil.el, external.el],
    guide,
    build: () => {
      const claim: api.Claim = { measure: measure.input.value };
      if (item) claim.item = item.input.value;
      if (project.input.value.trim()) claim.project = project.input.value.trim();
      const amounts: Array<[api.ClaimAmount, () => string]> = [
        ["assessed", assessed.value],
        ["investment", investment.value],
        ["civil_construction", civil.value],
        ["external_support", external.value],
      ];
      for (const [k, value] of amounts) {
        const v = value();
        if (v) claim[k] = v;
      }
      return claim;
    },
  };
}

/**
 * A claim of a programme beside the served one, by its policy's own terms: a
 * measure with an item applied for by claim, then the item's claim fields as
 * the policy types them (money in 元, dates, a choice), as its calculator asks.
 */
function otherClaimForm(policy: api.PolicySummary, redraw: () => void): { fields: HTMLElement[]; build: () => api.Claim } | null {
  const measures = claimMeasures(policy);
  if (!measures.length) return null;
  const values: Record<string, string | boolean> = {};
  const measure = selectField(t("calc.claim.measure"), "measure", measures.map((m) => [m.id, `${m.id} ${titleIn(m, lang())}`]), measures[0].id);
  let item: ReturnType<typeof selectField> | null = null;
  const chosenItem = () => {
    const m = measures.find((x) => x.id === measure.input.value) ?? measures[0];
    return m.items.find((i) => i.name === item?.input.value) ?? m.items[0];
  };
  const form = { fields: [] as HTMLElement[], build: (): api.Claim => ({ measure: measure.input.value }) };
  const draw = () => {
    const m = measures.find((x) => x.id === measure.input.value) ?? measures[0];
    const before = item?.input.value;
    item = m.items.length > 1 ? selectField(t("calc.claim.item"), "item", m.items.map((i): [string, string] => [i.name, titleIn(i, lang())]), before) : null;
    item?.input.addEventListener("change", () => {
      draw();
      redraw();
    });
    const names = claimFieldNames(policy, chosenItem());
    form.fields = [
      measure.el,
      ...(item ? [item.el] : []),
      ...names.map((name) => {
        const f = policy.case?.claim_fields.find((x) => x.name === name) ?? { name, type: "text?", label: name };
        return inputFor(policy, f, `claim.${name}`, values[name], (v) => (values[name] = v));
      }),
    ];
    form.build = () => claimFrom(policy, m.id, chosenItem().name, names, values);
  };
  measure.input.addEventListener("change", () => {
    draw();
    redraw();
  });
  draw();
  return {
    get fields() {
      return form.fields;
    },
    build: () => form.build(),
  };
}

function newApplicationSection(code: string, year: number, progs: Programmes): HTMLElement {
  const yearF = selectField(t("calc.year"), "year", yearOptions(), String(year));
  const served = servedClaimForm();
  const servedId = progs.served?.id ?? "";
  // Where the store runs other programmes beside its own: which one the application is for.
  const choice = progs.others.length
    ? selectField(t("app.programme"), "policy", [
        [servedId, progs.served ? titleIn(progs.served, lang()) : t("portal.new.served")],
        ...progs.others.map((p): [string, string] => [p.id, titleIn(p, lang())]),
      ], servedId)
    : null;
  const hint = h("p", { class: "hint" });
  const grid = h("div", { class: "grid" });
  let current: { policy?: string; build: () => api.Claim } = { build: served.build };
  const showServed = () => {
    hint.replaceChildren(t("portal.new.hint"), " ", served.guide);
    grid.replaceChildren(...[choice?.el, yearF.el, ...served.fields].filter((x): x is HTMLElement => !!x));
    current = { policy: choice ? servedId : undefined, build: served.build };
  };
  const showOther = async (id: string) => {
    const p = progs.others.find((x) => x.id === id)!;
    const calculator = h("a", { href: `/calculator/${encodeURIComponent(id)}`, "data-link": true }, t("portal.new.calculator", { title: titleIn(p, lang()) }));
    hint.replaceChildren(t("portal.new.hint.other", { title: titleIn(p, lang()) }), " ", calculator);
    grid.replaceChildren(...[choice?.el, yearF.el].filter((x): x is HTMLElement => !!x), h("p", { class: "hint" }, t("loading")));
    current = { policy: id, build: () => { throw new Error(t("loading")); } };
    let policy: api.PolicySummary;
    try {
      policy = await summaryOf(id);
    } catch (e) {
      if (choice?.input.value === id) grid.append(errorAlert(e));
      return;
    }
    if (choice?.input.value !== id) return;  // chosen otherwise meanwhile
    const draw = () => grid.replaceChildren(...[choice.el, yearF.el, ...(form?.fields ?? [h("p", { class: "empty" }, t("portal.new.none"))])]);
    const form = otherClaimForm(policy, () => draw());
    draw();
    current = { policy: id, build: form ? form.build : () => { throw new Error(t("portal.new.none")); } };
  };
  choice?.input.addEventListener("change", () => {
    if (choice.input.value === servedId) showServed();
    else void showOther(choice.input.value);
  });
  showServed();
  const form = actionForm({
    title: t("portal.new"),
    testid: "new-application",
    fields: [hint, grid],
    submit: t("portal.new.submit"),
    run: async () => {
      const a = await api.createApplication(code, Number(yearF.input.value), current.build(), current.policy);
      // On to the draft's own page, where it is submitted.
      navigate(`/applications/${a.id}`);
    },
  });
  return h("section", { class: "card" }, form);
}

export function renderPortal(): HTMLElement | Promise<HTMLElement> {
  return gate(["applicant"], async (me) => {
    const code = me.credit_code ?? "";
    const year = programmeYear();
    const page = h("section", { class: "page portal" });
    const yearSel = selectField(t("portal.year"), "programme-year", yearOptions(), String(year));
    yearSel.input.addEventListener("change", () => {
      // A change event without a change (some tools send one) must not re-render under the reader.
      if (Number(yearSel.input.value) === year) return;
      setProgrammeYear(Number(yearSel.input.value));
      void rerender();
    });
    const [ent, facts, apps, progs] = await Promise.allSettled([
      api.enterprise(code),
      api.facts(code, year),
      api.applications({ enterprise: code, limit: 500, sort: "-id", estimates: true }),
      programmes(),
    ]);
    const list = apps.status === "fulfilled" ? apps.value.items : [];
    const drafts = list.filter((a) => a.state === "draft" && isApplyFree(a));
    const labels = await labelsFor(list);
    const running = progs.status === "fulfilled" ? progs.value : labels.programmes;
    add(page,
      h("h1", {}, t("portal.title")),
      h("p", { class: "lead" }, ent.status === "fulfilled" ? ent.value.name : code),
      h("div", { class: "toolbar" }, yearSel.el),
      apps.status === "rejected" ? errorAlert(apps.reason) : null,
      applyFreeSection(drafts, labels),
      applicationsSection(list, labels),
      h(
        "div",
        { class: "two-col" },
        ent.status === "fulfilled" ? profileSection(ent.value) : errorAlert(ent.reason),
        factsSection(facts.status === "fulfilled" ? facts.value : null, facts.status === "rejected" ? facts.reason : null),
      ),
      // The enterprise record itself is the data bureau's to import.
      uploadSection(
        evidenceKinds(running, ["enterprises"]),
        (k) => sampleHelp(k, code, year, running),
      ),
      newApplicationSection(code, year, running),
    );
    return page;
  });
}
