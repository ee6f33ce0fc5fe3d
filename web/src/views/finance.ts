// 财务拨付 (finance): the payment orders waiting for a second finance
// account's approval and the final applications waiting to be paid, each a
// link to the application's page, where the payment is recorded or approved.
import * as api from "../api";
import { h } from "../dom";
import { t } from "../i18n";
import { formatYuan } from "../money";
import { labelsFor, measureCell } from "./programmes";
import { dataTable, gate } from "./shared";

function link(id: number): HTMLElement {
  return h("a", { href: `/applications/${id}`, "data-link": true }, `#${id}`);
}

export function renderFinance(): HTMLElement | Promise<HTMLElement> {
  return gate(["finance"], async () => {
    const [orders, finals] = await Promise.all([api.paymentOrders("pending"), api.applications({ state: "final" })]);
    const labels = await labelsFor(finals.items);
    return h(
      "section",
      { class: "page" },
      h("h1", {}, t("finance.title")),
      h("p", { class: "hint" }, t("finance.hint")),
      h("h2", {}, t("finance.orders")),
      orders.items.length
        ? dataTable(
            t("finance.orders"),
            [t("app.id"), t("pay.reference"), t("pay.amount"), t("pay.order.by")],
            orders.items.map((o) => [link(o.application_id), o.reference, formatYuan(o.amount), o.recorded_by]),
            { numeric: [2], testid: "pending-orders" },
          )
        : h("p", {}, t("finance.orders.none")),
      h("h2", {}, t("finance.final")),
      finals.items.length
        ? dataTable(
            t("finance.final"),
            [t("app.id"), t("app.enterprise"), t("calc.col.measure"), t("app.total")],
            finals.items.map((a) => [link(a.id), a.enterprise_name ?? a.credit_code, measureCell(labels, a), a.total ? formatYuan(a.total) : "—"]),
            { numeric: [3], testid: "final-applications" },
          )
        : h("p", {}, t("finance.final.none")),
    );
  });
}
