// Who is logged in. The session cookie is HttpOnly, so the app remembers the
// account in localStorage only as a hint: when the hint is there, the session
// is confirmed (and its CSRF token fetched) with GET /api/sessions/current;
// without it the app does not ask, so public pages never cause a 401.
import * as api from "./api";

const HINT_KEY = "bursar.account";
let account: api.Account | null = null;
const listeners: Array<() => void> = [];

function readHint(): boolean {
  try {
    return localStorage.getItem(HINT_KEY) !== null;
  } catch {
    return false;
  }
}

function writeHint(a: api.Account | null): void {
  try {
    if (a) localStorage.setItem(HINT_KEY, a.username);
    else localStorage.removeItem(HINT_KEY);
  } catch {
    // no storage: the session lasts as long as the page
  }
}

function set(a: api.Account | null, csrf: string | null): void {
  account = a;
  api.setCsrfToken(csrf);
  writeHint(a);
  for (const f of listeners) f();
}

export function current(): api.Account | null {
  return account;
}

export function onSessionChange(f: () => void): void {
  listeners.push(f);
}

/** Restores the session after a page load; resolves once it is known. */
export async function restore(): Promise<void> {
  if (!readHint()) return;
  try {
    const s = await api.currentSession();
    set(s.account, s.csrf_token ?? null);
  } catch {
    set(null, null);
  }
}

export async function login(username: string, password: string): Promise<api.Account> {
  const s = await api.login(username, password);
  set(s.account, s.csrf_token ?? null);
  return s.account;
}

export async function logout(): Promise<void> {
  try {
    await api.logout();
  } finally {
    set(null, null);
  }
}

/** The session ended on the server (expired, password changed): forget it. */
export function expired(): void {
  if (account) set(null, null);
}

/** The first screen of a role after logging in. */
export function homeOf(a: api.Account): string {
  switch (a.role) {
    case "applicant":
      return "/portal";
    case "reviewer":
      return "/review";
    case "officer":
      return "/officer";
    case "auditor":
      return "/audit";
    case "admin":
      return "/admin";
    case "finance":
      return "/finance";
    case "data-bureau":
      return "/data";
    default:
      return "/";
  }
}
