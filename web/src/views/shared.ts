// Pieces the programme screens share: the login gate, labelled fields, a form
// that runs one request and says what happened, state badges, tables and dates.
import * as api from "../api";
import { ApiError } from "../api";
import { h, uid, type Child } from "../dom";
import { parseMoneyInput, type MoneyUnit } from "../money";
import { lang, paren, pick, t, type Key } from "../i18n";
import { navigate } from "../router";
import * as session from "../session";
import { ITEMS, MEASURES } from "../terms";
import { refusalNodes, wordedRefusal } from "../refusals";

/** The page, or a way to log in, or a refusal when the role may not see it. */
export function gate(roles: api.Role[], render: (a: api.Account) => HTMLElement | Promise<HTMLElement>): HTMLElement | Promise<HTMLElement> {
  const a = session.current();
  if (!a) {
    return h(
      "section",
      { class: "page" },
      h("h1", {}, t("auth.required.title")),
      h("p", {}, t("auth.required.body")),
      h("p", {}, h("a", { href: `/login?next=${encodeURIComponent(location.pathname)}`, "data-link": true, class: "button-link" }, t("auth.login"))),
    );
  }
  if (!roles.includes(a.role)) {
    return h("section", { class: "page" }, h("h1", {}, t("auth.forbidden.title")), h("p", {}, t("auth.forbidden.body", { role: t(`role.${a.role}` as Key) })));
  }
  return render(a);
}

const KNOWN_STATUS: Partial<Record<number, Key>> = { 401: "error.401", 403: "error.403", 404: "error.404", 409: "error.409", 429: "error.429", 503: "error.503" };

/** The kind of failure in words ("当前状态不允许此操作。"), where the page knows it. */
function statusKey(e: ApiError): Key | undefined {
  return e.code === "conflict" ? "error.conflict" : KNOWN_STATUS[e.status];
}

/** A message for a failed request, in the reader's language where its kind is known. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const key = statusKey(e);
    const worded = wordedRefusal(e.message, e.reason, e.params);
    const detail = worded && lang() === "zh" ? `${worded}${paren(e.message)}` : worded ?? e.message;
    const field = e.field ? ` [${e.field}]` : "";
    return key ? `${t(key)} ${detail}${field}` : `${detail}${field}`;
  }
  if (e instanceof TypeError) return t("error.network");
  return String(e);
}


/** A text with `code` spans between backticks, as a page shows names a file must use. */
export function withCode(text: string): Array<Node | string> {
  return text.split("`").map((part, i) => (i % 2 ? h("code", {}, part) : part));
}

export function errorAlert(e: unknown): HTMLElement {
  const worded = e instanceof ApiError ? wordedRefusal(e.message, e.reason, e.params) : null;
  if (e instanceof ApiError && worded) {
    // As errorText words it, with the server's English (in Chinese) marked as English and the field as code.
    const key = statusKey(e);
    return h(
      "div",
      { class: "alert error", role: "alert", "data-reason": e.reason },
      key ? `${t(key)} ` : "",
      ...refusalNodes(e.message, e.reason, e.params),
      e.field ? [" ", h("code", {}, e.field)] : null,
    );
  }
  return h("div", { class: "alert error", role: "alert" }, errorText(e));
}

export function okAlert(text: string): HTMLElement {
  return h("div", { class: "alert ok", role: "status" }, text);
}

/** A labelled text input; returns the wrapper and the input. */
export function input(
  label: string,
  name: string,
  opts: { value?: string; type?: string; hint?: string; inputmode?: string; autocomplete?: string; required?: boolean; min?: string; max?: string; step?: string } = {},
): { el: HTMLElement; input: HTMLInputElement } {
  const id = uid(name.replace(/[^\w-]/g, "_"));
  const hintId = opts.hint ? `${id}-hint` : null;
  const el = h(
    "input",
    {
      id,
      name,
      type: opts.type ?? "text",
      value: opts.value ?? "",
      inputmode: opts.inputmode ?? null,
      autocomplete: opts.autocomplete ?? "off",
      required: opts.required ?? false,
      min: opts.min ?? null,
      max: opts.max ?? null,
      step: opts.step ?? null,
      "aria-describedby": hintId,
    },
  );
  const wrap = h("div", { class: "field" }, h("label", { for: id }, label), hintId ? h("p", { class: "hint", id: hintId }, opts.hint!) : null, el);
  return { el: wrap, input: el };
}

/**
 * An amount of money as people type it: "30,000,000", "¥1,250.50", or in
 * 万元 by the unit beside it (or a trailing 万/万元). value() is the API's
 * money string ("" when empty); a typed text that is not an amount throws
 * an error in the reader's language and marks the field.
 */
export function moneyInput(
  label: string,
  name: string,
  opts: { value?: string; hint?: string } = {},
): { el: HTMLElement; input: HTMLInputElement; unit: HTMLSelectElement; value: () => string } {
  const field = input(label, name, { inputmode: "decimal", value: opts.value, hint: opts.hint ?? t("money.input.hint") });
  const unitId = uid(`${name.replace(/[^\w-]/g, "_")}-unit`);
  const unit = h(
    "select",
    { id: unitId, name: `${name}.unit`, class: "unit", "aria-label": t("money.unit") },
    h("option", { value: "yuan", selected: true }, t("money.unit.yuan")),
    h("option", { value: "wan" }, t("money.unit.wan")),
  );
  field.input.after(unit);
  field.input.parentElement?.classList.add("with-unit");
  const value = (): string => {
    const text = field.input.value.trim();
    if (!text) return "";
    const parsed = parseMoneyInput(text, unit.value as MoneyUnit);
    if (parsed === null) {
      field.input.setAttribute("aria-invalid", "true");
      field.input.focus();
      throw new Error(t("money.input.bad", { label, text }));
    }
    field.input.removeAttribute("aria-invalid");
    return parsed;
  };
  return { ...field, unit, value };
}

export function textarea(label: string, name: string): { el: HTMLElement; input: HTMLTextAreaElement } {
  const id = uid(name);
  const el = h("textarea", { id, name, rows: 3, required: true });
  return { el: h("div", { class: "field" }, h("label", { for: id }, label), el), input: el };
}

export function selectField(label: string, name: string, options: Array<[string, string]>, value = ""): { el: HTMLElement; input: HTMLSelectElement } {
  const id = uid(name);
  const el = h("select", { id, name }, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
  return { el: h("div", { class: "field" }, h("label", { for: id }, label), el), input: el };
}

/**
 * A form that runs one request on submit: the button is disabled meanwhile,
 * and the outcome (or the error, with the field the server named) is announced
 * in the form's status line.
 */
let blockedIds = 0;

export function actionForm(opts: {
  title?: string;
  className?: string;
  fields: Child[];
  submit: string;
  run: () => Promise<string | void>;
  testid?: string;
  /** Why the step would be refused now: the button is disabled and this says why. */
  blocked?: string | null;
  /**
   * An irreversible step: a box to tick first (its label), and what is said
   * when the button is pressed without it. Nothing is sent until it is ticked.
   */
  confirm?: { label: string; unconfirmed?: string };
}): HTMLFormElement {
  const status = h("div", { class: "form-status", "aria-live": "polite" });
  const sureId = uid("confirm");
  const sure = opts.confirm ? h("input", { type: "checkbox", id: sureId, name: "confirm" }) : null;
  const why = opts.blocked ? h("p", { class: "alert blocked", id: `blocked-${++blockedIds}` }, opts.blocked) : null;
  const button = h(
    "button",
    { type: "submit", class: "primary", disabled: why ? true : null, "aria-describedby": why ? why.id : null },
    opts.submit,
  );
  const form = h(
    "form",
    { class: `action-form ${opts.className ?? ""}`, novalidate: true, "data-testid": opts.testid ?? null },
    opts.title ? h("h3", {}, opts.title) : null,
    opts.fields,
    sure && opts.confirm ? h("div", { class: "check confirm" }, sure, h("label", { for: sureId }, opts.confirm.label)) : null,
    why,
    h("div", { class: "actions" }, button),
    status,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (why) return;
    status.replaceChildren();
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    if (sure && !sure.checked) {
      sure.setAttribute("aria-invalid", "true");
      status.replaceChildren(errorAlert(new Error(opts.confirm?.unconfirmed ?? t("confirm.first"))));
      sure.focus();
      return;
    }
    button.disabled = true;
    try {
      const done = await opts.run();
      if (done) status.replaceChildren(okAlert(done));
    } catch (e) {
      status.replaceChildren(errorAlert(e));
      if (e instanceof ApiError && e.field) {
        const name = e.field.split(".").pop()!;
        const bad = form.querySelector<HTMLElement>(`[name="${CSS.escape(e.field)}"], [name="${CSS.escape(name)}"]`);
        if (bad) {
          bad.setAttribute("aria-invalid", "true");
          bad.focus();
        }
      }
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export function stateBadge(state: string): HTMLElement {
  const key = `state.${state}` as Key;
  return h("span", { class: `badge state state-${state}`, "data-state": state }, key in STATE_KEYS ? t(key) : state);
}
const STATE_KEYS: Record<string, true> = Object.fromEntries(
  ["draft", "submitted", "in_review", "decided", "notice", "final", "paid", "recovered", "withdrawn"].map((s) => [`state.${s}`, true]),
);

export function measureLabel(measure: string, item?: string | null): string {
  const m = MEASURES[measure];
  const title = m ? pick(m) : "";
  const it = item ? ITEMS[measure]?.[item] : undefined;
  return `${measure} ${title}${it ? ` · ${pick(it)}` : ""}`;
}

/** A table with column headings, inside a keyboard-scrollable region on narrow screens. */
export function dataTable(caption: string, headings: string[], rows: Child[][], opts: { testid?: string; numeric?: number[] } = {}): HTMLElement {
  const numeric = new Set(opts.numeric ?? []);
  return h(
    "div",
    { class: "table-scroll", tabindex: "0", role: "region", "aria-label": caption },
    h(
      "table",
      { class: "cards", "data-testid": opts.testid ?? null },
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, headings.map((x, i) => h("th", { scope: "col", class: numeric.has(i) ? "num" : null }, x)))),
      h(
        "tbody",
        {},
        // data-label: at phone width each row is a card, each cell under its heading (style.css).
        rows.map((r) => h("tr", {}, r.map((c, i) => h("td", { class: numeric.has(i) ? "num" : null, "data-label": headings[i] ?? null }, c)))),
      ),
    ),
  );
}

/** yyyy-mm-dd of today plus days, in local time. */
export function isoDate(daysFromToday = 0): string {
  const d = new Date();
  d.setDate(d.getDate() + daysFromToday);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** A stored timestamp as the reader's local date and time. */
export function when(ts: string | undefined | null): string {
  if (!ts) return "";
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  return d.toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", { hour12: false });
}

export function appLink(id: number, text?: string): HTMLElement {
  return h("a", { href: `/applications/${id}`, "data-link": true }, text ?? t("app.open", { id }));
}

export function yearOptions(around = new Date().getFullYear()): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let y = around + 1; y >= around - 4; y--) out.push([String(y), String(y)]);
  return out;
}

/** The programme year the screens open on: the stored preference, else this year. */
export function programmeYear(): number {
  try {
    const v = Number(sessionStorage.getItem("bursar.year"));
    if (Number.isInteger(v) && v > 2000) return v;
  } catch {
    // default below
  }
  // Awards are paid on a year's figures after it ends: last year by default.
  return new Date().getFullYear() - 1;
}

export function setProgrammeYear(y: number): void {
  try {
    sessionStorage.setItem("bursar.year", String(y));
  } catch {
    // not remembered
  }
}

export function go(path: string): void {
  navigate(path);
}

