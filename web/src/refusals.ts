// A refusal of the server in words: the API names the rule that refused
// (`reason`) with its figures (`params`) beside its English message
// (docs/http-api.md, "Errors"), and the page says it in the reader's
// language. The office's steps that would be refused now come the same way,
// as an application's `waiting` (waiting.ts).
import { h } from "./dom";
import { lang, messages, paren, tIn, type Key, type Lang } from "./i18n";
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
    case "official_only":
      // A figure an authority gives (a policy's `given_by`), which an enterprise does not declare.
      if (p.given_by) return t("field.official_only.given_by", { given_by: (l === "zh" && p.given_by_zh) || p.given_by });
      return t("field.official_only");
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
    case "not_your_enterprise":
    case "unknown_enterprise":
    case "enterprise_pending":
    case "change_pending":
    case "stored_differs":
    case "official_differs":
    case "duplicate_key":
    case "unknown_policy":
      return t(`field.${reason}` as Key, p);
  }
  return null;
}

/** The server's English message in Chinese, where its form is known (a refusal that names no rule). */
export function fieldMessageZh(message: string): string | null {
  const rules: Array<[RegExp, string]> = [
    [/expected a money string/, "请填写以元为单位的金额，如 1250.50：只含数字，最多两位小数，不带符号、逗号或空格"],
    [/money has at most two decimals/, "金额最多保留两位小数（到分）"],
    [/money cannot be negative|cannot be negative/, "不能为负数"],
    [/expected a whole number/, "请填写整数"],
    [/expected a year/, "请填写四位数年份，如 2025"],
    [/invalid unified social credit code: a unified social credit code has 18 characters/, "统一社会信用代码应为 18 位"],
    [/invalid unified social credit code/, "统一社会信用代码无效：校验码不符"],
    [/^required/, "此项必填"],
    [/required for measure/, "此项必填"],
    [/unknown tag/, "未知的主体类型"],
    [/apply-free/, "该措施免申即享，无需申报"],
    // An application's files (store/attachments.cc).
    [/^the content is (\S+), to be named with (.+), not "(.*)"$/, "文件内容与扩展名不符：内容为 $1，文件名应以 $2 结尾"],
    [/Office document with macros/, "带宏的 Office 文件不予接收，请另存为不含宏的 .docx、.xlsx 或 .pptx 文件"],
    [/legacy Office file/, "旧版 Office 文件（.doc、.xls、.ppt）不予接收，请另存为 .docx、.xlsx 或 .pptx 文件"],
    [/damaged or unreadable ZIP/, "文件已损坏或无法读取"],
    [/a ZIP archive, not an Office document/, "压缩包不予接收：仅接收 PDF、图片和 Office 文档"],
    [/the content is of no accepted kind/, "文件类型不在接收范围内：仅接收 PDF、PNG 或 JPEG 图片、Office 文档（.docx、.xlsx、.pptx）"],
    [/^the file is empty/, "文件为空"],
    [/^a file has at most (\d+) MiB/, "单个文件不得超过 $1 MB"],
    [/has (\d+) files, the most it may hold/, "每项申请最多上传 $1 个文件"],
    [/would pass (.+) together/, "本申请的材料合计不得超过 $1"],
    [/its files are added and removed only while it is a draft/, "申请提交后材料即固定，不能再增删"],
    [/^a file name/, "文件名须为 UTF-8，不超过 255 字节，不含控制字符、斜杠或反斜杠，且不以“.”开头"],
  ];
  for (const [re, zh] of rules) {
    const m = message.match(re);
    if (m) return zh.replace(/\$(\d)/g, (_, i: string) => m[Number(i)] ?? "");
  }
  return null;
}

/** A refusal in the reader's language: by the rule the server names, else (Chinese only) by its known messages. */
export function wordedRefusal(message: string, reason?: string | null, params: Record<string, string> = {}): string | null {
  if (reason) {
    const text = refusalText(reason, params, lang());
    if (text) return text;
  }
  return lang() === "zh" ? fieldMessageZh(message) : null;
}

/**
 * A refusal as a page shows it: worded in the reader's language, and on a
 * Chinese page the server's English after it, marked as English; the message
 * as it came when it cannot be worded.
 */
export function refusalNodes(message: string, reason?: string | null, params: Record<string, string> = {}): Array<Node | string> {
  const worded = wordedRefusal(message, reason, params);
  if (!worded) return [message];
  return lang() === "zh" ? [worded, h("span", { class: "original", lang: "en" }, paren(message))] : [worded];
}
