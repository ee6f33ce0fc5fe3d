// The programmes the store runs side by side, as the pages read them: the
// served policy and those published beside it (GET /api/policies), each
// policy's summary fetched once, and the labels an application is shown with
// by its own programme's terms (programme.ts).
import * as api from "../api";
import { h, type Child } from "../dom";
import { lang } from "../i18n";
import { measureTitle, ofServed, titleIn } from "../programme";
import { measureLabel } from "./shared";

export interface Programmes {
  /** The served programme's policy; null when the list could not be read. */
  served: api.PublishedPolicy | null;
  /** The programmes the store also runs (their applications are accepted). */
  others: api.PublishedPolicy[];
}

let listPromise: Promise<Programmes> | null = null;
const summaries = new Map<string, Promise<api.PolicySummary>>();
const texts = new Map<string, Promise<api.Clauses | null>>();

/** The programmes, fetched once; a server that cannot list them runs its own only. */
export function programmes(): Promise<Programmes> {
  listPromise ??= api.policies().then(
    ({ policies }) => ({ served: policies.find((p) => p.programme) ?? null, others: policies.filter((p) => !p.programme) }),
    () => {
      listPromise = null;
      return { served: null, others: [] };
    },
  );
  return listPromise;
}

/** A policy's summary (its measures, items and the fields of its cases), fetched once. */
export function summaryOf(id: string): Promise<api.PolicySummary> {
  let p = summaries.get(id);
  if (!p) {
    p = api.policyById(id).catch((e) => {
      summaries.delete(id);
      throw e;
    });
    summaries.set(id, p);
  }
  return p;
}

/** A policy's clause texts, fetched once; null when they cannot be read. */
export function clausesOf(id: string): Promise<api.Clauses | null> {
  let p = texts.get(id);
  if (!p) {
    p = api.clausesById(id).catch(() => {
      texts.delete(id);
      return null;
    });
    texts.set(id, p);
  }
  return p;
}

type Named = { policy?: string | null };
type Labelled = Named & { measure: string; item?: string | null; claim?: api.Claim };

/** How applications of several programmes are labelled, each by its own policy. */
export interface Labels {
  programmes: Programmes;
  /** Whether the application is of a programme beside the served one. */
  other(a: Named): boolean;
  /** Its policy's summary when it is of another programme (and could be read). */
  summary(a: Named): api.PolicySummary | null;
  /** "4 融资支持 · 贷款贴息" by its own programme's terms. */
  measure(a: Labelled): string;
  /** Its programme's title in the reader's language. */
  programme(a: Named): string;
}

/** The labels of these applications, once the summaries of their programmes are read. */
export async function labelsFor(apps: Named[]): Promise<Labels> {
  const progs = await programmes();
  const servedId = progs.served?.id;
  const ids = [...new Set(apps.map((a) => a.policy).filter((p): p is string => !ofServed(p, servedId)))];
  const read = await Promise.all(ids.map((id) => summaryOf(id).catch(() => null)));
  const byId = new Map(ids.map((id, i) => [id, read[i]]));
  const other = (a: Named) => !ofServed(a.policy, servedId);
  const summary = (a: Named) => (other(a) ? byId.get(a.policy!) ?? null : null);
  return {
    programmes: progs,
    other,
    summary,
    measure(a) {
      const item = a.item ?? a.claim?.item;
      if (!other(a)) return measureLabel(a.measure, item);
      const s = summary(a);
      return s ? measureTitle(s, a.measure, item, lang()) : `${a.measure}${item ? ` · ${item}` : ""}`;
    },
    programme(a) {
      const p = other(a) ? progs.others.find((x) => x.id === a.policy) : progs.served;
      return p ? titleIn(p, lang()) : a.policy ?? "";
    },
  };
}

/**
 * A measure cell of a list: the measure by its programme's terms, and for an
 * application of another programme its programme's title above it.
 */
export function measureCell(labels: Labels, a: Labelled): Child {
  if (!labels.other(a)) return labels.measure(a);
  // One element: a table's cell at phone width is a grid of its heading and one item.
  return h("span", { class: "measure-cell" }, h("span", { class: "programme-tag", "data-policy": a.policy ?? "" }, labels.programme(a)), h("span", {}, labels.measure(a)));
}
