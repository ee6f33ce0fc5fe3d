// 数据报送 (the data bureau's screen; officers come for the approvals): the
// official evidence upload, enterprise records included, with its row-by-row
// report, and the master-data changes such uploads hold until a second account
// approves them (a changed name, flag or tag of a registered enterprise, or an
// enterprise named for the first time), each shown as its current and proposed
// values. The account that uploaded a change cannot approve it (the server
// refuses; the screen offers no button).
import * as api from "../api";
import { h } from "../dom";
import { t, pick, type Key } from "../i18n";
import { TAGS } from "../terms";
import { columnLegend, evidenceKinds, figuresHelp, uploadSection } from "./portal";
import { programmes } from "./programmes";
import { dataTable, errorAlert, gate, input, okAlert, when } from "./shared";

type Proposed = api.MasterChange["proposed"];
const FIELDS: Array<keyof Proposed> = ["name", "registered_in_chaoyang", "taxed_in_chaoyang", "independent_legal_person", "serious_dishonesty_record", "tags"];

function fieldLabel(f: keyof Proposed): string {
  if (f === "name") return t("calc.name");
  if (f === "tags") return t("data.field.tags");
  return t(`calc.flag.${f}` as Key);
}

function valueText(f: keyof Proposed, v: unknown): string {
  if (v === undefined || v === null) return "—";
  if (typeof v === "boolean") return v ? t("calc.yes") : t("calc.no");
  if (f === "tags" && Array.isArray(v)) return v.length ? v.map((x: string) => (TAGS[x] ? pick(TAGS[x]) : x)).join(t("p.list")) : t("data.tags.none");
  return String(v);
}

/** One waiting change: what it would set, beside what is stored now, and its approval. */
function changeCard(c: api.MasterChange, current: api.Enterprise | null, me: api.Account, refresh: (message?: string) => void): HTMLElement {
  const shown = c.kind === "new" ? FIELDS : FIELDS.filter((f) => c.fields.includes(f));
  const rows = shown.map((f) => [fieldLabel(f), c.kind === "new" ? t("data.new.none") : valueText(f, current?.[f]), h("strong", { "data-field": f }, valueText(f, c.proposed[f]))]);
  const status = h("div", { "aria-live": "polite" });
  const reason = input(t("data.reject.reason"), `reason-${c.id}`, {});
  const decide = async (approve: boolean) => {
    try {
      await api.decideMasterChange(c.id, approve, approve ? undefined : reason.input.value.trim());
      refresh(t(approve ? "data.approved" : "data.rejected", { id: c.id, code: c.credit_code }));
    } catch (e) {
      status.replaceChildren(errorAlert(e));
    }
  };
  const actions =
    c.requested_by === me.username
      ? h("p", { class: "hint", "data-testid": "own-change" }, t("data.own"))
      : h(
          "div",
          { class: "row-actions" },
          h("button", { type: "button", "data-action": "approve-master-change", onclick: () => decide(true) }, t("data.approve")),
          reason.el,
          h("button", { type: "button", class: "secondary danger", "data-action": "reject-master-change", onclick: () => decide(false) }, t("data.reject")),
        );
  return h(
    "article",
    { class: "card master-change", "data-change-id": String(c.id), "data-credit-code": c.credit_code },
    h(
      "h3",
      {},
      `#${c.id} `,
      h("span", { class: "badge" }, t(c.kind === "new" ? "data.kind.new" : "data.kind.change")),
      " ",
      current?.name ?? c.proposed.name,
      " ",
      h("code", {}, c.credit_code),
    ),
    dataTable(t("data.diff", { id: c.id }), [t("data.field"), t("data.current"), t("data.proposed")], rows),
    h("p", { class: "hint" }, t("data.requested", { by: c.requested_by, at: when(c.requested_at) })),
    actions,
    status,
  );
}

async function pendingList(me: api.Account, refresh: (message?: string) => void): Promise<HTMLElement[]> {
  const pending = (await api.masterChanges("pending")).items;
  if (!pending.length) return [h("p", { "data-testid": "no-master-changes" }, t("data.pending.none"))];
  const currents = await Promise.all(pending.map((c) => (c.kind === "change" ? api.enterprise(c.credit_code).catch(() => null) : Promise.resolve(null))));
  return pending.map((c, i) => changeCard(c, currents[i], me, refresh));
}

/** The last changes decided, newest first: who asked, who decided, and why a rejection. */
async function decidedTable(): Promise<HTMLElement> {
  const [approved, rejected] = await Promise.all([api.masterChanges("approved"), api.masterChanges("rejected")]);
  const items = [...approved.items, ...rejected.items].sort((a, b) => b.id - a.id).slice(0, 20);
  if (!items.length) return h("p", {}, t("data.decided.none"));
  return dataTable(
    t("data.decided"),
    ["#", t("data.kind"), t("app.enterprise"), t("data.state"), t("data.requested_by"), t("data.decided_by"), t("data.decided_at"), t("data.reason")],
    items.map((c) => [
      `#${c.id}`,
      t(c.kind === "new" ? "data.kind.new" : "data.kind.change"),
      h("span", {}, c.proposed.name, " ", h("code", {}, c.credit_code)),
      h("span", { class: "badge", "data-state": c.state }, t(c.state === "approved" ? "data.state.approved" : "data.state.rejected")),
      c.requested_by,
      c.decided_by ?? "",
      when(c.decided_at),
      c.reason ?? "",
    ]),
    { testid: "decided-master-changes" },
  );
}

export function renderData(): HTMLElement | Promise<HTMLElement> {
  return gate(["data-bureau", "officer"], async (me) => {
    const flash = h("div", { "aria-live": "polite" });
    const pending = h("div", { "data-testid": "master-changes" });
    const decided = h("div", {});
    const refresh = async (message?: string) => {
      flash.replaceChildren(message ? okAlert(message) : "");
      try {
        const [list, table] = await Promise.all([pendingList(me, refresh), decidedTable()]);
        pending.replaceChildren(...list);
        decided.replaceChildren(table);
      } catch (e) {
        pending.replaceChildren(errorAlert(e));
      }
    };
    // A programme beside the served one reads its figures: offered as a kind of upload then.
    const [progs] = await Promise.all([programmes(), refresh()]);
    // What waits for this account comes first; then the upload, then the record.
    return h(
      "section",
      { class: "page data" },
      h("h1", {}, t("data.title")),
      h("p", { class: "lead" }, t("data.lead")),
      flash,
      h("section", { class: "card", "aria-labelledby": "pending-h" }, h("h2", { id: "pending-h" }, t("data.pending")), h("p", { class: "hint" }, t("data.pending.hint")), pending),
      me.role === "data-bureau"
        ? uploadSection(evidenceKinds(progs), (k) => (k === "figures" ? figuresHelp(progs, true) : columnLegend(k, true)), { hint: t("data.upload.hint"), after: () => void refresh() })
        : null,
      h("section", { class: "card", "aria-labelledby": "decided-h" }, h("h2", { id: "decided-h" }, t("data.decided")), decided),
    );
  });
}
