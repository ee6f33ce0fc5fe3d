// The HTTP API of `bursar serve`, as the web application uses it. Shapes follow
// policy/CASES.md (decisions) and the server's policy documents.
import type { DeclarationsReport } from "./declarations";
import type { LimitsReport } from "./limits";

export interface Reduction {
  rule: string;
  amount: string;
  why: string;
  why_zh?: string;
}

export interface Award {
  measure: string;
  item: string;
  project?: string;
  amount: string;
  computed: string;
  clause: string;
  decision?: string;
  why: string;
  why_zh?: string;
  reductions?: Reduction[];
}

export interface NotAwarded {
  measure: string;
  item?: string;
  project?: string;
  clause?: string;
  decision?: string;
  why: string;
  why_zh?: string;
}

export interface TraceStep {
  step: string;
  expression: string;
  values: string;
  result: string;
  /** The result in Chinese. */
  result_zh?: string;
  clause: string;
}

export interface Decision {
  applicant: string;
  year: number;
  policy: { id: string; version: string; digest: string };
  eligible: boolean;
  awards: Award[];
  total: string;
  not_awarded: NotAwarded[];
  trace?: TraceStep[];
}

export interface LabelledText {
  label: string;
  text: string;
  /** The clause's Chinese text, from the policy file (【04.2】 paragraphs). */
  text_zh?: string;
  /** True when text_zh is a reference translation (参考译文), not the published original. */
  zh_reference?: boolean;
}

export interface Clauses {
  clauses: LabelledText[];
  decisions: LabelledText[];
}

export interface PolicyItem {
  name: string;
  title: string;
  /** The Chinese title the policy file gives (zh "..."). */
  title_zh?: string;
  by: "facts" | "claim";
  cites: string[];
  claim_fields?: string[];
}

export interface PolicyMeasure {
  id: string;
  title: string;
  title_zh?: string;
  items: PolicyItem[];
}

export interface PolicyParameter {
  name: string;
  type: string;
  description: string;
  /** The Chinese label the policy file gives (zh "..."). */
  description_zh?: string;
  /** value_zh: a choice's Chinese label, where the policy gives one. */
  values: Array<{ from: string | null; value: string | number | boolean | null; value_zh?: string }>;
  override?: unknown;
  cites: string[];
}

/** A field a case gives (GET /api/policy's `case`), with the label a form shows. */
export interface CaseField {
  name: string;
  /** money, rate, count, year, flag, date, text, a unit ("square_metre"), "one of (a, b)"; a trailing "?" when it may be none. */
  type: string;
  label: string;
  label_zh?: string;
  /** A value an authority gives (an applicant field): who, e.g. "the district industry office"; an enterprise's own upload may not state it. */
  given_by?: string;
  given_by_zh?: string;
  /** A choice's values (type `one of (...)`), each with the Chinese label the policy gives. */
  choices?: Array<{ name: string; label_zh?: string }>;
}

export interface PolicySummary {
  id: string;
  version: string;
  title: string;
  title_zh?: string;
  digest: string;
  measures: PolicyMeasure[];
  parameters: PolicyParameter[];
  case?: {
    applicant: CaseField[];
    tags: Array<{ name: string; description: string; description_zh?: string }>;
    facts: CaseField[];
    /** Facts (by name) the policy also reads for the year before: the case gives them under `earlier`. */
    last_year: string[];
    claim_fields: CaseField[];
    units: Array<{ name: string; noun: string; noun_zh?: string }>;
  };
}

/** A policy the server publishes (GET /api/policies): the programme's, or one beside it. */
export interface PublishedPolicy {
  id: string;
  version: string;
  title: string;
  title_zh?: string;
  digest: string;
  programme: boolean;
}

export interface MeasureDocument {
  id: string;
  title: string;
  clauses: LabelledText[];
  decisions: LabelledText[];
  guide: Guide;
  source: { file?: string; line?: number; markdown?: string };
}

/** A line of an application guide, as the policy file writes it (`guide ...`). */
export interface GuideLine {
  text: string;
  text_zh: string;
  cites: string[];
}

/** A measure's application guide (申报指南): the policy's part. */
export interface Guide {
  mode: "apply_free" | "application" | "mixed";
  conditions: GuideLine[];
  materials: GuideLine[];
  notes: GuideLine[];
  items: Array<{
    name: string;
    title: string;
    title_zh?: string;
    by: "claim" | "facts";
    cites: string[];
    claim_fields: Array<{ name: string; label: string; label_zh?: string }>;
  }>;
}

/** What the office publishes about itself (its document settings). */
export interface Office {
  issuer: string;
  programme: string;
  objection_contact: string;
  guide: { window: string; contact: string };
}

/** An error the API answered with its one error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null,
    /** The rule that refused ("wrong_state") and its figures, when the server names it. */
    readonly reason: string | null = null,
    readonly params: Record<string, string> = {},
  ) {
    super(message);
  }
}

// The session's CSRF token: every state-changing request made with the
// session cookie carries it (docs/http-api.md, Sessions).
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the server answers 401 to a logged-in request (the session ended). */
let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(f: () => void): void {
  onUnauthenticated = f;
}

export interface RequestOptions {
  /** The application's version for If-Match (optimistic concurrency). */
  version?: number;
  /** A raw body (an evidence file) with its content type, instead of JSON. */
  raw?: { body: Blob | string; type: string };
}

async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  let payload: BodyInit | undefined;
  if (opts.raw) {
    headers["Content-Type"] = opts.raw.type;
    payload = opts.raw.body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  if (opts.version !== undefined) headers["If-Match"] = `"${opts.version}"`;
  const res = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError(res.status, "bad_response", `HTTP ${res.status}: ${text.slice(0, 200)}`, null);
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; field?: string; reason?: string; params?: Record<string, string> } }).error ?? {};
    if (res.status === 401 && path !== "/api/sessions") onUnauthenticated();
    throw new ApiError(res.status, e.code ?? "error", e.message ?? `HTTP ${res.status}`, e.field ?? null, e.reason ?? null, e.params ?? {});
  }
  return json as T;
}

export function evaluate(kase: unknown): Promise<Decision> {
  return request<Decision>("POST", "/api/evaluations?explain=true", kase);
}

/** Decides a case by a policy published beside the programme's (`?policy=ID`). */
export function evaluateBy(policyId: string, kase: unknown): Promise<Decision> {
  return request<Decision>("POST", `/api/evaluations?policy=${encodeURIComponent(policyId)}`, kase);
}

export function policies(): Promise<{ policies: PublishedPolicy[] }> {
  return request<{ policies: PublishedPolicy[] }>("GET", "/api/policies");
}

/** The summary and clauses of a published policy by id. */
export function policyById(id: string): Promise<PolicySummary> {
  return request<PolicySummary>("GET", `/api/policy?policy=${encodeURIComponent(id)}`);
}

export function clausesById(id: string): Promise<Clauses> {
  return request<Clauses>("GET", `/api/policy/clauses?policy=${encodeURIComponent(id)}`);
}

// The policy documents do not change while the server runs: fetch each once.
let policyPromise: Promise<PolicySummary> | null = null;
let clausesPromise: Promise<Clauses> | null = null;
const measurePromises = new Map<string, Promise<MeasureDocument>>();

export function policy(): Promise<PolicySummary> {
  policyPromise ??= request<PolicySummary>("GET", "/api/policy").catch((e) => {
    policyPromise = null;
    throw e;
  });
  return policyPromise;
}

export function clauses(): Promise<Clauses> {
  clausesPromise ??= request<Clauses>("GET", "/api/policy/clauses").catch((e) => {
    clausesPromise = null;
    throw e;
  });
  return clausesPromise;
}

export function measure(id: string): Promise<MeasureDocument> {
  let p = measurePromises.get(id);
  if (!p) {
    p = request<MeasureDocument>("GET", `/api/policy/measures/${encodeURIComponent(id)}`).catch((e) => {
      measurePromises.delete(id);
      throw e;
    });
    measurePromises.set(id, p);
  }
  return p;
}

// ---- accounts and sessions ---------------------------------------------------

export type Role = "applicant" | "reviewer" | "officer" | "auditor" | "admin" | "finance" | "data-bureau";

export interface Account {
  username: string;
  role: Role;
  credit_code?: string;
}

export interface Session {
  csrf_token?: string;
  expires_at: string;
  account: Account;
}

export function login(username: string, password: string): Promise<Session> {
  return request<Session>("POST", "/api/sessions", { username, password });
}

export function currentSession(): Promise<Session> {
  return request<Session>("GET", "/api/sessions/current");
}

export function logout(): Promise<void> {
  return request<void>("DELETE", "/api/sessions/current");
}

/** An account as the admin sees it (GET /api/accounts). */
export interface AdminAccount extends Account {
  disabled: boolean;
  created_at: string;
  password_changed_at?: string;
  last_login_at: string | null;  // null: never logged in
}

/** An enabled reviewer account and the reviews it has still to submit. */
export interface AssignableReviewer {
  username: string;
  open_reviews: number;
}

export function reviewers(): Promise<{ items: AssignableReviewer[] }> {
  return request("GET", "/api/reviewers");
}

export function accounts(): Promise<{ items: AdminAccount[] }> {
  return request("GET", "/api/accounts");
}

/** A privileged grant or password reset waiting for a second admin (two admins). */
/** What every change made by two accounts has: who asked, who decided, and a rejection's reason. */
export interface TwoAccountChange {
  id: number;
  state: "pending" | "approved" | "rejected";
  requested_by: string;
  requested_at: string;
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
}

export interface AccountChange extends TwoAccountChange {
  kind: "grant" | "password";
  username: string;
  role: Role;
  credit_code: string | null;
}

/** An account (201), or for a privileged role the change a second admin approves (202). */
export function addAccount(a: { username: string; role: Role; credit_code?: string; password: string }): Promise<AdminAccount | AccountChange> {
  return request("POST", "/api/accounts", a);
}

export function accountChanges(state: "pending" | "" = "pending"): Promise<{ items: AccountChange[] }> {
  return request("GET", `/api/account-changes${query({ state: state || undefined })}`);
}

export function decideAccountChange(id: number, approve: boolean, reason?: string): Promise<AccountChange> {
  return request("POST", `/api/account-changes/${id}/approval`, approve ? { approve } : { approve, reason });
}

export function disableAccount(username: string): Promise<AdminAccount> {
  return request("PATCH", `/api/accounts/${encodeURIComponent(username)}`, { disabled: true });
}

export function enableAccount(username: string): Promise<AdminAccount> {
  return request("PATCH", `/api/accounts/${encodeURIComponent(username)}`, { disabled: false });
}

/** Nothing (204), or for a privileged account the change a second admin approves (202). */
export function setAccountPassword(username: string, password: string): Promise<void | AccountChange> {
  return request("PUT", `/api/accounts/${encodeURIComponent(username)}/password`, { password });
}

// ---- the programme's resources (docs/http-api.md) -----------------------------

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
  /** The application list only: `?after=` this gives the next page (null on the last). */
  next?: string | null;
}

function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

export interface Enterprise {
  credit_code: string;
  name: string;
  district?: string;
  tags: string[];
  registered_in_chaoyang?: boolean;
  taxed_in_chaoyang?: boolean;
  independent_legal_person?: boolean;
  serious_dishonesty_record?: boolean;
  [key: string]: unknown;
}

export function enterprises(params: { q?: string; sort?: string; limit?: number; offset?: number } = {}): Promise<Page<Enterprise>> {
  return request("GET", `/api/enterprises${query(params)}`);
}

/** A data-bureau upload's change of an enterprise's master data (or a new enterprise), waiting for a second account. */
export interface MasterChange extends TwoAccountChange {
  kind: "change" | "new";
  credit_code: string;
  /** The fields the upload would change (every field of a new enterprise). */
  fields: string[];
  proposed: {
    name: string;
    registered_in_chaoyang: boolean;
    taxed_in_chaoyang: boolean;
    independent_legal_person: boolean;
    serious_dishonesty_record: boolean;
    tags: string[];
  };
}

export function masterChanges(state: "pending" | "approved" | "rejected"): Promise<{ items: MasterChange[] }> {
  return request("GET", `/api/master-changes${query({ state })}`);
}

export function decideMasterChange(id: number, approve: boolean, reason?: string): Promise<MasterChange> {
  return request("POST", `/api/master-changes/${id}/approval`, approve ? { approve } : { approve, reason });
}

export function enterprise(code: string): Promise<Enterprise> {
  return request("GET", `/api/enterprises/${encodeURIComponent(code)}`);
}

export interface Facts {
  year: number;
  facts: Record<string, string | number | boolean | null>;
  /** D-G10: the same facts were the enterprise's declarations awaiting verification counted. */
  facts_with_declared?: Record<string, string | number | boolean | null>;
  declared_pending?: number;
  explanation?: Record<string, unknown>;
}

export function facts(code: string, year: number): Promise<Facts> {
  return request("GET", `/api/enterprises/${encodeURIComponent(code)}/facts${query({ year })}`);
}

/** One evidence row as listed, with its provenance (D-G10). */
export interface EvidenceRow {
  kind: string;
  source: "official" | "declared";
  supplied_by: string;
  verified_by: string | null;
  verified_on: string | null;
  [field: string]: unknown;
}

export function evidence(code: string, year: number): Promise<Page<EvidenceRow>> {
  return request("GET", `/api/enterprises/${encodeURIComponent(code)}/evidence${query({ year, limit: 500 })}`);
}

/** The key fields that name a row of each kind that can be declared. */
export const EVIDENCE_KEYS: Record<string, string[]> = {
  listings: ["exchange", "listing_id"],
  certificates: ["platform", "number"],
  fs_inclusions: ["credit_code", "year"],
  trades: ["credit_code", "exchange", "trade_id"],
  filings: ["credit_code", "filing_id"],
  projects: ["credit_code", "project_id"],
  platforms: ["credit_code", "platform_id"],
  figures: ["credit_code", "policy", "year", "name"],
};

/** An officer verifies declared rows (D-G10): from then they count. */
export function verifyEvidence(kind: string, rows: Array<Record<string, unknown>>): Promise<{ verified: number; audit_seq: number }> {
  return request("POST", `/api/evidence/${encodeURIComponent(kind)}/verification`, { rows });
}

export const EVIDENCE_KINDS = ["enterprises", "listings", "certificates", "fs_inclusions", "trades", "filings", "exports", "projects", "platforms", "figures"] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export interface ImportReport {
  accepted?: number;
  inserted?: number;
  updated?: number;
  unchanged?: number;
  /** Changes of stored enterprises waiting for a second account. */
  held?: number;
  rows?: number;
  rejected: Array<{ line: number; field?: string; reason: string; rule?: string; params?: Record<string, string> }>;
  [key: string]: unknown;
}

export function uploadEvidence(kind: EvidenceKind, file: Blob, type: string): Promise<ImportReport> {
  return request("POST", `/api/evidence/${kind}`, undefined, { raw: { body: file, type } });
}

export interface Claim {
  measure: string;
  item?: string;
  project?: string;
  assessed?: string;
  investment?: string;
  civil_construction?: string;
  external_support?: string;
  /** Set by the office on an apply-free proposal (免申即享), never by the enterprise. */
  apply_free?: boolean;
  /** A claim of a programme beside the served one gives its policy's claim fields (`principal`, `drawn_on`...). */
  [field: string]: string | number | boolean | undefined;
}

/** The claim's amounts, as money strings. */
export type ClaimAmount = "assessed" | "investment" | "civil_construction" | "external_support";

export type AppState = "draft" | "submitted" | "in_review" | "decided" | "notice" | "final" | "paid" | "recovered" | "withdrawn";
export const APP_STATES: AppState[] = ["draft", "submitted", "in_review", "decided", "notice", "final", "paid", "recovered"];

export interface Application {
  id: number;
  credit_code: string;
  /** The programme, by its policy's id (the served policy's for the store's own applications). */
  policy?: string;
  enterprise_name?: string;
  year: number;
  measure: string;
  item?: string;
  project?: string;
  claim: Claim;
  state: AppState;
  version: number;
  notice_until?: string | null;
  total?: string | null;
  created_at?: string;
  updated_at?: string;
  apply_free?: boolean;
  /** Lists and the detail: what the engine would grant an undecided apply-free proposal on today's evidence. */
  estimate?: Estimate | null;
}

/** An estimate until decided (docs/http-api.md, "Applications"). */
export interface Estimate {
  total: string;
  eligible: boolean;
  /** D-G10: what it would be with the enterprise's declarations awaiting verification. */
  total_with_declared?: string;
  policy_digest: string;
}

export interface Recovery {
  id: number;
  amount: string;
  reason: string;
  recovered_at: string;
  recovered_by: string | null;
}

export interface Review {
  reviewer: string;
  state?: "assigned" | "submitted" | "excluded";
  conflict?: string | null;
  scores?: Record<string, number> | null;
  proposed?: string | null;
  /** The written opinion (评审意见); given to the office, not to the applicant. */
  opinion?: string | null;
  submitted_at?: string | null;
}

export interface StoredDecision {
  id: number;
  application_id: number;
  total: string;
  output: Decision;
  explanation?: TraceStep[] | null;
  policy_digest: string;
  decided_at: string;
  in_force?: boolean;
}

export interface Payment {
  id?: number;
  application_id?: number;
  instalment?: number;
  amount: string;
  paid_on: string;
  reference: string;
  credit_code?: string;
  enterprise_name?: string;
  /** The programme of the application paid (its policy's id). */
  policy?: string;
}

export interface Objection {
  id: number;
  application_id: number;
  /** The programme of the application objected to (its policy's id). */
  policy?: string;
  reason: string;
  state?: "open" | "upheld" | "dismissed";
  resolution?: string | null;
  filed_by?: string;
  filed_at?: string;
}

/** A payment above the office's threshold, paid when a second finance account approves it. */
export interface PaymentOrder {
  id: number;
  application_id: number;
  amount: string;
  reference: string;
  state: "pending" | "approved" | "rejected";
  recorded_by: string;
  recorded_at: string;
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
  instalment: number | null;
}

/** A file of an application (申报材料): its kind comes from its content. */
export interface Attachment {
  id: number;
  application_id: number;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  uploaded_by: string;
  uploaded_at: string;
  /** Where the file is read (a download). */
  href: string;
}

/** The largest file the server takes (store/attachments.h). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/** Why the office's next step would be refused now (the server's rules and calendar). */
export type Waiting =
  | { code: "reviews_pending"; reviewers: string[] }
  | { code: "reviewers_all_excluded" }
  | { code: "notice_running"; until: string; final_from: string; today: string }
  | { code: "objection_open"; objection: number };

export interface ApplicationDetail extends Application {
  reviews: Review[];
  /** The most that may be paid on the decision in force (D-G6), null without one. */
  payable?: string | null;
  /** D-G6: the year's budget and committed total when the committed total exceeds it. */
  scaling?: { budget: string; committed: string } | null;
  /** Not given to applicants: a step that would be refused now, by step. */
  waiting?: { decide?: Waiting; finalise?: Waiting };
  /** Not given to finance. */
  attachments?: Attachment[];
  decision: StoredDecision | null;
  payments: Payment[];
  /** Not shown to applicants. */
  payment_orders?: PaymentOrder[];
  objections: Objection[];
  recoveries: Recovery[];
  paid_total: string;
  recovered_total: string;
  net_paid: string;
}

export interface ApplicationFilter {
  /** One programme's applications (a policy id); absent: every programme's. */
  policy?: string;
  state?: string;
  year?: number;
  measure?: string;
  enterprise?: string;
  reviewer?: string;
  /** With reviewer: that reviewer's review is in this state ("assigned": still to score). */
  review?: "assigned" | "submitted" | "excluded";
  sort?: string;
  limit?: number;
  offset?: number;
  /** A page's `next`: the page after it, at the cost of a first page however deep (not with offset). */
  after?: string;
  /** Add each undecided apply-free proposal's estimate (costs a case build per row). */
  estimates?: boolean;
}

export function applications(f: ApplicationFilter = {}): Promise<Page<Application>> {
  return request("GET", `/api/applications${query({ ...f })}`);
}

export function application(id: number): Promise<ApplicationDetail> {
  return request("GET", `/api/applications/${id}`);
}

/** A draft of the programme `policy` (a policy id; absent: the served programme's). */
export function createApplication(credit_code: string, year: number, claim: Claim, policy?: string): Promise<Application> {
  return request("POST", "/api/applications", policy ? { credit_code, year, claim, policy } : { credit_code, year, claim });
}

/** The enterprise's draft with a changed claim (the same measure). */
export function editDraft(a: Pick<Application, "id" | "version">, claim: Claim): Promise<Application> {
  return request("PATCH", `/api/applications/${a.id}`, { claim }, { version: a.version });
}

/** Adds a file to the enterprise's own draft: the bytes as the body, the name in the query. */
export function addAttachment(applicationId: number, file: File): Promise<Attachment> {
  return request<Attachment>("POST", `/api/applications/${applicationId}/attachments?filename=${encodeURIComponent(file.name)}`, undefined, {
    raw: { body: file, type: "application/octet-stream" },
  });
}

/** Removes a file from the enterprise's own draft (audited). */
export function removeAttachment(a: Pick<Attachment, "application_id" | "id">): Promise<void> {
  return request<void>("DELETE", `/api/applications/${a.application_id}/attachments/${a.id}`);
}

/** The enterprise's draft withdrawn (deleted; the audit log keeps its claim). */
export function withdrawDraft(a: Pick<Application, "id" | "version">): Promise<void> {
  return request("DELETE", `/api/applications/${a.id}`, undefined, { version: a.version });
}

export function submitApplication(a: Pick<Application, "id" | "version">): Promise<Application> {
  return request("POST", `/api/applications/${a.id}/submission`, {}, { version: a.version });
}

export function startReview(a: Pick<Application, "id" | "version">, reviewers: string[]): Promise<Application> {
  return request("POST", `/api/applications/${a.id}/review`, { reviewers }, { version: a.version });
}

export function submitReview(a: Pick<Application, "id" | "version">, reviewer: string, scores: Record<string, number>, proposed: string, opinion: string): Promise<unknown> {
  return request("PUT", `/api/applications/${a.id}/reviews/${encodeURIComponent(reviewer)}`, { scores, proposed, opinion }, { version: a.version });
}

export function declareConflict(a: Pick<Application, "id" | "version">, reason: string): Promise<unknown> {
  return request("POST", `/api/applications/${a.id}/conflicts`, { reason }, { version: a.version });
}

export function decide(a: Pick<Application, "id" | "version">): Promise<StoredDecision> {
  return request("POST", `/api/applications/${a.id}/decisions`, {}, { version: a.version });
}

export function decision(id: number): Promise<StoredDecision> {
  return request("GET", `/api/decisions/${id}`);
}

export interface Replay {
  identical: boolean;
  stored: unknown;
  recomputed: unknown;
}

export function replay(decisionId: number): Promise<Replay> {
  return request("POST", `/api/decisions/${decisionId}/replays`, {});
}

/** The notice's days are the server's (D-G9): published today, it runs the policy's notice_days from tomorrow. */
export function publishNotice(a: Pick<Application, "id" | "version">): Promise<Application> {
  return request("POST", `/api/applications/${a.id}/notice`, {}, { version: a.version });
}

export interface Notice {
  id: number;
  enterprise_name: string;
  credit_code: string;
  measure: string;
  item?: string;
  total: string;
  notice_until: string;
  /** The programme of the application on notice (its policy's id). */
  policy?: string;
}

export function office(): Promise<Office> {
  return request("GET", "/api/office");
}

/** The applications on notice in a year, of the programme `policy` (absent: every programme's). */
export function notices(year?: number, policy?: string): Promise<Page<Notice>> {
  return request("GET", `/api/notices${query({ year, policy })}`);
}

export function fileObjection(a: Pick<Application, "id" | "version">, reason: string): Promise<Objection> {
  return request("POST", `/api/applications/${a.id}/objections`, { reason }, { version: a.version });
}

/** Objections, of the programme `policy` (absent: every programme's). */
export function objections(state?: "open" | "resolved", policy?: string): Promise<Page<Objection>> {
  return request("GET", `/api/objections${query({ state, policy })}`);
}

export function resolveObjection(id: number, upheld: boolean, resolution: string): Promise<Objection> {
  return request("POST", `/api/objections/${id}/resolution`, { upheld, resolution });
}

/** Final from the day after the notice's last day, by the server's calendar (D-G9). */
export function finalise(a: Pick<Application, "id" | "version">): Promise<Application> {
  return request("POST", `/api/applications/${a.id}/finalisation`, {}, { version: a.version });
}

/** Finance records a payment: paid at once (dated by the server, D-G9) at or below the office's threshold, otherwise an order for a second finance account. */
export function pay(a: Pick<Application, "id" | "version">, amount: string, reference: string): Promise<Application> {
  return request("POST", `/api/applications/${a.id}/payments`, { amount, reference }, { version: a.version });
}

/** A second finance account approves (pays) or rejects a pending order. */
export function decidePaymentOrder(id: number, approve: boolean, reason = ""): Promise<PaymentOrder> {
  return request("POST", `/api/payment-orders/${id}/approval`, approve ? { approve } : { approve, reason });
}

export function paymentOrders(state: "pending" | "approved" | "rejected" | "" = "pending"): Promise<{ items: PaymentOrder[]; total: number }> {
  return request("GET", `/api/payment-orders${query(state ? { state } : {})}`);
}

export function recover(a: Pick<Application, "id" | "version">, amount: string, reason: string): Promise<Application> {
  return request("POST", `/api/applications/${a.id}/recovery`, { amount, reason }, { version: a.version });
}

/** Payments, of the programme `policy` (absent: every programme's). */
export function payments(params: { year?: number; enterprise?: string; limit?: number; offset?: number; policy?: string } = {}): Promise<Page<Payment>> {
  return request("GET", `/api/payments${query(params)}`);
}

/** An award a policy's recovery rule finds due this year, with the applications that hold it. */
export interface DueRecovery {
  enterprise: string;
  measure: string;
  item: string;
  amount: string;
  clause: string;
  decision: string;
  why: string;
  why_zh?: string;
  applications: Array<{ application: number; year: number; amount: string }>;
}

export interface ProposalRun {
  year: number;
  policy?: string;
  measure: string;
  enterprises?: number;
  qualifying?: number;
  refused?: number;
  created: number[];
  /** The recoveries due this year (absent from a server that does not list them). */
  recoveries?: DueRecovery[];
}

/** Apply-free proposals of a measure in the programme `policy` (absent: the served one's). */
export function propose(year: number, measure: string, policy?: string): Promise<ProposalRun> {
  return request("POST", "/api/proposals", policy ? { year, measure, policy } : { year, measure });
}

export interface Budget {
  year: number;
  budget: string | null;
  committed: string;
  /** D-G6: the committed awards exceed the budget; factor is budget/committed then, else "1". */
  scaled: boolean;
  factor: string;
  /** What may be paid on the committed awards after D-G6. */
  payable: string;
  paid: string;
  by_measure: Record<string, { committed: string; payable: string; paid: string }>;
}

/** The year's budget of the programme `policy` (absent: the served one's). */
export function budget(year: number, policy?: string): Promise<Budget> {
  return request("GET", `/api/budgets/${year}${query({ policy })}`);
}

export function setBudget(year: number, amount: string, policy?: string): Promise<Budget> {
  return request("PUT", `/api/budgets/${year}${query({ policy })}`, { amount });
}

export interface SimulationSide {
  total: string;
  recipients: number;
  by_measure: Record<string, string>;
}

export interface Simulation {
  /** The programme simulated, by its policy's id. */
  policy?: string;
  baseline: SimulationSide;
  changed: SimulationSide;
  winners: Array<{ credit_code: string; name: string; before: string; after: string }>;
  losers: Array<{ credit_code: string; name: string; before: string; after: string }>;
  winners_total?: number;
  losers_total?: number;
  scaling?: { budget: string; approved: string; exceeded: boolean; paid: string; factor: string };
  enterprises?: number;
}

/** The year's stored cases simulated; `policy`: a programme run beside the served one (absent: the served one). */
export function simulate(year: number, set: Record<string, string>, budget?: string, policy?: string): Promise<Simulation> {
  return request("POST", "/api/simulations", { year, set, ...(budget ? { budget } : {}), ...(policy ? { policy } : {}) });
}

/** Every limit the year's awards in force exceed, checked by the programme `policy`'s policy (absent: the served one's). */
export function auditLimits(year: number, policy?: string): Promise<LimitsReport> {
  return request("GET", `/api/audit/limits/${year}${query({ policy })}`);
}

/**
 * Every enterprise's declaration of a value only an authority states (D-G10) that an officer verified anyway:
 * of `year` (absent: every year) and of the programme `policy` (absent: every programme).
 */
export function auditDeclarations(scope: { year?: number; policy?: string } = {}): Promise<DeclarationsReport> {
  return request("GET", `/api/audit/declarations${query({ year: scope.year, policy: scope.policy })}`);
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  change: Record<string, unknown> | string;
  digest: string;
  prev_digest?: string;
}

export function auditLog(
  params: { limit?: number; offset?: number; actor?: string; op?: string; application?: string; from?: string; to?: string } = {},
): Promise<Page<AuditEntry>> {
  return request("GET", `/api/audit${query(params)}`);
}

export interface Verification {
  ok: boolean;
  entries?: number;
  head_digest?: string;
  first_bad_seq?: number;
  problem?: string;
}

export function verifyAudit(): Promise<Verification> {
  return request("GET", "/api/audit/verification");
}

/** Addresses of the exports (downloads, not fetched by the app). */
export const exportsUrl = {
  // `policy`: one programme's notices or payments (absent: every programme's).
  noticesXlsx: (year: number, policy?: string) => `/api/notices.xlsx${query({ year, policy })}`,
  noticesCsv: (year: number, policy?: string) => `/api/notices.csv${query({ year, policy })}`,
  paymentsXlsx: (year: number, policy?: string) => `/api/payments.xlsx${query({ year, policy })}`,
  paymentsCsv: (year: number, policy?: string) => `/api/payments.csv${query({ year, policy })}`,
  letter: (decisionId: number) => `/api/decisions/${decisionId}/letter`,
  letterPdf: (decisionId: number) => `/api/decisions/${decisionId}/letter?format=pdf`,
  // A document is one programme's: `policy` (absent: the served programme's).
  noticeDocument: (year: number, format: "html" | "pdf" = "html", policy?: string) =>
    `/api/notices/document${query({ year, policy, format: format === "pdf" ? "pdf" : undefined })}`,
  paymentNotice: (applicationId: number, instalment: number, format: "html" | "pdf" = "html") =>
    `/api/applications/${applicationId}/payments/${instalment}/notice${format === "pdf" ? "?format=pdf" : ""}`,
  evidenceSample: (kind: string, format: "csv" | "jsonl", year: number, lang: "zh" | "en" = "en") =>
    `/api/evidence/${encodeURIComponent(kind)}/sample?format=${format}&year=${year}${format === "csv" && lang === "zh" ? "&lang=zh" : ""}`,
};
