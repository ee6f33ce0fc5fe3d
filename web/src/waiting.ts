// Why the office's next step would be refused now, in words: the server says
// so with a code and its parameters (`waiting` of an application), and the
// page shows the step disabled with this sentence (issue 15, point 5). The
// codes are the refusals' own (refusals.ts): the store decides both by one rule.
import type { Waiting } from "./api";
import { lang, type Lang } from "./i18n";
import { refusalText } from "./refusals";

/** The reason in the page's language (or `l`), or null when nothing waits. */
export function waitingText(w: Waiting | undefined, l: Lang = lang()): string | null {
  if (!w) return null;
  const params: Record<string, string> = {};
  switch (w.code) {
    case "reviews_pending":
      params.reviewers = w.reviewers.join(", ");
      break;
    case "notice_running":
      Object.assign(params, { until: w.until, final_from: w.final_from, today: w.today });
      break;
    case "objection_open":
      params.objection = String(w.objection);
      break;
  }
  return refusalText(w.code, params, l);
}
