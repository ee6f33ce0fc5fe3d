// 公示 (the public notice): the applications of a year in their notice period,
// with their amounts, readable without a login; and the list as a file. Where
// the store runs programmes side by side each row names its programme, the
// reader may keep to one (?policy=ID), and each programme's notice is its own
// document.
import * as api from "../api";
import { h } from "../dom";
import { lang, t } from "../i18n";
import { ofServed, titleIn } from "../programme";
import { rerender } from "../router";
import { exportLinks, noticesTable } from "./officer";
import { labelsFor, programmes } from "./programmes";
import { errorAlert, programmeYear, selectField, setProgrammeYear, yearOptions } from "./shared";

function noticesUrl(policy: string): string {
  return policy ? `/notices?${new URLSearchParams({ policy }).toString()}` : "/notices";
}

export async function renderNotices(): Promise<HTMLElement> {
  const year = programmeYear();
  const yearSel = selectField(t("portal.year"), "notice-year", yearOptions(), String(year));
  yearSel.input.addEventListener("change", () => {
    // A change event without a change (some tools send one) must not re-render under the reader.
    if (Number(yearSel.input.value) === year) return;
    setProgrammeYear(Number(yearSel.input.value));
    void rerender();
  });
  // The programmes run: the served one first, then those beside it.
  const progs = await programmes();
  const all = progs.others.length && progs.served ? [progs.served, ...progs.others] : [];
  const asked = new URLSearchParams(location.search).get("policy") ?? "";
  const chosen = all.find((p) => p.id === asked) ?? null;
  const programmeSel = all.length
    ? selectField(t("app.programme"), "programme", [["", t("notices.programme.all")], ...all.map((p): [string, string] => [p.id, titleIn(p, lang())])], chosen?.id ?? "")
    : null;
  programmeSel?.input.addEventListener("change", () => {
    if (programmeSel.input.value === (chosen?.id ?? "")) return;
    history.replaceState(null, "", noticesUrl(programmeSel.input.value));
    void rerender();
  });
  const page = h(
    "section",
    { class: "page notices" },
    h("h1", {}, t("notices.title")),
    h("p", { class: "lead" }, t("notices.lead")),
    h("div", { class: "toolbar" }, programmeSel?.el ?? null, yearSel.el),
  );
  try {
    const list = await api.notices(year, chosen?.id);
    const labels = await labelsFor(list.items);
    // Each row names its programme where the list is of several.
    page.append(noticesTable(list.items, labels, { programme: all.length > 0 && !chosen }));
    // The notice as the office publishes it: an official document with its
    // number (HTML for print, or PDF), one per programme with applications on notice.
    const servedId = progs.served?.id;
    const withRows = all.filter((p) => list.items.some((n) => (ofServed(n.policy, servedId) ? p.programme : n.policy === p.id)));
    if (!all.length && list.items.length > 0) page.append(documentLinks(year));
    for (const p of withRows) page.append(documentLinks(year, p));
    page.append(h("h2", {}, t("export.title")), exportLinks(year, false, chosen?.id));
  } catch (e) {
    page.append(errorAlert(e));
  }
  return page;
}

/** The links to a year's notice document: the served programme's, or that of `p` among several. */
function documentLinks(year: number, p?: api.PublishedPolicy): HTMLElement {
  // The served programme's document is the one asked for without a policy.
  const policy = p && !p.programme ? p.id : undefined;
  const title = p ? titleIn(p, lang()) : "";
  const suffix = policy ? `-${policy}` : "";
  return h(
    "p",
    { class: "actions", "data-policy": p?.id ?? "" },
    h(
      "a",
      { href: api.exportsUrl.noticeDocument(year, "html", policy), target: "_blank", rel: "noopener", "data-testid": "notice-document" },
      p ? t("notices.document.of", { title }) : t("notices.document"),
    ),
    h(
      "a",
      { class: "button-link", href: api.exportsUrl.noticeDocument(year, "pdf", policy), download: `notice-${year}${suffix}.pdf` },
      p ? t("notices.document.pdf.of", { title }) : t("notices.document.pdf"),
    ),
  );
}
