import "./style.css";
import { h } from "./dom";
import { lang, onLangChange, setLang, t } from "./i18n";
import { rerender, startRouter } from "./router";
import { renderCalculator } from "./views/calculator";
import { renderHome } from "./views/home";
import { renderMeasure, renderPolicy } from "./views/policy";

const app = document.getElementById("app")!;
const main = h("main", { id: "main", tabindex: "-1" });
const header = h("header", { class: "site-header" });
const footer = h("footer", { class: "site-footer" });

const NAV: Array<{ path: string; key: "nav.home" | "nav.calculator" | "nav.policy" }> = [
  { path: "/", key: "nav.home" },
  { path: "/calculator", key: "nav.calculator" },
  { path: "/policy", key: "nav.policy" },
];

function renderShell(): void {
  const path = location.pathname;
  header.replaceChildren(
    h("a", { class: "skip-link", href: "#main" }, t("app.skip")),
    h(
      "div",
      { class: "header-inner" },
      h("a", { class: "brand", href: "/", "data-link": true }, t("app.name")),
      h(
        "nav",
        { "aria-label": t("nav.label") },
        h(
          "ul",
          {},
          NAV.map((n) => {
            const active = n.path === "/" ? path === "/" : path.startsWith(n.path);
            return h("li", {}, h("a", { href: n.path, "data-link": true, "aria-current": active ? "page" : null }, t(n.key)));
          }),
        ),
      ),
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
  );
  footer.replaceChildren(h("p", {}, t("footer.text")));
}

app.replaceChildren(header, main, footer);
document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
renderShell();

onLangChange(() => {
  renderShell();
  void rerender().then(() => document.getElementById("lang-switch")?.focus());
});

startRouter(
  [
    { pattern: /^\/$/, render: renderHome, title: () => t("app.name") },
    { pattern: /^\/calculator\/?$/, render: renderCalculator, title: () => `${t("calc.title")} · ${t("app.short")}` },
    { pattern: /^\/policy\/?$/, render: renderPolicy, title: () => `${t("policy.title")} · ${t("app.short")}` },
    { pattern: /^\/policy\/(\d{2})\/?$/, render: (p) => renderMeasure(p[0]), title: () => `${t("policy.title")} · ${t("app.short")}` },
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
