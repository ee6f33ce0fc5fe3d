// One application, for everyone allowed to see it: the claim, where it stands,
// the decision with every award's reason and clause, reviews, objections and
// payments; then what the reader's role may do next in this state.
import * as api from "../api";
import { add, h, type Child } from "../dom";
import { lang, paren, pick, t, type Key } from "../i18n";
import { formatYuan, sumMoney, toFen } from "../money";
import { navigate, rerender } from "../router";
import * as session from "../session";
import { FACTS, RUBRIC } from "../terms";
import { waitingText } from "../waiting";
import { awardCard, itemName, money, reason, traceResult, type AwardNames } from "./calculator";
import { estimateNote, factValue, isApplyFree } from "./portal";
import { claimEntries, claimFieldNames, claimFrom, claimValues, itemTitle, titleIn } from "../programme";
import { inputFor } from "./policy-calculator";
import { clausesOf, labelsFor } from "./programmes";
import {
  actionForm,
  dataTable,
  errorAlert,
  gate,
  input,
  measureLabel,
  okAlert,
  stateBadge,
  textarea,
  when,
  moneyInput,
} from "./shared";

const STEPS: api.AppState[] = ["draft", "submitted", "in_review", "decided", "notice", "final", "paid"];

function timeline(state: api.AppState): HTMLElement {
  // A recovery comes after payment: the step is shown only when it happened.
  const steps: api.AppState[] = state === "recovered" ? [...STEPS, "recovered"] : STEPS;
  const at = steps.indexOf(state);
  return h(
    "ol",
    { class: "timeline", "aria-label": t("app.timeline") },
    steps.map((s, i) =>
      h(
        "li",
        { class: i < at ? "done" : i === at ? "current" : "todo", "aria-current": i === at ? "step" : null },
        t(`state.${s}` as Key),
      ),
    ),
  );
}

function claimRows(c: api.Claim): Array<[string, Child]> {
  const rows: Array<[string, Child]> = [];
  if (c.project) rows.push([t("app.project"), c.project]);
  if (c.assessed) rows.push([t("app.claim.assessed"), formatYuan(c.assessed)]);
  if (c.investment) rows.push([t("calc.claim.investment"), formatYuan(c.investment)]);
  if (c.civil_construction) rows.push([t("calc.claim.civil_construction"), formatYuan(c.civil_construction)]);
  if (c.external_support) rows.push([t("calc.claim.external_support"), formatYuan(c.external_support)]);
  return rows;
}

function dl(rows: Array<[string, Child]>): HTMLElement {
  return h("dl", { class: "facts-list" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

/** The titles of another programme's measures and items in its decisions, by its own summary. */
function namesOf(policy: api.PolicySummary): AwardNames {
  return {
    measure: (m) => {
      const found = policy.measures.find((x) => x.id === m);
      return found ? titleIn(found, lang()) : m;
    },
    item: (m, i) => itemTitle(policy, m, i, lang()),
  };
}

function decisionSection(d: api.StoredDecision, texts: api.Clauses | null, mayReplay: boolean, names?: AwardNames): HTMLElement {
  const out = d.output;
  const replayStatus = h("div", { "aria-live": "polite" });
  return h(
    "section",
    { class: "decision", "aria-labelledby": "decision-title", "data-testid": "decision" },
    h("h2", { id: "decision-title" }, t("app.decision")),
    h(
      "div",
      { class: out.eligible ? "total-card" : "total-card ineligible" },
      h("div", { class: "total-label" }, t("app.decision.total")),
      h("div", { class: "total-amount" }, money(d.total)),
      out.eligible ? null : h("p", {}, t("calc.ineligible")),
      h("p", { class: "policy-id" }, t("app.decision.meta", { id: d.id, at: when(d.decided_at) })),
      h("p", { class: "policy-id" }, `${t("policy.digest")}: `, h("code", {}, d.policy_digest)),
    ),
    h(
      "p",
      { class: "actions" },
      h("a", { class: "button-link", href: api.exportsUrl.letterPdf(d.id), download: `decision-${d.id}.pdf`, "data-testid": "letter-pdf" }, t("app.letter.pdf")),
      h("a", { href: api.exportsUrl.letter(d.id), target: "_blank", rel: "noopener", "data-testid": "letter" }, t("app.letter.open")),
      mayReplay
        ? h(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: async () => {
                replayStatus.replaceChildren(h("p", {}, t("loading")));
                try {
                  const r = await api.replay(d.id);
                  replayStatus.replaceChildren(
                    h("div", { class: r.identical ? "alert ok" : "alert error", role: "status", "data-testid": "replay" }, r.identical ? t("audit.replay.same") : t("audit.replay.differs")),
                  );
                } catch (e) {
                  replayStatus.replaceChildren(errorAlert(e));
                }
              },
            },
            t("audit.replay"),
          )
        : null,
    ),
    replayStatus,
    h("h3", {}, t("calc.awards")),
    out.awards.length ? h("ul", { class: "awards" }, out.awards.map((a) => awardCard(a, texts, names))) : h("p", { class: "empty" }, t("calc.awards.none")),
    out.not_awarded.length
      ? [
          h("h3", {}, t("calc.notawarded")),
          h(
            "ul",
            { class: "not-awarded" },
            out.not_awarded.map((n) =>
              h("li", { "data-measure": n.measure }, h("span", { class: "measure-id" }, n.measure), " ", h("strong", {}, names ? (n.item ? names.item(n.measure, n.item) : `${n.measure} ${names.measure(n.measure)}`) : n.item ? itemName(n.measure, n.item) : measureLabel(n.measure)), t("p.colon"), reason(n), n.clause ? [" ", h("span", { class: "clause-label" }, n.clause)] : null),
            ),
          ),
        ]
      : null,
    traceDetails(d),
  );
}

// The calculation trace: in the answer when the server included it, else
// fetched from GET /api/decisions/{id} when the reader opens it.
function traceDetails(d: api.StoredDecision): HTMLElement {
  const body = h("div", {});
  const table = (trace: api.TraceStep[]) =>
    dataTable(
      t("calc.trace"),
      [t("calc.trace.step"), t("calc.trace.expression"), t("calc.trace.values"), t("calc.trace.result"), t("calc.col.clause")],
      trace.map((s) => [h("code", {}, s.step), h("code", {}, s.expression), h("code", {}, s.values), traceResult(s), s.clause]),
      { testid: "trace" },
    );
  if (d.explanation && d.explanation.length) body.append(table(d.explanation));
  const details = h("details", { class: "trace" }, h("summary", {}, t("calc.trace")), body);
  details.addEventListener("toggle", async () => {
    if (!details.open || body.childNodes.length) return;
    body.append(h("p", {}, t("loading")));
    try {
      const full = await api.decision(d.id);
      body.replaceChildren(full.explanation && full.explanation.length ? table(full.explanation) : h("p", { class: "empty" }, t("app.trace.none")));
    } catch (e) {
      body.replaceChildren(errorAlert(e));
    }
  });
  return details;
}

// The enterprise's facts of the year as the store derives them from its
// evidence: what the decision will be built from (readers other than the
// applicant, who has them in the portal). Fetched when opened.
function factsDetails(a: api.Application, me: api.Account): HTMLElement {
  const body = h("div", {});
  const details = h("details", { class: "facts-details", "data-testid": "app-facts" }, h("summary", {}, t("portal.facts", { year: a.year })), body);
  details.addEventListener("toggle", async () => {
    if (!details.open || body.childNodes.length) return;
    body.append(h("p", {}, t("loading")));
    try {
      const f = await api.facts(a.credit_code, a.year);
      const list = h("dl", { class: "facts-list" }, FACTS.map((x) => [h("dt", {}, pick(x)), h("dd", { "data-fact": x.name }, factValue(x.name, f.facts[x.name]))]));
      const reload = () => {
        body.replaceChildren();
        details.dispatchEvent(new Event("toggle"));
      };
      body.replaceChildren(list, ...(f.declared_pending ? [await declaredRows(a, me.role === "officer", reload)] : []));
    } catch (e) {
      body.replaceChildren(errorAlert(e));
    }
  });
  return details;
}

// The rows the enterprise declared that no officer has verified yet (D-G10):
// they do not count until verified. An officer verifies them one by one.
async function declaredRows(a: api.Application, officer: boolean, reload: () => void): Promise<HTMLElement> {
  const page = await api.evidence(a.credit_code, a.year);
  const pending = page.items.filter((r) => r.source === "declared" && !r.verified_by);
  const shown = (r: api.EvidenceRow) =>
    Object.entries(r)
      .filter(([k]) => !["kind", "source", "supplied_by", "verified_by", "verified_on"].includes(k))
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join("；");
  return h(
    "section",
    { class: "declared", "data-testid": "declared-rows" },
    h("h3", {}, t("declared.title", { n: pending.length })),
    h("p", { class: "hint" }, t("declared.hint")),
    dataTable(
      t("declared.title", { n: pending.length }),
      [t("declared.kind"), t("declared.row"), t("declared.by"), ...(officer ? [t("app.next")] : [])],
      pending.map((r) => [
        r.kind,
        shown(r),
        r.supplied_by,
        ...(officer
          ? [
              h(
                "button",
                {
                  type: "button",
                  class: "secondary",
                  "data-action": "verify",
                  onclick: async (ev: Event) => {
                    const button = ev.currentTarget as HTMLButtonElement;
                    button.disabled = true;
                    const key: Record<string, unknown> = {};
                    for (const k of api.EVIDENCE_KEYS[r.kind] ?? []) key[k] = k === "credit_code" ? a.credit_code : r[k];
                    try {
                      await api.verifyEvidence(r.kind, [key]);
                      reload();
                    } catch (e) {
                      button.disabled = false;
                      button.after(errorAlert(e));
                    }
                  },
                },
                t("declared.verify"),
              ),
            ]
          : []),
      ]),
      { testid: "declared-table" },
    ),
  );
}

function reviewsSection(a: api.ApplicationDetail): HTMLElement | null {
  if (!a.reviews.length) return null;
  // The written opinions, for the office (the applicant's view has none).
  const opinions = a.reviews.filter((r) => r.opinion);
  return h(
    "section",
    { "aria-labelledby": "reviews-title" },
    h("h2", { id: "reviews-title" }, t("app.reviews")),
    opinions.length
      ? h(
          "div",
          { class: "opinions", "data-testid": "review-opinions" },
          h("h3", {}, t("review.opinion")),
          opinions.map((r) => h("blockquote", { class: "opinion" }, h("p", {}, r.opinion ?? ""), h("footer", {}, `— ${r.reviewer}`))),
        )
      : null,
    dataTable(
      t("app.reviews"),
      [t("review.reviewer"), t("review.scores"), t("review.proposed"), t("review.status")],
      a.reviews.map((r) => [
        r.reviewer,
        r.scores ? Object.entries(r.scores).map(([k, v]) => `${RUBRIC[k] ? RUBRIC[k][lang()] : k} ${v}`).join(t("p.semi")) : "",
        r.proposed ? formatYuan(r.proposed) : "",
        r.state === "excluded" ? `${t("review.excluded")}${r.conflict ? `${t("p.colon")}${r.conflict}` : ""}` : r.state === "submitted" ? t("review.done") : t("review.pending"),
      ]),
      { numeric: [2] },
    ),
  );
}

// The kinds of file the server takes, as a reader names them.
const FILE_KINDS: Record<string, Key> = {
  "application/pdf": "files.kind.pdf",
  "image/png": "files.kind.image",
  "image/jpeg": "files.kind.image",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "files.kind.word",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "files.kind.excel",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": "files.kind.powerpoint",
};

/** 1,234 bytes as "1.2 KB", 2,097,152 as "2.0 MB". */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * 申报材料: the application's files with their SHA-256 (what the audit chain
 * records). Who may read one gets a download link (the enterprise, the
 * officers, a reviewer still reviewing); the enterprise adds and removes
 * files while its application is a draft.
 */
function filesSection(a: api.ApplicationDetail, me: api.Account): HTMLElement | null {
  const files = a.attachments;
  if (!files) return null;
  const draft = a.state === "draft" && me.role === "applicant" && !a.claim.apply_free;
  const excluded = a.reviews.some((r) => r.reviewer === me.username && r.state === "excluded");
  const mayRead = me.role === "applicant" || me.role === "officer" || (me.role === "reviewer" && !excluded);
  if (!files.length && !draft) {
    if (a.claim.apply_free) return null;
    return h("section", { "aria-labelledby": "files-title" }, h("h2", { id: "files-title" }, t("files.title")), h("p", { class: "hint", "data-testid": "no-files" }, t("files.none")));
  }
  const rows = files.map((f) => [
    mayRead ? h("a", { href: f.href, download: f.filename, "data-testid": "file-link" }, f.filename) : f.filename,
    FILE_KINDS[f.content_type] ? t(FILE_KINDS[f.content_type]) : f.content_type,
    fileSize(f.size),
    h("code", { class: "digest", title: f.sha256, "data-sha256": f.sha256 }, `${f.sha256.slice(0, 12)}…`),
    when(f.uploaded_at),
    draft
      ? h(
          "button",
          {
            type: "button",
            class: "secondary danger",
            "aria-label": t("files.remove.label", { name: f.filename }),
            onclick: async (ev: Event) => {
              const button = ev.currentTarget as HTMLButtonElement;
              button.disabled = true;
              try {
                await api.removeAttachment(f);
                void rerender(true);
              } catch (e) {
                button.disabled = false;
                button.after(errorAlert(e));
              }
            },
          },
          t("files.remove"),
        )
      : "",
  ]);
  const headings = [t("files.name"), t("files.kind"), t("files.size"), "SHA-256", t("files.uploaded"), draft ? t("files.action") : ""];
  let form: HTMLElement | null = null;
  if (draft) {
    const picker = h("input", {
      id: "file-picker",
      name: "file",
      type: "file",
      multiple: true,
      accept: ".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.pptx",
      "aria-describedby": "file-picker-hint",
    });
    form = actionForm({
      title: t("files.add"),
      testid: "add-files",
      fields: [
        h("div", { class: "field" }, h("label", { for: "file-picker" }, t("files.pick")), h("p", { class: "hint", id: "file-picker-hint" }, t("files.hint")), picker),
      ],
      submit: t("files.upload"),
      run: async () => {
        const chosen = Array.from(picker.files ?? []);
        if (!chosen.length) throw new Error(t("files.none_chosen"));
        for (const f of chosen) {
          if (f.size > api.MAX_ATTACHMENT_BYTES) throw new Error(t("files.too_large", { name: f.name }));
        }
        for (const f of chosen) await api.addAttachment(a.id, f);
        void rerender(true);
        return t("files.added", { n: chosen.length });
      },
    });
  }
  return h(
    "section",
    { "aria-labelledby": "files-title", "data-testid": "files" },
    h("h2", { id: "files-title" }, t("files.title")),
    h("p", { class: "hint" }, draft ? t("files.lead.draft") : t("files.lead.fixed")),
    files.length ? dataTable(t("files.title"), headings, rows, { testid: "files-table", numeric: [2] }) : null,
    form,
  );
}

function paymentsSection(a: api.ApplicationDetail): HTMLElement | null {
  if (!a.payments.length) return null;
  const paid = sumMoney(a.payments.map((p) => p.amount));
  return h(
    "section",
    { "aria-labelledby": "payments-title" },
    h("h2", { id: "payments-title" }, t("app.payments")),
    dataTable(
      t("app.payments"),
      [t("pay.instalment"), t("pay.amount"), t("pay.on"), t("pay.reference"), t("pay.notice")],
      a.payments.map((p, i) => {
        const n = p.instalment ?? i + 1;
        // The payment notice (拨付通知): applicants, officers and auditors may open it.
        const notice = session.current()?.role === "reviewer" ? "—" : h("a", { href: api.exportsUrl.paymentNotice(a.id, n), target: "_blank", rel: "noopener", "data-testid": `payment-notice-${n}` }, t("pay.notice.open"));
        return [String(n), formatYuan(p.amount), p.paid_on, p.reference, notice];
      }),
      { numeric: [1], testid: "payments" },
    ),
    h("p", {}, t("pay.sum", { paid: formatYuan(paid), total: a.total ? formatYuan(a.total) : "—" })),
    a.state === "recovered" ? h("p", { class: "alert", "data-testid": "recovered-note" }, t("recover.done")) : null,
  );
}

// The payment orders (not shown to applicants): who recorded each, who
// approved or rejected it and why.
function ordersSection(a: api.ApplicationDetail): HTMLElement | null {
  const orders = a.payment_orders ?? [];
  if (!orders.length) return null;
  const stateText = (o: api.PaymentOrder) => t(`pay.order.${o.state}` as Key);
  return h(
    "section",
    { "aria-labelledby": "orders-title" },
    h("h2", { id: "orders-title" }, t("pay.orders")),
    dataTable(
      t("pay.orders"),
      [t("pay.reference"), t("pay.amount"), t("pay.order.state"), t("pay.order.by")],
      orders.map((o) => [o.reference, formatYuan(o.amount), o.decided_by ? `${stateText(o)}（${o.decided_by}${o.reason ? `${t("p.colon")}${o.reason}` : ""}）` : stateText(o), o.recorded_by]),
      { numeric: [1], testid: "payment-orders" },
    ),
  );
}

// What was recovered of the money paid, why, when and by whom, and what
// remains paid (the server's exact sums).
function recoveriesSection(a: api.ApplicationDetail): HTMLElement | null {
  if (!a.recoveries?.length) return null;
  return h(
    "section",
    { "aria-labelledby": "recoveries-title", "data-testid": "recoveries" },
    h("h2", { id: "recoveries-title" }, t("recover.section")),
    dataTable(
      t("recover.section"),
      [t("recover.col.amount"), t("recover.reason"), t("recover.col.at"), t("recover.col.by")],
      a.recoveries.map((r) => [formatYuan(r.amount), r.reason, when(r.recovered_at), r.recovered_by ?? "—"]),
      { numeric: [0], testid: "recoveries-table" },
    ),
    h("p", { "data-testid": "net-paid" }, t("recover.net", { paid: formatYuan(a.paid_total), recovered: formatYuan(a.recovered_total), net: formatYuan(a.net_paid) })),
  );
}

function objectionsSection(a: api.ApplicationDetail, officer: boolean): HTMLElement | null {
  if (!a.objections.length) return null;
  return h(
    "section",
    { "aria-labelledby": "objections-title" },
    h("h2", { id: "objections-title" }, t("app.objections")),
    h(
      "ul",
      { class: "objections" },
      a.objections.map((o) => h("li", {}, objectionBody(o), officer && o.state === "open" ? resolveForm(o) : null)),
    ),
  );
}

export function objectionBody(o: api.Objection): HTMLElement {
  const open = o.state === "open";
  return h(
    "div",
    { class: "objection" },
    h("p", {}, h("strong", {}, t("obj.n", { id: o.id })), " ", h("span", { class: open ? "badge open" : "badge" }, open ? t("obj.open") : o.state === "upheld" ? t("obj.upheld") : t("obj.dismissed")), o.filed_at ? ` · ${when(o.filed_at)}` : ""),
    h("p", {}, o.reason),
    o.resolution ? h("p", { class: "hint" }, `${t("obj.resolution")}${t("p.colon")}${o.resolution}`) : null,
  );
}

export function resolveForm(o: api.Objection, after: () => void = () => void rerender(true)): HTMLElement {
  const text = textarea(t("obj.resolution"), "resolution");
  const upheld = h("input", { type: "checkbox", id: `upheld-${o.id}`, name: "upheld" });
  return actionForm({
    className: "inline",
    fields: [text.el, h("div", { class: "check" }, upheld, h("label", { for: `upheld-${o.id}` }, t("obj.uphold")))],
    submit: t("obj.resolve"),
    run: async () => {
      await api.resolveObjection(o.id, upheld.checked, text.input.value.trim());
      after();
    },
  });
}

/** D-G6: the year's awards exceed its budget, so this one is paid in proportion, and says so. */
function scalingNote(a: api.ApplicationDetail): HTMLElement | null {
  if (!a.scaling || !a.payable || !a.total || (toFen(a.payable) ?? 0n) >= (toFen(a.total) ?? 0n)) return null;
  return h(
    "p",
    { class: "alert warn", role: "note", "data-testid": "dg6-payable" },
    t("app.scaled", {
      year: a.year,
      committed: formatYuan(a.scaling.committed),
      budget: formatYuan(a.scaling.budget),
      total: formatYuan(a.total),
      payable: formatYuan(a.payable),
    }),
  );
}

// What the last step did, said once at the top of the page it re-rendered.
let flash: string | null = null;

/**
 * The enterprise's draft of a programme beside the served one, edited by its
 * policy's own claim fields: those of the item applied for, typed as the
 * policy declares them (as the portal made it).
 */
function otherDraftForm(a: api.ApplicationDetail, policy: api.PolicySummary, done: (message?: string) => void): HTMLElement {
  const item = policy.measures.find((m) => m.id === a.measure)?.items.find((i) => i.name === (a.item ?? a.claim.item));
  const names = claimFieldNames(policy, item);
  const values = claimValues(a.claim, names);
  const fields = names.map((name) => {
    const f = policy.case?.claim_fields.find((x) => x.name === name) ?? { name, type: "text?", label: name };
    return inputFor(policy, f, `claim.${name}`, values[name], (v) => (values[name] = v));
  });
  return actionForm({
    title: t("app.edit"),
    testid: "edit-draft-form",
    fields: [h("p", { class: "hint" }, t("app.edit.hint")), h("div", { class: "grid" }, fields)],
    submit: t("app.edit.submit"),
    run: async () => {
      const claim = claimFrom(policy, a.measure, item?.name ?? a.item ?? a.claim.item, names, values);
      await api.editDraft(a, claim);
      done(t("app.edit.done"));
    },
  });
}

/** A box to tick before an irreversible step: "我已核对，确认{action}。此操作不可撤销。" */
function irreversible(action: string): { label: string } {
  return { label: t("confirm.label", { action }) };
}

/**
 * What the reader may do next. `programme`: whether the application is of a
 * programme beside the served one, and that policy's summary (null when it
 * could not be read: then no claim of it is edited here).
 */
function actionsFor(a: api.ApplicationDetail, me: api.Account, programme: { other: boolean; policy: api.PolicySummary | null }): HTMLElement[] {
  const other = programme.other;
  // An apply-free proposal (免申即享) is confirmed as proposed and needs no reviewers.
  const applyFree = isApplyFree(a) || (!other && (a.measure === "04" || a.measure === "05"));
  const done = (message?: string) => {
    flash = message ?? null;
    void rerender(true);
  };
  const out: HTMLElement[] = [];
  const role = me.role;
  if ((role === "applicant" || role === "officer") && a.state === "draft") {
    out.push(
      actionForm({
        title: applyFree ? t("portal.applyfree.confirm") : t("app.submit"),
        fields: [h("p", { class: "hint" }, applyFree ? (other ? t("portal.applyfree.hint.other") : t("portal.applyfree.hint")) : t("app.submit.hint"))],
        submit: applyFree ? t("portal.applyfree.confirm") : t("app.submit"),
        testid: "submit-form",
        confirm: irreversible(applyFree ? t("portal.applyfree.confirm") : t("app.submit")),
        run: async () => {
          await api.submitApplication(a);
          done(t("done.submitted"));
        },
      }),
    );
  }
  // The enterprise's own draft may still change or be withdrawn (not an
  // apply-free proposal, which is confirmed as proposed).
  if (role === "applicant" && a.state === "draft" && !a.claim.apply_free && other) {
    // Another programme's draft: its own policy's claim fields, never the served one's.
    if (programme.policy) out.push(otherDraftForm(a, programme.policy, done));
  } else if (role === "applicant" && a.state === "draft" && !a.claim.apply_free) {
    const project = input(t("calc.claim.project"), "claim.project", { value: a.claim.project ?? "" });
    const amounts = (
      [
        ["assessed", t("app.claim.assessed")],
        ["investment", t("calc.claim.investment")],
        ["civil_construction", t("calc.claim.civil_construction")],
        ["external_support", t("calc.claim.external_support")],
      ] as Array<[api.ClaimAmount, string]>
    ).map(([k, label]) => ({ k, field: moneyInput(label, `claim.${k}`, { value: a.claim[k] ?? "" }) }));
    out.push(
      actionForm({
        title: t("app.edit"),
        testid: "edit-draft-form",
        fields: [h("p", { class: "hint" }, t("app.edit.hint")), h("div", { class: "grid" }, project.el, amounts.map((m) => m.field.el))],
        submit: t("app.edit.submit"),
        run: async () => {
          const claim: api.Claim = { ...a.claim };
          const name = project.input.value.trim();
          if (name) claim.project = name;
          else delete claim.project;
          for (const { k, field } of amounts) {
            const v = field.value();
            if (v) claim[k] = v;
            else delete claim[k];
          }
          await api.editDraft(a, claim);
          done(t("app.edit.done"));
        },
      }),
    );
  }
  if (role === "applicant" && a.state === "draft" && !a.claim.apply_free) {
    out.push(
      actionForm({
        title: t("app.withdraw"),
        testid: "withdraw-form",
        fields: [h("p", { class: "hint" }, t("app.withdraw.hint"))],
        confirm: { label: t("app.withdraw.confirm"), unconfirmed: t("app.withdraw.unconfirmed") },
        submit: t("app.withdraw"),
        run: async () => {
          await api.withdrawDraft(a);
          navigate("/portal");
        },
      }),
    );
  }
  if (role === "reviewer" && a.state === "in_review") {
    const mine = a.reviews.find((r) => r.reviewer === me.username);
    if (mine && mine.state !== "excluded") {
      const scoreInputs = Object.entries(RUBRIC).map(([k, pair]) => ({
        k,
        ...input(`${pair[lang()]}${paren("0–100")}`, `scores.${k}`, { inputmode: "numeric", value: mine.scores?.[k] !== undefined ? String(mine.scores[k]) : "" }),
      }));
      const proposed = moneyInput(t("review.proposed.label"), "proposed", { value: mine.proposed ?? a.claim.assessed ?? "", hint: t("review.proposed.hint") });
      const opinion = textarea(t("review.opinion.label"), "opinion");
      opinion.input.rows = 5;
      opinion.input.maxLength = 2000;
      opinion.input.value = mine.opinion ?? "";
      opinion.el.append(h("p", { class: "hint" }, t("review.opinion.hint")));
      out.push(
        actionForm({
          title: t("review.form"),
          testid: "review-form",
          fields: [h("p", { class: "hint" }, t("review.form.hint")), h("div", { class: "grid" }, scoreInputs.map((s) => s.el)), proposed.el, opinion.el],
          submit: t("review.submit"),
          run: async () => {
            const scores: Record<string, number> = {};
            for (const s of scoreInputs) {
              const v = s.input.value.trim();
              if (!/^\d{1,3}$/.test(v) || Number(v) > 100) {
                s.input.setAttribute("aria-invalid", "true");
                s.input.focus();
                throw new Error(t("review.score.bad"));
              }
              scores[s.k] = Number(v);
            }
            const written = opinion.input.value.trim();
            if (!written) {
              opinion.input.setAttribute("aria-invalid", "true");
              opinion.input.focus();
              throw new Error(t("review.opinion.missing"));
            }
            await api.submitReview(a, me.username, scores, proposed.value(), written);
            done();
          },
        }),
      );
      const why = textarea(t("review.conflict.reason"), "reason");
      out.push(
        actionForm({
          title: t("review.conflict"),
          testid: "conflict-form",
          fields: [h("p", { class: "hint" }, t("review.conflict.hint")), why.el],
          submit: t("review.conflict.submit"),
          run: async () => {
            await api.declareConflict(a, why.input.value.trim());
            done();
          },
        }),
      );
    } else if (mine?.state === "excluded") {
      out.push(h("p", { class: "alert" }, t("review.excluded.you")));
    }
  }
  if (role === "officer") {
    if (a.state === "submitted") {
      // The reviewers to pick from: the enabled reviewer accounts, each with
      // what it has still to review.
      const choices = h("div", { class: "checks" }, h("p", { class: "hint" }, t("officer.reviewers.loading")));
      const who = h(
        "fieldset",
        { class: "reviewer-pick", "data-testid": "reviewer-pick" },
        h("legend", {}, t("officer.reviewers")),
        h("p", { class: "hint" }, applyFree ? t("officer.reviewers.applyfree") : t("officer.reviewers.hint")),
        choices,
      );
      void api.reviewers().then(
        ({ items }) =>
          choices.replaceChildren(
            ...(items.length
              ? items.map((r) => {
                  const id = `reviewer-${r.username}`;
                  return h(
                    "div",
                    { class: "check" },
                    h("input", { type: "checkbox", id, name: "reviewers", value: r.username }),
                    h("label", { for: id }, `${r.username}${paren(t("officer.reviewers.open", { n: String(r.open_reviews) }))}`),
                  );
                })
              : [h("p", { class: "alert" }, t("officer.reviewers.none"))]),
          ),
        (e: unknown) => choices.replaceChildren(h("p", { class: "alert error" }, e instanceof Error ? e.message : String(e))),
      );
      out.push(
        actionForm({
          title: t("officer.review.start"),
          testid: "start-review-form",
          fields: [who],
          submit: t("officer.review.start"),
          run: async () => {
            const names = [...choices.querySelectorAll<HTMLInputElement>('input[name="reviewers"]:checked')].map((c) => c.value);
            if (!names.length && !applyFree) throw new Error(t("officer.reviewers.pick"));
            await api.startReview(a, names);
            done();
          },
        }),
      );
    }
    if (a.state === "in_review") {
      out.push(
        actionForm({
          title: t("officer.decide"),
          testid: "decide-form",
          fields: [h("p", { class: "hint" }, t("officer.decide.hint"))],
          blocked: waitingText(a.waiting?.decide),
          confirm: irreversible(t("officer.decide")),
          submit: t("officer.decide"),
          run: async () => {
            await api.decide(a);
            done(t("done.decided"));
          },
        }),
      );
    }
    if (a.state === "decided") {
      // D-G9: the notice's days are the server's, from the day after publication.
      out.push(
        actionForm({
          title: t("officer.notice"),
          testid: "notice-form",
          fields: [h("p", { class: "hint" }, t("officer.notice.hint"))],
          confirm: irreversible(t("officer.notice")),
          submit: t("officer.notice"),
          run: async () => {
            const n = await api.publishNotice(a);
            done(t("done.notice", { until: n.notice_until ?? "" }));
          },
        }),
      );
    }
    if (a.state === "notice") {
      out.push(
        actionForm({
          title: t("officer.finalise"),
          testid: "finalise-form",
          fields: [h("p", { class: "hint" }, t("officer.finalise.hint", { until: a.notice_until ?? "" }))],
          blocked: waitingText(a.waiting?.finalise),
          confirm: irreversible(t("officer.finalise")),
          submit: t("officer.finalise"),
          run: async () => {
            await api.finalise(a);
            done(t("done.final"));
          },
        }),
      );
    }
  }
  // Separation of duties: finance records a payment; above the office's
  // threshold it is an order that a second finance account approves.
  if (role === "finance") {
    for (const o of (a.payment_orders ?? []).filter((x) => x.state === "pending")) {
      const why = input(t("pay.reject.reason"), "reason");
      // Separation of duties: the store refuses the account that recorded it, either way.
      const own = o.recorded_by === me.username ? t("waiting.own_order") : null;
      out.push(
        actionForm({
          title: `${t("pay.orders")} · ${o.reference} · ${formatYuan(o.amount)}`,
          testid: `approve-order-${o.id}`,
          fields: [h("p", { class: "hint" }, `${t("pay.order.by")}${t("p.colon")}${o.recorded_by}`)],
          blocked: own,
          confirm: irreversible(t("pay.approve")),
          submit: t("pay.approve"),
          run: async () => {
            await api.decidePaymentOrder(o.id, true);
            done(t("done.approved", { amount: formatYuan(o.amount), reference: o.reference }));
          },
        }),
        actionForm({
          title: `${t("pay.reject")} · ${o.reference}`,
          testid: `reject-order-${o.id}`,
          fields: [why.el],
          blocked: own,
          confirm: irreversible(t("pay.reject")),
          submit: t("pay.reject"),
          run: async () => {
            await api.decidePaymentOrder(o.id, false, why.input.value.trim());
            done(t("done.rejected", { reference: o.reference }));
          },
        }),
      );
    }
    if (a.state === "final" && a.total) {
      const paidFen = a.payments.reduce((s, p) => s + (toFen(p.amount) ?? 0n), 0n);
      const pendingFen = (a.payment_orders ?? []).filter((o) => o.state === "pending").reduce((s, o) => s + (toFen(o.amount) ?? 0n), 0n);
      // D-G6: what may be paid is the scaled amount when the year is over its budget.
      const leftFen = (toFen(a.payable ?? a.total) ?? 0n) - paidFen - pendingFen;
      const left = `${leftFen / 100n}.${(leftFen % 100n).toString().padStart(2, "0")}`;
      const amount = moneyInput(t("pay.amount.label"), "amount", { value: left, hint: t("pay.amount.hint", { left: formatYuan(left) }) });
      const ref = input(t("pay.reference"), "reference", { value: `PAY-${a.year}-${String(a.id).padStart(4, "0")}-${a.payments.length + 1}` });
      out.push(
        actionForm({
          title: t("pay.record"),
          testid: "payment-form",
          fields: [h("p", { class: "hint" }, t("pay.on.hint")), h("div", { class: "grid" }, amount.el, ref.el)],
          confirm: irreversible(t("pay.record")),
          submit: t("pay.record"),
          run: async () => {
            const after = await api.pay(a, amount.value(), ref.input.value.trim());
            // Above the office's threshold the payment is an order that a second finance account approves.
            const paid = ((after as Partial<api.ApplicationDetail>).payments?.length ?? 0) > a.payments.length;
            done(paid ? t("done.paid") : t("done.ordered"));
          },
        }),
      );
    }
  }
  if (role === "officer" && a.state === "paid") {
    const amount = moneyInput(t("recover.amount"), "amount");
    const why = textarea(t("recover.reason"), "reason");
    out.push(
      actionForm({
        title: t("recover.title"),
        testid: "recovery-form",
        fields: [h("p", { class: "hint" }, t("recover.hint")), amount.el, why.el],
        confirm: irreversible(t("recover.title")),
        submit: t("recover.title"),
        run: async () => {
          await api.recover(a, amount.value(), why.input.value.trim());
          done(t("done.recovered"));
        },
      }),
    );
  }
  if ((role === "applicant" || role === "officer" || role === "reviewer") && a.state === "notice") {
    const why = textarea(t("obj.reason"), "reason");
    out.push(
      actionForm({
        title: t("obj.file"),
        testid: "objection-form",
        fields: [h("p", { class: "hint" }, t("obj.file.hint", { until: a.notice_until ?? "" })), why.el],
        submit: t("obj.file"),
        run: async () => {
          await api.fileObjection(a, why.input.value.trim());
          done(t("done.objection"));
        },
      }),
    );
  }
  return out;
}

export function renderApplication(idText: string): HTMLElement | Promise<HTMLElement> {
  return gate(["applicant", "reviewer", "officer", "auditor", "admin", "finance"], async (me) => {
    const page = h("section", { class: "page application" });
    const id = Number(idText);
    try {
      const a = await api.application(id);
      // An application of a programme beside the served one: its own policy's titles, fields and clauses.
      const labels = await labelsFor([a]);
      const other = labels.other(a) ? labels.summary(a) : null;
      const texts = labels.other(a) ? await clausesOf(a.policy!) : await api.clauses().catch(() => null);
      const actions = actionsFor(a, me, { other: labels.other(a), policy: other });
      const claim: Array<[string, Child]> = labels.other(a) ? (other ? claimEntries(other, a.claim, lang()) : []) : claimRows(a.claim);
      const several = labels.programmes.others.length > 0;
      const said = flash;
      flash = null;
      add(page,
        h("p", { class: "breadcrumb" }, h("a", { href: session.homeOf(me), "data-link": true }, t("app.back"))),
        h("h1", {}, t("app.title", { id: a.id }), " ", stateBadge(a.state)),
        said ? h("div", { "data-testid": "flash", role: "status" }, okAlert(said)) : null,
        several ? h("p", { class: "programme-title", "data-testid": "programme", "data-policy": a.policy ?? "" }, labels.programme(a)) : null,
        h("p", { class: "subtitle" }, labels.measure(a)),
        timeline(a.state),
        dl([
          [t("app.enterprise"), `${a.enterprise_name ?? ""} ${a.credit_code}`],
          [t("calc.year"), String(a.year)],
          [t("app.state"), stateBadge(a.state)],
          ...claim,
          ...(a.notice_until ? ([[t("app.notice_until"), a.notice_until]] as Array<[string, Child]>) : []),
          ...(a.total ? ([[t("app.total"), money(a.total)]] as Array<[string, Child]>) : []),
          [t("app.updated"), when(a.updated_at ?? a.created_at)],
        ]),
        a.estimate ? estimateNote(a.estimate) : null,
        scalingNote(a),
        // The facts the portal derives are the served policy's: another programme's case is its figures.
        me.role === "applicant" || labels.other(a) ? null : factsDetails(a, me),
        filesSection(a, me),
        actions.length ? h("section", { class: "actions-panel", "aria-labelledby": "next-title" }, h("h2", { id: "next-title" }, t("app.next")), actions) : null,
        a.decision ? decisionSection(a.decision, texts, me.role === "officer" || me.role === "auditor", other ? namesOf(other) : undefined) : null,
        me.role === "applicant" ? null : reviewsSection(a),
        objectionsSection(a, me.role === "officer"),
        paymentsSection(a),
        ordersSection(a),
        recoveriesSection(a),
      );
    } catch (e) {
      page.append(h("h1", {}, t("app.title", { id: idText })), errorAlert(e));
    }
    return page;
  });
}
