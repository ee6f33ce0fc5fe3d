import type * as api from "../api";
import { ApiError } from "../api";
import { h } from "../dom";
import { lang, t } from "../i18n";

/** An alert for a failed request. */
export function errorBox(e: unknown): HTMLElement {
  const message = e instanceof ApiError ? `${e.message} (${e.code})` : e instanceof TypeError ? t("error.network") : String(e);
  return h("div", { class: "alert error", role: "alert" }, t("error.generic"), message);
}

/**
 * A clause of the policy as a quotation: in Chinese its Chinese text (marked
 * 参考译文 when it is a reference translation) with the English original in a
 * fold; in English the English text.
 */
export function clauseQuote(c: api.LabelledText, opts: { id?: string; className?: string } = {}): HTMLElement {
  const cls = opts.className ?? "clause";
  if (lang() === "zh" && c.text_zh) {
    return h(
      "blockquote",
      { class: `${cls} zh`, lang: "zh-CN", id: opts.id ?? null },
      h("strong", {}, c.label),
      " ",
      c.zh_reference ? h("span", { class: "badge reference", title: t("policy.reference.hint") }, t("policy.reference")) : null,
      " ",
      c.text_zh,
      h("details", { class: "original" }, h("summary", {}, t("policy.original")), h("p", { lang: "en" }, c.text)),
    );
  }
  return h("blockquote", { class: cls, lang: "en", id: opts.id ?? null }, h("strong", {}, c.label), " ", c.text);
}

/** A translated text whose one "\u0000" placeholder is a name shown as code. */
export function withCodeParam(text: string, name: string): Array<Node | string> {
  const [before, after] = text.split("\u0000");
  return [before, h("code", {}, name), after ?? ""];
}

/** "依据政策 chaoyang-data-element 版本 2025.1", the policy's id as code. */
export function policyLine(id: string, version: string): Array<Node | string> {
  return withCodeParam(t("calc.policy", { id: "\u0000", version }), id);
}
