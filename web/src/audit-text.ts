// An audit entry as a sentence a person reads: who did what to what, with
// the figures that matter (amounts, states, files and their digests). The
// entry's JSON stays beside it, in a fold, for whoever checks the chain.
import type { AuditEntry } from "./api";
import { lang, messages, type Key, type Lang } from "./i18n";
import { formatYuan } from "./money";
import { AUDIT_OPS, EVIDENCE } from "./terms";

type Change = Record<string, unknown>;

const STATES = ["draft", "submitted", "in_review", "decided", "notice", "final", "paid", "recovered", "withdrawn"];

function stateName(s: unknown, l: Lang): string {
  return typeof s === "string" && STATES.includes(s) ? messages[l][`state.${s}` as Key] : String(s);
}

function ids(list: unknown[], zh: boolean): string {
  const shown = list.slice(0, 5).map((n) => `#${String(n)}`);
  const more = list.length - shown.length;
  if (zh) return `申请 ${shown.join("、")}${more > 0 ? ` 等 ${list.length} 件` : ""}`;
  return `applications ${shown.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}

// The kinds a change names: evidence files, official documents, and a
// change of master data (of a registered enterprise, or a new one).
const DOCUMENT_KINDS: Record<string, { zh: string; en: string }> = {
  decision: { zh: "决定书", en: "decision letter" },
  notice: { zh: "公示", en: "public notice" },
  payment: { zh: "拨付通知", en: "payment notice" },
};
const MASTER_KINDS: Record<string, { zh: string; en: string }> = {
  change: { zh: "已登记企业信息变更", en: "change of a registered enterprise" },
  new: { zh: "新增企业", en: "new enterprise" },
};

function kindName(kind: string, l: Lang, op = ""): string {
  const pair = EVIDENCE[kind] ?? DOCUMENT_KINDS[kind] ?? (op.startsWith("enterprise.") ? MASTER_KINDS[kind] : undefined);
  return pair ? pair[l] : kind;
}

/** The op's name in the reader's language, or the op itself when unknown. */
export function opName(op: string, l: Lang = lang()): string {
  const pair = AUDIT_OPS[op];
  return pair ? pair[l] : op;
}

/** The parts of a change worth a sentence, in the reader's language. */
export function changeParts(c: Change, l: Lang = lang()): string[] {
  const zh = l === "zh";
  const parts: string[] = [];
  const text = (k: string) => (typeof c[k] === "string" || typeof c[k] === "number" ? String(c[k]) : null);
  if (text("application")) parts.push(zh ? `申请 #${text("application")}` : `application #${text("application")}`);
  if (Array.isArray(c.applications) && c.applications.length) parts.push(ids(c.applications, zh));
  if (text("credit_code")) parts.push(zh ? `企业 ${text("credit_code")}` : `enterprise ${text("credit_code")}`);
  if (text("username")) parts.push(zh ? `账号 ${text("username")}` : `account ${text("username")}`);
  if (text("measure")) parts.push(zh ? `措施 ${text("measure")}` : `measure ${text("measure")}`);
  if (text("year")) parts.push(zh ? `${text("year")} 年度` : `year ${text("year")}`);
  if (text("from") && text("to")) parts.push(`${stateName(c.from, l)} → ${stateName(c.to, l)}`);
  for (const k of ["amount", "total", "proposed"]) {
    const v = text(k);
    if (v && /^-?\d+(\.\d+)?$/.test(v)) parts.push(formatYuan(v));
  }
  if (text("filename")) parts.push(zh ? `《${text("filename")}》` : `"${text("filename")}"`);
  if (text("sha256")) parts.push(`SHA-256 ${text("sha256")!.slice(0, 12)}…`);
  if (Array.isArray(c.reviewers) && c.reviewers.length) {
    parts.push(zh ? `评审专家 ${c.reviewers.join("、")}` : `reviewers ${c.reviewers.join(", ")}`);
  }
  if (text("kind")) parts.push(zh ? `类别 ${kindName(text("kind")!, l, text("op") ?? "")}` : `kind ${kindName(text("kind")!, l, text("op") ?? "")}`);
  if (text("version") && c.op === "migrate") parts.push(zh ? `第 ${text("version")} 号迁移` : `migration ${text("version")}`);
  if (text("reason")) parts.push(zh ? `理由：${text("reason")}` : `reason: ${text("reason")}`);
  return parts;
}

/** "qiye-zhang 上传材料：申请 #46，《合同.pdf》，SHA-256 ba01df342c21…" */
export function auditSentence(e: Pick<AuditEntry, "actor" | "change">, l: Lang = lang()): string {
  const c: Change = typeof e.change === "object" && e.change ? e.change : {};
  const op = typeof c.op === "string" ? c.op : "";
  const parts = changeParts(c, l);
  const name = opName(op, l) || messages[l]["audit.op.unknown"];
  if (l === "zh") return `${e.actor} ${name}${parts.length ? `：${parts.join("，")}` : ""}`;
  return `${e.actor}: ${name}${parts.length ? ` — ${parts.join(", ")}` : ""}`;
}
