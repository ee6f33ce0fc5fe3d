// History-API routing over a fixed table of paths. The server answers any
// extension-less path with index.html, so deep links load the app.

export interface Route {
  pattern: RegExp;
  render: (params: string[]) => HTMLElement | Promise<HTMLElement>;
  title: () => string;
}

let routes: Route[] = [];
let notFound: Route;
let outlet: HTMLElement;
let afterRender: (path: string) => void = () => {};

export function startRouter(table: Route[], fallback: Route, el: HTMLElement, onRender: (path: string) => void): void {
  routes = table;
  notFound = fallback;
  outlet = el;
  afterRender = onRender;
  window.addEventListener("popstate", () => void render(false));
  // Same-origin links with data-link navigate without a page load.
  document.addEventListener("click", (ev) => {
    const a = (ev.target as Element | null)?.closest?.("a[data-link]");
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
    ev.preventDefault();
    navigate(a.getAttribute("href") ?? "/");
  });
  void render(false);
}

export function navigate(path: string): void {
  if (path !== location.pathname + location.search) history.pushState(null, "", path);
  void render(true);
}

/**
 * Re-renders the current route (after a language switch, or after a change
 * the page shows); with moveFocus the new page's heading takes the focus, so
 * the new state is announced instead of the focus falling to the body.
 */
export function rerender(moveFocus = false): Promise<void> {
  return render(moveFocus, false);
}

let generation = 0;

async function render(moveFocus: boolean, scroll = true): Promise<void> {
  const path = location.pathname;
  const mine = ++generation;
  let route = notFound;
  let params: string[] = [];
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (m) {
      route = r;
      params = m.slice(1);
      break;
    }
  }
  // While the page is built from the server's answers the old one stays on
  // screen, marked busy: screen readers wait, and so can a test.
  outlet.setAttribute("aria-busy", "true");
  let view: HTMLElement;
  try {
    view = await route.render(params);
  } finally {
    if (mine === generation) outlet.removeAttribute("aria-busy");
  }
  if (mine !== generation) return; // a later navigation won
  outlet.replaceChildren(view);
  document.title = route.title();
  afterRender(path);
  if (moveFocus) {
    // Tell screen readers the page changed: focus the new page's heading.
    const heading = outlet.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
    if (scroll) window.scrollTo(0, 0);
  }
}
