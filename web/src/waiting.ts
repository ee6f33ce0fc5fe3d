// Why the office's next step would be refused now, in words: the server says
// so with a code and its parameters (`waiting` of an application), and the
// page shows the step disabled with this sentence (issue 15, point 5).
import type { Waiting } from "./api";
import { lang, tIn, type Lang } from "./i18n";

/** The reason in the page's language (or `l`), or null when nothing waits. */
export function waitingText(w: Waiting | undefined, l: Lang = lang()): string | null {
  if (!w) return null;
  const t = (key: Parameters<typeof tIn>[1], params: Record<string, string | number> = {}) => tIn(l, key, params);
  switch (w.code) {
    case "reviews_pending":
      return t("waiting.reviews_pending", { names: w.reviewers.join(t("p.list_sep")) });
    case "reviewers_all_excluded":
      return t("waiting.reviewers_all_excluded");
    case "notice_running":
      return t("waiting.notice_running", { until: w.until, from: w.final_from, today: w.today });
    case "objection_open":
      return t("waiting.objection_open", { id: w.objection });
  }
}
