// Bar charts of awards (by measure, by year, before and after a change). The
// drawing code and ECharts live in chart-engine.ts, fetched the first time a
// chart is drawn: a page without a chart never loads them, and the first
// load of the app stays small (issue 17: under 150 kB of JavaScript, gzip).

export interface Bar {
  label: string; // the category, e.g. "04 数据要素流通交易"
  amount: string; // exact money string
  display: string; // the amount as the reader sees it
}

export interface Series {
  name: string;
  amounts: string[]; // exact money strings, one per category
  displays: string[]; // as the reader sees them
  color: string;
}

type Engine = typeof import("./chart-engine");
let engine: Promise<Engine> | undefined;

function load(): Promise<Engine> {
  engine ??= import("./chart-engine").catch((e: unknown) => {
    engine = undefined; // a failed fetch (offline for a moment) is tried again next time
    throw e;
  });
  return engine;
}

/** One bar per category. Resolves once drawn. */
export async function drawBars(el: HTMLElement, bars: Bar[], description: string): Promise<void> {
  (await load()).drawBars(el, bars, description);
}

/** Categories with one bar per series side by side. Resolves once drawn. */
export async function drawGroupedBars(el: HTMLElement, categories: string[], series: Series[], description: string): Promise<void> {
  (await load()).drawGroupedBars(el, categories, series, description);
}

export function disposeChart(el: HTMLElement): void {
  // Nothing was drawn if the engine never loaded.
  void engine?.then((e) => e.disposeChart(el));
}
