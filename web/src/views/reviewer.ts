// 评审任务 (the reviewer's queue): the applications assigned to this reviewer
// (the server answers only those), still to score first. Scoring and conflict
// declaration are on each application's page.
import * as api from "../api";
import { h } from "../dom";
import { t } from "../i18n";
import { formatYuan } from "../money";
import { labelsFor, measureCell } from "./programmes";
import { appLink, dataTable, errorAlert, gate, stateBadge } from "./shared";

export function renderReviewQueue(): HTMLElement | Promise<HTMLElement> {
  return gate(["reviewer"], async (me) => {
    const page = h("section", { class: "page review" }, h("h1", {}, t("review.title")), h("p", { class: "lead" }, t("review.lead", { user: me.username })));
    try {
      const [open, all] = await Promise.all([
        // Still to score: in review, and this reviewer's review not yet submitted.
        api.applications({ state: "in_review", reviewer: me.username, review: "assigned", limit: 500, sort: "id" }),
        api.applications({ reviewer: me.username, limit: 500, sort: "-id" }),
      ]);
      // Each application by its own programme's terms (a programme beside the served one shows its title).
      const labels = await labelsFor([...open.items, ...all.items]);
      const row = (a: api.Application) => [
        `#${a.id}`,
        `${a.enterprise_name ?? ""} ${a.credit_code}`,
        measureCell(labels, a),
        a.claim.project ?? "—",
        a.claim.assessed ? formatYuan(a.claim.assessed) : "—",
        stateBadge(a.state),
        appLink(a.id, a.state === "in_review" ? t("review.open") : t("app.view")),
      ];
      const heads = [t("app.id"), t("app.enterprise"), t("calc.col.measure"), t("app.project"), t("app.claim.assessed"), t("app.state"), ""];
      page.append(
        h("h2", {}, t("review.todo", { n: open.total })),
        open.items.length ? dataTable(t("review.todo", { n: open.total }), heads, open.items.map(row), { testid: "queue", numeric: [4] }) : h("p", { class: "empty" }, t("review.none")),
        h("h2", {}, t("review.all")),
        all.items.length ? dataTable(t("review.all"), heads, all.items.map(row), { numeric: [4] }) : h("p", { class: "empty" }, t("review.none")),
      );
    } catch (e) {
      page.append(errorAlert(e));
    }
    return page;
  });
}
