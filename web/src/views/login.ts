// 登录: username and password → POST /api/sessions → the role's first screen
// (or the page that asked for a login).
import { ApiError } from "../api";
import { h } from "../dom";
import { t } from "../i18n";
import { navigate } from "../router";
import * as session from "../session";
import { errorAlert, input } from "./shared";

export function renderLogin(): HTMLElement {
  const next = new URLSearchParams(location.search).get("next");
  const user = input(t("auth.username"), "username", { autocomplete: "username", required: true });
  const pass = input(t("auth.password"), "password", { type: "password", autocomplete: "current-password", required: true });
  const status = h("div", { "aria-live": "assertive" });
  const button = h("button", { type: "submit", class: "primary" }, t("auth.login"));
  const form = h("form", { class: "login-form", novalidate: true }, user.el, pass.el, h("div", { class: "actions" }, button), status);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.replaceChildren();
    if (!user.input.value || !pass.input.value) {
      status.replaceChildren(h("div", { class: "alert error", role: "alert" }, t("auth.missing")));
      (user.input.value ? pass.input : user.input).focus();
      return;
    }
    button.disabled = true;
    try {
      const a = await session.login(user.input.value.trim(), pass.input.value);
      // Only paths of this app, never another origin.
      navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : session.homeOf(a));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) status.replaceChildren(h("div", { class: "alert error", role: "alert" }, t("auth.wrong")));
      else if (e instanceof ApiError && e.status === 429) status.replaceChildren(h("div", { class: "alert error", role: "alert" }, t("auth.throttled")));
      else status.replaceChildren(errorAlert(e));
      pass.input.value = "";
      pass.input.focus();
    } finally {
      button.disabled = false;
    }
  });
  const a = session.current();
  return h(
    "section",
    { class: "page narrow" },
    h("h1", {}, t("auth.title")),
    a ? h("p", { class: "alert ok" }, t("auth.already", { user: a.username, role: t(`role.${a.role}`) })) : null,
    h("p", { class: "lead" }, t("auth.lead")),
    form,
  );
}
