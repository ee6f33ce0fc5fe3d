// 审计 (the auditor's view): verify the hash-chained audit log, replay any
// stored decision byte for byte, and read the log itself, newest first.
import * as api from "../api";
import { add, h } from "../dom";
import { pick, t } from "../i18n";
import { AUDIT_OPS } from "../terms";
import { rerender } from "../router";
import { actionForm, dataTable, errorAlert, gate, input, when } from "./shared";

const PAGE = 50;

function changeText(c: api.AuditEntry["change"]): string {
  return typeof c === "string" ? c : JSON.stringify(c);
}

function changeOp(c: api.AuditEntry["change"]): string {
  if (typeof c === "object" && c && typeof c.op === "string") return c.op;
  return "";
}

function opCell(op: string): HTMLElement {
  const pair = AUDIT_OPS[op];
  return h("span", { class: "op" }, pair ? pick(pair) : op, pair ? h("code", { class: "op-name" }, op) : null);
}

export function renderAudit(): HTMLElement | Promise<HTMLElement> {
  return gate(["auditor", "officer"], async () => {
    const offset = Math.max(0, Number(new URLSearchParams(location.search).get("offset")) || 0);
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
    const page = h(
      "section",
      { class: "page audit" },
      h("h1", {}, t("audit.title")),
      h("p", { class: "lead" }, t("audit.lead")),
      h("section", { class: "card", "aria-labelledby": "verify-title" }, h("h2", { id: "verify-title" }, t("audit.chain")), h("p", { class: "hint" }, t("audit.chain.hint")), verify, verifyOut),
      h("section", { class: "card", "aria-labelledby": "replay-title" }, h("h2", { id: "replay-title" }, t("audit.replay.title")), h("p", { class: "hint" }, t("audit.replay.hint")), replayForm, replayOut),
    );
    try {
      const log = await api.auditLog({ limit: PAGE, offset });
      const go = (o: number) => () => {
        history.replaceState(null, "", `/audit?offset=${o}`);
        void rerender();
      };
      add(page,
        h(
          "section",
          { "aria-labelledby": "log-title" },
          h("h2", { id: "log-title" }, t("audit.log", { n: log.total })),
          dataTable(
            t("audit.log", { n: log.total }),
            [t("audit.seq"), t("audit.at"), t("audit.actor"), t("audit.op"), t("audit.change"), t("audit.digest")],
            log.items.map((e) => [String(e.seq), when(e.at), e.actor, opCell(changeOp(e.change)), h("code", { class: "change" }, changeText(e.change)), h("code", { class: "digest", title: e.digest }, e.digest.slice(0, 12))]),
            { testid: "audit-log" },
          ),
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
