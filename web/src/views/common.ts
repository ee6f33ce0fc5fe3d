import { ApiError } from "../api";
import { h } from "../dom";
import { t } from "../i18n";

/** An alert for a failed request. */
export function errorBox(e: unknown): HTMLElement {
  const message = e instanceof ApiError ? `${e.message} (${e.code})` : e instanceof TypeError ? t("error.network") : String(e);
  return h("div", { class: "alert error", role: "alert" }, t("error.generic"), message);
}
