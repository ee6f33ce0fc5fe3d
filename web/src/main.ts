import "./style.css";
import { setUnauthenticatedHandler } from "./api";
import { h } from "./dom";
import { lang, onLangChange, paren, setLang, t, type Key } from "./i18n";
import { navigate, rerender, startRouter } from "./router";
import * as session from "./session";
import { renderAdmin } from "./views/admin";
import { renderApplication } from "./views/application";
import { renderAudit } from "./views/auditor";
import { renderFinance } from "./views/finance";
import { renderData } from "./views/data";
import { renderCalculator } from "./views/calculator";
import { renderPolicyCalculator } from "./views/policy-calculator";
import { renderHome } from "./views/home";
import { renderLogin } from "./views/login";
import { renderNotices } from "./views/notices";
import { renderOfficer } from "./views/officer";
import { renderGuide } from "./views/guide";
import { renderMeasure, renderPolicy } from "./views/policy";
import { renderPortal } from "./views/portal";
import { renderReviewQueue } from "./views/reviewer";
import { renderSimulator } from "./views/simulator";

const app = document.getElementById("app")!;
const main = h("main", { id: "main", tabindex: "-1" });
const header = h("header", { class: "site-header" });
const footer = h("footer", { class: "site-footer" });

type NavItem = { path: string; key: Key };

const PUBLIC_NAV: NavItem[] = [
  { path: "/", key: "nav.home" },
  { path: "/calculator", key: "nav.calculator" },
  { path: "/policy", key: "nav.policy" },
  { path: "/notices", key: "nav.notices" },
];

const ROLE_NAV: Record<string, NavItem[]> = {
  applicant: [{ path: "/portal", key: "nav.portal" }],
  reviewer: [{ path: "/review", key: "nav.review" }],
  officer: [
    { path: "/officer", key: "nav.officer" },
    { path: "/simulator", key: "nav.simulator" },
    { path: "/data", key: "nav.data" },
    { path: "/audit", key: "nav.audit" },
  ],
  auditor: [
    { path: "/audit", key: "nav.audit" },
    { path: "/simulator", key: "nav.simulator" },
  ],
  admin: [{ path: "/admin", key: "nav.admin" }],
  finance: [{ path: "/finance", key: "nav.finance" }],
  "data-bureau": [{ path: "/data", key: "nav.data" }],
};

function navList(items: NavItem[], path: string, label: string): HTMLElement {
  return h(
    "nav",
    { "aria-label": label },
    h(
      "ul",
      {},
      items.map((n) => {
        const active = n.path === "/" ? path === "/" : path.startsWith(n.path);
        return h("li", {}, h("a", { href: n.path, "data-link": true, "aria-current": active ? "page" : null }, t(n.key)));
      }),
    ),
  );
}

function renderShell(): void {
  const path = location.pathname;
  const me = session.current();
  header.replaceChildren(
    h("a", { class: "skip-link", href: "#main" }, t("app.skip")),
    h(
      "div",
      { class: "header-inner" },
      h("a", { class: "brand", href: "/", "data-link": true }, t("app.name")),
      navList(PUBLIC_NAV, path, t("nav.label")),
      me ? navList(ROLE_NAV[me.role] ?? [], path, t("nav.work")) : null,
      h(
        "div",
        { class: "account" },
        me
          ? [
              h("span", { class: "whoami", "data-testid": "whoami" }, `${me.username}${paren(t(`role.${me.role}`))}`),
              h(
                "button",
                {
                  type: "button",
                  class: "header-button",
                  onclick: async () => {
                    await session.logout().catch(() => {});
                    navigate("/");
                  },
                },
                t("auth.logout"),
              ),
            ]
          : h("a", { class: "header-link", href: "/login", "data-link": true, "aria-current": path === "/login" ? "page" : null }, t("auth.login")),
        h(
          "button",
          {
            type: "button",
            class: "lang-switch",
            id: "lang-switch",
            lang: lang() === "zh" ? "en" : "zh-CN",
            "aria-label": t("lang.switch.label"),
            onclick: () => setLang(lang() === "zh" ? "en" : "zh"),
          },
          t("lang.switch"),
        ),
      ),
    ),
  );
  footer.replaceChildren(h("p", {}, t("footer.text")));
}

app.replaceChildren(header, main, footer);
document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";

onLangChange(() => {
  renderShell();
  void rerender().then(() => document.getElementById("lang-switch")?.focus());
});
session.onSessionChange(() => renderShell());
// The session ended on the server (expired, password changed): forget it and
// show the page again, which now asks for a login.
setUnauthenticatedHandler(() => {
  if (!session.current()) return;
  session.expired();
  void rerender();
});

const title = (key: Key) => () => `${t(key)} · ${t("app.short")}`;

void session.restore().then(() => {
  renderShell();
  startRouter(
    [
      { pattern: /^\/$/, render: renderHome, title: () => t("app.name") },
      { pattern: /^\/calculator\/?$/, render: renderCalculator, title: title("calc.title") },
      { pattern: /^\/calculator\/([a-z0-9][a-z0-9-]*)\/?$/, render: (p) => renderPolicyCalculator(p[0]), title: title("calc.title") },
      { pattern: /^\/policy\/?$/, render: renderPolicy, title: title("policy.title") },
      { pattern: /^\/policy\/(\d{2})\/?$/, render: (p) => renderMeasure(p[0]), title: title("policy.title") },
      { pattern: /^\/policy\/(\d{2})\/guide\/?$/, render: (p) => renderGuide(p[0]), title: title("guide.title") },
      { pattern: /^\/notices\/?$/, render: renderNotices, title: title("notices.title") },
      { pattern: /^\/login\/?$/, render: renderLogin, title: title("auth.title") },
      { pattern: /^\/portal\/?$/, render: renderPortal, title: title("portal.title") },
      { pattern: /^\/applications\/(\d+)\/?$/, render: (p) => renderApplication(p[0]), title: title("app.page") },
      { pattern: /^\/review\/?$/, render: renderReviewQueue, title: title("review.title") },
      { pattern: /^\/officer\/?$/, render: renderOfficer, title: title("officer.title") },
      { pattern: /^\/simulator\/?$/, render: renderSimulator, title: title("sim.title") },
      { pattern: /^\/audit\/?$/, render: renderAudit, title: title("audit.title") },
      { pattern: /^\/admin\/?$/, render: renderAdmin, title: title("admin.title") },
      { pattern: /^\/finance\/?$/, render: renderFinance, title: title("finance.title") },
      { pattern: /^\/data\/?$/, render: renderData, title: title("data.title") },
    ],
    {
      pattern: /^$/,
      render: () =>
        h(
          "section",
          { class: "page" },
          h("h1", {}, t("notfound.title")),
          h("p", {}, t("notfound.body")),
          h("p", {}, h("a", { href: "/", "data-link": true }, t("notfound.home"))),
        ),
      title: () => t("notfound.title"),
    },
    main,
    () => renderShell(),
  );
});
