// The HTTP API of `bursar serve`, as the web application uses it. Shapes follow
// policy/CASES.md (decisions) and the server's policy documents.

export interface Reduction {
  rule: string;
  amount: string;
  why: string;
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
  reductions?: Reduction[];
}

export interface NotAwarded {
  measure: string;
  item?: string;
  project?: string;
  clause?: string;
  decision?: string;
  why: string;
}

export interface TraceStep {
  step: string;
  expression: string;
  values: string;
  result: string;
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
}

export interface Clauses {
  clauses: LabelledText[];
  decisions: LabelledText[];
}

export interface PolicyItem {
  name: string;
  title: string;
  by: "facts" | "claim";
  cites: string[];
  claim_fields?: string[];
}

export interface PolicyMeasure {
  id: string;
  title: string;
  items: PolicyItem[];
}

export interface PolicyParameter {
  name: string;
  type: string;
  description: string;
  values: Array<{ from: string | null; value: string | number | boolean | null }>;
  override?: unknown;
  cites: string[];
}

export interface PolicySummary {
  id: string;
  version: string;
  title: string;
  digest: string;
  measures: PolicyMeasure[];
  parameters: PolicyParameter[];
}

export interface MeasureDocument {
  id: string;
  title: string;
  clauses: LabelledText[];
  decisions: LabelledText[];
  source: { file?: string; line?: number; markdown?: string };
}

/** An error the API answered with its one error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? { Accept: "application/json" } : { "Content-Type": "application/json", Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError(res.status, "bad_response", `HTTP ${res.status}: ${text.slice(0, 200)}`, null);
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; field?: string } }).error ?? {};
    throw new ApiError(res.status, e.code ?? "error", e.message ?? `HTTP ${res.status}`, e.field ?? null);
  }
  return json as T;
}

export function evaluate(kase: unknown): Promise<Decision> {
  return request<Decision>("POST", "/api/evaluations?explain=true", kase);
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
