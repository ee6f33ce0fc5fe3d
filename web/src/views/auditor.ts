// 审计 (the auditor's view): verify the hash-chained audit log, replay any
// stored decision byte for byte, check a year's limits (限额核查) by a
// programme's policy, list the enterprises' verified declarations of what only
// an authority states (申报核查), and read the log itself, newest first.
import * as api from "../api";
import { add, h } from "../dom";
import { auditSentence, opName } from "../audit-text";
import { pick, t } from "../i18n";
import { AUDIT_FAMILIES, AUDIT_OPS } from "../terms";
import { rerender } from "../router";
import { actionForm, dataTable, errorAlert, gate, input, programmeYear, selectField, when } from "./shared";
import { declarationsSection } from "./declarations";
import { limitsSection } from "./limits";
import { programmes } from "./programmes";

const PAGE = 50;

function changeText(c: api.AuditEntry["change"]): string {
  return typeof c === "string" ? c : JSON.stringify(c, null, 1);
}

/** The entry as a sentence, its JSON in a fold (for whoever recomputes the chain). */
function entryCell(e: api.AuditEntry): HTMLElement {
  return h(
    "div",
    { class: "audit-entry" },
    h("p", { class: "sentence" }, auditSentence(e)),
    h("details", { class: "raw" }, h("summary", {}, t("audit.raw")), h("pre", {}, h("code", { class: "change" }, changeText(e.change)))),
  );
}

const FILTERS = ["actor", "op", "application", "from", "to"] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** The filters as the page's query holds them. */
function filtersOf(params: URLSearchParams): Filters {
  const out: Filters = {};
  for (const k of FILTERS) {
    const v = params.get(k);
    if (v) out[k] = v;
  }
  return out;
}

/** Who, what, which application, when: each kept in the page's address. */
function filterForm(current: Filters): HTMLElement {
  const families = Object.entries(AUDIT_FAMILIES);
  const actor = input(t("audit.filter.actor"), "actor", { value: current.actor ?? "" });
  const op = selectField(
    t("audit.filter.op"),
    "op",
    [["", t("audit.filter.op.all")], ...Object.keys(AUDIT_OPS).map((o): [string, string] => [o, opName(o)]), ...families.map(([f, name]): [string, string] => [f, t("audit.filter.op.family", { name: pick(name) })])],
    current.op ?? "",
  );
  const application = input(t("audit.filter.application"), "application", { value: current.application ?? "", inputmode: "numeric" });
  const from = input(t("audit.filter.from"), "from", { value: current.from ?? "", type: "date" });
  const to = input(t("audit.filter.to"), "to", { value: current.to ?? "", type: "date" });
  const form = actionForm({
    title: t("audit.filter"),
    className: "filters",
    testid: "audit-filter",
    fields: [h("div", { class: "grid" }, actor.el, op.el, application.el, from.el, to.el)],
    submit: t("audit.filter.submit"),
    run: async () => {
      const q = new URLSearchParams();
      const values: Filters = { actor: actor.input.value.trim(), op: op.input.value, application: application.input.value.trim(), from: from.input.value, to: to.input.value };
      for (const k of FILTERS) if (values[k]) q.set(k, values[k]!);
      history.replaceState(null, "", `/audit${q.toString() ? `?${q}` : ""}`);
      await rerender();
    },
  });
  if (Object.keys(current).length) {
    form.append(
      h(
        "p",
        {},
        h(
          "a",
          {
            href: "/audit",
            onclick: (ev: Event) => {
              ev.preventDefault();
              history.replaceState(null, "", "/audit");
              void rerender();
            },
          },
          t("audit.filter.clear"),
        ),
      ),
    );
  }
  return form;
}

export function renderAudit(): HTMLElement | Promise<HTMLElement> {
  return gate(["auditor", "officer"], async () => {
    const params = new URLSearchParams(location.search);
    const offset = Math.max(0, Number(params.get("offset")) || 0);
    const filters = filtersOf(params);
    const verifyOut = h("div", { "aria-live": "polite", "data-testid": "verification" });
    const verify = h(
      "button",
      {
        type: "button",
        class: "primary",
        onclick: async () => {
          verify.disabled = true;
          verifyOut.replaceChildren(h("p", {}, t("loading")));
          try {
            const v = await api.verifyAudit();
            verifyOut.replaceChildren(
              v.ok
                ? h("div", { class: "alert ok", role: "status" }, h("strong", {}, t("audit.ok")), " ", t("audit.ok.detail", { n: v.entries ?? 0 }), h("br", {}), `${t("audit.head")}: `, h("code", { class: "digest" }, v.head_digest ?? ""))
                : h("div", { class: "alert error", role: "alert" }, h("strong", {}, t("audit.bad")), " ", t("audit.bad.detail", { seq: v.first_bad_seq ?? "?" }), " ", v.problem ?? ""),
            );
          } catch (e) {
            verifyOut.replaceChildren(errorAlert(e));
          } finally {
            verify.disabled = false;
          }
        },
      },
      t("audit.verify"),
    );
    const decisionId = input(t("audit.replay.id"), "decision", { inputmode: "numeric" });
    const replayOut = h("div", { "aria-live": "polite" });
    const replayForm = actionForm({
      className: "inline",
      fields: [decisionId.el],
      submit: t("audit.replay"),
      testid: "replay-form",
      run: async () => {
        replayOut.replaceChildren();
        const r = await api.replay(Number(decisionId.input.value));
        replayOut.replaceChildren();
        add(replayOut,
          h("div", { class: r.identical ? "alert ok" : "alert error", role: "status", "data-testid": "replay" }, r.identical ? t("audit.replay.same") : t("audit.replay.differs")),
          r.identical ? null : h("details", {}, h("summary", {}, t("audit.replay.diff")), h("pre", {}, JSON.stringify({ stored: r.stored, recomputed: r.recomputed }, null, 2))),
        );
      },
    });
    const progs = await programmes();
    const page = h(
      "section",
      { class: "page audit" },
      h("h1", {}, t("audit.title")),
      h("p", { class: "lead" }, t("audit.lead")),
      h("section", { class: "card", "aria-labelledby": "verify-title" }, h("h2", { id: "verify-title" }, t("audit.chain")), h("p", { class: "hint" }, t("audit.chain.hint")), verify, verifyOut),
      h("section", { class: "card", "aria-labelledby": "replay-title" }, h("h2", { id: "replay-title" }, t("audit.replay.title")), h("p", { class: "hint" }, t("audit.replay.hint")), replayForm, replayOut),
      // The year's limits, by the programme chosen (the served one and those beside it).
      limitsSection(progs, { year: programmeYear() }),
      // Beside it, what only an authority states yet an enterprise declared, of the year and programme chosen (at first every one).
      declarationsSection(progs, { year: programmeYear() }),
    );
    try {
      const log = await api.auditLog({ limit: PAGE, offset, ...filters });
      const go = (o: number) => () => {
        const q = new URLSearchParams(filters as Record<string, string>);
        q.set("offset", String(o));
        history.replaceState(null, "", `/audit?${q}`);
        void rerender();
      };
      add(page,
        h(
          "section",
          { "aria-labelledby": "log-title" },
          h("h2", { id: "log-title" }, t("audit.log", { n: log.total })),
          filterForm(filters),
          log.items.length
            ? dataTable(
                t("audit.log", { n: log.total }),
                [t("audit.seq"), t("audit.at"), t("audit.entry"), t("audit.digest")],
                log.items.map((e) => [String(e.seq), when(e.at), entryCell(e), h("code", { class: "digest", title: e.digest }, e.digest.slice(0, 12))]),
                { testid: "audit-log" },
              )
            : h("p", { class: "hint", "data-testid": "audit-none" }, t("audit.filter.none")),
          h(
            "p",
            { class: "pager" },
            t("officer.pager", { from: log.total ? offset + 1 : 0, to: offset + log.items.length, total: log.total }),
            " ",
            offset > 0 ? h("button", { type: "button", class: "secondary small", onclick: go(Math.max(0, offset - PAGE)) }, t("officer.prev")) : null,
            " ",
            offset + log.items.length < log.total ? h("button", { type: "button", class: "secondary small", onclick: go(offset + PAGE) }, t("officer.next")) : null,
          ),
        ),
      );
    } catch (e) {
      page.append(errorAlert(e));
    }
    return page;
  });
}
