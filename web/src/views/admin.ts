// 账号管理 (the admin's screen): every account with its role, enterprise and
// state and last login; add an account; set a new password; disable one, or
// enable a disabled one again. Each change is one
// request (POST /api/accounts, PUT …/password, PATCH …) that the store audits
// under the admin's name. The admin cannot disable itself (the server refuses).
import * as api from "../api";
import { add, h } from "../dom";
import { t, type Key } from "../i18n";
import { rerender } from "../router";
import { actionForm, dataTable, errorAlert, gate, input, okAlert, selectField, when } from "./shared";

const ROLES: api.Role[] = ["applicant", "reviewer", "officer", "auditor", "admin", "finance", "data-bureau"];

// A change's outcome, shown once at the top of the re-rendered page (the
// page is rebuilt from the server's list after each change).
let flash: string | null = null;

function done(message: string): void {
  flash = message;
  void rerender(true);
}

function addSection(): HTMLElement {
  const user = input(t("admin.username"), "username", { hint: t("admin.username.hint"), autocomplete: "off", required: true });
  const role = selectField(t("admin.role"), "role", ROLES.map((r) => [r, t(`role.${r}` as Key)]), "reviewer");
  const code = input(t("admin.credit_code"), "credit_code", { hint: t("admin.credit_code.hint") });
  const pass = input(t("admin.password"), "password", { type: "password", hint: t("admin.password.hint"), autocomplete: "new-password", required: true });
  // The credit code belongs to applicants only: shown for them alone.
  const showCode = () => {
    code.el.hidden = role.input.value !== "applicant";
  };
  role.input.addEventListener("change", showCode);
  showCode();
  const form = actionForm({
    title: t("admin.add"),
    testid: "add-account",
    fields: [h("div", { class: "grid" }, user.el, role.el, code.el, pass.el)],
    submit: t("admin.add.submit"),
    run: async () => {
      const r = role.input.value as api.Role;
      const a = await api.addAccount({
        username: user.input.value.trim(),
        role: r,
        credit_code: r === "applicant" ? code.input.value.trim() : undefined,
        password: pass.input.value,
      });
      done("state" in a ? t("admin.pending", { user: a.username, id: a.id }) : t("admin.added", { user: a.username, role: t(`role.${a.role}` as Key) }));
    },
  });
  return h("section", { class: "card", "aria-labelledby": "add-account-h" }, h("h2", { id: "add-account-h" }, t("admin.add.section")), form);
}

/** The panel for one account's change: a new password, disabling it, or enabling it again. */
function changePanel(slot: HTMLElement, a: api.AdminAccount, mode: "password" | "disable" | "enable"): void {
  if (mode === "password") {
    const pass = input(t("admin.password.new", { user: a.username }), "password", { type: "password", hint: t("admin.password.hint"), autocomplete: "new-password", required: true });
    const form = actionForm({
      title: t("admin.reset.title", { user: a.username }),
      testid: "reset-password",
      fields: [h("p", { class: "hint" }, t("admin.reset.hint")), pass.el],
      submit: t("admin.reset.submit"),
      run: async () => {
        const r = await api.setAccountPassword(a.username, pass.input.value);
        done(r ? t("admin.pending", { user: a.username, id: r.id }) : t("admin.reset.done", { user: a.username }));
      },
    });
    slot.replaceChildren(form, cancelButton(slot));
    pass.input.focus();
    return;
  }
  const form =
    mode === "disable"
      ? actionForm({
          title: t("admin.disable.title", { user: a.username }),
          testid: "disable-account",
          fields: [h("p", {}, t("admin.disable.hint"))],
          submit: t("admin.disable.submit", { user: a.username }),
          run: async () => {
            await api.disableAccount(a.username);
            done(t("admin.disable.done", { user: a.username }));
          },
        })
      : actionForm({
          title: t("admin.enable.title", { user: a.username }),
          testid: "enable-account",
          fields: [h("p", {}, t("admin.enable.hint"))],
          submit: t("admin.enable.submit", { user: a.username }),
          run: async () => {
            await api.enableAccount(a.username);
            done(t("admin.enable.done", { user: a.username }));
          },
        });
  slot.replaceChildren(form, cancelButton(slot));
  form.querySelector<HTMLButtonElement>("button[type=submit]")?.focus();
}

function cancelButton(slot: HTMLElement): HTMLElement {
  return h(
    "button",
    {
      type: "button",
      class: "secondary",
      onclick: () => {
        slot.replaceChildren();
        document.getElementById("accounts-h")?.focus();
      },
    },
    t("admin.cancel"),
  );
}

function accountsSection(items: api.AdminAccount[], me: api.Account): HTMLElement {
  const slot = h("div", { class: "change-panel", "data-testid": "account-change" });
  const rows = items.map((a) => {
    const actions = h("div", { class: "row-actions" });
    if (!a.disabled) {
      add(
        actions,
        h("button", { type: "button", class: "secondary", "data-action": "password", "aria-label": t("admin.reset.for", { user: a.username }), onclick: () => changePanel(slot, a, "password") }, t("admin.reset")),
        a.username === me.username
          ? null
          : h("button", { type: "button", class: "secondary danger", "data-action": "disable", "aria-label": t("admin.disable.for", { user: a.username }), onclick: () => changePanel(slot, a, "disable") }, t("admin.disable")),
      );
    } else {
      add(actions, h("button", { type: "button", class: "secondary", "data-action": "enable", "aria-label": t("admin.enable.for", { user: a.username }), onclick: () => changePanel(slot, a, "enable") }, t("admin.enable")));
    }
    return [
      h("span", { "data-username": a.username }, a.username),
      t(`role.${a.role}` as Key),
      a.credit_code ? h("code", {}, a.credit_code) : "—",
      h("span", { class: a.disabled ? "badge disabled" : "badge", "data-disabled": String(a.disabled) }, a.disabled ? t("admin.state.disabled") : t("admin.state.active")),
      when(a.created_at),
      when(a.password_changed_at),
      a.last_login_at ? h("time", { datetime: a.last_login_at, "data-last-login": a.last_login_at }, when(a.last_login_at)) : h("span", { class: "hint", "data-last-login": "" }, t("admin.last_login.never")),
      actions,
    ];
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "accounts-h" },
    h("h2", { id: "accounts-h", tabindex: "-1" }, t("admin.accounts", { n: items.length })),
    h("p", { class: "hint" }, t("admin.accounts.hint")),
    dataTable(
      t("admin.accounts.caption"),
      [t("admin.username"), t("admin.role"), t("admin.credit_code"), t("admin.state"), t("admin.created"), t("admin.password_changed"), t("admin.last_login"), t("admin.actions")],
      rows,
      { testid: "accounts" },
    ),
    slot,
  );
}

// Two admins: the grants of privileged roles and their password resets
// that another admin asked for, to approve or reject (never one's own).
function changesSection(items: api.AccountChange[], me: api.Account): HTMLElement | null {
  if (!items.length) return null;
  const rows = items.map((c) => {
    const reason = input(t("admin.change.reason"), `reason-${c.id}`, {});
    const actions =
      c.requested_by === me.username
        ? h("span", { class: "hint" }, t("admin.change.own"))
        : h(
            "div",
            { class: "row-actions" },
            h("button", { type: "button", class: "secondary", "data-action": "approve-change", onclick: async () => decide(c, true) }, t("admin.change.approve")),
            reason.el,
            h("button", { type: "button", class: "secondary danger", "data-action": "reject-change", onclick: async () => decide(c, false, reason.input.value) }, t("admin.change.reject")),
          );
    return [`#${c.id}`, c.kind === "grant" ? t("admin.change.grant") : t("admin.change.password"), c.username, t(`role.${c.role}` as Key), c.requested_by, when(c.requested_at), actions];
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "changes-h", "data-testid": "account-changes" },
    h("h2", { id: "changes-h" }, t("admin.changes", { n: items.length })),
    h("p", { class: "hint" }, t("admin.changes.hint")),
    dataTable(t("admin.changes", { n: items.length }), ["#", t("admin.change.kind"), t("admin.username"), t("admin.role"), t("admin.change.by"), t("admin.created"), t("admin.actions")], rows),
  );
}

async function decide(c: api.AccountChange, approve: boolean, reason?: string): Promise<void> {
  try {
    await api.decideAccountChange(c.id, approve, reason);
    done(t(approve ? "admin.change.approved" : "admin.change.rejected", { user: c.username, id: c.id }));
  } catch (e) {
    document.querySelector('[data-testid="account-changes"]')?.append(errorAlert(e));
  }
}

export function renderAdmin(): HTMLElement | Promise<HTMLElement> {
  return gate(["admin"], async (me) => {
    const page = h("section", { class: "page admin" });
    const message = flash;
    flash = null;
    add(page, h("h1", {}, t("admin.title")), h("p", { class: "lead" }, t("admin.lead")));
    if (message) add(page, okAlert(message));
    try {
      const [list, changes] = await Promise.all([api.accounts(), api.accountChanges()]);
      add(page, changesSection(changes.items, me), addSection(), accountsSection(list.items, me));
    } catch (e) {
      add(page, errorAlert(e));
    }
    return page;
  });
}
