// The landing page: what the programme is, who qualifies, how bursar decides,
// the 11 measures, and the way into the calculator and the policy view.
import { h } from "../dom";
import { lang, pick, t } from "../i18n";
import { MEASURE_IDS, MEASURES } from "../terms";

export function renderHome(): HTMLElement {
  return h(
    "section",
    { class: "page home" },
    h("h1", {}, t("home.title")),
    h("p", { class: "lead" }, t("home.lead")),
    h(
      "div",
      { class: "cta-row" },
      h(
        "a",
        { class: "cta primary", href: "/calculator", "data-link": true },
        h("strong", {}, t("home.cta.calculator")),
        h("span", {}, t("home.cta.calculator.desc")),
      ),
      h(
        "a",
        { class: "cta", href: "/policy", "data-link": true },
        h("strong", {}, t("home.cta.policy")),
        h("span", {}, t("home.cta.policy.desc")),
      ),
    ),
    h("h2", {}, t("home.eligibility.title")),
    h("p", {}, t("home.eligibility.body")),
    h("h2", {}, t("home.how.title")),
    h("ul", { class: "how" }, h("li", {}, t("home.how.1")), h("li", {}, t("home.how.2")), h("li", {}, t("home.how.3")), h("li", {}, t("home.how.4"))),
    h("h2", {}, t("home.measures.title")),
    h(
      "ol",
      { class: "measure-list" },
      MEASURE_IDS.map((id) => [id, MEASURES[id]] as const).map(([id, m]) =>
        h(
          "li",
          {},
          h("span", { class: "measure-id" }, id),
          h("a", { href: `/policy/${id}`, "data-link": true, lang: lang() === "zh" ? null : "en" }, pick(m)),
          h("span", { class: m.applyFree ? "badge apply-free" : "badge" }, m.applyFree ? t("home.measures.applyfree") : t("home.measures.assessed")),
        ),
      ),
    ),
  );
}
