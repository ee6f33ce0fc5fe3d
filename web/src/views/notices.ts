// 公示 (the public notice): the applications of a year in their notice period,
// with their amounts, readable without a login; and the list as a file.
import * as api from "../api";
import { h } from "../dom";
import { t } from "../i18n";
import { rerender } from "../router";
import { exportLinks, noticesTable } from "./officer";
import { errorAlert, programmeYear, selectField, setProgrammeYear, yearOptions } from "./shared";

export async function renderNotices(): Promise<HTMLElement> {
  const year = programmeYear();
  const yearSel = selectField(t("portal.year"), "notice-year", yearOptions(), String(year));
  yearSel.input.addEventListener("change", () => {
    // A change event without a change (some tools send one) must not re-render under the reader.
    if (Number(yearSel.input.value) === year) return;
    setProgrammeYear(Number(yearSel.input.value));
    void rerender();
  });
  const page = h("section", { class: "page notices" }, h("h1", {}, t("notices.title")), h("p", { class: "lead" }, t("notices.lead")), h("div", { class: "toolbar" }, yearSel.el));
  try {
    const list = await api.notices(year);
    page.append(noticesTable(list.items));
    if (list.items.length > 0) {
      // The notice as the office publishes it: an official document with its number (HTML for print, or PDF).
      page.append(
        h(
          "p",
          { class: "actions" },
          h("a", { href: api.exportsUrl.noticeDocument(year), target: "_blank", rel: "noopener", "data-testid": "notice-document" }, t("notices.document")),
          h("a", { class: "button-link", href: api.exportsUrl.noticeDocument(year, "pdf"), download: `notice-${year}.pdf` }, t("notices.document.pdf")),
        ),
      );
    }
    page.append(h("h2", {}, t("export.title")), exportLinks(year, false));
  } catch (e) {
    page.append(errorAlert(e));
  }
  return page;
}
