// A measure's application guide (申报指南), as an office publishes one: how
// it is applied for, the conditions, what is supported, the materials, the
// notes, and the office's window and contact. The policy's part comes from
// its `guide` lines (GET /api/policy/measures/{id}); the window and contact
// are the office's settings (GET /api/office). Each line names its basis.
import * as api from "../api";
import { h } from "../dom";
import { type Key, lang, pick, t } from "../i18n";
import { MEASURES } from "../terms";
import { errorBox } from "./common";

function lineText(l: api.GuideLine): string {
  return lang() === "zh" ? l.text_zh : l.text;
}

function lines(list: api.GuideLine[], testid: string): HTMLElement {
  return h(
    "ol",
    { class: "guide-lines", "data-testid": testid },
    list.map((l) => h("li", {}, lineText(l), " ", h("span", { class: "cites" }, t("guide.basis", { cites: l.cites.join(" ") })))),
  );
}

export async function renderGuide(id: string): Promise<HTMLElement> {
  let doc: api.MeasureDocument;
  try {
    doc = await api.measure(id);
  } catch (e) {
    return h("section", { class: "page guide" }, h("h1", {}, t("guide.title")), errorBox(e));
  }
  // Without a store the office's settings are not known: the page says where they are announced.
  const office = await api.office().catch(() => null);
  const title = MEASURES[doc.id] ? pick(MEASURES[doc.id]) : doc.title;
  const g = doc.guide;
  const apply = g.mode !== "apply_free";
  return h(
    "section",
    { class: "page guide" },
    h("p", { class: "crumb no-print" }, h("a", { href: `/policy/${doc.id}`, "data-link": true }, `← ${t("guide.text")}`)),
    h("h1", {}, t("guide.for", { measure: `${doc.id} ${title}` })),
    office ? h("p", { class: "subtitle" }, office.programme) : null,
    h("h2", {}, t("guide.mode")),
    h("p", { "data-testid": "guide-mode", "data-mode": g.mode }, t(`guide.mode.${g.mode}` as Key)),
    h("h2", {}, t("guide.conditions")),
    g.conditions.length ? lines(g.conditions, "guide-conditions") : h("p", { class: "empty" }, t("guide.empty")),
    h("h2", {}, t("guide.items")),
    h(
      "ul",
      { class: "guide-items" },
      g.items.map((it) => {
        const fields = it.claim_fields.map((f) => (lang() === "zh" ? f.label_zh || f.label : f.label));
        return h(
          "li",
          {},
          h("strong", {}, lang() === "zh" ? it.title_zh || it.title : it.title),
          " ",
          h("span", { class: it.by === "facts" ? "badge apply-free" : "badge" }, it.by === "facts" ? t("policy.by.facts") : t("policy.by.claim")),
          " ",
          h("span", { class: "cites" }, it.cites.join(" ")),
          it.by === "claim" && fields.length ? h("div", { class: "hint" }, t("guide.items.fields", { fields: fields.join(lang() === "zh" ? "、" : ", ") })) : null,
        );
      }),
    ),
    h("h2", {}, t("guide.materials")),
    g.materials.length ? lines(g.materials, "guide-materials") : h("p", { "data-testid": "guide-materials" }, t("guide.materials.none")),
    g.notes.length ? [h("h2", {}, t("guide.notes")), lines(g.notes, "guide-notes")] : null,
    h("h2", {}, t("guide.window")),
    h("p", { "data-testid": "guide-window" }, office?.guide.window || t("guide.office.none")),
    h("h2", {}, t("guide.contact")),
    h("p", { "data-testid": "guide-contact" }, office?.guide.contact || t("guide.office.none")),
    h(
      "p",
      { class: "actions no-print" },
      apply ? h("a", { class: "button-link", href: "/portal", "data-link": true }, t("guide.apply")) : null,
      " ",
      h("button", { type: "button", onclick: () => window.print() }, t("guide.print")),
    ),
  );
}
