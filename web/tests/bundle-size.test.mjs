// The JavaScript the first page load fetches (the scripts and module
// preloads that dist/index.html names, as served gzip-compressed) stays under
// issue 17's 150 kB, and ECharts is not part of it: charts fetch their engine
// when first drawn (src/chart.ts). Reads the build that run-browser-tests.sh
// has just made.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const LIMIT = 150_000;

test("the first load fetches under 150 kB of JavaScript (gzip), without ECharts", () => {
  const html = readFileSync(join(dist, "index.html"), "utf8");
  const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+\.js)"/g), ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+\.js)"/g)].map((m) => m[1]);
  assert.ok(scripts.length >= 1, "index.html names no script");
  let total = 0;
  for (const src of scripts) {
    const bytes = readFileSync(join(dist, src.replace(/^\//, "")));
    total += gzipSync(bytes, { level: 9 }).length;
    // ECharts marks the elements it draws in with "__ec_"; the first load must not carry it.
    assert.ok(!bytes.includes("__ec_") && !src.includes("chart-engine"), `${src} carries the chart engine`);
  }
  assert.ok(total < LIMIT, `the first load is ${total} bytes of gzip JavaScript (limit ${LIMIT})`);
  // The engine is built, as its own file, for the pages that draw charts.
  const engines = readdirSync(join(dist, "assets")).filter((f) => /^chart-engine-.*\.js$/.test(f));
  assert.equal(engines.length, 1, "no chart engine file in dist/assets");
  assert.ok(readFileSync(join(dist, "assets", engines[0])).includes("__ec_"), "the chart engine file holds no ECharts");
});
