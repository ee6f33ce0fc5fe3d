// A refusal of the server in words: the API names the rule that refused
// (`reason`) with its figures (`params`) beside its English message
// (docs/http-api.md, "Errors"), and the page says it in the reader's
// language. The office's steps that would be refused now come the same way,
// as an application's `waiting` (waiting.ts).
import { messages, tIn, type Key, type Lang } from "./i18n";
import { formatYuan } from "./money";

const STATES = ["draft", "submitted", "in_review", "decided", "notice", "final", "paid", "recovered", "withdrawn"];

function stateName(s: string, l: Lang): string {
  return STATES.includes(s) ? messages[l][`state.${s}` as Key] : s;
}

/** The refusal in `l`, or null when the reason is not one this page knows. */
export function refusalText(reason: string, params: Record<string, string>, l: Lang): string | null {
  const p = params;
  const t = (key: Key, values: Record<string, string | number> = {}) => tIn(l, key, values);
  switch (reason) {
    case "wrong_state": {
      const action = messages[l][`action.${p.action}` as Key];
      if (!action) return null;
      const needs = (p.needs ?? "").split(",").map((s) => stateName(s, l)).join(t("p.list_sep"));
      return t("refusal.wrong_state", { application: p.application ?? "", state: stateName(p.state ?? "", l), action, needs });
    }
    case "reviews_pending":
      return t("waiting.reviews_pending", { names: (p.reviewers ?? "").split(", ").join(t("p.list_sep")) });
    case "reviewers_all_excluded":
      return t("waiting.reviewers_all_excluded");
    case "notice_running":
      return t("waiting.notice_running", { until: p.until ?? "", from: p.final_from ?? "", today: p.today ?? "" });
    case "objection_open":
      return t("waiting.objection_open", { id: p.objection ?? "" });
    case "role_may_not": {
      const role = messages[l][`role.${p.role}` as Key] ?? p.role ?? "";
      return t("refusal.role_may_not", { role });
    }
    case "budget_exceeded":
    case "payment_exceeds": {
      const money: Record<string, string> = { ...p };
      for (const k of ["amount", "committed", "budget", "payable", "decided", "paid", "pending"]) if (p[k] !== undefined) money[k] = formatYuan(p[k]);
      return t(`refusal.${reason}` as Key, money);
    }
    case "already_decided": {
      const what = messages[l][`what.${p.what}` as Key];
      if (!what) return null;
      const state = messages[l][`data.state.${p.state}` as Key] ?? p.state ?? "";
      return t("refusal.already_decided", { ...p, what, state });
    }
    case "application_exists":
      return t("refusal.application_exists", { measure: p.measure ?? "", year: p.year ?? "" });
    case "proposal_not_edited":
    case "proposal_not_withdrawn":
    case "objections_open":
    case "objection_resolved":
    case "paid_before_final":
    case "voucher_used":
    case "voucher_pending":
    case "verifier_decides":
    case "decider_pays":
    case "recorder_approves":
    case "declarer_verifies":
    case "uploader_approves":
    case "two_admins":
      return t(`refusal.${reason}` as Key, p);
    // A field that cannot be read (the field itself is named beside it).
    case "unknown_field":
      return p.suggestion ? t("field.unknown_field.suggest", p) : t("field.unknown_field");
    case "too_large":
      return p.below ? t("field.too_large.below", p) : t("field.too_large");
    case "not_one_of":
      return t("field.not_one_of", { allowed: (p.allowed ?? "").split(", ").join(t("p.list_sep")) });
    case "required":
    case "not_money":
    case "money_decimals":
    case "not_positive":
    case "negative":
    case "not_whole_number":
    case "not_year":
    case "not_date":
    case "not_flag":
    case "not_text":
    case "not_quantity":
    case "not_rate":
    case "decimals":
    case "not_null":
    case "too_long":
    case "unknown_measure":
    case "unknown_tag":
    case "apply_free_measure":
    case "year_not_before":
    case "bad_credit_code":
    case "bad_reference":
    case "password_too_short":
    case "password_pattern":
    case "password_has_username":
    case "password_common":
    // A row of an evidence file (the import report's `rule`).
    case "not_utf8":
    case "not_one_line":
    case "civil_exceeds_investment":
    case "dates_out_of_order":
    case "bad_csv":
    case "field_count":
    case "not_json_object":
    case "official_only":
    case "not_your_enterprise":
    case "unknown_enterprise":
    case "enterprise_pending":
    case "change_pending":
    case "stored_differs":
    case "official_differs":
    case "duplicate_key":
      return t(`field.${reason}` as Key, p);
  }
  return null;
}
